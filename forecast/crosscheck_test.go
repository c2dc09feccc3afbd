package forecast_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// crossDeals loads the deals of testdata/crosscheck.py.
func crossDeals(t testing.TB) []funnel.Deal {
	t.Helper()
	b, err := os.ReadFile("testdata/crosscheck_deals.json")
	if err != nil {
		t.Fatal(err)
	}
	var deals []funnel.Deal
	if err := json.Unmarshal(b, &deals); err != nil {
		t.Fatal(err)
	}
	return deals
}

type crossForecast struct {
	Rates           [][2]int64 `json:"rates"`
	TimeToWinCount  []int64    `json:"time_to_win_count"`
	TimeToWinMedian []*float64 `json:"time_to_win_median"`
	Stages          []struct {
		Stage      funnel.Stage    `json:"stage"`
		Deals      int64           `json:"deals"`
		Amount     decimal.Decimal `json:"amount"`
		Weighted   decimal.Decimal `json:"weighted"`
		WeightedLo decimal.Decimal `json:"weighted_lo"`
		WeightedHi decimal.Decimal `json:"weighted_hi"`
		Overridden int64           `json:"overridden"`
		Unweighted int64           `json:"unweighted"`
	} `json:"stages"`
	Categories map[string][3]json.RawMessage `json:"categories"`
	Weighted   decimal.Decimal               `json:"weighted"`
	Skipped    int64                         `json:"skipped"`
	Periods    []struct {
		Start    time.Time       `json:"start"`
		Dated    int64           `json:"dated"`
		Expected decimal.Decimal `json:"expected"`
	} `json:"periods"`
	Later      decimal.Decimal `json:"later"`
	LaterDated int64           `json:"later_dated"`
	Untimed    decimal.Decimal `json:"untimed"`
	Overdue    int64           `json:"overdue"`
	Spread     int64           `json:"spread"`
}

type crossExpected struct {
	AsOf     time.Time     `json:"as_of"`
	Forecast crossForecast `json:"forecast"`
	ByOwner  crossForecast `json:"forecast_by_owner"`
	Backtest struct {
		Cutoffs []struct {
			At         time.Time       `json:"at"`
			Rates      [][2]int64      `json:"rates"`
			Scored     int64           `json:"scored"`
			Unresolved int64           `json:"unresolved"`
			Unweighted int64           `json:"unweighted"`
			Predicted  decimal.Decimal `json:"predicted"`
			Actual     decimal.Decimal `json:"actual"`
			Brier      *float64        `json:"brier"`
		} `json:"cutoffs"`
		Brier *float64 `json:"brier"`
	} `json:"backtest"`
	Changes struct {
		Rows         int64    `json:"rows"`
		Counts       [][4]any `json:"counts"`
		OpenFrom     [2]any   `json:"open_from"`
		OpenTo       [2]any   `json:"open_to"`
		Unchanged    int64    `json:"unchanged"`
		ClosedBefore int64    `json:"closed_before"`
		CreatedAfter int64    `json:"created_after"`
	} `json:"changes"`
}

// TestCrossCheck compares the analyses with the figures the independent
// Python implementation (testdata/crosscheck.py) computes from the same
// deals.
func TestCrossCheck(t *testing.T) {
	deals := crossDeals(t)
	b, err := os.ReadFile("testdata/crosscheck_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want crossExpected
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	s := scanOf(t, f, funnel.Options{AsOf: want.AsOf, Mode: funnel.Lenient})
	check := func(name string, w crossForecast, opts forecast.Options) {
		p, err := forecast.Weighted(s, values(deals), opts)
		if err != nil {
			t.Fatal(err)
		}
		bp, err := forecast.Expected(s, values(deals), forecast.PeriodOptions{Options: opts, Periods: 6})
		if err != nil {
			t.Fatal(err)
		}
		model, err := forecast.Learn(s, values(deals), opts.Learn)
		if err != nil {
			t.Fatal(err)
		}
		got := w // start from the expected and overwrite what the package computes
		got.Rates, got.TimeToWinCount, got.TimeToWinMedian = nil, nil, nil
		for _, r := range model.Stages() {
			got.Rates = append(got.Rates, [2]int64{r.Won.Num, r.Won.Den})
			tw := model.TimeToWin(r.Stage)
			got.TimeToWinCount = append(got.TimeToWinCount, tw.Count)
			var med *float64
			if tw.Count > 0 {
				v := tw.Median.Seconds()
				med = &v
			}
			got.TimeToWinMedian = append(got.TimeToWinMedian, med)
		}
		for k, r := range p.Stages {
			st := &got.Stages[k]
			st.Stage, st.Deals, st.Amount, st.Weighted, st.WeightedLo, st.WeightedHi = r.Stage, r.Deals, r.Amount, r.Weighted, r.WeightedLo, r.WeightedHi
			st.Overridden, st.Unweighted = r.Overridden, r.Unweighted
		}
		got.Categories = map[string][3]json.RawMessage{}
		for _, c := range p.Categories {
			n, _ := json.Marshal(c.Deals)
			a, _ := json.Marshal(c.Amount)
			wt, _ := json.Marshal(c.Weighted)
			got.Categories[c.Category.String()] = [3]json.RawMessage{n, a, wt}
		}
		got.Weighted, got.Skipped = p.Weighted, p.Input.Skipped.Count
		for j, r := range bp.Rows {
			got.Periods[j].Start, got.Periods[j].Dated, got.Periods[j].Expected = r.Start, r.Dated, r.Expected
		}
		got.Later, got.LaterDated, got.Untimed, got.Overdue, got.Spread = bp.Later, bp.LaterDated, bp.UntimedExpected, bp.Overdue, bp.Spread
		rawDec := cmp.Comparer(func(a, b json.RawMessage) bool {
			var x, y decimal.Decimal
			if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
				return string(a) == string(b)
			}
			return x.Equal(y)
		})
		if diff := cmp.Diff(w, got, rawDec); diff != "" {
			t.Errorf("%s differs from crosscheck.py (-python +go):\n%s", name, diff)
		}
		if !bp.Expected.Equal(p.Weighted) {
			t.Errorf("%s: by period %v, pipeline %v", name, bp.Expected, p.Weighted)
		}
	}
	check("forecast", want.Forecast, forecast.Options{})
	check("forecast by owner", want.ByOwner, forecast.Options{Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 5}})

	var cutoffs []time.Time
	for _, c := range want.Backtest.Cutoffs {
		cutoffs = append(cutoffs, c.At)
	}
	bt, err := forecast.Replay(s, values(deals), forecast.BacktestOptions{Cutoffs: cutoffs})
	if err != nil {
		t.Fatal(err)
	}
	got := want.Backtest
	got.Cutoffs = append(got.Cutoffs[:0:0], got.Cutoffs...)
	for i, c := range bt.Cutoffs {
		g := &got.Cutoffs[i]
		g.At, g.Scored, g.Unresolved, g.Unweighted, g.Predicted, g.Actual = c.At, c.Scored, c.Unresolved, c.Unweighted, c.Predicted, c.Actual
		g.Rates = nil
		for _, r := range c.Rates {
			g.Rates = append(g.Rates, [2]int64{r.Won.Num, r.Won.Den})
		}
		g.Brier = nil
		if c.BrierDefined {
			v := c.Brier
			g.Brier = &v
		}
	}
	got.Brier = &bt.Brier
	approx := cmp.Comparer(func(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 })
	if diff := cmp.Diff(want.Backtest, got, approx); diff != "" {
		t.Errorf("backtest differs from crosscheck.py (-python +go):\n%s", diff)
	}

	ch, err := forecast.ChangesBetween(s, values(deals), forecast.ChangeOptions{From: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	gc := want.Changes
	gc.Counts = nil
	for _, c := range ch.Counts {
		gc.Counts = append(gc.Counts, [4]any{c.Change.String(), float64(c.Deals), c.Amount.String(), c.Delta.String()})
	}
	gc.Rows, gc.Unchanged, gc.ClosedBefore, gc.CreatedAfter = int64(len(ch.Rows)), ch.Unchanged, ch.ClosedBefore, ch.CreatedAfter
	gc.OpenFrom = [2]any{float64(ch.OpenFrom), ch.OpenFromAmount.String()}
	gc.OpenTo = [2]any{float64(ch.OpenTo), ch.OpenToAmount.String()}
	decStr := cmp.Comparer(func(a, b string) bool {
		x, e1 := decimal.NewFromString(a)
		y, e2 := decimal.NewFromString(b)
		if e1 != nil || e2 != nil {
			return a == b
		}
		return x.Equal(y)
	})
	if diff := cmp.Diff(want.Changes, gc, decStr); diff != "" {
		t.Errorf("changes differ from crosscheck.py (-python +go):\n%s", diff)
	}
}
