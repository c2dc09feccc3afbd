package trend

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/textout"
	"github.com/shopspring/decimal"
)

// ci formats an interval as "18.1%..45.4%", or "" when undefined.
func ci(iv funnel.Interval) string {
	if !iv.Defined {
		return ""
	}
	return fmt.Sprintf("%.1f%%..%.1f%%", 100*iv.Lo, 100*iv.Hi)
}

func writeOutside(ew *textout.Writer, o Outside, in funnel.Input) {
	var parts []string
	for _, p := range []struct {
		n    int64
		what string
	}{{o.Undated, "without the basis date"}, {o.Open, "open"}, {o.Before, "before the first period"},
		{o.After, "after the last period"}, {o.Undatable, "outside years 1 to 9999"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) > 0 {
		ew.Printf("Outside the periods: %s.\n", strings.Join(parts, ", "))
	}
	textout.Input(ew, in)
}

// String returns the series as text, as written by [Report.WriteText].
func (r Report) String() string {
	return textout.String(r)
}

// WriteText writes the series as a text table, one line per period: deals,
// won, lost, open, win rate with its interval, won / created, amount won
// and mean won cycle; then what was outside the periods or skipped.
func (r Report) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("Deals by %s period (%s, %s)", r.Basis, r.Period, r.Location)
	if !r.AsOf.IsZero() {
		ew.Printf(", as of %s", r.AsOf.Format(time.RFC3339))
	}
	ew.Printf(":\n")
	tw := textout.NewTrimmed()
	fmt.Fprintf(tw, "period\tdeals\twon\tlost\topen\twin rate\t%s CI\twon/created\twon amount\tcycle days (won)\t\n", format.Level(r.Confidence))
	for _, p := range r.Periods {
		x := &p.Report
		cycle := "n/a"
		if x.CycleWon.Count > 0 {
			cycle = format.Days(x.CycleWon.Mean)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", p.Label, x.Deals, x.Won, x.Lost, x.Open,
			format.Ratio(x.WinRate.Ratio), ci(x.WinRate.Interval), format.Ratio(x.WinRateCreated.Ratio), x.DealSize.Total, cycle)
	}
	tw.FlushTo(ew)
	writeOutside(ew, r.Outside, r.Input)
	return ew.Err()
}

// String returns the values as text, as written by [Values.WriteText].
func (v Values) String() string {
	return textout.String(v)
}

// WriteText writes the metric as a text table, one line per period: the
// value, its change against the period before and the same period a year
// before, each with its p-value, its Benjamini-Hochberg adjusted p-value
// and the verdict on it where the change was tested. Undefined values
// print as "n/a".
func (v Values) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("%s by %s period (%s):\n", v.Metric, v.Basis, v.Period)
	tw := textout.NewTrimmed()
	fmt.Fprintln(tw, "period\tvalue\tvs previous\tp\tp adj\tverdict\tvs year ago\tp\tp adj\tverdict\t")
	k := v.Metric.kind()
	for _, p := range v.Points {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", p.Label, formatValue(k, p.Value), formatChange(k, p.Previous), formatChange(k, p.YearAgo))
	}
	tw.FlushTo(ew)
	return ew.Err()
}

func formatValue(k kind, v Value) string {
	if !v.Defined {
		return "n/a"
	}
	switch k {
	case kindRate:
		return v.Rate.Ratio.String()
	case kindDuration:
		return v.Number.DivRound(decimal.NewFromInt(86400), 1).StringFixed(1) + " d"
	}
	return v.Number.String()
}

// formatChange writes the delta, the p-value, the adjusted p-value and
// the verdict as four tab-separated cells.
func formatChange(k kind, c Change) string {
	if !c.Defined {
		return "n/a\t\t\t"
	}
	var delta string
	switch k {
	case kindRate:
		delta = c.Delta.Mul(decimal.NewFromInt(100)).StringFixed(1) + " pts"
	case kindDuration:
		delta = c.Delta.DivRound(decimal.NewFromInt(86400), 1).StringFixed(1) + " d"
	default:
		delta = c.Delta.String()
	}
	if !strings.HasPrefix(delta, "-") {
		delta = "+" + delta
	}
	if c.Tested {
		return fmt.Sprintf("%s\t%.4f\t%.4f\t%s", delta, c.PValue, c.PAdjusted, c.Verdict)
	}
	return delta + "\t\t\t" + c.Verdict.String()
}

// String returns the table as text, as written by [Table.WriteText].
func (t Table) String() string {
	return textout.String(t)
}

// WriteText writes the cohort table as text: one line per cohort with its
// size and the share won by each age.
func (t Table) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("Creation cohorts by %s (%s): share won by age", t.Period, t.Location)
	if !t.AsOf.IsZero() {
		ew.Printf(", as of %s", t.AsOf.Format(time.RFC3339))
	}
	ew.Printf(":\n")
	ages := 0
	for _, c := range t.Cohorts {
		ages = max(ages, len(c.Ages))
	}
	tw := textout.NewTrimmed()
	fmt.Fprint(tw, "cohort\tsize\t")
	for a := range ages {
		fmt.Fprintf(tw, "%d\t", a)
	}
	fmt.Fprintln(tw)
	loc := locationOr(t.Location)
	for _, c := range t.Cohorts {
		fmt.Fprintf(tw, "%s\t%d\t", t.Calendar.Label(t.Period, c.Start, loc), c.Size)
		for a := range ages {
			if a < len(c.Ages) {
				fmt.Fprintf(tw, "%s\t", format.Ratio(c.Ages[a].Rate.Ratio))
			} else {
				fmt.Fprint(tw, "\t")
			}
		}
		fmt.Fprintln(tw)
	}
	tw.FlushTo(ew)
	if t.Undated > 0 || t.WonUndated > 0 || t.Beyond > 0 {
		ew.Printf("%d deals without a creation time; %d won without a close time; %d won after age %d.\n", t.Undated, t.WonUndated, t.Beyond, t.MaxAge)
	}
	textout.Input(ew, t.Input)
	return ew.Err()
}

// locationOr returns the named zone, or UTC when it cannot be loaded.
func locationOr(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// String returns the curve as text, as written by [Curve.WriteText].
func (c Curve) String() string {
	return textout.String(c)
}

// WriteText writes the curve as text: what it measures, its counts, the
// median and quartiles with their intervals, then one line per step with
// the time in days, the units at risk, events, censored, S and its
// interval.
func (c Curve) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("Kaplan-Meier curve of %s", c.Measure)
	if c.Stage != "" {
		ew.Printf(" %q", string(c.Stage))
	}
	ew.Printf(": n=%d, %d events, %d censored", c.N, c.Events, c.Censored)
	if c.Untimed > 0 || c.NotEntered > 0 {
		ew.Printf(" (%d untimed, %d never entered the stage)", c.Untimed, c.NotEntered)
	}
	ew.Printf("\n")
	for _, p := range []float64{0.25, 0.5, 0.75} {
		q, _ := c.Quantile(p)
		ew.Printf("  p%02.0f days: %s [%s, %s] (%s)\n", 100*p, qdays(q.At, q.Defined), qdays(q.Lo, q.LoDefined), qdays(q.Hi, q.HiDefined), format.Level(c.Confidence))
	}
	tw := textout.NewTrimmed()
	fmt.Fprintf(tw, "days\tat risk\tevents\tcensored\tS\t%s CI\t\n", format.Level(c.Confidence))
	for _, s := range c.Steps {
		iv := ""
		if s.Interval.Defined {
			iv = fmt.Sprintf("%.4f..%.4f", s.Interval.Lo, s.Interval.Hi)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.4f\t%s\t\n", format.Days(s.At), s.AtRisk, s.Events, s.Censored, s.Survival, iv)
	}
	tw.FlushTo(ew)
	textout.Input(ew, c.Input)
	return ew.Err()
}

func qdays(d time.Duration, ok bool) string {
	if !ok {
		return "n/a"
	}
	return format.Days(d)
}
