// Package stat holds the statistical tests and intervals that the funnel
// packages share, so that every analysis follows one rule: one z quantile,
// one Wilson interval, one two-proportion test with one minimum-sample rule,
// one Fisher test with one switch to its asymptotic form.
//
// Everything here works on plain counts and float64 values; the exported
// packages wrap the results in their own types.
package stat

import (
	"errors"
	"math"
)

// DefaultConfidence is the level used when a caller gives zero.
const DefaultConfidence = 0.95

// DefaultMinSample is the fewest observations per side that a comparison
// needs for a verdict when a caller gives zero (Mixpanel hides results
// under 30 samples; Amplitude asks for n > 30).
const DefaultMinSample = 30

// ErrConfidence reports a confidence level outside (0, 1).
var ErrConfidence = errors.New("confidence outside (0, 1)")

// Level returns the confidence level c, with zero standing for
// DefaultConfidence, and an error for a level outside (0, 1) (NaN
// included).
func Level(c float64) (float64, error) {
	if c == 0 {
		return DefaultConfidence, nil
	}
	if !(c > 0 && c < 1) {
		return 0, ErrConfidence
	}
	return c, nil
}

// Z returns the two-sided standard normal quantile of a confidence level
// in (0, 1): the z with P(|N(0,1)| <= z) = level, sqrt 2 erfinv(level).
func Z(level float64) float64 { return math.Sqrt2 * math.Erfinv(level) }

// Wilson returns the Wilson score interval of the proportion x/n at the
// normal quantile z (Wilson 1927; Brown, Cai and DasGupta 2001):
//
//	(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
//
// clamped to [0, 1], with the bound at x = 0 (x = n) exactly 0 (1). It
// needs 0 <= x <= n and n > 0.
func Wilson(x, n int64, z float64) (lo, hi float64) {
	nf := float64(n)
	p := float64(x) / nf
	z2 := z * z
	center := p + z2/(2*nf)
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	den := 1 + z2/nf
	lo, hi = (center-half)/den, (center+half)/den
	if x == 0 {
		lo = 0
	}
	if x == n {
		hi = 1
	}
	return max(lo, 0), min(hi, 1)
}

// Newcombe returns the hybrid score interval of the difference of two
// independent proportions x1/n1 - x2/n2 (Newcombe 1998, "Interval
// estimation for the difference between independent proportions",
// Statistics in Medicine 17, method 10), built from the two Wilson
// intervals, clamped to [-1, 1].
func Newcombe(x1, n1, x2, n2 int64, z float64) (lo, hi float64) {
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	l1, u1 := Wilson(x1, n1, z)
	l2, u2 := Wilson(x2, n2, z)
	d := p1 - p2
	return max(-1, d-math.Hypot(p1-l1, u2-p2)), min(1, d+math.Hypot(u1-p1, p2-l2))
}

// Enough reports whether a proportion x/n has enough observations for a
// verdict: n at least minSample (DefaultMinSample when zero).
func Enough(n, minSample int64) bool {
	if minSample == 0 {
		minSample = DefaultMinSample
	}
	return n >= minSample
}

// TwoProportionZ returns the pooled two-proportion z statistic of x1/n1
// against x2/n2, (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)) with the pooled p,
// and 0 when p is 0 or 1 (the two proportions are then equal). It needs
// n1, n2 > 0.
func TwoProportionZ(x1, n1, x2, n2 int64) float64 {
	a, b := float64(n1), float64(n2)
	p := float64(x1+x2) / (a + b)
	se := math.Sqrt(p * (1 - p) * (1/a + 1/b))
	if se == 0 {
		return 0
	}
	return (float64(x1)/a - float64(x2)/b) / se
}

// TwoSidedP returns the two-sided p-value of a standard normal statistic,
// erfc(|z| / sqrt 2).
func TwoSidedP(z float64) float64 { return math.Erfc(math.Abs(z) / math.Sqrt2) }

// SmallExpected reports whether a 2x2 table of x1/n1 and x2/n2 has an
// expected count below 5 (Cochran's rule for preferring an exact test):
// min(n1, n2) min(p, 1-p) < 5 with the pooled p.
func SmallExpected(x1, n1, x2, n2 int64) bool {
	p := float64(x1+x2) / float64(n1+n2)
	return float64(min(n1, n2))*min(p, 1-p) < 5
}

// FisherMaxMargin is the largest smaller margin of a 2x2 table for which
// Fisher's exact test is summed exactly; the sum's cost is linear in it.
// Past it, FisherTwoSided uses the two-proportion z-test, which the exact
// test approaches for tables that large.
const FisherMaxMargin = 1 << 20

// FisherTwoSided returns the two-sided p-value of Fisher's exact test for
// the table [[x1, n1-x1], [x2, n2-x2]], and true when it was summed
// exactly. With the margins fixed, the successes of row 1 follow the
// hypergeometric law P(x) = C(n1, x) C(n2, m-x) / C(n1+n2, m) with
// m = x1 + x2, and the p-value sums P(x) over the x with P(x) <= P(x1)
// (1 + 1e-7), as R's fisher.test does (Fisher 1934, "Statistical Methods
// for Research Workers"). When the smaller margin exceeds FisherMaxMargin
// it returns the z-test's p-value and false.
func FisherTwoSided(x1, n1, x2, n2 int64) (p float64, exact bool) {
	m := x1 + x2
	lo, hi := max(0, m-n2), min(n1, m)
	if hi-lo > FisherMaxMargin {
		return TwoSidedP(TwoProportionZ(x1, n1, x2, n2)), false
	}
	logP := func(x int64) float64 { return Lchoose(n1, x) + Lchoose(n2, m-x) }
	obs := logP(x1)
	limit := obs + math.Log1p(1e-7)
	mode := obs
	for x := lo; x <= hi; x++ {
		mode = max(mode, logP(x))
	}
	var num, den float64
	for x := lo; x <= hi; x++ {
		lp := logP(x)
		e := math.Exp(lp - mode)
		den += e
		if lp <= limit {
			num += e
		}
	}
	return min(1, num/den), true
}

// Lchoose returns log C(n, k) for 0 <= k <= n.
func Lchoose(n, k int64) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// PoissonZ returns the z statistic of the conditional test of two Poisson
// counts (Przyborowski and Wilenski 1940): given a + b events, a is
// binomial with p = share (its period's share of the total length), tested
// by its normal approximation. It returns false when an expected count,
// (a+b) share or (a+b)(1-share), is below 5.
func PoissonZ(a, b int64, share float64) (float64, bool) {
	n := float64(a + b)
	if n*share < 5 || n*(1-share) < 5 {
		return 0, false
	}
	return (float64(a) - n*share) / math.Sqrt(n*share*(1-share)), true
}
