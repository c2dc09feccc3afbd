// Segments breaks the Maven Analytics CRM export bundled in
// testdata/maven-crm down by regional office, by manager, by the top sales
// agents (the rest folded into "other"), by office x quarter, by deal-size
// band and by account sector (accounts left empty are the "unknown"
// sector); it ranks the managers by win rate with 95% intervals and
// compares each office with the rest of the company. The six breakdowns
// come from one pass over the deals.
//
// Run it from the repository root:
//
//	go run ./examples/segments
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
	"github.com/shopspring/decimal"
)

func main() {
	dir := flag.String("data", "testdata/maven-crm", "directory of the Maven CRM export")
	flag.Parse()

	data, err := maven.Load(*dir, csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		log.Fatal(err)
	}
	// The export ends on 2017-12-31; the report is as of the next day.
	scan, err := funnel.NewScan(data.Funnel, funnel.Options{Mode: funnel.Lenient,
		AsOf: time.Date(2018, time.January, 1, 0, 0, 0, 0, time.UTC), Currency: "USD"})
	if err != nil {
		log.Fatal(err)
	}
	attr := funnel.ByAttr
	// The export has no creation date: the engage date stands in for it, so
	// deals never engaged (Prospecting) have an unknown quarter.
	quarters, err := funnel.ByCreated(funnel.Quarter)
	if err != nil {
		log.Fatal(err)
	}
	// Won deals by size: open and lost deals have no close value (0) in
	// this export, so they all fall in the lowest band.
	bands, err := funnel.ByAmount(decimal.NewFromInt(1000), decimal.NewFromInt(5000))
	if err != nil {
		log.Fatal(err)
	}
	breakdowns := []struct {
		title string
		opts  funnel.SegmentOptions
	}{
		{"By regional office", funnel.SegmentOptions{Dims: []funnel.Dim{attr(funnel.AttrRegion)}, ByKey: true}},
		{"By manager", funnel.SegmentOptions{Dims: []funnel.Dim{attr("manager")}}},
		{"Top 5 sales agents by deals, the others folded", funnel.SegmentOptions{Dims: []funnel.Dim{attr(funnel.AttrOwner)}, TopK: 5}},
		{"By regional office x quarter of engagement", funnel.SegmentOptions{Dims: []funnel.Dim{attr(funnel.AttrRegion), quarters}, ByKey: true}},
		{"By deal-size band", funnel.SegmentOptions{Dims: []funnel.Dim{bands}, ByKey: true}},
		{"By account sector", funnel.SegmentOptions{Dims: []funnel.Dim{attr(funnel.AttrIndustry)}, ByKey: true}},
	}
	accs := make([]funnel.Accumulator, len(breakdowns))
	for i, b := range breakdowns {
		if accs[i], err = funnel.NewSegments(scan, b.opts); err != nil {
			log.Fatal(err)
		}
	}
	// one read of the deals for every breakdown
	if err := scan.Run(slices.Values(data.Deals), accs...); err != nil {
		log.Fatal(err)
	}
	reports := make([]funnel.SegmentReport, len(accs))
	for i, a := range accs {
		if reports[i], err = a.(*funnel.Segments).Report(); err != nil {
			log.Fatal(err)
		}
	}
	show := func(i int) funnel.SegmentReport {
		fmt.Printf("\n%s\n\n", breakdowns[i].title)
		if err := reports[i].WriteText(os.Stdout); err != nil {
			log.Fatal(err)
		}
		return reports[i]
	}
	winRate := func(r *funnel.Report) funnel.Rate { return r.WinRate }

	offices := show(0)
	// every office against the rest at once: Rank adjusts the p-values
	// together (Benjamini-Hochberg, q) and gives the verdicts on q
	fmt.Println("\nEach office against the rest (win rate, won / closed):")
	byOffice, err := offices.Rank(winRate)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range byOffice {
		c := k.Rest
		fmt.Printf("  %-8s %v vs %v: difference %+.1f points, 95%% CI [%+.1f, %+.1f], %s p = %.3f, q = %.3f: %s\n", k.Label, c.A, c.B,
			100*c.Diff, 100*c.Interval.Lo, 100*c.Interval.Hi, c.Method, c.PValue, c.PAdjusted, c.Verdict)
	}

	managers := show(1)
	ranks, err := managers.Rank(winRate)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("\nManagers ranked by win rate (95% Wilson interval):")
	for _, k := range ranks {
		fmt.Printf("  %d. %-17s %v  [%.1f%%, %.1f%%]\n", k.Rank, k.Label, k.Rate.Ratio, 100*k.Rate.Interval.Lo, 100*k.Rate.Interval.Hi)
	}
	for i := 2; i < len(reports); i++ {
		show(i)
	}
}
