package forecast_test

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/maven"
	"github.com/shopspring/decimal"
)

// genScan reads the generated deals of genDeals as of 1 October 2024, in
// months.
func genScan() *funnel.Scan {
	f, err := funnel.New(genStages...)
	if err != nil {
		panic(err)
	}
	s, err := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		panic(err)
	}
	return s
}

// Where September's pipeline went between 1 August and 1 September, over
// 2,000 generated deals with field histories: the buckets add up from
// the start to the end, in deals and in money.
func ExampleFlows() {
	r, err := forecast.Flows(genScan(), slices.Values(genDeals(2000, 1)), forecast.WaterfallOptions{
		From: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
		Close: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), By: []string{funnel.AttrOwner}, List: 1})
	if err != nil {
		panic(err)
	}
	t := r.Total
	fmt.Printf("start %d deals %s\n", t.StartDeals, t.StartAmount.StringFixed(2))
	for _, f := range t.Flows {
		if f.Deals > 0 {
			fmt.Printf("%-14s %+3d %12s  largest %s\n", f.Flow, f.Effect, f.Amount.StringFixed(2), f.Listed[0].ID)
		}
	}
	fmt.Printf("end   %d deals %s\n", t.EndDeals, t.EndAmount.StringFixed(2))
	for _, sg := range r.Segments {
		fmt.Printf("%s: %d -> %d\n", sg.Value, sg.Flow.StartDeals, sg.Flow.EndDeals)
	}
	// Output:
	// start 72 deals 1591425.18
	// created        +29    700091.50  largest g1553
	// pulled in       +2     62495.04  largest g1714
	// moved forward   +5    157918.93  largest g1408
	// won            -10   -250539.40  largest g52
	// lost           -17   -324914.96  largest g1883
	// pushed out      -5   -132284.36  largest g118
	// moved back      -3    -51134.09  largest g964
	// end   73 deals 1753057.84
	// ana: 19 -> 15
	// ben: 16 -> 15
	// chen: 17 -> 22
	// dara: 20 -> 21
}

// The open deals most at risk among 2,000 generated ones: stalled past
// their stage's 75th percentile or 45 days, overdue, pushed twice, cut, or
// older than the won deals' 90th percentile of cycle.
func ExampleRisks() {
	r, err := forecast.Risks(genScan(), slices.Values(genDeals(2000, 1)), forecast.RiskOptions{StallAfter: 45 * 24 * time.Hour, List: 3})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d of %d open deals at risk: %s of %s\n", r.AtRisk, r.Open, r.AtRiskAmount.StringFixed(2), r.OpenAmount.StringFixed(2))
	for _, c := range r.Flags {
		fmt.Printf("%-8s %3d %12s\n", c.Flag, c.Deals, c.Amount.StringFixed(2))
	}
	for _, d := range r.Deals {
		fmt.Printf("%s %s %s %s, pushed %d times\n", d.ID, d.Stage, d.Amount.StringFixed(2), d.Flags, d.Pushes)
	}
	// Output:
	// 471 of 610 open deals at risk: 11751715.52 of 15123201.67
	// stalled  373   9350709.52
	// slow     446  11152042.10
	// overdue  287   7176094.02
	// pushed    39    906732.93
	// cut       26    604731.82
	// aged     396   9835713.02
	// g1903 Negotiation 63271.10 aged, pushed 0 times
	// g1842 Qualified 55095.53 stalled+slow+overdue+aged, pushed 0 times
	// g1627 Lead 54736.37 stalled+slow+overdue+aged, pushed 0 times
}

// The range of October's revenue from the open deals of 2,000 generated
// ones expected then, at the stage rates learned from the closed ones,
// with and without the rates' uncertainty.
func ExampleOutlook() {
	r, err := forecast.Outlook(genScan(), slices.Values(genDeals(2000, 1)), forecast.RangeOptions{
		Close: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Quotas: []decimal.Decimal{decimal.NewFromInt(4_500_000)},
		Uncertainty: true, Samples: 20_000, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d open deals of %s: expected %s, %s\n", r.Deals, r.Amount.StringFixed(2), r.Mean.StringFixed(2), r.Method)
	for i, p := range r.Percentiles {
		if p.Percent == 10 || p.Percent == 50 || p.Percent == 90 {
			fmt.Printf("P%d %s (with the rates' uncertainty %s)\n", p.Percent, p.Value.StringFixed(0), r.Uncertain.Percentiles[i].Value.StringFixed(0))
		}
	}
	q := r.Quotas[0]
	fmt.Printf("P(reaching %s) = %.3f in [%.3f, %.3f]; with the rates' uncertainty %.3f\n", q.Quota, q.Probability, q.Lo, q.Hi, r.Uncertain.Quotas[0].Probability)
	// Output:
	// 361 open deals of 9260411.88: expected 4472784.36, grid
	// P10 4126685 (with the rates' uncertainty 4112377)
	// P50 4472566 (with the rates' uncertainty 4475534)
	// P90 4819047 (with the rates' uncertainty 4836571)
	// P(reaching 4500000) = 0.460 in [0.455, 0.464]; with the rates' uncertainty 0.466
}

// Win probabilities of the open deals of the Maven CRM export
// (testdata/maven-crm) as of 1 January 2018, from the stage, the time in
// it and since creation, the sector and the product, and how the model
// fitted by 1 October 2017 scored the deals open then against the stage
// rates.
func ExampleScore() {
	data, err := maven.Load("../testdata/maven-crm", csvimport.Options{})
	if err != nil {
		panic(err)
	}
	s, err := funnel.NewScan(data.Funnel, funnel.Options{AsOf: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "USD"})
	if err != nil {
		panic(err)
	}
	// the export zeroes the value of lost deals: the amount would give
	// the outcome away, so it is left out
	r, err := forecast.Score(s, slices.Values(data.Deals), forecast.ScoringOptions{Attrs: []string{funnel.AttrIndustry, funnel.AttrProduct},
		Without: []string{"amount"}, Holdout: time.Date(2017, 10, 1, 0, 0, 0, 0, time.UTC), Factors: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("trained on %d rows of %d deals, converged %t\n", r.Fit.Rows, r.Fit.Deals, r.Fit.Converged)
	deals := slices.Clone(r.Deals)
	slices.SortStableFunc(deals, func(a, b forecast.DealScore) int { return cmp.Compare(b.Probability, a.Probability) })
	first := func(fs []forecast.Factor) string {
		if len(fs) == 0 {
			return "none"
		}
		return fmt.Sprintf("%s %s (%+.2f)", fs[0].Feature, fs[0].Value, fs[0].Effect)
	}
	for _, d := range append(deals[:2], deals[len(deals)-1]) {
		fmt.Printf("%s %s P(win) %.3f (stage rate %s); for: %s; against: %s\n", d.ID, d.Stage, d.Probability, d.StageRate.Decimal.StringFixed(3),
			first(d.For), first(d.Against))
	}
	// Maven's outcomes barely depend on what the model sees: on held-out
	// deals it does no better than the stage rates
	e := r.Evaluation
	fmt.Printf("held out: %d deals, Brier %.4f against the stage rates' %.4f\n", e.Scored, e.Model.Brier, e.StageRates.Brier)
	// Output:
	// trained on 10483 rows of 4457 deals, converged true
	// 125VIRMX Engaging P(win) 0.786 (stage rate 0.632); for: product GTK 500 (+0.23); against: none
	// GG85QBTM Engaging P(win) 0.769 (stage rate 0.632); for: product GTK 500 (+0.23); against: none
	// XT9QCG8T Prospecting P(win) 0.561 (stage rate 0.632); for: none; against: product GTX Plus Basic (-0.16)
	// held out: 955 deals, Brier 0.2501 against the stage rates' 0.2434
}

// Each owner's calls for August and September against what was won and
// what the stage rates forecast on the day of the call, over 2,000
// generated deals.
func ExampleForecastAccuracy() {
	var calls []forecast.Call
	for _, o := range genOwners {
		for m := time.August; m <= time.September; m++ {
			calls = append(calls, forecast.Call{Key: o, Period: time.Date(2024, m, 1, 0, 0, 0, 0, time.UTC),
				At: time.Date(2024, m, 3, 0, 0, 0, 0, time.UTC), Amount: decimal.NewFromInt(150_000)})
		}
	}
	r, err := forecast.ForecastAccuracy(genScan(), slices.Values(genDeals(2000, 1)), forecast.AccuracyOptions{Key: funnel.AttrOwner, Calls: calls})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows[:2] {
		fmt.Printf("%s %s: call %s, model %s, won %s\n", row.Key, row.Period.Format("2006-01"), row.Call.StringFixed(0), row.Model.StringFixed(0), row.Actual.StringFixed(0))
	}
	r.Overall.Key = "all"
	for _, k := range append(r.Keys, r.Overall) {
		cw, _ := k.CallWAPE.Value()
		mw, _ := k.ModelWAPE.Value()
		fmt.Printf("%-4s %d calls: WAPE of the calls %s, of the model %s\n", k.Key, k.Calls, cw.StringFixed(3), mw.StringFixed(3))
	}
	// Output:
	// ana 2024-08: call 150000, model 826086, won 324045
	// ana 2024-09: call 150000, model 996424, won 516349
	// ana  2 calls: WAPE of the calls 0.643, of the model 1.169
	// ben  2 calls: WAPE of the calls 0.679, of the model 1.195
	// chen 2 calls: WAPE of the calls 0.570, of the model 1.707
	// dara 2 calls: WAPE of the calls 0.697, of the model 0.744
	// all  8 calls: WAPE of the calls 0.653, of the model 1.163
}
