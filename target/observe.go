package target

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/shopspring/decimal"
)

// divScale is the number of decimal places of every quotient here
// (rounded half away from zero), as in the funnel package.
const divScale = 10

// An Observation is the observed value of a metric in a report.
type Observation struct {
	// Defined is false when the metric has no value: no deals to compute
	// it from, or a stage the report does not have.
	Defined bool `json:"defined"`
	// Value is the observed figure: the rate's value, the mean amount, the
	// days, the count; quotients are rounded half away from zero to 10
	// places. Zero when not Defined.
	Value decimal.Decimal `json:"value"`
	// Rate is a rate metric's ratio with its Wilson score interval (see
	// [funnel.Ratio.Wilson]); zero for the other metrics.
	Rate funnel.Rate `json:"rate,omitzero"`
	// N is the sample behind the value: the rate's denominator, the
	// deals averaged or counted.
	N int64 `json:"n"`
}

// A Status is the verdict of a comparison with a target. The zero Status
// is [NoData].
type Status int8

// The statuses.
const (
	// NoData: the metric has no value.
	NoData Status = iota
	// Met: the observed value meets the target (a tie meets it).
	Met
	// Watch: the observed value misses the target, but not significantly
	// (see [Compare]).
	Watch
	// Missed: the observed value misses the target significantly.
	Missed
)

var statusNames = []string{NoData: "no data", Met: "met", Watch: "watch", Missed: "missed"}

// String returns "no data", "met", "watch" or "missed", or "Status(N)"
// for an invalid value.
func (s Status) String() string { return enumName(s, statusNames, "Status") }

// MarshalText encodes the status by name. It returns an error wrapping
// [ErrInvalid] for an invalid value.
func (s Status) MarshalText() ([]byte, error) { return enumText(s, statusNames, "status") }

// UnmarshalText decodes a status name written by [Status.MarshalText].
func (s *Status) UnmarshalText(b []byte) error { return enumParse(s, b, statusNames, "status") }

// A Result compares one observation with one target.
type Result struct {
	// Target is the target compared with.
	Target Target `json:"target"`
	// Set and Source name the set the target comes from, and Benchmark
	// tells whether it is a benchmark set.
	Set       string `json:"set"`
	Source    string `json:"source"`
	Benchmark bool   `json:"benchmark"`
	// Observed is what the report shows.
	Observed Observation `json:"observed"`
	// Attainment is observed / target for a minimum and target / observed
	// for a maximum (1 or more when met), to 10 places; null when the
	// divisor is zero or there is no data.
	Attainment decimal.NullDecimal `json:"attainment"`
	// Gap is observed - target, to 10 places: negative for a minimum
	// missed, positive for a maximum exceeded; null when there is no
	// data.
	Gap decimal.NullDecimal `json:"gap"`
	// Status is the verdict (see [Compare]).
	Status Status `json:"status"`
}

// UnmarshalJSON decodes a result written by encoding/json; its target is
// required and validated (see [Target.UnmarshalJSON]).
func (r *Result) UnmarshalJSON(b []byte) error {
	type alias Result
	var o struct {
		alias
		Target *Target `json:"target"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	if o.Target == nil {
		return &Error{Index: -1, Field: "target", Err: fmt.Errorf("result without a target: %w", ErrInvalid)}
	}
	*r = Result(o.alias)
	r.Target = *o.Target
	return nil
}

// Observe returns the value of the target's metric in the report, with
// the Wilson score interval of a rate at the confidence level c (zero
// means 0.95; see [funnel.Confidence]):
//
//   - win_rate, win_rate_created: the report's WinRate or WinRateCreated,
//     N its denominator;
//   - step_conversion, cumulative_conversion: the Step or Cumulative rate
//     of the stage's funnel row;
//   - deal_size: DealSize.Mean, N the won deals;
//   - cycle_days: CycleWon.Mean in days, N the won deals with a cycle;
//   - time_in_stage_days: the median TimeLatest of the stage's row in
//     days, N the deals timed there;
//   - deals_created: Deals, N the same.
//
// The observation is not Defined when the metric has no value (N = 0, or
// no row of that stage). It returns an error wrapping
// [funnel.ErrInvalidParam] for a confidence outside (0, 1), an invalid
// target ([Target.Validate]) or a report whose ratios are not
// proportions.
func Observe(r funnel.Report, t Target, c funnel.Confidence) (Observation, error) {
	level, err := c.Level()
	if err != nil {
		return Observation{}, err
	}
	if err := t.Validate(); err != nil {
		return Observation{}, err
	}
	return observe(&r, t, funnel.Confidence(level))
}

// observe is Observe for a valid target and level.
func observe(r *funnel.Report, t Target, c funnel.Confidence) (Observation, error) {
	row := func() *funnel.StageReport {
		for i := range r.Funnel {
			if r.Funnel[i].Stage == t.Stage {
				return &r.Funnel[i]
			}
		}
		return nil
	}
	switch t.Metric {
	case WinRate:
		return observeRate(r.WinRate.Ratio, c)
	case WinRateCreated:
		return observeRate(r.WinRateCreated.Ratio, c)
	case StepConversion, CumulativeConversion:
		s := row()
		if s == nil {
			return Observation{}, nil
		}
		if t.Metric == StepConversion {
			return observeRate(s.Step.Ratio, c)
		}
		return observeRate(s.Cumulative.Ratio, c)
	case DealSize:
		if r.DealSize.Count <= 0 {
			return Observation{}, nil
		}
		return Observation{Defined: true, Value: r.DealSize.Mean, N: r.DealSize.Count}, nil
	case CycleDays:
		if r.CycleWon.Count <= 0 {
			return Observation{}, nil
		}
		return Observation{Defined: true, Value: days(r.CycleWon.Mean), N: r.CycleWon.Count}, nil
	case TimeInStageDays:
		s := row()
		if s == nil || s.TimeLatest.Count <= 0 {
			return Observation{}, nil
		}
		return Observation{Defined: true, Value: days(s.TimeLatest.Median), N: s.TimeLatest.Count}, nil
	case DealsCreated:
		if r.Deals < 0 {
			return Observation{}, fmt.Errorf("target: %d deals: %w", r.Deals, funnel.ErrInvalidParam)
		}
		return Observation{Defined: true, Value: decimal.NewFromInt(r.Deals), N: r.Deals}, nil
	}
	return Observation{}, fmt.Errorf("target: metric %q: %w", quoteShort(string(t.Metric)), ErrInvalid)
}

// observeRate observes a ratio with its Wilson interval at c.
func observeRate(x funnel.Ratio, c funnel.Confidence) (Observation, error) {
	iv, err := x.Wilson(c)
	if err != nil {
		return Observation{}, err
	}
	return rateObservation(funnel.Rate{Ratio: x, Interval: iv}), nil
}

// rateObservation observes a rate that already has its interval.
func rateObservation(x funnel.Rate) Observation {
	if x.Den <= 0 {
		return Observation{Rate: x}
	}
	return Observation{Defined: true, Value: decimal.NewFromInt(x.Num).DivRound(decimal.NewFromInt(x.Den), divScale),
		Rate: x, N: x.Den}
}

// dayNanos is the length of a day in nanoseconds.
var dayNanos = decimal.NewFromInt(int64(24 * time.Hour))

// days returns d in days of 24 hours, rounded half away from zero to 10
// places.
func days(d time.Duration) decimal.Decimal {
	return decimal.NewFromInt(int64(d)).DivRound(dayNanos, divScale)
}

// Compare compares an observation with a target under the minimum sample
// of test (test.MinSample, 30 when zero: the one rule of every verdict of
// the library; see [funnel.Test]). The status is
//
//   - NoData when the observation is not Defined;
//   - Met when the observed value is at least (AtLeast) or at most
//     (AtMost) the target, exactly: a rate's Num/Den is compared, not its
//     rounded value;
//   - Missed when the miss is significant and N is at least the minimum
//     sample. A rate's miss is significant when its Wilson interval lies
//     wholly on the wrong side of the target (Hi < target for a minimum,
//     Lo > target for a maximum): the Wilson interval is the set of
//     proportions the score test does not reject (Wilson 1927, "Probable
//     inference, the law of succession, and statistical inference",
//     JASA 22), so this is the two-sided score test of "the true rate
//     equals the target" at the interval's level. A figure without an
//     interval (amounts, durations, counts, or a rate whose interval is
//     not Defined) is judged on its sample alone;
//   - Watch otherwise: a miss inside the interval, or on fewer than the
//     minimum sample.
//
// It returns an error wrapping [funnel.ErrInvalidParam] for an invalid
// target or test, or an observed rate that is not a proportion.
func Compare(t Target, obs Observation, test funnel.Test) (Result, error) {
	_, minSample, err := resolve(test)
	if err != nil {
		return Result{}, err
	}
	if err := t.Validate(); err != nil {
		return Result{}, err
	}
	if r := obs.Rate; r.Num < 0 || r.Den < 0 || r.Num > r.Den {
		return Result{}, fmt.Errorf("target: observed rate %d/%d: %w", r.Num, r.Den, funnel.ErrInvalidParam)
	}
	return compare(t, obs, minSample), nil
}

// resolve returns the level and minimum sample of a test, validated as
// every analysis of the library validates them.
func resolve(test funnel.Test) (float64, int64, error) {
	level, err := test.Confidence.Level()
	if err != nil {
		return 0, 0, err
	}
	if _, err := test.Method.MarshalText(); err != nil {
		return 0, 0, err
	}
	if test.MinSample < 0 {
		return 0, 0, fmt.Errorf("target: minimum sample %d: %w", test.MinSample, funnel.ErrInvalidParam)
	}
	minSample := test.MinSample
	if minSample == 0 {
		minSample = stat.DefaultMinSample
	}
	return level, minSample, nil
}

// compare is Compare for a valid target and a resolved minimum sample.
func compare(t Target, obs Observation, minSample int64) Result {
	res := Result{Target: t, Observed: obs}
	if !obs.Defined {
		return res
	}
	// the observed value as a fraction num/den: a rate exactly, other
	// figures over 1
	num, den := obs.Value, one
	useRate := t.Metric.IsRate() && obs.Rate.Den > 0
	if useRate {
		num, den = decimal.NewFromInt(obs.Rate.Num), decimal.NewFromInt(obs.Rate.Den)
	}
	diff := num.Sub(t.Value.Mul(den)) // (observed - target) × den
	res.Gap = decimal.NewNullDecimal(diff.DivRound(den, divScale))
	switch {
	case t.Bound == AtLeast && !t.Value.IsZero():
		res.Attainment = decimal.NewNullDecimal(num.DivRound(t.Value.Mul(den), divScale))
	case t.Bound == AtMost && !num.IsZero():
		res.Attainment = decimal.NewNullDecimal(t.Value.Mul(den).DivRound(num, divScale))
	}
	met := diff.Sign() >= 0
	if t.Bound == AtMost {
		met = diff.Sign() <= 0
	}
	significant := true // judged on the sample alone
	if iv := obs.Rate.Interval; useRate && iv.Defined {
		target := t.Value.InexactFloat64()
		if t.Bound == AtLeast {
			significant = iv.Hi < target
		} else {
			significant = iv.Lo > target
		}
	}
	switch {
	case met:
		res.Status = Met
	case significant && stat.Enough(obs.N, minSample):
		res.Status = Missed
	default:
		res.Status = Watch
	}
	return res
}

// An Evaluation is a report compared with the targets of one set that
// apply to its segment and period.
type Evaluation struct {
	// Set, Source and Benchmark describe the target set.
	Set       string `json:"set"`
	Source    string `json:"source"`
	Benchmark bool   `json:"benchmark"`
	// Segment and Period are those the report was evaluated for (Period
	// zero: none given).
	Segment string    `json:"segment"`
	Period  time.Time `json:"-"` // JSON period, null when zero
	// Confidence and MinSample are the test of every verdict.
	Confidence float64 `json:"confidence"`
	MinSample  int64   `json:"min_sample"`
	// Results has one row per target that applies, in the set's order.
	Results []Result `json:"results"`
	// Input is the report's: the deals read, counted, left out and
	// skipped.
	Input funnel.Input `json:"input"`
}

// Evaluate compares the report with every target of the set that applies
// to the segment and the period starting at period (a target with no
// Segment or no Period applies to all), in the set's order: each metric
// observed as [Observe] does at test's confidence level and compared as
// [Compare] does under its minimum sample. Pass the scan's test
// (funnel.Scan.Options().Test) to judge the report by its own rule.
//
// It returns the set's validation error ([Set.Validate]), and an error
// wrapping [funnel.ErrInvalidParam] for an invalid test or a report whose
// ratios are not proportions.
func (s Set) Evaluate(r funnel.Report, segment string, period time.Time, test funnel.Test) (Evaluation, error) {
	level, minSample, err := resolve(test)
	if err != nil {
		return Evaluation{}, err
	}
	if err := s.Validate(); err != nil {
		return Evaluation{}, err
	}
	e := Evaluation{Set: s.Name, Source: s.Source, Benchmark: s.Benchmark, Segment: segment, Period: period,
		Confidence: level, MinSample: minSample, Results: []Result{}, Input: cloneInput(r.Input)}
	for _, t := range s.Targets {
		if !t.applies(segment, period) {
			continue
		}
		obs, err := observe(&r, t, funnel.Confidence(level))
		if err != nil {
			return Evaluation{}, err
		}
		res := compare(t, obs, minSample)
		res.Set, res.Source, res.Benchmark = s.Name, s.Source, s.Benchmark
		e.Results = append(e.Results, res)
	}
	return e, nil
}

// cloneInput returns a copy of in that shares no slice with it.
func cloneInput(in funnel.Input) funnel.Input {
	in.Skipped.Reasons = slices.Clone(in.Skipped.Reasons)
	if in.Skipped.Reasons == nil {
		in.Skipped.Reasons = []funnel.ReasonCount{}
	}
	in.Skipped.Examples = slices.Clone(in.Skipped.Examples)
	if in.Skipped.Examples == nil {
		in.Skipped.Examples = []funnel.DealError{}
	}
	return in
}

type evaluationJSON struct {
	evaluationAlias
	Period *time.Time `json:"period"`
}

type evaluationAlias Evaluation

// MarshalJSON encodes the evaluation in the library's JSON style.
func (e Evaluation) MarshalJSON() ([]byte, error) {
	if e.Results == nil {
		e.Results = []Result{}
	}
	e.Input = cloneInput(e.Input)
	return json.Marshal(evaluationJSON{evaluationAlias(e), jsonstyle.Time(e.Period)})
}

// UnmarshalJSON decodes an evaluation written by [Evaluation.MarshalJSON].
func (e *Evaluation) UnmarshalJSON(b []byte) error {
	var o evaluationJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*e = Evaluation(o.evaluationAlias)
	if o.Period != nil {
		e.Period = *o.Period
	}
	return nil
}
