package forecast_test

import (
	"errors"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

var (
	mar15 = time.Date(2024, time.March, 15, 0, 0, 0, 0, time.UTC)
	mar   = time.Date(2024, time.March, 1, 0, 0, 0, 0, time.UTC)
	apr   = time.Date(2024, time.April, 1, 0, 0, 0, 0, time.UTC)
	may   = time.Date(2024, time.May, 1, 0, 0, 0, 0, time.UTC)
)

// periodDeals: won deals entered B 10, 20 and 40 days before their close,
// so the time-to-win samples of B are {10, 20, 40} days; the open deals
// are placed by hand in TestByPeriodByHand.
func periodDeals() []funnel.Deal {
	won := func(id string, d int) funnel.Deal {
		return funnel.Deal{ID: id, Created: mar.AddDate(0, -6, 0), Amount: dec("1"), Outcome: funnel.Won, Closed: mar.AddDate(0, -3, d),
			History: hist("A", mar.AddDate(0, -6, 0), "B", mar.AddDate(0, -3, 0))}
	}
	open := func(id, amt string, inB, closeDate time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: inB.AddDate(0, 0, -1), Amount: dec(amt), History: hist("A", inB.AddDate(0, 0, -1), "B", inB), ExpectedClose: closeDate}
	}
	return []funnel.Deal{
		won("w1", 10), won("w2", 20), won("w3", 40),
		// in B since 10 March: 5 days spent, all three samples remain:
		// 20 March, 30 March (March) and 19 April: 150 x 2/3 = 100 in
		// March, 50 in April.
		open("o1", "300", time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), time.Time{}),
		// expected close in May: 200 x 0.5 = 100 in May.
		open("o2", "200", mar, time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)),
		// in B for 50 days, beyond every sample: overdue, 20 x 0.5 = 10
		// in March.
		open("o3", "20", mar15.AddDate(0, 0, -50), time.Time{}),
		// expected close before the as-of time: overdue, 8 x 0.5 = 4 in
		// March.
		open("o4", "8", mar, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)),
		// expected close after the three periods: 40 x 0.5 = 20 later.
		open("o5", "40", mar, time.Date(2024, 9, 2, 0, 0, 0, 0, time.UTC)),
		// expected close exactly at the as-of time: not overdue, 2 x 0.5
		// = 1 in March.
		open("o6", "2", mar, mar15),
	}
}

func TestByPeriodByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	s := scanOf(t, f, funnel.Options{AsOf: mar15})
	opts := forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{"B": dec("0.5")}}
	got, err := forecast.Expected(s, values(periodDeals()), forecast.PeriodOptions{Options: opts, Periods: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := forecast.PeriodReport{
		AsOf: mar15, Period: funnel.Month, Location: "UTC", Source: forecast.SourceGiven,
		Rows: []forecast.PeriodRow{
			{Start: mar, Dated: 2, Expected: dec("115")},
			{Start: apr, Expected: dec("50")},
			{Start: may, Dated: 1, Expected: dec("100")},
		},
		Later: dec("20"), LaterDated: 1, Overdue: 2, Spread: 1, Expected: dec("285"),
		Input: funnel.Input{Read: 9, Counted: 9},
	}
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Errorf("by period mismatch (-want +got):\n%s", diff)
	}
	roundTripJSON(t, got)
	p, err := forecast.Weighted(s, values(periodDeals()), opts)
	if err != nil || !p.Weighted.Equal(got.Expected) {
		t.Errorf("pipeline weighted %v, by period %v (%v)", p.Weighted, got.Expected, err)
	}
}

// TestByPeriodRounding checks the cumulative rounding of the time-to-win
// shares: 100 x 1/3 per period sums back to 100 exactly.
func TestByPeriodRounding(t *testing.T) {
	f := mustFunnel(t, "A")
	asOf := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	won := func(id string, days int) funnel.Deal {
		return funnel.Deal{ID: id, Created: day(-200), Amount: dec("1"), Outcome: funnel.Won, Closed: day(-200 + days), History: hist("A", day(-200))}
	}
	deals := []funnel.Deal{won("w1", 10), won("w2", 40), won("w3", 70),
		{ID: "o", Created: asOf, Amount: dec("100"), History: hist("A", asOf)}}
	got, err := forecast.Expected(scanOf(t, f, funnel.Options{AsOf: asOf}), values(deals), forecast.PeriodOptions{Options: forecast.Options{
		Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("1")}}, Periods: 4})
	if err != nil {
		t.Fatal(err)
	}
	// samples 10, 40, 70 days from 1 January: 11 January, 10 February,
	// 11 March. Cumulative: 33.3333333333, 66.6666666667, 100.
	want := []string{"33.3333333333", "33.3333333334", "33.3333333333", "0"}
	for j, w := range want {
		if !got.Rows[j].Expected.Equal(dec(w)) {
			t.Errorf("period %d = %v, want %s", j, got.Rows[j].Expected, w)
		}
	}
	if !got.Expected.Equal(dec("100")) || !got.Later.IsZero() {
		t.Errorf("total %v later %v", got.Expected, got.Later)
	}
}

func TestByPeriodQuarterTimeZone(t *testing.T) {
	f := mustFunnel(t, "A")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	// Expected close 23:30 on 31 March in New York is 03:30 UTC on 1
	// April: in Q1 in New York, in Q2 in UTC.
	closeAt := time.Date(2024, time.March, 31, 23, 30, 0, 0, ny)
	deals := []funnel.Deal{{ID: "o", Created: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), Amount: dec("100"), Stage: "A", ExpectedClose: closeAt}}
	for _, tt := range []struct {
		loc    *time.Location
		expect []string
	}{{ny, []string{"100", "0"}}, {time.UTC, []string{"0", "100"}}} {
		s := scanOf(t, f, funnel.Options{AsOf: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Period: funnel.Quarter, Location: tt.loc})
		got, err := forecast.Expected(s, values(deals), forecast.PeriodOptions{Options: forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("1")}}, Periods: 2})
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range tt.expect {
			if !got.Rows[i].Expected.Equal(dec(w)) {
				t.Errorf("%v quarter %d = %v, want %s", tt.loc, i, got.Rows[i].Expected, w)
			}
		}
	}
}

// TestByPeriodDST checks daily periods in zones whose clock skips
// midnight or a whole day: every period starts where funnel.Period says.
func TestByPeriodDST(t *testing.T) {
	f := mustFunnel(t, "A")
	for _, tt := range []struct {
		zone string
		asOf time.Time
	}{
		{"America/Havana", time.Date(2024, 3, 9, 12, 0, 0, 0, time.UTC)},
		{"America/Santiago", time.Date(2024, 9, 7, 12, 0, 0, 0, time.UTC)},
		{"Pacific/Apia", time.Date(2011, 12, 28, 12, 0, 0, 0, time.UTC)},
	} {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Skip("no tz data:", err)
		}
		s := scanOf(t, f, funnel.Options{AsOf: tt.asOf, Period: funnel.Day, Location: loc})
		var deals []funnel.Deal
		for h := 0; h < 24*6; h += 5 {
			deals = append(deals, funnel.Deal{ID: "o" + tt.zone + time.Duration(h).String(), Created: tt.asOf.Add(-time.Hour), Stage: "A", Amount: dec("1"),
				ExpectedClose: tt.asOf.Add(time.Duration(h) * time.Hour)})
		}
		got, err := forecast.Expected(s, values(deals), forecast.PeriodOptions{Options: forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("1")}}, Periods: 7})
		if err != nil {
			t.Fatal(err)
		}
		start := funnel.Day.Start(tt.asOf, loc)
		var n int64
		for j, row := range got.Rows {
			if !row.Start.Equal(start) {
				t.Errorf("%s period %d starts %v, want %v", tt.zone, j, row.Start, start)
			}
			next := funnel.Day.Next(start, loc)
			var want int64
			for _, d := range deals {
				if !d.ExpectedClose.Before(start) && d.ExpectedClose.Before(next) {
					want++
				}
			}
			if row.Dated != want {
				t.Errorf("%s period %d (%v): %d dated, want %d", tt.zone, j, start, row.Dated, want)
			}
			n += row.Dated
			start = next
		}
		if n+got.LaterDated != int64(len(deals)) || !got.Expected.Equal(decimal.NewFromInt(int64(len(deals)))) {
			t.Errorf("%s: %d dated + %d later of %d", tt.zone, n, got.LaterDated, len(deals))
		}
	}
}

func TestByPeriodAsOf(t *testing.T) {
	f := mustFunnel(t, "A")
	// the expected close date moved from 10 April to 10 June on 20
	// March, after the as-of time: April counts.
	d := funnel.Deal{ID: "o", Created: mar, Stage: "A", Amount: dec("10"), ExpectedClose: time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC),
		Changes: []funnel.FieldChange{{Field: funnel.FieldExpectedClose, At: mar, Time: time.Date(2024, 4, 10, 0, 0, 0, 0, time.UTC)},
			{Field: funnel.FieldExpectedClose, At: time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC), Time: time.Date(2024, 6, 10, 0, 0, 0, 0, time.UTC)}}}
	got, err := forecast.Expected(scanOf(t, f, funnel.Options{AsOf: mar15}), values([]funnel.Deal{d}),
		forecast.PeriodOptions{Options: forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("1")}}, Periods: 4})
	if err != nil || got.Rows[1].Dated != 1 || !got.Rows[1].Expected.Equal(dec("10")) || got.Rows[3].Dated != 0 {
		t.Errorf("as of: rows %+v, %v; want the deal in April", got.Rows, err)
	}
}

func TestByPeriodErrors(t *testing.T) {
	f := mustFunnel(t, "A")
	s := scanOf(t, f, funnel.Options{AsOf: mar15})
	for name, tt := range map[string]struct {
		s    *funnel.Scan
		opts forecast.PeriodOptions
	}{
		"no as-of":         {scanOf(t, f, funnel.Options{}), forecast.PeriodOptions{}},
		"too many periods": {s, forecast.PeriodOptions{Periods: forecast.MaxPeriods + 1}},
		"negative periods": {s, forecast.PeriodOptions{Periods: -1}},
		"bad probability":  {s, forecast.PeriodOptions{Options: forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("2")}}}},
		"nil scan":         {nil, forecast.PeriodOptions{}},
	} {
		if _, err := forecast.NewByPeriod(tt.s, tt.opts); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: error %v, want ErrInvalidParam", name, err)
		}
	}
	b, err := forecast.NewByPeriod(s, forecast.PeriodOptions{Periods: forecast.MaxPeriods})
	if err != nil {
		t.Fatalf("MaxPeriods: %v", err)
	}
	r, err := b.Report()
	if err != nil || len(r.Rows) != forecast.MaxPeriods {
		t.Errorf("MaxPeriods: %d rows, %v", len(r.Rows), err)
	}
	r, err = forecast.Expected(s, values(nil), forecast.PeriodOptions{})
	if err != nil || len(r.Rows) != 12 || !r.Rows[0].Start.Equal(mar) {
		t.Errorf("default periods: %d rows from %v, %v", len(r.Rows), r.Rows[0].Start, err)
	}
	roundTripJSON(t, r)
}

// TestPeriodsAgreeWithPipeline checks, for every source of probabilities,
// period and zone, that the periods + later + untimed add up exactly to
// the weighted pipeline of the same deals and options.
func TestPeriodsAgreeWithPipeline(t *testing.T) {
	deals := mixedDeals(t, 600)
	f := mustFunnel(t, "Lead", "Qualified", "Proposal", "Negotiation")
	model, err := forecast.Learn(scanOf(t, f, funnel.Options{AsOf: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Mode: funnel.Lenient}), values(deals),
		forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []forecast.Options{
		{},
		{Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 2}},
		{Probabilities: map[funnel.Stage]decimal.Decimal{"Lead": dec("0.1"), "Proposal": dec("0.33")}},
		{Model: model},
	} {
		for _, per := range []funnel.Period{funnel.Day, funnel.Week, funnel.Month, funnel.Quarter} {
			for _, n := range []int{1, 5, 40} {
				s := scanOf(t, f, funnel.Options{AsOf: crossAsOf, Mode: funnel.Lenient, Period: per, Location: time.FixedZone("UTC+5:30", 19800)})
				p, err := forecast.Weighted(s, values(deals), opts)
				if err != nil {
					t.Fatal(err)
				}
				bp, err := forecast.Expected(s, values(deals), forecast.PeriodOptions{Options: opts, Periods: n})
				if err != nil {
					t.Fatal(err)
				}
				sum := bp.Later.Add(bp.UntimedExpected)
				for _, r := range bp.Rows {
					sum = sum.Add(r.Expected)
				}
				if !sum.Equal(p.Weighted) || !bp.Expected.Equal(p.Weighted) || bp.Unweighted != p.Unweighted || !bp.UnweightedAmount.Equal(p.UnweightedAmount) {
					t.Errorf("%v, %v x %d: periods sum to %v (total %v), pipeline %v; unweighted %d/%d", bp.Source, per, n, sum, bp.Expected, p.Weighted, bp.Unweighted, p.Unweighted)
				}
			}
		}
	}
}
