package drivers

import (
	"fmt"
	"io"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/textout"
)

// TextRows is the number of drivers per table that WriteText prints.
const TextRows = 20

// String returns the report as text, as written by [Report.WriteText].
func (r Report) String() string {
	return textout.String(r)
}

// WriteText writes the report as text: for each table, its population and
// event rate, then its first [TextRows] drivers in rank order with the
// rates with and without the feature, the odds ratio and its interval, the
// raw and adjusted p-values and the verdict, and how many more there are.
func (r Report) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("Conversion drivers from %s to %s (attribute values: %s", r.Stage, r.To, r.ValueAt)
	if !r.AsOf.IsZero() {
		ew.Printf(", as of %s", r.AsOf.Format(time.RFC3339))
	}
	ew.Printf("): %d deals, %d converted (%s)", r.Conversion.Deals, r.Conversion.Events, rateText(r.Conversion.Rate))
	if r.Conversion.Excluded > 0 {
		ew.Printf("; %d pending left out", r.Conversion.Excluded)
	}
	ew.Printf(".\n")
	writeTable(ew, &r.Conversion, r.Confidence)
	if r.Stall > 0 {
		ew.Printf("Stalling in %s (open in it longer than %s days): %d deals, %d stalled (%s)", r.Stage, format.Days(r.Stall),
			r.Stalling.Deals, r.Stalling.Events, rateText(r.Stalling.Rate))
		if r.Stalling.Excluded > 0 {
			ew.Printf("; %d without an entry time left out", r.Stalling.Excluded)
		}
		ew.Printf(".\n")
		writeTable(ew, &r.Stalling, r.Confidence)
	}
	ew.Printf("Verdicts on Benjamini-Hochberg adjusted p-values; odds ratios with Woolf's %s intervals.\n", format.Level(r.Confidence))
	if in := r.Input; in.Future > 0 || in.Skipped.Count > 0 {
		ew.Printf("%d deals created after the as-of time left out; %d invalid deals skipped.\n", in.Future, in.Skipped.Count)
	}
	return ew.Err()
}

func writeTable(ew *textout.Writer, t *Table, level float64) {
	tw := textout.NewTrimmed()
	fmt.Fprintf(tw, "feature\twith\twithout\todds ratio\t%s CI\tp\tp adj\tverdict\t\n", format.Level(level))
	for i, d := range t.Drivers {
		if i == TextRows {
			break
		}
		or, iv, p, q := "n/a", "", "", ""
		if d.Comparison.Defined {
			or = fmt.Sprintf("%.2f", d.OddsRatio)
			iv = fmt.Sprintf("%.2f..%.2f", d.Interval.Lo, d.Interval.Hi)
			p, q = fmt.Sprintf("%.4f", d.Comparison.PValue), fmt.Sprintf("%.4f", d.PAdjusted)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", featureName(d), d.With.Ratio, d.Without.Ratio, or, iv, p, q, d.Verdict)
	}
	tw.FlushTo(ew)
	if n := len(t.Drivers) - TextRows; n > 0 {
		ew.Printf("... and %d more.\n", n)
	}
	if t.NotAnalysed > 0 {
		ew.Printf("%d values of custom keys beyond the cap were not analysed.\n", t.NotAnalysed)
	}
}

// featureName names a driver: source=web, owner=(unknown), owner=(other),
// owner=ana & product=Pro.
func featureName(d Driver) string {
	one := func(k, v string) string {
		switch {
		case d.Other:
			return k + "=(other)"
		case v == "":
			return k + "=(unknown)"
		}
		return k + "=" + v
	}
	if d.Pair {
		return one(d.Key, d.Value) + " & " + one(d.Key2, d.Value2)
	}
	return one(d.Key, d.Value)
}

func rateText(r funnel.Rate) string {
	p, ok := r.Percent(1)
	if !ok {
		return "n/a"
	}
	s := p.StringFixed(1) + "%"
	if r.Interval.Defined {
		s += fmt.Sprintf(", %s CI %.1f%%..%.1f%%", format.Level(r.Interval.Confidence), 100*r.Interval.Lo, 100*r.Interval.Hi)
	}
	return s
}
