package funnel

import (
	"slices"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestStepValueInterval checks the ratio-estimator interval of the
// value-weighted step conversion against testdata/ratio/ratio_estimator.py,
// which works it from each deal's amounts (run it with python3), in one
// pass, sketched, merged from parts and through the binary encoding.
func TestStepValueInterval(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	amounts := []string{"120.50", "80", "300", "45.25", "200", "60", "150", "95.75"}
	toB := []bool{true, true, false, true, true, false, true, false}
	var deals []Deal
	for i, a := range amounts {
		h := hist("A", day(0))
		if toB[i] {
			h = hist("A", day(0), "B", day(1))
		}
		deals = append(deals, Deal{ID: "d" + a, Created: day(0), Amount: dec(a), History: h})
	}
	iv := func(lo, hi float64) Interval { return Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true} }
	want := []MoneyRate{
		{}, // the first row has no step
		// 595.75 / 1051.5 over the eight deals at A
		{MoneyRatio{dec("595.75"), dec("1051.50")}, iv(0.12527384866771368, 1)},
		// none of the five at B won: R = 0, every d_i = 0
		{MoneyRatio{dec("0"), dec("595.75")}, iv(0, 0)},
	}
	stepValues := func(r Report) []MoneyRate {
		var out []MoneyRate
		for _, s := range r.Funnel {
			out = append(out, s.StepValue)
		}
		return out
	}
	approx := cmpopts.EquateApprox(0, 1e-12)
	for _, opts := range []Options{{AsOf: day(20)}, {AsOf: day(20), QuantileError: 0.01}} {
		s, err := NewScan(f, opts)
		if err != nil {
			t.Fatal(err)
		}
		one := NewTally(s)
		for _, d := range deals {
			if err := one.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(want, stepValues(one.Report()), approx); diff != "" {
			t.Errorf("quantile error %v: step values (-want +got):\n%s", opts.QuantileError, diff)
		}
		// parts in another order, merged, and decoded, give the same
		// encoding and report
		a, b := NewTally(s), NewTally(s)
		for i, d := range slices.Backward(deals) {
			part := a
			if i%3 == 0 {
				part = b
			}
			if err := part.Add(d); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		ba, _ := a.MarshalBinary()
		bo, _ := one.MarshalBinary()
		if string(ba) != string(bo) {
			t.Errorf("quantile error %v: the merge's encoding differs from one pass's", opts.QuantileError)
		}
		var dec Tally
		if err := dec.UnmarshalBinary(ba); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(stepValues(one.Report()), stepValues(dec.Report())); diff != "" {
			t.Errorf("quantile error %v: decoded step values (-one +decoded):\n%s", opts.QuantileError, diff)
		}
	}
	r, err := Compute(f, slices.Values(deals), Options{AsOf: day(20)})
	if err != nil {
		t.Fatal(err)
	}
	if text := r.String(); !strings.Contains(text, "95% CI 12.5%..100.0%") {
		t.Errorf("text without the step value's interval:\n%s", text)
	}
}

// TestSquareSum checks the exact sum of squares across exponents, signs,
// the 128-bit boundary and its encoding.
func TestSquareSum(t *testing.T) {
	tests := []struct {
		name    string
		amounts []string
		want    string // the sum of squares, worked by hand
	}{
		{"empty", nil, "0"},
		{"one", []string{"3"}, "9"},
		{"exponents", []string{"1.5", "20", "0.25"}, "402.3125"},       // 2.25 + 400 + 0.0625
		{"smaller exponent later", []string{"20", "0.25"}, "400.0625"}, // rescales what is held
		{"negative", []string{"-4", "3"}, "25"},                        // 16 + 9
		// 400 (10^18 - 1)^2 = 4 10^38 - 8 10^20 + 400 > 2^128
		{"past 128 bits", slices.Repeat([]string{"999999999999999999"}, 400), "399999999999999999200000000000000000400"},
		// past 128 bits, and one amount more at the sum's exponent
		{"past 128 bits, then one more", append(slices.Repeat([]string{"999999999999999999"}, 400), "2"), "399999999999999999200000000000000000404"},
		{"more than 18 digits", []string{"12345678901234567890"}, "152415787532388367501905199875019052100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q, r squareSum
			for i, a := range tt.amounts {
				d := dec(a)
				sc := scaledOf(d)
				q.add(&sc, &d)
				// the reverse order, merged from one-amount parts
				var p squareSum
				e := dec(tt.amounts[len(tt.amounts)-1-i])
				se := scaledOf(e)
				p.add(&se, &e)
				r.merge(&p)
			}
			for _, s := range []*squareSum{&q, &r} {
				got := dec("0")
				if s.set {
					got = decimal.NewFromBigInt(s.value(), s.exp)
				}
				if !got.Equal(dec(tt.want)) {
					t.Errorf("sum %s, want %s", got, tt.want)
				}
			}
			var wq, wr wire.Writer
			q.encode(&wq)
			r.encode(&wr)
			if string(wq.Bytes()) != string(wr.Bytes()) {
				t.Errorf("encodings differ by order")
			}
			var back squareSum
			rd := wire.NewReader(wq.Bytes())
			back.decode(rd)
			if rd.Err() != nil || back.float64() != q.float64() || q.minus(&back) != 0 {
				t.Errorf("decoded %v (%v), want %v", back.float64(), rd.Err(), q.float64())
			}
		})
	}
}
