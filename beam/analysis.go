package funnelbeam

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/drivers"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/target"
	"github.com/funnelmetrics/funnel/trend"
)

// The kinds of analysis every pipeline knows.
const (
	KindReport           = "report"             // funnel.Tally: the funnel report
	KindForecastPipeline = "forecast.pipeline"  // forecast.Pipeline: the weighted pipeline
	KindForecastByPeriod = "forecast.by_period" // forecast.ByPeriod: expected revenue by period
	KindTrendSeries      = "trend.series"       // trend.Series: a report per period
	KindTrendSurvival    = "trend.survival"     // trend.Survival: a Kaplan-Meier curve
	KindSegments         = "segments"           // funnel.Segments: the report by segments ([SegmentOptions])
	KindTrendCohorts     = "trend.cohorts"      // trend.Cohorts: wins by creation cohort and age
	KindTrendConversion  = "trend.conversion"   // trend.Conversion: time and rate from one milestone to another
	KindForecastChanges  = "forecast.changes"   // forecast.Changes: what changed in the pipeline between two dates
	KindForecastRisk     = "forecast.risk"      // forecast.Risk: open deals at risk
	KindForecastQuota    = "forecast.quota"     // forecast.Quota: attainment and coverage of quotas
	KindTargetBottleneck = "target.bottleneck"  // target.Bottleneck: the funnel's steps ranked by how they hold deals back
	KindDrivers          = "drivers"            // drivers.Drivers: the attributes that go with conversion from a stage
	KindCLVCohorts       = "clv.cohorts"        // clv.DealLog: the accounts' acquisition cohorts (DealLog.Cohorts)
	KindCLVRetention     = "clv.retention"      // clv.DealLog: the accounts' revenue retention (DealLog.Retention)
)

// The built-in kinds, one line each: the accumulator's constructor over a
// scan and its options, and the method that gives its result. Another
// accumulator of the library is one more line of the same form; its
// options must travel as JSON (a segmentation's dimensions do not, hence
// [SegmentOptions]).
func init() {
	mustRegister(KindReport, func(s *funnel.Scan, _ struct{}) (*funnel.Tally, error) { return funnel.NewTally(s), nil },
		func(t *funnel.Tally) (funnel.Report, error) { return t.Report(), nil })
	mustRegister(KindForecastPipeline, forecast.NewPipeline, (*forecast.Pipeline).Report)
	mustRegister(KindForecastByPeriod, forecast.NewByPeriod, (*forecast.ByPeriod).Report)
	mustRegister(KindTrendSeries, trend.NewSeries, (*trend.Series).Report)
	mustRegister(KindTrendSurvival, trend.NewSurvival, func(a *trend.Survival) (trend.Curve, error) { return a.Curve(), nil })
	mustRegister(KindSegments, newSegments, (*funnel.Segments).Report)
	mustRegister(KindTrendCohorts, trend.NewCohorts, (*trend.Cohorts).Table)
	mustRegister(KindTrendConversion, trend.NewConversion, (*trend.Conversion).Report)
	mustRegister(KindForecastChanges, forecast.NewChanges, func(a *forecast.Changes) (forecast.ChangesReport, error) { return a.Report(), nil })
	mustRegister(KindForecastRisk, forecast.NewRisk, func(a *forecast.Risk) (forecast.RiskReport, error) { return a.Report(), nil })
	mustRegister(KindForecastQuota, forecast.NewQuota, func(a *forecast.Quota) (forecast.QuotaReport, error) { return a.Report(), nil })
	mustRegister(KindTargetBottleneck, target.NewBottleneck, func(a *target.Bottleneck) (target.Ranking, error) { return a.Ranking(), nil })
	mustRegister(KindDrivers, drivers.New, func(a *drivers.Drivers) (drivers.Report, error) { return a.Report(), nil })
	mustRegister(KindCLVCohorts, newDealLog, (*clv.DealLog).Cohorts)
	mustRegister(KindCLVRetention, newDealLog, (*clv.DealLog).Retention)
}

// newDealLog builds the log of won deals of the clv kinds, which take no
// options.
func newDealLog(s *funnel.Scan, _ struct{}) (*clv.DealLog, error) { return clv.NewDealLog(s) }

// A kind is a registered kind of analysis, with its option and result
// types erased.
type kind struct {
	options reflect.Type
	// build returns an empty accumulator of the scan and the options'
	// JSON encoding.
	build func(s *funnel.Scan, settings []byte) (funnel.Accumulator, error)
	// result returns the accumulator's result as JSON.
	result func(a funnel.Accumulator) ([]byte, error)
	// decode decodes a result written by result.
	decode func(data []byte) (any, error)
}

var (
	kindsMu sync.RWMutex
	kinds   = map[string]*kind{}
)

// Register adds a kind of analysis that pipelines can compute: build
// returns an empty accumulator of a scan and options of type O, and result
// returns the accumulator's result, which is written as JSON (encoding/json)
// and must decode back (DecodeResult). The options travel to the workers
// as JSON, so O must survive a JSON round trip (NewAnalysis checks the
// options it is given).
//
// Register must be called before the pipeline is built and, on every
// worker, before it runs: from an init function of the program that
// builds the pipeline, which the workers run too. It returns an error
// wrapping funnel.ErrInvalidParam for an empty name, nil functions or a
// name registered before.
func Register[O any, A funnel.Accumulator, R any](name string, build func(*funnel.Scan, O) (A, error), result func(A) (R, error)) error {
	if name == "" || build == nil || result == nil {
		return fmt.Errorf("funnelbeam: kind %q: empty name or nil function: %w", name, funnel.ErrInvalidParam)
	}
	k := &kind{
		options: reflect.TypeFor[O](),
		build: func(s *funnel.Scan, settings []byte) (funnel.Accumulator, error) {
			var o O
			if err := json.Unmarshal(settings, &o); err != nil {
				return nil, fmt.Errorf("funnelbeam: %s options: %w: %w", name, funnel.ErrInvalidParam, err)
			}
			return build(s, o)
		},
		result: func(a funnel.Accumulator) ([]byte, error) {
			x, ok := a.(A)
			if !ok {
				return nil, fmt.Errorf("funnelbeam: %s: accumulator %T: %w", name, a, funnel.ErrIncompatible)
			}
			r, err := result(x)
			if err != nil {
				return nil, err
			}
			return json.Marshal(r)
		},
		decode: func(data []byte) (any, error) {
			var r R
			if err := json.Unmarshal(data, &r); err != nil {
				return nil, fmt.Errorf("funnelbeam: %s result: %w: %w", name, funnel.ErrInvalidParam, err)
			}
			return r, nil
		},
	}
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if _, dup := kinds[name]; dup {
		return fmt.Errorf("funnelbeam: kind %q registered twice: %w", name, funnel.ErrInvalidParam)
	}
	kinds[name] = k
	return nil
}

func mustRegister[O any, A funnel.Accumulator, R any](name string, build func(*funnel.Scan, O) (A, error), result func(A) (R, error)) {
	if err := Register(name, build, result); err != nil {
		panic(err) // the built-in kinds are distinct and complete
	}
}

// Kinds returns the names of the registered kinds, sorted.
func Kinds() []string {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	names := make([]string, 0, len(kinds))
	for n := range kinds {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func lookup(name string) (*kind, error) {
	kindsMu.RLock()
	defer kindsMu.RUnlock()
	k, ok := kinds[name]
	if !ok {
		return nil, fmt.Errorf("funnelbeam: unknown kind %q (registered: %v): %w", name, sortedKeys(kinds), funnel.ErrInvalidParam)
	}
	return k, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// DecodeResult decodes a result file of the kind: the JSON a pipeline
// wrote for it, as the kind's result type (a funnel.Report for "report", a
// forecast.PipelineReport for "forecast.pipeline" ...).
func DecodeResult(kindName string, data []byte) (any, error) {
	k, err := lookup(kindName)
	if err != nil {
		return nil, err
	}
	return k.decode(data)
}

// An Analysis is one result a pipeline computes for every key: a
// registered kind with its options, written to Name + ".json" in each
// key's folder.
type Analysis struct {
	// Name names the result file; letters, digits, '_', '-' and '.'
	// (not first), unique in a pipeline.
	Name string
	// Kind is a registered kind ([Register]).
	Kind string
	// Options is the JSON encoding of the kind's options.
	Options json.RawMessage
}

// NewAnalysis returns the analysis of the kind with its options, named
// name. It returns an error wrapping funnel.ErrInvalidParam for an unknown
// kind, options of another type than the kind's, or options that do not
// survive a JSON round trip (encode, decode, encode gives other bytes).
func NewAnalysis[O any](name, kindName string, opts O) (Analysis, error) {
	k, err := lookup(kindName)
	if err != nil {
		return Analysis{}, err
	}
	if t := reflect.TypeFor[O](); t != k.options {
		return Analysis{}, fmt.Errorf("funnelbeam: %s takes %v options, not %v: %w", kindName, k.options, t, funnel.ErrInvalidParam)
	}
	b, err := json.Marshal(opts)
	if err != nil {
		return Analysis{}, fmt.Errorf("funnelbeam: %s options: %w: %w", kindName, funnel.ErrInvalidParam, err)
	}
	var back O
	if err := json.Unmarshal(b, &back); err != nil {
		return Analysis{}, fmt.Errorf("funnelbeam: %s options: %w: %w", kindName, funnel.ErrInvalidParam, err)
	}
	if again, err := json.Marshal(back); err != nil || !bytes.Equal(again, b) {
		return Analysis{}, fmt.Errorf("funnelbeam: %s options do not survive a JSON round trip: %w", kindName, funnel.ErrInvalidParam)
	}
	return Analysis{Name: name, Kind: kindName, Options: b}, nil
}

// DefaultAnalyses returns the analyses a pipeline computes when its
// configuration names none: the funnel report ("report"), the weighted
// pipeline and its spread over the next 12 periods, with rates learned in
// the same pass ("forecast_pipeline", "forecast_by_period"), a report per
// period of creation ("trend_series") and the Kaplan-Meier curve of the
// sales cycle to a close ("trend_survival"). The two forecasts need the
// scan's as-of time.
func DefaultAnalyses() []Analysis {
	return []Analysis{
		must(NewAnalysis("report", KindReport, struct{}{})),
		must(NewAnalysis("forecast_pipeline", KindForecastPipeline, forecast.Options{})),
		must(NewAnalysis("forecast_by_period", KindForecastByPeriod, forecast.PeriodOptions{})),
		must(NewAnalysis("trend_series", KindTrendSeries, trend.Options{})),
		must(NewAnalysis("trend_survival", KindTrendSurvival, trend.SurvivalOptions{})),
	}
}

func must(a Analysis, err error) Analysis {
	if err != nil {
		panic(err) // the default options are valid
	}
	return a
}

// validName reports whether s can name a result file.
func validName(s string) bool {
	if s == "" || s[0] == '.' || len(s) > 100 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
