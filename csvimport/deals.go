package csvimport

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strings"

	"github.com/funnelmetrics/funnel"
)

// A DealMapping names the columns of a deals file: one row per deal, its
// current state. Empty names are columns the file does not have. ID and
// Stage are required; a column may feed several fields.
//
// Outcome. A deal's outcome is read from every source the mapping names,
// and the sources must agree ([ErrOutcome] names them otherwise): a Stage
// value listed in Won or Lost; the Outcome column (values in Won, Lost or
// Open); WonFlag and ClosedFlag. Where no source says won or lost, the
// deal is open; a WonFlag that says no means lost when a ClosedFlag says
// closed, or when nothing else could say (no Won or Lost values, no
// Outcome column: a lead list's "converted" flag).
//
// Close time of a won or lost deal, from the first source that has one:
// the Closed column; the history's close event ([HistoryMapping]); WonAt
// or LostAt, by outcome; the stage-date column of the outcome's value
// (StageDateColumns, such as HubSpot's Date entered "Closed Won (P)");
// CloseDate. Without any, the row is an error that wraps
// [funnel.ErrMissingCloseTime], unless [Options.UndatedClose] is set.
//
// Stage history, from the first form the mapping has: the history file
// ([Open] with a [HistoryMapping]); the stage-date columns (StageDates,
// StageDateColumns); the Stage column alone.
type DealMapping struct {
	ID         string
	Account    string
	Created    string
	Closed     string
	Amount     string
	Currency   string
	LostReason string
	// Pipeline is the column that names the deal's pipeline; each
	// pipeline has its own funnel (see [Pipelines]) and stage names may
	// repeat across them. Reading with a Pipeline column needs [Open].
	Pipeline string
	// Stage is the column of the deal's current stage, or of its outcome:
	// a value listed in Won or Lost closes the deal with that outcome,
	// any other value must be a stage of the deal's funnel (or, for a deal
	// that another source says is closed, may be the name of its closed
	// status, as Close's status_label is: the stage is then its last one
	// in the history).
	Stage string
	// Won and Lost are the values of the Stage column (compared exactly)
	// and of the Outcome column (without regard to case) that mean won and
	// lost.
	Won, Lost []string
	// Outcome is the column of the deal's status when the export keeps it
	// apart from the stage (Pipedrive's Status: Open, Won, Lost; Close's
	// status_type: active, won, lost). Its values must be in Won, Lost or
	// Open; an empty value is an error ([ErrEmpty]).
	Outcome string
	// Open lists the values of the Outcome column that mean open,
	// compared without regard to case.
	Open []string
	// WonFlag and ClosedFlag are yes-or-no columns (see [ParseFlag]):
	// Salesforce's Won and Closed, HubSpot's "Is Closed Won", a lead
	// list's "converted".
	WonFlag, ClosedFlag string
	// WonAt and LostAt are the columns of the close time of won and of
	// lost deals, where an export keeps them apart (Pipedrive's Won time
	// and Lost time). They are not read for open deals.
	WonAt, LostAt string
	// CloseDate is a close date as CRMs show it: the expected close date
	// of an open deal (read into Deal.ExpectedClose) and the close date of
	// a closed one (its close time, when no other source gives one).
	CloseDate string
	// ExpectedClose is a column that holds the expected close date of
	// every deal, open or closed (Pipedrive's Expected close date).
	ExpectedClose string
	// Probability is the column of the deal's own win probability, in
	// [0, 1], or in percent with ProbabilityPercent.
	Probability        string
	ProbabilityPercent bool
	// Category is the column of the deal's forecast category.
	Category string
	// StageDates maps a stage to the column holding the time the deal
	// entered it. Those entries make up the deal's history, in time order,
	// followed by the current stage (as an entry of unrecorded time) when
	// no dated entry is for it. The stage of a won or lost deal is the last
	// stage of its history.
	StageDates map[funnel.Stage]string
	// StageDateColumns are templates of the names of stage-date columns,
	// one column per stage of every pipeline, such as HubSpot's
	// `Date entered "{stage} ({pipeline})"`: {stage} stands for a stage
	// of the deal's funnel (or an exclusion stage, or a Won or Lost value,
	// whose column gives the close time) and {pipeline} for the pipeline's
	// name. The first template that names a column of the file is used,
	// per pipeline; a funnel stage without a column is an error
	// ([ErrMissingColumn]), an exclusion stage or outcome value without one
	// is not read.
	StageDateColumns []string
	// ClosedStage is the stage given to a won or lost deal whose row
	// records no stage (its Stage column holds the outcome and no
	// StageDates column has a date), such as the last stage of the funnel.
	// Empty means such a row is an error ([funnel.ErrUnknownStage]). The
	// deals it is given to are counted in [Report.Notes].
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
	// empty or not mapped (and whose amount names none).
	DefaultCurrency string
	// EmptyAmountIsZero reads an empty amount as 0 and counts it in the
	// report's notes; otherwise an empty amount is an error ([ErrEmpty]).
	EmptyAmountIsZero bool
	// AmountFormat says how amounts are written: separators, symbols,
	// minor units.
	AmountFormat AmountFormat
	// AmountPeriod is the column that says what period a recurring
	// amount is for (Close's value_period: one_time, monthly, annual).
	// Amounts are kept as exported, and the rows of each period other
	// than those in AmountPeriodFactors are counted in [Report.Notes],
	// so that monthly and one-time values are never summed unnoticed.
	AmountPeriod string
	// AmountPeriodFactors multiply the amounts of a period, such as
	// {"monthly": 12} for annual values.
	AmountPeriodFactors map[string]int64
	// Defaults gives, by column name, the value of an empty field, or the
	// value of every row when the file has no such column: a constant
	// stage for a lead list, a pipeline for a one-pipeline export. A
	// constant column is noted in [Report.Notes].
	Defaults map[string]string
	// Values cleans the values of columns, by column name: missing-value
	// tokens, aliases and case folding (see [ValueRule]).
	Values map[string]ValueRule
}

// Notes written to a Report by ReadDeals.
const (
	NoteEmptyAmount = "empty amount read as 0"
	// NoteUndatedClose counts won and lost deals read without a close
	// time (Options.UndatedClose).
	NoteUndatedClose = "closed deal without a close time (funnel.Options.UndatedClose counts it)"
	// NoteClosedStage counts closed deals given DealMapping.ClosedStage.
	NoteClosedStage = "closed deal without a recorded stage given DealMapping.ClosedStage"
	// NoteClosedStatus counts closed deals whose Stage column holds the
	// name of a closed status, not a stage.
	NoteClosedStatus = "closed deal whose stage column names its closed status; stage from its history"
	// NoteUnreadPipeline, with the column's name, counts the rows of a
	// file that has a column of pipelines that the mapping does not read:
	// every deal is read into the one funnel, whatever its pipeline (map
	// DealMapping.Pipeline and read with Open to keep them apart).
	NoteUnreadPipeline = "the file's column %q looks like a pipeline that the mapping does not read: deals of every pipeline read into one funnel (map DealMapping.Pipeline)"
	// NoteEmptyFlag counts empty flag values read as false.
	NoteEmptyFlag = "empty flag read as false"
	// NoteNoHistory counts deals without rows in the history file: they
	// entered their current stage when created.
	NoteNoHistory = "deal without history rows: its current stage entered at creation"
	// NoteStageAdded counts deals whose current stage is not the last one
	// of their history: it is added as an entry of unrecorded time.
	NoteStageAdded = "current stage not the history's last: added as an untimed entry"
	// NoteHistoryClose counts closed deals whose history records no close
	// event, or one of another outcome: another source gave the close time.
	NoteHistoryClose = "closed deal without a matching close in its history"
)

// notePeriod is the note of amounts of one period, kept as exported.
func notePeriod(p string) string {
	return fmt.Sprintf("amount per period %q, kept as exported (DealMapping.AmountPeriodFactors)", p)
}

type dealColumns struct {
	id, account, created, closed, amount, currency, lostReason, stage int
	source, industry, owner, region, product, campaign                int
	custom                                                            []customColumn

	pipeline, outcome, wonFlag, closedFlag, wonAt, lostAt, closeDate, expected int
	probability, category, period                                              int
	// parts are the columns of the string fields a deal keeps, in the
	// order of the part* constants, then the custom columns; mapped are
	// those of them that the mapping names.
	parts  []int
	mapped []mappedPart
}

// A mappedPart is a string field of a deal that the mapping names: its
// index in dealColumns.parts and its column.
type mappedPart struct {
	part, col int
}

// The positions of the string fields in dealColumns.parts.
const (
	partID = iota
	partAccount
	partCurrency
	partLostReason
	partSource
	partIndustry
	partOwner
	partRegion
	partProduct
	partCampaign
	partCustom // the first custom attribute
)

type customColumn struct {
	key string
	col int
}

type stageDate struct {
	stage funnel.Stage
	index int // in the funnel; -1 for an exclusion stage
	col   int
}

// A closeDate is the stage-date column of an outcome value.
type closeDate struct {
	outcome funnel.Outcome
	col     int
}

// A pipe is one pipeline of a read: its name, funnel, and the columns of
// its stages.
type pipe struct {
	name       string
	f          *funnel.Funnel
	stages     map[string]int // the funnel's stages by name
	excluded   []funnel.Stage // its exclusion stages
	stageDates []stageDate
	closeDates []closeDate
	kept       int
}

// stage returns the index of the funnel's stage named b: by a scan for a
// short funnel, faster than hashing, else from the map.
func (p *pipe) stage(b []byte) (int, bool) {
	if p.f.Len() <= 8 {
		for k := range p.f.Len() {
			if string(p.f.Stage(k)) == string(b) {
				return k, true
			}
		}
		return 0, false
	}
	k, ok := p.stages[string(b)]
	return k, ok
}

// exclusion returns the exclusion stage named b, if the funnel has it.
func (p *pipe) exclusion(b []byte) (funnel.Stage, bool) {
	for _, s := range p.excluded {
		if string(s) == string(b) {
			return s, true
		}
	}
	return "", false
}

// resolve returns the funnel's stage (or exclusion stage) named s.
func (p *pipe) resolve(s string) (funnel.Stage, bool) {
	if k, ok := p.stage([]byte(s)); ok {
		return p.f.Stage(k), true
	}
	return p.exclusion([]byte(s))
}

func newPipe(name string, f *funnel.Funnel) *pipe {
	p := &pipe{name: name, f: f, stages: make(map[string]int, f.Len())}
	for s := range f.Stages() {
		p.stages[string(s)], _ = f.Index(s)
	}
	p.excluded = slices.Collect(f.Exclusions())
	return p
}

// unknownStage returns the error of a stage value that p's funnel does
// not declare, with what to do about it: where (a mapping's name, such as
// "DealMapping") to list the values that close deals, which hold won and
// lost; no where for a log of stage entries only.
func (p *pipe) unknownStage(v []byte, where string, won, lost []string) error {
	var names []string
	for s := range p.f.Stages() {
		names = append(names, string(s))
	}
	in := ""
	if p.name != "" {
		in = fmt.Sprintf(" of pipeline %q", p.name)
	}
	hint := ""
	for _, s := range names {
		if equalFold(s, v) {
			hint = fmt.Sprintf("; did you mean %q?", s)
		}
	}
	if hint == "" {
		lv := strings.ToLower(string(v))
		closing := strings.Contains(lv, "won") || strings.Contains(lv, "lost") || strings.Contains(lv, "closed")
		switch {
		case where == "":
			hint = "; add it to the funnel"
		case closing:
			hint = fmt.Sprintf("; if it closes the deal, list it in %s.Won or %s.Lost (they hold %s and %s)", where, where, quoteList(won), quoteList(lost))
		default:
			hint = fmt.Sprintf("; add it to the pipeline's funnel, or list it in %s.Won or %s.Lost if it closes the deal", where, where)
		}
	}
	return fmt.Errorf("%w %q: the funnel%s has %s%s", funnel.ErrUnknownStage, v, in, strings.Join(names, ", "), hint)
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
			lines = append(lines, x.idLine)
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
			x.dr.pipeNamed(d.Pipeline).kept--
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
// of the input that they do not use; their strings, as their histories,
// share blocks of a few KB with the deals read next to them.
type DealReader struct {
	dr   *dealReader
	size int64 // input size when known, else -1
	err  error
	used bool

	idLine  int   // the line of the ID of the deal yielded last
	chunked bool  // whether the rows are read in chunks, by workers
	poff    int64 // then the input offset after the chunk being applied
	prows   int   // and the rows up to its end
	grown   bool  // whether the ID set has room for the rows expected
	chunks  int   // the chunks applied
	resyncs int   // the times a parallel read went on serially
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
//
// NewDealReader reads one funnel's deals; an export of several pipelines
// (a mapping with a Pipeline column), or with a history file, is read
// with [Open].
func NewDealReader(r io.Reader, file string, f *funnel.Funnel, m DealMapping, opts Options) (*DealReader, error) {
	if f == nil || m.ID == "" || m.Stage == "" {
		return nil, fmt.Errorf("%w: a funnel and the ID and Stage columns are required", ErrMapping)
	}
	if m.Pipeline != "" {
		return nil, fmt.Errorf("%w: DealMapping.Pipeline is set: give a funnel per pipeline, with Open", ErrMapping)
	}
	return newDealReader(r, file, &m, []*pipe{newPipe("", f)}, nil, opts)
}

// newDealReader reads the header and builds the reader of one deals file:
// pipes are the pipelines read (one, unnamed, without a Pipeline column),
// hist the history file's deals or nil.
func newDealReader(r io.Reader, file string, m *DealMapping, pipes []*pipe, hist *history, opts Options) (*DealReader, error) {
	if m.ID == "" || m.Stage == "" {
		return nil, fmt.Errorf("%w: the ID and Stage columns are required", ErrMapping)
	}
	if err := m.AmountFormat.validate(); err != nil {
		return nil, err
	}
	for s := range m.StageDates {
		found := false
		for _, p := range pipes {
			if _, ok := p.f.Index(s); ok {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("%w: StageDates names stage %q that the funnel does not declare", ErrMapping, s)
		}
	}
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, err
	}
	rd.setDefaults(m.Defaults)
	c := &dealColumns{}
	cols := []struct {
		dst  *int
		name string
	}{
		{&c.id, m.ID}, {&c.account, m.Account}, {&c.created, m.Created}, {&c.closed, m.Closed},
		{&c.amount, m.Amount}, {&c.currency, m.Currency}, {&c.lostReason, m.LostReason}, {&c.stage, m.Stage},
		{&c.source, m.Source}, {&c.industry, m.Industry}, {&c.owner, m.Owner}, {&c.region, m.Region},
		{&c.product, m.Product}, {&c.campaign, m.Campaign},
		{&c.pipeline, m.Pipeline}, {&c.outcome, m.Outcome}, {&c.wonFlag, m.WonFlag}, {&c.closedFlag, m.ClosedFlag},
		{&c.wonAt, m.WonAt}, {&c.lostAt, m.LostAt}, {&c.closeDate, m.CloseDate}, {&c.expected, m.ExpectedClose},
		{&c.probability, m.Probability}, {&c.category, m.Category}, {&c.period, m.AmountPeriod},
	}
	for _, col := range cols {
		if *col.dst, err = rd.column(col.name); err != nil {
			return nil, err
		}
	}
	if c.pipeline < 0 {
		for _, h := range rd.header {
			if l := strings.ToLower(h); strings.Contains(l, "pipeline") || strings.Contains(l, "record type") {
				rd.constNotes = append(rd.constNotes, fmt.Sprintf(NoteUnreadPipeline, h))
				break
			}
		}
	}
	if c.pipeline < 0 && len(pipes) > 1 {
		return nil, fmt.Errorf("%w: %d pipelines and no DealMapping.Pipeline column to tell their deals apart", ErrMapping, len(pipes))
	}
	for _, key := range sortedKeys(m.Custom) {
		i, err := rd.column(m.Custom[key])
		if err != nil {
			return nil, err
		}
		c.custom = append(c.custom, customColumn{key, i})
	}
	c.parts = []int{c.id, c.account, c.currency, c.lostReason, c.source, c.industry, c.owner, c.region, c.product, c.campaign}
	for _, cc := range c.custom {
		c.parts = append(c.parts, cc.col)
	}
	for i, col := range c.parts {
		if col >= 0 {
			c.mapped = append(c.mapped, mappedPart{i, col})
		}
	}
	for _, p := range pipes {
		if err := stageColumns(rd, m, p); err != nil {
			return nil, err
		}
	}
	ncols := len(rd.header) + len(rd.virtual)
	dr := &dealReader{rd: rd, m: m, c: c, pipes: pipes, hist: hist, times: make([]*timeParser, ncols), ignored: tally{},
		won: newMatcher(m.Won), lost: newMatcher(m.Lost), open: newMatcher(m.Open),
		closes: c.expected >= 0 || c.closeDate >= 0, outcomes: c.outcome >= 0 || c.wonFlag >= 0 || c.closedFlag >= 0,
		plainAmount: m.AmountFormat.plain()}
	if len(pipes) > 8 {
		dr.byName = make(map[string]*pipe, len(pipes))
		for _, p := range pipes {
			dr.byName[p.name] = p
		}
	}
	for _, name := range sortedKeys(m.Values) {
		i, err := rd.column(name)
		if err != nil {
			return nil, err
		}
		if dr.rules == nil {
			dr.rules = make([]*valueRule, ncols)
		}
		dr.rules[i] = compileRule(m.Values[name])
	}
	if opts.Currency != "" {
		dr.conv = newConverter(opts.Currency, opts.Rates)
	}
	if !opts.AssumeUniqueIDs {
		dr.seen = newIDSet(1024)
	}
	return &DealReader{dr: dr, size: sizeOf(r)}, nil
}

// stageColumns finds the stage-date columns of pipeline p: those of
// StageDates, and those the StageDateColumns templates name.
func stageColumns(rd *reader, m *DealMapping, p *pipe) error {
	for s := range p.f.Stages() {
		name, ok := m.StageDates[s]
		if !ok {
			continue
		}
		i, err := rd.column(name)
		if err != nil {
			return err
		}
		k, _ := p.f.Index(s)
		p.stageDates = append(p.stageDates, stageDate{s, k, i})
	}
	if len(m.StageDateColumns) == 0 {
		return nil
	}
	name := func(t string, s string) string {
		return strings.NewReplacer("{stage}", s, "{pipeline}", p.name).Replace(t)
	}
	tmpl := ""
	for _, t := range m.StageDateColumns {
		if _, ok := rd.index[name(t, string(p.f.Stage(0)))]; ok {
			tmpl = t
			break
		}
	}
	if tmpl == "" {
		return &ParseError{File: rd.file, Line: rd.headAt, Column: name(m.StageDateColumns[0], string(p.f.Stage(0))),
			Err: fmt.Errorf("%w: no stage-date column of pipeline %q's first stage in any of the templates %s (DealMapping.StageDateColumns)", ErrMissingColumn, p.name, quoteList(m.StageDateColumns))}
	}
	for s := range p.f.Stages() {
		i, err := rd.column(name(tmpl, string(s)))
		if err != nil {
			return err
		}
		k, _ := p.f.Index(s)
		p.stageDates = append(p.stageDates, stageDate{s, k, i})
	}
	for _, s := range p.excluded {
		if i, ok := rd.index[name(tmpl, string(s))]; ok {
			p.stageDates = append(p.stageDates, stageDate{s, -1, i})
		}
	}
	for _, o := range []struct {
		outcome funnel.Outcome
		values  []string
	}{{funnel.Won, m.Won}, {funnel.Lost, m.Lost}} {
		for _, v := range o.values {
			if i, ok := rd.index[name(tmpl, v)]; ok {
				p.closeDates = append(p.closeDates, closeDate{o.outcome, i})
			}
		}
	}
	return nil
}

// ignoredRow is the result of dealReader.deal for a row of a pipeline
// that is not read (Options.IgnoreOtherPipelines).
var ignoredRow = &ParseError{}

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
		if w := x.workers(); w > 1 {
			x.readParallel(yield, w)
			return
		}
		x.readSerial(yield)
	}
}

// readSerial is All on the calling goroutine, from the reader's current
// record on.
func (x *DealReader) readSerial(yield func(funnel.Deal) bool) {
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
			if perr == ignoredRow {
				continue
			}
			if err := rd.fail(perr); err != nil {
				x.err = err
				return
			}
			continue
		}
		rd.rep.Kept++
		x.dr.cur.kept++
		x.idLine = rd.fieldLine(x.dr.c.id)
		if !yield(d) {
			return
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
	if x.chunked {
		// the rows of the chunks applied and of the one being applied
		perRow := max(1, x.poff/int64(max(x.prows, 1)))
		return int(max(0, x.size-x.poff)/perRow) + max(0, x.prows-rd.rep.Rows)
	}
	off := rd.sc.offset()
	perRow := max(1, off/int64(rd.rep.Rows))
	return int(max(0, x.size-off) / perRow)
}

// Err returns the error that stopped [DealReader.All], or nil; after a
// second iteration, an error wrapping [ErrAlreadyRead].
func (x *DealReader) Err() error { return x.err }

// Report returns what the reader did with the rows read so far.
func (x *DealReader) Report() *Report {
	dr := x.dr
	rep := dr.rd.report()
	rep.Pipelines = rep.Pipelines[:0]
	if len(dr.pipes) > 1 || dr.pipes[0].name != "" {
		for _, p := range dr.pipes {
			rep.Pipelines = append(rep.Pipelines, Reason{p.name, p.kept})
		}
		slices.SortFunc(rep.Pipelines, func(a, b Reason) int { return strings.Compare(a.Reason, b.Reason) })
	}
	rep.Ignored = dr.ignored.sorted()
	if dr.conv != nil {
		rep.Conversions = dr.conv.used()
	}
	return rep
}

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
