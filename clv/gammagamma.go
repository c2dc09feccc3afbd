package clv

import (
	"fmt"
	"math"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/mathext"
)

// GammaGamma holds the parameters of the Gamma-Gamma model of monetary
// value (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value";
// Fader, Hardie & Lee 2005, "RFM and CLV", J. Marketing Research 42(4)). A
// customer's purchase values are Gamma(P, nu) with a per-customer rate nu ~
// Gamma(Q, Gamma), independent of the purchase process, so the mean value of
// a customer's x purchases, zbar, has density
//
//	f(zbar | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q x^(px) zbar^(px-1) / (γ + x zbar)^(px+q)
//
// All three parameters must be positive and finite.
type GammaGamma struct {
	P     float64 `json:"p"`
	Q     float64 `json:"q"`
	Gamma float64 `json:"gamma"`
}

// GammaGammaFit is a maximum-likelihood fit of the [GammaGamma] model.
type GammaGammaFit struct {
	// Params is the estimate.
	Params GammaGamma `json:"params"`
	// StdErr holds the asymptotic standard errors, from the inverse
	// observed information.
	StdErr GammaGamma `json:"std_err"`
	// Cov is the asymptotic covariance matrix of the estimates (the
	// inverse observed information) in the order p, q, gamma; its
	// diagonal is the square of StdErr. The rows and columns of parameters
	// at a bound are zero. [PredictCLV] reads it.
	Cov         [3][3]float64 `json:"cov"`
	Diagnostics `json:"diagnostics"`
}

func (g GammaGamma) check() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"P", g.P}, {"Q", g.Q}, {"Gamma", g.Gamma}} {
		if !(p.v > 0) || math.IsInf(p.v, 1) {
			return fmt.Errorf("clv: Gamma-Gamma %s = %v must be positive and finite: %w", p.name, p.v, funnel.ErrInvalidParam)
		}
	}
	return nil
}

// spend returns zbar as a float, and an error for a repeat customer whose
// mean value is not positive.
func spend(c Customer, i int) (float64, error) {
	z, _ := c.Monetary.Float64()
	if !(z > 0) || math.IsInf(z, 1) {
		return 0, &CustomerError{Index: i, Field: "Monetary", Reason: "is not positive for a repeat customer", Err: ErrInvalidCustomer}
	}
	return z, nil
}

// ggData holds the repeat customers' (x, zbar) for likelihood evaluations.
type ggData struct {
	x, lnx, z, lnz []float64
}

// objective returns the negative mean log-likelihood at log-parameters
// (ln p, ln q, ln gamma) and its gradient.
func (d *ggData) objective(th, grad []float64) float64 {
	p, q, g := math.Exp(th[0]), math.Exp(th[1]), math.Exp(th[2])
	if !(p > 0 && q > 0 && g > 0) || math.IsInf(p+q+g, 0) {
		clear(grad)
		return math.Inf(1)
	}
	lnG := math.Log(g)
	lgQ, psiQ := lgamma(q), mathext.Digamma(q)
	var ll, gp, gq, gg float64
	for i, x := range d.x {
		px := p * x
		lw := math.Log(g + x*d.z[i])
		ll += lgamma(px+q) - lgamma(px) - lgQ + q*lnG + px*d.lnx[i] + (px-1)*d.lnz[i] - (px+q)*lw
		psiPQ := mathext.Digamma(px + q)
		gp += x * (psiPQ - mathext.Digamma(px) + d.lnx[i] + d.lnz[i] - lw)
		gq += psiPQ - psiQ + lnG - lw
		gg += q/g - (px+q)/(g+x*d.z[i])
	}
	n := float64(len(d.x))
	if grad != nil {
		grad[0] = -gp * p / n
		grad[1] = -gq * q / n
		grad[2] = -gg * g / n
	}
	if !finite(ll) {
		clear(grad)
		return math.Inf(1)
	}
	return -ll / n
}

// FitGammaGamma fits the [GammaGamma] model by maximum likelihood to the
// customers with at least one repeat purchase (Frequency > 0, using
// Monetary as zbar); the others carry no information on spend and are
// skipped. It returns a [*CustomerError] for a malformed summary or a repeat
// customer whose Monetary is not positive, an error wrapping [ErrNoData] if
// fewer than two customers made repeat purchases or all their zbar are
// equal (the spread, and so q and gamma, is then not identified), and a
// [*FitError] wrapping [ErrNotConverged] if the optimiser fails. A fit at a
// bound of the parameter space says so in Diagnostics.AtBound.
func FitGammaGamma(customers []Customer) (GammaGammaFit, error) {
	d := &ggData{}
	for i, c := range customers {
		if err := c.check(i); err != nil {
			return GammaGammaFit{}, err
		}
		if c.Frequency == 0 {
			continue
		}
		z, err := spend(c, i)
		if err != nil {
			return GammaGammaFit{}, err
		}
		x := float64(c.Frequency)
		d.x, d.lnx, d.z, d.lnz = append(d.x, x), append(d.lnx, math.Log(x)), append(d.z, z), append(d.lnz, math.Log(z))
	}
	n := len(d.x)
	if n < 2 {
		return GammaGammaFit{}, &FitError{Model: "Gamma-Gamma", Reason: fmt.Sprintf("%d repeat customers, need 2", n), Diagnostics: Diagnostics{N: n}, Err: ErrNoData}
	}
	mean, spread := 0.0, false
	for _, z := range d.z {
		mean += z / float64(n)
		spread = spread || z != d.z[0]
	}
	if !spread {
		return GammaGammaFit{}, &FitError{Model: "Gamma-Gamma", Reason: "all repeat customers have the same mean spend", Diagnostics: Diagnostics{N: n}, Err: ErrNoData}
	}
	res, err := maximise("Gamma-Gamma", n, d.objective, []float64{1, 2, mean}, []string{"p", "q", "gamma"})
	if err != nil {
		return GammaGammaFit{}, err
	}
	p := res.params
	fit := GammaGammaFit{Params: GammaGamma{P: p[0], Q: p[1], Gamma: p[2]}, Diagnostics: res.diag}
	se, cov, err := stdErrors("Gamma-Gamma", n, d.objective, res)
	if err != nil {
		return GammaGammaFit{}, err
	}
	fit.StdErr = GammaGamma{P: se[0], Q: se[1], Gamma: se[2]}
	for i := range fit.Cov {
		copy(fit.Cov[i][:], cov[3*i:3*i+3])
	}
	return fit, nil
}

// MeanSpend returns the population mean purchase value, E[Z] = p γ / (q-1)
// (Fader & Hardie 2013). It returns an error wrapping [ErrUndefined] when
// q <= 1 (the mean is infinite), or [funnel.ErrInvalidParam]. The result is rounded
// to 6 decimal places.
func (g GammaGamma) MeanSpend() (decimal.Decimal, error) {
	if err := g.check(); err != nil {
		return decimal.Decimal{}, err
	}
	if g.Q <= 1 {
		return decimal.Decimal{}, fmt.Errorf("clv: Gamma-Gamma mean spend with q = %v <= 1: %w", g.Q, ErrUndefined)
	}
	return toMoney(g.P * g.Gamma / (g.Q - 1))
}

// ExpectedSpend returns the expected value of a customer's purchases given
// x repeat purchases of mean zbar (Fader & Hardie 2013, eq. 5):
//
//	E[Z | x, zbar] = p (γ + x zbar) / (p x + q - 1)
//
// a weighted mean of the population mean p γ/(q-1) and zbar. For x = 0 it
// is the population mean ([GammaGamma.MeanSpend]). It returns an error
// wrapping [ErrUndefined] when p x + q <= 1, a [*CustomerError] for a repeat
// customer whose Monetary is not positive, or [funnel.ErrInvalidParam]. The result
// is rounded to 6 decimal places.
func (g GammaGamma) ExpectedSpend(c Customer) (decimal.Decimal, error) {
	v, err := g.expectedSpend(c)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return toMoney(v)
}

func (g GammaGamma) expectedSpend(c Customer) (float64, error) {
	if err := g.check(); err != nil {
		return 0, err
	}
	if err := c.check(0); err != nil {
		return 0, err
	}
	x, z := float64(c.Frequency), 0.0
	if c.Frequency > 0 {
		var err error
		if z, err = spend(c, 0); err != nil {
			return 0, err
		}
	}
	den := g.P*x + g.Q - 1
	if den <= 0 {
		return 0, fmt.Errorf("clv: Gamma-Gamma expected spend with p x + q = %v <= 1: %w", den+1, ErrUndefined)
	}
	return g.P * (g.Gamma + x*z) / den, nil
}
