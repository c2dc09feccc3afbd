package forecast

import (
	"container/heap"
	"math"
	"math/big"
	"math/bits"
	"slices"

	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/dsp/fourier"
)

// A bet is one open deal of a forecast range: won with probability p,
// for amount.
type bet struct {
	amount decimal.Decimal
	p      float64
	group  int // the index of its learned rate, -1 for a fixed probability
}

// A lattice is the distribution of a sum of bets on the points offset +
// s × unit, s = 0 .. len(probs)-1: the exact one when every amount is a
// multiple of unit (exact), else the distribution of the amounts rounded
// to the nearest multiple, every outcome of which is within bound of the
// exact sum.
type lattice struct {
	unit   decimal.Decimal
	units  []int64 // each bet's amount in units
	bound  decimal.Decimal
	exact  bool
	probs  []float64
	offset decimal.Decimal
}

// maxSpread is the number of decimal digits below the largest amount the
// lattice keeps: amounts finer than that are rounded, the rounding
// counted in the bound.
const maxSpread = 40

// newLattice places the bets' amounts on a lattice of at most cells
// points above the offset: the amounts' greatest common divisor when
// their sum fits (exact), else the smallest multiple of it that fits.
func newLattice(bets []bet, cells int) *lattice {
	l := &lattice{exact: true, units: make([]int64, len(bets))}
	if len(bets) == 0 {
		l.unit = one
		return l
	}
	lo, top := int32(math.MaxInt32), int32(math.MinInt32)
	for _, b := range bets {
		lo = min(lo, b.amount.Exponent())
		top = max(top, b.amount.Exponent()+int32(b.amount.NumDigits()))
	}
	e := max(lo, top-maxSpread)
	coef := make([]*big.Int, len(bets))
	g := new(big.Int)
	total := new(big.Int)
	for i, b := range bets {
		c := b.amount.Round(-e)
		coef[i] = c.Shift(-e).BigInt()
		g.GCD(nil, nil, g, coef[i])
		total.Add(total, coef[i])
	}
	if g.Sign() == 0 { // every amount rounds to zero
		g.SetInt64(1)
	}
	t := new(big.Int).Quo(total, g)
	u := new(big.Int).Set(g)
	if t.Cmp(big.NewInt(int64(cells))) > 0 {
		// ceil(t / cells) times the divisor
		q, r := new(big.Int).QuoRem(t, big.NewInt(int64(cells)), new(big.Int))
		if r.Sign() > 0 {
			q.Add(q, big.NewInt(1))
		}
		u.Mul(u, q)
	}
	l.unit = decimal.NewFromBigInt(u, e)
	var errSum big.Int
	for i, c := range coef {
		// to the nearest multiple of u, halves up
		q, r := new(big.Int).QuoRem(c, u, new(big.Int))
		if new(big.Int).Lsh(r, 1).Cmp(u) >= 0 {
			q.Add(q, big.NewInt(1))
			r.Sub(r, u)
		}
		errSum.Add(&errSum, r.Abs(r))
		l.units[i] = q.Int64()
	}
	l.bound = decimal.NewFromBigInt(&errSum, e)
	for i, b := range bets {
		if d := b.amount.Sub(decimal.NewFromBigInt(coef[i], e)); !d.IsZero() {
			l.bound = l.bound.Add(d.Abs())
		}
	}
	l.exact = l.bound.IsZero()
	return l
}

// convolve computes the distribution of Σ X_i units_i, X_i independent
// Bernoulli(p_i) (a Poisson-binomial law over amounts): exact up to
// float64 rounding. Small parts are built by direct convolution, larger
// ones merged smallest first with the fast Fourier transform.
func (l *lattice) convolve(bets []bet) {
	// chunks: direct convolution while a part stays short
	const chunk = 1 << 10
	var parts partHeap
	cur := []float64{1}
	for i, b := range bets {
		u := l.units[i]
		if u == 0 {
			continue
		}
		if int64(len(cur))+u > chunk && len(cur) > 1 {
			parts = append(parts, cur)
			cur = []float64{1}
		}
		cur = addBet(cur, int(u), b.p)
	}
	parts = append(parts, cur)
	heap.Init(&parts)
	ffts := fftCache{}
	for parts.Len() > 1 {
		a := heap.Pop(&parts).([]float64)
		b := heap.Pop(&parts).([]float64)
		heap.Push(&parts, convolvePair(a, b, ffts))
	}
	out := parts[0]
	var sum float64
	for i, v := range out {
		if v < 0 { // rounding of the transform
			out[i] = 0
			v = 0
		}
		sum += v
	}
	if sum > 0 {
		for i := range out {
			out[i] /= sum
		}
	}
	l.probs = out
}

// addBet convolves d with a bet of u units won with probability p, in
// place (d grows by u points).
func addBet(d []float64, u int, p float64) []float64 {
	n := len(d)
	d = slices.Grow(d, u)[:n+u]
	clear(d[n:])
	q := 1 - p
	for i := n - 1; i >= 0; i-- {
		if v := d[i]; v != 0 {
			d[i+u] += v * p
			d[i] = v * q
		}
	}
	return d
}

// convolvePair returns the convolution of a and b: directly when one has
// few non-zero points, by the fast Fourier transform otherwise.
func convolvePair(a, b []float64, ffts fftCache) []float64 {
	nz := func(x []float64) int {
		n := 0
		for _, v := range x {
			if v != 0 {
				n++
			}
		}
		return n
	}
	na, nb := nz(a), nz(b)
	if na > nb {
		a, b, na = b, a, nb
	}
	n := len(a) + len(b) - 1
	size := 1 << bits.Len(uint(n-1))
	if na*len(b) <= 8*size*bits.Len(uint(size)) {
		out := make([]float64, n)
		for i, v := range a {
			if v == 0 {
				continue
			}
			row := out[i : i+len(b)]
			for j, w := range b {
				row[j] += v * w
			}
		}
		return out
	}
	fft := ffts.get(size)
	pa := make([]float64, size)
	copy(pa, a)
	pb := make([]float64, size)
	copy(pb, b)
	ca := fft.Coefficients(nil, pa)
	cb := fft.Coefficients(nil, pb)
	for i := range ca {
		ca[i] *= cb[i]
	}
	seq := fft.Sequence(nil, ca)
	out := make([]float64, n)
	inv := 1 / float64(size)
	for i := range out {
		out[i] = seq[i] * inv
	}
	return out
}

// fftCache keeps the transforms of one convolution by size.
type fftCache map[int]*fourier.FFT

func (c fftCache) get(n int) *fourier.FFT {
	if f := c[n]; f != nil {
		return f
	}
	f := fourier.NewFFT(n)
	c[n] = f
	return f
}

// partHeap orders parts of the convolution by length, shortest first.
type partHeap [][]float64

func (h partHeap) Len() int { return len(h) }
func (h partHeap) Less(i, j int) bool {
	return len(h[i]) < len(h[j]) || (len(h[i]) == len(h[j]) && slices.Compare(h[i], h[j]) < 0)
}
func (h partHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *partHeap) Push(x any)   { *h = append(*h, x.([]float64)) }
func (h *partHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// cdfTolerance absorbs the rounding of a cumulated probability, so that
// a quantile sitting exactly on a step is not missed.
const cdfTolerance = 1e-12

// quantile returns the smallest s with P(S <= s) >= q.
func quantile(probs []float64, q float64) int {
	var c float64
	for s, v := range probs {
		c += v
		if c >= q-cdfTolerance {
			return s
		}
	}
	return len(probs) - 1
}

// atLeast returns P(S >= s).
func atLeast(probs []float64, s int64) float64 {
	if s <= 0 {
		return 1
	}
	if s >= int64(len(probs)) {
		return 0
	}
	var t float64
	for _, v := range probs[s:] {
		t += v
	}
	return min(t, 1)
}

// unitsAtLeast returns the smallest s with offset + s × unit >= x.
func unitsAtLeast(x, offset, unit decimal.Decimal) int64 {
	d := x.Sub(offset)
	if d.Sign() <= 0 {
		return 0
	}
	q := d.Div(unit).Ceil()
	if q.GreaterThan(decimal.NewFromInt(math.MaxInt64 / 2)) {
		return math.MaxInt64 / 2
	}
	return q.IntPart()
}
