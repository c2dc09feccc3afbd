package pulse

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
)

// Each group is described by [4]int: promoters (10), passives (7),
// detractors (3) and skips.
func groupsOf(t testing.TB, spec map[string][4]int) *Groups {
	t.Helper()
	var g Groups
	for name, c := range spec {
		for k, a := range []funnel.ENPSAnswer{10, 7, 3, funnel.ENPSSkipped} {
			for range c[k] {
				if err := g.Add(name, a); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return &g
}

// scoreOf is a group's true score under the options, by hand:
// 100 (P - D) / (P + Pa + D [+ skips]); nil without answers.
func scoreOf(c [4]int, sap bool) *big.Rat {
	n := c[0] + c[1] + c[2]
	if n == 0 {
		return nil
	}
	if sap {
		n += c[3]
	}
	return big.NewRat(int64(100*(c[0]-c[2])), int64(n))
}

// publication is what a reader of a breakdown sees, as a comparable key.
func publication(b Breakdown) string {
	var sb strings.Builder
	w := func(s Score) {
		fmt.Fprintf(&sb, "%v,%d,%d,%d,%d,%d,%d,%v;", s.Suppressed, s.Promoters, s.Passives, s.Detractors, s.Skipped, s.Answered, s.Total, s.Interval)
	}
	w(b.Overall)
	for _, g := range b.Groups {
		sb.WriteString(g.Group + ":")
		w(g.Score)
	}
	return sb.String()
}

// checkStructure checks property (a) of the guarantee: every published
// score and the hidden groups' sum aggregate at least min answers, and no
// single hidden group holds all the hidden answers.
func checkStructure(t *testing.T, b Breakdown, spec map[string][4]int, min int) {
	t.Helper()
	var hiddenAnswered, hiddenWith int
	for _, gs := range b.Groups {
		c := spec[gs.Group]
		a := c[0] + c[1] + c[2]
		if gs.Score.Suppressed == Shown {
			if a < min || gs.Score.Answered != int64(a) {
				t.Fatalf("group %s published with %d answers (minimum %d): %s", gs.Group, a, min, publication(b))
			}
			continue
		}
		if gs.Score != (Score{Suppressed: gs.Score.Suppressed}) {
			t.Fatalf("hidden group %s shows %+v", gs.Group, gs.Score)
		}
		hiddenAnswered += a
		if a > 0 {
			hiddenWith++
		}
	}
	if b.Overall.Suppressed == Shown {
		if b.Overall.Answered < int64(min) {
			t.Fatalf("overall published with %d answers", b.Overall.Answered)
		}
		if hiddenAnswered > 0 && (hiddenAnswered < min || hiddenWith < 2) {
			t.Fatalf("overall minus published = %d answers in %d groups (minimum %d): %s", hiddenAnswered, hiddenWith, min, publication(b))
		}
	}
}

// TestBreakdownExhaustive checks the guarantee of Groups.Breakdown by brute
// force on small populations: for every assignment of answers (promoter,
// passive, detractor or skip) to three groups of up to 3 people, every
// minimum 2..4, skips counted as passives or not, (a) the structure holds,
// and (b) every hidden group with a score has, among all assignments with
// the same people in each group answering or skipping as before and the
// same publication, one where its score differs.
func TestBreakdownExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive search")
	}
	var comps [][4]int
	for p := 0; p <= 3; p++ {
		for q := 0; p+q <= 3; q++ {
			for d := 0; p+q+d <= 3; d++ {
				for s := 0; p+q+d+s <= 3; s++ {
					comps = append(comps, [4]int{p, q, d, s})
				}
			}
		}
	}
	names := []string{"A", "B", "C"}
	for _, sap := range []bool{false, true} {
		for min := 2; min <= 4; min++ {
			if (raceEnabled || !*long) && min > 2 {
				break
			}
			opts := Options{MinGroup: min, ENPS: funnel.ENPSOptions{SkippedAsPassive: sap}}
			type world struct {
				key    string // publication and each group's answered and skipped counts
				scores [3]*big.Rat
				hidden [3]bool
			}
			var worlds []world
			seen := map[string][3]map[string]bool{}
			for _, a := range comps {
				for _, b := range comps {
					for _, c := range comps {
						spec := map[string][4]int{"A": a, "B": b, "C": c}
						bd, err := groupsOf(t, spec).Breakdown(opts)
						if err != nil {
							t.Fatal(err)
						}
						checkStructure(t, bd, spec, min)
						w := world{key: fmt.Sprintf("%s|%d,%d|%d,%d|%d,%d", publication(bd),
							a[0]+a[1]+a[2], a[3], b[0]+b[1]+b[2], b[3], c[0]+c[1]+c[2], c[3])}
						for i, comp := range [][4]int{a, b, c} {
							w.scores[i] = scoreOf(comp, sap)
							w.hidden[i] = true
						}
						for _, gs := range bd.Groups {
							for i, n := range names {
								if n == gs.Group {
									w.hidden[i] = gs.Score.Suppressed != Shown
									if !w.hidden[i] {
										if v, _ := gs.Score.Value(); v.Cmp(w.scores[i]) != 0 {
											t.Fatalf("group %s published %v, true score %v", n, v, w.scores[i])
										}
									}
								}
							}
						}
						set := seen[w.key]
						for i := range 3 {
							if set[i] == nil {
								set[i] = map[string]bool{}
							}
							if w.scores[i] != nil {
								set[i][w.scores[i].String()] = true
							}
						}
						seen[w.key] = set
						worlds = append(worlds, w)
					}
				}
			}
			for _, w := range worlds {
				for i := range 3 {
					if w.hidden[i] && w.scores[i] != nil && len(seen[w.key][i]) < 2 {
						t.Fatalf("skips as passives %v, min %d: group %s's score %v is derivable from %s", sap, min, names[i], w.scores[i], w.key)
					}
				}
			}
		}
	}
}

// checkNotDerivable verifies the guarantee on one input by exhibiting a
// witness for every hidden group with a score: the same breakdown from
// answers that swap one answer between two hidden groups (so every
// group's answered and skipped counts stay the same), with that group's
// score different.
func checkNotDerivable(t *testing.T, spec map[string][4]int, opts Options) {
	t.Helper()
	bd, err := groupsOf(t, spec).Breakdown(opts)
	if err != nil {
		t.Fatal(err)
	}
	min := opts.MinGroup
	checkStructure(t, bd, spec, min)
	pub := publication(bd)
	sap := opts.ENPS.SkippedAsPassive
	var hidden []string
	for _, gs := range bd.Groups {
		if gs.Score.Suppressed != Shown {
			hidden = append(hidden, gs.Group)
		}
	}
	for _, name := range hidden {
		c := spec[name]
		own := scoreOf(c, sap)
		if own == nil {
			continue
		}
		found := false
		for _, other := range hidden {
			for i := 0; i < 3 && !found && other != name; i++ {
				for j := 0; j < 3 && !found; j++ {
					oc := spec[other]
					if i == j || c[i] == 0 || oc[j] == 0 {
						continue
					}
					alt := make(map[string][4]int, len(spec))
					for k, v := range spec {
						alt[k] = v
					}
					nc, noc := c, oc
					nc[i], nc[j], noc[j], noc[i] = nc[i]-1, nc[j]+1, noc[j]-1, noc[i]+1
					alt[name], alt[other] = nc, noc
					b2, err := groupsOf(t, alt).Breakdown(opts)
					found = err == nil && publication(b2) == pub && scoreOf(nc, sap).Cmp(own) != 0
				}
			}
		}
		if !found && bd.Overall.Suppressed != Withheld && bd.Overall.Suppressed != TooFew {
			t.Fatalf("hidden group %s (score %v) has no witness in %v with min %d: %s", name, own, spec, min, pub)
		}
	}
}

func FuzzBreakdownSuppression(f *testing.F) {
	f.Add([]byte{5, 4, 1, 1, 0, 2, 3, 2, 1, 0, 1, 0, 0})
	f.Add([]byte{5, 2, 0, 0, 1, 3, 0, 0, 0, 2, 2, 2, 2})
	f.Add([]byte{3, 1, 1, 0, 3, 2, 1, 1, 0, 3, 0, 0, 1})
	f.Add([]byte{0x85, 1, 0, 0, 4, 0, 1, 1, 0, 9, 9, 9, 0, 0, 2, 0, 0})
	f.Add([]byte{1, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		opts := Options{MinGroup: 1 + int(data[0]&0x7f)%8, ENPS: funnel.ENPSOptions{SkippedAsPassive: data[0]&0x80 != 0}}
		spec := map[string][4]int{}
		for i := 1; i+3 < len(data) && len(spec) < 8; i += 4 {
			spec[string(rune('A'+len(spec)))] = [4]int{int(data[i]) % 12, int(data[i+1]) % 12, int(data[i+2]) % 12, int(data[i+3]) % 12}
		}
		checkNotDerivable(t, spec, opts)
	})
}

func TestBreakdownSuppressionRandom(t *testing.T) {
	// Property test on seeded random inputs (the fuzz target's check),
	// larger than the exhaustive search reaches.
	r := rand.New(rand.NewPCG(5, 5))
	for range 600 {
		spec := map[string][4]int{}
		for g := range 2 + r.IntN(6) {
			spec[string(rune('A'+g))] = [4]int{r.IntN(6), r.IntN(5), r.IntN(5), r.IntN(3)}
		}
		checkNotDerivable(t, spec, Options{MinGroup: 1 + r.IntN(7), ENPS: funnel.ENPSOptions{SkippedAsPassive: r.IntN(2) == 0}})
	}
}

// A one-question report of groups whose respondents answer a question with
// the values of vals (index) or skip (the last index).
func reportOf(t testing.TB, q Question, vals []int, spec [][]int, opts Options) Report {
	t.Helper()
	s := &Survey{Name: "s", Questions: []Question{q}, Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
	w, err := NewWaves(s, "team")
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]*cell{}
	for g, counts := range spec {
		c := newCell(1)
		for k, n := range counts {
			c.respondents += int64(n)
			if k < len(vals) {
				c.counts[0][vals[k]] += int64(n)
			}
		}
		if c.respondents > 0 {
			groups[string(rune('A'+g))] = c
		}
	}
	w.waves[0] = groups
	rep, err := w.Report(0, 0, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// cellKey is what a cell publishes: every published value (favourable
// share, mean, eNPS and their intervals) is a function of these counts.
func cellKey(sb *strings.Builder, c Cell) {
	sb.WriteString(c.Suppressed.String())
	for _, n := range append([]int64{c.Answered, c.Skipped}, c.Counts...) {
		sb.WriteByte(',')
		sb.WriteString(strconv.FormatInt(n, 10))
	}
	if c.ENPS != nil {
		fmt.Fprintf(sb, ",%v,%d,%d,%d,%d", c.ENPS.Suppressed, c.ENPS.Promoters, c.ENPS.Passives, c.ENPS.Detractors, c.ENPS.Total)
	}
}

func reportKey(r Report) string {
	var sb strings.Builder
	sb.WriteString(r.Suppressed.String())
	sb.WriteString(strconv.FormatInt(r.Company.Respondents, 10))
	cellKey(&sb, r.Company.Cells[0])
	for _, row := range r.Groups {
		sb.WriteString(";" + row.Group + ":" + strconv.FormatInt(row.Respondents, 10) + ":")
		cellKey(&sb, row.Cells[0])
	}
	return sb.String()
}

// TestReportExhaustive checks the guarantee of Waves.Report by brute force
// on small populations, for a yes/no question, an agreement question
// (answers 2, 4, 5) and the eNPS question (answers 3, 7, 10): for every
// assignment of answers or skips to three groups of up to 3 people and
// every minimum 2..3 (skips as passives or not), (a) every published cell
// and the hidden cells' sum aggregate at least the minimum, and (b) every
// hidden cell with answers has, among the assignments with the same
// people answering and skipping in each group and the same report, one
// with a different favourable count, one with a different sum of answers
// and (eNPS) one with a different score.
func TestReportExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive search")
	}
	cases := []struct {
		q    Question
		vals []int
	}{
		{Question{ID: "yn", Scale: YesNo}, []int{0, 1}},
		{Question{ID: "agree", Scale: Agree5}, []int{2, 4, 5}},
		{Question{ID: "enps", ENPS: true}, []int{3, 7, 10}},
	}
	for _, tc := range cases {
		k := len(tc.vals) + 1
		var comps [][]int
		var gen func(prefix []int, left int)
		gen = func(prefix []int, left int) {
			if len(prefix) == k {
				comps = append(comps, append([]int(nil), prefix...))
				return
			}
			for n := 0; n <= left; n++ {
				gen(append(prefix, n), left-n)
			}
		}
		gen(nil, 3)
		for _, sap := range []bool{false, true} {
			if sap && (!tc.q.ENPS || !*long) {
				continue
			}
			for min := 2; min <= 3; min++ {
				if (raceEnabled || !*long) && min > 2 {
					break
				}
				opts := Options{MinGroup: min, ENPS: funnel.ENPSOptions{SkippedAsPassive: sap}}
				type stats struct {
					fav, sum int
					score    string
				}
				type world struct {
					key    string
					st     [3]stats
					hidden [3]bool
					has    [3]bool
				}
				var worlds []world
				seen := map[string][3][3]map[string]bool{}
				fav := tc.q.favourableMin()
				for _, a := range comps {
					for _, b := range comps {
						for _, c := range comps {
							spec := [][]int{a, b, c}
							rep := reportOf(t, tc.q, tc.vals, spec, opts)
							w := world{key: reportKey(rep)}
							var hiddenAnswered, hiddenWith int
							for g, counts := range spec {
								answered, skipped := 0, counts[k-1]
								for i, v := range tc.vals {
									answered += counts[i]
									w.st[g].sum += v * counts[i]
									if v >= fav {
										w.st[g].fav += counts[i]
									}
								}
								w.has[g] = answered > 0
								if tc.q.ENPS && answered > 0 {
									w.st[g].score = scoreOf([4]int{counts[2], counts[1], counts[0], skipped}, sap).String()
								}
								w.key += fmt.Sprintf("|%d,%d", answered, skipped)
								w.hidden[g] = true
								for _, row := range rep.Groups {
									if row.Group == string(rune('A'+g)) {
										cl := row.Cells[0]
										w.hidden[g] = cl.Suppressed != Shown
										if !w.hidden[g] && (cl.Answered < int64(min) || cl.Answered != int64(answered)) {
											t.Fatalf("%s: cell %s published with %d answers", tc.q.ID, row.Group, cl.Answered)
										}
									}
								}
								if w.hidden[g] {
									hiddenAnswered += answered
									if answered > 0 {
										hiddenWith++
									}
								}
							}
							if rep.Company.Cells[0].Suppressed == Shown && hiddenAnswered > 0 && (hiddenAnswered < min || hiddenWith < 2) {
								t.Fatalf("%s min %d: company minus published = %d answers in %d cells: %s", tc.q.ID, min, hiddenAnswered, hiddenWith, w.key)
							}
							set := seen[w.key]
							for g := range 3 {
								for s, v := range []string{fmt.Sprint(w.st[g].fav), fmt.Sprint(w.st[g].sum), w.st[g].score} {
									if set[g][s] == nil {
										set[g][s] = map[string]bool{}
									}
									set[g][s][v] = true
								}
							}
							seen[w.key] = set
							worlds = append(worlds, w)
						}
					}
				}
				for _, w := range worlds {
					for g := range 3 {
						if !w.hidden[g] || !w.has[g] {
							continue
						}
						for s, what := range []string{"favourable count", "sum", "eNPS"} {
							if s == 2 && !tc.q.ENPS {
								continue
							}
							if len(seen[w.key][g][s]) < 2 {
								t.Fatalf("%s, min %d, skips as passives %v: hidden cell %c's %s is derivable from %s",
									tc.q.ID, min, sap, 'A'+g, what, w.key)
							}
						}
					}
				}
			}
		}
	}
}
