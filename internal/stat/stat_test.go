package stat

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The expected values come from SciPy (testdata/reference.py).

func TestZ(t *testing.T) {
	for _, tt := range []struct{ level, z float64 }{{0.95, 1.959963984540054}, {0.90, 1.6448536269514722}} {
		if got := Z(tt.level); math.Abs(got-tt.z) > 1e-12 {
			t.Errorf("Z(%v) = %v, want %v", tt.level, got, tt.z)
		}
	}
	for _, bad := range []float64{-0.1, 1, 1.5, math.NaN(), math.Inf(1)} {
		if _, err := Level(bad); err == nil {
			t.Errorf("Level(%v) accepted", bad)
		}
	}
	if l, err := Level(0); err != nil || l != DefaultConfidence {
		t.Errorf("Level(0) = %v, %v", l, err)
	}
}

func TestFisherTwoSided(t *testing.T) {
	for _, tt := range []struct {
		x1, n1, x2, n2 int64
		p              float64
	}{
		{3, 10, 7, 12, 0.23053107882829244},
		{0, 5, 5, 5, 0.007936507936507938},
		{1, 20, 9, 20, 0.00836173416818578},
		{12, 100, 25, 110, 0.04711321950310868},
		{60, 200, 30, 200, 0.00047392637145865756},
		{5, 5, 5, 5, 1.0},
	} {
		p, exact := FisherTwoSided(tt.x1, tt.n1, tt.x2, tt.n2)
		if !exact || math.Abs(p-tt.p) > 1e-9*math.Max(tt.p, 1e-300) && math.Abs(p-tt.p) > 1e-12 {
			t.Errorf("Fisher(%d/%d, %d/%d) = %v (exact %v), want %v", tt.x1, tt.n1, tt.x2, tt.n2, p, exact, tt.p)
		}
	}
}

// TestFisherTies checks the relative tolerance of 1e-7 of Fisher's test
// on tables whose probabilities tie exactly with the observed one's on
// the other side (n1 = 2: C(2, 0) C(8, 5) = C(2, 2) C(8, 3) = 56, and so
// on), where the log-gamma sums put the tied table a few ulps above the
// observed one. The p-values are exact fractions from
// testdata/fisher_ties.py (Python's fractions, ties included as R's
// fisher.test means to); without the tolerance the tied table would be
// left out and the p-value halved (0.2222 for 4/9).
func TestFisherTies(t *testing.T) {
	type row struct {
		X1, N1, X2, N2 int64
		P              float64
		Exact          bool
	}
	tables := []row{{0, 2, 5, 8, 4.0 / 9, true}, {1, 2, 2, 8, 1, true}, {1, 2, 3, 11, 1, true}, {0, 2, 7, 12, 6.0 / 13, true}}
	var got []row
	for _, w := range tables {
		p, exact := FisherTwoSided(w.X1, w.N1, w.X2, w.N2)
		got = append(got, row{w.X1, w.N1, w.X2, w.N2, p, exact})
	}
	if diff := cmp.Diff(tables, got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("Fisher on tied tables (-fractions +got):\n%s", diff)
	}
}

// TestFisherLargeSwitches checks that a table whose smaller margin exceeds
// FisherMaxMargin is answered at once by the z-test (the exact sum over
// 10^12 tables would not return).
func TestFisherLargeSwitches(t *testing.T) {
	start := time.Now()
	p, exact := FisherTwoSided(4e11, 1e12, 4.1e11, 1e12)
	z := TwoSidedP(TwoProportionZ(4e11, 1e12, 4.1e11, 1e12))
	if exact || p != z || time.Since(start) > time.Second {
		t.Errorf("large table: p %v exact %v (z-test %v) in %v", p, exact, z, time.Since(start))
	}
}

func TestTwoProportion(t *testing.T) {
	for _, tt := range []struct {
		x1, n1, x2, n2 int64
		z, p           float64
	}{
		{60, 200, 30, 200, 3.592106040535498, 0.0003280163150135285},
		{12, 100, 25, 110, -2.037846174624019, 0.041565318924548254},
		{500, 1000, 520, 1000, -0.894606130121643, 0.37099767373660797},
	} {
		z := TwoProportionZ(tt.x1, tt.n1, tt.x2, tt.n2)
		if math.Abs(z-tt.z) > 1e-12 || math.Abs(TwoSidedP(z)-tt.p) > 1e-12 {
			t.Errorf("z(%d/%d, %d/%d) = %v p %v, want %v p %v", tt.x1, tt.n1, tt.x2, tt.n2, z, TwoSidedP(z), tt.z, tt.p)
		}
	}
	if z := TwoProportionZ(0, 10, 0, 20); z != 0 {
		t.Errorf("z of two empty rates = %v", z)
	}
}

func TestEnoughAndSmall(t *testing.T) {
	if Enough(29, 0) || !Enough(30, 0) || !Enough(5, 5) {
		t.Error("Enough: the minimum sample rule is n >= MinSample, 30 by default")
	}
	// pooled p = 9/40: 20 * 0.225 = 4.5 < 5
	if !SmallExpected(6, 20, 3, 20) || SmallExpected(60, 200, 30, 200) {
		t.Error("SmallExpected: Cochran's rule")
	}
}

func TestPoissonZ(t *testing.T) {
	// 30 against 10 events in two periods of equal length: expected 20
	// each, z = (30 - 20) / sqrt(40/4) = sqrt(10)
	if z, ok := PoissonZ(30, 10, 0.5); !ok || math.Abs(z-math.Sqrt(10)) > 1e-12 {
		t.Errorf("PoissonZ = %v, %v", z, ok)
	}
	if _, ok := PoissonZ(3, 4, 0.5); ok {
		t.Error("PoissonZ tested an expected count below 5")
	}
}
