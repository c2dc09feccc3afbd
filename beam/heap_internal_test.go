package funnelbeam

import (
	"runtime"
	"testing"

	"github.com/funnelmetrics/funnel/beam/internal/gen"
)

// BenchmarkHeap reports the live heap of one key's accumulators over
// 200,000 deals, per deal, analysis by analysis, exact and with sketches.
func BenchmarkHeap(b *testing.B) {
	deals := dealsOf(gen.Generate(gen.Options{Deals: 200_000, Seed: 2, Dist: gen.LogNormal}))
	for _, mode := range []struct {
		name string
		qe   float64
	}{{"exact", 0}, {"sketch", 0.01}} {
		sp := testSpec(b, testOptions(mode.qe))
		s, _ := sp.scan()
		for i, a := range sp.Analyses {
			b.Run(mode.name+"/"+a.Name, func(b *testing.B) {
				for b.Loop() {
					protos, err := sp.build(s)
					if err != nil {
						b.Fatal(err)
					}
					acc := protos[i]
					var before, after runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&before)
					for _, d := range deals {
						s.Add(d, acc)
					}
					runtime.GC()
					runtime.ReadMemStats(&after)
					b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(deals)), "heap-bytes/deal")
					runtime.KeepAlive(acc)
				}
			})
		}
	}
}
