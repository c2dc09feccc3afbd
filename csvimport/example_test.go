package csvimport_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"golang.org/x/text/encoding/charmap"
)

const dealsCSV = `opportunity,stage,created,closed,amount,owner
O-1,Closed Won,2024-01-02,2024-02-01,1200.50,ana
O-2,Demo,2024-01-05,,300,ben
O-3,Closed Lost,2024-01-09,2024-01-20,0,ana
`

var mapping = csvimport.DealMapping{
	ID: "opportunity", Stage: "stage", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"},
	Created: "created", Closed: "closed", Amount: "amount", Owner: "owner", DefaultCurrency: "USD",
	ClosedStage: "Proposal", // the export does not say where closed deals were
}

func exampleFunnel() *funnel.Funnel {
	f, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		panic(err)
	}
	return f
}

// Example streams a CSV export straight into a funnel report.
func Example() {
	f := exampleFunnel()
	r, err := csvimport.NewDealReader(strings.NewReader(dealsCSV), "deals.csv", f, mapping, csvimport.Options{})
	if err != nil {
		panic(err)
	}
	report, err := funnel.Compute(f, r.All(), funnel.Options{Currency: "USD"})
	if err != nil || r.Err() != nil {
		panic(errors.Join(err, r.Err()))
	}
	fmt.Println(report.Deals, report.WinRate, report.DealSize.Total)
	// Output: 3 1/2 (50.0%) 1200.5
}

func ExampleReadDeals() {
	in := dealsCSV + "O-4,Demo,2024-13-01,,5,ana\n" // no 13th month
	deals, rep, err := csvimport.ReadDeals(strings.NewReader(in), "deals.csv", exampleFunnel(), mapping,
		csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(deals), rep.Rows, rep.Skipped)
	fmt.Println(rep.Examples[0])
	// Output:
	// 3 4 1
	// deals.csv:5: column "created": csvimport: invalid time "2024-13-01"
}

func ExampleNewDealReader() {
	_, err := csvimport.NewDealReader(strings.NewReader("id,stage\n"), "deals.csv", exampleFunnel(),
		csvimport.DealMapping{ID: "id", Stage: "stage", Amount: "value"}, csvimport.Options{})
	fmt.Println(err)
	// Output: deals.csv:1: column "value": csvimport: missing column
}

func ExampleDealReader() {
	r, _ := csvimport.NewDealReader(strings.NewReader(dealsCSV), "deals.csv", exampleFunnel(), mapping, csvimport.Options{})
	for d := range r.All() {
		fmt.Println(d.ID, d.Outcome, d.Amount)
	}
	// Output:
	// O-1 won 1200.5
	// O-2 open 300
	// O-3 lost 0
}

func ExampleDealReader_All() {
	in := dealsCSV + "O-2,Demo,2024-01-05,,300,ben\n" // a repeated ID
	r, _ := csvimport.NewDealReader(strings.NewReader(in), "deals.csv", exampleFunnel(), mapping, csvimport.Options{})
	n := 0
	for range r.All() {
		n++
	}
	fmt.Println(n, errors.Is(r.Err(), csvimport.ErrDuplicateID))
	// Output: 3 true
}

func ExampleDealReader_Err() {
	r, _ := csvimport.NewDealReader(strings.NewReader(dealsCSV+"O-9,Limbo,,,1,ana\n"), "deals.csv", exampleFunnel(), mapping, csvimport.Options{})
	for range r.All() {
	}
	var pe *csvimport.ParseError
	fmt.Println(errors.As(r.Err(), &pe), pe.Line, pe.Column, errors.Is(r.Err(), funnel.ErrUnknownStage))
	// Output: true 5 stage true
}

func ExampleDealReader_Report() {
	m := mapping
	m.EmptyAmountIsZero = true
	r, _ := csvimport.NewDealReader(strings.NewReader(dealsCSV+"O-5,Lead,2024-01-05,,,ben\n"), "deals.csv", exampleFunnel(), m, csvimport.Options{})
	for range r.All() {
	}
	fmt.Println(r.Report().Kept, r.Report().Notes)
	// Output: 4 [{empty amount read as 0 1}]
}

func ExampleDealMapping() {
	// A linear funnel with one date column per stage: the history is
	// rebuilt from the dates, with earlier stages implied.
	in := "id,status,demo_at,proposal_at\nX-1,Proposal,2024-02-01,2024-02-10\n"
	m := csvimport.DealMapping{ID: "id", Stage: "status", ImplyEarlierStages: true,
		StageDates: map[funnel.Stage]string{"Demo": "demo_at", "Proposal": "proposal_at"}}
	deals, _, _ := csvimport.ReadDeals(strings.NewReader(in), "d.csv", exampleFunnel(), m, csvimport.Options{})
	for _, c := range deals[0].History {
		fmt.Println(c.Stage, c.At.Format("2006-01-02"), c.At.IsZero())
	}
	// Output:
	// Lead 0001-01-01 true
	// Demo 2024-02-01 false
	// Proposal 2024-02-10 false
}

func ExampleOptions() {
	in := "id;stage;created\nA;Lead;05/03/2024 09:30\n"
	deals, _, err := csvimport.ReadDeals(strings.NewReader(in), "d.csv", exampleFunnel(),
		csvimport.DealMapping{ID: "id", Stage: "stage", Created: "created"},
		csvimport.Options{Comma: ';', Layouts: []string{"02/01/2006 15:04"}})
	fmt.Println(deals[0].Created, err)
	// Output: 2024-03-05 09:30:00 +0000 UTC <nil>
}

func ExampleParseAmount() {
	for _, s := range []string{"1200.50", "-0.5", "1e9", "1,000"} {
		d, err := csvimport.ParseAmount(s, 0)
		fmt.Println(d, err != nil)
	}
	// Output:
	// 1200.5 false
	// -0.5 false
	// 0 true
	// 0 true
}

func ExampleParseError() {
	_, _, err := csvimport.ReadDeals(strings.NewReader("opportunity,stage,created,closed,amount,owner\nO-1,Lead,,,abc,ana\n"),
		"deals.csv", exampleFunnel(), mapping, csvimport.Options{})
	var pe *csvimport.ParseError
	if errors.As(err, &pe) {
		fmt.Println(pe.File, pe.Line, pe.Column, errors.Is(err, csvimport.ErrAmount))
	}
	// Output: deals.csv 2 amount true
}

func ExampleParseError_Error() {
	e := &csvimport.ParseError{File: "deals.csv", Line: 7, Column: "amount", Err: csvimport.ErrEmpty}
	fmt.Println(e.Error())
	// Output: deals.csv:7: column "amount": csvimport: empty required value
}

func ExampleParseError_Unwrap() {
	e := &csvimport.ParseError{File: "deals.csv", Line: 7, Err: csvimport.ErrRow}
	fmt.Println(e.Unwrap() == csvimport.ErrRow)
	// Output: true
}

func ExampleReport() {
	_, rep, _ := csvimport.ReadDeals(strings.NewReader(dealsCSV+"O-1,Lead,,,1,ana\n"), "deals.csv", exampleFunnel(), mapping,
		csvimport.Options{Mode: funnel.Lenient})
	fmt.Println(rep.Rows, rep.Kept, rep.Skipped, rep.Reasons)
	// Output: 4 3 1 [{csvimport: duplicate deal id 1}]
}

func ExampleReason() {
	r := csvimport.Reason{Reason: "csvimport: invalid time", Count: 3}
	fmt.Println(r.Reason, r.Count)
	// Output: csvimport: invalid time 3
}

const historyCSV = `deal,stage,at
O-2,Lead,2024-01-05T09:00:00Z
O-2,Demo,2024-01-08T14:00:00Z
O-7,Lead,2024-01-06T10:00:00Z
`

func ExampleReadChanges() {
	ch, rep, err := csvimport.ReadChanges(strings.NewReader(historyCSV), "history.csv", exampleFunnel(),
		csvimport.ChangeMapping{DealID: "deal", Stage: "stage", At: "at"}, csvimport.Options{})
	fmt.Println(len(ch["O-2"]), rep.Kept, err)
	// Output: 2 3 <nil>
}

func ExampleChangeMapping() {
	m := csvimport.ChangeMapping{DealID: "OpportunityId", Stage: "StageName", At: "CreatedDate"}
	fmt.Println(m.DealID, m.Stage, m.At)
	// Output: OpportunityId StageName CreatedDate
}

func ExampleChanges() {
	ch, _, _ := csvimport.ReadChanges(strings.NewReader(historyCSV), "history.csv", exampleFunnel(),
		csvimport.ChangeMapping{DealID: "deal", Stage: "stage", At: "at"}, csvimport.Options{})
	for _, c := range ch["O-2"] {
		fmt.Println(c.Stage, c.At.Format("01-02 15:04"))
	}
	// Output:
	// Lead 01-05 09:00
	// Demo 01-08 14:00
}

func ExampleAttachHistory() {
	f := exampleFunnel()
	deals, _, _ := csvimport.ReadDeals(strings.NewReader(dealsCSV), "deals.csv", f, mapping, csvimport.Options{})
	ch, _, _ := csvimport.ReadChanges(strings.NewReader(historyCSV), "history.csv", f,
		csvimport.ChangeMapping{DealID: "deal", Stage: "stage", At: "at"}, csvimport.Options{})
	matched, orphans := csvimport.AttachHistory(deals, ch)
	fmt.Println(matched)
	fmt.Println(orphans)
	fmt.Println(len(deals[1].History), deals[1].Validate(f))
	// Output:
	// deals with stage changes: 1 matched, 2 unmatched (O-1 1, O-3 1), 0 empty keys
	// stage changes with a deal: 1 matched, 1 unmatched (O-7 1), 0 empty keys
	// 2 <nil>
}

func ExampleJoinReport() {
	deals := []funnel.Deal{{ID: "1", Account: "Acme"}, {ID: "2", Account: "Nobody"}}
	t, _, _ := csvimport.ReadTable(strings.NewReader("account,sector\nAcme,retail\n"), "accounts.csv", "account", csvimport.Options{})
	rep := csvimport.Join(deals, t, func(d *funnel.Deal) string { return d.Account },
		func(d *funnel.Deal, col func(string) string) { d.Attrs.Industry = col("sector") })
	fmt.Println(rep.Matched, rep.Unmatched, rep.Missing)
	// Output: 1 1 [{Nobody 1}]
}

func ExampleJoinReport_String() {
	fmt.Println(csvimport.JoinReport{Name: "products.csv", Matched: 7320, Unmatched: 1480, Missing: []csvimport.Reason{{Reason: "GTXPro", Count: 1480}}})
	// Output: products.csv: 7320 matched, 1480 unmatched (GTXPro 1480), 0 empty keys
}

func ExampleReadTable() {
	t, rep, err := csvimport.ReadTable(strings.NewReader("rep,team\nana,East\nben,West\nana,North\n"), "teams.csv", "rep", csvimport.Options{})
	team, _ := t.Get("ana", "team")
	fmt.Println(t.Len(), team, rep.Skipped, err)
	// Output: 2 East 1 <nil>
}

func ExampleTable() {
	t, _, _ := csvimport.ReadTable(strings.NewReader("product,series\nGTX Pro,GTX\n"), "products.csv", "product", csvimport.Options{})
	_, ok := t.Get("GTXPro", "series")
	fmt.Println(ok)
	// Output: false
}

func ExampleTable_Get() {
	t, _, _ := csvimport.ReadTable(strings.NewReader("product,series\nGTX Pro,GTX\n"), "products.csv", "product", csvimport.Options{})
	v, ok := t.Get("GTX Pro", "series")
	fmt.Println(v, ok)
	// Output: GTX true
}

func ExampleTable_Len() {
	t, _, _ := csvimport.ReadTable(strings.NewReader("k\na\nb\n"), "t.csv", "k", csvimport.Options{})
	fmt.Println(t.Len())
	// Output: 2
}

func ExampleJoin() {
	deals := []funnel.Deal{{ID: "1", Attrs: funnel.Attributes{Owner: "ana"}}, {ID: "2"}}
	t, _, _ := csvimport.ReadTable(strings.NewReader("rep,office\nana,East\n"), "teams.csv", "rep", csvimport.Options{})
	rep := csvimport.Join(deals, t, func(d *funnel.Deal) string { return d.Attrs.Owner },
		func(d *funnel.Deal, col func(string) string) { d.Attrs.Region = col("office") })
	fmt.Println(deals[0].Attrs.Region, rep.EmptyKey)
	// Output: East 1
}

// A second pass over a DealReader is an error, not an empty stream.
func ExampleDealReader_All_secondPass() {
	r, _ := csvimport.NewDealReader(strings.NewReader(dealsCSV), "deals.csv", exampleFunnel(), mapping, csvimport.Options{})
	first, second := 0, 0
	for range r.All() {
		first++
	}
	for range r.All() {
		second++
	}
	fmt.Println(first, second, errors.Is(r.Err(), csvimport.ErrAlreadyRead))
	// Output: 3 0 true
}

// Excel on Windows writes CSV in Windows-1252; name the encoding to read
// it. UTF-16 and UTF-32 are told from the input without it.
func ExampleOptions_encoding() {
	in := "opportunity,stage,created,closed,amount,owner\nO-1,Demo,2024-01-05,,300,Zo\xeb\n"
	deals, rep, err := csvimport.ReadDeals(strings.NewReader(in), "deals.csv", exampleFunnel(), mapping,
		csvimport.Options{Encoding: charmap.Windows1252})
	fmt.Println(deals[0].Attrs.Owner, rep.Encoding, err)
	// Output: Zoë Windows 1252 <nil>
}

// A row whose field count differs from the header's is an error: here an
// unquoted thousands separator. AllowTrailingEmpty accepts rows padded
// with empty fields, and only those.
func ExampleOptions_allowTrailingEmpty() {
	in := "opportunity,stage,created,closed,amount,owner\n" +
		"O-1,Demo,2024-01-05,,300,ana,,\n" + // padded
		"O-2,Demo,2024-01-05,,1,200,ben\n" // 1,200 unquoted
	deals, rep, _ := csvimport.ReadDeals(strings.NewReader(in), "deals.csv", exampleFunnel(), mapping,
		csvimport.Options{Mode: funnel.Lenient, AllowTrailingEmpty: true})
	fmt.Println(len(deals), rep.Skipped)
	fmt.Println(rep.Examples[0])
	// Output:
	// 1 1
	// deals.csv:3: csvimport: malformed row: wrong number of fields: 7 fields where the header has 6: a value with an unquoted "," in it, such as 1,000 or Smith, John?
}

// A quote that is never closed stops the read at the line where it
// opened, in lenient mode too: the rows after it cannot be told apart.
func ExampleOptions_unclosedQuote() {
	in := dealsCSV + "O-4,\"Demo,2024-01-05,,5,ana\nO-5,Demo,2024-01-06,,7,ben\n"
	_, _, err := csvimport.ReadDeals(strings.NewReader(in), "deals.csv", exampleFunnel(), mapping,
		csvimport.Options{Mode: funnel.Lenient})
	fmt.Println(err)
	// Output: deals.csv:5: column "stage": csvimport: malformed row: unclosed quote: the quote opened on line 5 is not closed by the end of the input (line 6): the rest of the file is one field
}

// Lone CR line ends (classic Mac OS exports) read like LF and CRLF.
func ExampleOptions_lineEndings() {
	in := strings.ReplaceAll(dealsCSV, "\n", "\r")
	deals, _, err := csvimport.ReadDeals(strings.NewReader(in), "deals.csv", exampleFunnel(), mapping, csvimport.Options{})
	fmt.Println(len(deals), err)
	// Output: 3 <nil>
}

// Without the duplicate-ID check a reader keeps nothing per row; a repeated
// ID is then another deal.
func ExampleOptions_assumeUniqueIDs() {
	in := dealsCSV + "O-2,Demo,2024-01-05,,300,ben\n"
	deals, _, err := csvimport.ReadDeals(strings.NewReader(in), "deals.csv", exampleFunnel(), mapping,
		csvimport.Options{AssumeUniqueIDs: true})
	fmt.Println(len(deals), err)
	// Output: 4 <nil>
}
