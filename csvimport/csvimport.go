// Package csvimport loads deals and their stage and field histories from
// CSV exports of CRMs into [funnel.Deal] values.
//
// A [DealMapping] names the columns that hold each deal field; a
// [ChangeMapping] does the same for a stage-change log (one row per stage
// change), which [AttachHistory] joins to the deals. [ReadTable] and
// [Table.Join] bring in attributes from side tables (accounts, teams,
// products), and report the keys that found no row, and the rows that
// found no deal, instead of dropping them silently. [ReadTransactions]
// reads a transactions export into a [clv.Log]; a [RecordReader] reads
// any other file with a header row.
//
// # CRM exports
//
// A [Mapping] describes a CRM's whole export as data: its deals file, its
// stage-history file ([HistoryMapping]) and how it writes values. The
// presets [HubSpot], [Salesforce], [Pipedrive], [Close] and [Zoho] are
// such values, each documented with the sources of what it assumes; [Open]
// reads an export with one, as its files come:
//
//   - pipelines: one read of an export with several pipelines reads each
//     deal against its own pipeline's funnel ([Pipelines]; stage names
//     may repeat across pipelines), sets Deal.Pipeline, and never puts a
//     deal in a pipeline it is not in; [Pipelines.Reports] and [RunBy]
//     give each pipeline its own scan in the one pass;
//   - stage history as wide stage-date columns (HubSpot's Date entered
//     "<stage> (<pipeline>)": [DealMapping.StageDateColumns]) or as a long
//     log beside the deals whose rows may record other fields too: only
//     stage changes become stage entries, the other fields the deal's
//     field history (funnel.FieldChange), counted in [HistoryCounts];
//   - the outcome in its own column, in the stage column, or as flags;
//     won and lost times apart; a close date that is the expected close
//     date of an open deal; closed deals without a close time
//     ([Options.UndatedClose]); untimed stage entries; constant and
//     default values for columns an export lacks ([DealMapping.Defaults]);
//     missing-value tokens, aliases and case folding ([ValueRule]);
//   - amounts with currency symbols, thousands separators, decimal commas
//     or in minor units, recurring amounts by period ([AmountFormat]); a
//     currency per deal, read in a reporting currency with dated rates
//     ([Options.Currency], [Rates]) or broken down by currency
//     ([ByCurrency]);
//   - report footers such as Salesforce's Grand Totals ([Options.Footer]).
//
// The conversion of one row into a deal is a sequence of steps, one per
// group of fields (identity and pipeline, string fields, outcome, dates,
// amount and currency, stage, history, close time, forecast fields,
// currency conversion, validation), each reading only its own columns.
//
// Every problem names the file, the line and the column, in a [*ParseError]
// that wraps one of the ErrXxx sentinels (or a [*funnel.DealError] for a
// deal that reads well but does not validate). In strict mode reading stops
// at the first problem; in lenient mode the row is skipped, counted and
// listed in the [Report], so that rows read = kept + skipped (+ the rows
// of pipelines not read, [Report.Ignored]).
//
// # Reading CSV
//
// Files are read as RFC 4180 describes (fields separated by
// [Options.Comma], a field in double quotes may hold separators, line
// breaks and doubled quotes), with these rules for what exports get wrong:
//
//   - LF, CRLF and a lone CR (classic Mac OS) each end a row outside
//     quotes, in any mix, and each counts as one line; blank lines are
//     skipped.
//   - A row must have as many fields as the header ([ErrFieldCount]): an
//     unquoted "1,000" or "Smith, John" would otherwise shift or cut the
//     values. [Options.AllowTrailingEmpty] accepts extra empty fields.
//   - A quote that is never closed stops the read in either mode
//     ([ErrUnclosedQuote]), at the line where it opened: the rows after it
//     cannot be told apart, and are not counted as read. A record is
//     bounded by [Options.MaxRecordBytes].
//   - An ID or a stage that holds a line break or a whole row's separators
//     is rejected ([ErrSuspicious]), naming the line where the field
//     begins: the mark of a quote opened in one row and closed rows later.
//     Line breaks are ordinary in other columns, such as notes.
//   - A header that names a mapped column twice is an error
//     ([ErrDuplicateColumn]), naming both positions.
//   - Times are [Options.Layouts] in [Options.Location]; 0001-01-01, the
//     zero time that a deal reads as "not recorded", is rejected as such.
//
// # Encodings
//
// Input is UTF-8 unless [Options.Encoding] names another encoding (such as
// charmap.Windows1252 of golang.org/x/text/encoding/charmap for the
// exports of Excel on Windows). A byte-order mark is skipped; with no
// Encoding set, a UTF-16 or UTF-32 byte-order mark, or the NUL bytes that
// interleave ASCII text in those encodings, selects that encoding.
// [Report.Encoding] says what was decoded.
//
// # Memory
//
// A [DealReader] streams: what it keeps is the set of deal IDs it has seen
// for the duplicate check (the ID's length and 15 to 30 bytes per deal;
// nothing with [Options.AssumeUniqueIDs]) and buffers the size of the
// longest record. Deals hold copies of the fields they use, never the rest
// of their row. [ReadDeals] reserves room for the deals it expects from the
// input size, at most 131,072 ahead of the rows read. The stream is read
// once: a second iteration is an error ([ErrAlreadyRead]).
//
// Amounts are decimal numbers in plain notation (no exponent) of bounded
// length, so a hostile value such as "1e999999999" cannot exhaust memory.
//
// The functions of this package are safe for concurrent use on distinct
// inputs.
package csvimport

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding"
)

// Errors wrapped by [ParseError].
var (
	ErrMissingColumn = errors.New("csvimport: missing column")
	ErrTime          = errors.New("csvimport: invalid time")
	ErrAmount        = errors.New("csvimport: invalid amount")
	ErrEmpty         = errors.New("csvimport: empty required value")
	ErrDuplicateID   = errors.New("csvimport: duplicate deal id")
	ErrOutcome       = errors.New("csvimport: invalid outcome")
	ErrRow           = errors.New("csvimport: malformed row")
	// ErrMapping reports a mapping that names no ID or Stage column or a
	// stage the funnel does not declare, or an Options.Comma that cannot
	// separate fields.
	ErrMapping = errors.New("csvimport: invalid mapping")
	// ErrFieldCount reports a row whose number of fields differs from the
	// header's; it wraps ErrRow.
	ErrFieldCount = fmt.Errorf("%w: wrong number of fields", ErrRow)
	// ErrUnclosedQuote reports a quoted field that the input never closes
	// (or not within Options.MaxRecordBytes); it wraps ErrRow.
	ErrUnclosedQuote = fmt.Errorf("%w: unclosed quote", ErrRow)
	// ErrSuspicious reports an ID or a stage whose value holds a line break
	// or as many separators as a row: the rest of a row or several rows,
	// swallowed by an unbalanced quote.
	ErrSuspicious = errors.New("csvimport: suspicious value")
	// ErrDuplicateColumn reports a header that names a mapped column twice.
	ErrDuplicateColumn = errors.New("csvimport: duplicate column")
	// ErrEncoding reports input that is not text in a known encoding: a
	// header that holds NUL bytes.
	ErrEncoding = errors.New("csvimport: unreadable encoding")
	// ErrAlreadyRead reports a second iteration of a single-use stream,
	// such as [DealReader.All]: the rows were read by the first.
	ErrAlreadyRead = errors.New("csvimport: stream already read")
	// ErrFooter reports a report footer whose record count differs from
	// the rows read (see Options.Footer).
	ErrFooter = errors.New("csvimport: footer disagrees with the rows")
	// ErrPipeline reports a deal of a pipeline that no funnel is given
	// for, or a history row whose pipeline is not its deal's.
	ErrPipeline = errors.New("csvimport: unknown pipeline")
	// ErrCurrency reports a deal that cannot be read in the reporting
	// currency (Options.Currency): no rate, no currency, or an amount's
	// currency code that disagrees with the currency column.
	ErrCurrency = errors.New("csvimport: currency mismatch")
	// ErrFlag reports a flag column whose value is not a yes or a no.
	ErrFlag = errors.New("csvimport: invalid flag")
	// ErrRate reports an invalid exchange rate.
	ErrRate = errors.New("csvimport: invalid exchange rate")
)

// A ParseError reports a problem in one row of a file. Column is the
// column's name, or "" when the problem is the row as a whole.
type ParseError struct {
	File   string
	Line   int
	Column string
	Err    error
}

// Error returns "file:line: column: reason".
func (e *ParseError) Error() string {
	s := e.File + ":" + strconv.Itoa(e.Line) + ": "
	if e.Column != "" {
		s += "column " + strconv.Quote(e.Column) + ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Options configure reading. The zero Options read strictly, UTF-8 (or
// UTF-16 or UTF-32 told from the input) with comma separators, rows of the
// header's width, ISO dates or RFC 3339 times in UTC, amounts of at most 30
// digits, records of at most 16 MiB, and check deal IDs for duplicates.
type Options struct {
	// Mode is funnel.Strict (stop at the first bad row) or funnel.Lenient
	// (skip, count and list bad rows).
	Mode funnel.Mode
	// Comma is the field separator; zero means ','.
	Comma rune
	// Layouts are the accepted time layouts, tried in order; nil means
	// time.DateOnly then time.RFC3339Nano.
	Layouts []string
	// Location is the zone of times written without one; nil means UTC.
	Location *time.Location
	// MaxDigits bounds the digits of an amount; zero means 30.
	MaxDigits int
	// AllowTrailingEmpty accepts rows with more fields than the header
	// when every extra field is empty (or white space), as some exports
	// end rows with separators. Otherwise such a row, like any row whose
	// field count differs from the header's, is an error
	// ([ErrFieldCount]).
	AllowTrailingEmpty bool
	// AssumeUniqueIDs turns the duplicate-ID check of deal readers off,
	// for callers who know their IDs are unique: a DealReader then keeps
	// nothing per row, and a repeated ID is read as another deal.
	AssumeUniqueIDs bool
	// Encoding is the character encoding of the input; nil means UTF-8,
	// or UTF-16 or UTF-32 when a byte-order mark or NUL-interleaved text
	// says so. A byte-order mark overrides it.
	Encoding encoding.Encoding
	// MaxRecordBytes bounds the bytes of one record, after decoding; zero
	// means 16 MiB. A longer record, most often a quote that is never
	// closed, stops the read.
	MaxRecordBytes int
	// Footer, when set, is how the first row of a report footer begins,
	// such as Salesforce's "Grand Totals": that row and every row after it
	// are the footer, kept in [Report.Footer] and not read as data rows.
	// A footer row that gives a record count, as "Grand Totals (400
	// records)" does, must agree with the data rows read ([ErrFooter]).
	Footer string
	// UndatedClose accepts won and lost deals whose row gives no close
	// time (a lead list with a "converted" flag and no dates): they are
	// read with a zero Closed and counted in [Report.Notes]
	// ([NoteUndatedClose]). The scan that counts them needs
	// funnel.Options.UndatedClose too. Otherwise such a row is an error
	// that wraps [funnel.ErrMissingCloseTime].
	UndatedClose bool
	// IgnoreOtherPipelines reads only the deals of the pipelines given
	// (see [Open]): the rows of other pipelines are counted per pipeline
	// in [Report.Ignored] and not yielded (nor checked, not even for a
	// duplicate ID). Otherwise such a row is an error ([ErrPipeline]).
	IgnoreOtherPipelines bool
	// Currency, when set, is the reporting currency: every deal is read
	// in it, its amount (and amount history) converted with Rates when the
	// deal is in another currency. A deal in another currency without a
	// rate, or without Rates, is an error ([ErrCurrency]) that names both
	// currencies. Empty means deals keep the currency they are in.
	Currency string
	// Rates are the dated exchange rates that Currency conversion uses
	// (see [Rates.Convert]); the rates used are listed in
	// [Report.Conversions].
	Rates *Rates
	// Workers is the number of goroutines that parse the rows of a large
	// deals file (more than 512 KiB, or of unknown size), each a chunk of
	// whole records at a time, while the reading goroutine checks IDs and
	// yields the deals in file order; zero means GOMAXPROCS, 1 reads on
	// the calling goroutine. Results (deals, reports, errors) do not
	// depend on it, with a history file too. Reads with a reporting
	// currency are not split. A history file ([Open]) is split only when
	// Workers is above 1: its rows are kept and derived on the reading
	// goroutine, so that its workers take about 40% more CPU time for a
	// tenth off the wall time on two idle cores, and lose time where
	// other work shares the cores. [ReadTransactions] splits a read only
	// when Workers is above 1.
	Workers int
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// maxExamples is the number of row errors a Report keeps verbatim.
const maxExamples = 20

// A Report tells what a read or a join did with its rows: how many it
// read, kept and skipped, why, and what it filled in by default.
type Report struct {
	File    string `json:"file"`
	Rows    int    `json:"rows"`    // data rows read (the header excluded)
	Kept    int    `json:"kept"`    // rows that produced a record
	Skipped int    `json:"skipped"` // rows left out, in lenient mode
	// Reasons counts skipped rows per reason (the sentinel's text), most
	// first.
	Reasons []Reason `json:"reasons"`
	// Examples holds the first skipped rows' errors (at most 20).
	Examples []*ParseError `json:"-"`
	// Notes counts rows read with a documented default, such as an empty
	// amount read as zero.
	Notes []Reason `json:"notes"`
	// Encoding names the character encoding the input was decoded from,
	// or "" for UTF-8.
	Encoding string `json:"encoding,omitempty"`
	// Pipelines counts the rows kept per pipeline, by name ("" for deals
	// read without pipelines); they add up to Kept.
	Pipelines []Reason `json:"pipelines,omitempty"`
	// Ignored counts the rows of pipelines left out by
	// Options.IgnoreOtherPipelines, per pipeline. Rows = Kept + Skipped +
	// the Ignored counts.
	Ignored []Reason `json:"ignored,omitempty"`
	// Footer holds the report footer's rows (see Options.Footer), each
	// as its non-empty fields joined by " | ", at most 20; they are not
	// counted in Rows.
	Footer []string `json:"footer,omitempty"`
	// History says what the rows of a history file gave (see
	// [HistoryMapping]); nil for other files.
	History *HistoryCounts `json:"history,omitempty"`
	// Conversions lists the exchange rates used to read deals in the
	// reporting currency (Options.Currency), with the deals converted at
	// each.
	Conversions []Conversion `json:"conversions,omitempty"`
}

// A Reason counts the rows that share one reason or note.
type Reason struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type tally map[string]int

func (t tally) sorted() []Reason {
	out := []Reason{}
	for r, c := range t {
		out = append(out, Reason{r, c})
	}
	slices.SortFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// reader splits the input into records with a scanner, and adds header
// lookup, field counts, line numbers and the strict/lenient bookkeeping.
type reader struct {
	sc      *scanner
	file    string
	opts    Options
	header  []string       // the trimmed column names, by index
	index   map[string]int // the first index of each name
	dups    map[string]int // the second index of names given twice or more
	headAt  int            // the line of the header
	suspect int            // separators that make an ID or a stage suspicious
	rep     *Report
	reasons tally
	notes   tally
	// note and noteN are the count of one note not yet in notes (see
	// addNote): rows that each add a note mostly add the same one.
	note  string
	noteN int
	line  int // the line where the current record begins

	// Columns past the header's are virtual: constants for columns the
	// file lacks (DealMapping.Defaults), named virtualNames.
	virtual      [][]byte
	virtualNames []string
	defaults     [][]byte // per column, the value of an empty field, or nil
	direct       int      // columns below it have no default: get reads them directly
	constNotes   []string // a note per virtual column, counted on every row
	footer       []byte   // how a footer row begins, or nil
	inFooter     bool

	// In a worker of a parallel read (see parallel.go), events is set: row
	// failures and notes are recorded there, for the reading goroutine to
	// count in file order, and footerAt says that the current record
	// begins the footer, which the reading goroutine reads.
	events   *[]event
	footerAt bool
}

func newReader(r io.Reader, file string, opts Options) (*reader, error) {
	sep := []byte{','}
	if c := opts.Comma; c != 0 {
		if c == '"' || c == '\r' || c == '\n' || c == utf8.RuneError || !utf8.ValidRune(c) {
			return nil, fmt.Errorf("%w: Options.Comma %q cannot separate fields", ErrMapping, c)
		}
		sep = utf8.AppendRune(nil, c)
	}
	maxRecord := opts.MaxRecordBytes
	if maxRecord <= 0 {
		maxRecord = defaultMaxRecord
	}
	sc := newScanner(r, sep, maxRecord)
	rd := &reader{sc: sc, file: file, opts: opts, rep: &Report{File: file}, reasons: tally{}, notes: tally{}}
	if opts.Footer != "" {
		rd.footer = []byte(opts.Footer)
	}
	rd.rep.Encoding = sc.decode(opts.Encoding)
	if err := sc.next(); err != nil {
		var se *scanError
		switch {
		case err == io.EOF:
			return nil, &ParseError{File: file, Line: 1, Err: fmt.Errorf("%w: no header row", ErrRow)}
		case errors.As(err, &se):
			return nil, &ParseError{File: file, Line: se.line, Err: fmt.Errorf("header: %w", se.err)}
		}
		return nil, fmt.Errorf("%s: reading the header: %w", file, err)
	}
	rd.headAt = sc.recLine
	n := sc.fields()
	var names strings.Builder
	for i := range n {
		names.Write(trim(bytes.TrimPrefix(trim(sc.field(i)), utf8BOM)))
	}
	all := names.String()
	if strings.IndexByte(all, 0) >= 0 {
		return nil, &ParseError{File: file, Line: rd.headAt, Err: fmt.Errorf("%w: the header holds NUL bytes: binary data, or text in an encoding that was not detected (set Options.Encoding)", ErrEncoding)}
	}
	rd.header = make([]string, n)
	rd.index = make(map[string]int, n)
	for i := range n {
		h := trim(bytes.TrimPrefix(trim(sc.field(i)), utf8BOM))
		rd.header[i], all = all[:len(h)], all[len(h):]
		if _, dup := rd.index[rd.header[i]]; !dup {
			rd.index[rd.header[i]] = i
		} else if _, again := rd.dups[rd.header[i]]; !again {
			if rd.dups == nil {
				rd.dups = make(map[string]int)
			}
			rd.dups[rd.header[i]] = i
		}
	}
	rd.suspect = max(1, n-1)
	rd.direct = n
	return rd, nil
}

// name returns the name of column i, or "" for i < 0.
func (rd *reader) name(i int) string {
	if uint(i) < uint(len(rd.header)) {
		return rd.header[i]
	}
	return rd.virtualName(i)
}

// virtualName returns the name of virtual column i, or "".
func (rd *reader) virtualName(i int) string {
	if j := i - len(rd.header); i >= 0 && j < len(rd.virtualNames) {
		return rd.virtualNames[j]
	}
	return ""
}

// setDefaults gives columns a value for empty fields, and columns the file
// lacks a constant value (see DealMapping.Defaults).
func (rd *reader) setDefaults(defaults map[string]string) {
	for _, name := range sortedKeys(defaults) {
		v := []byte(strings.TrimSpace(defaults[name]))
		if i, ok := rd.index[name]; ok {
			if rd.defaults == nil {
				rd.defaults = make([][]byte, len(rd.header))
			}
			rd.defaults[i] = v
			rd.direct = 0 // every column through getSlow
			continue
		}
		rd.virtual = append(rd.virtual, v)
		rd.virtualNames = append(rd.virtualNames, name)
		rd.constNotes = append(rd.constNotes, fmt.Sprintf("column %q is not in the file: read as %q (DealMapping.Defaults)", name, v))
	}
}

// column returns the index of the named column, -1 for "" (not mapped),
// or an error if the file has no such column or more than one. A column
// the file lacks but that has a default is a virtual column, of constant
// value.
func (rd *reader) column(name string) (int, error) {
	if name == "" {
		return -1, nil
	}
	i, ok := rd.index[name]
	if !ok {
		for j, v := range rd.virtualNames {
			if v == name {
				return len(rd.header) + j, nil
			}
		}
		err := ErrMissingColumn
		if rd.opts.Encoding == nil && !utf8.ValidString(strings.Join(rd.header, "")) {
			err = fmt.Errorf("%w (the header is not UTF-8: set Options.Encoding, such as charmap.Windows1252)", ErrMissingColumn)
		}
		return 0, &ParseError{File: rd.file, Line: rd.headAt, Column: name, Err: err}
	}
	if j, dup := rd.dups[name]; dup {
		return 0, &ParseError{File: rd.file, Line: rd.headAt, Column: name,
			Err: fmt.Errorf("%w: the header names %q as columns %d and %d", ErrDuplicateColumn, name, i+1, j+1)}
	}
	return i, nil
}

// next moves to the next record with as many fields as the header,
// counting and failing the others; it returns false at the end. A
// malformed row is a row error; an unclosed quote or an I/O error ends
// the read.
func (rd *reader) next() (bool, error) {
	for {
		err := rd.sc.next()
		if err != nil {
			if err == io.EOF {
				return false, nil
			}
			var se *scanError
			if !errors.As(err, &se) {
				return false, err // an I/O error
			}
			pe := &ParseError{File: rd.file, Line: se.line, Column: rd.name(se.field), Err: se.err}
			if se.fatal {
				return false, pe // the rows that follow cannot be told apart
			}
			rd.rep.Rows++
			if e := rd.fail(pe); e != nil {
				return false, e
			}
			continue
		}
		rd.line = rd.sc.recLine
		if rd.footer != nil && rd.sc.fields() > 0 && bytes.HasPrefix(trim(rd.sc.field(0)), rd.footer) {
			if rd.events != nil {
				rd.footerAt = true
				return false, nil
			}
			return false, rd.readFooter()
		}
		rd.rep.Rows++
		if n := rd.sc.fields(); n != len(rd.header) && !rd.trailingEmpty(n) {
			if e := rd.fail(rd.fieldCount(n)); e != nil {
				return false, e
			}
			continue
		}
		return true, nil
	}
}

// footerCount finds the record count of a footer row such as "Grand
// Totals (400 records)".
var footerCount = regexp.MustCompile(`\((\d{1,18}) records?\)`)

// readFooter reads the footer, from its first row (the current record) to
// the end of the input, into the report, and checks a record count it
// gives against the rows read. Malformed rows of a footer are kept as
// text; an unclosed quote or an I/O error is returned.
func (rd *reader) readFooter() error {
	rd.inFooter = true
	first := rd.line
	for {
		if len(rd.rep.Footer) < maxExamples {
			var parts []string
			for i := range rd.sc.fields() {
				if f := trim(rd.sc.field(i)); len(f) > 0 {
					parts = append(parts, string(f))
				}
			}
			rd.rep.Footer = append(rd.rep.Footer, strings.Join(parts, " | "))
		}
		err := rd.sc.next()
		if err == io.EOF {
			break
		}
		var se *scanError
		if errors.As(err, &se) && !se.fatal {
			continue
		}
		if err != nil {
			if se != nil {
				return &ParseError{File: rd.file, Line: se.line, Column: rd.name(se.field), Err: se.err}
			}
			return err
		}
	}
	if m := footerCount.FindStringSubmatch(rd.rep.Footer[0]); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n != rd.rep.Rows {
			return &ParseError{File: rd.file, Line: first, Err: fmt.Errorf("%w: it gives %d records where %d data rows were read: rows lost to a quote, or added", ErrFooter, n, rd.rep.Rows)}
		}
	}
	return nil
}

// trailingEmpty reports whether a record of n fields is accepted as
// having empty fields after the header's.
func (rd *reader) trailingEmpty(n int) bool {
	if !rd.opts.AllowTrailingEmpty || n < len(rd.header) {
		return false
	}
	for i := len(rd.header); i < n; i++ {
		if len(trim(rd.sc.field(i))) > 0 {
			return false
		}
	}
	return true
}

func (rd *reader) fieldCount(n int) *ParseError {
	h := len(rd.header)
	hint := ""
	if sep := string(rd.sc.sep); n > h {
		hint = fmt.Sprintf(": a value with an unquoted %q in it, such as 1%s000 or Smith%s John?", sep, sep, sep)
	} else {
		hint = ": a row cut short?"
	}
	return &ParseError{File: rd.file, Line: rd.line, Err: fmt.Errorf("%w: %d fields where the header has %d%s", ErrFieldCount, n, h, hint)}
}

// get returns the trimmed value of column i of the current record, or nil
// when i < 0. It is valid until the next call of next.
func (rd *reader) get(i int) []byte {
	b := rd.sc.bounds
	if uint(i) < uint(rd.direct) && 2*i+1 < len(b) {
		v := rd.sc.data[b[2*i]:b[2*i+1]]
		if n := len(v); n == 0 || (v[0]-'!' < 0x80-'!' && v[n-1]-'!' < 0x80-'!') {
			return v // nothing to trim (trim, inlined)
		}
		return bytes.TrimSpace(v)
	}
	if i < 0 {
		return nil
	}
	return rd.getSlow(i)
}

// getSlow is get for the columns that have defaults, virtual columns
// and i < 0.
func (rd *reader) getSlow(i int) []byte {
	if i < 0 {
		return nil
	}
	if i >= len(rd.header) {
		return rd.virtual[i-len(rd.header)]
	}
	b := rd.sc.bounds
	if 2*i+1 >= len(b) {
		return nil
	}
	v := trim(rd.sc.data[b[2*i]:b[2*i+1]])
	if len(v) == 0 && rd.defaults != nil {
		return rd.defaults[i]
	}
	return v
}

// fieldLine returns the line where column i of the current record begins,
// or where the record begins for i < 0 or a virtual column.
func (rd *reader) fieldLine(i int) int {
	if uint(i) < uint(len(rd.header)) {
		return rd.sc.fieldLine(i)
	}
	return rd.line
}

// at returns a ParseError for column i of the current record.
func (rd *reader) at(i int, err error) *ParseError {
	return &ParseError{File: rd.file, Line: rd.fieldLine(i), Column: rd.name(i), Err: err}
}

// suspicious returns an error if v, the value of column i, holds a line
// break or as many separators as a row has (a whole row): the sign of a
// quote opened in one row and closed rows later, which makes one field of
// several rows. IDs and stages never hold those.
func (rd *reader) suspicious(i int, v []byte) *ParseError {
	if len(v) <= 64 {
		// the common case, short values without a line break or a
		// separator's first byte, in one pass
		clean := true
		for _, c := range v {
			if rd.sc.unquoted[c] {
				clean = false
				break
			}
		}
		if clean {
			return nil
		}
	}
	if n := bytes.Count(v, []byte{'\n'}); n > 0 {
		first := rd.fieldLine(i)
		return rd.at(i, fmt.Errorf("%w: the value spans lines %d to %d (a quote opened on line %d and closed rows later?)", ErrSuspicious, first, first+n, first))
	}
	if n := bytes.Count(v, rd.sc.sep); n >= rd.suspect {
		return rd.at(i, fmt.Errorf("%w: the value holds %d separators, a whole row's (a quote opened and closed around a row?)", ErrSuspicious, n))
	}
	return nil
}

// fail records a row error: it returns the error in strict mode, and
// counts it and returns nil in lenient mode.
func (rd *reader) fail(err *ParseError) error {
	if rd.events != nil {
		rd.flushNotes(rd.rep.Kept)
		*rd.events = append(*rd.events, event{at: rd.rep.Kept, kind: evFail, perr: err})
		if rd.opts.Mode == funnel.Strict {
			return err
		}
		return nil
	}
	if rd.opts.Mode == funnel.Strict {
		return err
	}
	rd.rep.Skipped++
	reason := err.Err
	var de *funnel.DealError
	if errors.As(reason, &de) {
		reason = de.Err
	} else if u := errors.Unwrap(reason); u != nil {
		reason = u
	}
	rd.reasons[reason.Error()]++
	if len(rd.rep.Examples) < maxExamples {
		rd.rep.Examples = append(rd.rep.Examples, err)
	}
	return nil
}

// addNote counts one row of a note: in noteN while the rows add the same
// note, without a look-up in notes for each.
func (rd *reader) addNote(name string) {
	if rd.noteN > 0 && name == rd.note {
		rd.noteN++
		return
	}
	rd.syncNotes()
	rd.note, rd.noteN = name, 1
}

// syncNotes adds the count of addNote not yet in notes to them.
func (rd *reader) syncNotes() {
	if rd.noteN > 0 {
		rd.notes[rd.note] += rd.noteN
		rd.noteN = 0
	}
}

func (rd *reader) report() *Report {
	rd.syncNotes()
	for _, n := range rd.constNotes {
		rd.notes[n] = rd.rep.Rows
	}
	rd.rep.Reasons = rd.reasons.sorted()
	rd.rep.Notes = rd.notes.sorted()
	return rd.rep
}

// trim returns b without leading and trailing white space.
func trim(b []byte) []byte {
	if n := len(b); n == 0 || (b[0]-'!' < 0x80-'!' && b[n-1]-'!' < 0x80-'!') {
		return b // nothing to trim: the common case, inlined
	}
	return bytes.TrimSpace(b)
}

// timeParser parses times with the options' layouts, remembering the last
// value (exports repeat dates often).
type timeParser struct {
	layouts []string
	kinds   []layoutKind // the layouts parsed without time.Parse's general path
	tried   string       // the layouts, quoted, for errors
	loc     *time.Location
	utc     layoutKind // the first layout, when its values are read in UTC: tried first, inline (utcSeconds)
	last    string
	lastT   time.Time
	dates   *[dateCacheSize]cachedDate // direct-mapped by YYYYMMDD
	day     lastDay                    // the date of the value read last in UTC
	days    *[dayCacheSize]knownDay    // the dates of "YYYY-MM-DD" values read in UTC, by a hash (utcDate)
}

// A lastDay is the date of a "YYYY-MM-DD..." value read in UTC, as the
// bytes that write it (the first 8 in a word, the last 2) and its days
// since 1970-01-01: the values of a column sorted by time, such as the
// creation times of an export, share their dates with the value before
// them, whose date then needs no reading again.
type lastDay struct {
	w    uint64
	dd   uint16
	days int64
	ok   bool
}

// utcSeconds is the function utcSeconds, with the date of the value read
// last remembered.
func (p *timeParser) utcSeconds(s []byte, sep byte) (int64, bool) {
	if len(s) != 19 || s[10] != sep {
		return 0, false
	}
	w := binary.LittleEndian.Uint64(s[11:19])
	if w&0x0000ff0000ff0000 != 0x00003a00003a0000 || !digits(w, 0xffff00ffff00ffff) {
		return 0, false
	}
	hour, minute, sec := twoDigits(w), twoDigits(w>>24), twoDigits(w>>48)
	if hour > 23 || minute > 59 || sec > 59 {
		return 0, false
	}
	dw, dd := binary.LittleEndian.Uint64(s), uint16(s[8])|uint16(s[9])<<8
	if !p.day.ok || dw != p.day.w || dd != p.day.dd {
		y, m, d, ok := ymd(dw, s[8], s[9])
		if !ok {
			return 0, false
		}
		p.day = lastDay{dw, dd, civilDays(y, m, d), true}
	}
	return p.day.days*86400 + int64(hour*3600+minute*60+sec), true
}

// utcDate returns the Unix seconds of midnight in UTC of "YYYY-MM-DD" (10
// bytes), if it is a valid date. It remembers the days of the dates it has
// read in a table indexed by a hash of their bytes, each slot holding the
// date that last hashed there: the dates of a file of transactions, not
// sorted by date but of a few years, are read from the table.
func (p *timeParser) utcDate(s []byte) (int64, bool) {
	dw, dd := binary.LittleEndian.Uint64(s), uint16(s[8])|uint16(s[9])<<8
	if p.days == nil {
		p.days = new([dayCacheSize]knownDay)
	}
	c := &p.days[((dw^uint64(dd)<<20)*0x9E3779B97F4A7C15)>>(64-dayCacheBits)]
	if c.w != dw || c.dd != dd { // an empty slot's dd, 0, is no date's
		y, m, d, ok := ymd(dw, s[8], s[9])
		if !ok {
			return 0, false
		}
		*c = knownDay{dw, dd, int32(civilDays(y, m, d))}
	}
	return int64(c.days) * 86400, true
}

// A knownDay is a slot of the table of utcDate: the bytes of a date
// (the first 8 in a word, the last 2, never 0 as digits) and its days
// since 1970-01-01.
type knownDay struct {
	w    uint64
	dd   uint16
	days int32
}

// dayCacheBits is log2 of the number of dates utcDate remembers: the days
// of 5 years and more.
const (
	dayCacheBits = 12
	dayCacheSize = 1 << dayCacheBits
)

// dateCacheSize is the number of dates a timeParser remembers.
const dateCacheSize = 1024

// A cachedDate is midnight in the parser's location of the date whose
// digits YYYYMMDD are key; key 0 is an empty slot.
type cachedDate struct {
	key int32
	t   time.Time
}

func newTimeParser(o Options) *timeParser {
	l := o.Layouts
	if len(l) == 0 {
		l = []string{time.DateOnly, time.RFC3339Nano}
	}
	q := make([]string, len(l))
	for i, x := range l {
		q[i] = strconv.Quote(x)
	}
	k := make([]layoutKind, len(l))
	for i, x := range l {
		switch x {
		case time.DateOnly:
			k[i] = layoutDate
		case time.DateTime:
			k[i] = layoutDateTime
		case time.RFC3339, time.RFC3339Nano:
			k[i] = layoutRFC3339
		}
	}
	p := &timeParser{layouts: l, kinds: k, tried: strings.Join(q, ", "), loc: o.location()}
	if k[0] == layoutRFC3339 || (p.loc == time.UTC && (k[0] == layoutDate || k[0] == layoutDateTime)) {
		p.utc = k[0]
	}
	return p
}

// A layoutKind tells the layouts that a timeParser reads, in their common
// forms, without time.Parse's general path: each fast path gives exactly
// what time.ParseInLocation gives, or declines, and the general path reads
// the value.
type layoutKind uint8

const (
	layoutOther    layoutKind = iota
	layoutDate                // time.DateOnly: parseDate, which accepts all it does
	layoutDateTime            // time.DateTime: "YYYY-MM-DD hh:mm:ss" exactly (no fraction)
	layoutRFC3339             // time.RFC3339 and RFC3339Nano: "YYYY-MM-DDThh:mm:ssZ" exactly
)

// errNotDate is the error of parseDate; it is not shown.
var errNotDate = errors.New("not a date")

// parse returns the zero time for an empty value. The zero time itself
// (0001-01-01 in UTC) is an error: a Deal reads it as "not recorded".
func (p *timeParser) parse(b []byte) (time.Time, error) {
	if len(b) == 0 {
		return time.Time{}, nil
	}
	// the first layout's common form in UTC, without the loop below, which
	// reads anything else (and words the zero time's error)
	var sec int64
	ok := false
	switch p.utc {
	case layoutDateTime:
		sec, ok = p.utcSeconds(b, ' ')
	case layoutRFC3339:
		if len(b) == 20 && b[19] == 'Z' {
			sec, ok = p.utcSeconds(b[:19], 'T')
		}
	case layoutDate:
		if len(b) == 10 {
			sec, ok = p.utcDate(b)
		}
	}
	if ok {
		if t := unixUTC(sec); !t.IsZero() {
			return t, nil
		}
	}
	if p.last != "" && string(b) == p.last {
		return p.lastT, nil
	}
	s := "" // b as a string, made when a layout needs one
	for i := range p.layouts {
		var t time.Time
		var err error
		switch p.kinds[i] {
		case layoutDate:
			t, err = p.date(b)
		case layoutDateTime, layoutRFC3339:
			var ok bool
			if t, ok = p.clock(b, p.kinds[i]); ok {
				break
			}
			fallthrough
		default:
			if s == "" {
				s = string(b)
			}
			t, err = time.ParseInLocation(p.layouts[i], s, p.loc)
		}
		if err == nil {
			if t.IsZero() {
				return time.Time{}, fmt.Errorf("%w %q: the zero time, which a deal reads as not recorded (leave the value empty for that)", ErrTime, b)
			}
			if s != "" {
				p.last, p.lastT = s, t
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w %q: it matches none of the layouts tried, %s (set Options.Layouts)", ErrTime, b, p.tried)
}

// clock parses "YYYY-MM-DD hh:mm:ss" (layoutDateTime) in the parser's
// location, or "YYYY-MM-DDThh:mm:ssZ" (layoutRFC3339) in UTC, as
// time.ParseInLocation does with time.DateTime or time.RFC3339, without
// its allocation. It returns false for any other value, such as one with
// a fraction of a second or a zone offset, or one out of range, which the
// general path then reads (or rejects).
func (p *timeParser) clock(s []byte, k layoutKind) (time.Time, bool) {
	n, sep, loc := 19, byte(' '), p.loc
	if k == layoutRFC3339 {
		n, sep, loc = 20, 'T', time.UTC
		if len(s) != n || s[19] != 'Z' {
			return time.Time{}, false
		}
	}
	if len(s) != n {
		return time.Time{}, false
	}
	if loc == time.UTC {
		// in UTC a day has 86,400 seconds: the Unix time of midnight plus
		// the clock is the value time.Date gives, field for field
		sec, ok := utcSeconds(s[:19], sep)
		return unixUTC(sec), ok
	}
	y, m, d, hour, minute, sec, ok := dateClock(s[:19], sep)
	if !ok {
		return time.Time{}, false
	}
	// a zone may shift clocks within a day: time.Date decides
	return time.Date(y, time.Month(m), d, hour, minute, sec, 0, loc), true
}

// dateClock reads "YYYY-MM-DD?hh:mm:ss", ? the byte sep, into its fields,
// if it is a valid date and clock (hours 0 to 23, no leap second).
func dateClock(s []byte, sep byte) (y, m, d, hour, minute, sec int, ok bool) {
	if len(s) != 19 || s[10] != sep {
		return
	}
	// "hh:mm:ss" in one word: digits, colons at bytes 2 and 5
	w := binary.LittleEndian.Uint64(s[11:19])
	if w&0x0000ff0000ff0000 != 0x00003a00003a0000 || !digits(w, 0xffff00ffff00ffff) {
		return
	}
	hour, minute, sec = twoDigits(w), twoDigits(w>>24), twoDigits(w>>48)
	if hour > 23 || minute > 59 || sec > 59 {
		return
	}
	y, m, d, ok = ymd(binary.LittleEndian.Uint64(s), s[8], s[9])
	return
}

// utcSeconds returns the Unix seconds of "YYYY-MM-DD?hh:mm:ss" in UTC, ?
// the byte sep, if it is a valid date and clock.
func utcSeconds(s []byte, sep byte) (int64, bool) {
	y, m, d, hour, minute, sec, ok := dateClock(s, sep)
	if !ok {
		return 0, false
	}
	return civilDays(y, m, d)*86400 + int64(hour*3600+minute*60+sec), true
}

// unixUTC returns the time of Unix second sec in UTC, as time.Date gives
// it for time.UTC: the same representation (no monotonic reading, the
// UTC location).
func unixUTC(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// civilDays returns the number of days from 1970-01-01 to the valid date
// y-m-d of the proleptic Gregorian calendar, y in [0, 9999] (what four
// digits write), negative before 1970 (the days_from_civil algorithm of
// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms": years
// counted from March, so that the leap day ends a year, in eras of 400
// years of 146,097 days; the year is shifted by one era, so that the
// arithmetic is on non-negative numbers, and the days of the months come
// from a table).
func civilDays(y, m, d int) int64 {
	yy := uint(y + 400)
	if m <= 2 {
		yy--
	}
	era := yy / 400
	yoe := yy - era*400                                     // [0, 399]
	doy := uint(daysFromMarch[m&15]) + uint(d) - 1          // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy                  // [0, 146096]
	return int64(era)*146097 + int64(doe) - 719468 - 146097 // less the era added
}

// daysFromMarch are the days from March 1 to the first of each month
// (index 1 to 12) of a year counted from March: (153*((m+9)%12)+2)/5.
var daysFromMarch = [16]uint16{1: 306, 2: 337, 3: 0, 4: 31, 5: 61, 6: 92, 7: 122, 8: 153, 9: 184, 10: 214, 11: 245, 12: 275}

// dateDigits returns the year, month and day of YYYY-MM-DD, if it is a
// valid date.
func dateDigits(s []byte) (y, m, d int, ok bool) {
	if len(s) != 10 {
		return 0, 0, 0, false
	}
	return ymd(binary.LittleEndian.Uint64(s), s[8], s[9])
}

// ymd reads "YYYY-MM-DD" from the word of its first 8 bytes ("YYYY-MM-":
// digits, dashes at bytes 4 and 7) and its last two bytes, if it is a
// valid date.
func ymd(w uint64, d0, d1 byte) (y, m, d int, ok bool) {
	d0, d1 = d0-'0', d1-'0'
	if w&0xff0000ff00000000 != 0x2d00002d00000000 || !digits(w, 0x00ffff00ffffffff) || d0 > 9 || d1 > 9 {
		return 0, 0, 0, false
	}
	y, m, d = twoDigits(w)*100+twoDigits(w>>16), twoDigits(w>>40), int(d0)*10+int(d1)
	if m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

// digits reports whether the bytes of w that mask selects (0xff each) are
// ASCII digits, all at once: a digit's high nibble is 3, and its low
// nibble plus 6 does not carry into the high nibble (nor into the next
// byte: no sum exceeds 0x15).
func digits(w, mask uint64) bool {
	const hi, lo, six, three = 0xf0f0f0f0f0f0f0f0, 0x0f0f0f0f0f0f0f0f, 0x0606060606060606, 0x3030303030303030
	return w&(hi&mask) == three&mask && (w&(lo&mask)+six&mask)&(hi&mask) == 0
}

// twoDigits returns the number that the two low bytes of w, ASCII
// digits, spell.
func twoDigits(w uint64) int { return int(w&0x0f)*10 + int(w>>8&0x0f) }

// parseDate parses YYYY-MM-DD as midnight in loc, like time.ParseInLocation
// with time.DateOnly (which accepts nothing else), without its allocation.
func parseDate(s []byte, loc *time.Location) (time.Time, error) {
	y, m, d, ok := dateDigits(s)
	if !ok {
		return time.Time{}, errNotDate
	}
	if loc == time.UTC {
		return unixUTC(civilDays(y, m, d) * 86400), nil
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), nil
}

// date parses YYYY-MM-DD like parseDate. In a location other than UTC it
// remembers the dates it has seen (an export has few distinct dates, and
// time.Date is not cheap there); in UTC the arithmetic is cheaper than
// the look-up.
func (p *timeParser) date(s []byte) (time.Time, error) {
	if p.loc != time.UTC && len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y0, y1, y2, y3 := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
		m0, m1, d0, d1 := s[5]-'0', s[6]-'0', s[8]-'0', s[9]-'0'
		if max(y0, y1, y2, y3, m0, m1, d0, d1) <= 9 {
			key := ((int32(y0)*10+int32(y1))*10+int32(y2))*10 + int32(y3)
			key = ((key*10+int32(m0))*10+int32(m1))*100 + int32(d0)*10 + int32(d1)
			if p.dates == nil {
				p.dates = new([dateCacheSize]cachedDate)
			}
			c := &p.dates[key%dateCacheSize]
			if c.key == key && key > 0 { // key 0, of 0000-00-00, is an empty slot's
				return c.t, nil
			}
			t, err := parseDate(s, p.loc)
			if err == nil && key > 0 {
				*c = cachedDate{key, t}
			}
			return t, err
		}
	}
	return parseDate(s, p.loc)
}

func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// ParseAmount parses a decimal amount in plain notation: an optional sign,
// digits, and an optional '.' with more digits ("1234.50", "-0.5", ".5").
// It rejects exponents, thousands separators, currency symbols, NaN and
// values of more than maxDigits digits (30 when maxDigits <= 0), with an
// error wrapping [ErrAmount]. The bound keeps a hostile input from making
// arithmetic on the result expensive: it counts every digit written except
// the leading zeros of the integer part, which change neither the value nor
// its scale. So "0.5", ".5" and "000.5" have one digit, "1.50" three.
//
// Every amount it accepts prints ([decimal.Decimal.String]) to a string
// that it accepts with the same bound and that parses to an equal amount:
// printing drops leading zeros of the integer part (bar one before the
// point) and trailing zeros of the fraction, so it never adds a digit that
// counts.
func ParseAmount(s string, maxDigits int) (decimal.Decimal, error) {
	return parseAmount(s, maxDigits)
}

// parseAmount is ParseAmount for a string or the bytes of a field.
func parseAmount[T string | []byte](s T, maxDigits int) (decimal.Decimal, error) {
	maxDigits = digitBound(maxDigits)
	if v, exp, ok := scaledAmount(s, maxDigits); ok {
		return decimal.New(v, exp), nil
	}
	body := s
	neg := false
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		neg = body[0] == '-'
		body = body[1:]
	}
	bad := func(why string) (decimal.Decimal, error) {
		v := clip(s)
		return decimal.Decimal{}, fmt.Errorf("%w %q: %s", ErrAmount, v, why)
	}
	// seen counts every digit, digits those that count toward the bound.
	seen, digits, frac, dot := 0, 0, 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c >= '0' && c <= '9':
			seen++
			if dot {
				frac++
				digits++
			} else if digits > 0 || c != '0' {
				digits++
			}
		case c == '.' && !dot:
			dot = true
		default:
			if c == ',' || c == '.' {
				return bad("not a plain decimal number (thousands separators or a decimal comma? set AmountFormat.Decimal and Grouping)")
			}
			return bad("not a plain decimal number (a currency symbol? set AmountFormat.Symbols)")
		}
	}
	if seen == 0 {
		return bad("no digits")
	}
	if digits > maxDigits {
		return bad(fmt.Sprintf("more than %d digits", maxDigits))
	}
	if digits <= 18 {
		// Leading zeros add nothing to v, so 18 counted digits fit an int64.
		var v int64
		for i := 0; i < len(body); i++ {
			if c := body[i]; c != '.' {
				v = v*10 + int64(c-'0')
			}
		}
		if neg {
			v = -v
		}
		return decimal.New(v, int32(-frac)), nil
	}
	// Leading zeros are dropped first: they are not counted, so there may
	// be any number of them, and big.Int parsing is not linear in them.
	i := 0
	for i < len(body)-1 && body[i] == '0' && body[i+1] != '.' {
		i++
	}
	num := string(body[i:])
	if neg {
		num = "-" + num
	}
	d, err := decimal.NewFromString(num)
	if err != nil {
		return bad(err.Error())
	}
	return d, nil
}

// clip returns v as a string for an error, cut at 40 bytes.
func clip[T string | []byte](v T) string {
	if len(v) > 40 {
		return string(v[:40]) + "..."
	}
	return string(v)
}

// digitBound returns the bound on an amount's digits that
// Options.MaxDigits n sets: n, or 30 for zero (or less).
func digitBound(n int) int {
	if n <= 0 {
		return 30
	}
	return n
}

// scaledAmount reads the common case of parseAmount in one pass, without
// a decimal: an optional sign, digits and at most one '.', no more digits
// than fit an int64 and maxDigits (> 0; so that, leading zeros or not,
// the bound holds). It returns the amount as v x 10^exp, the coefficient
// and exponent of the decimal parseAmount returns, or false for anything
// else, which parseAmount's general path reads (or rejects).
func scaledAmount[T string | []byte](s T, maxDigits int) (v int64, exp int32, ok bool) {
	body := s
	neg := false
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		neg = body[0] == '-'
		body = body[1:]
	}
	if len(body) > min(maxDigits, 18)+1 {
		return 0, 0, false
	}
	seen, frac, dot := 0, 0, false
	for i := 0; i < len(body); i++ {
		if d := body[i] - '0'; d <= 9 {
			v = v*10 + int64(d)
			seen++
			if dot {
				frac++
			}
		} else if body[i] == '.' && !dot {
			dot = true
		} else {
			return 0, 0, false
		}
	}
	if seen == 0 || seen > min(maxDigits, 18) {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, int32(-frac), true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
