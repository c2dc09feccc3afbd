package clv

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// TestAddScaled checks that AddScaled(c, t, coef, exp) builds the log
// Add(Transaction{c, t, decimal.New(coef, exp)}) builds, byte for byte,
// for amounts of every size (up to and past the 18 digits a log keeps in
// an int64), and refuses what Add refuses, leaving the log unchanged.
func TestAddScaled(t *testing.T) {
	type amt struct {
		coef int64
		exp  int32
	}
	amounts := []amt{{0, 0}, {0, -2}, {1, 0}, {34156, -2}, {5, 3}, {999_999_999_999_999_999, -2},
		{1_000_000_000_000_000_000, -2}, {math.MaxInt64, 0}, {math.MaxInt64, -64}, {7, 64}, {12, -64}}
	var byAdd, byScaled Log
	for i, a := range amounts {
		for j, c := range []string{"a", "b", "a", "c"} {
			at := time.Date(2024, 1, 1+i, j, 0, 0, 0, time.UTC)
			if err := byAdd.Add(Transaction{c, at, decimal.New(a.coef, a.exp)}); err != nil {
				t.Fatal(err)
			}
			if err := byScaled.AddScaled(c, at, a.coef, a.exp); err != nil {
				t.Fatal(err)
			}
		}
	}
	want, err := byAdd.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := byScaled.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("AddScaled built another log than Add: %d bytes of encoding against %d", len(got), len(want))
	}
	n := byScaled.Count()
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		customer string
		at       time.Time
		coef     int64
		exp      int32
		field    string
		want     error
	}{
		{"", day, 1, 0, "Customer", funnel.ErrInvalidParam},
		{"a", time.Time{}, 1, 0, "Time", funnel.ErrInvalidParam},
		{"a", day, -1, -2, "Amount", funnel.ErrNegativeAmount},
		{"a", day, 1, -65, "Amount", funnel.ErrInvalidParam},
		{"a", day, 1, 65, "Amount", funnel.ErrInvalidParam},
	} {
		err := byScaled.AddScaled(tt.customer, tt.at, tt.coef, tt.exp)
		var te *TransactionError
		if !errors.As(err, &te) || !errors.Is(err, tt.want) || te.Field != tt.field || te.Index != n {
			t.Errorf("AddScaled(%q, %v, %d, %d) = %v, want a *TransactionError{Index: %d, Field: %s} wrapping %v", tt.customer, tt.at, tt.coef, tt.exp, err, n, tt.field, tt.want)
		}
	}
	if byScaled.Count() != n || byScaled.Len() != 3 {
		t.Errorf("after refused records: Count() = %d, Len() = %d; want %d, 3", byScaled.Count(), byScaled.Len(), n)
	}
}
