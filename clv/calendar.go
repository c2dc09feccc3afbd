package clv

import (
	"hash/fnv"
	"time"

	"github.com/funnelmetrics/funnel"
)

// A calendar numbers the periods of one kind in one zone, consecutively,
// as [funnel.Calendar.Index] does, with its boundaries: an instant belongs
// to the last period whose start ([funnel.Calendar.Start]) is at or before
// it. A period's number comes from the instant's local date: days and ISO
// weeks by integer arithmetic (the same in every calendar), months,
// quarters and years (fiscal or week-based ones too) from the calendar,
// once per period, kept in a table of the days seen. Period starts,
// needed only to place instants where a zone's clock turns back over a
// period boundary, are computed once each and kept.
type calendar struct {
	cal    funnel.Calendar
	p      funnel.Period
	loc    *time.Location
	starts map[int64]instant

	// the period of each civil day from dayBase on, less k0
	dayBase int64
	k0      int64
	dayK    []int32

	// the last lookup, since a customer's transactions often share a
	// period
	lastK    int64
	lastNext instant
	haveLast bool
}

// maxDays bounds the table of days (about 360 years): periods of data
// spread wider are numbered without it.
const maxDays = 1 << 17

// instant is a time as Unix seconds and nanoseconds.
type instant struct {
	sec  int64
	nsec int32
}

func (a instant) before(b instant) bool { return before(a.sec, a.nsec, b.sec, b.nsec) }

func newCalendar(cal funnel.Calendar, p funnel.Period, loc *time.Location) *calendar {
	return &calendar{cal: cal, p: p, loc: loc, starts: map[int64]instant{}}
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
	if i := uint64(d - c.dayBase); i < uint64(len(c.dayK)) {
		return c.k0 + int64(c.dayK[i])
	}
	return c.cover(d)
}

// dayPeriod returns the number of the period holding civil day d, and the
// day its next period starts on, from the calendar.
func (c *calendar) dayPeriod(d int64) (k, next int64) {
	k = c.cal.Index(c.p, time.Unix(d*86400, 0).UTC(), time.UTC)
	return k, c.firstDay(k + 1)
}

// firstDay returns the civil day period k starts on.
func (c *calendar) firstDay(k int64) int64 { return c.cal.At(c.p, k, time.UTC).Unix() / 86400 }

// cover extends the table of days to the periods from the one holding d
// to the table's, with as many days again on that side (so that data
// spread over many periods extends it a few times only), and returns the
// number of d's period.
func (c *calendar) cover(d int64) int64 {
	k, next := c.dayPeriod(d)
	lo, hi := c.firstDay(k), next
	if n := int64(len(c.dayK)); n > 0 {
		lo, hi = min(lo, c.dayBase), max(hi, c.dayBase+n)
		if lo < c.dayBase {
			lo = min(lo, c.dayBase-n)
		}
		if hi > c.dayBase+n {
			hi = max(hi, c.dayBase+2*n)
		}
		lo = c.firstDay(c.cal.Index(c.p, time.Unix(lo*86400, 0).UTC(), time.UTC))
		if _, end := c.dayPeriod(hi - 1); end > hi {
			hi = end
		}
	}
	if hi-lo > maxDays {
		return k
	}
	table := make([]int32, hi-lo)
	k0 := c.cal.Index(c.p, time.Unix(lo*86400, 0).UTC(), time.UTC)
	for kk, day := k0, lo; day < hi; kk++ {
		end := min(c.firstDay(kk+1), hi)
		for ; day < end; day++ {
			table[day-lo] = int32(kk - k0)
		}
	}
	c.dayBase, c.k0, c.dayK = lo, k0, table
	return k
}

// start returns the first instant of period k, as [funnel.Calendar.Start]
// gives it.
func (c *calendar) start(k int64) instant {
	if s, ok := c.starts[k]; ok {
		return s
	}
	y, m, d := c.cal.At(c.p, k, time.UTC).Date()
	var t time.Time
	found := false
	for i := range 3 {
		// noon of the first day, or (where the zone skipped that day) of
		// the next days, is an instant of the period
		probe := time.Date(y, m, d+i, 12, 0, 0, 0, c.loc)
		_, off := probe.Zone()
		pk := c.key(floorDiv(probe.Unix()+int64(off), 86400))
		if pk == k {
			t, found = c.cal.Start(c.p, probe, c.loc), true
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
