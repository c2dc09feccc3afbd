package csvimport

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// genReader streams a generated CSV file: the header, then row(i) for i
// in [0, rows), without holding the file.
type genReader struct {
	header string
	rows   int
	row    func(b []byte, i int) []byte
	buf    []byte
	next   int
	size   int64
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.header != "" {
			g.buf = append(g.buf[:0], g.header...)
			g.header = ""
			break
		}
		if g.next == g.rows {
			return 0, io.EOF
		}
		g.buf = g.row(g.buf[:0], g.next)
		g.next++
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	g.size += int64(n)
	return n, nil
}

// wideRows streams rows with a pad-byte unmapped column.
func wideRows(rows, pad int) *genReader {
	filler := bytes.Repeat([]byte{'x'}, pad)
	return &genReader{header: "id,stage,owner,notes\n", rows: rows, row: func(b []byte, i int) []byte {
		b = fmt.Appendf(b, "D%d,Lead,rep%d,", i, i%40)
		b = append(b, filler...)
		return append(b, '\n')
	}}
}

// tinyRows streams rows of an ID and a stage.
func tinyRows(rows int) *genReader {
	return &genReader{header: "id,stage\n", rows: rows, row: func(b []byte, i int) []byte {
		return fmt.Appendf(b, "D%07d,Lead\n", i)
	}}
}

// liveHeap returns the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// streamLive streams the deals of g and returns the largest live heap seen
// (sampled every 1/16 of the rows, after a collection) above the heap
// before.
func streamLive(t testing.TB, g *genReader, opts Options) (peak uint64, n int) {
	every := max(1, g.rows/16)
	m := DealMapping{ID: "id", Stage: "stage", Owner: "owner"}
	if !strings.Contains(g.header, "owner") {
		m.Owner = ""
	}
	base := liveHeap()
	x, err := NewDealReader(g, "gen.csv", testFunnel(t), m, opts)
	if err != nil {
		t.Fatal(err)
	}
	for range x.All() {
		n++
		if n%every == 0 {
			h := liveHeap()
			peak = max(peak, h-min(base, h))
		}
	}
	if x.Err() != nil {
		t.Fatal(x.Err())
	}
	runtime.KeepAlive(x)
	return peak, n
}

// TestStreamingMemory streams generated files and checks that the memory a
// DealReader keeps grows with the IDs it has seen, not with the file: 20 MB
// of rows with an unmapped 2 KB column, and 500,000 tiny rows, with and
// without the duplicate-ID check.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 40 MB")
	}
	g := wideRows(10_000, 2048)
	peak, n := streamLive(t, g, Options{})
	if n != 10_000 || peak > uint64(g.size/16) {
		t.Errorf("wide rows: %d deals, %d KiB live for a %d KiB file", n, peak>>10, g.size>>10)
	}
	g = tinyRows(500_000)
	peak, _ = streamLive(t, g, Options{})
	if perID := peak / 500_000; perID > 64 {
		t.Errorf("tiny rows: %d bytes live per ID (%d KiB for a %d KiB file)", perID, peak>>10, g.size>>10)
	}
	g = tinyRows(500_000)
	peak, _ = streamLive(t, g, Options{AssumeUniqueIDs: true})
	if peak > 1<<20 {
		t.Errorf("tiny rows, no duplicate check: %d KiB live for a %d KiB file", peak>>10, g.size>>10)
	}
}

// TestDealsDoNotPinRecords checks that the deals ReadDeals returns keep
// only their own fields: rows with an unmapped 2 KB column must not stay
// in memory through the deals.
func TestDealsDoNotPinRecords(t *testing.T) {
	base := liveHeap()
	g := wideRows(10_000, 2048)
	deals, _, err := ReadDeals(g, "gen.csv", testFunnel(t), DealMapping{ID: "id", Stage: "stage", Owner: "owner"}, Options{AssumeUniqueIDs: true})
	if err != nil || len(deals) != 10_000 {
		t.Fatal(len(deals), err)
	}
	live := liveHeap() - base
	if perDeal := live / uint64(len(deals)); perDeal > 512 {
		t.Errorf("%d bytes live per deal (%d KiB for a %d KiB file)", perDeal, live>>10, g.size>>10)
	}
	runtime.KeepAlive(deals)
}
