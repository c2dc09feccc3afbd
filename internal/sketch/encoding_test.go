package sketch

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The encoding of {1, 2} at a = 0.01 with the default limit, written out
// by hand from the format in MarshalBinary's doc comment. Indexes 0 and 35
// come from testdata/reference.py; the sum 3 = 3*2^1074 units of 2^-1074
// occupies bits 1074 and 1075, which are bits 50 and 51 of word 16.
func TestEncodingGolden(t *testing.T) {
	var want []byte
	want = append(want, 'F', 'Q', 'S', 1)
	want = binary.LittleEndian.AppendUint64(want, math.Float64bits(0.01))
	want = append(want, 0x80, 0x10) // 2048
	want = append(want, 2, 0)       // count, zero count
	want = binary.LittleEndian.AppendUint64(want, math.Float64bits(1))
	want = binary.LittleEndian.AppendUint64(want, math.Float64bits(2))
	want = append(want, 16, 1) // positive sum: lowest word 16, one word
	want = binary.LittleEndian.AppendUint64(want, 3<<50)
	want = append(want, 0, 0) // negative sum: empty
	// positive store: 2 buckets, raw range [0, 35] (zigzag 0, 70), bucket 0
	// (zigzag 0) count 1, gap 35-0-1 = 34 count 1.
	want = append(want, 2, 0, 70, 0, 1, 34, 1)
	want = append(want, 0) // negative store: empty

	s := mustNew(t, 0.01, DefaultMaxBuckets)
	mustAdd(t, s, 2, 1)
	if d := cmp.Diff(want, encode(t, s)); d != "" {
		t.Errorf("encoding (-want +got):\n%s", d)
	}
	var back Sketch
	if err := back.UnmarshalBinary(want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(summarize(s, tenths), summarize(&back, tenths)); d != "" {
		t.Errorf("decoded (-want +got):\n%s", d)
	}
}

func sampleSketches(t testing.TB) []*Sketch {
	var out []*Sketch
	r := rand.New(rand.NewPCG(7, 8))
	for _, mb := range []int{1, 4, 64, DefaultMaxBuckets} {
		for _, n := range []int{0, 1, 2, 10, 500, 5000} {
			s := mustNew(t, 0.01, mb)
			mustAdd(t, s, mixedValues(r, n)...)
			out = append(out, s)
		}
	}
	s := mustNew(t, 0.2, 16)
	mustAdd(t, s, -math.MaxFloat64, math.MaxFloat64, 5e-324, -5e-324, 0)
	out = append(out, s)
	big := mustNew(t, 0.01, DefaultMaxBuckets)
	if err := big.AddN(3, math.MaxUint64); err != nil {
		t.Fatal(err)
	}
	out = append(out, big)
	return out
}

func TestRoundTrip(t *testing.T) {
	for i, s := range sampleSketches(t) {
		b := encode(t, s)
		var d Sketch
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatalf("sketch %d: %v", i, err)
		}
		if !bytes.Equal(encode(t, &d), b) {
			t.Fatalf("sketch %d: re-encoding differs", i)
		}
		ps := []float64{0, 0.01, 0.25, 0.5, 0.75, 0.99, 1}
		if diff := cmp.Diff(summarize(s, ps), summarize(&d, ps), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("sketch %d decoded (-want +got):\n%s", i, diff)
		}
		// The decoded sketch keeps working: add and merge.
		if d.Count() > math.MaxUint64-10 {
			continue
		}
		mustAdd(t, &d, 1, -1, 0)
		if err := d.Merge(&d); err != nil {
			t.Fatal(err)
		}
	}
}

// Every proper prefix of a valid encoding is rejected, and every single-byte
// change is either rejected or is itself the canonical encoding of the sketch
// it decodes to.
func TestDecodeTruncatedAndMutated(t *testing.T) {
	for i, s := range sampleSketches(t) {
		b := encode(t, s)
		for n := 0; n < len(b); n++ {
			var d Sketch
			if err := d.UnmarshalBinary(b[:n]); err == nil {
				t.Fatalf("sketch %d: prefix of %d/%d bytes accepted", i, n, len(b))
			}
		}
		if len(b) > 400 {
			continue
		}
		m := bytes.Clone(b)
		for j := range m {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				m[j] ^= x
				var d Sketch
				if err := d.UnmarshalBinary(m); err == nil && !bytes.Equal(encode(t, &d), m) {
					t.Fatalf("sketch %d: mutated byte %d accepted but not canonical", i, j)
				}
				m[j] ^= x
			}
		}
	}
}

func header(a float64, mb uint64) []byte {
	b := []byte{'F', 'Q', 'S', 1}
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a))
	return binary.AppendUvarint(b, mb)
}

func TestDecodeHostile(t *testing.T) {
	f64 := func(b []byte, v float64) []byte { return binary.LittleEndian.AppendUint64(b, math.Float64bits(v)) }
	one := func(extra func(b []byte) []byte) []byte {
		// count 1, zero 0, min = max = 1, positive sum 1 (bit 1074 = word
		// 16 bit 50), then extra.
		b := append(header(0.01, 2048), 1, 0)
		b = f64(f64(b, 1), 1)
		b = append(b, 16, 1)
		b = binary.LittleEndian.AppendUint64(b, 1<<50)
		b = append(b, 0, 0)
		return extra(b)
	}
	valid := one(func(b []byte) []byte { return append(b, 1, 0, 0, 0, 1, 0) })
	var ok Sketch
	if err := ok.UnmarshalBinary(valid); err != nil {
		t.Fatalf("hand-built valid encoding rejected: %v", err)
	}
	cases := map[string][]byte{
		"empty":              nil,
		"bad magic":          []byte("XYZ\x01"),
		"version 2":          []byte("FQS\x02"),
		"accuracy NaN":       append(header(math.NaN(), 10), 0, 0, 0, 0, 0, 0, 0, 0),
		"accuracy 0":         append(header(0, 10), 0, 0, 0, 0, 0, 0, 0, 0),
		"accuracy 1":         append(header(1, 10), 0, 0, 0, 0, 0, 0, 0, 0),
		"bucket limit 0":     append(header(0.01, 0), 0, 0, 0, 0, 0, 0, 0, 0),
		"bucket limit huge":  append(header(0.01, 1<<40), 0, 0, 0, 0, 0, 0, 0, 0),
		"varint overflow":    append(header(0.01, 10), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"non-minimal varint": append(header(0.01, 10), 0x80, 0x00, 0, 0, 0, 0, 0, 0, 0),
		"empty with zeros":   append(header(0.01, 10), 0, 3, 0, 0, 0, 0, 0, 0),
		"trailing byte":      append(slicesClone(valid), 0),
		"count mismatch":     one(func(b []byte) []byte { return append(b, 1, 0, 0, 0, 2, 0) }),
		"empty bucket":       one(func(b []byte) []byte { return append(b, 1, 0, 0, 0, 0, 0) }),
		"bucket count huge":  one(func(b []byte) []byte { return append(b, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 1, 0) }),
		"raw range reversed": one(func(b []byte) []byte { return append(b, 1, 2, 0, 0, 1, 0) }),
		"index off range":    one(func(b []byte) []byte { return append(b, 1, 0, 0, 2, 1, 0) }),
		"raw max too high":   one(func(b []byte) []byte { return binary.AppendVarint(append(b, 1, 0), 1<<40) }),
		"min wrong bucket":   one(func(b []byte) []byte { return append(b, 1, 70, 70, 70, 1, 0) }),
		"sum in wrong sign": func() []byte {
			b := append(header(0.01, 2048), 1, 0)
			b = f64(f64(b, 1), 1)
			b = append(b, 0, 0, 16, 1)
			b = binary.LittleEndian.AppendUint64(b, 1<<50)
			return append(b, 1, 0, 0, 0, 1, 0)
		}(),
		"sum zero end word": func() []byte {
			b := append(header(0.01, 2048), 1, 0)
			b = f64(f64(b, 1), 1)
			b = append(b, 16, 2)
			b = binary.LittleEndian.AppendUint64(b, 1<<50)
			b = binary.LittleEndian.AppendUint64(b, 0)
			return append(b, 0, 0, 1, 0, 0, 0, 1, 0)
		}(),
		"sum words beyond range": func() []byte {
			b := append(header(0.01, 2048), 1, 0)
			b = f64(f64(b, 1), 1)
			return append(b, 40, 1, 1, 0, 0, 0, 0, 0, 0, 0)
		}(),
		"sum too large": func() []byte {
			b := append(header(0.01, 2048), 1, 0)
			b = f64(f64(b, 1), 1)
			b = append(b, 33, 1)
			b = binary.LittleEndian.AppendUint64(b, math.MaxUint64)
			return append(b, 0, 0, 1, 0, 0, 0, 1, 0)
		}(),
		"min NaN": func() []byte {
			b := append(header(0.01, 2048), 1, 0)
			b = f64(f64(b, math.NaN()), 1)
			b = append(b, 16, 1)
			b = binary.LittleEndian.AppendUint64(b, 1<<50)
			return append(b, 0, 0, 1, 0, 0, 0, 1, 0)
		}(),
		"negative zero min": func() []byte {
			b := append(header(0.01, 2048), 1, 1)
			b = f64(f64(b, math.Copysign(0, -1)), 0)
			return append(b, 0, 0, 0, 0, 0, 0)
		}(),
	}
	reasons := map[string]string{
		"empty": "not a sketch", "bad magic": "not a sketch", "version 2": "version 2",
		"accuracy NaN": "relative accuracy", "accuracy 0": "relative accuracy", "accuracy 1": "relative accuracy",
		"bucket limit 0": "bucket limit", "bucket limit huge": "bucket limit", "varint overflow": "overflows",
		"non-minimal varint": "not canonical", "empty with zeros": "empty sketch with contents",
		"trailing byte": "trailing", "count mismatch": "do not add up", "empty bucket": "empty bucket",
		"bucket count huge": "truncated", "raw range reversed": "raw bucket range", "index off range": "outside its window",
		"raw max too high": "raw bucket range", "min wrong bucket": "min does not match", "sum in wrong sign": "signs",
		"sum zero end word": "zero end words", "sum words beyond range": "sum words out of range",
		"sum too large": "too large", "min NaN": "NaN", "negative zero min": "negative zero",
	}
	if len(reasons) != len(cases) {
		t.Fatalf("%d reasons for %d cases", len(reasons), len(cases))
	}
	for name, b := range cases {
		var d Sketch
		err := d.UnmarshalBinary(b)
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), reasons[name]) {
			t.Errorf("%s: error %q, want it to mention %q", name, err, reasons[name])
		}
	}
	// A failed decode leaves the receiver unchanged.
	before := encode(t, &ok)
	if err := ok.UnmarshalBinary(cases["count mismatch"]); err == nil {
		t.Fatal("accepted")
	}
	if !bytes.Equal(before, encode(t, &ok)) {
		t.Error("failed decode changed the receiver")
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

// Decoding allocates at most a constant plus 16 bytes per input byte, for
// valid encodings (the largest the format allows per byte) and for hostile
// ones that declare far more than they hold.
func TestDecodeAllocationBound(t *testing.T) {
	inputs := [][]byte{
		one64K(),
		append(header(0.01, MaxMaxBuckets), 0xff, 0xff, 0xff, 0xff, 0x0f),
	}
	for _, s := range sampleSketches(t) {
		inputs = append(inputs, encode(t, s))
	}
	for i, b := range inputs {
		var ms0, ms1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		const reps = 20
		for range reps {
			var d Sketch
			_ = d.UnmarshalBinary(b)
		}
		runtime.ReadMemStats(&ms1)
		per := (ms1.TotalAlloc - ms0.TotalAlloc) / reps
		if bound := uint64(2048 + 16*len(b)); per > bound {
			t.Errorf("input %d (%d bytes): %d bytes allocated per decode, bound %d", i, len(b), per, bound)
		}
	}
}

// one64K encodes a sketch with many adjacent buckets, the densest use of
// input bytes.
func one64K() []byte {
	s, _ := New(MinRelativeAccuracy, MaxMaxBuckets)
	for i := range 30000 {
		_ = s.Add(1 + float64(i)*2e-6)
	}
	b, _ := s.MarshalBinary()
	return b
}
