package funnel

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strconv"
	"time"
)

// A Mode says what [Compute] does with a deal that fails validation. The
// zero Mode is [Strict].
type Mode int8

// The validation modes.
const (
	// Strict stops at the first invalid deal and returns its error.
	Strict Mode = iota
	// Lenient skips invalid deals, counts them by reason and keeps the
	// first few errors in the report's Skipped section.
	Lenient
)

// A Policy says when a deal counts as having reached a stage, for stage
// reach and conversion. Products differ here, so the caller names the
// policy; the zero Policy is [InOrder].
type Policy int8

// The stage-reach policies.
const (
	// InOrder counts a deal at stage k if it entered stages 0..k in funnel
	// order; a deal that skips a stage drops out of every later stage
	// (HubSpot's "all stages in order"). Re-entries and backward moves
	// after a stage was reached do not undo it.
	InOrder Policy = iota
	// AnyStage counts a deal at stage k if it entered k at all, whatever it
	// skipped (HubSpot's "any stage").
	AnyStage
	// DirectNext counts a deal at stage 0 if it entered stage 0, and at
	// stage k > 0 if it counts at stage k-1 and moved directly from k-1 to k
	// (one history entry right after the other).
	DirectNext
)

var policyNames = [...]string{InOrder: "in-order", AnyStage: "any-stage", DirectNext: "direct-next"}

func (p Policy) valid() bool { return p >= InOrder && p <= DirectNext }

// String returns "in-order", "any-stage" or "direct-next", or "Policy(N)"
// for an invalid value.
func (p Policy) String() string {
	if p.valid() {
		return policyNames[p]
	}
	return "Policy(" + strconv.Itoa(int(p)) + ")"
}

// MarshalText encodes the policy by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (p Policy) MarshalText() ([]byte, error) {
	if !p.valid() {
		return nil, fmt.Errorf("funnel: policy %d: %w", int(p), ErrInvalidParam)
	}
	return []byte(policyNames[p]), nil
}

// Options configure a [Tally] or [Compute]. The zero Options are valid:
// strict, in-order, no conversion window, no as-of time, months in UTC, no
// currency code.
type Options struct {
	// Mode says whether Compute stops at the first invalid deal (Strict)
	// or skips and reports it (Lenient).
	Mode Mode
	// Policy is the stage-reach policy for conversion.
	Policy Policy
	// Window, when positive, is the conversion window: only stages entered
	// (and wins closed) within Window of the deal's creation count as
	// reached, and an open deal is pending only while it is inside its
	// window. It needs AsOf. Zero means no window: every open deal is
	// pending, none has dropped yet.
	Window time.Duration
	// AsOf is the time the data describes. It gives the age of open deals
	// and the time spent so far in their current stage, and decides which
	// open deals are past their conversion window. Zero means unknown:
	// those figures are not computed. Functions never read the clock.
	AsOf time.Time
	// Location is the time zone of periods (lead generation, cohorts).
	// Nil means UTC.
	Location *time.Location
	// Period is the period of lead generation and creation cohorts.
	Period Period
	// Currency is the currency code every deal must carry (Deal.Currency);
	// a deal in another currency is invalid ([ErrCurrencyMismatch]).
	// Empty means deals carry no currency code.
	Currency string
}

func (o Options) validate() error {
	switch {
	case o.Mode != Strict && o.Mode != Lenient:
		return fmt.Errorf("funnel: mode %d: %w", o.Mode, ErrInvalidParam)
	case !o.Policy.valid():
		return fmt.Errorf("funnel: policy %d: %w", o.Policy, ErrInvalidParam)
	case !o.Period.valid():
		return fmt.Errorf("funnel: period %d: %w", o.Period, ErrInvalidParam)
	case o.Window < 0:
		return fmt.Errorf("funnel: negative window %v: %w", o.Window, ErrInvalidParam)
	case o.Window > 0 && o.AsOf.IsZero():
		return fmt.Errorf("funnel: window %v without an as-of time: %w", o.Window, ErrInvalidParam)
	}
	return nil
}

func (o Options) equal(p Options) bool {
	return o.Mode == p.Mode && o.Policy == p.Policy && o.Window == p.Window &&
		o.AsOf.Equal(p.AsOf) && o.Location.String() == p.Location.String() &&
		o.Period == p.Period && o.Currency == p.Currency
}

// maxSkipExamples is the number of skipped deals' errors kept verbatim.
const maxSkipExamples = 20

// stageAcc accumulates one stage (or, at index n, the won outcome).
type stageAcc struct {
	reached  int64 // deals that reached the stage
	viaFirst int64 // of those, deals that also reached the first stage
	advanced int64 // of those, deals that also reached the next stage
	pending  int64 // of those that did not advance, open ones inside their window
	untimed  int64 // deals that entered the stage with a visit of unknown length
	lost     MoneyStats
	open     MoneyStats
	latest   DurationStats
	total    DurationStats
}

// periodAcc accumulates deals created in one period.
type periodAcc struct {
	created, won, lost int64
	bySource           []int64 // deals created per source, by the tally's source index
}

// periodRange caches the Unix-second range [start, end) of one period.
type periodRange struct {
	start, end int64
	acc        *periodAcc
}

// A Tally accumulates the funnel metrics of a population of deals in one
// pass: [Tally.Add] adds one deal, [Tally.Merge] adds another tally, and
// [Tally.Report] gives the metrics. Merging the tallies of the parts of any
// split of the deals gives exactly the tally of the whole.
//
// Memory grows with the number of deals: every duration and amount is kept
// (4 or 8 bytes each) for exact medians and percentiles, about 26 bytes per
// deal of two stage changes.
//
// A Tally is not safe for concurrent use: give each goroutine its own and
// Merge them. The zero Tally is not usable; build one with [NewTally].
type Tally struct {
	f    *Funnel
	opts Options
	loc  *time.Location
	asOf instant

	deals, open, won, lost int64
	stages                 []stageAcc // len n+1: the funnel stages, then won
	wonAmount              MoneyStats
	lostAmount             MoneyStats
	cycleWon, cycleLost    DurationStats
	cycleUndated           int64 // closed deals whose creation time is unknown
	openAge                DurationStats
	ageUndated             int64 // open deals without an age (unknown creation or AsOf)
	periods                map[int32]*periodAcc
	undated                periodAcc // deals with unknown creation time
	sourceNames            []string  // source of each index of periodAcc.bySource
	sourceIdx              map[string]int

	skipped  int64
	reasons  map[error]int64
	examples []DealError

	// scratch, not part of the tally's state
	scratch scratch
	ranges  []periodRange // sorted by start
}

// NewTally returns an empty tally for the funnel f. It returns an error
// wrapping [ErrInvalidParam] if the options are invalid or f is nil.
func NewTally(f *Funnel, opts Options) (*Tally, error) {
	if f == nil || len(f.stages) == 0 {
		return nil, fmt.Errorf("funnel: nil or empty funnel: %w", ErrInvalidParam)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Tally{
		f: f, opts: opts, loc: loc, asOf: instantOf(opts.AsOf),
		stages:  make([]stageAcc, len(f.stages)+1),
		periods: make(map[int32]*periodAcc),
		reasons: make(map[error]int64),
	}, nil
}

// Add validates d and adds it. An invalid deal (see [Deal.Validate], and
// [ErrCurrencyMismatch] for a currency other than Options.Currency) is not
// added: it is counted as skipped, with its reason, and its error is
// returned, so the caller can stop (strict) or go on (lenient).
func (t *Tally) Add(d Deal) error { return t.addDeal(&d, &t.scratch) }

// addDeal is Add without copying the deal again, with p as scratch memory.
func (t *Tally) addDeal(d *Deal, p *scratch) error {
	err := d.parse(t.f, &p.parsedDeal, true)
	if err == nil && d.Currency != t.opts.Currency {
		err = &DealError{ID: d.ID, Field: "Currency", Err: ErrCurrencyMismatch}
	}
	if err != nil {
		t.skip(err)
		return err
	}
	t.add(d, p)
	return nil
}

func (t *Tally) skip(err error) {
	t.skipped++
	var de *DealError
	if errors.As(err, &de) {
		t.reasons[de.Err]++
		if len(t.examples) < maxSkipExamples {
			t.examples = append(t.examples, *de)
		}
	}
}

func (t *Tally) add(d *Deal, p *scratch) {
	t.deals++
	last := &t.stages[p.entries[len(p.entries)-1].k]
	switch d.Outcome {
	case Won:
		t.won++
		t.wonAmount.Add(d.Amount)
	case Lost:
		t.lost++
		t.lostAmount.Add(d.Amount)
		last.lost.Add(d.Amount)
	default:
		t.open++
		last.open.Add(d.Amount)
	}

	t.reach(d.Outcome, &p.parsedDeal)
	t.timeInStage(d.Outcome, p)

	switch {
	case d.Outcome != Open && p.created.ok:
		if d.Outcome == Won {
			t.cycleWon.AddSeconds(p.created.secondsTo(p.closed))
		} else {
			t.cycleLost.AddSeconds(p.created.secondsTo(p.closed))
		}
	case d.Outcome != Open:
		t.cycleUndated++
	case p.created.ok && t.asOf.ok && !t.asOf.before(p.created):
		t.openAge.AddSeconds(p.created.secondsTo(t.asOf))
	default:
		t.ageUndated++
	}

	pa := &t.undated
	if p.created.ok {
		pa = t.period(d.Created, p.created.sec)
	}
	i := t.sourceIndex(d.Attrs.Source)
	if i >= len(pa.bySource) {
		pa.bySource = append(pa.bySource, make([]int64, i+1-len(pa.bySource))...)
	}
	pa.bySource[i]++
	pa.created++
	switch d.Outcome {
	case Won:
		pa.won++
	case Lost:
		pa.lost++
	}
}

// sourceIndex returns the index of a source name, adding it when new. The
// first names are compared directly, which is faster than hashing when
// sources are few and share their storage.
func (t *Tally) sourceIndex(name string) int {
	for i, n := range t.sourceNames[:min(8, len(t.sourceNames))] {
		if n == name {
			return i
		}
	}
	if i, ok := t.sourceIdx[name]; ok {
		return i
	}
	if t.sourceIdx == nil {
		t.sourceIdx = make(map[string]int)
	}
	i := len(t.sourceNames)
	t.sourceNames = append(t.sourceNames, name)
	t.sourceIdx[name] = i
	return i
}

// period returns the accumulator of the period that contains created,
// whose Unix time is sec.
func (t *Tally) period(created time.Time, sec int64) *periodAcc {
	// binary search for the range that holds sec, or the insertion point
	i, j := 0, len(t.ranges)
	for i < j {
		h := int(uint(i+j) >> 1)
		switch r := &t.ranges[h]; {
		case sec < r.start:
			j = h
		case sec >= r.end:
			i = h + 1
		default:
			return r.acc
		}
	}
	k := t.opts.Period.key(created.In(t.loc))
	start := t.opts.Period.keyStart(k, t.loc)
	acc := t.periods[k]
	if acc == nil {
		acc = new(periodAcc)
		t.periods[k] = acc
	}
	t.ranges = slices.Insert(t.ranges, i, periodRange{start.Unix(), t.opts.Period.next(start).Unix(), acc})
	return acc
}

// reach updates the stage reach, advance and pending counts for one deal.
func (t *Tally) reach(o Outcome, p *parsedDeal) {
	n := len(t.f.stages)
	var cutoff instant // entries after cutoff do not count
	if t.opts.Window > 0 && p.created.ok {
		cutoff = p.created.add(t.opts.Window)
	}
	inWindow := func(at instant) bool { return !cutoff.ok || !at.ok || !cutoff.before(at) }
	wonIn := o == Won && inWindow(p.closed)

	var reached uint64 // bit k: stage k reached; bit n: won
	switch t.opts.Policy {
	case AnyStage:
		for _, e := range p.entries {
			if inWindow(e.at) {
				reached |= 1 << e.k
			}
		}
		if wonIn {
			reached |= 1 << n
		}
	case DirectNext:
		var moved uint64 // bit k: entered k (k = 0) or moved directly from k-1 to k
		prev := -1
		for _, e := range p.entries {
			if !inWindow(e.at) {
				break
			}
			if e.k == 0 || prev == e.k-1 {
				moved |= 1 << e.k
			}
			prev = e.k
		}
		if wonIn && prev == n-1 {
			moved |= 1 << n
		}
		for k := 0; k <= n && moved&(1<<k) != 0; k++ {
			reached |= 1 << k
		}
	default: // InOrder
		next := 0
		for _, e := range p.entries {
			if !inWindow(e.at) || e.k > next {
				break
			}
			if e.k == next {
				next++
			}
		}
		if wonIn && next == n {
			next++
		}
		reached = 1<<next - 1
	}

	pending := o == Open && (!cutoff.ok || t.asOf.before(cutoff))
	for v := reached; v != 0; v &= v - 1 {
		k := trailingZeros(v)
		s := &t.stages[k]
		s.reached++
		if reached&1 != 0 {
			s.viaFirst++
		}
		if k == n {
			break
		}
		if reached&(1<<(k+1)) != 0 {
			s.advanced++
		} else if pending {
			s.pending++
		}
	}
}

// timeInStage adds the latest and cumulative time the deal spent in each
// stage it entered. A visit lasts from its entry to the next entry, or to
// the close time, or (open deals) to AsOf. A stage with a visit of unknown
// length is counted as untimed for this deal instead.
func (t *Tally) timeInStage(o Outcome, p *scratch) {
	var visited, untimed uint64
	for i, e := range p.entries {
		var end instant
		switch {
		case i+1 < len(p.entries):
			end = p.entries[i+1].at
		case o != Open:
			end = p.closed
		default:
			end = t.asOf
		}
		bit := uint64(1) << e.k
		if visited&bit == 0 {
			visited |= bit
			p.cum[e.k] = 0
		}
		if !e.at.ok || !end.ok || end.before(e.at) {
			untimed |= bit
			continue
		}
		sec := e.at.secondsTo(end)
		p.cum[e.k] += sec
		p.last[e.k] = sec
	}
	for v := visited; v != 0; v &= v - 1 {
		k := trailingZeros(v)
		s := &t.stages[k]
		if untimed&(1<<k) != 0 {
			s.untimed++
			continue
		}
		s.total.AddSeconds(p.cum[k])
		s.latest.AddSeconds(p.last[k])
	}
}

// Merge adds every deal counted by o to t, as if t had been given them
// after its own. o is not modified. It returns an error wrapping
// [ErrIncompatible] if o was built for another funnel or other options.
func (t *Tally) Merge(o *Tally) error {
	if !t.f.equal(o.f) || !t.opts.equal(o.opts) {
		return fmt.Errorf("funnel: merging tallies of different funnels or options: %w", ErrIncompatible)
	}
	t.deals += o.deals
	t.open += o.open
	t.won += o.won
	t.lost += o.lost
	for i := range t.stages {
		s, os := &t.stages[i], &o.stages[i]
		s.reached += os.reached
		s.viaFirst += os.viaFirst
		s.advanced += os.advanced
		s.pending += os.pending
		s.untimed += os.untimed
		s.lost.Merge(&os.lost)
		s.open.Merge(&os.open)
		s.latest.Merge(&os.latest)
		s.total.Merge(&os.total)
	}
	t.wonAmount.Merge(&o.wonAmount)
	t.lostAmount.Merge(&o.lostAmount)
	t.cycleWon.Merge(&o.cycleWon)
	t.cycleLost.Merge(&o.cycleLost)
	t.cycleUndated += o.cycleUndated
	t.openAge.Merge(&o.openAge)
	t.ageUndated += o.ageUndated
	remap := make([]int, len(o.sourceNames))
	for i, name := range o.sourceNames {
		remap[i] = t.sourceIndex(name)
	}
	for k, op := range o.periods {
		p := t.periods[k]
		if p == nil {
			p = new(periodAcc)
			t.periods[k] = p
		}
		p.add(op, remap)
	}
	t.undated.add(&o.undated, remap)
	t.skipped += o.skipped
	for k, v := range o.reasons {
		t.reasons[k] += v
	}
	for _, e := range o.examples {
		if len(t.examples) == maxSkipExamples {
			break
		}
		t.examples = append(t.examples, e)
	}
	return nil
}

// add adds o's counts to p; remap gives the index in p's tally of each of
// o's source indexes.
func (p *periodAcc) add(o *periodAcc, remap []int) {
	p.created += o.created
	p.won += o.won
	p.lost += o.lost
	for i, c := range o.bySource {
		if c == 0 {
			continue
		}
		j := remap[i]
		if j >= len(p.bySource) {
			p.bySource = append(p.bySource, make([]int64, j+1-len(p.bySource))...)
		}
		p.bySource[j] += c
	}
}

// Compute validates and tallies deals in one pass and returns the report.
// In [Strict] mode it stops at the first invalid deal and returns its
// [*DealError]; in [Lenient] mode invalid deals are skipped and reported in
// Report.Skipped. It returns an error wrapping [ErrInvalidParam] for
// invalid options. Callers with a slice pass [slices.Values](deals).
func Compute(f *Funnel, deals iter.Seq[Deal], opts Options) (Report, error) {
	t, err := NewTally(f, opts)
	if err != nil {
		return Report{}, err
	}
	for d := range deals {
		if err := t.addDeal(&d, &t.scratch); err != nil && opts.Mode == Strict {
			return Report{}, err
		}
	}
	return t.Report(), nil
}

// sortedKeys returns m's keys in ascending order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
