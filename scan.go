package funnel

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/funnelmetrics/funnel/internal/par"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// A Scan is the one validated reading of deals that every analysis
// shares: a funnel and the [Options], checked once. Each deal is validated
// once ([Deal.Validate], plus the currency check), seen as it stood at
// Options.AsOf ([Deal.At]), and handed as a [View] to every [Accumulator]
// built for the scan; strict mode stops at the first invalid deal, lenient
// mode counts and lists the skipped ones in every result.
//
// A Scan is immutable and safe for concurrent use. Build one with
// [NewScan].
type Scan struct {
	f         *Funnel
	opts      Options // Location resolved
	asOf      instant
	level     float64 // the resolved confidence level
	minSample int64

	optional uint64                       // bit k: stage k is optional
	from     [MaxStages + 1]int           // the row the step into row k is counted from
	stepsOf  [MaxStages + 1]uint64        // bit k of stepsOf[j]: the step into row k counts from row j (from[k] == j)
	stepMin  [MaxStages + 1]time.Duration // per row: the step window's bounds (zero: none)
	stepMax  [MaxStages + 1]time.Duration
}

// NewScan returns the scan of deals for the funnel f with the options. It
// returns an error wrapping [ErrInvalidParam] for a nil or empty funnel or
// invalid options (see [Options]).
func NewScan(f *Funnel, opts Options) (*Scan, error) {
	if f == nil || len(f.stages) == 0 {
		return nil, fmt.Errorf("funnel: nil or empty funnel: %w", ErrInvalidParam)
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	level, minSample, err := opts.Test.resolve()
	if err != nil {
		return nil, err
	}
	opts.Location = cmp.Or(opts.Location, time.UTC)
	s := &Scan{f: f, opts: opts, asOf: instantOf(opts.AsOf), level: level, minSample: minSample}
	n := len(f.stages)
	for _, st := range opts.Optional {
		k, ok := f.lookup(st)
		if !ok {
			return nil, fmt.Errorf("funnel: optional stage %q is not a stage of the funnel: %w", st, ErrInvalidParam)
		}
		s.optional |= 1 << k
	}
	for k := 1; k <= n; k++ {
		s.from[k] = k - 1
		if s.optional&(1<<(k-1)) != 0 {
			s.from[k] = s.from[k-1]
		}
	}
	if s.optional&1 != 0 {
		// an optional first stage: its next rows count from the first row
		for k := 1; k <= n && s.optional&(1<<(k-1)) != 0; k++ {
			s.from[k] = 0
		}
	}
	for k := 1; k <= n; k++ {
		s.stepsOf[s.from[k]] |= 1 << k
	}
	seen := uint64(0)
	for _, w := range opts.StepWindows {
		if w.Step < 1 || w.Step > n || seen&(1<<w.Step) != 0 {
			return nil, fmt.Errorf("funnel: step window of row %d (1..%d, once each): %w", w.Step, n, ErrInvalidParam)
		}
		seen |= 1 << w.Step
		s.stepMin[w.Step], s.stepMax[w.Step] = w.Min, w.Max
	}
	return s, nil
}

// Funnel returns the scan's funnel.
func (s *Scan) Funnel() *Funnel { return s.f }

// Options returns the scan's options, with Location set (UTC when it was
// nil).
func (s *Scan) Options() Options { return s.opts }

// Level returns the confidence level of the scan's intervals and tests, as
// a fraction (Options.Test.Confidence, 0.95 when zero).
func (s *Scan) Level() float64 { return s.level }

// MinSample returns the minimum sample of the scan's tests
// (Options.Test.MinSample, 30 when zero).
func (s *Scan) MinSample() int64 { return s.minSample }

// Equal reports whether s and o read deals alike: the same stages in the
// same order and the same options, zones compared by name and by their
// offsets, Workers not compared. Accumulators of equal scans merge.
func (s *Scan) Equal(o *Scan) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil || !s.f.equal(o.f) {
		return false
	}
	a, b := s.opts, o.opts
	return a.Mode == b.Mode && a.Policy == b.Policy && a.Window == b.Window &&
		a.AsOf.Equal(b.AsOf) && a.Period == b.Period && a.Calendar.Equal(b.Calendar) && a.Currency == b.Currency &&
		a.UndatedClose == b.UndatedClose && a.QuantileError == b.QuantileError && s.level == o.level && s.minSample == o.minSample &&
		s.optional == o.optional && s.stepMin == o.stepMin && s.stepMax == o.stepMax && a.HoldConstant == b.HoldConstant &&
		a.Test.Method == b.Test.Method && sameLocation(a.Location, b.Location)
}

// sameLocation reports whether two zones have the same name and the same
// offset and abbreviation at every probe instant.
func sameLocation(a, b *time.Location) bool {
	return a == b || (a.String() == b.String() && zoneDigest(a) == zoneDigest(b))
}

// zoneDigest hashes a zone's offset and abbreviation at probe instants
// (1 January and 1 July of every year 1900-2100), so that two unnamed or
// same-named zones with other rules differ.
func zoneDigest(loc *time.Location) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	for y := 1900; y <= 2100; y++ {
		for _, m := range []time.Month{time.January, time.July} {
			name, off := time.Date(y, m, 1, 12, 0, 0, 0, time.UTC).In(loc).Zone()
			for i := range buf[:4] {
				buf[i] = byte(uint32(off) >> (8 * i))
			}
			h.Write(buf[:4])
			h.Write([]byte(name))
		}
	}
	return h.Sum64()
}

// A View is one deal as a [Scan] hands it to an accumulator. A valid deal
// has Err nil and Future false; its Deal is the deal as it stood at the
// scan's as-of time, and its stage entries are resolved to funnel
// positions. A skipped deal has Err set; a deal created after the as-of
// time has Future set. Accumulators count all three in their [Intake].
//
// A View and the Deal it points to are valid only during the call that
// receives them: an accumulator must copy what it keeps (strings may be
// kept as they are).
type View struct {
	// Deal is the deal as seen at the as-of time, or as read when it was
	// skipped.
	Deal *Deal
	// Seq is the deal's position in its stream, from 0; it orders the
	// examples of skipped deals. -1 means unknown: the intake counts.
	Seq int64
	// Err is the validation error of a skipped deal.
	Err *DealError
	// Future is true for a valid deal created after the as-of time, which
	// the scan's view of the data does not contain.
	Future bool

	s       *Scan
	p       parsedDeal
	reached uint64     // bit k: funnel row k reached under the policy (row n: won)
	entered uint64     // bit k: row k entered at all, inside the window
	pending bool       // open and still inside its conversion window
	deal    Deal       // the as-of copy Deal points to
	vis     visitTimes // the deal's stage visits, when visOK (see visits)
	visOK   bool
	// srcs numbers the sources of the deals this view was filled with,
	// when the scan keeps such a table for it (Scan.Run does), and srcID
	// is the number of this deal's (-1 without a table): a tally maps
	// the numbers to its own source indexes once, rather than find the
	// source by name for each deal (see Tally.sourceOf)
	srcs  *sourceTable
	srcID int32
}

// A sourceTable numbers source names in the order they first come.
type sourceTable struct {
	names []string
	ids   map[string]int32
	last  int32 // the number found last
}

// maxTableSources bounds a sourceTable: past it, deals of new sources
// have no number and are found by name.
const maxTableSources = 1 << 12

// id returns the number of a source name, numbering it when new, or -1
// when the table is full.
func (st *sourceTable) id(name string) int32 {
	if i := st.last; int(i) < len(st.names) && st.names[i] == name {
		return i // the source of the deal before
	}
	for i, n := range st.names[:min(8, len(st.names))] {
		if n == name {
			st.last = int32(i)
			return int32(i)
		}
	}
	if i, ok := st.ids[name]; ok {
		st.last = i
		return i
	}
	if len(st.names) >= maxTableSources {
		return -1
	}
	if st.ids == nil {
		st.ids = make(map[string]int32)
	}
	i := int32(len(st.names))
	st.names = append(st.names, name)
	st.ids[name] = i
	st.last = i
	return i
}

// Counted reports whether the view is a valid deal of the scan's view of
// the data.
func (v *View) Counted() bool { return v.Err == nil && !v.Future }

// Len returns the number of the deal's stage entries (at least 1 for a
// counted deal: a deal with no history has its Stage as one entry of
// unrecorded time).
func (v *View) Len() int { return len(v.p.entries) }

// Entry returns the i-th stage entry: the stage's position in the funnel
// and the time it was entered (zero when not recorded).
func (v *View) Entry(i int) (stage int, at time.Time) {
	e := v.p.entries[i]
	return e.k, e.at.time()
}

// Current returns the position in the funnel of the deal's current (for a
// closed deal, its last) stage.
func (v *View) Current() int { return v.p.entries[len(v.p.entries)-1].k }

// Reached reports whether the deal reached funnel row k under the scan's
// policy and conversion window: k = 0 .. Len()-1 of the funnel for its
// stages, k = the number of stages for the won outcome.
func (v *View) Reached(k int) bool { return k >= 0 && k < 64 && v.reached&(1<<k) != 0 }

// Excluded reports whether the deal entered an exclusion stage (see
// [Funnel.Exclude]), and when (zero when not recorded): its entries end
// there, and its last funnel stage's visit with them.
func (v *View) Excluded() (at time.Time, ok bool) { return v.p.exclAt.time(), v.p.excluded }

// Pending reports whether the deal is open and still inside its
// conversion window (always, when there is no window).
func (v *View) Pending() bool { return v.pending }

// An Accumulator is one analysis over a stream of deals: it is handed
// every deal of a [Scan] once ([Accumulator.Observe]), merges with
// another accumulator of the same kind and settings (the merge of the
// accumulators of the parts of any split of the stream is the accumulator
// of the whole), and travels as bytes (encoding.BinaryMarshaler and
// BinaryUnmarshaler: versioned, deterministic, validated on decode).
//
// [Tally], the segmentations and the analyses of the sub-packages are
// accumulators; [Scan.Run] feeds one stream to many of them at once, on
// all cores.
type Accumulator interface {
	// Scan returns the scan the accumulator was built for.
	Scan() *Scan
	// Observe adds one deal the scan handed over: counted, skipped or
	// future (see [View]).
	Observe(v *View)
	// Merge adds everything o holds. It returns an error wrapping
	// [ErrIncompatible] when o is of another kind, scan or settings, and
	// one wrapping [ErrInvalidParam] when o or the receiver is nil (a nil
	// interface or a nil pointer) or o is the receiver itself.
	Merge(o Accumulator) error
	// Fresh returns an empty accumulator of the same kind, scan and
	// settings.
	Fresh() Accumulator
	MarshalBinary() ([]byte, error)
	UnmarshalBinary(data []byte) error
}

// view validates d and fills v: the deal as it stood at the as-of time,
// its entries and stage reach, or the reason it is skipped.
func (s *Scan) view(d *Deal, v *View, seq int64) {
	v.Seq, v.Err, v.Future, v.s = seq, nil, false, s
	v.reached, v.entered, v.pending, v.visOK, v.srcID = 0, 0, false, false, -1
	v.Deal = d
	// the deal as given is validated, whatever the as-of time would cut
	if s.check(d, v) != nil {
		return
	}
	if s.asOf.ok {
		switch s.asOfEffect(d, &v.p) {
		case asOfFuture:
			v.Future = true
			return
		case asOfChanged:
			at, _ := d.At(s.opts.AsOf)
			v.deal = at
			v.Deal = &v.deal
			if s.check(v.Deal, v) != nil {
				return
			}
		}
	}
	s.reach(v)
	if v.srcs != nil {
		v.srcID = v.srcs.id(v.Deal.Attrs.Source)
	}
}

// The effects of the as-of time on a deal.
const (
	asOfSame    = iota // the deal as given is the deal as of the as-of time
	asOfChanged        // Deal.At changes it
	asOfFuture         // it did not exist yet
)

// asOfEffect tells, from a valid deal's parsed times, what Deal.At(AsOf)
// would do to it, without building the copy in the common case where it
// changes nothing.
func (s *Scan) asOfEffect(d *Deal, p *parsedDeal) int {
	a := s.asOf
	start := p.created
	if !start.ok {
		for _, e := range p.entries {
			if start = e.at; start.ok {
				break
			}
		}
	}
	if !start.ok {
		start = p.closed
	}
	if start.ok && a.before(start) {
		return asOfFuture
	}
	for i := len(p.entries) - 1; i >= 0; i-- {
		if at := p.entries[i].at; at.ok {
			if a.before(at) {
				return asOfChanged
			}
			break // entry times do not go backwards
		}
	}
	for i := len(d.Changes) - 1; i >= 0; i-- {
		if at := instantOf(d.Changes[i].At); at.ok {
			if a.before(at) {
				return asOfChanged
			}
			break
		}
	}
	if p.closed.ok && start.ok && a.before(p.closed) {
		return asOfChanged
	}
	return asOfSame
}

// check validates d into v.p and sets v.Err when it is invalid.
func (s *Scan) check(d *Deal, v *View) error {
	err := d.parse(s.f, &v.p, true, s.opts.UndatedClose)
	if err == nil && d.Currency != s.opts.Currency {
		err = &DealError{ID: d.ID, Field: "Currency", Err: currencyError{d.Currency, s.opts.Currency}}
	}
	if err != nil {
		var de *DealError
		if !errors.As(err, &de) {
			de = &DealError{ID: d.ID, Err: err}
		}
		v.Err = de
		return err
	}
	return nil
}

// reach sets the stage reach bits and the pending flag of a valid view.
func (s *Scan) reach(v *View) {
	p, n, o := &v.p, len(s.f.stages), v.Deal.Outcome
	var cutoff instant // entries after cutoff do not count
	if s.opts.Window > 0 && p.created.ok {
		cutoff = p.created.add(s.opts.Window)
	}
	inWindow := func(at instant) bool { return !cutoff.ok || !at.ok || !cutoff.before(at) }
	wonIn := o == Won && !p.excluded && inWindow(p.closed)
	hold := s.holder(v)
	var entered uint64
	for _, e := range p.entries {
		if inWindow(e.at) {
			entered |= 1 << e.k
		}
	}
	if wonIn {
		entered |= 1 << n
	}
	v.entered = entered
	var reached uint64
	switch s.opts.Policy {
	case AnyStage:
		for _, e := range p.entries {
			if inWindow(e.at) && hold.same(e.at) {
				reached |= 1 << e.k
			}
		}
		if wonIn && hold.same(p.closed) {
			reached |= 1 << n
		}
	case DirectNext:
		// each entry must come right after the one of the row it steps
		// from (optional rows in between may be skipped)
		last, lastAt := -1, instant{}
		for _, e := range p.entries {
			if !inWindow(e.at) {
				break
			}
			switch {
			case last < 0 && e.k <= s.firstRequired():
				// the deal enters the funnel at its first row or an
				// optional row before the first required one
			case last >= 0 && s.stepsTo(last, e.k) && s.stepOK(e.k, lastAt, e.at):
			default:
				last = -2 // the chain is broken
			}
			if last == -2 || !hold.same(e.at) {
				break
			}
			reached |= 1 << e.k
			last, lastAt = e.k, e.at
		}
		if wonIn && last >= 0 && s.stepsTo(last, n) && s.stepOK(n, lastAt, p.closed) && hold.same(p.closed) {
			reached |= 1 << n
		}
	default: // InOrder
		next, prevAt := 0, instant{}
		for _, e := range p.entries {
			if !inWindow(e.at) {
				break
			}
			if e.k < next {
				continue // a re-entry or a move back: what was reached stays
			}
			if !s.skippable(next, e.k) || !s.stepOK(e.k, prevAt, e.at) || !hold.same(e.at) {
				break
			}
			reached |= 1 << e.k
			next, prevAt = e.k+1, e.at
		}
		if wonIn && s.skippable(next, n) && (next > 0 || n == 0) && s.stepOK(n, prevAt, p.closed) && hold.same(p.closed) {
			reached |= 1 << n
		}
	}
	v.reached = reached
	v.pending = o == Open && !p.excluded && (!cutoff.ok || s.asOf.before(cutoff))
}

// skippable reports whether every stage from a up to (not including) b is
// optional, so that a deal may go from row a-1 to row b.
func (s *Scan) skippable(a, b int) bool {
	if b <= a {
		return true
	}
	mask := uint64(1)<<b - uint64(1)<<a
	return s.optional&mask == mask
}

// stepsTo reports whether a move from row a to row b is a direct step:
// b follows a, with only optional rows in between.
func (s *Scan) stepsTo(a, b int) bool { return b > a && s.skippable(a+1, b) }

// firstRequired returns the first row that is not optional.
func (s *Scan) firstRequired() int {
	k := 0
	for k < len(s.f.stages) && s.optional&(1<<k) != 0 {
		k++
	}
	return k
}

// stepOK reports whether the step into row k, entered at at after the
// previous counted entry at prev, keeps to its step window; times not
// recorded pass.
func (s *Scan) stepOK(k int, prev, at instant) bool {
	lo, hi := s.stepMin[k], s.stepMax[k]
	if (lo == 0 && hi == 0) || !prev.ok || !at.ok {
		return true
	}
	d := time.Duration(at.sec-prev.sec)*time.Second + time.Duration(at.nsec-prev.nsec)
	return d >= lo && (hi == 0 || d <= hi)
}

// A holder checks that a deal's HoldConstant attribute keeps its value.
type holder struct {
	d     *Deal
	key   string
	first string // the value at the deal's first counted entry
	on    bool
	set   bool
}

// holder returns the attribute check of a view's deal.
func (s *Scan) holder(v *View) holder {
	h := holder{d: v.Deal, key: s.opts.HoldConstant, on: s.opts.HoldConstant != ""}
	return h
}

// same reports whether the attribute has, at at, the value it had at the
// first entry checked.
func (h *holder) same(at instant) bool {
	if !h.on {
		return true
	}
	v := attrValueAt(h.d, h.key, at, h.d.Attrs.Get(h.key))
	if !h.set {
		h.first, h.set = v, true
		return true
	}
	return v == h.first
}

// Add validates d once and hands it to every accumulator, each of which
// must have been built for s. It returns d's [*DealError] when d is
// invalid (the accumulators then count it as skipped), and an error
// wrapping [ErrIncompatible] when an accumulator belongs to another scan.
func (s *Scan) Add(d Deal, accs ...Accumulator) error {
	if err := s.own(accs); err != nil {
		return err
	}
	v := new(View)
	s.view(&d, v, -1)
	for _, a := range accs {
		a.Observe(v)
	}
	if v.Err != nil {
		return v.Err
	}
	return nil
}

// own checks that every accumulator was built for a scan equal to s.
func (s *Scan) own(accs []Accumulator) error {
	for i, a := range accs {
		if a == nil {
			return fmt.Errorf("funnel: accumulator %d is nil: %w", i, ErrInvalidParam)
		}
		if !s.Equal(a.Scan()) {
			return fmt.Errorf("funnel: accumulator %d belongs to another scan: %w", i, ErrIncompatible)
		}
	}
	return nil
}

// ErrReused reports a second iteration of a single-use stream, or an
// accumulator given twice to one run.
var ErrReused = errors.New("funnel: single-use value used twice")

// runBatch is the number of deals handed to a worker at a time.
const runBatch = 512

// Run reads the stream of deals once and hands every deal, validated
// once, to every accumulator (each built for s): one pass for every
// analysis asked for. With Options.Workers other than 1 it runs on that
// many goroutines (zero means GOMAXPROCS), the calling one among them: it
// reads the stream, in batches, and feeds the given accumulators a batch
// at a time whenever the other workers have enough batches queued; each
// other worker feeds its own empty copy of every accumulator
// ([Accumulator.Fresh]), merged into the given ones at the end, different
// accumulators on different goroutines at once. The result is the same as
// a serial run, skipped examples and their order included.
//
// The stream must yield deals that stay valid after the next one is
// yielded (deals from a slice, [csvimport] readers and generators do). In
// strict mode the first invalid deal in stream order stops the run and its
// [*DealError] is returned; the accumulators then hold an unspecified part
// of the stream. It returns an error wrapping [ErrIncompatible] when an
// accumulator belongs to another scan, and [ErrInvalidParam] for a nil
// stream or accumulator or one given twice.
//
// [csvimport]: https://pkg.go.dev/github.com/funnelmetrics/funnel/csvimport
func (s *Scan) Run(deals iter.Seq[Deal], accs ...Accumulator) error {
	if deals == nil {
		return fmt.Errorf("funnel: nil stream: %w", ErrInvalidParam)
	}
	if err := s.own(accs); err != nil {
		return err
	}
	for i := range accs {
		for j := range i {
			if accs[i] == accs[j] {
				return fmt.Errorf("funnel: accumulator %d given twice: %w", i, ErrInvalidParam)
			}
		}
	}
	workers := par.Workers(s.opts.Workers)
	if workers == 1 {
		return s.runSerial(deals, accs)
	}
	return s.runParallel(deals, accs, workers)
}

func (s *Scan) runSerial(deals iter.Seq[Deal], accs []Accumulator) error {
	v := View{srcs: new(sourceTable)}
	var cur Deal // one copy for every deal, so that none escapes
	seq := int64(0)
	for d := range deals {
		cur = d
		s.view(&cur, &v, seq)
		seq++
		for _, a := range accs {
			a.Observe(&v)
		}
		if v.Err != nil && s.opts.Mode == Strict {
			return v.Err
		}
	}
	return nil
}

type runChunk struct {
	deals []Deal
	seq   int64 // the stream position of deals[0]
}

// runParallel runs on the calling goroutine and workers-1 others. The
// calling goroutine reads the stream: while the others' queue has room it
// copies the next batch of deals into it, and otherwise it feeds the next
// batch to the given accumulators itself, without copying it; each other
// goroutine feeds its own copies of the accumulators, merged into the
// given ones at the end.
func (s *Scan) runParallel(deals iter.Seq[Deal], accs []Accumulator, workers int) error {
	work := make(chan *runChunk, 2*workers)
	free := make(chan *runChunk, 3*workers)
	var stop atomic.Int64 // stream position of the first strict error known
	stop.Store(math.MaxInt64)
	var mu sync.Mutex
	var firstErr *DealError
	// observe hands the deal at stream position seq to the accumulators,
	// and reports false when it is a strict run's invalid deal
	observe := func(d *Deal, v *View, seq int64, mine []Accumulator) bool {
		s.view(d, v, seq)
		for _, a := range mine {
			a.Observe(v)
		}
		if v.Err != nil && s.opts.Mode == Strict {
			mu.Lock()
			if seq < stop.Load() {
				stop.Store(seq)
				e := *v.Err
				firstErr = &e
			}
			mu.Unlock()
			return false
		}
		return true
	}
	process := func(c *runChunk, v *View, mine []Accumulator) {
		for j := range c.deals {
			seq := c.seq + int64(j)
			if seq > stop.Load() || !observe(&c.deals[j], v, seq, mine) {
				break
			}
		}
		// the chunk is reused as it is: the next deals overwrite these,
		// and a chunk left over is dropped with the run, so that zeroing
		// 512 deals per chunk would buy nothing
		c.deals = c.deals[:0]
		select {
		case free <- c:
		default:
		}
	}
	// Each other worker feeds copies it makes itself, from empty templates
	// made here that nothing writes: made on the worker, most often on
	// another processor, the copies are not allocated next to what this
	// goroutine writes, so that the two do not share cache lines (made
	// here, next to the given accumulators, they cost the dashboard
	// benchmark about a tenth more CPU time).
	copies := make([][]Accumulator, workers-1)
	var wg sync.WaitGroup
	for w := range copies {
		templates := make([]Accumulator, len(accs))
		for i, a := range accs {
			templates[i] = a.Fresh()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]Accumulator, len(templates))
			for i, t := range templates {
				mine[i] = t.Fresh()
			}
			copies[w] = mine
			v := View{srcs: new(sourceTable)}
			for c := range work {
				process(c, &v, mine)
			}
		}()
	}
	chunk := func() *runChunk {
		select {
		case c := <-free:
			return c
		default:
			return &runChunk{deals: make([]Deal, 0, runBatch)}
		}
	}
	v := View{srcs: new(sourceTable)}
	var cur Deal // one copy for every deal fed here, so that none escapes
	seq := int64(0)
	var c *runChunk // the batch being filled for the others, if any
	own := 0        // the deals of the batch this goroutine feeds still to come
	for d := range deals {
		if seq > stop.Load() {
			break
		}
		if c == nil && own == 0 {
			// a new batch: for the others while their queue has room (only
			// this goroutine adds to it, so the send will not block)
			if len(work) < cap(work) {
				c = chunk()
				c.seq = seq
			} else {
				own = runBatch
			}
		}
		if own > 0 {
			own--
			cur = d
			if !observe(&cur, &v, seq, accs) {
				break
			}
			seq++
			continue
		}
		c.deals = append(c.deals, d)
		seq++
		if len(c.deals) == runBatch {
			work <- c
			c = nil
		}
	}
	if c != nil {
		process(c, &v, accs)
	}
	close(work)
	// this goroutine takes its share of the batches still queued
	for c := range work {
		process(c, &v, accs)
	}
	wg.Wait()
	// the accumulators merge on the workers, each its own copies; the
	// library's own accumulators take the copies' samples over rather
	// than copy them, and each copy is dropped once merged, so that the
	// merge does not hold every sample twice
	errs := make([]error, len(accs))
	par.For(workers, len(accs), func(i int) {
		for _, mine := range copies {
			if errs[i] = takeInto(accs[i], mine[i]); errs[i] != nil {
				return
			}
			mine[i] = nil
		}
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if firstErr != nil {
		return firstErr
	}
	return nil
}

// A taker is an accumulator that can merge one about to be dropped by
// moving what it holds rather than copying it.
type taker interface {
	take(o Accumulator) error
}

// takeInto merges o, which the caller drops next, into a.
func takeInto(a, o Accumulator) error {
	if t, ok := a.(taker); ok {
		return t.take(o)
	}
	return a.Merge(o)
}

// An Intake counts the deals a scan handed to an accumulator: every deal
// read is counted, left out because it was created after the as-of time,
// or skipped with its reason, and the first skipped deals' errors are
// kept (at most 20, in stream order). Every accumulator keeps one and
// reports it as an [Input], so that nothing read is lost without a word.
//
// The zero Intake is empty and ready to use.
type Intake struct {
	read, counted, future, skipped int64
	reasons                        []reasonCount // by first appearance
	examples                       []example     // sorted by seq, at most maxSkipExamples
}

type reasonCount struct {
	err error
	n   int64
}

type example struct {
	seq int64
	err DealError
}

// maxSkipExamples is the number of skipped deals' errors kept verbatim.
const maxSkipExamples = 20

// Note counts v and reports whether it is a counted deal, which the
// accumulator then adds.
func (in *Intake) Note(v *View) bool {
	seq := v.Seq
	if seq < 0 {
		seq = in.read
	}
	in.read++
	switch {
	case v.Err != nil:
		in.skip(seq, v.Err)
		return false
	case v.Future:
		in.future++
		return false
	}
	in.counted++
	return true
}

func (in *Intake) skip(seq int64, e *DealError) {
	in.skipped++
	in.addReason(reasonOf(e.Err), 1)
	in.addExample(example{seq, *e})
}

func (in *Intake) addReason(err error, n int64) {
	for i := range in.reasons {
		if in.reasons[i].err == err {
			in.reasons[i].n += n
			return
		}
	}
	in.reasons = append(in.reasons, reasonCount{err, n})
}

// addExample inserts e in seq order, keeping the first maxSkipExamples.
func (in *Intake) addExample(e example) {
	i, _ := slices.BinarySearchFunc(in.examples, e, compareExamples)
	if i >= maxSkipExamples {
		return
	}
	in.examples = slices.Insert(in.examples, i, e)
	if len(in.examples) > maxSkipExamples {
		in.examples = in.examples[:maxSkipExamples]
	}
}

// compareExamples orders kept examples: by stream position, then by
// deal, field and reason, so that the examples kept never depend on the
// order parts were merged in.
func compareExamples(a, b example) int {
	return cmp.Or(cmp.Compare(a.seq, b.seq), strings.Compare(a.err.ID, b.err.ID),
		strings.Compare(a.err.Field, b.err.Field), strings.Compare(errText(a.err.Err), errText(b.err.Err)))
}

// Merge adds o's counts and examples to in. A nil o adds nothing, and
// merging into a nil in does nothing.
func (in *Intake) Merge(o *Intake) {
	if in == nil || o == nil || o == in {
		return
	}
	in.read += o.read
	in.counted += o.counted
	in.future += o.future
	in.skipped += o.skipped
	for _, r := range o.reasons {
		in.addReason(r.err, r.n)
	}
	for _, e := range o.examples {
		in.addExample(e)
	}
}

// Input returns the counts as a result value.
func (in *Intake) Input() Input {
	out := Input{Read: in.read, Counted: in.counted, Future: in.future,
		Skipped: Skipped{Count: in.skipped, Reasons: []ReasonCount{}, Examples: []DealError{}}}
	for _, r := range in.reasons {
		out.Skipped.Reasons = append(out.Skipped.Reasons, ReasonCount{errText(r.err), r.n})
	}
	slices.SortFunc(out.Skipped.Reasons, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	for _, e := range in.examples {
		out.Skipped.Examples = append(out.Skipped.Examples, e.err)
	}
	return out
}

// Counted returns the number of counted deals.
func (in *Intake) Counted() int64 { return in.counted }

const intakeVersion = 1

// MarshalBinary encodes the intake (see [Accumulator]).
func (in *Intake) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("intake", intakeVersion)
	in.encode(&w)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes an intake written by [Intake.MarshalBinary],
// replacing in's contents. It returns an error wrapping [ErrInvalidParam]
// for an invalid encoding.
func (in *Intake) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("intake"); r.Err() == nil && v != intakeVersion {
		r.Fail("intake version %d", v)
	}
	var out Intake
	out.decode(r)
	if err := r.End(); err != nil {
		return fmt.Errorf("funnel: %w: %w", ErrInvalidParam, err)
	}
	if err := canonical(&out, data); err != nil {
		return err
	}
	*in = out
	return nil
}

func (in *Intake) encode(w *wire.Writer) {
	w.Varint(in.read)
	w.Varint(in.counted)
	w.Varint(in.future)
	w.Varint(in.skipped)
	reasons := slices.Clone(in.reasons)
	slices.SortFunc(reasons, func(a, b reasonCount) int { return strings.Compare(errText(a.err), errText(b.err)) })
	w.Int(len(reasons))
	for _, r := range reasons {
		w.String(errText(r.err))
		w.Varint(r.n)
	}
	w.Int(len(in.examples))
	for _, e := range in.examples {
		w.Varint(e.seq)
		w.String(e.err.ID)
		w.String(e.err.Field)
		w.String(errText(e.err.Err))
	}
}

func (in *Intake) decode(r *wire.Reader) {
	in.read, in.counted, in.future, in.skipped = r.NonNeg(), r.NonNeg(), r.NonNeg(), r.NonNeg()
	if r.Err() == nil && in.read != in.counted+in.future+in.skipped {
		r.Fail("intake counts do not add up")
	}
	n := r.Count(2)
	var sum int64
	for range n {
		e := sentinel(r.String())
		c := r.NonNeg()
		sum += c
		in.reasons = append(in.reasons, reasonCount{e, c})
	}
	if r.Err() == nil && sum != in.skipped {
		r.Fail("skip reasons do not add up")
	}
	m := r.Count(4)
	if m > maxSkipExamples || int64(m) > in.skipped {
		r.Fail("%d skip examples", m)
		return
	}
	for range m {
		seq := r.Varint()
		id, field, text := r.String(), r.String(), r.String()
		in.examples = append(in.examples, example{seq, DealError{ID: id, Field: field, Err: sentinel(text)}})
	}
	if r.Err() == nil && !slices.IsSortedFunc(in.examples, compareExamples) {
		r.Fail("skip examples out of order")
	}
}

// sentinels are the errors a skipped deal's reason can be, by text.
var sentinels = []error{ErrInvalidStage, ErrUnknownStage, ErrHistoryOrder, ErrClosedBeforeCreated,
	ErrMissingCloseTime, ErrUnexpectedCloseTime, ErrNegativeAmount, ErrCurrencyMismatch,
	ErrInvalidOutcome, ErrMissingID, ErrInvalidParam, ErrIncompatible}

// sentinel returns the package error whose text is s, an error of text s
// wrapping the package error whose text s starts with ("sentinel: more"),
// or a new error with that text.
func sentinel(s string) error {
	for _, e := range sentinels {
		if e.Error() == s {
			return e
		}
	}
	for _, e := range sentinels {
		if strings.HasPrefix(s, e.Error()+": ") {
			return detailError{s, e}
		}
	}
	return errors.New(s)
}

// A currencyError is the ErrCurrencyMismatch of a deal, naming both
// currencies.
type currencyError struct{ deal, scan string }

func (e currencyError) Error() string {
	return ErrCurrencyMismatch.Error() + ": the deal is in " + strconv.Quote(e.deal) + ", the scan counts " +
		strconv.Quote(e.scan) + " (Options.Currency)"
}

func (e currencyError) Unwrap() error { return ErrCurrencyMismatch }

// A detailError is an error decoded from its text: it wraps the package
// error its text starts with, and is the error of the same text.
type detailError struct {
	text string
	base error
}

func (e detailError) Error() string { return e.text }

func (e detailError) Unwrap() error { return e.base }

func (e detailError) Is(target error) bool { return target != nil && target.Error() == e.text }

// reasonOf returns the package error that err wraps, by which skipped
// deals are counted, or err itself.
func reasonOf(err error) error {
	for _, e := range sentinels {
		if errors.Is(err, e) {
			return e
		}
	}
	return err
}

// An Input tells what an analysis did with the deals it was given: Read =
// Counted + Future + Skipped.Count.
type Input struct {
	// Read is the number of deals read.
	Read int64 `json:"read"`
	// Counted is the number of valid deals counted.
	Counted int64 `json:"counted"`
	// Future counts valid deals created after the as-of time: the view of
	// the data at that time does not contain them.
	Future int64 `json:"future"`
	// Skipped reports the invalid deals.
	Skipped Skipped `json:"skipped"`
}

// Skipped reports deals left out because they failed validation.
type Skipped struct {
	Count int64 `json:"count"`
	// Reasons counts skipped deals per reason (the sentinel error's text),
	// most first, ties by text.
	Reasons []ReasonCount `json:"reasons"`
	// Examples holds the errors of the first skipped deals (at most 20),
	// in stream order.
	Examples []DealError `json:"examples"`
}

type skippedJSON Skipped

// MarshalJSON encodes the report of skipped deals, with [] for empty
// lists.
func (s Skipped) MarshalJSON() ([]byte, error) {
	if s.Reasons == nil {
		s.Reasons = []ReasonCount{}
	}
	if s.Examples == nil {
		s.Examples = []DealError{}
	}
	return json.Marshal(skippedJSON(s))
}

// A ReasonCount is the number of deals skipped for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}
