package sketch

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

func encode(t testing.TB, s *Sketch) []byte {
	t.Helper()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mixedValues draws values of every kind the sketch handles: several
// distributions, zeros, negative values, subnormals and huge magnitudes.
func mixedValues(r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		switch r.IntN(10) {
		case 0:
			xs[i] = 0
		case 1:
			xs[i] = -math.Exp(4 * r.NormFloat64())
		case 2:
			xs[i] = math.Float64frombits(r.Uint64N(1 << 52)) // subnormal or zero
		case 3:
			xs[i] = math.Exp(700 * (2*r.Float64() - 1))
		default:
			xs[i] = distributions[r.IntN(len(distributions))].draw(r)
		}
	}
	return xs
}

// Merging the sketches of any split of the input, in any order, gives the
// same bytes as the one-pass sketch; so does merging their decoded
// encodings. Exercised with bucket limits small enough to collapse.
func TestMergeSplitsEqualOnePass(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	r := rand.New(rand.NewPCG(1, 2))
	for round := range rounds {
		mb := []int{1, 2, 7, 64, DefaultMaxBuckets}[r.IntN(5)]
		a := []float64{0.01, 0.003, 0.2}[r.IntN(3)]
		n := r.IntN(3000)
		var xs []float64
		if r.IntN(2) == 0 {
			xs = mixedValues(r, n)
		} else {
			d := distributions[r.IntN(len(distributions))]
			xs = make([]float64, n)
			for i := range xs {
				xs[i] = d.draw(r)
			}
		}
		whole := mustNew(t, a, mb)
		mustAdd(t, whole, xs...)
		want := encode(t, whole)

		parts := make([]*Sketch, 1+r.IntN(9))
		for i := range parts {
			parts[i] = mustNew(t, a, mb)
		}
		for _, x := range xs {
			mustAdd(t, parts[r.IntN(len(parts))], x)
		}
		r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })

		// Left fold in shuffled order.
		acc := mustNew(t, a, mb)
		for _, p := range parts {
			if err := acc.Merge(p); err != nil {
				t.Fatal(err)
			}
		}
		if got := encode(t, acc); !bytes.Equal(got, want) {
			t.Fatalf("round %d (a=%v mb=%d n=%d parts=%d): merged sketch differs from one-pass", round, a, mb, n, len(parts))
		}
		// Tree of merges of decoded parts.
		level := make([]*Sketch, len(parts))
		for i, p := range parts {
			var d Sketch
			if err := d.UnmarshalBinary(encode(t, p)); err != nil {
				t.Fatal(err)
			}
			level[i] = &d
		}
		for len(level) > 1 {
			var next []*Sketch
			for i := 0; i+1 < len(level); i += 2 {
				if err := level[i+1].Merge(level[i]); err != nil {
					t.Fatal(err)
				}
				next = append(next, level[i+1])
			}
			if len(level)%2 == 1 {
				next = append(next, level[len(level)-1])
			}
			level = next
		}
		if got := encode(t, level[0]); !bytes.Equal(got, want) {
			t.Fatalf("round %d (a=%v mb=%d n=%d): merge of decoded parts differs from one-pass", round, a, mb, n)
		}
		// The count, sum and extremes are exact and merge-independent.
		if level[0].Count() != uint64(n) {
			t.Fatalf("count %d, want %d", level[0].Count(), n)
		}
	}
}

// The order of adds never changes the sketch.
func TestAddOrderIndependent(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		xs := mixedValues(r, r.IntN(2000))
		mb := []int{1, 3, 50, DefaultMaxBuckets}[r.IntN(4)]
		a := mustNew(t, 0.01, mb)
		mustAdd(t, a, xs...)
		r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		b := mustNew(t, 0.01, mb)
		mustAdd(t, b, xs...)
		if !bytes.Equal(encode(t, a), encode(t, b)) {
			t.Fatal("shuffled adds give a different sketch")
		}
	}
}

// Sorted input (rising and falling) exercises the dense store's growth at
// both ends and the collapse at every new top bucket.
func TestMonotoneInput(t *testing.T) {
	for _, mb := range []int{5, 100, DefaultMaxBuckets} {
		up := mustNew(t, 0.01, mb)
		down := mustNew(t, 0.01, mb)
		var xs []float64
		for i := range 20000 {
			xs = append(xs, math.Exp(float64(i)/200))
		}
		mustAdd(t, up, xs...)
		for i := len(xs) - 1; i >= 0; i-- {
			mustAdd(t, down, xs[i])
		}
		if !bytes.Equal(encode(t, up), encode(t, down)) {
			t.Fatalf("mb=%d: rising and falling input differ", mb)
		}
		if got := up.pos.occupied(); got > mb {
			t.Errorf("mb=%d: %d buckets", mb, got)
		}
	}
}
