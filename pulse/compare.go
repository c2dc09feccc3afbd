package pulse

import (
	"fmt"
	"math"
	"slices"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
)

// A MeanComparison compares mean answer A with mean answer B of another,
// independent set of people. It has the shape of [funnel.Comparison].
type MeanComparison struct {
	// Defined reports whether both means have at least two answers; when
	// false no other field but Verdict (withheld) is set.
	Defined bool `json:"defined"`
	// Diff is meanA − meanB, and SE its Welch standard error
	// sqrt(sA²/nA + sB²/nB) with sample variances (Welch 1947, "The
	// generalization of Student's problem when several different
	// population variances are involved", Biometrika 34).
	Diff float64 `json:"diff"`
	SE   float64 `json:"se"`
	// Interval is Diff ∓ z × SE, clamped to ± the width of the scale.
	Interval funnel.Interval `json:"interval"`
	// Tested is false when SE is 0 (every answer the same on both
	// sides): Z and PValue are then 0.
	Tested bool `json:"tested"`
	// Z = Diff / SE and PValue = erfc(|Z| / sqrt 2), the large-sample
	// two-sided test of equal means.
	Z      float64 `json:"z"`
	PValue float64 `json:"p_value"`
	// PAdjusted is PValue adjusted by Benjamini-Hochberg over the
	// comparisons made at once (see [Compare]), as
	// [funnel.Comparison.PAdjusted].
	PAdjusted float64 `json:"p_adjusted"`
	// Verdict is withheld when the test is undefined or a side has fewer
	// answers than the minimum sample of the [funnel.Test]; otherwise
	// higher or lower when PAdjusted < 1 − confidence, no difference when
	// not.
	Verdict funnel.Verdict `json:"verdict"`
}

// compareMeans compares the published cells a and b of one question.
func compareMeans(a, b Cell, o resolved) MeanComparison {
	var m MeanComparison
	if !a.Mean.Defined || !b.Mean.Defined || a.Answered < 2 || b.Answered < 2 {
		return m
	}
	lo, hi, _ := a.Scale.Bounds()
	width := float64(hi - lo)
	m.Defined = true
	m.Diff = a.Mean.Value - b.Mean.Value
	m.SE = math.Sqrt(a.Mean.SD*a.Mean.SD/float64(a.Answered) + b.Mean.SD*b.Mean.SD/float64(b.Answered))
	z := stat.Z(o.level)
	m.Interval = funnel.Interval{Lo: max(-width, m.Diff-z*m.SE), Hi: min(width, m.Diff+z*m.SE), Confidence: o.level, Defined: true}
	if m.SE > 0 {
		m.Tested = true
		m.Z = m.Diff / m.SE
		m.PValue = stat.TwoSidedP(m.Z)
	}
	m.PAdjusted = m.PValue
	m.Verdict = funnel.VerdictOf(m.Tested && o.enough(a.Answered) && o.enough(b.Answered), m.PValue, o.level, m.Diff)
	return m
}

// A QuestionChange is one question's change between two waves, for one
// row: favourability by [funnel.CompareRates], the mean by a Welch test,
// and the eNPS (the eNPS question only) by [funnel.CompareENPS]. A change
// is not Defined when either cell is suppressed.
type QuestionChange struct {
	Question   string                 `json:"question"`
	Favourable funnel.Comparison      `json:"favourable"`
	Mean       MeanComparison         `json:"mean"`
	ENPS       *funnel.ENPSComparison `json:"enps"`
}

// A RowChange is the change of one row (a group, or the company) between
// two waves, question by question in the order of the later wave.
type RowChange struct {
	Group     string           `json:"group"`
	Questions []QuestionChange `json:"questions"`
}

// A Change compares wave After with the earlier wave Before: the change
// of participation, of the company row and of every group that has a row
// in both.
type Change struct {
	Before        int               `json:"before"`
	After         int               `json:"after"`
	Participation funnel.Comparison `json:"participation"`
	Company       RowChange         `json:"company"`
	Groups        []RowChange       `json:"groups"`
}

// Compare returns the change from report before to report after, under t
// (the one confidence and minimum-sample rule: a bad confidence is an
// error wrapping [funnel.ErrInvalidParam], never 0.95): participation and
// each favourable share by [funnel.CompareRates] (after against before),
// each mean by a Welch test ([MeanComparison]), the eNPS by
// [funnel.CompareENPS]. It reads published figures only, so it reveals
// nothing the two reports do not, and the limits of the reports hold (see
// [Waves.Report] on a reader who assumes people answer as before); a
// suppressed cell has no change.
//
// The tests of a change are made at once (participation, and every
// question's favourable share, mean and eNPS in the company row and every
// group), so their p-values are adjusted together by Benjamini-Hochberg
// (PAdjusted of each comparison, see [funnel.Comparison.PAdjusted]) and
// every verdict rests on the adjusted p-value: among the changes declared
// real, the expected share of false discoveries is at most 1 −
// confidence. It returns an error wrapping [funnel.ErrInvalidParam] for
// an invalid Test or reports of different surveys.
func Compare(before, after Report, t funnel.Test) (Change, error) {
	o, err := Options{Test: t}.resolve()
	if err != nil {
		return Change{}, err
	}
	c, err := compare(before, after, o)
	if err != nil {
		return Change{}, err
	}
	adjustChanges([]Change{c}, o.level)
	return c, nil
}

// compare is Compare with resolved options and no adjustment.
func compare(before, after Report, o resolved) (Change, error) {
	t := o.test
	var err error
	if before.Survey != after.Survey || before.By != after.By {
		return Change{}, fmt.Errorf("pulse: comparing wave %d of %q by %q with wave %d of %q by %q: %w",
			before.Wave, before.Survey, before.By, after.Wave, after.Survey, after.By, funnel.ErrInvalidParam)
	}
	c := Change{Before: before.Wave, After: after.Wave, Groups: []RowChange{}}
	if c.Participation, err = funnel.CompareRates(after.Participation.Ratio, before.Participation.Ratio, t); err != nil {
		return Change{}, err
	}
	if c.Company, err = compareRows(before.Company, after.Company, o); err != nil {
		return Change{}, err
	}
	for _, ra := range after.Groups {
		i := slices.IndexFunc(before.Groups, func(r Row) bool { return r.Group == ra.Group })
		if i < 0 {
			continue
		}
		rc, err := compareRows(before.Groups[i], ra, o)
		if err != nil {
			return Change{}, err
		}
		c.Groups = append(c.Groups, rc)
	}
	return c, nil
}

func compareRows(before, after Row, o resolved) (RowChange, error) {
	rc := RowChange{Group: after.Group, Questions: []QuestionChange{}}
	for _, ca := range after.Cells {
		i := slices.IndexFunc(before.Cells, func(c Cell) bool { return c.Question == ca.Question })
		if i < 0 || before.Cells[i].Scale != ca.Scale {
			continue
		}
		cb := before.Cells[i]
		qc := QuestionChange{Question: ca.Question, Mean: compareMeans(ca, cb, o)}
		var err error
		if qc.Favourable, err = funnel.CompareRates(ca.Favourable.Ratio, cb.Favourable.Ratio, o.test); err != nil {
			return RowChange{}, err
		}
		if ca.ENPS != nil && cb.ENPS != nil {
			e, err := funnel.CompareENPS(ca.ENPS.ENPSScore, cb.ENPS.ENPSScore, o.test)
			if err != nil {
				return RowChange{}, err
			}
			qc.ENPS = &e
		}
		rc.Questions = append(rc.Questions, qc)
	}
	return rc, nil
}

// Changes compares each report with the next ([Compare]) and returns
// len(reports) − 1 changes (none for fewer than two reports). The tests of
// every change are made at once: their p-values are adjusted together, over
// all the changes, and the verdicts rest on the adjusted ones (see
// Compare). Like Compare, it reveals nothing the reports do not, and their
// limits hold.
func Changes(reports []Report, t funnel.Test) ([]Change, error) {
	o, err := Options{Test: t}.resolve()
	if err != nil {
		return nil, err
	}
	out := []Change{}
	for i := 1; i < len(reports); i++ {
		c, err := compare(reports[i-1], reports[i], o)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	adjustChanges(out, o.level)
	return out, nil
}

// adjustChanges adjusts the p-values of every tested comparison of cs
// together (Benjamini-Hochberg) and sets the verdicts on them.
func adjustChanges(cs []Change, level float64) {
	var fam stat.Family
	for i := range cs {
		c := &cs[i]
		addComparison(&fam, &c.Participation, level)
		for _, rc := range append([]RowChange{c.Company}, c.Groups...) {
			for j := range rc.Questions {
				q := &rc.Questions[j]
				addComparison(&fam, &q.Favourable, level)
				if m := &q.Mean; m.Tested {
					fam.Add(m.PValue, func(p float64) { m.PAdjusted, m.Verdict = p, m.Verdict.Adjusted(p, level) })
				}
				if q.ENPS != nil {
					addENPS(&fam, q.ENPS, level)
				}
			}
		}
	}
	fam.Adjust()
}

// addComparison adds the comparison c, when defined, to the family.
func addComparison(fam *stat.Family, c *funnel.Comparison, level float64) {
	if c.Defined {
		fam.Add(c.PValue, func(p float64) { c.PAdjusted, c.Verdict = p, c.Verdict.Adjusted(p, level) })
	}
}

// addENPS adds the eNPS comparison c, when tested, to the family.
func addENPS(fam *stat.Family, c *funnel.ENPSComparison, level float64) {
	if c.Tested {
		fam.Add(c.PValue, func(p float64) { c.PAdjusted, c.Verdict = p, c.Verdict.Adjusted(p, level) })
	}
}
