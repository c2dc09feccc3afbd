package stat

import (
	"cmp"
	"math"
	"slices"
)

// BH returns the Benjamini-Hochberg adjusted p-values of the m p-values
// p, in the same order: for the p-value of rank i in increasing order,
//
//	min over ranks j >= i of min(1, m p_(j) / j),
//
// so that rejecting every hypothesis whose adjusted p-value is below q
// controls the false discovery rate at q for independent or positively
// dependent tests (Benjamini and Hochberg 1995, "Controlling the false
// discovery rate: a practical and powerful approach to multiple testing",
// JRSS B 57). It is R's p.adjust(p, method = "BH"). A NaN p-value is
// treated as 1. p is not modified.
func BH(p []float64) []float64 {
	m := len(p)
	out := make([]float64, m)
	if m == 0 {
		return out
	}
	clean := func(v float64) float64 {
		if math.IsNaN(v) {
			return 1
		}
		return min(max(v, 0), 1)
	}
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	// decreasing p, ties in index order (as R's order(p, decreasing = TRUE))
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(clean(p[b]), clean(p[a])) })
	run := 1.0
	for k, i := range order {
		rank := m - k
		run = min(run, float64(m)/float64(rank)*clean(p[i]))
		out[i] = run
	}
	return out
}

// A Family is a set of tests made at once, whose p-values are adjusted
// together by [BH]: each member's p-value and the place to store its
// adjusted one.
type Family struct {
	p   []float64
	set []func(q float64)
}

// Add adds a test of p-value p to the family; [Family.Adjust] calls set
// with its adjusted p-value.
func (f *Family) Add(p float64, set func(q float64)) {
	f.p = append(f.p, p)
	f.set = append(f.set, set)
}

// Adjust calls every member's set with its Benjamini-Hochberg adjusted
// p-value over the whole family.
func (f *Family) Adjust() {
	for i, q := range BH(f.p) {
		f.set[i](q)
	}
}

// Discovery reports whether a difference found by a test whose adjusted
// p-value is q stands at confidence level: q < 1 - level. funnel.VerdictOf
// and funnel.Verdict.Adjusted, the rules of every verdict, rest on it.
func Discovery(q, level float64) bool { return q < 1-level }
