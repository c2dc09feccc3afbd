// Quickstart prints a full funnel report of the Maven Analytics CRM export
// bundled in testdata/maven-crm: how the file was read and joined, the
// funnel with conversion, leakage and time in stage, win rates, deal size,
// sales cycle and leads per quarter.
//
// Run it from the repository root:
//
//	go run ./examples/quickstart
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/internal/maven"
)

func main() {
	dir := flag.String("data", "testdata/maven-crm", "directory of the Maven CRM export")
	flag.Parse()

	data, err := maven.Load(*dir, csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Read %s: %d rows, %d deals, %d skipped\n", data.Read.File, data.Read.Rows, data.Read.Kept, data.Read.Skipped)
	for _, n := range data.Read.Notes {
		fmt.Printf("  note: %s: %d rows\n", n.Reason, n.Count)
	}
	for _, r := range data.Read.Reasons {
		fmt.Printf("  skipped: %s: %d rows\n", r.Reason, r.Count)
	}
	for _, j := range data.Joins {
		fmt.Println("Join", j)
	}
	fmt.Println()

	// The export ends on 2017-12-31; the report is as of the next day.
	asOf := time.Date(2018, time.January, 1, 0, 0, 0, 0, time.UTC)
	report, err := funnel.Compute(data.Funnel, slices.Values(data.Deals), funnel.Options{
		Mode: funnel.Lenient, AsOf: asOf, Period: funnel.Quarter, Currency: "USD",
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := report.WriteText(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
