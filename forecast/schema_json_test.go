package forecast_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// styleCheck checks v's JSON against the schema definition def and through
// a JSON round trip (roundTripJSON).
func styleCheck[T any](t *testing.T, def string, v T) {
	t.Helper()
	checkSchema(t, def, v)
	roundTripJSON(t, v)
}

// checkModelSchema checks a model's JSON against the schema and decodes
// it back to a model with the same binary encoding and the same rates,
// samples and input.
func checkModelSchema(t *testing.T, m *forecast.Model) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	schematest.CheckJSON(t, "forecast_model", b)
	var back forecast.Model
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	want, _ := m.MarshalBinary()
	got, _ := back.MarshalBinary()
	if !bytes.Equal(want, got) {
		t.Errorf("the decoded model encodes differently")
	}
	type view struct {
		Stages    []forecast.StageRate
		Segments  []forecast.SegmentRates
		Input     funnel.Input
		AsOf      time.Time
		Level     float64
		TimeToWin []funnel.DurationSummary
	}
	of := func(m *forecast.Model) view {
		v := view{Stages: m.Stages(), Segments: m.Segments(), Input: m.Input(), AsOf: m.AsOf(), Level: m.Level()}
		for _, st := range v.Stages {
			v.TimeToWin = append(v.TimeToWin, m.TimeToWin(st.Stage))
		}
		return v
	}
	if diff := cmp.Diff(of(m), of(&back), cmpOpts...); diff != "" {
		t.Errorf("model JSON round trip differs (-before +after):\n%s", diff)
	}
	b2, _ := json.Marshal(&back)
	if !bytes.Equal(b, b2) {
		t.Errorf("model re-encoding differs:\n%s\n%s", b, b2)
	}
	for _, sg := range m.Segments() {
		styleCheck(t, "forecast_segment_rates", sg)
	}
}

// TestResultsMatchSchema builds every result of the learner, pipeline,
// forecast by period, quota, changes, backtest and velocity from the
// cross-check deals (with deals skipped for an unknown stage and deals
// created after the as-of time), from a few of them and from none, under
// two scans, and checks each against its schema definition and through a
// JSON round trip.
func TestResultsMatchSchema(t *testing.T) {
	mixed := mixedDeals(t, 200)
	inputs := map[string][]funnel.Deal{"mixed": mixed, "few": mixed[:6], "none": nil}
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	june, aug := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	model, err := forecast.Learn(scanOf(t, f, funnel.Options{AsOf: june, Mode: funnel.Lenient}), values(mixed),
		forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 3})
	if err != nil {
		t.Fatal(err)
	}
	given := map[funnel.Stage]decimal.Decimal{"Lead": dec("0.1"), "Qualified": dec("0.25"), "Proposal": dec("0.5")}
	var goals []forecast.Goal
	for _, o := range []string{"ana", "ben", ""} {
		for m := 6; m <= 10; m++ {
			goals = append(goals, forecast.Goal{Key: o, Start: time.Date(2024, time.Month(m), 3, 0, 0, 0, 0, time.UTC), Amount: decimal.NewFromInt(int64(900 * m))})
		}
	}
	pipelines := []forecast.Options{{}, {Probabilities: given}, {Model: model},
		{Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 4}, Since: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}}
	periods := []forecast.PeriodOptions{{}, {Options: forecast.Options{Probabilities: given}, Periods: 30}, {Options: forecast.Options{Model: model}, Periods: 2}}
	for si, s := range mergeScans(t) {
		for name, deals := range inputs {
			t.Run(name+" "+string(rune('a'+si)), func(t *testing.T) {
				run := func(a funnel.Accumulator) {
					t.Helper()
					if err := s.Run(slices.Values(deals), a); err != nil {
						t.Fatal(err)
					}
				}
				for _, o := range []forecast.LearnOptions{{}, {Segment: funnel.AttrOwner, MinSegment: 2}} {
					l, err := forecast.NewLearner(s, o)
					if err != nil {
						t.Fatal(err)
					}
					run(l)
					m, err := l.Model()
					if err != nil {
						t.Fatal(err)
					}
					checkModelSchema(t, m)
					for _, st := range m.Stages() {
						styleCheck(t, "forecast_stage_rate", st)
					}
				}
				for _, o := range pipelines {
					p, err := forecast.NewPipeline(s, o)
					if err != nil {
						t.Fatal(err)
					}
					run(p)
					r, err := p.Report()
					if err != nil {
						t.Fatal(err)
					}
					if name == "mixed" && (r.Input.Skipped.Count == 0 || r.Input.Future == 0) {
						t.Errorf("the mixed deals give no skipped or no future deal: %+v", r.Input)
					}
					styleCheck(t, "forecast_pipeline_report", r)
					for _, row := range r.Stages {
						styleCheck(t, "forecast_stage_row", row)
					}
					for _, row := range r.Categories {
						styleCheck(t, "forecast_category_row", row)
					}
				}
				for _, o := range periods {
					b, err := forecast.NewByPeriod(s, o)
					if err != nil {
						t.Fatal(err)
					}
					run(b)
					r, err := b.Report()
					if err != nil {
						t.Fatal(err)
					}
					styleCheck(t, "forecast_period_report", r)
					for _, row := range r.Rows {
						styleCheck(t, "forecast_period_row", row)
					}
				}
				for _, o := range []forecast.QuotaOptions{{Key: funnel.AttrOwner, Goals: goals}, {}} {
					q, err := forecast.NewQuota(s, o)
					if err != nil {
						t.Fatal(err)
					}
					run(q)
					r := q.Report()
					styleCheck(t, "forecast_quota_report", r)
					for _, row := range r.Rows {
						styleCheck(t, "forecast_quota_row", row)
					}
				}
				for _, o := range []forecast.ChangeOptions{{From: june, To: aug, Segment: funnel.AttrOwner}, {From: june, To: june.Add(time.Second)}} {
					c, err := forecast.NewChanges(s, o)
					if err != nil {
						t.Fatal(err)
					}
					run(c)
					r := c.Report()
					styleCheck(t, "forecast_changes_report", r)
					for _, row := range r.Rows {
						styleCheck(t, "forecast_change_row", row)
					}
					for _, row := range r.Counts {
						styleCheck(t, "forecast_change_count", row)
					}
				}
				for _, o := range []forecast.BacktestOptions{
					{Cutoffs: []time.Time{june, time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)}, Horizon: 60 * 24 * time.Hour,
						Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 2}, Buckets: 5},
					{Cutoffs: []time.Time{time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}},
				} {
					b, err := forecast.NewBacktest(s, o)
					if err != nil {
						t.Fatal(err)
					}
					run(b)
					r, err := b.Report()
					if err != nil {
						t.Fatal(err)
					}
					styleCheck(t, "forecast_backtest_report", r)
					for _, c := range r.Cutoffs {
						styleCheck(t, "forecast_cutoff", c)
					}
				}
				rep, err := funnel.Compute(f, slices.Values(deals), s.Options())
				if err != nil {
					t.Fatal(err)
				}
				in := forecast.VelocityOf(rep)
				styleCheck(t, "forecast_velocity_inputs", in)
				for _, to := range []forecast.VelocityInputs{in, vin(20, 1, 2, "500", 10), vin(0, 0, 0, "0", 0)} {
					if c, ok := forecast.Decompose(in, to); ok {
						styleCheck(t, "forecast_velocity_change", c)
					}
				}
			})
		}
	}
	c, ok := forecast.Decompose(vin(10, 1, 4, "1000", 20), vin(20, 1, 2, "500", 10))
	if !ok {
		t.Fatal("no decomposition")
	}
	styleCheck(t, "forecast_velocity_change", c)
}

// TestModelValueEncodesEmpty documents that Model's MarshalJSON has a
// pointer receiver: a Model value, not a pointer, encodes as {}.
func TestModelValueEncodesEmpty(t *testing.T) {
	m, err := forecast.Learn(scanOf(t, mustFunnel(t, "A"), funnel.Options{}), values(nil), forecast.LearnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(*m)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) == "{}" {
		t.Error("a Model value encodes to {}")
	}
	schematest.CheckJSON(t, "forecast_model", b)
}
