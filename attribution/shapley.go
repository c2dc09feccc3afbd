package attribution

import (
	"fmt"
	"math/big"
	"math/bits"
)

// MaxShapleyKeys is the largest number of keys (channels or campaigns) a
// [Shapley] attribution accepts: the exact value needs the worth of all
// 2^keys coalitions.
const MaxShapleyKeys = 20

func (a *Accumulator) addSet(ids []int32, u *units) {
	if a.overflow {
		return
	}
	var mask uint64
	for _, id := range ids {
		if id >= 64 {
			a.overflow = true
			a.sets = nil
			return
		}
		mask |= 1 << uint(id)
	}
	if a.sets == nil {
		a.sets = make(map[uint64]*units)
	}
	s := a.sets[mask]
	if s == nil {
		s = new(units)
		a.sets[mask] = s
	}
	s.add(u)
}

func (a *Accumulator) mergeShapley(o *Accumulator, remap []int32) {
	if a.overflow {
		a.sets = nil
		return
	}
	for mask, u := range o.sets {
		var m uint64
		for x := mask; x != 0; x &= x - 1 {
			id := remap[bits.TrailingZeros64(x)]
			if id >= 64 {
				a.overflow = true
				a.sets = nil
				return
			}
			m |= 1 << uint(id)
		}
		if a.sets == nil {
			a.sets = make(map[uint64]*units)
		}
		s := a.sets[m]
		if s == nil {
			s = new(units)
			a.sets[m] = s
		}
		s.add(u)
	}
}

// shapleyWeights returns, per metric, the Shapley value of each key (by
// rank) in the game whose worth v(S) is the metric's total over journeys
// whose key set is a subset of S.
func (a *Accumulator) shapleyWeights(rank []int32) ([numMetrics][]float64, error) {
	var w [numMetrics][]float64
	n := len(rank)
	if a.overflow || n > MaxShapleyKeys {
		return w, fmt.Errorf("attribution: shapley over %d keys, at most %d: %w", n, MaxShapleyKeys, ErrTooManyKeys)
	}
	// coef[s] = s!(n-s-1)!/n! = 1 / (n * C(n-1, s)).
	coef := make([]float64, n)
	c := 1.0 // C(n-1, s)
	for s := range n {
		coef[s] = 1 / (float64(n) * c)
		c = c * float64(n-1-s) / float64(s+1)
	}
	v := make([]float64, 1<<uint(n))
	var f big.Float
	for m := range numMetrics {
		clear(v)
		for mask, u := range a.sets {
			var cm uint64 // canonical mask: bit = rank
			for x := mask; x != 0; x &= x - 1 {
				cm |= 1 << uint(rank[bits.TrailingZeros64(x)])
			}
			x, _ := f.SetInt(&u[m]).Float64()
			v[cm] += x // one entry per canonical mask: no rounding order issue
		}
		// Zeta transform: v(S) = sum over T subset of S.
		for i := range n {
			bit := 1 << uint(i)
			for s := range v {
				if s&bit != 0 {
					v[s] += v[s^bit]
				}
			}
		}
		phi := make([]float64, n)
		for i := range n {
			bit := 1 << uint(i)
			var sum float64
			for s := range v {
				if s&bit == 0 {
					sum += coef[bits.OnesCount(uint(s))] * (v[s|bit] - v[s])
				}
			}
			phi[i] = max(0, sum)
		}
		w[m] = phi
	}
	return w, nil
}
