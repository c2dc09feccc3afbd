package trend_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/google/go-cmp/cmp"
)

// TestWriteText checks the text tables of the example deals: the January
// win rate 2/4 with its Wilson interval 15.0%..85.0%, the mean won cycle
// (30 + 56) / 2 = 43 days, the cohorts' shares by age, and the cycle
// curve, whose steps after the four censored deals are those of four
// uncensored durations (R's "even" set of testdata/km.txt: 0.1279..0.9605
// at S = 0.75), with quartiles by the midpoint rule.
func TestWriteText(t *testing.T) {
	s := exScan(funnel.Options{AsOf: exAsOf})
	r, _ := trend.Compute(s, slices.Values(exDeals()), trend.Options{})
	tb, _ := trend.ComputeCohorts(s, slices.Values(exDeals()), trend.CohortOptions{})
	c, _ := trend.ComputeSurvival(s, slices.Values(exDeals()), trend.SurvivalOptions{})
	want := []string{`Deals by created period (month, UTC), as of 2024-03-15T00:00:00Z:
   period  deals  won  lost  open  win rate        95% CI  won/created  won amount  cycle days (won)
  2024-01      4    2     2     0     50.0%  15.0%..85.0%        50.0%        3000              43.0
  2024-02      0    0     0     0       n/a                        n/a           0               n/a
  2024-03      4    0     0     4       n/a                       0.0%           0               n/a
`, `Creation cohorts by month (UTC): share won by age, as of 2024-03-15T00:00:00Z:
   cohort  size     0      1      2
  2024-01     4  0.0%  25.0%  50.0%
  2024-03     4  0.0%
`, `Kaplan-Meier curve of cycle: n=8, 4 events, 4 censored
  p25 days: 23.5 [17.0, 33.0] (95%)
  p50 days: 31.5 [17.0, n/a] (95%)
  p75 days: 44.5 [17.0, n/a] (95%)
  days  at risk  events  censored       S          95% CI
  11.0        8       0         1  1.0000
  12.0        7       0         1  1.0000
  13.0        6       0         1  1.0000
  14.0        5       0         1  1.0000
  17.0        4       1         0  0.7500  0.1279..0.9605
  30.0        3       1         0  0.5000  0.0578..0.8449
  33.0        2       1         0  0.2500  0.0089..0.6653
  56.0        1       1         0  0.0000
`}
	got := []string{r.String(), tb.String(), c.String()}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("text mismatch (-want +got):\n%s", diff)
	}
	// what was left out is said (u has no creation time but is open: by
	// close date it counts as open)
	bad := append(exDeals(), funnel.Deal{ID: "x", Stage: "Nowhere"}, funnel.Deal{ID: "u", Stage: "Lead"})
	ls := exScan(funnel.Options{AsOf: exAsOf, Mode: funnel.Lenient})
	r, _ = trend.Compute(ls, slices.Values(bad), trend.Options{Basis: trend.Closed})
	if out := r.String(); !strings.Contains(out, "Outside the periods: 5 open.") ||
		!strings.Contains(out, "1 invalid deals skipped: funnel: unknown stage (1);") {
		t.Errorf("closed-basis text:\n%s", out)
	}
	// a failing writer's error is returned
	if err := r.WriteText(failWriter{}); !errors.Is(err, errWrite) {
		t.Errorf("WriteText to a failing writer: %v", err)
	}
	if err := c.WriteText(failWriter{}); !errors.Is(err, errWrite) {
		t.Errorf("Curve.WriteText to a failing writer: %v", err)
	}
}

var errWrite = errors.New("write failed")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }
