package sketch

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The expected indexes and representatives come from testdata/reference.py,
// which evaluates ceil(ln(x)/ln(gamma)) and 2*gamma^i/(gamma+1) in 60-digit
// decimal arithmetic.
func TestMappingTable(t *testing.T) {
	type row struct {
		A     float64
		X     float64
		Index int
		Rep   float64
	}
	want := []row{
		{0.01, 1, 0, 0.9900000002328306},
		{0.01, 2, 35, 1.993661669389988},
		{0.01, 0.5, -34, 0.5015394614626872},
		{0.01, 100, 231, 100.49455692114577},
		{0.01, 0.001, -345, 0.000997478275135616},
		{0.01, 123.45, 241, 122.74514677929375},
		{0.01, 1000000000, 1037, 1007401979.5259247},
		{0.01, 1.0202, 1, 1.0099999997671694},
		{0.01, 1.0203, 2, 1.030404039686639},
		{0.05, 10, 24, 10.493013975063727},
		{0.05, 0.1, -23, 0.09506324897630045},
		{0.1, 3600, 41, 3368.2142247542674},
	}
	var got []row
	for _, w := range want {
		m := newMapping(w.A)
		i := m.index(w.X)
		got = append(got, row{w.A, w.X, i, m.value(i)})
	}
	if d := cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 0)); d != "" {
		t.Errorf("mapping (-want +got):\n%s", d)
	}
	m := newMapping(0.01)
	if d := cmp.Diff([2]int{-35418, 35488}, [2]int{m.minIndex, m.maxIndex}); d != "" {
		t.Errorf("index range (-want +got):\n%s", d)
	}
}

// Every magnitude in bucket i lies in (gamma^(i-1), gamma^i] and is within
// the relative accuracy of the representative, checked on both sides of many
// bucket edges.
func TestMappingEdges(t *testing.T) {
	for _, a := range []float64{MinRelativeAccuracy, 1e-4, 0.01, 0.05, 0.3, 0.9} {
		m := newMapping(a)
		for _, i := range []int{m.minIndex + 1, -1000, -7, -1, 0, 1, 2, 50, 999, m.maxIndex - 1} {
			edge := m.upper(i)
			for _, x := range []float64{math.Nextafter(edge, 0), edge, math.Nextafter(edge, math.Inf(1))} {
				if x < minIndexable || math.IsInf(x, 0) {
					continue
				}
				got := m.value(m.index(x))
				if rel := math.Abs(got-x) / x; rel > a {
					t.Errorf("a=%v i=%d x=%v: representative %v, relative error %v", a, i, x, got, rel)
				}
			}
		}
	}
}
