package csvimport

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// A histEntryView is a stage entry or close of a history, as read.
type histEntryView struct {
	Stage string
	At    time.Time
	Line  int
	Close funnel.Outcome
}

// A histDealView is what a history holds of one deal.
type histDealView struct {
	Index              int32 // the deal's number, in the order of first rows
	Entries            []histEntryView
	Changes            []funnel.FieldChange
	From, Pipeline     string
	FromLine, PipeLine int32
}

// A histRead is what one read of a history file gave, for comparison:
// every deal's entries (in their order, ties at equal times included),
// changes, first stage and pipeline, the report with its counts, the
// join report of a join with no deal, or the error.
type histRead struct {
	Deals  map[string]histDealView
	Report *Report
	Join   JoinReport
	Err    string
}

func viewHistory(h *history, err error) histRead {
	if err != nil {
		return histRead{Err: err.Error()}
	}
	got := histRead{Deals: map[string]histDealView{}, Report: h.rep}
	h.index.each(func(id string, k int32) {
		v := histDealView{Index: k}
		e0, e1 := h.deals.entryRange(k)
		for i := e0; i < e1; i++ {
			e := h.entries.at(i)
			v.Entries = append(v.Entries, histEntryView{h.texts[e.stage], h.times.get(e.sec, e.nsec, e.zone), int(e.line), e.close})
		}
		c0, c1 := h.deals.changeRange(k)
		v.Changes = h.changes[c0:c1]
		var from, pipe uint32
		from, v.FromLine = h.deals.fromOf(k)
		pipe, v.PipeLine = h.deals.pipelineOf(k)
		v.From, v.Pipeline = h.texts[from], h.texts[pipe]
		got.Deals[id] = v
	})
	_, got.Join = h.join("d.csv")
	return got
}

// histExact is exact (parallel_test.go) but for times, which are equal
// when they are the same instant in zones of the same name and offset:
// a time parsed with an offset is in a zone made for it, another one on
// each read.
var histExact = cmp.Options{exact[0], exact[2], cmp.Comparer(func(a, b time.Time) bool {
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && an == bn && ao == bo && a.Location().String() == b.Location().String()
})}

// readHistoryWith reads data with workers workers.
func readHistoryWith(data []byte, m HistoryMapping, opts Options, workers int) histRead {
	opts.Workers = workers
	return viewHistory(readHistory(bytes.NewReader(data), "h.csv", &m, opts))
}

// The two mappings of histFile's columns: snapshot rows, and one field
// per row.
var (
	histSnapshot = HistoryMapping{DealID: "id", At: "at", Stage: "stage", FromStage: "from", Pipeline: "pipe",
		Amount: "amount", Category: "cat", Attrs: map[string]string{"note": "note"}, Won: []string{"Won"}, Lost: []string{"Lost"}}
	histFields = HistoryMapping{DealID: "id", At: "at", Stage: "stage", FromStage: "from", Field: "field", Value: "value",
		Fields: map[string]HistoryField{"stage": HistoryStage, "status": HistoryStatus, "amount": HistoryAmount,
			"expected": HistoryExpectedClose, "prob": HistoryProbability, "cat": HistoryCategory},
		FieldAttrs: map[string]string{"color": "color"}, Won: []string{"Won"}, Lost: []string{"Lost"}, Open: []string{"open"}}
)

// histFile writes a history file of about n rows from r, for both
// mappings above: deals whose rows are spread over the file (shuffled,
// or listed deal by deal), ties at equal times, times in several zones,
// quoted fields with line breaks and quotes, CRLF and lone CR line ends,
// and, unless clean, bad rows (empty IDs, bad times, amounts and
// outcomes, wrong widths, conflicting pipelines) and malformed quotes.
func histFile(r *rand.Rand, n int, clean bool) []byte {
	var b bytes.Buffer
	b.WriteString("id,at,stage,from,pipe,amount,cat,note,field,value\n")
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	bad := func(k int) bool { return !clean && r.IntN(k) == 0 }
	var rows []string
	for len(rows) < n {
		id := fmt.Sprint(1 + r.IntN(n/3+1))
		if r.IntN(6) == 0 {
			id = fmt.Sprintf("X-%d", r.IntN(n/5+1))
		}
		if bad(80) {
			id = ""
		}
		day := 1 + r.IntN(5) // few days: ties
		at := fmt.Sprintf("2024-03-%02d", day)
		switch r.IntN(6) {
		case 0:
			at = fmt.Sprintf("2024-03-%02dT10:00:00%s", day, pick("Z", "+02:00", "-05:00", "+02:00"))
		case 1:
			at = fmt.Sprintf("2024-03-%02dT23:30:00.5Z", day)
		}
		if bad(60) {
			at = pick("2024-13-01", "", "soon")
		}
		stage := pick("Lead", "Demo", "Proposal", "Won", "Lost", "")
		from := pick("", "", "Lead", "Demo")
		pipe := []string{"A", "", "B"}[len(id)%3] // one per deal, or none
		if bad(40) {
			pipe = pick("A", "B") // perhaps not the deal's
		}
		amount := pick("", "100", "99.50", `"1200.00"`)
		if bad(50) {
			amount = "12x"
		}
		cat := pick("", "Commit", "Best Case", `"Pipe, line"`, "\"two\nlines\"", `"say ""hi"""`)
		note := pick("", "n1", "\"a\r\nb\"")
		field := pick("stage", "stage", "status", "amount", "expected", "prob", "cat", "color", "owner")
		value := map[string]string{"stage": "", "status": pick("open", "Won", "Lost"), "amount": pick("150", "", "7.25"),
			"expected": pick("2024-04-01", ""), "prob": pick("0.5", "1", ""), "cat": pick("Hot", "\"Co,ld\""), "color": "red", "owner": "Ann"}[field]
		if field == "stage" && stage == "" {
			stage = "Lead" // a stage row needs its stage
		}
		if bad(70) {
			value = pick("maybe", "2", "2024-99-99")
		}
		row := strings.Join([]string{id, at, stage, from, pipe, amount, cat, note, field, value}, ",")
		if bad(90) {
			row += ",extra"
		}
		if bad(90) {
			row = id + "," + at
		}
		if bad(300) {
			row = `"` + row // a quote that opens and closes rows later
		}
		rows = append(rows, row)
	}
	if r.IntN(2) == 0 {
		// deal by deal: rows of a deal together, in file order within
		rowsBy := map[string][]string{}
		var order []string
		for _, row := range rows {
			id, _, _ := strings.Cut(row, ",")
			if _, ok := rowsBy[id]; !ok {
				order = append(order, id)
			}
			rowsBy[id] = append(rowsBy[id], row)
		}
		rows = rows[:0]
		for _, id := range order {
			rows = append(rows, rowsBy[id]...)
		}
	}
	for _, row := range rows {
		b.WriteString(row)
		b.WriteString(pick("\n", "\n", "\n", "\r\n", "\r"))
	}
	return b.Bytes()
}

// sameHistories fails unless reading data on 2 and 4 workers, in chunks
// of each length, gives what the serial read gives, with both mappings,
// in strict and lenient mode.
func sameHistories(t *testing.T, name string, data []byte, opts Options, chunks ...int) {
	t.Helper()
	for mi, m := range []HistoryMapping{histSnapshot, histFields} {
		for _, mode := range []funnel.Mode{funnel.Strict, funnel.Lenient} {
			opts.Mode = mode
			parallelChunk = 1 << 20
			want := readHistoryWith(data, m, opts, 1)
			for _, n := range chunks {
				parallelChunk = n
				for _, w := range []int{2, 4} {
					got := readHistoryWith(data, m, opts, w)
					if diff := cmp.Diff(want, got, histExact); diff != "" {
						t.Fatalf("%s, mapping %d, mode %v, chunks of %d, %d workers: differs from serial (-serial +parallel):\n%s", name, mi, mode, n, w, diff)
					}
				}
			}
			parallelChunk = 1 << 20
		}
	}
}

// TestParallelHistoryEqualsSerial checks that a history file read in
// chunks on several workers gives what the serial read gives: each deal's
// entries in order (ties at equal times in file order), changes, first
// stage and pipeline, the counts and report, the join report, the first
// error in strict mode and the reasons of the rows skipped in lenient
// mode; on clean and hostile files, sorted deal by deal and shuffled,
// in tiny chunks that put a boundary in most records and a deal's rows in
// many chunks.
func TestParallelHistoryEqualsSerial(t *testing.T) {
	withChunk(t, 1<<20)
	r := rand.New(rand.NewPCG(12, 34))
	files := 8 // every variant of the loop: shuffled (i%3 == 0), with a footer (i%4 == 1)
	if *long {
		files = 24
	}
	for i := range files {
		data := histFile(r, 20+r.IntN(400), i%3 == 0)
		opts := Options{}
		if i%4 == 1 {
			opts.Footer = "Total"
			data = append(data, "Total (3 records),,,,,,,,,\n"...)
		}
		sameHistories(t, fmt.Sprint("file ", i), data, opts, 1, 7, 1+r.IntN(200), 1+r.IntN(2000))
	}
}

// TestParallelHistoryUsesChunks checks that a large history file is read
// in chunks by the workers (and gives the serial read's result).
func TestParallelHistoryUsesChunks(t *testing.T) {
	withChunk(t, 4096)
	_, events := peerLike(5000)
	m := HistoryMapping{DealID: "deal_id", At: "entered_at", Stage: "stage", Won: []string{"closed"}}
	opts := Options{Layouts: []string{time.DateTime}, Location: time.UTC}
	rd, err := newReader(bytes.NewReader(events), "h.csv", Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if w := parallelWorkers(rd, int64(len(events))); w != 2 {
		t.Fatalf("%d workers for %d bytes, want 2", w, len(events))
	}
	want := readHistoryWith(events, m, opts, 1)
	for _, w := range []int{2, 4} {
		got := readHistoryWith(events, m, opts, w)
		if diff := cmp.Diff(want, got, histExact); diff != "" {
			t.Fatalf("%d workers differ from serial (-serial +parallel):\n%s", w, diff)
		}
	}
	if n := len(want.Deals); n != 5000 || want.Report.Kept != want.Report.Rows {
		t.Fatalf("%d deals, report %+v", n, want.Report)
	}
}

// FuzzParallelHistory checks that a parallel read of any history file,
// in chunks of any length, on 2 or 3 workers, gives what the serial read
// gives.
func FuzzParallelHistory(f *testing.F) {
	r := rand.New(rand.NewPCG(56, 78))
	for i := range 4 {
		f.Add(histFile(r, 6+3*i, i == 0), uint16(1+17*i), i%2 == 0, uint8(i))
	}
	f.Add([]byte("id,at,stage,from,pipe,amount,cat,note,field,value\n1,2024-01-01,Lead,,A,,,,stage,\n1,2024-01-01,Demo,,B,,,,stage,\r\n\"2\",2024-01-02,\"De\nmo\",,,5,,,amount,5\n"), uint16(3), true, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16, lenient bool, mapping uint8) {
		old := parallelChunk
		defer func() { parallelChunk = old }()
		m := histSnapshot
		if mapping%2 == 1 {
			m = histFields
		}
		opts := Options{}
		if lenient {
			opts.Mode = funnel.Lenient
		}
		parallelChunk = 1 << 20
		want := readHistoryWith(data, m, opts, 1)
		parallelChunk = 1 + int(chunk)%512
		got := readHistoryWith(data, m, opts, 2+int(mapping/2%2))
		if diff := cmp.Diff(want, got, histExact); diff != "" {
			t.Fatalf("chunks of %d: differs (-serial +parallel):\n%s", parallelChunk, diff)
		}
	})
}
