// Command attribution prints an attribution report and a campaign ROI
// table for a synthetic B2B marketing data set.
//
// The data are generated in the program from a fixed seed, so every run
// prints the same report: 2,000 accounts touched by up to six of eleven
// campaigns on six channels (plus direct visits) over the first quarter of
// 2024, with campaign costs per month. Better-targeted campaigns have
// higher conversion rates, so the models have something to find.
//
// Run with: go run ./examples/attribution
package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/shopspring/decimal"
)

type campaign struct {
	name, channel string
	lift          float64         // added to the log-odds of an opportunity
	monthly       decimal.Decimal // cost per month
}

var campaigns = []campaign{
	{"brand-search", "paid-search", 0.9, decimal.RequireFromString("33600")},
	{"competitor-search", "paid-search", 0.3, decimal.RequireFromString("24800")},
	{"retargeting", "display", 0.2, decimal.RequireFromString("12000")},
	{"awareness-banner", "display", -0.3, decimal.RequireFromString("20800")},
	{"linkedin-leadgen", "social", 0.5, decimal.RequireFromString("31200")},
	{"webinar-series", "email", 1.1, decimal.RequireFromString("14400")},
	{"newsletter", "email", 0.1, decimal.RequireFromString("3200")},
	{"seo-blog", "organic", 0.4, decimal.RequireFromString("9600")},
	{"trade-show", "events", 1.3, decimal.RequireFromString("72000")},
	{"partner-referral", "referral", 1.0, decimal.RequireFromString("16000")},
	{"podcast-sponsorship", "audio", 0.0, decimal.RequireFromString("20000")},
}

// generate returns n journeys from a fixed seed.
func generate(n int) []attribution.Journey {
	r := rand.New(rand.NewPCG(2024, 1))
	start := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	js := make([]attribution.Journey, n)
	for i := range js {
		k := 1 + r.IntN(6)
		at := start.Add(time.Duration(r.IntN(60*24)) * time.Hour)
		logit := -2.2
		ts := make([]attribution.Touch, 0, k)
		for range k {
			if r.IntN(8) == 0 {
				ts = append(ts, attribution.Touch{Channel: "direct", At: at})
			} else {
				c := campaigns[r.IntN(len(campaigns))]
				ts = append(ts, attribution.Touch{Campaign: c.name, Channel: c.channel, At: at})
				logit += c.lift / 2
			}
			at = at.Add(time.Duration(6+r.IntN(7*24)) * time.Hour)
		}
		j := attribution.Journey{ID: fmt.Sprintf("acct-%04d", i), Touches: ts}
		if r.Float64() < 1/(1+math.Exp(-logit)) {
			j.Opportunity = true
			j.OpportunityAt = ts[r.IntN(len(ts))].At
			j.Pipeline = decimal.New(int64(5_000+r.IntN(45_000)), 0)
			if r.IntN(5) < 2 {
				j.Converted = true
				j.Revenue = j.Pipeline.Mul(decimal.New(int64(80+r.IntN(21)), -2)).Round(2)
			}
		}
		js[i] = j
	}
	return js
}

func costs() []attribution.CampaignCost {
	var cs []attribution.CampaignCost
	for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
		for _, c := range campaigns {
			cs = append(cs, attribution.CampaignCost{Campaign: c.name, Period: m, Amount: c.monthly})
		}
	}
	return cs
}

func main() {
	js := generate(2000)
	models := []attribution.Model{
		attribution.FirstTouch, attribution.LastNonDirect, attribution.Linear, attribution.PositionBased,
		attribution.WShaped, attribution.TimeDecay, attribution.Markov, attribution.Shapley,
	}

	// Revenue credit by channel under every model.
	fmt.Println("Revenue credited to each channel")
	results := make([]*attribution.Result, len(models))
	for i, m := range models {
		r, err := attribution.Attribute(slices.Values(js), m, attribution.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		results[i] = r
	}
	fmt.Printf("%-12s", "channel")
	for _, m := range models {
		fmt.Printf(" %15s", m)
	}
	fmt.Println()
	for k := range results[0].Keys {
		fmt.Printf("%-12s", results[0].Keys[k].Key)
		for _, r := range results {
			fmt.Printf(" %15s", r.Keys[k].Revenue.StringFixed(2))
		}
		fmt.Println()
	}
	t := results[0].Total
	fmt.Printf("%-12s %15s (%v leads, %v opportunities, %v won, pipeline %v)\n\n",
		"total", t.Revenue.StringFixed(2), t.Leads, t.Opportunities, t.Conversions, t.Pipeline)

	// Campaign ROI under three models.
	for _, m := range []attribution.Model{attribution.LastNonDirect, attribution.PositionBased, attribution.Markov} {
		r, err := attribution.Attribute(slices.Values(js), m, attribution.Options{By: attribution.ByCampaign})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		rep, err := attribution.ROI(r, costs())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("Campaign ROI, %v model\n", m)
		fmt.Printf("%-20s %9s %11s %9s %10s %10s %10s\n", "campaign", "cost", "revenue", "ROI", "per lead", "per opp", "per won")
		rows := append(rep.Campaigns, rep.Total)
		for i, c := range rows {
			name := c.Campaign
			if i == len(rows)-1 {
				fmt.Println(strings.Repeat("-", 85))
				name = "total (blended)"
			}
			fmt.Printf("%-20s %9s %11s %9s %10s %10s %10s\n", name, c.Cost.StringFixed(0), c.Credit.Revenue.StringFixed(2),
				fixed(c.ROI, 2), fixed(c.CostPerLead, 2), fixed(c.CostPerOpportunity, 2), fixed(c.CostPerWon, 2))
		}
		fmt.Println()
	}
}

func fixed(f attribution.Figure, places int32) string {
	if !f.Defined {
		return "n/a"
	}
	return f.Value.StringFixed(places)
}
