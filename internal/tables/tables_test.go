package tables

import (
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/google/go-cmp/cmp"
)

func TestFunnelTable(t *testing.T) {
	iv := funnel.Interval{Lo: 0.25, Hi: 0.75, Confidence: 0.95, Defined: true}
	r := funnel.Report{Funnel: []funnel.StageReport{
		{Stage: "Lead", Reached: 4, Cumulative: funnel.Rate{Ratio: funnel.Ratio{Num: 4, Den: 4}}},
		{Stage: "won", Terminal: true, Reached: 2, Step: funnel.Rate{Ratio: funnel.Ratio{Num: 2, Den: 4}, Interval: iv},
			Cumulative: funnel.Rate{Ratio: funnel.Ratio{Num: 2, Den: 4}}, DropOff: 2},
	}}
	tab := Funnel(r)
	got := [][]string{tab.Header(), tab.Values(0), tab.Values(1)}
	want := [][]string{
		{"stage", "reached", "step", "step_lo", "step_hi", "cumulative", "drop_off", "pending", "lost", "open", "median_days_total"},
		{"Lead", "4", "", "", "", "1", "0", "0", "0", "0", ""},
		{"won", "2", "0.5", "0.25", "0.75", "0.5", "2", "0", "", "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	if tab.Rows[1][2].Text != "50.0%" || tab.Rows[0][2].Text != "n/a" {
		t.Errorf("texts %q, %q", tab.Rows[1][2].Text, tab.Rows[0][2].Text)
	}
	var b strings.Builder
	if err := tab.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "50.0%") || !strings.HasPrefix(b.String(), "Funnel\n") {
		t.Errorf("text:\n%s", b.String())
	}
}

func TestSurvivalRows(t *testing.T) {
	c := trend.Curve{}
	for i := range 100 {
		c.Steps = append(c.Steps, trend.Step{At: time.Duration(i+1) * time.Hour, Survival: 1 - float64(i+1)/100})
	}
	tab := Survival("s", c, 10)
	if len(tab.Rows) != 10 || tab.Rows[0][1].Value != "3600" || tab.Rows[9][1].Value != "360000" {
		t.Errorf("%d rows, first %v, last %v", len(tab.Rows), tab.Rows[0][1], tab.Rows[len(tab.Rows)-1][1])
	}
	if !strings.Contains(tab.Note, "10 of 100 steps") {
		t.Errorf("note %q", tab.Note)
	}
	if all := Survival("s", c, 0); len(all.Rows) != 100 || all.Note != "" {
		t.Errorf("every step: %d rows, note %q", len(all.Rows), all.Note)
	}
	if empty := Survival("s", trend.Curve{}, 10); len(empty.Rows) != 0 {
		t.Errorf("%d rows of no step", len(empty.Rows))
	}
}
