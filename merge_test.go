package funnel_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// mixedDeals returns generated deals with some invalid ones mixed in.
func mixedDeals(n int, seed uint64) []funnel.Deal {
	deals := dealgen.Generate(n, seed, dealgen.Options{})
	for i := 0; i < len(deals); i += 17 {
		deals[i].Currency = "EUR" // invalid: the tallies want USD
	}
	for i := 5; i < len(deals); i += 23 {
		deals[i].Stage = "Nowhere"
	}
	return deals
}

func scanOf(t testing.TB, f *funnel.Funnel, opts funnel.Options) *funnel.Scan {
	t.Helper()
	s, err := funnel.NewScan(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tallyOf(t testing.TB, s *funnel.Scan, deals []funnel.Deal) *funnel.Tally {
	t.Helper()
	tl := funnel.NewTally(s)
	for _, d := range deals {
		_ = tl.Add(d) // invalid deals are counted as skipped
	}
	return tl
}

var mergeOpts = []funnel.Options{
	{Mode: funnel.Lenient, Currency: "USD"},
	{Mode: funnel.Lenient, Currency: "USD", Policy: funnel.AnyStage, AsOf: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC),
		Window: 60 * 24 * time.Hour, Period: funnel.Week, Location: time.FixedZone("UTC-5", -5*3600)},
	{Mode: funnel.Lenient, Currency: "USD", Policy: funnel.DirectNext, Period: funnel.Day, AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		Location: mustZone("America/Santiago")},
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// ignoreExamples ignores which skipped deals are kept as examples: parts
// tallied apart number their deals from 0 each, so the examples kept
// after a merge follow the parts' positions, not the whole stream's.
var ignoreExamples = cmpopts.IgnoreFields(funnel.Skipped{}, "Examples")

func encode(t testing.TB, a funnel.Accumulator) []byte {
	t.Helper()
	b, err := a.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMergeEqualsOnePass splits the deals at every cut point, tallies both
// parts, merges them and compares the report with the one-pass report; it
// also merges the parts decoded from their binary encoding.
func TestMergeEqualsOnePass(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(60, 7)
	for _, opts := range mergeOpts {
		s := scanOf(t, f, opts)
		whole := tallyOf(t, s, deals).Report()
		for cut := 0; cut <= len(deals); cut++ {
			a := tallyOf(t, s, deals[:cut])
			b := tallyOf(t, s, deals[cut:])
			bBefore := b.Report()
			var da, db funnel.Tally // decoded into zero tallies: they take the encoded scan
			if err := da.UnmarshalBinary(encode(t, a)); err != nil {
				t.Fatal(err)
			}
			if err := db.UnmarshalBinary(encode(t, b)); err != nil {
				t.Fatal(err)
			}
			if err := a.Merge(b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(whole, a.Report(), cmpopts.EquateErrors(), ignoreExamples); diff != "" {
				t.Fatalf("policy %v cut %d: merged report differs from one pass (-one +merged):\n%s", opts.Policy, cut, diff)
			}
			if diff := cmp.Diff(bBefore, b.Report(), cmpopts.EquateErrors()); diff != "" {
				t.Fatalf("Merge modified its argument:\n%s", diff)
			}
			if err := da.Merge(&db); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(encode(t, &da), encode(t, a)) {
				t.Fatalf("policy %v cut %d: merge of decoded parts encodes differently from the merge of the parts", opts.Policy, cut)
			}
		}
	}
}

// TestEncodingDeterministic checks that the encoding of a merge of any
// split of valid deals equals the encoding of one pass, byte for byte,
// whatever order the parts are merged in.
func TestEncodingDeterministic(t *testing.T) {
	f := dealgen.Funnel()
	deals := dealgen.Generate(2000, 3, dealgen.Options{})
	rng := rand.New(rand.NewPCG(1, 9))
	for _, opts := range mergeOpts {
		s := scanOf(t, f, opts)
		want := encode(t, tallyOf(t, s, deals))
		for range 5 {
			parts := make([][]funnel.Deal, 1+rng.IntN(6))
			for _, d := range deals {
				i := rng.IntN(len(parts))
				parts[i] = append(parts[i], d)
			}
			rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
			acc := funnel.NewTally(s)
			for _, p := range parts {
				if err := acc.Merge(tallyOf(t, s, p)); err != nil {
					t.Fatal(err)
				}
			}
			if got := encode(t, acc); !bytes.Equal(got, want) {
				t.Fatalf("merge of %d parts: encoding differs from one pass (%d vs %d bytes)", len(parts), len(got), len(want))
			}
		}
	}
}

// TestMergeAssociative checks (a+b)+c = a+(b+c) and that any partition of
// the deals into random parts merges to the one-pass report.
func TestMergeAssociative(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(3000, 11)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, opts := range mergeOpts {
		s := scanOf(t, f, opts)
		whole := tallyOf(t, s, deals).Report()
		parts := make([][]funnel.Deal, 1+rng.IntN(8))
		for _, d := range deals {
			i := rng.IntN(len(parts))
			parts[i] = append(parts[i], d)
		}
		var tallies []*funnel.Tally
		for _, p := range parts {
			tallies = append(tallies, tallyOf(t, s, p))
		}
		left := funnel.NewTally(s)
		for _, tl := range tallies {
			if err := left.Merge(tl); err != nil {
				t.Fatal(err)
			}
		}
		right := funnel.NewTally(s)
		for _, tl := range slices.Backward(tallies) {
			if err := tl.Merge(right); err != nil {
				t.Fatal(err)
			}
			right = tl
		}
		for name, got := range map[string]funnel.Report{"left": left.Report(), "right": right.Report()} {
			if diff := cmp.Diff(whole, got, cmpopts.EquateErrors(), ignoreExamples); diff != "" {
				t.Errorf("%s fold of %d parts differs from one pass:\n%s", name, len(parts), diff)
			}
		}
	}
}

// TestRunParallelEqualsSerial feeds one stream to several accumulators on
// 1 to 7 workers: every report, skipped examples included, equals the
// serial one, and so do the encodings.
func TestRunParallelEqualsSerial(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(5000, 21)
	for _, opts := range mergeOpts {
		opts.Workers = 1
		serial := funnel.NewTally(scanOf(t, f, opts))
		if err := serial.Scan().Run(slices.Values(deals), serial); err != nil {
			t.Fatal(err)
		}
		want := serial.Report()
		for _, w := range []int{2, 3, 7} {
			opts.Workers = w
			s := scanOf(t, f, opts)
			a, b := funnel.NewTally(s), funnel.NewTally(s)
			if err := s.Run(slices.Values(deals), a, b); err != nil {
				t.Fatal(err)
			}
			for _, got := range []*funnel.Tally{a, b} {
				if diff := cmp.Diff(want, got.Report(), cmpopts.EquateErrors()); diff != "" {
					t.Fatalf("%d workers: report differs from serial (-serial +parallel):\n%s", w, diff)
				}
				if !bytes.Equal(encode(t, got), encode(t, serial)) {
					t.Fatalf("%d workers: encoding differs from serial", w)
				}
			}
		}
	}
}

// TestRunParallelIntoFilled runs a stream on several workers into a tally
// and a segmentation that already hold deals: the workers' copies are
// taken over by accumulators that are not empty, and the reports and
// encodings still equal those of one serial pass over all the deals.
func TestRunParallelIntoFilled(t *testing.T) {
	f := dealgen.Funnel()
	deals := dealgen.Generate(6000, 33, dealgen.Options{}) // valid: a skipped deal's position differs between the two
	for _, opts := range mergeOpts {
		opts.Workers = 1
		s := scanOf(t, f, opts)
		segOpts := funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}, ByKey: true}
		serial := funnel.NewTally(s)
		serialSegs, err := funnel.NewSegments(s, segOpts)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Run(slices.Values(deals), serial, serialSegs); err != nil {
			t.Fatal(err)
		}
		wantSegs, err := serialSegs.Report()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{2, 3} {
			opts.Workers = w
			s := scanOf(t, f, opts)
			tl := funnel.NewTally(s)
			segs, err := funnel.NewSegments(s, segOpts)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range deals[:1000] {
				_ = tl.Add(d)
				_ = segs.Add(d)
			}
			if err := s.Run(slices.Values(deals[1000:]), tl, segs); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(serial.Report(), tl.Report(), cmpopts.EquateErrors(), ignoreExamples); diff != "" {
				t.Fatalf("%d workers: tally differs from serial (-serial +parallel):\n%s", w, diff)
			}
			if !bytes.Equal(encode(t, tl), encode(t, serial)) {
				t.Fatalf("%d workers: tally encodes differently from serial", w)
			}
			gotSegs, err := segs.Report()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantSegs, gotSegs, cmpopts.EquateErrors(), ignoreExamples); diff != "" {
				t.Fatalf("%d workers: segments differ from serial (-serial +parallel):\n%s", w, diff)
			}
		}
	}
}

// TestReportOnWorkers checks that the report of a tally large enough to
// make its summaries on the workers, and a segmentation's, equal the
// serial ones, on one worker and three, for every option set.
func TestReportOnWorkers(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(115_000, 22)
	for set, opts := range mergeOpts {
		var want funnel.Report
		var wantSeg funnel.SegmentReport
		for _, w := range []int{1, 3} {
			opts.Workers = w
			s := scanOf(t, f, opts)
			tl := funnel.NewTally(s)
			seg, err := funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}, TopK: 3})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Run(slices.Values(deals), tl, seg); err != nil {
				t.Fatal(err)
			}
			got := tl.Report()
			gotSeg, err := seg.Report()
			if err != nil {
				t.Fatal(err)
			}
			if got.Deals < 1<<16 {
				t.Fatalf("set %d: %d deals counted, too few for the summaries on the workers", set, got.Deals)
			}
			if w == 1 {
				want, wantSeg = got, gotSeg
				continue
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("set %d, %d workers: report (-serial +parallel):\n%s", set, w, diff)
			}
			if diff := cmp.Diff(wantSeg, gotSeg, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("set %d, %d workers: segments (-serial +parallel):\n%s", set, w, diff)
			}
		}
	}
}

// TestRunStrictFirstError checks that a strict run on many workers stops
// with the first invalid deal in stream order, as a serial run does.
func TestRunStrictFirstError(t *testing.T) {
	f := dealgen.Funnel()
	deals := dealgen.Generate(20000, 4, dealgen.Options{})
	for _, i := range []int{19990, 7001, 12345} {
		deals[i].Stage = "Nowhere"
	}
	for _, w := range []int{1, 2, 4} {
		s := scanOf(t, f, funnel.Options{Currency: "USD", Workers: w})
		err := s.Run(slices.Values(deals), funnel.NewTally(s))
		var de *funnel.DealError
		if !errors.As(err, &de) || de.ID != deals[7001].ID {
			t.Errorf("%d workers: error %v, want the unknown stage of %s", w, err, deals[7001].ID)
		}
	}
}

func TestMergeIncompatible(t *testing.T) {
	f := dealgen.Funnel()
	g, _ := funnel.New("Lead", "Won")
	a := funnel.NewTally(scanOf(t, f, funnel.Options{Location: time.FixedZone("", 3600)}))
	for _, b := range []*funnel.Tally{
		funnel.NewTally(scanOf(t, g, funnel.Options{})),
		funnel.NewTally(scanOf(t, f, funnel.Options{Policy: funnel.AnyStage})),
		// unnamed fixed zones of other offsets must not merge
		funnel.NewTally(scanOf(t, f, funnel.Options{Location: time.FixedZone("", 7200)})),
		funnel.NewTally(scanOf(t, f, funnel.Options{Location: time.FixedZone("", 3600), Test: funnel.Test{Confidence: 0.9}})),
	} {
		if err := a.Merge(b); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("Merge of incompatible tallies: %v, want ErrIncompatible", err)
		}
	}
	same := funnel.NewTally(scanOf(t, f, funnel.Options{Location: time.FixedZone("", 3600), Workers: 3}))
	if err := a.Merge(same); err != nil {
		t.Errorf("Merge of tallies of equal scans (other worker count): %v", err)
	}
	if err := a.Merge(a); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge into itself: %v, want ErrInvalidParam", err)
	}
	if err := a.Merge(nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge(nil): %v, want ErrInvalidParam", err)
	}
}

// TestStatsSelfMerge: merging a statistic into itself doubles it exactly.
func TestStatsSelfMerge(t *testing.T) {
	var m funnel.MoneyStats
	var d funnel.DurationStats
	for i := range 10000 {
		m.Add(dec(itoaInt(i)))
		d.AddSeconds(int64(i))
	}
	var m2 funnel.MoneyStats
	var d2 funnel.DurationStats
	for range 2 {
		for i := range 10000 {
			m2.Add(dec(itoaInt(i)))
			d2.AddSeconds(int64(i))
		}
	}
	m.Merge(&m)
	d.Merge(&d)
	if diff := cmp.Diff(m2.Summary(), m.Summary()); diff != "" || m.Count() != 20000 {
		t.Errorf("MoneyStats self-merge (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(d2.Summary(), d.Summary()); diff != "" || d.Count() != 20000 {
		t.Errorf("DurationStats self-merge (-want +got):\n%s", diff)
	}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func itoaInt(i int) string { return strconv.Itoa(i) }
