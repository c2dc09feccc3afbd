package pulse

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

var jan5 = time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)

func testSurvey() *Survey {
	return &Survey{
		Name: "pulse",
		Questions: []Question{
			{ID: "enps", Text: "How likely are you to recommend us as a place to work?", ENPS: true},
			{ID: "agree", Text: "I have what I need to do my job.", Scale: Agree5},
			{ID: "yesno", Text: "Did you have a one-on-one this month?", Scale: YesNo},
		},
		Cadence: Monthly,
		Start:   jan5,
	}
}

// resp builds a response; a negative answer means the question was skipped.
func resp(who string, at time.Time, enps, agree, yesno int) Response {
	r := Response{Respondent: who, At: at, Answers: map[string]int{}}
	for id, a := range map[string]int{"enps": enps, "agree": agree, "yesno": yesno} {
		if a >= 0 {
			r.Answers[id] = a
		}
	}
	return r
}

func TestRollingLatest(t *testing.T) {
	// The window semantics, worked by hand, with a minimum of 1 (every
	// figure published, nothing held).
	s := testSurvey()
	s.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	asOf := s.WaveStart(3) // 2026-04-01
	day := func(n int) time.Time { return asOf.AddDate(0, 0, -n) }
	rs := []Response{
		resp("ann", day(100), 0, 1, 0), // outside 90 days
		resp("ann", day(60), 6, 2, 0),
		resp("ann", day(10), 10, -1, 1), // latest; keeps agree 2 from day 60
		resp("bob", day(30), 8, 5, 1),
		resp("bob", day(30), 9, 4, 1), // same time: the greater answers (9 > 8) count as the later
		resp("cy", day(90), 3, 3, 0),  // exactly 90 days: outside (a, b]
		resp("cy", day(-1), 3, 3, 0),  // after the point: not yet counted
		resp("dee", day(0), -1, -1, -1),
		resp("eve", day(89), 7, 5, 0),
	}
	r, _ := NewRolling(s)
	for _, x := range rs {
		if err := r.Add(x); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.Series(90*24*time.Hour, 3, 3, Options{MinGroup: 1})
	if err != nil {
		t.Fatal(err)
	}
	// By hand: ann {10, 2, 1}, bob {9, 4, 1}, dee {} (a respondent who
	// skipped everything), eve {7, 5, 0}: 4 respondents, 3 answers each.
	want := &cell{respondents: 4, counts: make([][11]int64, 3)}
	for _, a := range [][3]int{{10, 2, 1}, {9, 4, 1}, {7, 5, 0}} {
		for q, v := range a {
			want.counts[q][v]++
		}
	}
	if len(got) != 1 || got[0].Respondents != 4 {
		t.Fatalf("Series = %+v", got)
	}
	o, _ := Options{MinGroup: 1}.resolve()
	for q, question := range s.Questions {
		w := question.cell(want, q, Shown, o)
		if diff := cmp.Diff(w, got[0].Cells[q]); diff != "" {
			t.Errorf("question %s (-want +got):\n%s", question.ID, diff)
		}
	}
	for _, c := range []struct {
		window      time.Duration
		first, last int
	}{{0, 1, 2}, {-time.Hour, 1, 2}, {time.Hour, 3, 2}, {time.Hour, 0, maxPoints}} {
		if _, err := r.Series(c.window, c.first, c.last, Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Series(%v, %d, %d) = %v, want ErrInvalidParam", c.window, c.first, c.last, err)
		}
	}
	if err := r.Add(Response{At: day(1), Answers: map[string]int{"enps": 5}}); !errors.Is(err, ErrResponse) {
		t.Errorf("anonymous response: %v", err)
	}
	if err := r.Add(Response{Respondent: "x", Answers: map[string]int{"enps": 5}}); !errors.Is(err, ErrResponse) {
		t.Errorf("response without a time: %v", err)
	}
	if err := r.Add(resp("zed", day(1), 12, 1, 1)); !errors.Is(err, ErrResponse) {
		t.Errorf("bad answer: %v", err)
	}
	if _, err := r.Series(time.Hour, 0, 1, Options{Test: funnel.Test{Confidence: 2}}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("confidence 2: %v", err)
	}
}

func TestRollingNewcomerHeld(t *testing.T) {
	// Six people answer in wave 0, one newcomer in wave 1. Publishing the
	// rolling figure before and after the newcomer would tell their answer
	// (the difference of the two figures); the second figure is held
	// until enough answers have changed.
	s := &Survey{Name: "weekly", Questions: []Question{{ID: "q", Scale: YesNo}}, Cadence: Weekly, Start: jan5}
	r, _ := NewRolling(s)
	add := func(who string, wave, answer int) {
		t.Helper()
		if err := r.Add(Response{Respondent: who, At: s.WaveStart(wave).Add(time.Hour), Answers: map[string]int{"q": answer}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 6 {
		add(fmt.Sprint("p", i), 0, i%2)
	}
	add("new", 1, 1)
	for i := range 5 {
		add(fmt.Sprint("late", i), 2, 0)
	}
	pts, err := r.Series(4*7*24*time.Hour, 1, 3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pts {
		got = append(got, fmt.Sprintf("wave %d: %v %d/%d", p.Wave, p.Cells[0].Suppressed, p.Cells[0].Favourable.Num, p.Cells[0].Answered))
	}
	// Wave 1: the six of wave 0 (3 yes). Wave 2: one newcomer more, held.
	// Wave 3: six more than published (the newcomer and five late
	// answers), published: 4 yes of 12.
	want := []string{"wave 1: shown 3/6", "wave 2: held 0/0", "wave 3: shown 4/12"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}
}

// A timeline says, per person and wave, whether the person responded (and
// the answer of each response, for one yes/no question).
type timeline struct {
	people, waves int
	responded     []bool // person*waves + wave
}

// counted returns, per point k (window: the two waves before k), the
// responses (person, wave) counted: each person's latest in the window.
func (tl timeline) counted(k int) [][2]int {
	var out [][2]int
	for p := range tl.people {
		for w := k - 1; w >= k-2 && w >= 0; w-- {
			if tl.responded[p*tl.waves+w] {
				out = append(out, [2]int{p, w})
				break
			}
		}
	}
	return out
}

func (tl timeline) series(t *testing.T, answers map[[2]int]int, min int) []Point {
	t.Helper()
	s := &Survey{Name: "weekly", Questions: []Question{{ID: "q", Scale: YesNo}}, Cadence: Weekly, Start: jan5}
	r, _ := NewRolling(s)
	for p := range tl.people {
		for w := range tl.waves {
			if tl.responded[p*tl.waves+w] {
				at := s.WaveStart(w).Add(time.Hour)
				if err := r.Add(Response{Respondent: fmt.Sprint("p", p), At: at, Answers: map[string]int{"q": answers[[2]int{p, w}]}}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	pts, err := r.Series(14*24*time.Hour, 1, tl.waves, Options{MinGroup: min})
	if err != nil {
		t.Fatal(err)
	}
	return pts
}

// checkClasses checks a series against the timeline, independently of the
// code under test: the published counts are those of the counted
// responses, and the responses grouped by the published points that count
// them (their class) number 0 or at least min. It returns each response's
// class.
func checkClasses(t *testing.T, tl timeline, answers map[[2]int]int, pts []Point, min int) map[[2]int]string {
	t.Helper()
	member := map[[2]int]*strings.Builder{}
	for i, pt := range pts {
		k := i + 1
		c := pt.Cells[0]
		counted := tl.counted(k)
		if c.Suppressed != Shown {
			if len(counted) >= min && c.Suppressed == TooFew {
				t.Fatalf("point %d: %d answers hidden as too few", k, len(counted))
			}
			continue
		}
		yes := 0
		for _, x := range counted {
			yes += answers[x]
			if member[x] == nil {
				member[x] = &strings.Builder{}
			}
			fmt.Fprintf(member[x], "%d,", k)
		}
		if c.Answered != int64(len(counted)) || c.Favourable.Num != int64(yes) {
			t.Fatalf("point %d published %d/%d, counted %d/%d", k, c.Favourable.Num, c.Answered, yes, len(counted))
		}
	}
	class := map[[2]int]string{}
	size := map[string]int{}
	for x, b := range member {
		class[x] = b.String()
		size[b.String()]++
	}
	for c, n := range size {
		if n < min {
			t.Fatalf("class counted at points %s has %d answers (minimum %d)", c, n, min)
		}
	}
	return class
}

// TestRollingExhaustive checks the guarantee of Rolling.Series on every
// timeline of 3 people over 5 weekly waves (each responding or not each
// week) with minima 2 and 3: the published figures count what they say,
// every class of answers holds at least the minimum, the decisions do not
// depend on the answers, and (on the timelines with at most 8 responses,
// every assignment of answers, on a seeded sample of one in 40) the figures are a function of the class
// sums: two assignments with the same sum in every class publish the same
// series.
func TestRollingExhaustive(t *testing.T) {
	if testing.Short() {
		t.Skip("exhaustive search")
	}
	const people, waves = 3, 5
	n := people * waves
	rng := rand.New(rand.NewPCG(3, 3))
	for _, min := range []int{2, 3} {
		for mask := range 1 << n {
			if (raceEnabled || !*long) && mask%7 != 0 {
				continue
			}
			tl := timeline{people, waves, make([]bool, n)}
			var resps [][2]int
			for i := range n {
				tl.responded[i] = mask&(1<<i) != 0
				if tl.responded[i] {
					resps = append(resps, [2]int{i / waves, i % waves})
				}
			}
			random := map[[2]int]int{}
			for _, x := range resps {
				random[x] = rng.IntN(2)
			}
			pts := tl.series(t, random, min)
			class := checkClasses(t, tl, random, pts, min)
			hidden := func(pts []Point) string {
				var b strings.Builder
				for _, p := range pts {
					b.WriteString(p.Cells[0].Suppressed.String())
				}
				return b.String()
			}
			if len(resps) > 8 || rng.IntN(40) != 0 {
				ones := map[[2]int]int{}
				for _, x := range resps {
					ones[x] = 1
				}
				if hidden(tl.series(t, ones, min)) != hidden(pts) {
					t.Fatalf("timeline %b: decisions depend on the answers", mask)
				}
				continue
			}
			bySums := map[string]string{}
			for a := range 1 << len(resps) {
				answers := map[[2]int]int{}
				sums := map[string]int{}
				for i, x := range resps {
					answers[x] = (a >> i) & 1
					if c, ok := class[x]; ok {
						sums[c] += answers[x]
					}
				}
				pts := tl.series(t, answers, min)
				checkClasses(t, tl, answers, pts, min)
				var pub strings.Builder
				for _, p := range pts {
					fmt.Fprintf(&pub, "%v %v %d;", p.Cells[0].Suppressed, p.Cells[0].Counts, p.Respondents)
				}
				keys := make([]string, 0, len(sums))
				for c, s := range sums {
					keys = append(keys, fmt.Sprintf("%s=%d", c, s))
				}
				slices.Sort(keys)
				key := strings.Join(keys, " ")
				if prev, ok := bySums[key]; ok && prev != pub.String() {
					t.Fatalf("timeline %b: class sums %s publish %s and %s", mask, key, prev, pub.String())
				}
				bySums[key] = pub.String()
			}
		}
	}
}
