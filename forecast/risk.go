package forecast

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// A RiskFlag is a set of warning signs of an open deal; a deal can show
// several. The zero RiskFlag is no flag.
type RiskFlag uint8

// The risk flags of an open deal, as of the scan's as-of time.
const (
	// RiskStalled: in its current stage for longer than
	// RiskOptions.StallAfter.
	RiskStalled RiskFlag = 1 << iota
	// RiskSlow: in its current stage for longer than the stage's own
	// percentile (RiskOptions.StagePercentile, the 75th by default) of
	// the completed visits of the stage.
	RiskSlow
	// RiskOverdue: its expected close date is before the as-of time.
	RiskOverdue
	// RiskPushed: its expected close date was pushed later at least
	// RiskOptions.Pushes times.
	RiskPushed
	// RiskCut: its amount is below the largest amount it had, by more
	// than RiskOptions.Cut of that amount.
	RiskCut
	// RiskAged: open for longer than the won deals' percentile
	// (RiskOptions.CyclePercentile, the 90th by default) of the sales
	// cycle.
	RiskAged
)

// numRiskFlags is the number of risk flags.
const numRiskFlags = 6

var riskNames = [numRiskFlags]string{"stalled", "slow", "overdue", "pushed", "cut", "aged"}

// String returns the flags' names joined by "+", such as "slow+pushed",
// or "none"; bits that are no flag print as "RiskFlag(N)".
func (f RiskFlag) String() string { return setString(f, riskNames[:], "none", "RiskFlag") }

// MarshalText encodes the flags as [RiskFlag.String] does. It returns an
// error wrapping funnel.ErrInvalidParam for bits that are no flag.
func (f RiskFlag) MarshalText() ([]byte, error) {
	return setText(f, riskNames[:], "none", "risk flag")
}

// UnmarshalText decodes flags written by [RiskFlag.MarshalText].
func (f *RiskFlag) UnmarshalText(b []byte) error {
	return parseSet(f, b, riskNames[:], "none", "risk flag", "risk flags")
}

// RiskOptions are the thresholds of a [Risk]. The zero RiskOptions flag
// deals slower than their stage's 75th percentile, overdue, pushed twice,
// cut at all, or older than the won deals' 90th percentile of cycle, and
// list every flagged deal.
type RiskOptions struct {
	// StallAfter, when positive, flags deals in their current stage for
	// longer (RiskStalled); zero leaves the flag out.
	StallAfter time.Duration
	// StagePercentile is the percentile of a stage's completed visits
	// past which a deal in the stage is slow; zero means 75. It must be in
	// 0..99.
	StagePercentile int
	// CyclePercentile is the percentile of the won deals' sales cycle past
	// which an open deal is aged; zero means 90. It must be in 0..99.
	CyclePercentile int
	// Pushes is the number of pushes of the expected close date that
	// flags a deal; zero means 2. It must not be negative.
	Pushes int
	// Cut is the share of its largest amount a deal must lose to be
	// flagged, in [0, 1); zero flags any cut.
	Cut decimal.Decimal
	// List is the number of flagged deals listed, by value at risk; zero
	// lists every flagged deal. The counts always cover them all.
	List int
}

// riskOpen is what a Risk keeps of an open deal until the thresholds are
// learned.
type riskOpen struct {
	id, owner     string
	k             int
	amount, peak  decimal.Decimal
	inStage, age  int64 // seconds; -1 when unknown
	close         time.Time
	pushes        int64
	slip          int64 // seconds from the first expected close date to the current one
	slipKnown     bool
	overdueSecond int64 // seconds past the expected close date; 0 when not overdue
}

func compareRiskOpen(a, b riskOpen) int {
	return cmp.Or(strings.Compare(a.id, b.id), strings.Compare(a.owner, b.owner), cmp.Compare(a.k, b.k), a.amount.Cmp(b.amount),
		cmp.Compare(a.amount.Exponent(), b.amount.Exponent()), a.peak.Cmp(b.peak), cmp.Compare(a.peak.Exponent(), b.peak.Exponent()),
		cmp.Compare(a.inStage, b.inStage), cmp.Compare(a.age, b.age), a.close.Compare(b.close), cmp.Compare(a.pushes, b.pushes),
		cmp.Compare(a.slip, b.slip), cmpBool(a.slipKnown, b.slipKnown), cmp.Compare(a.overdueSecond, b.overdueSecond))
}

// A Risk accumulates the risk flags of the open deals as of the scan's
// as-of time, the warning signs of Salesforce's pipeline inspection and
// Clari's deal inspection: a deal stalled in its stage (past a fixed time,
// or past the stage's own 75th percentile of time in stage), overdue
// (expected close date past), pushed again and again, cut, or open longer
// than won deals usually take (the 90th percentile of their cycle). Each
// flag carries its evidence (days, pushes, amounts, thresholds), and the
// flagged deals are ranked by value at risk, their amount.
//
// The thresholds are learned in the same pass: a stage's percentile from
// the completed visits of the stage (a visit ends at the deal's next
// stage entry or at its close; visits of unrecorded start or end are left
// out), the cycle's from the won deals whose creation and close times are
// known (Closed - Created), exactly, by linear interpolation
// (funnel.DurationStats.Percentiles). A threshold needs the scan's minimum
// sample (funnel.Options.Test.MinSample, 30 by default) of observations;
// under it the flag is not raised for that stage. So a deal's flags are
// only decided at Report: until then the accumulator keeps a compact
// record of each open deal (about 150 bytes) and 4 bytes per visit and
// won deal.
//
// It needs the scan's as-of time. It is not safe for concurrent use: give
// each goroutine its own and merge them ([funnel.Scan.Run] does). The zero
// value is not usable but as the receiver of UnmarshalBinary; build one
// with [NewRisk].
type Risk struct {
	s        *funnel.Scan
	opts     RiskOptions // defaults resolved
	in       funnel.Intake
	visits   []funnel.DurationStats // per stage
	cycle    funnel.DurationStats   // won deals
	open     []riskOpen
	settings string
}

// NewRisk returns an empty risk accumulator of the scan's deals. It
// returns an error wrapping funnel.ErrInvalidParam for a nil scan, a scan
// without an as-of time, or thresholds out of range.
func NewRisk(s *funnel.Scan, opts RiskOptions) (*Risk, error) {
	switch {
	case s == nil || s.Options().AsOf.IsZero():
		return nil, invalid("risk flags need a scan with an as-of time")
	case opts.StallAfter < 0 || opts.StagePercentile < 0 || opts.StagePercentile > 99 || opts.CyclePercentile < 0 || opts.CyclePercentile > 99:
		return nil, invalid("risk thresholds: stall after %v, percentiles %d and %d", opts.StallAfter, opts.StagePercentile, opts.CyclePercentile)
	case opts.Pushes < 0 || opts.List < 0 || opts.Cut.Sign() < 0 || !opts.Cut.LessThan(one):
		return nil, invalid("risk thresholds: %d pushes, cut %v, %d listed", opts.Pushes, opts.Cut, opts.List)
	}
	opts.StagePercentile = cmp.Or(opts.StagePercentile, 75)
	opts.CyclePercentile = cmp.Or(opts.CyclePercentile, 90)
	opts.Pushes = cmp.Or(opts.Pushes, 2)
	r := &Risk{s: s, opts: opts, visits: make([]funnel.DurationStats, s.Funnel().Len())}
	var w wire.Writer
	r.encodeSettings(&w)
	r.settings = string(w.Bytes())
	return r, nil
}

func (r *Risk) encodeSettings(w *wire.Writer) {
	w.Varint(int64(r.opts.StallAfter))
	w.Int(r.opts.StagePercentile)
	w.Int(r.opts.CyclePercentile)
	w.Int(r.opts.Pushes)
	w.Decimal(r.opts.Cut)
	w.Int(r.opts.List)
}

// Risks computes the risk flags of the deals in one pass: [NewRisk],
// [funnel.Scan.Run] and [Risk.Report].
func Risks(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts RiskOptions) (RiskReport, error) {
	return onepass.Run(s, deals, opts, NewRisk, onepass.Always((*Risk).Report))
}

// Scan returns the scan the accumulator was built for.
func (r *Risk) Scan() *funnel.Scan { return r.s }

// Fresh returns an empty accumulator of the same scan and options.
func (r *Risk) Fresh() funnel.Accumulator {
	return &Risk{s: r.s, opts: r.opts, visits: make([]funnel.DurationStats, len(r.visits)), settings: r.settings}
}

// Add validates d and adds it (see [funnel.Scan.Add]).
func (r *Risk) Add(d funnel.Deal) error { return r.s.Add(d, r) }

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (r *Risk) Observe(v *funnel.View) {
	if !r.in.Note(v) {
		return
	}
	d := v.Deal
	asOf := r.s.Options().AsOf
	n := v.Len()
	for i := range n - 1 {
		k, at := v.Entry(i)
		_, next := v.Entry(i + 1)
		if !at.IsZero() && !next.IsZero() {
			r.visits[k].AddSeconds(secondsBetween(at, next))
		}
	}
	k, last := v.Entry(n - 1)
	if d.Outcome != funnel.Open {
		if !last.IsZero() && !d.Closed.IsZero() {
			r.visits[k].AddSeconds(secondsBetween(last, d.Closed))
		}
		if d.Outcome == funnel.Won && !d.Created.IsZero() && !d.Closed.IsZero() {
			r.cycle.AddSeconds(secondsBetween(d.Created, d.Closed))
		}
		return
	}
	o := riskOpen{id: d.ID, owner: d.Attrs.Owner, k: k, amount: d.Amount, peak: d.Amount, inStage: -1, age: -1, close: d.ExpectedClose}
	if !last.IsZero() && !last.After(asOf) {
		o.inStage = secondsBetween(last, asOf)
	}
	if !d.Created.IsZero() && !d.Created.After(asOf) {
		o.age = secondsBetween(d.Created, asOf)
	}
	if !d.ExpectedClose.IsZero() && d.ExpectedClose.Before(asOf) {
		o.overdueSecond = secondsBetween(d.ExpectedClose, asOf)
	}
	var first, prev time.Time
	seen := false
	for _, c := range d.Changes {
		switch c.Field {
		case funnel.FieldAmount:
			if c.Amount.GreaterThan(o.peak) {
				o.peak = c.Amount
			}
		case funnel.FieldExpectedClose:
			if seen && !prev.IsZero() && c.Time.After(prev) {
				o.pushes++
			}
			if first.IsZero() {
				first = c.Time
			}
			prev, seen = c.Time, true
		}
	}
	if !first.IsZero() && !d.ExpectedClose.IsZero() {
		o.slip, o.slipKnown = d.ExpectedClose.Unix()-first.Unix(), true
	}
	r.open = append(r.open, o)
}

// Merge adds everything o, a *Risk of an equal scan and options, holds
// (see [funnel.Accumulator]). o is not modified.
func (r *Risk) Merge(o funnel.Accumulator) error {
	or, err := mergeable[*Risk](r, o)
	if err != nil {
		return err
	}
	if or.settings != r.settings {
		return incompatible("merging risk flags of other thresholds")
	}
	r.in.Merge(&or.in)
	for k := range r.visits {
		r.visits[k].Merge(&or.visits[k])
	}
	r.cycle.Merge(&or.cycle)
	r.open = append(r.open, or.open...)
	return nil
}

// A RiskDeal is one flagged open deal with the evidence of its flags.
// Durations are in JSON as seconds, null when unknown.
type RiskDeal struct {
	ID     string          `json:"id"`
	Stage  funnel.Stage    `json:"stage"`
	Owner  string          `json:"owner"`
	Amount decimal.Decimal `json:"amount"`
	Flags  RiskFlag        `json:"flags"`
	// InStage is the time in the current stage (as-of time - last stage
	// entry), Age the time since creation; InStageKnown and AgeKnown are
	// false when the time was not recorded.
	InStage      time.Duration `json:"-"`
	InStageKnown bool          `json:"-"`
	Age          time.Duration `json:"-"`
	AgeKnown     bool          `json:"-"`
	// ExpectedClose is the expected close date (zero when none); Overdue
	// how far it is past (0 when it is not).
	ExpectedClose time.Time     `json:"-"`
	Overdue       time.Duration `json:"-"`
	// Pushes counts the changes of the expected close date to a later
	// one; Slipped is the move from the first expected close date
	// recorded to the current one (negative when pulled in).
	Pushes  int64         `json:"pushes"`
	Slipped time.Duration `json:"-"`
	// Peak is the largest amount the deal had, Cut = Peak - Amount.
	Peak decimal.Decimal `json:"peak"`
	Cut  decimal.Decimal `json:"cut"`
}

// A RiskStage is the threshold of slowness of one stage.
type RiskStage struct {
	Stage funnel.Stage `json:"stage"`
	// Visits counts the completed visits the threshold was learned from;
	// Threshold is their percentile, Defined false (JSON null) under the
	// minimum sample.
	Visits    int64         `json:"visits"`
	Threshold time.Duration `json:"-"`
	Defined   bool          `json:"-"`
	// Open counts the stage's open deals, Flagged those with any flag.
	Open    int64 `json:"open"`
	Flagged int64 `json:"flagged"`
}

// A RiskCount is the number and amount of the open deals with one flag.
type RiskCount struct {
	Flag   RiskFlag        `json:"flag"`
	Deals  int64           `json:"deals"`
	Amount decimal.Decimal `json:"amount"`
}

// A RiskReport lists the flagged open deals as of the as-of time, ranked
// by value at risk (amount, then number of flags, then ID), with the
// thresholds they were judged by.
type RiskReport struct {
	AsOf            time.Time       `json:"-"` // JSON as_of
	StallAfter      time.Duration   `json:"-"` // JSON stall_after_seconds, 0 when unused
	StagePercentile int             `json:"stage_percentile"`
	CyclePercentile int             `json:"cycle_percentile"`
	Pushes          int             `json:"pushes"`
	Cut             decimal.Decimal `json:"cut"`
	// Stages holds each stage's slowness threshold.
	Stages []RiskStage `json:"stages"`
	// WonCycles counts the won deals the cycle threshold was learned
	// from; CycleThreshold is their percentile, CycleDefined false (JSON
	// null) under the minimum sample.
	WonCycles      int64         `json:"won_cycles"`
	CycleThreshold time.Duration `json:"-"`
	CycleDefined   bool          `json:"-"`
	// Open and OpenAmount are the open deals; AtRisk and AtRiskAmount
	// those with at least one flag.
	Open         int64           `json:"open"`
	OpenAmount   decimal.Decimal `json:"open_amount"`
	AtRisk       int64           `json:"at_risk"`
	AtRiskAmount decimal.Decimal `json:"at_risk_amount"`
	// Flags counts the deals per flag, in flag order; a deal with several
	// counts in each.
	Flags []RiskCount `json:"flags"`
	// Deals lists the flagged deals by value at risk, at most
	// RiskOptions.List of them when it is set.
	Deals []RiskDeal   `json:"deals"`
	Input funnel.Input `json:"input"`
}

// Report returns the flagged deals of the deals added so far, judged by
// the thresholds learned from them.
func (r *Risk) Report() RiskReport {
	f := r.s.Funnel()
	minSample := r.s.MinSample()
	rep := RiskReport{AsOf: r.s.Options().AsOf, StallAfter: r.opts.StallAfter, StagePercentile: r.opts.StagePercentile,
		CyclePercentile: r.opts.CyclePercentile, Pushes: r.opts.Pushes, Cut: r.opts.Cut, Stages: make([]RiskStage, f.Len()),
		WonCycles: r.cycle.Count(), Flags: make([]RiskCount, numRiskFlags), Deals: []RiskDeal{}, Input: r.in.Input()}
	for k := range rep.Stages {
		st := &rep.Stages[k]
		st.Stage, st.Visits = f.Stage(k), r.visits[k].Count()
		if st.Visits >= minSample {
			p, _ := r.visits[k].Percentiles(r.opts.StagePercentile)
			st.Threshold, st.Defined = p[0], true
		}
	}
	if rep.WonCycles >= minSample {
		p, _ := r.cycle.Percentiles(r.opts.CyclePercentile)
		rep.CycleThreshold, rep.CycleDefined = p[0], true
	}
	for i := range rep.Flags {
		rep.Flags[i].Flag = 1 << i
	}
	cut := one.Sub(r.opts.Cut)
	for _, o := range r.open {
		st := &rep.Stages[o.k]
		st.Open++
		rep.Open++
		rep.OpenAmount = rep.OpenAmount.Add(o.amount)
		d := RiskDeal{ID: o.id, Stage: st.Stage, Owner: o.owner, Amount: o.amount, ExpectedClose: o.close, Pushes: o.pushes,
			Peak: o.peak, Cut: o.peak.Sub(o.amount), Overdue: seconds(o.overdueSecond)}
		if o.inStage >= 0 {
			d.InStage, d.InStageKnown = seconds(o.inStage), true
		}
		if o.age >= 0 {
			d.Age, d.AgeKnown = seconds(o.age), true
		}
		if o.slipKnown {
			d.Slipped = seconds(o.slip)
		}
		if r.opts.StallAfter > 0 && d.InStageKnown && d.InStage > r.opts.StallAfter {
			d.Flags |= RiskStalled
		}
		if st.Defined && d.InStageKnown && d.InStage > st.Threshold {
			d.Flags |= RiskSlow
		}
		if o.overdueSecond > 0 {
			d.Flags |= RiskOverdue
		}
		if o.pushes >= int64(r.opts.Pushes) {
			d.Flags |= RiskPushed
		}
		if d.Cut.Sign() > 0 && o.amount.LessThan(o.peak.Mul(cut)) {
			d.Flags |= RiskCut
		}
		if rep.CycleDefined && d.AgeKnown && d.Age > rep.CycleThreshold {
			d.Flags |= RiskAged
		}
		if d.Flags == 0 {
			continue
		}
		st.Flagged++
		rep.AtRisk++
		rep.AtRiskAmount = rep.AtRiskAmount.Add(o.amount)
		for fl := d.Flags; fl != 0; fl &= fl - 1 {
			c := &rep.Flags[bits.TrailingZeros8(uint8(fl))]
			c.Deals++
			c.Amount = c.Amount.Add(o.amount)
		}
		rep.Deals = append(rep.Deals, d)
	}
	slices.SortFunc(rep.Deals, func(a, b RiskDeal) int {
		return cmp.Or(b.Amount.Cmp(a.Amount), cmp.Compare(bits.OnesCount8(uint8(b.Flags)), bits.OnesCount8(uint8(a.Flags))),
			strings.Compare(a.ID, b.ID), compareRiskDeals(a, b))
	})
	if r.opts.List > 0 && len(rep.Deals) > r.opts.List {
		rep.Deals = rep.Deals[:r.opts.List]
	}
	return rep
}

// compareRiskDeals orders deals of equal amount, flag count and ID (the
// same ID twice) by the rest of their fields.
func compareRiskDeals(a, b RiskDeal) int {
	return cmp.Or(strings.Compare(a.Owner, b.Owner), strings.Compare(string(a.Stage), string(b.Stage)), cmp.Compare(a.Flags, b.Flags),
		cmp.Compare(a.InStage, b.InStage), cmp.Compare(a.Age, b.Age), a.ExpectedClose.Compare(b.ExpectedClose), cmp.Compare(a.Pushes, b.Pushes),
		cmp.Compare(a.Slipped, b.Slipped), a.Peak.Cmp(b.Peak), cmp.Compare(a.Amount.Exponent(), b.Amount.Exponent()))
}

// seconds converts whole seconds to a Duration, saturated.
func seconds(s int64) time.Duration {
	const maxSec = int64(1<<63-1) / int64(time.Second)
	switch {
	case s > maxSec:
		return 1<<63 - 1
	case s < -maxSec:
		return -1 << 63
	}
	return time.Duration(s) * time.Second
}

const riskVersion = 1

// MarshalBinary encodes the accumulator (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (r *Risk) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.risk", riskVersion, r.s)
	r.encodeSettings(&w)
	blob(&w, &r.in)
	for k := range r.visits {
		blob(&w, &r.visits[k])
	}
	blob(&w, &r.cycle)
	open := slices.Clone(r.open)
	slices.SortFunc(open, compareRiskOpen)
	w.Int(len(open))
	for _, o := range open {
		w.String(o.id)
		w.String(o.owner)
		w.Int(o.k)
		w.Decimal(o.amount)
		w.Decimal(o.peak)
		w.Varint(o.inStage)
		w.Varint(o.age)
		w.Time(o.close)
		w.Varint(o.pushes)
		w.Bool(o.slipKnown)
		w.Varint(o.slip)
		w.Varint(o.overdueSecond)
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes an accumulator written by [Risk.MarshalBinary],
// replacing r's contents, as [Pipeline.UnmarshalBinary] does.
func (r *Risk) UnmarshalBinary(data []byte) error {
	rd := wire.NewReader(data)
	s, err := readHeader(rd, "forecast.risk", riskVersion, r.s)
	if err != nil {
		return err
	}
	opts := RiskOptions{StallAfter: time.Duration(rd.Varint()), StagePercentile: rd.Int(), CyclePercentile: rd.Int(), Pushes: rd.Int(),
		Cut: rd.Decimal(), List: rd.Int()}
	if err := rd.Err(); err != nil {
		return decodeErr(err)
	}
	if opts.StagePercentile == 0 || opts.CyclePercentile == 0 || opts.Pushes == 0 {
		return decodeErr(wire.ErrFormat)
	}
	out, err := NewRisk(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if r.s != nil && out.settings != r.settings {
		return incompatible("decoding risk flags of other thresholds")
	}
	unblob(rd, &out.in)
	counted := out.in.Counted()
	for k := range out.visits {
		unblob(rd, &out.visits[k])
	}
	unblob(rd, &out.cycle)
	if rd.Err() == nil && out.cycle.Count() > counted {
		rd.Fail("%d won deals of %d", out.cycle.Count(), counted)
	}
	n := rd.Count(12)
	if rd.Err() == nil && int64(n) > counted {
		rd.Fail("%d open deals of %d", n, counted)
	}
	asOf := s.Options().AsOf
	for range n {
		o := riskOpen{id: rd.String(), owner: rd.String(), k: rd.Int(), amount: rd.Decimal(), peak: rd.Decimal(), inStage: rd.Varint(), age: rd.Varint(),
			close: rd.Time(), pushes: rd.NonNeg(), slipKnown: rd.Bool(), slip: rd.Varint(), overdueSecond: rd.NonNeg()}
		if rd.Err() != nil {
			break
		}
		if o.k >= len(out.visits) || o.amount.Sign() < 0 || o.peak.LessThan(o.amount) || o.inStage < -1 || o.age < -1 ||
			(!o.slipKnown && o.slip != 0) || (o.overdueSecond > 0) != (!o.close.IsZero() && o.close.Before(asOf)) ||
			(len(out.open) > 0 && compareRiskOpen(out.open[len(out.open)-1], o) > 0) {
			rd.Fail("bad open deal")
			break
		}
		out.open = append(out.open, o)
	}
	if err := decoded(rd, data, out); err != nil {
		return err
	}
	*r = *out
	return nil
}

// secsOrNull returns d in seconds, or nil when it is not known.
func secsOrNull(d time.Duration, known bool) *json.Number {
	if !known {
		return nil
	}
	n := secs(d)
	return &n
}

// parseSecsOrNull reads what secsOrNull wrote.
func parseSecsOrNull(n *json.Number) (time.Duration, bool, error) {
	if n == nil {
		return 0, false, nil
	}
	d, err := parseSecs(*n)
	return d, err == nil, err
}

type riskDealJSON struct {
	riskDealAlias
	InStage       *json.Number `json:"in_stage_seconds"`
	Age           *json.Number `json:"age_seconds"`
	ExpectedClose *time.Time   `json:"expected_close"`
	Overdue       json.Number  `json:"overdue_seconds"`
	Slipped       json.Number  `json:"slipped_seconds"`
}

type riskDealAlias RiskDeal

// MarshalJSON encodes the deal with its durations in seconds (null when
// unknown) and its expected close date as RFC 3339 or null.
func (d RiskDeal) MarshalJSON() ([]byte, error) {
	return json.Marshal(riskDealJSON{riskDealAlias(d), secsOrNull(d.InStage, d.InStageKnown), secsOrNull(d.Age, d.AgeKnown),
		timePtr(d.ExpectedClose), secs(d.Overdue), secs(d.Slipped)})
}

// UnmarshalJSON decodes a deal written by [RiskDeal.MarshalJSON].
func (d *RiskDeal) UnmarshalJSON(b []byte) error {
	var o riskDealJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := RiskDeal(o.riskDealAlias)
	var err error
	if out.InStage, out.InStageKnown, err = parseSecsOrNull(o.InStage); err != nil {
		return err
	}
	if out.Age, out.AgeKnown, err = parseSecsOrNull(o.Age); err != nil {
		return err
	}
	if out.Overdue, err = parseSecs(o.Overdue); err != nil {
		return err
	}
	if out.Slipped, err = parseSecs(o.Slipped); err != nil {
		return err
	}
	out.ExpectedClose = timeOf(o.ExpectedClose)
	*d = out
	return nil
}

type riskStageJSON struct {
	riskStageAlias
	Threshold *json.Number `json:"threshold_seconds"`
}

type riskStageAlias RiskStage

// MarshalJSON encodes the stage with its threshold in seconds, or null.
func (s RiskStage) MarshalJSON() ([]byte, error) {
	return json.Marshal(riskStageJSON{riskStageAlias(s), secsOrNull(s.Threshold, s.Defined)})
}

// UnmarshalJSON decodes a stage written by [RiskStage.MarshalJSON].
func (s *RiskStage) UnmarshalJSON(b []byte) error {
	var o riskStageJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := RiskStage(o.riskStageAlias)
	var err error
	if out.Threshold, out.Defined, err = parseSecsOrNull(o.Threshold); err != nil {
		return err
	}
	*s = out
	return nil
}

type riskReportJSON struct {
	riskReportAlias
	AsOf           *time.Time   `json:"as_of"`
	StallAfter     json.Number  `json:"stall_after_seconds"`
	CycleThreshold *json.Number `json:"cycle_threshold_seconds"`
}

type riskReportAlias RiskReport

// MarshalJSON encodes the report in the package's JSON style.
func (r RiskReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(riskReportJSON{riskReportAlias(r), timePtr(r.AsOf), secs(r.StallAfter), secsOrNull(r.CycleThreshold, r.CycleDefined)})
}

// UnmarshalJSON decodes a report written by [RiskReport.MarshalJSON].
func (r *RiskReport) UnmarshalJSON(b []byte) error {
	var o riskReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := RiskReport(o.riskReportAlias)
	var err error
	if out.StallAfter, err = parseSecs(o.StallAfter); err != nil {
		return err
	}
	if out.CycleThreshold, out.CycleDefined, err = parseSecsOrNull(o.CycleThreshold); err != nil {
		return err
	}
	out.AsOf = timeOf(o.AsOf)
	*r = out
	return nil
}

// WriteText writes the thresholds, the counts per flag and the flagged
// deals with their evidence, by value at risk.
func (r RiskReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Deals at risk as of %s: %d of %d open deals, %s of %s\n", r.AsOf.Format(time.RFC3339), r.AtRisk, r.Open,
		money(r.AtRiskAmount), money(r.OpenAmount))
	ew.printf("Thresholds: stage p%d of completed visits", r.StagePercentile)
	if r.StallAfter > 0 {
		ew.printf(", stalled after %s days", days(1, r.StallAfter))
	}
	ew.printf(", %d pushes, cut over %s%%, won-cycle p%d %s days (%d won deals)\n", r.Pushes, r.Cut.Mul(decimal.NewFromInt(100)).String(),
		r.CyclePercentile, daysOrNA(r.CycleThreshold, r.CycleDefined), r.WonCycles)
	tw := newTable(ew)
	fmt.Fprintln(tw, "stage\tvisits\tthreshold days\topen\tflagged\t")
	for _, s := range r.Stages {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t\n", s.Stage, s.Visits, daysOrNA(s.Threshold, s.Defined), s.Open, s.Flagged)
	}
	_ = tw.Flush()
	ew.printf("\n")
	tw = newTable(ew)
	fmt.Fprintln(tw, "flag\tdeals\tamount\t")
	for _, c := range r.Flags {
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", c.Flag, c.Deals, money(c.Amount))
	}
	_ = tw.Flush()
	ew.printf("\n")
	tw = leftTable(ew)
	fmt.Fprintln(tw, "deal\tstage\towner\tamount\tflags\tevidence")
	for _, d := range r.Deals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Stage, orUnknown(d.Owner), money(d.Amount), d.Flags, evidence(d))
	}
	_ = tw.Flush()
	writeInput(ew, r.Input)
	return ew.err
}

// evidence describes why a deal is flagged.
func evidence(d RiskDeal) string {
	var parts []string
	if d.Flags&(RiskStalled|RiskSlow) != 0 {
		parts = append(parts, days(1, d.InStage)+" days in stage")
	}
	if d.Flags&RiskOverdue != 0 {
		parts = append(parts, "overdue "+days(1, d.Overdue)+" days")
	}
	if d.Flags&RiskPushed != 0 {
		parts = append(parts, fmt.Sprintf("pushed %d times (%s days)", d.Pushes, days(1, d.Slipped)))
	}
	if d.Flags&RiskCut != 0 {
		parts = append(parts, "cut "+money(d.Cut)+" from "+money(d.Peak))
	}
	if d.Flags&RiskAged != 0 {
		parts = append(parts, "open "+days(1, d.Age)+" days")
	}
	return strings.Join(parts, "; ")
}

// leftTable returns a table writer of left-aligned columns.
func leftTable(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

func daysOrNA(d time.Duration, ok bool) string {
	if !ok {
		return "n/a"
	}
	return days(1, d)
}
