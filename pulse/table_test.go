package pulse

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// twoQuestions is the survey of the heatmap tests: the eNPS question and
// an agreement question.
func twoQuestions() *Survey {
	return &Survey{Name: "pulse", Questions: []Question{{ID: "enps", ENPS: true}, {ID: "tools", Scale: Agree5}}, Cadence: Monthly, Start: jan5}
}

// staff is one response per entry: team, location, eNPS and tools answers
// (-1 skips).
type staff struct {
	team, loc   string
	enps, tools int
}

func responsesOf(people []staff) []Response {
	rs := make([]Response, len(people))
	for i, p := range people {
		rs[i] = Response{Respondent: fmt.Sprint("p", i), At: jan5.Add(time.Duration(i) * time.Hour),
			Answers: map[string]int{}, Attrs: map[string]string{"team": p.team, "location": p.loc}}
		if p.enps >= 0 {
			rs[i].Answers["enps"] = p.enps
		}
		if p.tools >= 0 {
			rs[i].Answers["tools"] = p.tools
		}
	}
	return rs
}

func tableOf(t testing.TB, rs []Response, by ...string) *Table {
	t.Helper()
	tab, err := NewTable(twoQuestions(), by...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if err := tab.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return tab
}

// handStaff is the population of TestHeatmapHandWorked, as listed in
// testdata/enps/heatmap.py.
func handStaff() []staff {
	return []staff{
		{"eng", "Paris", 9, 4}, {"eng", "Paris", 10, 5}, {"eng", "Paris", 8, 4}, {"eng", "Paris", 6, 3}, {"eng", "Paris", 9, 5},
		{"eng", "Lisbon", 7, 4}, {"eng", "Lisbon", 10, 4}, {"eng", "Lisbon", 3, 2}, {"eng", "Lisbon", 9, 5}, {"eng", "Lisbon", 8, 3},
		{"ops", "Paris", 10, 5}, {"ops", "Paris", 6, 2}, {"ops", "Paris", 9, 4}, {"ops", "Paris", 7, 3},
		{"ops", "Lisbon", 8, 4}, {"ops", "Lisbon", 9, 4}, {"ops", "Lisbon", 5, 1}, {"ops", "Lisbon", 10, 5},
		{"legal", "Paris", 4, 2}, {"legal", "Lisbon", 9, 5},
		{"hr", "Paris", 10, 4}, {"hr", "Lisbon", 2, 1}, {"hr", "Lisbon", -1, 3},
	}
}

func handInvited() HeatmapOptions {
	return HeatmapOptions{Invited: 30, InvitedBy: map[string]map[string]int64{
		"team":     {"eng": 12, "ops": 10, "legal": 2, "hr": 4, "design": 2},
		"location": {"Paris": 15, "Lisbon": 15},
	}}
}

func TestHeatmapHandWorked(t *testing.T) {
	tab := tableOf(t, responsesOf(handStaff()), "team", "location")
	got, err := tab.Heatmap(0, handInvited(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Every figure from python3 testdata/enps/heatmap.py ("hand-worked").
	// The suppression, by hand: in both questions legal and hr are too
	// few. For the eNPS (hr's second answer skipped) the hidden teams hold
	// 4 answers, so ops (8, fewer than eng's 10) is hidden as their
	// complement, as one report would. For tools the hidden teams hold 5
	// answers of two teams, enough for one report; but in the joint table
	// the Lisbon people of hidden teams (legal 1, hr 2) are 3, fewer than
	// 5: hiding ops (8 answers) merges them with ops's Lisbon four and is
	// the cheapest merge (eng costs 10, the two offices 23). Each office's
	// hidden answers are then 6 or 7, of three teams, on both sides.
	sc := func(p, pa, d, lo, hi float64) *Score {
		return &Score{ENPSScore: funnel.ENPSScore{Promoters: int64(p), Passives: int64(pa), Detractors: int64(d), Answered: int64(p + pa + d), Total: int64(p + pa + d)},
			Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}
	}
	enpsCell := func(skipped int64, counts []int64, fav funnel.Rate, m Mean, s *Score) Cell {
		s.Skipped = skipped
		return Cell{Question: "enps", Scale: ZeroToTen, Answered: sum(counts), Skipped: skipped, Counts: counts, Favourable: fav, Mean: m, ENPS: s}
	}
	toolsCell := func(skipped int64, counts []int64, fav funnel.Rate, m Mean) Cell {
		return Cell{Question: "tools", Scale: Agree5, Answered: sum(counts), Skipped: skipped, Counts: counts, Favourable: fav, Mean: m}
	}
	hidden := func(why Suppression) []Cell {
		return []Cell{{Question: "enps", Scale: ZeroToTen, Suppressed: why, Counts: []int64{}, ENPS: &Score{Suppressed: why}},
			{Question: "tools", Scale: Agree5, Suppressed: why, Counts: []int64{}}}
	}
	want := Heatmap{
		Survey: "pulse", Wave: 0, Start: jan5, MinGroup: 5,
		Company: GroupRow{Respondents: 23, Participation: rate(23, 30, 0.590716738419, 0.882076118555), Cells: []Cell{
			enpsCell(1, []int64{0, 0, 1, 1, 1, 1, 2, 2, 3, 6, 5}, rate(11, 22, 0.307221062737, 0.692778937263),
				mean(7.63636363636, 2.38138524204, 6.58051657023, 8.6922107025), sc(11, 5, 6, -12.7964703862, 52.7964703862)),
			toolsCell(0, []int64{2, 3, 4, 8, 6}, rate(14, 23, 0.407855223914, 0.778423772075), mean(3.5652173913, 1.27300956779, 3.01472677357, 4.11570800904)),
		}},
		Sections: []Section{
			{By: "team", Groups: []GroupRow{
				{Group: "design", Participation: rate(0, 2, 0, 0.657619772493), Cells: hidden(TooFew)},
				{Group: "eng", Respondents: 10, Participation: rate(10, 12, 0.551969137747, 0.953034857816), Cells: []Cell{
					enpsCell(0, []int64{0, 0, 0, 1, 0, 0, 1, 1, 2, 3, 2}, rate(5, 10, 0.236593090513, 0.763406909487),
						mean(7.9, 2.13177026071, 6.37502342206, 9.42497657794), sc(5, 3, 2, -19.0506153764, 65.2044615302)),
					toolsCell(0, []int64{0, 1, 2, 4, 3}, rate(7, 10, 0.396778147461, 0.892208732594), mean(3.9, 0.994428926012, 3.18862840028, 4.61137159972)),
				}},
				{Group: "hr", Respondents: 3, Participation: rate(3, 4, 0.300641842582, 0.95441273919), Cells: hidden(TooFew)},
				{Group: "legal", Respondents: 2, Participation: rate(2, 2, 0.342380227507, 1), Cells: hidden(TooFew)},
				{Group: "ops", Respondents: 8, Participation: rate(8, 10, 0.490162471537, 0.943317848546), Cells: hidden(Complement)},
			}},
			{By: "location", Groups: []GroupRow{
				{Group: "Lisbon", Respondents: 12, Participation: rate(12, 15, 0.548145512848, 0.92952450653), Cells: []Cell{
					enpsCell(1, []int64{0, 0, 1, 1, 0, 1, 0, 1, 2, 3, 2}, rate(5, 11, 0.212712716225, 0.719908462591),
						mean(7.27272727273, 2.76010539983, 5.41846323453, 9.12699131092), sc(5, 3, 3, -28.2105635426, 56.781992114)),
					toolsCell(0, []int64{2, 1, 2, 4, 3}, rate(7, 12, 0.31951131255, 0.806739686341), mean(3.41666666667, 1.44337567297, 2.49958951663, 4.3337438167)),
				}},
				{Group: "Paris", Respondents: 11, Participation: rate(11, 15, 0.48049565944, 0.891025466743), Cells: []Cell{
					enpsCell(0, []int64{0, 0, 0, 0, 1, 0, 2, 1, 1, 3, 3}, rate(6, 11, 0.280091537409, 0.787287283775),
						mean(8, 2, 6.65638171766, 9.34361828234), sc(6, 2, 3, -22.5251428484, 65.3822857056)),
					toolsCell(0, []int64{0, 2, 2, 4, 3}, rate(7, 11, 0.353801174508, 0.848335289046), mean(3.72727272727, 1.1037127426, 2.98578841757, 4.46875703698)),
				}},
			}},
		},
	}
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("Heatmap mismatch (-want +got):\n%s", diff)
	}
	// One report by team (rules 1 and 2 only) publishes ops's tools cell:
	// the joint table is what hides it.
	w, _ := NewWaves(twoQuestions(), "team")
	for _, r := range responsesOf(handStaff()) {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	rep, _ := w.Report(0, 0, Options{})
	if i := slices.IndexFunc(rep.Groups, func(r Row) bool { return r.Group == "ops" }); rep.Groups[i].Cells[1].Suppressed != Shown {
		t.Errorf("the team report hides ops's second question: %v", rep.Groups[i].Cells[1].Suppressed)
	}
}

// TestHeatmapBlocksTwoReports: Lisbon is ops's six people. Published as
// two reports, the team report hides legal (too few) and ops (its
// complement), the location report shows Lisbon: the company minus sales
// minus Lisbon is legal's three answers. The heatmap of both hides every
// breakdown but the company.
func TestHeatmapBlocksTwoReports(t *testing.T) {
	var people []staff
	for _, a := range [][2]int{{2, 1}, {3, 2}, {10, 5}} {
		people = append(people, staff{"legal", "Paris", a[0], a[1]})
	}
	for _, a := range [][2]int{{9, 4}, {10, 5}, {7, 3}, {8, 4}, {6, 2}, {9, 5}} {
		people = append(people, staff{"ops", "Lisbon", a[0], a[1]})
	}
	for _, a := range [][2]int{{10, 5}, {9, 4}, {3, 2}, {7, 4}, {8, -1}, {10, 5}, {9, 4}} {
		people = append(people, staff{"sales", "Paris", a[0], a[1]})
	}
	rs := responsesOf(people)
	s := twoQuestions()
	byTeam, _ := NewWaves(s, "team")
	byLoc, _ := NewWaves(s, "location")
	for _, r := range rs {
		_ = byTeam.Add(r)
		_ = byLoc.Add(r)
	}
	team, _ := byTeam.Report(0, 0, Options{})
	loc, _ := byLoc.Report(0, 0, Options{})
	row := func(rows []Row, g string) Row {
		return rows[slices.IndexFunc(rows, func(r Row) bool { return r.Group == g })]
	}
	for q := range s.Questions {
		if row(team.Groups, "legal").Cells[q].Suppressed != TooFew || row(team.Groups, "ops").Cells[q].Suppressed != Complement {
			t.Fatalf("team report: %v", team)
		}
		company, sales, lisbon := team.Company.Cells[q].Counts, row(team.Groups, "sales").Cells[q].Counts, row(loc.Groups, "Lisbon").Cells[q].Counts
		derived := make([]int64, len(company))
		for i := range derived {
			derived[i] = company[i] - sales[i] - lisbon[i]
		}
		// legal's answers, from python3 testdata/enps/heatmap.py ("attack").
		legal := [][]int64{{0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1}, {1, 1, 0, 0, 1}}[q]
		if !slices.Equal(derived, legal) {
			t.Errorf("question %d: company - sales - Lisbon = %v, legal answered %v", q, derived, legal)
		}
	}
	tab := tableOf(t, rs, "team", "location")
	h, err := tab.Heatmap(0, HeatmapOptions{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sec := range h.Sections {
		for _, g := range sec.Groups {
			got = append(got, fmt.Sprintf("%s %v %v", g.Group, g.Cells[0].Suppressed, g.Cells[1].Suppressed))
		}
	}
	// By hand (and python3 testdata/enps/heatmap.py): ops's pool (hidden
	// team, Lisbon) has one team; the cheapest merge hides both offices
	// (16 answers); then sales's pool (sales, hidden office) has one
	// office, and hiding sales merges it.
	want := []string{"legal too few too few", "ops complement complement", "sales complement complement",
		"Lisbon complement complement", "Paris complement complement"}
	if diff := cmp.Diff(want, got); diff != "" || h.Company.Cells[0].Suppressed != Shown || h.Company.Cells[1].Suppressed != Shown {
		t.Errorf("heatmap (-want +got):\n%s", diff)
	}
}

// TestHeatmapIntersections: the one engineer in Lisbon, with engineering
// and Lisbon both published, is read off the figures unless Intersections
// is set.
func TestHeatmapIntersections(t *testing.T) {
	// eng: four in Paris, one (answering 1) in Lisbon; ops: four in
	// Lisbon, none answering 1, one in Paris. Lisbon has one answer 1 and
	// ops none: it is the engineer's.
	people := []staff{
		{"eng", "Paris", 9, 4}, {"eng", "Paris", 8, 5}, {"eng", "Paris", 7, 2}, {"eng", "Paris", 10, 3}, {"eng", "Lisbon", 9, 1},
		{"ops", "Lisbon", 8, 4}, {"ops", "Lisbon", 9, 2}, {"ops", "Lisbon", 6, 4}, {"ops", "Lisbon", 10, 5}, {"ops", "Paris", 7, 5},
	}
	tab := tableOf(t, responsesOf(people), "team", "location")
	h, _ := tab.Heatmap(0, HeatmapOptions{}, Options{})
	lisbon, ops := h.Sections[1].Groups[0], h.Sections[0].Groups[1]
	if lisbon.Group != "Lisbon" || ops.Group != "ops" || lisbon.Cells[1].Suppressed != Shown || ops.Cells[1].Suppressed != Shown {
		t.Fatalf("default heatmap: %v", h)
	}
	if lisbon.Cells[1].Counts[0] != 1 || ops.Cells[1].Counts[0] != 0 {
		t.Errorf("the limitation this test documents is gone: Lisbon %v, ops %v", lisbon.Cells[1].Counts, ops.Cells[1].Counts)
	}
	strict, _ := tab.Heatmap(0, HeatmapOptions{Intersections: true}, Options{})
	// By hand: the intersections (eng, Lisbon), (eng, Paris), (ops,
	// Lisbon), (ops, Paris) hold 1, 4, 4 and 1 answers. The first short
	// one, (eng, Lisbon), merges with (eng, Paris) by hiding both offices
	// or with (ops, Lisbon) by hiding both teams, 10 answers and two
	// groups either way: the first pool in order, (eng, Paris), wins.
	// Each team's people then form one pool of 5 answers over both
	// offices, on both sides (eng 4 5 2 3 1, ops 4 2 4 5 5).
	var got []string
	for _, sec := range strict.Sections {
		for _, g := range sec.Groups {
			got = append(got, g.Group+" "+g.Cells[1].Suppressed.String())
		}
	}
	want := []string{"eng shown", "ops shown", "Lisbon complement", "Paris complement"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("heatmap with intersections (-want +got):\n%s", diff)
	}
}

func TestHeatmapErrors(t *testing.T) {
	s := twoQuestions()
	for _, by := range [][]string{nil, {"a", "b", "c", "d", "e"}, {"team", "team"}} {
		if _, err := NewTable(s, by...); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("NewTable(%q) = %v, want ErrInvalidParam", by, err)
		}
	}
	if _, err := NewTable(&Survey{}, "team"); !errors.Is(err, ErrSurvey) {
		t.Errorf("NewTable of an invalid survey: %v", err)
	}
	tab := tableOf(t, responsesOf(handStaff()), "team", "location")
	before := encoded(t, tab)
	for _, r := range []Response{{At: jan5, Answers: map[string]int{"tools": 6}}, {At: jan5, Answers: map[string]int{"x": 1}}, {At: jan5.Add(-time.Hour)}} {
		if err := tab.Add(r); !errors.Is(err, ErrResponse) {
			t.Errorf("Add(%+v) = %v, want ErrResponse", r, err)
		}
	}
	if encoded(t, tab) != before {
		t.Errorf("a rejected response changed the table")
	}
	inv := func(mut func(h *HeatmapOptions)) HeatmapOptions {
		h := handInvited()
		h.InvitedBy = map[string]map[string]int64{"team": maps2(h.InvitedBy["team"]), "location": maps2(h.InvitedBy["location"])}
		mut(&h)
		return h
	}
	for name, c := range map[string]struct {
		h    HeatmapOptions
		opts Options
		want error
	}{
		"negative invited":     {inv(func(h *HeatmapOptions) { h.Invited = -1 }), Options{}, ErrResponse},
		"more than invited":    {inv(func(h *HeatmapOptions) { h.Invited = 22; h.InvitedBy = nil }), Options{}, ErrResponse},
		"team over invited":    {inv(func(h *HeatmapOptions) { h.InvitedBy["team"]["ops"] = 7; h.InvitedBy["team"]["design"] = 5 }), Options{}, ErrResponse},
		"group not invited":    {inv(func(h *HeatmapOptions) { delete(h.InvitedBy["team"], "hr"); h.InvitedBy["team"]["design"] = 6 }), Options{}, ErrResponse},
		"negative in a group":  {inv(func(h *HeatmapOptions) { h.InvitedBy["team"]["design"] = -2; h.InvitedBy["team"]["eng"] = 16 }), Options{}, ErrResponse},
		"unknown attribute":    {inv(func(h *HeatmapOptions) { h.InvitedBy["tenure"] = map[string]int64{} }), Options{}, funnel.ErrInvalidParam},
		"groups do not add up": {inv(func(h *HeatmapOptions) { h.InvitedBy["location"]["Paris"] = 16 }), Options{}, funnel.ErrInvalidParam},
		"overflow":             {inv(func(h *HeatmapOptions) { h.Invited = 0; h.InvitedBy["team"]["design"] = 1<<63 - 5 }), Options{}, funnel.ErrInvalidParam},
		"bad minimum":          {handInvited(), Options{MinGroup: -1}, funnel.ErrInvalidParam},
		"bad confidence":       {handInvited(), Options{Test: funnel.Test{Confidence: 2}}, funnel.ErrInvalidParam},
	} {
		if _, err := tab.Heatmap(0, c.h, c.opts); !errors.Is(err, c.want) {
			t.Errorf("%s: Heatmap = %v, want %v", name, err, c.want)
		}
	}
	// An empty wave: every cell hidden, rows for the invited groups only.
	h, err := tab.Heatmap(4, HeatmapOptions{InvitedBy: map[string]map[string]int64{"team": {"eng": 3}}}, Options{})
	if err != nil || h.Suppressed != TooFew || len(h.Sections[0].Groups) != 1 || len(h.Sections[1].Groups) != 0 ||
		h.Sections[0].Groups[0].Participation.Ratio != (funnel.Ratio{Num: 0, Den: 3}) || h.Company.Participation.Defined() ||
		h.Company.Cells[0].Suppressed != TooFew {
		t.Errorf("empty wave: %+v, %v", h, err)
	}
}

func maps2(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestTableMergeEqualsOnePass: for splits of the responses into two parts
// (the second encoded and decoded), the merge equals one pass in its
// encoding and its heatmaps; merging leaves its argument unchanged;
// self, nil and incompatible merges are errors.
func TestTableMergeEqualsOnePass(t *testing.T) {
	rs := randomResponses(21, 90)
	for i := range rs {
		rs[i].Attrs["location"] = []string{"Paris", "Lisbon", "Oslo"}[i%3]
	}
	s := testSurvey()
	whole, _ := NewTable(s, "team", "location")
	for _, r := range rs {
		if err := whole.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	opts := Options{MinGroup: 3}
	want := make([]Heatmap, 3)
	for k := range want {
		want[k], _ = whole.Heatmap(k, HeatmapOptions{}, opts)
	}
	for cut := 0; cut <= len(rs); cut += 9 {
		p, q := whole.Fresh(), whole.Fresh()
		for i, r := range rs {
			if i < cut {
				_ = p.Add(r)
			} else {
				_ = q.Add(rs[len(rs)-1-(i-cut)])
			}
		}
		var d Table
		if err := d.UnmarshalBinary([]byte(encoded(t, q))); err != nil {
			t.Fatal(err)
		}
		before := encoded(t, &d)
		if err := p.Merge(&d); err != nil {
			t.Fatal(err)
		}
		if encoded(t, &d) != before {
			t.Fatalf("cut %d: Merge changed its argument", cut)
		}
		if encoded(t, p) != encoded(t, whole) {
			t.Fatalf("cut %d: encoding of the merge differs from one pass", cut)
		}
		for k := range want {
			h, _ := p.Heatmap(k, HeatmapOptions{}, opts)
			if diff := cmp.Diff(want[k], h); diff != "" {
				t.Fatalf("cut %d wave %d: heatmap differs:\n%s", cut, k, diff)
			}
		}
	}
	other := testSurvey()
	other.Name = "other"
	o1, _ := NewTable(other, "team", "location")
	o2, _ := NewTable(s, "location", "team")
	for _, err := range []error{whole.Merge(o1), whole.Merge(o2), o2.UnmarshalBinary([]byte(encoded(t, whole)))} {
		if !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("incompatible merge or decode = %v", err)
		}
	}
	for _, err := range []error{whole.Merge(whole), whole.Merge(nil)} {
		if !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("self or nil merge = %v", err)
		}
	}
	if got := whole.By(); !slices.Equal(got, []string{"team", "location"}) {
		t.Errorf("By() = %v", got)
	}
	if got := whole.Waves(); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("Waves() = %v", got)
	}
	sv := whole.Survey()
	sv.Questions[0].ID = "changed"
	by := whole.By()
	by[0] = "changed"
	if whole.survey.Questions[0].ID != "enps" || whole.by[0] != "team" {
		t.Errorf("Survey() or By() share the accumulator's state")
	}
}

func TestTableDecodeErrors(t *testing.T) {
	tab := tableOf(t, responsesOf(handStaff()), "team", "location")
	good := encoded(t, tab)
	var back Table
	if err := back.UnmarshalBinary([]byte(good)); err != nil || encoded(t, &back) != good {
		t.Fatalf("round trip: %v", err)
	}
	for i := 0; i < len(good); i += 7 {
		var x Table
		if err := x.UnmarshalBinary([]byte(good[:i])); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Fatalf("truncated at %d: %v", i, err)
		}
	}
	// Hand-made encodings: a combination without respondents, a repeated
	// attribute, combinations out of order.
	enc := func(by []string, joints ...*joint) []byte {
		x := &Table{survey: twoQuestions().clone(), by: by, waves: map[int]map[string]*joint{0: {}}}
		for _, j := range joints {
			x.waves[0][jointKey(j.groups)+fmt.Sprint(len(x.waves[0]))] = j
		}
		b, _ := x.MarshalBinary()
		return b
	}
	one := func(groups []string, respondents int64) *joint {
		j := &joint{groups: groups, cell: *newCell(2)}
		j.respondents = respondents
		return j
	}
	for name, b := range map[string][]byte{
		"no respondents":    enc([]string{"team"}, one([]string{"a"}, 0)),
		"repeated":          enc([]string{"team", "team"}, one([]string{"a", "b"}, 1)),
		"repeated joint":    enc([]string{"team"}, one([]string{"a"}, 1), one([]string{"a"}, 2)),
		"no attribute":      enc(nil),
		"too many":          enc([]string{"a", "b", "c", "d", "e"}),
		"answers > persons": enc([]string{"team"}, func() *joint { j := one([]string{"a"}, 1); j.counts[0][3] = 2; return j }()),
		"off the scale":     enc([]string{"team"}, func() *joint { j := one([]string{"a"}, 1); j.counts[1][0] = 1; return j }()),
	} {
		var x Table
		if err := x.UnmarshalBinary(b); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v, want ErrInvalidParam", name, err)
		}
	}
}

func FuzzTableDecode(f *testing.F) {
	tab := tableOf(f, responsesOf(handStaff()), "team", "location")
	three, _ := NewTable(testSurvey(), "team", "location", "tenure")
	for i, r := range randomResponses(4, 30) {
		r.Attrs["location"] = fmt.Sprint(i % 2)
		r.Attrs["tenure"] = fmt.Sprint(i % 3)
		_ = three.Add(r)
	}
	var seeds []string
	for _, x := range []*Table{tab, three} {
		seeds = append(seeds, encoded(f, x))
	}
	fuzzDecode(f, seeds, func(b []byte) (interface{ MarshalBinary() ([]byte, error) }, error) {
		var x Table
		if err := x.UnmarshalBinary(b); err != nil {
			return nil, err
		}
		for _, k := range x.Waves() {
			if _, err := x.Heatmap(k, HeatmapOptions{}, Options{MinGroup: 2}); err != nil {
				return nil, fmt.Errorf("heatmap of decoded table: %w", err)
			}
		}
		return &x, nil
	})
}

// TestHeatmapDoesNotAlias: editing every slice of a heatmap does not
// change the next one.
func TestHeatmapDoesNotAlias(t *testing.T) {
	tab := tableOf(t, responsesOf(handStaff()), "team", "location")
	h1, _ := tab.Heatmap(0, handInvited(), Options{MinGroup: 2})
	want, _ := tab.Heatmap(0, handInvited(), Options{MinGroup: 2})
	rows := []GroupRow{h1.Company}
	for _, s := range h1.Sections {
		rows = append(rows, s.Groups...)
	}
	for _, r := range rows {
		for i := range r.Cells {
			for j := range r.Cells[i].Counts {
				r.Cells[i].Counts[j] = -3
			}
			if r.Cells[i].ENPS != nil {
				r.Cells[i].ENPS.Promoters = -1
			}
			r.Cells[i].Question = "x"
		}
	}
	h1.Sections[0].By = "x"
	h2, _ := tab.Heatmap(0, handInvited(), Options{MinGroup: 2})
	if diff := cmp.Diff(want, h2); diff != "" {
		t.Errorf("edits to a heatmap reached the accumulator:\n%s", diff)
	}
}

// bigCompany is a company of n responses over 40 teams, 6 offices and 5
// tenure bands, skewed so that small groups exist.
func bigCompany(n int) []Response {
	r := rand.New(rand.NewPCG(31, 31))
	rs := make([]Response, n)
	for i := range rs {
		rs[i] = Response{Respondent: fmt.Sprint("p", i), At: jan5.Add(time.Hour), Answers: map[string]int{
			"enps": r.IntN(11), "agree": 1 + r.IntN(5), "yesno": r.IntN(2)},
			Attrs: map[string]string{"team": fmt.Sprint("t", r.IntN(1+r.IntN(40))), "location": fmt.Sprint("l", r.IntN(1+r.IntN(6))),
				"tenure": fmt.Sprint("y", r.IntN(5))}}
	}
	return rs
}

func BenchmarkHeatmap(b *testing.B) {
	tab, _ := NewTable(testSurvey(), "team", "location", "tenure")
	for _, r := range bigCompany(3000) {
		_ = tab.Add(r)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tab.Heatmap(0, HeatmapOptions{}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHeatmapIntersections(b *testing.B) {
	tab, _ := NewTable(testSurvey(), "team", "location", "tenure")
	for _, r := range bigCompany(3000) {
		_ = tab.Add(r)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tab.Heatmap(0, HeatmapOptions{Intersections: true}, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTableAdd(b *testing.B) {
	rs := bigCompany(1000)
	b.ReportAllocs()
	for b.Loop() {
		tab, _ := NewTable(testSurvey(), "team", "location", "tenure")
		for _, r := range rs {
			_ = tab.Add(r)
		}
	}
}
