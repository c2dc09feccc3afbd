package forecast_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
)

// fuzzDecoder seeds a fuzz target with the encodings of accumulators of
// one kind (built over a few deals) and their truncations, and checks that
// decoding never panics, that what decodes re-encodes to the same bytes,
// and that a decoded accumulator reports, merges and goes on.
func fuzzDecoder(f *testing.F, kinds ...string) {
	deals := mixedDeals(f, 40)
	s := mergeScans(f)[0]
	var cases []accCase
	for _, c := range accCases(f, deals) {
		for _, k := range kinds {
			if strings.HasPrefix(c.name, k) {
				cases = append(cases, c)
			}
		}
	}
	for _, c := range cases {
		for _, n := range []int{0, 1, 7, 40} {
			b := encodeAcc(f, build(f, c, s, deals[:n]))
			f.Add(b)
			f.Add(b[:len(b)/2])
			f.Add(b[:len(b)-1])
		}
	}
	f.Add([]byte("FNL"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range cases {
			z := c.zero()
			if err := z.UnmarshalBinary(data); err != nil {
				if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
					t.Fatalf("%s: error %v wraps neither ErrInvalidParam nor ErrIncompatible", c.name, err)
				}
				continue
			}
			again, err := z.MarshalBinary()
			if err != nil || !bytes.Equal(again, data) {
				t.Fatalf("%s: decode(encode) re-encodes differently (%v)", c.name, err)
			}
			_, _ = c.result(z)
			fresh := z.Fresh()
			if err := fresh.Merge(z); err != nil {
				t.Fatalf("%s: merging a decoded accumulator: %v", c.name, err)
			}
			_ = z.Scan().Add(deals[0], z)
			_, _ = c.result(z)
		}
	})
}

func FuzzLearnerDecode(f *testing.F)  { fuzzDecoder(f, "learner") }
func FuzzPipelineDecode(f *testing.F) { fuzzDecoder(f, "pipeline") }
func FuzzByPeriodDecode(f *testing.F) { fuzzDecoder(f, "by period") }
func FuzzQuotaDecode(f *testing.F)    { fuzzDecoder(f, "quota") }
func FuzzChangesDecode(f *testing.F)  { fuzzDecoder(f, "changes") }
func FuzzBacktestDecode(f *testing.F) { fuzzDecoder(f, "backtest") }

// FuzzModelDecode checks the model's binary and JSON decoders: no panic,
// and what decodes encodes back to the same bytes (binary) or to a model
// that encodes alike (JSON).
func FuzzModelDecode(f *testing.F) {
	fn := mustFunnel(f, "Lead", "Qualified", "Proposal", "Negotiation")
	deals := mixedDeals(f, 60)
	for _, opts := range []forecast.LearnOptions{{}, {Segment: funnel.AttrOwner, MinSegment: 1}} {
		m, err := forecast.Learn(scanOf(f, fn, funnel.Options{Mode: funnel.Lenient, AsOf: crossAsOf}), values(deals), opts)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := m.MarshalBinary()
		js, _ := m.MarshalJSON()
		f.Add(b, false)
		f.Add(b[:len(b)-3], false)
		f.Add(js, true)
		f.Add(js[:len(js)/2], true)
	}
	f.Fuzz(func(t *testing.T, data []byte, isJSON bool) {
		var m forecast.Model
		if isJSON {
			if err := m.UnmarshalJSON(data); err != nil {
				return
			}
			b, err := m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var back forecast.Model
			js, _ := m.MarshalJSON()
			if err := back.UnmarshalJSON(js); err != nil {
				t.Fatalf("re-decoding %s: %v", js, err)
			}
			if b2, _ := back.MarshalBinary(); !bytes.Equal(b, b2) {
				t.Fatal("JSON round trip changes the model")
			}
			return
		}
		if err := m.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("error %v does not wrap ErrInvalidParam", err)
			}
			return
		}
		if b, _ := m.MarshalBinary(); !bytes.Equal(b, data) {
			t.Fatal("decode(encode) re-encodes differently")
		}
		var sb strings.Builder
		_ = m.WriteText(&sb)
		for _, r := range m.Stages() {
			_, _ = m.Rate(r.Stage, "x")
			_ = m.TimeToWin(r.Stage)
		}
	})
}

// FuzzParseCategory checks that ParseCategory never panics, fails only
// with ErrUnknownCategory, and that a category's text form parses back
// to it.
func FuzzParseCategory(f *testing.F) {
	for _, s := range []string{"Pipeline", "Best Case", "BEST_CASE", "best-case", "Commit", "Forecast", "Closed", "Closed Won", "Omitted", "OMIT",
		"Not forecasted", "", " ", "bogus", strings.Repeat("a", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := forecast.ParseCategory(s)
		if err != nil {
			if !errors.Is(err, forecast.ErrUnknownCategory) || len(err.Error()) > 400 {
				t.Fatalf("ParseCategory(%q) error %v", s, err)
			}
		} else {
			b, err := c.MarshalText()
			if err != nil {
				t.Fatal(err)
			}
			var back forecast.Category
			if err := back.UnmarshalText(b); err != nil || back != c {
				t.Fatalf("text round trip of %v: %v, %v", c, back, err)
			}
			if again, err := forecast.ParseCategory(string(b)); err != nil || again != c {
				t.Fatalf("ParseCategory(%q) = %v, %v; want %v", b, again, err, c)
			}
		}
		var cat forecast.Category
		if err := cat.UnmarshalText([]byte(s)); err == nil {
			if b, _ := cat.MarshalText(); string(b) != s {
				t.Fatalf("UnmarshalText(%q) then MarshalText = %q", s, b)
			}
		}
		var ch forecast.Change
		if err := ch.UnmarshalText([]byte(s)); err == nil {
			if b, _ := ch.MarshalText(); string(b) != s {
				t.Fatalf("Change text %q round trips to %q", s, b)
			}
		}
		var src forecast.Source
		if err := src.UnmarshalText([]byte(s)); err == nil {
			if b, _ := src.MarshalText(); string(b) != s {
				t.Fatalf("Source text %q round trips to %q", s, b)
			}
		}
	})
}

// FuzzPipelineInvariants checks, on fuzzed deals, that the pipeline and
// the forecast by period never fail in lenient mode, that the weighted
// pipeline lies within its band and the open amount, that the roll-up and
// the stage rows add up, and that the periods add up to the weighted
// pipeline exactly.
func FuzzPipelineInvariants(f *testing.F) {
	f.Add(uint64(1), uint16(50), int16(200), uint8(3), "commit")
	f.Add(uint64(2), uint16(0), int16(0), uint8(0), "")
	f.Add(uint64(3), uint16(600), int16(-5), uint8(9), "bogus")
	f.Fuzz(func(t *testing.T, seed uint64, n uint16, asOfDays int16, bad uint8, cat string) {
		stages := []funnel.Stage{"A", "B", "C"}
		fn := mustFunnel(t, stages...)
		deals := markovDeals(int(n%700), seed, stages, []float64{0.6, 0.5, 0.7}, t0, 200*24*time.Hour)
		for i := range deals {
			switch i % 5 {
			case 0:
				deals[i].Category = cat
			case 1:
				deals[i].ExpectedClose = deals[i].Created.Add(time.Duration(seed%9000) * time.Hour)
			case 2:
				deals[i].Probability = prob("0.35")
			}
		}
		for i := range int(bad % 4) {
			deals = append(deals, funnel.Deal{ID: "bad" + string(rune('a'+i)), Stage: "Z"})
		}
		asOf := t0.Add(time.Duration(asOfDays) * 24 * time.Hour)
		s := scanOf(t, fn, funnel.Options{AsOf: asOf, Mode: funnel.Lenient})
		p, err := forecast.Weighted(s, values(deals), forecast.Options{})
		if err != nil {
			t.Fatal(err)
		}
		bp, err := forecast.Expected(s, values(deals), forecast.PeriodOptions{Periods: 3})
		if err != nil {
			t.Fatal(err)
		}
		if p.WeightedLo.GreaterThan(p.Weighted) || p.Weighted.GreaterThan(p.WeightedHi) || p.WeightedHi.GreaterThan(p.OpenAmount) || p.Weighted.Sign() < 0 {
			t.Fatalf("weighted %v not within [%v, %v] or above open %v", p.Weighted, p.WeightedLo, p.WeightedHi, p.OpenAmount)
		}
		var cats, rows = p.Categories[0].Weighted, p.Stages[0].Weighted.Sub(p.Stages[0].Weighted)
		for _, c := range p.Categories[1:] {
			cats = cats.Add(c.Weighted)
		}
		for _, r := range p.Stages {
			rows = rows.Add(r.Weighted)
		}
		if !cats.Equal(p.Weighted.Add(p.Categories[0].Weighted)) || !rows.Equal(p.Weighted) {
			t.Fatalf("categories add to %v, rows to %v, weighted %v", cats, rows, p.Weighted)
		}
		if !bp.Expected.Equal(p.Weighted) {
			t.Fatalf("by period %v, pipeline %v", bp.Expected, p.Weighted)
		}
		if in := p.Input; in.Read != int64(len(deals)) || in.Read != in.Counted+in.Future+in.Skipped.Count {
			t.Fatalf("input %+v of %d deals", in, len(deals))
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzWaterfallDecode(f *testing.F) { fuzzDecoder(f, "waterfall") }
func FuzzRiskDecode(f *testing.F)      { fuzzDecoder(f, "risk") }
func FuzzRangeDecode(f *testing.F)     { fuzzDecoder(f, "range") }
func FuzzScoringDecode(f *testing.F)   { fuzzDecoder(f, "scoring") }
func FuzzAccuracyDecode(f *testing.F)  { fuzzDecoder(f, "accuracy") }
