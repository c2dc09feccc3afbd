package trend

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/chunk"
	"github.com/funnelmetrics/funnel/internal/par"
	"github.com/funnelmetrics/funnel/internal/radix"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// A Measure says what a [Survival] times. The zero Measure is [Cycle].
type Measure int8

// The measures of a survival curve.
const (
	// Cycle is the sales cycle, Closed - Created: the event is the close,
	// won or lost; open deals are censored at their age, AsOf - Created.
	Cycle Measure = iota
	// TimeToWin is the time from creation to a win: lost deals are
	// censored at their close and open ones at AsOf. It is the
	// cause-specific curve: 1 - S over-states the share eventually won
	// when losses compete with wins.
	TimeToWin
	// TimeInStage is the time of each deal's latest visit to
	// SurvivalOptions.Stage (HubSpot's "latest time in stage"): the event
	// is leaving it (the next stage entry, or the close); a deal open and
	// still in the stage is censored at AsOf.
	TimeInStage
)

var measureNames = []string{Cycle: "cycle", TimeToWin: "time_to_win", TimeInStage: "time_in_stage"}

// String returns "cycle", "time_to_win" or "time_in_stage", or
// "Measure(N)" for an invalid value.
func (m Measure) String() string { return enumName(m, measureNames, "Measure") }

// MarshalText encodes the measure by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid value.
func (m Measure) MarshalText() ([]byte, error) { return enumText(m, measureNames, "measure") }

// UnmarshalText decodes a measure name written by [Measure.MarshalText].
func (m *Measure) UnmarshalText(b []byte) error { return enumParse(m, b, measureNames, "measure") }

// SurvivalOptions are the settings of a [Survival] of its own.
type SurvivalOptions struct {
	Measure Measure
	// Stage is the stage of TimeInStage; it must be empty for the other
	// measures.
	Stage funnel.Stage
}

// A Survival accumulates durations to an event, some of them censored (the
// event has not happened by the as-of time), for a Kaplan-Meier curve: the
// [funnel.Accumulator] behind [ComputeSurvival]. Deals are seen as they
// stood at the scan's as-of time, so a deal won after it is open there,
// and censored. Durations are whole seconds.
//
// It keeps every duration (8 bytes each). A Survival is not safe for
// concurrent use: give each goroutine its own (Fresh) and Merge them.
type Survival struct {
	s     *funnel.Scan
	opts  SurvivalOptions
	stage int // funnel position of opts.Stage
	in    funnel.Intake
	// obs holds 2 × seconds, plus 1 for a censored duration, so that
	// sorting orders by time, events first.
	obs        chunk.Store[int64]
	untimed    int64
	notEntered int64
}

// NewSurvival returns an empty survival accumulator of the scan's deals.
// It returns an error wrapping [funnel.ErrInvalidParam] for a nil scan, an
// invalid measure, or a stage given with another measure than
// TimeInStage, and one wrapping [funnel.ErrUnknownStage] when
// TimeInStage's stage is not a stage of the scan's funnel.
func NewSurvival(s *funnel.Scan, opts SurvivalOptions) (*Survival, error) {
	if s == nil {
		return nil, fmt.Errorf("trend: nil scan: %w", funnel.ErrInvalidParam)
	}
	a := &Survival{s: s, opts: opts}
	switch opts.Measure {
	case Cycle, TimeToWin:
		if opts.Stage != "" {
			return nil, fmt.Errorf("trend: stage %q with measure %v: %w", opts.Stage, opts.Measure, funnel.ErrInvalidParam)
		}
	case TimeInStage:
		k, ok := s.Funnel().Index(opts.Stage)
		if !ok {
			return nil, fmt.Errorf("trend: stage %q: %w", opts.Stage, funnel.ErrUnknownStage)
		}
		a.stage = k
	default:
		return nil, fmt.Errorf("trend: measure %d: %w", opts.Measure, funnel.ErrInvalidParam)
	}
	return a, nil
}

// ComputeSurvival returns the Kaplan-Meier curve of the deals, read in one
// pass: [NewSurvival], [funnel.Scan.Run] and [Survival.Curve]. It returns
// their errors, and one wrapping [funnel.ErrInvalidParam] for a nil
// stream.
func ComputeSurvival(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts SurvivalOptions) (Curve, error) {
	a, err := NewSurvival(s, opts)
	if err != nil {
		return Curve{}, err
	}
	if err := s.Run(deals, a); err != nil {
		return Curve{}, err
	}
	return a.Curve(), nil
}

// Scan returns the scan the accumulator was built for.
func (a *Survival) Scan() *funnel.Scan { return a.s }

// Fresh returns an empty accumulator of the same scan and options.
func (a *Survival) Fresh() funnel.Accumulator {
	b, _ := NewSurvival(a.s, a.opts) // the options were valid for a
	return b
}

// Add validates d and adds it, as [funnel.Scan.Add] does.
func (a *Survival) Add(d funnel.Deal) error { return a.s.Add(d, a) }

// Observe adds one deal handed over by the scan (see
// [funnel.Accumulator]).
func (a *Survival) Observe(v *funnel.View) {
	if !a.in.Note(v) {
		return
	}
	d := v.Deal
	asOf := a.s.Options().AsOf
	if a.opts.Measure == TimeInStage {
		last := -1
		for i := range v.Len() {
			if k, _ := v.Entry(i); k == a.stage {
				last = i
			}
		}
		if last < 0 {
			a.notEntered++
			return
		}
		_, start := v.Entry(last)
		var end time.Time
		event := true
		switch {
		case last+1 < v.Len():
			_, end = v.Entry(last + 1)
		case d.Outcome != funnel.Open:
			end = d.Closed
		default:
			end, event = asOf, false
		}
		if start.IsZero() || end.IsZero() || end.Before(start) {
			a.untimed++
			return
		}
		a.add(secondsBetween(start, end), event)
		return
	}
	switch {
	case d.Created.IsZero(), d.Outcome == funnel.Open && asOf.IsZero(), d.Outcome != funnel.Open && d.Closed.IsZero():
		a.untimed++
	case d.Outcome == funnel.Open:
		a.add(secondsBetween(d.Created, asOf), false)
	default:
		a.add(secondsBetween(d.Created, d.Closed), a.opts.Measure == Cycle || d.Outcome == funnel.Won)
	}
}

func (a *Survival) add(sec int64, event bool) {
	v := sec << 1
	if !event {
		v |= 1
	}
	a.obs.Add(v)
}

// Merge adds every duration of o, a *Survival of an equal scan and
// options, to a. o is not modified. It returns an error wrapping
// [funnel.ErrIncompatible] for another kind, scan or options, and one
// wrapping [funnel.ErrInvalidParam] for a nil o or a itself.
func (a *Survival) Merge(o funnel.Accumulator) error {
	b, err := mergeable[*Survival](a, o)
	if err != nil {
		return err
	}
	if a.opts != b.opts {
		return fmt.Errorf("trend: merging survival of other options: %w", funnel.ErrIncompatible)
	}
	a.in.Merge(&b.in)
	a.obs.Merge(&b.obs)
	a.untimed += b.untimed
	a.notEntered += b.notEntered
	return nil
}

// Compare compares the durations of a (A) with those of o (B), two
// Survivals of the same measure and stage, each fed its own deals (two
// segments, two periods, before and after a change), with the log-rank
// test of their Kaplan-Meier curves ([funnel.DurationComparison]): a
// censored duration counts as at risk up to its censoring, so open deals
// and deals still in the stage weigh in without being taken as finished.
// A higher verdict means A's durations are longer. The test is made
// alone (PAdjusted = PValue) under a's scan's confidence and minimum
// sample, which a group of fewer durations is withheld under. It returns
// an error wrapping [funnel.ErrIncompatible] when o's measure or stage
// differs, and one wrapping [funnel.ErrInvalidParam] for a nil a or o.
func (a *Survival) Compare(o *Survival) (funnel.DurationComparison, error) {
	if a == nil || o == nil || a.s == nil || o.s == nil {
		return funnel.DurationComparison{}, fmt.Errorf("trend: comparing a nil or zero survival: %w", funnel.ErrInvalidParam)
	}
	if a.opts != o.opts {
		return funnel.DurationComparison{}, fmt.Errorf("trend: comparing %v with %v: %w", a.opts, o.opts, funnel.ErrIncompatible)
	}
	ta := tiesOf(radix.Sorted(a.obs.Chunks()...), 1)
	tb := tiesOf(radix.Sorted(o.obs.Chunks()...), 1)
	return funnel.CompareDurations(ta, tb, funnel.Test{Confidence: funnel.Confidence(a.s.Level()), MinSample: a.s.MinSample()})
}

// A Curve is a Kaplan-Meier estimate of the survival function S(t), the
// probability that the event (close, win, leaving the stage) has not
// happened by t: the product-limit estimate (Kaplan and Meier 1958,
// "Nonparametric estimation from incomplete observations", JASA 53)
//
//	S(t) = Π over event times t_i <= t of (1 - d_i / n_i)
//
// with d_i events among the n_i at risk just before t_i (units censored at
// t_i count as at risk at t_i). Each step's interval is pointwise, at the
// scan's confidence level, from Greenwood's variance (Greenwood 1926, "The
// natural duration of cancer", Reports on Public Health and Medical
// Subjects 33) on the log(-log) scale (Kalbfleisch and Prentice 1980, "The
// Statistical Analysis of Failure Time Data"): with V = Σ d_i / (n_i (n_i -
// d_i)) and c = z sqrt(V) / |ln S|, the bounds are S^exp(c) and
// S^exp(-c), inside [0, 1]; where S is 1 or 0 the interval is not
// defined (as in R's survival package, conf.type "log-log").
//
// Input.Counted = N + Untimed + NotEntered.
type Curve struct {
	Measure    Measure      `json:"measure"`
	Stage      funnel.Stage `json:"stage"`
	AsOf       time.Time    `json:"-"` // JSON as_of, null when zero
	Confidence float64      `json:"confidence"`
	Input      funnel.Input `json:"input"`
	// N is the number of durations; Events + Censored = N.
	N        int64 `json:"n"`
	Events   int64 `json:"events"`
	Censored int64 `json:"censored"`
	// Untimed counts deals left out because a time was unknown: the
	// creation time, the close time, the as-of time of an open deal, or a
	// stage visit's entry or end.
	Untimed int64 `json:"untimed"`
	// NotEntered counts the deals that never entered the stage of
	// TimeInStage.
	NotEntered int64 `json:"not_entered"`
	// Steps has one step per distinct duration, in time order.
	Steps []Step `json:"steps"`
	// Median is Quantile(0.5).
	Median Quantile `json:"median"`
}

// A Step is the curve at one duration where events or censorings
// happened.
type Step struct {
	At time.Duration `json:"-"` // JSON at_seconds
	// AtRisk is the number of units without event and uncensored just
	// before At; Events and Censored happened at At.
	AtRisk   int64 `json:"at_risk"`
	Events   int64 `json:"events"`
	Censored int64 `json:"censored"`
	// Survival is S(At), after the events at At.
	Survival float64         `json:"survival"`
	Interval funnel.Interval `json:"interval"`
}

// Curve returns the Kaplan-Meier curve of the durations added so far. It
// shares no memory with a.
func (a *Survival) Curve() Curve {
	o := a.s.Options()
	level := a.s.Level()
	workers := par.Workers(o.Workers)
	obs := radix.SortedOn(workers, a.obs.Chunks()...)
	c := Curve{Measure: a.opts.Measure, Stage: a.opts.Stage, AsOf: o.AsOf, Confidence: level,
		Input: a.in.Input(), N: int64(len(obs)), Untimed: a.untimed, NotEntered: a.notEntered}
	ties := tiesOf(obs, 1)
	var median []Quantile
	c.Steps, median = kmSteps(ties, level, workers, []float64{0.5})
	c.Median = median[0]
	for _, x := range ties {
		c.Events += x.Events
		c.Censored += x.Censored
	}
	return c
}

// tiesOf groups sorted observations, each a duration in seconds shifted
// left by bits with a non-zero low part for a censored one, into one
// [stat.Tie] per distinct duration.
func tiesOf(obs []int64, bits uint) []stat.Tie {
	distinct := 0
	for i := range obs {
		if i == 0 || obs[i]>>bits != obs[i-1]>>bits {
			distinct++
		}
	}
	out := make([]stat.Tie, 0, distinct)
	mask := int64(1)<<bits - 1
	for i := 0; i < len(obs); {
		t := obs[i] >> bits
		x := stat.Tie{At: t}
		for ; i < len(obs) && obs[i]>>bits == t; i++ {
			if obs[i]&mask == 0 {
				x.Events++
			} else {
				x.Censored++
			}
		}
		out = append(out, x)
	}
	return out
}

// kmSteps returns the Kaplan-Meier steps (see [Curve]) of durations in
// seconds given by their ties, with pointwise intervals at the level, and
// the curve's quantiles at ps (see [Curve.Quantile]). The running product
// and sum go in time order ([kmRun]); the steps, each from its tie and
// state alone, and the knots of the quantiles are then made in parts on
// up to workers goroutines, the parts' knots merged in time order.
func kmSteps(ties []stat.Tie, level float64, workers int, ps []float64) ([]Step, []Quantile) {
	states := kmRun(ties)
	steps := make([]Step, len(ties))
	z := stat.Z(level)
	parts := make([]curveKnots, (len(ties)+kmPart-1)/kmPart)
	par.For(workers, len(parts), func(i int) {
		k := newCurveKnots(ps, i == 0)
		for j := i * kmPart; j < min(len(steps), (i+1)*kmPart); j++ {
			steps[j] = kmStep(ties[j], states[j], z, level)
			k.add(&steps[j])
		}
		parts[i] = k
	})
	qs := make([]Quantile, len(ps))
	if len(parts) == 0 {
		for i, p := range ps {
			qs[i] = Quantile{P: p, Confidence: level}
		}
		return steps, qs
	}
	k := parts[0]
	for i := 1; i < len(parts); i++ {
		k.merge(&parts[i])
	}
	for i := range ps {
		qs[i] = k.quantile(i, level)
	}
	return steps, qs
}

// kmPart is the number of steps one goroutine makes at a time.
const kmPart = 1 << 14

// kmWalk hands each Kaplan-Meier step of the ties, in time order, to fn.
func kmWalk(ties []stat.Tie, level float64, fn func(Step)) {
	z := stat.Z(level)
	for i, st := range kmRun(ties) {
		fn(kmStep(ties[i], st, z, level))
	}
}

// A kmState is the Kaplan-Meier estimate at one tie: the units at risk
// just before it, the survival after its events, and Greenwood's sum V.
type kmState struct {
	atRisk  int64
	surv, v float64
}

// kmRun returns the Kaplan-Meier state at each tie, in time order: the
// one running product and sum of every curve.
func kmRun(ties []stat.Tie) []kmState {
	var atRisk int64
	for _, x := range ties {
		atRisk += x.Events + x.Censored
	}
	out := make([]kmState, len(ties))
	surv, v := 1.0, 0.0
	for i, x := range ties {
		if d := x.Events; d > 0 {
			surv *= 1 - float64(d)/float64(atRisk)
			if d < atRisk {
				v += float64(d) / (float64(atRisk) * float64(atRisk-d))
			}
		}
		out[i] = kmState{atRisk, surv, v}
		atRisk -= x.Events + x.Censored
	}
	return out
}

// kmStep returns the step of a tie in its state, with its interval at the
// level of the quantile z.
func kmStep(x stat.Tie, st kmState, z, level float64) Step {
	return Step{At: duration(x.At), AtRisk: st.atRisk, Events: x.Events, Censored: x.Censored,
		Survival: st.surv, Interval: kmInterval(st.surv, st.v, z, level)}
}

// kmInterval returns the log(-log) interval (see [Curve]) of the survival
// surv with Greenwood's sum v, at the level of the quantile z; it is not
// defined where surv is 0 or 1.
func kmInterval(surv, v, z, level float64) funnel.Interval {
	if !(surv > 0 && surv < 1) {
		return funnel.Interval{}
	}
	ci := z * math.Sqrt(v) / math.Abs(math.Log(surv))
	return funnel.Interval{Lo: math.Pow(surv, math.Exp(ci)), Hi: math.Pow(surv, math.Exp(-ci)), Confidence: level, Defined: true}
}

// kmQuantiles returns the Kaplan-Meier quantiles at the percents ps of
// durations given by their ties, as [Curve.Quantile] reads them, without
// keeping the curve's steps.
func kmQuantiles(ties []stat.Tie, level float64, ps []float64) []Quantile {
	fracs := make([]float64, len(ps))
	for i, p := range ps {
		fracs[i] = p / 100
	}
	k := newCurveKnots(fracs, true)
	kmWalk(ties, level, func(st Step) { k.add(&st) })
	out := make([]Quantile, 0, len(ps))
	for i, p := range fracs {
		if len(ties) == 0 {
			out = append(out, Quantile{P: p, Confidence: level})
			continue
		}
		out = append(out, k.quantile(i, level))
	}
	return out
}

// At returns S(t): the survival at the last step at or before t, and 1
// before the first step.
func (c Curve) At(t time.Duration) float64 {
	i, found := slices.BinarySearchFunc(c.Steps, t, func(s Step, t time.Duration) int {
		switch {
		case s.At < t:
			return -1
		case s.At > t:
			return 1
		}
		return 0
	})
	if found {
		return c.Steps[i].Survival
	}
	if i == 0 {
		return 1
	}
	return c.Steps[i-1].Survival
}

// A Quantile is the time by which the event has happened with probability
// P, read from a [Curve], with an interval from the curve's pointwise
// bounds.
type Quantile struct {
	P float64
	// At is the quantile; Defined is false when the curve does not fall to
	// 1 - P (too many censored units).
	At      time.Duration
	Defined bool
	// Lo and Hi bound the quantile at the curve's confidence level: where
	// the upper and the lower bound of S fall to 1 - P (Brookmeyer and
	// Crowley 1982, "A confidence interval for the median survival time",
	// Biometrics 38). A bound the curve's interval never reaches is not
	// defined (LoDefined, HiDefined).
	Lo, Hi               time.Duration
	LoDefined, HiDefined bool
	Confidence           float64
}

// quantileTolerance is the tolerance of comparisons of S with a level,
// sqrt of the float64 machine epsilon, as R's quantile.survfit.
const quantileTolerance = 1.4901161193847656e-08

// Quantile returns the P-quantile of the time to event, P in [0, 1] (the
// median is P = 0.5): the first time t at which 1 - S(t) reaches P. Where
// the curve sits exactly on the level 1 - P over an interval of time, the
// quantile is the midpoint of that interval (and, when the level holds to
// the last step, the midpoint of where it starts and the last step), so
// that the median of durations with no censoring is their usual median.
// Comparisons with the level allow 1.5e-8 (the square root of the machine
// epsilon). This is the rule of R's survival package (Therneau,
// quantile.survfit). It returns an error wrapping [funnel.ErrInvalidParam]
// for P outside [0, 1].
func (c Curve) Quantile(p float64) (Quantile, error) {
	if !(p >= 0 && p <= 1) {
		return Quantile{}, fmt.Errorf("trend: quantile %v: %w", p, funnel.ErrInvalidParam)
	}
	if len(c.Steps) == 0 {
		return Quantile{P: p, Confidence: c.Confidence}, nil
	}
	k := newCurveKnots([]float64{p}, true)
	for i := range c.Steps {
		k.add(&c.Steps[i])
	}
	return k.quantile(0, c.Confidence), nil
}

// curveKnots read quantiles off a curve's steps, given in time order: of
// S and of its interval's bounds where defined. The knots of a curve's
// steps cut into parts are the first part's merged with the later ones',
// in time order.
type curveKnots struct {
	s, lo, hi *knots
	xmax      time.Duration // the last step's time
}

// newCurveKnots returns the knots of no steps for the quantiles ps: of a
// curve's start, or of a later part of its steps.
func newCurveKnots(ps []float64, start bool) curveKnots {
	return curveKnots{s: newKnots(ps, start), lo: newKnots(ps, start), hi: newKnots(ps, start)}
}

func (k *curveKnots) add(st *Step) {
	k.s.add(st.At, st.Survival)
	if st.Interval.Defined {
		k.lo.add(st.At, st.Interval.Lo)
		k.hi.add(st.At, st.Interval.Hi)
	}
	k.xmax = st.At
}

// merge adds the knots of o, of the steps that follow k's.
func (k *curveKnots) merge(o *curveKnots) {
	if !o.s.any { // no steps
		return
	}
	k.s.merge(o.s)
	k.lo.merge(o.lo)
	k.hi.merge(o.hi)
	k.xmax = o.xmax
}

// quantile returns the quantile at ps[i] of a curve of at least one step.
func (k *curveKnots) quantile(i int, level float64) Quantile {
	q := Quantile{P: k.s.ps[i], Confidence: level}
	q.At, q.Defined = k.s.quantile(i, k.xmax)
	q.Lo, q.LoDefined = k.lo.quantile(i, k.xmax)
	q.Hi, q.HiDefined = k.hi.quantile(i, k.xmax)
	return q
}

// knots read quantiles off the knots (x_j, y_j) of 1 - S: (0, 0), then
// each new value in time order. They keep, for each quantile asked for,
// the first knots at or above its level less and plus the tolerance, and
// the largest and the last y, which is all [knots.quantile] reads, so
// that the knots themselves are never stored.
//
// The knots of a later part of the steps start with its first step,
// whatever the value before it: a first knot at or above a level is the
// curve's first if no earlier part has one, as every step before the
// curve's first such knot is below the level. So the parts' knots merge,
// in time order, into the curve's.
type knots struct {
	ps      []float64
	levels  []float64       // per p: p - tolerance, p + tolerance
	found   []bool          // per level: a knot reached it
	first   []time.Duration // per level: the x of the first knot that reached it
	pending int             // levels not reached yet
	any     bool            // there is a knot
	last    float64         // the last knot's y
	max     float64         // the largest y (NaN once a y is NaN, as slices.Max)
}

// newKnots returns the knots of no steps for the quantiles ps: of a
// curve's start, (0, 0), or of a later part of its steps, none.
func newKnots(ps []float64, start bool) *knots {
	k := &knots{ps: ps, levels: make([]float64, 0, 2*len(ps)), found: make([]bool, 2*len(ps)),
		first: make([]time.Duration, 2*len(ps)), pending: 2 * len(ps)}
	for _, p := range ps {
		k.levels = append(k.levels, p-quantileTolerance, p+quantileTolerance)
	}
	if start {
		k.knot(0, 0)
	}
	return k
}

// add adds the survival s at time at.
func (k *knots) add(at time.Duration, s float64) {
	if y := 1 - s; !k.any || y != k.last {
		k.knot(at, y)
	}
}

func (k *knots) knot(x time.Duration, y float64) {
	if k.any {
		k.max = max(k.max, y)
	} else {
		k.max = y
	}
	k.last, k.any = y, true
	if k.pending == 0 {
		return
	}
	for j, level := range k.levels {
		if !k.found[j] && y >= level {
			k.found[j], k.first[j] = true, x
			k.pending--
		}
	}
}

// merge adds the knots of o, those of the steps that follow k's.
func (k *knots) merge(o *knots) {
	if !o.any {
		return
	}
	for j := range k.found {
		if !k.found[j] && o.found[j] {
			k.found[j], k.first[j] = true, o.first[j]
			k.pending--
		}
	}
	if k.any {
		k.max = max(k.max, o.max)
	} else {
		k.max = o.max
	}
	k.last, k.any = o.last, true
}

// quantile returns the time at which 1 - S reaches ps[i] by the midpoint
// rule (see [Curve.Quantile]), for a curve whose last step is at xmax.
func (k *knots) quantile(i int, xmax time.Duration) (time.Duration, bool) {
	p := k.ps[i]
	if p == 0 {
		return 0, true
	}
	if k.max < p {
		return 0, false
	}
	switch {
	case !k.found[2*i]:
		return 0, false
	case k.found[2*i+1]:
		return midpoint(k.first[2*i], k.first[2*i+1]), true
	case math.Abs(p-k.last) < quantileTolerance:
		return midpoint(k.first[2*i], xmax), true
	}
	return 0, false
}

func midpoint(a, b time.Duration) time.Duration { return a + (b-a)/2 }

type stepJSON struct {
	stepAlias
	At *json.Number `json:"at_seconds"`
}

type stepAlias Step

// MarshalJSON encodes the step with its time in seconds.
func (s Step) MarshalJSON() ([]byte, error) {
	return json.Marshal(stepJSON{stepAlias(s), secs(s.At)})
}

// UnmarshalJSON decodes a step written by [Step.MarshalJSON].
func (s *Step) UnmarshalJSON(b []byte) error {
	var o stepJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	at, err := parseSecs(o.At)
	if err != nil {
		return err
	}
	*s = Step(o.stepAlias)
	s.At = at
	return nil
}

type quantileJSON struct {
	P          float64      `json:"p"`
	At         *json.Number `json:"at_seconds"`
	Lo         *json.Number `json:"lo_seconds"`
	Hi         *json.Number `json:"hi_seconds"`
	Confidence float64      `json:"confidence"`
}

// MarshalJSON encodes the quantile with its times in seconds, null where
// undefined.
func (q Quantile) MarshalJSON() ([]byte, error) {
	o := quantileJSON{P: q.P, Confidence: q.Confidence}
	if q.Defined {
		o.At = secs(q.At)
	}
	if q.LoDefined {
		o.Lo = secs(q.Lo)
	}
	if q.HiDefined {
		o.Hi = secs(q.Hi)
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a quantile written by [Quantile.MarshalJSON].
func (q *Quantile) UnmarshalJSON(b []byte) error {
	var o quantileJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := Quantile{P: o.P, Confidence: o.Confidence, Defined: o.At != nil, LoDefined: o.Lo != nil, HiDefined: o.Hi != nil}
	var err error
	for _, f := range []struct {
		dst *time.Duration
		src *json.Number
	}{{&out.At, o.At}, {&out.Lo, o.Lo}, {&out.Hi, o.Hi}} {
		if *f.dst, err = parseSecs(f.src); err != nil {
			return err
		}
	}
	*q = out
	return nil
}

type curveJSON struct {
	curveAlias
	AsOf *time.Time `json:"as_of"`
}

type curveAlias Curve

// MarshalJSON encodes the curve in the library's JSON style.
func (c Curve) MarshalJSON() ([]byte, error) {
	if c.Steps == nil {
		c.Steps = []Step{}
	}
	return json.Marshal(curveJSON{curveAlias(c), timePtr(c.AsOf)})
}

// UnmarshalJSON decodes a curve written by [Curve.MarshalJSON].
func (c *Curve) UnmarshalJSON(b []byte) error {
	var o curveJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = Curve(o.curveAlias)
	c.AsOf = timeOf(o.AsOf)
	return nil
}

const survivalVersion = 1

// MarshalBinary encodes the accumulator (see [funnel.Accumulator]):
// deterministic for the same multiset of durations.
func (a *Survival) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("trend.survival", survivalVersion)
	sb, err := a.s.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	w.String(string(sb))
	w.Int(int(a.opts.Measure))
	w.String(string(a.opts.Stage))
	ib, err := a.in.MarshalBinary()
	if err != nil {
		return nil, err
	}
	w.String(string(ib))
	w.Varint(a.untimed)
	w.Varint(a.notEntered)
	obs := radix.Sorted(a.obs.Chunks()...)
	w.SortedInts(obs)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes an accumulator written by
// [Survival.MarshalBinary], replacing a's contents. One built by
// [NewSurvival] accepts only an encoding of an equal scan and options (an
// error wrapping [funnel.ErrIncompatible] otherwise); the zero Survival
// takes the encoded ones. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid encoding.
func (a *Survival) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("trend.survival"); r.Err() == nil && v != survivalVersion {
		r.Fail("trend.survival version %d", v)
	}
	s, err := readScan(r, a.s)
	if err != nil {
		return err
	}
	opts := SurvivalOptions{Measure: Measure(readEnum(r)), Stage: funnel.Stage(r.String())}
	if r.Err() != nil {
		return decodeErr(r)
	}
	if a.s != nil && opts != a.opts {
		return fmt.Errorf("trend: decoding survival of other options: %w", funnel.ErrIncompatible)
	}
	out, err := NewSurvival(s, opts)
	if err != nil {
		return fmt.Errorf("trend: %w: %w", funnel.ErrInvalidParam, err)
	}
	if err := out.in.UnmarshalBinary([]byte(r.String())); err != nil {
		return err
	}
	out.untimed, out.notEntered = r.NonNeg(), r.NonNeg()
	obs := r.SortedInts()
	out.obs = chunk.Of(obs)
	if r.Err() == nil {
		if len(obs) > 0 && obs[0] < 0 {
			r.Fail("negative duration")
		} else if int64(len(obs))+out.untimed+out.notEntered != out.in.Counted() || (opts.Measure != TimeInStage && out.notEntered > 0) {
			r.Fail("survival counts do not add up")
		}
	}
	return finish(r, a, out)
}
