package funnel_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func ExampleTrend() {
	s, err := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{Options: funnel.Options{AsOf: exAsOf}})
	if err != nil {
		panic(err)
	}
	for _, r := range s.Metric(funnel.TrendDeals, 0) {
		fmt.Println(r.Start.Format("2006-01"), r.Value.Value, r.Previous.Delta)
	}
	// Output:
	// 2024-01 4 0
	// 2024-02 0 -4
	// 2024-03 4 4
}

func ExampleTrendOptions() {
	ny, _ := time.LoadLocation("America/New_York")
	// Quarters in New York, by close date, over 2024.
	opts := funnel.TrendOptions{
		Options: funnel.Options{Period: funnel.Quarter, Location: ny},
		Basis:   funnel.TrendClosed,
		From:    time.Date(2024, 1, 1, 0, 0, 0, 0, ny), To: time.Date(2024, 12, 31, 0, 0, 0, 0, ny),
	}
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), opts)
	for _, p := range s.Periods {
		fmt.Println(p.Start.Format("2006-01-02 MST"), p.Report.Won, p.Report.Lost)
	}
	fmt.Println("outside:", s.Outside)
	// Output:
	// 2024-01-01 EST 2 2
	// 2024-04-01 EDT 0 0
	// 2024-07-01 EDT 0 0
	// 2024-10-01 EDT 0 0
	// outside: 4
}

func ExampleTrendBasis() {
	for _, b := range []funnel.TrendBasis{funnel.TrendCreated, funnel.TrendClosed} {
		s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{Basis: b})
		fmt.Println(len(s.Periods), "periods from", s.Periods[0].Start.Format("2006-01"), "outside", s.Outside)
	}
	// Output:
	// 3 periods from 2024-01 outside 0
	// 3 periods from 2024-01 outside 4
}

func ExampleTrendPeriod() {
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{})
	p := s.Periods[0]
	fmt.Println(p.Start.Format("2006-01"), p.Report.Deals, p.Report.WinRate)
	// Output:
	// 2024-01 4 2/4 (50.0%)
}

func ExampleTrendSeries() {
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{})
	fmt.Println(s.Period, s.Location, len(s.Periods))
	// Output:
	// month UTC 3
}

func ExampleTrendSeries_Metric() {
	// Two months with 40/100 and 60/100 won: the change is significant.
	s := funnel.TrendSeries{Period: funnel.Month, Location: time.UTC, Periods: []funnel.TrendPeriod{
		{Start: exDay(2, 1), Report: funnel.Report{WinRate: funnel.Ratio{Num: 40, Den: 100}}},
		{Start: exDay(3, 1), Report: funnel.Report{WinRate: funnel.Ratio{Num: 60, Den: 100}}},
	}}
	r := s.Metric(funnel.TrendWinRate, 0.95)[1]
	fmt.Printf("%v: %s points, p = %.4f, significant %v\n", r.Value.Rate, r.Previous.Delta.Mul(decimal.NewFromInt(100)), r.Previous.PValue, r.Previous.Significant)
	fmt.Println("a year before:", r.YearAgo.Start.Format("2006-01"), r.YearAgo.OK)
	// Output:
	// 60/100 (60.0%): 20 points, p = 0.0047, significant true
	// a year before: 2023-03 false
}

func ExampleTrendSeries_Cohorts() {
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{})
	for _, c := range s.Cohorts() {
		fmt.Println(c.Start.Format("2006-01"), c.Created, "won", c.Won, "lost", c.Lost, "open", c.Open, c.Conversion)
	}
	// Output:
	// 2024-01 4 won 2 lost 2 open 0 2/4 (50.0%)
	// 2024-02 0 won 0 lost 0 open 0 0/0 (n/a)
	// 2024-03 4 won 0 lost 0 open 4 0/4 (0.0%)
}

func ExampleCohortRow() {
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{})
	c := s.Cohorts()[0]
	fmt.Println(c.Reached, c.Pending, c.WinRate)
	// Output:
	// [4 3 1 1] [0 0 0 0] 2/4 (50.0%)
}

func ExampleTrendKind() {
	fmt.Println(funnel.TrendWinRate.Value(funnel.Report{}).Kind == funnel.TrendRate,
		funnel.TrendDeals.Value(funnel.Report{}).Kind == funnel.TrendCount)
	// Output:
	// true true
}

func ExampleTrendValue() {
	v := funnel.TrendWinRate.Value(funnel.Report{WinRate: funnel.Ratio{Num: 1, Den: 3}})
	fmt.Println(v.Rate, v.Value, v.OK)
	v = funnel.TrendDealSize.Value(funnel.Report{})
	fmt.Println(v.OK)
	// Output:
	// 1/3 (33.3%) 0.3333333333 true
	// false
}

func ExampleTrendMetric() {
	// A custom metric: the open pipeline of each period's deals.
	pipeline := funnel.TrendMetric{Name: "pipeline", Value: func(r funnel.Report) funnel.TrendValue {
		return funnel.TrendValue{Kind: funnel.TrendAmount, Value: r.Pipeline, OK: true}
	}}
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{Options: funnel.Options{AsOf: exAsOf}})
	for _, r := range s.Metric(pipeline, 0) {
		fmt.Println(r.Start.Format("2006-01"), r.Value.Value)
	}
	// Output:
	// 2024-01 0
	// 2024-02 0
	// 2024-03 1050
}

func ExampleTrendStepConversion() {
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{Options: funnel.Options{AsOf: exAsOf}})
	m := funnel.TrendStepConversion("Demo")
	for _, r := range s.Metric(m, 0) {
		fmt.Println(m.Name, r.Start.Format("2006-01"), r.Value.Rate)
	}
	// Output:
	// conversion to Demo 2024-01 3/4 (75.0%)
	// conversion to Demo 2024-02 0/0 (n/a)
	// conversion to Demo 2024-03 3/4 (75.0%)
}

func ExampleTrendChange() {
	s := funnel.TrendSeries{Period: funnel.Month, Location: time.UTC, Periods: []funnel.TrendPeriod{
		{Start: exDay(2, 1), Report: funnel.Report{Deals: 10}},
		{Start: exDay(3, 1), Report: funnel.Report{Deals: 30}},
	}}
	c := s.Metric(funnel.TrendDeals, 0.95)[1].Previous
	fmt.Printf("%s deals (%s), tested %v, p = %.4f\n", c.Delta, c.Relative, c.Tested, c.PValue)
	// Output:
	// 20 deals (2), tested true, p = 0.0031
}

func ExampleTrendRow() {
	s, _ := funnel.Trend(exFunnel(), slices.Values(exDeals()), funnel.TrendOptions{})
	r := s.Metric(funnel.TrendWon, 0)[2]
	fmt.Println(r.Start.Format("2006-01"), r.Value.Value, "previous", r.Previous.Base.Value, "year ago known:", r.YearAgo.OK)
	// Output:
	// 2024-03 0 previous 0 year ago known: false
}

func ExampleSurvivalCycle() {
	data, err := funnel.SurvivalCycle(exFunnel(), slices.Values(exDeals()), funnel.SurvivalOptions{AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	c, _ := data.Curve(0)
	for _, p := range c.Points {
		fmt.Printf("%.0f days: at risk %d, events %d, censored %d, S = %.3f\n", p.At.Hours()/24, p.AtRisk, p.Events, p.Censored, p.Survival)
	}
	// Output:
	// 11 days: at risk 8, events 0, censored 1, S = 1.000
	// 12 days: at risk 7, events 0, censored 1, S = 1.000
	// 13 days: at risk 6, events 0, censored 1, S = 1.000
	// 14 days: at risk 5, events 0, censored 1, S = 1.000
	// 17 days: at risk 4, events 1, censored 0, S = 0.750
	// 30 days: at risk 3, events 1, censored 0, S = 0.500
	// 33 days: at risk 2, events 1, censored 0, S = 0.250
	// 56 days: at risk 1, events 1, censored 0, S = 0.000
}

func ExampleSurvivalInStage() {
	data, _ := funnel.SurvivalInStage(exFunnel(), slices.Values(exDeals()), "Demo", funnel.SurvivalOptions{AsOf: exAsOf})
	c, _ := data.Curve(0)
	m, ok := c.Quantile(0.5)
	fmt.Println(c.N, "visits,", c.Censored, "still in Demo; median", m.Hours()/24, "days", ok)
	// Output:
	// 6 visits, 2 still in Demo; median 21 days true
}

func ExampleSurvivalOptions() {
	// Time to win: lost deals are censored at their close.
	data, _ := funnel.SurvivalCycle(exFunnel(), slices.Values(exDeals()), funnel.SurvivalOptions{AsOf: exAsOf, Event: funnel.SurvivalWon})
	c, _ := data.Curve(0)
	fmt.Println(c.N, c.Events, c.Censored)
	// Output:
	// 8 2 6
}

func ExampleSurvivalEvent() {
	fmt.Println(funnel.SurvivalClosed == 0, funnel.SurvivalWon)
	// Output:
	// true 1
}

func ExampleSurvivalData() {
	var s funnel.SurvivalData
	s.Add(10*24*time.Hour, true)
	s.Add(20*24*time.Hour, false) // still open after 20 days
	s.Add(30*24*time.Hour, true)
	c, _ := s.Curve(0)
	fmt.Printf("%.2f %.2f %.2f\n", c.At(15*24*time.Hour), c.At(25*24*time.Hour), c.At(30*24*time.Hour))
	// Output:
	// 0.67 0.67 0.00
}

func ExampleSurvivalData_Add() {
	var s funnel.SurvivalData
	s.Add(36*time.Hour, true)
	s.Add(-time.Hour, false) // counts as zero
	fmt.Println(s.Count())
	// Output:
	// 2
}

func ExampleSurvivalData_Merge() {
	var a, b funnel.SurvivalData
	a.Add(24*time.Hour, true)
	b.Add(48*time.Hour, true)
	a.Merge(&b)
	c, _ := a.Curve(0)
	fmt.Println(a.Count(), c.Events, c.At(48*time.Hour))
	// Output:
	// 2 2 0
}

func ExampleSurvivalData_Count() {
	data, _ := funnel.SurvivalCycle(exFunnel(), slices.Values(exDeals()), funnel.SurvivalOptions{})
	fmt.Println(data.Count(), "timed,", data.Untimed, "open deals untimed without an as-of time")
	// Output:
	// 4 timed, 4 open deals untimed without an as-of time
}

func ExampleSurvivalData_Curve() {
	var s funnel.SurvivalData
	for _, d := range []int{1, 3, 3, 5} {
		s.Add(time.Duration(d)*24*time.Hour, true)
	}
	c, _ := s.Curve(0.95)
	for _, p := range c.Points {
		fmt.Printf("day %.0f: S = %.2f [%.3f, %.3f]\n", p.At.Hours()/24, p.Survival, p.Lo, p.Hi)
	}
	// Output:
	// day 1: S = 0.75 [0.128, 0.961]
	// day 3: S = 0.25 [0.009, 0.665]
	// day 5: S = 0.00 [0.000, 0.000]
}

func ExampleSurvivalCurve() {
	var s funnel.SurvivalData
	s.Add(24*time.Hour, true)
	s.Add(48*time.Hour, false)
	c, _ := s.Curve(0)
	fmt.Println(c.N, c.Events, c.Censored, len(c.Points))
	// Output:
	// 2 1 1 2
}

func ExampleSurvivalCurve_At() {
	var s funnel.SurvivalData
	s.Add(24*time.Hour, true)
	s.Add(72*time.Hour, true)
	c, _ := s.Curve(0)
	fmt.Println(c.At(0), c.At(24*time.Hour), c.At(48*time.Hour), c.At(72*time.Hour))
	// Output:
	// 1 0.5 0.5 0
}

func ExampleSurvivalCurve_Quantile() {
	var s funnel.SurvivalData
	for d := 1; d <= 4; d++ {
		s.Add(time.Duration(d)*24*time.Hour, d != 4) // the 4-day one is censored
	}
	c, _ := s.Curve(0)
	med, ok := c.Quantile(0.5)
	fmt.Println(med, ok)
	_, ok = c.Quantile(0.9)
	fmt.Println(ok)
	// Output:
	// 48h0m0s true
	// false
}

func ExampleSurvivalPoint() {
	var s funnel.SurvivalData
	s.Add(24*time.Hour, true)
	s.Add(24*time.Hour, false)
	s.Add(48*time.Hour, true)
	c, _ := s.Curve(0)
	p := c.Points[0]
	fmt.Println(p.At, p.AtRisk, p.Events, p.Censored, fmt.Sprintf("%.4f", p.Survival))
	// Output:
	// 24h0m0s 3 1 1 0.6667
}
