package dealgen_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/google/go-cmp/cmp"
)

func ExampleGenerate() {
	deals := dealgen.Generate(1000, 1, dealgen.Options{})
	r, err := funnel.Compute(dealgen.Funnel(), slices.Values(deals), funnel.Options{Currency: "USD"})
	fmt.Println(len(deals), r.Deals, r.Input.Skipped.Count, err)
	// Output: 1000 1000 0 <nil>
}

func ExampleFunnel() {
	fmt.Println(slices.Collect(dealgen.Funnel().Stages()))
	// Output: [Lead Qualified Proposal Negotiation]
}

// TestDeterministic checks that a seed gives the same deals every time and
// another seed different ones, and that every deal validates.
func TestDeterministic(t *testing.T) {
	a, b := dealgen.Generate(500, 7, dealgen.Options{}), dealgen.Generate(500, 7, dealgen.Options{})
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different deals:\n%s", diff)
	}
	if cmp.Equal(a, dealgen.Generate(500, 8, dealgen.Options{})) {
		t.Error("different seeds gave the same deals")
	}
	f := dealgen.Funnel()
	entries := 0
	for _, d := range a {
		if err := d.Validate(f); err != nil {
			t.Fatal(err)
		}
		entries += len(d.History)
	}
	// about two stage entries per deal on average (then the close)
	if avg := float64(entries) / float64(len(a)); avg < 1.5 || avg > 2.5 {
		t.Errorf("%.2f stage entries per deal", avg)
	}
}
