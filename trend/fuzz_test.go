package trend

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
)

// fuzzSeeds returns real encodings of accumulators of kind c (and their
// truncations) to seed a decoder's fuzz target.
func fuzzSeeds(f *testing.F, kinds ...int) {
	scans := []*funnel.Scan{
		mustScan(f, dealgen.Funnel(), funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true}),
		mustScan(f, dealgen.Funnel(), funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Period: funnel.Day}),
	}
	for _, s := range scans {
		for _, k := range kinds {
			for _, n := range []int{0, 1, 12} {
				a := accCases[k].make(f, s)
				for _, d := range propDeals(n, uint64(n+k), true) {
					_ = a.(interface{ Add(funnel.Deal) error }).Add(d)
				}
				b, err := a.MarshalBinary()
				if err != nil {
					f.Fatal(err)
				}
				f.Add(b)
				f.Add(b[:len(b)/2])
			}
		}
	}
}

// fuzzDecode decodes data into a zero accumulator: an error wrapping
// ErrInvalidParam or ErrIncompatible, or an accumulator whose encoding
// decodes and re-encodes to the same bytes, gives a result without panicking and merges.
func fuzzDecode(t *testing.T, data []byte, zero func() funnel.Accumulator, result func(funnel.Accumulator) (any, error)) {
	a := zero()
	if err := a.UnmarshalBinary(data); err != nil {
		if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
			t.Fatalf("decode error %v wraps neither sentinel", err)
		}
		return
	}
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	a2 := zero()
	if err := a2.UnmarshalBinary(b); err != nil {
		t.Fatalf("decoding a re-encoding: %v", err)
	}
	if b2, _ := a2.MarshalBinary(); !bytes.Equal(b, b2) {
		t.Fatalf("decode-encode changes the bytes")
	}
	r1, err1 := result(a)
	c := a.Fresh()
	if err := c.Merge(a); err != nil {
		t.Fatal(err)
	}
	// The merge gives the same result. (Skipped examples are compared
	// apart: funnel.Intake keeps examples with the same position and ID
	// in the order it meets them, which a hostile encoding can set
	// otherwise.)
	r2, err2 := result(c)
	if (err1 == nil) != (err2 == nil) {
		t.Fatalf("result errors %v and %v", err1, err2)
	}
	if err1 == nil && !bytes.Equal(jsonWithoutExamples(t, r1), jsonWithoutExamples(t, r2)) {
		t.Fatalf("a fresh accumulator merged with the decoded one gives another result")
	}
}

func FuzzSeriesDecode(f *testing.F) {
	fuzzSeeds(f, 0, 1, 2)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() funnel.Accumulator { return new(Series) }, seriesResult)
	})
}

func FuzzCohortsDecode(f *testing.F) {
	fuzzSeeds(f, 3, 4)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() funnel.Accumulator { return new(Cohorts) }, cohortResult)
	})
}

func FuzzSurvivalDecode(f *testing.F) {
	fuzzSeeds(f, 5, 6, 7)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() funnel.Accumulator { return new(Survival) }, survivalResult)
	})
}

func FuzzConversionDecode(f *testing.F) {
	fuzzSeeds(f, 8, 9, 10)
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, func() funnel.Accumulator { return new(Conversion) }, conversionResult)
	})
}
