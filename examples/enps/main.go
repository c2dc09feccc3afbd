// Command enps prints an eNPS and pulse-survey report on generated survey
// data: the company score with its uncertainty, breakdowns by team and by
// location with small groups hidden, the trend over three monthly waves,
// each wave's pulse statistics, a rolling 90-day view and the one-on-one
// cadence.
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
)

type person struct {
	id, team, location string
	mood               float64 // shifts this person's answers
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
			people = append(people, person{
				id:       fmt.Sprintf("%s-%02d", t.name[:3], i+1),
				team:     t.name,
				location: locations[r.IntN(len(locations))],
				mood:     t.mood + r.NormFloat64()*0.8,
			})
		}
	}

	survey := &funnel.Survey{
		Name: "monthly pulse",
		Questions: []funnel.SurveyQuestion{
			{ID: "enps", Text: "How likely are you to recommend us as a place to work?", ENPS: true},
			{ID: "workload", Text: "My workload is manageable.", Scale: funnel.SurveyAgree5},
			{ID: "growth", Text: "I see a path to grow here.", Scale: funnel.SurveyAgree5},
			{ID: "1on1", Text: "Did you have a one-on-one in the last two weeks?", Scale: funnel.SurveyYesNo},
		},
		Cadence: funnel.SurveyMonthly,
		Start:   time.Date(2026, time.January, 12, 9, 0, 0, 0, time.UTC),
	}
	if err := survey.Validate(); err != nil {
		return err
	}

	// Three waves; the mood drifts up a little each month. About 85% answer.
	var all []funnel.SurveyResponse
	byWave := make([][]funnel.SurveyResponse, 3)
	for w := range 3 {
		at := survey.WaveStart(w).Add(26 * time.Hour)
		for _, p := range people {
			if r.Float64() > 0.85 {
				continue
			}
			m := p.mood + 0.3*float64(w)
			resp := funnel.SurveyResponse{Respondent: p.id, At: at, Answers: map[string]int{
				"workload": clampInt(int(3.2+m+r.NormFloat64()), 1, 5),
				"growth":   clampInt(int(3+m+r.NormFloat64()), 1, 5),
				"1on1":     boolInt(r.Float64() < 0.6+0.1*m),
			}}
			if r.Float64() < 0.95 { // a few skip the eNPS question
				resp.Answers["enps"] = clampInt(int(7.6+1.4*m+1.5*r.NormFloat64()), 0, 10)
			}
			byWave[w] = append(byWave[w], resp)
			all = append(all, resp)
		}
	}
	team := make(map[string]person, len(people))
	for _, p := range people {
		team[p.id] = p
	}

	// eNPS of the latest wave, overall and by team and location.
	latest := byWave[2]
	var byTeam, byLocation, byMonth funnel.ENPSGroups
	for w, rs := range byWave {
		for _, resp := range rs {
			a := funnel.ENPSSkipped
			if v, ok := resp.Answers["enps"]; ok {
				a = funnel.ENPSAnswer(v)
			}
			if err := byMonth.Add(waveLabel(survey, w), a); err != nil {
				return err
			}
			if w != 2 {
				continue
			}
			p := team[resp.Respondent]
			if err := byTeam.Add(p.team, a); err != nil {
				return err
			}
			if err := byLocation.Add(p.location, a); err != nil {
				return err
			}
		}
	}
	fmt.Printf("eNPS report, %s (%d invited, %d responses)\n\n", waveLabel(survey, 2), len(people), len(latest))
	tb, err := byTeam.Breakdown(nil)
	if err != nil {
		return err
	}
	o := tb.Overall
	fmt.Printf("Company eNPS: %s\n", scoreText(o))
	for _, m := range []funnel.ENPSIntervalMethod{funnel.ENPSAdjustedWald, funnel.ENPSWald} {
		if iv, ok, err := o.Interval(m, 0.95); err == nil && ok {
			fmt.Printf("  95%% %s interval: %.1f to %.1f\n", m, iv.Low, iv.High)
		}
	}
	fmt.Printf("  promoters %d, passives %d, detractors %d, skipped %d\n\n", o.Promoters, o.Passives, o.Detractors, o.Skipped)
	printBreakdown("By team", tb)
	lb, err := byLocation.Breakdown(nil)
	if err != nil {
		return err
	}
	printBreakdown("By location", lb)

	labels := []string{waveLabel(survey, 0), waveLabel(survey, 1), waveLabel(survey, 2)}
	trend, err := funnel.ENPSTrend(&byMonth, labels, nil, 0.95)
	if err != nil {
		return err
	}
	fmt.Println("Trend")
	for _, p := range trend {
		fmt.Printf("  %-8s %s", p.Label, scoreText(p.Score))
		if p.HasChange {
			fmt.Printf("   change %+.1f (SE %.1f, p = %.2f)", p.Change.Change, p.Change.SE, p.Change.PValue)
		}
		fmt.Println()
	}
	fmt.Println()

	// Pulse statistics per wave, and the change from wave to wave.
	var waves []funnel.SurveyWave
	for w, rs := range byWave {
		t, err := survey.TallyOf(slices.Values(rs))
		if err != nil {
			return err
		}
		wave, err := survey.Wave(t, int64(len(people)), nil)
		if err != nil {
			return err
		}
		waves = append(waves, wave)
		part, _ := wave.Participation()
		fmt.Printf("Pulse %s: %d of %d answered (%.0f%%)\n", waveLabel(survey, w), wave.Respondents, wave.Invited, 100*part)
		for _, q := range wave.Questions {
			mean, _ := q.Mean()
			fav, _ := q.Favourability()
			fmt.Printf("  %-9s mean %5.2f  favourable %3.0f%%  skipped %d  %v\n", q.ID, mean, 100*fav, q.Skipped, q.Counts)
		}
	}
	trs, err := funnel.SurveyTrends(waves, 0.95)
	if err != nil {
		return err
	}
	fmt.Println("Wave over wave (95% intervals)")
	for i, tr := range trs {
		fmt.Printf("  %s -> %s: participation %+.1f pp\n", labels[i], labels[i+1], 100*tr.Participation.Change)
		for _, q := range tr.Questions {
			fmt.Printf("    %-9s mean %+.2f [%+.2f, %+.2f]  favourable %+.1f pp\n",
				q.ID, q.Mean.Change, q.Mean.Low, q.Mean.High, 100*q.Favourability.Change)
		}
	}
	fmt.Println()

	// Rolling 90 days: each person's latest answer.
	asOf := time.Date(2026, time.April, 1, 0, 0, 0, 0, time.UTC)
	rt, err := survey.Rolling(slices.Values(all), asOf, 90*24*time.Hour)
	if err != nil {
		return err
	}
	rw, err := survey.Wave(rt, int64(len(people)), nil)
	if err != nil {
		return err
	}
	fmt.Printf("Rolling 90 days to %s: %d people, eNPS %s\n\n", asOf.Format(time.DateOnly), rw.Respondents, scoreText(rw.ENPS))

	// One-on-ones of the support team in the last 14 days.
	var log []funnel.OneOnOne
	var roster []string
	for _, p := range people {
		if p.team != "support" {
			continue
		}
		roster = append(roster, p.id)
		for d := 1 + r.IntN(25); d < 60; d += 10 + r.IntN(20) {
			log = append(log, funnel.OneOnOne{Person: p.id, At: asOf.AddDate(0, 0, -d)})
		}
	}
	roster = append(roster, "sup-10") // a new hire with no meeting yet
	oo, err := funnel.OneOnOneCadence(roster, slices.Values(log), asOf, 14*24*time.Hour)
	if err != nil {
		return err
	}
	share, _ := oo.Share()
	fmt.Printf("One-on-ones (support, 14 days): %d of %d met (%.0f%%)\n", oo.MetWithin, oo.People, 100*share)
	for _, st := range oo.Overdue {
		if st.Met {
			fmt.Printf("  overdue: %s, last met %s (%.0f days)\n", st.Person, st.Last.Format(time.DateOnly), st.Since.Hours()/24)
		} else {
			fmt.Printf("  overdue: %s, never met\n", st.Person)
		}
	}
	return nil
}

func waveLabel(s *funnel.Survey, w int) string { return s.WaveStart(w).Format("2006-01") }

func scoreText(s funnel.ENPSScore) string {
	if v, ok := s.Round(1); ok {
		return fmt.Sprintf("%6s (n=%d)", v.StringFixed(1), s.Total)
	}
	return "hidden (" + s.Suppressed.String() + ")"
}

func printBreakdown(title string, b funnel.ENPSBreakdown) {
	fmt.Println(title)
	fmt.Printf("  %-12s %s\n", "all", scoreText(b.Overall))
	var hidden []string
	for _, g := range b.Groups {
		fmt.Printf("  %-12s %s\n", g.Group, scoreText(g.Score))
		if g.Score.Suppressed != funnel.ENPSShown {
			hidden = append(hidden, g.Group+": "+g.Score.Suppressed.String())
		}
	}
	if len(hidden) > 0 {
		fmt.Printf("  hidden to protect confidentiality (minimum %d answers): %s\n", funnel.ENPSDefaultMinGroupSize, strings.Join(hidden, "; "))
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
