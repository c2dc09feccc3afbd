package chart_test

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/chart"
	"github.com/shopspring/decimal"
)

// A funnel report drawn as SVG: the bars of the stages reached and the step
// conversions with their intervals.
func ExampleFunnel() {
	f, _ := funnel.New("Lead", "Demo")
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	deals := []funnel.Deal{
		{ID: "a", Stage: "Demo", Created: day(1), Amount: decimal.NewFromInt(100), Outcome: funnel.Won, Closed: day(9),
			History: []funnel.StageChange{{Stage: "Lead", At: day(1)}, {Stage: "Demo", At: day(3)}}},
		{ID: "b", Stage: "Lead", Created: day(2), Amount: decimal.NewFromInt(50),
			History: []funnel.StageChange{{Stage: "Lead", At: day(2)}}},
	}
	r, err := funnel.Compute(f, slices.Values(deals), funnel.Options{AsOf: day(10)})
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := chart.Funnel(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	svg, err := c.SVG()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Title(), bytes.Contains(svg, []byte(">50.0%</text>")), bytes.Contains(svg, []byte(">100.0%</text>")))
	// Output: Funnel true true
}
