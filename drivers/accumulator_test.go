package drivers

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/funnelmetrics/funnel/internal/aliastest"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// optionCases are the settings the property tests try.
var optionCases = []Options{
	{Stage: "Qualified", Stall: 14 * 24 * time.Hour},
	{Stage: "Lead", ToWon: true, Pairs: true, MaxKeys: 2, MaxValues: 3, MaxPairs: 4, Stall: 30 * 24 * time.Hour},
	{Stage: "Proposal", Keys: []string{funnel.AttrOwner, "tier", "k1"}, Pairs: true, ValueAt: funnel.AtCurrent},
	{Stage: "Negotiation", MaxValues: 1, MaxKeys: 1},
}

func propScans(t testing.TB) []*funnel.Scan {
	f := dealgen.Funnel()
	mk := func(o funnel.Options) *funnel.Scan {
		s, err := funnel.NewScan(f, o)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return []*funnel.Scan{
		mk(funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)}),
		mk(funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			Window: 60 * 24 * time.Hour, Policy: funnel.AnyStage, Test: funnel.Test{Confidence: 0.9, MinSample: 10}}),
	}
}

// propDeals returns generated deals with custom attributes (a few keys
// with few values, and keys and values that are unique to a deal, as an
// ID exported as an attribute would be), owners reassigned, and invalid
// deals when mixed is true.
func propDeals(n int, seed uint64, mixed bool) []funnel.Deal {
	deals := dealgen.Generate(n, seed, dealgen.Options{})
	for i := range deals {
		d := &deals[i]
		d.Attrs.Custom = map[string]string{"tier": []string{"gold", "silver", ""}[i%3]}
		if i%2 == 0 {
			d.Attrs.Custom["k"+strconv.Itoa(i%5)] = "v" + strconv.Itoa(i%7)
		}
		if i%11 == 0 {
			d.Attrs.Custom["id"] = d.ID       // a value per deal
			d.Attrs.Custom["key-"+d.ID] = "x" // a key per deal
		}
		if i%4 == 0 {
			d.Changes = []funnel.FieldChange{
				{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: d.Created, Text: "zed"},
				{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: d.Created.Add(48 * time.Hour), Text: d.Attrs.Owner},
				{Field: funnel.FieldAttr, Key: "tier", At: d.Created.Add(72 * time.Hour), Text: "gold"},
			}
		}
		if i%37 == 5 {
			d.Closed = time.Time{} // closed at an unknown time
			if d.Outcome == funnel.Open {
				d.History[len(d.History)-1].At = time.Time{} // entered its stage at an unknown time
			}
		}
	}
	if mixed {
		for i := 0; i < len(deals); i += 17 {
			deals[i].Currency = "EUR"
		}
	}
	return deals
}

func encode(t testing.TB, a funnel.Accumulator) []byte {
	t.Helper()
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNew(t testing.TB, s *funnel.Scan, o Options) *Drivers {
	t.Helper()
	a, err := New(s, o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func jsonOf(t testing.TB, r Report) []byte {
	t.Helper()
	r.Input.Skipped.Examples = nil
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMergeOfAnySplit splits the deals at random into parts, merges the
// parts (some through their encoding) and compares with one pass: the
// same bytes for valid deals, the same report with invalid ones.
func TestMergeOfAnySplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for si, s := range propScans(t) {
		for _, mixed := range []bool{false, true} {
			deals := propDeals(300, uint64(si)+1, mixed)
			for ci, o := range optionCases {
				whole := mustNew(t, s, o)
				for _, d := range deals {
					_ = whole.Add(d)
				}
				want := encode(t, whole)
				wantJSON := jsonOf(t, whole.Report())
				for trial := range 4 {
					k := 1 + trial
					parts := make([]*Drivers, k)
					for i := range parts {
						parts[i] = mustNew(t, s, o)
					}
					for _, d := range deals {
						_ = parts[rng.IntN(k)].Add(d)
					}
					merged := mustNew(t, s, o)
					for i, p := range parts {
						before := encode(t, p)
						var src funnel.Accumulator = p
						switch i % 3 {
						case 1:
							z := new(Drivers)
							if err := z.UnmarshalBinary(before); err != nil {
								t.Fatal(err)
							}
							src = z
						case 2:
							z := mustNew(t, s, o)
							if err := z.UnmarshalBinary(before); err != nil {
								t.Fatal(err)
							}
							src = z
						}
						if err := merged.Merge(src); err != nil {
							t.Fatal(err)
						}
						if !bytes.Equal(before, encode(t, p)) {
							t.Fatal("merge modified its argument")
						}
					}
					if !mixed && !bytes.Equal(want, encode(t, merged)) {
						t.Errorf("scan %d options %d: %d merged parts encode otherwise than one pass", si, ci, k)
					}
					if got := jsonOf(t, merged.Report()); !bytes.Equal(wantJSON, got) {
						diff := cmp.Diff(whole.Report(), merged.Report(), cmpopts.IgnoreFields(funnel.Skipped{}, "Examples"))
						t.Errorf("scan %d options %d mixed %v: %d merged parts differ (-one +merged):\n%s", si, ci, mixed, k, diff)
					}
				}
				z := new(Drivers)
				if err := z.UnmarshalBinary(want); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(want, encode(t, z)) || !bytes.Equal(wantJSON, jsonOf(t, z.Report())) {
					t.Errorf("options %d: decode-encode changes the accumulator", ci)
				}
				// the caps bound what is kept
				r := whole.Report()
				keys := map[string]bool{}
				for _, d := range r.Conversion.Drivers {
					if !d.Pair {
						keys[d.Key] = true
					}
				}
				if o.Keys == nil && len(keys) > 6+r.MaxKeys {
					t.Errorf("options %d: %d keys analysed", ci, len(keys))
				}
			}
		}
	}
}

// TestParallelRunEqualsSerial runs every option case on 1, 2 and 3
// workers: the same bytes, skipped examples included.
func TestParallelRunEqualsSerial(t *testing.T) {
	deals := propDeals(3000, 9, true)
	var want [][]byte
	for _, workers := range []int{1, 2, 3} {
		s, _ := funnel.NewScan(dealgen.Funnel(), funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true,
			AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Workers: workers})
		var accs []funnel.Accumulator
		for _, o := range optionCases {
			accs = append(accs, mustNew(t, s, o))
		}
		if err := s.Run(slices.Values(deals), accs...); err != nil {
			t.Fatal(err)
		}
		for i, a := range accs {
			b := encode(t, a)
			if workers == 1 {
				want = append(want, b)
			} else if !bytes.Equal(want[i], b) {
				t.Errorf("options %d: %d workers differ from serial", i, workers)
			}
		}
	}
}

func TestMergeErrors(t *testing.T) {
	s := propScans(t)[0]
	other := propScans(t)[1]
	a := mustNew(t, s, optionCases[0])
	for name, tt := range map[string]struct {
		o   funnel.Accumulator
		err error
	}{
		"nil":           {nil, funnel.ErrInvalidParam},
		"self":          {a, funnel.ErrInvalidParam},
		"other scan":    {mustNew(t, other, optionCases[0]), funnel.ErrIncompatible},
		"other options": {mustNew(t, s, optionCases[3]), funnel.ErrIncompatible},
		"tally":         {funnel.NewTally(s), funnel.ErrIncompatible},
	} {
		if err := a.Merge(tt.o); !errors.Is(err, tt.err) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := a.UnmarshalBinary(encode(t, mustNew(t, other, optionCases[0]))); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("decoding another scan's: %v", err)
	}
	if err := a.UnmarshalBinary(encode(t, mustNew(t, s, optionCases[1]))); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("decoding other options': %v", err)
	}
	tb, _ := funnel.NewTally(s).MarshalBinary()
	if err := a.UnmarshalBinary(tb); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("decoding a tally: %v", err)
	}
	if a.Fresh().Scan() != s {
		t.Error("Fresh has another scan")
	}
}

// TestDecodeTruncated decodes prefixes of real encodings: an error
// wrapping ErrInvalidParam each time.
func TestDecodeTruncated(t *testing.T) {
	s := propScans(t)[1]
	for ci, o := range optionCases {
		a := mustNew(t, s, o)
		for _, d := range propDeals(80, 2, true) {
			_ = a.Add(d)
		}
		b := encode(t, a)
		for n := 0; n < len(b); n += max(1, (n-256)/64) {
			if err := new(Drivers).UnmarshalBinary(b[:n]); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("options %d: decoding %d of %d bytes: %v", ci, n, len(b), err)
			}
		}
		if err := new(Drivers).UnmarshalBinary(append(slices.Clone(b), 0)); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("options %d: trailing byte: %v", ci, err)
		}
	}
}

// TestResultsDoNotAlias scribbles over a report and checks that the
// accumulator's next report is unchanged.
func TestResultsDoNotAlias(t *testing.T) {
	s := propScans(t)[0]
	for _, o := range optionCases {
		a := mustNew(t, s, o)
		for _, d := range propDeals(200, 5, true) {
			_ = a.Add(d)
		}
		before := jsonOf(t, a.Report())
		r := a.Report()
		aliastest.Scribble(&r)
		if after := jsonOf(t, a.Report()); !bytes.Equal(before, after) {
			t.Errorf("%+v: the report changed after its copy was scribbled", o)
		}
	}
}

// TestJSONRoundTrip encodes reports to JSON, checks them against the
// schema's "drivers_report" and decodes them back to equal values.
func TestJSONRoundTrip(t *testing.T) {
	s := propScans(t)[1]
	deals := propDeals(400, 6, true)
	for _, o := range optionCases {
		for _, ds := range [][]funnel.Deal{nil, deals[:1], deals} {
			a := mustNew(t, s, o)
			for _, d := range ds {
				_ = a.Add(d)
			}
			r := a.Report()
			schematest.Check(t, "drivers_report", r)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back Report
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r, back, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
				t.Errorf("JSON round trip (-before +after):\n%s", diff)
			}
			if bytes.Contains(b, []byte(":null,\"")) && bytes.Contains(b, []byte(`"drivers":null`)) {
				t.Error("a null list")
			}
		}
	}
	if err := json.Unmarshal([]byte(`{"stall_seconds":"x"}`), new(Report)); err == nil {
		t.Error("bad stall decoded")
	}
}
