package funnel_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// roundTrip marshals v, checks the JSON against the schema definition def,
// decodes it into a new value of v's type and requires it equal to v.
func roundTrip[T any](t *testing.T, def string, v T) {
	t.Helper()
	schematest.Check(t, def, v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("decoding %s: %v", def, err)
	}
	if diff := cmp.Diff(v, back, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("%s after a JSON round trip (-want +got):\n%s", def, diff)
	}
}

// TestJSONRoundTrip checks reports of several populations against the
// schema and decodes them back to equal values.
func TestJSONRoundTrip(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(500, 3)
	ny, _ := time.LoadLocation("America/New_York")
	for _, opts := range []funnel.Options{
		{},
		{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), Window: 30 * 24 * time.Hour,
			Location: ny, Period: funnel.Week, Test: funnel.Test{Confidence: 0.9}},
		{Mode: funnel.Lenient, Currency: "USD", Policy: funnel.DirectNext, Period: funnel.Quarter},
	} {
		in := deals
		if opts.Mode == funnel.Strict {
			in = nil
		}
		r, err := funnel.Compute(f, slices.Values(in), opts)
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, "report", r)
	}
	c, _ := funnel.CompareRates(funnel.Ratio{Num: 5, Den: 40}, funnel.Ratio{Num: 12, Den: 41}, funnel.Test{})
	roundTrip(t, "comparison", c)
	roundTrip(t, "comparison", funnel.Comparison{})
	roundTrip(t, "cohort", funnel.Cohort{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Size: 3,
		Ages: []funnel.CohortValue{{Count: 1, Rate: funnel.Rate{Ratio: funnel.Ratio{Num: 1, Den: 3}}, Amount: dec("10"), PerUnit: dec("3.33")}}})
}

// TestSchemaRejects checks that the schema is strict enough to catch
// drift: a report with a renamed key, a null list or a float amount fails.
func TestSchemaRejects(t *testing.T) {
	r, _ := funnel.Compute(dealgen.Funnel(), slices.Values(dealgen.Generate(20, 1, dealgen.Options{})), funnel.Options{Currency: "USD"})
	good, _ := json.Marshal(r)
	if err := schematest.Validate("report", good); err != nil {
		t.Fatalf("report does not validate: %v", err)
	}
	var m map[string]any
	_ = json.Unmarshal(good, &m)
	for name, edit := range map[string]func(map[string]any){
		"renamed key":  func(m map[string]any) { m["skipped"] = m["input"]; delete(m, "input") },
		"null list":    func(m map[string]any) { m["periods"] = nil },
		"float money":  func(m map[string]any) { m["pipeline"] = 12.5 },
		"enum as int":  func(m map[string]any) { m["policy"] = 0 },
		"rate above 1": func(m map[string]any) { m["win_rate"].(map[string]any)["value"] = 1.5 },
	} {
		c := map[string]any{}
		_ = json.Unmarshal(good, &c)
		edit(c)
		b, _ := json.Marshal(c)
		if err := schematest.Validate("report", b); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}
