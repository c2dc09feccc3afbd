package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/shopspring/decimal"
)

// The benchmarks compare the tool with the library calls it wraps, on a
// CSV export of 1,000,000 generated deals: BenchmarkTool runs the command
// (progress on, as on a terminal), BenchmarkLibrary reads the same file with
// csvimport.NewDealReader and runs the same accumulators on one scan, then
// encodes the same results as JSON. Run them one after the other:
//
//	go test ./cmd/funnel -run '^$' -bench 'Tool|Library' -benchtime 3x -count 3

const benchDeals = 1_000_000

var benchAsOf = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchExport writes the export and its mapping once per process.
func benchExport(b *testing.B) (csvPath, mappingPath string) {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "funnel-bench")
		if benchErr != nil {
			return
		}
		benchErr = writeExport(filepath.Join(benchDir, "deals.csv"), dealgen.Generate(benchDeals, 1, dealgen.Options{}))
		if benchErr != nil {
			return
		}
		m := map[string]any{
			"stages": dealgen.Stages,
			"deals": map[string]any{"id": "id", "account": "account", "source": "source", "owner": "owner",
				"created": "created", "closed": "closed", "amount": "amount", "stage": "stage",
				"won": []string{"Closed Won"}, "lost": []string{"Closed Lost"}, "stage_dates": stageCols(),
				"default_currency": "USD"},
		}
		var buf []byte
		if buf, benchErr = json.Marshal(m); benchErr == nil {
			benchErr = os.WriteFile(filepath.Join(benchDir, "mapping.json"), buf, 0o644)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return filepath.Join(benchDir, "deals.csv"), filepath.Join(benchDir, "mapping.json")
}

func stageCols() map[string]string {
	m := map[string]string{}
	for _, s := range dealgen.Stages {
		m[string(s)] = "at_" + strings.ToLower(strings.ReplaceAll(string(s), " ", "_"))
	}
	return m
}

// writeExport writes deals as a CRM export: one row per deal, the first
// entry into each stage in funnel order (later re-entries and moves back
// dropped, as a one-row-per-deal export does).
func writeExport(path string, deals []funnel.Deal) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cols := stageCols()
	w.WriteString("id,account,source,owner,created,closed,amount,stage")
	for _, s := range dealgen.Stages {
		w.WriteString("," + cols[string(s)])
	}
	w.WriteString("\n")
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	at := make([]time.Time, len(dealgen.Stages))
	for _, d := range deals {
		clear(at)
		last := -1
		for _, c := range d.History {
			k := slices.Index(dealgen.Stages, c.Stage)
			if k > last {
				at[k], last = c.At, k
			}
		}
		stage := string(dealgen.Stages[max(last, 0)])
		switch d.Outcome {
		case funnel.Won:
			stage = "Closed Won"
		case funnel.Lost:
			stage = "Closed Lost"
		}
		w.WriteString(strings.Join([]string{d.ID, d.Account, d.Attrs.Source, d.Attrs.Owner, ts(d.Created), ts(d.Closed), d.Amount.String(), stage}, ","))
		for _, t := range at {
			w.WriteString("," + ts(t))
		}
		w.WriteString("\n")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func BenchmarkTool(b *testing.B) {
	csvPath, mappingPath := benchExport(b)
	dir := b.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"trend", []string{"trend", "-format", "json"}},
		{"report", []string{"report", "-format", "json", "-html", filepath.Join(dir, "report.html")}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var stderr bytes.Buffer
			cputime.Report(b, func() {
				stderr.Reset()
				e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, errTerminal: true,
					now: time.Now}
				args := append(slices.Clone(c.args), "-mapping", mappingPath, "-as-of", benchAsOf.Format(time.DateOnly),
					"-progress", "always", csvPath)
				if code := run(args, e); code != exitOK {
					b.Fatalf("exit %d: %s", code, stderr.String())
				}
			})
			if !strings.Contains(stderr.String(), "1,000,000 rows, 0 skipped") || !strings.Contains(stderr.String(), "MB/s") {
				b.Fatalf("no progress: %q", stderr.String())
			}
		})
	}
}

func BenchmarkLibrary(b *testing.B) {
	csvPath, _ := benchExport(b)
	f, err := funnel.New(dealgen.Stages...)
	if err != nil {
		b.Fatal(err)
	}
	cols := stageCols()
	m := csvimport.DealMapping{ID: "id", Account: "account", Source: "source", Owner: "owner", Created: "created",
		Closed: "closed", Amount: "amount", Stage: "stage", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"},
		StageDates: map[funnel.Stage]string{}, DefaultCurrency: "USD"}
	for _, s := range dealgen.Stages {
		m.StageDates[s] = cols[string(s)]
	}
	s, err := funnel.NewScan(f, funnel.Options{AsOf: benchAsOf, Currency: "USD", Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	pass := func(b *testing.B, accs ...funnel.Accumulator) {
		file, err := os.Open(csvPath)
		if err != nil {
			b.Fatal(err)
		}
		defer file.Close()
		r, err := csvimport.NewDealReader(file, "deals.csv", f, m, csvimport.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Run(r.All(), accs...); err != nil {
			b.Fatal(err)
		}
		if err := r.Err(); err != nil {
			b.Fatal(err)
		}
	}
	encode := func(b *testing.B, v any) {
		if err := json.NewEncoder(io.Discard).Encode(v); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("trend", func(b *testing.B) {
		b.ReportAllocs()
		cputime.Report(b, func() {
			series, _ := trend.NewSeries(s, trend.Options{})
			pass(b, series)
			rep, err := series.Report()
			if err != nil {
				b.Fatal(err)
			}
			v, err := rep.Metric(trend.WinRate)
			if err != nil {
				b.Fatal(err)
			}
			encode(b, rep)
			encode(b, v)
		})
	})
	b.Run("report", func(b *testing.B) {
		b.ReportAllocs()
		cputime.Report(b, func() {
			tally := funnel.NewTally(s)
			series, _ := trend.NewSeries(s, trend.Options{})
			cohorts, _ := trend.NewCohorts(s, trend.CohortOptions{})
			cycle, _ := trend.NewSurvival(s, trend.SurvivalOptions{Measure: trend.Cycle})
			win, _ := trend.NewSurvival(s, trend.SurvivalOptions{Measure: trend.TimeToWin})
			pipe, _ := forecast.NewPipeline(s, forecast.Options{})
			byPeriod, _ := forecast.NewByPeriod(s, forecast.PeriodOptions{})
			log, _ := clv.NewDealLog(s)
			pass(b, tally, series, cohorts, cycle, win, pipe, byPeriod, log)
			encode(b, tally.Report())
			rep, err := series.Report()
			if err != nil {
				b.Fatal(err)
			}
			v, err := rep.Metric(trend.WinRate)
			if err != nil {
				b.Fatal(err)
			}
			encode(b, rep)
			encode(b, v)
			t, err := cohorts.Table()
			if err != nil {
				b.Fatal(err)
			}
			encode(b, t)
			encode(b, []trend.Curve{cycle.Curve(), win.Curve()})
			pr, err := pipe.Report()
			if err != nil {
				b.Fatal(err)
			}
			encode(b, pr)
			fr, err := byPeriod.Report()
			if err != nil {
				b.Fatal(err)
			}
			encode(b, fr)
			h, err := log.Historical(decimal.NewFromInt(1))
			if err != nil {
				b.Fatal(err)
			}
			encode(b, h)
			c, err := log.Cohorts()
			if err != nil {
				b.Fatal(err)
			}
			encode(b, c)
		})
	})
}

// TestMain removes the benchmarks' export when the tests end.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}
