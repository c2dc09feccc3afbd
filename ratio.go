package funnel

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/shopspring/decimal"
)

// A Ratio is a count-based proportion Num/Den, such as 12 deals won of 40
// closed. It keeps both counts, so ratios from parts of the data add up
// exactly ([Ratio.Add]) and an empty set stays distinguishable from 0%.
// The zero Ratio is 0/0 and means "undefined: no observations".
type Ratio struct {
	Num int64
	Den int64
}

// Defined reports whether the ratio has observations (Den > 0).
func (r Ratio) Defined() bool { return r.Den > 0 }

// Float64 returns Num/Den, and false (with 0) when Den is 0.
func (r Ratio) Float64() (float64, bool) {
	if r.Den == 0 {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// Percent returns 100 Num/Den rounded half away from zero to the given
// decimal places, exactly, and false when Den is 0.
func (r Ratio) Percent(places int32) (decimal.Decimal, bool) {
	if r.Den == 0 {
		return decimal.Decimal{}, false
	}
	return decimal.NewFromInt(r.Num).Mul(decimal.NewFromInt(100)).DivRound(decimal.NewFromInt(r.Den), places), true
}

// Add returns the ratio of the summed counts, (r.Num+s.Num)/(r.Den+s.Den):
// the ratio over the union of two disjoint sets. It is how ratios merge;
// averaging the rates of parts would be wrong.
func (r Ratio) Add(s Ratio) Ratio { return Ratio{Num: r.Num + s.Num, Den: r.Den + s.Den} }

// valid reports whether the counts make a proportion: 0 <= Num <= Den.
func (r Ratio) valid() bool { return r.Num >= 0 && r.Num <= r.Den }

// Wilson returns the Wilson score interval of the proportion at the
// confidence level c:
//
//	(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
//
// with p = Num/Den, n = Den and z the two-sided normal quantile. Unlike the
// normal-approximation interval it stays inside [0, 1], also at Num = 0
// and Num = Den (Wilson 1927; Brown, Cai and DasGupta 2001, "Interval
// Estimation for a Binomial Proportion", Statistical Science 16(2)). The
// interval of an undefined ratio (Den = 0) is not Defined. It returns an
// error wrapping [ErrInvalidParam] for an invalid level (see [Confidence])
// or counts that are not a proportion (Num outside 0..Den).
func (r Ratio) Wilson(c Confidence) (Interval, error) {
	level, err := c.Level()
	if err != nil {
		return Interval{}, err
	}
	if !r.valid() {
		return Interval{}, fmt.Errorf("funnel: ratio %d/%d: %w", r.Num, r.Den, ErrInvalidParam)
	}
	return r.wilson(level), nil
}

// wilson is Wilson at a valid level, for valid counts.
func (r Ratio) wilson(level float64) Interval {
	if r.Den == 0 {
		return Interval{}
	}
	lo, hi := stat.Wilson(r.Num, r.Den, stat.Z(level))
	return Interval{Lo: lo, Hi: hi, Confidence: level, Defined: true}
}

// String returns "12/40 (30.0%)", or "0/0 (n/a)" when undefined.
func (r Ratio) String() string {
	s := strconv.FormatInt(r.Num, 10) + "/" + strconv.FormatInt(r.Den, 10)
	p, ok := r.Percent(1)
	if !ok {
		return s + " (n/a)"
	}
	return s + " (" + p.StringFixed(1) + "%)"
}

type ratioJSON struct {
	Num   int64    `json:"num"`
	Den   int64    `json:"den"`
	Value *float64 `json:"value"`
}

// MarshalJSON encodes the ratio as {"num":12,"den":40,"value":0.3}, with
// "value" null when Den is 0.
func (r Ratio) MarshalJSON() ([]byte, error) {
	o := ratioJSON{Num: r.Num, Den: r.Den}
	if v, ok := r.Float64(); ok {
		o.Value = &v
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a ratio written by [Ratio.MarshalJSON]; the value
// is recomputed from the counts. It returns an error wrapping
// [ErrInvalidParam] for negative counts.
func (r *Ratio) UnmarshalJSON(b []byte) error {
	var o ratioJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	if o.Num < 0 || o.Den < 0 {
		return fmt.Errorf("funnel: ratio %d/%d: %w", o.Num, o.Den, ErrInvalidParam)
	}
	*r = Ratio{o.Num, o.Den}
	return nil
}

// A Confidence is the level of an interval or a test, such as 0.95 for
// 95%. The zero Confidence means 0.95. Every function and option of the
// library that takes a level follows this one rule: zero is 0.95, a level
// inside (0, 1) is used as it is, and any other level (NaN included) is an
// error wrapping [ErrInvalidParam].
type Confidence float64

// Level returns the level as a fraction, with zero standing for 0.95, and
// an error wrapping [ErrInvalidParam] for a level outside (0, 1).
func (c Confidence) Level() (float64, error) {
	l, err := stat.Level(float64(c))
	if err != nil {
		return 0, fmt.Errorf("funnel: confidence %v: %w", float64(c), ErrInvalidParam)
	}
	return l, nil
}

// An Interval bounds an estimate at a confidence level. An interval that
// could not be computed (no observations) is not Defined, and its other
// fields are zero.
type Interval struct {
	Lo, Hi     float64
	Confidence float64 // the level, such as 0.95
	Defined    bool
}

type intervalJSON struct {
	Lo         float64 `json:"lo"`
	Hi         float64 `json:"hi"`
	Confidence float64 `json:"confidence"`
}

// MarshalJSON encodes the interval as {"lo":..,"hi":..,"confidence":0.95},
// or null when it is not defined.
func (iv Interval) MarshalJSON() ([]byte, error) {
	if !iv.Defined {
		return []byte("null"), nil
	}
	if math.IsNaN(iv.Lo) || math.IsNaN(iv.Hi) {
		return nil, fmt.Errorf("funnel: NaN interval bound: %w", ErrInvalidParam)
	}
	return json.Marshal(intervalJSON{iv.Lo, iv.Hi, iv.Confidence})
}

// UnmarshalJSON decodes an interval written by [Interval.MarshalJSON].
func (iv *Interval) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*iv = Interval{}
		return nil
	}
	var o intervalJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*iv = Interval{Lo: o.Lo, Hi: o.Hi, Confidence: o.Confidence, Defined: true}
	return nil
}

// A Rate is a [Ratio] with its Wilson score interval at the confidence
// level of the analysis that computed it (see [Ratio.Wilson]): how every
// rate of a report is given.
type Rate struct {
	Ratio
	Interval Interval
}

// rate returns r with its interval at a valid level.
func rate(r Ratio, level float64) Rate { return Rate{r, r.wilson(level)} }

type rateJSON struct {
	ratioJSON
	Interval Interval `json:"interval"`
}

// MarshalJSON encodes the rate as
// {"num":12,"den":40,"value":0.3,"interval":{"lo":..,"hi":..,"confidence":0.95}},
// with "value" and "interval" null when Den is 0.
func (r Rate) MarshalJSON() ([]byte, error) {
	o := rateJSON{ratioJSON: ratioJSON{Num: r.Num, Den: r.Den}, Interval: r.Interval}
	if v, ok := r.Float64(); ok {
		o.Value = &v
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a rate written by [Rate.MarshalJSON].
func (r *Rate) UnmarshalJSON(b []byte) error {
	var o rateJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	if o.Num < 0 || o.Den < 0 {
		return fmt.Errorf("funnel: rate %d/%d: %w", o.Num, o.Den, ErrInvalidParam)
	}
	*r = Rate{Ratio{o.Num, o.Den}, o.Interval}
	return nil
}

// A MoneyRate is a [MoneyRatio] of sums over a set of deals, such as the
// value won over the value closed, with an interval: the ratio estimator
// R = sum(y) / sum(x) over n deals (y_i the deal's part of the numerator,
// x_i of the denominator) has, by the delta method, the variance
// s_d^2 / (n xbar^2) with d_i = y_i - R x_i, s_d^2 = sum(d_i^2) / (n-1)
// and xbar the mean of x (Cochran 1977, "Sampling Techniques", 3rd ed.,
// section 6.3); the interval is R ± z sqrt of it, clamped to [0, 1] for a
// share such as the value win rate (a ratio that can exceed 1, such as net
// revenue retention, says how it is clamped). It is
// not defined for fewer than two deals or a zero denominator, nor for the
// value win rate of a scan that sketches its amounts (the value funnel's
// step conversions keep exact sums of squares and have it then too).
type MoneyRate struct {
	MoneyRatio
	Interval Interval
}

type moneyRateJSON struct {
	moneyRatioJSON
	Interval Interval `json:"interval"`
}

// MarshalJSON encodes the rate as {"num":"30","den":"40","value":"0.75","interval":{...}}.
func (r MoneyRate) MarshalJSON() ([]byte, error) {
	o := moneyRateJSON{moneyRatioJSON: moneyRatioJSON{Num: r.Num, Den: r.Den}, Interval: r.Interval}
	if v, ok := r.Value(); ok {
		o.Value = &v
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a rate written by [MoneyRate.MarshalJSON].
func (r *MoneyRate) UnmarshalJSON(b []byte) error {
	var o moneyRateJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = MoneyRate{MoneyRatio{o.Num, o.Den}, o.Interval}
	return nil
}

// A MoneyRatio is a proportion of two amounts of money, such as the value
// won over the value closed. The zero MoneyRatio is 0/0: undefined.
type MoneyRatio struct {
	Num decimal.Decimal
	Den decimal.Decimal
}

// Value returns Num/Den rounded half away from zero to 10 decimal places,
// and false when Den is 0.
func (r MoneyRatio) Value() (decimal.Decimal, bool) {
	if r.Den.IsZero() {
		return decimal.Decimal{}, false
	}
	return r.Num.DivRound(r.Den, divScale), true
}

// String returns "30/40 (75.0%)", or "0/0 (n/a)" when undefined.
func (r MoneyRatio) String() string {
	s := r.Num.String() + "/" + r.Den.String()
	v, ok := r.Value()
	if !ok {
		return s + " (n/a)"
	}
	return s + " (" + v.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%)"
}

type moneyRatioJSON struct {
	Num   decimal.Decimal  `json:"num"`
	Den   decimal.Decimal  `json:"den"`
	Value *decimal.Decimal `json:"value"`
}

// MarshalJSON encodes the ratio as {"num":"30","den":"40","value":"0.75"},
// with "value" null when Den is 0.
func (r MoneyRatio) MarshalJSON() ([]byte, error) {
	o := moneyRatioJSON{Num: r.Num, Den: r.Den}
	if v, ok := r.Value(); ok {
		o.Value = &v
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a ratio written by [MoneyRatio.MarshalJSON].
func (r *MoneyRatio) UnmarshalJSON(b []byte) error {
	var o moneyRatioJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = MoneyRatio{o.Num, o.Den}
	return nil
}

// A Test says how the library tests a difference between two groups: the
// confidence level, the minimum sample a side needs for a verdict, and the
// test of two proportions. Every comparison (segments against the rest,
// periods of a trend, waves of a survey) follows the one Test of its
// options. The zero Test is 95% confidence, a minimum sample of 30 and
// the automatic choice of test.
type Test struct {
	// Confidence is the level of every interval, and 1 - Confidence the
	// significance level of every verdict.
	Confidence Confidence
	// MinSample is the fewest observations (the denominator of a rate)
	// each side needs for a verdict; zero means 30 (Mixpanel hides
	// results under 30 samples; Amplitude asks for n > 30). The p-value
	// and interval are given whatever the sample.
	MinSample int64
	// Method chooses the test of two proportions.
	Method Method
}

func (t Test) resolve() (level float64, minSample int64, err error) {
	level, err = t.Confidence.Level()
	if err != nil {
		return 0, 0, err
	}
	if t.MinSample < 0 || !t.Method.valid() {
		return 0, 0, fmt.Errorf("funnel: test minimum sample %d, method %d: %w", t.MinSample, t.Method, ErrInvalidParam)
	}
	minSample = t.MinSample
	if minSample == 0 {
		minSample = stat.DefaultMinSample
	}
	return level, minSample, nil
}

// A Method is the test used to compare two proportions. The zero Method is
// [Auto].
type Method int8

// The tests of two proportions.
const (
	// Auto uses Fisher's exact test when an expected count of the 2x2
	// table (n_i p and n_i (1-p), with p the pooled rate) is below 5, and
	// the two-proportion z-test otherwise (Cochran's rule).
	Auto Method = iota
	// ZTest is the two-sided two-proportion z-test with the pooled rate
	// (Amplitude's segment comparison is a two-tailed test).
	ZTest
	// Fisher is Fisher's exact test, two-sided: the hypergeometric law of
	// the 2x2 table with fixed margins (Fisher, "Statistical Methods for
	// Research Workers", 1934; Mixpanel compares segments with a
	// hypergeometric test). Its cost grows with the smaller margin of the
	// table; past 2^20 the z-test, which it then matches closely, is used
	// instead and the comparison says so.
	Fisher
)

var methodNames = [...]string{Auto: "auto", ZTest: "z-test", Fisher: "fisher"}

func (m Method) valid() bool { return m >= Auto && m <= Fisher }

// String returns "auto", "z-test" or "fisher", or "Method(N)".
func (m Method) String() string { return enumString(m, methodNames[:], "Method") }

// MarshalText encodes the method by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (m Method) MarshalText() ([]byte, error) {
	return enumMarshal(m, methodNames[:], "method", ErrInvalidParam)
}

// UnmarshalText decodes a method name as written by [Method.MarshalText].
func (m *Method) UnmarshalText(b []byte) error {
	return enumUnmarshal(m, b, methodNames[:], "method", ErrInvalidParam)
}

// A Verdict is the outcome of a comparison. The zero Verdict is
// [Withheld].
type Verdict int8

// The verdicts.
const (
	// Withheld: a side has fewer observations than the minimum sample; no
	// verdict is given.
	Withheld Verdict = iota
	// NoDifference: the p-value is not below 1 - confidence.
	NoDifference
	// Higher: the first value is significantly higher.
	Higher
	// Lower: the first value is significantly lower.
	Lower
)

var verdictNames = [...]string{Withheld: "withheld", NoDifference: "no difference", Higher: "higher", Lower: "lower"}

// String returns "withheld", "no difference", "higher" or "lower", or
// "Verdict(N)".
func (v Verdict) String() string { return enumString(v, verdictNames[:], "Verdict") }

// MarshalText encodes the verdict by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (v Verdict) MarshalText() ([]byte, error) {
	return enumMarshal(v, verdictNames[:], "verdict", ErrInvalidParam)
}

// UnmarshalText decodes a verdict name as written by [Verdict.MarshalText].
func (v *Verdict) UnmarshalText(b []byte) error {
	return enumUnmarshal(v, b, verdictNames[:], "verdict", ErrInvalidParam)
}

// A Comparison compares proportion A (a segment, a period) with
// proportion B (the rest of the deals, another segment, the period
// before).
type Comparison struct {
	A, B Ratio
	// Defined reports whether both proportions have observations; when
	// false, no other field but A, B and Verdict (withheld) is set.
	Defined bool
	// Diff is pA - pB.
	Diff float64
	// Interval bounds Diff: Newcombe's hybrid score interval (Newcombe
	// 1998, "Interval estimation for the difference between independent
	// proportions", Statistics in Medicine 17, method 10), built from the
	// two Wilson intervals: Lo = Diff - sqrt((pA-lA)² + (uB-pB)²),
	// Hi = Diff + sqrt((uA-pA)² + (pB-lB)²), inside [-1, 1].
	Interval Interval
	// Method is the test used: ZTest or Fisher. Exact is false when
	// Fisher's test was asked for but the table was too large to sum and
	// the z-test gave the p-value.
	Method Method
	Exact  bool
	// Z is the z statistic of the two-proportion z-test, (pA - pB) /
	// sqrt(p(1-p)(1/nA + 1/nB)) with the pooled rate p; 0 for Fisher's
	// test, and 0 when p is 0 or 1 (both rates equal).
	Z float64
	// PValue is the two-sided p-value: erfc(|Z|/sqrt 2) for the z-test;
	// for Fisher's test, the total hypergeometric probability of the
	// tables (with the observed margins) no more likely than the observed
	// one (as R's fisher.test, relative tolerance 1e-7).
	PValue float64
	// PAdjusted is PValue adjusted for the other comparisons made at once
	// (a [SegmentReport.Rank], the changes of a trend or of a pulse wave):
	// the Benjamini-Hochberg adjusted p-value over the m tests of the
	// family, min over ranks j >= i of min(1, m p_(j) / j) for the p-value
	// of rank i (Benjamini and Hochberg 1995, "Controlling the false
	// discovery rate: a practical and powerful approach to multiple
	// testing", JRSS B 57; R's p.adjust(p, "BH")). It equals PValue for a
	// comparison made alone ([CompareRates], [SegmentReport.CompareRest],
	// [SegmentReport.Compare]); 0 when the comparison is not Defined.
	PAdjusted float64
	// Verdict is withheld when a side has fewer than the minimum sample;
	// otherwise higher or lower when PAdjusted < 1 - confidence, no
	// difference when not. Declaring a difference only there keeps the
	// expected share of false discoveries among the differences declared
	// at once at most 1 - confidence.
	Verdict Verdict
}

type comparisonJSON struct {
	A         Ratio    `json:"a"`
	B         Ratio    `json:"b"`
	Defined   bool     `json:"defined"`
	Diff      float64  `json:"diff"`
	Interval  Interval `json:"interval"`
	Method    Method   `json:"method"`
	Exact     bool     `json:"exact"`
	Z         float64  `json:"z"`
	PValue    float64  `json:"p_value"`
	PAdjusted float64  `json:"p_adjusted"`
	Verdict   Verdict  `json:"verdict"`
}

// MarshalJSON encodes the comparison with snake_case names.
func (c Comparison) MarshalJSON() ([]byte, error) { return json.Marshal(comparisonJSON(c)) }

// UnmarshalJSON decodes a comparison written by [Comparison.MarshalJSON].
func (c *Comparison) UnmarshalJSON(b []byte) error {
	var o comparisonJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = Comparison(o)
	return nil
}

// CompareRates compares two proportions a and b over disjoint sets with a
// two-sided test of equal proportions, as t says (see [Comparison] and
// [Test]). It returns an error wrapping [ErrInvalidParam] for a ratio that
// is not a proportion, or an invalid Test.
func CompareRates(a, b Ratio, t Test) (Comparison, error) {
	level, minSample, err := t.resolve()
	if err != nil {
		return Comparison{}, err
	}
	if !a.valid() || !b.valid() {
		return Comparison{}, fmt.Errorf("funnel: comparing %v with %v: %w", a, b, ErrInvalidParam)
	}
	return compareRates(a, b, level, minSample, t.Method), nil
}

// compareRates is CompareRates with a resolved test.
func compareRates(a, b Ratio, level float64, minSample int64, m Method) Comparison {
	c := Comparison{A: a, B: b}
	if a.Den == 0 || b.Den == 0 {
		return c
	}
	c.Defined = true
	pa, pb := float64(a.Num)/float64(a.Den), float64(b.Num)/float64(b.Den)
	c.Diff = pa - pb
	z := stat.Z(level)
	lo, hi := stat.Newcombe(a.Num, a.Den, b.Num, b.Den, z)
	c.Interval = Interval{Lo: lo, Hi: hi, Confidence: level, Defined: true}
	if m == Auto {
		m = ZTest
		if stat.SmallExpected(a.Num, a.Den, b.Num, b.Den) {
			m = Fisher
		}
	}
	c.Method, c.Exact = m, true
	if m == Fisher {
		c.PValue, c.Exact = stat.FisherTwoSided(a.Num, a.Den, b.Num, b.Den)
	} else {
		c.Z = stat.TwoProportionZ(a.Num, a.Den, b.Num, b.Den)
		c.PValue = stat.TwoSidedP(c.Z)
	}
	c.PAdjusted = c.PValue
	c.Verdict = verdictOf(a.Den, b.Den, minSample, c.PValue, level, c.Diff)
	return c
}

// adjust sets the comparison's adjusted p-value to q, made among others at
// confidence level (see [Comparison.PAdjusted]): a difference stands only
// when q < 1 - level.
func (c *Comparison) adjust(q, level float64) {
	c.PAdjusted = q
	c.Verdict = adjustVerdict(c.Verdict, q, level)
}

// adjustVerdict returns the verdict v of a test made among others whose
// adjusted p-value is q: higher or lower becomes no difference unless
// q < 1 - level; withheld and no difference stay.
func adjustVerdict(v Verdict, q, level float64) Verdict {
	if (v == Higher || v == Lower) && !stat.Discovery(q, level) {
		return NoDifference
	}
	return v
}
