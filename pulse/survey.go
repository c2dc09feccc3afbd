package pulse

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/enum"
)

// MaxQuestions is the largest number of questions a pulse survey may have.
const MaxQuestions = 10

// Errors of the package. Each is wrapped with context and can be tested
// with [errors.Is]; invalid options are errors wrapping
// [funnel.ErrInvalidParam], and merges of accumulators built for different
// surveys are errors wrapping [funnel.ErrIncompatible].
var (
	// ErrSurvey reports an invalid survey definition: no or too many
	// questions, an empty or repeated question ID, an unknown scale or
	// cadence, an eNPS question not on the 0-10 scale, more than one eNPS
	// question, a bad favourable threshold or a bad start time.
	ErrSurvey = errors.New("pulse: invalid survey")
	// ErrResponse reports a response that cannot be used: an answer to an
	// unknown question or off its question's scale, a time before the
	// survey's start, no respondent where one is needed, or more
	// respondents than people invited.
	ErrResponse = errors.New("pulse: invalid response")
)

// A Scale is the answer scale of a question. The zero Scale is
// [ZeroToTen].
type Scale int8

// The scales. Answers are integers.
const (
	ZeroToTen Scale = iota // 0 to 10, as the eNPS question
	Agree5                 // 1 strongly disagree to 5 strongly agree
	YesNo                  // 0 no, 1 yes
)

var scaleNames = [...]string{ZeroToTen: "0-10", Agree5: "agree 1-5", YesNo: "yes/no"}

// String returns "0-10", "agree 1-5", "yes/no" or "Scale(n)".
func (s Scale) String() string { return enumString(s, scaleNames[:], "Scale") }

// MarshalText encodes the scale by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an unknown scale.
func (s Scale) MarshalText() ([]byte, error) { return enumMarshal(s, scaleNames[:], "scale") }

// UnmarshalText decodes a scale name written by [Scale.MarshalText].
func (s *Scale) UnmarshalText(b []byte) error { return enumUnmarshal(s, b, scaleNames[:], "scale") }

// Bounds returns the lowest and highest answer of the scale, and false for
// an unknown scale.
func (s Scale) Bounds() (lo, hi int, ok bool) {
	switch s {
	case ZeroToTen:
		return 0, 10, true
	case Agree5:
		return 1, 5, true
	case YesNo:
		return 0, 1, true
	}
	return 0, 0, false
}

// defaultFavourable is the lowest favourable answer by default: the top two
// boxes of an agreement scale (agree and strongly agree, 4-5: the "percent
// favourable" of engagement tools such as Culture Amp and Qualtrics), the
// promoter band 9-10 of the 0-10 scale, and "yes".
func (s Scale) defaultFavourable() int {
	switch s {
	case Agree5:
		return 4
	case YesNo:
		return 1
	}
	return 9
}

// A Cadence is how often a survey runs. The zero Cadence is [Weekly].
type Cadence int8

// The cadences.
const (
	Weekly    Cadence = iota // every 7 calendar days
	Biweekly                 // every 14 calendar days
	Monthly                  // every calendar month
	Quarterly                // every 3 calendar months
)

var cadenceNames = [...]string{Weekly: "weekly", Biweekly: "biweekly", Monthly: "monthly", Quarterly: "quarterly"}

// String returns "weekly", "biweekly", "monthly", "quarterly" or
// "Cadence(n)".
func (c Cadence) String() string { return enumString(c, cadenceNames[:], "Cadence") }

// MarshalText encodes the cadence by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an unknown cadence.
func (c Cadence) MarshalText() ([]byte, error) { return enumMarshal(c, cadenceNames[:], "cadence") }

// UnmarshalText decodes a cadence name written by [Cadence.MarshalText].
func (c *Cadence) UnmarshalText(b []byte) error {
	return enumUnmarshal(c, b, cadenceNames[:], "cadence")
}

// A Question is one question of a pulse survey.
type Question struct {
	// ID identifies the question in responses; it must be non-empty and
	// unique within the survey.
	ID   string `json:"id"`
	Text string `json:"text"`
	// Scale is the answer scale; the zero value is 0-10.
	Scale Scale `json:"scale"`
	// ENPS marks the eNPS question ("How likely are you to recommend this
	// company as a place to work?"); it must be on the 0-10 scale, and a
	// survey has at most one. Its reports carry the eNPS score.
	ENPS bool `json:"enps"`
	// FavourableMin is the lowest answer that counts as favourable. Zero
	// means the scale's default: 4 (agree, strongly agree) on the 1-5
	// scale, 9 (promoters) on the 0-10 scale, yes (1) on yes/no. Otherwise
	// it must lie on the scale.
	FavourableMin int `json:"favourable_min"`
}

func (q Question) favourableMin() int {
	if q.FavourableMin == 0 {
		return q.Scale.defaultFavourable()
	}
	return q.FavourableMin
}

// A Survey is a pulse survey definition: a few questions asked again in
// waves on a fixed cadence. Wave 0 starts at Start; wave k starts k cadence
// steps later, counted in Start's location: 7 or 14 calendar days, or 1 or
// 3 calendar months on the same day of the month (so a monthly or
// quarterly survey must start on day 1 to 28). The accumulators of this
// package keep their own copy of the survey: changing a Survey after
// building one does not change it.
type Survey struct {
	Name      string     `json:"name"`
	Questions []Question `json:"questions"`
	Cadence   Cadence    `json:"cadence"`
	Start     time.Time  `json:"start"`
}

// maxWave bounds wave numbers (about 19,000 years of weekly waves) so that
// calendar arithmetic cannot overflow.
const maxWave = 1 << 20

// Validate returns nil for a usable survey, or an error wrapping
// [ErrSurvey] that names the problem: no questions or more than
// [MaxQuestions], an empty or repeated question ID, an unknown scale or
// cadence, a favourable threshold off the scale, an eNPS question not on
// the 0-10 scale or more than one, a zero Start, or a monthly or quarterly
// Start after day 28.
func (s *Survey) Validate() error {
	if s == nil {
		return fmt.Errorf("pulse: nil survey: %w", ErrSurvey)
	}
	if len(s.Questions) == 0 || len(s.Questions) > MaxQuestions {
		return fmt.Errorf("pulse: survey %q has %d questions, want 1 to %d: %w", s.Name, len(s.Questions), MaxQuestions, ErrSurvey)
	}
	enps := ""
	for i, q := range s.Questions {
		lo, hi, ok := q.Scale.Bounds()
		switch {
		case q.ID == "":
			return fmt.Errorf("pulse: survey %q question %d has no ID: %w", s.Name, i, ErrSurvey)
		case slices.IndexFunc(s.Questions[:i], func(p Question) bool { return p.ID == q.ID }) >= 0:
			return fmt.Errorf("pulse: survey %q question ID %q repeated: %w", s.Name, q.ID, ErrSurvey)
		case !ok:
			return fmt.Errorf("pulse: survey %q question %q has scale %v: %w", s.Name, q.ID, q.Scale, ErrSurvey)
		case q.FavourableMin != 0 && (q.FavourableMin < lo || q.FavourableMin > hi):
			return fmt.Errorf("pulse: survey %q question %q favourable from %d, off the %v scale: %w", s.Name, q.ID, q.FavourableMin, q.Scale, ErrSurvey)
		case q.ENPS && q.Scale != ZeroToTen:
			return fmt.Errorf("pulse: survey %q eNPS question %q on the %v scale: %w", s.Name, q.ID, q.Scale, ErrSurvey)
		case q.ENPS && enps != "":
			return fmt.Errorf("pulse: survey %q has eNPS questions %q and %q: %w", s.Name, enps, q.ID, ErrSurvey)
		}
		if q.ENPS {
			enps = q.ID
		}
	}
	switch {
	case s.Cadence < Weekly || s.Cadence > Quarterly:
		return fmt.Errorf("pulse: survey %q cadence %v: %w", s.Name, s.Cadence, ErrSurvey)
	case s.Start.IsZero():
		return fmt.Errorf("pulse: survey %q has no start time: %w", s.Name, ErrSurvey)
	case s.Start.Year() < 1 || s.Start.Year() > 9999:
		return fmt.Errorf("pulse: survey %q starts in year %d: %w", s.Name, s.Start.Year(), ErrSurvey)
	case (s.Cadence == Monthly || s.Cadence == Quarterly) && s.Start.Day() > 28:
		return fmt.Errorf("pulse: survey %q is %v and starts on day %d, want 1 to 28: %w", s.Name, s.Cadence, s.Start.Day(), ErrSurvey)
	}
	return nil
}

// clone returns a deep copy of the survey.
func (s *Survey) clone() Survey {
	c := *s
	c.Questions = slices.Clone(s.Questions)
	return c
}

// equal reports whether two surveys define the same questions, cadence and
// start (the same instant in a location of the same name).
func (s *Survey) equal(o *Survey) bool {
	return s.Name == o.Name && slices.Equal(s.Questions, o.Questions) && s.Cadence == o.Cadence &&
		s.Start.Equal(o.Start) && s.Start.Location().String() == o.Start.Location().String()
}

// WaveStart returns the start of wave k (k may be negative): Start plus k
// cadence steps in calendar arithmetic (time.Time.AddDate in Start's
// location), so a weekly wave starts at the same wall-clock time across a
// daylight-saving change. Wave numbers are bounded to ±2^20.
func (s *Survey) WaveStart(k int) time.Time {
	k = max(-maxWave, min(maxWave, k))
	switch s.Cadence {
	case Biweekly:
		return s.Start.AddDate(0, 0, 14*k)
	case Monthly:
		return s.Start.AddDate(0, k, 0)
	case Quarterly:
		return s.Start.AddDate(0, 3*k, 0)
	}
	return s.Start.AddDate(0, 0, 7*k)
}

// WaveOf returns the wave that time t falls in, and false for a time
// before Start or past wave 2^20. Wave k covers [WaveStart(k),
// WaveStart(k+1)).
func (s *Survey) WaveOf(t time.Time) (int, bool) {
	if t.Before(s.Start) {
		return 0, false
	}
	var k int64
	switch s.Cadence {
	case Monthly, Quarterly:
		lt := t.In(s.Start.Location())
		months := int64(lt.Year()-s.Start.Year())*12 + int64(lt.Month()-s.Start.Month())
		if s.Cadence == Quarterly {
			k = months / 3
		} else {
			k = months
		}
	case Biweekly:
		k = (t.Unix() - s.Start.Unix()) / (86400 * 14)
	default:
		k = (t.Unix() - s.Start.Unix()) / (86400 * 7)
	}
	if k > maxWave+1 {
		return 0, false
	}
	// The estimate is within a step of the answer (a day lost or gained
	// to daylight saving, a month's wall clock); walk to it.
	w := int(k)
	for w > 0 && s.WaveStart(w).After(t) {
		w--
	}
	for w < maxWave && !s.WaveStart(w+1).After(t) {
		w++
	}
	if w >= maxWave {
		return 0, false
	}
	return w, true
}

// A Response is one person's answers to one wave, with the attributes it
// can be broken down by ("team", "location", "tenure"). A question missing
// from Answers was skipped; yes/no answers are 1 (yes) and 0 (no).
type Response struct {
	// Respondent identifies the person. The rolling window needs it
	// ([Rolling]); the wave reports do not, and count every response
	// given to them (one response per person and wave is the caller's
	// to ensure).
	Respondent string            `json:"respondent"`
	At         time.Time         `json:"at"`
	Answers    map[string]int    `json:"answers"`
	Attrs      map[string]string `json:"attrs"`
}

// CheckResponse returns nil if every answer of r is to a question of s and
// on its scale, and otherwise an error wrapping [ErrResponse] that names
// the respondent, the question and the answer of the first bad answer in
// question ID order.
func (s *Survey) CheckResponse(r Response) error {
	var bad []string
	for id, a := range r.Answers {
		i := s.index(id)
		if i < 0 {
			bad = append(bad, id)
			continue
		}
		if lo, hi, _ := s.Questions[i].Scale.Bounds(); a < lo || a > hi {
			bad = append(bad, id)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	id := slices.Min(bad)
	what := "unknown question"
	if i := s.index(id); i >= 0 {
		what = "off the " + s.Questions[i].Scale.String() + " scale"
	}
	return fmt.Errorf("pulse: respondent %q question %q answer %d: %s: %w", r.Respondent, id, r.Answers[id], what, ErrResponse)
}

// index returns the position of question id, or -1.
func (s *Survey) index(id string) int {
	return slices.IndexFunc(s.Questions, func(q Question) bool { return q.ID == id })
}

// The names of the package's enums, by the one rule of [enum].

func enumString[T ~int8](v T, names []string, typ string) string { return enum.Name(v, names, typ) }

func enumMarshal[T ~int8](v T, names []string, what string) ([]byte, error) {
	return enum.Text(v, names, "pulse", what, funnel.ErrInvalidParam)
}

func enumUnmarshal[T ~int8](v *T, b []byte, names []string, what string) error {
	return enum.Parse(v, b, names, "pulse", what, funnel.ErrInvalidParam)
}
