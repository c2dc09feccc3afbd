package csvimport

import (
	"math/rand/v2"
	"testing"
	"time"
)

// fuzzZones are the locations the time fuzz target reads in: UTC, a
// fixed zone, and a zone with daylight saving time when the machine has
// it.
func fuzzZones(t testing.TB) []*time.Location {
	zones := []*time.Location{time.UTC, time.FixedZone("X", -5*3600)}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, ny)
	} else {
		t.Logf("no America/New_York: %v", err)
	}
	return zones
}

// FuzzTimeFastPath checks the layouts a timeParser reads without
// time.Parse's general path against time.ParseInLocation: where the fast
// path gives a time it is the very value (wall clock, monotonic-free
// representation and location) that ParseInLocation gives, and where
// ParseInLocation fails the fast path declines. It checks the whole
// parse, cache included, against the layouts tried in turn.
func FuzzTimeFastPath(f *testing.F) {
	for _, s := range []string{"2023-01-01 00:59:30", "2024-02-29 23:59:59", "2023-02-29 10:00:00", "2024-03-10 02:30:00",
		"2024-11-03 01:30:00", "0001-01-01 00:00:00", "9999-12-31 23:59:59", "2024-01-01 24:00:00", "2024-01-01 5:04:05",
		"2024-01-01 10:00:00.5", "2024-01-01T10:00:00Z", "2024-01-01T10:00:00+02:00", "2024-01-01T10:00:00.123Z",
		"2024-13-01T10:00:00Z", "2024-01-01", "0000-01-01 00:00:00", "2024-01-01 10:60:00", "2024-01-01x10:00:00"} {
		f.Add(s, uint8(0), uint8(0))
		f.Add(s, uint8(1), uint8(2))
	}
	layouts := []string{time.DateTime, time.RFC3339, time.RFC3339Nano, time.DateOnly}
	zones := fuzzZones(f)
	f.Fuzz(func(t *testing.T, s string, layout, zone uint8) {
		l := layouts[int(layout)%len(layouts)]
		loc := zones[int(zone)%len(zones)]
		p := newTimeParser(Options{Layouts: []string{l}, Location: loc})
		want, werr := time.ParseInLocation(l, s, loc)
		if k := p.kinds[0]; k == layoutDateTime || k == layoutRFC3339 {
			got, ok := p.clock([]byte(s), k)
			switch {
			case ok && werr != nil:
				t.Fatalf("clock(%q, %s in %s) = %v; ParseInLocation fails: %v", s, l, loc, got, werr)
			case ok && (got != want || got.Location() != want.Location()):
				t.Fatalf("clock(%q, %s in %s) = %#v; ParseInLocation gives %#v", s, l, loc, got, want)
			}
		}
		// the whole parse, twice (the second from the caches), against
		// ParseInLocation and the zero-time rule
		for range 2 {
			got, err := p.parse([]byte(s))
			switch {
			case s == "":
				if err != nil || !got.IsZero() {
					t.Fatalf("parse(%q) = %v, %v; want the zero time", s, got, err)
				}
			case werr != nil || want.IsZero():
				if err == nil {
					t.Fatalf("parse(%q, %s in %s) = %v; want an error (ParseInLocation: %v, %v)", s, l, loc, got, want, werr)
				}
			case err != nil || !sameTime(got, want):
				t.Fatalf("parse(%q, %s in %s) = %#v, %v; ParseInLocation gives %#v", s, l, loc, got, err, want)
			}
		}
	})
}

// sameTime reports whether a and b are the same time in the same zone: the
// same value, or for times in zones made by each parse (time.FixedZone),
// equal times in zones of the same name and offset.
func sameTime(a, b time.Time) bool {
	if a == b {
		return true
	}
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && an == bn && ao == bo && a.Location().String() == b.Location().String()
}

// TestCivilDays checks the date arithmetic of the UTC fast path against
// time.Date on every day of the years 0000 to 9999 that four digits
// write, and that the times it gives are the values time.Date gives.
func TestCivilDays(t *testing.T) {
	for y := 0; y <= 9999; y++ {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= daysIn(time.Month(m), y); d++ {
				want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
				if got := civilDays(y, m, d) * 86400; got != want.Unix() {
					t.Fatalf("civilDays(%d, %d, %d) = %d days; time.Date gives %d s", y, m, d, got/86400, want.Unix())
				}
				if d == 28 || y%97 == 0 {
					if got := unixUTC(want.Unix() + 3661); got != want.Add(3661*time.Second) {
						t.Fatalf("unixUTC(%d) = %#v; want %#v", want.Unix()+3661, got, want.Add(3661*time.Second))
					}
				}
			}
		}
	}
}

// FuzzTimeSequence checks a timeParser that reads one value after another
// (its caches, the date of the value before among them, holding what the
// first left) against time.ParseInLocation for each.
func FuzzTimeSequence(f *testing.F) {
	for _, s := range [][2]string{
		{"2024-01-01 10:00:00", "2024-01-01 23:59:59"}, {"2024-01-01 10:00:00", "2024-01-01 24:00:00"},
		{"2024-01-01 10:00:00", "2024-01-0110:00:00"}, {"2024-01-01 10:00:00", "2024-01-02 00:00:00"},
		{"2024-02-29 10:00:00", "2024-02-29T10:00:00Z"}, {"2024-01-01T10:00:00Z", "2024-01-01T11:00:00Z"},
		{"2023-02-29 10:00:00", "2023-02-29 11:00:00"}, {"2024-01-01 10:00:00", "2024-01-01"},
		{"2024-01-01 10:00:00", "2024-01-01 10:00:00.5"}, {"2024-12-31 23:59:59", "2024-12-31 10:00:00"},
		{"2024-02-29", "2023-02-29"}, {"2024-01-01", "2024-01-0x"}, {"2024-01-31", "2024-13-31"},
		{"0000-01-01", "0001-01-01"}, {"9999-12-31", "2024-01-01 "},
	} {
		f.Add(s[0], s[1], uint8(0))
		f.Add(s[0], s[1], uint8(1))
	}
	layouts := []string{time.DateTime, time.RFC3339, time.DateOnly}
	f.Fuzz(func(t *testing.T, s0, s1 string, layout uint8) {
		l := layouts[int(layout)%len(layouts)]
		p := newTimeParser(Options{Layouts: []string{l}, Location: time.UTC})
		for _, s := range []string{s0, s1, s0} {
			want, werr := time.ParseInLocation(l, s, time.UTC)
			got, err := p.parse([]byte(s))
			switch {
			case s == "":
				if err != nil || !got.IsZero() {
					t.Fatalf("parse(%q) = %v, %v; want the zero time", s, got, err)
				}
			case werr != nil || want.IsZero():
				if err == nil {
					t.Fatalf("parse(%q, %s) after %q = %v; want an error (ParseInLocation: %v, %v)", s, l, s0, got, want, werr)
				}
			case err != nil || got != want:
				t.Fatalf("parse(%q, %s) after %q = %#v, %v; ParseInLocation gives %#v", s, l, s0, got, err, want)
			}
		}
	})
}

// TestTimesSharingDates reads a column of times in UTC, most of them on
// the date of the one before, some not, some invalid on a date just read,
// with one parser, against time.ParseInLocation.
func TestTimesSharingDates(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	p := newTimeParser(Options{Layouts: []string{time.DateTime}, Location: time.UTC})
	at := time.Date(2023, 12, 30, 0, 0, 0, 0, time.UTC)
	for range 20000 {
		at = at.Add(time.Duration(r.IntN(3600)) * time.Second)
		s := at.Format(time.DateTime)
		switch r.IntN(20) {
		case 0:
			s = s[:11] + "24" + s[13:] // no hour 24
		case 1:
			s = s[:14] + "6" + s[15:] // minute 60 to 69
		case 2:
			s = s[:8] + "3" + s[9:] // day 30 to 39 of the month
		case 3:
			s = s[:10] + "x" + s[11:]
		}
		want, werr := time.ParseInLocation(time.DateTime, s, time.UTC)
		got, err := p.parse([]byte(s))
		if (err != nil) != (werr != nil) || got != want {
			t.Fatalf("parse(%q) = %v, %v; ParseInLocation gives %v, %v", s, got, err, want, werr)
		}
	}
}

// TestDatesInAnyOrder reads a column of dates of a few years in no order,
// as a file of transactions sorted by account has them, some invalid (a
// day past its month's end, month 13, not digits), with one parser
// reading only dates and one that then tries RFC 3339 (the default
// layouts), against time.ParseInLocation.
func TestDatesInAnyOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, layouts := range [][]string{{time.DateOnly}, {time.DateOnly, time.RFC3339Nano}} {
		p := newTimeParser(Options{Layouts: layouts, Location: time.UTC})
		start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
		for range 30000 {
			s := start.AddDate(0, 0, r.IntN(5*366)).Format(time.DateOnly)
			switch r.IntN(16) {
			case 0:
				s = s[:8] + "3" + s[9:] // day 30 to 39 of the month
			case 1:
				s = s[:5] + "13" + s[7:]
			case 2:
				s = s[:9] + "a"
			case 3:
				s = s[:8] + "29" // February 29 in a year not leap, or valid
			case 4:
				s += "T10:00:00Z"
			}
			var want time.Time
			var werr error
			for _, l := range layouts {
				if want, werr = time.ParseInLocation(l, s, time.UTC); werr == nil {
					break
				}
			}
			got, err := p.parse([]byte(s))
			if (err != nil) != (werr != nil) || got != want {
				t.Fatalf("layouts %q: parse(%q) = %v, %v; ParseInLocation gives %v, %v", layouts, s, got, err, want, werr)
			}
		}
	}
}
