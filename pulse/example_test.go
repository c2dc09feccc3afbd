package pulse_test

import (
	"fmt"
	"os"
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

// office returns responses of one team in one office with one answer
// each to the question "tools" (1 to 5).
func office(team, loc string, tools ...int) []pulse.Response {
	var rs []pulse.Response
	for i, a := range tools {
		rs = append(rs, pulse.Response{Respondent: fmt.Sprintf("%s-%s-%d", team, loc, i), At: start.Add(time.Hour),
			Answers: map[string]int{"tools": a}, Attrs: map[string]string{"team": team, "location": loc}})
	}
	return rs
}

func ExampleTable_Heatmap() {
	// Lisbon is the ops team, six people; legal (three) works in Paris
	// with sales.
	s := &pulse.Survey{Name: "pulse", Questions: []pulse.Question{{ID: "tools", Scale: pulse.Agree5}}, Start: start}
	var rs []pulse.Response
	rs = append(rs, office("legal", "Paris", 1, 2, 5)...)
	rs = append(rs, office("ops", "Lisbon", 4, 5, 3, 4, 2, 5)...)
	rs = append(rs, office("sales", "Paris", 5, 4, 2, 4, 3, 5, 4)...)
	byTeam, _ := pulse.NewWaves(s, "team")
	byOffice, _ := pulse.NewWaves(s, "location")
	both, _ := pulse.NewTable(s, "team", "location")
	for _, r := range rs {
		_, _, _ = byTeam.Add(r), byOffice.Add(r), both.Add(r)
	}
	// Two reports published side by side: each hides what it must, but
	// together they give legal's answers.
	team, _ := byTeam.Report(0, 0, pulse.Options{})
	loc, _ := byOffice.Report(0, 0, pulse.Options{})
	company, sales, lisbon := team.Company.Cells[0].Counts, team.Groups[2].Cells[0].Counts, loc.Groups[0].Cells[0].Counts
	legal := make([]int64, len(company))
	for i := range legal {
		legal[i] = company[i] - sales[i] - lisbon[i]
	}
	fmt.Printf("team report: legal %v, ops %v\n", team.Groups[0].Cells[0].Suppressed, team.Groups[1].Cells[0].Suppressed)
	fmt.Printf("company - sales - Lisbon: %v answers of 1 to 5 (legal's)\n", legal)
	// The heatmap publishes both breakdowns together.
	h, _ := both.Heatmap(0, pulse.HeatmapOptions{}, pulse.Options{})
	fmt.Printf("heatmap: company %v favourable\n", h.Company.Cells[0].Favourable.Ratio)
	for _, sec := range h.Sections {
		for _, g := range sec.Groups {
			fmt.Printf("  %s %s: %v\n", sec.By, g.Group, g.Cells[0].Suppressed)
		}
	}
	// Output:
	// team report: legal too few, ops complement
	// company - sales - Lisbon: [1 1 0 0 1] answers of 1 to 5 (legal's)
	// heatmap: company 10/16 (62.5%) favourable
	//   team legal: too few
	//   team ops: complement
	//   team sales: complement
	//   location Lisbon: complement
	//   location Paris: complement
}

func ExampleHeatmap_WriteText() {
	s := &pulse.Survey{Name: "pulse", Questions: []pulse.Question{{ID: "tools", Scale: pulse.Agree5}}, Start: start}
	t, _ := pulse.NewTable(s, "team", "location")
	for _, rs := range [][]pulse.Response{
		office("eng", "Paris", 4, 5, 4, 3, 5), office("eng", "Lisbon", 4, 4, 2, 5, 3),
		office("ops", "Paris", 5, 2, 4, 3), office("ops", "Lisbon", 4, 4, 1, 5),
		office("legal", "Paris", 2), office("legal", "Lisbon", 5),
		office("hr", "Paris", 4), office("hr", "Lisbon", 1, 3),
	} {
		for _, r := range rs {
			_ = t.Add(r)
		}
	}
	h, _ := t.Heatmap(0, pulse.HeatmapOptions{Invited: 28, InvitedBy: map[string]map[string]int64{
		"team": {"eng": 12, "ops": 10, "legal": 2, "hr": 4}}}, pulse.Options{})
	_ = h.WriteText(os.Stdout)
	// Output:
	// Survey "pulse", wave 0 (from 2026-01-05T09:00:00Z); minimum group 5.
	// Participation: 23/28 82.1% (64.4%..92.1%); 23 respondents.
	//
	// By team.
	// Favourable share, 95% intervals:
	// group    respondents  participation               tools
	// company  23           23/28 82.1% (64.4%..92.1%)  14/23 60.9% (40.8%..77.8%)
	// eng      10           10/12 83.3% (55.2%..95.3%)  7/10 70.0% (39.7%..89.2%)
	// hr       3            3/4 75.0% (30.1%..95.4%)    too few
	// legal    2            2/2 100.0% (34.2%..100.0%)  too few
	// ops      8            8/10 80.0% (49.0%..94.3%)   complement
	// Mean answer, 95% intervals:
	// group    tools
	// company  3.57 (3.01..4.12) n=23
	// eng      3.90 (3.19..4.61) n=10
	// hr       too few
	// legal    too few
	// ops      complement
	//
	// By location.
	// Favourable share, 95% intervals:
	// group    respondents  participation               tools
	// company  23           23/28 82.1% (64.4%..92.1%)  14/23 60.9% (40.8%..77.8%)
	// Lisbon   12           n/a                         7/12 58.3% (32.0%..80.7%)
	// Paris    11           n/a                         7/11 63.6% (35.4%..84.8%)
	// Mean answer, 95% intervals:
	// group    tools
	// company  3.57 (3.01..4.12) n=23
	// Lisbon   3.42 (2.50..4.33) n=12
	// Paris    3.73 (2.99..4.47) n=11
}

func ExampleReport_WriteText() {
	at := start.AddDate(0, 0, 2)
	w, _ := pulse.NewWaves(survey(), "team")
	for _, rs := range [][]pulse.Response{
		team("legal", at, [2]int{2, 1}, [2]int{3, 2}, [2]int{10, 5}),
		team("ops", at, [2]int{9, 4}, [2]int{10, 5}, [2]int{7, 3}, [2]int{8, 4}, [2]int{6, 2}, [2]int{9, 5}),
		team("sales", at, [2]int{10, 5}, [2]int{9, 4}, [2]int{3, 2}, [2]int{7, 4}, [2]int{8, -1}, [2]int{10, 5}, [2]int{9, 4}),
	} {
		for _, r := range rs {
			_ = w.Add(r)
		}
	}
	rep, _ := w.Report(0, 20, pulse.Options{})
	_ = rep.WriteText(os.Stdout)
	// Output:
	// Survey "monthly pulse", wave 0 (from 2026-01-05T09:00:00Z), by "team"; minimum group 5.
	// Participation: 16/20 80.0% (58.4%..91.9%); 16 respondents.
	// Favourable share, 95% intervals:
	// group    respondents  enps                       tools
	// company  16           8/16 50.0% (28.0%..72.0%)  10/15 66.7% (41.7%..84.8%)
	// legal    3            too few                    too few
	// ops      6            complement                 complement
	// sales    7            4/7 57.1% (25.0%..84.2%)   5/6 83.3% (43.6%..97.0%)
	// Mean answer, 95% intervals:
	// group    enps                    tools
	// company  7.50 (6.07..8.93) n=16  3.67 (2.92..4.41) n=15
	// legal    too few                 too few
	// ops      complement              complement
	// sales    8.00 (5.73..10.00) n=7  4.00 (2.85..5.00) n=6
	// eNPS (enps), 95% intervals:
	// group    enps        interval     promoters  passives  detractors
	// company  25.0        -15.6..57.8  8          4         4
	// legal    too few
	// ops      complement
	// sales    42.9        -16.4..76.4  4          2         1
}

func ExampleCoverage_WriteText() {
	asOf := time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return asOf.AddDate(0, 0, -days) }
	roster := []pulse.Member{{"ann", "mia"}, {"bob", "mia"}, {"cy", "zoe"}, {"mia", "zoe"}, {"zoe", ""}}
	log := []pulse.Meeting{{"ann", ago(3)}, {"bob", ago(20)}, {"cy", ago(9)}, {"mia", ago(1)}, {"zoe", ago(-2)}}
	c, _ := pulse.OneOnOnes(roster, slices.Values(log), asOf, 14*24*time.Hour, 0.95)
	_ = c.WriteText(os.Stdout)
	// Output:
	// One-on-ones within 14.0 days as of 2026-03-31T18:00:00Z: 3/5 60.0% (23.1%..88.2%) met.
	// By manager:
	// manager  reports to  direct reports met          everyone under met
	// zoe                  2/2 100.0% (34.2%..100.0%)  3/4 75.0% (30.1%..95.4%)
	//   mia    zoe         1/2 50.0% (9.5%..90.5%)     1/2 50.0% (9.5%..90.5%)
	// Overdue (2):
	// person  manager  last met              days since
	// zoe              never
	// bob     mia      2026-03-11T18:00:00Z  20.0
}
