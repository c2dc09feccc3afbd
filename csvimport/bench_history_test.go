package csvimport

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
)

// peerLike writes n deals and their stage events in the shape of the
// peers' generated CRM data set (numbered IDs, a stage log of one row per
// stage entered, "closed" for won), without the deals file's stage
// column: the stage is the history's last.
func peerLike(n int) (deals, events []byte) {
	var d, e bytes.Buffer
	d.WriteString("deal_id,account_id,source,rep,created_at,amount,outcome,closed_at\n")
	e.WriteString("deal_id,stage,entered_at\n")
	stages := []string{"lead", "qualified", "demo", "proposal", "negotiation"}
	t0 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		at := t0.Add(time.Duration(i) * 97 * time.Second)
		k := i % 7 // stages reached - 1; 5 and 6 won
		outcome, closed := "lost", at.Add(time.Duration(k+1)*50*time.Hour)
		switch {
		case k >= 5:
			outcome = "won"
		case i%11 == 0:
			outcome = ""
		}
		fmt.Fprintf(&d, "%d,%d,src_%d,rep_%02d,%s,%d.%02d,", i, i%5000, i%8, i%50, at.Format(time.DateTime), 100+i%9000, i%100)
		if outcome == "" {
			d.WriteString("open,\n")
		} else {
			fmt.Fprintf(&d, "%s,%s\n", outcome, closed.Format(time.DateTime))
		}
		for j := 0; j <= min(k, 4); j++ {
			fmt.Fprintf(&e, "%d,%s,%s\n", i, stages[j], at.Add(time.Duration(j)*40*time.Hour).Format(time.DateTime))
		}
		if outcome == "won" {
			fmt.Fprintf(&e, "%d,closed,%s\n", i, closed.Format(time.DateTime))
		}
	}
	return d.Bytes(), e.Bytes()
}

// BenchmarkOpenHistoryJoin reads 200,000 deals of the peers' shape with
// their 640,000 stage events through Open: the history read and joined by
// numbered deal ID, the deals streamed with their histories attached, on
// GOMAXPROCS workers and, as "serial", on one (Options.Workers 1), for a
// ratio within one run. Run it with -cpu=1,2 for one core and all cores.
func BenchmarkOpenHistoryJoin(b *testing.B) {
	const n = 200_000
	deals, events := peerLike(n)
	f, _ := funnel.New("lead", "qualified", "demo", "proposal", "negotiation")
	m := Mapping{
		Deals: DealMapping{ID: "deal_id", Account: "account_id", Created: "created_at", Closed: "closed_at", Amount: "amount",
			Source: "source", Owner: "rep", Outcome: "outcome", Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
			Stage: "stage", Defaults: map[string]string{"stage": ""}},
		History: HistoryMapping{DealID: "deal_id", At: "entered_at", Stage: "stage", Won: []string{"closed"}},
		Options: Options{Layouts: []string{time.DateTime}, Location: time.UTC},
	}
	for _, w := range []int{0, 1} {
		name := "workers"
		if w == 1 {
			name = "serial"
		}
		m.Options.Workers = w
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(deals) + len(events)))
			b.ReportAllocs()
			cputime.Report(b, func() {
				x, err := Open(m, Pipelines{"sales": f}, File{Name: "deals.csv", R: bytes.NewReader(deals)}, File{Name: "stage_events.csv", R: bytes.NewReader(events)})
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for d := range x.All() {
					if len(d.History) == 0 {
						b.Fatal("a deal without history")
					}
					got++
				}
				if x.Err() != nil || got != n {
					b.Fatal(x.Err(), got)
				}
			})
		})
	}
}

// BenchmarkReadHistory reads the stage log of 200,000 deals of the peers'
// shape (640,000 rows) alone, as Open reads it before the deals file, on
// GOMAXPROCS workers (Options.Workers set to it: 0 reads a history file
// serially) and, as "serial", on one. Run it with -cpu=1,2 for one core
// and all cores.
func BenchmarkReadHistory(b *testing.B) {
	_, events := peerLike(200_000)
	m := HistoryMapping{DealID: "deal_id", At: "entered_at", Stage: "stage", Won: []string{"closed"}, Lost: []string{"lost"}}
	for _, w := range []int{0, 1} {
		name := "workers"
		if w == 1 {
			name = "serial"
		}
		b.Run(name, func(b *testing.B) {
			opts := Options{Layouts: []string{time.DateTime}, Location: time.UTC, Workers: max(w, runtime.GOMAXPROCS(0))}
			if w == 1 {
				opts.Workers = 1
			}
			b.SetBytes(int64(len(events)))
			b.ReportAllocs()
			cputime.Report(b, func() {
				h, err := readHistory(bytes.NewReader(events), "stage_events.csv", &m, opts)
				if err != nil || h.rep.Kept != h.rep.Rows {
					b.Fatal(err)
				}
			})
		})
	}
}
