package forecast

import (
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// A Goal is the quota of one rep, team or other key for one period (the
// scan's funnel.Options.Period, in its Calendar and Location): HubSpot's
// goal, Salesforce's forecasting quota.
type Goal struct {
	// Key is the value of the quota attribute (QuotaOptions.Key) the
	// goal is for; "" when there is one quota for all deals.
	Key string `json:"key"`
	// Start is any instant of the goal's period.
	Start time.Time `json:"start"`
	// Amount is the quota, not negative.
	Amount decimal.Decimal `json:"amount"`
}

// QuotaOptions configure a [Quota].
type QuotaOptions struct {
	// Key names the attribute (funnel.Attributes.Get: "owner", "region",
	// a custom key) that says whose quota a deal counts toward; "" means
	// every deal counts toward the goals of key "".
	Key string
	// Goals are the quotas, at most one per key and period.
	Goals []Goal
}

// A Quota accumulates quota attainment and pipeline coverage:
//
//	attainment = won / quota
//	coverage   = open pipeline / max(quota - won, 0)
//
// (Salesforce's and HubSpot's quota attainment; pipeline coverage, the
// ratio sales teams compare with 3x). A deal won counts in the period of
// its close time, an open deal in the period of its expected close date
// (funnel.Deal.ExpectedClose as of the scan's as-of time), or of the
// as-of time when it has none; a deal counts toward the goal of its key in
// that period, if there is one. Deals are seen as of the scan's as-of time:
// a deal won later is open.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but
// as the receiver of UnmarshalBinary; build one with [NewQuota].
type Quota struct {
	s       *funnel.Scan
	key     string
	goals   []Goal // period starts resolved
	index   map[goalKey]int
	in      funnel.Intake
	won     []funnel.MoneyStats
	open    []funnel.MoneyStats
	outside int64
	undated int64
}

type goalKey struct {
	key   string
	start int64
}

// NewQuota returns an empty quota accumulator of the scan's deals. It
// returns an error wrapping funnel.ErrInvalidParam for a nil scan, a
// negative quota or two goals for the same key and period.
func NewQuota(s *funnel.Scan, opts QuotaOptions) (*Quota, error) {
	if s == nil {
		return nil, invalid("nil scan")
	}
	o := s.Options()
	q := &Quota{s: s, key: opts.Key, index: make(map[goalKey]int, len(opts.Goals))}
	for _, g := range opts.Goals {
		if g.Amount.Sign() < 0 {
			return nil, invalid("quota %v of %q at %v is negative", g.Amount, g.Key, g.Start)
		}
		g.Start = o.Calendar.Start(o.Period, g.Start, o.Location)
		k := goalKey{g.Key, g.Start.Unix()}
		if _, dup := q.index[k]; dup {
			return nil, invalid("two quotas of %q for the period of %v", g.Key, g.Start)
		}
		q.index[k] = len(q.goals)
		q.goals = append(q.goals, g)
	}
	q.won = make([]funnel.MoneyStats, len(q.goals))
	q.open = make([]funnel.MoneyStats, len(q.goals))
	return q, nil
}

// Attainment computes quota attainment and coverage of the deals in one
// pass: [NewQuota], [funnel.Scan.Run] and [Quota.Report].
func Attainment(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts QuotaOptions) (QuotaReport, error) {
	return onepass.Run(s, deals, opts, NewQuota, onepass.Always((*Quota).Report))
}

// Scan returns the scan the accumulator was built for.
func (q *Quota) Scan() *funnel.Scan { return q.s }

// Fresh returns an empty accumulator of the same scan and goals.
func (q *Quota) Fresh() funnel.Accumulator {
	c, _ := NewQuota(q.s, QuotaOptions{Key: q.key, Goals: q.goals})
	return c
}

// Add validates d and adds it (see [funnel.Scan.Add]).
func (q *Quota) Add(d funnel.Deal) error { return q.s.Add(d, q) }

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (q *Quota) Observe(v *funnel.View) {
	if !q.in.Note(v) {
		return
	}
	d := v.Deal
	var at time.Time
	switch d.Outcome {
	case funnel.Won:
		at = d.Closed
	case funnel.Open:
		at = d.ExpectedClose
		if at.IsZero() {
			at = q.s.Options().AsOf
		}
	default:
		return
	}
	if at.IsZero() {
		q.undated++
		return
	}
	key := ""
	if q.key != "" {
		key = d.Attrs.Get(q.key)
	}
	o := q.s.Options()
	i, ok := q.index[goalKey{key, o.Calendar.Start(o.Period, at, o.Location).Unix()}]
	if !ok {
		q.outside++
		return
	}
	if d.Outcome == funnel.Won {
		q.won[i].Add(d.Amount)
	} else {
		q.open[i].Add(d.Amount)
	}
}

// Merge adds everything o, a *Quota of an equal scan and goals, holds
// (see [funnel.Accumulator]). o is not modified.
func (q *Quota) Merge(o funnel.Accumulator) error {
	oq, err := mergeable[*Quota](q, o)
	if err != nil {
		return err
	}
	if q.settings() != oq.settings() {
		return incompatible("merging quotas of other goals")
	}
	q.in.Merge(&oq.in)
	for i := range q.goals {
		q.won[i].Merge(&oq.won[i])
		q.open[i].Merge(&oq.open[i])
	}
	q.outside += oq.outside
	q.undated += oq.undated
	return nil
}

func (q *Quota) settings() string {
	var w wire.Writer
	q.encodeSettings(&w)
	return string(w.Bytes())
}

func (q *Quota) encodeSettings(w *wire.Writer) {
	w.String(q.key)
	w.Int(len(q.goals))
	for _, g := range q.goals {
		w.String(g.Key)
		w.Time(g.Start)
		w.Decimal(g.Amount)
	}
}

// A QuotaRow is the attainment and coverage of one goal.
//
// Both are ratios of amounts known exactly as of the as-of time: the
// amount won and the open amount are totals over every deal of the goal
// (a census, not a sample), and the quota is a constant. They have no
// sampling error, so their intervals are the point, Lo = Hi = Num / Den,
// at the scan's confidence level (a census has zero sampling variance:
// Cochran 1977, "Sampling Techniques", 3rd ed., section 2.5, whose
// finite population correction 1 - n/N vanishes at n = N); an interval is
// not defined where the ratio is not (Den = 0). The ratio estimator's
// interval of [funnel.MoneyRate] does not apply: its denominator is a
// sum over the same deals as its numerator, the quota is not. What is
// uncertain is the attainment the period will end with, which depends on
// how many of the open deals are won: that is a forecast, given by a
// [Range] with RangeOptions.Close in the period and the quota among its
// Quotas (its percentiles of the period's revenue divided by the quota are
// the percentiles of the final attainment, and its probability of
// reaching the quota the chance that attainment ends at 100% or more).
type QuotaRow struct {
	Key   string          `json:"key"`
	Start time.Time       `json:"-"` // the start of the goal's period (JSON start)
	Quota decimal.Decimal `json:"quota"`
	// Won is the amount won in the period, over WonDeals deals;
	// Attainment = Won / Quota, with its interval (see [QuotaRow]).
	Won        decimal.Decimal  `json:"won"`
	WonDeals   int64            `json:"won_deals"`
	Attainment funnel.MoneyRate `json:"attainment"`
	// Remaining is max(Quota - Won, 0); Pipeline is the open amount
	// expected to close in the period, over OpenDeals deals; Coverage =
	// Pipeline / Remaining, undefined once the quota is met, with its
	// interval (see [QuotaRow]).
	Remaining decimal.Decimal  `json:"remaining"`
	Pipeline  decimal.Decimal  `json:"pipeline"`
	OpenDeals int64            `json:"open_deals"`
	Coverage  funnel.MoneyRate `json:"coverage"`
}

// A QuotaReport is the attainment and coverage of every goal, in the
// order given.
type QuotaReport struct {
	AsOf   time.Time     `json:"-"` // JSON as_of
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the periods' names.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	Key      string          `json:"key"`
	Rows     []QuotaRow      `json:"rows"`
	// Outside counts won and open deals in no goal's key and period;
	// Undated counts won deals without a close time and open deals
	// without an expected close date when there is no as-of time.
	Outside int64        `json:"outside"`
	Undated int64        `json:"undated"`
	Input   funnel.Input `json:"input"`
}

// Report returns the attainment and coverage of the deals added so far.
func (q *Quota) Report() QuotaReport {
	o := q.s.Options()
	r := QuotaReport{AsOf: o.AsOf, Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(), Key: q.key, Rows: make([]QuotaRow, len(q.goals)),
		Outside: q.outside, Undated: q.undated, Input: q.in.Input()}
	level := q.s.Level()
	for i, g := range q.goals {
		row := QuotaRow{Key: g.Key, Start: g.Start, Quota: g.Amount, Won: q.won[i].Sum(), WonDeals: q.won[i].Count(),
			Pipeline: q.open[i].Sum(), OpenDeals: q.open[i].Count()}
		row.Attainment = censusRate(row.Won, row.Quota, level)
		row.Remaining = decimal.Max(row.Quota.Sub(row.Won), decimal.Zero)
		row.Coverage = censusRate(row.Pipeline, row.Remaining, level)
		r.Rows[i] = row
	}
	return r
}

const quotaVersion = 1

// MarshalBinary encodes the accumulator (see [funnel.Accumulator]).
func (q *Quota) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.quota", quotaVersion, q.s)
	q.encodeSettings(&w)
	blob(&w, &q.in)
	for i := range q.goals {
		writeMoney(&w, &q.won[i])
		writeMoney(&w, &q.open[i])
	}
	w.Varint(q.outside)
	w.Varint(q.undated)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes an accumulator written by
// [Quota.MarshalBinary], replacing q's contents, as
// [Pipeline.UnmarshalBinary] does.
func (q *Quota) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readHeader(r, "forecast.quota", quotaVersion, q.s)
	if err != nil {
		return err
	}
	opts := QuotaOptions{Key: r.String()}
	n := r.Count(4)
	for range n {
		opts.Goals = append(opts.Goals, Goal{Key: r.String(), Start: r.Time(), Amount: r.Decimal()})
	}
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	out, err := NewQuota(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if q.s != nil && out.settings() != q.settings() {
		return incompatible("decoding a quota of other goals")
	}
	unblob(r, &out.in)
	var sum int64
	for i := range out.goals {
		out.won[i] = readMoney(r)
		out.open[i] = readMoney(r)
		sum += out.won[i].Count() + out.open[i].Count()
	}
	out.outside, out.undated = r.NonNeg(), r.NonNeg()
	if r.Err() == nil && sum+out.outside+out.undated > out.in.Counted() {
		r.Fail("quota counts above the deals")
	}
	if err := decoded(r, data, out); err != nil {
		return err
	}
	*q = *out
	return nil
}

type quotaRowJSON struct {
	quotaRowAlias
	Start *time.Time `json:"start"`
}

type quotaRowAlias QuotaRow

// MarshalJSON encodes the row with its start as RFC 3339.
func (r QuotaRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(quotaRowJSON{quotaRowAlias(r), timePtr(r.Start)})
}

// UnmarshalJSON decodes a row written by [QuotaRow.MarshalJSON].
func (r *QuotaRow) UnmarshalJSON(b []byte) error {
	var o quotaRowJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = QuotaRow(o.quotaRowAlias)
	r.Start = timeOf(o.Start)
	return nil
}

type quotaReportJSON struct {
	quotaReportAlias
	AsOf *time.Time `json:"as_of"`
}

type quotaReportAlias QuotaReport

// MarshalJSON encodes the report in the package's JSON style.
func (r QuotaReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(quotaReportJSON{quotaReportAlias(r), timePtr(r.AsOf)})
}

// UnmarshalJSON decodes a report written by [QuotaReport.MarshalJSON].
func (r *QuotaReport) UnmarshalJSON(b []byte) error {
	var o quotaReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = QuotaReport(o.quotaReportAlias)
	r.AsOf = timeOf(o.AsOf)
	return nil
}

// censusRate returns num / den as a rate whose interval is the point
// (see [QuotaRow]): Lo = Hi = num / den at the level, not defined when den
// is zero.
func censusRate(num, den decimal.Decimal, level float64) funnel.MoneyRate {
	r := funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: num, Den: den}}
	if den.IsZero() {
		return r
	}
	v := num.InexactFloat64() / den.InexactFloat64()
	r.Interval = funnel.Interval{Lo: v, Hi: v, Confidence: level, Defined: true}
	return r
}

// WriteText writes one line per goal: won, attainment, pipeline and
// coverage; their intervals are the point (see [QuotaRow]), so the
// table says "exact" beside them.
func (r QuotaReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Quota attainment by %s", r.Period)
	if r.Key != "" {
		ew.printf(" and %s", r.Key)
	}
	if !r.AsOf.IsZero() {
		ew.printf(" as of %s", r.AsOf.Format(time.RFC3339))
	}
	ew.printf("\n\n")
	tw := newTable(ew)
	fmt.Fprintln(tw, "key\tperiod\tquota\twon\tattainment\tremaining\tpipeline\tcoverage\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", orUnknown(row.Key), r.Calendar.Label(r.Period, row.Start, row.Start.Location()), money(row.Quota), money(row.Won),
			moneyRatePct(row.Attainment), money(row.Remaining), money(row.Pipeline), moneyRatePct(row.Coverage))
	}
	_ = tw.Flush()
	ew.printf("%d deals outside every goal, %d undated\n", r.Outside, r.Undated)
	writeInput(ew, r.Input)
	return ew.err
}

// moneyRatePct formats a rate as moneyPct does, followed by its interval:
// "65.0% exact" when the interval is the point, "65.0% 95% CI 60.1%..70.2%"
// otherwise, nothing when it is not defined.
func moneyRatePct(r funnel.MoneyRate) string {
	s := moneyPct(r.MoneyRatio)
	switch iv := r.Interval; {
	case !iv.Defined:
		return s
	case iv.Lo == iv.Hi:
		return s + " exact"
	default:
		return s + " " + ci(iv)
	}
}

func moneyPct(r funnel.MoneyRatio) string {
	v, ok := r.Value()
	if !ok {
		return "n/a"
	}
	return v.Mul(decimal.NewFromInt(100)).StringFixed(1) + "%"
}
