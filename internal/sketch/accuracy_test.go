package sketch

import (
	"flag"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

var seedsFlag = flag.Int("sketch.seeds", 0, "seeds per distribution and size in TestAccuracy (0: 10, or 2 with -short; a third of them, at least one, for 100,000 values)")

// distribution draws one value from r.
type distribution struct {
	name string
	draw func(r *rand.Rand) float64
}

var distributions = []distribution{
	{"uniform", func(r *rand.Rand) float64 { return 1000 * r.Float64() }},
	{"exponential", func(r *rand.Rand) float64 { return 100 * r.ExpFloat64() }},
	{"lognormal", func(r *rand.Rand) float64 { return math.Exp(3 + 2*r.NormFloat64()) }},
	// Pareto with shape 0.8 and scale 1: infinite mean.
	{"pareto", func(r *rand.Rand) float64 { return math.Pow(1-r.Float64(), -1/0.8) }},
	{"constant", func(r *rand.Rand) float64 { return 1234.5 }},
	{"ties", func(r *rand.Rand) float64 { return float64(1 + r.IntN(4)) }},
	{"zeros and a few large", func(r *rand.Rand) float64 {
		if r.IntN(20) != 0 {
			return 0
		}
		return math.Exp(15 + 3*r.NormFloat64())
	}},
	{"two-point", func(r *rand.Rand) float64 {
		if r.IntN(3) == 0 {
			return 0.01
		}
		return 1e6
	}},
	{"integer seconds", func(r *rand.Rand) float64 { return float64(r.IntN(1_000_000_001)) }},
	{"money", func(r *rand.Rand) float64 { return math.Round(math.Exp(6+1.5*r.NormFloat64())*100) / 100 }},
	// Mixed signs: only the absolute form of the bound applies.
	{"normal", func(r *rand.Rand) float64 { return 100 * r.NormFloat64() }},
	{"negative lognormal", func(r *rand.Rand) float64 { return -math.Exp(2 + 1.5*r.NormFloat64()) }},
}

// exactPercentile is PERCENTILE.INC of the sorted xs at p, written from the
// definition: h = (n-1)p, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
// It also returns the two order statistics and the weight of the second.
func exactPercentile(xs []float64, p float64) (q, lo, hi, f float64) {
	h := float64(len(xs)-1) * p
	k := int(math.Floor(h))
	if k >= len(xs)-1 {
		return xs[len(xs)-1], xs[len(xs)-1], xs[len(xs)-1], 0
	}
	f = h - float64(k)
	if f == 0 {
		return xs[k], xs[k], xs[k], 0
	}
	return xs[k] + f*(xs[k+1]-xs[k]), xs[k], xs[k+1], f
}

// checkPercentiles checks every percentile p = 0, 1, ..., 100 of s against
// the exact values of xs, with the sketch's stated bound
// |est - q| <= a((1-f)|x[k]| + f|x[k+1]|), which for same-sign order
// statistics is a|q|. It returns the largest error relative to that bound's
// scale.
func checkPercentiles(t *testing.T, label string, s *Sketch, xs []float64) float64 {
	t.Helper()
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	a := s.RelativeAccuracy()
	var worst float64
	for i := 0; i <= 100; i++ {
		p := float64(i) / 100
		est, ok := s.Quantile(p)
		if !ok {
			t.Fatalf("%s: Quantile(%v) not ok", label, p)
		}
		q, lo, hi, f := exactPercentile(sorted, p)
		scale := (1-f)*math.Abs(lo) + f*math.Abs(hi)
		err := math.Abs(est - q)
		if err > a*scale {
			t.Errorf("%s p=%v: estimate %v, exact %v, error %v above bound %v", label, p, est, q, err, a*scale)
		}
		if (lo < 0) == (hi < 0) && err > a*math.Abs(q) {
			t.Errorf("%s p=%v: estimate %v, exact %v, relative error above %v", label, p, est, q, a)
		}
		if i == 0 && est != sorted[0] || i == 100 && est != sorted[len(sorted)-1] {
			t.Errorf("%s p=%v: estimate %v, want the exact extreme", label, p, est)
		}
		if est < sorted[0] || est > sorted[len(sorted)-1] || math.IsNaN(est) {
			t.Errorf("%s p=%v: estimate %v outside [min, max]", label, p, est)
		}
		if scale > 0 {
			worst = max(worst, err/scale)
		}
	}
	return worst
}

func TestAccuracy(t *testing.T) {
	seeds := *seedsFlag
	if seeds == 0 {
		seeds = 10
		if testing.Short() {
			seeds = 2
		}
	}
	for _, a := range []float64{0.01, 0.05} {
		for _, d := range distributions {
			var worst float64
			for _, n := range []int{1, 2, 3, 10, 1000, 100000} {
				ns := seeds
				if n >= 100000 {
					ns = max(1, seeds/3)
				}
				for seed := range ns {
					r := rand.New(rand.NewPCG(uint64(seed), uint64(n)))
					s := mustNew(t, a, DefaultMaxBuckets)
					xs := make([]float64, n)
					for i := range xs {
						xs[i] = d.draw(r)
						mustAdd(t, s, xs[i])
					}
					if s.Collapsed() {
						t.Fatalf("%s collapsed", d.name)
					}
					worst = max(worst, checkPercentiles(t, d.name, s, xs))
				}
			}
			t.Logf("a=%v %-22s worst error / bound scale = %.6f", a, d.name, worst)
		}
	}
}
