package chunk

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// flat returns the values of chunks, which hold n values, in one new
// slice.
func flat[T any](chunks [][]T, n int) []T {
	out := make([]T, 0, n)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

// A store is a store with the plain slice it must equal.
type store struct {
	chunks [][]int
	n      int
	want   []int
}

func (s *store) append(v int) {
	s.chunks = Append(s.chunks, v, s.n)
	s.n++
	s.want = append(s.want, v)
}

func (s *store) appendAll(vs []int) {
	s.chunks = appendAll(s.chunks, vs, s.n)
	s.n += len(vs)
	s.want = append(s.want, vs...)
}

func (s *store) merge(o *store) {
	s.chunks = Merge(s.chunks, o.chunks, s.n)
	s.n += o.n
	s.want = append(s.want, o.want...)
}

func (s *store) check(t *testing.T, name string) {
	t.Helper()
	got := flat(s.chunks, s.n)
	if !slices.Equal(s.want, got) {
		t.Fatalf("%s: values (-want +got):\n%s", name, cmp.Diff(s.want, got, cmpopts.EquateEmpty()))
	}
	for i, c := range s.chunks {
		if len(c) == 0 || cap(c) > Size {
			t.Fatalf("%s: chunk %d holds %d of %d", name, i, len(c), cap(c))
		}
	}
}

// TestLayout checks the chunks one value at a time and all at once make:
// 16 values, then as many as the store holds, up to Size.
func TestLayout(t *testing.T) {
	var one, all store
	vals := make([]int, 3*Size+100)
	for i := range vals {
		vals[i] = i
		one.append(i)
	}
	all.appendAll(vals)
	caps := func(s *store) []int {
		var out []int
		for _, c := range s.chunks {
			out = append(out, cap(c))
		}
		return out
	}
	// 16 + 16 + 32 + ... + 2048 = 4096 values, then 2 x Size + 100 in
	// chunks of Size
	want := []int{16, 16, 32, 64, 128, 256, 512, 1024, 2048, Size, Size, Size}
	if diff := cmp.Diff(want, caps(&one)); diff != "" {
		t.Errorf("one at a time (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, caps(&all)); diff != "" {
		t.Errorf("all at once (-want +got):\n%s", diff)
	}
	one.check(t, "one at a time")
	all.check(t, "all at once")
}

// TestMergeShares checks that a merge shares the long chunks, the last
// one half full among them, and copies the short ones.
func TestMergeShares(t *testing.T) {
	var a, o store
	a.appendAll(make([]int, 10))
	o.appendAll(make([]int, 2*Size+Size/2))
	a.merge(&o)
	for _, c := range o.chunks {
		shared := slices.ContainsFunc(a.chunks, func(d []int) bool { return &c[0] == &d[0] })
		if shared != (len(c) >= Share) {
			t.Errorf("chunk of %d (cap %d) shared %v", len(c), cap(c), shared)
		}
	}
}

// TestMergeProperty runs random appends and merges among a few stores and
// checks that each holds what plain slices fed the same way hold, in the
// same order: whatever they share, no store sees another's later values.
func TestMergeProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		stores := make([]store, 3)
		next := 0
		for range 40 {
			s := &stores[r.IntN(len(stores))]
			switch r.IntN(4) {
			case 0:
				for range r.IntN(3000) {
					s.append(next)
					next++
				}
			case 1:
				vs := make([]int, r.IntN(5000))
				for i := range vs {
					vs[i] = next
					next++
				}
				s.appendAll(vs)
			default:
				o := &stores[r.IntN(len(stores))]
				if o == s || s.n+o.n > 50_000 {
					continue
				}
				s.merge(o)
			}
		}
		for i := range stores {
			stores[i].check(t, fmt.Sprintf("trial %d, store %d", trial, i))
		}
	}
}

// TestStore checks a Store against plain slices: Of of nothing and of
// values, adds after Of (into the given slice's room), merges both ways.
func TestStore(t *testing.T) {
	var empty Store[int]
	if s := Of[int](nil); s.Len() != 0 || s.Chunks() != nil {
		t.Errorf("Of(nil) = %+v", s)
	}
	given := make([]int, 3, 10)
	given[0], given[1], given[2] = 7, 8, 9
	a, b := Of(given), Store[int]{}
	wantA, wantB := []int{7, 8, 9}, []int(nil)
	for i := range 5000 {
		a.Add(i)
		wantA = append(wantA, i)
		b.Add(-i)
		wantB = append(wantB, -i)
	}
	a.Merge(&b)
	wantA = append(wantA, wantB...)
	b.Merge(&empty)
	b.Add(42)
	wantB = append(wantB, 42)
	for name, c := range map[string]struct {
		s    *Store[int]
		want []int
	}{"a": {&a, wantA}, "b": {&b, wantB}} {
		if got := flat(c.s.Chunks(), c.s.Len()); !slices.Equal(c.want, got) || c.s.Len() != len(c.want) {
			t.Errorf("%s: %d values (-want +got):\n%s", name, c.s.Len(), cmp.Diff(c.want, got))
		}
	}
}
