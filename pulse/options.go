package pulse

import (
	"fmt"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
)

// DefaultMinGroup is the default confidentiality minimum: a figure of
// fewer answers is not published. Culture Amp and Qualtrics default to 5;
// Officevibe uses 3.
const DefaultMinGroup = 5

// Options says how answers are scored and published. The zero value means
// the standard eNPS bands with skips left out, the adjusted Wald interval,
// a minimum group of [DefaultMinGroup] answers, and the zero [funnel.Test]
// (95% confidence, a minimum sample of 30 per side for a verdict).
type Options struct {
	// ENPS gives the eNPS bands and whether a skip counts as a passive.
	// Either way the confidentiality minimum counts only the people who
	// answered.
	ENPS funnel.ENPSOptions
	// Interval is the method of the eNPS intervals; the zero value is the
	// adjusted Wald interval of Rocks (2016).
	Interval funnel.ENPSIntervalMethod
	// MinGroup is the confidentiality minimum: the fewest answers (people
	// who answered, skips not counted) a published figure may aggregate.
	// Zero means DefaultMinGroup; 1 publishes every non-empty figure (and
	// protects nothing); a negative value is an error wrapping
	// [funnel.ErrInvalidParam].
	MinGroup int
	// Test is the one confidence and minimum-sample rule of every
	// interval and comparison: Test.Confidence is the level of every
	// interval, a bad level is an error wrapping [funnel.ErrInvalidParam]
	// (never silently 0.95).
	Test funnel.Test
}

// resolved are the options with every default applied and checked.
type resolved struct {
	enps     funnel.ENPSOptions
	interval funnel.ENPSIntervalMethod
	min      int64
	test     funnel.Test
	level    float64
	tq       map[int64]float64 // Student t quantiles at level, by degrees of freedom
}

func (o Options) resolve() (resolved, error) {
	if err := o.ENPS.Bands.Validate(); err != nil {
		return resolved{}, err
	}
	var err error
	r := resolved{enps: o.ENPS, interval: o.Interval, min: int64(o.MinGroup), test: o.Test, tq: map[int64]float64{}}
	switch {
	case o.MinGroup < 0:
		return resolved{}, fmt.Errorf("pulse: minimum group %d: %w", o.MinGroup, funnel.ErrInvalidParam)
	case o.MinGroup == 0:
		r.min = DefaultMinGroup
	}
	if o.Interval != funnel.ENPSAdjustedWald && o.Interval != funnel.ENPSWald {
		return resolved{}, fmt.Errorf("pulse: enps interval method %v: %w", o.Interval, funnel.ErrInvalidParam)
	}
	if r.level, err = o.Test.Confidence.Level(); err != nil {
		return resolved{}, err
	}
	// The rest of the Test (minimum sample, method) is checked the way
	// every comparison checks it.
	if _, err := funnel.CompareRates(funnel.Ratio{}, funnel.Ratio{}, o.Test); err != nil {
		return resolved{}, err
	}
	return r, nil
}

// rate returns r with its Wilson interval at the options' level.
func (o resolved) rate(r funnel.Ratio) funnel.Rate {
	iv, _ := r.Wilson(funnel.Confidence(o.level)) // the level and counts are valid
	return funnel.Rate{Ratio: r, Interval: iv}
}

// enough reports whether n observations are enough for a verdict.
func (o resolved) enough(n int64) bool { return stat.Enough(n, o.test.MinSample) }

// A Suppression says whether a figure is published and, if not, why. The
// zero Suppression is [Shown].
type Suppression int8

// The suppression reasons. A suppressed figure has no counts and no value.
const (
	// Shown is a published figure.
	Shown Suppression = iota
	// TooFew hides a figure of fewer answers than the minimum group.
	TooFew
	// Complement hides a figure that is large enough, so that the figures
	// hidden as TooFew cannot be recovered by subtracting the published
	// ones from the total or, in a [Heatmap], by combining the figures of
	// its breakdowns (complementary suppression).
	Complement
	// Withheld hides every figure of a question (the total included)
	// because every hidden answer falls on one side (all favourable, all
	// unfavourable, or one eNPS class): the total minus the published
	// figures would then tell each hidden group's result. In a
	// [Heatmap], a hidden figure whose answers are all in pools on one
	// side withholds its question so.
	Withheld
	// Held hides a rolling figure that would differ from the figures
	// already published by fewer answers than the minimum group (see
	// [Rolling.Series]).
	Held
)

var suppressionNames = [...]string{Shown: "shown", TooFew: "too few", Complement: "complement", Withheld: "withheld", Held: "held"}

// String returns "shown", "too few", "complement", "withheld", "held" or
// "Suppression(n)".
func (s Suppression) String() string { return enumString(s, suppressionNames[:], "Suppression") }

// MarshalText encodes the reason by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid value.
func (s Suppression) MarshalText() ([]byte, error) {
	return enumMarshal(s, suppressionNames[:], "suppression")
}

// UnmarshalText decodes a reason written by [Suppression.MarshalText].
func (s *Suppression) UnmarshalText(b []byte) error {
	return enumUnmarshal(s, b, suppressionNames[:], "suppression")
}

// suppress applies the confidentiality rules of one question (or of the
// eNPS of one breakdown) to its cells: the total has total answers, cell i
// answered[i] answers, and twoSided reports whether the answers of the
// hidden cells, added up, fall on both sides of everything published about
// them. The rules:
//
//  1. A total of fewer than min answers hides everything (TooFew).
//  2. A cell of fewer than min answers is hidden (TooFew).
//  3. If the hidden cells hold answers but only one of them does, or they
//     hold fewer than min answers together, the published cell with the
//     fewest answers (ties: the first) is hidden too (Complement). One
//     such cell always suffices: it has at least min answers.
//  4. If the hidden answers, added up, are not two-sided, every cell and
//     the total are hidden (Withheld).
//
// Rules 1 to 3 look at counts of answers only, rule 4 at the hidden
// answers' sum only, which is what lets a hidden cell's answers be
// exchanged with another hidden cell's without changing what is
// published.
func suppress(total int64, answered []int64, min int64, twoSided func(hidden []bool) bool) (Suppression, []Suppression) {
	out := make([]Suppression, len(answered))
	if total < min {
		for i := range out {
			out[i] = TooFew
		}
		return TooFew, out
	}
	hidden := make([]bool, len(answered))
	var nonEmpty int
	var held int64
	for i, a := range answered {
		if a < min {
			hidden[i], out[i] = true, TooFew
			if a > 0 {
				nonEmpty++
				held += a
			}
		}
	}
	if nonEmpty > 0 && (nonEmpty == 1 || held < min) {
		best := -1
		for i, a := range answered {
			if !hidden[i] && (best < 0 || a < answered[best]) {
				best = i
			}
		}
		// The total has at least min answers and the hidden cells fewer
		// than min, so a published cell with answers exists.
		hidden[best], out[best] = true, Complement
		held += answered[best]
	}
	if held > 0 && !twoSided(hidden) {
		for i := range out {
			out[i] = Withheld
		}
		return Withheld, out
	}
	return Shown, out
}
