package funnelbeam_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/funnelmetrics/funnel"
	funnelbeam "github.com/funnelmetrics/funnel/beam"
	"github.com/funnelmetrics/funnel/beam/internal/gen"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var dealsFlag = flag.Int("funnelbeam.deals", 0, "deals in the equality test (0: 100,000, or 20,000 with -short)")

func TestMain(m *testing.M) { ptest.Main(m) }

// runner returns the runner of the tests.
func runner() string {
	if *ptest.Runner != "" {
		return *ptest.Runner
	}
	return ptest.DefaultRunner()
}

// asOf is the as-of time of the tests: deals are created from 2023-01-01
// to 2025-01-01, so that some are created after it and some won after it.
var asOf = time.Date(2024, time.October, 1, 0, 0, 0, 0, time.UTC)

func newScan(t testing.TB, qe float64) *funnel.Scan {
	t.Helper()
	s, err := funnel.NewScan(gen.Funnel(), funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: asOf,
		Period: funnel.Month, QuantileError: qe, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reference computes every default analysis in process over deals, one
// funnel.Scan.Run, and returns the results as JSON by analysis name.
func reference(t testing.TB, s *funnel.Scan, deals []funnel.Deal) map[string][]byte {
	t.Helper()
	tally := funnel.NewTally(s)
	pipe, err := forecast.NewPipeline(s, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	byPeriod, err := forecast.NewByPeriod(s, forecast.PeriodOptions{})
	if err != nil {
		t.Fatal(err)
	}
	series, err := trend.NewSeries(s, trend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	surv, err := trend.NewSurvival(s, trend.SurvivalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(slices.Values(deals), tally, pipe, byPeriod, series, surv); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	put := func(name string, v any, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = b
	}
	put("report", tally.Report(), nil)
	pr, err := pipe.Report()
	put("forecast_pipeline", pr, err)
	bp, err := byPeriod.Report()
	put("forecast_by_period", bp, err)
	sr, err := series.Report()
	put("trend_series", sr, err)
	put("trend_survival", surv.Curve(), nil)
	return out
}

// kinds maps the default analyses' names to their kinds.
var kinds = map[string]string{"report": funnelbeam.KindReport, "forecast_pipeline": funnelbeam.KindForecastPipeline,
	"forecast_by_period": funnelbeam.KindForecastByPeriod, "trend_series": funnelbeam.KindTrendSeries,
	"trend_survival": funnelbeam.KindTrendSurvival}

// byKey groups generated deals by the folders of the default groups.
func byKey(deals []gen.Deal, hasTenant bool) map[string][]funnel.Deal {
	out := map[string][]funnel.Deal{}
	for _, g := range deals {
		d := g.Deal
		out[funnelbeam.KeyDir(funnelbeam.Global, hasTenant, g.Tenant, d.Pipeline)] = append(out["all"], d)
		if hasTenant {
			k := funnelbeam.KeyDir(funnelbeam.ByTenant, true, g.Tenant, d.Pipeline)
			out[k] = append(out[k], d)
		}
		k := funnelbeam.KeyDir(funnelbeam.ByPipeline, hasTenant, g.Tenant, d.Pipeline)
		out[k] = append(out[k], d)
	}
	return out
}

// runPipeline writes the deals' files, runs the pipeline over them on the
// test runner (prism unless -runner says otherwise) and returns the
// output folder.
func runPipeline(t testing.TB, s *funnel.Scan, deals []gen.Deal, tenantPattern bool, analyses ...funnelbeam.Analysis) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	files, err := gen.Write(in, deals)
	if err != nil {
		t.Fatal(err)
	}
	c := funnelbeam.Config{Input: filepath.Join(in, "*", "*.csv"), Output: out, Scan: s, Mapping: gen.Mapping(),
		PipelineColumn: "pipeline", Analyses: analyses}
	if tenantPattern {
		c.TenantPattern = `/([^/]+)/[^/]*\.csv$`
	} else {
		c.TenantColumn = "tenant"
	}
	p, scope := beam.NewPipelineWithRoot()
	if err := funnelbeam.Build(scope, c); err != nil {
		t.Fatal(err)
	}
	c0, o0, m0, d0 := funnelbeam.Counts()
	start := time.Now()
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	c1, o1, m1, d1 := funnelbeam.Counts()
	t.Logf("pipeline over %d deals in %d files: %v; %d accumulators created, %d decoded from bytes, %d merges, %d deals decoded",
		len(deals), len(files), time.Since(start).Round(time.Millisecond), c1-c0, o1-o0, m1-m0, d1-d0)
	if o1 == o0 && runner() == "prism" {
		t.Errorf("no accumulator crossed a stage as bytes: the combine was not lifted")
	}
	return out
}

// outputKeys lists the key folders of an output, relative to it.
func outputKeys(t testing.TB, out string) []string {
	t.Helper()
	var keys []string
	err := filepath.WalkDir(out, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && filepath.Base(p) == "report.json" {
			rel, _ := filepath.Rel(out, filepath.Dir(p))
			keys = append(keys, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestEqualsInProcess runs the pipeline over generated files (many files
// per tenant, read by several workers) with the default analyses and one
// of every other registered kind (extras), and checks that every result
// of every key is byte for byte the JSON of the in-process one-pass result
// over the same deals.
func TestEqualsInProcess(t *testing.T) {
	n := *dealsFlag
	if n == 0 {
		n = 100_000
		if testing.Short() {
			n = 20_000
		}
	}
	tenants, files := 4, 8
	if n >= 500_000 {
		tenants, files = 8, 16
	}
	deals := gen.Generate(gen.Options{Deals: n, Seed: 1, Tenants: tenants, Files: files, Dist: gen.LogNormal})
	s := newScan(t, 0)
	out := runPipeline(t, s, deals, false, append(funnelbeam.DefaultAnalyses(), extraAnalyses()...)...)

	start := time.Now()
	want := byKey(deals, true)
	got := outputKeys(t, out)
	if diff := cmp.Diff(sortedKeys(want), got); diff != "" {
		t.Fatalf("key folders (-want +got):\n%s", diff)
	}
	for _, key := range got {
		ref := reference(t, s, want[key])
		maps.Copy(ref, referenceExtras(t, s, want[key]))
		for name, w := range ref {
			g, err := os.ReadFile(filepath.Join(out, key, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(g, w) {
				t.Errorf("%s/%s differs from the in-process result:\n%s", key, name, resultDiff(t, kinds[name], w, g))
			}
		}
	}
	if dir := os.Getenv("FUNNELBEAM_KEEP"); dir != "" {
		os.CopyFS(dir, os.DirFS(out))
	}
	t.Logf("in-process reference over %d keys: %v", len(got), time.Since(start).Round(time.Millisecond))
	checkImport(t, out, deals)
}

// resultDiff decodes two results of a kind and returns their differences.
func resultDiff(t testing.TB, kind string, want, got []byte) string {
	w, err := funnelbeam.DecodeResult(kind, want)
	if err != nil {
		t.Fatal(err)
	}
	g, err := funnelbeam.DecodeResult(kind, got)
	if err != nil {
		return fmt.Sprintf("undecodable result: %v", err)
	}
	if d := cmp.Diff(w, g, cmpopts.EquateErrors(), cmpopts.EquateEmpty()); d != "" {
		return d
	}
	return "(equal values, other bytes)"
}

// checkImport checks the import report: every file read, every row kept.
func checkImport(t testing.TB, out string, deals []gen.Deal) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "import.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reps []funnelbeam.FileReport
	if err := json.Unmarshal(b, &reps); err != nil {
		t.Fatal(err)
	}
	rows := map[string]int{}
	for _, g := range deals {
		rows[filepath.ToSlash(g.File)]++
	}
	if len(reps) != len(rows) {
		t.Errorf("%d file reports, %d files", len(reps), len(rows))
	}
	for _, r := range reps {
		rel, _ := filepath.Rel(filepath.Join(filepath.Dir(out), "in"), r.File)
		if w := rows[filepath.ToSlash(rel)]; r.Rows != w || r.Kept != w || r.Skipped != 0 {
			t.Errorf("%s: %+v, want %d rows kept", r.File, r, w)
		}
	}
}

func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// BenchmarkPipeline runs the whole pipeline on the test runner over
// 100,000 generated deals in 32 files (run with -benchtime=1x or a few
// x: each run takes seconds).
func BenchmarkPipeline(b *testing.B) {
	deals := gen.Generate(gen.Options{Deals: 100_000, Seed: 1, Tenants: 4, Files: 8, Dist: gen.LogNormal})
	dir := b.TempDir()
	in := filepath.Join(dir, "in")
	if _, err := gen.Write(in, deals); err != nil {
		b.Fatal(err)
	}
	s := newScan(b, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p, scope := beam.NewPipelineWithRoot()
		c := funnelbeam.Config{Input: filepath.Join(in, "*", "*.csv"), Output: filepath.Join(dir, fmt.Sprint("out", i)), Scan: s,
			Mapping: gen.Mapping(), TenantColumn: "tenant", PipelineColumn: "pipeline"}
		if err := funnelbeam.Build(scope, c); err != nil {
			b.Fatal(err)
		}
		if err := ptest.Run(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(deals))*float64(b.N)/b.Elapsed().Seconds(), "deals/s")
}
