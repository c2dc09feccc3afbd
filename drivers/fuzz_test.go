package drivers

import (
	"bytes"
	"errors"
	"testing"

	"github.com/funnelmetrics/funnel"
)

// FuzzDecode decodes hostile bytes into a zero accumulator: an error
// wrapping ErrInvalidParam or ErrIncompatible, or an accumulator that
// re-encodes to the same bytes, reports without panicking and merges into
// a fresh one with the same report.
func FuzzDecode(f *testing.F) {
	for _, s := range propScans(f) {
		for _, o := range optionCases {
			for _, n := range []int{0, 1, 40} {
				a := mustNew(f, s, o)
				for _, d := range propDeals(n, uint64(n+1), true) {
					_ = a.Add(d)
				}
				b := encode(f, a)
				f.Add(b)
				f.Add(b[:len(b)/2])
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a := new(Drivers)
		if err := a.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
				t.Fatalf("decode error %v wraps neither sentinel", err)
			}
			return
		}
		b := encode(t, a)
		if !bytes.Equal(b, data) {
			t.Fatalf("a decoded accumulator re-encodes otherwise")
		}
		r := a.Report()
		_ = r.String()
		c := a.Fresh()
		if err := c.Merge(a); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(jsonOf(t, r), jsonOf(t, c.(*Drivers).Report())) {
			t.Fatalf("a fresh accumulator merged with the decoded one reports otherwise")
		}
	})
}
