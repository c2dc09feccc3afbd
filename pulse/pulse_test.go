package pulse

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func wave1() []Response {
	at := jan5.Add(24 * time.Hour)
	return []Response{
		resp("r1", at, 10, 5, 1), resp("r2", at, 9, 4, 1), resp("r3", at, 7, 3, 0),
		resp("r4", at, 3, 2, 1), resp("r5", at, 8, 4, -1), resp("r6", at, -1, 5, 0),
	}
}

func wave2() []Response {
	at := jan5.AddDate(0, 1, 1)
	return []Response{
		resp("r1", at, 10, 5, 1), resp("r2", at, 10, 5, 1), resp("r3", at, 9, 4, 1),
		resp("r4", at, 8, 4, 0), resp("r5", at, 7, 3, 1), resp("r6", at, 6, 4, 1), resp("r7", at, 10, 5, 1),
	}
}

var approx = cmpopts.EquateApprox(0, 1e-9)

func wavesOf(t testing.TB, by string, rs ...[]Response) *Waves {
	t.Helper()
	w, err := NewWaves(testSurvey(), by)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range rs {
		for _, r := range part {
			if err := w.Add(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

func rate(num, den int64, lo, hi float64) funnel.Rate {
	return funnel.Rate{Ratio: funnel.Ratio{Num: num, Den: den}, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}
}

func mean(v, sd, lo, hi float64) Mean {
	return Mean{Defined: true, Value: v, SD: sd, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}
}

func TestReportHandWorked(t *testing.T) {
	w := wavesOf(t, "team", wave1(), wave2())
	got, err := w.Report(0, 8, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Counts by hand from wave1(): eNPS 10 9 7 3 8 (one skip), agreement
	// 5 4 3 2 4 5, yes/no 1 1 0 1 0 (one skip). Intervals (Wilson, Student
	// t, adjusted Wald) from python3 testdata/enps/pulse.py and
	// testdata/enps/intervals.py.
	score := Score{
		ENPSScore: funnel.ENPSScore{Promoters: 2, Passives: 2, Detractors: 1, Skipped: 1, Answered: 5, Total: 5},
		Interval:  funnel.Interval{Lo: -38.7444849785, Hi: 63.7444849785, Confidence: 0.95, Defined: true},
	}
	cells := []Cell{
		{Question: "enps", Scale: ZeroToTen, Answered: 5, Skipped: 1, Counts: []int64{0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1},
			Favourable: rate(2, 5, 0.117620774233, 0.769275718724), Mean: mean(7.4, 2.70185121722, 4.04520861507, 10), ENPS: &score},
		{Question: "agree", Scale: Agree5, Answered: 6, Counts: []int64{0, 1, 1, 2, 2},
			Favourable: rate(4, 6, 0.299993315138, 0.903228588894), Mean: mean(23.0/6, 1.16904519445, 2.60649564163, 5)},
		{Question: "yesno", Scale: YesNo, Answered: 5, Skipped: 1, Counts: []int64{2, 3},
			Favourable: rate(3, 5, 0.230724281276, 0.882379225767), Mean: mean(0.6, 0.547722557505, 0, 1)},
	}
	want := Report{
		Survey: "pulse", Wave: 0, Start: jan5, By: "team", MinGroup: 5,
		Participation: rate(6, 8, 0.40927543031, 0.928520787248),
		Company:       Row{Respondents: 6, Cells: cells},
		Groups:        []Row{{Group: "", Respondents: 6, Cells: cells}},
	}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("Report mismatch (-want +got):\n%s", diff)
	}
	// Skipping the eNPS question counted as passive: 6 counted, 2/3/1,
	// and the eNPS cell still published (5 answered).
	got, _ = w.Report(0, 8, Options{ENPS: funnel.ENPSOptions{SkippedAsPassive: true}})
	if diff := cmp.Diff(funnel.ENPSScore{Promoters: 2, Passives: 3, Detractors: 1, Skipped: 1, Answered: 5, Total: 6}, got.Company.Cells[0].ENPS.ENPSScore); diff != "" {
		t.Errorf("SkippedAsPassive eNPS mismatch (-want +got):\n%s", diff)
	}
	// Minimum 6: the eNPS and yes/no questions (5 answers) are hidden,
	// the eNPS with its question.
	got, _ = w.Report(0, 8, Options{MinGroup: 6})
	c := got.Company.Cells
	if c[0].Suppressed != TooFew || c[1].Suppressed != Shown || c[2].Suppressed != TooFew ||
		*c[0].ENPS != (Score{Suppressed: TooFew}) || len(c[0].Counts) != 0 || c[0].Mean.Defined {
		t.Errorf("minimum 6: %+v", c)
	}
	// Minimum 7: the whole wave (6 respondents) is hidden.
	got, _ = w.Report(0, 8, Options{MinGroup: 7})
	if got.Suppressed != TooFew || slices.ContainsFunc(got.Company.Cells, func(c Cell) bool { return c.Suppressed != TooFew }) {
		t.Errorf("minimum 7: %+v", got)
	}
	// A wave with no responses, nobody invited.
	got, err = w.Report(5, 0, Options{})
	if err != nil || got.Suppressed != TooFew || got.Participation.Defined() || len(got.Groups) != 0 {
		t.Errorf("empty wave = %+v, %v", got, err)
	}
	if _, err := w.Report(0, 5, Options{}); !errors.Is(err, ErrResponse) {
		t.Errorf("6 respondents of 5 invited: %v", err)
	}
	for _, bad := range []Options{{ENPS: funnel.ENPSOptions{Bands: funnel.ENPSBands{PassiveMin: 3, PromoterMin: 2}}},
		{MinGroup: -1}, {Test: funnel.Test{Confidence: 1.5}}, {Test: funnel.Test{MinSample: -2}}, {Interval: 4}} {
		if _, err := w.Report(0, 8, bad); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("options %+v: %v, want ErrInvalidParam", bad, err)
		}
	}
}

// TestSkipsDoNotCount: the minimum counts people who answered. One answer
// and four skips is not a group of five, however skips are scored, and a
// wave's eNPS question answered by 2 of 10 is hidden with its eNPS.
func TestSkipsDoNotCount(t *testing.T) {
	sap := Options{ENPS: funnel.ENPSOptions{SkippedAsPassive: true}}
	g := groupsOf(t, map[string][4]int{"tiny": {0, 0, 1, 4}, "big": {3, 2, 1, 0}, "mid": {2, 2, 2, 0}})
	b, err := g.Breakdown(sap)
	if err != nil {
		t.Fatal(err)
	}
	for _, gs := range b.Groups {
		if gs.Group == "tiny" && gs.Score.Suppressed != TooFew {
			t.Errorf("one answer and four skips published: %+v", gs.Score)
		}
	}
	s := &Survey{Name: "s", Questions: []Question{{ID: "enps", ENPS: true}, {ID: "yn", Scale: YesNo}}, Start: jan5}
	w, _ := NewWaves(s, "")
	for i := range 10 {
		r := Response{At: jan5, Answers: map[string]int{"yn": i % 2}}
		if i < 2 {
			r.Answers["enps"] = 3
		}
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := w.Report(0, 10, sap)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Company.Cells[0]; c.Suppressed != TooFew || *c.ENPS != (Score{Suppressed: TooFew}) {
		t.Errorf("eNPS answered by 2 of 10 published: %+v %+v", c, *c.ENPS)
	}
	if c := rep.Company.Cells[1]; c.Suppressed != Shown || c.Answered != 10 {
		t.Errorf("yes/no answered by 10 hidden: %+v", c)
	}
}

// TestCompanyMinusTeams: with a 3-person team hidden, the company wave
// minus the published team waves does not give the team's answers.
func TestCompanyMinusTeams(t *testing.T) {
	s := &Survey{Name: "s", Questions: []Question{{ID: "q", Scale: Agree5}}, Start: jan5}
	w, _ := NewWaves(s, "team")
	add := func(team string, answers ...int) {
		for _, a := range answers {
			if err := w.Add(Response{At: jan5, Answers: map[string]int{"q": a}, Attrs: map[string]string{"team": team}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("legal", 1, 1, 2)
	add("ops", 4, 5, 3, 4, 5, 2)
	add("sales", 5, 4, 4, 2, 1, 3, 5)
	rep, err := w.Report(0, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range append([]Row{rep.Company}, rep.Groups...) {
		got = append(got, fmt.Sprintf("%s %v %v", r.Group, r.Cells[0].Suppressed, r.Cells[0].Counts))
	}
	// By hand: legal has 3 answers (too few); it is the only hidden team,
	// so the smaller of ops (6) and sales (7) is hidden too; the hidden
	// answers (1 1 2 and 4 5 3 4 5 2) are both favourable and not, so the
	// company figure stays: company minus sales is nine answers of two
	// teams, not legal's three.
	want := []string{" shown [3 3 2 4 4]", "legal too few []", "ops complement []", "sales shown [1 1 1 2 2]"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestCompareWaves(t *testing.T) {
	w := wavesOf(t, "team", wave1(), wave2())
	r1, _ := w.Report(0, 8, Options{})
	r2, _ := w.Report(1, 8, Options{})
	got, err := Changes([]Report{r1, r2}, funnel.Test{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("Changes = %d changes", len(got))
	}
	// Every number from python3 testdata/enps/pulse.py (the "change"
	// rows, and the "adjusted" rows for the p-values adjusted together,
	// q) and testdata/enps/intervals.py; verdicts withheld under the
	// minimum sample of 30.
	const q = 0.7473610775394178
	fisher := func(a, b funnel.Ratio, diff, lo, hi, p float64) funnel.Comparison {
		padj := q
		if p == 1 {
			padj = 1
		}
		return funnel.Comparison{A: a, B: b, Defined: true, Diff: diff, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true},
			Method: funnel.Fisher, Exact: true, PValue: p, PAdjusted: padj}
	}
	meanC := func(diff, se, lo, hi, z, p float64) MeanComparison {
		return MeanComparison{Defined: true, Diff: diff, SE: se, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}, Tested: true, Z: z, PValue: p, PAdjusted: q}
	}
	e2 := funnel.ENPSScore{Promoters: 4, Passives: 2, Detractors: 1, Answered: 7, Total: 7}
	e1 := funnel.ENPSScore{Promoters: 2, Passives: 2, Detractors: 1, Skipped: 1, Answered: 5, Total: 5}
	qs := []QuestionChange{
		{Question: "enps", Favourable: fisher(funnel.Ratio{Num: 4, Den: 7}, funnel.Ratio{Num: 2, Den: 5}, 0.171428571429, -0.317842754276, 0.562360791054, 1),
			Mean: meanC(1.17142857143, 1.35430781577, -1.48296597147, 3.82582311432, 0.864964787019, 0.387058116233),
			ENPS: &funnel.ENPSComparison{A: e2, B: e1, Defined: true, Diff: 22.8571428571, SE: 43.3360991866,
				Interval: funnel.Interval{Lo: -62.0800507791, Hi: 107.794336493, Confidence: 0.95, Defined: true},
				Tested:   true, Z: 0.52743886243, PValue: 0.597888862032, PAdjusted: q}},
		{Question: "agree", Favourable: fisher(funnel.Ratio{Num: 6, Den: 7}, funnel.Ratio{Num: 4, Den: 6}, 0.190476190476, -0.248911934384, 0.575417637408, 0.559440559441),
			Mean: meanC(0.452380952381, 0.556246735576, -0.637842615866, 1.54260452063, 0.813273900677, 0.416061037356)},
		{Question: "yesno", Favourable: fisher(funnel.Ratio{Num: 6, Den: 7}, funnel.Ratio{Num: 3, Den: 5}, 0.257142857143, -0.208516254617, 0.644563981094, 0.522727272727),
			Mean: meanC(0.257142857143, 0.283563332018, -0.298631060949, 0.812916775235, 0.906826899348, 0.364498342708)},
	}
	want := Change{Before: 0, After: 1,
		Participation: fisher(funnel.Ratio{Num: 7, Den: 8}, funnel.Ratio{Num: 6, Den: 8}, 0.125, -0.264240678853, 0.480831987672, 1),
		Company:       RowChange{Questions: qs},
		Groups:        []RowChange{{Group: "", Questions: qs}},
	}
	if diff := cmp.Diff(want, got[0], approx); diff != "" {
		t.Errorf("Compare mismatch (-want +got):\n%s", diff)
	}
	// A hidden wave has no changes but participation.
	hidden, _ := w.Report(0, 8, Options{MinGroup: 7})
	c, err := Compare(hidden, r2, funnel.Test{})
	if err != nil || !c.Participation.Defined || slices.ContainsFunc(c.Company.Questions, func(q QuestionChange) bool {
		return q.Favourable.Defined || q.Mean.Defined || (q.ENPS != nil && q.ENPS.Defined)
	}) {
		t.Errorf("compare with a hidden wave = %+v, %v", c, err)
	}
	if out, err := Changes([]Report{r1}, funnel.Test{}); err != nil || len(out) != 0 {
		t.Errorf("one wave: %v, %v", out, err)
	}
	for _, bad := range []funnel.Test{{Confidence: 1.5}, {Confidence: -1}, {MinSample: -1}} {
		if _, err := Changes(nil, bad); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Changes(%+v) = %v, want ErrInvalidParam", bad, err)
		}
		if _, err := Compare(r1, r2, bad); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Compare(%+v) = %v, want ErrInvalidParam", bad, err)
		}
	}
	other := r2
	other.Survey = "other"
	if _, err := Compare(r1, other, funnel.Test{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("reports of two surveys: %v", err)
	}
}

// TestCompareWavesAdjusted checks that the tests of a change are adjusted
// together and the verdicts rest on the adjusted p-values: at confidence
// 0.6 with a minimum sample of 1, the means of enps and yesno are higher
// alone (p < 0.4) but not among the 15 tests (q = 0.747 >= 0.4). Every p,
// q and verdict is from python3 testdata/enps/pulse.py ("adjusted" rows).
func TestCompareWavesAdjusted(t *testing.T) {
	w := wavesOf(t, "team", wave1(), wave2())
	r1, _ := w.Report(0, 8, Options{})
	r2, _ := w.Report(1, 8, Options{})
	test := funnel.Test{Confidence: 0.6, MinSample: 1}
	type pv struct {
		Name      string
		PValue    float64
		PAdjusted float64
		Verdict   funnel.Verdict
	}
	collect := func(c Change) []pv {
		out := []pv{{"participation favourable", c.Participation.PValue, c.Participation.PAdjusted, c.Participation.Verdict}}
		for _, rc := range []struct {
			name string
			row  RowChange
		}{{"company", c.Company}, {"group", c.Groups[0]}} {
			for _, q := range rc.row.Questions {
				out = append(out, pv{rc.name + " " + q.Question + " favourable", q.Favourable.PValue, q.Favourable.PAdjusted, q.Favourable.Verdict},
					pv{rc.name + " " + q.Question + " mean", q.Mean.PValue, q.Mean.PAdjusted, q.Mean.Verdict})
				if q.ENPS != nil {
					out = append(out, pv{rc.name + " " + q.Question + " enps", q.ENPS.PValue, q.ENPS.PAdjusted, q.ENPS.Verdict})
				}
			}
		}
		return out
	}
	const q = 0.7473610775394178
	nd, hi := funnel.NoDifference, funnel.Higher
	want := []pv{
		{"participation favourable", 1, 1, nd},
		{"company enps favourable", 1, 1, nd},
		{"company enps mean", 0.38705811623307335, q, nd},
		{"company enps enps", 0.5978888620315344, q, nd},
		{"company agree favourable", 0.5594405594405595, q, nd},
		{"company agree mean", 0.4160610373560799, q, nd},
		{"company yesno favourable", 0.5227272727272727, q, nd},
		{"company yesno mean", 0.36449834270773007, q, nd},
		{"group enps favourable", 1, 1, nd},
		{"group enps mean", 0.38705811623307335, q, nd},
		{"group enps enps", 0.5978888620315344, q, nd},
		{"group agree favourable", 0.5594405594405595, q, nd},
		{"group agree mean", 0.4160610373560799, q, nd},
		{"group yesno favourable", 0.5227272727272727, q, nd},
		{"group yesno mean", 0.36449834270773007, q, nd},
	}
	for name, f := range map[string]func() (Change, error){
		"Compare": func() (Change, error) { return Compare(r1, r2, test) },
		"Changes": func() (Change, error) {
			cs, err := Changes([]Report{r1, r2}, test)
			if err != nil || len(cs) != 1 {
				return Change{}, fmt.Errorf("%d changes, %v", len(cs), err)
			}
			return cs[0], nil
		},
	} {
		c, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, collect(c), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("%s: adjusted tests (-python +got):\n%s", name, diff)
		}
	}
	// alone, the mean of enps is higher: the verdict the adjustment undoes
	o, _ := Options{Test: test}.resolve()
	if m := compareMeans(r2.Company.Cells[0], r1.Company.Cells[0], o); m.Verdict != hi || m.PAdjusted != m.PValue {
		t.Errorf("enps mean alone = %+v, want higher with PAdjusted = PValue", m)
	}
	// Changes over waves 1, 2, 2 adjusts the 30 tests of both changes
	// together: the second change's 15 p-values are 1 (no change), so by
	// hand every q is min over j >= i of min(1, 30 p_(j) / j) = 1 (at j = 30,
	// 30 × 1 / 30; below, 30 p_(j) / j > 1 for the 12 p-values under 1,
	// the largest being 0.598 at j = 12).
	cs, err := Changes([]Report{r1, r2, r2}, test)
	if err != nil || len(cs) != 2 {
		t.Fatalf("three waves: %d changes, %v", len(cs), err)
	}
	for i, c := range cs {
		for _, g := range collect(c) {
			if g.PAdjusted != 1 || g.Verdict != nd {
				t.Errorf("three waves, change %d: %+v, want q = 1, no difference", i, g)
			}
		}
	}
}

func TestTrendByGroup(t *testing.T) {
	w1 := groupsOf(t, map[string][4]int{"eng": {4, 2, 2, 0}, "ops": {3, 2, 1, 0}, "hr": {1, 1, 0, 0}})
	w2 := groupsOf(t, map[string][4]int{"eng": {6, 1, 1, 0}, "ops": {2, 2, 2, 0}, "hr": {2, 0, 0, 0}})
	pts, err := Trend([]string{"2026-01", "2026-02"}, []*Groups{w1, w2}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// hr is too few in both waves and ops hidden as its complement, so the
	// company trend minus the eng trend is never hr alone.
	var got []string
	for _, p := range pts {
		row := p.Label + ":"
		for _, g := range p.Breakdown.Groups {
			row += " " + g.Group + "=" + g.Score.Suppressed.String()
		}
		row += fmt.Sprintf(" overall change defined %v, %d group changes", p.Change.Defined, len(p.Groups))
		got = append(got, row)
	}
	want := []string{
		"2026-01: eng=shown hr=too few ops=complement overall change defined false, 0 group changes",
		"2026-02: eng=shown hr=too few ops=complement overall change defined true, 1 group changes",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trend (-want +got):\n%s", diff)
	}
	// eng 25 -> 62.5 and overall (8/5/3 of 16 -> 10/3/3 of 16), by
	// funnel.CompareENPS: checked against it here, whose numbers are
	// checked against python in the root package.
	// The two changes are tested at once: their p-values adjusted by
	// Benjamini-Hochberg, for m = 2 by hand: the larger stays, the smaller
	// becomes min(2 p, the larger).
	want2, _ := funnel.CompareENPS(pts[1].Breakdown.Groups[0].Score.ENPSScore, pts[0].Breakdown.Groups[0].Score.ENPSScore, funnel.Test{})
	overall, _ := funnel.CompareENPS(pts[1].Breakdown.Overall.ENPSScore, pts[0].Breakdown.Overall.ENPSScore, funnel.Test{})
	if !want2.Tested || !overall.Tested || want2.PAdjusted != want2.PValue {
		t.Fatalf("changes alone: eng %+v, overall %+v", want2, overall)
	}
	lo, hi := &want2, &overall
	if lo.PValue > hi.PValue {
		lo, hi = hi, lo
	}
	lo.PAdjusted = min(2*lo.PValue, hi.PValue)
	if diff := cmp.Diff(want2, pts[1].Groups[0].Change); diff != "" || want2.Diff != 37.5 {
		t.Errorf("eng change (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(overall, pts[1].Change); diff != "" {
		t.Errorf("overall change (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		labels []string
		waves  []*Groups
	}{{[]string{"a", "a"}, []*Groups{w1, w2}}, {[]string{"a"}, []*Groups{w1, w2}}, {[]string{"a"}, []*Groups{nil}}} {
		if _, err := Trend(c.labels, c.waves, Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Trend(%v) = %v, want ErrInvalidParam", c.labels, err)
		}
	}
}

func TestBreakdownBy(t *testing.T) {
	r := func(a int, team string) Response {
		x := Response{Answers: map[string]int{}}
		if a >= 0 {
			x.Answers["e"] = a
		}
		if team != "" {
			x.Attrs = map[string]string{"team": team}
		}
		return x
	}
	rs := []Response{
		r(10, "ops"), r(9, "ops"), r(3, "ops"), r(7, "ops"), r(10, "ops"),
		r(0, "eng"), r(9, "eng"), r(-1, "eng"),
		r(8, ""), r(9, ""), r(2, ""), r(6, ""), r(10, ""),
	}
	got, err := BreakdownBy(slices.Values(rs), "e", "team", Options{})
	if err != nil {
		t.Fatal(err)
	}
	// By hand: "" = 2P 1Pa 2D (5), eng = 1P 1D (2 answers, one skip:
	// hidden), ops = 3P 1Pa 1D (5). eng is the only small group; "" and ops
	// tie at 5, "" comes first and is hidden as its complement.
	ops := funnel.ENPSScore{Promoters: 3, Passives: 1, Detractors: 1, Answered: 5, Total: 5}
	opsIv, _ := ops.Interval(funnel.ENPSAdjustedWald, 0.95)
	all := funnel.ENPSScore{Promoters: 6, Passives: 2, Detractors: 4, Skipped: 1, Answered: 12, Total: 12}
	allIv, _ := all.Interval(funnel.ENPSAdjustedWald, 0.95)
	want := Breakdown{MinGroup: 5, Overall: Score{ENPSScore: all, Interval: allIv}, Groups: []GroupScore{
		{"", Score{Suppressed: Complement}}, {"eng", Score{Suppressed: TooFew}}, {"ops", Score{ENPSScore: ops, Interval: opsIv}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("BreakdownBy mismatch (-want +got):\n%s", diff)
	}
	bad := append(slices.Clone(rs), r(11, "eng"))
	if _, err := BreakdownBy(slices.Values(bad), "e", "team", Options{}); !errors.Is(err, funnel.ErrENPSAnswer) || !strings.Contains(err.Error(), "response 13") {
		t.Errorf("bad answer: %v", err)
	}
	neg := append(slices.Clone(rs), Response{Answers: map[string]int{"e": -1}})
	if _, err := BreakdownBy(slices.Values(neg), "e", "team", Options{}); !errors.Is(err, funnel.ErrENPSAnswer) {
		t.Errorf("answer -1 is not a skip: %v", err)
	}
	if _, err := BreakdownBy(nil, "e", "team", Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil sequence: %v", err)
	}
	// Everything hidden in one class: withheld, overall included.
	// a and b (3 and 2 answers) are hidden, 5 answers together: no
	// complement needed, but all five are promoters.
	wd, _ := groupsOf(t, map[string][4]int{"a": {3, 0, 0, 0}, "b": {2, 0, 0, 1}, "c": {3, 3, 3, 0}}).Breakdown(Options{})
	if wd.Overall.Suppressed != Withheld || wd.Groups[2].Score.Suppressed != Withheld {
		t.Errorf("one-class hidden answers: %s", publication(wd))
	}
}

func TestSurveyValidate(t *testing.T) {
	if err := testSurvey().Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	ten := make([]Question, 10)
	for i := range ten {
		ten[i] = Question{ID: string(rune('a' + i))}
	}
	if err := (&Survey{Questions: ten, Start: jan5}).Validate(); err != nil {
		t.Errorf("10 questions: %v", err)
	}
	bad := map[string]func(s *Survey){
		"no questions":           func(s *Survey) { s.Questions = nil },
		"11 questions":           func(s *Survey) { s.Questions = append(slices.Clone(ten), Question{ID: "k"}) },
		"empty ID":               func(s *Survey) { s.Questions[1].ID = "" },
		"repeated ID":            func(s *Survey) { s.Questions[2].ID = "agree" },
		"unknown scale":          func(s *Survey) { s.Questions[1].Scale = 9 },
		"favourable 6 on 1-5":    func(s *Survey) { s.Questions[1].FavourableMin = 6 },
		"favourable 2 on yes/no": func(s *Survey) { s.Questions[2].FavourableMin = 2 },
		"eNPS on 1-5":            func(s *Survey) { s.Questions[1].ENPS = true; s.Questions[0].ENPS = false },
		"two eNPS":               func(s *Survey) { s.Questions[2].Scale = ZeroToTen; s.Questions[2].ENPS = true },
		"unknown cadence":        func(s *Survey) { s.Cadence = 7 },
		"no start":               func(s *Survey) { s.Start = time.Time{} },
		"monthly on the 29th":    func(s *Survey) { s.Start = time.Date(2026, 1, 29, 0, 0, 0, 0, time.UTC) },
		"quarterly on the 31st": func(s *Survey) {
			s.Cadence = Quarterly
			s.Start = time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
		},
	}
	for name, mutate := range bad {
		s := testSurvey()
		mutate(s)
		if err := s.Validate(); !errors.Is(err, ErrSurvey) {
			t.Errorf("%s: Validate() = %v, want ErrSurvey", name, err)
		}
		if _, err := NewWaves(s, ""); !errors.Is(err, ErrSurvey) {
			t.Errorf("%s: NewWaves = %v, want ErrSurvey", name, err)
		}
		if _, err := NewRolling(s); !errors.Is(err, ErrSurvey) {
			t.Errorf("%s: NewRolling = %v, want ErrSurvey", name, err)
		}
	}
	if err := (*Survey)(nil).Validate(); !errors.Is(err, ErrSurvey) {
		t.Errorf("nil survey: %v", err)
	}
	// The accumulators keep their own copy.
	s := testSurvey()
	w, _ := NewWaves(s, "")
	s.Questions[0].ID = "changed"
	if got := w.Survey(); got.Questions[0].ID != "enps" {
		t.Errorf("Waves shares the caller's survey")
	}
}

func TestWaveOf(t *testing.T) {
	d := func(y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, time.UTC)
	}
	// Wave boundaries worked out on a calendar.
	tests := []struct {
		cadence Cadence
		start   time.Time
		at      time.Time
		want    int
		ok      bool
	}{
		{Weekly, jan5, d(2026, 1, 4, 23, 59), 0, false},
		{Weekly, jan5, jan5, 0, true},
		{Weekly, jan5, d(2026, 1, 11, 23, 59), 0, true},
		{Weekly, jan5, d(2026, 1, 12, 0, 0), 1, true},
		{Weekly, jan5, d(2026, 12, 31, 12, 0), 51, true}, // Dec 28 is Jan 5 + 357 days
		{Biweekly, jan5, d(2026, 1, 18, 23, 59), 0, true},
		{Biweekly, jan5, d(2026, 1, 19, 0, 0), 1, true},
		{Monthly, d(2026, 1, 15, 9, 0), d(2026, 2, 15, 8, 59), 0, true},
		{Monthly, d(2026, 1, 15, 9, 0), d(2026, 2, 15, 9, 0), 1, true},
		{Monthly, d(2026, 1, 15, 9, 0), d(2027, 1, 15, 8, 0), 11, true},
		{Quarterly, d(2026, 1, 15, 0, 0), d(2026, 4, 14, 23, 0), 0, true},
		{Quarterly, d(2026, 1, 15, 0, 0), d(2027, 1, 15, 0, 0), 4, true},
		{Weekly, jan5, d(9999, 12, 31, 0, 0), 416062, true}, // python3: (date(9999,12,31) - date(2026,1,5)).days // 7
	}
	for _, tt := range tests {
		s := &Survey{Cadence: tt.cadence, Start: tt.start}
		got, ok := s.WaveOf(tt.at)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%v from %v: WaveOf(%v) = %d, %v; want %d, %v", tt.cadence, tt.start, tt.at, got, ok, tt.want, tt.ok)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for _, zone := range []string{"UTC", "Europe/Berlin", "America/Santiago", "America/Havana", "Pacific/Apia"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skip("no time zone data")
		}
		for _, c := range []Cadence{Weekly, Biweekly, Monthly, Quarterly} {
			s := &Survey{Cadence: c, Start: time.Date(2011, 3, 28, 0, 0, 0, 0, loc)}
			for range 200 {
				at := s.Start.Add(time.Duration(r.Int64N(int64(15 * 365 * 24 * time.Hour))))
				k, ok := s.WaveOf(at)
				if !ok || s.WaveStart(k).After(at) || !s.WaveStart(k+1).After(at) {
					t.Fatalf("%s %v: WaveOf(%v) = %d, %v; wave %v..%v", zone, c, at, k, ok, s.WaveStart(k), s.WaveStart(k+1))
				}
			}
		}
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	s := &Survey{Cadence: Weekly, Start: time.Date(2026, 3, 23, 0, 0, 0, 0, berlin)}
	if got, want := s.WaveStart(1), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("WaveStart(1) across DST = %v, want %v", got, want)
	}
}

func TestCheckResponse(t *testing.T) {
	s := testSurvey()
	for _, tt := range []struct {
		answers map[string]int
		want    string
	}{
		{map[string]int{"agree": 6}, `"agree" answer 6: off the agree 1-5 scale`},
		{map[string]int{"agree": 0}, `"agree" answer 0`},
		{map[string]int{"yesno": 2}, `"yesno" answer 2`},
		{map[string]int{"enps": 11}, `"enps" answer 11`},
		{map[string]int{"enps": 5, "mood": 3}, `"mood" answer 3: unknown question`},
		{map[string]int{"zz": 1, "agree": 9}, `"agree" answer 9`}, // first in ID order
	} {
		err := s.CheckResponse(Response{Respondent: "x", Answers: tt.answers})
		if !errors.Is(err, ErrResponse) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckResponse(%v) = %v, want %s", tt.answers, err, tt.want)
		}
		w, _ := NewWaves(s, "")
		if err := w.Add(Response{At: jan5, Answers: tt.answers}); !errors.Is(err, ErrResponse) || len(w.Waves()) != 0 {
			t.Errorf("Add(%v) = %v", tt.answers, err)
		}
	}
	w, _ := NewWaves(s, "")
	if err := w.Add(Response{At: jan5.Add(-time.Second)}); !errors.Is(err, ErrResponse) {
		t.Errorf("response before the start: %v", err)
	}
}

func FuzzCheckResponse(f *testing.F) {
	f.Add("agree", 3, "enps", 10)
	f.Add("agree", 6, "yesno", 2)
	f.Add("mood", 1, "enps", -1)
	f.Add("", 0, "enps", 11)
	s := testSurvey()
	f.Fuzz(func(t *testing.T, q1 string, a1 int, q2 string, a2 int) {
		r := Response{Respondent: "x", At: jan5, Answers: map[string]int{q1: a1, q2: a2}}
		err := s.CheckResponse(r)
		// Independent rule: valid iff every answer's question exists and
		// the answer is within that question's bounds.
		valid := true
		for q, a := range r.Answers {
			i := slices.IndexFunc(s.Questions, func(sq Question) bool { return sq.ID == q })
			if i < 0 {
				valid = false
				continue
			}
			lo, hi, _ := s.Questions[i].Scale.Bounds()
			valid = valid && a >= lo && a <= hi
		}
		if (err == nil) != valid || (err != nil && !errors.Is(err, ErrResponse)) {
			t.Fatalf("CheckResponse(%v) = %v, valid = %v", r.Answers, err, valid)
		}
		if err != nil {
			return
		}
		w, _ := NewWaves(s, "")
		for range 5 {
			if err := w.Add(r); err != nil {
				t.Fatalf("Add of a checked response: %v", err)
			}
		}
		rep, err := w.Report(0, 5, Options{})
		if err != nil {
			t.Fatalf("Report: %v", err)
		}
		for _, c := range rep.Company.Cells {
			if f, ok := c.Favourable.Float64(); ok && (f < 0 || f > 1) {
				t.Fatalf("favourability %v out of range", f)
			}
		}
	})
}

func TestOneOnOnes(t *testing.T) {
	asOf := time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return asOf.AddDate(0, 0, -n) }
	roster := []Member{
		{"ann", "mia"}, {"bob", "mia"}, {"cy", "zed"}, {"dee", "zed"}, {"eve", "zed"}, {"fay", ""},
		{"mia", "zed"}, {"zed", ""},
	}
	meetings := []Meeting{
		{"ann", day(3)}, {"ann", day(40)},
		{"bob", day(20)}, {"bob", day(16)}, // last 16 days ago: overdue
		{"cy", day(14)},  // exactly 14 days: outside (a, b], overdue
		{"dee", day(-2)}, // scheduled: ignored, never met
		{"eve", day(13)},
		{"nobody", day(1)}, // not on the roster
		{"fay", day(30)},
		{"mia", day(1)}, {"zed", day(2)},
	}
	got, err := OneOnOnes(roster, slices.Values(meetings), asOf, 14*24*time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := func(num, den int64) funnel.Rate {
		iv, _ := funnel.Ratio{Num: num, Den: den}.Wilson(0.95)
		return funnel.Rate{Ratio: funnel.Ratio{Num: num, Den: den}, Interval: iv}
	}
	// By hand: met within 14 days: ann, eve, mia, zed (4 of 8). mia's
	// reports: ann (met), bob: 1/2. zed's direct reports cy, dee, eve, mia:
	// 2/4; everyone under zed (those and ann, bob): 3/6.
	want := Coverage{AsOf: asOf, Interval: 14 * 24 * time.Hour, Met: r(4, 8),
		Managers: []ManagerCoverage{{"mia", "zed", 1, r(1, 2), r(1, 2)}, {"zed", "", 0, r(2, 4), r(3, 6)}},
		Overdue: []Overdue{
			{Person: "dee", Manager: "zed"},
			{Person: "fay", Met: true, Last: day(30), Since: 30 * 24 * time.Hour},
			{Person: "bob", Manager: "mia", Met: true, Last: day(16), Since: 16 * 24 * time.Hour},
			{Person: "cy", Manager: "zed", Met: true, Last: day(14), Since: 14 * 24 * time.Hour},
		}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OneOnOnes mismatch (-want +got):\n%s", diff)
	}
	empty, err := OneOnOnes(nil, slices.Values(meetings), asOf, time.Hour, 0)
	if err != nil || empty.Met.Defined() || empty.Managers == nil || empty.Overdue == nil {
		t.Errorf("empty roster: %+v, %v", empty, err)
	}
	for _, c := range []struct {
		roster   []Member
		interval time.Duration
		conf     funnel.Confidence
	}{
		{[]Member{{"a", ""}, {"", ""}}, time.Hour, 0}, {[]Member{{"a", ""}, {"a", "b"}}, time.Hour, 0},
		{[]Member{{"a", "b"}, {"b", "a"}}, time.Hour, 0}, {[]Member{{"a", "a"}}, time.Hour, 0},
		{nil, 0, 0}, {nil, -time.Hour, 0}, {nil, time.Hour, 1},
	} {
		if _, err := OneOnOnes(c.roster, slices.Values(meetings), asOf, c.interval, c.conf); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("OneOnOnes(%v, %v, %v) = %v, want ErrInvalidParam", c.roster, c.interval, c.conf, err)
		}
	}
	if _, err := OneOnOnes(roster, nil, asOf, time.Hour, 0); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil meetings: %v", err)
	}
}

func TestEnumsText(t *testing.T) {
	type enum interface {
		String() string
		MarshalText() ([]byte, error)
	}
	for _, e := range []enum{ZeroToTen, Agree5, YesNo, Weekly, Biweekly, Monthly, Quarterly, Shown, TooFew, Complement, Withheld, Held} {
		b, err := e.MarshalText()
		if err != nil || string(b) != e.String() {
			t.Errorf("%v: MarshalText = %s, %v", e, b, err)
		}
	}
	var sc Scale
	var ca Cadence
	var su Suppression
	for _, c := range []struct {
		u    interface{ UnmarshalText([]byte) error }
		text string
	}{{&sc, "yes/no"}, {&ca, "quarterly"}, {&su, "held"}} {
		if err := c.u.UnmarshalText([]byte(c.text)); err != nil {
			t.Errorf("UnmarshalText(%q) = %v", c.text, err)
		}
	}
	if sc != YesNo || ca != Quarterly || su != Held {
		t.Errorf("decoded %v %v %v", sc, ca, su)
	}
	if got := []string{Scale(9).String(), Cadence(-1).String(), Suppression(7).String()}; !slices.Equal(got, []string{"Scale(9)", "Cadence(-1)", "Suppression(7)"}) {
		t.Errorf("invalid enums print %v", got)
	}
	if _, err := Scale(9).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("MarshalText(Scale(9)) = %v", err)
	}
	if err := su.UnmarshalText([]byte("Shown")); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("UnmarshalText(Shown) = %v", err)
	}
	// A survey definition reads back from JSON.
	s := testSurvey()
	b, _ := json.Marshal(s)
	var back Survey
	if err := json.Unmarshal(b, &back); err != nil || !back.equal(s) {
		t.Errorf("survey JSON round trip: %s, %v", b, err)
	}
}
