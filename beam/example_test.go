package funnelbeam_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/funnelmetrics/funnel"
	funnelbeam "github.com/funnelmetrics/funnel/beam"
	"github.com/funnelmetrics/funnel/csvimport"
)

// Build a pipeline over the exports of two tenants, one folder each, and
// read the results it wrote.
func ExampleBuild() {
	dir, _ := os.MkdirTemp("", "funnelbeam")
	defer os.RemoveAll(dir)
	head := "id,pipeline,created,closed,amount,stage\n"
	os.MkdirAll(filepath.Join(dir, "in", "acme"), 0o755)
	os.MkdirAll(filepath.Join(dir, "in", "globex"), 0o755)
	os.WriteFile(filepath.Join(dir, "in", "acme", "deals.csv"), []byte(head+
		"a1,new,2024-01-02,2024-02-01,1200.00,won\n"+
		"a2,new,2024-01-05,,800.00,Demo\n"+
		"a3,renewal,2024-02-01,2024-03-01,500.00,lost\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "in", "globex", "deals.csv"), []byte(head+
		"g1,new,2024-03-01,2024-03-20,300.00,won\n"), 0o644)

	f, _ := funnel.New("Lead", "Demo")
	s, _ := funnel.NewScan(f, funnel.Options{})
	report, _ := funnelbeam.NewAnalysis("report", funnelbeam.KindReport, struct{}{})
	p, scope := beam.NewPipelineWithRoot()
	err := funnelbeam.Build(scope, funnelbeam.Config{
		Input:  filepath.Join(dir, "in", "*", "*.csv"),
		Output: filepath.Join(dir, "out"),
		Scan:   s,
		Mapping: csvimport.DealMapping{ID: "id", Created: "created", Closed: "closed", Amount: "amount",
			Stage: "stage", Won: []string{"won"}, Lost: []string{"lost"}, ClosedStage: "Demo"},
		TenantPattern:  `/([^/]+)/[^/]*\.csv$`,
		PipelineColumn: "pipeline",
		Analyses:       []funnelbeam.Analysis{report},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := ptest.Run(p); err != nil { // the prism runner, in this process
		fmt.Println(err)
		return
	}
	for _, key := range []string{"all", "tenant=acme", "tenant=acme/pipeline=new", "tenant=globex"} {
		b, _ := os.ReadFile(filepath.Join(dir, "out", key, "report.json"))
		var r funnel.Report
		json.Unmarshal(b, &r)
		fmt.Printf("%-25s %d deals, %d won, win rate %v\n", key, r.Deals, r.Won, r.WinRate.Ratio)
	}
	// Output:
	// all                       4 deals, 2 won, win rate 2/3 (66.7%)
	// tenant=acme               3 deals, 1 won, win rate 1/2 (50.0%)
	// tenant=acme/pipeline=new  2 deals, 1 won, win rate 1/1 (100.0%)
	// tenant=globex             1 deals, 1 won, win rate 1/1 (100.0%)
}
