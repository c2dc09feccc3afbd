package forecast_test

import (
	"encoding/json"
	"math"
	"os"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/shopspring/decimal"
)

// inspectExpected is what testdata/inspect_check.py computed.
type inspectExpected struct {
	Waterfall struct {
		Total    crossFlow            `json:"total"`
		Segments map[string]crossFlow `json:"segments"`
	} `json:"waterfall"`
	Risk struct {
		Thresholds []*int64          `json:"thresholds_ns"`
		Visits     []int64           `json:"visits"`
		Cycle      *int64            `json:"cycle_ns"`
		WonCycles  int64             `json:"won_cycles"`
		Open       int64             `json:"open"`
		Flagged    map[string]string `json:"flagged"`
	} `json:"risk"`
	Range      crossRange `json:"range"`
	RangeExact crossRange `json:"range_exact"`
	Scoring    struct {
		Rows          int64              `json:"rows"`
		Won           int64              `json:"won"`
		Coefficients  [][3]any           `json:"coefficients"`
		Probabilities map[string]float64 `json:"probabilities"`
	} `json:"scoring"`
}

type crossFlow struct {
	Start  [2]any   `json:"start"`
	End    [2]any   `json:"end"`
	Stayed int64    `json:"stayed"`
	Flows  [][3]any `json:"flows"`
}

type crossRange struct {
	Deals       int64    `json:"deals"`
	Won         string   `json:"won"`
	Mean        string   `json:"mean"`
	Exact       bool     `json:"exact"`
	Unit        string   `json:"unit"`
	ErrorBound  string   `json:"error_bound"`
	Points      int      `json:"points"`
	Percentiles [][2]any `json:"percentiles"`
	Quotas      [][2]any `json:"quotas"`
}

func num(v any) int64 { return int64(v.(float64)) }

func checkFlow(t *testing.T, name string, want crossFlow, got forecast.WaterfallFlow) {
	t.Helper()
	if got.StartDeals != num(want.Start[0]) || !got.StartAmount.Equal(dec(want.Start[1].(string))) || got.EndDeals != num(want.End[0]) ||
		!got.EndAmount.Equal(dec(want.End[1].(string))) || got.Stayed != want.Stayed {
		t.Errorf("%s: start %d %s end %d %s stayed %d, script %v %v %d", name, got.StartDeals, got.StartAmount, got.EndDeals, got.EndAmount, got.Stayed,
			want.Start, want.End, want.Stayed)
	}
	for i, f := range want.Flows {
		g := got.Flows[i]
		if g.Flow.String() != f[0].(string) || g.Deals != num(f[1]) || !g.Amount.Equal(dec(f[2].(string))) {
			t.Errorf("%s %s: %d %s, script %v", name, g.Flow, g.Deals, g.Amount, f)
		}
	}
}

func checkRange(t *testing.T, name string, want crossRange, got forecast.RangeReport) {
	t.Helper()
	method := forecast.RangeGrid
	if want.Exact {
		method = forecast.RangeExact
	}
	if got.Deals != want.Deals || !got.WonAmount.Equal(dec(want.Won)) || !got.Mean.Equal(dec(want.Mean)) || got.Method != method ||
		!got.Unit.Equal(dec(want.Unit)) || !got.ErrorBound.Equal(dec(want.ErrorBound)) || got.Points != want.Points {
		t.Errorf("%s: %d deals, won %s, mean %s, %v, unit %s, bound %s, %d points; script %+v", name, got.Deals, got.WonAmount, got.Mean, got.Method,
			got.Unit, got.ErrorBound, got.Points, want)
	}
	for i, p := range want.Percentiles {
		if g := got.Percentiles[i]; int64(g.Percent) != num(p[0]) || !g.Value.Equal(dec(p[1].(string))) {
			t.Errorf("%s: P%d = %s, script %v", name, g.Percent, g.Value, p)
		}
	}
	for i, q := range want.Quotas {
		if g := got.Quotas[i]; !g.Quota.Equal(dec(q[0].(string))) || math.Abs(g.Probability-q[1].(float64)) > 1e-9 {
			t.Errorf("%s: P(>= %s) = %v, script %v", name, g.Quota, g.Probability, q)
		}
	}
}

// TestInspectCrossCheck compares the waterfall, the risk flags, the
// forecast range and the win-probability model of the cross-check deals
// with testdata/inspect_check.py's own implementation of their
// definitions.
func TestInspectCrossCheck(t *testing.T) {
	b, err := os.ReadFile("testdata/inspect_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want inspectExpected
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	deals := crossDeals(t)
	s := scanOf(t, mustFunnel(t, genStages...), funnel.Options{AsOf: crossAsOf, Mode: funnel.Lenient})
	month := func(m time.Month) time.Time { return time.Date(2024, m, 1, 0, 0, 0, 0, time.UTC) }

	w, err := forecast.Flows(s, values(deals), forecast.WaterfallOptions{From: month(6), To: month(9), Close: month(8), By: []string{funnel.AttrOwner}})
	if err != nil {
		t.Fatal(err)
	}
	checkFlow(t, "total", want.Waterfall.Total, w.Total)
	if len(w.Segments) != len(want.Waterfall.Segments) {
		t.Errorf("%d segments, script %d", len(w.Segments), len(want.Waterfall.Segments))
	}
	for _, sg := range w.Segments {
		checkFlow(t, sg.Value, want.Waterfall.Segments[sg.Value], sg.Flow)
	}

	r, err := forecast.Risks(s, values(deals), forecast.RiskOptions{StallAfter: 30 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for k, st := range r.Stages {
		wt := want.Risk.Thresholds[k]
		if st.Visits != want.Risk.Visits[k] || (wt == nil) == st.Defined || (wt != nil && int64(st.Threshold) != *wt) {
			t.Errorf("%s: %d visits, threshold %v %v; script %d %v", st.Stage, st.Visits, st.Threshold, st.Defined, want.Risk.Visits[k], wt)
		}
	}
	if r.WonCycles != want.Risk.WonCycles || want.Risk.Cycle == nil || int64(r.CycleThreshold) != *want.Risk.Cycle || r.Open != want.Risk.Open {
		t.Errorf("cycle %d %v, %d open; script %d %v %d", r.WonCycles, r.CycleThreshold, r.Open, want.Risk.WonCycles, want.Risk.Cycle, want.Risk.Open)
	}
	got := map[string]string{}
	for _, d := range r.Deals {
		got[d.ID] = d.Flags.String()
	}
	if len(got) != len(want.Risk.Flagged) {
		t.Errorf("%d flagged, script %d", len(got), len(want.Risk.Flagged))
	}
	for id, f := range want.Risk.Flagged {
		if got[id] != f {
			t.Errorf("%s: flags %q, script %q", id, got[id], f)
		}
	}

	probs := map[funnel.Stage]decimal.Decimal{"Lead": dec("0.1"), "Qualified": dec("0.25"), "Proposal": dec("0.5"), "Negotiation": dec("0.7")}
	rg, err := forecast.Outlook(s, values(deals), forecast.RangeOptions{Options: forecast.Options{Probabilities: probs}, Close: month(9),
		Quotas: []decimal.Decimal{dec("20000"), dec("30000"), dec("40000")}})
	if err != nil {
		t.Fatal(err)
	}
	checkRange(t, "September", want.Range, rg)
	rg, err = forecast.Outlook(s, values(deals), forecast.RangeOptions{Options: forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{
		"Negotiation": dec("0.5"), "Proposal": dec("0.25")}}, Close: month(10), Quotas: []decimal.Decimal{dec("1000"), dec("5000")}, Cells: forecast.MaxCells})
	if err != nil {
		t.Fatal(err)
	}
	checkRange(t, "October", want.RangeExact, rg)

	sc, err := forecast.Score(s, values(deals), forecast.ScoringOptions{Attrs: []string{funnel.AttrOwner}})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Fit.Rows != want.Scoring.Rows || sc.Fit.Won != want.Scoring.Won || len(sc.Fit.Coefficients) != len(want.Scoring.Coefficients) || !sc.Fit.Converged {
		t.Fatalf("fit %+v, script %d rows %d won %d coefficients", sc.Fit, want.Scoring.Rows, want.Scoring.Won, len(want.Scoring.Coefficients))
	}
	var maxCoef, maxProb float64
	for i, c := range want.Scoring.Coefficients {
		g := sc.Fit.Coefficients[i]
		if g.Feature != c[0].(string) || g.Level != c[1].(string) {
			t.Errorf("coefficient %d: %s %s, script %v", i, g.Feature, g.Level, c)
		}
		maxCoef = max(maxCoef, math.Abs(g.Weight-c[2].(float64)))
	}
	for _, d := range sc.Deals {
		p, ok := want.Scoring.Probabilities[d.ID]
		if !ok {
			t.Errorf("%s: not scored by the script", d.ID)
			continue
		}
		maxProb = max(maxProb, math.Abs(d.Probability-p))
	}
	// L-BFGS stops at a gradient of 1e-6 per row; Newton's method to the
	// optimum
	if maxCoef > 1e-4 || maxProb > 1e-5 || len(sc.Deals) != len(want.Scoring.Probabilities) {
		t.Errorf("largest differences from the script: coefficient %.2e, probability %.2e (%d deals, script %d)", maxCoef, maxProb, len(sc.Deals), len(want.Scoring.Probabilities))
	}
	t.Logf("logistic fit against Newton's method: coefficients within %.1e, probabilities within %.1e", maxCoef, maxProb)
}
