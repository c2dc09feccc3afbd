package funnel

import (
	"fmt"
	"math"
	"slices"

	"github.com/funnelmetrics/funnel/internal/stat"
)

// This file holds the library's tests of changes that are not rates: deal
// sizes ([AmountComparison]) and durations to an event
// ([DurationComparison]). Segments use them against the rest of the deals
// ([SegmentTests]); package trend uses them between periods.

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

var permutationNames = [...]string{NotPermuted: "none", ExactPermutation: "exact", MonteCarlo: "monte-carlo", NormalPermutation: "normal"}

// String returns "none", "exact", "monte-carlo" or "normal", or
// "PermutationMethod(N)" for an invalid value.
func (m PermutationMethod) String() string {
	return enumString(m, permutationNames[:], "PermutationMethod")
}

// MarshalText encodes the method by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (m PermutationMethod) MarshalText() ([]byte, error) {
	return enumMarshal(m, permutationNames[:], "permutation method", ErrInvalidParam)
}

// UnmarshalText decodes a method name written by
// [PermutationMethod.MarshalText].
func (m *PermutationMethod) UnmarshalText(b []byte) error {
	return enumUnmarshal(m, b, permutationNames[:], "permutation method", ErrInvalidParam)
}

// The settings of every permutation test of the library: a fixed seed, so
// that results repeat; the number of random splits; and the largest work
// (random draws: the smaller group's size times the splits) spent on
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
// (the won deals of a segment and of the rest, of a period and of the
// period before) differ.
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
	// exp(mean ln A - mean ln B), and Interval bounds it at the test's
	// confidence level: exp of Welch's interval of the difference of the
	// log means, t_(DF, (1+level)/2) SE.
	Ratio    float64  `json:"ratio"`
	Interval Interval `json:"interval"`
	// T and DF are Welch's statistic and its Welch-Satterthwaite degrees
	// of freedom, and PValue its two-sided p-value (Student's t law), as
	// scipy.stats.ttest_ind(equal_var=False) and R's t.test (whose default
	// is Welch's) on the log amounts.
	T      float64 `json:"t"`
	DF     float64 `json:"df"`
	PValue float64 `json:"p_value"`
	// PAdjusted is PValue adjusted for the other comparisons made at once
	// (Benjamini-Hochberg, as [Comparison].PAdjusted), equal to PValue for
	// a comparison made alone.
	PAdjusted float64 `json:"p_adjusted"`
	// Verdict is withheld when a group has fewer positive amounts than the
	// test's minimum sample or the test is not defined; otherwise higher
	// or lower (A's geometric mean against B's) when PAdjusted is below 1
	// - confidence, no difference when not.
	Verdict Verdict `json:"verdict"`
	// Permutation tests the difference of the arithmetic means.
	Permutation Permutation `json:"permutation"`
}

// CompareAmounts compares the amounts of two groups, a (A) and b (B), in
// any order, as [AmountComparison] says, under t's confidence and minimum
// sample, as a comparison made alone (PAdjusted = PValue). The amounts
// are given as float64 (the nearest, as decimal.Decimal.InexactFloat64
// gives it). It returns an error wrapping [ErrInvalidParam] for an
// invalid Test or an amount that is negative or NaN.
func CompareAmounts(a, b []float64, t Test) (AmountComparison, error) {
	level, minSample, err := t.resolve()
	if err != nil {
		return AmountComparison{}, err
	}
	for _, x := range [][]float64{a, b} {
		for _, v := range x {
			if !(v >= 0) {
				return AmountComparison{}, fmt.Errorf("funnel: comparing amounts: amount %v: %w", v, ErrInvalidParam)
			}
		}
	}
	return compareAmounts(a, b, level, minSample), nil
}

// compareAmounts is CompareAmounts with a resolved test.
func compareAmounts(a, b []float64, level float64, minSample int64) AmountComparison {
	la, za := logs(nil, a)
	lb, zb := logs(nil, b)
	p := stat.PermutationTest(a, b, PermutationResamples, PermutationSeed, PermutationMaxWork)
	return amountComparison(int64(len(a)), int64(len(b)), za, zb, p, stat.MomentsOf(la), stat.MomentsOf(lb), level, minSample)
}

// amountComparison is the comparison of groups of na and nb amounts, za
// and zb of them not positive, given the permutation test of the amounts
// and the moments of the logarithms of the positive ones, with the
// verdict of a comparison made alone.
func amountComparison(na, nb, za, zb int64, p stat.Permutation, la, lb stat.Moments, level float64, minSample int64) AmountComparison {
	c := AmountComparison{A: na, B: nb, ZerosA: za, ZerosB: zb}
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
	w := stat.WelchTest(la, lb, level)
	if !w.Defined || math.IsInf(math.Exp(w.Hi), 0) {
		return c
	}
	c.Defined = true
	c.Ratio = math.Exp(w.Diff)
	c.Interval = Interval{Lo: math.Exp(w.Lo), Hi: math.Exp(w.Hi), Confidence: level, Defined: true}
	c.T, c.DF, c.PValue, c.PAdjusted = w.T, w.DF, w.P, w.P
	c.Verdict = VerdictOf(la.N >= minSample && lb.N >= minSample, c.PAdjusted, level, w.Diff)
	return c
}

// adjust sets the comparison's adjusted p-value to q, made among others
// at confidence level (see [Comparison.PAdjusted]).
func (c *AmountComparison) adjust(q, level float64) {
	c.PAdjusted, c.Verdict = q, c.Verdict.Adjusted(q, level)
}

// logs appends to dst the natural logarithms of the positive finite
// amounts, sorted (in linear time when x is sorted), and returns it with
// the count of the others.
func logs(dst, x []float64) ([]float64, int64) {
	out := slices.Grow(dst[:0], len(x))
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

// A DurationComparison tests whether durations to an event (a close, a
// win, a stage reached, leaving a stage) differ between two groups of
// deals A and B (a segment and the rest, a period and the period before),
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
	// once (Benjamini-Hochberg, as [Comparison].PAdjusted), equal to
	// PValue for a comparison made alone.
	PAdjusted float64 `json:"p_adjusted"`
	// Verdict is withheld when a group has fewer durations than the
	// test's minimum sample or the test is not defined; otherwise higher
	// (A's durations are longer: Z < 0) or lower when PAdjusted is below
	// 1 - confidence, and no difference when not.
	Verdict Verdict `json:"verdict"`
}

// A DurationTie is what happened at one duration of a sample of durations
// to an event, some of them censored: Events units had the event after At
// (in any unit, seconds in the library) and Censored units were censored
// there. A sample is a slice of DurationTies in increasing order of At,
// one per distinct duration.
type DurationTie = stat.Tie

// CompareDurations compares two samples of durations, a (A) and b (B),
// each given by its ties, with the log-rank test ([DurationComparison])
// under t's confidence and minimum sample, as a comparison made alone
// (PAdjusted = PValue). It returns an error wrapping [ErrInvalidParam]
// for an invalid Test, or ties out of strictly increasing order of At or
// with negative counts.
func CompareDurations(a, b []DurationTie, t Test) (DurationComparison, error) {
	level, minSample, err := t.resolve()
	if err != nil {
		return DurationComparison{}, err
	}
	for _, x := range [][]DurationTie{a, b} {
		for i, e := range x {
			if e.Events < 0 || e.Censored < 0 || (i > 0 && e.At <= x[i-1].At) {
				return DurationComparison{}, fmt.Errorf("funnel: comparing durations: tie %d %+v: %w", i, e, ErrInvalidParam)
			}
		}
	}
	return compareDurations(a, b, level, minSample), nil
}

// compareDurations is CompareDurations with a resolved test.
func compareDurations(a, b []stat.Tie, level float64, minSample int64) DurationComparison {
	return durationComparison(stat.LogRankTest(a, b), tieCount(a), tieCount(b), level, minSample)
}

// durationComparison is the comparison of groups of nA and nB durations
// given their log-rank test, with the verdict of a comparison made alone.
func durationComparison(r stat.LogRank, nA, nB int64, level float64, minSample int64) DurationComparison {
	c := DurationComparison{A: nA, B: nB, EventsA: r.ObservedA, EventsB: r.ObservedB}
	if !r.Defined {
		return c
	}
	c.Defined = true
	c.ExpectedA, c.ExpectedB, c.Variance, c.ChiSquare, c.Z, c.PValue = r.ExpectedA, r.ExpectedB, r.Variance, r.ChiSquare, r.Z, r.P
	c.PAdjusted = r.P
	c.Verdict = VerdictOf(c.A >= minSample && c.B >= minSample, c.PAdjusted, level, -c.Z)
	return c
}

// adjust sets the comparison's adjusted p-value to q, made among others
// at confidence level (see [Comparison.PAdjusted]).
func (c *DurationComparison) adjust(q, level float64) {
	c.PAdjusted, c.Verdict = q, c.Verdict.Adjusted(q, level)
}

func tieCount(t []stat.Tie) int64 {
	var n int64
	for _, x := range t {
		n += x.Events + x.Censored
	}
	return n
}
