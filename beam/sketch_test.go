package funnelbeam_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	funnelbeam "github.com/funnelmetrics/funnel/beam"
	"github.com/funnelmetrics/funnel/beam/internal/gen"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// sketchErrors records the largest relative error of the sketch's
// percentiles seen by the comparers, and how many were compared.
type sketchErrors struct {
	money, dur float64
	n          int
}

// moneyWithin reports whether a summary from a sketch of relative error
// qe equals the exact one but for its percentiles, each within qe of the
// exact value.
func (e *sketchErrors) moneyWithin(qe float64) func(exact, sk funnel.MoneySummary) bool {
	return func(exact, sk funnel.MoneySummary) bool {
		if exact.RelativeError != 0 { // cmp wants a symmetric comparer
			exact, sk = sk, exact
		}
		if exact.Count == 0 {
			return sk.Count == 0
		}
		if exact.Count != sk.Count || !exact.Total.Equal(sk.Total) || !exact.Mean.Equal(sk.Mean) ||
			exact.RelativeError != 0 || sk.RelativeError != qe {
			return false
		}
		for _, p := range [][2]decimal.Decimal{{exact.Min, sk.Min}, {exact.P25, sk.P25}, {exact.Median, sk.Median},
			{exact.P75, sk.P75}, {exact.P90, sk.P90}, {exact.Max, sk.Max}} {
			x, y := p[0].InexactFloat64(), p[1].InexactFloat64()
			d := math.Abs(x - y)
			if d > qe*math.Abs(x)*(1+1e-9) {
				return false
			}
			if x != 0 {
				e.money = max(e.money, d/math.Abs(x))
			}
			e.n++
		}
		return true
	}
}

// durWithin is moneyWithin for durations, which a sketch holds in whole
// seconds: half a second of rounding is allowed besides the relative
// error.
func (e *sketchErrors) durWithin(qe float64) func(exact, sk funnel.DurationSummary) bool {
	return func(exact, sk funnel.DurationSummary) bool {
		if exact.RelativeError != 0 {
			exact, sk = sk, exact
		}
		if exact.Count == 0 {
			return sk.Count == 0
		}
		if exact.Count != sk.Count || exact.Mean != sk.Mean || exact.RelativeError != 0 || sk.RelativeError != qe {
			return false
		}
		for _, p := range [][2]time.Duration{{exact.Min, sk.Min}, {exact.P25, sk.P25}, {exact.Median, sk.Median},
			{exact.P75, sk.P75}, {exact.P90, sk.P90}, {exact.Max, sk.Max}} {
			d := (p[0] - p[1]).Abs()
			if float64(d) > qe*float64(p[0])*(1+1e-9)+float64(time.Second/2) {
				return false
			}
			if p[0] >= time.Minute {
				e.dur = max(e.dur, float64(d)/float64(p[0]))
			}
			e.n++
		}
		return true
	}
}

// moneyRateInterval reports whether a path ends at the interval of a
// money rate.
func moneyRateInterval(p cmp.Path) bool {
	if len(p) < 2 {
		return false
	}
	f, ok := p.Last().(cmp.StructField)
	return ok && f.Name() == "Interval" && p.Index(-2).Type().Name() == "MoneyRate"
}

// TestSketchMode runs the pipeline with quantile sketches over tenants of
// every distribution (uniform, log-normal, heavy-tailed Pareto, ties) and
// several seeds, in one run. Each key's results equal the in-process
// results in sketch mode byte for byte (sketches merge exactly), and the
// exact in-process results but for the percentiles of amounts and
// durations, each within the stated relative error.
func TestSketchMode(t *testing.T) {
	const qe = 0.01
	per := 10_000
	if testing.Short() {
		per = 3000
	}
	var deals []gen.Deal
	names := []string{"uniform", "lognormal", "pareto", "ties"}
	for d, name := range names {
		for seed := uint64(11); seed <= 12; seed++ {
			deals = append(deals, gen.Generate(gen.Options{Deals: per, Seed: seed, Files: 3, Dist: gen.Dist(d),
				TenantPrefix: fmt.Sprintf("%s-s%d", name, seed)})...)
		}
	}
	// distinct deal IDs across tenants: the generator numbers per run
	for i := range deals {
		deals[i].Deal.ID = fmt.Sprintf("%s-%d", deals[i].Deal.ID, i)
	}
	sk, exact := newScan(t, qe), newScan(t, 0)
	out := runPipeline(t, sk, deals, false)

	var errs sketchErrors
	opts := []cmp.Option{cmp.Comparer(errs.moneyWithin(qe)), cmp.Comparer(errs.durWithin(qe)), cmpopts.EquateErrors(),
		// the interval of a ratio of sums (funnel.MoneyRate) needs every
		// amount: sketched amounts leave it undefined
		cmp.FilterPath(moneyRateInterval, cmp.Comparer(func(a, b funnel.Interval) bool { return a == b || !a.Defined || !b.Defined })),
		// and a series' tests of deal size and won cycle between periods
		// are not computed with sketches (trend.RowTests)
		cmp.Comparer(func(a, b trend.RowTests) bool {
			notComputed := func(r trend.RowTests) bool {
				for _, t := range []trend.BaseTests{r.Previous, r.YearAgo} {
					if t.DealSize.Defined || t.DealSize.A+t.DealSize.B > 0 || t.CycleWon.Defined || t.CycleWon.A+t.CycleWon.B > 0 {
						return false
					}
				}
				return true
			}
			return cmp.Equal(a, b) || notComputed(a) || notComputed(b)
		})}
	keys := byKey(deals, true)
	for _, key := range outputKeys(t, out) {
		wantSk, wantExact := reference(t, sk, keys[key]), reference(t, exact, keys[key])
		for name, w := range wantSk {
			g, err := os.ReadFile(filepath.Join(out, key, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(g, w) {
				t.Errorf("%s/%s differs from the in-process sketch result:\n%s", key, name, resultDiff(t, kinds[name], w, g))
			}
			ge, err := funnelbeam.DecodeResult(kinds[name], g)
			if err != nil {
				t.Fatal(err)
			}
			we, err := funnelbeam.DecodeResult(kinds[name], wantExact[name])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(we, ge, opts...); diff != "" {
				t.Errorf("%s/%s: sketch result against the exact one (-exact +sketch):\n%s", key, name, diff)
			}
		}
	}
	if errs.n == 0 {
		t.Fatal("no percentile compared")
	}
	t.Logf("%d percentile comparisons (each pair twice) over %d keys; largest relative error: amounts %.5f, durations of a minute or more %.5f (bound %v)",
		errs.n, len(keys), errs.money, errs.dur, qe)
}
