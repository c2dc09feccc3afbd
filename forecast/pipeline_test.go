package forecast_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// fcDeals is the population of the hand-worked pipeline tests. Closed
// deals: c1 A>B won 1000, c2 A lost, c3 A>B>C won 2000, c4 A>B lost. So,
// counting closed deals that entered each stage: A 2 won of 4, B 2 of 3,
// C 1 of 1. o4 carries its own probability 0.1 and the category Commit;
// o5 is Best Case (in HubSpot's spelling).
func fcDeals() []funnel.Deal {
	return []funnel.Deal{
		{ID: "c1", Created: day(0), Amount: dec("1000"), Outcome: funnel.Won, Closed: day(10), History: hist("A", day(0), "B", day(3))},
		{ID: "c2", Created: day(0), Amount: dec("400"), Outcome: funnel.Lost, Closed: day(5), History: hist("A", day(0))},
		{ID: "c3", Created: day(1), Amount: dec("2000"), Outcome: funnel.Won, Closed: day(20), History: hist("A", day(1), "B", day(4), "C", day(8))},
		{ID: "c4", Created: day(2), Amount: dec("700"), Outcome: funnel.Lost, Closed: day(9), History: hist("A", day(2), "B", day(6))},
		{ID: "o1", Created: day(30), Amount: dec("100"), History: hist("A", day(30))},
		{ID: "o2", Created: day(30), Amount: dec("300"), History: hist("A", day(30), "B", day(31))},
		{ID: "o3", Created: day(30), Amount: dec("50"), History: hist("A", day(30), "B", day(31), "C", day(32))},
		{ID: "o4", Created: day(30), Amount: dec("60"), History: hist("A", day(30), "B", day(33)), Probability: prob("0.1"), Category: "Commit"},
		{ID: "o5", Created: day(31), Amount: dec("10"), History: hist("A", day(31)), Category: "BEST_CASE"},
	}
}

func TestPipelineByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s := scanOf(t, f, funnel.Options{AsOf: day(40)})
	got, err := forecast.Weighted(s, values(fcDeals()), forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Learned: A 2/4 = 0.5, B 2/3 = 0.6666666667 (10 places), C 1/1.
	// A: o1 100 + o5 10 = 110 x 0.5 = 55. B: o2 300 x 0.6666666667 =
	// 200.00000001, plus o4 60 x 0.1 = 6 (own): 206.00000001. C: o3 50.
	// The bands multiply by the Wilson bounds of 2/4, 2/3 and 1/1 at 95%,
	// rounded to 10 places (testdata/crosscheck.py: 0.1500389892-
	// 0.8499610108, 0.2076596008-0.9385080553, 0.2065493144-1).
	// Effective is Weighted over the amount weighed, its interval the band
	// over the same amount: A [16.504288812, 93.495711188] / 110, the
	// Wilson bounds of 2/4 themselves; B (6 + 300 x [0.2076596008,
	// 0.9385080553]) / 360, o4's own 0.1 the same at both ends; C
	// [10.32746572, 50] / 50.
	rate := func(num, den int64, lo, hi float64) funnel.Rate {
		return funnel.Rate{Ratio: funnel.Ratio{Num: num, Den: den}, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}
	}
	eff := func(num, den string, lo, hi float64) funnel.MoneyRate {
		return funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: dec(num), Den: dec(den)}, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}
	}
	wantStages := []forecast.StageRow{
		{Stage: "A", Deals: 2, Amount: dec("110"), Probability: prob("0.5"), Rate: rate(2, 4, 0.15003898915214947, 0.8499610108478506),
			Weighted: dec("55"), WeightedLo: dec("16.504288812"), WeightedHi: dec("93.495711188"), Effective: eff("55", "110", 0.1500389892, 0.8499610108)},
		{Stage: "B", Deals: 2, Amount: dec("360"), Probability: prob("0.6666666667"), Rate: rate(2, 3, 0.2076596008, 0.9385080553),
			Weighted: dec("206.00000001"), WeightedLo: dec("68.29788024"), WeightedHi: dec("287.55241659"), Effective: eff("206.00000001", "360", (6+300*0.2076596008)/360, (6+300*0.9385080553)/360),
			Overridden: 1, OverriddenAmount: dec("60"), OverriddenWeighted: dec("6")},
		{Stage: "C", Deals: 1, Amount: dec("50"), Probability: prob("1"), Rate: rate(1, 1, 0.2065493144, 1),
			Weighted: dec("50"), WeightedLo: dec("10.32746572"), WeightedHi: dec("50"), Effective: eff("50", "50", 0.2065493144, 1)},
	}
	approx := cmp.Comparer(func(a, b float64) bool { return a-b < 1e-10 && b-a < 1e-10 })
	if diff := cmp.Diff(wantStages, got.Stages, approx); diff != "" {
		t.Errorf("stages mismatch (-want +got):\n%s", diff)
	}
	// Categories: closed c1+c3 = 3000; commit o4 60 (6); best case o5 10
	// (5); pipeline o1, o2, o3 450 (50 + 200.00000001 + 50).
	wantCats := []forecast.CategoryRow{
		{Category: forecast.CategoryClosed, Deals: 2, Amount: dec("3000"), Weighted: dec("3000"), CumulativeDeals: 2, CumulativeAmount: dec("3000"), CumulativeWeighted: dec("3000")},
		{Category: forecast.CategoryCommit, Deals: 1, Amount: dec("60"), Weighted: dec("6"), CumulativeDeals: 3, CumulativeAmount: dec("3060"), CumulativeWeighted: dec("3006")},
		{Category: forecast.CategoryBestCase, Deals: 1, Amount: dec("10"), Weighted: dec("5"), CumulativeDeals: 4, CumulativeAmount: dec("3070"), CumulativeWeighted: dec("3011")},
		{Category: forecast.CategoryPipeline, Deals: 3, Amount: dec("450"), Weighted: dec("300.00000001"), CumulativeDeals: 7, CumulativeAmount: dec("3520"), CumulativeWeighted: dec("3311.00000001")},
		{Category: forecast.CategoryOmitted},
	}
	if diff := cmp.Diff(wantCats, got.Categories); diff != "" {
		t.Errorf("categories mismatch (-want +got):\n%s", diff)
	}
	type totals struct {
		Open                       int64
		OpenAmt, W, Lo, Hi         decimal.Decimal
		Over, Unweighted           int64
		OverAmt, OverW, UnAmt      decimal.Decimal
		Source                     forecast.Source
		Read, Counted, Skip, Futur int64
	}
	want := totals{Open: 5, OpenAmt: dec("520"), W: dec("311.00000001"), Lo: dec("95.129634772"), Hi: dec("431.048127778"), Over: 1, OverAmt: dec("60"), OverW: dec("6"),
		Source: forecast.SourceLearned, Read: 9, Counted: 9}
	gotT := totals{got.Open, got.OpenAmount, got.Weighted, got.WeightedLo, got.WeightedHi, got.Overridden, got.Unweighted, got.OverriddenAmount,
		got.OverriddenWeighted, got.UnweightedAmount, got.Source, got.Input.Read, got.Input.Counted, got.Input.Skipped.Count, got.Input.Future}
	if diff := cmp.Diff(want, gotT); diff != "" {
		t.Errorf("totals mismatch (-want +got):\n%s", diff)
	}
	roundTripJSON(t, got)
	var text strings.Builder
	if err := got.WriteText(&text); err != nil || !strings.Contains(text.String(), "57.2% 95% CI 19.0%..79.9%") {
		t.Errorf("text lacks B's effective probability 206.00000001 / 360 in (68.29788024 / 360, 287.55241659 / 360):\n%s", text.String())
	}

	// At 50% confidence (z = 0.6745) the band narrows: 2/4 has the Wilson
	// interval 0.3402-0.6598 (crosscheck.py), so A's low end is 110 x
	// 0.3402 = 37.4.
	narrow, err := forecast.Weighted(scanOf(t, f, funnel.Options{AsOf: day(40), Test: funnel.Test{Confidence: 0.5}}), values(fcDeals()), forecast.Options{})
	if err != nil || !narrow.Stages[0].WeightedLo.Round(1).Equal(dec("37.4")) || narrow.Stages[0].Rate.Interval.Confidence != 0.5 {
		t.Errorf("confidence 0.5: A low end = %v (%v), %v", narrow.Stages[0].WeightedLo, narrow.Stages[0].Rate.Interval, err)
	}
}

func TestPipelineGivenProbabilities(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	// A 110 x 0.2 = 22, B 300 x 0.5 = 150, C has no probability (o3, 50),
	// o4 own 6: 178. Since = day 15 leaves c1 (won day 10) out of Closed:
	// 2000.
	got, err := forecast.Weighted(scanOf(t, f, funnel.Options{AsOf: day(40)}), values(fcDeals()), forecast.Options{
		Since: day(15), Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("0.2"), "B": dec("0.5")}})
	if err != nil {
		t.Fatal(err)
	}
	type sum struct {
		W, UnAmt, Closed decimal.Decimal
		Un               int64
		Source           forecast.Source
		ProbC            decimal.NullDecimal
	}
	want := sum{W: dec("178"), UnAmt: dec("50"), Closed: dec("2000"), Un: 1, Source: forecast.SourceGiven}
	gotS := sum{got.Weighted, got.UnweightedAmount, got.Categories[0].Amount, got.Unweighted, got.Source, got.Stages[2].Probability}
	if diff := cmp.Diff(want, gotS); diff != "" {
		t.Errorf("given probabilities mismatch (-want +got):\n%s", diff)
	}
	// no learned rate: the effective probabilities are exact, their
	// interval the point: A 22 / 110 = 0.2, B (150 + 6) / 360; C weighs
	// nothing, undefined
	point := func(num, den string, v float64) funnel.MoneyRate {
		return funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: dec(num), Den: dec(den)}, Interval: funnel.Interval{Lo: v, Hi: v, Confidence: 0.95, Defined: true}}
	}
	wantEff := []funnel.MoneyRate{point("22", "110", 0.2), point("156", "360", 156.0/360), {MoneyRatio: funnel.MoneyRatio{Num: dec("0"), Den: dec("0")}}}
	gotEff := []funnel.MoneyRate{got.Stages[0].Effective, got.Stages[1].Effective, got.Stages[2].Effective}
	if diff := cmp.Diff(wantEff, gotEff, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("effective probabilities (-want +got):\n%s", diff)
	}
	var b strings.Builder
	if err := got.WriteText(&b); err != nil || !strings.Contains(b.String(), "20.0% exact") || !strings.Contains(b.String(), "43.3% exact") {
		t.Errorf("text lacks the exact effective probabilities:\n%s", b.String())
	}
}

func TestPipelineAsOfPast(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	// As of day 7: c2 is lost (day 5); c1, c3 and c4 are open (c1 in B
	// since day 3, c3 in B since day 4, c4 in B since day 6); the o deals
	// do not exist yet. Learned: only c2 closed, A 0/1; B and C undefined.
	// So nothing is weighted: c1, c3, c4 (3700) are unweighted.
	got, err := forecast.Weighted(scanOf(t, f, funnel.Options{AsOf: day(7)}), values(fcDeals()), forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Weighted.IsZero() || got.Unweighted != 3 || !got.UnweightedAmount.Equal(dec("3700")) || got.Stages[1].Deals != 3 || got.Input.Future != 5 {
		t.Errorf("as of day 7 = weighted %v, unweighted %d (%v), B deals %d, future %d; want 0, 3 (3700), 3, 5",
			got.Weighted, got.Unweighted, got.UnweightedAmount, got.Stages[1].Deals, got.Input.Future)
	}
}

// TestPipelineAsOf checks that the pipeline sees deals as of the as-of
// time: a deal won after it is open and weighted, a stage entered after it
// does not count, and an amount or probability changed after it is
// weighed at its value then.
func TestPipelineAsOf(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	asOf := day(20)
	deals := []funnel.Deal{
		// teach A 1/2, B 1/1
		{ID: "w", Created: day(0), Amount: dec("1"), Outcome: funnel.Won, Closed: day(5), History: hist("A", day(0), "B", day(2))},
		{ID: "l", Created: day(0), Amount: dec("1"), Outcome: funnel.Lost, Closed: day(5), History: hist("A", day(0))},
		// won on day 30: open in B at day 20, weighed at 1
		{ID: "late-win", Created: day(10), Amount: dec("100"), Outcome: funnel.Won, Closed: day(30), History: hist("A", day(10), "B", day(12))},
		// entered B on day 25: in A at day 20, weighed at 1/2
		{ID: "late-stage", Created: day(10), Amount: dec("40"), History: hist("A", day(10), "B", day(25))},
		// amount 70 until day 22, then 700: weighed 70 x 1/2
		{ID: "resized", Created: day(10), Amount: dec("700"), History: hist("A", day(10)),
			Changes: []funnel.FieldChange{{Field: funnel.FieldAmount, At: day(10), Amount: dec("70")}, {Field: funnel.FieldAmount, At: day(22), Amount: dec("700")}}},
		// own probability 0.2 from day 10, 0.9 from day 21: 0.2 at day 20
		{ID: "prob-later", Created: day(10), Amount: dec("10"), History: hist("A", day(10)), Probability: prob("0.9"),
			Changes: []funnel.FieldChange{{Field: funnel.FieldProbability, At: day(10), Amount: dec("0.2")}, {Field: funnel.FieldProbability, At: day(21), Amount: dec("0.9")}}},
		// category Commit until day 21, then Omitted
		{ID: "recat", Created: day(10), Amount: dec("2"), History: hist("A", day(10)), Category: "Omitted",
			Changes: []funnel.FieldChange{{Field: funnel.FieldCategory, At: day(11), Text: "Commit"}, {Field: funnel.FieldCategory, At: day(21), Text: "Omitted"}}},
	}
	got, err := forecast.Weighted(scanOf(t, f, funnel.Options{AsOf: asOf}), values(deals), forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// prob-later: 10 x 0.2 = 2 own. A: late-stage 40 + resized 70 +
	// recat 2 = 112 x 0.5 = 56. B: late-win 100 x 1. Total 158.
	if !got.Weighted.Equal(dec("158")) || got.Stages[0].Deals != 4 || got.Stages[1].Deals != 1 || got.Overridden != 1 ||
		!got.Categories[1].Amount.Equal(dec("2")) {
		t.Errorf("as of: weighted %v, A %d, B %d, own %d, commit %v; want 158, 4, 1, 1, 2", got.Weighted, got.Stages[0].Deals, got.Stages[1].Deals, got.Overridden, got.Categories[1].Amount)
	}
}

func TestPipelineSegments(t *testing.T) {
	f := mustFunnel(t, "A")
	// Segment x: 3 closed in A, 1 won (1/3); segment y: 1 closed, won
	// (1/1); overall 2/4. With MinSegment 2, x uses 1/3 (0.3333333333)
	// and y (too few) the overall 1/2. Open: x 300 -> 99.99999999, y 100
	// -> 50, z (no closed deal) 40 at the overall 1/2 -> 20.
	mk := func(id, region string, o funnel.Outcome, amt string) funnel.Deal {
		d := funnel.Deal{ID: id, Created: day(0), Amount: dec(amt), Outcome: o, Stage: "A", Attrs: funnel.Attributes{Region: region}}
		if o != funnel.Open {
			d.Closed = day(1)
		}
		return d
	}
	deals := []funnel.Deal{mk("1", "x", funnel.Won, "1"), mk("2", "x", funnel.Lost, "1"), mk("3", "x", funnel.Lost, "1"), mk("4", "y", funnel.Won, "1"),
		mk("5", "x", funnel.Open, "300"), mk("6", "y", funnel.Open, "100"), mk("7", "z", funnel.Open, "40")}
	s := scanOf(t, f, funnel.Options{})
	p, err := forecast.NewPipeline(s, forecast.Options{Learn: forecast.LearnOptions{Segment: funnel.AttrRegion, MinSegment: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(values(deals), p); err != nil {
		t.Fatal(err)
	}
	got, err := p.Report()
	if err != nil {
		t.Fatal(err)
	}
	if !got.Weighted.Equal(dec("169.99999999")) || got.Segment != "region" || !got.Stages[0].Probability.Decimal.Equal(dec("0.5")) {
		t.Errorf("by segment = %v (segment %q, p %v), want 169.99999999", got.Weighted, got.Segment, got.Stages[0].Probability)
	}
	m, err := p.Model()
	if err != nil {
		t.Fatal(err)
	}
	want := []forecast.SegmentRates{
		{Segment: "x", Stages: []forecast.StageRate{{Stage: "A", Won: funnel.Rate{Ratio: funnel.Ratio{Num: 1, Den: 3}}}}},
		{Segment: "y", Stages: []forecast.StageRate{{Stage: "A", Won: funnel.Rate{Ratio: funnel.Ratio{Num: 1, Den: 1}}}}},
	}
	ignoreIv := cmp.Transformer("ratio", func(r funnel.Rate) funnel.Ratio { return r.Ratio })
	if diff := cmp.Diff(want, m.Segments(), ignoreIv); diff != "" {
		t.Errorf("segments mismatch (-want +got):\n%s", diff)
	}
	if r, ok := m.Rate("A", "y"); !ok || r.Won.Ratio != (funnel.Ratio{Num: 2, Den: 4}) {
		t.Errorf("Rate(A, y) = %v, %v; want 2/4 (fallback)", r.Won, ok)
	}
	if r, ok := m.Rate("A", "x"); !ok || r.Won.Ratio != (funnel.Ratio{Num: 1, Den: 3}) {
		t.Errorf("Rate(A, x) = %v, %v; want 1/3", r.Won, ok)
	}
	if _, ok := m.Rate("Z", ""); ok {
		t.Error("Rate of an unknown stage is ok")
	}
}

func TestPipelineCategories(t *testing.T) {
	f := mustFunnel(t, "A")
	open := func(id, cat string) funnel.Deal {
		return funnel.Deal{ID: id, Stage: "A", Amount: dec("1"), Category: cat, Probability: prob("1")}
	}
	good := []funnel.Deal{open("a", "pipeline"), open("b", "Best Case"), open("c", "best-case"), open("d", "COMMIT"), open("e", "Forecast"),
		open("f", "omit"), open("g", "Not forecasted"), open("h", "")}
	bad := []funnel.Deal{open("x", "Maybe"), open("y", "Closed Won"), open("z", "commit!")}
	s := scanOf(t, f, funnel.Options{Mode: funnel.Lenient})
	got, err := forecast.Weighted(s, values(append(good, bad...)), forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	deals := map[forecast.Category]int64{}
	for _, c := range got.Categories {
		deals[c.Category] = c.Deals
	}
	want := map[forecast.Category]int64{forecast.CategoryPipeline: 2, forecast.CategoryBestCase: 2, forecast.CategoryCommit: 2, forecast.CategoryOmitted: 2, forecast.CategoryClosed: 0}
	if diff := cmp.Diff(want, deals); diff != "" {
		t.Errorf("categories mismatch (-want +got):\n%s", diff)
	}
	in := got.Input
	if in.Skipped.Count != 3 || in.Counted != 8 || len(in.Skipped.Reasons) != 1 || in.Skipped.Examples[0].ID != "x" ||
		!errors.Is(in.Skipped.Examples[0].Err, forecast.ErrUnknownCategory) || in.Skipped.Examples[0].Field != `Category "Maybe"` {
		t.Errorf("input = %+v", in)
	}
	// strict: the error of the first bad deal, naming it
	_, err = forecast.Weighted(scanOf(t, f, funnel.Options{}), values(append(good, bad...)), forecast.Options{})
	var de *funnel.DealError
	if !errors.As(err, &de) || de.ID != "x" || !errors.Is(err, forecast.ErrUnknownCategory) {
		t.Errorf("strict error = %v, want deal x's unknown category", err)
	}
	p, _ := forecast.NewPipeline(scanOf(t, f, funnel.Options{}), forecast.Options{})
	if err := p.Add(bad[1]); !errors.As(err, &de) || de.ID != "y" {
		t.Errorf("Add(closed category on an open deal) = %v", err)
	}
	if err := p.Add(good[0]); err != nil {
		t.Errorf("Add(good) = %v", err)
	}
}

func TestPipelineEmptyAndErrors(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	s := scanOf(t, f, funnel.Options{})
	got, err := forecast.Weighted(s, values(nil), forecast.Options{})
	if err != nil || !got.Weighted.IsZero() || len(got.Stages) != 2 || len(got.Categories) != 5 || got.Input.Read != 0 {
		t.Errorf("Weighted(empty) = %+v, %v", got, err)
	}
	roundTripJSON(t, got)
	bad := funnel.Deal{ID: "bad", Stage: "Z"}
	if _, err := forecast.Weighted(s, values([]funnel.Deal{bad}), forecast.Options{}); !errors.Is(err, funnel.ErrUnknownStage) {
		t.Errorf("Weighted(bad deal) error = %v, want ErrUnknownStage", err)
	}
	got, err = forecast.Weighted(scanOf(t, f, funnel.Options{Mode: funnel.Lenient}), values([]funnel.Deal{bad}), forecast.Options{})
	if err != nil || got.Input.Skipped.Count != 1 {
		t.Errorf("Weighted(bad, lenient) = skipped %d, %v", got.Input.Skipped.Count, err)
	}
	for name, opts := range map[string]forecast.Options{
		"probability above 1":  {Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("1.5")}},
		"probability below 0":  {Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("-0.5")}},
		"unknown stage":        {Probabilities: map[funnel.Stage]decimal.Decimal{"Z": dec("0.5")}},
		"negative min segment": {Learn: forecast.LearnOptions{MinSegment: -1}},
	} {
		if _, err := forecast.NewPipeline(s, opts); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("NewPipeline(%s) error = %v, want ErrInvalidParam", name, err)
		}
	}
	if _, err := forecast.NewPipeline(nil, forecast.Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewPipeline(nil) error = %v", err)
	}
	if _, err := forecast.Weighted(s, nil, forecast.Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Weighted(nil stream) error = %v", err)
	}
	other, _ := forecast.Learn(scanOf(t, mustFunnel(t, "A", "C"), funnel.Options{}), values(nil), forecast.LearnOptions{})
	if _, err := forecast.NewPipeline(s, forecast.Options{Model: other}); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("NewPipeline(model of other stages) error = %v", err)
	}
	if _, err := forecast.Weighted(scanOf(t, f, funnel.Options{Currency: "EUR"}), values([]funnel.Deal{{ID: "o", Stage: "A"}}), forecast.Options{}); !errors.Is(err, funnel.ErrCurrencyMismatch) {
		t.Errorf("currency error = %v", err)
	}
}

func TestPipelineHugeAmounts(t *testing.T) {
	f := mustFunnel(t, "A")
	// 10^30 and 3 x 10^29 + 0.01 at p = 1/2: 6.5 x 10^29 + 0.005, exactly.
	deals := []funnel.Deal{
		{ID: "w", Stage: "A", Amount: dec("1"), Outcome: funnel.Won, Closed: day(1)},
		{ID: "l", Stage: "A", Amount: dec("1"), Outcome: funnel.Lost, Closed: day(1)},
		{ID: "o1", Stage: "A", Amount: dec("1000000000000000000000000000000")},
		{ID: "o2", Stage: "A", Amount: dec("300000000000000000000000000000.01")},
	}
	got, err := forecast.Weighted(scanOf(t, f, funnel.Options{}), values(deals), forecast.Options{})
	if err != nil || !got.Weighted.Equal(dec("650000000000000000000000000000.005")) {
		t.Errorf("huge = %v, %v", got.Weighted, err)
	}
	roundTripJSON(t, got)
}

// TestPipelineUsesGivenModel checks that a model learned apart weighs the
// deals as the one learned in the same pass does.
func TestPipelineUsesGivenModel(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s := scanOf(t, f, funnel.Options{AsOf: day(40)})
	m, err := forecast.Learn(s, values(fcDeals()), forecast.LearnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	one, err := forecast.Weighted(s, values(fcDeals()), forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	given, err := forecast.Weighted(s, values(fcDeals()), forecast.Options{Model: m})
	if err != nil {
		t.Fatal(err)
	}
	if given.Source != forecast.SourceModel {
		t.Errorf("source = %v", given.Source)
	}
	given.Source = forecast.SourceLearned
	if diff := cmp.Diff(one, given, cmpOpts...); diff != "" {
		t.Errorf("given model differs from learning in the same pass (-same pass +model):\n%s", diff)
	}
}
