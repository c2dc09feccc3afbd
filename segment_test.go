package funnel_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
	d := funnel.Deal{ID: id, Created: segDays(created), Amount: dec(amount), Currency: "USD",
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

var bySource = []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}

func winRateOf(r *funnel.Report) funnel.Rate        { return r.WinRate }
func winRateCreatedOf(r *funnel.Report) funnel.Rate { return r.WinRateCreated }

// segmentsOf segments deals with one serial pass.
func segmentsOf(t testing.TB, s *funnel.Scan, opts funnel.SegmentOptions, deals []funnel.Deal) *funnel.Segments {
	t.Helper()
	g, err := funnel.NewSegments(s, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range deals {
		_ = g.Add(d) // invalid deals are counted as skipped; Report tells of too many segments
	}
	return g
}

func reportOf(t testing.TB, g *funnel.Segments) funnel.SegmentReport {
	t.Helper()
	r, err := g.Report()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func compute(t testing.TB, s *funnel.Scan, opts funnel.SegmentOptions, deals []funnel.Deal) funnel.SegmentReport {
	t.Helper()
	r, err := funnel.ComputeSegments(s, slices.Values(deals), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// reportDiff compares two segmented reports: by their JSON (fast), and
// with cmp.Diff for the message when they differ. With noExamples, the
// skipped deals' examples are left out: parts added apart number their
// deals from 0 each.
func reportDiff(t testing.TB, want, got funnel.SegmentReport, noExamples bool) string {
	t.Helper()
	a, b := reportJSON(t, want, noExamples), reportJSON(t, got, noExamples)
	if bytes.Equal(a, b) {
		return ""
	}
	opts := []cmp.Option{cmpopts.EquateErrors()}
	if noExamples {
		opts = append(opts, ignoreExamples)
	}
	if d := cmp.Diff(want, got, opts...); d != "" {
		return d
	}
	return "JSON differs:\n" + string(a) + "\n" + string(b)
}

func reportJSON(t testing.TB, r funnel.SegmentReport, noExamples bool) []byte {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !noExamples {
		return b
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var strip func(v any)
	strip = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			delete(x, "examples")
			for _, e := range x {
				strip(e)
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	strip(v)
	b, err = json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// segSummary is the part of a row that the hand-worked tests check.
type segSummary struct {
	Label                   string
	Deals, Open, Won, Lost  int64
	Read, Skipped, Future   int64
	WinRate, WinRateCreated funnel.Ratio
	WonTotal                decimal.Decimal
	MedianCycle             time.Duration
	Folded                  int
}

func summarize(label string, r *funnel.Report, folded int) segSummary {
	return segSummary{Label: label, Deals: r.Deals, Open: r.Open, Won: r.Won, Lost: r.Lost,
		Read: r.Input.Read, Skipped: r.Input.Skipped.Count, Future: r.Input.Future,
		WinRate: r.WinRate.Ratio, WinRateCreated: r.WinRateCreated.Ratio, WonTotal: r.DealSize.Total,
		MedianCycle: r.CycleWon.Median, Folded: folded}
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
	// counted deals most first; referral and unknown tie at 1 and unknown
	// sorts last. Total median cycle: (10 + 30) / 2 days.
	want := []segSummary{
		{Label: "web", Deals: 3, Open: 1, Won: 1, Lost: 1, Read: 4, Skipped: 1, WinRate: funnel.Ratio{Num: 1, Den: 2},
			WinRateCreated: funnel.Ratio{Num: 1, Den: 3}, WonTotal: dec("100"), MedianCycle: 10 * day},
		{Label: "referral", Deals: 1, Won: 1, Read: 1, WinRate: funnel.Ratio{Num: 1, Den: 1}, WinRateCreated: funnel.Ratio{Num: 1, Den: 1},
			WonTotal: dec("300"), MedianCycle: 30 * day},
		{Label: "(unknown)", Deals: 1, Lost: 1, Read: 1, WinRate: funnel.Ratio{Num: 0, Den: 1}, WinRateCreated: funnel.Ratio{Num: 0, Den: 1}},
		{Label: "total", Deals: 5, Open: 1, Won: 2, Lost: 2, Read: 6, Skipped: 1, WinRate: funnel.Ratio{Num: 2, Den: 4},
			WinRateCreated: funnel.Ratio{Num: 2, Den: 5}, WonTotal: dec("400"), MedianCycle: 20 * day},
	}
	s := scanOf(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD"})
	got := compute(t, s, funnel.SegmentOptions{Dims: bySource}, deals)
	if diff := cmp.Diff(want, summarizeRows(got)); diff != "" {
		t.Errorf("ComputeSegments by source mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"source"}, got.Dims); diff != "" {
		t.Errorf("Dims mismatch (-want +got):\n%s", diff)
	}
	if e := got.Rows[0].Report.Input.Skipped.Examples; len(e) != 1 || e[0].ID != "d6" || !errors.Is(e[0].Err, funnel.ErrCurrencyMismatch) {
		t.Errorf("web's skipped examples = %v, want d6's currency mismatch", e)
	}
	if diff := cmp.Diff(got.Total.Input, got.Input, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("Input differs from Total.Input:\n%s", diff)
	}

	// strict mode stops at the invalid deal
	strict := scanOf(t, f, funnel.Options{Currency: "USD"})
	_, err := funnel.ComputeSegments(strict, slices.Values(deals), funnel.SegmentOptions{Dims: bySource})
	var de *funnel.DealError
	if !errors.Is(err, funnel.ErrCurrencyMismatch) || !errors.As(err, &de) || de.ID != "d6" {
		t.Errorf("strict ComputeSegments error = %v, want a currency mismatch of d6", err)
	}
}

// TestSegmentEmpty checks that no deals give no rows and an empty total,
// and that one deal gives one row equal to the total.
func TestSegmentEmpty(t *testing.T) {
	s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD"})
	got := compute(t, s, funnel.SegmentOptions{Dims: bySource, TopK: 3}, nil)
	if diff := cmp.Diff([]segSummary{{Label: "total"}}, summarizeRows(got)); diff != "" {
		t.Errorf("empty segmentation mismatch (-want +got):\n%s", diff)
	}
	if got.Rows == nil || got.Dims == nil {
		t.Errorf("empty segmentation has nil slices: %+v", got)
	}
	ranks, err := got.Rank(winRateOf)
	if err != nil || ranks == nil || len(ranks) != 0 {
		t.Errorf("Rank of no rows = %v, %v; want an empty list", ranks, err)
	}
	one := compute(t, s, funnel.SegmentOptions{Dims: bySource}, []funnel.Deal{segDeal("1", "web", funnel.Won, "5", 0, 2)})
	if len(one.Rows) != 1 {
		t.Fatalf("one deal: %d rows", len(one.Rows))
	}
	if diff := cmp.Diff(one.Total, one.Rows[0].Report, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("one deal: the row differs from the total:\n%s", diff)
	}
}

// TestSegmentTopK folds the smaller segments into "other". Sources by
// count: a 4, b 3, c 2, d 2, e 1 and one unknown; the expectations follow
// from these counts.
func TestSegmentTopK(t *testing.T) {
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
		return segSummary{Label: label, Deals: n, Open: n, Read: n, WinRateCreated: funnel.Ratio{Num: 0, Den: n}, Folded: folded}
	}
	total := row("total", 13, 0)
	tests := []struct {
		name string
		seg  funnel.SegmentOptions
		want []segSummary
	}{
		{"all", funnel.SegmentOptions{}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("d", 2, 0), row("e", 1, 0), row("(unknown)", 1, 0), total}},
		{"top 2", funnel.SegmentOptions{TopK: 2}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("(unknown)", 1, 0), row("(other)", 5, 3), total}},
		{"top 3: the tie c, d is broken by key", funnel.SegmentOptions{TopK: 3}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("(unknown)", 1, 0), row("(other)", 3, 2), total}},
		{"top 5: nothing to fold", funnel.SegmentOptions{TopK: 5}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("d", 2, 0), row("e", 1, 0), row("(unknown)", 1, 0), total}},
		{"top 2 by key", funnel.SegmentOptions{TopK: 2, ByKey: true}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("(unknown)", 1, 0), row("(other)", 5, 3), total}},
		{"by key", funnel.SegmentOptions{ByKey: true}, []segSummary{row("a", 4, 0), row("b", 3, 0), row("c", 2, 0), row("d", 2, 0), row("e", 1, 0), row("(unknown)", 1, 0), total}},
	}
	s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.seg.Dims = bySource
			got := compute(t, s, tt.seg, deals)
			if diff := cmp.Diff(tt.want, summarizeRows(got)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if last := got.Rows[len(got.Rows)-1]; last.Other && (last.Key == nil || len(last.Key) != 0) {
				t.Errorf("other row key = %#v, want an empty list", last.Key)
			}
		})
	}
}

// TestSegmentBandsAndPeriods checks amount bands (a band holds its lower
// edge), creation quarters in a fixed zone, an undated deal, a huge
// amount and a two-dimensional key ordered by key.
func TestSegmentBandsAndPeriods(t *testing.T) {
	bands, err := funnel.ByAmount(dec("100"), dec("1000"))
	if err != nil {
		t.Fatal(err)
	}
	quarter, err := funnel.ByCreated(funnel.Quarter)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(id, amount string, created time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Amount: dec(amount), Created: created, Stage: "Lead"}
	}
	deals := []funnel.Deal{
		mk("1", "50", time.Date(2024, 3, 31, 23, 0, 0, 0, time.UTC)),   // 1 April 01:00 in UTC+2: Q2
		mk("2", "100", time.Date(2024, 3, 31, 21, 59, 0, 0, time.UTC)), // 23:59 in UTC+2: Q1
		mk("3", "999.99", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
		mk("4", "1000", time.Date(2023, 12, 31, 21, 0, 0, 0, time.UTC)), // 2023-12-31 23:00 local: 2023-Q4
		mk("5", "123456789012345678901234567890", time.Time{}),          // undated, huge
		mk("6", "0", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)),
		mk("7", "99.999", time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC)), // another exponent: below 100
		mk("8", "1E3", time.Date(2023, 10, 1, 0, 0, 0, 0, time.UTC)),   // 1000 at exponent 3: the top band
	}
	s := scanOf(t, segFunnel(t), funnel.Options{Location: time.FixedZone("UTC+2", 2*3600)})
	got := compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{bands, quarter}, ByKey: true}, deals)
	type lc struct {
		Label string
		Deals int64
	}
	var rows []lc
	for _, r := range got.Rows {
		rows = append(rows, lc{r.Label(), r.Report.Deals})
	}
	// bands in band order, then quarters in time order, unknown last
	want := []lc{{"< 100 x 2024-Q2", 3}, {"100 to < 1000 x 2024-Q1", 2}, {">= 1000 x 2023-Q4", 2}, {">= 1000 x (unknown)", 1}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"amount", "created quarter"}, got.Dims); diff != "" {
		t.Errorf("dims mismatch (-want +got):\n%s", diff)
	}
}

// TestSegmentBandsProperty compares the band of random amounts, at many
// exponents, with the band worked out by comparing decimals one edge at a
// time.
func TestSegmentBandsProperty(t *testing.T) {
	edges := []decimal.Decimal{dec("-5"), dec("0"), dec("0.001"), dec("99.5"), dec("100"), dec("1e6"), dec("123456789012345678901")}
	bands, err := funnel.ByAmount(edges...)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var deals []funnel.Deal
	want := map[string]int64{}
	for i := range 3000 {
		a := decimal.New(rng.Int64N(2_000_000)-1000, int32(rng.IntN(12)-6))
		if i%50 == 0 {
			a = edges[rng.IntN(len(edges))]
		}
		if i%97 == 0 {
			a = a.Mul(dec("1e25"))
		}
		n := 0
		for _, e := range edges {
			if a.Cmp(e) >= 0 {
				n++
			}
		}
		label := "< -5"
		if n > 0 && n < len(edges) {
			label = edges[n-1].String() + " to < " + edges[n].String()
		} else if n == len(edges) {
			label = ">= " + edges[n-1].String()
		}
		want[label]++
		deals = append(deals, funnel.Deal{ID: strconv.Itoa(i), Amount: a, Stage: "Lead"})
	}
	s := scanOf(t, segFunnel(t), funnel.Options{Mode: funnel.Lenient}) // negative amounts are skipped, in their band
	got := map[string]int64{}
	for _, row := range compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{bands}}, deals).Rows {
		got[row.Label()] = row.Report.Input.Read
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bands mismatch (-want +got):\n%s", diff)
	}
}

// TestSegmentCreatedZones checks creation days in America/Havana, whose
// clock skips midnight when daylight saving starts (10 March 2024: 00:00
// becomes 01:00, so the day starts at 05:00 UTC) and repeats the hour
// before 01:00 when it ends (3 November 2024: the day starts at the first
// 00:00, 04:00 UTC), worked out from the zone's rules.
func TestSegmentCreatedZones(t *testing.T) {
	havana := mustZone("America/Havana")
	day, err := funnel.ByCreated(funnel.Day)
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var deals []funnel.Deal
	for i, c := range []string{
		"2024-03-10T04:59:59Z", // 23:59:59 CST on 9 March
		"2024-03-10T05:00:00Z", // 01:00 CDT, the first instant of 10 March
		"2024-03-11T03:59:59Z", // 23:59:59 CDT on 10 March
		"2024-11-03T03:59:59Z", // 23:59:59 CDT on 2 November
		"2024-11-03T04:00:00Z", // the first 00:00 of 3 November
		"2024-11-03T05:30:00Z", // 00:30 CST, the repeated hour: still 3 November
		"2024-11-04T04:59:59Z", // 23:59:59 CST on 3 November
		"2024-11-04T05:00:00Z", // 4 November
	} {
		deals = append(deals, funnel.Deal{ID: strconv.Itoa(i), Created: utc(c), Stage: "Lead"})
	}
	s := scanOf(t, segFunnel(t), funnel.Options{Location: havana})
	got := map[string]int64{}
	for _, row := range compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{day}}, deals).Rows {
		got[row.Label()] = row.Report.Deals
	}
	want := map[string]int64{"2024-03-09": 1, "2024-03-10": 2, "2024-11-02": 1, "2024-11-03": 3, "2024-11-04": 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("days in Havana mismatch (-want +got):\n%s", diff)
	}
	// Pacific/Apia skipped 30 December 2011: the 29th ends at the 31st
	apia := mustZone("Pacific/Apia")
	deals = []funnel.Deal{
		{ID: "a", Created: time.Date(2011, 12, 29, 23, 30, 0, 0, apia), Stage: "Lead"},
		{ID: "b", Created: time.Date(2011, 12, 31, 0, 30, 0, 0, apia), Stage: "Lead"},
		{ID: "c", Created: time.Date(2011, 12, 29, 23, 30, 0, 0, apia).Add(time.Hour), Stage: "Lead"},
	}
	s = scanOf(t, segFunnel(t), funnel.Options{Location: apia})
	got = map[string]int64{}
	for _, row := range compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{day}}, deals).Rows {
		got[row.Label()] = row.Report.Deals
	}
	if diff := cmp.Diff(map[string]int64{"2011-12-29": 1, "2011-12-31": 2}, got); diff != "" {
		t.Errorf("days in Apia mismatch (-want +got):\n%s", diff)
	}
}

// TestSegmentOptionErrors checks the rejected dimensions and options.
func TestSegmentOptionErrors(t *testing.T) {
	one := dec("1")
	if _, err := funnel.ByAmount(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ByAmount() error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.ByAmount(one, one); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ByAmount(1, 1) error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.ByAmount(one, decimal.Zero); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ByAmount(1, 0) error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.ByCreated(funnel.Period(9)); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ByCreated(9) error = %v, want ErrInvalidParam", err)
	}
	if _, err := funnel.ByAttrAt("owner", funnel.ValueAt(7)); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ByAttrAt(7) error = %v, want ErrInvalidParam", err)
	}
	s := scanOf(t, segFunnel(t), funnel.Options{})
	nine := make([]funnel.Dim, 9)
	for i := range nine {
		nine[i] = funnel.ByAttr(funnel.AttrSource)
	}
	for _, tt := range []struct {
		name string
		s    *funnel.Scan
		opts funnel.SegmentOptions
	}{
		{"no dims", s, funnel.SegmentOptions{}},
		{"too many dims", s, funnel.SegmentOptions{Dims: nine}},
		{"zero Dim", s, funnel.SegmentOptions{Dims: []funnel.Dim{{}}}},
		{"empty key", s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr("")}}},
		{"nil value", s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByFunc("x", nil, nil)}}},
		{"no name", s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByFunc("", func(*funnel.Deal) string { return "" }, nil)}}},
		{"negative TopK", s, funnel.SegmentOptions{Dims: bySource, TopK: -1}},
		{"negative MaxSegments", s, funnel.SegmentOptions{Dims: bySource, MaxSegments: -1}},
		{"nil scan", nil, funnel.SegmentOptions{Dims: bySource}},
	} {
		if _, err := funnel.NewSegments(tt.s, tt.opts); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("NewSegments(%s) error = %v, want ErrInvalidParam", tt.name, err)
		}
		if _, err := funnel.ComputeSegments(tt.s, slices.Values([]funnel.Deal{}), tt.opts); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("ComputeSegments(%s) error = %v, want ErrInvalidParam", tt.name, err)
		}
	}
	if _, err := funnel.ComputeSegments(s, nil, funnel.SegmentOptions{Dims: bySource}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ComputeSegments(nil stream) error = %v, want ErrInvalidParam", err)
	}
}

func TestValueAtText(t *testing.T) {
	for _, a := range []funnel.ValueAt{funnel.AtCurrent, funnel.AtCreation, funnel.AtClose} {
		b, err := a.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back funnel.ValueAt
		if err := back.UnmarshalText(b); err != nil || back != a || string(b) != a.String() {
			t.Errorf("%v: text %q, back %v, %v", a, b, back, err)
		}
	}
	if got := []string{funnel.AtCurrent.String(), funnel.AtCreation.String(), funnel.AtClose.String(), funnel.ValueAt(9).String()}; !slices.Equal(got, []string{"current", "at-creation", "at-close", "ValueAt(9)"}) {
		t.Errorf("names = %q", got)
	}
	if _, err := funnel.ValueAt(9).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("MarshalText(9) error = %v", err)
	}
	var a funnel.ValueAt
	if err := a.UnmarshalText([]byte("Current")); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("UnmarshalText(Current) error = %v", err)
	}
}

// ownerChanges returns owner changes: text@day pairs.
func ownerChanges(key string, pairs ...any) []funnel.FieldChange {
	var out []funnel.FieldChange
	for i := 0; i+1 < len(pairs); i += 2 {
		c := funnel.FieldChange{Field: funnel.FieldAttr, Key: key, Text: pairs[i].(string)}
		if day := pairs[i+1].(int); day != math.MinInt {
			c.At = segDays(day)
		}
		out = append(out, c)
	}
	return out
}

// TestSegmentAttrAt checks the value of an attribute at creation, at close
// and now, read from the deals' field history, worked out by hand by the
// rule of FieldChange: the value at T is the last change at or before T;
// before the first change, the first change's value; each deal's current
// value is its last change's. Deal "x" was created on day 0 with owner
// ana, moved to ben on day 5 and to cy on day 20, and closed on day 10.
func TestSegmentAttrAt(t *testing.T) {
	closed := func(id string, changes ...funnel.FieldChange) funnel.Deal {
		return funnel.Deal{ID: id, Created: segDays(0), Closed: segDays(10), Outcome: funnel.Won, Stage: "Lead",
			Attrs: funnel.Attributes{Owner: "cy", Region: "US", Custom: map[string]string{"tier": "gold"}}, Changes: changes}
	}
	x := closed("x", slices.Concat(ownerChanges("region", "EU", 0), ownerChanges("owner", "ana", 0), ownerChanges("region", "US", 1),
		ownerChanges("owner", "ben", 5, "cy", 20))...)
	open := funnel.Deal{ID: "open", Created: segDays(0), Stage: "Lead", Attrs: funnel.Attributes{Owner: "ben"},
		Changes: ownerChanges("owner", "ana", 0, "ben", 5)}
	undated := closed("undated", ownerChanges("owner", "ana", 3, "cy", 5)...)
	undated.Created = time.Time{}
	undatedClose := closed("undated-close", ownerChanges("owner", "ana", 0, "cy", 5)...)
	undatedClose.Closed = time.Time{}
	tie := closed("tie", ownerChanges("owner", "ana", 0, "ben", 3, "dee", 3, "cy", 6)...)
	tie.Created = segDays(3)
	unrecorded := closed("unrecorded", ownerChanges("owner", "ana", math.MinInt, "cy", 5)...)
	tests := []struct {
		name string
		d    funnel.Deal
		key  string
		at   funnel.ValueAt
		want string
	}{
		{"current", x, "owner", funnel.AtCurrent, "cy"},
		{"at creation", x, "owner", funnel.AtCreation, "ana"},
		{"at close: the last change before day 10", x, "owner", funnel.AtClose, "ben"},
		{"other key", x, "region", funnel.AtCreation, "EU"},
		{"other key at close", x, "region", funnel.AtClose, "US"},
		{"open deal at close: current", open, "owner", funnel.AtClose, "ben"},
		{"open deal at creation", open, "owner", funnel.AtCreation, "ana"},
		{"no changes: current", closed("nochange"), "owner", funnel.AtCreation, "cy"},
		{"no change of the key: current", x, "tier", funnel.AtCreation, "gold"},
		{"custom key", closed("c", ownerChanges("tier", "silver", 0, "gold", 4)...), "tier", funnel.AtCreation, "silver"},
		{"change after close", closed("late", ownerChanges("owner", "ana", 0, "cy", 50)...), "owner", funnel.AtClose, "ana"},
		{"first change after creation: its value before", closed("first", ownerChanges("owner", "ben", 5, "cy", 8)...), "owner", funnel.AtCreation, "ben"},
		{"change at the creation instant counts", closed("at0", ownerChanges("owner", "ana", -3, "ben", 0, "cy", 5)...), "owner", funnel.AtCreation, "ben"},
		{"two changes at one time: the later", tie, "owner", funnel.AtCreation, "dee"},
		{"every change before the time: the deal's value", tie, "owner", funnel.AtClose, "cy"},
		{"unknown creation time: the earliest value", undated, "owner", funnel.AtCreation, "ana"},
		{"unknown close time: current", undatedClose, "owner", funnel.AtClose, "cy"},
		{"change of unrecorded time before the cut", unrecorded, "owner", funnel.AtCreation, "ana"},
		{"set to unknown", closed("gone", ownerChanges("owner", "", 0, "cy", 5)...), "owner", funnel.AtCreation, ""},
	}
	s := scanOf(t, segFunnel(t), funnel.Options{UndatedClose: true})
	for _, tt := range tests {
		dim, err := funnel.ByAttrAt(tt.key, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		r := compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{dim}}, []funnel.Deal{tt.d})
		if len(r.Rows) != 1 || r.Rows[0].Report.Deals != 1 || r.Rows[0].Key[0] != tt.want {
			t.Errorf("%s: rows %+v, want one deal with key %q", tt.name, r.Rows, tt.want)
		}
	}
}

// TestSegmentAsOf checks that segments see each deal as it stood at the
// as-of time: a deal won after it is open in its segment, a deal created
// after it is counted as future in its segment, an owner reassigned after
// it does not move the deal, and a deal's value at close is its value at
// the as-of time while it was still open then.
func TestSegmentAsOf(t *testing.T) {
	asOf := segDays(20)
	wonLater := segDeal("won-later", "web", funnel.Won, "100", 0, 30)
	wonBefore := segDeal("won-before", "web", funnel.Won, "100", 0, 10)
	future := segDeal("future", "web", funnel.Open, "100", 25, 0)
	moved := segDeal("moved", "ads", funnel.Lost, "50", 1, 5)
	moved.Attrs.Owner = "cy"
	moved.Changes = ownerChanges("owner", "ana", 1, "cy", 22) // cy only after the as-of time
	ownerAtClose := segDeal("owner-at-close", "ads", funnel.Won, "10", 1, 25)
	ownerAtClose.Attrs.Owner = "cy"
	ownerAtClose.Changes = ownerChanges("owner", "ana", 1, "ben", 15, "cy", 24) // won on day 25, after the as-of time
	deals := []funnel.Deal{wonLater, wonBefore, future, moved, ownerAtClose}
	s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD", AsOf: asOf})

	r := compute(t, s, funnel.SegmentOptions{Dims: bySource, ByKey: true}, deals)
	want := []segSummary{
		{Label: "ads", Deals: 2, Open: 1, Lost: 1, Read: 2, WinRate: funnel.Ratio{Num: 0, Den: 1}, WinRateCreated: funnel.Ratio{Num: 0, Den: 2}},
		{Label: "web", Deals: 2, Open: 1, Won: 1, Read: 3, Future: 1, WinRate: funnel.Ratio{Num: 1, Den: 1},
			WinRateCreated: funnel.Ratio{Num: 1, Den: 2}, WonTotal: dec("100"), MedianCycle: 10 * 24 * time.Hour},
		{Label: "total", Deals: 4, Open: 2, Won: 1, Lost: 1, Read: 5, Future: 1, WinRate: funnel.Ratio{Num: 1, Den: 2},
			WinRateCreated: funnel.Ratio{Num: 1, Den: 4}, WonTotal: dec("100"), MedianCycle: 10 * 24 * time.Hour},
	}
	if diff := cmp.Diff(want, summarizeRows(r)); diff != "" {
		t.Errorf("as-of segmentation mismatch (-want +got):\n%s", diff)
	}
	atClose, _ := funnel.ByAttrAt(funnel.AttrOwner, funnel.AtClose)
	for _, c := range []struct {
		dim  funnel.Dim
		want map[string]int64
	}{
		// moved: ana as of day 20; owner-at-close: ben as of day 20
		{funnel.ByAttr(funnel.AttrOwner), map[string]int64{"ana": 1, "ben": 1, "": 2}},
		// moved lost on day 5 with ana; owner-at-close still open on day 20: ben
		{atClose, map[string]int64{"ana": 1, "ben": 1, "": 2}},
	} {
		got := map[string]int64{}
		for _, row := range compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{c.dim}}, deals).Rows {
			got[row.Key[0]] = row.Report.Deals
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("by owner (%s) as of day 20 (-want +got):\n%s", compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{c.dim}}, nil).Dims[0], diff)
		}
	}
}

// richReport is a segmented report with something in every part: skipped
// and future deals, intervals at 90%, Fisher's test, an other row.
func richReport(t testing.TB) (*funnel.Scan, []funnel.Deal, funnel.SegmentReport) {
	t.Helper()
	deals := mixedDeals(300, 4)
	deals = append(deals, segDeal("late", "web", funnel.Open, "1", 1000, 0))
	deals[len(deals)-1].Stage = "Lead"
	s := scanOf(t, dealgen.Funnel(), funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC),
		Test: funnel.Test{Confidence: 0.9, Method: funnel.Fisher}, Period: funnel.Quarter})
	week, _ := funnel.ByCreated(funnel.Week)
	return s, deals, compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource), week}, TopK: 5}, deals)
}

// TestSegmentJSON checks that every result type decodes back to an equal
// value, and the JSON's style: snake_case names, the test by name, [] for
// empty lists.
func TestSegmentJSON(t *testing.T) {
	_, _, r := richReport(t)
	if r.Input.Future == 0 || r.Input.Skipped.Count == 0 || !r.Rows[len(r.Rows)-1].Other {
		t.Fatalf("the report lacks future or skipped deals or an other row: %+v", r.Input)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back funnel.SegmentReport
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back, cmpopts.EquateErrors()); diff != "" {
		t.Errorf("SegmentReport JSON round trip (-want +got):\n%s", diff)
	}
	for _, want := range []string{`"test":{"confidence":0.9,"min_sample":30,"method":"fisher"}`, `"dims":["source","created week"]`,
		`"other":true,"folded":`, `"key":[]`, `"input":{"read":301,`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	var keys map[string]any
	_ = json.Unmarshal(b, &keys)
	for k := range keys {
		if strings.ToLower(k) != k {
			t.Errorf("JSON key %q is not snake_case", k)
		}
	}
	empty, err := json.Marshal(funnel.SegmentReport{})
	if err != nil || !strings.Contains(string(empty), `"dims":[]`) || !strings.Contains(string(empty), `"rows":[]`) {
		t.Errorf("empty report JSON %s, %v", empty, err)
	}

	ranks, err := r.Rank(winRateOf)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CompareRest(0, winRateOf)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"ranks": &ranks, "comparison": &c, "row": &r.Rows[0]} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflectNew(v)
		if err := json.Unmarshal(b, back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(v, back, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("%s JSON round trip (-want +got):\n%s", name, diff)
		}
	}
}

// reflectNew returns a new zero value of the type v points to.
func reflectNew(v any) any { return reflect.New(reflect.TypeOf(v).Elem()).Interface() }

// mutate changes every settable value reachable from v: strings, numbers
// and booleans, inside structs and slices.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				mutate(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + "!")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(v.Int() + 1)
		}
	case reflect.Float64:
		if v.CanSet() {
			v.SetFloat(v.Float() + 1)
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	}
}

// TestSegmentNoAlias mutates every slice of a segmented report (rows,
// keys, dimension names, the rows' and the total's stages, funnel rows,
// periods, sources, skipped reasons and examples) and of a ranking, then
// recomputes: nothing the caller holds aliases the segmentation's state
// or the funnel's.
func TestSegmentNoAlias(t *testing.T) {
	s, deals, _ := richReport(t)
	week, _ := funnel.ByCreated(funnel.Week)
	seg := funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource), week}, TopK: 5}
	g, _ := funnel.NewSegments(s, seg)
	if err := s.Run(slices.Values(deals), g); err != nil {
		t.Fatal(err)
	}
	r0, r1 := reportOf(t, g), reportOf(t, g)
	ranks, err := r1.Rank(winRateOf)
	if err != nil {
		t.Fatal(err)
	}
	mutate(reflect.ValueOf(&r1).Elem())
	mutate(reflect.ValueOf(&ranks).Elem())
	if r1.Dims[0] == r0.Dims[0] || r1.Rows[0].Key[0] == r0.Rows[0].Key[0] || r1.Total.Stages[0] == r0.Total.Stages[0] ||
		r1.Rows[0].Report.Funnel[0].Stage == r0.Rows[0].Report.Funnel[0].Stage {
		t.Fatal("mutate changed nothing")
	}
	if diff := reportDiff(t, r0, reportOf(t, g), false); diff != "" {
		t.Errorf("the report changed after its copy was edited:\n%s", diff)
	}
	again := compute(t, s, seg, deals)
	if diff := reportDiff(t, r0, again, false); diff != "" {
		t.Errorf("a new segmentation of the same scan differs after a report was edited:\n%s", diff)
	}
	if got := slices.Collect(s.Funnel().Stages()); !slices.Equal(got, dealgen.Stages) {
		t.Errorf("the funnel's stages are now %v", got)
	}
}

// TestSegmentWriteText checks the text table by hand: rows, the other row
// with its count of folded segments, intervals at the scan's level and
// what was skipped.
func TestSegmentWriteText(t *testing.T) {
	bad := segDeal("bad", "ads", funnel.Lost, "-5", 0, 1) // negative amount: skipped
	deals := slices.Concat(rateDeals("a", 3, 4), rateDeals("b", 1, 2), rateDeals("c", 1, 1), []funnel.Deal{bad})
	s := scanOf(t, segFunnel(t), funnel.Options{Mode: funnel.Lenient, Currency: "USD", Test: funnel.Test{Confidence: 0.9}})
	r := compute(t, s, funnel.SegmentOptions{Dims: bySource, TopK: 1, TestRest: true}, deals)
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	// a: 3 won of 4, each won deal worth 10 after 1 day; b, c and ads
	// folded: 2 won of 3 closed, the skipped deal in ads; the Wilson
	// intervals at 90% from testdata/segment/compare.py. Against the rest:
	// equal amounts have no variance (no deal-size test); the time to win
	// is one day for every deal, the lost ones censored there: a expects
	// 5 x 4/7 = 2.86 of the 5 wins, V = 20/49, p = 0.8231 for both rows
	// (testdata/segment/rest.py, "write text"), withheld under 30.
	want := `      source  deals  open  won  lost  win rate        90% CI  avg deal  median deal  median cycle days
           a      4     0    3     1     75.0%  35.6%..94.2%     10.00        10.00                1.0
  (other: 3)      3     0    2     1     66.7%  25.4%..92.2%     10.00        10.00                1.0
       total      7     0    5     2     71.4%  40.9%..90.0%     10.00        10.00                1.0

Against the rest (deal size: geometric mean of won amounts, Welch's test of the logs; time to win: log-rank,
lost and open deals censored; p-values adjusted over the rows by Benjamini-Hochberg):
      source  won  size ratio  90% CI  p adj   verdict  timed  wins  expected   p adj   verdict
           a    3         n/a     n/a    n/a  withheld      4     3      2.86  0.8231  withheld
  (other: 3)    2         n/a     n/a    n/a  withheld      3     2      2.14  0.8231  withheld

Skipped 1 invalid deals of 8 read:
       1  funnel: negative amount
  e.g. funnel: deal "bad": Amount: funnel: negative amount
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText mismatch (-want +got):\n%s", diff)
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

// TestSegmentCompare checks comparisons of a segment with the rest of the
// deals against an independent Python computation (standard library only:
// testdata/segment/compare.py, which prints these values): the Wilson and
// Newcombe intervals from their formulas with statistics.NormalDist for z,
// the z-test with math.erfc, and Fisher's test with exact integer binomial
// coefficients summed over every table with the observed margins. Segment
// "a" holds the first proportion, segment "b" (the rest) the second.
func TestSegmentCompare(t *testing.T) {
	type c = funnel.Comparison
	iv := func(lo, hi, conf float64) funnel.Interval {
		return funnel.Interval{Lo: lo, Hi: hi, Confidence: conf, Defined: true}
	}
	tests := []struct {
		name           string
		x1, n1, x2, n2 int
		test           funnel.Test
		want           funnel.Comparison
	}{
		{"z-test, higher", 45, 100, 30, 100, funnel.Test{}, c{Defined: true, Diff: 0.15000000000000002,
			Interval: iv(0.015852195068122715, 0.2768308539196248, 0.95), Method: funnel.ZTest, Exact: true,
			Z: 2.1908902300206647, PValue: 0.02845973691631057, Verdict: funnel.Higher}},
		{"same counts, Fisher forced", 45, 100, 30, 100, funnel.Test{Method: funnel.Fisher}, c{Defined: true, Diff: 0.15000000000000002,
			Interval: iv(0.015852195068122715, 0.2768308539196248, 0.95), Method: funnel.Fisher, Exact: true,
			PValue: 0.04053400651498261, Verdict: funnel.Higher}},
		{"same counts at 99%: no difference", 45, 100, 30, 100, funnel.Test{Confidence: 0.99, Method: funnel.ZTest}, c{Defined: true,
			Diff: 0.15000000000000002, Interval: iv(-0.025739590941979446, 0.3134186825674924, 0.99), Method: funnel.ZTest, Exact: true,
			Z: 2.1908902300206647, PValue: 0.02845973691631057, Verdict: funnel.NoDifference}},
		{"expected count 2.5: Fisher, p above 5%", 0, 40, 5, 40, funnel.Test{}, c{Defined: true, Diff: -0.125,
			Interval: iv(-0.26112119838851094, -0.012597114503140439, 0.95), Method: funnel.Fisher, Exact: true,
			PValue: 0.05474272562880158, Verdict: funnel.NoDifference}},
		{"all won on both sides", 50, 50, 50, 50, funnel.Test{}, c{Defined: true,
			Interval: iv(-0.07134759913335864, 0.07134759913335864, 0.95), Method: funnel.Fisher, Exact: true,
			PValue: 1, Verdict: funnel.NoDifference}},
		{"all won, z-test: p = 1", 50, 50, 50, 50, funnel.Test{Method: funnel.ZTest}, c{Defined: true,
			Interval: iv(-0.07134759913335864, 0.07134759913335864, 0.95), Method: funnel.ZTest, Exact: true,
			PValue: 1, Verdict: funnel.NoDifference}},
		{"under the minimum sample: withheld", 5, 20, 50, 100, funnel.Test{}, c{Defined: true, Diff: -0.25,
			Interval: iv(-0.4183168562257842, -0.0110890366204279, 0.95), Method: funnel.ZTest, Exact: true,
			Z: -2.0483662259967566, PValue: 0.040524128286505104, Verdict: funnel.Withheld}},
		{"minimum sample lowered: lower", 5, 20, 50, 100, funnel.Test{MinSample: 20}, c{Defined: true, Diff: -0.25,
			Interval: iv(-0.4183168562257842, -0.0110890366204279, 0.95), Method: funnel.ZTest, Exact: true,
			Z: -2.0483662259967566, PValue: 0.040524128286505104, Verdict: funnel.Lower}},
		{"expected count exactly 5: z-test", 3, 10, 8, 12, funnel.Test{MinSample: 1}, c{Defined: true, Diff: -0.36666666666666664,
			Interval: iv(-0.640623610057333, 0.04338711125336325, 0.95), Method: funnel.ZTest, Exact: true,
			Z: -1.7126976771553504, PValue: 0.08676817270387571, Verdict: funnel.NoDifference}},
		{"tiny Fisher", 1, 3, 0, 3, funnel.Test{MinSample: 1}, c{Defined: true, Diff: 1.0 / 3,
			Interval: iv(-0.29050691643637844, 0.7923403991979523, 0.95), Method: funnel.Fisher, Exact: true,
			PValue: 1, Verdict: funnel.NoDifference}},
		{"empty rest: undefined", 3, 10, 0, 0, funnel.Test{}, c{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deals := slices.Concat(rateDeals("a", tt.x1, tt.n1), rateDeals("b", tt.x2, tt.n2))
			s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD", Test: tt.test})
			r := compute(t, s, funnel.SegmentOptions{Dims: bySource, ByKey: true}, deals)
			got, err := r.CompareRest(0, winRateOf)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.A, tt.want.B = funnel.Ratio{Num: int64(tt.x1), Den: int64(tt.n1)}, funnel.Ratio{Num: int64(tt.x2), Den: int64(tt.n2)}
			tt.want.PAdjusted = tt.want.PValue // made alone: nothing to adjust for
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("CompareRest mismatch (-python +got):\n%s", diff)
			}
			if math.Abs(got.PValue-tt.want.PValue) > 1e-9*max(1, tt.want.PValue) {
				t.Errorf("PValue = %.15g, want %.15g", got.PValue, tt.want.PValue)
			}
			if tt.n2 > 0 { // the other way round: b against a
				back, err := r.Compare(1, 0, winRateOf)
				if err != nil || back.A != tt.want.B || back.B != tt.want.A || math.Abs(back.Diff+tt.want.Diff) > 1e-12 ||
					math.Abs(back.PValue-tt.want.PValue) > 1e-9 {
					t.Errorf("Compare(b, a) = %+v, %v; want the mirror of %+v", back, err, tt.want)
				}
			}
		})
	}
	// a million each: too many deals to generate here, so a report made by
	// hand, whose rest is the total minus the row
	r := funnel.SegmentReport{Rows: []funnel.SegmentRow{{Key: []string{"a"}}}}
	r.Rows[0].Report.WinRate.Ratio = funnel.Ratio{Num: 500000, Den: 1000000}
	r.Total.WinRate.Ratio = funnel.Ratio{Num: 999000, Den: 2000000}
	got, err := r.CompareRest(0, winRateOf)
	want := funnel.Comparison{A: funnel.Ratio{Num: 500000, Den: 1000000}, B: funnel.Ratio{Num: 499000, Den: 1000000}, Defined: true,
		Diff: 0.0010000000000000009, Interval: iv(-0.0003859024928257234, 0.002385897060208763, 0.95), Method: funnel.ZTest, Exact: true,
		Z: 1.4142142694804078, PValue: 0.1572989994964842, PAdjusted: 0.1572989994964842, Verdict: funnel.NoDifference}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); err != nil || diff != "" {
		t.Errorf("a million each: %v, mismatch (-python +got):\n%s", err, diff)
	}
}

// TestSegmentCompareHuge compares segments of 10^8 and 10^12 deals with
// Fisher's test asked for: past its documented size the test switches to
// the z-test (Exact false) and returns at once.
func TestSegmentCompareHuge(t *testing.T) {
	for _, n := range []int64{1e8, 1e12} {
		r := funnel.SegmentReport{Test: funnel.Test{Method: funnel.Fisher}, Rows: []funnel.SegmentRow{{Key: []string{"a"}}}}
		r.Rows[0].Report.WinRate.Ratio = funnel.Ratio{Num: n / 2, Den: n}
		r.Total.WinRate.Ratio = funnel.Ratio{Num: n/2 + n/2 - n/1000, Den: 2 * n}
		start := time.Now()
		c, err := r.CompareRest(0, winRateOf)
		if err != nil || c.Method != funnel.Fisher || c.Exact || !(c.PValue >= 0 && c.PValue <= 1) || c.Verdict != funnel.Higher {
			t.Errorf("n = %d: %+v, %v; want Fisher asked for, the z-test's p-value, higher", n, c, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("n = %d took %v", n, d)
		}
	}
}

// TestSegmentRankAndCompare ranks sources by win rate: a 3/4, b 6/8, c 1/2
// and d with open deals only (0/0). a and b tie at 75% and share rank 1, b
// first for its higher Wilson lower bound; the Wilson bounds come from
// testdata/segment/compare.py.
func TestSegmentRankAndCompare(t *testing.T) {
	deals := slices.Concat(rateDeals("a", 3, 4), rateDeals("b", 6, 8), rateDeals("c", 1, 2), []funnel.Deal{segDeal("d0", "d", funnel.Open, "1", 0, 0)})
	s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD"})
	r := compute(t, s, funnel.SegmentOptions{Dims: bySource, ByKey: true}, deals)
	got, err := r.Rank(winRateOf)
	if err != nil {
		t.Fatal(err)
	}
	rt := func(num, den int64, lo, hi float64) funnel.Rate {
		return funnel.Rate{Ratio: funnel.Ratio{Num: num, Den: den}, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}
	}
	// each row against the rest (testdata/segment/compare.py, "rankings"):
	// Fisher's test by Cochran's rule, every verdict withheld under the
	// minimum sample of 30, the p-values adjusted together
	rest := func(x1, n1, x2, n2 int64, diff, lo, hi, p, q float64) funnel.Comparison {
		return funnel.Comparison{A: funnel.Ratio{Num: x1, Den: n1}, B: funnel.Ratio{Num: x2, Den: n2}, Defined: true, Diff: diff,
			Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}, Method: funnel.Fisher, Exact: true,
			PValue: p, PAdjusted: q, Verdict: funnel.Withheld}
	}
	want := []funnel.RankRow{
		{Row: 1, Label: "b", Rate: rt(6, 8, 0.409275430310169, 0.9285207872478909), Rank: 1,
			Rest: rest(6, 8, 4, 6, 0.08333333333333337, -0.3314615261313366, 0.491155620856446, 1, 1)},
		{Row: 0, Label: "a", Rate: rt(3, 4, 0.300641842582402, 0.9544127391902995), Rank: 1,
			Rest: rest(3, 4, 7, 10, 0.050000000000000044, -0.4387401666765428, 0.4156884737045677, 1, 1)},
		{Row: 2, Label: "c", Rate: rt(1, 2, 0.09453120573423074, 0.9054687942657692), Rank: 3,
			Rest: rest(1, 2, 9, 12, -0.25, -0.6862851467824997, 0.24406603329442644, 0.5054945054945055, 1)},
		{Row: 3, Label: "d", Rate: funnel.Rate{}, Rest: funnel.Comparison{B: funnel.Ratio{Num: 10, Den: 14}}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("Rank mismatch (-want +got):\n%s", diff)
	}
	// the ranking follows the scan's confidence
	s90 := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD", Test: funnel.Test{Confidence: 0.9}})
	r90 := compute(t, s90, funnel.SegmentOptions{Dims: bySource, ByKey: true}, deals)
	got90, err := r90.Rank(winRateOf)
	if err != nil || got90[0].Rate.Interval.Confidence != 0.9 {
		t.Errorf("Rank at 90%%: %+v, %v", got90, err)
	}

	// c (1/2) against the rest: a, b and d, 9/12
	c, err := r.CompareRest(2, winRateOf)
	if err != nil || c.A != (funnel.Ratio{Num: 1, Den: 2}) || c.B != (funnel.Ratio{Num: 9, Den: 12}) || c.Verdict != funnel.Withheld {
		t.Errorf("CompareRest(c) = %+v, %v; want 1/2 against 9/12, withheld", c, err)
	}
	c, err = r.Compare(0, 2, winRateCreatedOf)
	if err != nil || c.A != (funnel.Ratio{Num: 3, Den: 4}) || c.B != (funnel.Ratio{Num: 1, Den: 2}) {
		t.Errorf("Compare(a, c) = %+v, %v; want 3/4 against 1/2", c, err)
	}
	// step conversion Lead -> Demo: no deal reached Demo
	step := func(r *funnel.Report) funnel.Rate { return r.Funnel[1].Step }
	c, err = r.CompareRest(0, step)
	if err != nil || c.A != (funnel.Ratio{Num: 0, Den: 4}) || c.B != (funnel.Ratio{Num: 0, Den: 11}) {
		t.Errorf("CompareRest(a, step 1) = %+v, %v; want 0/4 against 0/11", c, err)
	}
	bogus := func(r *funnel.Report) funnel.Rate { return funnel.Rate{Ratio: funnel.Ratio{Num: 5, Den: 1}} }
	for i, bad := range []func() error{
		func() error { _, err := r.CompareRest(4, winRateOf); return err },
		func() error { _, err := r.CompareRest(-1, winRateOf); return err },
		func() error { _, err := r.CompareRest(0, nil); return err },
		func() error { _, err := r.CompareRest(0, bogus); return err },
		func() error { _, err := r.Compare(1, 1, winRateOf); return err },
		func() error { _, err := r.Compare(1, 9, winRateOf); return err },
		func() error { _, err := r.Compare(9, 1, winRateOf); return err },
		func() error { _, err := r.Rank(nil); return err },
		func() error { _, err := r.Rank(bogus); return err },
		func() error { q := r; q.Test.Confidence = 2; _, err := q.Rank(winRateOf); return err },
		func() error { q := r; q.Test.MinSample = -1; _, err := q.CompareRest(0, winRateOf); return err },
	} {
		if err := bad(); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("bad call %d error = %v, want ErrInvalidParam", i, err)
		}
	}
}

// TestSegmentRankAdjusted checks the comparisons of every segment with the
// rest that Rank makes at once against testdata/segment/compare.py
// ("rankings", TestSegmentRankAdjusted): z-tests (Fisher's for the small
// segment f) whose p-values are adjusted together by Benjamini-Hochberg,
// computed there from the definition. Segment d (56/100) is higher than
// the rest alone (p = 0.0256) but not among the six tests (q = 0.0768);
// a (32/100) stays lower; f is withheld under the minimum sample and g
// (open deals only) is undefined and left out of the adjustment.
func TestSegmentRankAdjusted(t *testing.T) {
	deals := slices.Concat(rateDeals("a", 32, 100), rateDeals("b", 45, 100), rateDeals("c", 48, 100), rateDeals("d", 56, 100),
		rateDeals("e", 44, 90), rateDeals("f", 3, 5), []funnel.Deal{segDeal("g0", "g", funnel.Open, "1", 0, 0)})
	s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD"})
	r := compute(t, s, funnel.SegmentOptions{Dims: bySource, ByKey: true}, deals)
	ranks, err := r.Rank(winRateOf)
	if err != nil {
		t.Fatal(err)
	}
	got := make([]funnel.Comparison, len(ranks))
	for _, k := range ranks {
		got[k.Row] = k.Rest
	}
	c := func(x1, n1, x2, n2 int64, diff, lo, hi float64, m funnel.Method, z, p, q float64, v funnel.Verdict) funnel.Comparison {
		return funnel.Comparison{A: funnel.Ratio{Num: x1, Den: n1}, B: funnel.Ratio{Num: x2, Den: n2}, Defined: true, Diff: diff,
			Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}, Method: m, Exact: true,
			Z: z, PValue: p, PAdjusted: q, Verdict: v}
	}
	want := []funnel.Comparison{
		c(32, 100, 196, 395, -0.1762025316455696, -0.27290645965052, -0.06784765154409575, funnel.ZTest,
			-3.157840839728995, 0.0015894231047522509, 0.009536538628513506, funnel.Lower),
		c(45, 100, 183, 395, -0.013291139240506344, -0.11930270835527958, 0.09569201521067786, funnel.ZTest,
			-0.2381992012726616, 0.8117265965857579, 0.8117265965857579, funnel.NoDifference),
		c(48, 100, 180, 395, 0.024303797468354427, -0.08304394142549001, 0.13258351317030623, funnel.ZTest,
			0.4355642537557235, 0.6631529108365186, 0.7986206178126585, funnel.NoDifference),
		c(56, 100, 172, 395, 0.12455696202531652, 0.015112781030991937, 0.22948127344278682, funnel.ZTest,
			2.2322668004980843, 0.025597334729620152, 0.07679200418886045, funnel.NoDifference),
		c(44, 90, 184, 405, 0.03456790123456788, -0.07727326724297087, 0.14686034498403294, funnel.ZTest,
			0.5951155853764434, 0.5517662113826629, 0.7986206178126585, funnel.NoDifference),
		c(3, 5, 225, 490, 0.1408163265306122, -0.23110354507739583, 0.42654704251306363, funnel.Fisher,
			0, 0.6655171815105487, 0.7986206178126585, funnel.Withheld),
		{B: funnel.Ratio{Num: 228, Den: 495}},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Rank comparisons with the rest mismatch (-python +got):\n%s", diff)
	}
	// alone, d is higher than the rest: its p-value unadjusted
	alone, err := r.CompareRest(3, winRateOf)
	if err != nil || alone.Verdict != funnel.Higher || alone.PAdjusted != alone.PValue || alone.PValue != got[3].PValue {
		t.Errorf("CompareRest(d) = %+v, %v; want higher, PAdjusted = PValue = %v", alone, err, got[3].PValue)
	}
}

// optsForTest returns the options of the k-th segment property test:
// every set of mergeOpts with -funnel.long (as CI runs them), and by
// default the set k (mod their number) alone, so that the default run
// still covers each set in some test.
func optsForTest(k int) []funnel.Options {
	if f := flag.Lookup("funnel.long"); f != nil && f.Value.String() == "true" {
		return mergeOpts
	}
	k %= len(mergeOpts)
	return mergeOpts[k : k+1]
}

// segTestDims are the dimension sets of the property tests: source x
// region x amount band (72 small segments over a few hundred deals), the
// region alone (4 segments past the size at which a segment holds a
// tally) and creation weeks.
func segTestDims(t testing.TB) [][]funnel.Dim {
	t.Helper()
	bands, err := funnel.ByAmount(dec("10000"), dec("100000"))
	if err != nil {
		t.Fatal(err)
	}
	week, err := funnel.ByCreated(funnel.Week)
	if err != nil {
		t.Fatal(err)
	}
	return [][]funnel.Dim{{funnel.ByAttr(funnel.AttrSource), funnel.ByAttr(funnel.AttrRegion), bands}, {funnel.ByAttr(funnel.AttrRegion)}, {week}}
}

// handKey returns the key of d in a dimension set of segTestDims, worked
// out from the deal's fields directly.
func handKey(set int, d funnel.Deal, loc *time.Location) []string {
	switch set {
	case 0:
		band := "< 10000"
		switch {
		case d.Amount.Cmp(dec("100000")) >= 0:
			band = ">= 100000"
		case d.Amount.Cmp(dec("10000")) >= 0:
			band = "10000 to < 100000"
		}
		return []string{d.Attrs.Source, d.Attrs.Region, band}
	case 1:
		return []string{d.Attrs.Region}
	}
	if d.Created.IsZero() {
		return []string{""}
	}
	// the ISO week of the local date; a week starts on Monday at local
	// midnight in these zones
	y, w := d.Created.In(loc).ISOWeek()
	return []string{strconv.Itoa(y) + "-W" + strconv.Itoa(100 + w)[1:]}
}

// TestSegmentsAddUp checks, over generated deals with invalid ones mixed
// in, that the rows add up to the total, that the total equals the
// unsegmented report, and that each row equals the unsegmented report of
// the deals whose key, worked out from their fields, is the row's (an
// independent route to each segment).
func TestSegmentsAddUp(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(400, 11)
	for _, opts := range optsForTest(0) {
		s := scanOf(t, f, opts)
		whole, err := funnel.Compute(f, slices.Values(deals), opts)
		if err != nil {
			t.Fatal(err)
		}
		for set, dims := range segTestDims(t) {
			for _, topK := range []int{0, 5} {
				r := compute(t, s, funnel.SegmentOptions{Dims: dims, TopK: topK}, deals)
				if diff := cmp.Diff(whole, r.Total, cmpopts.EquateErrors()); diff != "" {
					t.Errorf("set %d top %d: total differs from Compute (-want +got):\n%s", set, topK, diff)
				}
				var sum funnel.Report
				var won, pipeline decimal.Decimal
				reached := make([]int64, len(whole.Funnel))
				folded := 0
				for i, row := range r.Rows {
					p := &row.Report
					sum.Deals += p.Deals
					sum.Open += p.Open
					sum.Won += p.Won
					sum.Lost += p.Lost
					sum.Input.Read += p.Input.Read
					sum.Input.Counted += p.Input.Counted
					sum.Input.Future += p.Input.Future
					sum.Input.Skipped.Count += p.Input.Skipped.Count
					sum.WinRate.Ratio = sum.WinRate.Ratio.Add(p.WinRate.Ratio)
					won, pipeline = won.Add(p.DealSize.Total), pipeline.Add(p.Pipeline)
					for k := range p.Funnel {
						reached[k] += p.Funnel[k].Reached
					}
					if row.Other {
						folded += row.Folded
						continue
					}
					var mine []funnel.Deal
					for _, d := range deals {
						if slices.Equal(handKey(set, d, s.Options().Location), row.Key) {
							mine = append(mine, d)
						}
					}
					want, err := funnel.Compute(f, slices.Values(mine), opts)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, row.Report, cmpopts.EquateErrors()); diff != "" {
						t.Errorf("set %d top %d: row %d (%s) differs from Compute over its %d deals (-want +got):\n%s", set, topK, i, row.Label(), len(mine), diff)
					}
				}
				got := []any{sum.Deals, sum.Open, sum.Won, sum.Lost, sum.Input.Read, sum.Input.Counted, sum.Input.Future,
					sum.Input.Skipped.Count, sum.WinRate.Ratio, won.String(), pipeline.String()}
				want := []any{whole.Deals, whole.Open, whole.Won, whole.Lost, whole.Input.Read, whole.Input.Counted, whole.Input.Future,
					whole.Input.Skipped.Count, whole.WinRate.Ratio, whole.DealSize.Total.String(), whole.Pipeline.String()}
				for k := range whole.Funnel {
					got, want = append(got, reached[k]), append(want, whole.Funnel[k].Reached)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("set %d top %d: rows do not add up to the total (-total +sum):\n%s", set, topK, diff)
				}
				if topK == 0 && folded != 0 {
					t.Errorf("set %d: %d segments folded without TopK", set, folded)
				}
			}
		}
	}
}

// TestSegmentPromotion checks segments of sizes around the one at which a
// segment stops keeping records and holds a tally: each equals Compute
// over its deals, alone and merged from two parts.
func TestSegmentPromotion(t *testing.T) {
	f := dealgen.Funnel()
	all := mixedDeals(700, 5)
	var deals []funnel.Deal
	for i, n := range []int{1, 62, 63, 64, 65, 128, 300} {
		for j := range n {
			d := all[len(deals)]
			d.Attrs.Owner = "o" + strconv.Itoa(i)
			if j%10 == 3 {
				d.Created = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // after the as-of time: future
				d.History, d.Stage = nil, "Lead"
				d.Outcome, d.Closed = funnel.Open, time.Time{}
			}
			deals = append(deals, d)
		}
	}
	opts := funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := scanOf(t, f, opts)
	seg := funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}, ByKey: true}
	one := segmentsOf(t, s, seg, deals)
	whole := reportOf(t, one)
	for _, cut := range []int{0, 31, 100, 250, 400, len(deals)} {
		a, b := segmentsOf(t, s, seg, deals[:cut]), segmentsOf(t, s, seg, deals[cut:])
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		if diff := reportDiff(t, whole, reportOf(t, a), true); diff != "" {
			t.Errorf("cut %d: merge differs from one pass:\n%s", cut, diff)
		}
	}
	for _, row := range whole.Rows {
		var mine []funnel.Deal
		for _, d := range deals {
			if d.Attrs.Owner == row.Key[0] {
				mine = append(mine, d)
			}
		}
		want, err := funnel.Compute(f, slices.Values(mine), opts)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, row.Report, cmpopts.EquateErrors()); diff != "" {
			t.Errorf("owner %s (%d deals) differs from Compute:\n%s", row.Key[0], len(mine), diff)
		}
	}
}

func decodeSegments(t testing.TB, into *funnel.Segments, b []byte) *funnel.Segments {
	t.Helper()
	if err := into.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return into
}

// TestSegmentMergeEqualsOnePass splits the deals at cut points, merges the
// parts' segmentations (also decoded from their binary encoding) and
// compares with one pass; it also checks associativity over random
// partitions, and that the argument is unchanged.
func TestSegmentMergeEqualsOnePass(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(300, 3)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, opts := range optsForTest(1) {
		s := scanOf(t, f, opts)
		for set, dims := range segTestDims(t) {
			for _, topK := range []int{0, 2} {
				if topK > 0 && set > 0 {
					continue
				}
				seg := funnel.SegmentOptions{Dims: dims, TopK: topK}
				whole := reportOf(t, segmentsOf(t, s, seg, deals))
				for _, cut := range []int{0, len(deals) / 3, len(deals) / 2, rng.IntN(len(deals) + 1), len(deals)} {
					a, b := segmentsOf(t, s, seg, deals[:cut]), segmentsOf(t, s, seg, deals[cut:])
					da := decodeSegments(t, new(funnel.Segments), encode(t, a))
					db := decodeSegments(t, new(funnel.Segments), encode(t, b))
					bBytes := encode(t, b)
					if err := a.Merge(b); err != nil {
						t.Fatal(err)
					}
					if diff := reportDiff(t, whole, reportOf(t, a), true); diff != "" {
						t.Fatalf("set %d cut %d: merge differs from one pass (-one +merged):\n%s", set, cut, diff)
					}
					if !bytes.Equal(bBytes, encode(t, b)) {
						t.Fatalf("set %d cut %d: Merge changed its argument", set, cut)
					}
					if err := da.Merge(db); err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(encode(t, da), encode(t, a)) {
						t.Fatalf("set %d cut %d: merge of decoded parts encodes differently from the merge of the parts", set, cut)
					}
				}
				// (x + y) + z = x + (y + z), and any partition folds to one pass
				parts := make([][]funnel.Deal, 2+rng.IntN(5))
				for _, d := range deals {
					i := rng.IntN(len(parts))
					parts[i] = append(parts[i], d)
				}
				left := segmentsOf(t, s, seg, nil)
				var accs []*funnel.Segments
				for _, p := range parts {
					accs = append(accs, segmentsOf(t, s, seg, p))
					if err := left.Merge(accs[len(accs)-1]); err != nil {
						t.Fatal(err)
					}
				}
				right := segmentsOf(t, s, seg, nil)
				for _, a := range slices.Backward(accs) {
					if err := a.Merge(right); err != nil {
						t.Fatal(err)
					}
					right = a
				}
				for name, got := range map[string]*funnel.Segments{"left": left, "right": right} {
					if diff := reportDiff(t, whole, reportOf(t, got), true); diff != "" {
						t.Errorf("set %d: %s fold of %d parts differs from one pass:\n%s", set, name, len(parts), diff)
					}
				}
			}
		}
	}
}

// TestSegmentMergeRefused checks the merges refused: other settings,
// scans or kinds (ErrIncompatible), nil and self (ErrInvalidParam).
func TestSegmentMergeRefused(t *testing.T) {
	f := dealgen.Funnel()
	s := scanOf(t, f, funnel.Options{Currency: "USD"})
	src := funnel.SegmentOptions{Dims: bySource}
	a := segmentsOf(t, s, src, dealgen.Generate(10, 1, dealgen.Options{}))
	bands1, _ := funnel.ByAmount(dec("1"))
	bands2, _ := funnel.ByAmount(dec("1.0"))
	day, _ := funnel.ByCreated(funnel.Day)
	week, _ := funnel.ByCreated(funnel.Week)
	atClose, _ := funnel.ByAttrAt(funnel.AttrSource, funnel.AtClose)
	value := func(*funnel.Deal) string { return "" }
	for name, o := range map[string]funnel.Accumulator{
		"other dimension":       segmentsOf(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrRegion)}}, nil),
		"two dimensions":        segmentsOf(t, s, funnel.SegmentOptions{Dims: append(slices.Clone(bySource), funnel.ByAttr(funnel.AttrRegion))}, nil),
		"value at close":        segmentsOf(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{atClose}}, nil),
		"TopK":                  segmentsOf(t, s, funnel.SegmentOptions{Dims: bySource, TopK: 3}, nil),
		"ByKey":                 segmentsOf(t, s, funnel.SegmentOptions{Dims: bySource, ByKey: true}, nil),
		"MaxSegments":           segmentsOf(t, s, funnel.SegmentOptions{Dims: bySource, MaxSegments: 7}, nil),
		"other scan":            segmentsOf(t, scanOf(t, f, funnel.Options{Policy: funnel.AnyStage}), src, nil),
		"other funnel":          segmentsOf(t, scanOf(t, segFunnel(t), funnel.Options{}), src, nil),
		"a tally":               funnel.NewTally(s),
		"bands of another edge": segmentsOf(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{bands2}}, nil),
		"a week":                segmentsOf(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{week}}, nil),
		"a function":            segmentsOf(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByFunc("source", value, nil)}}, nil),
	} {
		if err := a.Merge(o); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("Merge of %s: %v, want ErrIncompatible", name, err)
		}
	}
	for name, pair := range map[string][2]funnel.Dim{"bands": {bands1, bands1}, "days": {day, day},
		"functions": {funnel.ByFunc("x", value, nil), funnel.ByFunc("x", func(*funnel.Deal) string { return "y" }, nil)}} {
		x := segmentsOf(t, s, funnel.SegmentOptions{Dims: pair[:1]}, nil)
		y := segmentsOf(t, s, funnel.SegmentOptions{Dims: pair[1:]}, nil)
		if err := x.Merge(y); err != nil {
			t.Errorf("Merge of equal %s: %v", name, err)
		}
	}
	if err := a.Merge(a); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge into itself: %v, want ErrInvalidParam", err)
	}
	if err := a.Merge(nil); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge(nil): %v, want ErrInvalidParam", err)
	}
	var none *funnel.Segments
	if err := a.Merge(none); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge of a nil *Segments: %v, want ErrInvalidParam", err)
	}
	// the refused merges changed nothing
	if r := reportOf(t, a); r.Total.Deals != 10 {
		t.Errorf("after the refused merges: %d deals, want 10", r.Total.Deals)
	}
}

// TestSegmentRunParallel feeds one stream to segmentations on 2 and 4
// workers: every report, skipped examples included, and every encoding
// equals the serial one; the total equals a tally fed in the same run.
func TestSegmentRunParallel(t *testing.T) {
	f := dealgen.Funnel()
	deals := mixedDeals(3000, 21)
	for _, opts := range optsForTest(2) {
		for set, dims := range segTestDims(t) {
			seg := funnel.SegmentOptions{Dims: dims, TopK: 3}
			opts.Workers = 1
			s1 := scanOf(t, f, opts)
			g1, _ := funnel.NewSegments(s1, seg)
			tl := funnel.NewTally(s1)
			if err := s1.Run(slices.Values(deals), g1, tl); err != nil {
				t.Fatal(err)
			}
			serial := reportOf(t, g1)
			if diff := cmp.Diff(tl.Report(), serial.Total, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("set %d: total differs from the tally of the same run:\n%s", set, diff)
			}
			for _, w := range []int{2, 4} {
				opts.Workers = w
				s := scanOf(t, f, opts)
				a, _ := funnel.NewSegments(s, seg)
				b, _ := funnel.NewSegments(s, seg)
				if err := s.Run(slices.Values(deals), a, b); err != nil {
					t.Fatal(err)
				}
				for _, got := range []*funnel.Segments{a, b} {
					if diff := reportDiff(t, serial, reportOf(t, got), false); diff != "" {
						t.Fatalf("set %d, %d workers: report differs from serial (-serial +parallel):\n%s", set, w, diff)
					}
					if !bytes.Equal(encode(t, got), encode(t, g1)) {
						t.Fatalf("set %d, %d workers: encoding differs from serial", set, w)
					}
				}
			}
		}
	}
}

// TestSegmentEncodingDeterministic checks that the encoding of a merge of
// any partition of valid deals, merged in any order, equals the encoding
// of one pass, byte for byte, and that decoding re-encodes to the same
// bytes.
func TestSegmentEncodingDeterministic(t *testing.T) {
	f := dealgen.Funnel()
	deals := dealgen.Generate(2000, 3, dealgen.Options{})
	rng := rand.New(rand.NewPCG(1, 9))
	month, _ := funnel.ByCreated(funnel.Month)
	sets := append(segTestDims(t), []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}, []funnel.Dim{month, funnel.ByAttr(funnel.AttrProduct)})
	for _, opts := range optsForTest(3) {
		s := scanOf(t, f, opts)
		for set, dims := range sets {
			seg := funnel.SegmentOptions{Dims: dims}
			one := segmentsOf(t, s, seg, deals)
			want := encode(t, one)
			if got := encode(t, decodeSegments(t, new(funnel.Segments), want)); !bytes.Equal(got, want) {
				t.Fatalf("set %d: decode and encode gives other bytes", set)
			}
			if diff := reportDiff(t, reportOf(t, one), reportOf(t, decodeSegments(t, new(funnel.Segments), want)), false); diff != "" {
				t.Fatalf("set %d: decoded report differs:\n%s", set, diff)
			}
			for range 4 {
				parts := make([][]funnel.Deal, 1+rng.IntN(6))
				for _, d := range deals {
					i := rng.IntN(len(parts))
					parts[i] = append(parts[i], d)
				}
				rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
				acc := segmentsOf(t, s, seg, nil)
				for _, p := range parts {
					rng.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
					if err := acc.Merge(segmentsOf(t, s, seg, p)); err != nil {
						t.Fatal(err)
					}
				}
				if got := encode(t, acc); !bytes.Equal(got, want) {
					t.Fatalf("set %d: merge of %d parts encodes differently from one pass (%d vs %d bytes)", set, len(parts), len(got), len(want))
				}
			}
		}
	}
}

// TestSegmentDecode checks decoding into built and zero receivers and the
// encodings refused.
func TestSegmentDecode(t *testing.T) {
	f := dealgen.Funnel()
	s := scanOf(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD"})
	deals := mixedDeals(500, 8)
	seg := funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner), funnel.ByAttr(funnel.AttrProduct)}, TopK: 4}
	b := encode(t, segmentsOf(t, s, seg, deals))
	built, _ := funnel.NewSegments(s, seg)
	decodeSegments(t, built, b)
	if got := encode(t, built); !bytes.Equal(got, b) {
		t.Error("decoding into a built receiver re-encodes differently")
	}
	for name, into := range map[string]*funnel.Segments{
		"other settings": segmentsOf(t, s, funnel.SegmentOptions{Dims: seg.Dims}, nil),
		"rest tests":     segmentsOf(t, s, funnel.SegmentOptions{Dims: seg.Dims, TopK: 4, TestRest: true}, nil),
		"other scan":     segmentsOf(t, scanOf(t, f, funnel.Options{Mode: funnel.Lenient}), seg, nil),
	} {
		if err := into.UnmarshalBinary(b); !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("decoding into a receiver of %s: %v, want ErrIncompatible", name, err)
		}
	}
	// TestRest travels with the settings
	tested := seg
	tested.TestRest = true
	rt := decodeSegments(t, new(funnel.Segments), encode(t, segmentsOf(t, s, tested, deals)))
	if r, err := rt.Report(); err != nil || !r.RestTested {
		t.Errorf("decoded segmentation with TestRest: rest tested %v, %v", r.RestTested, err)
	}
	// a dimension of the caller's decodes only into a receiver built with it
	tier := funnel.ByFunc("tier", func(d *funnel.Deal) string { return d.Attrs.Industry[:1] }, nil)
	fb := encode(t, segmentsOf(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{tier}}, deals))
	if err := new(funnel.Segments).UnmarshalBinary(fb); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("decoding a ByFunc segmentation into a zero receiver: %v, want ErrIncompatible", err)
	}
	withTier := segmentsOf(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{tier}}, nil)
	decodeSegments(t, withTier, fb)
	if err := withTier.Add(deals[1]); err != nil {
		t.Errorf("adding to a decoded ByFunc segmentation: %v", err)
	}
	// truncations and corruptions: an error wrapping ErrInvalidParam, or a
	// valid segmentation, never a panic
	for i := 0; i < len(b); i += 1 + i/300*36 {
		var g funnel.Segments
		if err := g.UnmarshalBinary(b[:i]); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Fatalf("truncated at %d of %d: %v, want ErrInvalidParam", i, len(b), err)
		}
	}
	rng := rand.New(rand.NewPCG(2, 2))
	for range 500 {
		c := slices.Clone(b)
		c[rng.IntN(len(c))] ^= byte(1 + rng.IntN(255))
		var g funnel.Segments
		if err := g.UnmarshalBinary(c); err == nil {
			if _, err := g.Report(); err != nil {
				t.Fatalf("a corrupt encoding decoded, then failed to report: %v", err)
			}
		} else if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
			t.Fatalf("corrupt encoding: %v", err)
		}
	}
}

// TestSegmentZero checks that the zero Segments, which no constructor
// built, refuses work with errors and never panics.
func TestSegmentZero(t *testing.T) {
	var z funnel.Segments
	built := segmentsOf(t, scanOf(t, segFunnel(t), funnel.Options{}), funnel.SegmentOptions{Dims: bySource}, nil)
	z.Observe(&funnel.View{})
	if _, err := z.Report(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Report: %v", err)
	}
	if err := z.Add(segDeal("1", "web", funnel.Open, "1", 0, 0)); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Add: %v", err)
	}
	if _, err := z.MarshalBinary(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("MarshalBinary: %v", err)
	}
	if err := z.Merge(built); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Merge into the zero Segments: %v", err)
	}
	if err := built.Merge(&z); !errors.Is(err, funnel.ErrIncompatible) {
		t.Errorf("Merge of the zero Segments: %v", err)
	}
	if f := z.Fresh(); f.Scan() != nil {
		t.Errorf("Fresh of the zero Segments has a scan")
	}
}

// TestSegmentMaxSegments checks the bound on segments: more segments than
// MaxSegments give an error (from Add, Report, ComputeSegments and after a
// merge whose union is too large), whatever the order or split of the
// deals; up to the bound, the result is exact.
func TestSegmentMaxSegments(t *testing.T) {
	s := scanOf(t, segFunnel(t), funnel.Options{Currency: "USD"})
	mk := func(srcs ...string) []funnel.Deal {
		var out []funnel.Deal
		for i, src := range srcs {
			out = append(out, segDeal(src+strconv.Itoa(i), src, funnel.Open, "1", 0, 0))
		}
		return out
	}
	seg := funnel.SegmentOptions{Dims: bySource, MaxSegments: 4}
	if _, err := funnel.ComputeSegments(s, slices.Values(mk("a", "b", "", "c")), seg); err != nil {
		t.Errorf("4 segments under a bound of 4: %v", err)
	}
	_, err := funnel.ComputeSegments(s, slices.Values(mk("a", "b", "", "c", "d")), seg)
	if !errors.Is(err, funnel.ErrInvalidParam) || !strings.Contains(err.Error(), "more than 4 segments") {
		t.Errorf("5 segments under a bound of 4: %v, want ErrInvalidParam", err)
	}
	g, _ := funnel.NewSegments(s, seg)
	for i, d := range mk("a", "b", "c", "d", "a", "e", "a") {
		err := g.Add(d)
		if (i >= 5) != errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Add of deal %d: %v", i, err)
		}
	}
	over := encode(t, g)
	if _, err := decodeSegments(t, new(funnel.Segments), over).Report(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("decoded past the bound: %v", err)
	}
	for _, c := range []struct {
		a, b []string
		over bool
	}{
		{[]string{"a", "b"}, []string{"c", "d", "e"}, true},
		{[]string{"a", "b", "c"}, []string{"b", "c", "d"}, false},
		{[]string{"a", "b", "c", "d", "e"}, nil, true},
		{nil, []string{"a", "b", "c", "d", "e"}, true},
	} {
		x, y := segmentsOf(t, s, seg, mk(c.a...)), segmentsOf(t, s, seg, mk(c.b...))
		if err := x.Merge(y); err != nil {
			t.Fatal(err)
		}
		if _, err := x.Report(); errors.Is(err, funnel.ErrInvalidParam) != c.over {
			t.Errorf("merge of %q and %q: %v", c.a, c.b, err)
		}
	}
	// parallel equals serial, past the bound or not
	deals := dealgen.Generate(20000, 2, dealgen.Options{})
	for _, max := range []int{5, 6} { // 6 sources, one unknown
		for _, w := range []int{1, 2, 4} {
			ws := scanOf(t, dealgen.Funnel(), funnel.Options{Currency: "USD", Workers: w})
			_, err := funnel.ComputeSegments(ws, slices.Values(deals), funnel.SegmentOptions{Dims: bySource, MaxSegments: max})
			if (max < 6) != errors.Is(err, funnel.ErrInvalidParam) {
				t.Errorf("bound %d on %d workers: %v", max, w, err)
			}
		}
	}
	// hostile: a distinct value per deal stays bounded
	idDim := funnel.ByFunc("id", func(d *funnel.Deal) string { return d.ID }, nil)
	_, err = funnel.ComputeSegments(scanOf(t, dealgen.Funnel(), funnel.Options{Currency: "USD"}), slices.Values(deals),
		funnel.SegmentOptions{Dims: []funnel.Dim{idDim}})
	if !errors.Is(err, funnel.ErrInvalidParam) || !strings.Contains(err.Error(), "10000") {
		t.Errorf("20000 distinct keys under the default bound: %v", err)
	}
}

var segBenchDims = []funnel.Dim{funnel.ByAttr(funnel.AttrSource), funnel.ByAttr(funnel.AttrRegion), funnel.ByAttr(funnel.AttrProduct)}

// BenchmarkSegment measures a three-way segmentation (source x region x
// product: 6 x 4 x 3 = 72 segments, one unknown source among the six) of
// generated deals, report included, with the options of BenchmarkCompute,
// on the scan's workers (GOMAXPROCS=1 for one core).
func BenchmarkSegment(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		deals := benchDeals(b, n)
		s := scanOf(b, dealgen.Funnel(), funnel.Options{AsOf: benchAsOf, Window: 90 * 24 * time.Hour, Currency: "USD"})
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			cputime.Report(b, func() {
				r, err := funnel.ComputeSegments(s, slices.Values(deals), funnel.SegmentOptions{Dims: segBenchDims})
				if err != nil || r.Total.Deals != int64(n) {
					b.Fatal(err, r.Total.Deals)
				}
			})
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/deal")
		})
	}
}

// BenchmarkSegmentReport splits the three-way segmentation of
// BenchmarkSegment into its pass over the deals and its report (the
// segments' reports and their tests against the rest), each iteration
// timing both, and reports "report/pass", the ratio of their times:
// steadier than the times themselves on a shared machine.
func BenchmarkSegmentReport(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		deals := benchDeals(b, n)
		s := scanOf(b, dealgen.Funnel(), funnel.Options{AsOf: benchAsOf, Window: 90 * 24 * time.Hour, Currency: "USD"})
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var pass, report time.Duration
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				g, err := funnel.NewSegments(s, funnel.SegmentOptions{Dims: segBenchDims})
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Run(slices.Values(deals), g); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				r, err := g.Report()
				if err != nil || r.Total.Deals != int64(n) {
					b.Fatal(err)
				}
				pass += t1.Sub(t0)
				report += time.Since(t1)
			}
			b.ReportMetric(float64(pass.Nanoseconds())/float64(b.N), "pass-ns/op")
			b.ReportMetric(float64(report.Nanoseconds())/float64(b.N), "report-ns/op")
			b.ReportMetric(float64(report)/float64(pass), "report/pass")
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
	s := scanOf(b, f, opts)
	var plain, seg time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		r, err := funnel.Compute(f, slices.Values(deals), opts)
		t1 := time.Now()
		g, err2 := funnel.ComputeSegments(s, slices.Values(deals), funnel.SegmentOptions{Dims: segBenchDims})
		t2 := time.Now()
		if err != nil || err2 != nil || r.Deals != n || g.Total.Deals != n {
			b.Fatal(err, err2)
		}
		plain += t1.Sub(t0)
		seg += t2.Sub(t1)
	}
	b.ReportMetric(float64(plain.Nanoseconds())/float64(b.N), "plain-ns/op")
	b.ReportMetric(float64(seg.Nanoseconds())/float64(b.N), "segmented-ns/op")
	b.ReportMetric(float64(seg)/float64(plain), "ratio")
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkSegmentMemory segments n deals by owner, each deal with an
// owner of its own (n segments, TopK 10), and reports the live heap the
// segmentation holds per segment ("heap-B/segment", measured after
// garbage collection with every deal added, before the report) and the
// bytes allocated per operation, report included.
func BenchmarkSegmentMemory(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		deals := dealgen.Generate(n, 1, dealgen.Options{})
		for i := range deals {
			deals[i].Attrs.Owner = "owner-" + strconv.Itoa(i)
		}
		s := scanOf(b, dealgen.Funnel(), funnel.Options{AsOf: benchAsOf, Window: 90 * 24 * time.Hour, Currency: "USD", Workers: 1})
		seg := funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}, TopK: 10, MaxSegments: n}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			var perSeg float64
			for b.Loop() {
				before := liveHeap()
				g, err := funnel.NewSegments(s, seg)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Run(slices.Values(deals), g); err != nil {
					b.Fatal(err)
				}
				perSeg = float64(liveHeap()-before) / float64(n)
				r, err := g.Report()
				if err != nil || r.Total.Deals != int64(n) || len(r.Rows) != 11 {
					b.Fatal(err, len(r.Rows))
				}
			}
			b.ReportMetric(perSeg, "heap-B/segment")
		})
	}
}

// TestSegmentMemory checks that a segment of one deal costs well under a
// kilobyte (a Tally of its own costs about 5 KB).
func TestSegmentMemory(t *testing.T) {
	const n = 20_000
	deals := dealgen.Generate(n, 1, dealgen.Options{})
	for i := range deals {
		deals[i].Attrs.Owner = "owner-" + strconv.Itoa(i)
	}
	s := scanOf(t, dealgen.Funnel(), funnel.Options{Currency: "USD", Workers: 1})
	before := liveHeap()
	g, err := funnel.NewSegments(s, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}, MaxSegments: n})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(slices.Values(deals), g); err != nil {
		t.Fatal(err)
	}
	per := float64(liveHeap()-before) / n
	runtime.KeepAlive(g)
	runtime.KeepAlive(deals)
	if per > 1000 {
		t.Errorf("%.0f bytes per segment of one deal, want under 1000", per)
	}
	t.Logf("%.0f bytes per segment of one deal", per)
}

// mavenCounts are a segment's rows, won and lost deals and won value.
type mavenCounts struct {
	Rows, Won, Lost int64
	WonValue        string
}

// TestSegmentMaven breaks the Maven CRM export down by sales agent,
// manager, regional office, product, account sector and quarter of
// engagement (the export's creation date). The expectations are an
// independent sqlite3 computation over the CSV files (no Go code
// involved): testdata/maven-crm/crosscheck.sql (section 8) and
// testdata/segment/maven_quarters.sql hold the queries and how to run
// them. Accounts left empty in the pipeline (all open deals) have no
// sector: they are the unknown segment, "(none)" in the SQL; deals never
// engaged have no quarter.
func TestSegmentMaven(t *testing.T) {
	data, err := maven.Load("testdata/maven-crm", csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		t.Fatal(err)
	}
	quarter, _ := funnel.ByCreated(funnel.Quarter)
	type m = mavenCounts
	tests := []struct {
		dim  funnel.Dim
		want map[string]mavenCounts
	}{
		{funnel.ByAttr(funnel.AttrOwner), map[string]mavenCounts{
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
		{funnel.ByAttr("manager"), map[string]mavenCounts{
			"Cara Losch": {964, 480, 265, "1130049"}, "Celia Rouche": {1296, 610, 352, "1603897"},
			"Dustin Brinkmann": {1583, 747, 439, "1094363"}, "Melvin Marxen": {1929, 882, 536, "2251930"},
			"Rocco Neubert": {1327, 691, 422, "1960545"}, "Summer Sewald": {1701, 828, 459, "1964750"},
		}},
		{funnel.ByAttr(funnel.AttrRegion), map[string]mavenCounts{
			"Central": {3512, 1629, 975, "3346293"}, "East": {2291, 1171, 687, "3090594"}, "West": {2997, 1438, 811, "3568647"},
		}},
		{funnel.ByAttr(funnel.AttrProduct), map[string]mavenCounts{
			"GTK 500": {40, 15, 10, "400612"}, "GTX Basic": {1866, 915, 521, "499263"}, "GTX Plus Basic": {1383, 653, 398, "705275"},
			"GTX Plus Pro": {968, 479, 266, "2629651"}, "GTXPro": {1480, 729, 418, "3510578"}, "MG Advanced": {1412, 654, 430, "2216387"},
			"MG Special": {1651, 793, 430, "43768"},
		}},
		{funnel.ByAttr(funnel.AttrIndustry), map[string]mavenCounts{
			"(unknown)": {1425, 0, 0, "0"}, "employment": {311, 179, 107, "436174"}, "entertainment": {451, 260, 142, "689007"},
			"finance": {678, 375, 238, "950908"}, "marketing": {674, 404, 219, "922321"}, "medical": {1051, 592, 358, "1359595"},
			"retail": {1397, 799, 468, "1867528"}, "services": {390, 223, 129, "533006"}, "software": {757, 450, 254, "1077934"},
			"technolgy": {1165, 671, 387, "1515487"}, "telecommunications": {501, 285, 171, "653574"},
		}},
		{quarter, map[string]mavenCounts{
			"(unknown)": {500, 0, 0, "0"}, "2016-Q4": {358, 250, 55, "523531"}, "2017-Q1": {1619, 898, 424, "2170446"},
			"2017-Q2": {2388, 1246, 776, "2968256"}, "2017-Q3": {2770, 1207, 805, "2792733"}, "2017-Q4": {1165, 637, 413, "1550568"},
		}},
	}
	s := scanOf(t, data.Funnel, funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)})
	for _, tt := range tests {
		r := compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{tt.dim}}, data.Deals)
		t.Run(r.Dims[0], func(t *testing.T) {
			got := make(map[string]mavenCounts)
			for _, row := range r.Rows {
				p := &row.Report
				got[row.Label()] = m{p.Input.Read, p.Won, p.Lost, p.DealSize.Total.String()}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("by %s mismatch with the SQL (-sql +got):\n%s", r.Dims[0], diff)
			}
			if in := r.Total.Input; in.Read != 8800 || in.Counted != 8800 || r.Total.Won != 4238 || r.Total.Lost != 2473 {
				t.Errorf("total = %+v, %d won, %d lost; the SQL has 8800 rows, 4238 won, 2473 lost", in, r.Total.Won, r.Total.Lost)
			}
		})
	}
}

// fuzzSeeds returns encodings of segmentations with something in every
// part: small and tally segments, skipped and future deals, bands,
// creation periods, an overflowed one.
func fuzzSeeds(t testing.TB) [][]byte {
	deals := mixedDeals(120, 6)
	for i := 0; i < len(deals); i += 29 {
		deals[i].Created = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // future
		deals[i].History, deals[i].Stage, deals[i].Outcome, deals[i].Closed = nil, "Lead", funnel.Open, time.Time{}
	}
	bands, _ := funnel.ByAmount(dec("1000"), dec("50000.5"))
	week, _ := funnel.ByCreated(funnel.Week)
	atCreation, _ := funnel.ByAttrAt(funnel.AttrOwner, funnel.AtCreation)
	s := scanOf(t, dealgen.Funnel(), funnel.Options{Mode: funnel.Lenient, Currency: "USD", AsOf: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	havana := scanOf(t, dealgen.Funnel(), funnel.Options{Currency: "USD", Location: mustZone("America/Havana"), Period: funnel.Day})
	out := [][]byte{encode(t, segmentsOf(t, havana, funnel.SegmentOptions{Dims: []funnel.Dim{week}}, deals[1:20]))}
	for _, seg := range []funnel.SegmentOptions{
		{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrRegion)}},
		{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource), bands, week}, TopK: 3, ByKey: true},
		{Dims: []funnel.Dim{atCreation, funnel.ByAttr("tier")}},
		{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrOwner)}, MaxSegments: 3},
	} {
		for _, n := range []int{0, 7, len(deals)} {
			out = append(out, encode(t, segmentsOf(t, s, seg, deals[:n])))
		}
	}
	return out
}

// FuzzSegmentsDecode decodes fuzzed bytes: never a panic; what decodes
// re-encodes, decodes again to the same bytes, reports (without NaN: the
// report marshals to JSON) and merges with a copy of itself.
func FuzzSegmentsDecode(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)-1])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var g funnel.Segments
		if err := g.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
				t.Fatalf("decode error %v wraps neither ErrInvalidParam nor ErrIncompatible", err)
			}
			return
		}
		b1 := encode(t, &g)
		var h funnel.Segments
		if err := h.UnmarshalBinary(b1); err != nil {
			t.Fatalf("re-encoding does not decode: %v", err)
		}
		if b2 := encode(t, &h); !bytes.Equal(b1, b2) {
			t.Fatalf("decode(encode(x)) encodes to other bytes")
		}
		for _, x := range []*funnel.Segments{&g, &h} {
			r, err := x.Report()
			if err != nil {
				if !errors.Is(err, funnel.ErrInvalidParam) {
					t.Fatal(err)
				}
				continue
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("report does not marshal: %v", err)
			}
		}
		if err := g.Merge(&h); err != nil {
			t.Fatalf("merge with a copy: %v", err)
		}
		if r, err := g.Report(); err == nil {
			if _, err := json.Marshal(r); err != nil {
				t.Fatalf("merged report does not marshal: %v", err)
			}
		}
	})
}

// FuzzSegmentCompare checks the invariants of comparing a row with the
// rest and of ranking two rows: no NaN or infinity, a p-value in [0, 1],
// Lo <= Diff <= Hi inside [-1, 1], a verdict withheld exactly under the
// minimum sample, and ranks that follow the exact order of the rates.
func FuzzSegmentCompare(f *testing.F) {
	for _, c := range [][4]int64{{45, 100, 30, 100}, {3, 10, 8, 12}, {0, 40, 5, 40}, {50, 50, 50, 50}, {5, 20, 50, 100}, {1, 3, 0, 3}, {0, 0, 3, 10}, {500000, 1000000, 499000, 1000000}} {
		f.Add(c[0], c[1], c[2], c[3], uint8(0), 0.95, int64(0))
	}
	f.Add(int64(7), int64(9), int64(0), int64(1), uint8(2), 0.5, int64(1))
	f.Add(int64(1e11), int64(1e12), int64(3), int64(1e12), uint8(2), 0.99, int64(5))
	f.Fuzz(func(t *testing.T, x1, n1, x2, n2 int64, method uint8, conf float64, minSample int64) {
		bound := func(v, hi int64) int64 {
			if v < 0 {
				v = -(v + 1)
			}
			return v % (hi + 1)
		}
		n1, n2 = bound(n1, 1e12), bound(n2, 1e12)
		x1, x2 = bound(x1, n1), bound(x2, n2)
		minSample = bound(minSample, 100)
		test := funnel.Test{Confidence: funnel.Confidence(conf), Method: funnel.Method(method % 3), MinSample: minSample}
		r := funnel.SegmentReport{Test: test, Rows: []funnel.SegmentRow{{Key: []string{"a"}}, {Key: []string{"b"}}}}
		r.Rows[0].Report.WinRate.Ratio = funnel.Ratio{Num: x1, Den: n1}
		r.Rows[1].Report.WinRate.Ratio = funnel.Ratio{Num: x2, Den: n2}
		r.Total.WinRate.Ratio = funnel.Ratio{Num: x1 + x2, Den: n1 + n2}
		c, err := r.CompareRest(0, winRateOf)
		ranks, rerr := r.Rank(winRateOf)
		if conf != 0 && !(conf > 0 && conf < 1) {
			if !errors.Is(err, funnel.ErrInvalidParam) || !errors.Is(rerr, funnel.ErrInvalidParam) {
				t.Fatalf("confidence %v: errors %v, %v; want ErrInvalidParam", conf, err, rerr)
			}
			return
		}
		if err != nil || rerr != nil {
			t.Fatal(err, rerr)
		}
		a, b := funnel.Ratio{Num: x1, Den: n1}, funnel.Ratio{Num: x2, Den: n2}
		if c.A != a || c.B != b || c.Defined != (n1 > 0 && n2 > 0) {
			t.Fatalf("compared %v with %v (defined %v), want %v with %v", c.A, c.B, c.Defined, a, b)
		}
		for _, v := range []float64{c.Diff, c.Interval.Lo, c.Interval.Hi, c.Z, c.PValue} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%v vs %v: non-finite value in %+v", a, b, c)
			}
		}
		if !c.Defined {
			if c.Verdict != funnel.Withheld {
				t.Fatalf("undefined comparison with verdict %v", c.Verdict)
			}
		} else {
			const eps = 1e-12
			iv := c.Interval
			if c.PValue < 0 || c.PValue > 1 || iv.Lo < -1 || iv.Hi > 1 || iv.Lo > c.Diff+eps || iv.Hi < c.Diff-eps {
				t.Fatalf("%v vs %v: out of range: %+v", a, b, c)
			}
			least := cmpOr(minSample, 30)
			if (n1 < least || n2 < least) != (c.Verdict == funnel.Withheld) {
				t.Fatalf("%v vs %v, minimum %d: verdict %v", a, b, least, c.Verdict)
			}
		}
		// ranks: the higher exact rate first, equal rates share a rank
		byRow := map[int]funnel.RankRow{}
		for _, k := range ranks {
			byRow[k.Row] = k
		}
		ra, rb := byRow[0], byRow[1]
		switch {
		case n1 == 0 || n2 == 0:
			if (n1 == 0) != (ra.Rank == 0) || (n2 == 0) != (rb.Rank == 0) {
				t.Fatalf("undefined rates ranked: %+v", ranks)
			}
		case x1*1 == x1 && new(bigRat).cmp(x1, n1, x2, n2) == 0:
			if ra.Rank != 1 || rb.Rank != 1 {
				t.Fatalf("equal rates %v and %v ranked %d and %d", a, b, ra.Rank, rb.Rank)
			}
		case new(bigRat).cmp(x1, n1, x2, n2) > 0:
			if ra.Rank != 1 || rb.Rank != 2 || ranks[0].Row != 0 {
				t.Fatalf("%v above %v ranked %+v", a, b, ranks)
			}
		default:
			if rb.Rank != 1 || ra.Rank != 2 || ranks[0].Row != 1 {
				t.Fatalf("%v below %v ranked %+v", a, b, ranks)
			}
		}
	})
}

func cmpOr(v, d int64) int64 {
	if v == 0 {
		return d
	}
	return v
}

// bigRat compares fractions exactly, with math/big.
type bigRat struct{}

func (bigRat) cmp(x1, n1, x2, n2 int64) int {
	return big.NewRat(x1, n1).Cmp(big.NewRat(x2, n2))
}

// FuzzSegmentAttrAt builds deals with fuzzed attribute histories (three
// bytes per change: key, day, value; day 0 is an unrecorded time) and
// compares the segment of each value choice with the value that Deal.At
// gives at the as-of time and then at the deal's creation or close.
func FuzzSegmentAttrAt(f *testing.F) {
	f.Add([]byte{0, 5, 1, 0, 20, 2, 1, 3, 3}, uint8(10), uint8(1), uint8(15), uint8(0))
	f.Add([]byte{0, 5, 1, 0, 5, 2, 0, 5, 3}, uint8(5), uint8(0), uint8(0), uint8(30))
	f.Add([]byte{2, 0, 1, 0, 0, 0}, uint8(0), uint8(2), uint8(4), uint8(2))
	f.Add([]byte{0, 1, 0, 1, 2, 1}, uint8(3), uint8(1), uint8(0), uint8(1))
	keys := []string{funnel.AttrOwner, "tier", funnel.AttrRegion}
	var dims []funnel.Dim
	for _, key := range keys {
		for _, at := range []funnel.ValueAt{funnel.AtCurrent, funnel.AtCreation, funnel.AtClose} {
			d, _ := funnel.ByAttrAt(key, at)
			dims = append(dims, d)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, created, outcome, closeAfter, asOf uint8) {
		d := funnel.Deal{ID: "d", Stage: "Lead", Outcome: funnel.Outcome(outcome % 3),
			Attrs: funnel.Attributes{Owner: "now", Region: "EU", Custom: map[string]string{"tier": "gold"}}}
		if created != 0 {
			d.Created = segDays(int(created))
		}
		if d.Outcome != funnel.Open {
			d.Closed = segDays(int(created) + int(closeAfter))
		}
		day := 0
		for i := 0; i+2 < len(data) && i < 90; i += 3 {
			c := funnel.FieldChange{Field: funnel.FieldAttr, Key: keys[int(data[i])%len(keys)], Text: []string{"", "v1", "v2", "v3"}[data[i+2]%4]}
			if data[i+1] != 0 {
				day = max(day, int(data[i+1])) // changes in time order
				c.At = segDays(day)
			}
			d.Changes = append(d.Changes, c)
		}
		opts := funnel.Options{Mode: funnel.Lenient, UndatedClose: true}
		if asOf != 0 {
			opts.AsOf = segDays(int(asOf))
		}
		s := scanOf(t, segFunnel(t), opts)
		// the reference: the deal as of the as-of time (as given when it
		// is invalid or created later), then Deal.At at the time chosen
		ref := d
		if d.Validate(s.Funnel()) == nil && !opts.AsOf.IsZero() {
			if at, ok := d.At(opts.AsOf); ok {
				ref = at
			}
		}
		for i, dim := range dims {
			key, choice := keys[i/3], funnel.ValueAt(i%3)
			want := ref.Attrs.Get(key)
			switch {
			case choice == funnel.AtCreation && ref.Created.IsZero():
				for _, c := range ref.Changes {
					if c.Field == funnel.FieldAttr && c.Key == key {
						want = c.Text
						break
					}
				}
			case choice == funnel.AtCreation:
				at, _ := ref.At(ref.Created)
				want = at.Attrs.Get(key)
			case choice == funnel.AtClose && ref.Outcome != funnel.Open && !ref.Closed.IsZero():
				at, _ := ref.At(ref.Closed)
				want = at.Attrs.Get(key)
			}
			r := compute(t, s, funnel.SegmentOptions{Dims: []funnel.Dim{dim}}, []funnel.Deal{d})
			if len(r.Rows) != 1 || r.Rows[0].Key[0] != want {
				t.Fatalf("%s: key %v, want %q (deal %+v)", r.Dims[0], r.Rows, want, d)
			}
		}
	})
}
