package funnel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// ErrInvalidTarget reports a target or benchmark that is malformed: an
// unknown metric or bound, a missing stage, or a value out of range.
var ErrInvalidTarget = errors.New("funnel: invalid target")

// A TargetError reports the target of a [TargetSet] that failed
// validation. Err is [ErrInvalidTarget] or a JSON decoding error.
type TargetError struct {
	Index int    // position of the target in the set; -1 for the set itself
	Field string // the offending field, such as "value"
	Err   error
}

// Error returns "funnel: target N: field: reason".
func (e *TargetError) Error() string {
	return "funnel: target " + strconv.Itoa(e.Index) + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *TargetError) Unwrap() error { return e.Err }

// A TargetMetric names a metric of a [Report] that a target applies to.
type TargetMetric string

// The metrics targets can apply to. Rates are fractions in [0, 1], amounts
// are money, durations are in days.
const (
	// TargetWinRate is Report.WinRate, W / (W + L).
	TargetWinRate TargetMetric = "win_rate"
	// TargetWinRateCreated is Report.WinRateCreated, W / created.
	TargetWinRateCreated TargetMetric = "win_rate_created"
	// TargetStepConversion is the step conversion into Stage (the Step of
	// Stage's funnel row; "won" for the won row).
	TargetStepConversion TargetMetric = "step_conversion"
	// TargetCumulativeConversion is the cumulative conversion into Stage.
	TargetCumulativeConversion TargetMetric = "cumulative_conversion"
	// TargetDealSize is the mean won amount.
	TargetDealSize TargetMetric = "deal_size"
	// TargetCycleDays is the mean sales cycle of won deals, in days.
	TargetCycleDays TargetMetric = "cycle_days"
	// TargetTimeInStageDays is the median latest time in Stage, in days.
	TargetTimeInStageDays TargetMetric = "time_in_stage_days"
	// TargetDealsCreated is the number of deals (leads) created.
	TargetDealsCreated TargetMetric = "deals_created"
)

func (m TargetMetric) kind() (rate, needsStage, ok bool) {
	switch m {
	case TargetWinRate, TargetWinRateCreated:
		return true, false, true
	case TargetStepConversion, TargetCumulativeConversion:
		return true, true, true
	case TargetDealSize, TargetCycleDays, TargetDealsCreated:
		return false, false, true
	case TargetTimeInStageDays:
		return false, true, true
	}
	return false, false, false
}

// A TargetBound says which side of a target is good. The zero TargetBound
// is [TargetAtLeast].
type TargetBound int8

// The target bounds.
const (
	TargetAtLeast TargetBound = iota // a minimum: higher is better
	TargetAtMost                     // a maximum: lower is better
)

// MarshalText encodes the bound as "at_least" or "at_most". It returns an
// error wrapping [ErrInvalidTarget] for any other value.
func (b TargetBound) MarshalText() ([]byte, error) {
	switch b {
	case TargetAtLeast:
		return []byte("at_least"), nil
	case TargetAtMost:
		return []byte("at_most"), nil
	}
	return nil, fmt.Errorf("funnel: target bound %d: %w", b, ErrInvalidTarget)
}

// UnmarshalText decodes "at_least" or "at_most".
func (b *TargetBound) UnmarshalText(t []byte) error {
	switch string(t) {
	case "at_least":
		*b = TargetAtLeast
	case "at_most":
		*b = TargetAtMost
	default:
		return fmt.Errorf("funnel: target bound %q: %w", t, ErrInvalidTarget)
	}
	return nil
}

// A Target is a typed KPI target or benchmark figure: a minimum or a
// maximum for one metric, optionally for one stage, one segment and one
// period.
type Target struct {
	Metric TargetMetric `json:"metric"`
	// Stage is the stage of stage metrics, "" for the others.
	Stage Stage `json:"stage,omitempty"`
	// Segment limits the target to one segment; "" applies to all.
	Segment string `json:"segment,omitempty"`
	// Period, when not zero, limits the target to the period that starts
	// at Period; zero applies to every period.
	Period time.Time       `json:"period,omitzero"`
	Bound  TargetBound     `json:"bound"`
	Value  decimal.Decimal `json:"value"`
}

// A TargetSet is a named list of targets, or of benchmark figures
// (industry averages, peer figures) that the caller supplies with their
// source. The library ships no benchmark figures.
type TargetSet struct {
	Name string `json:"name"`
	// Source says where the figures come from (a report, a peer group).
	Source string `json:"source,omitempty"`
	// Benchmark is true for external reference figures, false for the
	// team's own targets.
	Benchmark bool     `json:"benchmark,omitempty"`
	Targets   []Target `json:"targets"`
}

// Validate checks every target: a known metric and bound, a stage for stage
// metrics and none for the others, a rate in [0, 1], a non-negative value.
// It returns a [*TargetError] wrapping [ErrInvalidTarget] for the first
// problem.
func (s TargetSet) Validate() error {
	for i, t := range s.Targets {
		bad := func(field string) error { return &TargetError{Index: i, Field: field, Err: ErrInvalidTarget} }
		rate, needsStage, ok := t.Metric.kind()
		switch {
		case !ok:
			return bad("metric")
		case t.Bound != TargetAtLeast && t.Bound != TargetAtMost:
			return bad("bound")
		case needsStage != (t.Stage != ""):
			return bad("stage")
		case t.Value.Sign() < 0, rate && t.Value.GreaterThan(decimal.NewFromInt(1)):
			return bad("value")
		}
	}
	return nil
}

// maxTargetSetBytes bounds the size of a target set read by
// [ParseTargetSet].
const maxTargetSetBytes = 1 << 20

// ParseTargetSet reads a target set from JSON, such as
//
//	{"name": "SaaS peers 2024", "source": "...", "benchmark": true,
//	 "targets": [{"metric": "win_rate", "bound": "at_least", "value": "0.2"}]}
//
// Unknown fields are rejected. It returns a [*TargetError] (Index -1 for a
// malformed document) wrapping [ErrInvalidTarget] or the JSON error, and
// the errors of [TargetSet.Validate].
func ParseTargetSet(r io.Reader) (TargetSet, error) {
	dec := json.NewDecoder(io.LimitReader(r, maxTargetSetBytes))
	dec.DisallowUnknownFields()
	var s TargetSet
	if err := dec.Decode(&s); err != nil {
		return TargetSet{}, &TargetError{Index: -1, Field: "json", Err: errors.Join(ErrInvalidTarget, err)}
	}
	if dec.More() {
		return TargetSet{}, &TargetError{Index: -1, Field: "json", Err: fmt.Errorf("trailing data: %w", ErrInvalidTarget)}
	}
	if err := s.Validate(); err != nil {
		return TargetSet{}, err
	}
	return s, nil
}

// A TargetObservation is the observed value of a metric, with its interval
// when the metric is a rate.
type TargetObservation struct {
	Value decimal.Decimal
	// HasInterval is true for rates: Lo and Hi are then the Wilson score
	// interval of the rate.
	HasInterval bool
	Lo, Hi      decimal.Decimal
	// N is the sample size behind the value (the rate's denominator, the
	// deals averaged).
	N int64
}

// TargetObserve returns the value of the target's metric in the report,
// with the Wilson interval at the given confidence for rates, and false
// when the metric is undefined (no deals, an unknown stage) or the
// confidence is outside (0, 1).
func TargetObserve(r Report, t Target, confidence float64) (TargetObservation, bool) {
	rate := func(x Ratio) (TargetObservation, bool) {
		lo, hi, ok := x.Wilson(confidence)
		if !ok {
			return TargetObservation{}, false
		}
		return TargetObservation{Value: decimal.NewFromInt(x.Num).DivRound(decimal.NewFromInt(x.Den), divScale),
			HasInterval: true, Lo: probDecimal(lo), Hi: probDecimal(hi), N: x.Den}, true
	}
	row := func() (StageReport, bool) {
		for _, s := range r.Funnel {
			if s.Stage == t.Stage {
				return s, true
			}
		}
		return StageReport{}, false
	}
	switch t.Metric {
	case TargetWinRate:
		return rate(r.WinRate)
	case TargetWinRateCreated:
		return rate(r.WinRateCreated)
	case TargetStepConversion, TargetCumulativeConversion:
		s, ok := row()
		if !ok {
			return TargetObservation{}, false
		}
		if t.Metric == TargetStepConversion {
			return rate(s.Step)
		}
		return rate(s.Cumulative)
	case TargetDealSize:
		if r.DealSize.Count == 0 {
			return TargetObservation{}, false
		}
		return TargetObservation{Value: r.DealSize.Mean, N: r.DealSize.Count}, true
	case TargetCycleDays:
		if r.CycleWon.Count == 0 {
			return TargetObservation{}, false
		}
		return TargetObservation{Value: durationDays(r.CycleWon.Mean), N: r.CycleWon.Count}, true
	case TargetTimeInStageDays:
		s, ok := row()
		if !ok || s.TimeLatest.Count == 0 {
			return TargetObservation{}, false
		}
		return TargetObservation{Value: durationDays(s.TimeLatest.Median), N: s.TimeLatest.Count}, true
	case TargetDealsCreated:
		return TargetObservation{Value: decimal.NewFromInt(r.Deals), N: r.Deals}, true
	}
	return TargetObservation{}, false
}

// durationDays returns d in days, rounded half away from zero to 10
// places.
func durationDays(d time.Duration) decimal.Decimal {
	return decimal.NewFromInt(int64(d)).DivRound(decimal.NewFromInt(int64(24*time.Hour)), divScale)
}

// A TargetStatus is the verdict of a comparison with a target.
type TargetStatus int8

// The target statuses.
const (
	// TargetNoData: the metric is undefined.
	TargetNoData TargetStatus = iota
	// TargetMet: the observed value meets the target.
	TargetMet
	// TargetWatch: the observed value misses the target, but not
	// significantly: the target lies inside the rate's interval, or a
	// value without an interval rests on fewer than TargetMinSample
	// observations.
	TargetWatch
	// TargetMissed: the value misses the target significantly.
	TargetMissed
)

// TargetMinSample is the smallest sample for which a miss of a metric
// without an interval counts as significant (Mixpanel hides verdicts under
// 30 samples).
const TargetMinSample = 30

var statusNames = [...]string{TargetNoData: "no data", TargetMet: "met", TargetWatch: "watch", TargetMissed: "missed"}

// String returns "no data", "met", "watch" or "missed", or
// "TargetStatus(N)".
func (s TargetStatus) String() string {
	if s >= TargetNoData && s <= TargetMissed {
		return statusNames[s]
	}
	return "TargetStatus(" + strconv.Itoa(int(s)) + ")"
}

// TargetResult is the comparison of an observation with a target.
type TargetResult struct {
	Target Target
	// Set and Source name the target set the target comes from, and
	// Benchmark tells whether it is a benchmark.
	Set, Source string
	Benchmark   bool
	Observed    TargetObservation
	// Attainment is Observed / Target for a minimum and Target / Observed
	// for a maximum (1 or more when met); AttainmentOK is false when the
	// divisor is zero or there is no data.
	Attainment   decimal.Decimal
	AttainmentOK bool
	// Gap is Observed - Target: negative for a minimum missed, positive
	// for a maximum exceeded.
	Gap    decimal.Decimal
	Status TargetStatus
}

// TargetCompare compares an observation (ok false: none) with a target.
// A rate misses significantly when its Wilson interval lies wholly on the
// wrong side of the target: the Wilson interval is the set of proportions
// the score test does not reject (Wilson 1927), so this is a two-sided
// score test of "the true rate equals the target" at the interval's level.
func TargetCompare(t Target, obs TargetObservation, ok bool) TargetResult {
	res := TargetResult{Target: t, Observed: obs}
	if !ok {
		return res
	}
	res.Gap = obs.Value.Sub(t.Value)
	num, den := obs.Value, t.Value
	if t.Bound == TargetAtMost {
		num, den = den, num
	}
	if !den.IsZero() {
		res.Attainment, res.AttainmentOK = num.DivRound(den, divScale), true
	}
	met := res.Gap.Sign() >= 0
	if t.Bound == TargetAtMost {
		met = res.Gap.Sign() <= 0
	}
	switch {
	case met:
		res.Status = TargetMet
	case obs.HasInterval && t.Bound == TargetAtLeast && obs.Hi.GreaterThanOrEqual(t.Value),
		obs.HasInterval && t.Bound == TargetAtMost && obs.Lo.LessThanOrEqual(t.Value),
		!obs.HasInterval && obs.N < TargetMinSample:
		res.Status = TargetWatch
	default:
		res.Status = TargetMissed
	}
	return res
}

// Evaluate compares the report with every target of the set that applies
// to the segment and the period starting at period (targets with an empty
// Segment or a zero Period apply to all), in the set's order, with rate
// intervals at the given confidence (zero means 0.95).
func (s TargetSet) Evaluate(r Report, segment string, period time.Time, confidence float64) []TargetResult {
	conf, err := confidenceOr(confidence)
	if err != nil {
		conf = 0.95
	}
	var out []TargetResult
	for _, t := range s.Targets {
		if (t.Segment != "" && t.Segment != segment) || (!t.Period.IsZero() && !t.Period.Equal(period)) {
			continue
		}
		obs, ok := TargetObserve(r, t, conf)
		res := TargetCompare(t, obs, ok)
		res.Set, res.Source, res.Benchmark = s.Name, s.Source, s.Benchmark
		out = append(out, res)
	}
	return out
}

// pctString formats a fraction as a percentage with one decimal place.
func pctString(d decimal.Decimal) string {
	return d.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
}

// floatPct formats a float fraction as a percentage.
func floatPct(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "n/a"
	}
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}
