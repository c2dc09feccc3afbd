package funnel

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Employee Net Promoter Score (eNPS).
//
// The question is asked on a 0-10 scale ("How likely are you to recommend
// this company as a place to work?"). Answers are classified into
// promoters, passives and detractors, and
//
//	eNPS = 100 × (promoters − detractors) / (promoters + passives + detractors)
//
// with passives in the denominator (Reichheld 2003, "The One Number You Need
// to Grow", Harvard Business Review 81(12)). The score lies in −100..100.

// ENPSDefaultMinGroupSize is the default confidentiality minimum: a group
// with fewer answers is not shown (Culture Amp and Qualtrics default to 5;
// Officevibe uses 3).
const ENPSDefaultMinGroupSize = 5

// Errors returned by the eNPS and survey functions. Each is wrapped with
// context and can be tested with [errors.Is].
var (
	// ErrENPSScore reports an answer that is not on the 0-10 scale and is
	// not a skip. It is wrapped in an [*ENPSAnswerError].
	ErrENPSScore = errors.New("funnel: enps answer not on the 0-10 scale")
	// ErrENPSBands reports classification bands that do not split 0..10
	// into non-empty detractor and promoter bands (see [ENPSBands]).
	ErrENPSBands = errors.New("funnel: invalid enps bands")
	// ErrENPSOverflow reports a tally whose answer count would exceed the
	// largest int64.
	ErrENPSOverflow = errors.New("funnel: enps answer count overflow")
)

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

// An ENPSAnswerError reports an invalid eNPS answer. Input is the text or
// number as given; Unwrap returns [ErrENPSScore].
type ENPSAnswerError struct {
	Input string
	Err   error
}

// Error returns "funnel: enps answer <input>: <reason>".
func (e *ENPSAnswerError) Error() string {
	return fmt.Sprintf("funnel: enps answer %q: %v", e.Input, e.Err)
}

// Unwrap returns the error kind, [ErrENPSScore].
func (e *ENPSAnswerError) Unwrap() error { return e.Err }

func answerError(a ENPSAnswer) error {
	return &ENPSAnswerError{Input: strconv.Itoa(int(a)), Err: ErrENPSScore}
}

// ParseENPSAnswer parses one answer as exported by survey tools. Surrounding
// spaces are ignored. One or two ASCII digits with a value of 0 to 10 are an
// answer ("7", "07", "10"). An empty field, "-", "skip", "skipped", "n/a"
// and "na" (in any case) are [ENPSSkipped]. Anything else, including "11",
// "-1", "7.5" and "+7", returns an [*ENPSAnswerError] wrapping
// [ErrENPSScore] that quotes the input.
func ParseENPSAnswer(s string) (ENPSAnswer, error) {
	t := strings.TrimSpace(s)
	switch strings.ToLower(t) {
	case "", "-", "skip", "skipped", "n/a", "na":
		return ENPSSkipped, nil
	}
	if len(t) == 0 || len(t) > 2 {
		return 0, &ENPSAnswerError{Input: s, Err: ErrENPSScore}
	}
	v := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, &ENPSAnswerError{Input: s, Err: ErrENPSScore}
		}
		v = v*10 + int(c-'0')
	}
	if v > 10 {
		return 0, &ENPSAnswerError{Input: s, Err: ErrENPSScore}
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

// String returns "detractor", "passive", "promoter" or "ENPSClass(n)".
func (c ENPSClass) String() string {
	switch c {
	case ENPSDetractor:
		return "detractor"
	case ENPSPassive:
		return "passive"
	case ENPSPromoter:
		return "promoter"
	}
	return "ENPSClass(" + strconv.Itoa(int(c)) + ")"
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
	PassiveMin  int
	PromoterMin int
}

// resolved returns the bands with the zero value replaced by the default.
func (b ENPSBands) resolved() ENPSBands {
	if b == (ENPSBands{}) {
		return ENPSBands{PassiveMin: 7, PromoterMin: 9}
	}
	return b
}

// Validate returns nil for valid bands (including the zero value), or an
// error wrapping [ErrENPSBands] that names the bands.
func (b ENPSBands) Validate() error {
	r := b.resolved()
	if r.PassiveMin < 1 || r.PassiveMin > r.PromoterMin || r.PromoterMin > 10 {
		return fmt.Errorf("funnel: enps bands passive from %d, promoter from %d: want 1 <= passive <= promoter <= 10: %w",
			b.PassiveMin, b.PromoterMin, ErrENPSBands)
	}
	return nil
}

// Classify returns the class of answer a (0..10). It returns an error
// wrapping [ErrENPSBands] for invalid bands, and an [*ENPSAnswerError]
// wrapping [ErrENPSScore] for a skipped or out-of-range answer.
func (b ENPSBands) Classify(a ENPSAnswer) (ENPSClass, error) {
	if err := b.Validate(); err != nil {
		return 0, err
	}
	if a < 0 || a > 10 {
		return 0, answerError(a)
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

// ENPSOptions configures how answers become a score. The zero value (and a
// nil *ENPSOptions) means the defaults: standard bands, skipped answers not
// counted, confidentiality minimum [ENPSDefaultMinGroupSize].
type ENPSOptions struct {
	// Bands are the classification bands; the zero value is 0-6 / 7-8 / 9-10.
	Bands ENPSBands
	// SkippedAsPassive counts a skipped answer as a passive, as Officevibe
	// does. Off by default: skipped answers are reported but left out of
	// the score and of its denominator.
	SkippedAsPassive bool
	// MinGroupSize is the confidentiality minimum: a group with fewer
	// counted answers (the score's denominator) has its counts and score
	// suppressed. Zero means ENPSDefaultMinGroupSize; 1 shows every
	// non-empty group; a negative value is an error wrapping
	// [ErrInvalidParam].
	MinGroupSize int
}

func (o *ENPSOptions) resolve() (ENPSOptions, error) {
	var r ENPSOptions
	if o != nil {
		r = *o
	}
	if err := r.Bands.Validate(); err != nil {
		return r, err
	}
	r.Bands = r.Bands.resolved()
	switch {
	case r.MinGroupSize < 0:
		return r, fmt.Errorf("funnel: enps minimum group size %d: %w", r.MinGroupSize, ErrInvalidParam)
	case r.MinGroupSize == 0:
		r.MinGroupSize = ENPSDefaultMinGroupSize
	}
	return r, nil
}

// An ENPSTally accumulates eNPS answers: how many people gave each answer
// 0..10 and how many skipped. Bands and options are applied only when a
// score is asked for, so tallies built under any options merge exactly.
//
// The zero ENPSTally is empty and ready to use. An ENPSTally is not safe
// for concurrent mutation: give each goroutine its own and combine them
// with [ENPSTally.Merge].
type ENPSTally struct {
	counts  [11]int64
	skipped int64
	n       int64 // every answer, skipped included
}

// Add adds one answer. It returns an [*ENPSAnswerError] wrapping
// [ErrENPSScore] for an answer that is neither 0..10 nor [ENPSSkipped]
// (the tally is then unchanged), and an error wrapping [ErrENPSOverflow]
// if the tally already holds math.MaxInt64 answers.
func (t *ENPSTally) Add(a ENPSAnswer) error { return t.AddN(a, 1) }

// AddN adds n identical answers, as when importing a count table. It
// returns the errors of [ENPSTally.Add], and an error wrapping
// [ErrInvalidParam] for a negative n.
func (t *ENPSTally) AddN(a ENPSAnswer, n int64) error {
	if !a.Valid() {
		return answerError(a)
	}
	if n < 0 {
		return fmt.Errorf("funnel: enps answer %v added %d times: %w", a, n, ErrInvalidParam)
	}
	if t.n > math.MaxInt64-n {
		return fmt.Errorf("funnel: enps tally of %d answers plus %d: %w", t.n, n, ErrENPSOverflow)
	}
	t.n += n
	if a == ENPSSkipped {
		t.skipped += n
	} else {
		t.counts[a] += n
	}
	return nil
}

// Merge adds every answer of o to t; o is not modified. It returns an error
// wrapping [ErrENPSOverflow], leaving t unchanged, if the total would exceed
// math.MaxInt64. Merging any split of a set of answers gives exactly the
// tally of the whole set.
func (t *ENPSTally) Merge(o *ENPSTally) error {
	if o == nil || o.n == 0 {
		return nil
	}
	if t.n > math.MaxInt64-o.n {
		return fmt.Errorf("funnel: enps tally of %d answers merged with %d: %w", t.n, o.n, ErrENPSOverflow)
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

// raw classifies the tally without confidentiality.
func (t *ENPSTally) raw(o ENPSOptions) ENPSScore {
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
	if o.SkippedAsPassive {
		s.Passives += t.skipped
	}
	s.Total = s.Promoters + s.Passives + s.Detractors
	return s
}

// Score classifies the answers with opts (nil means defaults) and returns
// the score. A tally with fewer counted answers than opts.MinGroupSize is
// returned suppressed ([ENPSTooFew]): no counts and no score. It returns an
// error wrapping [ErrENPSBands] or [ErrInvalidParam] for invalid options.
func (t *ENPSTally) Score(opts *ENPSOptions) (ENPSScore, error) {
	o, err := opts.resolve()
	if err != nil {
		return ENPSScore{}, err
	}
	s := t.raw(o)
	if s.Total < int64(o.MinGroupSize) {
		return ENPSScore{Suppressed: ENPSTooFew}, nil
	}
	return s, nil
}

// ENPSOf tallies a sequence of answers and returns [ENPSTally.Score]. It
// stops at the first invalid answer and returns its error, which names the
// answer and its position.
func ENPSOf(answers iter.Seq[ENPSAnswer], opts *ENPSOptions) (ENPSScore, error) {
	if _, err := opts.resolve(); err != nil {
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
	return t.Score(opts)
}

// An ENPSSuppression says whether and why a score is hidden.
type ENPSSuppression int

// The suppression reasons. A suppressed score has all counts zero.
const (
	// ENPSShown is a published score.
	ENPSShown ENPSSuppression = iota
	// ENPSTooFew hides a group with fewer counted answers than the
	// confidentiality minimum.
	ENPSTooFew
	// ENPSComplement hides the smallest published sibling of a group hidden
	// as ENPSTooFew when it is the only non-empty hidden group, so that the
	// hidden group cannot be recovered by subtracting the published groups
	// from the overall counts (complementary suppression).
	ENPSComplement
	// ENPSWithheld hides a whole breakdown, the overall score included,
	// because every answer of the hidden groups falls in one class: the
	// overall counts would then give each hidden group's score.
	ENPSWithheld
)

// String returns "shown", "too few answers", "complementary" or "withheld".
func (s ENPSSuppression) String() string {
	switch s {
	case ENPSShown:
		return "shown"
	case ENPSTooFew:
		return "too few answers"
	case ENPSComplement:
		return "complementary"
	case ENPSWithheld:
		return "withheld"
	}
	return "ENPSSuppression(" + strconv.Itoa(int(s)) + ")"
}

// An ENPSScore is the classified answers of one group and, through its
// methods, the eNPS and its uncertainty. Total = Promoters + Passives +
// Detractors is the denominator. Skipped counts skipped answers; they are
// also in Passives when [ENPSOptions.SkippedAsPassive] is set, and
// otherwise in no other field.
//
// A suppressed score (Suppressed != ENPSShown) has every count zero and no
// value. The zero ENPSScore is an empty, shown group: it has no value.
type ENPSScore struct {
	Promoters, Passives, Detractors int64
	Skipped                         int64
	Total                           int64
	Suppressed                      ENPSSuppression
}

// Value returns the exact score 100 × (Promoters − Detractors) / Total, in
// −100..100, with passives in the denominator (Reichheld 2003, "The One
// Number You Need to Grow", Harvard Business Review 81(12)), and true; or nil and false when there is no score (no counted
// answers, or suppressed).
func (s ENPSScore) Value() (*big.Rat, bool) {
	if s.Total <= 0 || s.Suppressed != ENPSShown {
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

// An ENPSIntervalMethod selects how a confidence interval is computed.
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

// String returns "adjusted Wald", "Wald" or "ENPSIntervalMethod(n)".
func (m ENPSIntervalMethod) String() string {
	switch m {
	case ENPSAdjustedWald:
		return "adjusted Wald"
	case ENPSWald:
		return "Wald"
	}
	return "ENPSIntervalMethod(" + strconv.Itoa(int(m)) + ")"
}

// An ENPSInterval is a confidence interval for a score on the −100..100
// scale. Center and SE are those of the method (for the adjusted Wald
// interval, of the adjusted counts); Low and High are Center ∓ z × SE
// clamped to −100..100.
type ENPSInterval struct {
	Method     ENPSIntervalMethod
	Confidence float64
	Center     float64
	SE         float64
	Low, High  float64
}

// Interval returns the two-sided confidence interval for the score at the
// given confidence level (0.95 for 95%):
//
//	Wald:           c = p − d, n' = n
//	adjusted Wald:  p' = (P + 3/4) / (n + 3), d' = (D + 3/4) / (n + 3), c = p' − d', n' = n + 3
//	interval:       100 × (c ∓ z × sqrt(((p' + d') − c²) / n')), clamped to −100..100
//
// with z the standard normal quantile (Rocks 2016, "Interval Estimation for
// the Net Promoter Score", The American Statistician 70(4)). ok is false
// when there is no score. It returns an error wrapping [ErrInvalidParam] for
// a confidence outside (0, 1) or an unknown method.
func (s ENPSScore) Interval(m ENPSIntervalMethod, confidence float64) (iv ENPSInterval, ok bool, err error) {
	z, err := zScore(confidence)
	if err != nil {
		return ENPSInterval{}, false, err
	}
	if m != ENPSWald && m != ENPSAdjustedWald {
		return ENPSInterval{}, false, fmt.Errorf("funnel: enps interval method %v: %w", m, ErrInvalidParam)
	}
	if _, ok := s.Value(); !ok {
		return ENPSInterval{}, false, nil
	}
	n := float64(s.Total)
	p, d := s.props()
	if m == ENPSAdjustedWald {
		p = (float64(s.Promoters) + 0.75) / (n + 3)
		d = (float64(s.Detractors) + 0.75) / (n + 3)
		n += 3
	}
	c := p - d
	se := math.Sqrt(npsVariance(p, d) / n)
	return ENPSInterval{
		Method:     m,
		Confidence: confidence,
		Center:     100 * c,
		SE:         100 * se,
		Low:        clamp(100*(c-z*se), -100, 100),
		High:       clamp(100*(c+z*se), -100, 100),
	}, true, nil
}

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }

// An ENPSDifference compares two independent scores, such as two waves or
// two groups. Change = after − before on the −100..100 scale and SE is the
// standard error of the difference. Low and High are the Wald interval
// Change ∓ z × SE clamped to −200..200. Z = Change / SE and PValue is the
// two-sided p-value of the z-test of "no change"; when SE is 0 (both groups
// unanimous) the test is undefined and Tested is false, Z and PValue 0.
// Significant reports Tested && PValue < 1 − Confidence.
type ENPSDifference struct {
	Confidence  float64
	Change      float64
	SE          float64
	Low, High   float64
	Z, PValue   float64
	Tested      bool
	Significant bool
}

// ENPSCompare returns the difference after − before between two
// independent scores with its standard error
//
//	SE = 100 × sqrt(v₁/n₁ + v₂/n₂),  v = (p + d) − (p − d)²
//
// (Rocks 2016, section on two-sample comparisons), a Wald interval at the
// given confidence and a two-sided z-test. ok is false when either score has
// no value (empty or suppressed). It returns an error wrapping
// [ErrInvalidParam] for a confidence outside (0, 1).
func ENPSCompare(before, after ENPSScore, confidence float64) (diff ENPSDifference, ok bool, err error) {
	z, err := zScore(confidence)
	if err != nil {
		return ENPSDifference{}, false, err
	}
	b, okB := before.Float64()
	a, okA := after.Float64()
	if !okA || !okB {
		return ENPSDifference{}, false, nil
	}
	p1, d1 := before.props()
	p2, d2 := after.props()
	se := 100 * math.Sqrt(npsVariance(p1, d1)/float64(before.Total)+npsVariance(p2, d2)/float64(after.Total))
	r := ENPSDifference{
		Confidence: confidence,
		Change:     a - b,
		SE:         se,
		Low:        clamp(a-b-z*se, -200, 200),
		High:       clamp(a-b+z*se, -200, 200),
	}
	if se > 0 {
		r.Tested = true
		r.Z = r.Change / se
		r.PValue = math.Erfc(math.Abs(r.Z) / math.Sqrt2)
		r.Significant = r.PValue < 1-confidence
	}
	return r, true, nil
}
