package clv

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mv(customers int64, revenue string) Movement {
	return Movement{Customers: customers, Revenue: dec(revenue)}
}

func moneyRate(num, den string, iv funnel.Interval) funnel.MoneyRate {
	return funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: dec(num), Den: dec(den)}, Interval: iv}
}

// ratioInterval is the ratio-estimator interval R ± z sqrt(ss/(n-1)/n)/xbar
// from a sum of squared deviations worked out by hand.
func ratioInterval(r, ss float64, n int, xbar, lo, hi float64) funnel.Interval {
	se := math.Sqrt(ss/float64(n-1)/float64(n)) / xbar
	z := stat.Z(0.95)
	return funnel.Interval{Lo: math.Max(lo, r-z*se), Hi: math.Min(hi, r+z*se), Confidence: 0.95, Defined: true}
}

// TestRetention checks revenue retention tables worked out by hand.
//
// "published example": the worked example of the revenuecalculators.com
// guide "Net revenue retention" (starting MRR 50,000, expansion 6,000,
// contraction 2,000, churn 3,000: NRR = 102%, and GRR = (50,000 - 2,000 -
// 3,000) / 50,000 = 90%), built from five January customers: A 20,000 ->
// 26,000 in February (expansion 6,000), B 15,000 -> 13,000 (contraction
// 2,000), C 10,000 -> 10,000, D 3,000 -> nothing (churn), E 2,000 -> 2,000,
// with F new in February (4,000) and G, who bought 1,000 in December and
// nothing in January, back in February (reactivated, 1,500). February:
// closing = 50,000 + 4,000 + 1,500 + 6,000 - 2,000 - 3,000 = 56,500 over
// 6 customers; retained 4 of 5. The intervals: for GRR, with y = min(x,
// y), the deviations y - 0.9x are 2,000, -500, 1,000, -2,700, 200, whose
// squares sum to 12,580,000; for NRR the deviations y - 1.02x are 5,600,
// -2,300, -200, -3,060, -40, squares summing to 46,055,200; n = 5, mean
// opening 10,000.
//
// "Chargebee example": the example of Chargebee's "Retention" metrics
// page, MRR 5,000 at the beginning of the period and 6,000 at its end from
// the same subscription: GRR = min(5,000, 6,000) / 5,000 = 1, NRR = 1.2,
// one customer, so no interval.
func TestRetention(t *testing.T) {
	feb := time.Date(2024, 2, 29, 23, 59, 59, 999_999_999, time.UTC)
	published := logOf(t,
		Transaction{"G", at(2023, 12, 10, 9), dec("1000")},
		Transaction{"A", at(2024, 1, 3, 9), dec("12000")}, Transaction{"A", at(2024, 1, 20, 9), dec("8000")},
		Transaction{"B", at(2024, 1, 5, 9), dec("15000")},
		Transaction{"C", at(2024, 1, 31, 23), dec("10000")},
		Transaction{"D", at(2024, 1, 1, 0), dec("3000")},
		Transaction{"E", at(2024, 1, 9, 9), dec("2000")},
		Transaction{"A", at(2024, 2, 1, 0), dec("26000")},
		Transaction{"B", at(2024, 2, 2, 9), dec("13000")},
		Transaction{"C", at(2024, 2, 3, 9), dec("4000")}, Transaction{"C", at(2024, 2, 3, 10), dec("6000")},
		Transaction{"E", at(2024, 2, 29, 23), dec("2000")},
		Transaction{"F", at(2024, 2, 14, 9), dec("4000")},
		Transaction{"G", at(2024, 2, 20, 9), dec("1500")},
		Transaction{"late", at(2024, 3, 1, 0), dec("99")},
		Transaction{"A", at(2024, 3, 2, 0), dec("1")},
	)
	undef := funnel.Rate{}
	tests := []struct {
		name string
		log  *Log
		opts CohortOptions
		want Retention
	}{
		{"published example", published, CohortOptions{AsOf: feb}, Retention{
			Log: LogSummary{Customers: 8, Transactions: 16}, AsOf: feb, Location: "UTC", Later: 1, LaterTransactions: 2,
			Periods: []RetentionPeriod{
				{Start: at(2023, 12, 1, 0), New: mv(1, "1000"), Closing: mv(1, "1000"), CustomerRetention: undef},
				{Start: at(2024, 1, 1, 0), Opening: mv(1, "1000"), New: mv(5, "50000"), Churn: mv(1, "1000"), Retained: mv(0, "0"), Closing: mv(5, "50000"),
					CustomerRetention: rate(0, 1), GRR: moneyRate("0", "1000", funnel.Interval{}), NRR: moneyRate("0", "1000", funnel.Interval{})},
				{Start: at(2024, 2, 1, 0), Opening: mv(5, "50000"), New: mv(1, "4000"), Reactivated: mv(1, "1500"), Expansion: mv(1, "6000"),
					Contraction: mv(1, "2000"), Churn: mv(1, "3000"), Retained: mv(4, "51000"), Closing: mv(6, "56500"),
					CustomerRetention: rate(4, 5),
					GRR:               moneyRate("45000", "50000", ratioInterval(0.9, 12_580_000, 5, 10_000, 0, 1)),
					NRR:               moneyRate("51000", "50000", ratioInterval(1.02, 46_055_200, 5, 10_000, 0, math.Inf(1)))},
			}}},
		{"Chargebee example", logOf(t, Transaction{"s", at(2024, 1, 1, 0), dec("5000")}, Transaction{"s", at(2024, 2, 1, 0), dec("6000")}),
			CohortOptions{AsOf: feb}, Retention{
				Log: LogSummary{Customers: 1, Transactions: 2}, AsOf: feb, Location: "UTC",
				Periods: []RetentionPeriod{
					{Start: at(2024, 1, 1, 0), New: mv(1, "5000"), Closing: mv(1, "5000"), CustomerRetention: undef},
					{Start: at(2024, 2, 1, 0), Opening: mv(1, "5000"), Expansion: mv(1, "1000"), Retained: mv(1, "6000"), Closing: mv(1, "6000"),
						CustomerRetention: rate(1, 1), GRR: moneyRate("5000", "5000", funnel.Interval{}), NRR: moneyRate("6000", "5000", funnel.Interval{})},
				}}},
		{"one record, through it: partial", logOf(t, Transaction{"a", at(2024, 5, 17, 12), dec("9.99")}), CohortOptions{Period: funnel.Week},
			Retention{Log: LogSummary{Customers: 1, Transactions: 1}, Period: funnel.Week, Location: "UTC",
				Periods: []RetentionPeriod{{Start: at(2024, 5, 13, 0), Partial: true, New: mv(1, "9.99"), Closing: mv(1, "9.99"), CustomerRetention: undef}}}},
		{"zero amounts and a skipped period: active without revenue, churned, reactivated", logOf(t,
			Transaction{"a", at(2024, 1, 1, 0), dec("0")}, Transaction{"b", at(2024, 1, 2, 0), dec("0")},
			Transaction{"a", at(2024, 2, 1, 0), dec("0")}, Transaction{"b", at(2024, 3, 1, 0), dec("5")}),
			CohortOptions{Period: funnel.Month, AsOf: at(2024, 3, 31, 0)}, Retention{
				Log: LogSummary{Customers: 2, Transactions: 4}, AsOf: at(2024, 3, 31, 0), Location: "UTC",
				Periods: []RetentionPeriod{
					{Start: at(2024, 1, 1, 0), New: mv(2, "0"), Closing: mv(2, "0"), CustomerRetention: undef},
					// a stays at zero (retained, neither expansion nor
					// contraction); b churns with zero revenue
					{Start: at(2024, 2, 1, 0), Opening: mv(2, "0"), Churn: mv(1, "0"), Retained: mv(1, "0"), Closing: mv(1, "0"),
						CustomerRetention: rate(1, 2), GRR: moneyRate("0", "0", funnel.Interval{}), NRR: moneyRate("0", "0", funnel.Interval{})},
					{Start: at(2024, 3, 1, 0), Partial: true, Opening: mv(1, "0"), Reactivated: mv(1, "5"), Churn: mv(1, "0"), Retained: mv(0, "0"), Closing: mv(1, "5"),
						CustomerRetention: rate(0, 1), GRR: moneyRate("0", "0", funnel.Interval{}), NRR: moneyRate("0", "0", funnel.Interval{})},
				}}},
		{"huge amounts stay exact", logOf(t,
			Transaction{"a", at(2024, 1, 1, 0), dec("1e30")}, Transaction{"a", at(2024, 1, 2, 0), dec("0.000001")},
			Transaction{"a", at(2024, 2, 1, 0), dec("1e30")}),
			CohortOptions{AsOf: feb}, Retention{
				Log: LogSummary{Customers: 1, Transactions: 3}, AsOf: feb, Location: "UTC",
				Periods: []RetentionPeriod{
					{Start: at(2024, 1, 1, 0), New: mv(1, "1000000000000000000000000000000.000001"), Closing: mv(1, "1000000000000000000000000000000.000001"), CustomerRetention: undef},
					{Start: at(2024, 2, 1, 0), Opening: mv(1, "1000000000000000000000000000000.000001"), Contraction: mv(1, "0.000001"),
						Retained: mv(1, "1e30"), Closing: mv(1, "1e30"), CustomerRetention: rate(1, 1),
						GRR: moneyRate("1e30", "1000000000000000000000000000000.000001", funnel.Interval{}),
						NRR: moneyRate("1e30", "1000000000000000000000000000000.000001", funnel.Interval{})},
				}}},
		{"empty", &Log{}, CohortOptions{}, Retention{Location: "UTC", Periods: []RetentionPeriod{}}},
		{"only later transactions", logOf(t, Transaction{"a", at(2024, 3, 1, 0), dec("1")}), CohortOptions{AsOf: feb},
			Retention{Log: LogSummary{Customers: 1, Transactions: 1}, AsOf: feb, Location: "UTC", Later: 1, LaterTransactions: 1, Periods: []RetentionPeriod{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.log.Retention(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("Retention mismatch (-want +got):\n%s", diff)
			}
			checkReconciles(t, got)
		})
	}
	// The GRR of the published example is 90% and its NRR 102%.
	r, _ := published.Retention(CohortOptions{AsOf: feb})
	if g, _ := r.Periods[2].GRR.Value(); !g.Equal(dec("0.9")) {
		t.Errorf("GRR = %s, want 0.9", g)
	}
	if n, _ := r.Periods[2].NRR.Value(); !n.Equal(dec("1.02")) {
		t.Errorf("NRR = %s, want 1.02", n)
	}
	// The data end on 15 February: February is partial.
	if r, _ := published.Retention(CohortOptions{AsOf: at(2024, 2, 15, 0)}); !r.Periods[2].Partial || r.Periods[1].Partial {
		t.Errorf("as of 15 February: partial flags %v %v, want false true", r.Periods[1].Partial, r.Periods[2].Partial)
	}
	if _, err := published.Retention(CohortOptions{Period: 9}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Retention with period 9: error = %v, want ErrInvalidParam", err)
	}
	wide := logOf(t, Transaction{"a", at(2, 1, 1, 0), dec("1")}, Transaction{"a", at(5000, 1, 1, 0), dec("1")})
	if _, err := wide.Retention(CohortOptions{Period: funnel.Day}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Retention over 5,000 years of days: error = %v, want ErrInvalidParam", err)
	}
}

// checkReconciles requires the identities of [Retention] in every period,
// exactly: closing = opening + new + reactivated + expansion - contraction
// - churn in revenue; closing = opening - churn + new + reactivated and
// retained = opening - churn in customers; retained revenue = opening +
// expansion - contraction - churn; the GRR numerator = opening -
// contraction - churn; each opening is the previous closing.
func checkReconciles(t testing.TB, r Retention) {
	t.Helper()
	for i, p := range r.Periods {
		end := p.Opening.Revenue.Add(p.New.Revenue).Add(p.Reactivated.Revenue).Add(p.Expansion.Revenue).Sub(p.Contraction.Revenue).Sub(p.Churn.Revenue)
		if !end.Equal(p.Closing.Revenue) {
			t.Fatalf("period %d: opening + movements = %s, closing %s", i, end, p.Closing.Revenue)
		}
		if p.Opening.Customers-p.Churn.Customers+p.New.Customers+p.Reactivated.Customers != p.Closing.Customers ||
			p.Opening.Customers-p.Churn.Customers != p.Retained.Customers ||
			p.Expansion.Customers+p.Contraction.Customers > p.Retained.Customers {
			t.Fatalf("period %d: customers do not reconcile: %+v", i, p)
		}
		if ret := p.Opening.Revenue.Add(p.Expansion.Revenue).Sub(p.Contraction.Revenue).Sub(p.Churn.Revenue); !ret.Equal(p.Retained.Revenue) || !p.NRR.Num.Equal(ret) {
			t.Fatalf("period %d: retained revenue %s, NRR numerator %s, want %s", i, p.Retained.Revenue, p.NRR.Num, ret)
		}
		if g := p.Opening.Revenue.Sub(p.Contraction.Revenue).Sub(p.Churn.Revenue); !g.Equal(p.GRR.Num) || !p.GRR.Den.Equal(p.Opening.Revenue) {
			t.Fatalf("period %d: GRR %s/%s, want %s/%s", i, p.GRR.Num, p.GRR.Den, g, p.Opening.Revenue)
		}
		if i > 0 && p.Opening != r.Periods[i-1].Closing && !(p.Opening.Customers == r.Periods[i-1].Closing.Customers && p.Opening.Revenue.Equal(r.Periods[i-1].Closing.Revenue)) {
			t.Fatalf("period %d: opening %+v is not the previous closing %+v", i, p.Opening, r.Periods[i-1].Closing)
		}
		for _, iv := range []funnel.Interval{p.GRR.Interval, p.NRR.Interval, p.CustomerRetention.Interval} {
			if iv.Defined && (!finite(iv.Lo) || !finite(iv.Hi) || iv.Lo > iv.Hi || iv.Lo < 0) {
				t.Fatalf("period %d: bad interval %+v", i, iv)
			}
		}
		if p.GRR.Interval.Defined && p.GRR.Interval.Hi > 1 {
			t.Fatalf("period %d: GRR interval above 1: %+v", i, p.GRR.Interval)
		}
	}
}

// genTransactions returns n random transactions of up to 40 customers over
// two years, with amounts of 0 to 4 decimals, some zero, some huge, some
// on the same day.
func genTransactions(n int, seed uint64) []Transaction {
	rng := rand.New(rand.NewPCG(seed, 3))
	out := make([]Transaction, n)
	for i := range out {
		amt := dec(strconv.Itoa(rng.IntN(100000)))
		amt = amt.Shift(-int32(rng.IntN(5)))
		switch rng.IntN(20) {
		case 0:
			amt = dec("0")
		case 1:
			amt = dec("1e25").Add(amt)
		}
		out[i] = Transaction{
			Customer: "c" + strconv.Itoa(rng.IntN(40)),
			Time:     time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(730 * 24 * time.Hour)))),
			Amount:   amt,
		}
	}
	return out
}

// TestRetentionProperty checks on random logs, in three zones and four
// periods, that every period reconciles exactly (start + new + reactivated
// + expansion - contraction - churn = end, to the last digit), that new
// customers over all periods are the customers, and that logs built from
// random splits of the records, some sent through their binary encoding,
// merge to the one-pass table.
func TestRetentionProperty(t *testing.T) {
	zones := []*time.Location{time.UTC, mustZone(t, "America/Havana"), mustZone(t, "Pacific/Apia")}
	for seed := range uint64(6) {
		txs := genTransactions(400+int(seed)*150, seed)
		loc := zones[seed%3]
		build := func(part []Transaction) *Log {
			l, _ := NewLog(LogOptions{Location: loc})
			for _, tx := range part {
				if err := l.Add(tx); err != nil {
					t.Fatal(err)
				}
			}
			return l
		}
		for _, p := range []funnel.Period{funnel.Month, funnel.Week, funnel.Quarter, funnel.Day} {
			opts := CohortOptions{Period: p, AsOf: time.Date(2024, 9, 30, 0, 0, 0, 0, loc)}
			want, err := build(txs).Retention(opts)
			if err != nil {
				t.Fatal(err)
			}
			checkReconciles(t, want)
			var news int64
			for i, row := range want.Periods {
				news += row.New.Customers
				if s := p.Start(row.Start, loc); !s.Equal(row.Start) {
					t.Fatalf("seed %d %v: period %d starts at %v, not a period start (%v)", seed, p, i, row.Start, s)
				}
				if i > 0 && !p.Next(want.Periods[i-1].Start, loc).Equal(row.Start) {
					t.Fatalf("seed %d %v: period %d at %v does not follow %v", seed, p, i, row.Start, want.Periods[i-1].Start)
				}
			}
			if news+want.Later != int64(want.Log.Customers) {
				t.Fatalf("seed %d %v: %d new + %d later != %d customers", seed, p, news, want.Later, want.Log.Customers)
			}
			rng := rand.New(rand.NewPCG(seed, uint64(p)))
			cuts := []int{0, len(txs)}
			for range rng.IntN(4) {
				cuts = append(cuts, rng.IntN(len(txs)+1))
			}
			slices.Sort(cuts)
			merged := build(nil)
			for i := len(cuts) - 2; i >= 0; i-- {
				part := build(txs[cuts[i]:cuts[i+1]])
				if rng.IntN(2) == 0 {
					b, _ := part.MarshalBinary()
					part = &Log{}
					if err := part.UnmarshalBinary(b); err != nil {
						t.Fatal(err)
					}
				}
				mustMerge(t, merged, part)
			}
			got, err := merged.Retention(opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("seed %d %v: merged table differs (-one pass +merged):\n%s", seed, p, diff)
			}
		}
	}
}

// TestRetentionCDNOW compares the monthly CDNOW table with an independent
// computation in plain Python from the raw log
// (testdata/cdnow_retention.py, output testdata/cdnow_retention.txt):
// every movement's customers and cents exactly, the interval bounds to
// 1e-9.
func TestRetentionCDNOW(t *testing.T) {
	b, err := os.ReadFile("testdata/cdnow_retention.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(b)), "\n")
	l := logOf(t, readCDNOW(t)...)
	got, err := l.Retention(CohortOptions{AsOf: time.Date(1998, 6, 30, 23, 59, 59, 999_999_999, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	checkReconciles(t, got)
	if len(got.Periods) != len(want) {
		t.Fatalf("%d periods, want %d", len(got.Periods), len(want))
	}
	for i, p := range got.Periods {
		w := strings.Fields(want[i])
		fs := []string{p.Start.Format("2006-01")}
		for _, m := range []Movement{p.Opening, p.New, p.Reactivated, p.Expansion, p.Contraction, p.Churn, p.Retained, p.Closing} {
			fs = append(fs, strconv.FormatInt(m.Customers, 10), m.Revenue.Shift(2).String())
		}
		if diff := cmp.Diff(w[:17], fs); diff != "" {
			t.Errorf("%s: movements (-python +got):\n%s", fs[0], diff)
		}
		ivs := []funnel.Interval{p.GRR.Interval, p.NRR.Interval}
		for k, iv := range ivs {
			if w[17+2*k] == "-" {
				if iv.Defined {
					t.Errorf("%s: interval %d defined, want none", fs[0], k)
				}
				continue
			}
			lo, _ := strconv.ParseFloat(w[17+2*k], 64)
			hi, _ := strconv.ParseFloat(w[18+2*k], 64)
			if !iv.Defined || math.Abs(iv.Lo-lo) > 1e-9 || math.Abs(iv.Hi-hi) > 1e-9 {
				t.Errorf("%s: interval %d = %+v, want [%.12f, %.12f]", fs[0], k, iv, lo, hi)
			}
		}
	}
	if got.Periods[len(got.Periods)-1].Partial {
		t.Errorf("June 1998 through its last instant is marked partial")
	}
}

// TestDealLogRetention checks the accounts' retention by the scan's
// period through its as-of time: a deal won after the as-of time is not
// revenue yet.
func TestDealLogRetention(t *testing.T) {
	s := scanOf(t, funnel.Options{Mode: funnel.Lenient, Currency: "USD", Period: funnel.Quarter, AsOf: at(2024, 6, 30, 0)})
	d := func(id, acct, amount string, closed time.Time) funnel.Deal {
		return won(id, acct, amount, closed.AddDate(0, -1, 0), closed)
	}
	a, err := FromDeals(s, slices.Values([]funnel.Deal{
		d("1", "acme", "1000", at(2024, 2, 1, 9)), d("2", "acme", "1500", at(2024, 5, 1, 9)),
		d("3", "beta", "400", at(2024, 3, 1, 9)),
		d("4", "beta", "900", at(2024, 7, 1, 9)), // won after the as-of time
	}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Retention()
	if err != nil {
		t.Fatal(err)
	}
	want := []RetentionPeriod{
		{Start: at(2024, 1, 1, 0), New: mv(2, "1400"), Closing: mv(2, "1400")},
		{Start: at(2024, 4, 1, 0), Partial: true, Opening: mv(2, "1400"), Expansion: mv(1, "500"), Churn: mv(1, "400"), Retained: mv(1, "1500"), Closing: mv(1, "1500"),
			CustomerRetention: rate(1, 2), GRR: moneyRate("1000", "1400", funnel.Interval{}), NRR: moneyRate("1500", "1400", funnel.Interval{})},
	}
	// two opening accounts: the intervals are defined; checked by the
	// CDNOW test, ignored here
	if diff := cmp.Diff(want, got.Periods, cmpopts.IgnoreFields(funnel.MoneyRate{}, "Interval")); diff != "" {
		t.Errorf("DealLog retention (-want +got):\n%s", diff)
	}
	if got.Period != funnel.Quarter || got.Input.Read != 4 || got.Log.Currency != "USD" || got.Log.Transactions != 3 {
		t.Errorf("Retention header: period %v, input %+v, log %+v", got.Period, got.Input, got.Log)
	}
}
