package funnel

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// FuzzParseTargetSet checks that parsing never panics, that what parses
// validates, and that it survives a JSON round trip unchanged.
func FuzzParseTargetSet(f *testing.F) {
	f.Add(`{"name": "x", "targets": [{"metric": "win_rate", "bound": "at_least", "value": "0.2"}]}`)
	f.Add(`{"name": "p", "source": "s", "benchmark": true, "targets": [{"metric": "step_conversion", "stage": "B", "segment": "EMEA", "period": "2024-01-01T00:00:00Z", "bound": "at_most", "value": 0.5}]}`)
	f.Add(`{"targets": [{"metric": "cycle_days", "value": "-1"}]}`)
	f.Add(`{"targets": [{"metric": "happiness"}]}`)
	f.Add(`{"name": 1}`)
	f.Add(`{} {}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, doc string) {
		s, err := ParseTargetSet(strings.NewReader(doc))
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) || !errors.Is(err, ErrInvalidTarget) {
				t.Fatalf("ParseTargetSet(%q) error %v is not a TargetError wrapping ErrInvalidTarget", doc, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("parsed set does not validate: %v", err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := ParseTargetSet(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("ParseTargetSet(Marshal(%q)) = %v", doc, err)
		}
		if diff := cmp.Diff(s, back); diff != "" {
			t.Fatalf("round trip mismatch (-first +second):\n%s", diff)
		}
	})
}

// FuzzPipelineSnapshot checks that a snapshot of a valid deal is valid,
// that taking it twice changes nothing, that a deal does not exist before
// its start, and that a snapshot after every date of the deal is the deal.
func FuzzPipelineSnapshot(f *testing.F) {
	f.Add(int64(1), int64(100), uint8(1), "A,B,C", "1,20,50", int64(30))
	f.Add(int64(0), int64(0), uint8(0), "B,A", "5,", int64(3))
	f.Add(int64(10), int64(10), uint8(2), "C", "10", int64(10))
	f.Fuzz(func(t *testing.T, created, closed int64, outcome uint8, stages, offsets string, asOf int64) {
		fn, _ := New("A", "B", "C")
		hour := func(n int64) time.Time { return t0.Add(time.Duration(n%10000) * time.Hour) }
		d := Deal{ID: "d", Outcome: Outcome(outcome % 3), Amount: decimal.NewFromInt(1)}
		if created != 0 {
			d.Created = hour(created)
		}
		if closed != 0 {
			d.Closed = hour(closed)
		}
		ss, os := split(stages), split(offsets)
		for i, s := range ss {
			var at time.Time
			if i < len(os) && os[i] != "" {
				n := int64(0)
				for _, c := range os[i] {
					n = n*10 + int64(c)%10
				}
				at = hour(n)
			}
			d.History = append(d.History, StageChange{Stage(s), at})
		}
		if len(ss) > 0 {
			d.Stage = Stage(ss[len(ss)-1])
		}
		if d.Validate(fn) != nil {
			return
		}
		a := hour(asOf)
		s, ok := PipelineSnapshot(d, a)
		if !ok {
			if !d.Created.IsZero() && !a.Before(d.Created) {
				t.Fatalf("deal created %v does not exist at %v", d.Created, a)
			}
			return
		}
		if err := s.Validate(fn); err != nil {
			t.Fatalf("snapshot of %+v at %v = %+v does not validate: %v", d, a, s, err)
		}
		if s.Outcome != Open && s.Closed.After(a) {
			t.Fatalf("snapshot closed after as-of: %+v", s)
		}
		s2, ok2 := PipelineSnapshot(s, a)
		if !ok2 || !cmp.Equal(s, s2) {
			t.Fatalf("snapshot not idempotent: %+v then %+v", s, s2)
		}
		if late, _ := PipelineSnapshot(d, hour(9999).Add(100000*time.Hour)); !cmp.Equal(late, d) {
			t.Fatalf("snapshot after every date = %+v, want the deal %+v", late, d)
		}
	})
}

// FuzzKaplanMeier checks the curve's invariants on fuzzed durations: it
// starts at 1 and never rises, stays within [0, 1] with Lo <= S <= Hi, has
// no NaN, and its counts add up.
func FuzzKaplanMeier(f *testing.F) {
	f.Add([]byte{1, 1, 3, 0, 3, 1, 5, 1})
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 1, 255, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s SurvivalData
		var events int64
		for i := 0; i+1 < len(b); i += 2 {
			ev := b[i+1]%2 == 1
			s.Add(time.Duration(b[i])*time.Hour, ev)
			if ev {
				events++
			}
		}
		c, err := s.Curve(0.95)
		if err != nil {
			t.Fatal(err)
		}
		if c.N != s.Count() || c.Events != events || c.Events+c.Censored != c.N {
			t.Fatalf("counts: N %d events %d censored %d, want N %d events %d", c.N, c.Events, c.Censored, s.Count(), events)
		}
		prev := 1.0
		atRisk := c.N
		for _, p := range c.Points {
			for _, v := range []float64{p.Survival, p.Lo, p.Hi} {
				if math.IsNaN(v) || v < 0 || v > 1 {
					t.Fatalf("point %+v outside [0, 1]", p)
				}
			}
			if p.Survival > prev+1e-15 || p.Lo > p.Survival+1e-12 || p.Hi < p.Survival-1e-12 {
				t.Fatalf("point %+v: rises from %v or bounds out of order", p, prev)
			}
			if p.AtRisk != atRisk {
				t.Fatalf("point %+v: at risk %d, want %d", p, p.AtRisk, atRisk)
			}
			atRisk -= p.Events + p.Censored
			prev = p.Survival
		}
		if m, ok := c.Quantile(0.5); ok && c.At(m) > 0.5+1e-12 {
			t.Fatalf("median %v has S = %v", m, c.At(m))
		}
	})
}

// FuzzForecastInvariants checks, on generated deals mixed with invalid
// ones, that the forecast never fails in lenient mode, that the weighted
// pipeline lies between its bounds and within the open amount, that the
// category roll-up adds up, and that the forecast by period spreads
// exactly the weighted pipeline (up to the rounding of its shares).
func FuzzForecastInvariants(f *testing.F) {
	f.Add(uint64(1), uint8(50), int16(200), uint8(3))
	f.Add(uint64(2), uint8(0), int16(0), uint8(0))
	f.Add(uint64(3), uint8(255), int16(-5), uint8(9))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8, asOfDays int16, bad uint8) {
		stages := []Stage{"A", "B", "C"}
		fn, _ := New(stages...)
		deals := markovDeals(int(n), seed, stages, []float64{0.6, 0.5, 0.7}, t0, 200*24*time.Hour)
		for i := range int(bad % 4) {
			deals = append(deals, Deal{ID: "bad" + string(rune('a'+i)), Stage: "Z"})
		}
		asOf := t0.Add(time.Duration(asOfDays) * 24 * time.Hour)
		res, err := Forecast(fn, slices.Values(deals), ForecastOptions{AsOf: asOf, Mode: Lenient})
		if err != nil {
			t.Fatal(err)
		}
		var open decimal.Decimal
		for _, d := range deals {
			if s, ok := PipelineSnapshot(d, asOf); ok && s.Outcome == Open && s.Validate(fn) == nil {
				open = open.Add(s.Amount)
			}
		}
		if res.WeightedLo.GreaterThan(res.Weighted) || res.Weighted.GreaterThan(res.WeightedHi) || res.WeightedHi.GreaterThan(open) || res.Weighted.Sign() < 0 {
			t.Fatalf("weighted %v not within [%v, %v] or above open %v", res.Weighted, res.WeightedLo, res.WeightedHi, open)
		}
		var sum decimal.Decimal
		for _, c := range res.Categories[1:4] {
			sum = sum.Add(c.Weighted)
		}
		if !sum.Equal(res.Weighted) || !res.Categories[3].CumulativeWeighted.Equal(sum.Add(res.Categories[0].Weighted)) {
			t.Fatalf("categories add to %v (cumulative %v), weighted %v", sum, res.Categories[3].CumulativeWeighted, res.Weighted)
		}
		if res.Skipped != int64(bad%4) {
			t.Fatalf("skipped %d, want %d", res.Skipped, bad%4)
		}
		byp, err := ForecastByPeriod(fn, slices.Values(deals), ForecastPeriodOptions{ForecastOptions: ForecastOptions{AsOf: asOf, Mode: Lenient}, Periods: 3})
		if err != nil {
			t.Fatal(err)
		}
		total := byp.Later.Add(byp.UntimedExpected)
		for _, r := range byp.Rows {
			total = total.Add(r.Expected)
		}
		// each deal's shares are rounded to 10 places: at most 4 shares
		// of a half unit each per deal
		tol := decimal.New(int64(4*len(deals)+1), -10)
		if total.Sub(res.Weighted).Abs().GreaterThan(tol) {
			t.Fatalf("by period sums to %v, weighted pipeline %v", total, res.Weighted)
		}
	})
}
