package csvimport

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
)

// peersLike writes n deals, their stage events and the transactions of
// n/5 accounts in the shape of the files of the peers' generator
// (../shared/peers/gen): the same columns, value shapes and timestamp
// layout, deterministic for a seed. Its figures are not the generator's
// (it draws no funnel model): it is a sample of the bytes to read.
func peersLike(n int, seed uint64) (deals, events, txns []byte) {
	r := rand.New(rand.NewPCG(seed, 7))
	sources := []string{"web_inbound", "referral", "partner", "outbound", "paid_search", "events", "content", "social"}
	industries := []string{"software", "finance", "healthcare", "retail", "manufacturing", "education", "government", "media", "logistics", "energy", "telecom", "hospitality"}
	regions := []string{"NA", "EMEA", "APAC", "LATAM", "MEA"}
	products := []string{"starter", "pro", "enterprise", "addon", "services", "platform", "support"}
	stages := []string{"lead", "qualified", "demo", "proposal", "negotiation", "closed"}
	const layout = "2006-01-02 15:04:05"
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var d, e, t bytes.Buffer
	d.WriteString("deal_id,account_id,source,industry,rep,region,product,created_at,amount,outcome,closed_at\n")
	e.WriteString("deal_id,stage,entered_at\n")
	t.WriteString("account_id,date,amount\n")
	accounts := max(1, n/5)
	span := now.Sub(start) - 30*24*time.Hour
	for i := range n {
		created := start.Add(time.Duration(float64(span) * float64(i) / float64(n))).Truncate(time.Second)
		rep := 1 + r.IntN(50)
		fmt.Fprintf(&e, "%d,lead,%s\n", i+1, created.Format(layout))
		at, k := created, 0
		for k < 5 && r.Float64() < 0.5 {
			at = at.Add(time.Duration(1+r.IntN(20*86400)) * time.Second)
			k++
			fmt.Fprintf(&e, "%d,%s,%s\n", i+1, stages[k], at.Format(layout))
		}
		outcome, closed := "lost", at.Add(time.Duration(1+r.IntN(10*86400))*time.Second)
		switch {
		case k == 5:
			outcome, closed = "won", at
		case r.IntN(40) == 0:
			outcome = "open"
		}
		closedAt := closed.Format(layout)
		if outcome == "open" {
			closedAt = ""
		}
		fmt.Fprintf(&d, "%d,%d,%s,%s,rep_%02d,%s,%s,%s,%d.%02d,%s,%s\n", i+1, 1+r.IntN(accounts),
			sources[r.IntN(len(sources))], industries[r.IntN(len(industries))], rep, regions[rep%5],
			products[r.IntN(len(products))], created.Format(layout), 500+r.IntN(90000), r.IntN(100), outcome, closedAt)
	}
	for a := range accounts {
		day := start.Add(time.Duration(r.IntN(900)) * 24 * time.Hour)
		for range 1 + r.IntN(20) {
			fmt.Fprintf(&t, "%d,%s,%d.%02d\n", a+1, day.Format(time.DateOnly), 10+r.IntN(900), r.IntN(100))
			day = day.Add(time.Duration(1+r.IntN(60)) * 24 * time.Hour)
		}
	}
	return d.Bytes(), e.Bytes(), t.Bytes()
}

// peersFunnel is the funnel of the peers' data set.
func peersFunnel(t testing.TB) *funnel.Funnel {
	t.Helper()
	f, err := funnel.New("lead", "qualified", "demo", "proposal", "negotiation", "closed")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// peersMapping maps the peers' deals file: the outcome in its own column,
// no stage column (every deal read at the funnel's first stage, as a user
// would before attaching the stage events).
var peersMapping = DealMapping{
	ID: "deal_id", Account: "account_id", Source: "source", Industry: "industry", Owner: "rep",
	Region: "region", Product: "product", Created: "created_at", Amount: "amount", Closed: "closed_at",
	Outcome: "outcome", Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
	Stage: "stage", Defaults: map[string]string{"stage": "lead"}, DefaultCurrency: "USD",
}

var peersOptions = Options{Layouts: []string{time.DateTime}}

var peersSample = sync.OnceValues(func() ([]byte, [2][]byte) {
	d, e, t := peersLike(100_000, 42)
	return d, [2][]byte{e, t}
})

// BenchmarkPeers reads a sample of 100,000 deals in the shape of the
// peers' data set (../shared/peers): the deals file with ReadDeals and
// streamed through a DealReader, the stage events with ReadChanges, and
// the deals file as a side table with ReadTable. Run it with -cpu=1,2 for
// one core and all cores.
func BenchmarkPeers(b *testing.B) {
	deals, rest := peersSample()
	events := rest[0]
	f := peersFunnel(b)
	b.Run("ReadDeals", func(b *testing.B) {
		b.SetBytes(int64(len(deals)))
		b.ReportAllocs()
		cputime.Report(b, func() {
			ds, _, err := ReadDeals(bytes.NewReader(deals), "deals.csv", f, peersMapping, peersOptions)
			if err != nil || len(ds) != 100_000 {
				b.Fatal(err, len(ds))
			}
		})
	})
	for _, w := range []int{0, 1} {
		name := "DealReader"
		if w == 1 {
			name += "/serial" // Options.Workers 1, for a ratio within one run
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(deals)))
			b.ReportAllocs()
			o := peersOptions
			o.Workers = w
			cputime.Report(b, func() {
				x, err := NewDealReader(bytes.NewReader(deals), "deals.csv", f, peersMapping, o)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for range x.All() {
					n++
				}
				if x.Err() != nil || n != 100_000 {
					b.Fatal(x.Err(), n)
				}
			})
		})
	}
	b.Run("ReadChanges", func(b *testing.B) {
		b.SetBytes(int64(len(events)))
		b.ReportAllocs()
		cputime.Report(b, func() {
			ch, _, err := ReadChanges(bytes.NewReader(events), "stage_events.csv", f,
				ChangeMapping{DealID: "deal_id", Stage: "stage", At: "entered_at"}, peersOptions)
			if err != nil || len(ch) != 100_000 {
				b.Fatal(err, len(ch))
			}
		})
	})
	b.Run("ReadTable", func(b *testing.B) {
		b.SetBytes(int64(len(deals)))
		b.ReportAllocs()
		cputime.Report(b, func() {
			t, _, err := ReadTable(bytes.NewReader(deals), "deals.csv", "deal_id", peersOptions)
			if err != nil || t.Len() != 100_000 {
				b.Fatal(err)
			}
		})
	})
}
