package stat

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// The ways PermutationTest computes its p-value.
const (
	// PermExact enumerates every split of the pooled values.
	PermExact = "exact"
	// PermMonteCarlo draws random splits.
	PermMonteCarlo = "monte-carlo"
	// PermNormal uses the normal law of the permutation distribution.
	PermNormal = "normal"
)

// A Permutation is a two-sided permutation test of the difference of two
// means.
type Permutation struct {
	// Defined reports whether the test was computed: both samples
	// non-empty and the pooled values not all equal.
	Defined bool
	// Diff is mean A - mean B.
	Diff float64
	// Method is PermExact, PermMonteCarlo or PermNormal.
	Method string
	// Resamples is the number of splits drawn (Monte Carlo) or
	// enumerated (exact); 0 for the normal law.
	Resamples int64
	// P is the two-sided p-value.
	P float64
}

// permTolerance is the relative tolerance with which a split's statistic
// counts as at least the observed one, so that splits equal to it in exact
// arithmetic are not lost to rounding.
const permTolerance = 1e-9

// PermutationTest tests whether two samples differ in mean more than a
// random split of their pooled values would (Fisher 1935, "The Design of
// Experiments"; Pitman 1937, "Significance tests which may be applied to
// samples from any populations", JRSS Supplement 4). The statistic is
// |mean A - mean B|; with n_A + n_B values pooled, a split puts n_A of
// them in A. The p-value is
//
//   - exact when there are at most resamples distinct splits C(n, n_A):
//     the share of all splits whose statistic is at least the observed one
//     (the observed split included);
//   - otherwise, when min(n_A, n_B) × resamples is at most maxWork, from
//     resamples random splits drawn with the seeded generator:
//     (1 + the splits at least as extreme) / (1 + resamples), which is
//     never 0 (Phipson and Smyth 2010, "Permutation p-values should never
//     be zero", Statistical Applications in Genetics and Molecular
//     Biology 9);
//   - otherwise from the normal law of the permutation distribution (the
//     combinatorial central limit theorem, Hájek 1961): the sum of A's
//     values has mean n_A x̄ and variance n_A n_B / (n (n-1)) Σ (x - x̄)².
//
// As scipy.stats.permutation_test with permutation_type "independent"
// for the exact and Monte Carlo cases. The samples' order does not
// matter: the values are sorted before any draw, so equal multisets give
// equal results for one seed.
func PermutationTest(a, b []float64, resamples int64, seed uint64, maxWork int64) Permutation {
	var r Permutation
	na, nb := len(a), len(b)
	if na == 0 || nb == 0 || resamples < 1 {
		return r
	}
	n := na + nb
	pool := make([]float64, 0, n)
	pool = append(pool, a...)
	pool = append(pool, b...)
	var sum float64
	for _, v := range pool {
		sum += v
	}
	mean := sum / float64(n)
	sa := 0.0
	for _, v := range a {
		sa += v - mean
	}
	var sb float64
	for _, v := range b {
		sb += v - mean
	}
	r.Diff = sa/float64(na) - sb/float64(nb)
	for i := range pool {
		pool[i] -= mean
	}
	slices.Sort(pool)
	if pool[0] == pool[n-1] || math.IsNaN(r.Diff) || math.IsInf(r.Diff, 0) {
		r.Diff = 0
		return r
	}
	r.Defined = true
	// with the pool centred, |mean A - mean B| = |S| n / (n_A n_B) for S
	// the sum of A's centred values: compare |S| of the smaller side
	m := min(na, nb)
	obs := math.Abs(sa)
	if m == nb {
		obs = math.Abs(sb)
	}
	limit := obs * (1 - permTolerance)
	if c, ok := choose(n, m, resamples); ok {
		r.Method, r.Resamples = PermExact, c
		var hits int64
		var walk func(start, left int, s float64)
		walk = func(start, left int, s float64) {
			if left == 0 {
				if math.Abs(s) >= limit {
					hits++
				}
				return
			}
			for i := start; i <= n-left; i++ {
				walk(i+1, left-1, s+pool[i])
			}
		}
		walk(0, m, 0)
		r.P = min(1, float64(hits)/float64(c))
		return r
	}
	if int64(m) <= maxWork/resamples {
		r.Method, r.Resamples = PermMonteCarlo, resamples
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		var hits int64
		for range resamples {
			var s float64
			for i := range m {
				j := i + rng.IntN(n-i)
				pool[i], pool[j] = pool[j], pool[i]
				s += pool[i]
			}
			if math.Abs(s) >= limit {
				hits++
			}
		}
		r.P = float64(1+hits) / float64(1+resamples)
		return r
	}
	r.Method = PermNormal
	var ss float64
	for _, v := range pool {
		ss += v * v
	}
	v := float64(na) * float64(nb) / (float64(n) * float64(n-1)) * ss
	if !(v > 0) {
		r.Defined, r.Method = false, ""
		return r
	}
	r.P = TwoSidedP(sa / math.Sqrt(v))
	return r
}

// choose returns C(n, k) and true when it is at most limit.
func choose(n, k int, limit int64) (int64, bool) {
	k = min(k, n-k)
	c := uint64(1)
	for i := 1; i <= k; i++ {
		// c = C(n-k+i-1, i-1), so c (n-k+i) / i is an integer
		hi, lo := bits.Mul64(c, uint64(n-k+i))
		if hi >= uint64(i) {
			return 0, false
		}
		c, _ = bits.Div64(hi, lo, uint64(i))
		if c > uint64(limit) {
			return 0, false
		}
	}
	return int64(c), true
}
