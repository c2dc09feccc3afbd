package clv

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
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
