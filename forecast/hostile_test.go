package forecast_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/shopspring/decimal"
)

// TestSegmentCaps checks that more than MaxSegments values of the segment
// attribute make the pipeline and the backtest an error, not unbounded
// memory.
func TestSegmentCaps(t *testing.T) {
	f := mustFunnel(t, "A")
	s := scanOf(t, f, funnel.Options{AsOf: day(10)})
	deals := make([]funnel.Deal, 0, forecast.MaxSegments+1)
	for i := range forecast.MaxSegments + 1 {
		deals = append(deals, funnel.Deal{ID: "d" + strconv.Itoa(i), Created: day(0), Stage: "A", Amount: dec("1"), Attrs: funnel.Attributes{Owner: strconv.Itoa(i)}})
	}
	opts := forecast.Options{Learn: forecast.LearnOptions{Segment: funnel.AttrOwner}}
	if _, err := forecast.Weighted(s, values(deals[:forecast.MaxSegments]), opts); err != nil {
		t.Errorf("pipeline at the cap: %v", err)
	}
	if _, err := forecast.Weighted(s, values(deals), opts); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("pipeline past the cap: %v", err)
	}
	// split in two halves and merged: the same error
	a, _ := forecast.NewPipeline(s, opts)
	b, _ := forecast.NewPipeline(s, opts)
	_ = s.Run(values(deals[:6000]), a)
	_ = s.Run(values(deals[6000:]), b)
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Report(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("merged pipeline past the cap: %v", err)
	}
	bt := forecast.BacktestOptions{Cutoffs: []time.Time{day(5)}, Learn: forecast.LearnOptions{Segment: funnel.AttrOwner}}
	if _, err := forecast.Replay(s, values(deals), bt); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("backtest past the cap: %v", err)
	}
	if _, err := forecast.Replay(s, values(deals[1:]), bt); err != nil {
		t.Errorf("backtest at the cap: %v", err)
	}
}

func TestByPeriodHugeAmounts(t *testing.T) {
	f := mustFunnel(t, "A")
	asOf := day(0)
	won := func(id string, days int) funnel.Deal {
		return funnel.Deal{ID: id, Created: day(-100), Amount: dec("1"), Outcome: funnel.Won, Closed: day(-100 + days), History: hist("A", day(-100))}
	}
	// samples 10 and 50 days; the open deal entered A at the as-of time:
	// half in January, half in February, of 10^30 + 0.01 at p = 1.
	deals := []funnel.Deal{won("w1", 10), won("w2", 50),
		{ID: "o", Created: asOf, Amount: dec("1000000000000000000000000000000.01"), History: hist("A", asOf)}}
	got, err := forecast.Expected(scanOf(t, f, funnel.Options{AsOf: asOf}), values(deals), forecast.PeriodOptions{Periods: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Rows[0].Expected.Equal(dec("500000000000000000000000000000.005")) || !got.Rows[1].Expected.Equal(dec("500000000000000000000000000000.005")) ||
		!got.Expected.Equal(dec("1000000000000000000000000000000.01")) {
		t.Errorf("huge: %v %v total %v", got.Rows[0].Expected, got.Rows[1].Expected, got.Expected)
	}
}

func TestBacktestAsOf(t *testing.T) {
	f := mustFunnel(t, "A")
	// As of day 20, o4 (won on day 50) is still open: unresolved, not a
	// win; o1 and o2 are scored.
	got, err := forecast.Replay(scanOf(t, f, funnel.Options{AsOf: day(20)}), values(backtestDeals()), forecast.BacktestOptions{Cutoffs: []time.Time{day(10)}})
	if err != nil {
		t.Fatal(err)
	}
	c := got.Cutoffs[0]
	if c.Scored != 2 || c.Unresolved != 2 || !c.Actual.Equal(dec("100")) || !c.Predicted.Equal(dec("50")) {
		t.Errorf("as of day 20: scored %d unresolved %d actual %v predicted %v; want 2, 2, 100, 50", c.Scored, c.Unresolved, c.Actual, c.Predicted)
	}
}

func TestOneDeal(t *testing.T) {
	f := mustFunnel(t, "A")
	d := funnel.Deal{ID: "only", Created: day(0), Stage: "A", Amount: decimal.NewFromInt(7), ExpectedClose: day(3)}
	s := scanOf(t, f, funnel.Options{AsOf: day(1)})
	p, err := forecast.Weighted(s, values([]funnel.Deal{d}), forecast.Options{})
	if err != nil || p.Unweighted != 1 || !p.UnweightedAmount.Equal(dec("7")) || !p.Weighted.IsZero() || p.Stages[0].Probability.Valid {
		t.Errorf("one open deal, nothing learned: %+v, %v", p.Stages[0], err)
	}
	e, err := forecast.Expected(s, values([]funnel.Deal{d}), forecast.PeriodOptions{})
	if err != nil || e.Unweighted != 1 || !e.Expected.IsZero() {
		t.Errorf("one open deal by period: %+v, %v", e, err)
	}
	m, err := forecast.Learn(s, values([]funnel.Deal{d}), forecast.LearnOptions{})
	if err != nil || m.Stages()[0].Won.Den != 0 || m.Stages()[0].Won.Interval.Defined {
		t.Errorf("one open deal learned: %+v, %v", m.Stages(), err)
	}
}
