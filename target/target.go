package target

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/enum"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
	"github.com/shopspring/decimal"
)

// ErrInvalid reports a target or a set that is malformed: an unknown
// metric, bound or field, a missing or stray stage, a value out of range,
// or a document that is not a set. It wraps [funnel.ErrInvalidParam], so
// that errors.Is(err, funnel.ErrInvalidParam) holds for every such error.
var ErrInvalid = fmt.Errorf("target: invalid target: %w", funnel.ErrInvalidParam)

// An Error reports the target of a [Set] that failed validation or
// decoding, or a set that is malformed as a whole. Err wraps [ErrInvalid]
// (and, for a document that is not JSON, the JSON error).
type Error struct {
	// Index is the position of the target in its set, or -1 for the set
	// itself and for a target decoded or validated on its own.
	Index int
	// Field is the offending field ("metric", "value" ...), an unknown
	// field's name, or "json" for a document that is not a set at all
	// (not JSON, not an object, too large, trailing data).
	Field string
	Err   error
}

// Error returns "target: target N: field: reason", or "target: set:
// field: reason" for Index -1.
func (e *Error) Error() string {
	where := "set"
	if e.Index >= 0 {
		where = "target " + strconv.Itoa(e.Index)
	}
	reason := "invalid"
	if e.Err != nil {
		reason = e.Err.Error()
	}
	return "target: " + where + ": " + e.Field + ": " + reason
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// A Metric names a figure of a [funnel.Report] that a target applies to.
// It is one of the constants below; its text is its name, and any other
// text is invalid.
type Metric string

// The metrics targets apply to. Rates are fractions in [0, 1], amounts
// are money in the report's currency, durations are in days (of 24
// hours), counts are numbers of deals.
const (
	// WinRate is the report's WinRate, W / (W + L): won among closed
	// deals (Salesforce's and HubSpot's win rate).
	WinRate Metric = "win_rate"
	// WinRateCreated is the report's WinRateCreated, W / deals (the
	// created basis, as Bullhorn reports it).
	WinRateCreated Metric = "win_rate_created"
	// StepConversion is the step conversion into Stage, N_Stage /
	// N_previous (the Step rate of Stage's funnel row; Stage "won" for the
	// won row): PostHog's "previous step" conversion.
	StepConversion Metric = "step_conversion"
	// CumulativeConversion is the conversion into Stage from the first
	// stage, N_Stage / N_first (the Cumulative rate of Stage's row).
	CumulativeConversion Metric = "cumulative_conversion"
	// DealSize is the average deal size, sum(won amount) / W.
	DealSize Metric = "deal_size"
	// CycleDays is the mean sales cycle of won deals, Closed - Created,
	// in days.
	CycleDays Metric = "cycle_days"
	// TimeInStageDays is the median time of the latest visit to Stage
	// (HubSpot's "latest time in stage"), in days.
	TimeInStageDays Metric = "time_in_stage_days"
	// DealsCreated is the number of deals (leads) in the report.
	DealsCreated Metric = "deals_created"
)

// metricKind is what a metric is: a rate or not, with a stage or not.
func (m Metric) kind() (rate, needsStage, ok bool) {
	switch m {
	case WinRate, WinRateCreated:
		return true, false, true
	case StepConversion, CumulativeConversion:
		return true, true, true
	case DealSize, CycleDays, DealsCreated:
		return false, false, true
	case TimeInStageDays:
		return false, true, true
	}
	return false, false, false
}

// IsRate reports whether the metric is a rate: its observations carry a
// Wilson interval and its targets are in [0, 1].
func (m Metric) IsRate() bool {
	rate, _, _ := m.kind()
	return rate
}

// String returns the metric's name.
func (m Metric) String() string { return string(m) }

// MarshalText encodes the metric by name. It returns an error wrapping
// [ErrInvalid] for an unknown metric.
func (m Metric) MarshalText() ([]byte, error) {
	if _, _, ok := m.kind(); !ok {
		return nil, fmt.Errorf("target: metric %q: %w", quoteShort(string(m)), ErrInvalid)
	}
	return []byte(m), nil
}

// UnmarshalText decodes a metric name written by [Metric.MarshalText].
func (m *Metric) UnmarshalText(b []byte) error {
	if _, _, ok := Metric(b).kind(); !ok {
		return fmt.Errorf("target: metric %q: %w", quoteShort(string(b)), ErrInvalid)
	}
	*m = Metric(b)
	return nil
}

// quoteShort cuts s to 64 bytes, so that an error quoting hostile input
// stays short.
func quoteShort(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// A Bound says which side of a target is good. The zero Bound is
// [AtLeast].
type Bound int8

// The bounds.
const (
	// AtLeast makes the target a minimum: higher is better.
	AtLeast Bound = iota
	// AtMost makes the target a maximum: lower is better.
	AtMost
)

var boundNames = []string{AtLeast: "at_least", AtMost: "at_most"}

// String returns "at_least" or "at_most", or "Bound(N)" for an invalid
// value.
func (b Bound) String() string { return enumName(b, boundNames, "Bound") }

// MarshalText encodes the bound as "at_least" or "at_most". It returns an
// error wrapping [ErrInvalid] for any other value.
func (b Bound) MarshalText() ([]byte, error) { return enumText(b, boundNames, "bound") }

// UnmarshalText decodes "at_least" or "at_most".
func (b *Bound) UnmarshalText(t []byte) error { return enumParse(b, t, boundNames, "bound") }

// MaxExponent bounds the exponent of a target's value as
// [decimal.Decimal] holds it (1e30, 0.5 and 1e-30 are within it) and
// MaxDigits the digits of its coefficient: no figure needs more, and
// arithmetic on decimals whose exponents are far apart is slow.
const (
	MaxExponent = 30
	MaxDigits   = 60
)

// A Target is a KPI target or a benchmark figure: a minimum or a maximum
// of one [Metric], for one stage (stage metrics only), optionally for one
// segment and one period.
//
// In JSON a target is
//
//	{"metric": "step_conversion", "stage": "Demo", "segment": "EMEA",
//	 "period": "2024-01-01T00:00:00Z", "bound": "at_least", "value": "0.4"}
//
// with "metric" and "value" required; the others may be left out (and
// "period" may be null): no stage, every segment, every period, at
// least. The value may be a JSON number or a decimal string.
type Target struct {
	// Metric is the figure the target applies to.
	Metric Metric `json:"metric"`
	// Stage is the stage of a stage metric ("won" for the won row), ""
	// for the others.
	Stage funnel.Stage `json:"stage"`
	// Segment limits the target to one segment; "" applies to all.
	Segment string `json:"segment"`
	// Period, when not zero, limits the target to the period that starts
	// at Period (compared as instants); zero applies to every period.
	Period time.Time `json:"-"` // JSON period, null when zero
	// Bound says whether Value is a minimum or a maximum.
	Bound Bound `json:"bound"`
	// Value is the target: a fraction in [0, 1] for a rate, an amount, a
	// number of days or of deals.
	Value decimal.Decimal `json:"value"`
}

// Validate checks the target: a known metric and bound, a stage for stage
// metrics and none for the others, a period (when not zero) in years 1 to
// 9999, a non-negative value within
// [MaxExponent] and [MaxDigits], at most 1 for a rate. It returns an
// [*Error] (Index -1) wrapping [ErrInvalid] for the first problem, in
// that order.
func (t Target) Validate() error {
	field, err := t.check()
	if err != nil {
		return &Error{Index: -1, Field: field, Err: err}
	}
	return nil
}

var one = decimal.NewFromInt(1)

// check validates t and returns the offending field with its reason.
func (t Target) check() (string, error) {
	rate, needsStage, ok := t.Metric.kind()
	switch {
	case !ok:
		return "metric", fmt.Errorf("unknown metric %q: %w", quoteShort(string(t.Metric)), ErrInvalid)
	case t.Bound != AtLeast && t.Bound != AtMost:
		return "bound", fmt.Errorf("bound %d: %w", t.Bound, ErrInvalid)
	case needsStage && t.Stage == "":
		return "stage", fmt.Errorf("metric %s needs a stage: %w", t.Metric, ErrInvalid)
	case !needsStage && t.Stage != "":
		return "stage", fmt.Errorf("metric %s takes no stage: %w", t.Metric, ErrInvalid)
	case !t.Period.IsZero() && (!inYears(t.Period) || !inYears(t.Period.UTC())):
		return "period", fmt.Errorf("period outside years 1 to 9999: %w", ErrInvalid)
	}
	v := t.Value
	switch {
	case v.Exponent() > MaxExponent || v.Exponent() < -MaxExponent || v.NumDigits() > MaxDigits:
		return "value", fmt.Errorf("value out of range (exponent within ±%d, at most %d digits): %w", MaxExponent, MaxDigits, ErrInvalid)
	case v.Sign() < 0:
		return "value", fmt.Errorf("negative value %s: %w", v, ErrInvalid)
	case rate && v.GreaterThan(one):
		return "value", fmt.Errorf("rate %s above 1: %w", v, ErrInvalid)
	}
	return "", nil
}

// inYears reports whether t's year is in 1..9999, the years RFC 3339
// writes.
func inYears(t time.Time) bool { return t.Year() >= 1 && t.Year() <= 9999 }

// applies reports whether the target applies to the segment and the
// period starting at period.
func (t Target) applies(segment string, period time.Time) bool {
	return (t.Segment == "" || t.Segment == segment) && (t.Period.IsZero() || t.Period.Equal(period))
}

// equal reports whether two targets are the same: equal values, periods
// compared as instants.
func (t Target) equal(o Target) bool {
	return t.Metric == o.Metric && t.Stage == o.Stage && t.Segment == o.Segment && t.Period.Equal(o.Period) &&
		t.Bound == o.Bound && t.Value.Equal(o.Value)
}

type targetJSON struct {
	Metric  Metric          `json:"metric"`
	Stage   funnel.Stage    `json:"stage"`
	Segment string          `json:"segment"`
	Period  *time.Time      `json:"period"`
	Bound   Bound           `json:"bound"`
	Value   decimal.Decimal `json:"value"`
}

// MarshalJSON encodes the target with every key, "period" null when zero.
// It returns an error wrapping [ErrInvalid] for an unknown metric or
// bound.
func (t Target) MarshalJSON() ([]byte, error) {
	return json.Marshal(targetJSON{t.Metric, t.Stage, t.Segment, jsonstyle.Time(t.Period), t.Bound, t.Value})
}

// UnmarshalJSON decodes and validates a target (see [Target] and
// [Target.Validate]). Unknown fields, a missing metric or value, and null
// for any field but "period" are errors; a repeated key takes its last
// value, as encoding/json does. It returns an [*Error] (Index -1) naming
// the field.
func (t *Target) UnmarshalJSON(b []byte) error {
	out, field, err := decodeTarget(b)
	if err != nil {
		return &Error{Index: -1, Field: field, Err: err}
	}
	*t = out
	return nil
}

// targetFields are a target's JSON keys, in the order they are checked.
var targetFields = []string{"metric", "stage", "segment", "period", "bound", "value"}

// decodeTarget decodes one target object field by field, so that an error
// names its field, and validates it.
func decodeTarget(b []byte) (Target, string, error) {
	fields, name, err := object(b, targetFields)
	if err != nil {
		return Target{}, name, err
	}
	var t Target
	for _, name := range targetFields {
		raw, ok := fields[name]
		if !ok {
			if name == "metric" || name == "value" {
				return Target{}, name, fmt.Errorf("missing: %w", ErrInvalid)
			}
			continue
		}
		if isNull(raw) {
			if name == "period" {
				continue
			}
			return Target{}, name, fmt.Errorf("null: %w", ErrInvalid)
		}
		var dst any
		switch name {
		case "metric":
			dst = &t.Metric
		case "stage":
			dst = &t.Stage
		case "segment":
			dst = &t.Segment
		case "period":
			dst = &t.Period
		case "bound":
			dst = &t.Bound
		case "value":
			// decimal.Decimal reads numbers and strings alike; check the
			// exponent before anything computes with it
			dst = &t.Value
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return Target{}, name, wrapInvalid(err)
		}
	}
	if field, err := t.check(); err != nil {
		return Target{}, field, err
	}
	return t, "", nil
}

// object decodes a JSON object into its raw members, rejecting keys that
// are not in known.
func object(b []byte, known []string) (map[string]json.RawMessage, string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, "json", fmt.Errorf("not a JSON object: %w", ErrInvalid)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, "json", wrapInvalid(err)
	}
	unknown := ""
	for k := range fields {
		if !slices.Contains(known, k) && (unknown == "" || k < unknown) {
			unknown = k
		}
	}
	if unknown != "" {
		return nil, quoteShort(unknown), fmt.Errorf("unknown field: %w", ErrInvalid)
	}
	return fields, "", nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// wrapInvalid wraps a decoding error with ErrInvalid, unless it already
// is one.
func wrapInvalid(err error) error {
	if errors.Is(err, ErrInvalid) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInvalid, err)
}

// A Set is a named list of targets: the team's own targets, or benchmark
// figures (industry averages, peer figures) that the caller supplies with
// their source. The library ships no benchmark figures.
//
// In JSON a set is
//
//	{"name": "SaaS peers 2024", "source": "...", "benchmark": true,
//	 "targets": [{"metric": "win_rate", "bound": "at_least", "value": "0.2"}]}
//
// where every key may be left out (an empty set).
type Set struct {
	// Name names the set in results ("2024 targets", "SaaS peers").
	Name string `json:"name"`
	// Source says where the figures come from (a report, a peer group).
	Source string `json:"source"`
	// Benchmark is true for external reference figures, false for the
	// team's own targets.
	Benchmark bool `json:"benchmark"`
	// Targets are the set's targets, in order: where several match, the
	// first one is used.
	Targets []Target `json:"targets"`
}

// Validate checks every target of the set (see [Target.Validate]). It
// returns an [*Error] with the target's Index, wrapping [ErrInvalid], for
// the first problem.
func (s Set) Validate() error {
	for i, t := range s.Targets {
		if field, err := t.check(); err != nil {
			return &Error{Index: i, Field: field, Err: err}
		}
	}
	return nil
}

// clone returns a copy of s that shares no slice with it.
func (s Set) clone() Set {
	s.Targets = slices.Clone(s.Targets)
	if s.Targets == nil {
		s.Targets = []Target{}
	}
	return s
}

// equal reports whether two sets hold the same targets.
func (s Set) equal(o Set) bool {
	return s.Name == o.Name && s.Source == o.Source && s.Benchmark == o.Benchmark &&
		slices.EqualFunc(s.Targets, o.Targets, Target.equal)
}

// MarshalJSON encodes the set, with [] for no targets.
func (s Set) MarshalJSON() ([]byte, error) {
	type alias Set
	if s.Targets == nil {
		s.Targets = []Target{}
	}
	return json.Marshal(alias(s))
}

var setFields = []string{"name", "source", "benchmark", "targets"}

// UnmarshalJSON decodes and validates a set (see [Set] and
// [Set.Validate]): unknown fields and null values are errors, and an
// error names the target by its index and the field. It returns an
// [*Error] wrapping [ErrInvalid].
func (s *Set) UnmarshalJSON(b []byte) error {
	fields, name, err := object(b, setFields)
	if err != nil {
		return &Error{Index: -1, Field: name, Err: err}
	}
	out := Set{Targets: []Target{}}
	for _, name := range setFields {
		raw, ok := fields[name]
		if !ok {
			continue
		}
		if isNull(raw) {
			return &Error{Index: -1, Field: name, Err: fmt.Errorf("null: %w", ErrInvalid)}
		}
		var err error
		switch name {
		case "name":
			err = json.Unmarshal(raw, &out.Name)
		case "source":
			err = json.Unmarshal(raw, &out.Source)
		case "benchmark":
			err = json.Unmarshal(raw, &out.Benchmark)
		case "targets":
			var list []json.RawMessage
			if err = json.Unmarshal(raw, &list); err != nil {
				break
			}
			for i, tb := range list {
				t, field, err := decodeTarget(tb)
				if err != nil {
					return &Error{Index: i, Field: field, Err: err}
				}
				out.Targets = append(out.Targets, t)
			}
		}
		if err != nil {
			return &Error{Index: -1, Field: name, Err: wrapInvalid(err)}
		}
	}
	*s = out
	return nil
}

// MaxSetBytes bounds the size of a set [Parse] reads: 1 MiB, some ten
// thousand targets.
const MaxSetBytes = 1 << 20

// Parse reads one set from a JSON document (see [Set] for the format) of
// at most [MaxSetBytes], and validates it. It returns an [*Error] wrapping
// [ErrInvalid]: Index -1 and Field "json" for a document that is not a
// JSON object, is larger than MaxSetBytes or has data after the set;
// otherwise the field (and the target's Index) at fault. Read errors are
// returned as they are.
func Parse(r io.Reader) (Set, error) {
	if r == nil {
		return Set{}, &Error{Index: -1, Field: "json", Err: fmt.Errorf("nil reader: %w", ErrInvalid)}
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxSetBytes+1))
	if err != nil {
		return Set{}, err
	}
	if len(data) > MaxSetBytes {
		return Set{}, &Error{Index: -1, Field: "json", Err: fmt.Errorf("document larger than %d bytes: %w", MaxSetBytes, ErrInvalid)}
	}
	var s Set
	if err := json.Unmarshal(data, &s); err != nil {
		var te *Error
		if errors.As(err, &te) {
			return Set{}, te
		}
		return Set{}, &Error{Index: -1, Field: "json", Err: wrapInvalid(err)}
	}
	return s, nil
}

// The names of the package's enums, by the one rule of [enum].

func enumText[T ~int8](v T, names []string, what string) ([]byte, error) {
	return enum.Text(v, names, "target", what, ErrInvalid)
}

func enumParse[T ~int8](v *T, b []byte, names []string, what string) error {
	return enum.Parse(v, b, names, "target", what, ErrInvalid)
}

func enumName[T ~int8](v T, names []string, typ string) string { return enum.Name(v, names, typ) }
