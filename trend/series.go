package trend

import (
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/par"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// A Basis says which date puts a deal in a period of a [Series]. The zero
// Basis is [Created].
type Basis int8

// The bases of a series.
const (
	// Created groups deals by creation time: each period is a creation
	// cohort (Close.com's "created in period" cohorting), whose open
	// deals are still pending.
	Created Basis = iota
	// Closed groups closed deals by close time: what was won and lost in
	// the period. Open deals are outside, and so are deals closed without
	// a close time (Options.UndatedClose).
	Closed
)

var basisNames = []string{Created: "created", Closed: "closed"}

// String returns "created" or "closed", or "Basis(N)" for an invalid value.
func (b Basis) String() string { return enumName(b, basisNames, "Basis") }

// MarshalText encodes the basis by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid value.
func (b Basis) MarshalText() ([]byte, error) { return enumText(b, basisNames, "basis") }

// UnmarshalText decodes a basis name written by [Basis.MarshalText].
func (b *Basis) UnmarshalText(t []byte) error { return enumParse(b, t, basisNames, "basis") }

// Options are the settings of a [Series] of its own; how deals are read
// (period, zone, as-of time, confidence) comes from its [funnel.Scan].
type Options struct {
	// Basis is the date that puts a deal in a period.
	Basis Basis
	// From and To, when not zero, fix the series to the periods that hold
	// From through To, empty ones included; deals outside are counted in
	// Outside.Before and Outside.After. Zero From (To) starts (ends) the
	// series with the first (last) period that has deals.
	From, To time.Time
}

// A Series accumulates one [funnel.Tally] per period (the scan's Period,
// in its Location) of the deals' creation or close time (Options.Basis),
// in one pass: the [funnel.Accumulator] behind [Compute]. Its
// [Series.Report] has one row per period from the first to the last, the
// empty ones in between included; [Report.Metric] reads a metric from it
// with its changes.
//
// Unless the scan keeps quantile sketches (Options.QuantileError), each
// period also keeps its won amounts (8 bytes each) and each deal's time
// to win (8 bytes), for the tests of deal size and won cycle between
// periods ([RowTests]).
//
// Memory grows with the deals (as a Tally's does) and with the periods
// that have deals, at most [MaxPeriods]. A Series is not safe for
// concurrent use: give each goroutine its own (Fresh) and Merge them.
type Series struct {
	s    *funnel.Scan
	opts Options
	cal  calendar
	// with From/To: the range's instants and ordinals
	bounded        bool
	fromAt, toEnd  time.Time
	fromOrd, toOrd int64
	in             funnel.Intake
	out            Outside
	dated          int64 // deals in a period
	periods        map[int64]*funnel.Tally
	samples        map[int64]*periodSamples // with exact statistics (no QuantileError)
	lo, hi         int64                    // ordinals of the first and last periods with deals, while dated > 0
	overflow       bool                     // the deals span more than MaxPeriods: tallies dropped
	cache          periodCache
}

// NewSeries returns an empty series of the scan's deals. It returns an
// error wrapping [funnel.ErrInvalidParam] for a nil scan, an invalid
// basis, To before From, a From or To outside years 1 to 9999, or a range
// of more than [MaxPeriods] periods.
func NewSeries(s *funnel.Scan, opts Options) (*Series, error) {
	if s == nil {
		return nil, fmt.Errorf("trend: nil scan: %w", funnel.ErrInvalidParam)
	}
	if opts.Basis != Created && opts.Basis != Closed {
		return nil, fmt.Errorf("trend: basis %d: %w", opts.Basis, funnel.ErrInvalidParam)
	}
	a := &Series{s: s, opts: opts, cal: newCalendar(s), periods: map[int64]*funnel.Tally{}}
	if s.Options().QuantileError == 0 {
		a.samples = map[int64]*periodSamples{}
	}
	a.cache.c = a.cal
	if !opts.From.IsZero() && !opts.To.IsZero() && opts.To.Before(opts.From) {
		return nil, fmt.Errorf("trend: series from %v to %v: %w", opts.From, opts.To, funnel.ErrInvalidParam)
	}
	if !opts.From.IsZero() || !opts.To.IsZero() {
		a.bounded = true
		lo, hi := a.cal.bounds()
		a.fromOrd, a.toOrd = lo, hi
		a.toEnd = time.Date(maxYear+1, time.January, 1, 0, 0, 0, 0, time.UTC)
		a.fromAt = time.Date(minYear, time.January, 1, 0, 0, 0, 0, time.UTC)
		if t := opts.From; !t.IsZero() {
			k, start, _, ok := a.cal.place(t)
			if !ok {
				return nil, fmt.Errorf("trend: series from %v: outside years %d to %d: %w", t, minYear, maxYear, funnel.ErrInvalidParam)
			}
			a.fromOrd, a.fromAt = k, start
		}
		if t := opts.To; !t.IsZero() {
			k, _, end, ok := a.cal.place(t)
			if !ok {
				return nil, fmt.Errorf("trend: series to %v: outside years %d to %d: %w", t, minYear, maxYear, funnel.ErrInvalidParam)
			}
			a.toOrd, a.toEnd = k, end
		}
		if n := a.toOrd - a.fromOrd + 1; !opts.From.IsZero() && !opts.To.IsZero() && n > MaxPeriods {
			return nil, fmt.Errorf("trend: series from %v to %v spans %d %s periods, more than %d: %w",
				opts.From, opts.To, n, a.cal.per, MaxPeriods, funnel.ErrInvalidParam)
		}
	}
	return a, nil
}

// Compute returns the series of the deals, read in one pass: [NewSeries],
// [funnel.Scan.Run] and [Series.Report]. It returns their errors, and one
// wrapping [funnel.ErrInvalidParam] for a nil stream.
func Compute(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts Options) (Report, error) {
	a, err := NewSeries(s, opts)
	if err != nil {
		return Report{}, err
	}
	if err := s.Run(deals, a); err != nil {
		return Report{}, err
	}
	return a.Report()
}

// Scan returns the scan the series was built for.
func (a *Series) Scan() *funnel.Scan { return a.s }

// Fresh returns an empty series of the same scan and options.
func (a *Series) Fresh() funnel.Accumulator {
	b, _ := NewSeries(a.s, a.opts) // the options were valid for a
	return b
}

// Add validates d and adds it, as [funnel.Scan.Add] does.
func (a *Series) Add(d funnel.Deal) error { return a.s.Add(d, a) }

// Observe adds one deal handed over by the scan (see
// [funnel.Accumulator]).
func (a *Series) Observe(v *funnel.View) {
	if !a.in.Note(v) {
		return
	}
	d := v.Deal
	t := d.Created
	if a.opts.Basis == Closed {
		if d.Outcome == funnel.Open {
			a.out.Open++
			return
		}
		t = d.Closed
	}
	if t.IsZero() {
		a.out.Undated++
		return
	}
	if a.bounded {
		switch {
		case t.Before(a.fromAt):
			a.out.Before++
			return
		case !t.Before(a.toEnd):
			a.out.After++
			return
		}
	}
	k, ok := a.cache.place(t)
	if !ok {
		a.out.Undatable++
		return
	}
	a.widen(k, k)
	a.dated++
	if a.overflow {
		return
	}
	p := a.periods[k]
	if p == nil {
		p = funnel.NewTally(a.s)
		a.periods[k] = p
	}
	p.Observe(v)
	if a.samples != nil {
		ps := a.samples[k]
		if ps == nil {
			ps = new(periodSamples)
			a.samples[k] = ps
		}
		ps.observe(d, a.s.Options().AsOf)
	}
}

// widen extends the span of the periods with deals to lo..hi, and drops
// the tallies once it is more than MaxPeriods.
func (a *Series) widen(lo, hi int64) {
	if a.dated == 0 {
		a.lo, a.hi = lo, hi
	} else {
		a.lo, a.hi = min(a.lo, lo), max(a.hi, hi)
	}
	if !a.overflow && a.hi-a.lo+1 > MaxPeriods {
		a.overflow = true
		clear(a.periods)
		clear(a.samples)
	}
}

// Merge adds every deal counted by o, a *Series of an equal scan and
// options, to a. o is not modified. It returns an error wrapping
// [funnel.ErrIncompatible] for another kind, scan or options, and one
// wrapping [funnel.ErrInvalidParam] for a nil o or a itself.
func (a *Series) Merge(o funnel.Accumulator) error {
	b, err := mergeable[*Series](a, o)
	if err != nil {
		return err
	}
	if a.opts.Basis != b.opts.Basis || !a.opts.From.Equal(b.opts.From) || !a.opts.To.Equal(b.opts.To) {
		return fmt.Errorf("trend: merging series of other options: %w", funnel.ErrIncompatible)
	}
	a.in.Merge(&b.in)
	a.out.add(b.out)
	if b.dated > 0 {
		a.widen(b.lo, b.hi)
		a.dated += b.dated
	}
	if b.overflow && !a.overflow {
		a.overflow = true
		clear(a.periods)
		clear(a.samples)
	}
	if a.overflow {
		return nil
	}
	for k, t := range b.periods {
		p := a.periods[k]
		if p == nil {
			p = funnel.NewTally(a.s)
			a.periods[k] = p
		}
		if err := p.Merge(t); err != nil {
			return err
		}
	}
	for k, bs := range b.samples {
		ps := a.samples[k]
		if ps == nil {
			ps = new(periodSamples)
			a.samples[k] = ps
		}
		ps.merge(bs)
	}
	return nil
}

// mergeable checks that o is a non-nil accumulator of type T, not a
// itself, built for a scan equal to a's.
func mergeable[T funnel.Accumulator](a, o funnel.Accumulator) (T, error) {
	var zero T
	if a == nil || any(a) == any(zero) {
		return zero, fmt.Errorf("trend: merging into a nil %T: %w", a, funnel.ErrInvalidParam)
	}
	if o == nil {
		return zero, fmt.Errorf("trend: merging nil: %w", funnel.ErrInvalidParam)
	}
	b, ok := o.(T)
	if !ok {
		return zero, fmt.Errorf("trend: merging %T into %T: %w", o, a, funnel.ErrIncompatible)
	}
	if any(b) == any(zero) {
		return zero, fmt.Errorf("trend: merging a nil %T: %w", o, funnel.ErrInvalidParam)
	}
	if any(b) == any(a) {
		return zero, fmt.Errorf("trend: merging %T into itself: %w", a, funnel.ErrInvalidParam)
	}
	if !a.Scan().Equal(b.Scan()) {
		return zero, fmt.Errorf("trend: merging accumulators of different scans: %w", funnel.ErrIncompatible)
	}
	return b, nil
}

// Outside counts the valid deals that are in no period of a series.
type Outside struct {
	// Undated counts deals without the basis date: unknown creation time
	// (Created), or closed without a close time (Closed, with
	// Options.UndatedClose).
	Undated int64 `json:"undated"`
	// Open counts the deals open at the as-of time, outside a series by
	// close date.
	Open int64 `json:"open"`
	// Before and After count the deals before From's period and after
	// To's.
	Before int64 `json:"before"`
	After  int64 `json:"after"`
	// Undatable counts deals whose basis date falls in a period outside
	// years 1 to 9999 in the scan's zone.
	Undatable int64 `json:"undatable"`
}

func (o *Outside) add(b Outside) {
	o.Undated += b.Undated
	o.Open += b.Open
	o.Before += b.Before
	o.After += b.After
	o.Undatable += b.Undatable
}

// Total returns the number of deals outside the periods.
func (o Outside) Total() int64 { return o.Undated + o.Open + o.Before + o.After + o.Undatable }

// A Report is a series: one [funnel.Report] per period, in time order,
// with no gaps. Input counts every deal read; Input.Counted = the deals of
// the periods + Outside.Total().
type Report struct {
	Basis  Basis         `json:"basis"`
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the rows' labels.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	AsOf     time.Time       `json:"-"` // JSON as_of, null when zero
	From     time.Time       `json:"-"` // JSON from, null when zero
	To       time.Time       `json:"-"` // JSON to, null when zero
	// Confidence, MinSample and Method are the scan's test: the rule of
	// every change [Report.Metric] tests.
	Confidence float64       `json:"confidence"`
	MinSample  int64         `json:"min_sample"`
	Method     funnel.Method `json:"method"`

	Input   funnel.Input `json:"input"`
	Outside Outside      `json:"outside"`
	Periods []Row        `json:"periods"`
}

// A Row is one period of a series: its first instant, the start of the
// next period, its label (2024-03-05, 2024-W10, 2024-03, 2024-Q1 or 2024),
// the report of its deals and the tests of its figures that need more
// than the report (deal size, won cycle).
type Row struct {
	Start  time.Time     `json:"start"`
	End    time.Time     `json:"end"`
	Label  string        `json:"label"`
	Report funnel.Report `json:"report"`
	// Tests compare the period's deal size and won cycle with the period
	// before and the same period a year before.
	Tests RowTests `json:"tests"`
}

// Report returns the series of the deals added so far: one row per period
// from From's (or the first with deals) to To's (or the last with deals),
// stepped with [funnel.Calendar.Next]. It shares no memory with the series.
// It returns an error wrapping [funnel.ErrInvalidParam] when the deals
// span more than [MaxPeriods] periods (set From and To, or a longer
// Period).
func (a *Series) Report() (Report, error) {
	o := a.s.Options()
	r := Report{Basis: a.opts.Basis, Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(), AsOf: o.AsOf,
		From: a.opts.From, To: a.opts.To, Confidence: a.s.Level(), MinSample: a.s.MinSample(),
		Method: o.Test.Method, Input: a.in.Input(), Outside: a.out, Periods: []Row{}}
	if a.overflow {
		first, _ := a.cal.start(a.lo)
		last, _ := a.cal.start(a.hi)
		return Report{}, fmt.Errorf("trend: the deals span %d %s periods, %s to %s, more than %d: set From and To or a longer period: %w",
			a.hi-a.lo+1, o.Period, a.cal.label(first), a.cal.label(last), MaxPeriods, funnel.ErrInvalidParam)
	}
	lo, hi := a.lo, a.hi
	if a.bounded {
		lo, hi = a.fromOrd, a.toOrd
		if a.opts.From.IsZero() {
			lo = a.lo
		}
		if a.opts.To.IsZero() {
			hi = a.hi
		}
		if a.dated == 0 && (a.opts.From.IsZero() || a.opts.To.IsZero()) {
			return r, nil
		}
	} else if a.dated == 0 {
		return r, nil
	}
	start, ok := a.cal.start(lo)
	if !ok { // cannot be: the first period holds From or a deal
		return Report{}, fmt.Errorf("trend: series period %d has no start: %w", lo, funnel.ErrInvalidParam)
	}
	for n := 0; n <= MaxPeriods; n++ {
		if a.cal.ordinal(start) > hi {
			break
		}
		end := a.cal.cal.Next(a.cal.per, start, o.Location)
		r.Periods = append(r.Periods, Row{Start: start, End: end})
		start = end
	}
	// the rows' reports and tests, each of its own row, on the workers
	workers := par.Workers(o.Workers)
	par.For(workers, len(r.Periods), func(i int) {
		row := &r.Periods[i]
		t := a.periods[a.cal.ordinal(row.Start)]
		if t == nil {
			t = funnel.NewTally(a.s)
		}
		row.Label, row.Report = a.cal.label(row.Start), t.Report()
	})
	if a.samples != nil {
		a.tests(&r, workers)
	}
	return r, nil
}

// tests sets the tests of each row of r against the row before and the
// same period a year before.
func (a *Series) tests(r *Report, workers int) {
	n := len(r.Periods)
	won := make([][]float64, n)
	win := make([][]stat.Tie, n)
	index := make(map[calKey]int, n)
	for i, p := range r.Periods {
		index[keyOf(r.Calendar, r.Period, p.Start)] = i
	}
	par.For(workers, n, func(i int) {
		won[i], win[i] = a.samples[a.cal.ordinal(r.Periods[i].Start)].sorted()
	})
	level, minSample := a.s.Level(), a.s.MinSample()
	par.For(workers, n, func(i int) {
		t := &r.Periods[i].Tests
		if i > 0 {
			t.Previous = rowTests(won[i], win[i], won[i-1], win[i-1], level, minSample)
		}
		if key, ok := yearAgo(r.Period, keyOf(r.Calendar, r.Period, r.Periods[i].Start)); ok {
			if j, found := index[key]; found {
				t.YearAgo = rowTests(won[i], win[i], won[j], win[j], level, minSample)
			}
		}
	})
}

type reportJSON struct {
	reportAlias
	AsOf *time.Time `json:"as_of"`
	From *time.Time `json:"from"`
	To   *time.Time `json:"to"`
}

type reportAlias Report

// MarshalJSON encodes the series in the library's JSON style.
func (r Report) MarshalJSON() ([]byte, error) {
	if r.Periods == nil {
		r.Periods = []Row{}
	}
	return json.Marshal(reportJSON{reportAlias(r), timePtr(r.AsOf), timePtr(r.From), timePtr(r.To)})
}

// UnmarshalJSON decodes a series written by [Report.MarshalJSON].
func (r *Report) UnmarshalJSON(b []byte) error {
	var o reportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = Report(o.reportAlias)
	r.AsOf, r.From, r.To = timeOf(o.AsOf), timeOf(o.From), timeOf(o.To)
	return nil
}

const seriesVersion = 2

// MarshalBinary encodes the series (see [funnel.Accumulator]):
// deterministic, so that one pass and any merge of parts give the same
// bytes.
func (a *Series) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("trend.series", seriesVersion)
	sb, err := a.s.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	w.String(string(sb))
	w.Int(int(a.opts.Basis))
	w.Time(a.opts.From)
	w.Time(a.opts.To)
	ib, err := a.in.MarshalBinary()
	if err != nil {
		return nil, err
	}
	w.String(string(ib))
	for _, v := range []int64{a.out.Undated, a.out.Open, a.out.Before, a.out.After, a.out.Undatable, a.dated} {
		w.Varint(v)
	}
	w.Bool(a.overflow)
	if a.overflow {
		w.Varint(a.lo)
		w.Varint(a.hi)
		return w.Bytes(), nil
	}
	keys := slices.Sorted(maps.Keys(a.periods))
	w.Int(len(keys))
	for _, k := range keys {
		w.Varint(k)
		tb, err := a.periods[k].MarshalBinary()
		if err != nil {
			return nil, err
		}
		w.String(string(tb))
		if a.samples != nil {
			a.samples[k].encode(&w)
		}
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a series written by [Series.MarshalBinary],
// replacing a's contents. A series built by [NewSeries] accepts only an
// encoding of an equal scan and options (an error wrapping
// [funnel.ErrIncompatible] otherwise); the zero Series takes the encoded
// ones. It returns an error wrapping [funnel.ErrInvalidParam] for an
// invalid encoding.
func (a *Series) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("trend.series"); r.Err() == nil && v != seriesVersion {
		r.Fail("trend.series version %d", v)
	}
	s, err := readScan(r, a.s)
	if err != nil {
		return err
	}
	var opts Options
	opts.Basis = Basis(readEnum(r))
	opts.From, opts.To = r.Time(), r.Time()
	if r.Err() != nil {
		return decodeErr(r)
	}
	out, err := NewSeries(s, opts)
	if err != nil {
		return fmt.Errorf("trend: %w: %w", funnel.ErrInvalidParam, err)
	}
	if a.s != nil && (a.opts.Basis != opts.Basis || !a.opts.From.Equal(opts.From) || !a.opts.To.Equal(opts.To)) {
		return fmt.Errorf("trend: decoding a series of other options: %w", funnel.ErrIncompatible)
	}
	if a.s != nil {
		out.opts = a.opts // keep the receiver's times with their zones
	}
	if err := out.in.UnmarshalBinary([]byte(r.String())); err != nil {
		return err
	}
	for _, p := range []*int64{&out.out.Undated, &out.out.Open, &out.out.Before, &out.out.After, &out.out.Undatable, &out.dated} {
		*p = r.NonNeg()
	}
	if r.Err() == nil && out.dated+out.out.Total() != out.in.Counted() {
		r.Fail("series counts do not add up")
	}
	if r.Err() == nil && ((opts.Basis == Created && out.out.Open > 0) || (!out.bounded && out.out.Before+out.out.After > 0)) {
		r.Fail("series counts outside that cannot be")
	}
	lo, hi := out.cal.bounds()
	if out.bounded {
		lo, hi = out.fromOrd, out.toOrd
	}
	out.overflow = r.Bool()
	if out.overflow {
		out.lo, out.hi = r.Varint(), r.Varint()
		if r.Err() == nil && (out.dated < 2 || out.lo < lo || out.hi > hi || out.hi-out.lo+1 <= MaxPeriods) {
			r.Fail("bad series overflow")
		}
		return finish(r, a, out)
	}
	n := r.Count(2)
	var sum int64
	for i := range n {
		k := r.Varint()
		blob := r.String()
		if r.Err() != nil {
			break
		}
		if (i > 0 && k <= out.hi) || k < lo || k > hi {
			r.Fail("series periods out of order or range")
			break
		}
		if _, ok := out.cal.start(k); !ok {
			r.Fail("series period %d has no instant", k)
			break
		}
		if i == 0 {
			out.lo = k
		}
		out.hi = k
		t := funnel.NewTally(s)
		if err := t.UnmarshalBinary([]byte(blob)); err != nil {
			return err
		}
		rep := t.Report()
		c := rep.Input.Counted
		if c == 0 {
			r.Fail("empty series period")
			break
		}
		sum += c
		out.periods[k] = t
		if out.samples != nil {
			ps := new(periodSamples)
			ps.decode(r, &rep)
			out.samples[k] = ps
		}
	}
	if r.Err() == nil && (sum != out.dated || (n > 0 && out.hi-out.lo+1 > MaxPeriods)) {
		r.Fail("series periods do not add up")
	}
	return finish(r, a, out)
}

// finish checks that the reader is at the end and stores out in a.
func finish[T any](r *wire.Reader, a *T, out *T) error {
	if err := decodeErr(r); err != nil {
		return err
	}
	*a = *out
	return nil
}

// readScan decodes an embedded scan and checks it against the receiver's
// own, when it has one.
func readScan(r *wire.Reader, own *funnel.Scan) (*funnel.Scan, error) {
	b := r.String()
	if r.Err() != nil {
		return nil, decodeErr(r)
	}
	s, rest, err := funnel.DecodeScan([]byte(b))
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("trend: %w: %w: bytes after the scan", funnel.ErrInvalidParam, wire.ErrFormat)
	}
	if own != nil {
		if !own.Equal(s) {
			return nil, fmt.Errorf("trend: decoding an accumulator of another scan: %w", funnel.ErrIncompatible)
		}
		return own, nil
	}
	return s, nil
}

// readEnum reads a small enum value.
func readEnum(r *wire.Reader) int8 {
	v := r.Int()
	if v > 127 {
		r.Fail("enum %d", v)
		return 0
	}
	return int8(v)
}

func decodeErr(r *wire.Reader) error {
	if err := r.End(); err != nil {
		return fmt.Errorf("trend: %w: %w", funnel.ErrInvalidParam, err)
	}
	return nil
}
