package funnel

import (
	"encoding/json"
	"fmt"
	"time"
)

// A Calendar says how months, quarters and years are counted for every
// period of an analysis (lead generation, cohorts, trends, quotas): the
// calendar year (the zero Calendar), a fiscal year starting in any month,
// or a 52/53-week retail calendar whose quarters of 13 weeks split into
// periods of 4-4-5, 4-5-4 or 5-4-4 weeks (the National Retail
// Federation's 4-5-4 calendar is one). Days and ISO weeks are the same in
// every calendar.
type Calendar struct {
	// FiscalStart is the first month of the fiscal year; zero or
	// January means calendar years. Under a fiscal year starting in
	// February, the first quarter is February to April.
	FiscalStart time.Month
	// NameByStart names a fiscal year after the calendar year it starts
	// in; by default it is named after the year it ends in (with
	// FiscalStart February, FY2025 runs from February 2024 to January
	// 2025).
	NameByStart bool
	// Weeks, when not zero, makes a week-based calendar: its year ends on
	// the last EndWeekday of the month before FiscalStart (December when
	// FiscalStart is January or zero), or, with Nearest, on the EndWeekday
	// nearest that month's last day; a year holds 52 or 53 whole weeks,
	// each quarter 13 of them (the 53rd goes to the fourth quarter's last
	// period), and Month stands for the calendar's periods.
	Weeks      WeekPattern
	EndWeekday time.Weekday
	Nearest    bool
}

// A WeekPattern is how a quarter of 13 weeks splits into three periods.
// The zero WeekPattern is no week-based calendar.
type WeekPattern int8

// The week patterns.
const (
	Weeks445 WeekPattern = iota + 1 // 4, 4 and 5 weeks
	Weeks454                        // 4, 5 and 4 weeks
	Weeks544                        // 5, 4 and 4 weeks
)

var weekPatternNames = [...]string{"", "4-4-5", "4-5-4", "5-4-4"}

// String returns "4-4-5", "4-5-4", "5-4-4", or "" for none.
func (w WeekPattern) String() string { return enumString(w, weekPatternNames[:], "WeekPattern") }

// MarshalText encodes the pattern by name ("" for none). It returns an
// error wrapping [ErrInvalidParam] for an invalid value.
func (w WeekPattern) MarshalText() ([]byte, error) {
	if w == 0 {
		return []byte{}, nil
	}
	return enumMarshal(w, weekPatternNames[:], "week pattern", ErrInvalidParam)
}

// UnmarshalText decodes a pattern as written by [WeekPattern.MarshalText].
func (w *WeekPattern) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*w = 0
		return nil
	}
	return enumUnmarshal(w, b, weekPatternNames[:], "week pattern", ErrInvalidParam)
}

// Validate returns an error wrapping [ErrInvalidParam] for a calendar with
// a month, week pattern or weekday out of range.
func (c Calendar) Validate() error {
	if c.FiscalStart < 0 || c.FiscalStart > 12 || c.Weeks < 0 || c.Weeks > Weeks544 || c.EndWeekday < 0 || c.EndWeekday > 6 {
		return fmt.Errorf("funnel: calendar %+v: %w", c, ErrInvalidParam)
	}
	return nil
}

// Equal reports whether c and d count the same periods with the same
// names: FiscalStart January is zero's calendar year, and a field that
// does not matter (EndWeekday and Nearest without Weeks, NameByStart for a
// year starting in January) is not compared.
func (c Calendar) Equal(d Calendar) bool { return c.canonical() == d.canonical() }

// canonical returns c with the fields that do not matter zeroed.
func (c Calendar) canonical() Calendar {
	if c.FiscalStart == time.January {
		c.FiscalStart = 0
	}
	if c.FiscalStart == 0 {
		c.NameByStart = false
	}
	if c.Weeks == 0 {
		c.EndWeekday, c.Nearest = 0, false
	}
	return c
}

// fiscal reports whether c is not the calendar year.
func (c Calendar) fiscal() bool { return c.startMonth() != time.January || c.Weeks != 0 }

// startMonth returns the first month of the year.
func (c Calendar) startMonth() time.Month {
	if c.FiscalStart == 0 {
		return time.January
	}
	return c.FiscalStart
}

// fiscalYear returns the name and quarter of the fiscal year holding the
// month y-m (month-based calendars).
func (c Calendar) fiscalYear(y int, m time.Month) (name, quarter int) {
	start := c.startMonth()
	sy := y
	if m < start {
		sy--
	}
	name = sy
	if start != time.January && !c.NameByStart {
		name = sy + 1
	}
	return name, mod(int(m)-int(start), 12)/3 + 1
}

// yearEnd returns the day number of the last day of the week-based year
// that ends in calendar year e.
func (c Calendar) yearEnd(e int) int32 {
	m := c.startMonth() - 1
	if m == 0 {
		m = time.December
	}
	last := dayNumber(e, m+1, 0) // the month's last day
	wd := int32(time.Unix(int64(last)*86400, 0).UTC().Weekday())
	back := mod(int(wd)-int(c.EndWeekday), 7) // days back to the last EndWeekday
	end := last - int32(back)
	if c.Nearest && back > 3 {
		end += 7
	}
	return end
}

// weekYear returns the calendar year e in which the week-based year
// holding day ends.
func (c Calendar) weekYear(day int32) int {
	y, _, _ := civil(day)
	for e := y - 1; ; e++ {
		if day <= c.yearEnd(e) {
			return e
		}
	}
}

// weekLayout returns, for the week-based year ending in e, its first day
// and the first day of each of its twelve periods (and of the next year).
func (c Calendar) weekLayout(e int) (starts [13]int32) {
	first := c.yearEnd(e-1) + 1
	weeks := int((c.yearEnd(e) - first + 1) / 7)
	pattern := [3]int{4, 4, 5}
	switch c.Weeks {
	case Weeks454:
		pattern = [3]int{4, 5, 4}
	case Weeks544:
		pattern = [3]int{5, 4, 4}
	}
	at := first
	for i := range 12 {
		starts[i] = at
		w := pattern[i%3]
		if i == 11 {
			w += weeks - 52 // the 53rd week
		}
		at += int32(7 * w)
	}
	starts[12] = at
	return starts
}

// weekKey returns the key of the period p (Month, Quarter or Year) of a
// week-based calendar holding day.
func (c Calendar) weekKey(p Period, day int32) int32 {
	starts := c.weekLayout(c.weekYear(day))
	i := 11
	for i > 0 && starts[i] > day {
		i--
	}
	switch p {
	case Quarter:
		return starts[i/3*3]
	case Year:
		return starts[0]
	}
	return starts[i]
}

// weekNext returns the key of the period after the one with key k.
func (c Calendar) weekNext(p Period, k int32) int32 {
	e := c.weekYear(k)
	starts := c.weekLayout(e)
	switch p {
	case Year:
		return starts[12]
	case Quarter:
		for i := 0; i < 12; i += 3 {
			if starts[i] == k {
				return starts[i+3]
			}
		}
	}
	for i := range 12 {
		if starts[i] == k {
			return starts[i+1]
		}
	}
	return starts[12] // not a period start: cannot happen for keys made here
}

// weekIndex returns the fiscal year's name, the quarter (1-4) and the
// period (1-12) of the week-based period that starts on day k.
func (c Calendar) weekIndex(k int32) (name, quarter, period int) {
	e := c.weekYear(k)
	starts := c.weekLayout(e)
	i := 11
	for i > 0 && starts[i] > k {
		i--
	}
	name = e
	if c.NameByStart && c.startMonth() != time.January {
		name = e - 1
	}
	return name, i/3 + 1, i + 1
}

// Index returns the number of the period p that holds t in loc (nil means
// UTC) in the calendar c, counted so that consecutive periods have
// consecutive numbers: days since 1970-01-01, ISO weeks since the week of
// 1970-01-01, and months, quarters and years (fiscal or week-based ones
// too) since year 0. [Calendar.At] is its inverse.
func (c Calendar) Index(p Period, t time.Time, loc *time.Location) int64 {
	sp, loc := c.span(p, loc)
	return sp.index(sp.keyOf(t, loc))
}

// At returns the start, in loc (nil means UTC), of the period p numbered i
// by [Calendar.Index].
func (c Calendar) At(p Period, i int64, loc *time.Location) time.Time {
	sp, loc := c.span(p, loc)
	return sp.keyStart(sp.keyAt(i), loc)
}

// index returns the number of the period with key k.
func (sp span) index(k int32) int64 {
	switch sp.p {
	case Day:
		return int64(k)
	case Week:
		return floorDiv64(int64(k)+3, 7) // 1969-12-29, day -3, was a Monday
	}
	if sp.c.Weeks != 0 {
		e := int64(sp.c.weekYear(k))
		_, q, per := sp.c.weekIndex(k)
		switch sp.p {
		case Quarter:
			return e*4 + int64(q-1)
		case Year:
			return e
		}
		return e*12 + int64(per-1)
	}
	y, m, _ := civil(k)
	months := int64(y)*12 + int64(m-1) - int64(sp.c.startMonth()-1)
	switch sp.p {
	case Quarter:
		return floorDiv64(months, 3)
	case Year:
		return floorDiv64(months, 12)
	}
	return months
}

// keyAt returns the key of the period numbered i.
func (sp span) keyAt(i int64) int32 {
	switch sp.p {
	case Day:
		return int32(i)
	case Week:
		return int32(i*7 - 3)
	}
	if sp.c.Weeks != 0 {
		switch sp.p {
		case Quarter:
			e := floorDiv64(i, 4)
			return sp.c.weekLayout(int(e))[(i-4*e)*3]
		case Year:
			return sp.c.weekLayout(int(i))[0]
		}
		e := floorDiv64(i, 12)
		return sp.c.weekLayout(int(e))[i-12*e]
	}
	months := i
	switch sp.p {
	case Quarter:
		months = i * 3
	case Year:
		months = i * 12
	}
	months += int64(sp.c.startMonth() - 1)
	y := floorDiv64(months, 12)
	return dayNumber(int(y), time.Month(months-12*y+1), 1)
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// calendarJSON is a Calendar in the library's JSON style: months and
// weekdays by English name, the week pattern by name, "" for none.
type calendarJSON struct {
	FiscalStart string      `json:"fiscal_start"`
	NameByStart bool        `json:"name_by_start"`
	Weeks       WeekPattern `json:"weeks"`
	EndWeekday  string      `json:"end_weekday"`
	Nearest     bool        `json:"nearest"`
}

// MarshalJSON encodes the calendar with snake_case names, the fiscal
// start month by name ("" for zero) and the end weekday by name. It
// returns an error wrapping [ErrInvalidParam] for an invalid calendar.
func (c Calendar) MarshalJSON() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	j := calendarJSON{NameByStart: c.NameByStart, Weeks: c.Weeks, EndWeekday: c.EndWeekday.String(), Nearest: c.Nearest}
	if c.FiscalStart != 0 {
		j.FiscalStart = c.FiscalStart.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes a calendar written by [Calendar.MarshalJSON].
func (c *Calendar) UnmarshalJSON(b []byte) error {
	var j calendarJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := Calendar{NameByStart: j.NameByStart, Weeks: j.Weeks, Nearest: j.Nearest, EndWeekday: -1}
	if j.FiscalStart != "" {
		out.FiscalStart = -1
	}
	for m := time.January; m <= time.December; m++ {
		if j.FiscalStart == m.String() {
			out.FiscalStart = m
		}
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if j.EndWeekday == d.String() {
			out.EndWeekday = d
		}
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*c = out
	return nil
}
