package onepass

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
)

// TestRun runs two deals through a tally: the report counts both; a
// failing build and a nil stream give their errors and no report.
func TestRun(t *testing.T) {
	f, err := funnel.New("A", "B")
	if err != nil {
		t.Fatal(err)
	}
	s, err := funnel.NewScan(f, funnel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	deals := slices.Values([]funnel.Deal{{ID: "1", Created: at, Stage: "A"}, {ID: "2", Created: at, Stage: "B"}})
	tally := func(s *funnel.Scan, _ int) (*funnel.Tally, error) { return funnel.NewTally(s), nil }
	reports := 0
	report := func(t *funnel.Tally) funnel.Report { reports++; return t.Report() }
	r, err := Run(s, deals, 0, tally, Always(report))
	if err != nil || r.Input.Read != 2 || r.Input.Counted != 2 || reports != 1 {
		t.Errorf("Run = %+v, %v after %d reports; want 2 deals read and counted, one report", r.Input, err, reports)
	}
	errBuild := errors.New("no build")
	failing := func(*funnel.Scan, int) (*funnel.Tally, error) { return nil, errBuild }
	if r, err := Run(s, deals, 0, failing, Always(report)); err != errBuild || r.Input.Read != 0 || reports != 1 {
		t.Errorf("failing build: %+v, %v, %d reports", r.Input, err, reports)
	}
	if r, err := Run(s, nil, 0, tally, Always(report)); !errors.Is(err, funnel.ErrInvalidParam) || r.Input.Read != 0 || reports != 1 {
		t.Errorf("nil stream: %+v, %v, %d reports", r.Input, err, reports)
	}
}
