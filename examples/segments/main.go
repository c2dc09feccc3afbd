// Segments breaks the Maven Analytics CRM export bundled in
// testdata/maven-crm down by regional office, by manager, by the top sales
// agents (the rest folded into "other"), by office x quarter, by deal-size
// band and by account sector (accounts left empty are the "unknown"
// sector); it ranks the managers by win rate with 95% intervals and
// compares each office with the rest of the company.
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
	opts := funnel.Options{Mode: funnel.Lenient, AsOf: time.Date(2018, time.January, 1, 0, 0, 0, 0, time.UTC), Currency: "USD"}
	segment := func(title string, seg funnel.SegmentOptions) funnel.SegmentReport {
		r, err := funnel.ComputeSegments(data.Funnel, slices.Values(data.Deals), opts, seg)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("\n%s\n\n", title)
		if err := r.WriteText(os.Stdout); err != nil {
			log.Fatal(err)
		}
		return r
	}
	attr := funnel.SegmentByAttr

	offices := segment("By regional office", funnel.SegmentOptions{Dims: []funnel.SegmentDim{attr(funnel.AttrRegion)}, ByKey: true})
	fmt.Println("\nEach office against the rest (win rate, won / closed):")
	for i, row := range offices.Rows {
		c, err := offices.CompareRest(i, funnel.SegmentWinRate, funnel.SegmentTestOptions{})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  %-8s %v vs %v: difference %+.1f points, 95%% CI [%+.1f, %+.1f], %s p = %.3f: %s\n", row.Label(), c.A, c.B,
			100*c.Diff, 100*c.Lo, 100*c.Hi, c.Method, c.PValue, c.Verdict)
	}

	managers := segment("By manager", funnel.SegmentOptions{Dims: []funnel.SegmentDim{attr("manager")}})
	ranks, err := managers.Rank(funnel.SegmentWinRate, 0.95)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("\nManagers ranked by win rate (95% Wilson interval):")
	for _, k := range ranks {
		fmt.Printf("  %d. %-17s %v  [%.1f%%, %.1f%%]\n", k.Rank, k.Label, k.Rate, 100*k.Lo, 100*k.Hi)
	}

	segment("Top 5 sales agents by deals, the others folded", funnel.SegmentOptions{Dims: []funnel.SegmentDim{attr(funnel.AttrOwner)}, TopK: 5})

	// The export has no creation date: the engage date stands in for it, so
	// deals never engaged (Prospecting) have an unknown quarter.
	quarters, err := funnel.SegmentByCreated(funnel.Quarter, time.UTC)
	if err != nil {
		log.Fatal(err)
	}
	segment("By regional office x quarter of engagement", funnel.SegmentOptions{Dims: []funnel.SegmentDim{attr(funnel.AttrRegion), quarters}, ByKey: true})

	// Won deals by size: open and lost deals have no close value (0) in
	// this export, so they all fall in the lowest band.
	bands, err := funnel.SegmentByAmount(decimal.NewFromInt(1000), decimal.NewFromInt(5000))
	if err != nil {
		log.Fatal(err)
	}
	segment("By deal-size band", funnel.SegmentOptions{Dims: []funnel.SegmentDim{bands}, ByKey: true})

	segment("By account sector", funnel.SegmentOptions{Dims: []funnel.SegmentDim{attr(funnel.AttrIndustry)}, ByKey: true})
}
