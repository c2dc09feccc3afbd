package forecast_test

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// An accCase builds one kind of accumulator for the property tests.
type accCase struct {
	name   string
	make   func(s *funnel.Scan) (funnel.Accumulator, error)
	result func(a funnel.Accumulator) (any, error)
	zero   func() funnel.Accumulator
}

var long = flag.Bool("long", false, "run the property tests over every split")

var crossAsOf = time.Date(2024, 9, 15, 12, 0, 0, 0, time.UTC)

func accCases(t testing.TB, deals []funnel.Deal) []accCase {
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	model, err := forecast.Learn(scanOf(t, f, funnel.Options{AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Mode: funnel.Lenient}), values(deals),
		forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 3})
	if err != nil {
		t.Fatal(err)
	}
	given := map[funnel.Stage]decimal.Decimal{"Lead": dec("0.1"), "Qualified": dec("0.25"), "Proposal": dec("0.5")}
	pipeline := func(o forecast.Options) func(s *funnel.Scan) (funnel.Accumulator, error) {
		return func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewPipeline(s, o) }
	}
	byPeriod := func(o forecast.PeriodOptions) func(s *funnel.Scan) (funnel.Accumulator, error) {
		return func(s *funnel.Scan) (funnel.Accumulator, error) { return forecast.NewByPeriod(s, o) }
	}
	pipeRes := func(a funnel.Accumulator) (any, error) { return a.(*forecast.Pipeline).Report() }
	periodRes := func(a funnel.Accumulator) (any, error) { return a.(*forecast.ByPeriod).Report() }
	cases := []accCase{
		{"learner", func(s *funnel.Scan) (funnel.Accumulator, error) {
			return forecast.NewLearner(s, forecast.LearnOptions{})
		},
			learnerResult, func() funnel.Accumulator { return new(forecast.Learner) }},
		{"learner by owner", func(s *funnel.Scan) (funnel.Accumulator, error) {
			return forecast.NewLearner(s, forecast.LearnOptions{Segment: funnel.AttrOwner})
		}, func(a funnel.Accumulator) (any, error) {
			m, err := a.(*forecast.Learner).Model()
			if err != nil {
				return nil, err
			}
			return m.Segments(), nil
		}, func() funnel.Accumulator { return new(forecast.Learner) }},
		{"pipeline", pipeline(forecast.Options{}), pipeRes, func() funnel.Accumulator { return new(forecast.Pipeline) }},
		{"pipeline by owner", pipeline(forecast.Options{Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 4}, Since: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}),
			pipeRes, func() funnel.Accumulator { return new(forecast.Pipeline) }},
		{"pipeline given", pipeline(forecast.Options{Probabilities: given}), pipeRes, func() funnel.Accumulator { return new(forecast.Pipeline) }},
		{"pipeline model", pipeline(forecast.Options{Model: model}), pipeRes, func() funnel.Accumulator { return new(forecast.Pipeline) }},
		{"by period", byPeriod(forecast.PeriodOptions{}), periodRes, func() funnel.Accumulator { return new(forecast.ByPeriod) }},
		{"by period given", byPeriod(forecast.PeriodOptions{Options: forecast.Options{Probabilities: given}, Periods: 30}), periodRes,
			func() funnel.Accumulator { return new(forecast.ByPeriod) }},
		{"by period model by owner", byPeriod(forecast.PeriodOptions{Options: forecast.Options{Model: model}, Periods: 3}), periodRes,
			func() funnel.Accumulator { return new(forecast.ByPeriod) }},
		{"quota", func(s *funnel.Scan) (funnel.Accumulator, error) {
			var goals []forecast.Goal
			for _, o := range []string{"ana", "ben", "chen"} {
				for m := 6; m <= 12; m++ {
					goals = append(goals, forecast.Goal{Key: o, Start: time.Date(2024, time.Month(m), 3, 0, 0, 0, 0, time.UTC), Amount: decimal.NewFromInt(int64(1000 * m))})
				}
			}
			return forecast.NewQuota(s, forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: goals})
		}, func(a funnel.Accumulator) (any, error) { return a.(*forecast.Quota).Report(), nil }, func() funnel.Accumulator { return new(forecast.Quota) }},
		{"changes", func(s *funnel.Scan) (funnel.Accumulator, error) {
			return forecast.NewChanges(s, forecast.ChangeOptions{From: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC), Segment: funnel.AttrOwner})
		}, func(a funnel.Accumulator) (any, error) { return a.(*forecast.Changes).Report(), nil }, func() funnel.Accumulator { return new(forecast.Changes) }},
		{"backtest", func(s *funnel.Scan) (funnel.Accumulator, error) {
			return forecast.NewBacktest(s, forecast.BacktestOptions{Cutoffs: []time.Time{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)},
				Horizon: 60 * 24 * time.Hour, Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 2}, Buckets: 5})
		}, func(a funnel.Accumulator) (any, error) { return a.(*forecast.Backtest).Report() }, func() funnel.Accumulator { return new(forecast.Backtest) }},
	}
	return append(cases, inspectCases(t)...)
}

// learnedModel is what the property tests compare of a learner's model.
type learnedModel struct {
	Stages    []forecast.StageRate
	Segments  []forecast.SegmentRates
	TimeToWin []funnel.DurationSummary
	Input     funnel.Input
}

func learnerResult(a funnel.Accumulator) (any, error) {
	m, err := a.(*forecast.Learner).Model()
	if err != nil {
		return nil, err
	}
	r := learnedModel{Stages: m.Stages(), Segments: m.Segments(), Input: m.Input()}
	for _, st := range r.Stages {
		r.TimeToWin = append(r.TimeToWin, m.TimeToWin(st.Stage))
	}
	return r, nil
}

// validDeals returns the cross-check deals with every category one that
// parses, so that no deal is skipped.
func validDeals(t testing.TB) []funnel.Deal {
	deals := crossDeals(t)
	for i := range deals {
		if _, err := forecast.ParseCategory(deals[i].Category); err != nil {
			deals[i].Category = ""
		}
	}
	return deals
}

// mixedDeals returns the cross-check deals with invalid ones mixed in.
func mixedDeals(t testing.TB, n int) []funnel.Deal {
	deals := slices.Clone(crossDeals(t)[:n])
	for i := 3; i < len(deals); i += 17 {
		deals[i].Stage = "Nowhere"
	}
	return deals
}

func mergeScans(t testing.TB) []*funnel.Scan {
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	return []*funnel.Scan{
		scanOf(t, f, funnel.Options{Mode: funnel.Lenient, AsOf: crossAsOf}),
		scanOf(t, f, funnel.Options{Mode: funnel.Lenient, AsOf: crossAsOf, Period: funnel.Day, Location: santiago, Test: funnel.Test{Confidence: 0.9}}),
	}
}

func build(t testing.TB, c accCase, s *funnel.Scan, deals []funnel.Deal) funnel.Accumulator {
	t.Helper()
	a, err := c.make(s)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	for _, d := range deals {
		_ = s.Add(d, a) // invalid deals are counted as skipped
	}
	return a
}

func resultOf(t testing.TB, c accCase, a funnel.Accumulator) any {
	t.Helper()
	r, err := c.result(a)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return r
}

func encodeAcc(t testing.TB, a funnel.Accumulator) []byte {
	t.Helper()
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ignoreExamples ignores which skipped deals are kept as examples: parts
// added apart number their deals from 0 each.
var ignoreExamples = cmpopts.IgnoreFields(funnel.Skipped{}, "Examples")

// TestMergeEqualsOnePass splits the deals at every cut point, builds both
// parts, merges them and compares the result with one pass; it also
// merges the parts decoded from their encodings, and checks that Merge
// leaves its argument alone.
func TestMergeEqualsOnePass(t *testing.T) {
	deals := mixedDeals(t, 70)
	for _, s := range mergeScans(t) {
		for _, c := range accCases(t, deals) {
			whole := resultOf(t, c, build(t, c, s, deals))
			wholeBytes := encodeAcc(t, build(t, c, s, deals))
			// every cut near the ends, every fifth between (every one
			// with -long)
			var cuts []int
			for cut := 0; cut <= len(deals); cut++ {
				if *long || cut < 3 || cut > len(deals)-3 || cut%5 == 0 {
					cuts = append(cuts, cut)
				}
			}
			for _, cut := range cuts {
				a, b := build(t, c, s, deals[:cut]), build(t, c, s, deals[cut:])
				bBefore := encodeAcc(t, b)
				da, db := c.zero(), c.zero()
				if err := da.UnmarshalBinary(encodeAcc(t, a)); err != nil {
					t.Fatalf("%s: decode: %v", c.name, err)
				}
				if err := db.UnmarshalBinary(encodeAcc(t, b)); err != nil {
					t.Fatalf("%s: decode: %v", c.name, err)
				}
				if err := a.Merge(b); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(whole, resultOf(t, c, a), append(cmpOpts, ignoreExamples)...); diff != "" {
					t.Fatalf("%s cut %d: merge differs from one pass (-one +merged):\n%s", c.name, cut, diff)
				}
				if !bytes.Equal(bBefore, encodeAcc(t, b)) {
					t.Fatalf("%s: Merge modified its argument", c.name)
				}
				if err := da.Merge(db); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(encodeAcc(t, da), encodeAcc(t, a)) {
					t.Fatalf("%s cut %d: merge of decoded parts encodes differently", c.name, cut)
				}
				if cut == 0 || cut == len(deals) {
					// without skipped examples to tell apart, the bytes
					// equal one pass
					if got := encodeAcc(t, a); cut == 0 && !bytes.Equal(got, wholeBytes) {
						t.Fatalf("%s: merge into an empty accumulator encodes differently from one pass", c.name)
					}
				}
			}
		}
	}
}

// TestEncodingDeterministic checks that any partition of valid deals,
// merged in any order, encodes byte for byte as one pass.
func TestEncodingDeterministic(t *testing.T) {
	deals := validDeals(t)
	rng := rand.New(rand.NewPCG(1, 9))
	for _, s := range mergeScans(t)[:1] {
		for _, c := range accCases(t, deals) {
			want := encodeAcc(t, build(t, c, s, deals))
			for range 3 {
				parts := make([][]funnel.Deal, 1+rng.IntN(5))
				for _, d := range deals {
					i := rng.IntN(len(parts))
					parts[i] = append(parts[i], d)
				}
				acc, _ := c.make(s)
				for _, p := range parts {
					if err := acc.Merge(build(t, c, s, p)); err != nil {
						t.Fatal(err)
					}
				}
				if got := encodeAcc(t, acc); !bytes.Equal(got, want) {
					t.Fatalf("%s: merge of %d parts encodes differently from one pass (%d vs %d bytes)", c.name, len(parts), len(got), len(want))
				}
				// and decode(encode(x)) encodes to the same bytes
				z := c.zero()
				if err := z.UnmarshalBinary(want); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(encodeAcc(t, z), want) {
					t.Fatalf("%s: decoding re-encodes differently", c.name)
				}
			}
		}
	}
}

// TestParallelRunEqualsSerial runs every accumulator at once over one
// stream, serially and on 2 and 4 workers.
func TestParallelRunEqualsSerial(t *testing.T) {
	deals := mixedDeals(t, 600)
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	var want []any
	for _, workers := range []int{1, 2, 4} {
		s := scanOf(t, f, funnel.Options{Mode: funnel.Lenient, AsOf: crossAsOf, Workers: workers})
		cases := accCases(t, deals)
		accs := make([]funnel.Accumulator, len(cases))
		for i, c := range cases {
			a, err := c.make(s)
			if err != nil {
				t.Fatal(err)
			}
			accs[i] = a
		}
		if err := s.Run(values(deals), accs...); err != nil {
			t.Fatal(err)
		}
		var got []any
		for i, c := range cases {
			got = append(got, resultOf(t, c, accs[i]))
		}
		if want == nil {
			want = got
			continue
		}
		if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
			t.Fatalf("%d workers differ from serial (-serial +parallel):\n%s", workers, diff)
		}
	}
}

// TestMergeErrors checks the merge errors: nil and self are invalid,
// another kind, scan or settings incompatible.
func TestMergeErrors(t *testing.T) {
	deals := crossDeals(t)[:20]
	s := mergeScans(t)[0]
	other := scanOf(t, mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation"), funnel.Options{Mode: funnel.Lenient, AsOf: crossAsOf.Add(time.Hour)})
	cases := accCases(t, deals)
	for i, c := range cases {
		a := build(t, c, s, deals)
		if err := a.Merge(nil); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: Merge(nil) = %v", c.name, err)
		}
		if err := a.Merge(a); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: Merge(self) = %v", c.name, err)
		}
		if err := a.Merge(funnel.NewTally(s)); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("%s: Merge(tally) = %v", c.name, err)
		}
		if o, err := c.make(other); err == nil {
			if err := a.Merge(o); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("%s: Merge(other scan) = %v", c.name, err)
			}
			if err := a.UnmarshalBinary(encodeAcc(t, o)); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("%s: UnmarshalBinary(other scan) = %v", c.name, err)
			}
		}
		// another kind's settings of the same type
		for j, d := range cases {
			if j == i || d.zero == nil {
				continue
			}
			o, _ := d.make(s)
			if sameType(a, o) {
				if err := a.Merge(o); !errors.Is(err, funnel.ErrIncompatible) {
					t.Errorf("%s: Merge(%s) = %v", c.name, d.name, err)
				}
				if err := a.UnmarshalBinary(encodeAcc(t, o)); !errors.Is(err, funnel.ErrIncompatible) {
					t.Errorf("%s: UnmarshalBinary(%s) = %v", c.name, d.name, err)
				}
			} else if err := a.UnmarshalBinary(encodeAcc(t, o)); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Errorf("%s: UnmarshalBinary(%s) = %v", c.name, d.name, err)
			}
		}
		if f := a.Fresh(); !sameType(a, f) || f.Scan() != s {
			t.Errorf("%s: Fresh gave %T of another scan", c.name, f)
		}
	}
}

func sameType(a, b funnel.Accumulator) bool { return reflect.TypeOf(a) == reflect.TypeOf(b) }
