// Package clv measures and predicts customer lifetime value (CLV) from
// purchases: the transaction log and what it shows of the past (historical
// CLV, acquisition cohorts and retention), and the buy-till-you-die models
// fitted to its recency-frequency-monetary summary to predict the future.
// The formula CLVs (simple, margin multiple, contractual) are in the root
// package: funnel.CLVSimple, funnel.CLVMarginMultiple, funnel.CLVContractual.
//
// # Transaction log
//
// A [Log] accumulates [Transaction] values (customer, time, amount) from
// any source; a [DealLog] builds one from won deals, one transaction per
// won deal of an account, as a [funnel.Accumulator] over the one validated
// scan of the deals (as of the scan's as-of time, in its currency, every
// deal read counted in Input). Both merge exactly and travel as bytes. From
// a log:
//
//   - [Log.Historical]: each customer's revenue and margin so far
//     (historical CLV), in one pass over the transactions;
//   - [Log.Cohorts]: acquisition cohorts by [funnel.Period], with the share
//     of each cohort active at every age (customer retention) and its
//     cumulative revenue per customer, as [funnel.Cohort] rows;
//   - [Log.RFM]: the [Customer] summaries (frequency, recency, T, mean
//     repeat value, holdout purchases) of Fader, Hardie & Lee (2005), the
//     input of the models; it reproduces the published CDNOW summary;
//   - [Log.Retention]: period by period, the revenue movements of the
//     customers (new, reactivated, expansion, contraction, churn), the
//     gross and net revenue retention and the customer retention, with
//     intervals, reconciling exactly;
//   - [Log.Tracking]: the calendar-time tracking plot of a BG/NBD fit,
//     actual against expected cumulative repeat purchases, as a fit check.
//
// # Models
//
// [FitSBG] fits the shifted-beta-geometric model of contractual retention
// (Fader & Hardie 2007), [FitBGNBD] the BG/NBD model of repeat purchases
// (Fader, Hardie & Lee 2005), [FitGammaGamma] the Gamma-Gamma model of
// spend (Fader & Hardie 2013), all by maximum likelihood with standard
// errors; [DiscountedCLV] combines the last two (Fader, Hardie & Lee 2005,
// "RFM and CLV"). Definitions and sources are given on each model.
//
// # Predictions with intervals
//
// [BGNBDFit.PredictPurchases], [BGNBDFit.PredictPAlive], [PredictCLV] and
// [Predict] give the predictions with intervals from the delta method.
//
// A prediction g(θ) (expected purchases, P(alive), discounted CLV) is a
// smooth function of the fitted parameters θ, whose estimate is
// asymptotically normal with the covariance Σ of the fit (BGNBDFit.Cov,
// GammaGammaFit.Cov, the inverse observed information). By the delta
// method (Casella & Berger 2002, "Statistical Inference", 2nd ed.,
// section 5.5.4; Oehlert 1992, "A Note on the Delta Method", The American
// Statistician 46(1)) its standard error is
//
//	se(g) = sqrt(∇gᵀ Σ ∇g)
//
// The gradient ∇g is numerical: central differences
// (g(θ + h_j e_j) - g(θ - h_j e_j)) / (2 h_j) with the relative step
// h_j = ε^(1/3) θ_j, ε = 2^-52 (Nocedal & Wright 2006, "Numerical
// Optimization", 2nd ed., section 8.1: the step that balances the
// truncation error, of order h², against the rounding error, of order ε/h).
// Parameters at a bound of the parameter space (zero variance) are left
// out. The interval is the delta-method interval of a transform that maps
// the quantity's range onto the real line, taken back: for a positive
// quantity (purchases, CLV) ln g ± z se/g, so [g e^(-z se/g), g e^(z se/g)],
// and for a probability (P(alive)) logit g ± z se/(g(1-g)); it is [g, g]
// when se is zero, such as P(alive) = 1 for a customer without repeat
// purchases.
//
// Why the delta method and not a parametric bootstrap: the fits already
// give the information matrix, the delta method then costs 2k+1
// evaluations of the prediction per customer (k parameters) instead of
// refitting the model to hundreds of simulated data sets, and it is
// deterministic, so the same fit gives the same interval. Its intervals
// rest on the normal approximation to the estimates' distribution, good
// for the thousands of customers these models are fitted to and doubtful
// for a few dozen, where a bootstrap would be the better tool.
//
// The interval covers the uncertainty of the estimated parameters only:
// it is a confidence interval for the model's expectation given the
// customer's history, not a prediction interval for the purchases the
// customer will actually make, which vary around that expectation
// ([BGNBD.ProbPurchases] gives their distribution). The purchase and spend
// models are fitted separately and assumed independent (Fader, Hardie &
// Lee 2005, "RFM and CLV"), so the covariance of the seven parameters of a
// CLV is block-diagonal.
//
// # Time unit
//
// The models have no built-in time unit: times (recency, T, forecast
// horizons) are in whatever unit the summary was built with
// ([RFMOptions.Unit]), and the fitted rate parameters are per that unit.
// Use one unit throughout.
//
// # Errors and numbers
//
// Fits return an error instead of a doubtful estimate: [ErrNoData] when the
// data cannot identify the parameters (no customers, no repeat buyers),
// [ErrNotConverged] (inside a [*FitError] with the optimiser's diagnostics)
// when the optimiser fails (its line search stalls and neither restarts nor
// Newton steps reach its gradient threshold), and a [*CustomerError] for a
// malformed record. A fit whose likelihood rises towards a bound of the
// parameter space is returned and names those parameters in
// Diagnostics.AtBound. Invalid options and parameters wrap
// [funnel.ErrInvalidParam]. No function returns NaN or Inf; likelihoods are
// computed in log space. Money is exact ([decimal.Decimal]) in the log and
// its summaries; model-based money estimates are rounded from floating
// point to 6 places.
//
// # Concurrency
//
// Functions in this package are safe for concurrent use. Model, fit and
// result values are plain values. A [Log] or [DealLog] is not safe for
// concurrent mutation: give each goroutine its own and merge them.
package clv

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// Errors returned by this package, always wrapped with context; test them
// with [errors.Is].
var (
	// ErrInvalidCustomer reports a malformed customer summary.
	ErrInvalidCustomer = errors.New("clv: invalid customer summary")
	// ErrNoData reports data that cannot identify the model's parameters.
	ErrNoData = errors.New("clv: not enough data to fit the model")
	// ErrNotConverged reports a fit whose optimiser failed.
	ErrNotConverged = errors.New("clv: fit did not converge")
	// ErrUndefined reports a quantity that the model leaves undefined or
	// infinite for the given parameters, such as a mean lifetime when
	// alpha <= 1.
	ErrUndefined = errors.New("clv: quantity undefined for these parameters")
)

// A CustomerError reports the customer summary, by position in the input,
// that failed validation. Err is [ErrInvalidCustomer].
type CustomerError struct {
	Index  int
	Field  string
	Reason string
	Err    error
}

// Error implements the error interface.
func (e *CustomerError) Error() string {
	return fmt.Sprintf("clv: customer %d: %s %s: %v", e.Index, e.Field, e.Reason, e.Err)
}

// Unwrap returns the kind of error.
func (e *CustomerError) Unwrap() error { return e.Err }

// A FitError reports a fit that did not produce an estimate, with the
// diagnostics of the attempt. Err is [ErrNotConverged] or [ErrNoData].
type FitError struct {
	Model       string
	Reason      string
	Diagnostics Diagnostics
	Err         error
}

// Error implements the error interface.
func (e *FitError) Error() string {
	return fmt.Sprintf("clv: %s fit: %s: %v", e.Model, e.Reason, e.Err)
}

// Unwrap returns the kind of error.
func (e *FitError) Unwrap() error { return e.Err }

// check validates the purchase-count part of a summary.
func (c Customer) check(i int) error {
	bad := func(field, reason string) error {
		return &CustomerError{Index: i, Field: field, Reason: reason, Err: ErrInvalidCustomer}
	}
	switch {
	case c.Frequency < 0:
		return bad("Frequency", "is negative")
	case !finite(c.T) || c.T < 0:
		return bad("T", "is negative or not finite")
	case !finite(c.Recency) || c.Recency < 0:
		return bad("Recency", "is negative or not finite")
	case c.Recency > c.T:
		return bad("Recency", "exceeds T")
	case c.Frequency == 0 && c.Recency != 0:
		return bad("Recency", "is not zero for a customer without repeat purchases")
	case c.Holdout < 0:
		return bad("Holdout", "is negative")
	}
	return nil
}

// Diagnostics describe a maximum-likelihood fit.
type Diagnostics struct {
	// N is the number of customers used (for the sBG, the cohort size).
	N int `json:"n"`
	// LogLik is the maximised log-likelihood.
	LogLik float64 `json:"log_lik"`
	// Status is the optimiser's termination status, such as
	// "GradientThreshold" or "FunctionConvergence".
	Status string `json:"status"`
	// Iterations and Evaluations count the optimiser's major iterations and
	// log-likelihood evaluations.
	Iterations  int `json:"iterations"`
	Evaluations int `json:"evaluations"`
	// MaxGradient is the largest absolute partial derivative of the
	// log-likelihood at the estimate, with respect to the logarithm of each
	// parameter not at a bound (a scale-free measure of how close to a
	// stationary point the estimate is).
	MaxGradient float64 `json:"max_gradient"`
	// Restarts counts the times the optimiser was restarted from where its
	// line search had stalled, with a fresh curvature estimate.
	Restarts int `json:"restarts"`
	// AtBound names the parameters whose estimate ran to a bound of the
	// parameter space (its logarithm beyond ±25): the likelihood keeps
	// increasing towards 0 or infinity there, so the value is a limit, not
	// an interior maximum (for the BG/NBD, b at its upper bound means
	// customers practically never drop out). Their standard errors are
	// zero (undefined); the other parameters are estimated with those
	// fixed, and their standard errors come from the information matrix
	// of the other parameters. Empty for an interior fit.
	AtBound []string `json:"at_bound"`
}

// Evaluation bounds for the fits: parameters are optimised on the log
// scale, and an estimate whose log leaves [-logBound, logBound] is at a
// bound of the parameter space (the maximum is not in the interior).
const (
	logBound       = 25.0
	gradTol        = 1e-8 // gradient threshold on the mean log-likelihood
	maxIterations  = 1000
	maxRestarts    = 5
	convergedGrad  = 1e-6 // MaxGradient / N above this is not a stationary point
	hessianRelStep = 1e-5
)

// objective evaluates the negative mean log-likelihood at log-parameters
// theta and, when grad is not nil, its gradient with respect to theta. It
// returns +Inf where the likelihood cannot be evaluated.
type objective func(theta, grad []float64) float64

// fitResult is the outcome of maximise.
type fitResult struct {
	params []float64 // natural scale
	free   []bool    // parameters not at a bound
	diag   Diagnostics
}

// maximise finds the maximum-likelihood estimate of a model with positive
// parameters, by BFGS on their logarithms, from the natural-scale start
// point init. n is the number of observations (the objective is a mean);
// names name the parameters. When the line search stalls, BFGS is
// restarted from where it stopped (at most maxRestarts times). An estimate
// is accepted when the optimiser finished without error and the gradient
// of the log-likelihood sum is below convergedGrad x n in every
// log-parameter; an estimate some of whose log-parameters left
// [-logBound, logBound] is accepted as a boundary fit (Diagnostics.AtBound)
// when the gradient in the other parameters is that small, whatever the
// optimiser's status (it chases a supremum at infinity). Anything else is
// a [*FitError] wrapping [ErrNotConverged].
func maximise(model string, n int, obj objective, init []float64, names []string) (fitResult, error) {
	dim := len(init)
	theta0 := make([]float64, dim)
	for i, v := range init {
		theta0[i] = math.Log(v)
	}
	var (
		lastX = make([]float64, dim)
		lastG = make([]float64, dim)
		lastF float64
		have  bool
		evals int
	)
	eval := func(x []float64) {
		if have && equalSlices(x, lastX) {
			return
		}
		evals++
		copy(lastX, x)
		lastF = obj(x, lastG)
		have = true
	}
	p := optimize.Problem{
		Func: func(x []float64) float64 { eval(x); return lastF },
		Grad: func(g, x []float64) { eval(x); copy(g, lastG) },
	}
	settings := &optimize.Settings{
		GradientThreshold: gradTol,
		MajorIterations:   maxIterations,
		Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 50},
	}
	diag := Diagnostics{N: n, AtBound: []string{}}
	fail := func(reason string) (fitResult, error) {
		return fitResult{}, &FitError{Model: model, Reason: reason, Diagnostics: diag, Err: ErrNotConverged}
	}
	var (
		res *optimize.Result
		err error
	)
	x := theta0
	for attempt := 0; ; attempt++ {
		res, err = optimize.Minimize(p, x, settings, &optimize.BFGS{})
		if res != nil {
			diag.Status = res.Status.String()
			diag.Iterations += res.Stats.MajorIterations
		}
		if err == nil || res == nil || !finite(res.F) || attempt == maxRestarts || equalSlices(res.X, x) {
			break
		}
		x = slices.Clone(res.X)
		diag.Restarts++
	}
	diag.Evaluations = evals
	if res == nil || !finite(res.F) {
		reason := "likelihood not finite at the estimate"
		if err != nil {
			reason = "optimiser failed: " + err.Error()
		}
		return fail(reason)
	}
	g := make([]float64, dim)
	f := obj(res.X, g)
	diag.LogLik = -f * float64(n)
	free := make([]bool, dim)
	for i := range g {
		if math.Abs(res.X[i]) > logBound {
			diag.AtBound = append(diag.AtBound, names[i])
			continue
		}
		free[i] = true
		diag.MaxGradient = math.Max(diag.MaxGradient, math.Abs(g[i])*float64(n))
	}
	if !finite(f) {
		return fail("likelihood not finite at the estimate")
	}
	if err != nil && len(diag.AtBound) == 0 {
		// The line search stalls where rounding hides any further decrease
		// of the likelihood. Newton steps on the gradient alone may still
		// reach the optimiser's own threshold; if they do not, the fit
		// failed.
		if x, ok := newtonPolish(obj, res.X); ok {
			copy(res.X, x)
			diag.Status = "NewtonGradientThreshold"
		} else if x, fr, ok := toBound(obj, res.X, f); ok {
			// the likelihood rises towards a bound
			copy(res.X, x)
			for i := range free {
				// fixed at the bound, or carried beyond it by the others
				if free[i] = fr[i] && math.Abs(x[i]) <= logBound; !free[i] {
					diag.AtBound = append(diag.AtBound, names[i])
				}
			}
			diag.Status = "Bound"
		} else {
			return fail(fmt.Sprintf("optimiser failed after %d restarts: %v", diag.Restarts, err))
		}
		f = obj(res.X, g)
		diag.LogLik = -f * float64(n)
		diag.MaxGradient = 0
		for i := range g {
			if free[i] {
				diag.MaxGradient = math.Max(diag.MaxGradient, math.Abs(g[i])*float64(n))
			}
		}
		err = nil
	}
	if diag.MaxGradient > convergedGrad*float64(n) {
		reason := fmt.Sprintf("no stationary point (max gradient %.3g)", diag.MaxGradient)
		if err != nil {
			reason += ": " + err.Error()
		}
		return fail(reason)
	}
	if err != nil {
		diag.Status += " (" + err.Error() + ")"
	}
	out := fitResult{params: make([]float64, dim), free: free, diag: diag}
	for i, v := range res.X {
		out.params[i] = math.Exp(v)
	}
	return out, nil
}

// toBound tests whether the likelihood rises towards a bound of the
// parameter space from a point theta (objective f) where the optimiser
// stalled: for each set of far-moved log-parameters (|theta_i| >= 2, the
// farthest first, singly and then all together), it shifts them together
// beyond logBound, keeping their differences (so that two parameters that
// grow together keep their ratio), fits the others with those fixed, and
// accepts the first set whose fit converges with an objective no worse
// than f. It returns the point and the parameters left free.
func toBound(obj objective, theta []float64, f float64) ([]float64, []bool, bool) {
	dim := len(theta)
	var far []int
	for i, v := range theta {
		if math.Abs(v) >= 2 {
			far = append(far, i)
		}
	}
	slices.SortFunc(far, func(a, b int) int { return cmp.Compare(math.Abs(theta[b]), math.Abs(theta[a])) })
	var sets [][]int
	for _, i := range far {
		sets = append(sets, []int{i})
	}
	if len(far) > 1 {
		sets = append(sets, far)
	}
	for _, set := range sets {
		x := slices.Clone(theta)
		free := make([]bool, dim)
		for i := range free {
			free[i] = true
		}
		lead := set[0]
		shift := math.Copysign(logBound+1, x[lead]) - x[lead]
		for _, i := range set {
			x[i] += shift
			free[i] = false
		}
		var idx []int
		for i := range dim {
			if free[i] {
				idx = append(idx, i)
			}
		}
		sub := func(y, grad []float64) float64 {
			z := slices.Clone(x)
			for k, i := range idx {
				z[i] = y[k]
			}
			var g []float64
			if grad != nil {
				g = make([]float64, dim)
			}
			v := obj(z, g)
			for k, i := range idx {
				if grad != nil {
					grad[k] = g[i]
				}
			}
			return v
		}
		if len(idx) > 0 {
			y0 := make([]float64, len(idx))
			for k, i := range idx {
				y0[k] = x[i]
			}
			p := optimize.Problem{Func: func(y []float64) float64 { return sub(y, nil) }, Grad: func(g, y []float64) { sub(y, g) }}
			res, err := optimize.Minimize(p, y0, &optimize.Settings{GradientThreshold: gradTol, MajorIterations: maxIterations}, &optimize.BFGS{})
			if res == nil || !finite(res.F) {
				continue
			}
			y := res.X
			if err != nil {
				var ok bool
				if y, ok = newtonPolish(sub, res.X); !ok {
					continue
				}
			}
			for k, i := range idx {
				x[i] = y[k]
			}
		}
		if fb := obj(x, nil); finite(fb) && fb <= f+1e-12*math.Max(1, math.Abs(f)) {
			return x, free, true
		}
	}
	return nil, nil, false
}

// newtonPolish takes Newton steps on the gradient of the objective from
// theta (its Hessian by central differences of the analytic gradient),
// each accepted only if it lowers the largest gradient component, and
// reports whether that component fell to gradTol, the optimiser's own
// convergence threshold.
func newtonPolish(obj objective, theta []float64) ([]float64, bool) {
	dim := len(theta)
	x := slices.Clone(theta)
	g := make([]float64, dim)
	if !finite(obj(x, g)) {
		return nil, false
	}
	norm := func(v []float64) float64 {
		m := 0.0
		for _, e := range v {
			m = math.Max(m, math.Abs(e))
		}
		return m
	}
	h := mat.NewDense(dim, dim, nil)
	gu, gd := make([]float64, dim), make([]float64, dim)
	xn, gn := make([]float64, dim), make([]float64, dim)
	for range 20 {
		if norm(g) <= gradTol {
			return x, true
		}
		for j := range dim {
			copy(xn, x)
			xn[j] += hessianRelStep
			fu := obj(xn, gu)
			xn[j] -= 2 * hessianRelStep
			fd := obj(xn, gd)
			if !finite(fu) || !finite(fd) {
				return nil, false
			}
			for i := range dim {
				h.Set(i, j, (gu[i]-gd[i])/(2*hessianRelStep))
			}
		}
		var step mat.VecDense
		if err := step.SolveVec(h, mat.NewVecDense(dim, slices.Clone(g))); err != nil {
			return nil, false
		}
		improved := false
		for t := 1.0; t > 1e-6; t /= 2 {
			for i := range dim {
				xn[i] = x[i] - t*step.AtVec(i)
			}
			if finite(obj(xn, gn)) && norm(gn) < norm(g) {
				copy(x, xn)
				copy(g, gn)
				improved = true
				break
			}
		}
		if !improved {
			break
		}
	}
	return x, norm(g) <= gradTol
}

// stdErrors returns the standard errors of natural-scale parameters from
// the inverse of the observed information, the negative Hessian of the
// log-likelihood sum, which it obtains by central differences of the
// analytic gradient, over the free parameters (those of a boundary fit at
// their bound get zero), and that inverse itself, the asymptotic
// covariance matrix of the estimates (row-major, dim x dim, zero in the
// rows and columns of parameters at a bound). If the matrix is not
// positive definite the estimate is not a strict local maximum (a flat
// likelihood: the data do not identify the parameters), and it returns a
// [*FitError] wrapping [ErrNotConverged].
func stdErrors(model string, n int, obj objective, fr fitResult) (se, cov []float64, err error) {
	se, cov, ok := stdErrorsOK(n, obj, fr.params, fr.free)
	if !ok {
		return nil, nil, &FitError{Model: model, Reason: "observed information not positive definite (flat likelihood)", Diagnostics: fr.diag, Err: ErrNotConverged}
	}
	return se, cov, nil
}

func stdErrorsOK(n int, obj objective, params []float64, free []bool) (se, covariance []float64, ok bool) {
	dim := len(params)
	var idx []int // the free parameters
	for i := range dim {
		if free[i] {
			idx = append(idx, i)
		}
	}
	se = make([]float64, dim)
	covariance = make([]float64, dim*dim)
	k := len(idx)
	if k == 0 {
		return se, covariance, true
	}
	// Gradient of the log-likelihood sum on the natural scale.
	grad := func(p []float64) ([]float64, bool) {
		th := make([]float64, dim)
		for i, v := range p {
			if v <= 0 {
				return nil, false
			}
			th[i] = math.Log(v)
		}
		g := make([]float64, dim)
		if f := obj(th, g); !finite(f) {
			return nil, false
		}
		for i := range g {
			g[i] = -g[i] * float64(n) / p[i] // d(sum LL)/dp = -(n dF/dtheta) / p
		}
		return g, true
	}
	h := mat.NewSymDense(k, nil)
	cols := make([][]float64, k)
	for jj, j := range idx {
		step := hessianRelStep * params[j]
		up := append([]float64(nil), params...)
		dn := append([]float64(nil), params...)
		up[j] += step
		dn[j] -= step
		gu, ok1 := grad(up)
		gd, ok2 := grad(dn)
		if !ok1 || !ok2 {
			return nil, nil, false
		}
		cols[jj] = make([]float64, k)
		for ii, i := range idx {
			cols[jj][ii] = -(gu[i] - gd[i]) / (2 * step) // information = -Hessian
		}
	}
	for i := range k {
		for j := i; j < k; j++ {
			h.SetSym(i, j, (cols[i][j]+cols[j][i])/2)
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(h) {
		return nil, nil, false
	}
	var cov mat.SymDense
	if err := ch.InverseTo(&cov); err != nil {
		return nil, nil, false
	}
	for ii, i := range idx {
		v := cov.At(ii, ii)
		if !(v > 0) || !finite(v) {
			return nil, nil, false
		}
		se[i] = math.Sqrt(v)
		for jj, j := range idx {
			covariance[i*dim+j] = cov.At(ii, jj)
		}
	}
	return se, covariance, true
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func equalSlices(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// logAddExp returns log(exp(a) + exp(b)) without overflow.
func logAddExp(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	if math.IsInf(b, -1) {
		return a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// lgamma is the log of the absolute value of the gamma function.
func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// moneyPlaces is the number of decimal places of model-based money
// estimates (expected spend, discounted CLV), which are rounded from
// floating point.
const moneyPlaces = 6

// toMoney converts a finite model estimate to money, rounded to moneyPlaces.
func toMoney(v float64) (decimal.Decimal, error) {
	if !finite(v) {
		return decimal.Decimal{}, fmt.Errorf("clv: estimate is not finite: %w", ErrUndefined)
	}
	return decimal.NewFromFloatWithExponent(v, -moneyPlaces), nil
}

// maxSeriesTerms bounds the hypergeometric series; a series that has not
// converged by then is reported as undefined rather than summed further.
const maxSeriesTerms = 10_000_000

// seriesBudget is the number of power-series terms [hyp2f1Fast] tries
// before it transforms to 1 - z: enough for z up to about 0.5, and for a
// large c at any z.
const seriesBudget = 64

// hyp2f1Fast returns 2F1(a, b; c; z) for 0 <= z < 1 in bounded time. It
// sums the power series ([hyp2f1Terms]) for at most 64 terms, which is enough
// up to z of about 0.5, and for large c at any z. Otherwise (nearer 1,
// where the number of terms grows like 1/(1-z)) it uses the transformation
// to 1 - z of Abramowitz & Stegun 15.3.6 with d = c - a - b,
//
//	2F1(a, b; c; z) = Γ(c)Γ(d)/(Γ(c-a)Γ(c-b)) 2F1(a, b; 1-d; 1-z)
//	    + (1-z)^d Γ(c)Γ(-d)/(Γ(a)Γ(b)) 2F1(c-a, c-b; d+1; 1-z)
//
// whose two series converge fast. Where d is within 1e-4 of an integer, or
// the two terms cancel to lose more than three digits (large a and b), it
// sums the series after all, at most maxSeriesTerms terms. terms reports
// the work done: the series terms summed.
func hyp2f1Fast(a, b, c, z float64) (v float64, terms int, ok bool) {
	v, terms, ok = hyp2f1Terms(a, b, c, z, seriesBudget)
	if ok || !(z > 0 && z < 1) || (c <= 0 && c == math.Trunc(c)) {
		return v, terms, ok
	}
	d := c - a - b
	if math.Abs(d-math.Round(d)) > 1e-4 {
		w := 1 - z
		f1, n1, ok1 := hyp2f1Terms(a, b, 1-d, w, maxSeriesTerms)
		f2, n2, ok2 := hyp2f1Terms(c-a, c-b, d+1, w, maxSeriesTerms)
		terms += n1 + n2
		if ok1 && ok2 {
			l1, s1 := gammaRatio(c, d, c-a, c-b)
			l2, s2 := gammaRatio(c, -d, a, b)
			t1, t2 := s1*math.Exp(l1)*f1, s2*math.Exp(l2+d*math.Log(w))*f2
			v = t1 + t2
			// accept unless the two terms cancel (Cephes's test)
			if finite(v) && v != 0 && 1e-16*math.Max(math.Abs(t1), math.Abs(t2)) <= 1e-13*math.Abs(v) {
				return v, terms, true
			}
		}
	}
	// d near an integer, or the terms cancel: the series, whose length is
	// bounded by maxSeriesTerms
	v, n, ok := hyp2f1Terms(a, b, c, z, maxSeriesTerms)
	return v, terms + n, ok
}

// gammaRatio returns the log of |Γ(p)Γ(q)/(Γ(r)Γ(s))| and its sign; a
// pole of the denominator (1/Γ = 0 at the non-positive integers) gives
// -Inf.
func gammaRatio(p, q, r, s float64) (float64, float64) {
	lp, sp := math.Lgamma(p)
	lq, sq := math.Lgamma(q)
	lr, sr := math.Lgamma(r)
	ls, ss := math.Lgamma(s)
	return lp + lq - lr - ls, float64(sp * sq * sr * ss)
}

// hyp2f1Terms returns the Gaussian hypergeometric function 2F1(a, b; c; z)
// for 0 <= z < 1 by its power series, sum_k (a)_k (b)_k / ((c)_k k!) z^k,
// stopping when a term no longer changes the sum, and the number of terms
// summed. ok is false if c is a non-positive integer, the series has not
// converged after maxTerms terms, or the sum is not finite. Callers arrange
// the parameters (by Euler's transformation) so that the terms stay
// moderate.
func hyp2f1Terms(a, b, c, z float64, maxTerms int) (v float64, terms int, ok bool) {
	if !(z >= 0 && z < 1) || (c <= 0 && c == math.Trunc(c)) {
		return 0, 0, false
	}
	sum, term := 1.0, 1.0
	for k := 0; k < maxTerms; k++ {
		kf := float64(k)
		term *= (a + kf) * (b + kf) / ((c + kf) * (kf + 1)) * z
		sum += term
		if !finite(sum) {
			return 0, k, false
		}
		// Past the sign changes, every later term ratio is at most rho:
		// (a+j)/(c+j) and (b+j)/(j+1) move monotonically towards 1, so
		// their maxima with 1 never grow. The tail is then below
		// |term| rho / (1 - rho).
		j := kf + 1
		if c+j <= 0 || a+j < 0 || b+j < 0 {
			continue
		}
		rho := z * math.Max(1, math.Abs((a+j)/(c+j))) * math.Max(1, math.Abs((b+j)/(j+1)))
		if rho < 1 && math.Abs(term)*rho/(1-rho) <= 1e-16*math.Abs(sum) {
			return sum, k + 1, true
		}
	}
	return 0, maxTerms, false
}
