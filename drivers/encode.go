package drivers

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/capped"
	"github.com/funnelmetrics/funnel/internal/wire"
)

const driversVersion = 1

// MarshalBinary encodes the accumulator (see [funnel.Accumulator]):
// deterministic, so that one pass and any merge of parts give the same
// bytes.
func (a *Drivers) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("drivers", driversVersion)
	sb, err := a.s.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	w.String(string(sb))
	o := &a.opts
	w.String(string(o.Stage))
	w.Bool(o.ToWon)
	w.Varint(int64(o.Stall))
	w.Int(int(o.ValueAt))
	w.Int(len(o.Keys))
	for _, k := range o.Keys {
		w.String(k)
	}
	w.Int(o.MaxKeys)
	w.Int(o.MaxValues)
	w.Bool(o.Pairs)
	w.Int(o.MaxPairs)
	ib, err := a.in.MarshalBinary()
	if err != nil {
		return nil, err
	}
	w.String(string(ib))
	for _, v := range []int64{a.conv, a.notConv, a.pending, a.stall, a.notStall, a.untime, a.outside} {
		w.Varint(v)
	}
	for _, k := range a.fixedKeys {
		writeValues(&w, a.fixed[k].values)
	}
	if a.custom != nil {
		keys := a.custom.Keys()
		w.Int(len(keys))
		for _, k := range keys {
			kd, _ := a.custom.Get(k)
			w.String(k)
			writeValues(&w, kd.values)
		}
		writeCounts(&w, &a.custom.Other().dropped)
	}
	if a.pairs != nil {
		keys := slices.Sorted(maps.Keys(a.pairs))
		w.Int(len(keys))
		for _, k := range keys {
			w.String(k)
			writeValues(&w, a.pairs[k].values)
		}
	}
	return w.Bytes(), nil
}

func writeCounts(w *wire.Writer, c *counts) {
	w.Varint(c.conv)
	w.Varint(c.notConv)
	w.Varint(c.stall)
	w.Varint(c.notStall)
}

func readCounts(r *wire.Reader) counts {
	return counts{r.NonNeg(), r.NonNeg(), r.NonNeg(), r.NonNeg()}
}

func writeValues(w *wire.Writer, m *capped.Map[counts]) {
	keys := m.Keys()
	w.Int(len(keys))
	for _, k := range keys {
		c, _ := m.Get(k)
		w.String(k)
		writeCounts(w, c)
	}
	writeCounts(w, m.Other())
}

// readValues reads values written by writeValues into the empty m, and
// checks them against the tables' totals; pair says their names are
// pairs of values.
func readValues(r *wire.Reader, m *capped.Map[counts], tot counts, pair bool) counts {
	n := r.Count(5)
	if n > m.Max() {
		r.Fail("%d values", n)
		return counts{}
	}
	var sum counts
	prev := ""
	for i := range n {
		k := r.String()
		c := readCounts(r)
		if r.Err() != nil {
			return counts{}
		}
		if _, _, ok := split2(k); (i > 0 && k <= prev) || c == (counts{}) || (pair && !ok) {
			r.Fail("bad value")
			return counts{}
		}
		prev = k
		*m.At(k) = c
		sum.add(&c)
	}
	other := readCounts(r)
	if r.Err() == nil && other != (counts{}) && n < m.Max() {
		r.Fail("values folded below the bound")
	}
	*m.Other() = other
	sum.add(&other)
	if r.Err() == nil && !sum.within(tot) {
		r.Fail("values above the tables' deals")
	}
	return sum
}

// within reports whether every count of c is at most t's.
func (c counts) within(t counts) bool {
	return c.conv <= t.conv && c.notConv <= t.notConv && c.stall <= t.stall && c.notStall <= t.notStall
}

// UnmarshalBinary decodes an accumulator written by
// [Drivers.MarshalBinary], replacing a's contents. One built by [New]
// accepts only an encoding of an equal scan and options (an error wrapping
// [funnel.ErrIncompatible] otherwise); the zero Drivers takes the encoded
// ones. It returns an error wrapping [funnel.ErrInvalidParam] for an
// invalid encoding.
func (a *Drivers) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("drivers"); r.Err() == nil && v != driversVersion {
		r.Fail("drivers version %d", v)
	}
	b := r.String()
	if r.Err() != nil {
		return decodeErr(r)
	}
	s, rest, err := funnel.DecodeScan([]byte(b))
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("drivers: %w: %w: bytes after the scan", funnel.ErrInvalidParam, wire.ErrFormat)
	}
	if a.s != nil {
		if !a.s.Equal(s) {
			return fmt.Errorf("drivers: decoding an accumulator of another scan: %w", funnel.ErrIncompatible)
		}
		s = a.s
	}
	var o Options
	o.Stage = funnel.Stage(r.String())
	o.ToWon = r.Bool()
	o.Stall = time.Duration(r.Varint())
	o.ValueAt = funnel.ValueAt(readEnum(r))
	n := r.Count(1)
	if n > MaxExplicitKeys {
		r.Fail("%d keys", n)
		n = 0
	}
	for range n {
		o.Keys = append(o.Keys, r.String())
	}
	o.MaxKeys, o.MaxValues = r.Int(), r.Int()
	o.Pairs = r.Bool()
	o.MaxPairs = r.Int()
	if r.Err() != nil {
		return decodeErr(r)
	}
	out, err := New(s, o)
	if err != nil {
		return fmt.Errorf("drivers: %w: %w", funnel.ErrInvalidParam, err)
	}
	if a.s != nil && !a.opts.equal(&out.opts) {
		return fmt.Errorf("drivers: decoding drivers of other options: %w", funnel.ErrIncompatible)
	}
	if err := out.in.UnmarshalBinary([]byte(r.String())); err != nil {
		return err
	}
	for _, p := range []*int64{&out.conv, &out.notConv, &out.pending, &out.stall, &out.notStall, &out.untime, &out.outside} {
		*p = r.NonNeg()
	}
	tot := counts{out.conv, out.notConv, out.stall, out.notStall}
	if r.Err() == nil && (out.conv+out.notConv+out.pending+out.outside > out.in.Counted() ||
		out.stall+out.notStall+out.untime > out.in.Counted() || (out.opts.Stall == 0 && out.stall+out.notStall+out.untime > 0)) {
		r.Fail("drivers counts do not add up")
	}
	for _, k := range out.fixedKeys {
		sum := readValues(r, out.fixed[k].values, tot, false)
		if r.Err() == nil && isBuiltin(k) && sum != tot {
			r.Fail("values of %q do not add up", k)
		}
	}
	if out.custom != nil {
		m := r.Count(2)
		if m > out.custom.Max() {
			r.Fail("%d custom keys", m)
			m = 0
		}
		prev := ""
		for i := range m {
			k := r.String()
			if r.Err() != nil {
				break
			}
			if (i > 0 && k <= prev) || k == "" || isBuiltin(k) {
				r.Fail("bad custom key")
				break
			}
			prev = k
			kd := out.custom.At(k)
			if readValues(r, kd.values, tot, false) == (counts{}) && r.Err() == nil {
				r.Fail("empty custom key")
			}
		}
		dropped := readCounts(r)
		if r.Err() == nil && dropped != (counts{}) && m < out.custom.Max() {
			r.Fail("keys folded below the bound")
		}
		out.custom.Other().dropped = dropped
	}
	if out.pairs != nil {
		m := r.Count(2)
		prev := ""
		for i := range m {
			pk := r.String()
			if r.Err() != nil {
				break
			}
			k1, k2, ok := split2(pk)
			if (i > 0 && pk <= prev) || !ok || k1 >= k2 || !out.kept(k1) || !out.kept(k2) {
				r.Fail("bad key pair")
				break
			}
			prev = pk
			p := &pairData{values: capped.New(out.maxPairs, mergeCounts)}
			if readValues(r, p.values, tot, true) == (counts{}) && r.Err() == nil {
				r.Fail("empty key pair")
			}
			out.pairs[pk] = p
		}
	}
	if err := decodeErr(r); err != nil {
		return err
	}
	*a = *out
	return nil
}

// readEnum reads a small enum value.
func readEnum(r *wire.Reader) int8 {
	v := r.Int()
	if v > 127 {
		r.Fail("enum %d", v)
		return 0
	}
	return int8(v)
}

func decodeErr(r *wire.Reader) error {
	if err := r.End(); err != nil {
		return fmt.Errorf("drivers: %w: %w", funnel.ErrInvalidParam, err)
	}
	return nil
}
