package clv

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// The binary encodings of [Log] and [DealLog] use the library's one format
// (magic, kind, version). A log is written as its zone, confidence and
// calendar, then
// its customers in ascending order of name, each with its transactions in
// ascending order of time, then amount: the same transactions give the same
// bytes whatever order they were added or merged in. Decoding checks every
// count against the input's length before allocating and rejects
// truncated, oversized, out-of-order or invalid input (an empty customer, a
// zero time, a negative amount) with an error wrapping
// [funnel.ErrInvalidParam].

const (
	logVersion     = 2 // 2 adds the calendar; 1 is read as calendar years
	dealLogVersion = 1
)

// MarshalBinary encodes the log (see [Log]).
func (l *Log) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("clv.log", logVersion)
	loc := l.location()
	w.String(loc.String())
	_, off := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).In(loc).Zone()
	w.Varint(int64(off))
	w.Uvarint(zoneDigest(loc))
	w.Float(l.confidence())
	c := l.cal
	w.Int(int(c.FiscalStart))
	w.Bool(c.NameByStart)
	w.Int(int(c.Weeks))
	w.Int(int(c.EndWeekday))
	w.Bool(c.Nearest)
	l.encode(&w)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a log written by [Log.MarshalBinary], replacing
// l's contents. The zone is loaded by name (a fixed zone the zone database
// does not know is rebuilt from its offset) and must have the offsets it had
// where it was encoded, else the error wraps [funnel.ErrIncompatible]. It
// returns an error wrapping [funnel.ErrInvalidParam] for an invalid
// encoding.
func (l *Log) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	v := r.Header("clv.log")
	if r.Err() == nil && v != 1 && v != logVersion {
		r.Fail("log version %d", v)
	}
	name, off, digest := r.String(), r.Varint(), r.Uvarint()
	level := r.Float()
	var cal funnel.Calendar
	calOK := true
	if v >= 2 {
		month, byStart, weeks, weekday, nearest := r.Int(), r.Bool(), r.Int(), r.Int(), r.Bool()
		calOK = month >= 0 && month <= 12 && weeks >= 0 && weeks <= int(funnel.Weeks544) && weekday >= 0 && weekday <= 6
		cal = funnel.Calendar{FiscalStart: time.Month(month), NameByStart: byStart, Weeks: funnel.WeekPattern(weeks),
			EndWeekday: time.Weekday(weekday), Nearest: nearest}
	}
	if err := r.Err(); err != nil {
		return decodeErr(r)
	}
	if off < -18*3600 || off > 18*3600 || !(level > 0 && level < 1) || !calOK {
		r.Fail("bad log options")
		return decodeErr(r)
	}
	loc, err := loadZone(name, int(off), digest)
	if err != nil {
		return err
	}
	out := Log{loc: loc, cal: cal, level: level}
	if loc == time.UTC {
		out.loc = nil
	}
	if def, _ := funnel.Confidence(0).Level(); level == def {
		out.level = 0 // the default, as NewLog stores it
	}
	out.decode(r)
	if err := decodeErr(r); err != nil {
		return err
	}
	*l = out
	return nil
}

func decodeErr(r *wire.Reader) error {
	if err := r.End(); err != nil {
		return fmt.Errorf("clv: %w: %w", funnel.ErrInvalidParam, err)
	}
	return nil
}

// loadZone returns the zone named name whose digest is digest.
func loadZone(name string, off int, digest uint64) (*time.Location, error) {
	var loc *time.Location
	switch name {
	case "UTC":
		loc = time.UTC
	case "Local":
		loc = time.Local
	default:
		l, err := time.LoadLocation(name)
		if err != nil || zoneDigest(l) != digest {
			l = time.FixedZone(name, off)
		}
		loc = l
	}
	if zoneDigest(loc) != digest {
		return nil, fmt.Errorf("clv: zone %q has other rules here than where it was encoded: %w", name, funnel.ErrIncompatible)
	}
	return loc, nil
}

// encode writes the customers and their transactions in canonical order.
func (l *Log) encode(w *wire.Writer) {
	order, start := l.byCustomer()
	w.Int(len(l.names))
	for _, c := range l.sortedNames() {
		ts := order[start[c]:start[c+1]]
		slices.SortFunc(ts, func(a, b int32) int {
			ta, tb := l.txns.at(int(a)), l.txns.at(int(b))
			return l.compareTxn(&ta, &tb)
		})
		w.String(l.names[c])
		w.Int(len(ts))
		var prev int64
		for j, i := range ts {
			t := l.txns.at(int(i))
			if j == 0 {
				w.Varint(t.sec)
			} else {
				w.Uvarint(uint64(t.sec - prev))
			}
			prev = t.sec
			w.Uvarint(uint64(t.nsec))
			if t.exp == bigExp {
				w.Decimal(l.bigs[t.amt])
			} else {
				w.Bool(false) // the int64 form of wire.Decimal
				w.Varint(t.amt)
				w.Varint(int64(t.exp))
			}
		}
	}
}

// compareTxn orders transactions by time, then amount, then the amount's
// exponent: the canonical order of the encoding.
func (l *Log) compareTxn(a, b *txn) int {
	if c := cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec)); c != 0 {
		return c
	}
	if a.exp != bigExp && a.exp == b.exp {
		return cmp.Compare(a.amt, b.amt)
	}
	da, db := l.decimalOf(a), l.decimalOf(b)
	return cmp.Or(da.Cmp(db), cmp.Compare(da.Exponent(), db.Exponent()))
}

func (l *Log) decode(r *wire.Reader) {
	n := r.Count(3)
	if r.Err() != nil {
		return
	}
	if n > math.MaxInt32 {
		r.Fail("%d customers", n)
		return
	}
	l.names = make([]string, 0, n)
	prevName := ""
	for c := range n {
		name := r.String()
		m := r.Count(4)
		if r.Err() != nil {
			return
		}
		if name == "" || (c > 0 && strings.Compare(name, prevName) <= 0) {
			r.Fail("customer names empty or out of order")
			return
		}
		if m == 0 {
			r.Fail("customer %q without transactions", name)
			return
		}
		prevName = name
		l.insert(name) // index c: the names are distinct
		var prev txn
		for j := range m {
			var sec int64
			if j == 0 {
				sec = r.Varint()
			} else {
				d := r.Uvarint()
				if d > math.MaxInt64 || prev.sec > math.MaxInt64-int64(d) {
					r.Fail("transaction times overflow")
					return
				}
				sec = prev.sec + int64(d)
			}
			nsec := r.Uvarint()
			amt := r.Decimal()
			if r.Err() != nil {
				return
			}
			if nsec >= 1e9 {
				r.Fail("bad nanoseconds")
				return
			}
			at := time.Unix(sec, int64(nsec))
			if at.IsZero() || amt.IsNegative() || !amountInRange(amt) {
				r.Fail("zero time, negative amount or amount exponent out of range")
				return
			}
			t := txn{sec: sec, nsec: int32(nsec), cust: int32(c)}
			t.amt, t.exp = l.amount(amt)
			if j > 0 && l.compareTxn(&prev, &t) > 0 {
				r.Fail("transactions out of order")
				return
			}
			l.txns.add(t)
			prev = t
		}
	}
	if len(l.names) == 0 {
		l.index, l.dense, l.sparse, l.names = nil, nil, 0, nil
	}
}

// MarshalBinary encodes the log: its scan, intake and counts, then its
// transactions as [Log.MarshalBinary] writes them.
func (a *DealLog) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("clv.deallog", dealLogVersion)
	s, err := a.s.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	w.String(string(s))
	in, err := a.in.MarshalBinary()
	if err != nil {
		return nil, err
	}
	w.String(string(in))
	w.Varint(a.noAccount)
	w.Varint(a.undated)
	w.Varint(a.outOfRange)
	a.log.encode(&w)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a log written by [DealLog.MarshalBinary],
// replacing a's contents. A log built by [NewDealLog] accepts only an
// encoding of an equal scan ([funnel.ErrIncompatible] otherwise); the zero
// DealLog takes the encoded scan. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid encoding.
func (a *DealLog) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("clv.deallog"); r.Err() == nil && v != dealLogVersion {
		r.Fail("deal log version %d", v)
	}
	sb, ib := r.String(), r.String()
	if r.Err() != nil {
		return decodeErr(r)
	}
	s, rest, err := funnel.DecodeScan([]byte(sb))
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		r.Fail("bytes after the scan")
		return decodeErr(r)
	}
	if a.s != nil {
		if !a.s.Equal(s) {
			return fmt.Errorf("clv: decoding a deal log of another scan: %w", funnel.ErrIncompatible)
		}
		s = a.s
	}
	out, _ := NewDealLog(s)
	if err := out.in.UnmarshalBinary([]byte(ib)); err != nil {
		return err
	}
	out.noAccount, out.undated, out.outOfRange = r.NonNeg(), r.NonNeg(), r.NonNeg()
	out.log.decode(r)
	if err := decodeErr(r); err != nil {
		return err
	}
	if won := int64(out.log.Count()) + out.noAccount + out.undated + out.outOfRange; won < 0 || won > out.in.Counted() ||
		out.noAccount > won || out.undated > won || out.outOfRange > won {
		r.Fail("won deals above the deals counted")
		return decodeErr(r)
	}
	*a = *out
	return nil
}
