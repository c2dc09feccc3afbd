package funnel

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// day returns t0 plus n days.
func day(n int) time.Time { return t0.AddDate(0, 0, n) }

// days returns num/den days as a Duration, exactly.
func days(num, den int64) time.Duration {
	return time.Duration(num) * 24 * time.Hour / time.Duration(den)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func hist(pairs ...any) []StageChange {
	var h []StageChange
	for i := 0; i < len(pairs); i += 2 {
		h = append(h, StageChange{Stage: Stage(pairs[i].(string)), At: pairs[i+1].(time.Time)})
	}
	return h
}

func mustFunnel(t testing.TB, stages ...Stage) *Funnel {
	t.Helper()
	f, err := New(stages...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// handDeals is a small population whose report is worked out by hand in
// TestComputeByHand.
func handDeals() []Deal {
	return []Deal{
		{ID: "w1", Created: day(0), Amount: dec("100"), Outcome: Won, Closed: day(10),
			History: hist("A", day(0), "B", day(2), "C", day(5)), Attrs: Attributes{Source: "web"}},
		{ID: "w2", Created: day(1), Amount: dec("300"), Outcome: Won, Closed: day(4),
			History: hist("A", day(1), "C", day(3)), Attrs: Attributes{Source: "web"}},
		{ID: "l1", Created: day(2), Amount: dec("50"), Outcome: Lost, Closed: day(9),
			History: hist("A", day(2), "B", day(4)), Attrs: Attributes{Source: "event"}},
		{ID: "o1", Created: day(3), Amount: dec("200"),
			History: hist("A", day(3), "B", day(6))},
		{ID: "o2", Created: day(0), Amount: dec("0"),
			History: hist("A", day(0)), Attrs: Attributes{Source: "web"}},
		{ID: "r1", Created: day(0), Amount: dec("80"), Outcome: Lost, Closed: day(8),
			History: hist("A", day(0), "B", day(1), "A", day(3), "B", day(4), "C", day(6)), Attrs: Attributes{Source: "event"}},
	}
}

func dsum(n int64, mean, min, p25, med, p75, p90, max time.Duration) DurationSummary {
	return DurationSummary{Count: n, Mean: mean, Min: min, P25: p25, Median: med, P75: p75, P90: p90, Max: max}
}

// TestComputeByHand checks every figure of a report against values worked
// out on paper (see the comments) for handDeals.
func TestComputeByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	got, err := Compute(f, slices.Values(handDeals()), Options{AsOf: day(20)})
	if err != nil {
		t.Fatal(err)
	}
	want := Report{
		Stages: []Stage{"A", "B", "C"}, AsOf: day(20), Location: "UTC",
		Input: Input{Read: 6, Counted: 6},
		Deals: 6, Open: 2, Won: 2, Lost: 2,
		Funnel: []StageReport{
			// In order: w1 A,B,C,won; w2 A (skipped B); l1 A,B; o1 A,B;
			// o2 A; r1 A,B,C (re-entries ignored). N = 6, 4, 2, 1.
			// value funnel: A all six, 730; B w1, l1, o1, r1: 430; C w1, r1:
			// 180; won w1: 100
			{Stage: "A", Reached: 6, Entered: 6, ReachedValue: dec("730"), Cumulative: rt(6, 6),
				Open: 1, OpenValue: dec("0"), LostValue: dec("0"),
				// total per deal (days): w1 2, w2 2, l1 2, o1 3, o2 20 (to as-of), r1 1+1
				TimeTotal: dsum(6, days(31, 6), days(2, 1), days(2, 1), days(2, 1), days(11, 4), days(23, 2), days(20, 1)),
				// latest: r1's last visit lasted 1 day
				TimeLatest: dsum(6, days(30, 6), days(1, 1), days(2, 1), days(2, 1), days(11, 4), days(23, 2), days(20, 1))},
			// B: of the 6 at A, 4 reached B; w2 (won) dropped, o2 (open) pending.
			// The step values' ratio-estimator intervals (testdata/ratio/
			// ratio_estimator.py, from each deal's amounts) are [0, 1] once
			// clamped: B 430/730 over 6 deals is -0.007..1.18, C 180/430 over
			// 4 and won 100/180 over 2 are wider still.
			{Stage: "B", Reached: 4, Entered: 4, ReachedValue: dec("430"), StepValue: MoneyRate{MoneyRatio{dec("430"), dec("730")}, Interval{Lo: 0, Hi: 1, Confidence: 0.95, Defined: true}},
				LostReasons: []LostReason{{Reason: "", Lost: 1, Value: dec("50"), Share: rt(1, 1)}}, Step: rt(4, 6), Cumulative: rt(4, 6),
				DropOff: 2, DropOffRate: rt(2, 6), Pending: 1, Dropped: 1, StepDecided: rt(4, 5),
				Lost: 1, LostValue: dec("50"), Open: 1, OpenValue: dec("200"),
				// total: w1 3, l1 5, o1 14, r1 2+2 -> 3,4,5,14
				TimeTotal: dsum(4, days(26, 4), days(3, 1), days(15, 4), days(9, 2), days(29, 4), days(113, 10), days(14, 1)),
				// latest: w1 3, l1 5, o1 14, r1 2 -> 2,3,5,14
				TimeLatest: dsum(4, days(24, 4), days(2, 1), days(11, 4), days(4, 1), days(29, 4), days(113, 10), days(14, 1))},
			// C: w1 and r1 of the 4 at B; l1 lost, o1 pending. w2 entered C
			// without B: entered 3.
			{Stage: "C", Reached: 2, Entered: 3, ReachedValue: dec("180"), StepValue: MoneyRate{MoneyRatio{dec("180"), dec("430")}, Interval{Lo: 0, Hi: 1, Confidence: 0.95, Defined: true}},
				LostReasons: []LostReason{{Reason: "", Lost: 1, Value: dec("80"), Share: rt(1, 1)}}, Step: rt(2, 4), Cumulative: rt(2, 6),
				DropOff: 2, DropOffRate: rt(2, 4), Pending: 1, Dropped: 1, StepDecided: rt(2, 3),
				Lost: 1, LostValue: dec("80"), OpenValue: dec("0"),
				// w1 5, w2 1, r1 2 -> 1,2,5
				TimeTotal:  dsum(3, days(8, 3), days(1, 1), days(3, 2), days(2, 1), days(7, 2), days(22, 5), days(5, 1)),
				TimeLatest: dsum(3, days(8, 3), days(1, 1), days(3, 2), days(2, 1), days(7, 2), days(22, 5), days(5, 1))},
			// won: w1 only (w2 skipped B, so it is won without counting
			// there: entered 2); r1 lost from C.
			{Stage: "won", Terminal: true, Reached: 1, Entered: 2, ReachedValue: dec("100"), StepValue: MoneyRate{MoneyRatio{dec("100"), dec("180")}, Interval{Lo: 0, Hi: 1, Confidence: 0.95, Defined: true}}, Step: rt(1, 2), Cumulative: rt(1, 6),
				DropOff: 1, DropOffRate: rt(1, 2), Dropped: 1, StepDecided: rt(1, 2)},
		},
		WinRate:        rt(2, 4),
		WinRateCreated: rt(2, 6),
		// ratio estimator, worked in Python: R = 400/530 over 4 closed deals,
		// sum (y - R x)^2 = (1-R)^2 (100^2 + 300^2) + R^2 (50^2 + 80^2)
		WinRateValue: MoneyRate{MoneyRatio{dec("400"), dec("530")},
			Interval{Lo: 0.305118304503336, Hi: 1, Confidence: 0.95, Defined: true}},
		// l1 lost in B, r1 in C, neither with a reason
		LostReasons: []LostReason{{Reason: "", Lost: 2, Value: dec("130"), Share: rt(2, 2)}},
		// won amounts 100, 300
		DealSize: MoneySummary{Count: 2, Total: dec("400"), Mean: dec("200"), Min: dec("100"),
			P25: dec("150"), Median: dec("200"), P75: dec("250"), P90: dec("280"), Max: dec("300")},
		Pipeline: dec("200"),
		// won cycles 10 and 3 days; lost 7 and 8; open ages 17 and 20
		CycleWon:  dsum(2, days(13, 2), days(3, 1), days(19, 4), days(13, 2), days(33, 4), days(93, 10), days(10, 1)),
		CycleLost: dsum(2, days(15, 2), days(7, 1), days(29, 4), days(15, 2), days(31, 4), days(79, 10), days(8, 1)),
		OpenAge:   dsum(2, days(37, 2), days(17, 1), days(71, 4), days(37, 2), days(77, 4), days(197, 10), days(20, 1)),
		Periods: []PeriodRow{{Start: t0, Label: "2024-01", Created: 6, Won: 2, Lost: 2, Open: 2, LeadToCustomer: rt(2, 6),
			BySource: []SourceCount{{"web", 3}, {"event", 2}, {"", 1}}}},
		Undated:  PeriodRow{},
		BySource: []SourceCount{{"web", 3}, {"event", 2}, {"", 1}},
	}
	// the value win rate's bound was worked in float64 by Python, whose
	// rounding may differ in the last place
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Compute(handDeals) mismatch (-want +got):\n%s", diff)
	}
}

// TestPolicies checks stage reach for single deals under each policy,
// worked out from the policy definitions.
func TestPolicies(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	tests := []struct {
		name    string
		stages  []string
		outcome Outcome
		want    map[Policy][]int64 // Reached per row A, B, C, won
	}{
		{"straight win", []string{"A", "B", "C"}, Won, map[Policy][]int64{
			InOrder: {1, 1, 1, 1}, AnyStage: {1, 1, 1, 1}, DirectNext: {1, 1, 1, 1}}},
		{"skip B", []string{"A", "C"}, Won, map[Policy][]int64{
			InOrder: {1, 0, 0, 0}, AnyStage: {1, 0, 1, 1}, DirectNext: {1, 0, 0, 0}}},
		{"start at B", []string{"B", "C"}, Lost, map[Policy][]int64{
			InOrder: {0, 0, 0, 0}, AnyStage: {0, 1, 1, 0}, DirectNext: {0, 0, 0, 0}}},
		{"back then jump", []string{"A", "B", "A", "C"}, Open, map[Policy][]int64{
			InOrder: {1, 1, 1, 0}, AnyStage: {1, 1, 1, 0}, DirectNext: {1, 1, 0, 0}}},
		{"backwards later", []string{"A", "B", "C", "A"}, Won, map[Policy][]int64{
			// won counts as a direct move only from the last stage
			InOrder: {1, 1, 1, 1}, AnyStage: {1, 1, 1, 1}, DirectNext: {1, 1, 1, 0}}},
		// a skip ends the in-order walk: going back to the skipped stage
		// reaches it no more
		{"skip then back", []string{"A", "C", "B"}, Open, map[Policy][]int64{
			InOrder: {1, 0, 0, 0}, AnyStage: {1, 1, 1, 0}, DirectNext: {1, 0, 0, 0}}},
		// the direct chain must start with the first entry: B is a skip
		// that breaks it before A is entered
		{"start at B then A", []string{"B", "A", "C"}, Open, map[Policy][]int64{
			InOrder: {0, 0, 0, 0}, AnyStage: {1, 1, 1, 0}, DirectNext: {0, 0, 0, 0}}},
		// a move back breaks the chain at once: the second B and C are not
		// reached again (InOrder keeps what it reached and goes on)
		{"back and again", []string{"A", "B", "A", "B", "C"}, Won, map[Policy][]int64{
			InOrder: {1, 1, 1, 1}, AnyStage: {1, 1, 1, 1}, DirectNext: {1, 1, 0, 0}}},
		{"no history", nil, Open, map[Policy][]int64{
			InOrder: {1, 0, 0, 0}, AnyStage: {1, 0, 0, 0}, DirectNext: {1, 0, 0, 0}}},
	}
	for _, tt := range tests {
		for _, p := range []Policy{InOrder, AnyStage, DirectNext} {
			if tt.want[p] == nil {
				continue
			}
			t.Run(tt.name+"/"+p.String(), func(t *testing.T) {
				d := Deal{ID: "x", Created: day(0), Outcome: tt.outcome, Stage: "A"}
				for i, s := range tt.stages {
					d.History = append(d.History, StageChange{Stage(s), day(i)})
				}
				if tt.outcome != Open {
					d.Closed = day(len(tt.stages))
				}
				r, err := Compute(f, slices.Values([]Deal{d}), Options{Policy: p})
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, row := range r.Funnel {
					got = append(got, row.Reached)
				}
				if diff := cmp.Diff(tt.want[p], got); diff != "" {
					t.Errorf("reached (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestWindow checks the conversion window and right-censoring: with a
// 5-day window and as-of day 20, entries after day 5 of a deal's life do
// not count, an open deal inside its window is pending, and one past it
// has dropped.
func TestWindow(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	deals := []Deal{
		// reaches A, B (C on day 7 and the win on day 8 are too late): dropped at B->C
		{ID: "late", Created: day(0), Outcome: Won, Closed: day(8), History: hist("A", day(0), "B", day(3), "C", day(7))},
		// open, created day 18: window ends day 23 > as-of: pending at A->B
		{ID: "fresh", Created: day(18), History: hist("A", day(18))},
		// open, created day 1: window ended day 6: dropped at A->B
		{ID: "stale", Created: day(1), History: hist("A", day(1))},
		// open, created day 16, B on day 17: pending at B->C
		{ID: "moving", Created: day(16), History: hist("A", day(16), "B", day(17))},
	}
	r, err := Compute(f, slices.Values(deals), Options{AsOf: day(20), Window: 5 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Reached, DropOff, Pending, Dropped int64
		Step, StepDecided                  Ratio
	}
	var got []row
	for _, s := range r.Funnel {
		got = append(got, row{s.Reached, s.DropOff, s.Pending, s.Dropped, s.Step.Ratio, s.StepDecided.Ratio})
	}
	want := []row{
		{Reached: 4},
		{Reached: 2, DropOff: 2, Pending: 1, Dropped: 1, Step: Ratio{2, 4}, StepDecided: Ratio{2, 3}},
		{Reached: 0, DropOff: 2, Pending: 1, Dropped: 1, Step: Ratio{0, 2}, StepDecided: Ratio{0, 1}},
		{Reached: 0, Step: Ratio{0, 0}, StepDecided: Ratio{0, 0}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("window rows (-want +got):\n%s", diff)
	}
}

func TestComputeEmpty(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	r, err := Compute(f, slices.Values([]Deal(nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Report{
		Stages: []Stage{"A", "B"}, Location: "UTC",
		Funnel: []StageReport{
			{Stage: "A", LostValue: dec("0"), OpenValue: dec("0")},
			{Stage: "B", LostValue: dec("0"), OpenValue: dec("0")},
			{Stage: "won", Terminal: true},
		},
		WinRateValue: MoneyRate{MoneyRatio: MoneyRatio{dec("0"), dec("0")}},
		DealSize:     MoneySummary{Total: dec("0")},
		Pipeline:     dec("0"),
	}
	if diff := cmp.Diff(want, r, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("empty report (-want +got):\n%s", diff)
	}
	for _, ratio := range []Ratio{r.WinRate.Ratio, r.WinRateCreated.Ratio, r.Funnel[1].Step.Ratio} {
		if _, ok := ratio.Float64(); ok {
			t.Errorf("ratio %v of no deals is defined", ratio)
		}
	}
	if _, ok := r.WinRateValue.Value(); ok {
		t.Errorf("value win rate of no deals is defined")
	}
}

// TestLenient checks that invalid deals are skipped, counted per reason
// and listed, and that Strict stops at the first.
func TestLenient(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	deals := []Deal{
		{ID: "ok", Stage: "A", Currency: "USD"},
		{ID: "bad-stage", Stage: "Z", Currency: "USD"},
		{ID: "eur", Stage: "A", Currency: "EUR"},
		{ID: "closed-open", Stage: "A", Closed: day(1), Currency: "USD"},
		{ID: "bad-stage-2", Stage: "A", History: hist("A", day(0), "Y", day(1)), Currency: "USD"},
	}
	r, err := Compute(f, slices.Values(deals), Options{Mode: Lenient, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	want := Skipped{
		Count: 4,
		Reasons: []ReasonCount{
			{ErrUnknownStage.Error(), 2},
			{ErrCurrencyMismatch.Error(), 1},
			{ErrUnexpectedCloseTime.Error(), 1},
		},
		Examples: []DealError{
			{"bad-stage", "Stage", ErrUnknownStage},
			{"eur", "Currency", ErrCurrencyMismatch},
			{"closed-open", "Closed", ErrUnexpectedCloseTime},
			{"bad-stage-2", "History[1]", ErrUnknownStage},
		},
	}
	if diff := cmp.Diff(want, r.Input.Skipped, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if r.Deals != 1 {
		t.Errorf("Deals = %d, want 1", r.Deals)
	}
	_, err = Compute(f, slices.Values(deals), Options{Currency: "USD"})
	var de *DealError
	if !errors.As(err, &de) || de.ID != "bad-stage" || !errors.Is(err, ErrUnknownStage) {
		t.Errorf("strict Compute error = %v, want unknown stage of bad-stage", err)
	}
}

func TestValidate(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	tests := []struct {
		name      string
		deal      Deal
		wantField string
		wantErr   error
	}{
		{"valid", Deal{ID: "1", Stage: "A"}, "", nil},
		{"valid won", Deal{ID: "1", Stage: "B", Outcome: Won, Created: day(0), Closed: day(0)}, "", nil},
		{"untimed history", Deal{ID: "1", History: hist("A", time.Time{}, "B", day(3), "A", time.Time{})}, "", nil},
		{"no id", Deal{Stage: "A"}, "ID", ErrMissingID},
		{"bad outcome", Deal{ID: "1", Stage: "A", Outcome: 7}, "Outcome", ErrInvalidOutcome},
		{"negative", Deal{ID: "1", Stage: "A", Amount: dec("-0.01")}, "Amount", ErrNegativeAmount},
		{"open closed", Deal{ID: "1", Stage: "A", Closed: day(1)}, "Closed", ErrUnexpectedCloseTime},
		{"won no close", Deal{ID: "1", Stage: "A", Outcome: Won}, "Closed", ErrMissingCloseTime},
		{"lost no close", Deal{ID: "1", Stage: "A", Outcome: Lost}, "Closed", ErrMissingCloseTime},
		{"closed before created", Deal{ID: "1", Stage: "A", Outcome: Lost, Created: day(2), Closed: day(1)}, "Closed", ErrClosedBeforeCreated},
		{"no stage", Deal{ID: "1"}, "Stage", ErrUnknownStage},
		{"unknown stage", Deal{ID: "1", Stage: "a"}, "Stage", ErrUnknownStage},
		{"unknown history stage", Deal{ID: "1", History: hist("A", day(0), "C", day(1))}, "History[1]", ErrUnknownStage},
		{"history backwards", Deal{ID: "1", History: hist("A", day(2), "B", day(1))}, "History[1]", ErrHistoryOrder},
		{"backwards across untimed", Deal{ID: "1", History: hist("A", day(2), "B", time.Time{}, "A", day(1))}, "History[2]", ErrHistoryOrder},
		{"entered before created", Deal{ID: "1", Created: day(1), History: hist("A", day(0))}, "History[0]", ErrClosedBeforeCreated},
		{"entered after closed", Deal{ID: "1", Outcome: Won, Created: day(0), Closed: day(1), History: hist("A", day(2))}, "History[0]", ErrClosedBeforeCreated},
		{"same instant in two zones", Deal{ID: "1", History: []StageChange{
			{"A", time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)},
			{"B", time.Date(2024, 1, 1, 5, 0, 0, 0, time.FixedZone("EST", -5*3600))}}}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.deal.Validate(f)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Validate() = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			var de *DealError
			if !errors.As(err, &de) || de.Field != tt.wantField || de.ID != tt.deal.ID {
				t.Errorf("Validate() = %#v, want field %q of deal %q", err, tt.wantField, tt.deal.ID)
			}
		})
	}
}

func TestNewFunnel(t *testing.T) {
	many := make([]Stage, MaxStages+1)
	for i := range many {
		many[i] = Stage(rune('a'+i%26)) + Stage(rune('a'+i/26))
	}
	for _, stages := range [][]Stage{nil, {""}, {"A", "B", "A"}, many} {
		if _, err := New(stages...); !errors.Is(err, ErrInvalidStage) {
			t.Errorf("New(%q) error = %v, want ErrInvalidStage", stages, err)
		}
	}
	f, err := New(many[:MaxStages]...)
	if err != nil {
		t.Fatalf("New(%d stages) = %v", MaxStages, err)
	}
	// a funnel longer than 8 stages looks stages up by map
	if i, ok := f.Index(many[40]); !ok || i != 40 {
		t.Errorf("Index = %d, %v, want 40, true", i, ok)
	}
	if _, ok := f.lookup("zz"); ok {
		t.Errorf("lookup of an undeclared stage succeeded")
	}
}

func TestOptionsInvalid(t *testing.T) {
	f := mustFunnel(t, "A")
	for _, o := range []Options{
		{Mode: 2}, {Policy: 3}, {Period: 9}, {Window: -1}, {Window: time.Hour},
	} {
		if _, err := NewScan(f, o); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("NewScan(%+v) error = %v, want ErrInvalidParam", o, err)
		}
	}
	for _, c := range []Confidence{1, -0.5, Confidence(math.NaN()), 2} {
		if _, err := NewScan(f, Options{Test: Test{Confidence: c}}); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("NewScan(confidence %v) error = %v, want ErrInvalidParam", c, err)
		}
	}
	if _, err := NewScan(f, Options{Test: Test{MinSample: -1}}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("NewScan(min sample -1) error = %v, want ErrInvalidParam", err)
	}
	if _, err := NewScan(f, Options{Workers: -1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("NewScan(workers -1) error = %v, want ErrInvalidParam", err)
	}
	if _, err := NewScan(nil, Options{}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("NewScan(nil) error = %v, want ErrInvalidParam", err)
	}
}

// TestAnyStageCumulative: under AnyStage a deal can reach a later stage
// without the first; Cumulative only counts deals that reached the first,
// so it stays within 0..1. Worked out by hand: x reaches A and C, y only B
// and C.
func TestAnyStageCumulative(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	deals := []Deal{
		{ID: "x", History: hist("A", day(0), "C", day(1))},
		{ID: "y", History: hist("B", day(0), "C", day(1))},
	}
	r, err := Compute(f, slices.Values(deals), Options{Policy: AnyStage})
	if err != nil {
		t.Fatal(err)
	}
	var got [][3]any
	for _, s := range r.Funnel {
		got = append(got, [3]any{s.Reached, s.Cumulative.Ratio, s.Step.Ratio})
	}
	want := [][3]any{
		{int64(1), Ratio{1, 1}, Ratio{}},
		{int64(1), Ratio{0, 1}, Ratio{0, 1}}, // y reached B but not A
		{int64(2), Ratio{1, 1}, Ratio{1, 1}}, // both reached C; only x via A; y via B
		{int64(0), Ratio{0, 1}, Ratio{0, 2}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// TestReportJSON checks the stable field names of the JSON form and that
// undefined values are null, never NaN.
func TestReportJSON(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	r, err := Compute(f, slices.Values(handDeals()), Options{AsOf: day(20)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"age_undated", "as_of", "by_source", "calendar", "currency", "cycle_lost", "cycle_undated", "cycle_won", "deal_size", "deals",
		"funnel", "input", "location", "lost", "lost_reasons", "open", "open_age", "period", "periods", "pipeline", "policy", "stages",
		"undated", "win_rate", "win_rate_created", "win_rate_value", "window_seconds", "won"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	stage := m["funnel"].([]any)[0].(map[string]any)
	if stage["step"].(map[string]any)["value"] != nil || stage["step"].(map[string]any)["interval"] != nil ||
		stage["stage"] != "A" || m["policy"] != "in-order" || m["period"] != "month" {
		t.Errorf("first stage = %v", stage)
	}
	// 2 of 4: Wilson bounds from the score equation, worked in TestWilson's
	// way: (0.5 + z²/8 ± z sqrt(1/16 + z²/64)) / (1 + z²/4)
	wr := m["win_rate"].(map[string]any)
	iv := wr["interval"].(map[string]any)
	if wr["num"] != 2.0 || wr["den"] != 4.0 || wr["value"] != 0.5 || iv["confidence"] != 0.95 ||
		math.Abs(iv["lo"].(float64)-0.15003898915214958) > 1e-12 || math.Abs(iv["hi"].(float64)-0.8499610108478504) > 1e-12 {
		t.Errorf("win_rate = %v", wr)
	}
	if m["window_seconds"] != 0.0 || m["as_of"] != "2024-01-21T00:00:00Z" {
		t.Errorf("window %v, as of %v", m["window_seconds"], m["as_of"])
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("report after a JSON round trip (-want +got):\n%s", diff)
	}
}

// rt is the rate num/den with its 95% Wilson interval, as reports give
// rates; the interval itself is checked against independent values in
// TestWilson.
func rt(num, den int64) Rate { return rate(Ratio{num, den}, 0.95) }
