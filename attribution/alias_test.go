package attribution_test

import (
	"slices"
	"testing"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/internal/aliastest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestResultsDoNotAlias scribbles over every slice of every result (the
// Result of each model by channel and by campaign, from an accumulator
// and from Attribute, and the ROIReport of the campaign results), then
// computes each again and requires it equal to the one computed before:
// no result shares memory with the accumulator, the caller's journeys or
// costs, or the Result an ROIReport was made from. The accumulator then
// still takes journeys and gives what one call over all of them gives.
func TestResultsDoNotAlias(t *testing.T) {
	js := propertyJourneys(7, 120)
	journeys := cloneJourneys(js)
	opts := []cmp.Option{cmpopts.EquateEmpty()}
	for _, m := range attribution.Models() {
		for _, by := range []attribution.Dimension{attribution.ByChannel, attribution.ByCampaign} {
			name := m.String() + " " + by.String()
			o := attribution.Options{By: by}
			a, err := attribution.NewAccumulator(m, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range js[:80] {
				if err := a.Add(j); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			results := map[string]func() (any, error){
				"accumulator": func() (any, error) { return a.Result() },
				"Attribute":   func() (any, error) { return attribution.Attribute(slices.Values(js), m, o) },
			}
			if by == attribution.ByCampaign {
				r, err := a.Result()
				if err != nil {
					t.Fatal(err)
				}
				var costs []attribution.CampaignCost
				for i, k := range r.Keys {
					if k.Key != "" {
						costs = append(costs, attribution.CampaignCost{Campaign: k.Key, Period: "2024-04", Amount: decimal.NewFromInt(int64(100 * (i + 1)))})
					}
				}
				keep, keepCosts := r, slices.Clone(costs)
				wantR, _ := a.Result()
				results["ROI"] = func() (any, error) { return attribution.ROI(r, costs) }
				defer func() {
					if diff := cmp.Diff(wantR, keep, opts...); diff != "" {
						t.Errorf("%s: scribbling over ROI reports changed their Result (-before +after):\n%s", name, diff)
					}
					if diff := cmp.Diff(keepCosts, costs, opts...); diff != "" {
						t.Errorf("%s: scribbling over ROI reports changed the costs (-before +after):\n%s", name, diff)
					}
				}()
			}
			for what, of := range results {
				want, err := of()
				if err != nil {
					t.Fatalf("%s %s: %v", name, what, err)
				}
				got, _ := of()
				aliastest.Scribble(&got)
				if cmp.Equal(want, got, opts...) {
					t.Fatalf("%s %s: scribbling changed nothing", name, what)
				}
				again, err := of()
				if err != nil {
					t.Fatalf("%s %s after scribbling: %v", name, what, err)
				}
				if diff := cmp.Diff(want, again, opts...); diff != "" {
					t.Errorf("%s %s: scribbling over a result changed the next one (-before +after):\n%s", name, what, diff)
				}
			}
			for _, j := range js[80:] {
				if err := a.Add(j); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			whole, err := attribution.Attribute(slices.Values(js), m, o)
			if err != nil {
				t.Fatal(err)
			}
			got, err := a.Result()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(whole, got, opts...); diff != "" {
				t.Errorf("%s: after scribbling, the accumulator over all journeys differs from Attribute (-one call +accumulator):\n%s", name, diff)
			}
		}
	}
	if diff := cmp.Diff(journeys, js, opts...); diff != "" {
		t.Errorf("scribbling over results changed the journeys (-before +after):\n%s", diff)
	}
}

// cloneJourneys copies the journeys and their touches.
func cloneJourneys(js []attribution.Journey) []attribution.Journey {
	out := slices.Clone(js)
	for i := range out {
		out[i].Touches = slices.Clone(out[i].Touches)
	}
	return out
}
