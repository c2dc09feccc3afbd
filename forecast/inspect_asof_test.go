package forecast_test

import (
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// TestInspectAsOf checks every inspection accumulator against events
// after the as-of time: amounts revised, close dates pushed, owners
// changed, open deals advanced and closed, new deals created. None of it
// may change a result but for the count of deals read and left out.
func TestInspectAsOf(t *testing.T) {
	deals := crossDeals(t)
	later := make([]funnel.Deal, 0, len(deals)+1)
	for _, d := range deals {
		if d.Created.After(crossAsOf) {
			later = append(later, d)
			continue
		}
		// the new events come after everything the deal recorded
		last := crossAsOf
		for _, h := range d.History {
			last = latest(last, h.At)
		}
		for _, c := range d.Changes {
			last = latest(last, c.At)
		}
		last = latest(last, d.Closed)
		after := func(n int) time.Time { return last.Add(time.Duration(n) * 24 * time.Hour) }
		changeLater(&d, funnel.FieldChange{Field: funnel.FieldAmount, At: after(2), Amount: d.Amount.Add(dec("1000"))})
		changeLater(&d, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: after(3), Time: after(90)})
		changeLater(&d, funnel.FieldChange{Field: funnel.FieldAttr, Key: funnel.AttrOwner, At: after(4), Text: "zed"})
		if d.Outcome == funnel.Open {
			d.History = append(append([]funnel.StageChange{}, d.History...), funnel.StageChange{Stage: "Negotiation", At: after(5)})
			d.Stage, d.Outcome, d.Closed = "Negotiation", funnel.Won, after(6)
		}
		later = append(later, d)
	}
	later = append(later, funnel.Deal{ID: "late", Created: crossAsOf.Add(time.Hour), Amount: dec("5"), Stage: "Lead", Attrs: funnel.Attributes{Owner: "ana"}})
	s := scanOf(t, mustFunnel(t, genStages...), funnel.Options{AsOf: crossAsOf, Mode: funnel.Lenient})
	for _, c := range inspectCases(t) {
		want := resultOf(t, c, build(t, c, s, deals))
		got := resultOf(t, c, build(t, c, s, later))
		if diff := cmp.Diff(want, got, append(cmpOpts, cmpopts.IgnoreFields(funnel.Input{}, "Read", "Future"))...); diff != "" {
			t.Errorf("%s: events after the as-of time changed the result (-before +after):\n%s", c.name, diff)
		}
	}
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// TestInspectZones runs the period-scoped analyses in zones whose clock
// skips midnight (America/Havana's daylight-saving change at 00:00) or a
// whole day (Pacific/Apia skipped 30 December 2011): their periods are
// the zone's days, as funnel.Period.Start and Next give them.
func TestInspectZones(t *testing.T) {
	for _, c := range []struct {
		zone string
		day  time.Time // a local day whose start is not midnight, or that follows a skipped day
	}{
		{"America/Havana", time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)},
		{"Pacific/Apia", time.Date(2011, 12, 31, 12, 0, 0, 0, time.UTC)},
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Skip("no zone data:", err)
		}
		day := time.Date(c.day.Year(), c.day.Month(), c.day.Day(), 12, 0, 0, 0, loc)
		start, end := funnel.Day.Start(day, loc), funnel.Day.Next(day, loc)
		asOf := start.Add(time.Hour)
		s := scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: asOf, Period: funnel.Day, Location: loc})
		// one deal expected in the day's last second, one at its end
		mk := func(id string, ec time.Time) funnel.Deal {
			return funnel.Deal{ID: id, Created: start.Add(-72 * time.Hour), Amount: dec("10"), ExpectedClose: ec, History: hist("A", start.Add(-72*time.Hour))}
		}
		deals := []funnel.Deal{mk("in", end.Add(-time.Second)), mk("out", end)}
		w, err := forecast.Flows(s, values(deals), forecast.WaterfallOptions{From: start.Add(-time.Hour), To: asOf, Close: day})
		if err != nil {
			t.Fatal(err)
		}
		if !w.Start.Equal(start) || !w.End.Equal(end) || w.Total.StartDeals != 1 || w.Total.EndDeals != 1 {
			t.Errorf("%s: waterfall of [%v, %v), %d -> %d deals", c.zone, w.Start, w.End, w.Total.StartDeals, w.Total.EndDeals)
		}
		var b strings.Builder
		_ = w.WriteText(&b)
		if !strings.Contains(b.String(), day.Format(time.DateOnly)) {
			t.Errorf("%s: text labels another day:\n%s", c.zone, b.String())
		}
		r, err := forecast.Outlook(s, values(deals), forecast.RangeOptions{Options: forecast.Options{Probabilities: halfA}, Close: day})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Start.Equal(start) || !r.End.Equal(end) || r.Deals != 1 || r.Outside != 1 {
			t.Errorf("%s: range of [%v, %v), %d deals, %d outside", c.zone, r.Start, r.End, r.Deals, r.Outside)
		}
	}
}

var halfA = map[funnel.Stage]decimal.Decimal{"A": dec("0.5")}
