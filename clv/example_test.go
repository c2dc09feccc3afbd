package clv_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/shopspring/decimal"
)

// cdnow reads the CDNOW sample shipped in ../testdata and summarises it in
// weeks: 39-week calibration to 1997-09-30, holdout to 1998-06-30.
func cdnow() []clv.Customer {
	f, err := os.Open("../testdata/cdnow/CDNOW_sample.txt")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	var log clv.Log
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text()) // master id, customer, YYYYMMDD, CDs, dollars
		day, _ := time.Parse("20060102", fs[2])
		if err := log.Add(clv.Transaction{Customer: fs[1], Time: day, Amount: decimal.RequireFromString(fs[4])}); err != nil {
			panic(err)
		}
	}
	rfm, err := log.RFM(clv.RFMOptions{
		CalibrationEnd: time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC),
		HoldoutEnd:     time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC),
		Unit:           7 * 24 * time.Hour,
	})
	if err != nil {
		panic(err)
	}
	return rfm.Customers
}

// paper is the published CDNOW BG/NBD estimate.
var paper = clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}

var customer1 = clv.Customer{Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.RequireFromString("22.35")}

func ExampleCustomer() {
	// Two repeat purchases, the last 30.43 weeks after the first, observed
	// for 38.86 weeks, repeat purchases worth 22.35 on average.
	pa, _ := paper.PAlive(customer1)
	fmt.Printf("P(alive) = %.3f\n", pa)
	// Output: P(alive) = 0.727
}

func ExampleFitBGNBD() {
	fit, err := clv.FitBGNBD(cdnow())
	if err != nil {
		fmt.Println(err)
		return
	}
	p, se := fit.Params, fit.StdErr
	fmt.Printf("r = %.3f (%.3f), alpha = %.3f (%.3f), a = %.3f (%.3f), b = %.3f (%.3f)\n", p.R, se.R, p.Alpha, se.Alpha, p.A, se.A, p.B, se.B)
	fmt.Printf("LL = %.1f over %d customers\n", fit.LogLik, fit.N)
	// Output:
	// r = 0.243 (0.013), alpha = 4.414 (0.378), a = 0.793 (0.186), b = 2.426 (0.705)
	// LL = -9582.4 over 2357 customers
}

func ExampleBGNBDFit() {
	fit, _ := clv.FitBGNBD(cdnow())
	fmt.Println(fit.Params.R > 0, fit.MaxGradient < 1e-3, fit.Status != "")
	// Output: true true true
}

func ExampleDiagnostics() {
	fit, _ := clv.FitSBG([]int{1000, 631, 468, 382, 326, 289, 262, 241})
	d := fit.Diagnostics
	fmt.Printf("N = %d, LL = %.2f, stationary: %v\n", d.N, d.LogLik, d.MaxGradient < 1e-3)
	// Output: N = 1000, LL = -1680.27, stationary: true
}

func ExampleBGNBD() {
	// The published CDNOW estimate, in weeks.
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	e, _ := m.ExpectedPurchasesNew(52)
	fmt.Printf("a new customer makes %.3f repeat purchases in a year\n", e)
	// Output: a new customer makes 1.446 repeat purchases in a year
}

func ExampleBGNBD_LogLikelihood() {
	ll, _ := paper.LogLikelihood(customer1)
	heavy, _ := paper.LogLikelihood(clv.Customer{Frequency: 200, Recency: 38, T: 39})
	fmt.Printf("%.4f %.4f\n", ll, heavy)
	// Output: -9.4586 100.0001
}

func ExampleBGNBD_PAlive() {
	for _, c := range []clv.Customer{{T: 38.86}, {Frequency: 10, Recency: 20, T: 38}, {Frequency: 10, Recency: 37, T: 38}} {
		pa, _ := paper.PAlive(c)
		fmt.Printf("x=%d t_x=%v: %.3f\n", c.Frequency, c.Recency, pa)
	}
	// Output:
	// x=0 t_x=0: 1.000
	// x=10 t_x=20: 0.048
	// x=10 t_x=37: 0.919
}

func ExampleBGNBD_ExpectedPurchases() {
	e, _ := paper.ExpectedPurchases(customer1, 39)
	fmt.Printf("%.4f\n", e)
	// Output: 1.2260
}

func ExampleBGNBD_ExpectedPurchasesNew() {
	for _, t := range []float64{13, 39, 78} {
		e, _ := paper.ExpectedPurchasesNew(t)
		fmt.Printf("%v weeks: %.4f\n", t, e)
	}
	// Output:
	// 13 weeks: 0.5344
	// 39 weeks: 1.1967
	// 78 weeks: 1.8605
}

func ExampleBGNBD_ProbPurchases() {
	for n := range 3 {
		p, _ := paper.ProbPurchases(customer1, n, 39)
		fmt.Printf("P(%d) = %.4f\n", n, p)
	}
	// Output:
	// P(0) = 0.4454
	// P(1) = 0.2393
	// P(2) = 0.1442
}

func ExampleBGNBD_ProbPurchasesNew() {
	p, _ := paper.ProbPurchasesNew(0, 39)
	fmt.Printf("%.4f\n", p)
	// Output: 0.5738
}

func ExampleBGNBD_CheckHoldout() {
	cs := cdnow()
	fit, _ := clv.FitBGNBD(cs)
	h, err := fit.Params.CheckHoldout(cs, 39, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range h.Rows {
		fmt.Printf("x=%d+%v n=%d actual %.2f predicted %.2f\n", r.Frequency, r.AndMore, r.Customers, r.Actual, r.Predicted)
	}
	fmt.Printf("total actual %d predicted %.0f\n", h.Actual, h.Predicted)
	// Output:
	// x=0+false n=1411 actual 0.24 predicted 0.23
	// x=1+false n=439 actual 0.70 predicted 0.52
	// x=2+false n=214 actual 1.39 predicted 1.04
	// x=3+true n=293 actual 3.22 predicted 3.01
	// total actual 1882 predicted 1653
}

func ExampleHoldoutCheck() {
	cs := []clv.Customer{{T: 10, Holdout: 1}, {Frequency: 2, Recency: 8, T: 10, Holdout: 3}}
	h, _ := paper.CheckHoldout(cs, 10, 5)
	fmt.Printf("%d rows, actual %d, predicted %.2f\n", len(h.Rows), h.Actual, h.Predicted)
	// Output: 2 rows, actual 4, predicted 1.17
}

func ExampleHoldoutRow() {
	h, _ := paper.CheckHoldout([]clv.Customer{{Frequency: 4, Recency: 9, T: 10, Holdout: 2}}, 10, 2)
	r := h.Rows[0]
	fmt.Println(r.Frequency, r.AndMore, r.Customers, r.Actual)
	// Output: 2 true 1 2
}

func ExampleFitGammaGamma() {
	fit, err := clv.FitGammaGamma(cdnow())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("p = %.2f, q = %.2f, gamma = %.2f over %d repeat customers\n", fit.Params.P, fit.Params.Q, fit.Params.Gamma, fit.N)
	// Output: p = 6.25, q = 3.74, gamma = 15.44 over 946 repeat customers
}

func ExampleGammaGammaFit() {
	fit, _ := clv.FitGammaGamma(cdnow())
	fmt.Printf("SE(p) = %.2f, LL = %.1f\n", fit.StdErr.P, fit.LogLik)
	// Output: SE(p) = 1.19, LL = -4055.9
}

func ExampleGammaGamma() {
	g := clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	mean, _ := g.MeanSpend()
	fmt.Println(mean.StringFixed(2))
	// Output: 35.22
}

func ExampleGammaGamma_MeanSpend() {
	_, err := clv.GammaGamma{P: 1, Q: 0.9, Gamma: 1}.MeanSpend()
	fmt.Println(errors.Is(err, clv.ErrUndefined))
	// Output: true
}

func ExampleGammaGamma_ExpectedSpend() {
	g := clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	s, _ := g.ExpectedSpend(customer1)
	fmt.Println(s.StringFixed(2))
	// Output: 24.66
}

func ExampleDiscountedCLV() {
	g := clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	// 12 four-week periods at 1% per period, 30% margin.
	v, err := clv.DiscountedCLV(paper, g, customer1, clv.CLVOptions{Periods: 12, PeriodLength: 4, DiscountRate: 0.01, MarginRate: decimal.RequireFromString("0.3")})
	fmt.Println(v.StringFixed(2), err)
	// Output: 10.17 <nil>
}

func ExampleCLVOptions() {
	g := clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	_, err := clv.DiscountedCLV(paper, g, customer1, clv.CLVOptions{})
	fmt.Println(errors.Is(err, funnel.ErrInvalidParam))
	// Output: true
}

func ExampleFitSBG() {
	fit, err := clv.FitSBG([]int{1000, 631, 468, 382, 326, 289, 262, 241})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("alpha = %.3f (%.3f), beta = %.3f (%.3f)\n", fit.Params.Alpha, fit.StdErr.Alpha, fit.Params.Beta, fit.StdErr.Beta)
	// Output: alpha = 0.704 (0.066), beta = 1.182 (0.152)
}

func ExampleSBGFit() {
	fit, _ := clv.FitSBG([]int{1000, 869, 743, 653, 593, 551, 517, 491})
	s, _ := fit.Params.Survival(12)
	fmt.Printf("projected survivors after 12 years: %.0f of 1000\n", 1000*s)
	// Output: projected survivors after 12 years: 378 of 1000
}

func ExampleSBG() {
	m := clv.SBG{Alpha: 0.704, Beta: 1.182}
	for t := 1; t <= 3; t++ {
		r, _ := m.Retention(t)
		fmt.Printf("year %d retention %.3f\n", t, r)
	}
	// Output:
	// year 1 retention 0.627
	// year 2 retention 0.756
	// year 3 retention 0.819
}

func ExampleSBG_Survival() {
	s, _ := clv.SBG{Alpha: 0.704, Beta: 1.182}.Survival(7)
	fmt.Printf("%.3f\n", s)
	// Output: 0.239
}

func ExampleSBG_Churn() {
	c, _ := clv.SBG{Alpha: 0.704, Beta: 1.182}.Churn(1)
	fmt.Printf("%.3f\n", c) // alpha / (alpha + beta)
	// Output: 0.373
}

func ExampleSBG_Retention() {
	r, _ := clv.SBG{Alpha: 1, Beta: 3}.Retention(2) // (3 + 1) / (1 + 3 + 1)
	fmt.Println(r)
	// Output: 0.8
}

func ExampleSBG_ExpectedLifetime() {
	l, _ := clv.SBG{Alpha: 3, Beta: 2}.ExpectedLifetime() // (3 + 2 - 1) / (3 - 1)
	_, err := clv.SBG{Alpha: 0.704, Beta: 1.182}.ExpectedLifetime()
	fmt.Println(l, errors.Is(err, clv.ErrUndefined))
	// Output: 2 true
}

func ExampleSBG_DiscountedExpectedLifetime() {
	del, _ := clv.SBG{Alpha: 0.704, Beta: 1.182}.DiscountedExpectedLifetime(0.1)
	// A customer paying 100 a year at the start of every year is worth:
	fmt.Printf("DEL %.3f, CLV %.2f\n", del, 100*del)
	// Output: DEL 3.695, CLV 369.51
}

func ExampleCustomerError() {
	_, err := clv.FitBGNBD([]clv.Customer{{T: 10}, {Frequency: 1, Recency: 12, T: 10}})
	var ce *clv.CustomerError
	if errors.As(err, &ce) {
		fmt.Println(ce.Index, ce.Field)
	}
	// Output: 1 Recency
}

func ExampleCustomerError_Error() {
	_, err := clv.FitBGNBD([]clv.Customer{{Frequency: -1}})
	fmt.Println(err.Error())
	// Output: clv: customer 0: Frequency is negative: clv: invalid customer summary
}

func ExampleCustomerError_Unwrap() {
	e := &clv.CustomerError{Index: 3, Field: "T", Reason: "is negative", Err: clv.ErrInvalidCustomer}
	fmt.Println(e.Unwrap() == clv.ErrInvalidCustomer)
	// Output: true
}

func ExampleFitError() {
	// Only one-time buyers: the purchase and dropout rates are not identified.
	_, err := clv.FitBGNBD([]clv.Customer{{T: 10}, {T: 20}})
	var fe *clv.FitError
	if errors.As(err, &fe) {
		fmt.Println(fe.Model, fe.Reason, fe.Diagnostics.N)
	}
	// Output: BG/NBD no repeat purchases 2
}

func ExampleFitError_Error() {
	_, err := clv.FitSBG([]int{100, 100, 100})
	fmt.Println(err.Error())
	// Output: clv: sBG fit: no customer churned: clv: not enough data to fit the model
}

func ExampleFitError_Unwrap() {
	_, err := clv.FitGammaGamma(nil)
	var fe *clv.FitError
	errors.As(err, &fe)
	fmt.Println(fe.Unwrap() == clv.ErrNoData)
	// Output: true
}

// Example_segments shows the fits on two customer segments, summarised in
// sorted order.
func Example_segments() {
	cs := cdnow()
	seg := map[string][]clv.Customer{}
	for _, c := range cs {
		k := "light"
		if c.Frequency >= 3 {
			k = "heavy"
		}
		seg[k] = append(seg[k], c)
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range seg {
			if !yield(k) {
				return
			}
		}
	}) {
		var sum float64
		for _, c := range seg[k] {
			e, _ := paper.ExpectedPurchases(c, 39)
			sum += e
		}
		fmt.Printf("%s: %d customers, %.0f purchases expected in 39 weeks\n", k, len(seg[k]), sum)
	}
	// Output:
	// heavy: 293 customers, 883 purchases expected in 39 weeks
	// light: 2064 customers, 771 purchases expected in 39 weeks
}

// clvPurchases are five purchases by two customers.
func clvPurchases() []clv.Transaction {
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 12, 0, 0, 0, time.UTC) }
	return []clv.Transaction{
		{Customer: "acme", Time: day(1, 10), Amount: decimal.RequireFromString("100.00")},
		{Customer: "acme", Time: day(2, 5), Amount: decimal.RequireFromString("60.00")},
		{Customer: "acme", Time: day(2, 5), Amount: decimal.RequireFromString("20.00")},
		{Customer: "acme", Time: day(3, 20), Amount: decimal.RequireFromString("40.00")},
		{Customer: "beta", Time: day(2, 14), Amount: decimal.RequireFromString("75.00")},
	}
}

func ExampleLog_Historical() {
	log, err := clv.LogOf(slices.Values(clvPurchases()))
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := log.Historical(decimal.RequireFromString("0.4"))
	fmt.Println("Historical CLV at a 40% margin:")
	fmt.Print(h)
	// Output:
	// Historical CLV at a 40% margin:
	//   customer  purchases  revenue  margin       first        last
	//       acme          4      220      88  2024-01-10  2024-03-20
	//       beta          1       75      30  2024-02-14  2024-02-14
	//      total          5      295     118
}

func ExampleLog_Cohorts() {
	log, _ := clv.LogOf(slices.Values(clvPurchases()))
	c, err := log.Cohorts(clv.CohortOptions{Period: funnel.Month, AsOf: time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Monthly cohorts:")
	fmt.Print(c)
	// Output:
	// Monthly cohorts:
	//    cohort  customers  age  active   share         interval  revenue per customer
	//   2024-01          1    0       1  100.0%  [20.7%, 100.0%]                100.00
	//                    1    1       1  100.0%  [20.7%, 100.0%]                180.00
	//                    1    2       1  100.0%  [20.7%, 100.0%]                220.00
	//   2024-02          1    0       1  100.0%  [20.7%, 100.0%]                 75.00
	//                    1    1       0    0.0%    [0.0%, 79.3%]                 75.00
}

func ExampleLog_RFM() {
	log, _ := clv.LogOf(slices.Values(clvPurchases()))
	rfm, err := log.RFM(clv.RFMOptions{
		CalibrationEnd: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		HoldoutEnd:     time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC),
		Unit:           7 * 24 * time.Hour,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rfm.Customers {
		// the two purchases of 5 February are one purchase day of 80
		fmt.Printf("%s x=%d t_x=%.2f T=%.2f zbar=%s holdout=%d\n", c.ID, c.Frequency, c.Recency, c.T, c.Monetary, c.Holdout)
	}
	// Output:
	// acme x=1 t_x=3.71 T=7.14 zbar=80 holdout=1
	// beta x=0 t_x=0.00 T=2.14 zbar=0 holdout=0
}

func ExampleFromDeals() {
	f, _ := funnel.New("Lead", "Proposal")
	s, _ := funnel.NewScan(f, funnel.Options{Currency: "USD", AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)})
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 12, 0, 0, 0, time.UTC) }
	deals := []funnel.Deal{
		{ID: "D-1", Account: "acme", Amount: decimal.RequireFromString("12000"), Currency: "USD", Outcome: funnel.Won, Stage: "Proposal", Created: day(1, 2), Closed: day(2, 15)},
		{ID: "D-2", Account: "acme", Amount: decimal.RequireFromString("8000"), Currency: "USD", Outcome: funnel.Lost, Stage: "Lead", Created: day(3, 1), Closed: day(4, 1)},
		// won after the as-of time: not a purchase yet
		{ID: "D-3", Account: "acme", Amount: decimal.RequireFromString("3000"), Currency: "USD", Outcome: funnel.Won, Stage: "Proposal", Created: day(5, 1), Closed: day(6, 10)},
		{ID: "D-4", Account: "beta", Amount: decimal.RequireFromString("500"), Currency: "USD", Outcome: funnel.Won, Stage: "Proposal", Created: day(2, 1), Closed: day(3, 3)},
	}
	log, err := clv.FromDeals(s, slices.Values(deals))
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := log.Historical(decimal.RequireFromString("0.7"))
	for _, c := range h.Customers {
		fmt.Println(c.ID, c.Purchases, c.Revenue, c.Margin)
	}
	fmt.Println("deals read", h.Input.Read, "counted", h.Input.Counted, "currency", h.Log.Currency)
	// Output:
	// acme 1 12000 8400
	// beta 1 500 350
	// deals read 4 counted 4 currency USD
}

// cdnowLog reads the CDNOW sample shipped in ../testdata into a log.
func cdnowLog() *clv.Log {
	f, err := os.Open("../testdata/cdnow/CDNOW_sample.txt")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	var log clv.Log
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text()) // master id, customer, YYYYMMDD, CDs, dollars
		day, _ := time.Parse("20060102", fs[2])
		if err := log.Add(clv.Transaction{Customer: fs[1], Time: day, Amount: decimal.RequireFromString(fs[4])}); err != nil {
			panic(err)
		}
	}
	return &log
}

func ExampleLog_Retention() {
	log, _ := clv.LogOf(slices.Values(clvPurchases()))
	r, err := log.Retention(clv.CohortOptions{Period: funnel.Month, AsOf: time.Date(2024, 3, 31, 23, 59, 59, 999999999, time.UTC)})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(r)
	feb := r.Periods[1]
	fmt.Println("February: opening", feb.Opening.Revenue, "+ new", feb.New.Revenue, "- contraction", feb.Contraction.Revenue, "= closing", feb.Closing.Revenue)
	// Output:
	//    period  opening  new  reactivated  expansion  contraction  churn  closing    GRR       interval    NRR       interval
	//   2024-01        0  100            0          0            0      0      100      -              -      -              -
	//   2024-02      100   75            0          0           20      0      155  80.0%              -  80.0%              -
	//   2024-03      155    0            0          0           40     75       40  25.8%  [0.0%, 74.8%]  25.8%  [0.0%, 74.8%]
	//
	//    period  customers  new  reactivated  expanded  contracted  churned  closing  retained         interval
	//   2024-01          0    1            0         0           0        0        1         -                -
	//   2024-02          1    1            0         0           1        0        2    100.0%  [20.7%, 100.0%]
	//   2024-03          2    0            0         0           1        1        1     50.0%    [9.5%, 90.5%]
	// February: opening 100 + new 75 - contraction 20 = closing 155
}

func ExampleLog_Tracking() {
	// The published CDNOW estimate, tracked quarter by quarter over the
	// 39-week calibration period and the 39-week holdout.
	t, err := cdnowLog().Tracking(paper, clv.TrackingOptions{
		CalibrationEnd: time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC),
		End:            time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC),
		Unit:           7 * 24 * time.Hour,
		Period:         funnel.Quarter,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(t)
	// Output:
	// period     actual  expected  cumulative actual  cumulative expected
	//   1997-Q1        812     696.4                812                696.4
	//   1997-Q2        920    1023.6               1732               1720.0
	//   1997-Q3        725     777.6               2457               2497.6
	//   1997-Q4  h     731     641.0               3188               3138.6
	//   1998-Q1  h     656     541.6               3844               3680.2
	//   1998-Q2  h     495     486.2               4339               4166.4
	// 2357 customers tracked, 0 acquired after the calibration end left out
}

func ExamplePredict() {
	cs := cdnow()
	bg, _ := clv.FitBGNBD(cs)
	gg, _ := clv.FitGammaGamma(cs)
	p, err := clv.Predict(bg, gg, cs[:4], clv.PredictOptions{
		Horizon: 39, // weeks
		CLV:     clv.CLVOptions{Periods: 12, PeriodLength: 4, DiscountRate: 0.01, MarginRate: decimal.RequireFromString("0.3")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(p)
	// Output:
	// customer  P(alive)        interval  purchases        interval    CLV        interval
	//       0001     0.727  [0.694, 0.757]      1.226  [1.141, 1.318]  10.16   [9.31, 11.10]
	//       0002     0.212  [0.174, 0.257]      0.203  [0.166, 0.249]   1.30    [1.01, 1.66]
	//       0003     1.000  [1.000, 1.000]      0.195  [0.178, 0.213]   2.33    [2.10, 2.58]
	//       0004     1.000  [1.000, 1.000]      0.195  [0.178, 0.213]   2.33    [2.10, 2.58]
	//      total                                1.819  [1.695, 1.952]  16.11  [14.85, 17.49]
	// purchases over 39 time units; CLV over 12 periods of 4 at 0.01 discount per period, margin 0.3; 95% intervals (delta method)
}

func ExampleBGNBDFit_PredictPurchases() {
	fit, _ := clv.FitBGNBD(cdnow())
	e, err := fit.PredictPurchases(customer1, 39, 0.95)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f purchases in 39 weeks, 95%% interval [%.3f, %.3f]\n", e.Value, e.Interval.Lo, e.Interval.Hi)
	// Output:
	// 1.226 purchases in 39 weeks, 95% interval [1.140, 1.318]
}

func ExampleBGNBDFit_PredictPAlive() {
	fit, _ := clv.FitBGNBD(cdnow())
	e, _ := fit.PredictPAlive(customer1, 0.9)
	fmt.Printf("P(alive) = %.3f, 90%% interval [%.3f, %.3f]\n", e.Value, e.Interval.Lo, e.Interval.Hi)
	// Output:
	// P(alive) = 0.727, 90% interval [0.699, 0.752]
}

func ExamplePredictCLV() {
	cs := cdnow()
	bg, _ := clv.FitBGNBD(cs)
	gg, _ := clv.FitGammaGamma(cs)
	v, err := clv.PredictCLV(bg, gg, customer1, clv.CLVOptions{Periods: 12, PeriodLength: 4, DiscountRate: 0.01, MarginRate: decimal.RequireFromString("1")}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("one year's discounted revenue:", v.Value.StringFixed(2), "in", "["+v.Lo.StringFixed(2)+",", v.Hi.StringFixed(2)+"]")
	// Output:
	// one year's discounted revenue: 33.88 in [31.03, 36.99]
}

func ExampleHistorical_Summary() {
	log, _ := clv.LogOf(slices.Values(clvPurchases()))
	h, _ := log.Historical(decimal.RequireFromString("0.4"))
	s := h.Summary()
	// the two customers' revenues are 75 and 220: quartiles at ranks
	// 1.25, 1.5, 1.75 and 1.9 of 2 (PERCENTILE.INC)
	fmt.Println("customers", s.Count, "total", s.Total, "mean", s.Mean)
	fmt.Println("min", s.Min, "p25", s.P25, "median", s.Median, "p75", s.P75, "p90", s.P90, "max", s.Max)
	// Output:
	// customers 2 total 295 mean 147.5
	// min 75 p25 111.25 median 147.5 p75 183.75 p90 205.5 max 220
}

func ExampleHistorical_Top() {
	log, _ := clv.LogOf(slices.Values(clvPurchases()))
	h, _ := log.Historical(decimal.RequireFromString("0.4"))
	for _, c := range h.Top(1) {
		fmt.Println(c.ID, c.Purchases, c.Revenue, c.Margin)
	}
	// Output:
	// acme 4 220 88
}

func ExampleLog_AddScaled() {
	// amounts held in cents, as a billing system exports them
	log, _ := clv.NewLog(clv.LogOptions{})
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
	for _, t := range []struct {
		customer string
		at       time.Time
		cents    int64
	}{
		{"acme", day(1, 10), 12050},
		{"acme", day(2, 1), 7999},
		{"beta", day(2, 14), 500},
	} {
		if err := log.AddScaled(t.customer, t.at, t.cents, -2); err != nil {
			fmt.Println(err)
			return
		}
	}
	err := log.AddScaled("beta", day(3, 1), -500, -2)
	fmt.Println("refund refused:", errors.Is(err, funnel.ErrNegativeAmount))
	h, _ := log.Historical(decimal.NewFromInt(1))
	for _, c := range h.Top(2) {
		fmt.Println(c.ID, c.Revenue.StringFixed(2))
	}
	// Output:
	// refund refused: true
	// acme 200.49
	// beta 5.00
}
