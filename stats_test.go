package funnel

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel/internal/chunk"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestRatio(t *testing.T) {
	r := Ratio{12, 40}
	if f, ok := r.Float64(); !ok || f != 0.3 {
		t.Errorf("Float64 = %v, %v", f, ok)
	}
	if p, ok := r.Percent(2); !ok || !p.Equal(dec("30")) {
		t.Errorf("Percent = %v, %v", p, ok)
	}
	if got := r.Add(Ratio{3, 10}); got != (Ratio{15, 50}) {
		t.Errorf("Add = %v", got)
	}
	if s := (Ratio{}).String(); s != "0/0 (n/a)" {
		t.Errorf("String = %q", s)
	}
	if s := (Ratio{1, 3}).String(); s != "1/3 (33.3%)" {
		t.Errorf("String = %q", s)
	}
	b, err := json.Marshal([]Ratio{{}, {1, 4}})
	if err != nil || string(b) != `[{"num":0,"den":0,"value":null},{"num":1,"den":4,"value":0.25}]` {
		t.Errorf("json = %s, %v", b, err)
	}
}

// TestWilson compares the interval with endpoints found by bisection of the
// score equation (x - n p)^2 = z^2 n p (1 - p), computed independently in
// Python, and with the closed forms at x = 0 (hi = z^2/(n+z^2)) and x = n
// (lo = n/(n+z^2)).
func TestWilson(t *testing.T) {
	z2 := 1.959963984540054 * 1.959963984540054
	tests := []struct {
		r      Ratio
		lo, hi float64
	}{
		{Ratio{12, 40}, 0.18074845229746528, 0.45430018818144935},
		{Ratio{1, 3}, 0.06149194472039622, 0.7923403991979523},
		{Ratio{0, 10}, 0, z2 / (10 + z2)},
		{Ratio{10, 10}, 10 / (10 + z2), 1},
	}
	for _, tt := range tests {
		for _, c := range []Confidence{0.95, 0} { // zero means 0.95
			iv, err := tt.r.Wilson(c)
			if err != nil || !iv.Defined || iv.Confidence != 0.95 || math.Abs(iv.Lo-tt.lo) > 1e-9 || math.Abs(iv.Hi-tt.hi) > 1e-9 {
				t.Errorf("%v.Wilson(%v) = %+v, %v, want %v, %v", tt.r, c, iv, err, tt.lo, tt.hi)
			}
		}
	}
	if iv, err := (Ratio{}).Wilson(0.95); err != nil || iv.Defined {
		t.Errorf("Wilson of 0/0 = %+v, %v, want undefined and no error", iv, err)
	}
	for _, bad := range []struct {
		r Ratio
		c Confidence
	}{{Ratio{5, 4}, 0.95}, {Ratio{-1, 4}, 0.95}, {Ratio{1, 4}, 1}, {Ratio{1, 4}, -0.1}, {Ratio{1, 4}, Confidence(math.NaN())}} {
		if _, err := bad.r.Wilson(bad.c); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("%v.Wilson(%v) error = %v, want ErrInvalidParam", bad.r, bad.c, err)
		}
	}
}

// TestWilsonProperty checks, for random counts, that the interval lies in
// [0, 1], contains the estimate, and that its inner endpoints solve the
// score equation.
func TestWilsonProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	z := 1.959963984540054
	for range 2000 {
		n := 1 + rng.Int64N(100000)
		x := rng.Int64N(n + 1)
		iv, err := Ratio{x, n}.Wilson(0.95)
		lo, hi, ok := iv.Lo, iv.Hi, err == nil && iv.Defined
		p := float64(x) / float64(n)
		if !ok || lo < 0 || hi > 1 || lo > p || hi < p {
			t.Fatalf("Wilson(%d/%d) = %v, %v, %v", x, n, lo, hi, ok)
		}
		for _, e := range []float64{lo, hi} {
			if e == 0 || e == 1 {
				continue
			}
			nf := float64(n)
			lhs := (float64(x) - nf*e) * (float64(x) - nf*e)
			rhs := z * z * nf * e * (1 - e)
			if math.Abs(lhs-rhs) > 1e-6*math.Max(1, rhs) {
				t.Fatalf("Wilson(%d/%d) endpoint %v: %v != %v", x, n, e, lhs, rhs)
			}
		}
	}
}

func TestMoneyRatio(t *testing.T) {
	r := MoneyRatio{dec("1"), dec("3")}
	if v, ok := r.Value(); !ok || !v.Equal(dec("0.3333333333")) {
		t.Errorf("Value = %v, %v", v, ok)
	}
	if _, ok := (MoneyRatio{}).Value(); ok {
		t.Errorf("zero MoneyRatio defined")
	}
	b, _ := json.Marshal(MoneyRatio{dec("1.5"), dec("0")})
	if string(b) != `{"num":"1.5","den":"0","value":null}` {
		t.Errorf("json = %s", b)
	}
}

// TestMoneyStats checks exact statistics, worked out by hand, including
// mixed scales, amounts too large for int64 and a switch to decimals
// mid-stream.
func TestMoneyStats(t *testing.T) {
	tests := []struct {
		name    string
		amounts []string
		want    MoneySummary
	}{
		{"one", []string{"12.34"}, MoneySummary{Count: 1, Total: dec("12.34"), Mean: dec("12.34"),
			Min: dec("12.34"), P25: dec("12.34"), Median: dec("12.34"), P75: dec("12.34"), P90: dec("12.34"), Max: dec("12.34")}},
		// sorted 0.5, 1, 2.25, 10: median (1+2.25)/2; p25 at h=0.75: 0.5+0.75*0.5;
		// p75 at h=2.25: 2.25+0.25*7.75; p90 at h=2.7: 2.25+0.7*7.75
		{"mixed scales", []string{"10", "0.5", "2.25", "1"}, MoneySummary{Count: 4, Total: dec("13.75"), Mean: dec("3.4375"),
			Min: dec("0.5"), P25: dec("0.875"), Median: dec("1.625"), P75: dec("4.1875"), P90: dec("7.675"), Max: dec("10")}},
		{"ties", []string{"5", "5", "5"}, MoneySummary{Count: 3, Total: dec("15"), Mean: dec("5"),
			Min: dec("5"), P25: dec("5"), Median: dec("5"), P75: dec("5"), P90: dec("5"), Max: dec("5")}},
		// the sum overflows int64 cents: the stats switch to decimals
		{"huge", []string{"90000000000000000", "90000000000000000.01", "1"}, MoneySummary{Count: 3,
			Total: dec("180000000000000001.01"), Mean: dec("60000000000000000.3366666667"),
			Min: dec("1"), P25: dec("45000000000000000.5"), Median: dec("90000000000000000"),
			P75: dec("90000000000000000.005"), P90: dec("90000000000000000.008"), Max: dec("90000000000000000.01")}},
		// 25 significant digits never fit int64
		{"wide", []string{"1234567890123456789012345", "1"}, MoneySummary{Count: 2, Total: dec("1234567890123456789012346"),
			Mean: dec("617283945061728394506173"), Min: dec("1"), P25: dec("308641972530864197253087"),
			Median: dec("617283945061728394506173"), P75: dec("925925917592592591759259"),
			P90: dec("1111111101111111110111110.6"), Max: dec("1234567890123456789012345")}},
		// exponents 20 apart cannot share an int64 scale
		{"far scales", []string{"1e20", "1e-2"}, MoneySummary{Count: 2, Total: dec("100000000000000000000.01"),
			Mean: dec("50000000000000000000.005"), Min: dec("0.01"), P25: dec("25000000000000000000.0075"),
			Median: dec("50000000000000000000.005"), P75: dec("75000000000000000000.0025"),
			P90: dec("90000000000000000000.001"), Max: dec("1e20")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m MoneyStats
			for _, a := range tt.amounts {
				m.Add(dec(a))
			}
			if diff := cmp.Diff(tt.want, m.Summary()); diff != "" {
				t.Errorf("Summary (-want +got):\n%s", diff)
			}
			// merging single-amount parts in order gives the same
			var parts MoneyStats
			for _, a := range tt.amounts {
				var one MoneyStats
				one.Add(dec(a))
				parts.Merge(&one)
			}
			if diff := cmp.Diff(tt.want, parts.Summary()); diff != "" {
				t.Errorf("merged Summary (-want +got):\n%s", diff)
			}
		})
	}
	var empty MoneyStats
	if _, ok := empty.Mean(); ok {
		t.Error("Mean of nothing is defined")
	}
	if _, ok := empty.Percentiles(50); ok {
		t.Error("median of nothing is defined")
	}
	b, _ := json.Marshal(empty.Summary())
	if string(b) != `{"count":0,"quantiles":"exact","relative_error":0,"total":"0","mean":null,"min":null,"p25":null,"median":null,"p75":null,"p90":null,"max":null}` {
		t.Errorf("json = %s", b)
	}
}

// TestPercentilesMatchSort compares the histogram selection with a full
// sort and the PERCENTILE.INC formula, on random samples of many shapes.
func TestPercentilesMatchSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	shapes := map[string]func() int64{
		"uniform":  func() int64 { return rng.Int64N(1_000_000) },
		"few":      func() int64 { return rng.Int64N(3) },
		"skewed":   func() int64 { return int64(math.Exp(rng.Float64() * 30)) },
		"extremes": func() int64 { return []int64{math.MinInt64 / 2, 0, math.MaxInt64 / 2}[rng.IntN(3)] + rng.Int64N(10) },
	}
	for name, gen := range shapes {
		for _, n := range []int{1, 2, 7, 300, 5000, 70000} {
			var s DurationStats
			var all []int64
			for range n {
				v := gen()
				s.AddSeconds(v)
				all = append(all, v)
			}
			slices.Sort(all)
			ks := []int{0, 1, 25, 50, 75, 90, 99, 100}
			got, _ := s.Percentiles(ks...)
			for j, k := range ks {
				h := float64(n-1) * float64(k) / 100
				i := int(h)
				w := float64(all[i])
				if i+1 < n {
					w += (h - float64(i)) * (float64(all[i+1]) - float64(all[i]))
				}
				wantNS := w * 1e9
				if math.Abs(float64(got[j])-wantNS) > 1e-9*math.Abs(wantNS)+1 && !(math.Abs(wantNS) > math.MaxInt64) {
					t.Errorf("%s n=%d p%d = %v, want %v s", name, n, k, got[j], w)
				}
			}
		}
	}
}

func TestDurationStats(t *testing.T) {
	var s DurationStats
	for _, d := range []time.Duration{time.Hour, 3 * time.Hour, 1500 * time.Millisecond} {
		s.Add(d) // 1.5 s truncates to 1 s
	}
	// seconds 1, 3600, 10800: mean 14401/3 s = 4800.333333333 s; p90 at
	// h = 1.8: 3600 + 0.8 * 7200 s
	want := DurationSummary{Count: 3, Mean: 4800*time.Second + 333333333, Min: time.Second,
		P25: 1800*time.Second + 500*time.Millisecond, Median: time.Hour,
		P75: 2 * time.Hour, P90: 2*time.Hour + 36*time.Minute, Max: 3 * time.Hour}
	if diff := cmp.Diff(want, s.Summary()); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	// A sum of 90-day cycles overflows time.Duration after about 1,190
	// deals; the total in seconds does not, and the mean stays exact.
	var long DurationStats
	for range 5000 {
		long.Add(90 * 24 * time.Hour)
	}
	if m, ok := long.Mean(); !ok || m != 90*24*time.Hour {
		t.Errorf("Mean of 5000 90-day cycles = %v, %v", m, ok)
	}
	// the int64 total itself overflows: exact big total
	var huge DurationStats
	huge.AddSeconds(math.MaxInt64)
	huge.AddSeconds(math.MaxInt64)
	if got := huge.TotalSeconds().String(); got != "18446744073709551614" {
		t.Errorf("TotalSeconds = %s", got)
	}
	if m, _ := huge.Mean(); m != math.MaxInt64 {
		t.Errorf("Mean saturates at %v, got %v", time.Duration(math.MaxInt64), m)
	}
	var merged DurationStats
	merged.Merge(&huge)
	merged.Merge(&s)
	if got := merged.TotalSeconds().String(); got != "18446744073709566015" {
		t.Errorf("merged TotalSeconds = %s", got)
	}
	var empty DurationStats
	if _, ok := empty.Mean(); ok {
		t.Error("Mean of nothing is defined")
	}
	if _, ok := empty.Percentiles(50); ok {
		t.Error("median of nothing is defined")
	}
	b, _ := json.Marshal(DurationSummary{Count: 1, Mean: 1500 * time.Millisecond})
	if string(b) != `{"count":1,"quantiles":"exact","relative_error":0,"mean_seconds":1.500000000,"min_seconds":0.000000000,"p25_seconds":0.000000000,"median_seconds":0.000000000,"p75_seconds":0.000000000,"p90_seconds":0.000000000,"max_seconds":0.000000000}` {
		t.Errorf("json = %s", b)
	}
}

// TestDurationMeanRounds checks that the mean duration is rounded half
// away from zero to the nanosecond, not truncated, by hand: 1 s, 2 s and
// 2 s average 5/3 s = 1.666666666666... s, 1666666667 ns (truncation gives
// ...666); 0, 0 and 1 s average 333333333.33 ns (down either way); one
// second over 1024 durations is 976562.5 ns exactly, a half that rounds up
// to 976563; the negated durations round to the negated means. The same
// mean reaches a report's won cycle and its JSON (1.666666667 seconds).
func TestDurationMeanRounds(t *testing.T) {
	of := func(secs ...int64) DurationSummary {
		var s DurationStats
		for _, v := range secs {
			s.AddSeconds(v)
		}
		return s.Summary()
	}
	ones := make([]int64, 1024)
	ones[0] = 1
	type sum = DurationSummary
	got := []sum{of(1, 2, 2), of(0, 0, 1), of(ones...), of(-1, -2, -2)}
	want := []sum{
		// percentiles by linear interpolation at h = (n-1) q
		{Count: 3, Mean: 1666666667, Min: time.Second, P25: 1500 * time.Millisecond, Median: 2 * time.Second, P75: 2 * time.Second, P90: 2 * time.Second, Max: 2 * time.Second},
		{Count: 3, Mean: 333333333, P75: 500 * time.Millisecond, P90: 800 * time.Millisecond, Max: time.Second},
		{Count: 1024, Mean: 976563, Max: time.Second},
		{Count: 3, Mean: -1666666667, Min: -2 * time.Second, P25: -2 * time.Second, Median: -2 * time.Second, P75: -1500 * time.Millisecond, P90: -1200 * time.Millisecond, Max: -time.Second},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("duration summaries (-hand +got):\n%s", diff)
	}
	// through a report: three deals won 1 s, 2 s and 2 s after creation
	f := mustFunnel(t, "Lead")
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var deals []Deal
	for i, sec := range []int{1, 2, 2} {
		deals = append(deals, Deal{ID: string(rune('a' + i)), Stage: "Lead", Outcome: Won, Created: at, Closed: at.Add(time.Duration(sec) * time.Second)})
	}
	r, err := Compute(f, slices.Values(deals), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want[0], r.CycleWon); diff != "" {
		t.Errorf("report CycleWon (-hand +got):\n%s", diff)
	}
	b, err := json.Marshal(r.CycleWon)
	if err != nil || !strings.Contains(string(b), `"mean_seconds":1.666666667,`) {
		t.Errorf("CycleWon JSON = %s, %v; want mean_seconds 1.666666667", b, err)
	}
}

func TestPercentilePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Percentiles(101) did not panic")
		}
	}()
	var m MoneyStats
	m.Percentiles(101)
}

// TestMergeSharesChunks checks that a merge shares the other set's long
// chunks, its last one half full among them, and that neither set then
// sees the other's later samples: adds on both sides (the other's into
// the room left in the chunk it shares), a widening past int32, and an
// amount with more decimals (which rescales every kept amount) leave each
// with exactly its own samples, as fresh sets fed the same values hold
// them.
func TestMergeSharesChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	draw := func(n int, wide bool) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = rng.Int64N(1_000_000)
			if wide && i == n-1 {
				out[i] = 1 << 40
			}
		}
		return out
	}
	fill := func(s *DurationStats, vs ...[]int64) {
		for _, v := range vs {
			for _, x := range v {
				s.AddSeconds(x)
			}
		}
	}
	sorted := func(vs ...[]int64) []int64 {
		var out []int64
		for _, v := range vs {
			out = append(out, v...)
		}
		slices.Sort(out)
		return out
	}
	for _, wide := range []bool{false, true} {
		a1, o1 := draw(3*chunk.Size+5, false), draw(2*chunk.Size+chunk.Size/2, false)
		a2, o2 := draw(chunk.Size+3, wide), draw(chunk.Size+9, wide)
		var a, o DurationStats
		fill(&a, a1)
		fill(&o, o1)
		a.Merge(&o)
		on := o.samples.narrowChunks()
		last := on[len(on)-1]
		sharedFull, sharedLast := false, false
		for _, c := range a.samples.narrow {
			sharedFull = sharedFull || (len(c) == chunk.Size && slices.ContainsFunc(on, func(d []int32) bool { return &c[0] == &d[0] }))
			sharedLast = sharedLast || &c[0] == &last[0]
		}
		if !sharedFull || !sharedLast || len(last) == cap(last) {
			t.Fatalf("wide %v: the merge shares a full chunk %v, the half-full last %v (%d of %d)", wide, sharedFull, sharedLast, len(last), cap(last))
		}
		fill(&a, a2)
		fill(&o, o2)
		if diff := cmp.Diff(sorted(a1, o1, a2), a.samples.sorted()); diff != "" {
			t.Errorf("wide %v: merged set (-want +got):\n%s", wide, diff)
		}
		if diff := cmp.Diff(sorted(o1, o2), o.samples.sorted()); diff != "" {
			t.Errorf("wide %v: other set (-want +got):\n%s", wide, diff)
		}
	}
	// amounts: a rescale of either side after the merge, of amounts kept
	// in 4 bytes and of amounts past int32 cents, kept in 8
	for _, top := range []int64{10_000_000, 10_000_000_000} {
		amounts := func(n int) []decimal.Decimal {
			out := make([]decimal.Decimal, n)
			for i := range out {
				out[i] = decimal.New(rng.Int64N(top), -2)
			}
			return out
		}
		add := func(m *MoneyStats, ds ...[]decimal.Decimal) {
			for _, d := range ds {
				for _, x := range d {
					m.Add(x)
				}
			}
		}
		a1, o1 := amounts(2*chunk.Size+1), amounts(3*chunk.Size)
		fine := []decimal.Decimal{decimal.RequireFromString("0.001")}
		var a, o MoneyStats
		add(&a, a1)
		add(&o, o1)
		a.Merge(&o)
		add(&o, fine) // o rescales the chunks a shares
		var wantA, wantO MoneyStats
		add(&wantA, a1, o1)
		add(&wantO, o1, fine)
		if diff := cmp.Diff(wantA.Summary(), a.Summary()); diff != "" {
			t.Errorf("top %d: merged amounts after the other's rescale (-want +got):\n%s", top, diff)
		}
		if diff := cmp.Diff(wantO.Summary(), o.Summary()); diff != "" {
			t.Errorf("top %d: rescaled amounts (-want +got):\n%s", top, diff)
		}
		add(&a, fine)
		add(&wantA, fine)
		if diff := cmp.Diff(wantA.Summary(), a.Summary()); diff != "" {
			t.Errorf("top %d: merged amounts after their own rescale (-want +got):\n%s", top, diff)
		}
	}
}

// TestSampleSetAdd checks the samples, their count and their range as
// added one at a time: across chunk boundaries, at the int32 bounds, and
// on past them into the 8-byte representation.
func TestSampleSetAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var vals []int64
	for range 2*chunk.Size + 17 {
		vals = append(vals, rng.Int64N(2_000_000)-1_000_000)
	}
	vals = append(vals, math.MaxInt32, math.MinInt32, -5)
	narrowN := len(vals)
	vals = append(vals, math.MaxInt32+1, 3, math.MinInt64, 4)
	var s sampleSet
	lo, hi := vals[0], vals[0]
	for i, v := range vals {
		s.add(v)
		lo, hi = min(lo, v), max(hi, v)
		if i+1 == narrowN || i+1 == len(vals) {
			want := slices.Clone(vals[:i+1])
			slices.Sort(want)
			if diff := cmp.Diff(want, s.sorted()); diff != "" {
				t.Errorf("after %d samples (-want +got):\n%s", i+1, diff)
			}
		}
		if s.n != i+1 || s.mn != lo || s.mx != hi || s.isWide != (i >= narrowN) {
			t.Fatalf("after %d samples: n %d, range %d..%d, wide %v; want %d, %d..%d, %v",
				i+1, s.n, s.mn, s.mx, s.isWide, i+1, lo, hi, i >= narrowN)
		}
	}
}

// TestMoneyStatsKept checks the amounts a MoneyStats keeps apart: none for
// a statistic of sums only, a clone's own copy (adds to either leave the
// other as it was), and a take that moves them, leaving the other with
// none, into a statistic that held none.
func TestMoneyStatsKept(t *testing.T) {
	amt := func(s string) (scaledAmount, decimal.Decimal) {
		d := decimal.RequireFromString(s)
		return scaledOf(d), d
	}
	add := func(m *MoneyStats, vals ...string) {
		for _, v := range vals {
			a, d := amt(v)
			m.addAmount(&a, &d)
		}
	}
	sums := MoneyStats{sumOnly: true}
	add(&sums, "1.50", "2.25")
	if sums.kept != nil || sums.Count() != 2 || !sums.Sum().Equal(decimal.RequireFromString("3.75")) {
		t.Errorf("sums only: kept %v, count %d, sum %s; want none, 2, 3.75", sums.kept, sums.Count(), sums.Sum())
	}
	var m MoneyStats
	add(&m, "3.00", "1.00")
	c := m.clone()
	add(&m, "2.00")
	add(&c, "10.00", "20.00")
	if diff := cmp.Diff([]int64{100, 200, 300}, m.kept.sorted()); diff != "" {
		t.Errorf("original after its clone's adds (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{100, 300, 1000, 2000}, c.kept.sorted()); diff != "" {
		t.Errorf("clone (-want +got):\n%s", diff)
	}
	var into MoneyStats
	into.merge(&m, true)
	if m.kept != nil || into.Count() != 3 || !into.Sum().Equal(decimal.RequireFromString("6")) {
		t.Errorf("take: left %v, moved count %d sum %s; want none, 3, 6", m.kept, into.Count(), into.Sum())
	}
	if diff := cmp.Diff([]int64{100, 200, 300}, into.kept.sorted()); diff != "" {
		t.Errorf("taken amounts (-want +got):\n%s", diff)
	}
}

// TestSampleSetLastChunk checks a set whose last chunk grows inline
// against plain slices of the same samples: the values in the order
// added, through reads that must not change the set (values, clone,
// percentiles, a view with another set), a copying and a taking merge
// into sets part-filled, and adds after each of them.
func TestSampleSetLastChunk(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	draw := func(n int) []int64 {
		out := make([]int64, n)
		for i := range out {
			out[i] = rng.Int64N(1_000_000)
		}
		return out
	}
	fill := func(s *sampleSet, vals []int64) {
		for _, v := range vals {
			s.add(v)
		}
	}
	got := func(s *sampleSet) []int64 { return slices.Collect(s.values()) }
	// the chunks' lengths as the set holds them, to see that reads leave
	// them as they were
	lens := func(s *sampleSet) []int {
		var l []int
		for _, c := range s.narrow {
			l = append(l, len(c))
		}
		return append(l, len(s.cur))
	}
	for _, n := range []int{1, 15, 16, 17, 100, chunk.Share + 3, chunk.Size + 1, 3*chunk.Size - 7} {
		a1, a2, o1, o2 := draw(n), draw(n/2+1), draw(n/3+2), draw(5)
		var a, o sampleSet
		fill(&a, a1)
		fill(&o, o1)
		before := lens(&a)
		var sc selectScratch
		c := a.clone()
		v := a.with(&o)
		a.percentiles([]int{50}, &sc)
		if diff := cmp.Diff(before, lens(&a)); diff != "" {
			t.Errorf("n %d: reads changed the set's chunks (-before +after):\n%s", n, diff)
		}
		if diff := cmp.Diff(a1, got(&c)); diff != "" {
			t.Errorf("n %d: clone (-want +got):\n%s", n, diff)
		}
		if diff := cmp.Diff(append(slices.Clone(a1), o1...), got(&v)); diff != "" {
			t.Errorf("n %d: view of both (-want +got):\n%s", n, diff)
		}
		fill(&c, a2)
		if diff := cmp.Diff(a1, got(&a)); diff != "" {
			t.Errorf("n %d: the set after adds to its clone (-want +got):\n%s", n, diff)
		}
		// a copying merge, then adds to both sides
		m := a.clone()
		m.addAll(&o)
		fill(&m, a2)
		fill(&o, o2)
		want := append(append(slices.Clone(a1), o1...), a2...)
		if diff := cmp.Diff(want, got(&m)); diff != "" {
			t.Errorf("n %d: copying merge and adds (-want +got):\n%s", n, diff)
		}
		if diff := cmp.Diff(append(slices.Clone(o1), o2...), got(&o)); diff != "" {
			t.Errorf("n %d: merged set after its own adds (-want +got):\n%s", n, diff)
		}
		// a taking merge, then adds
		a.take(&o)
		fill(&a, a2)
		want = append(append(append(slices.Clone(a1), o1...), o2...), a2...)
		if diff := cmp.Diff(want, got(&a)); diff != "" {
			t.Errorf("n %d: taking merge and adds (-want +got):\n%s", n, diff)
		}
		if o.n != 0 || len(got(&o)) != 0 {
			t.Errorf("n %d: a taken set keeps %d samples", n, o.n)
		}
		if a.n != len(want) || a.mn != slices.Min(want) || a.mx != slices.Max(want) {
			t.Errorf("n %d: count %d, range %d..%d; want %d, %d..%d", n, a.n, a.mn, a.mx, len(want), slices.Min(want), slices.Max(want))
		}
		// widened: the samples in order, none kept narrow
		a.add(math.MaxInt32 + 1)
		want = append(want, math.MaxInt32+1)
		if diff := cmp.Diff(want, got(&a)); diff != "" || a.cur != nil || a.narrow != nil {
			t.Errorf("n %d: widened set, last chunk %v (-want +got):\n%s", n, a.cur != nil, diff)
		}
	}
}
