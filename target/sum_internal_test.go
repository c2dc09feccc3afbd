package target

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestAmountSum checks the fast sum against decimal.Decimal.Add, value
// and exponent, over amounts of mixed exponents, huge ones included, in
// random orders.
func TestAmountSum(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	amounts := []decimal.Decimal{decimal.RequireFromString("0.00"), decimal.RequireFromString("1e3"),
		decimal.RequireFromString("922337203685477580.7"), decimal.RequireFromString("999999999999999999"),
		decimal.RequireFromString("1e18"), decimal.RequireFromString("123456789012345678901234567890.123")}
	for range 200 {
		n := rng.IntN(40)
		var list []decimal.Decimal
		for range n {
			switch rng.IntN(4) {
			case 0:
				list = append(list, amounts[rng.IntN(len(amounts))])
			default:
				list = append(list, decimal.New(rng.Int64N(1e9), -int32(rng.IntN(6))+int32(rng.IntN(3))))
			}
		}
		want := decimal.Decimal{}
		var s amountSum
		for _, d := range list {
			want = want.Add(d)
			s.add(d)
		}
		got := s.value()
		if !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Fatalf("sum of %v = %s (exp %d), want %s (exp %d)", list, got, got.Exponent(), want, want.Exponent())
		}
		rng.Shuffle(len(list), func(i, j int) { list[i], list[j] = list[j], list[i] })
		var s2 amountSum
		for _, d := range list {
			s2.add(d)
		}
		if g2 := s2.value(); !g2.Equal(got) || g2.Exponent() != got.Exponent() {
			t.Fatalf("the order changes the sum: %s, %s", g2, got)
		}
	}
	var zero amountSum
	if v := zero.value(); !v.IsZero() || v.Exponent() != 0 {
		t.Errorf("zero sum %s exp %d", v, v.Exponent())
	}
}
