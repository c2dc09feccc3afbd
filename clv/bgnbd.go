package clv

import (
	"fmt"
	"math"

	"github.com/funnelmetrics/funnel"
	"gonum.org/v1/gonum/mathext"
)

// BGNBD holds the parameters of the beta-geometric/negative-binomial
// distribution model of repeat purchasing (Fader, Hardie & Lee 2005,
// "Counting Your Customers the Easy Way: An Alternative to the Pareto/NBD
// Model", Marketing Science 24(2)). While active, a customer buys as a
// Poisson process with rate lambda ~ Gamma(R, Alpha) (shape R, rate Alpha,
// per time unit); after every purchase the customer drops out for good with
// probability p ~ Beta(A, B). All four parameters must be positive and
// finite; the zero BGNBD is invalid and its methods return errors.
type BGNBD struct {
	R     float64 `json:"r"`
	Alpha float64 `json:"alpha"`
	A     float64 `json:"a"`
	B     float64 `json:"b"`
}

// BGNBDFit is a maximum-likelihood fit of the [BGNBD] model.
type BGNBDFit struct {
	// Params is the estimate.
	Params BGNBD `json:"params"`
	// StdErr holds the asymptotic standard errors of the estimates, from
	// the inverse observed information.
	StdErr BGNBD `json:"std_err"`
	// Cov is the asymptotic covariance matrix of the estimates (the
	// inverse observed information) in the order r, alpha, a, b; its
	// diagonal is the square of StdErr. The rows and columns of parameters
	// at a bound are zero. [BGNBDFit.PredictPurchases] and the other
	// predictions with intervals read it.
	Cov         [4][4]float64 `json:"cov"`
	Diagnostics `json:"diagnostics"`
}

func (m BGNBD) check() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"R", m.R}, {"Alpha", m.Alpha}, {"A", m.A}, {"B", m.B}} {
		if !(p.v > 0) || math.IsInf(p.v, 1) {
			return fmt.Errorf("clv: BG/NBD %s = %v must be positive and finite: %w", p.name, p.v, funnel.ErrInvalidParam)
		}
	}
	return nil
}

func checkHorizon(t float64) error {
	if !(t >= 0) || math.IsInf(t, 1) {
		return fmt.Errorf("clv: horizon %v must be finite and >= 0: %w", t, funnel.ErrInvalidParam)
	}
	return nil
}

// LogLikelihood returns the log-likelihood of one customer's summary,
// ln L(r, alpha, a, b | x, t_x, T) of Fader, Hardie & Lee (2005, eq. 6):
//
//	L = Γ(r+x) α^r / Γ(r) · B(a, b+x) / B(a, b) ·
//	    [ (α+T)^-(r+x) + 1{x>0} a/(b+x-1) (α+t_x)^-(r+x) ]
//
// The bracket is summed in log space (log-sum-exp), so the result stays
// finite for any number of purchases. It returns an error wrapping
// [funnel.ErrInvalidParam] or a [*CustomerError] for bad input.
func (m BGNBD) LogLikelihood(c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := c.check(0); err != nil {
		return 0, err
	}
	x := float64(c.Frequency)
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	ll := lgamma(r+x) - lgamma(r) + r*math.Log(al) +
		lgamma(a+b) + lgamma(b+x) - lgamma(b) - lgamma(a+b+x)
	l3 := -(r + x) * math.Log(al+c.T)
	if c.Frequency > 0 {
		l4 := math.Log(a) - math.Log(b+x-1) - (r+x)*math.Log(al+c.Recency)
		return ll + logAddExp(l3, l4), nil
	}
	return ll + l3, nil
}

// bgData is a customer set prepared for repeated likelihood evaluations:
// the terms that depend only on x are computed once per distinct x.
type bgData struct {
	x, tx, T []float64
	group    []int32   // index of the customer's x in ux
	ux       []float64 // distinct frequencies
	cnt      []float64 // customers per distinct frequency
	// per-evaluation scratch, per distinct frequency
	c1, c1r, c2a, c2b, c4, c4b []float64
}

func newBGData(cs []Customer) *bgData {
	d := &bgData{x: make([]float64, len(cs)), tx: make([]float64, len(cs)), T: make([]float64, len(cs)), group: make([]int32, len(cs))}
	idx := map[int]int32{}
	for i, c := range cs {
		g, ok := idx[c.Frequency]
		if !ok {
			g = int32(len(d.ux))
			idx[c.Frequency] = g
			d.ux = append(d.ux, float64(c.Frequency))
			d.cnt = append(d.cnt, 0)
		}
		d.cnt[g]++
		d.group[i] = g
		d.x[i], d.tx[i], d.T[i] = float64(c.Frequency), c.Recency, c.T
	}
	k := len(d.ux)
	d.c1, d.c1r, d.c2a, d.c2b, d.c4, d.c4b = make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k)
	return d
}

// objective returns the negative mean log-likelihood at log-parameters
// th = (ln r, ln alpha, ln a, ln b) and its gradient in th.
func (d *bgData) objective(th, grad []float64) float64 {
	r, al, a, b := math.Exp(th[0]), math.Exp(th[1]), math.Exp(th[2]), math.Exp(th[3])
	if !(r > 0 && al > 0 && a > 0 && b > 0) || math.IsInf(r+al+a+b, 0) {
		clear(grad)
		return math.Inf(1)
	}
	psiR, psiB, psiAB := mathext.Digamma(r), mathext.Digamma(b), mathext.Digamma(a+b)
	lgR, lgB, lgAB := lgamma(r), lgamma(b), lgamma(a+b)
	lnA := math.Log(a)
	var ll, gr, gal, ga, gb float64
	for k, x := range d.ux {
		n := d.cnt[k]
		d.c1[k] = lgamma(r+x) - lgR + lgAB + lgamma(b+x) - lgB - lgamma(a+b+x)
		d.c1r[k] = mathext.Digamma(r+x) - psiR
		psiABX := mathext.Digamma(a + b + x)
		d.c2a[k] = psiAB - psiABX
		d.c2b[k] = psiAB + mathext.Digamma(b+x) - psiB - psiABX
		ll += n * d.c1[k]
		gr += n * d.c1r[k]
		ga += n * d.c2a[k]
		gb += n * d.c2b[k]
		if x > 0 {
			d.c4[k] = lnA - math.Log(b+x-1)
			d.c4b[k] = 1 / (b + x - 1)
		}
	}
	nTot := float64(len(d.x))
	lnAl := math.Log(al)
	ll += nTot * r * lnAl
	gr += nTot * lnAl
	gal += nTot * r / al
	for i, x := range d.x {
		k := d.group[i]
		s := r + x
		lT := math.Log(al + d.T[i])
		l3 := -s * lT
		if x == 0 {
			ll += l3
			gr -= lT
			gal -= s / (al + d.T[i])
			continue
		}
		ltx := math.Log(al + d.tx[i])
		l4 := d.c4[k] - s*ltx
		// log-sum-exp of l3 and l4, with the weights of each term.
		var lse, w3, w4 float64
		if l3 >= l4 {
			e := math.Exp(l4 - l3)
			lse = l3 + math.Log1p(e)
			w4 = e / (1 + e)
			w3 = 1 - w4
		} else {
			e := math.Exp(l3 - l4)
			lse = l4 + math.Log1p(e)
			w3 = e / (1 + e)
			w4 = 1 - w3
		}
		ll += lse
		gr -= w3*lT + w4*ltx
		gal -= s * (w3/(al+d.T[i]) + w4/(al+d.tx[i]))
		ga += w4 / a
		gb -= w4 * d.c4b[k]
	}
	if grad != nil {
		grad[0] = -gr * r / nTot
		grad[1] = -gal * al / nTot
		grad[2] = -ga * a / nTot
		grad[3] = -gb * b / nTot
	}
	if !finite(ll) {
		clear(grad)
		return math.Inf(1)
	}
	return -ll / nTot
}

// FitBGNBD fits the [BGNBD] model to customer summaries by maximum
// likelihood (Fader, Hardie & Lee 2005): BFGS on the logarithms of the
// parameters, with the analytic gradient, then standard errors from the
// observed information. It returns a [*CustomerError] for a malformed
// summary, an error wrapping [ErrNoData] if there are no customers or no
// customer made a repeat purchase (the parameters are then not
// identified), and a [*FitError] wrapping [ErrNotConverged] if the
// optimiser fails (see [Diagnostics]). A fit whose likelihood rises
// towards a bound of the parameter space is returned with the parameters
// at the bound named in Diagnostics.AtBound.
func FitBGNBD(customers []Customer) (BGNBDFit, error) {
	if len(customers) == 0 {
		return BGNBDFit{}, &FitError{Model: "BG/NBD", Reason: "no customers", Err: ErrNoData}
	}
	repeat := false
	meanT := 0.0
	for i, c := range customers {
		if err := c.check(i); err != nil {
			return BGNBDFit{}, err
		}
		repeat = repeat || c.Frequency > 0
		meanT += c.T / float64(len(customers))
	}
	if !repeat {
		return BGNBDFit{}, &FitError{Model: "BG/NBD", Reason: "no repeat purchases", Diagnostics: Diagnostics{N: len(customers)}, Err: ErrNoData}
	}
	if !(meanT > 0) {
		return BGNBDFit{}, &FitError{Model: "BG/NBD", Reason: "all customers have T = 0", Diagnostics: Diagnostics{N: len(customers)}, Err: ErrNoData}
	}
	d := newBGData(customers)
	res, err := maximise("BG/NBD", len(customers), d.objective, []float64{1, meanT, 1, 1}, []string{"r", "alpha", "a", "b"})
	if err != nil {
		return BGNBDFit{}, err
	}
	p := res.params
	fit := BGNBDFit{Params: BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3]}, Diagnostics: res.diag}
	se, cov, err := stdErrors("BG/NBD", len(customers), d.objective, res)
	if err != nil {
		return BGNBDFit{}, err
	}
	fit.StdErr = BGNBD{R: se[0], Alpha: se[1], A: se[2], B: se[3]}
	for i := range fit.Cov {
		copy(fit.Cov[i][:], cov[4*i:4*i+4])
	}
	return fit, nil
}

// logDead returns the log of the odds that a customer with summary c has
// dropped out, given the parameters: ln[a/(b+x-1) ((α+T)/(α+t_x))^(r+x)],
// or -Inf for x = 0 (a customer without repeat purchases is alive).
func (m BGNBD) logDead(c Customer) float64 {
	if c.Frequency == 0 {
		return math.Inf(-1)
	}
	x := float64(c.Frequency)
	return math.Log(m.A) - math.Log(m.B+x-1) + (m.R+x)*(math.Log(m.Alpha+c.T)-math.Log(m.Alpha+c.Recency))
}

// PAlive returns the probability that a customer with summary c is still
// active at the end of calibration (Fader, Hardie & Lee 2005, and their
// 2008 note "Computing P(alive) Using the BG/NBD Model"):
//
//	P(alive) = 1 / (1 + 1{x>0} a/(b+x-1) ((α+T)/(α+t_x))^(r+x))
//
// computed in log space. It returns an error for invalid parameters or
// summary.
func (m BGNBD) PAlive(c Customer) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := c.check(0); err != nil {
		return 0, err
	}
	return math.Exp(-logAddExp(0, m.logDead(c))), nil
}

// ExpectedPurchases returns E[Y(t) | x, t_x, T], the expected number of
// purchases in the next t time units of a customer with summary c (Fader,
// Hardie & Lee 2005, eq. 10):
//
//	E = (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x)
//	    · 2F1(r+x, b+x; a+b+x-1; t/(α+T+t))] · P(alive)
//
// with the Gaussian hypergeometric function 2F1 taken after Euler's
// transformation (so that it stays finite for any x), by its power series
// for z = t/(α+T+t) up to 0.9 and by the transformation to 1 - z beyond,
// so that its cost does not grow with the horizon. The expression is
// singular at a = 1 exactly, which gives an error wrapping [ErrUndefined].
// It also returns an error for invalid parameters, summary or horizon
// (t < 0).
func (m BGNBD) ExpectedPurchases(c Customer, t float64) (float64, error) {
	e, _, err := m.expectedPurchases(c, t)
	return e, err
}

// expectedPurchases is [BGNBD.ExpectedPurchases] that also reports the
// work done by the hypergeometric function (see [hyp2f1Fast]).
func (m BGNBD) expectedPurchases(c Customer, t float64) (float64, int, error) {
	pa, err := m.PAlive(c)
	if err != nil {
		return 0, 0, err
	}
	if err := checkHorizon(t); err != nil {
		return 0, 0, err
	}
	if t == 0 {
		return 0, 0, nil
	}
	if m.A == 1 {
		return 0, 0, fmt.Errorf("clv: BG/NBD expected purchases at a = 1: %w", ErrUndefined)
	}
	// With z = t/(α+T+t), Euler's transformation 2F1(A, B; C; z) =
	// (1-z)^(C-A-B) 2F1(C-A, C-B; C; z) turns the bracket into
	// 1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), whose series has
	// small parameters and no overflow however large x is.
	x := float64(c.Frequency)
	z := t / (m.Alpha + c.T + t)
	cc := m.A + m.B + x - 1
	f, work, ok := hyp2f1Fast(m.A+m.B-1-m.R, m.A-1, cc, z)
	if !ok {
		return 0, work, fmt.Errorf("clv: BG/NBD expected purchases: 2F1 did not converge: %w", ErrUndefined)
	}
	e := cc / (m.A - 1) * (1 - math.Exp((m.A-1)*math.Log1p(-z))*f) * pa
	if !finite(e) || e < 0 {
		return 0, work, fmt.Errorf("clv: BG/NBD expected purchases = %v: %w", e, ErrUndefined)
	}
	return e, work, nil
}

// ExpectedPurchasesNew returns E[X(t)], the expected number of repeat
// purchases in the first t time units of a newly acquired customer (Fader,
// Hardie & Lee 2005, eq. 7):
//
//	E[X(t)] = (a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))]
//
// It is [BGNBD.ExpectedPurchases] of a customer with x = t_x = T = 0.
func (m BGNBD) ExpectedPurchasesNew(t float64) (float64, error) {
	return m.ExpectedPurchases(Customer{}, t)
}

// ProbPurchases returns P(Y(t) = n | x, t_x, T), the probability that a
// customer with summary c makes exactly n purchases in the next t time
// units. It integrates the BG/NBD purchase-count distribution of an active
// customer against the posterior of (lambda, p) given the summary: with
// s = r+x and z = t/(α+T+t),
//
//	P(n) = [ B(a, b+x+n) (α+T)^-s NB(n; s, z)
//	       + 1{n>0} B(a+1, b+x+n-1) (α+T)^-s I_z(n, s)
//	       + 1{n=0, x>0} B(a+1, b+x-1) (α+t_x)^-s ]
//	       / [ B(a, b+x) (α+T)^-s + 1{x>0} B(a+1, b+x-1) (α+t_x)^-s ]
//
// where NB(n; s, z) = Γ(s+n)/(Γ(s) n!) (1-z)^s z^n and I_z is the
// regularized incomplete beta function; all terms are summed in log space.
// The first term is "alive, n purchases, still alive", the second "alive, n
// purchases, then dropped out", the third "already dropped out". It returns
// an error for invalid parameters, summary, horizon or n < 0.
func (m BGNBD) ProbPurchases(c Customer, n int, t float64) (float64, error) {
	if err := m.check(); err != nil {
		return 0, err
	}
	if err := c.check(0); err != nil {
		return 0, err
	}
	if err := checkHorizon(t); err != nil {
		return 0, err
	}
	if n < 0 {
		return 0, fmt.Errorf("clv: purchase count %d is negative: %w", n, funnel.ErrInvalidParam)
	}
	a, b := m.A, m.B
	x := float64(c.Frequency)
	nf := float64(n)
	s := m.R + x
	lnAT := math.Log(m.Alpha + c.T)
	den := m.Alpha + c.T + t
	z := t / den
	lq := math.Log((m.Alpha + c.T) / den)
	lnDead := math.Inf(-1)
	if c.Frequency > 0 {
		lnDead = mathext.Lbeta(a+1, b+x-1) - s*math.Log(m.Alpha+c.Recency)
	}
	lnL := logAddExp(mathext.Lbeta(a, b+x)-s*lnAT, lnDead)

	nb := lgamma(s+nf) - lgamma(s) - lgamma(nf+1) + s*lq
	if n > 0 {
		nb += nf * math.Log(z)
	}
	terms := mathext.Lbeta(a, b+x+nf) - s*lnAT + nb
	if n > 0 {
		terms = logAddExp(terms, mathext.Lbeta(a+1, b+x+nf-1)-s*lnAT+math.Log(mathext.RegIncBeta(nf, s, z)))
	} else {
		terms = logAddExp(terms, lnDead)
	}
	p := math.Exp(terms - lnL)
	if !finite(p) {
		return 0, fmt.Errorf("clv: BG/NBD purchase probability: %w", ErrUndefined)
	}
	return math.Min(p, 1), nil
}

// ProbPurchasesNew returns P(X(t) = n), the probability that a newly
// acquired customer makes exactly n repeat purchases in the first t time
// units (Fader, Hardie & Lee 2005, eq. 8). It is [BGNBD.ProbPurchases] of a
// customer with x = t_x = T = 0.
func (m BGNBD) ProbPurchasesNew(n int, t float64) (float64, error) {
	return m.ProbPurchases(Customer{}, n, t)
}

// HoldoutRow compares predicted and actual holdout purchases for the
// customers with one calibration frequency (or, in the last row, that
// frequency or more).
type HoldoutRow struct {
	Frequency int  `json:"frequency"`
	AndMore   bool `json:"and_more"`
	Customers int  `json:"customers"`
	// Actual and Predicted are mean holdout purchases per customer.
	Actual    float64 `json:"actual"`
	Predicted float64 `json:"predicted"`
}

// HoldoutCheck is the calibration-versus-holdout comparison of a fit
// (Fader, Hardie & Lee 2005, Figure 4): per calibration frequency, and in
// total over all customers.
type HoldoutCheck struct {
	Rows      []HoldoutRow `json:"rows"`
	Actual    int          `json:"actual"`
	Predicted float64      `json:"predicted"`
}

// CheckHoldout predicts every customer's purchases in a holdout period of
// length t that follows calibration, with [BGNBD.ExpectedPurchases], and
// compares them with Customer.Holdout: mean actual and predicted purchases
// per calibration frequency 0, 1, ..., maxFrequency (the last row pools
// maxFrequency and above; rows without customers are left out), and the
// totals. It returns an error for invalid parameters, summaries, horizon or
// a negative maxFrequency.
func (m BGNBD) CheckHoldout(customers []Customer, t float64, maxFrequency int) (HoldoutCheck, error) {
	if maxFrequency < 0 {
		return HoldoutCheck{}, fmt.Errorf("clv: maxFrequency %d is negative: %w", maxFrequency, funnel.ErrInvalidParam)
	}
	rows := make([]HoldoutRow, maxFrequency+1)
	var out HoldoutCheck
	for i, c := range customers {
		if err := c.check(i); err != nil {
			return HoldoutCheck{}, err
		}
		e, err := m.ExpectedPurchases(c, t)
		if err != nil {
			return HoldoutCheck{}, err
		}
		k := min(c.Frequency, maxFrequency)
		rows[k].Customers++
		rows[k].Actual += float64(c.Holdout)
		rows[k].Predicted += e
		out.Actual += c.Holdout
		out.Predicted += e
	}
	for k, r := range rows {
		if r.Customers == 0 {
			continue
		}
		n := float64(r.Customers)
		out.Rows = append(out.Rows, HoldoutRow{Frequency: k, AndMore: k == maxFrequency, Customers: r.Customers, Actual: r.Actual / n, Predicted: r.Predicted / n})
	}
	return out, nil
}
