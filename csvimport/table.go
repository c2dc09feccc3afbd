package csvimport

import (
	"fmt"
	"io"
	"strings"

	"github.com/funnelmetrics/funnel"
)

// A Table is a side table read from CSV (accounts, sales teams, products),
// indexed by one key column, for [Join].
type Table struct {
	file string
	cols map[string]int
	rows map[string][]string
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
	t := &Table{file: file, cols: rd.index, rows: make(map[string][]string)}
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
			t.rows[strings.TrimSpace(row[kc])] = row
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
// missing keys listed: a join never loses deals silently.
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
