// Package wire is the binary encoding of the library's accumulators: a
// small, deterministic, length-checked format of variable-length integers,
// strings and decimals, with a header naming the kind of accumulator and
// its format version.
//
// An encoding starts with the magic "FNL", a kind string and a version
// number. Decoding never panics and never allocates more than a bound
// derived from the input's length: every count is checked against the
// bytes left before anything is allocated for it.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/shopspring/decimal"
)

// ErrFormat reports input that is not a valid encoding: truncated,
// oversized, of another kind or version, or inconsistent.
var ErrFormat = errors.New("invalid binary encoding")

const magic = "FNL"

// A Writer appends an encoding to a byte slice. The zero Writer is ready to
// use.
type Writer struct {
	b []byte
}

// Header writes the magic, the kind and the version.
func (w *Writer) Header(kind string, version uint64) {
	w.b = append(w.b, magic...)
	w.String(kind)
	w.Uvarint(version)
}

// Bytes returns the encoding written so far.
func (w *Writer) Bytes() []byte { return w.b }

// Uvarint writes an unsigned integer.
func (w *Writer) Uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

// Varint writes a signed integer (zig-zag).
func (w *Writer) Varint(v int64) { w.b = binary.AppendVarint(w.b, v) }

// Int writes a non-negative int.
func (w *Writer) Int(v int) { w.Uvarint(uint64(v)) }

// Bool writes a boolean as one byte.
func (w *Writer) Bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// Float writes a float64 by its IEEE 754 bits.
func (w *Writer) Float(v float64) { w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(v)) }

// String writes a length-prefixed string.
func (w *Writer) String(s string) {
	w.Uvarint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// Big writes a big integer: its sign and its magnitude's bytes.
func (w *Writer) Big(v *big.Int) {
	w.Varint(int64(v.Sign()))
	w.String(string(v.Bytes()))
}

// Decimal writes a decimal exactly, as its coefficient and exponent.
func (w *Writer) Decimal(d decimal.Decimal) {
	c := d.Coefficient()
	if c.IsInt64() {
		w.b = append(w.b, 0)
		w.Varint(c.Int64())
	} else {
		w.b = append(w.b, 1)
		w.Big(c)
	}
	w.Varint(int64(d.Exponent()))
}

// Time writes an instant as Unix seconds and nanoseconds, with a flag for
// the zero time; the location is not written.
func (w *Writer) Time(t time.Time) {
	if t.IsZero() {
		w.Bool(false)
		return
	}
	w.Bool(true)
	w.Varint(t.Unix())
	w.Uvarint(uint64(t.Nanosecond()))
}

// SortedInts writes ascending int64 values as a count and the deltas from
// one to the next.
func (w *Writer) SortedInts(vals []int64) {
	w.Int(len(vals))
	prev := int64(0)
	for i, v := range vals {
		if i == 0 {
			w.Varint(v)
		} else {
			w.Uvarint(uint64(v - prev))
		}
		prev = v
	}
}

// A Reader decodes an encoding. Its first error is kept: after it, every
// read returns a zero value, and Err reports it.
type Reader struct {
	b   []byte
	err error
}

// NewReader returns a reader of b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met, or nil.
func (r *Reader) Err() error { return r.err }

// Fail records an error (the first one only) and returns it.
func (r *Reader) Fail(format string, args ...any) error {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	return r.err
}

// Remaining returns the number of bytes not read yet.
func (r *Reader) Remaining() int { return len(r.b) }

// Header reads the magic, checks the kind and returns the version.
func (r *Reader) Header(kind string) uint64 {
	if len(r.b) < len(magic) || string(r.b[:len(magic)]) != magic {
		r.Fail("not an encoding of this library")
		return 0
	}
	r.b = r.b[len(magic):]
	if k := r.String(); r.err == nil && k != kind {
		r.Fail("an encoding of %q, not of %q", k, kind)
	}
	return r.Uvarint()
}

// End checks that every byte was read.
func (r *Reader) End() error {
	if r.err == nil && len(r.b) > 0 {
		r.Fail("%d bytes left over", len(r.b))
	}
	return r.err
}

// Uvarint reads an unsigned integer.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.Fail("bad unsigned integer")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Varint reads a signed integer.
func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.Fail("bad integer")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// Int reads a non-negative int that fits in 62 bits.
func (r *Reader) Int() int {
	v := r.Uvarint()
	if v > math.MaxInt64>>1 {
		r.Fail("integer %d too large", v)
		return 0
	}
	return int(v)
}

// NonNeg reads a non-negative int64.
func (r *Reader) NonNeg() int64 {
	v := r.Varint()
	if v < 0 {
		r.Fail("negative count %d", v)
		return 0
	}
	return v
}

// Count reads a number of items, each taking at least minBytes bytes of
// what is left, and fails if there cannot be that many.
func (r *Reader) Count(minBytes int) int {
	n := r.Uvarint()
	if r.err != nil {
		return 0
	}
	if minBytes < 1 {
		minBytes = 1
	}
	if n > uint64(len(r.b)/minBytes) {
		r.Fail("count %d larger than the input allows", n)
		return 0
	}
	return int(n)
}

// Bool reads a boolean.
func (r *Reader) Bool() bool {
	if r.err != nil {
		return false
	}
	if len(r.b) == 0 || r.b[0] > 1 {
		r.Fail("bad boolean")
		return false
	}
	v := r.b[0] == 1
	r.b = r.b[1:]
	return v
}

// Float reads a float64.
func (r *Reader) Float() float64 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 8 {
		r.Fail("truncated float")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

// String reads a length-prefixed string.
func (r *Reader) String() string {
	n := r.Count(1)
	if r.err != nil {
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// maxBigBytes bounds the magnitude of a big integer (about 2,400 digits).
const maxBigBytes = 1024

// Big reads a big integer.
func (r *Reader) Big() *big.Int {
	sign := r.Varint()
	mag := r.String()
	if r.err != nil {
		return new(big.Int)
	}
	if len(mag) > maxBigBytes || sign < -1 || sign > 1 || (sign == 0) != (len(mag) == 0) || (len(mag) > 0 && mag[0] == 0) {
		r.Fail("bad big integer")
		return new(big.Int)
	}
	v := new(big.Int).SetBytes([]byte(mag))
	if sign < 0 {
		v.Neg(v)
	}
	return v
}

// MaxExponent bounds the exponent of a decimal Reader.Decimal accepts:
// arithmetic on decimals whose exponents are billions apart (adding,
// comparing) builds powers of ten of billions of digits, so a hostile
// encoding could hang its decoder; no amount of money comes near.
const MaxExponent = 1 << 12

// Decimal reads a decimal, with an exponent within ±MaxExponent.
func (r *Reader) Decimal() decimal.Decimal {
	if r.err != nil {
		return decimal.Decimal{}
	}
	if len(r.b) == 0 || r.b[0] > 1 {
		r.Fail("bad decimal")
		return decimal.Decimal{}
	}
	isBig := r.b[0] == 1
	r.b = r.b[1:]
	var c *big.Int
	if isBig {
		c = r.Big()
	} else {
		c = big.NewInt(r.Varint())
	}
	e := r.Varint()
	if e < -MaxExponent || e > MaxExponent {
		r.Fail("decimal exponent %d", e)
	}
	if r.err != nil {
		return decimal.Decimal{}
	}
	return decimal.NewFromBigInt(c, int32(e))
}

// Time reads an instant written by Writer.Time, in UTC.
func (r *Reader) Time() time.Time {
	if !r.Bool() {
		return time.Time{}
	}
	sec := r.Varint()
	ns := r.Uvarint()
	if ns >= 1e9 {
		r.Fail("bad nanoseconds")
	}
	if r.err != nil {
		return time.Time{}
	}
	t := time.Unix(sec, int64(ns)).UTC()
	if t.IsZero() {
		r.Fail("zero time written as recorded")
		return time.Time{}
	}
	return t
}

// SortedInts reads values written by Writer.SortedInts, and fails if they
// overflow.
func (r *Reader) SortedInts() []int64 {
	n := r.Count(1)
	if r.err != nil || n == 0 {
		return nil
	}
	out := make([]int64, n)
	out[0] = r.Varint()
	for i := 1; i < n; i++ {
		d := r.Uvarint()
		if d > math.MaxInt64 || out[i-1] > math.MaxInt64-int64(d) {
			r.Fail("sorted values overflow")
			return nil
		}
		out[i] = out[i-1] + int64(d)
	}
	if r.err != nil {
		return nil
	}
	return out
}
