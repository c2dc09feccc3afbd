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
// equal results for one seed; samples given sorted are merged in linear
// time.
func PermutationTest(a, b []float64, resamples int64, seed uint64, maxWork int64) Permutation {
	na, nb := len(a), len(b)
	if na == 0 || nb == 0 || resamples < 1 {
		return Permutation{}
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
	if slices.IsSorted(a) && slices.IsSorted(b) {
		// the centred values in order, by merging the two sorted
		// samples: the pool a sort would give, in linear time
		pool = pool[:0]
		i, j := 0, 0
		for i < na || j < nb {
			if j == nb || (i < na && a[i] <= b[j]) {
				pool = append(pool, a[i]-mean)
				i++
			} else {
				pool = append(pool, b[j]-mean)
				j++
			}
		}
	} else {
		for i := range pool {
			pool[i] -= mean
		}
		slices.Sort(pool)
	}
	return permute(pool, na, nb, sa, sb, -1, resamples, seed, maxWork)
}

// A PermutationPool is a sample of values prepared for permutation tests
// of its sub-samples against the rest of it ([PermutationPool.Rest]): its
// values centred on their mean and sorted, and the sum of their squares.
type PermutationPool struct {
	pool []float64 // x - mean, sorted
	mean float64
	sum  float64 // the sum of pool, about 0
	ss   float64 // the sum of the squares of pool
}

// NewPermutationPool returns the pool of the values x (in any order;
// linear time when x is sorted). x is not modified.
func NewPermutationPool(x []float64) *PermutationPool {
	p := &PermutationPool{pool: make([]float64, len(x))}
	var sum float64
	for _, v := range x {
		sum += v
	}
	if len(x) > 0 {
		p.mean = sum / float64(len(x))
	}
	for i, v := range x {
		p.pool[i] = v - p.mean
	}
	if !slices.IsSorted(p.pool) {
		slices.Sort(p.pool)
	}
	for _, v := range p.pool {
		p.sum += v
		p.ss += v * v
	}
	return p
}

// Rest is the permutation test of a, a sub-sample of the pool's values,
// against the rest of them: [PermutationTest](a, pool without a), by the
// same rule, in time proportional to a, plus the pool's size for the
// exact and Monte Carlo cases (scratch, when not nil, holds the copy of
// the pool that the Monte Carlo draws reorder; it is grown as needed). Its
// p-value and difference are the direct test's up to rounding: the rest's
// sum of centred values is the pool's less a's, and the normal law's
// variance comes from the pool's sum of squares.
func (p *PermutationPool) Rest(a []float64, resamples int64, seed uint64, maxWork int64, scratch *[]float64) Permutation {
	na, nb := len(a), len(p.pool)-len(a)
	if na == 0 || nb <= 0 || resamples < 1 {
		return Permutation{}
	}
	var sa float64
	for _, v := range a {
		sa += v - p.mean
	}
	pool := p.pool
	if m := min(na, nb); !fits(len(pool), m, resamples) && int64(m) <= maxWork/resamples {
		if scratch == nil {
			scratch = new([]float64)
		}
		*scratch = append((*scratch)[:0], pool...)
		pool = *scratch
	}
	return permute(pool, na, nb, sa, p.sum-sa, p.ss, resamples, seed, maxWork)
}

// fits reports whether the C(n, m) splits number at most resamples.
func fits(n, m int, resamples int64) bool {
	_, ok := choose(n, m, resamples)
	return ok
}

// permute is the test of a split of the centred, sorted pool into A and
// B, na and nb of its values, whose centred sums are sa and sb; ss is the
// sum of the squares of the pool, or negative to sum them here. The Monte
// Carlo draws reorder the pool.
func permute(pool []float64, na, nb int, sa, sb, ss float64, resamples int64, seed uint64, maxWork int64) Permutation {
	r := Permutation{Diff: sa/float64(na) - sb/float64(nb)}
	n := na + nb
	if pool[0] == pool[n-1] || math.IsNaN(r.Diff) || math.IsInf(r.Diff, 0) {
		return Permutation{}
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
	if ss < 0 {
		ss = 0
		for _, v := range pool {
			ss += v * v
		}
	}
	v := float64(na) * float64(nb) / (float64(n) * float64(n-1)) * ss
	if !(v > 0) {
		return Permutation{Defined: false, Diff: r.Diff}
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
