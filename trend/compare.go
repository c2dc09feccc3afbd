package trend

import (
	"math"
	"slices"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
)

// A DurationComparison tests whether durations to an event (a close, a
// win, a stage reached, leaving a stage) differ between two groups of
// deals A and B (a period and the period before, a segment and the rest),
// with deals whose event has not happened censored: the log-rank test of
// the two Kaplan-Meier curves (Mantel 1966; Peto and Peto 1972), the
// statistic of R's survival::survdiff. At each distinct event time t, with
// d(t) events among the n(t) deals of both groups at risk just before t,
// A expects d(t) n_A(t) / n(t) of them;
//
//	chi² = (O_A - E_A)² / V,  V = Σ d(t) (n_A/n) (n_B/n) (n - d) / (n - 1),
//
// compared with the chi-square law with one degree of freedom.
type DurationComparison struct {
	// A and B are the durations of each group (events and censored),
	// EventsA and EventsB their events.
	A       int64 `json:"a"`
	B       int64 `json:"b"`
	EventsA int64 `json:"events_a"`
	EventsB int64 `json:"events_b"`
	// Defined reports whether the test was computed: both groups have
	// durations and the variance is positive. When false, only A, B,
	// EventsA, EventsB and Verdict (withheld) are set.
	Defined bool `json:"defined"`
	// ExpectedA and ExpectedB are the events expected under equal
	// hazards; ExpectedA + ExpectedB = EventsA + EventsB.
	ExpectedA float64 `json:"expected_a"`
	ExpectedB float64 `json:"expected_b"`
	Variance  float64 `json:"variance"`
	ChiSquare float64 `json:"chi_square"`
	// Z is (O_A - E_A) / sqrt(V): negative when A has fewer events than
	// expected, that is longer durations.
	Z float64 `json:"z"`
	// PValue is the two-sided p-value, erfc(|Z| / sqrt 2).
	PValue float64 `json:"p_value"`
	// PAdjusted is the p-value adjusted for the other comparisons made at
	// once (Benjamini-Hochberg; see [Adjust]), equal to PValue for a
	// comparison made alone.
	PAdjusted float64 `json:"p_adjusted"`
	// Verdict is withheld when a group has fewer durations than the
	// scan's minimum sample or the test is not defined; otherwise higher
	// (A's durations are longer: Z < 0) or lower when PAdjusted is below
	// 1 - confidence, and no difference when not.
	Verdict funnel.Verdict `json:"verdict"`
}

// compareTies is the log-rank comparison of two groups of durations
// given by their ties, with the verdict of a comparison made alone.
func compareTies(a, b []stat.Tie, level float64, minSample int64) DurationComparison {
	r := stat.LogRankTest(a, b)
	c := DurationComparison{A: tieCount(a), B: tieCount(b), EventsA: r.ObservedA, EventsB: r.ObservedB}
	if !r.Defined {
		return c
	}
	c.Defined = true
	c.ExpectedA, c.ExpectedB, c.Variance, c.ChiSquare, c.Z, c.PValue = r.ExpectedA, r.ExpectedB, r.Variance, r.ChiSquare, r.Z, r.P
	c.PAdjusted = r.P
	c.Verdict = funnel.VerdictOf(c.A >= minSample && c.B >= minSample, c.PAdjusted, level, -c.Z)
	return c
}

func tieCount(t []stat.Tie) int64 {
	var n int64
	for _, x := range t {
		n += x.Events + x.Censored
	}
	return n
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

// A PermutationMethod says how a [Permutation] test computed its p-value.
// The zero PermutationMethod is [NotPermuted].
type PermutationMethod int8

// The methods of a permutation test.
const (
	// NotPermuted: the test was not computed (an empty group, or every
	// amount equal).
	NotPermuted PermutationMethod = iota
	// ExactPermutation enumerated every split of the pooled amounts.
	ExactPermutation
	// MonteCarlo drew [PermutationResamples] random splits.
	MonteCarlo
	// NormalPermutation used the normal law of the permutation
	// distribution.
	NormalPermutation
)

var permutationNames = []string{NotPermuted: "none", ExactPermutation: "exact", MonteCarlo: "monte-carlo", NormalPermutation: "normal"}

// String returns "none", "exact", "monte-carlo" or "normal", or
// "PermutationMethod(N)" for an invalid value.
func (m PermutationMethod) String() string { return enumName(m, permutationNames, "PermutationMethod") }

// MarshalText encodes the method by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid value.
func (m PermutationMethod) MarshalText() ([]byte, error) {
	return enumText(m, permutationNames, "permutation method")
}

// UnmarshalText decodes a method name written by
// [PermutationMethod.MarshalText].
func (m *PermutationMethod) UnmarshalText(b []byte) error {
	return enumParse(m, b, permutationNames, "permutation method")
}

// The settings of every permutation test of the package: a fixed seed,
// so that results repeat; the number of random splits; and the largest
// work (random draws: the smaller group's size times the splits) spent on
// drawing before the normal law is used instead.
const (
	PermutationSeed      = 20240101
	PermutationResamples = 1999
	PermutationMaxWork   = 1 << 20
)

// A Permutation is a two-sided permutation test of the difference of the
// mean amounts of two groups (Fisher 1935; Pitman 1937): how often a
// random split of the pooled amounts into groups of the same sizes gives
// a difference of means at least as large. It is exact when the splits
// are at most [PermutationResamples]; otherwise it draws that many
// random splits with the seed [PermutationSeed], p = (1 + splits at least
// as extreme) / (1 + draws) (Phipson and Smyth 2010, "Permutation p-values
// should never be zero"), while the smaller group times the draws is at
// most [PermutationMaxWork]; past that it uses the normal law of the
// permutation distribution (Hájek 1961's combinatorial central limit
// theorem: A's sum has variance n_A n_B / (n (n-1)) Σ (x - x̄)²). As
// scipy.stats.permutation_test with permutation_type "independent". It
// makes no assumption on the law of the amounts, so it suits skewed ones.
type Permutation struct {
	Method PermutationMethod `json:"method"`
	// Resamples is the number of splits enumerated or drawn; 0 for the
	// normal law.
	Resamples int64 `json:"resamples"`
	// Diff is mean A - mean B of the amounts.
	Diff   float64 `json:"diff"`
	PValue float64 `json:"p_value"`
}

// An AmountComparison tests whether the amounts of two groups of deals
// (the won deals of a period and of the period before) differ.
//
// Deal sizes are right-skewed, close to log-normal: a few large deals
// dominate the mean. The verdict is therefore Welch's t-test (Welch 1947)
// on the natural logarithms of the positive amounts, where the
// t-test's assumptions hold far better and a difference reads as a ratio:
// exp(mean ln A - mean ln B) is the ratio of the geometric means (the
// typical deal of A is that many times B's), given with its interval.
// Zero amounts have no logarithm and are left out of it (ZerosA,
// ZerosB). Beside it, [Permutation] tests the difference of the
// arithmetic means of all the amounts, with no assumption on their law.
type AmountComparison struct {
	// A and B count the amounts of each group; ZerosA and ZerosB the zero
	// amounts among them (and any too large for a float64), left out of
	// the log-scale test.
	A      int64 `json:"a"`
	B      int64 `json:"b"`
	ZerosA int64 `json:"zeros_a"`
	ZerosB int64 `json:"zeros_b"`
	// Defined reports whether Welch's test was computed: at least two
	// positive amounts on each side, not all equal. When false, Ratio,
	// Interval, T, DF and the p-values are zero and the verdict withheld.
	Defined bool `json:"defined"`
	// Ratio is the ratio of the geometric means of the positive amounts,
	// exp(mean ln A - mean ln B), and Interval bounds it at the scan's
	// confidence level: exp of Welch's interval of the difference of the
	// log means, t_(DF, (1+level)/2) SE.
	Ratio    float64         `json:"ratio"`
	Interval funnel.Interval `json:"interval"`
	// T and DF are Welch's statistic and its Welch-Satterthwaite degrees
	// of freedom, and PValue its two-sided p-value (Student's t law), as
	// scipy.stats.ttest_ind(equal_var=False) on the log amounts.
	T      float64 `json:"t"`
	DF     float64 `json:"df"`
	PValue float64 `json:"p_value"`
	// PAdjusted is PValue adjusted for the other comparisons made at once
	// (Benjamini-Hochberg), equal to PValue for a comparison made alone.
	PAdjusted float64 `json:"p_adjusted"`
	// Verdict is withheld when a group has fewer positive amounts than the
	// scan's minimum sample or the test is not defined; otherwise higher or lower
	// (A's geometric mean against B's) when PAdjusted is below 1 -
	// confidence, no difference when not.
	Verdict funnel.Verdict `json:"verdict"`
	// Permutation tests the difference of the arithmetic means.
	Permutation Permutation `json:"permutation"`
}

// compareAmounts compares two samples of amounts, each sorted, with the
// verdict of a comparison made alone.
func compareAmounts(a, b []float64, level float64, minSample int64) AmountComparison {
	c := AmountComparison{A: int64(len(a)), B: int64(len(b))}
	la, za := logs(a)
	lb, zb := logs(b)
	c.ZerosA, c.ZerosB = za, zb
	p := stat.PermutationTest(a, b, PermutationResamples, PermutationSeed, PermutationMaxWork)
	if p.Defined {
		c.Permutation = Permutation{Diff: p.Diff, PValue: p.P, Resamples: p.Resamples}
		switch p.Method {
		case stat.PermExact:
			c.Permutation.Method = ExactPermutation
		case stat.PermMonteCarlo:
			c.Permutation.Method = MonteCarlo
		default:
			c.Permutation.Method = NormalPermutation
		}
	}
	w := stat.WelchTest(stat.MomentsOf(la), stat.MomentsOf(lb), level)
	if !w.Defined || math.IsInf(math.Exp(w.Hi), 0) {
		return c
	}
	c.Defined = true
	c.Ratio = math.Exp(w.Diff)
	c.Interval = funnel.Interval{Lo: math.Exp(w.Lo), Hi: math.Exp(w.Hi), Confidence: level, Defined: true}
	c.T, c.DF, c.PValue, c.PAdjusted = w.T, w.DF, w.P, w.P
	c.Verdict = funnel.VerdictOf(int64(len(la)) >= minSample && int64(len(lb)) >= minSample, c.PAdjusted, level, w.Diff)
	return c
}

// logs returns the natural logarithms of the positive finite amounts and
// the count of the others.
func logs(x []float64) ([]float64, int64) {
	out := make([]float64, 0, len(x))
	var zeros int64
	for _, v := range x {
		if v > 0 && !math.IsInf(v, 0) {
			out = append(out, math.Log(v))
		} else {
			zeros++
		}
	}
	slices.Sort(out)
	return out, zeros
}
