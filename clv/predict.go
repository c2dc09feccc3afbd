package clv

import (
	"fmt"
	"math"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/shopspring/decimal"
)

// An Estimate is a model prediction with its standard error from the
// delta method and its confidence interval (see [BGNBDFit.PredictPurchases]
// for the method).
type Estimate struct {
	Value    float64         `json:"value"`
	StdErr   float64         `json:"std_err"`
	Interval funnel.Interval `json:"interval"`
}

// A MoneyEstimate is a money prediction (a discounted CLV) with its
// standard error from the delta method and its confidence interval, each
// rounded to 6 decimal places.
type MoneyEstimate struct {
	Value  decimal.Decimal `json:"value"`
	StdErr decimal.Decimal `json:"std_err"`
	// Lo and Hi bound the value at the level Confidence.
	Lo         decimal.Decimal `json:"lo"`
	Hi         decimal.Decimal `json:"hi"`
	Confidence float64         `json:"confidence"`
}

// scale says how an interval is formed from a value and its standard
// error.
type scale int8

const (
	logScale   scale = iota // positive quantities: ln g ± z se/g
	logitScale              // probabilities: logit g ± z se/(g(1-g))
)

// deltaStep is the relative step of the numerical gradient, ε^(1/3).
var deltaStep = math.Cbrt(0x1p-52)

// delta returns the value of g at theta and its delta-method standard
// error with the covariance cov (row-major, len(theta)² entries).
func delta(g func(theta []float64) (float64, error), theta, cov []float64) (v, se float64, err error) {
	v, err = g(theta)
	if err != nil {
		return 0, 0, err
	}
	grad, err := gradient(g, theta, cov)
	if err != nil {
		return 0, 0, err
	}
	return v, quadForm(grad, cov), nil
}

// gradient returns the central-difference gradient of g at theta in the
// parameters with a positive variance (zero in the others).
func gradient(g func([]float64) (float64, error), theta, cov []float64) ([]float64, error) {
	k := len(theta)
	grad := make([]float64, k)
	x := make([]float64, k)
	for j := range k {
		if !(cov[j*k+j] > 0) {
			continue
		}
		h := deltaStep * theta[j]
		copy(x, theta)
		x[j] = theta[j] + h
		up, err := g(x)
		if err != nil {
			return nil, err
		}
		x[j] = theta[j] - h
		dn, err := g(x)
		if err != nil {
			return nil, err
		}
		grad[j] = (up - dn) / (2 * h)
	}
	return grad, nil
}

// quadForm returns sqrt(gᵀ Σ g), zero when rounding makes it negative.
func quadForm(grad, cov []float64) float64 {
	k := len(grad)
	var q float64
	for i := range k {
		for j := range k {
			q += grad[i] * cov[i*k+j] * grad[j]
		}
	}
	if !(q > 0) {
		return 0
	}
	return math.Sqrt(q)
}

// interval returns the interval of a value with standard error se at the
// level, on the given scale.
func interval(v, se, level float64, sc scale) (lo, hi float64) {
	if se == 0 || v <= 0 || (sc == logitScale && v >= 1) {
		return v, v
	}
	z := stat.Z(level)
	switch sc {
	case logitScale:
		l := math.Log(v / (1 - v))
		w := z * se / (v * (1 - v))
		return expit(l - w), expit(l + w)
	default:
		w := z * se / v
		return v * math.Exp(-w), v * math.Exp(w)
	}
}

func expit(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func estimate(v, se, level float64, sc scale) (Estimate, error) {
	lo, hi := interval(v, se, level, sc)
	if !finite(v) || !finite(se) || !finite(lo) || !finite(hi) {
		return Estimate{}, fmt.Errorf("clv: prediction or its standard error is not finite: %w", ErrUndefined)
	}
	return Estimate{Value: v, StdErr: se, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: level, Defined: true}}, nil
}

func moneyEstimate(v, se, level float64) (MoneyEstimate, error) {
	lo, hi := interval(v, se, level, logScale)
	var out MoneyEstimate
	var err error
	for _, p := range []struct {
		dst *decimal.Decimal
		v   float64
	}{{&out.Value, v}, {&out.StdErr, se}, {&out.Lo, lo}, {&out.Hi, hi}} {
		if *p.dst, err = toMoney(p.v); err != nil {
			return MoneyEstimate{}, err
		}
	}
	out.Confidence = level
	return out, nil
}

func (m BGNBD) vector() []float64 { return []float64{m.R, m.Alpha, m.A, m.B} }

func bgOf(th []float64) BGNBD { return BGNBD{R: th[0], Alpha: th[1], A: th[2], B: th[3]} }

func (f BGNBDFit) covariance() []float64 {
	c := make([]float64, 0, 16)
	for i := range f.Cov {
		c = append(c, f.Cov[i][:]...)
	}
	return c
}

func (f BGNBDFit) check() error {
	if err := f.Params.check(); err != nil {
		return err
	}
	return checkCov(f.covariance())
}

// checkCov validates a covariance matrix: finite, symmetric, a
// non-negative diagonal. (Positive semi-definiteness is not checked; a
// negative quadratic form gives a zero standard error.)
func checkCov(c []float64) error {
	k := int(math.Sqrt(float64(len(c))))
	for i := range k {
		for j := range k {
			v := c[i*k+j]
			if !finite(v) || (i == j && v < 0) || v != c[j*k+i] {
				return fmt.Errorf("clv: covariance matrix is not finite, symmetric and non-negative on its diagonal: %w", funnel.ErrInvalidParam)
			}
		}
	}
	return nil
}

func level(c funnel.Confidence) (float64, error) {
	l, err := c.Level()
	if err != nil {
		return 0, fmt.Errorf("clv: %w", err)
	}
	return l, nil
}

// PredictPurchases returns [BGNBD.ExpectedPurchases] of the customer over
// the next t time units at the fit's estimate, with its delta-method
// standard error and interval at the confidence level c (zero means
// 0.95), on the log scale:
//
//	se = sqrt(∇Eᵀ Cov ∇E),  interval = [E e^(-z se/E), E e^(z se/E)]
//
// with ∇E the central-difference gradient of the expectation in (r, alpha,
// a, b) (see the package's notes on predictions with intervals: Casella &
// Berger 2002, section 5.5.4; Nocedal & Wright 2006, section 8.1). The
// interval covers the parameters' uncertainty, not the customer's own
// randomness. It returns the errors of [BGNBD.ExpectedPurchases] (a
// parameter within a step of a = 1 among them), and one wrapping
// [funnel.ErrInvalidParam] for an invalid confidence or covariance.
func (f BGNBDFit) PredictPurchases(c Customer, t float64, conf funnel.Confidence) (Estimate, error) {
	lv, err := level(conf)
	if err != nil {
		return Estimate{}, err
	}
	if err := f.check(); err != nil {
		return Estimate{}, err
	}
	v, se, err := delta(func(th []float64) (float64, error) { return bgOf(th).ExpectedPurchases(c, t) }, f.Params.vector(), f.covariance())
	if err != nil {
		return Estimate{}, err
	}
	return estimate(v, se, lv, logScale)
}

// PredictPAlive returns [BGNBD.PAlive] of the customer at the fit's
// estimate with its delta-method standard error and interval at the
// confidence level c (zero means 0.95), on the logit scale:
//
//	interval = expit(logit P ± z se / (P (1-P)))
//
// which stays inside (0, 1) (see [BGNBDFit.PredictPurchases] for the
// gradient). A customer without repeat purchases has P(alive) = 1 whatever
// the parameters, with a zero standard error and the interval [1, 1].
func (f BGNBDFit) PredictPAlive(c Customer, conf funnel.Confidence) (Estimate, error) {
	lv, err := level(conf)
	if err != nil {
		return Estimate{}, err
	}
	if err := f.check(); err != nil {
		return Estimate{}, err
	}
	v, se, err := delta(func(th []float64) (float64, error) { return bgOf(th).PAlive(c) }, f.Params.vector(), f.covariance())
	if err != nil {
		return Estimate{}, err
	}
	return estimate(v, se, lv, logitScale)
}

// PredictCLV returns [DiscountedCLV] of the customer at the two fits'
// estimates with its delta-method standard error and interval at the
// confidence level c (zero means 0.95), on the log scale. The gradient is
// taken in the seven parameters (r, alpha, a, b, p, q, gamma), whose
// covariance is block-diagonal: the purchase and spend models are fitted
// separately and independent by assumption (see
// [BGNBDFit.PredictPurchases] for the method). The CLV is computed in
// floating point and rounded to 6 places once, at the end (so Value may
// differ from [DiscountedCLV] in the last place). It returns the errors of
// [DiscountedCLV], and one wrapping [funnel.ErrInvalidParam] for an invalid
// confidence or covariance.
func PredictCLV(bg BGNBDFit, gg GammaGammaFit, c Customer, o CLVOptions, conf funnel.Confidence) (MoneyEstimate, error) {
	lv, err := level(conf)
	if err != nil {
		return MoneyEstimate{}, err
	}
	g, theta, cov, err := clvFunc(bg, gg, c, o)
	if err != nil {
		return MoneyEstimate{}, err
	}
	v, se, err := delta(g, theta, cov)
	if err != nil {
		return MoneyEstimate{}, err
	}
	return moneyEstimate(v, se, lv)
}

// clvFunc returns the discounted CLV of c as a function of the seven
// parameters, their estimate and their block-diagonal covariance.
func clvFunc(bg BGNBDFit, gg GammaGammaFit, c Customer, o CLVOptions) (func([]float64) (float64, error), []float64, []float64, error) {
	if err := bg.check(); err != nil {
		return nil, nil, nil, err
	}
	if err := gg.check(); err != nil {
		return nil, nil, nil, err
	}
	if err := o.check(); err != nil {
		return nil, nil, nil, err
	}
	theta := append(bg.Params.vector(), gg.Params.P, gg.Params.Q, gg.Params.Gamma)
	cov := make([]float64, 49)
	for i := range 4 {
		for j := range 4 {
			cov[i*7+j] = bg.Cov[i][j]
		}
	}
	for i := range 3 {
		for j := range 3 {
			cov[(i+4)*7+j+4] = gg.Cov[i][j]
		}
	}
	g := func(th []float64) (float64, error) {
		v, _, err := clvFloat(bgOf(th), GammaGamma{P: th[4], Q: th[5], Gamma: th[6]}, c, o)
		return v, err
	}
	return g, theta, cov, nil
}

func (f GammaGammaFit) check() error {
	if err := f.Params.check(); err != nil {
		return err
	}
	c := make([]float64, 0, 9)
	for i := range f.Cov {
		c = append(c, f.Cov[i][:]...)
	}
	return checkCov(c)
}

// PredictOptions configure [Predict].
type PredictOptions struct {
	// Horizon is the future over which purchases are predicted, in the
	// model's time unit, >= 0.
	Horizon float64
	// CLV configures every customer's discounted CLV ([DiscountedCLV]);
	// set Periods and PeriodLength.
	CLV CLVOptions
	// Confidence is the level of the intervals; zero means 0.95.
	Confidence funnel.Confidence
}

// A Prediction is what the fitted models predict for one customer, each
// with its delta-method interval: the expected purchases over the horizon
// ([BGNBDFit.PredictPurchases]), the probability of being alive at the
// end of calibration ([BGNBDFit.PredictPAlive]) and the discounted CLV
// ([PredictCLV]).
type Prediction struct {
	ID        string        `json:"id"`
	Purchases Estimate      `json:"purchases"`
	PAlive    Estimate      `json:"p_alive"`
	CLV       MoneyEstimate `json:"clv"`
}

// Predictions are the predictions of every customer of a summary and
// their totals, from a BG/NBD and a Gamma-Gamma fit.
type Predictions struct {
	// Horizon, Confidence and the CLV's options are those used.
	Horizon      float64         `json:"horizon"`
	Periods      int             `json:"clv_periods"`
	PeriodLength float64         `json:"clv_period_length"`
	DiscountRate float64         `json:"discount_rate"`
	MarginRate   decimal.Decimal `json:"margin_rate"`
	Confidence   float64         `json:"confidence"`
	// BGNBD and GammaGamma are the estimates the predictions are made at.
	BGNBD      BGNBD      `json:"bgnbd"`
	GammaGamma GammaGamma `json:"gamma_gamma"`
	// Purchases and CLV are the totals over the customers with their
	// delta-method intervals: the value is the sum of the customers'
	// values and the gradient the sum of their gradients, so the interval
	// carries the correlation between the customers' predictions that the
	// shared parameters make (it is not the sum of the customers'
	// intervals).
	Purchases Estimate      `json:"purchases"`
	CLV       MoneyEstimate `json:"clv"`
	// Customers has one row per customer, in the order given.
	Customers []Prediction `json:"customers"`
}

// Predict returns the predictions of every customer with their intervals
// (see [Prediction] and [Predictions]), from the fits bg and gg. Its cost
// is that of 2k+1 evaluations of each prediction per customer (k = 4
// parameters for purchases and P(alive), 7 for the CLV). It returns a
// [*CustomerError] for a malformed summary, an error wrapping
// [funnel.ErrInvalidParam] for invalid options, fits or horizon, and the
// errors of the predictions.
func Predict(bg BGNBDFit, gg GammaGammaFit, customers []Customer, o PredictOptions) (Predictions, error) {
	lv, err := level(o.Confidence)
	if err != nil {
		return Predictions{}, err
	}
	if err := checkHorizon(o.Horizon); err != nil {
		return Predictions{}, err
	}
	if err := bg.check(); err != nil {
		return Predictions{}, err
	}
	if err := gg.check(); err != nil {
		return Predictions{}, err
	}
	if err := o.CLV.check(); err != nil {
		return Predictions{}, err
	}
	out := Predictions{Horizon: o.Horizon, Periods: o.CLV.Periods, PeriodLength: o.CLV.PeriodLength, DiscountRate: o.CLV.DiscountRate,
		MarginRate: o.CLV.MarginRate, Confidence: lv, BGNBD: bg.Params, GammaGamma: gg.Params, Customers: make([]Prediction, 0, len(customers))}
	bgTheta, bgCov := bg.Params.vector(), bg.covariance()
	var sumE, sumCLV float64
	gradE := make([]float64, 4)
	gradCLV := make([]float64, 7)
	var clvCov []float64
	for i, c := range customers {
		if err := c.check(i); err != nil {
			return Predictions{}, err
		}
		p := Prediction{ID: c.ID}
		fe := func(th []float64) (float64, error) { return bgOf(th).ExpectedPurchases(c, o.Horizon) }
		e, err := fe(bgTheta)
		if err != nil {
			return Predictions{}, err
		}
		ge, err := gradient(fe, bgTheta, bgCov)
		if err != nil {
			return Predictions{}, err
		}
		if p.Purchases, err = estimate(e, quadForm(ge, bgCov), lv, logScale); err != nil {
			return Predictions{}, err
		}
		if p.PAlive, err = bg.PredictPAlive(c, funnel.Confidence(lv)); err != nil {
			return Predictions{}, err
		}
		g, theta, cov, err := clvFunc(bg, gg, c, o.CLV)
		if err != nil {
			return Predictions{}, err
		}
		clvCov = cov
		v, err := g(theta)
		if err != nil {
			return Predictions{}, err
		}
		gc, err := gradient(g, theta, cov)
		if err != nil {
			return Predictions{}, err
		}
		if p.CLV, err = moneyEstimate(v, quadForm(gc, cov), lv); err != nil {
			return Predictions{}, err
		}
		sumE += e
		sumCLV += v
		for j := range ge {
			gradE[j] += ge[j]
		}
		for j := range gc {
			gradCLV[j] += gc[j]
		}
		out.Customers = append(out.Customers, p)
	}
	if out.Purchases, err = estimate(sumE, quadForm(gradE, bgCov), lv, logScale); err != nil {
		return Predictions{}, err
	}
	if clvCov == nil {
		clvCov = make([]float64, 49)
	}
	if out.CLV, err = moneyEstimate(sumCLV, quadForm(gradCLV, clvCov), lv); err != nil {
		return Predictions{}, err
	}
	return out, nil
}
