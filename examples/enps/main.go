// Command enps prints an eNPS and pulse-survey report on generated survey
// data: the company score with its uncertainty, the latest wave by team as
// a heatmap table with a small team hidden (and its complement), the eNPS
// trend by team, wave-over-wave changes, rolling 90-day figures on the
// survey's cadence, and one-on-one coverage per manager.
//
// The data are generated with a fixed seed, so the report is the same on
// every run.
package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/pulse"
)

type person struct {
	id, team, location, manager string
	mood                        float64 // shifts this person's answers
}

// teams and their sizes; legal is small enough to be hidden.
var teams = []struct {
	name string
	size int
	mood float64
}{
	{"engineering", 18, 0.5}, {"sales", 14, -0.8}, {"support", 9, 0}, {"operations", 12, 0.3}, {"legal", 3, 1},
}

var locations = []string{"Berlin", "Lisbon", "Remote"}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "enps:", err)
		os.Exit(1)
	}
}

func run() error {
	r := rand.New(rand.NewPCG(2026, 11))
	var people []person
	for _, t := range teams {
		for i := range t.size {
			p := person{
				id:       fmt.Sprintf("%s-%02d", t.name[:3], i+1),
				team:     t.name,
				location: locations[r.IntN(len(locations))],
				mood:     t.mood + r.NormFloat64()*0.8,
				manager:  t.name[:3] + "-01",
			}
			if i == 0 {
				p.manager = "ceo"
			}
			people = append(people, p)
		}
	}

	survey := &pulse.Survey{
		Name: "monthly pulse",
		Questions: []pulse.Question{
			{ID: "enps", Text: "How likely are you to recommend us as a place to work?", ENPS: true},
			{ID: "workload", Text: "My workload is manageable.", Scale: pulse.Agree5},
			{ID: "growth", Text: "I see a path to grow here.", Scale: pulse.Agree5},
			{ID: "1on1", Text: "Did you have a one-on-one in the last two weeks?", Scale: pulse.YesNo},
		},
		Cadence: pulse.Monthly,
		Start:   time.Date(2026, time.January, 12, 9, 0, 0, 0, time.UTC),
	}
	byTeam, err := pulse.NewWaves(survey, "team")
	if err != nil {
		return err
	}
	rolling, err := pulse.NewRolling(survey)
	if err != nil {
		return err
	}
	var enpsByWave [3]pulse.Groups // eNPS answers of each wave, by team

	// Three waves; the mood drifts up a little each month. About 85% answer.
	const waves = 3
	for w := range waves {
		at := survey.WaveStart(w).Add(26 * time.Hour)
		for _, p := range people {
			if r.Float64() > 0.85 {
				continue
			}
			m := p.mood + 0.3*float64(w)
			resp := pulse.Response{Respondent: p.id, At: at, Attrs: map[string]string{"team": p.team, "location": p.location},
				Answers: map[string]int{
					"workload": clampInt(int(3.2+m+r.NormFloat64()), 1, 5),
					"growth":   clampInt(int(3+m+r.NormFloat64()), 1, 5),
					"1on1":     boolInt(r.Float64() < 0.6+0.1*m),
				}}
			a := funnel.ENPSSkipped
			if r.Float64() < 0.95 { // a few skip the eNPS question
				resp.Answers["enps"] = clampInt(int(7.6+1.4*m+1.5*r.NormFloat64()), 0, 10)
				a = funnel.ENPSAnswer(resp.Answers["enps"])
			}
			if err := byTeam.Add(resp); err != nil {
				return err
			}
			if err := rolling.Add(resp); err != nil {
				return err
			}
			if err := enpsByWave[w].Add(p.team, a); err != nil {
				return err
			}
		}
	}
	opts := pulse.Options{}
	labels := make([]string, waves)
	for w := range waves {
		labels[w] = survey.WaveStart(w).Format("2006-01")
	}

	// The latest wave: company eNPS and the heatmap by team.
	latest, err := byTeam.Report(waves-1, int64(len(people)), opts)
	if err != nil {
		return err
	}
	company := latest.Company.Cells[0].ENPS
	fmt.Printf("eNPS report, %s (%d invited, %d responses, participation %v)\n\n",
		labels[waves-1], len(people), latest.Company.Respondents, latest.Participation.Ratio)
	fmt.Printf("Company eNPS: %s\n", scoreText(*company))
	fmt.Printf("  promoters %d, passives %d, detractors %d, skipped %d\n",
		company.Promoters, company.Passives, company.Detractors, company.Skipped)
	for _, m := range []funnel.ENPSIntervalMethod{funnel.ENPSAdjustedWald, funnel.ENPSWald} {
		if iv, err := company.ENPSScore.Interval(m, 0.95); err == nil && iv.Defined {
			fmt.Printf("  95%% %s interval: %.1f to %.1f\n", m, iv.Lo, iv.Hi)
		}
	}
	fmt.Println()
	printHeatmap(latest)

	// eNPS trend by team: one breakdown per wave, so the company trend
	// minus the team trends never isolates a hidden team.
	trend, err := pulse.Trend(labels, []*pulse.Groups{&enpsByWave[0], &enpsByWave[1], &enpsByWave[2]}, opts)
	if err != nil {
		return err
	}
	fmt.Println("eNPS trend")
	for _, p := range trend {
		fmt.Printf("  %-8s company %s", p.Label, scoreText(p.Breakdown.Overall))
		if p.Change.Defined {
			fmt.Printf("   change %+.1f (SE %.1f, p = %.2f, %v)", p.Change.Diff, p.Change.SE, p.Change.PValue, p.Change.Verdict)
		}
		fmt.Println()
		for _, g := range p.Breakdown.Groups {
			fmt.Printf("           %-12s %s\n", g.Group, scoreText(g.Score))
		}
	}
	fmt.Println()

	// Wave over wave, company row.
	var reports []pulse.Report
	for w := range waves {
		rep, err := byTeam.Report(w, int64(len(people)), opts)
		if err != nil {
			return err
		}
		reports = append(reports, rep)
	}
	changes, err := pulse.Changes(reports, opts.Test)
	if err != nil {
		return err
	}
	fmt.Println("Wave over wave, company (95% intervals; verdicts need 30 answers a side)")
	for i, c := range changes {
		fmt.Printf("  %s -> %s: participation %+.1f pp (%v)\n", labels[i], labels[i+1], 100*c.Participation.Diff, c.Participation.Verdict)
		for _, q := range c.Company.Questions {
			fmt.Printf("    %-9s mean %+.2f [%+.2f, %+.2f] %-13v favourable %+5.1f pp [%+.1f, %+.1f] %v\n", q.Question,
				q.Mean.Diff, q.Mean.Interval.Lo, q.Mean.Interval.Hi, q.Mean.Verdict,
				100*q.Favourable.Diff, 100*q.Favourable.Interval.Lo, 100*q.Favourable.Interval.Hi, q.Favourable.Verdict)
		}
	}
	fmt.Println()

	// Rolling 90 days, published at each wave start only, held while too
	// few answers changed since the last published figure.
	pts, err := rolling.Series(90*24*time.Hour, 1, waves, opts)
	if err != nil {
		return err
	}
	fmt.Println("Rolling 90 days (each person's latest answers), company")
	for _, p := range pts {
		c := p.Cells[0]
		fmt.Printf("  %s: %d people, eNPS %s\n", p.At.Format(time.DateOnly), p.Respondents, scoreText(*c.ENPS))
	}
	fmt.Println()

	// One-on-ones in the last 14 days, per manager.
	asOf := survey.WaveStart(waves)
	var roster []pulse.Member
	var log []pulse.Meeting
	for _, p := range people {
		roster = append(roster, pulse.Member{Person: p.id, Manager: p.manager})
		for d := 1 + r.IntN(25); d < 60; d += 10 + r.IntN(20) {
			log = append(log, pulse.Meeting{Person: p.id, At: asOf.AddDate(0, 0, -d)})
		}
	}
	roster = append(roster, pulse.Member{Person: "ceo"}, pulse.Member{Person: "sup-10", Manager: "sup-01"}) // a new hire, not met yet
	cov, err := pulse.OneOnOnes(roster, slices.Values(log), asOf, 14*24*time.Hour, opts.Test.Confidence)
	if err != nil {
		return err
	}
	fmt.Printf("One-on-ones as of %s (14 days): %v met, 95%% %.0f%% to %.0f%%\n",
		asOf.Format(time.DateOnly), cov.Met.Ratio, 100*cov.Met.Interval.Lo, 100*cov.Met.Interval.Hi)
	for _, m := range cov.Managers {
		fmt.Printf("  %-7s direct reports %-13v everyone below %v\n", m.Manager, m.Direct.Ratio, m.All.Ratio)
	}
	fmt.Printf("  %d overdue; never met: ", len(cov.Overdue))
	var never []string
	for _, o := range cov.Overdue {
		if !o.Met {
			never = append(never, o.Person)
		}
	}
	fmt.Println(strings.Join(never, ", "))
	return nil
}

func scoreText(s pulse.Score) string {
	if v, ok := s.Round(1); ok {
		return fmt.Sprintf("%6s (n=%d)", v.StringFixed(1), s.Answered)
	}
	return "hidden (" + s.Suppressed.String() + ")"
}

// printHeatmap prints the favourable share of every question by team.
func printHeatmap(rep pulse.Report) {
	fmt.Printf("By %s, %% favourable (minimum %d answers)\n  %-12s", rep.By, rep.MinGroup, "")
	for _, c := range rep.Company.Cells {
		fmt.Printf(" %10s", c.Question)
	}
	fmt.Println()
	var hidden []string
	for _, row := range append([]pulse.Row{rep.Company}, rep.Groups...) {
		name := row.Group
		if name == "" {
			name = "company"
		}
		fmt.Printf("  %-12s", name)
		for _, c := range row.Cells {
			if f, ok := c.Favourable.Float64(); ok && c.Suppressed == pulse.Shown {
				fmt.Printf(" %9.0f%%", 100*f)
			} else {
				fmt.Printf(" %10s", "-")
				hidden = append(hidden, name+"/"+c.Question+": "+c.Suppressed.String())
			}
		}
		fmt.Println()
	}
	if len(hidden) > 0 {
		fmt.Printf("  hidden to protect confidentiality: %s\n", strings.Join(hidden, "; "))
	}
	fmt.Println()
}

func clampInt(v, lo, hi int) int { return min(hi, max(lo, v)) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
