// Package plan works a revenue target back through the funnel: the
// reverse funnel (the wins, opportunities per stage and leads a target
// takes, from the stage rates, deal size and stage lags learned from the
// deals), the reps it takes given their capacity, and the revenue effect
// of a better conversion at a step or a shorter cycle.
//
// It is built on the one learner of package forecast (the rates a
// forecast weighs open deals at, so that the forward forecast of the plan
// is its target) and on the root report's deal size and sales cycle: a
// [Planner] is an accumulator (funnel.Accumulator) of one funnel.Scan fed
// in the same pass as every other analysis. No function reads the clock;
// money is exact (decimal.Decimal).
package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/textout"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// MaxWhatIfs is the largest number of what-ifs a plan evaluates.
const MaxWhatIfs = 100

// places is the number of decimal places of the plan's figures.
const places = 10

var one = decimal.NewFromInt(1)

// A WhatIf is one change to evaluate: Points more conversion at the step
// out of Stage, or Days fewer days of sales cycle. Exactly one of Stage
// and Days is set.
type WhatIf struct {
	// Stage names the step: from Stage to the next stage, or to won for
	// the last stage; Points is the change of its conversion as a
	// fraction (0.05 for +5 points), in [-1, 1].
	Stage  funnel.Stage    `json:"stage"`
	Points decimal.Decimal `json:"points"`
	// Days is the number of days taken off the mean won cycle, at least
	// 1.
	Days int `json:"days"`
}

// Options configure a [Planner].
type Options struct {
	// Target is the revenue to reach in the period, positive.
	Target decimal.Decimal
	// Period, when not zero, is any instant of the target period (the scan's
	// funnel.Options.Period, in its Calendar and Location): the plan then
	// dates the window in which deals must enter each stage.
	Period time.Time
	// Capacity, when positive, is the number of opportunities one rep
	// works per period at CapacityStage ("" for the first stage): the
	// plan then gives the reps it takes.
	Capacity      decimal.Decimal
	CapacityStage funnel.Stage
	// WhatIfs are the changes to evaluate, at most MaxWhatIfs.
	WhatIfs []WhatIf
}

// A Planner accumulates what a reverse funnel needs from the deals, in
// one pass: the stage rates and time-to-win samples of the one
// forecast.Learner (P(win | entered stage k) = won / closed over the deals
// closed by the as-of time) and the root funnel.Tally (won deal size, won
// cycle, open deals). Its Report works the target back:
//
//	wins needed    W = target / S              (S the mean won amount)
//	needed at k    N_k = W / p_k               (p_k = P(win | entered k))
//	leads          N_1, the first stage's
//	reps           N_c / capacity              (c the capacity stage)
//
// the reverse-funnel and sales-capacity arithmetic of revenue planning
// (Pipeline coverage and "reverse waterfall" models: Salesforce's, and
// the sales-capacity model of Zoltners, Sinha and Lorimer, "Building a
// Winning Sales Force", 2009). Each N_k has the interval target / (S hi_k)
// .. target / (S lo_k) from the Wilson interval [lo_k, hi_k] of p_k at the
// scan's confidence level. The implied step conversion out of stage k is
// s_k = p_k / p_(k+1), and p_n for the last stage, so that p_1 = s_1 ...
// s_n. Deals must enter stage k a stage lag before they close: the median
// time to win from entering k (the learner's samples), so for a period
// [P, E) they enter k within [P - lag_k, E - lag_k).
//
// The forward forecast of the plan gives back its target: N_k deals of
// size S in stage k weigh N_k × S × p_k = target, exactly up to the
// rounding of N_k to 10 decimal places ([PlanReport.Forward]).
//
// A what-if of x more points of conversion at the step out of stage j
// scales every rate through it by (s_j + x) / s_j (capped at a
// conversion of 1): the plan's leads then bring target (s_j + x) / s_j.
// A what-if of y fewer days of cycle scales revenue per period as the
// pipeline velocity N × W × S / L does (forecast.VelocityInputs):
// target × L / (L - y), with L the mean won cycle.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them (funnel.Scan.Run does). The zero value is not usable but as
// the receiver of UnmarshalBinary; build one with [NewPlanner].
type Planner struct {
	s        *funnel.Scan
	opts     Options
	l        *forecast.Learner
	t        *funnel.Tally
	settings string
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("plan: "+format+": %w", append(args, funnel.ErrInvalidParam)...)
}

// NewPlanner returns an empty planner of the scan's deals. It returns an
// error wrapping funnel.ErrInvalidParam for a nil scan, a target that is
// not positive, a negative capacity, a capacity stage the funnel does not
// declare, or an invalid what-if.
func NewPlanner(s *funnel.Scan, opts Options) (*Planner, error) {
	if s == nil {
		return nil, invalid("nil scan")
	}
	f := s.Funnel()
	switch {
	case opts.Target.Sign() <= 0:
		return nil, invalid("target %v not positive", opts.Target)
	case opts.Capacity.Sign() < 0:
		return nil, invalid("negative capacity %v", opts.Capacity)
	case len(opts.WhatIfs) > MaxWhatIfs:
		return nil, invalid("%d what-ifs: at most %d", len(opts.WhatIfs), MaxWhatIfs)
	}
	if opts.CapacityStage != "" {
		if _, ok := f.Index(opts.CapacityStage); !ok {
			return nil, invalid("capacity stage %q, which the funnel does not declare", opts.CapacityStage)
		}
	}
	for i, w := range opts.WhatIfs {
		_, ok := f.Index(w.Stage)
		switch {
		case w.Stage != "" && (!ok || w.Days != 0 || w.Points.Abs().GreaterThan(one)),
			w.Stage == "" && (w.Days < 1 || !w.Points.IsZero()):
			return nil, invalid("what-if %d: stage %q, %v points, %d days", i, w.Stage, w.Points, w.Days)
		}
	}
	o := s.Options()
	if !opts.Period.IsZero() {
		opts.Period = o.Calendar.Start(o.Period, opts.Period, o.Location)
	}
	opts.WhatIfs = append([]WhatIf(nil), opts.WhatIfs...)
	l, err := forecast.NewLearner(s, forecast.LearnOptions{})
	if err != nil {
		return nil, err
	}
	p := &Planner{s: s, opts: opts, l: l, t: funnel.NewTally(s)}
	var w wire.Writer
	p.encodeSettings(&w)
	p.settings = string(w.Bytes())
	return p, nil
}

func (p *Planner) encodeSettings(w *wire.Writer) {
	w.Decimal(p.opts.Target)
	w.Time(p.opts.Period)
	w.Decimal(p.opts.Capacity)
	w.String(string(p.opts.CapacityStage))
	w.Int(len(p.opts.WhatIfs))
	for _, x := range p.opts.WhatIfs {
		w.String(string(x.Stage))
		w.Decimal(x.Points)
		w.Int(x.Days)
	}
}

// Reverse works the target back through the deals in one pass:
// [NewPlanner], funnel.Scan.Run and [Planner.Report].
func Reverse(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts Options) (PlanReport, error) {
	return onepass.Run(s, deals, opts, NewPlanner, (*Planner).Report)
}

// Scan returns the scan the planner was built for.
func (p *Planner) Scan() *funnel.Scan { return p.s }

// Fresh returns an empty planner of the same scan and options.
func (p *Planner) Fresh() funnel.Accumulator {
	return &Planner{s: p.s, opts: p.opts, l: p.l.Fresh().(*forecast.Learner), t: funnel.NewTally(p.s), settings: p.settings}
}

// Add validates d and adds it (see funnel.Scan.Add).
func (p *Planner) Add(d funnel.Deal) error { return p.s.Add(d, p) }

// Observe adds one deal handed over by the scan (see funnel.Accumulator).
func (p *Planner) Observe(v *funnel.View) {
	p.l.Observe(v)
	p.t.Observe(v)
}

// Merge adds everything o, a *Planner of an equal scan and options,
// holds (see funnel.Accumulator). o is not modified.
func (p *Planner) Merge(o funnel.Accumulator) error {
	if o == nil || p == nil {
		return invalid("merging nil")
	}
	op, ok := o.(*Planner)
	switch {
	case !ok:
		return fmt.Errorf("plan: merging %T into a planner: %w", o, funnel.ErrIncompatible)
	case op == nil:
		return invalid("merging a nil planner")
	case op == p:
		return invalid("merging a planner into itself")
	case !p.s.Equal(op.s) || op.settings != p.settings:
		return fmt.Errorf("plan: merging a planner of another scan or options: %w", funnel.ErrIncompatible)
	}
	if err := p.l.Merge(op.l); err != nil {
		return err
	}
	return p.t.Merge(op.t)
}

// A PlanStage is the reverse funnel at one stage.
type PlanStage struct {
	Stage funnel.Stage `json:"stage"`
	// Rate is P(win | entered the stage), won / closed with its interval,
	// and Probability that rate rounded to ProbabilityPlaces (null when
	// undefined).
	Rate        funnel.Rate         `json:"rate"`
	Probability decimal.NullDecimal `json:"probability"`
	// Step is the implied conversion out of the stage (see [Planner]),
	// null when a rate is undefined or zero.
	Step decimal.NullDecimal `json:"step"`
	// Needed is the number of opportunities that must enter the stage,
	// NeededLo and NeededHi its interval (null when a bound of the rate
	// is 0), Whole the needed count rounded up; null without a rate.
	Needed   decimal.NullDecimal `json:"needed"`
	NeededLo decimal.NullDecimal `json:"needed_lo"`
	NeededHi decimal.NullDecimal `json:"needed_hi"`
	Whole    decimal.NullDecimal `json:"whole"`
	// Open counts the deals open in the stage now.
	Open int64 `json:"open"`
	// Lag is the median time from entering the stage to winning, over
	// Timed won deals (LagDefined false, JSON null, with none); EnterFrom
	// and EnterTo bound the window to enter the stage in to win in the
	// target period (zero, JSON null, without a period or a lag).
	Lag        time.Duration `json:"-"`
	LagDefined bool          `json:"-"`
	Timed      int64         `json:"timed"`
	EnterFrom  time.Time     `json:"-"`
	EnterTo    time.Time     `json:"-"`
}

// A WhatIfRow is the effect of one what-if on the plan.
type WhatIfRow struct {
	WhatIf
	// Defined is false when the lever cannot be evaluated (an undefined
	// or zero step, a cycle not longer than the days taken off); the
	// figures are then zero.
	Defined bool `json:"defined"`
	// Revenue is what the plan's leads would bring, Effect = Revenue -
	// target; Leads is the leads the target would then take.
	Revenue decimal.Decimal `json:"revenue"`
	Effect  decimal.Decimal `json:"effect"`
	Leads   decimal.Decimal `json:"leads"`
	// Velocity and VelocityAfter are the pipeline velocity of the deals
	// (money per day, forecast.VelocityInputs.Velocity) before and after a
	// cycle what-if; zero for a conversion one.
	Velocity      decimal.Decimal `json:"velocity"`
	VelocityAfter decimal.Decimal `json:"velocity_after"`
}

// A PlanReport is the reverse funnel of a target.
type PlanReport struct {
	AsOf   time.Time       `json:"-"` // JSON as_of, null when zero
	Target decimal.Decimal `json:"target"`
	// Start and End bound the target period, zero (JSON null) without
	// one.
	Start  time.Time     `json:"-"`
	End    time.Time     `json:"-"`
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the periods' names.
	Calendar funnel.Calendar `json:"calendar"`
	// DealSize is the mean won amount over WonDeals deals, rounded to 10
	// places; Wins = Target / DealSize (WinsWhole rounded up). Defined is
	// false (and the needed figures null) without a won deal.
	DealSize  decimal.Decimal `json:"deal_size"`
	WonDeals  int64           `json:"won_deals"`
	Wins      decimal.Decimal `json:"wins"`
	WinsWhole int64           `json:"wins_whole"`
	Defined   bool            `json:"defined"`
	// Cycle is the mean won cycle (JSON cycle_seconds).
	Cycle time.Duration `json:"-"`
	// Stages is the reverse funnel, in funnel order; Leads is the first
	// stage's Needed.
	Stages []PlanStage         `json:"stages"`
	Leads  decimal.NullDecimal `json:"leads"`
	// Capacity and CapacityStage echo the options; Reps is the needed
	// count at the capacity stage over the capacity, with its interval
	// and rounded up (null without a capacity or a rate).
	Capacity      decimal.Decimal     `json:"capacity"`
	CapacityStage funnel.Stage        `json:"capacity_stage"`
	Reps          decimal.NullDecimal `json:"reps"`
	RepsLo        decimal.NullDecimal `json:"reps_lo"`
	RepsHi        decimal.NullDecimal `json:"reps_hi"`
	RepsWhole     decimal.NullDecimal `json:"reps_whole"`
	WhatIfs       []WhatIfRow         `json:"what_ifs"`
	Input         funnel.Input        `json:"input"`
}

// div returns a / b rounded to the plan's places, and false when b is 0.
func div(a, b decimal.Decimal) (decimal.Decimal, bool) {
	if b.IsZero() {
		return decimal.Decimal{}, false
	}
	return a.DivRound(b, places), true
}

func null(d decimal.Decimal, ok bool) decimal.NullDecimal {
	if !ok {
		return decimal.NullDecimal{}
	}
	return decimal.NewNullDecimal(d)
}

// bound returns an interval bound rounded to ProbabilityPlaces.
func bound(p float64) decimal.Decimal {
	return decimal.NewFromFloat(min(max(p, 0), 1)).Round(forecast.ProbabilityPlaces)
}

// Report works the target back through what the planner learned. It
// returns the learner's error (see forecast.Learner.Model).
func (p *Planner) Report() (PlanReport, error) {
	m, err := p.l.Model()
	if err != nil {
		return PlanReport{}, err
	}
	tr := p.t.Report()
	o := p.s.Options()
	f := p.s.Funnel()
	r := PlanReport{AsOf: o.AsOf, Target: p.opts.Target, Period: o.Period, Calendar: o.Calendar, WonDeals: tr.DealSize.Count, Cycle: tr.CycleWon.Mean,
		Capacity: p.opts.Capacity, CapacityStage: p.opts.CapacityStage, Stages: make([]PlanStage, f.Len()), WhatIfs: []WhatIfRow{}, Input: tr.Input}
	if r.CapacityStage == "" {
		r.CapacityStage = f.Stage(0)
	}
	if !p.opts.Period.IsZero() {
		r.Start, r.End = p.opts.Period, o.Calendar.Next(o.Period, p.opts.Period, o.Location)
	}
	if r.WonDeals > 0 {
		r.DealSize, r.Defined = tr.DealSize.Mean, true
		r.Wins, _ = div(r.Target, r.DealSize)
		r.WinsWhole = r.Wins.Ceil().IntPart()
	}
	rates := m.Stages()
	for k := range r.Stages {
		st := &r.Stages[k]
		st.Stage, st.Rate, st.Open = f.Stage(k), rates[k].Won, tr.Funnel[k].Open
		if st.Rate.Den > 0 {
			st.Probability = decimal.NewNullDecimal(decimal.NewFromInt(st.Rate.Num).DivRound(decimal.NewFromInt(st.Rate.Den), forecast.ProbabilityPlaces))
		}
		t := m.TimeToWin(st.Stage)
		st.Timed = t.Count
		if t.Count > 0 {
			st.Lag, st.LagDefined = t.Median, true
			if !r.Start.IsZero() {
				st.EnterFrom, st.EnterTo = r.Start.Add(-t.Median), r.End.Add(-t.Median)
			}
		}
		if !r.Defined || !st.Probability.Valid || st.Probability.Decimal.IsZero() {
			continue
		}
		sp := r.DealSize.Mul(st.Probability.Decimal)
		st.Needed = null(div(r.Target, sp))
		st.Whole = decimal.NewNullDecimal(st.Needed.Decimal.Ceil())
		iv := st.Rate.Interval
		st.NeededLo = null(div(r.Target, r.DealSize.Mul(bound(iv.Hi))))
		st.NeededHi = null(div(r.Target, r.DealSize.Mul(bound(iv.Lo))))
	}
	for k := range r.Stages {
		st := &r.Stages[k]
		if !st.Probability.Valid {
			continue
		}
		if k == len(r.Stages)-1 {
			st.Step = st.Probability
			continue
		}
		if next := r.Stages[k+1].Probability; next.Valid {
			st.Step = null(div(st.Probability.Decimal, next.Decimal))
		}
	}
	r.Leads = r.Stages[0].Needed
	if c := p.opts.Capacity; c.Sign() > 0 {
		k, _ := f.Index(r.CapacityStage)
		st := r.Stages[k]
		if st.Needed.Valid {
			r.Reps = null(div(st.Needed.Decimal, c))
			r.RepsWhole = decimal.NewNullDecimal(r.Reps.Decimal.Ceil())
			if st.NeededLo.Valid {
				r.RepsLo = null(div(st.NeededLo.Decimal, c))
			}
			if st.NeededHi.Valid {
				r.RepsHi = null(div(st.NeededHi.Decimal, c))
			}
		}
	}
	vin := forecast.VelocityOf(tr)
	for _, w := range p.opts.WhatIfs {
		r.WhatIfs = append(r.WhatIfs, r.whatIf(w, f, vin))
	}
	return r, nil
}

// whatIf evaluates one lever on the plan.
func (r *PlanReport) whatIf(w WhatIf, f *funnel.Funnel, vin forecast.VelocityInputs) WhatIfRow {
	row := WhatIfRow{WhatIf: w}
	if !r.Defined || !r.Leads.Valid {
		return row
	}
	var factor decimal.Decimal // revenue of the plan's leads over the target
	if w.Stage != "" {
		k, _ := f.Index(w.Stage)
		s := r.Stages[k].Step
		if !s.Valid || s.Decimal.Sign() <= 0 {
			return row
		}
		after := decimal.Min(decimal.Max(s.Decimal.Add(w.Points), decimal.Zero), decimal.Max(one, s.Decimal))
		factor = after.Div(s.Decimal)
	} else {
		l := decimal.NewFromInt(int64(r.Cycle / time.Second))
		y := decimal.NewFromInt(int64(w.Days) * 86400)
		if !l.GreaterThan(y) {
			return row
		}
		factor = l.Div(l.Sub(y))
		row.Velocity, _ = vin.Velocity()
		after := vin
		after.Cycle -= time.Duration(w.Days) * 24 * time.Hour
		row.VelocityAfter, _ = after.Velocity()
	}
	row.Defined = true
	row.Revenue = r.Target.Mul(factor).Round(places)
	row.Effect = row.Revenue.Sub(r.Target)
	if factor.Sign() > 0 {
		row.Leads = r.Leads.Decimal.Div(factor).Round(places)
	}
	return row
}

// Forward returns the forward forecast of opportunities deals of the
// plan's deal size in the stage, as a weighted pipeline weighs them:
// opportunities × DealSize × P(win | stage). For the needed count of a
// stage it gives back the target, up to the rounding of the count to 10
// places. It returns false for an unknown stage or an undefined rate.
func (r PlanReport) Forward(stage funnel.Stage, opportunities decimal.Decimal) (decimal.Decimal, bool) {
	for _, st := range r.Stages {
		if st.Stage == stage && st.Probability.Valid && r.Defined {
			return opportunities.Mul(r.DealSize).Mul(st.Probability.Decimal), true
		}
	}
	return decimal.Decimal{}, false
}

const plannerVersion = 1

// MarshalBinary encodes the planner (see funnel.Accumulator):
// deterministic, the same for one pass and for any merge of parts.
func (p *Planner) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("plan.planner", plannerVersion)
	b, _ := p.s.AppendBinary(nil)
	w.String(string(b))
	p.encodeSettings(&w)
	lb, _ := p.l.MarshalBinary()
	w.String(string(lb))
	tb, _ := p.t.MarshalBinary()
	w.String(string(tb))
	return w.Bytes(), nil
}

func decodeErr(err error) error { return fmt.Errorf("plan: %w: %w", funnel.ErrInvalidParam, err) }

// UnmarshalBinary decodes a planner written by [Planner.MarshalBinary],
// replacing p's contents. A planner built by [NewPlanner] accepts only an
// encoding of an equal scan and options (funnel.ErrIncompatible
// otherwise); a zero Planner takes the encoded ones. Invalid input is an
// error wrapping funnel.ErrInvalidParam.
func (p *Planner) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("plan.planner"); r.Err() == nil && v != plannerVersion {
		r.Fail("planner version %d", v)
	}
	sb := r.String()
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	s, rest, err := funnel.DecodeScan([]byte(sb))
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return decodeErr(errors.New("bytes after the scan"))
	}
	if p.s != nil {
		if !p.s.Equal(s) {
			return fmt.Errorf("plan: decoding a planner of another scan: %w", funnel.ErrIncompatible)
		}
		s = p.s
	}
	opts := Options{Target: r.Decimal(), Period: r.Time(), Capacity: r.Decimal(), CapacityStage: funnel.Stage(r.String())}
	n := r.Count(3)
	if r.Err() == nil && n > MaxWhatIfs {
		r.Fail("%d what-ifs", n)
	}
	for range n {
		opts.WhatIfs = append(opts.WhatIfs, WhatIf{Stage: funnel.Stage(r.String()), Points: r.Decimal(), Days: r.Int()})
	}
	lb, tb := r.String(), r.String()
	if err := r.End(); err != nil {
		return decodeErr(err)
	}
	out, err := NewPlanner(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if !out.opts.Period.Equal(opts.Period) {
		return decodeErr(errors.New("period not at its start"))
	}
	if p.s != nil && out.settings != p.settings {
		return fmt.Errorf("plan: decoding a planner of other options: %w", funnel.ErrIncompatible)
	}
	if err := out.l.UnmarshalBinary([]byte(lb)); err != nil {
		return decodeErr(err)
	}
	if err := out.t.UnmarshalBinary([]byte(tb)); err != nil {
		return decodeErr(err)
	}
	if again, _ := out.MarshalBinary(); !bytes.Equal(again, data) {
		return decodeErr(errors.New("not in canonical form"))
	}
	if li, ti := out.learnerInput(), out.t.Report().Input; li.Read != ti.Read || li.Counted != ti.Counted || li.Future != ti.Future {
		return decodeErr(errors.New("learner and tally of other deals"))
	}
	*p = *out
	return nil
}

func (p *Planner) learnerInput() funnel.Input {
	m, err := p.l.Model()
	if err != nil {
		return funnel.Input{Read: -1}
	}
	return m.Input()
}

// JSON

// parseSecs reads seconds written by [jsonstyle.Seconds].
func parseSecs(n json.Number) (time.Duration, error) {
	return jsonstyle.ParseSeconds(n, "plan", funnel.ErrInvalidParam)
}

type planStageJSON struct {
	planStageAlias
	Lag       *json.Number `json:"lag_seconds"`
	EnterFrom *time.Time   `json:"enter_from"`
	EnterTo   *time.Time   `json:"enter_to"`
}

type planStageAlias PlanStage

// MarshalJSON encodes the stage with its lag in seconds (null when
// undefined) and its window as RFC 3339 or null.
func (s PlanStage) MarshalJSON() ([]byte, error) {
	o := planStageJSON{planStageAlias: planStageAlias(s), EnterFrom: jsonstyle.Time(s.EnterFrom), EnterTo: jsonstyle.Time(s.EnterTo)}
	if s.LagDefined {
		n := jsonstyle.Seconds(s.Lag)
		o.Lag = &n
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a stage written by [PlanStage.MarshalJSON].
func (s *PlanStage) UnmarshalJSON(b []byte) error {
	var o planStageJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := PlanStage(o.planStageAlias)
	out.Lag, out.LagDefined = 0, o.Lag != nil
	if o.Lag != nil {
		d, err := parseSecs(*o.Lag)
		if err != nil {
			return err
		}
		out.Lag = d
	}
	out.EnterFrom, out.EnterTo = jsonstyle.TimeOf(o.EnterFrom), jsonstyle.TimeOf(o.EnterTo)
	*s = out
	return nil
}

type planReportJSON struct {
	planReportAlias
	AsOf  *time.Time  `json:"as_of"`
	Start *time.Time  `json:"start"`
	End   *time.Time  `json:"end"`
	Cycle json.Number `json:"cycle_seconds"`
}

type planReportAlias PlanReport

// MarshalJSON encodes the report in the library's JSON style.
func (r PlanReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(planReportJSON{planReportAlias(r), jsonstyle.Time(r.AsOf), jsonstyle.Time(r.Start), jsonstyle.Time(r.End), jsonstyle.Seconds(r.Cycle)})
}

// UnmarshalJSON decodes a report written by [PlanReport.MarshalJSON].
func (r *PlanReport) UnmarshalJSON(b []byte) error {
	var o planReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	c, err := parseSecs(o.Cycle)
	if err != nil {
		return err
	}
	*r = PlanReport(o.planReportAlias)
	r.AsOf, r.Start, r.End, r.Cycle = jsonstyle.TimeOf(o.AsOf), jsonstyle.TimeOf(o.Start), jsonstyle.TimeOf(o.End), c
	return nil
}

func nd(d decimal.NullDecimal, places int32) string {
	if !d.Valid {
		return "n/a"
	}
	return d.Decimal.StringFixed(places)
}

func days(d time.Duration, ok bool) string {
	if !ok {
		return "n/a"
	}
	return format.Days(d)
}

// WriteText writes the reverse funnel, the reps and the what-ifs.
func (r PlanReport) WriteText(w io.Writer) error {
	ew := textout.New(w)
	ew.Printf("Reverse funnel of a target of %s", r.Target.StringFixed(2))
	if !r.Start.IsZero() {
		ew.Printf(" in %s", r.Calendar.Label(r.Period, r.Start, r.Start.Location()))
	}
	if !r.AsOf.IsZero() {
		ew.Printf(", learned as of %s", r.AsOf.Format(time.RFC3339))
	}
	ew.Printf("\n")
	if !r.Defined {
		ew.Printf("No won deal: no deal size to plan with.\n")
	} else {
		ew.Printf("Deal size %s (mean of %d won deals): %s wins (%d)\n", r.DealSize.StringFixed(2), r.WonDeals, r.Wins.StringFixed(2), r.WinsWhole)
	}
	tw := textout.NewTable(ew)
	fmt.Fprintln(tw, "stage\tP(win)\tstep\tneeded\tinterval\twhole\topen\tdays to win\tenter from\tenter to\t")
	for _, s := range r.Stages {
		iv := nd(s.NeededLo, 1) + ".." + nd(s.NeededHi, 1)
		from, to := "", ""
		if !s.EnterFrom.IsZero() {
			from, to = s.EnterFrom.Format(time.DateOnly), s.EnterTo.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t\n", s.Stage, nd(s.Probability, 3), nd(s.Step, 3), nd(s.Needed, 2), iv, nd(s.Whole, 0),
			s.Open, days(s.Lag, s.LagDefined), from, to)
	}
	_ = tw.Flush()
	ew.Printf("Leads: %s\n", nd(r.Leads, 2))
	if r.Capacity.Sign() > 0 {
		ew.Printf("Reps at %s opportunities per rep in %s: %s (%s..%s), %s whole\n", r.Capacity, r.CapacityStage, nd(r.Reps, 2), nd(r.RepsLo, 2), nd(r.RepsHi, 2), nd(r.RepsWhole, 0))
	}
	for _, x := range r.WhatIfs {
		lever := fmt.Sprintf("%d days shorter cycle", x.Days)
		if x.Stage != "" {
			lever = fmt.Sprintf("%s points at the step out of %s", x.Points.Mul(decimal.NewFromInt(100)).String(), x.Stage)
		}
		if !x.Defined {
			ew.Printf("What if %s: n/a\n", lever)
			continue
		}
		ew.Printf("What if %s: revenue %s (%s), leads %s\n", lever, x.Revenue.StringFixed(2), signed(x.Effect), x.Leads.StringFixed(2))
	}
	ew.Printf("Deals read %d, counted %d, skipped %d\n", r.Input.Read, r.Input.Counted, r.Input.Skipped.Count)
	return ew.Err()
}

func signed(d decimal.Decimal) string {
	if d.Sign() > 0 {
		return "+" + d.StringFixed(2)
	}
	return d.StringFixed(2)
}
