package target_test

import (
	"iter"
	"slices"
	"strconv"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zone files

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// day returns t0 plus n days.
func day(n int) time.Time { return t0.AddDate(0, 0, n) }

const dayLen = 24 * time.Hour

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func null(s string) decimal.NullDecimal { return decimal.NewNullDecimal(dec(s)) }

func hist(pairs ...any) []funnel.StageChange {
	var h []funnel.StageChange
	for i := 0; i < len(pairs); i += 2 {
		h = append(h, funnel.StageChange{Stage: funnel.Stage(pairs[i].(string)), At: pairs[i+1].(time.Time)})
	}
	return h
}

func mustFunnel(t testing.TB, stages ...funnel.Stage) *funnel.Funnel {
	t.Helper()
	f, err := funnel.New(stages...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustScan(t testing.TB, f *funnel.Funnel, o funnel.Options) *funnel.Scan {
	t.Helper()
	s, err := funnel.NewScan(f, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func values(d []funnel.Deal) iter.Seq[funnel.Deal] { return slices.Values(d) }

// handDeals is the root package's hand-worked population over stages A,
// B, C (TestComputeByHand there): as of day 20, win rate 2/4, created
// 2/6, step into B 4/6, cumulative into won 1/6, mean won amount 200 of
// 2, mean won cycle 6.5 days of 2, median latest time in B 4 days of 4,
// 6 deals.
func handDeals() []funnel.Deal {
	return []funnel.Deal{
		{ID: "w1", Created: day(0), Amount: dec("100"), Outcome: funnel.Won, Closed: day(10),
			History: hist("A", day(0), "B", day(2), "C", day(5)), Attrs: funnel.Attributes{Source: "web"}},
		{ID: "w2", Created: day(1), Amount: dec("300"), Outcome: funnel.Won, Closed: day(4),
			History: hist("A", day(1), "C", day(3)), Attrs: funnel.Attributes{Source: "web"}},
		{ID: "l1", Created: day(2), Amount: dec("50"), Outcome: funnel.Lost, Closed: day(9),
			History: hist("A", day(2), "B", day(4)), Attrs: funnel.Attributes{Source: "event"}},
		{ID: "o1", Created: day(3), Amount: dec("200"),
			History: hist("A", day(3), "B", day(6))},
		{ID: "o2", Created: day(0), Amount: dec("0"),
			History: hist("A", day(0)), Attrs: funnel.Attributes{Source: "web"}},
		{ID: "r1", Created: day(0), Amount: dec("80"), Outcome: funnel.Lost, Closed: day(8),
			History: hist("A", day(0), "B", day(1), "A", day(3), "B", day(4), "C", day(6)), Attrs: funnel.Attributes{Source: "event"}},
	}
}

// bottleneckDeals: 40 lost in A, 45 lost in B, 6 lost in C, 9 won, 3
// open in C since day 3. Stage entries: A day 0, B day 1, C day 3;
// closes on day 10. Reached: A 103, B 63, C 18, won 9.
func bottleneckDeals() []funnel.Deal {
	var deals []funnel.Deal
	add := func(n int, o funnel.Outcome, stages int) {
		for range n {
			d := funnel.Deal{ID: "d" + strconv.Itoa(len(deals)), Created: day(0), Amount: dec("100"), Outcome: o,
				History: hist("A", day(0), "B", day(1), "C", day(3))[:stages]}
			if o != funnel.Open {
				d.Closed = day(10)
			}
			deals = append(deals, d)
		}
	}
	add(40, funnel.Lost, 1)
	add(45, funnel.Lost, 2)
	add(6, funnel.Lost, 3)
	add(9, funnel.Won, 3)
	add(3, funnel.Open, 3)
	return deals
}

var cmpOpts = []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateErrors()}
