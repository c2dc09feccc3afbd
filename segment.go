package funnel

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"math"
	"math/big"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
)

// Segmentation
//
// A segmentation breaks a report down by one or more dimensions (source,
// region, rep, product, amount band, creation period, or any key function
// of the caller): every combination of values is a segment with its own
// [Tally], so every metric of [Report] is available per segment. Deals whose
// value is unknown ("") land in an explicit unknown segment; a top-K
// breakdown folds the remaining segments into one "other" row; the
// segments' counts always add up to the total. The total's medians and
// percentiles come from the merged samples of every segment, never from
// the segments' medians (which cannot be merged).
//
// An attribute that changed over a deal's life (an owner reassigned, a
// region redrawn) is segmented by the value the caller chooses
// ([SegmentValueAt]: current, at creation or at close), read from a
// change log ([SegmentAttrHistory]) since a [Deal] holds one value.
//
// Segments are compared with the rest of the deals, or with each other, by
// a test of two proportions ([SegmentCompare]) and ranked by a rate with
// Wilson intervals ([SegmentReport.Rank]).

// SegmentMaxDims is the largest number of dimensions of one segmentation.
const SegmentMaxDims = 8

// ErrSegmentHistory reports an invalid attribute change given to
// [NewSegmentAttrHistory]: no deal ID, no attribute key or no time.
var ErrSegmentHistory = errors.New("funnel: invalid attribute change")

// A SegmentDim is one dimension of a segmentation: a name for reports and
// a function giving a deal's value in that dimension. The empty value ""
// means unknown: such deals form the dimension's unknown segment.
//
// Value must be deterministic and must not modify the deal; it is called
// once per deal added. Order, when not nil, orders the dimension's values in
// reports sorted by key ([SegmentOptions].ByKey); nil means byte order. The
// unknown value always sorts last.
type SegmentDim struct {
	Name  string
	Value func(d *Deal) string
	Order func(a, b string) int
}

// SegmentByAttr returns the dimension of an attribute's current value, as
// held in Deal.Attrs: key is one of the Attr constants or a key of
// Attributes.Custom (see [Attributes.Get]). It is
// SegmentByAttrAt(key, SegmentAtCurrent, nil).
func SegmentByAttr(key string) SegmentDim {
	if i := slices.Index(attrKeys[:], key); i >= 0 {
		return SegmentDim{Name: key, Value: attrValues[i]}
	}
	return SegmentDim{Name: key, Value: func(d *Deal) string { return d.Attrs.Custom[key] }}
}

// The built-in attributes and the functions that read them. A
// SegmentTally recognises these functions and reads the fields directly.
var (
	attrKeys   = [...]string{AttrSource, AttrIndustry, AttrOwner, AttrRegion, AttrProduct, AttrCampaign}
	attrValues = [...]func(d *Deal) string{
		func(d *Deal) string { return d.Attrs.Source },
		func(d *Deal) string { return d.Attrs.Industry },
		func(d *Deal) string { return d.Attrs.Owner },
		func(d *Deal) string { return d.Attrs.Region },
		func(d *Deal) string { return d.Attrs.Product },
		func(d *Deal) string { return d.Attrs.Campaign },
	}
)

// attrField returns the built-in attribute i (an index of attrKeys) of d.
func attrField(d *Deal, i int8) string {
	switch i {
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
	default:
		return d.Attrs.Campaign
	}
}

// A SegmentValueAt chooses which value of an attribute counts when the
// value changed over a deal's life. The zero SegmentValueAt is
// [SegmentAtCurrent].
type SegmentValueAt int8

// The choices of attribute value.
const (
	// SegmentAtCurrent uses the value the deal holds now, in Deal.Attrs.
	SegmentAtCurrent SegmentValueAt = iota
	// SegmentAtCreation uses the value at the deal's creation time.
	SegmentAtCreation
	// SegmentAtClose uses the value at the deal's close time; for an open
	// deal, which has not closed, the current value.
	SegmentAtClose
)

var valueAtNames = [...]string{SegmentAtCurrent: "current", SegmentAtCreation: "at-creation", SegmentAtClose: "at-close"}

func (a SegmentValueAt) valid() bool { return a >= SegmentAtCurrent && a <= SegmentAtClose }

// String returns "current", "at-creation" or "at-close", or
// "SegmentValueAt(N)" for an invalid value.
func (a SegmentValueAt) String() string {
	if a.valid() {
		return valueAtNames[a]
	}
	return "SegmentValueAt(" + strconv.Itoa(int(a)) + ")"
}

// A SegmentAttrChange records that a deal's attribute Key changed from
// From to To at time At, such as the owner moving from one rep to another.
type SegmentAttrChange struct {
	DealID string    `json:"deal_id"`
	Key    string    `json:"key"` // as for [Attributes.Get]
	From   string    `json:"from"`
	To     string    `json:"to"`
	At     time.Time `json:"at"`
}

// A SegmentAttrHistory is a log of attribute changes per deal, the
// attribute history that a [Deal] (which holds one value per attribute)
// cannot carry. Build one with [NewSegmentAttrHistory]; the zero value, like
// a nil pointer, holds no changes. It is immutable and safe for concurrent
// use.
type SegmentAttrHistory struct {
	changes map[histKey][]SegmentAttrChange // sorted by At, stable
}

type histKey struct{ deal, key string }

// NewSegmentAttrHistory returns the history of the given changes, in any
// order; changes of one deal and key at the same time keep their input
// order, the later one counting as the later change. It returns a
// [*DealError] wrapping [ErrSegmentHistory], naming the change's deal and
// its position ("Change[i]"), for a change without a DealID, a Key or a
// time.
func NewSegmentAttrHistory(changes iter.Seq[SegmentAttrChange]) (*SegmentAttrHistory, error) {
	h := &SegmentAttrHistory{changes: make(map[histKey][]SegmentAttrChange)}
	i := 0
	for c := range changes {
		if c.DealID == "" || c.Key == "" || c.At.IsZero() {
			return nil, &DealError{ID: c.DealID, Field: "Change[" + strconv.Itoa(i) + "]", Err: ErrSegmentHistory}
		}
		k := histKey{c.DealID, c.Key}
		h.changes[k] = append(h.changes[k], c)
		i++
	}
	for _, cs := range h.changes {
		slices.SortStableFunc(cs, func(a, b SegmentAttrChange) int { return a.At.Compare(b.At) })
	}
	return h, nil
}

// Value returns the value of attribute key for deal d under the choice at:
//
//   - [SegmentAtCurrent]: d.Attrs.Get(key).
//   - [SegmentAtCreation]: the value at d.Created; [SegmentAtClose]: the
//     value at d.Closed (for an open deal, the current value).
//
// The value at time T is the To of the deal's last change of key at or
// before T, or the From of its first change when every change is later
// than T. A deal with no change of key kept its current value all along.
// When the deal has changes of key but the time T is not recorded (zero),
// the value is unknown ("").
func (h *SegmentAttrHistory) Value(d *Deal, key string, at SegmentValueAt) string {
	var t time.Time
	switch at {
	case SegmentAtCreation:
		t = d.Created
	case SegmentAtClose:
		if d.Outcome == Open {
			return d.Attrs.Get(key)
		}
		t = d.Closed
	default:
		return d.Attrs.Get(key)
	}
	var cs []SegmentAttrChange
	if h != nil {
		cs = h.changes[histKey{d.ID, key}]
	}
	if len(cs) == 0 {
		return d.Attrs.Get(key)
	}
	if t.IsZero() {
		return ""
	}
	// the first change after t
	i, _ := slices.BinarySearchFunc(cs, t, func(c SegmentAttrChange, t time.Time) int {
		if c.At.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return cs[0].From
	}
	return cs[i-1].To
}

// SegmentByAttrAt returns the dimension of attribute key, with the value
// chosen by at from the deal's attribute history h (see
// [SegmentAttrHistory.Value]); a nil h means no recorded changes. The
// dimension is named key, suffixed with the choice unless it is
// SegmentAtCurrent ("owner@at-creation"). It returns an error wrapping
// [ErrInvalidParam] for an invalid at.
func SegmentByAttrAt(key string, at SegmentValueAt, h *SegmentAttrHistory) (SegmentDim, error) {
	if !at.valid() {
		return SegmentDim{}, fmt.Errorf("funnel: attribute value choice %d: %w", at, ErrInvalidParam)
	}
	if at == SegmentAtCurrent {
		return SegmentByAttr(key), nil
	}
	return SegmentDim{Name: key + "@" + at.String(), Value: func(d *Deal) string { return h.Value(d, key, at) }}, nil
}

// SegmentByCreated returns the dimension of the deal's creation period p in
// the time zone loc (nil means UTC), labelled like 2024-03-05 (day),
// 2024-W10 (ISO week), 2024-03 (month), 2024-Q1 (quarter) or 2024 (year).
// Deals with no creation time are unknown. It returns an error wrapping
// [ErrInvalidParam] for an invalid period.
func SegmentByCreated(p Period, loc *time.Location) (SegmentDim, error) {
	if !p.valid() {
		return SegmentDim{}, fmt.Errorf("funnel: period %d: %w", p, ErrInvalidParam)
	}
	if loc == nil {
		loc = time.UTC
	}
	return SegmentDim{
		Name: "created " + p.String(),
		Value: func(d *Deal) string {
			if d.Created.IsZero() {
				return ""
			}
			return p.label(p.Start(d.Created, loc))
		},
		// labels of one period kind sort in time order, but for years
		// before 1000 or after 9999 (different lengths)
		Order: func(a, b string) int { return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b)) },
	}, nil
}

// SegmentByAmount returns the dimension of amount bands with the given
// edges, which must be strictly increasing. With edges e1 < e2 < ... < ek
// the bands are "< e1", "e1 to < e2", ..., ">= ek": each band holds its
// lower edge. It returns an error wrapping [ErrInvalidParam] when there are
// no edges or they are not strictly increasing.
func SegmentByAmount(edges ...decimal.Decimal) (SegmentDim, error) {
	if len(edges) == 0 {
		return SegmentDim{}, fmt.Errorf("funnel: no amount band edges: %w", ErrInvalidParam)
	}
	for i := 1; i < len(edges); i++ {
		if edges[i].Cmp(edges[i-1]) <= 0 {
			return SegmentDim{}, fmt.Errorf("funnel: amount band edge %s after %s: %w", edges[i], edges[i-1], ErrInvalidParam)
		}
	}
	edges = slices.Clone(edges)
	labels := make([]string, len(edges)+1)
	rank := make(map[string]int, len(labels))
	labels[0] = "< " + edges[0].String()
	for i := 1; i < len(edges); i++ {
		labels[i] = edges[i-1].String() + " to < " + edges[i].String()
	}
	labels[len(edges)] = ">= " + edges[len(edges)-1].String()
	for i, l := range labels {
		rank[l] = i
	}
	return SegmentDim{
		Name: "amount",
		Value: func(d *Deal) string {
			i, found := slices.BinarySearchFunc(edges, d.Amount, decimal.Decimal.Cmp)
			if found {
				i++
			}
			return labels[i]
		},
		Order: func(a, b string) int { return cmp.Compare(rank[a], rank[b]) },
	}, nil
}

// SegmentOptions configure a segmentation.
type SegmentOptions struct {
	// Dims are the dimensions, 1 to SegmentMaxDims; a segment is one
	// combination of their values (source x region, rep x product).
	Dims []SegmentDim
	// TopK, when positive, keeps the TopK segments with the most deals
	// (ties by key) and folds the others into one "other" row. Segments
	// with an unknown value in any dimension are never folded: they stay
	// as rows of their own. Zero keeps every segment.
	TopK int
	// ByKey orders the rows by key (dimension by dimension, see
	// SegmentDim.Order) instead of by deals, most first, ties by key. The
	// other row is always last.
	ByKey bool
}

func (o SegmentOptions) validate() error {
	switch {
	case len(o.Dims) == 0 || len(o.Dims) > SegmentMaxDims:
		return fmt.Errorf("funnel: %d segment dimensions, want 1 to %d: %w", len(o.Dims), SegmentMaxDims, ErrInvalidParam)
	case o.TopK < 0:
		return fmt.Errorf("funnel: negative top-K %d: %w", o.TopK, ErrInvalidParam)
	}
	for i, d := range o.Dims {
		if d.Value == nil {
			return fmt.Errorf("funnel: segment dimension %d (%q) has no Value function: %w", i, d.Name, ErrInvalidParam)
		}
	}
	return nil
}

// segCacheBits is the log2 of the number of entries of the segment cache.
const segCacheBits = 8

type segCacheEntry struct {
	key uint64
	idx int32
	ok  bool
}

// segKey identifies a segment: per dimension, the index of its value.
type segKey [SegmentMaxDims]uint32

// A SegmentTally accumulates a segmented report in one pass, with one
// [Tally] per segment: [SegmentTally.Add] adds a deal to its segment's
// tally, [SegmentTally.Merge] merges another segment tally segment by
// segment, and merging the segment tallies of the parts of any split of the
// deals gives exactly the segment tally of the whole.
//
// Memory is that of the segments' tallies: about what one Tally of all the
// deals takes, plus a few kilobytes per segment.
//
// A SegmentTally is not safe for concurrent use: give each goroutine its
// own and Merge them. The zero SegmentTally is not usable; build one with
// [NewSegmentTally].
type SegmentTally struct {
	f    *Funnel
	opts Options
	seg  SegmentOptions
	ids  []map[string]uint32 // per dimension: value -> index
	vals [][]string          // per dimension: index -> value; index 0 is ""
	segs map[segKey]int32    // index in list
	// packed caches segs for keys whose indexes fit in bits bits each
	// (below limit): a faster map
	packed map[uint64]int32
	cache  [1 << segCacheBits]segCacheEntry
	bits   uint
	limit  uint64
	list   []*Tally // the segments' tallies, by creation
	// the first skipped deals' errors over all segments, in input order
	examples []DealError

	// fields, when every dimension is a built-in attribute of
	// SegmentByAttr, holds their indexes in attrKeys
	fields []int8

	// scratch
	scratch scratch
	deal    Deal // the deal being added, held here so that it does not escape; cleared by Report
}

// NewSegmentTally returns an empty segment tally. It returns an error
// wrapping [ErrInvalidParam] for a nil funnel, invalid options, no or too
// many dimensions, a dimension without a Value function or a negative
// TopK.
func NewSegmentTally(f *Funnel, opts Options, seg SegmentOptions) (*SegmentTally, error) {
	if _, err := NewTally(f, opts); err != nil {
		return nil, err
	}
	if err := seg.validate(); err != nil {
		return nil, err
	}
	seg.Dims = slices.Clone(seg.Dims)
	s := &SegmentTally{f: f, opts: opts, seg: seg, segs: make(map[segKey]int32), packed: make(map[uint64]int32)}
	for _, d := range seg.Dims {
		i := slices.IndexFunc(attrValues[:], func(fn func(*Deal) string) bool {
			return reflect.ValueOf(fn).Pointer() == reflect.ValueOf(d.Value).Pointer()
		})
		if i < 0 {
			s.fields = nil
			break
		}
		s.fields = append(s.fields, int8(i))
	}
	s.bits = uint(64 / len(seg.Dims))
	s.limit = 1 << min(s.bits, 32)
	for range seg.Dims {
		s.ids = append(s.ids, map[string]uint32{"": 0})
		s.vals = append(s.vals, []string{""})
	}
	return s, nil
}

// id returns the index of value v of dimension dim, adding it if new.
func (s *SegmentTally) id(dim int, v string) uint32 {
	if v == "" {
		return 0
	}
	vals := s.vals[dim]
	if len(vals) <= 16 {
		// a short scan beats hashing; equal strings often share their
		// bytes, which the comparison checks first
		for i := 1; i < len(vals); i++ {
			if vals[i] == v {
				return uint32(i)
			}
		}
	} else if i, ok := s.ids[dim][v]; ok {
		return i
	}
	i := uint32(len(vals))
	s.ids[dim][v] = i
	s.vals[dim] = append(vals, v)
	return i
}

// tally returns the index in list of the tally of segment k, creating it
// if new.
func (s *SegmentTally) tally(k segKey) int32 {
	i, ok := s.segs[k]
	if !ok {
		t, _ := NewTally(s.f, s.opts) // the options were checked by NewSegmentTally
		i = int32(len(s.list))
		s.segs[k] = i
		s.list = append(s.list, t)
	}
	return i
}

// Add adds d to the tally of its segment, as [Tally.Add] does: an invalid
// deal is counted as skipped in its segment, and its error is returned.
func (s *SegmentTally) Add(d Deal) error { return s.add(&d) }

// add is Add without copying the deal again.
func (s *SegmentTally) add(d *Deal) error {
	// the segment's key, and the key packed in 64 bits when it fits
	var k segKey
	dp := d
	if s.fields != nil {
		// built-in attributes only: read them from d, no function call
		for i, f := range s.fields {
			k[i] = s.id(i, attrField(dp, f))
		}
	} else {
		// the Value functions get a copy held by s, so that d does not
		// escape to the heap
		s.deal = *d
		for i := range s.seg.Dims {
			k[i] = s.id(i, s.seg.Dims[i].Value(&s.deal))
		}
		dp = &s.deal
	}
	var packed uint64
	fits := true
	for i := range s.seg.Dims {
		fits = fits && uint64(k[i]) < s.limit
		packed |= uint64(k[i]) << (s.bits * uint(i))
	}
	var j int32
	if fits {
		// a direct-mapped cache in front of the packed map
		c := &s.cache[(packed*0x9e3779b97f4a7c15)>>(64-segCacheBits)]
		if c.ok && c.key == packed {
			j = c.idx
		} else {
			var ok bool
			if j, ok = s.packed[packed]; !ok {
				j = s.tally(k)
				s.packed[packed] = j
			}
			*c = segCacheEntry{packed, j, true}
		}
	} else {
		j = s.tally(k)
	}
	// one scratch for all the segments stays in the caches
	err := s.list[j].addDeal(dp, &s.scratch)
	if err != nil {
		s.example(err)
	}
	return err
}

// example keeps the error of a skipped deal while there are fewer than
// maxSkipExamples, in input order across all segments.
func (s *SegmentTally) example(err error) {
	var de *DealError
	if errors.As(err, &de) && len(s.examples) < maxSkipExamples {
		s.examples = append(s.examples, *de)
	}
}

// Merge adds every deal counted by o to s, segment by segment. o is not
// modified. It returns an error wrapping [ErrIncompatible] if o was built
// for another funnel, other options, other dimensions (compared by count
// and name) or another TopK or ByKey.
func (s *SegmentTally) Merge(o *SegmentTally) error {
	if !s.f.equal(o.f) || !s.opts.equal(o.opts) || len(s.seg.Dims) != len(o.seg.Dims) ||
		s.seg.TopK != o.seg.TopK || s.seg.ByKey != o.seg.ByKey {
		return fmt.Errorf("funnel: merging segment tallies of different funnels, options or dimensions: %w", ErrIncompatible)
	}
	for i := range s.seg.Dims {
		if s.seg.Dims[i].Name != o.seg.Dims[i].Name {
			return fmt.Errorf("funnel: merging segment tallies of dimensions %q and %q: %w", s.seg.Dims[i].Name, o.seg.Dims[i].Name, ErrIncompatible)
		}
	}
	// merge in o's key order, so that the result does not depend on map
	// iteration order
	for _, e := range o.examples {
		if len(s.examples) == maxSkipExamples {
			break
		}
		s.examples = append(s.examples, e)
	}
	for _, ok := range o.sortedKeys(true) {
		var k segKey
		for i := range s.seg.Dims {
			k[i] = s.id(i, o.vals[i][ok[i]])
		}
		if err := s.list[s.tally(k)].Merge(o.list[o.segs[ok]]); err != nil {
			return err
		}
	}
	return nil
}

// values returns the dimension values of k.
func (s *SegmentTally) values(k segKey) []string {
	v := make([]string, len(s.seg.Dims))
	for i := range v {
		v[i] = s.vals[i][k[i]]
	}
	return v
}

// compareKeys orders keys dimension by dimension, unknown last.
func (s *SegmentTally) compareKeys(a, b segKey) int {
	for i, d := range s.seg.Dims {
		if a[i] == b[i] {
			continue
		}
		if a[i] == 0 || b[i] == 0 { // unknown last
			return cmp.Compare(b[i], a[i])
		}
		va, vb := s.vals[i][a[i]], s.vals[i][b[i]]
		c := 0
		if d.Order != nil {
			c = d.Order(va, vb)
		}
		if c = cmp.Or(c, strings.Compare(va, vb)); c != 0 {
			return c
		}
	}
	return 0
}

// sortedKeys returns the segment keys by key order, or by deals (valid
// and skipped), most first, ties by key order.
func (s *SegmentTally) sortedKeys(byKey bool) []segKey {
	keys := slices.Collect(maps.Keys(s.segs))
	slices.SortFunc(keys, func(a, b segKey) int {
		if !byKey {
			ta, tb := s.list[s.segs[a]], s.list[s.segs[b]]
			if c := cmp.Compare(tb.deals+tb.skipped, ta.deals+ta.skipped); c != 0 {
				return c
			}
		}
		return s.compareKeys(a, b)
	})
	return keys
}

func (k segKey) unknown(n int) bool {
	for _, v := range k[:n] {
		if v == 0 {
			return true
		}
	}
	return false
}

// A SegmentReport is a report broken down by segments: the total over all
// deals, and one row per segment with its own [Report]. The rows add up to
// the total: their Deals, Open, Won, Lost and Skipped.Count sum to the
// total's, and so do the counts behind every rate.
type SegmentReport struct {
	// Dims are the dimension names.
	Dims []string `json:"dims"`
	// Total is the report over every deal (the merge of every segment):
	// the report that [Compute] gives for the same deals.
	Total Report `json:"total"`
	// Rows are the segments, ordered as SegmentOptions says: by deals,
	// most first, or by key; the other row, if any, is last.
	Rows []SegmentRow `json:"rows"`
}

// A SegmentRow is one segment of a [SegmentReport].
type SegmentRow struct {
	// Key holds the segment's value in each dimension; "" is unknown. The
	// other row has no key.
	Key []string `json:"key"`
	// Other marks the row that holds the segments folded by TopK, and
	// Folded is their number.
	Other  bool `json:"other,omitempty"`
	Folded int  `json:"folded,omitempty"`
	// Report holds every metric of the segment's deals.
	Report Report `json:"report"`
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

// Report returns the segmented report of the deals added so far. It does
// not change what s counts.
func (s *SegmentTally) Report() SegmentReport {
	s.deal = Deal{} // keep no reference to the caller's data
	n := len(s.seg.Dims)
	r := SegmentReport{}
	for _, d := range s.seg.Dims {
		r.Dims = append(r.Dims, d.Name)
	}
	var all []*Tally
	for _, k := range s.sortedKeys(true) {
		all = append(all, s.list[s.segs[k]])
	}
	r.Total = s.view(all).Report()
	r.Total.Skipped.Examples = slices.Clone(s.examples)

	keys := s.sortedKeys(s.seg.ByKey)
	if s.seg.TopK > 0 && s.seg.ByKey {
		keys = s.sortedKeys(false)
	}
	var other []*Tally
	kept := 0
	var rowKeys []segKey
	for _, k := range keys {
		if s.seg.TopK > 0 && !k.unknown(n) {
			if kept == s.seg.TopK {
				other = append(other, s.list[s.segs[k]])
				continue
			}
			kept++
		}
		rowKeys = append(rowKeys, k)
	}
	if s.seg.ByKey {
		slices.SortFunc(rowKeys, s.compareKeys)
	}
	for _, k := range rowKeys {
		r.Rows = append(r.Rows, SegmentRow{Key: s.values(k), Report: s.list[s.segs[k]].Report()})
	}
	if other != nil {
		r.Rows = append(r.Rows, SegmentRow{Other: true, Folded: len(other), Report: s.view(other).Report()})
	}
	return r
}

// view returns a tally of the union of parts, for reporting only: it
// shares the parts' kept durations and amounts instead of copying them
// (what [Tally.Merge] does), so it must not be added to or merged into,
// and it is only valid until the parts change. Everything but the kept
// samples is merged by Tally.Merge. The amounts of a money statistic are
// shared only when every part keeps them as integers at one common
// exponent; otherwise they are copied.
func (s *SegmentTally) view(parts []*Tally) *Tally {
	t, _ := NewTally(s.f, s.opts)
	// the parts without their samples, merged by Tally.Merge
	for _, o := range parts {
		c := *o
		c.stages = slices.Clone(o.stages)
		for i := range c.stages {
			st := &c.stages[i]
			st.lost, st.open, st.latest, st.total = MoneyStats{}, MoneyStats{}, DurationStats{}, DurationStats{}
		}
		c.wonAmount, c.lostAmount = MoneyStats{}, MoneyStats{}
		c.cycleWon, c.cycleLost, c.openAge = DurationStats{}, DurationStats{}, DurationStats{}
		_ = t.Merge(&c) // same funnel and options
	}
	money := func(dst *MoneyStats, pick func(*Tally) *MoneyStats) {
		share := true
		var exp int32
		var sum int64
		first := true
		for _, o := range parts {
			m := pick(o)
			if m.n == 0 {
				continue
			}
			var ok bool
			sum, ok = add64(sum, m.sum)
			share = share && m.big == nil && ok && (first || m.exp == exp)
			exp, first = m.exp, false
		}
		for _, o := range parts {
			m := pick(o)
			if !share {
				dst.Merge(m)
				continue
			}
			if m.n > 0 {
				dst.n += m.n
				dst.ints.shareFrom(&m.ints)
			}
		}
		if share {
			dst.sum, dst.exp = sum, exp
		}
	}
	durations := func(dst *DurationStats, pick func(*Tally) *DurationStats) {
		for _, o := range parts {
			d := pick(o)
			dst.samples.shareFrom(&d.samples)
			if d.bigSum == nil {
				dst.addSum(d.sum)
				continue
			}
			if dst.bigSum == nil {
				dst.bigSum = new(big.Int).SetInt64(dst.sum)
			}
			dst.bigSum.Add(dst.bigSum, d.bigSum)
		}
	}
	for i := range t.stages {
		money(&t.stages[i].lost, func(o *Tally) *MoneyStats { return &o.stages[i].lost })
		money(&t.stages[i].open, func(o *Tally) *MoneyStats { return &o.stages[i].open })
		durations(&t.stages[i].latest, func(o *Tally) *DurationStats { return &o.stages[i].latest })
		durations(&t.stages[i].total, func(o *Tally) *DurationStats { return &o.stages[i].total })
	}
	money(&t.wonAmount, func(o *Tally) *MoneyStats { return &o.wonAmount })
	money(&t.lostAmount, func(o *Tally) *MoneyStats { return &o.lostAmount })
	durations(&t.cycleWon, func(o *Tally) *DurationStats { return &o.cycleWon })
	durations(&t.cycleLost, func(o *Tally) *DurationStats { return &o.cycleLost })
	durations(&t.openAge, func(o *Tally) *DurationStats { return &o.openAge })
	return t
}

// ComputeSegments validates and tallies deals in one pass, one [Tally]
// per segment, and returns the segmented report. Invalid deals are handled
// as in [Compute]: in [Strict] mode the first one stops the computation
// with its [*DealError]; in [Lenient] mode they are counted as skipped in
// their segment. It returns an error wrapping [ErrInvalidParam] for invalid
// options (see [NewSegmentTally]).
func ComputeSegments(f *Funnel, deals iter.Seq[Deal], opts Options, seg SegmentOptions) (SegmentReport, error) {
	s, err := NewSegmentTally(f, opts, seg)
	if err != nil {
		return SegmentReport{}, err
	}
	for d := range deals {
		if err := s.add(&d); err != nil && opts.Mode == Strict {
			return SegmentReport{}, err
		}
	}
	return s.Report(), nil
}

// WriteText writes the segments as a text table: per row the deals, open,
// won and lost counts, the win rate (won / closed) with its 95% Wilson
// interval, the average and median won deal size and the median sales
// cycle of won deals in days, then the total. Undefined values print as
// "n/a".
func (r SegmentReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tdeals\topen\twon\tlost\twin rate\t95%% CI\tavg deal\tmedian deal\tmedian cycle days\t\n", strings.Join(r.Dims, " x "))
	line := func(label string, p *Report) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", label, p.Deals, p.Open, p.Won, p.Lost,
			pct(p.WinRate), ci(p.WinRate), money(p.DealSize.Count, p.DealSize.Mean), money(p.DealSize.Count, p.DealSize.Median),
			fmtDays(p.CycleWon.Count, p.CycleWon.Median))
	}
	for i := range r.Rows {
		line(r.Rows[i].Label(), &r.Rows[i].Report)
	}
	line("total", &r.Total)
	_ = tw.Flush()
	return ew.err
}

func ci(r Ratio) string {
	lo, hi, ok := r.Wilson(0.95)
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.1f%%..%.1f%%", 100*lo, 100*hi)
}

// A SegmentRate picks a count-based rate out of a report, for comparing
// and ranking segments. The rate's counts must add up over disjoint sets
// of deals, as every [Ratio] of a [Report] does, so that the rest of the
// deals has the total's counts minus the segment's.
type SegmentRate func(r *Report) Ratio

// SegmentWinRate picks the win rate on the closed basis, W / (W + L).
func SegmentWinRate(r *Report) Ratio { return r.WinRate }

// SegmentWinRateCreated picks the win rate on the created basis, W / deals.
func SegmentWinRateCreated(r *Report) Ratio { return r.WinRateCreated }

// SegmentStep returns the rate picking the step conversion into funnel row
// k (k = 1 .. number of stages; the last row is the won outcome): of the
// deals that reached row k-1, those that reached row k. Row 0 and rows out
// of range give an undefined rate.
func SegmentStep(k int) SegmentRate {
	return func(r *Report) Ratio {
		if k < 1 || k >= len(r.Funnel) {
			return Ratio{}
		}
		return r.Funnel[k].Step
	}
}

// A SegmentMethod is the test used to compare two rates. The zero
// SegmentMethod is [SegmentAuto].
type SegmentMethod int8

// The comparison tests.
const (
	// SegmentAuto uses Fisher's exact test when any expected count of the
	// 2x2 table (n_i p and n_i (1-p), with p the pooled rate) is below 5,
	// and the two-proportion z-test otherwise (Cochran's rule).
	SegmentAuto SegmentMethod = iota
	// SegmentZTest is the two-sided two-proportion z-test with the pooled
	// rate (Amplitude's segment comparison uses a two-tailed test).
	SegmentZTest
	// SegmentFisher is Fisher's exact test, two-sided: the hypergeometric
	// law of the 2x2 table with fixed margins (Fisher, "Statistical
	// Methods for Research Workers", 1934; Mixpanel compares segments
	// with a hypergeometric test). Its time grows linearly with the
	// smaller margin of the table.
	SegmentFisher
)

var methodNames = [...]string{SegmentAuto: "auto", SegmentZTest: "z-test", SegmentFisher: "fisher"}

func (m SegmentMethod) valid() bool { return m >= SegmentAuto && m <= SegmentFisher }

// String returns "auto", "z-test" or "fisher", or "SegmentMethod(N)" for
// an invalid value.
func (m SegmentMethod) String() string {
	if m.valid() {
		return methodNames[m]
	}
	return "SegmentMethod(" + strconv.Itoa(int(m)) + ")"
}

// MarshalText encodes the method by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (m SegmentMethod) MarshalText() ([]byte, error) {
	if !m.valid() {
		return nil, fmt.Errorf("funnel: segment method %d: %w", int(m), ErrInvalidParam)
	}
	return []byte(methodNames[m]), nil
}

// A SegmentVerdict is the outcome of a comparison. The zero SegmentVerdict
// is [SegmentWithheld].
type SegmentVerdict int8

// The verdicts.
const (
	// SegmentWithheld: a side has fewer than the minimum sample, or no
	// observations; no verdict is given.
	SegmentWithheld SegmentVerdict = iota
	// SegmentNoDifference: the p-value is not below 1 - confidence.
	SegmentNoDifference
	// SegmentHigher: the first rate is significantly higher.
	SegmentHigher
	// SegmentLower: the first rate is significantly lower.
	SegmentLower
)

var verdictNames = [...]string{SegmentWithheld: "withheld", SegmentNoDifference: "no difference", SegmentHigher: "higher", SegmentLower: "lower"}

func (v SegmentVerdict) valid() bool { return v >= SegmentWithheld && v <= SegmentLower }

// String returns "withheld", "no difference", "higher" or "lower", or
// "SegmentVerdict(N)" for an invalid value.
func (v SegmentVerdict) String() string {
	if v.valid() {
		return verdictNames[v]
	}
	return "SegmentVerdict(" + strconv.Itoa(int(v)) + ")"
}

// MarshalText encodes the verdict by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (v SegmentVerdict) MarshalText() ([]byte, error) {
	if !v.valid() {
		return nil, fmt.Errorf("funnel: segment verdict %d: %w", int(v), ErrInvalidParam)
	}
	return []byte(verdictNames[v]), nil
}

// SegmentTestOptions configure a comparison. The zero SegmentTestOptions
// are valid: 95% confidence, a minimum sample of 30 per side, automatic
// choice of test.
type SegmentTestOptions struct {
	// Confidence is the confidence level of the interval, and 1 -
	// Confidence the significance level of the verdict; zero means 0.95.
	Confidence float64
	// MinSample is the fewest observations (denominator) each side needs
	// for a verdict (Mixpanel hides results under 30 samples, Amplitude
	// wants n > 30); zero means 30. The
	// p-value and interval are reported whatever the sample.
	MinSample int64
	// Method chooses the test.
	Method SegmentMethod
}

// A SegmentComparison compares rate A (a segment) with rate B (the rest of
// the deals, or another segment).
type SegmentComparison struct {
	A, B Ratio
	// Defined reports whether both rates have observations; when false,
	// no other field but A, B and Verdict (withheld) is set.
	Defined bool
	// Diff is pA - pB.
	Diff float64
	// Lo and Hi bound Diff at the confidence level: Newcombe's hybrid
	// score interval (Newcombe 1998, "Interval estimation for the
	// difference between independent proportions", Statistics in Medicine
	// 17, method 10), built from the two Wilson intervals:
	// Lo = Diff - sqrt((pA-lA)² + (uB-pB)²), Hi = Diff + sqrt((uA-pA)² +
	// (pB-lB)²). It stays inside [-1, 1].
	Lo, Hi float64
	// Method is the test used: SegmentZTest or SegmentFisher.
	Method SegmentMethod
	// Z is the z statistic of the two-proportion z-test, (pA - pB) /
	// sqrt(p(1-p)(1/nA + 1/nB)) with the pooled rate p; 0 for Fisher's
	// test, and 0 when p is 0 or 1 (both rates equal).
	Z float64
	// PValue is the two-sided p-value: erfc(|Z|/sqrt 2) for the z-test;
	// for Fisher's test, the total hypergeometric probability of the
	// tables (with the observed margins) no more likely than the observed
	// one (as R's fisher.test, relative tolerance 1e-7).
	PValue float64
	// Verdict is withheld when a side has fewer than MinSample
	// observations; otherwise higher or lower when PValue < 1 -
	// Confidence, no difference when not.
	Verdict SegmentVerdict
}

// SegmentCompare compares two rates a and b over disjoint sets of deals
// with a two-sided test of equal proportions (see [SegmentComparison]).
// It returns an error wrapping [ErrInvalidParam] for a rate with a negative
// count or Num above Den, a confidence outside (0, 1), a negative
// MinSample or an invalid Method.
func SegmentCompare(a, b Ratio, opts SegmentTestOptions) (SegmentComparison, error) {
	for _, r := range []Ratio{a, b} {
		if r.Num < 0 || r.Den < 0 || r.Num > r.Den {
			return SegmentComparison{}, fmt.Errorf("funnel: rate %d/%d: %w", r.Num, r.Den, ErrInvalidParam)
		}
	}
	conf := opts.Confidence
	if conf == 0 {
		conf = 0.95
	}
	if _, err := zScore(conf); err != nil {
		return SegmentComparison{}, err
	}
	minSample := opts.MinSample
	if minSample == 0 {
		minSample = 30
	}
	if minSample < 0 || !opts.Method.valid() {
		return SegmentComparison{}, fmt.Errorf("funnel: minimum sample %d, method %d: %w", opts.MinSample, opts.Method, ErrInvalidParam)
	}
	c := SegmentComparison{A: a, B: b}
	if a.Den == 0 || b.Den == 0 {
		return c, nil
	}
	c.Defined = true
	pa, pb := float64(a.Num)/float64(a.Den), float64(b.Num)/float64(b.Den)
	c.Diff = pa - pb
	la, ua, _ := a.Wilson(conf)
	lb, ub, _ := b.Wilson(conf)
	c.Lo = max(-1, c.Diff-math.Hypot(pa-la, ub-pb))
	c.Hi = min(1, c.Diff+math.Hypot(ua-pa, pb-lb))

	// 2x2 table: successes and failures per side
	na, nb := float64(a.Den), float64(b.Den)
	pooled := float64(a.Num+b.Num) / (na + nb)
	method := opts.Method
	if method == SegmentAuto {
		method = SegmentZTest
		if min(na, nb)*min(pooled, 1-pooled) < 5 {
			method = SegmentFisher
		}
	}
	c.Method = method
	if method == SegmentFisher {
		c.PValue = fisherTwoSided(a.Num, a.Den-a.Num, b.Num, b.Den-b.Num)
	} else {
		se := math.Sqrt(pooled * (1 - pooled) * (1/na + 1/nb))
		c.PValue = 1
		if se > 0 {
			c.Z = c.Diff / se
			c.PValue = math.Erfc(math.Abs(c.Z) / math.Sqrt2)
		}
	}
	switch {
	case a.Den < minSample || b.Den < minSample:
		c.Verdict = SegmentWithheld
	case c.PValue >= 1-conf || c.Diff == 0:
		c.Verdict = SegmentNoDifference
	case c.Diff > 0:
		c.Verdict = SegmentHigher
	default:
		c.Verdict = SegmentLower
	}
	return c, nil
}

// fisherTwoSided returns the two-sided p-value of Fisher's exact test for
// the table [[x1, f1], [x2, f2]] (successes and failures per row): with the
// margins fixed, the successes of row 1 follow the hypergeometric law
// P(x) = C(n1, x) C(n2, m-x) / C(n1+n2, m), and the p-value sums P(x) over
// the x with P(x) <= P(x1) (1 + 1e-7).
func fisherTwoSided(x1, f1, x2, f2 int64) float64 {
	n1, n2, m := x1+f1, x2+f2, x1+x2
	lo, hi := max(0, m-n2), min(n1, m)
	logP := func(x int64) float64 { return lchoose(n1, x) + lchoose(n2, m-x) }
	obs := logP(x1)
	limit := obs + math.Log1p(1e-7)
	// sum relative to the most likely table to avoid underflow
	mode := obs
	for x := lo; x <= hi; x++ {
		mode = max(mode, logP(x))
	}
	var num, den float64
	for x := lo; x <= hi; x++ {
		lp := logP(x)
		e := math.Exp(lp - mode)
		den += e
		if lp <= limit {
			num += e
		}
	}
	return min(1, num/den)
}

// lchoose returns log C(n, k) for 0 <= k <= n.
func lchoose(n, k int64) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// rowRate returns the rate of row i, or an error for a bad index or nil
// rate.
func (r *SegmentReport) rowRate(i int, rate SegmentRate) (Ratio, error) {
	if rate == nil {
		return Ratio{}, fmt.Errorf("funnel: nil segment rate: %w", ErrInvalidParam)
	}
	if i < 0 || i >= len(r.Rows) {
		return Ratio{}, fmt.Errorf("funnel: segment row %d of %d: %w", i, len(r.Rows), ErrInvalidParam)
	}
	return rate(&r.Rows[i].Report), nil
}

// CompareRest compares row i with the rest of the deals (the total minus
// the row) on the given rate; see [SegmentCompare]. It returns an error
// wrapping [ErrInvalidParam] for a row out of range, a nil rate, or the
// errors of SegmentCompare.
func (r *SegmentReport) CompareRest(i int, rate SegmentRate, opts SegmentTestOptions) (SegmentComparison, error) {
	a, err := r.rowRate(i, rate)
	if err != nil {
		return SegmentComparison{}, err
	}
	t := rate(&r.Total)
	return SegmentCompare(a, Ratio{t.Num - a.Num, t.Den - a.Den}, opts)
}

// Compare compares row i with row j on the given rate; see
// [SegmentCompare]. It returns an error wrapping [ErrInvalidParam] for a
// row out of range, the same row twice, a nil rate, or the errors of
// SegmentCompare.
func (r *SegmentReport) Compare(i, j int, rate SegmentRate, opts SegmentTestOptions) (SegmentComparison, error) {
	a, err := r.rowRate(i, rate)
	if err != nil {
		return SegmentComparison{}, err
	}
	b, err := r.rowRate(j, rate)
	if err != nil {
		return SegmentComparison{}, err
	}
	if i == j {
		return SegmentComparison{}, fmt.Errorf("funnel: comparing segment row %d with itself: %w", i, ErrInvalidParam)
	}
	return SegmentCompare(a, b, opts)
}

// A SegmentRank is one row of a ranking of segments by a rate.
type SegmentRank struct {
	Row   int    // index in SegmentReport.Rows
	Label string // the row's label ([SegmentRow.Label])
	Rate  Ratio  // the row's rate
	// Lo and Hi are the Wilson score interval of the rate; both 0 when
	// the rate is undefined.
	Lo, Hi float64
	Rank   int // 1 for the highest rate; 0 when undefined
}

// Rank orders the rows by the given rate, highest first, each with its
// Wilson score interval at the given confidence (see [Ratio.Wilson]). Rates
// are compared exactly (as fractions); equal rates are ordered by the
// interval's lower bound, higher first (the larger sample), then by row,
// and share a rank (1, 2, 2, 4). Rows whose rate is undefined (0/0) come
// last with rank 0. It returns an error wrapping [ErrInvalidParam] for a
// nil rate or a confidence outside (0, 1).
func (r *SegmentReport) Rank(rate SegmentRate, confidence float64) ([]SegmentRank, error) {
	if rate == nil {
		return nil, fmt.Errorf("funnel: nil segment rate: %w", ErrInvalidParam)
	}
	if _, err := zScore(confidence); err != nil {
		return nil, err
	}
	out := make([]SegmentRank, len(r.Rows))
	for i := range r.Rows {
		q := rate(&r.Rows[i].Report)
		out[i] = SegmentRank{Row: i, Label: r.Rows[i].Label(), Rate: q}
		out[i].Lo, out[i].Hi, _ = q.Wilson(confidence)
	}
	slices.SortStableFunc(out, func(a, b SegmentRank) int {
		if a.Rate.Defined() != b.Rate.Defined() {
			if a.Rate.Defined() {
				return -1
			}
			return 1
		}
		return cmp.Or(-compareRatios(a.Rate, b.Rate), cmp.Compare(b.Lo, a.Lo), cmp.Compare(a.Row, b.Row))
	})
	for i := range out {
		switch {
		case !out[i].Rate.Defined():
		case i > 0 && compareRatios(out[i].Rate, out[i-1].Rate) == 0:
			out[i].Rank = out[i-1].Rank
		default:
			out[i].Rank = i + 1
		}
	}
	return out, nil
}

// compareRatios compares a.Num/a.Den with b.Num/b.Den exactly, for
// defined ratios with non-negative counts.
func compareRatios(a, b Ratio) int {
	h1, l1 := bits.Mul64(uint64(a.Num), uint64(b.Den))
	h2, l2 := bits.Mul64(uint64(b.Num), uint64(a.Den))
	return cmp.Or(cmp.Compare(h1, h2), cmp.Compare(l1, l2))
}
