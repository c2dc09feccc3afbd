package trend

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

func mustCompute(t testing.TB, s *funnel.Scan, deals []funnel.Deal, opts Options) Report {
	t.Helper()
	r, err := Compute(s, slices.Values(deals), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// counts returns the number of deals of each row.
func counts(r Report) []int64 {
	out := []int64{}
	for _, p := range r.Periods {
		out = append(out, p.Report.Deals)
	}
	return out
}

func labels(r Report) []string {
	out := []string{}
	for _, p := range r.Periods {
		out = append(out, p.Label)
	}
	return out
}

// nyDeals are the deals of the legacy month test, in New York.
func nyDeals(ny *time.Location) []funnel.Deal {
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	mk := func(id string, created time.Time, o funnel.Outcome) funnel.Deal {
		d := funnel.Deal{ID: id, Created: created, Amount: dec("100"), Outcome: o, Stage: "A"}
		if o != funnel.Open {
			d.Closed = created.Add(24 * time.Hour)
		}
		return d
	}
	return []funnel.Deal{
		mk("y1", at(2023, 1, 10, 9, 0), funnel.Won),
		// 23:30 on 31 January in New York is 04:30 UTC on 1 February: a
		// January deal in New York.
		mk("j1", at(2024, 1, 31, 23, 30), funnel.Won),
		mk("j2", at(2024, 1, 2, 0, 0), funnel.Lost),
		// February 2024 is empty.
		mk("m1", at(2024, 3, 1, 0, 0), funnel.Won),
		mk("m2", at(2024, 3, 5, 0, 0), funnel.Won),
		mk("m3", at(2024, 3, 31, 23, 59), funnel.Open),
		{ID: "u", Stage: "A"}, // no creation time: outside
	}
}

func TestSeriesMonthsInTimeZone(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	ny := mustLoad(t, "America/New_York")
	deals := nyDeals(ny)
	r := mustCompute(t, mustScan(t, f, funnel.Options{Location: ny}), deals, Options{})
	if len(r.Periods) != 15 || r.Periods[0].Label != "2023-01" || r.Periods[14].Label != "2024-03" ||
		!r.Periods[0].Start.Equal(time.Date(2023, 1, 1, 0, 0, 0, 0, ny)) || !r.Periods[14].End.Equal(time.Date(2024, 4, 1, 0, 0, 0, 0, ny)) {
		t.Fatalf("series = %v from %v", labels(r), r.Periods[0].Start)
	}
	if diff := cmp.Diff(Outside{Undated: 1}, r.Outside); diff != "" || r.Input.Counted != 7 {
		t.Errorf("outside mismatch:\n%s input %+v", diff, r.Input)
	}
	v, err := r.Metric(WinRate)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Label               string
		Value               string
		Defined             bool
		PrevDefined         bool
		YearLabel, YearDel  string
		YearDefined         bool
		YearRel             decimal.NullDecimal
		YearVerdict         funnel.Verdict
		YearMethod          funnel.Method
		YearP               float64
		PrevLabel, YearNone string
	}
	var got []row
	for _, p := range v.Points[12:] {
		got = append(got, row{p.Label, p.Value.Number.String(), p.Value.Defined, p.Previous.Defined, p.YearAgo.Label, p.YearAgo.Delta.String(),
			p.YearAgo.Defined, p.YearAgo.Relative, p.YearAgo.Rates.Verdict, p.YearAgo.Rates.Method, p.YearAgo.Rates.PValue, p.Previous.Label, ""})
	}
	// January 2024: 1 of 2 (0.5); a year before 1 of 1: -0.5 (-50%),
	// Fisher's test (expected counts below 5) p = 1 (both tables of the
	// margins are no more likely than the observed one, 2/3 and 1/3),
	// withheld (fewer than 30). February: undefined. March: 2 of 2
	// decided (m3 open); February undefined, and March 2023 is not in the
	// series.
	want := []row{
		{"2024-01", "0.5", true, false, "2023-01", "-0.5", true, decimal.NewNullDecimal(dec("-0.5")), funnel.Withheld, funnel.Fisher, 1, "2023-12", ""},
		{"2024-02", "0", false, false, "2023-02", "0", false, decimal.NullDecimal{}, funnel.Withheld, 0, 0, "2024-01", ""},
		{"2024-03", "1", true, false, "2023-03", "0", false, decimal.NullDecimal{}, funnel.Withheld, 0, 0, "2024-02", ""},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Metric(win rate) mismatch (-want +got):\n%s", diff)
	}
	// Deals: 2, 0, 3 in Jan-Mar 2024. March against February: +3, no
	// relative change (base 0), too few to test.
	v, _ = r.Metric(Deals)
	mar := v.Points[14].Previous
	if !mar.Defined || !mar.Delta.Equal(dec("3")) || mar.Relative.Valid || mar.Counts.Defined || mar.Counts.Verdict != funnel.Withheld ||
		mar.Counts.A != 3 || mar.Counts.B != 0 {
		t.Errorf("Metric(deals) March = %+v", mar)
	}

	// The same deals by quarter in UTC, 2024 only: j1 falls in February,
	// m3 (03:59 UTC on 1 April) in Q2; y1 is before, u undated.
	r = mustCompute(t, mustScan(t, f, funnel.Options{Period: funnel.Quarter}), deals,
		Options{From: time.Date(2024, 1, 15, 0, 0, 0, 0, ny), To: time.Date(2024, 12, 1, 0, 0, 0, 0, ny)})
	if diff := cmp.Diff([]int64{4, 1, 0, 0}, counts(r)); diff != "" {
		t.Errorf("quarters mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(Outside{Undated: 1, Before: 1}, r.Outside); diff != "" {
		t.Errorf("quarters outside mismatch:\n%s", diff)
	}
	if diff := cmp.Diff([]string{"2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"}, labels(r)); diff != "" {
		t.Errorf("quarter labels mismatch:\n%s", diff)
	}
	// From only: the series ends with the last period with deals
	r = mustCompute(t, mustScan(t, f, funnel.Options{Location: ny}), deals, Options{From: time.Date(2024, 2, 15, 0, 0, 0, 0, ny)})
	if diff := cmp.Diff([]string{"2024-02", "2024-03"}, labels(r)); diff != "" || r.Outside.Before != 3 {
		t.Errorf("from February mismatch:\n%s outside %+v", diff, r.Outside)
	}
	// To only
	r = mustCompute(t, mustScan(t, f, funnel.Options{Location: ny}), deals, Options{To: time.Date(2023, 3, 1, 0, 0, 0, 0, ny)})
	if diff := cmp.Diff([]string{"2023-01", "2023-02", "2023-03"}, labels(r)); diff != "" || r.Outside.After != 5 {
		t.Errorf("to March 2023 mismatch:\n%s outside %+v", diff, r.Outside)
	}
}

func TestSeriesClosedBasis(t *testing.T) {
	f := mustFunnel(t, "A")
	deals := []funnel.Deal{
		simple("w1", day(20), funnel.Won, day(31), "1"),          // 1 February 00:00 UTC: February
		simple("l1", day(0), funnel.Lost, day(30), "1"),          // 31 January
		simple("o1", day(0), funnel.Open, time.Time{}, "1"),      // open: outside
		simple("x", day(3), funnel.Won, time.Time{}, "1"),        // won at an unknown time: outside, undated
		simple("late", day(10), funnel.Lost, day(80), "1"),       // lost after the as-of time: open then
		simple("future", day(70), funnel.Open, time.Time{}, "1"), // created after the as-of time
	}
	s := mustScan(t, f, funnel.Options{UndatedClose: true, AsOf: day(60)})
	r := mustCompute(t, s, deals, Options{Basis: Closed})
	if diff := cmp.Diff([]string{"2024-01", "2024-02"}, labels(r)); diff != "" {
		t.Fatalf("labels mismatch:\n%s", diff)
	}
	if r.Periods[0].Report.Lost != 1 || r.Periods[0].Report.Won != 0 || r.Periods[1].Report.Won != 1 {
		t.Errorf("closed basis = %+v", r.Periods)
	}
	if diff := cmp.Diff(Outside{Open: 2, Undated: 1}, r.Outside); diff != "" || r.Input.Future != 1 || r.Input.Counted != 5 {
		t.Errorf("outside mismatch:\n%s input %+v", diff, r.Input)
	}
	// by creation, x counts in January and the as-of time keeps late open
	r = mustCompute(t, s, deals, Options{})
	if diff := cmp.Diff([]int64{5}, counts(r)); diff != "" || r.Periods[0].Report.Open != 2 || r.Periods[0].Report.Won != 2 {
		t.Errorf("created basis mismatch:\n%s %+v", diff, r.Periods[0].Report)
	}
}

// TestSeriesAsOf checks that every period sees its deals as they stood at
// the as-of time: a deal won after it is open, its amount then is the
// amount of its field history, a deal created after it is left out.
func TestSeriesAsOf(t *testing.T) {
	f := mustFunnel(t, "A", "B")
	deals := []funnel.Deal{
		{ID: "w", Created: day(4), Amount: dec("500"), Outcome: funnel.Won, Closed: day(70), History: hist("A", day(4), "B", day(50)),
			Changes: []funnel.FieldChange{{Field: funnel.FieldAmount, At: day(4), Amount: dec("100")}, {Field: funnel.FieldAmount, At: day(60), Amount: dec("500")}}},
		{ID: "l", Created: day(40), Amount: dec("30"), Outcome: funnel.Lost, Closed: day(42), History: hist("A", day(40))},
		{ID: "f", Created: day(50), Amount: dec("7"), History: hist("A", day(50))},
	}
	s := mustScan(t, f, funnel.Options{AsOf: day(45)})
	r := mustCompute(t, s, deals, Options{})
	if diff := cmp.Diff([]int64{1, 1}, counts(r)); diff != "" {
		t.Fatalf("counts mismatch:\n%s", diff)
	}
	jan, feb := r.Periods[0].Report, r.Periods[1].Report
	if jan.Open != 1 || jan.Won != 0 || !jan.Pipeline.Equal(dec("100")) || jan.Funnel[1].Reached != 0 || feb.Lost != 1 || r.Input.Future != 1 {
		t.Errorf("as of day 45: January %+v, February lost %d, future %d", jan, feb.Lost, r.Input.Future)
	}
	r = mustCompute(t, s, deals, Options{Basis: Closed})
	if diff := cmp.Diff([]string{"2024-02"}, labels(r)); diff != "" || r.Outside.Open != 1 {
		t.Errorf("closed basis as of day 45:\n%s outside %+v", diff, r.Outside)
	}
}

// TestSeriesEqualsComputePerPeriod checks each period's report against
// funnel.Compute over the deals picked by comparing their creation (or,
// as of the as-of time, close) time with the period's bounds, built
// directly with time.Date (an independent route to the same grouping),
// monthly in New York across daylight-saving changes.
func TestSeriesEqualsComputePerPeriod(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	f := dealgen.Funnel()
	deals := dealgen.Generate(800, 11, dealgen.Options{})
	asOf := time.Date(2025, 2, 10, 0, 0, 0, 0, time.UTC)
	opts := funnel.Options{AsOf: asOf, Location: ny, Window: 60 * 24 * time.Hour, Currency: "USD"}
	s := mustScan(t, f, opts)
	for _, basis := range []Basis{Created, Closed} {
		r := mustCompute(t, s, deals, Options{Basis: basis})
		if len(r.Periods) < 12 {
			t.Fatalf("%d periods", len(r.Periods))
		}
		y, m, _ := r.Periods[0].Start.In(ny).Date()
		var sum int64
		for i, p := range r.Periods {
			start := time.Date(y, m+time.Month(i), 1, 0, 0, 0, 0, ny)
			end := time.Date(y, m+time.Month(i+1), 1, 0, 0, 0, 0, ny)
			if !p.Start.Equal(start) || !p.End.Equal(end) {
				t.Fatalf("period %d is %v..%v, want %v..%v", i, p.Start, p.End, start, end)
			}
			var in []funnel.Deal
			for _, d := range deals {
				at := d.Created
				if basis == Closed {
					if d.Outcome == funnel.Open || d.Closed.After(asOf) {
						continue
					}
					at = d.Closed
				}
				if !at.Before(start) && at.Before(end) {
					in = append(in, d)
				}
			}
			want, err := funnel.Compute(f, slices.Values(in), opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, p.Report, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%v period %s mismatch (-compute +series):\n%s", basis, p.Label, diff)
			}
			sum += p.Report.Deals
		}
		if sum+r.Outside.Total() != int64(len(deals)) {
			t.Errorf("%v: %d in periods + %+v outside != %d", basis, sum, r.Outside, len(deals))
		}
	}
}

// TestSeriesDaysInZones steps daily series across days a zone skips
// (Pacific/Apia, 30 December 2011) and days whose midnight it skips or
// repeats (America/Havana, America/Santiago): every period start is
// idempotent, the rows follow one another, and each row counts exactly
// the deals whose local date is its label (an independent grouping).
func TestSeriesDaysInZones(t *testing.T) {
	f := mustFunnel(t, "A")
	for _, tt := range []struct {
		zone     string
		around   time.Time // UTC
		skipDays []string
	}{
		{"Pacific/Apia", time.Date(2011, 12, 30, 10, 0, 0, 0, time.UTC), []string{"2011-12-30"}},
		{"America/Havana", time.Date(2024, 3, 10, 5, 0, 0, 0, time.UTC), nil},  // 00:00 -> 01:00
		{"America/Havana", time.Date(2024, 11, 3, 5, 0, 0, 0, time.UTC), nil},  // 01:00 -> 00:00
		{"America/Santiago", time.Date(2024, 9, 8, 4, 0, 0, 0, time.UTC), nil}, // 00:00 -> 01:00
		{"America/Santiago", time.Date(2024, 4, 7, 3, 0, 0, 0, time.UTC), nil}, // 24:00 -> 23:00
	} {
		t.Run(tt.zone+" "+tt.around.Format(time.DateOnly), func(t *testing.T) {
			loc := mustLoad(t, tt.zone)
			var deals []funnel.Deal
			want := map[string]int64{}
			for i, at := 0, tt.around.Add(-60*time.Hour); at.Before(tt.around.Add(60 * time.Hour)); i, at = i+1, at.Add(15*time.Minute) {
				deals = append(deals, simple("d"+string(rune('a'+i%26))+at.Format("0102150405"), at, funnel.Open, time.Time{}, "1"))
				want[at.In(loc).Format(time.DateOnly)]++
			}
			r := mustCompute(t, mustScan(t, f, funnel.Options{Period: funnel.Day, Location: loc}), deals, Options{})
			got := map[string]int64{}
			for i, p := range r.Periods {
				got[p.Label] = p.Report.Deals
				if s := funnel.Day.Start(p.Start, loc); !s.Equal(p.Start) {
					t.Errorf("row %s starts at %v, whose period starts at %v", p.Label, p.Start, s)
				}
				if i > 0 && !r.Periods[i-1].End.Equal(p.Start) {
					t.Errorf("row %s starts at %v, the row before ends at %v", p.Label, p.Start, r.Periods[i-1].End)
				}
				if p.Start.In(loc).Format(time.DateOnly) != p.Label {
					t.Errorf("row %s starts on %v", p.Label, p.Start.In(loc))
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deals per local date mismatch (-want +got):\n%s", diff)
			}
			for _, d := range tt.skipDays {
				if _, ok := got[d]; ok {
					t.Errorf("skipped day %s has a row", d)
				}
			}
			// the same span fixed by From and To, with no deals
			r = mustCompute(t, mustScan(t, f, funnel.Options{Period: funnel.Day, Location: loc}), nil,
				Options{From: tt.around.Add(-60 * time.Hour), To: tt.around.Add(60 * time.Hour)})
			if len(r.Periods) != len(got) {
				t.Errorf("empty series from/to has %v, want the %d days", labels(r), len(got))
			}
		})
	}
}

// TestSeriesBounds checks the bound on periods: two deals in years 1 and
// 2024 span 738,886 days, which is an error (quickly, with no tallies kept
// past the bound), as is a From-To range over the bound; dates outside
// years 1 to 9999 are undatable.
func TestSeriesBounds(t *testing.T) {
	f := mustFunnel(t, "A")
	s := mustScan(t, f, funnel.Options{Period: funnel.Day})
	deals := []funnel.Deal{
		simple("a", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), funnel.Open, time.Time{}, "1"),
		simple("b", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), funnel.Open, time.Time{}, "1"),
	}
	start := time.Now()
	_, err := Compute(s, slices.Values(deals), Options{})
	if !errors.Is(err, funnel.ErrInvalidParam) || !strings.Contains(err.Error(), "738886 day periods") {
		t.Errorf("Compute(years 1 and 2024) error = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Compute(years 1 and 2024) took %v", d)
	}
	a, _ := NewSeries(s, Options{})
	for _, d := range deals {
		_ = a.Add(d)
	}
	if len(a.periods) != 0 || !a.overflow {
		t.Errorf("overflowed series keeps %d tallies", len(a.periods))
	}
	// the bound itself is allowed
	r, err := Compute(s, nil, Options{From: day(0), To: day(MaxPeriods - 1)})
	if err == nil || !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Compute(nil stream) error = %v", err)
	}
	r, err = Compute(s, slices.Values([]funnel.Deal{}), Options{From: day(0), To: day(MaxPeriods - 1)})
	if err != nil || len(r.Periods) != MaxPeriods {
		t.Errorf("series of MaxPeriods days: %d periods, %v", len(r.Periods), err)
	}
	if _, err := NewSeries(s, Options{From: day(0), To: day(MaxPeriods)}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewSeries(MaxPeriods+1 days) error = %v", err)
	}
	// undatable dates: the last day of year 9999 ends in year 10000
	far := []funnel.Deal{
		simple("c", time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC), funnel.Open, time.Time{}, "1"),
		simple("d", time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), funnel.Open, time.Time{}, "1"),
		simple("e", time.Date(9999, 12, 30, 12, 0, 0, 0, time.UTC), funnel.Open, time.Time{}, "1"),
	}
	r, err = Compute(s, slices.Values(far), Options{})
	if err != nil || r.Outside.Undatable != 2 || len(r.Periods) != 1 || r.Periods[0].Label != "9999-12-30" {
		t.Errorf("far dates: %+v, %v", r.Outside, err)
	}
	if _, err := NewSeries(s, Options{From: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewSeries(from year 10000) error = %v", err)
	}
}

func TestSeriesErrors(t *testing.T) {
	f := mustFunnel(t, "A")
	s := mustScan(t, f, funnel.Options{})
	for _, opts := range []Options{{Basis: 9}, {Basis: -1}, {From: day(2), To: day(1)}} {
		if _, err := NewSeries(s, opts); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("NewSeries(%+v) error = %v", opts, err)
		}
	}
	if _, err := NewSeries(nil, Options{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewSeries(nil) error = %v", err)
	}
	bad := []funnel.Deal{{ID: "x", Created: day(1), Stage: "Z"}, {ID: "y", Stage: "Z"}}
	if _, err := Compute(s, slices.Values(bad), Options{}); !errors.Is(err, funnel.ErrUnknownStage) {
		t.Errorf("Compute(bad deal) error = %v", err)
	}
	r, err := Compute(mustScan(t, f, funnel.Options{Mode: funnel.Lenient}), slices.Values(bad), Options{})
	if err != nil || r.Input.Skipped.Count != 2 || len(r.Periods) != 0 || r.Periods == nil {
		t.Errorf("Compute(bad deals, lenient) = %+v, %v", r, err)
	}
	r, err = Compute(s, slices.Values([]funnel.Deal(nil)), Options{})
	if err != nil || len(r.Periods) != 0 {
		t.Errorf("Compute(empty) = %+v, %v", r, err)
	}
	// one deal: one period
	r = mustCompute(t, s, []funnel.Deal{simple("one", day(3), funnel.Won, day(4), "9")}, Options{})
	if diff := cmp.Diff([]int64{1}, counts(r)); diff != "" || r.Periods[0].Label != "2024-01" {
		t.Errorf("one deal:\n%s", diff)
	}
}
