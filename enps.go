package funnel

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// Employee Net Promoter Score (eNPS) of one set of answers. The question
// is asked on a 0-10 scale ("How likely are you to recommend this company
// as a place to work?"); answers are classified into promoters, passives
// and detractors, and
//
//	eNPS = 100 × (promoters − detractors) / (promoters + passives + detractors)
//
// with passives in the denominator (Reichheld 2003, "The One Number You
// Need to Grow", Harvard Business Review 81(12)). Scores of groups, waves
// and surveys, with the confidentiality rules that publishing them needs,
// are in the sub-package pulse.

// ErrENPSAnswer reports an answer that is neither on the 0-10 scale nor a
// skip. The error that wraps it quotes the answer.
var ErrENPSAnswer = errors.New("funnel: enps answer not on the 0-10 scale")

// An ENPSAnswer is one answer to the eNPS question: 0 to 10, or
// [ENPSSkipped]. Surveys on a 1-10 scale use the same type; they never
// produce 0. The zero value is the answer 0.
type ENPSAnswer int

// ENPSSkipped is the answer of a person who was asked and did not answer.
// Whether it counts as a passive is [ENPSOptions.SkippedAsPassive].
const ENPSSkipped ENPSAnswer = -1

// Valid reports whether a is 0..10 or [ENPSSkipped].
func (a ENPSAnswer) Valid() bool { return a == ENPSSkipped || (a >= 0 && a <= 10) }

// String returns the answer as a number, "skipped", or "ENPSAnswer(n)" for
// an invalid value.
func (a ENPSAnswer) String() string {
	switch {
	case a == ENPSSkipped:
		return "skipped"
	case a.Valid():
		return strconv.Itoa(int(a))
	default:
		return "ENPSAnswer(" + strconv.Itoa(int(a)) + ")"
	}
}

func answerError(input string) error {
	return fmt.Errorf("funnel: enps answer %q: %w", input, ErrENPSAnswer)
}

// ParseENPSAnswer parses one answer as exported by survey tools. Surrounding
// spaces are ignored. One or two ASCII digits with a value of 0 to 10 are an
// answer ("7", "07", "10"). An empty field, "-", "skip", "skipped", "n/a"
// and "na" (in any case) are [ENPSSkipped]. Anything else, including "11",
// "-1", "7.5" and "+7", returns an error wrapping [ErrENPSAnswer] that
// quotes the input.
func ParseENPSAnswer(s string) (ENPSAnswer, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "", "-", "skip", "skipped", "n/a", "na":
		return ENPSSkipped, nil
	}
	if len(t) > 2 {
		return 0, answerError(s)
	}
	v := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, answerError(s)
		}
		v = v*10 + int(c-'0')
	}
	if v > 10 {
		return 0, answerError(s)
	}
	return ENPSAnswer(v), nil
}

// An ENPSClass is the band an answer falls in.
type ENPSClass int

// The eNPS classes.
const (
	ENPSDetractor ENPSClass = iota // answers below ENPSBands.PassiveMin
	ENPSPassive                    // answers from PassiveMin to PromoterMin-1
	ENPSPromoter                   // answers from PromoterMin to 10
)

var classNames = [...]string{ENPSDetractor: "detractor", ENPSPassive: "passive", ENPSPromoter: "promoter"}

// String returns "detractor", "passive", "promoter" or "ENPSClass(n)".
func (c ENPSClass) String() string { return enumString(c, classNames[:], "ENPSClass") }

// MarshalText encodes the class by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (c ENPSClass) MarshalText() ([]byte, error) {
	return enumMarshal(c, classNames[:], "enps class", ErrInvalidParam)
}

// UnmarshalText decodes a class name written by [ENPSClass.MarshalText].
func (c *ENPSClass) UnmarshalText(b []byte) error {
	return enumUnmarshal(c, b, classNames[:], "enps class", ErrInvalidParam)
}

// ENPSBands sets where the classes begin on the 0-10 scale: detractors are
// 0..PassiveMin-1, passives PassiveMin..PromoterMin-1 and promoters
// PromoterMin..10. The zero value means the standard bands of Reichheld
// (2003): detractors 0-6, passives 7-8, promoters 9-10. Other vendors use
// other bands, e.g. CultureIQ 0-5 / 6-8 / 9-10 (PassiveMin 6, PromoterMin
// 9).
//
// Valid bands have 1 <= PassiveMin <= PromoterMin <= 10, so that 0 is always
// a detractor and 10 always a promoter; PassiveMin == PromoterMin means no
// passive band.
type ENPSBands struct {
	PassiveMin  int `json:"passive_min"`
	PromoterMin int `json:"promoter_min"`
}

// resolved returns the bands with the zero value replaced by the default.
func (b ENPSBands) resolved() ENPSBands {
	if b == (ENPSBands{}) {
		return ENPSBands{PassiveMin: 7, PromoterMin: 9}
	}
	return b
}

// Validate returns nil for valid bands (including the zero value), or an
// error wrapping [ErrInvalidParam] that names the bands.
func (b ENPSBands) Validate() error {
	r := b.resolved()
	if r.PassiveMin < 1 || r.PassiveMin > r.PromoterMin || r.PromoterMin > 10 {
		return fmt.Errorf("funnel: enps bands passive from %d, promoter from %d: want 1 <= passive <= promoter <= 10: %w",
			b.PassiveMin, b.PromoterMin, ErrInvalidParam)
	}
	return nil
}

// Classify returns the class of answer a (0..10). It returns an error
// wrapping [ErrInvalidParam] for invalid bands, and one wrapping
// [ErrENPSAnswer] for a skipped or out-of-range answer.
func (b ENPSBands) Classify(a ENPSAnswer) (ENPSClass, error) {
	if err := b.Validate(); err != nil {
		return 0, err
	}
	if a < 0 || a > 10 {
		return 0, answerError(strconv.Itoa(int(a)))
	}
	return b.resolved().class(int(a)), nil
}

func (b ENPSBands) class(v int) ENPSClass {
	switch {
	case v >= b.PromoterMin:
		return ENPSPromoter
	case v >= b.PassiveMin:
		return ENPSPassive
	}
	return ENPSDetractor
}

// ENPSOptions says how answers become a score. The zero value means the
// standard bands with skipped answers left out of the score.
type ENPSOptions struct {
	// Bands are the classification bands; the zero value is 0-6 / 7-8 / 9-10.
	Bands ENPSBands `json:"bands"`
	// SkippedAsPassive counts a skipped answer as a passive, as Officevibe
	// does. Off by default: skipped answers are reported but left out of
	// the score and of its denominator. Either way a score needs at least
	// one answer on the scale: a set of skips alone has no score.
	SkippedAsPassive bool `json:"skipped_as_passive"`
}

// resolve returns the options with the bands resolved (the zero bands
// replaced by 7 and 9), or an error wrapping [ErrInvalidParam] for invalid
// bands.
func (o ENPSOptions) resolve() (ENPSOptions, error) {
	if err := o.Bands.Validate(); err != nil {
		return o, err
	}
	o.Bands = o.Bands.resolved()
	return o, nil
}

// An ENPSTally accumulates eNPS answers: how many people gave each answer
// 0..10 and how many skipped. Bands and options are applied only when a
// score is asked for, so tallies merge exactly whatever the options.
//
// The zero ENPSTally is empty and ready to use. An ENPSTally is not safe
// for concurrent mutation: give each goroutine its own and combine them
// with [ENPSTally.Merge]. It travels as bytes ([ENPSTally.MarshalBinary]).
type ENPSTally struct {
	counts  [11]int64
	skipped int64
	n       int64 // every answer, skipped included
}

// Add adds one answer. It returns an error wrapping [ErrENPSAnswer] for an
// answer that is neither 0..10 nor [ENPSSkipped], and one wrapping
// [ErrInvalidParam] if the tally already holds math.MaxInt64 answers; the
// tally is then unchanged.
func (t *ENPSTally) Add(a ENPSAnswer) error { return t.AddN(a, 1) }

// AddN adds n identical answers, as when importing a count table. It
// returns the errors of [ENPSTally.Add], and an error wrapping
// [ErrInvalidParam] for a negative n.
func (t *ENPSTally) AddN(a ENPSAnswer, n int64) error {
	if !a.Valid() {
		return answerError(strconv.Itoa(int(a)))
	}
	if n < 0 {
		return fmt.Errorf("funnel: enps answer %v added %d times: %w", a, n, ErrInvalidParam)
	}
	if t.n > math.MaxInt64-n {
		return fmt.Errorf("funnel: enps tally of %d answers plus %d overflows: %w", t.n, n, ErrInvalidParam)
	}
	t.n += n
	if a == ENPSSkipped {
		t.skipped += n
	} else {
		t.counts[a] += n
	}
	return nil
}

// Merge adds every answer of o to t; o is not modified. Merging the
// tallies of the parts of any split of a set of answers gives exactly the
// tally of the whole set. It returns an error wrapping [ErrInvalidParam],
// leaving t unchanged, when o is nil or t itself, or when the total would
// exceed math.MaxInt64.
func (t *ENPSTally) Merge(o *ENPSTally) error {
	switch {
	case o == nil || t == nil:
		return fmt.Errorf("funnel: merging a nil enps tally: %w", ErrInvalidParam)
	case o == t:
		return fmt.Errorf("funnel: merging an enps tally into itself: %w", ErrInvalidParam)
	case t.n > math.MaxInt64-o.n:
		return fmt.Errorf("funnel: enps tally of %d answers merged with %d overflows: %w", t.n, o.n, ErrInvalidParam)
	}
	t.n += o.n
	t.skipped += o.skipped
	for i, c := range o.counts {
		t.counts[i] += c
	}
	return nil
}

// Count returns how many times answer a was added (0 for an invalid a).
func (t *ENPSTally) Count(a ENPSAnswer) int64 {
	switch {
	case a == ENPSSkipped:
		return t.skipped
	case a.Valid():
		return t.counts[a]
	}
	return 0
}

// Len returns the number of answers added, skipped ones included.
func (t *ENPSTally) Len() int64 { return t.n }

// Score classifies the answers with o and returns the score. It applies
// no confidentiality minimum: publishing the scores of groups of people
// needs the suppression rules of the sub-package pulse. It returns an error
// wrapping [ErrInvalidParam] for invalid bands.
func (t *ENPSTally) Score(o ENPSOptions) (ENPSScore, error) {
	r, err := o.resolve()
	if err != nil {
		return ENPSScore{}, err
	}
	return t.score(r), nil
}

// score classifies the tally with resolved options.
func (t *ENPSTally) score(o ENPSOptions) ENPSScore {
	var s ENPSScore
	for v, c := range t.counts {
		switch o.Bands.class(v) {
		case ENPSPromoter:
			s.Promoters += c
		case ENPSPassive:
			s.Passives += c
		default:
			s.Detractors += c
		}
	}
	s.Skipped = t.skipped
	s.Answered = s.Promoters + s.Passives + s.Detractors
	if o.SkippedAsPassive {
		s.Passives += t.skipped
	}
	s.Total = s.Promoters + s.Passives + s.Detractors
	return s
}

const enpsTallyVersion = 1

// MarshalBinary encodes the tally: a versioned header and the count of
// each answer. Equal tallies give equal bytes.
func (t *ENPSTally) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("enps.tally", enpsTallyVersion)
	for _, c := range t.counts {
		w.Varint(c)
	}
	w.Varint(t.skipped)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a tally written by [ENPSTally.MarshalBinary],
// replacing t's contents. It returns an error wrapping [ErrInvalidParam]
// for an invalid encoding (truncated, of another kind or version, a
// negative count, or counts whose sum exceeds math.MaxInt64); t is then
// unchanged.
func (t *ENPSTally) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("enps.tally"); r.Err() == nil && v != enpsTallyVersion {
		r.Fail("enps tally version %d", v)
	}
	var n ENPSTally
	for i := range n.counts {
		n.counts[i] = r.NonNeg()
	}
	n.skipped = r.NonNeg()
	if err := r.End(); err != nil {
		return fmt.Errorf("funnel: %w: %w", ErrInvalidParam, err)
	}
	for _, c := range append(n.counts[:], n.skipped) {
		if n.n > math.MaxInt64-c {
			return fmt.Errorf("funnel: %w: %w: enps counts overflow", ErrInvalidParam, wire.ErrFormat)
		}
		n.n += c
	}
	*t = n
	return nil
}

// ENPSOf tallies a sequence of answers and returns [ENPSTally.Score]. It
// stops at the first invalid answer and returns its error, which names the
// answer and its position; a nil sequence is an error wrapping
// [ErrInvalidParam].
func ENPSOf(answers iter.Seq[ENPSAnswer], o ENPSOptions) (ENPSScore, error) {
	if answers == nil {
		return ENPSScore{}, fmt.Errorf("funnel: nil enps answer sequence: %w", ErrInvalidParam)
	}
	r, err := o.resolve()
	if err != nil {
		return ENPSScore{}, err
	}
	var t ENPSTally
	i := 0
	for a := range answers {
		if err := t.Add(a); err != nil {
			return ENPSScore{}, fmt.Errorf("funnel: enps answer %d: %w", i, err)
		}
		i++
	}
	return t.score(r), nil
}

// An ENPSScore is the classified answers of one set of people and, through
// its methods, the eNPS and its uncertainty. Total = Promoters + Passives +
// Detractors is the denominator. Answered counts the answers on the 0-10
// scale and Skipped the skipped ones; with [ENPSOptions.SkippedAsPassive]
// the skipped answers are also in Passives (and Total = Answered +
// Skipped), otherwise in no other field (and Total = Answered).
//
// A score needs at least one answer: with Answered = 0 there is no value.
// The zero ENPSScore is an empty set. It marshals to JSON with snake_case
// names and its value ("score", null when there is none).
type ENPSScore struct {
	Promoters, Passives, Detractors int64
	Skipped                         int64
	Answered                        int64
	Total                           int64
}

// valid reports whether the counts are consistent.
func (s ENPSScore) valid() bool {
	if s.Promoters < 0 || s.Passives < 0 || s.Detractors < 0 || s.Skipped < 0 || s.Answered < 0 {
		return false
	}
	sum := new(big.Int).Add(big.NewInt(s.Promoters), big.NewInt(s.Passives))
	sum.Add(sum, big.NewInt(s.Detractors))
	if !sum.IsInt64() || sum.Int64() != s.Total {
		return false
	}
	// Either the skips are among the passives or they are not.
	return s.Answered == s.Total || (s.Answered == s.Total-s.Skipped && s.Passives >= s.Skipped)
}

// Value returns the exact score 100 × (Promoters − Detractors) / Total, in
// −100..100, with passives in the denominator (Reichheld 2003, "The One
// Number You Need to Grow", Harvard Business Review 81(12)), and true; or
// nil and false when there is no score (no answer on the scale).
func (s ENPSScore) Value() (*big.Rat, bool) {
	if s.Answered <= 0 || s.Total <= 0 {
		return nil, false
	}
	num := new(big.Int).Sub(big.NewInt(s.Promoters), big.NewInt(s.Detractors))
	num.Mul(num, big.NewInt(100))
	return new(big.Rat).SetFrac(num, big.NewInt(s.Total)), true
}

// Float64 returns the score as the nearest float64 and true, or 0 and
// false when there is no score.
func (s ENPSScore) Float64() (float64, bool) {
	r, ok := s.Value()
	if !ok {
		return 0, false
	}
	f, _ := r.Float64()
	return f, true
}

// Round returns the score rounded half away from zero to places decimal
// places, and true; or zero and false when there is no score.
func (s ENPSScore) Round(places int32) (decimal.Decimal, bool) {
	r, ok := s.Value()
	if !ok {
		return decimal.Decimal{}, false
	}
	return decimal.NewFromBigRat(r, places), true
}

// props returns the promoter and detractor proportions.
func (s ENPSScore) props() (p, d float64) {
	n := float64(s.Total)
	return float64(s.Promoters) / n, float64(s.Detractors) / n
}

// npsVariance is the per-answer variance of the score on the −1..1 scale:
// (p + d) − (p − d)², never below 0.
func npsVariance(p, d float64) float64 {
	return math.Max(0, (p+d)-(p-d)*(p-d))
}

// SE returns the standard error of the score on the −100..100 scale,
// 100 × sqrt(((p + d) − (p − d)²) / n) with p and d the promoter and
// detractor proportions and n = Total (Rocks 2016, "Interval Estimation for
// the Net Promoter Score", The American Statistician 70(4)), and true; or 0
// and false when there is no score.
func (s ENPSScore) SE() (float64, bool) {
	if _, ok := s.Value(); !ok {
		return 0, false
	}
	p, d := s.props()
	return 100 * math.Sqrt(npsVariance(p, d)/float64(s.Total)), true
}

// An ENPSIntervalMethod selects how a confidence interval of a score is
// computed. The zero value is [ENPSAdjustedWald].
type ENPSIntervalMethod int

// The interval methods.
const (
	// ENPSAdjustedWald adds three pseudo-answers (3/4 promoter, 3/2
	// passive, 3/4 detractor) before computing the Wald interval, as
	// recommended by Rocks (2016); its coverage is better for small n and
	// for scores near ±100. It is the default.
	ENPSAdjustedWald ENPSIntervalMethod = iota
	// ENPSWald is the plain Wald interval: score ± z × SE.
	ENPSWald
)

var intervalMethodNames = [...]string{ENPSAdjustedWald: "adjusted wald", ENPSWald: "wald"}

// String returns "adjusted wald", "wald" or "ENPSIntervalMethod(n)".
func (m ENPSIntervalMethod) String() string {
	return enumString(m, intervalMethodNames[:], "ENPSIntervalMethod")
}

// MarshalText encodes the method by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (m ENPSIntervalMethod) MarshalText() ([]byte, error) {
	return enumMarshal(m, intervalMethodNames[:], "enps interval method", ErrInvalidParam)
}

// UnmarshalText decodes a method name written by
// [ENPSIntervalMethod.MarshalText].
func (m *ENPSIntervalMethod) UnmarshalText(b []byte) error {
	return enumUnmarshal(m, b, intervalMethodNames[:], "enps interval method", ErrInvalidParam)
}

// Interval returns the two-sided confidence interval of the score on the
// −100..100 scale at level c (zero means 0.95, see [Confidence]):
//
//	Wald:           c = p − d, n' = n
//	adjusted Wald:  p' = (P + 3/4) / (n + 3), d' = (D + 3/4) / (n + 3), c = p' − d', n' = n + 3
//	interval:       100 × (c ∓ z × sqrt(((p' + d') − c²) / n')), clamped to −100..100
//
// with z the two-sided standard normal quantile (Rocks 2016, "Interval
// Estimation for the Net Promoter Score", The American Statistician
// 70(4)). The interval is not Defined when there is no score. It returns
// an error wrapping [ErrInvalidParam] for an invalid level or an unknown
// method.
func (s ENPSScore) Interval(m ENPSIntervalMethod, c Confidence) (Interval, error) {
	level, err := c.Level()
	if err != nil {
		return Interval{}, err
	}
	if m != ENPSWald && m != ENPSAdjustedWald {
		return Interval{}, fmt.Errorf("funnel: enps interval method %v: %w", m, ErrInvalidParam)
	}
	return s.interval(m, level), nil
}

// interval is Interval at a valid level and method.
func (s ENPSScore) interval(m ENPSIntervalMethod, level float64) Interval {
	if _, ok := s.Value(); !ok {
		return Interval{}
	}
	n := float64(s.Total)
	p, d := s.props()
	if m == ENPSAdjustedWald {
		p = (float64(s.Promoters) + 0.75) / (n + 3)
		d = (float64(s.Detractors) + 0.75) / (n + 3)
		n += 3
	}
	z := stat.Z(level)
	ctr := p - d
	se := math.Sqrt(npsVariance(p, d) / n)
	return Interval{
		Lo:         clamp(100*(ctr-z*se), -100, 100),
		Hi:         clamp(100*(ctr+z*se), -100, 100),
		Confidence: level,
		Defined:    true,
	}
}

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }

type enpsScoreJSON struct {
	Promoters  int64    `json:"promoters"`
	Passives   int64    `json:"passives"`
	Detractors int64    `json:"detractors"`
	Skipped    int64    `json:"skipped"`
	Answered   int64    `json:"answered"`
	Total      int64    `json:"total"`
	Score      *float64 `json:"score"`
}

// MarshalJSON encodes the score as {"promoters":8,"passives":7,
// "detractors":5,"skipped":0,"answered":20,"total":20,"score":15}, with
// "score" null when there is none.
func (s ENPSScore) MarshalJSON() ([]byte, error) {
	o := enpsScoreJSON{s.Promoters, s.Passives, s.Detractors, s.Skipped, s.Answered, s.Total, nil}
	if v, ok := s.Float64(); ok {
		o.Score = &v
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a score written by [ENPSScore.MarshalJSON]; the
// value is recomputed from the counts. It returns an error wrapping
// [ErrInvalidParam] for counts that do not add up.
func (s *ENPSScore) UnmarshalJSON(b []byte) error {
	var o enpsScoreJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	n := ENPSScore{o.Promoters, o.Passives, o.Detractors, o.Skipped, o.Answered, o.Total}
	if !n.valid() {
		return fmt.Errorf("funnel: enps score counts %+v: %w", n, ErrInvalidParam)
	}
	*s = n
	return nil
}

// An ENPSComparison compares score A with score B of another, independent
// set of people (two waves, a group and another group). It has the shape
// of [Comparison], with the statistic of Rocks (2016) in place of the
// two-proportion test.
type ENPSComparison struct {
	A, B ENPSScore
	// Defined reports whether both scores have a value; when false, no
	// other field but A, B and Verdict (withheld) is set.
	Defined bool
	// Diff is scoreA − scoreB on the −100..100 scale, and SE its standard
	// error, 100 × sqrt(vA/nA + vB/nB) with v = (p + d) − (p − d)² (Rocks
	// 2016, two independent samples).
	Diff, SE float64
	// Interval is the Wald interval Diff ∓ z × SE, clamped to −200..200.
	Interval Interval
	// Tested is false when SE is 0 (both sets unanimous): the z-test is
	// then undefined and Z and PValue are 0.
	Tested bool
	// Z = Diff / SE, and PValue = erfc(|Z| / sqrt 2) its two-sided p-value.
	Z, PValue float64
	// PAdjusted is PValue adjusted by Benjamini-Hochberg for the other
	// comparisons made at once (the changes of a pulse trend or wave), as
	// [Comparison.PAdjusted]; PValue for a comparison made alone
	// ([CompareENPS]).
	PAdjusted float64
	// Verdict is withheld when the test is undefined or a side has fewer
	// counted answers (Total) than the minimum sample of the [Test];
	// otherwise higher or lower when PAdjusted < 1 − confidence, no
	// difference when not.
	Verdict Verdict
}

type enpsComparisonJSON struct {
	A         ENPSScore `json:"a"`
	B         ENPSScore `json:"b"`
	Defined   bool      `json:"defined"`
	Diff      float64   `json:"diff"`
	SE        float64   `json:"se"`
	Interval  Interval  `json:"interval"`
	Tested    bool      `json:"tested"`
	Z         float64   `json:"z"`
	PValue    float64   `json:"p_value"`
	PAdjusted float64   `json:"p_adjusted"`
	Verdict   Verdict   `json:"verdict"`
}

// MarshalJSON encodes the comparison with snake_case names.
func (c ENPSComparison) MarshalJSON() ([]byte, error) { return json.Marshal(enpsComparisonJSON(c)) }

// UnmarshalJSON decodes a comparison written by [ENPSComparison.MarshalJSON].
func (c *ENPSComparison) UnmarshalJSON(b []byte) error {
	var o enpsComparisonJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = ENPSComparison(o)
	return nil
}

// CompareENPS compares score a with score b of an independent set of
// people, following t (the one confidence and minimum-sample rule of every
// comparison of the library, see [Test]): the difference a − b, its
// standard error and Wald interval (Rocks 2016, "Interval Estimation for
// the Net Promoter Score", The American Statistician 70(4)), and a
// two-sided z-test. It returns an error wrapping [ErrInvalidParam] for an
// invalid Test or scores whose counts do not add up.
func CompareENPS(a, b ENPSScore, t Test) (ENPSComparison, error) {
	level, minSample, err := t.resolve()
	if err != nil {
		return ENPSComparison{}, err
	}
	if !a.valid() || !b.valid() {
		return ENPSComparison{}, fmt.Errorf("funnel: comparing enps scores %+v and %+v: %w", a, b, ErrInvalidParam)
	}
	c := ENPSComparison{A: a, B: b}
	va, okA := a.Float64()
	vb, okB := b.Float64()
	if !okA || !okB {
		return c, nil
	}
	c.Defined = true
	pa, da := a.props()
	pb, db := b.props()
	c.Diff = va - vb
	c.SE = 100 * math.Sqrt(npsVariance(pa, da)/float64(a.Total)+npsVariance(pb, db)/float64(b.Total))
	z := stat.Z(level)
	c.Interval = Interval{Lo: clamp(c.Diff-z*c.SE, -200, 200), Hi: clamp(c.Diff+z*c.SE, -200, 200), Confidence: level, Defined: true}
	if c.SE > 0 {
		c.Tested = true
		c.Z = c.Diff / c.SE
		c.PValue = stat.TwoSidedP(c.Z)
	}
	c.PAdjusted = c.PValue
	c.Verdict = VerdictOf(c.Tested && stat.Enough(a.Total, minSample) && stat.Enough(b.Total, minSample), c.PValue, level, c.Diff)
	return c, nil
}
