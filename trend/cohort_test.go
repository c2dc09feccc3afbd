package trend

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// cohortDeals are monthly cohorts worked by hand in TestCohortsByHand, as
// of 15 April 2024.
func cohortDeals() []funnel.Deal {
	d := func(m time.Month, dd int) time.Time { return time.Date(2024, m, dd, 12, 0, 0, 0, time.UTC) }
	return []funnel.Deal{
		simple("a", d(1, 5), funnel.Won, d(1, 20), "100"),
		simple("b", d(1, 10), funnel.Won, d(3, 2), "50"),
		simple("c", d(1, 15), funnel.Lost, d(2, 1), "10"),
		simple("d", d(1, 20), funnel.Won, d(5, 1), "999"), // won after the as-of time: open then
		simple("e", d(3, 3), funnel.Won, d(4, 10), "200"),
		simple("f", d(3, 30), funnel.Won, time.Time{}, "7"),  // won at an unknown time
		simple("g", time.Time{}, funnel.Won, d(2, 2), "5"),   // created at an unknown time
		simple("h", d(4, 20), funnel.Open, time.Time{}, "1"), // created after the as-of time
	}
}

func cv(n int64, num, den int64, lo, hi float64, amount, per string) funnel.CohortValue {
	iv := funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}
	return funnel.CohortValue{Count: n, Rate: funnel.Rate{Ratio: funnel.Ratio{Num: num, Den: den}, Interval: iv}, Amount: dec(amount), PerUnit: dec(per)}
}

func TestCohortsByHand(t *testing.T) {
	f := mustFunnel(t, "A")
	asOf := time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC)
	s := mustScan(t, f, funnel.Options{AsOf: asOf, UndatedClose: true})
	got, err := ComputeCohorts(s, slices.Values(cohortDeals()), CohortOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Wilson intervals from testdata/trend.py
	q1 := [2]float64{0.04558726080970059, 0.699358157417598}
	q2 := [2]float64{0.15003898915214955, 0.8499610108478505}
	z2 := [2]float64{0, 0.6576197724933468}
	h2 := [2]float64{0.09453120573423074, 0.9054687942657692}
	want := Table{Period: funnel.Month, Location: "UTC", AsOf: asOf,
		Input: funnel.Input{Read: 8, Counted: 7, Future: 1, Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
		Cohorts: []funnel.Cohort{
			// January: a won at age 0 (100), b at age 2 (50), c lost, d
			// open as of 15 April; ages 0 (January) to 3 (April).
			{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Size: 4, Ages: []funnel.CohortValue{
				cv(1, 1, 4, q1[0], q1[1], "100", "25"), cv(1, 1, 4, q1[0], q1[1], "100", "25"),
				cv(2, 2, 4, q2[0], q2[1], "150", "37.5"), cv(2, 2, 4, q2[0], q2[1], "150", "37.5")}},
			// March: e won at age 1 (200), f won at no age.
			{Start: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), Size: 2, Ages: []funnel.CohortValue{
				cv(0, 0, 2, z2[0], z2[1], "0", "0"), cv(1, 1, 2, h2[0], h2[1], "200", "100")}},
		},
		Undated: 1, WonUndated: 1}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("cohorts mismatch (-want +got):\n%s", diff)
	}
	// MaxAge 1: b's win at age 2 is beyond the last age
	got, _ = ComputeCohorts(s, slices.Values(cohortDeals()), CohortOptions{MaxAge: 1})
	if len(got.Cohorts[0].Ages) != 2 || len(got.Cohorts[1].Ages) != 2 || got.Beyond != 1 || got.MaxAge != 1 {
		t.Errorf("MaxAge 1 = %+v", got)
	}
	// without an as-of time, d is won in May: ages run to May, and the
	// last age of January counts 3 wins
	s = mustScan(t, f, funnel.Options{UndatedClose: true})
	got, _ = ComputeCohorts(s, slices.Values(cohortDeals()), CohortOptions{})
	jan := got.Cohorts[0]
	if len(jan.Ages) != 5 || jan.Ages[4].Count != 3 || !jan.Ages[4].Amount.Equal(dec("1149")) || len(got.Cohorts) != 3 || got.Input.Future != 0 {
		t.Errorf("cohorts without as-of = %+v", got)
	}
}

func TestCohortsZones(t *testing.T) {
	// daily cohorts in Apia: 29 and 31 December 2011 are one day apart in
	// the series but two ages apart (30 December, which the zone skipped,
	// counts as an age)
	apia := mustLoad(t, "Pacific/Apia")
	f := mustFunnel(t, "A")
	s := mustScan(t, f, funnel.Options{Period: funnel.Day, Location: apia, AsOf: time.Date(2011, 12, 31, 18, 0, 0, 0, apia)})
	deals := []funnel.Deal{simple("a", time.Date(2011, 12, 29, 10, 0, 0, 0, apia), funnel.Won, time.Date(2011, 12, 31, 9, 0, 0, 0, apia), "5")}
	got, err := ComputeCohorts(s, slices.Values(deals), CohortOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var counts []int64
	for _, a := range got.Cohorts[0].Ages {
		counts = append(counts, a.Count)
	}
	if diff := cmp.Diff([]int64{0, 0, 1}, counts); diff != "" || got.Cohorts[0].Start.Day() != 29 {
		t.Errorf("Apia cohort mismatch:\n%s", diff)
	}
	// Havana: the day clocks skip midnight starts at 01:00
	hav := mustLoad(t, "America/Havana")
	s = mustScan(t, f, funnel.Options{Period: funnel.Day, Location: hav, AsOf: time.Date(2024, 3, 12, 0, 0, 0, 0, hav)})
	deals = []funnel.Deal{simple("b", time.Date(2024, 3, 10, 1, 30, 0, 0, hav), funnel.Won, time.Date(2024, 3, 11, 0, 30, 0, 0, hav), "5")}
	got, _ = ComputeCohorts(s, slices.Values(deals), CohortOptions{})
	c := got.Cohorts[0]
	if !c.Start.Equal(time.Date(2024, 3, 10, 1, 0, 0, 0, hav)) || len(c.Ages) != 3 || c.Ages[0].Count != 0 || c.Ages[1].Count != 1 {
		t.Errorf("Havana cohort = %+v", c)
	}
}

func TestCohortsErrors(t *testing.T) {
	f := mustFunnel(t, "A")
	s := mustScan(t, f, funnel.Options{Period: funnel.Day})
	if _, err := NewCohorts(s, CohortOptions{MaxAge: -1}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewCohorts(max age -1) error = %v", err)
	}
	if _, err := NewCohorts(nil, CohortOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewCohorts(nil) error = %v", err)
	}
	far := mustScan(t, f, funnel.Options{AsOf: time.Date(10001, 1, 1, 0, 0, 0, 0, time.UTC)})
	if _, err := NewCohorts(far, CohortOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewCohorts(as of year 10001) error = %v", err)
	}
	if _, err := ComputeCohorts(s, nil, CohortOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ComputeCohorts(nil stream) error = %v", err)
	}
	// two deals in years 1 and 2024: 738,886 daily ages, over MaxCells
	deals := []funnel.Deal{
		simple("a", time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), funnel.Open, time.Time{}, "1"),
		simple("b", time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), funnel.Open, time.Time{}, "1"),
	}
	start := time.Now()
	if _, err := ComputeCohorts(s, slices.Values(deals), CohortOptions{}); !errors.Is(err, funnel.ErrInvalidParam) || !strings.Contains(err.Error(), "MaxAge") {
		t.Errorf("ComputeCohorts(years 1 and 2024) error = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("ComputeCohorts(years 1 and 2024) took %v", d)
	}
	got, err := ComputeCohorts(s, slices.Values(deals), CohortOptions{MaxAge: 30})
	if err != nil || len(got.Cohorts) != 2 || len(got.Cohorts[0].Ages) != 31 || len(got.Cohorts[1].Ages) != 1 {
		t.Errorf("with MaxAge 30: %v", err)
	}
	got, err = ComputeCohorts(s, slices.Values([]funnel.Deal{}), CohortOptions{})
	if err != nil || got.Cohorts == nil || len(got.Cohorts) != 0 {
		t.Errorf("empty = %+v, %v", got, err)
	}
	_ = decimal.Zero
}
