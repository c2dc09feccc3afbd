package trend

import (
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/enum"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
)

// MaxPeriods is the largest number of periods a [Series] spans: about 27
// years of days, 190 years of weeks or 830 years of months. Each period
// holds a [funnel.Tally] and gives a [funnel.Report] of a few kilobytes.
// A series whose From and To span more is refused by [NewSeries]; a series
// without them whose deals span more gives an error from [Series.Report].
// The span is counted in calendar periods from the first to the last (a
// day a zone skipped counts, though it has no row).
const MaxPeriods = 10_000

// Periods are placed on the calendar of years 1 to 9999, the years RFC
// 3339 (and so JSON) can write: a time whose period starts before year 1
// or ends after year 9999 in the scan's zone is undatable and counted as
// such.
const (
	minYear = 1
	maxYear = 9999
)

// calendar places times in the periods of a scan (its Period, Calendar
// and Location) and numbers the periods by [funnel.Calendar.Index]: the
// distance between two ordinals is the number of periods between them
// (days in UTC dates, ISO weeks, and the calendar's months, quarters and
// years, fiscal or week-based ones too).
type calendar struct {
	per funnel.Period
	cal funnel.Calendar
	loc *time.Location
}

func newCalendar(s *funnel.Scan) calendar {
	o := s.Options()
	return calendar{per: o.Period, cal: o.Calendar, loc: o.Location}
}

// dateOrdinal is the ordinal of the period holding a calendar date.
func (c calendar) dateOrdinal(y int, m time.Month, d int) int64 {
	return c.cal.Index(c.per, time.Date(y, m, d, 12, 0, 0, 0, time.UTC), time.UTC)
}

// ordinal returns the ordinal of the period that starts at start (a
// period start in the calendar's zone).
func (c calendar) ordinal(start time.Time) int64 {
	y, m, d := start.In(c.loc).Date()
	return c.dateOrdinal(y, m, d)
}

// firstDay returns the first calendar date of the period with ordinal k.
func (c calendar) firstDay(k int64) (int, time.Month, int) {
	return c.cal.At(c.per, k, time.UTC).Date()
}

// label names the period that starts at start.
func (c calendar) label(start time.Time) string { return c.cal.Label(c.per, start, c.loc) }

// bounds returns the ordinals of the first and last periods of years 1 to
// 9999.
func (c calendar) bounds() (lo, hi int64) {
	return c.dateOrdinal(minYear, time.January, 1), c.dateOrdinal(maxYear, time.December, 31)
}

// datable reports whether a period from start to end lies in years 1 to
// 9999 in the calendar's zone.
func (c calendar) datable(start, end time.Time) bool {
	return start.In(c.loc).Year() >= minYear && end.In(c.loc).Year() <= maxYear
}

// place returns the ordinal, start and end of the period that holds t,
// and false when t is undatable.
func (c calendar) place(t time.Time) (int64, time.Time, time.Time, bool) {
	if y := t.In(c.loc).Year(); y < minYear || y > maxYear {
		return 0, time.Time{}, time.Time{}, false
	}
	start := c.cal.Start(c.per, t, c.loc)
	end := c.cal.Next(c.per, t, c.loc)
	if start.After(t) || !end.After(t) || !c.datable(start, end) {
		return 0, time.Time{}, time.Time{}, false
	}
	return c.ordinal(start), start, end, true
}

// start returns the start of the period with ordinal k, and false when no
// instant of the calendar's zone falls in it (a day the zone skipped) or
// it is undatable.
func (c calendar) start(k int64) (time.Time, bool) {
	lo, hi := c.bounds()
	if k < lo || k > hi {
		return time.Time{}, false
	}
	y, m, d := c.firstDay(k)
	k2, start, _, ok := c.place(time.Date(y, m, d, 12, 0, 0, 0, c.loc))
	if !ok || k2 != k {
		return time.Time{}, false
	}
	return start, true
}

// A periodCache remembers the Unix-second ranges of the periods seen, so
// that placing a time costs a binary search. Period boundaries are whole
// seconds, so comparing Unix seconds places a time exactly.
type periodCache struct {
	c      calendar
	ranges []cachedRange // sorted by start
}

type cachedRange struct {
	start, end, ord int64
}

// maxCached bounds the cache: past it, times are placed without caching,
// so that data spread over many periods costs neither quadratic inserts
// nor unbounded memory.
const maxCached = 4096

// place returns the ordinal of the period holding t, and false when t is
// undatable.
func (p *periodCache) place(t time.Time) (int64, bool) {
	sec := t.Unix()
	i, j := 0, len(p.ranges)
	for i < j {
		h := int(uint(i+j) >> 1)
		switch r := &p.ranges[h]; {
		case sec < r.start:
			j = h
		case sec >= r.end:
			i = h + 1
		default:
			return r.ord, true
		}
	}
	k, start, end, ok := p.c.place(t)
	if !ok {
		return 0, false
	}
	if len(p.ranges) < maxCached {
		p.ranges = slices.Insert(p.ranges, i, cachedRange{start.Unix(), end.Unix(), k})
	}
	return k, true
}

// secondsBetween returns the whole seconds from a to b, truncated toward
// zero, for b not before a, saturated at maxSeconds.
func secondsBetween(a, b time.Time) int64 {
	as, bs := a.Unix(), b.Unix()
	if as < 0 && bs > math.MaxInt64+as {
		return maxSeconds
	}
	d := bs - as
	if b.Nanosecond() < a.Nanosecond() {
		d--
	}
	return min(max(d, 0), maxSeconds)
}

// maxSeconds is the longest duration kept, in seconds (so that 2 s + 1
// fits an int64); it is far beyond the years 1 to 9999.
const maxSeconds = math.MaxInt64 >> 1

// duration converts seconds to a Duration, saturated at its range (about
// 292 years).
func duration(sec int64) time.Duration {
	if sec > math.MaxInt64/int64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(sec) * time.Second
}

// The JSON style of the library (see [jsonstyle]), under the names the
// package's files use.

func timePtr(t time.Time) *time.Time { return jsonstyle.Time(t) }

func timeOf(t *time.Time) time.Time { return jsonstyle.TimeOf(t) }

func secs(d time.Duration) *json.Number { return jsonstyle.SecondsPtr(d) }

func parseSecs(n *json.Number) (time.Duration, error) {
	return jsonstyle.ParseSecondsPtr(n, "trend", funnel.ErrInvalidParam)
}

// The names of the package's enums, by the one rule of [enum].

func enumText[T ~int8](v T, names []string, what string) ([]byte, error) {
	return enum.Text(v, names, "trend", what, funnel.ErrInvalidParam)
}

func enumParse[T ~int8](v *T, b []byte, names []string, what string) error {
	return enum.Parse(v, b, names, "trend", what, funnel.ErrInvalidParam)
}

func enumName[T ~int8](v T, names []string, typ string) string { return enum.Name(v, names, typ) }
