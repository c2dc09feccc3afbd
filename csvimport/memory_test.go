package csvimport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/funnelmetrics/funnel"
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

// readWindow bounds what a parallel read holds besides the IDs it has
// seen: the chunks in flight and kept for reuse, each with its bytes and
// its parsed deals (about 3 x workers + 4 chunks of at most parallelChunk
// bytes and parallelRows deals). It does not grow with the file.
const readWindow = 8 << 20

// TestStreamingMemory streams generated files and checks that the memory a
// DealReader keeps grows with the IDs it has seen, not with the file: 20 MB
// of rows with an unmapped 2 KB column, and 200,000 tiny rows, with and
// without the duplicate-ID check, in a serial and a parallel read; and that
// twice the tiny rows without the check take no more.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 40 MB")
	}
	for _, workers := range []int{1, 2} {
		window := uint64(0)
		if workers > 1 {
			window = readWindow
		}
		g := wideRows(10_000, 2048)
		peak, n := streamLive(t, g, Options{Workers: workers})
		if n != 10_000 || peak > uint64(g.size/16)+window {
			t.Errorf("workers %d: wide rows: %d deals, %d KiB live for a %d KiB file", workers, n, peak>>10, g.size>>10)
		}
		g = tinyRows(200_000)
		peak, _ = streamLive(t, g, Options{Workers: workers})
		if perID := (peak - min(peak, window)) / 200_000; perID > 64 {
			t.Errorf("workers %d: tiny rows: %d bytes live per ID (%d KiB for a %d KiB file)", workers, perID, peak>>10, g.size>>10)
		}
		g = tinyRows(200_000)
		small, _ := streamLive(t, g, Options{AssumeUniqueIDs: true, Workers: workers})
		if small > 1<<20+window {
			t.Errorf("workers %d: tiny rows, no duplicate check: %d KiB live for a %d KiB file", workers, small>>10, g.size>>10)
		}
		g = tinyRows(400_000)
		large, _ := streamLive(t, g, Options{AssumeUniqueIDs: true, Workers: workers})
		if large > small+1<<20 {
			t.Errorf("workers %d: tiny rows, no duplicate check: %d KiB live for 400,000 rows, %d KiB for 200,000", workers, large>>10, small>>10)
		}
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

// sized is a genReader that tells its size, as a file does.
type sized struct {
	*genReader
	total int64
}

func (s sized) Len() int { return int(s.total - s.size) }

// shortFirstRows streams a file whose first 64 rows are short and whose
// other rows carry an unmapped pad-byte column, and tells its size.
func shortFirstRows(rows, pad int) sized {
	row := func(b []byte, i int) []byte {
		if i < 64 {
			return fmt.Appendf(b, "s%d,Lead,\n", i)
		}
		b = fmt.Appendf(b, "l%d,Lead,", i)
		return append(append(b, bytes.Repeat([]byte{'x'}, pad)...), '\n')
	}
	g := &genReader{header: "id,stage,notes\n", rows: rows, row: row}
	total := int64(len(g.header))
	var buf []byte
	for i := range rows {
		buf = row(buf[:0], i)
		total += int64(len(buf))
	}
	return sized{g, total}
}

// peakHeap samples the heap while fn runs: the largest HeapAlloc seen
// (garbage not yet collected included) every 10 ms.
func peakHeap(fn func()) (peak uint64) {
	done := make(chan struct{})
	out := make(chan uint64)
	go func() {
		var ms runtime.MemStats
		var p uint64
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			p = max(p, ms.HeapAlloc)
			select {
			case <-done:
				out <- p
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	return <-out
}

// BenchmarkStreamingMemory streams large generated files (never held in
// memory) and reports the peak heap next to the file's size: 200 MB of
// rows with an unmapped 1 KB column, 10,000,000 tiny rows with and
// without the duplicate-ID check, and ReadDeals of a 1 GB file whose first
// rows are short (a reader that sized its slice from them asked for
// about 30 GB). Run with -benchtime 1x.
func BenchmarkStreamingMemory(b *testing.B) {
	fn := testFunnel(b)
	stream := func(b *testing.B, g *genReader, m DealMapping, opts Options, want int) {
		var n int
		var live uint64
		base := liveHeap()
		peak := peakHeap(func() {
			x, err := NewDealReader(g, "gen.csv", fn, m, opts)
			if err != nil {
				b.Fatal(err)
			}
			for range x.All() {
				n++
			}
			if x.Err() != nil {
				b.Fatal(x.Err())
			}
			live = liveHeap() - min(base, liveHeap()) // what the reader keeps at the end
			runtime.KeepAlive(x)
		})
		if n != want {
			b.Fatalf("%d deals, want %d", n, want)
		}
		b.ReportMetric(float64(g.size)/1e6, "file-MB")
		b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
		b.ReportMetric(float64(live)/1e6, "live-end-MB")
	}
	wide := DealMapping{ID: "id", Stage: "stage", Owner: "owner"}
	tiny := DealMapping{ID: "id", Stage: "stage"}
	b.Run("wide-200MB", func(b *testing.B) {
		for b.Loop() {
			stream(b, wideRows(195_000, 1024), wide, Options{}, 195_000)
		}
	})
	b.Run("tiny-10M", func(b *testing.B) {
		for b.Loop() {
			stream(b, tinyRows(10_000_000), tiny, Options{}, 10_000_000)
		}
	})
	b.Run("tiny-10M-unique", func(b *testing.B) {
		for b.Loop() {
			stream(b, tinyRows(10_000_000), tiny, Options{AssumeUniqueIDs: true}, 10_000_000)
		}
	})
	b.Run("short-first-1GB-ReadDeals", func(b *testing.B) {
		for b.Loop() {
			in := shortFirstRows(1_000_000, 1024)
			var deals []funnel.Deal
			peak := peakHeap(func() {
				var err error
				deals, _, err = ReadDeals(in, "gen.csv", fn, tiny, Options{})
				if err != nil || len(deals) != 1_000_000 {
					b.Fatal(len(deals), err)
				}
			})
			b.ReportMetric(float64(in.total)/1e6, "file-MB")
			b.ReportMetric(float64(peak)/1e6, "peak-heap-MB")
			b.ReportMetric(float64(len(deals))*float64(unsafe.Sizeof(deals[0]))/1e6, "deals-MB")
		}
	})
}

// TestHostileFiles reads generated files built to exhaust memory or hide
// rows, scaled down, and checks that each fails or reads as documented
// with the heap bounded: a quote opened at the start of a 64 MB stream
// (the read stops at MaxRecordBytes, naming the quote's line), an
// unquoted line longer than MaxRecordBytes, a row of a million
// separators, a header of NUL bytes, and a classic Mac OS file of 100,000
// rows ended by lone CRs.
func TestHostileFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 64 MB")
	}
	fn := testFunnel(t)
	m := DealMapping{ID: "id", Stage: "stage"}
	read := func(r io.Reader, opts Options) ([]funnel.Deal, *Report, error) {
		return ReadDeals(r, "h.csv", fn, m, opts)
	}

	swallow := &genReader{header: "id,stage\n1,\"Lead\n", rows: 1_000_000, row: func(b []byte, i int) []byte {
		return fmt.Appendf(b, "%d,Lead,%s\n", i, strings.Repeat("x", 50))
	}}
	var err error
	peak := peakHeap(func() { _, _, err = read(swallow, Options{Mode: funnel.Lenient}) })
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrUnclosedQuote) || pe.Line != 2 || pe.Column != "stage" {
		t.Errorf("quote opened at line 2 of a %d MB stream: %v", swallow.size>>20, err)
	}
	if peak > 96<<20 {
		t.Errorf("peak heap %d MB reading a quote that never closes", peak>>20)
	}

	long := "id,stage\n1," + strings.Repeat("L", 2<<20) + "\n2,Lead\n"
	_, _, err = read(strings.NewReader(long), Options{MaxRecordBytes: 1 << 20, Mode: funnel.Lenient})
	if !errors.Is(err, ErrRow) || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("a 2 MB line under a 1 MB bound: %v", err)
	}

	wide := "id,stage\n" + strings.Repeat(",", 1_000_000) + "\n1,Lead\n"
	deals, rep, err := read(strings.NewReader(wide), Options{Mode: funnel.Lenient})
	if err != nil || len(deals) != 1 || rep.Skipped != 1 || !errors.Is(rep.Examples[0], ErrFieldCount) {
		t.Errorf("a row of a million separators: %d deals, %v, %+v", len(deals), err, rep)
	}

	_, _, err = read(strings.NewReader("\x00\x00\x00\x00\x00\x00\x00\x00,stage\n"), Options{})
	if !errors.Is(err, ErrEncoding) {
		t.Errorf("NUL header: %v", err)
	}

	var mac strings.Builder
	mac.WriteString("id,stage\r")
	for i := range 100_000 {
		fmt.Fprintf(&mac, "M%d,Demo\r", i)
	}
	deals, rep, err = read(strings.NewReader(mac.String()), Options{})
	if err != nil || len(deals) != 100_000 || rep.Rows != 100_000 {
		t.Errorf("lone-CR file: %d deals, %v", len(deals), err)
	}
}

// TestHistoryMemory checks what an attached stage history keeps while its
// deals are read: the peers' stage log of 200,000 deals (about 390,000
// rows), read in file order and with its rows shuffled, and the deals
// file read serially. Its entries, deals and index take less than 14
// bytes a row (about 11: an entry's fields packed, 2 bytes a deal for
// where its entries end and 4 to 8 for the dense index of deal IDs; as
// structs they took 24 a row and 44 + 4 a deal), 18 for the shuffled
// rows, whose line numbers, packed per block of entries, take 4 bytes
// rather than 2.
func TestHistoryMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 380,000 history rows")
	}
	deals, events, _ := peersLike(200_000, 3)
	rows := bytes.Count(events, []byte{'\n'}) - 1
	lines := strings.SplitAfter(string(events), "\n")
	header, body := lines[0], lines[1:len(lines)-1]
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(body), func(i, j int) { body[i], body[j] = body[j], body[i] })
	shuffled := header + strings.Join(body, "")
	pm := peersMapping
	pm.Defaults = map[string]string{"stage": ""}
	m := Mapping{Deals: pm, Options: peersOptions,
		History: HistoryMapping{DealID: "deal_id", At: "entered_at", Stage: "stage", Won: []string{"closed"}}}
	for _, tc := range []struct {
		name, hist string
		limit      uint64
	}{{"in order", string(events), 14}, {"shuffled", shuffled, 18}} {
		name, hist := tc.name, tc.hist
		base := liveHeap()
		var x *DealReader
		peak := peakHeap(func() {
			var err error
			m.Options.Workers = 1
			x, err = Open(m, Pipelines{"sales": peersFunnel(t)}, File{Name: "deals.csv", R: bytes.NewReader(deals)},
				File{Name: "stage_events.csv", R: strings.NewReader(hist)})
			if err != nil {
				t.Fatal(err)
			}
		})
		held := liveHeap() - base
		if perRow := held / uint64(rows); perRow >= tc.limit {
			t.Errorf("%s: the history holds %d bytes a row (%d KiB for %d rows)", name, perRow, held>>10, rows)
		}
		n := 0
		for range x.All() {
			n++
		}
		if x.Err() != nil || n != 200_000 {
			t.Fatal(n, x.Err())
		}
		t.Logf("%s: %d rows, %d bytes a row held, %d at the peak of the read (garbage included)", name, rows, held/uint64(rows), (peak-min(base, peak))/uint64(rows))
	}
}
