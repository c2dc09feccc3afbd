package target_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/target"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// stepRow is what the hand-worked bottleneck tests compare of a step.
type stepRow struct {
	From, To                  funnel.Stage
	Conversion, Decided       funnel.Ratio
	DropOff, Dropped, Pending int64
	Lost, Open, Stalled       int64
	StallUntimed              int64
	StalledValue              decimal.Decimal
	TimeMedian                time.Duration
	Shortfall                 decimal.Decimal
	Significant               bool
	ConvStatus, TimeStatus    target.Status
	ConvSet                   string
}

func stepRows(r target.Ranking) []stepRow {
	var rows []stepRow
	for _, s := range r.Steps {
		row := stepRow{From: s.From, To: s.To, Conversion: s.Conversion.Ratio, Decided: s.Decided.Ratio, DropOff: s.DropOff,
			Dropped: s.Dropped, Pending: s.Pending, Lost: s.Lost, Open: s.Open, Stalled: s.Stalled, StallUntimed: s.StallUntimed,
			StalledValue: s.StalledValue, TimeMedian: s.TimeInStage.Median, Shortfall: s.Shortfall, Significant: s.Significant}
		if s.ConversionTarget != nil {
			row.ConvStatus, row.ConvSet = s.ConversionTarget.Status, s.ConversionTarget.Set
		}
		if s.TimeTarget != nil {
			row.TimeStatus = s.TimeTarget.Status
		}
		rows = append(rows, row)
	}
	return rows
}

func handTargets() []target.Set {
	return []target.Set{
		{Name: "team", Targets: []target.Target{
			{Metric: target.StepConversion, Stage: "B", Value: dec("0.5")},
			{Metric: target.StepConversion, Stage: "C", Value: dec("0.5")},
			{Metric: target.StepConversion, Stage: "C", Segment: "EMEA", Value: dec("0.99")}, // a segment's: not used
			{Metric: target.TimeInStageDays, Stage: "C", Bound: target.AtMost, Value: dec("5")},
		}},
		{Name: "peers", Source: "survey", Benchmark: true, Targets: []target.Target{
			{Metric: target.StepConversion, Stage: "B", Value: dec("0.9")}, // shadowed by the team's target
			{Metric: target.StepConversion, Stage: "won", Value: dec("0.5")},
		}},
	}
}

func TestBottleneckByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s := mustScan(t, f, funnel.Options{AsOf: day(43)})
	got, err := target.Rank(s, values(bottleneckDeals()), target.Options{Targets: handTargets(), StallAfter: 30 * dayLen})
	if err != nil {
		t.Fatal(err)
	}
	// B->C: 18/63 decided (no pending), Wilson 0.1890-0.4070 (crosscheck.py
	// --wilson) below 0.5 with 63 >= 30 deals: significant; shortfall
	// 0.5 x 63 - 18 = 13.5.
	// C->won: 9/18, 3 pending, decided 9/15 = 0.6 meets the peers' 0.5;
	// 3 stalled (40 days in C > 30), 300 in all; median time in C: 15
	// visits of 7 days, 3 of 40 -> 7 days, over 5 but 18 < 30 deals:
	// watch.
	// Time in B: 45 visits of 9 days (lost there on day 10), 18 of 2 ->
	// median 9 days. A->B: 63/103 meets 0.5; no excess; dropped 40.
	// Ranking: B->C (significant), C->won (excess 3), A->B (excess 0).
	want := []stepRow{
		{From: "B", To: "C", Conversion: funnel.Ratio{Num: 18, Den: 63}, Decided: funnel.Ratio{Num: 18, Den: 63}, DropOff: 45, Dropped: 45, Lost: 45,
			TimeMedian: 9 * dayLen, Shortfall: dec("13.5"), Significant: true, ConvStatus: target.Missed, ConvSet: "team"},
		{From: "C", To: "won", Conversion: funnel.Ratio{Num: 9, Den: 18}, Decided: funnel.Ratio{Num: 9, Den: 15}, DropOff: 9, Dropped: 6, Pending: 3,
			Lost: 6, Open: 3, Stalled: 3, StalledValue: dec("300"),
			TimeMedian: 7 * dayLen, ConvStatus: target.Met, ConvSet: "peers", TimeStatus: target.Watch},
		{From: "A", To: "B", Conversion: funnel.Ratio{Num: 63, Den: 103}, Decided: funnel.Ratio{Num: 63, Den: 103}, DropOff: 40, Dropped: 40, Lost: 40,
			TimeMedian: dayLen, ConvStatus: target.Met, ConvSet: "team"},
	}
	if diff := cmp.Diff(want, stepRows(got)); diff != "" {
		t.Errorf("Rank mismatch (-want +got):\n%s", diff)
	}
	top := got.Steps[0]
	wantIv := funnel.Interval{Lo: 0.1890319199, Hi: 0.4070271657, Confidence: 0.95, Defined: true}
	if diff := cmp.Diff(wantIv, top.Decided.Interval, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("B->C interval (-want +got):\n%s", diff)
	}
	wantReasons := [][]string{{
		"conversion B to C: 18/63 (28.6%) (95% interval 18.9%-40.7%)",
		"below the target 50.0% (team) by 21.4 points, significant: 13.5 deals short",
		"drop-off 45 deals (45/63 (71.4%)), 45 decided, 0 pending",
	}, {
		"conversion C to won: 9/15 (60.0%) (95% interval 35.7%-80.2%)",
		"meets the benchmark 50.0% (peers, survey)",
		"drop-off 9 deals (9/18 (50.0%)), 6 decided, 3 pending",
		"median time in C 7.0 days, over the target of 5.0 days (team, watch)",
		"3 open deals (300.00) stalled in C for over 30 days",
	}, {
		"conversion A to B: 63/103 (61.2%) (95% interval 51.5%-70.0%)",
		"meets the target 50.0% (team)",
		"drop-off 40 deals (40/103 (38.8%)), 40 decided, 0 pending",
	}}
	for i, s := range got.Steps {
		if diff := cmp.Diff(wantReasons[i], s.Reasons); diff != "" {
			t.Errorf("step %d reasons mismatch (-want +got):\n%s", i, diff)
		}
	}
	if got.Confidence != 0.95 || got.MinSample != 30 || got.StallAfter != 30*dayLen || got.Input.Counted != 103 || got.Report.Deals != 103 {
		t.Errorf("ranking header: confidence %v, min sample %d, stall %v, input %+v", got.Confidence, got.MinSample, got.StallAfter, got.Input)
	}
	text := got.String()
	for _, w := range []string{"Bottlenecks, worst first (95% intervals, verdicts from 30 deals, stalled after 30 days, as of 2024-02-13T00:00:00Z)",
		"  1. B -> C\n       conversion B to C: 18/63 (28.6%)", "  3. A -> B\n"} {
		if !strings.Contains(text, w) {
			t.Errorf("text lacks %q:\n%s", w, text)
		}
	}
}

// TestBottleneckMinSample checks that the scan's minimum sample decides
// whether a significant miss counts: with 64 deals needed, B->C's 63
// decided deals are too few, its miss is to watch and ranks by excess.
func TestBottleneckMinSample(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s := mustScan(t, f, funnel.Options{AsOf: day(43), Test: funnel.Test{MinSample: 64}})
	got, err := target.Rank(s, values(bottleneckDeals()), target.Options{Targets: handTargets(), StallAfter: 30 * dayLen})
	if err != nil {
		t.Fatal(err)
	}
	top := got.Steps[0]
	if top.From != "B" || top.Significant || top.ConversionTarget.Status != target.Watch || !top.Shortfall.Equal(dec("13.5")) {
		t.Errorf("top step %+v", top)
	}
	if r := top.Reasons[1]; r != "below the target 50.0% (team) by 21.4 points, fewer than 64 decided deals to judge: 13.5 deals short" {
		t.Errorf("reason %q", r)
	}
	// at 50% confidence the intervals narrow: C->won's 9/15 against a
	// benchmark of 0.7 (Wilson 0.5130-0.6812 at 50%, crosscheck.py
	// --wilson) is a significant miss, but 15 < 30 deals: watch
	s = mustScan(t, f, funnel.Options{AsOf: day(43), Test: funnel.Test{Confidence: 0.5}})
	sets := []target.Set{{Name: "peers", Targets: []target.Target{{Metric: target.StepConversion, Stage: "won", Value: dec("0.7")}}}}
	got, err = target.Rank(s, values(bottleneckDeals()), target.Options{Targets: sets})
	if err != nil {
		t.Fatal(err)
	}
	// excess: C->won shortfall 0.7 x 15 - 9 = 1.5; the others none
	if diff := cmp.Diff([]funnel.Stage{"C", "B", "A"}, froms(got)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if c := got.Steps[0]; c.ConversionTarget.Status != target.Watch || !c.Shortfall.Equal(dec("1.5")) || c.Significant {
		t.Errorf("C->won: %+v %+v", c, c.ConversionTarget)
	}
	if r := got.Steps[0].Reasons[0]; r != "conversion C to won: 9/15 (60.0%) (50% interval 51.3%-68.1%)" {
		t.Errorf("reason %q", r)
	}
}

func froms(r target.Ranking) []funnel.Stage {
	var out []funnel.Stage
	for _, s := range r.Steps {
		out = append(out, s.From)
	}
	return out
}

func TestBottleneckWithoutTargets(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	got, err := target.Rank(mustScan(t, f, funnel.Options{}), values(bottleneckDeals()), target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// by decided drop-off: B->C 45, A->B 40, C->won 6
	if diff := cmp.Diff([]funnel.Stage{"B", "A", "C"}, froms(got)); diff != "" {
		t.Errorf("Rank order mismatch (-want +got):\n%s", diff)
	}
	for _, s := range got.Steps {
		if s.ConversionTarget != nil || s.TimeTarget != nil || s.Stalled != 0 || !s.Shortfall.IsZero() {
			t.Errorf("step %s: %+v", s.From, s)
		}
	}
}

// TestBottleneckTies checks the last two keys: equal excess and drop-off
// keep funnel order.
func TestBottleneckTies(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	// one deal lost in each stage, one won: drop-off 1 at each step
	deals := []funnel.Deal{
		{ID: "a", Created: day(0), Outcome: funnel.Lost, Closed: day(1), History: hist("A", day(0))},
		{ID: "b", Created: day(0), Outcome: funnel.Lost, Closed: day(2), History: hist("A", day(0), "B", day(1))},
		{ID: "c", Created: day(0), Outcome: funnel.Lost, Closed: day(3), History: hist("A", day(0), "B", day(1), "C", day(2))},
		{ID: "w", Created: day(0), Outcome: funnel.Won, Closed: day(3), History: hist("A", day(0), "B", day(1), "C", day(2))},
	}
	got, err := target.Rank(mustScan(t, f, funnel.Options{}), values(deals), target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]funnel.Stage{"A", "B", "C"}, froms(got)); diff != "" {
		t.Errorf("tied order (-want +got):\n%s", diff)
	}
}

// TestBottleneckStallBoundary checks "longer than StallAfter", strictly,
// on the as-of view of the deals: deals entered exactly StallAfter before
// AsOf are not stalled, one nanosecond earlier they are; a deal won after
// AsOf was open then; a deal that moved on after AsOf was still in its
// stage; a deal created after AsOf is left out; an unknown entry time is
// not judged.
func TestBottleneckStallBoundary(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	asOf := day(30)
	stall := 10 * dayLen
	deals := []funnel.Deal{
		{ID: "exact", Created: day(0), Amount: dec("1"), History: hist("A", day(0), "B", day(20))},
		{ID: "just over", Created: day(0), Amount: dec("2"), History: hist("A", day(0), "B", day(20).Add(-time.Nanosecond))},
		{ID: "won later", Created: day(0), Amount: dec("4"), Outcome: funnel.Won, Closed: day(40), History: hist("A", day(0), "B", day(5))},
		{ID: "moved later", Created: day(0), Amount: dec("8"), History: hist("A", day(0), "B", day(35))},
		{ID: "future", Created: day(31), Amount: dec("16"), History: hist("A", day(31))},
		{ID: "untimed", Amount: dec("32"), Stage: "A"},
		{ID: "lost", Created: day(0), Amount: dec("64"), Outcome: funnel.Lost, Closed: day(29), History: hist("A", day(0))},
		// the amount as of AsOf: 128 then, 1000 later
		{ID: "resized", Created: day(0), Amount: dec("1000"), History: hist("A", day(0)),
			Changes: []funnel.FieldChange{{Field: funnel.FieldAmount, At: day(0), Amount: dec("128")}, {Field: funnel.FieldAmount, At: day(31), Amount: dec("1000")}}},
	}
	s := mustScan(t, f, funnel.Options{AsOf: asOf})
	got, err := target.Rank(s, values(deals), target.Options{StallAfter: stall})
	if err != nil {
		t.Fatal(err)
	}
	byFrom := map[funnel.Stage]target.Step{}
	for _, st := range got.Steps {
		byFrom[st.From] = st
	}
	// A: open moved-later (30 days), untimed, resized (30 days); B: exact,
	// just over, won-later (25 days)
	a, b := byFrom["A"], byFrom["B"]
	if a.Open != 3 || a.Stalled != 2 || a.StallUntimed != 1 || !a.StalledValue.Equal(dec("136")) {
		t.Errorf("A: open %d, stalled %d (%s), untimed %d; want 3, 2 (136), 1", a.Open, a.Stalled, a.StalledValue, a.StallUntimed)
	}
	if b.Open != 3 || b.Stalled != 2 || b.StallUntimed != 0 || !b.StalledValue.Equal(dec("6")) {
		t.Errorf("B: open %d, stalled %d (%s), untimed %d; want 3, 2 (6), 0", b.Open, b.Stalled, b.StalledValue, b.StallUntimed)
	}
	if got.Input.Read != 8 || got.Input.Future != 1 || got.Input.Counted != 7 {
		t.Errorf("input %+v", got.Input)
	}
	if r := a.Reasons[len(a.Reasons)-1]; r != "1 open deals in A of unknown entry time not judged for stalls" {
		t.Errorf("A reasons %q", a.Reasons)
	}
}

func TestBottleneckEmptyAndErrors(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	got, err := target.Rank(mustScan(t, f, funnel.Options{}), values(nil), target.Options{})
	if err != nil || len(got.Steps) != 2 || got.Steps[0].From != "A" || got.Steps[0].Decided.Defined() {
		t.Errorf("Rank(empty) = %+v, %v", got.Steps, err)
	}
	if got.Steps[0].Reasons[0] != "conversion A to B: no decided deals" || len(got.Steps[0].Reasons) != 1 {
		t.Errorf("empty reasons %q", got.Steps[0].Reasons)
	}
	// one record: a single won deal through both stages
	one := []funnel.Deal{{ID: "w", Created: day(0), Outcome: funnel.Won, Closed: day(2), History: hist("A", day(0), "B", day(1))}}
	got, err = target.Rank(mustScan(t, f, funnel.Options{}), values(one), target.Options{})
	if err != nil || got.Steps[0].Decided.Ratio != (funnel.Ratio{Num: 1, Den: 1}) || got.Steps[1].Decided.Ratio != (funnel.Ratio{Num: 1, Den: 1}) {
		t.Errorf("Rank(one) = %+v, %v", got.Steps, err)
	}
	if _, err := target.Rank(mustScan(t, f, funnel.Options{}), nil, target.Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Rank(nil stream) error = %v", err)
	}
	if _, err := target.NewBottleneck(mustScan(t, f, funnel.Options{}), target.Options{StallAfter: time.Hour}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("stall without as-of: %v", err)
	}
	if _, err := target.NewBottleneck(mustScan(t, f, funnel.Options{AsOf: day(1)}), target.Options{StallAfter: -time.Hour}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("negative stall: %v", err)
	}
	if _, err := target.NewBottleneck(nil, target.Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil scan: %v", err)
	}
	badSet := []target.Set{{Targets: []target.Target{{Metric: target.StepConversion, Value: dec("0.5")}}}}
	var te *target.Error
	if _, err := target.NewBottleneck(mustScan(t, f, funnel.Options{}), target.Options{Targets: badSet}); !errors.As(err, &te) || te.Field != "stage" {
		t.Errorf("invalid target set: %v", err)
	}
	if _, err := funnel.NewScan(f, funnel.Options{Test: funnel.Test{Confidence: 1}}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("scan of confidence 1: %v", err)
	}
	bad := []funnel.Deal{{ID: "x", Stage: "Q"}}
	if _, err := target.Rank(mustScan(t, f, funnel.Options{}), values(bad), target.Options{}); !errors.Is(err, funnel.ErrUnknownStage) {
		t.Errorf("Rank(bad deal) error = %v", err)
	}
	got, err = target.Rank(mustScan(t, f, funnel.Options{Mode: funnel.Lenient}), values(bad), target.Options{})
	if err != nil || got.Input.Skipped.Count != 1 || got.Report.Input.Skipped.Count != 1 {
		t.Errorf("Rank(bad deal, lenient) = %+v, %v", got.Input, err)
	}
	if !strings.Contains(got.String(), "1 invalid deals skipped: funnel: unknown stage (1);") {
		t.Errorf("text:\n%s", got)
	}
	// Add returns the deal's error and counts it
	b, err := target.NewBottleneck(mustScan(t, f, funnel.Options{Mode: funnel.Lenient}), target.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Add(bad[0]); !errors.Is(err, funnel.ErrUnknownStage) || b.Ranking().Input.Skipped.Count != 1 {
		t.Errorf("Add(bad) = %v", err)
	}
}

// TestBottleneckMerge checks Merge's errors and that it leaves its
// argument alone.
func TestBottleneckMerge(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s := mustScan(t, f, funnel.Options{AsOf: day(43)})
	opts := target.Options{Targets: handTargets(), StallAfter: 30 * dayLen}
	a, _ := target.NewBottleneck(s, opts)
	b, _ := target.NewBottleneck(s, opts)
	if err := a.Merge(a); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("self merge: %v", err)
	}
	if err := a.Merge(nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil merge: %v", err)
	}
	if err := a.Merge(funnel.NewTally(s)); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("tally merge: %v", err)
	}
	other, _ := target.NewBottleneck(mustScan(t, f, funnel.Options{AsOf: day(44)}), opts)
	if err := a.Merge(other); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("other scan: %v", err)
	}
	for _, o := range []target.Options{{Targets: handTargets(), StallAfter: 29 * dayLen}, {StallAfter: 30 * dayLen},
		{Targets: handTargets()[:1], StallAfter: 30 * dayLen}} {
		c, _ := target.NewBottleneck(s, o)
		if err := a.Merge(c); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("other options %+v: %v", o, err)
		}
	}
	// the same targets written otherwise (0.50 for 0.5) merge
	same := handTargets()
	same[0].Targets[0].Value = dec("0.50")
	c, _ := target.NewBottleneck(s, target.Options{Targets: same, StallAfter: 30 * dayLen})
	if err := a.Merge(c); err != nil {
		t.Errorf("equal options: %v", err)
	}
	for _, d := range bottleneckDeals() {
		if err := b.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := b.MarshalBinary()
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if after, _ := b.MarshalBinary(); string(before) != string(after) {
		t.Error("Merge changed its argument")
	}
	if got, _ := a.MarshalBinary(); string(got) != string(before) {
		t.Error("empty + b differs from b")
	}
	// the caller's sets can change after NewBottleneck
	sets := handTargets()
	d, _ := target.NewBottleneck(s, target.Options{Targets: sets, StallAfter: 30 * dayLen})
	sets[0].Targets[0].Value = dec("0.01")
	sets[0].Name = "changed"
	if err := a.Merge(d); err != nil {
		t.Errorf("the bottleneck kept the caller's sets: %v", err)
	}
}

// TestBottleneckZero checks that a zero Bottleneck, good only for
// decoding into, refuses work with errors instead of panicking.
func TestBottleneckZero(t *testing.T) {
	var z target.Bottleneck
	if err := z.Add(funnel.Deal{ID: "x", Stage: "A"}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Add: %v", err)
	}
	if _, err := z.MarshalBinary(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("MarshalBinary: %v", err)
	}
	if err := z.Merge(new(target.Bottleneck)); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge: %v", err)
	}
	if r := z.Ranking(); r.Steps == nil || len(r.Steps) != 0 {
		t.Errorf("Ranking: %+v", r)
	}
	if z.Scan() != nil || z.Fresh() == nil {
		t.Error("Scan, Fresh")
	}
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{})
	if err := s.Run(values(nil), &z); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("Run: %v", err)
	}
	b, _ := target.NewBottleneck(s, target.Options{})
	if err := b.Merge(&z); !errors.Is(err, funnel.ErrIncompatible) && !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge(zero): %v", err)
	}
}
