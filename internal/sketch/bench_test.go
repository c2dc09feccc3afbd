package sketch

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

func lognormalValues(seed uint64, n int) []float64 {
	r := rand.New(rand.NewPCG(seed, 0))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = math.Exp(6 + 2*r.NormFloat64())
	}
	return xs
}

func lognormalSketch(b *testing.B, seed uint64, n int) *Sketch {
	s := mustNew(b, DefaultRelativeAccuracy, DefaultMaxBuckets)
	r := rand.New(rand.NewPCG(seed, 0))
	for range n {
		if err := s.Add(math.Exp(6 + 2*r.NormFloat64())); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

func BenchmarkAdd(b *testing.B) {
	for _, tc := range []struct {
		name string
		xs   []float64
	}{
		{"lognormal", lognormalValues(1, 1<<16)},
		{"money", func() []float64 {
			xs := lognormalValues(2, 1<<16)
			for i := range xs {
				xs[i] = math.Round(xs[i]*100) / 100
			}
			return xs
		}()},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := mustNew(b, DefaultRelativeAccuracy, DefaultMaxBuckets)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Add(tc.xs[i&(1<<16-1)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMerge merges a sketch of 1,000,000 lognormal values into an
// accumulating sketch of another 1,000,000, as a combiner does.
func BenchmarkMerge(b *testing.B) {
	acc := lognormalSketch(b, 3, 1_000_000)
	o := lognormalSketch(b, 4, 1_000_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := acc.Merge(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalBinary(b *testing.B) {
	s := lognormalSketch(b, 5, 1_000_000)
	enc, _ := s.MarshalBinary()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "encoded-B")
}

func BenchmarkUnmarshalBinary(b *testing.B) {
	enc, _ := lognormalSketch(b, 6, 1_000_000).MarshalBinary()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var s Sketch
		if err := s.UnmarshalBinary(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "encoded-B")
}

// BenchmarkAddPeakHeap adds n lognormal values (drawn on the fly, no value
// slice) and reports the peak heap growth seen while adding, sampled every
// 100,000 values with runtime.ReadMemStats (it includes garbage from bucket
// growth not yet collected), the live heap growth after a collection, and
// the sketch's own bytes: all stay flat as n grows by 100x.
func BenchmarkAddPeakHeap(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var peak, live uint64
			var size int
			for i := 0; i < b.N; i++ {
				r := rand.New(rand.NewPCG(uint64(i), 9))
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				s := mustNew(b, DefaultRelativeAccuracy, DefaultMaxBuckets)
				for j := range n {
					if err := s.Add(math.Exp(6 + 2*r.NormFloat64())); err != nil {
						b.Fatal(err)
					}
					if j%100_000 == 99_999 {
						runtime.ReadMemStats(&ms)
						if ms.HeapAlloc > base {
							peak = max(peak, ms.HeapAlloc-base)
						}
					}
				}
				size = s.sizeBytes()
				runtime.GC()
				runtime.ReadMemStats(&ms)
				live = ms.HeapAlloc - min(base, ms.HeapAlloc)
				runtime.KeepAlive(s)
			}
			b.ReportMetric(float64(peak), "peak-heap-B")
			b.ReportMetric(float64(live), "live-heap-B")
			b.ReportMetric(float64(size), "sketch-B")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/value")
		})
	}
}

var longFlag = flag.Bool("sketch.long", false, "also measure a sketch of 10,000,000 values in TestMemoryFigures")

// TestMemoryFigures logs the bytes held by a sketch of 10 values and, with
// -sketch.long, of 10,000,000 lognormal values.
func TestMemoryFigures(t *testing.T) {
	s := mustNew(t, DefaultRelativeAccuracy, DefaultMaxBuckets)
	r := rand.New(rand.NewPCG(10, 0))
	for range 10 {
		mustAdd(t, s, math.Exp(6+2*r.NormFloat64()))
	}
	enc := encode(t, s)
	t.Logf("10 lognormal values: %d bytes held (%d buckets), %d bytes encoded", s.sizeBytes(), s.pos.occupied(), len(enc))
	if s.sizeBytes() > 1024 {
		t.Errorf("10 values hold %d bytes", s.sizeBytes())
	}
	if !*longFlag {
		return
	}
	big := mustNew(t, DefaultRelativeAccuracy, DefaultMaxBuckets)
	for range 10_000_000 {
		mustAdd(t, big, math.Exp(6+2*r.NormFloat64()))
	}
	enc = encode(t, big)
	t.Logf("10,000,000 lognormal values: %d bytes held (%d buckets, dense %v), %d bytes encoded", big.sizeBytes(), big.pos.occupied(), big.pos.dense, len(enc))
	if bound := 24*DefaultMaxBuckets + 2000; big.sizeBytes() > bound {
		t.Errorf("%d bytes held, above the documented bound %d", big.sizeBytes(), bound)
	}
}
