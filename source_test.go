package funnel

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestTallySources works out by hand the deals counted per source, overall
// and per month of creation, when the scan numbers the sources of the
// deals it hands over (Scan.Run) and when it does not (Scan.Add): the
// source as of the as-of time, undated deals in the overall counts only,
// deals created after the as-of time and invalid deals in neither.
func TestTallySources(t *testing.T) {
	at := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 12, 0, 0, 0, time.UTC) }
	asOf := at(time.February, 20)
	f, err := New("A", "B")
	if err != nil {
		t.Fatal(err)
	}
	src := func(s string) Attributes { return Attributes{Source: s} }
	deals := []Deal{
		{ID: "d1", Created: at(1, 3), Stage: "A", Attrs: src("web")},
		{ID: "d2", Created: at(1, 4), Stage: "A", Outcome: Lost, Closed: at(1, 10), Attrs: src("ref")},
		{ID: "d3", Created: at(1, 5), Stage: "B", Outcome: Won, Closed: at(1, 12), Attrs: src("web")},
		// its source is "web" now, and was "event" at the as-of time
		{ID: "d4", Created: at(2, 2), Stage: "A", Attrs: src("web"), Changes: []FieldChange{
			{Field: FieldAttr, Key: AttrSource, At: at(2, 2), Text: "event"},
			{Field: FieldAttr, Key: AttrSource, At: at(2, 25), Text: "web"}}},
		{ID: "d5", Created: at(2, 5), Stage: "A"},
		{ID: "d6", Created: at(2, 22), Stage: "A", Attrs: src("partner")}, // after the as-of time
		{ID: "d7", Stage: "A", Attrs: src("ref")},                         // undated
		{ID: "d8", Created: at(2, 6), Stage: "X", Attrs: src("bad")},      // unknown stage: skipped
		{ID: "d9", Created: at(1, 6), Stage: "A", Attrs: src("web")},
	}
	wantAll := []SourceCount{{"web", 3}, {"ref", 2}, {"", 1}, {"event", 1}}
	wantByMonth := map[string][]SourceCount{
		"2025-01": {{"web", 3}, {"ref", 1}},
		"2025-02": {{"", 1}, {"event", 1}},
	}
	check := func(name string, r Report) {
		t.Helper()
		if diff := cmp.Diff(wantAll, r.BySource); diff != "" {
			t.Errorf("%s: by source (-want +got):\n%s", name, diff)
		}
		got := map[string][]SourceCount{}
		for _, p := range r.Periods {
			if len(p.BySource) > 0 {
				got[p.Label] = p.BySource
			}
		}
		if diff := cmp.Diff(wantByMonth, got); diff != "" {
			t.Errorf("%s: by source per month (-want +got):\n%s", name, diff)
		}
	}
	for _, workers := range []int{1, 2} {
		s, err := NewScan(f, Options{AsOf: asOf, Period: Month, Mode: Lenient, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		ta := NewTally(s)
		if err := s.Run(slices.Values(deals), ta); err != nil {
			t.Fatal(err)
		}
		check("Run", ta.Report())
		tb := NewTally(s)
		for _, d := range deals {
			_ = s.Add(d, tb)
		}
		check("Add", tb.Report())
	}
}

// TestTallySourcesRun checks that tallies fed by Scan.Run, on one worker
// and on two, on their own and as the segments of segmentations (by
// source, each tally seeing one source, and by owner, each seeing all),
// count the same deals per source as tallies given the deals one at a
// time by Scan.Add, which find sources by name.
func TestTallySourcesRun(t *testing.T) {
	sources := []string{"web", "referral", "event", "outbound", "partner", "", "web-2", "webinar", "ads", "social", "x"}
	owners := []string{"ana", "ben", "chen"}
	f, err := New("A", "B", "C")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)
	var deals []Deal
	for i := range 3000 {
		created := start.Add(time.Duration(i*7919%(365*24)) * time.Hour)
		d := Deal{ID: "d" + string(rune('a'+i%26)) + time.Duration(i).String(), Created: created,
			Amount: decimal.New(int64(100+i%977), -2), Stage: "A",
			Attrs: Attributes{Source: sources[(i*i+3*i)%len(sources)], Owner: owners[i%len(owners)]}}
		if i%5 == 0 {
			d.Outcome, d.Closed, d.Stage = Lost, created.Add(48*time.Hour), "B"
		}
		if i%97 == 0 {
			d.Created = time.Time{} // undated
		}
		deals = append(deals, d)
	}
	for _, workers := range []int{1, 2} {
		s, err := NewScan(f, Options{Period: Month, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		bySource, _ := NewSegments(s, SegmentOptions{Dims: []Dim{ByAttr(AttrSource)}, ByKey: true})
		byOwner, _ := NewSegments(s, SegmentOptions{Dims: []Dim{ByAttr(AttrOwner)}, ByKey: true})
		run := []Accumulator{NewTally(s), bySource, byOwner}
		if err := s.Run(slices.Values(deals), run...); err != nil {
			t.Fatal(err)
		}
		add := []Accumulator{NewTally(s), bySource.Fresh(), byOwner.Fresh()}
		for _, d := range deals {
			if err := s.Add(d, add...); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(add[0].(*Tally).Report(), run[0].(*Tally).Report()); diff != "" {
			t.Errorf("workers %d: tally (-Add +Run):\n%s", workers, diff)
		}
		for i := 1; i < 3; i++ {
			want, err := add[i].(*Segments).Report()
			if err != nil {
				t.Fatal(err)
			}
			got, err := run[i].(*Segments).Report()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("workers %d: segmentation %d (-Add +Run):\n%s", workers, i, diff)
			}
		}
	}
}
