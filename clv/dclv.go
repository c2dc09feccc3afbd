package clv

import (
	"fmt"
	"math"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// MaxCLVPeriods is the largest horizon of [DiscountedCLV], in periods
// (833 years of months): more is an error wrapping
// [funnel.ErrInvalidParam].
const MaxCLVPeriods = 10_000

// CLVOptions configures [DiscountedCLV]. The zero value is invalid: set
// Periods and PeriodLength.
type CLVOptions struct {
	// Periods is the number of periods in the horizon, from 1 to
	// [MaxCLVPeriods].
	Periods int
	// PeriodLength is the length of one period in the model's time unit,
	// such as 4 for four-week periods of a model fitted in weeks. > 0.
	PeriodLength float64
	// DiscountRate is the discount rate per period, >= 0; zero means no
	// discounting.
	DiscountRate float64
	// MarginRate is the share of spend kept as margin, in [0, 1]. Zero is
	// taken literally (a CLV of zero); use 1 for revenue.
	MarginRate decimal.Decimal
}

// DiscountedCLV returns a customer's discounted expected margin over a
// finite horizon, combining the purchase model and the spend model
// (Fader, Hardie & Lee 2005, "RFM and CLV"):
//
//	CLV = sum_{i=1..N} m (E(iL) - E((i-1)L)) / (1 + d)^i
//
// where E(t) is [BGNBD.ExpectedPurchases] over the next t time units, L
// the period length, d the discount rate per period, and m the margin per
// purchase: MarginRate x [GammaGamma.ExpectedSpend]. Purchases of period i
// are discounted as if made at its end. Without discounting, the sum is
// m E(N L), computed as such. Its cost is linear in N: each E is evaluated
// in bounded time. The result is rounded to 6 decimal places. It returns an
// error wrapping [funnel.ErrInvalidParam] for invalid options (Periods
// outside 1..[MaxCLVPeriods] among them), or any error of the two models'
// predictions.
func DiscountedCLV(bg BGNBD, gg GammaGamma, c Customer, o CLVOptions) (decimal.Decimal, error) {
	v, _, err := discountedCLV(bg, gg, c, o)
	return v, err
}

// discountedCLV is [DiscountedCLV] that also reports the work done by the
// hypergeometric functions of its expectations.
func discountedCLV(bg BGNBD, gg GammaGamma, c Customer, o CLVOptions) (decimal.Decimal, int, error) {
	if err := o.check(); err != nil {
		return decimal.Decimal{}, 0, err
	}
	v, work, err := clvFloat(bg, gg, c, o)
	if err != nil {
		return decimal.Decimal{}, work, err
	}
	d, err := toMoney(v)
	return d, work, err
}

// check validates the options of a CLV.
func (o CLVOptions) check() error {
	switch {
	case o.Periods < 1 || o.Periods > MaxCLVPeriods:
		return fmt.Errorf("clv: CLV periods %d must be in [1, %d]: %w", o.Periods, MaxCLVPeriods, funnel.ErrInvalidParam)
	case !(o.PeriodLength > 0) || math.IsInf(o.PeriodLength*float64(o.Periods), 1):
		return fmt.Errorf("clv: CLV period length %v must be positive and finite over the horizon: %w", o.PeriodLength, funnel.ErrInvalidParam)
	case !(o.DiscountRate >= 0) || math.IsInf(o.DiscountRate, 1):
		return fmt.Errorf("clv: CLV discount rate %v must be finite and >= 0: %w", o.DiscountRate, funnel.ErrInvalidParam)
	case o.MarginRate.IsNegative() || o.MarginRate.GreaterThan(decimal.NewFromInt(1)):
		return fmt.Errorf("clv: CLV margin rate %s must be in [0, 1]: %w", o.MarginRate, funnel.ErrInvalidParam)
	}
	return nil
}

// clvFloat is the discounted CLV of valid options in floating point,
// unrounded, with the work done by the hypergeometric functions.
func clvFloat(bg BGNBD, gg GammaGamma, c Customer, o CLVOptions) (float64, int, error) {
	spend, err := gg.expectedSpend(c)
	if err != nil {
		return 0, 0, err
	}
	margin, _ := o.MarginRate.Float64()
	if o.DiscountRate == 0 {
		e, work, err := bg.expectedPurchases(c, float64(o.Periods)*o.PeriodLength)
		if err != nil {
			return 0, work, err
		}
		return margin * spend * e, work, nil
	}
	var sum, prev float64
	total := 0
	disc := 1.0
	for i := 1; i <= o.Periods; i++ {
		e, work, err := bg.expectedPurchases(c, float64(i)*o.PeriodLength)
		total += work
		if err != nil {
			return 0, total, err
		}
		disc /= 1 + o.DiscountRate
		sum += (e - prev) * disc
		prev = e
	}
	return margin * spend * sum, total, nil
}
