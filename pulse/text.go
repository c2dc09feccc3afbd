package pulse

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/textout"
	"github.com/shopspring/decimal"
)

// textWriter writes to w and keeps the first error.
type textWriter struct {
	w   io.Writer
	err error
}

func (t *textWriter) Write(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.w.Write(p)
	t.err = err
	return n, err
}

func (t *textWriter) printf(format string, args ...any) { fmt.Fprintf(t, format, args...) }

// A grid lays out tab-separated columns, left-aligned, and writes each line
// without trailing blanks.
type grid struct {
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newGrid() *grid {
	g := new(grid)
	g.tw = tabwriter.NewWriter(&g.buf, 0, 0, 2, ' ', 0)
	return g
}

func (g *grid) row(cols ...string) {
	for _, c := range cols {
		// Tabs and line ends inside a value would break the layout.
		c = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c)
		g.tw.Write([]byte(c + "\t"))
	}
	g.tw.Write([]byte("\n"))
}

func (g *grid) flush(t *textWriter) {
	_ = g.tw.Flush()
	for _, line := range strings.SplitAfter(g.buf.String(), "\n") {
		if line != "" {
			t.printf("%s\n", strings.TrimRight(line, " \n"))
		}
	}
}

// percent formats a share as "62.5%", or "n/a".
func percent(r funnel.Ratio) string {
	p, ok := r.Percent(1)
	if !ok {
		return "n/a"
	}
	return p.StringFixed(1) + "%"
}

// rateText formats a rate as "5/8 62.5% (30.6%..86.3%)", the interval left
// out when undefined, or "n/a" without a denominator.
func rateText(r funnel.Rate) string {
	if !r.Defined() {
		return "n/a"
	}
	s := strconv.FormatInt(r.Num, 10) + "/" + strconv.FormatInt(r.Den, 10) + " " + percent(r.Ratio)
	if r.Interval.Defined {
		s += fmt.Sprintf(" (%.1f%%..%.1f%%)", 100*r.Interval.Lo, 100*r.Interval.Hi)
	}
	return s
}

// levelOf returns the confidence level of the first defined interval of
// the rows, or 0.
func levelOf(rows []Row) float64 {
	for _, r := range rows {
		for _, c := range r.Cells {
			if c.Favourable.Interval.Defined {
				return c.Favourable.Interval.Confidence
			}
		}
	}
	return 0
}

func favText(c Cell) string {
	if c.Suppressed != Shown {
		return c.Suppressed.String()
	}
	return rateText(c.Favourable)
}

func meanText(c Cell) string {
	switch {
	case c.Suppressed != Shown:
		return c.Suppressed.String()
	case !c.Mean.Defined:
		return "n/a"
	case !c.Mean.Interval.Defined:
		return fmt.Sprintf("%.2f n=%d", c.Mean.Value, c.Answered)
	}
	return fmt.Sprintf("%.2f (%.2f..%.2f) n=%d", c.Mean.Value, c.Mean.Interval.Lo, c.Mean.Interval.Hi, c.Answered)
}

func enpsText(c Cell) []string {
	if c.ENPS == nil {
		return nil
	}
	s := c.ENPS
	if s.Suppressed != Shown {
		return []string{s.Suppressed.String(), "", "", "", ""}
	}
	v, ok := s.Round(1)
	score, ci := "n/a", ""
	if ok {
		score = v.StringFixed(1)
	}
	if s.Interval.Defined {
		ci = fmt.Sprintf("%.1f..%.1f", s.Interval.Lo, s.Interval.Hi)
	}
	return []string{score, ci, strconv.FormatInt(s.Promoters, 10), strconv.FormatInt(s.Passives, 10), strconv.FormatInt(s.Detractors, 10)}
}

// A textRow is one row of a table of groups by questions: its label, the
// columns before the cells and the cells.
type textRow struct {
	label string
	lead  []string
	cells []Cell
}

// writeGrid writes the favourable shares, the means and (when a question
// is the eNPS question) the eNPS of the rows, one table each.
func writeGrid(t *textWriter, lead []string, rows []textRow, level float64) {
	if len(rows) == 0 {
		return
	}
	var questions []string
	enpsQ := -1
	for i, c := range rows[0].cells {
		questions = append(questions, c.Question)
		if c.ENPS != nil && enpsQ < 0 {
			enpsQ = i
		}
	}
	ci := ""
	if level > 0 {
		ci = ", " + format.Level(level) + " intervals"
	}
	t.printf("Favourable share%s:\n", ci)
	g := newGrid()
	g.row(append(append([]string{"group"}, lead...), questions...)...)
	for _, r := range rows {
		cols := append([]string{r.label}, r.lead...)
		for _, c := range r.cells {
			cols = append(cols, favText(c))
		}
		g.row(cols...)
	}
	g.flush(t)
	t.printf("Mean answer%s:\n", ci)
	g = newGrid()
	g.row(append([]string{"group"}, questions...)...)
	for _, r := range rows {
		cols := []string{r.label}
		for _, c := range r.cells {
			cols = append(cols, meanText(c))
		}
		g.row(cols...)
	}
	g.flush(t)
	if enpsQ < 0 {
		return
	}
	t.printf("eNPS (%s)%s:\n", questions[enpsQ], ci)
	g = newGrid()
	g.row("group", "enps", "interval", "promoters", "passives", "detractors")
	for _, r := range rows {
		if enpsQ < len(r.cells) {
			g.row(append([]string{r.label}, enpsText(r.cells[enpsQ])...)...)
		}
	}
	g.flush(t)
}

func groupLabel(g string) string {
	if g == "" {
		return `""`
	}
	return g
}

// String returns the report as text, as written by [Report.WriteText].
func (r Report) String() string {
	return textout.String(r)
}

// WriteText writes the report as text: the wave and its participation,
// then the table of groups by questions three times, for the favourable
// share (favourable / answered, with its interval), the mean answer (with
// its interval and the number of answers) and, for the eNPS question, the
// eNPS with its interval and counts. A hidden cell shows why it is
// hidden; the company row comes first.
func (r Report) WriteText(w io.Writer) error {
	t := &textWriter{w: w}
	t.printf("Survey %q, wave %d (from %s), by %q; minimum group %d.\n", r.Survey, r.Wave, r.Start.Format(time.RFC3339), r.By, r.MinGroup)
	t.printf("Participation: %s; %d respondents.\n", rateText(r.Participation), r.Company.Respondents)
	if r.Suppressed != Shown {
		t.printf("Fewer respondents than the minimum group: every figure is hidden.\n")
	}
	rows := []textRow{{label: "company", lead: []string{strconv.FormatInt(r.Company.Respondents, 10)}, cells: r.Company.Cells}}
	for _, g := range r.Groups {
		rows = append(rows, textRow{label: groupLabel(g.Group), lead: []string{strconv.FormatInt(g.Respondents, 10)}, cells: g.Cells})
	}
	writeGrid(t, []string{"respondents"}, rows, levelOf(append([]Row{r.Company}, r.Groups...)))
	return t.err
}

// String returns the heatmap as text, as written by [Heatmap.WriteText].
func (h Heatmap) String() string {
	return textout.String(h)
}

// WriteText writes the heatmap as text: the wave, then for each section
// the table of groups by questions three times, as [Report.WriteText]
// does, with each group's respondents and participation (respondents /
// invited, with its interval). The company row heads each section.
func (h Heatmap) WriteText(w io.Writer) error {
	t := &textWriter{w: w}
	t.printf("Survey %q, wave %d (from %s); minimum group %d", h.Survey, h.Wave, h.Start.Format(time.RFC3339), h.MinGroup)
	if h.Intersections {
		t.printf(", intersections protected")
	}
	t.printf(".\nParticipation: %s; %d respondents.\n", rateText(h.Company.Participation), h.Company.Respondents)
	if h.Suppressed != Shown {
		t.printf("Fewer respondents than the minimum group: every figure is hidden.\n")
	}
	level := 0.0
	all := []Row{{Cells: h.Company.Cells}}
	for _, s := range h.Sections {
		for _, g := range s.Groups {
			all = append(all, Row{Cells: g.Cells})
		}
	}
	level = levelOf(all)
	lead := func(g GroupRow) []string {
		return []string{strconv.FormatInt(g.Respondents, 10), rateText(g.Participation)}
	}
	for _, s := range h.Sections {
		t.printf("\nBy %s.\n", s.By)
		rows := []textRow{{label: "company", lead: lead(h.Company), cells: h.Company.Cells}}
		for _, g := range s.Groups {
			rows = append(rows, textRow{label: groupLabel(g.Group), lead: lead(g), cells: g.Cells})
		}
		writeGrid(t, []string{"respondents", "participation"}, rows, level)
	}
	return t.err
}

// String returns the coverage as text, as written by [Coverage.WriteText].
func (c Coverage) String() string {
	return textout.String(c)
}

// WriteText writes the coverage as text: the share of the roster met
// within the interval, the roll-up table (one line per manager, indented
// under their own manager: direct reports met and everyone under them
// met, each as a rate with its interval) and who is overdue, most overdue
// first.
func (c Coverage) WriteText(w io.Writer) error {
	t := &textWriter{w: w}
	days := decimal.NewFromInt(int64(c.Interval)).DivRound(decimal.NewFromInt(int64(24*time.Hour)), 1).StringFixed(1)
	asOf := "(no time)"
	if !c.AsOf.IsZero() {
		asOf = c.AsOf.Format(time.RFC3339)
	}
	t.printf("One-on-ones within %s days as of %s: %s met.\n", days, asOf, rateText(c.Met))
	if len(c.Managers) > 0 {
		t.printf("By manager:\n")
		g := newGrid()
		g.row("manager", "reports to", "direct reports met", "everyone under met")
		for _, i := range managerTree(c.Managers) {
			m := c.Managers[i]
			g.row(strings.Repeat("  ", m.Level)+m.Manager, m.ReportsTo, rateText(m.Direct), rateText(m.All))
		}
		g.flush(t)
	}
	if len(c.Overdue) > 0 {
		t.printf("Overdue (%d):\n", len(c.Overdue))
		g := newGrid()
		g.row("person", "manager", "last met", "days since")
		for _, o := range c.Overdue {
			last, since := "never", ""
			if o.Met {
				last = o.Last.Format(time.RFC3339)
				since = decimal.NewFromInt(int64(o.Since)).DivRound(decimal.NewFromInt(int64(24*time.Hour)), 1).StringFixed(1)
			}
			g.row(o.Person, o.Manager, last, since)
		}
		g.flush(t)
	}
	return t.err
}

// managerTree returns the indexes of the managers in tree order: each
// manager at the top (or whose own manager has no row) by name, followed
// by the managers under them, depth first.
func managerTree(ms []ManagerCoverage) []int {
	index := make(map[string]int, len(ms))
	for i, m := range ms {
		index[m.Manager] = i
	}
	children := make(map[string][]int, len(ms))
	var roots []int
	for i, m := range ms {
		if _, ok := index[m.ReportsTo]; ok && m.ReportsTo != m.Manager {
			children[m.ReportsTo] = append(children[m.ReportsTo], i)
		} else {
			roots = append(roots, i)
		}
	}
	out := make([]int, 0, len(ms))
	seen := make([]bool, len(ms))
	var walk func(i int)
	walk = func(i int) {
		if seen[i] {
			return
		}
		seen[i] = true
		out = append(out, i)
		for _, j := range children[ms[i].Manager] {
			walk(j)
		}
	}
	for _, i := range roots {
		walk(i)
	}
	// Rows that form a cycle (not from OneOnOnes, which rejects one) are
	// still written, in order.
	for i := range ms {
		walk(i)
	}
	return out
}
