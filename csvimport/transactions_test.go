package csvimport

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/unicode"
)

// txnMapping is the mapping of the test files of transactions.
var txnMapping = TransactionMapping{Customer: "account_id", Time: "date", Amount: "amount"}

// slowTransactions reads a transactions file the way a user of the
// generic reader would: a RecordReader, Record.Text, Time and Amount, and
// clv.Log.Add, each refused row failed at the column that is at fault
// with the error ReadTransactions documents. It is the reference that
// ReadTransactions must match.
func slowTransactions(data []byte, file string, m TransactionMapping, opts Options) (*clv.Log, *Report, error) {
	rr, err := NewRecordReader(bytes.NewReader(data), file, opts)
	if err != nil {
		return nil, nil, err
	}
	var cols [3]int
	for i, name := range []string{m.Customer, m.Time, m.Amount} {
		if cols[i], err = rr.Column(name); err != nil {
			return nil, nil, err
		}
	}
	cc, tc, ac := cols[0], cols[1], cols[2]
	l, err := clv.NewLog(m.Log)
	if err != nil {
		return nil, nil, err
	}
	at := func(col int, err error) error { return rr.rd.at(col, err) } // the column's line, as the Record's methods give it
	for rec := range rr.All() {
		err := func() error {
			who := rec.Text(cc)
			if who == "" {
				return at(cc, ErrEmpty)
			}
			if len(rec.Bytes(tc)) == 0 {
				return at(tc, ErrEmpty)
			}
			when, err := rec.Time(tc)
			if err != nil {
				return err
			}
			a, _, err := rec.Amount(ac, m.AmountFormat)
			if err != nil {
				return err
			}
			if err := l.Add(clv.Transaction{Customer: who, Time: when, Amount: a}); err != nil {
				if errors.Is(err, funnel.ErrNegativeAmount) {
					return at(ac, negativeAmount(rec.Bytes(ac)))
				}
				return at(ac, amountOutOfRange(rec.Bytes(ac)))
			}
			return nil
		}()
		if err != nil && rec.Fail(err) != nil {
			break
		}
	}
	if err := rr.Err(); err != nil {
		return nil, nil, err
	}
	return l, rr.Report(), nil
}

// A txnRead is what one read of a transactions file gave, for comparison:
// the log's binary encoding (equal encodings are equal logs), its counts,
// the report and the error.
type txnRead struct {
	Log              []byte
	Customers, Count int
	Report           *Report
	Err              string
}

func txnResult(t testing.TB, l *clv.Log, rep *Report, err error) txnRead {
	t.Helper()
	r := txnRead{Report: rep}
	if err != nil {
		r.Err = err.Error()
	}
	if l != nil {
		b, err := l.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		r.Log, r.Customers, r.Count = b, l.Len(), l.Count()
	}
	return r
}

// sameTransactions fails unless ReadTransactions, serial and on 2 and 3
// workers in chunks of each length, gives what slowTransactions gives, in
// strict and lenient mode, and in lenient mode Rows = Kept + Skipped.
func sameTransactions(t testing.TB, name string, data []byte, m TransactionMapping, opts Options, chunks ...int) {
	t.Helper()
	defer func(old int) { parallelChunk = old }(parallelChunk)
	for _, mode := range []funnel.Mode{funnel.Strict, funnel.Lenient} {
		opts.Mode = mode
		l, rep, err := slowTransactions(data, "t.csv", m, opts)
		want := txnResult(t, l, rep, err)
		if r := want.Report; r != nil && r.Rows != r.Kept+r.Skipped {
			t.Fatalf("%s, mode %v: the reference read %d rows, kept %d and skipped %d", name, mode, r.Rows, r.Kept, r.Skipped)
		}
		for _, workers := range []int{1, 2, 3} {
			for _, n := range append([]int{1 << 20}, chunks...) {
				parallelChunk = n
				opts.Workers = workers
				l, rep, err := ReadTransactions(bytes.NewReader(data), "t.csv", m, opts)
				got := txnResult(t, l, rep, err)
				if diff := cmp.Diff(want, got, exact); diff != "" {
					t.Fatalf("%s, mode %v, %d workers, chunks of %d: ReadTransactions differs from the RecordReader and Log.Add (-want +got):\n%s", name, mode, workers, n, diff)
				}
			}
		}
	}
}

// TestReadTransactions checks a small file against values worked out by
// hand: the customers' revenue, purchases, first and last days, and the
// skipped rows with their lines, columns and reasons.
func TestReadTransactions(t *testing.T) {
	data := "account_id,date,amount\r\n" +
		"1,2024-08-12,341.56\r\n" +
		"1,2024-09-27,\"211.11\"\r\n" + // quoted
		"\"2\",2024-01-05,100\r\n" +
		"2,2024-13-01,5\r\n" + // no 13th month
		"3,2024-02-29,-1.00\r\n" + // negative
		",2024-02-01,1\r\n" + // no customer
		"3,2024-03-01,12345678901234567890.5\r\n" + // 21 digits
		"1,2024-10-31,abc\r\n" +
		"1,2024-10-31\r\n" + // a field short
		"3,,1\r\n" // no date
	l, rep, err := ReadTransactions(strings.NewReader(data), "t.csv", txnMapping, Options{Mode: funnel.Lenient})
	if err != nil {
		t.Fatal(err)
	}
	h, err := l.Historical(decimal.NewFromInt(1))
	if err != nil {
		t.Fatal(err)
	}
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	big, _ := decimal.NewFromString("12345678901234567890.5")
	type cv struct {
		ID        string
		Purchases int64
		Revenue   string
		Rev       decimal.Decimal
		First     time.Time
		Last      time.Time
	}
	var got []cv
	for _, c := range h.Customers {
		got = append(got, cv{c.ID, c.Purchases, c.Revenue.String(), c.Revenue, c.First, c.Last})
	}
	want := []cv{
		{"1", 2, "552.67", decimal.RequireFromString("552.67"), day(2024, 8, 12), day(2024, 9, 27)}, // 341.56 + 211.11
		{"2", 1, "100", decimal.NewFromInt(100), day(2024, 1, 5), day(2024, 1, 5)},
		{"3", 1, "12345678901234567890.5", big, day(2024, 3, 1), day(2024, 3, 1)},
	}
	if diff := cmp.Diff(want, got, exact); diff != "" {
		t.Errorf("customers (-want +got):\n%s", diff)
	}
	type skip struct {
		Line   int
		Column string
		Is     string // the sentinel the error wraps
	}
	var skips []skip
	for _, e := range rep.Examples {
		s := skip{e.Line, e.Column, "?"}
		for _, k := range []error{ErrTime, funnel.ErrNegativeAmount, ErrEmpty, ErrAmount, ErrRow} {
			if errors.Is(e, k) {
				s.Is = k.Error()
				break
			}
		}
		skips = append(skips, s)
	}
	wantSkips := []skip{
		{5, "date", ErrTime.Error()}, {6, "amount", funnel.ErrNegativeAmount.Error()}, {7, "account_id", ErrEmpty.Error()},
		{9, "amount", ErrAmount.Error()}, {10, "", ErrRow.Error()}, {11, "date", ErrEmpty.Error()},
	}
	if diff := cmp.Diff(wantSkips, skips); diff != "" {
		t.Errorf("skipped rows (-want +got):\n%s", diff)
	}
	if rep.Rows != 10 || rep.Kept != 4 || rep.Skipped != 6 {
		t.Errorf("report: %d rows, %d kept, %d skipped; want 10, 4, 6", rep.Rows, rep.Kept, rep.Skipped)
	}
	sameTransactions(t, "hand", []byte(data), txnMapping, Options{}, 16, 40)

	// strict mode: the first bad row is the error
	_, _, err = ReadTransactions(strings.NewReader(data), "t.csv", txnMapping, Options{})
	if want := "t.csv:5: column \"date\": "; err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, ErrTime) {
		t.Errorf("strict read: %v, want an ErrTime beginning %q", err, want)
	}
}

// TestReadTransactionsEdges checks inputs without rows, mappings and
// columns that cannot be read, against the reference where it reads them.
func TestReadTransactionsEdges(t *testing.T) {
	for _, tt := range []struct {
		name, data string
		m          TransactionMapping
		want       error
	}{
		{"empty file", "", txnMapping, ErrRow},
		{"header only", "account_id,date,amount\n", txnMapping, nil},
		{"header only, no line end", "account_id,date,amount", txnMapping, nil},
		{"missing column", "account_id,day,amount\n1,2024-01-01,1\n", txnMapping, ErrMissingColumn},
		{"column twice", "account_id,date,amount,date\n1,2024-01-01,1,x\n", txnMapping, ErrDuplicateColumn},
		{"no amount column mapped", "account_id,date,amount\n", TransactionMapping{Customer: "account_id", Time: "date"}, ErrMapping},
		{"minor units", "account_id,date,amount\n", TransactionMapping{Customer: "account_id", Time: "date", Amount: "amount", AmountFormat: AmountFormat{MinorUnits: true}}, ErrMapping},
		{"bad decimal separator", "account_id,date,amount\n", TransactionMapping{Customer: "account_id", Time: "date", Amount: "amount", AmountFormat: AmountFormat{Decimal: ';'}}, ErrMapping},
		{"bad confidence", "account_id,date,amount\n", TransactionMapping{Customer: "account_id", Time: "date", Amount: "amount", Log: clv.LogOptions{Confidence: 2}}, funnel.ErrInvalidParam},
	} {
		l, rep, err := ReadTransactions(strings.NewReader(tt.data), "t.csv", tt.m, Options{})
		switch {
		case tt.want == nil && (err != nil || l.Count() != 0 || rep.Rows != 0):
			t.Errorf("%s: %v, %+v, %v; want an empty log and report", tt.name, l, rep, err)
		case tt.want != nil && !errors.Is(err, tt.want):
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
		if tt.m.Amount != "" && !tt.m.AmountFormat.MinorUnits && tt.m.AmountFormat.Decimal == 0 {
			sameTransactions(t, tt.name, []byte(tt.data), tt.m, Options{})
		}
	}
}

// hostileTransactions writes n rows of a transactions file from r: most
// well formed, sorted by customer in runs, others quoted, padded, split
// over lines by quotes, with CRLF and lone CR line ends, blank lines,
// bad, empty and negative values, amounts beyond an int64 and rows of the
// wrong width.
func hostileTransactions(r *rand.Rand, n int) []byte {
	var b bytes.Buffer
	b.WriteString("account_id,date,amount\n")
	ends := []string{"\n", "\n", "\n", "\r\n", "\r", "\n\n"}
	cust := 1
	for range n {
		if r.IntN(4) == 0 {
			cust = 1 + r.IntN(50)
		}
		who := fmt.Sprint(cust)
		date := fmt.Sprintf("20%02d-%02d-%02d", r.IntN(30), 1+r.IntN(12), 1+r.IntN(28))
		amount := fmt.Sprintf("%d.%02d", r.IntN(5000), r.IntN(100))
		switch r.IntN(30) {
		case 0:
			who = `"` + who + `"`
		case 1:
			who = ""
		case 2:
			who = " " + who + " "
		case 3:
			who = "\"x\ny\"" // a customer over two lines
		case 4:
			date = "2024-02-30"
		case 5:
			date = ""
		case 6:
			date = "2024-01-01T10:11:12Z"
		case 7:
			date = `"2024-05-06"`
		case 8:
			amount = "-" + amount
		case 9:
			amount = "-0.00"
		case 10:
			amount = fmt.Sprintf("%d%018d.%d", 1+r.IntN(9), r.Int64N(1e18), r.IntN(100)) // beyond an int64
		case 11:
			amount = "1e5"
		case 12:
			amount = ""
		case 13:
			amount = "000000000000000000000.5"
		case 14:
			amount = `"1` + "\r\n" + `2"` // an amount over two lines
		case 15:
			amount = "+" + amount
		case 16:
			amount = amount + ",1" // a field too many
		case 17:
			amount = `"` + amount // a quote left open to a later row
		case 18:
			amount = `1"2`
		case 19:
			amount = "999999999999999999" // 18 digits
		case 20:
			amount = "1000000000000000000" // 19 digits
		}
		b.WriteString(who + "," + date + "," + amount + ends[r.IntN(len(ends))])
	}
	return b.Bytes()
}

// TestReadTransactionsProperties compares ReadTransactions with the
// reference on generated files, hostile and clean, read in chunks of many
// lengths (chunk ends anywhere in a record, and inside quotes), with an
// option that changes what is refused (more digits) and a footer.
func TestReadTransactionsProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rounds := 12
	switch {
	case *long:
		rounds = 40
	case testing.Short():
		rounds = 4
	}
	for i := range rounds {
		data := hostileTransactions(r, 20+r.IntN(400))
		sameTransactions(t, fmt.Sprintf("hostile %d", i), data, txnMapping, Options{}, 64, 97, 300, 1024)
	}
	clean := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString("account_id,date,amount\n")
		for i := range n {
			fmt.Fprintf(&b, "%d,2024-%02d-%02d,%d.%02d\n", i/7, 1+i%12, 1+i%28, i%3000, i%100)
		}
		return b.Bytes()
	}
	sameTransactions(t, "clean", clean(5000), txnMapping, Options{}, 64, 512, 4096)
	sameTransactions(t, "more digits", hostileTransactions(r, 300), txnMapping, Options{MaxDigits: 80}, 100)
	withFooter := append(clean(300), "Grand Totals (300 records),,\n1,2,3\n"...)
	sameTransactions(t, "footer", withFooter, txnMapping, Options{Footer: "Grand Totals"}, 128, 1000)
	grouped := TransactionMapping{Customer: "account_id", Time: "date", Amount: "amount", AmountFormat: AmountFormat{Grouping: true, Symbols: true}}
	sameTransactions(t, "formatted", []byte("account_id,date,amount\n1,2024-01-01,\"$1,250.50\"\n2,2024-01-02,EUR 3\n2,2024-01-03,\"1,2\"\n"), grouped, Options{Mode: funnel.Lenient}, 16)
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(hostileTransactions(r, 200))
	if err != nil {
		t.Fatal(err)
	}
	sameTransactions(t, "UTF-16", u16, txnMapping, Options{}, 256, 1000)
	sameTransactions(t, "trailing separators", []byte(strings.ReplaceAll(string(clean(400)), "\n", ",,\n")), txnMapping, Options{AllowTrailingEmpty: true}, 300)
	zone, _ := time.LoadLocation("Europe/Paris")
	sameTransactions(t, "zone", clean(500), TransactionMapping{Customer: "account_id", Time: "date", Amount: "amount", Log: clv.LogOptions{Location: zone}}, Options{Location: zone}, 200)
}

// FuzzReadTransactions reads arbitrary files with ReadTransactions,
// serially and in chunks of any length on two workers, and with the
// reference (the RecordReader and clv.Log.Add): all three must give the
// same log, report and error, and Rows = Kept + Skipped.
func FuzzReadTransactions(f *testing.F) {
	f.Add([]byte("account_id,date,amount\n1,2024-08-12,341.56\n1,2024-09-27,211.11\n2,2024-01-05,100\n"), uint16(20), uint8(0))
	f.Add(hostileTransactions(rand.New(rand.NewPCG(5, 6)), 40), uint16(37), uint8(1))
	f.Add([]byte("account_id,date,amount\r\n\"1\",\"2024-01-01\",\"1.5\"\r\n\"a\nb\",2024-01-02,2\r\n3,2024-01-03,\"4\r\n"), uint16(9), uint8(1))
	f.Add([]byte("account_id,date,amount\n1,2024-01-01,123456789012345678901234567890\n1,2024-01-01,-0\n1,2024-01-01,-3\n,2024-01-01,1\n1,,1\n1,2024-01-01,\n"), uint16(16), uint8(3))
	f.Add([]byte("account_id,date,amount\n1,2024-01-01,0.0000000000000000000000000000000000000000000000000000000000000000001\n"), uint16(8), uint8(3))
	f.Add([]byte("account_id,date,amount\n"), uint16(1), uint8(0))
	f.Add([]byte(""), uint16(1), uint8(1))
	f.Add([]byte("amount;date;account_id\n1;2024-01-01;x\n"), uint16(5), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, flags uint8) {
		defer func(old int) { parallelChunk = old }(parallelChunk)
		opts := Options{}
		if flags&1 != 0 {
			opts.Mode = funnel.Lenient
		}
		if flags&2 != 0 {
			opts.MaxDigits = 80 // amounts with exponents a log refuses
		}
		l, rep, err := slowTransactions(data, "t.csv", txnMapping, opts)
		want := txnResult(t, l, rep, err)
		if rep != nil && rep.Rows != rep.Kept+rep.Skipped {
			t.Fatalf("the reference read %d rows, kept %d and skipped %d", rep.Rows, rep.Kept, rep.Skipped)
		}
		for _, w := range []int{1, 2} {
			parallelChunk = 1 + int(chunk)%512
			opts.Workers = w
			l, rep, err := ReadTransactions(bytes.NewReader(data), "t.csv", txnMapping, opts)
			got := txnResult(t, l, rep, err)
			if diff := cmp.Diff(want, got, exact); diff != "" {
				t.Fatalf("%d workers, chunks of %d: ReadTransactions differs from the reference (-want +got):\n%s", w, parallelChunk, diff)
			}
		}
	})
}
