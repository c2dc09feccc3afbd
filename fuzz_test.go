package funnel

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// FuzzValidate builds deals from fuzzed fields and checks that validation
// and tallying never panic, that a deal is counted exactly when it
// validates, and that every rate of the report stays within 0..1.
func FuzzValidate(f *testing.F) {
	f.Add("d1", int64(0), int64(10), int64(0), uint8(1), "A,B,C", "0,2,5", "100.50", uint8(0))
	f.Add("", int64(5), int64(1), int64(3), uint8(2), "A,Z", "0,1", "-1", uint8(1))
	f.Add("x", int64(0), int64(0), int64(0), uint8(0), "", "", "0", uint8(2))
	f.Add("y", int64(-9), int64(3), int64(-2), uint8(7), "C,B,A,B", "3,2,1,0", "1e20", uint8(0))
	f.Fuzz(func(t *testing.T, id string, created, closed, window int64, outcome uint8, stages, offsets, amount string, policy uint8) {
		fn, _ := New("A", "B", "C")
		d := Deal{ID: id, Outcome: Outcome(outcome % 4)}
		if created != 0 {
			d.Created = t0.Add(time.Duration(created%10000) * time.Hour)
		}
		if closed != 0 {
			d.Closed = t0.Add(time.Duration(closed%10000) * time.Hour)
		}
		if a, err := decimal.NewFromString(amount); err == nil && len(amount) < 40 && a.Exponent() > -30 && a.Exponent() < 30 {
			d.Amount = a
		}
		ss, os := split(stages), split(offsets)
		for i, s := range ss {
			var at time.Time
			if i < len(os) && os[i] != "" {
				n := 0
				for _, c := range os[i] {
					n = n*7 + int(c)%97
				}
				at = t0.Add(time.Duration(n%5000) * time.Hour)
			}
			d.History = append(d.History, StageChange{Stage(s), at})
		}
		if len(ss) > 0 {
			d.Stage = Stage(ss[len(ss)-1])
		}
		verr := d.Validate(fn)
		if verr != nil {
			var de *DealError
			if !errors.As(verr, &de) || de.ID != id || de.Field == "" {
				t.Fatalf("Validate error %v is not a DealError naming the deal and field", verr)
			}
		}
		opts := Options{Policy: Policy(policy % 3), Mode: Lenient, AsOf: t0.Add(6000 * time.Hour)}
		if window > 0 {
			opts.Window = time.Duration(window%5000) * time.Hour
		}
		r, err := Compute(fn, slices.Values([]Deal{d, d}), opts)
		if err != nil {
			t.Fatal(err)
		}
		in := r.Input
		if (verr == nil) != (r.Deals+in.Future == 2) || in.Read != 2 || in.Counted+in.Future+in.Skipped.Count != 2 || r.Deals != in.Counted {
			t.Fatalf("Validate = %v but input %+v, %d deals counted", verr, in, r.Deals)
		}
		check := func(name string, rt Rate) {
			q := rt.Ratio
			if q.Num < 0 || q.Num > q.Den {
				t.Fatalf("%s = %v outside 0..1", name, q)
			}
		}
		check("WinRate", r.WinRate)
		check("WinRateCreated", r.WinRateCreated)
		for _, s := range r.Funnel {
			check("Step", s.Step)
			check("Cumulative", s.Cumulative)
			check("StepDecided", s.StepDecided)
			check("DropOffRate", s.DropOffRate)
			if s.Pending+s.Dropped != s.DropOff || s.Pending < 0 || s.Dropped < 0 {
				t.Fatalf("row %s: pending %d + dropped %d != drop-off %d", s.Stage, s.Pending, s.Dropped, s.DropOff)
			}
		}
		_ = r.String()
	})
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// FuzzOutcomeText checks that UnmarshalText accepts exactly what
// MarshalText writes, and never panics.
func FuzzOutcomeText(f *testing.F) {
	for _, s := range []string{"open", "won", "lost", "Won", "", "lost "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var o Outcome
		if err := o.UnmarshalText([]byte(s)); err != nil {
			if !errors.Is(err, ErrInvalidOutcome) {
				t.Fatalf("error %v does not wrap ErrInvalidOutcome", err)
			}
			return
		}
		b, err := o.MarshalText()
		if err != nil || string(b) != s {
			t.Fatalf("round trip of %q = %q, %v", s, b, err)
		}
	})
}

// decoderSeeds returns real encodings of accumulators and statistics,
// with truncations and flipped bytes, as fuzz seeds.
func decoderSeeds(tb testing.TB) [][]byte {
	f0, _ := New("A", "B", "C")
	f, _ := f0.Exclude("DQ")
	loc, _ := time.LoadLocation("America/Havana")
	var out [][]byte
	for _, opts := range []Options{{}, {Mode: Lenient, AsOf: day(20), Period: Day, Location: loc, Currency: "USD"},
		{Policy: AnyStage, Location: time.FixedZone("", 5400), Test: Test{Confidence: 0.9, MinSample: 7}},
		{QuantileError: 0.01, AsOf: day(30)},
		{Optional: []Stage{"B"}, StepWindows: []StepWindow{{Step: 2, Min: time.Hour, Max: 90 * time.Hour}}, HoldConstant: AttrOwner}} {
		s, err := NewScan(f, opts)
		if err != nil {
			tb.Fatal(err)
		}
		t := NewTally(s)
		for _, d := range handDeals() {
			d.Currency = opts.Currency
			_ = t.Add(d)
		}
		_ = t.Add(Deal{ID: "bad", Stage: "Z", Currency: opts.Currency})
		b, _ := t.MarshalBinary()
		out = append(out, b, b[:len(b)/2], b[:len(b)-1])
		flip := slices.Clone(b)
		flip[len(flip)/3] ^= 0x41
		out = append(out, flip)
	}
	var m MoneyStats
	for _, a := range []string{"1.5", "100", "0.001", "99999999999999999999999"} {
		m.Add(dec(a))
	}
	mb, _ := m.MarshalBinary()
	var d DurationStats
	d.AddSeconds(5)
	d.AddSeconds(1 << 40)
	db, _ := d.MarshalBinary()
	return append(out, mb, db, nil, []byte("FNL"))
}

// FuzzTallyDecode feeds arbitrary bytes to the decoders: they must never
// panic, and what decodes must encode back to the same bytes.
func FuzzTallyDecode(f *testing.F) {
	for _, b := range decoderSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tl Tally
		if err := tl.UnmarshalBinary(b); err == nil {
			again, err := tl.MarshalBinary()
			if err != nil || !slices.Equal(again, b) {
				t.Fatalf("decoded tally encodes differently (%v)", err)
			}
			r := tl.Report()
			if r.Input.Read != r.Input.Counted+r.Input.Future+r.Input.Skipped.Count {
				t.Fatalf("decoded input does not add up: %+v", r.Input)
			}
		} else if !errors.Is(err, ErrInvalidParam) && !errors.Is(err, ErrIncompatible) {
			t.Fatalf("error %v wraps neither ErrInvalidParam nor ErrIncompatible", err)
		}
		var m MoneyStats
		if m.UnmarshalBinary(b) == nil {
			if again, _ := m.MarshalBinary(); !slices.Equal(again, b) {
				t.Fatalf("decoded money statistic encodes differently")
			}
			_ = m.Summary()
		}
		var d DurationStats
		if d.UnmarshalBinary(b) == nil {
			if again, _ := d.MarshalBinary(); !slices.Equal(again, b) {
				t.Fatalf("decoded duration statistic encodes differently")
			}
			_ = d.Summary()
		}
		var in Intake
		if in.UnmarshalBinary(b) == nil {
			if again, _ := in.MarshalBinary(); !slices.Equal(again, b) {
				t.Fatalf("decoded intake encodes differently")
			}
		}
		if s, rest, err := DecodeScan(b); err == nil {
			enc, _ := s.AppendBinary(nil)
			if !slices.Equal(append(enc, rest...), b) {
				t.Fatalf("decoded scan encodes differently")
			}
		}
	})
}
