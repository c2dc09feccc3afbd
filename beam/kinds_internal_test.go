package funnelbeam

import (
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/drivers"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/target"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/shopspring/decimal"
)

// extraAnalyses returns one analysis of every built-in kind beyond the
// defaults, with options that exercise it on the generated deals (created
// from 2023-01-01 to 2025-01-01, as of 2024-10-01). The external equality
// test builds the same analyses in process from options of its own.
func extraAnalyses() []Analysis {
	dec := decimal.RequireFromString
	quarter := funnel.Quarter
	day := 24 * time.Hour
	june, sept := time.Date(2024, time.June, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, time.September, 1, 0, 0, 0, 0, time.UTC)
	asOf := time.Date(2024, time.October, 1, 0, 0, 0, 0, time.UTC)
	targets := []target.Set{{Name: "plan", Targets: []target.Target{
		{Metric: target.StepConversion, Stage: "Qualified", Bound: target.AtLeast, Value: dec("0.6")},
		{Metric: target.TimeInStageDays, Stage: "Demo", Bound: target.AtMost, Value: dec("10")}}}}
	return []Analysis{
		must(NewAnalysis("segments", KindSegments, SegmentsBy(funnel.AttrOwner, funnel.AttrRegion))),
		must(NewAnalysis("segments_bands", KindSegments, SegmentOptions{Dims: []SegmentDim{
			{Amount: []decimal.Decimal{dec("5000"), dec("50000")}}, {Created: &quarter}, {Attr: funnel.AttrSource, At: funnel.AtCreation}},
			TopK: 6, MaxSegments: 1000})),
		must(NewAnalysis("trend_cohorts", KindTrendCohorts, trend.CohortOptions{MaxAge: 12})),
		must(NewAnalysis("trend_conversion", KindTrendConversion, trend.ConvertOptions{
			From: trend.Milestone{Kind: trend.Entry, Stage: "Qualified"}, To: trend.Milestone{Kind: trend.Win},
			Segment: funnel.AttrOwner, ByPeriod: true})),
		must(NewAnalysis("forecast_changes", KindForecastChanges, forecast.ChangeOptions{From: june, To: sept})),
		must(NewAnalysis("forecast_risk", KindForecastRisk, forecast.RiskOptions{StallAfter: 30 * day, List: 20})),
		must(NewAnalysis("forecast_quota", KindForecastQuota, forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: []forecast.Goal{
			{Key: "ana", Start: sept, Amount: dec("250000")}, {Key: "ben", Start: sept, Amount: dec("400000")},
			{Key: "chen", Start: asOf, Amount: dec("300000")}}})),
		must(NewAnalysis("target_bottleneck", KindTargetBottleneck, target.Options{Targets: targets, StallAfter: 30 * day})),
		must(NewAnalysis("drivers", KindDrivers, drivers.Options{Stage: "Qualified", ToWon: true, Pairs: true})),
		must(NewAnalysis("clv_cohorts", KindCLVCohorts, struct{}{})),
		must(NewAnalysis("clv_retention", KindCLVRetention, struct{}{})),
	}
}
