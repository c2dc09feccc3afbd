package funnel_test

import (
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
)

var benchAsOf = time.Date(2025, time.March, 1, 0, 0, 0, 0, time.UTC)

func benchDeals(b *testing.B, n int) []funnel.Deal {
	b.Helper()
	return dealgen.Generate(n, 1, dealgen.Options{})
}

// BenchmarkCompute measures the full report over generated deals (about two
// stage changes each).
func BenchmarkCompute(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		deals := benchDeals(b, n)
		f := dealgen.Funnel()
		opts := funnel.Options{AsOf: benchAsOf, Window: 90 * 24 * time.Hour, Currency: "USD"}
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cputime.Report(b, func() {
				r, err := funnel.Compute(f, slices.Values(deals), opts)
				if err != nil || r.Deals != int64(n) {
					b.Fatal(err, r.Deals)
				}
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/deal")
		})
	}
}

func itoa(n int) string {
	switch {
	case n >= 1_000_000:
		return "1M"
	case n >= 1_000:
		return "1k"
	}
	return "n"
}
