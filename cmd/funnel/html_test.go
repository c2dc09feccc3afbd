package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// htmlTable is a table of the report as a browser reads it: the columns'
// names (data-col) and each cell's value (data-value) and text.
type htmlTable struct {
	cols  []string
	vals  [][]string
	texts [][]string
}

func (h htmlTable) col(t *testing.T, name string) int {
	t.Helper()
	for i, c := range h.cols {
		if c == name {
			return i
		}
	}
	t.Fatalf("no column %q in %q", name, h.cols)
	return -1
}

// parseTables reads every <table id="t-..."> of an HTML document.
func parseTables(t *testing.T, r io.Reader) map[string]htmlTable {
	t.Helper()
	d := xml.NewDecoder(r)
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	out := map[string]htmlTable{}
	var cur *htmlTable
	var id string
	var inCell bool
	attr := func(se xml.StartElement, name string) string {
		for _, a := range se.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			switch tk.Name.Local {
			case "table":
				id = strings.TrimPrefix(attr(tk, "id"), "t-")
				cur = &htmlTable{}
			case "th":
				if cur != nil {
					cur.cols = append(cur.cols, attr(tk, "data-col"))
				}
			case "tr":
				if cur != nil {
					cur.vals = append(cur.vals, nil)
					cur.texts = append(cur.texts, nil)
				}
			case "td":
				if cur != nil {
					n := len(cur.vals) - 1
					cur.vals[n] = append(cur.vals[n], attr(tk, "data-value"))
					cur.texts[n] = append(cur.texts[n], "")
					inCell = true
				}
			}
		case xml.CharData:
			if inCell && cur != nil {
				n := len(cur.texts) - 1
				cur.texts[n][len(cur.texts[n])-1] += string(tk)
			}
		case xml.EndElement:
			switch tk.Name.Local {
			case "td":
				inCell = false
			case "table":
				// drop the header row, which has no cells
				var vals, texts [][]string
				for i := range cur.vals {
					if cur.vals[i] != nil {
						vals, texts = append(vals, cur.vals[i]), append(texts, cur.texts[i])
					}
				}
				cur.vals, cur.texts = vals, texts
				out[id] = *cur
				cur = nil
			}
		}
	}
	return out
}

// TestHTMLMatchesJSON runs the report once on the Maven export, with the
// JSON on stdout and the HTML in a file, and checks that the figures of the
// HTML tables behind the funnel, trend, cohort and survival charts are the
// JSON's: each cell's value exactly, and its text as the value rounded for
// reading. The JSON is read as generic JSON, not with the library's types.
func TestHTMLMatchesJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	r := mustRun(t, "report", "-preset-dir", mavenIn, "-format", "json", "-html", path)
	v := decode(t, r.stdout)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tabs := parseTables(t, f)

	// a cell's value against a JSON number, and its text against the value
	// as a percentage with one decimal
	pct := func(what string, h htmlTable, row int, col string, want any) {
		t.Helper()
		cell := h.vals[row][h.col(t, col)]
		text := h.texts[row][h.col(t, col)]
		if want == nil {
			if cell != "" || text != "n/a" {
				t.Errorf("%s: %q (%q), want undefined", what, cell, text)
			}
			return
		}
		w := want.(float64)
		if g, err := strconv.ParseFloat(cell, 64); err != nil || g != w {
			t.Errorf("%s: value %q, JSON %v", what, cell, w)
		}
		if wt := strconv.FormatFloat(math.Round(1000*w)/10, 'f', 1, 64) + "%"; text != wt {
			t.Errorf("%s: text %q, want %q", what, text, wt)
		}
	}
	count := func(what string, h htmlTable, row int, col string, want float64) {
		t.Helper()
		cell := h.vals[row][h.col(t, col)]
		if cell != strconv.FormatFloat(want, 'f', -1, 64) {
			t.Errorf("%s: %q, JSON %v", what, cell, want)
		}
		text := strings.ReplaceAll(h.texts[row][h.col(t, col)], ",", "")
		if text != cell {
			t.Errorf("%s: text %q, value %q", what, text, cell)
		}
	}
	interval := func(rate any, end string) any {
		iv, _ := rate.(map[string]any)["interval"].(map[string]any)
		if iv == nil {
			return nil
		}
		return iv[end]
	}

	// the funnel: reach, step conversion and its interval, per row
	fn := tabs["funnel"]
	rows := get(t, v, "report", "funnel").([]any)
	if len(fn.vals) != len(rows) || len(rows) != 3 {
		t.Fatalf("funnel: %d HTML rows, %d JSON rows", len(fn.vals), len(rows))
	}
	for i, row := range rows {
		what := fmt.Sprintf("funnel row %d", i)
		count(what+" reached", fn, i, "reached", num(t, row, "reached"))
		step := get(t, row, "step")
		pct(what+" step", fn, i, "step", get(t, step, "value"))
		pct(what+" step low", fn, i, "step_lo", interval(step, "lo"))
		pct(what+" step high", fn, i, "step_hi", interval(step, "hi"))
		pct(what+" cumulative", fn, i, "cumulative", get(t, row, "cumulative", "value"))
	}

	// the trend: each period's deals, won and lost, and the win rate
	tr := tabs["trend"]
	periods := get(t, v, "trend", "periods").([]any)
	points := get(t, v, "trend_metric", "points").([]any)
	if len(tr.vals) != len(points) || len(points) != len(periods) || len(points) < 12 {
		t.Fatalf("trend: %d HTML rows, %d points, %d periods", len(tr.vals), len(points), len(periods))
	}
	for i := range points {
		what := "trend " + get(t, points[i], "label").(string)
		if tr.vals[i][tr.col(t, "period")] != get(t, periods[i], "label") {
			t.Errorf("%s: period %q", what, tr.vals[i][0])
		}
		for _, c := range []string{"deals", "won", "lost"} {
			count(what+" "+c, tr, i, c, num(t, periods[i], "report", c))
		}
		rate := get(t, points[i], "value", "rate")
		pct(what+" win rate", tr, i, "value", get(t, rate, "value"))
		pct(what+" low", tr, i, "low", interval(rate, "lo"))
		pct(what+" high", tr, i, "high", interval(rate, "hi"))
	}

	// the cohorts: size and the share won at every age
	co := tabs["cohorts"]
	cohorts := get(t, v, "cohorts", "cohorts").([]any)
	if len(co.vals) != len(cohorts) || len(cohorts) < 12 {
		t.Fatalf("cohorts: %d HTML rows, %d JSON cohorts", len(co.vals), len(cohorts))
	}
	cells := 0
	for i, c := range cohorts {
		what := fmt.Sprintf("cohort %d", i)
		count(what+" size", co, i, "size", num(t, c, "size"))
		for a, age := range get(t, c, "ages").([]any) {
			pct(fmt.Sprintf("%s age %d", what, a), co, i, fmt.Sprintf("age_%d", a), get(t, age, "rate", "value"))
			cells++
		}
	}
	if cells < 100 {
		t.Errorf("%d cohort cells compared", cells)
	}

	// the survival curves: every step the HTML lists is a step of the
	// JSON's curve, with the same counts, S and interval
	curves := get(t, v, "survival").([]any)
	for name, measure := range map[string]string{"survival_sales_cycle": "cycle", "survival_time_to_win": "time_to_win"} {
		st, ok := tabs[name]
		if !ok || len(st.vals) < 10 {
			t.Fatalf("no table %s (%d rows)", name, len(st.vals))
		}
		var curve any
		for _, c := range curves {
			if get(t, c, "measure") == measure {
				curve = c
			}
		}
		if curve == nil {
			t.Fatalf("no %s curve in the JSON", measure)
		}
		steps := map[string]any{}
		for _, s := range get(t, curve, "steps").([]any) {
			steps[strconv.FormatFloat(num(t, s, "at_seconds"), 'f', -1, 64)] = s
		}
		for i := range st.vals {
			at := st.vals[i][st.col(t, "at_seconds")]
			s, ok := steps[at]
			if !ok {
				t.Fatalf("%s: step at %s s is not in the JSON", name, at)
			}
			what := fmt.Sprintf("%s at %s s", name, at)
			for _, c := range []string{"at_risk", "events", "censored"} {
				count(what+" "+c, st, i, c, num(t, s, c))
			}
			for col, want := range map[string]any{"survival": get(t, s, "survival"), "low": interval(s, "lo"), "high": interval(s, "hi")} {
				cell := st.vals[i][st.col(t, col)]
				if want == nil {
					if cell != "" {
						t.Errorf("%s %s: %q, want undefined", what, col, cell)
					}
					continue
				}
				if g, err := strconv.ParseFloat(cell, 64); err != nil || g != want.(float64) {
					t.Errorf("%s %s: %q, JSON %v", what, col, cell, want)
				}
			}
		}
	}
}
