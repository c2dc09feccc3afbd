package drivers_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/drivers"
	"github.com/shopspring/decimal"
)

// exDeals are 54 deals in Lead: from the web, 12 went on to Demo and 5
// were lost in Lead; from events, 7 went on and 20 were lost; ana and ben
// own them by turns. Ten are still open in Lead: five from events since
// 21 March, five from the web since 25 April.
func exDeals() []funnel.Deal {
	day := func(n int) time.Time { return time.Date(2024, time.March, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n) }
	var deals []funnel.Deal
	add := func(n int, outcome string, source string) {
		for i := range n {
			d := funnel.Deal{ID: strconv.Itoa(len(deals)), Created: day(i), Amount: decimal.NewFromInt(100),
				History: []funnel.StageChange{{Stage: "Lead", At: day(i)}},
				Attrs:   funnel.Attributes{Source: source, Owner: []string{"ana", "ben"}[i%2]}}
			switch outcome {
			case "on":
				d.History = append(d.History, funnel.StageChange{Stage: "Demo", At: day(i + 5)})
			case "lost":
				d.Outcome, d.Closed = funnel.Lost, day(i+9)
			case "stuck":
				d.Created, d.History[0].At = day(20), day(20)
			case "new":
				d.Created, d.History[0].At = day(55), day(55)
			}
			d.Stage = d.History[len(d.History)-1].Stage
			deals = append(deals, d)
		}
	}
	add(12, "on", "web")
	add(5, "lost", "web")
	add(7, "on", "event")
	add(20, "lost", "event")
	add(5, "stuck", "event")
	add(5, "new", "web")
	return deals
}

// Which attribute values go with moving from Lead to Demo, and with
// stalling in Lead for more than 14 days, as of 1 May 2024, with a
// 60-day conversion window: the ten open deals are still pending, out of
// the conversion table. The table of web deals, [[12, 5], [7, 20]], has
// the odds ratio 6.86 and Woolf's interval 1.77 to 26.52
// (scipy.stats.contingency.odds_ratio gives 6.857, 1.773 and 26.517).
// With a minimum sample of 10 per side, deals from the web convert more
// after the Benjamini-Hochberg adjustment over the four values tested
// (two tied p-values of 0.0036: 4/2 × 0.0036); the owner makes no
// difference.
func ExampleCompute() {
	f, _ := funnel.New("Lead", "Demo")
	s, _ := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, time.May, 1, 0, 0, 0, 0, time.UTC), Window: 60 * 24 * time.Hour,
		Test: funnel.Test{MinSample: 10}})
	r, err := drivers.Compute(s, slices.Values(exDeals()), drivers.Options{Stage: "Lead", Stall: 14 * 24 * time.Hour,
		Keys: []string{funnel.AttrSource, funnel.AttrOwner}})
	if err != nil {
		panic(err)
	}
	for _, d := range r.Conversion.Drivers {
		fmt.Printf("%s=%s: %v against %v, odds ratio %.2f [%.2f, %.2f], p adjusted %.4f: %v\n", d.Key, d.Value,
			d.With.Ratio, d.Without.Ratio, d.OddsRatio, d.Interval.Lo, d.Interval.Hi, d.PAdjusted, d.Verdict)
	}
	fmt.Println("stalled:", r.Stalling.Events, "of", r.Stalling.Deals, "open in Lead;", r.Conversion.Excluded, "still pending")
	// Output:
	// source=event: 7/27 (25.9%) against 12/17 (70.6%), odds ratio 0.15 [0.04, 0.56], p adjusted 0.0072: lower
	// source=web: 12/17 (70.6%) against 7/27 (25.9%), odds ratio 6.86 [1.77, 26.52], p adjusted 0.0072: higher
	// owner=ana: 10/23 (43.5%) against 9/21 (42.9%), odds ratio 1.03 [0.31, 3.39], p adjusted 0.9669: no difference
	// owner=ben: 9/21 (42.9%) against 10/23 (43.5%), odds ratio 0.97 [0.30, 3.22], p adjusted 0.9669: no difference
	// stalled: 5 of 10 open in Lead; 10 still pending
}

// The report as text, pairs of values included. Under the default
// minimum sample of 30 per side, every verdict is withheld.
func ExampleReport_WriteText() {
	f, _ := funnel.New("Lead", "Demo")
	s, _ := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, time.May, 1, 0, 0, 0, 0, time.UTC), Window: 60 * 24 * time.Hour})
	r, err := drivers.Compute(s, slices.Values(exDeals()), drivers.Options{Stage: "Lead", Stall: 14 * 24 * time.Hour,
		Keys: []string{funnel.AttrSource, funnel.AttrOwner}, Pairs: true})
	if err != nil {
		panic(err)
	}
	_ = r.WriteText(os.Stdout)
	// Output:
	// Conversion drivers from Lead to Demo (attribute values: current, as of 2024-05-01T00:00:00Z): 44 deals, 19 converted (43.2%, 95% CI 29.7%..57.8%); 10 pending left out.
	//                    feature           with        without  odds ratio       95% CI       p   p adj   verdict
	//               source=event   7/27 (25.9%)  12/17 (70.6%)        0.15   0.04..0.56  0.0036  0.0144  withheld
	//                 source=web  12/17 (70.6%)   7/27 (25.9%)        6.86  1.77..26.52  0.0036  0.0144  withheld
	//     owner=ben & source=web    6/8 (75.0%)  13/36 (36.1%)        5.31  0.93..30.20  0.0596  0.1588  withheld
	//   owner=ben & source=event   3/13 (23.1%)  16/31 (51.6%)        0.28   0.06..1.22  0.0812  0.1625  withheld
	//     owner=ana & source=web    6/9 (66.7%)  13/35 (37.1%)        3.38  0.72..15.89  0.1440  0.2304  withheld
	//   owner=ana & source=event   4/14 (28.6%)  15/30 (50.0%)        0.40   0.10..1.56  0.1814  0.2418  withheld
	//                  owner=ana  10/23 (43.5%)   9/21 (42.9%)        1.03   0.31..3.39  0.9669  0.9669  withheld
	//                  owner=ben   9/21 (42.9%)  10/23 (43.5%)        0.97   0.30..3.22  0.9669  0.9669  withheld
	// Stalling in Lead (open in it longer than 14.0 days): 10 deals, 5 stalled (50.0%, 95% CI 23.7%..76.3%).
	//                    feature          with       without  odds ratio         95% CI       p   p adj   verdict
	//               source=event  5/5 (100.0%)    0/5 (0.0%)      121.00  2.02..7259.18  0.0079  0.0317  withheld
	//                 source=web    0/5 (0.0%)  5/5 (100.0%)        0.01     0.00..0.50  0.0079  0.0317  withheld
	//   owner=ana & source=event  3/3 (100.0%)   2/7 (28.6%)       15.40   0.56..425.53  0.1667  0.3333  withheld
	//     owner=ana & source=web    0/3 (0.0%)   5/7 (71.4%)        0.06     0.00..1.79  0.1667  0.3333  withheld
	//   owner=ben & source=event  2/2 (100.0%)   3/8 (37.5%)        7.86   0.28..217.11  0.4444  0.5926  withheld
	//     owner=ben & source=web    0/2 (0.0%)   5/8 (62.5%)        0.13     0.00..3.52  0.4444  0.5926  withheld
	//                  owner=ana   3/6 (50.0%)   2/4 (50.0%)        1.00    0.08..12.56  1.0000  1.0000  withheld
	//                  owner=ben   2/4 (50.0%)   3/6 (50.0%)        1.00    0.08..12.56  1.0000  1.0000  withheld
	// Verdicts on Benjamini-Hochberg adjusted p-values; odds ratios with Woolf's 95% intervals.
}
