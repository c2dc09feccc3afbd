package csvimport

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// A Table is a side table read from CSV (accounts, sales teams, products),
// indexed by one key column, for [Join].
type Table struct {
	file  string
	opts  Options
	cols  map[string]int
	rows  map[string][]string
	lines map[string]int // the line of each key's row
}

// ReadTable reads a CSV file with a header row, indexed by the key column.
// Rows with an empty key or a key seen before, rows whose field count
// differs from the header's and keys that hold a line break or a whole
// row's separators are skipped and reported (the first row of a key
// wins); an unclosed quote stops the read ([ErrUnclosedQuote]). A missing
// key column is [ErrMissingColumn]; a header that names a column twice is
// [ErrDuplicateColumn], since [Table.Get] could not tell which is meant.
// Each row is kept as a copy of its own fields.
func ReadTable(r io.Reader, file, key string, opts Options) (*Table, *Report, error) {
	opts.Mode = funnel.Lenient // a side table's bad rows are reported, not fatal
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, nil, err
	}
	kc, err := rd.column(key)
	if err != nil {
		return nil, nil, err
	}
	for _, h := range rd.header {
		if _, err := rd.column(h); err != nil && h != "" {
			return nil, nil, err // a name given twice: Get could not tell which
		}
	}
	t := &Table{file: file, opts: opts, cols: rd.index, rows: make(map[string][]string), lines: make(map[string]int)}
	for {
		ok, err := rd.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		k := rd.get(kc)
		switch _, dup := t.rows[string(k)]; {
		case len(k) == 0:
			_ = rd.fail(rd.at(kc, ErrEmpty))
		case dup:
			_ = rd.fail(rd.at(kc, fmt.Errorf("%w %q", ErrDuplicateID, k)))
		default:
			if perr := rd.suspicious(kc, k); perr != nil {
				_ = rd.fail(perr)
				continue
			}
			// the row's fields, copied into one string of their own
			n := rd.sc.fields()
			var b strings.Builder
			for i := range n {
				b.Write(rd.sc.field(i))
			}
			all := b.String()
			row := make([]string, n)
			for i := range n {
				row[i], all = all[:len(rd.sc.field(i))], all[len(rd.sc.field(i)):]
			}
			k := strings.TrimSpace(row[kc])
			t.rows[k] = row
			t.lines[k] = rd.line
			rd.rep.Kept++
		}
	}
	return t, rd.report(), nil
}

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Get returns the trimmed value of column for the row with the key, and
// whether the row and the column exist.
func (t *Table) Get(key, column string) (string, bool) {
	row, ok := t.rows[key]
	if !ok {
		return "", false
	}
	i, ok := t.cols[column]
	if !ok {
		return "", false
	}
	return field(row, i), true
}

// field returns the trimmed value of column i of row, or "" when the row
// is short.
func field(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

// Join looks up each deal's key in t and calls set with the deal and a
// function that returns a column of the matching row. Deals whose key is
// empty or not in t are left unchanged and counted in the report, with the
// missing keys listed: a join never loses deals silently. [Table.Join]
// also reports the table's rows that matched no deal, and reads times and
// amounts.
func Join(deals []funnel.Deal, t *Table, key func(*funnel.Deal) string, set func(d *funnel.Deal, column func(string) string)) JoinReport {
	rep := JoinReport{Name: t.file}
	missing := tally{}
	for i := range deals {
		d := &deals[i]
		k := key(d)
		if k == "" {
			rep.EmptyKey++
			continue
		}
		row, ok := t.rows[k]
		if !ok {
			rep.Unmatched++
			missing[k]++
			continue
		}
		rep.Matched++
		set(d, func(c string) string {
			if j, ok := t.cols[c]; ok {
				return field(row, j)
			}
			return ""
		})
	}
	rep.finish(missing)
	return rep
}

// String returns a one-line summary such as
// "products.csv: 7320 matched, 1480 unmatched (GTXPro 1480), 0 empty keys".
func (j JoinReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d matched, %d unmatched", j.Name, j.Matched, j.Unmatched)
	if len(j.Missing) > 0 {
		b.WriteString(" (")
		for i, m := range j.Missing {
			if i == 5 {
				fmt.Fprintf(&b, ", +%d more", len(j.Missing)-5)
				break
			}
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %d", m.Reason, m.Count)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, ", %d empty keys", j.EmptyKey)
	return b.String()
}

// A Row is one row of a [Table], for [Table.Join]: its columns as text,
// times and amounts, with errors that name the table's file, the row's
// line and the column.
type Row struct {
	t    *Table
	key  string
	row  []string
	line int
}

// Line returns the row's line in the table's file.
func (r Row) Line() int { return r.line }

// Text returns the trimmed value of a column, and "" for a column the
// table does not have.
func (r Row) Text(column string) string {
	if j, ok := r.t.cols[column]; ok {
		return field(r.row, j)
	}
	return ""
}

// Time returns the time a column holds, read with the table's
// Options.Layouts in its Options.Location (the zero time for an empty
// value). A value in none of the layouts is an error wrapping [ErrTime]
// that names the layouts tried; a column the table does not have wraps
// [ErrMissingColumn].
func (r Row) Time(column string) (time.Time, error) {
	j, ok := r.t.cols[column]
	if !ok {
		return time.Time{}, r.err(column, ErrMissingColumn)
	}
	t, err := newTimeParser(r.t.opts).parse([]byte(field(r.row, j)))
	if err != nil {
		return time.Time{}, r.err(column, err)
	}
	return t, nil
}

// Amount returns the amount a column holds, written as f says (see
// [ParseAmountFormat]; MinorUnits is not applied), and the currency code
// it names; an empty value is an error wrapping [ErrEmpty].
func (r Row) Amount(column string, f AmountFormat) (decimal.Decimal, string, error) {
	j, ok := r.t.cols[column]
	if !ok {
		return decimal.Decimal{}, "", r.err(column, ErrMissingColumn)
	}
	v := field(r.row, j)
	if v == "" {
		return decimal.Decimal{}, "", r.err(column, ErrEmpty)
	}
	a, code, err := ParseAmountFormat(v, f, r.t.opts.MaxDigits)
	if err != nil {
		return decimal.Decimal{}, "", r.err(column, err)
	}
	return a, code, nil
}

func (r Row) err(column string, err error) *ParseError {
	return &ParseError{File: r.t.file, Line: r.line, Column: column, Err: err}
}

// Join looks up each deal's key in the table and calls set with the deal
// and the matching row; set's error (such as a time that does not parse)
// stops the join and is returned. It reports both sides: the deals that
// found a row and those that did not (with their keys), and the table's
// rows that no deal matched (with their keys, Missing, by key; each
// counted once). Deals whose key is not in the table are left unchanged.
func (t *Table) Join(deals []funnel.Deal, key func(*funnel.Deal) string, set func(d *funnel.Deal, row Row) error) (matched, unused JoinReport, err error) {
	matched = JoinReport{Name: t.file}
	unused = JoinReport{Name: t.file + " rows"}
	missing := tally{}
	used := make(map[string]bool, len(t.rows))
	for i := range deals {
		d := &deals[i]
		k := key(d)
		if k == "" {
			matched.EmptyKey++
			continue
		}
		row, ok := t.rows[k]
		if !ok {
			matched.Unmatched++
			missing[k]++
			continue
		}
		matched.Matched++
		used[k] = true
		if err := set(d, Row{t: t, key: k, row: row, line: t.lines[k]}); err != nil {
			return matched, unused, err
		}
	}
	matched.finish(missing)
	spare := tally{}
	for k := range t.rows {
		if used[k] {
			unused.Matched++
		} else {
			unused.Unmatched++
			spare[k] = 1
		}
	}
	unused.finish(spare)
	return matched, unused, nil
}
