package funnel

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// A squareSum is the exact sum of the squares of amounts, sum c_i^2 10^exp
// at a common even exponent (twice the smallest exponent of the amounts),
// for the variance of a ratio estimator (see [MoneyRate]) of totals kept
// without their amounts. Exact, it does not depend on the order the amounts
// were added or merged in. The zero squareSum is empty.
type squareSum struct {
	hi, lo uint64   // the sum while it fits in 128 bits and big is nil
	exp    int32    // exponent of one unit of the sum; even
	set    bool     // an amount was added: exp is set
	big    *big.Int // the sum once it does not
}

// add adds the square of d, whose coefficient and exponent a holds when
// a.ok.
func (q *squareSum) add(a *scaledAmount, d *decimal.Decimal) {
	if a.ok && q.set && q.big == nil && 2*a.e == q.exp {
		// the common case: the amount at the sum's exponent, its square
		// worked out once for the deal
		lo, carry := bits.Add64(q.lo, a.sqLo, 0)
		hi, carry := bits.Add64(q.hi, a.sqHi, carry)
		if carry == 0 {
			q.hi, q.lo = hi, lo
			return
		}
	}
	if !q.add128(*a) {
		c := d.Coefficient()
		q.addBig(c.Mul(c, c), 2*d.Exponent())
	}
}

// add128 adds the square of a in 128 bits, and reports false, changing
// nothing, when it does not fit there.
func (q *squareSum) add128(a scaledAmount) bool {
	if !a.ok || q.big != nil || (q.set && 2*a.e < q.exp) {
		return false
	}
	c := a.c
	if !q.set {
		q.set, q.exp = true, 2*a.e
	} else if diff := a.e - q.exp/2; diff > 0 {
		var ok bool
		if c, ok = mul64(a.c, pow10[min(diff, 18)]); !ok || diff > 18 {
			return false
		}
	}
	u := uint64(c)
	if c < 0 {
		u = -u
	}
	h, l := bits.Mul64(u, u)
	lo, carry := bits.Add64(q.lo, l, 0)
	hi, carry := bits.Add64(q.hi, h, carry)
	if carry != 0 {
		return false
	}
	q.hi, q.lo = hi, lo
	return true
}

// addBig adds v 10^e, e even.
func (q *squareSum) addBig(v *big.Int, e int32) {
	if !q.set {
		q.set, q.exp = true, e
	}
	b := q.toBig()
	if e < q.exp {
		b.Mul(b, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(q.exp-e)), nil))
		q.exp = e
	} else if e > q.exp {
		v = new(big.Int).Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e-q.exp)), nil))
	}
	b.Add(b, v)
	q.demote()
}

// toBig moves the sum into q.big and returns it.
func (q *squareSum) toBig() *big.Int {
	if q.big == nil {
		q.big = q.value()
		q.hi, q.lo = 0, 0
	}
	return q.big
}

// demote moves a sum that fits in 128 bits back out of q.big.
func (q *squareSum) demote() {
	if q.big != nil && q.big.Sign() >= 0 && q.big.BitLen() <= 128 {
		lo := new(big.Int).And(q.big, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
		q.hi, q.lo = new(big.Int).Rsh(q.big, 64).Uint64(), lo
		q.big = nil
	}
}

// value returns the coefficient of the sum (at q.exp) as a new big.Int.
func (q *squareSum) value() *big.Int {
	if q.big != nil {
		return new(big.Int).Set(q.big)
	}
	v := new(big.Int).SetUint64(q.hi)
	return v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(q.lo))
}

// merge adds the squares o holds.
func (q *squareSum) merge(o *squareSum) {
	if !o.set {
		return
	}
	if q.set && q.big == nil && o.big == nil && q.exp == o.exp {
		lo, carry := bits.Add64(q.lo, o.lo, 0)
		hi, carry := bits.Add64(q.hi, o.hi, carry)
		if carry == 0 {
			q.hi, q.lo = hi, lo
			return
		}
	}
	q.addBig(o.value(), o.exp)
}

// float64 returns the sum, rounded once to a float64.
func (q *squareSum) float64() float64 { return bigFloat(q.value(), q.exp) }

// minus returns the sum less o's, exactly before the one rounding to a
// float64.
func (q *squareSum) minus(o *squareSum) float64 {
	a, b := q.value(), o.value()
	exp := q.exp
	switch {
	case !o.set:
	case !q.set || o.exp < q.exp:
		a.Mul(a, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(q.exp-o.exp)), nil))
		exp = o.exp
	case o.exp > q.exp:
		b.Mul(b, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(o.exp-q.exp)), nil))
	}
	if !q.set {
		a.SetInt64(0)
	}
	return bigFloat(a.Sub(a, b), exp)
}

// bigFloat returns v 10^exp rounded once to a float64, so that it does not
// depend on the exponent the value is held at.
func bigFloat(v *big.Int, exp int32) float64 {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(max(exp, -exp))), nil)
	var r big.Rat
	if exp >= 0 {
		r.SetInt(p.Mul(p, v))
	} else {
		r.SetFrac(v, p)
	}
	f, _ := r.Float64()
	return f
}

// encode writes the sum as a decimal without trailing zeros, so that its
// encoding does not depend on the exponents the amounts came with.
func (q *squareSum) encode(w *wire.Writer) {
	v, exp := q.value(), q.exp
	if v.Sign() == 0 {
		exp = 0
	}
	ten, r := big.NewInt(10), new(big.Int)
	for v.Sign() != 0 {
		qt, rm := new(big.Int).QuoRem(v, ten, r)
		if rm.Sign() != 0 {
			break
		}
		v, exp = qt, exp+1
	}
	w.Decimal(decimal.NewFromBigInt(v, exp))
}

// decode reads a sum written by encode.
func (q *squareSum) decode(r *wire.Reader) {
	*q = squareSum{}
	d := r.Decimal()
	if r.Err() != nil {
		return
	}
	c, e := d.Coefficient(), d.Exponent()
	switch {
	case c.Sign() < 0:
		r.Fail("negative sum of squares")
	case c.Sign() == 0 && e != 0, c.Sign() != 0 && new(big.Int).Rem(c, big.NewInt(10)).Sign() == 0:
		r.Fail("sum of squares not in its shortest form")
	case c.Sign() > 0:
		if e%2 != 0 { // keep the exponent even: one more digit
			c.Mul(c, big.NewInt(10))
			e--
		}
		q.addBig(c, e)
	}
}
