// Forecast prints a forecast, a bottleneck ranking and a monthly trend with
// month-over-month changes for the Maven Analytics CRM export bundled in
// testdata/maven-crm, from one pass over its deals: the weighted pipeline
// and the expected revenue by month (package forecast), the bottleneck
// ranking (package target), the monthly series and the Kaplan-Meier curve
// of the sales cycle (package trend) are accumulators of one funnel.Scan,
// fed together by one Scan.Run.
//
// The export gives no value for open deals (their close_value is empty), so
// this program values each open deal at its product's list price from
// products.csv, and it puts the deals in Engaging in the Best Case forecast
// category. The targets used for the bottleneck ranking are made up for
// the illustration; they are not industry figures.
//
// Run it from the repository root:
//
//	go run ./examples/forecast
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/maven"
	"github.com/funnelmetrics/funnel/target"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/shopspring/decimal"
)

// The export ends on 2017-12-31; everything is as of the next day.
var asOf = time.Date(2018, time.January, 1, 0, 0, 0, 0, time.UTC)

// targets are illustrative targets, given as data as a caller would.
const targets = `{"name": "illustrative targets", "source": "made up for this example",
 "targets": [
  {"metric": "step_conversion", "stage": "Engaging", "bound": "at_least", "value": "0.9"},
  {"metric": "step_conversion", "stage": "won", "bound": "at_least", "value": "0.7"},
  {"metric": "time_in_stage_days", "stage": "Engaging", "bound": "at_most", "value": "45"}]}`

func main() {
	dir := flag.String("data", "testdata/maven-crm", "directory of the Maven CRM export")
	flag.Parse()
	data, err := maven.Load(*dir, csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		log.Fatal(err)
	}
	prices, err := listPrices(filepath.Join(*dir, "products.csv"))
	if err != nil {
		log.Fatal(err)
	}
	deals := slices.Clone(data.Deals)
	for i := range deals {
		if d := &deals[i]; d.Outcome == funnel.Open {
			d.Amount = prices[normal(d.Attrs.Product)]
			if d.Stage == "Engaging" {
				d.Category = "Best Case"
			}
		}
	}
	set, err := target.Parse(strings.NewReader(targets))
	if err != nil {
		log.Fatal(err)
	}

	// One scan: how every analysis reads the deals.
	s, err := funnel.NewScan(data.Funnel, funnel.Options{Mode: funnel.Lenient, AsOf: asOf, Currency: "USD", Period: funnel.Month})
	if err != nil {
		log.Fatal(err)
	}
	pipeline, err := forecast.NewPipeline(s, forecast.Options{Since: time.Date(2017, time.October, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		log.Fatal(err)
	}
	byMonth, err := forecast.NewByPeriod(s, forecast.PeriodOptions{Periods: 4})
	if err != nil {
		log.Fatal(err)
	}
	bottlenecks, err := target.NewBottleneck(s, target.Options{Targets: []target.Set{set}, StallAfter: 90 * 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	series, err := trend.NewSeries(s, trend.Options{Basis: trend.Closed})
	if err != nil {
		log.Fatal(err)
	}
	cycle, err := trend.NewSurvival(s, trend.SurvivalOptions{Measure: trend.Cycle})
	if err != nil {
		log.Fatal(err)
	}
	// One pass over the deals for all of them, on every core.
	if err := s.Run(slices.Values(deals), pipeline, byMonth, bottlenecks, series, cycle); err != nil {
		log.Fatal(err)
	}

	printForecast(pipeline, byMonth)
	printBottlenecks(bottlenecks.Ranking())
	printTrend(series, cycle.Curve())
}

func printForecast(p *forecast.Pipeline, b *forecast.ByPeriod) {
	res, err := p.Report()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Forecast as of %s (open deals at list price)\n", asOf.Format(time.DateOnly))
	fmt.Printf("  %-12s %6s %12s %22s %12s\n", "stage", "open", "amount", "P(win) [95% interval]", "weighted")
	for _, row := range res.Stages {
		iv := row.Rate.Interval
		fmt.Printf("  %-12s %6d %12s %8s [%4.1f%%-%4.1f%%] %12s\n", row.Stage, row.Deals, row.Amount.StringFixed(0),
			pct(row.Probability), 100*iv.Lo, 100*iv.Hi, row.Weighted.StringFixed(0))
	}
	fmt.Printf("  weighted pipeline %s (band %s-%s); %d deals without probability\n",
		res.Weighted.StringFixed(0), res.WeightedLo.StringFixed(0), res.WeightedHi.StringFixed(0), res.Unweighted)
	fmt.Printf("  %-10s %6s %12s %12s %14s\n", "category", "deals", "amount", "weighted", "cumulative")
	for _, c := range res.Categories {
		fmt.Printf("  %-10s %6d %12s %12s %14s\n", c.Category, c.Deals, c.Amount.StringFixed(0), c.Weighted.StringFixed(0), c.CumulativeWeighted.StringFixed(0))
	}
	months, err := b.Report()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("  expected revenue by month (from the historical time to win of each stage):")
	for _, r := range months.Rows {
		fmt.Printf("    %s %12s\n", r.Start.Format("2006-01"), r.Expected.StringFixed(0))
	}
	fmt.Printf("    later   %12s; overdue deals %d; deals with no entry time %d (expected %s)\n\n",
		months.Later.StringFixed(0), months.Overdue, months.Untimed, months.UntimedExpected.StringFixed(0))
}

func printBottlenecks(r target.Ranking) {
	fmt.Println("Bottlenecks, worst first")
	for i, s := range r.Steps {
		fmt.Printf("  %d. %s -> %s\n", i+1, s.From, s.To)
		for _, reason := range s.Reasons {
			fmt.Printf("       %s\n", reason)
		}
	}
	fmt.Println()
}

func printTrend(series *trend.Series, cycle trend.Curve) {
	rep, err := series.Report()
	if err != nil {
		log.Fatal(err)
	}
	rate, err := rep.Metric(trend.WinRate)
	if err != nil {
		log.Fatal(err)
	}
	won, err := rep.Metric(trend.WonAmount)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Monthly trend by close month: win rate W/(W+L) and amount won, against the month before")
	fmt.Printf("  %-7s %-18s %9s %9s %12s %9s\n", "month", "win rate", "change", "p-value", "won", "change")
	for i, r := range rate.Points {
		p := "n/a"
		if c := r.Previous.Rates; r.Previous.Defined && c.Defined {
			p = fmt.Sprintf("%.3f", c.PValue)
			if c.Verdict == funnel.Higher || c.Verdict == funnel.Lower {
				p += "*"
			}
		}
		fmt.Printf("  %-7s %-18s %9s %9s %12s %9s\n", r.Label, r.Value.Rate.Ratio, points(r.Previous), p,
			won.Points[i].Value.Number.StringFixed(0), relative(won.Points[i].Previous))
	}
	fmt.Printf("  (* significant at 95%%; %d open deals have no close month)\n", rep.Outside.Open)
	if m := cycle.Median; m.Defined {
		fmt.Printf("Median time from engagement to close (Kaplan-Meier, %d open deals censored): %.0f days\n",
			cycle.Censored, m.At.Hours()/24)
	}
}

func pct(d decimal.NullDecimal) string {
	if !d.Valid {
		return "n/a"
	}
	return d.Decimal.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
}

func points(c trend.Change) string {
	if !c.Defined {
		return "n/a"
	}
	return c.Delta.Mul(decimal.NewFromInt(100)).StringFixed(1) + " pt"
}

func relative(c trend.Change) string {
	if !c.Defined || !c.Relative.Valid {
		return "n/a"
	}
	return c.Relative.Decimal.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
}

// listPrices reads products.csv: product name (spaces removed) to price.
func listPrices(path string) (map[string]decimal.Decimal, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	rows, err := csv.NewReader(file).ReadAll()
	if err != nil {
		return nil, err
	}
	prices := map[string]decimal.Decimal{}
	for _, r := range rows[1:] {
		if len(r) < 3 {
			continue
		}
		p, err := decimal.NewFromString(r[2])
		if err != nil {
			return nil, fmt.Errorf("%s: price of %q: %w", path, r[0], err)
		}
		prices[normal(r[0])] = p
	}
	return prices, nil
}

// normal drops spaces: the export spells "GTX Pro" as "GTXPro".
func normal(s string) string { return strings.ReplaceAll(s, " ", "") }
