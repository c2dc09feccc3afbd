package funnel

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var approx = cmpopts.EquateApprox(0, 1e-9)

// fcDeals is the population of TestForecastByHand. Closed deals: c1
// A>B won 1000, c2 A lost, c3 A>B>C won 2000, c4 A>B lost. So, counting
// closed deals that entered each stage: A 2 won of 4, B 2 of 3, C 1 of 1.
func fcDeals() []Deal {
	return []Deal{
		{ID: "c1", Created: day(0), Amount: dec("1000"), Outcome: Won, Closed: day(10), History: hist("A", day(0), "B", day(3))},
		{ID: "c2", Created: day(0), Amount: dec("400"), Outcome: Lost, Closed: day(5), History: hist("A", day(0))},
		{ID: "c3", Created: day(1), Amount: dec("2000"), Outcome: Won, Closed: day(20), History: hist("A", day(1), "B", day(4), "C", day(8))},
		{ID: "c4", Created: day(2), Amount: dec("700"), Outcome: Lost, Closed: day(9), History: hist("A", day(2), "B", day(6))},
		{ID: "o1", Created: day(30), Amount: dec("100"), History: hist("A", day(30))},
		{ID: "o2", Created: day(30), Amount: dec("300"), History: hist("A", day(30), "B", day(31))},
		{ID: "o3", Created: day(30), Amount: dec("50"), History: hist("A", day(30), "B", day(31), "C", day(32))},
		{ID: "o4", Created: day(30), Amount: dec("60"), History: hist("A", day(30), "B", day(33)), Attrs: Attributes{Custom: map[string]string{"p": "0.1", "cat": "commit"}}},
		{ID: "o5", Created: day(31), Amount: dec("10"), History: hist("A", day(31)), Attrs: Attributes{Custom: map[string]string{"cat": "best"}}},
	}
}

func fcOverride(d Deal) (decimal.Decimal, bool) {
	if s := d.Attrs.Custom["p"]; s != "" {
		return dec(s), true
	}
	return decimal.Decimal{}, false
}

func fcCategory(d Deal) ForecastCategory {
	switch d.Attrs.Custom["cat"] {
	case "commit":
		return ForecastCommit
	case "best":
		return ForecastBestCase
	}
	return ForecastPipeline
}

func TestForecastByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	asOf := day(40)
	// Learned: A 2/4, B 2/3, C 1/1. Open, not overridden: A o1 100 +
	// o5 10 -> 110 x 1/2 = 55; B o2 300 x 2/3 = 200; C o3 50 x 1 = 50;
	// o4 is overridden, 60 x 0.1 = 6. Total 311. The Lo/Hi columns
	// multiply the amounts by the Wilson bounds of 2/4, 2/3 and 1/1
	// rounded to 10 places, computed by python3 from the Wilson formula
	// (2/4: 0.1500389892-0.8499610108, 2/3: 0.2076596008-0.9385080553,
	// 1/1: 0.2065493144-1).
	// Categories: closed c1+c3 = 3000; commit o4 60 (6); best case o5
	// 10 (5); pipeline o1, o2, o3 450 (50+200+50 = 300).
	got, err := Forecast(f, slices.Values(fcDeals()), ForecastOptions{AsOf: asOf, Probability: fcOverride, Category: fcCategory})
	if err != nil {
		t.Fatal(err)
	}
	wantStages := []ForecastStageRow{
		{Stage: "A", Deals: 2, Amount: dec("110"), Probability: dec("0.5"), Weighted: dec("55"), WeightedLo: dec("16.504288812"), WeightedHi: dec("93.495711188")},
		{Stage: "B", Deals: 1, Amount: dec("300"), Probability: dec("0.6666666667"), Weighted: dec("200"), WeightedLo: dec("62.29788024"), WeightedHi: dec("281.55241659")},
		{Stage: "C", Deals: 1, Amount: dec("50"), Probability: dec("1"), Weighted: dec("50"), WeightedLo: dec("10.327465720"), WeightedHi: dec("50")},
	}
	if diff := cmp.Diff(wantStages, got.Stages); diff != "" {
		t.Errorf("Forecast stages mismatch (-want +got):\n%s", diff)
	}
	wantCats := []ForecastCategoryRow{
		{Category: ForecastClosed, Deals: 2, Amount: dec("3000"), Weighted: dec("3000"), CumulativeDeals: 2, CumulativeAmount: dec("3000"), CumulativeWeighted: dec("3000")},
		{Category: ForecastCommit, Deals: 1, Amount: dec("60"), Weighted: dec("6"), CumulativeDeals: 3, CumulativeAmount: dec("3060"), CumulativeWeighted: dec("3006")},
		{Category: ForecastBestCase, Deals: 1, Amount: dec("10"), Weighted: dec("5"), CumulativeDeals: 4, CumulativeAmount: dec("3070"), CumulativeWeighted: dec("3011")},
		{Category: ForecastPipeline, Deals: 3, Amount: dec("450"), Weighted: dec("300"), CumulativeDeals: 7, CumulativeAmount: dec("3520"), CumulativeWeighted: dec("3311")},
		{Category: ForecastOmitted},
	}
	if diff := cmp.Diff(wantCats, got.Categories); diff != "" {
		t.Errorf("Forecast categories mismatch (-want +got):\n%s", diff)
	}
	type totals struct {
		W, Lo, Hi, OverAmt, OverW decimal.Decimal
		Over, Unweighted          int64
	}
	wantT := totals{W: dec("311"), Lo: dec("95.129634772"), Hi: dec("431.048127778"), OverAmt: dec("60"), OverW: dec("6"), Over: 1}
	gotT := totals{got.Weighted, got.WeightedLo, got.WeightedHi, got.OverriddenAmount, got.OverriddenWeighted, got.Overridden, got.Unweighted}
	if diff := cmp.Diff(wantT, gotT); diff != "" {
		t.Errorf("Forecast totals mismatch (-want +got):\n%s", diff)
	}
	if got.Model == nil || got.Model.Stages[1].Won != (Ratio{2, 3}) {
		t.Errorf("Forecast model = %+v, want B 2/3", got.Model)
	}
	// At 50% confidence (z = 0.6745) the band narrows: 2/4 has the Wilson
	// interval 0.3402-0.6598 by python3, so stage A's low end is
	// 110 x 0.3402 = 37.4, above the 95% value 16.5.
	narrow, err := Forecast(f, slices.Values(fcDeals()), ForecastOptions{AsOf: asOf, Confidence: 0.5})
	if err != nil || narrow.Model.Confidence != 0.5 || !narrow.Stages[0].WeightedLo.Round(1).Equal(dec("37.4")) {
		t.Errorf("Forecast(confidence 0.5) A low end = %v, %v", narrow.Stages[0].WeightedLo, err)
	}
}

func TestForecastGivenProbabilities(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	// A 110 x 0.2 = 22, B 300 x 0.5 = 150, C has no probability (o3, 50),
	// o4 overridden 6: 178. Since = day 15 leaves c1 (won day 10) out of
	// Closed: 2000.
	got, err := Forecast(f, slices.Values(fcDeals()), ForecastOptions{
		AsOf: day(40), Since: day(15), Probability: fcOverride,
		Probabilities: map[Stage]decimal.Decimal{"A": dec("0.2"), "B": dec("0.5")},
	})
	if err != nil {
		t.Fatal(err)
	}
	type sum struct {
		W, UnAmt, Closed decimal.Decimal
		Un               int64
		ModelNil         bool
	}
	want := sum{W: dec("178"), UnAmt: dec("50"), Closed: dec("2000"), Un: 1, ModelNil: true}
	gotS := sum{got.Weighted, got.UnweightedAmount, got.Categories[0].Amount, got.Unweighted, got.Model == nil}
	if diff := cmp.Diff(want, gotS); diff != "" {
		t.Errorf("Forecast given mismatch (-want +got):\n%s", diff)
	}
}

func TestForecastAsOfPast(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	// As of day 7: c2 is lost (day 5); c1, c3, c4 are open (c1 in B since
	// day 3, c3 in C since day 8? no: in B since day 4, c4 in A: it enters
	// B on day 6, so B). The o-deals do not exist yet. Learned: only c2
	// closed, A 0/1, B and C undefined. Weighted: nothing defined but A,
	// and no open deal is in A. Unweighted: c1, c3, c4 (3700).
	got, err := Forecast(f, slices.Values(fcDeals()), ForecastOptions{AsOf: day(7)})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Weighted.IsZero() || got.Unweighted != 3 || !got.UnweightedAmount.Equal(dec("3700")) || got.Stages[1].Deals != 3 {
		t.Errorf("Forecast as of day 7 = weighted %v, unweighted %d (%v), B deals %d; want 0, 3 (3700), 3",
			got.Weighted, got.Unweighted, got.UnweightedAmount, got.Stages[1].Deals)
	}
}

func TestForecastSegments(t *testing.T) {
	f := mustFunnel(t, "A")
	// Segment x: 3 closed in A, 1 won (1/3); segment y: 1 closed, won
	// (1/1); overall 2/4. With MinSegment 2, x uses 1/3 and y (too few)
	// the overall 1/2. Open: x 300 -> 100, y 100 -> 50.
	seg := func(d Deal) string { return d.Attrs.Region }
	// An open deal of segment z, which has no closed deal, takes the
	// overall rate too: 40 -> 20. An empty segment key is a segment like
	// any other.
	mk := func(id, region string, o Outcome, amt string) Deal {
		d := Deal{ID: id, Created: day(0), Amount: dec(amt), Outcome: o, Stage: "A", Attrs: Attributes{Region: region}}
		if o != Open {
			d.Closed = day(1)
		}
		return d
	}
	deals := []Deal{mk("1", "x", Won, "1"), mk("2", "x", Lost, "1"), mk("3", "x", Lost, "1"), mk("4", "y", Won, "1"),
		mk("5", "x", Open, "300"), mk("6", "y", Open, "100"), mk("7", "z", Open, "40")}
	got, err := Forecast(f, slices.Values(deals), ForecastOptions{Segment: seg, MinSegment: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Weighted.Equal(dec("170")) || !got.Stages[0].Probability.Equal(dec("0.3863636364")) {
		t.Errorf("Forecast by segment = %v (p %v), want 170 (p 170/440 = 0.38636...)", got.Weighted, got.Stages[0].Probability)
	}
	if got.Model.Segments["x"][0].Won != (Ratio{1, 3}) || got.Model.Segments["y"][0].Won != (Ratio{1, 1}) {
		t.Errorf("Forecast segment rates = %+v", got.Model.Segments)
	}
	r, ok := got.Model.Rate("A", "y", 2)
	if !ok || r.Won != (Ratio{2, 4}) {
		t.Errorf("Rate(A, y, 2) = %v, %v; want 2/4 (fallback)", r.Won, ok)
	}
	if _, ok := got.Model.Rate("Z", "", 0); ok {
		t.Error("Rate of an unknown stage is ok")
	}
}

func TestForecastEmptyAndErrors(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	got, err := Forecast(f, slices.Values([]Deal(nil)), ForecastOptions{})
	if err != nil || !got.Weighted.IsZero() || len(got.Stages) != 2 || len(got.Categories) != 5 {
		t.Errorf("Forecast(empty) = %+v, %v", got, err)
	}
	bad := Deal{ID: "bad", Stage: "Z"}
	if _, err := Forecast(f, slices.Values([]Deal{bad}), ForecastOptions{}); !errors.Is(err, ErrUnknownStage) {
		t.Errorf("Forecast(bad deal) error = %v, want ErrUnknownStage", err)
	}
	got, err = Forecast(f, slices.Values([]Deal{bad}), ForecastOptions{Mode: Lenient})
	if err != nil || got.Skipped != 1 {
		t.Errorf("Forecast(bad, lenient) = skipped %d, %v", got.Skipped, err)
	}
	for name, opts := range map[string]ForecastOptions{
		"probability above 1": {Probabilities: map[Stage]decimal.Decimal{"A": dec("1.5")}},
		"mode":                {Mode: 7},
		"confidence":          {Confidence: 1},
	} {
		if _, err := Forecast(f, slices.Values([]Deal(nil)), opts); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("Forecast(%s) error = %v, want ErrInvalidParam", name, err)
		}
	}
	if _, err := Forecast(nil, slices.Values([]Deal(nil)), ForecastOptions{}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Forecast(nil funnel) error = %v", err)
	}
	open := Deal{ID: "o", Stage: "A", Amount: dec("5")}
	over := func(Deal) (decimal.Decimal, bool) { return dec("-0.1"), true }
	var de *DealError
	if _, err := Forecast(f, slices.Values([]Deal{open}), ForecastOptions{Probability: over}); !errors.As(err, &de) || de.ID != "o" || !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Forecast(bad override) error = %v", err)
	}
	closedCat := func(Deal) ForecastCategory { return ForecastClosed }
	if _, err := Forecast(f, slices.Values([]Deal{open}), ForecastOptions{Category: closedCat}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Forecast(closed category for open deal) error = %v", err)
	}
	if _, err := Forecast(f, slices.Values([]Deal{open}), ForecastOptions{Currency: "EUR"}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Forecast(currency) error = %v", err)
	}
}

func TestForecastHugeAmounts(t *testing.T) {
	f := mustFunnel(t, "A")
	// 10^30 and 3 x 10^29 with p = 1/2: weighted 6.5 x 10^29, exactly.
	deals := []Deal{
		{ID: "w", Stage: "A", Amount: dec("1"), Outcome: Won, Closed: day(1)},
		{ID: "l", Stage: "A", Amount: dec("1"), Outcome: Lost, Closed: day(1)},
		{ID: "o1", Stage: "A", Amount: dec("1000000000000000000000000000000")},
		{ID: "o2", Stage: "A", Amount: dec("300000000000000000000000000000.01")},
	}
	got, err := Forecast(f, slices.Values(deals), ForecastOptions{})
	if err != nil || !got.Weighted.Equal(dec("650000000000000000000000000000.005")) {
		t.Errorf("Forecast(huge) = %v, %v", got.Weighted, err)
	}
}

func TestPipelineSnapshot(t *testing.T) {
	d := Deal{ID: "d", Created: day(0), Amount: dec("5"), Outcome: Lost, Closed: day(10), LostReason: "price",
		Stage: "C", History: hist("A", day(0), "B", day(3), "C", day(6))}
	undatedHist := Deal{ID: "u", Stage: "B", History: []StageChange{{Stage: "A"}, {Stage: "B", At: day(4)}}}
	tests := []struct {
		name string
		d    Deal
		at   time.Time
		want Deal
		ok   bool
	}{
		{"before creation", d, day(-1), Deal{}, false},
		{"at creation", d, day(0), Deal{ID: "d", Created: day(0), Amount: dec("5"), Stage: "A", History: hist("A", day(0))}, true},
		{"mid history", d, day(4), Deal{ID: "d", Created: day(0), Amount: dec("5"), Stage: "B", History: hist("A", day(0), "B", day(3))}, true},
		{"just before close", d, day(10).Add(-time.Nanosecond), Deal{ID: "d", Created: day(0), Amount: dec("5"), Stage: "C", History: d.History}, true},
		{"at close", d, day(10), d, true},
		{"zero as-of", d, time.Time{}, d, true},
		{"created unknown, starts at first entry", undatedHist, day(3), Deal{}, false},
		{"created unknown, after first entry", undatedHist, day(5), undatedHist, true},
		{"nothing dated", Deal{ID: "n", Stage: "A"}, day(1), Deal{ID: "n", Stage: "A"}, true},
		{"every entry later", Deal{ID: "e", Created: day(0), Stage: "B", History: hist("A", day(2), "B", day(3))}, day(1),
			Deal{ID: "e", Created: day(0), Stage: "A"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PipelineSnapshot(tt.d, tt.at)
			if ok != tt.ok {
				t.Fatalf("PipelineSnapshot ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("PipelineSnapshot mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestForecastByPeriod(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	asOf := time.Date(2024, time.March, 15, 0, 0, 0, 0, time.UTC)
	mar, apr, may := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	// Won deals entered B 10, 20 and 40 days before their close: the
	// time-to-win samples of B are {10, 20, 40} days.
	won := func(id string, d int) Deal {
		return Deal{ID: id, Created: mar.AddDate(0, -6, 0), Amount: dec("1"), Outcome: Won, Closed: mar.AddDate(0, -3, d),
			History: hist("A", mar.AddDate(0, -6, 0), "B", mar.AddDate(0, -3, 0))}
	}
	open := func(id, amt string, inB time.Time, closeDate string) Deal {
		return Deal{ID: id, Created: inB.AddDate(0, 0, -1), Amount: dec(amt), History: hist("A", inB.AddDate(0, 0, -1), "B", inB),
			Attrs: Attributes{Custom: map[string]string{"close": closeDate}}}
	}
	deals := []Deal{
		won("w1", 10), won("w2", 20), won("w3", 40),
		// in B since 10 March: 5 days spent, all three samples remain:
		// closes 20 March, 30 March (March) and 19 April: 150 x 2/3 =
		// 100 in March, 50 in April.
		open("o1", "300", time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), ""),
		// expected close in May: 200 x 0.5 = 100 in May.
		open("o2", "200", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "2024-05-20T00:00:00Z"),
		// in B for 50 days, beyond every sample: overdue, 20 x 0.5 = 10
		// in March.
		open("o3", "20", asOf.AddDate(0, 0, -50), ""),
		// expected close before AsOf: overdue, 8 x 0.5 = 4 in March.
		open("o4", "8", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "2024-03-02T00:00:00Z"),
		// expected close after the three periods: 40 x 0.5 = 20 later.
		open("o5", "40", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "2024-09-02T00:00:00Z"),
	}
	closeDate := func(d Deal) (time.Time, bool) {
		t, err := time.Parse(time.RFC3339, d.Attrs.Custom["close"])
		return t, err == nil
	}
	got, err := ForecastByPeriod(f, slices.Values(deals), ForecastPeriodOptions{
		ForecastOptions: ForecastOptions{AsOf: asOf, Probabilities: map[Stage]decimal.Decimal{"B": dec("0.5")}},
		Period:          Month, Periods: 3, CloseDate: closeDate,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := ForecastPeriodResult{
		Rows: []ForecastPeriodRow{
			{Start: mar, Dated: 1, Expected: dec("114")},
			{Start: apr, Expected: dec("50")},
			{Start: may, Dated: 1, Expected: dec("100")},
		},
		Later: dec("20"), Overdue: 2,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ForecastByPeriod mismatch (-want +got):\n%s", diff)
	}
}

func TestForecastByPeriodQuarterTimeZone(t *testing.T) {
	f := mustFunnel(t, "A")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	// Expected close 23:30 on 31 March in New York is 03:30 UTC on 1
	// April: in Q1 in New York, in Q2 in UTC.
	closeAt := time.Date(2024, time.March, 31, 23, 30, 0, 0, ny)
	deals := []Deal{{ID: "o", Created: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), Amount: dec("100"), Stage: "A"}}
	cd := func(Deal) (time.Time, bool) { return closeAt, true }
	for _, tt := range []struct {
		loc    *time.Location
		expect []string
	}{{ny, []string{"100", "0"}}, {time.UTC, []string{"0", "100"}}} {
		got, err := ForecastByPeriod(f, slices.Values(deals), ForecastPeriodOptions{
			ForecastOptions: ForecastOptions{AsOf: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Probabilities: map[Stage]decimal.Decimal{"A": dec("1")}},
			Period:          Quarter, Location: tt.loc, Periods: 2, CloseDate: cd,
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range tt.expect {
			if !got.Rows[i].Expected.Equal(dec(w)) {
				t.Errorf("ForecastByPeriod(%v) quarter %d = %v, want %s", tt.loc, i, got.Rows[i].Expected, w)
			}
		}
	}
}

func TestVelocity(t *testing.T) {
	in := func(n, num, den int64, size string, d int64) PipelineVelocityInputs {
		return PipelineVelocityInputs{Opportunities: n, WinRate: Ratio{num, den}, DealSize: dec(size), Cycle: days(d, 1)}
	}
	// 10 x 1/4 x 1000 / 20 days = 125 per day.
	if v, ok := in(10, 1, 4, "1000", 20).Velocity(); !ok || !v.Equal(dec("125")) {
		t.Errorf("Velocity = %v, %v; want 125", v, ok)
	}
	if _, ok := in(10, 0, 0, "1000", 20).Velocity(); ok {
		t.Error("Velocity with undefined win rate is ok")
	}
	if _, ok := in(10, 1, 4, "1000", 0).Velocity(); ok {
		t.Error("Velocity with zero cycle is ok")
	}
	// Expectations from the LMDI formula by hand, logarithms from python3
	// math.log: 125 ln 2 = 86.64339756999316.
	tests := []struct {
		name     string
		from, to PipelineVelocityInputs
		want     PipelineVelocityChange
	}{
		{"volume only", in(10, 1, 4, "1000", 20), in(20, 1, 4, "1000", 20),
			PipelineVelocityChange{From: dec("125"), To: dec("250"), Change: dec("125"), Volume: dec("125")}},
		{"volume against cycle", in(10, 1, 4, "1000", 20), in(20, 1, 4, "1000", 40),
			PipelineVelocityChange{From: dec("125"), To: dec("125"), Volume: dec("86.64339757"), Cycle: dec("-86.64339757")}},
		// V0 = 125, V1 = 20 x 1/2 x 500 / 10 = 500; weight 375 / ln 4, so
		// each doubling or halving moves 375 ln 2 / ln 4 = 187.5.
		{"all four", in(10, 1, 4, "1000", 20), in(20, 1, 2, "500", 10),
			PipelineVelocityChange{From: dec("125"), To: dec("500"), Change: dec("375"), Volume: dec("187.5"), WinRate: dec("187.5"), DealSize: dec("-187.5"), Cycle: dec("187.5")}},
	}
	round := cmp.Transformer("round", func(d decimal.Decimal) string { return d.StringFixed(8) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PipelineVelocityDecompose(tt.from, tt.to)
			if !ok {
				t.Fatal("PipelineVelocityDecompose not ok")
			}
			if diff := cmp.Diff(tt.want, got, round); diff != "" {
				t.Errorf("PipelineVelocityDecompose mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if _, ok := PipelineVelocityDecompose(in(0, 1, 4, "1000", 20), in(20, 1, 4, "1000", 20)); ok {
		t.Error("PipelineVelocityDecompose from zero velocity is ok")
	}
}

func TestVelocityOfReport(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	r, err := Compute(f, slices.Values(handDeals()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	// handDeals: 2 open, 2 won of 4 closed, won 100 and 300 (mean 200),
	// cycles 10 and 3 days (mean 6.5 days): 2 x 1/2 x 200 / 6.5 =
	// 30.7692307692...
	v, ok := PipelineVelocityOf(r).Velocity()
	if !ok || !v.Equal(dec("30.7692307692")) {
		t.Errorf("Velocity(report) = %v, %v", v, ok)
	}
}

func TestQuotaAttainment(t *testing.T) {
	f := mustFunnel(t, "A")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	q1 := time.Date(2024, 1, 1, 0, 0, 0, 0, ny)
	mk := func(id, owner, amt string, o Outcome, closed time.Time, closeDate string) Deal {
		d := Deal{ID: id, Created: time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC), Amount: dec(amt), Outcome: o, Closed: closed, Stage: "A",
			Attrs: Attributes{Owner: owner, Custom: map[string]string{"close": closeDate}}}
		return d
	}
	deals := []Deal{
		mk("a1", "ana", "600", Won, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), ""),
		// won after AsOf: open then, expected in Q2
		mk("a2", "ana", "300", Won, time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC), "2024-04-02T00:00:00Z"),
		// 23:30 on 31 March in New York: Q1 there (03:30 UTC 1 April)
		mk("a3", "ana", "50", Won, time.Date(2024, 3, 31, 23, 30, 0, 0, ny), ""),
		mk("a4", "ana", "800", Open, time.Time{}, "2024-03-20T00:00:00Z"),
		mk("a5", "ana", "70", Lost, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), ""),
		mk("b1", "ben", "600", Won, time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), ""),
		mk("b2", "ben", "100", Open, time.Time{}, ""), // no date: the period of AsOf
	}
	closeDate := func(d Deal) (time.Time, bool) {
		t, err := time.Parse(time.RFC3339, d.Attrs.Custom["close"])
		return t, err == nil
	}
	quotas := []ForecastQuota{{Key: "ana", Start: q1, Quota: dec("1000")}, {Key: "ben", Start: q1, Quota: dec("500")}, {Key: "cy", Start: q1, Quota: dec("0")}}
	got, err := ForecastQuotaAttainment(f, slices.Values(deals), quotas, ForecastQuotaOptions{
		Key: func(d Deal) string { return d.Attrs.Owner }, Period: Quarter, Location: ny,
		AsOf: time.Date(2024, 3, 31, 23, 45, 0, 0, ny), CloseDate: closeDate,
	})
	if err != nil {
		t.Fatal(err)
	}
	// ana: won 600 + 50 = 650 of 1000; remaining 350; pipeline 800,
	// coverage 800/350. ben: 600 of 500, remaining 0, pipeline 100,
	// coverage undefined (100/0). cy: nothing, 0/0 both.
	want := []ForecastQuotaRow{
		{Key: "ana", Start: q1, Quota: dec("1000"), Won: dec("650"), WonDeals: 2, Attainment: MoneyRatio{dec("650"), dec("1000")},
			Remaining: dec("350"), Pipeline: dec("800"), OpenDeals: 1, Coverage: MoneyRatio{dec("800"), dec("350")}},
		{Key: "ben", Start: q1, Quota: dec("500"), Won: dec("600"), WonDeals: 1, Attainment: MoneyRatio{dec("600"), dec("500")},
			Remaining: dec("0"), Pipeline: dec("100"), OpenDeals: 1, Coverage: MoneyRatio{dec("100"), dec("0")}},
		{Key: "cy", Start: q1, Quota: dec("0")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ForecastQuotaAttainment mismatch (-want +got):\n%s", diff)
	}
	if _, err := ForecastQuotaAttainment(f, nil, []ForecastQuota{quotas[0], quotas[0]}, ForecastQuotaOptions{Period: Quarter}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("duplicate quota error = %v", err)
	}
	if _, err := ForecastQuotaAttainment(f, nil, []ForecastQuota{{Quota: dec("-1")}}, ForecastQuotaOptions{}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("negative quota error = %v", err)
	}
}

func TestPipelineChanges(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	from, to := day(10), day(20)
	cd := func(d Deal, at time.Time) (time.Time, bool) {
		// expected close date as known at at: "slip" deals push it by 30
		// days on day 15, "pull" deals bring it forward by 5 days
		base := day(40)
		switch {
		case d.Attrs.Custom["cd"] == "slip" && !at.Before(day(15)):
			return base.AddDate(0, 0, 30), true
		case d.Attrs.Custom["cd"] == "pull" && !at.Before(day(15)):
			return base.AddDate(0, 0, -5), true
		}
		return base, true
	}
	cdAttr := func(s string) Attributes { return Attributes{Custom: map[string]string{"cd": s}} }
	deals := []Deal{
		{ID: "old", Created: day(0), Amount: dec("1"), Outcome: Won, Closed: day(5), History: hist("A", day(0))},        // closed before: left out
		{ID: "new", Created: day(12), Amount: dec("2"), History: hist("A", day(12))},                                    // new
		{ID: "newwon", Created: day(11), Amount: dec("4"), Outcome: Won, Closed: day(19), History: hist("A", day(11))},  // new+won
		{ID: "adv", Created: day(0), Amount: dec("8"), History: hist("A", day(0), "C", day(14)), Attrs: cdAttr("slip")}, // advanced+slipped
		{ID: "back", Created: day(0), Amount: dec("16"), History: hist("A", day(0), "B", day(5), "A", day(15))},         // moved back
		{ID: "lost", Created: day(0), Amount: dec("32"), Outcome: Lost, Closed: day(20), History: hist("A", day(0))},    // lost at to
		{ID: "same", Created: day(0), Amount: dec("64"), History: hist("A", day(0)), Attrs: cdAttr("pull")},             // pulled in
		{ID: "later", Created: day(21), Amount: dec("128"), History: hist("A", day(21))},                                // after to: left out
		{ID: "quiet", Created: day(0), Amount: dec("256"), History: hist("A", day(0), "B", day(9))},                     // unchanged
	}
	got, err := PipelineChanges(f, slices.Values(deals), from, to, cd, Strict)
	if err != nil {
		t.Fatal(err)
	}
	want := PipelineChangeSummary{
		From: from, To: to,
		Rows: []PipelineChangeRow{
			{ID: "new", Change: PipelineNew, To: "A", Amount: dec("2")},
			{ID: "newwon", Change: PipelineNew | PipelineWon, To: "A", Amount: dec("4")},
			{ID: "adv", Change: PipelineAdvanced | PipelineSlipped, From: "A", To: "C", Amount: dec("8")},
			{ID: "back", Change: PipelineMovedBack, From: "B", To: "A", Amount: dec("16")},
			{ID: "lost", Change: PipelineLost, From: "A", To: "A", Amount: dec("32")},
			{ID: "same", Change: PipelinePulledIn, From: "A", To: "A", Amount: dec("64")},
		},
		Counts: []PipelineChangeCount{
			{PipelineNew, 2, dec("6")}, {PipelineAdvanced, 1, dec("8")}, {PipelineMovedBack, 1, dec("16")},
			{PipelineSlipped, 1, dec("8")}, {PipelinePulledIn, 1, dec("64")}, {PipelineWon, 1, dec("4")}, {PipelineLost, 1, dec("32")},
		},
		// open at from: adv, back, lost, same, quiet = 8+16+32+64+256
		// open at to: new, adv, back, same, quiet = 2+8+16+64+256
		OpenFrom: 5, OpenFromAmt: dec("376"), OpenTo: 5, OpenToAmt: dec("346"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PipelineChanges mismatch (-want +got):\n%s", diff)
	}
	if s := (PipelineNew | PipelineWon).String(); s != "new+won" {
		t.Errorf("String = %q", s)
	}
	if _, err := PipelineChanges(f, slices.Values(deals), to, from, nil, Strict); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("PipelineChanges(reversed) error = %v", err)
	}
}

func TestBacktestByHand(t *testing.T) {
	f := mustFunnel(t, "A")
	cut := day(10)
	mk := func(id string, o Outcome, closed int) Deal {
		d := Deal{ID: id, Created: day(0), Amount: dec("100"), Outcome: o, Stage: "A", History: hist("A", day(0))}
		if o != Open {
			d.Closed = day(closed)
		}
		return d
	}
	// By day 10: 1 won, 3 lost -> p(A) = 1/4. Open at day 10: o1 won on
	// day 15, o2 lost on day 12, o3 still open, o4 won on day 50.
	deals := []Deal{mk("c1", Won, 5), mk("c2", Lost, 5), mk("c3", Lost, 6), mk("c4", Lost, 7),
		mk("o1", Won, 15), mk("o2", Lost, 12), mk("o3", Open, 0), mk("o4", Won, 50)}
	// Final outcomes: o1 1, o2 0, o4 1 (o3 unresolved): Brier =
	// ((0.75)^2 + (0.25)^2 + (0.75)^2) / 3 = 1.1875/3; predicted 75,
	// actual 200.
	got, err := Backtest(f, slices.Values(deals), BacktestOptions{Cutoffs: []time.Time{cut}, Buckets: 4})
	if err != nil {
		t.Fatal(err)
	}
	want := BacktestCutoff{At: cut, Rates: []ForecastStageRate{{Stage: "A", Won: Ratio{1, 4}}}, Realized: []Ratio{{2, 3}},
		Scored: 3, Unresolved: 1, Predicted: dec("75"), Actual: dec("200"), Error: dec("125"), Brier: 1.1875 / 3, BrierOK: true}
	ignoreBounds := cmpopts.IgnoreFields(ForecastStageRate{}, "Lo", "Hi")
	if diff := cmp.Diff(want, got.Cutoffs[0], approx, ignoreBounds); diff != "" {
		t.Errorf("Backtest mismatch (-want +got):\n%s", diff)
	}
	// Bucket [0.25, 0.5) holds the three deals, 2 won: Wilson 2/3.
	lo, hi, _ := Ratio{2, 3}.Wilson(0.95)
	wantB := BacktestBucket{Lo: 0.25, Hi: 0.5, MeanPredicted: 0.25, Observed: Ratio{2, 3}, ObservedLo: lo, ObservedHi: hi}
	if diff := cmp.Diff(wantB, got.Calibration[1], approx); diff != "" {
		t.Errorf("Backtest bucket mismatch (-want +got):\n%s", diff)
	}
	// Horizon 30 days (to day 40): o4 (day 50) and o3 count as not won:
	// ((0.75)^2 + 3 (0.25)^2) / 4 = 0.75/4.
	got, err = Backtest(f, slices.Values(deals), BacktestOptions{Cutoffs: []time.Time{cut}, Horizon: 30 * 24 * time.Hour, End: day(60)})
	if err != nil || got.Brier != 0.75/4 || got.Cutoffs[0].Scored != 4 {
		t.Errorf("Backtest(horizon) = Brier %v, scored %d, %v; want 0.1875, 4", got.Brier, got.Cutoffs[0].Scored, err)
	}
	for name, o := range map[string]BacktestOptions{
		"no cutoffs":          {},
		"horizon past end":    {Cutoffs: []time.Time{cut}, Horizon: 60 * 24 * time.Hour, End: day(60)},
		"horizon without end": {Cutoffs: []time.Time{cut}, Horizon: time.Hour},
		"confidence":          {Cutoffs: []time.Time{cut}, Confidence: 2},
	} {
		if _, err := Backtest(f, slices.Values(deals), o); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("Backtest(%s) error = %v, want ErrInvalidParam", name, err)
		}
	}
}

// markovDeals generates deals that move through the stages of a funnel as
// a Markov chain: in stage k a deal waits an exponential time (mean 10
// days, the same whatever comes next), then goes on with probability
// step[k] (the last step is the win) and is lost otherwise. So the true
// probability of winning from stage k is the product of step[k:], whatever
// the deal's age, and for deals open at any date as well.
func markovDeals(n int, seed uint64, stages []Stage, step []float64, start time.Time, span time.Duration) []Deal {
	r := rand.New(rand.NewPCG(seed, seed+1))
	deals := make([]Deal, n)
	for i := range deals {
		at := start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Second)
		d := Deal{ID: "m" + strconv.Itoa(i), Created: at, Amount: decimal.NewFromInt(100)}
		for k := range stages {
			d.History = append(d.History, StageChange{Stage: stages[k], At: at})
			at = at.Add(time.Duration(r.ExpFloat64() * 10 * 24 * float64(time.Hour))).Truncate(time.Second).Add(time.Second)
			if r.Float64() >= step[k] {
				d.Outcome = Lost
				break
			}
			if k == len(stages)-1 {
				d.Outcome = Won
			}
		}
		d.Closed = at
		d.Stage = d.History[len(d.History)-1].Stage
		deals[i] = d
	}
	return deals
}

func TestBacktestRecoversTrueProbabilities(t *testing.T) {
	stages := []Stage{"Lead", "Qualified", "Proposal", "Negotiation"}
	f := mustFunnel(t, stages...)
	step := []float64{0.5, 0.6, 0.7, 0.8}
	truth := make([]float64, len(step)) // product of step[k:]
	for k := range step {
		truth[k] = 1
		for _, s := range step[k:] {
			truth[k] *= s
		}
	}
	start := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	deals := markovDeals(4000, 7, stages, step, start, 3*365*24*time.Hour)
	cutoffs := []time.Time{start.AddDate(1, 0, 0), start.AddDate(2, 0, 0), start.AddDate(3, 0, 0)}
	res, err := Backtest(f, slices.Values(deals), BacktestOptions{Cutoffs: cutoffs, Confidence: 0.99})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cutoffs {
		for k, r := range c.Rates {
			if truth[k] < r.Lo || truth[k] > r.Hi {
				t.Errorf("cutoff %v stage %s: learned %v, interval [%.4f, %.4f] misses the true %.4f", c.At.Format(time.DateOnly), r.Stage, r.Won, r.Lo, r.Hi, truth[k])
			}
			if lo, hi, ok := c.Realized[k].Wilson(0.99); ok && (truth[k] < lo || truth[k] > hi) {
				t.Errorf("cutoff %v stage %s: realized %v [%.4f, %.4f] misses the true %.4f", c.At.Format(time.DateOnly), r.Stage, c.Realized[k], lo, hi, truth[k])
			}
		}
		if c.Unresolved != 0 {
			t.Errorf("cutoff %v: %d unresolved, want 0", c.At, c.Unresolved)
		}
	}
	// Calibration: in every populated bucket the mean prediction lies in
	// the observed rate's interval.
	for _, b := range res.Calibration {
		if b.Observed.Den > 0 && (b.MeanPredicted < b.ObservedLo || b.MeanPredicted > b.ObservedHi) {
			t.Errorf("bucket [%v, %v): predicted %.4f outside observed %v [%.4f, %.4f]", b.Lo, b.Hi, b.MeanPredicted, b.Observed, b.ObservedLo, b.ObservedHi)
		}
	}
	// The Brier score of the true probabilities, computed by brute force
	// over the deals open at each cutoff (every deal is resolved by the
	// end), is close to the learned one.
	var sq float64
	var n int
	for _, c := range cutoffs {
		for _, d := range deals {
			s, ok := PipelineSnapshot(d, c)
			if !ok || s.Outcome != Open {
				continue
			}
			k := slices.Index(stages, s.History[len(s.History)-1].Stage)
			y := 0.0
			if d.Outcome == Won {
				y = 1
			}
			sq += (truth[k] - y) * (truth[k] - y)
			n++
		}
	}
	trueBrier := sq / float64(n)
	if !res.BrierOK || math.Abs(res.Brier-trueBrier) > 0.01 {
		t.Errorf("Brier = %v (ok %v), with the true probabilities %v", res.Brier, res.BrierOK, trueBrier)
	}
}

// TestForecastBruteForce checks the weighted pipeline against a per-deal
// exact rational sum with rates counted by a separate loop, and the
// forecast with a separately learned model against the one-pass forecast.
func TestForecastBruteForce(t *testing.T) {
	stages := []Stage{"Lead", "Qualified", "Proposal", "Negotiation"}
	f := mustFunnel(t, stages...)
	deals := markovDeals(2000, 5, stages, []float64{0.5, 0.6, 0.7, 0.8}, t0, 300*24*time.Hour)
	for i := range deals { // varied amounts with cents
		deals[i].Amount = decimal.New(int64(10000+i*37%90000), -2)
	}
	asOf := t0.AddDate(0, 8, 0)
	got, err := Forecast(f, slices.Values(deals), ForecastOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	// rates: closed by asOf, every stage in the history counts once
	won, closed := map[Stage]int64{}, map[Stage]int64{}
	for _, d := range deals {
		if d.Outcome == Open || d.Closed.After(asOf) || d.Created.After(asOf) {
			continue
		}
		seen := map[Stage]bool{}
		for _, c := range d.History {
			if !seen[c.Stage] {
				seen[c.Stage] = true
				closed[c.Stage]++
				if d.Outcome == Won {
					won[c.Stage]++
				}
			}
		}
	}
	sum := new(big.Rat)
	for _, d := range deals {
		if d.Created.After(asOf) || (d.Outcome != Open && !d.Closed.After(asOf)) {
			continue
		}
		var cur Stage
		for _, c := range d.History {
			if !c.At.After(asOf) {
				cur = c.Stage
			}
		}
		if closed[cur] == 0 {
			t.Fatalf("stage %s has no closed deals", cur)
		}
		term := new(big.Rat).Mul(d.Amount.Rat(), big.NewRat(won[cur], closed[cur]))
		sum.Add(sum, term)
	}
	want := decimal.NewFromBigRat(sum, 12)
	if got.Weighted.Sub(want).Abs().GreaterThan(dec("0.000000001")) {
		t.Errorf("Forecast weighted = %v, brute force %v", got.Weighted, want)
	}
	for k, s := range stages {
		if r := got.Model.Stages[k].Won; r != (Ratio{won[s], closed[s]}) {
			t.Errorf("stage %s rate %v, brute force %d/%d", s, r, won[s], closed[s])
		}
	}
	m, err := ForecastLearn(f, slices.Values(deals), ForecastLearnOptions{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	again, err := Forecast(f, slices.Values(deals), ForecastOptions{AsOf: asOf, Model: m})
	if err != nil {
		t.Fatal(err)
	}
	got.Model, again.Model = nil, nil
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("Forecast with a learned model differs from the one-pass forecast (-one-pass +model):\n%s", diff)
	}
}
