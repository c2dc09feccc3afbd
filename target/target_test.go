package target_test

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/target"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParse(t *testing.T) {
	const doc = `{"name": "peers", "source": "Peer survey 2024", "benchmark": true, "targets": [
		{"metric": "win_rate", "bound": "at_least", "value": "0.2"},
		{"metric": "step_conversion", "stage": "B", "segment": "EMEA", "bound": "at_least", "value": 0.5},
		{"metric": "cycle_days", "period": "2024-01-01T00:00:00Z", "bound": "at_most", "value": "30"},
		{"metric": "deal_size", "period": null, "value": 1.5e3}]}`
	got, err := target.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := target.Set{Name: "peers", Source: "Peer survey 2024", Benchmark: true, Targets: []target.Target{
		{Metric: target.WinRate, Value: dec("0.2")},
		{Metric: target.StepConversion, Stage: "B", Segment: "EMEA", Value: dec("0.5")},
		{Metric: target.CycleDays, Period: t0, Bound: target.AtMost, Value: dec("30")},
		{Metric: target.DealSize, Value: dec("1500")},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
	// an empty set, and an empty document
	got, err = target.Parse(strings.NewReader(` {} `))
	if err != nil || got.Targets == nil || len(got.Targets) != 0 {
		t.Errorf("Parse({}) = %+v, %v; want an empty set with [] targets", got, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		index     int
		field     string
	}{
		{"empty", ``, -1, "json"},
		{"not json", `{"name":`, -1, "json"},
		{"null", `null`, -1, "json"},
		{"array", `[]`, -1, "json"},
		{"unknown field", `{"name": "x", "colour": "red"}`, -1, "colour"},
		{"null name", `{"name": null}`, -1, "name"},
		{"name not a string", `{"name": 7}`, -1, "name"},
		{"targets not a list", `{"targets": {}}`, -1, "targets"},
		{"trailing data", `{"name": "x"} {}`, -1, "json"},
		{"unknown metric", `{"targets": [{"metric": "happiness", "value": "1"}]}`, 0, "metric"},
		{"missing metric", `{"targets": [{"value": "1"}]}`, 0, "metric"},
		{"missing value", `{"targets": [{"metric": "win_rate"}]}`, 0, "value"},
		{"null value", `{"targets": [{"metric": "win_rate", "value": null}]}`, 0, "value"},
		{"bad bound", `{"targets": [{"metric": "win_rate", "bound": "about", "value": "1"}]}`, 0, "bound"},
		{"bound as a number", `{"targets": [{"metric": "win_rate", "bound": 1, "value": "1"}]}`, 0, "bound"},
		{"rate above 1", `{"targets": [{"metric": "win_rate", "value": "0.1"}, {"metric": "win_rate", "value": "1.01"}]}`, 1, "value"},
		{"negative", `{"targets": [{"metric": "deal_size", "value": "-1"}]}`, 0, "value"},
		{"missing stage", `{"targets": [{"metric": "step_conversion", "value": "0.5"}]}`, 0, "stage"},
		{"stray stage", `{"targets": [{"metric": "win_rate", "stage": "A", "value": "0.5"}]}`, 0, "stage"},
		{"bad value", `{"targets": [{"metric": "win_rate", "value": "half"}]}`, 0, "value"},
		{"hostile exponent", `{"targets": [{"metric": "deal_size", "value": "1e-999999999"}]}`, 0, "value"},
		{"huge value", `{"targets": [{"metric": "deal_size", "value": 1e31}]}`, 0, "value"},
		{"too many digits", `{"targets": [{"metric": "deal_size", "value": "` + strings.Repeat("9", 61) + `"}]}`, 0, "value"},
		{"bad period", `{"targets": [{"metric": "win_rate", "period": "2024-01-01", "value": "0.5"}]}`, 0, "period"},
		{"unknown target field", `{"targets": [{"metric": "win_rate", "value": "0.5", "weight": 2}]}`, 0, "weight"},
		{"target not an object", `{"targets": [{"metric": "win_rate", "value": "0.5"}, 3]}`, 1, "json"},
		{"too large", `{"name": "` + strings.Repeat("x", target.MaxSetBytes) + `"}`, -1, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := target.Parse(strings.NewReader(tt.doc))
			var te *target.Error
			if !errors.As(err, &te) || !errors.Is(err, target.ErrInvalid) || !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("Parse error = %v, want an *Error wrapping ErrInvalid and funnel.ErrInvalidParam", err)
			}
			if te.Index != tt.index || te.Field != tt.field {
				t.Errorf("Parse error at target %d field %q, want %d %q (%v)", te.Index, te.Field, tt.index, tt.field, err)
			}
			if len(err.Error()) > 400 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
	// a set of exactly MaxSetBytes is read
	doc := `{"name": "` + strings.Repeat("x", target.MaxSetBytes-12) + `"}`
	if len(doc) != target.MaxSetBytes {
		t.Fatalf("document of %d bytes", len(doc))
	}
	if _, err := target.Parse(strings.NewReader(doc)); err != nil {
		t.Errorf("Parse(MaxSetBytes) = %v", err)
	}
	// read errors come back as they are
	boom := errors.New("boom")
	if _, err := target.Parse(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("Parse(failing reader) = %v", err)
	}
	if _, err := target.Parse(io.Reader(nil)); !errors.Is(err, target.ErrInvalid) {
		t.Errorf("Parse(nil) = %v", err)
	}
}

func TestValidate(t *testing.T) {
	err := target.Set{Targets: []target.Target{{Metric: target.WinRate, Value: dec("0.5")}, {Metric: target.WinRate, Bound: 5}}}.Validate()
	var te *target.Error
	if !errors.As(err, &te) || te.Index != 1 || te.Field != "bound" || !errors.Is(err, target.ErrInvalid) {
		t.Errorf("Validate(bound 5) = %v", err)
	}
	err = target.Target{Metric: target.StepConversion, Value: dec("0.5")}.Validate()
	if !errors.As(err, &te) || te.Index != -1 || te.Field != "stage" {
		t.Errorf("Target.Validate(no stage) = %v", err)
	}
	if got := err.Error(); !strings.HasPrefix(got, "target: set: stage: metric step_conversion needs a stage") {
		t.Errorf("Error() = %q", got)
	}
	for _, p := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 12, 31, 23, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("east", 3600))} {
		if err := (target.Target{Metric: target.WinRate, Period: p}).Validate(); !errors.As(err, &te) || te.Field != "period" {
			t.Errorf("period %v: %v", p, err)
		}
	}
	if err := (target.Target{Metric: target.WinRate, Period: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}).Validate(); err != nil {
		t.Errorf("period in 9999: %v", err)
	}
	if got := (&target.Error{Index: 3, Field: "value"}).Error(); got != "target: target 3: value: invalid" {
		t.Errorf("Error() without Err = %q", got)
	}
	// boundaries of the value's range
	for _, v := range []string{"0", "1", "1e30", "1e-30", "0.000000000000000000000000000001"} {
		m := target.DealSize
		if v == "1" || v == "0" {
			m = target.WinRate
		}
		if err := (target.Target{Metric: m, Value: dec(v)}).Validate(); err != nil {
			t.Errorf("value %s: %v", v, err)
		}
	}
	for _, v := range []string{"1e31", "1e-31", "1.0000000000000000000000000000001"} {
		if err := (target.Target{Metric: target.DealSize, Value: dec(v)}).Validate(); err == nil {
			t.Errorf("value %s validated", v)
		}
	}
}

func TestEnums(t *testing.T) {
	for _, b := range []target.Bound{target.AtLeast, target.AtMost} {
		text, err := b.MarshalText()
		var back target.Bound
		if err != nil || back.UnmarshalText(text) != nil || back != b || b.String() != string(text) {
			t.Errorf("bound %v round trip: %v", b, err)
		}
	}
	for _, s := range []target.Status{target.NoData, target.Met, target.Watch, target.Missed} {
		text, err := s.MarshalText()
		var back target.Status
		if err != nil || back.UnmarshalText(text) != nil || back != s || s.String() != string(text) {
			t.Errorf("status %v round trip: %v", s, err)
		}
	}
	if got := []string{target.NoData.String(), target.Met.String(), target.Watch.String(), target.Missed.String()}; !cmp.Equal(got,
		[]string{"no data", "met", "watch", "missed"}) {
		t.Errorf("status names %q", got)
	}
	for _, m := range []target.Metric{target.WinRate, target.WinRateCreated, target.StepConversion, target.CumulativeConversion,
		target.DealSize, target.CycleDays, target.TimeInStageDays, target.DealsCreated} {
		text, err := m.MarshalText()
		var back target.Metric
		if err != nil || back.UnmarshalText(text) != nil || back != m || m.String() != string(text) {
			t.Errorf("metric %v round trip: %v", m, err)
		}
	}
	if _, err := target.Bound(2).MarshalText(); !errors.Is(err, target.ErrInvalid) || target.Bound(2).String() != "Bound(2)" {
		t.Errorf("Bound(2): %v", err)
	}
	if _, err := target.Status(-1).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) || target.Status(-1).String() != "Status(-1)" {
		t.Errorf("Status(-1): %v", err)
	}
	if _, err := target.Metric("x").MarshalText(); !errors.Is(err, target.ErrInvalid) {
		t.Errorf("Metric(x): %v", err)
	}
	if err := new(target.Metric).UnmarshalText([]byte("WIN_RATE")); !errors.Is(err, target.ErrInvalid) {
		t.Errorf("metric WIN_RATE: %v", err)
	}
	if err := new(target.Status).UnmarshalText([]byte("Met")); !errors.Is(err, target.ErrInvalid) {
		t.Errorf("status Met: %v", err)
	}
	if err := new(target.Bound).UnmarshalText([]byte("")); !errors.Is(err, target.ErrInvalid) {
		t.Errorf("bound empty: %v", err)
	}
	if !target.WinRate.IsRate() || target.DealSize.IsRate() || target.Metric("x").IsRate() {
		t.Error("IsRate")
	}
}

// rateObs builds the observation of x/n with its Wilson interval at 95%
// (bounds from testdata/crosscheck.py --wilson).
func rateObs(x, n int64, value string, lo, hi float64) target.Observation {
	return target.Observation{Defined: true, Value: dec(value), N: n,
		Rate: funnel.Rate{Ratio: funnel.Ratio{Num: x, Den: n}, Interval: funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}}}
}

func TestCompare(t *testing.T) {
	// Wilson bounds at 95% (testdata/crosscheck.py --wilson): 3/10
	// 0.1077912674-0.6032218525; 30/100 0.2189488529-0.3958485463;
	// 12/40 0.1807484523-0.4543001882; 0/20 0-0.1611251581.
	r3of10 := rateObs(3, 10, "0.3", 0.1077912674, 0.6032218525)
	r30of100 := rateObs(30, 100, "0.3", 0.2189488529, 0.3958485463)
	atLeast := func(v string) target.Target { return target.Target{Metric: target.WinRate, Value: dec(v)} }
	atMost := func(v string) target.Target {
		return target.Target{Metric: target.CycleDays, Bound: target.AtMost, Value: dec(v)}
	}
	plain := func(v string, n int64) target.Observation {
		return target.Observation{Defined: true, Value: dec(v), N: n}
	}
	tests := []struct {
		name      string
		t         target.Target
		obs       target.Observation
		minSample int64
		want      target.Result
	}{
		{"no data", atLeast("0.5"), target.Observation{}, 0, target.Result{Status: target.NoData}},
		{"met exactly (tie)", atLeast("0.3"), rateObs(12, 40, "0.3", 0.1807484523, 0.4543001882), 0,
			target.Result{Attainment: null("1"), Gap: null("0"), Status: target.Met}},
		{"small sample miss", atLeast("0.5"), r3of10, 0,
			target.Result{Attainment: null("0.6"), Gap: null("-0.2"), Status: target.Watch}},
		{"significant miss", atLeast("0.5"), r30of100, 0,
			target.Result{Attainment: null("0.6"), Gap: null("-0.2"), Status: target.Missed}},
		// 0/20: the interval's top 0.161 is below 0.5, but 20 < 30 deals
		{"significant miss under the minimum sample", atLeast("0.5"), rateObs(0, 20, "0", 0, 0.1611251581), 0,
			target.Result{Attainment: null("0"), Gap: null("-0.5"), Status: target.Watch}},
		{"significant miss at the caller's minimum sample", atLeast("0.5"), rateObs(0, 20, "0", 0, 0.1611251581), 20,
			target.Result{Attainment: null("0"), Gap: null("-0.5"), Status: target.Missed}},
		{"zero target", atLeast("0"), r30of100, 0, target.Result{Gap: null("0.3"), Status: target.Met}},
		// 2/3 = 0.666...6 < 0.66666666667, though 2/3 rounds to
		// 0.6666666667 at 10 places: the exact ratio decides. Gap
		// -0.00000000001/3 rounds to 0; attainment 2 / 2.00000000001.
		{"exact ratio, not its rounding", atLeast("0.66666666667"), rateObs(2, 3, "0.6666666667", 0.2076596, 0.9385081), 0,
			target.Result{Attainment: null("1"), Gap: null("0"), Status: target.Watch}},
		// 30 / 45 = 0.6666666667
		{"maximum, few deals", atMost("30"), plain("45", 10), 0,
			target.Result{Attainment: null("0.6666666667"), Gap: null("15"), Status: target.Watch}},
		{"maximum, many deals", atMost("30"), plain("45", 30), 0,
			target.Result{Attainment: null("0.6666666667"), Gap: null("15"), Status: target.Missed}},
		{"maximum, the minimum sample less one", atMost("30"), plain("45", 29), 0,
			target.Result{Attainment: null("0.6666666667"), Gap: null("15"), Status: target.Watch}},
		{"maximum met", atMost("30"), plain("20", 30), 0,
			target.Result{Attainment: null("1.5"), Gap: null("-10"), Status: target.Met}},
		{"maximum, zero observed", atMost("30"), plain("0", 3), 0, target.Result{Gap: null("-30"), Status: target.Met}},
		{"maximum tie", atMost("30"), plain("30", 3), 0, target.Result{Attainment: null("1"), Gap: null("0"), Status: target.Met}},
		// 0.25 × 100 / 30 = 0.8333333333; 0.25 lies inside 0.219-0.396
		{"maximum rate inside interval", target.Target{Metric: target.WinRate, Bound: target.AtMost, Value: dec("0.25")}, r30of100, 0,
			target.Result{Attainment: null("0.8333333333"), Gap: null("0.05"), Status: target.Watch}},
		// 0.1 lies below 0.219: significant; 0.1 × 100 / 30 = 0.3333333333
		{"maximum rate significant", target.Target{Metric: target.WinRate, Bound: target.AtMost, Value: dec("0.1")}, r30of100, 0,
			target.Result{Attainment: null("0.3333333333"), Gap: null("0.2"), Status: target.Missed}},
		// a rate without its interval is judged on its sample alone
		{"rate without interval", atLeast("0.5"), plain("0.3", 40), 0,
			target.Result{Attainment: null("0.6"), Gap: null("-0.2"), Status: target.Missed}},
		{"huge amounts", target.Target{Metric: target.DealSize, Value: dec("1e30")}, plain("999999999999999999999999999999.5", 100), 0,
			target.Result{Attainment: null("1"), Gap: null("-0.5"), Status: target.Missed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Target, tt.want.Observed = tt.t, tt.obs
			got, err := target.Compare(tt.t, tt.obs, funnel.Test{MinSample: tt.minSample})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Compare mismatch (-want +got):\n%s", diff)
			}
		})
	}
	bad := []struct {
		name string
		t    target.Target
		obs  target.Observation
		test funnel.Test
	}{
		{"confidence 1", atLeast("0.5"), r3of10, funnel.Test{Confidence: 1}},
		{"negative minimum sample", atLeast("0.5"), r3of10, funnel.Test{MinSample: -1}},
		{"bad method", atLeast("0.5"), r3of10, funnel.Test{Method: 9}},
		{"bad target", target.Target{Metric: "x"}, r3of10, funnel.Test{}},
		{"not a proportion", atLeast("0.5"), rateObs(11, 10, "1.1", 0, 1), funnel.Test{}},
	}
	for _, b := range bad {
		if _, err := target.Compare(b.t, b.obs, b.test); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Compare(%s) error = %v", b.name, err)
		}
	}
}

func TestObserveAndEvaluate(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	r, err := funnel.Compute(f, values(handDeals()), funnel.Options{AsOf: day(20)})
	if err != nil {
		t.Fatal(err)
	}
	set := target.Set{Name: "team", Targets: []target.Target{
		{Metric: target.WinRate, Value: dec("0.6")},
		{Metric: target.WinRateCreated, Segment: "other", Value: dec("0.6")},
		{Metric: target.StepConversion, Stage: "B", Value: dec("0.5")},
		{Metric: target.CumulativeConversion, Stage: "won", Value: dec("0.5")},
		{Metric: target.DealSize, Period: day(1), Value: dec("1")},
		{Metric: target.DealSize, Period: t0, Value: dec("100")},
		{Metric: target.CycleDays, Bound: target.AtMost, Value: dec("5")},
		{Metric: target.TimeInStageDays, Stage: "B", Bound: target.AtMost, Value: dec("3")},
		{Metric: target.TimeInStageDays, Stage: "Z", Bound: target.AtMost, Value: dec("1")},
		{Metric: target.DealsCreated, Value: dec("10")},
	}}
	type row struct {
		Metric target.Metric
		Value  string
		N      int64
		Status target.Status
	}
	rows := func(e target.Evaluation) []row {
		var out []row
		for _, g := range e.Results {
			out = append(out, row{g.Target.Metric, g.Observed.Value.String(), g.Observed.N, g.Status})
		}
		return out
	}
	tests := []struct {
		name string
		test funnel.Test
		want []row
	}{
		{"default test", funnel.Test{}, []row{
			// 2/4: Wilson 0.150-0.850 holds 0.6; fewer than 30 anyway
			{target.WinRate, "0.5", 4, target.Watch},
			{target.StepConversion, "0.6666666667", 6, target.Met},
			// 1/6, Wilson upper bound 0.5635 still above 0.5
			{target.CumulativeConversion, "0.1666666667", 6, target.Watch},
			{target.DealSize, "200", 2, target.Met},
			{target.CycleDays, "6.5", 2, target.Watch},
			{target.TimeInStageDays, "4", 4, target.Watch},
			{target.TimeInStageDays, "0", 0, target.NoData},
			{target.DealsCreated, "6", 6, target.Watch},
		}},
		// at 80%, 1/6's upper bound is 0.4253 (below 0.5) and 2/4's
		// 0.7698 (above 0.6); a minimum sample of 2 lets every miss count
		{"80% and a minimum sample of 2", funnel.Test{Confidence: 0.8, MinSample: 2}, []row{
			{target.WinRate, "0.5", 4, target.Watch},
			{target.StepConversion, "0.6666666667", 6, target.Met},
			{target.CumulativeConversion, "0.1666666667", 6, target.Missed},
			{target.DealSize, "200", 2, target.Met},
			{target.CycleDays, "6.5", 2, target.Missed},
			{target.TimeInStageDays, "4", 4, target.Missed},
			{target.TimeInStageDays, "0", 0, target.NoData},
			{target.DealsCreated, "6", 6, target.Missed},
		}},
	}
	for _, tt := range tests {
		got, err := set.Evaluate(r, "EMEA", t0, tt.test)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, rows(got)); diff != "" {
			t.Errorf("%s: Evaluate mismatch (-want +got):\n%s", tt.name, diff)
		}
		if got.Set != "team" || got.Segment != "EMEA" || !got.Period.Equal(t0) || got.Input.Counted != 6 {
			t.Errorf("%s: evaluation header %+v", tt.name, got)
		}
	}
	// the observation of the win rate, with its interval at 95%
	obs, err := target.Observe(r, target.Target{Metric: target.WinRate}, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantObs := rateObs(2, 4, "0.5", 0.1500389892, 0.8499610108)
	if diff := cmp.Diff(wantObs, obs, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("win rate observation mismatch (-want +got):\n%s", diff)
	}
	// the segment and period select targets
	got, err := set.Evaluate(r, "other", day(1), funnel.Test{})
	if err != nil {
		t.Fatal(err)
	}
	var metrics []target.Metric
	for _, g := range got.Results {
		metrics = append(metrics, g.Target.Metric)
	}
	want := []target.Metric{target.WinRate, target.WinRateCreated, target.StepConversion, target.CumulativeConversion,
		target.DealSize, target.CycleDays, target.TimeInStageDays, target.TimeInStageDays, target.DealsCreated}
	if diff := cmp.Diff(want, metrics); diff != "" {
		t.Errorf("targets for segment other, day 1 (-want +got):\n%s", diff)
	}
	if got.Results[4].Observed.Value.String() != "200" || got.Results[4].Status != target.Met {
		t.Errorf("deal size of day 1: %+v", got.Results[4])
	}
}

func TestObserveErrorsAndEmpty(t *testing.T) {
	if obs, err := target.Observe(funnel.Report{}, target.Target{Metric: target.WinRate}, 0.95); err != nil || obs.Defined {
		t.Errorf("Observe(empty report) = %+v, %v", obs, err)
	}
	if obs, err := target.Observe(funnel.Report{}, target.Target{Metric: target.DealsCreated}, 0); err != nil || !obs.Defined || !obs.Value.IsZero() {
		t.Errorf("Observe(empty report, deals created) = %+v, %v", obs, err)
	}
	if _, err := target.Observe(funnel.Report{}, target.Target{Metric: "nope"}, 0.95); !errors.Is(err, target.ErrInvalid) {
		t.Errorf("Observe(unknown metric) = %v", err)
	}
	for _, c := range []funnel.Confidence{1, -0.5, 95} {
		if _, err := target.Observe(funnel.Report{}, target.Target{Metric: target.WinRate}, c); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Observe(confidence %v) = %v", c, err)
		}
		if _, err := (target.Set{}).Evaluate(funnel.Report{}, "", time.Time{}, funnel.Test{Confidence: c}); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Evaluate(confidence %v) = %v", c, err)
		}
	}
	// a hostile report: a ratio that is not a proportion
	bad := funnel.Report{WinRate: funnel.Rate{Ratio: funnel.Ratio{Num: 5, Den: 2}}}
	if _, err := target.Observe(bad, target.Target{Metric: target.WinRate}, 0); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Observe(5/2) = %v", err)
	}
	if _, err := (target.Set{Targets: []target.Target{{Metric: target.WinRate}}}).Evaluate(bad, "", time.Time{}, funnel.Test{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("Evaluate(5/2) = %v", err)
	}
	if _, err := (target.Set{Targets: []target.Target{{Metric: "x"}}}).Evaluate(funnel.Report{}, "", time.Time{}, funnel.Test{}); !errors.Is(err, target.ErrInvalid) {
		t.Errorf("Evaluate(invalid set) = %v", err)
	}
	e, err := (target.Set{}).Evaluate(funnel.Report{}, "", time.Time{}, funnel.Test{})
	if err != nil || e.Results == nil || len(e.Results) != 0 || e.Confidence != 0.95 || e.MinSample != 30 {
		t.Errorf("Evaluate(empty set) = %+v, %v", e, err)
	}
}

// TestEvaluatePeriodZones checks that a target's period is matched as an
// instant: the start of 10 March 2024 in America/Havana (whose clocks
// skip from midnight to 1:00 that day) written with its offset matches the
// day's start as funnel.Day.Start gives it, whatever the zone it is read
// in, and the same wall-clock time in UTC does not.
func TestEvaluatePeriodZones(t *testing.T) {
	havana := mustLoad("America/Havana")
	start := funnel.Day.Start(time.Date(2024, 3, 10, 12, 0, 0, 0, havana), havana)
	if start.Hour() != 1 {
		t.Fatalf("Havana's day starts at %v", start)
	}
	set, err := target.Parse(strings.NewReader(`{"targets": [{"metric": "deals_created", "period": "2024-03-10T01:00:00-04:00", "value": 1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		period time.Time
		n      int
	}{{start, 1}, {start.UTC(), 1}, {start.In(mustLoad("Pacific/Apia")), 1}, {time.Date(2024, 3, 10, 1, 0, 0, 0, time.UTC), 0}} {
		e, err := set.Evaluate(funnel.Report{Deals: 3}, "", tt.period, funnel.Test{})
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Results) != tt.n {
			t.Errorf("period %v: %d results, want %d", tt.period, len(e.Results), tt.n)
		}
	}
}
