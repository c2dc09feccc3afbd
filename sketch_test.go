package funnel_test

import (
	"bytes"
	"iter"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// within reports whether got is within relErr of want, relatively.
func within(got, want decimal.Decimal, relErr float64) bool {
	return got.Sub(want).Abs().InexactFloat64() <= relErr*want.Abs().InexactFloat64()*(1+1e-9)
}

// TestQuantileSketch compares a report in sketch mode with the exact one:
// counts, sums and means equal, every percentile within the relative error.
func TestQuantileSketch(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(20000, 5)
	asOf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, qe := range []float64{0.01, 0.05} {
		exact, _ := funnel.Compute(f, slices.Values(deals), funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: asOf})
		sk, err := funnel.Compute(f, slices.Values(deals), funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: asOf, QuantileError: qe})
		if err != nil {
			t.Fatal(err)
		}
		money := []struct {
			name     string
			got, exp funnel.MoneySummary
		}{{"deal size", sk.DealSize, exact.DealSize}}
		durs := []struct {
			name     string
			got, exp funnel.DurationSummary
		}{{"cycle won", sk.CycleWon, exact.CycleWon}, {"cycle lost", sk.CycleLost, exact.CycleLost}, {"open age", sk.OpenAge, exact.OpenAge}}
		for i := range exact.Funnel[:len(exact.Funnel)-1] { // the won row has no time in stage
			durs = append(durs, struct {
				name     string
				got, exp funnel.DurationSummary
			}{"time in " + string(exact.Funnel[i].Stage), sk.Funnel[i].TimeTotal, exact.Funnel[i].TimeTotal})
		}
		for _, m := range money {
			if m.got.Count != m.exp.Count || !m.got.Total.Equal(m.exp.Total) || !m.got.Mean.Equal(m.exp.Mean) || m.got.RelativeError != qe {
				t.Errorf("%s: %+v, exact %+v", m.name, m.got, m.exp)
			}
			for _, p := range [][2]decimal.Decimal{{m.got.Min, m.exp.Min}, {m.got.P25, m.exp.P25}, {m.got.Median, m.exp.Median},
				{m.got.P75, m.exp.P75}, {m.got.P90, m.exp.P90}, {m.got.Max, m.exp.Max}} {
				if !within(p[0], p[1], qe) {
					t.Errorf("%s at %v: %v, exact %v", m.name, qe, p[0], p[1])
				}
			}
		}
		for _, d := range durs {
			if d.got.Count != d.exp.Count || d.got.Mean != d.exp.Mean || d.got.RelativeError != qe {
				t.Errorf("%s: %+v, exact %+v", d.name, d.got, d.exp)
			}
			for _, p := range [][2]time.Duration{{d.got.Min, d.exp.Min}, {d.got.P25, d.exp.P25}, {d.got.Median, d.exp.Median},
				{d.got.P75, d.exp.P75}, {d.got.P90, d.exp.P90}, {d.got.Max, d.exp.Max}} {
				// durations are whole seconds in the sketch: allow half a
				// second of rounding besides the relative error
				if diff := (p[0] - p[1]).Abs(); float64(diff) > qe*float64(p[1])*(1+1e-9)+float64(time.Second/2) {
					t.Errorf("%s at %v: %v, exact %v", d.name, qe, p[0], p[1])
				}
			}
		}
		// everything but the percentiles is the exact report
		ignore := cmpopts.IgnoreFields(funnel.MoneySummary{}, "Min", "P25", "Median", "P75", "P90", "Max", "RelativeError")
		ignoreD := cmpopts.IgnoreFields(funnel.DurationSummary{}, "Min", "P25", "Median", "P75", "P90", "Max", "RelativeError")
		// and the value win rate's interval, which needs the amounts
		ignoreV := cmpopts.IgnoreFields(funnel.MoneyRate{}, "Interval")
		if sk.WinRateValue.Interval.Defined {
			t.Error("a sketched report gives a value win rate interval")
		}
		if diff := cmp.Diff(exact, sk, ignore, ignoreD, ignoreV, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("sketch report differs beyond its percentiles:\n%s", diff)
		}
	}
}

// TestQuantileSketchMerge: in sketch mode the merge of any split encodes
// exactly as one pass, also through the encoding.
func TestQuantileSketchMerge(t *testing.T) {
	f := dealgen.Funnel()
	deals := dealgen.Generate(3000, 8, dealgen.Options{})
	s := scanOf(t, f, funnel.Options{Currency: "USD", QuantileError: 0.02, AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	want := encode(t, tallyOf(t, s, deals))
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		parts := make([][]funnel.Deal, 1+rng.IntN(5))
		for _, d := range deals {
			i := rng.IntN(len(parts))
			parts[i] = append(parts[i], d)
		}
		acc := funnel.NewTally(s)
		for _, p := range parts {
			var dec funnel.Tally
			if err := dec.UnmarshalBinary(encode(t, tallyOf(t, s, p))); err != nil {
				t.Fatal(err)
			}
			if err := acc.Merge(&dec); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(encode(t, acc), want) {
			t.Fatalf("merge of %d parts differs from one pass in sketch mode", len(parts))
		}
	}
	// a tally of another quantile mode does not merge
	other := funnel.NewTally(scanOf(t, f, funnel.Options{Currency: "USD", AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}))
	if err := other.Merge(tallyOf(t, s, deals[:10])); err == nil {
		t.Error("exact and sketch tallies merged")
	}
}

// streamDeals yields n deals like the generator's without holding them:
// for tallies of 10,000,000 deals.
func streamDeals(n int) iter.Seq[funnel.Deal] {
	return func(yield func(funnel.Deal) bool) {
		proto := dealgen.Generate(1000, 1, dealgen.Options{})
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range n {
			d := proto[i%len(proto)]
			d.ID = "S" + strconv.Itoa(i)
			d.Amount = decimal.New(50000+rng.Int64N(20000000), -2)
			if !yield(d) {
				return
			}
		}
	}
}

// BenchmarkSketchTally adds 1,000,000 and 10,000,000 deals to a tally in
// sketch mode and reports the heap the tally holds afterwards: it does not
// grow with the number of deals.
func BenchmarkSketchTally(b *testing.B) {
	f := dealgen.Funnel()
	for _, n := range []int{1_000_000, 10_000_000} {
		s, _ := funnel.NewScan(f, funnel.Options{Currency: "USD", QuantileError: 0.01, Workers: 1,
			AsOf: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)})
		b.Run(strconv.Itoa(n/1_000_000)+"M", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				t := funnel.NewTally(s)
				var peak uint64
				var ms runtime.MemStats
				stream := func(yield func(funnel.Deal) bool) {
					i := 0
					for d := range streamDeals(n) {
						if i%500_000 == 0 {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapAlloc)
						}
						i++
						if !yield(d) {
							return
						}
					}
				}
				if err := s.Run(stream, t); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(peak-before.HeapAlloc), "peak-heap-B")
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "tally-heap-B")
				enc, _ := t.MarshalBinary()
				b.ReportMetric(float64(len(enc)), "encoded-B")
				runtime.KeepAlive(t)
			}
		})
	}
}
