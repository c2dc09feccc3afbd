package attribution_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/shopspring/decimal"
)

// genJourneys returns n journeys of 1..maxTouches touches over the given
// number of channels (and twice as many campaigns), from a fixed seed.
// About 30% create an opportunity and half of those convert.
func genJourneys(seed uint64, n, maxTouches, channels int) []attribution.Journey {
	r := rand.New(rand.NewPCG(seed, 7))
	chans := make([]string, channels)
	camps := make([]string, 2*channels)
	for i := range chans {
		chans[i] = fmt.Sprintf("ch%02d", i)
	}
	for i := range camps {
		camps[i] = fmt.Sprintf("cmp%02d", i)
	}
	t0 := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	js := make([]attribution.Journey, n)
	for i := range js {
		k := 1 + r.IntN(maxTouches)
		ts := make([]attribution.Touch, k)
		at := t0.Add(time.Duration(r.IntN(90*24)) * time.Hour)
		for t := range ts {
			c := r.IntN(channels)
			ts[t] = attribution.Touch{Campaign: camps[2*c+r.IntN(2)], Channel: chans[c], At: at}
			at = at.Add(time.Duration(1+r.IntN(72)) * time.Hour)
		}
		j := attribution.Journey{ID: fmt.Sprintf("d%06d", i), Touches: ts}
		if r.IntN(10) < 3 {
			j.Opportunity = true
			j.OpportunityAt = ts[r.IntN(k)].At
			j.Pipeline = decimal.New(int64(1000+r.IntN(99000)), -1)
			if r.IntN(2) == 0 {
				j.Converted = true
				j.Revenue = j.Pipeline
			}
		}
		js[i] = j
	}
	return js
}

// BenchmarkAttribute attributes 100,000 journeys of up to 10 touches over
// 12 channels (the target: Markov and linear under 1 s on one
// core; run with -cpu 1).
func BenchmarkAttribute(b *testing.B) {
	js := genJourneys(1, 100_000, 10, 12)
	for _, m := range attribution.Models() {
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := attribution.Attribute(slices.Values(js), m, attribution.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMarkovOrder2 attributes 100,000 journeys over 12 channels with
// a second-order chain (up to 157 states).
func BenchmarkMarkovOrder2(b *testing.B) {
	js := genJourneys(1, 100_000, 10, 12)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attribution.Attribute(slices.Values(js), attribution.Markov, attribution.Options{MarkovOrder: 2}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarkovStateLimit is a chain at the state limit: 999 keys, one
// state each, plus the start state.
func BenchmarkMarkovStateLimit(b *testing.B) {
	js := genJourneys(2, 20_000, 3, attribution.MaxMarkovStates-1)
	for i := range js {
		js[i].Touches = js[i].Touches[:1]
	}
	for i := range attribution.MaxMarkovStates - 1 { // every channel at least once
		js[i].Touches = []attribution.Touch{{Channel: fmt.Sprintf("ch%02d", i)}}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attribution.Attribute(slices.Values(js), attribution.Markov, attribution.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMarkovOrder3 is a dense third-order chain: 100,000 journeys
// over 9 channels give 820 states.
func BenchmarkMarkovOrder3(b *testing.B) {
	js := genJourneys(4, 100_000, 10, 9)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attribution.Attribute(slices.Values(js), attribution.Markov, attribution.Options{MarkovOrder: 3}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkShapleyKeyLimit is Shapley at MaxShapleyKeys keys.
func BenchmarkShapleyKeyLimit(b *testing.B) {
	js := genJourneys(3, 20_000, 5, attribution.MaxShapleyKeys)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attribution.Attribute(slices.Values(js), attribution.Shapley, attribution.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMerge merges two accumulators of 50,000 journeys each (by
// campaign, 24 keys) into a fresh one.
func BenchmarkMerge(b *testing.B) {
	js := genJourneys(5, 100_000, 10, 12)
	for _, m := range []attribution.Model{attribution.Linear, attribution.Markov, attribution.Shapley} {
		opts := attribution.Options{By: attribution.ByCampaign}
		if m == attribution.Shapley {
			opts.By = attribution.ByChannel
		}
		parts := make([]*attribution.Accumulator, 2)
		for p := range parts {
			parts[p], _ = attribution.NewAccumulator(m, opts)
			for _, j := range js[p*50_000 : (p+1)*50_000] {
				if err := parts[p].Add(j); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.Run(m.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, _ := attribution.NewAccumulator(m, opts)
				for _, p := range parts {
					if err := a.Merge(p); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

// BenchmarkROI joins a 24-campaign attribution with three months of costs.
func BenchmarkROI(b *testing.B) {
	js := genJourneys(6, 10_000, 10, 12)
	r, err := attribution.Attribute(slices.Values(js), attribution.Linear, attribution.Options{By: attribution.ByCampaign})
	if err != nil {
		b.Fatal(err)
	}
	var costs []attribution.CampaignCost
	for _, k := range r.Keys {
		for _, p := range []string{"2024-01", "2024-02", "2024-03"} {
			costs = append(costs, attribution.CampaignCost{Campaign: k.Key, Period: p, Amount: decimal.New(125_000, -2)})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attribution.ROI(r, costs); err != nil {
			b.Fatal(err)
		}
	}
}
