package trend

import (
	"bufio"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// refLines reads a testdata file of lines "word values...", grouped into
// blocks by lines whose first word is start.
func refLines(t *testing.T, file, start string) []map[string][]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string][]string
	head := map[string][]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		if len(w) == 0 {
			continue
		}
		if w[0] == start {
			out = append(out, map[string][]string{})
		}
		cur := head
		if len(out) > 0 {
			cur = out[len(out)-1]
		}
		// repeated words (km lines) are kept in order under word#i
		key := w[0]
		for i := 1; cur[key] != nil; i++ {
			key = w[0] + "#" + strconv.Itoa(i)
		}
		cur[key] = w[1:]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(head) > 0 {
		out = append([]map[string][]string{head}, out...)
	}
	return out
}

func parseFloats(t *testing.T, w []string) []float64 {
	t.Helper()
	out := make([]float64, len(w))
	for i, s := range w {
		if s == "NA" {
			out[i] = math.NaN()
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

// amlDeals are deals whose time from creation to a win is R's
// survival::aml (testdata/convert_r.txt): status 1 won, 0 lost after that
// many days; the maintained group created in January 2024, the other in
// February, each with custom attribute x set to its group at creation and
// changed to "Changed" half a day later.
func amlDeals(t *testing.T) []funnel.Deal {
	t.Helper()
	blocks := refLines(t, "testdata/convert_r.txt", "group")
	var deals []funnel.Deal
	for i, p := range blocks[0]["data"] {
		f := strings.Split(p, ":")
		days, _ := strconv.Atoi(f[0])
		created := time.Date(2024, time.January, 3, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
		if f[2] == "Nonmaintained" {
			created = created.AddDate(0, 1, 0)
		}
		o := funnel.Won
		if f[1] == "0" {
			o = funnel.Lost
		}
		deals = append(deals, funnel.Deal{ID: "aml" + strconv.Itoa(i), Created: created, Outcome: o, Closed: created.AddDate(0, 0, days),
			Amount: dec("100"), Stage: "A", Attrs: funnel.Attributes{Custom: map[string]string{"x": "Changed"}},
			Changes: []funnel.FieldChange{
				{Field: funnel.FieldAttr, Key: "x", At: created, Text: f[2]},
				{Field: funnel.FieldAttr, Key: "x", At: created.Add(12 * time.Hour), Text: "Changed"},
			}})
	}
	if len(deals) != 23 {
		t.Fatalf("%d aml deals", len(deals))
	}
	return deals
}

func mustConversion(t testing.TB, s *funnel.Scan, deals []funnel.Deal, opts ConvertOptions) ConversionReport {
	t.Helper()
	r, err := ComputeConversion(s, slices.Values(deals), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rQuantile turns R's quantile line (percent, quantile, lower, upper in
// days) into a Quantile.
func rQuantile(t *testing.T, w []string) Quantile {
	v := parseFloats(t, w)
	q := Quantile{P: v[0] / 100, Confidence: 0.95}
	set := func(x float64, dst *time.Duration, ok *bool) {
		if !math.IsNaN(x) {
			*dst, *ok = rDays(x), true
		}
	}
	set(v[1], &q.At, &q.Defined)
	set(v[2], &q.Lo, &q.LoDefined)
	set(v[3], &q.Hi, &q.HiDefined)
	return q
}

// TestConversionAgainstRAndNumPy checks the time to convert of the aml
// deals: the Kaplan-Meier quantiles and log-rank comparisons against R's
// survival::survfit and survdiff (testdata/convert.R), the completed
// figures and Freedman-Diaconis bins against NumPy (testdata/convert.py).
func TestConversionAgainstRAndNumPy(t *testing.T) {
	deals := amlDeals(t)
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{AsOf: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)})
	r := mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Win}, Segment: "x", SegmentAt: funnel.AtCreation, ByPeriod: true})
	groups := map[string]ConversionGroup{"all": r.All}
	if len(r.Segments) != 2 || r.Segments[0].Value != "Nonmaintained" || r.Segments[1].Value != "Maintained" {
		t.Fatalf("segments %+v", r.Segments)
	}
	for _, sg := range r.Segments {
		groups[sg.Value] = sg.Group
	}
	if len(r.Periods) != 2 || r.Periods[0].Label != "2024-01" || r.Periods[1].Label != "2024-02" {
		t.Fatalf("periods %+v", r.Periods)
	}
	if diff := cmp.Diff(groups["Maintained"], r.Periods[0].Group); diff != "" {
		t.Errorf("January is the maintained group (-segment +period):\n%s", diff)
	}
	seen := 0
	for _, b := range refLines(t, "testdata/convert_r.txt", "group")[1:] {
		name := b["group"][0]
		g, ok := groups[name]
		if !ok {
			t.Fatalf("group %s", name)
		}
		seen++
		var want []Quantile
		for i := 0; ; i++ {
			key := "km"
			if i > 0 {
				key += "#" + strconv.Itoa(i)
			}
			w, ok := b[key]
			if !ok {
				break
			}
			want = append(want, rQuantile(t, w))
		}
		if diff := cmp.Diff(want, g.KaplanMeier); diff != "" {
			t.Errorf("%s: Kaplan-Meier quantiles differ from survfit (-R +ours):\n%s", name, diff)
		}
	}
	if seen != 3 {
		t.Fatalf("%d groups in convert_r.txt", seen)
	}
	// the log-rank tests: survdiff of each group against the rest; by
	// month, February (non-maintained) against January
	rl := map[string][]float64{}
	f, _ := os.ReadFile("testdata/convert_r.txt")
	for _, line := range strings.Split(string(f), "\n") {
		if w := strings.Fields(line); len(w) > 0 && w[0] == "logrank" {
			rl[w[1]] = parseFloats(t, w[2:])
		}
	}
	lr := func(name string, v []float64) DurationComparison {
		z := (v[0] - v[1]) / math.Sqrt(v[4])
		return DurationComparison{A: int64(len(groupDeals(deals, name))), B: 23 - int64(len(groupDeals(deals, name))),
			EventsA: int64(v[0]), EventsB: int64(v[2]), Defined: true, ExpectedA: v[1], ExpectedB: v[3], Variance: v[4],
			ChiSquare: v[5], Z: z, PValue: v[6], PAdjusted: v[6], Verdict: funnel.Withheld}
	}
	approx := cmpopts.EquateApprox(1e-12, 1e-12)
	for _, sg := range r.Segments {
		if diff := cmp.Diff(lr(sg.Value, rl[sg.Value]), sg.Versus, approx); diff != "" {
			t.Errorf("%s against the rest: log-rank differs from survdiff (-R +ours):\n%s", sg.Value, diff)
		}
	}
	if diff := cmp.Diff(lr("Nonmaintained", rl["Nonmaintained"]), r.Periods[1].Previous, approx); diff != "" {
		t.Errorf("February against January: log-rank differs from survdiff (-R +ours):\n%s", diff)
	}
	// NumPy: mean, percentiles, Freedman-Diaconis bins of the won deals
	for _, b := range refLines(t, "testdata/convert_py.txt", "set")[0:] {
		name := b["set"][0]
		g, ok := groups[name]
		if !ok {
			continue // the log-normal set: TestConversionBins
		}
		checkCompleted(t, name, g, b)
	}

	// at 90% with a minimum sample of 5 the maintained group (fewer wins
	// than expected: Z < 0) takes longer, p = 0.0653 < 0.1; both segments'
	// p-values are equal, so BH leaves them unchanged
	s90 := mustScan(t, mustFunnel(t, "A"), funnel.Options{AsOf: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC), Test: funnel.Test{Confidence: 0.9, MinSample: 5}})
	r90 := mustConversion(t, s90, deals, ConvertOptions{To: Milestone{Kind: Win}, Segment: "x", SegmentAt: funnel.AtCreation, ByPeriod: true})
	got := []funnel.Verdict{r90.Segments[0].Versus.Verdict, r90.Segments[1].Versus.Verdict, r90.Periods[1].Previous.Verdict}
	if diff := cmp.Diff([]funnel.Verdict{funnel.Lower, funnel.Higher, funnel.Lower}, got); diff != "" {
		t.Errorf("verdicts at 90%% (-want +got):\n%s", diff)
	}
	// read as of the scan, every deal's x is "Changed": one segment, with
	// no rest to compare with
	cur := mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Win}, Segment: "x", SegmentAt: funnel.AtCurrent})
	if len(cur.Segments) != 1 || cur.Segments[0].Value != "Changed" || cur.Segments[0].Group.N != 23 || cur.Segments[0].Versus.Defined ||
		cur.Segments[0].Versus.Verdict != funnel.Withheld {
		t.Errorf("current segments: %+v", cur.Segments)
	}
}

func groupDeals(deals []funnel.Deal, x string) []funnel.Deal {
	var out []funnel.Deal
	for _, d := range deals {
		if d.Changes[0].Text == x {
			out = append(out, d)
		}
	}
	return out
}

// checkCompleted compares a group's completed figures and histogram with
// a block of convert_py.txt.
func checkCompleted(t *testing.T, name string, g ConversionGroup, b map[string][]string) {
	t.Helper()
	vals := parseFloats(t, b["values"])
	mean := parseFloats(t, b["mean"])[0]
	ps := parseFloats(t, b["percentiles"])
	if g.Completed.Count != int64(len(vals)) || math.Abs(g.Completed.Mean.Seconds()-mean) > 1e-9 {
		t.Errorf("%s: completed %d, mean %v; NumPy %d, %v", name, g.Completed.Count, g.Completed.Mean.Seconds(), len(vals), mean)
	}
	for i, p := range g.Completed.Percentiles {
		if !p.Defined || math.Abs(p.At.Seconds()-ps[i]) > 1e-6 {
			t.Errorf("%s: p%v = %v, NumPy %v", name, p.P, p.At.Seconds(), ps[i])
		}
	}
	var counts []int64
	for _, c := range parseFloats(t, b["counts"]) {
		counts = append(counts, int64(c))
	}
	edges := parseFloats(t, b["edges"])
	h := g.Histogram
	var gotCounts []int64
	for i, bin := range h.Bins {
		gotCounts = append(gotCounts, bin.Count)
		if math.Abs(bin.Lo.Seconds()-edges[i]) > 1e-6 || math.Abs(bin.Hi.Seconds()-edges[i+1]) > 1e-6 {
			t.Errorf("%s: bin %d is %v..%v, NumPy %v..%v", name, i, bin.Lo.Seconds(), bin.Hi.Seconds(), edges[i], edges[i+1])
		}
	}
	if diff := cmp.Diff(counts, gotCounts); diff != "" || h.Rule != FreedmanDiaconis || h.Capped {
		t.Errorf("%s: Freedman-Diaconis counts differ from NumPy (-NumPy +ours):\n%s", name, diff)
	}
}

// TestConversionBins checks the Freedman-Diaconis bins of a log-normal
// sample of 300 durations against numpy.histogram(bins="fd")
// (testdata/convert.py), and bins by given edges.
func TestConversionBins(t *testing.T) {
	var b map[string][]string
	for _, x := range refLines(t, "testdata/convert_py.txt", "set") {
		if x["set"] != nil && x["set"][0] == "lognormal" {
			b = x
		}
	}
	if b == nil {
		t.Fatal("no log-normal set")
	}
	var deals []funnel.Deal
	for i, v := range parseFloats(t, b["values"]) {
		c := day(i % 30)
		deals = append(deals, funnel.Deal{ID: strconv.Itoa(i), Created: c, Outcome: funnel.Won, Closed: c.Add(time.Duration(v) * time.Second), Stage: "A"})
	}
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{})
	r := mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Close}})
	checkCompleted(t, "lognormal", r.All, b)

	// given edges: [0, 3d), [3d, 6d); 6d and more over, none under
	deals = []funnel.Deal{
		simple("a", day(0), funnel.Won, day(2), "1"), simple("b", day(0), funnel.Won, day(5), "1"),
		simple("c", day(0), funnel.Won, day(6), "1"), simple("d", day(0), funnel.Won, day(3), "1"),
	}
	r = mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Win}, Edges: []time.Duration{0, days(3), days(6)}})
	want := Histogram{Rule: GivenEdges, Bins: []Bin{{Lo: 0, Hi: days(3), Count: 1}, {Lo: days(3), Hi: days(6), Count: 2}}, Over: 1}
	if diff := cmp.Diff(want, r.All.Histogram); diff != "" {
		t.Errorf("given edges (-want +got):\n%s", diff)
	}
	r = mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Win}, Edges: []time.Duration{days(3), days(4)}})
	if h := r.All.Histogram; h.Under != 1 || h.Over != 2 || h.Bins[0].Count != 1 {
		t.Errorf("narrow edges: %+v", h)
	}
	// one duration, or all equal: one bin holding them; the range 0
	r = mustConversion(t, s, deals[:1], ConvertOptions{To: Milestone{Kind: Win}})
	if diff := cmp.Diff(Histogram{Bins: []Bin{{Lo: days(2), Hi: days(2), Count: 1}}}, r.All.Histogram); diff != "" {
		t.Errorf("one duration (-want +got):\n%s", diff)
	}
	// a long tail asks for more than MaxBins: capped
	deals = nil
	for i := range 1000 {
		end := day(1)
		if i == 999 {
			end = day(10000)
		} else if i%2 == 0 {
			end = day(1).Add(time.Hour)
		}
		deals = append(deals, simple(strconv.Itoa(i), day(0), funnel.Won, end, "1"))
	}
	r = mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Win}})
	if h := r.All.Histogram; !h.Capped || len(h.Bins) != MaxBins || h.Bins[0].Count != 999 || h.Bins[MaxBins-1].Count != 1 {
		t.Errorf("long tail: capped %v, %d bins", h.Capped, len(h.Bins))
	}
}

// TestConversionHand checks a stage-to-stage conversion of the package's
// hand-worked deals, worked by hand: from the first entry into A to the
// first entry into C, as of day 30.
//
//	w1: A day 0, C day 5: converted in 5 days
//	w2: A day 1, C day 3: 2 days
//	l1: A day 2, lost day 9 without C: censored at its close, 7 days
//	o1: A day 3, open: censored at day 30, 27 days
//	o2: A day 0, open: censored, 30 days
//	r1: A day 0 (first visit), C day 6: 6 days
//
// Completed: 2, 5, 6: mean 13/3 days, median 5. Kaplan-Meier: S = 5/6
// after 2, 4/6 after 5, 1/2 after 6, and 1/2 to the last time, 30: the
// median is the midpoint of 6 and 30, 18 days.
func TestConversionHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s := mustScan(t, f, funnel.Options{AsOf: day(30)})
	opts := ConvertOptions{From: Milestone{Kind: Entry, Stage: "A"}, To: Milestone{Kind: Entry, Stage: "C"}, Percentiles: []float64{50, 100}}
	r := mustConversion(t, s, handDeals(), opts)
	g := r.All
	want := ConversionGroup{N: 6, Converted: 3, Closed: 1, Open: 2,
		Completed: Completed{Count: 3, Mean: 13 * 24 * time.Hour / 3, Min: days(2), Max: days(6),
			Percentiles: []Percentile{{P: 50, At: days(5), Defined: true}, {P: 100, At: days(6), Defined: true}}}}
	if diff := cmp.Diff(want, g, cmpopts.IgnoreFields(ConversionGroup{}, "KaplanMeier", "Histogram")); diff != "" {
		t.Errorf("hand conversion (-want +got):\n%s", diff)
	}
	if q := g.KaplanMeier[0]; !q.Defined || q.At != days(18) || g.KaplanMeier[1].Defined {
		t.Errorf("Kaplan-Meier median %+v, p100 %+v", q, g.KaplanMeier[1])
	}
	if r.NotStarted != 0 || r.Untimed != 0 || r.Input.Counted != 6 {
		t.Errorf("counts: %+v", r)
	}
	// the latest visit: r1 re-entered A on day 3, so 3 days to C
	opts.Visit = Latest
	r = mustConversion(t, s, handDeals(), opts)
	if g := r.All.Completed; g.Min != days(2) || g.Mean != 10*24*time.Hour/3 {
		t.Errorf("latest visit: %+v", g)
	}
	// time in stage B (first visit) to its exit: w1 2 -> 5 (3 days), l1 4
	// -> closed 9 (5), o1 6 -> open (censored, 24), r1 1 -> 3 (2); w2 and o2
	// never entered B
	r = mustConversion(t, s, handDeals(), ConvertOptions{From: Milestone{Kind: Entry, Stage: "B"}, To: Milestone{Kind: Exit}})
	if g := r.All; g.N != 4 || g.Converted != 3 || g.Open != 1 || g.Completed.Mean != days(10)/3 || r.NotStarted != 2 || r.To.Stage != "B" {
		t.Errorf("time in B: %+v, not started %d", g, r.NotStarted)
	}
	// from creation to a loss: l1 7 days, r1 8; the won ones censored at
	// their close, the open ones at day 30
	r = mustConversion(t, s, handDeals(), ConvertOptions{To: Milestone{Kind: Loss}})
	if g := r.All; g.Converted != 2 || g.Closed != 2 || g.Open != 2 || g.Completed.Mean != days(15)/2 {
		t.Errorf("to a loss: %+v", g)
	}
	// as of day 4 only w2 has reached C (day 3); w1 is open in B then, l1
	// in A; o1 is created day 3; r1 is in A (re-entered day 3)
	r = mustConversion(t, mustScan(t, f, funnel.Options{AsOf: day(4)}), handDeals(),
		ConvertOptions{From: Milestone{Kind: Entry, Stage: "A"}, To: Milestone{Kind: Entry, Stage: "C"}})
	if g := r.All; g.N != 6 || g.Converted != 1 || g.Open != 5 || g.Completed.Max != days(2) {
		t.Errorf("as of day 4: %+v", g)
	}
	// no as-of time: open deals cannot be censored
	r = mustConversion(t, mustScan(t, f, funnel.Options{}), handDeals(),
		ConvertOptions{From: Milestone{Kind: Entry, Stage: "A"}, To: Milestone{Kind: Entry, Stage: "C"}})
	if r.Untimed != 2 || r.All.N != 4 {
		t.Errorf("without as-of: untimed %d, n %d", r.Untimed, r.All.N)
	}
}

// TestConversionEmptyAndOne checks the report of no deals and of one.
func TestConversionEmptyAndOne(t *testing.T) {
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{AsOf: day(10)})
	opts := ConvertOptions{To: Milestone{Kind: Win}, Segment: funnel.AttrOwner, ByPeriod: true}
	r := mustConversion(t, s, nil, opts)
	want := ConversionReport{To: Milestone{Kind: Win}, Segment: "owner", MaxSegments: DefaultMaxSegments, Location: "UTC", AsOf: day(10),
		Confidence: 0.95, MinSample: 30, Percentiles: []float64{25, 50, 75, 90},
		Input: funnel.Input{Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
		All: ConversionGroup{KaplanMeier: []Quantile{{P: 0.25, Confidence: 0.95}, {P: 0.5, Confidence: 0.95}, {P: 0.75, Confidence: 0.95}, {P: 0.9, Confidence: 0.95}},
			Completed: Completed{Percentiles: []Percentile{{P: 25}, {P: 50}, {P: 75}, {P: 90}}}, Histogram: Histogram{Bins: []Bin{}}},
		Segments: []ConversionSegment{}, Periods: []ConversionPeriod{}}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("empty report (-want +got):\n%s", diff)
	}
	one := simple("x", day(1), funnel.Won, day(4), "5")
	one.Attrs.Owner = "ana"
	r = mustConversion(t, s, []funnel.Deal{one}, opts)
	if r.All.N != 1 || r.All.Completed.Mean != days(3) || len(r.Segments) != 1 || len(r.Periods) != 1 || r.Segments[0].Versus.Defined ||
		r.All.KaplanMeier[1].At != days(3) || r.Periods[0].Previous.Defined {
		t.Errorf("one deal: %+v", r)
	}
}

// TestConversionFold bounds the segments: the values first in byte order
// are kept, the others folded into "(other)", whatever the order of the
// deals.
func TestConversionFold(t *testing.T) {
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{AsOf: day(100)})
	var deals []funnel.Deal
	for i, o := range []string{"d", "b", "a", "c", "b", "e"} {
		d := simple(strconv.Itoa(i), day(i), funnel.Won, day(i+1+i), "1")
		d.Attrs.Owner = o
		deals = append(deals, d)
	}
	opts := ConvertOptions{To: Milestone{Kind: Win}, Segment: funnel.AttrOwner, MaxSegments: 2}
	r := mustConversion(t, s, deals, opts)
	type row struct {
		Value string
		Other bool
		N     int64
	}
	var got []row
	for _, sg := range r.Segments {
		got = append(got, row{sg.Value, sg.Other, sg.Group.N})
	}
	if diff := cmp.Diff([]row{{"b", false, 2}, {"a", false, 1}, {"", true, 3}}, got); diff != "" {
		t.Errorf("folded segments (-want +got):\n%s", diff)
	}
	slices.Reverse(deals)
	if r2 := mustConversion(t, s, deals, opts); !cmp.Equal(r.Segments, r2.Segments) {
		t.Error("the fold depends on the order of the deals")
	}
}

// TestConversionPeriodsAndZones checks the period rows: the empty month
// between two is a row, each compared with the one before; periods are
// the scan's, in its zone (midnight skipped in Santiago on 8 September
// 2024).
func TestConversionPeriodsAndZones(t *testing.T) {
	scl := mustLoad(t, "America/Santiago")
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{AsOf: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC), Period: funnel.Day, Location: scl})
	at := func(d, h int) time.Time { return time.Date(2024, time.September, d, h, 30, 0, 0, scl) }
	deals := []funnel.Deal{
		simple("a", at(7, 23), funnel.Won, at(9, 12), "1"),
		simple("b", at(8, 1), funnel.Won, at(9, 12), "1"), // the day starts at 01:00
		simple("c", at(10, 1), funnel.Lost, at(11, 1), "1"),
	}
	r := mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Close}, ByPeriod: true})
	var labels []string
	var ns []int64
	for _, p := range r.Periods {
		labels = append(labels, p.Label)
		ns = append(ns, p.Group.N)
	}
	if diff := cmp.Diff([]string{"2024-09-07", "2024-09-08", "2024-09-09", "2024-09-10"}, labels); diff != "" {
		t.Errorf("period labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{1, 1, 0, 1}, ns); diff != "" {
		t.Errorf("period sizes (-want +got):\n%s", diff)
	}
	if p := r.Periods[1]; !p.Start.Equal(time.Date(2024, 9, 8, 1, 0, 0, 0, scl)) || p.Previous.A != 1 || p.Previous.B != 1 {
		t.Errorf("8 September: %+v", p)
	}
	if r.Periods[2].Previous.Defined || r.Periods[3].Previous.Defined {
		t.Error("a comparison with an empty period is defined")
	}
	// a span past MaxPeriods is an error of the report
	far := []funnel.Deal{simple("x", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), funnel.Won, time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), "1"),
		simple("y", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), funnel.Won, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), "1")}
	a, _ := NewConversion(mustScan(t, mustFunnel(t, "A"), funnel.Options{Period: funnel.Day}), ConvertOptions{To: Milestone{Kind: Win}, ByPeriod: true})
	for _, d := range far {
		_ = a.Add(d)
	}
	if _, err := a.Report(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("span past MaxPeriods: %v", err)
	}
}

func TestConversionOptionErrors(t *testing.T) {
	s := mustScan(t, mustFunnel(t, "A", "B"), funnel.Options{})
	for _, tt := range []struct {
		name string
		o    ConvertOptions
		err  error
	}{
		{"from win", ConvertOptions{From: Milestone{Kind: Win}}, funnel.ErrInvalidParam},
		{"creation with stage", ConvertOptions{From: Milestone{Stage: "A"}, To: Milestone{Kind: Win}}, funnel.ErrInvalidParam},
		{"unknown stage", ConvertOptions{From: Milestone{Kind: Entry, Stage: "Z"}, To: Milestone{Kind: Win}}, funnel.ErrUnknownStage},
		{"same stage", ConvertOptions{From: Milestone{Kind: Entry, Stage: "A"}, To: Milestone{Kind: Entry, Stage: "A"}}, funnel.ErrInvalidParam},
		{"to creation", ConvertOptions{To: Milestone{Kind: Creation}}, funnel.ErrInvalidParam},
		{"exit after creation", ConvertOptions{To: Milestone{Kind: Exit}}, funnel.ErrInvalidParam},
		{"exit of another stage", ConvertOptions{From: Milestone{Kind: Entry, Stage: "A"}, To: Milestone{Kind: Exit, Stage: "B"}}, funnel.ErrInvalidParam},
		{"win with stage", ConvertOptions{To: Milestone{Kind: Win, Stage: "A"}}, funnel.ErrInvalidParam},
		{"bad kind", ConvertOptions{To: Milestone{Kind: 9}}, funnel.ErrInvalidParam},
		{"bad visit", ConvertOptions{To: Milestone{Kind: Win}, Visit: 3}, funnel.ErrInvalidParam},
		{"bad value at", ConvertOptions{To: Milestone{Kind: Win}, SegmentAt: -1}, funnel.ErrInvalidParam},
		{"percentile", ConvertOptions{To: Milestone{Kind: Win}, Percentiles: []float64{101}}, funnel.ErrInvalidParam},
		{"NaN percentile", ConvertOptions{To: Milestone{Kind: Win}, Percentiles: []float64{math.NaN()}}, funnel.ErrInvalidParam},
		{"many percentiles", ConvertOptions{To: Milestone{Kind: Win}, Percentiles: make([]float64, MaxPercentiles+1)}, funnel.ErrInvalidParam},
		{"one edge", ConvertOptions{To: Milestone{Kind: Win}, Edges: []time.Duration{1}}, funnel.ErrInvalidParam},
		{"negative edge", ConvertOptions{To: Milestone{Kind: Win}, Edges: []time.Duration{-1, 1}}, funnel.ErrInvalidParam},
		{"edges not increasing", ConvertOptions{To: Milestone{Kind: Win}, Edges: []time.Duration{1, 1}}, funnel.ErrInvalidParam},
		{"max segments", ConvertOptions{To: Milestone{Kind: Win}, MaxSegments: MaxSegmentsLimit + 1}, funnel.ErrInvalidParam},
	} {
		if _, err := NewConversion(s, tt.o); !errors.Is(err, tt.err) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.err)
		}
	}
	if _, err := NewConversion(nil, ConvertOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil scan: %v", err)
	}
	if _, err := ComputeConversion(s, nil, ConvertOptions{To: Milestone{Kind: Win}}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil stream: %v", err)
	}
	// the options are copied: changing the caller's slices changes nothing
	ps := []float64{50}
	a, _ := NewConversion(s, ConvertOptions{To: Milestone{Kind: Win}, Percentiles: ps})
	ps[0] = 10
	if r, _ := a.Report(); r.Percentiles[0] != 50 {
		t.Error("the accumulator shares the caller's percentiles")
	}
	for _, k := range []MilestoneKind{Creation, Entry, Exit, Win, Loss, Close} {
		b, err := k.MarshalText()
		var back MilestoneKind
		if err != nil || back.UnmarshalText(b) != nil || back != k || k.String() != string(b) {
			t.Errorf("milestone %v: %v", k, err)
		}
	}
	for _, v := range []any{MilestoneKind(7), Visit(2), BinRule(2), PermutationMethod(4)} {
		if m, ok := v.(interface{ MarshalText() ([]byte, error) }); ok {
			if _, err := m.MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Errorf("%v: %v", v, err)
			}
		}
	}
	if err := new(Visit).UnmarshalText([]byte("First")); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("visit First: %v", err)
	}
}

// TestConversionExclusion checks a deal that entered an exclusion stage:
// A on day 0, B on day 2, Disqualified on day 4, then C on day 6 and won
// on day 8, which do not count. From A to C it is censored at day 4 (4
// days), with the closed ones; its time in B ends at the exclusion (2
// days); it is not won.
func TestConversionExclusion(t *testing.T) {
	f, err := mustFunnel(t, "A", "B", "C").Exclude("Disqualified")
	if err != nil {
		t.Fatal(err)
	}
	s := mustScan(t, f, funnel.Options{AsOf: day(30)})
	d := funnel.Deal{ID: "x", Created: day(0), Outcome: funnel.Won, Closed: day(8),
		History: hist("A", day(0), "B", day(2), "Disqualified", day(4), "C", day(6))}
	type got struct {
		Converted, Closed, Open int64
		Max                     time.Duration
	}
	for _, tt := range []struct {
		name string
		o    ConvertOptions
		want got
	}{
		{"A to C", ConvertOptions{From: Milestone{Kind: Entry, Stage: "A"}, To: Milestone{Kind: Entry, Stage: "C"}}, got{0, 1, 0, 0}},
		{"time in B", ConvertOptions{From: Milestone{Kind: Entry, Stage: "B"}, To: Milestone{Kind: Exit}}, got{1, 0, 0, days(2)}},
		{"to a win", ConvertOptions{To: Milestone{Kind: Win}}, got{0, 1, 0, 0}},
		{"to a close", ConvertOptions{To: Milestone{Kind: Close}}, got{0, 1, 0, 0}},
	} {
		r := mustConversion(t, s, []funnel.Deal{d}, tt.o)
		g := r.All
		if diff := cmp.Diff(tt.want, got{g.Converted, g.Closed, g.Open, g.Completed.Max}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
		if tt.want.Closed == 1 && g.KaplanMeier[0].Defined {
			t.Errorf("%s: a censored duration gives a quantile", tt.name)
		}
	}
	// the censoring time is the exclusion: a second deal converting from A
	// to C after 5 days is at risk alone after day 4
	d2 := funnel.Deal{ID: "y", Created: day(0), History: hist("A", day(0), "C", day(5))}
	r := mustConversion(t, s, []funnel.Deal{d, d2}, ConvertOptions{From: Milestone{Kind: Entry, Stage: "A"}, To: Milestone{Kind: Entry, Stage: "C"}, Percentiles: []float64{50}})
	if q := r.All.KaplanMeier[0]; !q.Defined || q.At != days(5) {
		t.Errorf("median after the exclusion: %+v", q)
	}
}

// TestConversionText checks the text of a report with segments, a fold
// and undatable starts, and that a failing writer's error is returned.
func TestConversionText(t *testing.T) {
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{AsOf: day(40)})
	var deals []funnel.Deal
	for i, o := range []string{"ana", "ben", "", "cy"} {
		d := simple(strconv.Itoa(i), day(i), funnel.Won, day(2*i+3), "1")
		d.Attrs.Owner = o
		deals = append(deals, d)
	}
	r := mustConversion(t, s, deals, ConvertOptions{To: Milestone{Kind: Win}, Segment: funnel.AttrOwner, MaxSegments: 3, Percentiles: []float64{50}})
	// kept: "", ana, ben (first in byte order); cy folded. ana's 3 days
	// against the rest's 4, 5, 6: at day 3, E = 1/4, V = 3/16, chi² = 3, p
	// = 0.0833; BH over the four segments: 4 × 0.0833 = 0.3331 (0.33325 in
	// the p-value's digits), 2 × 0.1823, 4/3 × 0.5151, 0.9183. Bins: IQR
	// 1.5 days, width 2 × 1.5 / cbrt 4 = 1.89 days: two bins over 3 days.
	want := `Time from creation to win, as of 2024-02-10T00:00:00Z: 4 deals timed, 4 converted, 0 closed and 0 open without converting (censored).
            group  n  converted  censored  mean days  p50          KM p50    vs       p   p adj   verdict
              all  4          4         0        4.5  4.5  4.5 [3.0, n/a]
  owner=(unknown)  1          1         0        5.0  5.0  5.0 [n/a, n/a]  rest  0.9183  0.9183  withheld
        owner=ana  1          1         0        3.0  3.0  3.0 [n/a, n/a]  rest  0.0833  0.3331  withheld
        owner=ben  1          1         0        4.0  4.0  4.0 [n/a, n/a]  rest  0.5151  0.6868  withheld
    owner=(other)  1          1         0        6.0  6.0  6.0 [n/a, n/a]  rest  0.1823  0.3646  withheld
KM: Kaplan-Meier quantiles with their 95% intervals; verdicts on Benjamini-Hochberg adjusted p-values, higher meaning longer.
Completed durations (Freedman-Diaconis bins), days:
  3.0  ..  4.5  2  ########################################
  4.5  ..  6.0  2  ########################################
`
	if diff := cmp.Diff(want, r.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	if err := r.WriteText(brokenWriter{}); !errors.Is(err, errBroken) {
		t.Errorf("WriteText to a failing writer: %v", err)
	}
}

var errBroken = errors.New("broken")

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errBroken }

// TestConversionHuge times a deal from year 1 to year 9999: its duration
// saturates at the largest time.Duration, and the report stays finite and
// encodes to JSON. By month, its start is too far from the others' for a
// report (an error, not a silent loss).
func TestConversionHuge(t *testing.T) {
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{})
	d := simple("x", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), funnel.Won, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), "1")
	d2 := simple("y", day(0), funnel.Won, day(1), "1")
	r := mustConversion(t, s, []funnel.Deal{d, d2}, ConvertOptions{To: Milestone{Kind: Win}, Segment: funnel.AttrOwner})
	if c := r.All.Completed; c.Max != math.MaxInt64 || c.Min != days(1) || c.Mean != math.MaxInt64 || c.Count != 2 {
		t.Errorf("huge durations: %+v", c)
	}
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var back ConversionReport
	if err := back.UnmarshalJSON(b); err != nil || !cmp.Equal(r, back, cmpopts.EquateEmpty()) {
		t.Errorf("JSON round trip of huge durations: %v", err)
	}
	if _, err := ComputeConversion(s, slices.Values([]funnel.Deal{d, d2}), ConvertOptions{To: Milestone{Kind: Win}, ByPeriod: true}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("by month: %v", err)
	}
}
