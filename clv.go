package funnel

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// clvDivScale is the number of decimal places kept by every division in the
// customer-lifetime-value functions. Divisions round half away from zero
// ([decimal.Decimal.DivRound]).
const clvDivScale = 10

// A CLVParamError reports an invalid parameter of a CLV formula: its name,
// its value and the rule it breaks. It unwraps to [ErrInvalidParam].
type CLVParamError struct {
	Param string
	Value decimal.Decimal
	Rule  string
}

// Error implements the error interface.
func (e *CLVParamError) Error() string {
	return fmt.Sprintf("funnel: clv parameter %s = %s: %s", e.Param, e.Value, e.Rule)
}

// Unwrap returns [ErrInvalidParam].
func (e *CLVParamError) Unwrap() error { return ErrInvalidParam }

// checkUnit validates a rate in [0, 1].
func checkUnit(name string, v decimal.Decimal) error {
	if v.IsNegative() || v.GreaterThan(decimal.NewFromInt(1)) {
		return &CLVParamError{Param: name, Value: v, Rule: "must be in [0, 1]"}
	}
	return nil
}

// checkNonNeg validates a value >= 0.
func checkNonNeg(name string, v decimal.Decimal) error {
	if v.IsNegative() {
		return &CLVParamError{Param: name, Value: v, Rule: "must not be negative"}
	}
	return nil
}

// CLVSimpleParams are the inputs of [CLVSimple]. All must be >= 0.
type CLVSimpleParams struct {
	// AverageOrderValue is the mean value of one purchase (money).
	AverageOrderValue decimal.Decimal
	// PurchaseFrequency is the mean number of purchases per period.
	PurchaseFrequency decimal.Decimal
	// Lifespan is the expected customer lifespan in the same periods, often
	// 1 / churn rate.
	Lifespan decimal.Decimal
}

// CLVSimple returns the simple formula CLV: average order value x purchase
// frequency x lifespan, the lifespan often 1 / churn. The product is
// exact. It returns a [*CLVParamError] for a negative input.
func CLVSimple(p CLVSimpleParams) (decimal.Decimal, error) {
	for _, f := range []struct {
		name string
		v    decimal.Decimal
	}{{"AverageOrderValue", p.AverageOrderValue}, {"PurchaseFrequency", p.PurchaseFrequency}, {"Lifespan", p.Lifespan}} {
		if err := checkNonNeg(f.name, f.v); err != nil {
			return decimal.Decimal{}, err
		}
	}
	return p.AverageOrderValue.Mul(p.PurchaseFrequency).Mul(p.Lifespan), nil
}

// CLVMarginParams are the inputs of [CLVMarginMultiple].
type CLVMarginParams struct {
	// Margin is the margin m a customer brings per period (money).
	Margin decimal.Decimal
	// Retention is the per-period retention rate r, in [0, 1].
	Retention decimal.Decimal
	// Discount is the per-period discount rate i, >= 0.
	Discount decimal.Decimal
	// MarginAtStart selects the variant in which a margin is also earned at
	// t = 0, when the customer is acquired. The default (false) is the
	// Gupta-Lehmann form whose first margin comes after one period.
	MarginAtStart bool
}

// CLVMarginMultiple returns the margin-multiple CLV of Gupta & Lehmann
// (2003), "Customers as Assets", J. Interactive Marketing 17(1): with
// constant margin m, retention r and discount rate i over an infinite
// horizon,
//
//	CLV = m r / (1 + i - r)            first margin after one period (default)
//	CLV = m (1 + i) / (1 + i - r)      MarginAtStart: margin also at t = 0
//
// The second equals the first plus m. The division rounds half away from
// zero to 10 places. It returns a [*CLVParamError] if r is outside [0, 1],
// i is negative, or 1 + i - r <= 0 (r = 1 and i = 0: the sum diverges).
func CLVMarginMultiple(p CLVMarginParams) (decimal.Decimal, error) {
	if err := checkUnit("Retention", p.Retention); err != nil {
		return decimal.Decimal{}, err
	}
	if err := checkNonNeg("Discount", p.Discount); err != nil {
		return decimal.Decimal{}, err
	}
	one := decimal.NewFromInt(1)
	den := one.Add(p.Discount).Sub(p.Retention)
	if !den.IsPositive() {
		return decimal.Decimal{}, &CLVParamError{Param: "1 + Discount - Retention", Value: den, Rule: "must be positive"}
	}
	num := p.Margin.Mul(p.Retention)
	if p.MarginAtStart {
		num = p.Margin.Mul(one.Add(p.Discount))
	}
	return num.DivRound(den, clvDivScale), nil
}

// CLVContractualParams are the inputs of [CLVContractual].
type CLVContractualParams struct {
	// ARPA is the average revenue per account per period (money).
	ARPA decimal.Decimal
	// GrossMargin is the gross margin rate, in [0, 1].
	GrossMargin decimal.Decimal
	// Churn is the per-period churn rate c, in [0, 1]: retention is 1 - c.
	Churn decimal.Decimal
	// Discount is the per-period discount rate d, >= 0. Zero means no
	// discounting.
	Discount decimal.Decimal
}

// CLVContractual returns the contractual (subscription) CLV: an account pays
// ARPA at the start of every period it is subscribed, from acquisition on,
// and churns at the end of a period with probability c:
//
//	CLV = ARPA x margin x (1 + d) / (d + c)
//
// which is ARPA x margin / c without discounting (the usual SaaS formula).
// It is the MarginAtStart form of [CLVMarginMultiple] with m = ARPA x margin
// and r = 1 - c (Gupta & Lehmann 2003). The division rounds half away from
// zero to 10 places. It returns a [*CLVParamError] if GrossMargin or Churn
// is outside [0, 1], Discount is negative, or d + c = 0.
func CLVContractual(p CLVContractualParams) (decimal.Decimal, error) {
	if err := checkUnit("GrossMargin", p.GrossMargin); err != nil {
		return decimal.Decimal{}, err
	}
	if err := checkUnit("Churn", p.Churn); err != nil {
		return decimal.Decimal{}, err
	}
	return CLVMarginMultiple(CLVMarginParams{
		Margin:        p.ARPA.Mul(p.GrossMargin),
		Retention:     decimal.NewFromInt(1).Sub(p.Churn),
		Discount:      p.Discount,
		MarginAtStart: true,
	})
}
