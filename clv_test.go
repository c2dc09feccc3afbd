package funnel

import (
	"bufio"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

func clvDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func clvAt(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func clvLog(t testing.TB, txs ...Transaction) *TransactionLog {
	t.Helper()
	l, err := TransactionLogFrom(slices.Values(txs))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// clvHandLog is a small log whose summaries are worked out by hand in the
// tests below.
func clvHandLog(t testing.TB) *TransactionLog {
	return clvLog(t,
		Transaction{"acme", clvAt(2024, 3, 5, 9), clvDec("250.50")},
		Transaction{"acme", clvAt(2024, 1, 10, 9), clvDec("100.00")},
		Transaction{"cara", clvAt(2024, 1, 20, 9), clvDec("60")},
		Transaction{"acme", clvAt(2024, 3, 5, 17), clvDec("49.50")},
		Transaction{"beta", clvAt(2024, 2, 1, 0), clvDec("0")},
		Transaction{"cara", clvAt(2024, 2, 15, 9), clvDec("40")},
		Transaction{"acme", clvAt(2024, 4, 2, 9), clvDec("1000")},
		Transaction{"late", clvAt(2024, 4, 5, 9), clvDec("5")},
	)
}

// TestHistorical checks historical CLV against sums worked by hand: acme
// 100 + 250.50 + 49.50 + 1000 = 1400.00, margin at 25% = 350; beta's one
// purchase of 0; cara 60 + 40 = 100; late 5.
func TestHistorical(t *testing.T) {
	got, err := clvHandLog(t).Historical(clvDec("0.25"))
	if err != nil {
		t.Fatal(err)
	}
	want := []CLVHistorical{
		{"acme", 4, clvDec("1400"), clvDec("350"), clvAt(2024, 1, 10, 9), clvAt(2024, 4, 2, 9)},
		{"beta", 1, clvDec("0"), clvDec("0"), clvAt(2024, 2, 1, 0), clvAt(2024, 2, 1, 0)},
		{"cara", 2, clvDec("100"), clvDec("25"), clvAt(2024, 1, 20, 9), clvAt(2024, 2, 15, 9)},
		{"late", 1, clvDec("5"), clvDec("1.25"), clvAt(2024, 4, 5, 9), clvAt(2024, 4, 5, 9)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Historical(0.25) mismatch (-want +got):\n%s", diff)
	}
	// Huge amounts stay exact: 2 x 10^30 at a margin of 1.
	huge := clvLog(t, Transaction{"z", clvAt(2024, 1, 1, 0), clvDec("1e30")}, Transaction{"z", clvAt(2024, 1, 2, 0), clvDec("1e30")})
	got, err = huge.Historical(decimal.NewFromInt(1))
	if err != nil || len(got) != 1 || !got[0].Revenue.Equal(clvDec("2e30")) {
		t.Errorf("Historical of huge amounts = %+v, %v; want revenue 2e30", got, err)
	}
	// Empty log: no customers, no error.
	if got, err := (&TransactionLog{}).Historical(decimal.NewFromInt(1)); err != nil || len(got) != 0 {
		t.Errorf("empty Historical = %v, %v", got, err)
	}
	for _, bad := range []string{"-0.01", "1.01"} {
		var pe *CLVParamError
		if _, err := clvHandLog(t).Historical(clvDec(bad)); !errors.As(err, &pe) || !errors.Is(err, ErrInvalidParam) || pe.Param != "marginRate" {
			t.Errorf("Historical(%s) error = %v, want *CLVParamError for marginRate", bad, err)
		}
	}
}

// TestCohorts checks cohort curves worked out by hand. Monthly, as of the
// end of March 2024: the January cohort is acme and cara, with revenue
// 100 + 60 = 160 in January, 40 in February and 250.50 + 49.50 = 300 in
// March (acme's April purchase is after AsOf), so 80, 100 and 250 per
// customer; the February cohort is beta alone with zero revenue; late
// first bought after AsOf and is left out. Weekly and quarterly cases are
// worked the same way from the calendar (2024-01-01 is a Monday).
func TestCohorts(t *testing.T) {
	dec := func(ss ...string) []decimal.Decimal {
		var out []decimal.Decimal
		for _, s := range ss {
			out = append(out, clvDec(s))
		}
		return out
	}
	tests := []struct {
		name string
		log  *TransactionLog
		opts CohortOptions
		want []CohortCurve
	}{
		{"monthly", clvHandLog(t), CohortOptions{AsOf: time.Date(2024, 3, 31, 23, 59, 59, 0, time.UTC)}, []CohortCurve{
			{clvAt(2024, 1, 1, 0), 2, dec("160", "40", "300"), dec("80", "100", "250")},
			{clvAt(2024, 2, 1, 0), 1, dec("0", "0"), dec("0", "0")},
		}},
		{"weekly", clvLog(t,
			Transaction{"w", clvAt(2024, 1, 3, 12), clvDec("10")},
			Transaction{"w", clvAt(2024, 1, 8, 0), clvDec("5")},
			Transaction{"w", clvAt(2024, 1, 21, 23), clvDec("1")},
			Transaction{"v", clvAt(2024, 1, 7, 1), clvDec("3")},
		), CohortOptions{Period: CohortWeek, AsOf: clvAt(2024, 1, 22, 12)}, []CohortCurve{
			{clvAt(2024, 1, 1, 0), 2, dec("13", "5", "1", "0"), dec("6.5", "9", "9.5", "9.5")},
		}},
		{"quarterly", clvLog(t,
			Transaction{"q", clvAt(2023, 12, 31, 12), clvDec("10")},
			Transaction{"q", clvAt(2024, 2, 1, 0), clvDec("5")},
			Transaction{"r", clvAt(2024, 1, 1, 0), clvDec("7")},
		), CohortOptions{Period: CohortQuarter, AsOf: clvAt(2024, 4, 1, 0)}, []CohortCurve{
			{clvAt(2023, 10, 1, 0), 1, dec("10", "5", "0"), dec("10", "15", "15")},
			{clvAt(2024, 1, 1, 0), 1, dec("7", "0"), dec("7", "7")},
		}},
		{"thirds round half away from zero", clvLog(t,
			Transaction{"a", clvAt(2024, 1, 1, 0), clvDec("1")},
			Transaction{"b", clvAt(2024, 1, 2, 0), clvDec("0")},
			Transaction{"c", clvAt(2024, 1, 3, 0), clvDec("1")},
		), CohortOptions{AsOf: clvAt(2024, 1, 31, 0)}, []CohortCurve{
			{clvAt(2024, 1, 1, 0), 3, dec("2"), dec("0.6666666667")},
		}},
		{"empty", &TransactionLog{}, CohortOptions{AsOf: clvAt(2024, 1, 31, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.log.Cohorts(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Cohorts mismatch (-want +got):\n%s", diff)
			}
		})
	}
	for _, o := range []CohortOptions{{}, {AsOf: clvAt(2024, 1, 1, 0), Period: 9}, {AsOf: clvAt(2024, 1, 1, 0), Period: -1}} {
		if _, err := clvHandLog(t).Cohorts(o); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("Cohorts(%+v) error = %v, want ErrInvalidParam", o, err)
		}
	}
}

// TestRFM checks RFM summaries worked out by hand (unit: one day, so times
// are day counts). Customer a: first day 1 Jan (20.00 + 5.00 merged = 25),
// repeat days 11 Jan (10) and 21 Jan (30 + 0 merged), so x = 2, t_x = 20,
// T = 31 Jan - 1 Jan = 30, repeat value 40, zbar 20; in the holdout one
// day (10 Feb: 7 + 3 = 10); the 5 Mar purchase is after the holdout. b
// bought once at 23:00 on the calibration end day: x = 0, T = 0. c first
// bought in the holdout and is left out. e bought on 15 Jan (T = 16) and at
// 23:00 on the holdout's last day, which counts.
func TestRFM(t *testing.T) {
	l := clvLog(t,
		Transaction{"a", clvAt(2024, 1, 1, 10), clvDec("20.00")},
		Transaction{"a", clvAt(2024, 1, 21, 9), clvDec("30")},
		Transaction{"a", clvAt(2024, 1, 1, 18), clvDec("5.00")},
		Transaction{"a", clvAt(2024, 1, 11, 9), clvDec("10")},
		Transaction{"a", clvAt(2024, 1, 21, 9), clvDec("0")},
		Transaction{"a", clvAt(2024, 2, 10, 9), clvDec("7")},
		Transaction{"a", clvAt(2024, 2, 10, 11), clvDec("3")},
		Transaction{"a", clvAt(2024, 3, 5, 9), clvDec("100")},
		Transaction{"b", clvAt(2024, 1, 31, 23), clvDec("9.99")},
		Transaction{"c", clvAt(2024, 2, 1, 0), clvDec("1")},
		Transaction{"e", clvAt(2024, 1, 15, 0), clvDec("2")},
		Transaction{"e", clvAt(2024, 2, 29, 23), clvDec("3")},
	)
	opts := RFMOptions{CalibrationEnd: clvAt(2024, 1, 31, 0), HoldoutEnd: clvAt(2024, 2, 29, 0), Unit: 24 * time.Hour}
	got, err := l.RFM(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []RFMRecord{
		{Customer: "a", First: clvAt(2024, 1, 1, 0), Frequency: 2, Recency: 20, T: 30, FirstValue: clvDec("25"), RepeatValue: clvDec("40"), HoldoutFrequency: 1, HoldoutValue: clvDec("10")},
		{Customer: "b", First: clvAt(2024, 1, 31, 0), T: 0, FirstValue: clvDec("9.99")},
		{Customer: "e", First: clvAt(2024, 1, 15, 0), T: 16, FirstValue: clvDec("2"), HoldoutFrequency: 1, HoldoutValue: clvDec("3")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RFM mismatch (-want +got):\n%s", diff)
	}
	if m, ok := got[0].MeanRepeatValue(); !ok || !m.Equal(clvDec("20")) {
		t.Errorf("a.MeanRepeatValue() = %s, %v; want 20, true", m, ok)
	}
	if m, ok := got[1].MeanRepeatValue(); ok {
		t.Errorf("b.MeanRepeatValue() = %s, true; want ok = false", m)
	}

	// In weeks, the same customer has t_x = 20/7 and T = 30/7.
	opts.Unit = 7 * 24 * time.Hour
	got, err = l.RFM(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Recency != 20.0/7 || got[0].T != 30.0/7 {
		t.Errorf("weeks: t_x = %v, T = %v; want 20/7, 30/7", got[0].Recency, got[0].T)
	}

	// Without a holdout, later purchases are ignored.
	opts.HoldoutEnd = time.Time{}
	got, err = l.RFM(opts)
	if err != nil || got[0].HoldoutFrequency != 0 || !got[0].HoldoutValue.IsZero() {
		t.Errorf("no holdout: %+v, %v", got[0], err)
	}

	// Calendar days follow Location: 23:30 UTC on 31 Jan is 1 Feb at UTC+2,
	// after the calibration end, so the customer is left out there.
	d := clvLog(t, Transaction{"d", time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC), clvDec("1")})
	opts = RFMOptions{CalibrationEnd: clvAt(2024, 1, 31, 0), Unit: 24 * time.Hour}
	if got, err := d.RFM(opts); err != nil || len(got) != 1 {
		t.Errorf("UTC: %+v, %v; want one customer", got, err)
	}
	opts.Location = time.FixedZone("UTC+2", 2*3600)
	if got, err := d.RFM(opts); err != nil || len(got) != 0 {
		t.Errorf("UTC+2: %+v, %v; want none", got, err)
	}

	// Empty log and bad options.
	if got, err := (&TransactionLog{}).RFM(RFMOptions{CalibrationEnd: clvAt(2024, 1, 1, 0), Unit: time.Hour}); err != nil || len(got) != 0 {
		t.Errorf("empty RFM = %v, %v", got, err)
	}
	for _, o := range []RFMOptions{
		{Unit: time.Hour},
		{CalibrationEnd: clvAt(2024, 1, 1, 0)},
		{CalibrationEnd: clvAt(2024, 1, 1, 0), Unit: -time.Hour},
		{CalibrationEnd: clvAt(2024, 1, 2, 0), HoldoutEnd: clvAt(2024, 1, 1, 0), Unit: time.Hour},
	} {
		if _, err := l.RFM(o); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("RFM(%+v) error = %v, want ErrInvalidParam", o, err)
		}
	}
}

// TestTransactionLogAdd checks that bad records are refused with a typed
// error naming the record, and leave the log unchanged.
func TestTransactionLogAdd(t *testing.T) {
	var l TransactionLog
	if err := l.Add(Transaction{"a", clvAt(2024, 1, 1, 0), clvDec("1")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tx    Transaction
		field string
		want  error
	}{
		{Transaction{"", clvAt(2024, 1, 1, 0), clvDec("1")}, "Customer", ErrInvalidParam},
		{Transaction{"a", time.Time{}, clvDec("1")}, "Time", ErrInvalidParam},
		{Transaction{"a", clvAt(2024, 1, 1, 0), clvDec("-0.01")}, "Amount", ErrNegativeAmount},
	}
	for i, tt := range tests {
		err := l.Add(tt.tx)
		var te *TransactionError
		if !errors.As(err, &te) || !errors.Is(err, tt.want) || te.Field != tt.field || te.Index != i+1 || te.Customer != tt.tx.Customer {
			t.Errorf("Add(%+v) error = %v, want *TransactionError{Index: %d, Field: %s} wrapping %v", tt.tx, err, i+1, tt.field, tt.want)
		}
	}
	if l.Count() != 1 || l.Len() != 1 {
		t.Errorf("after refused records: Count() = %d, Len() = %d; want 1, 1", l.Count(), l.Len())
	}
	_, err := TransactionLogFrom(slices.Values([]Transaction{{"a", clvAt(2024, 1, 1, 0), clvDec("1")}, {}}))
	var te *TransactionError
	if !errors.As(err, &te) || te.Index != 1 {
		t.Errorf("TransactionLogFrom with a bad second record: %v", err)
	}
}

// clvResults gathers every summary of a log, for merge comparisons.
type clvResults struct {
	Len, Count int
	Historical []CLVHistorical
	Cohorts    []CohortCurve
	RFM        []RFMRecord
}

func clvSummaries(t testing.TB, l *TransactionLog) clvResults {
	t.Helper()
	h, err := l.Historical(clvDec("0.3"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.Cohorts(CohortOptions{Period: CohortWeek, AsOf: clvAt(1998, 6, 30, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.RFM(cdnowRFMOptions)
	if err != nil {
		t.Fatal(err)
	}
	return clvResults{l.Len(), l.Count(), h, c, r}
}

// TestTransactionLogMerge checks the merge property on CDNOW: logs built
// from any split of the records (prefix/suffix at several cut points,
// interleaved thirds) and merged give exactly the one-pass summaries; the
// merged argument is unchanged; merging empty or nil logs is a no-op; and
// (a+b)+c equals a+(b+c).
func TestTransactionLogMerge(t *testing.T) {
	txs := readCDNOW(t)
	want := clvSummaries(t, clvLog(t, txs...))
	for _, cut := range []int{0, 1, len(txs) / 2, len(txs)} {
		a, b := clvLog(t, txs[:cut]...), clvLog(t, txs[cut:]...)
		var before clvResults
		if cut == 1 {
			before = clvSummaries(t, b)
		}
		a.Merge(b)
		if diff := cmp.Diff(want, clvSummaries(t, a), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("cut %d: merged summaries differ (-one pass +merged):\n%s", cut, diff)
		}
		if cut != 1 {
			continue
		}
		if diff := cmp.Diff(before, clvSummaries(t, b), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("cut %d: Merge modified its argument:\n%s", cut, diff)
		}
	}
	var parts [3][]Transaction
	for i, tx := range txs {
		parts[i%3] = append(parts[i%3], tx)
	}
	left := clvLog(t, parts[0]...)
	left.Merge(clvLog(t, parts[1]...))
	left.Merge(clvLog(t, parts[2]...))
	bc := clvLog(t, parts[1]...)
	bc.Merge(clvLog(t, parts[2]...))
	right := clvLog(t, parts[0]...)
	right.Merge(bc)
	right.Merge(nil)
	right.Merge(&TransactionLog{})
	var zero TransactionLog
	zero.Merge(right)
	for name, l := range map[string]*TransactionLog{"(a+b)+c": left, "a+(b+c)": right, "empty+all": &zero} {
		if diff := cmp.Diff(want, clvSummaries(t, l), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s differs from one pass:\n%s", name, diff)
		}
	}
}

// TestCLVSimple checks AOV x frequency x lifespan by hand.
func TestCLVSimple(t *testing.T) {
	tests := []struct {
		p    CLVSimpleParams
		want string
	}{
		{CLVSimpleParams{clvDec("50"), clvDec("4"), clvDec("3")}, "600"},
		{CLVSimpleParams{clvDec("0.1"), clvDec("0.3"), clvDec("0.7")}, "0.021"},
		{CLVSimpleParams{clvDec("1e20"), clvDec("1e10"), clvDec("100")}, "1e32"},
		{CLVSimpleParams{}, "0"},
	}
	for _, tt := range tests {
		got, err := CLVSimple(tt.p)
		if err != nil || !got.Equal(clvDec(tt.want)) {
			t.Errorf("CLVSimple(%+v) = %s, %v; want %s", tt.p, got, err, tt.want)
		}
	}
	for _, p := range []CLVSimpleParams{{AverageOrderValue: clvDec("-1")}, {PurchaseFrequency: clvDec("-1")}, {Lifespan: clvDec("-1")}} {
		var pe *CLVParamError
		if _, err := CLVSimple(p); !errors.As(err, &pe) || !errors.Is(err, ErrInvalidParam) {
			t.Errorf("CLVSimple(%+v) error = %v, want *CLVParamError", p, err)
		}
	}
}

// TestCLVMarginMultiple checks the Gupta-Lehmann margin multiple against
// values worked by hand (m = 100, r = 0.8, i = 0.1: 80/0.3 and 110/0.3,
// rounded to 10 places) and the error rows.
func TestCLVMarginMultiple(t *testing.T) {
	tests := []struct {
		name string
		p    CLVMarginParams
		want string
	}{
		{"first margin after a period", CLVMarginParams{clvDec("100"), clvDec("0.8"), clvDec("0.1"), false}, "266.6666666667"},
		{"margin at t=0", CLVMarginParams{clvDec("100"), clvDec("0.8"), clvDec("0.1"), true}, "366.6666666667"},
		{"no retention", CLVMarginParams{clvDec("100"), clvDec("0"), clvDec("0.1"), false}, "0"},
		{"no retention, margin at t=0", CLVMarginParams{clvDec("100"), clvDec("0"), clvDec("0.1"), true}, "100"},
		{"full retention, discounted", CLVMarginParams{clvDec("100"), clvDec("1"), clvDec("0.1"), false}, "1000"},
		{"negative margin", CLVMarginParams{clvDec("-50"), clvDec("0.5"), clvDec("0"), false}, "-50"},
		{"huge margin", CLVMarginParams{clvDec("1e25"), clvDec("0.5"), clvDec("0"), false}, "1e25"},
	}
	for _, tt := range tests {
		got, err := CLVMarginMultiple(tt.p)
		if err != nil || !got.Equal(clvDec(tt.want)) {
			t.Errorf("%s: CLVMarginMultiple(%+v) = %s, %v; want %s", tt.name, tt.p, got, err, tt.want)
		}
	}
	bad := []struct {
		p     CLVMarginParams
		param string
	}{
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("1.2")}, "Retention"},
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("-0.1")}, "Retention"},
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("0.5"), Discount: clvDec("-0.05")}, "Discount"},
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("1")}, "1 + Discount - Retention"},
	}
	for _, tt := range bad {
		var pe *CLVParamError
		if _, err := CLVMarginMultiple(tt.p); !errors.As(err, &pe) || pe.Param != tt.param || !errors.Is(err, ErrInvalidParam) {
			t.Errorf("CLVMarginMultiple(%+v) error = %v, want *CLVParamError for %s", tt.p, err, tt.param)
		}
	}
}

// TestCLVMarginMultipleSeries checks the closed forms against the series
// they sum, computed directly: sum_{t>=1} m r^t / (1+i)^t, plus m for the
// t = 0 variant, over 5,000 periods, on a grid of r and i.
func TestCLVMarginMultipleSeries(t *testing.T) {
	for _, r := range []string{"0", "0.3", "0.75", "0.9", "0.99"} {
		for _, i := range []string{"0", "0.05", "0.12"} {
			rf, _ := clvDec(r).Float64()
			fi, _ := clvDec(i).Float64()
			var sum float64
			for k := 1; k <= 5000; k++ {
				sum += 100 * math.Pow(rf/(1+fi), float64(k))
			}
			for _, atStart := range []bool{false, true} {
				want := sum
				if atStart {
					want += 100
				}
				got, err := CLVMarginMultiple(CLVMarginParams{clvDec("100"), clvDec(r), clvDec(i), atStart})
				if err != nil {
					t.Fatal(err)
				}
				if g, _ := got.Float64(); math.Abs(g-want) > 1e-8*math.Max(1, want) {
					t.Errorf("r = %s, i = %s, atStart = %v: %s, series %.10f", r, i, atStart, got, want)
				}
			}
		}
	}
}

// TestCLVContractual checks the subscription CLV by hand: 50 x 0.8 / 0.05
// = 800; with 1% discounting 40 x 1.01 / 0.06 = 673.33...; churn 1 pays
// one period, 40.
func TestCLVContractual(t *testing.T) {
	tests := []struct {
		p    CLVContractualParams
		want string
	}{
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("0.05"), clvDec("0")}, "800"},
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("0.05"), clvDec("0.01")}, "673.3333333333"},
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("1"), clvDec("0")}, "40"},
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("0"), clvDec("0.25")}, "200"},
	}
	for _, tt := range tests {
		got, err := CLVContractual(tt.p)
		if err != nil || !got.Equal(clvDec(tt.want)) {
			t.Errorf("CLVContractual(%+v) = %s, %v; want %s", tt.p, got, err, tt.want)
		}
	}
	for _, p := range []CLVContractualParams{
		{ARPA: clvDec("50"), GrossMargin: clvDec("1.2"), Churn: clvDec("0.1")},
		{ARPA: clvDec("50"), GrossMargin: clvDec("0.5"), Churn: clvDec("-0.1")},
		{ARPA: clvDec("50"), GrossMargin: clvDec("0.5"), Churn: clvDec("0")},
		{ARPA: clvDec("50"), GrossMargin: clvDec("0.5"), Churn: clvDec("0.1"), Discount: clvDec("-1")},
	} {
		var pe *CLVParamError
		if _, err := CLVContractual(p); !errors.As(err, &pe) {
			t.Errorf("CLVContractual(%+v) error = %v, want *CLVParamError", p, err)
		}
	}
}

// TestTransactionsFromDeals checks the won-deal log by hand: acme won 1000
// and 500, beta 200; the lost and open deals are skipped.
func TestTransactionsFromDeals(t *testing.T) {
	deals := []Deal{
		{ID: "1", Account: "acme", Amount: clvDec("1000"), Currency: "USD", Outcome: Won, Created: clvAt(2024, 1, 1, 0), Closed: clvAt(2024, 1, 10, 0)},
		{ID: "2", Account: "acme", Amount: clvDec("700"), Currency: "EUR", Outcome: Lost, Created: clvAt(2024, 1, 1, 0), Closed: clvAt(2024, 1, 12, 0)},
		{ID: "3", Account: "beta", Amount: clvDec("900"), Outcome: Open, Created: clvAt(2024, 2, 1, 0)},
		{ID: "4", Account: "acme", Amount: clvDec("500"), Currency: "USD", Outcome: Won, Created: clvAt(2024, 2, 1, 0), Closed: clvAt(2024, 3, 1, 0)},
		{ID: "5", Account: "beta", Amount: clvDec("200"), Currency: "USD", Outcome: Won, Created: clvAt(2024, 2, 1, 0), Closed: clvAt(2024, 2, 20, 0)},
	}
	l, cur, err := TransactionsFromDeals(slices.Values(deals))
	if err != nil || cur != "USD" {
		t.Fatalf("TransactionsFromDeals: currency %q, %v", cur, err)
	}
	got, err := l.Historical(decimal.NewFromInt(1))
	if err != nil {
		t.Fatal(err)
	}
	want := []CLVHistorical{
		{"acme", 2, clvDec("1500"), clvDec("1500"), clvAt(2024, 1, 10, 0), clvAt(2024, 3, 1, 0)},
		{"beta", 1, clvDec("200"), clvDec("200"), clvAt(2024, 2, 20, 0), clvAt(2024, 2, 20, 0)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Historical of won deals (-want +got):\n%s", diff)
	}
	if l, cur, err := TransactionsFromDeals(slices.Values(deals[1:3])); err != nil || cur != "" || l.Count() != 0 {
		t.Errorf("no won deals: %v, %q, %v", l.Count(), cur, err)
	}
	won := Deal{ID: "9", Account: "x", Amount: clvDec("1"), Currency: "USD", Outcome: Won, Closed: clvAt(2024, 1, 1, 0)}
	bad := []struct {
		change func(*Deal)
		field  string
		want   error
	}{
		{func(d *Deal) { d.Currency = "EUR" }, "Currency", ErrCurrencyMismatch},
		{func(d *Deal) { d.Currency = "" }, "Currency", ErrCurrencyMismatch},
		{func(d *Deal) { d.Account = "" }, "Account", ErrInvalidParam},
		{func(d *Deal) { d.Closed = time.Time{} }, "Closed", ErrMissingCloseTime},
		{func(d *Deal) { d.Amount = clvDec("-1") }, "Amount", ErrNegativeAmount},
	}
	for _, tt := range bad {
		d := won
		tt.change(&d)
		_, _, err := TransactionsFromDeals(slices.Values([]Deal{won, d}))
		var de *DealError
		if !errors.As(err, &de) || de.ID != "9" || de.Field != tt.field || !errors.Is(err, tt.want) {
			t.Errorf("deal %+v: error = %v, want *DealError{Field: %s} wrapping %v", d, err, tt.field, tt.want)
		}
	}
}

// FuzzRFM builds logs from arbitrary bytes and checks invariants: no
// error for valid options, 0 <= t_x <= T, x = 0 implies t_x = 0, values
// add up to at most the customer's total, and the log split at its middle
// and merged gives the same summary.
func FuzzRFM(f *testing.F) {
	f.Add([]byte{0, 0, 10, 20, 0, 0, 18, 5, 0, 10, 9, 10, 0, 20, 9, 30, 1, 30, 23, 9})
	f.Add([]byte{})
	f.Add([]byte{1, 40, 0, 1})
	f.Add([]byte{2, 255, 255, 255, 2, 255, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		var txs []Transaction
		for i := 0; i+3 < len(b); i += 4 {
			txs = append(txs, Transaction{
				Customer: string('a' + rune(b[i]%4)),
				Time:     clvAt(2024, 1, 1+int(b[i+1]), int(b[i+2]%24)),
				Amount:   decimal.New(int64(b[i+3]), -1),
			})
		}
		opts := RFMOptions{CalibrationEnd: clvAt(2024, 3, 1, 0), HoldoutEnd: clvAt(2024, 6, 1, 0), Unit: 7 * 24 * time.Hour}
		whole := clvLog(t, txs...)
		got, err := whole.RFM(opts)
		if err != nil {
			t.Fatal(err)
		}
		hist, err := whole.Historical(decimal.NewFromInt(1))
		if err != nil {
			t.Fatal(err)
		}
		total := map[string]decimal.Decimal{}
		for _, h := range hist {
			total[h.Customer] = h.Revenue
		}
		for _, r := range got {
			if r.Recency < 0 || r.Recency > r.T || (r.Frequency == 0 && r.Recency != 0) || r.HoldoutFrequency < 0 {
				t.Fatalf("bad record %+v", r)
			}
			if r.FirstValue.Add(r.RepeatValue).Add(r.HoldoutValue).GreaterThan(total[r.Customer]) {
				t.Fatalf("record %+v exceeds total %s", r, total[r.Customer])
			}
		}
		a, c := clvLog(t, txs[:len(txs)/2]...), clvLog(t, txs[len(txs)/2:]...)
		a.Merge(c)
		merged, err := a.RFM(opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got, merged, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("merge differs:\n%s", diff)
		}
	})
}

// FuzzCLVMarginMultiple checks the validator and the formula's invariant
// for arbitrary decimal inputs: an error exactly when a rule is broken, and
// otherwise the t=0 variant exceeds the default by m (up to the rounding of
// the two divisions).
func FuzzCLVMarginMultiple(f *testing.F) {
	f.Add("100", "0.8", "0.1")
	f.Add("1", "1", "0")
	f.Add("-50", "0.5", "0")
	f.Add("1e25", "1.2", "-0.05")
	f.Add("0", "0", "0")
	f.Fuzz(func(t *testing.T, ms, rs, is string) {
		m, err1 := decimal.NewFromString(ms)
		r, err2 := decimal.NewFromString(rs)
		i, err3 := decimal.NewFromString(is)
		if err1 != nil || err2 != nil || err3 != nil || m.Exponent() < -30 || r.Exponent() < -30 || i.Exponent() < -30 ||
			m.Abs().GreaterThan(clvDec("1e40")) || i.GreaterThan(clvDec("1e20")) {
			return
		}
		one := decimal.NewFromInt(1)
		valid := !r.IsNegative() && !r.GreaterThan(one) && !i.IsNegative() && one.Add(i).Sub(r).IsPositive()
		base, err := CLVMarginMultiple(CLVMarginParams{Margin: m, Retention: r, Discount: i})
		start, err2 := CLVMarginMultiple(CLVMarginParams{Margin: m, Retention: r, Discount: i, MarginAtStart: true})
		if valid != (err == nil) || valid != (err2 == nil) {
			t.Fatalf("m=%s r=%s i=%s: valid=%v, errors %v, %v", m, r, i, valid, err, err2)
		}
		if !valid {
			var pe *CLVParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *CLVParamError", err)
			}
			return
		}
		if d := start.Sub(base).Sub(m).Abs(); d.GreaterThan(clvDec("1e-10")) {
			t.Fatalf("m=%s r=%s i=%s: start %s - base %s != m", m, r, i, start, base)
		}
	})
}

func BenchmarkTransactionLogRFM(b *testing.B) {
	l := clvLog(b, readCDNOW(b)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.RFM(cdnowRFMOptions); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransactionLogCohorts(b *testing.B) {
	l := clvLog(b, readCDNOW(b)...)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Cohorts(CohortOptions{Period: CohortWeek, AsOf: clvAt(1998, 6, 30, 0)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransactionLogAdd(b *testing.B) {
	txs := readCDNOW(b)
	b.ReportAllocs()
	for b.Loop() {
		var l TransactionLog
		for _, tx := range txs {
			if err := l.Add(tx); err != nil {
				b.Fatal(err)
			}
		}
	}
}
