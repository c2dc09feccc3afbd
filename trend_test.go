package funnel

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestTrendMonthsInTimeZone(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	mk := func(id string, created time.Time, o Outcome) Deal {
		d := Deal{ID: id, Created: created, Amount: dec("100"), Outcome: o, Stage: "A"}
		if o != Open {
			d.Closed = created.Add(24 * time.Hour)
		}
		return d
	}
	deals := []Deal{
		mk("y1", at(2023, 1, 10, 9, 0), Won),
		// 23:30 on 31 January in New York is 04:30 UTC on 1 February: a
		// January deal in New York.
		mk("j1", at(2024, 1, 31, 23, 30), Won),
		mk("j2", at(2024, 1, 2, 0, 0), Lost),
		// February 2024 is empty.
		mk("m1", at(2024, 3, 1, 0, 0), Won),
		mk("m2", at(2024, 3, 5, 0, 0), Won),
		mk("m3", at(2024, 3, 31, 23, 59), Open),
		{ID: "u", Stage: "A"}, // no creation time: outside
	}
	s, err := Trend(f, slices.Values(deals), TrendOptions{Options: Options{Location: ny}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Periods) != 15 || !s.Periods[0].Start.Equal(at(2023, 1, 1, 0, 0)) || !s.Periods[14].Start.Equal(at(2024, 3, 1, 0, 0)) || s.Outside != 1 {
		t.Fatalf("Trend = %d periods from %v, outside %d; want 15 from 2023-01-01 NY, 1", len(s.Periods), s.Periods[0].Start, s.Outside)
	}
	rows := s.Metric(TrendWinRate, 0)
	type row struct {
		Start              time.Time
		Value              string
		OK                 bool
		PrevOK, YearOK     bool
		PrevDelta, YearDel string
	}
	var got []row
	for _, r := range rows[12:] {
		got = append(got, row{r.Start, r.Value.Value.String(), r.Value.OK, r.Previous.OK, r.YearAgo.OK, r.Previous.Delta.String(), r.YearAgo.Delta.String()})
	}
	// January 2024: 1 of 2 (0.5); a year before 1 of 1: -0.5. February:
	// undefined. March: 2 of 2 decided (m3 open), previous undefined.
	want := []row{
		{at(2024, 1, 1, 0, 0), "0.5", true, false, true, "0", "-0.5"},
		{at(2024, 2, 1, 0, 0), "0", false, false, false, "0", "0"},
		{at(2024, 3, 1, 0, 0), "1", true, false, false, "0", "0"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Metric(win rate) mismatch (-want +got):\n%s", diff)
	}
	// Deals: 2, 0, 3 in Jan-Mar 2024. March against February: +3, no
	// relative change (base 0), too few to test.
	deals3 := s.Metric(TrendDeals, 0)[14]
	if !deals3.Value.Value.Equal(dec("3")) || !deals3.Previous.OK || !deals3.Previous.Delta.Equal(dec("3")) || deals3.Previous.RelativeOK || deals3.Previous.Tested {
		t.Errorf("Metric(deals) March = %+v", deals3)
	}
	cohorts := s.Cohorts()
	// The won row needs every stage in order (InOrder policy): deals won
	// from A alone do not reach it. m3 is pending at the step into B.
	wantC := CohortRow{Start: at(2024, 3, 1, 0, 0), Created: 3, Won: 2, Open: 1, WinRate: Ratio{2, 2}, Conversion: Ratio{2, 3},
		Reached: []int64{3, 0, 0}, Pending: []int64{0, 1, 0}}
	if diff := cmp.Diff(wantC, cohorts[14]); diff != "" {
		t.Errorf("Cohorts March mismatch (-want +got):\n%s", diff)
	}
	if c := cohorts[13]; c.Created != 0 || c.WinRate.Defined() || len(c.Reached) != 3 {
		t.Errorf("Cohorts February (empty) = %+v", c)
	}

	// The same deals in UTC: j1 falls in February.
	s, err = Trend(f, slices.Values(deals), TrendOptions{Options: Options{Period: Quarter}, From: at(2024, 1, 15, 0, 0), To: at(2024, 12, 1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	var counts []int64
	for _, p := range s.Periods {
		counts = append(counts, p.Report.Deals)
	}
	// Quarters of 2024 in UTC: Q1 j1, j2, m1, m2 and m3 (03:59 UTC on 1
	// April is Q2); Q3 and Q4 empty. y1 and u are outside.
	if diff := cmp.Diff([]int64{4, 1, 0, 0}, counts); diff != "" || s.Outside != 2 {
		t.Errorf("Trend(quarters, UTC) counts mismatch (-want +got):\n%s outside %d", diff, s.Outside)
	}
}

func TestTrendClosedBasis(t *testing.T) {
	f := mustFunnel(t, "A")
	// closed in January: w1 (won 1 Feb 00:00 UTC is February); by close
	// time: Jan l1, Feb w1, open o1 outside.
	deals := []Deal{
		{ID: "w1", Created: day(20), Amount: dec("1"), Outcome: Won, Closed: day(31), Stage: "A"},
		{ID: "l1", Created: day(0), Amount: dec("1"), Outcome: Lost, Closed: day(30), Stage: "A"},
		{ID: "o1", Created: day(0), Amount: dec("1"), Stage: "A"},
	}
	s, err := Trend(f, slices.Values(deals), TrendOptions{Basis: TrendClosed})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Periods) != 2 || s.Periods[0].Report.Lost != 1 || s.Periods[1].Report.Won != 1 || s.Outside != 1 {
		t.Errorf("Trend(closed) = %+v", s)
	}
}

func TestTrendSignificance(t *testing.T) {
	feb := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	mar := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	s := TrendSeries{Period: Month, Location: time.UTC, Periods: []TrendPeriod{
		{Start: feb, Report: Report{Deals: 10, WinRate: Ratio{40, 100}}},
		{Start: mar, Report: Report{Deals: 30, WinRate: Ratio{60, 100}}},
	}}
	// python3: pooled z = 2.8284271247461894, p = 0.00467773498104728;
	// counts 30 (31 days) against 10 (29 days): z = 2.9531002167006863,
	// p = 0.0031459981110918507.
	rate := s.Metric(TrendWinRate, 0.99)[1].Previous
	want := TrendChange{Start: feb, Base: TrendValue{Kind: TrendRate, Rate: Ratio{40, 100}, Value: dec("0.4"), OK: true}, OK: true,
		Delta: dec("0.2"), Relative: dec("0.5"), RelativeOK: true, Tested: true, PValue: 0.00467773498104728, Significant: true}
	if diff := cmp.Diff(want, rate, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("rate change mismatch (-want +got):\n%s", diff)
	}
	count := s.Metric(TrendDeals, 0.999)[1].Previous
	if !count.Tested || !cmp.Equal(count.PValue, 0.0031459981110918507, cmpopts.EquateApprox(0, 1e-12)) || count.Significant || !count.Relative.Equal(dec("2")) {
		t.Errorf("count change = %+v", count)
	}
	// Too small to test: 31 deals, 4 won.
	s.Periods[0].Report.WinRate = Ratio{4, 31}
	if c := s.Metric(TrendWinRate, 0)[1].Previous; c.Tested || c.Significant {
		t.Errorf("small-sample change tested: %+v", c)
	}
	if rows := (TrendSeries{}).Metric(TrendWinRate, 0); len(rows) != 0 {
		t.Errorf("Metric(empty) = %v", rows)
	}
}

func TestTrendErrors(t *testing.T) {
	f := mustFunnel(t, "A")
	if _, err := Trend(f, nil, TrendOptions{Basis: 9}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Trend(basis 9) error = %v", err)
	}
	if _, err := Trend(f, nil, TrendOptions{From: day(2), To: day(1)}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Trend(To before From) error = %v", err)
	}
	bad := []Deal{{ID: "x", Created: day(1), Stage: "Z"}, {ID: "y", Stage: "Z"}}
	if _, err := Trend(f, slices.Values(bad), TrendOptions{}); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("Trend(bad deal) error = %v", err)
	}
	s, err := Trend(f, slices.Values(bad), TrendOptions{Options: Options{Mode: Lenient}})
	if err != nil || s.Skipped != 2 || len(s.Periods) != 1 || s.Periods[0].Report.Deals != 0 {
		t.Errorf("Trend(bad deals, lenient) = %+v, %v", s, err)
	}
	s, err = Trend(f, slices.Values([]Deal(nil)), TrendOptions{})
	if err != nil || len(s.Periods) != 0 {
		t.Errorf("Trend(empty) = %+v, %v", s, err)
	}
}

func TestKaplanMeier(t *testing.T) {
	var s SurvivalData
	d := func(n int64) time.Duration { return time.Duration(n) * 24 * time.Hour }
	for _, o := range []struct {
		days  int64
		event bool
	}{{3, true}, {1, true}, {2, false}, {3, true}, {3, false}, {4, false}, {5, true}, {6, false}} {
		s.Add(d(o.days), o.event)
	}
	got, err := s.Curve(0)
	if err != nil {
		t.Fatal(err)
	}
	// By hand: S(1) = 7/8, S(3) = 7/8 x 4/6 = 7/12, S(5) = 7/12 x 1/2 =
	// 7/24. Bounds from an independent python3 implementation of
	// Greenwood's variance on the log(-log) scale.
	want := SurvivalCurve{N: 8, Events: 4, Censored: 4, Points: []SurvivalPoint{
		{d(1), 8, 1, 0, 0.875, 0.38700001403202516, 0.981392965878966},
		{d(2), 7, 0, 1, 0.875, 0.38700001403202516, 0.981392965878966},
		{d(3), 6, 2, 1, 7.0 / 12, 0.1801888910128228, 0.8440686916574577},
		{d(4), 3, 0, 1, 7.0 / 12, 0.1801888910128228, 0.8440686916574577},
		{d(5), 2, 1, 0, 7.0 / 24, 0.014557205375461693, 0.6984194599247707},
		{d(6), 1, 0, 1, 7.0 / 24, 0.014557205375461693, 0.6984194599247707},
	}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Curve mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		at   time.Duration
		want float64
	}{{0, 1}, {d(1) - 1, 1}, {d(1), 0.875}, {d(4), 7.0 / 12}, {d(100), 7.0 / 24}} {
		if v := got.At(tt.at); !cmp.Equal(v, tt.want, cmpopts.EquateApprox(0, 1e-12)) {
			t.Errorf("At(%v) = %v, want %v", tt.at, v, tt.want)
		}
	}
	if m, ok := got.Quantile(0.5); !ok || m != d(5) {
		t.Errorf("median = %v, %v; want 5 days", m, ok)
	}
	if m, ok := got.Quantile(0.125); !ok || m != d(1) {
		t.Errorf("Quantile(0.125) = %v, %v; want 1 day (S = 0.875 exactly)", m, ok)
	}
	if _, ok := got.Quantile(0.9); ok {
		t.Error("Quantile(0.9) ok, but S never falls to 0.1")
	}
	if _, ok := got.Quantile(0); ok {
		t.Error("Quantile(0) ok")
	}
	// All events at once: S drops to 0, bounds 0.
	var all SurvivalData
	all.Add(d(2), true)
	all.Add(d(2), true)
	c, _ := all.Curve(0.9)
	if diff := cmp.Diff([]SurvivalPoint{{d(2), 2, 2, 0, 0, 0, 0}}, c.Points); diff != "" {
		t.Errorf("Curve(all events) mismatch:\n%s", diff)
	}
	var empty SurvivalData
	if c, err := empty.Curve(0); err != nil || c.N != 0 || len(c.Points) != 0 || c.At(d(1)) != 1 {
		t.Errorf("Curve(empty) = %+v, %v", c, err)
	}
	if _, err := empty.Curve(1.5); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Curve(confidence 1.5) error = %v", err)
	}
}

func TestSurvivalMergeEqualsOnePass(t *testing.T) {
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	deals := markovDeals(300, 3, []Stage{"Lead", "Qualified", "Proposal", "Negotiation"}, []float64{0.5, 0.6, 0.7, 0.8}, t0, 365*24*time.Hour)
	asOf := t0.AddDate(0, 10, 0)
	whole, err := SurvivalCycle(f, slices.Values(deals), SurvivalOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := whole.Curve(0)
	for _, cut := range []int{0, 1, 150, 299, 300} {
		a, _ := SurvivalCycle(f, slices.Values(deals[:cut]), SurvivalOptions{AsOf: asOf})
		b, _ := SurvivalCycle(f, slices.Values(deals[cut:]), SurvivalOptions{AsOf: asOf})
		a.Merge(b)
		got, _ := a.Curve(0)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("cut %d: merged curve differs (-want +got):\n%s", cut, diff)
		}
	}
	if whole.Count() == 0 || whole.Untimed != 0 {
		t.Errorf("Count = %d, untimed %d", whole.Count(), whole.Untimed)
	}
}

func TestSurvivalFromDeals(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	d := func(n int64) time.Duration { return time.Duration(n) * 24 * time.Hour }
	type obs struct {
		At    time.Duration
		Event bool
	}
	collect := func(s *SurvivalData) []obs {
		var out []obs
		for _, v := range s.obs {
			out = append(out, obs{time.Duration(v>>1) * time.Second, v&1 == 0})
		}
		slices.SortFunc(out, func(a, b obs) int { return int(a.At - b.At) })
		return out
	}
	// handDeals as of day 20: won w1 10 d, w2 3 d; lost l1 7 d, r1 8 d;
	// open o1 17 d, o2 20 d (censored).
	tests := []struct {
		name string
		run  func() (*SurvivalData, error)
		want []obs
	}{
		{"cycle to close", func() (*SurvivalData, error) {
			return SurvivalCycle(f, slices.Values(handDeals()), SurvivalOptions{AsOf: day(20)})
		}, []obs{{d(3), true}, {d(7), true}, {d(8), true}, {d(10), true}, {d(17), false}, {d(20), false}}},
		{"cycle to win", func() (*SurvivalData, error) {
			return SurvivalCycle(f, slices.Values(handDeals()), SurvivalOptions{AsOf: day(20), Event: SurvivalWon})
		}, []obs{{d(3), true}, {d(7), false}, {d(8), false}, {d(10), true}, {d(17), false}, {d(20), false}}},
		// As of day 8 (PipelineSnapshot): w2 won after 3 days and r1 lost
		// after 8 (closed on day 8); l1 (age 6), w1 (8), o1 (5) and o2 (8)
		// are open then, censored.
		{"cycle as of day 8", func() (*SurvivalData, error) {
			return SurvivalCycle(f, slices.Values(handDeals()), SurvivalOptions{AsOf: day(8)})
		}, []obs{{d(3), true}, {d(5), false}, {d(6), false}, {d(8), false}, {d(8), false}, {d(8), true}}},
		// Latest visit to B: w1 3 d, l1 5 d (to its close), r1 2 d (B on
		// day 4 to C on day 6), o1 14 d censored (B on day 6, as of 20).
		{"time in B", func() (*SurvivalData, error) {
			return SurvivalInStage(f, slices.Values(handDeals()), "B", SurvivalOptions{AsOf: day(20)})
		}, []obs{{d(2), true}, {d(3), true}, {d(5), true}, {d(14), false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.run()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, collect(s)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if s, err := SurvivalCycle(f, slices.Values(handDeals()), SurvivalOptions{}); err != nil || s.Untimed != 2 || s.Count() != 4 {
		t.Errorf("SurvivalCycle(no as-of) = %d untimed, %d, %v; want 2 open untimed, 4", s.Untimed, s.Count(), err)
	}
	if _, err := SurvivalInStage(f, nil, "Z", SurvivalOptions{}); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("SurvivalInStage(Z) error = %v", err)
	}
	if _, err := SurvivalCycle(f, nil, SurvivalOptions{Event: 4}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("SurvivalCycle(event 4) error = %v", err)
	}
	bad := []Deal{{ID: "x", Stage: "Z"}}
	if _, err := SurvivalCycle(f, slices.Values(bad), SurvivalOptions{}); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("SurvivalCycle(bad) error = %v", err)
	}
	if s, err := SurvivalInStage(f, slices.Values(bad), "A", SurvivalOptions{Mode: Lenient}); err != nil || s.Count() != 0 {
		t.Errorf("SurvivalInStage(bad, lenient) = %v, %v", s, err)
	}
}

// TestTrendEqualsComputePerPeriod checks each period's report against
// Compute over the deals picked by comparing their creation time with the
// period's bounds directly (an independent route to the same grouping),
// monthly in New York across a daylight-saving change.
func TestTrendEqualsComputePerPeriod(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	stages := []Stage{"Lead", "Qualified", "Proposal", "Negotiation"}
	f := mustFunnel(t, stages...)
	deals := markovDeals(600, 11, stages, []float64{0.5, 0.6, 0.7, 0.8}, t0, 420*24*time.Hour)
	opts := Options{AsOf: t0.AddDate(1, 3, 0), Location: ny, Window: 60 * 24 * time.Hour}
	s, err := Trend(f, slices.Values(deals), TrendOptions{Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Periods) < 14 {
		t.Fatalf("%d periods", len(s.Periods))
	}
	y, m, _ := s.Periods[0].Start.In(ny).Date()
	for i, p := range s.Periods {
		start := time.Date(y, m+time.Month(i), 1, 0, 0, 0, 0, ny)
		end := time.Date(y, m+time.Month(i+1), 1, 0, 0, 0, 0, ny)
		if !p.Start.Equal(start) {
			t.Fatalf("period %d starts %v, want %v", i, p.Start, start)
		}
		var in []Deal
		for _, d := range deals {
			if !d.Created.Before(start) && d.Created.Before(end) {
				in = append(in, d)
			}
		}
		want, err := Compute(f, slices.Values(in), opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, p.Report, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("period %v mismatch (-compute +trend):\n%s", start.Format("2006-01"), diff)
		}
	}
}

func TestTrendWeeksYearAgo(t *testing.T) {
	f := mustFunnel(t, "A")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	mk := func(id string, at time.Time) Deal { return Deal{ID: id, Created: at, Amount: dec("1"), Stage: "A"} }
	deals := []Deal{
		// Monday 1 January 2024 opens ISO week 2024-W01.
		mk("a", time.Date(2024, 1, 1, 9, 0, 0, 0, ny)),
		// Sunday 29 December 2024, 23:30 in New York (Monday 04:30 UTC):
		// still week 2024-W52 in New York.
		mk("b", time.Date(2024, 12, 29, 23, 30, 0, 0, ny)),
		// Monday 30 December 2024 opens ISO week 2025-W01, 52 weeks after
		// 1 January 2024.
		mk("c", time.Date(2024, 12, 30, 8, 0, 0, 0, ny)),
		mk("d", time.Date(2024, 12, 31, 8, 0, 0, 0, ny)),
	}
	s, err := Trend(f, slices.Values(deals), TrendOptions{Options: Options{Period: Week, Location: ny}})
	if err != nil {
		t.Fatal(err)
	}
	// 53 weeks: 1 January 2024 to 30 December 2024.
	if len(s.Periods) != 53 {
		t.Fatalf("%d weeks, want 53", len(s.Periods))
	}
	rows := s.Metric(TrendDeals, 0)
	last, prev := rows[52], rows[51]
	type got struct {
		Start, YearStart       time.Time
		Value, Year, Prev      string
		YearOK, PrevOK, PrevOf bool
	}
	want := got{Start: time.Date(2024, 12, 30, 0, 0, 0, 0, ny), YearStart: time.Date(2024, 1, 1, 0, 0, 0, 0, ny),
		Value: "2", Year: "1", Prev: "1", YearOK: true, PrevOK: true}
	g := got{Start: last.Start, YearStart: last.YearAgo.Start, Value: last.Value.Value.String(), Year: last.YearAgo.Base.Value.String(),
		Prev: last.Previous.Base.Value.String(), YearOK: last.YearAgo.OK, PrevOK: last.Previous.OK, PrevOf: prev.YearAgo.OK}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("weekly trend mismatch (-want +got):\n%s", diff)
	}
}
