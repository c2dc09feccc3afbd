package stat

import (
	"math"
	"sort"
)

// A Tie is what happened at one time of a sample of durations, some of
// them censored: Events units had the event at At and Censored units were
// censored there. A sample is a slice of Ties in increasing order of At,
// one per distinct time.
type Tie struct {
	At       int64
	Events   int64
	Censored int64
}

// A LogRank is the log-rank test of two samples of censored durations.
type LogRank struct {
	// Defined reports whether the test could be computed: both samples
	// are non-empty and the variance is positive (at least one event at a
	// time where both samples had units at risk).
	Defined bool
	// ObservedA and ObservedB are the events of each sample; ExpectedA and
	// ExpectedB the events expected if both had the same hazard, summed
	// over the distinct event times t: E_A = Σ d(t) n_A(t) / n(t), with
	// d(t) the events of both samples at t and n_A(t), n(t) the units at
	// risk just before t (a unit censored at t is at risk at t).
	// ExpectedA + ExpectedB = ObservedA + ObservedB.
	ObservedA, ObservedB int64
	ExpectedA, ExpectedB float64
	// Variance is the hypergeometric variance of O_A - E_A:
	// Σ d(t) (n_A(t)/n(t)) (n_B(t)/n(t)) (n(t) - d(t)) / (n(t) - 1).
	Variance float64
	// ChiSquare is (O_A - E_A)² / Variance, and Z its signed root
	// (O_A - E_A) / sqrt(Variance): positive when sample A has more events
	// than expected (shorter durations).
	ChiSquare float64
	Z         float64
	// P is the p-value of ChiSquare against the chi-square law with one
	// degree of freedom, erfc(|Z| / sqrt 2).
	P float64
}

// LogRankTest compares two samples of censored durations with the
// log-rank test (Mantel 1966, "Evaluation of survival data and two new
// rank order statistics arising in its consideration", Cancer
// Chemotherapy Reports 50; Peto and Peto 1972, "Asymptotically efficient
// rank invariant test procedures", JRSS A 135): the statistic of R's
// survival::survdiff with rho = 0. Each sample is a list of [Tie] in
// increasing order of time.
func LogRankTest(a, b []Tie) LogRank {
	var r LogRank
	var nA, nB int64
	for _, t := range a {
		nA += t.Events + t.Censored
		r.ObservedA += t.Events
	}
	for _, t := range b {
		nB += t.Events + t.Censored
		r.ObservedB += t.Events
	}
	if nA == 0 || nB == 0 {
		return r
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var at int64
		switch {
		case i == len(a):
			at = b[j].At
		case j == len(b):
			at = a[i].At
		default:
			at = min(a[i].At, b[j].At)
		}
		var dA, cA, dB, cB int64
		if i < len(a) && a[i].At == at {
			dA, cA = a[i].Events, a[i].Censored
			i++
		}
		if j < len(b) && b[j].At == at {
			dB, cB = b[j].Events, b[j].Censored
			j++
		}
		if d := dA + dB; d > 0 && nA+nB > 0 {
			n := float64(nA + nB)
			fa := float64(nA) / n
			r.ExpectedA += float64(d) * fa
			if n > 1 {
				r.Variance += float64(d) * fa * (float64(nB) / n) * (n - float64(d)) / (n - 1)
			}
		}
		nA -= dA + cA
		nB -= dB + cB
	}
	return r.finish()
}

// finish completes a test whose observed and expected events of A and
// variance are summed: B's expected events, and where the variance is
// positive the chi-square, Z = (O_A - E_A) / sqrt(V) and its two-sided
// p-value.
func (r LogRank) finish() LogRank {
	r.ExpectedB = float64(r.ObservedA+r.ObservedB) - r.ExpectedA
	if !(r.Variance > 0) {
		r.Variance = 0
		return r
	}
	r.Defined = true
	diff := float64(r.ObservedA) - r.ExpectedA
	r.ChiSquare = diff * diff / r.Variance
	r.Z = diff / math.Sqrt(r.Variance)
	r.P = TwoSidedP(r.Z)
	return r
}

// AppendWithout appends to dst the ties of all without those of part, a
// sub-sample of all (every At of part is in all, with no more events or
// censored units): the ties of the rest of the units, without the
// durations left empty. It returns the extended dst.
func AppendWithout(dst, all, part []Tie) []Tie {
	j := 0
	for _, x := range all {
		if j < len(part) && part[j].At == x.At {
			x.Events -= part[j].Events
			x.Censored -= part[j].Censored
			j++
		}
		if x.Events+x.Censored > 0 {
			dst = append(dst, x)
		}
	}
	return dst
}

// A LogRankPool is a sample of durations, given by its ties, prepared for
// log-rank tests of its sub-samples against the rest of it
// ([LogRankPool.Rest]) in time proportional to the sub-sample's ties
// (times the logarithm of the pool's per tie), not to the pool's: per distinct
// event time t_k, the units at risk n_k, and prefix sums over the event
// times of d/n, d (n-d) / (n (n-1)) and d (n-d) / (n² (n-1)).
type LogRankPool struct {
	at            []int64 // the event times, increasing
	n             []int64 // the units at risk just before each
	d             []int64 // prefix sums of the events (len(at)+1)
	p0, p1, p2    []float64
	units, events int64
}

// NewLogRankPool returns the pool of the ties all, in increasing order of
// time.
func NewLogRankPool(all []Tie) *LogRankPool {
	p := &LogRankPool{d: []int64{0}, p0: []float64{0}, p1: []float64{0}, p2: []float64{0}}
	for _, t := range all {
		p.units += t.Events + t.Censored
	}
	risk := p.units
	for _, t := range all {
		if t.Events > 0 {
			n, d := float64(risk), float64(t.Events)
			w1, w2 := 0.0, 0.0
			if risk > 1 {
				w1 = d * (n - d) / (n * (n - 1))
				w2 = w1 / n
			}
			k := len(p.at)
			p.at = append(p.at, t.At)
			p.n = append(p.n, risk)
			p.d = append(p.d, p.d[k]+t.Events)
			p.p0 = append(p.p0, p.p0[k]+d/n)
			p.p1 = append(p.p1, p.p1[k]+w1)
			p.p2 = append(p.p2, p.p2[k]+w2)
			p.events += t.Events
		}
		risk -= t.Events + t.Censored
	}
	return p
}

// Rest is the log-rank test of part, a sub-sample of the pool (every At
// of part is in it, with no more events or censored units), against the
// rest of the pool: [LogRankTest](part, the pool without part), by the
// same definitions, summed over the runs of event times between part's
// ties, where part's units at risk n_A are constant:
//
//	E_A = Σ n_A Σ d/n,  V = Σ n_A Σ d(n-d)/(n(n-1)) - n_A² Σ d(n-d)/(n²(n-1)),
//
// the inner sums differences of the prefix sums. Where the rest has no
// unit at risk (n = n_A) a run adds its events to E_A exactly and nothing
// to V, so that a variance that is zero stays zero. The figures are the
// direct test's up to rounding.
func (p *LogRankPool) Rest(part []Tie) LogRank {
	var r LogRank
	var nA int64
	for _, t := range part {
		nA += t.Events + t.Censored
		r.ObservedA += t.Events
	}
	r.ObservedB = p.events - r.ObservedA
	if nA == 0 || nA == p.units {
		return r
	}
	k0 := 0
	for _, t := range part {
		// the event times in (previous tie, t.At] have n_A at risk
		k1 := gallop(k0, len(p.at), func(i int) bool { return p.at[i] <= t.At })
		// those where the rest still has units at risk come first (n
		// does not increase): n_k > n_A
		kb := k1
		if k1 > k0 && p.n[k1-1] <= nA {
			kb = gallop(k0, k1, func(i int) bool { return p.n[i] > nA })
		}
		a := float64(nA)
		r.ExpectedA += a * (p.p0[kb] - p.p0[k0])
		r.ExpectedA += float64(p.d[k1] - p.d[kb])
		r.Variance += a*(p.p1[kb]-p.p1[k0]) - a*a*(p.p2[kb]-p.p2[k0])
		nA -= t.Events + t.Censored
		k0 = k1
	}
	return r.finish()
}

// gallop returns the end of the prefix of [lo, hi) where before holds (a
// prefix: true, then false), by doubling steps from lo, then bisection:
// time in the logarithm of the distance from lo.
func gallop(lo, hi int, before func(int) bool) int {
	if lo >= hi || !before(lo) {
		return lo
	}
	prev, step := lo, 1
	for {
		next := lo + step
		if next >= hi || !before(next) {
			end := min(next, hi)
			return prev + 1 + sort.Search(end-prev-1, func(i int) bool { return !before(prev + 1 + i) })
		}
		prev, step = next, 2*step
	}
}
