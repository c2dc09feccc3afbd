// Package packed keeps columns of integers in few bytes: each value as its
// difference from the column's first, in the fewest bytes (0, 1, 2, 4 or
// 8) that hold every difference so far. A column of IDs, line numbers,
// times or amounts that stay near one another (the rows of one block of a
// file) then takes 1, 2 or 4 bytes a value, one whose values are all
// equal (a zone, nanoseconds that are all zero) none; a value far from the
// others widens the column, once, and the column stays exact whatever the
// values (differences wrap around as int64 arithmetic does, and wrap back
// when read).
package packed

import (
	"math"
	"slices"
)

// Ints is a column of int64 values. The zero Ints is empty and ready to
// use; [NewInts] gives one the capacity of a full block.
type Ints struct {
	n     int
	base  int64 // the first value
	width uint8 // bytes a value: 0 while every value is base
	size  int   // the capacity to make a slice with
	w1    []int8
	w2    []int16
	w4    []int32
	w8    []int64
}

// NewInts returns an empty column whose storage, once needed, is made
// with room for size values.
func NewInts(size int) Ints { return Ints{size: size} }

// Len returns the number of values.
func (c *Ints) Len() int { return c.n }

// Width returns the bytes each value takes (0, 1, 2, 4 or 8).
func (c *Ints) Width() int { return int(c.width) }

// At returns value i, which must be below Len.
func (c *Ints) At(i int) int64 {
	switch c.width {
	case 0:
		if i >= c.n {
			panic("packed: index out of range")
		}
		return c.base
	case 1:
		return c.base + int64(c.w1[i])
	case 2:
		return c.base + int64(c.w2[i])
	case 4:
		return c.base + int64(c.w4[i])
	}
	return c.base + c.w8[i]
}

// Append adds v.
func (c *Ints) Append(v int64) {
	if c.n == 0 {
		c.base = v
	}
	d := v - c.base // wraps, and wraps back in At
	switch c.width {
	case 0:
		if d == 0 {
			c.n++
			return
		}
	case 1:
		if d == int64(int8(d)) {
			c.w1 = append(c.w1, int8(d))
			c.n++
			return
		}
	case 2:
		if d == int64(int16(d)) {
			c.w2 = append(c.w2, int16(d))
			c.n++
			return
		}
	case 4:
		if d == int64(int32(d)) {
			c.w4 = append(c.w4, int32(d))
			c.n++
			return
		}
	default:
		c.w8 = append(c.w8, d)
		c.n++
		return
	}
	c.widen(widthOf(d))
	c.Append(v)
}

// widthOf returns the bytes that hold d.
func widthOf(d int64) uint8 {
	switch {
	case d == 0:
		return 0
	case d == int64(int8(d)):
		return 1
	case d == int64(int16(d)):
		return 2
	case d == int64(int32(d)):
		return 4
	}
	return 8
}

// widen moves the values to width w.
func (c *Ints) widen(w uint8) {
	size := max(c.size, c.n+1)
	switch w {
	case 1:
		c.w1 = widenTo[int8](c, size)
	case 2:
		c.w2 = widenTo[int16](c, size)
	case 4:
		c.w4 = widenTo[int32](c, size)
	case 8:
		c.w8 = widenTo[int64](c, size)
	}
	c.w1, c.w2, c.w4, c.w8 = clearBelow(c.w1, w, 1), clearBelow(c.w2, w, 2), clearBelow(c.w4, w, 4), clearBelow(c.w8, w, 8)
	c.width = w
}

// widenTo returns c's differences in a slice of T with room for size.
func widenTo[T int8 | int16 | int32 | int64](c *Ints, size int) []T {
	out := make([]T, c.n, size)
	for i := range out {
		out[i] = T(c.At(i) - c.base)
	}
	return out
}

// clearBelow returns nil for the slice of width have when the column is
// now wider.
func clearBelow[T any](s []T, w, have uint8) []T {
	if have < w {
		return nil
	}
	return s
}

// Pack returns the column of the values vs, the one appending them one
// by one would give, its storage made with room for size values (or
// len(vs), if more): one pass over vs finds the width, and one stores the
// differences, with no per-value test of the width.
func Pack(vs []int64, size int) Ints {
	c := Ints{size: size}
	if len(vs) == 0 {
		return c
	}
	c.n, c.base = len(vs), vs[0]
	// A difference d fits k bits, signed, when d^(d>>63) (d, or -d-1
	// below 0) is below 2^(k-1): the bits of all of them OR-ed tell the
	// width of the widest. That maps -1 to 0 as well, so the differences
	// themselves are OR-ed too: the width is 0 only when all are 0.
	var bits, nonzero int64
	base := c.base
	for _, v := range vs {
		d := v - base
		bits |= d ^ (d >> 63)
		nonzero |= d
	}
	switch {
	case nonzero == 0:
		c.width = 0
	case bits <= math.MaxInt8:
		c.width = 1
	case bits <= math.MaxInt16:
		c.width = 2
	case bits <= math.MaxInt32:
		c.width = 4
	default:
		c.width = 8
	}
	size = max(size, len(vs))
	switch c.width {
	case 1:
		c.w1 = packTo[int8](vs, c.base, size)
	case 2:
		c.w2 = packTo[int16](vs, c.base, size)
	case 4:
		c.w4 = packTo[int32](vs, c.base, size)
	case 8:
		c.w8 = packTo[int64](vs, c.base, size)
	}
	return c
}

// packTo returns the differences of vs from base in a slice of T with
// room for size.
func packTo[T int8 | int16 | int32 | int64](vs []int64, base int64, size int) []T {
	out := make([]T, len(vs), size)
	vs = vs[:len(out)]
	for i := range out {
		out[i] = T(vs[i] - base)
	}
	return out
}

// AppendTo appends the column's values, in order, to dst and returns the
// extended slice: a whole column read without a test of the width per
// value.
func (c *Ints) AppendTo(dst []int64) []int64 {
	switch c.width {
	case 0:
		n := len(dst)
		dst = slices.Grow(dst, c.n)[:n+c.n]
		out, base := dst[n:], c.base
		for i := range out {
			out[i] = base
		}
		return dst
	case 1:
		return appendFrom(dst, c.w1, c.base)
	case 2:
		return appendFrom(dst, c.w2, c.base)
	case 4:
		return appendFrom(dst, c.w4, c.base)
	}
	return appendFrom(dst, c.w8, c.base)
}

// appendFrom appends base + each difference of ds to dst.
func appendFrom[T int8 | int16 | int32 | int64](dst []int64, ds []T, base int64) []int64 {
	n := len(dst)
	dst = slices.Grow(dst, len(ds))[:n+len(ds)]
	out := dst[n:]
	ds = ds[:len(out)]
	for i := range out {
		out[i] = base + int64(ds[i])
	}
	return dst
}
