package csvimport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
)

// salesforceLike writes an export in the shape of the Salesforce preset's
// files, n opportunities in two pipelines with about four history rows
// each (stage changes, amount-only saves, the close), UTF-8.
func salesforceLike(n int) (deals, history []byte) {
	var d, h bytes.Buffer
	d.WriteString(`"Opportunity Owner","Account Name","Opportunity Name","Opportunity ID","Opportunity Record Type","Type","Lead Source","Stage","Amount","Probability (%)","Close Date","Created Date","Fiscal Period","Fiscal Year","Won","Closed","Loss Reason"` + "\n")
	h.WriteString(`"Opportunity ID","Opportunity Name","Opportunity Record Type","Last Modified By","Last Modified","From Stage","Stage","Amount","Probability (%)","Close Date"` + "\n")
	for i := range n {
		id := fmt.Sprintf("006Hs%013d", i)
		pipe, stages := "New Business", []string{"Prospecting", "Qualification", "Needs Analysis"}
		if i%4 == 3 {
			pipe, stages = "Renewal", []string{"Qualification", "Proposal/Price Quote", "Negotiation/Review"}
		}
		day := 1 + i%27
		outcome, won, closed := stages[i%3], "0", "0"
		switch i % 5 {
		case 0, 1:
			outcome, won, closed = "Closed Won", "1", "1"
		case 2:
			outcome, won, closed = "Closed Lost", "0", "1"
		}
		amount := fmt.Sprintf("$%d,%03d.%02d", 1+i%200, i%1000, i%100)
		fmt.Fprintf(&d, `"Owner %d","Account %d","Deal %d","%s","%s","New Customer","Web","%s","%s","10","3/%d/2024","1/%d/2024","Q1-2024","2024","%s","%s",""`+"\n",
			i%40, i%5000, i, id, pipe, outcome, amount, day, day, won, closed)
		from := ""
		rows := []string{stages[0], stages[0], stages[1]}
		if outcome != stages[0] && outcome != stages[1] && outcome != stages[2] {
			rows = append(rows, outcome)
		}
		for k, st := range rows {
			fmt.Fprintf(&h, `"%s","Deal %d","%s","User","1/%d/2024 %d:%02d AM","%s","%s","%s","10","3/%d/2024"`+"\n",
				id, i, pipe, day, 8+k, i%60, from, st, amount, day)
			from = st
		}
	}
	fmt.Fprintf(&d, "\n\"Grand Totals (%d records)\"\n\n\"Report\"\n", n)
	return d.Bytes(), h.Bytes()
}

// BenchmarkOpenPreset reads a Salesforce-shaped export of 50,000
// opportunities and 200,000 history rows with the Salesforce preset: the
// history read in full, then the deals streamed with their histories
// attached, in two pipelines.
func BenchmarkOpenPreset(b *testing.B) {
	deals, hist := salesforceLike(50_000)
	f1, _ := funnel.New("Prospecting", "Qualification", "Needs Analysis")
	f2, _ := funnel.New("Qualification", "Proposal/Price Quote", "Negotiation/Review")
	p := Pipelines{"New Business": f1, "Renewal": f2}
	m := Salesforce()
	m.Options.Encoding = nil
	m.Options.Location = time.UTC
	b.SetBytes(int64(len(deals) + len(hist)))
	b.ReportAllocs()
	cputime.Report(b, func() {
		x, err := Open(m, p, File{Name: "d.csv", R: bytes.NewReader(deals)}, File{Name: "h.csv", R: bytes.NewReader(hist)})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for range x.All() {
			n++
		}
		if x.Err() != nil || n != 50_000 {
			b.Fatal(x.Err(), n)
		}
	})
}

// BenchmarkCRMSamples reads each sample export of testdata/crm with its
// preset, from memory.
func BenchmarkCRMSamples(b *testing.B) {
	samples := []struct {
		crm, deals, history, zone string
		preset                    func() Mapping
		pipelines                 map[string][]funnel.Stage
	}{
		{"hubspot", "deals.csv", "", "America/New_York", HubSpot, map[string][]funnel.Stage{
			"Sales Pipeline": {"Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled", "Decision Maker Bought-In", "Contract Sent"},
			"Renewals":       {"Renewal Upcoming", "Qualified To Buy", "Contract Sent"}}},
		{"salesforce", "opportunities.csv", "opportunity_history.csv", "America/Los_Angeles", Salesforce, map[string][]funnel.Stage{
			"New Business": {"Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Proposal/Price Quote", "Negotiation/Review"},
			"Renewal":      {"Qualification", "Proposal/Price Quote", "Negotiation/Review"}}},
		{"pipedrive", "deals.csv", "deal_flow.csv", "UTC", Pipedrive, map[string][]funnel.Stage{
			"Sales pipeline": {"Qualified", "Contact Made", "Demo Scheduled", "Proposal Made", "Negotiations Started"},
			"Partnerships":   {"Qualified", "Contact Made", "Proposal Made", "Negotiations Started"}}},
		{"close", "opportunities.csv", "opportunity_status_changes.csv", "UTC", Close, map[string][]funnel.Stage{
			"Sales": {"Discovery", "Demo Completed", "Proposal Sent", "Contract Sent"}, "Expansion": {"Expansion Scoping", "Expansion Proposal"}}},
		{"zoho", "deals.csv", "stage_history.csv", "Europe/Berlin", Zoho, map[string][]funnel.Stage{
			"Standard":         {"Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers", "Proposal/Price Quote", "Negotiation/Review"},
			"Channel Partners": {"Qualification", "Proposal/Price Quote", "Negotiation/Review"}}},
	}
	for _, s := range samples {
		b.Run(s.crm, func(b *testing.B) {
			read := func(name string) []byte {
				if name == "" {
					return nil
				}
				data, err := os.ReadFile(filepath.Join("..", "testdata", "crm", s.crm, name))
				if err != nil {
					b.Fatal(err)
				}
				return data
			}
			deals, hist := read(s.deals), read(s.history)
			p := Pipelines{}
			for name, st := range s.pipelines {
				p[name], _ = funnel.New(st...)
			}
			m := s.preset()
			m.Options.Location, _ = time.LoadLocation(s.zone)
			b.SetBytes(int64(len(deals) + len(hist)))
			b.ReportAllocs()
			cputime.Report(b, func() {
				h := File{}
				if hist != nil {
					h = File{Name: s.history, R: bytes.NewReader(hist)}
				}
				x, err := Open(m, p, File{Name: s.deals, R: bytes.NewReader(deals)}, h)
				if err != nil {
					b.Fatal(err)
				}
				for range x.All() {
				}
				if x.Err() != nil {
					b.Fatal(x.Err())
				}
			})
		})
	}
}
