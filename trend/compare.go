package trend

import (
	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
)

// A DurationComparison is the log-rank test of two groups of durations,
// [funnel.DurationComparison]: the one test of durations of the library,
// which segments use against the rest of the deals too.
type DurationComparison = funnel.DurationComparison

// compareTies is the log-rank comparison of two groups of durations
// given by their ties, with the verdict of a comparison made alone.
func compareTies(a, b []stat.Tie, level float64, minSample int64) DurationComparison {
	c, _ := funnel.CompareDurations(a, b, funnel.Test{Confidence: funnel.Confidence(level), MinSample: minSample}) // ties in order, a resolved test
	return c
}

// Adjust returns the Benjamini-Hochberg adjusted p-values of p (Benjamini
// and Hochberg 1995, "Controlling the false discovery rate: a practical
// and powerful approach to multiple testing", JRSS B 57), in the same
// order: for the p-value of rank i of m in increasing order, the minimum
// over ranks j >= i of min(1, m p_(j) / j), as R's p.adjust(p, "BH").
// Declaring a difference where the adjusted p-value is below 1 -
// confidence keeps the expected share of false discoveries among them
// at most 1 - confidence. NaN counts as 1; p is not modified.
//
// Every analysis of this package that tests many periods or segments at
// once (the changes of [Report.Metric], the segments and periods of a
// [Conversion]) gives these beside the raw p-values and bases its
// verdicts on them.
func Adjust(p []float64) []float64 { return stat.BH(p) }

// A PermutationMethod says how a [Permutation] test computed its p-value:
// [funnel.PermutationMethod].
type PermutationMethod = funnel.PermutationMethod

// The methods of a permutation test ([funnel.PermutationMethod]).
const (
	NotPermuted       = funnel.NotPermuted
	ExactPermutation  = funnel.ExactPermutation
	MonteCarlo        = funnel.MonteCarlo
	NormalPermutation = funnel.NormalPermutation
)

// The settings of every permutation test of the library (see
// [funnel.PermutationSeed]).
const (
	PermutationSeed      = funnel.PermutationSeed
	PermutationResamples = funnel.PermutationResamples
	PermutationMaxWork   = funnel.PermutationMaxWork
)

// A Permutation is the permutation test of the difference of two mean
// amounts, [funnel.Permutation].
type Permutation = funnel.Permutation

// An AmountComparison tests whether the amounts of two groups of deals
// differ: Welch's test of the log amounts beside the permutation test of
// the means, [funnel.AmountComparison], the one test of amounts of the
// library, which segments use against the rest of the deals too.
type AmountComparison = funnel.AmountComparison

// compareAmounts compares two samples of amounts with the verdict of a
// comparison made alone.
func compareAmounts(a, b []float64, level float64, minSample int64) AmountComparison {
	c, _ := funnel.CompareAmounts(a, b, funnel.Test{Confidence: funnel.Confidence(level), MinSample: minSample}) // amounts of valid deals, a resolved test
	return c
}
