package csvimport_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
)

// Three ways a CRM export gave quietly wrong figures, each now impossible
// or reported.

// TestOtherPipelineNeverJoins: the closed deals of a HubSpot export's
// second pipeline (Renewals) must never land in the funnel of the first.
func TestOtherPipelineNeverJoins(t *testing.T) {
	tr := loadTruth(t, "hubspot")
	all := pipelinesOf(t, tr)
	sales := csvimport.Pipelines{"Sales Pipeline": all["Sales Pipeline"]}
	hub := crmSamples[0]

	// Reading one pipeline's funnel: the first deal of the other is an
	// error that names the pipeline and what to do.
	x, done := openSample(t, hub, sales, nil)
	n := 0
	for range x.All() {
		n++
	}
	done()
	var pe *csvimport.ParseError
	if !errors.As(x.Err(), &pe) || !errors.Is(pe, csvimport.ErrPipeline) || pe.Column != "Pipeline" ||
		!strings.Contains(pe.Error(), `"Renewals"`) || !strings.Contains(pe.Error(), "IgnoreOtherPipelines") {
		t.Fatalf("strict read of one pipeline: %d deals, %v", n, x.Err())
	}

	// Asking for one pipeline: the other's rows are counted apart.
	x, done = openSample(t, hub, sales, func(m *csvimport.Mapping) { m.Options.IgnoreOtherPipelines = true })
	defer done()
	deals := slices.Collect(x.All())
	if x.Err() != nil {
		t.Fatal(x.Err())
	}
	rep := x.Report()
	want := []csvimport.Reason{{Reason: "Renewals", Count: 110}}
	if diff := cmp.Diff(want, rep.Ignored); diff != "" || rep.Rows != 300 || rep.Kept != 190 {
		t.Errorf("ignored (-want +got):\n%s\nrows %d kept %d", diff, rep.Rows, rep.Kept)
	}
	won, lost := 0, 0
	for _, d := range deals {
		if d.Pipeline != "Sales Pipeline" {
			t.Fatalf("deal %s of pipeline %q read", d.ID, d.Pipeline)
		}
		switch d.Outcome {
		case funnel.Won:
			won++
		case funnel.Lost:
			lost++
		}
	}
	if p := tr.Pipelines[0]; len(deals) != p.Deals || won != p.Won || lost != p.Lost {
		t.Errorf("Sales Pipeline: %d deals, %d won, %d lost; truth %d, %d, %d", len(deals), won, lost, p.Deals, p.Won, p.Lost)
	}

	// The way that went wrong: one funnel, no pipeline column, the closed
	// deals' stage from ClosedStage. It is no longer silent: the report
	// says that the file's Pipeline column is not read (for every row),
	// and counts the closed deals given ClosedStage: the 103 closed
	// Renewals deals. Of the 7 open ones, the 2 in Renewal Upcoming are
	// errors naming their stage; the 5 in stages whose names both
	// pipelines use are read, as the note warns.
	f := all["Sales Pipeline"]
	m := csvimport.DealMapping{ID: "Record ID", Stage: "Deal Stage", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"},
		Created: "Create Date", CloseDate: "Close Date", ClosedStage: "Contract Sent", StageDates: map[funnel.Stage]string{}}
	for s := range f.Stages() {
		m.StageDates[s] = `Date entered "` + string(s) + ` (Sales Pipeline)"`
	}
	file, err := os.Open(filepath.Join(crmDir, "hubspot", "deals.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	loc := mustLoad(t, "America/New_York")
	_, r2, err := csvimport.ReadDeals(file, "deals.csv", f, m, csvimport.Options{Mode: funnel.Lenient, Location: loc,
		Layouts: csvimport.HubSpot().Options.Layouts})
	if err != nil {
		t.Fatal(err)
	}
	renewals := tr.Pipelines[1]
	if got := noteCount(r2.Notes, csvimport.NoteClosedStage); got != renewals.Won+renewals.Lost {
		t.Errorf("closed deals given ClosedStage: %d, want the %d closed Renewals deals; notes %v", got, renewals.Won+renewals.Lost, r2.Notes)
	}
	if r2.Skipped != 2 || !strings.Contains(r2.Examples[0].Error(), `unknown stage "Renewal Upcoming"`) {
		t.Errorf("skipped %d: %v", r2.Skipped, r2.Examples)
	}
	if got := noteCount(r2.Notes, fmt.Sprintf(csvimport.NoteUnreadPipeline, "Pipeline")); got != 300 {
		t.Errorf("unread pipeline column noted on %d rows: %v", got, r2.Notes)
	}
}

func noteCount(notes []csvimport.Reason, note string) int {
	for _, n := range notes {
		if n.Reason == note {
			return n.Count
		}
	}
	return 0
}

// TestAmountEditsAreNoStageEntries: the Salesforce Opportunity History
// report has a row for every save of stage, amount, probability or close
// date; only the stage changes may become stage entries. The time in stage
// then matches truth.json (TestCRMSamples); here, the rows themselves.
func TestAmountEditsAreNoStageEntries(t *testing.T) {
	tr := loadTruth(t, "salesforce")
	p := pipelinesOf(t, tr)
	x, done := openSample(t, crmSamples[1], p, nil)
	defer done()
	deals := slices.Collect(x.All())
	if x.Err() != nil {
		t.Fatal(x.Err())
	}
	entries, amounts := 0, 0
	for _, d := range deals {
		for i := 1; i < len(d.History); i++ {
			if d.History[i].Stage == d.History[i-1].Stage {
				t.Fatalf("deal %s enters %q twice in a row: %v", d.ID, d.History[i].Stage, d.History)
			}
		}
		entries += len(d.History)
		for _, c := range d.Changes {
			if c.Field == funnel.FieldAmount {
				amounts++
			}
		}
	}
	// testdata/crm/salesforce: 2,657 rows = 400 creations + 1,327 stage
	// changes (976 into open stages, 351 closes) + 930 saves of other
	// fields only (counted with Python's csv module: From Stage = Stage).
	h := x.HistoryReport().History
	if entries != 400+976 || h.Entries != entries || h.Closes != 351 || h.Unchanged != 930 {
		t.Errorf("entries %d (history %d), closes %d, unchanged %d", entries, h.Entries, h.Closes, h.Unchanged)
	}
	if amounts == 0 || noteCount(h.FieldChanges, "amount") != amounts {
		t.Errorf("amount history: %d changes on deals, %v in the report", amounts, h.FieldChanges)
	}

	// A plain stage-change log read of the same kind of rows drops the
	// repeats and says so.
	log := "id,stage,at\nA,Lead,2024-01-01\nA,Lead,2024-01-02\nA,Demo,2024-01-03\nA,Demo,2024-01-05\n"
	ch, rep, err := csvimport.ReadChanges(strings.NewReader(log), "log.csv", exampleFunnelT(t), csvimport.ChangeMapping{DealID: "id", Stage: "stage", At: "at"}, csvimport.Options{})
	if err != nil || len(ch["A"]) != 2 || noteCount(rep.Notes, csvimport.NoteRepeatedStage) != 2 {
		t.Errorf("repeated stages: %v %v %v", ch, rep, err)
	}
}

// TestInOrderLeavesOutSaid: under the default in-order policy, the won row
// of an export whose won deals skipped stages counts fewer deals than were
// won; the report says how many, where, and why, in its text too.
func TestInOrderLeavesOutSaid(t *testing.T) {
	tr := loadTruth(t, "hubspot")
	p := pipelinesOf(t, tr)
	x, done := openSample(t, crmSamples[0], p, nil)
	defer done()
	reports, err := p.Reports(x.All(), funnel.Options{})
	if err != nil || x.Err() != nil {
		t.Fatal(err, x.Err())
	}
	pt := tr.Pipelines[0] // Sales Pipeline: 75 won, 40 of them through every stage in order
	r := reports[pt.Pipeline]
	won := r.Funnel[len(r.Funnel)-1]
	if r.Won != int64(pt.Won) || won.Reached != int64(pt.WonInOrder) || won.Entered != int64(pt.Won) {
		t.Fatalf("won %d, won row reached %d entered %d; truth %d won, %d in order", r.Won, won.Reached, won.Entered, pt.Won, pt.WonInOrder)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	left := pt.Won - pt.WonInOrder
	for _, want := range []string{"Policy in-order leaves out", " won " + itoa(left) + " ", "the any-stage policy counts them"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
	if r.PolicyExcluded() < int64(left) {
		t.Errorf("PolicyExcluded %d < %d", r.PolicyExcluded(), left)
	}
}
