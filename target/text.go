package target

import (
	"fmt"
	"io"
	"time"

	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/textout"
	"github.com/shopspring/decimal"
)

// String returns the ranking as text, as written by [Ranking.WriteText].
func (r Ranking) String() string {
	return textout.String(r)
}

// WriteText writes the ranking as text: the steps worst first, each with
// its reasons, then what was left out or skipped.
func (r Ranking) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("Bottlenecks, worst first (%s intervals, verdicts from %d deals", format.Level(r.Confidence), r.MinSample)
	if r.StallAfter > 0 {
		ew.Printf(", stalled after %s days", days(r.StallAfter))
	}
	if !r.Report.AsOf.IsZero() {
		ew.Printf(", as of %s", r.Report.AsOf.Format(time.RFC3339))
	}
	ew.Printf(")\n")
	if len(r.Steps) == 0 {
		ew.Printf("  no steps\n")
	}
	for i, s := range r.Steps {
		ew.Printf("%3d. %s -> %s\n", i+1, s.From, s.To)
		for _, reason := range s.Reasons {
			ew.Printf("       %s\n", reason)
		}
	}
	textout.Input(ew, r.Input)
	return ew.Err()
}

// String returns the evaluation as text, as written by
// [Evaluation.WriteText].
func (e Evaluation) String() string {
	return textout.String(e)
}

// WriteText writes the evaluation as a text table, one line per target:
// the metric and its stage, the bound and the target, the observed value
// with its interval and sample, attainment, gap and status.
func (e Evaluation) WriteText(w io.Writer) error {
	ew := textout.New(w)
	what := "Targets"
	if e.Benchmark {
		what = "Benchmarks"
	}
	ew.Printf("%s %q", what, e.Set)
	if e.Source != "" {
		ew.Printf(" (%s)", e.Source)
	}
	if e.Segment != "" {
		ew.Printf(", segment %q", e.Segment)
	}
	if !e.Period.IsZero() {
		ew.Printf(", period from %s", e.Period.Format(time.RFC3339))
	}
	ew.Printf(" (%s intervals, verdicts from %d deals)\n", format.Level(e.Confidence), e.MinSample)
	tw := textout.NewTrimmed()
	fmt.Fprintln(tw, "metric\tstage\tbound\ttarget\tobserved\tinterval\tn\tattainment\tgap\tstatus\t")
	for _, res := range e.Results {
		t, o := res.Target, res.Observed
		obs, iv := "n/a", ""
		if o.Defined {
			obs = o.Value.StringFixed(4)
			if t.Metric.IsRate() {
				obs = pctText(o.Value)
			}
		}
		if o.Rate.Interval.Defined {
			iv = floatPct(o.Rate.Interval.Lo) + ".." + floatPct(o.Rate.Interval.Hi)
		}
		target := t.Value.String()
		if t.Metric.IsRate() {
			target = pctText(t.Value)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", t.Metric, t.Stage, t.Bound, target, obs, iv, o.N,
			nullText(res.Attainment), nullText(res.Gap), res.Status)
	}
	tw.FlushTo(ew)
	textout.Input(ew, e.Input)
	return ew.Err()
}

func nullText(d decimal.NullDecimal) string {
	if !d.Valid {
		return "n/a"
	}
	return d.Decimal.StringFixed(4)
}
