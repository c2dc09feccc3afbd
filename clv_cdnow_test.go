package funnel

import (
	"bufio"
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// readCDNOW parses testdata/cdnow/CDNOW_sample.txt: whitespace-separated
// master id, sample id, date YYYYMMDD, number of CDs, dollar value.
func readCDNOW(t testing.TB) []Transaction {
	t.Helper()
	f, err := os.Open("testdata/cdnow/CDNOW_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Transaction
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			t.Fatalf("bad line %q", sc.Text())
		}
		day, err := time.Parse("20060102", fs[2])
		if err != nil {
			t.Fatal(err)
		}
		amt, err := decimal.NewFromString(fs[4])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Transaction{Customer: fs[1], Time: day, Amount: amt})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// cdnowSummaryRow is one row of cdnow_customers_summary_with_transactions.csv,
// kept as the file's strings.
type cdnowSummaryRow struct{ X, Tx, T, Zbar string }

func readCDNOWSummary(t testing.TB) map[string]cdnowSummaryRow {
	t.Helper()
	f, err := os.Open("testdata/cdnow/cdnow_customers_summary_with_transactions.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]cdnowSummaryRow{}
	for _, r := range recs[1:] {
		id, err := strconv.Atoi(r[0])
		if err != nil {
			t.Fatal(err)
		}
		out[strconv.Itoa(id)] = cdnowSummaryRow{X: r[1], Tx: r[2], T: r[3], Zbar: r[4]}
	}
	return out
}

var cdnowRFMOptions = RFMOptions{
	CalibrationEnd: time.Date(1997, time.September, 30, 0, 0, 0, 0, time.UTC),
	HoldoutEnd:     time.Date(1998, time.June, 30, 0, 0, 0, 0, time.UTC),
	Unit:           7 * 24 * time.Hour,
}

// TestRFMCDNOW reproduces the published CDNOW summary from the raw log: x
// exactly, t_x, T and zbar to the file's two decimals. The expectations are
// the file's own strings (distributed with the lifetimes package and derived
// there independently of this code).
func TestRFMCDNOW(t *testing.T) {
	l, err := TransactionLogFrom(slices.Values(readCDNOW(t)))
	if err != nil {
		t.Fatal(err)
	}
	want := readCDNOWSummary(t)
	got, err := l.RFM(cdnowRFMOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("RFM gave %d customers, want %d", len(got), len(want))
	}
	for _, r := range got {
		id, _ := strconv.Atoi(r.Customer)
		w, ok := want[strconv.Itoa(id)]
		if !ok {
			t.Fatalf("customer %s not in the summary file", r.Customer)
		}
		zbar := "0.00"
		if m, ok := r.MeanRepeatValue(); ok {
			zbar = m.StringFixed(2)
		}
		g := cdnowSummaryRow{X: strconv.Itoa(r.Frequency), Tx: strconv.FormatFloat(r.Recency, 'f', 2, 64), T: strconv.FormatFloat(r.T, 'f', 2, 64), Zbar: zbar}
		if g != w {
			t.Errorf("customer %s: got %+v, want %+v", r.Customer, g, w)
		}
	}
}
