package funnel

import (
	"archive/zip"
	"flag"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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
		{Start: at(2023, 10, 1, 0, 0), Label: "2023-Q4", Created: 1, Won: 1, LeadToCustomer: rt(1, 1), BySource: []SourceCount{{"", 1}}},
		{Start: at(2024, 1, 1, 0, 0), Label: "2024-Q1", Created: 1, Open: 1, LeadToCustomer: rt(0, 1), BySource: []SourceCount{{"web", 1}}},
		{Start: at(2024, 4, 1, 0, 0), Label: "2024-Q2", Created: 2, Open: 2, LeadToCustomer: rt(0, 2), BySource: []SourceCount{{"ads", 1}, {"web", 1}}},
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

var long = flag.Bool("funnel.long", false, "run the long tests (every zone of the tz database)")

// zoneNames lists the zones of the Go distribution's tz database.
func zoneNames(t *testing.T) []string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Skipf("no go command to find the tz database: %v", err)
	}
	z, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		t.Skipf("no tz database to list: %v", err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		if !strings.HasSuffix(f.Name, "/") {
			names = append(names, f.Name)
		}
	}
	return names
}

// transitions returns the instants in [from, to) when the zone's offset or
// abbreviation changes, to the second.
func transitions(loc *time.Location, from, to time.Time) []time.Time {
	var out []time.Time
	zone := func(t time.Time) string { n, o := t.In(loc).Zone(); return n + strconv.Itoa(o) }
	prev := zone(from)
	for t := from; t.Before(to); t = t.Add(6 * time.Hour) {
		next := t.Add(6 * time.Hour)
		if z := zone(next); z != prev {
			lo, hi := t, next // zone(lo) == prev != zone(hi)
			for hi.Sub(lo) > time.Second {
				mid := lo.Add(hi.Sub(lo) / 2).Truncate(time.Second)
				if !mid.After(lo) {
					mid = lo.Add(time.Second)
				}
				if zone(mid) == prev {
					lo = mid
				} else {
					hi = mid
				}
			}
			out = append(out, hi)
			prev = z
		}
	}
	return out
}

// checkPeriodsAround checks, every 15 minutes over the 72 hours around
// each transition, that every period's start is at or before the instant,
// idempotent, holds the instant's period, and that Next moves forward to a
// start of its own.
func checkPeriodsAround(t *testing.T, name string, from, to time.Time) int {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	n := 0
	for _, tr := range transitions(loc, from, to) {
		for at := tr.Add(-36 * time.Hour); at.Before(tr.Add(36 * time.Hour)); at = at.Add(15 * time.Minute) {
			for _, p := range []Period{Day, Week, Month, Quarter, Year} {
				s := p.Start(at, loc)
				next := p.Next(at, loc)
				switch {
				case s.After(at):
					t.Fatalf("%s %v: start %v of %v is after it", name, p, s, at)
				case !p.Start(s, loc).Equal(s):
					t.Fatalf("%s %v: start of %v is %v, whose start is %v", name, p, at, s, p.Start(s, loc))
				case !next.After(at):
					t.Fatalf("%s %v: next period %v of %v is not after it", name, p, next, at)
				case !p.Start(next, loc).Equal(next):
					t.Fatalf("%s %v: next period %v of %v is not a start", name, p, next, at)
				case (span{p: p}).keyOf(at, loc) != (span{p: p}).keyOf(s, loc):
					t.Fatalf("%s %v: %v and its start %v are in different periods", name, p, at, s)
				}
				// the start's own local date is on or after the period's
				// first day (a start at 23:00 the day before is wrong)
				fy, fm, fd := civil((span{p: p}).keyOf(s, loc))
				if sy, sm, sd := s.In(loc).Date(); time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC).Before(time.Date(fy, fm, fd, 0, 0, 0, 0, time.UTC)) {
					t.Fatalf("%s %v: start %v of %v is on a local date before the period's first day %d-%02d-%02d", name, p, s, at, fy, fm, fd)
				}
				n++
			}
		}
	}
	return n
}

// TestPeriodStartsAroundTransitions checks zones whose clocks skip or
// repeat midnight or a whole day (Havana and Santiago change at midnight,
// Apia skipped 30 December 2011, Lord Howe moves by half an hour, ...);
// with -funnel.long it checks every zone of the tz database over the last
// 20 years.
func TestPeriodStartsAroundTransitions(t *testing.T) {
	from, to := time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	names := []string{"America/Havana", "America/Santiago", "Australia/Lord_Howe", "Africa/Casablanca", "America/New_York"}
	if *long {
		names = zoneNames(t)
	} else {
		from = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	checks := 0
	for _, name := range names {
		checks += checkPeriodsAround(t, name, from, to)
	}
	t.Logf("%d zones, %d period starts checked", len(names), checks)
}

// TestPeriodSkippedDay: Pacific/Apia skipped 30 December 2011; its day
// periods step from the 29th to the 31st, and the 29th ends at the 31st's
// start.
func TestPeriodSkippedDay(t *testing.T) {
	apia, _ := time.LoadLocation("Pacific/Apia")
	d29 := time.Date(2011, 12, 29, 12, 0, 0, 0, apia)
	next := Day.Next(d29, apia)
	if want := time.Date(2011, 12, 31, 0, 0, 0, 0, apia); !next.Equal(want) {
		t.Errorf("day after 29 December in Apia starts %v, want %v", next, want)
	}
	if l := Day.Label(next, apia); l != "2011-12-31" {
		t.Errorf("label %q", l)
	}
	havana, _ := time.LoadLocation("America/Havana")
	// DST began at midnight on 10 March 2024: the day starts at 01:00
	if got, want := Day.Start(time.Date(2024, 3, 10, 12, 0, 0, 0, havana), havana), time.Date(2024, 3, 10, 1, 0, 0, 0, havana); !got.Equal(want) {
		t.Errorf("Havana day start %v, want %v", got, want)
	}
}
