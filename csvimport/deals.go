package csvimport

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
)

// A DealMapping names the columns of a deals file. Empty names are columns
// the file does not have. ID and Stage are required.
type DealMapping struct {
	ID         string
	Account    string
	Created    string
	Closed     string
	Amount     string
	Currency   string
	LostReason string
	// Stage is the column of the deal's current stage, or of its outcome:
	// a value listed in Won or Lost closes the deal with that outcome,
	// any other value must be a stage of the funnel.
	Stage string
	// Won and Lost are the values of the Stage column that mean won and
	// lost, compared exactly.
	Won, Lost []string
	// StageDates maps a stage to the column holding the time the deal
	// entered it. Those entries make up the deal's history, in time order,
	// followed by the current stage (as an entry of unrecorded time) when
	// no dated entry is for it. The stage of a won or lost deal is the last
	// stage of its history.
	StageDates map[funnel.Stage]string
	// ClosedStage is the stage given to a won or lost deal whose row
	// records no stage (its Stage column holds the outcome and no
	// StageDates column has a date), such as the last stage of the funnel.
	// Empty means such a row is an error ([funnel.ErrUnknownStage]).
	ClosedStage funnel.Stage
	// ImplyEarlierStages says that the funnel is linear: a deal that
	// reached stage k passed through every stage before it. The history is
	// then stages 0..k in funnel order, with the entry times the file has
	// and unrecorded times for the others.
	ImplyEarlierStages bool
	// Attribute columns.
	Source, Industry, Owner, Region, Product, Campaign string
	// Custom maps attribute keys to columns.
	Custom map[string]string
	// DefaultCurrency is the currency of deals whose Currency column is
	// empty or not mapped.
	DefaultCurrency string
	// EmptyAmountIsZero reads an empty amount as 0 and counts it in the
	// report's notes; otherwise an empty amount is an error ([ErrEmpty]).
	EmptyAmountIsZero bool
}

// Notes written to a Report by ReadDeals.
const (
	NoteEmptyAmount = "empty amount read as 0"
)

type dealColumns struct {
	id, account, created, closed, amount, currency, lostReason, stage int
	source, industry, owner, region, product, campaign                int
	custom                                                            []customColumn
	stageDates                                                        []stageDate // in funnel order
}

type customColumn struct {
	key string
	col int
}

type stageDate struct {
	stage funnel.Stage
	index int // in the funnel
	col   int
}

// ReadDeals reads a deals file with a header row into a slice; see
// [NewDealReader] for what it checks. In strict mode (the zero Options) the
// first bad row stops the read and its [*ParseError] is returned; in
// lenient mode bad rows are skipped and reported. An I/O error, a missing
// or duplicated mapped column ([ErrMissingColumn], [ErrDuplicateColumn])
// or an unclosed quote ([ErrUnclosedQuote]) always stops the read.
func ReadDeals(r io.Reader, file string, f *funnel.Funnel, m DealMapping, opts Options) ([]funnel.Deal, *Report, error) {
	x, err := NewDealReader(r, file, f, m, opts)
	if err != nil {
		return nil, nil, err
	}
	// The duplicate-ID check runs once the deals are read, over all of
	// them, a batch at a time: the lookups of a batch read their slots of
	// the ID set together, so that their cache misses overlap instead of
	// following one another. It finds what the row-by-row check finds, in
	// the same order.
	set := x.dr.seen
	x.dr.seen = nil
	var lines []int // the line of each deal's ID
	idCol := x.dr.c.id

	// The deals go into one slice sized from the input size and the
	// average length of the first rows when the size is known; otherwise,
	// or once that estimate is used up, into chunks that are copied once
	// into a slice of the right size. Growing one slice would copy the
	// deals many times. An estimate is capped at maxReserve deals: a file
	// whose first rows are short would otherwise ask for room for many
	// times its deals.
	var chunks [][]funnel.Deal
	cur := make([]funnel.Deal, 0, 64)
	total := 0 // deals in chunks
	for d := range x.All() {
		if len(cur) == cap(cur) {
			est := x.remaining()
			if len(chunks) == 0 && cap(cur) == 64 && est > 0 {
				cur = append(make([]funnel.Deal, 0, len(cur)+min(est+est/64+16, maxReserve)), cur...)
			} else {
				chunks = append(chunks, cur)
				total += len(cur)
				cur = make([]funnel.Deal, 0, min(max(est+est/64+16, 4096), maxReserve))
			}
		}
		cur = append(cur, d)
		if set != nil {
			if len(lines) == cap(lines) {
				lines = slices.Grow(lines, total+cap(cur)-len(lines))
			}
			lines = append(lines, x.dr.rd.fieldLine(idCol))
		}
	}
	deals := cur
	if len(chunks) > 0 {
		deals = make([]funnel.Deal, 0, total+len(cur))
		for _, c := range chunks {
			deals = append(deals, c...)
		}
		deals = append(deals, cur...)
	}
	if set != nil {
		var perr *ParseError
		if deals, perr = x.dedup(set, deals, lines); perr != nil {
			return nil, nil, perr // strict: the first problem is this one
		}
	}
	if err := x.Err(); err != nil {
		return nil, nil, err
	}
	return deals, x.Report(), nil
}

// dedup removes the deals whose ID an earlier deal has, as the row-by-row
// check of All would have skipped them, and reports them; in strict mode
// it returns the first one's error instead.
func (x *DealReader) dedup(set *idSet, deals []funnel.Deal, lines []int) ([]funnel.Deal, *ParseError) {
	rd := x.dr.rd
	strict := rd.opts.Mode == funnel.Strict
	earlier := rd.rep.Examples
	rd.rep.Examples = nil
	set.grow(len(deals))
	out := deals[:0]
	const batch = 16
	var hs [batch]uint64
	for start := 0; start < len(deals); start += batch {
		end := min(len(deals), start+batch)
		var touched uint64
		for j := start; j < end; j++ {
			h := set.hashString(deals[j].ID)
			hs[j-start] = h
			touched += set.slots[h&uint64(len(set.slots)-1)]
		}
		set.touched = touched
		for j := start; j < end; j++ {
			d := &deals[j]
			first := set.add(d.ID, hs[j-start], lines[j])
			if first == 0 {
				out = append(out, *d)
				continue
			}
			perr := &ParseError{File: rd.file, Line: lines[j], Column: rd.name(x.dr.c.id),
				Err: fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, d.ID, first)}
			if strict {
				return nil, perr
			}
			_ = rd.fail(perr)
			rd.rep.Kept--
		}
	}
	clear(deals[len(out):]) // what was moved up holds on to nothing
	if len(rd.rep.Examples) > 0 {
		ex := append(earlier, rd.rep.Examples...)
		slices.SortStableFunc(ex, func(a, b *ParseError) int { return a.Line - b.Line })
		earlier = ex[:min(len(ex), maxExamples)]
	}
	rd.rep.Examples = earlier
	return out, nil
}

// maxReserve is the most deals (about 36 MB of them) that a reader
// reserves room for ahead of the rows it has read, whatever the input size
// and the rows read so far suggest.
const maxReserve = 1 << 17

// A DealReader reads deals from a CSV file one row at a time, so that a
// large export can be streamed into a [funnel.Tally] or [funnel.Compute]
// without holding every deal. Build one with [NewDealReader]. A
// DealReader is not safe for concurrent use.
//
// What a DealReader keeps while it streams is the set of IDs it has seen,
// for the duplicate check (the ID's length and 15 to 30 bytes per deal;
// none with [Options.AssumeUniqueIDs]), and buffers the size of the longest
// record. The deals it yields hold copies of their fields, never a part
// of the input that they do not use.
type DealReader struct {
	dr   *dealReader
	size int64 // input size when known, else -1
	err  error
	used bool
}

// NewDealReader reads the header row and checks the mapping: a funnel and
// the ID and Stage columns are required ([ErrMapping]), and every mapped
// column must exist ([ErrMissingColumn]) once ([ErrDuplicateColumn]).
// file names the input in errors. Each row becomes a deal, validated
// against f (see [funnel.Deal.Validate]); a repeated ID is an error
// ([ErrDuplicateID]) unless [Options.AssumeUniqueIDs] is set, and an ID
// or a stage that holds a line break or a whole row's separators is one
// too ([ErrSuspicious]): the sign of an unbalanced quote that made one
// field of several rows.
func NewDealReader(r io.Reader, file string, f *funnel.Funnel, m DealMapping, opts Options) (*DealReader, error) {
	if f == nil || m.ID == "" || m.Stage == "" {
		return nil, fmt.Errorf("%w: a funnel and the ID and Stage columns are required", ErrMapping)
	}
	for s := range m.StageDates {
		if _, ok := f.Index(s); !ok {
			return nil, fmt.Errorf("%w: StageDates names stage %q that the funnel does not declare", ErrMapping, s)
		}
	}
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, err
	}
	var c dealColumns
	cols := []struct {
		dst  *int
		name string
	}{
		{&c.id, m.ID}, {&c.account, m.Account}, {&c.created, m.Created}, {&c.closed, m.Closed},
		{&c.amount, m.Amount}, {&c.currency, m.Currency}, {&c.lostReason, m.LostReason}, {&c.stage, m.Stage},
		{&c.source, m.Source}, {&c.industry, m.Industry}, {&c.owner, m.Owner}, {&c.region, m.Region},
		{&c.product, m.Product}, {&c.campaign, m.Campaign},
	}
	for _, col := range cols {
		if *col.dst, err = rd.column(col.name); err != nil {
			return nil, err
		}
	}
	for _, key := range sortedKeys(m.Custom) {
		i, err := rd.column(m.Custom[key])
		if err != nil {
			return nil, err
		}
		c.custom = append(c.custom, customColumn{key, i})
	}
	for s := range f.Stages() {
		name, ok := m.StageDates[s]
		if !ok {
			continue
		}
		i, err := rd.column(name)
		if err != nil {
			return nil, err
		}
		k, _ := f.Index(s)
		c.stageDates = append(c.stageDates, stageDate{s, k, i})
	}

	dr := &dealReader{rd: rd, f: f, m: &m, c: &c, times: make([]*timeParser, len(rd.header)), stages: make(map[string]int, f.Len())}
	for s := range f.Stages() {
		dr.stages[string(s)], _ = f.Index(s)
	}
	if !opts.AssumeUniqueIDs {
		dr.seen = newIDSet(1024)
	}
	return &DealReader{dr: dr, size: sizeOf(r)}, nil
}

// All returns an iterator over the valid deals, in file order. In strict
// mode it stops at the first bad row, and [Err] returns that row's
// [*ParseError]; in lenient mode it skips bad rows, which
// [DealReader.Report] counts and lists. In either mode an unclosed quote
// ([ErrUnclosedQuote]) or an I/O error stops it: the rows after an
// unclosed quote cannot be told apart, and are not counted as read.
//
// The input is read once: only the first iteration, through this iterator
// or another one that All returns, reads it, even when stopped early. A
// later iteration yields nothing and sets [Err] to an error wrapping
// [ErrAlreadyRead] (joined with the error of the first, if any), so that a
// caller that needs two passes learns it instead of getting an empty
// second pass. Collect the deals with [ReadDeals] or [slices.Collect] to
// go over them again.
//
// [Err]: DealReader.Err
func (x *DealReader) All() iter.Seq[funnel.Deal] {
	return func(yield func(funnel.Deal) bool) {
		if x.used {
			x.err = errors.Join(x.err, fmt.Errorf("%w: DealReader.All of %s iterated a second time", ErrAlreadyRead, x.dr.rd.file))
			return
		}
		x.used = true
		rd := x.dr.rd
		var d funnel.Deal
		for {
			ok, err := rd.next()
			if err != nil {
				x.err = err
				return
			}
			if !ok {
				return
			}
			if rd.rep.Rows == 64 && x.size > 0 && x.dr.seen != nil {
				x.dr.seen.grow(min(x.remaining(), maxReserve))
			}
			if perr := x.dr.deal(&d); perr != nil {
				if err := rd.fail(perr); err != nil {
					x.err = err
					return
				}
				continue
			}
			rd.rep.Kept++
			if !yield(d) {
				return
			}
		}
	}
}

// remaining estimates the rows still to come from the input size and the
// average length of the rows read so far; 0 means unknown.
func (x *DealReader) remaining() int {
	rd := x.dr.rd
	if x.size <= 0 || rd.rep.Rows == 0 {
		return 0
	}
	off := rd.sc.offset()
	perRow := max(1, off/int64(rd.rep.Rows))
	return int(max(0, x.size-off) / perRow)
}

// Err returns the error that stopped [DealReader.All], or nil; after a
// second iteration, an error wrapping [ErrAlreadyRead].
func (x *DealReader) Err() error { return x.err }

// Report returns what the reader did with the rows read so far.
func (x *DealReader) Report() *Report { return x.dr.rd.report() }

// sizeOf returns the number of bytes left in r when r can tell (a
// bytes.Reader, strings.Reader, bytes.Buffer or regular file), else -1.
func sizeOf(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case interface{ Stat() (fs.FileInfo, error) }:
		if fi, err := v.Stat(); err == nil && fi.Mode().IsRegular() {
			return fi.Size()
		}
	}
	return -1
}

type dealReader struct {
	rd     *reader
	f      *funnel.Funnel
	m      *DealMapping
	c      *dealColumns
	stages map[string]int       // the funnel's stages by name
	times  []*timeParser        // per column, each remembering its last value
	slab   []funnel.StageChange // backing storage for histories
	dated  []funnel.StageChange // scratch
	seen   *idSet               // nil without the duplicate check
	parts  [][]byte             // scratch: the fields a deal keeps
}

func (dr *dealReader) errAt(col int, err error) *ParseError { return dr.rd.at(col, err) }

func (dr *dealReader) time(col int) (t time.Time, perr *ParseError) {
	if col < 0 {
		return time.Time{}, nil
	}
	p := dr.times[col]
	if p == nil {
		p = newTimeParser(dr.rd.opts)
		dr.times[col] = p
	}
	t, err := p.parse(dr.rd.get(col))
	if err != nil {
		return t, dr.errAt(col, err)
	}
	return t, nil
}

// deal reads the current row into *out, which it overwrites. The string
// fields of the deal are copied from the row into one string of their
// own, so that a deal keeps only its own fields alive.
func (dr *dealReader) deal(out *funnel.Deal) *ParseError {
	c, m, rd := dr.c, dr.m, dr.rd
	id := rd.get(c.id)
	if len(id) == 0 {
		return dr.errAt(c.id, ErrEmpty)
	}
	if perr := rd.suspicious(c.id, id); perr != nil {
		return perr
	}
	stage := rd.get(c.stage)
	if perr := rd.suspicious(c.stage, stage); perr != nil {
		return perr
	}
	var h uint64
	if dr.seen != nil {
		h = dr.seen.hash(id)
	}

	parts := append(dr.parts[:0], id, rd.get(c.account), rd.get(c.currency), rd.get(c.lostReason),
		rd.get(c.source), rd.get(c.industry), rd.get(c.owner), rd.get(c.region), rd.get(c.product), rd.get(c.campaign))
	custom := 0
	for _, cc := range c.custom {
		v := rd.get(cc.col)
		parts = append(parts, v)
		if len(v) > 0 {
			custom++
		}
	}
	dr.parts = parts
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.Write(p)
	}
	all := b.String()
	take := func(i int) string {
		if len(parts[i]) == 0 {
			return ""
		}
		v := all[:len(parts[i])]
		all = all[len(parts[i]):]
		return v
	}

	d := out
	*d = funnel.Deal{
		ID:         take(0),
		Account:    take(1),
		Currency:   take(2),
		LostReason: take(3),
		Attrs: funnel.Attributes{
			Source: take(4), Industry: take(5), Owner: take(6),
			Region: take(7), Product: take(8), Campaign: take(9),
		},
	}
	if custom > 0 {
		d.Attrs.Custom = make(map[string]string, custom)
		for i, cc := range c.custom {
			if v := take(10 + i); v != "" {
				d.Attrs.Custom[cc.key] = v
			}
		}
	}
	if d.Currency == "" {
		d.Currency = m.DefaultCurrency
	}
	var perr *ParseError
	if d.Created, perr = dr.time(c.created); perr != nil {
		return perr
	}
	if d.Closed, perr = dr.time(c.closed); perr != nil {
		return perr
	}
	if c.amount >= 0 {
		s := rd.get(c.amount)
		if len(s) == 0 {
			if !m.EmptyAmountIsZero {
				return dr.errAt(c.amount, ErrEmpty)
			}
			rd.notes[NoteEmptyAmount]++
		} else {
			a, err := parseAmount(s, rd.opts.MaxDigits)
			if err != nil {
				return dr.errAt(c.amount, err)
			}
			d.Amount = a
		}
	}

	switch {
	case containsBytes(m.Won, stage):
		d.Outcome = funnel.Won
	case containsBytes(m.Lost, stage):
		d.Outcome = funnel.Lost
	case len(stage) == 0:
	default:
		if k, ok := dr.stage(stage); ok {
			d.Stage = dr.f.Stage(k) // the funnel's string: no copy
		} else {
			d.Stage = funnel.Stage(stage) // validation reports it
		}
	}
	if err := dr.history(d); err != nil {
		return err
	}
	if err := d.Validate(dr.f); err != nil {
		return dr.errAt(dr.columnOf(err, d), err)
	}
	if dr.seen != nil {
		if first := dr.seen.add(d.ID, h, rd.fieldLine(c.id)); first > 0 {
			return dr.errAt(c.id, fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, d.ID, first))
		}
	}
	return nil
}

// stage returns the index of the funnel's stage named b: by a scan for a
// short funnel, faster than hashing, else from the map.
func (dr *dealReader) stage(b []byte) (int, bool) {
	if dr.f.Len() <= 8 {
		for k := range dr.f.Len() {
			if string(dr.f.Stage(k)) == string(b) {
				return k, true
			}
		}
		return 0, false
	}
	k, ok := dr.stages[string(b)]
	return k, ok
}

// containsBytes reports whether list holds the string b.
func containsBytes(list []string, b []byte) bool {
	for _, s := range list {
		if s == string(b) {
			return true
		}
	}
	return false
}

// history builds the deal's history from the stage-date columns and the
// current stage.
func (dr *dealReader) history(d *funnel.Deal) *ParseError {
	dated := dr.dated[:0]
	furthest := -1
	for _, sd := range dr.c.stageDates {
		t, perr := dr.time(sd.col)
		if perr != nil {
			return perr
		}
		if !t.IsZero() {
			dated = append(dated, funnel.StageChange{Stage: sd.stage, At: t})
			furthest = max(furthest, sd.index)
		}
	}
	if d.Stage == "" && furthest < 0 && dr.m.ClosedStage != "" {
		d.Stage = dr.m.ClosedStage
	}
	cur := -1
	if d.Stage != "" {
		k, ok := dr.f.Index(d.Stage)
		if !ok {
			return nil // validation reports the unknown stage
		}
		cur = k
	}
	if dr.m.ImplyEarlierStages {
		last := max(cur, furthest)
		if last < 0 {
			return nil
		}
		h := dr.alloc(last + 1)
		for k := 0; k <= last; k++ {
			e := funnel.StageChange{Stage: dr.f.Stage(k)}
			for _, x := range dated {
				if x.Stage == e.Stage {
					e.At = x.At
				}
			}
			h = append(h, e)
		}
		d.History = h
	} else {
		if len(dated) > 1 {
			slices.SortStableFunc(dated, func(a, b funnel.StageChange) int { return a.At.Compare(b.At) })
		}
		n := len(dated)
		if cur >= 0 && (n == 0 || dated[n-1].Stage != d.Stage) {
			n++
		}
		h := append(dr.alloc(n), dated...)
		if len(h) < n {
			h = append(h, funnel.StageChange{Stage: d.Stage})
		}
		d.History = h
	}
	if d.Stage == "" && len(d.History) > 0 {
		d.Stage = d.History[len(d.History)-1].Stage
	}
	dr.dated = dated[:0]
	return nil
}

// columnOf returns the column that holds the field a validation error
// names, or -1. For an entry of the history, that is the date column of
// the entry's stage, or the stage column for the entry of the current
// stage.
func (dr *dealReader) columnOf(err error, d *funnel.Deal) int {
	var de *funnel.DealError
	if !errors.As(err, &de) {
		return -1
	}
	c := dr.c
	switch {
	case de.Field == "ID":
		return c.id
	case de.Field == "Amount":
		return c.amount
	case de.Field == "Closed":
		return c.closed
	case de.Field == "Created":
		return c.created
	case de.Field == "Stage", de.Field == "Outcome":
		return c.stage
	case strings.HasPrefix(de.Field, "History[") && strings.HasSuffix(de.Field, "]"):
		k, err := strconv.Atoi(de.Field[len("History[") : len(de.Field)-1])
		if err != nil || k < 0 || k >= len(d.History) {
			return -1
		}
		e := d.History[k]
		for _, sd := range c.stageDates {
			if sd.stage == e.Stage && !e.At.IsZero() {
				return sd.col
			}
		}
		return c.stage
	}
	return -1
}

// alloc returns an empty slice of capacity n for a deal's history, carved
// from a shared slab so that histories do not cost an allocation each.
// The capacity is exactly n: appending to a history copies it.
func (dr *dealReader) alloc(n int) []funnel.StageChange {
	if n == 0 {
		return nil
	}
	if len(dr.slab)+n > cap(dr.slab) {
		dr.slab = make([]funnel.StageChange, 0, max(n, 4096))
	}
	h := dr.slab[len(dr.slab) : len(dr.slab) : len(dr.slab)+n]
	dr.slab = dr.slab[:len(dr.slab)+n]
	return h
}
