package forecast_test

import (
	"errors"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
)

func TestChangesByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	from, to := day(10), day(20)
	// expected close dates from the field history: "slip" pushes it by
	// 30 days on day 15, "pull" brings it forward by 5 days
	closeHist := func(shift int) []funnel.FieldChange {
		return []funnel.FieldChange{{Field: funnel.FieldExpectedClose, At: day(0), Time: day(40)}, {Field: funnel.FieldExpectedClose, At: day(15), Time: day(40 + shift)}}
	}
	deals := []funnel.Deal{
		{ID: "old", Created: day(0), Amount: dec("1"), Outcome: funnel.Won, Closed: day(5), History: hist("A", day(0))},                          // closed before: left out
		{ID: "new", Created: day(12), Amount: dec("2"), History: hist("A", day(12))},                                                             // new
		{ID: "newwon", Created: day(11), Amount: dec("4"), Outcome: funnel.Won, Closed: day(19), History: hist("A", day(11))},                    // new+won
		{ID: "adv", Created: day(0), Amount: dec("8"), History: hist("A", day(0), "C", day(14)), ExpectedClose: day(70), Changes: closeHist(30)}, // advanced+pushed
		{ID: "back", Created: day(0), Amount: dec("16"), History: hist("A", day(0), "B", day(5), "A", day(15))},                                  // moved back
		{ID: "lost", Created: day(0), Amount: dec("32"), Outcome: funnel.Lost, Closed: day(20), History: hist("A", day(0))},                      // lost at to
		{ID: "same", Created: day(0), Amount: dec("64"), History: hist("A", day(0)), ExpectedClose: day(35), Changes: closeHist(-5)},             // pulled in
		{ID: "later", Created: day(21), Amount: dec("128"), History: hist("A", day(21))},                                                         // after to: left out
		{ID: "quiet", Created: day(0), Amount: dec("256"), History: hist("A", day(0), "B", day(9))},                                              // unchanged
		// amount 100 until day 15, then 150 (and 999 after the as-of time)
		{ID: "resized", Created: day(0), Amount: dec("999"), History: hist("A", day(0)), Changes: []funnel.FieldChange{
			{Field: funnel.FieldAmount, At: day(0), Amount: dec("100")}, {Field: funnel.FieldAmount, At: day(15), Amount: dec("150")},
			{Field: funnel.FieldAmount, At: day(50), Amount: dec("999")}}},
	}
	s := scanOf(t, f, funnel.Options{AsOf: day(30)})
	got, err := forecast.ChangesBetween(s, values(deals), forecast.ChangeOptions{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	row := func(id string, c forecast.Change, fromSt, toSt funnel.Stage, fromAmt, toAmt string, fromClose, toClose time.Time, o funnel.Outcome) forecast.ChangeRow {
		r := forecast.ChangeRow{ID: id, Change: c, FromStage: fromSt, ToStage: toSt, ToAmount: dec(toAmt), FromClose: fromClose, ToClose: toClose, Outcome: o}
		if fromAmt != "" {
			r.FromAmount = dec(fromAmt)
		}
		return r
	}
	want := forecast.ChangesReport{
		From: from, To: to,
		Rows: []forecast.ChangeRow{
			row("adv", forecast.ChangeAdvanced|forecast.ChangePushed, "A", "C", "8", "8", day(40), day(70), funnel.Open),
			row("back", forecast.ChangeMovedBack, "B", "A", "16", "16", time.Time{}, time.Time{}, funnel.Open),
			row("lost", forecast.ChangeLost, "A", "A", "32", "32", time.Time{}, time.Time{}, funnel.Lost),
			row("new", forecast.ChangeNew, "", "A", "", "2", time.Time{}, time.Time{}, funnel.Open),
			row("newwon", forecast.ChangeNew|forecast.ChangeWon, "", "A", "", "4", time.Time{}, time.Time{}, funnel.Won),
			row("resized", forecast.ChangeIncreased, "A", "A", "100", "150", time.Time{}, time.Time{}, funnel.Open),
			row("same", forecast.ChangePulledIn, "A", "A", "64", "64", day(40), day(35), funnel.Open),
		},
		Counts: []forecast.ChangeCount{
			{forecast.ChangeNew, 2, dec("6"), dec("6")}, {forecast.ChangeAdvanced, 1, dec("8"), dec("0")}, {forecast.ChangeMovedBack, 1, dec("16"), dec("0")},
			{forecast.ChangePushed, 1, dec("8"), dec("0")}, {forecast.ChangePulledIn, 1, dec("64"), dec("0")}, {forecast.ChangeWon, 1, dec("4"), dec("4")},
			{forecast.ChangeLost, 1, dec("32"), dec("0")}, {forecast.ChangeIncreased, 1, dec("150"), dec("50")}, {forecast.ChangeDecreased, 0, dec("0"), dec("0")},
		},
		// open at from: adv, back, lost, same, quiet, resized = 8+16+32+64+256+100
		// open at to: new, adv, back, same, quiet, resized = 2+8+16+64+256+150
		OpenFrom: 6, OpenFromAmount: dec("476"), OpenTo: 6, OpenToAmount: dec("496"),
		Unchanged: 1, ClosedBefore: 1, CreatedAfter: 1,
		Input: funnel.Input{Read: 10, Counted: 10},
	}
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Errorf("changes mismatch (-want +got):\n%s", diff)
	}
	roundTripJSON(t, got)
	for name, o := range map[string]forecast.ChangeOptions{
		"reversed":    {From: to, To: from},
		"zero":        {To: to},
		"after as-of": {From: from, To: day(31)},
		"equal dates": {From: from, To: from},
	} {
		if _, err := forecast.NewChanges(s, o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: error %v", name, err)
		}
	}
}

// setText checks that v's String and MarshalText are text, and that text
// reads back to v.
func setText[T interface {
	~uint8 | ~uint16
	String() string
	MarshalText() ([]byte, error)
}, PT interface {
	*T
	UnmarshalText([]byte) error
}](t *testing.T, v T, text string) {
	t.Helper()
	b, err := v.MarshalText()
	if err != nil || string(b) != text || v.String() != text {
		t.Errorf("%d: %q, %v; want %q", v, b, err, text)
	}
	var back T
	if err := PT(&back).UnmarshalText(b); err != nil || back != v {
		t.Errorf("UnmarshalText(%q) = %v, %v", b, back, err)
	}
}

func TestChangeText(t *testing.T) {
	for _, tt := range []struct {
		c    forecast.Change
		text string
	}{{0, "unchanged"}, {forecast.ChangeNew | forecast.ChangeWon, "new+won"}, {forecast.ChangePushed, "pushed"}, {forecast.ChangeDecreased | forecast.ChangeMovedBack, "moved back+decreased"}} {
		setText(t, tt.c, tt.text)
	}
	if _, err := forecast.Change(1 << 12).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("MarshalText(invalid) = %v", err)
	}
	var c forecast.Change
	for _, bad := range []string{"", "won+new", "new+new", "sold"} {
		if err := c.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) accepted", bad)
		}
	}
}
