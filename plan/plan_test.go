package plan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/funnelmetrics/funnel/plan"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func nd(s string) decimal.NullDecimal { return decimal.NewNullDecimal(dec(s)) }

func d24(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }

func hist(pairs ...any) []funnel.StageChange {
	var h []funnel.StageChange
	for i := 0; i < len(pairs); i += 2 {
		h = append(h, funnel.StageChange{Stage: funnel.Stage(pairs[i].(string)), At: pairs[i+1].(time.Time)})
	}
	return h
}

// planDeals: two won deals (1000 and 3000), three lost, two open.
// P(win | entered): Lead 2/5, Demo 2/4, Proposal 1/2. Won cycles 31 and
// 24 days. Days to win from Lead 31 and 24 (median 27.5), from Demo 22
// and 20 (21), from Proposal 12.
func planDeals() []funnel.Deal {
	jan := func(d int) time.Time { return d24(1, d) }
	mk := func(id, amount string, o funnel.Outcome, closed time.Time, h []funnel.StageChange) funnel.Deal {
		return funnel.Deal{ID: id, Created: jan(1), Amount: dec(amount), Outcome: o, Closed: closed, History: h}
	}
	return []funnel.Deal{
		mk("w1", "1000", funnel.Won, d24(2, 1), hist("Lead", jan(1), "Demo", jan(10), "Proposal", jan(20))),
		mk("w2", "3000", funnel.Won, jan(25), hist("Lead", jan(1), "Demo", jan(5))),
		mk("l1", "10", funnel.Lost, jan(15), hist("Lead", jan(1))),
		mk("l2", "10", funnel.Lost, jan(15), hist("Lead", jan(1), "Demo", jan(3))),
		mk("l3", "10", funnel.Lost, jan(25), hist("Lead", jan(1), "Demo", jan(3), "Proposal", jan(8))),
		mk("o1", "500", funnel.Open, time.Time{}, hist("Lead", d24(3, 1))),
		mk("o2", "700", funnel.Open, time.Time{}, hist("Lead", d24(3, 1), "Demo", d24(3, 5))),
	}
}

func planScan(t testing.TB) *funnel.Scan {
	f, err := funnel.New("Lead", "Demo", "Proposal")
	if err != nil {
		t.Fatal(err)
	}
	s, err := funnel.NewScan(f, funnel.Options{AsOf: d24(3, 15), Period: funnel.Quarter})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func planOptions() plan.Options {
	return plan.Options{Target: dec("10000"), Period: d24(5, 5), Capacity: dec("5"), CapacityStage: "Demo", WhatIfs: []plan.WhatIf{
		{Stage: "Lead", Points: dec("0.1")}, {Days: 5}, {Stage: "Proposal", Points: dec("0.6")}, {Stage: "Demo", Points: dec("0.1")}, {Days: 40},
	}}
}

func TestReverseHandWorked(t *testing.T) {
	r, err := plan.Reverse(planScan(t), slices.Values(planDeals()), planOptions())
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	rate := func(num, den int64, lo, hi float64) funnel.Rate {
		return funnel.Rate{Ratio: funnel.Ratio{Num: num, Den: den}, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}
	}
	apr1, jul1 := d24(4, 1), d24(7, 1)
	// the intervals' bounds and the needed counts at them are worked out
	// by testdata/check.py
	want := plan.PlanReport{
		AsOf: d24(3, 15), Target: dec("10000"), Start: apr1, End: jul1, Period: funnel.Quarter,
		DealSize: dec("2000"), WonDeals: 2, Wins: dec("5"), WinsWhole: 5, Defined: true, Cycle: 27*day + 12*time.Hour,
		Stages: []plan.PlanStage{
			{Stage: "Lead", Rate: rate(2, 5, 0.11762077423264794, 0.769275718723987), Probability: nd("0.4"), Step: nd("0.8"),
				Needed: nd("12.5"), NeededLo: nd("6.4996201992"), NeededHi: nd("42.5094974422"), Whole: nd("13"), Open: 1,
				Lag: 27*day + 12*time.Hour, LagDefined: true, Timed: 2, EnterFrom: apr1.Add(-27*day - 12*time.Hour), EnterTo: jul1.Add(-27*day - 12*time.Hour)},
			{Stage: "Demo", Rate: rate(2, 4, 0.15003898915214955, 0.8499610108478505), Probability: nd("0.5"), Step: nd("1"),
				Needed: nd("10"), NeededLo: nd("5.882622775"), NeededHi: nd("33.3246713182"), Whole: nd("10"), Open: 1,
				Lag: 21 * day, LagDefined: true, Timed: 2, EnterFrom: apr1.Add(-21 * day), EnterTo: jul1.Add(-21 * day)},
			{Stage: "Proposal", Rate: rate(1, 2, 0.09453120573423074, 0.9054687942657692), Probability: nd("0.5"), Step: nd("0.5"),
				Needed: nd("10"), NeededLo: nd("5.5220014555"), NeededHi: nd("52.8925867704"), Whole: nd("10"),
				Lag: 12 * day, LagDefined: true, Timed: 1, EnterFrom: apr1.Add(-12 * day), EnterTo: jul1.Add(-12 * day)},
		},
		Leads: nd("12.5"), Capacity: dec("5"), CapacityStage: "Demo",
		Reps: nd("2"), RepsLo: nd("1.176524555"), RepsHi: nd("6.6649342636"), RepsWhole: nd("2"),
		WhatIfs: []plan.WhatIfRow{
			// Lead's step 0.8 -> 0.9: × 1.125
			{WhatIf: plan.WhatIf{Stage: "Lead", Points: dec("0.1")}, Defined: true, Revenue: dec("11250"), Effect: dec("1250"), Leads: dec("11.1111111111")},
			// 27.5 days -> 22.5: × 27.5 / 22.5; velocity 2 × 2/5 × 2000
			// / 27.5 and / 22.5 a day
			{WhatIf: plan.WhatIf{Days: 5}, Defined: true, Revenue: dec("12222.2222222222"), Effect: dec("2222.2222222222"), Leads: dec("10.2272727273"),
				Velocity: dec("58.1818181818"), VelocityAfter: dec("71.1111111111")},
			// Proposal's step 0.5 -> 1.1, capped at 1: × 2
			{WhatIf: plan.WhatIf{Stage: "Proposal", Points: dec("0.6")}, Defined: true, Revenue: dec("20000"), Effect: dec("10000"), Leads: dec("6.25")},
			// Demo's step is 1 already
			{WhatIf: plan.WhatIf{Stage: "Demo", Points: dec("0.1")}, Defined: true, Revenue: dec("10000"), Effect: dec("0"), Leads: dec("12.5")},
			// a cycle of 27.5 days cannot lose 40
			{WhatIf: plan.WhatIf{Days: 40}},
		},
		Input: funnel.Input{Read: 7, Counted: 7, Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
	}
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateApprox(0, 1e-12), cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })}
	if diff := cmp.Diff(want, r, opts...); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	roundTrip(t, r)
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Reverse funnel of a target of 10000.00 in 2024-Q2", "5.00 wins (5)", "Lead   0.400  0.800   12.50  6.5..42.5     13",
		"Reps at 5 opportunities per rep in Demo: 2.00 (1.18..6.66), 2 whole", "What if 10 points at the step out of Lead: revenue 11250.00 (+1250.00)",
		"What if 40 days shorter cycle: n/a"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}
	if err := r.WriteText(&failWriter{}); err == nil {
		t.Error("WriteText to a failing writer")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("write failed") }

func roundTrip(t *testing.T, r plan.PlanReport) {
	t.Helper()
	schematest.Check(t, "plan_report", r)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back plan.PlanReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("JSON round trip (-before +after):\n%s", diff)
	}
	if b2, _ := json.Marshal(back); !bytes.Equal(b, b2) {
		t.Errorf("re-encoding differs")
	}
}

// TestForwardGivesBackTarget inverts random plans on generated deals with
// the forward forecast: Forward(stage, Needed) is the target up to the
// rounding of Needed to 10 places (at most 0.5e-10 × deal size × rate);
// and for targets of whole opportunities, the weighted pipeline of that
// many deals of the deal size, weighed by the same learned model, is the
// target exactly.
func TestForwardGivesBackTarget(t *testing.T) {
	deals := dealgen.Generate(1500, 4, dealgen.Options{})
	f := dealgen.Funnel()
	s, err := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	p, err := plan.NewPlanner(s, plan.Options{Target: dec("1")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(slices.Values(deals), p); err != nil {
		t.Fatal(err)
	}
	model, err := forecast.Learn(s, slices.Values(deals), forecast.LearnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for trial := range 40 {
		target := decimal.New(1+rng.Int64N(1e12), -int32(rng.IntN(4)))
		q, _ := plan.NewPlanner(s, plan.Options{Target: target})
		if err := q.UnmarshalBinary(mustEncode(t, p)); err == nil {
			t.Fatal("a planner of another target decoded")
		}
		r, err := plan.Reverse(s, slices.Values(deals), plan.Options{Target: target})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range r.Stages {
			got, ok := r.Forward(st.Stage, st.Needed.Decimal)
			tol := r.DealSize.Mul(st.Probability.Decimal).Mul(dec("0.5e-10"))
			if !ok || got.Sub(target).Abs().GreaterThan(tol) {
				t.Fatalf("trial %d %s: forward of %s needed = %s, target %s (tolerance %s)", trial, st.Stage, st.Needed.Decimal, got, target, tol)
			}
		}
		// a target of m whole opportunities at a stage
		st := r.Stages[trial%len(r.Stages)]
		m := 1 + rng.Int64N(50)
		whole := decimal.NewFromInt(m).Mul(r.DealSize).Mul(st.Probability.Decimal)
		rw, err := plan.Reverse(s, slices.Values(deals), plan.Options{Target: whole})
		if err != nil {
			t.Fatal(err)
		}
		k, _ := f.Index(st.Stage)
		if n := rw.Stages[k].Needed.Decimal; !n.Equal(decimal.NewFromInt(m)) {
			t.Fatalf("trial %d: %s needed for %d whole opportunities", trial, n, m)
		}
		var open []funnel.Deal
		for i := range m {
			open = append(open, funnel.Deal{ID: "p" + strconv.FormatInt(i, 10), Created: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC), Amount: r.DealSize,
				Currency: "USD", Stage: st.Stage})
		}
		pr, err := forecast.Weighted(s, slices.Values(open), forecast.Options{Model: model})
		if err != nil {
			t.Fatal(err)
		}
		if !pr.Weighted.Equal(whole) {
			t.Fatalf("trial %d: weighted pipeline of the plan %s, target %s", trial, pr.Weighted, whole)
		}
	}
}

func mustEncode(t testing.TB, a funnel.Accumulator) []byte {
	t.Helper()
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPlannerMerge checks that the merge of any split (and of the parts'
// decoded encodings) equals one pass, byte for byte, that parallel runs
// equal serial ones, and the merge errors.
func TestPlannerMerge(t *testing.T) {
	deals := dealgen.Generate(400, 7, dealgen.Options{})
	deals[5].Stage, deals[9].Currency = "Nowhere", "EUR"
	f := dealgen.Funnel()
	var want []byte
	var wantReport plan.PlanReport
	opts := plan.Options{Target: dec("250000"), Period: time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC), Capacity: dec("12"), WhatIfs: []plan.WhatIf{{Days: 3}}}
	for _, workers := range []int{1, 2, 4} {
		s, err := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Currency: "USD", Mode: funnel.Lenient, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := plan.NewPlanner(s, opts)
		if err := s.Run(slices.Values(deals), p); err != nil {
			t.Fatal(err)
		}
		r, err := p.Report()
		if err != nil {
			t.Fatal(err)
		}
		if workers == 1 {
			want, wantReport = mustEncode(t, p), r
			for cut := 0; cut <= len(deals); cut += 23 {
				a, _ := plan.NewPlanner(s, opts)
				b, _ := plan.NewPlanner(s, opts)
				_ = s.Run(slices.Values(deals[:cut]), a)
				_ = s.Run(slices.Values(deals[cut:]), b)
				var da, db plan.Planner
				if err := da.UnmarshalBinary(mustEncode(t, a)); err != nil {
					t.Fatal(err)
				}
				if err := db.UnmarshalBinary(mustEncode(t, b)); err != nil {
					t.Fatal(err)
				}
				before := mustEncode(t, b)
				if err := a.Merge(b); err != nil {
					t.Fatal(err)
				}
				if err := da.Merge(&db); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(before, mustEncode(t, b)) {
					t.Fatal("Merge modified its argument")
				}
				ra, _ := a.Report()
				if diff := cmp.Diff(wantReport, ra, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(funnel.Skipped{}, "Examples"), cmpopts.EquateErrors()); diff != "" {
					t.Fatalf("cut %d: merge differs (-one pass +merged):\n%s", cut, diff)
				}
				if !bytes.Equal(mustEncode(t, &da), mustEncode(t, a)) {
					t.Fatalf("cut %d: merged decoded parts encode differently", cut)
				}
			}
			if err := p.Merge(p); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Errorf("self merge: %v", err)
			}
			if err := p.Merge(nil); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Errorf("nil merge: %v", err)
			}
			if err := p.Merge(funnel.NewTally(s)); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("tally merge: %v", err)
			}
			other, _ := plan.NewPlanner(s, plan.Options{Target: dec("1")})
			if err := p.Merge(other); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("other target merge: %v", err)
			}
			if err := other.UnmarshalBinary(want); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("other target decode: %v", err)
			}
			if fr := p.Fresh(); fr.Scan() != s {
				t.Error("Fresh of another scan")
			}
			continue
		}
		if !bytes.Equal(mustEncode(t, p), want) {
			t.Errorf("%d workers encode differently from serial", workers)
		}
	}
	// the report shares nothing with the planner
	s, _ := funnel.NewScan(f, funnel.Options{AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Currency: "USD", Mode: funnel.Lenient})
	p, _ := plan.NewPlanner(s, opts)
	_ = s.Run(slices.Values(deals), p)
	r1, _ := p.Report()
	roundTrip(t, r1)
	r1.Stages[0].Stage, r1.WhatIfs[0].Days = "x", -1
	r1.Input.Skipped.Reasons[0].Count = -1
	if r2, _ := p.Report(); r2.Stages[0].Stage == "x" || r2.WhatIfs[0].Days == -1 || r2.Input.Skipped.Reasons[0].Count == -1 {
		t.Error("a report aliases the planner")
	}
}

func TestPlannerEdges(t *testing.T) {
	s := planScan(t)
	for name, o := range map[string]plan.Options{
		"target":         {},
		"negative":       {Target: dec("-1")},
		"capacity":       {Target: dec("1"), Capacity: dec("-1")},
		"capacity stage": {Target: dec("1"), CapacityStage: "Nowhere"},
		"no lever":       {Target: dec("1"), WhatIfs: []plan.WhatIf{{}}},
		"two levers":     {Target: dec("1"), WhatIfs: []plan.WhatIf{{Stage: "Lead", Days: 2}}},
		"points":         {Target: dec("1"), WhatIfs: []plan.WhatIf{{Stage: "Lead", Points: dec("2")}}},
		"stage":          {Target: dec("1"), WhatIfs: []plan.WhatIf{{Stage: "Nowhere", Points: dec("0.1")}}},
		"days points":    {Target: dec("1"), WhatIfs: []plan.WhatIf{{Days: 2, Points: dec("0.1")}}},
	} {
		if _, err := plan.NewPlanner(s, o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := plan.NewPlanner(nil, plan.Options{Target: dec("1")}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil scan: %v", err)
	}
	if _, err := plan.Reverse(s, nil, plan.Options{Target: dec("1")}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil stream: %v", err)
	}
	// no deals: nothing to plan with, every figure null
	r, err := plan.Reverse(s, slices.Values([]funnel.Deal(nil)), planOptions())
	if err != nil || r.Defined || r.Leads.Valid || r.Reps.Valid || r.WhatIfs[0].Defined || r.Stages[0].Needed.Valid {
		t.Errorf("empty: %+v %v", r, err)
	}
	roundTrip(t, r)
	// one won deal from Lead: Lead's rate is 1, its interval's low end
	// gives the high bound
	one := []funnel.Deal{{ID: "w", Created: d24(1, 1), Amount: dec("3"), Outcome: funnel.Won, Closed: d24(1, 3), History: hist("Lead", d24(1, 1))}}
	r, err = plan.Reverse(s, slices.Values(one), plan.Options{Target: dec("30")})
	if err != nil || !r.Leads.Decimal.Equal(dec("10")) || !r.Stages[0].NeededLo.Decimal.Equal(dec("10")) || !r.Stages[0].NeededHi.Valid || r.Stages[1].Needed.Valid {
		t.Errorf("one deal: %+v %v", r.Stages, err)
	}
	roundTrip(t, r)
	// huge target
	r, err = plan.Reverse(s, slices.Values(planDeals()), plan.Options{Target: dec("1e40")})
	if err != nil || !r.Leads.Decimal.Equal(dec("1.25e37")) {
		t.Errorf("huge: %v %v", r.Leads, err)
	}
}

// TestJSONLongestDuration checks that the largest Duration,
// 9223372036.854775807 seconds, reads back from JSON as the won cycle of
// a report and as the lag of a stage.
func TestJSONLongestDuration(t *testing.T) {
	const longest = time.Duration(1<<63 - 1)
	r := plan.PlanReport{Cycle: longest, Stages: []plan.PlanStage{{Stage: "A", Lag: longest, LagDefined: true}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"cycle_seconds":9223372036.854775807`, `"lag_seconds":9223372036.854775807`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("no %s in %s", key, b)
		}
	}
	var back plan.PlanReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	if diff := cmp.Diff(r, back, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("JSON round trip (-before +after):\n%s", diff)
	}
}
