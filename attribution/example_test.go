package attribution_test

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/shopspring/decimal"
)

func date(d int) time.Time { return time.Date(2024, time.April, d, 0, 0, 0, 0, time.UTC) }

// journeys is a small data set: three deals touched by a search campaign,
// a webinar (email) and direct visits.
func journeys() []attribution.Journey {
	search := func(d int) attribution.Touch {
		return attribution.Touch{Campaign: "spring-search", Channel: "search", At: date(d)}
	}
	webinar := func(d int) attribution.Touch {
		return attribution.Touch{Campaign: "webinar", Channel: "email", At: date(d)}
	}
	direct := func(d int) attribution.Touch { return attribution.Touch{Channel: "direct", At: date(d)} }
	return []attribution.Journey{
		{ID: "deal-1", Touches: []attribution.Touch{search(1), webinar(3), direct(4)},
			Opportunity: true, OpportunityAt: date(3), Pipeline: decimal.RequireFromString("1200"),
			Converted: true, Revenue: decimal.RequireFromString("1000")},
		{ID: "deal-2", Touches: []attribution.Touch{webinar(2)},
			Opportunity: true, OpportunityAt: date(5), Pipeline: decimal.RequireFromString("500")},
		{ID: "deal-3", Touches: []attribution.Touch{search(2), direct(6)},
			Opportunity: true, Pipeline: decimal.RequireFromString("300"),
			Converted: true, Revenue: decimal.RequireFromString("300")},
	}
}

func printResult(r *attribution.Result) {
	for _, k := range r.Keys {
		fmt.Printf("%-14s leads %-8v won %-8v revenue %v\n", k.Key, k.Leads, k.Conversions, k.Revenue)
	}
}

func ExampleAttribute() {
	// Linear: deal-1's 1000 is split 333.34 / 333.33 / 333.33 over
	// search, email, direct; deal-3's 300 is 150 / 150 over search,
	// direct.
	r, err := attribution.Attribute(slices.Values(journeys()), attribution.Linear, attribution.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	printResult(r)
	fmt.Println("total revenue", r.Total.Revenue)
	// Output:
	// direct         leads 0.833333 won 0.833333 revenue 483.33
	// email          leads 1.333333 won 0.333333 revenue 333.33
	// search         leads 0.833334 won 0.833334 revenue 483.34
	// total revenue 1300
}

func ExampleNewAccumulator() {
	a, err := attribution.NewAccumulator(attribution.LastNonDirect, attribution.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, j := range journeys() {
		if err := a.Add(j); err != nil {
			fmt.Println(err)
			return
		}
	}
	r, err := a.Result()
	if err != nil {
		fmt.Println(err)
		return
	}
	printResult(r)
	// Output:
	// direct         leads 0        won 0        revenue 0
	// email          leads 2        won 1        revenue 1000
	// search         leads 1        won 1        revenue 300
}

func ExampleAccumulator() {
	// The zero Accumulator attributes linearly by channel.
	var a attribution.Accumulator
	_ = a.Add(attribution.Journey{ID: "d", Touches: []attribution.Touch{{Channel: "ads"}, {Channel: "email"}},
		Converted: true, Revenue: decimal.RequireFromString("0.05")})
	r, _ := a.Result()
	printResult(r)
	// Output:
	// ads            leads 0.5      won 0.5      revenue 0.03
	// email          leads 0.5      won 0.5      revenue 0.02
}

func ExampleAccumulator_Add() {
	var a attribution.Accumulator
	err := a.Add(attribution.Journey{ID: "d", Revenue: decimal.RequireFromString("10")})
	fmt.Println(err)
	fmt.Println(errors.Is(err, attribution.ErrAmountWithoutOutcome))
	// Output:
	// attribution: journey "d" Revenue: attribution: amount without outcome
	// true
}

func ExampleAccumulator_Merge() {
	// Two accumulators over two parts merge into the one-pass result.
	// Markov revenue: direct ends every won path (mean reward 650),
	// email leads to direct or to a lost end, so V = 2/3 x 487.5 + 1/3
	// x 325; removing search leaves 1/3 x 325 (RE 3/4), email 2/3 x 325
	// (RE 1/2), direct nothing (RE 1): 1/3, 2/9, 4/9 of 1300.
	js := journeys()
	a, _ := attribution.NewAccumulator(attribution.Markov, attribution.Options{})
	b, _ := attribution.NewAccumulator(attribution.Markov, attribution.Options{})
	_ = a.Add(js[0])
	_ = b.Add(js[1])
	_ = b.Add(js[2])
	if err := a.Merge(b); err != nil {
		fmt.Println(err)
		return
	}
	merged, _ := a.Result()
	one, _ := attribution.Attribute(slices.Values(js), attribution.Markov, attribution.Options{})
	for i := range one.Keys {
		fmt.Println(merged.Keys[i].Key, merged.Keys[i].Revenue, one.Keys[i].Revenue)
	}
	// Output:
	// direct 577.78 577.78
	// email 288.89 288.89
	// search 433.33 433.33
}

func ExampleAccumulator_Result() {
	a, _ := attribution.NewAccumulator(attribution.FirstTouch, attribution.Options{By: attribution.ByCampaign})
	for _, j := range journeys() {
		_ = a.Add(j)
	}
	r, _ := a.Result()
	for _, k := range r.Keys {
		fmt.Println(k.Key, k.Pipeline)
	}
	// Output:
	// (no campaign) 0
	// spring-search 1500
	// webinar 500
}

func ExampleAccumulator_Model() {
	var a attribution.Accumulator
	fmt.Println(a.Model())
	// Output: linear
}

func ExampleParseModel() {
	m, err := attribution.ParseModel("W-Shaped")
	fmt.Println(m, err)
	_, err = attribution.ParseModel("u-shaped")
	fmt.Println(err)
	// Output:
	// w-shaped <nil>
	// attribution: model "u-shaped": attribution: invalid parameter
}

func ExampleModels() {
	fmt.Println(attribution.Models())
	// Output: [linear first-touch last-touch last-non-direct position-based w-shaped time-decay markov shapley]
}

func ExampleModel() {
	// Each model on the same journeys: revenue credited to search.
	// deal-1 (1000) went search, email (opportunity), direct; deal-3
	// (300) went search, direct. Time decay: 1000 x 2^(-3/7) /
	// (2^(-3/7) + 2^(-1/7) + 1) + 300 x 2^(-4/7) / (2^(-4/7) + 1).
	// Markov (see ExampleAccumulator_Merge): removal effects 3/4
	// (search), 1/2 (email), 1 (direct), so search gets 1/3 of 1300.
	// Shapley: 1000/3 + 300/2; the cent left by the three equal
	// remainders goes to the first key, direct.
	for _, m := range attribution.Models() {
		r, _ := attribution.Attribute(slices.Values(journeys()), m, attribution.Options{})
		c, _ := r.Lookup("search")
		fmt.Printf("%-16s %v\n", m, c.Revenue)
	}
	// Output:
	// linear           483.34
	// first-touch      1300
	// last-touch       0
	// last-non-direct  300
	// position-based   550
	// w-shaped         483.34
	// time-decay       401.19
	// markov           433.33
	// shapley          483.33
}

func ExampleModel_String() {
	fmt.Println(attribution.TimeDecay.String(), attribution.Model(42).String())
	// Output: time-decay Model(42)
}

func ExampleModel_MarshalText() {
	b, err := attribution.PositionBased.MarshalText()
	fmt.Println(string(b), err)
	// Output: position-based <nil>
}

func ExampleModel_UnmarshalText() {
	var m attribution.Model
	err := m.UnmarshalText([]byte("last-non-direct"))
	fmt.Println(m == attribution.LastNonDirect, err)
	// Output: true <nil>
}

func ExampleDimension() {
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.LastTouch, attribution.Options{By: attribution.ByCampaign})
	fmt.Println(r.By)
	printResult(r)
	// Output:
	// campaign
	// (no campaign)  leads 2        won 2        revenue 1300
	// spring-search  leads 0        won 0        revenue 0
	// webinar        leads 1        won 0        revenue 0
}

func ExampleDimension_String() {
	fmt.Println(attribution.ByChannel, attribution.ByCampaign)
	// Output: channel campaign
}

func ExampleUWeights() {
	// 50% first, 50% last, nothing in between.
	opts := attribution.Options{U: attribution.UWeights{First: 0.5, Last: 0.5}}
	r, _ := attribution.Attribute(slices.Values(journeys()[:1]), attribution.PositionBased, opts)
	printResult(r)
	// Output:
	// direct         leads 0.5      won 0.5      revenue 500
	// email          leads 0        won 0        revenue 0
	// search         leads 0.5      won 0.5      revenue 500
}

func ExampleWWeights() {
	// deal-1's opportunity was created at the webinar touch: 30% first,
	// 30% opportunity, 30% last, and no middle touch left for the 10%, so
	// thirds.
	r, _ := attribution.Attribute(slices.Values(journeys()[:1]), attribution.WShaped, attribution.Options{})
	printResult(r)
	// With weights 1/2/1 (no middle share): 25% / 50% / 25%.
	opts := attribution.Options{W: attribution.WWeights{First: 1, Opportunity: 2, Last: 1}}
	r, _ = attribution.Attribute(slices.Values(journeys()[:1]), attribution.WShaped, opts)
	printResult(r)
	// Output:
	// direct         leads 0.333333 won 0.333333 revenue 333.33
	// email          leads 0.333333 won 0.333333 revenue 333.33
	// search         leads 0.333334 won 0.333334 revenue 333.34
	// direct         leads 0.25     won 0.25     revenue 250
	// email          leads 0.5      won 0.5      revenue 500
	// search         leads 0.25     won 0.25     revenue 250
}

func ExampleOptions() {
	// Time decay with a one-day half-life on deal-1 (touches 3, 1 and 0
	// days before the last): weights 1/8, 1/2, 1 -> 1/13, 4/13, 8/13.
	opts := attribution.Options{HalfLife: 24 * time.Hour}
	r, _ := attribution.Attribute(slices.Values(journeys()[:1]), attribution.TimeDecay, opts)
	printResult(r)
	// Output:
	// direct         leads 0.615385 won 0.615385 revenue 615.39
	// email          leads 0.307692 won 0.307692 revenue 307.69
	// search         leads 0.076923 won 0.076923 revenue 76.92
}

func ExampleTouch() {
	t := attribution.Touch{Campaign: "webinar", Channel: "email", At: date(2)}
	fmt.Println(t.Campaign, t.Channel, t.At.Format(time.DateOnly))
	// Output: webinar email 2024-04-02
}

func ExampleJourney() {
	// A journey without touches counts in the total but nobody gets it.
	j := attribution.Journey{ID: "walk-in", Converted: true, Revenue: decimal.RequireFromString("80")}
	r, _ := attribution.Attribute(slices.Values([]attribution.Journey{j}), attribution.Linear, attribution.Options{})
	fmt.Println(len(r.Keys), r.Unattributed.Revenue, r.Total.Revenue)
	// Output: 0 80 80
}

func ExampleCredit() {
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.LastTouch, attribution.Options{})
	c, _ := r.Lookup("direct")
	fmt.Println(c.Leads, c.Opportunities, c.Conversions, c.Pipeline, c.Revenue)
	// Output: 2 2 2 1500 1300
}

func ExampleCredit_Add() {
	a := attribution.Credit{Leads: decimal.RequireFromString("0.5"), Revenue: decimal.RequireFromString("10.25")}
	b := attribution.Credit{Leads: decimal.RequireFromString("0.25"), Revenue: decimal.RequireFromString("0.75")}
	s := a.Add(b)
	fmt.Println(s.Leads, s.Revenue)
	// Output: 0.75 11
}

func ExampleKeyCredit() {
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.FirstTouch, attribution.Options{})
	for _, k := range r.Keys {
		fmt.Println(k.Key, k.Revenue)
	}
	// Output:
	// direct 0
	// email 0
	// search 1300
}

func ExampleResult() {
	// The keys plus the unattributed credit add up to the total.
	js := append(journeys(), attribution.Journey{ID: "deal-4", Converted: true, Revenue: decimal.RequireFromString("10")})
	r, _ := attribution.Attribute(slices.Values(js), attribution.Shapley, attribution.Options{})
	sum := r.Unattributed
	for _, k := range r.Keys {
		sum = sum.Add(k.Credit)
	}
	fmt.Println(sum.Revenue, r.Total.Revenue, sum.Leads, r.Total.Leads)
	// Output: 1310 1310 4 4
}

func ExampleResult_Lookup() {
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.Linear, attribution.Options{})
	c, ok := r.Lookup("email")
	fmt.Println(c.Pipeline, ok)
	_, ok = r.Lookup("radio")
	fmt.Println(ok)
	// Output:
	// 900 true
	// false
}

func ExampleJourneyError() {
	_, err := attribution.Attribute(slices.Values([]attribution.Journey{{ID: "d9", Touches: []attribution.Touch{
		{Channel: "ads", At: date(5)}, {Channel: "email", At: date(4)},
	}}}), attribution.Linear, attribution.Options{})
	var je *attribution.JourneyError
	if errors.As(err, &je) {
		fmt.Println(je.ID, je.Touch, je.Field)
	}
	// Output: d9 1 At
}

func ExampleJourneyError_Error() {
	e := &attribution.JourneyError{ID: "d9", Touch: 0, Field: "Channel", Err: attribution.ErrMissingChannel}
	fmt.Println(e.Error())
	// Output: attribution: journey "d9" touch 0 Channel: attribution: touch without channel
}

func ExampleJourneyError_Unwrap() {
	e := &attribution.JourneyError{ID: "d9", Touch: -1, Field: "ID", Err: attribution.ErrMissingID}
	fmt.Println(e.Unwrap() == attribution.ErrMissingID)
	// Output: true
}

func ExampleROI() {
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.Linear, attribution.Options{By: attribution.ByCampaign})
	rep, err := attribution.ROI(r, []attribution.CampaignCost{
		{Campaign: "spring-search", Period: "2024-04", Amount: decimal.RequireFromString("200")},
		{Campaign: "webinar", Period: "2024-03", Amount: decimal.RequireFromString("100")},
		{Campaign: "webinar", Period: "2024-04", Amount: decimal.RequireFromString("50")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range rep.Campaigns {
		fmt.Printf("%-14s cost %-4v revenue %-7v ROI %-9v per lead %-9v CAC %v\n",
			c.Campaign, c.Cost, c.Credit.Revenue, c.ROI, c.CostPerLead, c.CostPerWon)
	}
	t := rep.Total
	fmt.Printf("%-14s cost %-4v revenue %-7v ROI %-9v per lead %-9v CAC %v\n",
		"total", t.Cost, t.Credit.Revenue, t.ROI, t.CostPerLead, t.CostPerWon)
	// Output:
	// (no campaign)  cost 0    revenue 483.33  ROI n/a       per lead 0         CAC 0
	// spring-search  cost 200  revenue 483.34  ROI 1.4167    per lead 239.999808 CAC 239.999808
	// webinar        cost 150  revenue 333.33  ROI 1.2222    per lead 112.500028 CAC 450.00045
	// total          cost 350  revenue 1300    ROI 2.714286  per lead 116.666667 CAC 175
}

func ExampleCampaignCost() {
	// Costs are per campaign and period; a campaign's cost counts once,
	// however many deals join to it.
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.FirstTouch, attribution.Options{By: attribution.ByCampaign})
	rep, _ := attribution.ROI(r, []attribution.CampaignCost{{Campaign: "spring-search", Period: "Q2", Amount: decimal.RequireFromString("650")}})
	c := rep.Campaigns[1]
	fmt.Println(c.Campaign, c.Cost, c.Credit.Conversions, c.CostPerWon)
	// Output: spring-search 650 2 325
}

func ExampleFigure() {
	f := attribution.Figure{Value: decimal.RequireFromString("1.5"), Defined: true}
	fmt.Println(f.Value, f.Defined, attribution.Figure{}.Defined)
	// Output: 1.5 true false
}

func ExampleFigure_String() {
	fmt.Println(attribution.Figure{Value: decimal.RequireFromString("-0.25"), Defined: true}, attribution.Figure{})
	// Output: -0.25 n/a
}

func ExampleCampaignROI() {
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.LastNonDirect, attribution.Options{By: attribution.ByCampaign})
	rep, _ := attribution.ROI(r, []attribution.CampaignCost{{Campaign: "webinar", Amount: decimal.RequireFromString("400")}})
	for _, c := range rep.Campaigns {
		fmt.Println(c.Campaign, c.Cost, c.ROI, c.CostPerOpportunity)
	}
	// Output:
	// (no campaign) 0 n/a n/a
	// spring-search 0 n/a 0
	// webinar 400 1.5 200
}

func ExampleROIReport() {
	r, _ := attribution.Attribute(slices.Values(journeys()), attribution.Markov, attribution.Options{By: attribution.ByCampaign})
	rep, _ := attribution.ROI(r, []attribution.CampaignCost{{Campaign: "webinar", Amount: decimal.RequireFromString("100")}})
	fmt.Println(rep.Model, len(rep.Campaigns), rep.Total.Cost, rep.Total.Credit.Revenue, rep.Total.ROI)
	// Output: markov 3 100 1300 12
}
