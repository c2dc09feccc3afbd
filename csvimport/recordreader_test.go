package csvimport_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// txRow is what the test keeps of a row of a transactions file.
type txRow struct {
	Line   int
	Who    string
	At     time.Time
	Amount string
}

// readTx reads a transactions file with a RecordReader, failing the rows
// whose time or amount does not read.
func readTx(t *testing.T, in string, opts csvimport.Options) ([]txRow, *csvimport.Report, error) {
	t.Helper()
	rr, err := csvimport.NewRecordReader(strings.NewReader(in), "tx.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	var cols [3]int
	for i, name := range []string{"account", "date", "amount"} {
		if cols[i], err = rr.Column(name); err != nil {
			t.Fatal(err)
		}
	}
	var out []txRow
	for rec := range rr.All() {
		at, err := rec.Time(cols[1])
		if err != nil {
			if err := rec.Fail(err); err != nil {
				break
			}
			continue
		}
		a, _, err := rec.Amount(cols[2], csvimport.AmountFormat{})
		if err != nil {
			if err := rec.Fail(err); err != nil {
				break
			}
			continue
		}
		out = append(out, txRow{rec.Line(), rec.Text(cols[0]), at, a.String()})
	}
	return out, rr.Report(), rr.Err()
}

// The rows and counts below follow from the file by the rules of
// RecordReader's doc comments: lines counted from the header (line 1), a
// quoted field spanning two lines, a short row, a bad date and an empty
// amount.
func TestRecordReader(t *testing.T) {
	in := "account,date,amount\n" +
		"a1,2024-01-05,10.50\n" +
		"\"a\n2\",2024-02-29,3\n" +
		"a3,2024-03-01\n" +
		"a4,2024-13-01,1\n" +
		" a5 ,2024-04-02,\n" +
		"a6,2024-04-03,0.001\n"
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
	rows, rep, err := readTx(t, in, csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		t.Fatal(err)
	}
	want := []txRow{{2, "a1", day(1, 5), "10.5"}, {3, "a\n2", day(2, 29), "3"}, {8, "a6", day(4, 3), "0.001"}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if rep.Rows != 6 || rep.Kept != 3 || rep.Skipped != 3 || len(rep.Examples) != 3 {
		t.Fatalf("report: %d rows, %d kept, %d skipped, %d examples; want 6, 3, 3, 3", rep.Rows, rep.Kept, rep.Skipped, len(rep.Examples))
	}
	for i, w := range []struct {
		line   int
		column string
		err    error
	}{{5, "", csvimport.ErrFieldCount}, {6, "date", csvimport.ErrTime}, {7, "amount", csvimport.ErrEmpty}} {
		e := rep.Examples[i]
		if e.Line != w.line || e.Column != w.column || !errors.Is(e, w.err) {
			t.Errorf("example %d: %v (line %d, column %q); want line %d, column %q, %v", i, e, e.Line, e.Column, w.line, w.column, w.err)
		}
	}

	// strict: the first bad row stops the read and is the error
	rows, _, err = readTx(t, in, csvimport.Options{})
	var pe *csvimport.ParseError
	if !errors.As(err, &pe) || pe.Line != 5 || !errors.Is(err, csvimport.ErrFieldCount) || len(rows) != 2 {
		t.Fatalf("strict: %d rows, error %v; want 2 rows and the field count of line 5", len(rows), err)
	}
	rows, _, err = readTx(t, "account,date,amount\na1,2024-01-05,x\na2,2024-01-05,1\n", csvimport.Options{})
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Column != "amount" || !errors.Is(err, csvimport.ErrAmount) || len(rows) != 0 {
		t.Fatalf("strict Fail: %d rows, error %v; want none and the amount of line 2", len(rows), err)
	}
}

// TestRecordReaderText checks that a value repeated row after row shares
// one string, and that a different value does not.
func TestRecordReaderText(t *testing.T) {
	rr, err := csvimport.NewRecordReader(strings.NewReader("c\nxx\nxx\nyy\nxx\n"), "t.csv", csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rec := range rr.All() {
		got = append(got, rec.Text(0))
	}
	if diff := cmp.Diff([]string{"xx", "xx", "yy", "xx"}, got); diff != "" {
		t.Fatalf("texts (-want +got):\n%s", diff)
	}
	if unsafe.StringData(got[0]) != unsafe.StringData(got[1]) || unsafe.StringData(got[0]) == unsafe.StringData(got[3]) {
		t.Errorf("the repeated value does not share its string, or the later one does")
	}
}

func TestRecordReaderColumnsAndReuse(t *testing.T) {
	rr, err := csvimport.NewRecordReader(strings.NewReader("a,b,a\n1,2,3\n"), "x.csv", csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rr.Column("c"); !errors.Is(err, csvimport.ErrMissingColumn) {
		t.Errorf("missing column: %v", err)
	}
	if _, err := rr.Column("a"); !errors.Is(err, csvimport.ErrDuplicateColumn) {
		t.Errorf("duplicate column: %v", err)
	}
	b, _ := rr.Column("b")
	var got []string
	for rec := range rr.All() {
		got = append(got, rec.Text(b))
		if v, _, err := rec.Amount(b, csvimport.AmountFormat{}); err != nil || !v.Equal(decimal.NewFromInt(2)) {
			t.Errorf("amount %v, %v", v, err)
		}
	}
	for range rr.All() {
		t.Error("a second iteration yielded a row")
	}
	if diff := cmp.Diff([]string{"2"}, got); diff != "" || !errors.Is(rr.Err(), csvimport.ErrAlreadyRead) {
		t.Errorf("rows %v, error %v; want [2] and ErrAlreadyRead", got, rr.Err())
	}
}
