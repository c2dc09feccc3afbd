package sketch

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// FuzzUnmarshalBinary decodes arbitrary bytes. Seeds: real encodings of
// varied sketches and their truncations. Invariants: no panic; an accepted
// input is canonical (re-encodes to the same bytes), its quantiles are
// finite, monotone in p and within [min, max], and the decoded sketch
// survives Add, self-Merge and Clone.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, s := range sampleSketches(f) {
		b, _ := s.MarshalBinary()
		if len(b) > 4096 {
			continue
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)-1])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Sketch
		if err := s.UnmarshalBinary(data); err != nil {
			return
		}
		b, err := s.MarshalBinary()
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("accepted input is not canonical")
		}
		checkQuantiles(t, &s)
		c := s.Clone()
		if c.Count() < math.MaxUint64/2 {
			if err := c.Add(1.5); err != nil {
				t.Fatal(err)
			}
			if err := c.Merge(c); err != nil {
				t.Fatal(err)
			}
			checkQuantiles(t, c)
		}
		if b2, _ := s.MarshalBinary(); !bytes.Equal(b2, data) {
			t.Fatal("changing a clone changed the decoded sketch")
		}
	})
}

func checkQuantiles(t *testing.T, s *Sketch) {
	t.Helper()
	lo, _ := s.Min()
	hi, _ := s.Max()
	prev := math.Inf(-1)
	for i := 0; i <= 20; i++ {
		q, ok := s.Quantile(float64(i) / 20)
		if !ok {
			if s.Count() == 0 {
				return
			}
			t.Fatalf("Quantile(%v) not ok", float64(i)/20)
		}
		if math.IsNaN(q) || q < lo || q > hi || q < prev {
			t.Fatalf("Quantile(%v) = %v: min %v max %v previous %v", float64(i)/20, q, lo, hi, prev)
		}
		prev = q
	}
	if sum := s.Sum(); math.IsNaN(sum) {
		t.Fatal("NaN sum")
	}
}

// FuzzAddMerge reads float64 values (8 bytes each, any bits, so NaN,
// infinities, subnormals and extremes occur) and a bucket limit, adds the
// values to one sketch and to parts chosen by the values' low bits, and
// checks: non-finite values are rejected and leave no trace; the merged
// parts equal the one-pass sketch byte for byte; count, min and max are
// exact; quantiles stay finite, monotone and within [min, max], and hit the
// exact extremes at p = 0 and 1.
func FuzzAddMerge(f *testing.F) {
	seed := func(mb byte, vs ...float64) []byte {
		b := []byte{mb}
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	f.Add(seed(0))
	f.Add(seed(3, 1, 2, 3))
	f.Add(seed(0, 0, math.Copysign(0, -1), 5e-324, -5e-324))
	f.Add(seed(1, math.MaxFloat64, -math.MaxFloat64, math.NaN(), math.Inf(1)))
	f.Add(seed(7, 0.01, 1e6, 123.45, 1e9, 3600, 1e-9, -42))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mb := 1 + int(data[0])%80
		if data[0] >= 240 {
			mb = DefaultMaxBuckets
		}
		data = data[1:]
		whole := mustNew(t, 0.02, mb)
		parts := []*Sketch{mustNew(t, 0.02, mb), mustNew(t, 0.02, mb), mustNew(t, 0.02, mb)}
		var n uint64
		lo, hi := math.Inf(1), math.Inf(-1)
		for ; len(data) >= 8; data = data[8:] {
			bits := binary.LittleEndian.Uint64(data)
			v := math.Float64frombits(bits)
			err := whole.Add(v)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				if err == nil {
					t.Fatalf("Add(%v) accepted", v)
				}
				continue
			}
			if err != nil {
				t.Fatalf("Add(%v): %v", v, err)
			}
			if err := parts[bits%3].Add(v); err != nil {
				t.Fatal(err)
			}
			n++
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if whole.Count() != n {
			t.Fatalf("count %d, want %d", whole.Count(), n)
		}
		if n > 0 {
			if q, _ := whole.Quantile(0); q != lo && !(q == 0 && lo == 0) {
				t.Fatalf("Quantile(0) = %v, want %v", q, lo)
			}
			if q, _ := whole.Quantile(1); q != hi && !(q == 0 && hi == 0) {
				t.Fatalf("Quantile(1) = %v, want %v", q, hi)
			}
		}
		checkQuantiles(t, whole)
		merged := mustNew(t, 0.02, mb)
		for _, i := range []int{2, 0, 1} {
			if err := merged.Merge(parts[i]); err != nil {
				t.Fatal(err)
			}
		}
		w, _ := whole.MarshalBinary()
		m, _ := merged.MarshalBinary()
		if !bytes.Equal(w, m) {
			t.Fatal("merged parts differ from the one-pass sketch")
		}
		var d Sketch
		if err := d.UnmarshalBinary(w); err != nil {
			t.Fatalf("own encoding rejected: %v", err)
		}
	})
}
