package csvimport

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// The conversion of one row of a deals file into a deal is split into the
// steps below, each a method of dealReader that reads its columns of the
// current record and fills its fields of the deal: deal calls them in
// order. They keep no state between rows beyond caches (time layouts,
// value rules, minor units) and the scratch buffers of the reader.

type dealReader struct {
	rd          *reader
	m           *DealMapping
	c           *dealColumns
	pipes       []*pipe
	byName      map[string]*pipe // the pipes by name, when there are many
	hist        *history         // the history file's deals, or nil
	times       []*timeParser    // per column, each remembering its last value
	rules       []*valueRule     // per column, or nil when no column has one
	conv        *converter       // the reporting currency's, or nil
	ignored     tally            // rows of pipelines not read, per pipeline
	closes      bool             // whether every row needs close: expected-close columns
	outcomes    bool             // whether an Outcome or flag column is mapped
	plainAmount bool             // whether amounts are plain decimals, as exported
	won         matcher          // the Won, Lost and Open values
	lost        matcher
	open        matcher
	seen        *idSet // nil without the duplicate check

	slab      []funnel.StageChange // backing storage for histories
	dated     []funnel.StageChange // scratch
	parts     *dealParts           // scratch: the fields a deal keeps (made on first use)
	arena     stringArena          // backing storage for the deals' string fields
	amountBuf []byte               // scratch of formatted amounts
	minor     map[string]int       // minor-unit digits per currency
	periods   map[string]string    // the note of each amount period
	rowBytes  int                  // in a worker, the bytes per row of its last chunk

	// the current row
	cur       *pipe
	histDeal  int32         // 1 + the index of its deal's history, or 0
	histClose time.Time     // the close time its history gives
	refs      histRefs      // where each entry of its history comes from
	tables    []*stageTable // the history's stage texts resolved, per pipeline
	lastTable *stageTable   // the one used last
	// In a worker of a parallel read, the chunk being parsed, and the
	// look-up of the current row's history (see lookup).
	chunk *chunk
	look  int32
}

// lookup returns 1 + the index of the history of the deal id, or 0 for
// none. A serial read counts the look-up for the join report at once
// (history.lookup). A worker
// writes nothing shared: it records the look-up in dr.look, 1 + the index
// of the history deal found, -1 for none (0: no look-up), and the first
// IDs without history in its chunk, for the reading goroutine to count
// in file order (chunk.count).
func (dr *dealReader) lookup(id []byte) int32 {
	h, c := dr.hist, dr.chunk
	if c == nil {
		return h.lookup(id)
	}
	i := h.find(id)
	if i < 0 {
		dr.look = -1
		if len(c.missIDs) < maxExamples {
			c.missIDs = append(c.missIDs, bytes.Clone(id))
		}
		return 0
	}
	dr.look = i + 1
	return i + 1
}

func (dr *dealReader) errAt(col int, err error) *ParseError { return dr.rd.at(col, err) }

// pipeNamed returns the pipe of a name, for a deal read earlier.
func (dr *dealReader) pipeNamed(name string) *pipe {
	for _, p := range dr.pipes {
		if p.name == name {
			return p
		}
	}
	return dr.pipes[0]
}

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

// value returns column col of the current record, cleaned by its
// ValueRule if it has one.
func (dr *dealReader) value(col int) []byte {
	if dr.rules == nil {
		return dr.rd.get(col)
	}
	return dr.ruled(col)
}

func (dr *dealReader) ruled(col int) []byte {
	v := dr.rd.get(col)
	if col >= 0 {
		if r := dr.rules[col]; r != nil {
			v = r.apply(v)
		}
	}
	return v
}

// deal reads the current row into *out, which it overwrites. It returns
// ignoredRow for a row of a pipeline that is not read.
func (dr *dealReader) deal(out *funnel.Deal) *ParseError {
	c, rd := dr.c, dr.rd
	dr.look = 0
	id := rd.get(c.id)
	if len(id) == 0 {
		return dr.errAt(c.id, ErrEmpty)
	}
	if perr := rd.suspicious(c.id, id); perr != nil {
		return perr
	}
	if dr.hist != nil {
		dr.histDeal = dr.lookup(id)
	}
	p := dr.pipes[0]
	if c.pipeline >= 0 {
		var perr *ParseError
		if p, perr = dr.pipeline(); perr != nil {
			return perr
		}
	}
	dr.cur = p
	stage := rd.get(c.stage)
	if perr := rd.suspicious(c.stage, stage); perr != nil {
		return perr
	}
	var h uint64
	if dr.seen != nil {
		h = dr.seen.hash(id)
	}
	d := out
	dr.strings(d, p)
	byStage := false
	switch {
	case containsBytes(dr.m.Won, stage):
		d.Outcome, byStage = funnel.Won, true
	case containsBytes(dr.m.Lost, stage):
		d.Outcome, byStage = funnel.Lost, true
	}
	if dr.outcomes {
		if perr := dr.outcome(d, byStage); perr != nil {
			return perr
		}
	}
	var perr *ParseError
	if d.Created, perr = dr.time(c.created); perr != nil {
		return perr
	}
	if d.Closed, perr = dr.time(c.closed); perr != nil {
		return perr
	}
	if perr := dr.amount(d); perr != nil {
		return perr
	}
	if !byStage && len(stage) > 0 {
		if perr := dr.stage(d, p, stage); perr != nil {
			return perr
		}
	}
	if dr.hist != nil {
		perr = dr.attach(d, p)
	} else {
		perr = dr.history(d, p)
	}
	if perr != nil {
		return perr
	}
	if dr.closes || (d.Outcome != funnel.Open && d.Closed.IsZero()) {
		if perr := dr.close(d, p); perr != nil {
			return perr
		}
	}
	if c.probability >= 0 {
		if perr := dr.forecast(d); perr != nil {
			return perr
		}
	}
	if dr.conv != nil {
		if perr := dr.convert(d); perr != nil {
			return perr
		}
	}
	if d.Outcome != funnel.Open && d.Closed.IsZero() {
		if perr := dr.validate(d, p); perr != nil {
			return perr
		}
	} else if err := d.Validate(p.f); err != nil {
		return dr.invalid(err, d, p)
	}
	if dr.seen != nil {
		if first := dr.seen.add(d.ID, h, rd.fieldLine(c.id)); first > 0 {
			return dr.errAt(c.id, fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, d.ID, first))
		}
	}
	return nil
}

// pipeline returns the pipe of the current row.
func (dr *dealReader) pipeline() (*pipe, *ParseError) {
	c := dr.c
	if c.pipeline < 0 {
		return dr.pipes[0], nil
	}
	v := dr.value(c.pipeline)
	if len(v) == 0 {
		return nil, dr.errAt(c.pipeline, fmt.Errorf("%w: no pipeline (give DealMapping.Defaults a pipeline for this column)", ErrEmpty))
	}
	if dr.byName != nil {
		if p, ok := dr.byName[string(v)]; ok {
			return p, nil
		}
	} else {
		for _, p := range dr.pipes {
			if p.name == string(v) {
				return p, nil
			}
		}
	}
	if dr.rd.opts.IgnoreOtherPipelines {
		dr.ignored[string(v)]++
		return nil, ignoredRow // not read: its ID takes no part in the duplicate check
	}
	names := make([]string, len(dr.pipes))
	for i, p := range dr.pipes {
		names[i] = p.name
	}
	return nil, dr.errAt(c.pipeline, fmt.Errorf("%w %q: the pipelines read are %s (give its funnel in Pipelines, or set Options.IgnoreOtherPipelines to count its deals apart)", ErrPipeline, v, quoteList(sortedUnique(names))))
}

// strings sets the deal's string fields. They are copied from the row into
// one string, carved from the reader's string arena, so that a deal keeps
// alive only its own fields and those of the deals read with it (a few
// KB), never the rest of the row.
func (dr *dealReader) strings(d *funnel.Deal, p *pipe) {
	c, rd := dr.c, dr.rd
	if dr.parts == nil {
		dr.parts = new(dealParts)
	}
	// the lengths of the values of c.parts: the built-in fields, then the
	// custom ones; 0 for those the mapping does not name
	lens := dr.parts.lens
	if len(lens) != len(c.parts) {
		lens = make([]int, len(c.parts))
	} else {
		clear(lens)
	}
	buf, custom := dr.parts.buf[:0], 0
	// the values without a rule or a default, and nothing to trim, are
	// read here (rd.get's first case), the others through dr.value
	plain := dr.rules == nil
	b, data, direct := rd.sc.bounds, rd.sc.data, uint(rd.direct)
	for _, mp := range c.mapped {
		col := mp.col
		var v []byte
		if plain && uint(col) < direct && 2*col+1 < len(b) {
			v = data[b[2*col]:b[2*col+1]]
			if n := len(v); n > 0 && (v[0]-'!' >= 0x80-'!' || v[n-1]-'!' >= 0x80-'!') {
				v = dr.value(col)
			}
		} else {
			v = dr.value(col)
		}
		if len(v) > 0 {
			buf = append(buf, v...)
			lens[mp.part] = len(v)
			if mp.part >= partCustom {
				custom++
			}
		}
	}
	dr.parts.lens, dr.parts.buf = lens, buf
	all := dr.arena.string(buf)
	take := func(i int) string {
		v := all[:lens[i]]
		all = all[lens[i]:]
		return v
	}
	*d = funnel.Deal{
		ID:         take(partID),
		Account:    take(partAccount),
		Pipeline:   p.name,
		Currency:   take(partCurrency),
		LostReason: take(partLostReason),
		Attrs: funnel.Attributes{
			Source: take(partSource), Industry: take(partIndustry), Owner: take(partOwner),
			Region: take(partRegion), Product: take(partProduct), Campaign: take(partCampaign),
		},
	}
	if c.category >= 0 {
		if v := dr.value(c.category); len(v) > 0 {
			d.Category = string(v)
		}
	}
	if custom > 0 {
		d.Attrs.Custom = make(map[string]string, custom)
		for i, cc := range c.custom {
			if v := take(partCustom + i); v != "" {
				d.Attrs.Custom[cc.key] = v
			}
		}
	}
}

// dealParts is the scratch of dealReader.strings: the lengths of the
// fields a deal keeps, and their bytes.
type dealParts struct {
	lens []int
	buf  []byte
}

// containsBytes reports whether list holds the string b, exactly.
func containsBytes(list []string, b []byte) bool {
	for _, s := range list {
		if s == string(b) {
			return true
		}
	}
	return false
}

// outcome sets the deal's outcome from the Outcome and flag columns, which
// must agree with each other and with the Stage column's (byStage: the
// Stage column held a Won or Lost value, whose outcome d has).
func (dr *dealReader) outcome(d *funnel.Deal, byStage bool) *ParseError {
	c, m := dr.c, dr.m
	type claim struct {
		o   funnel.Outcome
		col int
	}
	var buf [2]claim
	said := buf[:0]
	if byStage {
		said = append(said, claim{d.Outcome, c.stage})
	}
	if c.outcome >= 0 {
		v := dr.value(c.outcome)
		var o funnel.Outcome
		switch {
		case len(v) == 0:
			return dr.errAt(c.outcome, fmt.Errorf("%w: no outcome", ErrEmpty))
		case dr.won.has(v):
			o = funnel.Won
		case dr.lost.has(v):
			o = funnel.Lost
		case dr.open.has(v):
			o = funnel.Open
		default:
			return dr.errAt(c.outcome, fmt.Errorf("%w %q: not a value of DealMapping.Won (%s), Lost (%s) or Open (%s)", ErrOutcome, v, quoteList(m.Won), quoteList(m.Lost), quoteList(m.Open)))
		}
		if len(said) > 0 && said[0].o != o {
			return dr.disagree(said[0].col, said[0].o, c.outcome, o)
		}
		said = append(said, claim{o, c.outcome})
	}
	flag := func(col int) (bool, bool, *ParseError) {
		if col < 0 {
			return false, false, nil
		}
		v, empty, err := parseFlag(dr.value(col))
		if err != nil {
			return false, false, dr.errAt(col, err)
		}
		if empty {
			dr.rd.addNote(NoteEmptyFlag)
		}
		return v, true, nil
	}
	won, hasWon, perr := flag(c.wonFlag)
	if perr != nil {
		return perr
	}
	closed, hasClosed, perr := flag(c.closedFlag)
	if perr != nil {
		return perr
	}
	if hasWon && hasClosed && won && !closed {
		return dr.errAt(c.wonFlag, fmt.Errorf("%w: the won flag says yes and %q says the deal is not closed", ErrOutcome, dr.rd.name(c.closedFlag)))
	}
	if len(said) == 0 {
		switch {
		case hasWon && won:
			d.Outcome = funnel.Won
		case hasClosed && !closed:
			d.Outcome = funnel.Open
		case hasWon && (hasClosed || len(m.Won)+len(m.Lost) == 0):
			d.Outcome = funnel.Lost // not won, and closed or nothing else could say
		case hasClosed:
			return dr.errAt(c.closedFlag, fmt.Errorf("%w: closed, and no column says whether won or lost (map DealMapping.WonFlag, Outcome or the Won and Lost stage values)", ErrOutcome))
		}
		return nil
	}
	o := said[0].o
	switch {
	case hasWon && won != (o == funnel.Won):
		want := funnel.Lost
		if won {
			want = funnel.Won
		}
		return dr.disagree(said[0].col, o, c.wonFlag, want)
	case hasClosed && closed != (o != funnel.Open):
		want := funnel.Open
		if closed {
			want = funnel.Lost
		}
		return dr.disagree(said[0].col, o, c.closedFlag, want)
	}
	d.Outcome = o
	return nil
}

// disagree returns the error of two outcome columns that disagree.
func (dr *dealReader) disagree(a int, ao funnel.Outcome, b int, bo funnel.Outcome) *ParseError {
	say := func(o funnel.Outcome) string {
		switch o {
		case funnel.Open:
			return "open"
		case funnel.Won:
			return "won"
		}
		return "not won"
	}
	return dr.errAt(b, fmt.Errorf("%w: %q says %s where %q says %s", ErrOutcome, dr.rd.name(b), say(bo), dr.rd.name(a), say(ao)))
}

// amount sets the deal's amount and currency: the amount as the mapping's
// AmountFormat writes it, in minor units or per period, and the currency
// of the Currency column, of a code in the amount, or the default.
func (dr *dealReader) amount(d *funnel.Deal) *ParseError {
	c, m, rd := dr.c, dr.m, dr.rd
	if c.amount >= 0 {
		s := rd.get(c.amount)
		if len(s) == 0 {
			if !m.EmptyAmountIsZero {
				return dr.errAt(c.amount, ErrEmpty)
			}
			rd.addNote(NoteEmptyAmount)
		} else {
			var a decimal.Decimal
			var code string
			var err error
			if dr.plainAmount {
				a, err = parseAmount(s, rd.opts.MaxDigits)
			} else {
				a, code, err = parseFormatted(s, m.AmountFormat, rd.opts.MaxDigits, &dr.amountBuf)
			}
			if err != nil {
				return dr.errAt(c.amount, err)
			}
			if code != "" {
				switch {
				case d.Currency == "":
					d.Currency = code
				case d.Currency != code:
					return dr.errAt(c.amount, fmt.Errorf("%w: the amount is in %s, the currency column says %s", ErrCurrency, code, d.Currency))
				}
			}
			d.Amount = a
		}
	}
	if d.Currency == "" {
		d.Currency = m.DefaultCurrency
	}
	if c.amount >= 0 && m.AmountFormat.MinorUnits {
		if d.Currency == "" {
			return dr.errAt(c.amount, fmt.Errorf("%w: an amount in minor units needs the deal's currency (map DealMapping.Currency or set DefaultCurrency)", ErrCurrency))
		}
		if d.Amount.Exponent() < 0 && !d.Amount.Equal(d.Amount.Truncate(0)) {
			return dr.errAt(c.amount, fmt.Errorf("%w %s: an amount in minor units is a whole number", ErrAmount, d.Amount))
		}
		k, ok := dr.minor[d.Currency]
		if !ok {
			var err error
			if k, err = minorUnits(d.Currency); err != nil {
				return dr.errAt(c.currency, err)
			}
			if dr.minor == nil {
				dr.minor = make(map[string]int)
			}
			dr.minor[d.Currency] = k
		}
		d.Amount = d.Amount.Shift(int32(-k))
	}
	if c.period >= 0 {
		v := dr.value(c.period)
		if len(v) > 0 {
			if f, ok := m.AmountPeriodFactors[string(v)]; ok {
				if f != 1 {
					d.Amount = d.Amount.Mul(decimal.NewFromInt(f))
				}
			} else {
				note, ok := dr.periods[string(v)]
				if !ok {
					if dr.periods == nil {
						dr.periods = make(map[string]string)
					}
					note = notePeriod(string(v))
					dr.periods[string(v)] = note
				}
				rd.addNote(note)
			}
		}
	}
	return nil
}

// stage sets the deal's current stage from the Stage column's value, when
// it holds no outcome.
func (dr *dealReader) stage(d *funnel.Deal, p *pipe, stage []byte) *ParseError {
	if f := p.f; f.Len() <= 8 {
		// a scan of a short funnel, faster than hashing
		for k := range f.Len() {
			if s := f.Stage(k); string(s) == string(stage) {
				d.Stage = s // the funnel's string: no copy
				return nil
			}
		}
	} else if k, ok := p.stages[string(stage)]; ok {
		d.Stage = f.Stage(k)
		return nil
	}
	if s, ok := p.exclusion(stage); ok {
		d.Stage = s
		return nil
	}
	if d.Outcome != funnel.Open {
		dr.rd.addNote(NoteClosedStatus) // a closed status's name, as Close's status_label
		return nil
	}
	return dr.errAt(dr.c.stage, p.unknownStage(stage, "DealMapping", dr.m.Won, dr.m.Lost))
}

// history builds the deal's history from the stage-date columns and the
// current stage.
func (dr *dealReader) history(d *funnel.Deal, p *pipe) *ParseError {
	dated := dr.dated[:0]
	furthest := -1
	for _, sd := range p.stageDates {
		t, perr := dr.time(sd.col)
		if perr != nil {
			return perr
		}
		if !t.IsZero() {
			dated = append(dated, funnel.StageChange{Stage: sd.stage, At: t})
			furthest = max(furthest, sd.index)
		}
	}
	if d.Stage == "" && len(dated) == 0 && dr.m.ClosedStage != "" && d.Outcome != funnel.Open {
		d.Stage = dr.m.ClosedStage
		dr.rd.addNote(NoteClosedStage)
	}
	cur := -1
	if d.Stage != "" {
		k, ok := p.f.Index(d.Stage)
		if !ok {
			if _, excl := p.exclusion([]byte(d.Stage)); !excl {
				return nil // validation reports the unknown stage
			}
			k = -1
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
			e := funnel.StageChange{Stage: p.f.Stage(k)}
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
			sortChanges(dated)
		}
		n := len(dated)
		if d.Stage != "" && (n == 0 || dated[n-1].Stage != d.Stage) {
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

// sortChanges sorts stage entries by time, stably (insertion sort: the
// histories of one row are short).
func sortChanges(h []funnel.StageChange) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].At.Before(h[j-1].At); j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// close sets the close time of a won or lost deal from the first source
// that has one (see [DealMapping]), and the expected close date.
func (dr *dealReader) close(d *funnel.Deal, p *pipe) *ParseError {
	c := dr.c
	var perr *ParseError
	if c.expected >= 0 {
		if d.ExpectedClose, perr = dr.time(c.expected); perr != nil {
			return perr
		}
	}
	if d.Outcome == funnel.Open {
		if c.expected < 0 && c.closeDate >= 0 {
			d.ExpectedClose, perr = dr.time(c.closeDate)
		}
		return perr
	}
	if !d.Closed.IsZero() {
		return nil
	}
	if !dr.histClose.IsZero() {
		d.Closed = dr.histClose
		return nil
	}
	col := c.wonAt
	if d.Outcome == funnel.Lost {
		col = c.lostAt
	}
	if d.Closed, perr = dr.time(col); perr != nil || !d.Closed.IsZero() {
		return perr
	}
	for _, cd := range p.closeDates {
		if cd.outcome != d.Outcome {
			continue
		}
		if d.Closed, perr = dr.time(cd.col); perr != nil || !d.Closed.IsZero() {
			return perr
		}
	}
	if d.Closed, perr = dr.time(c.closeDate); perr != nil || !d.Closed.IsZero() {
		return perr
	}
	if dr.rd.opts.UndatedClose {
		dr.rd.addNote(NoteUndatedClose)
		return nil
	}
	at := -1
	for _, k := range []int{c.closed, col, c.closeDate} {
		if k >= 0 {
			at = k
			break
		}
	}
	return dr.errAt(at, fmt.Errorf("%w: the deal is %s and no column gives its close time (map DealMapping.Closed, WonAt, LostAt or CloseDate, or set Options.UndatedClose for a list without close times)", funnel.ErrMissingCloseTime, d.Outcome))
}

// forecast sets the deal's own win probability.
func (dr *dealReader) forecast(d *funnel.Deal) *ParseError {
	c := dr.c
	if c.probability < 0 {
		return nil
	}
	v := dr.rd.get(c.probability)
	if len(v) == 0 {
		return nil
	}
	if len(v) > 1 && v[len(v)-1] == '%' {
		v = trim(v[:len(v)-1])
	}
	a, err := parseAmount(v, 0)
	if err != nil {
		return dr.errAt(c.probability, err)
	}
	if dr.m.ProbabilityPercent {
		a = a.Shift(-2)
	}
	if a.Sign() < 0 || a.GreaterThan(decimal.New(1, 0)) {
		unit := "[0, 1]"
		if dr.m.ProbabilityPercent {
			unit = "0..100%"
		}
		return dr.errAt(c.probability, fmt.Errorf("%w: probability %s is outside %s (DealMapping.ProbabilityPercent)", ErrAmount, v, unit))
	}
	d.Probability = decimal.NullDecimal{Decimal: a, Valid: true}
	return nil
}

// convert reads the deal in the reporting currency (Options.Currency).
func (dr *dealReader) convert(d *funnel.Deal) *ParseError {
	if dr.conv == nil || d.Currency == dr.conv.to {
		return nil
	}
	if err := dr.conv.convert(d); err != nil {
		return dr.errAt(dr.c.currency, err)
	}
	return nil
}

// validate checks the deal against its pipeline's funnel.
func (dr *dealReader) validate(d *funnel.Deal, p *pipe) *ParseError {
	var err error
	if d.Outcome != funnel.Open && d.Closed.IsZero() && dr.rd.opts.UndatedClose {
		// every other check, as for the same deal open
		tmp := *d
		tmp.Outcome = funnel.Open
		err = tmp.Validate(p.f)
	} else {
		err = d.Validate(p.f)
	}
	if err == nil {
		return nil
	}
	return dr.invalid(err, d, p)
}

// invalid returns the ParseError of a validation error: at the column (or
// the history file's line) of the field it names, with what it means.
func (dr *dealReader) invalid(err error, d *funnel.Deal, p *pipe) *ParseError {
	var de *funnel.DealError
	if !errors.As(err, &de) {
		return dr.errAt(-1, err)
	}
	c := dr.c
	col := -1
	switch {
	case de.Field == "ID":
		col = c.id
	case de.Field == "Amount":
		col = c.amount
	case de.Field == "Closed":
		col = c.closed
		if col < 0 {
			col = c.closeDate
		}
	case de.Field == "Created":
		col = c.created
	case de.Field == "Probability":
		col = c.probability
	case de.Field == "Stage", de.Field == "Outcome":
		col = c.stage
		if errors.Is(err, funnel.ErrUnknownStage) && d.Stage == "" && len(d.History) == 0 {
			hint := " (the row gives no stage: map DealMapping.Stage to a column that has one, or give the column a value in DealMapping.Defaults)"
			if d.Outcome != funnel.Open {
				hint = " (the deal is closed and its row records no stage: read its history (a history file, StageDates) or set DealMapping.ClosedStage)"
			}
			return dr.errAt(col, withHint(de, hint))
		}
	case strings.HasPrefix(de.Field, "History[") && strings.HasSuffix(de.Field, "]"):
		k, aerr := strconv.Atoi(de.Field[len("History[") : len(de.Field)-1])
		if aerr != nil || k < 0 || k >= len(d.History) {
			break
		}
		e := d.History[k]
		what := ""
		if errors.Is(err, funnel.ErrClosedBeforeCreated) {
			what = fmt.Sprintf(" (the entry into %q at %s is before the creation at %s or after the close at %s)", e.Stage,
				fmtTime(e.At), fmtTime(d.Created), fmtTime(d.Closed))
		}
		if dr.hist != nil && k < dr.refs.n {
			line, rcol := dr.entrySource(k)
			if line > 0 {
				return &ParseError{File: dr.hist.file, Line: line, Column: dr.hist.name(rcol), Err: withHint(de, what)}
			}
			col = rcol
			break
		}
		col = c.stage
		for _, sd := range p.stageDates {
			if sd.stage == e.Stage && !e.At.IsZero() {
				col = sd.col
			}
		}
		return dr.errAt(col, withHint(de, what))
	}
	return dr.errAt(col, de)
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "(none)"
	}
	return t.Format(time.RFC3339)
}

// A hintError adds what a validation error means to it.
type hintError struct {
	err  *funnel.DealError
	hint string
}

func withHint(de *funnel.DealError, hint string) error {
	if hint == "" {
		return de
	}
	return &hintError{de, hint}
}

func (e *hintError) Error() string { return e.err.Error() + e.hint }
func (e *hintError) Unwrap() error { return e.err }

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
