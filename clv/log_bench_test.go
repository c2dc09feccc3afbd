package clv

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// benchTxns returns 2.1M transactions of 200,000 accounts over two years,
// generated from a fixed seed: the size of the peer report's historical
// CLV (amounts in whole cents).
var benchTxns = sync.OnceValue(func() []Transaction {
	const n, accounts = 2_100_000, 200_000
	rng := rand.New(rand.NewPCG(42, 7))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	names := make([]string, accounts)
	for i := range names {
		names[i] = "ACC-" + strconv.Itoa(100000+i)
	}
	out := make([]Transaction, n)
	for i := range out {
		out[i] = Transaction{
			Customer: names[rng.IntN(accounts)],
			Time:     time.Unix(start+rng.Int64N(2*365*86400), 0).UTC(),
			Amount:   decimal.New(500+rng.Int64N(2_000_000), -2),
		}
	}
	return out
})

func benchLog(b *testing.B) *Log {
	b.Helper()
	l := &Log{}
	for _, t := range benchTxns() {
		if err := l.Add(t); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

func BenchmarkLogAdd2M(b *testing.B) {
	txs := benchTxns()
	b.ReportAllocs()
	for b.Loop() {
		var l Log
		for _, t := range txs {
			if err := l.Add(t); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(txs)), "ns/txn")
}

// BenchmarkLogAddGrouped2M adds the same transactions listed customer by
// customer, as exports sorted by customer list them.
func BenchmarkLogAddGrouped2M(b *testing.B) {
	txs := slices.Clone(benchTxns())
	slices.SortFunc(txs, func(a, b Transaction) int { return strings.Compare(a.Customer, b.Customer) })
	b.ReportAllocs()
	for b.Loop() {
		var l Log
		for _, t := range txs {
			if err := l.Add(t); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(txs)), "ns/txn")
}

func BenchmarkLogMerge2M(b *testing.B) {
	txs := benchTxns()
	var halves [2]Log
	for i, t := range txs {
		_ = halves[i%2].Add(t)
	}
	b.ReportAllocs()
	for b.Loop() {
		var l Log
		_ = l.Merge(&halves[0])
		_ = l.Merge(&halves[1])
	}
}

func BenchmarkLogHistorical2M(b *testing.B) {
	l := benchLog(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Historical(decimal.RequireFromString("0.3")); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogRFM2M(b *testing.B) {
	l := benchLog(b)
	o := RFMOptions{CalibrationEnd: time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC), HoldoutEnd: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), Unit: 7 * 24 * time.Hour}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.RFM(o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogCohorts2M(b *testing.B) {
	l := benchLog(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Cohorts(CohortOptions{AsOf: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogMarshal2M(b *testing.B) {
	l := benchLog(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogRetention2M(b *testing.B) {
	l := benchLog(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Retention(CohortOptions{AsOf: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLogTracking2M(b *testing.B) {
	l := benchLog(b)
	o := TrackingOptions{CalibrationEnd: time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), Unit: 7 * 24 * time.Hour, Period: funnel.Week}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Tracking(paperBGNBD, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLogCohortsFiscal2M is BenchmarkLogCohorts2M in quarters of a
// 4-4-5 calendar ending on the last Saturday of January.
func BenchmarkLogCohortsFiscal2M(b *testing.B) {
	l := benchLog(b)
	l.cal = funnel.Calendar{FiscalStart: time.February, Weeks: funnel.Weeks445, EndWeekday: time.Saturday}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Cohorts(CohortOptions{Period: funnel.Quarter, AsOf: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSortedNames200k sorts the names of 200,000 accounts numbered
// as the peers' data set numbers them ("1" to "200000"), in the order a
// file sorted by account number adds them, the sort of Historical, RFM
// and the encoding.
func BenchmarkSortedNames200k(b *testing.B) {
	var l Log
	for i := range 200_000 {
		_ = l.Add(Transaction{strconv.Itoa(i + 1), time.Unix(1, 0), decimal.NewFromInt(1)})
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := l.sortedNames(); len(s) != 200_000 {
			b.Fatal(len(s))
		}
	}
}
