package drivers

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func mustScan(t testing.TB, o funnel.Options, stages ...funnel.Stage) *funnel.Scan {
	t.Helper()
	f, err := funnel.New(stages...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := funnel.NewScan(f, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCompute(t testing.TB, s *funnel.Scan, deals []funnel.Deal, o Options) Report {
	t.Helper()
	r, err := Compute(s, slices.Values(deals), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// deal returns a deal created on day c in stage A, moved to B on day b
// when b > 0, lost on day 20 when lost, with the source and owner.
func deal(id string, c, b int, lost bool, source, owner string) funnel.Deal {
	d := funnel.Deal{ID: id, Created: day(c), Amount: decimal.NewFromInt(10), History: []funnel.StageChange{{Stage: "A", At: day(c)}},
		Attrs: funnel.Attributes{Source: source, Owner: owner}}
	if b > 0 {
		d.History = append(d.History, funnel.StageChange{Stage: "B", At: day(b)})
	}
	if lost {
		d.Outcome, d.Closed = funnel.Lost, day(20)
	}
	d.Stage = d.History[len(d.History)-1].Stage
	return d
}

// tableDeals has 12 converted and 5 lost deals from source web, 7
// converted and 20 lost from other sources: the table [[12, 5], [7, 20]]
// of internal/stat/testdata/tests.py.
func tableDeals() []funnel.Deal {
	var out []funnel.Deal
	add := func(n int, conv bool, source string) {
		for range n {
			b := 0
			if conv {
				b = 3
			}
			out = append(out, deal(strconv.Itoa(len(out)), 1, b, !conv, source, "ana"))
		}
	}
	add(12, true, "web")
	add(5, false, "web")
	add(7, true, "event")
	add(20, false, "event")
	return out
}

// TestOddsRatioAgainstSciPy checks a driver's odds ratio and interval
// against scipy.stats.contingency.odds_ratio of the same table
// (internal/stat/testdata/tests_py.txt: 6.857142857142857, 95% CI
// 1.773202473050631 .. 26.51722455719962).
func TestOddsRatioAgainstSciPy(t *testing.T) {
	s := mustScan(t, funnel.Options{AsOf: day(50)}, "A", "B")
	r := mustCompute(t, s, tableDeals(), Options{Stage: "A", Keys: []string{funnel.AttrSource}})
	if r.Conversion.Deals != 44 || r.Conversion.Events != 19 || r.To != "B" {
		t.Fatalf("table: %+v", r.Conversion)
	}
	var web Driver
	for _, d := range r.Conversion.Drivers {
		if d.Value == "web" {
			web = d
		}
	}
	if math.Abs(web.OddsRatio-6.857142857142857) > 1e-12 || math.Abs(web.Interval.Lo-1.773202473050631) > 1e-12 ||
		math.Abs(web.Interval.Hi-26.51722455719962) > 1e-12 || web.Corrected {
		t.Errorf("web: odds ratio %v [%v, %v]", web.OddsRatio, web.Interval.Lo, web.Interval.Hi)
	}
	if web.With.Ratio != (funnel.Ratio{Num: 12, Den: 17}) || web.Without.Ratio != (funnel.Ratio{Num: 7, Den: 27}) {
		t.Errorf("web: with %v without %v", web.With.Ratio, web.Without.Ratio)
	}
	want, _ := funnel.CompareRates(funnel.Ratio{Num: 12, Den: 17}, funnel.Ratio{Num: 7, Den: 27}, funnel.Test{})
	if diff := cmp.Diff(want, web.Comparison); diff != "" {
		t.Errorf("web comparison differs from CompareRates (-want +got):\n%s", diff)
	}
	// web and event are each other's complement: equal p-values, so BH
	// (m = 2) leaves them as they are; 17 deals is below the minimum sample
	// of 30: withheld
	if web.PAdjusted != web.Comparison.PValue || web.Verdict != funnel.Withheld {
		t.Errorf("web: adjusted %v verdict %v", web.PAdjusted, web.Verdict)
	}
	r = mustCompute(t, mustScan(t, funnel.Options{AsOf: day(50), Test: funnel.Test{MinSample: 10}}, "A", "B"), tableDeals(), Options{Stage: "A", Keys: []string{funnel.AttrSource}})
	got := map[string]funnel.Verdict{}
	for _, d := range r.Conversion.Drivers {
		got[d.Value] = d.Verdict
	}
	if diff := cmp.Diff(map[string]funnel.Verdict{"web": funnel.Higher, "event": funnel.Lower}, got); diff != "" {
		t.Errorf("verdicts at minimum sample 10 (-want +got):\n%s", diff)
	}
}

// TestHand checks a small step and its stalling by hand. Funnel A, B;
// as of day 30, stall threshold 10 days.
//
//	c1, c2: source web, reached B: converted
//	l1: source web, lost in A: not converted
//	l2: source event, lost in A
//	o1: source event, open in A since day 25: pending; in A for 5 days
//	o2: source "", open in A since day 5: pending; stalled (25 days)
//	o3: source event, open in B: converted (open deals count once they
//	    reach the step's end)
//
// Conversion: 5 deals decided (c1, c2, l1, l2, o3), 3 converted; 2
// pending. web: 2 of 3 against 1 of 2. Stalling: o1, o2 open in A; o2
// stalled.
func TestHand(t *testing.T) {
	s := mustScan(t, funnel.Options{AsOf: day(30)}, "A", "B")
	deals := []funnel.Deal{
		deal("c1", 1, 2, false, "web", "ana"), deal("c2", 1, 3, false, "web", "ben"),
		deal("l1", 1, 0, true, "web", "ana"), deal("l2", 2, 0, true, "event", "ben"),
		deal("o1", 25, 0, false, "event", "ana"), deal("o2", 5, 0, false, "", "ana"),
		deal("o3", 3, 4, false, "event", "ana"),
	}
	r := mustCompute(t, s, deals, Options{Stage: "A", Stall: 10 * 24 * time.Hour, Keys: []string{funnel.AttrSource}})
	c := r.Conversion
	if c.Deals != 5 || c.Events != 3 || c.Excluded != 2 || r.Outside != 0 {
		t.Errorf("conversion table: %+v outside %d", c, r.Outside)
	}
	type row struct {
		Value         string
		With, Without funnel.Ratio
	}
	rows := func(ds []Driver) []row {
		var out []row
		for _, d := range ds {
			out = append(out, row{d.Value, d.With.Ratio, d.Without.Ratio})
		}
		slices.SortFunc(out, func(a, b row) int { return cmpStrings(a.Value, b.Value) })
		return out
	}
	if diff := cmp.Diff([]row{{"event", funnel.Ratio{Num: 1, Den: 2}, funnel.Ratio{Num: 2, Den: 3}}, {"web", funnel.Ratio{Num: 2, Den: 3}, funnel.Ratio{Num: 1, Den: 2}}}, rows(c.Drivers)); diff != "" {
		t.Errorf("conversion drivers (-want +got):\n%s", diff)
	}
	st := r.Stalling
	if st.Deals != 2 || st.Events != 1 || st.Excluded != 0 {
		t.Errorf("stalling table: %+v", st)
	}
	if diff := cmp.Diff([]row{{"", funnel.Ratio{Num: 1, Den: 1}, funnel.Ratio{Num: 0, Den: 1}}, {"event", funnel.Ratio{Num: 0, Den: 1}, funnel.Ratio{Num: 1, Den: 1}}}, rows(st.Drivers)); diff != "" {
		t.Errorf("stalling drivers (-want +got):\n%s", diff)
	}
	// "" has a zero cell: corrected odds ratio (1.5 · 1.5) / (0.5 · 0.5) = 9
	for _, d := range st.Drivers {
		if d.Value == "" && (!d.Corrected || math.Abs(d.OddsRatio-9) > 1e-12) {
			t.Errorf("corrected odds ratio: %+v", d)
		}
	}
	// to won instead: no deal won, none converted; the two lost ones are
	// decided, the five open ones pending
	r = mustCompute(t, s, deals, Options{Stage: "A", ToWon: true, Keys: []string{funnel.AttrSource}})
	if r.To != "won" || r.Conversion.Events != 0 || r.Conversion.Deals != 2 || r.Conversion.Excluded != 5 {
		t.Errorf("to won: %+v", r.Conversion)
	}
	// from the last stage the step ends at won; B's deals: c1, c2, o3
	r = mustCompute(t, s, deals, Options{Stage: "B"})
	if r.To != "won" || r.Conversion.Deals != 0 || r.Conversion.Excluded != 3 || r.Outside != 4 {
		t.Errorf("from B: %+v outside %d", r.Conversion, r.Outside)
	}
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestValueAt reads the owner at creation or as of the scan.
func TestValueAt(t *testing.T) {
	s := mustScan(t, funnel.Options{AsOf: day(30)}, "A", "B")
	d := deal("x", 1, 3, false, "web", "ben")
	d.Changes = []funnel.FieldChange{{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: day(1), Text: "ana"},
		{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: day(2), Text: "ben"}}
	for _, tt := range []struct {
		at   funnel.ValueAt
		want string
	}{{funnel.AtCreation, "ana"}, {funnel.AtCurrent, "ben"}} {
		r := mustCompute(t, s, []funnel.Deal{d}, Options{Stage: "A", ValueAt: tt.at, Keys: []string{funnel.AttrOwner}})
		if len(r.Conversion.Drivers) != 1 || r.Conversion.Drivers[0].Value != tt.want {
			t.Errorf("%v: %+v", tt.at, r.Conversion.Drivers)
		}
	}
}

// TestCapsAndPairs bounds keys, values and pairs: the first in byte
// order are kept, the others folded or counted as not analysed,
// whatever the order of the deals.
func TestCapsAndPairs(t *testing.T) {
	s := mustScan(t, funnel.Options{AsOf: day(30)}, "A", "B")
	var deals []funnel.Deal
	for i := range 12 {
		d := deal(strconv.Itoa(i), 1, 2*(i%2), i%2 == 0, []string{"a", "b", "c"}[i%3], "ana")
		d.Attrs.Custom = map[string]string{"k" + strconv.Itoa(i%4): "v", "tier": strconv.Itoa(i % 2)}
		deals = append(deals, d)
	}
	o := Options{Stage: "A", MaxKeys: 2, MaxValues: 2, Pairs: true, MaxPairs: 1}
	r := mustCompute(t, s, deals, o)
	// custom keys k0..k3 and tier: k0 and k1 kept (k1 < tier); k2, k3 and
	// tier not analysed: 12 deals × 2 keys, of which 3 + 3 for k2, k3 and
	// 12 for tier
	if r.Conversion.NotAnalysed != 18 || r.MaxKeys != 2 || r.MaxValues != 2 || r.MaxPairs != 1 {
		t.Errorf("not analysed %d, caps %d %d %d", r.Conversion.NotAnalysed, r.MaxKeys, r.MaxValues, r.MaxPairs)
	}
	has := map[string]int64{}
	for _, d := range r.Conversion.Drivers {
		has[featureName(d)] = d.With.Den
	}
	for name, n := range map[string]int64{"source=a": 4, "source=b": 4, "source=(other)": 4, "k0=v": 3, "k1=v": 3,
		"k0=v & owner=ana": 3, "k0=v & k1=v": 0} {
		if has[name] != n {
			t.Errorf("%s: %d deals, want %d", name, has[name], n)
		}
	}
	for _, d := range r.Conversion.Drivers {
		for _, bad := range []string{"k2", "k3", "tier"} {
			if d.Key == bad || d.Key2 == bad {
				t.Errorf("feature %s of a key not analysed", featureName(d))
			}
		}
	}
	// one value pair kept per key pair: owner=ana & source=a, the others
	// of (owner, source) folded
	if has["owner=ana & source=a"] != 4 || has["owner=(other) & source=(other)"] != 8 {
		t.Errorf("pairs: %v", has)
	}
	slices.Reverse(deals)
	r2 := mustCompute(t, s, deals, o)
	if diff := cmp.Diff(r, r2, cmpopts.IgnoreFields(funnel.Skipped{}, "Examples")); diff != "" {
		t.Errorf("the caps depend on the order of the deals:\n%s", diff)
	}
}

// TestAdjusted checks the adjustment over a table by the BH rule and the
// ranking.
func TestAdjusted(t *testing.T) {
	s := mustScan(t, funnel.Options{AsOf: day(60), Test: funnel.Test{MinSample: 5}}, "A", "B")
	var deals []funnel.Deal
	add := func(n int, conv bool, source, owner string) {
		for range n {
			b := 0
			if conv {
				b = 3
			}
			deals = append(deals, deal(strconv.Itoa(len(deals)), 1, b, !conv, source, owner))
		}
	}
	add(30, true, "web", "ana")
	add(10, false, "web", "ben")
	add(12, true, "event", "ben")
	add(28, false, "event", "ana")
	r := mustCompute(t, s, deals, Options{Stage: "A", Keys: []string{funnel.AttrSource, funnel.AttrOwner}})
	var p []float64
	for _, d := range r.Conversion.Drivers {
		p = append(p, d.Comparison.PValue)
	}
	adj := stat.BH(p)
	for i, d := range r.Conversion.Drivers {
		if d.PAdjusted != adj[i] {
			t.Errorf("%s: adjusted %v, want %v", featureName(d), d.PAdjusted, adj[i])
		}
		// the comparison carries the family's adjusted p-value and verdict
		if d.Comparison.PAdjusted != d.PAdjusted || d.Comparison.Verdict != d.Verdict {
			t.Errorf("%s: comparison adjusted %v %v, want %v %v", featureName(d), d.Comparison.PAdjusted, d.Comparison.Verdict, d.PAdjusted, d.Verdict)
		}
		if i > 0 && d.PAdjusted < r.Conversion.Drivers[i-1].PAdjusted {
			t.Errorf("%s ranked after a larger adjusted p-value", featureName(d))
		}
	}
	// source splits 40/40 with 30 vs 12 converted: far stronger than owner
	if d := r.Conversion.Drivers[0]; d.Key != "source" || d.Verdict == funnel.NoDifference {
		t.Errorf("first driver %+v", d)
	}
}

func TestOptionErrors(t *testing.T) {
	s := mustScan(t, funnel.Options{}, "A", "B")
	for _, tt := range []struct {
		name string
		o    Options
		err  error
	}{
		{"unknown stage", Options{Stage: "Z"}, funnel.ErrUnknownStage},
		{"stall without as-of", Options{Stage: "A", Stall: time.Hour}, funnel.ErrInvalidParam},
		{"negative stall", Options{Stage: "A", Stall: -1}, funnel.ErrInvalidParam},
		{"value at", Options{Stage: "A", ValueAt: 5}, funnel.ErrInvalidParam},
		{"empty key", Options{Stage: "A", Keys: []string{""}}, funnel.ErrInvalidParam},
		{"repeated key", Options{Stage: "A", Keys: []string{"a", "a"}}, funnel.ErrInvalidParam},
		{"many keys", Options{Stage: "A", Keys: make([]string, MaxExplicitKeys+1)}, funnel.ErrInvalidParam},
		{"max keys", Options{Stage: "A", MaxKeys: -1}, funnel.ErrInvalidParam},
		{"max values", Options{Stage: "A", MaxValues: MaxValuesLimit + 1}, funnel.ErrInvalidParam},
		{"max pairs", Options{Stage: "A", MaxPairs: MaxPairsLimit + 1}, funnel.ErrInvalidParam},
	} {
		if _, err := New(s, tt.o); !errors.Is(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
	if _, err := New(nil, Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil scan: %v", err)
	}
	if _, err := Compute(s, nil, Options{Stage: "A"}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil stream: %v", err)
	}
	keys := []string{"x"}
	a, _ := New(s, Options{Stage: "A", Keys: keys})
	keys[0] = "y"
	if r := a.Report(); r.Keys[0] != "x" {
		t.Error("the accumulator shares the caller's keys")
	}
}

func TestSplit2(t *testing.T) {
	for _, p := range [][2]string{{"", ""}, {"a\x00", "b"}, {"owner", "source"}, {string(make([]byte, 300)), "x"}} {
		a, b, ok := split2(join2(p[0], p[1]))
		if !ok || a != p[0] || b != p[1] {
			t.Errorf("split2(join2(%q, %q)) = %q, %q, %v", p[0], p[1], a, b, ok)
		}
	}
	for _, bad := range []string{"", "\x05ab", "\xff"} {
		if _, _, ok := split2(bad); ok {
			t.Errorf("split2(%q) ok", bad)
		}
	}
}

// TestExclusion leaves a deal that entered an exclusion stage out of
// the stalling table and counts it as not converted.
func TestExclusion(t *testing.T) {
	f, _ := funnel.New("A", "B")
	f, err := f.Exclude("Junk")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := funnel.NewScan(f, funnel.Options{AsOf: day(30)})
	d := deal("x", 1, 0, false, "web", "ana")
	d.History = append(d.History, funnel.StageChange{Stage: "Junk", At: day(2)})
	d.Stage = "Junk"
	r := mustCompute(t, s, []funnel.Deal{d}, Options{Stage: "A", Stall: 24 * time.Hour, Keys: []string{funnel.AttrSource}})
	if r.Stalling.Deals != 0 || r.Conversion.Deals != 1 || r.Conversion.Events != 0 || r.Conversion.Excluded != 0 {
		t.Errorf("excluded deal: conversion %+v stalling %+v", r.Conversion, r.Stalling)
	}
}

var errBroken = errors.New("broken")

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errBroken }

// TestText checks what the text says of caps and left-out deals, and
// that a failing writer's error is returned.
func TestText(t *testing.T) {
	s := mustScan(t, funnel.Options{AsOf: day(30), Mode: funnel.Lenient}, "A", "B")
	var deals []funnel.Deal
	for i := range 30 {
		d := deal(strconv.Itoa(i), 1, 2*(i%2), i%2 == 0, "web", "o"+strconv.Itoa(i))
		d.Attrs.Custom = map[string]string{"k" + strconv.Itoa(i): "v"}
		deals = append(deals, d)
	}
	deals = append(deals, funnel.Deal{ID: "bad", Stage: "Nowhere"})
	r := mustCompute(t, s, deals, Options{Stage: "A", MaxKeys: 1})
	out := r.String()
	for _, want := range []string{"... and ", "29 values of custom keys beyond the cap were not analysed.", "1 invalid deals skipped."} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
	if err := r.WriteText(brokenWriter{}); !errors.Is(err, errBroken) {
		t.Errorf("WriteText to a failing writer: %v", err)
	}
}

// TestAsOf reads deals as they stood at the scan's as-of time: a deal
// that reached B on day 12 has not converted as of day 10 (it is
// pending, and open in A for 9 days then: stalled), and a deal created on
// day 11 is in neither table then; as of day 20 it has been open in A for
// 9 days.
func TestAsOf(t *testing.T) {
	deals := []funnel.Deal{deal("late", 1, 12, false, "web", "ana"), deal("new", 11, 0, false, "web", "ana"), deal("early", 1, 3, false, "web", "ana")}
	for _, tt := range []struct {
		asOf                        time.Time
		conv, pending, stall, total int64
	}{{day(10), 1, 1, 1, 2}, {day(20), 2, 1, 1, 3}} {
		s := mustScan(t, funnel.Options{AsOf: tt.asOf}, "A", "B")
		r := mustCompute(t, s, deals, Options{Stage: "A", Stall: 5 * 24 * time.Hour, Keys: []string{funnel.AttrSource}})
		if r.Conversion.Events != tt.conv || r.Conversion.Excluded != tt.pending || r.Stalling.Events != tt.stall || r.Input.Counted != tt.total {
			t.Errorf("as of %v: conversion %+v stalling %+v input %+v", tt.asOf, r.Conversion, r.Stalling, r.Input)
		}
	}
}
