package funnel

import (
	"fmt"
	"math/bits"
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
func (o Outcome) String() string { return enumString(o, outcomeNames[:], "Outcome") }

func (o Outcome) valid() bool { return o >= Open && o <= Lost }

// MarshalText encodes the outcome as "open", "won" or "lost". It returns an
// error wrapping [ErrInvalidOutcome] for any other value.
func (o Outcome) MarshalText() ([]byte, error) {
	return enumMarshal(o, outcomeNames[:], "outcome", ErrInvalidOutcome)
}

// UnmarshalText decodes "open", "won" or "lost" (exactly, lower case). It
// returns an error wrapping [ErrInvalidOutcome] for any other text.
func (o *Outcome) UnmarshalText(b []byte) error {
	return enumUnmarshal(o, b, outcomeNames[:], "outcome", ErrInvalidOutcome)
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
	if p := a.field(key); p != nil {
		return *p
	}
	return a.Custom[key]
}

// field returns the built-in field named key, or nil.
func (a *Attributes) field(key string) *string {
	switch key {
	case AttrSource:
		return &a.Source
	case AttrIndustry:
		return &a.Industry
	case AttrOwner:
		return &a.Owner
	case AttrRegion:
		return &a.Region
	case AttrProduct:
		return &a.Product
	case AttrCampaign:
		return &a.Campaign
	}
	return nil
}

// A Field names a deal field whose history a [FieldChange] records. The
// zero Field is [FieldAmount].
type Field int8

// The fields with a history. Stages have theirs in Deal.History.
const (
	// FieldAmount is Deal.Amount; the change's value is in Amount.
	FieldAmount Field = iota
	// FieldExpectedClose is Deal.ExpectedClose; the value is in Time.
	FieldExpectedClose
	// FieldProbability is Deal.Probability; the value is in Amount, a
	// probability in [0, 1].
	FieldProbability
	// FieldCategory is Deal.Category; the value is in Text.
	FieldCategory
	// FieldAttr is the attribute named by Key (an Attr constant or a
	// custom key); the value is in Text.
	FieldAttr
)

var fieldNames = [...]string{FieldAmount: "amount", FieldExpectedClose: "expected_close",
	FieldProbability: "probability", FieldCategory: "category", FieldAttr: "attribute"}

func (f Field) valid() bool { return f >= FieldAmount && f <= FieldAttr }

// String returns the field's name ("amount", "expected_close",
// "probability", "category" or "attribute"), or "Field(N)".
func (f Field) String() string { return enumString(f, fieldNames[:], "Field") }

// MarshalText encodes the field by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (f Field) MarshalText() ([]byte, error) {
	return enumMarshal(f, fieldNames[:], "field", ErrInvalidParam)
}

// UnmarshalText decodes a field name as written by [Field.MarshalText].
func (f *Field) UnmarshalText(b []byte) error {
	return enumUnmarshal(f, b, fieldNames[:], "field", ErrInvalidParam)
}

// MaxAmountExponent bounds the decimal exponent of an amount (and its
// number of digits, at twice the bound): arithmetic on decimals whose
// exponents are far apart builds powers of ten that large, so a hostile
// amount such as 1e-1000000000 could take unbounded time. Amounts of
// money come nowhere near.
const MaxAmountExponent = 64

// A FieldChange records that a field of a deal took a new value at a time:
// an amount revised, an expected close date pushed, an owner reassigned.
// The value is in the member the [Field] names; the others are zero.
//
// A deal's fields (Amount, ExpectedClose, Probability, Category, Attrs)
// hold its current values; its changes say what they were before. The
// value of a field at time T is the value of its last change at or before
// T; before its first change, a field had the first change's value (the
// earliest value recorded), so an export that records the value a deal was
// created with needs no special case. A field with no change has its
// current value at every time.
type FieldChange struct {
	Field Field `json:"field"`
	// Key is the attribute's name for FieldAttr, and "" otherwise.
	Key string    `json:"key,omitempty"`
	At  time.Time `json:"at"`
	// Amount is the new amount (FieldAmount) or probability
	// (FieldProbability).
	Amount decimal.Decimal `json:"amount,omitzero"`
	// Time is the new expected close date (FieldExpectedClose).
	Time time.Time `json:"time,omitzero"`
	// Text is the new category or attribute value.
	Text string `json:"text,omitempty"`
}

// A Deal is one sales opportunity. Store and pass deals as values; a Deal
// shares its History and Changes slices and its Custom map with its
// copies.
//
// History lists the stages the deal entered, in time order; skips,
// re-entries and backward moves are allowed. Stage is the current (or, for
// a closed deal, the last) stage; when History is empty, Stage alone counts
// as the deal's only entry, at an unrecorded time.
//
// A zero Created, Closed, ExpectedClose or StageChange.At means "not
// recorded". The zero Deal is an open deal with no ID, no stage and no
// amount; it does not validate.
type Deal struct {
	ID       string    `json:"id"`
	Account  string    `json:"account,omitempty"`
	Pipeline string    `json:"pipeline,omitempty"` // the pipeline the deal is in, when the CRM has several
	Created  time.Time `json:"created"`
	// Amount is the deal's value; Currency its ISO 4217 code ("" when not
	// given).
	Amount   decimal.Decimal `json:"amount"`
	Currency string          `json:"currency,omitempty"`
	Outcome  Outcome         `json:"outcome"`
	// Closed is when the deal was won or lost; zero while it is open, and
	// zero for a closed deal whose export records no close time (see
	// [ErrMissingCloseTime] and Options.Undated).
	Closed time.Time `json:"closed"`
	// ExpectedClose is the expected close date of an open deal (what CRMs
	// call the close date of an open opportunity); it may be zero.
	ExpectedClose time.Time `json:"expected_close,omitzero"`
	// Probability, when valid, is a win probability in [0, 1] set on the
	// deal itself, overriding its stage's (Salesforce's opportunity
	// probability).
	Probability decimal.NullDecimal `json:"probability,omitzero"`
	// Category is the deal's forecast category as the CRM names it
	// ("Commit", "Best Case" ...), or "".
	Category   string        `json:"category,omitempty"`
	LostReason string        `json:"lost_reason,omitempty"`
	Stage      Stage         `json:"stage,omitempty"`
	History    []StageChange `json:"history,omitempty"`
	// Changes is the history of the other fields, in time order.
	Changes []FieldChange `json:"changes,omitempty"`
	Attrs   Attributes    `json:"attributes"`
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
// [ErrHistoryOrder] for recorded entry or field-change times that go
// backwards; [ErrInvalidParam] for an amount past [MaxAmountExponent], an
// invalid field change (an unknown Field, a negative amount or one past
// the bound, a probability outside [0, 1], an attribute change without a
// key) or a probability outside [0, 1]. Unrecorded (zero)
// times are not compared. Validate reports the first problem found, in the
// order listed. A nil deal or funnel is an error wrapping
// [ErrInvalidParam].
func (d *Deal) Validate(f *Funnel) error {
	if d == nil {
		return fmt.Errorf("funnel: validating a nil deal: %w", ErrInvalidParam)
	}
	if f == nil || len(f.stages) == 0 {
		return fmt.Errorf("funnel: validating against a nil or empty funnel: %w", ErrInvalidParam)
	}
	var p parsedDeal
	return d.parse(f, &p, false, false)
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

func (a instant) time() time.Time {
	if !a.ok {
		return time.Time{}
	}
	return time.Unix(a.sec, int64(a.nsec))
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

// add returns a moved by d.
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
	entries         []entry // the funnel entries, up to an exclusion
	created, closed instant
	excluded        bool    // entered an exclusion stage (Funnel.Exclude)
	exclAt          instant // when, if recorded
	amt             scaledAmount
}

// A scaledAmount is a deal's amount as an int64 coefficient and an
// exponent, read once per deal for the money statistics it is added to,
// with the square of the coefficient (sqHi, sqLo: 128 bits) for the sums
// of squares; ok is false for an amount of more than 18 digits.
type scaledAmount struct {
	c          int64
	e          int32
	ok         bool
	sqHi, sqLo uint64
}

func scaledOf(d decimal.Decimal) scaledAmount { return scaledOfDigits(d, d.NumDigits()) }

// scaledOfDigits is scaledOf for d of the given number of digits.
func scaledOfDigits(d decimal.Decimal, digits int) scaledAmount {
	if digits > 18 {
		return scaledAmount{}
	}
	c := d.CoefficientInt64()
	u := uint64(c)
	if c < 0 {
		u = -u
	}
	hi, lo := bits.Mul64(u, u)
	return scaledAmount{c, d.Exponent(), true, hi, lo}
}

var one = decimal.NewFromInt(1)

// parse validates d, as documented on Validate, and fills p; the history
// entries only when collect is true. A closed deal without a close time is
// accepted when undated is true.
func (d *Deal) parse(f *Funnel, p *parsedDeal, collect, undated bool) error {
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
	digits := d.Amount.NumDigits()
	if e := d.Amount.Exponent(); e < -MaxAmountExponent || e > MaxAmountExponent || digits > 2*MaxAmountExponent {
		return bad("Amount", ErrInvalidParam) // arithmetic on it could take unbounded time
	}
	p.amt = scaledOfDigits(d.Amount, digits)
	p.created, p.closed = instantOf(d.Created), instantOf(d.Closed)
	if d.Outcome == Open && p.closed.ok {
		return bad("Closed", ErrUnexpectedCloseTime)
	}
	if d.Outcome != Open && !p.closed.ok && !undated {
		return bad("Closed", ErrMissingCloseTime)
	}
	if p.created.ok && p.closed.ok && p.closed.before(p.created) {
		return bad("Closed", ErrClosedBeforeCreated)
	}
	p.entries = p.entries[:0]
	p.excluded, p.exclAt = false, instant{}
	if d.Stage != "" || len(d.History) == 0 {
		i, ok := f.lookup(d.Stage)
		switch {
		case !ok && !f.excluded(d.Stage), !ok && len(d.History) == 0:
			return bad("Stage", ErrUnknownStage) // a deal needs a funnel stage
		case len(d.History) == 0 && collect:
			p.entries = append(p.entries, entry{k: i})
		}
	}
	var prev instant
	funnelEntry := false
	for i := range d.History {
		c := &d.History[i]
		k, ok := f.lookup(c.Stage)
		exclusion := !ok && f.excluded(c.Stage)
		if !ok && !exclusion {
			return bad(historyField("History", i), ErrUnknownStage)
		}
		at := instantOf(c.At)
		switch {
		case exclusion && !p.excluded:
			p.excluded, p.exclAt = true, at
		case ok && !p.excluded:
			funnelEntry = true
			if collect {
				p.entries = append(p.entries, entry{k, at})
			}
		}
		if !at.ok {
			continue
		}
		if (p.created.ok && at.before(p.created)) || (p.closed.ok && p.closed.before(at)) {
			return bad(historyField("History", i), ErrClosedBeforeCreated)
		}
		if prev.ok && at.before(prev) {
			return bad(historyField("History", i), ErrHistoryOrder)
		}
		prev = at
	}
	if len(d.History) > 0 && !funnelEntry {
		return bad("History", ErrUnknownStage) // only exclusion stages
	}
	if len(d.History) > 0 && d.Stage != "" && f.excluded(d.Stage) && !p.excluded {
		p.excluded = true // in an exclusion stage now, entered at an unrecorded time
	}
	if len(d.Changes) > 0 {
		if err := d.checkChanges(); err != nil {
			return err
		}
	}
	if d.Probability.Valid && (d.Probability.Decimal.Sign() < 0 || d.Probability.Decimal.GreaterThan(one)) {
		return bad("Probability", ErrInvalidParam)
	}
	return nil
}

// checkChanges validates the field history: known fields, valid values,
// times in order.
func (d *Deal) checkChanges() error {
	var prev instant
	for i := range d.Changes {
		c := &d.Changes[i]
		field := historyField("Changes", i)
		switch {
		case !c.Field.valid(),
			c.Field == FieldAttr && c.Key == "",
			c.Field == FieldAmount && c.Amount.Sign() < 0,
			(c.Field == FieldAmount || c.Field == FieldProbability) && (c.Amount.Exponent() < -MaxAmountExponent || c.Amount.Exponent() > MaxAmountExponent),
			c.Field == FieldProbability && (c.Amount.Sign() < 0 || c.Amount.GreaterThan(one)):
			return &DealError{ID: d.ID, Field: field, Err: ErrInvalidParam}
		}
		at := instantOf(c.At)
		if !at.ok {
			continue
		}
		if prev.ok && at.before(prev) {
			return &DealError{ID: d.ID, Field: field, Err: ErrHistoryOrder}
		}
		prev = at
	}
	return nil
}

func historyField(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// At returns the deal as it stood at t, rebuilt from its dates, its stage
// history and its field history, and false if it did not exist yet.
//
// A deal exists from its creation time, or, when that is unknown, from its
// first recorded stage entry, or else from its close time; a deal with none
// of these exists at every time. A deal closed at or before t keeps its
// outcome. Any other existing deal was open at t: it is open, with no close
// time or lost reason, its history cut before the first entry recorded
// after t, and its stage the last entry kept; when every entry is after t,
// it keeps the first entry's stage with no history (an unrecorded entry
// time). Each field with a history takes its value at t (see
// [FieldChange]), and the field history is cut after t. A zero t returns
// the deal unchanged.
//
// The result shares History and Changes with d, and Attrs.Custom unless a
// custom attribute changed.
func (d Deal) At(t time.Time) (Deal, bool) {
	a := instantOf(t)
	if !a.ok {
		return d, true
	}
	start := instantOf(d.Created)
	if !start.ok {
		for _, c := range d.History {
			if start = instantOf(c.At); start.ok {
				break
			}
		}
	}
	if !start.ok {
		start = instantOf(d.Closed)
	}
	if start.ok && a.before(start) {
		return Deal{}, false
	}
	if len(d.Changes) > 0 {
		d.fieldsAt(a)
	}
	if closed := instantOf(d.Closed); !start.ok || (closed.ok && !a.before(closed)) {
		return d, true
	}
	if d.Outcome != Open && !instantOf(d.Closed).ok {
		// closed at an unknown time: it keeps its outcome
		return d, true
	}
	d.Outcome, d.Closed, d.LostReason = Open, time.Time{}, ""
	cut := len(d.History)
	for i, c := range d.History {
		if at := instantOf(c.At); at.ok && a.before(at) {
			cut = i
			break
		}
	}
	switch {
	case cut == 0 && len(d.History) > 0:
		d.Stage, d.History = d.History[0].Stage, nil
	case cut < len(d.History):
		d.History = d.History[:cut:cut]
		d.Stage = d.History[cut-1].Stage
	}
	return d, true
}

// fieldsAt sets every field with a history to its value at a, and cuts
// the history after a.
func (d *Deal) fieldsAt(a instant) {
	cut := len(d.Changes)
	for i := range d.Changes {
		if at := instantOf(d.Changes[i].At); at.ok && a.before(at) {
			cut = i
			break
		}
	}
	if cut == len(d.Changes) {
		return // every change is at or before a: the fields are current
	}
	// the value at a is that of the last change at or before a; a field
	// whose changes are all after a takes its first change's value
	var done uint32 // bit f: built-in field f set from a change at or before a
	customCopied := false
	set := func(c *FieldChange) {
		switch c.Field {
		case FieldAmount:
			d.Amount = c.Amount
		case FieldExpectedClose:
			d.ExpectedClose = c.Time
		case FieldProbability:
			d.Probability = decimal.NewNullDecimal(c.Amount)
		case FieldCategory:
			d.Category = c.Text
		case FieldAttr:
			if p := d.Attrs.field(c.Key); p != nil {
				*p = c.Text
				return
			}
			if !customCopied {
				m := make(map[string]string, len(d.Attrs.Custom)+1)
				for k, v := range d.Attrs.Custom {
					m[k] = v
				}
				d.Attrs.Custom, customCopied = m, true
			}
			if c.Text == "" {
				delete(d.Attrs.Custom, c.Key)
			} else {
				d.Attrs.Custom[c.Key] = c.Text
			}
		}
	}
	keyDone := map[string]bool(nil)
	isDone := func(c *FieldChange) bool {
		if c.Field == FieldAttr {
			return keyDone[c.Key]
		}
		return done&(1<<c.Field) != 0
	}
	markDone := func(c *FieldChange) {
		if c.Field == FieldAttr {
			if keyDone == nil {
				keyDone = map[string]bool{}
			}
			keyDone[c.Key] = true
			return
		}
		done |= 1 << c.Field
	}
	for i := cut - 1; i >= 0; i-- {
		if c := &d.Changes[i]; !isDone(c) {
			set(c)
			markDone(c)
		}
	}
	for i := cut; i < len(d.Changes); i++ {
		if c := &d.Changes[i]; !isDone(c) {
			set(c)
			markDone(c)
		}
	}
	d.Changes = d.Changes[:cut:cut]
}

// attrValueAt returns the value of attribute key of d at t by the rule of
// [Deal.At]: the first change recorded after t cuts the field history;
// with no cut (or an unrecorded t) the value is current, the attribute's
// value in d; else it is that of the key's last change before the cut, or
// else of its first change after it, or else current.
func attrValueAt(d *Deal, key string, t instant, current string) string {
	if len(d.Changes) == 0 || !t.ok {
		return current
	}
	cut := -1
	for i := range d.Changes {
		if c := instantOf(d.Changes[i].At); c.ok && t.before(c) {
			cut = i
			break
		}
	}
	if cut < 0 {
		return current
	}
	for i := cut - 1; i >= 0; i-- {
		if c := &d.Changes[i]; c.Field == FieldAttr && c.Key == key {
			return c.Text
		}
	}
	for i := cut; i < len(d.Changes); i++ {
		if c := &d.Changes[i]; c.Field == FieldAttr && c.Key == key {
			return c.Text
		}
	}
	return current
}
