package trend

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
)

// A BinRule says how a [Histogram]'s bins were chosen. The zero BinRule
// is [FreedmanDiaconis].
type BinRule int8

// The bin rules.
const (
	// FreedmanDiaconis bins the completed durations from their minimum to
	// their maximum in equal bins of at most the width
	// 2 IQR / cbrt(n), with IQR the interquartile range (Freedman and
	// Diaconis 1981, "On the histogram as a density estimator: L2
	// theory", Zeitschrift für Wahrscheinlichkeitstheorie und verwandte
	// Gebiete 57): ceil((max - min) / width) bins, at most [MaxBins], one
	// when the IQR or the range is 0. It is numpy.histogram_bin_edges with
	// bins="fd", quartiles by linear interpolation.
	FreedmanDiaconis BinRule = iota
	// GivenEdges bins by ConvertOptions.Edges.
	GivenEdges
)

var binRuleNames = []string{FreedmanDiaconis: "freedman-diaconis", GivenEdges: "edges"}

// String returns "freedman-diaconis" or "edges", or "BinRule(N)".
func (b BinRule) String() string { return enumName(b, binRuleNames, "BinRule") }

// MarshalText encodes the rule by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid value.
func (b BinRule) MarshalText() ([]byte, error) { return enumText(b, binRuleNames, "bin rule") }

// UnmarshalText decodes a rule name written by [BinRule.MarshalText].
func (b *BinRule) UnmarshalText(t []byte) error { return enumParse(b, t, binRuleNames, "bin rule") }

// A ConversionReport is the time deals took from one milestone to another
// ([ConvertOptions]), for all deals, per segment and per period of the
// start, each with the completed-only figures (PostHog's time to convert:
// the converted deals only) and the Kaplan-Meier quantiles that count the
// deals not converted yet as censored.
//
// Input.Counted = All.N + NotStarted + Untimed.
type ConversionReport struct {
	From      Milestone      `json:"from"`
	To        Milestone      `json:"to"`
	Visit     Visit          `json:"visit"`
	Segment   string         `json:"segment"`
	SegmentAt funnel.ValueAt `json:"segment_at"`
	// MaxSegments is the bound on the segments kept.
	MaxSegments int           `json:"max_segments"`
	Period      funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the rows' labels.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	AsOf     time.Time       `json:"-"` // JSON as_of, null when zero
	// Confidence and MinSample are the scan's: the level of the
	// intervals and the rule of every comparison.
	Confidence  float64      `json:"confidence"`
	MinSample   int64        `json:"min_sample"`
	Percentiles []float64    `json:"percentiles"`
	Input       funnel.Input `json:"input"`
	// NotStarted counts the deals that never reached From (never entered
	// its stage); Untimed those left out because a time was unknown (the
	// start, the end, a stage entry of To's stage, or the as-of time of an
	// open deal); Undatable those whose start falls in no period of years
	// 1 to 9999 (they are in All and the segments, not in Periods).
	NotStarted int64 `json:"not_started"`
	Untimed    int64 `json:"untimed"`
	Undatable  int64 `json:"undatable"`
	// All is every timed deal.
	All ConversionGroup `json:"all"`
	// Segments has one row per value of the Segment attribute, most
	// deals first (ties by value), then the "(other)" row of the folded
	// values, if any; each is compared with the rest of the deals.
	Segments []ConversionSegment `json:"segments"`
	// Periods has one row per period of the start (with ByPeriod), from
	// the first to the last with deals, the empty ones in between
	// included; each is compared with the period before.
	Periods []ConversionPeriod `json:"periods"`
}

// A ConversionGroup is the time to convert of a group of deals. N =
// Converted + Closed + Open.
type ConversionGroup struct {
	// N is the number of deals timed; Converted those that reached To;
	// Closed those closed (or excluded) without reaching it, censored
	// then; Open those open at the as-of time without reaching it,
	// censored there.
	N         int64 `json:"n"`
	Converted int64 `json:"converted"`
	Closed    int64 `json:"closed"`
	Open      int64 `json:"open"`
	// Completed summarises the durations of the converted deals only.
	Completed Completed `json:"completed"`
	// KaplanMeier has the quantile of the Kaplan-Meier curve (see
	// [Curve], [Curve.Quantile]) at each of the report's percentiles, with
	// its interval: the time by which that share of the deals would have
	// converted, counting those not converted (yet) as censored.
	KaplanMeier []Quantile `json:"kaplan_meier"`
	// Histogram bins the completed durations.
	Histogram Histogram `json:"histogram"`
}

// Completed summarises the completed (converted) durations of a group:
// count, mean, minimum, maximum and percentiles by linear interpolation
// between closest ranks (PERCENTILE.INC, numpy's default). Durations
// are whole seconds. When Count is 0 the figures are undefined: zero, and
// null in JSON.
type Completed struct {
	Count       int64         `json:"count"`
	Mean        time.Duration `json:"-"`
	Min         time.Duration `json:"-"`
	Max         time.Duration `json:"-"`
	Percentiles []Percentile  `json:"percentiles"`
}

// A Percentile is the P-th percentile (P in [0, 100]) of completed
// durations.
type Percentile struct {
	P  float64       `json:"p"`
	At time.Duration `json:"-"` // JSON at_seconds, null when undefined
	// Defined is false when there are no completed durations.
	Defined bool `json:"-"`
}

// A Histogram counts the completed durations of a group in bins.
type Histogram struct {
	Rule BinRule `json:"rule"`
	// Width is the bins' width under FreedmanDiaconis (the range divided
	// by the number of bins), 0 with given edges.
	Width time.Duration `json:"-"` // JSON width_seconds
	// Capped reports that the rule asked for more than MaxBins bins: the
	// range is then cut into MaxBins wider ones.
	Capped bool `json:"capped"`
	// Bins are in increasing order. Under FreedmanDiaconis each bin holds
	// the durations from Lo up to but not including Hi, the last one Hi
	// included; with given edges every bin excludes its Hi.
	Bins []Bin `json:"bins"`
	// Under and Over count the durations below the first edge and at or
	// above the last (given edges only).
	Under int64 `json:"under"`
	Over  int64 `json:"over"`
}

// A Bin is one bin of a [Histogram].
type Bin struct {
	Lo    time.Duration `json:"-"` // JSON lo_seconds
	Hi    time.Duration `json:"-"` // JSON hi_seconds
	Count int64         `json:"count"`
}

// A ConversionSegment is the time to convert of the deals of one segment
// value, compared with the rest of the deals.
type ConversionSegment struct {
	// Value is the attribute's value ("" when unknown); Other marks the
	// row of the values folded beyond MaxSegments (Value is then "").
	Value string          `json:"value"`
	Other bool            `json:"other"`
	Group ConversionGroup `json:"group"`
	// Versus compares the segment (A) with every other timed deal (B):
	// the log-rank test, its p-value adjusted over the report's segments.
	Versus DurationComparison `json:"versus"`
}

// A ConversionPeriod is the time to convert of the deals whose conversion
// started in one period, compared with the period before.
type ConversionPeriod struct {
	Start time.Time       `json:"start"`
	End   time.Time       `json:"end"`
	Label string          `json:"label"`
	Group ConversionGroup `json:"group"`
	// Previous compares the period (A) with the period before (B),
	// undefined on the first row: the log-rank test, its p-value adjusted
	// over the report's periods.
	Previous DurationComparison `json:"previous"`
}

// Report returns the time to convert of the deals added so far. It shares
// no memory with a. It returns an error wrapping [funnel.ErrInvalidParam]
// when ByPeriod is set and the starts span more than [MaxPeriods]
// periods.
func (a *Conversion) Report() (ConversionReport, error) {
	o := a.s.Options()
	level, minSample := a.s.Level(), a.s.MinSample()
	ps := a.opts.Percentiles
	if ps == nil {
		ps = defaultPercentiles
	}
	r := ConversionReport{From: a.opts.From, To: a.opts.To, Visit: a.opts.Visit, Segment: a.opts.Segment,
		SegmentAt: a.opts.SegmentAt, Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(), AsOf: o.AsOf,
		Confidence: level, MinSample: minSample, Percentiles: slices.Clone(ps), Input: a.in.Input(),
		NotStarted: a.notStarted, Untimed: a.untimed, Undatable: a.undatable,
		Segments: []ConversionSegment{}, Periods: []ConversionPeriod{}}
	if a.segs != nil {
		r.MaxSegments = a.segs.Max()
	}
	if a.overflow {
		first, _ := a.cal.start(a.lo)
		last, _ := a.cal.start(a.hi)
		return ConversionReport{}, fmt.Errorf("trend: conversions start over %d %s periods, %s to %s, more than %d: use a longer period: %w",
			a.hi-a.lo+1, o.Period, a.cal.label(first), a.cal.label(last), MaxPeriods, funnel.ErrInvalidParam)
	}
	mk := func(obs []int64) (ConversionGroup, []stat.Tie) {
		s := slices.Clone(obs)
		slices.Sort(s)
		t := convTies(s)
		return a.group(s, t, ps, level), t
	}
	var all []stat.Tie
	r.All, all = mk(a.all.obs)
	if a.segs != nil {
		var fam stat.Family
		add := func(value string, other bool, obs []int64) {
			g, t := mk(obs)
			row := ConversionSegment{Value: value, Other: other, Group: g, Versus: compareTies(t, stat.AppendWithout(nil, all, t), level, minSample)}
			r.Segments = append(r.Segments, row)
		}
		for _, k := range a.segs.Keys() {
			g, _ := a.segs.Get(k)
			add(k, false, g.obs)
		}
		if len(a.segs.Other().obs) > 0 {
			add("", true, a.segs.Other().obs)
		}
		slices.SortStableFunc(r.Segments, func(x, y ConversionSegment) int {
			if x.Other != y.Other {
				if x.Other {
					return 1
				}
				return -1
			}
			return cmp.Or(cmp.Compare(y.Group.N, x.Group.N), strings.Compare(x.Value, y.Value))
		})
		for i := range r.Segments {
			c := &r.Segments[i].Versus
			if c.Defined {
				fam.Add(c.PValue, func(q float64) { c.PAdjusted, c.Verdict = q, c.Verdict.Adjusted(q, level) })
			}
		}
		fam.Adjust()
	}
	if a.periods != nil && a.dated > 0 {
		var fam stat.Family
		start, _ := a.cal.start(a.lo)
		var prev []stat.Tie
		for n := 0; n <= MaxPeriods; n++ {
			k := a.cal.ordinal(start)
			if k > a.hi {
				break
			}
			end := a.cal.cal.Next(a.cal.per, start, o.Location)
			var obs []int64
			if g := a.periods[k]; g != nil {
				obs = g.obs
			}
			g, t := mk(obs)
			row := ConversionPeriod{Start: start, End: end, Label: a.cal.label(start), Group: g}
			if n > 0 {
				row.Previous = compareTies(t, prev, level, minSample)
			}
			r.Periods = append(r.Periods, row)
			prev, start = t, end
		}
		for i := range r.Periods {
			c := &r.Periods[i].Previous
			if c.Defined {
				fam.Add(c.PValue, func(q float64) { c.PAdjusted, c.Verdict = q, c.Verdict.Adjusted(q, level) })
			}
		}
		fam.Adjust()
	}
	return r, nil
}

// group computes the figures of sorted observations, whose ties are
// ties.
func (a *Conversion) group(obs []int64, ties []stat.Tie, ps []float64, level float64) ConversionGroup {
	g := ConversionGroup{N: int64(len(obs))}
	done := make([]int64, 0, len(obs))
	for _, o := range obs {
		switch o & (1<<obsBits - 1) {
		case obsEvent:
			done = append(done, o>>obsBits)
		case obsClosed:
			g.Closed++
		default:
			g.Open++
		}
	}
	g.Converted = int64(len(done))
	g.Completed = completedOf(done, ps)
	g.KaplanMeier = kmQuantiles(ties, level, ps)
	if a.opts.Edges != nil {
		g.Histogram = edgeHistogram(done, a.opts.Edges)
	} else {
		g.Histogram = fdHistogram(done)
	}
	return g
}

// completedOf summarises sorted durations in seconds.
func completedOf(x []int64, ps []float64) Completed {
	c := Completed{Count: int64(len(x)), Percentiles: make([]Percentile, 0, len(ps))}
	for _, p := range ps {
		pc := Percentile{P: p}
		if len(x) > 0 {
			pc.At, pc.Defined = percentileOf(x, p), true
		}
		c.Percentiles = append(c.Percentiles, pc)
	}
	if len(x) == 0 {
		return c
	}
	c.Min, c.Max = duration(x[0]), duration(x[len(x)-1])
	// the sum in 64 bits while it fits, in a big integer past that
	sum := new(big.Int)
	var part int64
	for _, v := range x {
		if part > math.MaxInt64-v {
			sum.Add(sum, big.NewInt(part))
			part = 0
		}
		part += v
	}
	sum.Add(sum, big.NewInt(part))
	// mean in nanoseconds, rounded half up: (2 sum 1e9 + n) / 2n
	n := big.NewInt(int64(len(x)))
	num := new(big.Int).Mul(sum, big.NewInt(2*int64(time.Second)))
	num.Add(num, n)
	num.Quo(num, new(big.Int).Mul(n, big.NewInt(2)))
	c.Mean = saturateDuration(num)
	return c
}

func saturateDuration(ns *big.Int) time.Duration {
	if ns.IsInt64() {
		return time.Duration(ns.Int64())
	}
	return math.MaxInt64
}

// percentileOf returns the p-th percentile (p in [0, 100]) of sorted
// durations in seconds, by linear interpolation between closest ranks.
func percentileOf(x []int64, p float64) time.Duration {
	h := p / 100 * float64(len(x)-1)
	lo := int(math.Floor(h))
	lo = min(max(lo, 0), len(x)-1)
	frac := h - float64(lo)
	base := duration(x[lo])
	if frac <= 0 || lo+1 >= len(x) {
		return base
	}
	extra := math.Round(frac * float64(x[lo+1]-x[lo]) * float64(time.Second))
	if extra >= float64(math.MaxInt64-base) {
		return math.MaxInt64
	}
	return base + time.Duration(extra)
}

// quartile returns the p-th percentile of sorted seconds as float seconds.
func quartile(x []int64, p float64) float64 {
	h := p * float64(len(x)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(x) {
		return float64(x[len(x)-1])
	}
	return float64(x[lo]) + (h-float64(lo))*float64(x[lo+1]-x[lo])
}

// fdHistogram bins sorted durations in seconds by the Freedman-Diaconis
// rule.
func fdHistogram(x []int64) Histogram {
	h := Histogram{Rule: FreedmanDiaconis, Bins: []Bin{}}
	n := len(x)
	if n == 0 {
		return h
	}
	lo, span := x[0], x[n-1]-x[0]
	width := 2 * (quartile(x, 0.75) - quartile(x, 0.25)) / math.Cbrt(float64(n))
	bins := 1
	if span > 0 && width > 0 {
		b := math.Ceil(float64(span) / width)
		if b > MaxBins {
			bins, h.Capped = MaxBins, true
		} else {
			bins = max(int(b), 1)
		}
	}
	// edge i: lo + span i / bins seconds, in nanoseconds rounded down
	edge := func(i int) time.Duration {
		v := new(big.Int).Mul(big.NewInt(span), big.NewInt(int64(i)*int64(time.Second)))
		v.Quo(v, big.NewInt(int64(bins)))
		v.Add(v, new(big.Int).Mul(big.NewInt(lo), big.NewInt(int64(time.Second))))
		return saturateDuration(v)
	}
	h.Width = edge(1) - edge(0)
	h.Bins = make([]Bin, bins)
	for i := range h.Bins {
		h.Bins[i] = Bin{Lo: edge(i), Hi: edge(i + 1)}
	}
	for _, v := range x {
		i := 0
		if span > 0 {
			// floor((v - lo) bins / span), exactly
			hi, low := bits.Mul64(uint64(v-lo), uint64(bins))
			q, _ := bits.Div64(hi, low, uint64(span))
			i = min(int(q), bins-1)
		}
		h.Bins[i].Count++
	}
	return h
}

// edgeHistogram bins sorted durations in seconds by the given edges.
func edgeHistogram(x []int64, edges []time.Duration) Histogram {
	h := Histogram{Rule: GivenEdges, Bins: make([]Bin, len(edges)-1)}
	for i := range h.Bins {
		h.Bins[i] = Bin{Lo: edges[i], Hi: edges[i+1]}
	}
	for _, v := range x {
		d := duration(v)
		// the number of edges at or below d
		i, found := slices.BinarySearch(edges, d)
		if found {
			i++
		}
		switch {
		case i == 0:
			h.Under++
		case i == len(edges):
			h.Over++
		default:
			h.Bins[i-1].Count++
		}
	}
	return h
}

type conversionReportJSON struct {
	conversionReportAlias
	AsOf *time.Time `json:"as_of"`
}

type conversionReportAlias ConversionReport

// MarshalJSON encodes the report in the library's JSON style.
func (r ConversionReport) MarshalJSON() ([]byte, error) {
	if r.Segments == nil {
		r.Segments = []ConversionSegment{}
	}
	if r.Periods == nil {
		r.Periods = []ConversionPeriod{}
	}
	if r.Percentiles == nil {
		r.Percentiles = []float64{}
	}
	return json.Marshal(conversionReportJSON{conversionReportAlias(r), timePtr(r.AsOf)})
}

// UnmarshalJSON decodes a report written by [ConversionReport.MarshalJSON].
func (r *ConversionReport) UnmarshalJSON(b []byte) error {
	var o conversionReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = ConversionReport(o.conversionReportAlias)
	r.AsOf = timeOf(o.AsOf)
	return nil
}

type groupJSON ConversionGroup

// MarshalJSON encodes the group with [] for empty lists.
func (g ConversionGroup) MarshalJSON() ([]byte, error) {
	if g.KaplanMeier == nil {
		g.KaplanMeier = []Quantile{}
	}
	return json.Marshal(groupJSON(g))
}

type completedJSON struct {
	Count       int64        `json:"count"`
	Mean        *json.Number `json:"mean_seconds"`
	Min         *json.Number `json:"min_seconds"`
	Max         *json.Number `json:"max_seconds"`
	Percentiles []Percentile `json:"percentiles"`
}

// MarshalJSON encodes the summary with durations in seconds, null when
// Count is 0.
func (c Completed) MarshalJSON() ([]byte, error) {
	o := completedJSON{Count: c.Count, Percentiles: c.Percentiles}
	if o.Percentiles == nil {
		o.Percentiles = []Percentile{}
	}
	if c.Count > 0 {
		o.Mean, o.Min, o.Max = secs(c.Mean), secs(c.Min), secs(c.Max)
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a summary written by [Completed.MarshalJSON].
func (c *Completed) UnmarshalJSON(b []byte) error {
	var o completedJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := Completed{Count: o.Count, Percentiles: o.Percentiles}
	if o.Count > 0 {
		if o.Mean == nil || o.Min == nil || o.Max == nil {
			return fmt.Errorf("trend: completed durations of %d without a figure: %w", o.Count, funnel.ErrInvalidParam)
		}
		var err error
		for _, f := range []struct {
			dst *time.Duration
			src *json.Number
		}{{&out.Mean, o.Mean}, {&out.Min, o.Min}, {&out.Max, o.Max}} {
			if *f.dst, err = parseSecs(f.src); err != nil {
				return err
			}
		}
	}
	*c = out
	return nil
}

type percentileJSON struct {
	P  float64      `json:"p"`
	At *json.Number `json:"at_seconds"`
}

// MarshalJSON encodes the percentile with its time in seconds, null when
// undefined.
func (p Percentile) MarshalJSON() ([]byte, error) {
	o := percentileJSON{P: p.P}
	if p.Defined {
		o.At = secs(p.At)
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a percentile written by [Percentile.MarshalJSON].
func (p *Percentile) UnmarshalJSON(b []byte) error {
	var o percentileJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	at, err := parseSecs(o.At)
	if err != nil {
		return err
	}
	*p = Percentile{P: o.P, At: at, Defined: o.At != nil}
	return nil
}

type histogramJSON struct {
	histogramAlias
	Width *json.Number `json:"width_seconds"`
}

type histogramAlias Histogram

// MarshalJSON encodes the histogram with its width in seconds and [] for
// no bins.
func (h Histogram) MarshalJSON() ([]byte, error) {
	if h.Bins == nil {
		h.Bins = []Bin{}
	}
	return json.Marshal(histogramJSON{histogramAlias(h), secs(h.Width)})
}

// UnmarshalJSON decodes a histogram written by [Histogram.MarshalJSON].
func (h *Histogram) UnmarshalJSON(b []byte) error {
	var o histogramJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	w, err := parseSecs(o.Width)
	if err != nil {
		return err
	}
	*h = Histogram(o.histogramAlias)
	h.Width = w
	return nil
}

type binJSON struct {
	Lo    *json.Number `json:"lo_seconds"`
	Hi    *json.Number `json:"hi_seconds"`
	Count int64        `json:"count"`
}

// MarshalJSON encodes the bin with its bounds in seconds.
func (b Bin) MarshalJSON() ([]byte, error) {
	return json.Marshal(binJSON{secs(b.Lo), secs(b.Hi), b.Count})
}

// UnmarshalJSON decodes a bin written by [Bin.MarshalJSON].
func (b *Bin) UnmarshalJSON(data []byte) error {
	var o binJSON
	if err := json.Unmarshal(data, &o); err != nil {
		return err
	}
	lo, err := parseSecs(o.Lo)
	if err != nil {
		return err
	}
	hi, err := parseSecs(o.Hi)
	if err != nil {
		return err
	}
	*b = Bin{Lo: lo, Hi: hi, Count: o.Count}
	return nil
}
