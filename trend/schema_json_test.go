package trend

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// styleRoundTrip checks v's JSON against the schema definition def, decodes
// it into a new value of v's type, requires that equal to v and that it
// encodes to the same bytes again.
func styleRoundTrip[T any](t *testing.T, def string, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", def, err)
	}
	schematest.CheckJSON(t, def, b)
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: decoding %s: %v", def, b, err)
	}
	if diff := cmp.Diff(v, back, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("%s: JSON round trip differs (-before +after):\n%s", def, diff)
	}
	if b2, err := json.Marshal(back); err != nil || !bytes.Equal(b, b2) {
		t.Errorf("%s: re-encoding differs (%v):\n%s\n%s", def, err, b, b2)
	}
}

// checkSeriesSchema checks a series, its rows and the values of every
// metric (every kind of test: counts, rates, amounts, durations, untested
// totals), with the step conversion into stage and into won.
func checkSeriesSchema(t *testing.T, r Report, stage funnel.Stage) {
	t.Helper()
	styleRoundTrip(t, "trend_report", r)
	for _, row := range r.Periods[:min(2, len(r.Periods))] { // the report holds them all
		styleRoundTrip(t, "trend_row", row)
	}
	for _, m := range []Metric{Deals, Won, Lost, WinRate, WinRateCreated, WonAmount, DealSize, Pipeline, CycleWon, StepInto(stage), StepInto("won")} {
		v, err := r.Metric(m)
		if err != nil {
			t.Fatalf("metric %s: %v", m, err)
		}
		styleRoundTrip(t, "trend_values", v)
		for _, p := range v.Points[:min(3, len(v.Points))] { // the values hold them all
			schematest.Check(t, "trend_point", p)
			styleRoundTrip(t, "trend_change", p.Previous)
			styleRoundTrip(t, "trend_value", p.Value)
		}
	}
}

// checkCurveSchema checks a curve, its steps and quantiles across [0, 1].
func checkCurveSchema(t *testing.T, c Curve) {
	t.Helper()
	styleRoundTrip(t, "trend_curve", c)
	for _, st := range c.Steps {
		styleRoundTrip(t, "trend_step", st)
	}
	for _, p := range []float64{0, 0.1, 0.5, 0.9, 1} {
		q, err := c.Quantile(p)
		if err != nil {
			t.Fatal(err)
		}
		styleRoundTrip(t, "trend_quantile", q)
	}
}

// TestResultsMatchSchema builds every result type of the series, cohort
// and survival accumulators from generated deals (with invalid deals,
// deals created after the as-of time and undated ones), from a few deals
// worked by hand and from no deals, and checks each against its schema
// definition and through a JSON round trip.
func TestResultsMatchSchema(t *testing.T) {
	generated := propDeals(300, 8, true)
	hand := handDeals()
	hand = append(hand, funnel.Deal{ID: "bad", Stage: "Nowhere", Created: day(1)})
	handScan := mustScan(t, mustFunnel(t, "A", "B", "C"), funnel.Options{Mode: funnel.Lenient, AsOf: day(12), Period: funnel.Day})
	type input struct {
		name  string
		s     *funnel.Scan
		deals []funnel.Deal
		stage funnel.Stage // a stage of the scan's funnel past the first
		from  time.Time    // the first period of a bounded series
	}
	var inputs []input
	for i, s := range propScans(t) {
		n := fmt.Sprint(i)
		from := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		inputs = append(inputs, input{"generated " + n, s, generated, "Proposal", from}, input{"empty " + n, s, nil, "Proposal", from})
	}
	inputs = append(inputs, input{"hand", handScan, hand, "B", day(-2)}, input{"hand empty", handScan, nil, "B", day(-2)})
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			series := []Options{{}, {Basis: Closed, From: in.from, To: in.from.AddDate(0, 0, 20)}}
			for _, o := range series {
				a, err := NewSeries(in.s, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := in.s.Run(slices.Values(in.deals), a); err != nil {
					t.Fatal(err)
				}
				r, err := a.Report()
				if err != nil {
					t.Fatal(err)
				}
				checkSeriesSchema(t, r, in.stage)
			}
			for _, o := range []CohortOptions{{}, {MaxAge: 2}} {
				c, err := NewCohorts(in.s, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := in.s.Run(slices.Values(in.deals), c); err != nil {
					t.Fatal(err)
				}
				tb, err := c.Table()
				if err != nil {
					t.Fatal(err)
				}
				styleRoundTrip(t, "trend_table", tb)
			}
			for _, o := range []SurvivalOptions{{}, {Measure: TimeToWin}, {Measure: TimeInStage, Stage: in.stage}} {
				sv, err := NewSurvival(in.s, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := in.s.Run(slices.Values(in.deals), sv); err != nil {
					t.Fatal(err)
				}
				checkCurveSchema(t, sv.Curve())
			}
		})
	}
}

// TestSchemaRejectsDrift checks that the definitions of the series, the
// values and the curve catch a renamed key, a null list, an enum by
// number and a float amount.
func TestSchemaRejectsDrift(t *testing.T) {
	s := propScans(t)[1]
	a, _ := NewSeries(s, Options{})
	_ = s.Run(slices.Values(propDeals(120, 3, true)), a)
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	v, err := r.Metric(DealSize)
	if err != nil {
		t.Fatal(err)
	}
	sv, _ := NewSurvival(s, SurvivalOptions{})
	_ = s.Run(slices.Values(propDeals(120, 3, true)), sv)
	for _, c := range []struct {
		def  string
		v    any
		edit func(m map[string]any)
	}{
		{"trend_report", r, func(m map[string]any) { m["Periods"] = m["periods"]; delete(m, "periods") }},
		{"trend_report", r, func(m map[string]any) { m["periods"] = nil }},
		{"trend_report", r, func(m map[string]any) { m["basis"] = 0 }},
		{"trend_values", v, func(m map[string]any) { m["metric"] = "win rate" }},
		{"trend_values", v, func(m map[string]any) {
			m["points"].([]any)[0].(map[string]any)["value"].(map[string]any)["number"] = 12.5
		}},
		{"trend_curve", sv.Curve(), func(m map[string]any) { m["measure"] = "time-to-win" }},
		{"trend_curve", sv.Curve(), func(m map[string]any) { m["steps"].([]any)[0].(map[string]any)["at"] = "1h" }},
	} {
		b, _ := json.Marshal(c.v)
		if err := schematest.Validate(c.def, b); err != nil {
			t.Fatalf("%s does not validate: %v", c.def, err)
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		c.edit(m)
		bad, _ := json.Marshal(m)
		if schematest.Validate(c.def, bad) == nil {
			t.Errorf("%s accepts %s", c.def, bad)
		}
	}
}

// TestRateValuesCarryTheirRate checks that every value of a rate metric
// carries its rate in JSON, as every rate of a result does (with its
// counts, value and interval, value and interval null for 0/0).
func TestRateValuesCarryTheirRate(t *testing.T) {
	s := propScans(t)[1]
	a, _ := NewSeries(s, Options{})
	if err := s.Run(slices.Values(propDeals(300, 8, true)), a); err != nil {
		t.Fatal(err)
	}
	r, err := a.Report()
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, m := range []Metric{WinRate, WinRateCreated, StepInto("Proposal")} {
		v, err := r.Metric(m)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range v.Points {
			b, _ := json.Marshal(p.Value)
			var keys map[string]json.RawMessage
			_ = json.Unmarshal(b, &keys)
			if _, ok := keys["rate"]; !ok {
				missing = append(missing, fmt.Sprintf("%s %s: %s", m, p.Label, b))
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("a rate metric's value has no \"rate\": %d values:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
