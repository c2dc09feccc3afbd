package funnel_test

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
)

var start = time.Date(2026, time.January, 5, 9, 0, 0, 0, time.UTC)

func pulse() *funnel.Survey {
	return &funnel.Survey{
		Name: "monthly pulse",
		Questions: []funnel.SurveyQuestion{
			{ID: "enps", Text: "How likely are you to recommend us as a place to work?", ENPS: true},
			{ID: "tools", Text: "I have the tools I need.", Scale: funnel.SurveyAgree5},
			{ID: "1on1", Text: "Did you have a one-on-one this month?", Scale: funnel.SurveyYesNo},
		},
		Cadence: funnel.SurveyMonthly,
		Start:   start,
	}
}

// responses builds one response per triple (enps, tools, 1on1); -1 skips.
func responses(at time.Time, answers ...[3]int) []funnel.SurveyResponse {
	var rs []funnel.SurveyResponse
	for i, a := range answers {
		r := funnel.SurveyResponse{Respondent: fmt.Sprintf("p%d", i+1), At: at, Answers: map[string]int{}}
		for j, id := range []string{"enps", "tools", "1on1"} {
			if a[j] >= 0 {
				r.Answers[id] = a[j]
			}
		}
		rs = append(rs, r)
	}
	return rs
}

var (
	january  = responses(start.AddDate(0, 0, 1), [3]int{10, 5, 1}, [3]int{9, 4, 1}, [3]int{7, 3, 0}, [3]int{3, 2, 1}, [3]int{8, 4, -1}, [3]int{-1, 5, 0})
	february = responses(start.AddDate(0, 1, 1), [3]int{10, 5, 1}, [3]int{10, 5, 1}, [3]int{9, 4, 1}, [3]int{8, 4, 0}, [3]int{7, 3, 1}, [3]int{6, 4, 1}, [3]int{10, 5, 1})
)

func Example_pulse() {
	s := pulse()
	var waves []funnel.SurveyWave
	for _, rs := range [][]funnel.SurveyResponse{january, february} {
		t, err := s.TallyOf(slices.Values(rs))
		if err != nil {
			fmt.Println(err)
			return
		}
		w, _ := s.Wave(t, 8, nil)
		waves = append(waves, w)
	}
	for i, w := range waves {
		p, _ := w.Participation()
		e, _ := w.ENPS.Round(0)
		tools, _ := w.Questions[1].Favourability()
		fmt.Printf("wave %d: participation %.0f%%, eNPS %v, tools favourable %.0f%%\n", i, 100*p, e, 100*tools)
	}
	tr, _ := funnel.SurveyTrends(waves, 0.95)
	fmt.Printf("tools mean %+.2f (SE %.2f), eNPS %+.1f (p = %.2f)\n",
		tr[0].Questions[1].Mean.Change, tr[0].Questions[1].Mean.SE, tr[0].ENPS.Change, tr[0].ENPS.PValue)
	// Output:
	// wave 0: participation 75%, eNPS 20, tools favourable 67%
	// wave 1: participation 88%, eNPS 43, tools favourable 86%
	// tools mean +0.45 (SE 0.56), eNPS +22.9 (p = 0.60)
}

func ExampleSurveyScale() {
	for _, sc := range []funnel.SurveyScale{funnel.SurveyScale0to10, funnel.SurveyAgree5, funnel.SurveyYesNo} {
		lo, hi, _ := sc.Bounds()
		fmt.Printf("%v: %d..%d\n", sc, lo, hi)
	}
	// Output:
	// 0-10: 0..10
	// agree 1-5: 1..5
	// yes/no: 0..1
}

func ExampleSurveyScale_String() {
	fmt.Println(funnel.SurveyAgree5.String())
	// Output: agree 1-5
}

func ExampleSurveyScale_Bounds() {
	_, _, ok := funnel.SurveyScale(9).Bounds()
	fmt.Println(ok)
	// Output: false
}

func ExampleSurveyCadence() {
	s := &funnel.Survey{Cadence: funnel.SurveyBiweekly, Start: start}
	fmt.Println(s.Cadence, s.WaveStart(2).Format(time.DateOnly))
	// Output: biweekly 2026-02-02
}

func ExampleSurveyCadence_String() {
	fmt.Println(funnel.SurveyQuarterly.String())
	// Output: quarterly
}

func ExampleSurveyQuestion() {
	// A stricter favourable threshold: only "strongly agree" (5).
	q := funnel.SurveyQuestion{ID: "growth", Scale: funnel.SurveyAgree5, FavourableMin: 5}
	s := &funnel.Survey{Questions: []funnel.SurveyQuestion{q}, Start: start}
	t, _ := s.TallyOf(slices.Values([]funnel.SurveyResponse{
		{Answers: map[string]int{"growth": 5}}, {Answers: map[string]int{"growth": 4}},
		{Answers: map[string]int{"growth": 5}}, {Answers: map[string]int{"growth": 2}},
		{Answers: map[string]int{"growth": 4}},
	}))
	w, _ := s.Wave(t, 5, nil)
	f, _ := w.Questions[0].Favourability()
	fmt.Printf("%.0f%%\n", 100*f)
	// Output: 40%
}

func ExampleSurvey() {
	s := pulse()
	fmt.Println(s.Name, len(s.Questions), s.Cadence, s.Validate())
	// Output: monthly pulse 3 monthly <nil>
}

func ExampleSurvey_Validate() {
	s := pulse()
	for i := range 8 {
		s.Questions = append(s.Questions, funnel.SurveyQuestion{ID: fmt.Sprint("q", i)})
	}
	err := s.Validate()
	fmt.Println(errors.Is(err, funnel.ErrSurvey))
	fmt.Println(err)
	// Output:
	// true
	// funnel: survey "monthly pulse" has 11 questions, want 1 to 10: funnel: invalid survey
}

func ExampleSurvey_WaveStart() {
	s := pulse()
	for k := range 3 {
		fmt.Println(s.WaveStart(k).Format(time.DateTime))
	}
	// Output:
	// 2026-01-05 09:00:00
	// 2026-02-05 09:00:00
	// 2026-03-05 09:00:00
}

func ExampleSurvey_WaveOf() {
	s := pulse()
	for _, at := range []time.Time{
		time.Date(2026, 2, 5, 8, 59, 0, 0, time.UTC),
		time.Date(2026, 2, 5, 9, 0, 0, 0, time.UTC),
		time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC),
	} {
		k, ok := s.WaveOf(at)
		fmt.Println(k, ok)
	}
	// Output:
	// 0 true
	// 1 true
	// 0 false
}

func ExampleSurvey_CheckResponse() {
	err := pulse().CheckResponse(funnel.SurveyResponse{Respondent: "p9", Answers: map[string]int{"tools": 6}})
	fmt.Println(err)
	// Output: funnel: respondent "p9" question "tools" answer 6: funnel: invalid survey answer
}

func ExampleSurvey_TallyOf() {
	t, err := pulse().TallyOf(slices.Values(january))
	fmt.Println(t.Respondents(), t.Count("enps", 9), err)
	// Output: 6 1 <nil>
}

func ExampleSurvey_Rolling() {
	s := pulse()
	asOf := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	// p1 answered in January and February: only February counts. p6
	// skipped eNPS in January and is outside the window by April.
	rs := append(slices.Clone(january), february...)
	t, _ := s.Rolling(slices.Values(rs), asOf, 60*24*time.Hour)
	fmt.Println(t.Respondents(), t.Count("enps", 10))
	// Output: 7 3
}

func ExampleSurvey_Wave() {
	s := pulse()
	t, _ := s.TallyOf(slices.Values(january))
	w, _ := s.Wave(t, 8, nil)
	for _, q := range w.Questions {
		m, _ := q.Mean()
		fmt.Printf("%s: n=%d skipped=%d mean=%.2f counts=%v\n", q.ID, q.Answered, q.Skipped, m, q.Counts)
	}
	fmt.Println("eNPS:", show(w.ENPS))
	// Output:
	// enps: n=5 skipped=1 mean=7.40 counts=[0 0 0 1 0 0 0 1 1 1 1]
	// tools: n=6 skipped=0 mean=3.83 counts=[0 1 1 2 2]
	// 1on1: n=5 skipped=1 mean=0.60 counts=[2 3]
	// eNPS: 20 (P 2 / Pa 2 / D 1)
}

func ExampleSurveyResponse() {
	r := funnel.SurveyResponse{Respondent: "p1", At: start, Answers: map[string]int{"enps": 9, "1on1": 1}}
	_, skippedTools := r.Answers["tools"]
	fmt.Println(len(r.Answers), !skippedTools)
	// Output: 2 true
}

func ExampleSurveyAnswerError() {
	_, err := pulse().TallyOf(slices.Values([]funnel.SurveyResponse{{Respondent: "p3", Answers: map[string]int{"mood": 3}}}))
	var ae *funnel.SurveyAnswerError
	if errors.As(err, &ae) {
		fmt.Println(ae.Respondent, ae.Question, ae.Answer)
	}
	// Output: p3 mood 3
}

func ExampleSurveyAnswerError_Error() {
	e := &funnel.SurveyAnswerError{Respondent: "p1", Question: "1on1", Answer: 2, Err: funnel.ErrSurveyAnswer}
	fmt.Println(e.Error())
	// Output: funnel: respondent "p1" question "1on1" answer 2: funnel: invalid survey answer
}

func ExampleSurveyAnswerError_Unwrap() {
	e := &funnel.SurveyAnswerError{Err: funnel.ErrSurveyAnswer}
	fmt.Println(e.Unwrap() == funnel.ErrSurveyAnswer)
	// Output: true
}

func ExampleSurveyTally() {
	var t funnel.SurveyTally // ready to use
	for _, r := range january {
		_ = t.Add(r)
	}
	fmt.Println(t.Respondents())
	// Output: 6
}

func ExampleSurveyTally_Add() {
	var t funnel.SurveyTally
	err := t.Add(funnel.SurveyResponse{Answers: map[string]int{"enps": 12}})
	fmt.Println(errors.Is(err, funnel.ErrSurveyAnswer), t.Respondents())
	// Output: true 0
}

func ExampleSurveyTally_Merge() {
	var a, b funnel.SurveyTally
	for _, r := range january[:3] {
		_ = a.Add(r)
	}
	for _, r := range january[3:] {
		_ = b.Add(r)
	}
	a.Merge(&b)
	fmt.Println(a.Respondents(), a.Count("tools", 5))
	// Output: 6 2
}

func ExampleSurveyTally_Respondents() {
	var t funnel.SurveyTally
	_ = t.Add(funnel.SurveyResponse{}) // everything skipped still counts
	fmt.Println(t.Respondents())
	// Output: 1
}

func ExampleSurveyTally_Count() {
	t, _ := pulse().TallyOf(slices.Values(january))
	fmt.Println(t.Count("1on1", 1), t.Count("1on1", 0))
	// Output: 3 2
}

func ExampleSurveyQuestionResult() {
	q := funnel.SurveyQuestionResult{ID: "tools", Scale: funnel.SurveyAgree5, Answered: 4, Counts: []int64{0, 0, 1, 2, 1}, Sum: 16, Favourable: 3}
	m, _ := q.Mean()
	f, _ := q.Favourability()
	fmt.Println(m, f)
	// Output: 4 0.75
}

func ExampleSurveyQuestionResult_Mean() {
	_, ok := funnel.SurveyQuestionResult{Suppressed: true}.Mean()
	fmt.Println(ok)
	// Output: false
}

func ExampleSurveyQuestionResult_Favourability() {
	f, ok := funnel.SurveyQuestionResult{Answered: 8, Favourable: 6}.Favourability()
	fmt.Println(f, ok)
	// Output: 0.75 true
}

func ExampleSurveyWave() {
	s := pulse()
	t, _ := s.TallyOf(slices.Values(january))
	w, _ := s.Wave(t, 8, &funnel.ENPSOptions{MinGroupSize: 7}) // 6 respondents: hidden
	fmt.Println(w.Suppressed, w.Respondents, len(w.Questions), w.ENPS.Suppressed)
	// Output: true 6 0 too few answers
}

func ExampleSurveyWave_Participation() {
	p, ok := funnel.SurveyWave{Invited: 40, Respondents: 31}.Participation()
	fmt.Println(p, ok)
	// Output: 0.775 true
}

func ExampleSurveyChange() {
	c := funnel.SurveyChange{Change: 0.125, SE: 0.19, Low: -0.25, High: 0.5}
	fmt.Printf("%+.1f pp (SE %.1f)\n", 100*c.Change, 100*c.SE)
	// Output: +12.5 pp (SE 19.0)
}

func ExampleSurveyQuestionTrend() {
	s := pulse()
	t1, _ := s.TallyOf(slices.Values(january))
	t2, _ := s.TallyOf(slices.Values(february))
	w1, _ := s.Wave(t1, 8, nil)
	w2, _ := s.Wave(t2, 8, nil)
	tr, _ := funnel.SurveyCompare(w1, w2, 0.95)
	for _, q := range tr.Questions {
		fmt.Printf("%s: favourable %+.1f pp [%+.1f, %+.1f]\n", q.ID, 100*q.Favourability.Change, 100*q.Favourability.Low, 100*q.Favourability.High)
	}
	// Output:
	// enps: favourable +17.1 pp [-39.3, +73.6]
	// tools: favourable +19.0 pp [-26.7, +64.8]
	// 1on1: favourable +25.7 pp [-24.4, +75.9]
}

func ExampleSurveyTrend() {
	s := pulse()
	t1, _ := s.TallyOf(slices.Values(january))
	t2, _ := s.TallyOf(slices.Values(february))
	w1, _ := s.Wave(t1, 8, nil)
	w2, _ := s.Wave(t2, 8, nil)
	tr, _ := funnel.SurveyCompare(w1, w2, 0.95)
	fmt.Printf("participation %+.1f pp (SE %.1f)\n", 100*tr.Participation.Change, 100*tr.Participation.SE)
	// Output: participation +12.5 pp (SE 19.3)
}

func ExampleSurveyCompare() {
	s := pulse()
	t1, _ := s.TallyOf(slices.Values(january))
	t2, _ := s.TallyOf(slices.Values(february))
	w1, _ := s.Wave(t1, 8, nil)
	w2, _ := s.Wave(t2, 8, nil)
	tr, err := funnel.SurveyCompare(w1, w2, 0.95)
	fmt.Printf("eNPS %+.1f [%.1f, %.1f] %v\n", tr.ENPS.Change, tr.ENPS.Low, tr.ENPS.High, err)
	// Output: eNPS +22.9 [-62.1, 107.8] <nil>
}

func ExampleSurveyTrends() {
	s := pulse()
	var waves []funnel.SurveyWave
	for _, rs := range [][]funnel.SurveyResponse{january, february, january} {
		t, _ := s.TallyOf(slices.Values(rs))
		w, _ := s.Wave(t, 8, nil)
		waves = append(waves, w)
	}
	trs, _ := funnel.SurveyTrends(waves, 0.95)
	for _, tr := range trs {
		fmt.Printf("%+.1f\n", tr.ENPS.Change)
	}
	// Output:
	// +22.9
	// -22.9
}

func ExampleOneOnOne() {
	m := funnel.OneOnOne{Person: "ann", At: start}
	fmt.Println(m.Person, m.At.Format(time.DateOnly))
	// Output: ann 2026-01-05
}

func ExampleOneOnOneStatus() {
	st := funnel.OneOnOneStatus{Person: "bob", Met: true, Last: start, Since: 16 * 24 * time.Hour}
	fmt.Println(st.Person, st.Since.Hours()/24, "days")
	// Output: bob 16 days
}

func ExampleOneOnOneReport() {
	r := funnel.OneOnOneReport{People: 4, MetWithin: 3, Overdue: []funnel.OneOnOneStatus{{Person: "dee"}}}
	fmt.Println(r.Overdue[0].Person, r.Overdue[0].Met)
	// Output: dee false
}

func ExampleOneOnOneReport_Share() {
	sh, ok := funnel.OneOnOneReport{People: 4, MetWithin: 3}.Share()
	fmt.Println(sh, ok)
	// Output: 0.75 true
}

func ExampleOneOnOneCadence() {
	asOf := time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return asOf.AddDate(0, 0, -days) }
	log := []funnel.OneOnOne{{"ann", ago(3)}, {"bob", ago(20)}, {"bob", ago(16)}, {"cy", ago(9)}, {"dee", ago(-2)}}
	r, _ := funnel.OneOnOneCadence([]string{"ann", "bob", "cy", "dee"}, slices.Values(log), asOf, 14*24*time.Hour)
	sh, _ := r.Share()
	fmt.Printf("met within 14 days: %d of %d (%.0f%%)\n", r.MetWithin, r.People, 100*sh)
	for _, o := range r.Overdue {
		if o.Met {
			fmt.Printf("overdue: %s, last met %.0f days ago\n", o.Person, o.Since.Hours()/24)
		} else {
			fmt.Printf("overdue: %s, never met\n", o.Person)
		}
	}
	// Output:
	// met within 14 days: 2 of 4 (50%)
	// overdue: dee, never met
	// overdue: bob, last met 16 days ago
}
