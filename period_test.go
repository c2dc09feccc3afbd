package funnel

import (
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zone files

	"github.com/google/go-cmp/cmp"
)

func TestPeriodStart(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p    Period
		t    time.Time
		loc  *time.Location
		want time.Time
	}{
		// 23:30 on the last day of a quarter in a zone behind UTC is already
		// the next quarter in UTC
		{Quarter, time.Date(2024, 3, 31, 23, 30, 0, 0, ny), ny, time.Date(2024, 1, 1, 0, 0, 0, 0, ny)},
		{Quarter, time.Date(2024, 3, 31, 23, 30, 0, 0, ny), nil, time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)},
		{Month, time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), nil, time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)},
		{Year, time.Date(2024, 12, 31, 23, 59, 59, 999999999, time.UTC), time.UTC, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		// ISO weeks: Monday 30 Dec 2024 starts 2025-W01; Sunday 3 Jan 2021 is in 2020-W53
		{Week, time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), nil, time.Date(2024, 12, 30, 0, 0, 0, 0, time.UTC)},
		{Week, time.Date(2021, 1, 3, 9, 0, 0, 0, time.UTC), nil, time.Date(2020, 12, 28, 0, 0, 0, 0, time.UTC)},
		{Week, time.Date(2024, 12, 29, 23, 59, 0, 0, time.UTC), nil, time.Date(2024, 12, 23, 0, 0, 0, 0, time.UTC)},
		// the day clocks spring forward in New York has 23 hours
		{Day, time.Date(2024, 3, 10, 23, 30, 0, 0, ny), ny, time.Date(2024, 3, 10, 0, 0, 0, 0, ny)},
		{Day, time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC), nil, time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := tt.p.Start(tt.t, tt.loc)
		if !got.Equal(tt.want) || got.Location().String() != tt.want.Location().String() {
			t.Errorf("%v.Start(%v, %v) = %v, want %v", tt.p, tt.t, tt.loc, got, tt.want)
		}
	}
}

func TestPeriodText(t *testing.T) {
	for _, p := range []Period{Month, Day, Week, Quarter, Year} {
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var q Period
		if err := q.UnmarshalText(b); err != nil || q != p {
			t.Errorf("round trip of %v = %v, %v", p, q, err)
		}
	}
	if _, err := Period(9).MarshalText(); err == nil {
		t.Error("MarshalText of an invalid period succeeded")
	}
	if err := new(Period).UnmarshalText([]byte("fortnight")); err == nil {
		t.Error("UnmarshalText of fortnight succeeded")
	}
	if s := Period(9).String(); s != "Period(9)" {
		t.Errorf("String = %q", s)
	}
}

// TestLeadsByPeriodInZone counts deals per period in a zone behind UTC, by
// hand: the boundaries are midnight in New York, not in UTC.
func TestLeadsByPeriodInZone(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	f := mustFunnel(t, "A")
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, ny) }
	deals := []Deal{
		{ID: "1", Stage: "A", Created: at(2024, 3, 31, 23, 30), Attrs: Attributes{Source: "web"}},                          // Q1 in NY, Q2 in UTC
		{ID: "2", Stage: "A", Created: at(2024, 4, 1, 0, 0), Attrs: Attributes{Source: "web"}},                             // Q2
		{ID: "3", Stage: "A", Created: at(2024, 1, 1, 0, 0).Add(-time.Second), Outcome: Won, Closed: at(2024, 2, 1, 0, 0)}, // Q4 2023
		{ID: "4", Stage: "A", Created: at(2024, 6, 30, 23, 59).In(time.UTC), Attrs: Attributes{Source: "ads"}},             // Q2 in NY
		{ID: "5", Stage: "A"}, // undated
	}
	r, err := Compute(f, slices.Values(deals), Options{Period: Quarter, Location: ny})
	if err != nil {
		t.Fatal(err)
	}
	want := []PeriodRow{
		{Start: at(2023, 10, 1, 0, 0), Created: 1, Won: 1, LeadToCustomer: rt(1, 1), BySource: []SourceCount{{"", 1}}},
		{Start: at(2024, 1, 1, 0, 0), Created: 1, Open: 1, LeadToCustomer: rt(0, 1), BySource: []SourceCount{{"web", 1}}},
		{Start: at(2024, 4, 1, 0, 0), Created: 2, Open: 2, LeadToCustomer: rt(0, 2), BySource: []SourceCount{{"ads", 1}, {"web", 1}}},
	}
	if diff := cmp.Diff(want, r.Periods); diff != "" {
		t.Errorf("periods (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(PeriodRow{Created: 1, Open: 1, LeadToCustomer: rt(0, 1), BySource: []SourceCount{{"", 1}}}, r.Undated); diff != "" {
		t.Errorf("undated (-want +got):\n%s", diff)
	}
	// The same deals in UTC: deal 3 (04:59:59 UTC on 1 January) moves to
	// Q1 2024, deal 1 to Q2 and deal 4 (03:59 UTC on 1 July) to Q3.
	r, _ = Compute(f, slices.Values(deals), Options{Period: Quarter})
	var created []int64
	for _, p := range r.Periods {
		created = append(created, p.Created)
	}
	if diff := cmp.Diff([]int64{1, 2, 1}, created); diff != "" {
		t.Errorf("UTC quarters (-want +got):\n%s", diff)
	}
}
