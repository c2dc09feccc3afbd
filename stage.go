package funnel

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// An Outcome is the state of a deal: still open, won or lost. The zero
// Outcome is [Open].
type Outcome int8

// The outcomes of a deal.
const (
	Open Outcome = iota // still in the funnel
	Won                 // closed as a sale
	Lost                // closed without a sale
)

var outcomeNames = [...]string{Open: "open", Won: "won", Lost: "lost"}

// String returns "open", "won" or "lost", or "Outcome(N)" for an invalid
// value.
func (o Outcome) String() string {
	if o.valid() {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

func (o Outcome) valid() bool { return o >= Open && o <= Lost }

// MarshalText encodes the outcome as "open", "won" or "lost". It returns an
// error wrapping [ErrInvalidOutcome] for any other value.
func (o Outcome) MarshalText() ([]byte, error) {
	if !o.valid() {
		return nil, fmt.Errorf("funnel: outcome %d: %w", int(o), ErrInvalidOutcome)
	}
	return []byte(outcomeNames[o]), nil
}

// UnmarshalText decodes "open", "won" or "lost" (exactly, lower case). It
// returns an error wrapping [ErrInvalidOutcome] for any other text.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, n := range outcomeNames {
		if string(b) == n {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("funnel: outcome %q: %w", b, ErrInvalidOutcome)
}

// A StageChange records that a deal entered a stage at a time. A zero At
// means the time was not recorded: the entry counts for stage reach but not
// for any timing.
type StageChange struct {
	Stage Stage     `json:"stage"`
	At    time.Time `json:"at"`
}

// Attributes are a deal's segmentation dimensions. Empty strings mean
// "unknown". Custom holds any other key/value pairs; it may be nil.
type Attributes struct {
	Source   string            `json:"source,omitempty"`
	Industry string            `json:"industry,omitempty"`
	Owner    string            `json:"owner,omitempty"` // the sales rep
	Region   string            `json:"region,omitempty"`
	Product  string            `json:"product,omitempty"`
	Campaign string            `json:"campaign,omitempty"`
	Custom   map[string]string `json:"custom,omitempty"`
}

// Attribute names understood by [Attributes.Get] for the built-in fields.
const (
	AttrSource   = "source"
	AttrIndustry = "industry"
	AttrOwner    = "owner"
	AttrRegion   = "region"
	AttrProduct  = "product"
	AttrCampaign = "campaign"
)

// Get returns the value of the named attribute: one of the Attr constants
// for a built-in field, or a key of Custom. It returns "" when the value is
// unknown.
func (a Attributes) Get(key string) string {
	switch key {
	case AttrSource:
		return a.Source
	case AttrIndustry:
		return a.Industry
	case AttrOwner:
		return a.Owner
	case AttrRegion:
		return a.Region
	case AttrProduct:
		return a.Product
	case AttrCampaign:
		return a.Campaign
	}
	return a.Custom[key]
}

// A Deal is one sales opportunity. Store and pass deals as values; a Deal
// shares its History slice and Custom map with its copies.
//
// History lists the stages the deal entered, in time order; skips,
// re-entries and backward moves are allowed. Stage is the current (or, for
// a closed deal, the last) stage; when History is empty, Stage alone counts
// as the deal's only entry, at an unrecorded time.
//
// A zero Created, Closed or StageChange.At means "not recorded". The zero
// Deal is an open deal with no ID, no stage and no amount; it does not
// validate.
type Deal struct {
	ID         string          `json:"id"`
	Account    string          `json:"account,omitempty"`
	Created    time.Time       `json:"created"`
	Amount     decimal.Decimal `json:"amount"`
	Currency   string          `json:"currency,omitempty"` // ISO 4217 code; "" when not given
	Outcome    Outcome         `json:"outcome"`
	Closed     time.Time       `json:"closed"` // zero while Outcome is Open
	LostReason string          `json:"lost_reason,omitempty"`
	Stage      Stage           `json:"stage,omitempty"`
	History    []StageChange   `json:"history,omitempty"`
	Attrs      Attributes      `json:"attributes"`
}

// A DealError reports a deal that failed validation. Err is one of the
// package's ErrXxx sentinels, so callers can test it with [errors.Is].
type DealError struct {
	ID    string // the deal's ID
	Field string // the offending field, such as "Closed" or "History[2]"
	Err   error
}

// Error returns "funnel: deal ID: field: reason".
func (e *DealError) Error() string {
	return "funnel: deal " + strconv.Quote(e.ID) + ": " + e.Field + ": " + errText(e.Err)
}

func errText(err error) string {
	if err == nil {
		return "invalid"
	}
	return err.Error()
}

// Unwrap returns the sentinel error.
func (e *DealError) Unwrap() error { return e.Err }

// Validate checks d against f and returns nil or a [*DealError] that wraps
// one of: [ErrMissingID]; [ErrInvalidOutcome]; [ErrNegativeAmount];
// [ErrMissingCloseTime] for a won or lost deal without Closed;
// [ErrUnexpectedCloseTime] for an open deal with Closed;
// [ErrClosedBeforeCreated] for Closed before Created, or a recorded stage
// entry before Created or after Closed; [ErrUnknownStage] for a Stage or
// History stage that f does not declare, or a deal with neither;
// [ErrHistoryOrder] for recorded entry times that go backwards. Unrecorded
// (zero) times are not compared. Validate reports the first problem found,
// in the order listed.
func (d *Deal) Validate(f *Funnel) error {
	var p parsedDeal
	return d.parse(f, &p, false)
}

// An instant is a time reduced to Unix seconds and nanoseconds; ok is false
// for an unrecorded (zero) time.
type instant struct {
	sec  int64
	nsec int32
	ok   bool
}

func instantOf(t time.Time) instant {
	if t.IsZero() {
		return instant{}
	}
	return instant{sec: t.Unix(), nsec: int32(t.Nanosecond()), ok: true}
}

func (a instant) before(b instant) bool {
	return a.sec < b.sec || (a.sec == b.sec && a.nsec < b.nsec)
}

// secondsTo returns the whole seconds from a to b, truncated toward zero,
// for b not before a.
func (a instant) secondsTo(b instant) int64 {
	d := b.sec - a.sec
	if b.nsec < a.nsec {
		d--
	}
	return d
}

// addSeconds returns a moved by d whole seconds plus ns nanoseconds.
func (a instant) add(d time.Duration) instant {
	sec, ns := int64(d/time.Second), int32(d%time.Second)
	a.sec += sec
	a.nsec += ns
	if a.nsec >= 1e9 {
		a.sec++
		a.nsec -= 1e9
	}
	return a
}

// An entry is one stage entry of a deal's history, as a funnel index and
// an instant.
type entry struct {
	k  int
	at instant
}

// parsedDeal holds what the metrics need of a valid deal.
type parsedDeal struct {
	entries         []entry
	created, closed instant
}

// scratch is the working memory of adding one deal to a tally: the parsed
// deal and the time it spent in each stage.
type scratch struct {
	parsedDeal
	cum, last [MaxStages]int64 // seconds per stage: all visits, the latest
}

// parse validates d, as documented on Validate, and fills p; the history
// entries only when collect is true.
func (d *Deal) parse(f *Funnel, p *parsedDeal, collect bool) error {
	bad := func(field string, e error) error {
		return &DealError{ID: d.ID, Field: field, Err: e}
	}
	if d.ID == "" {
		return bad("ID", ErrMissingID)
	}
	if !d.Outcome.valid() {
		return bad("Outcome", ErrInvalidOutcome)
	}
	if d.Amount.Sign() < 0 {
		return bad("Amount", ErrNegativeAmount)
	}
	p.created, p.closed = instantOf(d.Created), instantOf(d.Closed)
	if d.Outcome == Open && p.closed.ok {
		return bad("Closed", ErrUnexpectedCloseTime)
	}
	if d.Outcome != Open && !p.closed.ok {
		return bad("Closed", ErrMissingCloseTime)
	}
	if p.created.ok && p.closed.ok && p.closed.before(p.created) {
		return bad("Closed", ErrClosedBeforeCreated)
	}
	p.entries = p.entries[:0]
	if d.Stage != "" || len(d.History) == 0 {
		i, ok := f.lookup(d.Stage)
		if !ok {
			return bad("Stage", ErrUnknownStage)
		}
		if len(d.History) == 0 {
			if collect {
				p.entries = append(p.entries, entry{k: i})
			}
			return nil
		}
	}
	var prev instant
	for i := range d.History {
		c := &d.History[i]
		k, ok := f.lookup(c.Stage)
		if !ok {
			return bad(historyField(i), ErrUnknownStage)
		}
		at := instantOf(c.At)
		if collect {
			p.entries = append(p.entries, entry{k, at})
		}
		if !at.ok {
			continue
		}
		if (p.created.ok && at.before(p.created)) || (p.closed.ok && p.closed.before(at)) {
			return bad(historyField(i), ErrClosedBeforeCreated)
		}
		if prev.ok && at.before(prev) {
			return bad(historyField(i), ErrHistoryOrder)
		}
		prev = at
	}
	return nil
}

func historyField(i int) string { return "History[" + strconv.Itoa(i) + "]" }
