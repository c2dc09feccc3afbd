package stat

import "math"

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
