package forecast_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
)

// riskDeals are four closed deals that teach the thresholds and six open
// ones, as of 1 June 2024.
//
// Completed visits of A: 10, 20, 30, 40 days (k1-k4) and o2's 39: p75
// (PERCENTILE.INC, h = 4 × 0.75 = 3) is 39 days. Of B: 5, 5, 15, 25
// (until the close): h = 2.25, 15 + 0.25 × 10 = 17.5 days. Won cycles 15,
// 25, 65 days: p90, h = 1.8, 25 + 0.8 × 40 = 57 days.
func riskDeals() []funnel.Deal {
	jan1 := d24(1, 1)
	closed := func(id string, b time.Time, o funnel.Outcome, at time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: jan1, Amount: dec("10"), Outcome: o, Closed: at, History: hist("A", jan1, "B", b)}
	}
	open := func(id, amount string, h []funnel.StageChange, ch ...funnel.FieldChange) funnel.Deal {
		return funnel.Deal{ID: id, Created: h[0].At, Amount: dec(amount), History: h, Changes: ch, Attrs: funnel.Attributes{Owner: "ana"}}
	}
	ec := func(at, to time.Time) funnel.FieldChange {
		return funnel.FieldChange{Field: funnel.FieldExpectedClose, At: at, Time: to}
	}
	amt := func(at time.Time, a string) funnel.FieldChange {
		return funnel.FieldChange{Field: funnel.FieldAmount, At: at, Amount: dec(a)}
	}
	o2 := open("o2", "500", hist("A", d24(4, 1), "B", d24(5, 10)))
	o2.ExpectedClose = d24(5, 20)
	o3 := open("o3", "300", hist("A", d24(5, 20)), ec(d24(5, 20), d24(6, 30)), ec(d24(5, 25), d24(7, 15)), ec(d24(5, 27), d24(7, 10)), ec(d24(5, 30), d24(8, 1)))
	o3.ExpectedClose = d24(8, 1)
	return []funnel.Deal{
		closed("k1", d24(1, 11), funnel.Won, d24(1, 16)),
		closed("k2", d24(1, 21), funnel.Won, d24(1, 26)),
		closed("k3", d24(1, 31), funnel.Lost, d24(2, 15)),
		closed("k4", d24(2, 10), funnel.Won, d24(3, 6)),
		open("o1", "100", hist("A", d24(5, 1))),
		o2, o3,
		open("o4", "900", hist("A", d24(5, 25)), amt(d24(5, 25), "1000"), amt(d24(5, 28), "1200"), amt(d24(5, 30), "900")),
		open("o5", "50", hist("A", d24(5, 28))),
		{ID: "o6", Stage: "B", Amount: dec("70")},
	}
}

func riskScan(t testing.TB) *funnel.Scan {
	return scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(6, 1), Test: funnel.Test{MinSample: 2}})
}

const dayDur = 24 * time.Hour

func TestRiskHandWorked(t *testing.T) {
	r, err := forecast.Risks(riskScan(t), values(riskDeals()), forecast.RiskOptions{StallAfter: 30 * dayDur})
	if err != nil {
		t.Fatal(err)
	}
	deal := func(id, stage, amount string, flags forecast.RiskFlag, inStage, age int, pushes int64, peak string) forecast.RiskDeal {
		return forecast.RiskDeal{ID: id, Stage: funnel.Stage(stage), Owner: "ana", Amount: dec(amount), Flags: flags,
			InStage: time.Duration(inStage) * dayDur, InStageKnown: true, Age: time.Duration(age) * dayDur, AgeKnown: true,
			Pushes: pushes, Peak: dec(peak), Cut: dec(peak).Sub(dec(amount))}
	}
	o4 := deal("o4", "A", "900", forecast.RiskCut, 7, 7, 0, "1200")
	o2 := deal("o2", "B", "500", forecast.RiskSlow|forecast.RiskOverdue|forecast.RiskAged, 22, 61, 0, "500")
	o2.ExpectedClose, o2.Overdue = d24(5, 20), 12*dayDur
	o3 := deal("o3", "A", "300", forecast.RiskPushed, 12, 12, 2, "300")
	o3.ExpectedClose, o3.Slipped = d24(8, 1), 32*dayDur // 30 June -> 1 August
	o1 := deal("o1", "A", "100", forecast.RiskStalled, 31, 31, 0, "100")
	count := func(f forecast.RiskFlag, n int64, amount string) forecast.RiskCount {
		return forecast.RiskCount{Flag: f, Deals: n, Amount: dec(amount)}
	}
	want := forecast.RiskReport{
		AsOf: d24(6, 1), StallAfter: 30 * dayDur, StagePercentile: 75, CyclePercentile: 90, Pushes: 2,
		Stages: []forecast.RiskStage{
			{Stage: "A", Visits: 5, Threshold: 39 * dayDur, Defined: true, Open: 4, Flagged: 3},
			{Stage: "B", Visits: 4, Threshold: 17*dayDur + 12*time.Hour, Defined: true, Open: 2, Flagged: 1},
		},
		WonCycles: 3, CycleThreshold: 57 * dayDur, CycleDefined: true,
		Open: 6, OpenAmount: dec("1920"), AtRisk: 4, AtRiskAmount: dec("1800"),
		Flags: []forecast.RiskCount{count(forecast.RiskStalled, 1, "100"), count(forecast.RiskSlow, 1, "500"), count(forecast.RiskOverdue, 1, "500"),
			count(forecast.RiskPushed, 1, "300"), count(forecast.RiskCut, 1, "900"), count(forecast.RiskAged, 1, "500")},
		Deals: []forecast.RiskDeal{o4, o2, o3, o1},
		Input: funnel.Input{Read: 10, Counted: 10, Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
	}
	if diff := cmp.Diff(want, r, cmpOpts...); diff != "" {
		t.Errorf("risk (-want +got):\n%s", diff)
	}
	roundTripJSON(t, r)
	checkSchema(t, "risk_report", r)
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"4 of 6 open deals, 1800.00 of 1920.00", "slow+overdue+aged", "22.0 days in stage; overdue 12.0 days; open 61.0 days",
		"pushed 2 times (32.0 days)", "cut 300.00 from 1200.00", "won-cycle p90 57.0 days"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}

	// a cut of 25% is not over 30%; the list keeps the two most at risk;
	// under the minimum sample no percentile flag is raised
	r, err = forecast.Risks(riskScan(t), values(riskDeals()), forecast.RiskOptions{Cut: dec("0.3"), List: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.AtRisk != 2 || len(r.Deals) != 2 || r.Deals[0].ID != "o2" || r.Deals[1].ID != "o3" || r.Flags[4].Deals != 0 || r.Flags[0].Deals != 0 {
		t.Errorf("cut 0.3, list 2: %d at risk, deals %+v, flags %+v", r.AtRisk, r.Deals, r.Flags)
	}
	s := scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(6, 1), Test: funnel.Test{MinSample: 6}})
	r, err = forecast.Risks(s, values(riskDeals()), forecast.RiskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Stages[0].Defined || r.Stages[1].Defined || r.CycleDefined || r.Flags[1].Deals != 0 || r.Flags[5].Deals != 0 || r.AtRisk != 3 {
		t.Errorf("under the minimum sample: %+v", r)
	}
	roundTripJSON(t, r)
	checkSchema(t, "risk_report", r)
}

func TestRiskAsOf(t *testing.T) {
	s := riskScan(t)
	want, err := forecast.Risks(s, values(riskDeals()), forecast.RiskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	later := riskDeals()
	for i := range later {
		d := &later[i]
		if d.Created.IsZero() {
			continue
		}
		if d.Outcome == funnel.Open {
			d.Outcome, d.Closed = funnel.Won, d24(7, 1)
			d.History = append(append([]funnel.StageChange{}, d.History...), funnel.StageChange{Stage: "B", At: d24(6, 20)})
		}
		changeLater(d, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: d24(6, 10), Time: d24(12, 1)})
	}
	later = append(later, funnel.Deal{ID: "new", Created: d24(6, 5), Amount: dec("1"), History: hist("A", d24(6, 5))})
	got, err := forecast.Risks(s, values(later), forecast.RiskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want.Input.Read, want.Input.Future = 11, 1
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Errorf("events after the as-of time changed the flags (-before +after):\n%s", diff)
	}
}

func TestRiskEdges(t *testing.T) {
	s := riskScan(t)
	for name, o := range map[string]forecast.RiskOptions{
		"stall": {StallAfter: -1}, "stage p": {StagePercentile: 100}, "cycle p": {CyclePercentile: -1},
		"pushes": {Pushes: -1}, "cut": {Cut: dec("1")}, "negative cut": {Cut: dec("-0.1")}, "list": {List: -1},
	} {
		if _, err := forecast.NewRisk(s, o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := forecast.NewRisk(scanOf(t, mustFunnel(t, "A"), funnel.Options{}), forecast.RiskOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("no as-of time: %v", err)
	}
	r, err := forecast.Risks(s, values(nil), forecast.RiskOptions{})
	if err != nil || r.Open != 0 || len(r.Deals) != 0 || len(r.Flags) != 6 || r.CycleDefined {
		t.Errorf("empty: %+v %v", r, err)
	}
	roundTripJSON(t, r)
	checkSchema(t, "risk_report", r)
	// one deal with a huge amount, cut
	huge := funnel.Deal{ID: "h", Created: d24(5, 1), Amount: dec("1e40"), History: hist("A", d24(5, 1)),
		Changes: []funnel.FieldChange{{Field: funnel.FieldAmount, At: d24(5, 1), Amount: dec("3e40")}, {Field: funnel.FieldAmount, At: d24(5, 2), Amount: dec("1e40")}}}
	r, err = forecast.Risks(s, values([]funnel.Deal{huge}), forecast.RiskOptions{})
	if err != nil || r.AtRisk != 1 || !r.Deals[0].Cut.Equal(dec("2e40")) || r.Deals[0].Flags != forecast.RiskCut {
		t.Errorf("huge: %+v %v", r, err)
	}
	for _, f := range []forecast.RiskFlag{0, forecast.RiskStalled, forecast.RiskSlow | forecast.RiskAged, 63} {
		roundTripJSON(t, f)
	}
	var f forecast.RiskFlag
	for _, bad := range []string{"slow+slow", "aged+slow", "late", ""} {
		if err := f.UnmarshalText([]byte(bad)); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := forecast.RiskFlag(64).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) || forecast.RiskFlag(65).String() != "stalled+RiskFlag(64)" {
		t.Errorf("invalid flag: %v %s", err, forecast.RiskFlag(65))
	}
}

// TestRiskJSONSaturatedAge checks that a deal open since year 2 (as of
// 1 June 2024), whose age and time in stage saturate at the largest
// Duration, 9223372036.854775807 seconds, reads back from the report's
// JSON: durations decode over the whole range of a Duration.
func TestRiskJSONSaturatedAge(t *testing.T) {
	y2 := time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)
	deals := []funnel.Deal{{ID: "old", Created: y2, Amount: dec("10"), History: hist("A", y2)}}
	r, err := forecast.Risks(riskScan(t), values(deals), forecast.RiskOptions{StallAfter: 30 * dayDur})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Deals) != 1 {
		t.Fatalf("%d deals, want 1: %+v", len(r.Deals), r)
	}
	d := r.Deals[0]
	if d.Age != 1<<63-1 || !d.AgeKnown || d.InStage != 1<<63-1 || !d.InStageKnown {
		t.Fatalf("age %d (%t), in stage %d (%t), want both 1<<63-1", d.Age, d.AgeKnown, d.InStage, d.InStageKnown)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"age_seconds":9223372036.854775807`) {
		t.Errorf("no saturated age in %s", b)
	}
	var got forecast.RiskReport
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
}

// TestRiskFlagText checks the names of risk flag sets and their errors,
// written by hand from the flag names, as TestChangeText does for
// changes: both are one flag-set text.
func TestRiskFlagText(t *testing.T) {
	for _, tt := range []struct {
		f    forecast.RiskFlag
		text string
	}{{0, "none"}, {forecast.RiskSlow | forecast.RiskPushed, "slow+pushed"}, {forecast.RiskAged, "aged"},
		{forecast.RiskStalled | forecast.RiskSlow | forecast.RiskOverdue | forecast.RiskPushed | forecast.RiskCut | forecast.RiskAged,
			"stalled+slow+overdue+pushed+cut+aged"}} {
		setText(t, tt.f, tt.text)
	}
	if s := (forecast.RiskCut | 1<<7).String(); s != "cut+RiskFlag(128)" {
		t.Errorf("String of an invalid bit = %q", s)
	}
	if s := forecast.Change(1<<12 | 1).String(); s != "new+Change(4096)" {
		t.Errorf("String of an invalid change bit = %q", s)
	}
	if _, err := forecast.RiskFlag(1 << 6).MarshalText(); err == nil || err.Error() != "forecast: risk flag 64: "+funnel.ErrInvalidParam.Error() {
		t.Errorf("MarshalText(invalid) = %v", err)
	}
	for bad, msg := range map[string]string{
		"pushed+slow": `forecast: risk flags "pushed+slow" not in canonical order`,
		"slow+slow":   `forecast: risk flag "slow+slow"`,
		"":            `forecast: risk flag ""`,
		"late":        `forecast: risk flag "late"`,
	} {
		f := forecast.RiskCut
		err := f.UnmarshalText([]byte(bad))
		if err == nil || !errors.Is(err, funnel.ErrInvalidParam) || err.Error() != msg+": "+funnel.ErrInvalidParam.Error() || f != forecast.RiskCut {
			t.Errorf("UnmarshalText(%q) = %v, %v", bad, f, err)
		}
	}
}
