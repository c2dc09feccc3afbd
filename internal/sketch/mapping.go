package sketch

import "math"

// minIndexable is the smallest magnitude that is given a logarithmic bucket:
// the smallest normal float64, 2^-1022. Magnitudes below it (zero and the
// subnormal numbers) are counted in the zero bucket.
const minIndexable = 0x1p-1022

// accuracyMargin is subtracted from the stated relative accuracy before the
// bucket width is derived from it. The index and the bucket representative
// are computed with math.Log and math.Exp, whose rounding can move a value
// lying within about 1e-13 (relative) of a bucket edge into the neighbouring
// bucket and perturb a representative by a similar amount; a margin a
// thousand times larger keeps every estimate within the stated accuracy.
const accuracyMargin = 0x1p-32

// mapping is the logarithmic index mapping of DDSketch (Masson, Rim and Lee,
// PVLDB 12(12), 2019, section 2.1). For a relative accuracy a it uses
// gamma = (1+a)/(1-a); a magnitude x >= minIndexable goes to bucket
// i = ceil(log_gamma(x)), which covers (gamma^(i-1), gamma^i], and the bucket's
// representative 2*gamma^i/(gamma+1) is within relative error
// (gamma-1)/(gamma+1) = a of every magnitude in the bucket.
type mapping struct {
	accuracy float64 // stated relative accuracy a
	lnGamma  float64 // ln(gamma) for the internal accuracy a - accuracyMargin
	mult     float64 // 1 / lnGamma
	lnRep    float64 // ln(2/(gamma+1)): representative = exp(i*lnGamma + lnRep)
	minIndex int     // index of minIndexable
	maxIndex int     // index of math.MaxFloat64
}

func newMapping(a float64) mapping {
	ai := a - accuracyMargin
	// ln(gamma) = ln(1+ai) - ln(1-ai), computed with Log1p to keep precision
	// for small accuracies.
	lnGamma := math.Log1p(ai) - math.Log1p(-ai)
	m := mapping{
		accuracy: a,
		lnGamma:  lnGamma,
		mult:     1 / lnGamma,
		// 2/(gamma+1) = 1 - ai
		lnRep: math.Log1p(-ai),
	}
	m.minIndex = m.index(minIndexable)
	m.maxIndex = m.index(math.MaxFloat64)
	return m
}

// index returns ceil(log_gamma(x)) for a magnitude x >= minIndexable.
func (m *mapping) index(x float64) int {
	// The explicit conversion rounds the product before Ceil, so the
	// compiler cannot fuse it with anything else.
	return int(math.Ceil(float64(math.Log(x) * m.mult)))
}

// value returns the representative magnitude 2*gamma^i/(gamma+1) of bucket i.
// For the topmost bucket the representative can exceed math.MaxFloat64;
// it is then replaced by math.MaxFloat64, which is closer than the
// representative to every magnitude of the bucket.
func (m *mapping) value(i int) float64 {
	return min(math.Exp(float64(float64(i)*m.lnGamma)+m.lnRep), math.MaxFloat64)
}

// upper returns gamma^i, the upper edge of bucket i.
func (m *mapping) upper(i int) float64 {
	return math.Exp(float64(i) * m.lnGamma)
}
