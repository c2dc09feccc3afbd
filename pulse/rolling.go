package pulse

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
)

// Rolling accumulates every response of a survey, person by person, for
// rolling figures: at the end of each window, each person's latest answer
// to each question within the window, as Officevibe reports over a rolling
// 90 days. [Rolling.Series] publishes them on the survey's cadence, with
// the protection against differencing described there.
//
// Build one with [NewRolling]. It is not safe for concurrent mutation:
// give each goroutine its own ([Rolling.Fresh]) and combine them with
// [Rolling.Merge]. It travels as bytes ([Rolling.MarshalBinary]). It keeps
// every response it is given.
type Rolling struct {
	survey Survey
	people map[string][]response // by respondent, in response order
}

// A response is one response of a person: its time and, per question in
// survey order, the answer (-1 when skipped).
type response struct {
	at      time.Time // UTC
	answers []int8
}

// compareResponses orders the responses of one person: by time, then (two
// responses at the same instant) by their answers, so that the latest of
// a person's responses does not depend on the order they were added in.
func compareResponses(a, b response) int {
	if c := a.at.Compare(b.at); c != 0 {
		return c
	}
	return slices.Compare(a.answers, b.answers)
}

// NewRolling returns an empty accumulator of the responses to survey s.
// It keeps its own copy of s. It returns an error wrapping [ErrSurvey] for
// an invalid survey.
func NewRolling(s *Survey) (*Rolling, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &Rolling{survey: s.clone(), people: map[string][]response{}}, nil
}

// Fresh returns an empty accumulator of the same survey.
func (r *Rolling) Fresh() *Rolling {
	return &Rolling{survey: r.survey.clone(), people: map[string][]response{}}
}

// Add adds one response. It returns an error wrapping [ErrResponse],
// leaving r unchanged, for a response without a respondent or a time, or
// with an answer to an unknown question or off its scale. Of two responses
// of one person at the same instant, the one with the greater answers (in
// survey order) counts as the later.
func (r *Rolling) Add(resp Response) error {
	if resp.Respondent == "" {
		return fmt.Errorf("pulse: response at %v has no respondent: %w", resp.At, ErrResponse)
	}
	if resp.At.IsZero() {
		return fmt.Errorf("pulse: respondent %q response has no time: %w", resp.Respondent, ErrResponse)
	}
	if err := r.survey.CheckResponse(resp); err != nil {
		return err
	}
	x := response{at: resp.At.UTC(), answers: make([]int8, len(r.survey.Questions))}
	for i, q := range r.survey.Questions {
		x.answers[i] = -1
		if a, ok := resp.Answers[q.ID]; ok {
			x.answers[i] = int8(a)
		}
	}
	if r.people == nil {
		r.people = map[string][]response{}
	}
	r.people[resp.Respondent] = insert(r.people[resp.Respondent], x)
	return nil
}

// insert adds x to the ordered responses rs.
func insert(rs []response, x response) []response {
	if len(rs) == 0 || compareResponses(rs[len(rs)-1], x) <= 0 {
		return append(rs, x)
	}
	i, _ := slices.BinarySearchFunc(rs, x, compareResponses)
	return slices.Insert(rs, i, x)
}

// Merge adds every response of o to r; o is not modified. Merging the
// accumulators of the parts of any split of the responses gives the
// accumulator of the whole. It returns an error wrapping
// [funnel.ErrInvalidParam] when o is nil or r itself, and one wrapping
// [funnel.ErrIncompatible] when o is of another survey.
func (r *Rolling) Merge(o *Rolling) error {
	switch {
	case o == nil || r == nil:
		return fmt.Errorf("pulse: merging a nil rolling accumulator: %w", funnel.ErrInvalidParam)
	case o == r:
		return fmt.Errorf("pulse: merging a rolling accumulator into itself: %w", funnel.ErrInvalidParam)
	case !r.survey.equal(&o.survey):
		return fmt.Errorf("pulse: merging rolling responses of another survey: %w", funnel.ErrIncompatible)
	}
	if r.people == nil {
		r.people = map[string][]response{}
	}
	for p, ors := range o.people {
		merged := make([]response, 0, len(r.people[p])+len(ors))
		for _, x := range ors {
			merged = append(merged, response{at: x.at, answers: slices.Clone(x.answers)})
		}
		merged = append(merged, r.people[p]...)
		slices.SortStableFunc(merged, compareResponses)
		r.people[p] = merged
	}
	return nil
}

// A Point is one rolling figure as published: the window ends at At (the
// start of wave Wave) and covers the Window before it; Respondents counts
// the people with a response in the window, and each cell holds, per
// question, every such person's latest answer within the window.
type Point struct {
	Wave        int           `json:"wave"`
	At          time.Time     `json:"at"`
	Window      time.Duration `json:"-"` // in JSON: window_seconds
	Respondents int64         `json:"respondents"`
	Cells       []Cell        `json:"cells"`
}

// maxPoints bounds the points of one Series.
const maxPoints = 10000

// Series publishes the rolling figures at the start of each wave from
// wave first to wave last: for the point of wave k, each person's latest
// answer to each question among their responses in (WaveStart(k) −
// window, WaveStart(k)] (a person who skipped a question in their latest
// response keeps their earlier answer to it from within the window).
// Rolling figures are published on the survey's cadence only, never in
// between.
//
// Two figures of overlapping windows share answers, so their difference
// is the answers that entered or left in between: on day d and d+1 it
// would be one newcomer's answer. Series prevents this. Call a class the
// answers (one person's answer to one question in one response) that
// entered the published figures at the same published point and left
// them at the same later published point (or are still counted). A
// question's figure at a point is published only if it keeps every class
// of 0 or at least MinGroup answers: the answers that would enter since
// the last published figure of the question are none or at least
// MinGroup, and of each class still counted, the answers that would leave
// and those that would stay are each none or at least MinGroup. Otherwise
// the figure is hidden as [Held], and the next point is checked against
// the same last published figure; a figure with fewer than MinGroup
// answers is hidden as [TooFew]. A hold lasts at most about one window:
// every answer leaves by then.
//
// What is guaranteed: every figure a Series publishes is the sum of the
// answers of whole classes, and every class holds at least MinGroup
// answers, so whatever can be derived from all the figures of the series
// together (by subtraction or otherwise) is a function of sums over at
// least MinGroup answers, as if each class were a published group. As
// with any published group, a class whose answers are all alike reveals
// that each of its answers is alike. Respondent and skip counts are not
// protected.
//
// Not covered, and how it leaks: figures of two Series (another window
// length, another first wave, another set of responses), or a Series next
// to wave reports or heatmaps of the same responses: the rolling figure
// minus the latest wave's company figure gives the answers carried over
// from earlier waves, which can be one person's.
//
// It returns an error wrapping [funnel.ErrInvalidParam] for a window <= 0,
// last < first, more than 10,000 points, or invalid options.
func (r *Rolling) Series(window time.Duration, first, last int, opts Options) ([]Point, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if window <= 0 || last < first || last-first >= maxPoints {
		return nil, fmt.Errorf("pulse: rolling window %v over waves %d to %d: %w", window, first, last, funnel.ErrInvalidParam)
	}
	first, last = max(first, -maxWave), min(last, maxWave)
	nq := len(r.survey.Questions)
	people := slices.Sorted(maps.Keys(r.people))
	states := make([]ledger, nq)
	for q := range states {
		states[q] = ledger{class: map[instance]int{}, size: map[int]int64{}}
	}
	out := []Point{}
	for k := first; k <= last; k++ {
		end := r.survey.WaveStart(k)
		from := end.Add(-window)
		c := newCell(nq)
		counted := make([]map[instance]bool, nq)
		for q := range counted {
			counted[q] = map[instance]bool{}
		}
		for _, p := range people {
			rs := r.people[p]
			lo, _ := slices.BinarySearchFunc(rs, from, func(x response, t time.Time) int {
				if x.at.After(t) {
					return 1
				}
				return -1
			})
			hi, _ := slices.BinarySearchFunc(rs, end, func(x response, t time.Time) int {
				if x.at.After(t) {
					return 1
				}
				return -1
			})
			if lo >= hi {
				continue
			}
			c.respondents++
			for q := range nq {
				for i := hi - 1; i >= lo; i-- {
					if a := rs[i].answers[q]; a >= 0 {
						c.counts[q][a]++
						counted[q][instance{p, i}] = true
						break
					}
				}
			}
		}
		pt := Point{Wave: k, At: end, Window: window, Respondents: c.respondents, Cells: make([]Cell, nq)}
		for q, question := range r.survey.Questions {
			why := Shown
			switch {
			case int64(len(counted[q])) < o.min:
				why = TooFew
			case !states[q].allows(counted[q], o.min):
				why = Held
			default:
				states[q].publish(counted[q])
			}
			pt.Cells[q] = question.cell(c, q, why, o)
		}
		out = append(out, pt)
	}
	return out, nil
}

// An instance is one counted answer: a person's response (by its index in
// the person's responses) to one question.
type instance struct {
	person string
	i      int
}

// A ledger is the class of every answer counted in the last published
// figure of one question, and the size of each class.
type ledger struct {
	class map[instance]int
	size  map[int]int64
	next  int
}

// allows reports whether publishing the figure of the answers in now keeps
// every class of 0 or at least min answers.
func (s *ledger) allows(now map[instance]bool, min int64) bool {
	ok := func(n int64) bool { return n == 0 || n >= min }
	var entering int64
	staying := make(map[int]int64, len(s.size))
	for x := range now {
		if c, was := s.class[x]; was {
			staying[c]++
		} else {
			entering++
		}
	}
	if !ok(entering) {
		return false
	}
	for c, n := range s.size {
		if !ok(staying[c]) || !ok(n-staying[c]) {
			return false
		}
	}
	return true
}

// publish records the answers in now as published.
func (s *ledger) publish(now map[instance]bool) {
	class := make(map[instance]int, len(now))
	size := map[int]int64{}
	entering := s.next
	s.next++
	for x := range now {
		c, was := s.class[x]
		if !was {
			c = entering
		}
		class[x] = c
		size[c]++
	}
	s.class, s.size = class, size
}
