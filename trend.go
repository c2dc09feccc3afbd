package funnel

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// A TrendBasis says which date puts a deal in a period of a trend. The zero
// TrendBasis is [TrendCreated].
type TrendBasis int8

// The trend bases.
const (
	// TrendCreated groups deals by creation time: each period is a
	// creation cohort, whose open deals are still pending.
	TrendCreated TrendBasis = iota
	// TrendClosed groups closed deals by close time (what was won and lost
	// in the period); open deals are left out.
	TrendClosed
)

// TrendOptions configure [Trend].
type TrendOptions struct {
	// Options are the options of each period's [Tally]; Options.Period
	// and Options.Location also define the trend's periods.
	Options Options
	Basis   TrendBasis
	// From and To, when not zero, limit the trend to the periods that
	// hold From through To, empty ones included. Zero From (To) starts
	// (ends) with the first (last) period that has deals.
	From, To time.Time
}

// A TrendPeriod is the report of the deals of one period.
type TrendPeriod struct {
	Start  time.Time
	Report Report
}

// A TrendSeries holds one report per period, in time order, with no gaps.
type TrendSeries struct {
	Period   Period
	Location *time.Location
	Basis    TrendBasis
	Periods  []TrendPeriod
	// Outside counts valid deals in no period: outside From-To, without
	// the basis date (unknown creation time, or open under TrendClosed).
	Outside int64
	// Skipped counts invalid deals skipped in Lenient mode.
	Skipped int64
}

type trendRange struct {
	start, end int64
	t          *Tally
}

// Trend computes a [Report] per period (week, month, quarter ... in a time
// zone) of the deals' creation or close time, in one pass. Use
// [TrendSeries.Metric] for a metric's values with their changes, and
// [TrendSeries.Cohorts] for creation cohorts.
//
// It returns the errors of [NewTally], an error wrapping [ErrInvalidParam]
// for an invalid basis or To before From, and, in Strict mode, the
// [*DealError] of the first invalid deal.
func Trend(f *Funnel, deals iter.Seq[Deal], opts TrendOptions) (TrendSeries, error) {
	proto, err := NewTally(f, opts.Options)
	if err != nil {
		return TrendSeries{}, err
	}
	if opts.Basis != TrendCreated && opts.Basis != TrendClosed {
		return TrendSeries{}, fmt.Errorf("funnel: trend basis %d: %w", opts.Basis, ErrInvalidParam)
	}
	if !opts.From.IsZero() && !opts.To.IsZero() && opts.To.Before(opts.From) {
		return TrendSeries{}, fmt.Errorf("funnel: trend from %v to %v: %w", opts.From, opts.To, ErrInvalidParam)
	}
	per, loc := opts.Options.Period, proto.loc
	s := TrendSeries{Period: per, Location: loc, Basis: opts.Basis}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !opts.From.IsZero() {
		lo = per.Start(opts.From, loc).Unix()
	}
	if !opts.To.IsZero() {
		hi = per.next(per.Start(opts.To, loc)).Unix()
	}
	tallies := map[int32]*Tally{}
	var ranges []trendRange
	var p parsedDeal
	for d := range deals {
		at := d.Created
		if opts.Basis == TrendClosed {
			at = d.Closed
		}
		sec := at.Unix()
		if at.IsZero() || sec < lo || sec >= hi {
			err := d.parse(f, &p, false)
			if err == nil && d.Currency != opts.Options.Currency {
				err = &DealError{ID: d.ID, Field: "Currency", Err: ErrCurrencyMismatch}
			}
			if err != nil {
				if opts.Options.Mode == Strict {
					return TrendSeries{}, err
				}
				s.Skipped++
				continue
			}
			s.Outside++
			continue
		}
		// binary search of the period's range, as Tally.period does
		i, j := 0, len(ranges)
		var t *Tally
		for i < j {
			h := int(uint(i+j) >> 1)
			switch r := &ranges[h]; {
			case sec < r.start:
				j = h
			case sec >= r.end:
				i = h + 1
			default:
				t, i, j = r.t, h, h
			}
		}
		if t == nil {
			k := per.key(at.In(loc))
			t = tallies[k]
			if t == nil {
				t, _ = NewTally(f, opts.Options)
				tallies[k] = t
			}
			start := per.keyStart(k, loc)
			ranges = slices.Insert(ranges, i, trendRange{start.Unix(), per.next(start).Unix(), t})
		}
		if err := t.Add(d); err != nil {
			if opts.Options.Mode == Strict {
				return TrendSeries{}, err
			}
			s.Skipped++
		}
	}
	var first, last time.Time
	switch {
	case !opts.From.IsZero():
		first = per.Start(opts.From, loc)
	case len(tallies) > 0:
		first = per.keyStart(slices.Min(sortedKeys(tallies)), loc)
	}
	switch {
	case !opts.To.IsZero():
		last = per.Start(opts.To, loc)
	case len(tallies) > 0:
		last = per.keyStart(slices.Max(sortedKeys(tallies)), loc)
	}
	if first.IsZero() || last.IsZero() {
		return s, nil
	}
	for start := first; !start.After(last); start = per.next(start) {
		t := tallies[per.key(start)]
		if t == nil {
			t = proto
		}
		s.Periods = append(s.Periods, TrendPeriod{Start: start, Report: t.Report()})
	}
	return s, nil
}

// A TrendKind says what a [TrendValue] measures, and so how its changes
// are tested.
type TrendKind int8

// The trend value kinds.
const (
	TrendRate   TrendKind = iota // a proportion, in Rate
	TrendCount                   // a number of deals
	TrendAmount                  // money
	TrendDays                    // a duration in days
)

// A TrendValue is the value of a metric in one period. OK is false when
// the metric is undefined there (a rate over no deals, a mean of none).
type TrendValue struct {
	Kind TrendKind
	// Rate is the proportion of a TrendRate value; Value is its fraction
	// rounded to 10 places, or the count, amount or days.
	Rate  Ratio
	Value decimal.Decimal
	OK    bool
}

// A TrendMetric names a metric and extracts it from a report.
type TrendMetric struct {
	Name  string
	Value func(Report) TrendValue
}

func rateValue(r Ratio) TrendValue {
	v := TrendValue{Kind: TrendRate, Rate: r, OK: r.Defined()}
	if v.OK {
		v.Value = decimal.NewFromInt(r.Num).DivRound(decimal.NewFromInt(r.Den), divScale)
	}
	return v
}

// Predefined trend metrics.
var (
	// TrendWinRate is the closed-basis win rate, W / (W + L).
	TrendWinRate = TrendMetric{"win rate", func(r Report) TrendValue { return rateValue(r.WinRate) }}
	// TrendWinRateCreated is won / created (lead-to-customer conversion of
	// a creation cohort).
	TrendWinRateCreated = TrendMetric{"won / created", func(r Report) TrendValue { return rateValue(r.WinRateCreated) }}
	// TrendDeals is the number of deals in the period (leads created,
	// under TrendCreated; deals closed, under TrendClosed).
	TrendDeals = TrendMetric{"deals", func(r Report) TrendValue {
		return TrendValue{Kind: TrendCount, Value: decimal.NewFromInt(r.Deals), OK: true}
	}}
	// TrendWon is the number of deals won.
	TrendWon = TrendMetric{"won", func(r Report) TrendValue {
		return TrendValue{Kind: TrendCount, Value: decimal.NewFromInt(r.Won), OK: true}
	}}
	// TrendWonAmount is the total amount won.
	TrendWonAmount = TrendMetric{"won amount", func(r Report) TrendValue {
		return TrendValue{Kind: TrendAmount, Value: r.DealSize.Total, OK: true}
	}}
	// TrendDealSize is the mean won amount.
	TrendDealSize = TrendMetric{"deal size", func(r Report) TrendValue {
		return TrendValue{Kind: TrendAmount, Value: r.DealSize.Mean, OK: r.DealSize.Count > 0}
	}}
	// TrendCycleDays is the mean sales cycle of won deals, in days.
	TrendCycleDays = TrendMetric{"cycle days", func(r Report) TrendValue {
		return TrendValue{Kind: TrendDays, Value: durationDays(r.CycleWon.Mean), OK: r.CycleWon.Count > 0}
	}}
)

// TrendStepConversion returns the metric of the step conversion into stage
// s ("won" for the won row).
func TrendStepConversion(s Stage) TrendMetric {
	return TrendMetric{"conversion to " + string(s), func(r Report) TrendValue {
		for _, row := range r.Funnel {
			if row.Stage == s {
				return rateValue(row.Step)
			}
		}
		return TrendValue{Kind: TrendRate}
	}}
}

// A TrendChange compares a period's value with a base period's.
type TrendChange struct {
	// Start is the base period's start; OK is false when the base period
	// is not in the series or either value is undefined.
	Start time.Time
	Base  TrendValue
	OK    bool
	// Delta is value - base (fractions for rates: 0.05 is 5 points), and
	// Relative is Delta / base, when base is not zero (RelativeOK).
	Delta      decimal.Decimal
	Relative   decimal.Decimal
	RelativeOK bool
	// Tested is true when the change could be tested (see
	// [TrendSeries.Metric]); PValue is then its two-sided p-value and
	// Significant is PValue < 1 - confidence.
	Tested      bool
	PValue      float64
	Significant bool
}

// A TrendRow is one period of a metric's trend.
type TrendRow struct {
	Start time.Time
	Value TrendValue
	// Previous compares with the period before, YearAgo with the same
	// period a year before (52 weeks before, for weeks; for days, the same
	// date, with 1 March standing for 29 February).
	Previous, YearAgo TrendChange
}

// trendMinSample is the smallest sample per side for a tested change
// (Amplitude: n > 30, n p >= 5, n (1 - p) >= 5).
const trendMinSample = 30

// Metric returns the metric's value in every period, with its change
// against the previous period and against the same period a year before.
// Changes of rates are tested with the pooled two-proportion z-test, when
// both sides have more than 30 deals and at least 5 successes and 5
// failures (Amplitude's rule); changes of counts with the conditional test
// of two Poisson rates (the count a of the period given a + b is binomial
// with p = its share of the two periods' length; Przyborowski and Wilenski
// 1940), by its normal approximation when both expected counts are at least
// 5. Amounts and days are not tested. Confidence zero means 0.95; an
// invalid one is treated as 0.95.
func (s TrendSeries) Metric(m TrendMetric, confidence float64) []TrendRow {
	conf, err := confidenceOr(confidence)
	if err != nil {
		conf = 0.95
	}
	index := make(map[int64]int, len(s.Periods))
	for i, p := range s.Periods {
		index[p.Start.Unix()] = i
	}
	values := make([]TrendValue, len(s.Periods))
	for i, p := range s.Periods {
		values[i] = m.Value(p.Report)
	}
	rows := make([]TrendRow, len(s.Periods))
	for i, p := range s.Periods {
		rows[i] = TrendRow{Start: p.Start, Value: values[i]}
		end := s.Period.next(p.Start)
		if i > 0 {
			rows[i].Previous = change(values[i], values[i-1], s.Periods[i-1].Start, p.Start, end, conf, s.Period)
		}
		ago := p.Start.AddDate(-1, 0, 0)
		if s.Period == Week {
			ago = p.Start.AddDate(0, 0, -52*7)
		}
		ago = s.Period.Start(ago, s.Location)
		rows[i].YearAgo.Start = ago
		if j, ok := index[ago.Unix()]; ok {
			rows[i].YearAgo = change(values[i], values[j], ago, p.Start, end, conf, s.Period)
		}
	}
	return rows
}

// change compares v (the period [start, end)) with base (the period that
// starts at baseStart).
func change(v, base TrendValue, baseStart, start, end time.Time, conf float64, per Period) TrendChange {
	c := TrendChange{Start: baseStart, Base: base}
	if !v.OK || !base.OK {
		return c
	}
	c.OK = true
	c.Delta = v.Value.Sub(base.Value)
	if !base.Value.IsZero() {
		c.Relative, c.RelativeOK = c.Delta.DivRound(base.Value, divScale), true
	}
	var z float64
	switch v.Kind {
	case TrendRate:
		z, c.Tested = twoProportionZ(v.Rate, base.Rate)
	case TrendCount:
		a, b := v.Value.IntPart(), base.Value.IntPart()
		la := float64(end.Sub(start))
		lb := float64(per.next(baseStart).Sub(baseStart))
		z, c.Tested = poissonZ(a, b, la/(la+lb))
	}
	if c.Tested {
		c.PValue = math.Erfc(math.Abs(z) / math.Sqrt2)
		c.Significant = c.PValue < 1-conf
	}
	return c
}

// twoProportionZ returns the pooled two-proportion z statistic of a
// against b, and false when a side is too small to test.
func twoProportionZ(a, b Ratio) (float64, bool) {
	enough := func(r Ratio) bool {
		return r.Den > trendMinSample && r.Num >= 5 && r.Den-r.Num >= 5
	}
	if !enough(a) || !enough(b) {
		return 0, false
	}
	pa, pb := float64(a.Num)/float64(a.Den), float64(b.Num)/float64(b.Den)
	p := float64(a.Num+b.Num) / float64(a.Den+b.Den)
	se := math.Sqrt(p * (1 - p) * (1/float64(a.Den) + 1/float64(b.Den)))
	return (pa - pb) / se, true
}

// poissonZ returns the z statistic of count a given a + b events when a's
// expected share is share, and false when an expected count is below 5.
func poissonZ(a, b int64, share float64) (float64, bool) {
	n := float64(a + b)
	if n*share < 5 || n*(1-share) < 5 {
		return 0, false
	}
	return (float64(a) - n*share) / math.Sqrt(n*share*(1-share)), true
}

// A CohortRow is one creation cohort: the deals created in a period and
// what became of them so far (Close.com's "created in period"
// cohorting). Open deals are pending (right-censored): they are
// neither won nor lost yet.
type CohortRow struct {
	Start                    time.Time
	Created, Won, Lost, Open int64
	// WinRate is W / (W + L), over the decided deals; Conversion is
	// W / created, which rises while open deals are still being won.
	WinRate, Conversion Ratio
	// Reached and Pending have one entry per funnel row (stages, then
	// won): the cohort's deals that reached the row, and those still
	// pending at the step into it.
	Reached, Pending []int64
}

// Cohorts returns the series' periods as creation cohorts. It is meant for
// a [TrendCreated] series; under TrendClosed no deal is open.
func (s TrendSeries) Cohorts() []CohortRow {
	rows := make([]CohortRow, 0, len(s.Periods))
	for _, p := range s.Periods {
		r := p.Report
		c := CohortRow{Start: p.Start, Created: r.Deals, Won: r.Won, Lost: r.Lost, Open: r.Open,
			WinRate: r.WinRate, Conversion: r.WinRateCreated}
		for _, row := range r.Funnel {
			c.Reached = append(c.Reached, row.Reached)
			c.Pending = append(c.Pending, row.Pending)
		}
		rows = append(rows, c)
	}
	return rows
}

// SurvivalData accumulates durations to an event, some of them censored
// (the event has not happened yet), for a Kaplan-Meier curve. It keeps
// every duration (8 bytes each).
//
// The zero SurvivalData is empty and ready to use. A SurvivalData is not
// safe for concurrent mutation: give each goroutine its own and Merge
// them.
type SurvivalData struct {
	// obs holds 2 × seconds, plus 1 for a censored duration, so that
	// sorting orders by time, events first.
	obs []int64
	// Untimed counts the units left out because a time was unknown.
	Untimed int64
}

// Add adds one duration, truncated to whole seconds; event is false for a
// censored one. A negative duration counts as zero.
func (s *SurvivalData) Add(d time.Duration, event bool) {
	s.add(int64(d/time.Second), event)
}

// Merge adds every duration of o to s. o is not modified.
func (s *SurvivalData) Merge(o *SurvivalData) {
	s.obs = append(s.obs, o.obs...)
	s.Untimed += o.Untimed
}

// Count returns the number of durations added.
func (s *SurvivalData) Count() int64 { return int64(len(s.obs)) }

// A SurvivalPoint is one step of a Kaplan-Meier curve, at a time when
// events or censorings happened.
type SurvivalPoint struct {
	At time.Duration
	// AtRisk is the number of units still without event and uncensored
	// just before At; Events and Censored happened at At.
	AtRisk, Events, Censored int64
	// Survival is S(At), the probability that the event has not happened
	// by At; Lo and Hi bound it with Greenwood's variance on the log(-log)
	// scale.
	Survival, Lo, Hi float64
}

// A SurvivalCurve is a Kaplan-Meier estimate.
type SurvivalCurve struct {
	N, Events, Censored int64
	Points              []SurvivalPoint
}

// Curve returns the Kaplan-Meier product-limit estimate (Kaplan and Meier
// 1958, "Nonparametric estimation from incomplete observations", JASA 53)
//
//	S(t) = Π over event times t_i <= t of (1 - d_i / n_i)
//
// with d_i events among n_i at risk (units censored at t_i count as at
// risk at t_i), and its pointwise interval at the given confidence (zero
// means 0.95): with V = Σ d_i / (n_i (n_i - d_i)) (Greenwood 1926) and
// c = z sqrt(V) / |ln S|, Lo = S^exp(c) and Hi = S^exp(-c) (the log(-log)
// transform of Kalbfleisch and Prentice, which keeps the bounds in
// [0, 1]). Where S is 1 or 0 the bounds equal S. It returns an error
// wrapping [ErrInvalidParam] for a confidence outside (0, 1).
func (s *SurvivalData) Curve(confidence float64) (SurvivalCurve, error) {
	conf, err := confidenceOr(confidence)
	if err != nil {
		return SurvivalCurve{}, err
	}
	z, _ := zScore(conf)
	obs := slices.Clone(s.obs)
	slices.Sort(obs)
	distinct := 0
	for i := range obs {
		if i == 0 || obs[i]>>1 != obs[i-1]>>1 {
			distinct++
		}
	}
	c := SurvivalCurve{N: int64(len(obs)), Points: make([]SurvivalPoint, 0, distinct)}
	atRisk := c.N
	surv, v := 1.0, 0.0
	for i := 0; i < len(obs); {
		t := obs[i] >> 1
		var d, cens int64
		for ; i < len(obs) && obs[i]>>1 == t; i++ {
			if obs[i]&1 == 0 {
				d++
			} else {
				cens++
			}
		}
		p := SurvivalPoint{At: time.Duration(t) * time.Second, AtRisk: atRisk, Events: d, Censored: cens}
		if t > math.MaxInt64/int64(time.Second) {
			p.At = time.Duration(math.MaxInt64)
		}
		if d > 0 {
			surv *= 1 - float64(d)/float64(atRisk)
			if d < atRisk {
				v += float64(d) / (float64(atRisk) * float64(atRisk-d))
			}
		}
		p.Survival, p.Lo, p.Hi = surv, surv, surv
		if surv > 0 && surv < 1 {
			ci := z * math.Sqrt(v) / math.Abs(math.Log(surv))
			p.Lo, p.Hi = math.Pow(surv, math.Exp(ci)), math.Pow(surv, math.Exp(-ci))
		}
		c.Events += d
		c.Censored += cens
		atRisk -= d + cens
		c.Points = append(c.Points, p)
	}
	return c, nil
}

// At returns S(t): the survival at the last point at or before t, and 1
// before the first point.
func (c SurvivalCurve) At(t time.Duration) float64 {
	i, found := slices.BinarySearchFunc(c.Points, t, func(p SurvivalPoint, t time.Duration) int { return cmp.Compare(p.At, t) })
	if found {
		return c.Points[i].Survival
	}
	if i == 0 {
		return 1
	}
	return c.Points[i-1].Survival
}

// Quantile returns the smallest time by which the event has happened with
// probability q (in (0, 1]): the first point with S <= 1 - q. The median
// time to event is Quantile(0.5). It returns false when the curve never
// falls that low (too many censored units) or q is outside (0, 1].
func (c SurvivalCurve) Quantile(q float64) (time.Duration, bool) {
	if !(q > 0 && q <= 1) {
		return 0, false
	}
	for _, p := range c.Points {
		if p.Events > 0 && p.Survival <= 1-q+1e-12 {
			return p.At, true
		}
	}
	return 0, false
}

// A SurvivalEvent says which outcome ends a sales cycle in
// [SurvivalCycle]. The zero SurvivalEvent is [SurvivalClosed].
type SurvivalEvent int8

// The sales-cycle events.
const (
	// SurvivalClosed: the cycle ends when the deal closes, won or lost;
	// open deals are censored at AsOf.
	SurvivalClosed SurvivalEvent = iota
	// SurvivalWon: the cycle ends when the deal is won; lost deals are
	// censored at their close and open ones at AsOf. This is the
	// cause-specific curve: 1 - S over-states the share eventually won
	// when losses compete with wins.
	SurvivalWon
)

// SurvivalOptions configure [SurvivalCycle] and [SurvivalInStage].
type SurvivalOptions struct {
	// AsOf is the time open deals are censored at. Deals are taken as
	// they stood then ([PipelineSnapshot]). Zero means every deal as it
	// is, and open deals count as untimed.
	AsOf  time.Time
	Event SurvivalEvent
	Mode  Mode
}

// SurvivalCycle collects the sales cycles of the deals, Closed - Created,
// for a Kaplan-Meier curve: closed deals are events (see
// [SurvivalEvent]), open deals are censored at their age AsOf - Created,
// so they count for as long as they are known to have lasted. Deals with
// an unknown creation time are counted in Untimed.
//
// It returns an error wrapping [ErrInvalidParam] for a nil funnel or an
// invalid event or mode, and, in Strict mode, the [*DealError] of the first
// invalid deal.
func SurvivalCycle(f *Funnel, deals iter.Seq[Deal], opts SurvivalOptions) (*SurvivalData, error) {
	if err := opts.check(f); err != nil {
		return nil, err
	}
	s := new(SurvivalData)
	asOf := instantOf(opts.AsOf)
	sc := snapshotScan{f: f, asOf: opts.AsOf, mode: opts.Mode}
	p := &sc.p
	for d := range sc.all(deals) {
		switch {
		case !p.created.ok, d.Outcome == Open && !asOf.ok:
			s.Untimed++
		case d.Outcome == Open:
			s.add(p.created.secondsTo(asOf), false)
		default:
			s.add(p.created.secondsTo(p.closed), opts.Event == SurvivalClosed || d.Outcome == Won)
		}
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return s, nil
}

// maxSurvivalSeconds is the longest duration a SurvivalData holds; longer
// ones are cut to it (about 146 billion years).
const maxSurvivalSeconds = math.MaxInt64 >> 1

func (s *SurvivalData) add(sec int64, event bool) {
	v := min(max(sec, 0), maxSurvivalSeconds) << 1
	if !event {
		v |= 1
	}
	s.obs = append(s.obs, v)
}

func (o SurvivalOptions) check(f *Funnel) error {
	if f == nil || len(f.stages) == 0 || (o.Event != SurvivalClosed && o.Event != SurvivalWon) || (o.Mode != Strict && o.Mode != Lenient) {
		return fmt.Errorf("funnel: nil funnel, invalid event or mode: %w", ErrInvalidParam)
	}
	return nil
}

// SurvivalInStage collects the time deals spent in stage s, for a
// Kaplan-Meier curve: each deal's latest visit to s (HubSpot's "latest
// time in stage") ends with an event when the deal moved on or closed, and
// is censored at AsOf when the deal is open and still in s. Visits whose
// entry time is unknown are counted in Untimed. opts.Event is not used.
//
// It returns an error wrapping [ErrInvalidParam] for a nil funnel or an
// invalid mode, an error wrapping [ErrUnknownStage] when f does not declare
// s, and, in Strict mode, the [*DealError] of the first invalid deal.
func SurvivalInStage(f *Funnel, deals iter.Seq[Deal], s Stage, opts SurvivalOptions) (*SurvivalData, error) {
	opts.Event = SurvivalClosed
	if err := opts.check(f); err != nil {
		return nil, err
	}
	k, ok := f.lookup(s)
	if !ok {
		return nil, fmt.Errorf("funnel: stage %q: %w", s, ErrUnknownStage)
	}
	out := new(SurvivalData)
	asOf := instantOf(opts.AsOf)
	sc := snapshotScan{f: f, asOf: opts.AsOf, mode: opts.Mode, collect: true}
	p := &sc.p
	for d := range sc.all(deals) {
		last := -1
		for i, e := range p.entries {
			if e.k == k {
				last = i
			}
		}
		if last < 0 {
			continue
		}
		start := p.entries[last].at
		var end instant
		event := true
		switch {
		case last+1 < len(p.entries):
			end = p.entries[last+1].at
		case d.Outcome != Open:
			end = p.closed
		default:
			end, event = asOf, false
		}
		if !start.ok || !end.ok || end.before(start) {
			out.Untimed++
			continue
		}
		out.add(start.secondsTo(end), event)
	}
	if sc.err != nil {
		return nil, sc.err
	}
	return out, nil
}
