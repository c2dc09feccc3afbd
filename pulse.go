package funnel

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"time"
)

// Pulse surveys: short questionnaires (up to [SurveyMaxQuestions]
// questions) repeated in waves on a fixed cadence, and the one-on-one
// cadence that the same teams track.

// SurveyMaxQuestions is the largest number of questions a pulse survey may
// have.
const SurveyMaxQuestions = 10

// Errors of the pulse survey and one-on-one functions. Each is wrapped
// with context and can be tested with [errors.Is].
var (
	// ErrSurvey reports an invalid survey definition: no or too many
	// questions, an empty or repeated question ID, an unknown scale or
	// cadence, an eNPS question not on the 0-10 scale, more than one eNPS
	// question, a bad favourable threshold or a bad start date.
	ErrSurvey = errors.New("funnel: invalid survey")
	// ErrSurveyAnswer reports an answer to an unknown question or an answer
	// outside its question's scale. It is wrapped in a [*SurveyAnswerError].
	ErrSurveyAnswer = errors.New("funnel: invalid survey answer")
	// ErrSurveyResponse reports a response that cannot be used: no
	// respondent where one is needed, or more respondents than people
	// invited.
	ErrSurveyResponse = errors.New("funnel: invalid survey response")
	// ErrOneOnOne reports an invalid one-on-one roster or interval.
	ErrOneOnOne = errors.New("funnel: invalid one-on-one input")
)

// A SurveyScale is the answer scale of a question.
type SurveyScale int

// The scales. Answers are integers.
const (
	SurveyScale0to10 SurveyScale = iota // 0 to 10, as the eNPS question
	SurveyAgree5                        // 1 strongly disagree to 5 strongly agree
	SurveyYesNo                         // 0 no, 1 yes
)

// String returns "0-10", "agree 1-5", "yes/no" or "SurveyScale(n)".
func (s SurveyScale) String() string {
	switch s {
	case SurveyScale0to10:
		return "0-10"
	case SurveyAgree5:
		return "agree 1-5"
	case SurveyYesNo:
		return "yes/no"
	}
	return "SurveyScale(" + strconv.Itoa(int(s)) + ")"
}

// Bounds returns the lowest and highest answer of the scale, and false for
// an unknown scale.
func (s SurveyScale) Bounds() (lo, hi int, ok bool) {
	switch s {
	case SurveyScale0to10:
		return 0, 10, true
	case SurveyAgree5:
		return 1, 5, true
	case SurveyYesNo:
		return 0, 1, true
	}
	return 0, 0, false
}

// defaultFavourable is the lowest favourable answer by default: the top two
// boxes of an agreement scale (agree and strongly agree, 4-5, the usual
// "percent favourable" of engagement tools such as Culture Amp), the
// promoter band 9-10 of the 0-10 scale, and "yes".
func (s SurveyScale) defaultFavourable() int {
	switch s {
	case SurveyAgree5:
		return 4
	case SurveyYesNo:
		return 1
	}
	return 9
}

// A SurveyCadence is how often a survey runs.
type SurveyCadence int

// The cadences.
const (
	SurveyWeekly    SurveyCadence = iota // every 7 days
	SurveyBiweekly                       // every 14 days
	SurveyMonthly                        // every calendar month
	SurveyQuarterly                      // every 3 calendar months
)

// String returns "weekly", "biweekly", "monthly", "quarterly" or
// "SurveyCadence(n)".
func (c SurveyCadence) String() string {
	switch c {
	case SurveyWeekly:
		return "weekly"
	case SurveyBiweekly:
		return "biweekly"
	case SurveyMonthly:
		return "monthly"
	case SurveyQuarterly:
		return "quarterly"
	}
	return "SurveyCadence(" + strconv.Itoa(int(c)) + ")"
}

// A SurveyQuestion is one question of a pulse survey.
type SurveyQuestion struct {
	// ID identifies the question in responses; it must be non-empty and
	// unique within the survey.
	ID   string
	Text string
	// Scale is the answer scale; the zero value is 0-10.
	Scale SurveyScale
	// ENPS marks the eNPS question ("How likely are you to recommend this
	// company as a place to work?"); it must be on the 0-10 scale, and a
	// survey has at most one.
	ENPS bool
	// FavourableMin is the lowest answer that counts as favourable. Zero
	// means the scale's default: 4 (agree, strongly agree) on the 1-5
	// scale, 9 on the 0-10 scale, yes (1) on yes/no. Otherwise it must lie
	// on the scale.
	FavourableMin int
}

func (q SurveyQuestion) favourableMin() int {
	if q.FavourableMin == 0 {
		return q.Scale.defaultFavourable()
	}
	return q.FavourableMin
}

// A Survey is a pulse survey definition. Wave 0 starts at Start; wave k
// starts k cadence steps later, counted in Start's location: 7 or 14
// calendar days, or 1 or 3 calendar months on the same day of the month
// (so a monthly or quarterly survey must start on day 1 to 28).
type Survey struct {
	Name      string
	Questions []SurveyQuestion
	Cadence   SurveyCadence
	Start     time.Time
}

// Validate returns nil for a usable survey, or an error wrapping
// [ErrSurvey] that names the problem: no questions or more than
// [SurveyMaxQuestions], an empty or repeated question ID, an unknown scale
// or cadence, a favourable threshold off the scale, an eNPS question not on
// the 0-10 scale or more than one, a zero Start, or a monthly or quarterly
// Start after day 28.
func (s *Survey) Validate() error {
	if len(s.Questions) == 0 || len(s.Questions) > SurveyMaxQuestions {
		return fmt.Errorf("funnel: survey %q has %d questions, want 1 to %d: %w", s.Name, len(s.Questions), SurveyMaxQuestions, ErrSurvey)
	}
	seen := make(map[string]bool, len(s.Questions))
	enps := ""
	for i, q := range s.Questions {
		lo, hi, ok := q.Scale.Bounds()
		switch {
		case q.ID == "":
			return fmt.Errorf("funnel: survey %q question %d has no ID: %w", s.Name, i, ErrSurvey)
		case seen[q.ID]:
			return fmt.Errorf("funnel: survey %q question ID %q repeated: %w", s.Name, q.ID, ErrSurvey)
		case !ok:
			return fmt.Errorf("funnel: survey %q question %q has scale %v: %w", s.Name, q.ID, q.Scale, ErrSurvey)
		case q.FavourableMin != 0 && (q.FavourableMin < lo || q.FavourableMin > hi):
			return fmt.Errorf("funnel: survey %q question %q favourable from %d, off the %v scale: %w", s.Name, q.ID, q.FavourableMin, q.Scale, ErrSurvey)
		case q.ENPS && q.Scale != SurveyScale0to10:
			return fmt.Errorf("funnel: survey %q eNPS question %q on the %v scale: %w", s.Name, q.ID, q.Scale, ErrSurvey)
		case q.ENPS && enps != "":
			return fmt.Errorf("funnel: survey %q has eNPS questions %q and %q: %w", s.Name, enps, q.ID, ErrSurvey)
		}
		seen[q.ID] = true
		if q.ENPS {
			enps = q.ID
		}
	}
	switch {
	case s.Cadence < SurveyWeekly || s.Cadence > SurveyQuarterly:
		return fmt.Errorf("funnel: survey %q cadence %v: %w", s.Name, s.Cadence, ErrSurvey)
	case s.Start.IsZero():
		return fmt.Errorf("funnel: survey %q has no start time: %w", s.Name, ErrSurvey)
	case (s.Cadence == SurveyMonthly || s.Cadence == SurveyQuarterly) && s.Start.Day() > 28:
		return fmt.Errorf("funnel: survey %q is %v and starts on day %d, want 1 to 28: %w", s.Name, s.Cadence, s.Start.Day(), ErrSurvey)
	}
	return nil
}

// WaveStart returns the start of wave k (k may be negative).
func (s *Survey) WaveStart(k int) time.Time {
	switch s.Cadence {
	case SurveyBiweekly:
		return s.Start.AddDate(0, 0, 14*k)
	case SurveyMonthly:
		return s.Start.AddDate(0, k, 0)
	case SurveyQuarterly:
		return s.Start.AddDate(0, 3*k, 0)
	}
	return s.Start.AddDate(0, 0, 7*k)
}

// WaveOf returns the wave that time t falls in, and false for a time
// before Start. Wave k covers [WaveStart(k), WaveStart(k+1)).
func (s *Survey) WaveOf(t time.Time) (int, bool) {
	if t.Before(s.Start) {
		return 0, false
	}
	var k int
	switch s.Cadence {
	case SurveyMonthly, SurveyQuarterly:
		lt := t.In(s.Start.Location())
		months := (lt.Year()-s.Start.Year())*12 + int(lt.Month()-s.Start.Month())
		if s.Cadence == SurveyQuarterly {
			k = months / 3
		} else {
			k = months
		}
	case SurveyBiweekly:
		k = int((t.Unix() - s.Start.Unix()) / (86400 * 14))
	default:
		k = int((t.Unix() - s.Start.Unix()) / (86400 * 7))
	}
	for k > 0 && s.WaveStart(k).After(t) {
		k--
	}
	for !s.WaveStart(k + 1).After(t) {
		k++
	}
	return k, true
}

// A SurveyResponse is one person's answers to one wave. A question missing
// from Answers was skipped. Yes/no answers are 1 (yes) and 0 (no).
type SurveyResponse struct {
	// Respondent identifies the person; it is needed for the rolling
	// window and may be empty otherwise.
	Respondent string
	At         time.Time
	Answers    map[string]int
}

// A SurveyAnswerError reports an invalid answer in a response: which
// respondent, which question and what answer. Unwrap returns
// [ErrSurveyAnswer].
type SurveyAnswerError struct {
	Respondent string
	Question   string
	Answer     int
	Err        error
}

// Error describes the answer and the reason.
func (e *SurveyAnswerError) Error() string {
	return fmt.Sprintf("funnel: respondent %q question %q answer %d: %v", e.Respondent, e.Question, e.Answer, e.Err)
}

// Unwrap returns the error kind, [ErrSurveyAnswer].
func (e *SurveyAnswerError) Unwrap() error { return e.Err }

// CheckResponse returns nil if every answer of r is to a question of s and
// on its scale, and otherwise a [*SurveyAnswerError] wrapping
// [ErrSurveyAnswer] for the first bad answer in question ID order.
func (s *Survey) CheckResponse(r SurveyResponse) error {
	ids := make([]string, 0, len(r.Answers))
	for id := range r.Answers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := r.Answers[id]
		i := slices.IndexFunc(s.Questions, func(q SurveyQuestion) bool { return q.ID == id })
		if i < 0 {
			return &SurveyAnswerError{Respondent: r.Respondent, Question: id, Answer: a, Err: ErrSurveyAnswer}
		}
		if lo, hi, _ := s.Questions[i].Scale.Bounds(); a < lo || a > hi {
			return &SurveyAnswerError{Respondent: r.Respondent, Question: id, Answer: a, Err: ErrSurveyAnswer}
		}
	}
	return nil
}

// A SurveyTally accumulates the responses of one wave (or of any set of
// responses): the number of respondents and, per question ID, how many
// gave each answer 0..10. The survey's scales are applied when a report is
// made ([Survey.Wave]), so tallies merge exactly.
//
// The zero SurveyTally is empty and ready to use. It is not safe for
// concurrent mutation: give each goroutine its own and combine them with
// [SurveyTally.Merge].
type SurveyTally struct {
	respondents int64
	counts      map[string]*[11]int64
}

// Add adds one response. It returns a [*SurveyAnswerError] wrapping
// [ErrSurveyAnswer], leaving the tally unchanged, if an answer is outside
// 0..10; use [Survey.CheckResponse] (or [Survey.TallyOf]) to check answers
// against their questions' scales.
func (t *SurveyTally) Add(r SurveyResponse) error {
	for id, a := range r.Answers {
		if a < 0 || a > 10 {
			return &SurveyAnswerError{Respondent: r.Respondent, Question: id, Answer: a, Err: ErrSurveyAnswer}
		}
	}
	t.respondents++
	for id, a := range r.Answers {
		t.counter(id)[a]++
	}
	return nil
}

func (t *SurveyTally) counter(id string) *[11]int64 {
	if t.counts == nil {
		t.counts = make(map[string]*[11]int64)
	}
	c := t.counts[id]
	if c == nil {
		c = new([11]int64)
		t.counts[id] = c
	}
	return c
}

// Merge adds every response of o to t; o is not modified.
func (t *SurveyTally) Merge(o *SurveyTally) {
	if o == nil {
		return
	}
	t.respondents += o.respondents
	for id, oc := range o.counts {
		c := t.counter(id)
		for i, n := range oc {
			c[i] += n
		}
	}
}

// Respondents returns the number of responses added.
func (t *SurveyTally) Respondents() int64 { return t.respondents }

// Count returns how many respondents gave answer a to question id.
func (t *SurveyTally) Count(id string, a int) int64 {
	c := t.counts[id]
	if c == nil || a < 0 || a > 10 {
		return 0
	}
	return c[a]
}

// TallyOf checks each response with [Survey.CheckResponse] and tallies
// them. It stops at the first bad response and returns its error, which
// names the response's position, the respondent and the question.
func (s *Survey) TallyOf(responses iter.Seq[SurveyResponse]) (*SurveyTally, error) {
	var t SurveyTally
	i := 0
	for r := range responses {
		if err := s.CheckResponse(r); err != nil {
			return nil, fmt.Errorf("funnel: survey %q response %d: %w", s.Name, i, err)
		}
		_ = t.Add(r) // cannot fail: checked against the scales
		i++
	}
	return &t, nil
}

// Rolling returns the tally of each respondent's latest answer to each
// question among responses with At in (asOf − window, asOf], as
// Officevibe does over a rolling 90 days. A person who skipped a question in
// their latest response keeps their previous answer to it from within the
// window. Respondents counts the distinct people with a response in the
// window. Of two responses of one person with the same At, the later in
// the sequence wins.
//
// It returns an error wrapping [ErrInvalidParam] for a window <= 0, a
// [*SurveyAnswerError] for a bad answer, and an error wrapping
// [ErrSurveyResponse] for a response in the window with no Respondent.
func (s *Survey) Rolling(responses iter.Seq[SurveyResponse], asOf time.Time, window time.Duration) (*SurveyTally, error) {
	if window <= 0 {
		return nil, fmt.Errorf("funnel: survey %q rolling window %v: %w", s.Name, window, ErrInvalidParam)
	}
	from := asOf.Add(-window)
	type key struct{ person, question string }
	type kept struct {
		at     time.Time
		answer int
	}
	latest := make(map[key]kept)
	people := make(map[string]bool)
	i := 0
	for r := range responses {
		i++
		if !r.At.After(from) || r.At.After(asOf) {
			continue
		}
		if r.Respondent == "" {
			return nil, fmt.Errorf("funnel: survey %q response %d has no respondent: %w", s.Name, i-1, ErrSurveyResponse)
		}
		if err := s.CheckResponse(r); err != nil {
			return nil, fmt.Errorf("funnel: survey %q response %d: %w", s.Name, i-1, err)
		}
		people[r.Respondent] = true
		for id, a := range r.Answers {
			k := key{r.Respondent, id}
			if old, ok := latest[k]; !ok || !r.At.Before(old.at) {
				latest[k] = kept{r.At, a}
			}
		}
	}
	t := &SurveyTally{respondents: int64(len(people))}
	for k, v := range latest {
		t.counter(k.question)[v.answer]++
	}
	return t, nil
}

// A SurveyQuestionResult is one question's statistics in a wave. Counts[i]
// is the number of answers lo+i, with lo the lowest answer of the scale.
// Skipped is the number of respondents who did not answer. A suppressed
// question (fewer answers than the confidentiality minimum) has no counts.
type SurveyQuestionResult struct {
	ID         string
	Scale      SurveyScale
	Answered   int64
	Skipped    int64
	Counts     []int64
	Sum        int64 // sum of the answers
	Favourable int64 // answers at or above the favourable threshold
	Suppressed bool
}

// Mean returns the mean answer Sum / Answered, and false when there is no
// answer or the question is suppressed.
func (q SurveyQuestionResult) Mean() (float64, bool) {
	if q.Answered == 0 || q.Suppressed {
		return 0, false
	}
	return float64(q.Sum) / float64(q.Answered), true
}

// Favourability returns the share of favourable (top) answers, Favourable /
// Answered in 0..1, with the threshold of [SurveyQuestion.FavourableMin], and false when there is no answer or the question is
// suppressed.
func (q SurveyQuestionResult) Favourability() (float64, bool) {
	if q.Answered == 0 || q.Suppressed {
		return 0, false
	}
	return float64(q.Favourable) / float64(q.Answered), true
}

// variance returns the sample variance of the answers (n − 1 in the
// denominator), and false for fewer than two answers.
func (q SurveyQuestionResult) variance() (float64, bool) {
	if q.Answered < 2 || q.Suppressed {
		return 0, false
	}
	lo, _, _ := q.Scale.Bounds()
	mean := float64(q.Sum) / float64(q.Answered)
	ss := 0.0
	for i, c := range q.Counts {
		d := float64(lo+i) - mean
		ss += float64(c) * d * d
	}
	return ss / float64(q.Answered-1), true
}

// A SurveyWave is the report of one wave: participation, each question's
// statistics in survey order and, if the survey has an eNPS question, the
// eNPS. A wave with fewer respondents than the confidentiality minimum is
// Suppressed: it shows Invited and Respondents only.
type SurveyWave struct {
	Invited, Respondents int64
	Suppressed           bool
	Questions            []SurveyQuestionResult
	ENPS                 ENPSScore
	HasENPS              bool
}

// Participation returns the participation rate Respondents / Invited in
// 0..1 (75-80% is usually read as healthy), and false when no one was
// invited.
func (w SurveyWave) Participation() (float64, bool) {
	if w.Invited <= 0 {
		return 0, false
	}
	return float64(w.Respondents) / float64(w.Invited), true
}

// Wave reports tally t for survey s with invited people invited
// (participation = respondents / invited). opts gives the eNPS bands,
// whether skipping the eNPS question counts as passive, and the
// confidentiality minimum, which also applies to the wave (respondents) and
// to each question (answers); nil means defaults.
//
// It returns an error wrapping [ErrSurvey] for an invalid survey,
// [ErrENPSBands] or [ErrInvalidParam] for invalid options,
// [ErrSurveyResponse] for more respondents than invited (or invited < 0),
// and a [*SurveyAnswerError] for a tallied answer to an unknown question or
// off its question's scale.
func (s *Survey) Wave(t *SurveyTally, invited int64, opts *ENPSOptions) (SurveyWave, error) {
	if err := s.Validate(); err != nil {
		return SurveyWave{}, err
	}
	o, err := opts.resolve()
	if err != nil {
		return SurveyWave{}, err
	}
	if invited < 0 || t.respondents > invited {
		return SurveyWave{}, fmt.Errorf("funnel: survey %q: %d respondents of %d invited: %w", s.Name, t.respondents, invited, ErrSurveyResponse)
	}
	for _, id := range sortedKeys(t.counts) {
		i := slices.IndexFunc(s.Questions, func(q SurveyQuestion) bool { return q.ID == id })
		for a, n := range t.counts[id] {
			if n == 0 {
				continue
			}
			if i < 0 {
				return SurveyWave{}, &SurveyAnswerError{Question: id, Answer: a, Err: ErrSurveyAnswer}
			}
			if lo, hi, _ := s.Questions[i].Scale.Bounds(); a < lo || a > hi {
				return SurveyWave{}, &SurveyAnswerError{Question: id, Answer: a, Err: ErrSurveyAnswer}
			}
		}
	}
	minN := int64(o.MinGroupSize)
	w := SurveyWave{Invited: invited, Respondents: t.respondents}
	if t.respondents < minN {
		w.Suppressed = true
		for _, q := range s.Questions {
			if q.ENPS {
				w.HasENPS = true
				w.ENPS = ENPSScore{Suppressed: ENPSTooFew}
			}
		}
		return w, nil
	}
	for _, q := range s.Questions {
		lo, hi, _ := q.Scale.Bounds()
		r := SurveyQuestionResult{ID: q.ID, Scale: q.Scale}
		c := t.counts[q.ID]
		if c == nil {
			c = new([11]int64)
		}
		fav := q.favourableMin()
		r.Counts = make([]int64, hi-lo+1)
		for a := lo; a <= hi; a++ {
			r.Counts[a-lo] = c[a]
			r.Answered += c[a]
			r.Sum += int64(a) * c[a]
			if a >= fav {
				r.Favourable += c[a]
			}
		}
		r.Skipped = t.respondents - r.Answered
		if r.Answered < minN {
			r = SurveyQuestionResult{ID: q.ID, Scale: q.Scale, Suppressed: true}
		}
		w.Questions = append(w.Questions, r)
		if q.ENPS {
			var et ENPSTally
			for a, n := range c {
				_ = et.AddN(ENPSAnswer(a), n)
			}
			_ = et.AddN(ENPSSkipped, t.respondents-et.Len())
			w.ENPS, _ = et.Score(&o) // o is valid
			w.HasENPS = true
		}
	}
	return w, nil
}

// A SurveyChange is the change of a statistic from one wave to the next,
// with its standard error and the Wald interval Change ∓ z × SE at the
// confidence of the comparison, clamped to the statistic's possible range.
type SurveyChange struct {
	Change, SE float64
	Low, High  float64
}

// A SurveyQuestionTrend is one question's change between two waves:
// the change of the mean answer (HasMean: both waves have at least two
// answers) and of the favourable share (HasFavourability: both waves have
// answers).
type SurveyQuestionTrend struct {
	ID               string
	Mean             SurveyChange
	HasMean          bool
	Favourability    SurveyChange
	HasFavourability bool
}

// A SurveyTrend is the change from one wave to the next: participation
// (HasParticipation: both waves have invitees), each question present in
// both waves, in the order of the later wave, and the eNPS (HasENPS: both
// waves have an eNPS score).
type SurveyTrend struct {
	Participation    SurveyChange
	HasParticipation bool
	Questions        []SurveyQuestionTrend
	ENPS             ENPSDifference
	HasENPS          bool
}

// SurveyCompare returns the change from wave before to wave after, at the
// given confidence:
//
//   - mean answer: after − before, SE = sqrt(s₁²/n₁ + s₂²/n₂) with s² the
//     sample variance (Welch's standard error), interval clamped to ±(scale
//     width);
//   - favourable share and participation: p₂ − p₁, SE = sqrt(p₁(1−p₁)/n₁ +
//     p₂(1−p₂)/n₂) (unpooled two-proportion standard error; for
//     participation n is the number invited), interval clamped to ±1;
//   - eNPS: [ENPSCompare].
//
// Suppressed waves and questions have no change. It returns an error
// wrapping [ErrInvalidParam] for a confidence outside (0, 1).
func SurveyCompare(before, after SurveyWave, confidence float64) (SurveyTrend, error) {
	z, err := zScore(confidence)
	if err != nil {
		return SurveyTrend{}, err
	}
	var tr SurveyTrend
	if p1, ok1 := before.Participation(); ok1 {
		if p2, ok2 := after.Participation(); ok2 {
			tr.Participation = propChange(p1, p2, before.Invited, after.Invited, z)
			tr.HasParticipation = true
		}
	}
	for _, qa := range after.Questions {
		i := slices.IndexFunc(before.Questions, func(q SurveyQuestionResult) bool { return q.ID == qa.ID })
		if i < 0 || before.Questions[i].Scale != qa.Scale {
			continue
		}
		qb := before.Questions[i]
		qt := SurveyQuestionTrend{ID: qa.ID}
		if f1, ok1 := qb.Favourability(); ok1 {
			if f2, ok2 := qa.Favourability(); ok2 {
				qt.Favourability = propChange(f1, f2, qb.Answered, qa.Answered, z)
				qt.HasFavourability = true
			}
		}
		if v1, ok1 := qb.variance(); ok1 {
			if v2, ok2 := qa.variance(); ok2 {
				m1, _ := qb.Mean()
				m2, _ := qa.Mean()
				lo, hi, _ := qa.Scale.Bounds()
				width := float64(hi - lo)
				se := math.Sqrt(v1/float64(qb.Answered) + v2/float64(qa.Answered))
				qt.Mean = SurveyChange{Change: m2 - m1, SE: se,
					Low: clamp(m2-m1-z*se, -width, width), High: clamp(m2-m1+z*se, -width, width)}
				qt.HasMean = true
			}
		}
		tr.Questions = append(tr.Questions, qt)
	}
	if before.HasENPS && after.HasENPS {
		tr.ENPS, tr.HasENPS, _ = ENPSCompare(before.ENPS, after.ENPS, confidence)
	}
	return tr, nil
}

func propChange(p1, p2 float64, n1, n2 int64, z float64) SurveyChange {
	se := math.Sqrt(p1*(1-p1)/float64(n1) + p2*(1-p2)/float64(n2))
	return SurveyChange{Change: p2 - p1, SE: se, Low: clamp(p2-p1-z*se, -1, 1), High: clamp(p2-p1+z*se, -1, 1)}
}

// SurveyTrends compares each wave with the next ([SurveyCompare]) and
// returns len(waves) − 1 changes (none for fewer than two waves).
func SurveyTrends(waves []SurveyWave, confidence float64) ([]SurveyTrend, error) {
	if _, err := zScore(confidence); err != nil {
		return nil, err
	}
	var out []SurveyTrend
	for i := 1; i < len(waves); i++ {
		tr, err := SurveyCompare(waves[i-1], waves[i], confidence)
		if err != nil {
			return nil, err
		}
		out = append(out, tr)
	}
	return out, nil
}

// A OneOnOne is one one-on-one meeting with a person.
type OneOnOne struct {
	Person string
	At     time.Time
}

// A OneOnOneStatus is one person's place in the one-on-one cadence: the
// last meeting at or before the as-of time (Met false if none) and how long
// ago it was.
type OneOnOneStatus struct {
	Person string
	Met    bool
	Last   time.Time
	Since  time.Duration
}

// A OneOnOneReport is the one-on-one cadence of a roster: how many people
// were met within the interval, and who is overdue, most overdue first
// (never met first, then by oldest last meeting; ties by name).
type OneOnOneReport struct {
	People    int64
	MetWithin int64
	Overdue   []OneOnOneStatus
}

// Share returns MetWithin / People in 0..1, and false for an empty roster.
func (r OneOnOneReport) Share() (float64, bool) {
	if r.People == 0 {
		return 0, false
	}
	return float64(r.MetWithin) / float64(r.People), true
}

// OneOnOneCadence reports which people of the roster had a one-on-one in
// (asOf − interval, asOf]. Meetings after asOf (scheduled ones) and with
// people not on the roster are ignored. It returns an error wrapping
// [ErrOneOnOne] for an interval <= 0 or a roster with an empty or repeated
// name.
func OneOnOneCadence(people []string, meetings iter.Seq[OneOnOne], asOf time.Time, interval time.Duration) (OneOnOneReport, error) {
	if interval <= 0 {
		return OneOnOneReport{}, fmt.Errorf("funnel: one-on-one interval %v: %w", interval, ErrOneOnOne)
	}
	last := make(map[string]time.Time, len(people))
	met := make(map[string]bool, len(people))
	for i, p := range people {
		if p == "" {
			return OneOnOneReport{}, fmt.Errorf("funnel: one-on-one roster entry %d is empty: %w", i, ErrOneOnOne)
		}
		if _, dup := last[p]; dup {
			return OneOnOneReport{}, fmt.Errorf("funnel: one-on-one roster lists %q twice: %w", p, ErrOneOnOne)
		}
		last[p] = time.Time{}
	}
	for m := range meetings {
		prev, onRoster := last[m.Person]
		if !onRoster || m.At.After(asOf) {
			continue
		}
		if !met[m.Person] || m.At.After(prev) {
			last[m.Person] = m.At
			met[m.Person] = true
		}
	}
	r := OneOnOneReport{People: int64(len(people))}
	from := asOf.Add(-interval)
	for _, p := range people {
		if met[p] && last[p].After(from) {
			r.MetWithin++
			continue
		}
		st := OneOnOneStatus{Person: p, Met: met[p]}
		if st.Met {
			st.Last = last[p]
			st.Since = asOf.Sub(st.Last)
		}
		r.Overdue = append(r.Overdue, st)
	}
	slices.SortFunc(r.Overdue, func(a, b OneOnOneStatus) int {
		switch {
		case a.Met != b.Met:
			if !a.Met {
				return -1
			}
			return 1
		case !a.Last.Equal(b.Last):
			return a.Last.Compare(b.Last)
		}
		return cmp.Compare(a.Person, b.Person)
	})
	return r, nil
}
