package clv

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// A fiscalCase is a log in a fiscal calendar with its cohort table and
// retention worked out by hand from the calendar's rules. The intervals
// are left out of the comparison (TestCohorts and TestRetention check
// them).
type fiscalCase struct {
	name      string
	opts      LogOptions
	txs       []Transaction
	asOf      time.Time
	cohorts   []funnel.Cohort
	retention []RetentionPeriod
	label     string // the text label of the second cohort
}

func fiscalCases(t *testing.T) []fiscalCase {
	havana, santiago := mustZone(t, "America/Havana"), mustZone(t, "America/Santiago")
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	hv := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, havana) }
	st := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, santiago) }
	tx := func(c string, at time.Time, amount string) Transaction { return Transaction{c, at, dec(amount)} }
	cv := func(n, size int64, amount string) funnel.CohortValue {
		return funnel.CohortValue{Count: n, Rate: funnel.Rate{Ratio: funnel.Ratio{Num: n, Den: size}}, Amount: dec(amount), PerUnit: dec(amount).DivRound(decimal.NewFromInt(size), moneyScale)}
	}
	r := func(n, d int64) funnel.Rate { return funnel.Rate{Ratio: funnel.Ratio{Num: n, Den: d}} }
	return []fiscalCase{{
		// A fiscal year starting in November, named by its end: FY2027
		// runs from November 2026 to October 2027, its quarters from
		// November, February, May and August. Havana turns its clock back
		// from 01:00 to 00:00 on 1 November 2026 (05:00 UTC): FY2027
		// starts at the first midnight, 00:00 -04 (04:00 UTC), and both
		// 00:30s are in it.
		name: "fiscal November, Havana",
		opts: LogOptions{Location: havana, Calendar: funnel.Calendar{FiscalStart: time.November}},
		txs: []Transaction{
			tx("A", hv(2026, 10, 31, 23, 30), "100"), // FY2026-Q4
			tx("A", utc(2026, 11, 1, 5, 30), "50"),   // 00:30 -05: FY2027-Q1
			tx("B", utc(2026, 11, 1, 4, 30), "70"),   // 00:30 -04: FY2027-Q1
			tx("C", hv(2026, 7, 31, 23, 0), "10"),    // FY2026-Q3
			tx("C", hv(2027, 2, 1, 0, 0), "20"),      // FY2027-Q2
			tx("late", hv(2027, 2, 15, 0, 1), "1"),   // after the as-of time
		},
		asOf: hv(2027, 2, 15, 0, 0),
		cohorts: []funnel.Cohort{
			// C: ages FY2026-Q3 to FY2027-Q2, active at 0 and 3
			{Start: hv(2026, 5, 1, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(1, 1, "10"), cv(0, 1, "10"), cv(0, 1, "10"), cv(1, 1, "30")}},
			// A: FY2026-Q4 to FY2027-Q2
			{Start: hv(2026, 8, 1, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(1, 1, "100"), cv(1, 1, "150"), cv(0, 1, "150")}},
			// B: FY2027-Q1 to Q2
			{Start: utc(2026, 11, 1, 4, 0), Size: 1, Ages: []funnel.CohortValue{cv(1, 1, "70"), cv(0, 1, "70")}},
		},
		retention: []RetentionPeriod{
			{Start: hv(2026, 5, 1, 0, 0), New: mv(1, "10"), Closing: mv(1, "10")},
			// C churns, A is new
			{Start: hv(2026, 8, 1, 0, 0), Opening: mv(1, "10"), New: mv(1, "100"), Churn: mv(1, "10"), Retained: mv(0, "0"), Closing: mv(1, "100"),
				CustomerRetention: r(0, 1), GRR: moneyRate("0", "10", funnel.Interval{}), NRR: moneyRate("0", "10", funnel.Interval{})},
			// A spends 50 of its 100, B is new
			{Start: utc(2026, 11, 1, 4, 0), Opening: mv(1, "100"), New: mv(1, "70"), Contraction: mv(1, "50"), Retained: mv(1, "50"), Closing: mv(2, "120"),
				CustomerRetention: r(1, 1), GRR: moneyRate("50", "100", funnel.Interval{}), NRR: moneyRate("50", "100", funnel.Interval{})},
			// A and B churn, C is back; the data end on 15 February
			{Start: hv(2027, 2, 1, 0, 0), Partial: true, Opening: mv(2, "120"), Reactivated: mv(1, "20"), Churn: mv(2, "120"), Retained: mv(0, "0"), Closing: mv(1, "20"),
				CustomerRetention: r(0, 2), GRR: moneyRate("0", "120", funnel.Interval{}), NRR: moneyRate("0", "120", funnel.Interval{})},
		},
		label: "FY2026-Q4",
	}, {
		// A 4-4-5 calendar whose year ends on the Saturday nearest 31
		// March: FY2023 ends on Saturday 1 April 2023 (31 March is a
		// Friday) and started on 3 April 2022, its fourth quarter on
		// 1 January 2023; FY2024's quarters start on 2 April and 2 July
		// 2023. Santiago turns its clock back from 00:00 -03 on 2 April
		// 2023 (03:00 UTC) to 23:00 -04 on 1 April: both 23:30s are in
		// FY2023, and FY2024 starts at 00:00 -04 (04:00 UTC).
		name: "4-4-5 April, Santiago",
		opts: LogOptions{Location: santiago, Calendar: funnel.Calendar{FiscalStart: time.April, Weeks: funnel.Weeks445, EndWeekday: time.Saturday, Nearest: true}},
		txs: []Transaction{
			tx("A", utc(2023, 4, 2, 2, 30), "40"), // 23:30 -03: FY2023-Q4
			tx("A", utc(2023, 4, 2, 3, 30), "60"), // 23:30 -04: FY2023-Q4
			tx("A", utc(2023, 4, 2, 4, 30), "30"), // 00:30 -04: FY2024-Q1
			tx("B", utc(2023, 4, 2, 4, 0), "25"),  // 00:00 -04: FY2024-Q1
		},
		asOf: st(2023, 7, 2, 0, 0), // the first instant of FY2024-Q2
		cohorts: []funnel.Cohort{
			{Start: st(2023, 1, 1, 0, 0), Size: 1, Ages: []funnel.CohortValue{cv(1, 1, "100"), cv(1, 1, "130"), cv(0, 1, "130")}},
			{Start: utc(2023, 4, 2, 4, 0), Size: 1, Ages: []funnel.CohortValue{cv(1, 1, "25"), cv(0, 1, "25")}},
		},
		retention: []RetentionPeriod{
			{Start: st(2023, 1, 1, 0, 0), New: mv(1, "100"), Closing: mv(1, "100")},
			{Start: utc(2023, 4, 2, 4, 0), Opening: mv(1, "100"), New: mv(1, "25"), Contraction: mv(1, "70"), Retained: mv(1, "30"), Closing: mv(2, "55"),
				CustomerRetention: r(1, 1), GRR: moneyRate("30", "100", funnel.Interval{}), NRR: moneyRate("30", "100", funnel.Interval{})},
			{Start: st(2023, 7, 2, 0, 0), Partial: true, Opening: mv(2, "55"), Churn: mv(2, "55"), Retained: mv(0, "0"), Closing: mv(0, "0"),
				CustomerRetention: r(0, 2), GRR: moneyRate("0", "55", funnel.Interval{}), NRR: moneyRate("0", "55", funnel.Interval{})},
		},
		label: "FY2024-Q1",
	}}
}

var noIntervals = cmpopts.IgnoreFields(funnel.Rate{}, "Interval")
var noMoneyIntervals = cmpopts.IgnoreFields(funnel.MoneyRate{}, "Interval")

// TestFiscalCohortsAndRetention checks that cohorts and retention count
// the periods of the log's calendar.
func TestFiscalCohortsAndRetention(t *testing.T) {
	for _, tt := range fiscalCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			l, err := NewLog(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range tt.txs {
				if err := l.Add(x); err != nil {
					t.Fatal(err)
				}
			}
			customers, later := int64(0), int64(0)
			seen := map[string]bool{}
			for _, x := range tt.txs {
				if !seen[x.Customer] {
					seen[x.Customer] = true
					customers++
				}
				if x.Time.After(tt.asOf) {
					later++
				}
			}
			sum := LogSummary{Customers: customers, Transactions: int64(len(tt.txs))}
			o := CohortOptions{Period: funnel.Quarter, AsOf: tt.asOf}
			got, err := l.Cohorts(o)
			if err != nil {
				t.Fatal(err)
			}
			want := Cohorts{Log: sum, Period: funnel.Quarter, Calendar: tt.opts.Calendar, AsOf: tt.asOf, Location: tt.opts.Location.String(),
				Later: later, LaterTransactions: later, Cohorts: tt.cohorts}
			if diff := cmp.Diff(want, got, noIntervals); diff != "" {
				t.Errorf("cohorts (-want +got):\n%s", diff)
			}
			if s := got.String(); !strings.Contains(s, tt.label) {
				t.Errorf("cohort text without %s:\n%s", tt.label, s)
			}
			ret, err := l.Retention(o)
			if err != nil {
				t.Fatal(err)
			}
			wantRet := Retention{Log: sum, Period: funnel.Quarter, Calendar: tt.opts.Calendar, AsOf: tt.asOf, Location: tt.opts.Location.String(),
				Later: later, LaterTransactions: later, Periods: tt.retention}
			if diff := cmp.Diff(wantRet, ret, noIntervals, noMoneyIntervals); diff != "" {
				t.Errorf("retention (-want +got):\n%s", diff)
			}
			// the calendar travels with the log's bytes, and logs of other
			// calendars do not merge
			b, err := l.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var back Log
			if err := back.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if again, _ := back.Cohorts(o); !cmp.Equal(got, again) {
				t.Errorf("decoded log's cohorts differ:\n%s", cmp.Diff(got, again))
			}
			other, _ := NewLog(LogOptions{Location: tt.opts.Location})
			if err := other.Merge(l); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("merge into a log of calendar years: %v", err)
			}
		})
	}
}

// TestDealLogCalendar checks that a log of won deals takes the scan's
// calendar: its cohorts are those of a log of the same purchases with that
// calendar.
func TestDealLogCalendar(t *testing.T) {
	for _, tt := range fiscalCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			s := scanOf(t, funnel.Options{Period: funnel.Quarter, Calendar: tt.opts.Calendar, Location: tt.opts.Location, AsOf: tt.asOf})
			var deals []funnel.Deal
			for i, x := range tt.txs {
				if x.Time.After(tt.asOf) {
					continue
				}
				deals = append(deals, funnel.Deal{ID: string(rune('a' + i)), Account: x.Customer, Stage: "Won", Outcome: funnel.Won,
					Created: x.Time.Add(-time.Hour), Closed: x.Time, Amount: x.Amount})
			}
			dl, err := FromDeals(s, slices.Values(deals))
			if err != nil {
				t.Fatal(err)
			}
			got, err := dl.Cohorts()
			if err != nil {
				t.Fatal(err)
			}
			if got.Calendar != tt.opts.Calendar {
				t.Errorf("calendar %+v, want %+v", got.Calendar, tt.opts.Calendar)
			}
			if diff := cmp.Diff(tt.cohorts, got.Cohorts, noIntervals); diff != "" {
				t.Errorf("cohorts (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := NewLog(LogOptions{Calendar: funnel.Calendar{FiscalStart: 13}}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("month 13: %v", err)
	}
}

// TestCalendarMatchesFunnel checks the log's period numbering against
// funnel.Calendar's own, its independent route: for every period of
// several calendars, in zones whose clocks skip or repeat midnight or skip
// a whole day, random instants and half-hour steps over the zones' changes
// get the period number funnel.Calendar.Index gives, and the period's
// start is funnel.Calendar.Start's.
func TestCalendarMatchesFunnel(t *testing.T) {
	cals := []funnel.Calendar{{}, {FiscalStart: time.February}, {FiscalStart: time.November, NameByStart: true},
		{FiscalStart: time.April, Weeks: funnel.Weeks445, EndWeekday: time.Saturday, Nearest: true},
		{Weeks: funnel.Weeks454, EndWeekday: time.Sunday}}
	rng := rand.New(rand.NewPCG(1, 2))
	var at []time.Time
	for range 1500 {
		at = append(at, time.Unix(rng.Int64N(50*365*86400)+631152000, rng.Int64N(1e9))) // 1990 to 2040
	}
	// far periods widen the table of days past its bound: they are
	// numbered without it
	at = append(at, time.Date(1700, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2300, 6, 15, 0, 0, 0, 0, time.UTC), time.Date(1600, 2, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2020, 5, 5, 0, 0, 0, 0, time.UTC))
	for _, w := range [][2]time.Time{
		{time.Date(2023, 3, 31, 0, 0, 0, 0, time.UTC), time.Date(2023, 4, 4, 0, 0, 0, 0, time.UTC)},   // Santiago, back over midnight
		{time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2023, 9, 5, 0, 0, 0, 0, time.UTC)},    // Santiago, midnight skipped
		{time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)}, // Havana, midnight twice
		{time.Date(2011, 12, 28, 0, 0, 0, 0, time.UTC), time.Date(2012, 1, 2, 0, 0, 0, 0, time.UTC)},  // Apia, 30 December skipped
		{time.Date(1999, 12, 25, 0, 0, 0, 0, time.UTC), time.Date(2000, 1, 10, 0, 0, 0, 0, time.UTC)}, // a year's end
	} {
		for x := w[0]; x.Before(w[1]); x = x.Add(30 * time.Minute) {
			at = append(at, x, x.Add(-time.Nanosecond))
		}
	}
	for _, zone := range []string{"UTC", "America/Santiago", "America/Havana", "Pacific/Apia"} {
		loc := mustZone(t, zone)
		for _, c := range cals {
			for _, p := range []funnel.Period{funnel.Day, funnel.Week, funnel.Month, funnel.Quarter, funnel.Year} {
				cal := newCalendar(c, p, loc)
				for _, x := range at {
					k := cal.index(x.Unix(), int32(x.Nanosecond()))
					if want := c.Index(p, x, loc); k != want {
						t.Fatalf("%s %+v %v: %v numbered %d, want %d", zone, c, p, x.In(loc), k, want)
					}
					if got, want := cal.startTime(k), c.Start(p, x, loc); !got.Equal(want) {
						t.Fatalf("%s %+v %v: %v in the period from %v, want %v", zone, c, p, x.In(loc), got, want)
					}
				}
			}
		}
	}
}
