// Package drivers finds what goes with converting at one step of a sales
// funnel, and with stalling in its stage: for every attribute value of the
// deals (source, industry, owner, region, product, campaign and custom
// attributes; and pairs of values, when asked), the odds ratio of
// converting (or stalling) for the deals with that value against the rest,
// with Woolf's interval, the counts behind it, the two-proportion test of
// the library ([funnel.CompareRates]) and its p-value adjusted by
// Benjamini-Hochberg over every value tested, ranked. Amplitude calls this
// conversion drivers; PostHog correlation analysis.
//
// An odds ratio is an association, not a cause: a value that goes with
// converting may stand for another one (the owner of the large accounts,
// the product of one region); the pairs show some of that.
//
// A [Drivers] is a [funnel.Accumulator] over the deals of one
// [funnel.Scan]: it sees each deal once, as it stood at the scan's as-of
// time, runs in the same pass as the other analyses ([funnel.Scan.Run]),
// merges and travels as bytes. Its memory is bounded whatever the data:
// at most Options.MaxKeys custom keys, MaxValues values per key and
// MaxPairs value pairs per pair of keys are kept; the rest are folded
// into "(other)" features or counted as not analysed, and the report says
// so.
package drivers

import (
	"encoding/binary"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/attr"
	"github.com/funnelmetrics/funnel/internal/capped"
	"github.com/funnelmetrics/funnel/internal/onepass"
)

// The bounds of the options.
const (
	// DefaultMaxKeys is the number of custom keys analysed when
	// Options.MaxKeys is zero.
	DefaultMaxKeys = 20
	// DefaultMaxValues is the number of values kept per key when
	// Options.MaxValues is zero.
	DefaultMaxValues = 50
	// DefaultMaxPairs is the number of value pairs kept per pair of keys
	// when Options.MaxPairs is zero.
	DefaultMaxPairs = 100
	// MaxKeysLimit, MaxValuesLimit and MaxPairsLimit bound the options.
	MaxKeysLimit   = 200
	MaxValuesLimit = 10_000
	MaxPairsLimit  = 10_000
	// MaxExplicitKeys bounds Options.Keys.
	MaxExplicitKeys = 64
)

// builtinKeys are the attribute keys of funnel.Attributes' own fields.
var builtinKeys = []string{funnel.AttrCampaign, funnel.AttrIndustry, funnel.AttrOwner, funnel.AttrProduct, funnel.AttrRegion, funnel.AttrSource}

func isBuiltin(k string) bool { return attr.Builtin(k) }

// Options are the settings of a [Drivers] of its own.
type Options struct {
	// Stage is the stage the step starts from; the step ends at the next
	// stage of the funnel, or at the won outcome when Stage is the last
	// stage or ToWon is set. A deal is in the step when it reached Stage
	// (under the scan's policy and window), and it converted when it
	// reached the step's end.
	Stage funnel.Stage
	ToWon bool
	// Stall, when positive, adds the stalling analysis: of the deals open
	// in Stage at the scan's as-of time (which it needs; a deal that
	// entered an exclusion stage is not), those that have been in it
	// longer than Stall since they last entered it.
	Stall time.Duration
	// ValueAt says which value of each attribute a deal has: as of the
	// scan (the zero value), at its creation or at its close, by the rule
	// of the funnel package's segmentations (see [funnel.ValueAt]).
	ValueAt funnel.ValueAt
	// Keys, when given, are the attribute keys analysed (built-in names
	// such as funnel.AttrOwner, or custom keys; at most MaxExplicitKeys).
	// Nil means the six built-in attributes and the custom ones, at most
	// MaxKeys of them: the keys first in byte order; the values of the
	// others are counted as not analysed.
	Keys []string
	// MaxKeys bounds the custom keys analysed when Keys is nil (zero means
	// DefaultMaxKeys, at most MaxKeysLimit).
	MaxKeys int
	// MaxValues bounds the values kept per key (zero means
	// DefaultMaxValues, at most MaxValuesLimit): the values first in byte
	// order; the deals with the others make the key's "(other)" feature.
	MaxValues int
	// Pairs adds every pair of values of two keys (owner=ana and
	// product=Pro) as a feature; MaxPairs bounds the value pairs kept per
	// pair of keys (zero means DefaultMaxPairs, at most MaxPairsLimit),
	// the others making the key pair's "(other)" feature.
	Pairs    bool
	MaxPairs int
}

func (o *Options) equal(p *Options) bool {
	return o.Stage == p.Stage && o.ToWon == p.ToWon && o.Stall == p.Stall && o.ValueAt == p.ValueAt &&
		slices.Equal(o.Keys, p.Keys) && o.MaxKeys == p.MaxKeys && o.MaxValues == p.MaxValues &&
		o.Pairs == p.Pairs && o.MaxPairs == p.MaxPairs
}

// counts are the deals with one feature in each table.
type counts struct {
	conv, notConv, stall, notStall int64
}

func (c *counts) add(o *counts) {
	c.conv += o.conv
	c.notConv += o.notConv
	c.stall += o.stall
	c.notStall += o.notStall
}

func mergeCounts(dst, src *counts) { dst.add(src) }

// keyData holds one key's values; the Other entry of the keys (values
// nil) sums the counts of the keys not analysed.
type keyData struct {
	name    string
	values  *capped.Map[counts]
	dropped counts
}

func (k *keyData) total() counts {
	t := k.dropped
	if k.values != nil {
		for _, v := range k.values.Keys() {
			c, _ := k.values.Get(v)
			t.add(c)
		}
		t.add(k.values.Other())
	}
	return t
}

// A Drivers accumulates, for one step of the funnel and its stage, the
// deals that converted (and stalled) per attribute value and pair of
// values: the [funnel.Accumulator] behind [Compute]. Its memory is
// bounded by the options' caps (four counts per feature kept).
//
// A Drivers is not safe for concurrent use: give each goroutine its own
// (Fresh) and Merge them.
type Drivers struct {
	s        *funnel.Scan
	opts     Options // validated, Keys owned
	k, next  int     // the step's funnel rows
	maxVals  int
	maxPairs int
	in       funnel.Intake
	// deals of each table, and those in none
	conv, notConv, pending  int64
	stall, notStall, untime int64
	outside                 int64
	fixed                   map[string]*keyData  // built-in or explicit keys
	fixedKeys               []string             // their names, sorted
	custom                  *capped.Map[keyData] // custom keys, when Keys is nil
	pairs                   map[string]*pairData // by join2(key1, key2), key1 < key2
	evicted                 *[]string            // custom keys folded since the last purge
	scratch                 []feature            // the current deal's kept features
	keyScratch              []string             // the current deal's custom keys
}

// pairData holds the value pairs of one pair of keys.
type pairData struct {
	values *capped.Map[counts]
}

// feature is one key's value for the deal being observed.
type feature struct{ key, value string }

// New returns an empty accumulator of the scan's deals. It returns an
// error wrapping [funnel.ErrInvalidParam] for a nil scan, a negative
// Stall, a Stall without the scan's as-of time, an invalid ValueAt, empty
// or repeated Keys or too many of them, or a cap out of range, and one
// wrapping [funnel.ErrUnknownStage] when Stage is not in the scan's
// funnel.
func New(s *funnel.Scan, opts Options) (*Drivers, error) {
	if s == nil {
		return nil, fmt.Errorf("drivers: nil scan: %w", funnel.ErrInvalidParam)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("drivers: "+format+": %w", append(args, funnel.ErrInvalidParam)...)
	}
	k, ok := s.Funnel().Index(opts.Stage)
	if !ok {
		return nil, fmt.Errorf("drivers: stage %q: %w", opts.Stage, funnel.ErrUnknownStage)
	}
	n := s.Funnel().Len()
	a := &Drivers{s: s, k: k, next: k + 1, fixed: map[string]*keyData{}}
	if opts.ToWon {
		a.next = n
	}
	switch {
	case opts.Stall < 0:
		return nil, bad("stall %v", opts.Stall)
	case opts.Stall > 0 && s.Options().AsOf.IsZero():
		return nil, bad("stall without an as-of time")
	case !attr.Valid(opts.ValueAt):
		return nil, bad("value at %d", opts.ValueAt)
	case opts.MaxKeys < 0 || opts.MaxKeys > MaxKeysLimit:
		return nil, bad("max keys %d", opts.MaxKeys)
	case opts.MaxValues < 0 || opts.MaxValues > MaxValuesLimit:
		return nil, bad("max values %d", opts.MaxValues)
	case opts.MaxPairs < 0 || opts.MaxPairs > MaxPairsLimit:
		return nil, bad("max pairs %d", opts.MaxPairs)
	case len(opts.Keys) > MaxExplicitKeys:
		return nil, bad("%d keys", len(opts.Keys))
	}
	opts.Keys = slices.Clip(slices.Clone(opts.Keys))
	if len(opts.Keys) == 0 {
		opts.Keys = nil
	}
	for i, key := range opts.Keys {
		if key == "" || slices.Contains(opts.Keys[:i], key) {
			return nil, bad("key %q", key)
		}
	}
	a.opts = opts
	a.maxVals = or(opts.MaxValues, DefaultMaxValues)
	a.maxPairs = or(opts.MaxPairs, DefaultMaxPairs)
	keys := opts.Keys
	if keys == nil {
		keys = builtinKeys
		// the functions share only values with a, so that a copy of a
		// (decoding replaces a's contents) keeps working
		ev, maxVals := new([]string), a.maxVals
		a.evicted = ev
		a.custom = capped.NewFunc(or(opts.MaxKeys, DefaultMaxKeys),
			func(name string) *keyData { return newKey(name, maxVals) },
			func(dst, src *keyData) { mergeKey(dst, src, ev) })
	}
	for _, key := range keys {
		a.fixed[key] = newKey(key, a.maxVals)
	}
	a.fixedKeys = slices.Sorted(maps.Keys(a.fixed))
	if opts.Pairs {
		a.pairs = map[string]*pairData{}
	}
	return a, nil
}

func or(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func newKey(name string, maxValues int) *keyData {
	return &keyData{name: name, values: capped.New(maxValues, mergeCounts)}
}

// mergeKey merges src's data into dst: values into values, or, for the
// keys' Other entry, src's counts as not analysed, noting src's name in
// evicted (its pairs are then dropped).
func mergeKey(dst, src *keyData, evicted *[]string) {
	if dst.values == nil {
		dst.dropped.add(ptr(src.total()))
		if src.values != nil {
			*evicted = append(*evicted, src.name)
		}
		return
	}
	dst.values.Merge(src.values)
	dst.dropped.add(&src.dropped)
}

func ptr[T any](v T) *T { return &v }

// purge drops the pairs of the keys folded since the last purge.
func (a *Drivers) purge() {
	if len(*a.evicted) == 0 {
		return
	}
	ev := *a.evicted
	if a.pairs != nil {
		for pk := range a.pairs {
			k1, k2, _ := split2(pk)
			if slices.Contains(ev, k1) || slices.Contains(ev, k2) {
				delete(a.pairs, pk)
			}
		}
	}
	*a.evicted = ev[:0]
}

// Compute returns the drivers of the deals, read in one pass: [New],
// [funnel.Scan.Run] and [Drivers.Report]. It returns their errors, and
// one wrapping [funnel.ErrInvalidParam] for a nil stream.
func Compute(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts Options) (Report, error) {
	return onepass.Run(s, deals, opts, New, onepass.Always((*Drivers).Report))
}

// Scan returns the scan the accumulator was built for.
func (a *Drivers) Scan() *funnel.Scan { return a.s }

// Fresh returns an empty accumulator of the same scan and options.
func (a *Drivers) Fresh() funnel.Accumulator {
	b, _ := New(a.s, a.opts) // the options were valid for a
	return b
}

// Add validates d and adds it, as [funnel.Scan.Add] does.
func (a *Drivers) Add(d funnel.Deal) error { return a.s.Add(d, a) }

// Observe adds one deal handed over by the scan (see
// [funnel.Accumulator]).
func (a *Drivers) Observe(v *funnel.View) {
	if !a.in.Note(v) {
		return
	}
	d := v.Deal
	var c counts
	pending := false
	if v.Reached(a.k) {
		switch {
		case v.Reached(a.next):
			c.conv = 1
		case v.Pending():
			a.pending++
			pending = true
		default:
			c.notConv = 1
		}
	}
	if _, excluded := v.Excluded(); a.opts.Stall > 0 && d.Outcome == funnel.Open && !excluded && v.Current() == a.k {
		_, at := v.Entry(v.Len() - 1)
		asOf := a.s.Options().AsOf
		switch {
		case at.IsZero() || asOf.Before(at):
			a.untime++
		case asOf.Sub(at) > a.opts.Stall:
			c.stall = 1
		default:
			c.notStall = 1
		}
	}
	a.conv += c.conv
	a.notConv += c.notConv
	a.stall += c.stall
	a.notStall += c.notStall
	if c == (counts{}) {
		if !pending {
			a.outside++
		}
		return
	}
	at := a.opts.ValueAt
	fs := a.scratch[:0]
	for _, key := range a.fixedKeys {
		value := attr.Value(d, key, at)
		if value == "" && !isBuiltin(key) {
			continue // a custom attribute the deal does not have
		}
		a.fixed[key].values.At(value).add(&c)
		fs = append(fs, feature{key, value})
	}
	if a.custom != nil && (len(d.Attrs.Custom) > 0 || len(d.Changes) > 0) {
		keys := attr.CustomKeys(a.keyScratch[:0], d, at)
		a.keyScratch = keys
		for _, key := range keys {
			value := attr.Value(d, key, at)
			if value == "" {
				continue
			}
			kd := a.custom.At(key)
			if kd.values == nil { // not analysed
				kd.dropped.add(&c)
				continue
			}
			kd.values.At(value).add(&c)
			fs = append(fs, feature{key, value})
		}
		a.purge()
	}
	if a.pairs != nil {
		slices.SortFunc(fs, func(x, y feature) int { return strings.Compare(x.key, y.key) })
		for i := range fs {
			for j := i + 1; j < len(fs); j++ {
				pk := join2(fs[i].key, fs[j].key)
				p := a.pairs[pk]
				if p == nil {
					p = &pairData{values: capped.New(a.maxPairs, mergeCounts)}
					a.pairs[pk] = p
				}
				p.values.At(join2(fs[i].value, fs[j].value)).add(&c)
			}
		}
	}
	clear(fs)
	a.scratch = fs[:0]
	clear(a.keyScratch)
}

// Merge adds every deal counted by o, a *Drivers of an equal scan and
// options, to a. o is not modified. It returns an error wrapping
// [funnel.ErrIncompatible] for another kind, scan or options, and one
// wrapping [funnel.ErrInvalidParam] for a nil o or a itself.
func (a *Drivers) Merge(o funnel.Accumulator) error {
	if o == nil || a == nil {
		return fmt.Errorf("drivers: merging nil: %w", funnel.ErrInvalidParam)
	}
	b, ok := o.(*Drivers)
	switch {
	case !ok:
		return fmt.Errorf("drivers: merging %T: %w", o, funnel.ErrIncompatible)
	case b == nil:
		return fmt.Errorf("drivers: merging a nil %T: %w", o, funnel.ErrInvalidParam)
	case b == a:
		return fmt.Errorf("drivers: merging into itself: %w", funnel.ErrInvalidParam)
	case !a.s.Equal(b.s):
		return fmt.Errorf("drivers: merging accumulators of different scans: %w", funnel.ErrIncompatible)
	case !a.opts.equal(&b.opts):
		return fmt.Errorf("drivers: merging drivers of other options: %w", funnel.ErrIncompatible)
	}
	a.in.Merge(&b.in)
	a.conv += b.conv
	a.notConv += b.notConv
	a.pending += b.pending
	a.stall += b.stall
	a.notStall += b.notStall
	a.untime += b.untime
	a.outside += b.outside
	for key, kd := range b.fixed {
		a.fixed[key].values.Merge(kd.values)
	}
	if a.custom != nil {
		a.custom.Merge(b.custom)
		a.purge()
	}
	if a.pairs != nil {
		for _, pk := range slices.Sorted(maps.Keys(b.pairs)) {
			k1, k2, _ := split2(pk)
			if !a.kept(k1) || !a.kept(k2) {
				continue
			}
			p := a.pairs[pk]
			if p == nil {
				p = &pairData{values: capped.New(a.maxPairs, mergeCounts)}
				a.pairs[pk] = p
			}
			p.values.Merge(b.pairs[pk].values)
		}
	}
	return nil
}

// kept reports whether key is analysed.
func (a *Drivers) kept(key string) bool {
	if _, ok := a.fixed[key]; ok {
		return true
	}
	if a.custom != nil {
		_, ok := a.custom.Get(key)
		return ok
	}
	return false
}

// join2 joins two strings into one that split2 splits back: the length
// of a as a uvarint, then a and b.
func join2(a, b string) string {
	buf := binary.AppendUvarint(make([]byte, 0, len(a)+len(b)+2), uint64(len(a)))
	return string(append(append(buf, a...), b...))
}

// split2 splits a string made by join2.
func split2(s string) (a, b string, ok bool) {
	n, k := binary.Uvarint([]byte(s[:min(len(s), binary.MaxVarintLen64)]))
	if k <= 0 || n > uint64(len(s)-k) {
		return "", "", false
	}
	return s[k : k+int(n)], s[k+int(n):], true
}
