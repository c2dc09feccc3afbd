package trend

import (
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// MaxCells is the largest number of cells (cohorts times ages) of a
// cohort [Table]; a larger table is an error of [Cohorts.Table] that asks
// for CohortOptions.MaxAge or a longer period. Each cell takes about 150
// bytes.
const MaxCells = 1 << 19

// CohortOptions are the settings of [Cohorts] of their own.
type CohortOptions struct {
	// MaxAge, when positive, is the last age of every cohort row; wins at
	// a later age are counted in Table.Beyond. Zero means every age up to
	// the as-of period (or, without an as-of time, the last period of the
	// data).
	MaxAge int
}

// Cohorts accumulates creation cohorts of deals in one pass: the deals
// created in each period (the scan's Period, in its Calendar and Location)
// and, for each age k (whole periods since the creation period, age 0 being
// that period), the deals won by then and their amount. It is the
// [funnel.Accumulator] behind [ComputeCohorts].
//
// Memory grows with the cohorts and with the (cohort, age) pairs that
// have wins. A Cohorts is not safe for concurrent use: give each goroutine
// its own (Fresh) and Merge them.
type Cohorts struct {
	s          *funnel.Scan
	opts       CohortOptions
	cal        calendar
	asOfOrd    int64 // the as-of period, when the scan has an as-of time
	hasAsOf    bool
	in         funnel.Intake
	undated    int64 // no datable creation time
	wonUndated int64 // won without a datable close time
	last       int64 // the latest period of the data (creation or close), while any is dated
	dated      bool
	cohorts    map[int64]*cohort
	cache      periodCache
}

// cohort accumulates the deals created in one period.
type cohort struct {
	size int64
	won  map[int]*cell // by age
}

type cell struct {
	n      int64
	amount decimal.Decimal
}

// NewCohorts returns empty creation cohorts of the scan's deals. It
// returns an error wrapping [funnel.ErrInvalidParam] for a nil scan, a
// negative MaxAge, or an as-of time outside years 1 to 9999.
func NewCohorts(s *funnel.Scan, opts CohortOptions) (*Cohorts, error) {
	if s == nil {
		return nil, fmt.Errorf("trend: nil scan: %w", funnel.ErrInvalidParam)
	}
	if opts.MaxAge < 0 {
		return nil, fmt.Errorf("trend: cohort max age %d: %w", opts.MaxAge, funnel.ErrInvalidParam)
	}
	c := &Cohorts{s: s, opts: opts, cal: newCalendar(s), cohorts: map[int64]*cohort{}}
	c.cache.c = c.cal
	if asOf := s.Options().AsOf; !asOf.IsZero() {
		k, _, _, ok := c.cal.place(asOf)
		if !ok {
			return nil, fmt.Errorf("trend: as of %v: outside years %d to %d: %w", asOf, minYear, maxYear, funnel.ErrInvalidParam)
		}
		c.asOfOrd, c.hasAsOf = k, true
	}
	return c, nil
}

// ComputeCohorts returns the creation cohorts of the deals, read in one
// pass: [NewCohorts], [funnel.Scan.Run] and [Cohorts.Table]. It returns
// their errors, and one wrapping [funnel.ErrInvalidParam] for a nil stream.
func ComputeCohorts(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts CohortOptions) (Table, error) {
	return onepass.Run(s, deals, opts, NewCohorts, (*Cohorts).Table)
}

// Scan returns the scan the cohorts were built for.
func (c *Cohorts) Scan() *funnel.Scan { return c.s }

// Fresh returns empty cohorts of the same scan and options.
func (c *Cohorts) Fresh() funnel.Accumulator {
	f, _ := NewCohorts(c.s, c.opts) // the options were valid for c
	return f
}

// Add validates d and adds it, as [funnel.Scan.Add] does.
func (c *Cohorts) Add(d funnel.Deal) error { return c.s.Add(d, c) }

// Observe adds one deal handed over by the scan (see
// [funnel.Accumulator]).
func (c *Cohorts) Observe(v *funnel.View) {
	if !c.in.Note(v) {
		return
	}
	d := v.Deal
	var k int64
	ok := !d.Created.IsZero()
	if ok {
		k, ok = c.cache.place(d.Created)
	}
	if !ok {
		c.undated++
		return
	}
	c.see(k)
	co := c.cohorts[k]
	if co == nil {
		co = &cohort{won: map[int]*cell{}}
		c.cohorts[k] = co
	}
	co.size++
	if d.Outcome == funnel.Open {
		return
	}
	var ck int64
	ok = !d.Closed.IsZero()
	if ok {
		ck, ok = c.cache.place(d.Closed)
	}
	if !ok {
		if d.Outcome == funnel.Won {
			c.wonUndated++
		}
		return
	}
	c.see(ck)
	if d.Outcome == funnel.Won {
		co.add(int(ck-k), 1, d.Amount)
	}
}

// see records that the data reaches period k.
func (c *Cohorts) see(k int64) {
	if !c.dated || k > c.last {
		c.last, c.dated = k, true
	}
}

func (co *cohort) add(age int, n int64, amount decimal.Decimal) {
	x := co.won[age]
	if x == nil {
		x = &cell{}
		co.won[age] = x
	}
	x.n += n
	x.amount = x.amount.Add(amount)
}

// Merge adds every deal counted by o, a *Cohorts of an equal scan and
// options, to c. o is not modified. It returns an error wrapping
// [funnel.ErrIncompatible] for another kind, scan or options, and one
// wrapping [funnel.ErrInvalidParam] for a nil o or c itself.
func (c *Cohorts) Merge(o funnel.Accumulator) error {
	b, err := mergeable[*Cohorts](c, o)
	if err != nil {
		return err
	}
	if c.opts != b.opts {
		return fmt.Errorf("trend: merging cohorts of other options: %w", funnel.ErrIncompatible)
	}
	c.in.Merge(&b.in)
	c.undated += b.undated
	c.wonUndated += b.wonUndated
	if b.dated {
		c.see(b.last)
	}
	for k, bc := range b.cohorts {
		co := c.cohorts[k]
		if co == nil {
			co = &cohort{won: map[int]*cell{}}
			c.cohorts[k] = co
		}
		co.size += bc.size
		for age, x := range bc.won {
			co.add(age, x.n, x.amount)
		}
	}
	return nil
}

// A Table is a table of creation cohorts: one [funnel.Cohort] per
// creation period that has deals, in time order. A cohort's Size is the
// deals created in its period; at age k (whole periods since it, age 0
// being the creation period itself) Count is the deals won by the end of
// period k (cumulative), Rate = Count / Size (the cohort's
// lead-to-customer conversion by age k, with its Wilson interval), Amount
// the amount won by then and PerUnit = Amount / Size. Ages run to the
// as-of period (or the data's last period) or MaxAge, whichever comes
// first. Deals still open are in Size: the rates rise while they are won.
// Ages count calendar periods: a day a zone skipped is an age whose
// values repeat the age before.
type Table struct {
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	AsOf     time.Time       `json:"-"` // JSON as_of, null when zero
	MaxAge   int             `json:"max_age"`

	Input   funnel.Input    `json:"input"`
	Cohorts []funnel.Cohort `json:"cohorts"`
	// Undated counts deals without a creation time (or one outside years
	// 1 to 9999): they are in no cohort.
	Undated int64 `json:"undated"`
	// WonUndated counts won deals without a close time (or one outside
	// years 1 to 9999): they are in their cohort's Size but won at no age.
	WonUndated int64 `json:"won_undated"`
	// Beyond counts deals won at an age after MaxAge.
	Beyond int64 `json:"beyond"`
}

// Table returns the cohort table of the deals added so far. It shares no
// memory with c. It returns an error wrapping [funnel.ErrInvalidParam]
// when the table would have more than [MaxCells] cells.
func (c *Cohorts) Table() (Table, error) {
	o := c.s.Options()
	t := Table{Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(), AsOf: o.AsOf, MaxAge: c.opts.MaxAge,
		Input: c.in.Input(), Cohorts: []funnel.Cohort{}, Undated: c.undated, WonUndated: c.wonUndated}
	last := c.last
	if c.hasAsOf {
		last = c.asOfOrd
	}
	keys := slices.Sorted(maps.Keys(c.cohorts))
	var cells int64
	for _, k := range keys {
		cells += int64(c.lastAge(k, last)) + 1
	}
	if cells > MaxCells {
		return Table{}, fmt.Errorf("trend: the cohort table has %d cells, more than %d: set CohortOptions.MaxAge or a longer period: %w",
			cells, MaxCells, funnel.ErrInvalidParam)
	}
	level := c.s.Level()
	for _, k := range keys {
		co := c.cohorts[k]
		start, _ := c.cal.start(k)
		row := funnel.Cohort{Start: start, Size: co.size, Ages: make([]funnel.CohortValue, c.lastAge(k, last)+1)}
		ages := slices.Sorted(maps.Keys(co.won))
		var n int64
		var amount decimal.Decimal
		j := 0
		size := decimal.NewFromInt(co.size)
		for age := range row.Ages {
			for ; j < len(ages) && ages[j] <= age; j++ {
				n += co.won[ages[j]].n
				amount = amount.Add(co.won[ages[j]].amount)
			}
			ratio := funnel.Ratio{Num: n, Den: co.size}
			iv, _ := ratio.Wilson(funnel.Confidence(level))
			row.Ages[age] = funnel.CohortValue{Count: n, Rate: funnel.Rate{Ratio: ratio, Interval: iv},
				Amount: amount, PerUnit: amount.DivRound(size, divScale)}
		}
		for ; j < len(ages); j++ {
			t.Beyond += co.won[ages[j]].n
		}
		t.Cohorts = append(t.Cohorts, row)
	}
	return t, nil
}

// lastAge returns the last age of cohort k's row when the data ends at
// period last.
func (c *Cohorts) lastAge(k, last int64) int {
	a := max(last-k, 0)
	if c.opts.MaxAge > 0 {
		a = min(a, int64(c.opts.MaxAge))
	}
	return int(a)
}

type tableJSON struct {
	tableAlias
	AsOf *time.Time `json:"as_of"`
}

type tableAlias Table

// MarshalJSON encodes the table in the library's JSON style.
func (t Table) MarshalJSON() ([]byte, error) {
	if t.Cohorts == nil {
		t.Cohorts = []funnel.Cohort{}
	}
	return json.Marshal(tableJSON{tableAlias(t), timePtr(t.AsOf)})
}

// UnmarshalJSON decodes a table written by [Table.MarshalJSON].
func (t *Table) UnmarshalJSON(b []byte) error {
	var o tableJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*t = Table(o.tableAlias)
	t.AsOf = timeOf(o.AsOf)
	return nil
}

const cohortsVersion = 1

// MarshalBinary encodes the cohorts (see [funnel.Accumulator]):
// deterministic, so that one pass and any merge of parts give the same
// bytes.
func (c *Cohorts) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("trend.cohorts", cohortsVersion)
	sb, err := c.s.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	w.String(string(sb))
	w.Int(c.opts.MaxAge)
	ib, err := c.in.MarshalBinary()
	if err != nil {
		return nil, err
	}
	w.String(string(ib))
	w.Varint(c.undated)
	w.Varint(c.wonUndated)
	w.Bool(c.dated)
	if c.dated {
		w.Varint(c.last)
	}
	keys := slices.Sorted(maps.Keys(c.cohorts))
	w.Int(len(keys))
	for _, k := range keys {
		co := c.cohorts[k]
		w.Varint(k)
		w.Varint(co.size)
		ages := slices.Sorted(maps.Keys(co.won))
		w.Int(len(ages))
		for _, a := range ages {
			w.Int(a)
			w.Varint(co.won[a].n)
			w.Decimal(co.won[a].amount)
		}
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes cohorts written by [Cohorts.MarshalBinary],
// replacing c's contents. Cohorts built by [NewCohorts] accept only an
// encoding of an equal scan and options (an error wrapping
// [funnel.ErrIncompatible] otherwise); the zero Cohorts take the encoded
// ones. It returns an error wrapping [funnel.ErrInvalidParam] for an
// invalid encoding.
func (c *Cohorts) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("trend.cohorts"); r.Err() == nil && v != cohortsVersion {
		r.Fail("trend.cohorts version %d", v)
	}
	s, err := readScan(r, c.s)
	if err != nil {
		return err
	}
	opts := CohortOptions{MaxAge: r.Int()}
	if r.Err() != nil {
		return decodeErr(r)
	}
	if c.s != nil && opts != c.opts {
		return fmt.Errorf("trend: decoding cohorts of other options: %w", funnel.ErrIncompatible)
	}
	out, err := NewCohorts(s, opts)
	if err != nil {
		return fmt.Errorf("trend: %w: %w", funnel.ErrInvalidParam, err)
	}
	if err := out.in.UnmarshalBinary([]byte(r.String())); err != nil {
		return err
	}
	out.undated, out.wonUndated = r.NonNeg(), r.NonNeg()
	out.dated = r.Bool()
	lo, hi := out.cal.bounds()
	if out.dated {
		out.last = r.Varint()
		if r.Err() == nil && (out.last < lo || out.last > hi) {
			r.Fail("cohort data end out of range")
		}
	}
	n := r.Count(3)
	var sizes, wins int64
	prev := int64(0)
	for i := range n {
		k, size := r.Varint(), r.NonNeg()
		m := r.Count(3)
		if r.Err() != nil {
			break
		}
		if (i > 0 && k <= prev) || !out.dated || k < lo || k > out.last || size == 0 {
			r.Fail("bad cohort")
			break
		}
		if _, ok := out.cal.start(k); !ok {
			r.Fail("cohort period %d has no instant", k)
			break
		}
		prev = k
		co := &cohort{size: size, won: make(map[int]*cell, m)}
		var won int64
		prevAge := -1
		for range m {
			age, x, amount := r.Int(), r.NonNeg(), r.Decimal()
			if r.Err() != nil {
				break
			}
			if age <= prevAge || int64(age) > out.last-k || x == 0 || amount.Sign() < 0 {
				r.Fail("bad cohort cell")
				break
			}
			prevAge = age
			won += x
			co.won[age] = &cell{x, amount}
		}
		if r.Err() == nil && won > size {
			r.Fail("cohort wins above its size")
		}
		sizes += size
		wins += won
		out.cohorts[k] = co
	}
	if r.Err() == nil && (sizes+out.undated != out.in.Counted() || wins+out.wonUndated > sizes || (n == 0 && out.wonUndated > 0) ||
		(out.hasAsOf && out.dated && out.last > out.asOfOrd)) {
		r.Fail("cohort counts do not add up")
	}
	return finish(r, c, out)
}
