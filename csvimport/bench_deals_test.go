package csvimport

import (
	"bytes"
	"testing"
	"time"
)

// BenchmarkOpenDeals times the deals file's part of an Open of a sample
// of 100,000 deals in the shape of the peers' data set with their stage
// events: the deals read, their histories attached, on GOMAXPROCS workers
// and, as "serial", on one (Options.Workers 1). The stage events are read
// by Open with the timer stopped; the bytes are the deals file's. Run it
// with -cpu=1,2 for one core and all cores.
func BenchmarkOpenDeals(b *testing.B) {
	deals, rest := peersSample()
	events := rest[0]
	f := peersFunnel(b)
	m := Mapping{
		Deals:   peersMapping,
		History: HistoryMapping{DealID: "deal_id", At: "entered_at", Stage: "stage", Won: []string{"closed"}},
		Options: Options{Layouts: []string{time.DateTime}, Location: time.UTC},
	}
	m.Deals.Defaults = map[string]string{"stage": ""}
	for _, w := range []int{0, 1} {
		name := "workers"
		if w == 1 {
			name = "serial"
		}
		m.Options.Workers = w
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(deals)))
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				x, err := Open(m, Pipelines{"sales": f}, File{Name: "deals.csv", R: bytes.NewReader(deals)}, File{Name: "stage_events.csv", R: bytes.NewReader(events)})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				n := 0
				for d := range x.All() {
					if len(d.History) == 0 {
						b.Fatal("a deal without history")
					}
					n++
				}
				if x.Err() != nil || n != 100_000 {
					b.Fatal(x.Err(), n)
				}
			}
		})
	}
}
