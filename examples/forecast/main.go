// Forecast prints a forecast, a bottleneck ranking and a monthly trend with
// period-over-period changes for the Maven Analytics CRM export bundled in
// testdata/maven-crm.
//
// The export gives no value for open deals (their close_value is empty), so
// this program values each open deal at its product's list price from
// products.csv. The targets used for the bottleneck ranking are made up for
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
	"github.com/funnelmetrics/funnel/internal/maven"
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
		}
	}
	f := data.Funnel

	forecast(f, deals)
	bottlenecks(f, deals)
	trend(f, deals)
}

func forecast(f *funnel.Funnel, deals []funnel.Deal) {
	category := func(d funnel.Deal) funnel.ForecastCategory {
		if d.Stage == "Engaging" {
			return funnel.ForecastBestCase
		}
		return funnel.ForecastPipeline
	}
	res, err := funnel.Forecast(f, slices.Values(deals), funnel.ForecastOptions{
		AsOf: asOf, Since: time.Date(2017, time.October, 1, 0, 0, 0, 0, time.UTC),
		Category: category, Currency: "USD", Mode: funnel.Lenient,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Forecast as of %s (open deals at list price)\n", asOf.Format(time.DateOnly))
	fmt.Printf("  %-12s %6s %12s %22s %12s\n", "stage", "open", "amount", "P(win) [95% interval]", "weighted")
	for k, row := range res.Stages {
		r := res.Model.Stages[k]
		fmt.Printf("  %-12s %6d %12s %8s [%4.1f%%-%4.1f%%] %12s\n", row.Stage, row.Deals, row.Amount.StringFixed(0),
			pct(row.Probability), 100*r.Lo, 100*r.Hi, row.Weighted.StringFixed(0))
	}
	fmt.Printf("  weighted pipeline %s (band %s-%s); %d deals without probability\n",
		res.Weighted.StringFixed(0), res.WeightedLo.StringFixed(0), res.WeightedHi.StringFixed(0), res.Unweighted)
	fmt.Printf("  %-10s %6s %12s %12s %14s\n", "category", "deals", "amount", "weighted", "cumulative")
	for _, c := range res.Categories {
		fmt.Printf("  %-10s %6d %12s %12s %14s\n", c.Category, c.Deals, c.Amount.StringFixed(0), c.Weighted.StringFixed(0), c.CumulativeWeighted.StringFixed(0))
	}
	byMonth, err := funnel.ForecastByPeriod(f, slices.Values(deals), funnel.ForecastPeriodOptions{
		ForecastOptions: funnel.ForecastOptions{AsOf: asOf, Currency: "USD", Mode: funnel.Lenient, Model: res.Model},
		Period:          funnel.Month, Periods: 4,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("  expected revenue by month (from the historical time to win of each stage):")
	for _, r := range byMonth.Rows {
		fmt.Printf("    %s %12s\n", r.Start.Format("2006-01"), r.Expected.StringFixed(0))
	}
	fmt.Printf("    later   %12s; overdue deals %d; deals with no entry time %d (expected %s)\n\n",
		byMonth.Later.StringFixed(0), byMonth.Overdue, byMonth.Untimed, byMonth.UntimedExpected.StringFixed(0))
}

func bottlenecks(f *funnel.Funnel, deals []funnel.Deal) {
	set, err := funnel.ParseTargetSet(strings.NewReader(targets))
	if err != nil {
		log.Fatal(err)
	}
	res, err := funnel.Bottleneck(f, slices.Values(deals), funnel.BottleneckOptions{
		Options:    funnel.Options{AsOf: asOf, Currency: "USD", Mode: funnel.Lenient},
		Targets:    []funnel.TargetSet{set},
		StallAfter: 90 * 24 * time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Bottlenecks, worst first")
	for i, s := range res.Steps {
		fmt.Printf("  %d. %s -> %s\n", i+1, s.From, s.To)
		for _, r := range s.Reasons {
			fmt.Printf("       %s\n", r)
		}
	}
	fmt.Println()
}

func trend(f *funnel.Funnel, deals []funnel.Deal) {
	s, err := funnel.Trend(f, slices.Values(deals), funnel.TrendOptions{
		Options: funnel.Options{AsOf: asOf, Currency: "USD", Mode: funnel.Lenient},
		Basis:   funnel.TrendClosed,
	})
	if err != nil {
		log.Fatal(err)
	}
	rate := s.Metric(funnel.TrendWinRate, 0.95)
	won := s.Metric(funnel.TrendWonAmount, 0.95)
	fmt.Println("Monthly trend by close month: win rate W/(W+L) and amount won, against the month before")
	fmt.Printf("  %-7s %-18s %9s %9s %12s %9s\n", "month", "win rate", "change", "p-value", "won", "change")
	for i, r := range rate {
		p := "n/a"
		if r.Previous.Tested {
			p = fmt.Sprintf("%.3f", r.Previous.PValue)
			if r.Previous.Significant {
				p += "*"
			}
		}
		fmt.Printf("  %-7s %-18s %9s %9s %12s %9s\n", r.Start.Format("2006-01"), r.Value.Rate, points(r.Previous),
			p, won[i].Value.Value.StringFixed(0), relative(won[i].Previous))
	}
	fmt.Printf("  (* significant at 95%%; %d open deals have no close month)\n", s.Outside)

	surv, err := funnel.SurvivalCycle(f, slices.Values(deals), funnel.SurvivalOptions{AsOf: asOf, Mode: funnel.Lenient})
	if err != nil {
		log.Fatal(err)
	}
	curve, err := surv.Curve(0)
	if err != nil {
		log.Fatal(err)
	}
	if m, ok := curve.Quantile(0.5); ok {
		fmt.Printf("Median time from engagement to close (Kaplan-Meier, %d open deals censored): %.0f days\n",
			curve.Censored, m.Hours()/24)
	}
}

func pct(d decimal.Decimal) string { return d.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%" }

func points(c funnel.TrendChange) string {
	if !c.OK {
		return "n/a"
	}
	return c.Delta.Mul(decimal.NewFromInt(100)).StringFixed(1) + " pt"
}

func relative(c funnel.TrendChange) string {
	if !c.RelativeOK {
		return "n/a"
	}
	return c.Relative.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
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
