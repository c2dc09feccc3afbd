package pulse

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
)

// TestSchema: the JSON of every result type of the package matches its
// definition in schema/funnel.schema.json, and the new result types decode
// back to equal values.
func TestSchema(t *testing.T) {
	w := wavesOf(t, "team", randomResponses(6, 80))
	opts := Options{MinGroup: 3}
	r1, _ := w.Report(0, 100, opts)
	r2, _ := w.Report(1, 100, opts)
	empty, _ := w.Report(9, 0, opts)
	ch, _ := Compare(r1, r2, funnel.Test{})
	ro, _ := NewRolling(testSurvey())
	for _, x := range randomResponses(6, 80) {
		_ = ro.Add(x)
	}
	ser, _ := ro.Series(45*24*time.Hour, 0, 3, opts)
	g := groupsOf(t, map[string][4]int{"a": {1, 2, 3, 0}, "b": {5, 0, 1, 4}, "c": {9, 0, 0, 1}})
	bd, _ := g.Breakdown(Options{})
	trend, _ := Trend([]string{"w1", "w2"}, []*Groups{g, g}, Options{})
	asOf := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	cov, _ := OneOnOnes([]Member{{"a", "m"}, {"b", "m"}, {"m", "top"}, {"top", ""}}, slices.Values([]Meeting{{"a", asOf.AddDate(0, 0, -3)}, {"m", asOf.AddDate(0, 0, -30)}}),
		asOf, 14*24*time.Hour, 0)
	tab := tableOf(t, responsesOf(handStaff()), "team", "location")
	h, _ := tab.Heatmap(0, handInvited(), Options{})
	hs, _ := tab.Heatmap(0, HeatmapOptions{Intersections: true}, Options{MinGroup: 2})
	hEmpty, _ := tab.Heatmap(3, HeatmapOptions{}, Options{})
	for _, c := range []struct {
		def string
		v   any
	}{
		{"pulse_report", r1}, {"pulse_report", empty}, {"pulse_change", ch}, {"pulse_breakdown", bd},
		{"pulse_trend_point", trend[1]}, {"pulse_coverage", cov}, {"pulse_heatmap", h}, {"pulse_heatmap", hs},
		{"pulse_heatmap", hEmpty}, {"enps_score", bd.Overall.ENPSScore}, {"pulse_score", bd.Groups[0].Score},
	} {
		schematest.Check(t, c.def, c.v)
	}
	for _, p := range ser {
		schematest.Check(t, "pulse_point", p)
	}
	b, _ := json.Marshal(h)
	bad := []byte(string(b[:len(b)-1]) + `,"extra":1}`)
	if schematest.Validate("pulse_heatmap", bad) == nil || schematest.Validate("pulse_suppression", []byte(`"hidden"`)) == nil {
		t.Errorf("the schema accepts an unknown field or suppression")
	}
	for _, o := range cov.Overdue {
		schematest.Check(t, "pulse_overdue", o)
	}
	for _, c := range []struct {
		name string
		v    any
		back func([]byte) (any, error)
	}{
		{"heatmap", h, func(b []byte) (any, error) { var x Heatmap; err := json.Unmarshal(b, &x); return x, err }},
		{"heatmap with intersections", hs, func(b []byte) (any, error) { var x Heatmap; err := json.Unmarshal(b, &x); return x, err }},
		{"empty heatmap", hEmpty, func(b []byte) (any, error) { var x Heatmap; err := json.Unmarshal(b, &x); return x, err }},
		{"coverage", cov, func(b []byte) (any, error) { var x Coverage; err := json.Unmarshal(b, &x); return x, err }},
	} {
		b, err := json.Marshal(c.v)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		back, err := c.back(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, b)
		}
		if diff := cmp.Diff(c.v, back); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s", c.name, diff)
		}
		if containsNullList(b) || containsStr(b, `"sections":null`) {
			t.Errorf("%s: a list encodes as null: %s", c.name, b)
		}
	}
	if got := cov.Managers; len(got) != 2 || got[0].Manager != "m" || got[0].ReportsTo != "top" || got[0].Level != 1 || got[1].Level != 0 {
		t.Errorf("managers %+v", got)
	}
}
