package funnel

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// rowsOf returns reached and step counts per row.
func rowsOf(r Report) [][3]int64 {
	var out [][3]int64
	for _, s := range r.Funnel {
		out = append(out, [3]int64{s.Reached, s.Step.Num, s.Step.Den})
	}
	return out
}

// TestOptionalStage works out by hand a funnel A, B, C with B optional:
// d1 goes A, C, won; d2 A, B, C, lost; d3 A, B, open; d4 A, lost. The step
// into C is counted from A, the last row before it that is not optional.
func TestOptionalStage(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	deals := []Deal{
		{ID: "d1", Created: day(0), Outcome: Won, Closed: day(5), History: hist("A", day(0), "C", day(2))},
		{ID: "d2", Created: day(0), Outcome: Lost, Closed: day(4), History: hist("A", day(0), "B", day(1), "C", day(3))},
		{ID: "d3", Created: day(0), History: hist("A", day(0), "B", day(1))},
		{ID: "d4", Created: day(0), Outcome: Lost, Closed: day(2), History: hist("A", day(0))},
	}
	for _, tt := range []struct {
		name string
		opts Options
		want [][3]int64
	}{
		// in order, B required: d1 skipped B and drops out
		{"required", Options{}, [][3]int64{{4, 0, 0}, {2, 2, 4}, {1, 1, 2}, {0, 0, 1}}},
		// B optional: A 4; B 2 of 4; C 2 of 4 (from A: d1, d2); won 1 of 2
		{"optional", Options{Optional: []Stage{"B"}}, [][3]int64{{4, 0, 0}, {2, 2, 4}, {2, 2, 4}, {1, 1, 2}}},
		// direct next with B optional: d1 moved A->C directly, allowed
		{"direct optional", Options{Policy: DirectNext, Optional: []Stage{"B"}}, [][3]int64{{4, 0, 0}, {2, 2, 4}, {2, 2, 4}, {1, 1, 2}}},
	} {
		r, err := Compute(f, slices.Values(deals), tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, rowsOf(r)); diff != "" {
			t.Errorf("%s: rows (reached, step num, step den) (-want +got):\n%s", tt.name, diff)
		}
	}
	if _, err := NewScan(f, Options{Optional: []Stage{"Z"}}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("unknown optional stage: %v", err)
	}
}

// TestStepWindows: the step A->B must take 1 to 3 days.
func TestStepWindows(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	deals := []Deal{
		{ID: "fast", Created: day(0), History: hist("A", day(0), "B", day(0).Add(12*time.Hour))}, // too fast
		{ID: "ok", Created: day(0), History: hist("A", day(0), "B", day(2))},
		{ID: "slow", Created: day(0), History: hist("A", day(0), "B", day(5))}, // too slow
		{ID: "untimed", History: hist("A", time.Time{}, "B", time.Time{})},     // unrecorded: passes
		// won 10 days after B: the won step has no window
		{ID: "won", Created: day(0), Outcome: Won, Closed: day(12), History: hist("A", day(0), "B", day(2))},
	}
	opts := Options{StepWindows: []StepWindow{{Step: 1, Min: 24 * time.Hour, Max: 3 * 24 * time.Hour}}}
	r, err := Compute(f, slices.Values(deals), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := [][3]int64{{5, 0, 0}, {3, 3, 5}, {1, 1, 3}}
	if diff := cmp.Diff(want, rowsOf(r)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// a window on the won step: at most 5 days after B
	opts.StepWindows = append(opts.StepWindows, StepWindow{Step: 2, Max: 5 * 24 * time.Hour})
	r, _ = Compute(f, slices.Values(deals), opts)
	if r.Funnel[2].Reached != 0 || r.Funnel[2].Entered != 1 {
		t.Errorf("won row: reached %d, entered %d, want 0 and 1", r.Funnel[2].Reached, r.Funnel[2].Entered)
	}
	for _, bad := range []StepWindow{{Step: 0}, {Step: 3}, {Step: 1, Min: -1}, {Step: 1, Min: 5, Max: 4}} {
		if _, err := NewScan(f, Options{StepWindows: []StepWindow{bad}}); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("step window %+v accepted: %v", bad, err)
		}
	}
}

// TestExclusionStage: a deal that entered "DQ" leaves the funnel there:
// its later entries do not count, its visit of A ends at the exclusion and
// it is not counted as won.
func TestExclusionStage(t *testing.T) {
	base := mustFunnel(t, "A", "B", "C")
	f, err := base.Exclude("DQ")
	if err != nil {
		t.Fatal(err)
	}
	deals := []Deal{
		{ID: "x", Created: day(0), Outcome: Won, Closed: day(6), History: hist("A", day(0), "DQ", day(1), "B", day(2), "C", day(4))},
		{ID: "y", Created: day(0), Outcome: Lost, Closed: day(5), History: hist("A", day(0), "B", day(3))},
		{ID: "z", Created: day(0), Stage: "DQ", History: hist("A", day(0))}, // in DQ now, entered at an unknown time
	}
	r, err := Compute(f, slices.Values(deals), Options{AsOf: day(10)})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][3]int64{{3, 0, 0}, {1, 1, 3}, {0, 0, 1}, {0, 0, 0}}, rowsOf(r)); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	// time in A: x 1 day (to DQ), y 3 days; z untimed (left at an unknown time)
	if a := r.Funnel[0]; a.TimeTotal.Count != 2 || a.TimeTotal.Min != days(1, 1) || a.TimeTotal.Max != days(3, 1) || a.Untimed != 1 {
		t.Errorf("time in A: %+v, untimed %d", a.TimeTotal, a.Untimed)
	}
	if r.Funnel[3].Entered != 0 || r.Won != 1 {
		t.Errorf("won row entered %d, won %d: an excluded win is a win, not a funnel conversion", r.Funnel[3].Entered, r.Won)
	}
	for _, d := range []Deal{{ID: "only", Stage: "DQ"}, {ID: "only-h", History: hist("DQ", day(0))}} {
		if err := d.Validate(f); !errors.Is(err, ErrUnknownStage) {
			t.Errorf("deal %s with no funnel stage: %v", d.ID, err)
		}
	}
	if err := (&Deal{ID: "base", Stage: "DQ"}).Validate(base); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("exclusion stage known to the funnel without it: %v", err)
	}
	for _, bad := range [][]Stage{{"A"}, {""}, {"Q", "Q"}} {
		if _, err := base.Exclude(bad...); !errors.Is(err, ErrInvalidStage) {
			t.Errorf("Exclude(%q) = %v", bad, err)
		}
	}
	if s1, s2 := scanFor(t, base), scanFor(t, f); s1.Equal(s2) {
		t.Error("scans of funnels with and without exclusions are equal")
	}
}

func scanFor(t *testing.T, f *Funnel) *Scan {
	s, err := NewScan(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHoldConstant: with the owner held constant, a deal counts at B only
// if its owner when it entered B is the one it had when it entered A.
func TestHoldConstant(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	deals := []Deal{
		{ID: "moved", Created: day(0), History: hist("A", day(0), "B", day(3)), Attrs: Attributes{Owner: "ben"},
			Changes: []FieldChange{{Field: FieldAttr, Key: AttrOwner, At: day(0), Text: "ana"}, {Field: FieldAttr, Key: AttrOwner, At: day(2), Text: "ben"}}},
		{ID: "later", Created: day(0), History: hist("A", day(0), "B", day(3)), Attrs: Attributes{Owner: "ben"},
			Changes: []FieldChange{{Field: FieldAttr, Key: AttrOwner, At: day(0), Text: "ana"}, {Field: FieldAttr, Key: AttrOwner, At: day(5), Text: "ben"}}},
		{ID: "same", Created: day(0), History: hist("A", day(0), "B", day(3)), Attrs: Attributes{Owner: "cy"}},
	}
	for _, policy := range []Policy{InOrder, AnyStage, DirectNext} {
		r, err := Compute(f, slices.Values(deals), Options{Policy: policy, HoldConstant: AttrOwner})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Funnel[1].Reached; got != 2 {
			t.Errorf("%v: reached B %d, want 2 (later and same)", policy, got)
		}
	}
}
