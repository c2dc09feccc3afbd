package csvimport_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// Hand-worked tables of the reading rules: every expected deal and count
// below follows from the rows by the rules in the doc comments.

var equalTimes = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func read(t *testing.T, in string, m csvimport.DealMapping, opts csvimport.Options) ([]funnel.Deal, *csvimport.Report, error) {
	t.Helper()
	return csvimport.ReadDeals(strings.NewReader(in), "d.csv", exampleFunnelT(t), m, opts)
}

func TestOutcomeSources(t *testing.T) {
	type row struct {
		stage, status, won, closed string
		want                       funnel.Outcome
		err                        string // part of the error, "" for none
	}
	tests := []struct {
		name string
		m    csvimport.DealMapping
		rows []row
	}{
		{"status column (Pipedrive)", csvimport.DealMapping{Outcome: "status", Won: []string{"Won"}, Lost: []string{"Lost"}, Open: []string{"Open"}}, []row{
			{"Demo", "Open", "", "", funnel.Open, ""},
			{"Demo", "won", "", "", funnel.Won, ""},
			{"Demo", "LOST", "", "", funnel.Lost, ""},
			{"Demo", "", "", "", 0, "empty required value"},
			{"Demo", "Deleted", "", "", 0, `invalid outcome "Deleted": not a value of DealMapping.Won ("Won"), Lost ("Lost") or Open ("Open")`},
		}},
		{"stage and flags (Salesforce)", csvimport.DealMapping{Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"}, WonFlag: "won", ClosedFlag: "closed"}, []row{
			{"Demo", "", "0", "0", funnel.Open, ""},
			{"Closed Won", "", "1", "1", funnel.Won, ""},
			{"Closed Lost", "", "0", "1", funnel.Lost, ""},
			{"Closed Won", "", "0", "1", 0, `"won" says not won where "stage" says won`},
			{"Demo", "", "0", "1", funnel.Lost, ""},
			{"Closed Lost", "", "0", "0", 0, `"closed" says open where "stage" says not won`},
			{"Demo", "", "1", "0", 0, "the won flag says yes"},
			{"Demo", "", "maybe", "0", 0, "invalid flag"},
		}},
		{"won flag alone (a lead list)", csvimport.DealMapping{WonFlag: "won"}, []row{
			{"Demo", "", "1", "", funnel.Won, ""},
			{"Demo", "", "0", "", funnel.Lost, ""},
			{"Demo", "", "", "", funnel.Lost, ""},
		}},
		{"won flag beside stage values (HubSpot)", csvimport.DealMapping{Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"}, WonFlag: "won"}, []row{
			{"Demo", "", "false", "", funnel.Open, ""},
			{"Closed Lost", "", "false", "", funnel.Lost, ""},
			{"Closed Won", "", "true", "", funnel.Won, ""},
			{"Demo", "", "true", "", funnel.Won, ""},
		}},
		{"closed flag without won", csvimport.DealMapping{ClosedFlag: "closed"}, []row{
			{"Demo", "", "", "0", funnel.Open, ""},
			{"Demo", "", "", "1", 0, "no column says whether won or lost"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, r := range tt.rows {
				in := "id,stage,status,won,closed,at\n" + "D," + r.stage + "," + r.status + "," + r.won + "," + r.closed + ",2024-02-01\n"
				m := tt.m
				m.ID, m.Stage, m.Closed, m.Created, m.ClosedStage = "id", "stage", "", "at", "Proposal"
				if r.want != funnel.Open || r.err != "" {
					m.CloseDate = "at"
				}
				deals, _, err := read(t, in, m, csvimport.Options{})
				switch {
				case r.err != "":
					if err == nil || !strings.Contains(err.Error(), r.err) {
						t.Errorf("row %d: %v; want an error with %q", i, err, r.err)
					}
				case err != nil:
					t.Errorf("row %d: %v", i, err)
				case deals[0].Outcome != r.want:
					t.Errorf("row %d: %v, want %v", i, deals[0].Outcome, r.want)
				}
			}
		})
	}
}

func TestCloseTimeSources(t *testing.T) {
	// One row per case: which source gives the close time.
	m := csvimport.DealMapping{ID: "id", Stage: "stage", Outcome: "status", Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
		Created: "created", Closed: "closed", WonAt: "won_at", LostAt: "lost_at", CloseDate: "close_date",
		Amount: "amount", EmptyAmountIsZero: true}
	in := "id,stage,status,created,closed,won_at,lost_at,close_date,amount\n" +
		"a,Demo,won,2024-01-01,2024-02-01,2024-02-02,,2024-02-03,\n" + // Closed first
		"b,Demo,won,2024-01-01,,2024-02-02,2024-02-09,2024-02-03,\n" + // WonAt for a won deal
		"c,Demo,lost,2024-01-01,,2024-02-02,2024-02-09,2024-02-03,\n" + // LostAt for a lost one
		"d,Demo,lost,2024-01-01,,2024-02-02,,2024-02-03,\n" + // then CloseDate
		"e,Demo,open,2024-01-01,,2024-02-02,,2024-03-31,\n" // open: CloseDate is the expected close
	deals, _, err := read(t, in, m, csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := func(day int) time.Time { return utc(2024, 2, day, 0, 0) }
	want := map[string][2]time.Time{"a": {d(1)}, "b": {d(2)}, "c": {d(9)}, "d": {d(3)}, "e": {{}, utc(2024, 3, 31, 0, 0)}}
	for _, x := range deals {
		if w := want[x.ID]; !x.Closed.Equal(w[0]) || !x.ExpectedClose.Equal(w[1]) {
			t.Errorf("%s: closed %v expected %v, want %v", x.ID, x.Closed, x.ExpectedClose, w)
		}
	}
	// No source: an error that says what to map, or undated with the option.
	in2 := "id,stage,status,created,closed,won_at,lost_at,close_date,amount\nf,Demo,won,2024-01-01,,,,,\n"
	_, _, err = read(t, in2, m, csvimport.Options{})
	if !errors.Is(err, funnel.ErrMissingCloseTime) || !strings.Contains(err.Error(), "Options.UndatedClose") {
		t.Errorf("no close time: %v", err)
	}
	deals, rep, err := read(t, in2, m, csvimport.Options{UndatedClose: true})
	if err != nil || len(deals) != 1 || !deals[0].Closed.IsZero() || noteCount(rep.Notes, csvimport.NoteUndatedClose) != 1 {
		t.Errorf("undated close: %v %v %v", deals, rep, err)
	}
}

func TestLeadList(t *testing.T) {
	// A lead list: no stage column, a converted flag, no dates. The stage
	// is a constant, the source cleaned of tokens and spellings.
	in := "email,source,converted\na@x,Web,1\nb@x,website,0\nc@x,N/A,yes\nd@x,  WEB ,no\n"
	m := csvimport.DealMapping{ID: "email", Stage: "stage", WonFlag: "converted", Source: "source",
		Defaults: map[string]string{"stage": "Lead"},
		Values:   map[string]csvimport.ValueRule{"source": {Missing: []string{"n/a"}, Aliases: map[string]string{"website": "web"}, Fold: true}}}
	deals, rep, err := read(t, in, m, csvimport.Options{UndatedClose: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []funnel.Deal{
		{ID: "a@x", Outcome: funnel.Won, Stage: "Lead", History: []funnel.StageChange{{Stage: "Lead"}}, Attrs: funnel.Attributes{Source: "web"}},
		{ID: "b@x", Outcome: funnel.Lost, Stage: "Lead", History: []funnel.StageChange{{Stage: "Lead"}}, Attrs: funnel.Attributes{Source: "web"}},
		{ID: "c@x", Outcome: funnel.Won, Stage: "Lead", History: []funnel.StageChange{{Stage: "Lead"}}},
		{ID: "d@x", Outcome: funnel.Lost, Stage: "Lead", History: []funnel.StageChange{{Stage: "Lead"}}, Attrs: funnel.Attributes{Source: "web"}},
	}
	if diff := cmp.Diff(want, deals, equalTimes); diff != "" {
		t.Errorf("deals (-want +got):\n%s", diff)
	}
	wantNotes := []csvimport.Reason{
		{Reason: csvimport.NoteUndatedClose, Count: 4},
		{Reason: `column "stage" is not in the file: read as "Lead" (DealMapping.Defaults)`, Count: 4},
	}
	if diff := cmp.Diff(wantNotes, rep.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	// The scan counts them with UndatedClose; without it they are invalid.
	r, err := funnel.Compute(exampleFunnelT(t), slices.Values(deals), funnel.Options{UndatedClose: true})
	if err != nil || r.Won != 2 || r.Lost != 2 || r.WinRate.Ratio != (funnel.Ratio{Num: 2, Den: 4}) {
		t.Errorf("report: %v %+v", err, r.WinRate)
	}
}

func TestFooter(t *testing.T) {
	in := "\"id\",\"stage\"\n\"1\",\"Lead\"\n\"2\",\"Demo\"\n\n\"Grand Totals (2 records)\",\"\"\n\n\n\"Report\"\n\"Copyright (c) 2000-2025\"\n"
	m := csvimport.DealMapping{ID: "id", Stage: "stage"}
	deals, rep, err := read(t, in, m, csvimport.Options{Footer: "Grand Totals"})
	if err != nil || len(deals) != 2 {
		t.Fatal(deals, err)
	}
	if diff := cmp.Diff([]string{"Grand Totals (2 records)", "Report", "Copyright (c) 2000-2025"}, rep.Footer); diff != "" || rep.Rows != 2 {
		t.Errorf("footer (-want +got):\n%s rows %d", diff, rep.Rows)
	}
	bad := strings.Replace(in, "(2 records)", "(3 records)", 1)
	_, _, err = read(t, bad, m, csvimport.Options{Footer: "Grand Totals", Mode: funnel.Lenient})
	var pe *csvimport.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, csvimport.ErrFooter) || pe.Line != 5 || !strings.Contains(err.Error(), "3 records where 2 data rows") {
		t.Errorf("count mismatch: %v", err)
	}
	// Without Footer, the totals row is a row: an error naming its line.
	_, _, err = read(t, in, m, csvimport.Options{})
	if !errors.As(err, &pe) || pe.Line != 5 {
		t.Errorf("no footer option: %v", err)
	}
}

func TestUnknownStageSuggests(t *testing.T) {
	m := csvimport.DealMapping{ID: "id", Stage: "stage", Won: []string{"Won"}, Lost: []string{"Lost"}}
	tests := []struct{ value, hint string }{
		{"Closed Won", `if it closes the deal, list it in DealMapping.Won or DealMapping.Lost (they hold "Won" and "Lost")`},
		{"demo", `did you mean "Demo"?`},
		{"Pricing", "add it to the pipeline's funnel"},
	}
	for _, tt := range tests {
		_, _, err := read(t, "id,stage\n1,"+tt.value+"\n", m, csvimport.Options{})
		var pe *csvimport.ParseError
		if !errors.As(err, &pe) || pe.Column != "stage" || pe.Line != 2 || !errors.Is(err, funnel.ErrUnknownStage) ||
			!strings.Contains(err.Error(), `"`+tt.value+`"`) || !strings.Contains(err.Error(), tt.hint) {
			t.Errorf("%s: %v", tt.value, err)
		}
	}
}

func TestAmountsAndCurrencies(t *testing.T) {
	m := csvimport.DealMapping{ID: "id", Stage: "stage", Amount: "value", Currency: "cur", AmountFormat: csvimport.AmountFormat{MinorUnits: true},
		AmountPeriod: "period", AmountPeriodFactors: map[string]int64{"one_time": 1, "monthly": 12}}
	in := "id,stage,value,cur,period\na,Demo,125050,USD,one_time\nb,Demo,1250,JPY,monthly\nc,Demo,1250,BHD,annual\nd,Demo,99,EUR,\n"
	deals, rep, err := read(t, in, m, csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range deals {
		got[d.ID] = d.Amount.String() + " " + d.Currency
	}
	if diff := cmp.Diff(map[string]string{"a": "1250.5 USD", "b": "15000 JPY", "c": "1.25 BHD", "d": "0.99 EUR"}, got); diff != "" {
		t.Errorf("amounts (-want +got):\n%s", diff)
	}
	if n := noteCount(rep.Notes, `amount per period "annual", kept as exported (DealMapping.AmountPeriodFactors)`); n != 1 {
		t.Errorf("notes %v", rep.Notes)
	}
	// a code in the amount gives the currency, and must agree with the column
	m2 := csvimport.DealMapping{ID: "id", Stage: "stage", Amount: "value", Currency: "cur", AmountFormat: csvimport.AmountFormat{Grouping: true, Symbols: true}, DefaultCurrency: "GBP"}
	deals, _, err = read(t, "id,stage,value,cur\na,Demo,EUR 1.5,\nb,Demo,$2,\n", m2, csvimport.Options{})
	if err != nil || deals[0].Currency != "EUR" || deals[1].Currency != "GBP" {
		t.Errorf("codes: %v %v", deals, err)
	}
	_, _, err = read(t, "id,stage,value,cur\na,Demo,EUR 1.5,USD\n", m2, csvimport.Options{})
	if !errors.Is(err, csvimport.ErrCurrency) || !strings.Contains(err.Error(), "in EUR, the currency column says USD") {
		t.Errorf("mismatch: %v", err)
	}
}

func TestConversion(t *testing.T) {
	rates, err := csvimport.NewRates([]csvimport.Rate{
		{From: "EUR", To: "USD", Date: utc(2024, 1, 1, 0, 0), Rate: decimal.RequireFromString("1.1")},
		{From: "EUR", To: "USD", Date: utc(2024, 6, 1, 0, 0), Rate: decimal.RequireFromString("1.2")},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := csvimport.DealMapping{ID: "id", Stage: "stage", Won: []string{"Won"}, Amount: "amount", Currency: "cur",
		Created: "created", Closed: "closed", CloseDate: "close_date", ClosedStage: "Proposal"}
	in := "id,stage,amount,cur,created,closed,close_date\n" +
		"a,Won,100,EUR,2024-01-05,2024-07-01,\n" + // closed: the rate of its close, 1.2
		"b,Demo,100,EUR,2024-01-05,,2024-03-31\n" + // open: of its expected close, 1.1
		"c,Demo,100,USD,2024-01-05,,\n" + // already in USD
		"d,Demo,100,EUR,2024-01-05,,\n" // open, no expected close: of its creation, 1.1
	deals, rep, err := read(t, in, m, csvimport.Options{Currency: "USD", Rates: rates})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range deals {
		got[d.ID] = d.Amount.String() + " " + d.Currency
	}
	if diff := cmp.Diff(map[string]string{"a": "120 USD", "b": "110 USD", "c": "100 USD", "d": "110 USD"}, got); diff != "" {
		t.Errorf("converted (-want +got):\n%s", diff)
	}
	want := []csvimport.Conversion{
		{Rate: csvimport.Rate{From: "EUR", To: "USD", Date: utc(2024, 1, 1, 0, 0), Rate: decimal.RequireFromString("1.1")}, Deals: 2},
		{Rate: csvimport.Rate{From: "EUR", To: "USD", Date: utc(2024, 6, 1, 0, 0), Rate: decimal.RequireFromString("1.2")}, Deals: 1},
	}
	if diff := cmp.Diff(want, rep.Conversions, equalTimes); diff != "" {
		t.Errorf("conversions (-want +got):\n%s", diff)
	}
	// A missing rate names the deal and the pair; no rates name both
	// currencies and the ways out.
	_, _, err = read(t, "id,stage,amount,cur,created,closed,close_date\nz,Demo,5,SEK,2024-01-05,,\n", m, csvimport.Options{Currency: "USD", Rates: rates})
	if !errors.Is(err, csvimport.ErrCurrency) || !strings.Contains(err.Error(), "no rate from SEK to USD on or before 2024-01-05, for the deal (ID \"z\")") {
		t.Errorf("missing rate: %v", err)
	}
	_, _, err = read(t, in, m, csvimport.Options{Currency: "USD"})
	if !errors.Is(err, csvimport.ErrCurrency) || !strings.Contains(err.Error(), "is in EUR and the reading is in USD") || !strings.Contains(err.Error(), "ByCurrency") {
		t.Errorf("no rates: %v", err)
	}
}

func TestHistoryForms(t *testing.T) {
	f := exampleFunnelT(t)
	p := csvimport.Pipelines{"P": f}
	deals := "id,stage,status,created,amount\n1,Demo,open,2024-01-01 09:00,100\n2,Proposal,won,2024-01-01 09:00,200\n3,Lead,open,2024-01-02 09:00,50\n"
	base := csvimport.Mapping{
		Deals: csvimport.DealMapping{ID: "id", Stage: "stage", Outcome: "status", Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
			Created: "created", Amount: "amount"},
		Options: csvimport.Options{Layouts: []string{"2006-01-02 15:04"}},
	}
	open := func(t *testing.T, m csvimport.Mapping, hist string) ([]funnel.Deal, *csvimport.DealReader) {
		t.Helper()
		x, err := csvimport.Open(m, p, csvimport.File{Name: "deals.csv", R: strings.NewReader(deals)}, csvimport.File{Name: "hist.csv", R: strings.NewReader(hist)})
		if err != nil {
			t.Fatal(err)
		}
		out := slices.Collect(x.All())
		if x.Err() != nil {
			t.Fatal(x.Err())
		}
		return out, x
	}
	at := func(d, h int) time.Time { return utc(2024, 1, d, h, 0) }

	t.Run("snapshot rows", func(t *testing.T) {
		m := base
		m.History = csvimport.HistoryMapping{DealID: "id", At: "at", Stage: "stage", Amount: "amount", Won: []string{"Closed Won"}}
		// newest first, as some exports list them; deal 2's second row
		// saves the amount only, its fourth closes it
		hist := "id,at,stage,amount\n" +
			"2,2024-01-09 10:00,Closed Won,250\n2,2024-01-05 10:00,Proposal,250\n2,2024-01-03 10:00,Demo,250\n2,2024-01-01 09:00,Demo,200\n" +
			"1,2024-01-04 10:00,Demo,100\n1,2024-01-01 09:00,Lead,100\n" +
			"9,2024-01-01 09:00,Lead,1\n"
		got, x := open(t, m, hist)
		want := map[string][]funnel.StageChange{
			"1": {{Stage: "Lead", At: at(1, 9)}, {Stage: "Demo", At: at(4, 10)}},
			"2": {{Stage: "Demo", At: at(1, 9)}, {Stage: "Proposal", At: at(5, 10)}},
			"3": {{Stage: "Lead", At: at(2, 9)}}, // no rows: its stage at creation
		}
		wantChanges := map[string][]funnel.FieldChange{
			"1": {{Field: funnel.FieldAmount, At: at(1, 9), Amount: decimal.New(100, 0)}},
			"2": {{Field: funnel.FieldAmount, At: at(1, 9), Amount: decimal.New(200, 0)}, {Field: funnel.FieldAmount, At: at(3, 10), Amount: decimal.New(250, 0)}},
		}
		for _, d := range got {
			if diff := cmp.Diff(want[d.ID], d.History, equalTimes); diff != "" {
				t.Errorf("deal %s history (-want +got):\n%s", d.ID, diff)
			}
			if diff := cmp.Diff(wantChanges[d.ID], d.Changes, equalTimes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("deal %s changes (-want +got):\n%s", d.ID, diff)
			}
		}
		if d := got[1]; !d.Closed.Equal(at(9, 10)) || d.Outcome != funnel.Won {
			t.Errorf("deal 2 closed %v %v", d.Closed, d.Outcome)
		}
		// deal 9, in the history only, counts too
		wantCounts := &csvimport.HistoryCounts{Entries: 5, Closes: 1, Unchanged: 1,
			FieldChanges: []csvimport.Reason{{Reason: "amount", Count: 4}}, OtherFields: []csvimport.Reason{}}
		if diff := cmp.Diff(wantCounts, x.HistoryReport().History); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
		dj, hj := x.HistoryJoin()
		wantJoin := []csvimport.JoinReport{
			{Name: "deals.csv with hist.csv", Matched: 2, Unmatched: 1, Missing: []csvimport.Reason{{Reason: "3", Count: 1}}},
			{Name: "hist.csv with deals.csv", Matched: 2, Unmatched: 1, Missing: []csvimport.Reason{{Reason: "9", Count: 1}}},
		}
		if diff := cmp.Diff(wantJoin, []csvimport.JoinReport{dj, hj}); diff != "" {
			t.Errorf("joins (-want +got):\n%s", diff)
		}
	})

	t.Run("one field per row", func(t *testing.T) {
		m := base
		m.History = csvimport.HistoryMapping{DealID: "deal", At: "at", Field: "field", Value: "new", Stage: "new_stage", FromStage: "old_stage",
			Fields: map[string]csvimport.HistoryField{"stage_id": csvimport.HistoryStage, "status": csvimport.HistoryStatus, "value": csvimport.HistoryAmount}}
		hist := "deal,at,field,new,new_stage,old_stage\n" +
			"2,2024-01-09 10:00,status,won,,\n2,2024-01-05 10:00,stage_id,3,Proposal,Demo\n2,2024-01-04 10:00,value,250,,\n" +
			"2,2024-01-02 10:00,lost_reason,x,,\n1,2024-01-03 10:00,stage_id,2,Demo,Lead\n"
		got, x := open(t, m, hist)
		want := map[string][]funnel.StageChange{
			"1": {{Stage: "Lead", At: at(1, 9)}, {Stage: "Demo", At: at(3, 10)}}, // Lead from the old stage, at creation
			"2": {{Stage: "Demo", At: at(1, 9)}, {Stage: "Proposal", At: at(5, 10)}},
			"3": {{Stage: "Lead", At: at(2, 9)}},
		}
		for _, d := range got {
			if diff := cmp.Diff(want[d.ID], d.History, equalTimes); diff != "" {
				t.Errorf("deal %s history (-want +got):\n%s", d.ID, diff)
			}
		}
		if d := got[1]; !d.Closed.Equal(at(9, 10)) || len(d.Changes) != 1 || !d.Changes[0].Amount.Equal(decimal.New(250, 0)) {
			t.Errorf("deal 2: closed %v changes %v", d.Closed, d.Changes)
		}
		wantCounts := &csvimport.HistoryCounts{Entries: 4, Closes: 1, FieldChanges: []csvimport.Reason{{Reason: "amount", Count: 1}},
			OtherFields: []csvimport.Reason{{Reason: "lost_reason", Count: 1}}}
		if diff := cmp.Diff(wantCounts, x.HistoryReport().History); diff != "" {
			t.Errorf("counts (-want +got):\n%s", diff)
		}
	})

	t.Run("untimed log", func(t *testing.T) {
		m := base
		m.History = csvimport.HistoryMapping{DealID: "id", Stage: "page"}
		m.Options.UndatedClose = true // deal 2 is won, and the log has no times
		got, _ := open(t, m, "id,page\n1,Lead\n1,Demo\n2,Demo\n2,Proposal\n")
		want := map[string][]funnel.StageChange{
			"1": {{Stage: "Lead"}, {Stage: "Demo"}},
			"2": {{Stage: "Demo"}, {Stage: "Proposal"}},
			"3": {{Stage: "Lead", At: at(2, 9)}},
		}
		for _, d := range got {
			if diff := cmp.Diff(want[d.ID], d.History, equalTimes); diff != "" {
				t.Errorf("deal %s (-want +got):\n%s", d.ID, diff)
			}
		}
	})

	t.Run("errors name the history file", func(t *testing.T) {
		m := base
		m.History = csvimport.HistoryMapping{DealID: "id", At: "at", Stage: "stage"}
		x, err := csvimport.Open(m, p, csvimport.File{Name: "deals.csv", R: strings.NewReader(deals)},
			csvimport.File{Name: "hist.csv", R: strings.NewReader("id,at,stage\n1,2024-01-01 09:00,Lead\n1,2024-01-03 09:00,Pricing\n")})
		if err != nil {
			t.Fatal(err)
		}
		for range x.All() {
		}
		var pe *csvimport.ParseError
		if !errors.As(x.Err(), &pe) || pe.File != "hist.csv" || pe.Line != 3 || pe.Column != "stage" || !errors.Is(pe, funnel.ErrUnknownStage) ||
			!strings.Contains(pe.Error(), "HistoryMapping.Won") {
			t.Errorf("unknown stage in the history: %v", x.Err())
		}
		// an entry before the deal's creation: the history's line and time column
		x, _ = csvimport.Open(m, p, csvimport.File{Name: "deals.csv", R: strings.NewReader(deals)},
			csvimport.File{Name: "hist.csv", R: strings.NewReader("id,at,stage\n1,2023-12-01 09:00,Lead\n")})
		for range x.All() {
		}
		if !errors.As(x.Err(), &pe) || pe.File != "hist.csv" || pe.Line != 2 || pe.Column != "at" || !errors.Is(pe, funnel.ErrClosedBeforeCreated) ||
			!strings.Contains(pe.Error(), "before the creation") {
			t.Errorf("entry before creation: %v", x.Err())
		}
		// a history row of another pipeline
		m.History.Pipeline = "pipe"
		x, _ = csvimport.Open(m, p, csvimport.File{Name: "deals.csv", R: strings.NewReader(deals)},
			csvimport.File{Name: "hist.csv", R: strings.NewReader("id,at,stage,pipe\n1,2024-01-01 09:00,Lead,Q\n")})
		for range x.All() {
		}
		if !errors.As(x.Err(), &pe) || pe.File != "hist.csv" || !errors.Is(pe, csvimport.ErrPipeline) {
			t.Errorf("pipeline: %v", x.Err())
		}
	})
}

func TestOpenChecks(t *testing.T) {
	f := exampleFunnelT(t)
	deals := csvimport.File{Name: "d.csv", R: strings.NewReader("id,stage\n1,Lead\n")}
	for _, tt := range []struct {
		name string
		m    csvimport.Mapping
		p    csvimport.Pipelines
		h    csvimport.File
		want string
	}{
		{"no pipelines", csvimport.HubSpot(), nil, csvimport.File{}, "at least one pipeline"},
		{"local times", csvimport.HubSpot(), csvimport.Pipelines{"P": f}, csvimport.File{}, "set Options.Location"},
		{"history missing", csvimport.Mapping{Deals: csvimport.DealMapping{ID: "id", Stage: "stage"}, History: csvimport.HistoryMapping{DealID: "id", Stage: "s"}},
			csvimport.Pipelines{"P": f}, csvimport.File{}, "give it, or clear Mapping.History"},
		{"two pipelines, no column", csvimport.Mapping{Deals: csvimport.DealMapping{ID: "id", Stage: "stage"}},
			csvimport.Pipelines{"P": f, "Q": f}, csvimport.File{}, "no DealMapping.Pipeline column"},
	} {
		_, err := csvimport.Open(tt.m, tt.p, deals, tt.h)
		if !errors.Is(err, csvimport.ErrMapping) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// one pipeline, no column: its name is every deal's pipeline
	x, err := csvimport.Open(csvimport.Mapping{Deals: csvimport.DealMapping{ID: "id", Stage: "stage"}}, csvimport.Pipelines{"P": f}, deals, csvimport.File{})
	if err != nil {
		t.Fatal(err)
	}
	for d := range x.All() {
		if d.Pipeline != "P" {
			t.Errorf("pipeline %q", d.Pipeline)
		}
	}
	if _, err := csvimport.NewDealReader(strings.NewReader("id,stage,p\n"), "d.csv", f, csvimport.DealMapping{ID: "id", Stage: "stage", Pipeline: "p"}, csvimport.Options{}); !errors.Is(err, csvimport.ErrMapping) {
		t.Errorf("NewDealReader with a pipeline column: %v", err)
	}
}

func TestTableJoinBothSides(t *testing.T) {
	tbl, _, err := csvimport.ReadTable(strings.NewReader("account,since,arr\nAcme,2020-01-02,\"1,200.50\"\nBeta,yesterday,5\nGamma,2021-05-06,7\n"), "accounts.csv", "account",
		csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deals := []funnel.Deal{{ID: "1", Account: "Acme"}, {ID: "2", Account: "Zeta"}, {ID: "3"}}
	matched, unused, err := tbl.Join(deals, func(d *funnel.Deal) string { return d.Account }, func(d *funnel.Deal, r csvimport.Row) error {
		since, err := r.Time("since")
		if err != nil {
			return err
		}
		arr, _, err := r.Amount("arr", csvimport.AmountFormat{Grouping: true})
		if err != nil {
			return err
		}
		d.Attrs.Custom = map[string]string{"since": since.Format(time.DateOnly), "arr": arr.String()}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []csvimport.JoinReport{
		{Name: "accounts.csv", Matched: 1, Unmatched: 1, EmptyKey: 1, Missing: []csvimport.Reason{{Reason: "Zeta", Count: 1}}},
		{Name: "accounts.csv rows", Matched: 1, Unmatched: 2, Missing: []csvimport.Reason{{Reason: "Beta", Count: 1}, {Reason: "Gamma", Count: 1}}},
	}
	if diff := cmp.Diff(want, []csvimport.JoinReport{matched, unused}); diff != "" {
		t.Errorf("join (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"since": "2020-01-02", "arr": "1200.5"}, deals[0].Attrs.Custom); diff != "" {
		t.Errorf("row values (-want +got):\n%s", diff)
	}
	// a time that does not parse names the table, the line, the column and the layouts
	_, _, err = tbl.Join([]funnel.Deal{{Account: "Beta"}}, func(d *funnel.Deal) string { return d.Account }, func(d *funnel.Deal, r csvimport.Row) error {
		_, err := r.Time("since")
		return err
	})
	var pe *csvimport.ParseError
	if !errors.As(err, &pe) || pe.File != "accounts.csv" || pe.Line != 3 || pe.Column != "since" || !strings.Contains(err.Error(), "layouts tried") {
		t.Errorf("bad time: %v", err)
	}
}

func TestUnicodeTextExport(t *testing.T) {
	// Excel's "Unicode Text" save of the Zoho export (UTF-16LE, tabs)
	// reads as the CSV does.
	tr := loadTruth(t, "zoho")
	p := pipelinesOf(t, tr)
	read := func(name string, comma rune) []funnel.Deal {
		t.Helper()
		m := csvimport.Zoho()
		m.Options.Location = mustLoad(t, "Europe/Berlin")
		b, err := os.ReadFile(filepath.Join(crmDir, "zoho", name))
		if err != nil {
			t.Fatal(err)
		}
		h, err := os.ReadFile(filepath.Join(crmDir, "zoho", "stage_history.csv"))
		if err != nil {
			t.Fatal(err)
		}
		x, err := csvimport.Open(m, p, csvimport.File{Name: name, R: strings.NewReader(string(b)), Comma: comma}, csvimport.File{Name: "stage_history.csv", R: strings.NewReader(string(h))})
		if err != nil {
			t.Fatal(err)
		}
		deals := slices.Collect(x.All())
		if x.Err() != nil {
			t.Fatal(x.Err())
		}
		if name == "deals_unicode.txt" && x.Report().Encoding != "UTF-16LE" {
			t.Errorf("encoding %q", x.Report().Encoding)
		}
		return deals
	}
	csv, txt := read("deals.csv", 0), read("deals_unicode.txt", '\t')
	if len(csv) != tr.Deals {
		t.Fatalf("%d deals", len(csv))
	}
	if diff := cmp.Diff(csv, txt, equalTimes); diff != "" {
		t.Errorf("UTF-16 export (-csv +txt):\n%s", diff)
	}
}

// TestHistoryWithoutStages reads a history file none of whose rows has a
// stage, a pipeline or another text: its deal has rows but no stage
// entry, so it entered its current stage when created, as a deal without
// rows does.
func TestHistoryWithoutStages(t *testing.T) {
	f, err := funnel.New("Lead", "Demo")
	if err != nil {
		t.Fatal(err)
	}
	m := csvimport.Mapping{
		Deals:   csvimport.DealMapping{ID: "id", Stage: "stage", Created: "created"},
		History: csvimport.HistoryMapping{DealID: "id", At: "at", Stage: "stage"},
	}
	x, err := csvimport.Open(m, csvimport.Pipelines{"": f},
		csvimport.File{Name: "d.csv", R: strings.NewReader("id,stage,created\n1,Demo,2024-01-02\n")},
		csvimport.File{Name: "h.csv", R: strings.NewReader("id,at,stage\n1,2024-01-05,\n")})
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Collect(x.All())
	if x.Err() != nil {
		t.Fatal(x.Err())
	}
	want := []funnel.Deal{{ID: "1", Stage: "Demo", Created: utc(2024, 1, 2, 0, 0),
		History: []funnel.StageChange{{Stage: "Demo", At: utc(2024, 1, 2, 0, 0)}}}}
	if diff := cmp.Diff(want, got, equalTimes, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("deals (-want +got):\n%s", diff)
	}
	if deals, _ := x.HistoryJoin(); deals.Matched != 1 || deals.Unmatched != 0 {
		t.Errorf("join: %v", deals)
	}
}
