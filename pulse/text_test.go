package pulse

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

// TestWriteText: String is WriteText's output, a write error is returned,
// values that would break the layout (tabs, line ends) are flattened, and
// hidden figures print as their reason.
func TestWriteText(t *testing.T) {
	w := wavesOf(t, "team", randomResponses(3, 60))
	rep, _ := w.Report(1, 0, Options{MinGroup: 3})
	empty, _ := w.Report(7, 0, Options{})
	tab := tableOf(t, responsesOf(append(handStaff(), staff{"line\nbreak\tteam", "Paris", 9, 5})), "team", "location")
	h, err := tab.Heatmap(0, HeatmapOptions{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cov := Coverage{AsOf: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Interval: 36 * time.Hour,
		Managers: []ManagerCoverage{{Manager: "a", ReportsTo: "b", Level: 1}, {Manager: "b", ReportsTo: "a", Level: 0}}}
	texts := map[string]func(*strings.Builder) error{
		"report":   func(b *strings.Builder) error { return rep.WriteText(b) },
		"empty":    func(b *strings.Builder) error { return empty.WriteText(b) },
		"heatmap":  func(b *strings.Builder) error { return h.WriteText(b) },
		"coverage": func(b *strings.Builder) error { return cov.WriteText(b) },
	}
	strs := map[string]string{"report": rep.String(), "empty": empty.String(), "heatmap": h.String(), "coverage": cov.String()}
	for name, write := range texts {
		var b strings.Builder
		if err := write(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b.String() != strs[name] {
			t.Errorf("%s: String differs from WriteText", name)
		}
		for _, line := range strings.Split(b.String(), "\n") {
			if strings.HasSuffix(line, " ") || strings.Contains(line, "\t") {
				t.Errorf("%s: line %q has a tab or trailing blanks", name, line)
			}
		}
	}
	if !strings.Contains(strs["heatmap"], "line break team") || !strings.Contains(strs["heatmap"], "complement") {
		t.Errorf("heatmap text:\n%s", strs["heatmap"])
	}
	if !strings.Contains(strs["empty"], "every figure is hidden") {
		t.Errorf("empty report text:\n%s", strs["empty"])
	}
	// Rows that form a cycle (not from OneOnOnes) are still written once.
	if strings.Count(strs["coverage"], "\n") != 5 || !strings.Contains(strs["coverage"], "1.5 days") {
		t.Errorf("coverage text:\n%s", strs["coverage"])
	}
	for name, err := range map[string]error{
		"report": rep.WriteText(&failingWriter{n: 3}), "heatmap": h.WriteText(&failingWriter{n: 5}), "coverage": cov.WriteText(&failingWriter{n: 1}),
	} {
		if err == nil || err.Error() != "disk full" {
			t.Errorf("%s: WriteText to a failing writer = %v", name, err)
		}
	}
}

// TestOneOnOnesRollUp: three levels of managers under a head who is not on
// the roster; the roll-up rows carry each manager's own manager and level,
// and the text prints them as a tree.
func TestOneOnOnesRollUp(t *testing.T) {
	asOf := time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)
	ago := func(d int) time.Time { return asOf.AddDate(0, 0, -d) }
	roster := []Member{
		{"vp", "ceo"}, {"m1", "vp"}, {"m2", "vp"},
		{"a1", "m1"}, {"a2", "m1"}, {"a3", "m1"}, {"b1", "m2"}, {"b2", "m2"},
	}
	meetings := []Meeting{{"vp", ago(40)}, {"m1", ago(2)}, {"m2", ago(5)}, {"a1", ago(1)}, {"a2", ago(8)}, {"b1", ago(29)}, {"b2", ago(3)}}
	got, err := OneOnOnes(roster, slices.Values(meetings), asOf, 14*24*time.Hour, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	r := func(num, den int64) funnel.Rate {
		iv, _ := funnel.Ratio{Num: num, Den: den}.Wilson(0.9)
		return funnel.Rate{Ratio: funnel.Ratio{Num: num, Den: den}, Interval: iv}
	}
	// By hand: met within 14 days: m1, m2, a1, a2, b2 (5 of 8). m1's
	// reports a1 a2 a3: 2/3; m2's b1 b2: 1/2; vp's direct m1 m2: 2/2,
	// everyone under vp: 7 people, 5 met; ceo (not on the roster): vp
	// only directly (0/1), all 8 under, 5 met.
	want := []ManagerCoverage{
		{Manager: "ceo", Direct: r(0, 1), All: r(5, 8)},
		{Manager: "m1", ReportsTo: "vp", Level: 2, Direct: r(2, 3), All: r(2, 3)},
		{Manager: "m2", ReportsTo: "vp", Level: 2, Direct: r(1, 2), All: r(1, 2)},
		{Manager: "vp", ReportsTo: "ceo", Level: 1, Direct: r(2, 2), All: r(5, 7)},
	}
	if diff := cmp.Diff(want, got.Managers); diff != "" {
		t.Errorf("roll-up (-want +got):\n%s", diff)
	}
	lines := strings.Split(got.String(), "\n")
	var tree []string
	for _, l := range lines[3:7] {
		tree = append(tree, strings.Fields(l)[0]+"@"+strings.Repeat(" ", len(l)-len(strings.TrimLeft(l, " "))))
	}
	if diff := cmp.Diff([]string{"ceo@", "vp@  ", "m1@    ", "m2@    "}, tree); diff != "" {
		t.Errorf("tree order and indentation (-want +got):\n%s\n%s", diff, got.String())
	}
}
