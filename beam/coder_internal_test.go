package funnelbeam

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/beam/internal/gen"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// dealFields are the fields of funnel.Deal, FieldChange, StageChange and
// Attributes that encodeDeal writes. A field added to one of them fails
// TestDealCoderCoversFields until the coder writes it too.
var dealFields = map[reflect.Type][]string{
	reflect.TypeFor[funnel.Deal](): {"ID", "Account", "Pipeline", "Created", "Amount", "Currency", "Outcome", "Closed",
		"ExpectedClose", "Probability", "Category", "LostReason", "Stage", "History", "Changes", "Attrs"},
	reflect.TypeFor[funnel.StageChange](): {"Stage", "At"},
	reflect.TypeFor[funnel.FieldChange](): {"Field", "Key", "At", "Amount", "Time", "Text"},
	reflect.TypeFor[funnel.Attributes]():  {"Source", "Industry", "Owner", "Region", "Product", "Campaign", "Custom"},
}

func TestDealCoderCoversFields(t *testing.T) {
	for typ, want := range dealFields {
		var got []string
		for f := range typ.Fields() {
			got = append(got, f.Name)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%v has other fields than the deal coder writes (-coded +declared):\n%s", typ, diff)
		}
	}
}

// equalTime compares times by instant, offset and zone abbreviation, the
// parts of a time the coder keeps.
func equalTime(a, b time.Time) bool {
	an, ao := a.Zone()
	bn, bo := b.Zone()
	return a.Equal(b) && ao == bo && an == bn && a.IsZero() == b.IsZero()
}

var dealCmp = []cmp.Option{cmp.Comparer(equalTime), cmp.Comparer(func(a, b decimal.Decimal) bool {
	return a.Equal(b) && a.Exponent() == b.Exponent()
})}

func hostileDeals() []funnel.Deal {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	big, _ := decimal.NewFromString("123456789012345678901234567890.123456789")
	return []funnel.Deal{
		{},
		{ID: "one", Stage: "Lead"},
		{
			ID: "full \x00 \"quoted\"\n", Account: "Globex, Inc.", Pipeline: "renewal",
			Created: time.Date(2024, 3, 31, 1, 30, 0, 5, berlin), Amount: big, Currency: "EUR", Outcome: funnel.Lost,
			Closed: time.Date(2024, 10, 27, 2, 30, 0, 0, berlin), ExpectedClose: time.Date(2024, 6, 1, 0, 0, 0, 0, time.FixedZone("", -34200)),
			Probability: decimal.NewNullDecimal(decimal.New(25, -2)), Category: "Best Case", LostReason: "price,\nterms",
			Stage:   "Demo",
			History: []funnel.StageChange{{Stage: "Lead"}, {Stage: "Demo", At: time.Unix(1e9, 0).UTC()}},
			Changes: []funnel.FieldChange{
				{Field: funnel.FieldAmount, At: time.Unix(1e9, 1).UTC(), Amount: decimal.New(-5, 3)},
				{Field: funnel.FieldCategory, Key: "k", Text: "Commit", Time: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)},
			},
			Attrs: funnel.Attributes{Source: "web", Industry: "ü", Owner: "ana", Region: "EMEA", Product: "Pro", Campaign: "x",
				Custom: map[string]string{"b": "2", "a": "", "": "empty key"}},
		},
		{ID: "empty custom", Attrs: funnel.Attributes{Custom: map[string]string{}}, Outcome: funnel.Outcome(-7),
			Created: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
	}
}

func TestDealCoderRoundTrip(t *testing.T) {
	deals := hostileDeals()
	for _, g := range gen.Generate(gen.Options{Deals: 500, Seed: 9, Dist: gen.Pareto}) {
		deals = append(deals, g.Deal)
	}
	for _, d := range deals {
		b := encodeDeal(d)
		got, err := decodeDeal(b)
		if err != nil {
			t.Fatalf("%q: %v", d.ID, err)
		}
		if diff := cmp.Diff(d, got, dealCmp...); diff != "" {
			t.Errorf("%q (-sent +decoded):\n%s", d.ID, diff)
		}
		if (d.Attrs.Custom == nil) != (got.Attrs.Custom == nil) {
			t.Errorf("%q: custom map nil %v, decoded nil %v", d.ID, d.Attrs.Custom == nil, got.Attrs.Custom == nil)
		}
		if again := encodeDeal(got); !bytes.Equal(again, b) {
			t.Errorf("%q: re-encoding gives other bytes", d.ID)
		}
		for n := range b { // every truncation is an error, never a panic
			if _, err := decodeDeal(b[:n]); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("%q truncated to %d bytes: %v", d.ID, n, err)
			}
		}
	}
}

func TestDealCoderHostile(t *testing.T) {
	good := encodeDeal(hostileDeals()[2])
	for name, b := range map[string][]byte{
		"empty":          nil,
		"version":        {2},
		"trailing":       append(append([]byte(nil), good...), 0),
		"huge count":     {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"custom order":   customOrder(),
		"huge exponent":  hugeExponent(),
		"zone offset":    badOffset(),
		"custom entries": append(encodeDeal(funnel.Deal{})[:len(encodeDeal(funnel.Deal{}))-1], 0xff, 0xff, 0x03),
	} {
		if _, err := decodeDeal(b); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v, want an error wrapping ErrInvalidParam", name, err)
		}
	}
}

// customOrder encodes a deal whose custom keys are written out of order.
func customOrder() []byte {
	b := encodeDeal(funnel.Deal{Attrs: funnel.Attributes{Custom: map[string]string{"a": "1", "b": "2"}}})
	i := bytes.Index(b, []byte{1, 'a', 1, '1', 1, 'b', 1, '2'})
	copy(b[i:], []byte{1, 'b', 1, '2', 1, 'a', 1, '1'})
	return b
}

// hugeExponent encodes a deal whose amount has an exponent of 10^9.
func hugeExponent() []byte {
	b := encodeDeal(funnel.Deal{ID: "x", Amount: decimal.New(1, 7)})
	// the amount follows the version, three strings and an unrecorded time
	i := 1 + 2 + 1 + 1 + 1
	if b[i] != 0 || b[i+1] != 2 || b[i+2] != 14 {
		panic("layout changed")
	}
	return append(append(append([]byte(nil), b[:i+2]...), 0x80, 0xa8, 0xd6, 0xb9, 0x07), b[i+3:]...)
}

// badOffset encodes a deal created in a zone 30 hours from UTC.
func badOffset() []byte {
	return encodeDeal(funnel.Deal{Created: time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 30*3600))})
}

func FuzzDecodeDeal(f *testing.F) {
	for _, d := range hostileDeals() {
		b := encodeDeal(d)
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add(customOrder())
	f.Add(hugeExponent())
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decodeDeal(b)
		if err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("error %v does not wrap ErrInvalidParam", err)
			}
			return
		}
		// a decoded deal re-encodes to a fixed point
		e := encodeDeal(d)
		d2, err := decodeDeal(e)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(encodeDeal(d2), e) {
			t.Fatal("re-encoding is not stable")
		}
		_ = d.Validate(gen.Funnel()) // a decoded deal is safe to validate
	})
}

func FuzzDecodeAccumulator(f *testing.F) {
	sp := testSpec(f, testOptions(0))
	fn := &combineFn{Spec: sp}
	if err := fn.Setup(); err != nil {
		f.Fatal(err)
	}
	a := fn.CreateAccumulator()
	for _, g := range gen.Generate(gen.Options{Deals: 20, Seed: 1}) {
		if _, err := fn.AddInput(a, g.Deal); err != nil {
			f.Fatal(err)
		}
	}
	full, _ := encodeAccumulator(a)
	empty, _ := encodeAccumulator(fn.CreateAccumulator())
	for _, b := range [][]byte{full, empty, full[:len(full)/2], {1, 0}, {1, 5, 0}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		acc, err := decodeAccumulator(b)
		if err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("error %v does not wrap ErrInvalidParam", err)
			}
			return
		}
		// rebuilding checks every analysis' encoding: an error, never a panic
		if err := fn.open(acc); err != nil {
			return
		}
		again, err := encodeAccumulator(acc)
		if err != nil {
			t.Fatal(err)
		}
		// the analyses' decoders accept only canonical encodings, so a
		// rebuilt accumulator re-encodes to the bytes it came from
		if !bytes.Equal(again, b) {
			t.Fatal("re-encoding gives other bytes")
		}
		if _, err := fn.ExtractOutput(acc); err != nil {
			t.Fatal(err)
		}
	})
}
