package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/pulse"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/shopspring/decimal"
)

// A plan is the analyses one run computes: the accumulators of one scan,
// fed by one pass over the deals (funnel.Scan.Run).
type plan struct {
	s        *funnel.Scan
	tally    *funnel.Tally
	segs     *funnel.Segments
	series   *trend.Series
	metric   trend.Metric
	cohorts  *trend.Cohorts
	curves   []*trend.Survival
	pipeline *forecast.Pipeline
	byPeriod *forecast.ByPeriod
	dealLog  *clv.DealLog
	margin   decimal.Decimal
	attr     *attrAcc
}

func (p *plan) accs() []funnel.Accumulator {
	var as []funnel.Accumulator
	for _, a := range []funnel.Accumulator{p.tally, p.segs, p.series, p.cohorts, p.pipeline, p.byPeriod, p.dealLog} {
		if a != nil && !isNil(a) {
			as = append(as, a)
		}
	}
	for _, c := range p.curves {
		as = append(as, c)
	}
	if p.attr != nil {
		as = append(as, p.attr)
	}
	return as
}

// isNil reports whether an accumulator interface holds a nil pointer.
func isNil(a funnel.Accumulator) bool {
	switch v := a.(type) {
	case *funnel.Tally:
		return v == nil
	case *funnel.Segments:
		return v == nil
	case *trend.Series:
		return v == nil
	case *trend.Cohorts:
		return v == nil
	case *forecast.Pipeline:
		return v == nil
	case *forecast.ByPeriod:
		return v == nil
	case *clv.DealLog:
		return v == nil
	}
	return false
}

// results are what a run computed, each in the library's JSON.
type results struct {
	Command     string                   `json:"command"`
	Read        *readReport              `json:"read,omitempty"`
	Report      *funnel.Report           `json:"report,omitempty"`
	Segments    *funnel.SegmentReport    `json:"segments,omitempty"`
	Trend       *trend.Report            `json:"trend,omitempty"`
	Metric      *trend.Values            `json:"trend_metric,omitempty"`
	Cohorts     *trend.Table             `json:"cohorts,omitempty"`
	Survival    []trend.Curve            `json:"survival,omitempty"`
	Pipeline    *forecast.PipelineReport `json:"pipeline,omitempty"`
	Forecast    *forecast.PeriodReport   `json:"forecast,omitempty"`
	CLV         *clv.Historical          `json:"clv,omitempty"`
	CLVCohorts  *clv.Cohorts             `json:"clv_cohorts,omitempty"`
	Attribution *attributionJSON         `json:"attribution,omitempty"`
	Touches     *touchReport             `json:"touches,omitempty"`
	ENPS        *pulse.Breakdown         `json:"enps,omitempty"`
	Answers     *touchReport             `json:"answers,omitempty"`

	attribution *attribution.Result
}

// collect reads every result of the plan.
func (p *plan) collect(r *results) error {
	if p.tally != nil {
		rep := p.tally.Report()
		r.Report = &rep
	}
	if p.segs != nil {
		rep, err := p.segs.Report()
		if err != nil {
			return err
		}
		r.Segments = &rep
	}
	if p.series != nil {
		rep, err := p.series.Report()
		if err != nil {
			return err
		}
		v, err := rep.Metric(p.metric)
		if err != nil {
			return err
		}
		r.Trend, r.Metric = &rep, &v
	}
	if p.cohorts != nil {
		t, err := p.cohorts.Table()
		if err != nil {
			return err
		}
		r.Cohorts = &t
	}
	for _, c := range p.curves {
		r.Survival = append(r.Survival, c.Curve())
	}
	if p.pipeline != nil {
		rep, err := p.pipeline.Report()
		if err != nil {
			return err
		}
		r.Pipeline = &rep
	}
	if p.byPeriod != nil {
		rep, err := p.byPeriod.Report()
		if err != nil {
			return err
		}
		r.Forecast = &rep
	}
	if p.dealLog != nil {
		h, err := p.dealLog.Historical(p.margin)
		if err != nil {
			return err
		}
		c, err := p.dealLog.Cohorts()
		if err != nil {
			return err
		}
		r.CLV, r.CLVCohorts = &h, &c
	}
	if p.attr != nil {
		if p.attr.err != nil && p.s.Options().Mode == funnel.Strict {
			return p.attr.err
		}
		res, err := p.attr.acc.Result()
		if err != nil {
			return err
		}
		r.attribution = res
		j := attributionOf(res, p.attr.rejected, p.attr.errs)
		r.Attribution = &j
	}
	return nil
}

// attrAcc attributes each counted deal's journey (its touches from the
// touch file, its outcome as of the scan's as-of time) in the scan's pass:
// a funnel.Accumulator over an attribution.Accumulator. Journeys the
// attribution refuses are counted, and in strict mode fail the run.
type attrAcc struct {
	s        *funnel.Scan
	in       funnel.Intake
	touches  map[string][]attribution.Touch
	acc      *attribution.Accumulator
	model    attribution.Model
	opts     attribution.Options
	oppStage int
	rejected int64
	errs     []string
	err      error
}

func newAttrAcc(s *funnel.Scan, touches map[string][]attribution.Touch, m attribution.Model, o attribution.Options, oppStage int) (*attrAcc, error) {
	acc, err := attribution.NewAccumulator(m, o)
	if err != nil {
		return nil, err
	}
	return &attrAcc{s: s, touches: touches, acc: acc, model: m, opts: o, oppStage: oppStage}, nil
}

// Scan implements funnel.Accumulator.
func (a *attrAcc) Scan() *funnel.Scan { return a.s }

// Observe implements funnel.Accumulator: the deal's journey, with the
// touches up to the as-of time.
func (a *attrAcc) Observe(v *funnel.View) {
	if !a.in.Note(v) {
		return
	}
	d := v.Deal
	asOf := a.s.Options().AsOf
	ts := a.touches[d.ID]
	if !asOf.IsZero() {
		n := 0
		for n < len(ts) && !ts[n].At.After(asOf) {
			n++
		}
		ts = ts[:n]
	}
	j := attribution.Journey{ID: d.ID, Touches: ts}
	if v.Reached(a.oppStage) {
		j.Opportunity = true
		j.Pipeline = d.Amount
		for i := range v.Len() {
			if k, at := v.Entry(i); k == a.oppStage {
				j.OpportunityAt = at
				break
			}
		}
	}
	if d.Outcome == funnel.Won {
		j.Converted = true
		j.Revenue = d.Amount
		j.Opportunity, j.Pipeline = true, d.Amount
	}
	if err := a.acc.Add(j); err != nil {
		a.rejected++
		if len(a.errs) < 20 {
			a.errs = append(a.errs, err.Error())
		}
		if a.err == nil {
			a.err = err
		}
	}
}

// Merge implements funnel.Accumulator.
func (a *attrAcc) Merge(o funnel.Accumulator) error {
	b, ok := o.(*attrAcc)
	switch {
	case o == nil || b == a:
		return fmt.Errorf("attribution: merge: %w", funnel.ErrInvalidParam)
	case !ok || !b.s.Equal(a.s) || b.model != a.model:
		return fmt.Errorf("attribution: merge: %w", funnel.ErrIncompatible)
	}
	if err := a.acc.Merge(b.acc); err != nil {
		return err
	}
	a.in.Merge(&b.in)
	a.rejected += b.rejected
	for _, e := range b.errs {
		if len(a.errs) < 20 {
			a.errs = append(a.errs, e)
		}
	}
	if a.err == nil {
		a.err = b.err
	}
	return nil
}

// Fresh implements funnel.Accumulator.
func (a *attrAcc) Fresh() funnel.Accumulator {
	f, _ := newAttrAcc(a.s, a.touches, a.model, a.opts, a.oppStage)
	return f
}

var errNotEncodable = errors.New("the attribution of a run does not travel as bytes")

// MarshalBinary implements funnel.Accumulator; the run's attribution is
// not sent anywhere, so it has no encoding.
func (a *attrAcc) MarshalBinary() ([]byte, error) {
	return nil, fmt.Errorf("%w: %w", funnel.ErrInvalidParam, errNotEncodable)
}

// UnmarshalBinary implements funnel.Accumulator (see MarshalBinary).
func (a *attrAcc) UnmarshalBinary([]byte) error {
	return fmt.Errorf("%w: %w", funnel.ErrInvalidParam, errNotEncodable)
}

// attributionJSON is an attribution in the library's JSON style: snake_case
// names, enums by name, money and credits as decimal strings.
type attributionJSON struct {
	Model        string     `json:"model"`
	By           string     `json:"by"`
	Keys         []keyJSON  `json:"keys"`
	Unattributed creditJSON `json:"unattributed"`
	Total        creditJSON `json:"total"`
	Rejected     int64      `json:"rejected"`
	Errors       []string   `json:"rejected_examples"`
}

type keyJSON struct {
	Key string `json:"key"`
	creditJSON
}

type creditJSON struct {
	Leads         decimal.Decimal `json:"leads"`
	Opportunities decimal.Decimal `json:"opportunities"`
	Conversions   decimal.Decimal `json:"conversions"`
	Pipeline      decimal.Decimal `json:"pipeline"`
	Revenue       decimal.Decimal `json:"revenue"`
}

func creditOf(c attribution.Credit) creditJSON {
	return creditJSON{c.Leads, c.Opportunities, c.Conversions, c.Pipeline, c.Revenue}
}

func attributionOf(r *attribution.Result, rejected int64, errs []string) attributionJSON {
	j := attributionJSON{Model: r.Model.String(), By: r.By.String(), Keys: []keyJSON{},
		Unattributed: creditOf(r.Unattributed), Total: creditOf(r.Total), Rejected: rejected, Errors: slices.Clip(errs)}
	if j.Errors == nil {
		j.Errors = []string{}
	}
	for _, k := range r.Keys {
		j.Keys = append(j.Keys, keyJSON{k.Key, creditOf(k.Credit)})
	}
	return j
}
