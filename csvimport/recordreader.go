package csvimport

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/shopspring/decimal"
)

// A RecordReader streams the rows of a CSV file with a header row that is
// neither a deals file nor a stage history: a transaction log, a table of
// touches, a list of accounts too large for [ReadTable]. Each row is a
// [Record] whose columns are read as text, times and amounts with the
// reading options (layouts, zone, digits), with errors that name the
// file, the line and the column; field counts, quotes, strict and lenient
// modes and the [Report] are those of every reader of the package. Build
// one with [NewRecordReader]. A RecordReader is not safe for concurrent
// use.
type RecordReader struct {
	rd    *reader
	times []*timeParser // per column, made on first use
	last  []string      // per column, the last text returned
	buf   []byte        // scratch of formatted amounts
	err   error
	used  bool
	bad   bool // the current row failed (Record.Fail)
}

// NewRecordReader reads the header row of a CSV file; file names the input
// in errors.
func NewRecordReader(r io.Reader, file string, opts Options) (*RecordReader, error) {
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, err
	}
	n := len(rd.header)
	return &RecordReader{rd: rd, times: make([]*timeParser, n), last: make([]string, n)}, nil
}

// Column returns the index of the named column. A column the file does
// not have is an error wrapping [ErrMissingColumn], one the header names
// twice wraps [ErrDuplicateColumn].
func (x *RecordReader) Column(name string) (int, error) {
	if name == "" {
		return 0, &ParseError{File: x.rd.file, Line: x.rd.headAt, Err: fmt.Errorf("%w: an empty column name", ErrMissingColumn)}
	}
	return x.rd.column(name)
}

// All returns an iterator over the rows, in file order. The Record it
// yields is the reader's, valid until the next row: copy what is kept. A
// row is counted as kept unless [Record.Fail] was called for it. In strict
// mode a malformed row (or a Fail) stops the iteration and [RecordReader.Err]
// returns its error; in lenient mode it is counted and listed in the
// report. An unclosed quote or an I/O error stops it in either mode. The
// input is read once: a second iteration yields nothing and sets Err to an
// error wrapping [ErrAlreadyRead].
func (x *RecordReader) All() iter.Seq[*Record] {
	return func(yield func(*Record) bool) {
		if x.used {
			x.err = errors.Join(x.err, fmt.Errorf("%w: RecordReader.All of %s iterated a second time", ErrAlreadyRead, x.rd.file))
			return
		}
		x.used = true
		rec := &Record{x: x}
		for {
			ok, err := x.rd.next()
			if err != nil {
				x.err = err
				return
			}
			if !ok {
				return
			}
			x.bad = false
			more := yield(rec)
			if x.err != nil {
				return // a strict Fail
			}
			if !x.bad {
				x.rd.rep.Kept++
			}
			if !more {
				return
			}
		}
	}
}

// Err returns the error that stopped [RecordReader.All], or nil.
func (x *RecordReader) Err() error { return x.err }

// Report returns what the reader did with the rows read so far.
func (x *RecordReader) Report() *Report { return x.rd.report() }

// A Record is the current row of a [RecordReader].
type Record struct{ x *RecordReader }

// Line returns the line where the row begins.
func (r *Record) Line() int { return r.x.rd.line }

// Bytes returns the trimmed value of column col, valid until the next
// row; nil for a column outside the header.
func (r *Record) Bytes(col int) []byte {
	if col < 0 || col >= len(r.x.rd.header) {
		return nil
	}
	return r.x.rd.get(col)
}

// Text returns the trimmed value of column col as a string. A value
// equal to the one Text returned for the column before shares its string
// (files sorted by a column repeat its values row after row), so that
// keeping it keeps no other row alive and costs no copy.
func (r *Record) Text(col int) string {
	b := r.Bytes(col)
	if b == nil {
		return ""
	}
	if last := r.x.last[col]; last == string(b) {
		return last
	}
	s := string(b)
	r.x.last[col] = s
	return s
}

// Time returns the time column col holds, read with the Options.Layouts
// in the Options.Location; the zero time for an empty value. A value in
// none of the layouts is a [*ParseError] wrapping [ErrTime].
func (r *Record) Time(col int) (time.Time, error) {
	x := r.x
	if col < 0 || col >= len(x.times) {
		return time.Time{}, x.rd.at(col, ErrMissingColumn)
	}
	p := x.times[col]
	if p == nil {
		p = newTimeParser(x.rd.opts)
		x.times[col] = p
	}
	t, err := p.parse(x.rd.get(col))
	if err != nil {
		return time.Time{}, x.rd.at(col, err)
	}
	return t, nil
}

// Amount returns the amount column col holds, written as f says (see
// [ParseAmountFormat]; MinorUnits is not applied), and the currency code
// it names. An empty value is a [*ParseError] wrapping [ErrEmpty], a
// malformed one wraps [ErrAmount].
func (r *Record) Amount(col int, f AmountFormat) (decimal.Decimal, string, error) {
	x := r.x
	if col < 0 || col >= len(x.times) {
		return decimal.Decimal{}, "", x.rd.at(col, ErrMissingColumn)
	}
	v := x.rd.get(col)
	if len(v) == 0 {
		return decimal.Decimal{}, "", x.rd.at(col, ErrEmpty)
	}
	if f.plain() {
		a, err := parseAmount(v, x.rd.opts.MaxDigits)
		if err != nil {
			return decimal.Decimal{}, "", x.rd.at(col, err)
		}
		return a, "", nil
	}
	a, code, err := parseFormatted(v, f, x.rd.opts.MaxDigits, &x.buf)
	if err != nil {
		return decimal.Decimal{}, "", x.rd.at(col, err)
	}
	return a, code, nil
}

// Fail marks the row as bad with err (a [*ParseError] from the Record's
// methods, or any error, which is reported at the row's line): in strict
// mode it returns the error, which also stops [RecordReader.All] and is
// its Err; in lenient mode it counts the row as skipped, lists it in the
// report and returns nil.
func (r *Record) Fail(err error) error {
	x := r.x
	if x.bad {
		return nil // counted once
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		pe = &ParseError{File: x.rd.file, Line: x.rd.line, Err: err}
	}
	x.bad = true
	if e := x.rd.fail(pe); e != nil {
		x.err = e
		return e
	}
	return nil
}
