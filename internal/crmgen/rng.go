package main

import "math/bits"

// rng is a SplitMix64 generator (Steele, Lea and Flood, "Fast splittable
// pseudorandom number generators", OOPSLA 2014). It is written out here
// rather than taken from math/rand/v2 so that the sample files depend on
// nothing but this code and the seed: the derived helpers below (intN,
// float) are fixed too, so no Go release can change the committed bytes.
type rng struct{ state uint64 }

func newRNG(seed uint64) *rng { return &rng{state: seed} }

// next returns the next 64 pseudorandom bits.
func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intN returns a value in [0, n); n must be positive. It takes the high
// bits of a 64x64->128 multiply (Lemire's method without the rejection
// step): the bias is below n/2^64, far below anything the samples notice.
func (r *rng) intN(n int) int {
	if n <= 0 {
		panic("crmgen: intN of non-positive n")
	}
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int(hi)
}

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intN(hi-lo+1) }

// float returns a value in [0, 1) with 53 random bits.
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// pick returns one element of xs, uniformly.
func pick[T any](r *rng, xs []T) T { return xs[r.intN(len(xs))] }

// fork derives an independent generator, so that adding draws to one part
// of the population does not shift every later deal.
func (r *rng) fork() *rng { return newRNG(r.next()) }
