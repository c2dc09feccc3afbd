// Crm reads the synthetic CRM exports of testdata/crm with the presets of
// package csvimport, rows as they are, and prints for each: how the files
// were read (rows, pipelines, footer, notes, the history log's stage
// entries, closes and saves of other fields, the join of deals and
// history), and one funnel report per pipeline from one read, amounts in
// the export's main currency (converted with an illustrative rates table,
// the rates used listed). Under the default in-order policy, a report says
// how many deals it leaves out of a row because they skipped a stage.
//
// Run it from the repository root:
//
//	go run ./examples/crm             # every CRM
//	go run ./examples/crm -crm zoho   # one of hubspot, salesforce, pipedrive, close, zoho
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/shopspring/decimal"
)

// An account is what the program knows of a CRM account beyond its export:
// the files, the preset, the sales team's time zone, the pipelines'
// stages in order, and the currency to report in.
type account struct {
	crm, deals, history, zone string
	preset                    func() csvimport.Mapping
	pipelines                 map[string][]funnel.Stage
	currency                  string
}

var accounts = []account{
	{"hubspot", "deals.csv", "", "America/New_York", csvimport.HubSpot, map[string][]funnel.Stage{
		"Sales Pipeline": {"Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled", "Decision Maker Bought-In", "Contract Sent"},
		"Renewals":       {"Renewal Upcoming", "Qualified To Buy", "Contract Sent"},
	}, ""},
	{"salesforce", "opportunities.csv", "opportunity_history.csv", "America/Los_Angeles", csvimport.Salesforce, map[string][]funnel.Stage{
		"New Business": {"Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Proposal/Price Quote", "Negotiation/Review"},
		"Renewal":      {"Qualification", "Proposal/Price Quote", "Negotiation/Review"},
	}, ""},
	{"pipedrive", "deals.csv", "deal_flow.csv", "UTC", csvimport.Pipedrive, map[string][]funnel.Stage{
		"Sales pipeline": {"Qualified", "Contact Made", "Demo Scheduled", "Proposal Made", "Negotiations Started"},
		"Partnerships":   {"Qualified", "Contact Made", "Proposal Made", "Negotiations Started"},
	}, "EUR"},
	{"close", "opportunities.csv", "opportunity_status_changes.csv", "UTC", csvimport.Close, map[string][]funnel.Stage{
		"Sales":     {"Discovery", "Demo Completed", "Proposal Sent", "Contract Sent"},
		"Expansion": {"Expansion Scoping", "Expansion Proposal"},
	}, "USD"},
	{"zoho", "deals.csv", "stage_history.csv", "Europe/Berlin", csvimport.Zoho, map[string][]funnel.Stage{
		"Standard":         {"Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers", "Proposal/Price Quote", "Negotiation/Review"},
		"Channel Partners": {"Qualification", "Proposal/Price Quote", "Negotiation/Review"},
	}, "EUR"},
}

// illustrativeRates are made-up exchange rates (rounded, not market data)
// from 1 January and 1 July 2024, for the conversion to the reporting
// currency.
func illustrativeRates() *csvimport.Rates {
	var rates []csvimport.Rate
	add := func(from, to, jan, jul string) {
		for _, r := range []struct {
			date time.Time
			rate string
		}{{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), jan}, {time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), jul}} {
			rates = append(rates, csvimport.Rate{From: from, To: to, Date: r.date, Rate: decimal.RequireFromString(r.rate)})
		}
	}
	add("USD", "EUR", "0.91", "0.93")
	add("GBP", "EUR", "1.15", "1.18")
	add("SEK", "EUR", "0.089", "0.087")
	add("JPY", "EUR", "0.0064", "0.0058")
	add("CHF", "EUR", "1.07", "1.04")
	add("GBP", "USD", "1.27", "1.26")
	t, err := csvimport.NewRates(rates)
	if err != nil {
		panic(err)
	}
	return t
}

func main() {
	which := flag.String("crm", "all", "the CRM: hubspot, salesforce, pipedrive, close, zoho or all")
	dir := flag.String("data", "testdata/crm", "directory of the CRM samples")
	flag.Parse()
	found := false
	for _, a := range accounts {
		if *which != "all" && *which != a.crm {
			continue
		}
		found = true
		if err := run(os.Stdout, a, *dir); err != nil {
			log.Fatalf("%s: %v", a.crm, err)
		}
	}
	if !found {
		log.Fatalf("unknown CRM %q: one of hubspot, salesforce, pipedrive, close, zoho or all", *which)
	}
}

func run(w io.Writer, a account, dir string) error {
	m := a.preset()
	loc, err := time.LoadLocation(a.zone)
	if err != nil {
		return err
	}
	m.Options.Location = loc
	m.Options.Mode = funnel.Lenient
	if a.currency != "" {
		// amounts in the reporting currency, converted at the rate of each
		// deal's close (or expected close) date; the rates used are listed
		m.Options.Currency, m.Options.Rates = a.currency, illustrativeRates()
	}
	p := csvimport.Pipelines{}
	for name, stages := range a.pipelines {
		if p[name], err = funnel.New(stages...); err != nil {
			return err
		}
	}
	open := func(name string) (csvimport.File, func(), error) {
		if name == "" {
			return csvimport.File{}, func() {}, nil
		}
		f, err := os.Open(filepath.Join(dir, a.crm, name))
		if err != nil {
			return csvimport.File{}, nil, err
		}
		return csvimport.File{Name: a.crm + "/" + name, R: f}, func() { f.Close() }, nil
	}
	df, closeD, err := open(a.deals)
	if err != nil {
		return err
	}
	defer closeD()
	hf, closeH, err := open(a.history)
	if err != nil {
		return err
	}
	defer closeH()

	fmt.Fprintf(w, "==== %s (%s)\n\n", m.Name, a.crm)
	x, err := csvimport.Open(m, p, df, hf)
	if err != nil {
		return err
	}
	opts := funnel.Options{Mode: funnel.Lenient, AsOf: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC), Location: loc, Period: funnel.Quarter, Currency: a.currency}
	// One read, one report per pipeline.
	reports, err := p.Reports(x.All(), opts)
	if err != nil {
		return err
	}
	if err := x.Err(); err != nil {
		return err
	}
	printRead(w, x)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range p {
			if !yield(k) {
				return
			}
		}
	}) {
		r := reports[name]
		fmt.Fprintf(w, "---- pipeline %q\n\n", name)
		if err := r.WriteText(w); err != nil {
			return err
		}
		won := r.Funnel[len(r.Funnel)-1]
		if won.Entered > won.Reached {
			fmt.Fprintf(w, "\nIn order: the won row counts %d of the %d won deals; the other %d skipped a stage or went back before winning (policy any-stage counts all %d).\n",
				won.Reached, r.Won, won.Entered-won.Reached, won.Entered)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func printRead(w io.Writer, x *csvimport.DealReader) {
	rep := x.Report()
	fmt.Fprintf(w, "Read %s: %d rows, %d deals, %d skipped", rep.File, rep.Rows, rep.Kept, rep.Skipped)
	if rep.Encoding != "" {
		fmt.Fprintf(w, ", decoded from %s", rep.Encoding)
	}
	fmt.Fprintln(w)
	var pipes []string
	for _, c := range rep.Pipelines {
		pipes = append(pipes, fmt.Sprintf("%s %d", c.Reason, c.Count))
	}
	fmt.Fprintf(w, "  pipelines: %s\n", strings.Join(pipes, ", "))
	if len(rep.Footer) > 0 {
		fmt.Fprintf(w, "  footer (%d lines, not rows): %s\n", len(rep.Footer), rep.Footer[0])
	}
	for _, c := range rep.Conversions {
		fmt.Fprintf(w, "  converted to %s at %s from %s (rate of %s, illustrative): %d deals\n", c.Rate.To, c.Rate.Rate, c.Rate.From, c.Rate.Date.Format(time.DateOnly), c.Deals)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "  note: %s: %d\n", n.Reason, n.Count)
	}
	for _, r := range rep.Reasons {
		fmt.Fprintf(w, "  skipped: %s: %d\n", r.Reason, r.Count)
	}
	if h := x.HistoryReport(); h != nil {
		c := h.History
		fmt.Fprintf(w, "Read %s: %d rows, %d skipped: %d stage entries, %d closes, %d saves of other fields only\n",
			h.File, h.Rows, h.Skipped, c.Entries, c.Closes, c.Unchanged)
		if len(c.FieldChanges) > 0 {
			fmt.Fprintf(w, "  field history: %s\n", reasons(c.FieldChanges))
		}
		if len(c.OtherFields) > 0 {
			fmt.Fprintf(w, "  rows of fields not read: %s\n", reasons(c.OtherFields))
		}
		deals, rows := x.HistoryJoin()
		fmt.Fprintln(w, "Join", deals)
		fmt.Fprintln(w, "Join", rows)
	}
	fmt.Fprintln(w)
}

func reasons(rs []csvimport.Reason) string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %d", r.Reason, r.Count))
	}
	return strings.Join(out, ", ")
}
