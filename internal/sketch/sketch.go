package sketch

import (
	"errors"
	"fmt"
	"math"
	"unsafe"
)

const (
	// DefaultRelativeAccuracy is a relative accuracy of 1%.
	DefaultRelativeAccuracy = 0.01

	// DefaultMaxBuckets is the default limit on the buckets of each sign.
	// At relative accuracy 0.01 a bucket spans a factor gamma = 1.01/0.99,
	// so a decade takes ln(10)/ln(gamma) ~ 115.1 buckets and 2048 buckets
	// cover about 17.8 decades before the lowest ones are collapsed.
	DefaultMaxBuckets = 2048

	// MinRelativeAccuracy is the smallest relative accuracy New accepts; it
	// keeps every bucket index of a float64 within 32 bits.
	MinRelativeAccuracy = 1e-6

	// MaxMaxBuckets is the largest bucket limit New accepts.
	MaxMaxBuckets = 1 << 20
)

var (
	// ErrNotFinite is returned by Add and AddN for NaN and infinite values,
	// which are not added.
	ErrNotFinite = errors.New("sketch: value is NaN or infinite")

	// ErrCountOverflow is returned when adding would take the count past
	// 2^64-1; nothing is added.
	ErrCountOverflow = errors.New("sketch: count would overflow uint64")

	// ErrIncompatible is returned by Merge for sketches with a different
	// relative accuracy or bucket limit.
	ErrIncompatible = errors.New("sketch: sketches have different relative accuracy or bucket limit")
)

// Sketch is a DDSketch quantile sketch (Masson, Rim and Lee, 2019) with the
// exact count, sum, minimum and maximum of the values added. The zero value
// is not usable; create sketches with New. A Sketch is not safe for
// concurrent use.
type Sketch struct {
	m          mapping
	maxBuckets int

	count uint64
	zero  uint64 // values with magnitude below 2^-1022
	min   float64
	max   float64
	pos   store // magnitudes of positive values
	neg   store // magnitudes of negative values
	sumP  accum // exact sum of positive values
	sumN  accum // exact sum of magnitudes of negative values
}

// New returns an empty sketch whose quantile estimates are within relative
// accuracy relativeAccuracy (in [MinRelativeAccuracy, 1)) and which keeps at
// most maxBuckets buckets (in [1, MaxMaxBuckets]) for each sign of value.
func New(relativeAccuracy float64, maxBuckets int) (*Sketch, error) {
	if !(relativeAccuracy >= MinRelativeAccuracy && relativeAccuracy < 1) {
		return nil, fmt.Errorf("sketch: relative accuracy %v outside [%v, 1)", relativeAccuracy, MinRelativeAccuracy)
	}
	if maxBuckets < 1 || maxBuckets > MaxMaxBuckets {
		return nil, fmt.Errorf("sketch: bucket limit %d outside [1, %d]", maxBuckets, MaxMaxBuckets)
	}
	return &Sketch{m: newMapping(relativeAccuracy), maxBuckets: maxBuckets}, nil
}

// RelativeAccuracy returns the relative accuracy the sketch was created with.
func (s *Sketch) RelativeAccuracy() float64 { return s.m.accuracy }

// MaxBuckets returns the bucket limit for each sign of value.
func (s *Sketch) MaxBuckets() int { return s.maxBuckets }

// Add adds the value v once. It returns ErrNotFinite for NaN and infinities
// and ErrCountOverflow when the count is already 2^64-1; then the sketch is
// unchanged.
func (s *Sketch) Add(v float64) error { return s.AddN(v, 1) }

// AddN adds the value v n times. It returns ErrNotFinite for NaN and
// infinities and ErrCountOverflow when the count would pass 2^64-1; then the
// sketch is unchanged. Adding a value zero times does nothing.
func (s *Sketch) AddN(v float64, n uint64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ErrNotFinite
	}
	if s.count+n < s.count {
		return ErrCountOverflow
	}
	if n == 0 {
		return nil
	}
	if v == 0 {
		v = 0 // drop the sign of negative zero
	}
	if s.count == 0 {
		s.min, s.max = v, v
	} else {
		s.min = min(s.min, v)
		s.max = max(s.max, v)
	}
	s.count += n
	x := math.Abs(v)
	if v > 0 {
		s.sumP.add(x, n)
	} else {
		s.sumN.add(x, n)
	}
	switch {
	case x < minIndexable:
		s.zero += n
	case v > 0:
		s.pos.add(s.m.index(x), n, s.maxBuckets)
	default:
		s.neg.add(s.m.index(x), n, s.maxBuckets)
	}
	return nil
}

// Merge adds the contents of o to s; afterwards s is the sketch of the
// values of both, exactly as if they had been added to one sketch: bucket
// counts, count and sum add, and the extremes combine. o must have the same
// relative accuracy and bucket limit (else ErrIncompatible), and the combined
// count must fit in uint64 (else ErrCountOverflow); on error s is unchanged.
// s.Merge(s) doubles every count.
func (s *Sketch) Merge(o *Sketch) error {
	if o == nil {
		return errors.New("sketch: merge of a nil sketch")
	}
	if s.m.accuracy != o.m.accuracy || s.maxBuckets != o.maxBuckets {
		return ErrIncompatible
	}
	if s.count+o.count < s.count {
		return ErrCountOverflow
	}
	if o.count == 0 {
		return nil
	}
	if o == s {
		o = s.Clone()
	}
	if s.count == 0 {
		s.min, s.max = o.min, o.max
	} else {
		s.min = min(s.min, o.min)
		s.max = max(s.max, o.max)
	}
	s.count += o.count
	s.zero += o.zero
	s.pos.merge(&o.pos, s.maxBuckets)
	s.neg.merge(&o.neg, s.maxBuckets)
	s.sumP.merge(&o.sumP)
	s.sumN.merge(&o.sumN)
	return nil
}

// Clone returns an independent copy of s.
func (s *Sketch) Clone() *Sketch {
	c := *s
	c.pos = s.pos.clone()
	c.neg = s.neg.clone()
	c.sumP = s.sumP.clone()
	c.sumN = s.sumN.clone()
	return &c
}

// Count returns the number of values added.
func (s *Sketch) Count() uint64 { return s.count }

// Sum returns the sum of the values added, computed exactly and rounded once
// to the nearest float64; it is 0 for an empty sketch and ±Inf only when the
// exact sum is beyond the float64 range.
func (s *Sketch) Sum() float64 { return exactDiff(&s.sumP, &s.sumN) }

// Min returns the exact smallest value added; false when empty.
func (s *Sketch) Min() (float64, bool) { return s.min, s.count > 0 }

// Max returns the exact largest value added; false when empty.
func (s *Sketch) Max() (float64, bool) { return s.max, s.count > 0 }

// Collapsed reports whether the bucket limit was reached, so that the counts
// of the lowest magnitudes of some sign were folded into one bucket; the
// accuracy guarantee then does not hold for order statistics of magnitude at
// or below CollapseLimit.
func (s *Sketch) Collapsed() bool {
	return s.pos.collapsed(s.maxBuckets) || s.neg.collapsed(s.maxBuckets)
}

// CollapseLimit returns 0 when nothing was collapsed; otherwise the largest
// magnitude gamma^f, over the signs that collapsed, where f is the lowest
// bucket kept for that sign. An order statistic of magnitude above the limit
// is estimated within the relative accuracy; one at or below it may not be.
func (s *Sketch) CollapseLimit() float64 {
	var lim float64
	for _, st := range []*store{&s.pos, &s.neg} {
		if st.collapsed(s.maxBuckets) {
			lim = max(lim, s.m.upper(st.floor(s.maxBuckets)))
		}
	}
	return lim
}

// orderStat estimates the value of rank r (0-based, r < count) in the sorted
// values: the exact minimum and maximum for the first and last rank, else the
// representative of the rank's bucket clamped to [min, max].
func (s *Sketch) orderStat(r uint64) float64 {
	if r == 0 {
		return s.min
	}
	if r == s.count-1 {
		return s.max
	}
	var v float64
	if r < s.neg.total {
		v = -s.m.value(s.neg.atRank(r, true))
	} else if r -= s.neg.total; r < s.zero {
		v = 0
	} else {
		v = s.m.value(s.pos.atRank(r-s.zero, false))
	}
	return min(max(v, s.min), s.max)
}

// Quantile estimates the p-quantile (p in [0, 1]) of the values added, by
// the PERCENTILE.INC definition (linear interpolation between closest ranks,
// numpy's default "linear" method): with n values sorted as x[0..n-1],
// h = (n-1)p and k = floor(h), the quantile is
// x[k] + (h-k)(x[k+1]-x[k]). The two order statistics are estimated from the
// buckets (the exact minimum and maximum for the first and last rank) and
// interpolated by the same formula. It returns false when the sketch is
// empty or p is not in [0, 1].
//
// Guarantee: when neither order statistic lies in a collapsed bucket (see
// CollapseLimit) and each is 0 or of magnitude at least 2^-1022, the
// estimate e of x[k] and e' of x[k+1] are within relative error a =
// RelativeAccuracy() of them, so with f = h-k the result is within
// a((1-f)|x[k]| + f|x[k+1]|) of the exact quantile q. When x[k] and x[k+1]
// have the same sign (or one is 0) this is |result-q| <= a|q|. When they
// have opposite signs only the absolute form holds: q can be 0 while the
// result is not. Ranks are computed in float64, exact for n <= 2^53.
func (s *Sketch) Quantile(p float64) (float64, bool) {
	if s.count == 0 || !(p >= 0 && p <= 1) {
		return 0, false
	}
	last := s.count - 1
	h := float64(float64(last) * p)
	kf := math.Floor(h)
	if kf >= float64(last) {
		return s.max, true
	}
	k := uint64(kf)
	f := h - kf
	x0 := s.orderStat(k)
	if f == 0 {
		return x0, true
	}
	x1 := s.orderStat(k + 1)
	q := x0 + float64(f*(x1-x0))
	if math.IsInf(x1-x0, 0) {
		// Only for opposite signs near the float64 range; this form
		// cannot overflow.
		q = float64((1-f)*x0) + float64(f*x1)
	}
	return min(max(q, x0), x1), true
}

// sizeBytes returns the memory the sketch holds: the struct and its slices.
func (s *Sketch) sizeBytes() int {
	return int(unsafe.Sizeof(*s)) + s.pos.sizeBytes() + s.neg.sizeBytes() + 8*cap(s.sumP.w) + 8*cap(s.sumN.w)
}
