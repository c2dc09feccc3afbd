package forecast_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

var t0 = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

func day(n int) time.Time { return t0.AddDate(0, 0, n) }

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func hist(pairs ...any) []funnel.StageChange {
	var h []funnel.StageChange
	for i := 0; i < len(pairs); i += 2 {
		h = append(h, funnel.StageChange{Stage: funnel.Stage(pairs[i].(string)), At: pairs[i+1].(time.Time)})
	}
	return h
}

func mustFunnel(t testing.TB, stages ...funnel.Stage) *funnel.Funnel {
	t.Helper()
	f, err := funnel.New(stages...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func scanOf(t testing.TB, f *funnel.Funnel, opts funnel.Options) *funnel.Scan {
	t.Helper()
	s, err := funnel.NewScan(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func prob(s string) decimal.NullDecimal { return decimal.NewNullDecimal(dec(s)) }

// errText compares errors by their text (decoded skip examples carry the
// text of errors of other packages).
var errText = cmp.Comparer(func(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
})

// cmpOpts compare results: empty and nil slices alike, errors by text.
var cmpOpts = []cmp.Option{cmpopts.EquateEmpty(), errText}

// roundTripJSON marshals v, decodes it into a new value of its type and
// checks that the two are equal and that the second encodes the same.
func roundTripJSON[T any](t *testing.T, v T) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back T
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	if diff := cmp.Diff(v, back, cmpOpts...); diff != "" {
		t.Fatalf("JSON round trip differs (-before +after):\n%s", diff)
	}
	b2, err := json.Marshal(back)
	if err != nil || !bytes.Equal(b, b2) {
		t.Fatalf("re-encoding differs:\n%s\n%s", b, b2)
	}
}

func values(deals []funnel.Deal) func(func(funnel.Deal) bool) { return slices.Values(deals) }

// exactRate is a ratio of amounts known exactly, whose interval is the
// point v (worked by hand from num / den) at 95%.
func exactRate(num, den string, v float64) funnel.MoneyRate {
	return funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: dec(num), Den: dec(den)},
		Interval: funnel.Interval{Lo: v, Hi: v, Confidence: 0.95, Defined: true}}
}

// undefinedRate is num / 0: no value, no interval.
func undefinedRate(num string) funnel.MoneyRate {
	return funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: dec(num), Den: dec("0")}}
}
