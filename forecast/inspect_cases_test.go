package forecast_test

import (
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/shopspring/decimal"
)

// inspectCases are the accumulators of pipeline inspection and planning
// for the property tests of merge_test.go (over the cross-check deals, as
// of 15 September 2024).
func inspectCases(t testing.TB) []accCase {
	may, aug := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)
	sep := time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)
	waterfall := func(o forecast.WaterfallOptions) func(s *funnel.Scan) (funnel.Accumulator, error) {
		return func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewWaterfall(s, o) }
	}
	waterfallRes := func(a funnel.Accumulator) (any, error) { return a.(*forecast.Waterfall).Report() }
	risk := func(o forecast.RiskOptions) func(s *funnel.Scan) (funnel.Accumulator, error) {
		return func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewRisk(s, o) }
	}
	riskRes := func(a funnel.Accumulator) (any, error) { return a.(*forecast.Risk).Report(), nil }
	rng := func(o forecast.RangeOptions) func(s *funnel.Scan) (funnel.Accumulator, error) {
		return func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewRange(s, o) }
	}
	rangeRes := func(a funnel.Accumulator) (any, error) { return a.(*forecast.Range).Report() }
	scoring := func(o forecast.ScoringOptions) func(s *funnel.Scan) (funnel.Accumulator, error) {
		return func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewScoring(s, o) }
	}
	scoringRes := func(a funnel.Accumulator) (any, error) { return a.(*forecast.Scoring).Report() }
	var calls []forecast.Call
	for i, o := range []string{"ana", "ben", "chen", "ana"} {
		for m := 4; m <= 9; m++ {
			calls = append(calls, forecast.Call{Key: o, Period: time.Date(2024, time.Month(m), 1, 0, 0, 0, 0, time.UTC),
				At: time.Date(2024, time.Month(m), 1+i, 0, 0, 0, 0, time.UTC), Amount: decimal.NewFromInt(int64(5000 * (i + m)))})
		}
	}
	team := make([]forecast.Call, 6)
	for i, c := range calls[:6] {
		c.Key = ""
		team[i] = c
	}
	accuracy := func(o forecast.AccuracyOptions) func(s *funnel.Scan) (funnel.Accumulator, error) {
		return func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewAccuracy(s, o) }
	}
	accuracyRes := func(a funnel.Accumulator) (any, error) { return a.(*forecast.Accuracy).Report() }
	quotas := []decimal.Decimal{decimal.NewFromInt(1000), decimal.NewFromInt(20000)}
	return []accCase{
		{"waterfall", waterfall(forecast.WaterfallOptions{From: may, To: aug, Close: aug}), waterfallRes, func() funnel.Accumulator { return new(forecast.Waterfall) }},
		{"waterfall by owner", waterfall(forecast.WaterfallOptions{From: may, To: aug, Close: aug, By: []string{funnel.AttrOwner, "region"}, List: 2}),
			waterfallRes, func() funnel.Accumulator { return new(forecast.Waterfall) }},
		{"risk", risk(forecast.RiskOptions{}), riskRes, func() funnel.Accumulator { return new(forecast.Risk) }},
		{"risk stalled", risk(forecast.RiskOptions{StallAfter: 20 * 24 * time.Hour, StagePercentile: 50, Pushes: 1, Cut: dec("0.1"), List: 5}),
			riskRes, func() funnel.Accumulator { return new(forecast.Risk) }},
		{"range", rng(forecast.RangeOptions{Close: sep, Quotas: quotas, Uncertainty: true, Samples: 500, Seed: 3}), rangeRes,
			func() funnel.Accumulator { return new(forecast.Range) }},
		{"range given by owner", rng(forecast.RangeOptions{Options: forecast.Options{Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 5}},
			Quotas: quotas, Cells: 64}), rangeRes, func() funnel.Accumulator { return new(forecast.Range) }},
		{"scoring", scoring(forecast.ScoringOptions{Attrs: []string{funnel.AttrOwner}, Holdout: time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), Buckets: 4}),
			scoringRes, func() funnel.Accumulator { return new(forecast.Scoring) }},
		{"scoring plain", scoring(forecast.ScoringOptions{Snapshots: []time.Time{may, aug}, Factors: 1}), scoringRes,
			func() funnel.Accumulator { return new(forecast.Scoring) }},
		{"accuracy", accuracy(forecast.AccuracyOptions{Key: funnel.AttrOwner, Calls: calls}), accuracyRes, func() funnel.Accumulator { return new(forecast.Accuracy) }},
		{"accuracy team by owner", accuracy(forecast.AccuracyOptions{Calls: team, Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 3}}),
			accuracyRes, func() funnel.Accumulator { return new(forecast.Accuracy) }},
	}
}

// inspectTextWant is what the text of each inspection result holds.
var inspectTextWant = map[string][]string{
	"waterfall":              {"Pipeline waterfall of 2024-08", "pushed out", "start", "end"},
	"risk":                   {"Deals at risk as of 2024-09-15", "Lead", "overdue", "days in stage"},
	"risk stalled":           {"stalled after 20.0 days", "stage p50", "1 pushes"},
	"range":                  {"Forecast range of 2024-09", "uncertain rates", "P(reaching 1000.00)", "with the rates' uncertainty"},
	"range given by owner":   {"learned probabilities per owner", "grid", "every value within"},
	"scoring":                {"Win probability (logistic regression)", "owner", "Held out: deals open at 2024-07-01", "Brier score: model"},
	"scoring plain":          {"2 snapshots", "stage rate"},
	"accuracy":               {"Forecast accuracy by month and owner", "chen", "(so far)", "all"},
	"accuracy team by owner": {"Forecast accuracy by month as of", "(none)"},
	"waterfall by owner":     {"owner=ana", "region=(none)", "x121 (none) -> Qualified"},
}

// roundTripInspect round-trips an inspection result through JSON, checked
// against its schema definition, and reports whether it knew the type.
func roundTripInspect(t *testing.T, r any) bool {
	switch r := r.(type) {
	case forecast.WaterfallReport:
		roundTripJSON(t, r)
		checkSchema(t, "waterfall_report", r)
	case forecast.RangeReport:
		roundTripJSON(t, r)
		checkSchema(t, "range_report", r)
	case forecast.ScoringReport:
		roundTripJSON(t, r)
		checkSchema(t, "scoring_report", r)
	case forecast.AccuracyReport:
		roundTripJSON(t, r)
		checkSchema(t, "accuracy_report", r)
	case forecast.RiskReport:
		roundTripJSON(t, r)
		checkSchema(t, "risk_report", r)
	default:
		return false
	}
	return true
}

// mutateInspect changes every slice of an inspection result, and reports
// whether it knew the type.
func mutateInspect(r any) bool {
	switch r := r.(type) {
	case forecast.WaterfallReport:
		r.Total.Flows[0].Deals = -1
		for _, f := range r.Total.Flows {
			for i := range f.Listed {
				f.Listed[i].ID = "x"
			}
		}
		for i := range r.Segments {
			r.Segments[i].Flow.Flows[1].Listed = append(r.Segments[i].Flow.Flows[1].Listed, forecast.WaterfallDeal{})
			for _, f := range r.Segments[i].Flow.Flows {
				for j := range f.Listed {
					f.Listed[j].ID = "x"
				}
			}
		}
		mutateInput(&r.Input)
	case forecast.RangeReport:
		r.Percentiles[0].Percent, r.Quotas[0].Lo = -1, -1
		if r.Uncertain != nil {
			r.Uncertain.Percentiles[0].Percent, r.Uncertain.Quotas[0].Hi = -1, -1
		}
		mutateInput(&r.Input)
	case forecast.ScoringReport:
		r.Snapshots[0], r.Fit.Coefficients[0].Weight = time.Time{}, -1
		if len(r.Deals) > 0 {
			r.Deals[0].ID = "x"
			if len(r.Deals[0].For) > 0 {
				r.Deals[0].For[0].Effect = -1
			}
		}
		if r.Evaluation != nil {
			r.Evaluation.Model.Calibration[0].Lo = -1
			r.Evaluation.Fit.Coefficients[0].Level = "x"
		}
		mutateInput(&r.Input)
	case forecast.AccuracyReport:
		r.Rows[0].Key = "x"
		if len(r.Keys) > 0 {
			r.Keys[0].Calls = -1
		}
		mutateInput(&r.Input)
	case forecast.RiskReport:
		r.Stages[0].Open, r.Flags[0].Deals = -1, -1
		if len(r.Deals) > 0 {
			r.Deals[0].ID = "x"
		}
		mutateInput(&r.Input)
	default:
		return false
	}
	return true
}
