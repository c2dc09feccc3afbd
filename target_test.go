package funnel

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseTargetSet(t *testing.T) {
	const doc = `{"name": "peers", "source": "Peer survey 2024", "benchmark": true, "targets": [
		{"metric": "win_rate", "bound": "at_least", "value": "0.2"},
		{"metric": "step_conversion", "stage": "B", "segment": "EMEA", "bound": "at_least", "value": 0.5},
		{"metric": "cycle_days", "period": "2024-01-01T00:00:00Z", "bound": "at_most", "value": "30"}]}`
	got, err := ParseTargetSet(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := TargetSet{Name: "peers", Source: "Peer survey 2024", Benchmark: true, Targets: []Target{
		{Metric: TargetWinRate, Value: dec("0.2")},
		{Metric: TargetStepConversion, Stage: "B", Segment: "EMEA", Value: dec("0.5")},
		{Metric: TargetCycleDays, Period: t0, Bound: TargetAtMost, Value: dec("30")},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseTargetSet mismatch (-want +got):\n%s", diff)
	}
}

func TestParseTargetSetErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		index     int
		field     string
	}{
		{"empty", ``, -1, "json"},
		{"not json", `{"name":`, -1, "json"},
		{"unknown field", `{"name": "x", "colour": "red"}`, -1, "json"},
		{"trailing data", `{"name": "x"} {}`, -1, "json"},
		{"unknown metric", `{"targets": [{"metric": "happiness", "value": "1"}]}`, 0, "metric"},
		{"bad bound", `{"targets": [{"metric": "win_rate", "bound": "about", "value": "1"}]}`, -1, "json"},
		{"rate above 1", `{"targets": [{"metric": "win_rate", "value": "0.1"}, {"metric": "win_rate", "value": "1.01"}]}`, 1, "value"},
		{"negative", `{"targets": [{"metric": "deal_size", "value": "-1"}]}`, 0, "value"},
		{"missing stage", `{"targets": [{"metric": "step_conversion", "value": "0.5"}]}`, 0, "stage"},
		{"stray stage", `{"targets": [{"metric": "win_rate", "stage": "A", "value": "0.5"}]}`, 0, "stage"},
		{"bad value", `{"targets": [{"metric": "win_rate", "value": "half"}]}`, -1, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTargetSet(strings.NewReader(tt.doc))
			var te *TargetError
			if !errors.As(err, &te) || !errors.Is(err, ErrInvalidTarget) {
				t.Fatalf("ParseTargetSet(%q) error = %v, want a TargetError wrapping ErrInvalidTarget", tt.doc, err)
			}
			if te.Index != tt.index || te.Field != tt.field {
				t.Errorf("ParseTargetSet(%q) = target %d field %q, want %d %q", tt.doc, te.Index, te.Field, tt.index, tt.field)
			}
		})
	}
	if err := (TargetSet{Targets: []Target{{Metric: TargetWinRate, Bound: 5}}}).Validate(); !errors.Is(err, ErrInvalidTarget) {
		t.Errorf("Validate(bound 5) = %v", err)
	}
}

func TestTargetCompare(t *testing.T) {
	// Wilson bounds from python3 (the Wilson formula, z = 1.959963984540054):
	// 3/10: 0.1077912674-0.6032218525; 30/100: 0.2189488529-0.3958485463.
	rate := func(v, lo, hi string, n int64) TargetObservation {
		return TargetObservation{Value: dec(v), HasInterval: true, Lo: dec(lo), Hi: dec(hi), N: n}
	}
	atLeast := func(v string) Target { return Target{Metric: TargetWinRate, Value: dec(v)} }
	atMost := func(v string) Target { return Target{Metric: TargetCycleDays, Bound: TargetAtMost, Value: dec(v)} }
	tests := []struct {
		name string
		t    Target
		obs  TargetObservation
		ok   bool
		want TargetResult
	}{
		{"no data", atLeast("0.5"), TargetObservation{}, false, TargetResult{Status: TargetNoData}},
		{"met exactly (tie)", atLeast("0.3"), rate("0.3", "0.1807", "0.4543", 40), true,
			TargetResult{Attainment: dec("1"), AttainmentOK: true, Gap: dec("0"), Status: TargetMet}},
		{"small sample miss", atLeast("0.5"), rate("0.3", "0.1077912674", "0.6032218525", 10), true,
			TargetResult{Attainment: dec("0.6"), AttainmentOK: true, Gap: dec("-0.2"), Status: TargetWatch}},
		{"significant miss", atLeast("0.5"), rate("0.3", "0.2189488529", "0.3958485463", 100), true,
			TargetResult{Attainment: dec("0.6"), AttainmentOK: true, Gap: dec("-0.2"), Status: TargetMissed}},
		{"zero target", atLeast("0"), rate("0.3", "0.2189488529", "0.3958485463", 100), true,
			TargetResult{Gap: dec("0.3"), Status: TargetMet}},
		// 30 / 45 = 0.6666666667
		{"maximum, few deals", atMost("30"), TargetObservation{Value: dec("45"), N: 10}, true,
			TargetResult{Attainment: dec("0.6666666667"), AttainmentOK: true, Gap: dec("15"), Status: TargetWatch}},
		{"maximum, many deals", atMost("30"), TargetObservation{Value: dec("45"), N: 30}, true,
			TargetResult{Attainment: dec("0.6666666667"), AttainmentOK: true, Gap: dec("15"), Status: TargetMissed}},
		{"maximum met", atMost("30"), TargetObservation{Value: dec("20"), N: 30}, true,
			TargetResult{Attainment: dec("1.5"), AttainmentOK: true, Gap: dec("-10"), Status: TargetMet}},
		{"maximum, zero observed", atMost("30"), TargetObservation{Value: dec("0"), N: 3}, true,
			TargetResult{Gap: dec("-30"), Status: TargetMet}},
		{"maximum rate inside interval", Target{Metric: TargetWinRate, Bound: TargetAtMost, Value: dec("0.25")},
			rate("0.3", "0.2189488529", "0.3958485463", 100), true,
			TargetResult{Attainment: dec("0.8333333333"), AttainmentOK: true, Gap: dec("0.05"), Status: TargetWatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Target, tt.want.Observed = tt.t, tt.obs
			got := TargetCompare(tt.t, tt.obs, tt.ok)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("TargetCompare mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTargetObserveAndEvaluate(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	r, err := Compute(f, slices.Values(handDeals()), Options{AsOf: day(20)})
	if err != nil {
		t.Fatal(err)
	}
	// From TestComputeByHand: win rate 2/4 (Wilson 0.1500389892-
	// 0.8499610108 by python3), created 2/6, step into B 4/6, mean deal
	// 200 of 2, mean won cycle 6.5 days of 2, median latest time in B
	// 4 days of 4, 6 deals.
	set := TargetSet{Name: "team", Targets: []Target{
		{Metric: TargetWinRate, Value: dec("0.6")},
		{Metric: TargetWinRateCreated, Segment: "other", Value: dec("0.6")},
		{Metric: TargetStepConversion, Stage: "B", Value: dec("0.5")},
		{Metric: TargetCumulativeConversion, Stage: "won", Value: dec("0.5")},
		{Metric: TargetDealSize, Period: day(1), Value: dec("1")},
		{Metric: TargetDealSize, Period: t0, Value: dec("100")},
		{Metric: TargetCycleDays, Bound: TargetAtMost, Value: dec("5")},
		{Metric: TargetTimeInStageDays, Stage: "B", Bound: TargetAtMost, Value: dec("3")},
		{Metric: TargetTimeInStageDays, Stage: "Z", Bound: TargetAtMost, Value: dec("1")},
		{Metric: TargetDealsCreated, Value: dec("10")},
	}}
	got := set.Evaluate(r, "EMEA", t0, 0)
	type row struct {
		Metric TargetMetric
		Value  string
		N      int64
		Status TargetStatus
	}
	var rows []row
	for _, g := range got {
		rows = append(rows, row{g.Target.Metric, g.Observed.Value.String(), g.Observed.N, g.Status})
	}
	want := []row{
		{TargetWinRate, "0.5", 4, TargetWatch},
		{TargetStepConversion, "0.6666666667", 6, TargetMet},
		// 1/6, Wilson upper bound 0.5635 (python3) still above 0.5
		{TargetCumulativeConversion, "0.1666666667", 6, TargetWatch},
		{TargetDealSize, "200", 2, TargetMet},
		{TargetCycleDays, "6.5", 2, TargetWatch},
		{TargetTimeInStageDays, "4", 4, TargetWatch},
		{TargetTimeInStageDays, "0", 0, TargetNoData},
		{TargetDealsCreated, "6", 6, TargetWatch},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("Evaluate mismatch (-want +got):\n%s", diff)
	}
	wantObs := TargetObservation{Value: dec("0.5"), HasInterval: true, Lo: dec("0.1500389892"), Hi: dec("0.8499610108"), N: 4}
	if diff := cmp.Diff(wantObs, got[0].Observed); diff != "" {
		t.Errorf("win rate observation mismatch (-want +got):\n%s", diff)
	}
	if _, ok := TargetObserve(Report{}, Target{Metric: TargetWinRate}, 0.95); ok {
		t.Error("TargetObserve(empty report) ok")
	}
	if _, ok := TargetObserve(r, Target{Metric: "nope"}, 0.95); ok {
		t.Error("TargetObserve(unknown metric) ok")
	}
}
