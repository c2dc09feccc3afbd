package funnel_test

import (
	"errors"
	"math"
	"testing"

	"github.com/funnelmetrics/funnel"
)

// TestCompareSamplesErrors checks the exported tests' refusals: an
// invalid Test, a negative or NaN amount, ties out of order or with
// negative counts.
func TestCompareSamplesErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	for name, c := range map[string]struct {
		a, b []float64
		t    funnel.Test
	}{
		"negative":       {[]float64{1, -1}, ok, funnel.Test{}},
		"NaN":            {ok, []float64{math.NaN()}, funnel.Test{}},
		"confidence 1":   {ok, ok, funnel.Test{Confidence: 1}},
		"minimum sample": {ok, ok, funnel.Test{MinSample: -1}},
	} {
		if _, err := funnel.CompareAmounts(c.a, c.b, c.t); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("CompareAmounts %s: %v", name, err)
		}
	}
	good := []funnel.DurationTie{{At: 1, Events: 1}, {At: 2, Censored: 1}}
	for name, c := range map[string]struct {
		a, b []funnel.DurationTie
		t    funnel.Test
	}{
		"out of order": {[]funnel.DurationTie{{At: 2, Events: 1}, {At: 1, Events: 1}}, good, funnel.Test{}},
		"repeated":     {good, []funnel.DurationTie{{At: 1, Events: 1}, {At: 1, Censored: 1}}, funnel.Test{}},
		"negative":     {good, []funnel.DurationTie{{At: 1, Events: -1}}, funnel.Test{}},
		"confidence":   {good, good, funnel.Test{Confidence: -0.5}},
	} {
		if _, err := funnel.CompareDurations(c.a, c.b, c.t); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("CompareDurations %s: %v", name, err)
		}
	}
	// Infinity is allowed: too large for the log scale, counted with the
	// zeros; empty samples give an undefined comparison
	if c, err := funnel.CompareAmounts([]float64{math.Inf(1), 2, 3, 4}, ok, funnel.Test{}); err != nil || c.ZerosA != 1 || !c.Defined {
		t.Errorf("infinite amount: %+v, %v", c, err)
	}
	if c, err := funnel.CompareDurations(nil, good, funnel.Test{}); err != nil || c != (funnel.DurationComparison{B: 2, EventsB: 1}) {
		t.Errorf("empty durations: %+v, %v", c, err)
	}
}
