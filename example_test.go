package funnel_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// exampleDeals are three deals through a three-stage funnel.
func exampleDeals() []funnel.Deal {
	return []funnel.Deal{
		{ID: "D-1", Created: date(2024, 3, 1), Amount: decimal.RequireFromString("1200.00"), Currency: "USD",
			Outcome: funnel.Won, Closed: date(2024, 3, 21),
			History: []funnel.StageChange{{"Lead", date(2024, 3, 1)}, {"Qualified", date(2024, 3, 5)}, {"Proposal", date(2024, 3, 12)}},
			Attrs:   funnel.Attributes{Source: "web", Owner: "ana"}},
		{ID: "D-2", Created: date(2024, 3, 4), Amount: decimal.RequireFromString("800.00"), Currency: "USD",
			Outcome: funnel.Lost, Closed: date(2024, 3, 14),
			History: []funnel.StageChange{{"Lead", date(2024, 3, 4)}, {"Qualified", date(2024, 3, 8)}},
			Attrs:   funnel.Attributes{Source: "event", Owner: "ben"}},
		{ID: "D-3", Created: date(2024, 4, 2), Amount: decimal.RequireFromString("500.00"), Currency: "USD",
			History: []funnel.StageChange{{"Lead", date(2024, 4, 2)}},
			Attrs:   funnel.Attributes{Source: "web", Owner: "ana"}},
	}
}

func exampleFunnel() *funnel.Funnel {
	f, err := funnel.New("Lead", "Qualified", "Proposal")
	if err != nil {
		panic(err)
	}
	return f
}

// Example computes a funnel report from a slice of deals.
func Example() {
	f := exampleFunnel()
	r, err := funnel.Compute(f, slices.Values(exampleDeals()), funnel.Options{AsOf: date(2024, 5, 1), Currency: "USD"})
	if err != nil {
		panic(err)
	}
	for _, s := range r.Funnel {
		fmt.Printf("%-9s reached %d, step %v\n", s.Stage, s.Reached, s.Step.Ratio)
	}
	fmt.Println("win rate:", r.WinRate.Ratio)
	fmt.Println("median won deal:", r.DealSize.Median)
	// Output:
	// Lead      reached 3, step 0/0 (n/a)
	// Qualified reached 2, step 2/3 (66.7%)
	// Proposal  reached 1, step 1/2 (50.0%)
	// won       reached 1, step 1/1 (100.0%)
	// win rate: 1/2 (50.0%)
	// median won deal: 1200
}

func ExampleNew() {
	_, err := funnel.New("Lead", "Demo", "Lead")
	fmt.Println(errors.Is(err, funnel.ErrInvalidStage))
	f, _ := funnel.New("Lead", "Demo", "Won deal")
	fmt.Println(f.Len(), slices.Collect(f.Stages()))
	// Output:
	// true
	// 3 [Lead Demo Won deal]
}

func ExampleDeal_Validate() {
	f := exampleFunnel()
	d := funnel.Deal{ID: "D-9", Stage: "Lead", Outcome: funnel.Won} // won, but when?
	err := d.Validate(f)
	fmt.Println(err)
	fmt.Println(errors.Is(err, funnel.ErrMissingCloseTime))
	// Output:
	// funnel: deal "D-9": Closed: funnel: closed deal without close time
	// true
}

// ExampleDeal_At rebuilds a deal as it stood on a past date from its stage
// and field history: the deal won on 21 March was in Qualified on 10 March,
// with the amount it had then.
func ExampleDeal_At() {
	d := exampleDeals()[0]
	d.Changes = []funnel.FieldChange{
		{Field: funnel.FieldAmount, At: date(2024, 3, 1), Amount: decimal.RequireFromString("1000.00")},
		{Field: funnel.FieldAmount, At: date(2024, 3, 15), Amount: decimal.RequireFromString("1200.00")},
	}
	then, ok := d.At(date(2024, 3, 10))
	fmt.Println(ok, then.Outcome, then.Stage, then.Amount)
	_, ok = d.At(date(2024, 2, 1))
	fmt.Println(ok) // not created yet
	// Output:
	// true open Qualified 1000
	// false
}

func ExampleRatio_Wilson() {
	iv, err := funnel.Ratio{Num: 12, Den: 40}.Wilson(0.95)
	fmt.Printf("%.4f..%.4f %v\n", iv.Lo, iv.Hi, err)
	iv, _ = funnel.Ratio{Num: 0, Den: 10}.Wilson(0) // zero means 0.95
	fmt.Printf("%.4f..%.4f at %v\n", iv.Lo, iv.Hi, iv.Confidence)
	_, err = funnel.Ratio{Num: 1, Den: 2}.Wilson(1.5)
	fmt.Println(errors.Is(err, funnel.ErrInvalidParam))
	// Output:
	// 0.1807..0.4543 <nil>
	// 0.0000..0.2775 at 0.95
	// true
}

func ExampleCompareRates() {
	// 60 of 200 web leads won against 30 of 200 event leads
	c, err := funnel.CompareRates(funnel.Ratio{Num: 60, Den: 200}, funnel.Ratio{Num: 30, Den: 200}, funnel.Test{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: diff %.2f (%.3f..%.3f), %s p=%.5f\n", c.Verdict, c.Diff, c.Interval.Lo, c.Interval.Hi, c.Method, c.PValue)
	// too few deals for a verdict, though the p-value is given
	c, _ = funnel.CompareRates(funnel.Ratio{Num: 6, Den: 20}, funnel.Ratio{Num: 3, Den: 20}, funnel.Test{})
	fmt.Printf("%s (%s)\n", c.Verdict, c.Method)
	// Output:
	// higher: diff 0.15 (0.068..0.229), z-test p=0.00033
	// withheld (fisher)
}

func ExampleMoneyStats() {
	var m funnel.MoneyStats
	for _, a := range []string{"10", "0.5", "2.25", "1"} {
		m.Add(decimal.RequireFromString(a))
	}
	s := m.Summary()
	fmt.Println(s.Count, s.Total, s.Mean, s.Median, s.P90)
	// Output: 4 13.75 3.4375 1.625 7.675
}

func ExampleDurationStats() {
	var d funnel.DurationStats
	for _, days := range []int{3, 10, 7, 8} {
		d.Add(time.Duration(days) * 24 * time.Hour)
	}
	s := d.Summary()
	fmt.Println(s.Count, s.Mean, s.Median, s.P90)
	// Output: 4 168h0m0s 180h0m0s 225h36m0s
}

// ExamplePeriod_Start shows periods in a zone whose clock skips midnight:
// in America/Havana the day of the spring change starts at 01:00.
func ExamplePeriod_Start() {
	havana, _ := time.LoadLocation("America/Havana")
	t := time.Date(2024, 3, 10, 15, 0, 0, 0, havana)
	fmt.Println(funnel.Day.Start(t, havana))
	fmt.Println(funnel.Quarter.Start(t, havana))
	fmt.Println(funnel.Week.Start(t, time.UTC).Weekday())
	// Output:
	// 2024-03-10 01:00:00 -0400 CDT
	// 2024-01-01 00:00:00 -0500 CST
	// Monday
}

// ExampleScan_Run feeds one stream of deals once to several analyses: here
// a report of every deal and a custom accumulator. Each deal is validated
// once; with Options.Workers other than 1 the analyses run on all cores.
func ExampleScan_Run() {
	s, err := funnel.NewScan(exampleFunnel(), funnel.Options{Currency: "USD", AsOf: date(2024, 5, 1)})
	if err != nil {
		panic(err)
	}
	report := funnel.NewTally(s)
	owners := newOwnerCount(s)
	if err := s.Run(slices.Values(exampleDeals()), report, owners); err != nil {
		panic(err)
	}
	fmt.Println(report.Report().WinRate.Ratio, owners.n)
	// Output: 1/2 (50.0%) map[ana:2 ben:1]
}

// ownerCount is an accumulator of its own: deals per owner. It keeps an
// Intake so that its results say what was read and skipped.
type ownerCount struct {
	s  *funnel.Scan
	in funnel.Intake
	n  map[string]int64
}

func newOwnerCount(s *funnel.Scan) *ownerCount {
	return &ownerCount{s: s, n: map[string]int64{}}
}

func (o *ownerCount) Scan() *funnel.Scan        { return o.s }
func (o *ownerCount) Fresh() funnel.Accumulator { return newOwnerCount(o.s) }

func (o *ownerCount) Observe(v *funnel.View) {
	if o.in.Note(v) {
		o.n[v.Deal.Attrs.Owner]++
	}
}

func (o *ownerCount) Merge(a funnel.Accumulator) error {
	p, ok := a.(*ownerCount)
	if !ok || p == o {
		return funnel.ErrIncompatible
	}
	o.in.Merge(&p.in)
	for k, v := range p.n {
		o.n[k] += v
	}
	return nil
}

func (o *ownerCount) MarshalBinary() ([]byte, error) { return json.Marshal(o.n) }
func (o *ownerCount) UnmarshalBinary(b []byte) error { return json.Unmarshal(b, &o.n) }

// ExampleTally shows a tally built in parts (per goroutine, file or
// machine) and merged, and a tally sent as bytes.
func ExampleTally() {
	s, _ := funnel.NewScan(exampleFunnel(), funnel.Options{Currency: "USD", Mode: funnel.Lenient})
	deals := exampleDeals()
	a, b := funnel.NewTally(s), funnel.NewTally(s)
	for _, d := range deals[:2] {
		_ = a.Add(d)
	}
	for _, d := range deals[2:] {
		_ = b.Add(d)
	}
	err := b.Add(funnel.Deal{ID: "E-1", Stage: "Lead", Currency: "EUR"}) // skipped, counted
	fmt.Println(errors.Is(err, funnel.ErrCurrencyMismatch))

	wire, _ := b.MarshalBinary()
	var received funnel.Tally // a zero tally takes the encoded scan
	if err := received.UnmarshalBinary(wire); err != nil {
		panic(err)
	}
	if err := a.Merge(&received); err != nil {
		panic(err)
	}
	r := a.Report()
	fmt.Println(r.Deals, r.WinRateCreated.Ratio, r.Input.Read, r.Input.Skipped.Count)
	// Output:
	// true
	// 3 1/3 (33.3%) 4 1
}

func ExampleCompute() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{Currency: "USD"})
	fmt.Println(r.WinRate.Ratio, r.WinRateValue, r.Pipeline)
	// Output: 1/2 (50.0%) 1200/2000 (60.0%) 500
}

// ExampleCompute_asOf shows that an as-of time changes what every figure
// sees: on 10 March, D-1 and D-2 were both open in Qualified and D-3 did
// not exist yet.
func ExampleCompute_asOf() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{Currency: "USD", AsOf: date(2024, 3, 10)})
	fmt.Println(r.Deals, r.Open, r.Won, r.Funnel[1].Open, r.Input.Future)
	// Output: 2 2 0 2 1
}

func ExampleReport_MarshalJSON() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{Currency: "USD"})
	b, _ := json.Marshal(r.Funnel[1].Step)
	fmt.Println(r.Funnel[1].Stage, string(b))
	// Output: Qualified {"num":2,"den":3,"value":0.6666666666666666,"interval":{"lo":0.20765960080204776,"hi":0.9385080552796036,"confidence":0.95}}
}

func ExampleReport_WriteText() {
	r, _ := funnel.Compute(exampleFunnel(), slices.Values(exampleDeals()), funnel.Options{AsOf: date(2024, 5, 1), Currency: "USD"})
	if err := r.WriteText(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// Deals: 3 (open 1, won 1, lost 1); policy in-order, as of 2024-05-01T00:00:00Z
	//
	//       stage  reached    step              interval  cumulative  drop-off  pending  lost  lost value  open  open value  median days (latest)  median days (total)  p90 days (total)
	//        Lead        3     n/a                            100.0%         0        0     0           0     1         500                   4.0                  4.0              24.0
	//   Qualified        2   66.7%   95% CI 20.8%..93.9%       66.7%         1        1     1         800     0           0                   6.5                  6.5               6.9
	//    Proposal        1   50.0%    95% CI 9.5%..90.5%       33.3%         1        0     0           0     0           0                   9.0                  9.0               9.0
	//         won        1  100.0%  95% CI 20.7%..100.0%       33.3%         0        0
	//
	// Value funnel:
	//       stage  reached value  step (value)  interval
	//        Lead           2500           n/a
	//   Qualified           2000         80.0%  95% CI 32.6%..100.0%
	//    Proposal           1200         60.0%  95% CI 0.0%..100.0%
	//         won           1200        100.0%
	//
	// Win rate (won / closed):    1/2 (50.0%)  95% CI 9.5%..90.5%
	// Win rate (won / created):   1/3 (33.3%)  95% CI 6.1%..79.2%
	// Win rate (value):           1200/2000 (60.0%)  95% CI 0.0%..100.0%
	// Deal size (won):            n=1 total 1200 mean 1200.00 median 1200.00 p90 1200.00
	// Open pipeline:              500
	//  Sales cycle (won), days:    n=1 mean 20.0 median 20.0 p90 20.0
	//  Sales cycle (lost), days:   n=1 mean 10.0 median 10.0 p90 10.0
	//  Open deal age, days:        n=1 mean 29.0 median 29.0 p90 29.0
	//
	// Leads created per month (UTC):
	//    period  created  won  lost  open  lead-to-customer     top sources
	//   2024-03        2    1     1     0             50.0%  event 1, web 1
	//   2024-04        1    0     0     1              0.0%           web 1
}
