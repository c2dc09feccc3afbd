package forecast_test

import (
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func vin(n, num, den int64, size string, days int) forecast.VelocityInputs {
	return forecast.VelocityInputs{Opportunities: n, WinRate: funnel.Ratio{Num: num, Den: den}, DealSize: dec(size), Cycle: time.Duration(days) * 24 * time.Hour}
}

func TestVelocity(t *testing.T) {
	// 10 x 1/4 x 1000 / 20 days = 125 per day.
	if v, ok := vin(10, 1, 4, "1000", 20).Velocity(); !ok || !v.Equal(dec("125")) {
		t.Errorf("Velocity = %v, %v; want 125", v, ok)
	}
	if _, ok := vin(10, 0, 0, "1000", 20).Velocity(); ok {
		t.Error("Velocity with undefined win rate is ok")
	}
	if _, ok := vin(10, 1, 4, "1000", 0).Velocity(); ok {
		t.Error("Velocity with zero cycle is ok")
	}
	// LMDI by hand, logarithms from python3 math.log
	// (testdata/crosscheck.py prints them).
	tests := []struct {
		name     string
		from, to forecast.VelocityInputs
		want     [5]string // change, volume, win rate, deal size, cycle
	}{
		{"volume only", vin(10, 1, 4, "1000", 20), vin(20, 1, 4, "1000", 20), [5]string{"125", "125", "0", "0", "0"}},
		// V equal: L(V, V) = 125, volume 125 ln 2 = 86.64339757, cycle
		// -125 ln 2.
		{"volume against cycle", vin(10, 1, 4, "1000", 20), vin(20, 1, 4, "1000", 40), [5]string{"0", "86.64339757", "0", "0", "-86.64339757"}},
		// V0 = 125, V1 = 20 x 1/2 x 500 / 10 = 500; weight 375 / ln 4, so
		// each doubling or halving moves 375 ln 2 / ln 4 = 187.5.
		{"all four", vin(10, 1, 4, "1000", 20), vin(20, 1, 2, "500", 10), [5]string{"375", "187.5", "187.5", "-187.5", "187.5"}},
		// from crosscheck.py: V0 = 7 x 3/10 x 1234.56 / 33, V1 = 9 x 2/5 x
		// 999.99 / 41
		{"odd", vin(7, 3, 10, "1234.56", 33), vin(9, 2, 5, "999.99", 41), [5]string{"9.2410909091", "20.883684244", "23.9057566445", "-17.5107601006", "-18.0375898788"}},
	}
	round := cmp.Transformer("round", func(d decimal.Decimal) string { return d.StringFixed(8) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := forecast.Decompose(tt.from, tt.to)
			if !ok {
				t.Fatal("Decompose not ok")
			}
			gotS := [5]decimal.Decimal{got.Change, got.Volume, got.WinRate, got.DealSize, got.Cycle}
			var want [5]decimal.Decimal
			for i, w := range tt.want {
				want[i] = dec(w)
			}
			if diff := cmp.Diff(want, gotS, round); diff != "" {
				t.Errorf("Decompose mismatch (-want +got):\n%s", diff)
			}
			sum := got.Volume.Add(got.WinRate).Add(got.DealSize).Add(got.Cycle)
			if sum.Sub(got.Change).Abs().GreaterThan(dec("0.000000001")) {
				t.Errorf("contributions sum to %v, change %v", sum, got.Change)
			}
			roundTripJSON(t, got)
			var b strings.Builder
			if err := got.WriteText(&b); err != nil || !strings.Contains(b.String(), "volume") {
				t.Errorf("WriteText: %q %v", b.String(), err)
			}
		})
	}
	if _, ok := forecast.Decompose(vin(0, 1, 4, "1000", 20), vin(20, 1, 4, "1000", 20)); ok {
		t.Error("Decompose from zero velocity is ok")
	}
	if _, ok := forecast.Decompose(vin(10, 1, 4, "1000", 20), vin(20, 0, 4, "1000", 20)); ok {
		t.Error("Decompose to a zero win rate is ok")
	}
}

func TestVelocityOfReport(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	deals := []funnel.Deal{
		{ID: "w1", Created: day(0), Closed: day(10), Outcome: funnel.Won, Amount: dec("100"), Stage: "B"},
		{ID: "w2", Created: day(0), Closed: day(3), Outcome: funnel.Won, Amount: dec("300"), Stage: "B"},
		{ID: "l1", Created: day(0), Closed: day(3), Outcome: funnel.Lost, Amount: dec("5"), Stage: "A"},
		{ID: "l2", Created: day(0), Closed: day(3), Outcome: funnel.Lost, Amount: dec("5"), Stage: "A"},
		{ID: "o1", Created: day(0), Amount: dec("5"), Stage: "A"},
		{ID: "o2", Created: day(0), Amount: dec("5"), Stage: "A"},
	}
	r, err := funnel.Compute(f, values(deals), funnel.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// 2 open, 2 won of 4 closed, mean won 200, mean cycle 6.5 days: 2 x
	// 1/2 x 200 / 6.5 = 30.7692307692.
	in := forecast.VelocityOf(r)
	v, ok := in.Velocity()
	if !ok || !v.Equal(dec("30.7692307692")) {
		t.Errorf("Velocity(report) = %v, %v", v, ok)
	}
	roundTripJSON(t, in)
}
