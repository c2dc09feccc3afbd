package pulse

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
)

// MaxAttributes is the largest number of attributes a [Table] breaks
// responses down by.
const MaxAttributes = 4

// A Table accumulates the responses of a survey wave by wave and by the
// values of several attributes at once (team, location, tenure): one
// tally per combination of groups, the joint table. [Table.Heatmap]
// publishes a wave broken down by each attribute, all breakdowns together,
// with the confidentiality rules applied to the joint table so that
// figures of one breakdown cannot be used to recover what another hides.
//
// Build one with [NewTable]. It is not safe for concurrent mutation: give
// each goroutine its own ([Table.Fresh]) and combine them with
// [Table.Merge]. It travels as bytes ([Table.MarshalBinary]). It keeps one
// tally per wave and combination of groups that has a response, so its
// size is bounded by the number of responses.
type Table struct {
	survey Survey
	by     []string
	waves  map[int]map[string]*joint
}

// A joint is the tally of one combination of groups (one per attribute, in
// the table's order) in one wave.
type joint struct {
	groups []string
	cell
}

// jointKey is an injective encoding of a combination of groups.
func jointKey(groups []string) string {
	var b strings.Builder
	for _, g := range groups {
		b.WriteString(strconv.Itoa(len(g)))
		b.WriteByte(':')
		b.WriteString(g)
	}
	return b.String()
}

// NewTable returns an empty accumulator of the responses to survey s,
// broken down by the attributes by (1 to [MaxAttributes], distinct; a
// response without an attribute falls in its group ""). It keeps its own
// copy of s. It returns an error wrapping [ErrSurvey] for an invalid survey
// and one wrapping [funnel.ErrInvalidParam] for no attribute, too many or a
// repeated one.
func NewTable(s *Survey, by ...string) (*Table, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(by) == 0 || len(by) > MaxAttributes {
		return nil, fmt.Errorf("pulse: table by %d attributes, want 1 to %d: %w", len(by), MaxAttributes, funnel.ErrInvalidParam)
	}
	for i, a := range by {
		if slices.Contains(by[:i], a) {
			return nil, fmt.Errorf("pulse: table by attribute %q twice: %w", a, funnel.ErrInvalidParam)
		}
	}
	return &Table{survey: s.clone(), by: slices.Clone(by), waves: map[int]map[string]*joint{}}, nil
}

// Fresh returns an empty accumulator of the same survey and attributes.
func (t *Table) Fresh() *Table {
	return &Table{survey: t.survey.clone(), by: slices.Clone(t.by), waves: map[int]map[string]*joint{}}
}

// Survey returns a copy of the survey the accumulator was built for.
func (t *Table) Survey() Survey { return t.survey.clone() }

// By returns a copy of the attributes the responses are broken down by.
func (t *Table) By() []string { return slices.Clone(t.by) }

// Waves returns the numbers of the waves that have responses, ascending.
func (t *Table) Waves() []int { return slices.Sorted(maps.Keys(t.waves)) }

// Add adds one response to its wave and combination of groups. It returns
// an error wrapping [ErrResponse], leaving t unchanged, for a response
// with an answer to an unknown question or off its scale
// ([Survey.CheckResponse]) or with a time before the survey's start (or
// past its last wave).
func (t *Table) Add(r Response) error {
	if err := t.survey.CheckResponse(r); err != nil {
		return err
	}
	k, ok := t.survey.WaveOf(r.At)
	if !ok {
		return fmt.Errorf("pulse: respondent %q answered at %v, outside the waves of survey %q from %v: %w",
			r.Respondent, r.At, t.survey.Name, t.survey.Start, ErrResponse)
	}
	groups := make([]string, len(t.by))
	for i, a := range t.by {
		groups[i] = r.Attrs[a]
	}
	j := t.jointOf(k, groups)
	j.respondents++
	for id, a := range r.Answers {
		j.counts[t.survey.index(id)][a]++
	}
	return nil
}

// jointOf returns the tally of groups in wave k, adding an empty one.
func (t *Table) jointOf(k int, groups []string) *joint {
	if t.waves == nil {
		t.waves = map[int]map[string]*joint{}
	}
	wave := t.waves[k]
	if wave == nil {
		wave = map[string]*joint{}
		t.waves[k] = wave
	}
	key := jointKey(groups)
	j := wave[key]
	if j == nil {
		j = &joint{groups: slices.Clone(groups), cell: *newCell(len(t.survey.Questions))}
		wave[key] = j
	}
	return j
}

// Merge adds every response of o to t; o is not modified. Merging the
// accumulators of the parts of any split of the responses gives the
// accumulator of the whole. It returns an error wrapping
// [funnel.ErrInvalidParam] when o is nil or t itself, and one wrapping
// [funnel.ErrIncompatible] when o is of another survey or other
// attributes.
func (t *Table) Merge(o *Table) error {
	switch {
	case o == nil || t == nil:
		return fmt.Errorf("pulse: merging a nil table: %w", funnel.ErrInvalidParam)
	case o == t:
		return fmt.Errorf("pulse: merging a table into itself: %w", funnel.ErrInvalidParam)
	case !t.survey.equal(&o.survey) || !slices.Equal(t.by, o.by):
		return fmt.Errorf("pulse: merging a table of another survey or other attributes: %w", funnel.ErrIncompatible)
	}
	for k, wave := range o.waves {
		for _, oj := range wave {
			t.jointOf(k, oj.groups).merge(&oj.cell)
		}
	}
	return nil
}

// HeatmapOptions are the settings of [Table.Heatmap] beyond [Options].
type HeatmapOptions struct {
	// Invited is the number of people invited to the wave; 0 when not
	// known.
	Invited int64
	// InvitedBy gives, for an attribute of the table, the number of
	// people invited in each of its groups (people without the attribute
	// in the group ""). An attribute left out has no participation by
	// group. A group listed without respondents gets a row of its own
	// (no answers, participation 0 of those invited).
	InvitedBy map[string]map[string]int64
	// Intersections also protects the people at the intersection of
	// published groups (the one engineer in Lisbon when engineering and
	// Lisbon are both published): see [Table.Heatmap].
	Intersections bool
}

// A GroupRow is one row of a [Heatmap]: a group (or the company, Group
// ""), its respondents and their share of the people invited, and one
// cell per question in survey order.
type GroupRow struct {
	Group       string `json:"group"`
	Respondents int64  `json:"respondents"`
	// Participation is Respondents over the people invited, with its
	// Wilson interval; 0/0 when the number invited is not known.
	Participation funnel.Rate `json:"participation"`
	Cells         []Cell      `json:"cells"`
}

// A Section is the breakdown of a [Heatmap] by one attribute: one row per
// group, ascending by name.
type Section struct {
	By     string     `json:"by"`
	Groups []GroupRow `json:"groups"`
}

// A Heatmap is one wave of a survey broken down by several attributes,
// published together: the company row and a section per attribute, each a
// table of groups by questions (counts, favourable share with its
// interval, mean with its interval, eNPS, and why a hidden cell is
// hidden), with the confidentiality rules of [Table.Heatmap].
type Heatmap struct {
	Survey   string    `json:"survey"`
	Wave     int       `json:"wave"`
	Start    time.Time `json:"start"`
	MinGroup int       `json:"min_group"`
	// Intersections reports whether intersections of published groups
	// were protected too ([HeatmapOptions.Intersections]).
	Intersections bool `json:"intersections"`
	// Suppressed is TooFew when fewer than MinGroup people responded:
	// every cell is then hidden.
	Suppressed Suppression `json:"suppressed"`
	Company    GroupRow    `json:"company"`
	Sections   []Section   `json:"sections"` // in the table's order of attributes
}

// Heatmap publishes wave k broken down by every attribute of the table,
// all breakdowns together. Each section holds one row per group that has
// a response in the wave or is listed in InvitedBy, and each row a cell
// per question with the figures of [Waves.Report]. The confidentiality
// rules are applied question by question, to every section and the
// company row at once, counting the people who answered the question
// (skips never count toward the minimum):
//
//  1. If fewer than MinGroup people answered in all, every cell of the
//     question is hidden as [TooFew].
//  2. In each section, the rules of [Waves.Report]: a cell of fewer than
//     MinGroup answers is hidden as TooFew, and if the hidden cells of
//     the section hold answers of only one group or fewer than MinGroup
//     answers together, its published cell with the fewest answers is
//     hidden as [Complement].
//  3. The joint table is audited. Call two people who answered alike if,
//     in every section, they are in the same published group or both in
//     hidden ones, and a pool a largest set of people alike. Every pool
//     with answers in a hidden cell must hold at least MinGroup answers
//     and, in every section where its people's groups are hidden, answers
//     of at least two groups; with Intersections, every other pool (the
//     people at one intersection of published groups) must hold at least
//     MinGroup answers too. While a pool falls short, the published
//     cells that merge it with another pool at the least cost (the fewest
//     answers hidden; ties: the fewest cells, then the first pool in the
//     order of groups) are hidden as Complement. This ends: each merge
//     leaves fewer pools, and a single pool of every answer is never
//     short.
//  4. If a hidden cell with answers has none of them in a pool whose
//     answers, added up, are on both sides (favourable and not and, for
//     the eNPS question, of two eNPS classes), the question is hidden
//     everywhere, company row included, as [Withheld].
//
// Rules 1 to 3 look at counts only (how many people of each combination
// of groups answered), rule 4 at the pools' added-up answers only. Every
// published figure is a sum over whole pools, so exchanging answers
// between people of one pool changes nothing published: whatever can be
// derived from the whole heatmap, by subtraction, by the bounds the
// published counts put on each intersection or otherwise, is a function
// of the counts and of the pools' added-up answers. With one attribute,
// rule 3 never applies and the heatmap hides what [Waves.Report] hides.
//
// What is guaranteed, for all the figures of one heatmap taken together
// (every section and the company row), question by question: (a) every
// published cell aggregates at least MinGroup answers; every pool with
// answers in a hidden cell holds at least MinGroup answers, of at least
// two groups in every section where it is hidden; and every hidden cell
// with answers has answers in a pool on both sides; (b) for
// every hidden cell that has answers, and for each of its favourable
// count, its sum of answers (so its mean) and, for the eNPS question, its
// eNPS, another assignment of answers to the same people (each in the
// same groups, answering or skipping each question as before) publishes
// exactly the same heatmap and gives that cell a different value; and so
// do the answers of every intersection of groups (say legal in Lisbon,
// however few) within a pool on both sides. So no hidden cell can be recovered
// from the other sections. The attack this blocks: legal (3 people, too
// few) and ops (hidden as its complement) are hidden by team, and ops's
// six people are the Lisbon office; published as two reports, Lisbon's
// figures are ops's, and the company minus sales minus Lisbon is legal's
// three answers. With Intersections, every pool holds 0 or at least
// MinGroup answers: whatever can be derived is a function of sums over at
// least MinGroup answers, as
// if each pool were a published group. The tests check (a) and (b) on
// every small population they can enumerate.
//
// The price of the guarantee: the people of small hidden groups spread
// over several offices make small pools, and the merges that grow them
// often hide a whole section; the more sections, the more and smaller
// the pools, and the likelier a hidden cell's pools are all on one side
// (rule 4). Publish fewer or coarser breakdowns together to keep more
// figures.
//
// Not covered, and how it leaks:
//   - Without Intersections, the people at the intersection of published
//     groups: when engineering and Lisbon are both published and the one
//     engineer in Lisbon is the only Lisbon person whose team's figures
//     hold an answer 1, a 1 in Lisbon's figures is the engineer's.
//   - Figures of other publications of the same answers: a [Waves.Report]
//     or another heatmap of the same wave by other attributes, or a
//     [Rolling.Series] that includes the wave (each publication is
//     protected on its own; publish every breakdown of a wave in one
//     heatmap instead).
//   - Across waves, each wave's answers are fresh: the guarantee of each
//     heatmap holds whatever other waves publish, for a reader who does
//     not know how one wave's answers relate to another's. A reader who
//     assumes that people answer as they did in the wave before can read
//     one person's answer as the difference of two waves of a fixed
//     population that this person joined or left (a team of 8 shows 6
//     favourable, then 9 people and 7 favourable: the newcomer, if nobody
//     else changed). The library cannot tell a changed answer from a
//     newcomer's; [Rolling.Series] is where answers are carried over, and
//     it prevents this.
//   - Like any published group, a published cell whose answers are all
//     alike tells each of them, and so may a pool: if the Lisbon people
//     of the hidden teams all answered favourably and their added-up
//     answers can be derived, each of them is known to have (each hidden
//     team's own figures stay protected by another of its pools, on both
//     sides).
//
// Participation says who responded, not what anyone answered. It is
// published for every group, hidden cells or not: the rules above decide
// from counts that a reader is assumed to know already (how many people
// of each combination of groups responded and answered each question),
// and the guarantee holds for such a reader, so per-group participation
// cannot weaken it; hiding it would protect nothing the guarantee relies
// on. What it does not protect is whether a person responded: a group
// whose invited people all responded tells that each of them did.
//
// It returns an error wrapping [funnel.ErrInvalidParam] for invalid
// options, an attribute in InvitedBy that the table does not break down
// by, or groups invited that do not add up to Invited; and one wrapping
// [ErrResponse] for a negative number invited, or more respondents than
// invited in all or in a group (a group with respondents missing from
// InvitedBy counts as none invited).
//
// Sources: the minimum group of Culture Amp and Qualtrics; complementary
// suppression and the audit of a table with suppressed cells, whose
// hidden cells must not be pinned by the published ones (Cox 1980,
// "Suppression methodology and statistical disclosure control", Journal
// of the American Statistical Association 75(370); Hundepool et al. 2012,
// "Statistical Disclosure Control", Wiley, ch. 4); pools as the
// equivalence classes of k-anonymity (Sweeney 2002, "k-anonymity: a model
// for protecting privacy", International Journal of Uncertainty,
// Fuzziness and Knowledge-Based Systems 10(5)) and answers on both sides
// as its 2-diversity (Machanavajjhala et al. 2007, "l-diversity: privacy
// beyond k-anonymity", ACM Transactions on Knowledge Discovery from Data
// 1(1)).
func (t *Table) Heatmap(k int, ho HeatmapOptions, opts Options) (Heatmap, error) {
	o, err := opts.resolve()
	if err != nil {
		return Heatmap{}, err
	}
	for a := range ho.InvitedBy {
		if !slices.Contains(t.by, a) {
			return Heatmap{}, fmt.Errorf("pulse: invited by attribute %q, not one of the table's %q: %w", a, t.by, funnel.ErrInvalidParam)
		}
	}
	wave := t.waves[k]
	keys := slices.Sorted(maps.Keys(wave))
	joints := make([]*joint, len(keys))
	nq := len(t.survey.Questions)
	total := newCell(nq)
	for i, key := range keys {
		joints[i] = wave[key]
		total.merge(&joints[i].cell)
	}
	if ho.Invited < 0 || (ho.Invited > 0 && total.respondents > ho.Invited) {
		return Heatmap{}, fmt.Errorf("pulse: survey %q wave %d: %d respondents of %d invited: %w",
			t.survey.Name, k, total.respondents, ho.Invited, ErrResponse)
	}
	// The groups of each attribute, their tallies, and which group each
	// combination falls in.
	sections := make([]sectionTally, len(t.by))
	for a, attr := range t.by {
		sec := &sections[a]
		invited, known := ho.InvitedBy[attr]
		names := map[string]bool{}
		for _, j := range joints {
			names[j.groups[a]] = true
		}
		var sum int64
		for g, n := range invited {
			if n < 0 {
				return Heatmap{}, fmt.Errorf("pulse: survey %q wave %d: %d invited in %s %q: %w", t.survey.Name, k, n, attr, g, ErrResponse)
			}
			names[g] = true
			sum += n
			if sum < 0 {
				return Heatmap{}, fmt.Errorf("pulse: survey %q wave %d: people invited by %s overflow: %w", t.survey.Name, k, attr, funnel.ErrInvalidParam)
			}
		}
		if known && ho.Invited > 0 && sum != ho.Invited {
			return Heatmap{}, fmt.Errorf("pulse: survey %q wave %d: people invited by %s add up to %d, %d in all: %w",
				t.survey.Name, k, attr, sum, ho.Invited, funnel.ErrInvalidParam)
		}
		sec.names = slices.Sorted(maps.Keys(names))
		sec.cells = make([]*cell, len(sec.names))
		for i := range sec.cells {
			sec.cells[i] = newCell(nq)
		}
		sec.of = make([]int, len(joints))
		for i, j := range joints {
			g, _ := slices.BinarySearch(sec.names, j.groups[a])
			sec.of[i] = g
			sec.cells[g].merge(&j.cell)
		}
		sec.participation = make([]funnel.Rate, len(sec.names))
		for g, name := range sec.names {
			if !known {
				continue
			}
			n := invited[name]
			if r := sec.cells[g].respondents; r > n {
				return Heatmap{}, fmt.Errorf("pulse: survey %q wave %d: %d respondents of %d invited in %s %q: %w",
					t.survey.Name, k, r, n, attr, name, ErrResponse)
			}
			if n > 0 {
				sec.participation[g] = o.rate(funnel.Ratio{Num: sec.cells[g].respondents, Den: n})
			}
		}
	}
	h := Heatmap{
		Survey: t.survey.Name, Wave: k, Start: t.survey.WaveStart(k), MinGroup: int(o.min), Intersections: ho.Intersections,
		Company:  GroupRow{Respondents: total.respondents, Cells: make([]Cell, nq)},
		Sections: make([]Section, len(t.by)),
	}
	if ho.Invited > 0 {
		h.Company.Participation = o.rate(funnel.Ratio{Num: total.respondents, Den: ho.Invited})
	}
	if total.respondents < o.min {
		h.Suppressed = TooFew
	}
	for a, sec := range sections {
		rows := make([]GroupRow, len(sec.names))
		for g, name := range sec.names {
			rows[g] = GroupRow{Group: name, Respondents: sec.cells[g].respondents, Participation: sec.participation[g], Cells: make([]Cell, nq)}
		}
		h.Sections[a] = Section{By: t.by[a], Groups: rows}
	}
	// Question by question, the joint rules.
	jt := jointTable{min: o.min, strict: ho.Intersections, of: make([][]int, len(sections)), answered: make([][]int64, len(sections))}
	jt.n = make([]int64, len(joints))
	jt.hist = make([][11]int64, len(joints))
	for a, sec := range sections {
		jt.of[a] = sec.of
		jt.answered[a] = make([]int64, len(sec.names))
	}
	for q, question := range t.survey.Questions {
		for i, j := range joints {
			jt.hist[i] = j.counts[q]
			jt.n[i] = sum(j.counts[q][:])
		}
		for a, sec := range sections {
			for g, c := range sec.cells {
				jt.answered[a][g] = sum(c.counts[q][:])
			}
		}
		why, each := jt.suppress(func(h [11]int64) bool { return question.twoSided(h, o.enps.Bands) })
		h.Company.Cells[q] = question.cell(total, q, why, o)
		for a, sec := range sections {
			for g, c := range sec.cells {
				h.Sections[a].Groups[g].Cells[q] = question.cell(c, q, each[a][g], o)
			}
		}
	}
	return h, nil
}

// A sectionTally is what a heatmap adds up for one attribute: its groups
// (ascending), their tallies and participation, and the group of each
// combination of groups.
type sectionTally struct {
	names         []string
	cells         []*cell
	participation []funnel.Rate
	of            []int
}
