package drivers

import (
	"cmp"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/capped"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
	"github.com/funnelmetrics/funnel/internal/stat"
)

// A Report holds the drivers of converting at one step and of stalling in
// its stage. Input.Counted = Conversion.Deals + Conversion.Excluded +
// Outside when Stall is zero; with Stall, a deal can be in both tables,
// and one open in Stage without counting as having reached it (under the
// scan's policy and window) is in the stalling table only.
type Report struct {
	// Stage is the step's start and To its end: the next stage, or "won".
	Stage funnel.Stage `json:"stage"`
	To    funnel.Stage `json:"to"`
	// Stall is the stalling threshold (zero: no stalling analysis).
	Stall   time.Duration  `json:"-"` // JSON stall_seconds
	ValueAt funnel.ValueAt `json:"value_at"`
	Pairs   bool           `json:"pairs"`
	// Keys are the keys asked for, empty for the built-in ones and the
	// custom ones found; MaxKeys, MaxValues and MaxPairs the caps in
	// force.
	Keys      []string  `json:"keys"`
	MaxKeys   int       `json:"max_keys"`
	MaxValues int       `json:"max_values"`
	MaxPairs  int       `json:"max_pairs"`
	AsOf      time.Time `json:"-"` // JSON as_of, null when zero
	// Confidence, MinSample and Method are the scan's test: the rule of
	// every driver's comparison and interval.
	Confidence float64       `json:"confidence"`
	MinSample  int64         `json:"min_sample"`
	Method     funnel.Method `json:"method"`
	Input      funnel.Input  `json:"input"`
	// Outside counts the deals in neither table and not pending: they did
	// not reach Stage (and are not open in it).
	Outside int64 `json:"outside"`
	// Conversion is the table of converting at the step: the deals that
	// reached Stage, decided (converted, or not converted and no longer
	// pending); Excluded counts those still pending.
	Conversion Table `json:"conversion"`
	// Stalling is the table of stalling: the deals open in Stage at the
	// as-of time; an event is a deal that has been in it longer than
	// Stall. Excluded counts those whose entry time is unknown.
	Stalling Table `json:"stalling"`
}

// A Table ranks the features (attribute values and pairs) of one
// population of deals by how they go with an event (converting,
// stalling).
type Table struct {
	// Deals is the population, Events the deals with the event, and Rate
	// Events / Deals with its Wilson interval.
	Deals  int64       `json:"deals"`
	Events int64       `json:"events"`
	Rate   funnel.Rate `json:"rate"`
	// Excluded counts the deals left out of the population (see
	// [Report]).
	Excluded int64 `json:"excluded"`
	// NotAnalysed counts the values of custom keys beyond MaxKeys that the
	// population's deals had (one per deal and key): they are in no
	// feature.
	NotAnalysed int64 `json:"not_analysed"`
	// Drivers has one row per feature that some deal of the population
	// has: the tested ones by increasing adjusted p-value, then raw
	// p-value, then decreasing |ln odds ratio|, then by key and value;
	// then the
	// untested ones (every deal, or none, of the population has the
	// feature).
	Drivers []Driver `json:"drivers"`
}

// A Driver is one feature of the deals (an attribute value, or a pair of
// values of two keys) and how it goes with the event of its [Table].
type Driver struct {
	// Key and Value are the attribute and its value ("" when unknown);
	// Other marks the feature of the values folded beyond the caps (the
	// values of Key after MaxValues, or, for a pair, the value pairs of
	// Key and Key2 after MaxPairs), whose Value (and Value2) are then "".
	Key   string `json:"key"`
	Value string `json:"value"`
	// Pair marks a pair of values: Key=Value and Key2=Value2.
	Pair   bool   `json:"pair"`
	Key2   string `json:"key2"`
	Value2 string `json:"value2"`
	Other  bool   `json:"other"`
	// With is the events among the deals with the feature, Without among
	// the rest of the population: the two rows of the 2x2 table.
	With    funnel.Rate `json:"with"`
	Without funnel.Rate `json:"without"`
	// OddsRatio is the odds of the event with the feature against without
	// it, (a d) / (b c) for the table [[a, b], [c, d]] of events and
	// non-events with and without, and Interval bounds it by Woolf's
	// logit method at the scan's confidence level: exp(ln OR ± z sqrt(1/a
	// + 1/b + 1/c + 1/d)) (Woolf 1955, "On estimating the relation between
	// blood group and disease", Annals of Human Genetics 19). Corrected
	// reports that a cell was zero and 0.5 was added to each (Haldane
	// 1956), so that both stay finite. Zero, with the interval undefined,
	// when the test is not defined.
	OddsRatio float64         `json:"odds_ratio"`
	Interval  funnel.Interval `json:"interval"`
	Corrected bool            `json:"corrected"`
	// Comparison tests With against Without with [funnel.CompareRates]
	// under the scan's Test (z-test or Fisher's exact test by Cochran's
	// rule, verdict withheld under the minimum sample); its PValue is that
	// of the feature tested alone, its PAdjusted and Verdict those of the
	// table's family (PAdjusted and Verdict below).
	Comparison funnel.Comparison `json:"comparison"`
	// PAdjusted is the p-value adjusted by Benjamini-Hochberg over every
	// tested feature of the table (as
	// [github.com/funnelmetrics/funnel/trend.Adjust]), and Verdict the
	// comparison's verdict on it: higher (the event goes with the
	// feature), lower, no difference or withheld.
	PAdjusted float64        `json:"p_adjusted"`
	Verdict   funnel.Verdict `json:"verdict"`
}

// Report returns the drivers of the deals added so far. It shares no
// memory with a.
func (a *Drivers) Report() Report {
	o := a.s.Options()
	r := Report{Stage: a.opts.Stage, To: funnel.Stage(funnel.Won.String()), Stall: a.opts.Stall, ValueAt: a.opts.ValueAt,
		Pairs: a.opts.Pairs, Keys: slices.Clone(a.opts.Keys), MaxValues: a.maxVals, AsOf: o.AsOf,
		Confidence: a.s.Level(), MinSample: a.s.MinSample(), Method: o.Test.Method, Input: a.in.Input(), Outside: a.outside}
	if r.Keys == nil {
		r.Keys = []string{}
		r.MaxKeys = a.custom.Max()
	}
	if a.pairs != nil {
		r.MaxPairs = a.maxPairs
	}
	if a.next < a.s.Funnel().Len() {
		r.To = a.s.Funnel().Stage(a.next)
	}
	type feat struct {
		d Driver
		c counts
	}
	var feats []feat
	values := func(d Driver, m *capped.Map[counts], pair bool) {
		for _, v := range m.Keys() {
			c, _ := m.Get(v)
			f := d
			if pair {
				f.Value, f.Value2, _ = split2(v)
			} else {
				f.Value = v
			}
			feats = append(feats, feat{f, *c})
		}
		if c := m.Other(); *c != (counts{}) {
			f := d
			f.Other = true
			feats = append(feats, feat{f, *c})
		}
	}
	var dropped counts
	for _, key := range a.fixedKeys {
		values(Driver{Key: key}, a.fixed[key].values, false)
	}
	if a.custom != nil {
		for _, key := range a.custom.Keys() {
			kd, _ := a.custom.Get(key)
			values(Driver{Key: key}, kd.values, false)
		}
		dropped = a.custom.Other().dropped
	}
	if a.pairs != nil {
		for _, pk := range slices.Sorted(maps.Keys(a.pairs)) {
			k1, k2, _ := split2(pk)
			values(Driver{Key: k1, Key2: k2, Pair: true}, a.pairs[pk].values, true)
		}
	}
	conv := make([]counts2, len(feats))
	stall := make([]counts2, len(feats))
	drivers := make([]Driver, len(feats))
	for i, f := range feats {
		drivers[i] = f.d
		conv[i] = counts2{f.c.conv, f.c.notConv}
		stall[i] = counts2{f.c.stall, f.c.notStall}
	}
	test := o.Test
	r.Conversion = a.table(a.conv, a.notConv, a.pending, dropped.conv+dropped.notConv, drivers, conv, test)
	r.Stalling = a.table(a.stall, a.notStall, a.untime, dropped.stall+dropped.notStall, drivers, stall, test)
	return r
}

// counts2 are a feature's events and non-events in one table.
type counts2 struct{ yes, no int64 }

// table builds one table from the features' counts.
func (a *Drivers) table(yes, no, excluded, notAnalysed int64, features []Driver, c []counts2, test funnel.Test) Table {
	level := a.s.Level()
	n := yes + no
	ratio := funnel.Ratio{Num: yes, Den: n}
	iv, _ := ratio.Wilson(funnel.Confidence(level))
	t := Table{Deals: n, Events: yes, Rate: funnel.Rate{Ratio: ratio, Interval: iv}, Excluded: excluded, NotAnalysed: notAnalysed, Drivers: []Driver{}}
	z := stat.Z(level)
	rate := func(r funnel.Ratio) funnel.Rate {
		iv, _ := r.Wilson(funnel.Confidence(level))
		return funnel.Rate{Ratio: r, Interval: iv}
	}
	var p []float64
	var tested []int
	for i, f := range features {
		x := c[i]
		if x.yes+x.no == 0 {
			continue
		}
		d := f
		d.With = rate(funnel.Ratio{Num: x.yes, Den: x.yes + x.no})
		d.Without = rate(funnel.Ratio{Num: yes - x.yes, Den: n - x.yes - x.no})
		d.Comparison, _ = funnel.CompareRates(d.With.Ratio, d.Without.Ratio, test) // counts and test are valid
		d.Verdict = funnel.Withheld
		if d.Comparison.Defined {
			or := stat.OddsRatioWoolf(x.yes, x.no, yes-x.yes, no-x.no, z)
			d.OddsRatio, d.Corrected = or.Value, or.Corrected
			d.Interval = funnel.Interval{Lo: or.Lo, Hi: or.Hi, Confidence: level, Defined: true}
			p = append(p, d.Comparison.PValue)
			tested = append(tested, len(t.Drivers))
		}
		t.Drivers = append(t.Drivers, d)
	}
	for j, q := range stat.BH(p) {
		d := &t.Drivers[tested[j]]
		d.PAdjusted = q
		d.Verdict = d.Comparison.Verdict.Adjusted(q, level)
		d.Comparison.PAdjusted, d.Comparison.Verdict = q, d.Verdict
	}
	slices.SortStableFunc(t.Drivers, compareDrivers)
	return t
}

// compareDrivers orders the drivers of a table: tested first, by
// adjusted p-value, then by strength, then by name.
func compareDrivers(x, y Driver) int {
	if x.Comparison.Defined != y.Comparison.Defined {
		if x.Comparison.Defined {
			return -1
		}
		return 1
	}
	if x.Comparison.Defined {
		if c := cmp.Or(cmp.Compare(x.PAdjusted, y.PAdjusted), cmp.Compare(x.Comparison.PValue, y.Comparison.PValue)); c != 0 {
			return c
		}
		if c := cmp.Compare(math.Abs(math.Log(y.OddsRatio)), math.Abs(math.Log(x.OddsRatio))); c != 0 {
			return c
		}
	}
	return cmp.Or(cmp.Compare(b2i(x.Pair), b2i(y.Pair)), strings.Compare(x.Key, y.Key), strings.Compare(x.Key2, y.Key2),
		cmp.Compare(b2i(x.Other), b2i(y.Other)), strings.Compare(x.Value, y.Value), strings.Compare(x.Value2, y.Value2))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

type reportJSON struct {
	reportAlias
	Stall *json.Number `json:"stall_seconds"`
	AsOf  *time.Time   `json:"as_of"`
}

type reportAlias Report

// MarshalJSON encodes the report in the library's JSON style.
func (r Report) MarshalJSON() ([]byte, error) {
	if r.Keys == nil {
		r.Keys = []string{}
	}
	for _, t := range []*Table{&r.Conversion, &r.Stalling} {
		if t.Drivers == nil {
			t.Drivers = []Driver{}
		}
	}
	o := reportJSON{reportAlias: reportAlias(r), Stall: jsonstyle.SecondsPtr(r.Stall)}
	if !r.AsOf.IsZero() {
		o.AsOf = &r.AsOf
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a report written by [Report.MarshalJSON].
func (r *Report) UnmarshalJSON(b []byte) error {
	var o reportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	stall, err := jsonstyle.ParseSecondsPtr(o.Stall, "drivers", funnel.ErrInvalidParam)
	if err != nil {
		return err
	}
	*r = Report(o.reportAlias)
	r.Stall = stall
	r.AsOf = time.Time{}
	if o.AsOf != nil {
		r.AsOf = *o.AsOf
	}
	return nil
}
