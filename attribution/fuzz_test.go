package attribution_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/shopspring/decimal"
)

// FuzzParseModel checks that ParseModel never panics, that what it accepts
// round-trips through MarshalText, and that what it rejects wraps
// ErrInvalidParam.
func FuzzParseModel(f *testing.F) {
	for _, m := range attribution.Models() {
		f.Add(m.String())
	}
	for _, s := range []string{"", "LINEAR", "Model(3)", "u-shaped", "markov\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := attribution.ParseModel(s)
		if err != nil {
			if !errors.Is(err, attribution.ErrInvalidParam) {
				t.Fatalf("ParseModel(%q) error %v does not wrap ErrInvalidParam", s, err)
			}
			return
		}
		b, err := m.MarshalText()
		if err != nil {
			t.Fatalf("%v.MarshalText() error = %v", m, err)
		}
		var back attribution.Model
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Fatalf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, m)
		}
	})
}

// journeysFromBytes decodes arbitrary bytes into journeys: each journey
// takes a header byte (touch count, opportunity, conversion, an amount
// byte) and two bytes per touch (channel, hours since the previous touch;
// 255 means an hour back, which is out of order).
func journeysFromBytes(data []byte) []attribution.Journey {
	var js []attribution.Journey
	channels := []string{"a", "b", "c", "d", "direct", ""}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for len(data) >= 2 {
		h, amt := data[0], data[1]
		data = data[2:]
		j := attribution.Journey{ID: string(rune('A' + len(js)%26))}
		if h&0x80 != 0 {
			j.ID = ""
		}
		j.Opportunity = h&0x40 != 0
		j.Converted = h&0x20 != 0
		v := decimal.New(int64(amt)*int64(amt)*977, -int32(amt%4))
		if j.Opportunity {
			j.Pipeline = v
		}
		if j.Converted {
			j.Revenue = v.Add(decimal.New(int64(h), 0))
		}
		at := t0
		for range int(h & 0x0f) {
			if len(data) < 2 {
				break
			}
			c, dt := data[0], data[1]
			data = data[2:]
			if dt == 255 {
				at = at.Add(-time.Hour)
			} else {
				at = at.Add(time.Duration(dt) * time.Hour)
			}
			j.Touches = append(j.Touches, attribution.Touch{Campaign: channels[(c>>4)%6], Channel: channels[c%6], At: at})
			if c&0x08 != 0 && j.OpportunityAt.IsZero() {
				j.OpportunityAt = at
			}
		}
		js = append(js, j)
	}
	return js
}

// FuzzAttribute checks every model on arbitrary journeys: no panic, bad
// journeys give a *JourneyError, credits are non-negative and add up
// exactly to the total, and merging two halves equals one pass.
func FuzzAttribute(f *testing.F) {
	f.Add([]byte{0x63, 10, 0, 1, 1, 2, 2, 3, 0x23, 200, 4, 0, 9, 5})
	f.Add([]byte{0x61, 0, 0x11, 0, 0x40, 7})
	f.Add([]byte{0x62, 3, 1, 1, 2, 255})
	f.Add([]byte{0x81, 0, 1, 1})
	f.Add([]byte{0x65, 99, 5, 0, 4, 0, 4, 1, 3, 1, 0x1b, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		js := journeysFromBytes(data)
		for _, m := range attribution.Models() {
			for _, d := range []attribution.Dimension{attribution.ByChannel, attribution.ByCampaign} {
				opts := attribution.Options{By: d, HalfLife: time.Hour, MarkovOrder: 1 + len(data)%2}
				r, err := attribution.Attribute(slices.Values(js), m, opts)
				if err != nil {
					var je *attribution.JourneyError
					if !errors.As(err, &je) {
						t.Fatalf("%v: error %v is not a *JourneyError", m, err)
					}
					continue
				}
				if diff := sumCheck(r); diff != "" {
					t.Fatalf("%v by %v: keys + unattributed != total:\n%s", m, d, diff)
				}
				half := len(js) / 2
				a, _ := attribution.NewAccumulator(m, opts)
				b, _ := attribution.NewAccumulator(m, opts)
				for i, j := range js {
					if err := []*attribution.Accumulator{a, b}[min(i/max(half, 1), 1)].Add(j); err != nil {
						t.Fatal(err)
					}
				}
				if err := b.Merge(a); err != nil {
					t.Fatal(err)
				}
				got, err := b.Result()
				if err != nil {
					t.Fatal(err)
				}
				if diff := sumCheck(got); diff != "" {
					t.Fatalf("%v by %v merged: keys + unattributed != total:\n%s", m, d, diff)
				}
				if len(got.Keys) != len(r.Keys) || !got.Total.Revenue.Equal(r.Total.Revenue) {
					t.Fatalf("%v by %v: merged result differs from one pass", m, d)
				}
				for i := range got.Keys {
					if got.Keys[i].Key != r.Keys[i].Key || !got.Keys[i].Revenue.Equal(r.Keys[i].Revenue) ||
						!got.Keys[i].Leads.Equal(r.Keys[i].Leads) || !got.Keys[i].Pipeline.Equal(r.Keys[i].Pipeline) {
						t.Fatalf("%v by %v: merged %+v, one pass %+v", m, d, got.Keys[i], r.Keys[i])
					}
				}
			}
		}
	})
}
