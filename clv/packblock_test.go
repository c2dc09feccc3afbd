package clv

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestHistoricalBlockOneBelowFirst reads a log whose second block starts
// with a transaction of the second customer, 10 at exponent 0, and holds
// transactions of the first, 0.5 at exponent -1, otherwise: the block's
// customer and exponent columns differ from their first values by 0 or
// -1 only, and each value must still read back exactly.
func TestHistoricalBlockOneBelowFirst(t *testing.T) {
	var l Log
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2 * txnBlockLen {
		c, amt, exp := "a", int64(5), int32(-1)
		if i == txnBlockLen {
			c, amt, exp = "b", 10, 0
		}
		if err := l.AddScaled(c, at, amt, exp); err != nil {
			t.Fatal(err)
		}
	}
	h, err := l.Historical(decimal.NewFromInt(1))
	if err != nil {
		t.Fatal(err)
	}
	// a: 2*4096-1 transactions of 0.5, 4095.5; b: one of 10
	want := []CustomerValue{
		{ID: "a", Purchases: 2*txnBlockLen - 1, Revenue: decimal.RequireFromString("4095.5"), First: at, Last: at},
		{ID: "b", Purchases: 1, Revenue: decimal.NewFromInt(10), First: at, Last: at},
	}
	for i := range want {
		want[i].Margin = want[i].Revenue
	}
	eq := cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })
	if diff := cmp.Diff(want, h.Customers, eq); diff != "" {
		t.Fatalf("historical values (-want +got):\n%s", diff)
	}
}
