package funnel

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/funnelmetrics/funnel/internal/par"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/shopspring/decimal"
)

// A Report holds the funnel metrics of a population of deals, as computed
// by [Tally.Report] or [Compute]. It marshals to JSON in the library's one
// style (snake_case names, enums by name, [] for empty lists, durations in
// seconds, money as decimal strings, rates with their counts, value and
// interval) and decodes back to an equal value; it prints as text tables
// ([Report.WriteText]). Counts are of valid deals as seen at AsOf;
// Input says what was read, left out and skipped.
type Report struct {
	Stages   []Stage       `json:"stages"`
	Policy   Policy        `json:"policy"`
	Window   time.Duration `json:"-"` // in JSON: window_seconds
	AsOf     time.Time     `json:"-"` // in JSON: as_of, null when zero
	Location string        `json:"location"`
	Period   Period        `json:"period"`
	Calendar Calendar      `json:"calendar"`
	Currency string        `json:"currency"`

	// Input says what the report was given: deals read, counted, created
	// after AsOf and skipped as invalid (with reasons and examples).
	Input Input `json:"input"`

	// Deals is the number of valid deals; Open + Won + Lost = Deals.
	Deals int64 `json:"deals"`
	Open  int64 `json:"open"`
	Won   int64 `json:"won"`
	Lost  int64 `json:"lost"`

	// Funnel has one row per stage in funnel order, then a last row for
	// the won outcome (Terminal true).
	Funnel []StageReport `json:"funnel"`

	// WinRate is the win rate on the closed basis, W / (W + L): open deals
	// are excluded. Sources: the common CRM definition (Salesforce,
	// HubSpot).
	WinRate Rate `json:"win_rate"`
	// WinRateCreated is the win rate on the created basis, W / all deals
	// (Bullhorn and others). Over a creation cohort it is the
	// lead-to-customer conversion: won among the leads created in the
	// cohort / leads created in the cohort (see Periods for one cohort per
	// creation period).
	WinRateCreated Rate `json:"win_rate_created"`
	// WinRateValue is the value-weighted win rate, sum(won amount) /
	// sum(closed amount), closed = won + lost, with the interval of a
	// ratio estimator (see [MoneyRate]).
	WinRateValue MoneyRate `json:"win_rate_value"`

	// DealSize summarises won amounts: count W, total, average deal size
	// sum(won amount) / W, median and percentiles (exact).
	DealSize MoneySummary `json:"deal_size"`
	// Pipeline is the total amount of open deals.
	Pipeline decimal.Decimal `json:"pipeline"`

	// CycleWon is the sales-cycle length, Closed - Created, over won deals
	// whose creation and close times are known: mean, median and
	// percentiles.
	CycleWon DurationSummary `json:"cycle_won"`
	// CycleLost is the same for lost deals.
	CycleLost DurationSummary `json:"cycle_lost"`
	// CycleUndated counts closed deals left out of the cycle figures
	// because their creation or close time is unknown.
	CycleUndated int64 `json:"cycle_undated"`
	// OpenAge is the age of open deals, AsOf - Created. It needs AsOf.
	OpenAge DurationSummary `json:"open_age"`
	// AgeUndated counts open deals left out of OpenAge: unknown creation
	// time, no AsOf, or created after AsOf.
	AgeUndated int64 `json:"age_undated"`

	// Periods has one row per creation period (Options.Period, in
	// Options.Location) that has deals, in time order: lead generation
	// (deals created, per source) and the cohort's outcomes so far.
	Periods []PeriodRow `json:"periods"`
	// Undated counts deals whose creation time is unknown.
	Undated PeriodRow `json:"undated"`
	// BySource counts all deals per source (Attributes.Source), dated or
	// not, most first, ties by name; "" is an unknown source.
	BySource []SourceCount `json:"by_source"`
	// LostReasons break every lost deal down by its lost reason, over all
	// stages, as StageReport.LostReasons does per stage.
	LostReasons []LostReason `json:"lost_reasons"`
}

// A StageReport is one row of the funnel: the deals that reached a stage
// (under the report's [Policy]), their conversion from the previous stage,
// and the stage's leakage, open pipeline and time in stage.
type StageReport struct {
	Stage    Stage `json:"stage"`
	Terminal bool  `json:"terminal"` // the row of the won outcome
	// Reached is N_k, the deals that reached the stage under the policy
	// (and inside the conversion window).
	Reached int64 `json:"reached"`
	// Entered is the number of deals that entered the stage at all
	// (inside the conversion window), as the any-stage policy counts
	// them; Entered - Reached deals entered it but do not count there
	// under the report's policy (under in-order, they skipped an earlier
	// stage).
	Entered int64 `json:"entered"`
	// Step is the step conversion N_k / N_(k-1): of the deals that
	// reached the previous stage, those that also reached this one
	// (PostHog "previous step", HubSpot "next step"); after an optional
	// stage (Options.Optional) the step is counted from the last row
	// before it that is not optional. Undefined on the first row.
	Step Rate `json:"step"`
	// Cumulative is N_k / N_1, against the first stage (PostHog "total",
	// HubSpot "cumulative"): of the deals that reached the first stage,
	// those that also reached this one. Under AnyStage a deal can reach a
	// stage without the first; it counts in Reached but not here, so that
	// Cumulative stays a proportion.
	Cumulative Rate `json:"cumulative"`
	// DropOff is N_(k-1) - N_k, the deals that reached the previous stage
	// but not this one, and DropOffRate is DropOff / N_(k-1) = 1 - Step.
	// Amplitude ranks drop-off by the absolute count.
	DropOff     int64 `json:"drop_off"`
	DropOffRate Rate  `json:"drop_off_rate"`
	// Pending is the part of DropOff still open and inside its
	// conversion window: right-censored, not (yet) dropped. Dropped is
	// DropOff - Pending.
	Pending int64 `json:"pending"`
	Dropped int64 `json:"dropped"`
	// StepDecided is the step conversion over decided deals only,
	// N_k / (N_(k-1) - Pending).
	StepDecided Rate `json:"step_decided"`
	// Lost and LostValue are the leakage: deals lost while in this stage
	// (their last stage), count and total amount.
	Lost      int64           `json:"lost"`
	LostValue decimal.Decimal `json:"lost_value"`
	// Open and OpenValue are the open deals now in this stage.
	Open      int64           `json:"open"`
	OpenValue decimal.Decimal `json:"open_value"`
	// TimeLatest is the time in stage of each deal's latest visit, and
	// TimeTotal the cumulative time over all its visits (HubSpot's "latest
	// time in stage" and "cumulative time in stage"). A visit ends at the
	// next stage entry, at an entry into an exclusion stage, at the close
	// time, or at AsOf for an open deal.
	TimeLatest DurationSummary `json:"time_latest"`
	TimeTotal  DurationSummary `json:"time_total"`
	// Untimed counts deals left out of the time figures because a visit's
	// start or end time is unknown.
	Untimed int64 `json:"untimed"`
	// ReachedValue is the total amount of the deals that reached the row
	// (the value funnel), and StepValue the value-weighted step
	// conversion: the amount of the deals that took the step into this
	// row over the amount of those at the row it is counted from. Both
	// sums are over the deals at that row (a deal that took the step
	// counts its amount in both, one that did not in the denominator
	// only), so StepValue is a ratio estimator like the value win rate,
	// and its interval is the ratio estimator's (see [MoneyRate]), clamped
	// to [0, 1], over the n deals at that row: not defined for n < 2 or a
	// denominator that is not positive. It is computed from exact sums of
	// the amounts' squares, so it is given also when the scan sketches
	// its amounts. The first row has no step: its StepValue is 0/0.
	ReachedValue decimal.Decimal `json:"reached_value"`
	StepValue    MoneyRate       `json:"step_value"`
	// LostReasons break Lost down by the deals' lost reasons, the most
	// frequent first (ties by reason; "" is an unknown reason), at most
	// MaxLostReasons of them, the others counted under OtherReason.
	LostReasons []LostReason `json:"lost_reasons"`
}

// A LostReason counts the deals lost for one reason: how many, their
// amount, and their share of the deals lost there.
type LostReason struct {
	Reason string          `json:"reason"`
	Lost   int64           `json:"lost"`
	Value  decimal.Decimal `json:"value"`
	Share  Rate            `json:"share"`
}

// A PeriodRow counts the deals created in one period: lead generation and
// the creation cohort's outcomes.
type PeriodRow struct {
	Start time.Time `json:"-"` // first instant of the period; zero for undated deals (JSON start, null when zero)
	// Label names the period in the scan's calendar (2024-03, FY2025-Q1;
	// see [Calendar.Label]); "" for undated deals.
	Label   string `json:"label"`
	Created int64  `json:"created"`
	Won     int64  `json:"won"`
	Lost    int64  `json:"lost"`
	Open    int64  `json:"open"`
	// LeadToCustomer is won / created over the cohort (Close.com's
	// "created in period" cohorting). Deals still open are in the
	// denominator: see Open.
	LeadToCustomer Rate `json:"lead_to_customer"`
	// BySource counts the deals created per source (Attributes.Source),
	// most first, ties by name; "" is an unknown source.
	BySource []SourceCount `json:"by_source"`
}

// A SourceCount is the number of deals created from one source.
type SourceCount struct {
	Source  string `json:"source"`
	Created int64  `json:"created"`
}

// parallelSummaries is the number of deals from which a report makes its
// summaries on the scan's workers: below it, their order statistics take
// less than starting the goroutines.
const parallelSummaries = 1 << 16

// Report returns the metrics of the deals added so far. It does not change
// what t counts, and it can be called again after more deals are added.
// The report shares no memory with the tally or its funnel.
func (t *Tally) Report() Report {
	if t.s == nil { // the zero Tally
		return Report{}
	}
	n, level := t.n, t.s.level
	o := t.s.opts
	r := Report{
		Stages: slices.Clone(t.s.f.stages), Policy: o.Policy, Window: o.Window, AsOf: o.AsOf,
		Location: o.Location.String(), Period: o.Period, Calendar: o.Calendar, Currency: o.Currency,
		Input: t.in.Input(),
		Deals: t.deals, Open: t.open, Won: t.won, Lost: t.lost,
		WinRate:        rate(Ratio{t.won, t.won + t.lost}, level),
		WinRateCreated: rate(Ratio{t.won, t.deals}, level),
		WinRateValue:   t.valueRate(level),
		CycleUndated:   t.cycleUndated,
		AgeUndated:     t.ageUndated,
		Funnel:         make([]StageReport, 0, n+1),
		Periods:        []PeriodRow{},
	}
	// the summaries, whose order statistics are the costly part, are
	// filled in at the end
	sums := []func(*selectScratch){
		func(*selectScratch) { r.DealSize = t.wonAmount.Summary() },
		func(sc *selectScratch) { r.CycleWon = t.cycleWon.summary(sc) },
		func(sc *selectScratch) { r.CycleLost = t.cycleLost.summary(sc) },
		func(sc *selectScratch) { r.OpenAge = t.openAge.summary(sc) },
	}
	first := t.stages[0].reached
	for k := 0; k <= n; k++ {
		s := &t.stages[k]
		row := StageReport{Reached: s.reached, Entered: s.entered, Cumulative: rate(Ratio{s.viaFirst, first}, level)}
		if k == n {
			row.Stage, row.Terminal = Stage(Won.String()), true
		} else {
			row.Stage = t.s.f.stages[k]
		}
		row.ReachedValue = s.reachedValue.Sum()
		if k > 0 {
			p := &t.stages[t.s.from[k]]
			row.StepValue = shareRate(MoneyRatio{s.stepValue.Sum(), p.reachedValue.Sum()}, p.reachedValue.Count(),
				s.stepSq.float64(), p.reachedSq.minus(&s.stepSq), level)
			row.Step = rate(Ratio{s.stepIn, p.reached}, level)
			row.DropOff = p.reached - s.stepIn
			row.DropOffRate = rate(Ratio{row.DropOff, p.reached}, level)
			row.Pending = s.pending
			row.Dropped = row.DropOff - s.pending
			row.StepDecided = rate(Ratio{s.stepIn, p.reached - s.pending}, level)
		}
		if k < n {
			row.Lost, row.LostValue = s.lost.Count(), s.lost.Sum()
			row.Open, row.OpenValue = s.open.Count(), s.open.Sum()
			r.Pipeline = r.Pipeline.Add(row.OpenValue)
			row.Untimed = s.untimed
			row.LostReasons = lostReasons([]*stageAcc{s}, level)
		} else {
			row.LostReasons = []LostReason{}
		}
		r.Funnel = append(r.Funnel, row)
	}
	for k := range n {
		row, s := &r.Funnel[k], &t.stages[k]
		sums = append(sums, func(sc *selectScratch) { l := s.times.latestTimes(); row.TimeLatest = l.summary(sc) },
			func(sc *selectScratch) { t := s.times.totalTimes(); row.TimeTotal = t.summary(sc) })
	}
	workers := 1
	if t.deals >= parallelSummaries {
		workers = min(par.Workers(o.Workers), len(sums))
	}
	scratch := make([]*selectScratch, workers) // one per goroutine
	par.ForWorker(workers, len(sums), func(w, i int) {
		if scratch[w] == nil {
			scratch[w] = new(selectScratch)
		}
		sums[i](scratch[w])
	})

	for _, k := range sortedKeys(t.periods) {
		row := t.periods[k].row(t.sourceNames, level)
		sp := span{o.Period, o.Calendar}
		row.Start = sp.keyStart(k, o.Location)
		row.Label = sp.label(k)
		r.Periods = append(r.Periods, row)
	}
	r.Undated = t.undated.row(t.sourceNames, level)
	var all periodAcc
	identity := make([]int, len(t.sourceNames))
	for i := range identity {
		identity[i] = i
	}
	for _, p := range t.periods {
		all.add(p, identity)
	}
	all.add(&t.undated, identity)
	r.BySource = all.row(t.sourceNames, level).BySource
	stages := make([]*stageAcc, n)
	for k := range stages {
		stages[k] = &t.stages[k]
	}
	r.LostReasons = lostReasons(stages, level)
	return r
}

// lostReasons sums the lost reasons of the stages and lists the most
// frequent MaxLostReasons, the others under OtherReason.
func lostReasons(stages []*stageAcc, level float64) []LostReason {
	type acc struct {
		n     int64
		value MoneyStats
	}
	by := map[string]*acc{}
	var other acc
	other.value.sumOnly = true
	var total int64
	for _, s := range stages {
		for _, r := range s.reasons {
			a := by[r.reason]
			if a == nil {
				a = &acc{value: MoneyStats{sumOnly: true}}
				by[r.reason] = a
			}
			a.n += r.n
			a.value.Merge(&r.value)
		}
		other.n += s.otherReasons.n
		other.value.Merge(&s.otherReasons.value)
		total += s.lost.Count()
	}
	out := make([]LostReason, 0, len(by))
	for reason, a := range by {
		out = append(out, LostReason{Reason: reason, Lost: a.n, Value: a.value.Sum()})
	}
	slices.SortFunc(out, func(a, b LostReason) int {
		return cmp.Or(cmp.Compare(b.Lost, a.Lost), strings.Compare(a.Reason, b.Reason))
	})
	if len(out) > MaxLostReasons || other.n > 0 {
		var rest []LostReason
		if len(out) > MaxLostReasons {
			out, rest = out[:MaxLostReasons], out[MaxLostReasons:]
		}
		o := LostReason{Reason: OtherReason, Lost: other.n, Value: other.value.Sum()}
		for _, r := range rest {
			o.Lost += r.Lost
			o.Value = o.Value.Add(r.Value)
		}
		out = append(out, o)
	}
	for i := range out {
		out[i].Share = rate(Ratio{out[i].Lost, total}, level)
	}
	return out
}

// valueRate returns the value-weighted win rate with the interval of the
// ratio estimator (see MoneyRate), from the kept amounts; the interval is
// not defined when the amounts are sketched or fewer than two deals
// closed.
func (t *Tally) valueRate(level float64) MoneyRate {
	won, lost := &t.wonAmount, &t.lostAmount
	r := MoneyRatio{won.Sum(), won.Sum().Add(lost.Sum())}
	if won.skErr > 0 {
		return MoneyRate{MoneyRatio: r}
	}
	return shareRate(r, won.Count()+lost.Count(), won.sumSquares(), lost.sumSquares(), level)
}

// shareRate returns r, a share of the amounts of n deals (the numerator
// the amounts of the deals "in", such as those won, the denominator the
// amounts of all n), with the interval of the ratio estimator (see
// MoneyRate) clamped to [0, 1], from the sums of the squares of the
// amounts in (sqIn) and out (sqOut): with y_i = x_i for a deal in and 0
// for a deal out, the d_i = y_i - R x_i are (1 - R) x_i and -R x_i, so
// sum(d_i^2) = (1 - R)^2 sqIn + R^2 sqOut. The interval is not defined
// for fewer than two deals or a denominator that is not positive.
func shareRate(r MoneyRatio, n int64, sqIn, sqOut, level float64) MoneyRate {
	out := MoneyRate{MoneyRatio: r}
	if n < 2 || r.Den.Sign() <= 0 {
		return out
	}
	rv := r.Num.InexactFloat64() / r.Den.InexactFloat64()
	xbar := r.Den.InexactFloat64() / float64(n)
	ss := (1-rv)*(1-rv)*sqIn + rv*rv*max(0, sqOut)
	se := math.Sqrt(ss/float64(n-1)/float64(n)) / xbar
	z := stat.Z(level)
	out.Interval = Interval{Lo: max(0, rv-z*se), Hi: min(1, rv+z*se), Confidence: level, Defined: true}
	return out
}

func (p *periodAcc) row(sources []string, level float64) PeriodRow {
	r := PeriodRow{Created: p.created, Won: p.won, Lost: p.lost, Open: p.created - p.won - p.lost,
		LeadToCustomer: rate(Ratio{p.won, p.created}, level), BySource: []SourceCount{}}
	for i, c := range p.bySource {
		if c > 0 {
			r.BySource = append(r.BySource, SourceCount{sources[i], c})
		}
	}
	slices.SortFunc(r.BySource, func(a, b SourceCount) int {
		return cmp.Or(cmp.Compare(b.Created, a.Created), strings.Compare(a.Source, b.Source))
	})
	return r
}

// PolicyExcluded returns the number of deal-stage pairs the report's
// policy leaves out: over the funnel's rows, the deals that entered a
// stage (or were won) without counting as having reached it, such as a won
// deal that skipped a stage under in-order. Zero under any-stage.
func (r *Report) PolicyExcluded() int64 {
	var n int64
	for _, s := range r.Funnel {
		n += s.Entered - s.Reached
	}
	return n
}

type reportJSON struct {
	reportAlias
	Window json.Number `json:"window_seconds"`
	AsOf   *time.Time  `json:"as_of"`
}

type reportAlias Report

// MarshalJSON encodes the report in the library's JSON style.
func (r Report) MarshalJSON() ([]byte, error) {
	return json.Marshal(reportJSON{reportAlias: reportAlias(r), Window: *secs(r.Window), AsOf: timePtr(r.AsOf)})
}

// UnmarshalJSON decodes a report written by [Report.MarshalJSON].
func (r *Report) UnmarshalJSON(b []byte) error {
	var o reportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	w, err := parseSecs(o.Window)
	if err != nil {
		return err
	}
	*r = Report(o.reportAlias)
	r.Window = w
	r.AsOf = timeOf(o.AsOf)
	return nil
}

type periodRowJSON struct {
	periodRowAlias
	Start *time.Time `json:"start"`
}

type periodRowAlias PeriodRow

// MarshalJSON encodes the row with its start as RFC 3339 (null for the
// undated row).
func (p PeriodRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(periodRowJSON{periodRowAlias(p), timePtr(p.Start)})
}

// UnmarshalJSON decodes a row written by [PeriodRow.MarshalJSON].
func (p *PeriodRow) UnmarshalJSON(b []byte) error {
	var o periodRowJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*p = PeriodRow(o.periodRowAlias)
	p.Start = timeOf(o.Start)
	return nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// secs returns d in seconds with nine decimals, exactly.
func secs(d time.Duration) *json.Number {
	n := json.Number(big.NewRat(int64(d), int64(time.Second)).FloatString(9))
	return &n
}

// parseSecs reads seconds written by secs (or any decimal number of
// seconds with at most nine decimals) back into a Duration.
func parseSecs(n json.Number) (time.Duration, error) {
	if n == "" {
		return 0, nil
	}
	d, err := decimal.NewFromString(string(n))
	if err != nil {
		return 0, fmt.Errorf("funnel: seconds %q: %w", n, ErrInvalidParam)
	}
	ns := d.Shift(9)
	if !ns.IsInteger() || ns.GreaterThan(decimal.NewFromInt(math.MaxInt64)) || ns.LessThan(decimal.NewFromInt(math.MinInt64)) {
		return 0, fmt.Errorf("funnel: seconds %q out of range: %w", n, ErrInvalidParam)
	}
	return time.Duration(ns.IntPart()), nil
}

type dealErrorJSON struct {
	ID    string `json:"id"`
	Field string `json:"field"`
	Error string `json:"error"`
}

// MarshalJSON encodes the error as {"id":...,"field":...,"error":...}.
func (e DealError) MarshalJSON() ([]byte, error) {
	return json.Marshal(dealErrorJSON{e.ID, e.Field, errText(e.Err)})
}

// UnmarshalJSON decodes an error written by [DealError.MarshalJSON]; an
// error text of one of the package's sentinels decodes to that sentinel.
func (e *DealError) UnmarshalJSON(b []byte) error {
	var o dealErrorJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*e = DealError{ID: o.ID, Field: o.Field, Err: sentinel(o.Error)}
	return nil
}

// String returns the report as text, as written by [Report.WriteText].
func (r Report) String() string {
	var b strings.Builder
	_ = r.WriteText(&b)
	return b.String()
}

// WriteText writes the report as readable text tables: the funnel, the
// value funnel with the intervals of its step conversions, win rates with
// their intervals, deal size, cycle and age, lead generation
// per period, what the policy left out and the skipped deals. Undefined
// values print as "n/a".
func (r Report) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Deals: %d (open %d, won %d, lost %d); policy %s", r.Deals, r.Open, r.Won, r.Lost, r.Policy)
	if r.Window > 0 {
		ew.printf(", window %s", r.Window)
	}
	if !r.AsOf.IsZero() {
		ew.printf(", as of %s", r.AsOf.Format(time.RFC3339))
	}
	ew.printf("\n\n")

	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\treached\tstep\tinterval\tcumulative\tdrop-off\tpending\tlost\tlost value\topen\topen value\tmedian days (latest)\tmedian days (total)\tp90 days (total)\t")
	for _, s := range r.Funnel {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%d\t", s.Stage, s.Reached, pct(s.Step.Ratio), ci(s.Step.Interval), pct(s.Cumulative.Ratio), s.DropOff, s.Pending)
		if s.Terminal {
			fmt.Fprintf(tw, "\n")
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t\n", s.Lost, s.LostValue, s.Open, s.OpenValue,
			fmtDays(s.TimeLatest.Count, s.TimeLatest.Median), fmtDays(s.TimeTotal.Count, s.TimeTotal.Median), fmtDays(s.TimeTotal.Count, s.TimeTotal.P90))
	}
	_ = tw.Flush()
	ew.printf("\nValue funnel:\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\treached value\tstep (value)\t  interval")
	for _, s := range r.Funnel {
		// the interval last, outside the aligned cells: no trailing blanks
		iv := ci(s.StepValue.Interval)
		if iv != "" {
			iv = "  " + iv
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Stage, s.ReachedValue, valuePct(s.StepValue.MoneyRatio), iv)
	}
	_ = tw.Flush()
	if ex := r.PolicyExcluded(); ex > 0 {
		ew.printf("Policy %s leaves out %d stage entries:", r.Policy, ex)
		for _, s := range r.Funnel {
			if d := s.Entered - s.Reached; d > 0 {
				ew.printf(" %s %d", s.Stage, d)
			}
		}
		ew.printf(" (deals that entered the stage without counting there; the any-stage policy counts them)\n")
	}

	ew.printf("\nWin rate (won / closed):    %s  %s\n", r.WinRate.Ratio, ci(r.WinRate.Interval))
	ew.printf("Win rate (won / created):   %s  %s\n", r.WinRateCreated.Ratio, ci(r.WinRateCreated.Interval))
	ew.printf("Win rate (value):           %s  %s\n", r.WinRateValue.MoneyRatio, ci(r.WinRateValue.Interval))
	ew.printf("Deal size (won):            n=%d total %s mean %s median %s p90 %s\n", r.DealSize.Count, r.DealSize.Total,
		money(r.DealSize.Count, r.DealSize.Mean), money(r.DealSize.Count, r.DealSize.Median), money(r.DealSize.Count, r.DealSize.P90))
	ew.printf("Open pipeline:              %s\n", r.Pipeline)
	for _, c := range []struct {
		name string
		s    DurationSummary
	}{{"Sales cycle (won), days:   ", r.CycleWon}, {"Sales cycle (lost), days:  ", r.CycleLost}, {"Open deal age, days:       ", r.OpenAge}} {
		ew.printf(" %s n=%d mean %s median %s p90 %s\n", c.name, c.s.Count, fmtDays(c.s.Count, c.s.Mean), fmtDays(c.s.Count, c.s.Median), fmtDays(c.s.Count, c.s.P90))
	}
	if r.CycleUndated > 0 || r.AgeUndated > 0 {
		ew.printf("Without a known creation or close time: %d closed deals (no cycle), %d open deals (no age)\n", r.CycleUndated, r.AgeUndated)
	}

	ew.printf("\nLeads created per %s (%s):\n", r.Period, r.Location)
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "period\tcreated\twon\tlost\topen\tlead-to-customer\ttop sources\t")
	for _, p := range r.Periods {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", p.Label, p.Created, p.Won, p.Lost, p.Open, pct(p.LeadToCustomer.Ratio), topSources(p.BySource, 3))
	}
	if r.Undated.Created > 0 {
		u := r.Undated
		fmt.Fprintf(tw, "undated\t%d\t%d\t%d\t%d\t%s\t\n", u.Created, u.Won, u.Lost, u.Open, pct(u.LeadToCustomer.Ratio))
	}
	_ = tw.Flush()
	writeInput(ew, r.Input)
	return ew.err
}

// writeInput writes what was left out and skipped.
func writeInput(ew *errWriter, in Input) {
	if in.Future > 0 {
		ew.printf("\n%d deals created after the as-of time are left out.\n", in.Future)
	}
	if in.Skipped.Count > 0 {
		ew.printf("\nSkipped %d invalid deals of %d read:\n", in.Skipped.Count, in.Read)
		for _, c := range in.Skipped.Reasons {
			ew.printf("  %6d  %s\n", c.Count, c.Reason)
		}
		for _, e := range in.Skipped.Examples {
			ew.printf("  e.g. %s\n", e.Error())
		}
	}
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }

func pct(r Ratio) string {
	p, ok := r.Percent(1)
	if !ok {
		return "n/a"
	}
	return p.StringFixed(1) + "%"
}

// valuePct formats a ratio of amounts as "80.0%", or "n/a".
func valuePct(r MoneyRatio) string {
	v, ok := r.Value()
	if !ok {
		return "n/a"
	}
	return v.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
}

// ci formats an interval as "95% CI 18.1%..45.4%", or "" when undefined.
func ci(iv Interval) string {
	if !iv.Defined {
		return ""
	}
	return fmt.Sprintf("%s%% CI %.1f%%..%.1f%%", decimal.NewFromFloat(100*iv.Confidence).Round(1).String(), 100*iv.Lo, 100*iv.Hi)
}

func fmtDays(n int64, d time.Duration) string {
	if n == 0 {
		return "n/a"
	}
	return decimal.NewFromInt(int64(d)).DivRound(decimal.NewFromInt(int64(24*time.Hour)), 1).StringFixed(1)
}

func money(n int64, d decimal.Decimal) string {
	if n == 0 {
		return "n/a"
	}
	return d.StringFixed(2)
}

func topSources(s []SourceCount, k int) string {
	var b strings.Builder
	for i, c := range s {
		if i == k {
			fmt.Fprintf(&b, " +%d more", len(s)-k)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		name := c.Source
		if name == "" {
			name = "(unknown)"
		}
		fmt.Fprintf(&b, "%s %d", name, c.Created)
	}
	return b.String()
}
