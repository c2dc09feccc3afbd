package trend

import (
	"errors"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestSurvivalCompare compares the sales cycles of two groups of deals by
// the log-rank test, worked out by hand. A: two deals closed after 1 and
// 2 days. B: one closed after 3 days and one open, 4 days old at the
// as-of time (censored). At day 1, 2 of A and 2 of B are at risk and A
// has the event: E_A = 2/4, V = (2/4)(2/4)(3/3) = 1/4. At day 2: 1 and 2
// at risk, A's event: E_A = 1/3, V = (1/3)(2/3)(2/2) = 2/9. At day 3 only
// B is at risk: nothing expected of A, no variance. So O_A = 2, E_A =
// 5/6, E_B = 3 - 5/6 = 13/6, V = 17/36, chi-square (7/6)^2 / V = 49/17,
// Z = 7/sqrt(17) = 1.697749 (A has more events than expected: shorter),
// p = erfc(Z/sqrt 2) = 0.0895551 (Python's math.erfc): no difference at
// 95%, and withheld under the default minimum sample of 30.
func TestSurvivalCompare(t *testing.T) {
	f := mustFunnel(t, "Lead")
	asOf := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	created := asOf.AddDate(0, 0, -4)
	deal := func(id string, closedAfter int) funnel.Deal {
		d := funnel.Deal{ID: id, Stage: "Lead", Created: created, Amount: decimal.NewFromInt(1)}
		if closedAfter > 0 {
			d.Outcome, d.Closed = funnel.Won, created.AddDate(0, 0, closedAfter)
		}
		return d
	}
	groups := func(s *funnel.Scan) (*Survival, *Survival) {
		a, err := NewSurvival(s, SurvivalOptions{Measure: Cycle})
		if err != nil {
			t.Fatal(err)
		}
		b := a.Fresh().(*Survival)
		for _, d := range []funnel.Deal{deal("a1", 1), deal("a2", 2)} {
			if err := a.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		for _, d := range []funnel.Deal{deal("b1", 3), deal("b2", 0)} {
			if err := b.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		return a, b
	}
	a, b := groups(mustScan(t, f, funnel.Options{AsOf: asOf, Test: funnel.Test{MinSample: 2}}))
	got, err := a.Compare(b)
	if err != nil {
		t.Fatal(err)
	}
	want := funnel.DurationComparison{A: 2, B: 2, EventsA: 2, EventsB: 1, Defined: true,
		ExpectedA: 5.0 / 6, ExpectedB: 13.0 / 6, Variance: 17.0 / 36, ChiSquare: 49.0 / 17,
		Z: 1.697749375254331, PValue: 0.0895550744136426, PAdjusted: 0.0895550744136426, Verdict: funnel.NoDifference}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("A against B (-want +got):\n%s", diff)
	}
	// the other way round: the same test, mirrored
	back, err := b.Compare(a)
	if err != nil {
		t.Fatal(err)
	}
	mirror := funnel.DurationComparison{A: 2, B: 2, EventsA: 1, EventsB: 2, Defined: true,
		ExpectedA: 13.0 / 6, ExpectedB: 5.0 / 6, Variance: 17.0 / 36, ChiSquare: 49.0 / 17,
		Z: -1.697749375254331, PValue: 0.0895550744136426, PAdjusted: 0.0895550744136426, Verdict: funnel.NoDifference}
	if diff := cmp.Diff(mirror, back, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("B against A (-want +got):\n%s", diff)
	}
	// the default minimum sample withholds the verdict
	a30, b30 := groups(mustScan(t, f, funnel.Options{AsOf: asOf}))
	if c, err := a30.Compare(b30); err != nil || c.Verdict != funnel.Withheld || c.PValue != want.PValue {
		t.Errorf("minimum sample 30: %+v, %v", c, err)
	}
	// another measure is another test
	win, err := NewSurvival(a.s, SurvivalOptions{Measure: TimeToWin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Compare(win); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("cycle against time to win: %v, want ErrIncompatible", err)
	}
	if _, err := a.Compare(nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("against nil: %v, want ErrInvalidParam", err)
	}
}
