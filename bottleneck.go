package funnel

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// BottleneckOptions configure [Bottleneck].
type BottleneckOptions struct {
	// Options are the funnel options of the underlying [Tally] (policy,
	// conversion window, AsOf, currency, mode).
	Options Options
	// Targets are target sets and benchmark sets; their step_conversion
	// and time_in_stage_days targets with no segment and no period are
	// used, the first matching one of each metric and stage.
	Targets []TargetSet
	// StallAfter, when positive, is the time in their current stage after
	// which open deals count as stalled. It needs Options.AsOf.
	StallAfter time.Duration
	// Confidence is the level of the conversion intervals; zero means
	// 0.95.
	Confidence float64
}

// A BottleneckStep is one step of the funnel, from a stage to the next one
// (or to the won outcome), with the evidence that it holds deals back.
type BottleneckStep struct {
	From, To Stage // To is "won" for the last step
	// Conversion is the step conversion N_To / N_From, and Decided the
	// same over decided deals (pending ones left out), with the Wilson
	// interval of Decided (ConversionLo-ConversionHi).
	Conversion, Decided        Ratio
	ConversionLo, ConversionHi float64
	// DropOff = N_From - N_To, its rate, and its split into Dropped and
	// Pending (still open inside the conversion window).
	DropOff, Dropped, Pending int64
	DropOffRate               Ratio
	// Lost and LostValue are the deals lost while in From (leakage).
	Lost      int64
	LostValue decimal.Decimal
	// TimeMedian is the median latest time in From, over TimeCount deals.
	TimeMedian time.Duration
	TimeCount  int64
	// Stalled counts the open deals in From for longer than StallAfter,
	// and StalledValue is their amount.
	Stalled      int64
	StalledValue decimal.Decimal
	// ConversionTarget and TimeTarget compare the step with the first
	// matching target or benchmark, when there is one.
	ConversionTarget *TargetResult
	TimeTarget       *TargetResult
	// Shortfall is the number of deals the step would have moved on at
	// its conversion target, target × Decided.Den - Decided.Num, when the
	// target is missed; zero otherwise.
	Shortfall decimal.Decimal
	// Significant reports a significant miss of the conversion target
	// (the target lies outside the Wilson interval).
	Significant bool
	// Reasons says, in words, why the step ranks where it does.
	Reasons []string
}

// BottleneckResult ranks the steps of a funnel, the one that holds deals
// back the most first.
type BottleneckResult struct {
	Steps  []BottleneckStep
	Report Report
}

// Bottleneck ranks the steps of the funnel by how much they hold deals
// back, with the evidence. Steps are ranked by, in turn: a significant miss
// of the conversion target first; then the larger excess, Shortfall plus
// Stalled (deals short of target plus deals stuck, both counts of deals);
// then the larger absolute number of decided drop-offs (Dropped, as
// Amplitude ranks drop-off); then funnel order. The deals are read once.
//
// It returns the errors of [NewTally], an error wrapping [ErrInvalidParam]
// for a negative StallAfter, a StallAfter without AsOf or an invalid
// confidence, and, in Strict mode, the [*DealError] of the first invalid
// deal.
func Bottleneck(f *Funnel, deals iter.Seq[Deal], opts BottleneckOptions) (BottleneckResult, error) {
	t, err := NewTally(f, opts.Options)
	if err != nil {
		return BottleneckResult{}, err
	}
	conf, err := confidenceOr(opts.Confidence)
	if err != nil {
		return BottleneckResult{}, err
	}
	if opts.StallAfter < 0 || (opts.StallAfter > 0 && opts.Options.AsOf.IsZero()) {
		return BottleneckResult{}, fmt.Errorf("funnel: stall threshold %v needs an as-of time: %w", opts.StallAfter, ErrInvalidParam)
	}
	n := len(f.stages)
	stalled := make([]int64, n)
	stalledAmt := make([]MoneyStats, n)
	asOf := instantOf(opts.Options.AsOf)
	stallSec := int64(opts.StallAfter / time.Second)
	for d := range deals {
		if err := t.Add(d); err != nil {
			if opts.Options.Mode == Strict {
				return BottleneckResult{}, err
			}
			continue
		}
		if stallSec > 0 && d.Outcome == Open {
			last := t.scratch.entries[len(t.scratch.entries)-1]
			if last.at.ok && !asOf.before(last.at) && last.at.secondsTo(asOf) > stallSec {
				stalled[last.k]++
				stalledAmt[last.k].Add(d.Amount)
			}
		}
	}
	r := t.Report()
	res := BottleneckResult{Report: r}
	for k := range n {
		from, to := r.Funnel[k], r.Funnel[k+1]
		s := BottleneckStep{
			From: from.Stage, To: to.Stage, Conversion: to.Step, Decided: to.StepDecided,
			DropOff: to.DropOff, Dropped: to.Dropped, Pending: to.Pending, DropOffRate: to.DropOffRate,
			Lost: from.Lost, LostValue: from.LostValue,
			TimeMedian: from.TimeLatest.Median, TimeCount: from.TimeLatest.Count,
			Stalled: stalled[k], StalledValue: stalledAmt[k].Sum(),
		}
		s.ConversionLo, s.ConversionHi, _ = s.Decided.Wilson(conf)
		if ct, set, ok := findTarget(opts.Targets, TargetStepConversion, to.Stage); ok {
			lo, hi, okI := s.Decided.Wilson(conf)
			obs := TargetObservation{HasInterval: true, N: s.Decided.Den, Lo: probDecimal(lo), Hi: probDecimal(hi)}
			if okI {
				obs.Value = decimal.NewFromInt(s.Decided.Num).DivRound(decimal.NewFromInt(s.Decided.Den), divScale)
			}
			cr := TargetCompare(ct, obs, okI)
			cr.Set, cr.Source, cr.Benchmark = set.Name, set.Source, set.Benchmark
			s.ConversionTarget = &cr
			if okI && cr.Status != TargetMet && ct.Bound == TargetAtLeast {
				s.Shortfall = ct.Value.Mul(decimal.NewFromInt(s.Decided.Den)).Sub(decimal.NewFromInt(s.Decided.Num))
				s.Significant = cr.Status == TargetMissed
			}
		}
		if tt, set, ok := findTarget(opts.Targets, TargetTimeInStageDays, from.Stage); ok {
			obs, okO := TargetObserve(r, tt, conf)
			cr := TargetCompare(tt, obs, okO)
			cr.Set, cr.Source, cr.Benchmark = set.Name, set.Source, set.Benchmark
			s.TimeTarget = &cr
		}
		s.Reasons = reasons(&s, conf, opts.StallAfter)
		res.Steps = append(res.Steps, s)
	}
	order := make(map[Stage]int, n)
	for k, s := range res.Steps {
		order[s.From] = k
	}
	slices.SortStableFunc(res.Steps, func(a, b BottleneckStep) int {
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
	return res, nil
}

// findTarget returns the first target of the sets for the metric and
// stage that applies to every segment and period.
func findTarget(sets []TargetSet, m TargetMetric, s Stage) (Target, TargetSet, bool) {
	for _, set := range sets {
		for _, t := range set.Targets {
			if t.Metric == m && t.Stage == s && t.Segment == "" && t.Period.IsZero() {
				return t, set, true
			}
		}
	}
	return Target{}, TargetSet{}, false
}

func reasons(s *BottleneckStep, conf float64, stallAfter time.Duration) []string {
	var out []string
	level := strconv.FormatFloat(100*conf, 'f', -1, 64) + "%"
	if s.Decided.Defined() {
		out = append(out, fmt.Sprintf("conversion %s to %s: %s (%s interval %s-%s)", s.From, s.To, s.Decided,
			level, floatPct(s.ConversionLo), floatPct(s.ConversionHi)))
	} else {
		out = append(out, fmt.Sprintf("conversion %s to %s: no decided deals", s.From, s.To))
	}
	if c := s.ConversionTarget; c != nil && c.Status != TargetNoData {
		what := "target"
		if c.Benchmark {
			what = "benchmark"
		}
		src := c.Set
		if c.Source != "" {
			src += ", " + c.Source
		}
		switch c.Status {
		case TargetMet:
			out = append(out, fmt.Sprintf("meets the %s %s (%s)", what, pctString(c.Target.Value), src))
		case TargetWatch:
			out = append(out, fmt.Sprintf("below the %s %s (%s) by %s points, not significant: %s deals short",
				what, pctString(c.Target.Value), src, c.Gap.Neg().Mul(decimal.NewFromInt(100)).StringFixed(1), s.Shortfall.StringFixed(1)))
		case TargetMissed:
			out = append(out, fmt.Sprintf("below the %s %s (%s) by %s points, significant: %s deals short",
				what, pctString(c.Target.Value), src, c.Gap.Neg().Mul(decimal.NewFromInt(100)).StringFixed(1), s.Shortfall.StringFixed(1)))
		}
	}
	if s.DropOff > 0 {
		out = append(out, fmt.Sprintf("drop-off %d deals (%s), %d decided, %d pending", s.DropOff, s.DropOffRate, s.Dropped, s.Pending))
	}
	if c := s.TimeTarget; c != nil && c.Status != TargetNoData && c.Status != TargetMet {
		out = append(out, fmt.Sprintf("median time in %s %s days, over the %s of %s days (%s)", s.From,
			c.Observed.Value.StringFixed(1), map[bool]string{true: "benchmark", false: "target"}[c.Benchmark], c.Target.Value.StringFixed(1), c.Status))
	}
	if s.Stalled > 0 {
		out = append(out, fmt.Sprintf("%d open deals (%s) stalled in %s for over %s days", s.Stalled, s.StalledValue.StringFixed(2),
			s.From, durationDays(stallAfter).String()))
	}
	return out
}
