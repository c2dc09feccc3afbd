package clv

import (
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/aliastest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestResultsDoNotAlias scribbles over every slice and map of every
// result of the package (historical CLV, RFM, cohorts, retention and
// tracking, of a deal log and of a transaction log; the fits, the holdout
// check and the predictions), then computes each result again and
// requires it equal to the one computed before: no result shares memory
// with the log, the accumulator or the caller's customers. The deal log
// then still takes deals.
func TestResultsDoNotAlias(t *testing.T) {
	s := scanOf(t, funnel.Options{Mode: funnel.Lenient, Currency: "USD", Location: mustZone(t, "America/Santiago"), AsOf: at(2024, 12, 1, 0)})
	deals := append(handDeals(), genDeals(200, 3)...)
	a, err := FromDeals(s, slices.Values(deals[:150]))
	if err != nil {
		t.Fatal(err)
	}
	l := logOf(t, readCDNOW(t)...)
	cs := cdnowCustomers(t)
	bg, err := FitBGNBD(cs)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := FitGammaGamma(cs)
	if err != nil {
		t.Fatal(err)
	}
	margin := dec("0.3")
	week := 7 * 24 * time.Hour
	dealRFM := RFMOptions{CalibrationEnd: at(2024, 9, 30, 0), HoldoutEnd: at(2024, 11, 30, 0), Unit: week}
	dealTracking := TrackingOptions{CalibrationEnd: at(2024, 9, 30, 0), End: at(2024, 11, 30, 0), Unit: week}
	logTracking := TrackingOptions{CalibrationEnd: cdnowRFMOptions.CalibrationEnd, End: cdnowRFMOptions.HoldoutEnd, Unit: week}
	cohorts := CohortOptions{AsOf: cdnowRFMOptions.HoldoutEnd}
	results := []struct {
		name string
		of   func() (any, error)
	}{
		{"deal log historical", func() (any, error) { return a.Historical(margin) }},
		{"deal log RFM", func() (any, error) { return a.RFM(dealRFM) }},
		{"deal log cohorts", func() (any, error) { return a.Cohorts() }},
		{"deal log retention", func() (any, error) { return a.Retention() }},
		{"deal log tracking", func() (any, error) { return a.Tracking(paperBGNBD, dealTracking) }},
		{"log historical", func() (any, error) { return l.Historical(margin) }},
		{"log RFM", func() (any, error) { return l.RFM(cdnowRFMOptions) }},
		{"log cohorts", func() (any, error) { return l.Cohorts(cohorts) }},
		{"log retention", func() (any, error) { return l.Retention(cohorts) }},
		{"log tracking", func() (any, error) { return l.Tracking(paperBGNBD, logTracking) }},
		{"BG/NBD fit", func() (any, error) { return FitBGNBD(cs) }},
		{"Gamma-Gamma fit", func() (any, error) { return FitGammaGamma(cs) }},
		{"sBG fit", func() (any, error) { return FitSBG([]int{1000, 631, 468, 382, 326, 289, 262, 241}) }},
		{"holdout check", func() (any, error) { return bg.Params.CheckHoldout(cs, 39, 7) }},
		{"predictions", func() (any, error) {
			return Predict(bg, gg, cs[:30], PredictOptions{Horizon: 39, CLV: cdnowCLVOptions, Confidence: 0.9})
		}},
	}
	opts := []cmp.Option{cmpopts.EquateEmpty(), cmpopts.EquateNaNs(), cmpopts.EquateErrors()}
	customers := slices.Clone(cs)
	for _, r := range results {
		want, err := r.of()
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		got, err := r.of()
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		aliastest.Scribble(&got)
		if cmp.Equal(want, got, opts...) {
			t.Fatalf("%s: scribbling changed nothing", r.name)
		}
		again, err := r.of()
		if err != nil {
			t.Fatalf("%s after scribbling: %v", r.name, err)
		}
		if diff := cmp.Diff(want, again, opts...); diff != "" {
			t.Errorf("%s: scribbling over a result changed the next one (-before +after):\n%s", r.name, diff)
		}
	}
	if diff := cmp.Diff(customers, cs, opts...); diff != "" {
		t.Errorf("scribbling over results changed the caller's customers (-before +after):\n%s", diff)
	}
	for _, d := range deals[150:] {
		_ = a.Add(d)
	}
	if in := a.Input(); in.Read != int64(len(deals)) {
		t.Errorf("after scribbling, the deal log read %d deals, want %d", in.Read, len(deals))
	}
}
