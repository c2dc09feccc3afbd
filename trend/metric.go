package trend

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/shopspring/decimal"
)

// A Metric names a figure of a period's [funnel.Report] that
// [Report.Metric] follows across the periods of a series. It is one of the
// constants below or a step conversion made by [StepInto]; its text is its
// name, and any other text is invalid.
type Metric string

// The metrics of a series. Counts are tested with the conditional test of
// two Poisson counts, rates with [funnel.CompareRates], the deal size with
// Welch's test of the log amounts ([AmountComparison]) and the won cycle
// with the log-rank test ([DurationComparison]); the totals WonAmount and
// Pipeline are not tested (a total is a count times a size, each tested
// apart).
const (
	// Deals counts the period's deals: created in it (basis Created) or
	// closed in it (Closed).
	Deals Metric = "deals"
	// Won and Lost count the period's won and lost deals.
	Won  Metric = "won"
	Lost Metric = "lost"
	// WinRate is the win rate on the closed basis, W / (W + L): the
	// common CRM definition (Salesforce, HubSpot).
	WinRate Metric = "win_rate"
	// WinRateCreated is W / deals (the created basis, as Bullhorn
	// reports it): over a creation cohort, the lead-to-customer
	// conversion so far.
	WinRateCreated Metric = "win_rate_created"
	// WonAmount is the total amount won.
	WonAmount Metric = "won_amount"
	// DealSize is the mean won amount, sum(won amount) / W.
	DealSize Metric = "deal_size"
	// Pipeline is the total amount of the period's open deals.
	Pipeline Metric = "pipeline"
	// CycleWon is the mean sales cycle of the won deals, Closed - Created.
	CycleWon Metric = "cycle_won"
)

// stepPrefix starts the name of a step-conversion metric.
const stepPrefix = "step:"

// StepInto returns the metric of the step conversion into the funnel row named
// s (a stage, or "won" for the won outcome): N_k / N_(k-1), the
// [funnel.StageReport] Step rate.
func StepInto(s funnel.Stage) Metric { return Metric(stepPrefix + string(s)) }

type kind int8

const (
	kindInvalid kind = iota
	kindCount
	kindRate
	kindAmount
	kindDuration
)

func (m Metric) kind() kind {
	switch m {
	case Deals, Won, Lost:
		return kindCount
	case WinRate, WinRateCreated:
		return kindRate
	case WonAmount, DealSize, Pipeline:
		return kindAmount
	case CycleWon:
		return kindDuration
	}
	if strings.HasPrefix(string(m), stepPrefix) && len(m) > len(stepPrefix) {
		return kindRate
	}
	return kindInvalid
}

// String returns the metric's name.
func (m Metric) String() string { return string(m) }

// MarshalText encodes the metric by name. It returns an error wrapping
// [funnel.ErrInvalidParam] for an unknown metric.
func (m Metric) MarshalText() ([]byte, error) {
	if m.kind() == kindInvalid {
		return nil, fmt.Errorf("trend: metric %q: %w", string(m), funnel.ErrInvalidParam)
	}
	return []byte(m), nil
}

// UnmarshalText decodes a metric name written by [Metric.MarshalText].
func (m *Metric) UnmarshalText(b []byte) error {
	if Metric(b).kind() == kindInvalid {
		return fmt.Errorf("trend: metric %q: %w", b, funnel.ErrInvalidParam)
	}
	*m = Metric(b)
	return nil
}

// Values is one metric across the periods of a series, with each period's
// changes.
type Values struct {
	Metric Metric        `json:"metric"`
	Basis  Basis         `json:"basis"`
	Period funnel.Period `json:"period"`
	Points []Point       `json:"points"`
}

// A Point is a metric's value in one period, with its change against the
// period before and against the same period a year before: the same month
// or quarter of the previous year, the same ISO week number of the
// previous ISO year, the same date of the previous year (none for 29
// February).
type Point struct {
	Start    time.Time `json:"start"`
	Label    string    `json:"label"`
	Value    Value     `json:"value"`
	Previous Change    `json:"previous"`
	YearAgo  Change    `json:"year_ago"`
}

// A Value is the value of a metric in one period. It is not Defined where
// the metric is not (a rate over no deals, a mean of none).
type Value struct {
	Defined bool `json:"defined"`
	// Number is the count, the amount, the duration in seconds, or the
	// rate's value rounded half away from zero to 10 places.
	Number decimal.Decimal `json:"number"`
	// Rate is the rate of a rate metric, with its Wilson interval.
	Rate funnel.Rate `json:"rate"`
}

// A Change compares a period's value with a base period's: the period
// before, or the same period a year before.
type Change struct {
	// Label names the base period ("" for the period before the first
	// row, which the series does not know); Start is its first instant,
	// zero when the base period is not in the series.
	Label string    `json:"label"`
	Start time.Time `json:"-"` // JSON start, null when zero
	Base  Value     `json:"base"`
	// Defined reports whether the base period is in the series and both
	// values are defined.
	Defined bool `json:"defined"`
	// Delta is value - base (for rates a difference of fractions, exact to
	// 10 places: 0.05 is 5 points), and Relative is Delta / base, null when
	// the base is zero.
	Delta    decimal.Decimal     `json:"delta"`
	Relative decimal.NullDecimal `json:"relative"`
	// Rates is the test of a rate metric's change: [funnel.CompareRates]
	// of the period's rate (A) against the base's (B), under the scan's
	// Test, with the PAdjusted and Verdict of the change (below). Zero for
	// other metrics.
	Rates funnel.Comparison `json:"rates"`
	// Counts is the test of a count metric's change. Zero for other
	// metrics.
	Counts CountComparison `json:"counts"`
	// Amounts is the test of DealSize's change, the row's
	// [BaseTests].DealSize; Durations that of CycleWon's, the row's
	// CycleWon. Zero for other metrics.
	Amounts   AmountComparison   `json:"amounts"`
	Durations DurationComparison `json:"durations"`
	// Tested reports whether the change was tested (Rates, Counts,
	// Amounts or Durations is defined). PValue is then that test's
	// p-value, PAdjusted its Benjamini-Hochberg adjustment over every
	// tested change of the [Values] (both bases, every period: see
	// [Adjust]), and Verdict the test's verdict on PAdjusted: withheld
	// under the minimum sample, higher or lower when PAdjusted is below 1
	// - confidence, no difference when not. Untested changes are withheld.
	Tested    bool           `json:"tested"`
	PValue    float64        `json:"p_value"`
	PAdjusted float64        `json:"p_adjusted"`
	Verdict   funnel.Verdict `json:"verdict"`
}

// A CountComparison tests whether two counts of events (deals created,
// won, lost) over two periods of time differ by more than chance: the
// conditional test of two Poisson rates (Przyborowski and Wilenski 1940,
// "Homogeneity of results in testing samples from Poisson series",
// Biometrika 31). Given N = A + B events, A is binomial with p = the share
// of A's period in the two periods' length if the rates are equal; the
// test is its normal approximation,
//
//	z = (A - N p) / sqrt(N p (1 - p)),
//
// two-sided, used when both expected counts N p and N (1 - p) are at
// least 5. A period's length runs from its start to the next period's, or
// to the as-of time when that is earlier.
type CountComparison struct {
	A, B int64
	// Share is p, A's period's share of the two lengths.
	Share float64
	// Defined reports whether the test was computed (both periods have a
	// length and both expected counts are at least 5); Z and PValue are 0
	// when not.
	Defined bool
	Z       float64
	PValue  float64
	// Verdict is withheld when the test is not Defined or N is below the
	// scan's minimum sample (the binomial's denominator, as for rates);
	// otherwise higher or lower (A's rate against B's) when PValue is
	// below 1 - confidence, and no difference when not.
	Verdict funnel.Verdict
}

type countComparisonJSON struct {
	A       int64          `json:"a"`
	B       int64          `json:"b"`
	Share   float64        `json:"share"`
	Defined bool           `json:"defined"`
	Z       float64        `json:"z"`
	PValue  float64        `json:"p_value"`
	Verdict funnel.Verdict `json:"verdict"`
}

// MarshalJSON encodes the comparison with snake_case names.
func (c CountComparison) MarshalJSON() ([]byte, error) {
	return json.Marshal(countComparisonJSON(c))
}

// UnmarshalJSON decodes a comparison written by
// [CountComparison.MarshalJSON].
func (c *CountComparison) UnmarshalJSON(b []byte) error {
	var o countComparisonJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = CountComparison(o)
	return nil
}

type changeJSON struct {
	changeAlias
	Start *time.Time `json:"start"`
}

type changeAlias Change

// MarshalJSON encodes the change with its start as RFC 3339 (null when
// zero).
func (c Change) MarshalJSON() ([]byte, error) {
	return json.Marshal(changeJSON{changeAlias(c), timePtr(c.Start)})
}

// UnmarshalJSON decodes a change written by [Change.MarshalJSON].
func (c *Change) UnmarshalJSON(b []byte) error {
	var o changeJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = Change(o.changeAlias)
	c.Start = timeOf(o.Start)
	return nil
}

// MarshalJSON encodes the values with [] for no points.
func (v Values) MarshalJSON() ([]byte, error) {
	type alias Values
	if v.Points == nil {
		v.Points = []Point{}
	}
	return json.Marshal(alias(v))
}

const divScale = 10

// Metric returns the metric's value in every period of the series, with
// its changes against the period before and the same period a year
// before. Rate changes are tested with [funnel.CompareRates], count changes
// with the conditional Poisson test ([CountComparison]), deal size and won
// cycle changes with the rows' tests ([RowTests]), all under the series'
// Confidence and MinSample; the p-values of all the changes tested are
// adjusted together (Benjamini-Hochberg) and each change's Verdict is on
// its adjusted p-value. The totals WonAmount and Pipeline are not tested.
// It returns an error wrapping [funnel.ErrInvalidParam] for an unknown
// metric, a step into a row the series' funnel does not have, or a
// report whose test settings or rates are invalid.
func (r Report) Metric(m Metric) (Values, error) {
	k := m.kind()
	if k == kindInvalid {
		return Values{}, fmt.Errorf("trend: metric %q: %w", string(m), funnel.ErrInvalidParam)
	}
	test := funnel.Test{Confidence: funnel.Confidence(r.Confidence), MinSample: r.MinSample, Method: r.Method}
	level, err := test.Confidence.Level()
	if err != nil || r.MinSample < 0 {
		return Values{}, fmt.Errorf("trend: series test %v, minimum sample %d: %w", r.Confidence, r.MinSample, funnel.ErrInvalidParam)
	}
	minSample := r.MinSample
	if minSample == 0 {
		minSample = stat.DefaultMinSample
	}
	out := Values{Metric: m, Basis: r.Basis, Period: r.Period, Points: make([]Point, len(r.Periods))}
	vals := make([]Value, len(r.Periods))
	for i := range r.Periods {
		v, ok := value(m, k, &r.Periods[i].Report)
		if !ok {
			return Values{}, fmt.Errorf("trend: metric %q: no such funnel row: %w", string(m), funnel.ErrInvalidParam)
		}
		vals[i] = v
	}
	index := make(map[calKey]int, len(r.Periods))
	for i, p := range r.Periods {
		index[keyOf(r.Calendar, r.Period, p.Start)] = i
	}
	for i, p := range r.Periods {
		pt := Point{Start: p.Start, Label: p.Label, Value: vals[i]}
		if i > 0 {
			pt.Previous, err = r.change(m, k, vals[i], vals[i-1], i, i-1, &r.Periods[i].Tests.Previous, test, level, minSample)
			if err != nil {
				return Values{}, err
			}
		}
		key, ok := yearAgo(r.Period, keyOf(r.Calendar, r.Period, p.Start))
		if ok {
			if j, found := index[key]; found {
				pt.YearAgo, err = r.change(m, k, vals[i], vals[j], i, j, &r.Periods[i].Tests.YearAgo, test, level, minSample)
				if err != nil {
					return Values{}, err
				}
			} else {
				pt.YearAgo.Label = key.label(r.Calendar, r.Period)
			}
		}
		out.Points[i] = pt
	}
	var fam stat.Family
	for i := range out.Points {
		for _, c := range []*Change{&out.Points[i].Previous, &out.Points[i].YearAgo} {
			p, v, ok := c.test()
			if !ok {
				continue
			}
			c.Tested, c.PValue = true, p
			fam.Add(p, func(q float64) {
				c.PAdjusted, c.Verdict = q, v.Adjusted(q, level)
				if c.Rates.Defined {
					c.Rates.PAdjusted, c.Rates.Verdict = q, c.Verdict
				}
				if c.Amounts.Defined {
					c.Amounts.PAdjusted, c.Amounts.Verdict = q, c.Verdict
				}
				if c.Durations.Defined {
					c.Durations.PAdjusted, c.Durations.Verdict = q, c.Verdict
				}
			})
		}
	}
	fam.Adjust()
	return out, nil
}

// test returns the p-value and verdict of the change's test, and false
// when it was not tested.
func (c *Change) test() (float64, funnel.Verdict, bool) {
	switch {
	case c.Rates.Defined:
		return c.Rates.PValue, c.Rates.Verdict, true
	case c.Counts.Defined:
		return c.Counts.PValue, c.Counts.Verdict, true
	case c.Amounts.Defined:
		return c.Amounts.PValue, c.Amounts.Verdict, true
	case c.Durations.Defined:
		return c.Durations.PValue, c.Durations.Verdict, true
	}
	return 0, funnel.Withheld, false
}

// value extracts a metric from a period's report; false for a step into a
// row the report does not have.
func value(m Metric, k kind, r *funnel.Report) (Value, bool) {
	count := func(n int64) Value { return Value{Defined: true, Number: decimal.NewFromInt(n)} }
	rate := func(x funnel.Rate) Value {
		v := Value{Defined: x.Den > 0, Rate: x}
		if v.Defined {
			v.Number = decimal.NewFromInt(x.Num).DivRound(decimal.NewFromInt(x.Den), divScale)
		}
		return v
	}
	switch m {
	case Deals:
		return count(r.Deals), true
	case Won:
		return count(r.Won), true
	case Lost:
		return count(r.Lost), true
	case WinRate:
		return rate(r.WinRate), true
	case WinRateCreated:
		return rate(r.WinRateCreated), true
	case WonAmount:
		return Value{Defined: true, Number: r.DealSize.Total}, true
	case DealSize:
		return Value{Defined: r.DealSize.Count > 0, Number: r.DealSize.Mean}, true
	case Pipeline:
		return Value{Defined: true, Number: r.Pipeline}, true
	case CycleWon:
		if r.CycleWon.Count == 0 {
			return Value{}, true
		}
		return Value{Defined: true, Number: decimal.New(int64(r.CycleWon.Mean), -9)}, true
	}
	_ = k
	stage := funnel.Stage(strings.TrimPrefix(string(m), stepPrefix))
	for _, row := range r.Funnel {
		if row.Stage == stage {
			return rate(row.Step), true
		}
	}
	return Value{}, false
}

// change compares the value of row i with the base value of row j, whose
// row tests are t.
func (r *Report) change(m Metric, k kind, v, base Value, i, j int, t *BaseTests, test funnel.Test, level float64, minSample int64) (Change, error) {
	c := Change{Label: r.Periods[j].Label, Start: r.Periods[j].Start, Base: base}
	if !v.Defined || !base.Defined {
		return c, nil
	}
	c.Defined = true
	if k == kindRate {
		// exact: a/b - c/d = (ad - cb) / bd, relative (ad - cb) / bc
		a, b := decimal.NewFromInt(v.Rate.Num), decimal.NewFromInt(v.Rate.Den)
		x, y := decimal.NewFromInt(base.Rate.Num), decimal.NewFromInt(base.Rate.Den)
		num := a.Mul(y).Sub(x.Mul(b))
		c.Delta = num.DivRound(b.Mul(y), divScale)
		if base.Rate.Num > 0 {
			c.Relative = decimal.NewNullDecimal(num.DivRound(b.Mul(x), divScale))
		}
		cmp, err := funnel.CompareRates(v.Rate.Ratio, base.Rate.Ratio, test)
		if err != nil {
			return Change{}, err
		}
		c.Rates = cmp
		return c, nil
	}
	c.Delta = v.Number.Sub(base.Number)
	if !base.Number.IsZero() {
		c.Relative = decimal.NewNullDecimal(c.Delta.DivRound(base.Number, divScale))
	}
	switch {
	case k == kindCount:
		c.Counts = compareCounts(v.Number.IntPart(), base.Number.IntPart(), r.exposure(i), r.exposure(j), level, minSample)
	case m == DealSize:
		c.Amounts = t.DealSize
	case m == CycleWon:
		c.Durations = t.CycleWon
	}
	return c, nil
}

// exposure returns the length of row i's period in seconds, cut at the
// as-of time.
func (r *Report) exposure(i int) float64 {
	p := r.Periods[i]
	end := p.End
	if !r.AsOf.IsZero() && r.AsOf.Before(end) {
		end = r.AsOf
	}
	if !end.After(p.Start) {
		return 0
	}
	return end.Sub(p.Start).Seconds()
}

// compareCounts is the conditional Poisson test of counts a and b over
// lengths la and lb.
func compareCounts(a, b int64, la, lb, level float64, minSample int64) CountComparison {
	c := CountComparison{A: a, B: b}
	if la <= 0 || lb <= 0 || a < 0 || b < 0 {
		return c
	}
	c.Share = la / (la + lb)
	z, ok := stat.PoissonZ(a, b, c.Share)
	if !ok {
		return c
	}
	c.Defined, c.Z, c.PValue = true, z, stat.TwoSidedP(z)
	c.Verdict = funnel.VerdictOf(a+b >= minSample, c.PValue, level, z)
	return c
}

// A calKey names a period: a day by its date, an ISO week by its year
// and number, and the calendar's months, quarters and years (fiscal or
// week-based ones too) by their [funnel.Calendar.Index], in n.
type calKey struct {
	y, a, b int
	n       int64
}

// keyOf returns the key of the period that starts at start, read in
// start's own zone (the series' zone, or the fixed offset a decoded time
// carries: the same local date either way).
func keyOf(c funnel.Calendar, p funnel.Period, start time.Time) calKey {
	switch p {
	case funnel.Day:
		y, m, d := start.Date()
		return calKey{y: y, a: int(m), b: d}
	case funnel.Week:
		wy, w := start.ISOWeek()
		return calKey{y: wy, a: w}
	}
	return calKey{n: c.Index(p, start, start.Location())}
}

// yearAgo returns the key of the same period a year before, and false
// when there is none (29 February, ISO week 53): the same date, ISO week,
// or month, quarter or year of the calendar's year before (every
// calendar's year has 12 months or periods and 4 quarters).
func yearAgo(p funnel.Period, k calKey) (calKey, bool) {
	switch p {
	case funnel.Day:
		k.y--
		t := time.Date(k.y, time.Month(k.a), k.b, 12, 0, 0, 0, time.UTC)
		return k, t.Day() == k.b
	case funnel.Week:
		k.y--
		_, ok := k.monday()
		return k, ok
	case funnel.Quarter:
		k.n -= 4
	case funnel.Year:
		k.n--
	default:
		k.n -= 12
	}
	return k, true
}

// monday returns the Monday of ISO week (k.y, k.a), and false when the
// year has no such week.
func (k calKey) monday() (time.Time, bool) {
	jan4 := time.Date(k.y, time.January, 4, 12, 0, 0, 0, time.UTC)
	t := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(k.a-1)*7)
	y, w := t.ISOWeek()
	return t, y == k.y && w == k.a
}

// label names the period of k as [funnel.Calendar.Label] does.
func (k calKey) label(c funnel.Calendar, p funnel.Period) string {
	var t time.Time
	switch p {
	case funnel.Day:
		t = time.Date(k.y, time.Month(k.a), k.b, 12, 0, 0, 0, time.UTC)
	case funnel.Week:
		t, _ = k.monday()
	default:
		t = c.At(p, k.n, time.UTC)
	}
	return c.Label(p, t, time.UTC)
}
