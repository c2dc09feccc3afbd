package funnel_test

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// exSegFunnel is the funnel of the segmentation examples.
func exSegFunnel() *funnel.Funnel {
	f, err := funnel.New("Lead", "Demo")
	if err != nil {
		panic(err)
	}
	return f
}

// exSegDeals are eight deals: web 4 (2 won, 1 lost, 1 open), referral 2
// (1 won, 1 lost), event 1 (lost) and one of unknown source (open).
func exSegDeals() []funnel.Deal {
	mk := func(id, source, region string, o funnel.Outcome, amount int64, created, closed time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: created, Closed: closed, Outcome: o, Amount: decimal.NewFromInt(amount),
			Stage: "Lead", Attrs: funnel.Attributes{Source: source, Region: region}}
	}
	return []funnel.Deal{
		mk("1", "web", "EMEA", funnel.Won, 1000, exDay(1, 1), exDay(1, 11)),
		mk("2", "web", "EMEA", funnel.Lost, 500, exDay(1, 2), exDay(1, 5)),
		mk("3", "web", "NA", funnel.Won, 2000, exDay(1, 3), exDay(1, 23)),
		mk("4", "web", "NA", funnel.Open, 700, exDay(1, 4), time.Time{}),
		mk("5", "referral", "EMEA", funnel.Won, 3000, exDay(1, 5), exDay(1, 15)),
		mk("6", "referral", "NA", funnel.Lost, 800, exDay(2, 1), exDay(2, 3)),
		mk("7", "", "NA", funnel.Open, 300, exDay(2, 2), time.Time{}),
		mk("8", "event", "EMEA", funnel.Lost, 400, exDay(2, 3), exDay(2, 4)),
	}
}

func exBySource() funnel.SegmentReport {
	r, err := funnel.ComputeSegments(exSegFunnel(), slices.Values(exSegDeals()), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}})
	if err != nil {
		panic(err)
	}
	return r
}

// Example_segmentation breaks the win rate down by source and region.
func Example_segmentation() {
	r, err := funnel.ComputeSegments(exSegFunnel(), slices.Values(exSegDeals()), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource), funnel.SegmentByAttr(funnel.AttrRegion)}, ByKey: true})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		fmt.Printf("%-16s %d deals, win rate %v\n", row.Label(), row.Report.Deals, row.Report.WinRate)
	}
	fmt.Printf("%-16s %d deals, win rate %v\n", "total", r.Total.Deals, r.Total.WinRate)
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

func ExampleSegmentDim() {
	// a caller's key function: deals above 1000 are "large"
	size := funnel.SegmentDim{Name: "size", Value: func(d *funnel.Deal) string {
		if d.Amount.GreaterThan(decimal.NewFromInt(1000)) {
			return "large"
		}
		return "small"
	}}
	r, err := funnel.ComputeSegments(exSegFunnel(), slices.Values(exSegDeals()), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{size}})
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

func ExampleSegmentByAttr() {
	dim := funnel.SegmentByAttr(funnel.AttrRegion)
	d := exSegDeals()[0]
	fmt.Println(dim.Name, dim.Value(&d))
	// Output: region EMEA
}

func ExampleSegmentByAmount() {
	dim, err := funnel.SegmentByAmount(decimal.NewFromInt(500), decimal.NewFromInt(1000))
	if err != nil {
		panic(err)
	}
	for _, d := range exSegDeals()[:4] {
		fmt.Println(d.Amount, dim.Value(&d))
	}
	// Output:
	// 1000 >= 1000
	// 500 500 to < 1000
	// 2000 >= 1000
	// 700 500 to < 1000
}

func ExampleSegmentByCreated() {
	dim, err := funnel.SegmentByCreated(funnel.Month, time.UTC)
	if err != nil {
		panic(err)
	}
	r, err := funnel.ComputeSegments(exSegFunnel(), slices.Values(exSegDeals()), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{dim}, ByKey: true})
	if err != nil {
		panic(err)
	}
	for _, row := range r.Rows {
		fmt.Println(row.Label(), row.Report.Deals)
	}
	// Output:
	// 2024-01 5
	// 2024-02 3
}

func exHistory() *funnel.SegmentAttrHistory {
	// deal 1 (created 1 January, won 11 January) moved from ana to ben on
	// 5 January and to cy on 20 January
	h, err := funnel.NewSegmentAttrHistory(slices.Values([]funnel.SegmentAttrChange{
		{DealID: "1", Key: funnel.AttrOwner, From: "ana", To: "ben", At: exDay(1, 5)},
		{DealID: "1", Key: funnel.AttrOwner, From: "ben", To: "cy", At: exDay(1, 20)},
	}))
	if err != nil {
		panic(err)
	}
	return h
}

func ExampleNewSegmentAttrHistory() {
	_, err := funnel.NewSegmentAttrHistory(slices.Values([]funnel.SegmentAttrChange{{DealID: "1", Key: "owner"}}))
	fmt.Println(err)
	// Output: funnel: deal "1": Change[0]: funnel: invalid attribute change
}

func ExampleSegmentAttrHistory_Value() {
	h := exHistory()
	d := exSegDeals()[0]
	d.Attrs.Owner = "cy" // the current owner
	for _, at := range []funnel.SegmentValueAt{funnel.SegmentAtCreation, funnel.SegmentAtClose, funnel.SegmentAtCurrent} {
		fmt.Println(at, h.Value(&d, funnel.AttrOwner, at))
	}
	// Output:
	// at-creation ana
	// at-close ben
	// current cy
}

func ExampleSegmentAttrHistory() {
	var none *funnel.SegmentAttrHistory // no recorded changes: the current value throughout
	d := exSegDeals()[0]
	d.Attrs.Owner = "cy"
	fmt.Println(none.Value(&d, funnel.AttrOwner, funnel.SegmentAtCreation))
	// Output: cy
}

func ExampleSegmentAttrChange() {
	c := funnel.SegmentAttrChange{DealID: "1", Key: funnel.AttrOwner, From: "ana", To: "ben", At: exDay(1, 5)}
	fmt.Printf("deal %s: %s %s -> %s on %s\n", c.DealID, c.Key, c.From, c.To, c.At.Format(time.DateOnly))
	// Output: deal 1: owner ana -> ben on 2024-01-05
}

func ExampleSegmentByAttrAt() {
	dim, err := funnel.SegmentByAttrAt(funnel.AttrOwner, funnel.SegmentAtCreation, exHistory())
	if err != nil {
		panic(err)
	}
	d := exSegDeals()[0]
	d.Attrs.Owner = "cy"
	fmt.Println(dim.Name, dim.Value(&d))
	// Output: owner@at-creation ana
}

func ExampleSegmentValueAt() {
	fmt.Println(funnel.SegmentAtCurrent, funnel.SegmentAtCreation, funnel.SegmentAtClose)
	// Output: current at-creation at-close
}

func ExampleSegmentValueAt_String() {
	fmt.Println(funnel.SegmentAtClose.String(), funnel.SegmentValueAt(9).String())
	// Output: at-close SegmentValueAt(9)
}

func ExampleSegmentOptions() {
	// the top source, the unknown source kept apart, the rest folded
	r, err := funnel.ComputeSegments(exSegFunnel(), slices.Values(exSegDeals()), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}, TopK: 1})
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

func ExampleSegmentTally() {
	deals := exSegDeals()
	seg := funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrRegion)}}
	// two tallies fed separately (say, by two goroutines), then merged
	a, err := funnel.NewSegmentTally(exSegFunnel(), funnel.Options{}, seg)
	if err != nil {
		panic(err)
	}
	b, err := funnel.NewSegmentTally(exSegFunnel(), funnel.Options{}, seg)
	if err != nil {
		panic(err)
	}
	for _, d := range deals[:5] {
		_ = a.Add(d)
	}
	for _, d := range deals[5:] {
		_ = b.Add(d)
	}
	if err := a.Merge(b); err != nil {
		panic(err)
	}
	for _, row := range a.Report().Rows {
		fmt.Println(row.Label(), row.Report.Deals)
	}
	// Output:
	// EMEA 4
	// NA 4
}

func ExampleNewSegmentTally() {
	_, err := funnel.NewSegmentTally(exSegFunnel(), funnel.Options{}, funnel.SegmentOptions{})
	fmt.Println(err)
	// Output: funnel: 0 segment dimensions, want 1 to 8: funnel: invalid parameter
}

func ExampleSegmentTally_Add() {
	s, err := funnel.NewSegmentTally(exSegFunnel(), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}})
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Add(exSegDeals()[0]))
	fmt.Println(s.Add(funnel.Deal{ID: "x", Stage: "Nowhere", Attrs: funnel.Attributes{Source: "web"}}))
	r := s.Report()
	fmt.Println(r.Rows[0].Label(), r.Rows[0].Report.Deals, r.Rows[0].Report.Skipped.Count)
	// Output:
	// <nil>
	// funnel: deal "x": Stage: funnel: unknown stage
	// web 1 1
}

func ExampleSegmentTally_Merge() {
	seg := funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}}
	a, _ := funnel.NewSegmentTally(exSegFunnel(), funnel.Options{}, seg)
	b, _ := funnel.NewSegmentTally(exSegFunnel(), funnel.Options{Policy: funnel.AnyStage}, seg)
	fmt.Println(a.Merge(b))
	// Output: funnel: merging segment tallies of different funnels, options or dimensions: funnel: incompatible accumulators
}

func ExampleSegmentTally_Report() {
	s, _ := funnel.NewSegmentTally(exSegFunnel(), funnel.Options{},
		funnel.SegmentOptions{Dims: []funnel.SegmentDim{funnel.SegmentByAttr(funnel.AttrSource)}})
	for _, d := range exSegDeals() {
		_ = s.Add(d)
	}
	r := s.Report()
	fmt.Println(r.Dims, len(r.Rows), r.Total.Deals)
	// Output: [source] 4 8
}

func ExampleSegmentReport() {
	r := exBySource()
	var deals int64
	for _, row := range r.Rows {
		deals += row.Report.Deals
	}
	fmt.Println("rows add up:", deals == r.Total.Deals)
	// Output: rows add up: true
}

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

func ExampleSegmentRow() {
	r := exBySource()
	row := r.Rows[0]
	fmt.Println(row.Key, row.Other, row.Report.Won)
	// Output: [web] false 2
}

func ExampleSegmentRow_Label() {
	fmt.Println(funnel.SegmentRow{Key: []string{"web", ""}}.Label())
	fmt.Println(funnel.SegmentRow{Other: true}.Label())
	// Output:
	// web x (unknown)
	// (other)
}

func ExampleSegmentReport_CompareRest() {
	r := exBySource()
	// web (2 won of 3 closed) against the other sources (1 of 3)
	c, err := r.CompareRest(0, funnel.SegmentWinRate, funnel.SegmentTestOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%v vs %v: %s, p = %.3f, difference %.2f in [%.2f, %.2f]: %s\n", c.A, c.B, c.Method, c.PValue, c.Diff, c.Lo, c.Hi, c.Verdict)
	// Output: 2/3 (66.7%) vs 1/3 (33.3%): fisher, p = 1.000, difference 0.33 in [-0.32, 0.72]: withheld
}

func ExampleSegmentReport_Compare() {
	r := exBySource()
	c, err := r.Compare(0, 1, funnel.SegmentWinRateCreated, funnel.SegmentTestOptions{MinSample: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.A, c.B, c.Verdict)
	// Output: 2/4 (50.0%) 1/2 (50.0%) no difference
}

func ExampleSegmentReport_Rank() {
	r := exBySource()
	ranks, err := r.Rank(funnel.SegmentWinRate, 0.95)
	if err != nil {
		panic(err)
	}
	for _, k := range ranks {
		fmt.Printf("%d %-9s %v [%.3f, %.3f]\n", k.Rank, k.Label, k.Rate, k.Lo, k.Hi)
	}
	// Output:
	// 1 web       2/3 (66.7%) [0.208, 0.939]
	// 2 referral  1/2 (50.0%) [0.095, 0.905]
	// 3 event     0/1 (0.0%) [0.000, 0.793]
	// 0 (unknown) 0/0 (n/a) [0.000, 0.000]
}

func ExampleSegmentRank() {
	r := exBySource()
	ranks, _ := r.Rank(funnel.SegmentWinRate, 0.95)
	top := ranks[0]
	fmt.Println(top.Row, top.Label, top.Rank)
	// Output: 0 web 1
}

func ExampleSegmentRate() {
	// a rate of the caller's: open deals among all deals
	openShare := funnel.SegmentRate(func(r *funnel.Report) funnel.Ratio { return funnel.Ratio{Num: r.Open, Den: r.Deals} })
	r := exBySource()
	fmt.Println(openShare(&r.Rows[0].Report))
	// Output: 1/4 (25.0%)
}

func ExampleSegmentWinRate() {
	r := exBySource()
	fmt.Println(funnel.SegmentWinRate(&r.Total))
	// Output: 3/6 (50.0%)
}

func ExampleSegmentWinRateCreated() {
	r := exBySource()
	fmt.Println(funnel.SegmentWinRateCreated(&r.Total))
	// Output: 3/8 (37.5%)
}

func ExampleSegmentStep() {
	r := exBySource()
	// no deal reached Demo
	fmt.Println(funnel.SegmentStep(1)(&r.Total))
	// Output: 0/8 (0.0%)
}

func ExampleSegmentCompare() {
	c, err := funnel.SegmentCompare(funnel.Ratio{Num: 45, Den: 100}, funnel.Ratio{Num: 30, Den: 100}, funnel.SegmentTestOptions{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s z = %.3f p = %.4f diff %.2f [%.4f, %.4f] %s\n", c.Method, c.Z, c.PValue, c.Diff, c.Lo, c.Hi, c.Verdict)
	// Output: z-test z = 2.191 p = 0.0285 diff 0.15 [0.0159, 0.2768] higher
}

func ExampleSegmentComparison() {
	c, _ := funnel.SegmentCompare(funnel.Ratio{Num: 0, Den: 0}, funnel.Ratio{Num: 3, Den: 10}, funnel.SegmentTestOptions{})
	fmt.Println(c.Defined, c.Verdict)
	// Output: false withheld
}

func ExampleSegmentTestOptions() {
	// 0 of 40 against 5 of 40: expected counts below 5, so Fisher's test
	c, _ := funnel.SegmentCompare(funnel.Ratio{Num: 0, Den: 40}, funnel.Ratio{Num: 5, Den: 40}, funnel.SegmentTestOptions{Confidence: 0.9})
	fmt.Printf("%s p = %.4f %s\n", c.Method, c.PValue, c.Verdict)
	// Output: fisher p = 0.0547 lower
}

func ExampleSegmentMethod() {
	fmt.Println(funnel.SegmentAuto, funnel.SegmentZTest, funnel.SegmentFisher)
	// Output: auto z-test fisher
}

func ExampleSegmentMethod_String() {
	fmt.Println(funnel.SegmentMethod(7).String())
	// Output: SegmentMethod(7)
}

func ExampleSegmentMethod_MarshalText() {
	b, err := funnel.SegmentFisher.MarshalText()
	fmt.Println(string(b), err)
	_, err = funnel.SegmentMethod(7).MarshalText()
	fmt.Println(err)
	// Output:
	// fisher <nil>
	// funnel: segment method 7: funnel: invalid parameter
}

func ExampleSegmentVerdict() {
	fmt.Println(funnel.SegmentWithheld, "/", funnel.SegmentNoDifference, "/", funnel.SegmentHigher, "/", funnel.SegmentLower)
	// Output: withheld / no difference / higher / lower
}

func ExampleSegmentVerdict_String() {
	fmt.Println(funnel.SegmentVerdict(7).String())
	// Output: SegmentVerdict(7)
}

func ExampleSegmentVerdict_MarshalText() {
	b, err := funnel.SegmentHigher.MarshalText()
	fmt.Println(string(b), err)
	// Output: higher <nil>
}
