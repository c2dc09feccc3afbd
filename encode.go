package funnel

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel/internal/sketch"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// The binary encodings of the accumulators (encoding.BinaryMarshaler and
// BinaryUnmarshaler) share one format: the magic "FNL", the kind and a
// version, then the scan (stages and options) and the accumulator's
// state. Encodings are deterministic: two accumulators holding the same
// data (the same multiset of amounts and durations, the same counts) give
// the same bytes whatever order the data came in, so the encoding of a
// merge of parts equals the encoding of one pass. Decoding checks every
// count against the input's length before allocating, and rejects
// truncated, oversized or inconsistent input with an error wrapping
// [ErrInvalidParam].

const (
	scanVersion  = 1
	tallyVersion = 3 // 2: the sums of the squares of the value funnel's amounts; 3: a stage's lost and open amounts as sums only
	moneyVersion = 1
	durVersion   = 1
)

// AppendBinary appends the encoding of the scan (stages and options,
// Workers excluded) to b. Accumulators of other packages embed it so that
// decoding can rebuild or check their scan.
func (s *Scan) AppendBinary(b []byte) ([]byte, error) {
	var w wire.Writer
	s.encode(&w)
	return append(b, w.Bytes()...), nil
}

func (s *Scan) encode(w *wire.Writer) {
	w.Header("scan", scanVersion)
	writeStages(w, s.f.stages)
	writeStages(w, s.f.exclude)
	o := s.opts
	w.Uvarint(s.optional)
	for k := 1; k <= len(s.f.stages); k++ {
		w.Varint(int64(s.stepMin[k]))
		w.Varint(int64(s.stepMax[k]))
	}
	w.String(o.HoldConstant)
	w.Int(int(o.Mode))
	w.Int(int(o.Policy))
	w.Varint(int64(o.Window))
	w.Time(o.AsOf)
	loc := o.Location
	w.String(loc.String())
	_, off := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).In(loc).Zone()
	w.Varint(int64(off))
	w.Uvarint(zoneDigest(loc))
	w.Int(int(o.Period))
	w.String(o.Currency)
	w.Bool(o.UndatedClose)
	w.Float(s.level)
	w.Varint(s.minSample)
	w.Int(int(o.Test.Method))
	w.Float(o.QuantileError)
	w.Int(int(o.Calendar.FiscalStart))
	w.Bool(o.Calendar.NameByStart)
	w.Int(int(o.Calendar.Weeks))
	w.Int(int(o.Calendar.EndWeekday))
	w.Bool(o.Calendar.Nearest)
}

// DecodeScan decodes a scan written by [Scan.AppendBinary] at the start of
// data and returns it with the bytes that follow. The zone is loaded by
// name (a fixed zone that the zone database does not know is rebuilt from
// its offset) and must have the same offsets as where it was encoded. It
// returns an error wrapping [ErrInvalidParam] for an invalid encoding and
// one wrapping [ErrIncompatible] for a zone with other rules here.
func DecodeScan(data []byte) (*Scan, []byte, error) {
	r := wire.NewReader(data)
	s, err := decodeScan(r)
	if err != nil {
		return nil, nil, err
	}
	n := len(data) - r.Remaining()
	if enc, _ := s.AppendBinary(nil); string(enc) != string(data[:n]) {
		return nil, nil, fmt.Errorf("funnel: %w: %w: non-canonical scan", ErrInvalidParam, wire.ErrFormat)
	}
	return s, data[n:], nil
}

func decodeScan(r *wire.Reader) (*Scan, error) {
	if v := r.Header("scan"); r.Err() == nil && v != scanVersion {
		r.Fail("scan version %d", v)
	}
	stages := readStages(r, "stages")
	n := len(stages)
	excl := readStages(r, "exclusion stages")
	var o Options
	optional := r.Uvarint()
	for k := 1; k <= n && r.Err() == nil; k++ {
		lo, hi := time.Duration(r.Varint()), time.Duration(r.Varint())
		if lo != 0 || hi != 0 {
			o.StepWindows = append(o.StepWindows, StepWindow{Step: k, Min: lo, Max: hi})
		}
	}
	o.HoldConstant = r.String()
	o.Mode, o.Policy = Mode(r.Int()), Policy(r.Int())
	o.Window = time.Duration(r.Varint())
	o.AsOf = r.Time()
	name, off, digest := r.String(), r.Varint(), r.Uvarint()
	o.Period = Period(r.Int())
	o.Currency = r.String()
	o.UndatedClose = r.Bool()
	level, minSample := r.Float(), r.Varint()
	o.Test.Method = Method(r.Int())
	o.QuantileError = r.Float()
	o.Calendar = Calendar{FiscalStart: time.Month(r.Int()), NameByStart: r.Bool(), Weeks: WeekPattern(r.Int()),
		EndWeekday: time.Weekday(r.Int()), Nearest: r.Bool()}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("funnel: %w: %w", ErrInvalidParam, err)
	}
	if off < -18*3600 || off > 18*3600 || int64(int8(o.Mode)) != int64(o.Mode) || int64(int8(o.Policy)) != int64(o.Policy) ||
		int64(int8(o.Period)) != int64(o.Period) || int64(int8(o.Test.Method)) != int64(o.Test.Method) {
		return nil, fmt.Errorf("funnel: %w: %w: bad scan options", ErrInvalidParam, wire.ErrFormat)
	}
	loc, err := loadZone(name, int(off), digest)
	if err != nil {
		return nil, err
	}
	if _, o := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).In(loc).Zone(); int64(o) != off {
		return nil, fmt.Errorf("funnel: %w: %w: zone offset %d for %q", ErrInvalidParam, wire.ErrFormat, off, name)
	}
	o.Location = loc
	if level != stat95 {
		o.Test.Confidence = Confidence(level)
	}
	if minSample != 30 {
		o.Test.MinSample = minSample
	}
	f, err := New(stages...)
	if err == nil && len(excl) > 0 {
		f, err = f.Exclude(excl...)
	}
	if err != nil {
		return nil, fmt.Errorf("funnel: %w: %w", ErrInvalidParam, err)
	}
	if optional>>uint(n) != 0 {
		return nil, fmt.Errorf("funnel: %w: %w: optional stage beyond the funnel", ErrInvalidParam, wire.ErrFormat)
	}
	for k := range n {
		if optional&(1<<k) != 0 {
			o.Optional = append(o.Optional, stages[k])
		}
	}
	s, err := NewScan(f, o)
	if err != nil {
		return nil, err
	}
	if s.level != level || s.minSample != minSample {
		return nil, fmt.Errorf("funnel: %w: %w: bad test options", ErrInvalidParam, wire.ErrFormat)
	}
	return s, nil
}

const stat95 = 0.95

// writeStages writes a list of stage names.
func writeStages(w *wire.Writer, stages []Stage) {
	w.Int(len(stages))
	for _, st := range stages {
		w.String(string(st))
	}
}

// readStages reads what writeStages wrote, a list of at most MaxStages
// names (what names the list in the error).
func readStages(r *wire.Reader, what string) []Stage {
	n := r.Count(1)
	if n > MaxStages {
		r.Fail("%d %s", n, what)
	}
	stages := make([]Stage, 0, n)
	for range n {
		stages = append(stages, Stage(r.String()))
	}
	return stages
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
		return nil, fmt.Errorf("funnel: zone %q has other rules here than where it was encoded: %w", name, ErrIncompatible)
	}
	return loc, nil
}

// readScan decodes the scan of an accumulator and checks it against the
// receiver's own, when it has one.
func readScan(r *wire.Reader, own *Scan) (*Scan, error) {
	s, err := decodeScan(r)
	if err != nil {
		return nil, err
	}
	if own != nil {
		if !own.Equal(s) {
			return nil, fmt.Errorf("funnel: decoding an accumulator of another scan: %w", ErrIncompatible)
		}
		return own, nil
	}
	return s, nil
}

// canonical checks that a decoded value encodes back to the bytes it was
// decoded from: the one encoding of its contents.
func canonical(v interface{ MarshalBinary() ([]byte, error) }, data []byte) error {
	if enc, err := v.MarshalBinary(); err != nil || string(enc) != string(data) {
		return fmt.Errorf("funnel: %w: %w: non-canonical encoding", ErrInvalidParam, wire.ErrFormat)
	}
	return nil
}

// marshalAs encodes v after the header of its kind and version.
func marshalAs(kind string, version uint64, v interface{ encode(*wire.Writer) }) []byte {
	var w wire.Writer
	w.Header(kind, version)
	v.encode(&w)
	return w.Bytes()
}

// unmarshalAs decodes into *dst what marshalAs wrote, and only that: the
// header of the kind and version, then the value by its decode; the whole
// input must be read and be the encoding of the decoded value
// (canonical). It returns an error wrapping [ErrInvalidParam] otherwise,
// and leaves *dst as it was.
func unmarshalAs[T any, PT interface {
	*T
	decode(*wire.Reader)
	MarshalBinary() ([]byte, error)
}](data []byte, kind string, version uint64, dst PT) error {
	r := wire.NewReader(data)
	if v := r.Header(kind); r.Err() == nil && v != version {
		r.Fail("%s version %d", kind, v)
	}
	var out T
	PT(&out).decode(r)
	if err := decodeErr(r); err != nil {
		return err
	}
	if err := canonical(PT(&out), data); err != nil {
		return err
	}
	*dst = out
	return nil
}

// decodeErr wraps a decoding failure.
func decodeErr(r *wire.Reader) error {
	if err := r.End(); err != nil {
		return fmt.Errorf("funnel: %w: %w", ErrInvalidParam, err)
	}
	return nil
}

// MarshalBinary encodes the tally (see [Accumulator]).
func (t *Tally) MarshalBinary() ([]byte, error) {
	if t.s == nil {
		return nil, errNoScan
	}
	var w wire.Writer
	w.Header("tally", tallyVersion)
	t.s.encode(&w)
	t.encode(&w)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a tally written by [Tally.MarshalBinary],
// replacing t's contents. A tally built by [NewTally] accepts only an
// encoding of an equal scan ([ErrIncompatible] otherwise); the zero Tally
// takes the encoded scan. It returns an error wrapping [ErrInvalidParam]
// for an invalid encoding.
func (t *Tally) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("tally"); r.Err() == nil && v != tallyVersion {
		r.Fail("tally version %d", v)
	}
	if r.Err() != nil {
		return decodeErr(r)
	}
	s, err := readScan(r, t.s)
	if err != nil {
		return err
	}
	out := NewTally(s)
	out.decode(r)
	if err := decodeErr(r); err != nil {
		return err
	}
	if err := canonical(out, data); err != nil {
		return err
	}
	*t = *out
	return nil
}

func (t *Tally) encode(w *wire.Writer) {
	t.in.encode(w)
	for _, v := range []int64{t.deals, t.open, t.won, t.lost, t.cycleUndated, t.ageUndated} {
		w.Varint(v)
	}
	for i := range t.stages {
		s := &t.stages[i]
		for _, v := range []int64{s.reached, s.entered, s.viaFirst, s.stepIn, s.pending, s.untimed} {
			w.Varint(v)
		}
		s.lost.encode(w)
		s.open.encode(w)
		s.times.encode(w)
		s.reachedValue.encode(w)
		s.stepValue.encode(w)
		s.reachedSq.encode(w)
		s.stepSq.encode(w)
		w.Int(len(s.reasons))
		for _, r := range s.reasons {
			w.String(r.reason)
			w.Varint(r.n)
			r.value.encode(w)
		}
		w.Varint(s.otherReasons.n)
		s.otherReasons.value.encode(w)
	}
	t.wonAmount.encode(w)
	t.lostAmount.encode(w)
	t.cycleWon.encode(w)
	t.cycleLost.encode(w)
	t.openAge.encode(w)
	// sources by name, so that the order they were first seen does not
	// show
	names := slices.Clone(t.sourceNames)
	slices.Sort(names)
	canon := make([]int, len(t.sourceNames))
	for i, n := range t.sourceNames {
		canon[i], _ = slices.BinarySearch(names, n)
	}
	w.Int(len(names))
	for _, n := range names {
		w.String(n)
	}
	keys := sortedKeys(t.periods)
	w.Int(len(keys))
	for _, k := range keys {
		w.Varint(int64(k))
		t.periods[k].encode(w, canon)
	}
	t.undated.encode(w, canon)
}

func (t *Tally) decode(r *wire.Reader) {
	t.in.decode(r)
	for _, p := range []*int64{&t.deals, &t.open, &t.won, &t.lost, &t.cycleUndated, &t.ageUndated} {
		*p = r.NonNeg()
	}
	if r.Err() == nil && (t.deals != t.open+t.won+t.lost || t.deals != t.in.counted) {
		r.Fail("tally counts do not add up")
	}
	for i := range t.stages {
		s := &t.stages[i]
		for _, p := range []*int64{&s.reached, &s.entered, &s.viaFirst, &s.stepIn, &s.pending, &s.untimed} {
			*p = r.NonNeg()
			if *p > t.deals {
				r.Fail("stage count above the deals")
			}
		}
		s.lost.decode(r)
		s.open.decode(r)
		s.times.decode(r)
		s.reachedValue.decode(r)
		s.stepValue.decode(r)
		s.reachedSq.decode(r)
		s.stepSq.decode(r)
		if r.Err() == nil && (!s.reachedValue.sumOnly || !s.stepValue.sumOnly || !s.lost.sumOnly || !s.open.sumOnly) {
			r.Fail("stage values kept otherwise than as sums")
		}
		nr := r.Count(3)
		if nr > maxKeptReasons {
			r.Fail("%d lost reasons", nr)
		}
		var lost int64
		for range nr {
			lr := lostReason{reason: r.String(), n: r.NonNeg()}
			lr.hash = reasonHash(lr.reason)
			lr.value.decode(r)
			if r.Err() != nil {
				break
			}
			if !lr.value.sumOnly || lr.n == 0 || (len(s.reasons) > 0 && cmpReason(s.reasons[len(s.reasons)-1], &lr) >= 0) {
				r.Fail("bad lost reason")
				break
			}
			lost += lr.n
			s.reasons = append(s.reasons, lr)
		}
		s.otherReasons.n = r.NonNeg()
		s.otherReasons.value.decode(r)
		if r.Err() == nil && s.otherReasons.n+lost != s.lost.n {
			r.Fail("lost reasons do not add up to the stage's lost deals")
		}
		if r.Err() == nil && s.otherReasons.n == 0 {
			s.otherReasons = lostReason{} // the zero state, as a fresh tally has it
		}
	}
	t.wonAmount.decode(r)
	t.lostAmount.decode(r)
	t.cycleWon.decode(r)
	t.cycleLost.decode(r)
	t.openAge.decode(r)
	n := r.Count(1)
	for range n {
		name := r.String()
		if r.Err() == nil && len(t.sourceNames) > 0 && name <= t.sourceNames[len(t.sourceNames)-1] {
			r.Fail("sources out of order")
		}
		t.sourceIndex(name)
	}
	m := r.Count(4)
	var created int64
	prev := int64(math.MinInt64)
	for range m {
		k := r.Varint()
		if r.Err() == nil && (k <= prev || k != int64(int32(k))) {
			r.Fail("period keys out of order")
		}
		prev = k
		p := new(periodAcc)
		p.decode(r, len(t.sourceNames))
		created += p.created
		t.periods[int32(k)] = p
	}
	t.undated.decode(r, len(t.sourceNames))
	if r.Err() == nil && created+t.undated.created != t.deals {
		r.Fail("periods do not add up to the deals")
	}
	q := t.s.opts.QuantileError
	t.eachStat(func(m *MoneyStats) {
		if m.skErr != q {
			r.Fail("amounts kept otherwise than the scan says")
		}
	}, func(d *DurationStats) {
		if d.skErr != q {
			r.Fail("durations kept otherwise than the scan says")
		}
	})
}

func (p *periodAcc) encode(w *wire.Writer, canon []int) {
	w.Varint(p.created)
	w.Varint(p.won)
	w.Varint(p.lost)
	type sc struct{ i, n int64 }
	var list []sc
	for i, c := range p.bySource {
		if c > 0 {
			list = append(list, sc{int64(canon[i]), c})
		}
	}
	slices.SortFunc(list, func(a, b sc) int { return cmp.Compare(a.i, b.i) })
	w.Int(len(list))
	for _, e := range list {
		w.Varint(e.i)
		w.Varint(e.n)
	}
}

func (p *periodAcc) decode(r *wire.Reader, sources int) {
	p.created, p.won, p.lost = r.NonNeg(), r.NonNeg(), r.NonNeg()
	if r.Err() == nil && p.won+p.lost > p.created {
		r.Fail("period outcomes above its deals")
	}
	n := r.Count(2)
	var sum int64
	prev := int64(-1)
	for range n {
		i, c := r.NonNeg(), r.NonNeg()
		if r.Err() != nil {
			return
		}
		if i <= prev || i >= int64(sources) || c == 0 {
			r.Fail("bad source count")
			return
		}
		prev = i
		if int(i) >= len(p.bySource) {
			p.bySource = append(p.bySource, make([]int64, int(i)+1-len(p.bySource))...)
		}
		p.bySource[i] = c
		sum += c
	}
	if r.Err() == nil && sum != p.created {
		r.Fail("sources do not add up to the period's deals")
	}
}

// MarshalBinary encodes the statistic: deterministic for the same
// multiset of amounts.
func (m *MoneyStats) MarshalBinary() ([]byte, error) { return marshalAs("money", moneyVersion, m), nil }

// UnmarshalBinary decodes a statistic written by
// [MoneyStats.MarshalBinary], replacing m's contents. It returns an error
// wrapping [ErrInvalidParam] for an invalid encoding.
func (m *MoneyStats) UnmarshalBinary(data []byte) error {
	return unmarshalAs(data, "money", moneyVersion, m)
}

// The forms of an encoded money statistic.
const (
	moneyInts     = 0 // the amounts as integers at one exponent
	moneyDecimals = 1 // the amounts as decimals
	moneySketch   = 2 // count, exact sum and a quantile sketch
	moneySum      = 3 // count and exact sum only
)

// encode writes the amounts: as integers at one exponent when they fit,
// as decimals otherwise, sorted either way; or the sketch.
func (m *MoneyStats) encode(w *wire.Writer) {
	if m.sumOnly {
		w.Uvarint(moneySum)
		w.Varint(m.n)
		w.Decimal(m.Sum())
		return
	}
	if m.skErr > 0 {
		w.Uvarint(moneySketch)
		w.Float(m.skErr)
		w.Varint(m.n)
		w.Decimal(m.Sum())
		writeSketch(w, m.sk)
		return
	}
	if m.big == nil {
		w.Uvarint(moneyInts)
		exp := m.exp
		if m.n == 0 {
			exp = 0
		}
		w.Varint(int64(exp))
		w.SortedInts(m.ints().sorted())
		return
	}
	if ints, exp, ok := m.asInts(); ok {
		w.Uvarint(moneyInts)
		w.Varint(int64(exp))
		w.SortedInts(ints)
		return
	}
	w.Uvarint(moneyDecimals)
	vals := slices.Clone(m.big.vals)
	slices.SortFunc(vals, func(a, b decimal.Decimal) int {
		return cmp.Or(a.Cmp(b), cmp.Compare(a.Exponent(), b.Exponent()))
	})
	w.Int(len(vals))
	for _, v := range vals {
		w.Decimal(v)
	}
}

// asInts returns the decimal amounts of m as sorted integers at their
// smallest exponent, when they and their sum fit.
func (m *MoneyStats) asInts() ([]int64, int32, bool) {
	if len(m.big.vals) == 0 {
		return nil, 0, true
	}
	exp := int32(math.MaxInt32)
	for _, v := range m.big.vals {
		exp = min(exp, v.Exponent())
	}
	out := make([]int64, 0, len(m.big.vals))
	var sum int64
	for _, v := range m.big.vals {
		if int64(v.Exponent())-int64(exp) > 18 {
			return nil, 0, false // cannot fit: do not build the power of ten
		}
		c := v.Shift(-exp)
		if !c.IsInteger() || c.NumDigits() > 18 {
			return nil, 0, false
		}
		x := c.IntPart()
		s, ok := add64(sum, x)
		if !ok {
			return nil, 0, false
		}
		sum = s
		out = append(out, x)
	}
	slices.Sort(out)
	return out, exp, true
}

func (m *MoneyStats) decode(r *wire.Reader) {
	*m = MoneyStats{}
	switch form := r.Uvarint(); {
	case r.Err() != nil:
	case form == moneySum:
		m.sumOnly = true
		m.n = r.NonNeg()
		sum := r.Decimal()
		if r.Err() == nil && m.n == 0 && !sum.IsZero() {
			r.Fail("sum of no amounts")
		}
		m.setSum(sum)
	case form == moneySketch:
		var ok bool
		if m.skErr, m.n, ok = readSketchHead(r); !ok {
			return
		}
		sum := r.Decimal()
		m.sk = readSketch(r, m.skErr, m.n, "amounts")
		m.setSum(sum)
	case form == moneyInts:
		exp := r.Varint()
		ints := r.SortedInts()
		if r.Err() != nil {
			return
		}
		if exp < -wire.MaxExponent || exp > wire.MaxExponent {
			r.Fail("money exponent %d", exp)
			return
		}
		for _, v := range ints {
			if !m.addScaled(v, int32(exp)) {
				m.Add(decimal.New(v, int32(exp)))
			}
		}
		if len(ints) == 0 {
			m.exp = 0
		}
	case form == moneyDecimals:
		n := r.Count(3)
		for range n {
			d := r.Decimal()
			if r.Err() != nil {
				return
			}
			m.Add(d)
		}
	default:
		r.Fail("money form %d", form)
	}
}

// writeSketch writes the sketch of a statistic in its sketch form, or that
// it has none (no values).
func writeSketch(w *wire.Writer, sk *sketch.Sketch) {
	w.Bool(sk != nil)
	if sk != nil {
		b, _ := sk.MarshalBinary()
		w.String(string(b))
	}
}

// readSketchHead reads the relative error and the count that start the
// sketch form of a statistic; false, with the reader failed, for an
// invalid relative error.
func readSketchHead(r *wire.Reader) (relErr float64, n int64, ok bool) {
	relErr = r.Float()
	if !validQuantileError(relErr) {
		r.Fail("relative error %v", relErr)
		return relErr, 0, false
	}
	return relErr, r.NonNeg(), true
}

// readSketch reads what writeSketch wrote for a statistic of n values
// (what names them) at the relative error relErr: a sketch when n > 0,
// none when n is 0.
func readSketch(r *wire.Reader, relErr float64, n int64, what string) *sketch.Sketch {
	var sk *sketch.Sketch
	if r.Bool() {
		sk = decodeSketch(r, relErr, uint64(n))
	}
	if r.Err() == nil && (sk == nil) != (n == 0) {
		r.Fail("sketch of %d %s", n, what)
	}
	return sk
}

// decodeSketch reads a sketch of n values and the relative error relErr.
func decodeSketch(r *wire.Reader, relErr float64, n uint64) *sketch.Sketch {
	b := r.String()
	if r.Err() != nil {
		return nil
	}
	var sk sketch.Sketch
	if err := sk.UnmarshalBinary([]byte(b)); err != nil {
		r.Fail("%v", err)
		return nil
	}
	if sk.Count() != n || sk.RelativeAccuracy() != relErr || sk.MaxBuckets() != sketch.DefaultMaxBuckets {
		r.Fail("sketch does not match its statistic")
		return nil
	}
	return &sk
}

// addScaled adds the integer v at exponent exp without going through a
// decimal, when the running sum fits; it reports whether it did.
func (m *MoneyStats) addScaled(v int64, exp int32) bool {
	if m.big != nil || (m.n > 0 && m.exp != exp) {
		return false
	}
	s, ok := add64(m.sum, v)
	if !ok {
		return false
	}
	m.exp, m.sum = exp, s
	if !m.sumOnly {
		m.keep().add(v)
	}
	m.n++
	return true
}

// MarshalBinary encodes the statistic: deterministic for the same
// multiset of durations.
func (s *DurationStats) MarshalBinary() ([]byte, error) {
	return marshalAs("durations", durVersion, s), nil
}

// UnmarshalBinary decodes a statistic written by
// [DurationStats.MarshalBinary], replacing s's contents. It returns an
// error wrapping [ErrInvalidParam] for an invalid encoding.
func (s *DurationStats) UnmarshalBinary(data []byte) error {
	return unmarshalAs(data, "durations", durVersion, s)
}

func (s *DurationStats) encode(w *wire.Writer) {
	if s.skErr > 0 {
		w.Bool(true)
		w.Float(s.skErr)
		w.Varint(s.n)
		w.Big(s.TotalSeconds())
		writeSketch(w, s.sk)
		return
	}
	w.Bool(false)
	w.SortedInts(s.samples.sorted())
}

func (s *DurationStats) decode(r *wire.Reader) {
	*s = DurationStats{}
	if !r.Bool() {
		for _, v := range r.SortedInts() {
			s.AddSeconds(v)
		}
		return
	}
	s.decodeSketch(r)
}

// decodeSketch reads the sketched form of the statistic, after its
// leading true.
func (s *DurationStats) decodeSketch(r *wire.Reader) {
	var ok bool
	if s.skErr, s.n, ok = readSketchHead(r); !ok {
		return
	}
	sum := r.Big()
	s.sk = readSketch(r, s.skErr, s.n, "durations")
	if sum.IsInt64() {
		s.sum = sum.Int64()
	} else {
		s.bigSum = sum
	}
}
