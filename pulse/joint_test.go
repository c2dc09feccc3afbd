package pulse

import (
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// A population is a wave of one question as a joint table: for each
// combination of groups (cells[i], one group per attribute), how many
// people gave each answer vals[v] (counts[i][v]) and how many skipped
// (counts[i][len(vals)]).
type population struct {
	q      Question
	vals   []int
	attrs  []string
	cells  [][]string
	counts [][]int
}

// table builds the accumulator of the population directly, wave 0.
func (p population) table(t testing.TB) *Table {
	t.Helper()
	s := &Survey{Name: "s", Questions: []Question{p.q}, Start: jan5}
	tab, err := NewTable(s, p.attrs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, groups := range p.cells {
		var n int
		for _, c := range p.counts[i] {
			n += c
		}
		if n == 0 {
			continue
		}
		j := tab.jointOf(0, groups)
		j.respondents = int64(n)
		for v, a := range p.vals {
			j.counts[0][a] += int64(p.counts[i][v])
		}
	}
	return tab
}

func (p population) heatmap(t testing.TB, opts Options, strict bool) Heatmap {
	t.Helper()
	h, err := p.table(t).Heatmap(0, HeatmapOptions{Intersections: strict}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// answered returns the answers and skips of cell i.
func (p population) answered(i int) (answered, skipped int) {
	for v := range p.vals {
		answered += p.counts[i][v]
	}
	return answered, p.counts[i][len(p.vals)]
}

// stats are the secrets of a set of answers: its favourable count, its
// sum of answers and (for the eNPS question) its score.
type stats struct {
	answered, skipped int
	fav, sum          int
	promoters, detr   int
}

func (s stats) enps(sap bool) string {
	n := s.answered
	if sap {
		n += s.skipped
	}
	if s.answered == 0 {
		return "none"
	}
	return big.NewRat(int64(100*(s.promoters-s.detr)), int64(n)).String()
}

// statsOf adds up the answers of the cells for which in is true.
func (p population) statsOf(in func(i int) bool) stats {
	var s stats
	fav := p.q.favourableMin()
	bands := funnel.ENPSBands{}
	for i := range p.cells {
		if !in(i) {
			continue
		}
		a, sk := p.answered(i)
		s.answered += a
		s.skipped += sk
		for v, val := range p.vals {
			n := p.counts[i][v]
			s.sum += n * val
			if val >= fav {
				s.fav += n
			}
			switch c, _ := bands.Classify(funnel.ENPSAnswer(val)); c {
			case funnel.ENPSPromoter:
				s.promoters += n
			case funnel.ENPSDetractor:
				s.detr += n
			}
		}
	}
	return s
}

// A figure is one cell of a heatmap: the company (attr -1) or group g of
// attribute attr.
type figure struct {
	attr  int
	group string
}

func (p population) in(f figure) func(i int) bool {
	return func(i int) bool { return f.attr < 0 || p.cells[i][f.attr] == f.group }
}

func (h Heatmap) cellOf(f figure) Cell {
	if f.attr < 0 {
		return h.Company.Cells[0]
	}
	for _, g := range h.Sections[f.attr].Groups {
		if g.Group == f.group {
			return g.Cells[0]
		}
	}
	return Cell{Suppressed: TooFew}
}

// publicationKey is everything a heatmap of one question publishes.
func publicationKey(h Heatmap) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%v %d:", h.Suppressed, h.Company.Respondents)
	cellKey(&sb, h.Company.Cells[0])
	for _, s := range h.Sections {
		sb.WriteString("|" + s.By)
		for _, g := range s.Groups {
			fmt.Fprintf(&sb, ";%s:%d:%v:", g.Group, g.Respondents, g.Participation)
			cellKey(&sb, g.Cells[0])
		}
	}
	return sb.String()
}

// countsKey is what a reader is assumed to know: how many people of each
// combination of groups answered and skipped.
func (p population) countsKey() string {
	var sb strings.Builder
	for i := range p.cells {
		a, s := p.answered(i)
		fmt.Fprintf(&sb, "%d,%d;", a, s)
	}
	return sb.String()
}

// poolsOf groups the cells with answers by what the heatmap published:
// in each attribute the cell's group if its figure is shown, "*" if
// hidden. It returns each cell's pool key ("" for a cell without
// answers) and whether the pool has a hidden label.
func (p population) poolsOf(h Heatmap) (key []string, hidden map[string]bool) {
	key = make([]string, len(p.cells))
	hidden = map[string]bool{}
	for i, groups := range p.cells {
		if a, _ := p.answered(i); a == 0 {
			continue
		}
		var labels []string
		hid := false
		for a, g := range groups {
			if h.cellOf(figure{a, g}).Suppressed == Shown {
				labels = append(labels, strconv.Quote(g))
			} else {
				labels = append(labels, "*")
				hid = true
			}
		}
		key[i] = strings.Join(labels, ",")
		hidden[key[i]] = hid
	}
	return key, hidden
}

// checkHeatmap checks property (a) of the guarantee of Table.Heatmap on
// one population, independently of the code under test: every published
// cell holds the population's true figures and at least min answers; and
// unless the question is hidden everywhere, every pool of the published
// pattern that has a hidden label holds at least min answers, of two
// groups in every attribute where it is hidden; with strict, every pool
// holds at least min answers; and every hidden cell with answers has
// answers in a pool on both sides.
func (p population) checkHeatmap(t *testing.T, h Heatmap, min int, strict bool, sap bool) {
	t.Helper()
	figs := []figure{{-1, ""}}
	for a, s := range h.Sections {
		for _, g := range s.Groups {
			figs = append(figs, figure{a, g.Group})
		}
	}
	for _, f := range figs {
		c := h.cellOf(f)
		st := p.statsOf(p.in(f))
		if c.Suppressed != Shown {
			if c.Answered != 0 || len(c.Counts) != 0 || c.Favourable.Defined() || c.Mean.Defined {
				t.Fatalf("hidden %v shows figures: %+v", f, c)
			}
			continue
		}
		if c.Answered < int64(min) || c.Answered != int64(st.answered) || c.Skipped != int64(st.skipped) ||
			c.Favourable.Num != int64(st.fav) {
			t.Fatalf("%v published %d answers (%d favourable), true %+v, minimum %d", f, c.Answered, c.Favourable.Num, st, min)
		}
		if c.ENPS != nil {
			if v, _ := c.ENPS.Value(); v.String() != st.enps(sap) {
				t.Fatalf("%v published eNPS %v, true %s", f, v, st.enps(sap))
			}
		}
	}
	company := h.Company.Cells[0].Suppressed
	if company == Withheld || company == TooFew {
		for _, f := range figs {
			if h.cellOf(f).Suppressed != company {
				t.Fatalf("company %v but %v is %v", company, f, h.cellOf(f).Suppressed)
			}
		}
		return
	}
	key, hidden := p.poolsOf(h)
	type agg struct {
		n      int
		groups []map[string]bool
		st     stats
	}
	pools := map[string]*agg{}
	for i, k := range key {
		if k == "" {
			continue
		}
		g := pools[k]
		if g == nil {
			g = &agg{groups: make([]map[string]bool, len(p.attrs))}
			for a := range g.groups {
				g.groups[a] = map[string]bool{}
			}
			pools[k] = g
		}
		a, _ := p.answered(i)
		g.n += a
		for at, name := range p.cells[i] {
			g.groups[at][name] = true
		}
	}
	for k, g := range pools {
		g.st = p.statsOf(func(i int) bool { return key[i] == k })
		if !hidden[k] {
			if strict && g.n < min {
				t.Fatalf("pool %s of published groups holds %d answers (minimum %d)", k, g.n, min)
			}
			continue
		}
		if g.n < min {
			t.Fatalf("pool %s with hidden answers holds %d answers (minimum %d)", k, g.n, min)
		}
		for a, l := range strings.Split(k, ",") {
			if l == "*" && len(g.groups[a]) < 2 {
				t.Fatalf("pool %s holds answers of one %s", k, p.attrs[a])
			}
		}
	}
	// Every hidden cell with answers has answers in a pool on both sides.
	for _, f := range figs[1:] {
		if h.cellOf(f).Suppressed == Shown || p.statsOf(p.in(f)).answered == 0 {
			continue
		}
		sided := false
		for i, k := range key {
			if k != "" && p.cells[i][f.attr] == f.group && p.twoSided(p.statsOf(func(j int) bool { return key[j] == k })) {
				sided = true
			}
		}
		if !sided {
			t.Fatalf("hidden %v has its answers in pools all on one side, and is not withheld", f)
		}
	}
}

// twoSided reports whether added-up answers are favourable and not and,
// for the eNPS question, of two classes.
func (p population) twoSided(st stats) bool {
	sides := st.fav > 0 && st.fav < st.answered
	if p.q.ENPS {
		cls := 0
		for _, c := range []int{st.promoters, st.answered - st.promoters - st.detr, st.detr} {
			if c > 0 {
				cls++
			}
		}
		sides = sides && cls >= 2
	}
	return sides
}

// secrets returns, for one population and its heatmap, each secret that
// must not be derivable and its value: for every hidden cell with
// answers, its favourable count, sum and eNPS; and for every combination
// of groups with answers in a pool with a hidden label and answers on
// both sides (or anywhere when the question is hidden everywhere), its
// answers.
func (p population) secrets(h Heatmap, sap bool) map[string]string {
	out := map[string]string{}
	figs := []figure{{-1, ""}}
	for a, s := range h.Sections {
		for _, g := range s.Groups {
			figs = append(figs, figure{a, g.Group})
		}
	}
	for _, f := range figs {
		if h.cellOf(f).Suppressed == Shown {
			continue
		}
		st := p.statsOf(p.in(f))
		if st.answered == 0 {
			continue
		}
		id := fmt.Sprintf("%d/%s", f.attr, f.group)
		out["fav "+id] = strconv.Itoa(st.fav)
		out["sum "+id] = strconv.Itoa(st.sum)
		if p.q.ENPS {
			out["enps "+id] = st.enps(sap)
		}
	}
	all := h.Company.Cells[0].Suppressed != Shown
	key, hidden := p.poolsOf(h)
	for i, k := range key {
		if k != "" && (all || hidden[k] && p.twoSided(p.statsOf(func(j int) bool { return key[j] == k }))) {
			out[fmt.Sprintf("cell %d", i)] = fmt.Sprint(p.counts[i][:len(p.vals)])
		}
	}
	return out
}

// A jointCase is a family of small populations: every assignment of at
// most max people per combination of groups to the answers vals (and to
// skipping, with skips).
type jointCase struct {
	name  string
	q     Question
	vals  []int
	skips bool
	attrs []string
	cells [][]string
	max   int
}

// compositions returns every way to put at most max people in k boxes.
func compositions(k, max int) [][]int {
	var out [][]int
	var gen func(prefix []int, left int)
	gen = func(prefix []int, left int) {
		if len(prefix) == k {
			out = append(out, slices.Clone(prefix))
			return
		}
		for n := 0; n <= left; n++ {
			gen(append(prefix, n), left-n)
		}
	}
	gen(nil, max)
	return out
}

// combos returns the combinations of the groups of each attribute.
func combos(groups ...[]string) [][]string {
	out := [][]string{{}}
	for _, gs := range groups {
		var next [][]string
		for _, prefix := range out {
			for _, g := range gs {
				next = append(next, append(slices.Clone(prefix), g))
			}
		}
		out = next
	}
	return out
}

// run checks the guarantee of Table.Heatmap by brute force on every
// population of the case: (a) on each (checkHeatmap); the suppression
// pattern depends on the counts only, unless the question is hidden
// everywhere; two populations with the same counts and the same added-up
// answers in every pool publish the same heatmap; and (b) among the
// populations with the same counts and the same heatmap, every secret
// (see secrets) takes at least two values.
func (jc jointCase) run(t *testing.T, min int, strict, sap bool) int {
	t.Helper()
	boxes := len(jc.vals)
	if jc.skips {
		boxes++
	}
	comps := compositions(boxes, jc.max)
	for i := range comps {
		if !jc.skips {
			comps[i] = append(comps[i], 0)
		}
	}
	opts := Options{MinGroup: min, ENPS: funnel.ENPSOptions{SkippedAsPassive: sap}}
	values := map[string]map[string]map[string]bool{} // counts|publication -> secret -> values
	patterns := map[string]string{}                   // counts -> pattern
	byPools := map[string]string{}                    // counts|pool sums -> publication
	idx := make([]int, len(jc.cells))
	worlds := 0
	for {
		p := population{q: jc.q, vals: jc.vals, attrs: jc.attrs, cells: jc.cells, counts: make([][]int, len(jc.cells))}
		for i, c := range idx {
			p.counts[i] = comps[c]
		}
		h := p.heatmap(t, opts, strict)
		p.checkHeatmap(t, h, min, strict, sap)
		ck, pub := p.countsKey(), publicationKey(h)
		if h.Company.Cells[0].Suppressed != Withheld {
			var pat strings.Builder
			pat.WriteString(h.Company.Cells[0].Suppressed.String())
			for _, s := range h.Sections {
				for _, g := range s.Groups {
					pat.WriteString("," + g.Cells[0].Suppressed.String())
				}
			}
			if prev, ok := patterns[ck]; ok && prev != pat.String() {
				t.Fatalf("%s: counts %s give patterns %s and %s", jc.name, ck, prev, pat.String())
			}
			patterns[ck] = pat.String()
			key, _ := p.poolsOf(h)
			sums := map[string][]int{}
			for i, k := range key {
				if k == "" {
					continue
				}
				if sums[k] == nil {
					sums[k] = make([]int, len(jc.vals))
				}
				for v := range jc.vals {
					sums[k][v] += p.counts[i][v]
				}
			}
			pk := ck + "|" + fmt.Sprint(sums)
			if prev, ok := byPools[pk]; ok && prev != pub {
				t.Fatalf("%s: the same counts and pool sums %s publish\n%s\nand\n%s", jc.name, pk, prev, pub)
			}
			byPools[pk] = pub
		}
		key := ck + "|" + pub
		set := values[key]
		if set == nil {
			set = map[string]map[string]bool{}
			values[key] = set
		}
		for s, v := range p.secrets(h, sap) {
			if set[s] == nil {
				set[s] = map[string]bool{}
			}
			set[s][v] = true
		}
		worlds++
		// Next assignment.
		i := 0
		for ; i < len(idx); i++ {
			if idx[i]++; idx[i] < len(comps) {
				break
			}
			idx[i] = 0
		}
		if i == len(idx) {
			break
		}
	}
	for key, set := range values {
		for s, vs := range set {
			if len(vs) < 2 {
				t.Fatalf("%s, min %d, intersections %v, skips as passives %v: %s is derivable (always %v) from\n%s",
					jc.name, min, strict, sap, s, slices.Collect(func(yield func(string) bool) {
						for v := range vs {
							yield(v)
						}
					}), key)
			}
		}
	}
	return worlds
}

// long runs the exhaustive searches in full (about a minute); the default
// run samples them, so that go test stays quick.
var long = flag.Bool("pulse.long", false, "run the exhaustive suppression searches in full")

// TestHeatmapExhaustive checks the guarantee of Table.Heatmap by brute
// force: for every assignment of answers (and skips) to small joint
// tables of two and three attributes, minima 2 and 3, with and without
// Intersections, (a) and (b) hold (see jointCase.run). The default run
// takes a selection of the settings (a few seconds); -pulse.long runs
// every one (go test ./pulse -run TestHeatmapExhaustive -args -pulse.long);
// the race detector runs two; -short skips it.
func TestHeatmapExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive search")
	}
	two := combos([]string{"A", "B"}, []string{"X", "Y"})
	type setting struct {
		min         int
		strict, sap bool
	}
	all := []setting{{2, false, false}, {2, true, false}, {3, false, false}, {3, true, false}}
	cases := []struct {
		jointCase
		quick []setting // the default run's settings
	}{
		{jointCase{name: "yes/no 2x2", q: Question{ID: "yn", Scale: YesNo}, vals: []int{0, 1}, skips: true,
			attrs: []string{"team", "loc"}, cells: two, max: 2}, all},
		{jointCase{name: "yes/no 3x2", q: Question{ID: "yn", Scale: YesNo}, vals: []int{0, 1},
			attrs: []string{"team", "loc"}, cells: combos([]string{"A", "B", "C"}, []string{"X", "Y"}), max: 2},
			[]setting{{3, false, false}}},
		{jointCase{name: "agree 2x2", q: Question{ID: "agree", Scale: Agree5}, vals: []int{2, 4, 5},
			attrs: []string{"team", "loc"}, cells: two, max: 2}, []setting{{2, false, false}, {3, false, false}}},
		{jointCase{name: "yes/no 2x2x2", q: Question{ID: "yn", Scale: YesNo}, vals: []int{0, 1},
			attrs: []string{"team", "loc", "tenure"}, cells: combos([]string{"A", "B"}, []string{"X", "Y"}, []string{"new", "old"}), max: 1},
			[]setting{{2, false, false}, {3, false, false}}},
		{jointCase{name: "enps 3x2", q: Question{ID: "enps", ENPS: true}, vals: []int{3, 7, 10}, skips: true,
			attrs: []string{"team", "loc"}, cells: combos([]string{"A", "B", "C"}, []string{"X", "Y"}), max: 1},
			[]setting{{2, false, false}, {3, true, true}}},
	}
	for i, c := range cases {
		settings := c.quick
		switch {
		case *long:
			settings = all
			if c.q.ENPS {
				for _, s := range all {
					settings = append(settings, setting{s.min, s.strict, true})
				}
			}
		default: // the default run takes two cases; -pulse.long takes all
			if i != 0 && i != 4 {
				continue
			}
			settings = settings[len(settings)-1:]
		}
		for _, s := range settings {
			n := c.run(t, s.min, s.strict, s.sap)
			t.Logf("%s, min %d, intersections %v, skips as passives %v: %d populations", c.name, s.min, s.strict, s.sap, n)
		}
	}
}

// TestHeatmapOneAttribute: with one attribute, the heatmap hides exactly
// what Waves.Report hides and publishes the same cells.
func TestHeatmapOneAttribute(t *testing.T) {
	seeds := uint64(40)
	if testing.Short() || raceEnabled {
		seeds = 8
	}
	for seed := range seeds {
		rs := randomResponses(seed, 10+int(seed)*3)
		w := wavesOf(t, "team", rs)
		tab, _ := NewTable(testSurvey(), "team")
		for _, r := range rs {
			if err := tab.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		for _, min := range []int{2, 3, 5} {
			opts := Options{MinGroup: min, ENPS: funnel.ENPSOptions{SkippedAsPassive: seed%2 == 0}}
			for _, k := range []int{0, 1, 2} {
				rep, err := w.Report(k, 0, opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, strict := range []bool{false, true} {
					h, err := tab.Heatmap(k, HeatmapOptions{Intersections: strict}, opts)
					if err != nil {
						t.Fatal(err)
					}
					var rows []Row
					for _, g := range h.Sections[0].Groups {
						rows = append(rows, Row{Group: g.Group, Respondents: g.Respondents, Cells: g.Cells})
					}
					got := Report{Survey: h.Survey, Wave: h.Wave, Start: h.Start, By: h.Sections[0].By, MinGroup: h.MinGroup,
						Suppressed: h.Suppressed, Company: Row{Respondents: h.Company.Respondents, Cells: h.Company.Cells}, Groups: nonNil(rows)}
					if diff := cmp.Diff(rep, got); diff != "" {
						t.Fatalf("seed %d min %d wave %d: heatmap by one attribute differs from the report (-report +heatmap):\n%s", seed, min, k, diff)
					}
				}
			}
		}
	}
}

// randomPopulation draws a population of one question over two or three
// attributes from r.
func randomPopulation(r *rand.Rand) population {
	var p population
	switch r.IntN(3) {
	case 0:
		p.q, p.vals = Question{ID: "yn", Scale: YesNo}, []int{0, 1}
	case 1:
		p.q, p.vals = Question{ID: "agree", Scale: Agree5}, []int{1, 2, 3, 4, 5}
	default:
		p.q, p.vals = Question{ID: "enps", ENPS: true}, []int{0, 3, 6, 7, 8, 9, 10}
	}
	p.attrs = []string{"team", "loc", "tenure"}[:2+r.IntN(2)]
	var groups [][]string
	for range p.attrs {
		var gs []string
		for g := range 2 + r.IntN(3) {
			gs = append(gs, string(rune('A'+g)))
		}
		groups = append(groups, gs)
	}
	p.cells = combos(groups...)
	p.counts = make([][]int, len(p.cells))
	for i := range p.cells {
		p.counts[i] = make([]int, len(p.vals)+1)
		if r.IntN(3) == 0 {
			continue
		}
		for range r.IntN(4) {
			p.counts[i][r.IntN(len(p.vals)+1)]++
		}
	}
	return p
}

// checkWitnesses verifies (b) of the guarantee on one population by
// exhibiting witnesses: for every secret (see population.secrets), an
// exchange of two answers within one pool of the published pattern that
// publishes the same heatmap and changes the secret; or, when the question
// is hidden everywhere, a population of the same counts with every answer
// alike that is hidden everywhere too and changes the secret.
func checkWitnesses(t *testing.T, p population, opts Options, strict bool) {
	t.Helper()
	h := p.heatmap(t, opts, strict)
	p.checkHeatmap(t, h, int(h.MinGroup), strict, opts.ENPS.SkippedAsPassive)
	pub := publicationKey(h)
	secrets := p.secrets(h, opts.ENPS.SkippedAsPassive)
	found := map[string]bool{}
	try := func(alt population) {
		h2 := alt.heatmap(t, opts, strict)
		if publicationKey(h2) != pub {
			return
		}
		for s, v := range alt.secrets(h2, opts.ENPS.SkippedAsPassive) {
			if secrets[s] != "" && v != secrets[s] {
				found[s] = true
			}
		}
	}
	if c := h.Company.Cells[0].Suppressed; c == Withheld || c == TooFew {
		for v := range p.vals {
			alt := p
			alt.counts = make([][]int, len(p.counts))
			for i, c := range p.counts {
				a, s := p.answered(i)
				alt.counts[i] = make([]int, len(c))
				alt.counts[i][v], alt.counts[i][len(p.vals)] = a, s
			}
			try(alt)
		}
	} else {
		key, _ := p.poolsOf(h)
		for i := range p.cells {
			for j := range p.cells {
				if i == j || key[i] == "" || key[i] != key[j] {
					continue
				}
				for u := range p.vals {
					for v := range p.vals {
						if u == v || p.counts[i][u] == 0 || p.counts[j][v] == 0 {
							continue
						}
						alt := p
						alt.counts = make([][]int, len(p.counts))
						for k := range p.counts {
							alt.counts[k] = slices.Clone(p.counts[k])
						}
						alt.counts[i][u]--
						alt.counts[i][v]++
						alt.counts[j][v]--
						alt.counts[j][u]++
						try(alt)
					}
				}
			}
		}
	}
	for s := range secrets {
		if !found[s] {
			t.Fatalf("%s = %s has no witness in %+v (min %d, intersections %v):\n%s", s, secrets[s], p.counts, h.MinGroup, strict, h)
		}
	}
}

// TestHeatmapSuppressionRandom checks (a) and (b) on seeded random
// populations larger than the exhaustive search reaches.
func TestHeatmapSuppressionRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	n := 300
	if testing.Short() || raceEnabled {
		n = 40
	}
	for range n {
		p := randomPopulation(r)
		opts := Options{MinGroup: 2 + r.IntN(4), ENPS: funnel.ENPSOptions{SkippedAsPassive: r.IntN(2) == 0}}
		checkWitnesses(t, p, opts, r.IntN(2) == 0)
	}
}

// populationOf reads a population from bytes: the question, the number of
// attributes and of groups of each, then each combination's people.
func populationOf(data []byte) (population, Options, bool) {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	head := next()
	var p population
	switch head % 3 {
	case 0:
		p.q, p.vals = Question{ID: "yn", Scale: YesNo}, []int{0, 1}
	case 1:
		p.q, p.vals = Question{ID: "agree", Scale: Agree5}, []int{1, 2, 3, 4, 5}
	default:
		p.q, p.vals = Question{ID: "enps", ENPS: true}, []int{0, 3, 6, 7, 8, 9, 10}
	}
	opts := Options{MinGroup: 1 + (head/3)%6, ENPS: funnel.ENPSOptions{SkippedAsPassive: head&0x40 != 0}}
	strict := head&0x80 != 0
	p.attrs = []string{"team", "loc", "tenure"}[:1+next()%3]
	var groups [][]string
	for range p.attrs {
		var gs []string
		for g := range 1 + next()%4 {
			gs = append(gs, string(rune('A'+g)))
		}
		groups = append(groups, gs)
	}
	p.cells = combos(groups...)
	p.counts = make([][]int, len(p.cells))
	for i := range p.cells {
		p.counts[i] = make([]int, len(p.vals)+1)
		b := next()
		for k := range b % 5 {
			p.counts[i][(b/5+k*next())%(len(p.vals)+1)]++
		}
	}
	return p, opts, strict
}

// FuzzHeatmapSuppression checks (a) and (b) of the guarantee of
// Table.Heatmap (checkWitnesses) on populations read from the input.
func FuzzHeatmapSuppression(f *testing.F) {
	f.Add([]byte{3, 1, 1, 2, 4, 9, 14, 3, 22, 1, 4, 4, 19, 2})
	f.Add([]byte{0x87, 2, 2, 1, 1, 4, 3, 4, 2, 13, 5, 9, 4, 7, 1, 3, 8, 2, 4, 6})
	f.Add([]byte{5, 2, 1, 1, 1, 9, 1, 4, 2, 3, 3, 14, 1, 2, 2})
	f.Add([]byte{0x48, 1, 3, 3, 24, 1, 24, 2, 3, 3, 4, 4, 9, 9, 14, 2, 19, 1})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, opts, strict := populationOf(data)
		checkWitnesses(t, p, opts, strict)
	})
}
