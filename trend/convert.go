package trend

import (
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/attr"
	"github.com/funnelmetrics/funnel/internal/capped"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// A MilestoneKind is what a [Milestone] of a deal is. The zero
// MilestoneKind is [Creation].
type MilestoneKind int8

// The kinds of milestones.
const (
	// Creation is the deal's creation time.
	Creation MilestoneKind = iota
	// Entry is an entry into a stage (Milestone.Stage).
	Entry
	// Exit is the end of the visit to the stage a conversion starts from:
	// the next stage entry, or the close. It can only end a conversion
	// that starts at an Entry; the time between them is the time in
	// stage.
	Exit
	// Win is the close of a won deal.
	Win
	// Loss is the close of a lost deal.
	Loss
	// Close is the close of a won or lost deal.
	Close
)

var milestoneNames = []string{Creation: "creation", Entry: "entry", Exit: "exit", Win: "win", Loss: "loss", Close: "close"}

// String returns "creation", "entry", "exit", "win", "loss" or "close",
// or "MilestoneKind(N)" for an invalid value.
func (k MilestoneKind) String() string { return enumName(k, milestoneNames, "MilestoneKind") }

// MarshalText encodes the kind by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid value.
func (k MilestoneKind) MarshalText() ([]byte, error) { return enumText(k, milestoneNames, "milestone") }

// UnmarshalText decodes a kind name written by [MilestoneKind.MarshalText].
func (k *MilestoneKind) UnmarshalText(b []byte) error {
	return enumParse(k, b, milestoneNames, "milestone")
}

// A Milestone is a point in a deal's life that a conversion starts or ends
// at: its creation, an entry into a stage, leaving the stage the
// conversion started from, or its close.
type Milestone struct {
	Kind MilestoneKind `json:"kind"`
	// Stage is the stage of an Entry and of an Exit (the stage of the
	// conversion's start; it may be left empty for an Exit), and empty
	// otherwise.
	Stage funnel.Stage `json:"stage"`
}

// String returns "creation", "entry Demo", "exit Demo", "win", "loss"
// or "close".
func (m Milestone) String() string {
	if m.Stage != "" {
		return m.Kind.String() + " " + string(m.Stage)
	}
	return m.Kind.String()
}

// A Visit says which entry into the starting stage a conversion counts
// from when a deal entered it more than once. The zero Visit is [First].
type Visit int8

// The visits.
const (
	// First counts from the deal's first entry into the stage.
	First Visit = iota
	// Latest counts from its latest entry (HubSpot's "latest time in
	// stage" when the conversion ends at the Exit).
	Latest
)

var visitNames = []string{First: "first", Latest: "latest"}

// String returns "first" or "latest", or "Visit(N)" for an invalid value.
func (v Visit) String() string { return enumName(v, visitNames, "Visit") }

// MarshalText encodes the visit by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid value.
func (v Visit) MarshalText() ([]byte, error) { return enumText(v, visitNames, "visit") }

// UnmarshalText decodes a visit name written by [Visit.MarshalText].
func (v *Visit) UnmarshalText(b []byte) error { return enumParse(v, b, visitNames, "visit") }

// The bounds of a [Conversion]'s options.
const (
	// DefaultMaxSegments is the number of segment values kept when
	// ConvertOptions.MaxSegments is zero.
	DefaultMaxSegments = 100
	// MaxSegmentsLimit is the largest ConvertOptions.MaxSegments.
	MaxSegmentsLimit = 10_000
	// MaxBins is the most bins of a [Histogram].
	MaxBins = 200
	// MaxPercentiles is the most percentiles ConvertOptions.Percentiles
	// may ask for.
	MaxPercentiles = 101
)

// defaultPercentiles are the percentiles of a conversion report when the
// options ask for none.
var defaultPercentiles = []float64{25, 50, 75, 90}

// ConvertOptions are the settings of a [Conversion] of its own.
type ConvertOptions struct {
	// From is where the conversion starts: Creation (the zero Milestone)
	// or an Entry into a stage.
	From Milestone
	// To is where it ends: an Entry into another stage (the first entry
	// at or after the start), the Exit of From's stage, or a Win, Loss or
	// Close.
	To Milestone
	// Visit chooses From's entry when a deal entered the stage more than
	// once.
	Visit Visit
	// Percentiles are the percentiles (in [0, 100]) given of the
	// completed durations and read from the Kaplan-Meier curve; nil means
	// 25, 50, 75 and 90. At most MaxPercentiles.
	Percentiles []float64
	// Edges, when given, are the histogram's bin edges (at least two,
	// increasing, not negative, at most MaxBins+1); nil means bins by the
	// Freedman-Diaconis rule (see [Histogram]).
	Edges []time.Duration
	// Segment, when not empty, is an attribute key (an Attr constant of
	// the funnel package or a custom key) whose values split the deals
	// into segments, each compared with the rest.
	Segment string
	// SegmentAt says which value of the attribute a deal's segment is:
	// as of the scan (the zero value), at its creation or at its close,
	// by the rule of the funnel package's segmentations (see
	// [funnel.ValueAt], [funnel.ByAttrAt]).
	SegmentAt funnel.ValueAt
	// MaxSegments bounds the segments kept (zero means
	// DefaultMaxSegments; at most MaxSegmentsLimit): the values first in
	// byte order. The deals of the other values are folded into one
	// "(other)" segment, reported as such.
	MaxSegments int
	// ByPeriod adds a row per period (the scan's Period, in its Calendar and
	// Location) of the conversion's start, each compared with the period
	// before.
	ByPeriod bool
}

func (o *ConvertOptions) equal(p *ConvertOptions) bool {
	return o.From == p.From && o.To == p.To && o.Visit == p.Visit && slices.Equal(o.Percentiles, p.Percentiles) &&
		slices.Equal(o.Edges, p.Edges) && o.Segment == p.Segment && o.SegmentAt == p.SegmentAt &&
		o.MaxSegments == p.MaxSegments && o.ByPeriod == p.ByPeriod
}

// The kinds of observations, in the low two bits: the order sorts
// events first at equal durations.
const (
	obsEvent  = 0 // the conversion happened
	obsClosed = 1 // closed without converting: censored at the close
	obsOpen   = 2 // open at the as-of time: censored there
	obsBits   = 2
)

// maxConvertSeconds is the longest duration kept, so that it fits an
// int64 shifted by obsBits.
const maxConvertSeconds = math.MaxInt64 >> obsBits

// convGroup holds the observations of one group of deals.
type convGroup struct {
	obs []int64 // seconds << obsBits | kind
}

func mergeGroups(dst, src *convGroup) { dst.obs = append(dst.obs, src.obs...) }

// A Conversion accumulates the time deals take from one milestone to
// another (ConvertOptions.From and To): from a stage to another, from
// creation to a stage, a win or a close, or the time in a stage. It is
// the [funnel.Accumulator] behind [ComputeConversion]. Deals are seen as
// they stood at the scan's as-of time: a deal that has not reached To by
// then is censored, at the as-of time when it is open and at its close
// when it closed without reaching To (as [TimeToWin] censors lost deals:
// the Kaplan-Meier figures are then of the cause-specific time). A deal
// that entered an exclusion stage of the funnel ([funnel.Funnel.Exclude])
// left the funnel there: its entries after it do not count, it is not
// won, lost or closed, and without reaching To it is censored at the
// exclusion (counted with the closed ones); its visit of the stage before
// ends there (Exit). Times are read from the recorded stage entries,
// whatever the scan's policy and conversion window.
//
// It keeps every duration (8 bytes each, and as much again per segment
// and per period row asked for). A Conversion is not safe for concurrent
// use: give each goroutine its own (Fresh) and Merge them.
type Conversion struct {
	s        *funnel.Scan
	opts     ConvertOptions // validated, slices owned
	from, to int            // funnel positions of the stages
	cal      calendar
	cache    periodCache
	in       funnel.Intake
	// notStarted: never reached From; untimed: a time unknown;
	// undatable: a start outside the periods of years 1 to 9999
	notStarted, untimed, undatable int64
	all                            convGroup
	segs                           *capped.Map[convGroup]
	periods                        map[int64]*convGroup
	dated                          int64 // observations in periods
	lo, hi                         int64
	overflow                       bool
}

// NewConversion returns an empty conversion accumulator of the scan's
// deals. It returns an error wrapping [funnel.ErrInvalidParam] for a nil
// scan or invalid options (an invalid milestone, visit or
// [funnel.ValueAt]; a From
// other than Creation or an Entry; an Exit after anything but an Entry;
// an Entry into the stage a conversion starts from; a stage given where
// the kind takes none; percentiles or edges out of range; MaxSegments out
// of range), and one wrapping [funnel.ErrUnknownStage] for a stage that
// is not in the scan's funnel.
func NewConversion(s *funnel.Scan, opts ConvertOptions) (*Conversion, error) {
	if s == nil {
		return nil, fmt.Errorf("trend: nil scan: %w", funnel.ErrInvalidParam)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("trend: conversion "+format+": %w", append(args, funnel.ErrInvalidParam)...)
	}
	opts.Percentiles = slices.Clip(slices.Clone(opts.Percentiles))
	opts.Edges = slices.Clip(slices.Clone(opts.Edges))
	if len(opts.Percentiles) == 0 {
		opts.Percentiles = nil
	}
	if len(opts.Edges) == 0 {
		opts.Edges = nil
	}
	a := &Conversion{s: s, opts: opts, cal: newCalendar(s), from: -1, to: -1}
	a.cache.c = a.cal
	f := s.Funnel()
	stage := func(m Milestone) (int, error) {
		k, ok := f.Index(m.Stage)
		if !ok {
			return 0, fmt.Errorf("trend: conversion stage %q: %w", m.Stage, funnel.ErrUnknownStage)
		}
		return k, nil
	}
	var err error
	switch opts.From.Kind {
	case Creation:
		if opts.From.Stage != "" {
			return nil, bad("from %v with a stage", opts.From.Kind)
		}
	case Entry:
		if a.from, err = stage(opts.From); err != nil {
			return nil, err
		}
	default:
		return nil, bad("from %v", opts.From.Kind)
	}
	switch opts.To.Kind {
	case Entry:
		if a.to, err = stage(opts.To); err != nil {
			return nil, err
		}
		if a.to == a.from {
			return nil, bad("from and to the same stage %q", opts.To.Stage)
		}
	case Exit:
		if opts.From.Kind != Entry || (opts.To.Stage != "" && opts.To.Stage != opts.From.Stage) {
			return nil, bad("exit %q after %v", opts.To.Stage, opts.From)
		}
		a.opts.To.Stage = opts.From.Stage
	case Win, Loss, Close:
		if opts.To.Stage != "" {
			return nil, bad("to %v with a stage", opts.To.Kind)
		}
	default:
		return nil, bad("to %v", opts.To.Kind)
	}
	if opts.Visit != First && opts.Visit != Latest {
		return nil, bad("visit %d", opts.Visit)
	}
	if !attr.Valid(opts.SegmentAt) {
		return nil, bad("segment value at %d", opts.SegmentAt)
	}
	if len(opts.Percentiles) > MaxPercentiles {
		return nil, bad("%d percentiles", len(opts.Percentiles))
	}
	for _, p := range opts.Percentiles {
		if !(p >= 0 && p <= 100) {
			return nil, bad("percentile %v", p)
		}
	}
	if opts.Edges != nil {
		if len(opts.Edges) < 2 || len(opts.Edges) > MaxBins+1 || opts.Edges[0] < 0 {
			return nil, bad("%d edges, the first %v", len(opts.Edges), opts.Edges[0])
		}
		for i := 1; i < len(opts.Edges); i++ {
			if opts.Edges[i] <= opts.Edges[i-1] {
				return nil, bad("edges not increasing at %d", i)
			}
		}
	}
	if opts.MaxSegments < 0 || opts.MaxSegments > MaxSegmentsLimit {
		return nil, bad("max segments %d", opts.MaxSegments)
	}
	if opts.Segment != "" {
		a.segs = capped.New(cmpOr(opts.MaxSegments, DefaultMaxSegments), mergeGroups)
	}
	if opts.ByPeriod {
		a.periods = map[int64]*convGroup{}
	}
	return a, nil
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// ComputeConversion returns the conversion report of the deals, read in
// one pass: [NewConversion], [funnel.Scan.Run] and [Conversion.Report].
// It returns their errors, and one wrapping [funnel.ErrInvalidParam] for
// a nil stream.
func ComputeConversion(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts ConvertOptions) (ConversionReport, error) {
	return onepass.Run(s, deals, opts, NewConversion, (*Conversion).Report)
}

// Scan returns the scan the accumulator was built for.
func (a *Conversion) Scan() *funnel.Scan { return a.s }

// Fresh returns an empty accumulator of the same scan and options.
func (a *Conversion) Fresh() funnel.Accumulator {
	b, _ := NewConversion(a.s, a.opts) // the options were valid for a
	return b
}

// Add validates d and adds it, as [funnel.Scan.Add] does.
func (a *Conversion) Add(d funnel.Deal) error { return a.s.Add(d, a) }

// Observe adds one deal handed over by the scan (see
// [funnel.Accumulator]).
func (a *Conversion) Observe(v *funnel.View) {
	if !a.in.Note(v) {
		return
	}
	d := v.Deal
	asOf := a.s.Options().AsOf
	var start time.Time
	visit := -1 // the entry the conversion starts at
	if a.opts.From.Kind == Creation {
		start = d.Created
	} else {
		for i := range v.Len() {
			if k, _ := v.Entry(i); k == a.from {
				visit = i
				if a.opts.Visit == First {
					break
				}
			}
		}
		if visit < 0 {
			a.notStarted++
			return
		}
		_, start = v.Entry(visit)
	}
	if start.IsZero() {
		a.untimed++
		return
	}
	// censor returns the end of a deal that did not reach To: where it
	// left the funnel, by an exclusion stage or its close, or the as-of
	// time
	exclAt, excluded := v.Excluded()
	censor := func() (time.Time, int64) {
		switch {
		case excluded:
			return exclAt, obsClosed
		case d.Outcome == funnel.Open:
			return asOf, obsOpen
		}
		return d.Closed, obsClosed
	}
	var end time.Time
	kind := int64(obsEvent)
	switch a.opts.To.Kind {
	case Entry:
		found := false
		for i := visit + 1; i < v.Len(); i++ {
			k, at := v.Entry(i)
			if k != a.to {
				continue
			}
			if at.IsZero() {
				a.untimed++
				return
			}
			if !at.Before(start) {
				end, found = at, true
				break
			}
		}
		if !found {
			end, kind = censor()
		}
	case Exit:
		switch {
		case visit+1 < v.Len():
			_, end = v.Entry(visit + 1)
		case excluded:
			end = exclAt
		case d.Outcome != funnel.Open:
			end = d.Closed
		default:
			end, kind = asOf, obsOpen
		}
	case Win, Loss:
		want := funnel.Won
		if a.opts.To.Kind == Loss {
			want = funnel.Lost
		}
		if d.Outcome == want && !excluded {
			end = d.Closed
		} else {
			end, kind = censor()
		}
	default: // Close
		if d.Outcome != funnel.Open && !excluded {
			end = d.Closed
		} else {
			end, kind = censor()
		}
	}
	if end.IsZero() || end.Before(start) {
		a.untimed++
		return
	}
	o := min(secondsBetween(start, end), maxConvertSeconds)<<obsBits | kind
	a.all.obs = append(a.all.obs, o)
	if a.segs != nil {
		g := a.segs.At(attr.Value(d, a.opts.Segment, a.opts.SegmentAt))
		g.obs = append(g.obs, o)
	}
	if a.periods != nil {
		k, ok := a.cache.place(start)
		if !ok {
			a.undatable++
			return
		}
		a.widen(k, k)
		a.dated++
		if a.overflow {
			return
		}
		g := a.periods[k]
		if g == nil {
			g = new(convGroup)
			a.periods[k] = g
		}
		g.obs = append(g.obs, o)
	}
}

// widen extends the span of the periods with durations to lo..hi, and
// drops the period rows once it is more than MaxPeriods.
func (a *Conversion) widen(lo, hi int64) {
	if a.dated == 0 {
		a.lo, a.hi = lo, hi
	} else {
		a.lo, a.hi = min(a.lo, lo), max(a.hi, hi)
	}
	if !a.overflow && a.hi-a.lo+1 > MaxPeriods {
		a.overflow = true
		clear(a.periods)
	}
}

// Merge adds every duration of o, a *Conversion of an equal scan and
// options, to a. o is not modified. It returns an error wrapping
// [funnel.ErrIncompatible] for another kind, scan or options, and one
// wrapping [funnel.ErrInvalidParam] for a nil o or a itself.
func (a *Conversion) Merge(o funnel.Accumulator) error {
	b, err := mergeable[*Conversion](a, o)
	if err != nil {
		return err
	}
	if !a.opts.equal(&b.opts) {
		return fmt.Errorf("trend: merging a conversion of other options: %w", funnel.ErrIncompatible)
	}
	a.in.Merge(&b.in)
	a.notStarted += b.notStarted
	a.untimed += b.untimed
	a.undatable += b.undatable
	mergeGroups(&a.all, &b.all)
	if a.segs != nil {
		a.segs.Merge(b.segs)
	}
	if a.periods == nil {
		return nil
	}
	if b.dated > 0 {
		a.widen(b.lo, b.hi)
		a.dated += b.dated
	}
	if b.overflow && !a.overflow {
		a.overflow = true
		clear(a.periods)
	}
	if a.overflow {
		return nil
	}
	for k, g := range b.periods {
		p := a.periods[k]
		if p == nil {
			p = new(convGroup)
			a.periods[k] = p
		}
		mergeGroups(p, g)
	}
	return nil
}

const conversionVersion = 1

// MarshalBinary encodes the accumulator (see [funnel.Accumulator]):
// deterministic, so that one pass and any merge of parts give the same
// bytes.
func (a *Conversion) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("trend.conversion", conversionVersion)
	sb, err := a.s.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	w.String(string(sb))
	o := &a.opts
	for _, m := range []Milestone{o.From, o.To} {
		w.Int(int(m.Kind))
		w.String(string(m.Stage))
	}
	w.Int(int(o.Visit))
	w.Int(len(o.Percentiles))
	for _, p := range o.Percentiles {
		w.Float(p)
	}
	edges := make([]int64, len(o.Edges))
	for i, e := range o.Edges {
		edges[i] = int64(e)
	}
	w.SortedInts(edges)
	w.String(o.Segment)
	w.Int(int(o.SegmentAt))
	w.Int(o.MaxSegments)
	w.Bool(o.ByPeriod)
	ib, err := a.in.MarshalBinary()
	if err != nil {
		return nil, err
	}
	w.String(string(ib))
	w.Varint(a.notStarted)
	w.Varint(a.untimed)
	w.Varint(a.undatable)
	writeObs(&w, a.all.obs)
	if a.segs != nil {
		keys := a.segs.Keys()
		w.Int(len(keys))
		for _, k := range keys {
			g, _ := a.segs.Get(k)
			w.String(k)
			writeObs(&w, g.obs)
		}
		writeObs(&w, a.segs.Other().obs)
	}
	if a.periods != nil {
		w.Varint(a.dated)
		w.Bool(a.overflow)
		if a.overflow {
			w.Varint(a.lo)
			w.Varint(a.hi)
		} else {
			keys := slices.Sorted(maps.Keys(a.periods))
			w.Int(len(keys))
			for _, k := range keys {
				w.Varint(k)
				writeObs(&w, a.periods[k].obs)
			}
		}
	}
	return w.Bytes(), nil
}

func writeObs(w *wire.Writer, obs []int64) {
	s := slices.Clone(obs)
	slices.Sort(s)
	w.SortedInts(s)
}

// readObs reads observations written by writeObs and checks them.
func readObs(r *wire.Reader) []int64 {
	obs := r.SortedInts()
	if r.Err() != nil {
		return nil
	}
	for _, o := range obs {
		if o < 0 || o&(1<<obsBits-1) > obsOpen {
			r.Fail("bad duration")
			return nil
		}
	}
	return obs
}

// UnmarshalBinary decodes an accumulator written by
// [Conversion.MarshalBinary], replacing a's contents. One built by
// [NewConversion] accepts only an encoding of an equal scan and options
// (an error wrapping [funnel.ErrIncompatible] otherwise); the zero
// Conversion takes the encoded ones. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid encoding.
func (a *Conversion) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("trend.conversion"); r.Err() == nil && v != conversionVersion {
		r.Fail("trend.conversion version %d", v)
	}
	s, err := readScan(r, a.s)
	if err != nil {
		return err
	}
	var o ConvertOptions
	for _, m := range []*Milestone{&o.From, &o.To} {
		m.Kind = MilestoneKind(readEnum(r))
		m.Stage = funnel.Stage(r.String())
	}
	o.Visit = Visit(readEnum(r))
	n := r.Count(8)
	if n > MaxPercentiles {
		r.Fail("%d percentiles", n)
		n = 0
	}
	for range n {
		o.Percentiles = append(o.Percentiles, r.Float())
	}
	for _, e := range r.SortedInts() {
		o.Edges = append(o.Edges, time.Duration(e))
	}
	o.Segment = r.String()
	o.SegmentAt = funnel.ValueAt(readEnum(r))
	o.MaxSegments = r.Int()
	o.ByPeriod = r.Bool()
	if r.Err() != nil {
		return decodeErr(r)
	}
	out, err := NewConversion(s, o)
	if err != nil {
		return fmt.Errorf("trend: %w: %w", funnel.ErrInvalidParam, err)
	}
	if !out.opts.equal(&o) {
		return fmt.Errorf("trend: %w: %w: non-canonical conversion options", funnel.ErrInvalidParam, wire.ErrFormat)
	}
	if a.s != nil && !a.opts.equal(&out.opts) {
		return fmt.Errorf("trend: decoding a conversion of other options: %w", funnel.ErrIncompatible)
	}
	if err := out.in.UnmarshalBinary([]byte(r.String())); err != nil {
		return err
	}
	out.notStarted, out.untimed, out.undatable = r.NonNeg(), r.NonNeg(), r.NonNeg()
	out.all.obs = readObs(r)
	total := int64(len(out.all.obs))
	if r.Err() == nil && total+out.notStarted+out.untimed != out.in.Counted() {
		r.Fail("conversion counts do not add up")
	}
	if out.segs != nil {
		m := r.Count(2)
		if m > out.segs.Max() {
			r.Fail("%d segments", m)
		}
		sum := int64(0)
		prev := ""
		for i := range m {
			k := r.String()
			obs := readObs(r)
			if r.Err() != nil {
				break
			}
			if (i > 0 && k <= prev) || len(obs) == 0 {
				r.Fail("bad segment")
				break
			}
			prev = k
			out.segs.At(k).obs = obs
			sum += int64(len(obs))
		}
		other := readObs(r)
		if r.Err() == nil && len(other) > 0 && m < out.segs.Max() {
			r.Fail("segments folded below the bound")
		}
		out.segs.Other().obs = other
		if r.Err() == nil && sum+int64(len(other)) != total {
			r.Fail("segments do not add up")
		}
	} else if r.Err() == nil && out.undatable > 0 && !o.ByPeriod {
		r.Fail("undatable durations without periods")
	}
	if out.periods != nil {
		out.dated = r.NonNeg()
		out.overflow = r.Bool()
		lo, hi := out.cal.bounds()
		if r.Err() == nil && out.dated+out.undatable != total {
			r.Fail("periods do not add up")
		}
		if out.overflow {
			out.lo, out.hi = r.Varint(), r.Varint()
			if r.Err() == nil && (out.dated < 2 || out.lo < lo || out.hi > hi || out.hi-out.lo+1 <= MaxPeriods) {
				r.Fail("bad period overflow")
			}
		} else {
			m := r.Count(2)
			sum := int64(0)
			for i := range m {
				k := r.Varint()
				obs := readObs(r)
				if r.Err() != nil {
					break
				}
				if (i > 0 && k <= out.hi) || k < lo || k > hi || len(obs) == 0 {
					r.Fail("conversion periods out of order or range")
					break
				}
				if _, ok := out.cal.start(k); !ok {
					r.Fail("conversion period %d has no instant", k)
					break
				}
				if i == 0 {
					out.lo = k
				}
				out.hi = k
				out.periods[k] = &convGroup{obs: obs}
				sum += int64(len(obs))
			}
			if r.Err() == nil && (sum != out.dated || (m > 0 && out.hi-out.lo+1 > MaxPeriods)) {
				r.Fail("conversion periods do not add up")
			}
		}
	}
	return finish(r, a, out)
}

// ties returns the ties of sorted observations.
func convTies(obs []int64) []stat.Tie { return tiesOf(obs, obsBits) }
