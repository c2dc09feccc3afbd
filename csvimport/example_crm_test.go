package csvimport_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/shopspring/decimal"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// hubspotPipelines are the two pipelines of the HubSpot sample's account.
func hubspotPipelines() csvimport.Pipelines {
	return csvimport.Pipelines{
		"Sales Pipeline": must(funnel.New("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled", "Decision Maker Bought-In", "Contract Sent")),
		"Renewals":       must(funnel.New("Renewal Upcoming", "Qualified To Buy", "Contract Sent")),
	}
}

// A HubSpot export with two pipelines, read with the preset: one read,
// one report per pipeline. The won row of the in-order funnel counts the
// won deals that went through every stage in order; the others are
// counted as entered, and the report's text says how many it leaves out.
func ExampleHubSpot() {
	m := csvimport.HubSpot()
	m.Options.Location = must(time.LoadLocation("America/New_York")) // the account's time zone
	file := must(os.Open("../testdata/crm/hubspot/deals.csv"))
	defer file.Close()
	p := hubspotPipelines()
	x := must(csvimport.Open(m, p, csvimport.File{Name: "deals.csv", R: file}, csvimport.File{}))
	reports := must(p.Reports(x.All(), funnel.Options{}))
	if x.Err() != nil {
		panic(x.Err())
	}
	for _, name := range []string{"Sales Pipeline", "Renewals"} {
		r := reports[name]
		won := r.Funnel[len(r.Funnel)-1]
		fmt.Printf("%s: %d deals, won %d, lost %d, open %d; won row %d in order of %d won\n", name, r.Deals, r.Won, r.Lost, r.Open, won.Reached, won.Entered)
	}
	fmt.Println(x.Report().Pipelines)
	// Output:
	// Sales Pipeline: 190 deals, won 75, lost 87, open 28; won row 40 in order of 75 won
	// Renewals: 110 deals, won 54, lost 49, open 7; won row 36 in order of 54 won
	// [{Renewals 110} {Sales Pipeline 190}]
}

// A preset is a Mapping value: read it, copy it, change what an account's
// export does differently.
func ExampleMapping() {
	m := csvimport.Salesforce()
	fmt.Println(m.Deals.ID, "|", m.Deals.Pipeline, "|", m.History.At, "|", m.Options.Footer)
	// an org whose loss reason field has another label, and whose user
	// exports in UTF-8
	m.Deals.LostReason = "Reason Lost"
	m.Options.Encoding = nil
	fmt.Println(m.Deals.LostReason, m.Options.Encoding == nil)
	// Output:
	// Opportunity ID | Opportunity Record Type | Last Modified | Grand Totals
	// Reason Lost true
}

// Open reads a deals file and its history log: a row per save of several
// fields, of which only the stage changes are stage entries.
func ExampleOpen() {
	deals := "id,stage,created\nO-1,Closed Won,2024-01-02\n"
	history := "id,saved,stage,amount\n" +
		"O-1,2024-01-02,Lead,1000\n" +
		"O-1,2024-01-05,Lead,1200\n" + // an amount edit: no stage entry
		"O-1,2024-01-09,Demo,1200\n" +
		"O-1,2024-01-20,Closed Won,1200\n" // the close
	m := csvimport.Mapping{
		Deals:   csvimport.DealMapping{ID: "id", Stage: "stage", Created: "created", Won: []string{"Closed Won"}},
		History: csvimport.HistoryMapping{DealID: "id", At: "saved", Stage: "stage", Amount: "amount"},
	}
	p := csvimport.Pipelines{"Sales": must(funnel.New("Lead", "Demo"))}
	x := must(csvimport.Open(m, p, csvimport.File{Name: "deals.csv", R: strings.NewReader(deals)},
		csvimport.File{Name: "history.csv", R: strings.NewReader(history)}))
	for d := range x.All() {
		for _, e := range d.History {
			fmt.Println(e.Stage, e.At.Format(time.DateOnly))
		}
		fmt.Println(d.Outcome, d.Closed.Format(time.DateOnly), len(d.Changes), "amount changes")
	}
	h := x.HistoryReport().History
	fmt.Println(h.Entries, "entries,", h.Closes, "close,", h.Unchanged, "save of other fields")
	// Output:
	// Lead 2024-01-02
	// Demo 2024-01-09
	// won 2024-01-20 2 amount changes
	// 2 entries, 1 close, 1 save of other fields
}

// Pipelines.Reports is the one-pass way to a report per pipeline.
func ExamplePipelines_Reports() {
	in := "id,pipeline,stage\n1,New,Lead\n2,New,Demo\n3,Renewal,Review\n"
	p := csvimport.Pipelines{"New": must(funnel.New("Lead", "Demo")), "Renewal": must(funnel.New("Review"))}
	m := csvimport.Mapping{Deals: csvimport.DealMapping{ID: "id", Pipeline: "pipeline", Stage: "stage"}}
	x := must(csvimport.Open(m, p, csvimport.File{Name: "d.csv", R: strings.NewReader(in)}, csvimport.File{}))
	reports := must(p.Reports(x.All(), funnel.Options{}))
	fmt.Println(reports["New"].Deals, reports["Renewal"].Deals)
	// Output: 2 1
}

// RunBy feeds each group of one stream to its own scan: here one per
// currency, with figures in each currency and no conversion.
func ExampleRunBy() {
	f := must(funnel.New("Lead"))
	deals := []funnel.Deal{
		{ID: "1", Stage: "Lead", Amount: decimal.New(100, 0), Currency: "EUR"},
		{ID: "2", Stage: "Lead", Amount: decimal.New(250, 0), Currency: "USD"},
		{ID: "3", Stage: "Lead", Amount: decimal.New(50, 0), Currency: "EUR"},
	}
	groups := must(csvimport.RunBy(func(yield func(funnel.Deal) bool) {
		for _, d := range deals {
			if !yield(d) {
				return
			}
		}
	}, csvimport.ByCurrency, func(cur string) ([]funnel.Accumulator, error) {
		s, err := funnel.NewScan(f, funnel.Options{Currency: cur})
		return []funnel.Accumulator{funnel.NewTally(s)}, err
	}))
	for _, cur := range []string{"EUR", "USD"} {
		r := groups[cur][0].(*funnel.Tally).Report()
		fmt.Println(cur, r.Deals, r.Pipeline)
	}
	// Output:
	// EUR 2 150
	// USD 1 250
}

// ReportsBy is RunBy with a report per group.
func ExampleReportsBy() {
	f := must(funnel.New("Lead"))
	deals := []funnel.Deal{{ID: "1", Stage: "Lead", Currency: "EUR"}, {ID: "2", Stage: "Lead", Currency: "USD"}}
	reports := must(csvimport.ReportsBy(func(yield func(funnel.Deal) bool) {
		for _, d := range deals {
			if !yield(d) {
				return
			}
		}
	}, csvimport.ByCurrency, func(cur string) (*funnel.Scan, error) {
		return funnel.NewScan(f, funnel.Options{Currency: cur})
	}))
	fmt.Println(len(reports), reports["EUR"].Deals, reports["USD"].Currency)
	// Output: 2 1 USD
}

func ExampleParseAmountFormat() {
	for _, s := range []string{"$12,500.00", "EUR 1.234,56", "1,5"} {
		f := csvimport.AmountFormat{Grouping: true, Symbols: true}
		if strings.HasPrefix(s, "EUR") {
			f.Decimal = ','
		}
		d, code, err := csvimport.ParseAmountFormat(s, f, 0)
		fmt.Println(d, code, err)
	}
	// Output:
	// 12500  <nil>
	// 1234.56 EUR <nil>
	// 0  csvimport: invalid amount "1,5": a last group of 1 digits (a decimal separator other than '.'?)
}

func ExampleAmountFormat() {
	// Close stores values in cents, per period.
	in := "id,stage,value,cur,period\nA,Lead,125050,USD,monthly\nB,Lead,1250,JPY,one_time\n"
	m := csvimport.DealMapping{ID: "id", Stage: "stage", Amount: "value", Currency: "cur",
		AmountFormat: csvimport.AmountFormat{MinorUnits: true}, AmountPeriod: "period", AmountPeriodFactors: map[string]int64{"one_time": 1}}
	deals, rep, err := csvimport.ReadDeals(strings.NewReader(in), "d.csv", must(funnel.New("Lead")), m, csvimport.Options{})
	if err != nil {
		panic(err)
	}
	for _, d := range deals {
		fmt.Println(d.ID, d.Amount, d.Currency)
	}
	fmt.Println(rep.Notes)
	// Output:
	// A 1250.5 USD
	// B 1250 JPY
	// [{amount per period "monthly", kept as exported (DealMapping.AmountPeriodFactors) 1}]
}

func ExampleParseFlag() {
	for _, s := range []string{"1", "Yes", "false", "", "maybe"} {
		v, empty, err := csvimport.ParseFlag(s)
		fmt.Println(v, empty, err != nil)
	}
	// Output:
	// true false false
	// true false false
	// false false false
	// false true false
	// false false true
}

func ExampleValueRule() {
	r := csvimport.ValueRule{Missing: []string{"-None-"}, Aliases: map[string]string{"website": "web"}, Fold: true}
	for _, v := range []string{"Website", "WEB", "-none-", "Partner"} {
		fmt.Printf("%q ", r.Apply(v))
	}
	fmt.Println()
	// Output: "web" "web" "" "partner"
}

func ExampleReadRates() {
	in := "date,from,to,rate\n2024-01-01,EUR,USD,1.08\n2024-03-01,EUR,USD,1.10\n"
	rates, _, err := csvimport.ReadRates(strings.NewReader(in), "rates.csv", csvimport.RatesMapping{Date: "date", From: "from", To: "to", Rate: "rate"}, csvimport.Options{})
	if err != nil {
		panic(err)
	}
	a, r, err := rates.Convert(decimal.New(1000, 0), "EUR", "USD", time.Date(2024, 2, 15, 0, 0, 0, 0, time.UTC))
	fmt.Println(a, r.Rate, r.Date.Format(time.DateOnly), err)
	_, _, err = rates.Convert(decimal.New(1000, 0), "GBP", "USD", time.Date(2024, 2, 15, 0, 0, 0, 0, time.UTC))
	fmt.Println(err)
	// Output:
	// 1080 1.08 2024-01-01 <nil>
	// csvimport: currency mismatch: no rate from GBP to USD on or before 2024-02-15
}

// Reading in a reporting currency converts each deal at the rate in force
// on its close (or expected close) date, and lists the rates used.
func ExampleOptions_currency() {
	rates := must(csvimport.NewRates([]csvimport.Rate{{From: "EUR", To: "USD", Date: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Rate: decimal.RequireFromString("1.1")}}))
	in := "id,stage,amount,cur,expected\nA,Lead,100,EUR,2024-03-31\nB,Lead,100,USD,\n"
	m := csvimport.DealMapping{ID: "id", Stage: "stage", Amount: "amount", Currency: "cur", CloseDate: "expected"}
	deals, rep, err := csvimport.ReadDeals(strings.NewReader(in), "d.csv", must(funnel.New("Lead")), m, csvimport.Options{Currency: "USD", Rates: rates})
	if err != nil {
		panic(err)
	}
	fmt.Println(deals[0].Amount, deals[0].Currency, deals[1].Amount, deals[1].Currency)
	fmt.Println(rep.Conversions[0].Rate.From, rep.Conversions[0].Rate.Rate, rep.Conversions[0].Deals)
	// Output:
	// 110 USD 100 USD
	// EUR 1.1 1
}

// Table.Join reports the deals that found no row and the rows no deal
// found, and reads times with the table's layouts.
func ExampleTable_Join() {
	t, _, err := csvimport.ReadTable(strings.NewReader("account,since\nAcme,2020-01-02\nBeta,2021-05-06\n"), "accounts.csv", "account", csvimport.Options{})
	if err != nil {
		panic(err)
	}
	deals := []funnel.Deal{{ID: "1", Account: "Acme"}, {ID: "2", Account: "Zeta"}}
	matched, unused, err := t.Join(deals, func(d *funnel.Deal) string { return d.Account }, func(d *funnel.Deal, r csvimport.Row) error {
		since, err := r.Time("since")
		d.Attrs.Custom = map[string]string{"customer_since": since.Format("2006")}
		return err
	})
	fmt.Println(matched, "|", unused, "|", err, deals[0].Attrs.Custom)
	// Output: accounts.csv: 1 matched, 1 unmatched (Zeta 1), 0 empty keys | accounts.csv rows: 1 matched, 1 unmatched (Beta 1), 0 empty keys | <nil> map[customer_since:2020]
}
