package trend

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

// millionDeals returns 1,000,000 generated deals, made once.
func millionDeals() []funnel.Deal {
	benchOnce.Do(func() { benchDeals = dealgen.Generate(1_000_000, 1, dealgen.Options{}) })
	return benchDeals
}

func benchRun(b *testing.B, workers int, mk func(s *funnel.Scan) funnel.Accumulator, result func(funnel.Accumulator)) {
	deals := millionDeals()
	s := mustScan(b, dealgen.Funnel(), funnel.Options{Currency: "USD", AsOf: time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC), Workers: workers})
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		a := mk(s)
		if err := s.Run(slices.Values(deals), a); err != nil {
			b.Fatal(err)
		}
		result(a)
	}
	b.ReportMetric(float64(len(deals))*float64(b.N)/b.Elapsed().Seconds(), "deals/s")
}

// BenchmarkSeriesMonthly is a monthly series of 1,000,000 generated
// deals, serial and on 2 workers, with its report.
func BenchmarkSeriesMonthly(b *testing.B) {
	for _, w := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"workers-2", 2}} {
		b.Run(w.name, func(b *testing.B) {
			benchRun(b, w.workers, func(s *funnel.Scan) funnel.Accumulator {
				a, _ := NewSeries(s, Options{})
				return a
			}, func(a funnel.Accumulator) {
				if _, err := a.(*Series).Report(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkSurvivalCycle is the sales-cycle curve of 1,000,000 generated
// deals, serial and on 2 workers.
func BenchmarkSurvivalCycle(b *testing.B) {
	for _, w := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"workers-2", 2}} {
		b.Run(w.name, func(b *testing.B) {
			benchRun(b, w.workers, func(s *funnel.Scan) funnel.Accumulator {
				a, _ := NewSurvival(s, SurvivalOptions{})
				return a
			}, func(a funnel.Accumulator) { _ = a.(*Survival).Curve() })
		})
	}
}

// BenchmarkCohortsMonthly is the monthly cohort table of 1,000,000
// generated deals, serial.
func BenchmarkCohortsMonthly(b *testing.B) {
	benchRun(b, 1, func(s *funnel.Scan) funnel.Accumulator {
		a, _ := NewCohorts(s, CohortOptions{})
		return a
	}, func(a funnel.Accumulator) {
		if _, err := a.(*Cohorts).Table(); err != nil {
			b.Fatal(err)
		}
	})
}
