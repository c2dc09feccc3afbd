package pulse

import (
	"errors"
	"strings"
	"testing"
	"time"
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
