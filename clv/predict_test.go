package clv

import (
	"errors"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestDeltaByHand checks the delta method on functions whose gradient and
// variance are known by hand. g = 2θ0 + 3θ1 with Var θ0 = 1, Var θ1 = 4,
// Cov = 0.5: Var g = 4·1 + 2·2·3·0.5 + 9·4 = 46 (central differences are
// exact for a linear g, up to rounding). g = θ0 θ1 at (2, 5), with the
// third parameter at a bound (zero variance, ignored by the gradient):
// ∇g = (5, 2), Var = 25·1 + 2·5·2·0.5 + 4·4 = 51. The intervals: on the
// log scale, g·exp(±z se/g); on the logit scale, for p = 0.8 and se = 0.05,
// expit(logit 0.8 ± z 0.05/0.16).
func TestDeltaByHand(t *testing.T) {
	cov := []float64{1, 0.5, 0, 0.5, 4, 0, 0, 0, 0}
	lin := func(th []float64) (float64, error) { return 2*th[0] + 3*th[1], nil }
	v, se, err := delta(lin, []float64{1, 1, 7}, cov)
	if err != nil || v != 5 || math.Abs(se-math.Sqrt(46)) > 1e-9 {
		t.Errorf("linear: %v ± %v (%v), want 5 ± sqrt(46)", v, se, err)
	}
	prod := func(th []float64) (float64, error) { return th[0] * th[1] * (1 + 0*th[2]), nil }
	v, se, err = delta(prod, []float64{2, 5, 1e12}, cov)
	if err != nil || v != 10 || math.Abs(se-math.Sqrt(51)) > 1e-8 {
		t.Errorf("product: %v ± %v (%v), want 10 ± sqrt(51)", v, se, err)
	}
	z := stat.Z(0.95)
	lo, hi := interval(10, math.Sqrt(51), 0.95, logScale)
	if w := z * math.Sqrt(51) / 10; math.Abs(lo-10*math.Exp(-w)) > 1e-12 || math.Abs(hi-10*math.Exp(w)) > 1e-12 {
		t.Errorf("log-scale interval [%v, %v]", lo, hi)
	}
	lo, hi = interval(0.8, 0.05, 0.95, logitScale)
	l, w := math.Log(4), z*0.05/0.16
	if math.Abs(lo-1/(1+math.Exp(-(l-w)))) > 1e-12 || math.Abs(hi-1/(1+math.Exp(-(l+w)))) > 1e-12 || !(lo > 0 && hi < 1) {
		t.Errorf("logit-scale interval [%v, %v]", lo, hi)
	}
	for _, c := range []struct{ v, se float64 }{{0, 1}, {3, 0}, {1, 0.1}} {
		sc := logScale
		if c.v == 1 {
			sc = logitScale
		}
		if lo, hi := interval(c.v, c.se, 0.95, sc); lo != c.v || hi != c.v {
			t.Errorf("interval(%v, %v) = [%v, %v], want the point", c.v, c.se, lo, hi)
		}
	}
	failing := func(th []float64) (float64, error) {
		if th[0] != 1 {
			return 0, ErrUndefined
		}
		return 1, nil
	}
	if _, _, err := delta(failing, []float64{1, 1, 1}, cov); !errors.Is(err, ErrUndefined) {
		t.Errorf("a prediction failing next to the estimate: error = %v, want ErrUndefined", err)
	}
}

// pyPrediction is one line of testdata/cdnow_predict.txt.
type pyPrediction struct{ v, se, lo, hi float64 }

func readPyPredictions(t *testing.T) map[string]pyPrediction {
	t.Helper()
	b, err := os.ReadFile("testdata/cdnow_predict.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]pyPrediction{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[2:] {
		fs := strings.Fields(line)
		var p [4]float64
		for i := range p {
			if p[i], err = strconv.ParseFloat(fs[2+i], 64); err != nil {
				t.Fatal(err)
			}
		}
		out[fs[0]+" "+fs[1]] = pyPrediction{p[0], p[1], p[2], p[3]}
	}
	return out
}

var cdnowCLVOptions = CLVOptions{Periods: 12, PeriodLength: 4, DiscountRate: 0.01, MarginRate: dec("1")}

// TestPredictCDNOW compares the predictions with intervals on CDNOW with an
// independent computation in NumPy and SciPy (testdata/cdnow_predict.py,
// output testdata/cdnow_predict.txt), which fits both models itself, takes
// their covariance from a Hessian of function values and the gradients
// with another step: values to 1e-6, standard errors and bounds to 1e-4,
// relative. For customer 0001 (x = 2, t_x = 30.43, T = 38.86) the expected
// purchases in 39 weeks are also the paper's 1.226 (Fader, Hardie & Lee
// 2005, section 5).
func TestPredictCDNOW(t *testing.T) {
	py := readPyPredictions(t)
	cs := cdnowCustomers(t)
	bg, err := FitBGNBD(cs)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := FitGammaGamma(cs)
	if err != nil {
		t.Fatal(err)
	}
	preds, err := Predict(bg, gg, cs, PredictOptions{Horizon: 39, CLV: cdnowCLVOptions})
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got pyPrediction, want pyPrediction) {
		t.Helper()
		rel := func(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(b), 1e-12) }
		if !rel(got.v, want.v, 1e-6) || !rel(got.se, want.se, 1e-4) || !rel(got.lo, want.lo, 1e-4) || !rel(got.hi, want.hi, 1e-4) {
			t.Errorf("%s = %+v, python %+v", name, got, want)
		}
	}
	est := func(e Estimate) pyPrediction { return pyPrediction{e.Value, e.StdErr, e.Interval.Lo, e.Interval.Hi} }
	money := func(e MoneyEstimate) pyPrediction {
		return pyPrediction{e.Value.InexactFloat64(), e.StdErr.InexactFloat64(), e.Lo.InexactFloat64(), e.Hi.InexactFloat64()}
	}
	byID := map[string]Customer{}
	for i, c := range cs {
		byID[c.ID] = c
		if p := preds.Customers[i]; p.ID != c.ID {
			t.Fatalf("prediction %d is of %q, want %q", i, p.ID, c.ID)
		}
	}
	checked := 0
	for i, p := range preds.Customers {
		if _, ok := py[p.ID+" purchases"]; !ok {
			continue
		}
		checked++
		near(p.ID+" purchases", est(p.Purchases), py[p.ID+" purchases"])
		near(p.ID+" p_alive", est(p.PAlive), py[p.ID+" p_alive"])
		near(p.ID+" clv", money(p.CLV), py[p.ID+" clv"])
		// the single-customer functions give the same
		c := cs[i]
		e, err := bg.PredictPurchases(c, 39, 0)
		if err != nil || e != p.Purchases {
			t.Errorf("%s: PredictPurchases = %+v, %v; Predict %+v", p.ID, e, err, p.Purchases)
		}
		a, err := bg.PredictPAlive(c, 0)
		if err != nil || a != p.PAlive {
			t.Errorf("%s: PredictPAlive = %+v, %v; Predict %+v", p.ID, a, err, p.PAlive)
		}
		v, err := PredictCLV(bg, gg, c, cdnowCLVOptions, 0)
		if err != nil || !cmp.Equal(v, p.CLV) {
			t.Errorf("%s: PredictCLV = %+v, %v; Predict %+v", p.ID, v, err, p.CLV)
		}
		// the value is DiscountedCLV's, up to its rounding
		d, err := DiscountedCLV(bg.Params, gg.Params, c, cdnowCLVOptions)
		if err != nil || d.Sub(p.CLV.Value).Abs().GreaterThan(dec("0.000001")) {
			t.Errorf("%s: DiscountedCLV %s, PredictCLV %s", p.ID, d, p.CLV.Value)
		}
	}
	if checked != 5 {
		t.Fatalf("checked %d customers, want 5", checked)
	}
	near("total purchases", est(preds.Purchases), py["total purchases"])
	near("total clv", money(preds.CLV), py["total clv"])
	if p := preds.Customers[0].Purchases.Value; math.Abs(p-1.226) > 5e-4 {
		t.Errorf("customer 0001: %.4f purchases expected in 39 weeks, published 1.226", p)
	}
	// A customer without repeat purchases is alive for sure.
	if a := preds.Customers[2].PAlive; a.Value != 1 || a.StdErr != 0 || a.Interval.Lo != 1 || a.Interval.Hi != 1 {
		t.Errorf("customer 0003 P(alive) = %+v, want 1 exactly", a)
	}
	// The total's interval is not the sum of the customers' (the shared
	// parameters correlate them): its standard error is at most the sum
	// of theirs.
	var sumSE float64
	for _, p := range preds.Customers {
		sumSE += p.Purchases.StdErr
	}
	if preds.Purchases.StdErr > sumSE*(1+1e-12) {
		t.Errorf("total purchases se %v above the sum of the customers' %v", preds.Purchases.StdErr, sumSE)
	}
	// A wider level gives a wider interval.
	e90, _ := bg.PredictPurchases(cs[0], 39, 0.9)
	e99, _ := bg.PredictPurchases(cs[0], 39, 0.99)
	if !(e99.Interval.Lo < e90.Interval.Lo && e99.Interval.Hi > e90.Interval.Hi && e90.Interval.Confidence == 0.9) {
		t.Errorf("90%% %+v and 99%% %+v intervals not nested", e90.Interval, e99.Interval)
	}
}

// TestPredictErrors checks the errors of the predictions: bad confidence,
// covariance, options and summaries, and predictions the model leaves
// undefined.
func TestPredictErrors(t *testing.T) {
	bg := BGNBDFit{Params: paperBGNBD, Cov: [4][4]float64{{1e-4}, {0, 0.1}, {0, 0, 0.03}, {0, 0, 0, 0.5}}}
	gg := GammaGammaFit{Params: GammaGamma{P: 6, Q: 4, Gamma: 15}, Cov: [3][3]float64{{1}, {0, 0.1}, {0, 0, 10}}}
	c := Customer{ID: "x", Frequency: 2, Recency: 30, T: 39, Monetary: dec("20")}
	o := PredictOptions{Horizon: 10, CLV: cdnowCLVOptions}
	if _, err := Predict(bg, gg, []Customer{c}, o); err != nil {
		t.Fatalf("valid inputs: %v", err)
	}
	if got, err := Predict(bg, gg, nil, o); err != nil || got.Customers == nil || len(got.Customers) != 0 || got.Purchases.Value != 0 || !got.CLV.Value.IsZero() {
		t.Errorf("no customers: %+v, %v", got, err)
	}
	asym := bg
	asym.Cov[0][1] = 1
	nan := bg
	nan.Cov[1][1] = math.NaN()
	neg := gg
	neg.Cov[2][2] = -1
	a1 := bg
	a1.Params.A = 1
	cases := []struct {
		name string
		run  func() error
		want error
	}{
		{"confidence 1", func() error { _, err := bg.PredictPurchases(c, 1, 1); return err }, funnel.ErrInvalidParam},
		{"confidence NaN", func() error { _, err := bg.PredictPAlive(c, funnel.Confidence(math.NaN())); return err }, funnel.ErrInvalidParam},
		{"asymmetric covariance", func() error { _, err := asym.PredictPurchases(c, 1, 0); return err }, funnel.ErrInvalidParam},
		{"NaN covariance", func() error { _, err := nan.PredictPAlive(c, 0); return err }, funnel.ErrInvalidParam},
		{"negative variance", func() error { _, err := PredictCLV(bg, neg, c, cdnowCLVOptions, 0); return err }, funnel.ErrInvalidParam},
		{"zero model", func() error { _, err := (BGNBDFit{}).PredictPurchases(c, 1, 0); return err }, funnel.ErrInvalidParam},
		{"negative horizon", func() error { _, err := bg.PredictPurchases(c, -1, 0); return err }, funnel.ErrInvalidParam},
		{"Predict negative horizon", func() error {
			_, err := Predict(bg, gg, []Customer{c}, PredictOptions{Horizon: -1, CLV: cdnowCLVOptions})
			return err
		}, funnel.ErrInvalidParam},
		{"Predict zero CLV options", func() error { _, err := Predict(bg, gg, []Customer{c}, PredictOptions{Horizon: 1}); return err }, funnel.ErrInvalidParam},
		{"PredictCLV zero CLV options", func() error { _, err := PredictCLV(bg, gg, c, CLVOptions{}, 0); return err }, funnel.ErrInvalidParam},
		{"bad summary", func() error { _, err := Predict(bg, gg, []Customer{{Frequency: -1}}, o); return err }, ErrInvalidCustomer},
		{"repeat customer without spend", func() error {
			_, err := PredictCLV(bg, gg, Customer{Frequency: 1, Recency: 1, T: 2}, cdnowCLVOptions, 0)
			return err
		}, ErrInvalidCustomer},
		{"a = 1", func() error { _, err := a1.PredictPurchases(c, 1, 0); return err }, ErrUndefined},
		{"q <= 1", func() error {
			g := gg
			g.Params.Q = 0.5
			_, err := PredictCLV(bg, g, Customer{T: 1}, cdnowCLVOptions, 0)
			return err
		}, ErrUndefined},
	}
	for _, tc := range cases {
		if err := tc.run(); !errors.Is(err, tc.want) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A fit with a parameter at a bound (zero variance) ignores it.
	bound := bg
	bound.Cov[3] = [4]float64{}
	e, err := bound.PredictPurchases(c, 10, 0)
	if err != nil || !(e.StdErr > 0) {
		t.Errorf("a parameter at its bound: %+v, %v", e, err)
	}
	zero := BGNBDFit{Params: paperBGNBD}
	e, err = zero.PredictPurchases(c, 10, 0)
	if want, _ := paperBGNBD.ExpectedPurchases(c, 10); err != nil || e.StdErr != 0 ||
		!cmp.Equal(e, Estimate{Value: want, Interval: funnel.Interval{Lo: want, Hi: want, Confidence: 0.95, Defined: true}}, cmpopts.EquateApprox(0, 1e-15)) {
		t.Errorf("no covariance: %+v, %v; want the point %v", e, err, want)
	}
}
