package attribution

import (
	"math"
	"math/big"
	"math/bits"
	"slices"
)

// weightResolution is the resolution of the weights used to split an
// amount: each weight is rounded to a multiple of 1e-12 of the weights'
// sum. Simple weights (1/2, 0.4, 0.25) are represented exactly; equal
// weights stay equal.
const weightResolution = 1e12

// splitter splits integer amounts into shares proportional to a set of
// weights by the largest-remainder method. Its buffers are reused.
type splitter struct {
	q    []uint64 // quantized weights
	p    uint64   // sum of q
	out  []uint64 // shares, fast path
	rem  []uint64 // remainders, fast path
	idx  []int
	bout []big.Int // shares, big path
	brem []big.Int // remainders, big path
	t    big.Int
}

// setWeights quantizes w (non-negative, not all zero) for the next splits.
func (s *splitter) setWeights(w []float64) {
	n := len(w)
	s.q = grow(s.q, n)
	var sum float64
	for _, x := range w {
		sum += x
	}
	s.p = 0
	for i, x := range w {
		s.q[i] = uint64(math.Round(x / sum * weightResolution))
		s.p += s.q[i]
	}
	if s.p == 0 { // only possible with more than 1e12 weights
		for i := range s.q {
			s.q[i] = 1
		}
		s.p = uint64(n)
	}
}

func grow[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// splitSmall splits u units and leaves the shares in s.out. It reports
// false, leaving s.out undefined, if the computation needs more than 128
// bits; use splitBig then.
func (s *splitter) splitSmall(u uint64) bool {
	n := len(s.q)
	s.out = grow(s.out, n)
	s.rem = grow(s.rem, n)
	var sum uint64
	for i, q := range s.q {
		hi, lo := bits.Mul64(u, q)
		if hi >= s.p {
			return false
		}
		s.out[i], s.rem[i] = bits.Div64(hi, lo, s.p)
		sum += s.out[i]
	}
	left := u - sum // < n
	if left == 0 {
		return true
	}
	s.idx = grow(s.idx, n)
	for i := range s.idx {
		s.idx[i] = i
	}
	slices.SortFunc(s.idx, func(a, b int) int {
		if s.rem[a] != s.rem[b] {
			if s.rem[a] > s.rem[b] {
				return -1
			}
			return 1
		}
		return a - b
	})
	for _, i := range s.idx[:left] {
		s.out[i]++
	}
	return true
}

// splitBig splits u (non-negative) units and leaves the shares in s.bout.
func (s *splitter) splitBig(u *big.Int) {
	n := len(s.q)
	s.bout = grow(s.bout, n)
	s.brem = grow(s.brem, n)
	p := new(big.Int).SetUint64(s.p)
	sum := new(big.Int)
	for i, q := range s.q {
		s.t.SetUint64(q)
		s.t.Mul(&s.t, u)
		s.bout[i].QuoRem(&s.t, p, &s.brem[i])
		sum.Add(sum, &s.bout[i])
	}
	left := new(big.Int).Sub(u, sum).Int64() // < n
	if left == 0 {
		return
	}
	s.idx = grow(s.idx, n)
	for i := range s.idx {
		s.idx[i] = i
	}
	slices.SortFunc(s.idx, func(a, b int) int {
		if c := s.brem[a].Cmp(&s.brem[b]); c != 0 {
			return -c
		}
		return a - b
	})
	one := big.NewInt(1)
	for _, i := range s.idx[:left] {
		s.bout[i].Add(&s.bout[i], one)
	}
}

// split splits u units and calls add(i, share) for each weight i with a
// non-zero share. tmp is scratch space for the fast path.
func (s *splitter) split(u *big.Int, tmp *big.Int, add func(i int, share *big.Int)) {
	if u.Sign() == 0 {
		return
	}
	if u.IsUint64() && s.splitSmall(u.Uint64()) {
		for i, v := range s.out {
			if v != 0 {
				tmp.SetUint64(v)
				add(i, tmp)
			}
		}
		return
	}
	s.splitBig(u)
	for i := range s.bout {
		if s.bout[i].Sign() != 0 {
			add(i, &s.bout[i])
		}
	}
}
