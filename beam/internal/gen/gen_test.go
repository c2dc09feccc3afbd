package gen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestWriteReadsBack checks that csvimport reads the written files back to
// the generated deals (but for the pipeline and the tenant, which the
// mapping leaves to the caller), in file order, for every distribution.
func TestWriteReadsBack(t *testing.T) {
	for d := Uniform; d <= Ties; d++ {
		deals := Generate(Options{Deals: 3000, Seed: uint64(d), Tenants: 2, Files: 3, Dist: d})
		dir := t.TempDir()
		paths, err := Write(dir, deals)
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != 6 {
			t.Fatalf("%d files, want 6", len(paths))
		}
		want := map[string][]funnel.Deal{}
		for _, g := range deals {
			x := g.Deal
			x.Pipeline = ""
			want[filepath.Join(dir, g.File)] = append(want[filepath.Join(dir, g.File)], x)
		}
		for _, p := range paths {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			got, rep, err := csvimport.ReadDeals(f, p, Funnel(), Mapping(), csvimport.Options{})
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if rep.Skipped != 0 {
				t.Errorf("%s: %d rows skipped", p, rep.Skipped)
			}
			if diff := cmp.Diff(want[p], got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("dist %d, %s (-generated +read):\n%s", d, p, diff)
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	a := Generate(Options{Deals: 500, Seed: 4, Dist: Pareto})
	b := Generate(Options{Deals: 500, Seed: 4, Dist: Pareto})
	if diff := cmp.Diff(a, b, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("same seed, other deals:\n%s", diff)
	}
}
