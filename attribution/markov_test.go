package attribution_test

import (
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel/attribution"
)

// ratRemovalEffects computes Markov removal effects by another route than
// the package: exact rationals, the chain of the given order rebuilt for
// every removal with the removed key's states dropped, and each system
// solved from scratch by Gauss-Jordan elimination. reward gives a
// journey's reward at its exit (1 per conversion, or its revenue).
func ratRemovalEffects(js []attribution.Journey, order int, reward func(attribution.Journey) *big.Rat) map[string]*big.Rat {
	stateOf := func(path []string, i int) string {
		return strings.Join(path[max(0, i+1-order):i+1], ">")
	}
	solve := func(removed string) *big.Rat {
		trans := map[[2]string]int64{}
		out := map[string]int64{}
		gain := map[string]*big.Rat{}
		for _, j := range js {
			if len(j.Touches) == 0 {
				continue
			}
			var path []string
			for _, t := range j.Touches {
				path = append(path, t.Channel)
			}
			s := ""
			for i := range path {
				t := stateOf(path, i)
				trans[[2]string{s, t}]++
				out[s]++
				s = t
			}
			out[s]++
			if gain[s] == nil {
				gain[s] = new(big.Rat)
			}
			gain[s].Add(gain[s], reward(j))
		}
		contains := func(s string) bool {
			return removed != "" && slices.Contains(strings.Split(s, ">"), removed)
		}
		var states []string
		for s := range out {
			if !contains(s) {
				states = append(states, s)
			}
		}
		slices.Sort(states)
		idx := map[string]int{}
		for i, s := range states {
			idx[s] = i
		}
		n := len(states)
		m := make([][]*big.Rat, n) // augmented [I - Q | r]
		for i, s := range states {
			m[i] = make([]*big.Rat, n+1)
			for j := range m[i] {
				m[i][j] = new(big.Rat)
			}
			m[i][i].SetInt64(1)
			if g := gain[s]; g != nil {
				m[i][n].Quo(g, big.NewRat(out[s], 1))
			}
		}
		for k, c := range trans {
			i, ok1 := idx[k[0]]
			j, ok2 := idx[k[1]]
			if ok1 && ok2 {
				m[i][j].Sub(m[i][j], big.NewRat(c, out[k[0]]))
			}
		}
		for c := range n {
			p := c
			for m[p][c].Sign() == 0 {
				p++
			}
			m[c], m[p] = m[p], m[c]
			piv := new(big.Rat).Set(m[c][c])
			for j := range m[c] {
				m[c][j].Quo(m[c][j], piv)
			}
			for r := range n {
				if r != c && m[r][c].Sign() != 0 {
					f := new(big.Rat).Set(m[r][c])
					for j := range m[r] {
						m[r][j].Sub(m[r][j], new(big.Rat).Mul(f, m[c][j]))
					}
				}
			}
		}
		return m[idx[""]][n]
	}
	full := solve("")
	res := map[string]*big.Rat{}
	for _, j := range js {
		for _, t := range j.Touches {
			if res[t.Channel] == nil {
				d := new(big.Rat).Sub(full, solve(t.Channel))
				res[t.Channel] = d.Quo(d, full)
			}
		}
	}
	return res
}

// TestMarkovExactRationals compares Markov credit on seeded random
// journeys (orders 1 to 3) with ratRemovalEffects: every key's credit must
// be within one unit (0.000001 conversion, one cent) of the exact quota
// total x RE(k) / sum RE.
func TestMarkovExactRationals(t *testing.T) {
	js := genJourneys(21, 80, 4, 4)
	for _, order := range []int{1, 2, 3} {
		r, err := attribution.Attribute(slices.Values(js), attribution.Markov, attribution.Options{MarkovOrder: order})
		if err != nil {
			t.Fatal(err)
		}
		for _, metric := range []struct {
			name   string
			reward func(attribution.Journey) *big.Rat
			total  *big.Rat
			got    func(attribution.Credit) *big.Rat
			unit   *big.Rat
		}{
			{"conversions", func(j attribution.Journey) *big.Rat {
				if j.Converted {
					return big.NewRat(1, 1)
				}
				return new(big.Rat)
			}, r.Total.Conversions.Rat(), func(c attribution.Credit) *big.Rat { return c.Conversions.Rat() }, big.NewRat(1, 1_000_000)},
			{"revenue", func(j attribution.Journey) *big.Rat { return j.Revenue.Rat() },
				r.Total.Revenue.Rat(), func(c attribution.Credit) *big.Rat { return c.Revenue.Rat() }, big.NewRat(1, 100)},
		} {
			re := ratRemovalEffects(js, order, metric.reward)
			sum := new(big.Rat)
			for _, v := range re {
				sum.Add(sum, v)
			}
			for _, k := range r.Keys {
				quota := new(big.Rat).Mul(metric.total, re[k.Key])
				quota.Quo(quota, sum)
				d := new(big.Rat).Sub(metric.got(k.Credit), quota)
				if d.Abs(d).Cmp(metric.unit) >= 0 {
					t.Errorf("order %d %s of %s = %v, exact quota %s", order, metric.name, k.Key,
						metric.got(k.Credit).FloatString(6), quota.FloatString(6))
				}
			}
		}
	}
}
