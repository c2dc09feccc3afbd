package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/funnelmetrics/funnel"
	funnelbeam "github.com/funnelmetrics/funnel/beam"
	"github.com/funnelmetrics/funnel/beam/internal/gen"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
)

func TestMain(m *testing.M) { ptest.Main(m) }

// TestMappingFile checks that the example mapping is the generator's.
func TestMappingFile(t *testing.T) {
	b, err := os.ReadFile("testdata/mapping.json")
	if err != nil {
		t.Fatal(err)
	}
	var m csvimport.DealMapping
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(gen.Mapping(), m); diff != "" {
		t.Errorf("testdata/mapping.json is not the generator's mapping (-generator +file):\n%s", diff)
	}
}

// TestRun runs the command's pipeline, as its flags configure it, on the
// test runner over generated files.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	deals := gen.Generate(gen.Options{Deals: 2000, Seed: 5, Tenants: 2, Files: 2})
	if _, err := gen.Write(filepath.Join(dir, "in"), deals); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for k, v := range map[string]string{"input": filepath.Join(dir, "in", "*", "*.csv"), "output": out,
		"mapping": "testdata/mapping.json", "stages": "Lead,Qualified,Demo,Proposal,Negotiation", "currency": "USD",
		"as_of": "2024-10-01", "tenant_pattern": `/([^/]+)/[^/]*\.csv$`, "pipeline_column": "pipeline", "mode": "lenient",
		"groups": "global,tenant", "segment_by": "owner, region"} {
		if err := flag.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	p, s := beam.NewPipelineWithRoot()
	if err := build(s); err != nil {
		t.Fatal(err)
	}
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	var r funnel.Report
	b, err := os.ReadFile(filepath.Join(out, "all", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Input.Read != 2000 {
		t.Errorf("read %d deals, want 2000", r.Input.Read)
	}
	for _, k := range []string{"tenant=tenant-00", "tenant=tenant-01"} {
		if b, err := os.ReadFile(filepath.Join(out, k, "forecast_by_period.json")); err != nil || !bytes.HasPrefix(b, []byte("{")) {
			t.Errorf("%s: %v", k, err)
		}
	}
	var sr funnel.SegmentReport
	if b, err = os.ReadFile(filepath.Join(out, "all", "segments.json")); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sr); err != nil {
		t.Fatal(err)
	}
	var inRows int64
	for _, row := range sr.Rows {
		inRows += row.Report.Input.Read
	}
	if !cmp.Equal(sr.Dims, []string{"owner", "region"}) || sr.Input.Read != 2000 || inRows != 2000 {
		t.Errorf("segments by %v over %d deals, %d in rows; want owner x region over 2000", sr.Dims, sr.Input.Read, inRows)
	}
	if _, err := os.Stat(filepath.Join(out, "tenant=tenant-00", "pipeline=new")); !os.IsNotExist(err) {
		t.Errorf("pipeline folders written without the pipeline group: %v", err)
	}
}

// TestAnalysesFlag: an analyses file replaces the default analyses, and
// --segment_by adds a segmentation to them.
func TestAnalysesFlag(t *testing.T) {
	file := filepath.Join(t.TempDir(), "analyses.json")
	if err := os.WriteFile(file, []byte(`[{"name": "report", "kind": "report", "options": {}},
		{"name": "by_owner", "kind": "segments", "options": {"dims": [{"attr": "owner"}, {"amount": ["1000", "10000"]}], "by_key": true}},
		{"name": "cohorts", "kind": "trend.cohorts", "options": {"MaxAge": 12}}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, k := range []string{"stages", "mapping", "analyses", "segment_by", "mode", "as_of", "groups"} {
			flag.Set(k, "")
		}
		flag.Set("mode", "strict")
	}()
	for k, v := range map[string]string{"stages": "Lead,Won", "mapping": "testdata/mapping.json", "analyses": file,
		"segment_by": "region", "as_of": "", "groups": ""} {
		if err := flag.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	c, err := config()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range c.Analyses {
		names = append(names, a.Name+":"+a.Kind)
	}
	if want := []string{"report:report", "by_owner:segments", "cohorts:trend.cohorts", "segments:segments"}; !cmp.Equal(names, want) {
		t.Errorf("analyses %v, want %v", names, want)
	}
	c.Input, c.Output = filepath.Join(t.TempDir(), "*.csv"), t.TempDir()
	_, s := beam.NewPipelineWithRoot()
	if err := funnelbeam.Build(s, c); err != nil {
		t.Errorf("Build: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	defer flag.Set("stages", "")
	defer flag.Set("analyses", "")
	for _, bad := range []map[string]string{
		{"stages": ""},
		{"stages": "A,A", "mapping": "testdata/mapping.json"},
		{"stages": "A", "mapping": "testdata/none.json"},
		{"stages": "A", "mapping": "testdata/mapping.json", "period": "fortnight"},
		{"stages": "A", "mapping": "testdata/mapping.json", "period": "month", "location": "Nowhere/Land"},
		{"stages": "A", "mapping": "testdata/mapping.json", "location": "UTC", "mode": "loose"},
		{"stages": "A", "mapping": "testdata/mapping.json", "mode": "strict", "as_of": "yesterday"},
		{"stages": "A", "mapping": "testdata/mapping.json", "as_of": "", "groups": "planet"},
		{"stages": "A", "mapping": "testdata/mapping.json", "groups": "", "analyses": "testdata/none.json"},
		{"stages": "A", "mapping": "testdata/mapping.json", "analyses": "testdata/mapping.json"},
	} {
		for k, v := range bad {
			flag.Set(k, v)
		}
		if _, err := config(); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
