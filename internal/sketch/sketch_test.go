package sketch

import (
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustNew(t testing.TB, a float64, mb int) *Sketch {
	t.Helper()
	s, err := New(a, mb)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustAdd(t testing.TB, s *Sketch, vs ...float64) {
	t.Helper()
	for _, v := range vs {
		if err := s.Add(v); err != nil {
			t.Fatalf("Add(%v): %v", v, err)
		}
	}
}

func TestNewRejects(t *testing.T) {
	type c struct {
		A  float64
		MB int
	}
	bad := []c{{0, 10}, {-0.01, 10}, {1, 10}, {1.5, 10}, {math.NaN(), 10}, {math.Inf(1), 10},
		{MinRelativeAccuracy / 2, 10}, {0.01, 0}, {0.01, -1}, {0.01, MaxMaxBuckets + 1}}
	for _, b := range bad {
		if _, err := New(b.A, b.MB); err == nil {
			t.Errorf("New(%v, %d) accepted", b.A, b.MB)
		}
	}
	var got []c
	good := []c{{MinRelativeAccuracy, 1}, {0.01, DefaultMaxBuckets}, {0.999, MaxMaxBuckets}}
	for _, g := range good {
		s, err := New(g.A, g.MB)
		if err != nil {
			t.Fatalf("New(%v, %d): %v", g.A, g.MB, err)
		}
		got = append(got, c{s.RelativeAccuracy(), s.MaxBuckets()})
	}
	if d := cmp.Diff(good, got); d != "" {
		t.Errorf("parameters (-want +got):\n%s", d)
	}
}

// summary is what a sketch reports, for whole-result comparisons.
type summary struct {
	Count     uint64
	Sum       float64
	Min, Max  float64
	Quantiles []float64 // at p = 0, 0.1, ..., 1
	Collapsed bool
	Limit     float64
}

var tenths = []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}

func summarize(s *Sketch, ps []float64) summary {
	out := summary{Count: s.Count(), Sum: s.Sum(), Collapsed: s.Collapsed(), Limit: s.CollapseLimit()}
	out.Min, _ = s.Min()
	out.Max, _ = s.Max()
	for _, p := range ps {
		q, ok := s.Quantile(p)
		if !ok {
			q = math.NaN()
		}
		out.Quantiles = append(out.Quantiles, q)
	}
	return out
}

// Cases whose every quantile is exact: the first and last order statistics
// are the exact min and max, so one or two distinct values, or ties, give
// x[k] + f(x[k+1]-x[k]) exactly, worked out by hand.
func TestSmallExact(t *testing.T) {
	lin := func(a, b float64) []float64 { // a + p(b-a) for n = 2
		var out []float64
		for _, p := range tenths {
			out = append(out, a+p*(b-a))
		}
		return out
	}
	rep := func(v float64) []float64 {
		out := make([]float64, len(tenths))
		for i := range out {
			out[i] = v
		}
		return out
	}
	tests := []struct {
		name string
		in   []float64
		want summary
		tol  float64 // relative tolerance
	}{
		{"one", []float64{42.5}, summary{1, 42.5, 42.5, 42.5, rep(42.5), false, 0}, 0},
		{"one zero", []float64{0}, summary{1, 0, 0, 0, rep(0), false, 0}, 0},
		{"negative zero is zero", []float64{math.Copysign(0, -1)}, summary{1, 0, 0, 0, rep(0), false, 0}, 0},
		{"one negative", []float64{-3}, summary{1, -3, -3, -3, rep(-3), false, 0}, 0},
		{"two", []float64{10, 20}, summary{2, 30, 10, 20, lin(10, 20), false, 0}, 0},
		{"two reversed", []float64{20, 10}, summary{2, 30, 10, 20, lin(10, 20), false, 0}, 0},
		{"two opposite signs", []float64{-1, 3}, summary{2, 2, -1, 3, lin(-1, 3), false, 0}, 0},
		{"ties", []float64{7, 7, 7, 7, 7}, summary{5, 35, 7, 7, rep(7), false, 0}, 0},
		{"zeros", []float64{0, 0, 0}, summary{3, 0, 0, 0, rep(0), false, 0}, 0},
		{"huge", []float64{math.MaxFloat64, math.MaxFloat64}, summary{2, math.Inf(1), math.MaxFloat64, math.MaxFloat64, rep(math.MaxFloat64), false, 0}, 0},
		{"huge opposite", []float64{-math.MaxFloat64, math.MaxFloat64}, summary{2, 0, -math.MaxFloat64, math.MaxFloat64,
			[]float64{-math.MaxFloat64, -0.8 * math.MaxFloat64, -0.6 * math.MaxFloat64, -0.4 * math.MaxFloat64, -0.2 * math.MaxFloat64, 0,
				0.2 * math.MaxFloat64, 0.4 * math.MaxFloat64, 0.6 * math.MaxFloat64, 0.8 * math.MaxFloat64, math.MaxFloat64}, false, 0}, 1e-15},
		{"subnormal", []float64{5e-324, 5e-324}, summary{2, 1e-323, 5e-324, 5e-324, rep(5e-324), false, 0}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, 0.01, DefaultMaxBuckets)
			mustAdd(t, s, tc.in...)
			if d := cmp.Diff(tc.want, summarize(s, tenths), cmpopts.EquateApprox(tc.tol, 0)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	s := mustNew(t, 0.01, DefaultMaxBuckets)
	for _, p := range []float64{0, 0.5, 1} {
		if q, ok := s.Quantile(p); ok || q != 0 {
			t.Errorf("Quantile(%v) of empty = %v, %v", p, q, ok)
		}
	}
	if _, ok := s.Min(); ok {
		t.Error("Min of empty ok")
	}
	if _, ok := s.Max(); ok {
		t.Error("Max of empty ok")
	}
	if s.Count() != 0 || s.Sum() != 0 || s.Collapsed() || s.CollapseLimit() != 0 {
		t.Error("empty sketch not empty")
	}
}

func TestQuantileRejectsP(t *testing.T) {
	s := mustNew(t, 0.01, DefaultMaxBuckets)
	mustAdd(t, s, 1, 2, 3)
	for _, p := range []float64{-0.01, 1.01, math.NaN(), math.Inf(1), math.Inf(-1)} {
		if q, ok := s.Quantile(p); ok {
			t.Errorf("Quantile(%v) = %v, ok", p, q)
		}
	}
}

// Inner order statistics are bucket representatives; the expected values
// are computed by testdata/reference.py in decimal arithmetic.
func TestSmallEstimated(t *testing.T) {
	tests := []struct {
		in   []float64
		ps   []float64
		want []float64
	}{
		{[]float64{1, 100, 10000}, []float64{0.25, 0.5, 0.75}, []float64{50.747278460572886, 100.49455692114577, 5050.2472784605725}},
		{[]float64{-5, 2, 7, 1000000}, []float64{0.2, 0.5, 0.9}, []float64{-0.8038029983660072, 4.511227185894095, 700002.1086378107}},
	}
	for _, tc := range tests {
		s := mustNew(t, 0.01, DefaultMaxBuckets)
		mustAdd(t, s, tc.in...)
		var got []float64
		for _, p := range tc.ps {
			q, _ := s.Quantile(p)
			got = append(got, q)
		}
		if d := cmp.Diff(tc.want, got, cmpopts.EquateApprox(1e-12, 0)); d != "" {
			t.Errorf("%v (-want +got):\n%s", tc.in, d)
		}
	}
}

func TestAddRejectsNonFinite(t *testing.T) {
	s := mustNew(t, 0.01, DefaultMaxBuckets)
	mustAdd(t, s, 1, 2)
	before, _ := s.MarshalBinary()
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if err := s.Add(v); !errors.Is(err, ErrNotFinite) {
			t.Errorf("Add(%v) = %v", v, err)
		}
		if err := s.AddN(v, 3); !errors.Is(err, ErrNotFinite) {
			t.Errorf("AddN(%v) = %v", v, err)
		}
		if err := s.AddN(v, 0); !errors.Is(err, ErrNotFinite) {
			t.Errorf("AddN(%v, 0) = %v", v, err)
		}
	}
	after, _ := s.MarshalBinary()
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("rejected values changed the sketch:\n%s", d)
	}
}

func TestAddN(t *testing.T) {
	a := mustNew(t, 0.01, DefaultMaxBuckets)
	b := mustNew(t, 0.01, DefaultMaxBuckets)
	for _, v := range []float64{3.25, 0, -8, 1e-310, 1e12} {
		if err := a.AddN(v, 5); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			mustAdd(t, b, v)
		}
	}
	if err := a.AddN(99, 0); err != nil {
		t.Fatal(err)
	}
	ea, _ := a.MarshalBinary()
	eb, _ := b.MarshalBinary()
	if d := cmp.Diff(eb, ea); d != "" {
		t.Errorf("AddN(v, 5) differs from 5 Adds:\n%s", d)
	}
}

func TestCountOverflow(t *testing.T) {
	s := mustNew(t, 0.01, DefaultMaxBuckets)
	if err := s.AddN(2, math.MaxUint64); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(1); !errors.Is(err, ErrCountOverflow) {
		t.Errorf("Add past MaxUint64 = %v", err)
	}
	if err := s.Merge(s); !errors.Is(err, ErrCountOverflow) {
		t.Errorf("self-merge past MaxUint64 = %v", err)
	}
	o := mustNew(t, 0.01, DefaultMaxBuckets)
	mustAdd(t, o, 5)
	if err := s.Merge(o); !errors.Is(err, ErrCountOverflow) {
		t.Errorf("merge past MaxUint64 = %v", err)
	}
	// The exact sum still holds 2^64-1 copies of 2.
	want := 2 * float64(math.MaxUint64)
	if got := s.Sum(); got != want {
		t.Errorf("Sum = %v, want %v", got, want)
	}
	if q, _ := s.Quantile(0.5); q != 2 {
		t.Errorf("median = %v, want 2", q)
	}
}

// The sum is exact and rounded once: the float64 nearest to
// 0.1+0.2+0.3 (of their binary values, 0.6000000000000000055...) is 0.6,
// while adding in float64 gives 0.6000000000000001.
func TestSumExact(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{0.1, 0.2, 0.3}, 0.6},
		{[]float64{1e16, 1, -1e16}, 1},
		{[]float64{1e308, 1e308, -1e308}, 1e308},
		{[]float64{math.MaxFloat64, math.MaxFloat64}, math.Inf(1)},
		{[]float64{-math.MaxFloat64, -math.MaxFloat64}, math.Inf(-1)},
		{[]float64{5e-324, 5e-324, 5e-324}, 1.5e-323},
		{[]float64{1e-320, -1e-320}, 0},
		{[]float64{-2.5, -0.5}, -3},
	}
	var got, want []float64
	for _, tc := range tests {
		s := mustNew(t, 0.01, DefaultMaxBuckets)
		mustAdd(t, s, tc.in...)
		got = append(got, s.Sum())
		want = append(want, tc.want)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("sums (-want +got):\n%s", d)
	}
}

func TestMergeIncompatible(t *testing.T) {
	s := mustNew(t, 0.01, 100)
	mustAdd(t, s, 1)
	for _, o := range []*Sketch{mustNew(t, 0.02, 100), mustNew(t, 0.01, 101)} {
		mustAdd(t, o, 2)
		if err := s.Merge(o); !errors.Is(err, ErrIncompatible) {
			t.Errorf("Merge = %v, want ErrIncompatible", err)
		}
	}
	if err := s.Merge(nil); err == nil {
		t.Error("Merge(nil) accepted")
	}
	if s.Count() != 1 {
		t.Errorf("count %d after failed merges", s.Count())
	}
}

// Merging a sketch into itself doubles it exactly: the same as merging a
// copy, and as adding every value twice.
func TestSelfMerge(t *testing.T) {
	for _, mb := range []int{4, DefaultMaxBuckets} {
		s := mustNew(t, 0.01, mb)
		twice := mustNew(t, 0.01, mb)
		for _, v := range []float64{-3, 0, 1, 2, 3, 1000, 1e9, 1e-9, 55.5} {
			mustAdd(t, s, v)
			mustAdd(t, twice, v, v)
		}
		c := s.Clone()
		if err := c.Merge(s.Clone()); err != nil {
			t.Fatal(err)
		}
		if err := s.Merge(s); err != nil {
			t.Fatal(err)
		}
		es, _ := s.MarshalBinary()
		ec, _ := c.MarshalBinary()
		et, _ := twice.MarshalBinary()
		if d := cmp.Diff(ec, es); d != "" {
			t.Errorf("mb=%d self-merge differs from merge of a copy:\n%s", mb, d)
		}
		if d := cmp.Diff(et, es); d != "" {
			t.Errorf("mb=%d self-merge differs from adding twice:\n%s", mb, d)
		}
	}
}

func TestCloneIndependent(t *testing.T) {
	s := mustNew(t, 0.01, DefaultMaxBuckets)
	mustAdd(t, s, 1, 2, 3, -4, 0)
	before, _ := s.MarshalBinary()
	c := s.Clone()
	mustAdd(t, c, 5, 6, -7, 1e30, 1e-30, 0)
	if err := c.Merge(c); err != nil {
		t.Fatal(err)
	}
	after, _ := s.MarshalBinary()
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("changing a clone changed the original:\n%s", d)
	}
}

// With a limit of 3 buckets at a = 0.01, the values 1, 2, 100, 0.5 have
// indexes 0, 35, 231, -34 (testdata/reference.py); the window is
// [231-3+1, 231] = [229, 231], so 1, 2 and 0.5 fold into bucket 229.
func TestCollapse(t *testing.T) {
	s := mustNew(t, 0.01, 3)
	mustAdd(t, s, 1, 2, 100, 0.5)
	m := newMapping(0.01)
	type buckets struct {
		Index []int
		Count []uint64
	}
	var got buckets
	s.pos.each(func(i int, c uint64) { got.Index = append(got.Index, i); got.Count = append(got.Count, c) })
	if d := cmp.Diff(buckets{[]int{229, 231}, []uint64{3, 1}}, got); d != "" {
		t.Errorf("buckets (-want +got):\n%s", d)
	}
	if !s.Collapsed() {
		t.Error("not collapsed")
	}
	if got, want := s.CollapseLimit(), m.upper(229); got != want {
		t.Errorf("CollapseLimit = %v, want %v", got, want)
	}
	// Ranks 1 and 2 lie in the collapsed bucket: their estimate is its
	// representative, not within the accuracy of 1 and 2.
	if q, _ := s.Quantile(0.5); q != m.value(229) {
		t.Errorf("median = %v, want %v", q, m.value(229))
	}
	// Exact extremes survive the collapse.
	if q, _ := s.Quantile(0); q != 0.5 {
		t.Errorf("min = %v", q)
	}
	if q, _ := s.Quantile(1); q != 100 {
		t.Errorf("max = %v", q)
	}
	// Negative values collapse by magnitude too.
	n := mustNew(t, 0.01, 3)
	mustAdd(t, n, -1, -2, -100, -0.5)
	var gotN buckets
	n.neg.each(func(i int, c uint64) { gotN.Index = append(gotN.Index, i); gotN.Count = append(gotN.Count, c) })
	if d := cmp.Diff(buckets{[]int{229, 231}, []uint64{3, 1}}, gotN); d != "" {
		t.Errorf("negative buckets (-want +got):\n%s", d)
	}
	if !n.Collapsed() {
		t.Error("negative store not collapsed")
	}
}

// A sketch of a handful of values spread over many decades stays sparse and
// small; one holding a dense range stays dense; memory never depends on the
// number of values.
func TestMemoryCompact(t *testing.T) {
	s := mustNew(t, 0.01, DefaultMaxBuckets)
	for i := range 10 {
		mustAdd(t, s, math.Pow(10, float64(i)-3)*1.2345)
	}
	if s.pos.dense || s.pos.occupied() != 10 {
		t.Errorf("10 spread values: dense=%v occupied=%d", s.pos.dense, s.pos.occupied())
	}
	if b := s.sizeBytes(); b > 1024 {
		t.Errorf("10 values take %d bytes", b)
	}
	d := mustNew(t, 0.01, DefaultMaxBuckets)
	for i := range 100000 {
		mustAdd(t, d, 1+float64(i)/1000)
	}
	if !d.pos.dense {
		t.Error("dense range not dense")
	}
	// 1..101 spans about 232 buckets.
	if b := d.sizeBytes(); b > 344+8*(232*3/2+4)+8*8 {
		t.Errorf("dense sketch takes %d bytes", b)
	}
}
