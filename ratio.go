package funnel

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/shopspring/decimal"
)

// A Ratio is a count-based proportion Num/Den, such as 12 deals won of 40
// closed. It keeps both counts, so ratios from parts of the data add up
// exactly ([Ratio.Add]) and an empty set stays distinguishable from 0%.
// The zero Ratio is 0/0 and means "undefined: no observations".
type Ratio struct {
	Num int64
	Den int64
}

// Defined reports whether the ratio has observations (Den > 0).
func (r Ratio) Defined() bool { return r.Den > 0 }

// Float64 returns Num/Den, and false (with 0) when Den is 0.
func (r Ratio) Float64() (float64, bool) {
	if r.Den == 0 {
		return 0, false
	}
	return float64(r.Num) / float64(r.Den), true
}

// Percent returns 100 Num/Den rounded half away from zero to the given
// decimal places, exactly, and false when Den is 0.
func (r Ratio) Percent(places int32) (decimal.Decimal, bool) {
	if r.Den == 0 {
		return decimal.Decimal{}, false
	}
	return decimal.NewFromInt(r.Num).Mul(decimal.NewFromInt(100)).DivRound(decimal.NewFromInt(r.Den), places), true
}

// Add returns the ratio of the summed counts, (r.Num+s.Num)/(r.Den+s.Den):
// the ratio over the union of two disjoint sets. It is how ratios merge;
// averaging the rates of parts would be wrong.
func (r Ratio) Add(s Ratio) Ratio { return Ratio{Num: r.Num + s.Num, Den: r.Den + s.Den} }

// Wilson returns the Wilson score interval for the proportion at the given
// confidence level (0.95 for 95%):
//
//	(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
//
// with p = Num/Den, n = Den and z the two-sided normal quantile. Unlike the
// normal-approximation interval it stays inside [0, 1], also at Num = 0
// and Num = Den (Wilson 1927; Brown, Cai and DasGupta 2001, "Interval
// Estimation for a Binomial Proportion", Statistical Science 16(2)). It
// returns false when Den is 0, when Num is outside 0..Den, or when the
// confidence is not inside (0, 1).
func (r Ratio) Wilson(confidence float64) (lo, hi float64, ok bool) {
	if r.Den <= 0 || r.Num < 0 || r.Num > r.Den {
		return 0, 0, false
	}
	z, err := zScore(confidence)
	if err != nil {
		return 0, 0, false
	}
	n := float64(r.Den)
	p := float64(r.Num) / n
	z2 := z * z
	center := p + z2/(2*n)
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n))
	den := 1 + z2/n
	lo, hi = (center-half)/den, (center+half)/den
	if r.Num == 0 {
		lo = 0
	}
	if r.Num == r.Den {
		hi = 1
	}
	return max(lo, 0), min(hi, 1), true
}

// String returns "12/40 (30.0%)", or "0/0 (n/a)" when undefined.
func (r Ratio) String() string {
	s := strconv.FormatInt(r.Num, 10) + "/" + strconv.FormatInt(r.Den, 10)
	p, ok := r.Percent(1)
	if !ok {
		return s + " (n/a)"
	}
	return s + " (" + p.StringFixed(1) + "%)"
}

// MarshalJSON encodes the ratio as {"num":12,"den":40,"value":0.3}, with
// "value" null when Den is 0.
func (r Ratio) MarshalJSON() ([]byte, error) {
	type out struct {
		Num   int64    `json:"num"`
		Den   int64    `json:"den"`
		Value *float64 `json:"value"`
	}
	o := out{Num: r.Num, Den: r.Den}
	if v, ok := r.Float64(); ok {
		o.Value = &v
	}
	return json.Marshal(o)
}

// A MoneyRatio is a proportion of two amounts of money, such as the value
// won over the value closed. The zero MoneyRatio is 0/0: undefined.
type MoneyRatio struct {
	Num decimal.Decimal
	Den decimal.Decimal
}

// Value returns Num/Den rounded half away from zero to 10 decimal places,
// and false when Den is 0.
func (r MoneyRatio) Value() (decimal.Decimal, bool) {
	if r.Den.IsZero() {
		return decimal.Decimal{}, false
	}
	return r.Num.DivRound(r.Den, divScale), true
}

// String returns "30/40 (75.0%)", or "0/0 (n/a)" when undefined.
func (r MoneyRatio) String() string {
	s := r.Num.String() + "/" + r.Den.String()
	v, ok := r.Value()
	if !ok {
		return s + " (n/a)"
	}
	return s + " (" + v.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%)"
}

// MarshalJSON encodes the ratio as {"num":"30","den":"40","value":"0.75"},
// with "value" null when Den is 0.
func (r MoneyRatio) MarshalJSON() ([]byte, error) {
	type out struct {
		Num   decimal.Decimal  `json:"num"`
		Den   decimal.Decimal  `json:"den"`
		Value *decimal.Decimal `json:"value"`
	}
	o := out{Num: r.Num, Den: r.Den}
	if v, ok := r.Value(); ok {
		o.Value = &v
	}
	return json.Marshal(o)
}
