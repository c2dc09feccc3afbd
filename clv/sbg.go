package clv

import (
	"fmt"
	"math"

	"github.com/funnelmetrics/funnel"
	"gonum.org/v1/gonum/mathext"
)

// SBG holds the parameters of the shifted-beta-geometric model of
// contractual retention (Fader & Hardie 2007, "How to Project Customer
// Retention", J. Interactive Marketing 21(1)). At the end of every period
// an active customer churns with a probability theta that is constant for
// that customer, and theta ~ Beta(Alpha, Beta) across customers. Periods are
// numbered from 1; a customer acquired at time 0 is active in period 1. Both
// parameters must be positive and finite.
type SBG struct {
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta"`
}

// SBGFit is a maximum-likelihood fit of the [SBG] model.
type SBGFit struct {
	// Params is the estimate.
	Params SBG `json:"params"`
	// StdErr holds the asymptotic standard errors, from the inverse
	// observed information.
	StdErr SBG `json:"std_err"`
	// Cov is the asymptotic covariance matrix of the estimates (the
	// inverse observed information) in the order alpha, beta; its diagonal
	// is the square of StdErr. The rows and columns of parameters at a
	// bound are zero.
	Cov         [2][2]float64 `json:"cov"`
	Diagnostics `json:"diagnostics"`
}

func (m SBG) check() error {
	if !(m.Alpha > 0) || math.IsInf(m.Alpha, 1) || !(m.Beta > 0) || math.IsInf(m.Beta, 1) {
		return fmt.Errorf("clv: sBG alpha = %v, beta = %v must be positive and finite: %w", m.Alpha, m.Beta, funnel.ErrInvalidParam)
	}
	return nil
}

// sbgData holds a survivor series for likelihood evaluations.
type sbgData struct {
	lost []float64 // customers lost in period t = 1..T (index t-1)
	left float64   // customers still active after period T
	n    float64   // cohort size
}

// objective returns the negative log-likelihood per customer at
// (ln alpha, ln beta) and its gradient:
// LL = sum_t lost_t ln P(T=t) + left ln S(T), with
// P(T=t) = B(α+1, β+t-1)/B(α,β) and S(t) = B(α, β+t)/B(α,β).
func (d *sbgData) objective(th, grad []float64) float64 {
	al, be := math.Exp(th[0]), math.Exp(th[1])
	if !(al > 0 && be > 0) || math.IsInf(al+be, 0) {
		clear(grad)
		return math.Inf(1)
	}
	lb := mathext.Lbeta(al, be)
	psiA, psiB, psiAB := mathext.Digamma(al), mathext.Digamma(be), mathext.Digamma(al+be)
	psiA1 := mathext.Digamma(al + 1)
	var ll, ga, gb float64
	for i, k := range d.lost {
		if k == 0 {
			continue
		}
		t := float64(i + 1)
		ll += k * (mathext.Lbeta(al+1, be+t-1) - lb)
		psiABT := mathext.Digamma(al + be + t)
		ga += k * (psiA1 - psiABT - psiA + psiAB)
		gb += k * (mathext.Digamma(be+t-1) - psiABT - psiB + psiAB)
	}
	if d.left > 0 {
		t := float64(len(d.lost))
		ll += d.left * (mathext.Lbeta(al, be+t) - lb)
		psiABT := mathext.Digamma(al + be + t)
		ga += d.left * (psiA - psiABT - psiA + psiAB)
		gb += d.left * (mathext.Digamma(be+t) - psiABT - psiB + psiAB)
	}
	if grad != nil {
		grad[0] = -ga * al / d.n
		grad[1] = -gb * be / d.n
	}
	if !finite(ll) {
		clear(grad)
		return math.Inf(1)
	}
	return -ll / d.n
}

// FitSBG fits the [SBG] model by maximum likelihood to the survivor counts
// of one cohort: survivors[0] customers acquired at time 0, survivors[t]
// still active after t periods. It returns an error wrapping
// [funnel.ErrInvalidParam] if there are fewer than two counts, the first is not
// positive, or the counts are negative or increase; an error wrapping
// [ErrNoData] if no customer churned or every customer churned in the first
// period (the estimate is then at the boundary); and a [*FitError] wrapping
// [ErrNotConverged] if the optimiser fails. A fit at a bound of the
// parameter space says so in Diagnostics.AtBound. Diagnostics.N is the
// cohort size.
func FitSBG(survivors []int) (SBGFit, error) {
	if len(survivors) < 2 || survivors[0] <= 0 {
		return SBGFit{}, fmt.Errorf("clv: sBG needs a positive cohort and at least one later count, got %v: %w", survivors, funnel.ErrInvalidParam)
	}
	d := &sbgData{n: float64(survivors[0])}
	for t := 1; t < len(survivors); t++ {
		if survivors[t] < 0 || survivors[t] > survivors[t-1] {
			return SBGFit{}, fmt.Errorf("clv: sBG survivors[%d] = %d after %d: counts must be non-negative and non-increasing: %w", t, survivors[t], survivors[t-1], funnel.ErrInvalidParam)
		}
		d.lost = append(d.lost, float64(survivors[t-1]-survivors[t]))
	}
	d.left = float64(survivors[len(survivors)-1])
	if d.left == d.n {
		return SBGFit{}, &FitError{Model: "sBG", Reason: "no customer churned", Diagnostics: Diagnostics{N: survivors[0]}, Err: ErrNoData}
	}
	if survivors[1] == 0 {
		return SBGFit{}, &FitError{Model: "sBG", Reason: "every customer churned in the first period", Diagnostics: Diagnostics{N: survivors[0]}, Err: ErrNoData}
	}
	res, err := maximise("sBG", survivors[0], d.objective, []float64{1, 1}, []string{"alpha", "beta"})
	if err != nil {
		return SBGFit{}, err
	}
	fit := SBGFit{Params: SBG{Alpha: res.params[0], Beta: res.params[1]}, Diagnostics: res.diag}
	se, cov, err := stdErrors("sBG", survivors[0], d.objective, res)
	if err != nil {
		return SBGFit{}, err
	}
	fit.StdErr = SBG{Alpha: se[0], Beta: se[1]}
	fit.Cov = [2][2]float64{{cov[0], cov[1]}, {cov[2], cov[3]}}
	return fit, nil
}

// Survival returns S(t), the share of a cohort still active after t
// periods: S(t) = B(α, β+t) / B(α, β), with S(0) = 1 (Fader & Hardie 2007,
// eq. 5). It returns an error for invalid parameters or t < 0.
func (m SBG) Survival(t int) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if t < 0 {
		return 0, fmt.Errorf("clv: sBG period %d is negative: %w", t, funnel.ErrInvalidParam)
	}
	return math.Exp(mathext.Lbeta(m.Alpha, m.Beta+float64(t)) - mathext.Lbeta(m.Alpha, m.Beta)), nil
}

// Churn returns P(T = t), the share of a cohort that churns at the end of
// period t >= 1: B(α+1, β+t-1) / B(α, β) (Fader & Hardie 2007, eq. 4). It
// returns an error for invalid parameters or t < 1.
func (m SBG) Churn(t int) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if t < 1 {
		return 0, fmt.Errorf("clv: sBG churn period %d must be >= 1: %w", t, funnel.ErrInvalidParam)
	}
	return math.Exp(mathext.Lbeta(m.Alpha+1, m.Beta+float64(t)-1) - mathext.Lbeta(m.Alpha, m.Beta)), nil
}

// Retention returns the retention rate of period t >= 1, the share of the
// customers active in period t-1 who are still active after period t:
// r_t = S(t)/S(t-1) = (β + t - 1) / (α + β + t - 1) (Fader & Hardie 2007,
// eq. 6). It rises with t as the churn-prone customers leave. It returns an
// error for invalid parameters or t < 1.
func (m SBG) Retention(t int) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if t < 1 {
		return 0, fmt.Errorf("clv: sBG retention period %d must be >= 1: %w", t, funnel.ErrInvalidParam)
	}
	tf := float64(t)
	return (m.Beta + tf - 1) / (m.Alpha + m.Beta + tf - 1), nil
}

// ExpectedLifetime returns the mean number of periods a new customer stays
// active, E[T] = sum_{t>=0} S(t) = (α + β - 1) / (α - 1). It returns an
// error wrapping [ErrUndefined] when α <= 1 (the mean is infinite: use
// [SBG.DiscountedExpectedLifetime]), or [funnel.ErrInvalidParam].
func (m SBG) ExpectedLifetime() (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if m.Alpha <= 1 {
		return 0, fmt.Errorf("clv: sBG mean lifetime with alpha = %v <= 1 is infinite: %w", m.Alpha, ErrUndefined)
	}
	return (m.Alpha + m.Beta - 1) / (m.Alpha - 1), nil
}

// DiscountedExpectedLifetime returns the discounted expected lifetime of a
// new customer, DEL = sum_{t>=0} S(t) / (1+d)^t = 2F1(1, β; α+β; 1/(1+d))
// (Fader & Hardie 2010, "Customer-Base Valuation in a Contractual Setting:
// The Perils of Ignoring Heterogeneity", Marketing Science 29(1)), the
// number of discounted payments a customer who pays at the start of every
// period makes. Times a per-period margin, it is the contractual CLV. d is
// the per-period discount rate; d = 0 gives [SBG.ExpectedLifetime]. It
// returns an error for invalid parameters or d < 0.
func (m SBG) DiscountedExpectedLifetime(d float64) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if !(d >= 0) || math.IsInf(d, 1) {
		return 0, fmt.Errorf("clv: discount rate %v must be finite and >= 0: %w", d, funnel.ErrInvalidParam)
	}
	if d == 0 {
		return m.ExpectedLifetime()
	}
	v, _, ok := hyp2f1Fast(1, m.Beta, m.Alpha+m.Beta, 1/(1+d))
	if !ok || v < 1 {
		return 0, fmt.Errorf("clv: sBG discounted lifetime: %w", ErrUndefined)
	}
	return v, nil
}
