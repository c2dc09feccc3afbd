package forecast_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/shopspring/decimal"
)

// BenchmarkRange measures the report of a forecast range of n open deals
// with amounts in cents, on the default grid and on a finer one.
func BenchmarkRange(b *testing.B) {
	for _, n := range []int{100, 2000, 100_000} {
		for _, cells := range []int{1 << 16, forecast.DefaultCells, 1 << 20} {
			b.Run(strconv.Itoa(n)+"/cells="+strconv.Itoa(cells), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				deals, _, _ := randomOpenDeals(rng, n, 2_000_000)
				s := rangeScan(b)
				r, err := forecast.NewRange(s, forecast.RangeOptions{Cells: cells})
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Run(values(deals), r); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				cputime.Report(b, func() {
					if _, err := r.Report(); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// BenchmarkWaterfall measures the waterfall of October's pipeline between
// 1 September and 1 October, by owner, over the 1,000,000 generated
// deals.
func BenchmarkWaterfall(b *testing.B) {
	benchRun(b, func(s *funnel.Scan) (funnel.Accumulator, error) {
		return forecast.NewWaterfall(s, forecast.WaterfallOptions{From: benchAsOf.AddDate(0, -1, 0), To: benchAsOf, Close: benchAsOf, By: []string{funnel.AttrOwner}})
	}, func(a funnel.Accumulator) error { _, err := a.(*forecast.Waterfall).Report(); return err })
}

// BenchmarkRisk measures the risk flags of the open deals among the
// 1,000,000 generated deals.
func BenchmarkRisk(b *testing.B) {
	benchRun(b, func(s *funnel.Scan) (funnel.Accumulator, error) {
		return forecast.NewRisk(s, forecast.RiskOptions{StallAfter: 30 * 24 * time.Hour})
	}, func(a funnel.Accumulator) error { _ = a.(*forecast.Risk).Report(); return nil })
}

// BenchmarkRangeDeals measures the forecast range of October, rates
// learned in the same pass, over the 1,000,000 generated deals.
func BenchmarkRangeDeals(b *testing.B) {
	benchRun(b, func(s *funnel.Scan) (funnel.Accumulator, error) {
		return forecast.NewRange(s, forecast.RangeOptions{Close: benchAsOf})
	}, func(a funnel.Accumulator) error { _, err := a.(*forecast.Range).Report(); return err })
}

// BenchmarkScoring measures the logistic model over 100,000 generated
// deals (12 monthly snapshots), its fit and the scores of the open deals.
func BenchmarkScoring(b *testing.B) {
	deals := benchSet()[:100_000]
	s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{AsOf: benchAsOf, Currency: "USD", Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cputime.Report(b, func() {
		if _, err := forecast.Score(s, slices.Values(deals), forecast.ScoringOptions{Attrs: []string{funnel.AttrSource, funnel.AttrIndustry}}); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkAccuracy measures 96 calls (8 owners, 12 months) over the
// 1,000,000 generated deals.
func BenchmarkAccuracy(b *testing.B) {
	var calls []forecast.Call
	for _, o := range []string{"ana", "ben", "chen", "dara", "eli", "fay", "gus", "hana"} {
		for m := time.January; m <= time.September; m++ {
			calls = append(calls, forecast.Call{Key: o, Period: time.Date(2024, m, 1, 0, 0, 0, 0, time.UTC), At: time.Date(2024, m, 2, 0, 0, 0, 0, time.UTC),
				Amount: decimal.NewFromInt(1_000_000)})
		}
	}
	benchRun(b, func(s *funnel.Scan) (funnel.Accumulator, error) {
		return forecast.NewAccuracy(s, forecast.AccuracyOptions{Key: funnel.AttrOwner, Calls: calls})
	}, func(a funnel.Accumulator) error { _, err := a.(*forecast.Accuracy).Report(); return err })
}
