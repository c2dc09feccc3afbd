package target

import (
	"cmp"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/shopspring/decimal"
)

// Options are the settings of a [Bottleneck] of its own; how deals are
// read and counted (mode, policy, window, as-of time, currency,
// confidence and minimum sample) comes from its [funnel.Scan].
type Options struct {
	// Targets are target sets and benchmark sets. Their step_conversion
	// and time_in_stage_days targets with no segment and no period are
	// used: for each step, the first matching target of each metric, in
	// the order of the sets and of their targets.
	Targets []Set
	// StallAfter, when positive, is the time in their current stage after
	// which open deals count as stalled: AsOf - entry > StallAfter, with
	// entry the time the deal (as of AsOf) entered its current stage. It
	// is the idea of Pipedrive's "rotting" deals, flagged once they stay
	// idle in a stage for a set number of days; the clock here is the
	// time in the stage, as a deal carries no activities. It needs the
	// scan's as-of time. Zero counts no stalls.
	StallAfter time.Duration
}

// A Bottleneck accumulates what ranks the steps of a funnel by how much
// they hold deals back, in one pass: a [funnel.Tally] of the scan's deals
// (stage reach, step conversion over decided deals, drop-off, leakage,
// time in stage) and, per stage, the open deals stalled there. It is the
// [funnel.Accumulator] behind [Rank]; [Bottleneck.Ranking] reads the
// ranking.
//
// Memory is the tally's (it keeps every amount and duration for exact
// medians) plus three figures per stage. A Bottleneck is not safe for
// concurrent use: give each goroutine its own (Fresh) and Merge them, as
// funnel.Scan.Run does. The zero value is not usable but as the receiver
// of UnmarshalBinary; build one with [NewBottleneck].
type Bottleneck struct {
	s    *funnel.Scan
	opts Options
	t    *funnel.Tally
	// per funnel stage (not the won row)
	stalled      []int64     // open deals in the stage for longer than StallAfter
	stalledValue []amountSum // their amount as of the as-of time
	stallUntimed []int64     // open deals in the stage whose entry time is unknown
}

// NewBottleneck returns an empty bottleneck analysis of the scan's deals.
// It returns an error wrapping [funnel.ErrInvalidParam] for a nil scan, a
// negative StallAfter or a positive one without the scan's as-of time,
// and the validation error of an invalid target set ([Set.Validate]).
func NewBottleneck(s *funnel.Scan, opts Options) (*Bottleneck, error) {
	if s == nil {
		return nil, fmt.Errorf("target: nil scan: %w", funnel.ErrInvalidParam)
	}
	if opts.StallAfter < 0 || (opts.StallAfter > 0 && s.Options().AsOf.IsZero()) {
		return nil, fmt.Errorf("target: stall threshold %v needs a positive value and the scan's as-of time: %w", opts.StallAfter, funnel.ErrInvalidParam)
	}
	sets := make([]Set, len(opts.Targets))
	for i, set := range opts.Targets {
		if err := set.Validate(); err != nil {
			return nil, err
		}
		sets[i] = set.clone()
	}
	opts.Targets = sets
	n := s.Funnel().Len()
	b := &Bottleneck{s: s, opts: opts, t: funnel.NewTally(s),
		stalled: make([]int64, n), stalledValue: make([]amountSum, n), stallUntimed: make([]int64, n)}
	return b, nil
}

// Rank ranks the funnel's steps over the deals, read in one pass:
// [NewBottleneck], [funnel.Scan.Run] and [Bottleneck.Ranking]. It returns
// their errors, and one wrapping [funnel.ErrInvalidParam] for a nil
// stream.
func Rank(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts Options) (Ranking, error) {
	return onepass.Run(s, deals, opts, NewBottleneck, onepass.Always((*Bottleneck).Ranking))
}

// Scan returns the scan the bottleneck analysis was built for.
func (b *Bottleneck) Scan() *funnel.Scan { return b.s }

// Fresh returns an empty bottleneck analysis of the same scan and
// options.
func (b *Bottleneck) Fresh() funnel.Accumulator {
	if b.s == nil {
		return new(Bottleneck)
	}
	out, _ := NewBottleneck(b.s, b.opts) // the options were valid for b
	return out
}

// Add validates d and adds it, as [funnel.Scan.Add] does: an invalid deal
// is counted as skipped and its [*funnel.DealError] returned.
func (b *Bottleneck) Add(d funnel.Deal) error {
	if b.s == nil {
		return errZero
	}
	return b.s.Add(d, b)
}

// errZero reports the use of a zero Bottleneck.
var errZero = fmt.Errorf("target: a zero Bottleneck, not built by NewBottleneck: %w", funnel.ErrInvalidParam)

// Observe adds one deal handed over by the scan (see
// [funnel.Accumulator]): to the tally, which counts the intake, and, for
// an open deal, to the stalls of its current stage. The scan's Run and
// Add refuse a zero Bottleneck, which has no scan.
func (b *Bottleneck) Observe(v *funnel.View) {
	b.t.Observe(v)
	if !v.Counted() || b.opts.StallAfter <= 0 || v.Deal.Outcome != funnel.Open {
		return
	}
	k, at := v.Entry(v.Len() - 1)
	switch {
	case at.IsZero():
		b.stallUntimed[k]++
	case b.s.Options().AsOf.Sub(at) > b.opts.StallAfter:
		b.stalled[k]++
		b.stalledValue[k].add(v.Deal.Amount)
	}
}

// Merge adds every deal counted by o, a *Bottleneck of an equal scan and
// options, to b. o is not modified. It returns an error wrapping
// [funnel.ErrIncompatible] for another kind, scan or options, and one
// wrapping [funnel.ErrInvalidParam] for a nil o or b itself.
func (b *Bottleneck) Merge(o funnel.Accumulator) error {
	if o == nil || b == nil {
		return fmt.Errorf("target: merging nil: %w", funnel.ErrInvalidParam)
	}
	ob, ok := o.(*Bottleneck)
	switch {
	case !ok:
		return fmt.Errorf("target: merging %T into %T: %w", o, b, funnel.ErrIncompatible)
	case ob == nil:
		return fmt.Errorf("target: merging a nil %T: %w", o, funnel.ErrInvalidParam)
	case ob == b:
		return fmt.Errorf("target: merging %T into itself: %w", b, funnel.ErrInvalidParam)
	case b.s == nil || ob.s == nil:
		return errZero
	case !b.s.Equal(ob.s):
		return fmt.Errorf("target: merging accumulators of different scans: %w", funnel.ErrIncompatible)
	case !b.sameOptions(ob.opts):
		return fmt.Errorf("target: merging bottleneck analyses of other options: %w", funnel.ErrIncompatible)
	}
	if err := b.t.Merge(ob.t); err != nil {
		return err
	}
	for k := range b.stalled {
		b.stalled[k] += ob.stalled[k]
		b.stalledValue[k].add(ob.stalledValue[k].value())
		b.stallUntimed[k] += ob.stallUntimed[k]
	}
	return nil
}

// sameOptions reports whether o are b's options: the same stall threshold
// and the same target sets.
func (b *Bottleneck) sameOptions(o Options) bool {
	return b.opts.StallAfter == o.StallAfter && slices.EqualFunc(b.opts.Targets, o.Targets, Set.equal)
}

// A Step is one step of the funnel, from a stage to the next one (or to
// the won outcome), with the evidence that it holds deals back. Counts
// are those of the [funnel.Report] rows of From and To.
type Step struct {
	From funnel.Stage `json:"from"`
	// To is the next stage, or "won" for the last step.
	To funnel.Stage `json:"to"`
	// Conversion is the step conversion N_To / N_From, and Decided the
	// same over decided deals, N_To / (N_From - Pending) (the report's
	// StepDecided), each with its Wilson interval at the scan's level.
	Conversion funnel.Rate `json:"conversion"`
	Decided    funnel.Rate `json:"decided"`
	// DropOff = N_From - N_To, its rate DropOff / N_From, and its split
	// into Dropped and Pending (still open inside the conversion window).
	DropOff     int64       `json:"drop_off"`
	DropOffRate funnel.Rate `json:"drop_off_rate"`
	Dropped     int64       `json:"dropped"`
	Pending     int64       `json:"pending"`
	// Lost and LostValue are the deals lost while in From (leakage).
	Lost      int64           `json:"lost"`
	LostValue decimal.Decimal `json:"lost_value"`
	// TimeInStage is the latest time in From (the report row's
	// TimeLatest).
	TimeInStage funnel.DurationSummary `json:"time_in_stage"`
	// Open and OpenValue are the deals open in From as of the as-of
	// time; Stalled of them have been there longer than StallAfter, with
	// StalledValue their amount, and StallUntimed have an unknown entry
	// time and were not judged.
	Open         int64           `json:"open"`
	OpenValue    decimal.Decimal `json:"open_value"`
	Stalled      int64           `json:"stalled"`
	StalledValue decimal.Decimal `json:"stalled_value"`
	StallUntimed int64           `json:"stall_untimed"`
	// ConversionTarget compares Decided with the first matching
	// step_conversion target into To, and TimeTarget the median time in
	// From with the first matching time_in_stage_days target of From;
	// nil when there is none.
	ConversionTarget *Result `json:"conversion_target"`
	TimeTarget       *Result `json:"time_target"`
	// Shortfall is the number of deals the step would have moved on at
	// its conversion target, target × Decided.Den - Decided.Num, when a
	// minimum conversion target is missed (watch or missed); zero
	// otherwise.
	Shortfall decimal.Decimal `json:"shortfall"`
	// Significant reports a significant miss of a minimum conversion
	// target (ConversionTarget.Status is Missed).
	Significant bool `json:"significant"`
	// Reasons says, in words, why the step ranks where it does.
	Reasons []string `json:"reasons"`
}

// A Ranking ranks the steps of a funnel, the one that holds deals back the
// most first (see [Bottleneck.Ranking]).
type Ranking struct {
	// Steps has one step per pair of consecutive funnel rows, worst
	// first.
	Steps []Step `json:"steps"`
	// StallAfter is the stall threshold (zero: stalls not counted).
	StallAfter time.Duration `json:"-"` // JSON stall_after_seconds
	// Confidence and MinSample are the scan's test, the rule of every
	// interval and verdict.
	Confidence float64 `json:"confidence"`
	MinSample  int64   `json:"min_sample"`
	// Report is the funnel report of the deals the steps come from.
	Report funnel.Report `json:"report"`
	// Input says what the analysis was given (the report's Input).
	Input funnel.Input `json:"input"`
}

// Ranking returns the steps of the funnel over the deals added so far,
// ranked by, in turn:
//
//  1. a significant miss of a minimum conversion target first (Significant);
//  2. the larger excess, Shortfall + Stalled: deals short of the target
//     plus deals stuck in From, both counts of deals;
//  3. the larger number of decided drop-offs, Dropped (Amplitude ranks
//     drop-off by the absolute count);
//  4. funnel order.
//
// The conversion target is compared with the decided conversion, whose
// pending deals have not had their chance yet; verdicts follow [Compare]
// under the scan's minimum sample. The ranking shares no memory with b.
func (b *Bottleneck) Ranking() Ranking {
	if b.s == nil {
		return Ranking{Steps: []Step{}, Input: cloneInput(funnel.Input{})}
	}
	r := b.t.Report()
	level, minSample := b.s.Level(), b.s.MinSample()
	out := Ranking{StallAfter: b.opts.StallAfter, Confidence: level, MinSample: minSample,
		Report: r, Input: cloneInput(r.Input), Steps: make([]Step, 0, b.s.Funnel().Len())}
	for k := range b.s.Funnel().Len() {
		from, to := &r.Funnel[k], &r.Funnel[k+1]
		s := Step{From: from.Stage, To: to.Stage, Conversion: to.Step, Decided: to.StepDecided,
			DropOff: to.DropOff, DropOffRate: to.DropOffRate, Dropped: to.Dropped, Pending: to.Pending,
			Lost: from.Lost, LostValue: from.LostValue, TimeInStage: from.TimeLatest,
			Open: from.Open, OpenValue: from.OpenValue,
			Stalled: b.stalled[k], StalledValue: b.stalledValue[k].value(), StallUntimed: b.stallUntimed[k]}
		if t, set, ok := b.find(StepConversion, to.Stage); ok {
			res := compare(t, rateObservation(s.Decided), minSample)
			res.Set, res.Source, res.Benchmark = set.Name, set.Source, set.Benchmark
			s.ConversionTarget = &res
			if t.Bound == AtLeast && (res.Status == Watch || res.Status == Missed) {
				s.Shortfall = t.Value.Mul(decimal.NewFromInt(s.Decided.Den)).Sub(decimal.NewFromInt(s.Decided.Num))
				s.Significant = res.Status == Missed
			}
		}
		if t, set, ok := b.find(TimeInStageDays, from.Stage); ok {
			obs, _ := observe(&r, t, funnel.Confidence(level)) // a valid time target observes without error
			res := compare(t, obs, minSample)
			res.Set, res.Source, res.Benchmark = set.Name, set.Source, set.Benchmark
			s.TimeTarget = &res
		}
		s.Reasons = reasons(&s, level, minSample, b.opts.StallAfter)
		out.Steps = append(out.Steps, s)
	}
	order := make(map[funnel.Stage]int, len(out.Steps))
	for k, s := range out.Steps {
		order[s.From] = k
	}
	slices.SortStableFunc(out.Steps, func(a, b Step) int {
		if a.Significant != b.Significant {
			if a.Significant {
				return -1
			}
			return 1
		}
		ea := a.Shortfall.Add(decimal.NewFromInt(a.Stalled))
		eb := b.Shortfall.Add(decimal.NewFromInt(b.Stalled))
		return cmp.Or(eb.Cmp(ea), cmp.Compare(b.Dropped, a.Dropped), cmp.Compare(order[a.From], order[b.From]))
	})
	return out
}

// find returns the first target of the metric and stage that applies to
// every segment and period, with its set.
func (b *Bottleneck) find(m Metric, stage funnel.Stage) (Target, Set, bool) {
	for _, set := range b.opts.Targets {
		for _, t := range set.Targets {
			if t.Metric == m && t.Stage == stage && t.Segment == "" && t.Period.IsZero() {
				return t, set, true
			}
		}
	}
	return Target{}, Set{}, false
}

// reasons says in words why the step ranks where it does.
func reasons(s *Step, level float64, minSample int64, stallAfter time.Duration) []string {
	out := []string{}
	if s.Decided.Den > 0 {
		out = append(out, fmt.Sprintf("conversion %s to %s: %s (%s interval %s-%s)", s.From, s.To, s.Decided.Ratio,
			format.Level(level), floatPct(s.Decided.Interval.Lo), floatPct(s.Decided.Interval.Hi)))
	} else {
		out = append(out, fmt.Sprintf("conversion %s to %s: no decided deals", s.From, s.To))
	}
	if c := s.ConversionTarget; c != nil && c.Status != NoData {
		what, src := c.describe()
		gap := c.Gap.Decimal.Abs().Mul(decimal.NewFromInt(100)).StringFixed(1)
		side := "below"
		if c.Target.Bound == AtMost {
			side = "above"
		}
		switch c.Status {
		case Met:
			out = append(out, fmt.Sprintf("meets the %s %s (%s)", what, pctText(c.Target.Value), src))
		case Watch, Missed:
			verdict := "significant"
			if c.Status == Watch {
				verdict = "not significant"
				if c.Observed.N < minSample {
					verdict = "fewer than " + strconv.FormatInt(minSample, 10) + " decided deals to judge"
				}
			}
			text := fmt.Sprintf("%s the %s %s (%s) by %s points, %s", side, what, pctText(c.Target.Value), src, gap, verdict)
			if c.Target.Bound == AtLeast {
				text += ": " + s.Shortfall.StringFixed(1) + " deals short"
			}
			out = append(out, text)
		}
	}
	if s.DropOff > 0 {
		out = append(out, fmt.Sprintf("drop-off %d deals (%s), %d decided, %d pending", s.DropOff, s.DropOffRate.Ratio, s.Dropped, s.Pending))
	}
	if c := s.TimeTarget; c != nil && c.Status != NoData && c.Status != Met {
		what, src := c.describe()
		side := "over"
		if c.Target.Bound == AtLeast {
			side = "under"
		}
		out = append(out, fmt.Sprintf("median time in %s %s days, %s the %s of %s days (%s, %s)", s.From,
			c.Observed.Value.StringFixed(1), side, what, c.Target.Value.StringFixed(1), src, c.Status))
	}
	if s.Stalled > 0 {
		out = append(out, fmt.Sprintf("%d open deals (%s) stalled in %s for over %s days", s.Stalled, s.StalledValue.StringFixed(2),
			s.From, days(stallAfter).String()))
	}
	if s.StallUntimed > 0 {
		out = append(out, fmt.Sprintf("%d open deals in %s of unknown entry time not judged for stalls", s.StallUntimed, s.From))
	}
	return out
}

// describe returns "target" or "benchmark", and the set's name with its
// source.
func (r *Result) describe() (what, src string) {
	what = "target"
	if r.Benchmark {
		what = "benchmark"
	}
	src = r.Set
	if r.Source != "" {
		if src != "" {
			src += ", "
		}
		src += r.Source
	}
	return what, src
}

// pctText formats a fraction as a percentage with one decimal place.
func pctText(d decimal.Decimal) string {
	return d.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
}

// floatPct formats a float fraction as a percentage with one decimal
// place.
func floatPct(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" }

type rankingJSON struct {
	rankingAlias
	StallAfter json.Number `json:"stall_after_seconds"`
}

type rankingAlias Ranking

// MarshalJSON encodes the ranking in the library's JSON style, the stall
// threshold in seconds.
func (r Ranking) MarshalJSON() ([]byte, error) {
	if r.Steps == nil {
		r.Steps = []Step{}
	}
	r.Input = cloneInput(r.Input)
	return json.Marshal(rankingJSON{rankingAlias(r), jsonstyle.Seconds(r.StallAfter)})
}

// UnmarshalJSON decodes a ranking written by [Ranking.MarshalJSON].
func (r *Ranking) UnmarshalJSON(b []byte) error {
	var o rankingJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	d, err := jsonstyle.ParseSeconds(o.StallAfter, "target", funnel.ErrInvalidParam)
	if err != nil {
		return err
	}
	*r = Ranking(o.rankingAlias)
	r.StallAfter = d
	return nil
}

// MarshalJSON encodes the step, with [] for no reasons.
func (s Step) MarshalJSON() ([]byte, error) {
	type alias Step
	if s.Reasons == nil {
		s.Reasons = []string{}
	}
	return json.Marshal(alias(s))
}
