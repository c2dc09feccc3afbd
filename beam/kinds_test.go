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
// computes: as the pipeline's Analysis (funnelbeam.ExtraAnalyses, its
// options as they travel) and as an accumulator built in process with the
// library's own constructor and options, written here again, not through
// the registry.
type extraAnalysis struct {
	analysis funnelbeam.Analysis
	build    func(s *funnel.Scan) (funnel.Accumulator, error)
	result   func(a funnel.Accumulator) (any, error)
}

func extra[A funnel.Accumulator, R any](name string, build func(*funnel.Scan) (A, error), result func(A) (R, error)) extraAnalysis {
	i := slices.IndexFunc(funnelbeam.ExtraAnalyses(), func(a funnelbeam.Analysis) bool { return a.Name == name })
	if i < 0 {
		panic("no extra analysis " + name)
	}
	return extraAnalysis{analysis: funnelbeam.ExtraAnalyses()[i],
		build:  func(s *funnel.Scan) (funnel.Accumulator, error) { return build(s) },
		result: func(a funnel.Accumulator) (any, error) { return result(a.(A)) }}
}

func noErr[A, R any](f func(A) R) func(A) (R, error) {
	return func(a A) (R, error) { return f(a), nil }
}

// extras pairs every analysis of funnelbeam.ExtraAnalyses with its
// in-process twin.
func extras() []extraAnalysis {
	day := 24 * time.Hour
	targets := []target.Set{{Name: "plan", Targets: []target.Target{
		{Metric: target.StepConversion, Stage: "Qualified", Bound: target.AtLeast, Value: mustDec("0.6")},
		{Metric: target.TimeInStageDays, Stage: "Demo", Bound: target.AtMost, Value: mustDec("10")}}}}
	june, sept := time.Date(2024, time.June, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, time.September, 1, 0, 0, 0, 0, time.UTC)
	goals := []forecast.Goal{{Key: "ana", Start: sept, Amount: mustDec("250000")}, {Key: "ben", Start: sept, Amount: mustDec("400000")},
		{Key: "chen", Start: asOf, Amount: mustDec("300000")}}
	conv := trend.ConvertOptions{From: trend.Milestone{Kind: trend.Entry, Stage: "Qualified"}, To: trend.Milestone{Kind: trend.Win},
		Segment: funnel.AttrOwner, ByPeriod: true}
	return []extraAnalysis{
		extra("segments", func(s *funnel.Scan) (*funnel.Segments, error) {
			return funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner), funnel.ByAttr(funnel.AttrRegion)}, ByKey: true})
		}, (*funnel.Segments).Report),
		extra("segments_bands", func(s *funnel.Scan) (*funnel.Segments, error) {
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
		extra("trend_cohorts", func(s *funnel.Scan) (*trend.Cohorts, error) {
			return trend.NewCohorts(s, trend.CohortOptions{MaxAge: 12})
		},
			(*trend.Cohorts).Table),
		extra("trend_conversion", func(s *funnel.Scan) (*trend.Conversion, error) { return trend.NewConversion(s, conv) },
			(*trend.Conversion).Report),
		extra("forecast_changes", func(s *funnel.Scan) (*forecast.Changes, error) {
			return forecast.NewChanges(s, forecast.ChangeOptions{From: june, To: sept})
		}, noErr((*forecast.Changes).Report)),
		extra("forecast_risk", func(s *funnel.Scan) (*forecast.Risk, error) {
			return forecast.NewRisk(s, forecast.RiskOptions{StallAfter: 30 * day, List: 20})
		}, noErr((*forecast.Risk).Report)),
		extra("forecast_quota", func(s *funnel.Scan) (*forecast.Quota, error) {
			return forecast.NewQuota(s, forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: goals})
		}, noErr((*forecast.Quota).Report)),
		extra("target_bottleneck", func(s *funnel.Scan) (*target.Bottleneck, error) {
			return target.NewBottleneck(s, target.Options{Targets: targets, StallAfter: 30 * day})
		}, noErr((*target.Bottleneck).Ranking)),
		extra("drivers", func(s *funnel.Scan) (*drivers.Drivers, error) {
			return drivers.New(s, drivers.Options{Stage: "Qualified", ToWon: true, Pairs: true})
		}, noErr((*drivers.Drivers).Report)),
		extra("clv_cohorts", clv.NewDealLog, (*clv.DealLog).Cohorts),
		extra("clv_retention", clv.NewDealLog, (*clv.DealLog).Retention),
	}
}

// extraAnalyses returns the pipeline's analyses of extras, and notes
// their kinds for resultDiff.
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
	es := extras()
	if len(es) != len(funnelbeam.ExtraAnalyses()) {
		t.Errorf("%d in-process twins of %d extra analyses", len(es), len(funnelbeam.ExtraAnalyses()))
	}
	for _, e := range es {
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
