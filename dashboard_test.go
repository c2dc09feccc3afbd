package funnel_test

import (
	"bytes"
	"encoding/csv"
	"iter"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// A dashboard is the analyses of one page: the report, breakdowns by
// source and by owner, the weighted pipeline, a monthly trend and the
// sales-cycle survival curve, all on one scan.
type dashboard struct {
	report          *funnel.Tally
	bySource, byRep *funnel.Segments
	pipeline        *forecast.Pipeline
	monthly         *trend.Series
	cycle           *trend.Survival
	accs            []funnel.Accumulator
}

func newDashboard(t testing.TB, s *funnel.Scan) *dashboard {
	t.Helper()
	d := &dashboard{report: funnel.NewTally(s)}
	var err error
	if d.bySource, err = funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}}); err != nil {
		t.Fatal(err)
	}
	if d.byRep, err = funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}}); err != nil {
		t.Fatal(err)
	}
	if d.pipeline, err = forecast.NewPipeline(s, forecast.Options{}); err != nil {
		t.Fatal(err)
	}
	if d.monthly, err = trend.NewSeries(s, trend.Options{}); err != nil {
		t.Fatal(err)
	}
	if d.cycle, err = trend.NewSurvival(s, trend.SurvivalOptions{Measure: trend.Cycle}); err != nil {
		t.Fatal(err)
	}
	d.accs = []funnel.Accumulator{d.report, d.bySource, d.byRep, d.pipeline, d.monthly, d.cycle}
	return d
}

// writeCSV writes deals as a CRM-like export: one row per deal with its
// stage dates.
func writeCSV(deals []funnel.Deal) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"id", "source", "owner", "created", "closed", "amount", "currency", "stage"}
	for _, s := range dealgen.Stages {
		head = append(head, "entered "+string(s))
	}
	_ = w.Write(head)
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, d := range deals {
		stage := string(d.Stage)
		if d.Outcome == funnel.Won {
			stage = "Closed Won"
		} else if d.Outcome == funnel.Lost {
			stage = "Closed Lost"
		}
		row := []string{d.ID, d.Attrs.Source, d.Attrs.Owner, ts(d.Created), ts(d.Closed), d.Amount.String(), d.Currency, stage}
		for _, s := range dealgen.Stages {
			var at time.Time
			for _, c := range d.History {
				if c.Stage == s && at.IsZero() {
					at = c.At
				}
			}
			row = append(row, ts(at))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

// dashboardDeals are deals whose stage dates a one-row-per-deal export can
// carry: each stage entered at most once, in funnel order.
func dashboardDeals(n int) []funnel.Deal {
	deals := dealgen.Generate(n, 17, dealgen.Options{})
	for i := range deals {
		d := &deals[i]
		var h []funnel.StageChange
		for _, c := range d.History {
			if len(h) == 0 || idx(c.Stage) > idx(h[len(h)-1].Stage) {
				h = append(h, c)
			}
		}
		d.History = h
		d.Stage = h[len(h)-1].Stage
	}
	return deals
}

func idx(s funnel.Stage) int { return slices.Index(dealgen.Stages, s) }

func readExport(t testing.TB, data []byte, f *funnel.Funnel) (*csvimport.DealReader, iter.Seq[funnel.Deal]) {
	t.Helper()
	m := csvimport.DealMapping{ID: "id", Source: "source", Owner: "owner", Created: "created", Closed: "closed",
		Amount: "amount", Currency: "currency", Stage: "stage", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"},
		StageDates: map[funnel.Stage]string{}}
	for _, s := range dealgen.Stages {
		m.StageDates[s] = "entered " + string(s)
	}
	r, err := csvimport.NewDealReader(bytes.NewReader(data), "deals.csv", f, m, csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r, r.All()
}

// TestDashboardOnePass reads a CSV export once, feeds every analysis of a
// dashboard in one pass on two workers, and checks each result against the
// same analysis computed on its own, from its own read of the file.
func TestDashboardOnePass(t *testing.T) {
	f := dealgen.Funnel()
	data := writeCSV(dashboardDeals(3000))
	opts := funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Workers: 2}
	s := scanOf(t, f, opts)
	d := newDashboard(t, s)
	r, deals := readExport(t, data, f)
	if err := s.Run(deals, d.accs...); err != nil {
		t.Fatal(err)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if rep := r.Report(); rep.Rows != 3000 || rep.Kept != 3000 {
		t.Fatalf("read %d rows, kept %d", rep.Rows, rep.Kept)
	}
	// each analysis alone, from its own read of the file, on one worker
	s1 := scanOf(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: opts.AsOf, Workers: 1})
	alone2 := func(a funnel.Accumulator) {
		_, deals := readExport(t, data, f)
		if err := s1.Run(deals, a); err != nil {
			t.Fatal(err)
		}
	}
	tally := funnel.NewTally(s1)
	alone2(tally)
	if diff := cmp.Diff(tally.Report(), d.report.Report(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("report (-alone +dashboard):\n%s", diff)
	}
	for key, dash := range map[string]*funnel.Segments{funnel.AttrSource: d.bySource, funnel.AttrOwner: d.byRep} {
		seg, _ := funnel.NewSegments(s1, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(key)}})
		alone2(seg)
		want, err1 := seg.Report()
		got, err2 := dash.Report()
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("by %s (-alone +dashboard):\n%s", key, diff)
		}
	}
	p, _ := forecast.NewPipeline(s1, forecast.Options{})
	alone2(p)
	wantP, _ := p.Report()
	gotP, _ := d.pipeline.Report()
	if diff := cmp.Diff(wantP, gotP, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("pipeline (-alone +dashboard):\n%s", diff)
	}
	m, _ := trend.NewSeries(s1, trend.Options{})
	alone2(m)
	wantM, _ := m.Report()
	gotM, _ := d.monthly.Report()
	if diff := cmp.Diff(wantM, gotM, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("monthly trend (-alone +dashboard):\n%s", diff)
	}
	c, _ := trend.NewSurvival(s1, trend.SurvivalOptions{Measure: trend.Cycle})
	alone2(c)
	if diff := cmp.Diff(c.Curve(), d.cycle.Curve()); diff != "" {
		t.Errorf("cycle survival (-alone +dashboard):\n%s", diff)
	}
}

// BenchmarkDashboard runs the whole dashboard over 1,000,000 generated
// deals in one pass, on one worker and on two.
func BenchmarkDashboard(b *testing.B) {
	deals := dealgen.Generate(1_000_000, 1, dealgen.Options{})
	f := dealgen.Funnel()
	for _, w := range []int{1, 2} {
		s := scanOf(b, f, funnel.Options{AsOf: benchAsOf, Currency: "USD", Workers: w})
		b.Run("workers="+strconv.Itoa(w), func(b *testing.B) {
			b.ReportAllocs()
			cputime.Report(b, func() {
				d := newDashboard(b, s)
				if err := s.Run(slices.Values(deals), d.accs...); err != nil {
					b.Fatal(err)
				}
				_ = d.report.Report()
				if _, err := d.bySource.Report(); err != nil {
					b.Fatal(err)
				}
				if _, err := d.byRep.Report(); err != nil {
					b.Fatal(err)
				}
				if _, err := d.pipeline.Report(); err != nil {
					b.Fatal(err)
				}
				if _, err := d.monthly.Report(); err != nil {
					b.Fatal(err)
				}
				_ = d.cycle.Curve()
			})
		})
	}
}
