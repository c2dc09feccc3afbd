package funnel_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// exampleDeals are three deals through a three-stage funnel.
func exampleDeals() []funnel.Deal {
	return []funnel.Deal{
		{ID: "D-1", Created: date(2024, 3, 1), Amount: decimal.RequireFromString("1200.00"), Currency: "USD",
			Outcome: funnel.Won, Closed: date(2024, 3, 21),
			History: []funnel.StageChange{{"Lead", date(2024, 3, 1)}, {"Qualified", date(2024, 3, 5)}, {"Proposal", date(2024, 3, 12)}},
			Attrs:   funnel.Attributes{Source: "web"}},
		{ID: "D-2", Created: date(2024, 3, 4), Amount: decimal.RequireFromString("800.00"), Currency: "USD",
			Outcome: funnel.Lost, Closed: date(2024, 3, 14),
			History: []funnel.StageChange{{"Lead", date(2024, 3, 4)}, {"Qualified", date(2024, 3, 8)}},
			Attrs:   funnel.Attributes{Source: "event"}},
		{ID: "D-3", Created: date(2024, 4, 2), Amount: decimal.RequireFromString("500.00"), Currency: "USD",
			History: []funnel.StageChange{{"Lead", date(2024, 4, 2)}},
			Attrs:   funnel.Attributes{Source: "web"}},
	}
}

func exampleFunnel() *funnel.Funnel {
	f, err := funnel.New("Lead", "Qualified", "Proposal")
	if err != nil {
		panic(err)
	}
	return f
}

// Example computes a funnel report from a slice of deals.
func Example() {
	f := exampleFunnel()
	r, err := funnel.Compute(f, slices.Values(exampleDeals()), funnel.Options{AsOf: date(2024, 5, 1), Currency: "USD"})
	if err != nil {
		panic(err)
	}
	for _, s := range r.Funnel {
		fmt.Printf("%-9s reached %d, step %v\n", s.Stage, s.Reached, s.Step)
	}
	fmt.Println("win rate:", r.WinRate)
	fmt.Println("median won deal:", r.DealSize.Median)
	// Output:
	// Lead      reached 3, step 0/0 (n/a)
	// Qualified reached 2, step 2/3 (66.7%)
	// Proposal  reached 1, step 1/2 (50.0%)
	// won       reached 1, step 1/1 (100.0%)
	// win rate: 1/2 (50.0%)
	// median won deal: 1200
}

func ExampleNew() {
	_, err := funnel.New("Lead", "Demo", "Lead")
	fmt.Println(errors.Is(err, funnel.ErrInvalidStage))
	f, _ := funnel.New("Lead", "Demo", "Won deal")
	fmt.Println(f.Len())
	// Output:
	// true
	// 3
}

func ExampleFunnel() {
	f := exampleFunnel()
	for s := range f.Stages() {
		fmt.Print(s, " ")
	}
	fmt.Println()
	// Output: Lead Qualified Proposal
}

func ExampleFunnel_Index() {
	f := exampleFunnel()
	i, ok := f.Index("Qualified")
	fmt.Println(i, ok)
	_, ok = f.Index("qualified")
	fmt.Println(ok)
	// Output:
	// 1 true
	// false
}

func ExampleFunnel_Len() {
	fmt.Println(exampleFunnel().Len())
	// Output: 3
}

func ExampleFunnel_Stage() {
	fmt.Println(exampleFunnel().Stage(2))
	// Output: Proposal
}

func ExampleFunnel_Stages() {
	fmt.Println(slices.Collect(exampleFunnel().Stages()))
	// Output: [Lead Qualified Proposal]
}

func ExampleStage() {
	var s funnel.Stage = "Qualified"
	_, ok := exampleFunnel().Index(s)
	fmt.Println(ok)
	// Output: true
}

func ExampleOutcome() {
	for _, o := range []funnel.Outcome{funnel.Open, funnel.Won, funnel.Lost, 7} {
		fmt.Print(o, " ")
	}
	fmt.Println()
	// Output: open won lost Outcome(7)
}

func ExampleOutcome_String() {
	fmt.Println(funnel.Won.String())
	// Output: won
}

func ExampleOutcome_MarshalText() {
	b, _ := json.Marshal(map[string]funnel.Outcome{"D-1": funnel.Lost})
	fmt.Println(string(b))
	// Output: {"D-1":"lost"}
}

func ExampleOutcome_UnmarshalText() {
	var o funnel.Outcome
	fmt.Println(o.UnmarshalText([]byte("won")), o)
	fmt.Println(errors.Is(o.UnmarshalText([]byte("Won")), funnel.ErrInvalidOutcome))
	// Output:
	// <nil> won
	// true
}

func ExampleStageChange() {
	h := []funnel.StageChange{
		{Stage: "Lead", At: date(2024, 3, 1)},
		{Stage: "Qualified"}, // entered at a time the CRM did not record
	}
	d := funnel.Deal{ID: "D-9", Created: date(2024, 3, 1), History: h}
	fmt.Println(d.Validate(exampleFunnel()))
	// Output: <nil>
}

func ExampleAttributes() {
	a := funnel.Attributes{Source: "web", Owner: "ana", Custom: map[string]string{"tier": "gold"}}
	fmt.Println(a.Get(funnel.AttrSource), a.Get(funnel.AttrOwner), a.Get("tier"), a.Get("region") == "")
	// Output: web ana gold true
}

func ExampleAttributes_Get() {
	a := funnel.Attributes{Region: "EMEA"}
	fmt.Printf("%q %q\n", a.Get(funnel.AttrRegion), a.Get(funnel.AttrIndustry))
	// Output: "EMEA" ""
}

func ExampleDeal() {
	d := exampleDeals()[0]
	fmt.Println(d.ID, d.Outcome, d.Amount.StringFixed(2), len(d.History))
	// Output: D-1 won 1200.00 3
}

func ExampleDeal_Validate() {
	d := funnel.Deal{ID: "D-7", Stage: "Lead", Outcome: funnel.Won} // won, but no close time
	err := d.Validate(exampleFunnel())
	fmt.Println(err)
	var de *funnel.DealError
	fmt.Println(errors.As(err, &de), de.Field, errors.Is(err, funnel.ErrMissingCloseTime))
	// Output:
	// funnel: deal "D-7": Closed: funnel: closed deal without close time
	// true Closed true
}

func ExampleDealError() {
	d := funnel.Deal{ID: "D-8", History: []funnel.StageChange{{"Lead", date(2024, 3, 2)}, {"Qualified", date(2024, 3, 1)}}}
	err := d.Validate(exampleFunnel())
	fmt.Println(errors.Is(err, funnel.ErrHistoryOrder))
	// Output: true
}

func ExampleDealError_Error() {
	e := &funnel.DealError{ID: "D-1", Field: "Amount", Err: funnel.ErrNegativeAmount}
	fmt.Println(e.Error())
	// Output: funnel: deal "D-1": Amount: funnel: negative amount
}

func ExampleDealError_Unwrap() {
	e := &funnel.DealError{ID: "D-1", Field: "Stage", Err: funnel.ErrUnknownStage}
	fmt.Println(e.Unwrap() == funnel.ErrUnknownStage)
	// Output: true
}

func ExampleDealError_MarshalJSON() {
	b, _ := json.Marshal(funnel.DealError{ID: "D-1", Field: "Stage", Err: funnel.ErrUnknownStage})
	fmt.Println(string(b))
	// Output: {"id":"D-1","field":"Stage","error":"funnel: unknown stage"}
}

func ExampleRatio() {
	won := funnel.Ratio{Num: 12, Den: 40}
	var none funnel.Ratio // no closed deals
	fmt.Println(won, none)
	// Output: 12/40 (30.0%) 0/0 (n/a)
}

func ExampleRatio_Defined() {
	fmt.Println(funnel.Ratio{Num: 0, Den: 3}.Defined(), funnel.Ratio{}.Defined())
	// Output: true false
}

func ExampleRatio_Float64() {
	v, ok := funnel.Ratio{Num: 1, Den: 4}.Float64()
	fmt.Println(v, ok)
	_, ok = funnel.Ratio{}.Float64()
	fmt.Println(ok)
	// Output:
	// 0.25 true
	// false
}

func ExampleRatio_Percent() {
	p, _ := funnel.Ratio{Num: 2, Den: 3}.Percent(2)
	fmt.Println(p)
	// Output: 66.67
}

func ExampleRatio_Add() {
	east, west := funnel.Ratio{Num: 9, Den: 10}, funnel.Ratio{Num: 10, Den: 90}
	fmt.Println(east.Add(west)) // not the mean of 90% and 11.1%
	// Output: 19/100 (19.0%)
}

func ExampleRatio_Wilson() {
	lo, hi, ok := funnel.Ratio{Num: 12, Den: 40}.Wilson(0.95)
	fmt.Printf("%.4f %.4f %v\n", lo, hi, ok)
	lo, hi, _ = funnel.Ratio{Num: 0, Den: 10}.Wilson(0.95)
	fmt.Printf("%.4f %.4f\n", lo, hi)
	// Output:
	// 0.1807 0.4543 true
	// 0.0000 0.2775
}

func ExampleRatio_String() {
	fmt.Println(funnel.Ratio{Num: 1, Den: 3}.String())
	// Output: 1/3 (33.3%)
}

func ExampleRatio_MarshalJSON() {
	b, _ := json.Marshal([]funnel.Ratio{{Num: 1, Den: 4}, {}})
	fmt.Println(string(b))
	// Output: [{"num":1,"den":4,"value":0.25},{"num":0,"den":0,"value":null}]
}

func ExampleMoneyRatio() {
	r := funnel.MoneyRatio{Num: decimal.RequireFromString("300"), Den: decimal.RequireFromString("400")}
	fmt.Println(r)
	// Output: 300/400 (75.0%)
}

func ExampleMoneyRatio_Value() {
	v, ok := funnel.MoneyRatio{Num: decimal.New(1, 0), Den: decimal.New(3, 0)}.Value()
	fmt.Println(v, ok)
	// Output: 0.3333333333 true
}

func ExampleMoneyRatio_String() {
	fmt.Println(funnel.MoneyRatio{}.String())
	// Output: 0/0 (n/a)
}

func ExampleMoneyRatio_MarshalJSON() {
	b, _ := json.Marshal(funnel.MoneyRatio{Num: decimal.New(3, 0), Den: decimal.New(4, 0)})
	fmt.Println(string(b))
	// Output: {"num":"3","den":"4","value":"0.75"}
}

func ExampleMoneyStats() {
	var m funnel.MoneyStats
	for _, a := range []string{"10", "0.5", "2.25", "1"} {
		m.Add(decimal.RequireFromString(a))
	}
	s := m.Summary()
	fmt.Println(s.Count, s.Total, s.Mean, s.Median, s.P90)
	// Output: 4 13.75 3.4375 1.625 7.675
}

func ExampleMoneyStats_Add() {
	var m funnel.MoneyStats
	m.Add(decimal.RequireFromString("0.1"))
	m.Add(decimal.RequireFromString("0.2"))
	fmt.Println(m.Sum()) // exact, unlike float64
	// Output: 0.3
}

func ExampleMoneyStats_Merge() {
	var a, b funnel.MoneyStats
	a.Add(decimal.New(100, 0))
	b.Add(decimal.New(300, 0))
	a.Merge(&b)
	med, _ := a.Percentiles(50)
	fmt.Println(a.Count(), a.Sum(), med[0])
	// Output: 2 400 200
}

func ExampleMoneyStats_Count() {
	var m funnel.MoneyStats
	fmt.Println(m.Count())
	// Output: 0
}

func ExampleMoneyStats_Sum() {
	var m funnel.MoneyStats
	m.Add(decimal.RequireFromString("99999999999999999999.99"))
	m.Add(decimal.RequireFromString("0.01"))
	fmt.Println(m.Sum())
	// Output: 100000000000000000000
}

func ExampleMoneyStats_Mean() {
	var m funnel.MoneyStats
	_, ok := m.Mean()
	fmt.Println(ok)
	m.Add(decimal.New(1, 0))
	m.Add(decimal.New(2, 0))
	m.Add(decimal.New(2, 0))
	mean, _ := m.Mean()
	fmt.Println(mean)
	// Output:
	// false
	// 1.6666666667
}

func ExampleMoneyStats_Percentiles() {
	var m funnel.MoneyStats
	for _, a := range []int64{100, 200, 300, 400} {
		m.Add(decimal.New(a, 0))
	}
	p, _ := m.Percentiles(25, 50, 90)
	fmt.Println(p)
	// Output: [175 250 370]
}

func ExampleMoneyStats_Summary() {
	var m funnel.MoneyStats
	fmt.Println(m.Summary().Count)
	// Output: 0
}

func ExampleMoneySummary() {
	var m funnel.MoneyStats
	m.Add(decimal.New(50, 0))
	s := m.Summary()
	fmt.Println(s.Min, s.Median, s.Max)
	// Output: 50 50 50
}

func ExampleMoneySummary_MarshalJSON() {
	var m funnel.MoneyStats
	b, _ := json.Marshal(m.Summary())
	fmt.Println(string(b))
	// Output: {"count":0,"total":"0","mean":null,"min":null,"p25":null,"median":null,"p75":null,"p90":null,"max":null}
}

func ExampleDurationStats() {
	var s funnel.DurationStats
	for range 5000 {
		s.Add(90 * 24 * time.Hour) // 5000 cycles of 90 days overflow a Duration sum
	}
	mean, _ := s.Mean()
	fmt.Println(mean, s.TotalSeconds())
	// Output: 2160h0m0s 38880000000
}

func ExampleDurationStats_Add() {
	var s funnel.DurationStats
	s.Add(1500 * time.Millisecond) // kept in whole seconds
	fmt.Println(s.TotalSeconds())
	// Output: 1
}

func ExampleDurationStats_AddSeconds() {
	var s funnel.DurationStats
	s.AddSeconds(3600)
	m, _ := s.Mean()
	fmt.Println(m)
	// Output: 1h0m0s
}

func ExampleDurationStats_Merge() {
	var a, b funnel.DurationStats
	a.AddSeconds(60)
	b.AddSeconds(180)
	a.Merge(&b)
	med, _ := a.Percentiles(50)
	fmt.Println(a.Count(), med[0])
	// Output: 2 2m0s
}

func ExampleDurationStats_Count() {
	var s funnel.DurationStats
	s.AddSeconds(5)
	fmt.Println(s.Count())
	// Output: 1
}

func ExampleDurationStats_TotalSeconds() {
	var s funnel.DurationStats
	s.AddSeconds(86400)
	s.AddSeconds(3600)
	fmt.Println(s.TotalSeconds())
	// Output: 90000
}

func ExampleDurationStats_Mean() {
	var s funnel.DurationStats
	_, ok := s.Mean()
	fmt.Println(ok)
	// Output: false
}

func ExampleDurationStats_Percentiles() {
	var s funnel.DurationStats
	for _, d := range []int64{1, 2, 3, 10} {
		s.AddSeconds(d * 86400)
	}
	p, _ := s.Percentiles(50, 90)
	fmt.Println(p)
	// Output: [60h0m0s 189h36m0s]
}

func ExampleDurationStats_Summary() {
	var s funnel.DurationStats
	s.Add(time.Hour)
	s.Add(3 * time.Hour)
	fmt.Println(s.Summary().Median)
	// Output: 2h0m0s
}

func ExampleDurationSummary() {
	var s funnel.DurationStats
	fmt.Println(s.Summary() == funnel.DurationSummary{})
	// Output: true
}

func ExampleDurationSummary_MarshalJSON() {
	b, _ := json.Marshal(funnel.DurationSummary{})
	fmt.Println(string(b))
	// Output: {"count":0,"mean_seconds":null,"min_seconds":null,"p25_seconds":null,"median_seconds":null,"p75_seconds":null,"p90_seconds":null,"max_seconds":null}
}

func ExamplePeriod() {
	t := time.Date(2024, 12, 30, 15, 0, 0, 0, time.UTC)
	for _, p := range []funnel.Period{funnel.Day, funnel.Week, funnel.Month, funnel.Quarter, funnel.Year} {
		fmt.Println(p, p.Start(t, nil).Format(time.DateOnly))
	}
	// Output:
	// day 2024-12-30
	// week 2024-12-30
	// month 2024-12-01
	// quarter 2024-10-01
	// year 2024-01-01
}

func ExamplePeriod_Start() {
	ny := time.FixedZone("EST", -5*3600)
	t := time.Date(2024, 4, 1, 3, 30, 0, 0, time.UTC) // 22:30 on 31 March in New York
	fmt.Println(funnel.Quarter.Start(t, time.UTC).Format(time.DateOnly), funnel.Quarter.Start(t, ny).Format(time.DateOnly))
	// Output: 2024-04-01 2024-01-01
}

func ExamplePeriod_String() {
	fmt.Println(funnel.Week.String(), funnel.Period(9).String())
	// Output: week Period(9)
}

func ExamplePeriod_MarshalText() {
	b, _ := funnel.Quarter.MarshalText()
	fmt.Println(string(b))
	// Output: quarter
}

func ExamplePeriod_UnmarshalText() {
	var p funnel.Period
	err := p.UnmarshalText([]byte("week"))
	fmt.Println(p, err)
	// Output: week <nil>
}

func ExampleMode() {
	bad := append(exampleDeals(), funnel.Deal{ID: "D-x", Stage: "Nowhere", Currency: "USD"})
	_, err := funnel.Compute(exampleFunnel(), slices.Values(bad), funnel.Options{Mode: funnel.Strict, Currency: "USD"})
	fmt.Println(err)
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(bad), funnel.Options{Mode: funnel.Lenient, Currency: "USD"})
	fmt.Println(r.Deals, r.Skipped.Count, r.Skipped.Reasons[0].Reason)
	// Output:
	// funnel: deal "D-x": Stage: funnel: unknown stage
	// 3 1 funnel: unknown stage
}

func ExamplePolicy() {
	// D-4 skipped Qualified.
	deals := []funnel.Deal{{ID: "D-4", Stage: "Proposal", History: []funnel.StageChange{{"Lead", date(2024, 3, 1)}, {"Proposal", date(2024, 3, 2)}}}}
	for _, p := range []funnel.Policy{funnel.InOrder, funnel.AnyStage, funnel.DirectNext} {
		r, _ := funnel.Compute(exampleFunnel(), slices.Values(deals), funnel.Options{Policy: p})
		fmt.Println(p, r.Funnel[0].Reached, r.Funnel[1].Reached, r.Funnel[2].Reached)
	}
	// Output:
	// in-order 1 0 0
	// any-stage 1 0 1
	// direct-next 1 0 0
}

func ExamplePolicy_String() {
	fmt.Println(funnel.AnyStage.String())
	// Output: any-stage
}

func ExamplePolicy_MarshalText() {
	b, _ := json.Marshal(funnel.DirectNext)
	fmt.Println(string(b))
	// Output: "direct-next"
}

func ExampleOptions() {
	// A 30-day conversion window: D-3 (open, created 2 April) is still
	// pending at Lead on 20 April, not dropped.
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{
		AsOf: date(2024, 4, 20), Window: 30 * 24 * time.Hour, Currency: "USD",
	})
	q := r.Funnel[1]
	fmt.Println(q.DropOff, q.Pending, q.Dropped, q.StepDecided)
	// Output: 1 1 0 2/2 (100.0%)
}

func ExampleNewTally() {
	_, err := funnel.NewTally(exampleFunnel(), funnel.Options{Window: time.Hour}) // a window needs AsOf
	fmt.Println(errors.Is(err, funnel.ErrInvalidParam))
	// Output: true
}

func ExampleTally() {
	f := exampleFunnel()
	deals := exampleDeals()
	// one tally per part (per goroutine, file or machine), then merge
	a, _ := funnel.NewTally(f, funnel.Options{Currency: "USD"})
	b, _ := funnel.NewTally(f, funnel.Options{Currency: "USD"})
	for _, d := range deals[:2] {
		_ = a.Add(d)
	}
	for _, d := range deals[2:] {
		_ = b.Add(d)
	}
	if err := a.Merge(b); err != nil {
		panic(err)
	}
	r := a.Report()
	fmt.Println(r.Deals, r.WinRateCreated)
	// Output: 3 1/3 (33.3%)
}

func ExampleTally_Add() {
	t, _ := funnel.NewTally(exampleFunnel(), funnel.Options{Currency: "USD"})
	err := t.Add(funnel.Deal{ID: "E-1", Stage: "Lead", Currency: "EUR"})
	fmt.Println(errors.Is(err, funnel.ErrCurrencyMismatch), t.Report().Skipped.Count)
	// Output: true 1
}

func ExampleTally_Merge() {
	t, _ := funnel.NewTally(exampleFunnel(), funnel.Options{})
	u, _ := funnel.NewTally(exampleFunnel(), funnel.Options{Policy: funnel.AnyStage})
	fmt.Println(errors.Is(t.Merge(u), funnel.ErrIncompatible))
	// Output: true
}

func ExampleTally_Report() {
	t, _ := funnel.NewTally(exampleFunnel(), funnel.Options{Currency: "USD"})
	for _, d := range exampleDeals() {
		_ = t.Add(d)
	}
	r := t.Report()
	fmt.Println(r.CycleWon.Median, r.CycleLost.Median)
	// Output: 480h0m0s 240h0m0s
}

func ExampleCompute() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{Currency: "USD"})
	fmt.Println(r.WinRate, r.WinRateValue, r.Pipeline)
	// Output: 1/2 (50.0%) 1200/2000 (60.0%) 500
}

func ExampleReport() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{Currency: "USD"})
	b, _ := json.Marshal(r.Funnel[1].Step)
	fmt.Println(r.Funnel[1].Stage, string(b))
	// Output: Qualified {"num":2,"den":3,"value":0.6666666666666666}
}

func ExampleReport_WriteText() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{AsOf: date(2024, 5, 1), Currency: "USD"})
	if err := r.WriteText(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// Deals: 3 (open 1, won 1, lost 1); policy in-order, as of 2024-05-01T00:00:00Z
	//
	//       stage  reached    step  cumulative  drop-off  pending  lost  lost value  open  open value  median days (latest)  median days (total)  p90 days (total)
	//        Lead        3     n/a      100.0%         0        0     0           0     1         500                   4.0                  4.0              24.0
	//   Qualified        2   66.7%       66.7%         1        1     1         800     0           0                   6.5                  6.5               6.9
	//    Proposal        1   50.0%       33.3%         1        0     0           0     0           0                   9.0                  9.0               9.0
	//         won        1  100.0%       33.3%         0        0
	//
	// Win rate (won / closed):    1/2 (50.0%)  95% CI 9.5%..90.5%
	// Win rate (won / created):   1/3 (33.3%)  95% CI 6.1%..79.2%
	// Win rate (value):           1200/2000 (60.0%)
	// Deal size (won):            n=1 total 1200 mean 1200.00 median 1200.00 p90 1200.00
	// Open pipeline:              500
	//  Sales cycle (won), days:    n=1 mean 20.0 median 20.0 p90 20.0
	//  Sales cycle (lost), days:   n=1 mean 10.0 median 10.0 p90 10.0
	//  Open deal age, days:        n=1 mean 29.0 median 29.0 p90 29.0
	//
	// Leads created per month (UTC):
	//    period  created  won  lost  open  lead-to-customer     top sources
	//   2024-03        2    1     1     0             50.0%  event 1, web 1
	//   2024-04        1    0     0     1              0.0%           web 1
}

func ExampleReport_String() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()[:1]), funnel.Options{Currency: "USD"})
	s := r.String()
	fmt.Println(len(s) > 0)
	// Output: true
}

func ExampleStageReport() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{AsOf: date(2024, 5, 1), Currency: "USD"})
	q := r.Funnel[1] // Qualified
	fmt.Println(q.Lost, q.LostValue, q.TimeTotal.Median)
	// D-1 spent 7 days in Qualified, D-2 6 days until it was lost
	// Output: 1 800 156h0m0s
}

func ExamplePeriodRow() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{Currency: "USD"})
	for _, p := range r.Periods {
		fmt.Println(p.Start.Format("2006-01"), p.Created, p.LeadToCustomer)
	}
	// Output:
	// 2024-03 2 1/2 (50.0%)
	// 2024-04 1 0/1 (0.0%)
}

func ExampleSourceCount() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{Currency: "USD"})
	fmt.Println(r.Periods[0].BySource)
	// Output: [{event 1} {web 1}]
}

func ExampleSkipped() {
	deals := []funnel.Deal{{ID: "A", Stage: "Lead", Amount: decimal.New(-1, 0)}, {ID: "B", Stage: "Lead"}}
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(deals), funnel.Options{Mode: funnel.Lenient})
	fmt.Println(r.Skipped.Count, r.Skipped.Examples[0].ID, r.Skipped.Examples[0].Field)
	// Output: 1 A Amount
}

func ExampleReasonCount() {
	deals := []funnel.Deal{{ID: "A", Stage: "X"}, {ID: "B", Stage: "Y"}, {Stage: "Lead"}}
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(deals), funnel.Options{Mode: funnel.Lenient})
	fmt.Println(r.Skipped.Reasons)
	// Output: [{funnel: unknown stage 2} {funnel: missing deal id 1}]
}
