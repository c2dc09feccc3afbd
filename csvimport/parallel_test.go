package csvimport

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/unicode"
)

// withChunk sets the chunk length of parallel reads for the test.
func withChunk(t testing.TB, n int) {
	t.Helper()
	old := parallelChunk
	parallelChunk = n
	t.Cleanup(func() { parallelChunk = old })
}

// A read is what one read of a deals file gave, for comparison.
type read struct {
	Deals  []funnel.Deal
	Report *Report
	Err    string
}

// exact compares deals field for field: amounts by value and exponent,
// times as values (location included), errors by their text.
var exact = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) && a.Exponent() == b.Exponent() }),
	cmp.Comparer(func(a, b time.Time) bool { return a == b }),
	cmp.Comparer(func(a, b *ParseError) bool {
		return a.File == b.File && a.Line == b.Line && a.Column == b.Column && a.Error() == b.Error()
	}),
}

// mustChunk makes readWith check that parallel reads of inputs of more than
// 4 chunks use chunks.
var mustChunk bool

// readWith reads data with a DealReader on workers workers, stopping after
// stop deals (never for stop < 0), and with ReadDeals.
func readWith(t testing.TB, data []byte, f *funnel.Funnel, m DealMapping, opts Options, workers, stop int) (stream, all read) {
	t.Helper()
	opts.Workers = workers
	x, err := NewDealReader(bytes.NewReader(data), "f.csv", f, m, opts)
	if err != nil {
		stream.Err = err.Error()
	} else {
		for d := range x.All() {
			if len(stream.Deals) == stop {
				break
			}
			stream.Deals = append(stream.Deals, d)
		}
		stream.Report = x.Report()
		if mustChunk && workers > 1 && stop < 0 && parallelChunk < len(data)/4 && x.chunks+x.resyncs == 0 {
			t.Errorf("a read on %d workers of %d bytes in chunks of %d used none", workers, len(data), parallelChunk)
		}
		if x.Err() != nil {
			stream.Err = x.Err().Error()
		}
	}
	deals, rep, err := ReadDeals(bytes.NewReader(data), "f.csv", f, m, opts)
	all = read{Deals: deals, Report: rep}
	if err != nil {
		all.Err = err.Error()
	}
	return stream, all
}

// sameReads fails unless the parallel reads of data, in chunks of each
// length, give what the serial read gives, in strict and lenient mode,
// stopped early or not.
func sameReads(t *testing.T, name string, data []byte, f *funnel.Funnel, m DealMapping, opts Options, chunks ...int) {
	t.Helper()
	for _, mode := range []funnel.Mode{funnel.Strict, funnel.Lenient} {
		opts.Mode = mode
		for _, stop := range []int{-1, 0, 3} {
			parallelChunk = 1 << 20
			s1, a1 := readWith(t, data, f, m, opts, 1, stop)
			for _, n := range chunks {
				parallelChunk = n
				s2, a2 := readWith(t, data, f, m, opts, 3, stop)
				if diff := cmp.Diff(s1, s2, exact); diff != "" {
					t.Fatalf("%s, mode %v, chunks of %d, stop %d: DealReader on 3 workers differs from serial (-serial +parallel):\n%s", name, mode, n, stop, diff)
				}
				if diff := cmp.Diff(a1, a2, exact); diff != "" {
					t.Fatalf("%s, mode %v, chunks of %d: ReadDeals on 3 workers differs from serial (-serial +parallel):\n%s", name, mode, n, diff)
				}
			}
		}
	}
	parallelChunk = 1 << 20
}

// hostileCSV writes n rows in testMapping's columns from r, many of them
// malformed: quotes that span lines and chunk boundaries, bare and
// doubled quotes, CRLF and lone CR line ends, blank lines, bad values,
// repeated and empty IDs, rows of the wrong width.
func hostileCSV(r *rand.Rand, n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,account,created,closed,amount,stage,source,rep,tier,demo_at\n")
	ends := []string{"\n", "\n", "\n", "\r\n", "\r", "\n\n"}
	for i := range n {
		id := fmt.Sprintf("D%d", i)
		switch r.IntN(20) {
		case 0:
			id = fmt.Sprintf("D%d", r.IntN(i+1)) // a repeat, perhaps
		case 1:
			id = ""
		case 2:
			id = `"D` + fmt.Sprint(i) + `"`
		}
		account := []string{"Acme", `"Acme, Inc."`, `"multi` + "\n" + `line"`, `"say ""hi"""`, `bare"quote`, `"open`, "Ünïcode"}[r.IntN(7)]
		if r.IntN(3) > 0 {
			account = "Acme"
		}
		stage := []string{"Lead", "Demo", "Proposal", "Closed Won", "Closed Lost", "Nope", ""}[r.IntN(7)]
		created := fmt.Sprintf("2024-01-%02d", 1+r.IntN(28))
		closed := ""
		if strings.HasPrefix(stage, "Closed") || r.IntN(10) == 0 {
			closed = []string{"2024-03-05", "2024-03-05T10:00:00Z", "2023-12-31", "not a date", "2024-02-30"}[r.IntN(5)]
		}
		amount := []string{"100", "99.50", "-1", "1e5", "", "12345678901234567890.5", "0.001", "abc"}[r.IntN(8)]
		demo := ""
		if r.IntN(2) == 0 {
			demo = fmt.Sprintf("2024-02-%02d", 1+r.IntN(28))
		}
		row := strings.Join([]string{id, account, created, closed, amount, stage, "web", "rep" + fmt.Sprint(r.IntN(4)), "gold", demo}, ",")
		if r.IntN(25) == 0 {
			row += ",extra"
		}
		b.WriteString(row + ends[r.IntN(len(ends))])
	}
	return b.Bytes()
}

// TestParallelEqualsSerial checks that reading deals in chunks on several
// workers gives what the serial read gives, deal for deal, report for
// report and error for error, on generated and hostile inputs, in chunks
// as short as a byte.
func TestParallelEqualsSerial(t *testing.T) {
	withChunk(t, 1<<20)
	mustChunk = true
	defer func() { mustChunk = false }()
	f := testFunnel(t)
	chunks := []int{1, 7, 64, 300, 4096}
	gen := []byte(generatedCSV(200))
	sameReads(t, "generated", gen, f, testMapping, Options{}, chunks...)
	sameReads(t, "generated, CRLF", bytes.ReplaceAll(gen, []byte("\n"), []byte("\r\n")), f, testMapping, Options{}, chunks...)
	sameReads(t, "generated, lone CR", bytes.ReplaceAll(gen, []byte("\n"), []byte("\r")), f, testMapping, Options{}, 64)
	sameReads(t, "generated, BOM", append([]byte("\ufeff"), gen...), f, testMapping, Options{}, chunks...)
	u16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(gen)
	if err != nil {
		t.Fatal(err)
	}
	sameReads(t, "generated, UTF-16", u16, f, testMapping, Options{}, 7, 300)
	footer := append(bytes.Clone(gen), "\n\"Grand Totals (200 records)\"\n\n\"Report, as of\",today\n"...)
	sameReads(t, "generated, footer", footer, f, testMapping, Options{Footer: "Grand Totals"}, chunks...)
	sameReads(t, "generated, footer count wrong", bytes.Replace(footer, []byte("(200"), []byte("(199"), 1), f, testMapping, Options{Footer: "Grand Totals"}, 64)
	sameReads(t, "generated, unique IDs assumed", gen, f, testMapping, Options{AssumeUniqueIDs: true}, 64)
	d, _, _ := peersLike(300, 1)
	sameReads(t, "peers", d, peersFunnel(t), peersMapping, peersOptions, 1, 100, 4096)

	r := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		in := hostileCSV(r, 1+r.IntN(120))
		if i%4 == 3 {
			in = append(in, `9999,"never closed,x`...)
		}
		sameReads(t, fmt.Sprintf("hostile %d", i), in, f, testMapping, Options{AllowTrailingEmpty: i%2 == 0}, 1+r.IntN(200), 1+r.IntN(40))
	}
}

// TestParallelStopsItsGoroutines checks that a parallel read stopped early,
// or ended by an error, leaves no goroutine running.
func TestParallelStopsItsGoroutines(t *testing.T) {
	withChunk(t, 128)
	f := testFunnel(t)
	gen := []byte(generatedCSV(500))
	before := runtime.NumGoroutine()
	for _, in := range [][]byte{gen, append(bytes.Clone(gen), "1,\"open\n"...)} {
		for _, stop := range []int{0, 1, 100, -1} {
			readWith(t, in, f, testMapping, Options{}, 2, stop)
		}
	}
	// errReader: a read that fails half way
	x, err := NewDealReader(iotest(gen[:3000]), "f.csv", f, testMapping, Options{Workers: 2, Mode: funnel.Lenient})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range x.All() {
		n++
	}
	if x.chunks < 2 {
		t.Errorf("read in %d chunks", x.chunks)
	}
	if x.Err() == nil || !strings.Contains(x.Err().Error(), "boom") || n == 0 {
		t.Errorf("read error: %v after %d deals", x.Err(), n)
	}
	for range 100 {
		if runtime.NumGoroutine() <= before {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Errorf("%d goroutines running after the reads, %d before", g, before)
	}
}

// iotest returns a reader of data that then fails.
func iotest(data []byte) *failing { return &failing{data: data} }

type failing struct{ data []byte }

func (r *failing) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, fmt.Errorf("boom")
	}
	n := copy(p, r.data[:min(len(r.data), 100)])
	r.data = r.data[n:]
	return n, nil
}

// FuzzParallelRead checks that a parallel read of any input, in chunks of
// any length, gives what the serial read gives.
func FuzzParallelRead(f *testing.F) {
	f.Add([]byte(generatedCSV(20)), uint16(50), false)
	f.Add(hostileCSV(rand.New(rand.NewPCG(3, 4)), 30), uint16(9), true)
	f.Add([]byte("id,account,created,closed,amount,stage,source,rep,tier,demo_at\n1,\"a\nb\",2024-01-01,,5,Lead,,,,\n2,x\"y,2024-01-01,,5,Lead,,,,\n3,\"q\n\",2024-01-01,,5,Lead,,,,\n"), uint16(3), false)
	fn, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, lenient bool) {
		old := parallelChunk
		defer func() { parallelChunk = old }()
		opts := Options{}
		if lenient {
			opts.Mode = funnel.Lenient
		}
		parallelChunk = 1 << 20
		s1, a1 := readWith(t, data, fn, testMapping, opts, 1, -1)
		parallelChunk = 1 + int(chunk)%512
		s2, a2 := readWith(t, data, fn, testMapping, opts, 2, -1)
		if diff := cmp.Diff(s1, s2, exact); diff != "" {
			t.Fatalf("chunks of %d: DealReader differs (-serial +parallel):\n%s", parallelChunk, diff)
		}
		if diff := cmp.Diff(a1, a2, exact); diff != "" {
			t.Fatalf("chunks of %d: ReadDeals differs (-serial +parallel):\n%s", parallelChunk, diff)
		}
	})
}
