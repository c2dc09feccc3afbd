package radix

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// inputs returns slices of many shapes: empty, one value, around the
// comparison-sort cutoff, all equal, ties, negatives, the int64 extremes,
// values that differ in one high byte only, already sorted and reversed.
func inputs() map[string][]int64 {
	r := rand.New(rand.NewPCG(1, 2))
	gen := func(n int, f func(i int) int64) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	in := map[string][]int64{
		"empty":    {},
		"one":      {-7},
		"extremes": {math.MaxInt64, math.MinInt64, 0, -1, 1, math.MinInt64, math.MaxInt64},
	}
	for _, n := range []int{small - 1, small, small + 1, 5000, 100_000} {
		name := func(s string) string { return s + "/" + string(rune('0'+len(in)%10)) + "/" + itoa(n) }
		in[name("random")] = gen(n, func(int) int64 { return int64(r.Uint64()) })
		in[name("durations")] = gen(n, func(int) int64 { return r.Int64N(400*86400)<<1 | r.Int64N(2) })
		in[name("ties")] = gen(n, func(int) int64 { return r.Int64N(7) - 3 })
		in[name("equal")] = gen(n, func(int) int64 { return 42 })
		in[name("high byte")] = gen(n, func(int) int64 { return r.Int64N(256) << 48 })
		in[name("sorted")] = gen(n, func(i int) int64 { return int64(i) * 1000 })
		in[name("reversed")] = gen(n, func(i int) int64 { return -int64(i) * 3 })
		in[name("mixed sign")] = gen(n, func(int) int64 { return r.Int64N(2_000_000) - 1_000_000 })
	}
	return in
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// splits returns ways to cut xs into parts: none (no parts at all, for
// an empty xs), one, chunks of 1,000 with empty parts between, and cuts
// at random points.
func splits[T any](xs []T) [][][]T {
	r := rand.New(rand.NewPCG(uint64(len(xs)), 9))
	var out [][][]T
	if len(xs) == 0 {
		out = append(out, nil)
	}
	out = append(out, [][]T{xs})
	var chunks [][]T
	for i := 0; i < len(xs); i += 1000 {
		chunks = append(chunks, xs[i:min(i+1000, len(xs))], nil)
	}
	out = append(out, chunks)
	var cuts [][]T
	for rest := xs; len(rest) > 0; {
		k := r.IntN(len(rest) + 1)
		cuts, rest = append(cuts, rest[:k]), rest[k:]
	}
	return append(out, cuts)
}

// TestSorted checks Sorted, of one slice and of parts, and Sort against
// slices.Sort, and that Sorted leaves its input alone.
func TestSorted(t *testing.T) {
	for name, xs := range inputs() {
		want := slices.Clone(xs)
		slices.Sort(want)
		orig := slices.Clone(xs)
		got := Sorted(xs)
		if !slices.Equal(want, got) {
			t.Errorf("%s: Sorted (-slices.Sort +radix):\n%s", name, cmp.Diff(want, got))
		}
		if !slices.Equal(orig, xs) {
			t.Errorf("%s: Sorted changed its input:\n%s", name, cmp.Diff(orig, xs))
		}
		if len(xs) > 0 && &got[0] == &xs[0] {
			t.Errorf("%s: Sorted returned its input", name)
		}
		for _, parts := range splits(xs) {
			if got := Sorted(parts...); !slices.Equal(want, got) {
				t.Errorf("%s: Sorted of %d parts (-slices.Sort +radix):\n%s", name, len(parts), cmp.Diff(want, got))
			}
		}
		Sort(xs)
		if !slices.Equal(want, xs) {
			t.Errorf("%s: Sort (-slices.Sort +radix):\n%s", name, cmp.Diff(want, xs))
		}
	}
}

// FuzzSort compares Sort with slices.Sort on any values.
func FuzzSort(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint16(300))
	f.Fuzz(func(t *testing.T, seed []byte, n uint16) {
		xs := make([]int64, int(n)%2000)
		var s uint64
		for _, b := range seed {
			s = s*131 + uint64(b)
		}
		r := rand.New(rand.NewPCG(s, uint64(len(seed))))
		mask := int64(-1)
		if len(seed) > 0 {
			mask = int64(1)<<(seed[0]%64) - 1
		}
		for i := range xs {
			xs[i] = int64(r.Uint64()) & mask
			if r.IntN(4) == 0 {
				xs[i] = -xs[i]
			}
		}
		want := slices.Clone(xs)
		slices.Sort(want)
		if got := Sorted(xs); !slices.Equal(got, want) {
			t.Fatalf("Sorted differs from slices.Sort")
		}
		ks := keyed(xs)
		if got, want := SortKeyed(slices.Clone(ks)), stableByKey(ks); !slices.Equal(got, want) {
			t.Fatalf("SortKeyed differs from slices.SortStableFunc")
		}
		Sort(xs)
		if !slices.Equal(xs, want) {
			t.Fatalf("Sort differs from slices.Sort")
		}
	})
}

// keyed returns the values as unsigned keys with their indices.
func keyed(xs []int64) []Keyed {
	ks := make([]Keyed, len(xs))
	for i, x := range xs {
		ks[i] = Keyed{Key: uint64(x), I: int32(i)}
	}
	return ks
}

// stableByKey returns a copy of ks sorted by key, ties in their order.
func stableByKey(ks []Keyed) []Keyed {
	out := slices.Clone(ks)
	slices.SortStableFunc(out, func(a, b Keyed) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return out
}

// TestSortKeyed compares SortKeyed with a stable comparison sort, keys
// read as unsigned: the order of the keys and, among equal keys, of the
// indices.
func TestSortKeyed(t *testing.T) {
	for name, xs := range inputs() {
		ks := keyed(xs)
		want := stableByKey(ks)
		if got := SortKeyed(slices.Clone(ks)); !slices.Equal(got, want) {
			t.Errorf("%s: SortKeyed differs from slices.SortStableFunc at %d of %d", name, firstDiff(got, want), len(want))
		}
	}
}

// firstDiff returns the first index at which a and b differ.
func firstDiff[T comparable](a, b []T) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// BenchmarkSort compares the radix sort, alone and on two goroutines
// (two runs merged), with slices.Sort on a million durations in seconds
// shifted left by one, as a survival curve keeps them.
func BenchmarkSort(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]int64, 1_000_000)
	for i := range xs {
		xs[i] = r.Int64N(400*86400)<<1 | r.Int64N(2)
	}
	b.Run("radix", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Sorted(xs)
		}
	})
	b.Run("radix on 2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = SortedOn(2, xs)
		}
	})
	b.Run("slices", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := slices.Clone(xs)
			slices.Sort(c)
		}
	})
}

// TestSortedFloats checks SortedFloats against slices.Sort, bit for bit,
// on amounts, negatives, infinities, subnormals, and inputs with NaNs and
// signed zeros (which take slices.Sort's own path, so that even their
// order matches).
func TestSortedFloats(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	gen := func(n int, f func() float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = f()
		}
		return out
	}
	in := map[string][]float64{
		"empty": {},
		"one":   {2.5},
	}
	for _, n := range []int{small - 1, small, 3000, 50_000} {
		k := "/" + itoa(n)
		in["amounts"+k] = gen(n, func() float64 { return float64(r.IntN(5_000_000)) / 100 })
		in["mixed"+k] = gen(n, func() float64 { return r.NormFloat64() * 1e6 })
		in["ties"+k] = gen(n, func() float64 { return float64(r.IntN(5)) - 2.5 })
		in["special"+k] = gen(n, func() float64 {
			return []float64{math.Inf(1), math.Inf(-1), math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
				math.MaxFloat64, -math.MaxFloat64, 0, 1, -1}[r.IntN(9)]
		})
		in["nan"+k] = gen(n, func() float64 { return []float64{math.NaN(), 1, -2, 0}[r.IntN(4)] })
		in["signed zeros"+k] = gen(n, func() float64 { return []float64{math.Copysign(0, -1), 0, 3}[r.IntN(3)] })
	}
	bits := func(xs []float64) []uint64 {
		out := make([]uint64, len(xs))
		for i, x := range xs {
			out[i] = math.Float64bits(x)
		}
		return out
	}
	for name, xs := range in {
		orig := slices.Clone(xs)
		want := slices.Clone(xs)
		slices.Sort(want)
		got := SortedFloats(xs)
		if w, g := bits(want), bits(got); !slices.Equal(w, g) {
			t.Errorf("%s: SortedFloats (-slices.Sort +radix):\n%s", name, cmp.Diff(w, g))
		}
		for _, parts := range splits(xs) {
			if w, g := bits(want), bits(SortedFloats(parts...)); !slices.Equal(w, g) {
				t.Errorf("%s: SortedFloats of %d parts (-slices.Sort +radix):\n%s", name, len(parts), cmp.Diff(w, g))
			}
		}
		if o, x := bits(orig), bits(xs); !slices.Equal(o, x) {
			t.Errorf("%s: SortedFloats changed its input:\n%s", name, cmp.Diff(o, x))
		}
	}
}

// TestMerge checks merge against a sort of both inputs: empty sides, one
// value, ties within and across the sides, and random sorted slices.
func TestMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	cases := [][2][]int64{
		{nil, nil},
		{{5}, nil},
		{nil, {-5}},
		{{1}, {1}},
		{{1, 1, 2}, {1, 2, 2}},
		{{3, 4}, {1, 2}},
		{{math.MinInt64, 0}, {0, math.MaxInt64}},
	}
	for range 200 {
		a, b := make([]int64, r.IntN(50)), make([]int64, r.IntN(50))
		for i := range a {
			a[i] = r.Int64N(20) - 10
		}
		for i := range b {
			b[i] = r.Int64N(20) - 10
		}
		slices.Sort(a)
		slices.Sort(b)
		cases = append(cases, [2][]int64{a, b})
	}
	for _, c := range cases {
		want := append(slices.Clone(c[0]), c[1]...)
		slices.Sort(want)
		got := merge(make([]int64, len(want)), c[0], c[1])
		if !slices.Equal(want, got) {
			t.Errorf("merge(%v, %v) = %v, want %v", c[0], c[1], got, want)
		}
	}
}

// TestSortedOn checks that sorting runs on several goroutines and merging
// them gives slices.Sort's order, for any split of the values into parts
// and any number of goroutines: fewer values than two runs (one
// goroutine), a run and one value more, several runs with the last one
// short, ties across runs.
func TestSortedOn(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 1, parallelRun, 2*parallelRun - 1, 2 * parallelRun, 2*parallelRun + 1, 5*parallelRun + 77} {
		for _, gen := range []func() int64{
			func() int64 { return r.Int64N(400*86400)<<1 | r.Int64N(2) },
			func() int64 { return r.Int64N(5) - 2 },
		} {
			xs := make([]int64, n)
			for i := range xs {
				xs[i] = gen()
			}
			want := slices.Clone(xs)
			slices.Sort(want)
			for _, parts := range splits(xs) {
				for _, workers := range []int{1, 2, 3, 8} {
					if got := SortedOn(workers, parts...); !slices.Equal(want, got) {
						t.Fatalf("%d values in %d parts on %d goroutines: not slices.Sort's order", n, len(parts), workers)
					}
				}
			}
		}
	}
}
