package plan_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/plan"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// TestPlanFiscalPeriod checks that the target period is the scan's
// calendar's: any instant of it names the fiscal quarter, whose first
// instant is where the zone's clock reaches its first day.
func TestPlanFiscalPeriod(t *testing.T) {
	havana, err := time.LoadLocation("America/Havana")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	santiago, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skip("no tz data:", err)
	}
	type period struct {
		Period     funnel.Period
		Calendar   funnel.Calendar
		Start, End time.Time
	}
	fiscal := funnel.Calendar{FiscalStart: time.November}
	weeks := funnel.Calendar{FiscalStart: time.April, Weeks: funnel.Weeks445, EndWeekday: time.Saturday, Nearest: true}
	tests := []struct {
		name  string
		opts  funnel.Options
		at    time.Time
		want  period
		label string
	}{
		// FY2027 starts in November 2026; Havana's clock turns back from
		// 01:00 to 00:00 on 1 November (05:00 UTC): the quarter starts at
		// the first midnight, 04:00 UTC
		{"fiscal November, Havana", funnel.Options{Period: funnel.Quarter, Calendar: fiscal, Location: havana}, time.Date(2026, 12, 24, 0, 0, 0, 0, havana),
			period{funnel.Quarter, fiscal, time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), time.Date(2027, 2, 1, 0, 0, 0, 0, havana)}, "FY2027-Q1"},
		// FY2024 of the 4-4-5 calendar ending on the Saturday nearest 31
		// March starts on Sunday 2 April 2023, after Santiago's clock
		// turned back from 00:00 -03 to 23:00 -04 on 1 April: at 00:00
		// -04 (04:00 UTC); its first quarter ends after 13 weeks, on
		// 1 July
		{"4-4-5 April, Santiago", funnel.Options{Period: funnel.Quarter, Calendar: weeks, Location: santiago}, time.Date(2023, 5, 1, 0, 0, 0, 0, santiago),
			period{funnel.Quarter, weeks, time.Date(2023, 4, 2, 4, 0, 0, 0, time.UTC), time.Date(2023, 7, 2, 0, 0, 0, 0, santiago)}, "FY2024-Q1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := funnel.New("A", "B")
			if err != nil {
				t.Fatal(err)
			}
			s, err := funnel.NewScan(f, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			c := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			deals := []funnel.Deal{{ID: "w", Stage: "B", Outcome: funnel.Won, Amount: decimal.NewFromInt(100), Created: c, Closed: c.AddDate(0, 1, 0)}}
			r, err := plan.Reverse(s, slices.Values(deals), plan.Options{Target: decimal.NewFromInt(1000), Period: tt.at})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, period{r.Period, r.Calendar, r.Start, r.End}); diff != "" {
				t.Errorf("period (-want +got):\n%s", diff)
			}
			var text strings.Builder
			if err := r.WriteText(&text); err != nil || !strings.Contains(text.String(), "in "+tt.label) {
				t.Errorf("text without %s (%v):\n%s", tt.label, err, text.String())
			}
		})
	}
}
