package funnel_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func exSegDay(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }

// exSegScan is the scan of the segmentation examples: a two-stage funnel,
// default options.
func exSegScan() *funnel.Scan {
	f, err := funnel.New("Lead", "Demo")
	if err != nil {
		panic(err)
	}
	s, err := funnel.NewScan(f, funnel.Options{})
	if err != nil {
		panic(err)
	}
	return s
}

// exSegDeals are eight deals: web 4 (2 won, 1 lost, 1 open), referral 2
// (1 won, 1 lost), event 1 (lost) and one of unknown source (open).
func exSegDeals() []funnel.Deal {
	mk := func(id, source, region string, o funnel.Outcome, amount int64, created, closed time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: created, Closed: closed, Outcome: o, Amount: decimal.NewFromInt(amount),
			Stage: "Lead", Attrs: funnel.Attributes{Source: source, Region: region}}
	}
	return []funnel.Deal{
		mk("1", "web", "EMEA", funnel.Won, 1000, exSegDay(1, 1), exSegDay(1, 11)),
		mk("2", "web", "EMEA", funnel.Lost, 500, exSegDay(1, 2), exSegDay(1, 5)),
		mk("3", "web", "NA", funnel.Won, 2000, exSegDay(1, 3), exSegDay(1, 23)),
		mk("4", "web", "NA", funnel.Open, 700, exSegDay(1, 4), time.Time{}),
		mk("5", "referral", "EMEA", funnel.Won, 3000, exSegDay(1, 5), exSegDay(1, 15)),
		mk("6", "referral", "NA", funnel.Lost, 800, exSegDay(2, 1), exSegDay(2, 3)),
		mk("7", "", "NA", funnel.Open, 300, exSegDay(2, 2), time.Time{}),
		mk("8", "event", "EMEA", funnel.Lost, 400, exSegDay(2, 3), exSegDay(2, 4)),
	}
}

func exBySource() funnel.SegmentReport {
	r, err := funnel.ComputeSegments(exSegScan(), slices.Values(exSegDeals()),
		funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}})
	if err != nil {
		panic(err)
	}
	return r
}

func winRate(r *funnel.Report) funnel.Rate { return r.WinRate }

// Example_segmentation breaks the win rate down by source and region.
func Example_segmentation() {
	dims := []funnel.Dim{funnel.ByAttr(funnel.AttrSource), funnel.ByAttr(funnel.AttrRegion)}
	r, err := funnel.ComputeSegments(exSegScan(), slices.Values(exSegDeals()), funnel.SegmentOptions{Dims: dims, ByKey: true})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		fmt.Printf("%-16s %d deals, win rate %v\n", row.Label(), row.Report.Deals, row.Report.WinRate.Ratio)
	}
	fmt.Printf("%-16s %d deals, win rate %v\n", "total", r.Total.Deals, r.Total.WinRate.Ratio)
	// Output:
	// event x EMEA     1 deals, win rate 0/1 (0.0%)
	// referral x EMEA  1 deals, win rate 1/1 (100.0%)
	// referral x NA    1 deals, win rate 0/1 (0.0%)
	// web x EMEA       2 deals, win rate 1/2 (50.0%)
	// web x NA         2 deals, win rate 1/1 (100.0%)
	// (unknown) x NA   1 deals, win rate 0/0 (n/a)
	// total            8 deals, win rate 3/6 (50.0%)
}

func ExampleComputeSegments() {
	r := exBySource()
	for _, row := range r.Rows {
		fmt.Printf("%s: %d deals, %d won, won value %s\n", row.Label(), row.Report.Deals, row.Report.Won, row.Report.DealSize.Total)
	}
	// Output:
	// web: 4 deals, 2 won, won value 3000
	// referral: 2 deals, 1 won, won value 3000
	// event: 1 deals, 0 won, won value 0
	// (unknown): 1 deals, 0 won, won value 0
}

// ExampleNewSegments feeds one segmentation from two goroutines' worth of
// deals, merged, and shows the options it rejects.
func ExampleNewSegments() {
	s := exSegScan()
	opts := funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrRegion)}}
	a, err := funnel.NewSegments(s, opts)
	if err != nil {
		panic(err)
	}
	b := a.Fresh().(*funnel.Segments)
	deals := exSegDeals()
	if err := errorsJoin(s.Run(slices.Values(deals[:5]), a), s.Run(slices.Values(deals[5:]), b), a.Merge(b)); err != nil {
		panic(err)
	}
	r, err := a.Report()
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		fmt.Println(row.Label(), row.Report.Deals)
	}
	_, err = funnel.NewSegments(s, funnel.SegmentOptions{})
	fmt.Println(err)
	// Output:
	// EMEA 4
	// NA 4
	// funnel: 0 segment dimensions, want 1 to 8: funnel: invalid parameter
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func ExampleSegments_Add() {
	s, err := funnel.NewSegments(exSegScan(), funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Add(exSegDeals()[0]))
	fmt.Println(s.Add(funnel.Deal{ID: "x", Stage: "Nowhere", Attrs: funnel.Attributes{Source: "web"}}))
	r, _ := s.Report()
	in := r.Rows[0].Report.Input
	fmt.Println(r.Rows[0].Label(), in.Read, in.Counted, in.Skipped.Count)
	// Output:
	// <nil>
	// funnel: deal "x": Stage: funnel: unknown stage
	// web 2 1 1
}

// ExampleSegments_Report shows the bound on segments: deals that make more
// segments than MaxSegments give an error, never a partial result.
func ExampleSegments_Report() {
	s, _ := funnel.NewSegments(exSegScan(), funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}, MaxSegments: 3})
	for _, d := range exSegDeals() {
		_ = s.Add(d)
	}
	_, err := s.Report()
	fmt.Println(err)
	// Output: funnel: the deals make more than 3 segments (SegmentOptions.MaxSegments): funnel: invalid parameter
}

func ExampleSegmentOptions() {
	// the top source, the unknown source kept apart, the rest folded
	r, err := funnel.ComputeSegments(exSegScan(), slices.Values(exSegDeals()),
		funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}, TopK: 1})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		fmt.Println(row.Label(), row.Report.Deals, row.Folded)
	}
	// Output:
	// web 4 0
	// (unknown) 1 0
	// (other) 3 2
}

func ExampleByFunc() {
	// a caller's key function: deals above 1000 are "large"
	size := funnel.ByFunc("size", func(d *funnel.Deal) string {
		if d.Amount.GreaterThan(decimal.NewFromInt(1000)) {
			return "large"
		}
		return "small"
	}, nil)
	r, err := funnel.ComputeSegments(exSegScan(), slices.Values(exSegDeals()), funnel.SegmentOptions{Dims: []funnel.Dim{size}})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		fmt.Println(row.Label(), row.Report.Deals)
	}
	// Output:
	// small 6
	// large 2
}

func ExampleByAmount() {
	bands, err := funnel.ByAmount(decimal.NewFromInt(500), decimal.NewFromInt(1000))
	if err != nil {
		panic(err)
	}
	r, err := funnel.ComputeSegments(exSegScan(), slices.Values(exSegDeals()), funnel.SegmentOptions{Dims: []funnel.Dim{bands}, ByKey: true})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		fmt.Println(row.Label(), row.Report.Deals)
	}
	// Output:
	// < 500 2
	// 500 to < 1000 3
	// >= 1000 3
}

func ExampleByCreated() {
	month, err := funnel.ByCreated(funnel.Month)
	if err != nil {
		panic(err)
	}
	r, err := funnel.ComputeSegments(exSegScan(), slices.Values(exSegDeals()), funnel.SegmentOptions{Dims: []funnel.Dim{month}, ByKey: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Dims)
	for _, row := range r.Rows {
		fmt.Println(row.Label(), row.Report.Deals)
	}
	// Output:
	// [created month]
	// 2024-01 5
	// 2024-02 3
}

// ExampleByAttrAt segments by the owner a deal had when it was created and
// when it closed, read from its field history: deal 1 (created 1 January,
// won 11 January) moved from ana to ben on 5 January and to cy on 20
// January.
func ExampleByAttrAt() {
	d := exSegDeals()[0]
	d.Attrs.Owner = "cy"
	d.Changes = []funnel.FieldChange{
		{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: exSegDay(1, 1), Text: "ana"},
		{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: exSegDay(1, 5), Text: "ben"},
		{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: exSegDay(1, 20), Text: "cy"},
	}
	for _, at := range []funnel.ValueAt{funnel.AtCreation, funnel.AtClose, funnel.AtCurrent} {
		dim, err := funnel.ByAttrAt(funnel.AttrOwner, at)
		if err != nil {
			panic(err)
		}
		r, err := funnel.ComputeSegments(exSegScan(), slices.Values([]funnel.Deal{d}), funnel.SegmentOptions{Dims: []funnel.Dim{dim}})
		if err != nil {
			panic(err)
		}
		fmt.Println(r.Dims[0], r.Rows[0].Label())
	}
	// Output:
	// owner@at-creation ana
	// owner@at-close ben
	// owner cy
}

// ExampleSegmentReport_WriteText prints the segments, then their tests
// against the rest: with no as-of time the open deals are not timed; web
// expects 2.33 of its 2 wins, referral 0.67 of its 1, p = 0.4795 each
// (testdata/segment/rest.py, "example sources"); event's one deal was
// lost before any win, so its test has no variance; too few deals for a
// verdict, and too few won amounts for a deal-size test.
func ExampleSegmentReport_WriteText() {
	r := exBySource()
	if err := r.WriteText(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// source  deals  open  won  lost  win rate        95% CI  avg deal  median deal  median cycle days
	//         web      4     1    2     1     66.7%  20.8%..93.9%   1500.00      1500.00               15.0
	//    referral      2     0    1     1     50.0%   9.5%..90.5%   3000.00      3000.00               10.0
	//       event      1     0    0     1      0.0%   0.0%..79.3%       n/a          n/a                n/a
	//   (unknown)      1     1    0     0       n/a           n/a       n/a          n/a                n/a
	//       total      8     2    3     3     50.0%  18.8%..81.2%   2000.00      2000.00               10.0
}

func ExampleSegmentReport_CompareRest() {
	r := exBySource()
	// web (2 won of 3 closed) against the other sources (1 of 3)
	c, err := r.CompareRest(0, winRate)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v vs %v: %s, p = %.3f, difference %.2f in [%.2f, %.2f]: %s\n", c.A, c.B, c.Method, c.PValue, c.Diff, c.Interval.Lo, c.Interval.Hi, c.Verdict)
	// Output: 2/3 (66.7%) vs 1/3 (33.3%): fisher, p = 1.000, difference 0.33 in [-0.32, 0.72]: withheld
}

func ExampleSegmentReport_Compare() {
	r := exBySource()
	// web against referral on the created basis (won / all deals)
	c, err := r.Compare(0, 1, func(r *funnel.Report) funnel.Rate { return r.WinRateCreated })
	if err != nil {
		panic(err)
	}
	fmt.Println(c.A, c.B, c.Method, c.Verdict)
	// Output: 2/4 (50.0%) 1/2 (50.0%) fisher withheld
}

func ExampleSegmentReport_Rank() {
	r := exBySource()
	ranks, err := r.Rank(winRate)
	if err != nil {
		panic(err)
	}
	for _, k := range ranks {
		fmt.Printf("%d %-9s %v [%.3f, %.3f]\n", k.Rank, k.Label, k.Rate.Ratio, k.Rate.Interval.Lo, k.Rate.Interval.Hi)
	}
	// Output:
	// 1 web       2/3 (66.7%) [0.208, 0.939]
	// 2 referral  1/2 (50.0%) [0.095, 0.905]
	// 3 event     0/1 (0.0%) [0.000, 0.793]
	// 0 (unknown) 0/0 (n/a) [0.000, 0.000]
}

// ExampleSegmentTests tests each source's deal size and time to win
// against the rest of the deals, as of day 60 with a minimum sample of 2.
// Every figure is testdata/segment/rest.py's ("three sources"): SciPy's
// Welch test of the log amounts, the permutation test and the log-rank
// test by their definitions, Benjamini-Hochberg over the three rows. Ads
// wins sooner than the rest (lower): 3 wins where 0.61 were expected,
// p = 0.0006, adjusted 0.0019; no deal size differs.
func ExampleSegmentTests() {
	f, err := funnel.New("Lead", "Demo")
	if err != nil {
		panic(err)
	}
	day := func(n int) time.Time { return exSegDay(1, 1).AddDate(0, 0, n) }
	s, err := funnel.NewScan(f, funnel.Options{AsOf: day(60), Test: funnel.Test{MinSample: 2}})
	if err != nil {
		panic(err)
	}
	var deals []funnel.Deal
	// add adds a deal created on day 0 and closed after cycle days
	// (open: its age at day 60 is cycle)
	add := func(source string, o funnel.Outcome, amount int64, cycle int) {
		d := funnel.Deal{ID: strconv.Itoa(len(deals)), Created: day(0), Closed: day(cycle), Outcome: o,
			Amount: decimal.NewFromInt(amount), Stage: "Lead", Attrs: funnel.Attributes{Source: source}}
		if o == funnel.Open {
			d.Created, d.Closed = day(60-cycle), time.Time{}
		}
		deals = append(deals, d)
	}
	for _, w := range [][2]int{{1200, 10}, {800, 12}, {15000, 30}, {950, 8}, {2300, 45}} {
		add("web", funnel.Won, int64(w[0]), w[1])
	}
	add("web", funnel.Lost, 100, 6)
	add("web", funnel.Lost, 100, 20)
	add("web", funnel.Open, 100, 20)
	for _, w := range [][2]int{{900, 3}, {700, 6}, {1000, 9}} {
		add("ads", funnel.Won, int64(w[0]), w[1])
	}
	add("ads", funnel.Lost, 100, 2)
	add("ads", funnel.Lost, 100, 4)
	add("ads", funnel.Open, 100, 5)
	for _, w := range [][2]int{{5100, 25}, {780, 60}, {0, 30}} {
		add("event", funnel.Won, int64(w[0]), w[1])
	}
	add("event", funnel.Lost, 100, 12)

	r, err := funnel.ComputeSegments(s, slices.Values(deals), funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(funnel.AttrSource)}, TestRest: true})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		a, d := row.Rest.DealSize, row.Rest.CycleWon
		fmt.Printf("%s: deal size x%.2f [%.2f, %.2f], p %.4f, adjusted %.4f: %s (permutation p %.4f, %s)\n",
			row.Label(), a.Ratio, a.Interval.Lo, a.Interval.Hi, a.PValue, a.PAdjusted, a.Verdict, a.Permutation.PValue, a.Permutation.Method)
		fmt.Printf("  time to win: %d wins of %d deals, %.2f expected, p %.4f, adjusted %.4f: %s\n",
			d.EventsA, d.A, d.ExpectedA, d.PValue, d.PAdjusted, d.Verdict)
	}
	// Output:
	// web: deal size x1.66 [0.36, 7.67], p 0.4608, adjusted 0.6911: no difference (permutation p 0.4221, exact)
	//   time to win: 5 wins of 8 deals, 5.23 expected, p 0.8812, adjusted 0.8812: no difference
	// ads: deal size x0.43 [0.15, 1.22], p 0.0957, adjusted 0.2872: no difference (permutation p 0.4727, exact)
	//   time to win: 3 wins of 6 deals, 0.61 expected, p 0.0006, adjusted 0.0019: lower
	// event: deal size x1.37 [0.00, 2419.23], p 0.7953, adjusted 0.7953: no difference (permutation p 0.7939, exact)
	//   time to win: 3 wins of 4 deals, 5.16 expected, p 0.1401, adjusted 0.2101: no difference
}
