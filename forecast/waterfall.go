package forecast

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/enum"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// A Flow is one bucket of a pipeline waterfall: how a deal entered or
// left the pipeline of a close-date period between two dates, or how its
// amount changed while it stayed.
type Flow int8

// The flows of a waterfall, inflows first. "In scope" at a date means
// open then, with an expected close date (as it stood then) inside the
// period; for a waterfall per segment, also with the segment's value at
// that date.
const (
	// FlowCreated: a deal created between the dates, in scope at To.
	FlowCreated Flow = iota
	// FlowPulledIn: open at From with its expected close date after the
	// period, moved into it.
	FlowPulledIn
	// FlowMovedForward: open at From with its expected close date before
	// the period (overdue or due earlier), moved later into it.
	FlowMovedForward
	// FlowDated: open at From without an expected close date, given one
	// inside the period.
	FlowDated
	// FlowReassignedIn: in scope at both dates but in another segment at
	// From (a deal handed over to this owner); only in segment waterfalls.
	FlowReassignedIn
	// FlowIncreased: in scope at both dates, its amount higher at To.
	FlowIncreased
	// FlowDecreased: in scope at both dates, its amount lower at To.
	FlowDecreased
	// FlowWon: in scope at From, won by To.
	FlowWon
	// FlowLost: in scope at From, lost by To.
	FlowLost
	// FlowPushedOut: in scope at From, its expected close date moved
	// after the period.
	FlowPushedOut
	// FlowMovedBack: in scope at From, its expected close date moved
	// before the period.
	FlowMovedBack
	// FlowUndated: in scope at From, its expected close date cleared.
	FlowUndated
	// FlowReassignedOut: in scope at both dates but in another segment at
	// To; only in segment waterfalls.
	FlowReassignedOut
)

// numFlows is the number of flows.
const numFlows = 13

var flowNames = [numFlows]string{"created", "pulled in", "moved forward", "dated", "reassigned in", "increased", "decreased",
	"won", "lost", "pushed out", "moved back", "undated", "reassigned out"}

// inflow reports whether the flow brings deals in; outflow whether it
// takes them out. Increased and Decreased are neither.
func (f Flow) inflow() bool  { return f <= FlowReassignedIn }
func (f Flow) outflow() bool { return f >= FlowWon }

// String returns the flow's name ("created", "pulled in" ...), or
// "Flow(N)".
func (f Flow) String() string { return enum.Name(f, flowNames[:], "Flow") }

// MarshalText encodes the flow by name. It returns an error wrapping
// funnel.ErrInvalidParam for an invalid value.
func (f Flow) MarshalText() ([]byte, error) {
	return enum.Text(f, flowNames[:], "forecast", "flow", funnel.ErrInvalidParam)
}

// UnmarshalText decodes a name written by [Flow.MarshalText].
func (f *Flow) UnmarshalText(b []byte) error {
	return enum.Parse(f, b, flowNames[:], "forecast", "flow", funnel.ErrInvalidParam)
}

// MaxWaterfallBy is the largest number of attributes a [Waterfall] breaks
// down by, and MaxListed the largest number of deals it lists per bucket.
const (
	MaxWaterfallBy = 4
	MaxListed      = 1000
)

// defaultListed is the number of deals listed per bucket when
// WaterfallOptions.List is zero.
const defaultListed = 10

// WaterfallOptions configure a [Waterfall].
type WaterfallOptions struct {
	// From and To are the two dates, From before To, To not after the
	// scan's as-of time.
	From, To time.Time
	// Close is any instant of the close-date period whose pipeline the
	// waterfall follows: the scan's funnel.Options.Period holding it, in
	// the scan's Location ("this quarter's pipeline").
	Close time.Time
	// By names attributes (funnel.Attributes.Get: "owner", "region", a
	// custom key) to give a waterfall per value of each, at most
	// MaxWaterfallBy, each with at most MaxSegments values.
	By []string
	// List is the number of deals listed per bucket, those that move the
	// most money first; zero means 10, at most MaxListed. Counts and
	// amounts always cover every deal.
	List int
}

// A WaterfallDeal is one deal of a bucket, with its values at both dates
// (stage "" and zero amount where it did not exist or was not in the
// pipeline yet).
type WaterfallDeal struct {
	ID string `json:"id"`
	// Amount is what the deal adds to the bucket's amount: its amount at
	// To for an inflow, minus its amount at From for an outflow, the
	// difference for a resize.
	Amount     decimal.Decimal `json:"amount"`
	FromStage  funnel.Stage    `json:"from_stage"`
	ToStage    funnel.Stage    `json:"to_stage"`
	FromAmount decimal.Decimal `json:"from_amount"`
	ToAmount   decimal.Decimal `json:"to_amount"`
	FromClose  time.Time       `json:"-"` // expected close date at From (JSON from_close, null when zero)
	ToClose    time.Time       `json:"-"` // expected close date at To (JSON to_close)
	// Outcome is the deal's outcome at To.
	Outcome funnel.Outcome `json:"outcome"`
}

// compareListed orders listed deals: the largest amount moved first,
// then by ID and every other field, so that the deals kept do not depend
// on how the stream was split.
func compareListed(a, b WaterfallDeal) int {
	return cmp.Or(b.Amount.Abs().Cmp(a.Amount.Abs()), strings.Compare(a.ID, b.ID), a.Amount.Cmp(b.Amount),
		strings.Compare(string(a.FromStage), string(b.FromStage)), strings.Compare(string(a.ToStage), string(b.ToStage)),
		a.FromAmount.Cmp(b.FromAmount), a.ToAmount.Cmp(b.ToAmount), a.FromClose.Compare(b.FromClose), a.ToClose.Compare(b.ToClose),
		cmp.Compare(a.Outcome, b.Outcome), cmp.Compare(a.Amount.Exponent(), b.Amount.Exponent()),
		cmp.Compare(a.FromAmount.Exponent(), b.FromAmount.Exponent()), cmp.Compare(a.ToAmount.Exponent(), b.ToAmount.Exponent()))
}

// flowAgg accumulates one bucket: its deals, its amount and the deals
// listed.
type flowAgg struct {
	n      int64
	amount decimal.Decimal
	top    []WaterfallDeal // sorted by compareListed, at most the list size
}

func (f *flowAgg) add(d WaterfallDeal, list int) {
	f.n++
	f.amount = f.amount.Add(d.Amount)
	f.list(d, list)
}

func (f *flowAgg) list(d WaterfallDeal, list int) {
	i, _ := slices.BinarySearchFunc(f.top, d, compareListed)
	if i >= list {
		return
	}
	f.top = slices.Insert(f.top, i, d)
	if len(f.top) > list {
		f.top = f.top[:list]
	}
}

func (f *flowAgg) merge(o *flowAgg, list int) {
	f.n += o.n
	f.amount = f.amount.Add(o.amount)
	for _, d := range o.top {
		f.list(d, list)
	}
}

// wfAgg accumulates one waterfall.
type wfAgg struct {
	startN, endN, stayed int64
	start, end           decimal.Decimal
	flows                [numFlows]flowAgg
}

func (w *wfAgg) merge(o *wfAgg, list int) {
	w.startN += o.startN
	w.endN += o.endN
	w.stayed += o.stayed
	w.start = w.start.Add(o.start)
	w.end = w.end.Add(o.end)
	for i := range w.flows {
		w.flows[i].merge(&o.flows[i], list)
	}
}

// wkey identifies a segment waterfall: the index of its attribute in By
// and the attribute's value.
type wkey struct {
	by    int
	value string
}

func compareWkeys(a, b wkey) int {
	return cmp.Or(cmp.Compare(a.by, b.by), strings.Compare(a.value, b.value))
}

// A Waterfall accumulates the pipeline waterfall of a close-date period
// between two dates (Clari's pipeline flow, Salesforce's pipeline
// inspection "moved in", "moved out", "pushed" and "changed amount"
// views): each deal is rebuilt as it stood at From and at To
// (funnel.Deal.At, so its stage, outcome, amount, expected close date and
// attributes are those of each date) and placed in one bucket, so that
//
//	end = start + created + pulled in + moved forward + dated
//	      + increased - decreased
//	      - won - lost - pushed out - moved back - undated
//
// in deals (resizes change no count) and in money, exactly to the cent:
// an inflow enters at its amount at To, an outflow leaves at its amount
// at From, a deal in scope at both dates moves the amount by its change.
// The same holds per segment (By), with deals handed from one segment to
// another as reassigned in and out. Each bucket lists the deals that move
// the most money (WaterfallOptions.List); its counts and amounts cover
// every deal. Memory: counters and the listed deals per bucket and
// segment.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but
// as the receiver of UnmarshalBinary; build one with [NewWaterfall].
type Waterfall struct {
	s          *funnel.Scan
	opts       WaterfallOptions // List resolved, Close the period start
	start, end time.Time        // the close-date period
	in         funnel.Intake
	total      wfAgg
	groups     map[wkey]*wfAgg
	segs       []map[string]struct{} // per By attribute, the values seen
	overflow   []bool
	outside    int64
	settings   string
}

// NewWaterfall returns an empty waterfall of the scan's deals. It returns
// an error wrapping funnel.ErrInvalidParam for a nil scan, From not before
// To, To after the scan's as-of time, a zero Close, more than
// MaxWaterfallBy attributes (or an empty or repeated one) or a list size
// outside 0..MaxListed.
func NewWaterfall(s *funnel.Scan, opts WaterfallOptions) (*Waterfall, error) {
	if s == nil {
		return nil, invalid("nil scan")
	}
	o := s.Options()
	switch {
	case opts.From.IsZero() || !opts.From.Before(opts.To):
		return nil, invalid("waterfall from %v to %v: dates not in order", opts.From, opts.To)
	case !o.AsOf.IsZero() && opts.To.After(o.AsOf):
		return nil, invalid("waterfall to %v, after the as-of time %v", opts.To, o.AsOf)
	case opts.Close.IsZero():
		return nil, invalid("a waterfall needs a close-date period")
	case len(opts.By) > MaxWaterfallBy:
		return nil, invalid("%d attributes to break down by: at most %d", len(opts.By), MaxWaterfallBy)
	case opts.List < 0 || opts.List > MaxListed:
		return nil, invalid("%d deals listed per bucket: at most %d", opts.List, MaxListed)
	}
	for i, k := range opts.By {
		if k == "" || slices.Contains(opts.By[:i], k) {
			return nil, invalid("attribute %q to break down by: empty or repeated", k)
		}
	}
	opts.By = slices.Clone(opts.By)
	opts.List = cmp.Or(opts.List, defaultListed)
	opts.Close = o.Calendar.Start(o.Period, opts.Close, o.Location)
	w := &Waterfall{s: s, opts: opts, start: opts.Close, end: o.Calendar.Next(o.Period, opts.Close, o.Location)}
	w.reset()
	var e wire.Writer
	w.encodeSettings(&e)
	w.settings = string(e.Bytes())
	return w, nil
}

func (w *Waterfall) reset() {
	w.groups = map[wkey]*wfAgg{}
	w.segs = make([]map[string]struct{}, len(w.opts.By))
	for i := range w.segs {
		w.segs[i] = map[string]struct{}{}
	}
	w.overflow = make([]bool, len(w.opts.By))
}

func (w *Waterfall) encodeSettings(e *wire.Writer) {
	e.Time(w.opts.From)
	e.Time(w.opts.To)
	e.Time(w.opts.Close)
	e.Int(len(w.opts.By))
	for _, k := range w.opts.By {
		e.String(k)
	}
	e.Int(w.opts.List)
}

// Flows computes the waterfall of the deals in one pass: [NewWaterfall],
// [funnel.Scan.Run] and [Waterfall.Report].
func Flows(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts WaterfallOptions) (WaterfallReport, error) {
	return onepass.Run(s, deals, opts, NewWaterfall, (*Waterfall).Report)
}

// Scan returns the scan the waterfall was built for.
func (w *Waterfall) Scan() *funnel.Scan { return w.s }

// Fresh returns an empty waterfall of the same scan and options.
func (w *Waterfall) Fresh() funnel.Accumulator {
	c := &Waterfall{s: w.s, opts: w.opts, start: w.start, end: w.end, settings: w.settings}
	c.reset()
	return c
}

// Add validates d and adds it (see [funnel.Scan.Add]).
func (w *Waterfall) Add(d funnel.Deal) error { return w.s.Add(d, w) }

// Where a deal stands at a date, for the waterfall.
const (
	posAbsent  = iota // not created yet
	posClosed         // won or lost
	posBefore         // open, expected close before the period
	posIn             // open, expected close inside the period
	posAfter          // open, expected close at or after the period's end
	posUndated        // open, no expected close date
)

func (w *Waterfall) position(d *funnel.Deal, ok bool) int {
	switch {
	case !ok:
		return posAbsent
	case d.Outcome != funnel.Open:
		return posClosed
	case d.ExpectedClose.IsZero():
		return posUndated
	case d.ExpectedClose.Before(w.start):
		return posBefore
	case d.ExpectedClose.Before(w.end):
		return posIn
	}
	return posAfter
}

// inflowOf is the flow of a deal entering the scope from where it stood
// at From; outflowOf that of a deal leaving it for where it stands at To.
func inflowOf(pos int) Flow {
	switch pos {
	case posAfter:
		return FlowPulledIn
	case posBefore:
		return FlowMovedForward
	case posUndated:
		return FlowDated
	}
	return FlowCreated // absent (a closed deal does not reopen)
}

func outflowOf(pos int, b *funnel.Deal) Flow {
	switch pos {
	case posAfter:
		return FlowPushedOut
	case posBefore:
		return FlowMovedBack
	case posUndated:
		return FlowUndated
	}
	if b.Outcome == funnel.Lost {
		return FlowLost
	}
	return FlowWon
}

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (w *Waterfall) Observe(v *funnel.View) {
	if !w.in.Note(v) {
		return
	}
	a, okA := v.Deal.At(w.opts.From)
	b, okB := v.Deal.At(w.opts.To)
	pa, pb := w.position(&a, okA), w.position(&b, okB)
	inA, inB := pa == posIn, pb == posIn
	if !inA && !inB {
		w.outside++
		return
	}
	f := w.s.Funnel()
	row := WaterfallDeal{ID: b.ID, Outcome: b.Outcome}
	if okA {
		row.FromStage, row.FromAmount, row.FromClose = f.Stage(currentStage(f, &a)), a.Amount, a.ExpectedClose
	}
	row.ToStage, row.ToAmount, row.ToClose = f.Stage(currentStage(f, &b)), b.Amount, b.ExpectedClose
	w.place(&w.total, row, pa, pb, inA, inB, &b)
	for i, key := range w.opts.By {
		if w.overflow[i] {
			continue
		}
		gb := b.Attrs.Get(key)
		ga := gb
		if okA {
			ga = a.Attrs.Get(key)
		}
		if inA && inB && ga == gb {
			if g := w.group(i, ga); g != nil {
				w.place(g, row, pa, pb, true, true, &b)
			}
			continue
		}
		if inA {
			if g := w.group(i, ga); g != nil {
				w.place(g, row, pa, pb, true, false, &b)
			}
		}
		if inB {
			if g := w.group(i, gb); g != nil {
				w.place(g, row, pa, pb, false, true, &b)
			}
		}
	}
}

// place counts the deal in a waterfall where it was in scope at From
// (inA) and at To (inB); a deal in scope at both dates of the total but
// at one only of a segment's was reassigned.
func (w *Waterfall) place(g *wfAgg, row WaterfallDeal, pa, pb int, inA, inB bool, b *funnel.Deal) {
	list := w.opts.List
	switch {
	case inA && inB:
		g.startN++
		g.endN++
		g.stayed++
		g.start = g.start.Add(row.FromAmount)
		g.end = g.end.Add(row.ToAmount)
		row.Amount = row.ToAmount.Sub(row.FromAmount)
		switch row.Amount.Sign() {
		case 1:
			g.flows[FlowIncreased].add(row, list)
		case -1:
			g.flows[FlowDecreased].add(row, list)
		}
	case inA:
		g.startN++
		g.start = g.start.Add(row.FromAmount)
		row.Amount = row.FromAmount.Neg()
		fl := FlowReassignedOut
		if pb != posIn {
			fl = outflowOf(pb, b)
		}
		g.flows[fl].add(row, list)
	case inB:
		g.endN++
		g.end = g.end.Add(row.ToAmount)
		row.Amount = row.ToAmount
		fl := FlowReassignedIn
		if pa != posIn {
			fl = inflowOf(pa)
		}
		g.flows[fl].add(row, list)
	}
}

// group returns the waterfall of a segment, adding it when new, or nil
// once the attribute has more than MaxSegments values.
func (w *Waterfall) group(i int, value string) *wfAgg {
	key := wkey{i, value}
	if g := w.groups[key]; g != nil {
		return g
	}
	if len(w.segs[i]) == MaxSegments {
		w.setOverflow(i)
		return nil
	}
	w.segs[i][value] = struct{}{}
	g := new(wfAgg)
	w.groups[key] = g
	return g
}

func (w *Waterfall) setOverflow(i int) {
	w.overflow[i] = true
	clear(w.segs[i])
	for key := range w.groups {
		if key.by == i {
			delete(w.groups, key)
		}
	}
}

// Merge adds everything o, a *Waterfall of an equal scan and options,
// holds (see [funnel.Accumulator]). o is not modified.
func (w *Waterfall) Merge(o funnel.Accumulator) error {
	ow, err := mergeable[*Waterfall](w, o)
	if err != nil {
		return err
	}
	if ow.settings != w.settings {
		return incompatible("merging waterfalls of other options")
	}
	w.in.Merge(&ow.in)
	w.total.merge(&ow.total, w.opts.List)
	w.outside += ow.outside
	for i := range w.overflow {
		if ow.overflow[i] {
			w.setOverflow(i)
		}
	}
	for _, key := range sortedKeys(ow.groups, compareWkeys) {
		if w.overflow[key.by] {
			continue
		}
		if g := w.group(key.by, key.value); g != nil {
			g.merge(ow.groups[key], w.opts.List)
		}
	}
	return nil
}

// A FlowRow is one bucket of a waterfall.
type FlowRow struct {
	Flow Flow `json:"flow"`
	// Deals counts the deals in the bucket; Effect is what they add to
	// the pipeline's deal count: Deals for an inflow, -Deals for an
	// outflow, 0 for a resize.
	Deals  int64 `json:"deals"`
	Effect int64 `json:"effect"`
	// Amount is what the bucket adds to the pipeline's amount (negative
	// for outflows and decreases).
	Amount decimal.Decimal `json:"amount"`
	// Listed holds the deals of the bucket that move the most money, at
	// most WaterfallOptions.List of them.
	Listed []WaterfallDeal `json:"listed"`
}

// A WaterfallFlow is the waterfall of one pipeline: its start, its
// buckets and its end, with StartDeals + Σ Effect = EndDeals and
// StartAmount + Σ Amount = EndAmount exactly.
type WaterfallFlow struct {
	StartDeals  int64           `json:"start_deals"`
	StartAmount decimal.Decimal `json:"start_amount"`
	// Flows has one row per flow, in Flow order.
	Flows     []FlowRow       `json:"flows"`
	EndDeals  int64           `json:"end_deals"`
	EndAmount decimal.Decimal `json:"end_amount"`
	// Stayed counts the deals in scope at both dates (resized or not).
	Stayed int64 `json:"stayed"`
}

func (g *wfAgg) flow() WaterfallFlow {
	out := WaterfallFlow{StartDeals: g.startN, StartAmount: g.start, EndDeals: g.endN, EndAmount: g.end, Stayed: g.stayed, Flows: make([]FlowRow, numFlows)}
	for i := range g.flows {
		fa := &g.flows[i]
		row := FlowRow{Flow: Flow(i), Deals: fa.n, Amount: fa.amount, Listed: append([]WaterfallDeal{}, fa.top...)}
		switch {
		case row.Flow.inflow():
			row.Effect = fa.n
		case row.Flow.outflow():
			row.Effect = -fa.n
		}
		out.Flows[i] = row
	}
	return out
}

// A WaterfallSegment is the waterfall of the deals of one value of a By
// attribute.
type WaterfallSegment struct {
	Key   string        `json:"key"`
	Value string        `json:"value"`
	Flow  WaterfallFlow `json:"flow"`
}

// A WaterfallReport is the pipeline waterfall of a close-date period
// between two dates.
type WaterfallReport struct {
	From time.Time `json:"-"` // JSON from
	To   time.Time `json:"-"` // JSON to
	// Start and End bound the close-date period [Start, End), of the
	// scan's Period in its Location.
	Start  time.Time     `json:"-"` // JSON start
	End    time.Time     `json:"-"` // JSON end
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the periods' names.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	// Total is the waterfall of the whole pipeline of the period.
	Total WaterfallFlow `json:"total"`
	// Segments has one waterfall per value of each By attribute, by
	// attribute (in the order given) and value.
	Segments []WaterfallSegment `json:"segments"`
	// Outside counts the deals in scope at neither date.
	Outside int64        `json:"outside"`
	Input   funnel.Input `json:"input"`
}

// Report returns the waterfall of the deals added so far. It returns an
// error wrapping funnel.ErrInvalidParam when a By attribute took more
// than MaxSegments values.
func (w *Waterfall) Report() (WaterfallReport, error) {
	for i, o := range w.overflow {
		if o {
			return WaterfallReport{}, invalid("more than %d values of the attribute %q", MaxSegments, w.opts.By[i])
		}
	}
	o := w.s.Options()
	r := WaterfallReport{From: w.opts.From, To: w.opts.To, Start: w.start, End: w.end, Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(),
		Total: w.total.flow(), Segments: []WaterfallSegment{}, Outside: w.outside, Input: w.in.Input()}
	for _, key := range sortedKeys(w.groups, compareWkeys) {
		r.Segments = append(r.Segments, WaterfallSegment{Key: w.opts.By[key.by], Value: key.value, Flow: w.groups[key].flow()})
	}
	return r, nil
}

const waterfallVersion = 1

// MarshalBinary encodes the waterfall (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (w *Waterfall) MarshalBinary() ([]byte, error) {
	var e wire.Writer
	writeHeader(&e, "forecast.waterfall", waterfallVersion, w.s)
	w.encodeSettings(&e)
	blob(&e, &w.in)
	e.Varint(w.outside)
	encodeAgg(&e, &w.total)
	for _, o := range w.overflow {
		e.Bool(o)
	}
	keys := sortedKeys(w.groups, compareWkeys)
	e.Int(len(keys))
	for _, key := range keys {
		e.Int(key.by)
		e.String(key.value)
		encodeAgg(&e, w.groups[key])
	}
	return e.Bytes(), nil
}

func encodeAgg(e *wire.Writer, g *wfAgg) {
	e.Varint(g.startN)
	e.Decimal(g.start)
	e.Varint(g.endN)
	e.Decimal(g.end)
	e.Varint(g.stayed)
	for i := range g.flows {
		f := &g.flows[i]
		e.Varint(f.n)
		e.Decimal(f.amount)
		e.Int(len(f.top))
		for _, d := range f.top {
			e.String(d.ID)
			e.Decimal(d.Amount)
			e.String(string(d.FromStage))
			e.String(string(d.ToStage))
			e.Decimal(d.FromAmount)
			e.Decimal(d.ToAmount)
			e.Time(d.FromClose)
			e.Time(d.ToClose)
			e.Int(int(d.Outcome))
		}
	}
}

// decodeAgg reads what encodeAgg wrote and checks that it is a waterfall
// the accumulator could have built: it reconciles, every listed deal
// belongs to its bucket, and at most counted deals are in it.
func (w *Waterfall) decodeAgg(r *wire.Reader, counted int64) *wfAgg {
	g := &wfAgg{startN: r.NonNeg(), start: r.Decimal(), endN: r.NonNeg(), end: r.Decimal(), stayed: r.NonNeg()}
	f := w.s.Funnel()
	effect, amount := g.startN, g.start
	for i := range g.flows {
		fa := &g.flows[i]
		fa.n, fa.amount = r.NonNeg(), r.Decimal()
		m := r.Count(10)
		if r.Err() == nil && (int64(m) > fa.n || m > w.opts.List || fa.n > counted) {
			r.Fail("%d deals listed of %d", m, fa.n)
		}
		if r.Err() != nil {
			return nil
		}
		fl := Flow(i)
		sign := fa.amount.Sign()
		switch {
		case fl.inflow():
			effect += fa.n
		case fl.outflow():
			effect -= fa.n
			sign = -sign
		case fl == FlowDecreased:
			sign = -sign
		}
		if sign < 0 || (fa.n == 0 && sign != 0) || (sign == 0 && fa.n > 0 && (fl == FlowIncreased || fl == FlowDecreased)) {
			r.Fail("bucket amount of the wrong sign")
			return nil
		}
		amount = amount.Add(fa.amount)
		for range m {
			d := WaterfallDeal{ID: r.String(), Amount: r.Decimal(), FromStage: funnel.Stage(r.String()), ToStage: funnel.Stage(r.String()),
				FromAmount: r.Decimal(), ToAmount: r.Decimal(), FromClose: r.Time(), ToClose: r.Time(), Outcome: funnel.Outcome(r.Int())}
			if r.Err() != nil {
				return nil
			}
			_, okTo := f.Index(d.ToStage)
			_, okFrom := f.Index(d.FromStage)
			var want decimal.Decimal
			switch {
			case fl.inflow():
				want = d.ToAmount
			case fl.outflow():
				want = d.FromAmount.Neg()
			default:
				want = d.ToAmount.Sub(d.FromAmount)
			}
			if !okTo || (d.FromStage != "" && !okFrom) || d.Outcome > funnel.Lost || d.FromAmount.Sign() < 0 || d.ToAmount.Sign() < 0 ||
				!d.Amount.Equal(want) || (fl == FlowIncreased && d.Amount.Sign() <= 0) || (fl == FlowDecreased && d.Amount.Sign() >= 0) ||
				(len(fa.top) > 0 && compareListed(fa.top[len(fa.top)-1], d) >= 0) {
				r.Fail("bad listed deal")
				return nil
			}
			fa.top = append(fa.top, d)
		}
	}
	if r.Err() == nil && (effect != g.endN || !amount.Equal(g.end) || g.stayed > min(g.startN, g.endN) || g.startN > counted || g.endN > counted) {
		r.Fail("waterfall does not reconcile")
	}
	return g
}

// UnmarshalBinary decodes a waterfall written by
// [Waterfall.MarshalBinary], replacing w's contents, as
// [Pipeline.UnmarshalBinary] does.
func (w *Waterfall) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readHeader(r, "forecast.waterfall", waterfallVersion, w.s)
	if err != nil {
		return err
	}
	opts := WaterfallOptions{From: r.Time(), To: r.Time(), Close: r.Time()}
	n := r.Count(1)
	if r.Err() == nil && n > MaxWaterfallBy {
		r.Fail("%d attributes", n)
	}
	for range n {
		opts.By = append(opts.By, r.String())
	}
	opts.List = r.Int()
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	if opts.List == 0 {
		return decodeErr(wire.ErrFormat)
	}
	out, err := NewWaterfall(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if !out.opts.Close.Equal(opts.Close) {
		return decodeErr(fmt.Errorf("%w: close period not at its start", wire.ErrFormat))
	}
	if w.s != nil && out.settings != w.settings {
		return incompatible("decoding a waterfall of other options")
	}
	unblob(r, &out.in)
	counted := out.in.Counted()
	out.outside = r.NonNeg()
	if g := out.decodeAgg(r, counted); g != nil {
		out.total = *g
	}
	for i := range out.overflow {
		out.overflow[i] = r.Bool()
	}
	m := r.Count(2)
	var prev wkey
	for j := range m {
		key := wkey{by: r.Int(), value: r.String()}
		if r.Err() == nil && (key.by >= len(opts.By) || out.overflow[key.by] || (j > 0 && compareWkeys(prev, key) >= 0)) {
			r.Fail("bad segment")
		}
		if r.Err() != nil {
			break
		}
		prev = key
		g := out.decodeAgg(r, counted)
		if g == nil {
			break
		}
		if len(out.segs[key.by]) == MaxSegments {
			r.Fail("too many segments")
			break
		}
		out.segs[key.by][key.value] = struct{}{}
		out.groups[key] = g
	}
	if r.Err() == nil && out.outside+max(out.total.startN, out.total.endN) > counted {
		r.Fail("waterfall counts above the deals")
	}
	if err := decoded(r, data, out); err != nil {
		return err
	}
	*w = *out
	return nil
}

type waterfallDealJSON struct {
	waterfallDealAlias
	FromClose *time.Time `json:"from_close"`
	ToClose   *time.Time `json:"to_close"`
}

type waterfallDealAlias WaterfallDeal

// MarshalJSON encodes the deal with its dates as RFC 3339 or null.
func (d WaterfallDeal) MarshalJSON() ([]byte, error) {
	return json.Marshal(waterfallDealJSON{waterfallDealAlias(d), timePtr(d.FromClose), timePtr(d.ToClose)})
}

// UnmarshalJSON decodes a deal written by [WaterfallDeal.MarshalJSON].
func (d *WaterfallDeal) UnmarshalJSON(b []byte) error {
	var o waterfallDealJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*d = WaterfallDeal(o.waterfallDealAlias)
	d.FromClose, d.ToClose = timeOf(o.FromClose), timeOf(o.ToClose)
	return nil
}

type waterfallReportJSON struct {
	waterfallReportAlias
	From  *time.Time `json:"from"`
	To    *time.Time `json:"to"`
	Start *time.Time `json:"start"`
	End   *time.Time `json:"end"`
}

type waterfallReportAlias WaterfallReport

// MarshalJSON encodes the report in the package's JSON style.
func (r WaterfallReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(waterfallReportJSON{waterfallReportAlias(r), timePtr(r.From), timePtr(r.To), timePtr(r.Start), timePtr(r.End)})
}

// UnmarshalJSON decodes a report written by [WaterfallReport.MarshalJSON].
func (r *WaterfallReport) UnmarshalJSON(b []byte) error {
	var o waterfallReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = WaterfallReport(o.waterfallReportAlias)
	r.From, r.To, r.Start, r.End = timeOf(o.From), timeOf(o.To), timeOf(o.Start), timeOf(o.End)
	return nil
}

// WriteText writes the waterfall of the whole pipeline as a table, with
// the deals listed under each bucket, then one line per segment with its
// start, its non-empty buckets and its end, then what was skipped.
func (r WaterfallReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	loc := locationOf(r.Location)
	ew.printf("Pipeline waterfall of %s closing deals from %s to %s\n\n", r.Calendar.Label(r.Period, r.Start, loc),
		r.From.Format(time.RFC3339), r.To.Format(time.RFC3339))
	t := r.Total
	tw := newTable(ew)
	fmt.Fprintln(tw, "\tdeals\tamount\t")
	fmt.Fprintf(tw, "start\t%d\t%s\t\n", t.StartDeals, money(t.StartAmount))
	for _, f := range t.Flows {
		fmt.Fprintf(tw, "%s\t%+d\t%s\t\n", f.Flow, f.Effect, signed(f.Amount))
		for _, d := range f.Listed {
			fmt.Fprintf(tw, "  %s %s -> %s\t\t%s\t\n", d.ID, orUnknown(string(d.FromStage)), d.ToStage, signed(d.Amount))
		}
		if more := f.Deals - int64(len(f.Listed)); more > 0 && len(f.Listed) > 0 {
			fmt.Fprintf(tw, "  (%d more)\t\t\t\n", more)
		}
	}
	fmt.Fprintf(tw, "end\t%d\t%s\t\n", t.EndDeals, money(t.EndAmount))
	_ = tw.Flush()
	ew.printf("%d deals in scope at both dates, %d at neither\n", t.Stayed, r.Outside)
	for _, sg := range r.Segments {
		g := sg.Flow
		ew.printf("%s=%s: %d (%s)", sg.Key, orUnknown(sg.Value), g.StartDeals, money(g.StartAmount))
		for _, f := range g.Flows {
			if f.Deals > 0 {
				ew.printf(", %s %+d (%s)", f.Flow, f.Effect, signed(f.Amount))
			}
		}
		ew.printf(" -> %d (%s)\n", g.EndDeals, money(g.EndAmount))
	}
	writeInput(ew, r.Input)
	return ew.err
}

// signed formats an amount with its sign.
func signed(d decimal.Decimal) string {
	if d.Sign() > 0 {
		return "+" + money(d)
	}
	return money(d)
}

// locationOf returns the named zone, or UTC when it cannot be loaded.
func locationOf(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}
