package sketch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// EncodingVersion is the version of the binary encoding written by
// MarshalBinary and the only one UnmarshalBinary accepts.
const EncodingVersion = 1

var magic = [3]byte{'F', 'Q', 'S'}

// MarshalBinary encodes the sketch (encoding.BinaryMarshaler). The encoding
// is canonical: sketches with the same contents, however they were built,
// give the same bytes. Format version 1, all integers as unsigned LEB128
// varints ("uv") or zigzag varints ("sv") as in encoding/binary, floats as
// 8 little-endian bytes of their IEEE 754 bits:
//
//	"FQS" 0x01
//	relative accuracy (float)   bucket limit (uv)
//	count (uv)   zero count (uv)
//	if count > 0: min (float)   max (float)
//	positive sum, negative-magnitude sum: each
//	    lowest word (uv)   word count (uv)   words (8 bytes little-endian each)
//	    the exact sum in units of 2^-1074, no zero word at either end
//	positive store, negative store: each
//	    bucket count (uv)
//	    if > 0: lowest raw index (sv)   highest raw index (sv)
//	            first bucket index (sv)   its count (uv)
//	            then per bucket: index gap minus 1 (uv)   count (uv)
func (s *Sketch) MarshalBinary() ([]byte, error) {
	return s.appendBinary(make([]byte, 0, s.encodedSizeHint())), nil
}

func (s *Sketch) encodedSizeHint() int {
	return 64 + 8*(len(s.sumP.w)+len(s.sumN.w)) + 4*(s.pos.occupied()+s.neg.occupied())
}

func (s *Sketch) appendBinary(b []byte) []byte {
	b = append(b, magic[:]...)
	b = append(b, EncodingVersion)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.m.accuracy))
	b = binary.AppendUvarint(b, uint64(s.maxBuckets))
	b = binary.AppendUvarint(b, s.count)
	b = binary.AppendUvarint(b, s.zero)
	if s.count > 0 {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.min))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.max))
	}
	for _, a := range []*accum{&s.sumP, &s.sumN} {
		lo, w := a.trimmed()
		if len(w) == 0 {
			lo = 0
		}
		b = binary.AppendUvarint(b, uint64(lo))
		b = binary.AppendUvarint(b, uint64(len(w)))
		for _, v := range w {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
	}
	for _, st := range []*store{&s.pos, &s.neg} {
		n := st.occupied()
		b = binary.AppendUvarint(b, uint64(n))
		if n == 0 {
			continue
		}
		b = binary.AppendVarint(b, int64(st.rawMin))
		b = binary.AppendVarint(b, int64(st.rawMax))
		prev, first := 0, true
		st.each(func(i int, c uint64) {
			if first {
				b = binary.AppendVarint(b, int64(i))
				first = false
			} else {
				b = binary.AppendUvarint(b, uint64(i-prev-1))
			}
			b = binary.AppendUvarint(b, c)
			prev = i
		})
	}
	return b
}

// decoder reads the encoding and remembers the first error.
type decoder struct {
	b   []byte
	err error
}

var errTruncated = errors.New("sketch: encoding truncated")

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		if n < 0 {
			d.err = errors.New("sketch: varint overflows 64 bits")
		}
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errTruncated)
		if n < 0 {
			d.err = errors.New("sketch: varint overflows 64 bits")
		}
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) u64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b) < 8 {
		d.fail(errTruncated)
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// UnmarshalBinary replaces the contents of s by the sketch encoded in data
// (encoding.BinaryUnmarshaler), which must be a canonical encoding of
// version EncodingVersion as written by MarshalBinary. Every field and
// invariant is checked: truncated, trailing, non-canonical or inconsistent
// input returns an error and leaves s unchanged. Memory allocated is bounded
// by a constant plus 16 bytes per input byte.
func (s *Sketch) UnmarshalBinary(data []byte) error {
	t, err := decode(data)
	if err != nil {
		return err
	}
	*s = *t
	return nil
}

func decode(data []byte) (*Sketch, error) {
	if len(data) < 4 || !bytes.Equal(data[:3], magic[:]) {
		return nil, errors.New("sketch: not a sketch encoding")
	}
	if data[3] != EncodingVersion {
		return nil, fmt.Errorf("sketch: encoding version %d, want %d", data[3], EncodingVersion)
	}
	d := &decoder{b: data[4:]}
	acc := math.Float64frombits(d.u64())
	mb := d.uvarint()
	if d.err != nil {
		return nil, d.err
	}
	if mb > MaxMaxBuckets {
		return nil, fmt.Errorf("sketch: bucket limit %d above %d", mb, MaxMaxBuckets)
	}
	s, err := New(acc, int(mb))
	if err != nil {
		return nil, err
	}
	s.count = d.uvarint()
	s.zero = d.uvarint()
	if s.count > 0 {
		s.min = math.Float64frombits(d.u64())
		s.max = math.Float64frombits(d.u64())
	}
	for _, a := range []*accum{&s.sumP, &s.sumN} {
		lo, n := d.uvarint(), d.uvarint()
		if d.err != nil {
			return nil, d.err
		}
		if lo > accWords || n > accWords-lo || (n == 0 && lo != 0) {
			return nil, errors.New("sketch: sum words out of range")
		}
		if uint64(len(d.b)) < 8*n {
			return nil, errTruncated
		}
		a.lo = int(lo)
		a.w = make([]uint64, n)
		for j := range a.w {
			a.w[j] = d.u64()
		}
		if n > 0 && (a.w[0] == 0 || a.w[n-1] == 0) {
			return nil, errors.New("sketch: sum has zero end words")
		}
	}
	for _, st := range []*store{&s.pos, &s.neg} {
		if err := decodeStore(d, st, &s.m, s.maxBuckets); err != nil {
			return nil, err
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errors.New("sketch: trailing bytes after encoding")
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	// Reject any encoding that MarshalBinary would not have written (for
	// example varints with redundant bytes), so that encodings are unique.
	if !bytes.Equal(s.appendBinary(make([]byte, 0, len(data))), data) {
		return nil, errors.New("sketch: encoding is not canonical")
	}
	return s, nil
}

func decodeStore(d *decoder, st *store, m *mapping, mb int) error {
	n := d.uvarint()
	if d.err != nil {
		return d.err
	}
	if n == 0 {
		return nil
	}
	// Each bucket takes at least two bytes, which bounds the allocation by
	// the input length.
	if n > uint64(len(d.b))/2 {
		return errTruncated
	}
	rawMin, rawMax := d.varint(), d.varint()
	if d.err != nil {
		return d.err
	}
	if rawMin < int64(m.minIndex) || rawMax > int64(m.maxIndex) || rawMin > rawMax {
		return errors.New("sketch: raw bucket range out of bounds")
	}
	floor := rawMax - int64(mb) + 1
	keys := make([]int32, 0, n)
	counts := make([]uint64, 0, n)
	var total uint64
	var prev int64
	for j := uint64(0); j < n; j++ {
		var i int64
		if j == 0 {
			i = d.varint()
		} else {
			gap := d.uvarint()
			if gap > uint64(rawMax-prev) {
				return errors.New("sketch: bucket index above the raw range")
			}
			i = prev + int64(gap) + 1
		}
		c := d.uvarint()
		if d.err != nil {
			return d.err
		}
		if i < max(rawMin, floor) || i > rawMax {
			return errors.New("sketch: bucket index outside its window")
		}
		if c == 0 {
			return errors.New("sketch: empty bucket encoded")
		}
		if total+c < total {
			return ErrCountOverflow
		}
		total += c
		keys = append(keys, int32(i))
		counts = append(counts, c)
		prev = i
	}
	// The highest raw index is never collapsed, so it is the top bucket;
	// the lowest is the first bucket unless it was collapsed into the floor.
	if prev != rawMax {
		return errors.New("sketch: top bucket is not the highest raw index")
	}
	if first := int64(keys[0]); (rawMin >= floor && first != rawMin) || (rawMin < floor && first != floor) {
		return errors.New("sketch: lowest bucket does not match the raw range")
	}
	st.keys, st.counts = keys, counts
	st.total, st.rawMin, st.rawMax = total, int(rawMin), int(rawMax)
	st.maybeDense()
	return nil
}

// validate checks the consistency of a decoded sketch.
func (s *Sketch) validate() error {
	if s.count == 0 {
		if s.zero != 0 || s.pos.total != 0 || s.neg.total != 0 || !s.sumP.isZero() || !s.sumN.isZero() {
			return errors.New("sketch: empty sketch with contents")
		}
		return nil
	}
	if s.zero > s.count || s.pos.total > s.count-s.zero || s.neg.total != s.count-s.zero-s.pos.total {
		return errors.New("sketch: bucket counts do not add up to the count")
	}
	for _, v := range []float64{s.min, s.max} {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Float64bits(v) == 1<<63 {
			return errors.New("sketch: extreme is NaN, infinite or negative zero")
		}
	}
	if s.min > s.max {
		return errors.New("sketch: min above max")
	}
	// Each extreme must belong to the lowest (highest) non-empty class:
	// negative store, zero bucket, positive store. Its bucket index may
	// differ by one from the stored one, because math.Log may round
	// differently on another platform for a value on a bucket edge.
	near := func(v float64, i int) bool {
		d := s.m.index(math.Abs(v)) - i
		return d >= -1 && d <= 1
	}
	switch {
	case s.neg.total > 0:
		if !(s.min <= -minIndexable && near(s.min, s.neg.rawMax)) {
			return errors.New("sketch: min does not match the negative buckets")
		}
	case s.zero > 0:
		if !(math.Abs(s.min) < minIndexable) {
			return errors.New("sketch: min does not match the zero bucket")
		}
	default:
		if !(s.min >= minIndexable && near(s.min, s.pos.rawMin)) {
			return errors.New("sketch: min does not match the positive buckets")
		}
	}
	switch {
	case s.pos.total > 0:
		if !(s.max >= minIndexable && near(s.max, s.pos.rawMax)) {
			return errors.New("sketch: max does not match the positive buckets")
		}
	case s.zero > 0:
		if !(math.Abs(s.max) < minIndexable) {
			return errors.New("sketch: max does not match the zero bucket")
		}
	default:
		if !(s.max <= -minIndexable && near(s.max, s.neg.rawMin)) {
			return errors.New("sketch: max does not match the negative buckets")
		}
	}
	// The sums are non-zero exactly when values of their sign exist, and
	// no larger than count * MaxFloat64 (below count * 2^(1024+1074)).
	if s.sumP.isZero() != (s.max <= 0) || s.sumN.isZero() != (s.min >= 0) {
		return errors.New("sketch: sums do not match the signs of the values")
	}
	limit := 1024 + 1074 + bits.Len64(s.count)
	if s.sumP.bitLen() > limit || s.sumN.bitLen() > limit {
		return errors.New("sketch: sum too large for the count")
	}
	return nil
}
