package funnel

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestMoneyFloats checks the amounts the tests of amounts read against
// the exact rational value of each amount rounded once by math/big: in
// the int64 representation at several exponents (the fast path and the
// fallback past 2^53 or 10^22) and in the decimal one.
func TestMoneyFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for round := range 4 {
		var m MoneyStats
		var want []float64
		for range 300 {
			// int64 coefficients up to 10^16 at a common exponent (past
			// 2^53 the fallback), or any size at exponents far apart (the
			// decimal representation)
			c, exp := rng.Int64N(1e12), int32(rng.IntN(5)-2)
			if rng.IntN(3) == 0 {
				c = rng.Int64N(1000)
			}
			if round == 3 {
				c, exp = rng.Int64N(1<<62), int32(rng.IntN(60)-30)
			}
			d := decimal.New(c, exp)
			m.Add(d)
			f, _ := d.Rat().Float64()
			want = append(want, f)
		}
		if (m.big != nil) != (round == 3) {
			t.Fatalf("round %d: decimal representation %v", round, m.big != nil)
		}
		got := m.floats(nil)
		slices.Sort(got)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("round %d: floats differ (-want +got):\n%s", round, diff)
		}
	}
	for _, c := range []struct {
		c   int64
		exp int32
	}{{1, 22}, {1, 23}, {-7, -22}, {3, -23}, {1<<53 + 1, 0}, {-(1<<53 + 1), -3}, {123456789, 5}} {
		r := new(big.Rat).SetInt64(c.c)
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(c.exp, -c.exp))), nil)
		if c.exp < 0 {
			r.Quo(r, new(big.Rat).SetInt(p))
		} else {
			r.Mul(r, new(big.Rat).SetInt(p))
		}
		want, _ := r.Float64()
		if got := scaledFloat(c.c, c.exp); got != want {
			t.Errorf("scaledFloat(%d, %d) = %v, want %v", c.c, c.exp, got, want)
		}
	}
}

// TestTiesOf checks the ties of a time to win by hand: events at 1, 3, 3;
// censored at 1 (lost), 2 and 3 (open).
func TestTiesOf(t *testing.T) {
	got := tiesOf([]int64{1, 3, 3}, []int64{1}, []int64{2, 3})
	want := []stat.Tie{{At: 1, Events: 1, Censored: 1}, {At: 2, Censored: 1}, {At: 3, Events: 2, Censored: 1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tiesOf (-want +got):\n%s", diff)
	}
	if got := tiesOf(nil); len(got) != 0 {
		t.Errorf("no durations: %v", got)
	}
	if diff := cmp.Diff([]float64{1, 2, 2, 5}, without(nil, []float64{1, 2, 2, 2, 3, 5}, []float64{2, 3})); diff != "" {
		t.Errorf("without (-want +got):\n%s", diff)
	}
}

// TestMergeAll merges sorted lists, one to five of them, as a sort of
// their concatenation does, and ties as tiesOf of the merged durations.
func TestMergeAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 6 {
		var floats [][]float64
		var ties [][]stat.Tie
		var all []float64
		var events, censored []int64
		for range n {
			var f []float64
			var ev, ce []int64
			for range rng.IntN(20) {
				v := rng.Int64N(15)
				f = append(f, float64(v))
				if rng.IntN(2) == 0 {
					ev = append(ev, v)
				} else {
					ce = append(ce, v)
				}
			}
			slices.Sort(f)
			slices.Sort(ev)
			slices.Sort(ce)
			floats, all = append(floats, f), append(all, f...)
			ties = append(ties, tiesOf(ev, ce))
			events, censored = append(events, ev...), append(censored, ce...)
		}
		slices.Sort(all)
		slices.Sort(events)
		slices.Sort(censored)
		if got := mergeAll(floats, mergeSorted[float64]); !slices.Equal(got, all) && len(all)+len(got) > 0 {
			t.Errorf("%d lists: %v, want %v", n, got, all)
		}
		if diff := cmp.Diff(tiesOf(events, censored), mergeAll(ties, mergeTies), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%d lists of ties (-want +got):\n%s", n, diff)
		}
	}
}
