package funnel_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/internal/maven"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var segDay0 = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

func segDays(n int) time.Time { return segDay0.AddDate(0, 0, n) }

// segDeal returns a deal of the two-stage funnel segFunnel, created on day
// created; closed is its close day for a won or lost deal.
func segDeal(id, source string, o funnel.Outcome, amount string, created, closed int) funnel.Deal {
	d := funnel.Deal{ID: id, Created: segDays(created), Amount: decimal.RequireFromString(amount), Currency: "USD",
		Outcome: o, Stage: "Lead", Attrs: funnel.Attributes{Source: source}}
	if o != funnel.Open {
		d.Closed = segDays(closed)
	}
	return d
}

func segFunnel(t testing.TB) *funnel.Funnel {
	t.Helper()
	f, err := funnel.New("Lead", "Demo")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// segSummary is the part of a row that the hand-worked tests check.
type segSummary struct {
	Label                   string
	Deals, Open, Won, Lost  int64
	Skipped                 int64
	WinRate, WinRateCreated funnel.Ratio
	WonTotal                decimal.Decimal
	MedianCycle             time.Duration
	Folded                  int
}

func summarize(label string, r *funnel.Report, folded int) segSummary {
	return segSummary{Label: label, Deals: r.Deals, Open: r.Open, Won: r.Won, Lost: r.Lost, Skipped: r.Skipped.Count,
		WinRate: r.WinRate, WinRateCreated: r.WinRateCreated, WonTotal: r.DealSize.Total, MedianCycle: r.CycleWon.Median, Folded: folded}
}

func summarizeRows(r funnel.SegmentReport) []segSummary {
	var out []segSummary
	for i := range r.Rows {
		out = append(out, summarize(r.Rows[i].Label(), &r.Rows[i].Report, r.Rows[i].Folded))
	}
	return append(out, summarize("total", &r.Total, 0))
}

// TestSegmentBySource checks a breakdown by source against counts worked
// out by hand from the six deals listed.
func TestSegmentBySource(t *testing.T) {
	f := segFunnel(t)
	bad := segDeal("d6", "web", funnel.Won, "10", 0, 1)
	bad.Currency = "EUR" // invalid: the options want USD
	deals := []funnel.Deal{
		segDeal("d1", "web", funnel.Won, "100", 0, 10),
		segDeal("d2", "web", funnel.Lost, "50", 1, 5),
		segDeal("d3", "web", funnel.Open, "70", 2, 0),
		segDeal("d4", "referral", funnel.Won, "300", 3, 33),
		segDeal("d5", "", funnel.Lost, "20", 4, 6),
		bad,
	}
	day := 24 * time.Hour
	// web: 3 valid deals (won d1, lost d2, open d3) and d6 skipped; the
	// referral deal won after 30 days; the unknown source lost. Rows by
	// deals (valid and skipped) most first; referral and unknown tie at 1
	// and unknown sorts last. Total median cycle: (10 + 30) / 2 days.
	want := []segSummary{
		{Label: "web", Deals: 3, Open: 1, Won: 1, Lost: 1, Skipped: 1, WinRate: funnel.Ratio{Num: 1, Den: 2},
			WinRateCreated: funnel.Ratio{Num: 1, Den: 3}, WonTotal: decimal.NewFromInt(100), MedianCycle: 10 * day},
		{Label: "referral", Deals: 1, Won: 1, WinRate: funnel.Ratio{Num: 1, Den: 1}, WinRateCreated: funnel.Ratio{Num: 1, Den: 1},
			WonTotal: decimal.NewFromInt(300), MedianCycle: 30 * day},
		{Label: "(unknown)", Deals: 1, Lost: 1, WinRate: funnel.Ratio{Num: 0, Den: 1}, WinRateCreated: funnel.Ratio{Num: 0, Den: 1}},
		{Label: "total", Deals: 5, Open: 1, Won: 2, Lost: 2, Skipped: 1, WinRate: funnel.Ratio{Num: 2, Den: 4},
			WinRateCreated: funnel.Ratio{Num: 2, Den: 5}, WonTotal: decimal.NewFromInt(400), MedianCycle: 20 * day},
	}
	opts := funnel.Options{Mode: funnel.Lenient, Currency: "USD"}
	got, err := funnel.ComputeSegments(f, slices.Values(deals), opts, funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, summarizeRows(got)); diff != "" {
		t.Errorf("ComputeSegments by source mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"source"}, got.Dims); diff != "" {
		t.Errorf("Dims mismatch (-want +got):\n%s", diff)
	}

	// strict mode stops at the invalid deal
	opts.Mode = funnel.Strict
	_, err = funnel.ComputeSegments(f, slices.Values(deals), opts, funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}})
	var de *funnel.DealError
	if !errors.Is(err, funnel.ErrCurrencyMismatch) || !errors.As(err, &de) || de.ID != "d6" {
		t.Errorf("strict ComputeSegments error = %v, want a currency mismatch of d6", err)
	}
}

// TestSegmentEmpty checks that no deals give no rows and an empty total.
func TestSegmentEmpty(t *testing.T) {
	got, err := funnel.ComputeSegments(segFunnel(t), slices.Values([]funnel.Deal(nil)), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}, TopK: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := []segSummary{{Label: "total"}}
	if diff := cmp.Diff(want, summarizeRows(got)); diff != "" {
		t.Errorf("empty segmentation mismatch (-want +got):\n%s", diff)
	}
	ranks, err := got.Rank(funnel.SegmentWinRate, 0.95)
	if err != nil || len(ranks) != 0 {
		t.Errorf("Rank of no rows = %v, %v; want none", ranks, err)
	}
}

// TestSegmentTopK folds the smaller segments into "other". Sources by
// count: a 4, b 3, c 2, d 2, e 1 and one unknown; the expectations follow
// from these counts.
func TestSegmentTopK(t *testing.T) {
	f := segFunnel(t)
	var deals []funnel.Deal
	for _, c := range []struct {
		src string
		n   int
	}{{"c", 2}, {"a", 4}, {"e", 1}, {"", 1}, {"b", 3}, {"d", 2}} {
		for range c.n {
			deals = append(deals, segDeal(strconv.Itoa(len(deals)), c.src, funnel.Open, "1", 0, 0))
		}
	}
	row := func(label string, n int64, folded int) segSummary {
		return segSummary{Label: label, Deals: n, Open: n, WinRateCreated: funnel.Ratio{Num: 0, Den: n}, Folded: folded}
	}
	total := row("total", 13, 0)
	tests := []struct {
		name string
		seg  funnel.SegmentOptions
		want []segSummary
	}{
		{"all", funnel.SegmentOptions{}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("d", 2, 0), row("e", 1, 0), row("(unknown)", 1, 0), total}},
		{"top 2", funnel.SegmentOptions{TopK: 2}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("(unknown)", 1, 0), row("(other)", 5, 3), total}},
		{"top 4: the tie c, d is broken by key", funnel.SegmentOptions{TopK: 3}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("(unknown)", 1, 0), row("(other)", 3, 2), total}},
		{"top 5: nothing to fold", funnel.SegmentOptions{TopK: 5}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("d", 2, 0), row("e", 1, 0), row("(unknown)", 1, 0), total}},
		{"top 2 by key", funnel.SegmentOptions{TopK: 2, ByKey: true}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("(unknown)", 1, 0), row("(other)", 5, 3), total}},
		{"by key", funnel.SegmentOptions{ByKey: true}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("d", 2, 0), row("e", 1, 0), row("(unknown)", 1, 0), total}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.seg.Dims = []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}
			got, err := funnel.ComputeSegments(f, slices.Values(deals), funnel.Options{Currency: "USD"}, tt.seg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, summarizeRows(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSegmentBandsAndPeriods checks amount bands (a band holds its lower
// edge), creation periods in a time zone, an undated deal and a
// two-dimensional key ordered by key.
func TestSegmentBandsAndPeriods(t *testing.T) {
	f := segFunnel(t)
	bands, err := funnel.SegmentByAmount(decimal.NewFromInt(100), decimal.NewFromInt(1000))
	if err != nil {
		t.Fatal(err)
	}
	plus2 := time.FixedZone("UTC+2", 2*3600)
	quarter, err := funnel.SegmentByCreated(funnel.Quarter, plus2)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id, amount string, created time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Amount: decimal.RequireFromString(amount), Created: created, Stage: "Lead"}
	}
	deals := []funnel.Deal{
		mk("1", "50", time.Date(2024, 3, 31, 23, 0, 0, 0, time.UTC)),   // 1 April 01:00 in UTC+2: Q2
		mk("2", "100", time.Date(2024, 3, 31, 21, 59, 0, 0, time.UTC)), // 23:59 in UTC+2: Q1
		mk("3", "999.99", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		mk("4", "1000", time.Date(2023, 12, 31, 21, 0, 0, 0, time.UTC)), // 2023-12-31 23:00 local: 2023-Q4
		mk("5", "123456789012345678901234567890", time.Time{}),          // undated, huge
		mk("6", "0", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)),
	}
	got, err := funnel.ComputeSegments(f, slices.Values(deals), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{bands, quarter}, ByKey: true})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	var counts []int64
	for _, r := range got.Rows {
		labels = append(labels, r.Label())
		counts = append(counts, r.Report.Deals)
	}
	// bands in band order, then quarters in time order, unknown last
	wantLabels := []string{"< 100 x 2024-Q2", "100 to < 1000 x 2024-Q1", ">= 1000 x 2023-Q4", ">= 1000 x (unknown)"}
	wantCounts := []int64{2, 2, 1, 1}
	if diff := cmp.Diff(wantLabels, labels); diff != "" {
		t.Errorf("labels mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("counts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"amount", "created quarter"}, got.Dims); diff != "" {
		t.Errorf("dims mismatch (-want +got):\n%s", diff)
	}
}

// TestSegmentDimErrors checks the rejected dimensions and options.
func TestSegmentDimErrors(t *testing.T) {
	one := decimal.NewFromInt(1)
	if _, err := funnel.SegmentByAmount(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("SegmentByAmount() error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.SegmentByAmount(one, one); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("SegmentByAmount(1, 1) error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.SegmentByAmount(one, decimal.Zero); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("SegmentByAmount(1, 0) error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.SegmentByCreated(funnel.Period(9), nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("SegmentByCreated(9) error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.SegmentByAttrAt("owner", funnel.SegmentValueAt(7), nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("SegmentByAttrAt(7) error = %v, want ErrInvalidParam", err)
	}
	f := segFunnel(t)
	src := funnel.SegmentByAttr(funnel.AttrSource)
	nine := make([]funnel.SegmentDim, funnel.SegmentMaxDims+1)
	for i := range nine {
		nine[i] = src
	}
	for _, tt := range []struct {
		name string
		f    *funnel.Funnel
		opts funnel.Options
		seg  funnel.SegmentOptions
	}{
		{"no dims", f, funnel.Options{}, funnel.SegmentOptions{}},
		{"too many dims", f, funnel.Options{}, funnel.SegmentOptions{Dims: nine}},
		{"nil Value", f, funnel.Options{}, funnel.SegmentOptions{Dims: []funnel.SegmentDim{{Name: "x"}}}},
		{"negative TopK", f, funnel.Options{}, funnel.SegmentOptions{Dims: []funnel.SegmentDim{src}, TopK: -1}},
		{"nil funnel", nil, funnel.Options{}, funnel.SegmentOptions{Dims: []funnel.SegmentDim{src}}},
		{"bad options", f, funnel.Options{Window: time.Hour}, funnel.SegmentOptions{Dims: []funnel.SegmentDim{src}}},
	} {
		if _, err := funnel.NewSegmentTally(tt.f, tt.opts, tt.seg); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("NewSegmentTally(%s) error = %v, want ErrInvalidParam", tt.name, err)
		}
	}
}

// TestSegmentAttrHistory checks the value of an attribute at creation, at
// close and now, worked out by hand from the change log: deal "x" was
// created on day 0 with owner ana, moved to ben on day 5 and to cy on day
// 20, and closed on day 10 (deal "open" has the same log and is open).
func TestSegmentAttrHistory(t *testing.T) {
	changes := []funnel.SegmentAttrChange{
		{DealID: "x", Key: "owner", From: "ben", To: "cy", At: segDays(20)}, // out of order on purpose
		{DealID: "x", Key: "owner", From: "ana", To: "ben", At: segDays(5)},
		{DealID: "open", Key: "owner", From: "ana", To: "ben", At: segDays(5)},
		{DealID: "late", Key: "owner", From: "ana", To: "ben", At: segDays(50)},
		{DealID: "at0", Key: "owner", From: "ana", To: "ben", At: segDays(0)},
		{DealID: "tie", Key: "owner", From: "ana", To: "ben", At: segDays(3)},
		{DealID: "tie", Key: "owner", From: "ben", To: "cy", At: segDays(3)},
		{DealID: "x", Key: "region", From: "EU", To: "US", At: segDays(1)},
	}
	h, err := funnel.NewSegmentAttrHistory(slices.Values(changes))
	if err != nil {
		t.Fatal(err)
	}
	closed := func(id string) *funnel.Deal {
		return &funnel.Deal{ID: id, Created: segDays(0), Closed: segDays(10), Outcome: funnel.Won,
			Attrs: funnel.Attributes{Owner: "cy", Region: "US"}}
	}
	open := &funnel.Deal{ID: "open", Created: segDays(0), Attrs: funnel.Attributes{Owner: "ben"}}
	undated := closed("x")
	undated.Created = time.Time{}
	tests := []struct {
		name string
		h    *funnel.SegmentAttrHistory
		d    *funnel.Deal
		key  string
		at   funnel.SegmentValueAt
		want string
	}{
		{"current", h, closed("x"), "owner", funnel.SegmentAtCurrent, "cy"},
		{"at creation: before the first change, its From", h, closed("x"), "owner", funnel.SegmentAtCreation, "ana"},
		{"at close: the last change before day 10", h, closed("x"), "owner", funnel.SegmentAtClose, "ben"},
		{"other key", h, closed("x"), "region", funnel.SegmentAtCreation, "EU"},
		{"other key at close", h, closed("x"), "region", funnel.SegmentAtClose, "US"},
		{"open deal at close: current", h, open, "owner", funnel.SegmentAtClose, "ben"},
		{"open deal at creation", h, open, "owner", funnel.SegmentAtCreation, "ana"},
		{"no changes: current", h, closed("nochange"), "owner", funnel.SegmentAtCreation, "cy"},
		{"change after close", h, closed("late"), "owner", funnel.SegmentAtClose, "ana"},
		{"change at the creation instant counts", h, closed("at0"), "owner", funnel.SegmentAtCreation, "ben"},
		{"two changes at one time: the later in input order", h, closed("tie"), "owner", funnel.SegmentAtClose, "cy"},
		{"unknown creation time with changes", h, undated, "owner", funnel.SegmentAtCreation, ""},
		{"nil history", nil, closed("x"), "owner", funnel.SegmentAtCreation, "cy"},
	}
	for _, tt := range tests {
		if got := tt.h.Value(tt.d, tt.key, tt.at); got != tt.want {
			t.Errorf("%s: Value(%s, %s, %s) = %q, want %q", tt.name, tt.d.ID, tt.key, tt.at, got, tt.want)
		}
	}

	// the same choices through a segmentation: by owner at creation, x is
	// ana's; at close, ben's
	f := segFunnel(t)
	for _, c := range []struct {
		at   funnel.SegmentValueAt
		want string
	}{{funnel.SegmentAtCreation, "ana"}, {funnel.SegmentAtClose, "ben"}, {funnel.SegmentAtCurrent, "cy"}} {
		dim, err := funnel.SegmentByAttrAt("owner", c.at, h)
		if err != nil {
			t.Fatal(err)
		}
		d := *closed("x")
		d.Stage = "Lead"
		r, err := funnel.ComputeSegments(f, slices.Values([]funnel.Deal{d}), funnel.Options{}, funnel.SegmentOptions{Dims: []funnel.SegmentDim{dim}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Rows) != 1 || r.Rows[0].Label() != c.want {
			t.Errorf("segment by owner %s = %v, want %s", c.at, r.Rows, c.want)
		}
	}
}

func TestSegmentAttrHistoryErrors(t *testing.T) {
	for i, c := range []funnel.SegmentAttrChange{
		{Key: "owner", At: segDay0},
		{DealID: "x", At: segDay0},
		{DealID: "x", Key: "owner"},
	} {
		changes := []funnel.SegmentAttrChange{{DealID: "ok", Key: "owner", At: segDay0}, c}
		_, err := funnel.NewSegmentAttrHistory(slices.Values(changes))
		var de *funnel.DealError
		if !errors.Is(err, funnel.ErrSegmentHistory) || !errors.As(err, &de) || de.Field != "Change[1]" || de.ID != c.DealID {
			t.Errorf("case %d: NewSegmentAttrHistory error = %v, want ErrSegmentHistory at Change[1]", i, err)
		}
	}
}

// TestSegmentCompare checks comparisons against a separate Python
// computation (python3, standard library only): the Wilson and Newcombe
// intervals from their formulas with statistics.NormalDist for z, the
// z-test with math.erfc, and Fisher's test with exact integer binomial
// coefficients (math.comb) summed over every table with the observed
// margins.
func TestSegmentCompare(t *testing.T) {
	r := func(n, d int64) funnel.Ratio { return funnel.Ratio{Num: n, Den: d} }
	tests := []struct {
		name string
		a, b funnel.Ratio
		opts funnel.SegmentTestOptions
		want funnel.SegmentComparison
	}{
		{"z-test, higher", r(45, 100), r(30, 100), funnel.SegmentTestOptions{}, funnel.SegmentComparison{
			Defined: true, Diff: 0.15, Lo: 0.015852195068122715, Hi: 0.2768308539196248, Method: funnel.SegmentZTest,
			Z: 2.1908902300206647, PValue: 0.02845973691631057, Verdict: funnel.SegmentHigher}},
		{"same counts, Fisher forced", r(45, 100), r(30, 100), funnel.SegmentTestOptions{Method: funnel.SegmentFisher}, funnel.SegmentComparison{
			Defined: true, Diff: 0.15, Lo: 0.015852195068122715, Hi: 0.2768308539196248, Method: funnel.SegmentFisher,
			PValue: 0.04053400651498261, Verdict: funnel.SegmentHigher}},
		{"same counts at 99%: no difference", r(45, 100), r(30, 100), funnel.SegmentTestOptions{Confidence: 0.99, Method: funnel.SegmentZTest}, funnel.SegmentComparison{
			Defined: true, Diff: 0.15, Lo: -0.025739590941979446, Hi: 0.3134186825674924, Method: funnel.SegmentZTest,
			Z: 2.1908902300206647, PValue: 0.02845973691631057, Verdict: funnel.SegmentNoDifference}},
		{"expected count 2.5: Fisher, p above 5%", r(0, 40), r(5, 40), funnel.SegmentTestOptions{}, funnel.SegmentComparison{
			Defined: true, Diff: -0.125, Lo: -0.26112119838851094, Hi: -0.012597114503140439, Method: funnel.SegmentFisher,
			PValue: 0.05474272562880158, Verdict: funnel.SegmentNoDifference}},
		{"all won on both sides", r(50, 50), r(50, 50), funnel.SegmentTestOptions{}, funnel.SegmentComparison{
			Defined: true, Lo: -0.07134759913335864, Hi: 0.07134759913335864, Method: funnel.SegmentFisher,
			PValue: 1, Verdict: funnel.SegmentNoDifference}},
		{"all won, z-test: p = 1", r(50, 50), r(50, 50), funnel.SegmentTestOptions{Method: funnel.SegmentZTest}, funnel.SegmentComparison{
			Defined: true, Lo: -0.07134759913335864, Hi: 0.07134759913335864, Method: funnel.SegmentZTest,
			PValue: 1, Verdict: funnel.SegmentNoDifference}},
		{"under the minimum sample: withheld", r(5, 20), r(50, 100), funnel.SegmentTestOptions{}, funnel.SegmentComparison{
			Defined: true, Diff: -0.25, Lo: -0.4183168562257842, Hi: -0.011089036620427928, Method: funnel.SegmentZTest,
			Z: -2.0483662259967566, PValue: 0.040524128286505104, Verdict: funnel.SegmentWithheld}},
		{"minimum sample lowered: lower", r(5, 20), r(50, 100), funnel.SegmentTestOptions{MinSample: 20}, funnel.SegmentComparison{
			Defined: true, Diff: -0.25, Lo: -0.4183168562257842, Hi: -0.011089036620427928, Method: funnel.SegmentZTest,
			Z: -2.0483662259967566, PValue: 0.040524128286505104, Verdict: funnel.SegmentLower}},
		{"expected count exactly 5: z-test", r(3, 10), r(8, 12), funnel.SegmentTestOptions{MinSample: 1}, funnel.SegmentComparison{
			Defined: true, Diff: -0.36666666666666664, Lo: -0.640623610057333, Hi: 0.0433871112533632, Method: funnel.SegmentZTest,
			Z: -1.7126976771553504, PValue: 0.08676817270387571, Verdict: funnel.SegmentNoDifference}},
		{"tiny Fisher", r(1, 3), r(0, 3), funnel.SegmentTestOptions{MinSample: 1}, funnel.SegmentComparison{
			Defined: true, Diff: 1.0 / 3, Lo: -0.29050691643637844, Hi: 0.7923403991979523, Method: funnel.SegmentFisher,
			PValue: 1, Verdict: funnel.SegmentNoDifference}},
		{"a million each", r(500000, 1000000), r(499000, 1000000), funnel.SegmentTestOptions{}, funnel.SegmentComparison{
			Defined: true, Diff: 0.001, Lo: -0.0003859024928257234, Hi: 0.002385897060208763, Method: funnel.SegmentZTest,
			Z: 1.4142142694804078, PValue: 0.1572989994964842, Verdict: funnel.SegmentNoDifference}},
		{"empty side: undefined", r(0, 0), r(3, 10), funnel.SegmentTestOptions{}, funnel.SegmentComparison{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := funnel.SegmentCompare(tt.a, tt.b, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.A, tt.want.B = tt.a, tt.b
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("SegmentCompare(%v, %v) mismatch (-want +got):\n%s", tt.a, tt.b, diff)
			}
			// tighter check on the p-value
			if math.Abs(got.PValue-tt.want.PValue) > 1e-9*max(1, tt.want.PValue) {
				t.Errorf("PValue = %.15g, want %.15g", got.PValue, tt.want.PValue)
			}
		})
	}
}

func TestSegmentCompareErrors(t *testing.T) {
	ok := funnel.Ratio{Num: 1, Den: 2}
	for _, tt := range []struct {
		name string
		a, b funnel.Ratio
		opts funnel.SegmentTestOptions
	}{
		{"num above den", funnel.Ratio{Num: 3, Den: 2}, ok, funnel.SegmentTestOptions{}},
		{"negative", ok, funnel.Ratio{Num: -1, Den: 2}, funnel.SegmentTestOptions{}},
		{"confidence 1", ok, ok, funnel.SegmentTestOptions{Confidence: 1}},
		{"confidence NaN", ok, ok, funnel.SegmentTestOptions{Confidence: math.NaN()}},
		{"negative minimum", ok, ok, funnel.SegmentTestOptions{MinSample: -1}},
		{"bad method", ok, ok, funnel.SegmentTestOptions{Method: 9}},
	} {
		if _, err := funnel.SegmentCompare(tt.a, tt.b, tt.opts); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("SegmentCompare(%s) error = %v, want ErrInvalidParam", tt.name, err)
		}
	}
}

// rateDeals returns won and lost deals of one source: won of closed.
func rateDeals(src string, won, closed int) []funnel.Deal {
	var out []funnel.Deal
	for i := range closed {
		o := funnel.Lost
		if i < won {
			o = funnel.Won
		}
		out = append(out, segDeal(src+strconv.Itoa(i), src, o, "10", 0, 1))
	}
	return out
}

// TestSegmentRankAndCompare ranks sources by win rate: a 3/4, b 6/8, c 1/2
// and d with open deals only (0/0). a and b tie at 75% and share rank 1, b
// first for its higher Wilson lower bound; the Wilson bounds come from the
// same Python computation as TestSegmentCompare.
func TestSegmentRankAndCompare(t *testing.T) {
	deals := slices.Concat(rateDeals("a", 3, 4), rateDeals("b", 6, 8), rateDeals("c", 1, 2), []funnel.Deal{segDeal("d0", "d", funnel.Open, "1", 0, 0)})
	r, err := funnel.ComputeSegments(segFunnel(t), slices.Values(deals), funnel.Options{Currency: "USD"},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}, ByKey: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Rank(funnel.SegmentWinRate, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	want := []funnel.SegmentRank{
		{Row: 1, Label: "b", Rate: funnel.Ratio{Num: 6, Den: 8}, Lo: 0.409275430310169, Hi: 0.9285207872478909, Rank: 1},
		{Row: 0, Label: "a", Rate: funnel.Ratio{Num: 3, Den: 4}, Lo: 0.300641842582402, Hi: 0.9544127391902995, Rank: 1},
		{Row: 2, Label: "c", Rate: funnel.Ratio{Num: 1, Den: 2}, Lo: 0.09453120573423074, Hi: 0.9054687942657692, Rank: 3},
		{Row: 3, Label: "d", Rate: funnel.Ratio{}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("Rank mismatch (-want +got):\n%s", diff)
	}

	// c (1/2) against the rest: a and b and d, 9/12
	c, err := r.CompareRest(2, funnel.SegmentWinRate, funnel.SegmentTestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.A != (funnel.Ratio{Num: 1, Den: 2}) || c.B != (funnel.Ratio{Num: 9, Den: 12}) || c.Verdict != funnel.SegmentWithheld {
		t.Errorf("CompareRest(c) = %+v, want 1/2 against 9/12, withheld", c)
	}
	c, err = r.Compare(0, 2, funnel.SegmentWinRateCreated, funnel.SegmentTestOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.A != (funnel.Ratio{Num: 3, Den: 4}) || c.B != (funnel.Ratio{Num: 1, Den: 2}) {
		t.Errorf("Compare(a, c) = %+v, want 3/4 against 1/2", c)
	}
	// step conversion Lead -> Demo: no deal reached Demo
	c, err = r.CompareRest(0, funnel.SegmentStep(1), funnel.SegmentTestOptions{})
	if err != nil || c.A != (funnel.Ratio{Num: 0, Den: 4}) || c.B != (funnel.Ratio{Num: 0, Den: 11}) {
		t.Errorf("CompareRest(a, step 1) = %+v, %v; want 0/4 against 0/11", c, err)
	}
	for _, bad := range []func() error{
		func() error {
			_, err := r.CompareRest(4, funnel.SegmentWinRate, funnel.SegmentTestOptions{})
			return err
		},
		func() error {
			_, err := r.CompareRest(-1, funnel.SegmentWinRate, funnel.SegmentTestOptions{})
			return err
		},
		func() error { _, err := r.CompareRest(0, nil, funnel.SegmentTestOptions{}); return err },
		func() error {
			_, err := r.Compare(1, 1, funnel.SegmentWinRate, funnel.SegmentTestOptions{})
			return err
		},
		func() error {
			_, err := r.Compare(1, 9, funnel.SegmentWinRate, funnel.SegmentTestOptions{})
			return err
		},
		func() error { _, err := r.Rank(nil, 0.95); return err },
		func() error { _, err := r.Rank(funnel.SegmentWinRate, 0); return err },
	} {
		if err := bad(); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("bad call error = %v, want ErrInvalidParam", err)
		}
	}
	if got := funnel.SegmentStep(0)(&r.Total); got.Defined() {
		t.Errorf("SegmentStep(0) = %v, want undefined", got)
	}
}

// segTestDims are the dimensions of the property tests: source x region x
// amount band.
func segTestDims(t testing.TB) []funnel.SegmentDim {
	t.Helper()
	bands, err := funnel.SegmentByAmount(decimal.NewFromInt(10_000), decimal.NewFromInt(100_000))
	if err != nil {
		t.Fatal(err)
	}
	return []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource), funnel.SegmentByAttr(funnel.AttrRegion), bands}
}

func segTallyOf(t *testing.T, f *funnel.Funnel, opts funnel.Options, seg funnel.SegmentOptions, deals []funnel.Deal) *funnel.SegmentTally {
	t.Helper()
	s, err := funnel.NewSegmentTally(f, opts, seg)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deals {
		_ = s.Add(d) // invalid deals are counted as skipped
	}
	return s
}

// TestSegmentsAddUp checks, over generated deals with invalid ones mixed
// in, that the rows add up to the total, that the total equals the
// unsegmented report, and that each row equals the unsegmented report of
// the deals filtered to its key (an independent route to each segment).
func TestSegmentsAddUp(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(400, 11)
	for _, opts := range mergeOpts {
		whole, err := funnel.Compute(f, slices.Values(deals), opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, topK := range []int{0, 1, 5} {
			dims := segTestDims(t)
			r := segTallyOf(t, f, opts, funnel.SegmentOptions{Dims: dims, TopK: topK}, deals).Report()
			if diff := cmp.Diff(whole, r.Total, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("top %d: total differs from Compute (-want +got):\n%s", topK, diff)
			}
			var sum funnel.Report
			var won funnel.MoneyStats
			for i, row := range r.Rows {
				sum.Deals += row.Report.Deals
				sum.Open += row.Report.Open
				sum.Won += row.Report.Won
				sum.Lost += row.Report.Lost
				sum.Skipped.Count += row.Report.Skipped.Count
				sum.WinRate = sum.WinRate.Add(row.Report.WinRate)
				won.Add(row.Report.DealSize.Total)
				if row.Other {
					continue
				}
				// independent route: filter, then the unsegmented report
				var mine []funnel.Deal
				for _, d := range deals {
					dd := d
					match := true
					for j, dim := range dims {
						match = match && dim.Value(&dd) == row.Key[j]
					}
					if match {
						mine = append(mine, d)
					}
				}
				want, err := funnel.Compute(f, slices.Values(mine), opts)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, row.Report, cmpopts.EquateErrors()); diff != "" {
					t.Errorf("top %d: row %d (%s) differs from Compute over its deals (-want +got):\n%s", topK, i, row.Label(), diff)
				}
			}
			if sum.Deals != whole.Deals || sum.Open != whole.Open || sum.Won != whole.Won || sum.Lost != whole.Lost ||
				sum.Skipped.Count != whole.Skipped.Count || sum.WinRate != whole.WinRate || !won.Sum().Equal(whole.DealSize.Total) {
				t.Errorf("top %d: rows sum to %d deals (%d open, %d won, %d lost, %d skipped, win rate %v, won %s), total %d (%d, %d, %d, %d, %v, %s)",
					topK, sum.Deals, sum.Open, sum.Won, sum.Lost, sum.Skipped.Count, sum.WinRate, won.Sum(),
					whole.Deals, whole.Open, whole.Won, whole.Lost, whole.Skipped.Count, whole.WinRate, whole.DealSize.Total)
			}
		}
	}
}

// TestSegmentMergeEqualsOnePass splits the deals at cut points, merges the
// parts' segment tallies and compares with the one-pass report; it also
// checks associativity, that the argument is unchanged, and merging with
// empty tallies.
func TestSegmentMergeEqualsOnePass(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(80, 3)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, opts := range mergeOpts {
		for _, topK := range []int{0, 4} {
			seg := funnel.SegmentOptions{Dims: segTestDims(t), TopK: topK}
			whole := segTallyOf(t, f, opts, seg, deals).Report()
			cuts := []int{0, len(deals) / 2, len(deals)}
			for range 2 {
				cuts = append(cuts, rng.IntN(len(deals)+1))
			}
			for _, cut := range cuts {
				a := segTallyOf(t, f, opts, seg, deals[:cut])
				b := segTallyOf(t, f, opts, seg, deals[cut:])
				bBefore := b.Report()
				if err := a.Merge(b); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(whole, a.Report(), cmpopts.EquateErrors()); diff != "" {
					t.Fatalf("cut %d: merge differs from one pass (-want +got):\n%s", cut, diff)
				}
				if diff := cmp.Diff(bBefore, b.Report(), cmpopts.EquateErrors()); diff != "" {
					t.Fatalf("cut %d: Merge changed its argument (-before +after):\n%s", cut, diff)
				}
			}
			// (x + y) + z = x + (y + z), with three random parts
			i, j := len(deals)/3, 2*len(deals)/3
			x1, y1, z1 := segTallyOf(t, f, opts, seg, deals[:i]), segTallyOf(t, f, opts, seg, deals[i:j]), segTallyOf(t, f, opts, seg, deals[j:])
			x2, y2, z2 := segTallyOf(t, f, opts, seg, deals[:i]), segTallyOf(t, f, opts, seg, deals[i:j]), segTallyOf(t, f, opts, seg, deals[j:])
			if err := errors.Join(x1.Merge(y1), x1.Merge(z1), y2.Merge(z2), x2.Merge(y2)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(x1.Report(), x2.Report(), cmpopts.EquateErrors()); diff != "" {
				t.Errorf("merge is not associative (-(x+y)+z +x+(y+z)):\n%s", diff)
			}
		}
	}
	// incompatible
	src := funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}}
	reg := funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrRegion)}}
	two := funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource), funnel.SegmentByAttr(funnel.AttrRegion)}}
	a := segTallyOf(t, f, funnel.Options{}, src, nil)
	for _, o := range []*funnel.SegmentTally{
		segTallyOf(t, f, funnel.Options{}, reg, nil),
		segTallyOf(t, f, funnel.Options{}, two, nil),
		segTallyOf(t, f, funnel.Options{Policy: funnel.AnyStage}, src, nil),
		segTallyOf(t, segFunnel(t), funnel.Options{}, src, nil),
	} {
		if err := a.Merge(o); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("Merge of incompatible segment tallies error = %v, want ErrIncompatible", err)
		}
	}
}

// mavenCounts are a segment's rows, won and lost deals and won value.
type mavenCounts struct {
	Rows, Won, Lost int64
	WonValue        string
}

// TestSegmentMaven breaks the Maven CRM export down by sales agent,
// manager, regional office, product and account sector. The expectations
// are an independent sqlite3 computation over the CSV files (no Go code
// involved): testdata/maven-crm/crosscheck.sql holds the queries. Accounts
// left empty in the pipeline (all open deals) have no sector: they are the
// unknown segment, "(none)" in the SQL.
func TestSegmentMaven(t *testing.T) {
	data, err := maven.Load("testdata/maven-crm", csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		t.Fatal(err)
	}
	type m = mavenCounts
	tests := []struct {
		dim  funnel.SegmentDim
		want map[string]mavenCounts
	}{
		{funnel.SegmentByAttr(funnel.AttrOwner), map[string]mavenCounts{
			"Anna Snelling": {448, 208, 128, "275056"}, "Boris Faz": {210, 101, 52, "261631"},
			"Cassey Cress": {346, 163, 98, "450489"}, "Cecily Lampkin": {203, 107, 53, "229800"},
			"Corliss Cosme": {310, 150, 79, "421036"}, "Daniell Hammack": {259, 114, 73, "364229"},
			"Darcel Schlecht": {747, 349, 204, "1153214"}, "Donn Cantrell": {275, 158, 117, "445860"},
			"Elease Gluck": {177, 80, 46, "289195"}, "Garret Kinder": {123, 75, 48, "197773"},
			"Gladys Colclough": {317, 135, 97, "345674"}, "Hayden Neloms": {202, 107, 45, "272111"},
			"James Ascencio": {267, 135, 71, "413533"}, "Jonathan Berthelot": {345, 171, 93, "284886"},
			"Kami Bicknell": {362, 174, 98, "316456"}, "Kary Hendrixson": {438, 209, 126, "454298"},
			"Lajuana Vencill": {311, 127, 104, "194632"}, "Markita Hansen": {306, 130, 97, "328792"},
			"Marty Freudenburg": {281, 122, 72, "291195"}, "Maureen Marcano": {285, 149, 64, "350395"},
			"Moses Frase": {260, 129, 66, "207182"}, "Niesha Huffines": {239, 105, 70, "176961"},
			"Reed Clapper": {237, 155, 82, "438336"}, "Rosalina Dieter": {160, 72, 38, "235403"},
			"Rosie Papadopoulos": {160, 78, 43, "230169"}, "Versie Hillebrand": {361, 176, 88, "187693"},
			"Vicki Laflamme": {451, 221, 126, "478396"}, "Violet Mclelland": {261, 122, 71, "123431"},
			"Wilburn Farren": {110, 55, 24, "157640"}, "Zane Levy": {349, 161, 100, "430068"},
		}},
		{funnel.SegmentByAttr("manager"), map[string]mavenCounts{
			"Cara Losch": {964, 480, 265, "1130049"}, "Celia Rouche": {1296, 610, 352, "1603897"},
			"Dustin Brinkmann": {1583, 747, 439, "1094363"}, "Melvin Marxen": {1929, 882, 536, "2251930"},
			"Rocco Neubert": {1327, 691, 422, "1960545"}, "Summer Sewald": {1701, 828, 459, "1964750"},
		}},
		{funnel.SegmentByAttr(funnel.AttrRegion), map[string]mavenCounts{
			"Central": {3512, 1629, 975, "3346293"}, "East": {2291, 1171, 687, "3090594"}, "West": {2997, 1438, 811, "3568647"},
		}},
		{funnel.SegmentByAttr(funnel.AttrProduct), map[string]mavenCounts{
			"GTK 500": {40, 15, 10, "400612"}, "GTX Basic": {1866, 915, 521, "499263"}, "GTX Plus Basic": {1383, 653, 398, "705275"},
			"GTX Plus Pro": {968, 479, 266, "2629651"}, "GTXPro": {1480, 729, 418, "3510578"}, "MG Advanced": {1412, 654, 430, "2216387"},
			"MG Special": {1651, 793, 430, "43768"},
		}},
		{funnel.SegmentByAttr(funnel.AttrIndustry), map[string]mavenCounts{
			"(unknown)": {1425, 0, 0, "0"}, "employment": {311, 179, 107, "436174"}, "entertainment": {451, 260, 142, "689007"},
			"finance": {678, 375, 238, "950908"}, "marketing": {674, 404, 219, "922321"}, "medical": {1051, 592, 358, "1359595"},
			"retail": {1397, 799, 468, "1867528"}, "services": {390, 223, 129, "533006"}, "software": {757, 450, 254, "1077934"},
			"technolgy": {1165, 671, 387, "1515487"}, "telecommunications": {501, 285, 171, "653574"},
		}},
	}
	opts := funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, tt := range tests {
		t.Run(tt.dim.Name, func(t *testing.T) {
			r, err := funnel.ComputeSegments(data.Funnel, slices.Values(data.Deals), opts, funnel.SegmentOptions{Dims: []funnel.SegmentDim{tt.dim}})
			if err != nil {
				t.Fatal(err)
			}
			got := make(map[string]mavenCounts)
			for _, row := range r.Rows {
				p := &row.Report
				got[row.Label()] = m{p.Deals + p.Skipped.Count, p.Won, p.Lost, p.DealSize.Total.String()}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("by %s mismatch with the SQL (-sql +got):\n%s", tt.dim.Name, diff)
			}
			if r.Total.Deals != 8800 || r.Total.Skipped.Count != 0 || r.Total.Won != 4238 || r.Total.Lost != 2473 {
				t.Errorf("total = %d deals (%d skipped), %d won, %d lost; the SQL has 8800 rows, 4238 won, 2473 lost",
					r.Total.Deals, r.Total.Skipped.Count, r.Total.Won, r.Total.Lost)
			}
		})
	}
}

var segBenchDims = []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource), funnel.SegmentByAttr(funnel.AttrRegion), funnel.SegmentByAttr(funnel.AttrProduct)}

// BenchmarkSegment measures a three-way segmentation (source x region x
// product: 6 x 4 x 3 = 72 segments, one unknown source among the six) of
// generated deals, report included, with the options of BenchmarkCompute.
func BenchmarkSegment(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		deals := benchDeals(b, n)
		f := dealgen.Funnel()
		opts := funnel.Options{AsOf: benchAsOf, Window: 90 * 24 * time.Hour, Currency: "USD"}
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cputime.Report(b, func() {
				r, err := funnel.ComputeSegments(f, slices.Values(deals), opts, funnel.SegmentOptions{Dims: segBenchDims})
				if err != nil || r.Total.Deals != int64(n) {
					b.Fatal(err, r.Total.Deals)
				}
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/deal")
		})
	}
}

// BenchmarkSegmentRatio runs the unsegmented report (as BenchmarkCompute)
// and the three-way segmentation (as BenchmarkSegment) of the same
// 1,000,000 deals one after the other in each iteration, and reports the
// ratio of their total times: "ratio" = segmented / unsegmented. Both
// share the machine's load, so the ratio is steadier than two separate
// benchmarks. Run it with a small -benchtime, such as 3x.
func BenchmarkSegmentRatio(b *testing.B) {
	const n = 1_000_000
	deals := benchDeals(b, n)
	f := dealgen.Funnel()
	opts := funnel.Options{AsOf: benchAsOf, Window: 90 * 24 * time.Hour, Currency: "USD"}
	var plain, seg time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		r, err := funnel.Compute(f, slices.Values(deals), opts)
		t1 := time.Now()
		s, err2 := funnel.ComputeSegments(f, slices.Values(deals), opts, funnel.SegmentOptions{Dims: segBenchDims})
		t2 := time.Now()
		if err != nil || err2 != nil || r.Deals != n || s.Total.Deals != n {
			b.Fatal(err, err2)
		}
		plain += t1.Sub(t0)
		seg += t2.Sub(t1)
	}
	b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "plain-ns/op")
	b.ReportMetric(float64(seg.Nanoseconds())/float64(b.N), "segmented-ns/op")
	b.ReportMetric(float64(seg)/float64(plain), "ratio")
}

// FuzzSegmentCompare checks the invariants of a comparison: no NaN or
// infinity, a p-value in [0, 1], Lo <= Diff <= Hi inside [-1, 1], and a
// verdict withheld under the minimum sample.
func FuzzSegmentCompare(f *testing.F) {
	for _, c := range [][4]int64{{45, 100, 30, 100}, {3, 10, 8, 12}, {0, 40, 5, 40}, {50, 50, 50, 50}, {5, 20, 50, 100}, {1, 3, 0, 3}, {0, 0, 3, 10}, {500000, 1000000, 499000, 1000000}} {
		f.Add(c[0], c[1], c[2], c[3], uint8(0), 0.95, int64(0))
	}
	f.Add(int64(7), int64(9), int64(0), int64(1), uint8(2), 0.5, int64(1))
	f.Fuzz(func(t *testing.T, x1, n1, x2, n2 int64, method uint8, conf float64, minSample int64) {
		bound := func(v, hi int64) int64 {
			if v < 0 {
				v = -(v + 1)
			}
			return v % (hi + 1)
		}
		n1, n2 = bound(n1, 1_000_000), bound(n2, 1_000_000)
		x1, x2 = bound(x1, n1), bound(x2, n2)
		m := funnel.SegmentMethod(method % 3)
		if m == funnel.SegmentFisher {
			n1, n2 = min(n1, 5000), min(n2, 5000)
			x1, x2 = min(x1, n1), min(x2, n2)
		}
		minSample = bound(minSample, 100)
		a, b := funnel.Ratio{Num: x1, Den: n1}, funnel.Ratio{Num: x2, Den: n2}
		c, err := funnel.SegmentCompare(a, b, funnel.SegmentTestOptions{Confidence: conf, Method: m, MinSample: minSample})
		if conf != 0 && !(conf > 0 && conf < 1) {
			if !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("confidence %v: error = %v, want ErrInvalidParam", conf, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Defined != (n1 > 0 && n2 > 0) {
			t.Fatalf("Defined = %v for %v, %v", c.Defined, a, b)
		}
		for _, v := range []float64{c.Diff, c.Lo, c.Hi, c.Z, c.PValue} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%v vs %v: non-finite value in %+v", a, b, c)
			}
		}
		if !c.Defined {
			if c.Verdict != funnel.SegmentWithheld {
				t.Fatalf("undefined comparison with verdict %v", c.Verdict)
			}
			return
		}
		const eps = 1e-12
		if c.PValue < 0 || c.PValue > 1 || c.Lo < -1 || c.Hi > 1 || c.Lo > c.Diff+eps || c.Hi < c.Diff-eps {
			t.Fatalf("%v vs %v: out of range: %+v", a, b, c)
		}
		least := minSample
		if least == 0 {
			least = 30
		}
		if (n1 < least || n2 < least) != (c.Verdict == funnel.SegmentWithheld) {
			t.Fatalf("%v vs %v, minimum %d: verdict %v", a, b, least, c.Verdict)
		}
	})
}

// valueAtRef is a brute-force reference for SegmentAttrHistory.Value: it
// scans the changes in input order.
func valueAtRef(changes []funnel.SegmentAttrChange, d *funnel.Deal, key string, at funnel.SegmentValueAt) string {
	var t time.Time
	switch {
	case at == funnel.SegmentAtCurrent, at == funnel.SegmentAtClose && d.Outcome == funnel.Open:
		return d.Attrs.Get(key)
	case at == funnel.SegmentAtCreation:
		t = d.Created
	default:
		t = d.Closed
	}
	var mine []funnel.SegmentAttrChange
	for _, c := range changes {
		if c.DealID == d.ID && c.Key == key {
			mine = append(mine, c)
		}
	}
	if len(mine) == 0 {
		return d.Attrs.Get(key)
	}
	if t.IsZero() {
		return ""
	}
	// the latest change at or before t, the later in input order on ties
	best := -1
	for i, c := range mine {
		if !c.At.After(t) && (best < 0 || !c.At.Before(mine[best].At)) {
			best = i
		}
	}
	if best >= 0 {
		return mine[best].To
	}
	// the earliest change, the first in input order on ties
	first := 0
	for i, c := range mine {
		if c.At.Before(mine[first].At) {
			first = i
		}
	}
	return mine[first].From
}

// FuzzSegmentAttrHistory builds change logs from bytes (three per change:
// deal, key and day, day 0 being an unrecorded time) and compares
// SegmentAttrHistory.Value with a brute-force scan.
func FuzzSegmentAttrHistory(f *testing.F) {
	f.Add([]byte{0, 0, 5, 0, 0, 20, 1, 1, 3}, uint8(10), uint8(1))
	f.Add([]byte{0, 0, 5, 0, 0, 5, 0, 0, 5}, uint8(5), uint8(0))
	f.Add([]byte{2, 1, 0}, uint8(1), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, qday, outcome uint8) {
		var changes []funnel.SegmentAttrChange
		valid := true
		for i := 0; i+2 < len(data) && i < 300; i += 3 {
			c := funnel.SegmentAttrChange{DealID: "d" + strconv.Itoa(int(data[i]%3)), Key: []string{funnel.AttrOwner, "tier"}[data[i+1]%2],
				From: "v" + strconv.Itoa(i), To: "v" + strconv.Itoa(i+1)}
			if data[i+2] != 0 {
				c.At = segDays(int(data[i+2]))
			} else {
				valid = false
			}
			changes = append(changes, c)
		}
		h, err := funnel.NewSegmentAttrHistory(slices.Values(changes))
		if !valid {
			if !errors.Is(err, funnel.ErrSegmentHistory) {
				t.Fatalf("error = %v, want ErrSegmentHistory", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for id := range 4 {
			d := funnel.Deal{ID: "d" + strconv.Itoa(id), Created: segDays(int(qday)), Outcome: funnel.Outcome(outcome % 3),
				Attrs: funnel.Attributes{Owner: "now", Custom: map[string]string{"tier": "gold"}}}
			if d.Outcome != funnel.Open {
				d.Closed = segDays(int(qday) + int(outcome))
			}
			if qday == 0 {
				d.Created = time.Time{}
			}
			for _, key := range []string{funnel.AttrOwner, "tier"} {
				for _, at := range []funnel.SegmentValueAt{funnel.SegmentAtCurrent, funnel.SegmentAtCreation, funnel.SegmentAtClose} {
					if got, want := h.Value(&d, key, at), valueAtRef(changes, &d, key, at); got != want {
						t.Fatalf("Value(%s, %s, %s) = %q, want %q", d.ID, key, at, got, want)
					}
				}
			}
		}
	})
}

// TestSegmentJSON checks that a segmented report marshals with its
// dimensions, keys (unknown as "") and the other row's marker.
func TestSegmentJSON(t *testing.T) {
	deals := []funnel.Deal{segDeal("1", "web", funnel.Won, "10", 0, 1), segDeal("2", "", funnel.Open, "5", 0, 0),
		segDeal("3", "ads", funnel.Open, "5", 0, 0), segDeal("4", "web", funnel.Open, "5", 0, 0)}
	r, err := funnel.ComputeSegments(segFunnel(t), slices.Values(deals), funnel.Options{Currency: "USD"},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}, TopK: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Dims []string `json:"dims"`
		Rows []struct {
			Key    []string `json:"key"`
			Other  bool     `json:"other"`
			Folded int      `json:"folded"`
			Report struct {
				Deals int64 `json:"deals"`
			} `json:"report"`
		} `json:"rows"`
		Total struct {
			Deals int64 `json:"deals"`
		} `json:"total"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	// web (2 deals) kept, the unknown source kept, ads folded
	want := `{[source] [{[web] false 0 {2}} {[] false 0 {1}} {[] true 1 {1}}] {4}}`
	if s := fmt.Sprint(got); s != want || len(got.Rows[1].Key) != 1 || got.Rows[1].Key[0] != "" || got.Rows[2].Key != nil {
		t.Errorf("JSON decoded to %s (keys %q), want %s (unknown key [\"\"], other key null)", s, got.Rows[1].Key, want)
	}
}

// TestSegmentDimReplacedValue checks that a dimension made by
// SegmentByAttr whose Value the caller replaced uses the replacement, and
// that Custom attributes segment like built-in ones.
func TestSegmentDimReplacedValue(t *testing.T) {
	dim := funnel.SegmentByAttr(funnel.AttrSource)
	dim.Value = func(d *funnel.Deal) string { return "x-" + d.Attrs.Source }
	deals := []funnel.Deal{segDeal("1", "web", funnel.Open, "1", 0, 0), segDeal("2", "ads", funnel.Open, "1", 0, 0)}
	deals[0].Attrs.Custom = map[string]string{"tier": "gold"}
	for _, c := range []struct {
		dim  funnel.SegmentDim
		want []string
	}{
		{dim, []string{"x-ads", "x-web"}},
		{funnel.SegmentByAttr(funnel.AttrSource), []string{"ads", "web"}},
		{funnel.SegmentByAttr("tier"), []string{"gold", "(unknown)"}},
	} {
		r, err := funnel.ComputeSegments(segFunnel(t), slices.Values(deals), funnel.Options{Currency: "USD"},
			funnel.SegmentOptions{Dims: []funnel.SegmentDim{c.dim}, ByKey: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, row := range r.Rows {
			got = append(got, row.Label())
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("dimension %s: labels mismatch (-want +got):\n%s", c.dim.Name, diff)
		}
	}
}
