package funnelbeam

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/beam/internal/gen"
)

// testSpec returns the spec of the analyses (nil: the defaults) over a
// scan of the options.
func testSpec(t testing.TB, opts funnel.Options, analyses ...Analysis) *spec {
	t.Helper()
	s, err := funnel.NewScan(gen.Funnel(), opts)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := newSpec(Config{Input: "in/*.csv", Output: "out", Scan: s, Mapping: gen.Mapping(), TenantColumn: "tenant",
		Analyses: analyses})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

func testOptions(qe float64) funnel.Options {
	return funnel.Options{Mode: funnel.Lenient, Currency: "USD", Period: funnel.Month, QuantileError: qe,
		AsOf: time.Date(2024, time.October, 1, 0, 0, 0, 0, time.UTC)}
}

func dealsOf(g []gen.Deal) []funnel.Deal {
	out := make([]funnel.Deal, len(g))
	for i := range g {
		out[i] = g[i].Deal
	}
	return out
}

// onePass returns the results of the spec's analyses over the deals in
// one funnel.Scan.Run.
func onePass(t testing.TB, sp *spec, deals []funnel.Deal) []byte {
	t.Helper()
	s, err := sp.scan()
	if err != nil {
		t.Fatal(err)
	}
	accs, err := sp.build(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(slices.Values(deals), accs...); err != nil {
		t.Fatal(err)
	}
	b, err := results(sp, accs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCombineSplits runs the CombineFn as a runner would over many
// workers: the deals split at random into parts, each part added to its
// own accumulator, some parts sent through the accumulator coder, the
// parts merged in a random order; the output is the one-pass result, byte
// for byte, for the default analyses and one of every other kind.
func TestCombineSplits(t *testing.T) {
	for _, qe := range []float64{0, 0.01} {
		sp := testSpec(t, testOptions(qe), append(DefaultAnalyses(), extraAnalyses()...)...)
		fn := &combineFn{Spec: sp}
		if err := fn.Setup(); err != nil {
			t.Fatal(err)
		}
		for seed := range uint64(6) {
			deals := dealsOf(gen.Generate(gen.Options{Deals: 3000, Seed: seed, Tenants: 2, Dist: gen.Dist(seed % 4)}))
			want := onePass(t, sp, deals)
			r := rand.New(rand.NewPCG(seed, 7))
			parts := 1 + r.IntN(12)
			accs := make([]*accumulator, parts)
			for i := range accs {
				accs[i] = fn.CreateAccumulator()
			}
			for _, d := range deals {
				a := accs[r.IntN(parts)]
				if _, err := fn.AddInput(a, d); err != nil {
					t.Fatal(err)
				}
			}
			for i, a := range accs {
				if r.IntN(2) == 0 {
					b, err := encodeAccumulator(a)
					if err != nil {
						t.Fatal(err)
					}
					if accs[i], err = decodeAccumulator(b); err != nil {
						t.Fatal(err)
					}
				}
			}
			for len(accs) > 1 {
				i, j := r.IntN(len(accs)), r.IntN(len(accs)-1)
				if j >= i {
					j++
				}
				m, err := fn.MergeAccumulators(accs[i], accs[j])
				if err != nil {
					t.Fatal(err)
				}
				accs[i] = m
				accs = slices.Delete(accs, j, j+1)
			}
			got, err := fn.ExtractOutput(accs[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := splitResults(got, len(sp.Analyses)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("quantile error %v, seed %d, %d parts: combined results differ from one pass", qe, seed, parts)
			}
		}
	}
}

// TestCombineEncodingDeterministic checks that an accumulator's bytes do
// not depend on how its deals were split and merged, for the default
// analyses and one of every other kind.
func TestCombineEncodingDeterministic(t *testing.T) {
	sp := testSpec(t, testOptions(0), append(DefaultAnalyses(), extraAnalyses()...)...)
	fn := &combineFn{Spec: sp}
	if err := fn.Setup(); err != nil {
		t.Fatal(err)
	}
	deals := dealsOf(gen.Generate(gen.Options{Deals: 2000, Seed: 3}))
	one := fn.CreateAccumulator()
	a, b := fn.CreateAccumulator(), fn.CreateAccumulator()
	for i, d := range deals {
		if _, err := fn.AddInput(one, d); err != nil {
			t.Fatal(err)
		}
		x := a
		if i%3 == 0 {
			x = b
		}
		if _, err := fn.AddInput(x, d); err != nil {
			t.Fatal(err)
		}
	}
	m, err := fn.MergeAccumulators(b, a)
	if err != nil {
		t.Fatal(err)
	}
	e1, _ := encodeAccumulator(one)
	e2, _ := encodeAccumulator(m)
	if !bytes.Equal(e1, e2) {
		t.Error("the merge of two parts encodes to other bytes than one pass")
	}
}

func TestSplitResults(t *testing.T) {
	good := []byte{2, '{', '}', 0, 1, '1'}
	parts, err := splitResults(good, 3)
	if err != nil || string(parts[0]) != "{}" || len(parts[1]) != 0 || string(parts[2]) != "1" {
		t.Fatalf("%q, %v", parts, err)
	}
	for _, bad := range [][]byte{{3, '{', '}'}, {0x80}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, err := splitResults(bad, 1); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if _, err := splitResults(good, 2); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("three results for two analyses: %v", err)
	}
}
