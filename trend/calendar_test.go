package trend

import (
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// A calendarCase is a set of deals in a fiscal calendar, with the series
// rows and the cohort table worked out by hand from the calendar's rules.
type calendarCase struct {
	name    string
	opts    funnel.Options
	deals   []funnel.Deal
	rows    []calRow
	cohorts []funnel.Cohort
	yearAgo string // the label of the first point's missing year-ago period
}

// calRow is a series row: its period and the deals created in it, and
// won among them.
type calRow struct {
	Label      string
	Start, End time.Time
	Deals, Won int64
}

// calendarCases are the fiscal-calendar cases of the series and cohort
// tests. Each crosses a fiscal year boundary where the zone's clock
// changes at midnight.
func calendarCases(t *testing.T) []calendarCase {
	havana, santiago := mustLoad(t, "America/Havana"), mustLoad(t, "America/Santiago")
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	hv := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, havana) }
	st := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, santiago) }
	won := func(id string, created, closed time.Time, amount string) funnel.Deal {
		return simple(id, created, funnel.Won, closed, amount)
	}
	// cv without intervals (those are checked elsewhere): count, size,
	// amount won, amount per deal of the cohort
	cv := func(n, size int64, amount, per string) funnel.CohortValue {
		return funnel.CohortValue{Count: n, Rate: funnel.Rate{Ratio: funnel.Ratio{Num: n, Den: size}}, Amount: dec(amount), PerUnit: dec(per)}
	}
	return []calendarCase{{
		// A fiscal year starting in November, named by the year it ends
		// in: FY2027 runs from November 2026 to October 2027, its
		// quarters from November, February, May and August. Havana turns
		// its clock back from 01:00 to 00:00 on Sunday 1 November 2026
		// (05:00 UTC): midnight comes twice, and FY2027 starts at the
		// first, 00:00 -04 (04:00 UTC).
		name: "fiscal November, Havana",
		opts: funnel.Options{Period: funnel.Quarter, Calendar: funnel.Calendar{FiscalStart: time.November}, Location: havana,
			AsOf: hv(2027, 2, 15, 0, 0)},
		deals: []funnel.Deal{
			won("a", hv(2026, 7, 31, 23, 0), hv(2026, 8, 1, 0, 0), "40"),        // FY2026-Q3, won in Q4 (age 1)
			won("b", hv(2026, 10, 31, 23, 30), utc(2026, 11, 1, 5, 30), "60"),   // FY2026-Q4, won at 00:30 -05 in FY2027-Q1
			won("c", utc(2026, 11, 1, 4, 30), utc(2026, 11, 1, 5, 15), "30"),    // 00:30 -04: FY2027-Q1, won at 00:15 -05 (age 0)
			simple("d", utc(2026, 11, 1, 5, 30), funnel.Open, time.Time{}, "1"), // 00:30 -05: FY2027-Q1
			simple("e", hv(2027, 1, 31, 23, 59), funnel.Lost, hv(2027, 2, 2, 0, 0), "1"),
			simple("f", hv(2027, 2, 1, 0, 0), funnel.Open, time.Time{}, "1"), // FY2027-Q2
		},
		rows: []calRow{
			{"FY2026-Q3", hv(2026, 5, 1, 0, 0), hv(2026, 8, 1, 0, 0), 1, 1},
			{"FY2026-Q4", hv(2026, 8, 1, 0, 0), utc(2026, 11, 1, 4, 0), 1, 1},
			{"FY2027-Q1", utc(2026, 11, 1, 4, 0), hv(2027, 2, 1, 0, 0), 3, 1},
			{"FY2027-Q2", hv(2027, 2, 1, 0, 0), hv(2027, 5, 1, 0, 0), 1, 0},
		},
		cohorts: []funnel.Cohort{
			// ages to the as-of quarter, FY2027-Q2
			{Start: hv(2026, 5, 1, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(0, 1, "0", "0"), cv(1, 1, "40", "40"), cv(1, 1, "40", "40"), cv(1, 1, "40", "40")}},
			{Start: hv(2026, 8, 1, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(0, 1, "0", "0"), cv(1, 1, "60", "60"), cv(1, 1, "60", "60")}},
			{Start: utc(2026, 11, 1, 4, 0), Size: 3, Ages: []funnel.CohortValue{cv(1, 3, "30", "10"), cv(1, 3, "30", "10")}},
			{Start: hv(2027, 2, 1, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(0, 1, "0", "0")}},
		},
		yearAgo: "FY2025-Q3",
	}, {
		// A 4-4-5 calendar whose year ends on the Saturday nearest 31
		// March: FY2023 ends on Saturday 1 April 2023 (31 March is a
		// Friday), FY2024 on Saturday 30 March 2024 (31 March is a
		// Sunday); quarters of 13 weeks start on 2 April, 2 July and
		// 1 October 2023, and FY2023's last on 1 January 2023 (FY2023
		// started on 3 April 2022, after Saturday 2 April, the nearest to
		// Thursday 31 March 2022). Santiago turns its clock back from
		// 00:00 -03 on 2 April 2023 (03:00 UTC) to 23:00 -04 on 1 April:
		// the hour before midnight comes twice, both times in FY2023, and
		// FY2024 starts at 00:00 -04 (04:00 UTC).
		name: "4-4-5 April, Santiago",
		opts: funnel.Options{Period: funnel.Quarter, Location: santiago, AsOf: st(2023, 8, 1, 0, 0),
			Calendar: funnel.Calendar{FiscalStart: time.April, Weeks: funnel.Weeks445, EndWeekday: time.Saturday, Nearest: true}},
		deals: []funnel.Deal{
			won("a", st(2023, 3, 31, 12, 0), utc(2023, 4, 2, 4, 30), "90"),     // FY2023-Q4, won at 00:30 -04 in FY2024-Q1
			won("b", utc(2023, 4, 2, 2, 30), utc(2023, 4, 2, 3, 45), "30"),     // 23:30 -03, won at 23:45 -04: both FY2023-Q4
			simple("c", utc(2023, 4, 2, 3, 30), funnel.Open, time.Time{}, "1"), // 23:30 -04: FY2023-Q4
			won("d", utc(2023, 4, 2, 4, 30), st(2023, 7, 2, 0, 0), "20"),       // 00:30 -04: FY2024-Q1, won in Q2
			simple("e", st(2023, 7, 1, 23, 0), funnel.Lost, st(2023, 7, 5, 0, 0), "1"),
			simple("f", st(2023, 7, 2, 0, 0), funnel.Open, time.Time{}, "1"), // FY2024-Q2
		},
		rows: []calRow{
			{"FY2023-Q4", st(2023, 1, 1, 0, 0), utc(2023, 4, 2, 4, 0), 3, 2},
			{"FY2024-Q1", utc(2023, 4, 2, 4, 0), st(2023, 7, 2, 0, 0), 2, 1},
			{"FY2024-Q2", st(2023, 7, 2, 0, 0), st(2023, 10, 1, 0, 0), 1, 0},
		},
		cohorts: []funnel.Cohort{
			{Start: st(2023, 1, 1, 0, 0), Size: 3, Ages: []funnel.CohortValue{cv(1, 3, "30", "10"), cv(2, 3, "120", "40"), cv(2, 3, "120", "40")}},
			{Start: utc(2023, 4, 2, 4, 0), Size: 2, Ages: []funnel.CohortValue{cv(0, 2, "0", "0"), cv(1, 2, "20", "10")}},
			{Start: st(2023, 7, 2, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(0, 1, "0", "0")}},
		},
		yearAgo: "FY2022-Q4",
	}, {
		// The same calendar's periods (4, 4 and 5 weeks) with a year
		// ending on the Saturday nearest 31 August: FY2023 ends on
		// Saturday 2 September 2023 (31 August is a Thursday), so FY2024's
		// first period runs from Sunday 3 September to Saturday 30
		// September; FY2023 started on 4 September 2022 (after Saturday
		// 3 September, the nearest to Wednesday 31 August 2022), 52 weeks,
		// its twelfth period of 5 weeks from 30 July 2023. Santiago skips
		// midnight on 3 September 2023: the clock goes from 00:00 -04 to
		// 01:00 -03 (04:00 UTC), where FY2024 starts.
		name: "4-4-5 September periods, Santiago",
		opts: funnel.Options{Period: funnel.Month, Location: santiago, AsOf: st(2023, 10, 15, 0, 0),
			Calendar: funnel.Calendar{FiscalStart: time.September, Weeks: funnel.Weeks445, EndWeekday: time.Saturday, Nearest: true}},
		deals: []funnel.Deal{
			simple("a", st(2023, 9, 2, 23, 59), funnel.Open, time.Time{}, "1"),           // FY2023-P12
			won("b", utc(2023, 9, 3, 4, 0), st(2023, 10, 1, 0, 0), "10"),                 // 01:00 -03, FY2024-P01, won in P02
			simple("c", st(2023, 9, 30, 23, 0), funnel.Lost, st(2023, 10, 2, 0, 0), "1"), // FY2024-P01
			won("d", st(2023, 10, 1, 0, 0), st(2023, 10, 1, 1, 0), "10"),                 // FY2024-P02
		},
		rows: []calRow{
			{"FY2023-P12", st(2023, 7, 30, 0, 0), utc(2023, 9, 3, 4, 0), 1, 0},
			{"FY2024-P01", utc(2023, 9, 3, 4, 0), st(2023, 10, 1, 0, 0), 2, 1},
			{"FY2024-P02", st(2023, 10, 1, 0, 0), st(2023, 10, 29, 0, 0), 1, 1},
		},
		cohorts: []funnel.Cohort{
			{Start: st(2023, 7, 30, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(0, 1, "0", "0"), cv(0, 1, "0", "0"), cv(0, 1, "0", "0")}},
			{Start: utc(2023, 9, 3, 4, 0), Size: 2, Ages: []funnel.CohortValue{cv(0, 2, "0", "0"), cv(1, 2, "10", "5")}},
			{Start: st(2023, 10, 1, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(1, 1, "10", "10")}},
		},
		yearAgo: "FY2022-P12",
	}}
}

// TestSeriesFiscalCalendar checks that a series counts and names the
// periods of the scan's calendar.
func TestSeriesFiscalCalendar(t *testing.T) {
	f := mustFunnel(t, "A")
	for _, tt := range calendarCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			s := mustScan(t, f, tt.opts)
			r := mustCompute(t, s, tt.deals, Options{})
			got := []calRow{}
			for _, p := range r.Periods {
				got = append(got, calRow{p.Label, p.Start, p.End, p.Report.Deals, p.Report.Won})
			}
			if diff := cmp.Diff(tt.rows, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if r.Calendar != tt.opts.Calendar {
				t.Errorf("calendar %+v, want %+v", r.Calendar, tt.opts.Calendar)
			}
			v, err := r.Metric(WinRate)
			if err != nil {
				t.Fatal(err)
			}
			if v.Points[0].YearAgo.Label != tt.yearAgo {
				t.Errorf("year before %s: %q, want %q", v.Points[0].Label, v.Points[0].YearAgo.Label, tt.yearAgo)
			}
		})
	}
}

// TestConversionFiscalCalendar checks that the rows of a conversion by
// period (creation to win) are the periods of the scan's calendar: a row's
// deals are those created in it, converted those won by the as-of time,
// as in the series.
func TestConversionFiscalCalendar(t *testing.T) {
	f := mustFunnel(t, "A")
	for _, tt := range calendarCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			s := mustScan(t, f, tt.opts)
			r, err := ComputeConversion(s, slices.Values(tt.deals), ConvertOptions{To: Milestone{Kind: Win}, ByPeriod: true})
			if err != nil {
				t.Fatal(err)
			}
			got := []calRow{}
			for _, p := range r.Periods {
				got = append(got, calRow{p.Label, p.Start, p.End, p.Group.N, p.Group.Converted})
			}
			if diff := cmp.Diff(tt.rows, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if r.Calendar != tt.opts.Calendar {
				t.Errorf("calendar %+v, want %+v", r.Calendar, tt.opts.Calendar)
			}
		})
	}
}

// TestCohortsFiscalCalendar checks that creation cohorts and their ages
// are periods of the scan's calendar.
func TestCohortsFiscalCalendar(t *testing.T) {
	f := mustFunnel(t, "A")
	for _, tt := range calendarCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			s := mustScan(t, f, tt.opts)
			got, err := ComputeCohorts(s, slices.Values(tt.deals), CohortOptions{})
			if err != nil {
				t.Fatal(err)
			}
			n := int64(len(tt.deals))
			want := Table{Period: tt.opts.Period, Calendar: tt.opts.Calendar, Location: tt.opts.Location.String(), AsOf: tt.opts.AsOf,
				Input:   funnel.Input{Read: n, Counted: n, Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
				Cohorts: tt.cohorts}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(funnel.Rate{}, "Interval")); diff != "" {
				t.Errorf("cohorts (-want +got):\n%s", diff)
			}
		})
	}
}
