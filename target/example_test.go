package target_test

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/target"
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

// exFunnel is Lead, Demo, Proposal.
func exFunnel() *funnel.Funnel {
	f, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		panic(err)
	}
	return f
}

// exDeals are four closed deals and four open ones.
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

func ExampleParse() {
	set, err := target.Parse(strings.NewReader(`{
		"name": "peer group", "source": "figures supplied by the caller", "benchmark": true,
		"targets": [
			{"metric": "win_rate", "bound": "at_least", "value": "0.25"},
			{"metric": "cycle_days", "bound": "at_most", "value": 60}]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(set.Name, set.Benchmark, len(set.Targets), set.Targets[1].Metric, set.Targets[1].Bound, set.Targets[1].Value)

	// an error names the target and the field
	_, err = target.Parse(strings.NewReader(`{"targets": [{"metric": "win_rate", "value": "1.5"}]}`))
	var te *target.Error
	if errors.As(err, &te) {
		fmt.Println(te.Index, te.Field, errors.Is(err, target.ErrInvalid), errors.Is(err, funnel.ErrInvalidParam))
	}
	// Output:
	// peer group true 2 cycle_days at_most 60
	// 0 value true true
}

func ExampleSet_Evaluate() {
	s, err := funnel.NewScan(exFunnel(), funnel.Options{AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	t := funnel.NewTally(s)
	if err := s.Run(slices.Values(exDeals()), t); err != nil {
		panic(err)
	}
	set := target.Set{Name: "team", Targets: []target.Target{
		{Metric: target.StepConversion, Stage: "Demo", Value: decimal.RequireFromString("0.9")},
		{Metric: target.CycleDays, Bound: target.AtMost, Value: decimal.NewFromInt(40)},
		{Metric: target.WinRate, Segment: "APAC", Value: decimal.NewFromInt(1)}, // another segment
	}}
	// judged by the scan's own test: 95%, verdicts from 30 deals
	e, err := set.Evaluate(t.Report(), "EMEA", time.Time{}, s.Options().Test)
	if err != nil {
		panic(err)
	}
	for _, r := range e.Results {
		fmt.Printf("%s: %s against %s, gap %s, %s\n", r.Target.Metric, r.Observed.Value.StringFixed(3), r.Target.Value,
			r.Gap.Decimal.StringFixed(3), r.Status)
	}
	// Output:
	// step_conversion: 0.750 against 0.9, gap -0.150, watch
	// cycle_days: 43.000 against 40, gap 3.000, watch
}

func ExampleCompare() {
	t := target.Target{Metric: target.WinRate, Value: decimal.RequireFromString("0.5")}
	for _, won := range []funnel.Ratio{{Num: 3, Den: 10}, {Num: 30, Den: 100}} {
		obs, err := target.Observe(funnel.Report{WinRate: funnel.Rate{Ratio: won}}, t, 0.95)
		if err != nil {
			panic(err)
		}
		r, err := target.Compare(t, obs, funnel.Test{})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%v: interval %.3f-%.3f, attainment %s, gap %s, %s\n", won, obs.Rate.Interval.Lo, obs.Rate.Interval.Hi,
			r.Attainment.Decimal, r.Gap.Decimal, r.Status)
	}
	// Output:
	// 3/10 (30.0%): interval 0.108-0.603, attainment 0.6, gap -0.2, watch
	// 30/100 (30.0%): interval 0.219-0.396, attainment 0.6, gap -0.2, missed
}

func ExampleRank() {
	s, err := funnel.NewScan(exFunnel(), funnel.Options{AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	team := target.Set{Name: "team", Targets: []target.Target{
		{Metric: target.StepConversion, Stage: "Demo", Value: decimal.RequireFromString("0.9")},
	}}
	r, err := target.Rank(s, slices.Values(exDeals()), target.Options{Targets: []target.Set{team}, StallAfter: 7 * 24 * time.Hour})
	if err != nil {
		panic(err)
	}
	if err := r.WriteText(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// Bottlenecks, worst first (95% intervals, verdicts from 30 deals, stalled after 7 days, as of 2024-03-15T00:00:00Z)
	//   1. Lead -> Demo
	//        conversion Lead to Demo: 6/7 (85.7%) (95% interval 48.7%-97.4%)
	//        below the target 90.0% (team) by 4.3 points, fewer than 30 decided deals to judge: 0.3 deals short
	//        drop-off 2 deals (2/8 (25.0%)), 1 decided, 1 pending
	//        1 open deals (100.00) stalled in Lead for over 7 days
	//   2. Demo -> Proposal
	//        conversion Demo to Proposal: 2/4 (50.0%) (95% interval 15.0%-85.0%)
	//        drop-off 4 deals (4/6 (66.7%)), 2 decided, 2 pending
	//        1 open deals (300.00) stalled in Demo for over 7 days
	//   3. Proposal -> won
	//        conversion Proposal to won: 1/1 (100.0%) (95% interval 20.7%-100.0%)
	//        drop-off 1 deals (1/2 (50.0%)), 0 decided, 1 pending
}

// ExampleBottleneck runs a bottleneck analysis and a report in one pass,
// and merges analyses of two parts of the deals, one of them through its
// binary encoding.
func ExampleBottleneck() {
	s, err := funnel.NewScan(exFunnel(), funnel.Options{AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	opts := target.Options{StallAfter: 7 * 24 * time.Hour}
	deals := exDeals()
	first, err := target.NewBottleneck(s, opts)
	if err != nil {
		panic(err)
	}
	report := funnel.NewTally(s)
	if err := s.Run(slices.Values(deals[:5]), first, report); err != nil {
		panic(err)
	}
	second, _ := target.NewBottleneck(s, opts)
	if err := s.Run(slices.Values(deals[5:]), second); err != nil {
		panic(err)
	}
	data, err := second.MarshalBinary() // to another process, and back
	if err != nil {
		panic(err)
	}
	var decoded target.Bottleneck
	if err := decoded.UnmarshalBinary(data); err != nil {
		panic(err)
	}
	if err := first.Merge(&decoded); err != nil {
		panic(err)
	}
	for _, st := range first.Ranking().Steps {
		fmt.Printf("%s -> %s: decided %v, dropped %d, stalled %d\n", st.From, st.To, st.Decided.Ratio, st.Dropped, st.Stalled)
	}
	fmt.Println("deals in the report of the first part:", report.Report().Deals)
	// Output:
	// Demo -> Proposal: decided 2/4 (50.0%), dropped 2, stalled 1
	// Lead -> Demo: decided 6/7 (85.7%), dropped 1, stalled 1
	// Proposal -> won: decided 1/1 (100.0%), dropped 0, stalled 0
	// deals in the report of the first part: 5
}
