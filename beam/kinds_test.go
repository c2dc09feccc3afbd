package funnelbeam_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/funnelmetrics/funnel"
	funnelbeam "github.com/funnelmetrics/funnel/beam"
	"github.com/funnelmetrics/funnel/beam/internal/gen"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/drivers"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/target"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/shopspring/decimal"
)

// An extraAnalysis is a kind beyond the defaults that the equality test
// computes: as the pipeline's Analysis (its options as they travel) and
// as an accumulator built in process with the library's own constructor
// and options, not through the registry.
type extraAnalysis struct {
	analysis funnelbeam.Analysis
	build    func(s *funnel.Scan) (funnel.Accumulator, error)
	result   func(a funnel.Accumulator) (any, error)
}

func extra[O any, A funnel.Accumulator, R any](name, kind string, opts O, build func(*funnel.Scan) (A, error), result func(A) (R, error)) extraAnalysis {
	a, err := funnelbeam.NewAnalysis(name, kind, opts)
	if err != nil {
		panic(err)
	}
	return extraAnalysis{analysis: a,
		build:  func(s *funnel.Scan) (funnel.Accumulator, error) { return build(s) },
		result: func(a funnel.Accumulator) (any, error) { return result(a.(A)) }}
}

func noErr[A, R any](f func(A) R) func(A) (R, error) {
	return func(a A) (R, error) { return f(a), nil }
}

// extras are the analyses of every kind registered beyond the defaults,
// with options that exercise them on the generated deals (created from
// 2023-01-01 to 2025-01-01, as of 2024-10-01).
func extras() []extraAnalysis {
	quarter := funnel.Quarter
	day := 24 * time.Hour
	bands := funnelbeam.SegmentOptions{Dims: []funnelbeam.SegmentDim{
		{Amount: []decimal.Decimal{mustDec("5000"), mustDec("50000")}}, {Created: &quarter}, {Attr: funnel.AttrSource, At: funnel.AtCreation}},
		TopK: 6, MaxSegments: 1000}
	targets := []target.Set{{Name: "plan", Targets: []target.Target{
		{Metric: target.StepConversion, Stage: "Qualified", Bound: target.AtLeast, Value: mustDec("0.6")},
		{Metric: target.TimeInStageDays, Stage: "Demo", Bound: target.AtMost, Value: mustDec("10")}}}}
	june, sept := time.Date(2024, time.June, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, time.September, 1, 0, 0, 0, 0, time.UTC)
	goals := []forecast.Goal{{Key: "ana", Start: sept, Amount: mustDec("250000")}, {Key: "ben", Start: sept, Amount: mustDec("400000")},
		{Key: "chen", Start: asOf, Amount: mustDec("300000")}}
	conv := trend.ConvertOptions{From: trend.Milestone{Kind: trend.Entry, Stage: "Qualified"}, To: trend.Milestone{Kind: trend.Win},
		Segment: funnel.AttrOwner, ByPeriod: true}
	return []extraAnalysis{
		extra("segments", funnelbeam.KindSegments, funnelbeam.SegmentsBy(funnel.AttrOwner, funnel.AttrRegion),
			func(s *funnel.Scan) (*funnel.Segments, error) {
				return funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner), funnel.ByAttr(funnel.AttrRegion)}, ByKey: true})
			}, (*funnel.Segments).Report),
		extra("segments_bands", funnelbeam.KindSegments, bands,
			func(s *funnel.Scan) (*funnel.Segments, error) {
				amount, err := funnel.ByAmount(mustDec("5000"), mustDec("50000"))
				if err != nil {
					return nil, err
				}
				created, err := funnel.ByCreated(funnel.Quarter)
				if err != nil {
					return nil, err
				}
				source, err := funnel.ByAttrAt(funnel.AttrSource, funnel.AtCreation)
				if err != nil {
					return nil, err
				}
				return funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{amount, created, source}, TopK: 6, MaxSegments: 1000})
			}, (*funnel.Segments).Report),
		extra("trend_cohorts", funnelbeam.KindTrendCohorts, trend.CohortOptions{MaxAge: 12},
			func(s *funnel.Scan) (*trend.Cohorts, error) {
				return trend.NewCohorts(s, trend.CohortOptions{MaxAge: 12})
			},
			(*trend.Cohorts).Table),
		extra("trend_conversion", funnelbeam.KindTrendConversion, conv,
			func(s *funnel.Scan) (*trend.Conversion, error) { return trend.NewConversion(s, conv) },
			(*trend.Conversion).Report),
		extra("forecast_changes", funnelbeam.KindForecastChanges, forecast.ChangeOptions{From: june, To: sept},
			func(s *funnel.Scan) (*forecast.Changes, error) {
				return forecast.NewChanges(s, forecast.ChangeOptions{From: june, To: sept})
			}, noErr((*forecast.Changes).Report)),
		extra("forecast_risk", funnelbeam.KindForecastRisk, forecast.RiskOptions{StallAfter: 30 * day, List: 20},
			func(s *funnel.Scan) (*forecast.Risk, error) {
				return forecast.NewRisk(s, forecast.RiskOptions{StallAfter: 30 * day, List: 20})
			}, noErr((*forecast.Risk).Report)),
		extra("forecast_quota", funnelbeam.KindForecastQuota, forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: goals},
			func(s *funnel.Scan) (*forecast.Quota, error) {
				return forecast.NewQuota(s, forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: goals})
			}, noErr((*forecast.Quota).Report)),
		extra("target_bottleneck", funnelbeam.KindTargetBottleneck, target.Options{Targets: targets, StallAfter: 30 * day},
			func(s *funnel.Scan) (*target.Bottleneck, error) {
				return target.NewBottleneck(s, target.Options{Targets: targets, StallAfter: 30 * day})
			}, noErr((*target.Bottleneck).Ranking)),
		extra("drivers", funnelbeam.KindDrivers, drivers.Options{Stage: "Qualified", ToWon: true, Pairs: true},
			func(s *funnel.Scan) (*drivers.Drivers, error) {
				return drivers.New(s, drivers.Options{Stage: "Qualified", ToWon: true, Pairs: true})
			}, noErr((*drivers.Drivers).Report)),
		extra("clv_cohorts", funnelbeam.KindCLVCohorts, struct{}{}, clv.NewDealLog, (*clv.DealLog).Cohorts),
		extra("clv_retention", funnelbeam.KindCLVRetention, struct{}{}, clv.NewDealLog, (*clv.DealLog).Retention),
	}
}

// extraAnalyses returns the pipeline's analyses of extras.
func extraAnalyses() []funnelbeam.Analysis {
	var out []funnelbeam.Analysis
	for _, e := range extras() {
		out = append(out, e.analysis)
		kinds[e.analysis.Name] = e.analysis.Kind
	}
	return out
}

// referenceExtras computes every analysis of extras in process over
// deals, one funnel.Scan.Run, and returns the results as JSON by name.
func referenceExtras(t testing.TB, s *funnel.Scan, deals []funnel.Deal) map[string][]byte {
	t.Helper()
	es := extras()
	accs := make([]funnel.Accumulator, len(es))
	for i, e := range es {
		a, err := e.build(s)
		if err != nil {
			t.Fatalf("%s: %v", e.analysis.Name, err)
		}
		accs[i] = a
	}
	if err := s.Run(slices.Values(deals), accs...); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for i, e := range es {
		r, err := e.result(accs[i])
		if err != nil {
			t.Fatalf("%s: %v", e.analysis.Name, err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("%s: %v", e.analysis.Name, err)
		}
		out[e.analysis.Name] = b
	}
	return out
}

// TestExtraKindsRegistered: every registered kind is a default analysis
// or one of extras, so the equality test covers it.
func TestExtraKindsRegistered(t *testing.T) {
	covered := map[string]bool{}
	for _, a := range funnelbeam.DefaultAnalyses() {
		covered[a.Kind] = true
	}
	for _, e := range extras() {
		covered[e.analysis.Kind] = true
	}
	for _, k := range funnelbeam.Kinds() {
		if !covered[k] {
			t.Errorf("kind %s is not covered by the equality test", k)
		}
	}
}

// TestSegmentOptionsInvalid: a dimension must set exactly one of attr,
// amount and created, and be valid.
func TestSegmentOptionsInvalid(t *testing.T) {
	bad := funnel.Period(9)
	month := funnel.Month
	for name, d := range map[string]funnelbeam.SegmentDim{
		"none":         {},
		"at alone":     {At: funnel.AtClose},
		"two":          {Attr: funnel.AttrOwner, Created: &month},
		"edges":        {Amount: []decimal.Decimal{mustDec("5"), mustDec("5")}},
		"period":       {Created: &bad},
		"value choice": {Attr: funnel.AttrOwner, At: funnel.ValueAt(7)},
	} {
		if _, err := (funnelbeam.SegmentOptions{Dims: []funnelbeam.SegmentDim{d}}).Segment(); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v, want ErrInvalidParam", name, err)
		}
	}
	s := newScan(t, 0)
	a, err := funnelbeam.NewAnalysis("s", funnelbeam.KindSegments, funnelbeam.SegmentOptions{})
	if err != nil {
		t.Fatal(err) // the options travel; Build builds the accumulator
	}
	_, scope := beam.NewPipelineWithRoot()
	err = funnelbeam.Build(scope, funnelbeam.Config{Input: "x/*.csv", Output: t.TempDir(), Scan: s, Mapping: gen.Mapping(),
		Analyses: []funnelbeam.Analysis{a}})
	if !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Build with a segmentation of no dimension: %v, want ErrInvalidParam", err)
	}
	got, err := funnelbeam.SegmentsBy(funnel.AttrOwner, "tier").Segment()
	if err != nil {
		t.Fatal(err)
	}
	want := funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner), funnel.ByAttr("tier")}, ByKey: true}
	g, err := funnel.NewSegments(s, got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := funnel.NewSegments(s, want)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := g.MarshalBinary()
	wb, _ := w.MarshalBinary()
	if !bytes.Equal(gb, wb) {
		t.Errorf("SegmentsBy(owner, tier) encodes as %x, want %x", gb, wb)
	}
}
