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

// Start returns the start of the period that contains t, in loc: the
// first instant whose local date in loc is on or after the period's first
// day, which is local midnight except where a zone's clock skips midnight
// (a daylight-saving change at 00:00, such as America/Havana's, starts the
// day at 01:00) or a whole day (Pacific/Apia skipped 30 December 2011: that
// day has no instant and belongs to no period). A nil loc means UTC.
// Start is idempotent: Start(Start(t)) == Start(t). Start of an invalid
// Period returns t's day.
func (p Period) Start(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if !p.valid() {
		p = Day
	}
	return p.keyStart(p.keyOf(t, loc), loc)
}

// keyOf returns the key of the period that holds t: the last period whose
// start is at or before t.
func (p Period) keyOf(t time.Time, loc *time.Location) int32 {
	k := p.key(t.In(loc))
	for i := 0; i < 4; i++ { // a clock turned back over midnight
		n := p.nextKey(k)
		if p.keyStart(n, loc).After(t) {
			break
		}
		k = n
	}
	return k
}

// key returns a compact identifier of the period containing t's local
// date, in t's location. Keys of one Period sort in time order.
func (p Period) key(t time.Time) int32 {
	y, m, d := t.Date()
	return p.dateKey(y, m, d)
}

// dateKey is the key of the period holding a calendar date.
func (p Period) dateKey(y int, m time.Month, d int) int32 {
	switch p {
	case Week:
		y, w := time.Date(y, m, d, 12, 0, 0, 0, time.UTC).ISOWeek()
		return int32(y*100 + w)
	case Month:
		return int32(y*100 + int(m))
	case Quarter:
		return int32(y*10 + (int(m)-1)/3 + 1)
	case Year:
		return int32(y)
	default: // Day
		return int32(y*1000 + time.Date(y, m, d, 12, 0, 0, 0, time.UTC).YearDay())
	}
}

// firstDay returns the first calendar date of the period with key k.
func (p Period) firstDay(k int32) (int, time.Month, int) {
	n := int(k)
	var t time.Time
	switch p {
	case Week:
		y, w := n/100, n%100
		// 4 January is always in ISO week 1.
		jan4 := time.Date(y, time.January, 4, 12, 0, 0, 0, time.UTC)
		offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
		t = time.Date(y, time.January, 4-offset+(w-1)*7, 12, 0, 0, 0, time.UTC)
	case Month:
		t = time.Date(n/100, time.Month(n%100), 1, 12, 0, 0, 0, time.UTC)
	case Quarter:
		t = time.Date(n/10, time.Month((n%10-1)*3+1), 1, 12, 0, 0, 0, time.UTC)
	case Year:
		t = time.Date(n, time.January, 1, 12, 0, 0, 0, time.UTC)
	default: // Day
		t = time.Date(n/1000, time.January, n%1000, 12, 0, 0, 0, time.UTC)
	}
	return t.Date()
}

// nextKey returns the key of the period after the one with key k, by
// calendar arithmetic (independent of any zone, so it always moves on).
func (p Period) nextKey(k int32) int32 {
	y, m, d := p.firstDay(k)
	t := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	switch p {
	case Week:
		t = t.AddDate(0, 0, 7)
	case Month:
		t = t.AddDate(0, 1, 0)
	case Quarter:
		t = t.AddDate(0, 3, 0)
	case Year:
		t = t.AddDate(1, 0, 0)
	default:
		t = t.AddDate(0, 0, 1)
	}
	return p.dateKey(t.Date())
}

// keyStart is the first instant of the period with key k in loc: the
// first instant whose local date is on or after the period's first day.
func (p Period) keyStart(k int32, loc *time.Location) time.Time {
	y, m, d := p.firstDay(k)
	return dayStart(y, m, d, loc)
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

// Next returns the start of the period after the one that holds t, in loc
// (nil means UTC). Stepping with Next always moves forward by one
// calendar period, also across days a zone skips.
func (p Period) Next(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if !p.valid() {
		p = Day
	}
	return p.keyStart(p.nextKey(p.keyOf(t, loc)), loc)
}

// Label names the period that holds t in loc (nil means UTC): 2024-03-05,
// 2024-W10, 2024-03, 2024-Q1 or 2024.
func (p Period) Label(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	if !p.valid() {
		p = Day
	}
	y, m, d := p.firstDay(p.keyOf(t, loc))
	return p.label(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
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
