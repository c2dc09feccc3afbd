package csvimport

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	gocmp "github.com/google/go-cmp/cmp"
)

// orderedHistory returns a deals file of n deals, the rows of its history
// file (deal after deal, each deal's in time order) and each deal's
// stage entries as the rows say them: up to three stages, one row each,
// at distinct times; a deal of every 7 first names the stage it was
// created in (FromStage), which is then its first entry, at its creation;
// the times of the deals from n/2 to n/2+100 have fractions of a second
// and a zone of their own; orphans (history rows of deals not in the deals
// file) with numbers and other IDs come last, and their IDs and entries
// (one per row: each names another stage than the row before).
func orderedHistory(r *rand.Rand, n int) (deals []byte, rows []string, want map[string][]funnel.StageChange, orphans map[string]int) {
	stages := []funnel.Stage{"Lead", "Demo", "Proposal"}
	plus2 := time.FixedZone("", 2*3600)
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var d bytes.Buffer
	d.WriteString("id,created,amount\n")
	want = map[string][]funnel.StageChange{}
	for i := range n {
		id := fmt.Sprint(i + 1)
		created := start.Add(time.Duration(i) * time.Minute)
		fmt.Fprintf(&d, "%s,%s,10\n", id, created.Format(time.DateTime))
		at, layout := created, time.DateTime
		if i >= n/2 && i < n/2+100 {
			at, layout = at.Add(500*time.Millisecond).In(plus2), time.RFC3339Nano
		}
		k := 0
		var hist []funnel.StageChange
		if i%7 == 0 {
			hist = append(hist, funnel.StageChange{Stage: "Lead", At: created})
			k = 1
		}
		for j := range 1 + r.IntN(3) {
			if k >= len(stages) {
				break
			}
			from := ""
			if j == 0 && i%7 == 0 {
				from = "Lead"
			}
			rows = append(rows, fmt.Sprintf("%s,%s,%s,%s,sales", id, at.Format(layout), stages[k], from))
			hist = append(hist, funnel.StageChange{Stage: stages[k], At: at})
			at = at.Add(time.Duration(1+r.IntN(100)) * time.Hour)
			k++
		}
		want[id] = hist
	}
	orphans = map[string]int{}
	for i := range 30 {
		id := fmt.Sprint(n + 1 + i) // numbers kept densely
		if i%2 == 1 {
			id = fmt.Sprintf("X-%d", i) // and others
		}
		for j := range 1 + i%4 {
			rows = append(rows, fmt.Sprintf("%s,%s,%s,,sales", id, start.Add(time.Duration(j)*time.Hour).Format(time.DateTime), stages[j%3]))
			orphans[id]++
		}
	}
	return d.Bytes(), rows, want, orphans
}

// TestHistoryRowOrders reads one history, its rows in file order deal
// after deal (read block by block) and shuffled (counting-sorted by deal,
// then sorted by time), across several blocks of rows, some with
// nanoseconds and zones of their own: both reads give each deal the
// entries its rows say, and the join report names every orphan with its
// rows.
func TestHistoryRowOrders(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 14))
	const n = 5000
	deals, rows, want, orphans := orderedHistory(r, n)
	if len(rows) < 2*histBlock {
		t.Fatalf("%d rows: fewer than two blocks", len(rows))
	}
	m := Mapping{
		Deals:   DealMapping{ID: "id", Created: "created", Amount: "amount", Stage: "stage", Defaults: map[string]string{"stage": ""}, DefaultCurrency: "USD"},
		History: HistoryMapping{DealID: "id", At: "at", Stage: "stage", FromStage: "from", Pipeline: "pipe"},
		Options: Options{Layouts: []string{time.DateTime, time.RFC3339Nano}},
	}
	var wantMissing []Reason
	for id, c := range orphans {
		wantMissing = append(wantMissing, Reason{id, c})
	}
	slices.SortFunc(wantMissing, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	wantMissing = wantMissing[:maxExamples]
	sameTime := gocmp.Comparer(func(a, b time.Time) bool {
		an, ao := a.Zone()
		bn, bo := b.Zone()
		return a.Equal(b) && an == bn && ao == bo
	})
	shuffled := slices.Clone(rows)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for name, rows := range map[string][]string{"in order": rows, "shuffled": shuffled} {
		t.Run(name, func(t *testing.T) {
			hist := "id,at,stage,from,pipe\n" + strings.Join(rows, "\n") + "\n"
			x, err := Open(m, Pipelines{"sales": testFunnel(t)}, File{Name: "deals.csv", R: bytes.NewReader(deals)},
				File{Name: "history.csv", R: strings.NewReader(hist)})
			if err != nil {
				t.Fatal(err)
			}
			if got := x.dr.hist.deals.n; got != n+len(orphans) {
				t.Errorf("%d history deals, want %d", got, n+len(orphans))
			}
			got := map[string][]funnel.StageChange{}
			for d := range x.All() {
				got[d.ID] = d.History
			}
			if err := x.Err(); err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(want, got, sameTime); diff != "" {
				t.Errorf("histories differ from the rows' (-rows +read):\n%s", diff)
			}
			_, join := x.HistoryJoin()
			if join.Matched != n || join.Unmatched != len(orphans) {
				t.Errorf("join: %d matched and %d not, want %d and %d", join.Matched, join.Unmatched, n, len(orphans))
			}
			if diff := gocmp.Diff(wantMissing, join.Missing); diff != "" {
				t.Errorf("orphans differ (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRowAndEntryStores adds rows and entries over several blocks and a
// partial one (FromStage and field changes in some blocks only, far
// times, zones and kinds of every value) and reads each back, by at and
// a block at a time (the rows, and their deals), against the records
// added.
func TestRowAndEntryStores(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var rows rowStore
	var entries entryStore
	var wantRows []histRow
	var wantEntries []histEntry
	n := 3*histBlock + 123
	for i := range n {
		r := histRow{sec: 1_700_000_000 + rng.Int64N(1e8), line: int32(2 + i), deal: int32(i / 3), nsec: 0,
			stage: uint32(rng.IntN(7)), zone: uint16(1 + rng.IntN(2)), kind: int8(rng.IntN(5))}
		switch b := i / histBlock; {
		case b == 1 && i%97 == 5:
			r.from = uint32(1 + rng.IntN(6)) // FromStage in one row of block 1 only
		case b == 2 || b == 3:
			if i%5 == 0 {
				r.ch, r.n = int32(i), int32(1+rng.IntN(3))
			}
		}
		if i%1000 == 17 {
			r.sec, r.nsec, r.zone = []int64{math.MinInt64, math.MaxInt64}[rng.IntN(2)], rng.Int32N(1e9), zoneExtra
		}
		rows.add(&r)
		wantRows = append(wantRows, r)
		e := histEntry{sec: r.sec, nsec: r.nsec, line: r.line, stage: r.stage, zone: r.zone, close: funnel.Outcome(rng.IntN(3))}
		entries.add(e)
		wantEntries = append(wantEntries, e)
	}
	if rows.n != n || entries.len() != n {
		t.Fatalf("%d rows and %d entries, want %d", rows.n, entries.len(), n)
	}
	for i := range n {
		if got := rows.at(i); got != wantRows[i] {
			t.Fatalf("row %d is %+v, want %+v", i, got, wantRows[i])
		}
		if got := entries.at(i); got != wantEntries[i] {
			t.Fatalf("entry %d is %+v, want %+v", i, got, wantEntries[i])
		}
	}
	var deals []int64
	var read []histRow
	for b := range len(rows.blocks) + 1 {
		deals = rows.dealsOf(b, deals)
		read = rows.block(b, read)
	}
	if diff := gocmp.Diff(wantRows, read, gocmp.AllowUnexported(histRow{})); diff != "" {
		t.Fatalf("the rows read by block (-want +got):\n%s", diff)
	}
	// a block read into storage that held other rows (of changes, block
	// 2) keeps none of their fields
	for _, b := range []int{2, 0, 1, 3} {
		read = rows.block(b, read[:0])
		if diff := gocmp.Diff(wantRows[b*histBlock:min(n, (b+1)*histBlock)], read, gocmp.AllowUnexported(histRow{})); diff != "" {
			t.Fatalf("block %d read again (-want +got):\n%s", b, diff)
		}
	}
	if len(deals) != n {
		t.Fatalf("the blocks hold %d deals, want %d", len(deals), n)
	}
	for i, k := range deals {
		if k != int64(wantRows[i].deal) {
			t.Fatalf("row %d's deal read by block is %d, want %d", i, k, wantRows[i].deal)
		}
	}
	// the rows after those released still read
	rows.release(2*histBlock + 5)
	for i := 2 * histBlock; i < n; i++ {
		if got := rows.at(i); got != wantRows[i] {
			t.Fatalf("after release, row %d is %+v, want %+v", i, got, wantRows[i])
		}
	}
}
