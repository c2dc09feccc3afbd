package funnel_test

import (
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
)

// benchSets returns 1,000,000 generated deals created over 36 months (from
// January 2024) with their funnel, and an as-of time after them.
func benchSet(b *testing.B) ([]funnel.Deal, *funnel.Funnel, time.Time) {
	b.Helper()
	deals := dealgen.Generate(1_000_000, 1, dealgen.Options{Span: 3 * 365 * 24 * time.Hour})
	return deals, dealgen.Funnel(), time.Date(2027, time.March, 1, 0, 0, 0, 0, time.UTC)
}

// BenchmarkAnalysis measures the plain report (the baseline) and the
// forecast, the bottleneck ranking and a 36-month trend over the same
// 1,000,000 deals, in one run so that they can be compared.
func BenchmarkAnalysis(b *testing.B) {
	deals, f, asOf := benchSet(b)
	opts := funnel.Options{AsOf: asOf, Currency: "USD"}
	run := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cputime.Report(b, func() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	run("report", func() error {
		_, err := funnel.Compute(f, slices.Values(deals), opts)
		return err
	})
	run("forecast", func() error {
		_, err := funnel.Forecast(f, slices.Values(deals), funnel.ForecastOptions{AsOf: asOf, Currency: "USD"})
		return err
	})
	run("bottleneck", func() error {
		_, err := funnel.Bottleneck(f, slices.Values(deals), funnel.BottleneckOptions{Options: opts, StallAfter: 30 * 24 * time.Hour})
		return err
	})
	run("trend36", func() error {
		s, err := funnel.Trend(f, slices.Values(deals), funnel.TrendOptions{Options: opts})
		if err == nil && len(s.Periods) != 36 {
			b.Fatalf("%d periods, want 36", len(s.Periods))
		}
		_ = s.Metric(funnel.TrendWinRate, 0)
		return err
	})
	run("by-period", func() error {
		_, err := funnel.ForecastByPeriod(f, slices.Values(deals), funnel.ForecastPeriodOptions{
			ForecastOptions: funnel.ForecastOptions{AsOf: asOf, Currency: "USD"}, Period: funnel.Month})
		return err
	})
	run("survival-cycle", func() error {
		s, err := funnel.SurvivalCycle(f, slices.Values(deals), funnel.SurvivalOptions{AsOf: asOf})
		if err == nil {
			_, err = s.Curve(0)
		}
		return err
	})
}
