package funnel

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// A Period is a calendar unit used to group deals by time. The zero Period
// is [Month].
type Period int8

// The calendar periods. Weeks are ISO 8601 weeks: they start on Monday and
// belong to the ISO year of their Thursday.
const (
	Month Period = iota
	Day
	Week
	Quarter
	Year
)

var periodNames = [...]string{Month: "month", Day: "day", Week: "week", Quarter: "quarter", Year: "year"}

func (p Period) valid() bool { return p >= Month && p <= Year }

// String returns "month", "day", "week", "quarter" or "year", or
// "Period(N)" for an invalid value.
func (p Period) String() string {
	if p.valid() {
		return periodNames[p]
	}
	return "Period(" + strconv.Itoa(int(p)) + ")"
}

// MarshalText encodes the period by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (p Period) MarshalText() ([]byte, error) {
	if !p.valid() {
		return nil, fmt.Errorf("funnel: period %d: %w", int(p), ErrInvalidParam)
	}
	return []byte(periodNames[p]), nil
}

// UnmarshalText decodes a period name as written by [Period.MarshalText].
func (p *Period) UnmarshalText(b []byte) error {
	for i, n := range periodNames {
		if string(b) == n {
			*p = Period(i)
			return nil
		}
	}
	return fmt.Errorf("funnel: period %q: %w", b, ErrInvalidParam)
}

// Start returns the start of the period that contains t, in loc, in
// calendar years (see [Calendar.Start] for fiscal calendars): the first
// instant whose local date in loc is on or after the period's first day,
// which is local midnight except where a zone's clock skips midnight (a
// daylight-saving change at 00:00, such as America/Havana's, starts the
// day at 01:00) or a whole day (Pacific/Apia skipped 30 December 2011:
// that day has no instant and belongs to no period). A nil loc means UTC.
// Start is idempotent: Start(Start(t)) == Start(t). Start of an invalid
// Period returns t's day.
func (p Period) Start(t time.Time, loc *time.Location) time.Time {
	return Calendar{}.Start(p, t, loc)
}

// Next returns the start of the period after the one that holds t, in loc
// (nil means UTC), in calendar years. Stepping with Next always moves
// forward by one calendar period, also across days a zone skips.
func (p Period) Next(t time.Time, loc *time.Location) time.Time {
	return Calendar{}.Next(p, t, loc)
}

// Label names the period that holds t in loc (nil means UTC), in calendar
// years: 2024-03-05, 2024-W10, 2024-03, 2024-Q1 or 2024.
func (p Period) Label(t time.Time, loc *time.Location) string {
	return Calendar{}.Label(p, t, loc)
}

// A span is a period in a calendar: the machinery of period keys. A key is
// the day number (days since 1970-01-01) of the period's first day, so
// keys of one span sort in time order.
type span struct {
	p Period
	c Calendar
}

func (c Calendar) span(p Period, loc *time.Location) (span, *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	if !p.valid() {
		p = Day
	}
	return span{p, c}, loc
}

// Start returns the start of the period p that contains t in loc (nil
// means UTC) in the calendar c: the first instant whose local date is on
// or after the period's first day (see [Period.Start]).
func (c Calendar) Start(p Period, t time.Time, loc *time.Location) time.Time {
	sp, loc := c.span(p, loc)
	return sp.keyStart(sp.keyOf(t, loc), loc)
}

// Next returns the start of the period p after the one that holds t, in
// loc (nil means UTC) and the calendar c.
func (c Calendar) Next(p Period, t time.Time, loc *time.Location) time.Time {
	sp, loc := c.span(p, loc)
	return sp.keyStart(sp.nextKey(sp.keyOf(t, loc)), loc)
}

// Label names the period p that holds t in loc (nil means UTC) in the
// calendar c: 2024-03-05, 2024-W10 and 2024-03 for days, ISO weeks and
// calendar months; 2024-Q1 and 2024 for calendar quarters and years;
// FY2025-Q1 and FY2025 for fiscal ones; FY2025-P01 for the month-like
// periods of a week-based calendar.
func (c Calendar) Label(p Period, t time.Time, loc *time.Location) string {
	sp, loc := c.span(p, loc)
	return sp.label(sp.keyOf(t, loc))
}

// keyOf returns the key of the period that holds t: the last period whose
// start is at or before t.
func (sp span) keyOf(t time.Time, loc *time.Location) int32 {
	y, m, d := t.In(loc).Date()
	k := sp.dateKey(y, m, d)
	for i := 0; i < 4; i++ { // a clock turned back over midnight
		n := sp.nextKey(k)
		if sp.keyStart(n, loc).After(t) {
			break
		}
		k = n
	}
	return k
}

// dayNumber returns the days from 1970-01-01 to y-m-d (negative before
// it: midnight's Unix time is an exact multiple of a day, so the division
// does not round toward zero).
func dayNumber(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// civil returns the date of a day number.
func civil(n int32) (int, time.Month, int) {
	return time.Unix(int64(n)*86400+43200, 0).UTC().Date()
}

// dateKey is the key of the period holding a calendar date.
func (sp span) dateKey(y int, m time.Month, d int) int32 {
	day := dayNumber(y, m, d)
	switch sp.p {
	case Day:
		return day
	case Week:
		return day - int32((int(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday())+6)%7) // back to Monday
	}
	if sp.c.Weeks != 0 {
		return sp.c.weekKey(sp.p, day)
	}
	start := sp.c.startMonth()
	months := 1
	switch sp.p {
	case Quarter:
		months = 3
	case Year:
		months = 12
	}
	// months since the fiscal year's first month, in whole periods
	idx := (y*12 + int(m) - 1) - (int(start) - 1)
	idx -= mod(idx, months)
	return dayNumber(idx/12, time.Month(mod(idx, 12)+int(start)), 1)
}

func mod(a, b int) int { return ((a % b) + b) % b }

// nextKey returns the key of the period after the one with key k, by
// calendar arithmetic (independent of any zone, so it always moves on).
func (sp span) nextKey(k int32) int32 {
	switch sp.p {
	case Day:
		return k + 1
	case Week:
		return k + 7
	}
	if sp.c.Weeks != 0 {
		return sp.c.weekNext(sp.p, k)
	}
	y, m, _ := civil(k)
	months := map[Period]int{Month: 1, Quarter: 3, Year: 12}[sp.p]
	return dayNumber(y, m+time.Month(months), 1)
}

// keyStart is the first instant of the period with key k in loc: the
// first instant whose local date is on or after the period's first day.
func (sp span) keyStart(k int32, loc *time.Location) time.Time {
	y, m, d := civil(k)
	return dayStart(y, m, d, loc)
}

// label names the period with key k.
func (sp span) label(k int32) string {
	y, m, d := civil(k)
	switch sp.p {
	case Day:
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	case Week:
		iy, w := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).ISOWeek()
		return fmt.Sprintf("%d-W%02d", iy, w)
	}
	if sp.c.Weeks != 0 {
		fy, q, per := sp.c.weekIndex(k)
		switch sp.p {
		case Quarter:
			return fmt.Sprintf("FY%d-Q%d", fy, q)
		case Year:
			return fmt.Sprintf("FY%d", fy)
		}
		return fmt.Sprintf("FY%d-P%02d", fy, per)
	}
	if !sp.c.fiscal() {
		switch sp.p {
		case Quarter:
			return fmt.Sprintf("%d-Q%d", y, (int(m)-1)/3+1)
		case Year:
			return strconv.Itoa(y)
		}
		return fmt.Sprintf("%d-%02d", y, int(m))
	}
	fy, q := sp.c.fiscalYear(y, m)
	switch sp.p {
	case Quarter:
		return fmt.Sprintf("FY%d-Q%d", fy, q)
	case Year:
		return fmt.Sprintf("FY%d", fy)
	}
	return fmt.Sprintf("%d-%02d", y, int(m))
}

// dayStart returns the first instant whose local date in loc is on or
// after y-m-d.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	c := time.Date(y, m, d, 0, 0, 0, 0, loc)
	onOrAfter := func(t time.Time) bool {
		ty, tm, td := t.In(loc).Date()
		return ty > y || (ty == y && (tm > m || (tm == m && td >= d)))
	}
	_, offC := c.Zone()
	_, offBefore := c.Add(-26 * time.Hour).In(loc).Zone()
	if offC == offBefore && onOrAfter(c) && !onOrAfter(c.Add(-time.Nanosecond)) {
		return c // no clock change in the day before: local time rose steadily to c
	}
	// the clock skips midnight, or was turned back over it (the date then
	// reaches the day, falls back and reaches it again: the first time
	// counts): search the 52 hours around c in one-hour steps (zone
	// transitions are months apart), then refine
	lo := c.Add(-26 * time.Hour)
	for lo.Before(c.Add(26*time.Hour)) && !onOrAfter(lo.Add(time.Hour)) {
		lo = lo.Add(time.Hour)
	}
	hi := lo.Add(time.Hour) // onOrAfter(hi), !onOrAfter(lo)
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
		if !mid.After(lo) {
			mid = lo.Add(time.Second)
		}
		if onOrAfter(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi.In(loc)
}

// A Cohort is one row of a cohort table: the units (deals, customers) that
// started in one period, and what they had done by each age, in whole
// periods since that period (age 0 is the start period itself). Deal
// cohorts count the deals created in a period and won by each age;
// customer cohorts count the customers whose first purchase fell in the
// period and their revenue by each age. The analysis that builds the table
// says what Count and Amount hold.
type Cohort struct {
	Start time.Time     `json:"-"` // the first instant of the cohort's period (JSON start)
	Size  int64         `json:"size"`
	Ages  []CohortValue `json:"ages"`
}

// A CohortValue is what a cohort had done by one age: a count (with its
// rate over the cohort's size) and an amount (with its mean per unit of
// the cohort).
type CohortValue struct {
	Count   int64           `json:"count"`
	Rate    Rate            `json:"rate"`
	Amount  decimal.Decimal `json:"amount"`
	PerUnit decimal.Decimal `json:"per_unit"`
}

type cohortJSON struct {
	cohortAlias
	Start *time.Time `json:"start"`
}

type cohortAlias Cohort

// MarshalJSON encodes the cohort with its start as RFC 3339.
func (c Cohort) MarshalJSON() ([]byte, error) {
	if c.Ages == nil {
		c.Ages = []CohortValue{}
	}
	return json.Marshal(cohortJSON{cohortAlias(c), timePtr(c.Start)})
}

// UnmarshalJSON decodes a cohort written by [Cohort.MarshalJSON].
func (c *Cohort) UnmarshalJSON(b []byte) error {
	var o cohortJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = Cohort(o.cohortAlias)
	c.Start = timeOf(o.Start)
	return nil
}
