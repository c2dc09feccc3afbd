package funnel

import (
	"fmt"
	"strconv"
	"time"
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

// Start returns the start of the period that contains t, as a time in loc
// (midnight of the first day of the period in loc). A nil loc means UTC.
// Start of an invalid Period returns t's day.
func (p Period) Start(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return p.keyStart(p.key(t.In(loc)), loc)
}

// key returns a compact identifier of the period containing t, in t's
// location. Keys of one Period sort in time order.
func (p Period) key(t time.Time) int32 {
	switch p {
	case Week:
		y, w := t.ISOWeek()
		return int32(y*100 + w)
	case Month:
		y, m, _ := t.Date()
		return int32(y*100 + int(m))
	case Quarter:
		y, m, _ := t.Date()
		return int32(y*10 + (int(m)-1)/3 + 1)
	case Year:
		return int32(t.Year())
	default: // Day
		return int32(t.Year()*1000 + t.YearDay())
	}
}

// keyStart is the inverse of key: the first instant of the period in loc.
func (p Period) keyStart(k int32, loc *time.Location) time.Time {
	n := int(k)
	switch p {
	case Week:
		y, w := n/100, n%100
		// 4 January is always in ISO week 1.
		jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, loc)
		offset := (int(jan4.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, time.January, 4-offset+(w-1)*7, 0, 0, 0, 0, loc)
	case Month:
		return time.Date(n/100, time.Month(n%100), 1, 0, 0, 0, 0, loc)
	case Quarter:
		return time.Date(n/10, time.Month((n%10-1)*3+1), 1, 0, 0, 0, 0, loc)
	case Year:
		return time.Date(n, time.January, 1, 0, 0, 0, 0, loc)
	default: // Day
		return time.Date(n/1000, time.January, n%1000, 0, 0, 0, 0, loc)
	}
}

// next returns the start of the period after the one that starts at start.
func (p Period) next(start time.Time) time.Time {
	switch p {
	case Week:
		return start.AddDate(0, 0, 7)
	case Month:
		return start.AddDate(0, 1, 0)
	case Quarter:
		return start.AddDate(0, 3, 0)
	case Year:
		return start.AddDate(1, 0, 0)
	default: // Day
		return start.AddDate(0, 0, 1)
	}
}
