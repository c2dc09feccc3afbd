package funnel

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/funnelmetrics/funnel/internal/par"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// maxDims is the largest number of dimensions of one segmentation.
const maxDims = 8

// defaultMaxSegments is the number of segments a segmentation may hold
// when SegmentOptions.MaxSegments is zero.
const defaultMaxSegments = 10_000

// smallViews is the number of deals a segment keeps as compact records
// before it holds a [Tally] of its own. A record takes about 30 to 60
// bytes (a Tally about 5 KB), so a segment of a few deals costs a few
// hundred bytes.
const smallViews = 64

// A ValueAt chooses which value of an attribute a segmentation uses when
// the attribute changed over a deal's life (an owner reassigned, a region
// redrawn), as recorded in the deal's field history (Deal.Changes, see
// [FieldChange]). The zero ValueAt is [AtCurrent].
type ValueAt int8

// The choices of attribute value.
const (
	// AtCurrent uses the value the deal held at the scan's as-of time
	// (its current value when there is none): Deal.Attrs as [Deal.At]
	// gives it.
	AtCurrent ValueAt = iota
	// AtCreation uses the value at the deal's creation time; for a deal
	// whose creation time is unknown, the earliest value recorded (the
	// first change's, or the current value when there is no change).
	AtCreation
	// AtClose uses the value at the deal's close time; for a deal open at
	// the as-of time, or closed at an unknown time, the value at the as-of
	// time.
	AtClose
)

var valueAtNames = [...]string{AtCurrent: "current", AtCreation: "at-creation", AtClose: "at-close"}

func (a ValueAt) valid() bool { return a >= AtCurrent && a <= AtClose }

// String returns "current", "at-creation" or "at-close", or "ValueAt(N)"
// for an invalid value.
func (a ValueAt) String() string { return enumString(a, valueAtNames[:], "ValueAt") }

// MarshalText encodes the choice by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (a ValueAt) MarshalText() ([]byte, error) {
	return enumMarshal(a, valueAtNames[:], "attribute value choice", ErrInvalidParam)
}

// UnmarshalText decodes a name written by [ValueAt.MarshalText].
func (a *ValueAt) UnmarshalText(b []byte) error {
	return enumUnmarshal(a, b, valueAtNames[:], "attribute value choice", ErrInvalidParam)
}

type dimKind int8

const (
	dimAttr    dimKind = iota // an attribute at the as-of time
	dimAttrAt                 // an attribute at creation or close
	dimAmount                 // amount bands
	dimCreated                // creation periods
	dimFunc                   // a function of the caller
)

// A Dim is one dimension of a segmentation: a name for reports and a way
// to give each deal a value in that dimension. The empty value "" means
// unknown: such deals form the dimension's unknown segment. Build one with
// [ByAttr], [ByAttrAt], [ByAmount], [ByCreated] or [ByFunc]; the zero Dim
// is not a valid dimension.
//
// Every dimension reads the deal as the scan hands it over: as it stood at
// the scan's as-of time (see [Options].AsOf).
type Dim struct {
	kind   dimKind
	name   string
	key    string // the attribute's key (dimAttr, dimAttrAt)
	field  int8   // the index of a built-in attribute in attrKeys, or -1
	at     ValueAt
	period Period
	edges  []decimal.Decimal // amount band edges, strictly increasing
	labels []string          // amount band labels
	value  func(d *Deal) string
	order  func(a, b string) int
}

// attrKeys are the built-in attributes, in the order of attrField.
var attrKeys = [...]string{AttrSource, AttrIndustry, AttrOwner, AttrRegion, AttrProduct, AttrCampaign}

// attrField returns attribute key of d: the built-in field of index field,
// or, for field -1, the custom attribute key.
func attrField(d *Deal, key string, field int8) string {
	switch field {
	case 0:
		return d.Attrs.Source
	case 1:
		return d.Attrs.Industry
	case 2:
		return d.Attrs.Owner
	case 3:
		return d.Attrs.Region
	case 4:
		return d.Attrs.Product
	case 5:
		return d.Attrs.Campaign
	}
	return d.Attrs.Custom[key]
}

// ByAttr returns the dimension of an attribute: key is one of the Attr
// constants or a key of Attributes.Custom (see [Attributes.Get]), and a
// deal's value is the attribute as it stood at the scan's as-of time. The
// dimension is named key. It is ByAttrAt(key, AtCurrent).
func ByAttr(key string) Dim {
	return Dim{kind: dimAttr, name: key, key: key, field: int8(slices.Index(attrKeys[:], key))}
}

// ByAttrAt returns the dimension of attribute key with the value chosen by
// at (see [ValueAt]): the value at the deal's creation or close is read
// from the deal's field history, Deal.Changes, by the rule of
// [FieldChange] (the value at T is that of the last change at or before T;
// before the first change, the first change's value). The dimension is
// named key, suffixed with the choice unless it is AtCurrent
// ("owner@at-creation"). It returns an error wrapping [ErrInvalidParam] for
// an invalid at.
func ByAttrAt(key string, at ValueAt) (Dim, error) {
	if !at.valid() {
		return Dim{}, fmt.Errorf("funnel: attribute value choice %d: %w", at, ErrInvalidParam)
	}
	d := ByAttr(key)
	if at != AtCurrent {
		d.kind, d.at, d.name = dimAttrAt, at, key+"@"+at.String()
	}
	return d, nil
}

// ByAmount returns the dimension of amount bands with the given edges,
// which must be strictly increasing. With edges e1 < e2 < ... < ek the
// bands are "< e1", "e1 to < e2", ..., ">= ek": each band holds its lower
// edge. The dimension is named "amount"; reports sorted by key list the
// bands in amount order. It returns an error wrapping [ErrInvalidParam]
// when there are no edges, more than 1000, or they are not strictly
// increasing.
func ByAmount(edges ...decimal.Decimal) (Dim, error) {
	if len(edges) == 0 || len(edges) > 1000 {
		return Dim{}, fmt.Errorf("funnel: %d amount band edges, want 1 to 1000: %w", len(edges), ErrInvalidParam)
	}
	for i := 1; i < len(edges); i++ {
		if edges[i].Cmp(edges[i-1]) <= 0 {
			return Dim{}, fmt.Errorf("funnel: amount band edge %s after %s: %w", edges[i], edges[i-1], ErrInvalidParam)
		}
	}
	edges = slices.Clone(edges)
	labels := make([]string, len(edges)+1)
	labels[0] = "< " + edges[0].String()
	for i := 1; i < len(edges); i++ {
		labels[i] = edges[i-1].String() + " to < " + edges[i].String()
	}
	labels[len(edges)] = ">= " + edges[len(edges)-1].String()
	return Dim{kind: dimAmount, name: "amount", field: -1, edges: edges, labels: labels}, nil
}

// ByCreated returns the dimension of the deal's creation period p, in the
// scan's time zone (Options.Location), labelled as [Period.Label] does:
// 2024-03-05 (day), 2024-W10 (ISO week), 2024-03 (month), 2024-Q1
// (quarter) or 2024 (year). Periods start as [Period.Start] says, also in
// zones whose clock skips midnight. Deals with no creation time are
// unknown. The dimension is named "created " and the period ("created
// quarter"); reports sorted by key list periods in time order (for years 1
// and later). It returns an error wrapping [ErrInvalidParam] for an
// invalid period.
func ByCreated(p Period) (Dim, error) {
	if !p.valid() {
		return Dim{}, fmt.Errorf("funnel: period %d: %w", p, ErrInvalidParam)
	}
	return Dim{kind: dimCreated, name: "created " + p.String(), field: -1, period: p}, nil
}

// ByFunc returns a dimension of the caller's: value gives a deal's value
// ("" for unknown) and order, when not nil, orders the dimension's values
// in reports sorted by key (nil means byte order; the unknown value always
// sorts last). value gets a copy of the deal as of the scan's as-of time,
// whose History, Changes and Attrs.Custom are shared with the caller's
// deal: it must not modify them, and it must be deterministic.
//
// The functions do not travel in the binary encoding: two dimensions of
// the same name made by ByFunc count as the same one when segmentations
// merge or decode, and an encoded segmentation by such a dimension decodes
// only into a [Segments] built with it.
func ByFunc(name string, value func(d *Deal) string, order func(a, b string) int) Dim {
	return Dim{kind: dimFunc, name: name, field: -1, value: value, order: order}
}

// check reports what is wrong with the i-th dimension of a segmentation.
func (d *Dim) check(i int) error {
	switch {
	case (d.kind == dimAttr || d.kind == dimAttrAt) && d.key == "":
		return fmt.Errorf("funnel: segment dimension %d has no attribute key: %w", i, ErrInvalidParam)
	case d.kind == dimFunc && (d.value == nil || d.name == ""):
		return fmt.Errorf("funnel: segment dimension %d (%q) has no name or no value function: %w", i, d.name, ErrInvalidParam)
	}
	return nil
}

// same reports whether d and e give deals the same values: the same kind
// and settings (dimensions made by ByFunc: the same name).
func (d *Dim) same(e *Dim) bool {
	return d.kind == e.kind && d.name == e.name && d.key == e.key && d.at == e.at && d.period == e.period &&
		slices.EqualFunc(d.edges, e.edges, func(a, b decimal.Decimal) bool { return a.Cmp(b) == 0 && a.Exponent() == b.Exponent() })
}

// attrAt returns the value of attribute key of d at the deal's creation
// or close, as [ValueAt] says, by the rule of [Deal.At]: the first change
// recorded after the time cuts the field history; with no cut the value is
// the attribute's in d, else that of the key's last change before the cut,
// or else of its first change after it, or else the attribute's in d.
func attrAt(d *Deal, key string, field int8, at ValueAt) string {
	var t instant
	switch {
	case len(d.Changes) == 0:
		return attrField(d, key, field)
	case at == AtCreation:
		t = instantOf(d.Created)
		if !t.ok { // the earliest value recorded
			for i := range d.Changes {
				if c := &d.Changes[i]; c.Field == FieldAttr && c.Key == key {
					return c.Text
				}
			}
			return attrField(d, key, field)
		}
	case d.Outcome == Open || d.Closed.IsZero():
		return attrField(d, key, field)
	default:
		t = instantOf(d.Closed)
	}
	return attrValueAt(d, key, t, attrField(d, key, field))
}

// SegmentOptions are a segmentation's own settings; how deals are read
// and counted (mode, as-of time, zone, currency, policy, confidence) is
// the [Scan]'s. The zero SegmentOptions have no dimension and are not
// valid.
type SegmentOptions struct {
	// Dims are the dimensions, 1 to 8; a segment is one combination of
	// their values (source x region, owner x product).
	Dims []Dim
	// TopK, when positive, keeps as rows the TopK segments with the most
	// counted deals (ties by key) and folds the others into one "(other)"
	// row, which says how many segments it holds. Segments with an
	// unknown value in any dimension are never folded: they stay as rows
	// of their own. Zero keeps every segment.
	TopK int
	// ByKey orders the rows by key, dimension by dimension (see
	// [ByAmount], [ByCreated] and [ByFunc] for the order of their
	// values; other values in byte order; unknown last), instead of by
	// counted deals, most first, ties by key. The other row is last
	// either way.
	ByKey bool
	// MaxSegments bounds the number of segments held; zero means 10,000.
	// A segmentation whose deals make more segments holds none (the
	// memory stays bounded whatever the input) and its report is an
	// error wrapping [ErrInvalidParam]: folding the segments past the
	// bound as they arrive would make the result depend on the order of
	// the deals and on how a stream was split, and a result that is not
	// exact is not given. With TopK, raise MaxSegments to at least the
	// number of distinct keys; memory is then proportional to the
	// segments held (a few hundred bytes for a segment of a few deals).
	MaxSegments int
	// TestRest, when true, tests each row against the rest of the deals
	// on deal size and time to win as the report is made
	// ([SegmentRow].Rest, [SegmentTests]) and sets
	// [SegmentReport].RestTested. The tests sort every row's won amounts
	// and timed deals, which can cost more than the rest of the report,
	// so they are made only when asked for; otherwise Rest is the zero
	// SegmentTests.
	TestRest bool
}

func (o *SegmentOptions) validate() error {
	switch {
	case len(o.Dims) == 0 || len(o.Dims) > maxDims:
		return fmt.Errorf("funnel: %d segment dimensions, want 1 to %d: %w", len(o.Dims), maxDims, ErrInvalidParam)
	case o.TopK < 0:
		return fmt.Errorf("funnel: negative top-K %d: %w", o.TopK, ErrInvalidParam)
	case o.MaxSegments < 0:
		return fmt.Errorf("funnel: negative maximum of segments %d: %w", o.MaxSegments, ErrInvalidParam)
	}
	for i := range o.Dims {
		if err := o.Dims[i].check(i); err != nil {
			return err
		}
	}
	return nil
}

// same reports whether o and p are the same settings.
func (o *SegmentOptions) same(p *SegmentOptions) bool {
	return o.TopK == p.TopK && o.ByKey == p.ByKey && o.MaxSegments == p.MaxSegments && o.TestRest == p.TestRest &&
		slices.EqualFunc(o.Dims, p.Dims, func(a, b Dim) bool { return a.same(&b) })
}

// segKey identifies a segment: per dimension, the index of its value (0 is
// unknown).
type segKey [maxDims]uint32

// same reports whether k and o have the same first n values (a
// segmentation of n dimensions leaves the others 0), compared one by one:
// the whole array's comparison is a call of memequal.
func (k *segKey) same(o *segKey, n int) bool {
	for i := range n {
		if k[i] != o[i] {
			return false
		}
	}
	return true
}

// absent marks a value not yet indexed.
const absent = ^uint32(0)

// A segment is one combination of dimension values. While it has seen
// fewer than smallViews deals it keeps them as compact records (what a
// Tally reads of each); then it holds a Tally.
type segment struct {
	key   segKey
	t     *Tally
	log   []byte    // the counted deals' records (appendRecord)
	skips []example // the skipped deals, with their position
	recs  int32     // records in log
	fut   int32     // deals created after the as-of time
}

func (g *segment) read() int64 {
	if g.t != nil {
		return g.t.in.read
	}
	return int64(g.recs) + int64(g.fut) + int64(len(g.skips))
}

func (g *segment) counted() int64 {
	if g.t != nil {
		return g.t.in.Counted()
	}
	return int64(g.recs)
}

// A dimTable indexes the values of one dimension.
type dimTable struct {
	vals   []string          // index -> value; index 0 is unknown ("")
	ids    map[string]uint32 // value -> index
	ranges []periodRange32   // creation periods: sorted, disjoint Unix-second ranges
	bands  []bandCache       // amount bands: the cuts of the last exponents seen
}

// periodRange32 maps the Unix seconds [start, end) of a creation period to
// the index of its label.
type periodRange32 struct {
	start, end int64
	id         uint32
}

// bandCache holds, for the exponent of the last amount seen, the smallest
// coefficient at that exponent that reaches each band edge: an amount
// c*10^exp is in band i (0 = below the first edge) when i cuts are <= c.
type bandCache struct {
	exp  int32
	cuts []int64 // nil when an edge does not fit
}

// maxBandExps is the number of exponents whose cuts a dimension keeps.
const maxBandExps = 4

func (t *dimTable) find(v string) (uint32, bool) {
	if v == "" {
		return 0, true
	}
	if len(t.vals) <= 16 {
		// a short scan beats hashing; equal strings often share their
		// bytes, which the comparison checks first
		for i := 1; i < len(t.vals); i++ {
			if t.vals[i] == v {
				return uint32(i), true
			}
		}
		return 0, false
	}
	i, ok := t.ids[v]
	return i, ok
}

// add indexes a new value. The string is kept as the deal gave it: the
// comparisons of find then often end at equal pointers.
func (t *dimTable) add(v string) uint32 {
	i := uint32(len(t.vals))
	t.vals = append(t.vals, v)
	t.ids[v] = i
	return i
}

// segCacheBits is the log2 of the number of slots of the segment cache.
const segCacheBits = 8

// Segments is a segmentation: it breaks the funnel report down by one or
// more dimensions (source, region, owner, product, amount band, creation
// period, or any function of the caller's). Every combination of values
// is a segment with the metrics of a [Tally] of its deals, so every metric
// of [Report] is given per segment ([SegmentReport]); the segments add up
// to the total, whose medians and percentiles come from every segment's
// samples, never from the segments' medians. Segments are compared with
// the rest of the deals, or with each other, by the scan's test of two
// proportions ([SegmentReport.CompareRest]), and ranked by a rate with its
// Wilson interval ([SegmentReport.Rank]); each segment's deal size and
// time to win are tested against the rest's as the report is made
// ([SegmentRow].Rest, [SegmentTests]). This is the breakdown of
// product-analytics tools (Amplitude's and Mixpanel's "breakdown" of a
// funnel by a property) and of CRM win-rate reports by rep or source.
//
// Segments is an [Accumulator]: the scan hands it each deal once, as it
// stood at the as-of time, and it feeds the deal's segment with that same
// view (a deal skipped as invalid, or created after the as-of time, is
// counted in its segment's Input). It merges with another segmentation of
// the same scan and settings, and travels as bytes.
//
// Memory is proportional to what a segment holds: a segment of fewer than
// 64 deals keeps a compact record of each (a few hundred bytes in all for
// a segment of one deal), a larger one a Tally (about 5 KB, plus the
// samples of its deals). The number of segments is bounded by
// SegmentOptions.MaxSegments. Besides the segments' reports, the tests
// against the rest make a report sort every segment's won amounts and
// times to win once, and cost per row about its own deals, plus the
// permutation test's draws where it draws (at most [PermutationMaxWork],
// and a copy of the won amounts).
//
// Segments is not safe for concurrent use: [Scan.Run] gives each
// goroutine its own and merges them. Build one with [NewSegments].
type Segments struct {
	s    *Scan
	opts SegmentOptions // Dims cloned, MaxSegments resolved
	in   Intake
	over bool // more segments than MaxSegments: none are held

	dims  []dimTable
	segs  []segment
	index map[segKey]int32 // index in segs
	cache [1 << segCacheBits]int32
	deal  Deal // the copy handed to ByFunc dimensions
}

// NewSegments returns an empty segmentation of the scan's deals. It
// returns an error wrapping [ErrInvalidParam] for a nil scan, no or more
// than 8 dimensions, an invalid dimension (the zero Dim, a ByFunc
// dimension without a name or a value function), or a negative TopK or
// MaxSegments.
func NewSegments(s *Scan, opts SegmentOptions) (*Segments, error) {
	if s == nil {
		return nil, fmt.Errorf("funnel: segmentation of a nil scan: %w", ErrInvalidParam)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	opts.Dims = slices.Clone(opts.Dims)
	opts.MaxSegments = cmp.Or(opts.MaxSegments, defaultMaxSegments)
	return newSegments(s, opts), nil
}

func newSegments(s *Scan, opts SegmentOptions) *Segments {
	g := &Segments{s: s, opts: opts}
	g.reset()
	return g
}

// reset empties the segments and the value tables.
func (s *Segments) reset() {
	s.segs, s.index, s.cache = nil, make(map[segKey]int32), [1 << segCacheBits]int32{}
	s.dims = make([]dimTable, len(s.opts.Dims))
	for i := range s.dims {
		t := &s.dims[i]
		t.vals, t.ids = []string{""}, map[string]uint32{"": 0}
		for _, l := range s.opts.Dims[i].labels { // amount bands: index = band + 1
			t.add(l)
		}
	}
}

// Scan returns the scan the segmentation was built for (nil for the zero
// Segments).
func (s *Segments) Scan() *Scan {
	if s == nil {
		return nil
	}
	return s.s
}

// Fresh returns an empty segmentation of the same scan and settings.
func (s *Segments) Fresh() Accumulator {
	if s.s == nil {
		return new(Segments)
	}
	return newSegments(s.s, s.opts)
}

// Add validates d and adds it to its segment, as [Scan.Add] does: an
// invalid deal is counted as skipped in its segment and its [*DealError]
// is returned. Once the deals make more segments than
// SegmentOptions.MaxSegments, it returns that error (see [Segments.Report])
// for every deal.
func (s *Segments) Add(d Deal) error {
	if s.s == nil {
		return errZeroSegments
	}
	if err := s.s.Add(d, s); err != nil {
		return err
	}
	return s.err()
}

// errZeroSegments reports the use of a Segments not built by NewSegments
// (nor decoded).
var errZeroSegments = fmt.Errorf("funnel: a segmentation not built by NewSegments: %w", ErrInvalidParam)

func (s *Segments) err() error {
	if s.s == nil {
		return errZeroSegments
	}
	if s.over {
		return fmt.Errorf("funnel: the deals make more than %d segments (SegmentOptions.MaxSegments): %w", s.opts.MaxSegments, ErrInvalidParam)
	}
	return nil
}

// Observe adds one deal handed over by the scan to its segment (see
// [Accumulator]).
func (s *Segments) Observe(v *View) {
	if s.s == nil {
		return
	}
	s.in.Note(v)
	if s.over {
		return
	}
	g := s.segmentOf(v.Deal)
	if g == nil {
		s.overflow()
		return
	}
	if g.t != nil {
		g.t.Observe(v)
		return
	}
	switch {
	case v.Err != nil:
		seq := v.Seq
		if seq < 0 { // what the segment's Tally would number it
			seq = g.read()
		}
		g.skips = append(g.skips, example{seq, *v.Err})
	case v.Future:
		g.fut++
	default:
		g.log = appendRecord(g.log, v)
		g.recs++
	}
	if g.read() >= smallViews {
		s.promote(g)
	}
}

// overflow drops every segment: the segmentation is past its bound.
func (s *Segments) overflow() {
	s.over = true
	s.segs, s.index, s.dims = nil, nil, nil
}

// promote gives a small segment its Tally.
func (s *Segments) promote(g *segment) {
	t := NewTally(s.s)
	s.replay(g, t)
	g.t, g.log, g.skips, g.recs, g.fut = t, nil, nil, 0, 0
}

// replay hands the deals a small segment recorded to t.
func (s *Segments) replay(g *segment, t *Tally) {
	var v View
	v.s = s.s
	for i := range g.skips {
		v.Seq, v.Err = g.skips[i].seq, &g.skips[i].err
		t.Observe(&v)
	}
	v.Seq, v.Err, v.Future = -1, nil, true
	for range g.fut {
		t.Observe(&v)
	}
	v.Future = false
	r := wire.NewReader(g.log)
	for r.Remaining() > 0 {
		readRecord(r, &v, len(s.s.f.stages))
		t.Observe(&v)
	}
}

// segmentOf returns the segment of d, creating it when new, or nil when
// that would make more than MaxSegments segments.
func (s *Segments) segmentOf(d *Deal) *segment {
	var k segKey
	missing := false
	for i := range s.opts.Dims {
		id, ok := s.lookup(i, d)
		k[i] = id
		missing = missing || !ok
	}
	h := uint64(0)
	if !missing {
		for _, id := range k[:len(s.opts.Dims)] {
			h = (h ^ uint64(id)) * 0x9e3779b97f4a7c15
		}
		c := &s.cache[h>>(64-segCacheBits)]
		if j := *c - 1; j >= 0 && s.segs[j].key.same(&k, len(s.opts.Dims)) {
			return &s.segs[j]
		}
		if j, ok := s.index[k]; ok {
			*c = j + 1
			return &s.segs[j]
		}
	}
	if len(s.segs) >= s.opts.MaxSegments {
		return nil
	}
	if missing {
		for i := range s.opts.Dims {
			if k[i] == absent {
				k[i] = s.insert(i, d)
			}
		}
	}
	return s.newSegment(k)
}

func (s *Segments) newSegment(k segKey) *segment {
	j := int32(len(s.segs))
	s.segs = append(s.segs, segment{key: k})
	s.index[k] = j
	return &s.segs[j]
}

// lookup returns the index of d's value in dimension i, and false (with
// absent) when the value is new.
func (s *Segments) lookup(i int, d *Deal) (uint32, bool) {
	dim, t := &s.opts.Dims[i], &s.dims[i]
	var v string
	switch dim.kind {
	case dimAttr:
		v = attrField(d, dim.key, dim.field)
	case dimAttrAt:
		v = attrAt(d, dim.key, dim.field, dim.at)
	case dimAmount:
		return uint32(t.band(dim, d.Amount)) + 1, true
	case dimCreated:
		c := instantOf(d.Created)
		if !c.ok {
			return 0, true
		}
		if id, ok := t.periodID(c.sec); ok {
			return id, true
		}
		cal, p, loc := s.s.opts.Calendar, dim.period, s.s.opts.Location
		id, ok := t.find(cal.Label(p, d.Created, loc))
		if !ok {
			return absent, false
		}
		t.addRange(span{p, cal}, loc, d.Created, id)
		return id, true
	default:
		s.deal = *d
		v = dim.value(&s.deal)
		s.deal = Deal{}
	}
	if id, ok := t.find(v); ok {
		return id, true
	}
	return absent, false
}

// insert indexes d's new value in dimension i.
func (s *Segments) insert(i int, d *Deal) uint32 {
	dim, t := &s.opts.Dims[i], &s.dims[i]
	var v string
	switch dim.kind {
	case dimAttr:
		v = attrField(d, dim.key, dim.field)
	case dimAttrAt:
		v = attrAt(d, dim.key, dim.field, dim.at)
	case dimCreated:
		c, p, loc := s.s.opts.Calendar, dim.period, s.s.opts.Location
		id := t.add(c.Label(p, d.Created, loc))
		t.addRange(span{p, c}, loc, d.Created, id)
		return id
	default:
		s.deal = *d
		v = dim.value(&s.deal)
		s.deal = Deal{}
	}
	return t.add(v)
}

// periodID returns the index of the creation period holding Unix second
// sec, when its range is known.
func (t *dimTable) periodID(sec int64) (uint32, bool) {
	i, j := 0, len(t.ranges)
	for i < j {
		h := int(uint(i+j) >> 1)
		switch r := &t.ranges[h]; {
		case sec < r.start:
			j = h
		case sec >= r.end:
			i = h + 1
		default:
			return r.id, true
		}
	}
	return 0, false
}

// addRange records the range of the period holding created.
func (t *dimTable) addRange(p span, loc *time.Location, created time.Time, id uint32) {
	k := p.keyOf(created, loc)
	start, end := p.keyStart(k, loc).Unix(), p.keyStart(p.nextKey(k), loc).Unix()
	i, _ := slices.BinarySearchFunc(t.ranges, start, func(r periodRange32, s int64) int { return cmp.Compare(r.start, s) })
	if i < len(t.ranges) && t.ranges[i].start == start {
		return
	}
	t.ranges = slices.Insert(t.ranges, i, periodRange32{start, end, id})
}

// band returns the band of amount a: the number of edges at or below it.
func (t *dimTable) band(dim *Dim, a decimal.Decimal) int {
	if a.NumDigits() <= 18 {
		c, exp := a.CoefficientInt64(), a.Exponent()
		j := slices.IndexFunc(t.bands, func(b bandCache) bool { return b.exp == exp })
		if j < 0 {
			if len(t.bands) == maxBandExps {
				t.bands = t.bands[1:]
			}
			t.bands = append(t.bands, bandCuts(dim.edges, exp))
			j = len(t.bands) - 1
		}
		if cuts := t.bands[j].cuts; cuts != nil {
			n, _ := slices.BinarySearchFunc(cuts, c, func(cut, c int64) int {
				if cut <= c {
					return -1
				}
				return 1
			})
			return n
		}
	}
	i, found := slices.BinarySearchFunc(dim.edges, a, decimal.Decimal.Cmp)
	if found {
		i++
	}
	return i
}

// bandCuts returns the cuts of the edges at exponent exp: the smallest
// integer c with c*10^exp >= edge, for each edge; no cuts when one does
// not fit in an int64.
func bandCuts(edges []decimal.Decimal, exp int32) bandCache {
	out := bandCache{exp: exp}
	cuts := make([]int64, len(edges))
	for i, e := range edges {
		c := e.Shift(-exp).Ceil()
		if c.NumDigits() > 18 {
			return out
		}
		cuts[i] = c.IntPart()
	}
	out.cuts = cuts
	return out
}

// Record flags.
const (
	recOutcome = 3 // the outcome, in the low two bits
	recPending = 4
	recCreated = 8
	recClosed  = 16
	recBig     = 32  // the amount's coefficient does not fit in an int64
	recExcl    = 64  // entered an exclusion stage
	recExclAt  = 128 // ... at a recorded time
	recFlags   = recOutcome | recPending | recCreated | recClosed | recBig | recExcl | recExclAt
)

// appendRecord appends the compact record of a counted view to b: what a
// Tally reads of it (outcome, amount, creation time, source, lost reason,
// stage entries, exclusion, stage reach, pending flag). Times are written as seconds from
// the creation time, so records take about 30 to 60 bytes; the bytes
// depend only on the view, so records sort into a canonical order.
func appendRecord(b []byte, v *View) []byte {
	d, p := v.Deal, &v.p
	flags := uint64(d.Outcome)
	if v.pending {
		flags |= recPending
	}
	if p.created.ok {
		flags |= recCreated
	}
	if p.closed.ok {
		flags |= recClosed
	}
	small := d.Amount.NumDigits() <= 18
	if !small {
		flags |= recBig
	}
	if p.excluded {
		flags |= recExcl
		if p.exclAt.ok {
			flags |= recExclAt
		}
	}
	b = binary.AppendUvarint(b, flags)
	b = binary.AppendUvarint(b, v.reached)
	b = binary.AppendUvarint(b, v.entered)
	base := int64(0)
	if p.created.ok {
		base = p.created.sec
		b = binary.AppendVarint(b, base)
		b = binary.AppendUvarint(b, uint64(p.created.nsec))
	}
	if p.closed.ok {
		b = appendInstant(b, p.closed, base)
	}
	if p.excluded && p.exclAt.ok {
		b = appendInstant(b, p.exclAt, base)
	}
	if small {
		b = binary.AppendVarint(b, d.Amount.CoefficientInt64())
	} else {
		c := d.Amount.Coefficient()
		b = binary.AppendVarint(b, int64(c.Sign()))
		b = appendBytes(b, c.Bytes())
	}
	b = binary.AppendVarint(b, int64(d.Amount.Exponent()))
	b = appendBytes(b, []byte(d.Attrs.Source))
	if d.Outcome == Lost {
		b = appendBytes(b, []byte(d.LostReason))
	}
	b = binary.AppendUvarint(b, uint64(len(p.entries)))
	for _, e := range p.entries {
		if !e.at.ok {
			b = binary.AppendUvarint(b, uint64(e.k)<<1)
			continue
		}
		b = binary.AppendUvarint(b, uint64(e.k)<<1|1)
		b = appendInstant(b, e.at, base)
	}
	return b
}

func appendInstant(b []byte, t instant, base int64) []byte {
	b = binary.AppendVarint(b, t.sec-base)
	return binary.AppendUvarint(b, uint64(t.nsec))
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// readRecord reads a record written by appendRecord into v, a counted
// view of a funnel of n stages, and fails r on a record that no valid
// view gives.
func readRecord(r *wire.Reader, v *View, n int) {
	v.Seq, v.Err, v.Future, v.visOK = -1, nil, false, false
	flags := r.Uvarint()
	v.reached, v.entered = r.Uvarint(), r.Uvarint()
	o := Outcome(flags & recOutcome)
	if flags&^recFlags != 0 || !o.valid() || v.reached>>(n+1) != 0 || v.entered>>(n+1) != 0 ||
		(o != Open && flags&recPending != 0) || (o == Open && flags&recClosed != 0) {
		r.Fail("bad segment record")
	}
	v.pending = flags&recPending != 0
	p := &v.p
	p.created, p.closed = instant{}, instant{}
	base := int64(0)
	if flags&recCreated != 0 {
		p.created = readInstant(r, 0)
		base = p.created.sec
	}
	if flags&recClosed != 0 {
		p.closed = readInstant(r, base)
	}
	p.excluded, p.exclAt = flags&recExcl != 0, instant{}
	if flags&recExclAt != 0 {
		if !p.excluded {
			r.Fail("bad segment record")
		}
		p.exclAt = readInstant(r, base)
	}
	var amount decimal.Decimal
	if flags&recBig != 0 {
		c := r.Big()
		amount = decimal.NewFromBigInt(c, readExp(r))
	} else {
		c := r.Varint()
		amount = decimal.New(c, readExp(r))
	}
	source := r.String()
	reason := ""
	if o == Lost {
		reason = r.String()
	}
	m := r.Count(1)
	if m == 0 {
		r.Fail("segment record of %d stage entries", m)
	}
	p.entries = p.entries[:0]
	for range m {
		k := r.Uvarint()
		e := entry{k: int(k >> 1)}
		if k>>1 >= uint64(n) {
			r.Fail("segment record entry of stage %d", k>>1)
		}
		if k&1 != 0 {
			e.at = readInstant(r, base)
		}
		if r.Err() != nil {
			break
		}
		p.entries = append(p.entries, e)
	}
	if r.Err() != nil || amount.Sign() < 0 {
		r.Fail("bad segment record")
		// a harmless view, should the caller go on
		p.entries = append(p.entries[:0], entry{})
		v.reached, v.entered, v.pending, p.created, p.closed = 1, 1, false, instant{}, instant{}
		o, amount, source, reason = Open, decimal.Decimal{}, "", ""
		p.excluded, p.exclAt = false, instant{}
	}
	p.amt = scaledOf(amount)
	v.deal = Deal{Outcome: o, Amount: amount, Created: p.created.time(), LostReason: reason, Attrs: Attributes{Source: source}}
	v.Deal = &v.deal
}

func readInstant(r *wire.Reader, base int64) instant {
	sec := r.Varint() + base
	ns := r.Uvarint()
	if ns >= 1e9 {
		r.Fail("bad nanoseconds")
		return instant{}
	}
	return instant{sec: sec, nsec: int32(ns), ok: true}
}

func readExp(r *wire.Reader) int32 {
	e := r.Varint()
	if e != int64(int32(e)) {
		r.Fail("decimal exponent %d", e)
		return 0
	}
	return int32(e)
}

// Merge adds every deal counted by o, a *Segments of an equal scan and the
// same settings, to s, segment by segment, as if s had been given them
// after its own. o is not modified. It returns an error wrapping
// [ErrIncompatible] if o is not a segmentation of an equal scan with the
// same dimensions, TopK, ByKey and MaxSegments, and one wrapping
// [ErrInvalidParam] for a nil o or s itself. When the merged deals make
// more than MaxSegments segments, s holds none and reports the error (see
// [Segments.Report]).
func (s *Segments) Merge(o Accumulator) error { return s.merge(o, false) }

// take is Merge of an o about to be dropped: its samples are moved rather
// than copied (see [Scan.Run]).
func (s *Segments) take(o Accumulator) error { return s.merge(o, true) }

func (s *Segments) merge(o Accumulator, take bool) error {
	if g, ok := o.(*Segments); s == nil || ok && g == nil {
		return fmt.Errorf("funnel: merging a nil segmentation: %w", ErrInvalidParam)
	}
	if s.s == nil {
		return errZeroSegments
	}
	og, err := mergeable[*Segments](s, o)
	if err != nil {
		return err
	}
	if !s.opts.same(&og.opts) {
		return fmt.Errorf("funnel: merging segmentations of other dimensions or settings: %w", ErrIncompatible)
	}
	s.in.Merge(&og.in)
	switch {
	case s.over:
		return nil
	case og.over:
		s.overflow()
		return nil
	}
	for i := range og.segs {
		src := &og.segs[i]
		var k segKey
		missing := false
		for d := range s.opts.Dims {
			id, ok := s.dims[d].find(og.dims[d].vals[src.key[d]])
			if !ok {
				id, missing = absent, true
			}
			k[d] = id
		}
		var dst *segment
		if j, ok := s.index[k]; ok && !missing {
			dst = &s.segs[j]
		} else {
			if len(s.segs) >= s.opts.MaxSegments {
				s.overflow()
				return nil
			}
			for d := range s.opts.Dims {
				if k[d] == absent {
					k[d] = s.dims[d].add(og.dims[d].vals[src.key[d]])
				}
			}
			dst = s.newSegment(k)
		}
		s.mergeSegment(dst, src, take)
	}
	return nil
}

// mergeSegment adds src's deals to dst, keeping records while the two
// together hold fewer than smallViews deals, as one pass would; with
// take, src's samples are moved rather than copied.
func (s *Segments) mergeSegment(dst, src *segment, take bool) {
	if dst.t == nil && src.t == nil && dst.read()+src.read() < smallViews {
		dst.log = append(dst.log, src.log...)
		dst.skips = append(dst.skips, src.skips...)
		dst.recs += src.recs
		dst.fut += src.fut
		return
	}
	if dst.t == nil {
		s.promote(dst)
	}
	if src.t != nil {
		dst.t.merge(src.t, take) // the scans were found equal
		return
	}
	s.replay(src, dst.t)
}

// into adds g's deals to t.
func (s *Segments) into(g *segment, t *Tally) {
	if g.t != nil {
		t.merge(g.t, false)
		return
	}
	s.replay(g, t)
}

// tally returns the tally of g's deals: its own, or a new one of its
// records.
func (s *Segments) tally(g *segment) *Tally {
	if g.t != nil {
		return g.t
	}
	t := NewTally(s.s)
	s.replay(g, t)
	return t
}

// compareKeys orders keys dimension by dimension, unknown last.
func (s *Segments) compareKeys(a, b segKey) int {
	for i := range s.opts.Dims {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x == 0 || y == 0 {
			return cmp.Compare(y, x)
		}
		dim := &s.opts.Dims[i]
		vx, vy := s.dims[i].vals[x], s.dims[i].vals[y]
		c := 0
		switch dim.kind {
		case dimAmount: // indexes in band order
			c = cmp.Compare(x, y)
		case dimCreated: // labels of one period kind, but for their years' length
			c = cmp.Compare(len(vx), len(vy))
		case dimFunc:
			if dim.order != nil {
				c = dim.order(vx, vy)
			}
		}
		if c = cmp.Or(c, strings.Compare(vx, vy)); c != 0 {
			return c
		}
	}
	return 0
}

// values returns the dimension values of k.
func (s *Segments) values(k segKey) []string {
	out := make([]string, len(s.opts.Dims))
	for i := range out {
		out[i] = s.dims[i].vals[k[i]]
	}
	return out
}

func (k *segKey) unknown(n int) bool { return slices.Contains(k[:n], 0) }

// Report returns the segmented report of the deals added so far: the
// total, and one row per segment ordered as the options say, with the
// segments TopK leaves out folded into a last "(other)" row. It does not
// change what s counts, and the report shares no memory with s. It returns
// an error wrapping [ErrInvalidParam] when the deals made more segments
// than SegmentOptions.MaxSegments: no segment is then held, and no deal
// is reported in part.
func (s *Segments) Report() (SegmentReport, error) {
	if err := s.err(); err != nil {
		return SegmentReport{}, err
	}
	n := len(s.opts.Dims)
	r := SegmentReport{Dims: make([]string, n), Rows: []SegmentRow{},
		Test: Test{Confidence: Confidence(s.s.level), MinSample: s.s.minSample, Method: s.s.opts.Test.Method}}
	for i, d := range s.opts.Dims {
		r.Dims[i] = d.name
	}
	order := make([]int, len(s.segs))
	for i := range order {
		order[i] = i
	}
	byKey := func(a, b int) int { return s.compareKeys(s.segs[a].key, s.segs[b].key) }
	if s.opts.ByKey && s.opts.TopK == 0 {
		slices.SortFunc(order, byKey)
	} else {
		slices.SortFunc(order, func(a, b int) int {
			return cmp.Or(cmp.Compare(s.segs[b].counted(), s.segs[a].counted()), byKey(a, b))
		})
	}
	var kept, folded []int
	known := 0
	for _, i := range order {
		switch {
		case s.opts.TopK == 0 || s.segs[i].key.unknown(n):
			kept = append(kept, i)
		case known < s.opts.TopK:
			kept = append(kept, i)
			known++
		default:
			folded = append(folded, i)
		}
	}
	if s.opts.ByKey {
		slices.SortFunc(kept, byKey)
	}
	// the total, the kept rows and the other row, each its own part, on
	// the workers: the total, the largest, first
	rows := len(kept)
	if len(folded) > 0 {
		r.Rows = make([]SegmentRow, rows+1)
		r.Rows[rows] = SegmentRow{Key: []string{}, Other: true, Folded: len(folded)}
	} else {
		r.Rows = make([]SegmentRow, rows)
	}
	tallies := make([]*Tally, len(r.Rows)) // for the tests against the rest
	par.For(par.Workers(s.s.opts.Workers), 1+len(r.Rows), func(part int) {
		row := part - 1
		switch {
		case part == 0:
			total := NewTally(s.s)
			for i := range s.segs {
				s.into(&s.segs[i], total)
			}
			r.Total = total.Report()
		case row < rows:
			g := &s.segs[kept[row]]
			tallies[row] = s.tally(g)
			r.Rows[row] = SegmentRow{Key: s.values(g.key), Report: tallies[row].Report()}
		default:
			other := NewTally(s.s)
			for _, i := range folded {
				s.into(&s.segs[i], other)
			}
			tallies[row] = other
			r.Rows[row].Report = other.Report()
		}
	})
	r.Input = s.in.Input()
	r.Total.Input = s.in.Input()
	if s.opts.TestRest {
		r.RestTested = s.testRest(&r, tallies)
	}
	return r, nil
}

// ComputeSegments validates and segments deals in one pass and returns
// the segmented report: [NewSegments], [Scan.Run] and [Segments.Report]
// in one call. Invalid deals are handled as the scan's mode says: in
// [Strict] mode the first one stops the computation with its
// [*DealError]; in [Lenient] mode they are counted as skipped in their
// segment. It returns an error wrapping [ErrInvalidParam] for a nil scan
// or stream, invalid options (see [NewSegments]) and deals that make more
// segments than SegmentOptions.MaxSegments.
func ComputeSegments(s *Scan, deals iter.Seq[Deal], opts SegmentOptions) (SegmentReport, error) {
	g, err := NewSegments(s, opts)
	if err != nil {
		return SegmentReport{}, err
	}
	if err := s.Run(deals, g); err != nil {
		return SegmentReport{}, err
	}
	return g.Report()
}

// A SegmentReport is a report broken down by segments: the total over all
// deals, and one row per segment with its own [Report]. The rows add up to
// the total: their Deals, Open, Won and Lost, their Input counts and the
// counts behind every rate sum to the total's. It marshals to JSON in the
// library's one style and decodes back to an equal value; it prints as a
// text table ([SegmentReport.WriteText]).
type SegmentReport struct {
	// Dims are the dimension names.
	Dims []string `json:"dims"`
	// Test is the scan's rule for comparisons, resolved (confidence 0.95
	// and minimum sample 30 when the options left them zero): what
	// CompareRest, Compare and Rank use. In JSON: test, with confidence,
	// min_sample and method.
	Test Test `json:"-"`
	// Input says what the segmentation was given: the deals read,
	// counted, created after AsOf and skipped, over every segment.
	Input Input `json:"input"`
	// Total is the report over every deal: the report [Compute] gives for
	// the same deals and options.
	Total Report `json:"total"`
	// Rows are the segments, ordered as SegmentOptions says: by counted
	// deals, most first, or by key; the other row, if any, is last.
	Rows []SegmentRow `json:"rows"`
	// RestTested reports whether the rows were tested against the rest
	// ([SegmentRow].Rest): SegmentOptions.TestRest was set and the scan
	// keeps every amount and duration.
	RestTested bool `json:"rest_tested"`
}

// A SegmentRow is one segment of a [SegmentReport].
type SegmentRow struct {
	// Key holds the segment's value in each dimension; "" is unknown. The
	// other row has an empty key.
	Key []string `json:"key"`
	// Other marks the row that holds the segments TopK folded, and Folded
	// is their number.
	Other  bool `json:"other"`
	Folded int  `json:"folded"`
	// Report holds every metric of the segment's deals; its Input counts
	// the segment's deals skipped as invalid or created after AsOf too.
	Report Report `json:"report"`
	// Rest compares the segment's deal size and time to win with the
	// rest of the deals, adjusted over the rows (see [SegmentTests]).
	Rest SegmentTests `json:"rest"`
}

// Label returns the key as "v1 x v2", with "(unknown)" for an unknown
// value, or "(other)" for the other row.
func (r SegmentRow) Label() string {
	if r.Other {
		return "(other)"
	}
	parts := make([]string, len(r.Key))
	for i, v := range r.Key {
		parts[i] = cmp.Or(v, "(unknown)")
	}
	return strings.Join(parts, " x ")
}

type testJSON struct {
	Confidence float64 `json:"confidence"`
	MinSample  int64   `json:"min_sample"`
	Method     Method  `json:"method"`
}

type segmentReportAlias SegmentReport

type segmentReportJSON struct {
	segmentReportAlias
	Test testJSON `json:"test"`
}

// MarshalJSON encodes the report in the library's JSON style.
func (r SegmentReport) MarshalJSON() ([]byte, error) {
	o := segmentReportJSON{segmentReportAlias(r), testJSON{float64(r.Test.Confidence), r.Test.MinSample, r.Test.Method}}
	if o.Dims == nil {
		o.Dims = []string{}
	}
	if o.Rows == nil {
		o.Rows = []SegmentRow{}
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a report written by [SegmentReport.MarshalJSON].
func (r *SegmentReport) UnmarshalJSON(b []byte) error {
	var o segmentReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = SegmentReport(o.segmentReportAlias)
	r.Test = Test{Confidence: Confidence(o.Test.Confidence), MinSample: o.Test.MinSample, Method: o.Test.Method}
	return nil
}

// rowRate returns the rate of row i.
func (r *SegmentReport) rowRate(i int, rate func(*Report) Rate) (Ratio, error) {
	if rate == nil {
		return Ratio{}, fmt.Errorf("funnel: nil segment rate: %w", ErrInvalidParam)
	}
	if i < 0 || i >= len(r.Rows) {
		return Ratio{}, fmt.Errorf("funnel: segment row %d of %d: %w", i, len(r.Rows), ErrInvalidParam)
	}
	return rate(&r.Rows[i].Report).Ratio, nil
}

// CompareRest compares row i with the rest of the deals (the total minus
// the row) on the rate that rate picks out of a report, such as
//
//	func(r *funnel.Report) funnel.Rate { return r.WinRate }
//
// with [CompareRates] and the report's Test (the scan's): the two-sided
// test of equal proportions, Newcombe's interval of the difference, and a
// verdict withheld under the minimum sample. The rate's counts must add up
// over disjoint sets of deals, as those of every [Rate] of a [Report] do,
// so that the rest has the total's counts minus the row's. It returns an
// error wrapping [ErrInvalidParam] for a row out of range, a nil rate, or
// the errors of CompareRates.
func (r *SegmentReport) CompareRest(i int, rate func(*Report) Rate) (Comparison, error) {
	a, err := r.rowRate(i, rate)
	if err != nil {
		return Comparison{}, err
	}
	t := rate(&r.Total).Ratio
	return CompareRates(a, Ratio{t.Num - a.Num, t.Den - a.Den}, r.Test)
}

// Compare compares row i with row j on the rate that rate picks out of a
// report (see [SegmentReport.CompareRest]). It returns an error wrapping
// [ErrInvalidParam] for a row out of range, the same row twice, a nil
// rate, or the errors of [CompareRates].
func (r *SegmentReport) Compare(i, j int, rate func(*Report) Rate) (Comparison, error) {
	a, err := r.rowRate(i, rate)
	if err != nil {
		return Comparison{}, err
	}
	b, err := r.rowRate(j, rate)
	if err != nil {
		return Comparison{}, err
	}
	if i == j {
		return Comparison{}, fmt.Errorf("funnel: comparing segment row %d with itself: %w", i, ErrInvalidParam)
	}
	return CompareRates(a, b, r.Test)
}

// A RankRow is one row of a ranking of segments by a rate.
type RankRow struct {
	// Row is the index in SegmentReport.Rows, and Label the row's label
	// ([SegmentRow.Label]).
	Row   int    `json:"row"`
	Label string `json:"label"`
	// Rate is the row's rate with its Wilson interval at the report's
	// confidence.
	Rate Rate `json:"rate"`
	// Rank is 1 for the highest rate; rows of equal rates share a rank
	// (1, 2, 2, 4); 0 for an undefined rate.
	Rank int `json:"rank"`
	// Rest compares the row with the rest of the deals, as
	// [SegmentReport.CompareRest] does, but made together with every other
	// row's: its PAdjusted is the Benjamini-Hochberg adjustment of its
	// PValue over the rows whose comparison is Defined, and its Verdict
	// is on PAdjusted (see [Comparison.PAdjusted]).
	Rest Comparison `json:"rest"`
}

// Rank orders the rows by the rate that rate picks out of a report (see
// [SegmentReport.CompareRest]), highest first, each with its Wilson score
// interval at the report's confidence ([Ratio.Wilson]) and its comparison
// with the rest of the deals. Rates are compared exactly, as fractions;
// equal rates are ordered by their interval's lower bound, higher first
// (the larger sample), then by row, and share a rank. Rows whose rate is
// undefined (0/0) come last with rank 0.
//
// The comparisons with the rest are made at once, one per row, so their
// p-values are adjusted together by Benjamini-Hochberg and the verdicts
// rest on the adjusted ones ([RankRow].Rest): among the rows declared
// higher or lower than the rest, the expected share of false discoveries
// is at most 1 - confidence (for independent or positively dependent
// tests). It returns an error wrapping [ErrInvalidParam] for a nil rate, a
// rate that is not a proportion, or an invalid Test.
func (r *SegmentReport) Rank(rate func(*Report) Rate) ([]RankRow, error) {
	if rate == nil {
		return nil, fmt.Errorf("funnel: nil segment rate: %w", ErrInvalidParam)
	}
	level, minSample, err := r.Test.resolve()
	if err != nil {
		return nil, err
	}
	total := rate(&r.Total).Ratio
	out := make([]RankRow, len(r.Rows))
	var fam stat.Family
	for i := range r.Rows {
		q := rate(&r.Rows[i].Report).Ratio
		rest := Ratio{total.Num - q.Num, total.Den - q.Den}
		if !q.valid() || !rest.valid() {
			return nil, fmt.Errorf("funnel: segment row %d rate %d/%d of %d/%d: %w", i, q.Num, q.Den, total.Num, total.Den, ErrInvalidParam)
		}
		out[i] = RankRow{Row: i, Label: r.Rows[i].Label(), Rate: Rate{q, q.wilson(level)}, Rest: compareRates(q, rest, level, minSample, r.Test.Method)}
		if c := &out[i].Rest; c.Defined {
			fam.Add(c.PValue, func(p float64) { c.adjust(p, level) })
		}
	}
	fam.Adjust()
	slices.SortStableFunc(out, func(a, b RankRow) int {
		if a.Rate.Defined() != b.Rate.Defined() {
			if a.Rate.Defined() {
				return -1
			}
			return 1
		}
		if !a.Rate.Defined() {
			return cmp.Compare(a.Row, b.Row)
		}
		return cmp.Or(-compareRatios(a.Rate.Ratio, b.Rate.Ratio), cmp.Compare(b.Rate.Interval.Lo, a.Rate.Interval.Lo), cmp.Compare(a.Row, b.Row))
	})
	for i := range out {
		switch {
		case !out[i].Rate.Defined():
		case i > 0 && compareRatios(out[i].Rate.Ratio, out[i-1].Rate.Ratio) == 0:
			out[i].Rank = out[i-1].Rank
		default:
			out[i].Rank = i + 1
		}
	}
	return out, nil
}

// compareRatios compares a.Num/a.Den with b.Num/b.Den exactly, for defined
// proportions: by the 128-bit products a.Num*b.Den and b.Num*a.Den.
func compareRatios(a, b Ratio) int {
	h1, l1 := bits.Mul64(uint64(a.Num), uint64(b.Den))
	h2, l2 := bits.Mul64(uint64(b.Num), uint64(a.Den))
	return cmp.Or(cmp.Compare(h1, h2), cmp.Compare(l1, l2))
}

// WriteText writes the segments as a text table: per row the deals, open,
// won and lost counts, the win rate (won / closed) with its Wilson
// interval at the report's confidence, the average and median won deal
// size and the median sales cycle of won deals in days, then the total;
// then per row its tests against the rest ([SegmentTests]): the won
// deals, the ratio of the geometric mean deal sizes with its interval,
// adjusted p-value and verdict, and the timed deals, their wins, the wins
// expected under equal hazards, adjusted p-value and verdict of the time
// to win; then what was left out or skipped. Undefined values print as
// "n/a".
func (r SegmentReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	level := "95"
	if l, err := r.Test.Confidence.Level(); err == nil {
		level = decimal.NewFromFloat(100 * l).Round(1).String()
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tdeals\topen\twon\tlost\twin rate\t%s%% CI\tavg deal\tmedian deal\tmedian cycle days\t\n", strings.Join(r.Dims, " x "), level)
	line := func(label string, p *Report) {
		iv := "n/a"
		if p.WinRate.Interval.Defined {
			iv = fmt.Sprintf("%.1f%%..%.1f%%", 100*p.WinRate.Interval.Lo, 100*p.WinRate.Interval.Hi)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", label, p.Deals, p.Open, p.Won, p.Lost,
			pct(p.WinRate.Ratio), iv, money(p.DealSize.Count, p.DealSize.Mean), money(p.DealSize.Count, p.DealSize.Median),
			fmtDays(p.CycleWon.Count, p.CycleWon.Median))
	}
	for i := range r.Rows {
		label := r.Rows[i].Label()
		if r.Rows[i].Other {
			label = fmt.Sprintf("(other: %d)", r.Rows[i].Folded)
		}
		line(label, &r.Rows[i].Report)
	}
	line("total", &r.Total)
	_ = tw.Flush()
	r.writeRest(ew, level)
	writeInput(ew, r.Input)
	return ew.err
}

const segmentsVersion = 2

// MarshalBinary encodes the segmentation (see [Accumulator]): the scan,
// the settings (a ByFunc dimension by its name), the intake and each
// segment, in key order, as its sorted records or its Tally. The bytes
// depend only on the deals held, not on their order or on how they were
// split and merged.
func (s *Segments) MarshalBinary() ([]byte, error) {
	if s.s == nil {
		return nil, errZeroSegments
	}
	var w wire.Writer
	w.Header("segments", segmentsVersion)
	s.s.encode(&w)
	s.opts.encode(&w)
	s.in.encode(&w)
	w.Bool(s.over)
	if s.over {
		return w.Bytes(), nil
	}
	w.Uvarint(tallyVersion)
	order := make([]int, len(s.segs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return s.compareValues(s.segs[a].key, s.segs[b].key) })
	w.Int(len(order))
	for _, i := range order {
		g := &s.segs[i]
		for d := range s.opts.Dims {
			w.String(s.dims[d].vals[g.key[d]])
		}
		w.Bool(g.t != nil)
		if g.t != nil {
			g.t.encode(&w)
			continue
		}
		w.Varint(int64(g.fut))
		skips := slices.Clone(g.skips)
		slices.SortFunc(skips, compareExamples)
		w.Int(len(skips))
		for _, e := range skips {
			w.Varint(e.seq)
			w.String(e.err.ID)
			w.String(e.err.Field)
			w.String(errText(e.err.Err))
		}
		recs := s.records(g)
		slices.Sort(recs)
		w.Int(len(recs))
		for _, rec := range recs {
			w.String(rec)
		}
	}
	return w.Bytes(), nil
}

// compareValues orders keys by their values, dimension by dimension, in
// byte order: the canonical order of the encoding.
func (s *Segments) compareValues(a, b segKey) int {
	for d := range s.opts.Dims {
		if c := strings.Compare(s.dims[d].vals[a[d]], s.dims[d].vals[b[d]]); c != 0 {
			return c
		}
	}
	return 0
}

// records splits a small segment's log into its records.
func (s *Segments) records(g *segment) []string {
	out := make([]string, 0, g.recs)
	r := wire.NewReader(g.log)
	var v View
	for start := 0; r.Remaining() > 0; {
		readRecord(r, &v, len(s.s.f.stages))
		end := len(g.log) - r.Remaining()
		out = append(out, string(g.log[start:end]))
		start = end
	}
	return out
}

func (o *SegmentOptions) encode(w *wire.Writer) {
	w.Int(len(o.Dims))
	for i := range o.Dims {
		d := &o.Dims[i]
		w.Int(int(d.kind))
		w.String(d.name)
		w.String(d.key)
		w.Int(int(d.at))
		w.Int(int(d.period))
		w.Int(len(d.edges))
		for _, e := range d.edges {
			w.Decimal(e)
		}
	}
	w.Int(o.TopK)
	w.Bool(o.ByKey)
	w.Int(o.MaxSegments)
	w.Bool(o.TestRest)
}

// decodeSegmentOptions reads settings written by SegmentOptions.encode;
// a ByFunc dimension comes back without its functions.
func decodeSegmentOptions(r *wire.Reader) (SegmentOptions, error) {
	var o SegmentOptions
	n := r.Count(6)
	if n < 1 || n > maxDims {
		r.Fail("%d segment dimensions", n)
	}
	for range n {
		kind, name, key := dimKind(r.Int()), r.String(), r.String()
		at, period := ValueAt(r.Int()), Period(r.Int())
		edges := make([]decimal.Decimal, r.Count(3))
		for i := range edges {
			edges[i] = r.Decimal()
		}
		if r.Err() != nil {
			break
		}
		var d Dim
		var err error
		switch kind {
		case dimAttr:
			d = ByAttr(key)
		case dimAttrAt:
			d, err = ByAttrAt(key, at)
		case dimAmount:
			d, err = ByAmount(edges...)
		case dimCreated:
			d, err = ByCreated(period)
		case dimFunc:
			d = ByFunc(name, nil, nil)
		default:
			err = ErrInvalidParam
		}
		spec := Dim{kind: kind, name: name, key: key, at: at, period: period, edges: edges}
		if err != nil || !d.same(&spec) || d.kind != kind {
			r.Fail("bad segment dimension")
			break
		}
		o.Dims = append(o.Dims, d)
	}
	o.TopK, o.ByKey, o.MaxSegments, o.TestRest = r.Int(), r.Bool(), r.Int(), r.Bool()
	if err := r.Err(); err != nil {
		return o, fmt.Errorf("funnel: %w: %w", ErrInvalidParam, err)
	}
	if o.MaxSegments < 1 {
		return o, fmt.Errorf("funnel: %w: %w: maximum of %d segments", ErrInvalidParam, wire.ErrFormat, o.MaxSegments)
	}
	return o, nil
}

// UnmarshalBinary decodes a segmentation written by
// [Segments.MarshalBinary], replacing s's contents. A segmentation built
// by [NewSegments] accepts only an encoding of an equal scan and the same
// settings ([ErrIncompatible] otherwise); the zero Segments takes the
// encoded scan and settings, unless a dimension is made by [ByFunc], whose
// functions do not travel ([ErrIncompatible]). It returns an error
// wrapping [ErrInvalidParam] for an invalid encoding.
func (s *Segments) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("segments"); r.Err() == nil && v != segmentsVersion {
		r.Fail("segments version %d", v)
	}
	if r.Err() != nil {
		return decodeErr(r)
	}
	sc, err := readScan(r, s.s)
	if err != nil {
		return err
	}
	opts, err := decodeSegmentOptions(r)
	if err != nil {
		return err
	}
	if s.s != nil {
		if !s.opts.same(&opts) {
			return fmt.Errorf("funnel: decoding a segmentation of other dimensions or settings: %w", ErrIncompatible)
		}
		opts = s.opts
	} else if slices.ContainsFunc(opts.Dims, func(d Dim) bool { return d.kind == dimFunc }) {
		return fmt.Errorf("funnel: decoding a segmentation by a function of the caller's needs a Segments built with it: %w", ErrIncompatible)
	}
	out := newSegments(sc, opts)
	out.decode(r)
	if err := decodeErr(r); err != nil {
		return err
	}
	*s = *out
	return nil
}

func (s *Segments) decode(r *wire.Reader) {
	s.in.decode(r)
	if s.over = r.Bool(); s.over {
		s.overflow()
		return
	}
	if v := r.Uvarint(); r.Err() == nil && v != tallyVersion {
		r.Fail("tally version %d", v)
	}
	nd, stages := len(s.opts.Dims), len(s.s.f.stages)
	n := r.Count(nd + 1)
	if n > s.opts.MaxSegments {
		r.Fail("%d segments, at most %d", n, s.opts.MaxSegments)
	}
	var read, counted, future, skipped int64
	errs := map[string]error{}
	prev := segKey{}
	for i := range n {
		if r.Err() != nil {
			return
		}
		var k segKey
		for d := range nd {
			v := r.String()
			id, ok := s.dims[d].find(v)
			if !ok {
				if s.opts.Dims[d].kind == dimAmount {
					r.Fail("amount band %q", v)
					return
				}
				id = s.dims[d].add(v)
			}
			k[d] = id
		}
		if i > 0 && s.compareValues(prev, k) >= 0 {
			r.Fail("segments out of order")
			return
		}
		prev = k
		g := s.newSegment(k)
		if r.Bool() {
			g.t = NewTally(s.s)
			g.t.decode(r)
			if r.Err() == nil && g.t.in.read < smallViews {
				r.Fail("segment tally of %d deals", g.t.in.read)
			}
			in := &g.t.in
			read, counted, future, skipped = read+in.read, counted+in.counted, future+in.future, skipped+in.skipped
			continue
		}
		fut := r.NonNeg()
		m := r.Count(4)
		if fut >= smallViews || m >= smallViews {
			r.Fail("small segment of %d deals", fut+int64(m))
			return
		}
		g.fut = int32(fut)
		for range m {
			seq := r.NonNeg()
			id, field, text := r.String(), r.String(), r.String()
			e, ok := errs[text]
			if !ok {
				e = sentinel(text)
				errs[text] = e
			}
			g.skips = append(g.skips, example{seq, DealError{ID: id, Field: field, Err: e}})
		}
		if !slices.IsSortedFunc(g.skips, compareExamples) {
			r.Fail("skipped deals out of order")
		}
		c := r.Count(2)
		if int64(c)+fut+int64(m) >= smallViews {
			r.Fail("small segment of %d deals", int64(c)+fut+int64(m))
			return
		}
		var v View
		last := ""
		for range c {
			rec := r.String()
			if r.Err() != nil {
				return
			}
			if rec < last {
				r.Fail("segment records out of order")
				return
			}
			last = rec
			rr := wire.NewReader([]byte(rec))
			readRecord(rr, &v, stages)
			if err := rr.End(); err != nil {
				r.Fail("bad segment record")
				return
			}
			g.log = append(g.log, rec...)
		}
		g.recs = int32(c)
		read, counted, future, skipped = read+g.read(), counted+int64(c), future+fut, skipped+int64(m)
	}
	if r.Err() == nil && (read != s.in.read || counted != s.in.counted || future != s.in.future || skipped != s.in.skipped) {
		r.Fail("segments do not add up to the deals read")
	}
}
