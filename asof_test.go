package funnel

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestDealAt works out by hand what a deal looked like on several dates:
// its stage history, outcome and fields with a history.
func TestDealAt(t *testing.T) {
	d := Deal{
		ID: "d", Created: day(0), Outcome: Won, Closed: day(10), LostReason: "",
		Amount: dec("1200"), ExpectedClose: day(9), Category: "Commit",
		Probability: decimal.NewNullDecimal(dec("0.9")),
		Stage:       "C",
		History:     hist("A", day(0), "B", day(3), "C", day(6)),
		Changes: []FieldChange{
			{Field: FieldAmount, At: day(0), Amount: dec("1000")},
			{Field: FieldExpectedClose, At: day(1), Time: day(20)},
			{Field: FieldAttr, Key: AttrOwner, At: day(2), Text: "ana"},
			{Field: FieldAttr, Key: "tier", At: day(2), Text: "gold"},
			{Field: FieldAmount, At: day(4), Amount: dec("1200")},
			{Field: FieldExpectedClose, At: day(5), Time: day(9)},
			{Field: FieldAttr, Key: AttrOwner, At: day(7), Text: "ben"},
			{Field: FieldCategory, At: day(8), Text: "Commit"},
		},
		Attrs: Attributes{Owner: "ben", Custom: map[string]string{"tier": "gold"}},
	}
	tests := []struct {
		at   time.Time
		ok   bool
		want Deal
	}{
		// before creation: not there
		{at: day(-1), ok: false},
		// day 2: in A; amount 1000 (set on day 0), expected close day 20
		// (day 1), owner ana (day 2); category's only change is on day 8:
		// before it, its first recorded value
		{at: day(2), ok: true, want: Deal{ID: "d", Created: day(0), Outcome: Open, Amount: dec("1000"),
			ExpectedClose: day(20), Category: "Commit", Probability: decimal.NewNullDecimal(dec("0.9")),
			Stage: "A", History: hist("A", day(0)), Changes: d.Changes[:4],
			Attrs: Attributes{Owner: "ana", Custom: map[string]string{"tier": "gold"}}}},
		// day 5: in B; amount 1200 (day 4), expected close day 9 (day 5)
		{at: day(5), ok: true, want: Deal{ID: "d", Created: day(0), Outcome: Open, Amount: dec("1200"),
			ExpectedClose: day(9), Category: "Commit", Probability: decimal.NewNullDecimal(dec("0.9")),
			Stage: "B", History: hist("A", day(0), "B", day(3)), Changes: d.Changes[:6],
			Attrs: Attributes{Owner: "ana", Custom: map[string]string{"tier": "gold"}}}},
		// at the close: the deal as it is
		{at: day(10), ok: true, want: d},
		{at: day(30), ok: true, want: d},
	}
	for _, tt := range tests {
		got, ok := d.At(tt.at)
		if ok != tt.ok {
			t.Errorf("At(%v) ok = %v", tt.at, ok)
			continue
		}
		if !ok {
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("At(%v) (-want +got):\n%s", tt.at, diff)
		}
	}
	// the custom map is copied when a custom attribute changes, never
	// written through
	d2 := d
	d2.Changes = []FieldChange{{Field: FieldAttr, Key: "tier", At: day(5), Text: "silver"}}
	got, _ := d2.At(day(1))
	if got.Attrs.Custom["tier"] != "silver" || d.Attrs.Custom["tier"] != "gold" {
		t.Errorf("custom attribute at day 1 = %q, original now %q", got.Attrs.Custom["tier"], d.Attrs.Custom["tier"])
	}
	// a zero time returns the deal unchanged; a deal with no time at all
	// exists at every time
	if got, ok := d.At(time.Time{}); !ok || got.Outcome != Won {
		t.Errorf("At(zero) = %v, %v", got.Outcome, ok)
	}
	undated := Deal{ID: "u", Stage: "B", Outcome: Lost}
	if got, ok := undated.At(day(1)); !ok || got.Outcome != Lost {
		t.Errorf("undated deal at day 1 = %v, %v", got.Outcome, ok)
	}
}

// TestAsOfEveryFigure checks that the report sees deals as they stood at
// AsOf: worked out by hand for three deals on day 5.
func TestAsOfEveryFigure(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	deals := []Deal{
		// won on day 8: open in B on day 5, its amount then 100
		{ID: "late-win", Created: day(0), Outcome: Won, Closed: day(8), Amount: dec("150"),
			History: hist("A", day(0), "B", day(2), "C", day(7)),
			Changes: []FieldChange{{Field: FieldAmount, At: day(0), Amount: dec("100")}, {Field: FieldAmount, At: day(6), Amount: dec("150")}}},
		// lost on day 4: lost by day 5
		{ID: "early-loss", Created: day(1), Outcome: Lost, Closed: day(4), Amount: dec("70"),
			History: hist("A", day(1), "B", day(3))},
		// created on day 6: not there yet
		{ID: "new", Created: day(6), Amount: dec("10"), History: hist("A", day(6))},
	}
	r, err := Compute(f, slices.Values(deals), Options{AsOf: day(5)})
	if err != nil {
		t.Fatal(err)
	}
	type fig struct {
		Deals, Open, Won, Lost, Future int64
		ReachedC, OpenB                int64
		Pipeline                       string
		AgeMedian                      time.Duration
	}
	got := fig{r.Deals, r.Open, r.Won, r.Lost, r.Input.Future, r.Funnel[2].Reached, r.Funnel[1].Open,
		r.Pipeline.String(), r.OpenAge.Median}
	want := fig{Deals: 2, Open: 1, Won: 0, Lost: 1, Future: 1, ReachedC: 0, OpenB: 1, Pipeline: "100", AgeMedian: days(5, 1)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("figures as of day 5 (-want +got):\n%s", diff)
	}
	// the latest visit of B of the open deal runs from day 2 to the as-of
	// time (3 days); the lost deal's from day 3 to its loss (1 day)
	if got := r.Funnel[1].TimeLatest; got.Count != 2 || got.Max != days(3, 1) || got.Min != days(1, 1) {
		t.Errorf("time in B as of day 5 = %+v", got)
	}
}

// TestAsOfInvalid: an invalid deal is invalid whatever the as-of time
// would cut from it (here an entry after its close, which the view of
// day 3 would drop).
func TestAsOfInvalid(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	d := Deal{ID: "bad", Created: day(0), Outcome: Won, Closed: day(5), History: hist("A", day(0), "B", day(6))}
	_, err := Compute(f, slices.Values([]Deal{d}), Options{AsOf: day(3)})
	if !errors.Is(err, ErrClosedBeforeCreated) {
		t.Errorf("error %v, want ErrClosedBeforeCreated", err)
	}
	// a deal created after the as-of time is still validated
	d = Deal{ID: "bad-future", Created: day(9), Stage: "Z"}
	if _, err := Compute(f, slices.Values([]Deal{d}), Options{AsOf: day(3)}); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("error %v, want ErrUnknownStage", err)
	}
}

func TestValidateChanges(t *testing.T) {
	f := mustFunnel(t, "A")
	base := Deal{ID: "1", Stage: "A"}
	tests := []struct {
		name  string
		edit  func(*Deal)
		field string
		err   error
	}{
		{"ok", func(d *Deal) {
			d.Changes = []FieldChange{{Field: FieldAmount, At: day(1), Amount: dec("5")}, {Field: FieldAttr, Key: "owner", At: day(2)}}
		}, "", nil},
		{"backwards", func(d *Deal) {
			d.Changes = []FieldChange{{Field: FieldAmount, At: day(2)}, {Field: FieldAmount, At: day(1)}}
		}, "Changes[1]", ErrHistoryOrder},
		{"negative amount", func(d *Deal) { d.Changes = []FieldChange{{Field: FieldAmount, Amount: dec("-1")}} }, "Changes[0]", ErrInvalidParam},
		{"probability above 1", func(d *Deal) { d.Changes = []FieldChange{{Field: FieldProbability, Amount: dec("1.01")}} }, "Changes[0]", ErrInvalidParam},
		{"attribute without key", func(d *Deal) { d.Changes = []FieldChange{{Field: FieldAttr, Text: "x"}} }, "Changes[0]", ErrInvalidParam},
		{"unknown field", func(d *Deal) { d.Changes = []FieldChange{{Field: 9}} }, "Changes[0]", ErrInvalidParam},
		{"deal probability", func(d *Deal) { d.Probability = decimal.NewNullDecimal(dec("-0.1")) }, "Probability", ErrInvalidParam},
		{"hostile amount", func(d *Deal) { d.Amount = decimal.New(1, -1_000_000_000) }, "Amount", ErrInvalidParam},
		{"hostile changed amount", func(d *Deal) { d.Changes = []FieldChange{{Field: FieldAmount, Amount: decimal.New(1, 900)}} }, "Changes[0]", ErrInvalidParam},
	}
	for _, tt := range tests {
		d := base
		tt.edit(&d)
		err := d.Validate(f)
		if tt.err == nil {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var de *DealError
		if !errors.As(err, &de) || de.Field != tt.field || !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v on %s", tt.name, err, tt.err, tt.field)
		}
	}
	if err := base.Validate(nil); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Validate(nil) = %v", err)
	}
}

// TestUndatedClose: with Options.UndatedClose a converted lead without
// dates counts for outcomes and reach, and as undated for the cycle.
func TestUndatedClose(t *testing.T) {
	f := mustFunnel(t, "Lead", "MQL")
	deals := []Deal{
		{ID: "1", Outcome: Won, History: hist("Lead", time.Time{}, "MQL", time.Time{})},
		{ID: "2", Outcome: Lost, Stage: "Lead"},
		{ID: "3", Stage: "Lead"},
	}
	if _, err := Compute(f, slices.Values(deals), Options{}); !errors.Is(err, ErrMissingCloseTime) {
		t.Fatalf("without UndatedClose: %v", err)
	}
	r, err := Compute(f, slices.Values(deals), Options{UndatedClose: true, AsOf: day(3)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Won != 1 || r.Lost != 1 || r.WinRate.Ratio != (Ratio{1, 2}) || r.Funnel[2].Reached != 1 || r.CycleUndated != 2 || r.CycleWon.Count != 0 {
		t.Errorf("report: won %d lost %d win %v reached won %d undated %d", r.Won, r.Lost, r.WinRate.Ratio, r.Funnel[2].Reached, r.CycleUndated)
	}
}

// TestReportNoAliasing mutates every slice of a report and checks that
// the tally and its funnel are untouched (a later report and Compute are
// unchanged).
func TestReportNoAliasing(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s, _ := NewScan(f, Options{AsOf: day(20), Mode: Lenient})
	tl := NewTally(s)
	deals := append(handDeals(), Deal{ID: "bad", Stage: "Z"})
	for _, d := range deals {
		_ = tl.Add(d)
	}
	before := tl.Report()
	r := tl.Report()
	r.Stages[0] = "X"
	r.Funnel[0].Reached = 99
	r.Periods[0].BySource[0].Source = "x"
	r.BySource[0].Created = 77
	r.Input.Skipped.Reasons[0].Count = 5
	r.Input.Skipped.Examples[0].ID = "y"
	if diff := cmp.Diff(before, tl.Report(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("mutating a report changed the tally (-before +after):\n%s", diff)
	}
	if f.Stage(0) != "A" {
		t.Errorf("mutating a report renamed the funnel's stage to %q", f.Stage(0))
	}
}
