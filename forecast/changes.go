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
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// A Change is a set of changes of one deal between two dates; a deal can
// show several (new and advanced, say). The zero Change is no change.
type Change uint16

// The changes of a deal between two dates.
const (
	// ChangeNew: the deal did not exist at the first date.
	ChangeNew Change = 1 << iota
	// ChangeAdvanced: open at both dates (or won or lost at the second),
	// in a later stage at the second date.
	ChangeAdvanced
	// ChangeMovedBack: in an earlier stage at the second date.
	ChangeMovedBack
	// ChangePushed: open at both dates, its expected close date later at
	// the second (slipped).
	ChangePushed
	// ChangePulledIn: open at both dates, its expected close date earlier
	// at the second.
	ChangePulledIn
	// ChangeWon: won between the dates.
	ChangeWon
	// ChangeLost: lost between the dates.
	ChangeLost
	// ChangeIncreased: its amount higher at the second date.
	ChangeIncreased
	// ChangeDecreased: its amount lower at the second date.
	ChangeDecreased
)

// numChanges is the number of Change flags.
const numChanges = 9

var changeNames = [numChanges]string{"new", "advanced", "moved back", "pushed", "pulled in", "won", "lost", "increased", "decreased"}

// String returns the changes' names joined by "+", such as "new+won", or
// "unchanged" for none; bits that are no change print as "Change(N)".
func (c Change) String() string { return setString(c, changeNames[:], "unchanged", "Change") }

// MarshalText encodes the changes as [Change.String] does. It returns an
// error wrapping funnel.ErrInvalidParam for bits that are no change.
func (c Change) MarshalText() ([]byte, error) {
	return setText(c, changeNames[:], "unchanged", "change")
}

// UnmarshalText decodes changes written by [Change.MarshalText].
func (c *Change) UnmarshalText(b []byte) error {
	return parseSet(c, b, changeNames[:], "unchanged", "change", "change")
}

// ChangeOptions configure a [Changes].
type ChangeOptions struct {
	// From and To are the two dates, From before To, neither after the
	// scan's as-of time.
	From, To time.Time
	// Segment, when not "", names an attribute whose value at To each
	// changed deal's row carries (its owner, its region ...).
	Segment string
}

// A Changes accumulates what changed in the pipeline between two dates:
// each deal of the scan (as of its as-of time) is rebuilt as it stood at
// From and at To (funnel.Deal.At: stage history, outcome and field
// history, so amounts and expected close dates are the values of those
// dates), and compared. Deals already closed at From are left out, and so
// are deals created after To (both counted); new deals, deals won or lost
// in between, stage moves, pushed or pulled-in expected close dates and
// amount changes are listed per deal and counted, with the open pipeline
// at both dates: what Salesforce's pipeline inspection and Clari's
// pipeline flow show. Memory: one row per changed deal.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but
// as the receiver of UnmarshalBinary; build one with [NewChanges].
type Changes struct {
	s            *funnel.Scan
	opts         ChangeOptions
	in           funnel.Intake
	rows         []ChangeRow
	unchanged    int64
	closedBefore int64
	createdAfter int64
	openFrom     funnel.MoneyStats
	openTo       funnel.MoneyStats
}

// NewChanges returns an empty accumulator of the scan's deals. It returns
// an error wrapping funnel.ErrInvalidParam for a nil scan, From not before
// To, or To after the scan's as-of time.
func NewChanges(s *funnel.Scan, opts ChangeOptions) (*Changes, error) {
	if s == nil {
		return nil, invalid("nil scan")
	}
	if opts.From.IsZero() || !opts.From.Before(opts.To) {
		return nil, invalid("changes from %v to %v: dates not in order", opts.From, opts.To)
	}
	if asOf := s.Options().AsOf; !asOf.IsZero() && opts.To.After(asOf) {
		return nil, invalid("changes to %v, after the as-of time %v", opts.To, asOf)
	}
	return &Changes{s: s, opts: opts}, nil
}

// ChangesBetween computes the changes of the deals in one pass:
// [NewChanges], [funnel.Scan.Run] and [Changes.Report].
func ChangesBetween(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts ChangeOptions) (ChangesReport, error) {
	return onepass.Run(s, deals, opts, NewChanges, onepass.Always((*Changes).Report))
}

// Scan returns the scan the accumulator was built for.
func (c *Changes) Scan() *funnel.Scan { return c.s }

// Fresh returns an empty accumulator of the same scan and options.
func (c *Changes) Fresh() funnel.Accumulator { return &Changes{s: c.s, opts: c.opts} }

// Add validates d and adds it (see [funnel.Scan.Add]).
func (c *Changes) Add(d funnel.Deal) error { return c.s.Add(d, c) }

// currentStage returns the funnel index of a valid deal's current stage.
func currentStage(f *funnel.Funnel, d *funnel.Deal) int {
	st := d.Stage
	if len(d.History) > 0 {
		st = d.History[len(d.History)-1].Stage
	}
	k, _ := f.Index(st)
	return k
}

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (c *Changes) Observe(v *funnel.View) {
	if !c.in.Note(v) {
		return
	}
	f := c.s.Funnel()
	b, okB := v.Deal.At(c.opts.To)
	if !okB {
		c.createdAfter++
		return
	}
	a, okA := v.Deal.At(c.opts.From)
	if okA && a.Outcome != funnel.Open {
		c.closedBefore++
		return
	}
	row := ChangeRow{ID: b.ID, ToStage: f.Stage(currentStage(f, &b)), ToAmount: b.Amount, ToClose: b.ExpectedClose, Outcome: b.Outcome}
	if c.opts.Segment != "" {
		row.Segment = b.Attrs.Get(c.opts.Segment)
	}
	if b.Outcome == funnel.Open {
		c.openTo.Add(b.Amount)
	}
	var ch Change
	if !okA {
		ch |= ChangeNew
	} else {
		c.openFrom.Add(a.Amount)
		ka, kb := currentStage(f, &a), currentStage(f, &b)
		row.FromStage, row.FromAmount, row.FromClose = f.Stage(ka), a.Amount, a.ExpectedClose
		switch {
		case kb > ka:
			ch |= ChangeAdvanced
		case kb < ka:
			ch |= ChangeMovedBack
		}
		if b.Outcome == funnel.Open && !a.ExpectedClose.IsZero() && !b.ExpectedClose.IsZero() {
			switch {
			case b.ExpectedClose.After(a.ExpectedClose):
				ch |= ChangePushed
			case b.ExpectedClose.Before(a.ExpectedClose):
				ch |= ChangePulledIn
			}
		}
		switch a.Amount.Cmp(b.Amount) {
		case -1:
			ch |= ChangeIncreased
		case 1:
			ch |= ChangeDecreased
		}
	}
	switch b.Outcome {
	case funnel.Won:
		ch |= ChangeWon
	case funnel.Lost:
		ch |= ChangeLost
	}
	if ch == 0 {
		c.unchanged++
		return
	}
	row.Change = ch
	c.rows = append(c.rows, row)
}

// Merge adds everything o, a *Changes of an equal scan and options, holds
// (see [funnel.Accumulator]). o is not modified.
func (c *Changes) Merge(o funnel.Accumulator) error {
	oc, err := mergeable[*Changes](c, o)
	if err != nil {
		return err
	}
	if !oc.opts.From.Equal(c.opts.From) || !oc.opts.To.Equal(c.opts.To) || oc.opts.Segment != c.opts.Segment {
		return incompatible("merging changes of other dates")
	}
	c.in.Merge(&oc.in)
	c.rows = append(c.rows, oc.rows...)
	c.unchanged += oc.unchanged
	c.closedBefore += oc.closedBefore
	c.createdAfter += oc.createdAfter
	c.openFrom.Merge(&oc.openFrom)
	c.openTo.Merge(&oc.openTo)
	return nil
}

// A ChangeRow is one deal that changed between the two dates, with its
// values at each (the From values are zero for a new deal).
type ChangeRow struct {
	ID     string `json:"id"`
	Change Change `json:"change"`
	// Segment is the value of the segment attribute at To.
	Segment    string          `json:"segment"`
	FromStage  funnel.Stage    `json:"from_stage"`
	ToStage    funnel.Stage    `json:"to_stage"`
	FromAmount decimal.Decimal `json:"from_amount"`
	ToAmount   decimal.Decimal `json:"to_amount"`
	FromClose  time.Time       `json:"-"` // expected close date at From (JSON from_close, null when zero)
	ToClose    time.Time       `json:"-"` // expected close date at To (JSON to_close)
	// Outcome is the deal's outcome at To.
	Outcome funnel.Outcome `json:"outcome"`
}

func compareRows(a, b ChangeRow) int {
	return cmp.Or(strings.Compare(a.ID, b.ID), cmp.Compare(a.Change, b.Change), strings.Compare(a.Segment, b.Segment),
		strings.Compare(string(a.FromStage), string(b.FromStage)), strings.Compare(string(a.ToStage), string(b.ToStage)),
		a.FromAmount.Cmp(b.FromAmount), a.ToAmount.Cmp(b.ToAmount), a.FromClose.Compare(b.FromClose), a.ToClose.Compare(b.ToClose),
		cmp.Compare(a.Outcome, b.Outcome), cmp.Compare(a.FromAmount.Exponent(), b.FromAmount.Exponent()), cmp.Compare(a.ToAmount.Exponent(), b.ToAmount.Exponent()))
}

// A ChangeCount is the number of deals with one change, with their amount
// at To and the sum of their amount changes (To - From; a new deal's From
// amount is 0).
type ChangeCount struct {
	Change Change          `json:"change"`
	Deals  int64           `json:"deals"`
	Amount decimal.Decimal `json:"amount"`
	Delta  decimal.Decimal `json:"delta"`
}

// A ChangesReport is what changed in the pipeline between two dates.
type ChangesReport struct {
	From time.Time `json:"-"` // JSON from
	To   time.Time `json:"-"` // JSON to
	// Rows lists the deals that changed, by ID.
	Rows []ChangeRow `json:"rows"`
	// Counts has one row per change, ChangeNew first; a deal with several
	// changes counts in each.
	Counts []ChangeCount `json:"counts"`
	// OpenFrom and OpenTo are the open pipelines at each date, deals and
	// amount at that date.
	OpenFrom       int64           `json:"open_from"`
	OpenFromAmount decimal.Decimal `json:"open_from_amount"`
	OpenTo         int64           `json:"open_to"`
	OpenToAmount   decimal.Decimal `json:"open_to_amount"`
	// Unchanged counts deals open at From with no change; ClosedBefore
	// deals already closed at From; CreatedAfter deals created after To.
	Unchanged    int64        `json:"unchanged"`
	ClosedBefore int64        `json:"closed_before"`
	CreatedAfter int64        `json:"created_after"`
	Input        funnel.Input `json:"input"`
}

// Report returns the changes of the deals added so far.
func (c *Changes) Report() ChangesReport {
	r := ChangesReport{From: c.opts.From, To: c.opts.To, Rows: slices.Clone(c.rows), Counts: make([]ChangeCount, numChanges),
		OpenFrom: c.openFrom.Count(), OpenFromAmount: c.openFrom.Sum(), OpenTo: c.openTo.Count(), OpenToAmount: c.openTo.Sum(),
		Unchanged: c.unchanged, ClosedBefore: c.closedBefore, CreatedAfter: c.createdAfter, Input: c.in.Input()}
	if r.Rows == nil {
		r.Rows = []ChangeRow{}
	}
	slices.SortFunc(r.Rows, compareRows)
	for i := range r.Counts {
		r.Counts[i].Change = 1 << i
	}
	for _, row := range r.Rows {
		for ch := row.Change; ch != 0; ch &= ch - 1 {
			cc := &r.Counts[bits.TrailingZeros16(uint16(ch))]
			cc.Deals++
			cc.Amount = cc.Amount.Add(row.ToAmount)
			cc.Delta = cc.Delta.Add(row.ToAmount.Sub(row.FromAmount))
		}
	}
	return r
}

const changesVersion = 1

// MarshalBinary encodes the accumulator (see [funnel.Accumulator]):
// deterministic, the rows in their report order.
func (c *Changes) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.changes", changesVersion, c.s)
	w.Time(c.opts.From)
	w.Time(c.opts.To)
	w.String(c.opts.Segment)
	blob(&w, &c.in)
	rows := slices.Clone(c.rows)
	slices.SortFunc(rows, compareRows)
	w.Int(len(rows))
	for _, r := range rows {
		w.String(r.ID)
		w.Uvarint(uint64(r.Change))
		w.String(r.Segment)
		w.String(string(r.FromStage))
		w.String(string(r.ToStage))
		w.Decimal(r.FromAmount)
		w.Decimal(r.ToAmount)
		w.Time(r.FromClose)
		w.Time(r.ToClose)
		w.Int(int(r.Outcome))
	}
	w.Varint(c.unchanged)
	w.Varint(c.closedBefore)
	w.Varint(c.createdAfter)
	writeMoney(&w, &c.openFrom)
	writeMoney(&w, &c.openTo)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes an accumulator written by
// [Changes.MarshalBinary], replacing c's contents, as
// [Pipeline.UnmarshalBinary] does.
func (c *Changes) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readHeader(r, "forecast.changes", changesVersion, c.s)
	if err != nil {
		return err
	}
	opts := ChangeOptions{From: r.Time(), To: r.Time(), Segment: r.String()}
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	out, err := NewChanges(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if c.s != nil && (!opts.From.Equal(c.opts.From) || !opts.To.Equal(c.opts.To) || opts.Segment != c.opts.Segment) {
		return incompatible("decoding changes of other dates")
	}
	out.opts = opts
	unblob(r, &out.in)
	n := r.Count(12)
	if r.Err() == nil && int64(n) > out.in.Counted() {
		r.Fail("%d rows of %d deals", n, out.in.Counted())
	}
	f := s.Funnel()
	for range n {
		row := ChangeRow{ID: r.String(), Change: Change(r.Uvarint()), Segment: r.String(), FromStage: funnel.Stage(r.String()),
			ToStage: funnel.Stage(r.String()), FromAmount: r.Decimal(), ToAmount: r.Decimal(), FromClose: r.Time(), ToClose: r.Time(),
			Outcome: funnel.Outcome(r.Int())}
		if r.Err() != nil {
			break
		}
		_, okTo := f.Index(row.ToStage)
		_, okFrom := f.Index(row.FromStage)
		if row.Change == 0 || row.Change&^(1<<numChanges-1) != 0 || !okTo || (row.FromStage != "" && !okFrom) || row.Outcome > funnel.Lost ||
			(len(out.rows) > 0 && compareRows(out.rows[len(out.rows)-1], row) > 0) {
			r.Fail("bad change row")
			break
		}
		out.rows = append(out.rows, row)
	}
	out.unchanged, out.closedBefore, out.createdAfter = r.NonNeg(), r.NonNeg(), r.NonNeg()
	out.openFrom = readMoney(r)
	out.openTo = readMoney(r)
	if r.Err() == nil && int64(n)+out.unchanged+out.closedBefore+out.createdAfter != out.in.Counted() {
		r.Fail("change counts do not add up to the deals")
	}
	if err := decoded(r, data, out); err != nil {
		return err
	}
	*c = *out
	return nil
}

type changeRowJSON struct {
	changeRowAlias
	FromClose *time.Time `json:"from_close"`
	ToClose   *time.Time `json:"to_close"`
}

type changeRowAlias ChangeRow

// MarshalJSON encodes the row with its dates as RFC 3339 or null.
func (r ChangeRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(changeRowJSON{changeRowAlias(r), timePtr(r.FromClose), timePtr(r.ToClose)})
}

// UnmarshalJSON decodes a row written by [ChangeRow.MarshalJSON].
func (r *ChangeRow) UnmarshalJSON(b []byte) error {
	var o changeRowJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = ChangeRow(o.changeRowAlias)
	r.FromClose, r.ToClose = timeOf(o.FromClose), timeOf(o.ToClose)
	return nil
}

type changesReportJSON struct {
	changesReportAlias
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
}

type changesReportAlias ChangesReport

// MarshalJSON encodes the report in the package's JSON style.
func (r ChangesReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(changesReportJSON{changesReportAlias(r), timePtr(r.From), timePtr(r.To)})
}

// UnmarshalJSON decodes a report written by [ChangesReport.MarshalJSON].
func (r *ChangesReport) UnmarshalJSON(b []byte) error {
	var o changesReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = ChangesReport(o.changesReportAlias)
	r.From, r.To = timeOf(o.From), timeOf(o.To)
	return nil
}

// WriteText writes the open pipelines, the counts per change and the
// changed deals.
func (r ChangesReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Pipeline changes from %s to %s\n", r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	ew.printf("Open: %d deals %s -> %d deals %s; %d unchanged, %d closed before, %d created after\n\n",
		r.OpenFrom, money(r.OpenFromAmount), r.OpenTo, money(r.OpenToAmount), r.Unchanged, r.ClosedBefore, r.CreatedAfter)
	tw := newTable(ew)
	fmt.Fprintln(tw, "change\tdeals\tamount\tdelta\t")
	for _, c := range r.Counts {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t\n", c.Change, c.Deals, money(c.Amount), money(c.Delta))
	}
	_ = tw.Flush()
	ew.printf("\n")
	tw = newTable(ew)
	fmt.Fprintln(tw, "deal\tchange\tfrom\tto\tfrom amount\tto amount\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", row.ID, row.Change, row.FromStage, row.ToStage, money(row.FromAmount), money(row.ToAmount))
	}
	_ = tw.Flush()
	writeInput(ew, r.Input)
	return ew.err
}
