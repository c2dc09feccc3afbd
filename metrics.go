package funnel

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// A Mode says what an analysis does with a deal that fails validation. The
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

var modeNames = [...]string{Strict: "strict", Lenient: "lenient"}

// String returns "strict" or "lenient", or "Mode(N)" for an invalid value.
func (m Mode) String() string { return enumString(m, modeNames[:], "Mode") }

// MarshalText encodes the mode by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (m Mode) MarshalText() ([]byte, error) {
	return enumMarshal(m, modeNames[:], "mode", ErrInvalidParam)
}

// UnmarshalText decodes a mode name as written by [Mode.MarshalText].
func (m *Mode) UnmarshalText(b []byte) error {
	return enumUnmarshal(m, b, modeNames[:], "mode", ErrInvalidParam)
}

// A Policy says when a deal counts as having reached a stage, for stage
// reach and conversion. Products differ here, so the caller names the
// policy; the zero Policy is [InOrder].
type Policy int8

// The stage-reach policies.
const (
	// InOrder counts a deal at stage k if it entered stages 0..k in funnel
	// order; a deal that skips a stage drops out of every later stage
	// (HubSpot's "all stages in order"). Precisely: its entries are walked
	// in time order; an entry into the next stage reaches it, an entry
	// into a stage already reached changes nothing (re-entries and
	// backward moves do not undo a stage reached), and an entry into a
	// stage beyond the next one is a skip that ends the walk: the deal
	// reaches no stage it had not reached before the skip, also when it
	// goes back to the skipped stage later, and a deal whose first entry
	// is past stage 0 reaches none. Stages in Options.Optional may be
	// skipped.
	InOrder Policy = iota
	// AnyStage counts a deal at stage k if it entered k at all, whatever it
	// skipped (HubSpot's "any stage").
	AnyStage
	// DirectNext counts a deal at a stage only along an unbroken chain of
	// direct moves that starts with its first entry: its entries are walked
	// in time order; the first must be into stage 0, and each later one
	// into the stage right after the previous entry's (one history entry
	// right after the other). The first entry that is not (a skip, a
	// re-entry, a move back) breaks the chain: the deal reaches no stage
	// from there on, also when it comes back to the chain's stage later,
	// and counts as won only if it was won right after entering the last
	// stage. So a deal whose first entry is past stage 0 reaches none, even
	// if it enters stage 0 later (history B, A, C reaches no stage), and
	// DirectNext never counts a deal at a stage that InOrder does not.
	// Stages in Options.Optional may be skipped, also at the start.
	DirectNext
)

var policyNames = [...]string{InOrder: "in-order", AnyStage: "any-stage", DirectNext: "direct-next"}

func (p Policy) valid() bool { return p >= InOrder && p <= DirectNext }

// String returns "in-order", "any-stage" or "direct-next", or "Policy(N)"
// for an invalid value.
func (p Policy) String() string { return enumString(p, policyNames[:], "Policy") }

// MarshalText encodes the policy by name. It returns an error wrapping
// [ErrInvalidParam] for an invalid value.
func (p Policy) MarshalText() ([]byte, error) {
	return enumMarshal(p, policyNames[:], "policy", ErrInvalidParam)
}

// UnmarshalText decodes a policy name as written by [Policy.MarshalText].
func (p *Policy) UnmarshalText(b []byte) error {
	return enumUnmarshal(p, b, policyNames[:], "policy", ErrInvalidParam)
}

// Options say how every analysis reads and counts deals: one value for the
// report, the segmentations and every analysis of the sub-packages. The
// zero Options are valid: strict, in-order, no conversion window, no as-of
// time, months in UTC, no currency code, closed deals need a close time,
// 95% confidence with a minimum sample of 30, all cores.
type Options struct {
	// Mode says whether an invalid deal stops the analysis (Strict) or is
	// skipped, counted and listed (Lenient).
	Mode Mode
	// Policy is the stage-reach policy for conversion.
	Policy Policy
	// Window, when positive, is the conversion window: only stages entered
	// (and wins closed) within Window of the deal's creation count as
	// reached, and an open deal is pending only while it is inside its
	// window. It needs AsOf. Zero means no window: every open deal is
	// pending, none has dropped yet.
	Window time.Duration
	// AsOf is the time the data describes. Every analysis sees each deal
	// as it stood then ([Deal.At]): a deal won later is open, a stage
	// entered later is not reached, a deal created later is left out
	// (counted in Input.Future). It also gives the age of open deals and
	// the time spent so far in their current stage. Zero means the deals
	// as they are, with no ages. Functions never read the clock.
	AsOf time.Time
	// Optional lists stages a deal may skip under InOrder and DirectNext
	// without dropping out of the later ones (PostHog's optional steps).
	// The step into the row after an optional stage is counted from the
	// last row before it that is not optional: of the deals that reached
	// that row, those that reached this one, whichever way.
	Optional []Stage
	// StepWindows bound the time a step may take, under InOrder and
	// DirectNext: a deal counts at the step's row only if it entered it at
	// least Min and at most Max (when positive) after it entered the row
	// the step is counted from (see Optional); entries of unrecorded time
	// pass. The conversion Window, from creation, applies too.
	StepWindows []StepWindow
	// HoldConstant names an attribute (an Attr constant or a custom key)
	// that must keep its value across the funnel: a deal counts at a row
	// only if the attribute's value when it entered the row, read from its
	// field history (Deal.Changes), is the value it had when it entered the
	// first row it reached (Amplitude's "hold property constant"). Empty
	// means no such condition.
	HoldConstant string
	// Location is the time zone of periods (lead generation, cohorts,
	// trends). Nil means UTC.
	Location *time.Location
	// Period is the period of lead generation and creation cohorts.
	Period Period
	// Calendar counts months, quarters and years in calendar years (the
	// zero Calendar), fiscal years starting in any month, or 4-4-5 weeks;
	// every analysis of the scan uses it for its periods.
	Calendar Calendar
	// Currency is the currency code every deal must carry (Deal.Currency);
	// a deal in another currency is invalid ([ErrCurrencyMismatch]).
	// Empty means deals carry no currency code.
	Currency string
	// UndatedClose accepts won and lost deals without a close time (a lead
	// list with a "converted" flag and no dates): they count for outcomes
	// and stage reach, and the figures that need the close time (sales
	// cycle, time in the last stage, trends by close date) count them as
	// undated. When false such a deal is invalid ([ErrMissingCloseTime]).
	UndatedClose bool
	// Test is the confidence level of every interval and the rule of every
	// comparison.
	Test Test
	// QuantileError, when positive, keeps a mergeable quantile sketch of
	// every amount and duration statistic instead of every value: memory
	// then stays constant in the number of deals (a few kilobytes per
	// statistic), and each percentile is within this relative error of
	// the exact one (DDSketch; Masson, Rim and Lee 2019, "DDSketch: A Fast
	// and Fully-Mergeable Quantile Sketch with Relative-Error Guarantees",
	// PVLDB 12(12)), which the summaries report (RelativeError). Counts,
	// sums and means stay exact. A sketch holds at most 2,048 buckets
	// (about 50 KB, 14 decades at 1%), so a Tally holds at most
	// 2 x (stages + 1) + 5 sketches besides its per-period and per-source
	// counts, whatever the number of deals (a 5-stage tally of 10,000,000
	// deals: under 84 KB). It must be in (0, 0.5]; zero means exact
	// percentiles, the default.
	QuantileError float64
	// Workers is the number of goroutines [Scan.Run] uses, and that the
	// results of the scan's accumulators use for their independent parts
	// (the rows of a segmentation or a series, a survival curve's
	// intervals, a learner's stages); zero means GOMAXPROCS, 1 runs on
	// the calling goroutine. Results do not depend on it.
	Workers int
}

// A StepWindow bounds the time of one step of the funnel (see
// Options.StepWindows).
type StepWindow struct {
	// Step is the row the step leads to: 1 .. the number of stages, that
	// number meaning the won row.
	Step int
	// Min and Max bound the time from the previous counted row's entry
	// (Max zero: no bound).
	Min, Max time.Duration
}

func (o Options) validate() error {
	switch {
	case o.Mode != Strict && o.Mode != Lenient:
		return fmt.Errorf("funnel: mode %d: %w", o.Mode, ErrInvalidParam)
	case !o.Policy.valid():
		return fmt.Errorf("funnel: policy %d: %w", o.Policy, ErrInvalidParam)
	case !o.Period.valid():
		return fmt.Errorf("funnel: period %d: %w", o.Period, ErrInvalidParam)
	case o.Calendar.Validate() != nil:
		return o.Calendar.Validate()
	case o.Window < 0:
		return fmt.Errorf("funnel: negative window %v: %w", o.Window, ErrInvalidParam)
	case o.Window > 0 && o.AsOf.IsZero():
		return fmt.Errorf("funnel: window %v without an as-of time: %w", o.Window, ErrInvalidParam)
	case o.Workers < 0:
		return fmt.Errorf("funnel: %d workers: %w", o.Workers, ErrInvalidParam)
	case slices.ContainsFunc(o.StepWindows, func(w StepWindow) bool { return w.Min < 0 || w.Max < 0 || (w.Max > 0 && w.Max < w.Min) }):
		return fmt.Errorf("funnel: step window with a negative bound or Max below Min: %w", ErrInvalidParam)
	case o.QuantileError != 0 && !validQuantileError(o.QuantileError):
		return fmt.Errorf("funnel: quantile error %v outside (0, 0.5]: %w", o.QuantileError, ErrInvalidParam)
	}
	return nil
}

// stageAcc accumulates one stage (or, at index n, the won outcome). What
// a deal that reaches the row updates comes first: the counts, the sums
// of squares, the sums of amounts (hot fields first in each) and the
// times in the stage.
type stageAcc struct {
	reached  int64 // deals that reached the stage
	entered  int64 // deals that entered it at all (inside the window)
	viaFirst int64 // of those, deals that also reached the first stage
	stepIn   int64 // deals that reached the row the step into this row starts from, and this row
	pending  int64 // deals that reached the step's start row but not this row, open inside their window
	untimed  int64 // deals that entered the stage with a visit of unknown length
	// the amounts of the deals that reached the row, and of those that
	// also took the step into it (sums only), and the sums of their
	// squares (for the interval of the value-weighted step conversion)
	reachedSq, stepSq       squareSum
	reachedValue, stepValue MoneyStats
	times                   stageTimes // the deals' latest and total time in the stage
	// the amounts of the deals lost in the stage and of those open in it
	// (sums only)
	lost, open   MoneyStats
	reasons      []lostReason // deals lost in this stage, by lost reason, sorted by hash
	lastReason   int          // scratch: the index in reasons of the reason added to last
	otherReasons lostReason   // deals lost for the reasons not kept
}

// lostReason counts the deals lost in a stage for one reason.
type lostReason struct {
	reason string
	hash   uint64
	n      int64
	value  MoneyStats // sum only
}

// maxKeptReasons is the number of distinct lost reasons a stage keeps: the
// ones with the smallest hashes, so that which are kept does not depend on
// the order deals come in; deals lost for the others are counted together.
const maxKeptReasons = 1024

// MaxLostReasons is the number of lost reasons a report lists per stage,
// the most frequent; the others are counted under OtherReason.
const MaxLostReasons = 20

// OtherReason is the lost reason under which a report counts the deals lost
// for the reasons it does not list.
const OtherReason = "(other)"

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
// pass: it is the [Accumulator] behind [Compute] and [Report]. Add deals
// with [Tally.Add] (or feed it with other analyses through [Scan.Run]),
// merge another tally with [Tally.Merge], and read the metrics with
// [Tally.Report]. Merging the tallies of the parts of any split of the
// deals gives exactly the tally of the whole.
//
// Memory grows with the number of deals: every duration and amount is kept
// (4 or 8 bytes each) for exact medians and percentiles, about 16 bytes per
// closed deal of two stage changes (its amount, its cycle and its time in
// each stage: a stage's latest and total time in it, when equal, as for a
// deal that visited it once, are kept once; the amounts lost and open in
// each stage are kept as sums).
//
// A Tally is not safe for concurrent use: give each goroutine its own and
// Merge them. The zero Tally is not usable; build one with [NewTally].
type Tally struct {
	// what every deal updates comes first, together: the counts, the
	// stages, the scratch that finds a deal's source and period, then the
	// statistics of closed deals, lost ones first (the most common)
	s                      *Scan
	n                      int // stages
	deals, open, won, lost int64
	stages                 []stageAcc // len n+1: the funnel stages, then won
	in                     Intake

	// scratch, not part of the tally's state
	lastSource int           // the source index found last
	srcTab     *sourceTable  // the table of the views whose source numbers srcOf maps
	srcOf      []int32       // by a view's source number: the source index, or -1
	ranges     []periodRange // sorted by start
	lastRange  int           // the index in ranges of the period found last

	lostAmount          MoneyStats
	cycleLost, cycleWon DurationStats
	wonAmount           MoneyStats
	cycleUndated        int64 // closed deals whose creation or close time is unknown
	openAge             DurationStats
	ageUndated          int64 // open deals without an age (unknown creation or AsOf)
	periods             map[int32]*periodAcc
	undated             periodAcc // deals with unknown creation time
	sourceNames         []string  // source of each index of periodAcc.bySource
	sourceIdx           map[string]int
}

// NewTally returns an empty tally of the scan's deals. For a nil scan it
// returns the zero Tally, which holds no scan: its Report is the zero
// Report, Add and MarshalBinary return an error wrapping
// [ErrInvalidParam], and UnmarshalBinary takes the encoded scan.
func NewTally(s *Scan) *Tally {
	if s == nil {
		return new(Tally)
	}
	t := &Tally{s: s, n: len(s.f.stages), stages: make([]stageAcc, len(s.f.stages)+1), periods: make(map[int32]*periodAcc)}
	for i := range t.stages {
		s := &t.stages[i]
		s.reachedValue.sumOnly, s.stepValue.sumOnly, s.lost.sumOnly, s.open.sumOnly = true, true, true, true
	}
	if q := s.opts.QuantileError; q > 0 {
		t.eachStat(func(m *MoneyStats) { m.skErr = q }, func(d *DurationStats) { d.skErr = q })
	}
	return t
}

// eachStat calls fm for every money statistic of t and fd for every
// duration statistic.
func (t *Tally) eachStat(fm func(*MoneyStats), fd func(*DurationStats)) {
	for i := range t.stages {
		t.stages[i].times.each(fd)
	}
	fm(&t.wonAmount)
	fm(&t.lostAmount)
	fd(&t.cycleWon)
	fd(&t.cycleLost)
	fd(&t.openAge)
}

// validQuantileError reports whether e is a sketch's relative error the
// library accepts.
func validQuantileError(e float64) bool { return e > 0 && e <= 0.5 }

// Scan returns the scan the tally was built for.
func (t *Tally) Scan() *Scan { return t.s }

// Fresh returns an empty tally of the same scan.
func (t *Tally) Fresh() Accumulator { return NewTally(t.s) }

// Add validates d and adds it, as [Scan.Add] does: an invalid deal is
// counted as skipped, with its reason, and its [*DealError] is returned, so
// that the caller can stop (strict) or go on (lenient).
func (t *Tally) Add(d Deal) error {
	if t.s == nil {
		return errNoScan
	}
	return t.s.Add(d, t)
}

// errNoScan is the error of the zero Tally's Add and MarshalBinary.
var errNoScan = fmt.Errorf("funnel: a tally without a scan (the zero Tally or NewTally(nil)): %w", ErrInvalidParam)

// Observe adds one deal handed over by the scan (see [Accumulator]).
func (t *Tally) Observe(v *View) {
	if !t.in.Note(v) {
		return
	}
	t.add(v)
}

func (t *Tally) add(v *View) {
	d, p := v.Deal, &v.p
	t.deals++
	last := &t.stages[p.entries[len(p.entries)-1].k]
	switch d.Outcome {
	case Won:
		t.won++
		t.wonAmount.addAmount(&p.amt, &d.Amount)
	case Lost:
		t.lost++
		t.lostAmount.addAmount(&p.amt, &d.Amount)
		last.lost.addAmount(&p.amt, &d.Amount)
		last.addReason(d.LostReason, &p.amt, &d.Amount)
	default:
		t.open++
		last.open.addAmount(&p.amt, &d.Amount)
	}

	t.count(v)
	t.value(v)
	t.timeInStage(v)

	switch {
	case d.Outcome != Open && p.created.ok && p.closed.ok:
		if d.Outcome == Won {
			t.cycleWon.AddSeconds(p.created.secondsTo(p.closed))
		} else {
			t.cycleLost.AddSeconds(p.created.secondsTo(p.closed))
		}
	case d.Outcome != Open:
		t.cycleUndated++
	case p.created.ok && t.s.asOf.ok && !t.s.asOf.before(p.created):
		t.openAge.AddSeconds(p.created.secondsTo(t.s.asOf))
	default:
		t.ageUndated++
	}

	pa := &t.undated
	if p.created.ok {
		pa = t.period(d.Created, p.created.sec)
	}
	i := t.sourceOf(v)
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

// sourceOf returns the index of the source of the view's deal, adding it
// when new: by the view's number of the source when it has one (the
// numbers of the views of one table mapped to indexes as they come), by
// name otherwise.
func (t *Tally) sourceOf(v *View) int {
	id := v.srcID
	if v.srcs == nil || id < 0 {
		return t.sourceIndex(v.Deal.Attrs.Source)
	}
	if v.srcs != t.srcTab {
		t.srcTab, t.srcOf = v.srcs, t.srcOf[:0]
	}
	if int(id) < len(t.srcOf) {
		if i := t.srcOf[id]; i >= 0 {
			return int(i)
		}
	}
	i := t.sourceIndex(v.Deal.Attrs.Source)
	for len(t.srcOf) <= int(id) {
		t.srcOf = append(t.srcOf, -1)
	}
	t.srcOf[id] = int32(i)
	return i
}

// sourceIndex returns the index of a source name, adding it when new. The
// first names are compared directly, which is faster than hashing when
// sources are few and share their storage.
func (t *Tally) sourceIndex(name string) int {
	if i := t.lastSource; i < len(t.sourceNames) && t.sourceNames[i] == name {
		return i // the same source as the deal before: a segment's, often
	}
	for i, n := range t.sourceNames[:min(8, len(t.sourceNames))] {
		if n == name {
			t.lastSource = i
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
	// the period of the deal before (deals come in creation order often),
	// else a binary search for the range that holds sec, or the insertion
	// point
	if k := t.lastRange; k < len(t.ranges) {
		if r := &t.ranges[k]; sec >= r.start && sec < r.end {
			return r.acc
		}
	}
	i, j := 0, len(t.ranges)
	for i < j {
		h := int(uint(i+j) >> 1)
		switch r := &t.ranges[h]; {
		case sec < r.start:
			j = h
		case sec >= r.end:
			i = h + 1
		default:
			t.lastRange = h
			return r.acc
		}
	}
	t.lastRange = i
	per, loc := span{t.s.opts.Period, t.s.opts.Calendar}, t.s.opts.Location
	k := per.keyOf(created, loc)
	start := per.keyStart(k, loc)
	acc := t.periods[k]
	if acc == nil {
		acc = new(periodAcc)
		t.periods[k] = acc
	}
	t.ranges = slices.Insert(t.ranges, i, periodRange{start.Unix(), per.keyStart(per.nextKey(k), loc).Unix(), acc})
	return acc
}

// count updates the stage reach, step and pending counts of one deal.
func (t *Tally) count(v *View) {
	reached, steps := v.reached, &t.s.stepsOf // the array by pointer: a copy is 512 bytes
	for e := v.entered; e != 0; e &= e - 1 {
		t.stages[trailingZeros(e)].entered++
	}
	for r := reached; r != 0; r &= r - 1 {
		j := trailingZeros(r)
		s := &t.stages[j]
		s.reached++
		if reached&1 != 0 {
			s.viaFirst++
		}
		// the steps that start at row j: taken, or pending
		for st := steps[j]; st != 0; st &= st - 1 {
			k := trailingZeros(st)
			if reached&(1<<k) != 0 {
				t.stages[k].stepIn++
			} else if v.pending {
				t.stages[k].pending++
			}
		}
	}
}

// value adds the deal's amount to the rows it reached and the steps it
// took.
func (t *Tally) value(v *View) {
	reached, from, amt, sc := v.reached, &t.s.from, &v.Deal.Amount, &v.p.amt
	for r := reached; r != 0; r &= r - 1 {
		k := trailingZeros(r)
		s := &t.stages[k]
		s.reachedValue.addAmount(sc, amt)
		s.reachedSq.add(sc, amt)
		if k > 0 && reached&(1<<from[k]) != 0 {
			s.stepValue.addAmount(sc, amt)
			s.stepSq.add(sc, amt)
		}
	}
}

// addReason counts a deal lost for reason with its amount, whose
// coefficient and exponent sc holds (see MoneyStats.addAmount).
func (s *stageAcc) addReason(reason string, sc *scaledAmount, amt *decimal.Decimal) {
	// the reason of the deal lost here before, most often
	if i := s.lastReason; i < len(s.reasons) && s.reasons[i].reason == reason {
		r := &s.reasons[i]
		r.n++
		r.value.addAmount(sc, amt)
		return
	}
	// a reason kept already: add to it in place, without the merge
	h := reasonHash(reason)
	lo, hi := 0, len(s.reasons)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r := &s.reasons[m]; r.hash < h || (r.hash == h && r.reason < reason) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if r := s.reasons[lo:]; len(r) > 0 && r[0].hash == h && r[0].reason == reason {
		s.lastReason = lo
		r[0].n++
		r[0].value.addAmount(sc, amt)
		return
	}
	var one MoneyStats
	one.sumOnly = true
	one.addAmount(sc, amt)
	s.mergeReason(&lostReason{reason: reason, hash: h, n: 1, value: one})
}

// mergeReason adds o's deals lost for one reason: to its own count when
// the stage keeps it, to the others' otherwise. A stage keeps the
// maxKeptReasons reasons of smallest hash.
func (s *stageAcc) mergeReason(o *lostReason) {
	i, found := slices.BinarySearchFunc(s.reasons, o, cmpReason)
	if found {
		s.reasons[i].n += o.n
		s.reasons[i].value.Merge(&o.value)
		return
	}
	if i >= maxKeptReasons {
		s.foldReason(o)
		return
	}
	r := lostReason{reason: o.reason, hash: o.hash, n: o.n, value: MoneyStats{sumOnly: true}}
	r.value.Merge(&o.value)
	s.reasons = slices.Insert(s.reasons, i, r)
	if len(s.reasons) > maxKeptReasons {
		s.foldReason(&s.reasons[maxKeptReasons])
		s.reasons = s.reasons[:maxKeptReasons]
	}
}

// foldReason counts a reason's deals among the reasons not kept.
func (s *stageAcc) foldReason(o *lostReason) {
	s.otherReasons.n += o.n
	s.otherReasons.value.sumOnly = true
	s.otherReasons.value.Merge(&o.value)
}

func cmpReason(a lostReason, b *lostReason) int {
	return cmp.Or(cmp.Compare(a.hash, b.hash), strings.Compare(a.reason, b.reason))
}

// reasonHash is the FNV-1a hash of a lost reason.
func reasonHash(r string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(r); i++ {
		h ^= uint64(r[i])
		h *= 1099511628211
	}
	return h
}

// timeInStage adds the latest and cumulative time the deal spent in each
// stage it entered (see View.visits). A stage with a visit of unknown
// length is counted as untimed for this deal instead.
func (t *Tally) timeInStage(v *View) {
	vt := v.visits(t.s.asOf)
	for b := vt.visited; b != 0; b &= b - 1 {
		k := trailingZeros(b)
		s := &t.stages[k]
		if vt.untimed&(1<<k) != 0 {
			s.untimed++
			continue
		}
		s.times.add(vt.last[k], vt.cum[k])
	}
}

// visitTimes are a deal's stage visits: the stages it visited, those of
// them with a visit of unknown length, and for the others the seconds of
// all their visits and of the latest.
type visitTimes struct {
	visited, untimed uint64
	cum, last        [MaxStages]int64
}

// visits returns the stage visits of the view's deal, worked out at the
// first call for the deal: every tally the deal is handed to (one per
// segmentation, or more) reads the same ones. A visit lasts from its
// entry to the next entry, or to the entry into an exclusion stage, the
// close time, or (open deals) asOf, the scan's.
func (v *View) visits(asOf instant) *visitTimes {
	vt := &v.vis
	if v.visOK {
		return vt
	}
	p, o := &v.p, v.Deal.Outcome
	vt.visited, vt.untimed = 0, 0
	for i, e := range p.entries {
		var end instant
		switch {
		case i+1 < len(p.entries):
			end = p.entries[i+1].at
		case p.excluded:
			end = p.exclAt // left the funnel (unrecorded: untimed)
		case o != Open:
			end = p.closed
		default:
			end = asOf
		}
		bit := uint64(1) << e.k
		if vt.visited&bit == 0 {
			vt.visited |= bit
			vt.cum[e.k] = 0
		}
		if !e.at.ok || !end.ok || end.before(e.at) {
			vt.untimed |= bit
			continue
		}
		sec := e.at.secondsTo(end)
		vt.cum[e.k] += sec
		vt.last[e.k] = sec
	}
	v.visOK = true
	return vt
}

// Merge adds every deal counted by o, a *Tally, to t, as if t had been
// given them after its own. o is not modified. It returns an error
// wrapping [ErrIncompatible] if o is not a tally of an equal scan, and one
// wrapping [ErrInvalidParam] for a nil o or t itself.
func (t *Tally) Merge(o Accumulator) error {
	ot, err := mergeable[*Tally](t, o)
	if err != nil {
		return err
	}
	t.merge(ot, false)
	return nil
}

// take is Merge of an o about to be dropped: its samples are moved rather
// than copied (see [Scan.Run]).
func (t *Tally) take(o Accumulator) error {
	ot, err := mergeable[*Tally](t, o)
	if err != nil {
		return err
	}
	t.merge(ot, true)
	return nil
}

// mergeable checks that a and o are non-nil accumulators of type T, not
// the same one, built for equal scans.
func mergeable[T Accumulator](a Accumulator, o Accumulator) (T, error) {
	var zero T
	if a == nil || any(a) == any(zero) {
		return zero, fmt.Errorf("funnel: merging into a nil %T: %w", a, ErrInvalidParam)
	}
	if o == nil {
		return zero, fmt.Errorf("funnel: merging nil: %w", ErrInvalidParam)
	}
	ot, ok := o.(T)
	if !ok {
		return zero, fmt.Errorf("funnel: merging %T into %T: %w", o, a, ErrIncompatible)
	}
	if any(ot) == any(zero) {
		return zero, fmt.Errorf("funnel: merging a nil %T: %w", o, ErrInvalidParam)
	}
	if any(ot) == any(a) {
		return zero, fmt.Errorf("funnel: merging %T into itself: %w", a, ErrInvalidParam)
	}
	if !a.Scan().Equal(o.Scan()) {
		return zero, fmt.Errorf("funnel: merging accumulators of different funnels or options: %w", ErrIncompatible)
	}
	return ot, nil
}

func (t *Tally) merge(o *Tally, take bool) {
	t.in.Merge(&o.in)
	t.deals += o.deals
	t.open += o.open
	t.won += o.won
	t.lost += o.lost
	for i := range t.stages {
		s, os := &t.stages[i], &o.stages[i]
		s.reached += os.reached
		s.entered += os.entered
		s.viaFirst += os.viaFirst
		s.stepIn += os.stepIn
		s.pending += os.pending
		s.untimed += os.untimed
		s.lost.merge(&os.lost, take)
		s.open.merge(&os.open, take)
		s.reachedValue.Merge(&os.reachedValue)
		s.stepValue.Merge(&os.stepValue)
		s.reachedSq.merge(&os.reachedSq)
		s.stepSq.merge(&os.stepSq)
		for _, r := range os.reasons {
			s.mergeReason(&r)
		}
		s.foldReasonsOf(&os.otherReasons)
		s.times.merge(&os.times, take)
	}
	t.wonAmount.merge(&o.wonAmount, take)
	t.lostAmount.merge(&o.lostAmount, take)
	t.cycleWon.merge(&o.cycleWon, take)
	t.cycleLost.merge(&o.cycleLost, take)
	t.cycleUndated += o.cycleUndated
	t.openAge.merge(&o.openAge, take)
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
}

// foldReasonsOf adds the deals another stage counted among the reasons
// not kept.
func (s *stageAcc) foldReasonsOf(o *lostReason) {
	if o.n > 0 {
		s.foldReason(o)
	}
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

// Compute validates and tallies deals in one pass and returns the report:
// [NewScan], [NewTally], [Scan.Run] and [Tally.Report] in one call. In
// [Strict] mode it stops at the first invalid deal and returns its
// [*DealError]; in [Lenient] mode invalid deals are skipped and reported
// in Report.Input. It returns an error wrapping [ErrInvalidParam] for
// invalid options. Callers with a slice pass [slices.Values](deals).
func Compute(f *Funnel, deals iter.Seq[Deal], opts Options) (Report, error) {
	s, err := NewScan(f, opts)
	if err != nil {
		return Report{}, err
	}
	t := NewTally(s)
	if err := s.Run(deals, t); err != nil {
		return Report{}, err
	}
	return t.Report(), nil
}

// sortedKeys returns m's keys in ascending order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
