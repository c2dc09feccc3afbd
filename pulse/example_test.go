package pulse_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/pulse"
)

var start = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

func survey() *pulse.Survey {
	return &pulse.Survey{
		Name: "monthly pulse",
		Questions: []pulse.Question{
			{ID: "enps", Text: "How likely are you to recommend us as a place to work?", ENPS: true},
			{ID: "tools", Text: "I have the tools I need.", Scale: pulse.Agree5},
		},
		Cadence: pulse.Monthly,
		Start:   start,
	}
}

// team returns one response per (enps, tools) pair; -1 skips.
func team(name string, at time.Time, answers ...[2]int) []pulse.Response {
	var rs []pulse.Response
	for i, a := range answers {
		r := pulse.Response{Respondent: fmt.Sprintf("%s-%d", name, i), At: at,
			Answers: map[string]int{}, Attrs: map[string]string{"team": name}}
		for j, id := range []string{"enps", "tools"} {
			if a[j] >= 0 {
				r.Answers[id] = a[j]
			}
		}
		rs = append(rs, r)
	}
	return rs
}

func Example() {
	// One wave: legal (3 people) is too small to show; its answers must
	// not be readable as the company minus the other teams.
	at := start.AddDate(0, 0, 2)
	var rs []pulse.Response
	rs = append(rs, team("legal", at, [2]int{2, 1}, [2]int{3, 2}, [2]int{10, 5})...)
	rs = append(rs, team("ops", at, [2]int{9, 4}, [2]int{10, 5}, [2]int{7, 3}, [2]int{8, 4}, [2]int{6, 2}, [2]int{9, 5})...)
	rs = append(rs, team("sales", at, [2]int{10, 5}, [2]int{9, 4}, [2]int{3, 2}, [2]int{7, 4}, [2]int{8, -1}, [2]int{10, 5}, [2]int{9, 4})...)
	w, _ := pulse.NewWaves(survey(), "team")
	for _, r := range rs {
		if err := w.Add(r); err != nil {
			fmt.Println(err)
			return
		}
	}
	rep, _ := w.Report(0, 20, pulse.Options{})
	fmt.Printf("participation %v\n", rep.Participation.Ratio)
	for _, row := range append([]pulse.Row{rep.Company}, rep.Groups...) {
		name := row.Group
		if name == "" {
			name = "company"
		}
		fmt.Printf("%-8s", name)
		for _, c := range row.Cells {
			if c.Suppressed != pulse.Shown {
				fmt.Printf("  %s: hidden (%v)", c.Question, c.Suppressed)
				continue
			}
			fmt.Printf("  %s: %v favourable", c.Question, c.Favourable.Ratio)
			if c.ENPS != nil {
				v, _ := c.ENPS.Round(0)
				fmt.Printf(", eNPS %v", v)
			}
		}
		fmt.Println()
	}
	// Output:
	// participation 16/20 (80.0%)
	// company   enps: 8/16 (50.0%) favourable, eNPS 25  tools: 10/15 (66.7%) favourable
	// legal     enps: hidden (too few)  tools: hidden (too few)
	// ops       enps: hidden (complement)  tools: hidden (complement)
	// sales     enps: 4/7 (57.1%) favourable, eNPS 43  tools: 5/6 (83.3%) favourable
}

func ExampleGroups_Breakdown() {
	var g pulse.Groups
	add := func(group string, answers ...funnel.ENPSAnswer) {
		for _, a := range answers {
			_ = g.Add(group, a)
		}
	}
	add("tiny", 10, 3)
	add("ops", 10, 9, 7, 3, 8, 10)
	add("eng", 9, 9, 10, 6, 7, 8, 2, 10)
	b, _ := g.Breakdown(pulse.Options{})
	show := func(name string, s pulse.Score) {
		if v, ok := s.Round(1); ok {
			fmt.Printf("%-8s %v (n=%d)\n", name, v, s.Answered)
		} else {
			fmt.Printf("%-8s hidden: %v\n", name, s.Suppressed)
		}
	}
	show("overall", b.Overall)
	for _, gs := range b.Groups {
		show(gs.Group, gs.Score)
	}
	// Output:
	// overall  25 (n=16)
	// eng      25 (n=8)
	// ops      hidden: complement
	// tiny     hidden: too few
}

func ExampleRolling_Series() {
	s := &pulse.Survey{Name: "weekly", Questions: []pulse.Question{{ID: "ok", Scale: pulse.YesNo}}, Cadence: pulse.Weekly, Start: start}
	r, _ := pulse.NewRolling(s)
	answer := func(who string, wave, yes int) {
		_ = r.Add(pulse.Response{Respondent: who, At: s.WaveStart(wave).Add(time.Hour), Answers: map[string]int{"ok": yes}})
	}
	for i := range 6 {
		answer(fmt.Sprint("p", i), 0, i%2)
	}
	answer("newcomer", 1, 0) // alone: the difference would be their answer
	for i := range 4 {
		answer(fmt.Sprint("q", i), 2, 1) // four more: five new answers in all
	}
	pts, _ := r.Series(28*24*time.Hour, 1, 3, pulse.Options{})
	for _, p := range pts {
		c := p.Cells[0]
		fmt.Printf("%s: %v %v\n", p.At.Format(time.DateOnly), c.Suppressed, c.Favourable.Ratio)
	}
	// Output:
	// 2026-01-12: shown 3/6 (50.0%)
	// 2026-01-19: held 0/0 (n/a)
	// 2026-01-26: shown 7/11 (63.6%)
}

func ExampleOneOnOnes() {
	asOf := time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return asOf.AddDate(0, 0, -days) }
	roster := []pulse.Member{{"ann", "mia"}, {"bob", "mia"}, {"cy", "zoe"}, {"mia", "zoe"}, {"zoe", ""}}
	log := []pulse.Meeting{{"ann", ago(3)}, {"bob", ago(20)}, {"cy", ago(9)}, {"mia", ago(1)}, {"zoe", ago(-2)}}
	c, _ := pulse.OneOnOnes(roster, slices.Values(log), asOf, 14*24*time.Hour, 0.95)
	fmt.Println("met within 14 days:", c.Met.Ratio)
	for _, m := range c.Managers {
		fmt.Printf("%s: direct %v, all %v\n", m.Manager, m.Direct.Ratio, m.All.Ratio)
	}
	for _, o := range c.Overdue {
		fmt.Printf("overdue: %s (met before: %v)\n", o.Person, o.Met)
	}
	// Output:
	// met within 14 days: 3/5 (60.0%)
	// mia: direct 1/2 (50.0%), all 1/2 (50.0%)
	// zoe: direct 2/2 (100.0%), all 3/4 (75.0%)
	// overdue: zoe (met before: false)
	// overdue: bob (met before: true)
}
