package clv

import (
	"bufio"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// readCDNOW parses ../testdata/cdnow/CDNOW_sample.txt: whitespace-separated
// master id, sample id, date YYYYMMDD, number of CDs, dollar value.
func readCDNOW(t testing.TB) []Transaction {
	t.Helper()
	f, err := os.Open("../testdata/cdnow/CDNOW_sample.txt")
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
	f, err := os.Open("../testdata/cdnow/cdnow_customers_summary_with_transactions.csv")
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

// TestRFMCDNOW reproduces the published CDNOW summary of all 2,357
// customers from the raw log: x exactly, t_x, T and zbar to the file's two
// decimals. The expectations are the file's own strings (distributed with
// the lifetimes package and derived there independently of this code).
func TestRFMCDNOW(t *testing.T) {
	l, err := LogOf(slices.Values(readCDNOW(t)))
	if err != nil {
		t.Fatal(err)
	}
	want := readCDNOWSummary(t)
	got, err := l.RFM(cdnowRFMOptions)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Customers) != len(want) || len(want) != 2357 || got.Later != 0 {
		t.Fatalf("RFM gave %d customers (%d later), want %d", len(got.Customers), got.Later, len(want))
	}
	for _, r := range got.Customers {
		id, _ := strconv.Atoi(r.ID)
		w, ok := want[strconv.Itoa(id)]
		if !ok {
			t.Fatalf("customer %s not in the summary file", r.ID)
		}
		g := cdnowSummaryRow{X: strconv.Itoa(r.Frequency), Tx: strconv.FormatFloat(r.Recency, 'f', 2, 64), T: strconv.FormatFloat(r.T, 'f', 2, 64), Zbar: r.Monetary.StringFixed(2)}
		if g != w {
			t.Errorf("customer %s: got %+v, want %+v", r.ID, g, w)
		}
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }

func logOf(t testing.TB, txs ...Transaction) *Log {
	t.Helper()
	l, err := LogOf(slices.Values(txs))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// handLog is a small log whose summaries are worked out by hand in the
// tests below.
func handLog(t testing.TB) *Log {
	return logOf(t,
		Transaction{"acme", at(2024, 3, 5, 9), dec("250.50")},
		Transaction{"acme", at(2024, 1, 10, 9), dec("100.00")},
		Transaction{"cara", at(2024, 1, 20, 9), dec("60")},
		Transaction{"acme", at(2024, 3, 5, 17), dec("49.50")},
		Transaction{"beta", at(2024, 2, 1, 0), dec("0")},
		Transaction{"cara", at(2024, 2, 15, 9), dec("40")},
		Transaction{"acme", at(2024, 4, 2, 9), dec("1000")},
		Transaction{"late", at(2024, 4, 5, 9), dec("5")},
	)
}

// TestHistorical checks historical CLV against sums worked by hand: acme
// 100 + 250.50 + 49.50 + 1000 = 1400.00, margin at 25% = 350; beta's one
// purchase of 0; cara 60 + 40 = 100; late 5; total 1505, margin 376.25.
func TestHistorical(t *testing.T) {
	got, err := handLog(t).Historical(dec("0.25"))
	if err != nil {
		t.Fatal(err)
	}
	want := Historical{
		Log:        LogSummary{Customers: 4, Transactions: 8},
		MarginRate: dec("0.25"), Revenue: dec("1505"), Margin: dec("376.25"),
		Customers: []CustomerValue{
			{"acme", 4, dec("1400"), dec("350"), at(2024, 1, 10, 9), at(2024, 4, 2, 9)},
			{"beta", 1, dec("0"), dec("0"), at(2024, 2, 1, 0), at(2024, 2, 1, 0)},
			{"cara", 2, dec("100"), dec("25"), at(2024, 1, 20, 9), at(2024, 2, 15, 9)},
			{"late", 1, dec("5"), dec("1.25"), at(2024, 4, 5, 9), at(2024, 4, 5, 9)},
		},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Historical(0.25) mismatch (-want +got):\n%s", diff)
	}
	// Huge amounts stay exact: 2 x 10^30, and 10^17 + 10^-3 added past the
	// int64 range of the fast path.
	huge := logOf(t, Transaction{"z", at(2024, 1, 1, 0), dec("1e30")}, Transaction{"z", at(2024, 1, 2, 0), dec("1e30")},
		Transaction{"y", at(2024, 1, 1, 0), dec("100000000000000000")}, Transaction{"y", at(2024, 1, 1, 0), dec("0.001")},
		Transaction{"y", at(2024, 1, 1, 0), dec("9223372036854775807")})
	got, err = huge.Historical(decimal.NewFromInt(1))
	if err != nil || len(got.Customers) != 2 || !got.Customers[1].Revenue.Equal(dec("2e30")) ||
		!got.Customers[0].Revenue.Equal(dec("9323372036854775807.001")) || !got.Revenue.Equal(dec("2000000000009323372036854775807.001")) {
		t.Errorf("Historical of huge amounts = %+v, %v", got, err)
	}
	// Empty log: no customers, no error, [] in JSON.
	if got, err := (&Log{}).Historical(decimal.NewFromInt(1)); err != nil || got.Customers == nil || len(got.Customers) != 0 {
		t.Errorf("empty Historical = %v, %v", got, err)
	}
	for _, bad := range []string{"-0.01", "1.01"} {
		if _, err := handLog(t).Historical(dec(bad)); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Historical(%s) error = %v, want ErrInvalidParam", bad, err)
		}
	}
}

func rate(n, d int64) funnel.Rate {
	r := funnel.Ratio{Num: n, Den: d}
	iv, err := r.Wilson(0.95)
	if err != nil {
		panic(err)
	}
	return funnel.Rate{Ratio: r, Interval: iv}
}

// age is one age of a cohort: customers active, cumulative amount and
// amount per customer.
func age(active, size int64, amount, perUnit string) funnel.CohortValue {
	return funnel.CohortValue{Count: active, Rate: rate(active, size), Amount: dec(amount), PerUnit: dec(perUnit)}
}

// TestCohorts checks cohort tables worked out by hand. Monthly, as of the
// end of March 2024: the January cohort is acme and cara, with revenue
// 100 + 60 = 160 in January (both active), 40 in February (cara) and
// 250.50 + 49.50 = 300 in March (acme; acme's April purchase is after
// AsOf), so cumulative 160, 200, 500, or 80, 100, 250 per customer; the
// February cohort is beta alone with zero revenue; late first bought after
// AsOf and is left out, its purchase and acme's April one are the two later
// transactions. Weekly and quarterly cases are worked the same way from the
// calendar (2024-01-01 is a Monday).
func TestCohorts(t *testing.T) {
	tests := []struct {
		name string
		log  *Log
		opts CohortOptions
		want Cohorts
	}{
		{"monthly", handLog(t), CohortOptions{AsOf: time.Date(2024, 3, 31, 23, 59, 59, 0, time.UTC)}, Cohorts{
			Log: LogSummary{Customers: 4, Transactions: 8}, AsOf: time.Date(2024, 3, 31, 23, 59, 59, 0, time.UTC),
			Location: "UTC", Later: 1, LaterTransactions: 2, Cohorts: []funnel.Cohort{
				{Start: at(2024, 1, 1, 0), Size: 2, Ages: []funnel.CohortValue{age(2, 2, "160", "80"), age(1, 2, "200", "100"), age(1, 2, "500", "250")}},
				{Start: at(2024, 2, 1, 0), Size: 1, Ages: []funnel.CohortValue{age(1, 1, "0", "0"), age(0, 1, "0", "0")}},
			}}},
		{"through the last purchase", handLog(t), CohortOptions{}, Cohorts{
			Log: LogSummary{Customers: 4, Transactions: 8}, Location: "UTC", Cohorts: []funnel.Cohort{
				{Start: at(2024, 1, 1, 0), Size: 2, Ages: []funnel.CohortValue{age(2, 2, "160", "80"), age(1, 2, "200", "100"), age(1, 2, "500", "250"), age(1, 2, "1500", "750")}},
				{Start: at(2024, 2, 1, 0), Size: 1, Ages: []funnel.CohortValue{age(1, 1, "0", "0"), age(0, 1, "0", "0"), age(0, 1, "0", "0")}},
				{Start: at(2024, 4, 1, 0), Size: 1, Ages: []funnel.CohortValue{age(1, 1, "5", "5")}},
			}}},
		{"weekly", logOf(t,
			Transaction{"w", at(2024, 1, 3, 12), dec("10")},
			Transaction{"w", at(2024, 1, 8, 0), dec("5")},
			Transaction{"w", at(2024, 1, 21, 23), dec("1")},
			Transaction{"v", at(2024, 1, 7, 1), dec("3")},
		), CohortOptions{Period: funnel.Week, AsOf: at(2024, 1, 22, 12)}, Cohorts{
			Log: LogSummary{Customers: 2, Transactions: 4}, Period: funnel.Week, AsOf: at(2024, 1, 22, 12), Location: "UTC",
			Cohorts: []funnel.Cohort{
				{Start: at(2024, 1, 1, 0), Size: 2, Ages: []funnel.CohortValue{age(2, 2, "13", "6.5"), age(1, 2, "18", "9"), age(1, 2, "19", "9.5"), age(0, 2, "19", "9.5")}},
			}}},
		{"quarterly", logOf(t,
			Transaction{"q", at(2023, 12, 31, 12), dec("10")},
			Transaction{"q", at(2024, 2, 1, 0), dec("5")},
			Transaction{"r", at(2024, 1, 1, 0), dec("7")},
		), CohortOptions{Period: funnel.Quarter, AsOf: at(2024, 4, 1, 0)}, Cohorts{
			Log: LogSummary{Customers: 2, Transactions: 3}, Period: funnel.Quarter, AsOf: at(2024, 4, 1, 0), Location: "UTC",
			Cohorts: []funnel.Cohort{
				{Start: at(2023, 10, 1, 0), Size: 1, Ages: []funnel.CohortValue{age(1, 1, "10", "10"), age(1, 1, "15", "15"), age(0, 1, "15", "15")}},
				{Start: at(2024, 1, 1, 0), Size: 1, Ages: []funnel.CohortValue{age(1, 1, "7", "7"), age(0, 1, "7", "7")}},
			}}},
		{"thirds round half away from zero", logOf(t,
			Transaction{"a", at(2024, 1, 1, 0), dec("1")},
			Transaction{"b", at(2024, 1, 2, 0), dec("0")},
			Transaction{"c", at(2024, 1, 3, 0), dec("1")},
		), CohortOptions{AsOf: at(2024, 1, 31, 0)}, Cohorts{
			Log: LogSummary{Customers: 3, Transactions: 3}, AsOf: at(2024, 1, 31, 0), Location: "UTC",
			Cohorts: []funnel.Cohort{{Start: at(2024, 1, 1, 0), Size: 3, Ages: []funnel.CohortValue{age(3, 3, "2", "0.6666666667")}}},
		}},
		{"empty", &Log{}, CohortOptions{AsOf: at(2024, 1, 31, 0)}, Cohorts{AsOf: at(2024, 1, 31, 0), Location: "UTC", Cohorts: []funnel.Cohort{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.log.Cohorts(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Cohorts mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := handLog(t).Cohorts(CohortOptions{Period: 9}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Cohorts with period 9: error = %v, want ErrInvalidParam", err)
	}
	// Daily cohorts from year 1 to 3000: more cells than the bound.
	wide := logOf(t, Transaction{"a", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), dec("1")}, Transaction{"b", at(3000, 1, 2, 0), dec("1")})
	if _, err := wide.Cohorts(CohortOptions{Period: funnel.Day}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Cohorts over 3,000 years of days: error = %v, want ErrInvalidParam", err)
	}
}

// TestCohortZones checks that cohorts start where [funnel.Period.Start]
// puts the period of the first purchase, in zones whose clock skips or
// repeats midnight (America/Havana, America/Santiago) and on the day
// Pacific/Apia skipped (2011-12-30): every 15 minutes across the
// transitions, one customer per instant.
func TestCohortZones(t *testing.T) {
	cases := []struct {
		zone     string
		from, to time.Time
	}{
		{"America/Havana", time.Date(2023, 3, 11, 12, 0, 0, 0, time.UTC), time.Date(2023, 3, 13, 12, 0, 0, 0, time.UTC)},
		{"America/Havana", time.Date(2023, 11, 4, 12, 0, 0, 0, time.UTC), time.Date(2023, 11, 6, 12, 0, 0, 0, time.UTC)},
		{"America/Santiago", time.Date(2023, 4, 1, 12, 0, 0, 0, time.UTC), time.Date(2023, 4, 3, 12, 0, 0, 0, time.UTC)},
		{"America/Santiago", time.Date(2023, 9, 2, 12, 0, 0, 0, time.UTC), time.Date(2023, 9, 4, 12, 0, 0, 0, time.UTC)},
		{"Pacific/Apia", time.Date(2011, 12, 29, 0, 0, 0, 0, time.UTC), time.Date(2011, 12, 31, 12, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []funnel.Period{funnel.Day, funnel.Week, funnel.Month} {
			l, err := NewLog(LogOptions{Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			want := map[time.Time]int64{}
			for tm, i := c.from, 0; tm.Before(c.to); tm, i = tm.Add(15*time.Minute), i+1 {
				if err := l.Add(Transaction{Customer: strconv.Itoa(i), Time: tm, Amount: decimal.NewFromInt(1)}); err != nil {
					t.Fatal(err)
				}
				want[p.Start(tm, loc)]++
			}
			got, err := l.Cohorts(CohortOptions{Period: p, AsOf: c.to})
			if err != nil {
				t.Fatal(err)
			}
			gotSizes := map[time.Time]int64{}
			for _, co := range got.Cohorts {
				gotSizes[co.Start] = co.Size
				if !co.Start.Equal(p.Start(co.Start, loc)) {
					t.Errorf("%s %v: cohort start %v is not a period start", c.zone, p, co.Start)
				}
			}
			if diff := cmp.Diff(want, gotSizes); diff != "" {
				t.Errorf("%s %v: cohort sizes by start (-funnel.Period +got):\n%s", c.zone, p, diff)
			}
		}
	}
}

// TestRFM checks RFM summaries worked out by hand (unit: one day, so times
// are day counts). Customer a: first day 1 Jan (20.00 + 5.00 merged = 25),
// repeat days 11 Jan (10) and 21 Jan (30 + 0 merged), so x = 2, t_x = 20,
// T = 31 Jan - 1 Jan = 30, repeat value 40, zbar 20; in the holdout one
// day (10 Feb: 7 + 3 = 10); the 5 Mar purchase is after the holdout. b
// bought once at 23:00 on the calibration end day: x = 0, T = 0. c first
// bought in the holdout and is left out (Later). e bought on 15 Jan
// (T = 16) and at 23:00 on the holdout's last day, which counts.
func TestRFM(t *testing.T) {
	txs := []Transaction{
		{"a", at(2024, 1, 1, 10), dec("20.00")},
		{"a", at(2024, 1, 21, 9), dec("30")},
		{"a", at(2024, 1, 1, 18), dec("5.00")},
		{"a", at(2024, 1, 11, 9), dec("10")},
		{"a", at(2024, 1, 21, 9), dec("0")},
		{"a", at(2024, 2, 10, 9), dec("7")},
		{"a", at(2024, 2, 10, 11), dec("3")},
		{"a", at(2024, 3, 5, 9), dec("100")},
		{"b", at(2024, 1, 31, 23), dec("9.99")},
		{"c", at(2024, 2, 1, 0), dec("1")},
		{"e", at(2024, 1, 15, 0), dec("2")},
		{"e", at(2024, 2, 29, 23), dec("3")},
	}
	l := logOf(t, txs...)
	opts := RFMOptions{CalibrationEnd: at(2024, 1, 31, 0), HoldoutEnd: at(2024, 2, 29, 0), Unit: 24 * time.Hour}
	got, err := l.RFM(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := RFM{
		Log: LogSummary{Customers: 4, Transactions: 12}, CalibrationEnd: opts.CalibrationEnd, HoldoutEnd: opts.HoldoutEnd, Unit: opts.Unit, Later: 1,
		Customers: []Customer{
			{ID: "a", First: at(2024, 1, 1, 0), Frequency: 2, Recency: 20, T: 30, Monetary: dec("20"), FirstValue: dec("25"), RepeatValue: dec("40"), Holdout: 1, HoldoutValue: dec("10")},
			{ID: "b", First: at(2024, 1, 31, 0), T: 0, FirstValue: dec("9.99")},
			{ID: "e", First: at(2024, 1, 15, 0), T: 16, FirstValue: dec("2"), Holdout: 1, HoldoutValue: dec("3")},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RFM mismatch (-want +got):\n%s", diff)
	}

	// In weeks, the same customer has t_x = 20/7 and T = 30/7.
	opts.Unit = 7 * 24 * time.Hour
	got, err = l.RFM(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got.Customers[0].Recency != 20.0/7 || got.Customers[0].T != 30.0/7 {
		t.Errorf("weeks: t_x = %v, T = %v; want 20/7, 30/7", got.Customers[0].Recency, got.Customers[0].T)
	}

	// Without a holdout, later purchases are ignored.
	opts.HoldoutEnd = time.Time{}
	got, err = l.RFM(opts)
	if err != nil || got.Customers[0].Holdout != 0 || !got.Customers[0].HoldoutValue.IsZero() {
		t.Errorf("no holdout: %+v, %v", got.Customers[0], err)
	}

	// Calendar days follow the log's zone: 23:30 UTC on 31 Jan is 1 Feb at
	// UTC+2, after the calibration end, so the customer is left out there.
	d := logOf(t, Transaction{"d", time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC), dec("1")})
	opts = RFMOptions{CalibrationEnd: at(2024, 1, 31, 0), Unit: 24 * time.Hour}
	if got, err := d.RFM(opts); err != nil || len(got.Customers) != 1 {
		t.Errorf("UTC: %+v, %v; want one customer", got, err)
	}
	plus2, _ := NewLog(LogOptions{Location: time.FixedZone("UTC+2", 2*3600)})
	if err := plus2.Add(Transaction{"d", time.Date(2024, 1, 31, 23, 30, 0, 0, time.UTC), dec("1")}); err != nil {
		t.Fatal(err)
	}
	if got, err := plus2.RFM(RFMOptions{CalibrationEnd: time.Date(2024, 1, 31, 12, 0, 0, 0, time.FixedZone("UTC+2", 2*3600)), Unit: 24 * time.Hour}); err != nil || len(got.Customers) != 0 || got.Later != 1 {
		t.Errorf("UTC+2: %+v, %v; want none, one later", got, err)
	}

	// Empty log and bad options.
	if got, err := (&Log{}).RFM(RFMOptions{CalibrationEnd: at(2024, 1, 1, 0), Unit: time.Hour}); err != nil || got.Customers == nil || len(got.Customers) != 0 {
		t.Errorf("empty RFM = %v, %v", got, err)
	}
	for _, o := range []RFMOptions{
		{Unit: time.Hour},
		{CalibrationEnd: at(2024, 1, 1, 0)},
		{CalibrationEnd: at(2024, 1, 1, 0), Unit: -time.Hour},
		{CalibrationEnd: at(2024, 1, 2, 0), HoldoutEnd: at(2024, 1, 1, 0), Unit: time.Hour},
	} {
		if _, err := l.RFM(o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("RFM(%+v) error = %v, want ErrInvalidParam", o, err)
		}
	}
}

// TestLogAdd checks that bad records are refused with a typed error naming
// the record, and leave the log unchanged.
func TestLogAdd(t *testing.T) {
	var l Log
	if err := l.Add(Transaction{"a", at(2024, 1, 1, 0), dec("1")}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		tx    Transaction
		field string
		want  error
	}{
		{Transaction{"", at(2024, 1, 1, 0), dec("1")}, "Customer", funnel.ErrInvalidParam},
		{Transaction{"a", time.Time{}, dec("1")}, "Time", funnel.ErrInvalidParam},
		{Transaction{"a", at(2024, 1, 1, 0), dec("-0.01")}, "Amount", funnel.ErrNegativeAmount},
		{Transaction{"a", at(2024, 1, 1, 0), dec("1e-65")}, "Amount", funnel.ErrInvalidParam},
		{Transaction{"a", at(2024, 1, 1, 0), decimal.New(1, 1<<30)}, "Amount", funnel.ErrInvalidParam},
	}
	for _, tt := range tests {
		err := l.Add(tt.tx)
		var te *TransactionError
		if !errors.As(err, &te) || !errors.Is(err, tt.want) || te.Field != tt.field || te.Index != 1 || te.Customer != tt.tx.Customer {
			t.Errorf("Add(%+v) error = %v, want *TransactionError{Index: 1, Field: %s} wrapping %v", tt.tx, err, tt.field, tt.want)
		}
	}
	if l.Count() != 1 || l.Len() != 1 {
		t.Errorf("after refused records: Count() = %d, Len() = %d; want 1, 1", l.Count(), l.Len())
	}
	_, err := LogOf(slices.Values([]Transaction{{"a", at(2024, 1, 1, 0), dec("1")}, {}}))
	var te *TransactionError
	if !errors.As(err, &te) || te.Index != 1 {
		t.Errorf("LogOf with a bad second record: %v", err)
	}
	if _, err := LogOf(nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("LogOf(nil) = %v, want ErrInvalidParam", err)
	}
	if _, err := NewLog(LogOptions{Confidence: 1.5}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewLog with confidence 1.5 = %v, want ErrInvalidParam", err)
	}
}

// logResults gathers every summary of a log, for merge comparisons.
type logResults struct {
	Len, Count int
	Historical Historical
	Cohorts    Cohorts
	RFM        RFM
	Retention  Retention
	Tracking   Tracking
	Bytes      []byte
}

func summaries(t testing.TB, l *Log) logResults {
	t.Helper()
	h, err := l.Historical(dec("0.3"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := l.Cohorts(CohortOptions{Period: funnel.Week, AsOf: at(1998, 6, 30, 0)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := l.RFM(cdnowRFMOptions)
	if err != nil {
		t.Fatal(err)
	}
	ret, err := l.Retention(CohortOptions{Period: funnel.Month, AsOf: at(1998, 6, 30, 0)})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := l.Tracking(paperBGNBD, TrackingOptions{CalibrationEnd: cdnowRFMOptions.CalibrationEnd, End: cdnowRFMOptions.HoldoutEnd, Unit: cdnowRFMOptions.Unit, Period: funnel.Week})
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return logResults{l.Len(), l.Count(), h, c, r, ret, tr, b}
}

func mustMerge(t testing.TB, a, b *Log) {
	t.Helper()
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
}

// TestLogMerge checks the merge property on CDNOW: logs built from any
// split of the records (prefix/suffix at several cut points, interleaved
// thirds, and parts sent through their binary encoding) and merged give
// exactly the one-pass summaries and bytes; the merged argument is
// unchanged; and (a+b)+c equals a+(b+c).
func TestLogMerge(t *testing.T) {
	txs := readCDNOW(t)
	want := summaries(t, logOf(t, txs...))
	for _, cut := range []int{0, 1, len(txs) / 2, len(txs)} {
		a, b := logOf(t, txs[:cut]...), logOf(t, txs[cut:]...)
		before := summaries(t, b)
		mustMerge(t, a, b)
		if diff := cmp.Diff(want, summaries(t, a)); diff != "" {
			t.Fatalf("cut %d: merged summaries differ (-one pass +merged):\n%s", cut, diff)
		}
		if diff := cmp.Diff(before, summaries(t, b)); diff != "" {
			t.Fatalf("cut %d: Merge modified its argument:\n%s", cut, diff)
		}
	}
	var parts [3][]Transaction
	for i, tx := range txs {
		parts[i%3] = append(parts[i%3], tx)
	}
	left := logOf(t, parts[0]...)
	mustMerge(t, left, logOf(t, parts[1]...))
	mustMerge(t, left, logOf(t, parts[2]...))
	bc := logOf(t, parts[1]...)
	mustMerge(t, bc, logOf(t, parts[2]...))
	right := logOf(t, parts[0]...)
	mustMerge(t, right, bc)
	mustMerge(t, right, &Log{})
	var zero Log
	mustMerge(t, &zero, right)
	decoded := &Log{}
	for _, p := range parts {
		b, err := logOf(t, p...).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d Log
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		mustMerge(t, decoded, &d)
	}
	for name, l := range map[string]*Log{"(a+b)+c": left, "a+(b+c)": right, "empty+all": &zero, "decoded parts": decoded} {
		if diff := cmp.Diff(want, summaries(t, l)); diff != "" {
			t.Errorf("%s differs from one pass:\n%s", name, diff)
		}
	}
	if err := left.Merge(left); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("self-merge: %v, want ErrInvalidParam", err)
	}
	if err := left.Merge(nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil merge: %v, want ErrInvalidParam", err)
	}
	other, _ := NewLog(LogOptions{Location: time.FixedZone("UTC+1", 3600)})
	if err := left.Merge(other); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("merge across zones: %v, want ErrIncompatible", err)
	}
}

// TestCohortsCDNOW compares the monthly CDNOW cohorts with an independent
// computation in plain Python from the raw log
// (testdata/cdnow_cohorts.py, whose output is testdata/cdnow_cohorts.txt):
// cohort sizes, customers active at each age and cumulative revenue.
func TestCohortsCDNOW(t *testing.T) {
	b, err := os.ReadFile("testdata/cdnow_cohorts.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(b)), "\n")
	l := logOf(t, readCDNOW(t)...)
	got, err := l.Cohorts(CohortOptions{AsOf: time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range got.Cohorts {
		for k, a := range c.Ages {
			lines = append(lines, c.Start.Format("2006-01")+" "+strconv.Itoa(k)+" "+strconv.FormatInt(c.Size, 10)+" "+
				strconv.FormatInt(a.Count, 10)+" "+a.Amount.Shift(2).String())
		}
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("CDNOW cohorts (-python +got):\n%s", diff)
	}
}

// TestSortedNames checks the prefix-keyed sort of customer names against
// slices.Sort of the names: prefixes that tie, names shorter than a
// prefix, zero bytes, bytes above 0x7f.
func TestSortedNames(t *testing.T) {
	names := []string{"", "a", "a\x00", "a\x00\x00", "abcdefgh", "abcdefgh\x00", "abcdefghi", "abcdefgha", "abcdefg",
		"\xff", "\xff\xff", "é", "z", "10", "9", "100", "1", "01", "abcdefghz", "abcdefghij"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = "ab\x00\xff9"[rng.IntN(5)]
		}
		names = append(names, string(b))
	}
	// account numbers, as exports have them: six bytes or fewer, the
	// padding bytes the same in all
	var numbers []string
	for i := range 3000 {
		numbers = append(numbers, strconv.Itoa(rng.IntN(200_000)), strconv.Itoa(i))
	}
	// few names (a comparison sort), and the same beyond radixNames
	for _, set := range [][]string{names[:40], names, numbers, {"b", "a"}} {
		var l Log
		for _, n := range set {
			if _, ok := l.find(n); !ok && n != "" {
				l.add(n, time.Unix(1, 0), decimal.NewFromInt(1))
			}
		}
		want := slices.Clone(l.names)
		slices.Sort(want)
		var got []string
		for _, c := range l.sortedNames() {
			got = append(got, l.names[c])
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d names: sorted names (-want +got):\n%s", len(set), diff)
		}
	}
}
