package attribution_test

import (
	"slices"
	"testing"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/google/go-cmp/cmp"
)

func fig(s string) attribution.Figure { return attribution.Figure{Value: dec(s), Defined: true} }

var na = attribution.Figure{}

func TestROI(t *testing.T) {
	// Last touch by campaign. X: j1 (won 300, pipeline 300) and j2 (won
	// 100, pipeline 100); Y: j3 (lead) and j4 (pipeline 80); one journey
	// without touches (won 50). Costs: X 100 + 100 over two periods, Y
	// 50, Z 10 (no journeys).
	c := func(name string, d int) attribution.Touch {
		return attribution.Touch{Campaign: name, Channel: "email", At: day(d)}
	}
	journeys := []attribution.Journey{
		won("j1", "300", c("Y", 0), c("X", 1)),
		won("j2", "100", c("X", 0)),
		{ID: "j3", Touches: []attribution.Touch{c("Y", 0)}},
		{ID: "j4", Touches: []attribution.Touch{c("X", 0), c("Y", 1)}, Opportunity: true, Pipeline: dec("80")},
		won("j5", "50"),
	}
	costs := []attribution.CampaignCost{
		{Campaign: "X", Period: "2024-01", Amount: dec("100")},
		{Campaign: "Y", Period: "2024-01", Amount: dec("50")},
		{Campaign: "X", Period: "2024-02", Amount: dec("100")},
		{Campaign: "Z", Period: "2024-01", Amount: dec("10")},
	}
	r, err := attribution.Attribute(slices.Values(journeys), attribution.LastTouch, attribution.Options{By: attribution.ByCampaign})
	if err != nil {
		t.Fatal(err)
	}
	got, err := attribution.ROI(r, costs)
	if err != nil {
		t.Fatal(err)
	}
	// X: cost 200 (once, although two won deals join to it); 2 leads, 2
	// opportunities, 2 won, revenue 400: ROI (400-200)/200 = 1, 100 per
	// lead, opportunity and won deal.
	// Y: cost 50; leads j3, j4; opportunity j4; nothing won: ROI
	// (0-50)/50 = -1, 25 per lead, 50 per opportunity, CAC undefined.
	// Z: cost 10 and no credit: ROI -1, the rest undefined.
	// Total: cost 260; 5 leads, 4 opportunities, 3 won, revenue 450:
	// ROI 190/260 = 0.7307692 -> 0.730769; 52 per lead, 65 per
	// opportunity, 86.666666.. -> 86.666667 per won deal.
	want := &attribution.ROIReport{
		Model: attribution.LastTouch,
		Campaigns: []attribution.CampaignROI{
			{Campaign: "X", Cost: dec("200"), Credit: cr("2", "2", "2", "400", "400"),
				ROI: fig("1"), CostPerLead: fig("100"), CostPerOpportunity: fig("100"), CostPerWon: fig("100")},
			{Campaign: "Y", Cost: dec("50"), Credit: cr("2", "1", "0", "80", "0"),
				ROI: fig("-1"), CostPerLead: fig("25"), CostPerOpportunity: fig("50"), CostPerWon: na},
			{Campaign: "Z", Cost: dec("10"), ROI: fig("-1"), CostPerLead: na, CostPerOpportunity: na, CostPerWon: na},
		},
		Total: attribution.CampaignROI{Cost: dec("260"), Credit: cr("5", "4", "3", "530", "450"),
			ROI: fig("0.730769"), CostPerLead: fig("52"), CostPerOpportunity: fig("65"), CostPerWon: fig("86.666667")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ROI mismatch (-want +got):\n%s", diff)
	}
}

func TestROIEdges(t *testing.T) {
	// A campaign with credit and no cost: ROI undefined, costs per x are
	// 0. No costs at all: the total's ROI is undefined too.
	r, err := attribution.Attribute(slices.Values([]attribution.Journey{won("j", "10", attribution.Touch{Campaign: "X", Channel: "e"})}),
		attribution.Linear, attribution.Options{By: attribution.ByCampaign})
	if err != nil {
		t.Fatal(err)
	}
	got, err := attribution.ROI(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &attribution.ROIReport{
		Model: attribution.Linear,
		Campaigns: []attribution.CampaignROI{{Campaign: "X", Credit: cr("1", "1", "1", "10", "10"),
			ROI: na, CostPerLead: fig("0"), CostPerOpportunity: fig("0"), CostPerWon: fig("0")}},
		Total: attribution.CampaignROI{Credit: cr("1", "1", "1", "10", "10"),
			ROI: na, CostPerLead: fig("0"), CostPerOpportunity: fig("0"), CostPerWon: fig("0")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ROI mismatch (-want +got):\n%s", diff)
	}
	// Empty attribution and no costs.
	r, err = attribution.Attribute(slices.Values([]attribution.Journey(nil)), attribution.Linear, attribution.Options{By: attribution.ByCampaign})
	if err != nil {
		t.Fatal(err)
	}
	got, err = attribution.ROI(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&attribution.ROIReport{Campaigns: []attribution.CampaignROI{}}, got); diff != "" {
		t.Errorf("ROI of nothing mismatch (-want +got):\n%s", diff)
	}
}
