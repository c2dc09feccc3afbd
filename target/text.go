package target

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

// String returns the ranking as text, as written by [Ranking.WriteText].
func (r Ranking) String() string {
	var b strings.Builder
	_ = r.WriteText(&b)
	return b.String()
}

// WriteText writes the ranking as text: the steps worst first, each with
// its reasons, then what was left out or skipped.
func (r Ranking) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Bottlenecks, worst first (%s intervals, verdicts from %d deals", levelText(r.Confidence), r.MinSample)
	if r.StallAfter > 0 {
		ew.printf(", stalled after %s days", days(r.StallAfter))
	}
	if !r.Report.AsOf.IsZero() {
		ew.printf(", as of %s", r.Report.AsOf.Format(time.RFC3339))
	}
	ew.printf(")\n")
	if len(r.Steps) == 0 {
		ew.printf("  no steps\n")
	}
	for i, s := range r.Steps {
		ew.printf("%3d. %s -> %s\n", i+1, s.From, s.To)
		for _, reason := range s.Reasons {
			ew.printf("       %s\n", reason)
		}
	}
	writeInput(ew, r.Input)
	return ew.err
}

// String returns the evaluation as text, as written by
// [Evaluation.WriteText].
func (e Evaluation) String() string {
	var b strings.Builder
	_ = e.WriteText(&b)
	return b.String()
}

// WriteText writes the evaluation as a text table, one line per target:
// the metric and its stage, the bound and the target, the observed value
// with its interval and sample, attainment, gap and status.
func (e Evaluation) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	what := "Targets"
	if e.Benchmark {
		what = "Benchmarks"
	}
	ew.printf("%s %q", what, e.Set)
	if e.Source != "" {
		ew.printf(" (%s)", e.Source)
	}
	if e.Segment != "" {
		ew.printf(", segment %q", e.Segment)
	}
	if !e.Period.IsZero() {
		ew.printf(", period from %s", e.Period.Format(time.RFC3339))
	}
	ew.printf(" (%s intervals, verdicts from %d deals)\n", levelText(e.Confidence), e.MinSample)
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', tabwriter.AlignRight)
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
	_ = tw.Flush()
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			ew.printf("%s\n", strings.TrimRight(line, " \n"))
		}
	}
	writeInput(ew, e.Input)
	return ew.err
}

func nullText(d decimal.NullDecimal) string {
	if !d.Valid {
		return "n/a"
	}
	return d.Decimal.StringFixed(4)
}

func writeInput(ew *errWriter, in funnel.Input) {
	if in.Future > 0 {
		ew.printf("%d deals created after the as-of time are left out.\n", in.Future)
	}
	if in.Skipped.Count > 0 {
		ew.printf("%d invalid deals skipped:", in.Skipped.Count)
		for _, r := range in.Skipped.Reasons {
			ew.printf(" %s (%d);", r.Reason, r.Count)
		}
		ew.printf("\n")
	}
}
