package forecast_test

import (
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// fiscalZones returns the two calendars of the fiscal tests with their
// zones, and clocks in them:
//
//   - a fiscal year starting in November, named by its end (FY2027 runs
//     from November 2026 to October 2027, its quarters from November,
//     February, May and August), in Havana, which turns its clock back
//     from 01:00 to 00:00 on 1 November 2026 (05:00 UTC): FY2027 starts at
//     the first midnight, 00:00 -04 (04:00 UTC);
//   - a 4-4-5 calendar whose year ends on the Saturday nearest 31 March
//     (FY2023 on Saturday 1 April 2023, 31 March being a Friday; it
//     started on 3 April 2022, its fourth quarter on 1 January 2023;
//     FY2024's quarters start on 2 April, 2 July and 1 October 2023), in
//     Santiago, which turns its clock back from 00:00 -03 on 2 April 2023
//     (03:00 UTC) to 23:00 -04 on 1 April: FY2024 starts at 00:00 -04
//     (04:00 UTC).
func fiscalZones(t *testing.T) (fiscal, weeks funnel.Options, hv, st func(y int, m time.Month, d, h, min int) time.Time) {
	havana, err := time.LoadLocation("America/Havana")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	fiscal = funnel.Options{Period: funnel.Quarter, Location: havana, Calendar: funnel.Calendar{FiscalStart: time.November}}
	weeks = funnel.Options{Period: funnel.Quarter, Location: santiago,
		Calendar: funnel.Calendar{FiscalStart: time.April, Weeks: funnel.Weeks445, EndWeekday: time.Saturday, Nearest: true}}
	hv = func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, havana) }
	st = func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, santiago) }
	return fiscal, weeks, hv, st
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// TestByPeriodFiscal places open deals by their expected close dates in
// the quarters of fiscal calendars: half of each amount (stage B's
// probability) in its quarter.
func TestByPeriodFiscal(t *testing.T) {
	fiscal, weeks, hv, st := fiscalZones(t)
	open := func(id, amount string, expected time.Time) funnel.Deal {
		created := expected.AddDate(-1, 0, 0)
		return funnel.Deal{ID: id, Created: created, Amount: dec(amount), History: hist("A", created, "B", created), ExpectedClose: expected}
	}
	tests := []struct {
		name  string
		opts  funnel.Options
		deals []funnel.Deal
		want  forecast.PeriodReport
		label string
	}{{
		name: "fiscal November, Havana",
		opts: withAsOf(fiscal, hv(2026, 8, 15, 12, 0)),
		deals: []funnel.Deal{
			open("o1", "100", hv(2026, 10, 31, 23, 30)), // FY2026-Q4
			open("o2", "200", utc(2026, 11, 1, 4, 30)),  // 00:30 -04: FY2027-Q1
			open("o3", "40", utc(2026, 11, 1, 5, 30)),   // 00:30 -05: FY2027-Q1
			open("o4", "60", hv(2027, 2, 1, 0, 0)),      // FY2027-Q2
			open("o5", "10", hv(2027, 5, 1, 0, 0)),      // FY2027-Q3: later
		},
		want: forecast.PeriodReport{
			Rows: []forecast.PeriodRow{
				{Start: hv(2026, 8, 1, 0, 0), Dated: 1, Expected: dec("50")},
				{Start: utc(2026, 11, 1, 4, 0), Dated: 2, Expected: dec("120")},
				{Start: hv(2027, 2, 1, 0, 0), Dated: 1, Expected: dec("30")},
			},
			Later: dec("5"), LaterDated: 1, Expected: dec("205")},
		label: "FY2027-Q1",
	}, {
		name: "4-4-5 April, Santiago",
		opts: withAsOf(weeks, st(2023, 3, 15, 12, 0)),
		deals: []funnel.Deal{
			open("o1", "100", utc(2023, 4, 2, 2, 30)), // 23:30 -03 on 1 April: FY2023-Q4
			open("o2", "200", utc(2023, 4, 2, 3, 30)), // 23:30 -04 on 1 April: FY2023-Q4
			open("o3", "40", utc(2023, 4, 2, 4, 0)),   // 00:00 -04 on 2 April: FY2024-Q1
			open("o4", "60", st(2023, 7, 1, 23, 59)),  // FY2024-Q1's last minute
			open("o5", "10", st(2023, 7, 2, 0, 0)),    // FY2024-Q2
			open("o6", "8", st(2023, 10, 1, 0, 0)),    // FY2024-Q3: later
		},
		want: forecast.PeriodReport{
			Rows: []forecast.PeriodRow{
				{Start: st(2023, 1, 1, 0, 0), Dated: 2, Expected: dec("150")},
				{Start: utc(2023, 4, 2, 4, 0), Dated: 2, Expected: dec("50")},
				{Start: st(2023, 7, 2, 0, 0), Dated: 1, Expected: dec("5")},
			},
			Later: dec("4"), LaterDated: 1, Expected: dec("209")},
		label: "FY2024-Q1",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFunnel(t, "A", "B")
			s := scanOf(t, f, tt.opts)
			opts := forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{"B": dec("0.5")}}
			got, err := forecast.Expected(s, values(tt.deals), forecast.PeriodOptions{Options: opts, Periods: 3})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			n := int64(len(tt.deals))
			want.AsOf, want.Period, want.Calendar, want.Location = tt.opts.AsOf, funnel.Quarter, tt.opts.Calendar, tt.opts.Location.String()
			want.Source, want.Input = forecast.SourceGiven, funnel.Input{Read: n, Counted: n}
			if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
				t.Errorf("by period (-want +got):\n%s", diff)
			}
			var text strings.Builder
			if err := got.WriteText(&text); err != nil || !strings.Contains(text.String(), tt.label) {
				t.Errorf("text without %s (%v):\n%s", tt.label, err, text.String())
			}
			roundTripJSON(t, got)
		})
	}
}

// TestQuotaFiscal counts won and open deals toward the goals of fiscal
// quarters.
func TestQuotaFiscal(t *testing.T) {
	fiscal, weeks, hv, st := fiscalZones(t)
	won := func(id, amount string, closed time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: closed.AddDate(0, -6, 0), Amount: dec(amount), Outcome: funnel.Won, Closed: closed, Stage: "A",
			Attrs: funnel.Attributes{Owner: "ana"}}
	}
	open := func(id, amount string, expected time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: expected.AddDate(0, -6, 0), Amount: dec(amount), Stage: "A", ExpectedClose: expected,
			Attrs: funnel.Attributes{Owner: "ana"}}
	}
	tests := []struct {
		name  string
		opts  funnel.Options
		goals []forecast.Goal
		deals []funnel.Deal
		rows  []forecast.QuotaRow
		label string
	}{{
		name: "fiscal November, Havana",
		opts: withAsOf(fiscal, hv(2027, 1, 15, 0, 0)),
		// any instant of the quarter names it
		goals: []forecast.Goal{{Key: "ana", Start: hv(2026, 12, 1, 0, 0), Amount: dec("1000")}, {Key: "ana", Start: hv(2026, 9, 1, 0, 0), Amount: dec("500")}},
		deals: []funnel.Deal{
			won("w1", "600", hv(2026, 10, 31, 23, 30)), // FY2026-Q4
			won("w2", "300", utc(2026, 11, 1, 4, 30)),  // 00:30 -04: FY2027-Q1
			won("w3", "100", utc(2026, 11, 1, 5, 30)),  // 00:30 -05: FY2027-Q1
			open("o1", "800", hv(2027, 1, 31, 23, 0)),  // FY2027-Q1
			open("o2", "50", hv(2027, 2, 1, 0, 0)),     // FY2027-Q2: no goal
		},
		rows: []forecast.QuotaRow{
			{Key: "ana", Start: utc(2026, 11, 1, 4, 0), Quota: dec("1000"), Won: dec("400"), WonDeals: 2, Attainment: exactRate("400", "1000", 0.4),
				Remaining: dec("600"), Pipeline: dec("800"), OpenDeals: 1, Coverage: exactRate("800", "600", 4.0/3)},
			{Key: "ana", Start: hv(2026, 8, 1, 0, 0), Quota: dec("500"), Won: dec("600"), WonDeals: 1, Attainment: exactRate("600", "500", 1.2),
				Remaining: dec("0"), Pipeline: dec("0"), Coverage: undefinedRate("0")},
		},
		label: "FY2027-Q1",
	}, {
		name:  "4-4-5 April, Santiago",
		opts:  withAsOf(weeks, st(2023, 4, 10, 0, 0)),
		goals: []forecast.Goal{{Key: "ana", Start: st(2023, 2, 1, 0, 0), Amount: dec("100")}, {Key: "ana", Start: st(2023, 5, 1, 0, 0), Amount: dec("200")}},
		deals: []funnel.Deal{
			won("w1", "60", utc(2023, 4, 2, 2, 30)),   // 23:30 -03 on 1 April: FY2023-Q4
			won("w2", "30", utc(2023, 4, 2, 3, 30)),   // 23:30 -04 on 1 April: FY2023-Q4
			won("w3", "50", utc(2023, 4, 2, 4, 30)),   // 00:30 -04 on 2 April: FY2024-Q1
			open("o1", "500", st(2023, 7, 1, 23, 59)), // FY2024-Q1
			open("o2", "70", st(2023, 7, 2, 0, 0)),    // FY2024-Q2: no goal
		},
		rows: []forecast.QuotaRow{
			{Key: "ana", Start: st(2023, 1, 1, 0, 0), Quota: dec("100"), Won: dec("90"), WonDeals: 2, Attainment: exactRate("90", "100", 0.9),
				Remaining: dec("10"), Pipeline: dec("0"), Coverage: exactRate("0", "10", 0)},
			{Key: "ana", Start: utc(2023, 4, 2, 4, 0), Quota: dec("200"), Won: dec("50"), WonDeals: 1, Attainment: exactRate("50", "200", 0.25),
				Remaining: dec("150"), Pipeline: dec("500"), OpenDeals: 1, Coverage: exactRate("500", "150", 10.0/3)},
		},
		label: "FY2024-Q1",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scanOf(t, mustFunnel(t, "A"), tt.opts)
			got, err := forecast.Attainment(s, values(tt.deals), forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: tt.goals})
			if err != nil {
				t.Fatal(err)
			}
			n := int64(len(tt.deals))
			want := forecast.QuotaReport{AsOf: tt.opts.AsOf, Period: funnel.Quarter, Calendar: tt.opts.Calendar, Location: tt.opts.Location.String(),
				Key: funnel.AttrOwner, Rows: tt.rows, Outside: 1, Input: funnel.Input{Read: n, Counted: n}}
			if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
				t.Errorf("quota (-want +got):\n%s", diff)
			}
			var text strings.Builder
			if err := got.WriteText(&text); err != nil || !strings.Contains(text.String(), tt.label) {
				t.Errorf("text without %s (%v):\n%s", tt.label, err, text.String())
			}
			roundTripJSON(t, got)
		})
	}
}

func withAsOf(o funnel.Options, asOf time.Time) funnel.Options {
	o.AsOf = asOf
	return o
}
