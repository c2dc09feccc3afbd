package attribution_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// propertyJourneys returns n seeded journeys over 5 channels (10
// campaigns), a few of them without touches.
func propertyJourneys(seed uint64, n int) []attribution.Journey {
	js := genJourneys(seed, n, 6, 5)
	for i := 0; i < len(js); i += 17 {
		js[i].Touches = nil
	}
	return js
}

var dims = []attribution.Dimension{attribution.ByChannel, attribution.ByCampaign}

// sumCheck reports how r's keys plus its unattributed credit differ from
// its total ("" if they add up exactly).
func sumCheck(r *attribution.Result) string {
	sum := r.Unattributed
	for _, k := range r.Keys {
		sum = sum.Add(k.Credit)
		for _, v := range []decimal.Decimal{k.Leads, k.Opportunities, k.Conversions, k.Pipeline, k.Revenue} {
			if v.IsNegative() {
				return fmt.Sprintf("negative credit %v for %q", v, k.Key)
			}
		}
	}
	return cmp.Diff(r.Total, sum)
}

func TestCreditsSumToTotal(t *testing.T) {
	for seed := range uint64(4) {
		js := propertyJourneys(seed, 400)
		for _, d := range dims {
			for _, m := range attribution.Models() {
				for _, o := range []attribution.Options{{By: d}, {By: d, MarkovOrder: 2, HalfLife: 3600e9, MoneyScale: 3}} {
					r, err := attribution.Attribute(slices.Values(js), m, o)
					if err != nil {
						t.Fatalf("seed %d %v %+v: %v", seed, m, o, err)
					}
					if diff := sumCheck(r); diff != "" {
						t.Errorf("seed %d %v %+v: keys + unattributed != total:\n%s", seed, m, o, diff)
					}
				}
			}
		}
	}
}

// TestSingleTouch checks that when every journey has one touch (or none),
// every model gives what first touch gives.
func TestSingleTouch(t *testing.T) {
	js := propertyJourneys(9, 500)
	for i := range js {
		if len(js[i].Touches) > 1 {
			js[i].Touches = js[i].Touches[len(js[i].Touches)-1:]
			js[i].OpportunityAt = js[i].Touches[0].At
		}
	}
	for _, d := range dims {
		want, err := attribution.Attribute(slices.Values(js), attribution.FirstTouch, attribution.Options{By: d})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range attribution.Models() {
			got, err := attribution.Attribute(slices.Values(js), m, attribution.Options{By: d})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(attribution.Result{}, "Model")); diff != "" {
				t.Errorf("%v by %v differs from first touch on single-touch journeys (-first +model):\n%s", m, d, diff)
			}
		}
	}
}

// TestMergeEqualsOnePass splits the journeys at several cut points,
// merges the parts in both orders and compares with one pass.
func TestMergeEqualsOnePass(t *testing.T) {
	js := propertyJourneys(3, 240)
	for _, d := range dims {
		for _, m := range attribution.Models() {
			opts := attribution.Options{By: d}
			if m == attribution.Markov && d == attribution.ByCampaign {
				opts.MarkovOrder = 2
			}
			want, err := attribution.Attribute(slices.Values(js), m, opts)
			if err != nil {
				t.Fatal(err)
			}
			acc := func(part []attribution.Journey) *attribution.Accumulator {
				a, err := attribution.NewAccumulator(m, opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, j := range part {
					if err := a.Add(j); err != nil {
						t.Fatal(err)
					}
				}
				return a
			}
			result := func(a *attribution.Accumulator) *attribution.Result {
				r, err := a.Result()
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			for _, cut := range []int{0, 1, 17, 120, 239, 240} {
				a, b := acc(js[:cut]), acc(js[cut:])
				bBefore := result(b)
				if err := a.Merge(b); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, result(a)); diff != "" {
					t.Errorf("%v by %v cut %d: merge != one pass (-one pass +merge):\n%s", m, d, cut, diff)
				}
				if diff := cmp.Diff(bBefore, result(b)); diff != "" {
					t.Errorf("%v by %v cut %d: Merge changed its argument:\n%s", m, d, cut, diff)
				}
				// Other order: keys registered in another order.
				a, b = acc(js[:cut]), acc(js[cut:])
				if err := b.Merge(a); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, result(b)); diff != "" {
					t.Errorf("%v by %v cut %d: reverse merge != one pass:\n%s", m, d, cut, diff)
				}
			}
			// (a+b)+c == a+(b+c), and into a zero accumulator.
			x, y, z := acc(js[:50]), acc(js[50:130]), acc(js[130:])
			if err := x.Merge(y); err != nil {
				t.Fatal(err)
			}
			if err := x.Merge(z); err != nil {
				t.Fatal(err)
			}
			y2, z2 := acc(js[50:130]), acc(js[130:])
			if err := y2.Merge(z2); err != nil {
				t.Fatal(err)
			}
			x2 := acc(js[:50])
			if err := x2.Merge(y2); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(result(x), result(x2)); diff != "" {
				t.Errorf("%v by %v: (a+b)+c != a+(b+c):\n%s", m, d, diff)
			}
		}
	}
}

// TestOrderIndependent checks that shuffling the journeys changes nothing
// (so Markov and Shapley give the same credit on every run).
func TestOrderIndependent(t *testing.T) {
	js := propertyJourneys(5, 300)
	r := rand.New(rand.NewPCG(5, 5))
	for _, m := range attribution.Models() {
		want, err := attribution.Attribute(slices.Values(js), m, attribution.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			sh := slices.Clone(js)
			r.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
			got, err := attribution.Attribute(slices.Values(sh), m, attribution.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%v: shuffled input changed the result:\n%s", m, diff)
			}
		}
	}
}

// TestShapleyEqualSplit checks Shapley against an independent route: with
// this worth function the Shapley value of key k is the sum, over the
// journeys whose key set S contains k, of the journey's value / |S| (Zhao
// et al. 2018, "simplified Shapley"), computed here in exact rationals.
// Credit must be within one unit of that exact quota.
func TestShapleyEqualSplit(t *testing.T) {
	js := propertyJourneys(11, 300)
	r, err := attribution.Attribute(slices.Values(js), attribution.Shapley, attribution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	exact := map[string]*big.Rat{}
	for _, j := range js {
		set := map[string]bool{}
		for _, tt := range j.Touches {
			set[tt.Channel] = true
		}
		for k := range set {
			if exact[k] == nil {
				exact[k] = new(big.Rat)
			}
			exact[k].Add(exact[k], new(big.Rat).Quo(j.Revenue.Rat(), big.NewRat(int64(len(set)), 1)))
		}
	}
	cent := big.NewRat(1, 100)
	for _, k := range r.Keys {
		diff := new(big.Rat).Sub(k.Revenue.Rat(), exact[k.Key])
		if diff.Abs(diff).Cmp(cent) >= 0 {
			t.Errorf("Shapley revenue of %s = %v, exact equal split %v", k.Key, k.Revenue, exact[k.Key].FloatString(4))
		}
	}
}
