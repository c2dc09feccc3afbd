package target

import (
	"math"

	"github.com/shopspring/decimal"
)

// An amountSum is an exact sum of non-negative amounts: an int64
// coefficient at one exponent while the sum fits, a decimal after. Its
// value is the sum decimal.Decimal.Add would give, exponent included (the
// smallest of zero and the amounts' exponents), whatever the order the
// amounts came in. The zero amountSum is 0.
type amountSum struct {
	coef int64
	exp  int32
	big  bool
	dec  decimal.Decimal // the sum, once big
}

// pow10 holds 10^0 .. 10^18.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// scale returns c × 10^k, and false when it does not fit.
func scale(c int64, k int32) (int64, bool) {
	if k == 0 || c == 0 {
		return c, true
	}
	if k < 0 || k > 18 || c > math.MaxInt64/pow10[k] {
		return 0, false
	}
	return c * pow10[k], true
}

// add adds an amount to the sum.
func (s *amountSum) add(d decimal.Decimal) {
	if !s.big && d.Sign() >= 0 && d.NumDigits() <= 18 {
		c, e := d.CoefficientInt64(), d.Exponent()
		sum, exp := s.coef, s.exp
		ok := true
		if e < exp {
			sum, ok = scale(sum, exp-e)
			exp = e
		} else {
			c, ok = scale(c, e-exp)
		}
		if ok && sum <= math.MaxInt64-c {
			s.coef, s.exp = sum+c, exp
			return
		}
	}
	if !s.big {
		s.big, s.dec = true, s.value()
	}
	s.dec = s.dec.Add(d)
}

// value returns the sum.
func (s *amountSum) value() decimal.Decimal {
	if s.big {
		return s.dec
	}
	return decimal.New(s.coef, s.exp)
}
