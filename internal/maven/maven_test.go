package maven

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// The expectations below come from an independent sqlite3 computation over
// the raw CSV files, testdata/maven-crm/crosscheck.sql (its output is
// quoted in the comments), not from this library.

func load(t *testing.T) (*Data, funnel.Report) {
	t.Helper()
	data, err := Load("../../testdata/maven-crm", csvimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := funnel.Compute(data.Funnel, slices.Values(data.Deals), funnel.Options{
		AsOf: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), Period: funnel.Quarter, Currency: "USD",
	})
	if err != nil {
		t.Fatal(err)
	}
	return data, r
}

func TestLoadReport(t *testing.T) {
	data, _ := load(t)
	// 8800 rows, all valid; 500 Prospecting + 1589 Engaging rows have no close value
	if r := data.Read; r.Rows != 8800 || r.Kept != 8800 || r.Skipped != 0 ||
		!cmp.Equal(r.Notes, []csvimport.Reason{{Reason: csvimport.NoteEmptyAmount, Count: 2089}}) {
		t.Errorf("read report = %+v", r)
	}
	want := []csvimport.JoinReport{
		// 1425 rows (all open) have no account; every other account matches
		{Name: "accounts.csv", Matched: 7375, EmptyKey: 1425},
		{Name: "sales_teams.csv", Matched: 8800},
		// "GTXPro" is spelled "GTX Pro" in products.csv: 1480 rows find no product
		{Name: "products.csv", Matched: 7320, Unmatched: 1480, Missing: []csvimport.Reason{{Reason: "GTXPro", Count: 1480}}},
	}
	if diff := cmp.Diff(want, data.Joins); diff != "" {
		t.Errorf("joins (-want +got):\n%s", diff)
	}
}

func days(n int64) time.Duration { return time.Duration(n) * 24 * time.Hour }

func TestReportAgainstSQL(t *testing.T) {
	_, r := load(t)
	// == 1. Counts == Engaging 1589, Lost 2473, Prospecting 500, Won 4238
	if r.Deals != 8800 || r.Won != 4238 || r.Lost != 2473 || r.Open != 2089 {
		t.Errorf("counts = %d deals, %d won, %d lost, %d open", r.Deals, r.Won, r.Lost, r.Open)
	}
	// == 2. Win rate == 4238 / 6711 closed, 4238 / 8800 created
	if r.WinRate.Ratio != (funnel.Ratio{Num: 4238, Den: 6711}) || r.WinRateCreated.Ratio != (funnel.Ratio{Num: 4238, Den: 8800}) {
		t.Errorf("win rates = %v, %v", r.WinRate, r.WinRateCreated)
	}
	// == 3. Deal size == n 4238, sum 10005534, mean 2360.9093912223, min 38,
	// p25 518, p50 1117, p75 4429.5, p90 5284.3, max 30288
	wantSize := funnel.MoneySummary{Count: 4238, Total: decimal.New(10005534, 0), Mean: decimal.RequireFromString("2360.9093912223"),
		Min: decimal.New(38, 0), P25: decimal.New(518, 0), Median: decimal.New(1117, 0),
		P75: decimal.RequireFromString("4429.5"), P90: decimal.RequireFromString("5284.3"), Max: decimal.New(30288, 0)}
	if diff := cmp.Diff(wantSize, r.DealSize); diff != "" {
		t.Errorf("deal size (-want +got):\n%s", diff)
	}
	// == 4. Sales cycle days == won: mean 51.781973, min 1, p25 9, p50 57,
	// p75 88, p90 106, max 138; lost: mean 41.479175, 1, 7, 14, 79, 100, 138.
	// == 5. Time in Engaging == n 8300, mean 77.052771, min 1, p25 10,
	// median 68, p75 105, p90 164, max 424.
	// == 6. Open Engaging age == n 1589, mean 199.816237, min 10, p25 149,
	// median 166, p75 264, p90 320, max 424.
	durations := []struct {
		name     string
		got      funnel.DurationSummary
		n        int64
		meanDays float64
		q        [6]int64 // min, p25, median, p75, p90, max in days
	}{
		{"cycle won", r.CycleWon, 4238, 51.781973, [6]int64{1, 9, 57, 88, 106, 138}},
		{"cycle lost", r.CycleLost, 2473, 41.479175, [6]int64{1, 7, 14, 79, 100, 138}},
		{"time in Engaging", r.Funnel[1].TimeTotal, 8300, 77.052771, [6]int64{1, 10, 68, 105, 164, 424}},
		{"latest time in Engaging", r.Funnel[1].TimeLatest, 8300, 77.052771, [6]int64{1, 10, 68, 105, 164, 424}},
		{"open age", r.OpenAge, 1589, 199.816237, [6]int64{10, 149, 166, 264, 320, 424}},
	}
	for _, d := range durations {
		got := d.got
		q := [6]time.Duration{got.Min, got.P25, got.Median, got.P75, got.P90, got.Max}
		want := [6]time.Duration{days(d.q[0]), days(d.q[1]), days(d.q[2]), days(d.q[3]), days(d.q[4]), days(d.q[5])}
		if got.Count != d.n || q != want {
			t.Errorf("%s: n %d, quantiles %v, want n %d, %v", d.name, got.Count, q, d.n, want)
		}
		// sqlite prints the mean to 6 decimals of a day
		if m := got.Mean.Hours() / 24; math.Abs(m-d.meanDays) > 1e-6 {
			t.Errorf("%s: mean %.7f days, want %.6f", d.name, m, d.meanDays)
		}
	}
	// Prospecting has no recorded times: every deal there is untimed
	if p := r.Funnel[0]; p.Reached != 8800 || p.Untimed != 8800 || p.TimeTotal.Count != 0 {
		t.Errorf("Prospecting row = %+v", p)
	}
	// Stage reach: every deal was prospected; 8300 have an engage date
	if e := r.Funnel[1]; e.Reached != 8300 || e.Step.Ratio != (funnel.Ratio{Num: 8300, Den: 8800}) || e.Pending != 500 || e.Lost != 2473 || e.Open != 1589 {
		t.Errorf("Engaging row = %+v", e)
	}
	// == 7. Rows per engage_date quarter == (rows, won, lost, open)
	wantQ := [][4]int64{{358, 250, 55, 53}, {1619, 898, 424, 297}, {2388, 1246, 776, 366}, {2770, 1207, 805, 758}, {1165, 637, 413, 115}}
	var gotQ [][4]int64
	for _, p := range r.Periods {
		gotQ = append(gotQ, [4]int64{p.Created, p.Won, p.Lost, p.Open})
	}
	if diff := cmp.Diff(wantQ, gotQ); diff != "" {
		t.Errorf("quarters (-want +got):\n%s", diff)
	}
	if r.Periods[0].Start != time.Date(2016, 10, 1, 0, 0, 0, 0, time.UTC) || r.Undated.Created != 500 {
		t.Errorf("first quarter %v, undated %d", r.Periods[0].Start, r.Undated.Created)
	}
}
