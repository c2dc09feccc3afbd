package forecast_test

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/shopspring/decimal"
)

// exDay returns midnight UTC on the given day of 2024.
func exDay(month time.Month, day int) time.Time {
	return time.Date(2024, month, day, 0, 0, 0, 0, time.UTC)
}

func exHist(pairs ...any) []funnel.StageChange {
	var h []funnel.StageChange
	for i := 0; i < len(pairs); i += 2 {
		h = append(h, funnel.StageChange{Stage: funnel.Stage(pairs[i].(string)), At: pairs[i+1].(time.Time)})
	}
	return h
}

// exScan reads the deals of exDeals as of 15 March 2024, in quarters.
func exScan() *funnel.Scan {
	f, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		panic(err)
	}
	s, err := funnel.NewScan(f, funnel.Options{AsOf: exDay(3, 15), Period: funnel.Quarter})
	if err != nil {
		panic(err)
	}
	return s
}

// exDeals are four closed deals and four open ones. Closed deals that
// entered Lead: 2 won of 4; Demo: 2 of 3; Proposal: 1 of 1.
func exDeals() []funnel.Deal {
	ana := funnel.Attributes{Owner: "ana"}
	ben := funnel.Attributes{Owner: "ben"}
	return []funnel.Deal{
		{ID: "c1", Created: exDay(1, 2), Amount: decimal.NewFromInt(1000), Outcome: funnel.Won, Closed: exDay(2, 1),
			History: exHist("Lead", exDay(1, 2), "Demo", exDay(1, 10)), Attrs: ana},
		{ID: "c2", Created: exDay(1, 3), Amount: decimal.NewFromInt(400), Outcome: funnel.Lost, Closed: exDay(1, 20),
			History: exHist("Lead", exDay(1, 3)), Attrs: ana},
		{ID: "c3", Created: exDay(1, 5), Amount: decimal.NewFromInt(2000), Outcome: funnel.Won, Closed: exDay(3, 1),
			History: exHist("Lead", exDay(1, 5), "Demo", exDay(1, 15), "Proposal", exDay(2, 1)), Attrs: ana},
		{ID: "c4", Created: exDay(1, 8), Amount: decimal.NewFromInt(700), Outcome: funnel.Lost, Closed: exDay(2, 10),
			History: exHist("Lead", exDay(1, 8), "Demo", exDay(1, 20)), Attrs: ana},
		{ID: "o1", Created: exDay(3, 1), Amount: decimal.NewFromInt(100), History: exHist("Lead", exDay(3, 1)), Attrs: ana},
		{ID: "o2", Created: exDay(3, 2), Amount: decimal.NewFromInt(300), History: exHist("Lead", exDay(3, 2), "Demo", exDay(3, 5)), Attrs: ana},
		{ID: "o3", Created: exDay(3, 3), Amount: decimal.NewFromInt(50), History: exHist("Lead", exDay(3, 3), "Demo", exDay(3, 6), "Proposal", exDay(3, 10)), Attrs: ben},
		{ID: "o4", Created: exDay(3, 4), Amount: decimal.NewFromInt(600), History: exHist("Lead", exDay(3, 4), "Demo", exDay(3, 8)), Attrs: ben},
	}
}

func ExampleLearn() {
	m, err := forecast.Learn(exScan(), slices.Values(exDeals()), forecast.LearnOptions{})
	if err != nil {
		panic(err)
	}
	for _, r := range m.Stages() {
		fmt.Printf("%-8s %v [%.3f, %.3f]\n", r.Stage, r.Won.Ratio, r.Won.Interval.Lo, r.Won.Interval.Hi)
	}
	// Output:
	// Lead     2/4 (50.0%) [0.150, 0.850]
	// Demo     2/3 (66.7%) [0.208, 0.939]
	// Proposal 1/1 (100.0%) [0.207, 1.000]
}

func ExampleWeighted() {
	res, err := forecast.Weighted(exScan(), slices.Values(exDeals()), forecast.Options{})
	if err != nil {
		panic(err)
	}
	for _, s := range res.Stages {
		fmt.Printf("%-8s %d open, %s at %s -> %s\n", s.Stage, s.Deals, s.Amount, s.Probability.Decimal.StringFixed(3), s.Weighted.StringFixed(2))
	}
	fmt.Println("weighted pipeline:", res.Weighted.StringFixed(2))
	// Output:
	// Lead     1 open, 100 at 0.500 -> 50.00
	// Demo     2 open, 900 at 0.667 -> 600.00
	// Proposal 1 open, 50 at 1.000 -> 50.00
	// weighted pipeline: 700.00
}

// Given stage probabilities, a deal's own probability and forecast
// categories, as a CRM export carries them.
func ExampleWeighted_given() {
	deals := exDeals()
	deals[7].Probability = decimal.NewNullDecimal(decimal.RequireFromString("0.9")) // the rep's call on o4
	deals[7].Category = "Commit"
	opts := forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{
		"Lead": decimal.RequireFromString("0.1"), "Demo": decimal.RequireFromString("0.4"), "Proposal": decimal.RequireFromString("0.7"),
	}, Since: exDay(3, 1)}
	res, err := forecast.Weighted(exScan(), slices.Values(deals), opts)
	if err != nil {
		panic(err)
	}
	fmt.Println("weighted:", res.Weighted.StringFixed(2), "of which own probabilities:", res.OverriddenWeighted.StringFixed(2))
	for _, c := range res.Categories {
		fmt.Printf("%-9s %d deals %6s weighted %8s cumulative %8s\n", c.Category, c.Deals, c.Amount, c.Weighted.StringFixed(2), c.CumulativeWeighted.StringFixed(2))
	}
	// Output:
	// weighted: 705.00 of which own probabilities: 540.00
	// closed    1 deals   2000 weighted  2000.00 cumulative  2000.00
	// commit    1 deals    600 weighted   540.00 cumulative  2540.00
	// best case 0 deals      0 weighted     0.00 cumulative  2540.00
	// pipeline  3 deals    450 weighted   165.00 cumulative  2705.00
	// omitted   0 deals      0 weighted     0.00 cumulative     0.00
}

func ExampleExpected() {
	// o1 (Lead) has an expected close date. The others follow the time
	// won deals took from their stage: c1 won 22 days after entering
	// Demo, c3 46 days after; c3 won 29 days after entering Proposal.
	deals := exDeals()
	deals[4].ExpectedClose = exDay(5, 20)
	f, _ := funnel.New("Lead", "Demo", "Proposal")
	s, _ := funnel.NewScan(f, funnel.Options{AsOf: exDay(3, 15), Period: funnel.Month})
	res, err := forecast.Expected(s, slices.Values(deals), forecast.PeriodOptions{Periods: 3})
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Println(r.Start.Format("2006-01"), r.Dated, r.Expected.StringFixed(2))
	}
	fmt.Println("later", res.Later.StringFixed(2), "total", res.Expected.StringFixed(2))
	// Output:
	// 2024-03 0 300.00
	// 2024-04 0 350.00
	// 2024-05 1 50.00
	// later 0.00 total 700.00
}

func ExampleAttainment() {
	goals := []forecast.Goal{
		{Key: "ana", Start: exDay(1, 1), Amount: decimal.NewFromInt(1000)},
		{Key: "ben", Start: exDay(1, 1), Amount: decimal.NewFromInt(500)},
	}
	res, err := forecast.Attainment(exScan(), slices.Values(exDeals()), forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: goals})
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Printf("%s: won %s of %s (%s), pipeline %s covers %s\n", r.Key, r.Won, r.Quota, r.Attainment, r.Pipeline, r.Coverage)
	}
	// Output:
	// ana: won 3000 of 1000 (3000/1000 (300.0%)), pipeline 400 covers 400/0 (n/a)
	// ben: won 0 of 500 (0/500 (0.0%)), pipeline 650 covers 650/500 (130.0%)
}

func ExampleChangesBetween() {
	res, err := forecast.ChangesBetween(exScan(), slices.Values(exDeals()), forecast.ChangeOptions{From: exDay(1, 12), To: exDay(2, 5)})
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Printf("%s %s: %s -> %s\n", r.ID, r.Change, r.FromStage, r.ToStage)
	}
	for _, c := range res.Counts[:7] {
		fmt.Printf("%-10s %d %s\n", c.Change, c.Deals, c.Amount)
	}
	fmt.Println("created after:", res.CreatedAfter)
	// Output:
	// c1 won: Demo -> Demo
	// c2 lost: Lead -> Lead
	// c3 advanced: Lead -> Proposal
	// c4 advanced: Lead -> Demo
	// new        0 0
	// advanced   2 2700
	// moved back 0 0
	// pushed     0 0
	// pulled in  0 0
	// won        1 1000
	// lost       1 400
	// created after: 4
}

// By 1 February one deal of four was won from Lead, so P(win | Lead) =
// 1/4. Four deals were open in Lead then: b5 won on 10 February, b6 lost
// on 20 February, b7 is still open, b8 won on 20 March.
func ExampleReplay() {
	mk := func(id string, o funnel.Outcome, closed time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: exDay(1, 2), Amount: decimal.NewFromInt(100), Outcome: o, Closed: closed, History: exHist("Lead", exDay(1, 2))}
	}
	deals := []funnel.Deal{
		mk("b1", funnel.Won, exDay(1, 20)), mk("b2", funnel.Lost, exDay(1, 21)), mk("b3", funnel.Lost, exDay(1, 22)), mk("b4", funnel.Lost, exDay(1, 23)),
		mk("b5", funnel.Won, exDay(2, 10)), mk("b6", funnel.Lost, exDay(2, 20)), mk("b7", funnel.Open, time.Time{}), mk("b8", funnel.Won, exDay(3, 20)),
	}
	f, _ := funnel.New("Lead", "Demo", "Proposal")
	s, _ := funnel.NewScan(f, funnel.Options{AsOf: exDay(4, 1)})
	res, err := forecast.Replay(s, slices.Values(deals), forecast.BacktestOptions{Cutoffs: []time.Time{exDay(2, 1)}})
	if err != nil {
		panic(err)
	}
	c := res.Cutoffs[0]
	fmt.Println("learned:", c.Rates[0].Won.Ratio)
	fmt.Println("scored", c.Scored, "unresolved", c.Unresolved, "predicted", c.Predicted, "actual", c.Actual, "error", c.Error)
	fmt.Printf("Brier %.4f\n", res.Brier)
	// Output:
	// learned: 1/4 (25.0%)
	// scored 3 unresolved 1 predicted 75 actual 200 error 125
	// Brier 0.3958
}

func ExampleDecompose() {
	q1 := forecast.VelocityInputs{Opportunities: 10, WinRate: funnel.Ratio{Num: 1, Den: 4}, DealSize: decimal.NewFromInt(1000), Cycle: 20 * 24 * time.Hour}
	q2 := forecast.VelocityInputs{Opportunities: 20, WinRate: funnel.Ratio{Num: 1, Den: 2}, DealSize: decimal.NewFromInt(500), Cycle: 10 * 24 * time.Hour}
	c, ok := forecast.Decompose(q1, q2)
	if !ok {
		panic("undefined")
	}
	_ = c.WriteText(os.Stdout)
	// Output:
	// Pipeline velocity 125.00 -> 500.00 per day (change 375.00)
	//   volume    187.50 (10 -> 20 opportunities)
	//   win rate  187.50 (25.0% -> 50.0%)
	//   deal size -187.50 (1000.00 -> 500.00)
	//   cycle     187.50 (20.0 -> 10.0 days)
}

func ExampleParseCategory() {
	for _, name := range []string{"Best Case", "BEST_CASE", "Forecast", "OMIT", "Maybe"} {
		c, err := forecast.ParseCategory(name)
		fmt.Printf("%-9s %v %v\n", name, c, err)
	}
	// Output:
	// Best Case best case <nil>
	// BEST_CASE best case <nil>
	// Forecast  commit <nil>
	// OMIT      omitted <nil>
	// Maybe     pipeline forecast: unknown forecast category "Maybe"
}

// One pass over the deals feeds the report, the weighted pipeline and the
// expected revenue by period at once; the two forecasts agree.
func Example_onePass() {
	s := exScan()
	tally := funnel.NewTally(s)
	pipe, _ := forecast.NewPipeline(s, forecast.Options{})
	byPeriod, _ := forecast.NewByPeriod(s, forecast.PeriodOptions{Periods: 2})
	if err := s.Run(slices.Values(exDeals()), tally, pipe, byPeriod); err != nil {
		panic(err)
	}
	p, _ := pipe.Report()
	e, _ := byPeriod.Report()
	fmt.Println("deals:", tally.Report().Deals, "weighted:", p.Weighted.StringFixed(2), "by period:", e.Expected.StringFixed(2), p.Weighted.Equal(e.Expected))
	// Output:
	// deals: 8 weighted: 700.00 by period: 700.00 true
}
