package csvimport

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func testFunnel(t testing.TB) *funnel.Funnel {
	t.Helper()
	f, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var testMapping = DealMapping{
	ID: "id", Account: "account", Created: "created", Closed: "closed", Amount: "amount",
	Stage: "stage", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"},
	Source: "source", Owner: "rep", Custom: map[string]string{"tier": "tier"},
	StageDates:      map[funnel.Stage]string{"Demo": "demo_at"},
	DefaultCurrency: "USD",
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestReadDeals(t *testing.T) {
	in := "id,account,created,closed,amount,stage,source,rep,tier,demo_at\r\n" +
		"1,Acme,2024-01-02,2024-02-01,1200.50,Closed Won,web,ana,gold,2024-01-10\r\n" +
		"2,,2024-01-03,,,Lead,,ben,,\r\n" +
		"\"3\",\"Beta, Inc\",2024-01-04T10:00:00+02:00,,99,Proposal,ads,ana,,2024-01-05\r\n"
	m := testMapping
	m.EmptyAmountIsZero = true
	deals, rep, err := ReadDeals(strings.NewReader(in), "deals.csv", testFunnel(t), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []funnel.Deal{
		{ID: "1", Account: "Acme", Created: day(2024, 1, 2), Closed: day(2024, 2, 1), Amount: decimal.RequireFromString("1200.50"),
			Currency: "USD", Outcome: funnel.Won, Stage: "Demo", History: []funnel.StageChange{{Stage: "Demo", At: day(2024, 1, 10)}},
			Attrs: funnel.Attributes{Source: "web", Owner: "ana", Custom: map[string]string{"tier": "gold"}}},
		{ID: "2", Created: day(2024, 1, 3), Currency: "USD", Stage: "Lead", History: []funnel.StageChange{{Stage: "Lead"}},
			Attrs: funnel.Attributes{Owner: "ben"}},
		{ID: "3", Account: "Beta, Inc", Created: time.Date(2024, 1, 4, 8, 0, 0, 0, time.UTC), Amount: decimal.New(99, 0),
			Currency: "USD", Stage: "Proposal",
			History: []funnel.StageChange{{Stage: "Demo", At: day(2024, 1, 5)}, {Stage: "Proposal"}},
			Attrs:   funnel.Attributes{Source: "ads", Owner: "ana"}},
	}
	if diff := cmp.Diff(want, deals, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("deals (-want +got):\n%s", diff)
	}
	wantRep := &Report{File: "deals.csv", Rows: 3, Kept: 3, Notes: []Reason{{NoteEmptyAmount, 1}}}
	if diff := cmp.Diff(wantRep, rep, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
}

func TestImplyEarlierStages(t *testing.T) {
	in := "id,stage,demo_at,created,closed\n" +
		"a,Proposal,2024-01-05,2024-01-01,\n" + // Lead (untimed), Demo (dated), Proposal (untimed)
		"b,Lead,,,\n" +
		"c,Closed Lost,2024-01-05,2024-01-01,2024-01-09\n" // lost from Demo
	m := DealMapping{ID: "id", Stage: "stage", Created: "created", Closed: "closed", Lost: []string{"Closed Lost"},
		StageDates: map[funnel.Stage]string{"Demo": "demo_at"}, ImplyEarlierStages: true}
	deals, _, err := ReadDeals(strings.NewReader(in), "d.csv", testFunnel(t), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]funnel.StageChange{}
	for _, d := range deals {
		got[d.ID+"/"+string(d.Stage)] = d.History
	}
	want := map[string][]funnel.StageChange{
		"a/Proposal": {{Stage: "Lead"}, {Stage: "Demo", At: day(2024, 1, 5)}, {Stage: "Proposal"}},
		"b/Lead":     {{Stage: "Lead"}},
		"c/Demo":     {{Stage: "Lead"}, {Stage: "Demo", At: day(2024, 1, 5)}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("histories (-want +got):\n%s", diff)
	}
}

// TestReadDealsErrors checks that each bad row names file, line and column
// and wraps the right sentinel, in strict mode, and that lenient mode
// skips and counts the same rows.
func TestReadDealsErrors(t *testing.T) {
	head := "id,account,created,closed,amount,stage,source,rep,tier,demo_at\n"
	good := "9,A,2024-01-02,,5,Lead,,,,\n"
	tests := []struct {
		name    string
		row     string
		line    int
		column  string
		wantErr error
	}{
		{"bad date", "1,A,2024-13-01,,5,Lead,,,,\n", 3, "created", ErrTime},
		{"bad amount", "1,A,2024-01-02,,1e999999999,Lead,,,,\n", 3, "amount", ErrAmount},
		{"empty amount", "1,A,2024-01-02,,,Lead,,,,\n", 3, "amount", ErrEmpty},
		{"empty id", ",A,2024-01-02,,5,Lead,,,,\n", 3, "id", ErrEmpty},
		{"unknown stage", "1,A,2024-01-02,,5,Limbo,,,,\n", 3, "stage", funnel.ErrUnknownStage},
		{"won without close", "1,A,2024-01-02,,5,Closed Won,,,,2024-01-03\n", 3, "closed", funnel.ErrMissingCloseTime},
		{"closed before created", "1,A,2024-01-02,2024-01-01,5,Closed Lost,,,,\n", 3, "closed", funnel.ErrClosedBeforeCreated},
		{"negative", "1,A,2024-01-02,,-5,Lead,,,,\n", 3, "amount", funnel.ErrNegativeAmount},
		{"duplicate id", "9,A,2024-01-02,,5,Lead,,,,\n", 3, "id", ErrDuplicateID},
		{"bare quote", "1,\"A\"x,2024-01-02,,5,Lead,,,,\n", 3, "account", ErrRow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := head + good + tt.row + good[:0]
			_, _, err := ReadDeals(strings.NewReader(in), "deals.csv", testFunnel(t), testMapping, Options{})
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadDeals error = %v, want a ParseError wrapping %v", err, tt.wantErr)
			}
			if pe.File != "deals.csv" || pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("error at %s:%d column %q, want deals.csv:%d column %q", pe.File, pe.Line, pe.Column, tt.line, tt.column)
			}
			deals, rep, err := ReadDeals(strings.NewReader(in+"10,B,2024-01-02,,5,Lead,,,,\n"), "deals.csv", testFunnel(t), testMapping, Options{Mode: funnel.Lenient})
			if err != nil {
				t.Fatalf("lenient ReadDeals error = %v", err)
			}
			if len(deals) != 2 || rep.Rows != 3 || rep.Kept != 2 || rep.Skipped != 1 || len(rep.Examples) != 1 || !errors.Is(rep.Examples[0], tt.wantErr) {
				t.Errorf("lenient: %d deals, report %+v", len(deals), rep)
			}
		})
	}
}

func TestReadDealsMapping(t *testing.T) {
	f := testFunnel(t)
	_, _, err := ReadDeals(strings.NewReader("id,stage\n"), "d.csv", f, DealMapping{ID: "id", Stage: "stage", Amount: "value"}, Options{})
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrMissingColumn) || pe.Column != "value" || pe.Line != 1 {
		t.Errorf("missing column error = %v", err)
	}
	if _, _, err := ReadDeals(strings.NewReader("id,stage\n"), "d.csv", f, DealMapping{ID: "id"}, Options{}); !errors.Is(err, ErrMapping) {
		t.Errorf("no Stage mapping error = %v", err)
	}
	m := DealMapping{ID: "id", Stage: "stage", StageDates: map[funnel.Stage]string{"Nope": "stage"}}
	if _, _, err := ReadDeals(strings.NewReader("id,stage\n"), "d.csv", f, m, Options{}); !errors.Is(err, ErrMapping) {
		t.Errorf("unknown StageDates stage error = %v", err)
	}
	if _, _, err := ReadDeals(strings.NewReader(""), "d.csv", f, DealMapping{ID: "id", Stage: "stage"}, Options{}); !errors.Is(err, ErrRow) {
		t.Errorf("empty file error = %v", err)
	}
	// a header with a byte-order mark and padded names
	deals, _, err := ReadDeals(strings.NewReader("\ufeffid , stage\n1,Lead\n"), "d.csv", f, DealMapping{ID: "id", Stage: "stage"}, Options{})
	if err != nil || len(deals) != 1 {
		t.Errorf("BOM header: %v, %d deals", err, len(deals))
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		want string
		err  bool
	}{
		{"0", "0", false}, {"1200.50", "1200.5", false}, {"-0.5", "-0.5", false}, {"+7", "7", false},
		{".25", "0.25", false}, {"10.", "10", false},
		{"123456789012345678", "123456789012345678", false},
		{"1234567890123456789012345.12345", "1234567890123456789012345.12345", false},
		{"1e5", "", true}, {"1e999999999", "", true}, {"", "", true}, {"-", "", true}, {".", "", true},
		{"1,000", "", true}, {"$5", "", true}, {"NaN", "", true}, {"1.2.3", "", true}, {" 5", "", true},
		{strings.Repeat("9", 31), "", true},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in, 0)
		if (err != nil) != tt.err {
			t.Errorf("ParseAmount(%q) error = %v, want error %v", tt.in, err, tt.err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrAmount) {
				t.Errorf("ParseAmount(%q) error %v does not wrap ErrAmount", tt.in, err)
			}
			continue
		}
		if !got.Equal(decimal.RequireFromString(tt.want)) {
			t.Errorf("ParseAmount(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestReadChangesAndAttach(t *testing.T) {
	f := testFunnel(t)
	log := "deal,stage,at\n" +
		"1,Demo,2024-01-05T10:00:00Z\n" +
		"1,Lead,2024-01-02T09:00:00Z\n" + // out of file order: sorted by time
		"7,Lead,2024-01-02T09:00:00Z\n" + // no such deal
		"2,Limbo,2024-01-02T09:00:00Z\n" + // unknown stage
		"2,Lead,yesterday\n" // bad time
	changes, rep, err := ReadChanges(strings.NewReader(log), "history.csv", f, ChangeMapping{DealID: "deal", Stage: "stage", At: "at"}, Options{Mode: funnel.Lenient})
	if err != nil {
		t.Fatal(err)
	}
	want := Changes{
		"1": {{Stage: "Lead", At: time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC)}, {Stage: "Demo", At: time.Date(2024, 1, 5, 10, 0, 0, 0, time.UTC)}},
		"7": {{Stage: "Lead", At: time.Date(2024, 1, 2, 9, 0, 0, 0, time.UTC)}},
	}
	if diff := cmp.Diff(want, changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if rep.Rows != 5 || rep.Kept != 3 || rep.Skipped != 2 {
		t.Errorf("report = %+v", rep)
	}
	if diff := cmp.Diff([]Reason{{ErrTime.Error(), 1}, {funnel.ErrUnknownStage.Error(), 1}}, rep.Reasons); diff != "" {
		t.Errorf("reasons (-want +got):\n%s", diff)
	}
	deals := []funnel.Deal{{ID: "1"}, {ID: "2", Stage: "Lead"}}
	matched, orphans := AttachHistory(deals, changes)
	if diff := cmp.Diff(JoinReport{Name: "deals with stage changes", Matched: 1, Unmatched: 1, Missing: []Reason{{"2", 1}}}, matched); diff != "" {
		t.Errorf("matched (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(JoinReport{Name: "stage changes with a deal", Matched: 1, Unmatched: 1, Missing: []Reason{{"7", 1}}}, orphans); diff != "" {
		t.Errorf("orphans (-want +got):\n%s", diff)
	}
	if deals[0].Stage != "Demo" || len(deals[0].History) != 2 || deals[1].History != nil {
		t.Errorf("deals after attach = %+v", deals)
	}
	if err := deals[0].Validate(f); err != nil {
		t.Errorf("attached deal does not validate: %v", err)
	}
	_, _, err = ReadChanges(strings.NewReader(log), "history.csv", f, ChangeMapping{DealID: "deal", Stage: "stage", At: "at"}, Options{})
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 5 || pe.Column != "stage" {
		t.Errorf("strict ReadChanges error = %v, want history.csv:5 column stage", err)
	}
}

func TestTableJoin(t *testing.T) {
	tbl, rep, err := ReadTable(strings.NewReader("product,series\nGTX Pro,GTX\nMG,MG\nMG,dup\n,empty\n"), "products.csv", "product", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Len() != 2 || rep.Skipped != 2 {
		t.Errorf("table of %d rows, report %+v", tbl.Len(), rep)
	}
	if v, ok := tbl.Get("MG", "series"); !ok || v != "MG" {
		t.Errorf("Get = %q, %v: the first row of a key wins", v, ok)
	}
	deals := []funnel.Deal{{ID: "1", Attrs: funnel.Attributes{Product: "GTX Pro"}}, {ID: "2", Attrs: funnel.Attributes{Product: "GTXPro"}},
		{ID: "3", Attrs: funnel.Attributes{Product: "GTXPro"}}, {ID: "4"}}
	jr := Join(deals, tbl, func(d *funnel.Deal) string { return d.Attrs.Product },
		func(d *funnel.Deal, col func(string) string) { d.Attrs.Campaign = col("series") + col("nope") })
	want := JoinReport{Name: "products.csv", Matched: 1, Unmatched: 2, EmptyKey: 1, Missing: []Reason{{"GTXPro", 2}}}
	if diff := cmp.Diff(want, jr); diff != "" {
		t.Errorf("join (-want +got):\n%s", diff)
	}
	if deals[0].Attrs.Campaign != "GTX" || deals[1].Attrs.Campaign != "" {
		t.Errorf("joined deals = %+v", deals)
	}
	if s := jr.String(); s != "products.csv: 1 matched, 2 unmatched (GTXPro 2), 1 empty keys" {
		t.Errorf("String = %q", s)
	}
}

func TestClosedStage(t *testing.T) {
	in := "id,stage,closed,demo_at\nw,Closed Won,2024-02-01,\nl,Closed Lost,2024-02-01,2024-01-15\n"
	m := DealMapping{ID: "id", Stage: "stage", Closed: "closed", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"},
		StageDates: map[funnel.Stage]string{"Demo": "demo_at"}}
	// without ClosedStage the won row has no stage at all
	if _, _, err := ReadDeals(strings.NewReader(in), "d.csv", testFunnel(t), m, Options{}); !errors.Is(err, funnel.ErrUnknownStage) {
		t.Fatalf("error = %v, want unknown stage", err)
	}
	m.ClosedStage = "Proposal"
	deals, _, err := ReadDeals(strings.NewReader(in), "d.csv", testFunnel(t), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// the won row takes ClosedStage; the lost row keeps its dated stage
	got := []funnel.Stage{deals[0].Stage, deals[1].Stage}
	if diff := cmp.Diff([]funnel.Stage{"Proposal", "Demo"}, got); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
}

// TestParseAmountRoundTrip checks that amounts at the digit bound print to
// a string that parses back: the leading zero that decimal prints before
// the point of a value below one is not a digit of the amount.
func TestParseAmountRoundTrip(t *testing.T) {
	for _, s := range []string{
		"." + strings.Repeat("0", 29) + "1",  // prints as 0.000...1
		"-." + strings.Repeat("0", 29) + "1", // prints as -0.000...1
		"." + strings.Repeat("9", 30),
		"0" + strings.Repeat("9", 30),  // a leading zero is not a digit either
		strings.Repeat("9", 18) + ".5", // past the int64 fast path
	} {
		d, err := ParseAmount(s, 0)
		if err != nil {
			t.Errorf("ParseAmount(%q): %v", s, err)
			continue
		}
		back, err := ParseAmount(d.String(), 0)
		if err != nil || !back.Equal(d) {
			t.Errorf("ParseAmount(%q) = %s, which reads back as %v, %v", s, d, back, err)
		}
	}
}

// claimedSize is a reader that reports a size of its own, as a file being
// appended to or a wrong Content-Length would.
type claimedSize struct {
	*strings.Reader
	size int
}

func (c claimedSize) Len() int { return c.size }

// TestReadDealsEstimateCapped reads a file whose first rows are short and
// whose later rows are long (here: a reader that claims 256 MiB and holds
// far less): the deals slice must not be sized from the first rows alone.
func TestReadDealsEstimateCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,stage,notes\n")
	for i := range 64 {
		fmt.Fprintf(&b, "s%d,Lead,\n", i)
	}
	long := strings.Repeat("x", 2048)
	for i := range 1000 {
		fmt.Fprintf(&b, "l%d,Lead,%s\n", i, long)
	}
	in := claimedSize{strings.NewReader(b.String()), 256 << 20}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	deals, _, err := ReadDeals(in, "d.csv", testFunnel(t), DealMapping{ID: "id", Stage: "stage"}, Options{})
	runtime.ReadMemStats(&after)
	if err != nil || len(deals) != 1064 {
		t.Fatalf("ReadDeals: %d deals, %v", len(deals), err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("ReadDeals allocated %d MiB for %d deals of a %d KiB file", got>>20, len(deals), b.Len()>>10)
	}
}

// TestErrorColumnByIndex checks that naming the column of a row error does
// not cost time in the width of the header: 1,000 errors under a header of
// 1,000,000 columns.
func TestErrorColumnByIndex(t *testing.T) {
	const width = 1_000_000
	var b strings.Builder
	for i := range width - 2 {
		fmt.Fprintf(&b, "c%d,", i)
	}
	b.WriteString("stage,id\n")
	x, err := NewDealReader(strings.NewReader(b.String()), "wide.csv", testFunnel(t), DealMapping{ID: "id", Stage: "stage"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 1000 {
		if pe := x.dr.errAt(width-1, ErrEmpty); pe.Column != "id" {
			t.Fatalf("error names column %q, want id", pe.Column)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("1000 row errors took %v under a %d-column header", d, width)
	}
}

// TestDealReaderSingleUse checks that a second iteration of a DealReader,
// through All again or through the same iterator, is an error and not an
// empty stream.
func TestDealReaderSingleUse(t *testing.T) {
	in := "id,stage\n1,Lead\n2,Demo\n"
	count := func(seq func(func(funnel.Deal) bool)) int {
		n := 0
		for range seq {
			n++
		}
		return n
	}
	x, err := NewDealReader(strings.NewReader(in), "d.csv", testFunnel(t), DealMapping{ID: "id", Stage: "stage"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := x.All()
	if n := count(all); n != 2 || x.Err() != nil {
		t.Fatalf("first iteration: %d deals, %v", n, x.Err())
	}
	if n := count(all); n != 0 || !errors.Is(x.Err(), ErrAlreadyRead) {
		t.Errorf("same iterator again: %d deals, error %v, want ErrAlreadyRead", n, x.Err())
	}
	x, _ = NewDealReader(strings.NewReader(in), "d.csv", testFunnel(t), DealMapping{ID: "id", Stage: "stage"}, Options{})
	for range x.All() {
		break // stopped early: the stream is still used up
	}
	if n := count(x.All()); n != 0 || !errors.Is(x.Err(), ErrAlreadyRead) {
		t.Errorf("All after a stopped iteration: %d deals, error %v, want ErrAlreadyRead", n, x.Err())
	}
	// a strict error stays visible next to the second use
	x, _ = NewDealReader(strings.NewReader(in+"3,Limbo\n"), "d.csv", testFunnel(t), DealMapping{ID: "id", Stage: "stage"}, Options{})
	count(x.All())
	count(x.All())
	if !errors.Is(x.Err(), funnel.ErrUnknownStage) || !errors.Is(x.Err(), ErrAlreadyRead) {
		t.Errorf("error after a failed read and a second use = %v", x.Err())
	}
}
