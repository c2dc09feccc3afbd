package clv

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/schematest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// styleRoundTrip checks v's JSON against the schema definition def, decodes
// it into a new value of v's type, requires that equal to v and that it
// encodes to the same bytes again.
func styleRoundTrip[T any](t *testing.T, def string, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", def, err)
	}
	schematest.CheckJSON(t, def, b)
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: decoding %s: %v", def, b, err)
	}
	if diff := cmp.Diff(v, back, cmpopts.EquateEmpty(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("%s: JSON round trip differs (-before +after):\n%s", def, diff)
	}
	if b2, err := json.Marshal(back); err != nil || !bytes.Equal(b, b2) {
		t.Errorf("%s: re-encoding differs (%v):\n%s\n%s", def, err, b, b2)
	}
}

// checkLogResults checks the historical values, RFM summaries and cohort
// tables of one log against the schema and through a JSON round trip.
func checkLogResults(t *testing.T, h Historical, rfm []RFM, cohorts []Cohorts) {
	t.Helper()
	styleRoundTrip(t, "clv_historical", h)
	styleRoundTrip(t, "clv_log_summary", h.Log)
	for _, c := range h.Customers {
		styleRoundTrip(t, "clv_customer_value", c)
	}
	for _, r := range rfm {
		styleRoundTrip(t, "clv_rfm", r)
		for _, c := range r.Customers {
			styleRoundTrip(t, "clv_customer", c)
		}
	}
	for _, c := range cohorts {
		styleRoundTrip(t, "clv_cohorts", c)
	}
}

// TestLogResultsMatchSchema checks the results of logs of deals (with
// skipped deals, won deals without an account and none at all) and of
// transactions (by hand, and none) against the schema and through a JSON
// round trip.
func TestLogResultsMatchSchema(t *testing.T) {
	zones := []*time.Location{time.UTC, mustZone(t, "America/Santiago")}
	rfmOptions := []RFMOptions{
		{CalibrationEnd: at(2024, 2, 1, 0), HoldoutEnd: at(2024, 3, 31, 0), Unit: 24 * time.Hour},
		{CalibrationEnd: at(2024, 12, 31, 0), Unit: 7 * 24 * time.Hour},
	}
	for _, loc := range zones {
		s := scanOf(t, funnel.Options{Mode: funnel.Lenient, Currency: "USD", Location: loc, UndatedClose: true})
		undated := won("8", "acme", "10", at(2024, 2, 1, 0), time.Time{})
		for name, deals := range map[string][]funnel.Deal{"hand": append(handDeals(), undated), "generated": genDeals(300, 5), "none": nil} {
			t.Run(loc.String()+" deals "+name, func(t *testing.T) {
				a, err := FromDeals(s, slices.Values(deals))
				if err != nil {
					t.Fatal(err)
				}
				if name == "hand" && (a.Input().Skipped.Count != 1 || a.summary().WonNoAccount != 1 || a.summary().WonUndated != 1) {
					t.Fatalf("hand deals: input %+v, log %+v", a.Input(), a.summary())
				}
				h, err := a.Historical(dec("0.25"))
				if err != nil {
					t.Fatal(err)
				}
				var rs []RFM
				for _, o := range rfmOptions {
					r, err := a.RFM(o)
					if err != nil {
						t.Fatal(err)
					}
					rs = append(rs, r)
				}
				c, err := a.Cohorts()
				if err != nil {
					t.Fatal(err)
				}
				checkLogResults(t, h, rs, []Cohorts{c})
			})
		}
	}
	for name, l := range map[string]*Log{"hand": handLog(t), "none": logOf(t)} {
		t.Run("transactions "+name, func(t *testing.T) {
			h, err := l.Historical(dec("1"))
			if err != nil {
				t.Fatal(err)
			}
			var rs []RFM
			for _, o := range rfmOptions {
				r, err := l.RFM(o)
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, r)
			}
			var cs []Cohorts
			for _, o := range []CohortOptions{{}, {Period: funnel.Week, AsOf: at(2024, 3, 1, 0)}, {Period: funnel.Quarter}} {
				c, err := l.Cohorts(o)
				if err != nil {
					t.Fatal(err)
				}
				cs = append(cs, c)
			}
			checkLogResults(t, h, rs, cs)
		})
	}
}

// TestFitsMatchSchema checks the model fits (interior, and at a bound of
// the parameter space), their diagnostics and the holdout check against
// the schema and through a JSON round trip.
func TestFitsMatchSchema(t *testing.T) {
	customers := cdnowCustomers(t)
	bg, err := FitBGNBD(customers)
	if err != nil {
		t.Fatal(err)
	}
	bound, err := FitBGNBD([]Customer{{Frequency: 2, Recency: 10, T: 39}, {Frequency: 2, Recency: 10, T: 39}})
	if err != nil || len(bound.AtBound) == 0 {
		t.Fatalf("boundary fit %+v, %v", bound, err)
	}
	for _, f := range []BGNBDFit{bg, bound} {
		styleRoundTrip(t, "clv_bgnbd_fit", f)
		styleRoundTrip(t, "clv_bgnbd", f.Params)
		styleRoundTrip(t, "clv_diagnostics", f.Diagnostics)
	}
	gg, err := FitGammaGamma(customers)
	if err != nil {
		t.Fatal(err)
	}
	styleRoundTrip(t, "clv_gamma_gamma_fit", gg)
	styleRoundTrip(t, "clv_gamma_gamma", gg.Params)
	for _, survivors := range [][]int{{1000, 631, 468, 382, 326, 289, 262, 241}, {100, 80, 70, 65}} {
		sb, err := FitSBG(survivors)
		if err != nil {
			t.Fatal(err)
		}
		styleRoundTrip(t, "clv_sbg_fit", sb)
		styleRoundTrip(t, "clv_sbg", sb.Params)
	}
	for _, c := range [][]Customer{customers, customers[:3], nil} {
		for _, maxF := range []int{0, 7} {
			hc, err := bg.Params.CheckHoldout(c, 39, maxF)
			if err != nil {
				t.Fatal(err)
			}
			styleRoundTrip(t, "clv_holdout_check", hc)
			for _, row := range hc.Rows {
				styleRoundTrip(t, "clv_holdout_row", row)
			}
		}
	}
}
