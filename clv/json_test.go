package clv

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// roundTrip marshals v, unmarshals it into a new value of its type and
// requires the two to be equal and the JSON to hold no null list.
func roundTrip[T any](t *testing.T, name string, v T, keys ...string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var got T
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: decoding %s: %v", name, b, err)
	}
	if diff := cmp.Diff(v, got, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("%s: JSON round trip differs (-before +after):\n%s", name, diff)
	}
	s := string(b)
	for _, k := range keys {
		if !strings.Contains(s, `"`+k+`":`) {
			t.Errorf("%s: no key %q in %s", name, k, s)
		}
	}
	if n := strings.Count(s, ":null"); n > strings.Count(s, `"holdout_end":null`)+strings.Count(s, `"as_of":null`)+strings.Count(s, `"first":null`) {
		t.Errorf("%s: null in %s", name, s)
	}
}

// TestJSONRoundTrip encodes every result type of the package and decodes
// it back to an equal value, in the library's one style: the only nulls
// are zero times.
func TestJSONRoundTrip(t *testing.T) {
	s := scanOf(t, funnel.Options{Mode: funnel.Lenient, Currency: "USD", Location: mustZone(t, "America/Santiago")})
	a, err := FromDeals(s, slices.Values(handDeals()))
	if err != nil {
		t.Fatal(err)
	}
	h, err := a.Historical(dec("0.3"))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "Historical", h, "input", "log", "margin_rate", "customers", "won_no_account")
	roundTrip(t, "empty Historical", Historical{}, "customers")
	c, err := a.Cohorts()
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "Cohorts", c, "period", "as_of", "cohorts", "later_transactions")
	l := logOf(t, readCDNOW(t)...)
	r, err := l.RFM(cdnowRFMOptions)
	if err != nil {
		t.Fatal(err)
	}
	r.Customers = r.Customers[:20]
	roundTrip(t, "RFM", r, "calibration_end", "holdout_end", "unit_seconds", "customers", "later")
	roundTrip(t, "Customer", r.Customers[0], "id", "first", "frequency", "recency", "t", "monetary", "holdout")
	roundTrip(t, "Customer without a first day", Customer{Frequency: 1, Recency: 2, T: 3, Monetary: decimal.NewFromInt(5)}, "first")
	roundTrip(t, "Transaction", Transaction{"a", time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), dec("1.50")}, "customer", "time", "amount")
	bg, err := FitBGNBD(cdnowCustomers(t))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "BGNBDFit", bg, "params", "std_err", "diagnostics", "log_lik", "at_bound", "r", "alpha")
	gg, err := FitGammaGamma(cdnowCustomers(t))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "GammaGammaFit", gg, "p", "q", "gamma")
	sb, err := FitSBG([]int{1000, 631, 468, 382, 326, 289, 262, 241})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "SBGFit", sb, "alpha", "beta", "restarts")
	hc, err := bg.Params.CheckHoldout(cdnowCustomers(t), 39, 7)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, "HoldoutCheck", hc, "rows", "and_more", "predicted")
	roundTrip(t, "empty HoldoutCheck", HoldoutCheck{}, "rows")
}

// roundTripSchema is [roundTrip] for results whose undefined rates and
// intervals are null: it requires an equal value after decoding, no null
// list, and output valid under the schema definition def.
func roundTripSchema[T any](t *testing.T, name, def string, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var got T
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: decoding %s: %v", name, b, err)
	}
	if diff := cmp.Diff(v, got, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("%s: JSON round trip differs (-before +after):\n%s", name, diff)
	}
	for _, k := range []string{"periods", "rows", "customers", "cohorts", "ages", "at_bound", "reasons", "examples"} {
		if strings.Contains(string(b), `"`+k+`":null`) {
			t.Errorf("%s: %q is null in %s", name, k, b)
		}
	}
	schematest.CheckJSON(t, def, b)
}

// TestJSONSchemaResults round-trips the retention, tracking and prediction
// results, the cohort table and the fits, and validates each against its
// definition in schema/funnel.schema.json.
func TestJSONSchemaResults(t *testing.T) {
	s := scanOf(t, funnel.Options{Mode: funnel.Lenient, Currency: "USD", Location: mustZone(t, "America/Santiago"), AsOf: at(2024, 12, 1, 0)})
	a, err := FromDeals(s, slices.Values(append(handDeals(), genDeals(200, 3)...)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Cohorts()
	if err != nil {
		t.Fatal(err)
	}
	roundTripSchema(t, "Cohorts", "clv_cohorts", c)
	roundTripSchema(t, "empty Cohorts", "clv_cohorts", Cohorts{})
	r, err := a.Retention()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Periods) < 3 {
		t.Fatalf("retention of generated deals has %d periods", len(r.Periods))
	}
	roundTripSchema(t, "Retention", "clv_retention", r)
	roundTripSchema(t, "empty Retention", "clv_retention", Retention{})
	roundTripSchema(t, "RetentionPeriod", "clv_retention_period", r.Periods[2])
	roundTripSchema(t, "Movement", "clv_movement", r.Periods[2].Churn)
	l := logOf(t, readCDNOW(t)...)
	tr, err := l.Tracking(paperBGNBD, TrackingOptions{CalibrationEnd: cdnowRFMOptions.CalibrationEnd, End: cdnowRFMOptions.HoldoutEnd, Unit: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	roundTripSchema(t, "Tracking", "clv_tracking", tr)
	roundTripSchema(t, "TrackingRow", "clv_tracking_row", tr.Rows[10])
	dt, err := a.Tracking(paperBGNBD, TrackingOptions{CalibrationEnd: at(2024, 9, 30, 0), End: at(2024, 11, 30, 0), Unit: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	roundTripSchema(t, "Tracking of deals", "clv_tracking", dt)
	cs := cdnowCustomers(t)
	bg, err := FitBGNBD(cs)
	if err != nil {
		t.Fatal(err)
	}
	gg, err := FitGammaGamma(cs)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := FitSBG([]int{1000, 631, 468, 382, 326, 289, 262, 241})
	if err != nil {
		t.Fatal(err)
	}
	roundTripSchema(t, "BGNBDFit", "clv_bgnbd_fit", bg)
	roundTripSchema(t, "GammaGammaFit", "clv_gamma_gamma_fit", gg)
	roundTripSchema(t, "SBGFit", "clv_sbg_fit", sb)
	p, err := Predict(bg, gg, cs[:30], PredictOptions{Horizon: 39, CLV: cdnowCLVOptions, Confidence: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	roundTripSchema(t, "Predictions", "clv_predictions", p)
	roundTripSchema(t, "Prediction", "clv_prediction", p.Customers[0])
	roundTripSchema(t, "Estimate", "clv_estimate", p.Customers[0].PAlive)
	roundTripSchema(t, "MoneyEstimate", "clv_money_estimate", p.CLV)
	p.Customers = nil
	roundTripSchema(t, "Predictions without customers", "clv_predictions", p)
}

// TestJSONLongestUnit checks that the largest Duration,
// 9223372036.854775807 seconds, reads back from JSON as the time unit of
// the RFM summary and of the tracking data.
func TestJSONLongestUnit(t *testing.T) {
	const longest = time.Duration(1<<63 - 1)
	longestUnit(t, RFM{Unit: longest, Customers: []Customer{}})
	longestUnit(t, Tracking{Unit: longest, Rows: []TrackingRow{}})
}

func longestUnit[T any](t *testing.T, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"unit_seconds":9223372036.854775807`) {
		t.Errorf("no unit_seconds of the longest Duration in %s", b)
	}
	var got T
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	if diff := cmp.Diff(v, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
