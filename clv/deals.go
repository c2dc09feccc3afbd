package clv

import (
	"fmt"
	"iter"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// A DealLog is the transaction log of won deals, so that B2B users get
// CLV per account from their CRM data: every deal that the scan hands over
// as won (as it stood at Options.AsOf: a deal won after AsOf is not a
// purchase yet) becomes one transaction of its Account, at its Closed
// time, for its Amount, in the scan's currency. Open and lost deals are
// counted in the intake and are not purchases. The scan validates every
// deal once; skipped and future deals are counted in Input, won deals
// without an account or a close time, or with an amount beyond
// [MaxAmountExponent], in [LogSummary].
//
// A DealLog is a [funnel.Accumulator]: feed it with [funnel.Scan.Run]
// alongside other analyses, merge the logs of the parts of any split of the
// deals to the log of the whole, and send it as bytes. Its log has the
// scan's zone, calendar and confidence level, and its cohorts the scan's
// period and as-of time. Build one with [NewDealLog]; it is not safe for concurrent
// use.
type DealLog struct {
	s          *funnel.Scan
	in         funnel.Intake
	log        Log
	noAccount  int64
	undated    int64
	outOfRange int64
}

// NewDealLog returns an empty log of the won deals of the scan s. It
// returns an error wrapping [funnel.ErrInvalidParam] for a nil scan.
func NewDealLog(s *funnel.Scan) (*DealLog, error) {
	if s == nil {
		return nil, fmt.Errorf("clv: nil scan: %w", funnel.ErrInvalidParam)
	}
	return &DealLog{s: s, log: Log{loc: s.Options().Location, cal: s.Options().Calendar, level: s.Level()}}, nil
}

// FromDeals reads the deals once with the scan s and returns the log of
// the won ones: [NewDealLog] and [funnel.Scan.Run]. A nil sequence is an
// error wrapping [funnel.ErrInvalidParam]; in strict mode the first invalid
// deal's [*funnel.DealError] is returned.
func FromDeals(s *funnel.Scan, deals iter.Seq[funnel.Deal]) (*DealLog, error) {
	a, err := NewDealLog(s)
	if err != nil {
		return nil, err
	}
	if err := s.Run(deals, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Scan returns the scan the log was built for.
func (a *DealLog) Scan() *funnel.Scan { return a.s }

// Observe adds one deal the scan handed over (see [funnel.Accumulator]).
func (a *DealLog) Observe(v *funnel.View) {
	if !a.in.Note(v) {
		return
	}
	d := v.Deal
	switch {
	case d.Outcome != funnel.Won:
	case d.Account == "":
		a.noAccount++
	case d.Closed.IsZero():
		a.undated++
	case !amountInRange(d.Amount):
		a.outOfRange++
	default:
		a.log.add(d.Account, d.Closed, d.Amount)
	}
}

// Add validates d with the scan and adds it: a.Scan().Add(d, a).
func (a *DealLog) Add(d funnel.Deal) error { return a.s.Add(d, a) }

// Merge adds every deal o holds (see [funnel.Accumulator]). o is not
// modified.
func (a *DealLog) Merge(o funnel.Accumulator) error {
	if o == nil || a == nil {
		return fmt.Errorf("clv: merging a nil log: %w", funnel.ErrInvalidParam)
	}
	b, ok := o.(*DealLog)
	switch {
	case !ok:
		return fmt.Errorf("clv: merging a %T into a deal log: %w", o, funnel.ErrIncompatible)
	case b == nil || b == a:
		return fmt.Errorf("clv: merging a nil log or a log into itself: %w", funnel.ErrInvalidParam)
	case !a.s.Equal(b.s):
		return fmt.Errorf("clv: merging deal logs of other scans: %w", funnel.ErrIncompatible)
	}
	a.in.Merge(&b.in)
	a.log.merge(&b.log)
	a.noAccount += b.noAccount
	a.undated += b.undated
	a.outOfRange += b.outOfRange
	return nil
}

// Fresh returns an empty log of the same scan.
func (a *DealLog) Fresh() funnel.Accumulator {
	b, _ := NewDealLog(a.s)
	return b
}

// Input returns what the log was given: deals read, counted, created after
// the as-of time and skipped.
func (a *DealLog) Input() funnel.Input { return a.in.Input() }

// Len returns the number of distinct accounts.
func (a *DealLog) Len() int { return a.log.Len() }

// Count returns the number of transactions (won deals in the log).
func (a *DealLog) Count() int { return a.log.Count() }

func (a *DealLog) summary() LogSummary {
	return LogSummary{Currency: a.s.Options().Currency, WonNoAccount: a.noAccount, WonUndated: a.undated, WonOutOfRange: a.outOfRange}
}

// Historical returns the historical CLV of every account (see
// [Log.Historical]), with the log's input.
func (a *DealLog) Historical(marginRate decimal.Decimal) (Historical, error) {
	return a.log.historical(marginRate, a.in.Input(), a.summary())
}

// RFM returns the RFM summary of every account (see [Log.RFM]), with
// calendar days in the scan's zone. The holdout, if any, must end by the
// scan's as-of time (when it has one): later deals are not in the log.
func (a *DealLog) RFM(o RFMOptions) (RFM, error) {
	if asOf := a.s.Options().AsOf; !asOf.IsZero() && (o.HoldoutEnd.After(asOf) || o.CalibrationEnd.After(asOf)) {
		return RFM{}, fmt.Errorf("clv: rfm: calibration or holdout ends after the scan's as-of time: %w", funnel.ErrInvalidParam)
	}
	return a.log.rfm(o, a.in.Input(), a.summary())
}

// Cohorts returns the acquisition cohorts of the accounts (see
// [Log.Cohorts]) by the scan's period, in its calendar and zone, through
// its as-of time (through the last purchase when it has none), with
// intervals at its confidence level.
func (a *DealLog) Cohorts() (Cohorts, error) {
	o := a.s.Options()
	return a.log.cohorts(CohortOptions{Period: o.Period, AsOf: o.AsOf}, a.in.Input(), a.summary())
}

// Retention returns the revenue retention of the accounts period by
// period (see [Log.Retention]) by the scan's period, in its calendar and
// zone, through its as-of time (through the last purchase when it has
// none), with intervals at its confidence level.
func (a *DealLog) Retention() (Retention, error) {
	o := a.s.Options()
	return a.log.retention(CohortOptions{Period: o.Period, AsOf: o.AsOf}, a.in.Input(), a.summary())
}

// Tracking returns the calendar-time tracking of the model m on the
// accounts (see [Log.Tracking]), with calendar days in the scan's zone.
// The end must be on or before the scan's as-of time (when it has one):
// later deals are not in the log.
func (a *DealLog) Tracking(m BGNBD, o TrackingOptions) (Tracking, error) {
	if asOf := a.s.Options().AsOf; !asOf.IsZero() && (o.End.After(asOf) || o.CalibrationEnd.After(asOf)) {
		return Tracking{}, fmt.Errorf("clv: tracking: calibration or tracking ends after the scan's as-of time: %w", funnel.ErrInvalidParam)
	}
	return a.log.tracking(m, o, a.in.Input(), a.summary())
}
