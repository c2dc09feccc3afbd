package csvimport

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// A HistoryMapping names the columns of a stage-history file, read beside
// the deals file by [Open]: a long log with one row per save (Salesforce's
// Opportunity History), per field change (Pipedrive's deal flow), per
// status change (Close) or per stage entered (Zoho's Stage History).
//
// Only stage changes become stage entries. Each row that has a stage (or
// an outcome) is compared, in time order, with the deal's previous one:
// a stage that differs is an entry into it; a Won or Lost value is the
// deal's close (not an entry), and the last close after the deal's last
// entry gives its close time; the same stage again is a save of other
// fields, counted in [HistoryCounts.Unchanged]. The other fields a row
// records (amount, expected close date, probability, category,
// attributes) become the deal's field history (Deal.Changes), in two
// forms:
//
//   - snapshot rows (Field empty), which hold the then-current values of
//     several fields (Salesforce: "the then-current values of all of
//     these major fields", FORMATS.md [S2]): a value that differs from
//     the deal's previous row's is a change; each deal's first values are
//     recorded too, as the values it started with;
//   - one field per row (Field set), as Pipedrive's flow: the Field
//     column names the field (its values are the keys of Fields and
//     FieldAttrs), and Value holds the new value; stage rows read Stage
//     and FromStage instead. Rows of other fields are counted in
//     [HistoryCounts.OtherFields].
//
// A deal's first stage, when the log records only changes, is the
// FromStage of its earliest stage row (Pipedrive's old_value_formatted,
// Close's old_status_label), entered when the deal was created; a deal
// without stage rows entered its current stage when created. Rows are
// sorted by At per deal, stably (exports list history newest first or
// oldest first); without an At column the entries are untimed, in file
// order.
type HistoryMapping struct {
	DealID string // required: the deal's ID, as in the deals file
	At     string // when the row was saved; empty for an untimed log
	// Stage is the column of the stage the row records: the stage after
	// the change, or the deal's stage at the save.
	Stage string
	// FromStage is the column of the stage before the change.
	FromStage string
	// Outcome is the column of the status type after the change (Close's
	// new_status_type); its values are read as Won, Lost or Open.
	Outcome string
	// Won, Lost and Open are the values of Stage (Won and Lost), Outcome
	// and status rows that mean won, lost and open, compared without
	// regard to case; nil means those of the DealMapping.
	Won, Lost, Open []string
	// Pipeline is the column of the deal's pipeline, checked against the
	// deals file's ([ErrPipeline]).
	Pipeline string

	// Field, Value, Fields and FieldAttrs read logs of one field per row.
	Field string
	Value string
	// Fields maps the values of the Field column to what they change.
	Fields map[string]HistoryField
	// FieldAttrs maps values of the Field column to attribute keys: the
	// row changes that attribute (funnel.FieldAttr).
	FieldAttrs map[string]string

	// Amount, Probability, ExpectedClose and Category are the columns of
	// snapshot rows' other fields; Attrs maps attribute keys to columns.
	Amount, Probability, ExpectedClose, Category string
	Attrs                                        map[string]string
	// AmountFormat says how amounts are written (see [AmountFormat]);
	// minor units need the deal's currency and are not supported here.
	AmountFormat AmountFormat
	// ProbabilityPercent reads probabilities in percent.
	ProbabilityPercent bool
}

// A HistoryField is what a row of a one-field-per-row history changes.
type HistoryField int8

// What a history row changes.
const (
	// HistoryStage is a stage change: Stage and FromStage hold the stages.
	HistoryStage HistoryField = iota + 1
	// HistoryStatus is a change of outcome: Value is a Won, Lost or Open
	// value (Pipedrive's status: open, won, lost).
	HistoryStatus
	// HistoryAmount, HistoryExpectedClose, HistoryProbability and
	// HistoryCategory change those fields; Value is the new value.
	HistoryAmount
	HistoryExpectedClose
	HistoryProbability
	HistoryCategory
)

var historyFieldNames = [...]string{HistoryStage: "stage", HistoryStatus: "status", HistoryAmount: "amount",
	HistoryExpectedClose: "expected_close", HistoryProbability: "probability", HistoryCategory: "category"}

// String returns the field's name ("stage", "status", "amount",
// "expected_close", "probability" or "category"), or "HistoryField(N)".
func (f HistoryField) String() string {
	if f >= HistoryStage && f <= HistoryCategory {
		return historyFieldNames[f]
	}
	return fmt.Sprintf("HistoryField(%d)", int8(f))
}

// MarshalText encodes the field by name; an invalid value is an error
// wrapping [ErrMapping].
func (f HistoryField) MarshalText() ([]byte, error) {
	if f < HistoryStage || f > HistoryCategory {
		return nil, fmt.Errorf("%w: %v", ErrMapping, f)
	}
	return []byte(historyFieldNames[f]), nil
}

// UnmarshalText decodes a name written by [HistoryField.MarshalText]; any
// other text is an error wrapping [ErrMapping].
func (f *HistoryField) UnmarshalText(b []byte) error {
	for i, n := range historyFieldNames {
		if i > 0 && n == string(b) {
			*f = HistoryField(i)
			return nil
		}
	}
	return fmt.Errorf("%w: history field %q", ErrMapping, b)
}

// HistoryCounts say what the rows of a history file gave.
type HistoryCounts struct {
	// Entries counts the stage entries: rows whose stage differs from the
	// deal's previous one, and first stages told by FromStage.
	Entries int `json:"entries"`
	// Closes counts the rows that closed a deal (won or lost).
	Closes int `json:"closes"`
	// Unchanged counts the rows whose stage is the deal's previous one:
	// saves of other fields, which are not stage entries.
	Unchanged int `json:"unchanged"`
	// FieldChanges counts the changes of other fields, by field
	// ("amount", "expected_close", "probability", "category", "attribute
	// <key>"), each deal's first recorded value included.
	FieldChanges []Reason `json:"field_changes"`
	// OtherFields counts the rows of fields that are not read, by the
	// Field column's value.
	OtherFields []Reason `json:"other_fields"`
}

// The kinds of what a history row says of the stage.
const (
	rowNoStage = iota
	rowStage   // a stage
	rowWon     // won
	rowLost    // lost
	rowOpen    // open again, with no stage (a status change)
)

// A histRow is one row of a history file, while the file is read (kept
// in a rowStore): its deal, time, what it says of the stage, and its field
// changes (n of them from changes[ch] of the reader). It holds no pointer,
// so that the rows of a large file cost the garbage collector nothing to
// scan: its time is Unix seconds and nanoseconds with the index of its
// zone, its stages indexes of the reader's texts.
type histRow struct {
	sec   int64 // the time (zone 0: unrecorded; zoneExtra: extra[sec])
	line  int32
	deal  int32
	ch, n int32
	nsec  int32
	stage uint32 // index in historyReader.texts; 0 is ""
	from  uint32
	zone  uint16 // 1 + index in historyReader.zones, or 0 or zoneExtra
	kind  int8
}

// zoneExtra marks a histRow whose time is kept in historyReader.extra,
// once the rows name more zones than a row can index.
const zoneExtra = 1<<16 - 1

// maxZones is the number of zones a zoneTable indexes (less in tests).
var maxZones = zoneExtra - 1

// A histEntry is a stage entry (close Open) or a close event (kept in an
// entryStore), its time stored as a histRow's (see zoneTable), its stage
// an index of the history's texts.
type histEntry struct {
	sec   int64
	nsec  int32
	line  int32
	stage uint32
	zone  uint16
	close funnel.Outcome
}

// history holds a history file's deals, for a DealReader to attach.
type history struct {
	entries entryStore           // every deal's entries
	changes []funnel.FieldChange // every deal's field changes
	texts   []string             // the stages and pipelines of deals and entries, by index
	times   *zoneTable
	file    string
	header  []string
	at      int // columns, for errors
	stageC  int
	fromC   int
	pipeC   int
	index   idIndex // deal ID -> index in deals
	deals   histDeals
	rep     *Report
	withOut []string // the first deals without history rows
	won     []string // the mapping's Won and Lost values, for errors
	lost    []string
	without int
	with    int
}

func (h *history) name(col int) string {
	if col < 0 || col >= len(h.header) {
		return ""
	}
	return h.header[col]
}

// lookup returns 1 + the index of the history of the deal id, or 0, and
// counts the look-up for the join report.
func (h *history) lookup(id []byte) int32 {
	i := h.find(id)
	h.count(i, id)
	return i + 1
}

// find returns the index in h.deals of the deal id, or -1. It writes
// nothing: the workers of a parallel read call it together.
func (h *history) find(id []byte) int32 {
	i, ok := h.index.get(id)
	if !ok {
		return -1
	}
	return i
}

// count counts a look-up for the join report: of a deal that found the
// history deal i, or, for i < 0, of the deal id that found none (id is
// read only for the first few, kept as examples).
func (h *history) count(i int32, id []byte) {
	if i < 0 {
		h.without++
		if len(h.withOut) < maxExamples {
			h.withOut = append(h.withOut, string(id))
		}
		return
	}
	h.with++
	h.deals.markUsed(i)
}

// join returns the reports of the join of the deals with the history:
// deals that found rows and those that did not; history deals that found
// a deal and those that did not.
func (h *history) join(dealsFile string) (deals, rows JoinReport) {
	deals = JoinReport{Name: dealsFile + " with " + h.file, Matched: h.with, Unmatched: h.without, Missing: []Reason{}}
	for _, id := range h.withOut {
		deals.Missing = append(deals.Missing, Reason{id, 1})
	}
	rows = JoinReport{Name: h.file + " with " + dealsFile, Missing: []Reason{}}
	for k := range int32(h.deals.n) {
		if h.deals.isUsed(k) {
			rows.Matched++
		} else {
			rows.Unmatched++
		}
	}
	if rows.Unmatched > 0 {
		// the IDs of the deals not found, from the index
		h.index.each(func(id string, k int32) {
			if h.deals.isUsed(k) {
				return
			}
			e0, e1 := h.deals.entryRange(k)
			n := e1 - e0
			if from, _ := h.deals.fromOf(k); from != 0 {
				n++
			}
			rows.Missing = append(rows.Missing, Reason{id, max(n, 1)})
		})
	}
	slices.SortFunc(rows.Missing, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	rows.Missing = rows.Missing[:min(len(rows.Missing), maxExamples)]
	return deals, rows
}

// historyColumns are the column indexes of a history file.
type historyColumns struct {
	id, at, stage, from, outcome, pipeline, field, value int
	amount, probability, expected, category              int
	attrs                                                []customColumn
	snapshot                                             []fieldColumn // the columns mapped of amount, expected close, probability and category
}

// A fieldColumn is the column of a field of snapshot rows.
type fieldColumn struct {
	kind HistoryField
	col  int
}

// readHistory reads a history file into its deals.
func readHistory(r io.Reader, file string, m *HistoryMapping, opts Options) (*history, error) {
	if m.DealID == "" || (m.Stage == "" && m.Outcome == "") {
		return nil, fmt.Errorf("%w: HistoryMapping needs the DealID column and a Stage or Outcome column", ErrMapping)
	}
	if err := m.AmountFormat.validate(); err != nil {
		return nil, err
	}
	if m.AmountFormat.MinorUnits {
		return nil, fmt.Errorf("%w: HistoryMapping.AmountFormat.MinorUnits is not supported", ErrMapping)
	}
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, err
	}
	var c historyColumns
	for _, col := range []struct {
		dst  *int
		name string
	}{
		{&c.id, m.DealID}, {&c.at, m.At}, {&c.stage, m.Stage}, {&c.from, m.FromStage}, {&c.outcome, m.Outcome},
		{&c.pipeline, m.Pipeline}, {&c.field, m.Field}, {&c.value, m.Value}, {&c.amount, m.Amount},
		{&c.probability, m.Probability}, {&c.expected, m.ExpectedClose}, {&c.category, m.Category},
	} {
		if *col.dst, err = rd.column(col.name); err != nil {
			return nil, err
		}
	}
	for _, key := range sortedKeys(m.Attrs) {
		i, err := rd.column(m.Attrs[key])
		if err != nil {
			return nil, err
		}
		c.attrs = append(c.attrs, customColumn{key, i})
	}
	if c.field >= 0 && c.value < 0 {
		return nil, fmt.Errorf("%w: HistoryMapping.Field needs the Value column", ErrMapping)
	}
	for _, f := range []fieldColumn{{HistoryAmount, c.amount}, {HistoryExpectedClose, c.expected}, {HistoryProbability, c.probability}, {HistoryCategory, c.category}} {
		if f.col >= 0 {
			c.snapshot = append(c.snapshot, f)
		}
	}
	h := &history{file: file, header: rd.header, at: c.at, stageC: c.stage, fromC: c.from, pipeC: c.pipeline,
		rep: rd.rep, won: m.Won, lost: m.Lost}
	if c.from >= 0 {
		h.deals.from, h.deals.fromLine = []uint32{}, []int32{}
	}
	if c.pipeline >= 0 {
		h.deals.pipeline, h.deals.pipeLine = []uint32{}, []int32{}
	}
	hr := &historyReader{rd: rd, m: m, c: &c, h: h, times: newTimeParser(opts), intern: map[string]string{}, counts: tally{}, other: tally{}, zt: &zoneTable{},
		texts: []string{""}, textIDs: map[string]uint32{}}
	// Only an explicit Options.Workers above 1 splits a history file (see
	// histparallel.go): its reading goroutine keeps every row and derives
	// the entries, which leaves the workers too little of the work to
	// repay the CPU time they add where other work shares the cores.
	if w := parallelWorkers(rd, sizeOf(r)); w > 1 && opts.Workers > 1 {
		err = hr.readParallel(w)
	} else {
		err = hr.readSerial()
	}
	if err != nil {
		return nil, err
	}
	// The rows of each deal, in time order (stably: file order otherwise),
	// become its entries and changes, kept deal after deal.
	h.deals.changes = len(hr.changes) > 0
	hr.out = make([]funnel.FieldChange, 0, len(hr.changes))
	hc := &HistoryCounts{}
	hr.deriveAll(hc)
	hr.changes = nil
	h.entries, h.changes, h.texts, h.times = hr.entries, hr.out, hr.texts, hr.zt
	hr.entries = entryStore{}
	hc.FieldChanges = hr.counts.sorted()
	hc.OtherFields = hr.other.sorted()
	if hc.FieldChanges == nil {
		hc.FieldChanges = []Reason{}
	}
	if hc.OtherFields == nil {
		hc.OtherFields = []Reason{}
	}
	h.rep = rd.report()
	h.rep.History = hc
	return h, nil
}

// readSerial reads the rows from the reader's current record on.
func (hr *historyReader) readSerial() error {
	rd := hr.rd
	for {
		ok, err := rd.next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if perr := hr.row(); perr != nil {
			if err := rd.fail(perr); err != nil {
				return err
			}
			continue
		}
		rd.rep.Kept++
	}
}

type historyReader struct {
	rd       *reader
	m        *HistoryMapping
	c        *historyColumns
	h        *history
	times    *timeParser
	exp      *timeParser
	intern   map[string]string
	counts   tally // field changes
	other    tally // rows of other fields
	buf      []byte
	texts    []string             // the stages of rows, by textID; texts[0] is ""
	kinds    []int8               // what each text says of the stage, once asked (stageKind)
	textIDs  map[string]uint32    // index of each text
	recent   [64]uint32           // indexes of texts found lately, by a hash of a few bytes (see textID); 0 or beyond texts: none
	zt       *zoneTable           // the zones of rows' times
	rows     rowStore             // every row read
	last     histRow              // the row read last
	shuffled bool                 // whether some row came before the one read before it in (deal, time) order
	changes  []funnel.FieldChange // the rows' field changes
	entries  entryStore           // every deal's entries, once derived
	out      []funnel.FieldChange // every deal's changes, once derived
	lasts    []lastChange         // scratch of derive

	// In a worker of a parallel read (see histparallel.go), chunk is set:
	// rows go there, with their texts indexes of the worker's own texts,
	// for the reading goroutine to keep in file order.
	chunk *histChunk
}

// byDealAndTime orders rows by deal, then time.
func (hr *historyReader) byDealAndTime(a, b *histRow) int {
	if a.deal != b.deal {
		return cmp.Compare(a.deal, b.deal)
	}
	if a.zone == zoneExtra || b.zone == zoneExtra {
		return hr.timeOf(a).Compare(hr.timeOf(b))
	}
	return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec))
}

// addRow keeps a row read.
func (hr *historyReader) addRow(r *histRow) {
	if hr.rows.n > 0 && !hr.shuffled && hr.byDealAndTime(&hr.last, r) > 0 {
		hr.shuffled = true
	}
	hr.rows.add(r)
	hr.last = *r
}

// deriveAll derives every deal's entries and changes from its rows, deal
// by deal in index order. Files list a deal's rows together, in time
// order, often: the rows are then read in file order, and each block of
// them dropped once read. Otherwise each deal's rows are found by a
// counting sort of the rows by deal, which keeps the file order, and
// sorted by time stably.
func (hr *historyReader) deriveAll(hc *HistoryCounts) {
	rows, deals := &hr.rows, &hr.h.deals
	var scratch []histRow
	next := int32(0) // the next deal to derive
	derive := func(k int32) {
		for ; next < k; next++ { // deals without rows (their rows failed)
			hr.endDeal(next)
		}
		hr.derive(k, scratch, hc)
		next = k + 1
	}
	if !hr.shuffled {
		// each deal's rows follow one another: a block of rows is read
		// whole, and released once read
		var block []histRow
		deal := int32(-1) // the deal of the rows in scratch
		for b := range len(rows.blocks) + 1 {
			block = rows.block(b, block[:0])
			rows.release((b + 1) * histBlock)
			for _, r := range block {
				if r.deal != deal && len(scratch) > 0 {
					derive(deal)
					scratch = scratch[:0]
				}
				deal = r.deal
				scratch = append(scratch, r)
			}
		}
		if len(scratch) > 0 {
			derive(deal)
		}
	} else {
		start := make([]int32, deals.n+1)
		var ds []int64 // the deals of a block of rows, read whole
		for b := range len(rows.blocks) + 1 {
			ds = rows.dealsOf(b, ds[:0])
			for _, k := range ds {
				start[k+1]++
			}
		}
		for k := 1; k <= deals.n; k++ {
			start[k] += start[k-1]
		}
		order := make([]int32, rows.n)
		at := slices.Clone(start[:deals.n])
		i := int32(0)
		for b := range len(rows.blocks) + 1 {
			ds = rows.dealsOf(b, ds[:0])
			for _, k := range ds {
				order[at[k]] = i
				at[k]++
				i++
			}
		}
		for k := range int32(deals.n) {
			ks := order[start[k]:start[k+1]]
			if len(ks) == 0 {
				continue
			}
			scratch = scratch[:0]
			for _, i := range ks {
				scratch = append(scratch, rows.at(int(i)))
			}
			slices.SortStableFunc(scratch, func(a, b histRow) int { return hr.byDealAndTime(&a, &b) })
			derive(k)
		}
	}
	for ; next < int32(deals.n); next++ {
		hr.endDeal(next)
	}
	hr.rows = rowStore{}
}

// endDeal records where deal k's entries and changes end: at those
// derived so far. It is called for every deal, in index order.
func (hr *historyReader) endDeal(k int32) {
	d := &hr.h.deals
	d.end.add(hr.entries.len())
	if d.changes {
		d.cend.add(len(hr.out))
	}
}

// text returns b as a string, one copy per distinct value.
func (hr *historyReader) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := hr.intern[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(hr.intern) < 1<<16 {
		hr.intern[s] = s
	}
	return s
}

// textID returns the index of b in hr.texts, adding it when new.
func (hr *historyReader) textID(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	// a log repeats a few values (its stages) on every row: each is
	// found by one comparison in a small table, by its length and its
	// first and last bytes, most of the time
	slot := &hr.recent[(uint(len(b))+7*uint(b[0])+31*uint(b[len(b)-1]))%uint(len(hr.recent))]
	if i := *slot; int(i) < len(hr.texts) && hr.texts[i] == string(b) {
		return i
	}
	for i := 1; i < min(len(hr.texts), 9); i++ {
		if hr.texts[i] == string(b) {
			*slot = uint32(i)
			return uint32(i)
		}
	}
	if i, ok := hr.textIDs[string(b)]; ok {
		*slot = i
		return i
	}
	if hr.texts == nil {
		hr.texts, hr.textIDs = []string{""}, map[string]uint32{}
	}
	s := hr.text(b)
	i := uint32(len(hr.texts))
	hr.texts = append(hr.texts, s)
	hr.textIDs[s] = i
	*slot = i
	return i
}

// stageKind returns what the text of index id says as a row's stage:
// rowWon or rowLost for a Won or Lost value (compared as matchValue
// does), else rowStage. It looks once per text: a log repeats a few
// values on every row.
func (hr *historyReader) stageKind(id uint32) int8 {
	if int(id) >= len(hr.kinds) {
		hr.kinds = append(hr.kinds, make([]int8, len(hr.texts)-len(hr.kinds))...)
	}
	k := hr.kinds[id]
	if k == rowNoStage {
		v := []byte(hr.texts[id])
		switch {
		case matchValue(hr.m.Won, v):
			k = rowWon
		case matchValue(hr.m.Lost, v):
			k = rowLost
		default:
			k = rowStage
		}
		hr.kinds[id] = k
	}
	return k
}

// A zoneTable stores times as Unix seconds, nanoseconds and a zone
// index: 1 + an index into zones, 0 for the zero time, zoneExtra for a
// time kept whole in extra (its seconds then index extra). Zones are told
// apart by pointer and, for the zones that parsing makes up for an offset
// (a new one per time), by name and offset, so that they stay few.
type zoneTable struct {
	zones   []*time.Location
	zoneKey []string // what tells each zone apart
	extra   []time.Time
}

// set returns the stored form of t.
func (zt *zoneTable) set(t time.Time) (sec int64, nsec int32, zone uint16) {
	if t.IsZero() {
		return t.Unix(), 0, 0 // sorts first, as the zero time does
	}
	loc := t.Location()
	z := -1
	for i, l := range zt.zones {
		if l == loc {
			z = i
			break
		}
	}
	if z < 0 {
		name, off := t.Zone()
		key := loc.String() + "\x00" + name + "\x00" + strconv.Itoa(off)
		for i, k := range zt.zoneKey {
			if k == key {
				z = i
				break
			}
		}
		if z < 0 && len(zt.zones) < maxZones {
			z = len(zt.zones)
			zt.zones = append(zt.zones, loc)
			zt.zoneKey = append(zt.zoneKey, key)
		}
	}
	if z < 0 {
		zt.extra = append(zt.extra, t)
		return int64(len(zt.extra) - 1), 0, zoneExtra
	}
	return t.Unix(), int32(t.Nanosecond()), uint16(z + 1)
}

// get returns the time stored as sec, nsec and zone.
func (zt *zoneTable) get(sec int64, nsec int32, zone uint16) time.Time {
	switch zone {
	case 0:
		return time.Time{}
	case zoneExtra:
		return zt.extra[sec]
	}
	return time.Unix(sec, int64(nsec)).In(zt.zones[zone-1])
}

// setTime stores t in r.
func (hr *historyReader) setTime(r *histRow, t time.Time) { r.sec, r.nsec, r.zone = hr.zt.set(t) }

// timeOf returns the time stored in r.
func (hr *historyReader) timeOf(r *histRow) time.Time { return hr.zt.get(r.sec, r.nsec, r.zone) }

func (hr *historyReader) lists() (won, lost, open []string) {
	return hr.m.Won, hr.m.Lost, hr.m.Open
}

// classify sets the kind of the row r from v, the value of column col: a
// Won, Lost or Open value.
func (hr *historyReader) classify(r *histRow, col int, v []byte) *ParseError {
	won, lost, open := hr.lists()
	switch {
	case matchValue(won, v):
		r.kind = rowWon
	case matchValue(lost, v):
		r.kind = rowLost
	case matchValue(open, v):
		r.kind = rowOpen
	default:
		return hr.rd.at(col, fmt.Errorf("%w %q: not a value of HistoryMapping.Won (%s), Lost (%s) or Open (%s)", ErrOutcome, v, quoteList(won), quoteList(lost), quoteList(open)))
	}
	return nil
}

// stageRow reads what the current record, a stage row, says of the
// stage into r: its stage, or its outcome, and its FromStage.
func (hr *historyReader) stageRow(r *histRow) *ParseError {
	rd, c := hr.rd, hr.c
	st := rd.get(c.stage)
	if perr := rd.suspicious(c.stage, st); perr != nil {
		return perr
	}
	if c.outcome >= 0 {
		if v := rd.get(c.outcome); len(v) > 0 {
			if perr := hr.classify(r, c.outcome, v); perr != nil {
				return perr
			}
			if r.kind == rowOpen {
				r.kind = rowNoStage
			}
		}
	}
	if r.kind == rowNoStage && len(st) > 0 {
		id := hr.textID(st)
		if r.kind = hr.stageKind(id); r.kind == rowStage {
			r.stage = id
		}
	}
	if c.from >= 0 {
		if id := hr.textID(rd.get(c.from)); id != 0 && hr.stageKind(id) == rowStage {
			r.from = id
		}
	}
	return nil
}

// row reads the current record.
func (hr *historyReader) row() *ParseError {
	rd, c, m := hr.rd, hr.c, hr.m
	id := rd.get(c.id)
	if len(id) == 0 {
		return rd.at(c.id, ErrEmpty)
	}
	if perr := rd.suspicious(c.id, id); perr != nil {
		return perr
	}
	var at time.Time
	if c.at >= 0 {
		v := rd.get(c.at)
		if len(v) == 0 {
			return rd.at(c.at, ErrEmpty)
		}
		t, err := hr.times.parse(v)
		if err != nil {
			return rd.at(c.at, err)
		}
		at = t
	}
	row := histRow{line: int32(rd.line), ch: int32(len(hr.changes))}
	if c.field >= 0 {
		key := rd.get(c.field)
		kind, isField := m.Fields[string(key)]
		attr, isAttr := m.FieldAttrs[string(key)]
		v := rd.get(c.value)
		switch {
		case isField && kind == HistoryStage:
			if len(rd.get(c.stage)) == 0 {
				return rd.at(c.stage, fmt.Errorf("%w: a stage row without its stage", ErrEmpty))
			}
			if perr := hr.stageRow(&row); perr != nil {
				return perr
			}
		case isField && kind == HistoryStatus:
			if len(v) == 0 {
				return rd.at(c.value, fmt.Errorf("%w: a status row without its status", ErrEmpty))
			}
			if perr := hr.classify(&row, c.value, v); perr != nil {
				return perr
			}
		case isField:
			ch, ok, perr := hr.change(kind, c.value, v)
			if perr != nil {
				return perr
			}
			if ok {
				hr.changes = grow(hr.changes, ch)
			}
		case isAttr:
			hr.changes = grow(hr.changes, funnel.FieldChange{Field: funnel.FieldAttr, Key: attr, Text: hr.text(v)})
		default:
			hr.other[hr.text(key)]++
		}
	} else {
		if perr := hr.stageRow(&row); perr != nil {
			return perr
		}
		for _, f := range c.snapshot {
			ch, ok, perr := hr.change(f.kind, f.col, rd.get(f.col))
			if perr != nil {
				hr.changes = hr.changes[:row.ch]
				return perr
			}
			if ok {
				hr.changes = grow(hr.changes, ch)
			}
		}
		for _, a := range c.attrs {
			if v := rd.get(a.col); len(v) > 0 {
				hr.changes = grow(hr.changes, funnel.FieldChange{Field: funnel.FieldAttr, Key: a.key, Text: hr.text(v)})
			}
		}
	}
	row.n = int32(len(hr.changes)) - row.ch
	var pipeline []byte
	if c.pipeline >= 0 {
		pipeline = rd.get(c.pipeline)
	}
	if hr.chunk != nil {
		hr.chunk.add(hr, &row, id, at, pipeline)
		return nil
	}
	if perr := hr.keep(&row, id, at, pipeline, rd.fieldLine(c.pipeline)); perr != nil {
		hr.changes = hr.changes[:row.ch]
		return perr
	}
	return nil
}

// keep finds (or adds) the deal of the row r, its ID id, checks its
// pipeline (the row's value, on line pipeLine) against the deal's earlier
// rows', and keeps the row, at time at.
func (hr *historyReader) keep(r *histRow, id []byte, at time.Time, pipeline []byte, pipeLine int) *ParseError {
	deals := &hr.h.deals
	k, seen := hr.h.index.get(id)
	if !seen {
		k = int32(deals.n)
		hr.h.index.put(id, k)
		deals.add()
	}
	if hr.c.pipeline >= 0 {
		switch pl := deals.pipeline[k]; {
		case len(pipeline) == 0:
		case pl == 0:
			deals.pipeline[k], deals.pipeLine[k] = hr.textID(pipeline), r.line
		case hr.texts[pl] != string(pipeline):
			return &ParseError{File: hr.rd.file, Line: pipeLine, Column: hr.rd.name(hr.c.pipeline),
				Err: fmt.Errorf("%w %q: the deal's earlier row, on line %d, is in pipeline %q", ErrPipeline, pipeline, deals.pipeLine[k], hr.texts[pl])}
		}
	}
	r.deal = k
	hr.setTime(r, at)
	hr.addRow(r)
	return nil
}

// grow appends v to list, doubling its capacity when full, so that a large
// file's rows are copied about once in all (append grows large slices by
// less, and copies them more often).
func grow[T any](list []T, v T) []T {
	if len(list) == cap(list) {
		bigger := make([]T, len(list), max(2*cap(list), 256))
		copy(bigger, list)
		list = bigger
	}
	return append(list, v)
}

// change reads the value v of column col as a change of the field kind;
// false for an empty value.
func (hr *historyReader) change(kind HistoryField, col int, v []byte) (funnel.FieldChange, bool, *ParseError) {
	if len(v) == 0 {
		return funnel.FieldChange{}, false, nil
	}
	rd, m := hr.rd, hr.m
	switch kind {
	case HistoryAmount:
		a, _, err := parseFormatted(v, m.AmountFormat, rd.opts.MaxDigits, &hr.buf)
		if err != nil {
			return funnel.FieldChange{}, false, rd.at(col, err)
		}
		return funnel.FieldChange{Field: funnel.FieldAmount, Amount: a}, true, nil
	case HistoryExpectedClose:
		if hr.exp == nil {
			hr.exp = newTimeParser(rd.opts)
		}
		t, err := hr.exp.parse(v)
		if err != nil {
			return funnel.FieldChange{}, false, rd.at(col, err)
		}
		return funnel.FieldChange{Field: funnel.FieldExpectedClose, Time: t}, true, nil
	case HistoryProbability:
		if len(v) > 1 && v[len(v)-1] == '%' {
			v = trim(v[:len(v)-1])
		}
		a, err := parseAmount(v, 0)
		if err != nil {
			return funnel.FieldChange{}, false, rd.at(col, err)
		}
		if m.ProbabilityPercent {
			a = a.Shift(-2)
		}
		if a.Sign() < 0 || a.GreaterThan(decimal.New(1, 0)) {
			return funnel.FieldChange{}, false, rd.at(col, fmt.Errorf("%w: probability %s is outside [0, 1] (HistoryMapping.ProbabilityPercent)", ErrAmount, v))
		}
		return funnel.FieldChange{Field: funnel.FieldProbability, Amount: a}, true, nil
	case HistoryCategory:
		return funnel.FieldChange{Field: funnel.FieldCategory, Text: hr.text(v)}, true, nil
	}
	return funnel.FieldChange{}, false, rd.at(col, fmt.Errorf("%w: %v", ErrMapping, kind))
}

// derive turns a deal's rows, sorted by time, into its stage entries,
// close events and field changes.
func (hr *historyReader) derive(k int32, rows []histRow, hc *HistoryCounts) {
	d := &hr.h.deals
	snapshot := hr.c.field < 0
	// Stages are compared by their indexes in hr.texts, which index each
	// text once: equal indexes are equal texts, and 0 is "".
	var prev uint32     // the stage of the previous stage row
	var lastOpen uint32 // the last stage entered
	closed := false     // whether the deal is closed now
	first := true
	e0 := hr.entries.len()
	lasts := hr.lasts[:0] // the last value of each field, for snapshot rows: few fields
	for i := range rows {
		rr := &rows[i]
		entry := func(stage uint32, close funnel.Outcome) {
			hr.entries.add(histEntry{sec: rr.sec, nsec: rr.nsec, zone: rr.zone, line: rr.line, stage: stage, close: close})
		}
		switch rr.kind {
		case rowStage:
			if first && rr.from != 0 && rr.from != rr.stage {
				d.from[k], d.fromLine[k] = rr.from, rr.line
				prev, lastOpen = rr.from, rr.from
				hc.Entries++
			}
			first = false
			if rr.stage == prev && !closed {
				hc.Unchanged++
				break
			}
			entry(rr.stage, funnel.Open)
			hc.Entries++
			prev, lastOpen, closed = rr.stage, rr.stage, false
		case rowWon, rowLost:
			o := funnel.Won
			if rr.kind == rowLost {
				o = funnel.Lost
			}
			if first && rr.from != 0 {
				d.from[k], d.fromLine[k] = rr.from, rr.line
				prev, lastOpen = rr.from, rr.from
				hc.Entries++
				first = false
			}
			if n := hr.entries.len(); closed && n > e0 && hr.entries.at(n-1).close == o {
				hc.Unchanged++
				break
			}
			entry(0, o)
			hc.Closes++
			closed = true
		case rowOpen:
			if closed && lastOpen != 0 {
				// reopened in the stage it was closed from
				entry(lastOpen, funnel.Open)
				hc.Entries++
				closed = false
			}
		}
		if rr.n == 0 {
			continue
		}
		at := hr.timeOf(rr)
	next:
		for _, ch := range hr.changes[rr.ch : rr.ch+rr.n] {
			ch.At = at
			if snapshot {
				for i := range lasts {
					if l := &lasts[i]; l.f == ch.Field && l.key == ch.Key {
						if sameValue(l.ch, ch) {
							continue next
						}
						l.ch = ch
						goto keep
					}
				}
				lasts = append(lasts, lastChange{ch.Field, ch.Key, ch})
			}
		keep:
			hr.out = append(hr.out, ch)
			name := ch.Field.String()
			if ch.Field == funnel.FieldAttr {
				name = "attribute " + ch.Key
			}
			hr.counts[name]++
		}
	}
	hr.lasts = lasts[:0]
	hr.endDeal(k)
}

// A lastChange is the last value of a field of a deal's snapshot rows,
// while its changes are derived.
type lastChange struct {
	f   funnel.Field
	key string
	ch  funnel.FieldChange
}

// sameValue reports whether two changes of one field set the same value.
func sameValue(a, b funnel.FieldChange) bool {
	return a.Amount.Equal(b.Amount) && a.Time.Equal(b.Time) && a.Text == b.Text
}

// attach sets the deal's history from the history file: its stage entries
// resolved in its pipeline's funnel, its field changes, and the close time
// of its last close event.
func (dr *dealReader) attach(d *funnel.Deal, p *pipe) *ParseError {
	hd, h, c := dr.histDeal, dr.hist, dr.c
	dr.histClose = time.Time{}
	dr.refs = histRefs{}
	var entries []funnel.StageChange
	var lastClose histEntry // close Open: none
	if hd != 0 {
		k := hd - 1
		if id, line := h.deals.pipelineOf(k); h.texts[id] != "" && h.texts[id] != p.name {
			return &ParseError{File: h.file, Line: int(line), Column: h.name(h.pipeC),
				Err: fmt.Errorf("%w %q: the deal (ID %q) is in pipeline %q in %s", ErrPipeline, h.texts[id], d.ID, p.name, dr.rd.file)}
		}
		t := dr.stageTable(p)
		e0, e1 := h.deals.entryRange(k)
		n := e1 - e0 + 2
		fromID, fromLine := h.deals.fromOf(k)
		from := h.texts[fromID] != ""
		if from {
			n++
		}
		entries = dr.alloc(n)
		if from {
			s, ok := t.resolve(h.texts, fromID)
			if !ok {
				return dr.unknownEntry(p, fromLine, h.fromC, fromID)
			}
			entries = append(entries, funnel.StageChange{Stage: s, At: d.Created})
			dr.refs.from = true
		}
		for i := e0; i < e1; i++ {
			e := h.entries.at(i)
			if e.close != funnel.Open {
				lastClose = e
				continue
			}
			s, ok := t.resolve(h.texts, e.stage)
			if !ok {
				return dr.unknownEntry(p, e.line, h.stageC, e.stage)
			}
			entries = append(entries, funnel.StageChange{Stage: s, At: h.times.get(e.sec, e.nsec, e.zone)})
			lastClose.close = funnel.Open
		}
		dr.refs.e0, dr.refs.e1 = e0, e1
		if c0, c1 := h.deals.changeRange(k); c1 > c0 {
			d.Changes = h.changes[c0:c1:c1]
		} else {
			d.Changes = nil
		}
	}
	switch {
	case len(entries) == 0 && d.Stage != "":
		entries = append(dr.alloc(1), funnel.StageChange{Stage: d.Stage, At: d.Created})
		dr.refs.tail = c.created
		dr.rd.addNote(NoteNoHistory)
	case len(entries) > 0 && d.Stage != "" && entries[len(entries)-1].Stage != d.Stage:
		entries = append(entries, funnel.StageChange{Stage: d.Stage})
		dr.refs.tail = c.stage
		dr.rd.addNote(NoteStageAdded)
	}
	dr.refs.n = len(entries)
	if len(entries) > 0 {
		d.History = entries
		if d.Stage == "" {
			d.Stage = entries[len(entries)-1].Stage
		}
	}
	if d.Outcome != funnel.Open {
		if lastClose.close == d.Outcome {
			dr.histClose = h.times.get(lastClose.sec, lastClose.nsec, lastClose.zone)
		} else {
			dr.rd.addNote(NoteHistoryClose)
		}
	}
	return nil
}
