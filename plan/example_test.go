package plan_test

import (
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/internal/maven"
	"github.com/funnelmetrics/funnel/plan"
	"github.com/shopspring/decimal"
)

// What it takes to win 1,500,000 in the first quarter of 2018 with the
// Maven Analytics CRM export (testdata/maven-crm): the engaged deals, the
// prospects before them, and the sales agents at 150 engagements a
// quarter each, learned from the deals closed by 1 January 2018.
// testdata/check.py works the same figures out from the raw CSV file.
func ExampleReverse() {
	data, err := maven.Load("../testdata/maven-crm", csvimport.Options{})
	if err != nil {
		panic(err)
	}
	s, err := funnel.NewScan(data.Funnel, funnel.Options{AsOf: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), Period: funnel.Quarter, Currency: "USD"})
	if err != nil {
		panic(err)
	}
	r, err := plan.Reverse(s, slices.Values(data.Deals), plan.Options{
		Target: decimal.NewFromInt(1_500_000), Period: time.Date(2018, 2, 1, 0, 0, 0, 0, time.UTC),
		Capacity: decimal.NewFromInt(150), CapacityStage: "Engaging",
		WhatIfs: []plan.WhatIf{{Stage: "Engaging", Points: decimal.RequireFromString("0.05")}, {Days: 10}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("deal size %s, %s wins\n", r.DealSize.StringFixed(2), r.Wins.StringFixed(1))
	for _, st := range r.Stages {
		fmt.Printf("%-11s P(win) %s needed %s (%s..%s)", st.Stage, st.Probability.Decimal.StringFixed(3),
			st.Needed.Decimal.StringFixed(1), st.NeededLo.Decimal.StringFixed(1), st.NeededHi.Decimal.StringFixed(1))
		if st.LagDefined {
			fmt.Printf(", %.0f days to win: enter from %s to %s", st.Lag.Hours()/24, st.EnterFrom.Format(time.DateOnly), st.EnterTo.Format(time.DateOnly))
		}
		fmt.Println()
	}
	fmt.Printf("agents: %s (%s whole)\n", r.Reps.Decimal.StringFixed(2), r.RepsWhole.Decimal)
	fmt.Printf("+5 points engaged to won: %s more\n", r.WhatIfs[0].Effect.StringFixed(0))
	fmt.Printf("10 days shorter cycle (%.1f days now): %s more\n", r.Cycle.Hours()/24, r.WhatIfs[1].Effect.StringFixed(0))
	// Output:
	// deal size 2360.91, 635.3 wins
	// Prospecting P(win) 0.632 needed 1006.1 (988.2..1024.9)
	// Engaging    P(win) 0.632 needed 1006.1 (988.2..1024.9), 57 days to win: enter from 2017-11-05 to 2018-02-03
	// agents: 6.71 (7 whole)
	// +5 points engaged to won: 118765 more
	// 10 days shorter cycle (51.8 days now): 359007 more
}
