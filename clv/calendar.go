package clv

import (
	"hash/fnv"
	"time"

	"github.com/funnelmetrics/funnel"
)

// A calendar numbers the periods of one kind in one zone, consecutively,
// with the boundaries of [funnel.Period]: an instant belongs to the last
// period whose start ([funnel.Period.Start]) is at or before it. Period
// numbers come from the local date by integer arithmetic; period starts,
// needed only to place instants where a zone's clock turns back over a
// period boundary, are computed once each and kept.
type calendar struct {
	p      funnel.Period
	loc    *time.Location
	starts map[int64]instant

	// the last lookup, since a customer's transactions often share a
	// period
	lastK    int64
	lastNext instant
	haveLast bool
}

// instant is a time as Unix seconds and nanoseconds.
type instant struct {
	sec  int64
	nsec int32
}

func (a instant) before(b instant) bool { return before(a.sec, a.nsec, b.sec, b.nsec) }

func newCalendar(p funnel.Period, loc *time.Location) *calendar {
	return &calendar{p: p, loc: loc, starts: map[int64]instant{}}
}

// index returns the number of the period holding the instant.
func (c *calendar) index(sec int64, nsec int32) int64 {
	t := time.Unix(sec, int64(nsec)).In(c.loc)
	_, off := t.Zone()
	k := c.key(floorDiv(sec+int64(off), 86400))
	at := instant{sec, nsec}
	for range 4 { // a clock turned back over a boundary: the next period may have started
		next := c.nextStart(k)
		if at.before(next) {
			break
		}
		k++
	}
	return k
}

func (c *calendar) nextStart(k int64) instant {
	if c.haveLast && c.lastK == k {
		return c.lastNext
	}
	s := c.start(k + 1)
	c.lastK, c.lastNext, c.haveLast = k, s, true
	return s
}

// key returns the number of the period holding civil day d (days since
// 1970-01-01).
func (c *calendar) key(d int64) int64 {
	switch c.p {
	case funnel.Day:
		return d
	case funnel.Week:
		return floorDiv(d+3, 7) // 1970-01-01 is a Thursday; ISO weeks start on Monday
	}
	y, m, _ := civil(d)
	switch c.p {
	case funnel.Quarter:
		return y*4 + int64(m-1)/3
	case funnel.Year:
		return y
	default:
		return y*12 + int64(m-1)
	}
}

// firstDay returns the first civil date of period k.
func (c *calendar) firstDay(k int64) (int64, time.Month, int) {
	switch c.p {
	case funnel.Day:
		y, m, d := civil(k)
		return y, m, d
	case funnel.Week:
		y, m, d := civil(7*k - 3)
		return y, m, d
	case funnel.Quarter:
		return floorDiv(k, 4), time.Month((k-4*floorDiv(k, 4))*3 + 1), 1
	case funnel.Year:
		return k, time.January, 1
	default:
		return floorDiv(k, 12), time.Month(k-12*floorDiv(k, 12)) + 1, 1
	}
}

// start returns the first instant of period k, as [funnel.Period.Start]
// gives it.
func (c *calendar) start(k int64) instant {
	if s, ok := c.starts[k]; ok {
		return s
	}
	y, m, d := c.firstDay(k)
	var t time.Time
	found := false
	for i := range 3 {
		// noon of the first day, or (where the zone skipped that day) of
		// the next days, is an instant of the period
		probe := time.Date(int(y), m, d+i, 12, 0, 0, 0, c.loc)
		_, off := probe.Zone()
		pk := c.key(floorDiv(probe.Unix()+int64(off), 86400))
		if pk == k {
			t, found = c.p.Start(probe, c.loc), true
			break
		}
		if pk > k {
			break
		}
	}
	if !found {
		// no instant of the zone falls in period k (a skipped day): it
		// starts where the next period does
		s := c.start(k + 1)
		c.starts[k] = s
		return s
	}
	s := instant{t.Unix(), int32(t.Nanosecond())}
	c.starts[k] = s
	return s
}

// startTime returns the first instant of period k in the calendar's zone.
func (c *calendar) startTime(k int64) time.Time {
	s := c.start(k)
	return time.Unix(s.sec, int64(s.nsec)).In(c.loc)
}

// civil returns the proleptic Gregorian date of day d since 1970-01-01
// (Hinnant's days-to-civil algorithm).
func civil(d int64) (int64, time.Month, int) {
	z := d + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := int(doy - (153*mp+2)/5 + 1)
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, time.Month(m), day
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// sameLocation reports whether two zones have the same name and the same
// offsets at every probe instant.
func sameLocation(a, b *time.Location) bool {
	return a == b || (a.String() == b.String() && zoneDigest(a) == zoneDigest(b))
}

// zoneDigest hashes a zone's offset and abbreviation on 1 January and
// 1 July of every year 1900-2100.
func zoneDigest(loc *time.Location) uint64 {
	h := fnv.New64a()
	var buf [4]byte
	for y := 1900; y <= 2100; y++ {
		for _, m := range []time.Month{time.January, time.July} {
			name, off := time.Date(y, m, 1, 12, 0, 0, 0, time.UTC).In(loc).Zone()
			for i := range buf {
				buf[i] = byte(uint32(off) >> (8 * i))
			}
			h.Write(buf[:])
			h.Write([]byte(name))
		}
	}
	return h.Sum64()
}
