package funnel

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
)

// A Report holds the funnel metrics of a population of deals, as computed
// by [Tally.Report] or [Compute]. It marshals to JSON with stable
// snake_case field names and prints as text tables ([Report.WriteText]).
// Counts are of valid deals; skipped deals appear only in Skipped.
type Report struct {
	Stages   []Stage       `json:"funnel"`
	Policy   Policy        `json:"policy"`
	Window   time.Duration `json:"window_ns"`
	AsOf     time.Time     `json:"as_of"`
	Location string        `json:"location"`
	Period   Period        `json:"period"`
	Currency string        `json:"currency"`

	// Deals is the number of valid deals; Open + Won + Lost = Deals.
	Deals int64 `json:"deals"`
	Open  int64 `json:"open"`
	Won   int64 `json:"won"`
	Lost  int64 `json:"lost"`

	// Funnel has one row per stage in funnel order, then a last row for
	// the won outcome (Terminal true).
	Funnel []StageReport `json:"stages"`

	// WinRate is the win rate on the closed basis, W / (W + L): open deals
	// are excluded. Sources: the common CRM definition (Salesforce,
	// HubSpot).
	WinRate Ratio `json:"win_rate"`
	// WinRateCreated is the win rate on the created basis, W / all deals
	// (Bullhorn and others). Over a creation cohort it is the
	// lead-to-customer conversion: won among the leads created in the
	// cohort / leads created in the cohort (see Periods for one cohort per
	// creation period).
	WinRateCreated Ratio `json:"win_rate_created"`
	// WinRateValue is the value-weighted win rate, sum(won amount) /
	// sum(closed amount), closed = won + lost.
	WinRateValue MoneyRatio `json:"win_rate_value"`

	// DealSize summarises won amounts: count W, total, average deal size
	// sum(won amount) / W, median and percentiles (exact).
	DealSize MoneySummary `json:"deal_size"`
	// Pipeline is the total amount of open deals.
	Pipeline decimal.Decimal `json:"pipeline"`

	// CycleWon is the sales-cycle length, Closed - Created, over won deals
	// whose creation time is known: mean, median and percentiles.
	CycleWon DurationSummary `json:"cycle_won"`
	// CycleLost is the same for lost deals.
	CycleLost DurationSummary `json:"cycle_lost"`
	// CycleUndated counts closed deals left out of the cycle figures
	// because their creation time is unknown.
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

	// Skipped reports the invalid deals that were not counted.
	Skipped Skipped `json:"skipped"`
}

// A StageReport is one row of the funnel: the deals that reached a stage
// (under the report's [Policy]), their conversion from the previous stage,
// and the stage's leakage, open pipeline and time in stage.
type StageReport struct {
	Stage    Stage `json:"stage"`
	Terminal bool  `json:"terminal"` // the row of the won outcome
	// Reached is N_k, the deals that reached the stage.
	Reached int64 `json:"reached"`
	// Step is the step conversion N_k / N_(k-1): of the deals that
	// reached the previous stage, those that also reached this one
	// (PostHog "previous step", HubSpot "next step"). Undefined on the
	// first row.
	Step Ratio `json:"step"`
	// Cumulative is N_k / N_1, against the first stage (PostHog "total",
	// HubSpot "cumulative"): of the deals that reached the first stage,
	// those that also reached this one. Under AnyStage a deal can reach a
	// stage without the first; it counts in Reached but not here, so that
	// Cumulative stays a proportion.
	Cumulative Ratio `json:"cumulative"`
	// DropOff is N_(k-1) - N_k, the deals that reached the previous stage
	// but not this one, and DropOffRate is DropOff / N_(k-1) = 1 - Step.
	// Amplitude ranks drop-off by the absolute count.
	DropOff     int64 `json:"drop_off"`
	DropOffRate Ratio `json:"drop_off_rate"`
	// Pending is the part of DropOff still open and inside its
	// conversion window: right-censored, not (yet) dropped. Dropped is
	// DropOff - Pending.
	Pending int64 `json:"pending"`
	Dropped int64 `json:"dropped"`
	// StepDecided is the step conversion over decided deals only,
	// N_k / (N_(k-1) - Pending).
	StepDecided Ratio `json:"step_decided"`
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
	// next stage entry, at the close time, or at AsOf for an open deal.
	TimeLatest DurationSummary `json:"time_latest"`
	TimeTotal  DurationSummary `json:"time_total"`
	// Untimed counts deals left out of the time figures because a visit's
	// start or end time is unknown.
	Untimed int64 `json:"untimed"`
}

// A PeriodRow counts the deals created in one period: lead generation and
// the creation cohort's outcomes.
type PeriodRow struct {
	Start   time.Time `json:"start"` // first instant of the period; zero for undated deals
	Created int64     `json:"created"`
	Won     int64     `json:"won"`
	Lost    int64     `json:"lost"`
	Open    int64     `json:"open"`
	// LeadToCustomer is won / created over the cohort (Close.com's
	// "created in period" cohorting). Deals still open are in the
	// denominator: see Open.
	LeadToCustomer Ratio `json:"lead_to_customer"`
	// BySource counts the deals created per source (Attributes.Source),
	// most first, ties by name; "" is an unknown source.
	BySource []SourceCount `json:"by_source"`
}

// A SourceCount is the number of deals created from one source.
type SourceCount struct {
	Source  string `json:"source"`
	Created int64  `json:"created"`
}

// Skipped reports deals left out because they failed validation.
type Skipped struct {
	Count int64 `json:"count"`
	// Reasons counts skipped deals per reason (the sentinel error's text),
	// most first.
	Reasons []ReasonCount `json:"reasons"`
	// Examples holds the errors of the first skipped deals (at most 20),
	// in input order.
	Examples []DealError `json:"examples"`
}

// A ReasonCount is the number of deals skipped for one reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// Report returns the metrics of the deals added so far. It does not change
// what t counts, and it can be called again after more deals are added.
func (t *Tally) Report() Report {
	n := len(t.f.stages)
	r := Report{
		Stages: t.f.stages, Policy: t.opts.Policy, Window: t.opts.Window, AsOf: t.opts.AsOf,
		Location: t.loc.String(), Period: t.opts.Period, Currency: t.opts.Currency,
		Deals: t.deals, Open: t.open, Won: t.won, Lost: t.lost,
		WinRate:        Ratio{t.won, t.won + t.lost},
		WinRateCreated: Ratio{t.won, t.deals},
		WinRateValue:   MoneyRatio{t.wonAmount.Sum(), t.wonAmount.Sum().Add(t.lostAmount.Sum())},
		DealSize:       t.wonAmount.Summary(),
		CycleUndated:   t.cycleUndated,
		AgeUndated:     t.ageUndated,
	}
	scratch := new(selectScratch)
	r.CycleWon = t.cycleWon.summary(scratch)
	r.CycleLost = t.cycleLost.summary(scratch)
	r.OpenAge = t.openAge.summary(scratch)
	first := t.stages[0].reached
	for k := 0; k <= n; k++ {
		s := &t.stages[k]
		row := StageReport{Reached: s.reached, Cumulative: Ratio{s.viaFirst, first}}
		if k == n {
			row.Stage, row.Terminal = Stage(Won.String()), true
		} else {
			row.Stage = t.f.stages[k]
		}
		if k > 0 {
			p := &t.stages[k-1]
			row.Step = Ratio{p.advanced, p.reached}
			row.DropOff = p.reached - p.advanced
			row.DropOffRate = Ratio{row.DropOff, p.reached}
			row.Pending = p.pending
			row.Dropped = row.DropOff - p.pending
			row.StepDecided = Ratio{p.advanced, p.reached - p.pending}
		}
		if k < n {
			row.Lost, row.LostValue = s.lost.Count(), s.lost.Sum()
			row.Open, row.OpenValue = s.open.Count(), s.open.Sum()
			r.Pipeline = r.Pipeline.Add(row.OpenValue)
			row.TimeLatest = s.latest.summary(scratch)
			row.TimeTotal = s.total.summary(scratch)
			row.Untimed = s.untimed
		}
		r.Funnel = append(r.Funnel, row)
	}

	for _, k := range sortedKeys(t.periods) {
		row := t.periods[k].row(t.sourceNames)
		row.Start = t.opts.Period.keyStart(k, t.loc)
		r.Periods = append(r.Periods, row)
	}
	r.Undated = t.undated.row(t.sourceNames)
	var all periodAcc
	identity := make([]int, len(t.sourceNames))
	for i := range identity {
		identity[i] = i
	}
	for _, p := range t.periods {
		all.add(p, identity)
	}
	all.add(&t.undated, identity)
	r.BySource = all.row(t.sourceNames).BySource

	r.Skipped = Skipped{Count: t.skipped, Examples: slices.Clone(t.examples)}
	for e, c := range t.reasons {
		r.Skipped.Reasons = append(r.Skipped.Reasons, ReasonCount{e.Error(), c})
	}
	slices.SortFunc(r.Skipped.Reasons, func(a, b ReasonCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Reason, b.Reason))
	})
	return r
}

func (p *periodAcc) row(sources []string) PeriodRow {
	r := PeriodRow{Created: p.created, Won: p.won, Lost: p.lost, Open: p.created - p.won - p.lost,
		LeadToCustomer: Ratio{p.won, p.created}}
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

// MarshalJSON encodes the error as {"id":...,"field":...,"error":...}.
func (e DealError) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"id":%s,"field":%s,"error":%s}`, jsonString(e.ID), jsonString(e.Field), jsonString(errText(e.Err))), nil
}

// String returns the report as text, as written by [Report.WriteText].
func (r Report) String() string {
	var b strings.Builder
	_ = r.WriteText(&b)
	return b.String()
}

// WriteText writes the report as readable text tables: the funnel, win
// rates with 95% Wilson intervals, deal size, cycle and age, lead
// generation per period and the skipped deals. Undefined values print as
// "n/a".
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
	fmt.Fprintln(tw, "stage\treached\tstep\tcumulative\tdrop-off\tpending\tlost\tlost value\topen\topen value\tmedian days (latest)\tmedian days (total)\tp90 days (total)\t")
	for _, s := range r.Funnel {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t", s.Stage, s.Reached, pct(s.Step), pct(s.Cumulative), s.DropOff, s.Pending)
		if s.Terminal {
			fmt.Fprintf(tw, "\n")
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t\n", s.Lost, s.LostValue, s.Open, s.OpenValue,
			fmtDays(s.TimeLatest.Count, s.TimeLatest.Median), fmtDays(s.TimeTotal.Count, s.TimeTotal.Median), fmtDays(s.TimeTotal.Count, s.TimeTotal.P90))
	}
	_ = tw.Flush()

	ew.printf("\nWin rate (won / closed):    %s  %s\n", r.WinRate, wilson(r.WinRate))
	ew.printf("Win rate (won / created):   %s  %s\n", r.WinRateCreated, wilson(r.WinRateCreated))
	ew.printf("Win rate (value):           %s\n", r.WinRateValue)
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
		ew.printf("Without a known creation time: %d closed deals (no cycle), %d open deals (no age)\n", r.CycleUndated, r.AgeUndated)
	}

	ew.printf("\nLeads created per %s (%s):\n", r.Period, r.Location)
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "period\tcreated\twon\tlost\topen\tlead-to-customer\ttop sources\t")
	for _, p := range r.Periods {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\t\n", r.Period.label(p.Start), p.Created, p.Won, p.Lost, p.Open, pct(p.LeadToCustomer), topSources(p.BySource, 3))
	}
	if r.Undated.Created > 0 {
		u := r.Undated
		fmt.Fprintf(tw, "undated\t%d\t%d\t%d\t%d\t%s\t\n", u.Created, u.Won, u.Lost, u.Open, pct(u.LeadToCustomer))
	}
	_ = tw.Flush()

	if r.Skipped.Count > 0 {
		ew.printf("\nSkipped %d invalid deals:\n", r.Skipped.Count)
		for _, c := range r.Skipped.Reasons {
			ew.printf("  %6d  %s\n", c.Count, c.Reason)
		}
		for _, e := range r.Skipped.Examples {
			ew.printf("  e.g. %s\n", e.Error())
		}
	}
	return ew.err
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

func wilson(r Ratio) string {
	lo, hi, ok := r.Wilson(0.95)
	if !ok {
		return ""
	}
	return fmt.Sprintf("95%% CI %.1f%%..%.1f%%", 100*lo, 100*hi)
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

// label formats the start of a period: 2024-03-05, 2024-W10, 2024-03,
// 2024-Q1 or 2024.
func (p Period) label(t time.Time) string {
	switch p {
	case Day:
		return t.Format(time.DateOnly)
	case Week:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case Quarter:
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	case Year:
		return fmt.Sprint(t.Year())
	default:
		return t.Format("2006-01")
	}
}
