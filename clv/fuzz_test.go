package clv

import (
	"errors"
	"math"
	"testing"

	"github.com/funnelmetrics/funnel"
)

// FuzzBGNBD checks the BG/NBD predictions' invariants for arbitrary
// parameters and summaries: either a typed error, or finite values with
// P(alive) and P(n) in [0, 1] and E >= 0. Seeds come from the closed-form
// tests and the degenerate cases.
func FuzzBGNBD(f *testing.F) {
	f.Add(0.243, 4.414, 0.793, 2.426, 2, 30.43, 38.86, 39.0, 1)
	f.Add(0.243, 4.414, 0.793, 2.426, 200, 38.0, 39.0, 39.0, 100)
	f.Add(0.243, 4.414, 0.793, 2.426, 0, 0.0, 0.0, 39.0, 0)
	f.Add(1.0, 1.0, 1.0, 1.0, 1, 2.0, 3.0, 1.0, 1)
	f.Add(0.0, 1.0, 1.0, 1.0, 1, 2.0, 1.0, -1.0, -1)
	f.Add(1e-300, 1e300, 50.0, 1e-9, 5000, 1e-6, 1e6, 1e6, 3)
	f.Fuzz(func(t *testing.T, r, alpha, a, b float64, x int, tx, T, h float64, n int) {
		m := BGNBD{R: r, Alpha: alpha, A: a, B: b}
		c := Customer{Frequency: x % 100_000, Recency: tx, T: T}
		kinds := []error{funnel.ErrInvalidParam, ErrInvalidCustomer, ErrUndefined}
		ok := func(err error) bool {
			for _, k := range kinds {
				if errors.Is(err, k) {
					return true
				}
			}
			return false
		}
		if ll, err := m.LogLikelihood(c); err != nil && !ok(err) || err == nil && !finite(ll) {
			t.Fatalf("LogLikelihood(%+v, %+v) = %v, %v", m, c, ll, err)
		}
		if p, err := m.PAlive(c); err != nil && !ok(err) || err == nil && !(p >= 0 && p <= 1) {
			t.Fatalf("PAlive(%+v, %+v) = %v, %v", m, c, p, err)
		}
		if e, err := m.ExpectedPurchases(c, h); err != nil && !ok(err) || err == nil && !(e >= 0 && finite(e)) {
			t.Fatalf("ExpectedPurchases(%+v, %+v, %v) = %v, %v", m, c, h, e, err)
		}
		if p, err := m.ProbPurchases(c, n%1000, h); err != nil && !ok(err) || err == nil && !(p >= 0 && p <= 1) {
			t.Fatalf("ProbPurchases(%+v, %+v, %d, %v) = %v, %v", m, c, n, h, p, err)
		}
	})
}

// FuzzFitSBG checks that the sBG fit never panics and either returns
// finite positive parameters or a typed error, for arbitrary counts.
func FuzzFitSBG(f *testing.F) {
	f.Add([]byte{100, 63, 47, 38, 33, 29, 26, 24})
	f.Add([]byte{100, 100})
	f.Add([]byte{100, 0})
	f.Add([]byte{1, 1, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s := make([]int, len(b))
		for i, v := range b {
			s[i] = int(v)
		}
		fit, err := FitSBG(s)
		if err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, ErrNoData) && !errors.Is(err, ErrNotConverged) {
				t.Fatalf("FitSBG(%v) error %v of no documented kind", s, err)
			}
			return
		}
		p := fit.Params
		if !(p.Alpha > 0 && p.Beta > 0) || math.IsInf(p.Alpha+p.Beta, 0) || !finite(fit.LogLik) {
			t.Fatalf("FitSBG(%v) = %+v", s, fit)
		}
	})
}

// FuzzFitBGNBD fits tiny customer sets built from bytes: no panic, and
// either a typed error or finite positive parameters.
func FuzzFitBGNBD(f *testing.F) {
	f.Add([]byte{2, 30, 39, 0, 0, 39, 1, 2, 20})
	f.Add([]byte{0, 0, 10})
	f.Add([]byte{3, 20, 39})
	f.Add([]byte{5, 5, 5, 5, 5, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		var cs []Customer
		for i := 0; i+2 < len(b) && len(cs) < 50; i += 3 {
			c := Customer{Frequency: int(b[i] % 20), Recency: float64(b[i+1]), T: float64(b[i+2])}
			if c.Frequency == 0 {
				c.Recency = 0
			}
			cs = append(cs, c)
		}
		fit, err := FitBGNBD(cs)
		if err != nil {
			if !errors.Is(err, ErrInvalidCustomer) && !errors.Is(err, ErrNoData) && !errors.Is(err, ErrNotConverged) {
				t.Fatalf("FitBGNBD(%v) error %v of no documented kind", cs, err)
			}
			return
		}
		p := fit.Params
		for _, v := range []float64{p.R, p.Alpha, p.A, p.B, fit.StdErr.R, fit.StdErr.Alpha, fit.StdErr.A, fit.StdErr.B, fit.LogLik} {
			if !finite(v) {
				t.Fatalf("FitBGNBD(%v) = %+v", cs, fit)
			}
		}
	})
}
