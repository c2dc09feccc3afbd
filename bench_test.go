package funnel_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/shopspring/decimal"
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

// BenchmarkRun measures one pass of the full report over 1,000,000
// generated deals through Scan.Run, on one worker and on two.
func BenchmarkRun(b *testing.B) {
	deals := benchDeals(b, 1_000_000)
	f := dealgen.Funnel()
	for _, w := range []int{1, 2} {
		s, err := funnel.NewScan(f, funnel.Options{AsOf: benchAsOf, Window: 90 * 24 * time.Hour, Currency: "USD", Workers: w})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) {
			b.ReportAllocs()
			cputime.Report(b, func() {
				t := funnel.NewTally(s)
				if err := s.Run(slices.Values(deals), t); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkTallyEncoding measures the binary encoding of a tally of
// 1,000,000 deals and its decoding.
func BenchmarkTallyEncoding(b *testing.B) {
	deals := benchDeals(b, 1_000_000)
	s, _ := funnel.NewScan(dealgen.Funnel(), funnel.Options{AsOf: benchAsOf, Currency: "USD", Workers: 1})
	t := funnel.NewTally(s)
	if err := s.Run(slices.Values(deals), t); err != nil {
		b.Fatal(err)
	}
	enc, _ := t.MarshalBinary()
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := t.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(enc)), "bytes")
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var u funnel.Tally
			if err := u.UnmarshalBinary(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSegments measures three segmentations (by source, owner and
// industry) of 1,000,000 generated deals fed by one Scan.Run on two
// workers, with their reports: the breakdowns of the peers' report.
func BenchmarkSegments(b *testing.B) {
	deals := benchDeals(b, 1_000_000)
	s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{Currency: "USD", Workers: 2})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cputime.Report(b, func() {
		segs, accs := peerSegments(b, s, false)
		if err := s.Run(slices.Values(deals), accs...); err != nil {
			b.Fatal(err)
		}
		for _, g := range segs {
			if _, err := g.Report(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScanSegments measures the scan alone as the peers' report runs
// it: 200,000 generated deals in creation order, on one worker, fed to
// three segmentations by one attribute each (source, owner, industry, by
// key) with monthly periods, without the reports.
func BenchmarkScanSegments(b *testing.B) {
	const n = 200_000
	deals := benchDeals(b, n)
	// in creation order, what the deals point to made again in that order,
	// so that it lies in memory in the order the scan reads it, as a
	// stream's deals do
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return deals[i].Created.Compare(deals[j].Created) })
	sorted := make([]funnel.Deal, n)
	for i, k := range order {
		d := &sorted[i]
		*d = deals[k]
		d.Amount = decimal.New(d.Amount.CoefficientInt64(), d.Amount.Exponent())
		d.History = slices.Clone(d.History)
	}
	deals = sorted
	s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{Period: funnel.Month, Currency: "USD", Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cputime.Report(b, func() {
		_, accs := peerSegments(b, s, true)
		if err := s.Run(slices.Values(deals), accs...); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/deal")
}

// peerSegments returns the peers' report's three segmentations of s, by
// source, owner and industry, and the same as accumulators for Scan.Run.
func peerSegments(b *testing.B, s *funnel.Scan, byKey bool) ([]*funnel.Segments, []funnel.Accumulator) {
	keys := []string{funnel.AttrSource, funnel.AttrOwner, funnel.AttrIndustry}
	segs := make([]*funnel.Segments, len(keys))
	accs := make([]funnel.Accumulator, len(keys))
	for i, k := range keys {
		g, err := funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(k)}, ByKey: byKey})
		if err != nil {
			b.Fatal(err)
		}
		segs[i], accs[i] = g, g
	}
	return segs, accs
}
