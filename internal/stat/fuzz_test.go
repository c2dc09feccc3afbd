package stat

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
)

// FuzzTests feeds the tests hostile samples: never a panic, p-values in
// [0, 1] and no NaN in a defined result.
func FuzzTests(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var vals []float64
		var ints []int64
		for i := 0; i+8 <= len(data); i += 8 {
			u := binary.LittleEndian.Uint64(data[i:])
			vals = append(vals, math.Float64frombits(u))
			ints = append(ints, int64(u>>2))
		}
		half := len(vals) / 2
		okP := func(name string, p float64) {
			if !(p >= 0 && p <= 1) {
				t.Fatalf("%s: p-value %v", name, p)
			}
		}
		w := WelchTest(MomentsOf(vals[:half]), MomentsOf(vals[half:]), 0.95)
		if w.Defined {
			okP("welch", w.P)
			if math.IsNaN(w.T) || math.IsNaN(w.Lo) || math.IsNaN(w.Hi) {
				t.Fatalf("welch %+v", w)
			}
		}
		if p := PermutationTest(vals[:half], vals[half:], 50, 1, 1000); p.Defined {
			okP("permutation", p.P)
			if math.IsNaN(p.Diff) {
				t.Fatalf("permutation %+v", p)
			}
		}
		for _, q := range BH(vals) {
			okP("bh", q)
		}
		// ties: times and counts from the integers
		mk := func(xs []int64) []Tie {
			var out []Tie
			for i, x := range xs {
				out = append(out, Tie{At: int64(i) * 3, Events: x & 0xffff, Censored: (x >> 16) & 0xffff})
			}
			return out
		}
		lr := LogRankTest(mk(ints[:half]), mk(ints[half:]))
		if lr.Defined {
			okP("log-rank", lr.P)
			if math.IsNaN(lr.Z) || lr.Variance <= 0 {
				t.Fatalf("log-rank %+v", lr)
			}
		}
		if len(ints) >= 4 {
			c := slices.Clone(ints[:4])
			for i := range c {
				c[i] &= 0xffffffff
			}
			or := OddsRatioWoolf(c[0], c[1], c[2], c[3], 1.96)
			if or.Defined && (math.IsNaN(or.Value) || math.IsNaN(or.Lo) || math.IsNaN(or.Hi) || math.IsInf(or.Value, 0)) {
				t.Fatalf("odds ratio %+v of %v", or, c)
			}
		}
	})
}
