package trend

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/textout"
)

// String returns the report as text, as written by
// [ConversionReport.WriteText].
func (r ConversionReport) String() string {
	return textout.String(r)
}

// pctLabel formats a percentile as p50 or p99.9.
func pctLabel(p float64) string { return "p" + strconv.FormatFloat(p, 'f', -1, 64) }

// WriteText writes the report as text: what is timed and the counts; a
// table of the groups (all deals, each segment, each period) with their
// completed durations (mean and percentiles, in days), the Kaplan-Meier
// quantiles with their intervals, and the comparison of each segment with
// the rest and of each period with the one before (raw and adjusted
// p-values, verdict); then the histogram of all completed durations.
// Undefined values print as "n/a".
func (r ConversionReport) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("Time from %s to %s", r.From, r.To)
	if r.From.Kind == Entry {
		ew.Printf(" (%s visit)", r.Visit)
	}
	if !r.AsOf.IsZero() {
		ew.Printf(", as of %s", r.AsOf.Format(time.RFC3339))
	}
	a := r.All
	ew.Printf(": %d deals timed, %d converted, %d closed and %d open without converting (censored)", a.N, a.Converted, a.Closed, a.Open)
	if r.NotStarted > 0 || r.Untimed > 0 {
		ew.Printf("; %d never started, %d untimed", r.NotStarted, r.Untimed)
	}
	ew.Printf(".\n")
	tw := textout.NewTrimmed()
	fmt.Fprint(tw, "group\tn\tconverted\tcensored\tmean days\t")
	for _, p := range r.Percentiles {
		fmt.Fprintf(tw, "%s\t", pctLabel(p))
	}
	for _, p := range r.Percentiles {
		fmt.Fprintf(tw, "KM %s\t", pctLabel(p))
	}
	fmt.Fprintf(tw, "vs\tp\tp adj\tverdict\t\n")
	row := func(name string, g ConversionGroup, vs string, c *DurationComparison) {
		mean := "n/a"
		if g.Completed.Count > 0 {
			mean = format.Days(g.Completed.Mean)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t", name, g.N, g.Converted, g.Closed+g.Open, mean)
		for _, p := range g.Completed.Percentiles {
			fmt.Fprintf(tw, "%s\t", qdays(p.At, p.Defined))
		}
		for _, q := range g.KaplanMeier {
			fmt.Fprintf(tw, "%s [%s, %s]\t", qdays(q.At, q.Defined), qdays(q.Lo, q.LoDefined), qdays(q.Hi, q.HiDefined))
		}
		switch {
		case c == nil:
			fmt.Fprint(tw, "\t\t\t\t\n")
		case !c.Defined:
			fmt.Fprintf(tw, "%s\t\t\t%s\t\n", vs, c.Verdict)
		default:
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%s\t\n", vs, c.PValue, c.PAdjusted, c.Verdict)
		}
	}
	row("all", a, "", nil)
	for i := range r.Segments {
		s := &r.Segments[i]
		name := r.Segment + "=" + s.Value
		switch {
		case s.Other:
			name = r.Segment + "=(other)"
		case s.Value == "":
			name = r.Segment + "=(unknown)"
		}
		row(name, s.Group, "rest", &s.Versus)
	}
	for i := range r.Periods {
		p := &r.Periods[i]
		if i == 0 {
			row(p.Label, p.Group, "", nil)
			continue
		}
		row(p.Label, p.Group, r.Periods[i-1].Label, &p.Previous)
	}
	tw.FlushTo(ew)
	ew.Printf("KM: Kaplan-Meier quantiles with their %s intervals; verdicts on Benjamini-Hochberg adjusted p-values, higher meaning longer.\n", format.Level(r.Confidence))
	if h := a.Histogram; len(h.Bins) > 0 {
		rule := "Freedman-Diaconis bins"
		if h.Rule == GivenEdges {
			rule = "given bins"
		}
		ew.Printf("Completed durations (%s", rule)
		if h.Capped {
			ew.Printf(", capped at %d", MaxBins)
		}
		ew.Printf("), days:\n")
		top := int64(1)
		for _, b := range h.Bins {
			top = max(top, b.Count)
		}
		tw := textout.NewTrimmed()
		for _, b := range h.Bins {
			fmt.Fprintf(tw, "%s\t..\t%s\t%d\t%s\t\n", format.Days(b.Lo), format.Days(b.Hi), b.Count, strings.Repeat("#", int((b.Count*40+top-1)/top)))
		}
		tw.FlushTo(ew)
		if h.Under > 0 || h.Over > 0 {
			ew.Printf("%d below the first edge, %d at or above the last.\n", h.Under, h.Over)
		}
	}
	if r.Undatable > 0 {
		ew.Printf("%d deals start outside years 1 to 9999 and are in no period.\n", r.Undatable)
	}
	textout.Input(ew, r.Input)
	return ew.Err()
}
