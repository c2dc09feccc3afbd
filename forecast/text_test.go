package forecast_test

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
)

type textWriter interface{ WriteText(io.Writer) error }

type failWriter struct{ n int }

var errWrite = errors.New("write failed")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n <= 0 {
		return 0, errWrite
	}
	w.n--
	return len(p), nil
}

// results returns one result of every type, over the mixed deals.
func results(t *testing.T) map[string]textWriter {
	deals := mixedDeals(t, 200)
	s := mergeScans(t)[0]
	out := map[string]textWriter{}
	for _, c := range accCases(t, deals) {
		a := build(t, c, s, deals)
		switch a := a.(type) {
		case *forecast.Learner:
			m, err := a.Model()
			if err != nil {
				t.Fatal(err)
			}
			out[c.name] = m
		default:
			if r, ok := resultOf(t, c, a).(textWriter); ok {
				out[c.name] = r
			}
		}
	}
	c, _ := forecast.Decompose(vin(10, 1, 4, "1000", 20), vin(20, 1, 2, "500", 10))
	out["velocity"] = c
	return out
}

func TestWriteText(t *testing.T) {
	want := map[string][]string{
		"learner":          {"Stage win rates", "Negotiation", "95% CI"},
		"learner by owner": {"By owner", "ana"},
		"pipeline":         {"Weighted pipeline (learned probabilities)", "best case", "total", "skipped 17", "unknown forecast category"},
		"pipeline given":   {"given probabilities", "n/a"},
		"pipeline model":   {"model probabilities per owner"},
		"by period":        {"Expected revenue by month", "2024-09", "later", "untimed"},
		"quota":            {"Quota attainment by month and owner", "ana", "2024-06", "% exact"},
		"changes":          {"Pipeline changes from 2024-06-01", "pulled in", "increased"},
		"backtest":         {"Backtest of 2 cutoffs, horizon 60.0 days", "Calibration", "[0.80, 1.00)"},
		"velocity":         {"Pipeline velocity 125.00 -> 500.00"},
	}
	maps.Copy(want, inspectTextWant)
	for name, r := range results(t) {
		var b strings.Builder
		if err := r.WriteText(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, w := range want[name] {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: text lacks %q:\n%s", name, w, b.String())
			}
		}
		if err := r.WriteText(&failWriter{n: 1}); !errors.Is(err, errWrite) {
			t.Errorf("%s: WriteText to a failing writer = %v", name, err)
		}
	}
}

// TestResultsJSON round-trips every result type through JSON.
func TestResultsJSON(t *testing.T) {
	for name, r := range results(t) {
		t.Run(name, func(t *testing.T) {
			switch r := r.(type) {
			case forecast.PipelineReport:
				roundTripJSON(t, r)
			case forecast.PeriodReport:
				roundTripJSON(t, r)
			case forecast.QuotaReport:
				roundTripJSON(t, r)
			case forecast.ChangesReport:
				roundTripJSON(t, r)
			case forecast.BacktestReport:
				roundTripJSON(t, r)
			case forecast.VelocityChange:
				roundTripJSON(t, r)
			case *forecast.Model:
				b, err := r.MarshalJSON()
				if err != nil {
					t.Fatal(err)
				}
				var back forecast.Model
				if err := back.UnmarshalJSON(b); err != nil {
					t.Fatal(err)
				}
				if b2, _ := back.MarshalJSON(); string(b2) != string(b) {
					t.Errorf("model JSON round trip differs")
				}
			default:
				if !roundTripInspect(t, r) {
					t.Fatalf("no round trip for %T", r)
				}
			}
		})
	}
	for _, c := range []forecast.Category{forecast.CategoryPipeline, forecast.CategoryBestCase, forecast.CategoryCommit, forecast.CategoryClosed, forecast.CategoryOmitted} {
		roundTripJSON(t, c)
	}
	for _, s := range []forecast.Source{forecast.SourceLearned, forecast.SourceModel, forecast.SourceGiven} {
		roundTripJSON(t, s)
	}
	if _, err := forecast.Category(9).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) || forecast.Category(9).String() != "Category(9)" {
		t.Errorf("invalid category: %v %s", err, forecast.Category(9))
	}
	if _, err := forecast.Source(9).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) || forecast.Source(9).String() != "Source(9)" {
		t.Errorf("invalid source: %v", err)
	}
	// JSON style: snake_case, [] for empty lists, null for undefined
	p, _ := forecast.Weighted(scanOf(t, mustFunnel(t, "A"), funnel.Options{}), values(nil), forecast.Options{})
	b, _ := p.MarshalJSON()
	for _, w := range []string{`"as_of":null`, `"examples":[]`, `"source":"learned"`, `"weighted":"0"`, `"probability":null`, `"category":"closed"`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("pipeline JSON lacks %s: %s", w, b)
		}
	}
}

// TestNoAliasing mutates every slice of every result, then computes the
// results again: nothing a result holds is the accumulator's own.
func TestNoAliasing(t *testing.T) {
	deals := mixedDeals(t, 200)
	s := mergeScans(t)[0]
	for _, c := range accCases(t, deals) {
		a := build(t, c, s, deals)
		first := resultOf(t, c, a)
		want := resultOf(t, c, a)
		switch r := first.(type) {
		case forecast.PipelineReport:
			for i := range r.Stages {
				r.Stages[i].Stage, r.Stages[i].Deals = "x", -1
			}
			r.Categories[0].Deals = -1
			mutateInput(&r.Input)
		case forecast.PeriodReport:
			r.Rows[0].Dated = -1
			mutateInput(&r.Input)
		case forecast.QuotaReport:
			r.Rows[0].Key = "x"
			mutateInput(&r.Input)
		case forecast.ChangesReport:
			r.Rows[0].ID, r.Counts[0].Deals = "x", -1
			mutateInput(&r.Input)
		case forecast.BacktestReport:
			r.Cutoffs[0].Rates[0].Stage, r.Cutoffs[0].Realized[0].Num, r.Calibration[0].Lo = "x", -1, -1
			mutateInput(&r.Input)
		case learnedModel:
			r.Stages[0].Stage = "x"
			mutateInput(&r.Input)
		case []forecast.SegmentRates:
			r[0].Stages[0].Stage = "x"
		default:
			if !mutateInspect(r) {
				t.Fatalf("%s: no mutation for %T", c.name, r)
			}
		}
		if diff := cmp.Diff(want, resultOf(t, c, a), cmpOpts...); diff != "" {
			t.Errorf("%s: mutating a result changed the accumulator:\n%s", c.name, diff)
		}
	}
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	m, err := forecast.Learn(s, values(deals), forecast.LearnOptions{Segment: funnel.AttrOwner})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := m.MarshalBinary()
	m.Stages()[0].Stage = "x"
	m.Segments()[0].Stages[0].Won.Num = -1
	in := m.Input()
	mutateInput(&in)
	if after, _ := m.MarshalBinary(); string(before) != string(after) {
		t.Error("mutating the model's accessors changed the model")
	}
	if f.Stage(0) != "Lead" {
		t.Error("funnel changed")
	}
}

func mutateInput(in *funnel.Input) {
	for i := range in.Skipped.Reasons {
		in.Skipped.Reasons[i].Count = -1
	}
	for i := range in.Skipped.Examples {
		in.Skipped.Examples[i].ID = "x"
	}
}

// TestTextLabelsInZone checks that period labels are those of the scan's
// zone, also a fixed zone the zone database does not name, and after a
// JSON round trip.
func TestTextLabelsInZone(t *testing.T) {
	f := mustFunnel(t, "A")
	zone := time.FixedZone("UTC+5:30", 19800)
	s := scanOf(t, f, funnel.Options{AsOf: time.Date(2024, 3, 15, 0, 0, 0, 0, zone), Location: zone})
	r, err := forecast.Expected(s, values(nil), forecast.PeriodOptions{Periods: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(r)
	var back forecast.PeriodReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, rep := range []forecast.PeriodReport{r, back} {
		var sb strings.Builder
		_ = rep.WriteText(&sb)
		if !strings.Contains(sb.String(), "2024-03") || !strings.Contains(sb.String(), "2024-04") || strings.Contains(sb.String(), "2024-02") {
			t.Errorf("labels:\n%s", sb.String())
		}
	}
}
