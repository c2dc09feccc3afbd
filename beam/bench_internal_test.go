package funnelbeam

import (
	"testing"

	"github.com/funnelmetrics/funnel/beam/internal/gen"
)

func BenchmarkDealCoder(b *testing.B) {
	deals := dealsOf(gen.Generate(gen.Options{Deals: 1000, Seed: 1}))
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		e := encodeDeal(deals[i%len(deals)])
		n += len(e)
		if _, err := decodeDeal(e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "bytes/deal")
}

// filled returns a combine and an accumulator of n deals.
func filled(b *testing.B, qe float64, n int) (*combineFn, *accumulator) {
	fn := &combineFn{Spec: testSpec(b, testOptions(qe))}
	if err := fn.Setup(); err != nil {
		b.Fatal(err)
	}
	a := fn.CreateAccumulator()
	for _, g := range gen.Generate(gen.Options{Deals: n, Seed: 2, Dist: gen.LogNormal}) {
		if _, err := fn.AddInput(a, g.Deal); err != nil {
			b.Fatal(err)
		}
	}
	return fn, a
}

// BenchmarkAddInput adds one deal to the five default analyses of a key.
func BenchmarkAddInput(b *testing.B) {
	for _, mode := range []struct {
		name string
		qe   float64
	}{{"exact", 0}, {"sketch", 0.01}} {
		b.Run(mode.name, func(b *testing.B) {
			fn, a := filled(b, mode.qe, 0)
			deals := dealsOf(gen.Generate(gen.Options{Deals: 100_000, Seed: 3, Dist: gen.LogNormal}))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if _, err := fn.AddInput(a, deals[i%len(deals)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAccumulator encodes, decodes and merges accumulators of the
// five default analyses over 100,000 deals, exact and with sketches.
func BenchmarkAccumulator(b *testing.B) {
	for _, mode := range []struct {
		name string
		qe   float64
	}{{"exact", 0}, {"sketch", 0.01}} {
		fn, a := filled(b, mode.qe, 100_000)
		enc, err := encodeAccumulator(a)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(mode.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encodeAccumulator(a); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(enc)), "bytes")
		})
		b.Run(mode.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := decodeAccumulator(enc)
				if err != nil {
					b.Fatal(err)
				}
				if err := fn.open(d); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode.name+"/merge", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				x := fn.CreateAccumulator()
				b.StartTimer()
				if _, err := fn.MergeAccumulators(x, a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
