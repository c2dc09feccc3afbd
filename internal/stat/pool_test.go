package stat

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// randomTies returns a sample of n units over times 0..span-1 and a
// sub-sample of it holding each unit with probability share.
func randomTies(rng *rand.Rand, n, span int, share, event float64) (all, part []Tie) {
	a := make([]Tie, span)
	p := make([]Tie, span)
	for i := range a {
		a[i].At, p[i].At = int64(i), int64(i)
	}
	for range n {
		k := rng.IntN(span)
		in := rng.Float64() < share
		if rng.Float64() < event {
			a[k].Events++
			if in {
				p[k].Events++
			}
		} else {
			a[k].Censored++
			if in {
				p[k].Censored++
			}
		}
	}
	keep := func(t []Tie) []Tie {
		return slices.DeleteFunc(t, func(x Tie) bool { return x.Events+x.Censored == 0 })
	}
	return keep(a), keep(p)
}

// TestLogRankPoolRest compares the pool's test of a sub-sample against
// the rest with the direct test of the two samples: random samples with
// ties, a part of one unit, a rest of one unit, parts that outlive the
// rest (no variance left), empty parts and the whole pool.
func TestLogRankPoolRest(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	approx := cmpopts.EquateApprox(1e-9, 1e-12)
	check := func(name string, all, part []Tie) {
		t.Helper()
		want := LogRankTest(part, AppendWithout(nil, all, part))
		got := NewLogRankPool(all).Rest(part)
		if diff := gocmp.Diff(want, got, approx); diff != "" {
			t.Errorf("%s (-direct +pool):\n%s", name, diff)
		}
	}
	for i := range 300 {
		n, span := 1+rng.IntN(2000), 1+rng.IntN(300)
		all, part := randomTies(rng, n, span, rng.Float64(), rng.Float64())
		check("random", all, part)
		if i%50 == 0 {
			check("empty part", all, nil)
			check("whole", all, all)
		}
	}
	all, part := randomTies(rng, 100_000, 5000, 0.5, 0.7)
	check("large", all, part)
	big := []Tie{{At: 1, Events: 5000}, {At: 2, Censored: 1}, {At: 3, Events: 4000}, {At: 9, Events: 1000}}
	check("one unit", big, []Tie{{At: 2, Censored: 1}})
	check("rest of one unit", big, []Tie{{At: 1, Events: 5000}, {At: 3, Events: 4000}, {At: 9, Events: 1000}})
	// the part outlives the rest: the events at 5 and 7 add no variance
	outlive := []Tie{{At: 1, Events: 1, Censored: 1}, {At: 2, Censored: 2}, {At: 5, Events: 2}, {At: 7, Events: 1}}
	check("outlives", outlive, []Tie{{At: 1, Censored: 1}, {At: 5, Events: 2}, {At: 7, Events: 1}})
	// only events after the rest left: no variance at all, undefined
	late := []Tie{{At: 1, Censored: 2}, {At: 5, Events: 2}}
	if r := NewLogRankPool(late).Rest([]Tie{{At: 1, Censored: 1}, {At: 5, Events: 2}}); r.Defined || r.Variance != 0 || r.ExpectedA != 2 {
		t.Errorf("no variance: %+v", r)
	}
	check("huge counts", []Tie{{At: 1, Events: 3 << 39}, {At: 2, Censored: 1 << 40}, {At: 3, Events: 1 << 41}}, []Tie{{At: 1, Events: 1 << 40}, {At: 2, Censored: 1 << 40}})
}

// TestPermutationPoolRest compares the pool's test of a sub-sample
// against the rest with the direct test: exact, Monte Carlo (the same
// draws from the same sorted pool) and the normal law, and the
// undefined cases.
func TestPermutationPoolRest(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	approx := cmpopts.EquateApprox(1e-9, 1e-12)
	var scratch []float64
	for _, c := range []struct{ n, m int }{{6, 2}, {12, 3}, {40, 5}, {2000, 30}, {5000, 2500}, {3, 1}} {
		all := make([]float64, c.n)
		for i := range all {
			all[i] = math.Round(math.Exp(rng.NormFloat64()*1.5+8)*100) / 100
		}
		slices.Sort(all)
		idx := rng.Perm(c.n)[:c.m]
		slices.Sort(idx)
		var a, b []float64
		for i, v := range all {
			if _, in := slices.BinarySearch(idx, i); in {
				a = append(a, v)
			} else {
				b = append(b, v)
			}
		}
		pool := NewPermutationPool(all)
		for _, work := range []int64{1 << 30, 1} {
			want := PermutationTest(a, b, 1999, 7, work)
			got := pool.Rest(a, 1999, 7, work, &scratch)
			if diff := gocmp.Diff(want, got, approx); diff != "" {
				t.Errorf("n %d, m %d, work %d (-direct +pool):\n%s", c.n, c.m, work, diff)
			}
			// the rest's view: b against a
			want = PermutationTest(b, a, 1999, 7, work)
			got = pool.Rest(b, 1999, 7, work, nil)
			if diff := gocmp.Diff(want, got, approx); diff != "" {
				t.Errorf("n %d, rest of %d, work %d (-direct +pool):\n%s", c.n, c.m, work, diff)
			}
		}
	}
	// the pool is left as it was: a second Monte Carlo test repeats
	all := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	pool := NewPermutationPool(all)
	first := pool.Rest(all[:8], 99, 1, 1<<20, nil)
	if second := pool.Rest(all[:8], 99, 1, 1<<20, nil); first.Method != PermMonteCarlo || first != second {
		t.Errorf("Monte Carlo %+v then %+v", first, second)
	}
	for name, r := range map[string]Permutation{
		"empty":    pool.Rest(nil, 99, 1, 1<<20, nil),
		"whole":    pool.Rest(all, 99, 1, 1<<20, nil),
		"constant": NewPermutationPool([]float64{2, 2, 2}).Rest([]float64{2}, 99, 1, 1<<20, nil),
	} {
		if r.Defined {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// TestMomentsWithout compares the moments of a rest found by subtraction
// with MomentsOf of the rest's values, and the refusals where the
// subtraction would lose digits.
func TestMomentsWithout(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	approx := cmpopts.EquateApprox(1e-12, 1e-12)
	for range 500 {
		n := 2 + rng.IntN(3000)
		x := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()*rng.Float64()*3 + 8
		}
		k := rng.IntN(n/2 + 1)
		all, part := MomentsOf(x), MomentsOf(x[:k])
		got, ok := all.Without(part)
		want := MomentsOf(x[k:])
		if !ok {
			// refused: the rest lost too much of the variance
			if 4*want.Var*float64(want.N-1) >= all.Var*float64(all.N-1) {
				t.Errorf("n %d, part %d refused: rest %+v of %+v", n, k, want, all)
			}
			continue
		}
		if diff := gocmp.Diff(want, got, approx); diff != "" {
			t.Errorf("n %d, part %d (-MomentsOf +Without):\n%s", n, k, diff)
		}
	}
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8}
	for name, c := range map[string]struct {
		part []float64
		ok   bool
	}{
		"the larger half":       {x[:5], false},
		"all":                   {x, false},
		"none":                  {nil, true},
		"the spread":            {[]float64{1, 8}, true},
		"nearly all the spread": {[]float64{1, 2, 7, 8}, false},
		"one value of the rest": {x[:7], false},
	} {
		if _, ok := MomentsOf(x).Without(MomentsOf(c.part)); ok != c.ok {
			t.Errorf("%s: ok %v", name, ok)
		}
	}
	if r, ok := MomentsOf([]float64{3, 3, 3, 3}).Without(MomentsOf([]float64{3})); !ok || r != (Moments{N: 3, Mean: 3}) {
		t.Errorf("equal values: %+v, %v", r, ok)
	}
}

// TestGallop compares the galloping search with sort.Search from every
// start of every prefix length.
func TestGallop(t *testing.T) {
	for hi := range 40 {
		for end := 0; end <= hi; end++ {
			for lo := 0; lo <= hi; lo++ {
				want := max(lo, end)
				if got := gallop(lo, hi, func(i int) bool { return i < end }); got != want {
					t.Fatalf("gallop(%d, %d) with prefix %d = %d, want %d", lo, hi, end, got, want)
				}
			}
		}
	}
}
