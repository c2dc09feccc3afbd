package wire

import (
	"errors"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestRoundTrip(t *testing.T) {
	huge, _ := new(big.Int).SetString("-123456789012345678901234567890", 10)
	at := time.Date(2024, 3, 10, 1, 2, 3, 456, time.UTC)
	var w Writer
	w.Header("kind", 3)
	w.Uvarint(math.MaxUint64)
	w.Varint(math.MinInt64)
	w.Bool(true)
	w.Float(-0.25)
	w.String("héllo")
	w.Big(huge)
	w.Decimal(decimal.RequireFromString("-1234.5600"))
	w.Decimal(decimal.NewFromBigInt(huge, -7))
	w.Time(at)
	w.Time(time.Time{})
	w.SortedInts([]int64{-5, 0, 0, 7, math.MaxInt64})
	r := NewReader(w.Bytes())
	type out struct {
		V        uint64
		U        uint64
		I        int64
		B        bool
		F        float64
		S, Big   string
		D1, D2   string
		T        time.Time
		Zero     bool
		Sorted   []int64
		Leftover error
	}
	got := out{V: r.Header("kind"), U: r.Uvarint(), I: r.Varint(), B: r.Bool(), F: r.Float(), S: r.String(), Big: r.Big().String(),
		D1: r.Decimal().String(), D2: r.Decimal().String(), T: r.Time(), Zero: r.Time().IsZero(), Sorted: r.SortedInts(), Leftover: r.End()}
	want := out{V: 3, U: math.MaxUint64, I: math.MinInt64, B: true, F: -0.25, S: "héllo", Big: huge.String(),
		D1: "-1234.56", D2: "-12345678901234567890123.456789", T: at, Zero: true, Sorted: []int64{-5, 0, 0, 7, math.MaxInt64}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestReaderRejects(t *testing.T) {
	var w Writer
	w.Header("kind", 1)
	good := w.Bytes()
	for name, b := range map[string][]byte{
		"empty":      nil,
		"bad magic":  []byte("XYZ\x04kind\x01"),
		"other kind": append([]byte("FNL\x05other"), 1),
		"truncated":  good[:len(good)-1],
	} {
		r := NewReader(b)
		r.Header("kind")
		if !errors.Is(r.End(), ErrFormat) {
			t.Errorf("%s: accepted", name)
		}
	}
	// a count larger than the bytes left is refused before any allocation
	r := NewReader([]byte{0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2})
	if n := r.Count(1); n != 0 || r.Err() == nil {
		t.Errorf("Count = %d, %v", n, r.Err())
	}
	// overflowing sorted deltas
	w = Writer{}
	w.Int(2)
	w.Varint(math.MaxInt64)
	w.Uvarint(1)
	if v := NewReader(w.Bytes()).SortedInts(); v != nil {
		t.Errorf("overflowing deltas decoded to %v", v)
	}
	// a decimal exponent past MaxExponent
	w = Writer{}
	w.b = append(w.b, 0)
	w.Varint(1)
	w.Varint(MaxExponent + 1)
	rd := NewReader(w.Bytes())
	rd.Decimal()
	if rd.Err() == nil {
		t.Error("huge exponent accepted")
	}
}

// FuzzReader reads arbitrary bytes with every reader method: no panic, and
// the first error sticks.
func FuzzReader(f *testing.F) {
	var w Writer
	w.Header("k", 1)
	w.String("abc")
	w.Decimal(decimal.RequireFromString("1.5"))
	w.SortedInts([]int64{1, 2, 3})
	f.Add(w.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(b)
		r.Header("k")
		for i := 0; r.Err() == nil && i < 64; i++ {
			switch i % 9 {
			case 0:
				r.Uvarint()
			case 1:
				r.Varint()
			case 2:
				_ = r.String()
			case 3:
				r.Big()
			case 4:
				r.Decimal()
			case 5:
				r.Time()
			case 6:
				r.SortedInts()
			case 7:
				r.Float()
			case 8:
				r.Bool()
			}
		}
		if err := r.Err(); err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("error %v does not wrap ErrFormat", err)
		}
	})
}
