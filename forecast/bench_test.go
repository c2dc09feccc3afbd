package forecast_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/shopspring/decimal"
)

var (
	benchOnce  sync.Once
	benchDeals []funnel.Deal
)

// benchSet returns 1,000,000 generated deals created over 2024; every
// third has an expected close date, every fifth a forecast category and
// every seventh its own probability.
func benchSet() []funnel.Deal {
	benchOnce.Do(func() {
		benchDeals = dealgen.Generate(1_000_000, 1, dealgen.Options{})
		cats := []string{"Commit", "Best Case", "Pipeline", "Omitted"}
		p := decimal.NewNullDecimal(decimal.RequireFromString("0.35"))
		for i := range benchDeals {
			d := &benchDeals[i]
			if i%3 == 0 {
				d.ExpectedClose = d.Created.Add(time.Duration(30+i%120) * 24 * time.Hour)
			}
			if i%5 == 0 {
				d.Category = cats[i%4]
			}
			if i%7 == 0 {
				d.Probability = p
			}
		}
	})
	return benchDeals
}

var benchAsOf = time.Date(2024, time.October, 1, 0, 0, 0, 0, time.UTC)

// benchRun measures one accumulator over the 1,000,000 deals, serially
// and with Scan.Run on 2 workers, its report included.
func benchRun(b *testing.B, build func(s *funnel.Scan) (funnel.Accumulator, error), report func(funnel.Accumulator) error) {
	deals := benchSet()
	for _, w := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"workers2", 2}} {
		b.Run(w.name, func(b *testing.B) {
			s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{AsOf: benchAsOf, Currency: "USD", Workers: w.workers})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cputime.Report(b, func() {
				a, err := build(s)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Run(slices.Values(deals), a); err != nil {
					b.Fatal(err)
				}
				if err := report(a); err != nil {
					b.Fatal(err)
				}
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(deals)), "ns/deal")
		})
	}
}

// BenchmarkPipeline measures the weighted pipeline with rates learned in
// the same pass.
func BenchmarkPipeline(b *testing.B) {
	benchRun(b, func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewPipeline(s, forecast.Options{}) },
		func(a funnel.Accumulator) error { _, err := a.(*forecast.Pipeline).Report(); return err })
}

// BenchmarkByPeriod measures the expected revenue over 12 months, rates
// and time-to-win samples learned in the same pass.
func BenchmarkByPeriod(b *testing.B) {
	benchRun(b, func(s *funnel.Scan) (funnel.Accumulator, error) {
		return forecast.NewByPeriod(s, forecast.PeriodOptions{})
	},
		func(a funnel.Accumulator) error { _, err := a.(*forecast.ByPeriod).Report(); return err })
}

// BenchmarkTally is the root report over the same deals and scan, the
// baseline of the two above.
func BenchmarkTally(b *testing.B) {
	benchRun(b, func(s *funnel.Scan) (funnel.Accumulator, error) { return funnel.NewTally(s), nil },
		func(a funnel.Accumulator) error { _ = a.(*funnel.Tally).Report(); return nil })
}
