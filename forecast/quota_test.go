package forecast_test

import (
	"errors"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
)

func TestQuotaByHand(t *testing.T) {
	f := mustFunnel(t, "A")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	q1 := time.Date(2024, 1, 1, 0, 0, 0, 0, ny)
	mk := func(id, owner, amt string, o funnel.Outcome, closed, expected time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC), Amount: dec(amt), Outcome: o, Closed: closed, Stage: "A",
			ExpectedClose: expected, Attrs: funnel.Attributes{Owner: owner}}
	}
	deals := []funnel.Deal{
		mk("a1", "ana", "600", funnel.Won, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), time.Time{}),
		// won after the as-of time: open then, expected in Q2: outside
		mk("a2", "ana", "300", funnel.Won, time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC), time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC)),
		// 23:30 on 31 March in New York: Q1 there (03:30 UTC 1 April)
		mk("a3", "ana", "50", funnel.Won, time.Date(2024, 3, 31, 23, 30, 0, 0, ny), time.Time{}),
		mk("a4", "ana", "800", funnel.Open, time.Time{}, time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)),
		mk("a5", "ana", "70", funnel.Lost, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), time.Time{}),
		mk("b1", "ben", "600", funnel.Won, time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), time.Time{}),
		mk("b2", "ben", "100", funnel.Open, time.Time{}, time.Time{}), // no date: the period of the as-of time
	}
	goals := []forecast.Goal{{Key: "ana", Start: q1, Amount: dec("1000")}, {Key: "ben", Start: q1.AddDate(0, 1, 5), Amount: dec("500")}, {Key: "cy", Start: q1, Amount: dec("0")}}
	s := scanOf(t, f, funnel.Options{AsOf: time.Date(2024, 3, 31, 23, 45, 0, 0, ny), Period: funnel.Quarter, Location: ny})
	got, err := forecast.Attainment(s, values(deals), forecast.QuotaOptions{Key: funnel.AttrOwner, Goals: goals})
	if err != nil {
		t.Fatal(err)
	}
	// ana: won 600 + 50 = 650 of 1000; remaining 350; pipeline 800,
	// coverage 800/350. ben: 600 of 500, remaining 0, pipeline 100,
	// coverage undefined (100/0). cy: nothing, 0/0 both. Every amount is
	// a total over all the goal's deals and the quota a constant, so each
	// defined interval is the point: 650/1000 = 0.65, 800/350 = 16/7,
	// 600/500 = 1.2.
	want := []forecast.QuotaRow{
		{Key: "ana", Start: q1, Quota: dec("1000"), Won: dec("650"), WonDeals: 2, Attainment: exactRate("650", "1000", 0.65),
			Remaining: dec("350"), Pipeline: dec("800"), OpenDeals: 1, Coverage: exactRate("800", "350", 16.0/7)},
		{Key: "ben", Start: q1, Quota: dec("500"), Won: dec("600"), WonDeals: 1, Attainment: exactRate("600", "500", 1.2),
			Remaining: dec("0"), Pipeline: dec("100"), OpenDeals: 1, Coverage: undefinedRate("100")},
		{Key: "cy", Start: q1, Quota: dec("0"), Attainment: undefinedRate("0"), Coverage: undefinedRate("0")},
	}
	if diff := cmp.Diff(want, got.Rows); diff != "" {
		t.Errorf("quota mismatch (-want +got):\n%s", diff)
	}
	if got.Outside != 1 || got.Undated != 0 || got.Input.Counted != 7 {
		t.Errorf("outside %d undated %d counted %d; want 1, 0, 7", got.Outside, got.Undated, got.Input.Counted)
	}
	roundTripJSON(t, got)
	for name, g := range map[string][]forecast.Goal{
		"duplicate": {goals[0], {Key: "ana", Start: q1.AddDate(0, 2, 0), Amount: dec("1")}},
		"negative":  {{Amount: dec("-1")}},
	} {
		if _, err := forecast.NewQuota(s, forecast.QuotaOptions{Goals: g}); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s goals: error %v", name, err)
		}
	}
	// without an as-of time an open deal without a date is undated
	r, err := forecast.Attainment(scanOf(t, f, funnel.Options{}), values(deals[6:]), forecast.QuotaOptions{Goals: goals})
	if err != nil || r.Undated != 1 {
		t.Errorf("undated: %d, %v", r.Undated, err)
	}
}
