package csvimport_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// randomExport writes a two-pipeline export of n rows, some of them bad in
// one way or another, and a history file for it.
func randomExport(r *rand.Rand, n int, dups bool) (deals, history string) {
	var d, h strings.Builder
	d.WriteString("id,pipeline,stage,status,created,closed,amount\n")
	h.WriteString("id,at,stage,amount\n")
	pipes := []string{"A", "B", "C", ""}
	stages := []string{"Lead", "Demo", "Proposal", "Pricing", ""}
	statuses := []string{"open", "won", "lost", "maybe"}
	for i := range n {
		id := fmt.Sprint("D", i)
		if dups && r.IntN(40) == 0 {
			id = fmt.Sprint("D", r.IntN(i+1)) // a duplicate, now and then
		}
		if r.IntN(60) == 0 {
			id = ""
		}
		p := pipes[r.IntN(len(pipes))]
		st := stages[r.IntN(len(stages))]
		status := statuses[r.IntN(len(statuses))]
		created := fmt.Sprintf("2024-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28))
		if r.IntN(50) == 0 {
			created = "2024-13-40"
		}
		closed := ""
		if status == "won" || status == "lost" {
			closed = "2025-01-15"
		}
		amount := fmt.Sprint(r.IntN(100000))
		if r.IntN(50) == 0 {
			amount = "1e9"
		}
		if r.IntN(80) == 0 {
			fmt.Fprintf(&d, "%s,%s\n", id, p) // a row cut short
			continue
		}
		fmt.Fprintf(&d, "%s,%s,%s,%s,%s,%s,%s\n", id, p, st, status, created, closed, amount)
		for k := range r.IntN(4) {
			fmt.Fprintf(&h, "%s,2024-12-%02d,%s,%d\n", id, 1+k, stages[r.IntN(3)], r.IntN(10))
		}
	}
	return d.String(), h.String()
}

func randomMapping() csvimport.Mapping {
	return csvimport.Mapping{
		Deals: csvimport.DealMapping{ID: "id", Pipeline: "pipeline", Stage: "stage", Outcome: "status",
			Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
			Created: "created", Closed: "closed", Amount: "amount", ClosedStage: "Proposal"},
		History: csvimport.HistoryMapping{DealID: "id", At: "at", Stage: "stage", Amount: "amount"},
	}
}

// TestRowsAddUp: in lenient mode every data row is kept, skipped or
// counted in another pipeline; the kept rows are the deals yielded, and
// the per-pipeline counts add up to them.
func TestRowsAddUp(t *testing.T) {
	f := exampleFunnelT(t)
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		n := r.IntN(300)
		deals, hist := randomExport(r, n, true)
		for _, ignore := range []bool{false, true} {
			m := randomMapping()
			m.Options = csvimport.Options{Mode: funnel.Lenient, IgnoreOtherPipelines: ignore}
			x, err := csvimport.Open(m, csvimport.Pipelines{"A": f, "B": f}, csvimport.File{Name: "d.csv", R: strings.NewReader(deals)},
				csvimport.File{Name: "h.csv", R: strings.NewReader(hist)})
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Collect(x.All())
			if x.Err() != nil {
				t.Fatal(x.Err())
			}
			rep := x.Report()
			ignored, perPipe := 0, 0
			for _, c := range rep.Ignored {
				ignored += c.Count
			}
			for _, c := range rep.Pipelines {
				perPipe += c.Count
			}
			lines := strings.Count(deals, "\n") - 1
			if rep.Rows != lines || rep.Rows != rep.Kept+rep.Skipped+ignored || rep.Kept != len(got) || perPipe != rep.Kept {
				t.Errorf("seed %d ignore %v: %d lines, rows %d = kept %d + skipped %d + ignored %d? %d deals, per pipeline %d",
					seed, ignore, lines, rep.Rows, rep.Kept, rep.Skipped, ignored, len(got), perPipe)
			}
			if !ignore && len(rep.Ignored) != 0 {
				t.Errorf("seed %d: ignored %v without IgnoreOtherPipelines", seed, rep.Ignored)
			}
			for _, d := range got {
				if d.Pipeline != "A" && d.Pipeline != "B" {
					t.Fatalf("deal %s in pipeline %q", d.ID, d.Pipeline)
				}
			}
			h := x.HistoryReport()
			if h.Rows != h.Kept+h.Skipped || h.Rows != strings.Count(hist, "\n")-1 {
				t.Errorf("seed %d history: rows %d kept %d skipped %d", seed, h.Rows, h.Kept, h.Skipped)
			}
		}
	}
}

// TestOnePassEqualsPipelineByPipeline: one read whose deals are fed to a
// scan per pipeline (Pipelines.Reports) gives each pipeline the report a
// read of that pipeline alone gives.
func TestOnePassEqualsPipelineByPipeline(t *testing.T) {
	f := exampleFunnelT(t)
	p := csvimport.Pipelines{"A": f, "B": f}
	opts := funnel.Options{Mode: funnel.Lenient, Workers: 2}
	for seed := range uint64(10) {
		r := rand.New(rand.NewPCG(seed, 11))
		// IDs are unique: a duplicate ID across pipelines is found only by
		// a read of both (the rows of a pipeline not read are not checked)
		deals, hist := randomExport(r, 400, false)
		open := func(p csvimport.Pipelines) *csvimport.DealReader {
			m := randomMapping()
			m.Options = csvimport.Options{Mode: funnel.Lenient, IgnoreOtherPipelines: true}
			x, err := csvimport.Open(m, p, csvimport.File{Name: "d.csv", R: strings.NewReader(deals)}, csvimport.File{Name: "h.csv", R: strings.NewReader(hist)})
			if err != nil {
				t.Fatal(err)
			}
			return x
		}
		x := open(p)
		all, err := p.Reports(x.All(), opts)
		if err != nil || x.Err() != nil {
			t.Fatal(err, x.Err())
		}
		for name, fn := range p {
			y := open(csvimport.Pipelines{name: fn})
			alone, err := funnel.Compute(fn, y.All(), opts)
			if err != nil || y.Err() != nil {
				t.Fatal(err, y.Err())
			}
			if diff := cmp.Diff(alone, all[name], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("seed %d pipeline %s (-alone +one pass):\n%s", seed, name, diff)
			}
		}
	}
}

// TestRunBy checks the routing itself: per-currency groups, errors of
// group makers and of runs, nil arguments.
func TestRunBy(t *testing.T) {
	f := exampleFunnelT(t)
	deals := []funnel.Deal{
		{ID: "1", Stage: "Lead", Currency: "EUR"}, {ID: "2", Stage: "Demo", Currency: "USD"},
		{ID: "3", Stage: "Demo", Currency: "EUR"}, {ID: "4", Stage: "Nope", Currency: "EUR"},
	}
	reports, err := csvimport.ReportsBy(slices.Values(deals), csvimport.ByCurrency, func(cur string) (*funnel.Scan, error) {
		return funnel.NewScan(f, funnel.Options{Currency: cur, Mode: funnel.Lenient})
	})
	if err != nil {
		t.Fatal(err)
	}
	if eur, usd := reports["EUR"], reports["USD"]; eur.Deals != 2 || eur.Input.Skipped.Count != 1 || usd.Deals != 1 || len(reports) != 2 {
		t.Errorf("EUR %d deals %d skipped, USD %d, %d groups", eur.Deals, eur.Input.Skipped.Count, usd.Deals, len(reports))
	}
	// strict: the run of the group with a bad deal fails, the others not
	reports, err = csvimport.ReportsBy(slices.Values(deals), csvimport.ByCurrency, func(cur string) (*funnel.Scan, error) {
		return funnel.NewScan(f, funnel.Options{Currency: cur, Workers: 1})
	})
	if err == nil || !strings.Contains(err.Error(), `group "EUR"`) || reports["USD"].Deals != 1 {
		t.Errorf("strict: %v, %+v", err, reports["USD"].Deals)
	}
	_, err = csvimport.ReportsBy(slices.Values(deals), csvimport.ByCurrency, func(cur string) (*funnel.Scan, error) {
		return nil, fmt.Errorf("no scan for %s", cur)
	})
	if err == nil || !strings.Contains(err.Error(), "no scan for EUR") {
		t.Errorf("group error: %v", err)
	}
	if _, err := csvimport.RunBy(nil, csvimport.ByPipeline, nil); err == nil {
		t.Error("nil stream")
	}
}
