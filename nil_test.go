package funnel_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/drivers"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/plan"
	"github.com/funnelmetrics/funnel/pulse"
	"github.com/funnelmetrics/funnel/target"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// call runs f and returns its error, or an error naming the panic.
func call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// TestMergeNil merges every accumulator of the library with nil, a typed
// nil and a zero value, both ways: each must return an error wrapping
// ErrInvalidParam, never panic, and leave the accumulator as it was.
func TestMergeNil(t *testing.T) {
	f, err := funnel.New("Lead", "Demo")
	if err != nil {
		t.Fatal(err)
	}
	s, err := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), Period: funnel.Month})
	if err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2024, 6, d, 0, 0, 0, 0, time.UTC) }
	deal := funnel.Deal{ID: "1", Stage: "Demo", Outcome: funnel.Won, Amount: decimal.NewFromInt(10), Created: day(1), Closed: day(9),
		ExpectedClose: day(20), History: []funnel.StageChange{{Stage: "Lead", At: day(1)}, {Stage: "Demo", At: day(3)}}}
	deal.Attrs.Owner = "ana"
	must := func(a funnel.Accumulator, err error) funnel.Accumulator {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	goals := []forecast.Goal{{Key: "ana", Start: day(1), Amount: decimal.NewFromInt(100)}}
	cases := []struct {
		name     string
		make     func() funnel.Accumulator
		typedNil funnel.Accumulator
		zero     funnel.Accumulator
	}{
		{"funnel.Tally", func() funnel.Accumulator { return funnel.NewTally(s) }, (*funnel.Tally)(nil), new(funnel.Tally)},
		{"funnel.Segments", func() funnel.Accumulator {
			return must(funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}}))
		}, (*funnel.Segments)(nil), new(funnel.Segments)},
		{"trend.Series", func() funnel.Accumulator { return must(trend.NewSeries(s, trend.Options{})) }, (*trend.Series)(nil), new(trend.Series)},
		{"trend.Cohorts", func() funnel.Accumulator { return must(trend.NewCohorts(s, trend.CohortOptions{})) }, (*trend.Cohorts)(nil), new(trend.Cohorts)},
		{"trend.Survival", func() funnel.Accumulator { return must(trend.NewSurvival(s, trend.SurvivalOptions{})) }, (*trend.Survival)(nil), new(trend.Survival)},
		{"trend.Conversion", func() funnel.Accumulator {
			return must(trend.NewConversion(s, trend.ConvertOptions{To: trend.Milestone{Kind: trend.Win}}))
		}, (*trend.Conversion)(nil), new(trend.Conversion)},
		{"forecast.Learner", func() funnel.Accumulator { return must(forecast.NewLearner(s, forecast.LearnOptions{})) }, (*forecast.Learner)(nil), new(forecast.Learner)},
		{"forecast.Pipeline", func() funnel.Accumulator { return must(forecast.NewPipeline(s, forecast.Options{})) }, (*forecast.Pipeline)(nil), new(forecast.Pipeline)},
		{"forecast.ByPeriod", func() funnel.Accumulator { return must(forecast.NewByPeriod(s, forecast.PeriodOptions{})) }, (*forecast.ByPeriod)(nil), new(forecast.ByPeriod)},
		{"forecast.Quota", func() funnel.Accumulator {
			return must(forecast.NewQuota(s, forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: goals}))
		}, (*forecast.Quota)(nil), new(forecast.Quota)},
		{"forecast.Changes", func() funnel.Accumulator {
			return must(forecast.NewChanges(s, forecast.ChangeOptions{From: day(1), To: day(30)}))
		}, (*forecast.Changes)(nil), new(forecast.Changes)},
		{"forecast.Backtest", func() funnel.Accumulator {
			return must(forecast.NewBacktest(s, forecast.BacktestOptions{Cutoffs: []time.Time{day(5)}, Horizon: 30 * 24 * time.Hour}))
		}, (*forecast.Backtest)(nil), new(forecast.Backtest)},
		{"forecast.Waterfall", func() funnel.Accumulator {
			return must(forecast.NewWaterfall(sm, forecast.WaterfallOptions{From: day(1), To: day(30), Close: day(15)}))
		}, (*forecast.Waterfall)(nil), new(forecast.Waterfall)},
		{"forecast.Risk", func() funnel.Accumulator { return must(forecast.NewRisk(s, forecast.RiskOptions{})) }, (*forecast.Risk)(nil), new(forecast.Risk)},
		{"forecast.Range", func() funnel.Accumulator { return must(forecast.NewRange(s, forecast.RangeOptions{})) }, (*forecast.Range)(nil), new(forecast.Range)},
		{"forecast.Scoring", func() funnel.Accumulator { return must(forecast.NewScoring(s, forecast.ScoringOptions{})) }, (*forecast.Scoring)(nil), new(forecast.Scoring)},
		{"forecast.Accuracy", func() funnel.Accumulator {
			return must(forecast.NewAccuracy(s, forecast.AccuracyOptions{Calls: []forecast.Call{{Key: "ana", Period: day(1), At: day(2), Amount: decimal.NewFromInt(5)}}}))
		}, (*forecast.Accuracy)(nil), new(forecast.Accuracy)},
		{"target.Bottleneck", func() funnel.Accumulator { return must(target.NewBottleneck(s, target.Options{})) }, (*target.Bottleneck)(nil), new(target.Bottleneck)},
		{"clv.DealLog", func() funnel.Accumulator { return must(clv.NewDealLog(s)) }, (*clv.DealLog)(nil), new(clv.DealLog)},
		{"drivers.Drivers", func() funnel.Accumulator {
			return must(drivers.New(s, drivers.Options{Stage: "Lead", Keys: []string{funnel.AttrOwner}}))
		}, (*drivers.Drivers)(nil), new(drivers.Drivers)},
		{"plan.Planner", func() funnel.Accumulator {
			return must(plan.NewPlanner(s, plan.Options{Target: decimal.NewFromInt(100)}))
		}, (*plan.Planner)(nil), new(plan.Planner)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.make()
			if err := s.Run(slices.Values([]funnel.Deal{deal}), a); err != nil {
				t.Fatal(err)
			}
			before, err := a.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			for what, f := range map[string]func() error{
				"a.Merge(nil)":       func() error { return a.Merge(nil) },
				"a.Merge(typed nil)": func() error { return a.Merge(c.typedNil) },
				"nil.Merge(a)":       func() error { return c.typedNil.Merge(a) },
			} {
				if err := call(f); !errors.Is(err, funnel.ErrInvalidParam) {
					t.Errorf("%s = %v, want ErrInvalidParam", what, err)
				}
			}
			// a zero value has no scan: merging it either way is refused
			// as invalid or incompatible, without a panic
			for what, f := range map[string]func() error{
				"a.Merge(zero)": func() error { return a.Merge(c.zero) },
				"zero.Merge(a)": func() error { return c.zero.Merge(a) },
			} {
				if err := call(f); !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
					t.Errorf("%s = %v, want ErrInvalidParam or ErrIncompatible", what, err)
				}
			}
			after, err := a.(interface{ MarshalBinary() ([]byte, error) }).MarshalBinary()
			if err != nil || !cmp.Equal(before, after) {
				t.Errorf("the refused merges changed the accumulator (%v)", err)
			}
		})
	}
}

// TestMergeNilOthers merges the accumulators that are not deal
// accumulators (eNPS tallies, transaction logs, pulse waves, attribution)
// with nil both ways: an error wrapping ErrInvalidParam, never a panic;
// and the statistics that have no error (MoneyStats, DurationStats,
// Intake) treat a nil argument or receiver as empty.
func TestMergeNilOthers(t *testing.T) {
	sv := &pulse.Survey{Name: "pulse", Questions: []pulse.Question{{ID: "enps", ENPS: true}}, Cadence: pulse.Monthly,
		Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
	waves, err := pulse.NewWaves(sv, "team")
	if err != nil {
		t.Fatal(err)
	}
	rolling, err := pulse.NewRolling(sv)
	if err != nil {
		t.Fatal(err)
	}
	table, err := pulse.NewTable(sv, "team")
	if err != nil {
		t.Fatal(err)
	}
	log, err := clv.NewLog(clv.LogOptions{})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := attribution.NewAccumulator(attribution.Markov, attribution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var (
		nilENPS    *funnel.ENPSTally
		nilLog     *clv.Log
		nilWaves   *pulse.Waves
		nilRolling *pulse.Rolling
		nilGroups  *pulse.Groups
		nilTable   *pulse.Table
		nilAcc     *attribution.Accumulator
	)
	cases := map[string]func() error{
		"ENPSTally.Merge(nil)":     func() error { return new(funnel.ENPSTally).Merge(nil) },
		"nil ENPSTally.Merge":      func() error { return nilENPS.Merge(new(funnel.ENPSTally)) },
		"clv.Log.Merge(nil)":       func() error { return log.Merge(nil) },
		"nil clv.Log.Merge":        func() error { return nilLog.Merge(log) },
		"pulse.Waves.Merge(nil)":   func() error { return waves.Merge(nil) },
		"nil pulse.Waves.Merge":    func() error { return nilWaves.Merge(waves) },
		"pulse.Rolling.Merge(nil)": func() error { return rolling.Merge(nil) },
		"nil pulse.Rolling.Merge":  func() error { return nilRolling.Merge(rolling) },
		"pulse.Groups.Merge(nil)":  func() error { return new(pulse.Groups).Merge(nil) },
		"nil pulse.Groups.Merge":   func() error { return nilGroups.Merge(new(pulse.Groups)) },
		"pulse.Table.Merge(nil)":   func() error { return table.Merge(nil) },
		"nil pulse.Table.Merge":    func() error { return nilTable.Merge(table) },
	}
	for name, f := range map[string]func() error{
		"attribution.Merge(nil)": func() error { return acc.Merge(nil) },
		"nil attribution.Merge":  func() error { return nilAcc.Merge(acc) },
	} {
		if err := call(f); !errors.Is(err, attribution.ErrInvalidParam) {
			t.Errorf("%s = %v, want attribution.ErrInvalidParam", name, err)
		}
	}
	for name, f := range cases {
		if err := call(f); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s = %v, want ErrInvalidParam", name, err)
		}
	}
	var m funnel.MoneyStats
	m.Add(decimal.NewFromInt(3))
	var d funnel.DurationStats
	d.Add(time.Second)
	var in funnel.Intake
	var nilM *funnel.MoneyStats
	var nilD *funnel.DurationStats
	var nilIn *funnel.Intake
	for name, f := range map[string]func() error{
		"MoneyStats.Merge(nil)":    func() error { m.Merge(nil); return nil },
		"nil MoneyStats.Merge":     func() error { nilM.Merge(&m); return nil },
		"DurationStats.Merge(nil)": func() error { d.Merge(nil); return nil },
		"nil DurationStats.Merge":  func() error { nilD.Merge(&d); return nil },
		"Intake.Merge(nil)":        func() error { in.Merge(nil); return nil },
		"nil Intake.Merge":         func() error { nilIn.Merge(&in); return nil },
	} {
		if err := call(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if got := m.Summary(); got.Count != 1 || !got.Total.Equal(decimal.NewFromInt(3)) {
		t.Errorf("MoneyStats after merging nil: %+v", got)
	}
	if got := d.Summary(); got.Count != 1 {
		t.Errorf("DurationStats after merging nil: %+v", got)
	}
}

// TestNilInputs checks the other nil inputs of issue 16 (item 19): a nil
// deal validates to an error wrapping ErrInvalidParam, and the tally of a
// nil scan reports nothing (the zero report) and refuses deals.
func TestNilInputs(t *testing.T) {
	f, err := funnel.New("Lead")
	if err != nil {
		t.Fatal(err)
	}
	var d *funnel.Deal
	if err := call(func() error { return d.Validate(f) }); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil deal Validate = %v, want ErrInvalidParam", err)
	}
	var r funnel.Report
	if err := call(func() error { r = funnel.NewTally(nil).Report(); return nil }); err != nil {
		t.Fatalf("NewTally(nil).Report: %v", err)
	}
	if diff := cmp.Diff(funnel.Report{}, r); diff != "" {
		t.Errorf("NewTally(nil).Report() is not the zero report (-want +got):\n%s", diff)
	}
	if err := call(func() error { return funnel.NewTally(nil).Add(funnel.Deal{ID: "1", Stage: "Lead"}) }); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewTally(nil).Add = %v, want ErrInvalidParam", err)
	}
}
