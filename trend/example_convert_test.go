package trend_test

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/trend"
)

// The time from the first entry into Lead to the first entry into Demo,
// as of 15 March: six deals reached Demo (after 3, 3, 4, 8, 10 and 12
// days); c2 was lost after 17 days in Lead and o1 has been open there 14
// days: both are censored. The completed median is 6 days; the
// Kaplan-Meier curve sits on 0.5 from day 8 to day 10, so its median is
// 9 days.
func ExampleComputeConversion() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	r, err := trend.ComputeConversion(s, slices.Values(exDeals()), trend.ConvertOptions{
		From:        trend.Milestone{Kind: trend.Entry, Stage: "Lead"},
		To:          trend.Milestone{Kind: trend.Entry, Stage: "Demo"},
		Percentiles: []float64{50},
	})
	if err != nil {
		panic(err)
	}
	g := r.All
	fmt.Println("timed", g.N, "converted", g.Converted, "censored", g.Closed+g.Open)
	fmt.Println("completed median", g.Completed.Percentiles[0].At, "mean", g.Completed.Mean.Round(time.Hour))
	fmt.Println("Kaplan-Meier median", g.KaplanMeier[0].At)
	// Output:
	// timed 8 converted 6 censored 2
	// completed median 144h0m0s mean 160h0m0s
	// Kaplan-Meier median 216h0m0s
}

// Time from creation to a win by month of creation, with each month
// compared with the one before by the log-rank test, as text. The two
// January wins took 30 and 56 days; every other deal is censored (lost,
// or open at the as-of time), so the Kaplan-Meier median is the last
// win, 56 days. February has no deals and March only open ones: no
// comparison is defined.
func ExampleConversionReport_WriteText() {
	s := exScan(funnel.Options{AsOf: exAsOf})
	r, err := trend.ComputeConversion(s, slices.Values(exDeals()), trend.ConvertOptions{
		To: trend.Milestone{Kind: trend.Win}, Percentiles: []float64{50}, ByPeriod: true,
		Edges: []time.Duration{0, 30 * 24 * time.Hour, 60 * 24 * time.Hour},
	})
	if err != nil {
		panic(err)
	}
	_ = r.WriteText(os.Stdout)
	// Output:
	// Time from creation to win, as of 2024-03-15T00:00:00Z: 8 deals timed, 2 converted, 2 closed and 4 open without converting (censored).
	//     group  n  converted  censored  mean days   p50            KM p50       vs  p  p adj   verdict
	//       all  8          2         6       43.0  43.0  56.0 [30.0, n/a]
	//   2024-01  4          2         2       43.0  43.0  56.0 [30.0, n/a]
	//   2024-02  0          0         0        n/a   n/a    n/a [n/a, n/a]  2024-01            withheld
	//   2024-03  4          0         4        n/a   n/a    n/a [n/a, n/a]  2024-02            withheld
	// KM: Kaplan-Meier quantiles with their 95% intervals; verdicts on Benjamini-Hochberg adjusted p-values, higher meaning longer.
	// Completed durations (given bins), days:
	//    0.0  ..  30.0  0
	//   30.0  ..  60.0  2  ########################################
}

// Adjust gives the Benjamini-Hochberg adjusted p-values of tests made at
// once: here the first example of Benjamini and Hochberg (1995), whose
// four smallest p-values stay below 0.05 after adjustment.
func ExampleAdjust() {
	p := []float64{0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1}
	for i, q := range trend.Adjust(p) {
		if i < 6 {
			fmt.Printf("%.4f -> %.4f\n", p[i], q)
		}
	}
	// Output:
	// 0.0001 -> 0.0015
	// 0.0004 -> 0.0030
	// 0.0019 -> 0.0095
	// 0.0095 -> 0.0356
	// 0.0201 -> 0.0603
	// 0.0278 -> 0.0639
}
