package plan_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/plan"
)

// FuzzPlannerDecode checks the planner's decoder: no panic, errors that
// wrap funnel.ErrInvalidParam or funnel.ErrIncompatible, and what decodes
// re-encodes to the same bytes, reports and merges.
func FuzzPlannerDecode(f *testing.F) {
	deals := dealgen.Generate(60, 3, dealgen.Options{})
	deals[4].Stage = "Nowhere"
	s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Currency: "USD", Mode: funnel.Lenient})
	if err != nil {
		f.Fatal(err)
	}
	for _, o := range []plan.Options{planOptionsFor(), {Target: dec("1")}} {
		for _, n := range []int{0, 1, 60} {
			p, err := plan.NewPlanner(s, o)
			if err != nil {
				f.Fatal(err)
			}
			_ = s.Run(slices.Values(deals[:n]), p)
			b := mustEncode(f, p)
			f.Add(b)
			f.Add(b[:len(b)/2])
			f.Add(b[:len(b)-1])
		}
	}
	f.Add([]byte("FNL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p plan.Planner
		if err := p.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
				t.Fatalf("error %v wraps neither ErrInvalidParam nor ErrIncompatible", err)
			}
			return
		}
		if again, err := p.MarshalBinary(); err != nil || !bytes.Equal(again, data) {
			t.Fatalf("decode(encode) re-encodes differently (%v)", err)
		}
		r, err := p.Report()
		if err == nil {
			var b bytes.Buffer
			_ = r.WriteText(&b)
		}
		fresh := p.Fresh()
		if err := fresh.Merge(&p); err != nil {
			t.Fatalf("merging a decoded planner: %v", err)
		}
		_ = p.Add(deals[0])
		_, _ = p.Report()
	})
}

func planOptionsFor() plan.Options {
	return plan.Options{Target: dec("125000"), Period: time.Date(2024, 11, 3, 0, 0, 0, 0, time.UTC), Capacity: dec("8"), CapacityStage: "Qualified",
		WhatIfs: []plan.WhatIf{{Stage: "Proposal", Points: dec("0.05")}, {Days: 7}}}
}
