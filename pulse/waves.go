package pulse

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"gonum.org/v1/gonum/stat/distuv"
)

// Waves accumulates the responses of a survey, wave by wave (the wave a
// response's time falls in, [Survey.WaveOf]) and group by group (the value
// of one attribute of the response). [Waves.Report] publishes a wave: the
// company figures and every group's, with the confidentiality rules of the
// package applied to each question.
//
// Build one with [NewWaves]. It is not safe for concurrent mutation: give
// each goroutine its own ([Waves.Fresh]) and combine them with
// [Waves.Merge]. It travels as bytes ([Waves.MarshalBinary]).
type Waves struct {
	survey Survey
	by     string
	waves  map[int]map[string]*cell
}

// A cell is the tally of one group in one wave (or of one rolling window):
// respondents and, per question in survey order, how many gave each answer.
type cell struct {
	respondents int64
	counts      [][11]int64
}

func newCell(questions int) *cell { return &cell{counts: make([][11]int64, questions)} }

func (c *cell) merge(o *cell) {
	c.respondents += o.respondents
	for q := range c.counts {
		for a, n := range o.counts[q] {
			c.counts[q][a] += n
		}
	}
}

// NewWaves returns an empty accumulator of the responses to survey s,
// grouped by the attribute by ("" groups every response in the group
// ""). It keeps its own copy of s. It returns an error wrapping
// [ErrSurvey] for an invalid survey.
func NewWaves(s *Survey, by string) (*Waves, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &Waves{survey: s.clone(), by: by, waves: map[int]map[string]*cell{}}, nil
}

// Fresh returns an empty accumulator of the same survey and grouping.
func (w *Waves) Fresh() *Waves {
	return &Waves{survey: w.survey.clone(), by: w.by, waves: map[int]map[string]*cell{}}
}

// Add adds one response to its wave and group. It returns an error
// wrapping [ErrResponse], leaving w unchanged, for a response with an
// answer to an unknown question or off its scale ([Survey.CheckResponse])
// or with a time before the survey's start (or past its last wave).
func (w *Waves) Add(r Response) error {
	if err := w.survey.CheckResponse(r); err != nil {
		return err
	}
	k, ok := w.survey.WaveOf(r.At)
	if !ok {
		return fmt.Errorf("pulse: respondent %q answered at %v, outside the waves of survey %q from %v: %w",
			r.Respondent, r.At, w.survey.Name, w.survey.Start, ErrResponse)
	}
	if w.waves == nil {
		w.waves = map[int]map[string]*cell{}
	}
	groups := w.waves[k]
	if groups == nil {
		groups = map[string]*cell{}
		w.waves[k] = groups
	}
	g := r.Attrs[w.by]
	c := groups[g]
	if c == nil {
		c = newCell(len(w.survey.Questions))
		groups[g] = c
	}
	c.respondents++
	for id, a := range r.Answers {
		c.counts[w.survey.index(id)][a]++
	}
	return nil
}

// Merge adds every response of o to w; o is not modified. Merging the
// accumulators of the parts of any split of the responses gives the
// accumulator of the whole. It returns an error wrapping
// [funnel.ErrInvalidParam] when o is nil or w itself, and one wrapping
// [funnel.ErrIncompatible] when o is of another survey or grouping.
func (w *Waves) Merge(o *Waves) error {
	switch {
	case o == nil || w == nil:
		return fmt.Errorf("pulse: merging nil waves: %w", funnel.ErrInvalidParam)
	case o == w:
		return fmt.Errorf("pulse: merging waves into themselves: %w", funnel.ErrInvalidParam)
	case !w.survey.equal(&o.survey) || w.by != o.by:
		return fmt.Errorf("pulse: merging waves of another survey or grouping: %w", funnel.ErrIncompatible)
	}
	if w.waves == nil {
		w.waves = map[int]map[string]*cell{}
	}
	for k, og := range o.waves {
		groups := w.waves[k]
		if groups == nil {
			groups = map[string]*cell{}
			w.waves[k] = groups
		}
		for name, oc := range og {
			c := groups[name]
			if c == nil {
				c = newCell(len(w.survey.Questions))
				groups[name] = c
			}
			c.merge(oc)
		}
	}
	return nil
}

// Survey returns a copy of the survey the accumulator was built for.
func (w *Waves) Survey() Survey { return w.survey.clone() }

// Waves returns the numbers of the waves that have responses, ascending.
func (w *Waves) Waves() []int { return slices.Sorted(maps.Keys(w.waves)) }

// A Mean is the mean answer of a question with its sample standard
// deviation and the Student t interval of the mean,
// mean ∓ t(n−1) × sd / sqrt(n) at the options' level, clamped to the
// scale (Student 1908, "The probable error of a mean", Biometrika 6).
// Defined is false when there is no answer; the interval is not Defined
// for fewer than two answers.
type Mean struct {
	Defined  bool            `json:"defined"`
	Value    float64         `json:"value"`
	SD       float64         `json:"sd"`
	Interval funnel.Interval `json:"interval"`
}

// A Cell is one question's figures for one group (or the company) as
// published. Counts[i] is the number of answers lo+i, with lo the lowest
// answer of the scale. A suppressed cell (Suppressed != Shown) has no
// counts and no values.
type Cell struct {
	Question   string      `json:"question"`
	Scale      Scale       `json:"scale"`
	Suppressed Suppression `json:"suppressed"`
	// Answered counts the people who answered and Skipped those who
	// responded to the wave but not to this question.
	Answered int64   `json:"answered"`
	Skipped  int64   `json:"skipped"`
	Counts   []int64 `json:"counts"`
	// Favourable is the share of favourable answers, answers at or above
	// the question's FavourableMin over Answered (the "percent favourable"
	// of Culture Amp and Qualtrics), with its Wilson interval.
	Favourable funnel.Rate `json:"favourable"`
	// Mean is the mean answer, with its standard deviation and interval.
	Mean Mean `json:"mean"`
	// ENPS is the eNPS of the survey's eNPS question (nil for the other
	// questions), suppressed as the cell is.
	ENPS *Score `json:"enps"`
}

// A Row is the figures of one group (or of the company) in a wave: its
// respondents and one cell per question in survey order.
type Row struct {
	Group       string `json:"group"`
	Respondents int64  `json:"respondents"`
	Cells       []Cell `json:"cells"`
}

// A Report is one wave of a survey as published: participation, the
// company row and one row per group (the heatmap table: groups by
// questions, favourability and mean in each cell), with the
// confidentiality rules applied question by question (see
// [Waves.Report]).
type Report struct {
	Survey string    `json:"survey"`
	Wave   int       `json:"wave"`
	Start  time.Time `json:"start"`
	// By is the attribute the groups are values of.
	By       string `json:"by"`
	MinGroup int    `json:"min_group"`
	// Participation is respondents over people invited (75 to 80% is
	// usually read as healthy), with its Wilson interval; 0/0 when the
	// number invited is not known.
	Participation funnel.Rate `json:"participation"`
	// Suppressed is TooFew when fewer than MinGroup people responded:
	// every cell is then hidden.
	Suppressed Suppression `json:"suppressed"`
	Company    Row         `json:"company"`
	Groups     []Row       `json:"groups"` // ascending by group name
}

// Report publishes wave k with invited people invited (0 when not known).
// For each question, the company cell and the group cells follow the
// rules of [Groups.Breakdown], counting the people who answered that
// question (skips never count toward the minimum, whether or not they are
// passives of the eNPS):
//
//  1. If fewer than MinGroup people answered in all, every cell of the
//     question is hidden as [TooFew].
//  2. A group's cell with fewer than MinGroup answers is hidden as TooFew.
//  3. If only one hidden cell has answers, or the hidden cells have fewer
//     than MinGroup answers together, the published cell with the fewest
//     answers (ties: the first group) is hidden as [Complement].
//  4. If the hidden cells' answers, added up, are all favourable or all
//     unfavourable, or (for the eNPS question) all in one eNPS class, the
//     question is hidden everywhere, company cell included, as
//     [Withheld].
//
// The eNPS of the eNPS question is its cell's: it is published exactly
// when the cell is.
//
// What is guaranteed, for the figures of one report taken together (the
// company row included), question by question: (a) every published cell,
// and the sum of the hidden cells' answers that the company cell minus
// the published cells gives, aggregates at least MinGroup answers; (b)
// for every hidden cell that has answers, and for each of its favourable
// count, its sum of answers (so its mean) and, for the eNPS question, its
// eNPS, another assignment of answers to the same people (each in the
// same group, answering or skipping each question as before) publishes
// exactly the same report and gives that cell a different value. So the
// company wave minus the published group waves does not give a hidden
// group's answers. Respondent counts and skip counts are not protected:
// every row shows its respondents.
//
// Not covered, and how it leaks: two reports of the same wave grouped by
// different attributes (the team report and the location report), or this
// report next to company figures computed otherwise (a report of the same
// wave without groups, a rolling figure that includes the wave), can
// reveal a hidden group: the other report's company cell minus this
// report's published cells gives the hidden cells' answers when this
// report withheld its own company cell, and a location made of a hidden
// team's people gives that team's figures (see [Table.Heatmap], which
// publishes several breakdowns together and covers this). Reports of
// different waves hold different answers and are covered one by one, for
// a reader who does not know how one wave's answers relate to another's;
// a reader who assumes that people answer as before reads the difference
// of two waves of a fixed population that one person joined or left as
// that person's answer (a team of 8 with 6 favourable, then of 9 with 7),
// which the library cannot tell from a changed answer.
//
// It returns an error wrapping [funnel.ErrInvalidParam] for invalid
// options, and one wrapping [ErrResponse] for more respondents than
// invited (or a negative number invited).
func (w *Waves) Report(k int, invited int64, opts Options) (Report, error) {
	o, err := opts.resolve()
	if err != nil {
		return Report{}, err
	}
	groups := w.waves[k]
	names := slices.Sorted(maps.Keys(groups))
	cells := make([]*cell, len(names))
	total := newCell(len(w.survey.Questions))
	for i, n := range names {
		cells[i] = groups[n]
		total.merge(cells[i])
	}
	if invited < 0 || (invited > 0 && total.respondents > invited) {
		return Report{}, fmt.Errorf("pulse: survey %q wave %d: %d respondents of %d invited: %w",
			w.survey.Name, k, total.respondents, invited, ErrResponse)
	}
	r := Report{
		Survey: w.survey.Name, Wave: k, Start: w.survey.WaveStart(k), By: w.by, MinGroup: int(o.min),
		Participation: o.rate(funnel.Ratio{Num: total.respondents, Den: invited}),
		Groups:        make([]Row, len(names)),
	}
	if invited == 0 {
		r.Participation = funnel.Rate{}
	}
	if total.respondents < o.min {
		r.Suppressed = TooFew
	}
	r.Company, r.Groups = w.survey.publish(total, names, cells, o)
	return r, nil
}

// publish builds the company row and the group rows of one set of cells,
// applying the rules of Waves.Report question by question.
func (s *Survey) publish(total *cell, names []string, cells []*cell, o resolved) (Row, []Row) {
	company := Row{Respondents: total.respondents, Cells: make([]Cell, len(s.Questions))}
	rows := make([]Row, len(names))
	for i, n := range names {
		rows[i] = Row{Group: n, Respondents: cells[i].respondents, Cells: make([]Cell, len(s.Questions))}
	}
	answered := make([]int64, len(cells))
	for q, question := range s.Questions {
		for i, c := range cells {
			answered[i] = sum(c.counts[q][:])
		}
		twoSided := func(hidden []bool) bool {
			var held [11]int64
			for i, h := range hidden {
				if h {
					for a, n := range cells[i].counts[q] {
						held[a] += n
					}
				}
			}
			return question.twoSided(held, o.enps.Bands)
		}
		why, each := suppress(sum(total.counts[q][:]), answered, o.min, twoSided)
		company.Cells[q] = question.cell(total, q, why, o)
		for i, c := range cells {
			rows[i].Cells[q] = question.cell(c, q, each[i], o)
		}
	}
	return company, rows
}

func sum(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}

// twoSided reports whether the answers counted in held include a
// favourable and an unfavourable one and, for the eNPS question, answers
// of two eNPS classes.
func (q Question) twoSided(held [11]int64, bands funnel.ENPSBands) bool {
	fav := q.favourableMin()
	var yes, no bool
	var cls [3]int64
	for a, n := range held {
		if n == 0 {
			continue
		}
		if a >= fav {
			yes = true
		} else {
			no = true
		}
		c, _ := bands.Classify(funnel.ENPSAnswer(a))
		cls[c] += n
	}
	return yes && no && (!q.ENPS || classes(cls[:]...) >= 2)
}

// cell returns the published figures of question q of c.
func (q Question) cell(c *cell, qi int, why Suppression, o resolved) Cell {
	out := Cell{Question: q.ID, Scale: q.Scale, Suppressed: why, Counts: []int64{}}
	if q.ENPS {
		out.ENPS = &Score{Suppressed: why}
	}
	if why != Shown {
		return out
	}
	lo, hi, _ := q.Scale.Bounds()
	counts := c.counts[qi]
	out.Counts = make([]int64, hi-lo+1)
	var fav, s int64
	for a := lo; a <= hi; a++ {
		n := counts[a]
		out.Counts[a-lo] = n
		out.Answered += n
		s += int64(a) * n
		if a >= q.favourableMin() {
			fav += n
		}
	}
	out.Skipped = c.respondents - out.Answered
	out.Favourable = o.rate(funnel.Ratio{Num: fav, Den: out.Answered})
	out.Mean = o.mean(out.Counts, lo)
	if q.ENPS {
		var t funnel.ENPSTally
		for a, n := range counts {
			_ = t.AddN(funnel.ENPSAnswer(a), n)
		}
		_ = t.AddN(funnel.ENPSSkipped, out.Skipped)
		s, _ := t.Score(o.enps) // resolved bands
		sc := o.publish(s, Shown)
		out.ENPS = &sc
	}
	return out
}

// mean returns the mean of answers lo, lo+1, ... counted in counts.
func (o resolved) mean(counts []int64, lo int) Mean {
	n := sum(counts)
	if n == 0 {
		return Mean{}
	}
	var s float64
	for i, c := range counts {
		s += float64(c) * float64(lo+i)
	}
	m := Mean{Defined: true, Value: s / float64(n)}
	if n < 2 {
		return m
	}
	var ss float64
	for i, c := range counts {
		d := float64(lo+i) - m.Value
		ss += float64(c) * d * d
	}
	m.SD = math.Sqrt(ss / float64(n-1))
	t, ok := o.tq[n-1]
	if !ok {
		t = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.5 + o.level/2)
		o.tq[n-1] = t
	}
	half := t * m.SD / math.Sqrt(float64(n))
	hi := float64(lo + len(counts) - 1)
	m.Interval = funnel.Interval{Lo: max(float64(lo), m.Value-half), Hi: min(hi, m.Value+half), Confidence: o.level, Defined: true}
	return m
}
