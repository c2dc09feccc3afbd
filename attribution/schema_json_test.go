package attribution_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// attributionResults returns a result of every model by channel and by
// campaign over the example journeys, over none, and the campaign ROI of
// each result by campaign (with a cost of a campaign no journey touches,
// and with no costs).
func attributionResults(t *testing.T) ([]*attribution.Result, []*attribution.ROIReport) {
	t.Helper()
	var results []*attribution.Result
	var rois []*attribution.ROIReport
	costs := []attribution.CampaignCost{
		{Campaign: "spring-search", Period: "2024-04", Amount: decimal.RequireFromString("300")},
		{Campaign: "webinar", Period: "2024-04", Amount: decimal.RequireFromString("120.50")},
		{Campaign: "print", Period: "2024-04", Amount: decimal.RequireFromString("80")},
	}
	for _, js := range [][]attribution.Journey{journeys(), nil} {
		for _, m := range attribution.Models() {
			for _, by := range []attribution.Dimension{attribution.ByChannel, attribution.ByCampaign} {
				r, err := attribution.Attribute(slices.Values(js), m, attribution.Options{By: by})
				if err != nil {
					t.Fatalf("%v by %v: %v", m, by, err)
				}
				results = append(results, r)
				if by != attribution.ByCampaign {
					continue
				}
				for _, c := range [][]attribution.CampaignCost{costs, nil} {
					roi, err := attribution.ROI(r, c)
					if err != nil {
						t.Fatal(err)
					}
					rois = append(rois, roi)
				}
			}
		}
	}
	return results, rois
}

// TestJSONRoundTrip checks that attributions and ROI reports decode from
// their JSON back to equal values.
func TestJSONRoundTrip(t *testing.T) {
	results, rois := attributionResults(t)
	check := func(v, back any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, back); err != nil {
			t.Fatalf("decoding %s: %v", b, err)
		}
		if diff := cmp.Diff(v, back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("JSON round trip differs (-before +after):\n%s", diff)
		}
	}
	for _, r := range results {
		check(r, new(attribution.Result))
	}
	for _, r := range rois {
		check(r, new(attribution.ROIReport))
	}
}

// styleProblems lists where the JSON document b departs from the
// library's one style: keys that are not snake_case, enums written as
// numbers (the numbers under the given keys), lists written as null, and
// quotients written as {"Value", "Defined"} objects rather than a decimal
// string or null.
func styleProblems(b []byte, enumKeys ...string) []string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return []string{err.Error()}
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	seen := map[string]bool{}
	add := func(p string) { seen[p] = true }
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if _, ok := v["Defined"]; ok && len(v) == 2 {
				if _, ok := v["Value"]; ok {
					add(fmt.Sprintf("%s: a quotient as an object {Value, Defined}, not a decimal string or null", path))
				}
			}
			for k, e := range v {
				if !snake.MatchString(k) {
					add(fmt.Sprintf("key %q is not snake_case", k))
				}
				if slices.Contains(enumKeys, k) {
					if _, isNum := e.(float64); isNum {
						add(fmt.Sprintf("%s.%s: an enum as a number, not by name", path, k))
					}
				}
				if e == nil {
					add(fmt.Sprintf("%s.%s: null", path, k))
				}
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range v {
				walk(path+"[]", e)
			}
		}
	}
	walk("$", v)
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// TestJSONStyle checks the JSON of attributions and ROI reports against
// the schema (snake_case names, the model and dimension by name, money as
// decimal strings, null only for an undefined figure) and decodes it back.
func TestJSONStyle(t *testing.T) {
	results, rois := attributionResults(t)
	for _, r := range results {
		b, _ := json.Marshal(r)
		schematest.CheckJSON(t, "attribution_result", b)
		for _, p := range styleProblems(b, "by") {
			t.Errorf("result: %s", p)
		}
		var back attribution.Result
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(*r, back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("result after a JSON round trip (-want +got):\n%s", diff)
		}
	}
	for _, r := range rois {
		b, _ := json.Marshal(r)
		schematest.CheckJSON(t, "attribution_roi_report", b)
		for _, p := range styleProblems(b) {
			if !strings.HasSuffix(p, ": null") { // an undefined figure is null
				t.Errorf("ROI report: %s", p)
			}
		}
		var back attribution.ROIReport
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(*r, back, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ROI report after a JSON round trip (-want +got):\n%s", diff)
		}
	}
	empty, _ := json.Marshal(attribution.Result{})
	schematest.CheckJSON(t, "attribution_result", empty)
}
