package csvimport

import (
	"bytes"
	"flag"
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
// long runs the property tests of the parallel reads over more generated
// files (-args -csvimport.long; a step of the CI runs it).
var long = flag.Bool("csvimport.long", false, "run the property tests of the parallel reads over more files")

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

// An openRead is what one read of a deals file with a history file gave,
// for comparison.
type openRead struct {
	Deals   []funnel.Deal
	Report  *Report
	History *Report
	Join    [2]JoinReport
	Err     string
}

// readOpen reads deals with the history file hist through Open on workers
// workers, stopping after stop deals (never for stop < 0).
func readOpen(t testing.TB, deals, hist []byte, m Mapping, p Pipelines, workers, stop int) openRead {
	t.Helper()
	m.Options.Workers = workers
	var got openRead
	x, err := Open(m, p, File{Name: "d.csv", R: bytes.NewReader(deals)}, File{Name: "h.csv", R: bytes.NewReader(hist)})
	if err != nil {
		got.Err = err.Error()
		return got
	}
	for d := range x.All() {
		if len(got.Deals) == stop {
			break
		}
		got.Deals = append(got.Deals, d)
	}
	if mustChunk && workers > 1 && stop < 0 && parallelChunk < len(deals)/4 && x.chunks+x.resyncs == 0 {
		t.Errorf("a read on %d workers of %d bytes in chunks of %d used none", workers, len(deals), parallelChunk)
	}
	got.Report, got.History = x.Report(), x.HistoryReport()
	got.Join[0], got.Join[1] = x.HistoryJoin()
	if x.Err() != nil {
		got.Err = x.Err().Error()
	}
	return got
}

// sameOpens fails unless the parallel reads of deals with the history
// file hist, in chunks of each length, give what the serial read gives:
// deals, reports, history join and errors, in strict and lenient mode,
// stopped early or not.
func sameOpens(t *testing.T, name string, deals, hist []byte, m Mapping, p Pipelines, chunks ...int) {
	t.Helper()
	for _, mode := range []funnel.Mode{funnel.Strict, funnel.Lenient} {
		m.Options.Mode = mode
		for _, stop := range []int{-1, 0, 3, 50} {
			parallelChunk = 1 << 20
			r1 := readOpen(t, deals, hist, m, p, 1, stop)
			for _, n := range chunks {
				parallelChunk = n
				r2 := readOpen(t, deals, hist, m, p, 3, stop)
				if diff := cmp.Diff(r1, r2, exact); diff != "" {
					t.Fatalf("%s, mode %v, chunks of %d, stop %d: Open on 3 workers differs from serial (-serial +parallel):\n%s", name, mode, n, stop, diff)
				}
			}
		}
	}
	parallelChunk = 1 << 20
}

// historyCSVs writes n deals of pipelines A, B and C (not read) and
// their stage history, from r: deals without history rows, history rows
// of deals not in the deals file, unknown stages, history rows of another
// pipeline, entries before the deal's creation, current stages that are
// not the history's last, closed deals without a close in their history,
// repeated and non-numeric IDs, and a few malformed deal rows; rare
// times rarer for rare > 1, so that a strict read goes on for a while.
func historyCSVs(r *rand.Rand, n, rare int) (deals, hist []byte) {
	odds := func(k int) bool { return r.IntN(k*rare) == 0 } // 1 in k, or rarer
	var d, h bytes.Buffer
	d.WriteString("id,pipe,stage,created,closed,amount\n")
	h.WriteString("id,at,stage,pipe\n")
	stagesOf := map[string][]string{"A": {"Lead", "Demo", "Proposal"}, "B": {"Lead", "Trial"}, "C": {"Lead"}}
	type hrow struct {
		id, at, stage, pipe string
	}
	var rows []hrow
	for i := range n {
		id := fmt.Sprint(i + 1)
		repeat := false
		switch {
		case odds(15):
			id, repeat = fmt.Sprint(1+r.IntN(i+1)), true // a repeat, perhaps
		case r.IntN(15) == 0:
			id = fmt.Sprintf("X-%d", i) // not a number
		}
		pipe := []string{"A", "A", "B", "B", "C"}[r.IntN(5)]
		if pipe == "C" && rare > 1 {
			pipe = "A"
		}
		if odds(40) {
			pipe = "Z" // no such pipeline
		}
		stages := stagesOf[pipe]
		if stages == nil {
			stages = stagesOf["A"]
		}
		created := day(2024, 1, 1+r.IntN(20))
		k := r.IntN(len(stages))
		stage := stages[k]
		closed := ""
		switch r.IntN(6) {
		case 0:
			stage, closed = "Closed Won", created.AddDate(0, 2, 0).Format(time.DateOnly)
		case 1:
			stage, closed = "Closed Lost", created.AddDate(0, 2, 0).Format(time.DateOnly)
		}
		if odds(6) {
			stage = "Closed Won" // its close time from the history, if it has one
		}
		if odds(50) {
			stage = "Nope"
		}
		amount := []string{"100", "99.50", "1e5", "x"}[r.IntN(4)]
		if !odds(30) {
			amount = fmt.Sprint(100 + r.IntN(900))
		}
		row := strings.Join([]string{id, pipe, stage, created.Format(time.DateOnly), closed, amount}, ",")
		if odds(60) {
			row += ",extra"
		}
		d.WriteString(row + "\n")
		if repeat || odds(5) {
			continue // no history rows, or those of the first deal of the ID
		}
		at := created
		if odds(30) {
			at = created.AddDate(0, 0, -3) // an entry before its creation
		}
		hp := pipe
		switch {
		case odds(25):
			hp = "B"
		case r.IntN(25) == 0:
			hp = ""
		}
		for j := 0; j <= min(k+r.IntN(2), len(stages)-1); j++ {
			st := stages[j]
			if odds(60) {
				st = "Unknown"
			}
			rows = append(rows, hrow{id, at.Format(time.DateOnly), st, hp})
			at = at.AddDate(0, 0, 1+r.IntN(5))
		}
		if strings.HasPrefix(stage, "Closed") && (rare > 1 || r.IntN(3) > 0) {
			rows = append(rows, hrow{id, at.Format(time.DateOnly), stage, hp})
		}
	}
	for i := range 1 + n/8 {
		// orphans: history rows of deals not in the deals file
		rows = append(rows, hrow{fmt.Sprint(10*n + i), "2024-02-01", "Lead", "A"})
		if i%3 == 0 {
			rows = append(rows, hrow{fmt.Sprintf("Y-%d", i), "2024-02-02", "Demo", "A"})
		}
	}
	r.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	for _, hr := range rows {
		fmt.Fprintf(&h, "%s,%s,%s,%s\n", hr.id, hr.at, hr.stage, hr.pipe)
	}
	return d.Bytes(), h.Bytes()
}

// TestParallelWithHistoryEqualsSerial checks that reading deals with a
// history file attached in chunks on several workers gives what the
// serial read gives: deals with their histories, the deals report and
// its notes, the history's join report (orphans, deals without history)
// and errors, on the peers' shape and on generated files of several
// pipelines with orphans, unknown stages and bad rows.
func TestParallelWithHistoryEqualsSerial(t *testing.T) {
	withChunk(t, 1<<20)
	mustChunk = true
	defer func() { mustChunk = false }()

	d, e, _ := peersLike(300, 1)
	pm := peersMapping
	pm.Defaults = map[string]string{"stage": ""}
	peers := Mapping{Deals: pm, Options: peersOptions,
		History: HistoryMapping{DealID: "deal_id", At: "entered_at", Stage: "stage", Won: []string{"closed"}}}
	sameOpens(t, "peers", d, e, peers, Pipelines{"sales": peersFunnel(t)}, 1, 100, 4096)

	fb, err := funnel.New("Lead", "Trial")
	if err != nil {
		t.Fatal(err)
	}
	p := Pipelines{"A": testFunnel(t), "B": fb}
	m := Mapping{
		Deals: DealMapping{ID: "id", Pipeline: "pipe", Stage: "stage", Created: "created", Closed: "closed", Amount: "amount",
			Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"}, DefaultCurrency: "USD"},
		History: HistoryMapping{DealID: "id", At: "at", Stage: "stage", Pipeline: "pipe"},
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 16 {
		deals, hist := historyCSVs(r, 20+r.IntN(200), 1+i%2*20)
		m.Options = Options{IgnoreOtherPipelines: i%2 == 0, UndatedClose: i%3 == 0, AssumeUniqueIDs: i%4 == 3}
		sameOpens(t, fmt.Sprintf("pipelines %d", i), deals, hist, m, p, 1+r.IntN(300), 1+r.IntN(40))
	}
}

// FuzzParallelOpen checks that a parallel read of any deals file with any
// history file, in chunks of any length, gives what the serial read
// gives: deals, reports, history join and errors.
func FuzzParallelOpen(f *testing.F) {
	deals, hist := historyCSVs(rand.New(rand.NewPCG(7, 8)), 40, 1)
	f.Add(deals, hist, uint16(60), false)
	f.Add([]byte("id,pipe,stage,created,closed,amount\n1,A,Lead,2024-01-01,,5\n2,B,Trial,2024-01-02,,6\nX,A,Demo,2024-01-03,,7\n"),
		[]byte("id,at,stage,pipe\n2,2024-01-03,Lead,B\n9,2024-01-01,Lead,A\nX,2024-01-04,Nope,A\n"), uint16(5), true)
	fa, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		f.Fatal(err)
	}
	fb, err := funnel.New("Lead", "Trial")
	if err != nil {
		f.Fatal(err)
	}
	p := Pipelines{"A": fa, "B": fb}
	f.Fuzz(func(t *testing.T, deals, hist []byte, chunk uint16, lenient bool) {
		old := parallelChunk
		defer func() { parallelChunk = old }()
		m := Mapping{
			Deals: DealMapping{ID: "id", Pipeline: "pipe", Stage: "stage", Created: "created", Closed: "closed", Amount: "amount",
				Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"}, DefaultCurrency: "USD"},
			History: HistoryMapping{DealID: "id", At: "at", Stage: "stage", Pipeline: "pipe"},
			Options: Options{IgnoreOtherPipelines: lenient},
		}
		if lenient {
			m.Options.Mode = funnel.Lenient
		}
		parallelChunk = 1 << 20
		r1 := readOpen(t, deals, hist, m, p, 1, -1)
		parallelChunk = 1 + int(chunk)%512
		r2 := readOpen(t, deals, hist, m, p, 2, -1)
		if diff := cmp.Diff(r1, r2, exact); diff != "" {
			t.Fatalf("chunks of %d: Open differs (-serial +parallel):\n%s", parallelChunk, diff)
		}
	})
}
