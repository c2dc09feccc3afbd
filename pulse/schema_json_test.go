package pulse

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// styleRoundTrip checks v's JSON against the schema definition def, decodes
// it into a new value of v's type, requires that equal to v and that it
// encodes to the same bytes again.
func styleRoundTrip[T any](t *testing.T, def string, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", def, err)
	}
	schematest.CheckJSON(t, def, b)
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: decoding %s: %v", def, b, err)
	}
	if diff := cmp.Diff(v, back, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("%s: JSON round trip differs (-before +after):\n%s", def, diff)
	}
	if b2, err := json.Marshal(back); err != nil || !bytes.Equal(b, b2) {
		t.Errorf("%s: re-encoding differs (%v):\n%s\n%s", def, err, b, b2)
	}
}

// checkReportSchema checks a wave report, its rows and cells.
func checkReportSchema(t *testing.T, r Report) {
	t.Helper()
	styleRoundTrip(t, "pulse_report", r)
	for _, row := range append([]Row{r.Company}, r.Groups...) {
		styleRoundTrip(t, "pulse_row", row)
		for _, c := range row.Cells {
			styleRoundTrip(t, "pulse_cell", c)
			styleRoundTrip(t, "pulse_mean", c.Mean)
		}
	}
}

// checkChangeSchema checks a change between two waves, its rows and
// questions.
func checkChangeSchema(t *testing.T, c Change) {
	t.Helper()
	styleRoundTrip(t, "pulse_change", c)
	for _, row := range append([]RowChange{c.Company}, c.Groups...) {
		styleRoundTrip(t, "pulse_row_change", row)
		for _, q := range row.Questions {
			styleRoundTrip(t, "pulse_question_change", q)
			styleRoundTrip(t, "pulse_mean_comparison", q.Mean)
		}
	}
}

// TestResultsMatchSchema checks the wave reports (hand-worked, random,
// empty, all suppressed), the changes between them, the breakdowns, the
// trend by group, the rolling series and the one-on-one coverage against
// the schema and through a JSON round trip.
func TestResultsMatchSchema(t *testing.T) {
	hand := wavesOf(t, "team", wave1(), wave2())
	random := wavesOf(t, "team", randomResponses(6, 80))
	var reports []Report
	for _, c := range []struct {
		w       *Waves
		k       int
		invited int64
		opts    Options
	}{
		{hand, 0, 8, Options{}}, {hand, 1, 0, Options{MinGroup: 2}}, {hand, 0, 8, Options{MinGroup: 50}},
		{random, 0, 100, Options{MinGroup: 3}}, {random, 1, 100, Options{MinGroup: 3}}, {random, 9, 0, Options{MinGroup: 3}},
	} {
		r, err := c.w.Report(c.k, c.invited, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		checkReportSchema(t, r)
		reports = append(reports, r)
	}
	for _, test := range []funnel.Test{{}, {Confidence: 0.9, MinSample: 2}} {
		for _, pair := range [][2]int{{0, 1}, {3, 4}, {4, 5}} {
			c, err := Compare(reports[pair[0]], reports[pair[1]], test)
			if err != nil {
				t.Fatal(err)
			}
			checkChangeSchema(t, c)
		}
		cs, err := Changes(reports[3:], test)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			checkChangeSchema(t, c)
		}
	}

	groups := []*Groups{
		groupsOf(t, map[string][4]int{"a": {1, 2, 3, 0}, "b": {5, 0, 1, 4}, "c": {9, 0, 0, 1}}),
		groupsOf(t, map[string][4]int{"a": {6, 2, 3, 1}, "b": {1, 0, 9, 0}, "d": {0, 0, 0, 3}}),
		new(Groups),
	}
	for _, g := range groups {
		for _, o := range []Options{{}, {MinGroup: 1}, {MinGroup: 100}} {
			bd, err := g.Breakdown(o)
			if err != nil {
				t.Fatal(err)
			}
			styleRoundTrip(t, "pulse_breakdown", bd)
			styleRoundTrip(t, "pulse_score", bd.Overall)
			styleRoundTrip(t, "enps_score", bd.Overall.ENPSScore)
			for _, gs := range bd.Groups {
				styleRoundTrip(t, "pulse_group_score", gs)
			}
		}
	}
	bd, err := BreakdownBy(slices.Values(randomResponses(3, 60)), "enps", "team", Options{MinGroup: 3})
	if err != nil {
		t.Fatal(err)
	}
	styleRoundTrip(t, "pulse_breakdown", bd)
	trend, err := Trend([]string{"w1", "w2", "w3"}, groups, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range trend {
		styleRoundTrip(t, "pulse_trend_point", p)
		styleRoundTrip(t, "enps_comparison", p.Change)
		for _, g := range p.Groups {
			styleRoundTrip(t, "pulse_group_change", g)
		}
	}

	ro, err := NewRolling(testSurvey())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range randomResponses(6, 80) {
		if err := ro.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	for _, window := range []time.Duration{45 * 24 * time.Hour, 7 * 24 * time.Hour} {
		ser, err := ro.Series(window, 0, 3, Options{MinGroup: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ser {
			styleRoundTrip(t, "pulse_point", p)
		}
	}
	emptyRolling, err := NewRolling(testSurvey())
	if err != nil {
		t.Fatal(err)
	}
	ser, err := emptyRolling.Series(30*24*time.Hour, 0, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ser {
		styleRoundTrip(t, "pulse_point", p)
	}

	asOf := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	roster := []Member{{"a", "m"}, {"b", "m"}, {"c", "n"}, {"m", "top"}, {"n", "top"}, {"top", ""}}
	meetings := []Meeting{{"a", asOf.AddDate(0, 0, -3)}, {"m", asOf.AddDate(0, 0, -30)}, {"c", asOf.AddDate(0, 0, -1)}}
	for _, c := range []struct {
		roster   []Member
		meetings []Meeting
	}{{roster, meetings}, {roster, nil}, {nil, nil}} {
		cov, err := OneOnOnes(c.roster, slices.Values(c.meetings), asOf, 14*24*time.Hour, 0.9)
		if err != nil {
			t.Fatal(err)
		}
		styleRoundTrip(t, "pulse_coverage", cov)
		for _, m := range cov.Managers {
			styleRoundTrip(t, "pulse_manager_coverage", m)
		}
		for _, o := range cov.Overdue {
			styleRoundTrip(t, "pulse_overdue", o)
		}
	}
}
