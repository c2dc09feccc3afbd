package csvimport_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
)

// The errors of an attached history's entries name the line of the
// history file that holds the entry, whatever stands before it in the
// deal's history: its first stage (FromStage, an entry at creation) and
// close events, which are not entries.
func TestAttachErrorLines(t *testing.T) {
	f := exampleFunnelT(t)
	deals := "id,stage,status,created,closed\n1,Demo,won,2024-01-01 09:00,2024-01-10 09:00\n"
	m := csvimport.Mapping{
		Deals: csvimport.DealMapping{ID: "id", Stage: "stage", Outcome: "status", Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
			Created: "created", Closed: "closed"},
		History: csvimport.HistoryMapping{DealID: "id", At: "at", Stage: "stage", FromStage: "from", Won: []string{"Won"}},
		Options: csvimport.Options{Layouts: []string{"2006-01-02 15:04"}},
	}
	tests := []struct {
		name, hist string
		line       int
		col        string
		err        error
	}{
		// entries: Lead (from, at creation), Demo (line 2), Proposal
		// (line 4, after the close of the 10th); line 3 is a close event
		{"after a close event", "id,at,stage,from\n1,2024-01-03 09:00,Demo,Lead\n1,2024-01-05 09:00,Won,\n1,2024-01-20 09:00,Proposal,\n",
			4, "at", funnel.ErrClosedBeforeCreated},
		// the first entry of the file, before the creation, is the
		// history's second
		{"after the first stage", "id,at,stage,from\n1,2023-12-20 09:00,Demo,Lead\n1,2024-01-05 09:00,Proposal,\n",
			2, "at", nil},
		{"unknown stage after a close event", "id,at,stage,from\n1,2024-01-02 09:00,Won,Lead\n1,2024-01-03 09:00,Pitch,\n",
			3, "stage", funnel.ErrUnknownStage},
		{"unknown first stage", "id,at,stage,from\n1,2024-01-02 09:00,Demo,Pitch\n",
			2, "from", funnel.ErrUnknownStage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := csvimport.Open(m, csvimport.Pipelines{"P": f}, csvimport.File{Name: "deals.csv", R: strings.NewReader(deals)},
				csvimport.File{Name: "hist.csv", R: strings.NewReader(tt.hist)})
			if err != nil {
				t.Fatal(err)
			}
			for range x.All() {
			}
			var pe *csvimport.ParseError
			if !errors.As(x.Err(), &pe) {
				t.Fatalf("got %v, want a ParseError", x.Err())
			}
			if got, want := [3]any{pe.File, pe.Line, pe.Column}, [3]any{"hist.csv", tt.line, tt.col}; got != want {
				t.Errorf("error at %v, want %v: %v", got, want, pe)
			}
			if tt.err != nil && !errors.Is(pe, tt.err) {
				t.Errorf("error %v, want %v", pe, tt.err)
			}
		})
	}
}

// A stage text of the history is resolved in each deal's own pipeline:
// the same text is a stage of one funnel and an error in another, for
// every deal that has it.
func TestAttachStagesPerPipeline(t *testing.T) {
	p, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		t.Fatal(err)
	}
	q, err := funnel.New("Lead", "Pitch")
	if err != nil {
		t.Fatal(err)
	}
	deals := "id,pipe,created\n1,P,2024-01-01 09:00\n2,Q,2024-01-01 09:00\n3,P,2024-01-01 09:00\n4,Q,2024-01-01 09:00\n5,Q,2024-01-01 09:00\n"
	hist := "id,at,stage\n" +
		"1,2024-01-01 09:00,Lead\n1,2024-01-02 09:00,Demo\n" + // lines 2, 3
		"2,2024-01-01 09:00,Lead\n2,2024-01-02 09:00,Demo\n" + // 4, 5: no Demo in Q
		"3,2024-01-01 09:00,Demo\n" + // 6
		"4,2024-01-01 09:00,Lead\n4,2024-01-02 09:00,Pitch\n" + // 7, 8
		"5,2024-01-03 09:00,Demo\n" // 9: no Demo in Q
	m := csvimport.Mapping{
		Deals:   csvimport.DealMapping{ID: "id", Stage: "stage", Pipeline: "pipe", Created: "created", Defaults: map[string]string{"stage": ""}},
		History: csvimport.HistoryMapping{DealID: "id", At: "at", Stage: "stage"},
		Options: csvimport.Options{Layouts: []string{"2006-01-02 15:04"}, Mode: funnel.Lenient},
	}
	x, err := csvimport.Open(m, csvimport.Pipelines{"P": p, "Q": q}, csvimport.File{Name: "deals.csv", R: strings.NewReader(deals)},
		csvimport.File{Name: "hist.csv", R: strings.NewReader(hist)})
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		stage funnel.Stage
		day   int
	}
	type deal struct {
		id, pipe string
		history  []entry
	}
	var got []deal
	for d := range x.All() {
		g := deal{id: d.ID, pipe: d.Pipeline}
		for _, e := range d.History {
			g.history = append(g.history, entry{e.Stage, e.At.Day()})
		}
		got = append(got, g)
	}
	if x.Err() != nil {
		t.Fatal(x.Err())
	}
	want := []deal{
		{"1", "P", []entry{{"Lead", 1}, {"Demo", 2}}},
		{"3", "P", []entry{{"Demo", 1}}},
		{"4", "Q", []entry{{"Lead", 1}, {"Pitch", 2}}},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(deal{}, entry{})); diff != "" {
		t.Errorf("deals (-want +got):\n%s", diff)
	}
	var lines []int
	for _, e := range x.Report().Examples {
		if e.File != "hist.csv" || e.Column != "stage" || !errors.Is(e, funnel.ErrUnknownStage) {
			t.Errorf("unexpected error %v", e)
		}
		lines = append(lines, e.Line)
	}
	if want := []int{5, 9}; !slices.Equal(lines, want) {
		t.Errorf("errors on lines %v, want %v", lines, want)
	}
}
