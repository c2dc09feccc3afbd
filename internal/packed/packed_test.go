package packed

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestInts appends sequences of every shape, the extremes of int64
// included, and reads each value back, checking the width taken after
// every append against the widest difference from the first value.
func TestInts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := map[string]func(i int) int64{
		"constant":   func(int) int64 { return 42 },
		"small":      func(int) int64 { return 1000 + rng.Int64N(200) - 100 },
		"lines":      func(i int) int64 { return 1_000_000 + int64(i) },
		"times":      func(int) int64 { return 1_700_000_000 + rng.Int64N(3*365*86400) },
		"full range": func(int) int64 { return int64(rng.Uint64()) },
		"extremes": func(int) int64 {
			return []int64{math.MinInt64, math.MaxInt64, 0, -1, math.MaxInt32 + 1}[rng.IntN(5)]
		},
		"late wide": func(i int) int64 {
			if i == 3000 {
				return math.MinInt64
			}
			return 7
		},
	}
	for name, gen := range shapes {
		for _, size := range []int{0, 4096} {
			c := NewInts(size)
			var want []int64
			maxWidth := 0
			for i := range 5000 {
				v := gen(i)
				c.Append(v)
				want = append(want, v)
				d := v - want[0]
				w := 8
				switch {
				case d == 0:
					w = 0
				case d >= math.MinInt8 && d <= math.MaxInt8:
					w = 1
				case d >= math.MinInt16 && d <= math.MaxInt16:
					w = 2
				case d >= math.MinInt32 && d <= math.MaxInt32:
					w = 4
				}
				maxWidth = max(maxWidth, w)
				if c.Width() != maxWidth {
					t.Fatalf("%s: width %d after %d values, want %d", name, c.Width(), i+1, maxWidth)
				}
			}
			if c.Len() != len(want) {
				t.Fatalf("%s: %d values, want %d", name, c.Len(), len(want))
			}
			for i, v := range want {
				if got := c.At(i); got != v {
					t.Fatalf("%s: value %d is %d, want %d", name, i, got, v)
				}
			}
		}
	}
}

// TestIntsOutOfRange checks that reading past the end panics, as a
// slice does, also for a column that holds no storage.
func TestIntsOutOfRange(t *testing.T) {
	for _, vals := range [][]int64{{5, 5}, {5, 6}} {
		var c Ints
		for _, v := range vals {
			c.Append(v)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%v: At(2) did not panic", vals)
				}
			}()
			c.At(2)
		}()
	}
}

// BenchmarkInts appends and reads back a block of 4,096 values of each
// width a history's columns take: all equal, 1, 2 and 4 bytes.
func BenchmarkInts(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name string
		gen  func(i int) int64
	}{
		{"0", func(int) int64 { return 5 }},
		{"1", func(int) int64 { return rng.Int64N(100) }},
		{"2", func(i int) int64 { return int64(i) * 3 }},
		{"4", func(int) int64 { return 1_700_000_000 + rng.Int64N(1e8) }},
	} {
		vals := make([]int64, 4096)
		for i := range vals {
			vals[i] = tc.gen(i)
		}
		b.Run("append/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c := NewInts(len(vals))
				for _, v := range vals {
					c.Append(v)
				}
			}
		})
		c := NewInts(len(vals))
		for _, v := range vals {
			c.Append(v)
		}
		b.Run("at/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var sum int64
			for b.Loop() {
				for i := range c.Len() {
					sum += c.At(i)
				}
			}
			_ = sum
		})
	}
}

// TestPackAndAppendTo packs sequences of every shape, of every length up
// to a few past a block, and checks the column against the one built by
// Append (its width, length and values) and AppendTo against the values
// themselves, appended after what dst held.
func TestPackAndAppendTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gens := map[string]func(i int) int64{
		"constant": func(int) int64 { return -9 },
		"bytes":    func(int) int64 { return 50 + rng.Int64N(200) - 100 },
		"shorts":   func(int) int64 { return rng.Int64N(60000) - 30000 },
		"times":    func(int) int64 { return 1_700_000_000 + rng.Int64N(3*365*86400) },
		"full":     func(int) int64 { return int64(rng.Uint64()) },
		"extremes": func(int) int64 {
			return []int64{math.MinInt64, math.MaxInt64, 0, -1, math.MinInt32, math.MaxInt32 + 1}[rng.IntN(6)]
		},
		"one far": func(i int) int64 {
			if i == 70 {
				return math.MaxInt64
			}
			return 3
		},
		"below first": func(i int) int64 { return -int64(i) * 1000 },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, 71, 200, 4096, 4100} {
			vs := make([]int64, n)
			var want Ints
			for i := range vs {
				vs[i] = gen(i)
				want.Append(vs[i])
			}
			for _, size := range []int{0, 64, 4096} {
				c := Pack(vs, size)
				if c.Len() != n || c.Width() != want.Width() {
					t.Fatalf("%s, %d values: Pack gives %d values of width %d, Append %d of width %d", name, n, c.Len(), c.Width(), want.Len(), want.Width())
				}
				for i, v := range vs {
					if got := c.At(i); got != v {
						t.Fatalf("%s, %d values: value %d is %d, want %d", name, n, i, got, v)
					}
				}
				got := c.AppendTo([]int64{11, 12})
				if len(got) != n+2 || got[0] != 11 || got[1] != 12 {
					t.Fatalf("%s, %d values: AppendTo kept %v of dst, %d values", name, n, got[:min(2, len(got))], len(got))
				}
				for i, v := range vs {
					if got[2+i] != v {
						t.Fatalf("%s, %d values: AppendTo's value %d is %d, want %d", name, n, i, got[2+i], v)
					}
				}
				// appending to a packed column goes on as to any other
				c.Append(5)
				if c.Len() != n+1 || c.At(n) != 5 || (n > 0 && c.At(0) != vs[0]) {
					t.Fatalf("%s, %d values: append after Pack reads %d values, last %d", name, n, c.Len(), c.At(n))
				}
			}
		}
	}
}

// TestPackOneBelowBase packs columns whose values are the first and one
// below it: differences of 0 and -1, which need a byte each, not none.
func TestPackOneBelowBase(t *testing.T) {
	for _, vs := range [][]int64{{1, 0}, {1, 0, 1, 0}, {0, -1, -1}, {math.MinInt64 + 1, math.MinInt64}, {7, 7, 7, 6}} {
		c := Pack(vs, 0)
		var got []int64
		for i := range c.Len() {
			got = append(got, c.At(i))
		}
		if diff := cmp.Diff(vs, got); diff != "" {
			t.Errorf("Pack(%v) reads back (-want +got):\n%s", vs, diff)
		}
		if diff := cmp.Diff(vs, c.AppendTo(nil)); diff != "" {
			t.Errorf("Pack(%v).AppendTo (-want +got):\n%s", vs, diff)
		}
		if c.Width() != 1 {
			t.Errorf("Pack(%v) has width %d, want 1", vs, c.Width())
		}
	}
}
