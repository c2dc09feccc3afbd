package forecast_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// accuracyDeals, as of 10 July 2024 by month: h1 (won) and h2 (lost)
// teach A's rate; ana's June deals j1 (won 15 June), j2 (lost 28 June)
// and j3 (in B since 20 May, won 30 June); ben's j4 (won 3 June) and j5
// (expected 20 May, overdue, still open); ana's j6 in B, expected 20 July.
func accuracyDeals() []funnel.Deal {
	mk := func(id, owner, amount string, o funnel.Outcome, closed, ec time.Time, h []funnel.StageChange) funnel.Deal {
		return funnel.Deal{ID: id, Created: h[0].At, Amount: dec(amount), Outcome: o, Closed: closed, ExpectedClose: ec, History: h, Attrs: funnel.Attributes{Owner: owner}}
	}
	may1, z := d24(5, 1), time.Time{}
	return []funnel.Deal{
		mk("h1", "zed", "10", funnel.Won, d24(2, 1), z, hist("A", d24(1, 1))),
		mk("h2", "zed", "10", funnel.Lost, d24(2, 1), z, hist("A", d24(1, 1))),
		mk("j1", "ana", "1000", funnel.Won, d24(6, 15), d24(6, 20), hist("A", may1)),
		mk("j2", "ana", "500", funnel.Lost, d24(6, 28), d24(6, 25), hist("A", may1)),
		mk("j3", "ana", "300", funnel.Won, d24(6, 30), d24(6, 10), hist("A", may1, "B", d24(5, 20))),
		mk("j4", "ben", "200", funnel.Won, d24(6, 3), d24(6, 12), hist("A", may1)),
		mk("j5", "ben", "400", funnel.Open, z, d24(5, 20), hist("A", may1)),
		mk("j6", "ana", "50", funnel.Open, z, d24(7, 20), hist("A", d24(6, 1), "B", d24(6, 10))),
	}
}

func TestAccuracyHandWorked(t *testing.T) {
	s := scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(7, 10)})
	calls := []forecast.Call{
		{Key: "ana", Period: d24(6, 14), At: d24(6, 5), Amount: dec("1200")},
		{Key: "ben", Period: d24(6, 1), At: d24(6, 5), Amount: dec("500")},
		{Key: "ana", Period: d24(7, 2), At: d24(7, 1), Amount: dec("100")},
	}
	r, err := forecast.ForecastAccuracy(s, values(accuracyDeals()), forecast.AccuracyOptions{Key: funnel.AttrOwner, Calls: calls})
	if err != nil {
		t.Fatal(err)
	}
	// 5 June: A learned from h1, h2, j4: 2/3 = 0.6666666667; B none.
	// ana: j1 + j2 at 2/3 = 1000.00000005, j3 in B unweighted. ben: j4
	// won, j5 overdue so in June: 200 + 400 × 2/3 = 466.66666668.
	// 1 July: A 4/6 (h1, j1, j3, j4 won; h2, j2 lost), B 1/1: ana's July
	// is j6 at 1: 50.
	row := func(key string, period, at time.Time, call, model, won, pipeline string, unweighted int64, actual string, n int64, complete bool) forecast.CallRow {
		return forecast.CallRow{Key: key, Period: period, At: at, Call: dec(call), Model: dec(model), WonSoFar: dec(won), Pipeline: dec(pipeline),
			Unweighted: unweighted, Actual: dec(actual), ActualDeals: n, Complete: complete, CallError: dec(call).Sub(dec(actual)), ModelError: dec(model).Sub(dec(actual))}
	}
	ratio := func(num, den string) funnel.MoneyRatio { return funnel.MoneyRatio{Num: dec(num), Den: dec(den)} }
	want := forecast.AccuracyReport{
		AsOf: d24(7, 10), Period: funnel.Month, Location: "UTC", Key: "owner",
		Rows: []forecast.CallRow{
			row("ana", d24(6, 1), d24(6, 5), "1200", "1000.00000005", "0", "1800", 1, "1300", 2, true),
			row("ben", d24(6, 1), d24(6, 5), "500", "466.66666668", "200", "400", 0, "200", 1, true),
			row("ana", d24(7, 1), d24(7, 1), "100", "50", "0", "50", 0, "0", 0, false),
		},
		Keys: []forecast.AccuracySummary{
			{Key: "ana", Calls: 1, Actual: dec("1300"), CallWAPE: ratio("100", "1300"), CallBias: ratio("-100", "1300"),
				ModelWAPE: ratio("299.99999995", "1300"), ModelBias: ratio("-299.99999995", "1300")},
			{Key: "ben", Calls: 1, Actual: dec("200"), CallWAPE: ratio("300", "200"), CallBias: ratio("300", "200"),
				ModelWAPE: ratio("266.66666668", "200"), ModelBias: ratio("266.66666668", "200")},
		},
		Overall: forecast.AccuracySummary{Calls: 2, Actual: dec("1500"), CallWAPE: ratio("400", "1500"), CallBias: ratio("200", "1500"),
			ModelWAPE: ratio("566.66666663", "1500"), ModelBias: ratio("-33.33333327", "1500")},
		Input: funnel.Input{Read: 8, Counted: 8, Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
	}
	if diff := cmp.Diff(want, r, cmpOpts...); diff != "" {
		t.Errorf("accuracy (-want +got):\n%s", diff)
	}
	roundTripJSON(t, r)
	checkSchema(t, "accuracy_report", r)
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"Forecast accuracy by month and owner", "0.00 (so far)", "ben      1   200.00     150.0%", "all      2  1500.00"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, b.String())
		}
	}
}

func TestAccuracyEdges(t *testing.T) {
	s := scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(7, 10)})
	ok := forecast.Call{Period: d24(6, 1), At: d24(6, 5), Amount: dec("1")}
	for name, c := range map[string]forecast.Call{
		"no period": {At: ok.At, Amount: ok.Amount}, "no time": {Period: ok.Period, Amount: ok.Amount},
		"after as of": {Period: ok.Period, At: d24(7, 11), Amount: ok.Amount}, "negative": {Period: ok.Period, At: ok.At, Amount: dec("-1")},
	} {
		if _, err := forecast.NewAccuracy(s, forecast.AccuracyOptions{Calls: []forecast.Call{c}}); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v", name, err)
		}
	}
	many := make([]forecast.Call, forecast.MaxCutoffs+1)
	for i := range many {
		many[i] = forecast.Call{Period: d24(6, 1), At: d24(1, 1).Add(time.Duration(i) * time.Hour), Amount: decimal.Zero}
	}
	if _, err := forecast.NewAccuracy(s, forecast.AccuracyOptions{Calls: many}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("too many times: %v", err)
	}
	if _, err := forecast.NewAccuracy(scanOf(t, mustFunnel(t, "A"), funnel.Options{}), forecast.AccuracyOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("no as-of time: %v", err)
	}
	// no calls; a call for a team (key "") over no deals
	r, err := forecast.ForecastAccuracy(s, values(nil), forecast.AccuracyOptions{})
	if err != nil || len(r.Rows) != 0 || r.Overall.Calls != 0 {
		t.Errorf("empty: %+v %v", r, err)
	}
	roundTripJSON(t, r)
	checkSchema(t, "accuracy_report", r)
	r, err = forecast.ForecastAccuracy(s, values(accuracyDeals()), forecast.AccuracyOptions{Calls: []forecast.Call{ok}})
	if err != nil || len(r.Rows) != 1 || !r.Rows[0].Actual.Equal(dec("1500")) || !r.Rows[0].WonSoFar.Equal(dec("200")) {
		t.Errorf("team call: %+v %v", r.Rows, err)
	}
}
