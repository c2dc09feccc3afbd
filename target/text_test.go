package target_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/target"
)

func TestEvaluationText(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	r, err := funnel.Compute(f, values(handDeals()), funnel.Options{AsOf: day(20)})
	if err != nil {
		t.Fatal(err)
	}
	set := target.Set{Name: "peers", Source: "survey", Benchmark: true, Targets: []target.Target{
		{Metric: target.WinRate, Value: dec("0.6")},
		{Metric: target.CycleDays, Bound: target.AtMost, Value: dec("5")},
		{Metric: target.TimeInStageDays, Stage: "Z", Bound: target.AtMost, Value: dec("1")},
	}}
	e, err := set.Evaluate(r, "EMEA", t0, funnel.Test{})
	if err != nil {
		t.Fatal(err)
	}
	// win rate 2/4 (Wilson 15.0%-85.0%), attainment 0.5 / 0.6; cycle
	// 6.5 days, attainment 5 / 6.5 = 0.7692307692
	want := `Benchmarks "peers" (survey), segment "EMEA", period from 2024-01-01T00:00:00Z (95% intervals, verdicts from 30 deals)
              metric  stage     bound  target  observed      interval  n  attainment      gap   status
            win_rate         at_least   60.0%     50.0%  15.0%..85.0%  4      0.8333  -0.1000    watch
          cycle_days          at_most       5    6.5000                2      0.7692   1.5000    watch
  time_in_stage_days      Z   at_most       1       n/a                0         n/a      n/a  no data
`
	if got := e.String(); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	boom := errors.New("boom")
	if err := e.WriteText(failing{boom}); !errors.Is(err, boom) {
		t.Errorf("WriteText to a failing writer = %v", err)
	}
	rk, _ := target.Rank(mustScan(t, f, funnel.Options{}), values(nil), target.Options{})
	if err := rk.WriteText(failing{boom}); !errors.Is(err, boom) {
		t.Errorf("Ranking.WriteText to a failing writer = %v", err)
	}
	if got := (target.Ranking{}).String(); !strings.Contains(got, "no steps") {
		t.Errorf("empty ranking text %q", got)
	}
}

type failing struct{ err error }

func (f failing) Write([]byte) (int, error) { return 0, f.err }
