package trend

import (
	"slices"
	"strconv"
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

// BenchmarkConversion times 1,000,000 generated deals from Qualified to
// a win, by owner and by month, serial and on 2 workers, with the report
// (Kaplan-Meier quantiles, histograms, log-rank comparisons).
func BenchmarkConversion(b *testing.B) {
	for _, w := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"workers-2", 2}} {
		b.Run(w.name, func(b *testing.B) {
			benchRun(b, w.workers, func(s *funnel.Scan) funnel.Accumulator {
				a, err := NewConversion(s, ConvertOptions{From: Milestone{Kind: Entry, Stage: "Qualified"}, To: Milestone{Kind: Win},
					Segment: funnel.AttrOwner, ByPeriod: true})
				if err != nil {
					b.Fatal(err)
				}
				return a
			}, func(a funnel.Accumulator) {
				if _, err := a.(*Conversion).Report(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkAmountComparison compares two months of 2,000 and 3,000 won
// amounts: Welch's test of the logs and the permutation test by the
// normal law; and two of 200 and 300, drawn at random.
func BenchmarkAmountComparison(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			deals := dealgen.Generate(5*n, 3, dealgen.Options{})
			x, y := make([]float64, 0, 2*n), make([]float64, 0, 3*n)
			for i, d := range deals {
				if i%5 < 2 {
					x = append(x, d.Amount.InexactFloat64())
				} else {
					y = append(y, d.Amount.InexactFloat64())
				}
			}
			slices.Sort(x)
			slices.Sort(y)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				_ = compareAmounts(x, y, 0.95, 30)
			}
		})
	}
}
