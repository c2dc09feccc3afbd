package forecast_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func backtestDeals() []funnel.Deal {
	mk := func(id string, o funnel.Outcome, closed int) funnel.Deal {
		d := funnel.Deal{ID: id, Created: day(0), Amount: dec("100"), Outcome: o, Stage: "A", History: hist("A", day(0))}
		if o != funnel.Open {
			d.Closed = day(closed)
		}
		return d
	}
	// By day 10: 1 won, 3 lost -> p(A) = 1/4. Open at day 10: o1 won on
	// day 15, o2 lost on day 12, o3 still open, o4 won on day 50.
	return []funnel.Deal{mk("c1", funnel.Won, 5), mk("c2", funnel.Lost, 5), mk("c3", funnel.Lost, 6), mk("c4", funnel.Lost, 7),
		mk("o1", funnel.Won, 15), mk("o2", funnel.Lost, 12), mk("o3", funnel.Open, 0), mk("o4", funnel.Won, 50)}
}

func TestBacktestByHand(t *testing.T) {
	f := mustFunnel(t, "A")
	cut := day(10)
	got, err := forecast.Replay(scanOf(t, f, funnel.Options{}), values(backtestDeals()), forecast.BacktestOptions{Cutoffs: []time.Time{cut}, Buckets: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Outcomes: o1 1, o2 0, o4 1 (o3 unresolved): Brier = ((0.75)² +
	// (0.25)² + (0.75)²) / 3 = 1.1875/3; predicted 3 x 100 x 0.25 = 75,
	// actual 200. Bucket [0.25, 0.5) holds the three deals, 2 won.
	lvl := func(r funnel.Ratio) funnel.Rate {
		iv, _ := r.Wilson(0)
		return funnel.Rate{Ratio: r, Interval: iv}
	}
	want := forecast.CutoffReport{At: cut, Rates: []forecast.StageRate{{Stage: "A", Won: lvl(funnel.Ratio{Num: 1, Den: 4})}},
		Realized: []funnel.Rate{lvl(funnel.Ratio{Num: 2, Den: 3})},
		Scored:   3, Unresolved: 1, Predicted: dec("75"), Actual: dec("200"), Error: dec("125"), Brier: 1.1875 / 3, BrierDefined: true}
	if diff := cmp.Diff(want, got.Cutoffs[0]); diff != "" {
		t.Errorf("cutoff mismatch (-want +got):\n%s", diff)
	}
	wantB := []forecast.Bucket{
		{Lo: 0, Hi: 0.25, Observed: lvl(funnel.Ratio{})},
		{Lo: 0.25, Hi: 0.5, MeanPredicted: 0.25, Observed: lvl(funnel.Ratio{Num: 2, Den: 3})},
		{Lo: 0.5, Hi: 0.75, Observed: lvl(funnel.Ratio{})},
		{Lo: 0.75, Hi: 1, Observed: lvl(funnel.Ratio{})},
	}
	if diff := cmp.Diff(wantB, got.Calibration); diff != "" {
		t.Errorf("buckets mismatch (-want +got):\n%s", diff)
	}
	if got.Brier != 1.1875/3 || !got.BrierDefined {
		t.Errorf("Brier %v", got.Brier)
	}
	roundTripJSON(t, got)
	// Horizon 30 days, as of day 60: o4 (day 50, after day 40) and o3
	// count as not won: ((0.75)² + 3 (0.25)²) / 4 = 0.75/4.
	s60 := scanOf(t, f, funnel.Options{AsOf: day(60)})
	got, err = forecast.Replay(s60, values(backtestDeals()), forecast.BacktestOptions{Cutoffs: []time.Time{cut}, Horizon: 30 * 24 * time.Hour})
	if err != nil || got.Brier != 0.75/4 || got.Cutoffs[0].Scored != 4 || len(got.Calibration) != 10 {
		t.Errorf("horizon: Brier %v, scored %d, %v; want 0.1875, 4", got.Brier, got.Cutoffs[0].Scored, err)
	}
	roundTripJSON(t, got)
	for name, o := range map[string]struct {
		s *funnel.Scan
		o forecast.BacktestOptions
	}{
		"no cutoffs":          {s60, forecast.BacktestOptions{}},
		"cutoff after as-of":  {s60, forecast.BacktestOptions{Cutoffs: []time.Time{day(61)}}},
		"horizon past as-of":  {s60, forecast.BacktestOptions{Cutoffs: []time.Time{cut}, Horizon: 60 * 24 * time.Hour}},
		"horizon, no as-of":   {scanOf(t, f, funnel.Options{}), forecast.BacktestOptions{Cutoffs: []time.Time{cut}, Horizon: time.Hour}},
		"negative horizon":    {s60, forecast.BacktestOptions{Cutoffs: []time.Time{cut}, Horizon: -1}},
		"too many buckets":    {s60, forecast.BacktestOptions{Cutoffs: []time.Time{cut}, Buckets: forecast.MaxBuckets + 1}},
		"too many cutoffs":    {s60, forecast.BacktestOptions{Cutoffs: manyCutoffs(forecast.MaxCutoffs + 1)}},
		"zero cutoff":         {s60, forecast.BacktestOptions{Cutoffs: []time.Time{{}}}},
		"negative minsegment": {s60, forecast.BacktestOptions{Cutoffs: []time.Time{cut}, Learn: forecast.LearnOptions{MinSegment: -1}}},
	} {
		if _, err := forecast.NewBacktest(o.s, o.o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: error %v, want ErrInvalidParam", name, err)
		}
	}
}

func manyCutoffs(n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = t0.Add(time.Duration(i) * time.Minute)
	}
	return out
}

// markovDeals generates deals that move through the stages as a Markov
// chain: in stage k a deal waits an exponential time (mean 10 days), then
// goes on with probability step[k] (the last step is the win) and is lost
// otherwise. So the true probability of winning from stage k is the
// product of step[k:], whatever the deal's age.
func markovDeals(n int, seed uint64, stages []funnel.Stage, step []float64, start time.Time, span time.Duration) []funnel.Deal {
	r := rand.New(rand.NewPCG(seed, seed+1))
	deals := make([]funnel.Deal, n)
	for i := range deals {
		at := start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Second)
		d := funnel.Deal{ID: "m" + strconv.Itoa(i), Created: at, Amount: decimal.NewFromInt(100)}
		for k := range stages {
			d.History = append(d.History, funnel.StageChange{Stage: stages[k], At: at})
			at = at.Add(time.Duration(r.ExpFloat64() * 10 * 24 * float64(time.Hour))).Truncate(time.Second).Add(time.Second)
			if r.Float64() >= step[k] {
				d.Outcome = funnel.Lost
				break
			}
			if k == len(stages)-1 {
				d.Outcome = funnel.Won
			}
		}
		d.Closed = at
		d.Stage = d.History[len(d.History)-1].Stage
		deals[i] = d
	}
	return deals
}

func TestBacktestRecoversTrueProbabilities(t *testing.T) {
	stages := []funnel.Stage{"Lead", "Qualified", "Proposal", "Negotiation"}
	f := mustFunnel(t, stages...)
	step := []float64{0.5, 0.6, 0.7, 0.8}
	truth := make([]float64, len(step))
	for k := range step {
		truth[k] = 1
		for _, s := range step[k:] {
			truth[k] *= s
		}
	}
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	deals := markovDeals(4000, 7, stages, step, start, 3*365*24*time.Hour)
	cutoffs := []time.Time{start.AddDate(1, 0, 0), start.AddDate(2, 0, 0), start.AddDate(3, 0, 0)}
	s := scanOf(t, f, funnel.Options{Test: funnel.Test{Confidence: 0.99}})
	res, err := forecast.Replay(s, values(deals), forecast.BacktestOptions{Cutoffs: cutoffs})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cutoffs {
		for k, r := range c.Rates {
			if truth[k] < r.Won.Interval.Lo || truth[k] > r.Won.Interval.Hi {
				t.Errorf("cutoff %v stage %s: learned %v misses the true %.4f", c.At.Format(time.DateOnly), r.Stage, r.Won, truth[k])
			}
			if iv := c.Realized[k].Interval; iv.Defined && (truth[k] < iv.Lo || truth[k] > iv.Hi) {
				t.Errorf("cutoff %v stage %s: realized %v misses the true %.4f", c.At.Format(time.DateOnly), r.Stage, c.Realized[k], truth[k])
			}
		}
		if c.Unresolved != 0 {
			t.Errorf("cutoff %v: %d unresolved, want 0", c.At, c.Unresolved)
		}
	}
	for _, b := range res.Calibration {
		if iv := b.Observed.Interval; b.Observed.Den > 0 && (b.MeanPredicted < iv.Lo || b.MeanPredicted > iv.Hi) {
			t.Errorf("bucket [%v, %v): predicted %.4f outside observed %v", b.Lo, b.Hi, b.MeanPredicted, b.Observed)
		}
	}
	// The Brier score of the true probabilities, by brute force over the
	// deals open at each cutoff, is close to the learned one.
	var sq float64
	var n int
	for _, c := range cutoffs {
		for _, d := range deals {
			at, ok := d.At(c)
			if !ok || at.Outcome != funnel.Open {
				continue
			}
			k := slices.Index(stages, at.History[len(at.History)-1].Stage)
			y := 0.0
			if d.Outcome == funnel.Won {
				y = 1
			}
			sq += (truth[k] - y) * (truth[k] - y)
			n++
		}
	}
	if trueBrier := sq / float64(n); !res.BrierDefined || math.Abs(res.Brier-trueBrier) > 0.01 {
		t.Errorf("Brier = %v, with the true probabilities %v", res.Brier, trueBrier)
	}
}

// TestBacktestMatchesLearn checks that the rates of a cutoff are those a
// learner of a scan as of the cutoff learns: one learner.
func TestBacktestMatchesLearn(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	deals := fcDeals()
	s := scanOf(t, f, funnel.Options{AsOf: day(40)})
	res, err := forecast.Replay(s, values(deals), forecast.BacktestOptions{Cutoffs: []time.Time{day(9), day(35), day(21)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cutoffs {
		m, err := forecast.Learn(scanOf(t, f, funnel.Options{AsOf: c.At}), values(deals), forecast.LearnOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(m.Stages(), c.Rates); diff != "" {
			t.Errorf("cutoff %v: rates differ from Learn (-learn +backtest):\n%s", c.At, diff)
		}
	}
	if !slices.IsSortedFunc(res.Cutoffs, func(a, b forecast.CutoffReport) int { return a.At.Compare(b.At) }) {
		t.Error("cutoffs not in time order")
	}
}
