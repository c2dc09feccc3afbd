package forecast

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// gkey identifies a group of open deals weighed alike: the stage, the
// segment (when the rates are learned per segment), the forecast category
// and whether the deals carry their own probability.
type gkey struct {
	k   int
	seg string
	cat Category
	own bool
}

func compareKeys(a, b gkey) int {
	return cmp.Or(cmp.Compare(a.k, b.k), strings.Compare(a.seg, b.seg), cmp.Compare(a.cat, b.cat), cmpBool(a.own, b.own))
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// group accumulates the open deals of one key: their amounts, and for
// deals with their own probability the weighted amounts.
type group struct {
	amount   funnel.MoneyStats
	weighted funnel.MoneyStats
}

// A Pipeline accumulates the weighted pipeline of the scan's deals as of
// its as-of time: every open deal's amount times its probability of
// winning,
//
//	weighted = Σ amount × P(win)
//
// the expected revenue of Salesforce (Opportunity.ExpectedRevenue =
// Amount × Probability), Pipedrive's weighted value (deal value × deal
// probability) and Odoo's prorated revenue. P(win) is the deal's own
// probability (funnel.Deal.Probability) when set, else its current
// stage's: given (Options.Probabilities), from a given [Model], or learned
// in the same pass by the one [Learner] (per segment when asked). A
// learned rate is rounded to [ProbabilityPlaces] before it weighs, so
// every figure is exact and the rows add up to the totals exactly.
//
// The open deals are rolled up by forecast category (funnel.Deal.Category
// parsed by [ParseCategory]; empty means Pipeline), with the won deals as
// the Closed category. An open deal whose category does not parse (or is
// Closed) is skipped and counted in Input with [ErrUnknownCategory]; in
// strict mode the report is then that deal's error.
//
// Memory: one exact amount (8 bytes) per open deal, grouped by stage,
// category and segment, and one per won deal.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but
// as the receiver of UnmarshalBinary; build one with [NewPipeline].
type Pipeline struct {
	w        *weigher
	l        *Learner
	in       funnel.Intake
	groups   map[gkey]*group
	segs     map[string]struct{} // the segment values seen, bounded by MaxSegments
	overflow bool
	won      funnel.MoneyStats
	first    firstError
	last     error // the category error of the deal Add is adding
}

// NewPipeline returns an empty weighted pipeline of the scan's deals. It
// returns an error wrapping funnel.ErrInvalidParam for a nil scan or
// invalid options (a probability outside [0, 1] or of an unknown stage, a
// negative MinSegment), and one wrapping funnel.ErrIncompatible for a
// model of other stages.
func NewPipeline(s *funnel.Scan, opts Options) (*Pipeline, error) {
	w, err := newWeigher(s, opts, false)
	if err != nil {
		return nil, err
	}
	return newPipeline(w), nil
}

func newPipeline(w *weigher) *Pipeline {
	return &Pipeline{w: w, l: w.learner(), groups: map[gkey]*group{}, segs: map[string]struct{}{}}
}

// Weighted computes the weighted pipeline of the deals in one pass:
// [NewPipeline], [funnel.Scan.Run] and [Pipeline.Report].
func Weighted(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts Options) (PipelineReport, error) {
	p, err := NewPipeline(s, opts)
	if err != nil {
		return PipelineReport{}, err
	}
	if err := s.Run(deals, p); err != nil {
		return PipelineReport{}, err
	}
	return p.Report()
}

// Scan returns the scan the pipeline was built for.
func (p *Pipeline) Scan() *funnel.Scan {
	if p.w == nil { // the zero Pipeline
		return nil
	}
	return p.w.s
}

// Fresh returns an empty pipeline of the same scan and options.
func (p *Pipeline) Fresh() funnel.Accumulator { return newPipeline(p.w) }

// Add validates d and adds it (see [funnel.Scan.Add]). It returns the
// deal's [*funnel.DealError] when it is invalid or its category does not
// parse.
func (p *Pipeline) Add(d funnel.Deal) error {
	p.last = nil
	if err := p.w.s.Add(d, p); err != nil {
		return err
	}
	return p.last
}

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (p *Pipeline) Observe(v *funnel.View) {
	if p.l != nil {
		p.l.Observe(v)
	}
	cat, ok, err := classify(&p.in, v, &p.first)
	p.last = err
	if !ok {
		return
	}
	d := v.Deal
	switch d.Outcome {
	case funnel.Won:
		if since := p.w.opts.Since; since.IsZero() || (!d.Closed.IsZero() && !d.Closed.Before(since)) {
			p.won.Add(d.Amount)
		}
	case funnel.Open:
		p.addOpen(v.Current(), cat, d)
	}
}

func (p *Pipeline) addOpen(k int, cat Category, d *funnel.Deal) {
	if p.overflow {
		return
	}
	key := gkey{k: k, cat: cat, own: d.Probability.Valid}
	if !key.own && p.w.segment != "" {
		key.seg = d.Attrs.Get(p.w.segment)
		if _, ok := p.segs[key.seg]; !ok {
			if len(p.segs) == MaxSegments {
				p.setOverflow()
				return
			}
			p.segs[key.seg] = struct{}{}
		}
	}
	g := p.groups[key]
	if g == nil {
		g = new(group)
		p.groups[key] = g
	}
	g.amount.Add(d.Amount)
	if key.own {
		g.weighted.Add(d.Amount.Mul(d.Probability.Decimal))
	}
}

func (p *Pipeline) setOverflow() {
	p.overflow = true
	clear(p.groups)
	clear(p.segs)
}

// Merge adds everything o, a *Pipeline of an equal scan and options, holds
// (see [funnel.Accumulator]). o is not modified.
func (p *Pipeline) Merge(o funnel.Accumulator) error {
	op, err := mergeable[*Pipeline](p, o)
	if err != nil {
		return err
	}
	if op.w.settings != p.w.settings {
		return incompatible("merging pipelines of other options")
	}
	if p.l != nil {
		p.l.merge(op.l)
	}
	p.in.Merge(&op.in)
	p.won.Merge(&op.won)
	p.first.merge(&op.first)
	if op.overflow {
		p.setOverflow()
	}
	for key, og := range op.groups {
		if p.overflow {
			break
		}
		if !key.own && p.w.segment != "" {
			if _, ok := p.segs[key.seg]; !ok {
				if len(p.segs) == MaxSegments {
					p.setOverflow()
					break
				}
				p.segs[key.seg] = struct{}{}
			}
		}
		g := p.groups[key]
		if g == nil {
			g = new(group)
			p.groups[key] = g
		}
		g.amount.Merge(&og.amount)
		g.weighted.Merge(&og.weighted)
	}
	return nil
}

// Model returns the model whose rates (or time-to-win samples) the
// pipeline uses: the given one, or the one learned so far; nil for given
// probabilities.
func (p *Pipeline) Model() (*Model, error) { return p.w.model(p.l) }

// A StageRow is the weighted pipeline of the open deals in one stage.
type StageRow struct {
	Stage funnel.Stage `json:"stage"`
	// Deals and Amount are the open deals now in the stage (their last
	// stage entry as of the as-of time) and their total amount.
	Deals  int64           `json:"deals"`
	Amount decimal.Decimal `json:"amount"`
	// Probability is the stage's probability for deals without their
	// own: the given one, or the overall learned rate rounded to
	// ProbabilityPlaces; null when the stage has none. With rates per
	// segment a deal may be weighed at its segment's rate instead (see
	// Effective).
	Probability decimal.NullDecimal `json:"probability"`
	// Rate is the stage's overall learned rate, won / closed with its
	// interval; 0/0 for given probabilities.
	Rate funnel.Rate `json:"rate"`
	// Weighted is the stage's weighted pipeline, Σ amount × P(win) over
	// its deals with a probability (own probabilities included), and
	// WeightedLo and WeightedHi the same with every learned rate at the
	// low or high end of its Wilson interval (each rounded to
	// ProbabilityPlaces; own and given probabilities weigh the same at
	// both ends): bounds that move together, a conservative band, not a
	// confidence interval of the sum.
	Weighted   decimal.Decimal `json:"weighted"`
	WeightedLo decimal.Decimal `json:"weighted_lo"`
	WeightedHi decimal.Decimal `json:"weighted_hi"`
	// Effective is Weighted / D, D the amount of the deals with a
	// probability (Amount - UnweightedAmount): the mean probability the
	// stage's money was weighed at. Its interval, at the scan's
	// confidence, is the band's: [WeightedLo / D, WeightedHi / D], not
	// defined when D is 0.
	//
	// The amounts are known exactly (every open deal of the stage, a
	// census, as the figures of [QuotaRow] are) and own and given
	// probabilities are the caller's, so the only uncertainty is the
	// learned rates'; with none the interval is the point. The ratio
	// estimator's interval of funnel.MoneyRate does not apply: it would
	// read the spread of the probabilities among the deals as sampling
	// error, and give a stage weighed at one learned rate an interval of
	// zero width. Where one learned rate weighs the stage (rates not per
	// segment, or the deals of one segment), Effective is
	// (OverriddenWeighted + p × its amount) / D, increasing in the rate p,
	// so the interval is that rate's Wilson interval carried through this
	// map (each end rounded to ProbabilityPlaces) and has its coverage.
	// Where several do (rates per segment), every rate sits at its bound
	// together: the interval holds every value the rates give within
	// their own intervals, wider than a joint interval of the sum.
	Effective funnel.MoneyRate `json:"effective"`
	// Overridden counts the deals weighed at their own probability, with
	// their amount and weighted amount.
	Overridden         int64           `json:"overridden"`
	OverriddenAmount   decimal.Decimal `json:"overridden_amount"`
	OverriddenWeighted decimal.Decimal `json:"overridden_weighted"`
	// Unweighted counts the deals with no probability (a stage with no
	// given probability, or whose rate is undefined), left out of
	// Weighted, and their amount.
	Unweighted       int64           `json:"unweighted"`
	UnweightedAmount decimal.Decimal `json:"unweighted_amount"`
}

// A CategoryRow is one row of the forecast roll-up: the deals of one
// category, and the cumulative figures of this category and every more
// certain one (Salesforce's cumulative forecast roll-up: Commit includes
// Closed, Best Case includes Commit and Closed, Pipeline includes all;
// Omitted is outside and has no cumulative figures).
type CategoryRow struct {
	Category Category        `json:"category"`
	Deals    int64           `json:"deals"`
	Amount   decimal.Decimal `json:"amount"`
	// Weighted is the category's weighted amount; won deals (Closed)
	// weigh 1.
	Weighted           decimal.Decimal `json:"weighted"`
	CumulativeDeals    int64           `json:"cumulative_deals"`
	CumulativeAmount   decimal.Decimal `json:"cumulative_amount"`
	CumulativeWeighted decimal.Decimal `json:"cumulative_weighted"`
}

// A PipelineReport is the weighted pipeline of the deals as of the
// scan's as-of time, per stage and rolled up by forecast category. Every
// figure is exact: the stage rows add up to the totals and the open
// categories' Weighted to Weighted.
type PipelineReport struct {
	AsOf  time.Time `json:"-"` // JSON as_of, null when zero
	Since time.Time `json:"-"` // JSON since, null when zero
	// Source says where the stage probabilities came from; Segment is
	// the attribute the rates were learned per, or "".
	Source  Source `json:"source"`
	Segment string `json:"segment"`
	// Stages has one row per funnel stage, in funnel order.
	Stages []StageRow `json:"stages"`
	// Categories is the roll-up, in the order Closed, Commit, Best Case,
	// Pipeline, Omitted.
	Categories []CategoryRow `json:"categories"`
	// Open and OpenAmount are the open deals and their amount.
	Open       int64           `json:"open"`
	OpenAmount decimal.Decimal `json:"open_amount"`
	// Weighted is the weighted pipeline, Σ over open deals of amount ×
	// P(win); WeightedLo and WeightedHi its band (see [StageRow]).
	Weighted   decimal.Decimal `json:"weighted"`
	WeightedLo decimal.Decimal `json:"weighted_lo"`
	WeightedHi decimal.Decimal `json:"weighted_hi"`
	// Overridden and Unweighted sum the stage rows' (see [StageRow]).
	Overridden         int64           `json:"overridden"`
	OverriddenAmount   decimal.Decimal `json:"overridden_amount"`
	OverriddenWeighted decimal.Decimal `json:"overridden_weighted"`
	Unweighted         int64           `json:"unweighted"`
	UnweightedAmount   decimal.Decimal `json:"unweighted_amount"`
	// Input says what the pipeline was given; deals whose category does
	// not parse are skipped.
	Input funnel.Input `json:"input"`
}

// Report returns the weighted pipeline of the deals added so far; the
// pipeline can go on. It returns, in strict mode, the error of the first
// open deal whose category does not parse, and an error wrapping
// funnel.ErrInvalidParam when the segment attribute took more than
// MaxSegments values.
func (p *Pipeline) Report() (PipelineReport, error) {
	if err := strictErr(p.w.s, &p.first); err != nil {
		return PipelineReport{}, err
	}
	if p.overflow {
		return PipelineReport{}, invalid("more than %d values of the segment attribute %q", MaxSegments, p.w.segment)
	}
	m, err := p.w.model(p.l)
	if err != nil {
		return PipelineReport{}, err
	}
	f := p.w.s.Funnel()
	r := PipelineReport{AsOf: p.w.s.Options().AsOf, Since: p.w.opts.Since, Source: p.w.source, Segment: p.w.segment,
		Stages: make([]StageRow, f.Len()), Input: p.in.Input()}
	for k := range r.Stages {
		row := &r.Stages[k]
		row.Stage = f.Stage(k)
		if p.w.source == SourceGiven {
			row.Probability = p.w.given[k]
		} else {
			row.Rate = rate(m.rates[k].ratio(), p.w.s.Level())
			if m.rates[k].closed > 0 {
				row.Probability = decimal.NewNullDecimal(probOf(m.rates[k]))
			}
		}
	}
	var cats [CategoryOmitted + 1]CategoryRow
	for key, g := range p.groups {
		row, c := &r.Stages[key.k], &cats[key.cat]
		n, amt := g.amount.Count(), g.amount.Sum()
		row.Deals += n
		row.Amount = row.Amount.Add(amt)
		c.Deals += n
		c.Amount = c.Amount.Add(amt)
		if key.own {
			w := g.weighted.Sum()
			row.Overridden += n
			row.OverriddenAmount = row.OverriddenAmount.Add(amt)
			row.OverriddenWeighted = row.OverriddenWeighted.Add(w)
			row.Weighted = row.Weighted.Add(w)
			row.WeightedLo = row.WeightedLo.Add(w)
			row.WeightedHi = row.WeightedHi.Add(w)
			c.Weighted = c.Weighted.Add(w)
			continue
		}
		pr := p.w.prob(m, key.k, key.seg)
		if !pr.ok {
			row.Unweighted += n
			row.UnweightedAmount = row.UnweightedAmount.Add(amt)
			continue
		}
		w := amt.Mul(pr.p)
		row.Weighted = row.Weighted.Add(w)
		row.WeightedLo = row.WeightedLo.Add(amt.Mul(pr.lo))
		row.WeightedHi = row.WeightedHi.Add(amt.Mul(pr.hi))
		c.Weighted = c.Weighted.Add(w)
	}
	for k := range r.Stages {
		row := &r.Stages[k]
		row.Effective = bandRate(row.Weighted, row.WeightedLo, row.WeightedHi, row.Amount.Sub(row.UnweightedAmount), p.w.s.Level())
		r.Open += row.Deals
		r.OpenAmount = r.OpenAmount.Add(row.Amount)
		r.Weighted = r.Weighted.Add(row.Weighted)
		r.WeightedLo = r.WeightedLo.Add(row.WeightedLo)
		r.WeightedHi = r.WeightedHi.Add(row.WeightedHi)
		r.Overridden += row.Overridden
		r.OverriddenAmount = r.OverriddenAmount.Add(row.OverriddenAmount)
		r.OverriddenWeighted = r.OverriddenWeighted.Add(row.OverriddenWeighted)
		r.Unweighted += row.Unweighted
		r.UnweightedAmount = r.UnweightedAmount.Add(row.UnweightedAmount)
	}
	won := p.won.Sum()
	cats[CategoryClosed] = CategoryRow{Deals: p.won.Count(), Amount: won, Weighted: won}
	var cum CategoryRow
	for _, c := range []Category{CategoryClosed, CategoryCommit, CategoryBestCase, CategoryPipeline, CategoryOmitted} {
		row := cats[c]
		row.Category = c
		if c != CategoryOmitted {
			cum.Deals += row.Deals
			cum.Amount = cum.Amount.Add(row.Amount)
			cum.Weighted = cum.Weighted.Add(row.Weighted)
			row.CumulativeDeals, row.CumulativeAmount, row.CumulativeWeighted = cum.Deals, cum.Amount, cum.Weighted
		}
		r.Categories = append(r.Categories, row)
	}
	return r, nil
}

// bandRate returns w / den with the interval [lo / den, hi / den] at the
// level (see StageRow.Effective), inside [0, 1], not defined when den is
// not positive.
func bandRate(w, lo, hi, den decimal.Decimal, level float64) funnel.MoneyRate {
	r := funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: w, Den: den}}
	if den.Sign() <= 0 {
		return r
	}
	d := den.InexactFloat64()
	r.Interval = funnel.Interval{Lo: min(max(lo.InexactFloat64()/d, 0), 1), Hi: min(max(hi.InexactFloat64()/d, 0), 1), Confidence: level, Defined: true}
	return r
}

const pipelineVersion = 1

// MarshalBinary encodes the pipeline (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (p *Pipeline) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.pipeline", pipelineVersion, p.w.s)
	p.w.encode(&w)
	blob(&w, &p.in)
	if p.l != nil {
		p.l.encode(&w)
	}
	w.Bool(p.overflow)
	keys := sortedKeys(p.groups, compareKeys)
	w.Int(len(keys))
	for _, key := range keys {
		g := p.groups[key]
		w.Int(key.k)
		w.String(key.seg)
		w.Int(int(key.cat))
		w.Bool(key.own)
		writeMoney(&w, &g.amount)
		if key.own {
			writeMoney(&w, &g.weighted)
		}
	}
	writeMoney(&w, &p.won)
	p.first.encode(&w)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a pipeline written by [Pipeline.MarshalBinary],
// replacing p's contents. A pipeline built by [NewPipeline] accepts only
// an encoding of an equal scan and options (funnel.ErrIncompatible
// otherwise); a zero Pipeline takes the encoded ones. Invalid input is an
// error wrapping funnel.ErrInvalidParam.
func (p *Pipeline) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	var own *funnel.Scan
	if p.w != nil {
		own = p.w.s
	}
	s, err := readHeader(r, "forecast.pipeline", pipelineVersion, own)
	if err != nil {
		return err
	}
	w, err := decodeWeigher(r, s)
	if err != nil {
		return err
	}
	if p.w != nil && w.settings != p.w.settings {
		return incompatible("decoding a pipeline of other options")
	}
	out := newPipeline(w)
	unblob(r, &out.in)
	if out.l != nil && r.Err() == nil {
		l, err := decodeLearner(r, s)
		if err != nil {
			return err
		}
		if l.opts != out.l.opts {
			return decodeErr(wire.ErrFormat)
		}
		out.l = l
	}
	out.overflow = r.Bool()
	n := r.Count(6)
	if r.Err() == nil && out.overflow && n > 0 {
		r.Fail("groups after an overflow")
	}
	var prev gkey
	for i := range n {
		key := gkey{k: r.Int(), seg: r.String(), cat: Category(r.Int()), own: r.Bool()}
		g := new(group)
		g.amount = readMoney(r)
		if key.own {
			g.weighted = readMoney(r)
		}
		if r.Err() != nil {
			break
		}
		if key.k >= s.Funnel().Len() || !key.cat.valid() || key.cat == CategoryClosed || (i > 0 && compareKeys(prev, key) >= 0) ||
			(key.seg != "" && (key.own || out.w.segment == "")) || g.amount.Count() == 0 || (key.own && g.weighted.Count() != g.amount.Count()) {
			r.Fail("bad group")
			break
		}
		prev = key
		if !key.own && out.w.segment != "" {
			out.segs[key.seg] = struct{}{}
		}
		out.groups[key] = g
	}
	if r.Err() == nil && len(out.segs) > MaxSegments {
		r.Fail("too many segments")
	}
	out.won = readMoney(r)
	out.first.decode(r)
	if err := finish(r); err != nil {
		return err
	}
	if err := canonical(data, out); err != nil {
		return err
	}
	*p = *out
	return nil
}

type pipelineReportJSON struct {
	pipelineReportAlias
	AsOf  *time.Time `json:"as_of"`
	Since *time.Time `json:"since"`
}

type pipelineReportAlias PipelineReport

// MarshalJSON encodes the report in the package's JSON style (snake_case,
// enums by name, money as decimal strings, rates with intervals, times
// RFC 3339 or null).
func (r PipelineReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(pipelineReportJSON{pipelineReportAlias(r), timePtr(r.AsOf), timePtr(r.Since)})
}

// UnmarshalJSON decodes a report written by [PipelineReport.MarshalJSON].
func (r *PipelineReport) UnmarshalJSON(b []byte) error {
	var o pipelineReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = PipelineReport(o.pipelineReportAlias)
	r.AsOf, r.Since = timeOf(o.AsOf), timeOf(o.Since)
	return nil
}

// WriteText writes the report as text: the stage table (with each stage's
// effective probability and its interval, "exact" where it is the point),
// the category roll-up and the totals, then what was skipped.
func (r PipelineReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Weighted pipeline (%s probabilities", r.Source)
	if r.Segment != "" {
		ew.printf(" per %s", r.Segment)
	}
	ew.printf(")")
	if !r.AsOf.IsZero() {
		ew.printf(" as of %s", r.AsOf.Format(time.RFC3339))
	}
	ew.printf("\n\n")
	tw := newTable(ew)
	fmt.Fprintln(tw, "stage\topen\tamount\tprobability\trate\tinterval\tweighted\tlow\thigh\teffective\toverridden\tunweighted\t")
	for _, s := range r.Stages {
		prob := "n/a"
		if s.Probability.Valid {
			prob = s.Probability.Decimal.StringFixed(4)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", s.Stage, s.Deals, money(s.Amount), prob, pct(s.Rate.Ratio), ci(s.Rate.Interval),
			money(s.Weighted), money(s.WeightedLo), money(s.WeightedHi), moneyRatePct(s.Effective), s.Overridden, s.Unweighted)
	}
	fmt.Fprintf(tw, "total\t%d\t%s\t\t\t\t%s\t%s\t%s\t\t%d\t%d\t\n", r.Open, money(r.OpenAmount), money(r.Weighted), money(r.WeightedLo), money(r.WeightedHi), r.Overridden, r.Unweighted)
	_ = tw.Flush()
	ew.printf("\nForecast categories")
	if !r.Since.IsZero() {
		ew.printf(" (closed since %s)", r.Since.Format(time.RFC3339))
	}
	ew.printf(":\n")
	tw = newTable(ew)
	fmt.Fprintln(tw, "category\tdeals\tamount\tweighted\tcumulative amount\tcumulative weighted\t")
	for _, c := range r.Categories {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", c.Category, c.Deals, money(c.Amount), money(c.Weighted), money(c.CumulativeAmount), money(c.CumulativeWeighted))
	}
	_ = tw.Flush()
	writeInput(ew, r.Input)
	return ew.err
}
