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
		got := shareOf(w, c, rem, den)
		want := w.Mul(decimal.NewFromInt(c)).DivRound(den, 10)
		if !got.Equal(want) {
			t.Fatalf("shareOf(%v, %d, %d) = %v, want %v", w, c, rem, got, want)
		}
	}
}
