package funnel_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// TestVerdictOf checks the rule of a verdict made alone, case by case from
// its definition: withheld without enough observations, no difference
// unless p < 1 - level, else the sign of the difference.
func TestVerdictOf(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		enough         bool
		p, level, diff float64
		want           funnel.Verdict
	}{
		{false, 0.001, 0.95, 0.2, funnel.Withheld},
		{false, 0.9, 0.95, 0, funnel.Withheld},
		{true, 0.01, 0.95, 0.2, funnel.Higher},
		{true, 0.01, 0.95, -0.2, funnel.Lower},
		{true, 0.01, 0.95, 0, funnel.NoDifference},
		{true, 0.049, 0.95, 0.2, funnel.Higher},
		{true, 0.051, 0.95, 0.2, funnel.NoDifference},
		{true, 0.08, 0.9, -1, funnel.Lower},
		{true, 0.08, 0.95, -1, funnel.NoDifference},
		// 1 - 0.5 is exactly 0.5: a p-value equal to it is not below it
		{true, 0.5, 0.5, 3, funnel.NoDifference},
		{true, 0.4999, 0.5, 3, funnel.Higher},
		{true, 1, 0.95, 0.2, funnel.NoDifference},
		// no p-value, or no direction: no difference is declared
		{true, nan, 0.95, 0.2, funnel.NoDifference},
		{true, 0.01, 0.95, nan, funnel.NoDifference},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%t/p=%v/level=%v/diff=%v", tt.enough, tt.p, tt.level, tt.diff)
		if diff := cmp.Diff(tt.want, funnel.VerdictOf(tt.enough, tt.p, tt.level, tt.diff)); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", name, diff)
		}
	}
}

// TestVerdictAdjusted checks the rule by which a verdict made among others
// is adjusted to its Benjamini-Hochberg p-value, case by case from its
// definition: a difference stands only when the adjusted p-value is below
// 1 - level; withheld and no difference never change.
func TestVerdictAdjusted(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		v           funnel.Verdict
		padj, level float64
		want        funnel.Verdict
	}{
		{funnel.Higher, 0.01, 0.95, funnel.Higher},
		{funnel.Lower, 0.01, 0.95, funnel.Lower},
		{funnel.Higher, 0.049, 0.95, funnel.Higher},
		{funnel.Higher, 0.051, 0.95, funnel.NoDifference},
		{funnel.Lower, 0.2, 0.95, funnel.NoDifference},
		{funnel.Lower, 0.08, 0.9, funnel.Lower},
		{funnel.Lower, 0.08, 0.95, funnel.NoDifference},
		{funnel.Higher, 0.5, 0.5, funnel.NoDifference},
		{funnel.Higher, 1, 0.95, funnel.NoDifference},
		{funnel.Higher, nan, 0.95, funnel.NoDifference},
		{funnel.Withheld, 0.001, 0.95, funnel.Withheld},
		{funnel.Withheld, 0.9, 0.95, funnel.Withheld},
		{funnel.NoDifference, 0.001, 0.95, funnel.NoDifference},
		{funnel.NoDifference, 0.9, 0.95, funnel.NoDifference},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%v/padj=%v/level=%v", tt.v, tt.padj, tt.level)
		if diff := cmp.Diff(tt.want, tt.v.Adjusted(tt.padj, tt.level)); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", name, diff)
		}
	}
}
