// Package funnel computes sales-funnel and revenue metrics from CRM data,
// exactly: lead generation, stage conversion and drop-off, leakage, win
// rates, deal size, sales-cycle length and time in stage, segmentation,
// and the shared machinery that every analysis of the sub-packages uses.
// Money is [decimal.Decimal], never float64; a rate keeps its numerator
// and denominator ([Ratio]) and carries its interval ([Rate]); an empty set
// is undefined, never NaN or 0.
//
// # Model
//
// A [Funnel] is an ordered list of distinct stages, declared once, with
// optional exclusion stages ([Funnel.Exclude]). A [Deal] carries its
// amount, outcome ([Open], [Won] or [Lost]), creation, close and expected
// close times, the history of stages it entered ([StageChange]), the
// history of its other fields ([FieldChange]: amount, expected close,
// probability, forecast category, attributes such as the owner) and its
// segmentation [Attributes]. [Deal.At] rebuilds a deal as it stood at any
// time. [Deal.Validate] returns a [*DealError] that names the deal and
// the field and wraps one of the ErrXxx sentinels.
//
// # One scan, many accumulators
//
// A [Scan] is the one validated reading of deals: a funnel and one
// [Options] value (strict or lenient [Mode], stage-reach [Policy] with
// optional stages, step windows and an attribute held constant, conversion
// window, as-of time, zone and [Period], currency, the confidence and
// minimum-sample rule of every test ([Test]), exact or sketched
// percentiles). Each deal is validated once, seen as it stood at the as-of
// time, and handed as a [View] to every [Accumulator]: [Tally] (the funnel
// [Report]), [Segments] (breakdowns) and the analyses of the
// sub-packages. [Scan.Run] feeds one stream to all of them in one pass, on
// all cores, with results equal to a serial run. Every accumulator merges
// (the merge of any split equals one pass), travels as bytes (versioned,
// deterministic, validated binary encodings) and reports what it read,
// left out and skipped ([Input], kept by an [Intake]). Every result
// marshals to JSON in one style (schema/funnel.schema.json in the
// repository) and decodes back.
//
// # Metrics
//
// [Report] holds the funnel metrics; every metric's formula and source are
// documented on the field that holds it. [CompareRates] is the one test of
// two proportions (z-test or Fisher's exact test, Newcombe interval,
// verdict withheld under the minimum sample). Where many comparisons are
// made at once (a ranking of segments, the changes of a trend or of a
// pulse wave, drivers) their p-values are adjusted together by
// Benjamini-Hochberg and the verdicts rest on the adjusted ones
// ([Comparison].PAdjusted). [MoneyStats] and
// [DurationStats] give exact (or sketched) percentiles of amounts and
// durations; [Cohort] is the one cohort-table row of deals and of
// customers.
//
// # Segmentation
//
// [Segments] breaks a report down by attributes ([ByAttr], [ByAttrAt] for
// an attribute's value at creation or close), amount bands ([ByAmount]),
// creation periods ([ByCreated]) or any key ([ByFunc]); [SegmentReport]
// compares segments with the rest or with each other and ranks them, each
// against the rest with the p-values adjusted together.
//
// # Customer lifetime value and employee sentiment
//
// The formula CLVs are [CLVSimple], [CLVMarginMultiple] and
// [CLVContractual]; [ENPSTally] scores employee Net Promoter Score answers
// exactly, with intervals ([ENPSScore.Interval]) and comparisons
// ([CompareENPS]).
//
// # Sub-packages
//
//   - csvimport: CRM exports (CSV) into deals, stage and field histories,
//     side tables and joins, with every row read or reported skipped.
//   - forecast: stage win rates learned once (Learner), weighted
//     pipeline, expected revenue by period, quota attainment, pipeline
//     changes between dates, backtests, velocity; pipeline inspection and
//     planning.
//   - trend: reports per period with their changes and tests, creation
//     cohorts, Kaplan-Meier survival curves, time to convert.
//   - target: targets and benchmarks, bottleneck ranking.
//   - drivers: conversion drivers (odds ratios per attribute value).
//   - attribution: touchpoint attribution and campaign ROI.
//   - clv: transaction logs, historical CLV, RFM, retention, and the
//     BG/NBD, Gamma-Gamma and shifted-beta-geometric models.
//   - pulse: pulse surveys, eNPS breakdowns with confidentiality,
//     one-on-ones.
//   - plan: a revenue target worked back through the funnel (wins,
//     opportunities per stage, leads, reps), and what-ifs.
//   - chart: charts of the results in SVG and PNG (gonum/plot): the
//     funnel, trends, cohorts, survival curves, expected revenue,
//     attribution, eNPS.
//   - cmd/funnel: the command-line tool (text, JSON, CSV and an HTML
//     report) over a CRM export.
//   - beam (a module of its own): the same accumulators on Apache Beam.
//   - schema: the JSON Schema of every result's JSON.
//
// # Time
//
// Functions never read the clock. Whatever depends on "now" takes the
// as-of time of [Options], and "as of" means the same in every analysis.
// Periods are computed in a caller-given zone, also where its clock skips
// midnight or a whole day, and in one [Calendar] (Options.Calendar:
// calendar years, a fiscal year starting in any month, or 4-4-5 weeks)
// that every analysis of the scan follows, in the sub-packages too
// (trends, cohorts, forecasts by period, quotas, plans; clv's logs take
// it from the scan or from their own options), and that names their
// periods (FY2025-Q1). A zero [time.Time] means "not recorded".
//
// # Concurrency
//
// Functions are safe for concurrent use. [Funnel] and [Scan] are
// immutable and may be shared. Results are plain values that share no
// memory with the accumulators. Accumulators are not safe for concurrent
// mutation: give each goroutine its own and Merge them, or let
// [Scan.Run] do it.
package funnel

import (
	"errors"
	"fmt"
	"iter"
	"slices"

	"github.com/funnelmetrics/funnel/internal/enum"
)

// MaxStages is the largest number of stages a [Funnel] may declare.
const MaxStages = 63

// Errors returned by this package. Each is wrapped with context (the deal,
// the field, the stage) and can be tested with [errors.Is].
var (
	// ErrInvalidStage reports an empty stage name, a duplicate stage or a
	// funnel with no stages or more than MaxStages.
	ErrInvalidStage = errors.New("funnel: invalid stage declaration")
	// ErrUnknownStage reports a stage that the funnel does not declare.
	ErrUnknownStage = errors.New("funnel: unknown stage")
	// ErrHistoryOrder reports a stage history whose times go backwards.
	ErrHistoryOrder = errors.New("funnel: stage history out of time order")
	// ErrClosedBeforeCreated reports a close time before the creation time,
	// or a stage entered before the deal was created or after it closed.
	ErrClosedBeforeCreated = errors.New("funnel: closed before created")
	// ErrMissingCloseTime reports a won or lost deal without a close time.
	ErrMissingCloseTime = errors.New("funnel: closed deal without close time")
	// ErrUnexpectedCloseTime reports an open deal that has a close time.
	ErrUnexpectedCloseTime = errors.New("funnel: open deal with close time")
	// ErrNegativeAmount reports a deal amount below zero.
	ErrNegativeAmount = errors.New("funnel: negative amount")
	// ErrCurrencyMismatch reports a deal whose currency differs from the
	// currency of the aggregate it is added to.
	ErrCurrencyMismatch = errors.New("funnel: currency mismatch")
	// ErrInvalidOutcome reports an outcome value other than Open, Won or Lost.
	ErrInvalidOutcome = errors.New("funnel: invalid outcome")
	// ErrMissingID reports a deal without an ID.
	ErrMissingID = errors.New("funnel: missing deal id")
	// ErrInvalidParam reports an invalid option or parameter.
	ErrInvalidParam = errors.New("funnel: invalid parameter")
	// ErrIncompatible reports an attempt to merge accumulators built for
	// different funnels or options.
	ErrIncompatible = errors.New("funnel: incompatible accumulators")
)

// A Stage is the name of one step of a sales funnel, such as "Qualified".
// Names are compared exactly (case matters).
type Stage string

// A Funnel is an ordered list of distinct stages. Deals enter stages in any
// order (skips, re-entries and backward moves are allowed), but the funnel's
// order defines conversion: stage k follows stage k-1. The terminal
// outcomes, won and lost, are not stages; see [Outcome].
//
// A Funnel is immutable and safe for concurrent use. The zero Funnel has no
// stages and validates no deal; build one with [New].
type Funnel struct {
	stages  []Stage
	index   map[Stage]int
	exclude []Stage // exclusion stages: known, not steps (see Exclude)
}

// New returns a funnel with the given stages in order. It returns an error
// wrapping [ErrInvalidStage] if there are no stages, more than [MaxStages],
// an empty name or a duplicate.
func New(stages ...Stage) (*Funnel, error) {
	if len(stages) == 0 {
		return nil, fmt.Errorf("funnel: no stages: %w", ErrInvalidStage)
	}
	if len(stages) > MaxStages {
		return nil, fmt.Errorf("funnel: %d stages, at most %d: %w", len(stages), MaxStages, ErrInvalidStage)
	}
	f := &Funnel{stages: slices.Clone(stages), index: make(map[Stage]int, len(stages))}
	for i, s := range stages {
		if s == "" {
			return nil, fmt.Errorf("funnel: stage %d is empty: %w", i, ErrInvalidStage)
		}
		if j, dup := f.index[s]; dup {
			return nil, fmt.Errorf("funnel: stage %q declared at %d and %d: %w", s, j, i, ErrInvalidStage)
		}
		f.index[s] = i
	}
	return f, nil
}

// Len returns the number of stages.
func (f *Funnel) Len() int { return len(f.stages) }

// Stage returns the i-th stage. It panics if i is out of range, like a
// slice index.
func (f *Funnel) Stage(i int) Stage { return f.stages[i] }

// Index returns the position of s in the funnel, and whether the funnel
// declares it.
func (f *Funnel) Index(s Stage) (i int, ok bool) { return f.lookup(s) }

// Stages returns an iterator over the stages in funnel order.
func (f *Funnel) Stages() iter.Seq[Stage] { return slices.Values(f.stages) }

// lookup returns the index of s, scanning short funnels (faster than
// hashing when names share their storage) and using the map otherwise.
func (f *Funnel) lookup(s Stage) (int, bool) {
	if len(f.stages) <= 8 {
		for i, t := range f.stages {
			if t == s {
				return i, true
			}
		}
		return 0, false
	}
	i, ok := f.index[s]
	return i, ok
}

// Exclude returns a funnel with f's stages that also declares exclusion
// stages: stages of the CRM that are not steps of the funnel, such as
// "Disqualified", where a deal leaves the funnel. A deal's stage entries
// after its first entry into an exclusion stage do not count (for reach,
// conversion or time in stage), its visit of the stage before ends there,
// and it is not counted as won. Validation accepts exclusion stages as
// known. It returns an error wrapping [ErrInvalidStage] for an empty name,
// a name that is already a stage or given twice, or more than [MaxStages]
// stages in all.
func (f *Funnel) Exclude(stages ...Stage) (*Funnel, error) {
	if len(f.stages)+len(f.exclude)+len(stages) > MaxStages {
		return nil, fmt.Errorf("funnel: %d stages and exclusions, at most %d: %w", len(f.stages)+len(f.exclude)+len(stages), MaxStages, ErrInvalidStage)
	}
	g := &Funnel{stages: f.stages, index: f.index, exclude: slices.Clone(f.exclude)}
	for _, s := range stages {
		if _, ok := f.index[s]; ok || s == "" || slices.Contains(g.exclude, s) {
			return nil, fmt.Errorf("funnel: exclusion stage %q is empty, a stage or repeated: %w", s, ErrInvalidStage)
		}
		g.exclude = append(g.exclude, s)
	}
	return g, nil
}

// Exclusions returns an iterator over the exclusion stages (see
// [Funnel.Exclude]).
func (f *Funnel) Exclusions() iter.Seq[Stage] { return slices.Values(f.exclude) }

// excluded reports whether s is an exclusion stage.
func (f *Funnel) excluded(s Stage) bool { return len(f.exclude) > 0 && slices.Contains(f.exclude, s) }

// equal reports whether f and g declare the same stages and exclusion
// stages in the same order.
func (f *Funnel) equal(g *Funnel) bool {
	return f == g || (f != nil && g != nil && slices.Equal(f.stages, g.stages) && slices.Equal(f.exclude, g.exclude))
}

// The names of the package's enums, by the one rule of [enum].

func enumString[T ~int8 | ~int](v T, names []string, typ string) string {
	return enum.Name(v, names, typ)
}

func enumMarshal[T ~int8 | ~int](v T, names []string, what string, sentinel error) ([]byte, error) {
	return enum.Text(v, names, "funnel", what, sentinel)
}

func enumUnmarshal[T ~int8 | ~int](v *T, b []byte, names []string, what string, sentinel error) error {
	return enum.Parse(v, b, names, "funnel", what, sentinel)
}
