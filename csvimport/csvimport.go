// Package csvimport loads deals and stage-change logs from CSV exports of
// CRMs into [funnel.Deal] values.
//
// A [DealMapping] names the columns that hold each deal field; a
// [ChangeMapping] does the same for a stage-change log (one row per stage
// change, as CRMs export opportunity history), which [AttachHistory] joins
// to the deals. [ReadTable] and [Join] bring in attributes from side tables
// (accounts, teams, products), and report the keys that found no row
// instead of dropping them silently.
//
// Every problem names the file, the line and the column, in a [*ParseError]
// that wraps one of the ErrXxx sentinels (or a [*funnel.DealError] for a
// deal that reads well but does not validate). In strict mode reading stops
// at the first problem; in lenient mode the row is skipped, counted and
// listed in the [Report].
//
// Amounts are decimal numbers in plain notation (no exponent) of bounded
// length, so a hostile value such as "1e999999999" cannot exhaust memory.
//
// The functions of this package are safe for concurrent use on distinct
// inputs.
package csvimport

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
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
	ErrMapping       = errors.New("csvimport: invalid mapping")
	// ErrAlreadyRead reports a second iteration of a single-use stream,
	// such as [DealReader.All]: the rows were read by the first.
	ErrAlreadyRead = errors.New("csvimport: stream already read")
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

// Options configure reading. The zero Options read strictly, with comma
// separators, ISO dates or RFC 3339 times in UTC, and amounts of at most 30
// digits.
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
}

// A Reason counts the rows that share one reason or note.
type Reason struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type tally map[string]int

func (t tally) sorted() []Reason {
	var out []Reason
	for r, c := range t {
		out = append(out, Reason{r, c})
	}
	slices.SortFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// reader wraps csv.Reader with header lookup, line numbers and the
// strict/lenient bookkeeping.
type reader struct {
	cr      *csv.Reader
	file    string
	opts    Options
	header  []string       // the trimmed column names, by index
	index   map[string]int // the first index of each name
	rep     *Report
	reasons tally
	notes   tally
	line    int
}

func newReader(r io.Reader, file string, opts Options) (*reader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	if opts.Comma != 0 {
		cr.Comma = opts.Comma
	}
	rd := &reader{cr: cr, file: file, opts: opts, rep: &Report{File: file}, reasons: tally{}, notes: tally{}}
	head, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			err = errors.New("no header row")
		}
		return nil, &ParseError{File: file, Line: 1, Err: fmt.Errorf("%w: %v", ErrRow, err)}
	}
	rd.header = make([]string, len(head))
	rd.index = make(map[string]int, len(head))
	for i, h := range head {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		rd.header[i] = h
		if _, dup := rd.index[h]; !dup {
			rd.index[h] = i
		}
	}
	return rd, nil
}

// name returns the name of column i, or "" for i < 0.
func (rd *reader) name(i int) string {
	if i < 0 || i >= len(rd.header) {
		return ""
	}
	return rd.header[i]
}

// column returns the index of the named column, -1 for "" (not mapped),
// or an error if the file has no such column.
func (rd *reader) column(name string) (int, error) {
	if name == "" {
		return -1, nil
	}
	i, ok := rd.index[name]
	if !ok {
		return 0, &ParseError{File: rd.file, Line: 1, Column: name, Err: ErrMissingColumn}
	}
	return i, nil
}

// next returns the next record, or nil at the end. A malformed row is a
// row error.
func (rd *reader) next() ([]string, error) {
	for {
		rec, err := rd.cr.Read()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rd.line = pe.StartLine
				if pe.Err == csv.ErrFieldCount {
					continue // FieldsPerRecord is -1: not reached
				}
				rd.rep.Rows++
				if e := rd.fail(&ParseError{File: rd.file, Line: pe.Line, Err: fmt.Errorf("%w: %v", ErrRow, pe.Err)}); e != nil {
					return nil, e
				}
				continue
			}
			return nil, err // an I/O error
		}
		rd.line, _ = rd.cr.FieldPos(0)
		rd.rep.Rows++
		return rec, nil
	}
}

// fail records a row error: it returns the error in strict mode, and
// counts it and returns nil in lenient mode.
func (rd *reader) fail(err *ParseError) error {
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

func (rd *reader) report() *Report {
	rd.rep.Reasons = rd.reasons.sorted()
	rd.rep.Notes = rd.notes.sorted()
	return rd.rep
}

// field returns the trimmed value of column i of rec, or "" when i < 0 or
// the row is short.
func field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	s := rec[i]
	if s == "" || (s[0] > ' ' && s[len(s)-1] > ' ' && s[0] < 0x80 && s[len(s)-1] < 0x80) {
		return s // nothing to trim: the common case
	}
	return strings.TrimSpace(s)
}

// timeParser parses times with the options' layouts, remembering the last
// value (exports repeat dates often).
type timeParser struct {
	layouts []string
	loc     *time.Location
	last    string
	lastT   time.Time
	dates   *[dateCacheSize]cachedDate // direct-mapped by YYYYMMDD
}

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
	return &timeParser{layouts: l, loc: o.location()}
}

// parse returns the zero time for an empty value.
func (p *timeParser) parse(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if s == p.last {
		return p.lastT, nil
	}
	for _, l := range p.layouts {
		var t time.Time
		var err error
		if l == time.DateOnly {
			t, err = p.date(s)
		} else {
			t, err = time.ParseInLocation(l, s, p.loc)
		}
		if err == nil {
			if t.IsZero() {
				break // the zero time means "not recorded" in a Deal
			}
			p.last, p.lastT = s, t
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w %q", ErrTime, s)
}

// parseDate parses YYYY-MM-DD as midnight in loc, like time.ParseInLocation
// with time.DateOnly, without its allocation.
func parseDate(s string, loc *time.Location) (time.Time, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.ParseInLocation(time.DateOnly, s, loc)
	}
	num := func(b string) int {
		n := 0
		for i := 0; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(s[:4]), num(s[5:7]), num(s[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return time.ParseInLocation(time.DateOnly, s, loc) // for its error
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), nil
}

// date parses YYYY-MM-DD like parseDate, remembering the dates it has seen
// (an export has few distinct dates, and time.Date is not cheap).
func (p *timeParser) date(s string) (time.Time, error) {
	if len(s) == 10 {
		var key int32
		for i := 0; i < 10; i++ {
			if c := s[i]; c >= '0' && c <= '9' {
				key = key*10 + int32(c-'0')
			} else if i != 4 && i != 7 {
				key = -1
				break
			}
		}
		if key > 0 {
			if p.dates == nil {
				p.dates = new([dateCacheSize]cachedDate)
			}
			c := &p.dates[key%dateCacheSize]
			if c.key == key {
				return c.t, nil
			}
			t, err := parseDate(s, p.loc)
			if err == nil {
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
	if maxDigits <= 0 {
		maxDigits = 30
	}
	bad := func(why string) (decimal.Decimal, error) {
		if len(s) > 40 {
			s = s[:40] + "..."
		}
		return decimal.Decimal{}, fmt.Errorf("%w %q: %s", ErrAmount, s, why)
	}
	body := s
	neg := false
	if body != "" && (body[0] == '-' || body[0] == '+') {
		neg = body[0] == '-'
		body = body[1:]
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
			return bad("not a plain decimal number")
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
	if neg {
		body = "-" + body[i:]
	} else {
		body = body[i:]
	}
	d, err := decimal.NewFromString(body)
	if err != nil {
		return bad(err.Error())
	}
	return d, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
