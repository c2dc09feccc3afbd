package attr

import (
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

func day(n int) time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

// TestValue checks the rule by hand: owner ana from day 2 (the first
// change, so also before it), ben from day 5; current value cy.
func TestValue(t *testing.T) {
	d := funnel.Deal{Created: day(3), Outcome: funnel.Won, Closed: day(6), Attrs: funnel.Attributes{Owner: "cy", Custom: map[string]string{"tier": "gold"}},
		Changes: []funnel.FieldChange{
			{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: day(2), Text: "ana"},
			{Field: funnel.FieldAmount, At: day(4)},
			{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: day(5), Text: "ben"},
			{Field: funnel.FieldAttr, Key: "region2", At: day(5), Text: "x"},
		}}
	for _, tt := range []struct {
		name    string
		created time.Time
		closed  time.Time
		o       funnel.Outcome
		at      funnel.ValueAt
		want    string
	}{
		{"current", day(3), day(6), funnel.Won, funnel.AtCurrent, "cy"},
		{"at creation", day(3), day(6), funnel.Won, funnel.AtCreation, "ana"},
		{"created before the first change", day(1), day(6), funnel.Won, funnel.AtCreation, "ana"},
		{"no change after the creation: the value d holds", day(5), day(6), funnel.Won, funnel.AtCreation, "cy"},
		{"creation unknown: the earliest value", time.Time{}, day(6), funnel.Won, funnel.AtCreation, "ana"},
		{"at close", day(3), day(6), funnel.Won, funnel.AtClose, "cy"}, // no change after day 6
		{"closed between changes", day(1), day(4), funnel.Lost, funnel.AtClose, "ana"},
		{"open at close", day(1), time.Time{}, funnel.Open, funnel.AtClose, "cy"},
	} {
		x := d
		x.Created, x.Closed, x.Outcome = tt.created, tt.closed, tt.o
		if got := Value(&x, funnel.AttrOwner, tt.at); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		// the rule of Deal.At for a known time
		if tt.at == funnel.AtCreation && !tt.created.IsZero() {
			at, _ := x.At(tt.created)
			if got := at.Attrs.Owner; got != tt.want {
				t.Errorf("%s: Deal.At gives %q", tt.name, got)
			}
		}
	}
	if got := Value(&d, "tier", funnel.AtCreation); got != "gold" {
		t.Errorf("a key without changes: %q", got)
	}
	if diff := cmp.Diff([]string{"region2", "tier"}, CustomKeys(nil, &d, funnel.AtCreation)); diff != "" {
		t.Errorf("custom keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"x", "tier"}, CustomKeys([]string{"x"}, &d, funnel.AtCurrent)); diff != "" {
		t.Errorf("current custom keys (-want +got):\n%s", diff)
	}
	if !Valid(funnel.AtClose) || Valid(funnel.ValueAt(3)) || Valid(-1) {
		t.Error("Valid")
	}
}
