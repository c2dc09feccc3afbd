package funnel_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func ExampleParseTargetSet() {
	set, err := funnel.ParseTargetSet(strings.NewReader(`{
		"name": "peer group", "source": "figures supplied by the caller", "benchmark": true,
		"targets": [
			{"metric": "win_rate", "bound": "at_least", "value": "0.25"},
			{"metric": "cycle_days", "bound": "at_most", "value": "60"}]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(set.Name, set.Benchmark, len(set.Targets), set.Targets[1].Metric, set.Targets[1].Value)
	// Output:
	// peer group true 2 cycle_days 60
}

func ExampleTargetError() {
	_, err := funnel.ParseTargetSet(strings.NewReader(`{"targets": [{"metric": "win_rate", "value": "1.5"}]}`))
	var te *funnel.TargetError
	if errors.As(err, &te) {
		fmt.Println(te.Index, te.Field, errors.Is(err, funnel.ErrInvalidTarget))
	}
	// Output:
	// 0 value true
}

func ExampleTargetError_Error() {
	err := &funnel.TargetError{Index: 2, Field: "stage", Err: funnel.ErrInvalidTarget}
	fmt.Println(err.Error())
	// Output:
	// funnel: target 2: stage: funnel: invalid target
}

func ExampleTargetError_Unwrap() {
	err := &funnel.TargetError{Index: 0, Field: "value", Err: funnel.ErrInvalidTarget}
	fmt.Println(err.Unwrap() == funnel.ErrInvalidTarget)
	// Output:
	// true
}

func ExampleTargetMetric() {
	t := funnel.Target{Metric: funnel.TargetStepConversion, Stage: "Demo", Value: decimal.RequireFromString("0.6")}
	fmt.Println(t.Metric, t.Stage)
	// Output:
	// step_conversion Demo
}

func ExampleTargetBound() {
	b, _ := funnel.TargetAtMost.MarshalText()
	fmt.Println(funnel.TargetAtLeast == 0, string(b))
	// Output:
	// true at_most
}

func ExampleTargetBound_MarshalText() {
	b, _ := funnel.TargetAtMost.MarshalText()
	fmt.Println(string(b))
	_, err := funnel.TargetBound(7).MarshalText()
	fmt.Println(errors.Is(err, funnel.ErrInvalidTarget))
	// Output:
	// at_most
	// true
}

func ExampleTargetBound_UnmarshalText() {
	var b funnel.TargetBound
	err := b.UnmarshalText([]byte("at_most"))
	fmt.Println(b == funnel.TargetAtMost, err)
	// Output:
	// true <nil>
}

func ExampleTarget() {
	// A minimum win rate for EMEA in the first quarter of 2024.
	t := funnel.Target{Metric: funnel.TargetWinRate, Segment: "EMEA", Period: exDay(1, 1),
		Bound: funnel.TargetAtLeast, Value: decimal.RequireFromString("0.3")}
	fmt.Println(t.Metric, t.Segment, t.Period.Format(time.DateOnly), t.Value)
	// Output:
	// win_rate EMEA 2024-01-01 0.3
}

func ExampleTargetSet() {
	set := funnel.TargetSet{Name: "2024 targets", Targets: []funnel.Target{
		{Metric: funnel.TargetWinRate, Value: decimal.RequireFromString("0.4")},
		{Metric: funnel.TargetDealSize, Value: decimal.NewFromInt(1000)},
	}}
	for _, r := range set.Evaluate(exReport(), "", time.Time{}, 0) {
		fmt.Println(r.Target.Metric, r.Observed.Value, r.Status)
	}
	// Output:
	// win_rate 0.5 met
	// deal_size 1500 met
}

func ExampleTargetSet_Validate() {
	set := funnel.TargetSet{Targets: []funnel.Target{{Metric: funnel.TargetStepConversion, Value: decimal.RequireFromString("0.5")}}}
	fmt.Println(set.Validate())
	// Output:
	// funnel: target 0: stage: funnel: invalid target
}

func ExampleTargetSet_Evaluate() {
	set := funnel.TargetSet{Name: "team", Targets: []funnel.Target{
		{Metric: funnel.TargetStepConversion, Stage: "Demo", Value: decimal.RequireFromString("0.9")},
		{Metric: funnel.TargetCycleDays, Bound: funnel.TargetAtMost, Value: decimal.NewFromInt(40)},
		{Metric: funnel.TargetWinRate, Segment: "APAC", Value: decimal.NewFromInt(1)}, // another segment
	}}
	for _, r := range set.Evaluate(exReport(), "EMEA", time.Time{}, 0.95) {
		fmt.Printf("%s: %s against %s, gap %s, %s\n", r.Target.Metric, r.Observed.Value.StringFixed(3), r.Target.Value, r.Gap.StringFixed(3), r.Status)
	}
	// Output:
	// step_conversion: 0.750 against 0.9, gap -0.150, watch
	// cycle_days: 43.000 against 40, gap 3.000, watch
}

// exReport is the report of exDeals as of 15 March.
func exReport() funnel.Report {
	r, err := funnel.Compute(exFunnel(), slices.Values(exDeals()), funnel.Options{AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	return r
}

func ExampleTargetObserve() {
	obs, ok := funnel.TargetObserve(exReport(), funnel.Target{Metric: funnel.TargetWinRate}, 0.95)
	fmt.Println(ok, obs.Value, obs.Lo, obs.Hi, obs.N)
	// Output:
	// true 0.5 0.1500389892 0.8499610108 4
}

func ExampleTargetObservation() {
	obs := funnel.TargetObservation{Value: decimal.NewFromInt(45), N: 12} // a mean cycle, no interval
	fmt.Println(obs.HasInterval, obs.Value, obs.N)
	// Output:
	// false 45 12
}

func ExampleTargetCompare() {
	t := funnel.Target{Metric: funnel.TargetWinRate, Value: decimal.RequireFromString("0.5")}
	// 3 won of 10: the Wilson interval still reaches 0.5: a miss to watch.
	small, _ := funnel.TargetObserve(funnel.Report{WinRate: funnel.Ratio{Num: 3, Den: 10}}, t, 0.95)
	// 30 of 100: the interval is below 0.5: a significant miss.
	large, _ := funnel.TargetObserve(funnel.Report{WinRate: funnel.Ratio{Num: 30, Den: 100}}, t, 0.95)
	for _, obs := range []funnel.TargetObservation{small, large} {
		r := funnel.TargetCompare(t, obs, true)
		fmt.Println(r.Attainment, r.Gap, r.Status)
	}
	// Output:
	// 0.6 -0.2 watch
	// 0.6 -0.2 missed
}

func ExampleTargetResult() {
	t := funnel.Target{Metric: funnel.TargetCycleDays, Bound: funnel.TargetAtMost, Value: decimal.NewFromInt(30)}
	r := funnel.TargetCompare(t, funnel.TargetObservation{Value: decimal.NewFromInt(40), N: 50}, true)
	fmt.Println(r.Attainment, r.AttainmentOK, r.Gap, r.Status)
	// Output:
	// 0.75 true 10 missed
}

func ExampleTargetStatus() {
	for _, s := range []funnel.TargetStatus{funnel.TargetNoData, funnel.TargetMet, funnel.TargetWatch, funnel.TargetMissed} {
		fmt.Println(int(s), s)
	}
	// Output:
	// 0 no data
	// 1 met
	// 2 watch
	// 3 missed
}

func ExampleTargetStatus_String() {
	fmt.Println(funnel.TargetMissed.String(), funnel.TargetStatus(9).String())
	// Output:
	// missed TargetStatus(9)
}

func ExampleBottleneck() {
	res, err := funnel.Bottleneck(exFunnel(), slices.Values(exDeals()), funnel.BottleneckOptions{
		Options:    funnel.Options{AsOf: exAsOf},
		StallAfter: 7 * 24 * time.Hour,
	})
	if err != nil {
		panic(err)
	}
	for _, s := range res.Steps {
		fmt.Printf("%s -> %s: dropped %d, stalled %d\n", s.From, s.To, s.Dropped, s.Stalled)
	}
	// Output:
	// Demo -> Proposal: dropped 2, stalled 1
	// Lead -> Demo: dropped 1, stalled 1
	// Proposal -> won: dropped 0, stalled 0
}

func ExampleBottleneckOptions() {
	targets := funnel.TargetSet{Name: "team", Targets: []funnel.Target{
		{Metric: funnel.TargetStepConversion, Stage: "Demo", Value: decimal.RequireFromString("0.9")},
	}}
	res, _ := funnel.Bottleneck(exFunnel(), slices.Values(exDeals()), funnel.BottleneckOptions{
		Options: funnel.Options{AsOf: exAsOf}, Targets: []funnel.TargetSet{targets}})
	top := res.Steps[0]
	fmt.Println(top.From, "->", top.To, top.ConversionTarget.Status, top.Shortfall)
	// Output:
	// Lead -> Demo watch 0.3
}

func ExampleBottleneckStep() {
	res, _ := funnel.Bottleneck(exFunnel(), slices.Values(exDeals()), funnel.BottleneckOptions{})
	for _, r := range res.Steps[0].Reasons {
		fmt.Println(r)
	}
	// Output:
	// conversion Demo to Proposal: 2/4 (50.0%) (95% interval 15.0%-85.0%)
	// drop-off 4 deals (4/6 (66.7%)), 2 decided, 2 pending
}

func ExampleBottleneckResult() {
	res, _ := funnel.Bottleneck(exFunnel(), slices.Values(exDeals()), funnel.BottleneckOptions{})
	fmt.Println(len(res.Steps), "steps over", res.Report.Deals, "deals")
	// Output:
	// 3 steps over 8 deals
}
