package stat

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Moments are the count, mean and sample variance (divisor n - 1) of a
// sample of numbers.
type Moments struct {
	N    int64
	Mean float64
	Var  float64
}

// MomentsOf returns the moments of x, by two passes (the mean, then the
// sum of squared deviations), so that the variance of large, close values
// keeps its precision. The variance of fewer than two values is 0.
func MomentsOf(x []float64) Moments {
	m := Moments{N: int64(len(x))}
	if len(x) == 0 {
		return m
	}
	var s float64
	for _, v := range x {
		s += v
	}
	m.Mean = s / float64(len(x))
	if len(x) < 2 {
		return m
	}
	var ss, c float64
	for _, v := range x {
		d := v - m.Mean
		ss += d * d
		c += d
	}
	// corrected two-pass formula (Chan, Golub and LeVeque 1983)
	m.Var = (ss - c*c/float64(len(x))) / float64(len(x)-1)
	m.Var = max(m.Var, 0)
	return m
}

// A Welch is Welch's unequal-variances t-test of two means.
type Welch struct {
	// Defined reports whether the test could be computed: at least two
	// values on each side and a positive standard error.
	Defined bool
	// Diff is mean A - mean B, and SE its standard error
	// sqrt(var_A/n_A + var_B/n_B).
	Diff, SE float64
	// T is Diff / SE, DF the Welch-Satterthwaite degrees of freedom
	// (var_A/n_A + var_B/n_B)² / ((var_A/n_A)²/(n_A-1) + (var_B/n_B)²/(n_B-1)),
	// and P the two-sided p-value of T against Student's t law with DF
	// degrees of freedom.
	T, DF, P float64
	// Lo and Hi bound Diff at the level asked: Diff ± t_(DF, (1+level)/2) SE.
	Lo, Hi float64
}

// WelchTest compares the means of two samples given by their moments
// with Welch's t-test (Welch 1947, "The generalization of 'Student's'
// problem when several different population variances are involved",
// Biometrika 34), as scipy.stats.ttest_ind(equal_var=False) does, with
// the interval of the difference at the confidence level (in (0, 1)).
func WelchTest(a, b Moments, level float64) Welch {
	var w Welch
	if a.N < 2 || b.N < 2 {
		return w
	}
	na, nb := float64(a.N), float64(b.N)
	va, vb := a.Var/na, b.Var/nb
	w.Diff = a.Mean - b.Mean
	w.SE = math.Sqrt(va + vb)
	if !(w.SE > 0) || math.IsInf(w.SE, 0) || math.IsNaN(w.Diff) || math.IsInf(w.Diff, 0) {
		w.SE = 0
		return w
	}
	// the degrees of freedom with the variances scaled by their sum, so
	// that tiny variances do not underflow to 0/0
	fa, fb := va/(va+vb), vb/(va+vb)
	df := 1 / (fa*fa/(na-1) + fb*fb/(nb-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	tt := w.Diff / w.SE
	p := min(1, 2*t.Survival(math.Abs(tt)))
	q := t.Quantile((1 + level) / 2)
	lo, hi := w.Diff-q*w.SE, w.Diff+q*w.SE
	if math.IsNaN(df) || math.IsNaN(tt) || math.IsNaN(p) || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(tt, 0) {
		return Welch{}
	}
	w.Defined, w.T, w.DF, w.P, w.Lo, w.Hi = true, tt, df, p, lo, hi
	return w
}

// Without returns the moments of m's values without those of part, a
// sub-sample of them, from the two sets of moments alone: with the rest's
// n_r = n - n_a values, mean_r = (n mean - n_a mean_a) / n_r, and its sum
// of squared deviations M2 - M2_a - n_a n_r / n (mean_a - mean_r)² (the
// parallel formula of Chan, Golub and LeVeque 1979, "Updating formulae
// and a pairwise algorithm for computing sample variances", solved for
// one part; M2 = (n - 1) Var). The result is [MomentsOf] of the rest's
// values up to rounding while the rest holds at least half the values and
// a quarter of the sum of squared deviations; it reports false otherwise
// (the subtraction would lose digits), for the caller to compute the
// rest's moments from its values.
func (m Moments) Without(part Moments) (Moments, bool) {
	nr := m.N - part.N
	if part.N < 0 || nr < 1 || 2*nr < m.N {
		return Moments{}, false
	}
	n, na, fr := float64(m.N), float64(part.N), float64(nr)
	r := Moments{N: nr, Mean: (n*m.Mean - na*part.Mean) / fr}
	if part.N == 0 {
		r.Mean = m.Mean
	}
	m2 := m.Var * (n - 1)
	d := part.Mean - r.Mean
	m2r := m2 - part.Var*max(na-1, 0) - na*fr/n*d*d
	if !(m2r >= m2/4) {
		if m2 == 0 {
			return r, true // every value equal: the rest's variance is 0
		}
		return Moments{}, false
	}
	if nr > 1 {
		r.Var = m2r / (fr - 1)
	}
	return r, true
}
