package funnelbeam_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/funnelmetrics/funnel"
	funnelbeam "github.com/funnelmetrics/funnel/beam"
	"github.com/funnelmetrics/funnel/beam/internal/gen"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
)

// run builds the configuration's pipeline and runs it on the test runner.
func run(t *testing.T, c funnelbeam.Config) error {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	if err := funnelbeam.Build(s, c); err != nil {
		t.Fatal(err)
	}
	return ptest.Run(p)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestNoInput: a pattern that matches no file gives the global results of
// no deals and an empty import report.
func TestNoInput(t *testing.T) {
	dir := t.TempDir()
	s := newScan(t, 0)
	out := filepath.Join(dir, "out")
	if err := run(t, funnelbeam.Config{Input: filepath.Join(dir, "none", "*.csv"), Output: out, Scan: s,
		Mapping: gen.Mapping(), TenantColumn: "tenant"}); err != nil {
		t.Fatal(err)
	}
	want := reference(t, s, nil)
	for name, w := range want {
		g, err := os.ReadFile(filepath.Join(out, "all", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s: %s, want %s", name, g, w)
		}
	}
	var reps []funnelbeam.FileReport
	readJSON(t, filepath.Join(out, "import.json"), &reps)
	if reps == nil || len(reps) != 0 {
		t.Errorf("import report %v, want []", reps)
	}
	if keys := outputKeys(t, out); !cmp.Equal(keys, []string{"all"}) {
		t.Errorf("keys %v, want only all", keys)
	}
}

const badFile = `id,tenant,pipeline,account,created,closed,amount,currency,stage,lost_reason,owner,region,source,entered_lead
ok-1,acme,new,A,2024-01-05T00:00:00Z,,100.00,USD,Lead,,ana,NA,web,2024-01-05T00:00:00Z
bad-amount,acme,new,A,2024-01-05T00:00:00Z,,1e9,USD,Lead,,ana,NA,web,2024-01-05T00:00:00Z
bad-stage,acme,new,A,2024-01-05T00:00:00Z,,1.00,USD,Nowhere,,ana,NA,web,
multi-line,acme,renewal,"Globex,
Inc.",2024-02-01T00:00:00Z,2024-03-01T00:00:00Z,250.50,USD,Closed Won,,ben,EMEA,,2024-02-01T00:00:00Z
eur,acme,new,A,2024-01-05T00:00:00Z,,5.00,EUR,Lead,,ana,NA,web,2024-01-05T00:00:00Z
`

// TestLenient: bad rows are skipped and listed in the import report, a
// deal in another currency is skipped and counted by the analyses, and a
// record that spans lines is read whole.
func TestLenient(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in", "acme", "a.csv"), badFile)
	s := newScan(t, 0)
	m := gen.Mapping()
	m.StageDates = map[funnel.Stage]string{"Lead": "entered_lead"}
	out := filepath.Join(dir, "out")
	if err := run(t, funnelbeam.Config{Input: filepath.Join(dir, "in", "*", "*.csv"), Output: out, Scan: s, Mapping: m,
		TenantColumn: "tenant", PipelineColumn: "pipeline"}); err != nil {
		t.Fatal(err)
	}
	var reps []funnelbeam.FileReport
	readJSON(t, filepath.Join(out, "import.json"), &reps)
	if len(reps) != 1 || reps[0].Rows != 5 || reps[0].Kept != 3 || reps[0].Skipped != 2 || len(reps[0].Examples) != 2 {
		t.Fatalf("import report %+v", reps)
	}
	if e := reps[0].Examples[0]; e.Line != 3 || e.Column != "amount" {
		t.Errorf("first example %+v, want line 3, column amount", e)
	}
	var r funnel.Report
	readJSON(t, filepath.Join(out, "all", "report.json"), &r)
	if r.Input.Read != 3 || r.Input.Counted != 2 || r.Input.Skipped.Count != 1 ||
		r.Input.Skipped.Reasons[0].Reason != funnel.ErrCurrencyMismatch.Error() || r.Won != 1 {
		t.Errorf("report input %+v, won %d", r.Input, r.Won)
	}
	var w funnel.Report
	readJSON(t, filepath.Join(out, "tenant=acme", "pipeline=renewal", "report.json"), &w)
	if w.Deals != 1 || w.Won != 1 || !w.DealSize.Total.Equal(mustDec("250.5")) {
		t.Errorf("renewal report: %d deals, %d won, deal size %v", w.Deals, w.Won, w.DealSize.Total)
	}
}

// TestStrict: in strict mode a bad row fails the pipeline with the row's
// error.
func TestStrict(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in", "a.csv"), badFile)
	s, err := funnel.NewScan(gen.Funnel(), funnel.Options{Currency: "USD", AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	m := gen.Mapping()
	m.StageDates = map[funnel.Stage]string{"Lead": "entered_lead"}
	err = run(t, funnelbeam.Config{Input: filepath.Join(dir, "in", "*.csv"), Output: filepath.Join(dir, "out"), Scan: s, Mapping: m})
	if err == nil || !strings.Contains(err.Error(), `a.csv:3: column "amount"`) {
		t.Fatalf("strict run: %v, want the error of line 3", err)
	}
}

// TestTenantPattern takes the tenant from each file's folder and escapes
// hostile names into single folders.
func TestTenantPattern(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	row := "ok-%d,x,%s,A,2024-01-05T00:00:00Z,,100.00,USD,Lead,,ana,NA,web,2024-01-05T00:00:00Z\n"
	head := strings.SplitN(badFile, "\n", 2)[0] + "\n"
	writeFile(t, filepath.Join(in, "..dots", "a.csv"), head+strings.ReplaceAll(strings.ReplaceAll(row, "%d", "1"), "%s", "../up"))
	writeFile(t, filepath.Join(in, "sp ace%", "b.csv"), head+strings.ReplaceAll(strings.ReplaceAll(row, "%d", "2"), "%s", ""))
	m := gen.Mapping()
	m.StageDates = map[funnel.Stage]string{"Lead": "entered_lead"}
	out := filepath.Join(dir, "out")
	if err := run(t, funnelbeam.Config{Input: filepath.Join(in, "*", "*.csv"), Output: out, Scan: newScan(t, 0), Mapping: m,
		TenantPattern: `/([^/]+)/[^/]*\.csv$`, PipelineColumn: "pipeline",
		Analyses: []funnelbeam.Analysis{must(funnelbeam.NewAnalysis("r", funnelbeam.KindReport, struct{}{}))}}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	filepath.WalkDir(out, func(p string, e os.DirEntry, err error) error {
		if err == nil && filepath.Base(p) == "r.json" {
			rel, _ := filepath.Rel(out, filepath.Dir(p))
			keys = append(keys, filepath.ToSlash(rel))
		}
		return err
	})
	sort.Strings(keys)
	want := []string{"all", "tenant=%2E%2Edots", "tenant=%2E%2Edots/pipeline=%2E%2E%2Fup", "tenant=sp%20ace%25", "tenant=sp%20ace%25/pipeline="}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("key folders (-want +got):\n%s", diff)
	}
	var reps []funnelbeam.FileReport
	readJSON(t, filepath.Join(out, "import.json"), &reps)
	if len(reps) != 2 || reps[0].Tenant != "..dots" || reps[1].Tenant != "sp ace%" {
		t.Errorf("import report %+v", reps)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestBuildErrors checks the configuration before anything runs.
func TestBuildErrors(t *testing.T) {
	s := newScan(t, 0)
	noAsOf, _ := funnel.NewScan(gen.Funnel(), funnel.Options{})
	ok := funnelbeam.Config{Input: "in/*.csv", Output: "out", Scan: s, Mapping: gen.Mapping()}
	report := must(funnelbeam.NewAnalysis("report", funnelbeam.KindReport, struct{}{}))
	for name, change := range map[string]func(c *funnelbeam.Config){
		"no scan":            func(c *funnelbeam.Config) { c.Scan = nil },
		"no input":           func(c *funnelbeam.Config) { c.Input = "" },
		"no output":          func(c *funnelbeam.Config) { c.Output = "" },
		"two tenant sources": func(c *funnelbeam.Config) { c.TenantColumn, c.TenantPattern = "t", "(x)" },
		"pattern no group":   func(c *funnelbeam.Config) { c.TenantPattern = "x" },
		"bad pattern":        func(c *funnelbeam.Config) { c.TenantPattern = "(" },
		"local zone":         func(c *funnelbeam.Config) { c.Read.Location = time.Local },
		"unnamed zone":       func(c *funnelbeam.Config) { c.Read.Location = time.FixedZone("Nowhere/Land", 3600) },
		"reserved key":       func(c *funnelbeam.Config) { c.Mapping.Custom = map[string]string{"funnelbeam:tenant": "t"} },
		"tenant group":       func(c *funnelbeam.Config) { c.Groups = []funnelbeam.Group{funnelbeam.ByTenant} },
		"group twice":        func(c *funnelbeam.Config) { c.Groups = []funnelbeam.Group{funnelbeam.Global, funnelbeam.Global} },
		"bad group":          func(c *funnelbeam.Config) { c.Groups = []funnelbeam.Group{7} },
		"no analyses":        func(c *funnelbeam.Config) { c.Analyses = []funnelbeam.Analysis{} },
		"name twice":         func(c *funnelbeam.Config) { c.Analyses = []funnelbeam.Analysis{report, report} },
		"bad name":           func(c *funnelbeam.Config) { r := report; r.Name = "../x"; c.Analyses = []funnelbeam.Analysis{r} },
		"import name":        func(c *funnelbeam.Config) { r := report; r.Name = "import"; c.Analyses = []funnelbeam.Analysis{r} },
		"unknown kind":       func(c *funnelbeam.Config) { r := report; r.Kind = "nope"; c.Analyses = []funnelbeam.Analysis{r} },
		"bad options": func(c *funnelbeam.Config) {
			r := report
			r.Options = []byte("[1]")
			c.Analyses = []funnelbeam.Analysis{r}
		},
		"forecast no as-of": func(c *funnelbeam.Config) { c.Scan = noAsOf },
	} {
		c := ok
		change(&c)
		_, scope := beam.NewPipelineWithRoot()
		if err := funnelbeam.Build(scope, c); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v, want an error wrapping ErrInvalidParam", name, err)
		}
	}
	_, scope := beam.NewPipelineWithRoot()
	if err := funnelbeam.Build(scope, ok); err != nil {
		t.Errorf("valid configuration: %v", err)
	}
}

func TestNewAnalysisErrors(t *testing.T) {
	if diff := cmp.Diff([]string{"clv.cohorts", "clv.retention", "drivers", "forecast.by_period", "forecast.changes", "forecast.pipeline",
		"forecast.quota", "forecast.risk", "report", "segments", "target.bottleneck", "trend.cohorts", "trend.conversion", "trend.series",
		"trend.survival"}, funnelbeam.Kinds()); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
	if _, err := funnelbeam.NewAnalysis("x", "nope", struct{}{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := funnelbeam.NewAnalysis("x", funnelbeam.KindForecastPipeline, struct{}{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("options of another type: %v", err)
	}
	if _, err := funnelbeam.NewAnalysis("x", funnelbeam.KindForecastPipeline, forecast.Options{Learn: forecast.LearnOptions{Segment: "owner"}}); err != nil {
		t.Errorf("segmented learner: %v", err)
	}
	if err := funnelbeam.Register(funnelbeam.KindReport, func(s *funnel.Scan, _ struct{}) (*funnel.Tally, error) { return funnel.NewTally(s), nil },
		func(t *funnel.Tally) (funnel.Report, error) { return t.Report(), nil }); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("kind registered twice: %v", err)
	}
}

func TestGroupText(t *testing.T) {
	for _, g := range []funnelbeam.Group{funnelbeam.Global, funnelbeam.ByTenant, funnelbeam.ByPipeline} {
		b, err := g.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back funnelbeam.Group
		if err := back.UnmarshalText(b); err != nil || back != g || g.String() != string(b) {
			t.Errorf("%v: %s, %v, %v", g, b, back, err)
		}
	}
	if _, err := funnelbeam.Group(9).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("invalid group: %v", err)
	}
	var g funnelbeam.Group
	if err := g.UnmarshalText([]byte("nope")); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("invalid name: %v", err)
	}
}

func TestFileReportJSON(t *testing.T) {
	for _, r := range []funnelbeam.FileReport{
		{File: "f.csv", Reasons: []csvimport.Reason{}, Examples: []funnelbeam.RowError{}, Notes: []csvimport.Reason{}},
		{File: "gs://b/t/f.csv", Tenant: "t \"q\"", Rows: 3, Kept: 1, Skipped: 2,
			Reasons:  []csvimport.Reason{{Reason: "csvimport: invalid amount", Count: 2}},
			Examples: []funnelbeam.RowError{{Line: 2, Column: "amount", Error: "x"}, {Line: 4, Error: "y"}},
			Notes:    []csvimport.Reason{{Reason: csvimport.NoteEmptyAmount, Count: 1}}},
	} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var back funnelbeam.FileReport
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(r, back); diff != "" {
			t.Errorf("round trip (-sent +decoded):\n%s", diff)
		}
	}
}
