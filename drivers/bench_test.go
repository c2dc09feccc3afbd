package drivers

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
)

var (
	benchOnce  sync.Once
	benchDeals []funnel.Deal
)

// BenchmarkDrivers scans 200,000 generated deals (with custom attributes
// and owner changes) for the drivers of Qualified to Proposal and of
// stalling in Qualified, without and with pairs, serial and on 2
// workers, with the report.
func BenchmarkDrivers(b *testing.B) {
	benchOnce.Do(func() { benchDeals = propDeals(200_000, 1, false) })
	for _, c := range []struct {
		name    string
		pairs   bool
		workers int
	}{{"values/serial", false, 1}, {"values/workers-2", false, 2}, {"pairs/serial", true, 1}} {
		b.Run(c.name, func(b *testing.B) {
			s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{Currency: "USD", UndatedClose: true, AsOf: time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC), Workers: c.workers})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				a := mustNew(b, s, Options{Stage: "Qualified", Stall: 14 * 24 * time.Hour, Pairs: c.pairs})
				if err := s.Run(slices.Values(benchDeals), a); err != nil {
					b.Fatal(err)
				}
				_ = a.Report()
			}
			b.ReportMetric(float64(len(benchDeals))*float64(b.N)/b.Elapsed().Seconds(), "deals/s")
		})
	}
}
