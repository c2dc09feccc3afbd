package pulse

import (
	"fmt"
	"iter"
	"maps"
	"slices"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
)

// Groups accumulates eNPS answers by group: a team, a department, a
// location or any attribute value. Group names are compared exactly; "" is
// a group like any other. [Groups.Breakdown] publishes the scores with the
// confidentiality rules of the package.
//
// The zero Groups is empty and ready to use. It is not safe for concurrent
// mutation: give each goroutine its own and combine them with
// [Groups.Merge]. It travels as bytes ([Groups.MarshalBinary]).
type Groups struct {
	groups map[string]*funnel.ENPSTally
	total  funnel.ENPSTally
}

// Add adds one answer to group. It returns the errors of
// [funnel.ENPSTally.Add], wrapped with the group name; the groups are then
// unchanged.
func (g *Groups) Add(group string, a funnel.ENPSAnswer) error {
	if err := g.total.Add(a); err != nil {
		return fmt.Errorf("pulse: group %q: %w", group, err)
	}
	if g.groups == nil {
		g.groups = make(map[string]*funnel.ENPSTally)
	}
	t := g.groups[group]
	if t == nil {
		t = new(funnel.ENPSTally)
		g.groups[group] = t
	}
	_ = t.Add(a) // cannot fail: a group holds no more answers than the total
	return nil
}

// Merge adds every answer of o to g, group by group; o is not modified.
// Merging the Groups of the parts of any split of a set of answers gives
// the Groups of the whole. It returns an error wrapping
// [funnel.ErrInvalidParam], leaving g unchanged, when o is nil or g
// itself, or when the total would exceed math.MaxInt64.
func (g *Groups) Merge(o *Groups) error {
	switch {
	case o == nil || g == nil:
		return fmt.Errorf("pulse: merging nil groups: %w", funnel.ErrInvalidParam)
	case o == g:
		return fmt.Errorf("pulse: merging groups into themselves: %w", funnel.ErrInvalidParam)
	}
	if err := g.total.Merge(&o.total); err != nil {
		return err
	}
	if g.groups == nil && len(o.groups) > 0 {
		g.groups = make(map[string]*funnel.ENPSTally, len(o.groups))
	}
	for name, ot := range o.groups {
		t := g.groups[name]
		if t == nil {
			t = new(funnel.ENPSTally)
			g.groups[name] = t
		}
		_ = t.Merge(ot) // cannot fail: bounded by the total
	}
	return nil
}

// Names returns the group names in ascending order.
func (g *Groups) Names() []string { return slices.Sorted(maps.Keys(g.groups)) }

// Group returns a copy of the tally of one group, and whether the group has
// any answer.
func (g *Groups) Group(name string) (funnel.ENPSTally, bool) {
	t, ok := g.groups[name]
	if !ok {
		return funnel.ENPSTally{}, false
	}
	return *t, true
}

// Total returns a copy of the tally of all groups together.
func (g *Groups) Total() funnel.ENPSTally { return g.total }

// A Score is an eNPS as published: the classified answers with their
// interval, or nothing but the reason it is hidden. A suppressed Score
// (Suppressed != Shown) has every count zero and an undefined interval.
type Score struct {
	funnel.ENPSScore
	// Interval is the score's confidence interval by the options' method
	// and level (see [funnel.ENPSScore.Interval]); not Defined when there
	// is no score.
	Interval   funnel.Interval
	Suppressed Suppression
}

// publish returns the score of t, or a hidden score.
func (o resolved) publish(s funnel.ENPSScore, why Suppression) Score {
	if why != Shown {
		return Score{Suppressed: why}
	}
	iv, _ := s.Interval(o.interval, funnel.Confidence(o.level)) // method and level are valid
	return Score{ENPSScore: s, Interval: iv}
}

// A GroupScore is one group's row of a [Breakdown].
type GroupScore struct {
	Group string `json:"group"`
	Score Score  `json:"score"`
}

// A Breakdown is the overall eNPS of a set of answers and the eNPS of each
// group, with confidentiality applied (see [Groups.Breakdown]).
type Breakdown struct {
	// MinGroup is the confidentiality minimum the breakdown applied.
	MinGroup int          `json:"min_group"`
	Overall  Score        `json:"overall"`
	Groups   []GroupScore `json:"groups"` // ascending by group name
}

// Breakdown returns the overall score and every group's score, with the
// confidentiality rules of the package applied to the answered counts
// (skips are not answers, whether or not they count as passives):
//
//  1. If fewer than MinGroup people answered in all, everything is hidden
//     as [TooFew].
//  2. A group in which fewer than MinGroup people answered is hidden as
//     TooFew.
//  3. If only one hidden group has answers, or the hidden groups have
//     fewer than MinGroup answers together, the published group with the
//     fewest answers (ties: the first name) is hidden as [Complement].
//  4. If the hidden groups' answers all fall in one eNPS class, the whole
//     breakdown, overall included, is hidden as [Withheld].
//
// What is guaranteed, for the figures of this breakdown taken together
// (the overall row included): (a) every published score, and the sum of
// the hidden groups' answers that the overall minus the published groups
// gives, aggregates at least MinGroup answers; (b) for every hidden group
// that has a score, another assignment of answers to the same people
// (each person in the same group, answering or skipping as before)
// publishes exactly the same breakdown and gives that group a different
// score. Hidden rows keep their group name and reason.
//
// Not covered, and how it leaks: publishing two breakdowns of the same
// answers by different attributes (team and location), or this breakdown
// next to an overall computed otherwise (another breakdown's overall, a
// company score under other options), can reveal a hidden group: the
// other figures give what this breakdown hid (say the company score
// computed with every team, minus the published teams of a withheld
// breakdown; publish breakdowns of survey waves together with
// [Table.Heatmap], which covers this). Differences over time are covered
// when the breakdowns are of disjoint sets of answers (one per wave, as
// [Trend] makes them), for a reader who does not know how one wave's
// answers relate to another's: one who assumes that people answer as
// before reads the difference of two breakdowns of a fixed population
// that one person joined or left as that person's answer, which the
// library cannot tell from a changed answer.
//
// It returns an error wrapping [funnel.ErrInvalidParam] for invalid
// options.
func (g *Groups) Breakdown(opts Options) (Breakdown, error) {
	o, err := opts.resolve()
	if err != nil {
		return Breakdown{}, err
	}
	return g.breakdown(o), nil
}

func (g *Groups) breakdown(o resolved) Breakdown {
	names := g.Names()
	scores := make([]funnel.ENPSScore, len(names))
	answered := make([]int64, len(names))
	for i, name := range names {
		scores[i], _ = g.groups[name].Score(o.enps) // bands are resolved
		answered[i] = scores[i].Answered
	}
	overall, _ := g.total.Score(o.enps)
	twoSided := func(hidden []bool) bool {
		var p, q, d int64 // answers, skips left out
		for i, h := range hidden {
			if h {
				t := g.groups[names[i]]
				for a := range 11 {
					switch c, _ := o.enps.Bands.Classify(funnel.ENPSAnswer(a)); c {
					case funnel.ENPSPromoter:
						p += t.Count(funnel.ENPSAnswer(a))
					case funnel.ENPSPassive:
						q += t.Count(funnel.ENPSAnswer(a))
					default:
						d += t.Count(funnel.ENPSAnswer(a))
					}
				}
			}
		}
		return classes(p, q, d) >= 2
	}
	why, each := suppress(overall.Answered, answered, o.min, twoSided)
	b := Breakdown{MinGroup: int(o.min), Overall: o.publish(overall, why), Groups: make([]GroupScore, len(names))}
	for i, name := range names {
		b.Groups[i] = GroupScore{Group: name, Score: o.publish(scores[i], each[i])}
	}
	return b
}

// classes returns how many of the counts are positive.
func classes(counts ...int64) int {
	n := 0
	for _, c := range counts {
		if c > 0 {
			n++
		}
	}
	return n
}

// BreakdownBy groups the answers of one question by the value of one
// attribute (a response without the attribute falls in the group "") and
// returns [Groups.Breakdown], with its guarantee and its limits (another
// breakdown of the same answers by another attribute can reveal a hidden
// group; across waves, a reader who assumes that people answer as before
// reads the difference of two breakdowns of a fixed population that one
// person joined or left as that person's answer). The
// question must be on the 0-10 scale: a response that does not answer it
// is a skip, an answer off the scale is an error wrapping
// [funnel.ErrENPSAnswer] that names the response's position. A nil
// sequence is an error wrapping [funnel.ErrInvalidParam].
func BreakdownBy(responses iter.Seq[Response], question, attr string, opts Options) (Breakdown, error) {
	if responses == nil {
		return Breakdown{}, fmt.Errorf("pulse: nil response sequence: %w", funnel.ErrInvalidParam)
	}
	o, err := opts.resolve()
	if err != nil {
		return Breakdown{}, err
	}
	var g Groups
	i := 0
	for r := range responses {
		a := funnel.ENPSSkipped
		if v, ok := r.Answers[question]; ok {
			a = funnel.ENPSAnswer(v)
			if v < 0 {
				a = funnel.ENPSAnswer(-2) // not a skip: an invalid answer
			}
		}
		if err := g.Add(r.Attrs[attr], a); err != nil {
			return Breakdown{}, fmt.Errorf("pulse: response %d: %w", i, err)
		}
		i++
	}
	return g.breakdown(o), nil
}

// A GroupChange is one group's change from the previous point of a trend.
type GroupChange struct {
	Group  string                `json:"group"`
	Change funnel.ENPSComparison `json:"change"`
}

// A TrendPoint is one wave of an eNPS trend: the wave's breakdown, the
// change of the overall score from the previous point (Defined when both
// are published) and the change of each group published in both.
type TrendPoint struct {
	Label     string                `json:"label"`
	Breakdown Breakdown             `json:"breakdown"`
	Change    funnel.ENPSComparison `json:"change"`
	Groups    []GroupChange         `json:"groups"`
}

// Trend publishes an eNPS trend by group: point i is the breakdown of
// waves[i] ([Groups.Breakdown], with its rules), labelled labels[i], and
// the change from the previous point of the overall score and of every
// group published in both, by [funnel.CompareENPS] under opts.Test. The
// changes are computed from published scores only. They are tested at
// once, so their p-values are adjusted together by Benjamini-Hochberg
// over every point and group (PAdjusted) and the verdicts rest on the
// adjusted ones, as in [Compare].
//
// The company trend (the overall scores) and the group trends are the
// breakdowns' own rows, so the company trend minus the published group
// trends gives, at each point, only what that point's breakdown allows:
// the guarantee of [Groups.Breakdown] holds point by point, as long as the
// waves hold disjoint sets of answers (each answer in one wave). Not
// covered: waves that share answers (say cumulative or rolling sets: the
// difference of two points would then be the answers added), company
// figures published from elsewhere (see [Groups.Breakdown]), and a
// reader who assumes that people answer as before: the difference of two
// points of a fixed population that one person joined or left is then
// that person's answer (a group of 8 with 3 promoters, then of 9 with 4).
//
// It returns an error wrapping [funnel.ErrInvalidParam] for invalid
// options, a nil wave, a repeated label or labels and waves of different
// lengths.
func Trend(labels []string, waves []*Groups, opts Options) ([]TrendPoint, error) {
	o, err := opts.resolve()
	if err != nil {
		return nil, err
	}
	if len(labels) != len(waves) {
		return nil, fmt.Errorf("pulse: %d labels for %d waves: %w", len(labels), len(waves), funnel.ErrInvalidParam)
	}
	pts := make([]TrendPoint, len(labels))
	for i, l := range labels {
		if slices.Contains(labels[:i], l) {
			return nil, fmt.Errorf("pulse: trend label %q repeated: %w", l, funnel.ErrInvalidParam)
		}
		if waves[i] == nil {
			return nil, fmt.Errorf("pulse: trend wave %q is nil: %w", l, funnel.ErrInvalidParam)
		}
		p := TrendPoint{Label: l, Breakdown: waves[i].breakdown(o), Groups: []GroupChange{}}
		if i > 0 {
			prev := pts[i-1].Breakdown
			p.Change, _ = funnel.CompareENPS(p.Breakdown.Overall.ENPSScore, prev.Overall.ENPSScore, o.test) // valid test and scores
			for _, gs := range p.Breakdown.Groups {
				j := slices.IndexFunc(prev.Groups, func(q GroupScore) bool { return q.Group == gs.Group })
				if j < 0 || gs.Score.Suppressed != Shown || prev.Groups[j].Score.Suppressed != Shown {
					continue
				}
				c, _ := funnel.CompareENPS(gs.Score.ENPSScore, prev.Groups[j].Score.ENPSScore, o.test)
				p.Groups = append(p.Groups, GroupChange{Group: gs.Group, Change: c})
			}
		} else {
			p.Change, _ = funnel.CompareENPS(funnel.ENPSScore{}, funnel.ENPSScore{}, o.test)
		}
		pts[i] = p
	}
	var fam stat.Family
	for i := range pts {
		addENPS(&fam, &pts[i].Change, o.level)
		for j := range pts[i].Groups {
			addENPS(&fam, &pts[i].Groups[j].Change, o.level)
		}
	}
	fam.Adjust()
	return pts, nil
}
