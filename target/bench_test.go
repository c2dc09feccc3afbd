package target_test

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/target"
)

var (
	benchOnce  sync.Once
	benchDeals []funnel.Deal
)

// benchSet returns 200,000 generated deals created over 2024.
func benchSet() []funnel.Deal {
	benchOnce.Do(func() { benchDeals = dealgen.Generate(200_000, 1, dealgen.Options{}) })
	return benchDeals
}

// BenchmarkRank measures a bottleneck analysis with stalls and targets
// over 200,000 deals, its ranking included, serially and on 2 workers;
// and, for comparison, a tally alone (the analysis' core).
func BenchmarkRank(b *testing.B) {
	deals := benchSet()
	asOf := time.Date(2024, time.October, 1, 0, 0, 0, 0, time.UTC)
	for _, w := range []struct {
		name    string
		workers int
	}{{"serial", 1}, {"workers2", 2}} {
		s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{AsOf: asOf, Currency: "USD", Workers: w.workers})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(w.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := target.Rank(s, values(deals), target.Options{Targets: genTargets(), StallAfter: 30 * dayLen}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(w.name+"/tally", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				t := funnel.NewTally(s)
				if err := s.Run(values(deals), t); err != nil {
					b.Fatal(err)
				}
				_ = t.Report()
			}
		})
	}
}

// BenchmarkEncoding measures the binary encoding and decoding of an
// analysis of 200,000 deals.
func BenchmarkEncoding(b *testing.B) {
	s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{AsOf: time.Date(2024, time.October, 1, 0, 0, 0, 0, time.UTC), Currency: "USD"})
	if err != nil {
		b.Fatal(err)
	}
	a, _ := target.NewBottleneck(s, target.Options{Targets: genTargets(), StallAfter: 30 * dayLen})
	if err := s.Run(values(benchSet()), a); err != nil {
		b.Fatal(err)
	}
	data, _ := a.MarshalBinary()
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := a.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var d target.Bottleneck
			if err := d.UnmarshalBinary(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkParse measures parsing a set of 1,000 targets.
func BenchmarkParse(b *testing.B) {
	set := target.Set{Name: "big"}
	for i := range 1000 {
		set.Targets = append(set.Targets, target.Target{Metric: target.StepConversion, Stage: "Qualified",
			Segment: "seg" + string(rune('a'+i%26)), Value: dec("0.5")})
	}
	doc, _ := json.Marshal(set)
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := target.Parse(bytes.NewReader(doc)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate measures evaluating a report against a set.
func BenchmarkEvaluate(b *testing.B) {
	r, err := funnel.Compute(mustFunnel(b, "A", "B", "C"), values(handDeals()), funnel.Options{AsOf: day(20)})
	if err != nil {
		b.Fatal(err)
	}
	set := handTargets()[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Evaluate(r, "", time.Time{}, funnel.Test{}); err != nil {
			b.Fatal(err)
		}
	}
}
