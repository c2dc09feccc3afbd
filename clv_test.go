package funnel

import (
	"errors"
	"math"
	"testing"

	"github.com/shopspring/decimal"
)

func clvDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// TestCLVSimple checks AOV x frequency x lifespan by hand.
func TestCLVSimple(t *testing.T) {
	tests := []struct {
		p    CLVSimpleParams
		want string
	}{
		{CLVSimpleParams{clvDec("50"), clvDec("4"), clvDec("3")}, "600"},
		{CLVSimpleParams{clvDec("0.1"), clvDec("0.3"), clvDec("0.7")}, "0.021"},
		{CLVSimpleParams{clvDec("1e20"), clvDec("1e10"), clvDec("100")}, "1e32"},
		{CLVSimpleParams{}, "0"},
	}
	for _, tt := range tests {
		got, err := CLVSimple(tt.p)
		if err != nil || !got.Equal(clvDec(tt.want)) {
			t.Errorf("CLVSimple(%+v) = %s, %v; want %s", tt.p, got, err, tt.want)
		}
	}
	for _, p := range []CLVSimpleParams{{AverageOrderValue: clvDec("-1")}, {PurchaseFrequency: clvDec("-1")}, {Lifespan: clvDec("-1")}} {
		var pe *CLVParamError
		if _, err := CLVSimple(p); !errors.As(err, &pe) || !errors.Is(err, ErrInvalidParam) {
			t.Errorf("CLVSimple(%+v) error = %v, want *CLVParamError", p, err)
		}
	}
}

// TestCLVMarginMultiple checks the Gupta-Lehmann margin multiple against
// values worked by hand (m = 100, r = 0.8, i = 0.1: 80/0.3 and 110/0.3,
// rounded to 10 places) and the error rows.
func TestCLVMarginMultiple(t *testing.T) {
	tests := []struct {
		name string
		p    CLVMarginParams
		want string
	}{
		{"first margin after a period", CLVMarginParams{clvDec("100"), clvDec("0.8"), clvDec("0.1"), false}, "266.6666666667"},
		{"margin at t=0", CLVMarginParams{clvDec("100"), clvDec("0.8"), clvDec("0.1"), true}, "366.6666666667"},
		{"no retention", CLVMarginParams{clvDec("100"), clvDec("0"), clvDec("0.1"), false}, "0"},
		{"no retention, margin at t=0", CLVMarginParams{clvDec("100"), clvDec("0"), clvDec("0.1"), true}, "100"},
		{"full retention, discounted", CLVMarginParams{clvDec("100"), clvDec("1"), clvDec("0.1"), false}, "1000"},
		{"negative margin", CLVMarginParams{clvDec("-50"), clvDec("0.5"), clvDec("0"), false}, "-50"},
		{"huge margin", CLVMarginParams{clvDec("1e25"), clvDec("0.5"), clvDec("0"), false}, "1e25"},
	}
	for _, tt := range tests {
		got, err := CLVMarginMultiple(tt.p)
		if err != nil || !got.Equal(clvDec(tt.want)) {
			t.Errorf("%s: CLVMarginMultiple(%+v) = %s, %v; want %s", tt.name, tt.p, got, err, tt.want)
		}
	}
	bad := []struct {
		p     CLVMarginParams
		param string
	}{
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("1.2")}, "Retention"},
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("-0.1")}, "Retention"},
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("0.5"), Discount: clvDec("-0.05")}, "Discount"},
		{CLVMarginParams{Margin: clvDec("1"), Retention: clvDec("1")}, "1 + Discount - Retention"},
	}
	for _, tt := range bad {
		var pe *CLVParamError
		if _, err := CLVMarginMultiple(tt.p); !errors.As(err, &pe) || pe.Param != tt.param || !errors.Is(err, ErrInvalidParam) {
			t.Errorf("CLVMarginMultiple(%+v) error = %v, want *CLVParamError for %s", tt.p, err, tt.param)
		}
	}
}

// TestCLVMarginMultipleSeries checks the closed forms against the series
// they sum, computed directly: sum_{t>=1} m r^t / (1+i)^t, plus m for the
// t = 0 variant, over 5,000 periods, on a grid of r and i.
func TestCLVMarginMultipleSeries(t *testing.T) {
	for _, r := range []string{"0", "0.3", "0.75", "0.9", "0.99"} {
		for _, i := range []string{"0", "0.05", "0.12"} {
			rf, _ := clvDec(r).Float64()
			fi, _ := clvDec(i).Float64()
			var sum float64
			for k := 1; k <= 5000; k++ {
				sum += 100 * math.Pow(rf/(1+fi), float64(k))
			}
			for _, atStart := range []bool{false, true} {
				want := sum
				if atStart {
					want += 100
				}
				got, err := CLVMarginMultiple(CLVMarginParams{clvDec("100"), clvDec(r), clvDec(i), atStart})
				if err != nil {
					t.Fatal(err)
				}
				if g, _ := got.Float64(); math.Abs(g-want) > 1e-8*math.Max(1, want) {
					t.Errorf("r = %s, i = %s, atStart = %v: %s, series %.10f", r, i, atStart, got, want)
				}
			}
		}
	}
}

// TestCLVContractual checks the subscription CLV by hand: 50 x 0.8 / 0.05
// = 800; with 1% discounting 40 x 1.01 / 0.06 = 673.33...; churn 1 pays
// one period, 40.
func TestCLVContractual(t *testing.T) {
	tests := []struct {
		p    CLVContractualParams
		want string
	}{
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("0.05"), clvDec("0")}, "800"},
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("0.05"), clvDec("0.01")}, "673.3333333333"},
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("1"), clvDec("0")}, "40"},
		{CLVContractualParams{clvDec("50"), clvDec("0.8"), clvDec("0"), clvDec("0.25")}, "200"},
	}
	for _, tt := range tests {
		got, err := CLVContractual(tt.p)
		if err != nil || !got.Equal(clvDec(tt.want)) {
			t.Errorf("CLVContractual(%+v) = %s, %v; want %s", tt.p, got, err, tt.want)
		}
	}
	for _, p := range []CLVContractualParams{
		{ARPA: clvDec("50"), GrossMargin: clvDec("1.2"), Churn: clvDec("0.1")},
		{ARPA: clvDec("50"), GrossMargin: clvDec("0.5"), Churn: clvDec("-0.1")},
		{ARPA: clvDec("50"), GrossMargin: clvDec("0.5"), Churn: clvDec("0")},
		{ARPA: clvDec("50"), GrossMargin: clvDec("0.5"), Churn: clvDec("0.1"), Discount: clvDec("-1")},
	} {
		var pe *CLVParamError
		if _, err := CLVContractual(p); !errors.As(err, &pe) {
			t.Errorf("CLVContractual(%+v) error = %v, want *CLVParamError", p, err)
		}
	}
}

// FuzzCLVMarginMultiple checks the validator and the formula's invariant
// for arbitrary decimal inputs: an error exactly when a rule is broken, and
// otherwise the t=0 variant exceeds the default by m (up to the rounding of
// the two divisions).
func FuzzCLVMarginMultiple(f *testing.F) {
	f.Add("100", "0.8", "0.1")
	f.Add("1", "1", "0")
	f.Add("-50", "0.5", "0")
	f.Add("1e25", "1.2", "-0.05")
	f.Add("0", "0", "0")
	f.Fuzz(func(t *testing.T, ms, rs, is string) {
		m, err1 := decimal.NewFromString(ms)
		r, err2 := decimal.NewFromString(rs)
		i, err3 := decimal.NewFromString(is)
		if err1 != nil || err2 != nil || err3 != nil || m.Exponent() < -30 || r.Exponent() < -30 || i.Exponent() < -30 ||
			m.Abs().GreaterThan(clvDec("1e40")) || i.GreaterThan(clvDec("1e20")) {
			return
		}
		one := decimal.NewFromInt(1)
		valid := !r.IsNegative() && !r.GreaterThan(one) && !i.IsNegative() && one.Add(i).Sub(r).IsPositive()
		base, err := CLVMarginMultiple(CLVMarginParams{Margin: m, Retention: r, Discount: i})
		start, err2 := CLVMarginMultiple(CLVMarginParams{Margin: m, Retention: r, Discount: i, MarginAtStart: true})
		if valid != (err == nil) || valid != (err2 == nil) {
			t.Fatalf("m=%s r=%s i=%s: valid=%v, errors %v, %v", m, r, i, valid, err, err2)
		}
		if !valid {
			var pe *CLVParamError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *CLVParamError", err)
			}
			return
		}
		if d := start.Sub(base).Sub(m).Abs(); d.GreaterThan(clvDec("1e-10")) {
			t.Fatalf("m=%s r=%s i=%s: start %s - base %s != m", m, r, i, start, base)
		}
	})
}
