package funnel_test

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// mixedDeals returns generated deals with some invalid ones mixed in.
func mixedDeals(n int, seed uint64) []funnel.Deal {
	deals := dealgen.Generate(n, seed, dealgen.Options{})
	for i := 0; i < len(deals); i += 17 {
		deals[i].Currency = "EUR" // invalid: the tallies want USD
	}
	for i := 5; i < len(deals); i += 23 {
		deals[i].Stage = "Nowhere"
	}
	return deals
}

func tallyOf(t *testing.T, f *funnel.Funnel, opts funnel.Options, deals []funnel.Deal) *funnel.Tally {
	t.Helper()
	tl, err := funnel.NewTally(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deals {
		_ = tl.Add(d) // invalid deals are counted as skipped
	}
	return tl
}

var mergeOpts = []funnel.Options{
	{Mode: funnel.Lenient, Currency: "USD"},
	{Mode: funnel.Lenient, Currency: "USD", Policy: funnel.AnyStage, AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
		Window: 60 * 24 * time.Hour, Period: funnel.Week, Location: time.FixedZone("UTC-5", -5*3600)},
	{Mode: funnel.Lenient, Currency: "USD", Policy: funnel.DirectNext, Period: funnel.Day, AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
}

// TestMergeEqualsOnePass splits the deals at every cut point, tallies both
// parts, merges them and compares the report with the one-pass report.
func TestMergeEqualsOnePass(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(60, 7)
	for _, opts := range mergeOpts {
		whole := tallyOf(t, f, opts, deals).Report()
		for cut := 0; cut <= len(deals); cut++ {
			a := tallyOf(t, f, opts, deals[:cut])
			b := tallyOf(t, f, opts, deals[cut:])
			bBefore := b.Report()
			if err := a.Merge(b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(whole, a.Report(), cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("policy %v cut %d: merged report differs from one pass (-one +merged):\n%s", opts.Policy, cut, diff)
			}
			if diff := cmp.Diff(bBefore, b.Report(), cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("Merge modified its argument:\n%s", diff)
			}
		}
	}
}

// TestMergeAssociative checks (a+b)+c = a+(b+c) and that any partition of
// the deals into random parts merges to the one-pass report (apart from
// which skipped deals are kept as examples, which follows merge order).
func TestMergeAssociative(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(3000, 11)
	rng := rand.New(rand.NewPCG(5, 6))
	ignoreExamples := cmpopts.IgnoreFields(funnel.Skipped{}, "Examples")
	for _, opts := range mergeOpts {
		whole := tallyOf(t, f, opts, deals).Report()
		parts := make([][]funnel.Deal, 1+rng.IntN(8))
		for _, d := range deals {
			i := rng.IntN(len(parts))
			parts[i] = append(parts[i], d)
		}
		var tallies []*funnel.Tally
		for _, p := range parts {
			tallies = append(tallies, tallyOf(t, f, opts, p))
		}
		// left fold
		left := tallyOf(t, f, opts, nil)
		for _, tl := range tallies {
			if err := left.Merge(tl); err != nil {
				t.Fatal(err)
			}
		}
		// right fold
		right := tallyOf(t, f, opts, nil)
		for _, tl := range slices.Backward(tallies) {
			if err := tl.Merge(right); err != nil {
				t.Fatal(err)
			}
			right = tl
		}
		for name, got := range map[string]funnel.Report{"left": left.Report(), "right": right.Report()} {
			if diff := cmp.Diff(whole, got, cmpopts.EquateErrors(), ignoreExamples); diff != "" {
				t.Errorf("%s fold of %d parts differs from one pass:\n%s", name, len(parts), diff)
			}
		}
	}
}

func TestMergeIncompatible(t *testing.T) {
	f := dealgen.Funnel()
	g, _ := funnel.New("Lead", "Won")
	a, _ := funnel.NewTally(f, funnel.Options{})
	for _, b := range []*funnel.Tally{
		must(funnel.NewTally(g, funnel.Options{})),
		must(funnel.NewTally(f, funnel.Options{Policy: funnel.AnyStage})),
		must(funnel.NewTally(f, funnel.Options{Location: time.FixedZone("X", 3600)})),
	} {
		if err := a.Merge(b); err == nil {
			t.Errorf("Merge of incompatible tallies succeeded")
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
