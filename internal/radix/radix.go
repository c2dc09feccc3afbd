// Package radix sorts int64 values by least-significant-digit radix sort
// (Knuth, The Art of Computer Programming vol. 3, section 5.2.5): one
// counting pass, then one stable scatter pass per 11-bit digit in which
// the values differ. The samples the analyses sort (durations in seconds,
// amounts in cents) differ in 3 digits, so a sort of a million of them
// takes four linear passes instead of the 20 or so comparisons per value
// of a comparison sort. The result is the one slices.Sort gives:
// int64 values that compare equal are identical, and so are float64
// values other than NaN and signed zeros, for which [SortedFloats] falls
// back on slices.Sort.
package radix

import (
	"math"
	"slices"
)

// small is the length below which a comparison sort is faster than the
// radix passes' fixed cost (6 x 2048 counters).
const small = 256

// Sorted returns a new slice holding xs in ascending order; xs is not
// modified.
func Sorted(xs []int64) []int64 {
	if len(xs) < small {
		out := slices.Clone(xs)
		slices.Sort(out)
		return out
	}
	return sort(xs, make([]int64, len(xs)), make([]int64, len(xs)))
}

// SortedFloats returns a new slice holding xs in ascending order, as
// slices.Sort orders them; xs is not modified.
func SortedFloats(xs []float64) []float64 {
	if len(xs) < small || slices.ContainsFunc(xs, func(x float64) bool { return x != x || (x == 0 && math.Signbit(x)) }) {
		// NaNs, which slices.Sort puts first, and -0, which it leaves
		// wherever among the +0s: the comparison sort's own order
		out := slices.Clone(xs)
		slices.Sort(out)
		return out
	}
	keys := make([]int64, len(xs))
	for i, x := range xs {
		keys[i] = flip(int64(math.Float64bits(x)))
	}
	Sort(keys)
	out := make([]float64, len(xs))
	for i, k := range keys {
		out[i] = math.Float64frombits(uint64(flip(k)))
	}
	return out
}

// flip maps the bits of a float64, read as an int64, to a key in the
// value's order: the bits of a value with the sign bit clear, and the
// bits with the others flipped for one with it set (a larger magnitude
// then gives a smaller key). It is its own inverse.
func flip(b int64) int64 {
	if b < 0 {
		b ^= math.MaxInt64
	}
	return b
}

// Sort sorts xs in ascending order, in place.
func Sort(xs []int64) {
	if len(xs) < small {
		slices.Sort(xs)
		return
	}
	out := sort(xs, make([]int64, len(xs)), nil)
	if &out[0] != &xs[0] {
		copy(xs, out)
	}
}

// The digits of a key: 11 bits each (six of them cover 64 bits), so that
// durations in seconds, which use 27 to 33 bits, take three passes.
const (
	digitBits = 11
	digits    = (64 + digitBits - 1) / digitBits
	buckets   = 1 << digitBits
)

// sort sorts src into a or b (both of src's length; b may be nil, in
// which case src itself is the second buffer and is overwritten) and
// returns the one that holds the result. Keys are the values with the
// sign bit flipped, so that unsigned digit order is signed value order.
func sort(src, a, b []int64) []int64 {
	const sign = uint64(1) << 63
	var counts [digits][buckets]int
	first := uint64(src[0]) ^ sign
	var differ uint64 // bit set where some value's key differs from the first's
	for _, v := range src {
		k := uint64(v) ^ sign
		differ |= k ^ first
		for d := range digits {
			counts[d][(k>>(digitBits*d))&(buckets-1)]++
		}
	}
	if b == nil {
		b = src
	}
	from, to := src, a
	for d := range digits {
		shift := uint(digitBits * d)
		if (differ>>shift)&(buckets-1) == 0 {
			continue // every value has the same digit here
		}
		// offsets: where the values of each digit value start
		pos := &counts[d]
		sum := 0
		for i := range pos {
			pos[i], sum = sum, sum+pos[i]
		}
		for _, v := range from {
			i := ((uint64(v) ^ sign) >> shift) & (buckets - 1)
			to[pos[i]] = v
			pos[i]++
		}
		from = to
		if &to[0] == &a[0] {
			to = b
		} else {
			to = a
		}
	}
	if &from[0] == &src[0] && &src[0] != &b[0] {
		// no pass ran (every value equal): the result is src's copy
		copy(a, src)
		return a
	}
	return from
}
