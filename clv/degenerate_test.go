package clv

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestFitDegenerate feeds the fits data that cannot identify their
// parameters, or malformed records: each must return an error of the
// stated kind, never panic and never return an estimate.
func TestFitDegenerate(t *testing.T) {
	money := decimal.RequireFromString
	oneTime := []Customer{{T: 30}, {T: 20}, {T: 39}}
	tests := []struct {
		name string
		fit  func() error
		want error
	}{
		{"BG/NBD no customers", func() error { _, err := FitBGNBD(nil); return err }, ErrNoData},
		{"BG/NBD all one-time buyers", func() error { _, err := FitBGNBD(oneTime); return err }, ErrNoData},
		{"BG/NBD all T = 0", func() error { _, err := FitBGNBD([]Customer{{}, {}}); return err }, ErrNoData},
		{"BG/NBD one customer", func() error {
			_, err := FitBGNBD([]Customer{{Frequency: 3, Recency: 20, T: 39}})
			return err
		}, ErrNotConverged},
		{"BG/NBD negative frequency", func() error { _, err := FitBGNBD([]Customer{{T: 3}, {Frequency: -1, T: 3}}); return err }, ErrInvalidCustomer},
		{"BG/NBD recency beyond T", func() error { _, err := FitBGNBD([]Customer{{Frequency: 1, Recency: 5, T: 3}}); return err }, ErrInvalidCustomer},
		{"BG/NBD NaN T", func() error { _, err := FitBGNBD([]Customer{{T: math.NaN()}}); return err }, ErrInvalidCustomer},
		{"BG/NBD recency without repeats", func() error { _, err := FitBGNBD([]Customer{{Recency: 1, T: 3}}); return err }, ErrInvalidCustomer},
		{"Gamma-Gamma no repeat customers", func() error { _, err := FitGammaGamma(oneTime); return err }, ErrNoData},
		{"Gamma-Gamma one repeat customer", func() error {
			_, err := FitGammaGamma([]Customer{{Frequency: 2, Recency: 3, T: 9, Monetary: money("10")}, {T: 4}})
			return err
		}, ErrNoData},
		{"Gamma-Gamma zero spend", func() error {
			_, err := FitGammaGamma([]Customer{{Frequency: 2, Recency: 3, T: 9, Monetary: money("10")}, {Frequency: 1, Recency: 1, T: 4}})
			return err
		}, ErrInvalidCustomer},
		{"Gamma-Gamma equal spend", func() error {
			_, err := FitGammaGamma([]Customer{{Frequency: 2, Recency: 3, T: 9, Monetary: money("10")}, {Frequency: 1, Recency: 1, T: 4, Monetary: money("10.00")}})
			return err
		}, ErrNoData},
		{"sBG empty", func() error { _, err := FitSBG(nil); return err }, funnel.ErrInvalidParam},
		{"sBG cohort only", func() error { _, err := FitSBG([]int{100}); return err }, funnel.ErrInvalidParam},
		{"sBG zero cohort", func() error { _, err := FitSBG([]int{0, 0}); return err }, funnel.ErrInvalidParam},
		{"sBG increasing", func() error { _, err := FitSBG([]int{100, 80, 90}); return err }, funnel.ErrInvalidParam},
		{"sBG negative", func() error { _, err := FitSBG([]int{100, -1}); return err }, funnel.ErrInvalidParam},
		{"sBG no churn", func() error { _, err := FitSBG([]int{100, 100, 100}); return err }, ErrNoData},
		{"sBG all churn at once", func() error { _, err := FitSBG([]int{100, 0, 0}); return err }, ErrNoData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.fit()
			if !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestCustomerErrorNamesRecord checks that a bad record is named by its
// position and field.
func TestCustomerErrorNamesRecord(t *testing.T) {
	_, err := FitBGNBD([]Customer{{T: 3}, {T: 3}, {Frequency: 1, Recency: 4, T: 3}})
	var ce *CustomerError
	if !errors.As(err, &ce) || ce.Index != 2 || ce.Field != "Recency" {
		t.Errorf("error = %v, want a *CustomerError for customer 2, field Recency", err)
	}
}

// TestPredictionErrors checks the typed errors of the prediction methods.
func TestPredictionErrors(t *testing.T) {
	c := Customer{Frequency: 1, Recency: 2, T: 3}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"zero model", func() error { _, err := BGNBD{}.PAlive(c); return err }, funnel.ErrInvalidParam},
		{"infinite alpha", func() error { _, err := BGNBD{R: 1, Alpha: math.Inf(1), A: 1, B: 1}.LogLikelihood(c); return err }, funnel.ErrInvalidParam},
		{"negative horizon", func() error { _, err := paper.ExpectedPurchases(c, -1); return err }, funnel.ErrInvalidParam},
		{"NaN horizon", func() error { _, err := paper.ProbPurchases(c, 1, math.NaN()); return err }, funnel.ErrInvalidParam},
		{"negative count", func() error { _, err := paper.ProbPurchases(c, -1, 1); return err }, funnel.ErrInvalidParam},
		{"a = 1", func() error { _, err := BGNBD{R: 1, Alpha: 1, A: 1, B: 2}.ExpectedPurchases(c, 1); return err }, ErrUndefined},
		{"bad customer", func() error { _, err := paper.PAlive(Customer{Frequency: -2}); return err }, ErrInvalidCustomer},
		{"holdout max frequency", func() error { _, err := paper.CheckHoldout([]Customer{c}, 1, -1); return err }, funnel.ErrInvalidParam},
		{"holdout negative actual", func() error { _, err := paper.CheckHoldout([]Customer{{T: 1, Holdout: -1}}, 1, 3); return err }, ErrInvalidCustomer},
		{"zero Gamma-Gamma", func() error { _, err := GammaGamma{}.ExpectedSpend(c); return err }, funnel.ErrInvalidParam},
		{"spend q+px <= 1", func() error { _, err := GammaGamma{P: 0.1, Q: 0.5, Gamma: 1}.ExpectedSpend(Customer{T: 1}); return err }, ErrUndefined},
		{"spend without value", func() error { _, err := GammaGamma{P: 1, Q: 2, Gamma: 1}.ExpectedSpend(c); return err }, ErrInvalidCustomer},
		{"sBG zero", func() error { _, err := SBG{}.Survival(1); return err }, funnel.ErrInvalidParam},
		{"sBG negative period", func() error { _, err := SBG{Alpha: 1, Beta: 1}.Survival(-1); return err }, funnel.ErrInvalidParam},
		{"sBG churn period 0", func() error { _, err := SBG{Alpha: 1, Beta: 1}.Churn(0); return err }, funnel.ErrInvalidParam},
		{"sBG retention period 0", func() error { _, err := SBG{Alpha: 1, Beta: 1}.Retention(0); return err }, funnel.ErrInvalidParam},
		{"sBG negative discount", func() error { _, err := SBG{Alpha: 1, Beta: 1}.DiscountedExpectedLifetime(-0.1); return err }, funnel.ErrInvalidParam},
		{"sBG infinite lifetime", func() error { _, err := SBG{Alpha: 1, Beta: 1}.DiscountedExpectedLifetime(0); return err }, ErrUndefined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestFitOptimiserFailure is the regression test of fits whose optimiser
// reports failure: such a fit used to be returned with a nil error (the
// line search stalled, "linesearch: failed to converge", and a small
// gradient was taken for convergence). Now a fit is returned only when the
// optimiser met its own gradient threshold (after restarts, or Newton
// steps from where it stalled) or the likelihood rises towards a bound,
// which the fit says (Diagnostics.AtBound); anything else is a *FitError
// wrapping ErrNotConverged.
func TestFitOptimiserFailure(t *testing.T) {
	// A case that was returned with status "Failure (linesearch: failed to
	// converge)" and a nil error: 20 customers simulated from the CDNOW
	// estimates, seed 5.
	cases := [][]Customer{simulateBGNBD(paper, 20, 39, 12, 5)}
	for seed := uint64(1); seed <= 30; seed++ {
		for _, n := range []int{20, 50, 200, 1000} {
			cases = append(cases, simulateBGNBD(paper, n, 39, 12, seed))
		}
	}
	for i, cs := range cases {
		fit, err := FitBGNBD(cs)
		if err != nil {
			var fe *FitError
			if !errors.As(err, &fe) || !(errors.Is(err, ErrNotConverged) || errors.Is(err, ErrNoData)) {
				t.Errorf("case %d: error %v is not a *FitError of a documented kind", i, err)
			}
			continue
		}
		if strings.Contains(fit.Status, "Failure") && len(fit.AtBound) == 0 {
			t.Errorf("case %d: fit returned with optimiser status %q and no error", i, fit.Status)
		}
		if fit.MaxGradient > convergedGrad*float64(fit.N) {
			t.Errorf("case %d: fit returned with gradient %g", i, fit.MaxGradient)
		}
	}
	// An objective whose gradient never falls below 1e-4 (a kink at the
	// minimum) defeats the line search and the Newton steps: the fit is an
	// error wrapping ErrNotConverged.
	noisy := func(th, grad []float64) float64 {
		f := 0.0
		for i, v := range th {
			f += (v-1)*(v-1) + 1e-4*math.Abs(v-1)
			if grad != nil {
				grad[i] = 2*(v-1) + math.Copysign(1e-4, v-1)
			}
		}
		return f
	}
	_, err := maximise("test", 10, noisy, []float64{5, 0.1}, []string{"x", "y"})
	var fe *FitError
	if !errors.As(err, &fe) || !errors.Is(err, ErrNotConverged) || !strings.Contains(fe.Reason, "optimiser failed") {
		t.Errorf("noisy objective: %v, want a *FitError wrapping ErrNotConverged from the optimiser", err)
	}
}

// TestFitBoundary checks that a fit whose likelihood rises towards a
// bound of the parameter space is returned and says so: two identical
// repeat buyers are best described by a degenerate limit of the BG/NBD
// (every parameter to infinity), which used to be an error.
func TestFitBoundary(t *testing.T) {
	fit, err := FitBGNBD([]Customer{{Frequency: 2, Recency: 10, T: 39}, {Frequency: 2, Recency: 10, T: 39}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"r", "alpha", "a", "b"}, fit.AtBound); diff != "" || fit.Status != "Bound" || fit.StdErr != (BGNBD{}) {
		t.Errorf("boundary fit: %+v (-want +got AtBound):\n%s", fit, diff)
	}
	// The limit fits the data at least as well as any interior point
	// tried: the CDNOW estimate, for one.
	var ll float64
	for _, c := range []Customer{{Frequency: 2, Recency: 10, T: 39}, {Frequency: 2, Recency: 10, T: 39}} {
		v, _ := paper.LogLikelihood(c)
		ll += v
	}
	if fit.LogLik < ll {
		t.Errorf("boundary log-likelihood %v below an interior point's %v", fit.LogLik, ll)
	}
	// An interior fit has no parameter at a bound.
	if fit, err := FitBGNBD(cdnowCustomers(t)); err != nil || len(fit.AtBound) != 0 || fit.AtBound == nil {
		t.Errorf("CDNOW fit: AtBound %v, %v", fit.AtBound, err)
	}
}
