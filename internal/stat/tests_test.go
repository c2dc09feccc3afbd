package stat

import (
	"math"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The expected values of these tests are worked by hand in the comments.

func TestLogRankHand(t *testing.T) {
	// one event in each sample, at times 1 and 2: at t=1 both are at risk
	// (E_A = 1/2, V = 1/2 · 1/2 · 1 / 1 = 1/4); at t=2 only B is (E_A += 0,
	// n = 1 adds no variance). O_A - E_A = 1/2, chi² = 1, Z = 1.
	got := LogRankTest([]Tie{{At: 1, Events: 1}}, []Tie{{At: 2, Events: 1}})
	want := LogRank{Defined: true, ObservedA: 1, ObservedB: 1, ExpectedA: 0.5, ExpectedB: 1.5, Variance: 0.25, ChiSquare: 1, Z: 1, P: math.Erfc(1 / math.Sqrt2)}
	if diff := gocmp.Diff(want, got, approx); diff != "" {
		t.Errorf("hand log-rank (-want +got):\n%s", diff)
	}
	// a censoring tied with an event is at risk at that time: A censored at
	// 1, B an event at 1 and one at 3: at t=1, n=3, n_A=1, d=1: E_A = 1/3,
	// V = 1/3 · 2/3 · 2/2 = 2/9; at t=3 A is gone. O_A = 0.
	got = LogRankTest([]Tie{{At: 1, Censored: 1}}, []Tie{{At: 1, Events: 1}, {At: 3, Events: 1}})
	z := -(1.0 / 3) / math.Sqrt(2.0/9)
	want = LogRank{Defined: true, ObservedA: 0, ObservedB: 2, ExpectedA: 1.0 / 3, ExpectedB: 5.0 / 3, Variance: 2.0 / 9, ChiSquare: 0.5, Z: z, P: TwoSidedP(z)}
	if diff := gocmp.Diff(want, got, approx); diff != "" {
		t.Errorf("tied censoring (-want +got):\n%s", diff)
	}
	for name, c := range map[string][2][]Tie{
		"empty A":       {nil, {{At: 1, Events: 1}}},
		"empty both":    {nil, nil},
		"all censored":  {{{At: 1, Censored: 3}}, {{At: 2, Censored: 1}}},
		"one tied time": {{{At: 5, Events: 1}}, {{At: 5, Events: 1}}}, // n = d = 2: no variance
	} {
		if r := LogRankTest(c[0], c[1]); r.Defined || r.P != 0 || r.Z != 0 {
			t.Errorf("%s: %+v", name, r)
		}
	}
	// huge counts stay finite
	r := LogRankTest([]Tie{{At: 1, Events: 1 << 40}, {At: 2, Censored: 1 << 40}}, []Tie{{At: 1, Events: 1 << 39}, {At: 3, Events: 1 << 41}})
	if !r.Defined || math.IsNaN(r.P) || math.IsInf(r.ChiSquare, 0) {
		t.Errorf("huge counts: %+v", r)
	}
}

// TestAppendWithout takes a sub-sample's ties out of the whole's: a
// duration the part holds all of goes, one it shares keeps the rest, one
// it does not hold stays whole.
func TestAppendWithout(t *testing.T) {
	all := []Tie{{At: 1, Events: 2, Censored: 1}, {At: 3, Events: 1}, {At: 5, Censored: 2}, {At: 7, Events: 1, Censored: 1}}
	part := []Tie{{At: 1, Events: 1}, {At: 3, Events: 1}, {At: 7, Censored: 1}}
	want := []Tie{{At: 1, Events: 1, Censored: 1}, {At: 5, Censored: 2}, {At: 7, Events: 1}}
	if diff := gocmp.Diff(want, AppendWithout(nil, all, part)); diff != "" {
		t.Errorf("AppendWithout (-want +got):\n%s", diff)
	}
	if got := AppendWithout(nil, all, all); len(got) != 0 {
		t.Errorf("all without all: %v", got)
	}
	if diff := gocmp.Diff(all, AppendWithout(nil, all, nil)); diff != "" {
		t.Errorf("all without nothing (-want +got):\n%s", diff)
	}
	// appended after what dst holds
	dst := AppendWithout([]Tie{{At: 0, Events: 9}}, all, part)
	if diff := gocmp.Diff(append([]Tie{{At: 0, Events: 9}}, want...), dst); diff != "" {
		t.Errorf("appended (-want +got):\n%s", diff)
	}
}

func TestBHHand(t *testing.T) {
	if got := BH(nil); len(got) != 0 || got == nil {
		t.Errorf("BH(nil) = %#v", got)
	}
	if got := BH([]float64{0.03}); got[0] != 0.03 {
		t.Errorf("BH of one = %v", got)
	}
	// m = 3: sorted 0.01, 0.02, 0.04: 3·0.04/3 = 0.04, 3·0.02/2 = 0.03,
	// 3·0.01/1 = 0.03; NaN counts as 1, a p-value above 1 as 1
	got := BH([]float64{0.04, 0.01, 0.02})
	if diff := gocmp.Diff([]float64{0.04, 0.03, 0.03}, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("BH (-want +got):\n%s", diff)
	}
	got = BH([]float64{math.NaN(), 0.01, 2})
	if diff := gocmp.Diff([]float64{1, 0.03, 1}, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("BH with NaN (-want +got):\n%s", diff)
	}
}

func TestWelchHand(t *testing.T) {
	// {1,2,3} against {4,5,6}: means 2 and 5, variances 1: SE = sqrt(2/3),
	// t = -3 / sqrt(2/3), df = (2/3)² / (2 (1/3)² / 2) = 4
	got := WelchTest(MomentsOf([]float64{1, 2, 3}), MomentsOf([]float64{4, 5, 6}), 0.95)
	if !got.Defined || math.Abs(got.T+3/math.Sqrt(2.0/3)) > 1e-12 || math.Abs(got.DF-4) > 1e-12 || got.Diff != -3 {
		t.Errorf("Welch hand = %+v", got)
	}
	// t with 4 df at 3.674...: two-sided p 0.021311641128756727
	// (scipy.stats.ttest_ind([1,2,3], [4,5,6], equal_var=False))
	if math.Abs(got.P-0.021311641128756) > 1e-9 {
		t.Errorf("Welch p = %v", got.P)
	}
	for name, c := range map[string][2][]float64{
		"one value":  {{1}, {2, 3}},
		"empty":      {nil, {2, 3}},
		"constant":   {{2, 2}, {2, 2}},
		"infinities": {{math.Inf(1), 1}, {2, 3}},
	} {
		if w := WelchTest(MomentsOf(c[0]), MomentsOf(c[1]), 0.95); w.Defined || math.IsNaN(w.P) {
			t.Errorf("%s: %+v", name, w)
		}
	}
	// a constant sample against a varying one has a test
	if w := WelchTest(MomentsOf([]float64{2, 2, 2}), MomentsOf([]float64{1, 2, 4}), 0.95); !w.Defined || w.DF != 2 {
		t.Errorf("constant against varying: %+v", w)
	}
	// moments of huge, close values keep their variance
	m := MomentsOf([]float64{1e9 + 1, 1e9 + 2, 1e9 + 3})
	if m.Mean != 1e9+2 || math.Abs(m.Var-1) > 1e-6 {
		t.Errorf("moments = %+v", m)
	}
}

func TestPermutationHand(t *testing.T) {
	// {1} against {2}: two splits, both with |diff| 1: p = 1
	got := PermutationTest([]float64{1}, []float64{2}, 10, 1, 1<<20)
	if diff := gocmp.Diff(Permutation{Defined: true, Diff: -1, Method: PermExact, Resamples: 2, P: 1}, got); diff != "" {
		t.Errorf("two values (-want +got):\n%s", diff)
	}
	// {10, 11} against {1, 2}: 6 splits; |diff| 9 for the observed split
	// and its mirror, smaller for the 4 others: p = 2/6
	got = PermutationTest([]float64{10, 11}, []float64{1, 2}, 6, 1, 1<<20)
	if got.Method != PermExact || got.Resamples != 6 || math.Abs(got.P-1.0/3) > 1e-15 || got.Diff != 9 {
		t.Errorf("four values: %+v", got)
	}
	// the normal law: {0, 2} against {1, 1, 1, 1} has mean 1, Σ (x-1)² = 2;
	// S_A = 0, z = 0, p = 1
	got = PermutationTest([]float64{0, 2}, []float64{1, 1, 1, 1}, 1, 1, 1)
	if got.Method != PermNormal || got.P != 1 || got.Resamples != 0 {
		t.Errorf("normal law: %+v", got)
	}
	// {3, 3} against {1, 1, 1, 1}: mean 5/3, S_A = 8/3,
	// Σ (x - 5/3)² = 2 (4/3)² + 4 (2/3)² = 16/3, Var = 2·4/(6·5) · 16/3 = 64/45
	got = PermutationTest([]float64{3, 3}, []float64{1, 1, 1, 1}, 1, 1, 1)
	if z := (8.0 / 3) / math.Sqrt(64.0/45); got.Method != PermNormal || math.Abs(got.P-TwoSidedP(z)) > 1e-12 {
		t.Errorf("normal law: %+v, want p %v", got, TwoSidedP(z))
	}
	for name, c := range map[string][2][]float64{
		"empty":    {nil, {1}},
		"constant": {{4, 4}, {4}},
		"inf":      {{math.Inf(1)}, {1}},
	} {
		if p := PermutationTest(c[0], c[1], 99, 1, 1<<20); p.Defined || p.P != 0 {
			t.Errorf("%s: %+v", name, p)
		}
	}
	if p := PermutationTest([]float64{1}, []float64{2}, 0, 1, 1<<20); p.Defined {
		t.Errorf("no resamples: %+v", p)
	}
	// Monte Carlo p-values are never 0: (1 + hits) / (1 + B)
	a := []float64{100, 101, 102, 103, 104, 105, 106, 107, 108, 109}
	b := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if p := PermutationTest(a, b, 99, 3, 1<<20); p.Method != PermMonteCarlo || p.P != 0.01 {
		t.Errorf("Monte Carlo floor: %+v", p)
	}
}

func TestChoose(t *testing.T) {
	for _, tt := range []struct {
		n, k  int
		limit int64
		c     int64
		ok    bool
	}{{10, 3, 1000, 120, true}, {10, 7, 120, 120, true}, {10, 3, 119, 0, false}, {4, 0, 1, 1, true},
		{100, 50, math.MaxInt64, 0, false}, {66, 33, math.MaxInt64, 7219428434016265740, true}} {
		c, ok := choose(tt.n, tt.k, tt.limit)
		if c != tt.c || ok != tt.ok {
			t.Errorf("choose(%d, %d, %d) = %d, %v", tt.n, tt.k, tt.limit, c, ok)
		}
	}
}

func TestOddsRatioHand(t *testing.T) {
	// a zero cell: 0.5 added to each: (0.5 · 5.5) / (10.5 · 5.5) = 1/21,
	// se = sqrt(1/0.5 + 1/10.5 + 2/5.5)
	got := OddsRatioWoolf(0, 10, 5, 5, Z(0.95))
	se := math.Sqrt(2 + 1/10.5 + 2/5.5)
	want := OddsRatio{Defined: true, Corrected: true, Value: 1.0 / 21, Lo: math.Exp(math.Log(1.0/21) - Z(0.95)*se), Hi: math.Exp(math.Log(1.0/21) + Z(0.95)*se)}
	if diff := gocmp.Diff(want, got, approx); diff != "" {
		t.Errorf("zero cell (-want +got):\n%s", diff)
	}
	if r := OddsRatioWoolf(0, 0, 3, 4, 1.96); r.Defined {
		t.Errorf("empty row: %+v", r)
	}
	if r := OddsRatioWoolf(1<<50, 1, 1, 1<<50, 1.96); !r.Defined || math.IsInf(r.Value, 0) || math.IsNaN(r.Lo) {
		t.Errorf("huge counts: %+v", r)
	}
}
