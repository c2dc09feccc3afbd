package trend

import (
	"bytes"
	"encoding/json"
	"errors"
	"github.com/funnelmetrics/funnel/internal/aliastest"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// accCase builds one kind of accumulator of this package and reads its
// result.
type accCase struct {
	name   string
	make   func(t testing.TB, s *funnel.Scan) funnel.Accumulator
	zero   func() funnel.Accumulator
	result func(a funnel.Accumulator) (any, error)
}

var accCases = []accCase{
	{"series created", func(t testing.TB, s *funnel.Scan) funnel.Accumulator { return must(t)(NewSeries(s, Options{})) },
		func() funnel.Accumulator { return new(Series) }, seriesResult},
	{"series closed from-to", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return must(t)(NewSeries(s, Options{Basis: Closed, From: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 11, 30, 0, 0, 0, 0, time.UTC)}))
	}, func() funnel.Accumulator { return new(Series) }, seriesResult},
	{"series to only", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return must(t)(NewSeries(s, Options{To: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)}))
	}, func() funnel.Accumulator { return new(Series) }, seriesResult},
	{"cohorts", func(t testing.TB, s *funnel.Scan) funnel.Accumulator { return mustC(t)(NewCohorts(s, CohortOptions{})) },
		func() funnel.Accumulator { return new(Cohorts) }, cohortResult},
	{"cohorts max age", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return mustC(t)(NewCohorts(s, CohortOptions{MaxAge: 3}))
	},
		func() funnel.Accumulator { return new(Cohorts) }, cohortResult},
	{"survival cycle", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return mustS(t)(NewSurvival(s, SurvivalOptions{}))
	},
		func() funnel.Accumulator { return new(Survival) }, survivalResult},
	{"survival to win", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return mustS(t)(NewSurvival(s, SurvivalOptions{Measure: TimeToWin}))
	}, func() funnel.Accumulator { return new(Survival) }, survivalResult},
	{"survival in stage", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return mustS(t)(NewSurvival(s, SurvivalOptions{Measure: TimeInStage, Stage: "Proposal"}))
	}, func() funnel.Accumulator { return new(Survival) }, survivalResult},
	{"conversion to win by owner and period", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return mustV(t)(NewConversion(s, ConvertOptions{To: Milestone{Kind: Win}, Segment: funnel.AttrOwner, MaxSegments: 3, ByPeriod: true}))
	}, func() funnel.Accumulator { return new(Conversion) }, conversionResult},
	{"conversion between stages by tier", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return mustV(t)(NewConversion(s, ConvertOptions{From: Milestone{Kind: Entry, Stage: "Qualified"}, To: Milestone{Kind: Entry, Stage: "Negotiation"},
			Visit: Latest, Segment: "tier", SegmentAt: funnel.AtCurrent, Percentiles: []float64{10, 99.5}, Edges: []time.Duration{0, days(5), days(30), days(90)}}))
	}, func() funnel.Accumulator { return new(Conversion) }, conversionResult},
	{"conversion time in stage", func(t testing.TB, s *funnel.Scan) funnel.Accumulator {
		return mustV(t)(NewConversion(s, ConvertOptions{From: Milestone{Kind: Entry, Stage: "Proposal"}, To: Milestone{Kind: Exit}, ByPeriod: true}))
	}, func() funnel.Accumulator { return new(Conversion) }, conversionResult},
}

func mustV(t testing.TB) func(*Conversion, error) funnel.Accumulator {
	return func(a *Conversion, err error) funnel.Accumulator {
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

func conversionResult(a funnel.Accumulator) (any, error) { return a.(*Conversion).Report() }

func must(t testing.TB) func(*Series, error) funnel.Accumulator {
	return func(a *Series, err error) funnel.Accumulator {
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

func mustC(t testing.TB) func(*Cohorts, error) funnel.Accumulator {
	return func(a *Cohorts, err error) funnel.Accumulator {
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

func mustS(t testing.TB) func(*Survival, error) funnel.Accumulator {
	return func(a *Survival, err error) funnel.Accumulator {
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

func seriesResult(a funnel.Accumulator) (any, error) { return a.(*Series).Report() }
func cohortResult(a funnel.Accumulator) (any, error) { return a.(*Cohorts).Table() }
func survivalResult(a funnel.Accumulator) (any, error) {
	return a.(*Survival).Curve(), nil
}

// propScans are scans of the generated funnel that the property tests use.
func propScans(t testing.TB) []*funnel.Scan {
	f := dealgen.Funnel()
	return []*funnel.Scan{
		mustScan(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true}),
		mustScan(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
			Period: funnel.Week, Location: mustLoad(t, "America/Santiago"), Window: 90 * 24 * time.Hour}),
		mustScan(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			Period: funnel.Quarter, Location: mustLoad(t, "Pacific/Apia"), Test: funnel.Test{Confidence: 0.9, MinSample: 10}}),
	}
}

// propDeals returns generated deals with undated ones mixed in, owners
// reassigned and a custom attribute "tier" that changes, and invalid ones
// when mixed is true.
func propDeals(n int, seed uint64, mixed bool) []funnel.Deal {
	deals := dealgen.Generate(n, seed, dealgen.Options{})
	tiers := []string{"gold", "silver", "bronze", ""}
	for i := range deals {
		d := &deals[i]
		if i%3 == 0 {
			d.Attrs.Custom = map[string]string{"tier": tiers[i%4]}
		}
		if i%5 == 0 {
			d.Changes = []funnel.FieldChange{
				{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: d.Created, Text: "zed"},
				{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: d.Created.Add(36 * time.Hour), Text: d.Attrs.Owner},
				{Field: funnel.FieldAttr, Key: "tier", At: d.Created.Add(48 * time.Hour), Text: tiers[(i+1)%4]},
			}
		}
	}
	for i := 3; i < len(deals); i += 29 {
		deals[i].Created = time.Time{} // unknown creation time
	}
	for i := 7; i < len(deals); i += 31 {
		if deals[i].Outcome != funnel.Open {
			deals[i].Closed = time.Time{} // closed at an unknown time
		}
	}
	if mixed {
		for i := 0; i < len(deals); i += 17 {
			deals[i].Currency = "EUR"
		}
		for i := 5; i < len(deals); i += 23 {
			deals[i].Stage = "Nowhere"
		}
	}
	return deals
}

func encodeAcc(t testing.TB, a funnel.Accumulator) []byte {
	t.Helper()
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func resultOf(t testing.TB, c accCase, a funnel.Accumulator) any {
	t.Helper()
	r, err := c.result(a)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var (
	ignoreExamples = cmpopts.IgnoreFields(funnel.Skipped{}, "Examples")
	resultOpts     = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateErrors()}
)

// TestMergeOfAnySplit splits the deals at random into parts, accumulates
// each part, merges the parts (some through their binary encoding, into a
// zero value or a built one) and compares with one pass: the same bytes
// for valid deals, the same result (but for which skipped deals are kept
// as examples: parts number their deals from 0 each) with invalid ones.
func TestMergeOfAnySplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	for si, s := range propScans(t) {
		for _, mixed := range []bool{false, true} {
			deals := propDeals(250, uint64(si)+1, mixed)
			for _, c := range accCases {
				whole := c.make(t, s)
				for _, d := range deals {
					_ = whole.(interface{ Add(funnel.Deal) error }).Add(d)
				}
				wantBytes := encodeAcc(t, whole)
				want := resultOf(t, c, whole)
				for trial := range 4 {
					k := 1 + trial%4
					parts := make([]funnel.Accumulator, k)
					for i := range parts {
						parts[i] = c.make(t, s)
					}
					for _, d := range deals {
						_ = parts[rng.IntN(k)].(interface{ Add(funnel.Deal) error }).Add(d)
					}
					merged := c.make(t, s)
					for i, p := range parts {
						before := encodeAcc(t, p)
						src := p
						switch i % 3 {
						case 1: // through the encoding into a zero value
							z := c.zero()
							if err := z.UnmarshalBinary(before); err != nil {
								t.Fatalf("%s: decode part: %v", c.name, err)
							}
							src = z
						case 2: // through the encoding into a built one
							z := c.make(t, s)
							if err := z.UnmarshalBinary(before); err != nil {
								t.Fatalf("%s: decode part: %v", c.name, err)
							}
							src = z
						}
						if err := merged.Merge(src); err != nil {
							t.Fatalf("%s: merge: %v", c.name, err)
						}
						if !bytes.Equal(before, encodeAcc(t, p)) {
							t.Fatalf("%s: merge modified its argument", c.name)
						}
					}
					got := resultOf(t, c, merged)
					if !mixed && !bytes.Equal(wantBytes, encodeAcc(t, merged)) {
						t.Errorf("%s scan %d: encoding of %d merged parts differs from one pass", c.name, si, k)
					}
					// JSON equality first (cheap), cmp.Diff to show a
					// difference
					if wj, gj := jsonWithoutExamples(t, want), jsonWithoutExamples(t, got); !bytes.Equal(wj, gj) {
						diff := cmp.Diff(want, got, append(slices.Clone(resultOpts), ignoreExamples)...)
						t.Errorf("%s scan %d mixed %v: %d merged parts differ from one pass (-one +merged):\n%s", c.name, si, mixed, k, diff)
					}
				}
				// decode(encode(x)) encodes to the same bytes and gives the
				// same result
				z := c.zero()
				if err := z.UnmarshalBinary(wantBytes); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(wantBytes, encodeAcc(t, z)) {
					t.Errorf("%s: decode-encode changes the bytes", c.name)
				}
				if !bytes.Equal(jsonWithoutExamples(t, want), jsonWithoutExamples(t, resultOf(t, c, z))) {
					t.Errorf("%s: decoded result differs", c.name)
				}
			}
		}
	}
}

// jsonWithoutExamples returns the JSON of a result with its skipped
// examples left out.
func jsonWithoutExamples(t testing.TB, r any) []byte {
	t.Helper()
	switch x := r.(type) {
	case Report:
		x.Input.Skipped.Examples = nil
		r = x
	case Table:
		x.Input.Skipped.Examples = nil
		r = x
	case Curve:
		x.Input.Skipped.Examples = nil
		r = x
	case ConversionReport:
		x.Input.Skipped.Examples = nil
		r = x
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParallelRunEqualsSerial runs every accumulator in one pass on 1, 2
// and 3 workers: the same bytes, skipped examples included.
func TestParallelRunEqualsSerial(t *testing.T) {
	f := dealgen.Funnel()
	deals := propDeals(3000, 5, true)
	var want [][]byte
	for _, workers := range []int{1, 2, 3} {
		s := mustScan(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", UndatedClose: true, AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC),
			Location: mustLoad(t, "America/Havana"), Period: funnel.Week, Workers: workers})
		var accs []funnel.Accumulator
		for _, c := range accCases {
			accs = append(accs, c.make(t, s))
		}
		if err := s.Run(slices.Values(deals), accs...); err != nil {
			t.Fatal(err)
		}
		for i, a := range accs {
			b := encodeAcc(t, a)
			if workers == 1 {
				want = append(want, b)
			} else if !bytes.Equal(want[i], b) {
				t.Errorf("%s: %d workers differ from serial", accCases[i].name, workers)
			}
		}
	}
	// strict mode stops at the first invalid deal on any number of workers
	for _, workers := range []int{1, 2} {
		s := mustScan(t, f, funnel.Options{Currency: "USD", Workers: workers})
		a, _ := NewSeries(s, Options{})
		var de *funnel.DealError
		if err := s.Run(slices.Values(deals), a); !errors.As(err, &de) || de.ID != deals[0].ID {
			t.Errorf("strict run on %d workers: %v", workers, err)
		}
	}
}

func TestMergeErrors(t *testing.T) {
	f := dealgen.Funnel()
	s := mustScan(t, f, funnel.Options{})
	other := mustScan(t, f, funnel.Options{Period: funnel.Week})
	for i, c := range accCases {
		a := c.make(t, s)
		if err := a.Merge(nil); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: Merge(nil) error = %v", c.name, err)
		}
		if err := a.Merge(a); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: Merge(self) error = %v", c.name, err)
		}
		if err := a.Merge(c.make(t, other)); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("%s: Merge(other scan) error = %v", c.name, err)
		}
		if err := a.Merge(funnel.NewTally(s)); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("%s: Merge(tally) error = %v", c.name, err)
		}
		// another accumulator of the same kind and other options
		for j, d := range accCases {
			if j == i || reflect.TypeOf(d.zero()) != reflect.TypeOf(c.zero()) {
				continue
			}
			b := d.make(t, s)
			if err := a.Merge(b); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("%s: Merge(%s) error = %v", c.name, d.name, err)
			}
			if err := a.UnmarshalBinary(encodeAcc(t, b)); !errors.Is(err, funnel.ErrIncompatible) {
				t.Errorf("%s: decoding %s error = %v", c.name, d.name, err)
			}
		}
		if err := a.UnmarshalBinary(encodeAcc(t, c.make(t, other))); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("%s: decoding another scan's error = %v", c.name, err)
		}
		tb, _ := funnel.NewTally(s).MarshalBinary()
		if err := a.UnmarshalBinary(tb); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: decoding a tally error = %v", c.name, err)
		}
		if a.Fresh().Scan() != s {
			t.Errorf("%s: Fresh has another scan", c.name)
		}
	}
}

// TestDecodeTruncated decodes every prefix of real encodings: an error
// wrapping ErrInvalidParam each time, never a panic.
func TestDecodeTruncated(t *testing.T) {
	s := propScans(t)[1]
	deals := propDeals(60, 3, true)
	for _, c := range accCases {
		a := c.make(t, s)
		for _, d := range deals {
			_ = a.(interface{ Add(funnel.Deal) error }).Add(d)
		}
		b := encodeAcc(t, a)
		// every prefix of the start, then a sample (the fuzz targets try
		// the rest)
		for n := 0; n < len(b); n += max(1, (n-256)/64) {
			if err := c.zero().UnmarshalBinary(b[:n]); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("%s: decoding %d of %d bytes: %v", c.name, n, len(b), err)
			}
		}
		if err := c.zero().UnmarshalBinary(append(slices.Clone(b), 0)); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: trailing byte: %v", c.name, err)
		}
	}
}

// TestResultsDoNotAlias mutates every slice of every result, then checks
// that the accumulator gives the same result as before and still adds
// deals.
func TestResultsDoNotAlias(t *testing.T) {
	s := propScans(t)[1]
	deals := propDeals(200, 4, true)
	for _, c := range accCases {
		a := c.make(t, s)
		for _, d := range deals[:150] {
			_ = a.(interface{ Add(funnel.Deal) error }).Add(d)
		}
		before, err := json.Marshal(resultOf(t, c, a))
		if err != nil {
			t.Fatal(err)
		}
		r := resultOf(t, c, a)
		p := reflect.New(reflect.TypeOf(r))
		p.Elem().Set(reflect.ValueOf(r))
		aliastest.Scribble(p.Interface())
		if c.name == "series created" {
			rep := resultOf(t, c, a).(Report)
			v, err := rep.Metric(WinRate)
			if err != nil {
				t.Fatal(err)
			}
			vb, _ := json.Marshal(v)
			aliastest.Scribble(&v)
			v2, _ := rep.Metric(WinRate)
			if vb2, _ := json.Marshal(v2); !bytes.Equal(vb, vb2) {
				t.Errorf("Values alias their report")
			}
		}
		after, err := json.Marshal(resultOf(t, c, a))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(before, after) {
			t.Errorf("%s: the result changed after its copy was scribbled", c.name)
		}
		for _, d := range deals[150:] {
			_ = a.(interface{ Add(funnel.Deal) error }).Add(d)
		}
		if in := inputOf(t, c, a); in.Read != 200 {
			t.Errorf("%s: after scribbling, adding gives %+v", c.name, in)
		}
	}
}

func inputOf(t *testing.T, c accCase, a funnel.Accumulator) funnel.Input {
	switch r := resultOf(t, c, a).(type) {
	case Report:
		return r.Input
	case Table:
		return r.Input
	case Curve:
		return r.Input
	case ConversionReport:
		return r.Input
	}
	t.Fatal("unknown result")
	return funnel.Input{}
}

// TestJSONRoundTrip encodes every result type to JSON and back.
func TestJSONRoundTrip(t *testing.T) {
	s := propScans(t)[1]
	deals := propDeals(300, 8, true)
	check := func(name string, v any, dst any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := reflect.ValueOf(dst).Elem().Interface()
		if diff := cmp.Diff(v, got, resultOpts...); diff != "" {
			t.Errorf("%s: JSON round trip differs (-before +after):\n%s", name, diff)
		}
		b2, _ := json.Marshal(got)
		if !bytes.Equal(b, b2) {
			t.Errorf("%s: re-encoding differs", name)
		}
	}
	for _, c := range accCases {
		a := c.make(t, s)
		for _, d := range deals {
			_ = a.(interface{ Add(funnel.Deal) error }).Add(d)
		}
		switch r := resultOf(t, c, a).(type) {
		case Report:
			check(c.name, r, new(Report))
			for _, m := range []Metric{Deals, WinRate, DealSize, CycleWon, StepInto("Proposal")} {
				v, err := r.Metric(m)
				if err != nil {
					t.Fatal(err)
				}
				check(c.name+" "+string(m), v, new(Values))
			}
		case Table:
			check(c.name, r, new(Table))
		case Curve:
			check(c.name, r, new(Curve))
			q, _ := r.Quantile(0.25)
			check(c.name+" quantile", q, new(Quantile))
		case ConversionReport:
			schematest.Check(t, "trend_conversion_report", r)
			check(c.name, r, new(ConversionReport))
			for _, sg := range r.Segments {
				check(c.name+" segment", sg, new(ConversionSegment))
			}
			for _, p := range r.Periods {
				check(c.name+" period", p, new(ConversionPeriod))
			}
		}
		if rep, ok := resultOf(t, c, a).(Report); ok {
			for _, row := range rep.Periods {
				schematest.Check(t, "trend_row_tests", row.Tests)
				check(c.name+" row tests", row.Tests, new(RowTests))
			}
			for _, m := range []Metric{DealSize, CycleWon} {
				v, _ := rep.Metric(m)
				for _, p := range v.Points {
					if p.Previous.Amounts.Defined {
						schematest.Check(t, "amount_comparison", p.Previous.Amounts)
					}
					if p.Previous.Durations.Defined {
						schematest.Check(t, "duration_comparison", p.Previous.Durations)
					}
				}
			}
		}
	}
	// empty results: [] for lists
	for _, c := range accCases {
		b, _ := json.Marshal(resultOf(t, c, c.make(t, s)))
		for _, key := range []string{"periods", "cohorts", "steps", "reasons", "examples", "segments", "bins", "kaplan_meier", "percentiles"} {
			if bytes.Contains(b, []byte(`"`+key+`":null`)) {
				t.Errorf("%s: empty result has a null %s", c.name, key)
			}
		}
	}
	for _, m := range []Measure{Cycle, TimeToWin, TimeInStage} {
		b, err := m.MarshalText()
		var n Measure
		if err != nil || n.UnmarshalText(b) != nil || n != m || m.String() != string(b) {
			t.Errorf("measure %v round trip: %v", m, err)
		}
	}
	for _, bs := range []Basis{Created, Closed} {
		b, err := bs.MarshalText()
		var n Basis
		if err != nil || n.UnmarshalText(b) != nil || n != bs || bs.String() != string(b) {
			t.Errorf("basis %v round trip: %v", bs, err)
		}
	}
	if _, err := Measure(5).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) || Measure(5).String() != "Measure(5)" {
		t.Errorf("Measure(5): %v", err)
	}
	if _, err := Basis(-2).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) || Basis(-2).String() != "Basis(-2)" {
		t.Errorf("Basis(-2): %v", err)
	}
	if err := new(Basis).UnmarshalText([]byte("Created")); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("basis Created: %v", err)
	}
	if err := new(Measure).UnmarshalText([]byte("")); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("measure empty: %v", err)
	}
	for _, bad := range []string{`{"at_seconds":"x"}`, `{"at_seconds":1e30}`, `{"at_seconds":0.0000000001}`} {
		if err := json.Unmarshal([]byte(bad), new(Quantile)); err == nil {
			t.Errorf("quantile %s decoded", bad)
		}
		if err := json.Unmarshal([]byte(bad), new(Step)); err == nil {
			t.Errorf("step %s decoded", bad)
		}
	}
}
