package funnel

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var jan5 = time.Date(2026, time.January, 5, 0, 0, 0, 0, time.UTC)

func testSurvey() *Survey {
	return &Survey{
		Name: "pulse",
		Questions: []SurveyQuestion{
			{ID: "enps", Text: "How likely are you to recommend us as a place to work?", ENPS: true},
			{ID: "agree", Text: "I have what I need to do my job.", Scale: SurveyAgree5},
			{ID: "yesno", Text: "Did you have a one-on-one this month?", Scale: SurveyYesNo},
		},
		Cadence: SurveyMonthly,
		Start:   jan5,
	}
}

// resp builds a response; a negative answer means the question was skipped.
func resp(who string, at time.Time, enps, agree, yesno int) SurveyResponse {
	r := SurveyResponse{Respondent: who, At: at, Answers: map[string]int{}}
	for id, a := range map[string]int{"enps": enps, "agree": agree, "yesno": yesno} {
		if a >= 0 {
			r.Answers[id] = a
		}
	}
	return r
}

func wave1() []SurveyResponse {
	at := jan5.Add(24 * time.Hour)
	return []SurveyResponse{
		resp("r1", at, 10, 5, 1), resp("r2", at, 9, 4, 1), resp("r3", at, 7, 3, 0),
		resp("r4", at, 3, 2, 1), resp("r5", at, 8, 4, -1), resp("r6", at, -1, 5, 0),
	}
}

func wave2() []SurveyResponse {
	at := jan5.AddDate(0, 1, 1)
	return []SurveyResponse{
		resp("r1", at, 10, 5, 1), resp("r2", at, 10, 5, 1), resp("r3", at, 9, 4, 1),
		resp("r4", at, 8, 4, 0), resp("r5", at, 7, 3, 1), resp("r6", at, 6, 4, 1), resp("r7", at, 10, 5, 1),
	}
}

func TestSurveyValidate(t *testing.T) {
	if err := testSurvey().Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	ten := make([]SurveyQuestion, 10)
	for i := range ten {
		ten[i] = SurveyQuestion{ID: string(rune('a' + i))}
	}
	if err := (&Survey{Questions: ten, Start: jan5}).Validate(); err != nil {
		t.Errorf("10 questions: %v", err)
	}
	bad := map[string]func(s *Survey){
		"no questions":  func(s *Survey) { s.Questions = nil },
		"11 questions":  func(s *Survey) { s.Questions = append(slices.Clone(ten), SurveyQuestion{ID: "k"}) },
		"empty ID":      func(s *Survey) { s.Questions[1].ID = "" },
		"repeated ID":   func(s *Survey) { s.Questions[2].ID = "agree" },
		"unknown scale": func(s *Survey) { s.Questions[1].Scale = 9 },
		"favourable 0 on 1-5 is default, 6 is off": func(s *Survey) { s.Questions[1].FavourableMin = 6 },
		"favourable 2 on yes/no":                   func(s *Survey) { s.Questions[2].FavourableMin = 2 },
		"eNPS on 1-5":                              func(s *Survey) { s.Questions[1].ENPS = true; s.Questions[0].ENPS = false },
		"two eNPS":                                 func(s *Survey) { s.Questions[2].Scale = SurveyScale0to10; s.Questions[2].ENPS = true },
		"unknown cadence":                          func(s *Survey) { s.Cadence = 7 },
		"no start":                                 func(s *Survey) { s.Start = time.Time{} },
		"monthly on the 29th":                      func(s *Survey) { s.Start = time.Date(2026, 1, 29, 0, 0, 0, 0, time.UTC) },
		"quarterly on the 31st": func(s *Survey) {
			s.Cadence = SurveyQuarterly
			s.Start = time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
		},
	}
	for name, mutate := range bad {
		s := testSurvey()
		mutate(s)
		if err := s.Validate(); !errors.Is(err, ErrSurvey) {
			t.Errorf("%s: Validate() = %v, want ErrSurvey", name, err)
		}
		if _, err := s.Wave(&SurveyTally{}, 0, nil); !errors.Is(err, ErrSurvey) {
			t.Errorf("%s: Wave() = %v, want ErrSurvey", name, err)
		}
	}
	weekly29 := testSurvey()
	weekly29.Cadence = SurveyWeekly
	weekly29.Start = time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	if err := weekly29.Validate(); err != nil {
		t.Errorf("weekly survey starting on the 31st: %v", err)
	}
}

func TestSurveyWaves(t *testing.T) {
	d := func(y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, time.UTC)
	}
	// Wave boundaries worked out on a calendar.
	tests := []struct {
		cadence SurveyCadence
		start   time.Time
		at      time.Time
		want    int
		ok      bool
	}{
		{SurveyWeekly, jan5, d(2026, 1, 4, 23, 59), 0, false},
		{SurveyWeekly, jan5, jan5, 0, true},
		{SurveyWeekly, jan5, d(2026, 1, 11, 23, 59), 0, true},
		{SurveyWeekly, jan5, d(2026, 1, 12, 0, 0), 1, true},
		{SurveyWeekly, jan5, d(2026, 12, 31, 12, 0), 51, true}, // Dec 28 is Jan 5 + 357 days
		{SurveyBiweekly, jan5, d(2026, 1, 18, 23, 59), 0, true},
		{SurveyBiweekly, jan5, d(2026, 1, 19, 0, 0), 1, true},
		{SurveyMonthly, d(2026, 1, 15, 9, 0), d(2026, 2, 15, 8, 59), 0, true},
		{SurveyMonthly, d(2026, 1, 15, 9, 0), d(2026, 2, 15, 9, 0), 1, true},
		{SurveyMonthly, d(2026, 1, 15, 9, 0), d(2026, 12, 31, 0, 0), 11, true},
		{SurveyMonthly, d(2026, 1, 15, 9, 0), d(2027, 1, 15, 8, 0), 11, true},
		{SurveyQuarterly, d(2026, 1, 15, 0, 0), d(2026, 4, 14, 23, 0), 0, true},
		{SurveyQuarterly, d(2026, 1, 15, 0, 0), d(2026, 4, 15, 0, 0), 1, true},
		{SurveyQuarterly, d(2026, 1, 15, 0, 0), d(2027, 1, 15, 0, 0), 4, true},
	}
	for _, tt := range tests {
		s := &Survey{Cadence: tt.cadence, Start: tt.start}
		got, ok := s.WaveOf(tt.at)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%v from %v: WaveOf(%v) = %d, %v; want %d, %v", tt.cadence, tt.start, tt.at, got, ok, tt.want, tt.ok)
		}
	}
	// Property: WaveStart(k) <= t < WaveStart(k+1) for random times.
	r := rand.New(rand.NewPCG(7, 7))
	for _, c := range []SurveyCadence{SurveyWeekly, SurveyBiweekly, SurveyMonthly, SurveyQuarterly} {
		s := &Survey{Cadence: c, Start: d(2025, 3, 28, 17, 30)}
		for range 300 {
			at := s.Start.Add(time.Duration(r.Int64N(int64(5 * 365 * 24 * time.Hour))))
			k, ok := s.WaveOf(at)
			if !ok || s.WaveStart(k).After(at) || !s.WaveStart(k+1).After(at) {
				t.Fatalf("%v: WaveOf(%v) = %d, %v; wave %v..%v", c, at, k, ok, s.WaveStart(k), s.WaveStart(k+1))
			}
		}
	}
	// Calendar days across a daylight-saving change.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data")
	}
	s := &Survey{Cadence: SurveyWeekly, Start: time.Date(2026, 3, 23, 0, 0, 0, 0, berlin)}
	if got, want := s.WaveStart(1), time.Date(2026, 3, 30, 0, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("WaveStart(1) across DST = %v, want %v", got, want)
	}
	if k, _ := s.WaveOf(time.Date(2026, 3, 29, 23, 30, 0, 0, berlin)); k != 0 {
		t.Errorf("WaveOf(Sunday 23:30 after DST) = %d, want 0", k)
	}
}

func TestSurveyWave(t *testing.T) {
	s := testSurvey()
	tl, err := s.TallyOf(slices.Values(wave1()))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Wave(tl, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Worked by hand from wave1(): eNPS answers 10 9 7 3 8 (one skip),
	// agreement 5 4 3 2 4 5, yes/no 1 1 0 1 0 (one skip).
	want := SurveyWave{
		Invited: 8, Respondents: 6,
		Questions: []SurveyQuestionResult{
			{ID: "enps", Scale: SurveyScale0to10, Answered: 5, Skipped: 1,
				Counts: []int64{0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1}, Sum: 37, Favourable: 2},
			{ID: "agree", Scale: SurveyAgree5, Answered: 6, Skipped: 0, Counts: []int64{0, 1, 1, 2, 2}, Sum: 23, Favourable: 4},
			{ID: "yesno", Scale: SurveyYesNo, Answered: 5, Skipped: 1, Counts: []int64{2, 3}, Sum: 3, Favourable: 3},
		},
		ENPS:    ENPSScore{Promoters: 2, Passives: 2, Detractors: 1, Skipped: 1, Total: 5},
		HasENPS: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Wave mismatch (-want +got):\n%s", diff)
	}
	if p, ok := got.Participation(); !ok || p != 0.75 {
		t.Errorf("Participation() = %v, %v; want 0.75", p, ok)
	}
	if m, ok := got.Questions[1].Mean(); !ok || m != 23.0/6 {
		t.Errorf("agree Mean() = %v, %v; want 23/6", m, ok)
	}
	if f, ok := got.Questions[0].Favourability(); !ok || f != 0.4 {
		t.Errorf("enps Favourability() = %v, %v; want 0.4", f, ok)
	}

	// Skipping the eNPS question counted as passive: 6 counted, 2/3/1.
	got, _ = s.Wave(tl, 8, &ENPSOptions{SkippedAsPassive: true})
	if diff := cmp.Diff(ENPSScore{Promoters: 2, Passives: 3, Detractors: 1, Skipped: 1, Total: 6}, got.ENPS); diff != "" {
		t.Errorf("SkippedAsPassive eNPS mismatch (-want +got):\n%s", diff)
	}

	// Minimum 6: the eNPS and yes/no questions (5 answers) are hidden.
	got, _ = s.Wave(tl, 8, &ENPSOptions{MinGroupSize: 6})
	if !got.Questions[0].Suppressed || got.Questions[1].Suppressed || !got.Questions[2].Suppressed ||
		got.ENPS.Suppressed != ENPSTooFew || got.Questions[0].Counts != nil {
		t.Errorf("minimum 6: %+v", got)
	}
	if _, ok := got.Questions[0].Mean(); ok {
		t.Errorf("suppressed question has a mean")
	}

	// Minimum 7: the whole wave (6 respondents) is hidden.
	got, _ = s.Wave(tl, 8, &ENPSOptions{MinGroupSize: 7})
	wantHidden := SurveyWave{Invited: 8, Respondents: 6, Suppressed: true, ENPS: ENPSScore{Suppressed: ENPSTooFew}, HasENPS: true}
	if diff := cmp.Diff(wantHidden, got); diff != "" {
		t.Errorf("hidden wave mismatch (-want +got):\n%s", diff)
	}

	// Empty tally, nobody invited: no participation, all hidden.
	got, err = s.Wave(&SurveyTally{}, 0, nil)
	if err != nil || !got.Suppressed {
		t.Errorf("empty wave = %+v, %v", got, err)
	}
	if _, ok := got.Participation(); ok {
		t.Errorf("Participation of nobody invited: ok = true")
	}
	if _, err := s.Wave(tl, 5, nil); !errors.Is(err, ErrSurveyResponse) {
		t.Errorf("6 respondents of 5 invited: %v", err)
	}
	if _, err := s.Wave(tl, 8, &ENPSOptions{Bands: ENPSBands{3, 2}}); !errors.Is(err, ErrENPSBands) {
		t.Errorf("bad bands: %v", err)
	}
}

func TestSurveyBadAnswers(t *testing.T) {
	s := testSurvey()
	tests := []struct {
		r    SurveyResponse
		q    string
		a    int
		desc string
	}{
		{SurveyResponse{Respondent: "x", Answers: map[string]int{"agree": 6}}, "agree", 6, "6 on 1-5"},
		{SurveyResponse{Respondent: "x", Answers: map[string]int{"agree": 0}}, "agree", 0, "0 on 1-5"},
		{SurveyResponse{Respondent: "x", Answers: map[string]int{"yesno": 2}}, "yesno", 2, "2 on yes/no"},
		{SurveyResponse{Respondent: "x", Answers: map[string]int{"enps": 11}}, "enps", 11, "11 on 0-10"},
		{SurveyResponse{Respondent: "x", Answers: map[string]int{"enps": 5, "mood": 3}}, "mood", 3, "unknown question"},
	}
	for _, tt := range tests {
		err := s.CheckResponse(tt.r)
		var ae *SurveyAnswerError
		if !errors.As(err, &ae) || !errors.Is(err, ErrSurveyAnswer) {
			t.Errorf("%s: CheckResponse = %v, want *SurveyAnswerError", tt.desc, err)
			continue
		}
		if diff := cmp.Diff(SurveyAnswerError{Respondent: "x", Question: tt.q, Answer: tt.a, Err: ErrSurveyAnswer}, *ae, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("%s: error mismatch (-want +got):\n%s", tt.desc, diff)
		}
		rs := append(wave1(), tt.r)
		if _, err := s.TallyOf(slices.Values(rs)); !errors.Is(err, ErrSurveyAnswer) || !strings.Contains(err.Error(), "response 6") {
			t.Errorf("%s: TallyOf = %v, want the position named", tt.desc, err)
		}
	}
	// Add checks 0..10 only; Wave then rejects answers off their scale.
	var tl SurveyTally
	if err := tl.Add(SurveyResponse{Answers: map[string]int{"agree": -1}}); !errors.Is(err, ErrSurveyAnswer) || tl.Respondents() != 0 {
		t.Errorf("Add(-1) = %v, respondents %d", err, tl.Respondents())
	}
	for _, r := range []SurveyResponse{{Answers: map[string]int{"agree": 0}}, {Answers: map[string]int{"mood": 1}}} {
		var tl SurveyTally
		for range 5 {
			_ = tl.Add(r)
		}
		if _, err := s.Wave(&tl, 10, nil); !errors.Is(err, ErrSurveyAnswer) {
			t.Errorf("Wave with %v = %v, want ErrSurveyAnswer", r.Answers, err)
		}
	}
}

func TestSurveyTallyMerge(t *testing.T) {
	rs := append(wave1(), wave2()...)
	var whole SurveyTally
	for _, r := range rs {
		_ = whole.Add(r)
	}
	allow := cmp.AllowUnexported(SurveyTally{})
	for cut := 0; cut <= len(rs); cut++ {
		var a, b SurveyTally
		for _, r := range rs[:cut] {
			_ = a.Add(r)
		}
		for _, r := range rs[cut:] {
			_ = b.Add(r)
		}
		a.Merge(&b)
		if diff := cmp.Diff(whole, a, allow, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("cut %d: merge differs from one pass:\n%s", cut, diff)
		}
	}
	// Independent count: answer 10 to "enps" appears in r1 of wave 1 and
	// r1, r2, r7 of wave 2.
	if whole.Count("enps", 10) != 4 || whole.Count("nope", 1) != 0 || whole.Count("enps", 11) != 0 || whole.Respondents() != 13 {
		t.Errorf("Count(enps,10)=%d Respondents=%d", whole.Count("enps", 10), whole.Respondents())
	}
	whole.Merge(nil)
}

func TestSurveyCompare(t *testing.T) {
	s := testSurvey()
	t1, _ := s.TallyOf(slices.Values(wave1()))
	t2, _ := s.TallyOf(slices.Values(wave2()))
	w1, _ := s.Wave(t1, 8, nil)
	w2, _ := s.Wave(t2, 8, nil)
	got, err := SurveyTrends([]SurveyWave{w1, w2}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	// Every number from python3, testdata/enps/pulse.py.
	want := []SurveyTrend{{
		Participation:    SurveyChange{0.125, 0.192637937593, -0.252563419738, 0.502563419738},
		HasParticipation: true,
		Questions: []SurveyQuestionTrend{
			{ID: "enps", HasMean: true, HasFavourability: true,
				Mean:          SurveyChange{1.17142857143, 1.35430781577, -1.48296597147, 3.82582311432},
				Favourability: SurveyChange{0.171428571429, 0.288071905504, -0.393181988316, 0.736039131174}},
			{ID: "agree", HasMean: true, HasFavourability: true,
				Mean:          SurveyChange{0.452380952381, 0.556246735576, -0.637842615866, 1.54260452063},
				Favourability: SurveyChange{0.190476190476, 0.233516055995, -0.267206869085, 0.648159250038}},
			{ID: "yesno", HasMean: true, HasFavourability: true,
				Mean:          SurveyChange{0.257142857143, 0.283563332018, -0.298631060949, 0.812916775235},
				Favourability: SurveyChange{0.257142857143, 0.255915437929, -0.244442184285, 0.758727898571}},
		},
		ENPS: ENPSDifference{Confidence: 0.95, Change: 22.8571428571, SE: 43.3360991866, Low: -62.0800507791,
			High: 107.794336493, Z: 0.52743886243, PValue: 0.597888862032, Tested: true},
		HasENPS: true,
	}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("SurveyTrends mismatch (-want +got):\n%s", diff)
	}
	// A hidden wave has no changes except participation.
	hidden, _ := s.Wave(t1, 8, &ENPSOptions{MinGroupSize: 7})
	tr, err := SurveyCompare(hidden, w2, 0.95)
	if err != nil || len(tr.Questions) != 0 || tr.HasENPS || !tr.HasParticipation {
		t.Errorf("compare with hidden wave = %+v, %v", tr, err)
	}
	if out, err := SurveyTrends([]SurveyWave{w1}, 0.95); err != nil || len(out) != 0 {
		t.Errorf("one wave: %v, %v", out, err)
	}
	if _, err := SurveyTrends(nil, 1.5); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("confidence 1.5: %v", err)
	}
	if _, err := SurveyCompare(w1, w2, 0); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("confidence 0: %v", err)
	}
}

func TestSurveyRolling(t *testing.T) {
	s := testSurvey()
	asOf := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return asOf.AddDate(0, 0, -n) }
	rs := []SurveyResponse{
		resp("ann", day(100), 0, 1, 0), // outside 90 days
		resp("ann", day(60), 6, 2, 0),
		resp("ann", day(10), 10, -1, 1), // latest; keeps agree 2 from day 60
		resp("bob", day(30), 9, 4, 1),
		resp("bob", day(30), 8, 5, 1), // same time: later in sequence wins
		resp("cy", day(90), 3, 3, 0),  // exactly 90 days: outside (a, b]
		resp("cy", day(-1), 3, 3, 0),  // after asOf: ignored
		resp("dee", day(0), -1, -1, -1),
		resp("eve", day(89), 7, 5, 0),
	}
	got, err := s.Rolling(slices.Values(rs), asOf, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: ann {10, 2, 1}, bob {8, 5, 1}, dee {} (counted), eve {7, 5, 0}.
	var want SurveyTally
	for _, r := range []SurveyResponse{resp("ann", asOf, 10, 2, 1), resp("bob", asOf, 8, 5, 1), resp("dee", asOf, -1, -1, -1), resp("eve", asOf, 7, 5, 0)} {
		_ = want.Add(r)
	}
	if diff := cmp.Diff(want, *got, cmp.AllowUnexported(SurveyTally{})); diff != "" {
		t.Errorf("Rolling mismatch (-want +got):\n%s", diff)
	}
	if _, err := s.Rolling(slices.Values(rs), asOf, 0); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("window 0: %v", err)
	}
	anon := append(slices.Clone(rs), SurveyResponse{At: day(1), Answers: map[string]int{"enps": 5}})
	if _, err := s.Rolling(slices.Values(anon), asOf, 90*24*time.Hour); !errors.Is(err, ErrSurveyResponse) {
		t.Errorf("anonymous response: %v", err)
	}
	bad := append(slices.Clone(rs), resp("zed", day(1), 12, 1, 1))
	if _, err := s.Rolling(slices.Values(bad), asOf, 90*24*time.Hour); !errors.Is(err, ErrSurveyAnswer) {
		t.Errorf("bad answer: %v", err)
	}
	// An anonymous response outside the window is not an error.
	old := append(slices.Clone(rs), SurveyResponse{At: day(200)})
	if _, err := s.Rolling(slices.Values(old), asOf, 90*24*time.Hour); err != nil {
		t.Errorf("old anonymous response: %v", err)
	}
}

func TestOneOnOneCadence(t *testing.T) {
	asOf := time.Date(2026, 3, 31, 18, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return asOf.AddDate(0, 0, -n) }
	people := []string{"ann", "bob", "cy", "dee", "eve", "fay"}
	meetings := []OneOnOne{
		{"ann", day(3)}, {"ann", day(40)},
		{"bob", day(20)}, {"bob", day(16)}, // last 16 days ago: overdue
		{"cy", day(14)},  // exactly 14 days: outside (a, b], overdue
		{"dee", day(-2)}, // scheduled: ignored, never met
		{"eve", day(13)},
		{"zed", day(1)}, // not on the roster
		{"fay", day(30)},
	}
	got, err := OneOnOneCadence(people, slices.Values(meetings), asOf, 14*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: met within 14 days: ann, eve. Overdue: dee (never), fay (30
	// days), bob (16), cy (14).
	want := OneOnOneReport{People: 6, MetWithin: 2, Overdue: []OneOnOneStatus{
		{Person: "dee"},
		{Person: "fay", Met: true, Last: day(30), Since: 30 * 24 * time.Hour},
		{Person: "bob", Met: true, Last: day(16), Since: 16 * 24 * time.Hour},
		{Person: "cy", Met: true, Last: day(14), Since: 14 * 24 * time.Hour},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OneOnOneCadence mismatch (-want +got):\n%s", diff)
	}
	if sh, ok := got.Share(); !ok || sh != 2.0/6 {
		t.Errorf("Share() = %v, %v; want 1/3", sh, ok)
	}
	empty, err := OneOnOneCadence(nil, slices.Values(meetings), asOf, time.Hour)
	if err != nil || empty.People != 0 {
		t.Errorf("empty roster: %+v, %v", empty, err)
	}
	if _, ok := empty.Share(); ok {
		t.Errorf("Share of empty roster: ok = true")
	}
	// Ties: two people never met sort by name.
	tie, _ := OneOnOneCadence([]string{"zoe", "abe"}, slices.Values([]OneOnOne(nil)), asOf, time.Hour)
	if diff := cmp.Diff([]OneOnOneStatus{{Person: "abe"}, {Person: "zoe"}}, tie.Overdue); diff != "" {
		t.Errorf("tie order (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		people   []string
		interval time.Duration
	}{{[]string{"a", ""}, time.Hour}, {[]string{"a", "a"}, time.Hour}, {[]string{"a"}, 0}, {[]string{"a"}, -time.Hour}} {
		if _, err := OneOnOneCadence(c.people, slices.Values(meetings), asOf, c.interval); !errors.Is(err, ErrOneOnOne) {
			t.Errorf("OneOnOneCadence(%q, %v) = %v, want ErrOneOnOne", c.people, c.interval, err)
		}
	}
}

func TestSurveyStrings(t *testing.T) {
	got := []string{
		SurveyScale0to10.String(), SurveyAgree5.String(), SurveyYesNo.String(), SurveyScale(7).String(),
		SurveyWeekly.String(), SurveyBiweekly.String(), SurveyMonthly.String(), SurveyQuarterly.String(), SurveyCadence(9).String(),
	}
	want := []string{"0-10", "agree 1-5", "yes/no", "SurveyScale(7)", "weekly", "biweekly", "monthly", "quarterly", "SurveyCadence(9)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String mismatch (-want +got):\n%s", diff)
	}
	if _, _, ok := SurveyScale(7).Bounds(); ok {
		t.Errorf("Bounds of unknown scale: ok = true")
	}
}

func FuzzSurveyResponse(f *testing.F) {
	f.Add("agree", 3, "enps", 10)
	f.Add("agree", 6, "yesno", 2)
	f.Add("mood", 1, "enps", -1)
	f.Add("", 0, "enps", 11)
	s := testSurvey()
	f.Fuzz(func(t *testing.T, q1 string, a1 int, q2 string, a2 int) {
		r := SurveyResponse{Respondent: "x", Answers: map[string]int{q1: a1, q2: a2}}
		err := s.CheckResponse(r)
		// Independent rule: valid iff every answer's question exists and the
		// answer is within that question's bounds.
		valid := true
		for q, a := range r.Answers {
			i := slices.IndexFunc(s.Questions, func(sq SurveyQuestion) bool { return sq.ID == q })
			if i < 0 {
				valid = false
				continue
			}
			lo, hi, _ := s.Questions[i].Scale.Bounds()
			valid = valid && a >= lo && a <= hi
		}
		if (err == nil) != valid || (err != nil && !errors.Is(err, ErrSurveyAnswer)) {
			t.Fatalf("CheckResponse(%v) = %v, valid = %v", r.Answers, err, valid)
		}
		if err != nil {
			return
		}
		var tl SurveyTally
		for range 5 {
			if err := tl.Add(r); err != nil {
				t.Fatalf("Add of a checked response: %v", err)
			}
		}
		w, err := s.Wave(&tl, 5, nil)
		if err != nil {
			t.Fatalf("Wave: %v", err)
		}
		for _, q := range w.Questions {
			if f, ok := q.Favourability(); ok && (f < 0 || f > 1) {
				t.Fatalf("favourability %v out of range", f)
			}
		}
	})
}

func BenchmarkSurveyWave(b *testing.B) {
	s := testSurvey()
	var tl SurveyTally
	r := rand.New(rand.NewPCG(9, 9))
	for range 1000 {
		_ = tl.Add(resp("p", jan5, r.IntN(11), 1+r.IntN(5), r.IntN(2)))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Wave(&tl, 1200, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSurveyRolling(b *testing.B) {
	s := testSurvey()
	r := rand.New(rand.NewPCG(8, 8))
	rs := make([]SurveyResponse, 1000)
	for i := range rs {
		rs[i] = resp(string(rune('a'+r.IntN(26)))+string(rune('a'+r.IntN(26))), jan5.AddDate(0, 0, r.IntN(120)), r.IntN(11), 1+r.IntN(5), r.IntN(2))
	}
	asOf := jan5.AddDate(0, 0, 120)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Rolling(slices.Values(rs), asOf, 90*24*time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
