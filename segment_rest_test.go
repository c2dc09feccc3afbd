package funnel_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// restPy reads a section of testdata/segment/rest_py.txt: per test
// ("size" or "cycle") and row name, the printed fields.
func restPy(t *testing.T, section string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("testdata/segment/rest_py.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "-- "); ok {
			in = name == section
			continue
		}
		if w := strings.Fields(line); in && len(w) > 2 {
			out[w[0]+" "+w[1]] = w[2:]
		}
	}
	if len(out) == 0 {
		t.Fatalf("no section %q in rest_py.txt", section)
	}
	return out
}

// pyAmounts is the AmountComparison of a line of rest.py: a, b, zeros,
// Welch's ratio, interval, t, df, p, the adjusted p, the verdict, and the
// permutation's difference, splits and p.
func pyAmounts(t *testing.T, w []string, level float64) funnel.AmountComparison {
	t.Helper()
	n, f := pyInts(t, w[:4]), pyFloats(t, w[4:11])
	pf := pyFloats(t, []string{w[12], w[14]})
	return funnel.AmountComparison{A: n[0], B: n[1], ZerosA: n[2], ZerosB: n[3], Defined: true, Ratio: f[0],
		Interval: funnel.Interval{Lo: f[1], Hi: f[2], Confidence: level, Defined: true}, T: f[3], DF: f[4], PValue: f[5], PAdjusted: f[6],
		Verdict: pyVerdict(t, w[11]), Permutation: funnel.Permutation{Method: funnel.ExactPermutation, Resamples: pyInts(t, w[13:14])[0], Diff: pf[0], PValue: pf[1]}}
}

// pyDurations is the DurationComparison of a line of rest.py: a, b,
// events, then (when defined) the expected events, variance, chi-square,
// z, p, the adjusted p and the verdict.
func pyDurations(t *testing.T, w []string) funnel.DurationComparison {
	t.Helper()
	n := pyInts(t, w[:4])
	c := funnel.DurationComparison{A: n[0], B: n[1], EventsA: n[2], EventsB: n[3]}
	if w[4] == "undefined" {
		return c
	}
	f := pyFloats(t, w[4:11])
	c.Defined, c.ExpectedA, c.ExpectedB, c.Variance, c.ChiSquare, c.Z, c.PValue, c.PAdjusted = true, f[0], f[1], f[2], f[3], f[4], f[5], f[6]
	c.Verdict = pyVerdict(t, w[11])
	return c
}

func pyInts(t *testing.T, w []string) []int64 {
	t.Helper()
	out := make([]int64, len(w))
	for i, s := range w {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

func pyFloats(t *testing.T, w []string) []float64 {
	t.Helper()
	out := make([]float64, len(w))
	for i, s := range w {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

func pyVerdict(t *testing.T, s string) funnel.Verdict {
	t.Helper()
	var v funnel.Verdict
	if err := v.UnmarshalText([]byte(strings.ReplaceAll(s, "-", " "))); err != nil {
		t.Fatal(err)
	}
	return v
}

// restDeals are the deals of TestSegmentRestTests and ExampleSegmentTests
// (testdata/segment/rest.py's "three sources"): per source, won deals
// (amount, cycle in days), lost deals (cycle) and open ones, created on
// day 0 but the open ones, as of day 60.
func restDeals() []funnel.Deal {
	var out []funnel.Deal
	add := func(src string, won [][2]int, lost []int, openAges []int) {
		for i, w := range won {
			out = append(out, segDeal(src+"w"+strconv.Itoa(i), src, funnel.Won, strconv.Itoa(w[0]), 0, w[1]))
		}
		for i, c := range lost {
			out = append(out, segDeal(src+"l"+strconv.Itoa(i), src, funnel.Lost, "100", 0, c))
		}
		for i, a := range openAges {
			out = append(out, segDeal(src+"o"+strconv.Itoa(i), src, funnel.Open, "100", 60-a, 0))
		}
	}
	add("web", [][2]int{{1200, 10}, {800, 12}, {15000, 30}, {950, 8}, {2300, 45}}, []int{6, 20}, []int{20})
	add("ads", [][2]int{{900, 3}, {700, 6}, {1000, 9}}, []int{2, 4}, []int{5})
	add("event", [][2]int{{5100, 25}, {780, 60}, {0, 30}}, []int{12}, nil)
	return out
}

// TestSegmentRestTests checks every row's deal size and time to win
// against the rest with testdata/segment/rest.py: Welch's test of the log
// won amounts by SciPy (ttest_ind, equal_var=False; R's t.test), the
// permutation test of the means by enumerating every split in exact
// fractions, the log-rank test by its definition in exact fractions (lost
// deals and open ones at their age censored, a tie of an event and a
// censoring at day 6), and the Benjamini-Hochberg adjustment over the
// three rows by its definition. Only ads's time to win differs after the
// adjustment: it is shorter (lower), p 0.00064, adjusted 0.0019.
func TestSegmentRestTests(t *testing.T) {
	py := restPy(t, "three sources")
	s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD", AsOf: segDays(60), Test: funnel.Test{MinSample: 2}})
	r := compute(t, s, funnel.SegmentOptions{Dims: bySource, TestRest: true}, restDeals())
	var got, want []funnel.SegmentTests
	for _, row := range r.Rows {
		got = append(got, row.Rest)
		name := row.Label()
		want = append(want, funnel.SegmentTests{DealSize: pyAmounts(t, py["size "+name], 0.95), CycleWon: pyDurations(t, py["cycle "+name])})
	}
	if labels := []string{r.Rows[0].Label(), r.Rows[1].Label(), r.Rows[2].Label()}; !slices.Equal(labels, []string{"web", "ads", "event"}) {
		t.Fatalf("rows %v", labels)
	}
	approx := cmpopts.EquateApprox(1e-9, 1e-12)
	if diff := cmp.Diff(want, got, approx); diff != "" {
		t.Errorf("tests against the rest differ from rest.py (-python +ours):\n%s", diff)
	}
	roundTrip(t, "segment_report", r)

	// made alone, with the exported functions: the adjusted p-value is
	// the raw one, and the verdict on it
	ads := r.Rows[1].Rest
	alone, err := funnel.CompareAmounts([]float64{900, 700, 1000}, []float64{1200, 800, 15000, 950, 2300, 5100, 780, 0}, funnel.Test{MinSample: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantAlone := ads.DealSize
	wantAlone.PAdjusted, wantAlone.Verdict = wantAlone.PValue, funnel.NoDifference // p 0.096
	if diff := cmp.Diff(wantAlone, alone, approx); diff != "" {
		t.Errorf("CompareAmounts (-want +got):\n%s", diff)
	}
	// ads's time to win by hand, in seconds: won at 3, 6, 9 days, lost at
	// 2 and 4, open at 5; the rest won at 8, 10, 12, 25, 30, 30, 45, 60,
	// lost at 6, 12, 20, open at 20
	const day = 86400
	tie := func(d, e, c int64) funnel.DurationTie { return funnel.DurationTie{At: d * day, Events: e, Censored: c} }
	adsTies := []funnel.DurationTie{tie(2, 0, 1), tie(3, 1, 0), tie(4, 0, 1), tie(5, 0, 1), tie(6, 1, 0), tie(9, 1, 0)}
	rest := []funnel.DurationTie{tie(6, 0, 1), tie(8, 1, 0), tie(10, 1, 0), tie(12, 1, 1), tie(20, 0, 2), tie(25, 1, 0), tie(30, 2, 0), tie(45, 1, 0), tie(60, 1, 0)}
	dur, err := funnel.CompareDurations(adsTies, rest, funnel.Test{MinSample: 2})
	if err != nil {
		t.Fatal(err)
	}
	wantDur := ads.CycleWon
	wantDur.PAdjusted = wantDur.PValue
	if diff := cmp.Diff(wantDur, dur, approx); diff != "" {
		t.Errorf("CompareDurations (-want +got):\n%s", diff)
	}
	// the default minimum sample of 30 withholds every verdict, the
	// p-values stay
	r30 := compute(t, scanOf(t, segFunnel(t), funnel.Options{Currency: "USD", AsOf: segDays(60)}), funnel.SegmentOptions{Dims: bySource, TestRest: true}, restDeals())
	for i, row := range r30.Rows {
		if c := row.Rest; c.DealSize.Verdict != funnel.Withheld || c.CycleWon.Verdict != funnel.Withheld ||
			c.DealSize.PAdjusted != got[i].DealSize.PAdjusted || c.CycleWon.PAdjusted != got[i].CycleWon.PAdjusted {
			t.Errorf("minimum sample 30, row %d: %+v", i, c)
		}
	}
	// a scan that sketches its amounts and durations keeps no samples
	rs := compute(t, scanOf(t, segFunnel(t), funnel.Options{Currency: "USD", AsOf: segDays(60), QuantileError: 0.01}), funnel.SegmentOptions{Dims: bySource, TestRest: true}, restDeals())
	for i, row := range rs.Rows {
		if row.Rest != (funnel.SegmentTests{}) {
			t.Errorf("sketched scan, row %d: %+v", i, row.Rest)
		}
	}
	if rs.RestTested || !r30.RestTested {
		t.Errorf("rest tested: sketched %v, exact %v", rs.RestTested, r30.RestTested)
	}
	var b strings.Builder
	if err := rs.WriteText(&b); err != nil || strings.Contains(b.String(), "Against the rest") {
		t.Errorf("sketched text %q, %v", b.String(), err)
	}
}
