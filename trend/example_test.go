package trend_test

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/shopspring/decimal"
)

// exDay returns midnight UTC on the given day of 2024.
func exDay(month time.Month, day int) time.Time {
	return time.Date(2024, month, day, 0, 0, 0, 0, time.UTC)
}

func exHist(pairs ...any) []funnel.StageChange {
	var h []funnel.StageChange
	for i := 0; i < len(pairs); i += 2 {
		h = append(h, funnel.StageChange{Stage: funnel.Stage(pairs[i].(string)), At: pairs[i+1].(time.Time)})
	}
	return h
}

// exScan is a scan of the funnel Lead, Demo, Proposal with the options.
func exScan(opts funnel.Options) *funnel.Scan {
	f, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		panic(err)
	}
	s, err := funnel.NewScan(f, opts)
	if err != nil {
		panic(err)
	}
	return s
}

// exDeals are four deals created in January and closed by 1 March, and
// four open ones created in March.
func exDeals() []funnel.Deal {
	return []funnel.Deal{
		{ID: "c1", Created: exDay(1, 2), Amount: decimal.NewFromInt(1000), Outcome: funnel.Won, Closed: exDay(2, 1),
			History: exHist("Lead", exDay(1, 2), "Demo", exDay(1, 10))},
		{ID: "c2", Created: exDay(1, 3), Amount: decimal.NewFromInt(400), Outcome: funnel.Lost, Closed: exDay(1, 20),
			History: exHist("Lead", exDay(1, 3))},
		{ID: "c3", Created: exDay(1, 5), Amount: decimal.NewFromInt(2000), Outcome: funnel.Won, Closed: exDay(3, 1),
			History: exHist("Lead", exDay(1, 5), "Demo", exDay(1, 15), "Proposal", exDay(2, 1))},
		{ID: "c4", Created: exDay(1, 8), Amount: decimal.NewFromInt(700), Outcome: funnel.Lost, Closed: exDay(2, 10),
			History: exHist("Lead", exDay(1, 8), "Demo", exDay(1, 20))},
		{ID: "o1", Created: exDay(3, 1), Amount: decimal.NewFromInt(100), History: exHist("Lead", exDay(3, 1))},
		{ID: "o2", Created: exDay(3, 2), Amount: decimal.NewFromInt(300), History: exHist("Lead", exDay(3, 2), "Demo", exDay(3, 5))},
		{ID: "o3", Created: exDay(3, 3), Amount: decimal.NewFromInt(50), History: exHist("Lead", exDay(3, 3), "Demo", exDay(3, 6), "Proposal", exDay(3, 10))},
		{ID: "o4", Created: exDay(3, 4), Amount: decimal.NewFromInt(600), History: exHist("Lead", exDay(3, 4), "Demo", exDay(3, 8))},
	}
}

var exAsOf = exDay(3, 15)

func ExampleCompute() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	r, err := trend.Compute(s, slices.Values(exDeals()), trend.Options{})
	if err != nil {
		panic(err)
	}
	for _, p := range r.Periods {
		fmt.Println(p.Label, p.Report.Deals, p.Report.WinRate.Ratio)
	}
	// Output:
	// 2024-01 4 2/4 (50.0%)
	// 2024-02 0 0/0 (n/a)
	// 2024-03 4 0/0 (n/a)
}

func ExampleOptions() {
	ny, _ := time.LoadLocation("America/New_York")
	// Quarters in New York, by close date, over 2024.
	s := exScan(funnel.Options{Period: funnel.Quarter, Location: ny})
	r, _ := trend.Compute(s, slices.Values(exDeals()), trend.Options{
		Basis: trend.Closed,
		From:  time.Date(2024, 1, 1, 0, 0, 0, 0, ny), To: time.Date(2024, 12, 31, 0, 0, 0, 0, ny),
	})
	for _, p := range r.Periods {
		fmt.Println(p.Label, p.Start.Format("2006-01-02 MST"), "won", p.Report.Won, "lost", p.Report.Lost)
	}
	fmt.Println("open, outside:", r.Outside.Open)
	// Output:
	// 2024-Q1 2024-01-01 EST won 2 lost 2
	// 2024-Q2 2024-04-01 EDT won 0 lost 0
	// 2024-Q3 2024-07-01 EDT won 0 lost 0
	// 2024-Q4 2024-10-01 EDT won 0 lost 0
	// open, outside: 4
}

func ExampleReport_Metric() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	r, _ := trend.Compute(s, slices.Values(exDeals()), trend.Options{})
	v, err := r.Metric(trend.Deals)
	if err != nil {
		panic(err)
	}
	for _, p := range v.Points {
		fmt.Println(p.Label, p.Value.Number, "previous:", p.Previous.Label, p.Previous.Defined, p.Previous.Delta, "tested:", p.Previous.Counts.Defined)
	}
	// Output:
	// 2024-01 4 previous:  false 0 tested: false
	// 2024-02 0 previous: 2024-01 true -4 tested: false
	// 2024-03 4 previous: 2024-02 true 4 tested: false
}

func ExampleValues_WriteText() {
	// 40 of 100 won in February and 60 of 100 in March
	feb := funnel.Report{WinRate: funnel.Rate{Ratio: funnel.Ratio{Num: 40, Den: 100}}}
	mar := funnel.Report{WinRate: funnel.Rate{Ratio: funnel.Ratio{Num: 60, Den: 100}}}
	r := trend.Report{Period: funnel.Month, Confidence: 0.95, Periods: []trend.Row{
		{Start: exDay(2, 1), End: exDay(3, 1), Label: "2024-02", Report: feb},
		{Start: exDay(3, 1), End: exDay(4, 1), Label: "2024-03", Report: mar},
	}}
	v, _ := r.Metric(trend.WinRate)
	_ = v.WriteText(os.Stdout)
	// Output:
	// win_rate by created period (month):
	//    period           value  vs previous       p   p adj  verdict  vs year ago  p  p adj  verdict
	//   2024-02  40/100 (40.0%)          n/a                                   n/a
	//   2024-03  60/100 (60.0%)    +20.0 pts  0.0047  0.0047   higher          n/a
}

func ExampleComputeCohorts() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	t, err := trend.ComputeCohorts(s, slices.Values(exDeals()), trend.CohortOptions{})
	if err != nil {
		panic(err)
	}
	for _, c := range t.Cohorts {
		fmt.Print(c.Start.Format("2006-01"), " size ", c.Size, ":")
		for age, v := range c.Ages {
			fmt.Print(" ", age, " ", v.Rate.Ratio, " ", v.Amount)
		}
		fmt.Println()
	}
	// Output:
	// 2024-01 size 4: 0 0/4 (0.0%) 0 1 1/4 (25.0%) 1000 2 2/4 (50.0%) 3000
	// 2024-03 size 4: 0 0/4 (0.0%) 0
}

func ExampleComputeSurvival() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	c, err := trend.ComputeSurvival(s, slices.Values(exDeals()), trend.SurvivalOptions{})
	if err != nil {
		panic(err)
	}
	for _, st := range c.Steps {
		fmt.Printf("%2.0f days: at risk %d, events %d, censored %d, S = %.3f\n", st.At.Hours()/24, st.AtRisk, st.Events, st.Censored, st.Survival)
	}
	// S sits on 0.5 from day 30 to day 33: the median is the midpoint
	fmt.Println("median:", c.Median.At.Hours()/24, "days")
	// Output:
	// 11 days: at risk 8, events 0, censored 1, S = 1.000
	// 12 days: at risk 7, events 0, censored 1, S = 1.000
	// 13 days: at risk 6, events 0, censored 1, S = 1.000
	// 14 days: at risk 5, events 0, censored 1, S = 1.000
	// 17 days: at risk 4, events 1, censored 0, S = 0.750
	// 30 days: at risk 3, events 1, censored 0, S = 0.500
	// 33 days: at risk 2, events 1, censored 0, S = 0.250
	// 56 days: at risk 1, events 1, censored 0, S = 0.000
	// median: 31.5 days
}

func ExampleSurvivalOptions() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	// the latest visit to Demo: c1 22 days (to its close), c3 17, c4 21,
	// o3 4 (to Proposal on 10 March); o2 and o4 are still there
	c, _ := trend.ComputeSurvival(s, slices.Values(exDeals()), trend.SurvivalOptions{Measure: trend.TimeInStage, Stage: "Demo"})
	fmt.Println(c.N, "visits,", c.Censored, "still in Demo,", c.NotEntered, "never entered; median", c.Median.At.Hours()/24, "days")
	// time to win: lost deals are censored at their close
	c, _ = trend.ComputeSurvival(s, slices.Values(exDeals()), trend.SurvivalOptions{Measure: trend.TimeToWin})
	fmt.Println(c.N, c.Events, c.Censored)
	// Output:
	// 6 visits, 2 still in Demo, 2 never entered; median 21 days
	// 8 2 6
}

func ExampleCurve_Quantile() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	c, _ := trend.ComputeSurvival(s, slices.Values(exDeals()), trend.SurvivalOptions{})
	// S is 0.75 from day 17 to day 30 and 0.5 from day 30 to day 33
	for _, p := range []float64{0.25, 0.5, 0.9} {
		q, _ := c.Quantile(p)
		if !q.Defined {
			fmt.Println(p, "n/a")
			continue
		}
		fmt.Println(p, q.At.Hours()/24, "days")
	}
	// Output:
	// 0.25 23.5 days
	// 0.5 31.5 days
	// 0.9 56 days
}

// One pass over the deals feeds the report, a monthly series, the
// creation cohorts and the sales-cycle curve.
func Example_onePass() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	tally := funnel.NewTally(s)
	series, _ := trend.NewSeries(s, trend.Options{})
	cohorts, _ := trend.NewCohorts(s, trend.CohortOptions{})
	cycle, _ := trend.NewSurvival(s, trend.SurvivalOptions{})
	if err := s.Run(slices.Values(exDeals()), tally, series, cohorts, cycle); err != nil {
		panic(err)
	}
	r, _ := series.Report()
	t, _ := cohorts.Table()
	fmt.Println("deals:", tally.Report().Deals, "periods:", len(r.Periods), "cohorts:", len(t.Cohorts), "median cycle:", cycle.Curve().Median.At.Hours()/24, "days")
	// Output:
	// deals: 8 periods: 3 cohorts: 2 median cycle: 31.5 days
}

// ExampleSurvival_Compare tests whether one group's sales cycles are
// longer than another's, open deals censored at their age (the figures
// are worked out by hand in TestSurvivalCompare).
func ExampleSurvival_Compare() {
	f, _ := funnel.New("Lead")
	asOf := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	s, _ := funnel.NewScan(f, funnel.Options{AsOf: asOf, Test: funnel.Test{MinSample: 2}})
	created := asOf.AddDate(0, 0, -4)
	deal := func(id string, wonAfter int) funnel.Deal {
		d := funnel.Deal{ID: id, Stage: "Lead", Created: created, Amount: decimal.NewFromInt(1)}
		if wonAfter > 0 {
			d.Outcome, d.Closed = funnel.Won, created.AddDate(0, 0, wonAfter)
		}
		return d
	}
	before, _ := trend.NewSurvival(s, trend.SurvivalOptions{Measure: trend.Cycle})
	after := before.Fresh().(*trend.Survival)
	_ = before.Add(deal("1", 3))
	_ = before.Add(deal("2", 0)) // open, 4 days old
	_ = after.Add(deal("3", 1))
	_ = after.Add(deal("4", 2))
	c, err := after.Compare(before)
	if err != nil {
		panic(err)
	}
	fmt.Printf("wins %d, expected %.3f, z %.4f, p %.4f: %s\n", c.EventsA, c.ExpectedA, c.Z, c.PValue, c.Verdict)
	// Output:
	// wins 2, expected 0.833, z 1.6977, p 0.0896: no difference
}
