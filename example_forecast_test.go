package funnel_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
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

// exFunnel is Lead, Demo, Proposal.
func exFunnel() *funnel.Funnel {
	f, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		panic(err)
	}
	return f
}

// exDeals are four closed deals and four open ones. Closed deals that
// entered Lead: 2 won of 4; Demo: 2 of 3; Proposal: 1 of 1.
func exDeals() []funnel.Deal {
	return []funnel.Deal{
		{ID: "c1", Created: exDay(1, 2), Amount: decimal.NewFromInt(1000), Outcome: funnel.Won, Closed: exDay(2, 1),
			History: exHist("Lead", exDay(1, 2), "Demo", exDay(1, 10))},
		{ID: "c2", Created: exDay(1, 3), Amount: decimal.NewFromInt(400), Outcome: funnel.Lost, Closed: exDay(1, 20),
			History: exHist("Lead", exDay(1, 3))},
		{ID: "c3", Created: exDay(1, 5), Amount: decimal.NewFromInt(2000), Outcome: funnel.Won, Closed: exDay(3, 1),
			History: exHist("Lead", exDay(1, 5), "Demo", exDay(1, 15), "Proposal", exDay(2, 1))},
		{ID: "c4", Created: exDay(1, 8), Amount: decimal.NewFromInt(700), Outcome: funnel.Lost, Closed: exDay(2, 10),
			History: exHist("Lead", exDay(1, 8), "Demo", exDay(1, 20))},
		{ID: "o1", Created: exDay(3, 1), Amount: decimal.NewFromInt(100), History: exHist("Lead", exDay(3, 1)),
			Attrs: funnel.Attributes{Owner: "ana"}},
		{ID: "o2", Created: exDay(3, 2), Amount: decimal.NewFromInt(300), History: exHist("Lead", exDay(3, 2), "Demo", exDay(3, 5)),
			Attrs: funnel.Attributes{Owner: "ana"}},
		{ID: "o3", Created: exDay(3, 3), Amount: decimal.NewFromInt(50), History: exHist("Lead", exDay(3, 3), "Demo", exDay(3, 6), "Proposal", exDay(3, 10)),
			Attrs: funnel.Attributes{Owner: "ben"}},
		{ID: "o4", Created: exDay(3, 4), Amount: decimal.NewFromInt(600), History: exHist("Lead", exDay(3, 4), "Demo", exDay(3, 8)),
			Attrs: funnel.Attributes{Owner: "ben"}},
	}
}

var exAsOf = exDay(3, 15)

func ExampleForecast() {
	res, err := funnel.Forecast(exFunnel(), slices.Values(exDeals()), funnel.ForecastOptions{AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	for _, s := range res.Stages {
		fmt.Printf("%-8s %d open, %s at %s -> %s\n", s.Stage, s.Deals, s.Amount, s.Probability.StringFixed(3), s.Weighted.StringFixed(2))
	}
	fmt.Println("weighted pipeline:", res.Weighted.StringFixed(2))
	// Output:
	// Lead     1 open, 100 at 0.500 -> 50.00
	// Demo     2 open, 900 at 0.667 -> 600.00
	// Proposal 1 open, 50 at 1.000 -> 50.00
	// weighted pipeline: 700.00
}

func ExampleForecastOptions() {
	// Given stage probabilities, a per-deal override and categories.
	opts := funnel.ForecastOptions{
		AsOf: exAsOf,
		Probabilities: map[funnel.Stage]decimal.Decimal{
			"Lead": decimal.RequireFromString("0.1"), "Demo": decimal.RequireFromString("0.4"), "Proposal": decimal.RequireFromString("0.7"),
		},
		Probability: func(d funnel.Deal) (decimal.Decimal, bool) {
			if d.ID == "o4" {
				return decimal.RequireFromString("0.9"), true // the rep's call
			}
			return decimal.Decimal{}, false
		},
		Category: func(d funnel.Deal) funnel.ForecastCategory {
			if d.ID == "o4" {
				return funnel.ForecastCommit
			}
			return funnel.ForecastPipeline
		},
	}
	res, err := funnel.Forecast(exFunnel(), slices.Values(exDeals()), opts)
	if err != nil {
		panic(err)
	}
	fmt.Println("weighted:", res.Weighted.StringFixed(2), "of which overridden:", res.OverriddenWeighted.StringFixed(2))
	// Output:
	// weighted: 705.00 of which overridden: 540.00
}

func ExampleForecastResult() {
	res, _ := funnel.Forecast(exFunnel(), slices.Values(exDeals()), funnel.ForecastOptions{AsOf: exAsOf})
	fmt.Printf("weighted %s, band %s-%s, %d without probability\n",
		res.Weighted.StringFixed(0), res.WeightedLo.StringFixed(0), res.WeightedHi.StringFixed(0), res.Unweighted)
	// Output:
	// weighted 700, band 212-980, 0 without probability
}

func ExampleForecastStageRow() {
	res, _ := funnel.Forecast(exFunnel(), slices.Values(exDeals()), funnel.ForecastOptions{AsOf: exAsOf})
	row := res.Stages[1]
	fmt.Printf("%s: %s x %s = %s\n", row.Stage, row.Amount, row.Probability.StringFixed(4), row.Weighted.StringFixed(2))
	// Output:
	// Demo: 900 x 0.6667 = 600.00
}

func ExampleForecastCategoryRow() {
	cat := func(d funnel.Deal) funnel.ForecastCategory {
		if d.Stage == "Proposal" || len(d.History) > 0 && d.History[len(d.History)-1].Stage == "Proposal" {
			return funnel.ForecastCommit
		}
		return funnel.ForecastBestCase
	}
	res, _ := funnel.Forecast(exFunnel(), slices.Values(exDeals()), funnel.ForecastOptions{AsOf: exAsOf, Since: exDay(3, 1), Category: cat})
	for _, c := range res.Categories {
		fmt.Printf("%-9s %d deals %6s weighted %8s cumulative %8s\n", c.Category, c.Deals, c.Amount, c.Weighted.StringFixed(2), c.CumulativeWeighted.StringFixed(2))
	}
	// Output:
	// closed    1 deals   2000 weighted  2000.00 cumulative  2000.00
	// commit    1 deals     50 weighted    50.00 cumulative  2050.00
	// best case 3 deals   1000 weighted   650.00 cumulative  2700.00
	// pipeline  0 deals      0 weighted     0.00 cumulative  2700.00
	// omitted   0 deals      0 weighted     0.00 cumulative     0.00
}

func ExampleForecastCategory() {
	for _, c := range []funnel.ForecastCategory{funnel.ForecastPipeline, funnel.ForecastBestCase, funnel.ForecastCommit, funnel.ForecastClosed, funnel.ForecastOmitted} {
		fmt.Println(int(c), c)
	}
	// Output:
	// 0 pipeline
	// 1 best case
	// 2 commit
	// 3 closed
	// 4 omitted
}

func ExampleForecastCategory_String() {
	fmt.Println(funnel.ForecastCommit.String(), funnel.ForecastCategory(9).String())
	// Output:
	// commit ForecastCategory(9)
}

func ExampleForecastLearn() {
	m, err := funnel.ForecastLearn(exFunnel(), slices.Values(exDeals()), funnel.ForecastLearnOptions{})
	if err != nil {
		panic(err)
	}
	for _, r := range m.Stages {
		fmt.Printf("%-8s %v [%.3f, %.3f]\n", r.Stage, r.Won, r.Lo, r.Hi)
	}
	// Output:
	// Lead     2/4 (50.0%) [0.150, 0.850]
	// Demo     2/3 (66.7%) [0.208, 0.939]
	// Proposal 1/1 (100.0%) [0.207, 1.000]
}

func ExampleForecastLearnOptions() {
	// As of 15 February c1 (won 1 February), c2 and c4 (lost 20 January
	// and 10 February) had closed.
	m, _ := funnel.ForecastLearn(exFunnel(), slices.Values(exDeals()), funnel.ForecastLearnOptions{AsOf: exDay(2, 15), Confidence: 0.9})
	fmt.Println(m.Stages[0].Won, m.Stages[1].Won, m.Confidence)
	// Output:
	// 1/3 (33.3%) 1/2 (50.0%) 0.9
}

func ExampleForecastModel() {
	m, _ := funnel.ForecastLearn(exFunnel(), slices.Values(exDeals()), funnel.ForecastLearnOptions{})
	fmt.Println(len(m.Stages), "stages at", m.Confidence, "confidence; segments:", len(m.Segments))
	// Output:
	// 3 stages at 0.95 confidence; segments: 0
}

func ExampleForecastModel_Rate() {
	seg := func(d funnel.Deal) string {
		if d.Amount.GreaterThan(decimal.NewFromInt(500)) {
			return "large"
		}
		return "small"
	}
	m, _ := funnel.ForecastLearn(exFunnel(), slices.Values(exDeals()), funnel.ForecastLearnOptions{Segment: seg})
	// "large" has 3 closed deals in Lead (c1, c3, c4): its own rate.
	r, _ := m.Rate("Lead", "large", 3)
	fmt.Println("large:", r.Won)
	// "small" has only c2: the overall rate is used.
	r, _ = m.Rate("Lead", "small", 3)
	fmt.Println("small:", r.Won)
	// Output:
	// large: 2/3 (66.7%)
	// small: 2/4 (50.0%)
}

func ExampleForecastStageRate() {
	m, _ := funnel.ForecastLearn(exFunnel(), slices.Values(exDeals()), funnel.ForecastLearnOptions{})
	r := m.Stages[1]
	fmt.Printf("%s: %d won of %d closed, %.2f-%.2f\n", r.Stage, r.Won.Num, r.Won.Den, r.Lo, r.Hi)
	// Output:
	// Demo: 2 won of 3 closed, 0.21-0.94
}

func ExamplePipelineSnapshot() {
	d := exDeals()[2] // c3: Lead 5 Jan, Demo 15 Jan, Proposal 1 Feb, won 1 Mar
	for _, at := range []time.Time{exDay(1, 1), exDay(1, 20), exDay(3, 1)} {
		s, ok := funnel.PipelineSnapshot(d, at)
		fmt.Println(at.Format(time.DateOnly), ok, s.Outcome, len(s.History), "stage entries")
	}
	// Output:
	// 2024-01-01 false open 0 stage entries
	// 2024-01-20 true open 2 stage entries
	// 2024-03-01 true won 3 stage entries
}

func ExampleForecastByPeriod() {
	// o2 and o4 are in Demo, o3 in Proposal; o1 (Lead) has an expected
	// close date. The others follow the time won deals took from their
	// stage: c1 won 22 days after entering Demo, c3 46 days after.
	closeDate := func(d funnel.Deal) (time.Time, bool) {
		if d.ID == "o1" {
			return exDay(5, 20), true
		}
		return time.Time{}, false
	}
	res, err := funnel.ForecastByPeriod(exFunnel(), slices.Values(exDeals()), funnel.ForecastPeriodOptions{
		ForecastOptions: funnel.ForecastOptions{AsOf: exAsOf},
		Period:          funnel.Month, Periods: 3, CloseDate: closeDate,
	})
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Println(r.Start.Format("2006-01"), r.Dated, r.Expected.StringFixed(2))
	}
	fmt.Println("later", res.Later.StringFixed(2), "overdue", res.Overdue)
	// Output:
	// 2024-03 0 300.00
	// 2024-04 0 350.00
	// 2024-05 1 50.00
	// later 0.00 overdue 0
}

func ExampleForecastPeriodOptions() {
	ny, _ := time.LoadLocation("America/New_York")
	opts := funnel.ForecastPeriodOptions{
		ForecastOptions: funnel.ForecastOptions{AsOf: exAsOf, Probabilities: map[funnel.Stage]decimal.Decimal{"Demo": decimal.NewFromInt(1)}},
		Period:          funnel.Quarter, Location: ny, Periods: 2,
		// 23:30 on 31 March in New York is already April in UTC.
		CloseDate: func(funnel.Deal) (time.Time, bool) { return time.Date(2024, 3, 31, 23, 30, 0, 0, ny), true },
	}
	res, _ := funnel.ForecastByPeriod(exFunnel(), slices.Values(exDeals()), opts)
	fmt.Println(res.Rows[0].Start.Format("2006-01-02 MST"), res.Rows[0].Expected, res.Rows[1].Expected)
	// Output:
	// 2024-01-01 EST 900 0
}

func ExampleForecastPeriodRow() {
	res, _ := funnel.ForecastByPeriod(exFunnel(), slices.Values(exDeals()), funnel.ForecastPeriodOptions{
		ForecastOptions: funnel.ForecastOptions{AsOf: exAsOf}, Period: funnel.Quarter, Periods: 1})
	r := res.Rows[0]
	fmt.Println(r.Start.Format(time.DateOnly), r.Expected.StringFixed(2))
	// Output:
	// 2024-01-01 325.00
}

func ExampleForecastPeriodResult() {
	res, _ := funnel.ForecastByPeriod(exFunnel(), slices.Values(exDeals()), funnel.ForecastPeriodOptions{
		ForecastOptions: funnel.ForecastOptions{AsOf: exAsOf}, Periods: 1})
	fmt.Println(len(res.Rows), "period; later:", res.Later.StringFixed(2), "untimed:", res.Untimed, "unweighted:", res.Unweighted)
	// Output:
	// 1 period; later: 375.00 untimed: 0 unweighted: 0
}

func ExamplePipelineVelocityInputs() {
	in := funnel.PipelineVelocityInputs{Opportunities: 40, WinRate: funnel.Ratio{Num: 1, Den: 4},
		DealSize: decimal.NewFromInt(12000), Cycle: 60 * 24 * time.Hour}
	v, _ := in.Velocity()
	fmt.Println(v, "per day")
	// Output:
	// 2000 per day
}

func ExamplePipelineVelocityInputs_Velocity() {
	in := funnel.PipelineVelocityInputs{Opportunities: 10, WinRate: funnel.Ratio{Num: 1, Den: 4},
		DealSize: decimal.NewFromInt(1000), Cycle: 20 * 24 * time.Hour}
	v, ok := in.Velocity()
	fmt.Println(v, ok)
	_, ok = funnel.PipelineVelocityInputs{}.Velocity()
	fmt.Println(ok)
	// Output:
	// 125 true
	// false
}

func ExamplePipelineVelocityOf() {
	r, _ := funnel.Compute(exFunnel(), slices.Values(exDeals()), funnel.Options{AsOf: exAsOf})
	in := funnel.PipelineVelocityOf(r)
	v, _ := in.Velocity()
	fmt.Println(in.Opportunities, in.WinRate, in.DealSize, in.Cycle, v.StringFixed(2))
	// Output:
	// 4 2/4 (50.0%) 1500 1032h0m0s 69.77
}

func ExamplePipelineVelocityDecompose() {
	q1 := funnel.PipelineVelocityInputs{Opportunities: 10, WinRate: funnel.Ratio{Num: 1, Den: 4}, DealSize: decimal.NewFromInt(1000), Cycle: 20 * 24 * time.Hour}
	q2 := funnel.PipelineVelocityInputs{Opportunities: 20, WinRate: funnel.Ratio{Num: 1, Den: 2}, DealSize: decimal.NewFromInt(500), Cycle: 10 * 24 * time.Hour}
	c, _ := funnel.PipelineVelocityDecompose(q1, q2)
	fmt.Println("from", c.From, "to", c.To, "change", c.Change)
	fmt.Println("volume", c.Volume, "win rate", c.WinRate, "deal size", c.DealSize, "cycle", c.Cycle)
	// Output:
	// from 125 to 500 change 375
	// volume 187.5 win rate 187.5 deal size -187.5 cycle 187.5
}

func ExamplePipelineVelocityChange() {
	a := funnel.PipelineVelocityInputs{Opportunities: 10, WinRate: funnel.Ratio{Num: 1, Den: 4}, DealSize: decimal.NewFromInt(1000), Cycle: 20 * 24 * time.Hour}
	b := a
	b.Opportunities = 20
	c, _ := funnel.PipelineVelocityDecompose(a, b)
	fmt.Println(c.Change, "=", c.Volume, "+", c.WinRate, "+", c.DealSize, "+", c.Cycle)
	// Output:
	// 125 = 125 + 0 + 0 + 0
}

func ExampleForecastQuotaAttainment() {
	quotas := []funnel.ForecastQuota{
		{Key: "ana", Start: exDay(1, 1), Quota: decimal.NewFromInt(1000)},
		{Key: "ben", Start: exDay(1, 1), Quota: decimal.NewFromInt(500)},
	}
	owner := func(d funnel.Deal) string {
		if d.Attrs.Owner != "" {
			return d.Attrs.Owner
		}
		return "ana" // the closed deals are ana's
	}
	rows, err := funnel.ForecastQuotaAttainment(exFunnel(), slices.Values(exDeals()), quotas, funnel.ForecastQuotaOptions{
		Key: owner, Period: funnel.Quarter, AsOf: exAsOf})
	if err != nil {
		panic(err)
	}
	for _, r := range rows {
		fmt.Printf("%s: won %s of %s (%s), pipeline %s covers %s\n", r.Key, r.Won, r.Quota, r.Attainment, r.Pipeline, r.Coverage)
	}
	// Output:
	// ana: won 3000 of 1000 (3000/1000 (300.0%)), pipeline 400 covers 400/0 (n/a)
	// ben: won 0 of 500 (0/500 (0.0%)), pipeline 650 covers 650/500 (130.0%)
}

func ExampleForecastQuota() {
	q := funnel.ForecastQuota{Key: "EMEA", Start: exDay(4, 1), Quota: decimal.NewFromInt(250000)}
	fmt.Println(q.Key, q.Start.Format(time.DateOnly), q.Quota)
	// Output:
	// EMEA 2024-04-01 250000
}

func ExampleForecastQuotaOptions() {
	// One team quota; open deals count in the month of their expected
	// close date, here the end of March.
	opts := funnel.ForecastQuotaOptions{Period: funnel.Month, AsOf: exAsOf,
		CloseDate: func(funnel.Deal) (time.Time, bool) { return exDay(3, 31), true }}
	rows, _ := funnel.ForecastQuotaAttainment(exFunnel(), slices.Values(exDeals()),
		[]funnel.ForecastQuota{{Start: exDay(3, 1), Quota: decimal.NewFromInt(3000)}}, opts)
	fmt.Println(rows[0].Won, rows[0].Remaining, rows[0].Pipeline, rows[0].OpenDeals)
	// Output:
	// 2000 1000 1050 4
}

func ExampleForecastQuotaRow() {
	rows, _ := funnel.ForecastQuotaAttainment(exFunnel(), slices.Values(exDeals()),
		[]funnel.ForecastQuota{{Start: exDay(1, 1), Quota: decimal.NewFromInt(2000)}}, funnel.ForecastQuotaOptions{Period: funnel.Quarter, AsOf: exAsOf})
	r := rows[0]
	v, _ := r.Attainment.Value()
	_, ok := r.Coverage.Value()
	fmt.Println(r.Won, v, r.Remaining, ok)
	// Output:
	// 3000 1.5 0 false
}

func ExamplePipelineChanges() {
	res, err := funnel.PipelineChanges(exFunnel(), slices.Values(exDeals()), exDay(1, 12), exDay(2, 5), nil, funnel.Strict)
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Printf("%s %s: %s -> %s\n", r.ID, r.Change, r.From, r.To)
	}
	for _, c := range res.Counts {
		fmt.Printf("%-10s %d %s\n", c.Change, c.Deals, c.Amount)
	}
	// Output:
	// c1 won: Demo -> Demo
	// c2 lost: Lead -> Lead
	// c3 advanced: Lead -> Proposal
	// c4 advanced: Lead -> Demo
	// new        0 0
	// advanced   2 2700
	// moved back 0 0
	// slipped    0 0
	// pulled in  0 0
	// won        1 1000
	// lost       1 400
}

func ExamplePipelineChange() {
	c := funnel.PipelineNew | funnel.PipelineAdvanced
	fmt.Println(c, c&funnel.PipelineWon != 0)
	// Output:
	// new+advanced false
}

func ExamplePipelineChange_String() {
	fmt.Println(funnel.PipelineSlipped.String(), (funnel.PipelineNew | funnel.PipelineLost).String(), funnel.PipelineChange(0).String())
	// Output:
	// slipped new+lost unchanged
}

func ExamplePipelineChangeRow() {
	res, _ := funnel.PipelineChanges(exFunnel(), slices.Values(exDeals()), exDay(2, 1), exDay(3, 5), nil, funnel.Strict)
	r := res.Rows[0]
	fmt.Println(r.ID, r.Change, r.From, r.To, r.Amount)
	// Output:
	// c3 won Proposal Proposal 2000
}

func ExamplePipelineChangeCount() {
	res, _ := funnel.PipelineChanges(exFunnel(), slices.Values(exDeals()), exDay(2, 1), exDay(3, 5), nil, funnel.Strict)
	c := res.Counts[0]
	fmt.Println(c.Change, c.Deals, c.Amount)
	// Output:
	// new 4 1050
}

func ExamplePipelineChangeSummary() {
	// Expected close dates as known at each date: o2's moved from 31
	// March to 30 April on 10 March.
	closeDate := func(d funnel.Deal, at time.Time) (time.Time, bool) {
		if d.ID == "o2" && !at.Before(exDay(3, 10)) {
			return exDay(4, 30), true
		}
		return exDay(3, 31), true
	}
	res, _ := funnel.PipelineChanges(exFunnel(), slices.Values(exDeals()), exDay(3, 5), exDay(3, 12), closeDate, funnel.Strict)
	fmt.Println("open:", res.OpenFrom, res.OpenFromAmt, "->", res.OpenTo, res.OpenToAmt)
	for _, r := range res.Rows {
		fmt.Println(r.ID, r.Change)
	}
	// Output:
	// open: 4 1050 -> 4 1050
	// o2 slipped
	// o3 advanced
	// o4 advanced
}

// exBacktestDeals: by 1 February one deal of four was won from Lead, so
// P(win | Lead) = 1/4. Four deals were open in Lead then: b5 won on 10
// February, b6 lost on 20 February, b7 is still open, b8 won on 20 March.
func exBacktestDeals() []funnel.Deal {
	mk := func(id string, o funnel.Outcome, closed time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: exDay(1, 2), Amount: decimal.NewFromInt(100), Outcome: o, Closed: closed,
			History: exHist("Lead", exDay(1, 2))}
	}
	return []funnel.Deal{
		mk("b1", funnel.Won, exDay(1, 20)), mk("b2", funnel.Lost, exDay(1, 21)), mk("b3", funnel.Lost, exDay(1, 22)), mk("b4", funnel.Lost, exDay(1, 23)),
		mk("b5", funnel.Won, exDay(2, 10)), mk("b6", funnel.Lost, exDay(2, 20)), mk("b7", funnel.Open, time.Time{}), mk("b8", funnel.Won, exDay(3, 20)),
	}
}

func ExampleBacktest() {
	res, err := funnel.Backtest(exFunnel(), slices.Values(exBacktestDeals()), funnel.BacktestOptions{Cutoffs: []time.Time{exDay(2, 1)}})
	if err != nil {
		panic(err)
	}
	c := res.Cutoffs[0]
	fmt.Println("learned:", c.Rates[0].Won)
	fmt.Println("scored", c.Scored, "predicted", c.Predicted, "actual", c.Actual, "error", c.Error)
	fmt.Printf("Brier %.4f\n", res.Brier)
	// Output:
	// learned: 1/4 (25.0%)
	// scored 3 predicted 75 actual 200 error 125
	// Brier 0.3958
}

func ExampleBacktestOptions() {
	// Score only wins within 30 days of each cutoff.
	opts := funnel.BacktestOptions{Cutoffs: []time.Time{exDay(2, 10), exDay(2, 1)}, Horizon: 30 * 24 * time.Hour, End: exAsOf}
	res, _ := funnel.Backtest(exFunnel(), slices.Values(exBacktestDeals()), opts)
	for _, c := range res.Cutoffs {
		fmt.Println(c.At.Format(time.DateOnly), c.Rates[0].Won, c.Scored, c.Actual)
	}
	// Output:
	// 2024-02-01 1/4 (25.0%) 4 100
	// 2024-02-10 2/5 (40.0%) 3 0
}

func ExampleBacktestCutoff() {
	res, _ := funnel.Backtest(exFunnel(), slices.Values(exBacktestDeals()), funnel.BacktestOptions{Cutoffs: []time.Time{exDay(2, 1)}})
	c := res.Cutoffs[0]
	fmt.Printf("%d scored, %d unresolved, %d unweighted, realized in Lead %v, Brier %.4f\n",
		c.Scored, c.Unresolved, c.Unweighted, c.Realized[0], c.Brier)
	// Output:
	// 3 scored, 1 unresolved, 0 unweighted, realized in Lead 2/3 (66.7%), Brier 0.3958
}

func ExampleBacktestBucket() {
	res, _ := funnel.Backtest(exFunnel(), slices.Values(exBacktestDeals()), funnel.BacktestOptions{Cutoffs: []time.Time{exDay(2, 1)}, Buckets: 2})
	for _, b := range res.Calibration {
		fmt.Printf("[%.1f, %.1f) predicted %.3f observed %v\n", b.Lo, b.Hi, b.MeanPredicted, b.Observed)
	}
	// Output:
	// [0.0, 0.5) predicted 0.250 observed 2/3 (66.7%)
	// [0.5, 1.0) predicted 0.000 observed 0/0 (n/a)
}

func ExampleBacktestResult() {
	res, _ := funnel.Backtest(exFunnel(), slices.Values(exBacktestDeals()), funnel.BacktestOptions{Cutoffs: []time.Time{exDay(2, 1)}})
	fmt.Println(len(res.Cutoffs), len(res.Calibration), res.BrierOK)
	// Output:
	// 1 10 true
}
