package forecast

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestShareOf checks the integer fast path of shareOf against decimal
// arithmetic.
func TestShareOf(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200000 {
		coef := r.Int64N(1 << (1 + r.IntN(62)))
		exp := int32(r.IntN(30) - 20)
		w := decimal.New(coef, exp)
		rem := 1 + r.Int64N(1<<(1+r.IntN(40)))
		c := r.Int64N(rem + 1)
		if i%7 == 0 {
			c = rem - 1
		}
		den := decimal.NewFromInt(rem)
		got := shareOf(numOf(w), c, rem).decimal()
		want := w.Mul(decimal.NewFromInt(c)).DivRound(den, 10)
		if !got.Equal(want) {
			t.Fatalf("shareOf(%v, %d, %d) = %v, want %v", w, c, rem, got, want)
		}
	}
}

// TestExactSums checks num.mul and xsum against decimal arithmetic.
func TestExactSums(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		var s xsum
		want := decimal.Zero
		for range 1 + r.IntN(30) {
			a := decimal.New(r.Int64N(1<<(1+r.IntN(62))), int32(r.IntN(24)-16))
			p := decimal.New(r.Int64N(1<<(1+r.IntN(40))), int32(-r.IntN(12)))
			n := numOf(a).mul(numOf(p))
			if !n.decimal().Equal(a.Mul(p)) {
				t.Fatalf("%v x %v = %v", a, p, n.decimal())
			}
			if r.IntN(3) == 0 {
				n = n.neg()
			}
			s.add(n)
			want = want.Add(n.decimal())
		}
		if !s.value().Equal(want) {
			t.Fatalf("sum %v, want %v", s.value(), want)
		}
	}
}
