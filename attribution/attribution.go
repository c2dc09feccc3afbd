// Package attribution credits marketing touchpoints with the leads,
// opportunities, won deals, pipeline and revenue of the journeys they belong
// to, and turns that credit into campaign ROI and cost per lead, opportunity
// and won deal.
//
// # Model
//
// A [Journey] is one deal's or account's ordered list of marketing touches
// ([Touch]: campaign, channel, time) together with its outcome: whether it
// created an opportunity (and how much pipeline), whether it converted
// (won) and its revenue. Credit is given to keys, which are channels or
// campaigns as chosen by [Options.By].
//
// Every journey is a lead. Each of the five metrics of a [Credit] is split
// over the journey's touches by the chosen [Model]:
//
//   - rule-based models ([FirstTouch], [LastTouch], [LastNonDirect],
//     [Linear], [PositionBased], [WShaped], [TimeDecay]) split each journey
//     on its own;
//   - data-driven models ([Markov], [Shapley]) first learn one weight per
//     key from all journeys, then split each metric's total by those
//     weights.
//
// # Exact sums
//
// Credits are decimals. Counts are split in units of 10^-[CountScale] and
// money in units of 10^-MoneyScale ([Options.MoneyScale]); the units left
// over after rounding down are handed out by the largest-remainder method
// (Hamilton), ties going to the earlier touch or the key that sorts first.
// Model weights are floating point; before splitting they are rounded to
// multiples of 10^-12 of their sum, so that simple shares (1/2, 0.4)
// are exact and equal shares stay equal.
// The credits of all keys plus [Result.Unattributed] (journeys without
// touches) therefore add up exactly to [Result.Total], and the same input
// always gives the same output.
//
// # Concurrency
//
// Functions in this package are safe for concurrent use. An [Accumulator]
// is not safe for concurrent mutation: give each goroutine its own and
// combine them with [Accumulator.Merge], which gives exactly the one-pass
// result.
package attribution

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// CountScale is the number of decimal places of the count credits (leads,
// opportunities, conversions): one journey is split in units of 0.000001.
const CountScale = 6

// DefaultMoneyScale is the money scale used when [Options.MoneyScale] is
// zero: amounts are split in cents.
const DefaultMoneyScale = 2

// MaxMoneyScale is the largest accepted [Options.MoneyScale].
const MaxMoneyScale = 18

// DivScale is the number of decimal places of every quotient this package
// computes (ROI, cost per lead, ...). Quotients are rounded half away from
// zero, as [decimal.Decimal.DivRound] does.
const DivScale = 6

// NoCampaign is the key under which touches without a campaign are
// credited when attributing by campaign.
const NoCampaign = "(no campaign)"

// Errors returned by this package. Each is wrapped with context (the
// journey, the touch, the option) and can be tested with [errors.Is].
var (
	// ErrMissingID reports a journey without an ID.
	ErrMissingID = errors.New("attribution: missing journey id")
	// ErrMissingChannel reports a touch without a channel.
	ErrMissingChannel = errors.New("attribution: touch without channel")
	// ErrTouchOrder reports touches that are not in ascending time order.
	ErrTouchOrder = errors.New("attribution: touches out of time order")
	// ErrNegativeAmount reports a negative revenue, pipeline or cost.
	ErrNegativeAmount = errors.New("attribution: negative amount")
	// ErrAmountScale reports an amount with more decimal places than
	// [Options.MoneyScale].
	ErrAmountScale = errors.New("attribution: amount has too many decimal places")
	// ErrAmountWithoutOutcome reports revenue on a journey that did not
	// convert, or pipeline on a journey that created no opportunity.
	ErrAmountWithoutOutcome = errors.New("attribution: amount without outcome")
	// ErrInvalidParam reports an invalid model, option or parameter.
	ErrInvalidParam = errors.New("attribution: invalid parameter")
	// ErrIncompatible reports a merge of accumulators built for different
	// models or options.
	ErrIncompatible = errors.New("attribution: incompatible accumulators")
	// ErrTooManyKeys reports a Shapley attribution over more than
	// [MaxShapleyKeys] keys, or a Markov chain over more than [MaxMarkovKeys].
	ErrTooManyKeys = errors.New("attribution: too many keys")
	// ErrTooManyStates reports a Markov chain with more than
	// [MaxMarkovStates] states.
	ErrTooManyStates = errors.New("attribution: too many markov states")
	// ErrInvalidCost reports a campaign cost without a campaign.
	ErrInvalidCost = errors.New("attribution: invalid campaign cost")
	// ErrDuplicateCost reports two costs for the same campaign and period.
	ErrDuplicateCost = errors.New("attribution: duplicate campaign cost")
)

// A JourneyError reports which journey (and which touch) failed validation.
// Unwrap returns one of the ErrXxx sentinels.
type JourneyError struct {
	ID    string // journey ID
	Touch int    // index of the offending touch, or -1
	Field string // offending field, such as "Revenue"
	Err   error  // the sentinel
}

// Error returns a message naming the journey, the touch and the field.
func (e *JourneyError) Error() string {
	if e.Touch >= 0 {
		return fmt.Sprintf("attribution: journey %q touch %d %s: %v", e.ID, e.Touch, e.Field, e.Err)
	}
	return fmt.Sprintf("attribution: journey %q %s: %v", e.ID, e.Field, e.Err)
}

// Unwrap returns the sentinel error.
func (e *JourneyError) Unwrap() error { return e.Err }

// A Touch is one marketing touchpoint: an ad click, an email, a webinar, a
// visit. The zero Touch is invalid (it has no channel).
type Touch struct {
	Campaign string    // campaign name; empty means none ([NoCampaign])
	Channel  string    // channel name, such as "paid-search"; required
	At       time.Time // when it happened
}

// A Journey is the ordered list of touches of one deal or account and its
// outcome. Store and pass Journeys as values. The zero Journey is invalid
// (it has no ID).
type Journey struct {
	// ID names the deal or account; it is required.
	ID string
	// Touches are the journey's touches in ascending time order (equal
	// times are allowed and keep their slice order). A journey without
	// touches is counted in [Result.Unattributed].
	Touches []Touch
	// Opportunity reports whether the journey created an opportunity.
	Opportunity bool
	// OpportunityAt is when the opportunity was created. It is optional
	// and used only by [WShaped]; the zero time means unknown.
	OpportunityAt time.Time
	// Pipeline is the amount of the opportunity created (pipeline
	// created). It must be zero unless Opportunity is true.
	Pipeline decimal.Decimal
	// Converted reports whether the journey converted (the deal was won).
	Converted bool
	// Revenue is the converted (won) amount. It must be zero unless
	// Converted is true.
	Revenue decimal.Decimal
}

// Credit holds the credit given to one key (or a total). Counts have
// [CountScale] decimal places, money has [Options.MoneyScale]. The zero
// Credit is no credit.
type Credit struct {
	Leads         decimal.Decimal `json:"leads"`         // share of journeys (every journey is a lead)
	Opportunities decimal.Decimal `json:"opportunities"` // share of journeys that created an opportunity
	Conversions   decimal.Decimal `json:"conversions"`   // share of converted (won) journeys
	Pipeline      decimal.Decimal `json:"pipeline"`      // share of pipeline created
	Revenue       decimal.Decimal `json:"revenue"`       // share of revenue
}

// Add returns the field-by-field sum c + d.
func (c Credit) Add(d Credit) Credit {
	return Credit{
		Leads:         c.Leads.Add(d.Leads),
		Opportunities: c.Opportunities.Add(d.Opportunities),
		Conversions:   c.Conversions.Add(d.Conversions),
		Pipeline:      c.Pipeline.Add(d.Pipeline),
		Revenue:       c.Revenue.Add(d.Revenue),
	}
}

// KeyCredit is the credit of one channel or campaign.
type KeyCredit struct {
	Key string `json:"key"`
	Credit
}

// Result is an attribution: the credit of every key that appears in a
// touch, sorted by key, plus the credit nobody could take.
//
// For every metric, the sum over Keys plus Unattributed equals Total
// exactly.
//
// It marshals to JSON in the library's one style (snake_case names, the
// model and dimension by name, money and counts as decimal strings).
type Result struct {
	Model Model     `json:"model"`
	By    Dimension `json:"by"`
	// Keys holds one entry per channel or campaign seen in a touch, in
	// ascending key order. A key can have zero credit.
	Keys []KeyCredit `json:"keys"`
	// Unattributed is the credit of journeys without touches.
	Unattributed Credit `json:"unattributed"`
	// Total is the sum over all journeys.
	Total Credit `json:"total"`
}

type resultJSON Result

// MarshalJSON encodes the result, with [] for no keys.
func (r Result) MarshalJSON() ([]byte, error) {
	if r.Keys == nil {
		r.Keys = []KeyCredit{}
	}
	return json.Marshal(resultJSON(r))
}

// Lookup returns the credit of key and whether the key was seen.
func (r *Result) Lookup(key string) (Credit, bool) {
	for _, k := range r.Keys {
		if k.Key == key {
			return k.Credit, true
		}
	}
	return Credit{}, false
}

// validate checks one journey against the options. It returns nil or a
// *JourneyError.
func validate(j *Journey, moneyScale int32) error {
	if j.ID == "" {
		return &JourneyError{ID: j.ID, Touch: -1, Field: "ID", Err: ErrMissingID}
	}
	for i := range j.Touches {
		t := &j.Touches[i]
		if t.Channel == "" {
			return &JourneyError{ID: j.ID, Touch: i, Field: "Channel", Err: ErrMissingChannel}
		}
		if i > 0 && t.At.Before(j.Touches[i-1].At) {
			return &JourneyError{ID: j.ID, Touch: i, Field: "At", Err: ErrTouchOrder}
		}
	}
	for _, f := range []struct {
		name string
		v    decimal.Decimal
		ok   bool
	}{{"Pipeline", j.Pipeline, j.Opportunity}, {"Revenue", j.Revenue, j.Converted}} {
		if f.v.IsZero() {
			continue
		}
		if f.v.IsNegative() {
			return &JourneyError{ID: j.ID, Touch: -1, Field: f.name, Err: ErrNegativeAmount}
		}
		if !f.ok {
			return &JourneyError{ID: j.ID, Touch: -1, Field: f.name, Err: ErrAmountWithoutOutcome}
		}
		if !f.v.Shift(moneyScale).IsInteger() {
			return &JourneyError{ID: j.ID, Touch: -1, Field: f.name, Err: ErrAmountScale}
		}
	}
	return nil
}
