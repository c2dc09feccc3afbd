// Package maven loads the Maven Analytics "CRM Sales Opportunities" export
// bundled under testdata/maven-crm (see its PROVENANCE.md) into deals, with
// its side tables joined, and keeps every quirk of the data in the open.
package maven

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
)

// Stages is the funnel of the export: Prospecting -> Engaging -> Won | Lost.
var Stages = []funnel.Stage{"Prospecting", "Engaging"}

// Mapping maps sales_pipeline.csv to deals. The export has no creation
// date: the engage date stands in for it, so Prospecting deals (never
// engaged) are undated, and the sales cycle runs from engagement to close.
// Open deals have no close value: it reads as 0 and is counted.
var Mapping = csvimport.DealMapping{
	ID: "opportunity_id", Account: "account", Owner: "sales_agent", Product: "product",
	Stage: "deal_stage", Won: []string{"Won"}, Lost: []string{"Lost"},
	Created: "engage_date", Closed: "close_date", Amount: "close_value",
	StageDates:         map[funnel.Stage]string{"Engaging": "engage_date"},
	ImplyEarlierStages: true, // every engaged deal was prospected first
	DefaultCurrency:    "USD",
	EmptyAmountIsZero:  true,
}

// Data is the loaded export.
type Data struct {
	Funnel *funnel.Funnel
	Deals  []funnel.Deal
	Read   *csvimport.Report      // what reading sales_pipeline.csv did
	Joins  []csvimport.JoinReport // accounts, sales teams, products
}

// Load reads the export from dir (testdata/maven-crm) and joins the
// account sector (Industry), the agent's manager and regional office
// (Custom "manager", Region) and the product series (Custom "series").
func Load(dir string, opts csvimport.Options) (*Data, error) {
	f, err := funnel.New(Stages...)
	if err != nil {
		return nil, err
	}
	read := func(name string, fn func(*os.File) error) error {
		file, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		defer file.Close()
		return fn(file)
	}
	data := &Data{Funnel: f}
	err = read("sales_pipeline.csv", func(r *os.File) (err error) {
		data.Deals, data.Read, err = csvimport.ReadDeals(r, "sales_pipeline.csv", f, Mapping, opts)
		return err
	})
	if err != nil {
		return nil, err
	}
	joins := []struct {
		file, key string
		dealKey   func(*funnel.Deal) string
		set       func(*funnel.Deal, func(string) string)
	}{
		{"accounts.csv", "account", func(d *funnel.Deal) string { return d.Account },
			func(d *funnel.Deal, col func(string) string) { d.Attrs.Industry = col("sector") }},
		{"sales_teams.csv", "sales_agent", func(d *funnel.Deal) string { return d.Attrs.Owner },
			func(d *funnel.Deal, col func(string) string) {
				d.Attrs.Region = col("regional_office")
				setCustom(d, "manager", col("manager"))
			}},
		{"products.csv", "product", func(d *funnel.Deal) string { return d.Attrs.Product },
			func(d *funnel.Deal, col func(string) string) { setCustom(d, "series", col("series")) }},
	}
	for _, j := range joins {
		err := read(j.file, func(r *os.File) error {
			t, _, err := csvimport.ReadTable(r, j.file, j.key, opts)
			if err != nil {
				return err
			}
			data.Joins = append(data.Joins, csvimport.Join(data.Deals, t, j.dealKey, j.set))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

func setCustom(d *funnel.Deal, k, v string) {
	if d.Attrs.Custom == nil {
		d.Attrs.Custom = make(map[string]string)
	}
	d.Attrs.Custom[k] = strings.TrimSpace(v)
}
