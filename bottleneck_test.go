package funnel

import (
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// bottleneckDeals: 40 lost in A, 45 lost in B, 6 lost in C, 9 won, 3 open
// in C since day 3. Stage entries: A day 0, B day 1, C day 3; closes on
// day 10. Reached: A 103, B 63, C 18, won 9.
func bottleneckDeals() []Deal {
	var deals []Deal
	add := func(n int, o Outcome, stages int) {
		for range n {
			d := Deal{ID: "d" + strconv.Itoa(len(deals)), Created: day(0), Amount: dec("100"), Outcome: o,
				History: hist("A", day(0), "B", day(1), "C", day(3))[:stages]}
			if o != Open {
				d.Closed = day(10)
			}
			deals = append(deals, d)
		}
	}
	add(40, Lost, 1)
	add(45, Lost, 2)
	add(6, Lost, 3)
	add(9, Won, 3)
	add(3, Open, 3)
	return deals
}

func TestBottleneckByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	targets := []TargetSet{
		{Name: "team", Targets: []Target{
			{Metric: TargetStepConversion, Stage: "B", Value: dec("0.5")},
			{Metric: TargetStepConversion, Stage: "C", Value: dec("0.5")},
			{Metric: TargetTimeInStageDays, Stage: "C", Bound: TargetAtMost, Value: dec("5")},
		}},
		{Name: "peers", Source: "survey", Benchmark: true, Targets: []Target{
			{Metric: TargetStepConversion, Stage: "B", Value: dec("0.9")}, // shadowed by the team's target
			{Metric: TargetStepConversion, Stage: "won", Value: dec("0.5")},
		}},
	}
	got, err := Bottleneck(f, slices.Values(bottleneckDeals()), BottleneckOptions{
		Options: Options{AsOf: day(43)}, Targets: targets, StallAfter: 30 * 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	// B->C: 18/63 decided (no pending), Wilson 0.1890-0.4070 (python3)
	// below 0.5: significant; shortfall 0.5 x 63 - 18 = 13.5.
	// C->won: 9/18, 3 pending, decided 9/15 = 0.6 meets the peers'
	// 0.5; 3 stalled (40 days in C > 30); median time in C: 15 visits of
	// 7 days, 3 of 40 -> 7 days, over 5 but 18 < 30 deals: watch.
	// Time in B: 45 visits of 9 days (lost there on day 10), 18 of 2 ->
	// median 9 days. A->B: 63/103 meets 0.5; no excess; dropped 40.
	// Ranking: B->C (significant), C->won (excess 3), A->B (excess 0).
	type row struct {
		From, To                  Stage
		Conversion, Decided       Ratio
		DropOff, Dropped, Pending int64
		Lost, Stalled             int64
		TimeMedian                time.Duration
		Shortfall                 decimal.Decimal
		Significant               bool
		ConvStatus, TimeStatus    TargetStatus
		ConvSet                   string
	}
	var rows []row
	for _, s := range got.Steps {
		r := row{From: s.From, To: s.To, Conversion: s.Conversion, Decided: s.Decided, DropOff: s.DropOff, Dropped: s.Dropped,
			Pending: s.Pending, Lost: s.Lost, Stalled: s.Stalled, TimeMedian: s.TimeMedian, Shortfall: s.Shortfall, Significant: s.Significant}
		if s.ConversionTarget != nil {
			r.ConvStatus, r.ConvSet = s.ConversionTarget.Status, s.ConversionTarget.Set
		}
		if s.TimeTarget != nil {
			r.TimeStatus = s.TimeTarget.Status
		}
		rows = append(rows, r)
	}
	want := []row{
		{From: "B", To: "C", Conversion: Ratio{18, 63}, Decided: Ratio{18, 63}, DropOff: 45, Dropped: 45, Lost: 45,
			TimeMedian: 9 * 24 * time.Hour, Shortfall: dec("13.5"), Significant: true, ConvStatus: TargetMissed, ConvSet: "team"},
		{From: "C", To: "won", Conversion: Ratio{9, 18}, Decided: Ratio{9, 15}, DropOff: 9, Dropped: 6, Pending: 3, Lost: 6, Stalled: 3,
			TimeMedian: 7 * 24 * time.Hour, ConvStatus: TargetMet, ConvSet: "peers", TimeStatus: TargetWatch},
		{From: "A", To: "B", Conversion: Ratio{63, 103}, Decided: Ratio{63, 103}, DropOff: 40, Dropped: 40, Lost: 40,
			TimeMedian: 24 * time.Hour, ConvStatus: TargetMet, ConvSet: "team"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("Bottleneck mismatch (-want +got):\n%s", diff)
	}
	top := got.Steps[0]
	if lo, hi := top.ConversionLo, top.ConversionHi; !cmp.Equal(lo, 0.1890319199, cmpopts.EquateApprox(0, 1e-9)) || !cmp.Equal(hi, 0.4070271657, cmpopts.EquateApprox(0, 1e-9)) {
		t.Errorf("B->C interval = %v-%v, want 0.1890319199-0.4070271657 (python3)", lo, hi)
	}
	wantReasons := []string{
		"conversion B to C: 18/63 (28.6%) (95% interval 18.9%-40.7%)",
		"below the target 50.0% (team) by 21.4 points, significant: 13.5 deals short",
		"drop-off 45 deals (45/63 (71.4%)), 45 decided, 0 pending",
	}
	if diff := cmp.Diff(wantReasons, top.Reasons); diff != "" {
		t.Errorf("Bottleneck reasons mismatch (-want +got):\n%s", diff)
	}
	if r := got.Steps[1].Reasons; len(r) != 5 || r[4] != "3 open deals (300.00) stalled in C for over 30 days" {
		t.Errorf("C->won reasons = %q", r)
	}
}

func TestBottleneckWithoutTargets(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	got, err := Bottleneck(f, slices.Values(bottleneckDeals()), BottleneckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// By decided drop-off: B->C 45, A->B 40, C->won 6.
	var order []Stage
	for _, s := range got.Steps {
		order = append(order, s.From)
	}
	if diff := cmp.Diff([]Stage{"B", "A", "C"}, order); diff != "" {
		t.Errorf("Bottleneck order mismatch (-want +got):\n%s", diff)
	}
}

func TestBottleneckEmptyAndErrors(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	got, err := Bottleneck(f, slices.Values([]Deal(nil)), BottleneckOptions{})
	if err != nil || len(got.Steps) != 2 || got.Steps[0].From != "A" || got.Steps[0].Decided.Defined() {
		t.Errorf("Bottleneck(empty) = %+v, %v", got.Steps, err)
	}
	if _, err := Bottleneck(f, nil, BottleneckOptions{StallAfter: time.Hour}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Bottleneck(stall without as-of) error = %v", err)
	}
	if _, err := Bottleneck(f, nil, BottleneckOptions{Confidence: 1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Bottleneck(confidence 1) error = %v", err)
	}
	bad := []Deal{{ID: "x", Stage: "Q"}}
	if _, err := Bottleneck(f, slices.Values(bad), BottleneckOptions{}); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("Bottleneck(bad deal) error = %v", err)
	}
	got, err = Bottleneck(f, slices.Values(bad), BottleneckOptions{Options: Options{Mode: Lenient}})
	if err != nil || got.Report.Skipped.Count != 1 {
		t.Errorf("Bottleneck(bad deal, lenient) = %v, %v", got.Report.Skipped, err)
	}
}
