package attribution_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestAddInvalidJourney(t *testing.T) {
	tests := []struct {
		name string
		j    attribution.Journey
		want *attribution.JourneyError
	}{
		{"missing id", attribution.Journey{}, &attribution.JourneyError{Touch: -1, Field: "ID", Err: attribution.ErrMissingID}},
		{"missing channel", attribution.Journey{ID: "j", Touches: []attribution.Touch{tc("A", 0), {At: day(1)}}},
			&attribution.JourneyError{ID: "j", Touch: 1, Field: "Channel", Err: attribution.ErrMissingChannel}},
		{"touches out of order", attribution.Journey{ID: "j", Touches: []attribution.Touch{tc("A", 1), tc("B", 2), tc("C", 0)}},
			&attribution.JourneyError{ID: "j", Touch: 2, Field: "At", Err: attribution.ErrTouchOrder}},
		{"negative revenue", attribution.Journey{ID: "j", Converted: true, Revenue: dec("-0.01")},
			&attribution.JourneyError{ID: "j", Touch: -1, Field: "Revenue", Err: attribution.ErrNegativeAmount}},
		{"negative pipeline", attribution.Journey{ID: "j", Opportunity: true, Pipeline: dec("-5")},
			&attribution.JourneyError{ID: "j", Touch: -1, Field: "Pipeline", Err: attribution.ErrNegativeAmount}},
		{"revenue without conversion", attribution.Journey{ID: "j", Revenue: dec("5")},
			&attribution.JourneyError{ID: "j", Touch: -1, Field: "Revenue", Err: attribution.ErrAmountWithoutOutcome}},
		{"pipeline without opportunity", attribution.Journey{ID: "j", Converted: true, Pipeline: dec("5")},
			&attribution.JourneyError{ID: "j", Touch: -1, Field: "Pipeline", Err: attribution.ErrAmountWithoutOutcome}},
		{"sub-cent revenue", attribution.Journey{ID: "j", Converted: true, Revenue: dec("1.005")},
			&attribution.JourneyError{ID: "j", Touch: -1, Field: "Revenue", Err: attribution.ErrAmountScale}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range attribution.Models() {
				a := new(attribution.Accumulator) // the zero value is Linear
				if m != attribution.Linear {
					var err error
					if a, err = attribution.NewAccumulator(m, attribution.Options{}); err != nil {
						t.Fatal(err)
					}
				}
				before, _ := a.Result()
				err := a.Add(tt.j)
				var je *attribution.JourneyError
				if !errors.As(err, &je) {
					t.Fatalf("%v: Add(%+v) error = %v, want a *JourneyError", m, tt.j, err)
				}
				if !errors.Is(err, tt.want.Err) {
					t.Errorf("%v: Add error %v is not %v", m, err, tt.want.Err)
				}
				if diff := cmp.Diff(*tt.want, *je, cmpopts.EquateErrors()); diff != "" {
					t.Errorf("%v: Add error mismatch (-want +got):\n%s", m, diff)
				}
				after, _ := a.Result()
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("%v: a failed Add changed the accumulator:\n%s", m, diff)
				}
			}
		})
	}
	// Attribute stops at the bad journey.
	_, err := attribution.Attribute(slices.Values([]attribution.Journey{abc, {}}), attribution.Linear, attribution.Options{})
	if !errors.Is(err, attribution.ErrMissingID) {
		t.Errorf("Attribute with a bad journey: error = %v, want ErrMissingID", err)
	}
}

func TestJourneyErrorMessage(t *testing.T) {
	// The message names the journey, the touch and the field.
	for _, tt := range []struct {
		e    *attribution.JourneyError
		want string
	}{
		{&attribution.JourneyError{ID: "d1", Touch: 2, Field: "At", Err: attribution.ErrTouchOrder},
			`attribution: journey "d1" touch 2 At: attribution: touches out of time order`},
		{&attribution.JourneyError{ID: "d1", Touch: -1, Field: "Revenue", Err: attribution.ErrNegativeAmount},
			`attribution: journey "d1" Revenue: attribution: negative amount`},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name  string
		model attribution.Model
		opts  attribution.Options
	}{
		{"unknown model", attribution.Model(99), attribution.Options{}},
		{"negative model", attribution.Model(-1), attribution.Options{}},
		{"unknown dimension", attribution.Linear, attribution.Options{By: 7}},
		{"negative U weight", attribution.PositionBased, attribution.Options{U: attribution.UWeights{First: -1, Last: 1}}},
		{"NaN U weight", attribution.PositionBased, attribution.Options{U: attribution.UWeights{First: math.NaN()}}},
		{"infinite W weight", attribution.WShaped, attribution.Options{W: attribution.WWeights{Last: math.Inf(1)}}},
		{"negative half-life", attribution.TimeDecay, attribution.Options{HalfLife: -time.Hour}},
		{"markov order 5", attribution.Markov, attribution.Options{MarkovOrder: attribution.MaxMarkovOrder + 1}},
		{"negative markov order", attribution.Markov, attribution.Options{MarkovOrder: -1}},
		{"money scale 19", attribution.Linear, attribution.Options{MoneyScale: attribution.MaxMoneyScale + 1}},
		{"negative money scale", attribution.Linear, attribution.Options{MoneyScale: -2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := attribution.NewAccumulator(tt.model, tt.opts); !errors.Is(err, attribution.ErrInvalidParam) {
				t.Errorf("NewAccumulator(%v, %+v) error = %v, want ErrInvalidParam", tt.model, tt.opts, err)
			}
			if _, err := attribution.Attribute(slices.Values([]attribution.Journey{abc}), tt.model, tt.opts); !errors.Is(err, attribution.ErrInvalidParam) {
				t.Errorf("Attribute(%v, %+v) error = %v, want ErrInvalidParam", tt.model, tt.opts, err)
			}
		})
	}
}

func TestMergeIncompatible(t *testing.T) {
	mk := func(m attribution.Model, o attribution.Options) *attribution.Accumulator {
		a, err := attribution.NewAccumulator(m, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Add(abc); err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name string
		a, b *attribution.Accumulator
	}{
		{"models", mk(attribution.Linear, attribution.Options{}), mk(attribution.Markov, attribution.Options{})},
		{"dimension", mk(attribution.Linear, attribution.Options{}), mk(attribution.Linear, attribution.Options{By: attribution.ByCampaign})},
		{"half-life", mk(attribution.TimeDecay, attribution.Options{}), mk(attribution.TimeDecay, attribution.Options{HalfLife: time.Hour})},
		{"direct", mk(attribution.LastNonDirect, attribution.Options{}), mk(attribution.LastNonDirect, attribution.Options{Direct: []string{"none"}})},
		{"order", mk(attribution.Markov, attribution.Options{}), mk(attribution.Markov, attribution.Options{MarkovOrder: 2})},
		{"money scale", mk(attribution.Linear, attribution.Options{}), mk(attribution.Linear, attribution.Options{MoneyScale: 3})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := tt.a.Result()
			if err := tt.a.Merge(tt.b); !errors.Is(err, attribution.ErrIncompatible) {
				t.Fatalf("Merge error = %v, want ErrIncompatible", err)
			}
			after, _ := tt.a.Result()
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("a failed Merge changed the accumulator:\n%s", diff)
			}
		})
	}
	// Zero accumulators and explicit defaults are compatible.
	var z attribution.Accumulator
	if err := z.Merge(mk(attribution.Linear, attribution.Options{Direct: []string{"direct"}, MoneyScale: 2, HalfLife: 7 * 24 * time.Hour})); err != nil {
		t.Errorf("zero.Merge(defaults) error = %v", err)
	}
	if err := mk(attribution.Linear, attribution.Options{}).Merge(&attribution.Accumulator{}); err != nil {
		t.Errorf("Merge(zero) error = %v", err)
	}
}

func TestShapleyTooManyKeys(t *testing.T) {
	// 21 channels: an error, promptly (the 2^21 coalitions are never
	// built).
	var js []attribution.Journey
	for i := range attribution.MaxShapleyKeys + 1 {
		js = append(js, won(fmt.Sprint(i), "1", tc(fmt.Sprintf("ch%02d", i), 0)))
	}
	start := time.Now()
	_, err := attribution.Attribute(slices.Values(js), attribution.Shapley, attribution.Options{})
	if !errors.Is(err, attribution.ErrTooManyKeys) {
		t.Errorf("Shapley over %d keys: error = %v, want ErrTooManyKeys", len(js), err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Shapley over %d keys took %v to fail", len(js), d)
	}
	// 20 is fine (about a second: 2^20 coalitions for each of 5 metrics).
	if !testing.Short() {
		if _, err := attribution.Attribute(slices.Values(js[:attribution.MaxShapleyKeys]), attribution.Shapley, attribution.Options{}); err != nil {
			t.Errorf("Shapley over %d keys: error = %v", attribution.MaxShapleyKeys, err)
		}
	}
	// More than 64 keys overflow the set encoding: still the same error.
	for i := len(js); i < 70; i++ {
		js = append(js, won(fmt.Sprint(i), "1", tc(fmt.Sprintf("ch%02d", i), 0)))
	}
	a, _ := attribution.NewAccumulator(attribution.Shapley, attribution.Options{})
	b, _ := attribution.NewAccumulator(attribution.Shapley, attribution.Options{})
	for i, j := range js {
		if err := []*attribution.Accumulator{a, b}[i%2].Add(j); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Result(); !errors.Is(err, attribution.ErrTooManyKeys) {
		t.Errorf("Shapley over 35 keys: error = %v, want ErrTooManyKeys", err)
	}
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Result(); !errors.Is(err, attribution.ErrTooManyKeys) {
		t.Errorf("Shapley over 70 keys: error = %v, want ErrTooManyKeys", err)
	}
}

func TestMarkovTooManyStates(t *testing.T) {
	// MaxMarkovStates single-touch journeys on distinct channels: that
	// many states plus the start state.
	var js []attribution.Journey
	for i := range attribution.MaxMarkovStates {
		js = append(js, won(fmt.Sprint(i), "1", tc(fmt.Sprintf("ch%03d", i), 0)))
	}
	_, err := attribution.Attribute(slices.Values(js), attribution.Markov, attribution.Options{})
	if !errors.Is(err, attribution.ErrTooManyStates) {
		t.Errorf("Markov with %d states: error = %v, want ErrTooManyStates", len(js)+1, err)
	}
}

func TestROIErrors(t *testing.T) {
	byCampaign, err := attribution.Attribute(slices.Values([]attribution.Journey{abc}), attribution.Linear, attribution.Options{By: attribution.ByCampaign})
	if err != nil {
		t.Fatal(err)
	}
	byChannel, err := attribution.Attribute(slices.Values([]attribution.Journey{abc}), attribution.Linear, attribution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		r     *attribution.Result
		costs []attribution.CampaignCost
		want  error
	}{
		{"by channel", byChannel, nil, attribution.ErrInvalidParam},
		{"no campaign", byCampaign, []attribution.CampaignCost{{Amount: dec("1")}}, attribution.ErrInvalidCost},
		{"negative", byCampaign, []attribution.CampaignCost{{Campaign: "c-A", Amount: dec("-1")}}, attribution.ErrNegativeAmount},
		{"duplicate", byCampaign, []attribution.CampaignCost{
			{Campaign: "c-A", Period: "2024-03", Amount: dec("1")},
			{Campaign: "c-A", Period: "2024-04", Amount: dec("1")},
			{Campaign: "c-A", Period: "2024-03", Amount: dec("2")},
		}, attribution.ErrDuplicateCost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := attribution.ROI(tt.r, tt.costs); !errors.Is(err, tt.want) {
				t.Errorf("ROI error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestModelText(t *testing.T) {
	for _, m := range attribution.Models() {
		b, err := m.MarshalText()
		if err != nil {
			t.Fatalf("%v.MarshalText() error = %v", m, err)
		}
		var got attribution.Model
		if err := got.UnmarshalText(b); err != nil || got != m {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, got, err, m)
		}
	}
	if _, err := attribution.Model(42).MarshalText(); !errors.Is(err, attribution.ErrInvalidParam) {
		t.Errorf("Model(42).MarshalText() error = %v, want ErrInvalidParam", err)
	}
	for _, s := range []string{"", "Linear ", "markov2", "u-shaped"} {
		if _, err := attribution.ParseModel(s); !errors.Is(err, attribution.ErrInvalidParam) {
			t.Errorf("ParseModel(%q) error = %v, want ErrInvalidParam", s, err)
		}
	}
	if m, err := attribution.ParseModel("W-Shaped"); err != nil || m != attribution.WShaped {
		t.Errorf("ParseModel(W-Shaped) = %v, %v", m, err)
	}
	for _, tt := range []struct {
		s    fmt.Stringer
		want string
	}{
		{attribution.Model(42), "Model(42)"}, {attribution.LastNonDirect, "last-non-direct"},
		{attribution.ByChannel, "channel"}, {attribution.ByCampaign, "campaign"}, {attribution.Dimension(3), "Dimension(3)"},
	} {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
