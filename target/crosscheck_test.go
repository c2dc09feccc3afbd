package target_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/target"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// crossStep is a step as testdata/crosscheck.py writes it.
type crossStep struct {
	From             funnel.Stage    `json:"from"`
	To               funnel.Stage    `json:"to"`
	Conversion       [2]int64        `json:"conversion"`
	Decided          [2]int64        `json:"decided"`
	DropOff          int64           `json:"drop_off"`
	Pending          int64           `json:"pending"`
	Dropped          int64           `json:"dropped"`
	Lost             int64           `json:"lost"`
	LostValue        decimal.Decimal `json:"lost_value"`
	Open             int64           `json:"open"`
	OpenValue        decimal.Decimal `json:"open_value"`
	Stalled          int64           `json:"stalled"`
	StalledValue     decimal.Decimal `json:"stalled_value"`
	StallUntimed     int64           `json:"stall_untimed"`
	TimeCount        int64           `json:"time_count"`
	TimeMedianNs     *int64          `json:"time_median_ns"`
	Interval         *[2]float64     `json:"interval"`
	ConversionStatus *string         `json:"conversion_status"`
	ConversionSet    *string         `json:"conversion_set"`
	TimeStatus       *string         `json:"time_status"`
	Shortfall        decimal.Decimal `json:"shortfall"`
	Significant      bool            `json:"significant"`
}

type crossEval struct {
	Metric   target.Metric `json:"metric"`
	Stage    funnel.Stage  `json:"stage"`
	Value    string        `json:"value"`
	N        int64         `json:"n"`
	Interval *[2]float64   `json:"interval"`
	Status   string        `json:"status"`
}

type crossExpected struct {
	AsOf           time.Time    `json:"as_of"`
	StallAfterDays int64        `json:"stall_after_days"`
	Sets           []target.Set `json:"sets"`
	Input          struct {
		Read, Counted, Future, Skipped int64
	} `json:"input"`
	Steps      []crossStep `json:"steps"`
	Evaluation []crossEval `json:"evaluation"`
}

func statusText(s target.Status) *string {
	t := s.String()
	return &t
}

// TestCrossCheck compares the ranking and an evaluation of generated
// deals with the figures testdata/crosscheck.py computes from the same
// deals with its own implementation of the definitions.
func TestCrossCheck(t *testing.T) {
	var deals []funnel.Deal
	var want crossExpected
	for name, v := range map[string]any{"testdata/crosscheck_deals.json": &deals, "testdata/crosscheck_expected.json": &want} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	f := mustFunnel(t, "Lead", "Qualified", "Proposal")
	for _, workers := range []int{1, 2} {
		s := mustScan(t, f, funnel.Options{Mode: funnel.Lenient, AsOf: want.AsOf, Workers: workers})
		r, err := target.Rank(s, values(deals), target.Options{Targets: want.Sets, StallAfter: time.Duration(want.StallAfterDays) * dayLen})
		if err != nil {
			t.Fatal(err)
		}
		in := r.Input
		if in.Read != want.Input.Read || in.Counted != want.Input.Counted || in.Future != want.Input.Future || in.Skipped.Count != want.Input.Skipped {
			t.Errorf("input %+v, want %+v", in, want.Input)
		}
		var got []crossStep
		for _, st := range r.Steps {
			c := crossStep{From: st.From, To: st.To, Conversion: [2]int64{st.Conversion.Num, st.Conversion.Den},
				Decided: [2]int64{st.Decided.Num, st.Decided.Den}, DropOff: st.DropOff, Pending: st.Pending, Dropped: st.Dropped,
				Lost: st.Lost, LostValue: st.LostValue, Open: st.Open, OpenValue: st.OpenValue, Stalled: st.Stalled,
				StalledValue: st.StalledValue, StallUntimed: st.StallUntimed, TimeCount: st.TimeInStage.Count,
				Shortfall: st.Shortfall, Significant: st.Significant}
			if st.TimeInStage.Count > 0 {
				ns := int64(st.TimeInStage.Median)
				c.TimeMedianNs = &ns
			}
			if iv := st.Decided.Interval; iv.Defined {
				c.Interval = &[2]float64{iv.Lo, iv.Hi}
			}
			if ct := st.ConversionTarget; ct != nil {
				c.ConversionStatus, c.ConversionSet = statusText(ct.Status), &ct.Set
			}
			if tt := st.TimeTarget; tt != nil {
				c.TimeStatus = statusText(tt.Status)
			}
			got = append(got, c)
		}
		if diff := cmp.Diff(want.Steps, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("%d workers: ranking differs from crosscheck.py (-python +go):\n%s", workers, diff)
		}
		e, err := want.Sets[0].Evaluate(r.Report, "", time.Time{}, s.Options().Test)
		if err != nil {
			t.Fatal(err)
		}
		var gotEval []crossEval
		for _, res := range e.Results {
			if res.Target.Metric == target.StepConversion {
				continue // compared through the ranking above
			}
			c := crossEval{Metric: res.Target.Metric, Stage: res.Target.Stage, Value: res.Observed.Value.StringFixed(10), N: res.Observed.N, Status: res.Status.String()}
			if res.Target.Metric == target.DealsCreated {
				c.Value = res.Observed.Value.String()
			}
			if iv := res.Observed.Rate.Interval; iv.Defined {
				c.Interval = &[2]float64{iv.Lo, iv.Hi}
			}
			gotEval = append(gotEval, c)
		}
		if diff := cmp.Diff(want.Evaluation, gotEval, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
			t.Errorf("evaluation differs from crosscheck.py (-python +go):\n%s", diff)
		}
	}
}
