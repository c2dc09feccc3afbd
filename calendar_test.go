package funnel

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
)

// TestCalendar works out fiscal and week-based periods by hand.
func TestCalendar(t *testing.T) {
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	fy := Calendar{FiscalStart: time.February}
	// 4-4-5 ending on the last Saturday of January: FY2024 runs from
	// Sunday 29 January 2023 (the day after the last Saturday of January
	// 2023) to Saturday 27 January 2024, 52 weeks
	w445 := Calendar{FiscalStart: time.February, Weeks: Weeks445, EndWeekday: time.Saturday}
	// the NRF 4-5-4 calendar: the year ends on the Saturday nearest 31
	// January and is named by its start: fiscal 2023 ran from 29 January
	// 2023 to 3 February 2024, 53 weeks, its January period of 5 weeks
	// starting 31 December 2023
	nrf := Calendar{FiscalStart: time.February, Weeks: Weeks454, EndWeekday: time.Saturday, Nearest: true, NameByStart: true}
	tests := []struct {
		c     Calendar
		p     Period
		t     time.Time
		start time.Time
		label string
		next  time.Time
	}{
		{Calendar{}, Quarter, date(2024, 3, 15), date(2024, 1, 1), "2024-Q1", date(2024, 4, 1)},
		{fy, Quarter, date(2024, 3, 15), date(2024, 2, 1), "FY2025-Q1", date(2024, 5, 1)},
		{fy, Quarter, date(2024, 1, 15), date(2023, 11, 1), "FY2024-Q4", date(2024, 2, 1)},
		{fy, Year, date(2024, 1, 31), date(2023, 2, 1), "FY2024", date(2024, 2, 1)},
		{Calendar{FiscalStart: time.February, NameByStart: true}, Quarter, date(2024, 3, 15), date(2024, 2, 1), "FY2024-Q1", date(2024, 5, 1)},
		{fy, Month, date(2024, 3, 15), date(2024, 3, 1), "2024-03", date(2024, 4, 1)},
		{Calendar{FiscalStart: time.October}, Quarter, date(2024, 12, 31), date(2024, 10, 1), "FY2025-Q1", date(2025, 1, 1)},
		{w445, Year, date(2023, 6, 1), date(2023, 1, 29), "FY2024", date(2024, 1, 28)},
		{w445, Quarter, date(2023, 4, 15), date(2023, 1, 29), "FY2024-Q1", date(2023, 4, 30)},
		{w445, Month, date(2023, 4, 15), date(2023, 3, 26), "FY2024-P03", date(2023, 4, 30)},
		{w445, Month, date(2023, 2, 26), date(2023, 2, 26), "FY2024-P02", date(2023, 3, 26)},
		{nrf, Year, date(2023, 6, 1), date(2023, 1, 29), "FY2023", date(2024, 2, 4)},
		{nrf, Month, date(2024, 2, 1), date(2023, 12, 31), "FY2023-P12", date(2024, 2, 4)},
		{nrf, Quarter, date(2024, 2, 3), date(2023, 10, 29), "FY2023-Q4", date(2024, 2, 4)},
		{nrf, Week, date(2024, 2, 3), date(2024, 1, 29), "2024-W05", date(2024, 2, 5)}, // weeks stay ISO weeks
	}
	for _, tt := range tests {
		start, label, next := tt.c.Start(tt.p, tt.t, nil), tt.c.Label(tt.p, tt.t, nil), tt.c.Next(tt.p, tt.t, nil)
		if !start.Equal(tt.start) || label != tt.label || !next.Equal(tt.next) {
			t.Errorf("%+v %v of %v: start %v label %q next %v, want %v %q %v", tt.c, tt.p, tt.t.Format(time.DateOnly),
				start.Format(time.DateOnly), label, next.Format(time.DateOnly), tt.start.Format(time.DateOnly), tt.label, tt.next.Format(time.DateOnly))
		}
	}
}

// TestCalendarSteps walks 30 years of every period of several calendars:
// each period starts where the one before ends, holds its own start, and a
// week-based year has 52 or 53 weeks and 12 periods.
func TestCalendarSteps(t *testing.T) {
	for _, c := range []Calendar{{}, {FiscalStart: time.July}, {FiscalStart: time.February, Weeks: Weeks445, EndWeekday: time.Saturday},
		{FiscalStart: time.February, Weeks: Weeks454, EndWeekday: time.Saturday, Nearest: true}, {Weeks: Weeks544, EndWeekday: time.Sunday}} {
		for _, p := range []Period{Month, Quarter, Year} {
			at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
			at = c.Start(p, at, nil)
			for at.Year() < 2030 {
				next := c.Next(p, at, nil)
				if !next.After(at) || !c.Start(p, next, nil).Equal(next) || !c.Start(p, next.Add(-time.Second), nil).Equal(at) {
					t.Fatalf("%+v %v: period %v, next %v", c, p, at, next)
				}
				if c.Weeks != 0 && p == Year {
					if d := next.Sub(at) / (24 * time.Hour); d != 364 && d != 371 {
						t.Fatalf("%+v: year from %v of %d days", c, at, d)
					}
				}
				at = next
			}
		}
	}
}

// TestCalendarLeads counts leads per fiscal quarter in a report.
func TestCalendarLeads(t *testing.T) {
	f := mustFunnel(t, "A")
	deals := []Deal{
		{ID: "1", Stage: "A", Created: time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)},
		{ID: "2", Stage: "A", Created: time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)},
		{ID: "3", Stage: "A", Created: time.Date(2024, 4, 30, 12, 0, 0, 0, time.UTC)},
	}
	r, err := Compute(f, slices.Values(deals), Options{Period: Quarter, Calendar: Calendar{FiscalStart: time.February}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range r.Periods {
		got = append(got, p.Label+" "+p.Start.Format(time.DateOnly)+" "+strconv.FormatInt(p.Created, 10))
	}
	if diff := cmp.Diff([]string{"FY2024-Q4 2023-11-01 1", "FY2025-Q1 2024-02-01 2"}, got); diff != "" {
		t.Errorf("leads per fiscal quarter (-want +got):\n%s", diff)
	}
	if _, err := NewScan(f, Options{Calendar: Calendar{FiscalStart: 13}}); err == nil {
		t.Error("month 13 accepted")
	}
}

// TestCalendarIndex checks that Index numbers consecutive periods
// consecutively and that At inverts it, for every period of several
// calendars over 30 years, before and after 1970.
func TestCalendarIndex(t *testing.T) {
	for _, c := range []Calendar{{}, {FiscalStart: time.July}, {FiscalStart: time.February, Weeks: Weeks445, EndWeekday: time.Saturday},
		{FiscalStart: time.February, Weeks: Weeks454, EndWeekday: time.Saturday, Nearest: true, NameByStart: true}} {
		for _, p := range []Period{Day, Week, Month, Quarter, Year} {
			for _, from := range []int{1950, 2010} {
				at := c.Start(p, time.Date(from, 3, 1, 0, 0, 0, 0, time.UTC), nil)
				i := c.Index(p, at, nil)
				for n := 0; n < 400 && at.Year() < from+30; n++ {
					if got := c.Index(p, at, nil); got != i {
						t.Fatalf("%+v %v: period %v numbered %d, want %d", c, p, at, got, i)
					}
					if got := c.At(p, i, nil); !got.Equal(at) {
						t.Fatalf("%+v %v: At(%d) = %v, want %v", c, p, i, got, at)
					}
					at, i = c.Next(p, at, nil), i+1
				}
			}
		}
	}
	// the fiscal quarter of March 2024 under a February start is the
	// first of its year: quarter numbers count from the fiscal year's start
	fy := Calendar{FiscalStart: time.February}
	if i, j := fy.Index(Quarter, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), nil), fy.Index(Quarter, time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), nil); i != j+1 {
		t.Errorf("quarters of February and January 2024: %d and %d", i, j)
	}
}

// TestCalendarJSON writes calendars in the library's JSON style, by the
// names of months, weekdays and patterns, and reads them back.
func TestCalendarJSON(t *testing.T) {
	for _, tt := range []struct {
		c    Calendar
		want string
	}{
		{Calendar{}, `{"fiscal_start":"","name_by_start":false,"weeks":"","end_weekday":"Sunday","nearest":false}`},
		{Calendar{FiscalStart: time.February, Weeks: Weeks445, EndWeekday: time.Saturday, Nearest: true, NameByStart: true},
			`{"fiscal_start":"February","name_by_start":true,"weeks":"4-4-5","end_weekday":"Saturday","nearest":true}`},
	} {
		b, err := json.Marshal(tt.c)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("%+v: %s, want %s", tt.c, b, tt.want)
		}
		schematest.CheckJSON(t, "calendar", b)
		var back Calendar
		if err := json.Unmarshal(b, &back); err != nil || back != tt.c {
			t.Errorf("%s read back as %+v, %v", b, back, err)
		}
	}
	for _, bad := range []string{`{"fiscal_start":"Febuary"}`, `{"weeks":"4-4-4"}`, `{"end_weekday":"Caturday"}`} {
		var c Calendar
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("%s accepted as %+v", bad, c)
		}
	}
	if _, err := json.Marshal(Calendar{FiscalStart: 13}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("month 13 written: %v", err)
	}
}

// TestCalendarEqual checks that calendars that count the same periods with
// the same names are equal, and scans with them merge.
func TestCalendarEqual(t *testing.T) {
	w := Calendar{Weeks: Weeks445, EndWeekday: time.Saturday}
	for _, tt := range []struct {
		a, b Calendar
		want bool
	}{
		{Calendar{}, Calendar{FiscalStart: time.January}, true},
		{Calendar{}, Calendar{NameByStart: true, EndWeekday: time.Friday, Nearest: true}, true},
		{Calendar{}, Calendar{FiscalStart: time.February}, false},
		{Calendar{FiscalStart: time.February}, Calendar{FiscalStart: time.February, NameByStart: true}, false},
		{w, Calendar{FiscalStart: time.January, Weeks: Weeks445, EndWeekday: time.Saturday, NameByStart: true}, true},
		{w, Calendar{Weeks: Weeks445, EndWeekday: time.Saturday, Nearest: true}, false},
		{w, Calendar{Weeks: Weeks454, EndWeekday: time.Saturday}, false},
	} {
		if got := tt.a.Equal(tt.b); got != tt.want {
			t.Errorf("%+v equal to %+v: %v, want %v", tt.a, tt.b, got, tt.want)
		}
		// the same periods and names, 30 years of quarters
		if tt.want {
			for at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2030; at = tt.a.Next(Quarter, at, nil) {
				if !tt.a.Start(Quarter, at, nil).Equal(tt.b.Start(Quarter, at, nil)) || tt.a.Label(Quarter, at, nil) != tt.b.Label(Quarter, at, nil) {
					t.Fatalf("%+v and %+v differ at %v", tt.a, tt.b, at)
				}
			}
		}
	}
	f := mustFunnel(t, "A")
	a, err := NewScan(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewScan(f, Options{Calendar: Calendar{FiscalStart: time.January}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewScan(f, Options{Calendar: Calendar{FiscalStart: time.February}})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Equal(b) || a.Equal(c) {
		t.Errorf("scans of calendar years equal %v, of a February year %v", a.Equal(b), a.Equal(c))
	}
}
