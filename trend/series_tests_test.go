package trend

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// seriesPy reads testdata/series_py.txt by first word.
func seriesPy(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("testdata/series_py.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if w := strings.Fields(line); len(w) > 0 {
			out[w[0]] = w[1:]
		}
	}
	return out
}

// wonIn returns won deals created in month m of 2024 with the amounts.
func wonIn(m time.Month, amounts []string) []funnel.Deal {
	var out []funnel.Deal
	for i, a := range amounts {
		c := time.Date(2024, m, 5, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		out = append(out, funnel.Deal{ID: m.String() + strconv.Itoa(i), Created: c, Outcome: funnel.Won, Closed: c.AddDate(0, 0, 3+i),
			Amount: decimal.RequireFromString(a), Stage: "A"})
	}
	return out
}

// TestSeriesDealSizeTest checks the deal-size test of February against
// January with SciPy (testdata/series.py): Welch's test of the log
// amounts, and the permutation test of the means near its exact p-value.
func TestSeriesDealSizeTest(t *testing.T) {
	py := seriesPy(t)
	deals := append(wonIn(time.January, py["jan"]), wonIn(time.February, py["feb"])...)
	f := mustFunnel(t, "A")
	r := mustCompute(t, mustScan(t, f, funnel.Options{}), deals, Options{})
	got := r.Periods[1].Tests.Previous.DealSize
	w := parseFloats(t, py["welch"])
	want := AmountComparison{A: 10, B: 12, Defined: true, Ratio: w[0], Interval: funnel.Interval{Lo: w[1], Hi: w[2], Confidence: 0.95, Defined: true},
		T: w[3], DF: w[4], PValue: w[5], PAdjusted: w[5], Verdict: funnel.Withheld}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-9, 0), cmpopts.IgnoreFields(AmountComparison{}, "Permutation")); diff != "" {
		t.Errorf("deal size test differs from SciPy (-SciPy +ours):\n%s", diff)
	}
	perm := parseFloats(t, py["permutation"])
	se := math.Sqrt(perm[2] * (1 - perm[2]) / PermutationResamples)
	if p := got.Permutation; p.Method != MonteCarlo || p.Resamples != PermutationResamples || math.Abs(p.Diff-perm[0]) > 1e-9 || math.Abs(p.PValue-perm[2]) > 4*se {
		t.Errorf("permutation %+v, SciPy exact p %v (diff %v)", p, perm[2], perm[0])
	}
	if r.Periods[0].Tests.Previous.DealSize.Defined || r.Periods[1].Tests.YearAgo.DealSize.Defined {
		t.Error("tests against periods outside the series are defined")
	}
	// with a minimum sample of 5: p 0.029 < 0.05, February's typical deal
	// is smaller
	r5 := mustCompute(t, mustScan(t, f, funnel.Options{Test: funnel.Test{MinSample: 5}}), deals, Options{})
	if v := r5.Periods[1].Tests.Previous.DealSize.Verdict; v != funnel.Lower {
		t.Errorf("verdict at minimum sample 5: %v", v)
	}
	// the metric carries the row's test; alone, its adjusted p-value is its
	// own
	vals, err := r5.Metric(DealSize)
	if err != nil {
		t.Fatal(err)
	}
	c := vals.Points[1].Previous
	if !c.Tested || c.PValue != got.PValue || c.PAdjusted != got.PValue || c.Verdict != funnel.Lower || c.Amounts.Verdict != funnel.Lower {
		t.Errorf("deal size change: %+v", c)
	}
	// a third month: the two tests are adjusted together, BH by hand:
	// the larger p-value stays, the smaller is min(2 p, the larger)
	deals = append(deals, wonIn(time.March, py["jan"])...)
	r5 = mustCompute(t, mustScan(t, f, funnel.Options{Test: funnel.Test{MinSample: 5}}), deals, Options{})
	vals, _ = r5.Metric(DealSize)
	p1, p2 := vals.Points[1].Previous.PValue, vals.Points[2].Previous.PValue
	lo, hi := min(p1, p2), max(p1, p2)
	adj := map[float64]float64{lo: min(2*lo, hi), hi: hi}
	for _, i := range []int{1, 2} {
		if c := vals.Points[i].Previous; math.Abs(c.PAdjusted-adj[c.PValue]) > 1e-15 {
			t.Errorf("row %d: p %v adjusted %v, want %v", i, c.PValue, c.PAdjusted, adj[c.PValue])
		}
	}
	// a scan with quantile sketches keeps no samples: no test
	rs := mustCompute(t, mustScan(t, f, funnel.Options{QuantileError: 0.01}), deals, Options{})
	if rs.Periods[1].Tests.Previous.DealSize.Defined || rs.Periods[1].Tests.Previous.DealSize.A != 0 {
		t.Error("a sketched series tests deal size")
	}
}

// TestSeriesCycleTest checks the won-cycle test of February against
// January on the aml deals with R's survdiff (testdata/convert_r.txt:
// February is the non-maintained group).
func TestSeriesCycleTest(t *testing.T) {
	deals := amlDeals(t)
	r := mustCompute(t, mustScan(t, mustFunnel(t, "A"), funnel.Options{AsOf: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)}), deals, Options{})
	var v []float64
	b, _ := os.ReadFile("testdata/convert_r.txt")
	for _, line := range strings.Split(string(b), "\n") {
		if w := strings.Fields(line); len(w) > 1 && w[0] == "logrank" && w[1] == "Nonmaintained" {
			v = parseFloats(t, w[2:])
		}
	}
	want := DurationComparison{A: 12, B: 11, EventsA: int64(v[0]), EventsB: int64(v[2]), Defined: true, ExpectedA: v[1], ExpectedB: v[3],
		Variance: v[4], ChiSquare: v[5], Z: (v[0] - v[1]) / math.Sqrt(v[4]), PValue: v[6], PAdjusted: v[6], Verdict: funnel.Withheld}
	if diff := cmp.Diff(want, r.Periods[1].Tests.Previous.CycleWon, cmpopts.EquateApprox(1e-12, 1e-12)); diff != "" {
		t.Errorf("won cycle test differs from survdiff (-R +ours):\n%s", diff)
	}
	vals, err := r.Metric(CycleWon)
	if err != nil {
		t.Fatal(err)
	}
	if c := vals.Points[1].Previous; !c.Tested || math.Abs(c.Durations.PValue-v[6]) > 1e-12 || c.Verdict != funnel.Withheld {
		t.Errorf("won cycle change: %+v", c)
	}
	// totals are not tested
	vals, _ = r.Metric(WonAmount)
	if c := vals.Points[1].Previous; c.Tested || c.Verdict != funnel.Withheld {
		t.Errorf("won amount change: %+v", c)
	}
}
