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
	"cmp"
	"math"
	"slices"

	"github.com/funnelmetrics/funnel/internal/par"
)

// small is the length below which a comparison sort is faster than the
// radix passes' fixed cost (6 x 2048 counters).
const small = 256

// Sorted returns a new slice holding the values of the parts (a slice, or
// the chunks of a [chunk] store) in ascending order; the parts are not
// modified.
//
// [chunk]: https://pkg.go.dev/github.com/funnelmetrics/funnel/internal/chunk
func Sorted(parts ...[]int64) []int64 {
	n := count(parts)
	if n < small {
		out := flat(parts, n)
		slices.Sort(out)
		return out
	}
	return sort(parts, n, make([]int64, n), make([]int64, n))
}

// parallelRun is the fewest values per goroutine for which SortedOn sorts
// on several.
const parallelRun = 1 << 16

// SortedOn is [Sorted] on up to workers goroutines: the values are cut
// into runs of at least parallelRun values, one per goroutine, each run
// is sorted on its own, and the sorted runs are merged, pairs of them at
// a time on the goroutines.
func SortedOn(workers int, parts ...[]int64) []int64 {
	n := count(parts)
	runs := min(workers, n/parallelRun)
	if runs <= 1 {
		return Sorted(parts...)
	}
	// cut the parts into runs of about n/runs values
	cut := make([][][]int64, 0, runs)
	var cur [][]int64
	size, want := 0, (n+runs-1)/runs
	for _, p := range parts {
		for len(p) > 0 {
			k := min(len(p), want-size)
			cur, size, p = append(cur, p[:k]), size+k, p[k:]
			if size == want {
				cut, cur, size = append(cut, cur), nil, 0
			}
		}
	}
	if size > 0 {
		cut = append(cut, cur)
	}
	sorted := make([][]int64, len(cut))
	par.For(workers, len(cut), func(i int) { sorted[i] = Sorted(cut[i]...) })
	for len(sorted) > 1 {
		next := make([][]int64, (len(sorted)+1)/2)
		par.For(workers, len(next), func(i int) {
			if 2*i+1 == len(sorted) {
				next[i] = sorted[2*i]
				return
			}
			a, b := sorted[2*i], sorted[2*i+1]
			next[i] = merge(make([]int64, len(a)+len(b)), a, b)
		})
		sorted = next
	}
	return sorted[0]
}

// merge merges the sorted slices a and b into dst, of their total length,
// and returns it.
func merge(dst, a, b []int64) []int64 {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if b[j] < a[i] {
			dst[k] = b[j]
			j++
		} else {
			dst[k] = a[i]
			i++
		}
		k++
	}
	k += copy(dst[k:], a[i:])
	copy(dst[k:], b[j:])
	return dst
}

// SortedFloats returns a new slice holding the values of the parts in
// ascending order, as slices.Sort orders them; the parts are not
// modified.
func SortedFloats(parts ...[]float64) []float64 {
	n := count(parts)
	if n < small || slices.ContainsFunc(parts, func(p []float64) bool {
		return slices.ContainsFunc(p, func(x float64) bool { return x != x || (x == 0 && math.Signbit(x)) })
	}) {
		// NaNs, which slices.Sort puts first, and -0, which it leaves
		// wherever among the +0s: the comparison sort's own order
		out := flat(parts, n)
		slices.Sort(out)
		return out
	}
	keys := make([]int64, 0, n)
	for _, p := range parts {
		for _, x := range p {
			keys = append(keys, flip(int64(math.Float64bits(x))))
		}
	}
	Sort(keys)
	out := make([]float64, n)
	for i, k := range keys {
		out[i] = math.Float64frombits(uint64(flip(k)))
	}
	return out
}

func count[T any](parts [][]T) int {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	return n
}

func flat[T any](parts [][]T, n int) []T {
	out := make([]T, 0, n)
	for _, p := range parts {
		out = append(out, p...)
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
	out := sort([][]int64{xs}, len(xs), make([]int64, len(xs)), xs)
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

// sort sorts the n > 0 values of the parts src into a or b, both of
// length n, and returns the one that holds the result. b may be src's
// only part, which is then overwritten. Keys are the values with the sign
// bit flipped, so that unsigned digit order is signed value order.
func sort(src [][]int64, n int, a, b []int64) []int64 {
	const sign = uint64(1) << 63
	var counts [digits][buckets]int
	var first uint64
	for _, p := range src {
		if len(p) > 0 {
			first = uint64(p[0]) ^ sign
			break
		}
	}
	var differ uint64 // bit set where some value's key differs from the first's
	for _, p := range src {
		for _, v := range p {
			k := uint64(v) ^ sign
			differ |= k ^ first
			for d := range digits {
				counts[d][(k>>(digitBits*d))&(buckets-1)]++
			}
		}
	}
	from, to := src, a
	for d := range digits {
		shift := uint(digitBits * d)
		if (differ>>shift)&(buckets-1) == 0 {
			continue // every value has the same digit here
		}
		pos := offsets(&counts[d])
		for _, p := range from {
			for _, v := range p {
				i := ((uint64(v) ^ sign) >> shift) & (buckets - 1)
				to[pos[i]] = v
				pos[i]++
			}
		}
		from = [][]int64{to}
		if &to[0] == &a[0] {
			to = b
		} else {
			to = a
		}
	}
	if len(from) == 1 && len(from[0]) == n && (&from[0][0] == &a[0] || &from[0][0] == &b[0]) {
		return from[0]
	}
	// no pass ran (every value equal): the result is src's values
	out := a[:0]
	for _, p := range src {
		out = append(out, p...)
	}
	return out
}

// offsets turns the counts of each digit value into where the values of
// each start in the sorted output, in place, and returns them.
func offsets(counts *[buckets]int) *[buckets]int {
	sum := 0
	for i := range counts {
		counts[i], sum = sum, sum+counts[i]
	}
	return counts
}

// A Keyed is a value's unsigned sort key and its index, for [SortKeyed].
type Keyed struct {
	Key uint64
	I   int32
}

// SortKeyed returns ks sorted by Key, stably: keys that tie keep their
// order in ks. It runs the passes of [Sort] on the unsigned keys, a
// scatter pass per 11-bit digit in which the keys differ, and may use ks's
// storage for the result.
func SortKeyed(ks []Keyed) []Keyed {
	if len(ks) < small {
		slices.SortStableFunc(ks, func(a, b Keyed) int { return cmp.Compare(a.Key, b.Key) })
		return ks
	}
	var counts [digits][buckets]int
	first := ks[0].Key
	var differ uint64
	for _, k := range ks {
		differ |= k.Key ^ first
		for d := range digits {
			counts[d][(k.Key>>(digitBits*d))&(buckets-1)]++
		}
	}
	tmp := make([]Keyed, len(ks))
	for d := range digits {
		shift := uint(digitBits * d)
		if (differ>>shift)&(buckets-1) == 0 {
			continue // every key has the same digit here
		}
		pos := offsets(&counts[d])
		for _, k := range ks {
			i := (k.Key >> shift) & (buckets - 1)
			tmp[pos[i]] = k
			pos[i]++
		}
		ks, tmp = tmp, ks
	}
	return ks
}
