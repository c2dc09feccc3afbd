package clv

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// simulateBGNBD draws n customers from the BG/NBD process itself (Fader,
// Hardie & Lee 2005, section 2): lambda ~ Gamma(r, alpha), p ~ Beta(a, b);
// purchases follow a Poisson process with rate lambda from the first
// purchase at time 0; after each repeat purchase the customer drops out with
// probability p. Each customer is observed for T = tMax - u, u ~ U(0, spread)
// (a cohort acquired over a window). The seed fixes the result.
func simulateBGNBD(m BGNBD, n int, tMax, spread float64, seed uint64) []Customer {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	lam := distuv.Gamma{Alpha: m.R, Beta: m.Alpha, Src: rng}
	drop := distuv.Beta{Alpha: m.A, Beta: m.B, Src: rng}
	out := make([]Customer, n)
	for i := range out {
		c := Customer{T: tMax - spread*rng.Float64()}
		l, p := lam.Rand(), drop.Rand()
		t := 0.0
		for l > 0 {
			t += rng.ExpFloat64() / l
			if t > c.T {
				break
			}
			c.Frequency++
			c.Recency = t
			if rng.Float64() < p {
				break
			}
		}
		out[i] = c
	}
	return out
}

// simulateNewCustomerCounts returns, for n simulated new customers, the
// number of repeat purchases each makes in (0, t].
func simulateNewCustomerCounts(m BGNBD, n int, t float64, seed uint64) []int {
	cs := simulateBGNBD(m, n, t, 0, seed)
	out := make([]int, n)
	for i, c := range cs {
		out[i] = c.Frequency
	}
	return out
}
