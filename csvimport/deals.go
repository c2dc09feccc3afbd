package csvimport

import (
	"errors"
	"fmt"
	"io"
	"slices"
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

// ReadDeals reads a deals file with a header row. file names the input in
// errors. Each row becomes a deal, validated against f (see
// [funnel.Deal.Validate]); duplicate IDs are errors ([ErrDuplicateID]).
// In strict mode (the zero Options) the first bad row stops the read and
// its [*ParseError] is returned; in lenient mode bad rows are skipped and
// reported. An I/O error or a missing mapped column ([ErrMissingColumn])
// always stops the read.
func ReadDeals(r io.Reader, file string, f *funnel.Funnel, m DealMapping, opts Options) ([]funnel.Deal, *Report, error) {
	if f == nil || m.ID == "" || m.Stage == "" {
		return nil, nil, fmt.Errorf("%w: a funnel and the ID and Stage columns are required", ErrMapping)
	}
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, nil, err
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
			return nil, nil, err
		}
	}
	for _, key := range sortedKeys(m.Custom) {
		i, err := rd.column(m.Custom[key])
		if err != nil {
			return nil, nil, err
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
			return nil, nil, err
		}
		k, _ := f.Index(s)
		c.stageDates = append(c.stageDates, stageDate{s, k, i})
	}
	for s := range m.StageDates {
		if _, ok := f.Index(s); !ok {
			return nil, nil, fmt.Errorf("%w: StageDates names stage %q that the funnel does not declare", ErrMapping, s)
		}
	}

	dr := &dealReader{rd: rd, f: f, m: &m, c: &c, times: newTimeParser(opts), seen: make(map[string]struct{})}
	var deals []funnel.Deal
	for {
		rec, err := rd.next()
		if err != nil {
			return nil, nil, err
		}
		if rec == nil {
			break
		}
		d, perr := dr.deal(rec)
		if perr != nil {
			if err := rd.fail(perr); err != nil {
				return nil, nil, err
			}
			continue
		}
		deals = append(deals, d)
		rd.rep.Kept++
	}
	return deals, rd.report(), nil
}

type dealReader struct {
	rd    *reader
	f     *funnel.Funnel
	m     *DealMapping
	c     *dealColumns
	times *timeParser
	seen  map[string]struct{}
}

func (dr *dealReader) errAt(col int, err error) *ParseError {
	name := ""
	if col >= 0 {
		for n, i := range dr.rd.header {
			if i == col {
				name = n
				break
			}
		}
	}
	return &ParseError{File: dr.rd.file, Line: dr.rd.line, Column: name, Err: err}
}

func (dr *dealReader) time(rec []string, col int) (t time.Time, perr *ParseError) {
	t, err := dr.times.parse(field(rec, col))
	if err != nil {
		return t, dr.errAt(col, err)
	}
	return t, nil
}

func (dr *dealReader) deal(rec []string) (funnel.Deal, *ParseError) {
	c, m := dr.c, dr.m
	d := funnel.Deal{
		ID:         field(rec, c.id),
		Account:    field(rec, c.account),
		Currency:   field(rec, c.currency),
		LostReason: field(rec, c.lostReason),
		Attrs: funnel.Attributes{
			Source: field(rec, c.source), Industry: field(rec, c.industry), Owner: field(rec, c.owner),
			Region: field(rec, c.region), Product: field(rec, c.product), Campaign: field(rec, c.campaign),
		},
	}
	if d.ID == "" {
		return d, dr.errAt(c.id, ErrEmpty)
	}
	if d.Currency == "" {
		d.Currency = m.DefaultCurrency
	}
	if len(c.custom) > 0 {
		d.Attrs.Custom = make(map[string]string, len(c.custom))
		for _, cc := range c.custom {
			if v := field(rec, cc.col); v != "" {
				d.Attrs.Custom[cc.key] = v
			}
		}
	}
	var perr *ParseError
	if d.Created, perr = dr.time(rec, c.created); perr != nil {
		return d, perr
	}
	if d.Closed, perr = dr.time(rec, c.closed); perr != nil {
		return d, perr
	}
	if c.amount >= 0 {
		s := field(rec, c.amount)
		if s == "" {
			if !m.EmptyAmountIsZero {
				return d, dr.errAt(c.amount, ErrEmpty)
			}
			dr.rd.notes[NoteEmptyAmount]++
		} else {
			a, err := ParseAmount(s, dr.rd.opts.MaxDigits)
			if err != nil {
				return d, dr.errAt(c.amount, err)
			}
			d.Amount = a
		}
	}

	stage := field(rec, c.stage)
	switch {
	case slices.Contains(m.Won, stage):
		d.Outcome = funnel.Won
	case slices.Contains(m.Lost, stage):
		d.Outcome = funnel.Lost
	default:
		d.Stage = funnel.Stage(stage)
	}
	if err := dr.history(&d, rec); err != nil {
		return d, err
	}
	if err := d.Validate(dr.f); err != nil {
		return d, dr.errAt(dr.columnOf(err), err)
	}
	if _, dup := dr.seen[d.ID]; dup {
		return d, dr.errAt(c.id, fmt.Errorf("%w %q", ErrDuplicateID, d.ID))
	}
	dr.seen[d.ID] = struct{}{}
	return d, nil
}

// history builds the deal's history from the stage-date columns and the
// current stage.
func (dr *dealReader) history(d *funnel.Deal, rec []string) *ParseError {
	var dated []funnel.StageChange
	furthest := -1
	for _, sd := range dr.c.stageDates {
		t, perr := dr.time(rec, sd.col)
		if perr != nil {
			return perr
		}
		if !t.IsZero() {
			dated = append(dated, funnel.StageChange{Stage: sd.stage, At: t})
			furthest = max(furthest, sd.index)
		}
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
		h := make([]funnel.StageChange, 0, last+1)
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
		slices.SortStableFunc(dated, func(a, b funnel.StageChange) int { return a.At.Compare(b.At) })
		if cur >= 0 && (len(dated) == 0 || dated[len(dated)-1].Stage != d.Stage) {
			dated = append(dated, funnel.StageChange{Stage: d.Stage})
		}
		d.History = dated
	}
	if d.Stage == "" && len(d.History) > 0 {
		d.Stage = d.History[len(d.History)-1].Stage
	}
	return nil
}

// columnOf returns the column that holds the field a validation error
// names, or -1.
func (dr *dealReader) columnOf(err error) int {
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
	case strings.HasPrefix(de.Field, "History[") && len(c.stageDates) > 0:
		return c.stageDates[0].col
	}
	return -1
}
