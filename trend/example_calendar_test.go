package trend_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/trend"
)

// A series by fiscal quarter: with a fiscal year starting in February and
// named by the year it ends in, FY2025 runs from February 2024 to January
// 2025, so a deal created on 15 January 2024 is in FY2024's fourth quarter
// (November to January) and one created on 1 May 2024 in FY2025's second.
func ExampleCompute_fiscalQuarters() {
	f, err := funnel.New("Lead", "Won")
	if err != nil {
		panic(err)
	}
	s, err := funnel.NewScan(f, funnel.Options{Period: funnel.Quarter, Calendar: funnel.Calendar{FiscalStart: time.February}})
	if err != nil {
		panic(err)
	}
	var deals []funnel.Deal
	for i, created := range []time.Time{exDay(1, 15), exDay(2, 1), exDay(3, 10), exDay(4, 30), exDay(5, 1)} {
		deals = append(deals, funnel.Deal{ID: fmt.Sprint(i), Stage: "Lead", Created: created})
	}
	r, err := trend.Compute(s, slices.Values(deals), trend.Options{})
	if err != nil {
		panic(err)
	}
	for _, p := range r.Periods {
		fmt.Println(p.Label, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), p.Report.Deals)
	}
	// Output:
	// FY2024-Q4 2023-11-01 2024-02-01 1
	// FY2025-Q1 2024-02-01 2024-05-01 3
	// FY2025-Q2 2024-05-01 2024-08-01 1
}
