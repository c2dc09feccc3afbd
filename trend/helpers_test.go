package trend

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zone files

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// day returns t0 plus n days.
func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func days(n int64) time.Duration { return time.Duration(n) * 24 * time.Hour }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

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

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// handDeals is the small population of the root package's hand-worked
// report, over stages A, B, C.
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

// simple returns a deal created at c in stage A: open when closed is zero,
// else won or lost then.
func simple(id string, c time.Time, o funnel.Outcome, closed time.Time, amount string) funnel.Deal {
	return funnel.Deal{ID: id, Created: c, Amount: dec(amount), Outcome: o, Closed: closed, Stage: "A"}
}
