// Command clv prints a customer-lifetime-value report for the CDNOW sample
// (testdata/cdnow in this repository): historical value per customer and
// per acquisition cohort, BG/NBD and Gamma-Gamma fits with their standard
// errors, the customers with the highest predicted value together with
// their probability of still being active, and the calibration-versus-
// holdout check of the purchase model.
//
// Run it from the repository root, or pass the path of CDNOW_sample.txt:
//
//	go run ./examples/clv [path]
package main

import (
	"bufio"
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/shopspring/decimal"
)

const (
	week        = 7 * 24 * time.Hour
	holdoutLen  = 39.0 // weeks from 1997-10-01 to 1998-06-30
	marginRate  = "0.3"
	periods     = 13  // four-week periods in the CLV horizon (one year)
	periodWeeks = 4.0 // length of one period, in the model's unit
	discount    = 0.01
)

func main() {
	path := "testdata/cdnow/CDNOW_sample.txt"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if err := run(path); err != nil {
		fmt.Fprintln(os.Stderr, "clv:", err)
		os.Exit(1)
	}
}

// readLog reads the CDNOW log: master id, customer id, date YYYYMMDD,
// number of CDs, dollar value.
func readLog(path string) (*clv.Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var log clv.Log
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			return nil, fmt.Errorf("line %d: %d fields, want 5", line, len(fs))
		}
		day, err := time.Parse("20060102", fs[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		amt, err := decimal.NewFromString(fs[4])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if err := log.Add(clv.Transaction{Customer: fs[1], Time: day, Amount: amt}); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	return &log, sc.Err()
}

func run(path string) error {
	log, err := readLog(path)
	if err != nil {
		return err
	}
	calEnd := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)
	end := time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)
	margin := decimal.RequireFromString(marginRate)

	// Historical value.
	hist, err := log.Historical(margin)
	if err != nil {
		return err
	}
	fmt.Printf("CDNOW sample: %d customers, %d purchases, revenue $%s (1997-01-01 to 1998-06-30)\n\n", log.Len(), log.Count(), hist.Revenue.StringFixed(2))
	top := slices.Clone(hist.Customers)
	slices.SortStableFunc(top, func(a, b clv.CustomerValue) int { return b.Revenue.Cmp(a.Revenue) })
	fmt.Println("Historical CLV, top 5 customers (margin at 30%):")
	for _, h := range top[:5] {
		fmt.Printf("  %s  %3d purchases  revenue %9s  margin %8s\n", h.ID, h.Purchases, h.Revenue.StringFixed(2), h.Margin.StringFixed(2))
	}

	cohorts, err := log.Cohorts(clv.CohortOptions{Period: funnel.Month, AsOf: end})
	if err != nil {
		return err
	}
	fmt.Println("\nCumulative revenue per customer by months since acquisition:")
	fmt.Println("  cohort   customers      m0      m3      m6     m12     m17")
	for _, c := range cohorts.Cohorts {
		fmt.Printf("  %s  %9d", c.Start.Format("2006-01"), c.Size)
		for _, k := range []int{0, 3, 6, 12, 17} {
			if k < len(c.Ages) {
				fmt.Printf("  %6s", c.Ages[k].PerUnit.StringFixed(2))
			}
		}
		fmt.Println()
	}
	fmt.Println("\nShare of customers buying in months 1, 3, 6 and 12 after acquisition:")
	fmt.Println("  cohort      m1      m3      m6     m12")
	for _, c := range cohorts.Cohorts {
		fmt.Printf("  %s", c.Start.Format("2006-01"))
		for _, k := range []int{1, 3, 6, 12} {
			if p, ok := c.Ages[k].Rate.Percent(1); ok {
				fmt.Printf("  %5s%%", p.StringFixed(1))
			}
		}
		fmt.Println()
	}

	// Predictive value.
	rfm, err := log.RFM(clv.RFMOptions{CalibrationEnd: calEnd, HoldoutEnd: end, Unit: week})
	if err != nil {
		return err
	}
	cs := rfm.Customers
	bg, err := clv.FitBGNBD(cs)
	if err != nil {
		return err
	}
	gg, err := clv.FitGammaGamma(cs)
	if err != nil {
		return err
	}
	p, se := bg.Params, bg.StdErr
	fmt.Printf("\nBG/NBD on the 39-week calibration period (weeks), %d customers, LL %.1f, %s:\n", bg.N, bg.LogLik, bg.Status)
	fmt.Printf("  r %.3f (%.3f)  alpha %.3f (%.3f)  a %.3f (%.3f)  b %.3f (%.3f)\n", p.R, se.R, p.Alpha, se.Alpha, p.A, se.A, p.B, se.B)
	fmt.Printf("Gamma-Gamma on %d repeat customers, LL %.1f:\n", gg.N, gg.LogLik)
	fmt.Printf("  p %.2f (%.2f)  q %.2f (%.2f)  gamma %.2f (%.2f)\n", gg.Params.P, gg.StdErr.P, gg.Params.Q, gg.StdErr.Q, gg.Params.Gamma, gg.StdErr.Gamma)

	type row struct {
		id              string
		x               int
		palive, e39     float64
		spend, clvValue decimal.Decimal
	}
	rows := make([]row, 0, len(cs))
	opts := clv.CLVOptions{Periods: periods, PeriodLength: periodWeeks, DiscountRate: discount, MarginRate: margin}
	for _, c := range cs {
		pa, err := bg.Params.PAlive(c)
		if err != nil {
			return err
		}
		e, err := bg.Params.ExpectedPurchases(c, holdoutLen)
		if err != nil {
			return err
		}
		s, err := gg.Params.ExpectedSpend(c)
		if err != nil {
			return err
		}
		v, err := clv.DiscountedCLV(bg.Params, gg.Params, c, opts)
		if err != nil {
			return err
		}
		rows = append(rows, row{c.ID, c.Frequency, pa, e, s, v})
	}
	slices.SortStableFunc(rows, func(a, b row) int {
		if c := b.clvValue.Cmp(a.clvValue); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	fmt.Printf("\nTop 10 customers by predicted one-year CLV (margin 30%%, 1%% per 4 weeks):\n")
	fmt.Println("  customer  x  P(alive)  E[39 wk]  E[spend]      CLV")
	for _, r := range rows[:10] {
		fmt.Printf("  %s  %3d  %8.3f  %8.2f  %8s  %7s\n", r.id, r.x, r.palive, r.e39, r.spend.StringFixed(2), r.clvValue.StringFixed(2))
	}

	// Calibration versus holdout.
	check, err := bg.Params.CheckHoldout(cs, holdoutLen, 7)
	if err != nil {
		return err
	}
	fmt.Println("\nHoldout (weeks 40-78): mean repeat purchases per customer")
	fmt.Println("  calibration x  customers  actual  predicted")
	for _, r := range check.Rows {
		label := fmt.Sprint(r.Frequency)
		if r.AndMore {
			label += "+"
		}
		fmt.Printf("  %13s  %9d  %6.2f  %9.2f\n", label, r.Customers, r.Actual, r.Predicted)
	}
	fmt.Printf("  total: actual %d, predicted %.0f\n", check.Actual, check.Predicted)
	return nil
}
