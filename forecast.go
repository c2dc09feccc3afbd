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

// probScale is the number of decimal places kept when a probability given
// as a float (an interval bound) is turned into a decimal.
const probScale = 10

// A ForecastCategory is a forecast category of the Salesforce and HubSpot
// forecast roll-up. The zero ForecastCategory is [ForecastPipeline].
type ForecastCategory int8

// The forecast categories, from the least to the most certain.
const (
	ForecastPipeline ForecastCategory = iota // open, early or uncertain
	ForecastBestCase                         // open, could close in the period
	ForecastCommit                           // open, expected to close in the period
	ForecastClosed                           // won
	ForecastOmitted                          // open, left out of the forecast
)

var categoryNames = [...]string{ForecastPipeline: "pipeline", ForecastBestCase: "best case",
	ForecastCommit: "commit", ForecastClosed: "closed", ForecastOmitted: "omitted"}

func (c ForecastCategory) valid() bool { return c >= ForecastPipeline && c <= ForecastOmitted }

// String returns "pipeline", "best case", "commit", "closed" or "omitted",
// or "ForecastCategory(N)" for an invalid value.
func (c ForecastCategory) String() string {
	if c.valid() {
		return categoryNames[c]
	}
	return fmt.Sprintf("ForecastCategory(%d)", int(c))
}

// A snapshotScan iterates over deals as they stood at an as-of time (see
// [PipelineSnapshot]), validated against a funnel (and a currency, when
// currency is set) and parsed into p. In Strict mode the first invalid
// deal stops the iteration and its error is kept in err; in Lenient mode
// invalid deals are skipped and counted in skipped.
type snapshotScan struct {
	f        *Funnel
	asOf     time.Time
	mode     Mode
	currency *string // nil: no currency check
	collect  bool    // parse the history entries into p
	p        parsedDeal
	err      error
	skipped  int64
}

func (s *snapshotScan) all(deals iter.Seq[Deal]) iter.Seq[Deal] {
	return func(yield func(Deal) bool) {
		for d := range deals {
			d, ok := PipelineSnapshot(d, s.asOf)
			if !ok {
				continue
			}
			err := d.parse(s.f, &s.p, s.collect)
			if err == nil && s.currency != nil && d.Currency != *s.currency {
				err = &DealError{ID: d.ID, Field: "Currency", Err: ErrCurrencyMismatch}
			}
			if err != nil {
				if s.mode == Strict {
					s.err = err
					return
				}
				s.skipped++
				continue
			}
			if !yield(d) {
				return
			}
		}
	}
}

// PipelineSnapshot returns the deal as it stood at asOf, rebuilt from its
// dates and stage history, and false if it did not exist yet.
//
// A deal exists from its creation time, or, when that is unknown, from its
// first recorded stage entry, or else from its close time; a deal with none
// of these is returned unchanged. A deal closed at or before asOf is
// returned unchanged. Any other existing deal was open at asOf: the
// snapshot is open, with no close time or lost reason, its history cut
// before the first entry recorded after asOf, and its stage the last entry
// kept. When every entry is after asOf, the snapshot keeps the first
// entry's stage with no history (an unrecorded entry time). The snapshot
// shares History with d.
func PipelineSnapshot(d Deal, asOf time.Time) (Deal, bool) {
	a := instantOf(asOf)
	start := instantOf(d.Created)
	if !start.ok {
		for _, c := range d.History {
			if start = instantOf(c.At); start.ok {
				break
			}
		}
	}
	if !start.ok {
		start = instantOf(d.Closed)
	}
	if !start.ok || !a.ok {
		return d, true
	}
	if a.before(start) {
		return Deal{}, false
	}
	if closed := instantOf(d.Closed); closed.ok && !a.before(closed) {
		return d, true
	}
	d.Outcome, d.Closed, d.LostReason = Open, time.Time{}, ""
	cut := len(d.History)
	for i, c := range d.History {
		if at := instantOf(c.At); at.ok && a.before(at) {
			cut = i
			break
		}
	}
	switch {
	case cut == 0 && len(d.History) > 0:
		d.Stage, d.History = d.History[0].Stage, nil
	case cut < len(d.History):
		d.History = d.History[:cut:cut]
		d.Stage = d.History[cut-1].Stage
	}
	return d, true
}

// ForecastStageRate is the learned probability of winning from one stage:
// of the deals closed (as of the model's as-of time) that entered the
// stage at any point, those won. Lo and Hi bound Won with a Wilson score
// interval (see [Ratio.Wilson]); they are 0 when Won is undefined.
type ForecastStageRate struct {
	Stage Stage
	Won   Ratio
	Lo    float64
	Hi    float64
}

// A ForecastModel holds stage win probabilities and time-to-win samples
// learned from closed deals by [ForecastLearn]. It is read-only once
// learned and safe for concurrent use.
type ForecastModel struct {
	// Stages holds one rate per funnel stage, in funnel order.
	Stages []ForecastStageRate
	// Segments holds one slice of rates (in funnel order) per segment
	// key, when the model was learned with a segment function.
	Segments map[string][]ForecastStageRate
	// Confidence is the level of the Lo-Hi intervals.
	Confidence float64

	f *Funnel
	// toWin[k] holds, sorted, the seconds from a won deal's last entry
	// into stage k to its close.
	toWin [][]int64
}

// ForecastLearnOptions configure [ForecastLearn].
type ForecastLearnOptions struct {
	// AsOf is the time the model is learned at: deals are taken as they
	// stood then ([PipelineSnapshot]), so only deals closed at or before
	// AsOf teach it. Zero means every deal as it is.
	AsOf time.Time
	// Segment, when not nil, also learns the rates per segment key.
	Segment func(Deal) string
	// Confidence is the level of the rate intervals; zero means 0.95.
	Confidence float64
	// Mode says whether an invalid deal stops learning (Strict, the zero
	// value) or is skipped (Lenient).
	Mode Mode
}

func confidenceOr(c float64) (float64, error) {
	if c == 0 {
		c = 0.95
	}
	if _, err := zScore(c); err != nil {
		return 0, err
	}
	return c, nil
}

// ForecastLearn learns the probability of winning from each stage, and the
// time from entering each stage to winning, from the closed deals: P(win |
// stage k) = won / closed among closed deals that entered stage k at any
// point (the historical stage probability behind Salesforce's and
// Pipedrive's stage-weighted pipelines). A stage no
// closed deal entered has an undefined rate (0/0). Deals still open are
// left out, so when winning takes longer than losing, the rates learned
// from recent history are biased low; [Backtest] measures how well they
// did.
//
// It returns an error wrapping [ErrInvalidParam] for a nil funnel or a
// confidence outside (0, 1), and, in Strict mode, the [*DealError] of the
// first invalid deal.
func ForecastLearn(f *Funnel, deals iter.Seq[Deal], opts ForecastLearnOptions) (*ForecastModel, error) {
	if f == nil || len(f.stages) == 0 {
		return nil, fmt.Errorf("funnel: nil or empty funnel: %w", ErrInvalidParam)
	}
	conf, err := confidenceOr(opts.Confidence)
	if err != nil {
		return nil, err
	}
	n := len(f.stages)
	m := &ForecastModel{f: f, Confidence: conf, toWin: make([][]int64, n)}
	counts := make([]Ratio, n)
	var segs map[string][]Ratio
	if opts.Segment != nil {
		segs = make(map[string][]Ratio)
	}
	sc := snapshotScan{f: f, asOf: opts.AsOf, mode: opts.Mode, collect: true}
	for d := range sc.all(deals) {
		if d.Outcome != Open {
			learnClosed(d, &sc.p, counts, m, opts.Segment, segs)
		}
	}
	if sc.err != nil {
		return nil, sc.err
	}
	for _, s := range m.toWin {
		slices.Sort(s)
	}
	m.Stages = rates(f, counts, conf)
	if segs != nil {
		m.Segments = make(map[string][]ForecastStageRate, len(segs))
		for key, c := range segs {
			m.Segments[key] = rates(f, c, conf)
		}
	}
	return m, nil
}

func rates(f *Funnel, counts []Ratio, conf float64) []ForecastStageRate {
	out := make([]ForecastStageRate, len(counts))
	for k, c := range counts {
		out[k] = ForecastStageRate{Stage: f.stages[k], Won: c}
		out[k].Lo, out[k].Hi, _ = c.Wilson(conf)
	}
	return out
}

// Rate returns the rate of the stage for the segment key: the segment's own
// rate when the model has the segment and at least minClosed closed deals
// of it entered the stage, and the overall rate otherwise. It returns false
// when the stage is unknown or the chosen rate is undefined.
func (m *ForecastModel) Rate(s Stage, segment string, minClosed int64) (ForecastStageRate, bool) {
	if m == nil || m.f == nil {
		return ForecastStageRate{}, false
	}
	k, ok := m.f.lookup(s)
	if !ok {
		return ForecastStageRate{}, false
	}
	return m.rate(k, segment, minClosed)
}

func (m *ForecastModel) rate(k int, segment string, minClosed int64) (ForecastStageRate, bool) {
	if seg, ok := m.Segments[segment]; ok && seg[k].Won.Den >= max(minClosed, 1) {
		return seg[k], true
	}
	r := m.Stages[k]
	return r, r.Won.Defined()
}

// ForecastOptions configure [Forecast] and [ForecastByPeriod].
type ForecastOptions struct {
	// AsOf is the time of the forecast: deals are taken as they stood then
	// ([PipelineSnapshot]). Zero means every deal as it is.
	AsOf time.Time
	// Since, when not zero, limits the Closed category to deals won at or
	// after Since (the start of the forecast period). Zero counts every
	// won deal.
	Since time.Time
	// Probabilities, when not nil, gives the win probability of each stage
	// (in [0, 1]); a stage it does not list has no probability. When nil,
	// the probabilities come from Model.
	Probabilities map[Stage]decimal.Decimal
	// Model gives learned stage probabilities (see [ForecastLearn]) when
	// Probabilities is nil. When both are nil, [Forecast] learns a model
	// from the same deals, as of AsOf.
	Model *ForecastModel
	// Segment, when not nil, picks the model's per-segment rate for each
	// deal; MinSegment is the fewest closed deals a segment needs at a
	// stage for its own rate to be used instead of the overall one.
	Segment    func(Deal) string
	MinSegment int64
	// Probability, when not nil, overrides the stage probability of the
	// open deals for which it returns true (Salesforce's per-opportunity
	// probability). It must return a value in [0, 1].
	Probability func(Deal) (decimal.Decimal, bool)
	// Category gives each open deal's forecast category; nil means
	// ForecastPipeline for every open deal. It must not return
	// ForecastClosed.
	Category func(Deal) ForecastCategory
	// Confidence is the level of the intervals of the rates learned when
	// Probabilities and Model are nil; zero means 0.95.
	Confidence float64
	// Currency is the currency code every deal must carry.
	Currency string
	// Mode says whether an invalid deal stops the forecast (Strict, the
	// zero value) or is skipped and counted (Lenient).
	Mode Mode
}

func (o *ForecastOptions) validate() error {
	if _, err := confidenceOr(o.Confidence); err != nil {
		return err
	}
	for s, p := range o.Probabilities {
		if p.Sign() < 0 || p.GreaterThan(decimal.NewFromInt(1)) {
			return fmt.Errorf("funnel: probability %v of stage %q outside [0, 1]: %w", p, s, ErrInvalidParam)
		}
	}
	if o.Mode != Strict && o.Mode != Lenient {
		return fmt.Errorf("funnel: mode %d: %w", o.Mode, ErrInvalidParam)
	}
	return nil
}

// ForecastStageRow is the weighted pipeline of the open deals in one stage
// (per-deal overrides excluded; see [ForecastResult].Overridden).
type ForecastStageRow struct {
	Stage  Stage
	Deals  int64
	Amount decimal.Decimal
	// Probability is the stage's win probability (0 when it has none),
	// and Weighted the stage's weighted pipeline, Amount × Probability.
	// With segments, the probability differs between deals: Probability
	// is then Weighted / Amount, over the deals with a probability.
	// Unweighted counts deals of the stage without a probability (left
	// out of Weighted).
	Probability decimal.Decimal
	Weighted    decimal.Decimal
	// WeightedLo and WeightedHi are the weighted pipeline at the low and
	// high ends of the learned rates' intervals (equal to Weighted for
	// given probabilities).
	WeightedLo decimal.Decimal
	WeightedHi decimal.Decimal
	Unweighted int64
}

// ForecastCategoryRow is one row of the forecast roll-up: the deals of one
// category, and the cumulative figures of this category and every more
// certain one (Salesforce's cumulative roll-up: Commit includes Closed,
// Best Case includes Commit and Closed, Pipeline includes all).
type ForecastCategoryRow struct {
	Category           ForecastCategory
	Deals              int64
	Amount             decimal.Decimal
	Weighted           decimal.Decimal // Closed deals weigh 1
	CumulativeDeals    int64
	CumulativeAmount   decimal.Decimal
	CumulativeWeighted decimal.Decimal
}

// ForecastResult is the weighted pipeline of a set of deals.
type ForecastResult struct {
	AsOf time.Time
	// Stages has one row per funnel stage, in funnel order.
	Stages []ForecastStageRow
	// Overridden counts the open deals weighted by a per-deal
	// probability, and their amount and weighted amount.
	Overridden         int64
	OverriddenAmount   decimal.Decimal
	OverriddenWeighted decimal.Decimal
	// Weighted is the weighted pipeline, the sum over open deals of
	// amount × P(win | stage) (Salesforce ExpectedRevenue, Pipedrive
	// weighted value, Odoo prorated revenue), overrides included; WeightedLo
	// and WeightedHi bound it with every learned rate at the low or the
	// high end of its interval (bounds that move together: a conservative
	// band, not a confidence interval of the sum).
	Weighted   decimal.Decimal
	WeightedLo decimal.Decimal
	WeightedHi decimal.Decimal
	// Unweighted counts open deals with no probability (a stage with no
	// closed history and no given probability), left out of Weighted, and
	// their amount.
	Unweighted       int64
	UnweightedAmount decimal.Decimal
	// Categories is the roll-up, in the order Closed, Commit, Best case,
	// Pipeline, Omitted; the cumulative columns run in that order and
	// stop before Omitted.
	Categories []ForecastCategoryRow
	// Model is the model used, when probabilities were learned.
	Model *ForecastModel
	// Skipped counts invalid deals skipped in Lenient mode.
	Skipped int64
}

type fcKey struct {
	k   int
	cat ForecastCategory
	seg string
}

type fcAcc struct {
	n   int64
	amt MoneyStats
}

// Forecast computes the weighted pipeline of the deals as of opts.AsOf:
// every open deal's amount times its probability of winning from its
// current stage (given, learned, or overridden per deal), per stage and
// rolled up by forecast category. Won deals (since opts.Since) form the
// Closed category.
//
// It returns an error wrapping [ErrInvalidParam] for a nil funnel or
// invalid options, and, in Strict mode, the [*DealError] of the first
// invalid deal, or of a deal whose override is outside [0, 1] or whose
// category is invalid (wrapping [ErrInvalidParam]).
func Forecast(f *Funnel, deals iter.Seq[Deal], opts ForecastOptions) (ForecastResult, error) {
	if f == nil || len(f.stages) == 0 {
		return ForecastResult{}, fmt.Errorf("funnel: nil or empty funnel: %w", ErrInvalidParam)
	}
	if err := opts.validate(); err != nil {
		return ForecastResult{}, err
	}
	res := ForecastResult{AsOf: opts.AsOf}
	model := opts.Model
	learn := opts.Probabilities == nil && model == nil
	var counts []Ratio
	if learn {
		conf, _ := confidenceOr(opts.Confidence)
		model = &ForecastModel{f: f, Confidence: conf, toWin: make([][]int64, len(f.stages))}
		counts = make([]Ratio, len(f.stages))
		if opts.Segment != nil {
			model.Segments = make(map[string][]ForecastStageRate)
		}
	}
	segCounts := map[string][]Ratio{}
	groups := make(map[fcKey]*fcAcc)
	var closed fcAcc
	var over fcAcc
	var overWeighted decimal.Decimal
	var overByCat [ForecastOmitted + 1]struct {
		n        int64
		amt, wtd decimal.Decimal
	}
	since := instantOf(opts.Since)
	one := decimal.NewFromInt(1)
	sc := snapshotScan{f: f, asOf: opts.AsOf, mode: opts.Mode, currency: &opts.Currency, collect: true}
	p := &sc.p
	for d := range sc.all(deals) {
		if d.Outcome != Open {
			if learn {
				learnClosed(d, p, counts, model, opts.Segment, segCounts)
			}
			if d.Outcome == Won && (!since.ok || !p.closed.before(since)) {
				closed.n++
				closed.amt.Add(d.Amount)
			}
			continue
		}
		cat := ForecastPipeline
		if opts.Category != nil {
			cat = opts.Category(d)
			if !cat.valid() || cat == ForecastClosed {
				if opts.Mode == Strict {
					return ForecastResult{}, &DealError{ID: d.ID, Field: "Category", Err: ErrInvalidParam}
				}
				res.Skipped++
				continue
			}
		}
		if opts.Probability != nil {
			if pr, ok := opts.Probability(d); ok {
				if pr.Sign() < 0 || pr.GreaterThan(one) {
					if opts.Mode == Strict {
						return ForecastResult{}, &DealError{ID: d.ID, Field: "Probability", Err: ErrInvalidParam}
					}
					res.Skipped++
					continue
				}
				w := d.Amount.Mul(pr)
				over.n++
				over.amt.Add(d.Amount)
				overWeighted = overWeighted.Add(w)
				oc := &overByCat[cat]
				oc.n++
				oc.amt = oc.amt.Add(d.Amount)
				oc.wtd = oc.wtd.Add(w)
				continue
			}
		}
		key := fcKey{k: p.entries[len(p.entries)-1].k, cat: cat}
		if opts.Segment != nil && opts.Probabilities == nil {
			key.seg = opts.Segment(d)
		}
		g := groups[key]
		if g == nil {
			g = new(fcAcc)
			groups[key] = g
		}
		g.n++
		g.amt.Add(d.Amount)
	}
	if sc.err != nil {
		return ForecastResult{}, sc.err
	}
	res.Skipped += sc.skipped
	if learn {
		for _, s := range model.toWin {
			slices.Sort(s)
		}
		model.Stages = rates(f, counts, model.Confidence)
		for key, c := range segCounts {
			model.Segments[key] = rates(f, c, model.Confidence)
		}
	}
	if opts.Probabilities == nil {
		res.Model = model
	}

	n := len(f.stages)
	res.Stages = make([]ForecastStageRow, n)
	for k := range res.Stages {
		res.Stages[k].Stage = f.stages[k]
	}
	var cats [ForecastOmitted + 1]ForecastCategoryRow
	keys := slices.SortedFunc(func(yield func(fcKey) bool) {
		for k := range groups {
			if !yield(k) {
				return
			}
		}
	}, func(a, b fcKey) int {
		return cmp.Or(cmp.Compare(a.k, b.k), cmp.Compare(a.cat, b.cat), cmp.Compare(a.seg, b.seg))
	})
	for _, key := range keys {
		g := groups[key]
		row := &res.Stages[key.k]
		amt := g.amt.Sum()
		row.Deals += g.n
		row.Amount = row.Amount.Add(amt)
		c := &cats[key.cat]
		c.Deals += g.n
		c.Amount = c.Amount.Add(amt)
		w, lo, hi, ok := weigh(f, amt, key, &opts, model)
		if !ok {
			row.Unweighted += g.n
			res.Unweighted += g.n
			res.UnweightedAmount = res.UnweightedAmount.Add(amt)
			continue
		}
		row.Weighted = row.Weighted.Add(w)
		row.WeightedLo = row.WeightedLo.Add(lo)
		row.WeightedHi = row.WeightedHi.Add(hi)
		c.Weighted = c.Weighted.Add(w)
	}
	for k := range res.Stages {
		row := &res.Stages[k]
		weighedAmt := row.Amount.Sub(unweightedAmount(f, groups, k, &opts, model))
		if opts.Probabilities != nil {
			row.Probability = opts.Probabilities[f.stages[k]]
		} else if !weighedAmt.IsZero() {
			row.Probability = row.Weighted.DivRound(weighedAmt, divScale)
		} else if r, ok := model.rate(k, "", 0); ok && opts.Segment == nil {
			row.Probability = decimal.NewFromInt(r.Won.Num).DivRound(decimal.NewFromInt(r.Won.Den), divScale)
		}
		res.Weighted = res.Weighted.Add(row.Weighted)
		res.WeightedLo = res.WeightedLo.Add(row.WeightedLo)
		res.WeightedHi = res.WeightedHi.Add(row.WeightedHi)
	}
	res.Overridden, res.OverriddenAmount, res.OverriddenWeighted = over.n, over.amt.Sum(), overWeighted
	res.Weighted = res.Weighted.Add(overWeighted)
	res.WeightedLo = res.WeightedLo.Add(overWeighted)
	res.WeightedHi = res.WeightedHi.Add(overWeighted)
	for c := range overByCat {
		cats[c].Deals += overByCat[c].n
		cats[c].Amount = cats[c].Amount.Add(overByCat[c].amt)
		cats[c].Weighted = cats[c].Weighted.Add(overByCat[c].wtd)
	}
	cats[ForecastClosed].Deals = closed.n
	cats[ForecastClosed].Amount = closed.amt.Sum()
	cats[ForecastClosed].Weighted = closed.amt.Sum()
	var cum ForecastCategoryRow
	for _, c := range []ForecastCategory{ForecastClosed, ForecastCommit, ForecastBestCase, ForecastPipeline, ForecastOmitted} {
		row := cats[c]
		row.Category = c
		if c != ForecastOmitted {
			cum.Deals += row.Deals
			cum.Amount = cum.Amount.Add(row.Amount)
			cum.Weighted = cum.Weighted.Add(row.Weighted)
			row.CumulativeDeals, row.CumulativeAmount, row.CumulativeWeighted = cum.Deals, cum.Amount, cum.Weighted
		}
		res.Categories = append(res.Categories, row)
	}
	return res, nil
}

// learnClosed adds one closed deal to the counts of a model being learned.
func learnClosed(d Deal, p *parsedDeal, counts []Ratio, m *ForecastModel, segment func(Deal) string, segs map[string][]Ratio) {
	var seg []Ratio
	if segment != nil {
		key := segment(d)
		if seg = segs[key]; seg == nil {
			seg = make([]Ratio, len(counts))
			segs[key] = seg
		}
	}
	var visited uint64
	for _, e := range p.entries {
		visited |= 1 << e.k
	}
	won := int64(0)
	if d.Outcome == Won {
		won = 1
	}
	for v := visited; v != 0; v &= v - 1 {
		k := trailingZeros(v)
		counts[k].Num += won
		counts[k].Den++
		if seg != nil {
			seg[k].Num += won
			seg[k].Den++
		}
	}
	if won == 1 {
		var seen uint64
		for i := len(p.entries) - 1; i >= 0; i-- {
			e := p.entries[i]
			if seen&(1<<e.k) != 0 || !e.at.ok {
				continue
			}
			seen |= 1 << e.k
			m.toWin[e.k] = append(m.toWin[e.k], e.at.secondsTo(p.closed))
		}
	}
}

// weigh returns the weighted amount of a group and its low and high
// bounds, and false when the group has no probability.
func weigh(f *Funnel, amt decimal.Decimal, key fcKey, opts *ForecastOptions, m *ForecastModel) (w, lo, hi decimal.Decimal, ok bool) {
	if opts.Probabilities != nil {
		p, ok := opts.Probabilities[f.stages[key.k]]
		if !ok {
			return w, lo, hi, false
		}
		w = amt.Mul(p)
		return w, w, w, true
	}
	r, ok := m.rate(key.k, key.seg, opts.MinSegment)
	if !ok {
		return w, lo, hi, false
	}
	w = amt.Mul(decimal.NewFromInt(r.Won.Num)).DivRound(decimal.NewFromInt(r.Won.Den), divScale)
	return w, amt.Mul(probDecimal(r.Lo)), amt.Mul(probDecimal(r.Hi)), true
}

func unweightedAmount(f *Funnel, groups map[fcKey]*fcAcc, k int, opts *ForecastOptions, m *ForecastModel) decimal.Decimal {
	var total decimal.Decimal
	for key, g := range groups {
		if key.k != k {
			continue
		}
		if _, _, _, ok := weigh(f, decimal.Zero, key, opts, m); !ok {
			total = total.Add(g.amt.Sum())
		}
	}
	return total
}

// probDecimal returns p in [0, 1] as a decimal rounded to probScale places.
func probDecimal(p float64) decimal.Decimal {
	return decimal.New(int64(math.Round(min(max(p, 0), 1)*1e10)), -probScale)
}

// ForecastPeriodOptions configure [ForecastByPeriod].
type ForecastPeriodOptions struct {
	ForecastOptions
	// Period is the length of the forecast periods, in Location (nil
	// means UTC).
	Period   Period
	Location *time.Location
	// Periods is the number of periods forecast, starting with the one
	// that holds AsOf; zero means 12.
	Periods int
	// CloseDate, when not nil, gives an open deal's expected close date,
	// when known.
	CloseDate func(Deal) (time.Time, bool)
}

// ForecastPeriodRow is the expected revenue of one future period.
type ForecastPeriodRow struct {
	Start time.Time
	// Dated counts the deals whose expected close date falls in the
	// period (overdue ones included in the first period).
	Dated int64
	// Expected is the expected revenue of the period.
	Expected decimal.Decimal
}

// ForecastPeriodResult is the expected revenue by future period.
type ForecastPeriodResult struct {
	Rows []ForecastPeriodRow
	// Later is the expected revenue after the last period.
	Later decimal.Decimal
	// Overdue counts deals whose expected close date (or every historical
	// time to win from their stage) is already past at AsOf; they are
	// expected in the first period.
	Overdue int64
	// Untimed counts open deals with a probability but neither an
	// expected close date nor a stage entry time and history to place
	// them; UntimedExpected is their expected revenue, in no period.
	Untimed         int64
	UntimedExpected decimal.Decimal
	// Unweighted counts open deals with no probability, left out.
	Unweighted int64
	// Skipped counts invalid deals skipped in Lenient mode.
	Skipped int64
}

// ForecastByPeriod spreads the expected revenue of the open deals as of
// AsOf (amount × win probability, as in [Forecast]) over future periods.
// A deal with an expected close date (opts.CloseDate) is expected in that
// date's period. Otherwise its stage's historical time to win is used: with
// e the deal's last entry into its current stage and s_1..s_m the times
// from entering that stage to winning of the won deals (see
// [ForecastLearn]) that exceed the time already spent, AsOf - e, the share
// of the deal expected in a period [a, b) is #{i: a <= e + s_i < b} / m.
// When no such time remains the deal is overdue and expected in the first
// period.
//
// When opts.Model is nil (and for the time-to-win samples), a model is
// learned from the same deals as of AsOf, so deals is iterated twice. It
// returns an error wrapping [ErrInvalidParam] for a nil funnel, invalid
// options or a zero AsOf, and, in Strict mode, the [*DealError] of the
// first invalid deal.
func ForecastByPeriod(f *Funnel, deals iter.Seq[Deal], opts ForecastPeriodOptions) (ForecastPeriodResult, error) {
	if f == nil || len(f.stages) == 0 {
		return ForecastPeriodResult{}, fmt.Errorf("funnel: nil or empty funnel: %w", ErrInvalidParam)
	}
	if err := opts.validate(); err != nil {
		return ForecastPeriodResult{}, err
	}
	if opts.AsOf.IsZero() || !opts.Period.valid() || opts.Periods < 0 {
		return ForecastPeriodResult{}, fmt.Errorf("funnel: forecast by period needs an as-of time, a valid period and periods >= 0: %w", ErrInvalidParam)
	}
	periods := cmp.Or(opts.Periods, 12)
	loc := cmp.Or(opts.Location, time.UTC)
	m := opts.Model
	if m == nil {
		var err error
		m, err = ForecastLearn(f, deals, ForecastLearnOptions{AsOf: opts.AsOf, Segment: opts.Segment, Confidence: opts.Confidence, Mode: opts.Mode})
		if err != nil {
			return ForecastPeriodResult{}, err
		}
	}
	starts := make([]time.Time, periods+1)
	bounds := make([]int64, periods+1)
	starts[0] = opts.Period.Start(opts.AsOf, loc)
	for j := 1; j <= periods; j++ {
		starts[j] = opts.Period.next(starts[j-1])
	}
	for j := range starts {
		bounds[j] = starts[j].Unix()
	}
	res := ForecastPeriodResult{Rows: make([]ForecastPeriodRow, periods)}
	for j := range res.Rows {
		res.Rows[j].Start = starts[j]
	}
	asOf := instantOf(opts.AsOf)
	one := decimal.NewFromInt(1)
	sc := snapshotScan{f: f, asOf: opts.AsOf, mode: opts.Mode, currency: &opts.Currency, collect: true}
	for d := range sc.all(deals) {
		if d.Outcome != Open {
			continue
		}
		last := sc.p.entries[len(sc.p.entries)-1]
		var w decimal.Decimal
		weighted := false
		if opts.Probability != nil {
			if pr, ok := opts.Probability(d); ok {
				if pr.Sign() < 0 || pr.GreaterThan(one) {
					if opts.Mode == Strict {
						return ForecastPeriodResult{}, &DealError{ID: d.ID, Field: "Probability", Err: ErrInvalidParam}
					}
					res.Skipped++
					continue
				}
				w, weighted = d.Amount.Mul(pr), true
			}
		}
		if !weighted && opts.Probabilities != nil {
			if pr, ok := opts.Probabilities[f.stages[last.k]]; ok {
				w, weighted = d.Amount.Mul(pr), true
			}
		} else if !weighted {
			seg := ""
			if opts.Segment != nil {
				seg = opts.Segment(d)
			}
			if r, ok := m.rate(last.k, seg, opts.MinSegment); ok {
				w = d.Amount.Mul(decimal.NewFromInt(r.Won.Num)).DivRound(decimal.NewFromInt(r.Won.Den), divScale)
				weighted = true
			}
		}
		if !weighted {
			res.Unweighted++
			continue
		}
		if opts.CloseDate != nil {
			if t, ok := opts.CloseDate(d); ok {
				sec := t.Unix()
				switch j := boundIndex(bounds, sec); {
				case sec < asOf.sec || j < 0:
					res.Overdue += boolInt(sec < asOf.sec)
					res.Rows[0].Dated++
					res.Rows[0].Expected = res.Rows[0].Expected.Add(w)
				case j >= periods:
					res.Later = res.Later.Add(w)
				default:
					res.Rows[j].Dated++
					res.Rows[j].Expected = res.Rows[j].Expected.Add(w)
				}
				continue
			}
		}
		s := m.toWin[last.k]
		if !last.at.ok || len(s) == 0 || asOf.before(last.at) {
			res.Untimed++
			res.UntimedExpected = res.UntimedExpected.Add(w)
			continue
		}
		elapsed := last.at.secondsTo(asOf)
		i0 := upperBound(s, elapsed)
		rem := int64(len(s) - i0)
		if rem == 0 {
			res.Overdue++
			res.Rows[0].Expected = res.Rows[0].Expected.Add(w)
			continue
		}
		den := decimal.NewFromInt(rem)
		prev := i0
		for j := range periods {
			c := upperBound(s, bounds[j+1]-1-last.at.sec)
			if c > prev {
				res.Rows[j].Expected = res.Rows[j].Expected.Add(w.Mul(decimal.NewFromInt(int64(c-prev))).DivRound(den, divScale))
				prev = c
			}
		}
		if len(s) > prev {
			res.Later = res.Later.Add(w.Mul(decimal.NewFromInt(int64(len(s)-prev))).DivRound(den, divScale))
		}
	}
	if sc.err != nil {
		return ForecastPeriodResult{}, sc.err
	}
	res.Skipped += sc.skipped
	return res, nil
}

// upperBound returns the number of values in the sorted s that are <= v.
func upperBound(s []int64, v int64) int {
	i, _ := slices.BinarySearch(s, v+1)
	return i
}

// boundIndex returns j with bounds[j] <= sec < bounds[j+1], -1 before the
// first bound and len(bounds)-1 after the last.
func boundIndex(bounds []int64, sec int64) int {
	i, found := slices.BinarySearch(bounds, sec)
	if found {
		return i
	}
	return i - 1
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// PipelineVelocityInputs are the four inputs of pipeline velocity. They
// should share one period and cohort definition.
type PipelineVelocityInputs struct {
	Opportunities int64           // open opportunities
	WinRate       Ratio           // closed basis, W / (W + L)
	DealSize      decimal.Decimal // average won amount
	Cycle         time.Duration   // average sales cycle of won deals
}

// PipelineVelocityOf returns the velocity inputs of a report: its open
// deals, closed-basis win rate, mean won amount and mean won sales cycle.
func PipelineVelocityOf(r Report) PipelineVelocityInputs {
	return PipelineVelocityInputs{Opportunities: r.Open, WinRate: r.WinRate, DealSize: r.DealSize.Mean, Cycle: r.CycleWon.Mean}
}

// secondsPerDay converts a cycle in seconds to days.
const secondsPerDay = 86400

// Velocity returns the pipeline velocity, money per day:
//
//	opportunities × win rate × average deal size / average cycle (days)
//
// (the common sales-velocity formula), rounded half away
// from zero to 10 places. It returns false when the win rate is undefined
// or the cycle is shorter than one second.
func (in PipelineVelocityInputs) Velocity() (decimal.Decimal, bool) {
	sec := int64(in.Cycle / time.Second)
	if !in.WinRate.Defined() || sec <= 0 {
		return decimal.Decimal{}, false
	}
	num := decimal.NewFromInt(in.Opportunities).Mul(decimal.NewFromInt(in.WinRate.Num)).Mul(in.DealSize).Mul(decimal.NewFromInt(secondsPerDay))
	den := decimal.NewFromInt(in.WinRate.Den).Mul(decimal.NewFromInt(sec))
	return num.DivRound(den, divScale), true
}

// PipelineVelocityChange splits the change of pipeline velocity between two
// periods into the contributions of its four inputs.
type PipelineVelocityChange struct {
	From, To decimal.Decimal // velocities, money per day
	Change   decimal.Decimal // To - From
	// The contributions of each input; they sum to Change up to rounding
	// (10 decimal places). A longer cycle contributes negatively.
	Volume, WinRate, DealSize, Cycle decimal.Decimal
}

// lnScale is the precision of the logarithms of the velocity
// decomposition.
const lnScale = 20

// PipelineVelocityDecompose splits the change of velocity from one set of
// inputs to another with the logarithmic mean Divisia index (LMDI-I; Ang
// 2005, "The LMDI approach to decomposition analysis: a practical guide",
// Energy Policy 33): since V = N × W × S / L, the contribution of input x
// is L(V1, V0) × ln(x1 / x0) (with a minus sign for the cycle L), where
// L(a, b) = (a - b) / (ln a - ln b) and L(a, a) = a. The contributions add
// up to V1 - V0 with no residual. It returns false when a velocity is
// undefined or an input is zero in either period (a logarithm of zero).
func PipelineVelocityDecompose(from, to PipelineVelocityInputs) (PipelineVelocityChange, bool) {
	v0, ok0 := from.Velocity()
	v1, ok1 := to.Velocity()
	if !ok0 || !ok1 || v0.Sign() <= 0 || v1.Sign() <= 0 {
		return PipelineVelocityChange{}, false
	}
	lnRatio := func(a, b decimal.Decimal) (decimal.Decimal, bool) {
		if a.Sign() <= 0 || b.Sign() <= 0 {
			return decimal.Decimal{}, false
		}
		la, err1 := a.Ln(lnScale)
		lb, err2 := b.Ln(lnScale)
		return la.Sub(lb), err1 == nil && err2 == nil
	}
	rate := func(r Ratio) decimal.Decimal {
		return decimal.NewFromInt(r.Num).DivRound(decimal.NewFromInt(r.Den), lnScale)
	}
	lnN, ok1 := lnRatio(decimal.NewFromInt(to.Opportunities), decimal.NewFromInt(from.Opportunities))
	lnW, ok2 := lnRatio(rate(to.WinRate), rate(from.WinRate))
	lnS, ok3 := lnRatio(to.DealSize, from.DealSize)
	lnL, ok4 := lnRatio(decimal.NewFromInt(int64(to.Cycle/time.Second)), decimal.NewFromInt(int64(from.Cycle/time.Second)))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return PipelineVelocityChange{}, false
	}
	c := PipelineVelocityChange{From: v0, To: v1, Change: v1.Sub(v0)}
	// weight = L(v1, v0)
	weight := v0
	if !v1.Equal(v0) {
		lnV, ok := lnRatio(v1, v0)
		if !ok || lnV.IsZero() {
			return PipelineVelocityChange{}, false
		}
		weight = c.Change.DivRound(lnV, lnScale)
	}
	c.Volume = weight.Mul(lnN).Round(divScale)
	c.WinRate = weight.Mul(lnW).Round(divScale)
	c.DealSize = weight.Mul(lnS).Round(divScale)
	c.Cycle = weight.Mul(lnL).Neg().Round(divScale)
	return c, true
}

// A ForecastQuota is the quota of one rep, team or other key for the
// period that contains Start.
type ForecastQuota struct {
	Key   string
	Start time.Time
	Quota decimal.Decimal
}

// ForecastQuotaOptions configure [ForecastQuotaAttainment].
type ForecastQuotaOptions struct {
	// Key gives a deal's quota key (its rep, its team ...); nil means
	// "" for every deal (one quota for all).
	Key func(Deal) string
	// Period and Location define the quota periods (nil means UTC).
	Period   Period
	Location *time.Location
	// AsOf is the time of the figures: deals are taken as they stood
	// then. Zero means every deal as it is.
	AsOf time.Time
	// CloseDate gives an open deal's expected close date; an open deal
	// without one counts toward the period that holds AsOf (or no period
	// when AsOf is zero).
	CloseDate func(Deal) (time.Time, bool)
	Currency  string
	Mode      Mode
}

// ForecastQuotaRow is the attainment and coverage of one quota.
type ForecastQuotaRow struct {
	Key   string
	Start time.Time // the start of the quota's period
	Quota decimal.Decimal
	// Won is the amount won in the period (by close time), over WonDeals
	// deals. Attainment = Won / Quota.
	Won        decimal.Decimal
	WonDeals   int64
	Attainment MoneyRatio
	// Remaining is max(Quota - Won, 0); Pipeline is the open amount
	// expected to close in the period, over OpenDeals deals; Coverage =
	// Pipeline / Remaining, undefined once the quota is met.
	Remaining decimal.Decimal
	Pipeline  decimal.Decimal
	OpenDeals int64
	Coverage  MoneyRatio
}

// ForecastQuotaAttainment computes quota attainment, closed won / quota,
// and pipeline coverage, open pipeline / remaining quota,
// for each quota, in the order given. It returns an error wrapping
// [ErrInvalidParam] for a nil funnel, an invalid period, a negative quota
// or two quotas for the same key and period, and, in Strict mode, the
// [*DealError] of the first invalid deal.
func ForecastQuotaAttainment(f *Funnel, deals iter.Seq[Deal], quotas []ForecastQuota, opts ForecastQuotaOptions) ([]ForecastQuotaRow, error) {
	if f == nil || len(f.stages) == 0 || !opts.Period.valid() || (opts.Mode != Strict && opts.Mode != Lenient) {
		return nil, fmt.Errorf("funnel: nil funnel, invalid period or mode: %w", ErrInvalidParam)
	}
	loc := cmp.Or(opts.Location, time.UTC)
	type qk struct {
		key string
		per int32
	}
	rows := make([]ForecastQuotaRow, len(quotas))
	index := make(map[qk]int, len(quotas))
	for i, q := range quotas {
		if q.Quota.Sign() < 0 {
			return nil, fmt.Errorf("funnel: quota %q at %v is negative: %w", q.Key, q.Start, ErrInvalidParam)
		}
		k := qk{q.Key, opts.Period.key(q.Start.In(loc))}
		if _, dup := index[k]; dup {
			return nil, fmt.Errorf("funnel: two quotas for %q at %v: %w", q.Key, q.Start, ErrInvalidParam)
		}
		index[k] = i
		rows[i] = ForecastQuotaRow{Key: q.Key, Start: opts.Period.keyStart(k.per, loc), Quota: q.Quota}
	}
	sc := snapshotScan{f: f, asOf: opts.AsOf, mode: opts.Mode, currency: &opts.Currency}
	for d := range sc.all(deals) {
		key := ""
		if opts.Key != nil {
			key = opts.Key(d)
		}
		var at time.Time
		switch d.Outcome {
		case Won:
			at = d.Closed
		case Open:
			at = opts.AsOf
			if opts.CloseDate != nil {
				if t, ok := opts.CloseDate(d); ok {
					at = t
				}
			}
		}
		if at.IsZero() {
			continue
		}
		i, ok := index[qk{key, opts.Period.key(at.In(loc))}]
		if !ok {
			continue
		}
		r := &rows[i]
		if d.Outcome == Won {
			r.Won = r.Won.Add(d.Amount)
			r.WonDeals++
		} else {
			r.Pipeline = r.Pipeline.Add(d.Amount)
			r.OpenDeals++
		}
	}
	if sc.err != nil {
		return nil, sc.err
	}
	for i := range rows {
		r := &rows[i]
		r.Attainment = MoneyRatio{r.Won, r.Quota}
		r.Remaining = decimal.Max(r.Quota.Sub(r.Won), decimal.Zero)
		r.Coverage = MoneyRatio{r.Pipeline, r.Remaining}
	}
	return rows, nil
}

// A PipelineChange is a set of changes of one deal between two dates.
type PipelineChange uint8

// The pipeline changes; a deal can show several (new and advanced, say).
const (
	PipelineNew       PipelineChange = 1 << iota // did not exist at the first date
	PipelineAdvanced                             // later stage than at the first date
	PipelineMovedBack                            // earlier stage than at the first date
	PipelineSlipped                              // expected close date pushed later
	PipelinePulledIn                             // expected close date brought earlier
	PipelineWon                                  // won between the dates
	PipelineLost                                 // lost between the dates
)

// numChanges is the number of PipelineChange flags.
const numChanges = 7

var changeNames = [numChanges]string{"new", "advanced", "moved back", "slipped", "pulled in", "won", "lost"}

// String returns the changes' names joined by "+", such as "new+won", or
// "unchanged".
func (c PipelineChange) String() string {
	s := ""
	for i, n := range changeNames {
		if c&(1<<i) != 0 {
			if s != "" {
				s += "+"
			}
			s += n
		}
	}
	if s == "" {
		return "unchanged"
	}
	return s
}

// PipelineChangeRow is one deal that changed between the two dates.
type PipelineChangeRow struct {
	ID       string
	Change   PipelineChange
	From, To Stage // the stage at each date; From is "" for a new deal
	Amount   decimal.Decimal
}

// PipelineChangeCount is the number and amount of deals with one change.
type PipelineChangeCount struct {
	Change PipelineChange
	Deals  int64
	Amount decimal.Decimal
}

// PipelineChangeSummary is what changed in the pipeline between two dates.
type PipelineChangeSummary struct {
	From, To time.Time
	// Rows lists the deals that changed, in input order.
	Rows []PipelineChangeRow
	// Counts has one row per change (PipelineNew first); a deal with
	// several changes counts in each.
	Counts []PipelineChangeCount
	// OpenFrom and OpenTo are the open pipelines at each date.
	OpenFrom, OpenTo       int64
	OpenFromAmt, OpenToAmt decimal.Decimal
	Skipped                int64
}

// PipelineChanges rebuilds the pipeline at two dates from each deal's dates
// and stage history ([PipelineSnapshot]) and reports what changed between
// them, from < to: new deals (created after from), deals won or lost in
// between (of those open at from or new), and, for deals open at from, the
// stage moves (the funnel index of the stage at to against the one at
// from) and, when closeDate is not nil, slipped or pulled-in expected close
// dates (closeDate(d, at) gives the deal's expected close date as known at
// at). Deals already closed at from are left out.
//
// It returns an error wrapping [ErrInvalidParam] for a nil funnel or
// from not before to, and, in Strict mode, the [*DealError] of the first
// invalid deal.
func PipelineChanges(f *Funnel, deals iter.Seq[Deal], from, to time.Time, closeDate func(d Deal, at time.Time) (time.Time, bool), mode Mode) (PipelineChangeSummary, error) {
	if f == nil || len(f.stages) == 0 || !from.Before(to) || (mode != Strict && mode != Lenient) {
		return PipelineChangeSummary{}, fmt.Errorf("funnel: nil funnel, invalid mode or dates not in order: %w", ErrInvalidParam)
	}
	res := PipelineChangeSummary{From: from, To: to}
	var amounts [numChanges]decimal.Decimal
	var counts [numChanges]int64
	var p parsedDeal
	for d := range deals {
		if err := d.Validate(f); err != nil {
			if mode == Strict {
				return PipelineChangeSummary{}, err
			}
			res.Skipped++
			continue
		}
		b, okB := PipelineSnapshot(d, to)
		if !okB {
			continue
		}
		a, okA := PipelineSnapshot(d, from)
		if okA && a.Outcome != Open {
			continue
		}
		if okA {
			res.OpenFrom++
			res.OpenFromAmt = res.OpenFromAmt.Add(d.Amount)
		}
		if b.Outcome == Open {
			res.OpenTo++
			res.OpenToAmt = res.OpenToAmt.Add(d.Amount)
		}
		var c PipelineChange
		row := PipelineChangeRow{ID: d.ID, To: lastStage(f, b, &p), Amount: d.Amount}
		if !okA {
			c |= PipelineNew
		} else {
			row.From = lastStage(f, a, &p)
			ka, _ := f.lookup(row.From)
			kb, _ := f.lookup(row.To)
			switch {
			case kb > ka:
				c |= PipelineAdvanced
			case kb < ka:
				c |= PipelineMovedBack
			}
			if closeDate != nil && b.Outcome == Open {
				ta, oka := closeDate(a, from)
				tb, okb := closeDate(b, to)
				switch {
				case oka && okb && tb.After(ta):
					c |= PipelineSlipped
				case oka && okb && tb.Before(ta):
					c |= PipelinePulledIn
				}
			}
		}
		switch b.Outcome {
		case Won:
			c |= PipelineWon
		case Lost:
			c |= PipelineLost
		}
		if c == 0 {
			continue
		}
		row.Change = c
		res.Rows = append(res.Rows, row)
		for i := range numChanges {
			if c&(1<<i) != 0 {
				counts[i]++
				amounts[i] = amounts[i].Add(d.Amount)
			}
		}
	}
	for i := range numChanges {
		res.Counts = append(res.Counts, PipelineChangeCount{Change: 1 << i, Deals: counts[i], Amount: amounts[i]})
	}
	return res, nil
}

// lastStage returns the deal's current stage: its last history entry, or
// its Stage when it has no history.
func lastStage(f *Funnel, d Deal, p *parsedDeal) Stage {
	if err := d.parse(f, p, true); err != nil || len(p.entries) == 0 {
		return d.Stage
	}
	return f.stages[p.entries[len(p.entries)-1].k]
}

// BacktestOptions configure [Backtest].
type BacktestOptions struct {
	// Cutoffs are the past dates to replay, in any order.
	Cutoffs []time.Time
	// Horizon, when positive, is the forecast horizon: a deal open at a
	// cutoff c counts as won only if it was won by c + Horizon, and as not
	// won otherwise. End must then be given and no cutoff may be later
	// than End - Horizon. Zero means the deal's final outcome, with deals
	// still open left out as unresolved.
	Horizon time.Duration
	// End is the time the data describes.
	End time.Time
	// Segment and MinSegment, as in [ForecastOptions].
	Segment    func(Deal) string
	MinSegment int64
	// Buckets is the number of equal-width calibration buckets over
	// [0, 1]; zero means 10.
	Buckets int
	// Confidence is the level of the intervals; zero means 0.95.
	Confidence float64
	Mode       Mode
}

// BacktestCutoff is the replay of one past date.
type BacktestCutoff struct {
	At time.Time
	// Rates are the stage probabilities learned from the deals closed by
	// At.
	Rates []ForecastStageRate
	// Realized is, per stage, the deals open at At in the stage that
	// were scored, and how many of them were won.
	Realized []Ratio
	// Scored counts the open deals scored (resolved, and with a
	// probability); Unresolved and Unweighted count those left out.
	Scored, Unresolved, Unweighted int64
	// Predicted is the weighted pipeline of the scored deals, Actual the
	// amount they won, and Error = Actual - Predicted.
	Predicted, Actual, Error decimal.Decimal
	// Brier is the Brier score of the scored deals, mean (p - y)² with y
	// 1 for a win and 0 otherwise (Brier 1950, "Verification of forecasts
	// expressed in terms of probability", Monthly Weather Review 78); 0 is
	// perfect, 0.25 is what p = 0.5 scores. BrierOK is false when no deal
	// was scored.
	Brier   float64
	BrierOK bool
}

// BacktestBucket is one calibration bucket: the scored deals whose
// predicted probability p is in [Lo, Hi) (the last bucket includes 1).
type BacktestBucket struct {
	Lo, Hi float64
	// MeanPredicted is the mean predicted probability of the bucket's
	// deals, and Observed the share of them won, with its Wilson interval
	// ObservedLo-ObservedHi. A well calibrated model has MeanPredicted
	// inside that interval.
	MeanPredicted          float64
	Observed               Ratio
	ObservedLo, ObservedHi float64
}

// BacktestResult is a replay of past dates.
type BacktestResult struct {
	Cutoffs []BacktestCutoff // in time order
	// Brier is the Brier score over every scored deal of every cutoff.
	Brier   float64
	BrierOK bool
	// Calibration has Buckets buckets, over every cutoff.
	Calibration []BacktestBucket
}

// Backtest replays history: at each cutoff it rebuilds every deal as it
// stood then ([PipelineSnapshot]), learns the stage probabilities from the
// deals closed by then ([ForecastLearn]), scores the open deals with them
// and compares with what happened: the weighted pipeline against the
// amount won, the Brier score of the probabilities, and calibration
// buckets. Deals is iterated twice per cutoff.
//
// It returns an error wrapping [ErrInvalidParam] for a nil funnel, no
// cutoffs, a negative horizon or bucket count, a horizon without an end or
// reaching past it, or an invalid confidence, and, in Strict mode, the
// [*DealError] of the first invalid deal.
func Backtest(f *Funnel, deals iter.Seq[Deal], opts BacktestOptions) (BacktestResult, error) {
	if f == nil || len(f.stages) == 0 || len(opts.Cutoffs) == 0 || opts.Horizon < 0 || opts.Buckets < 0 {
		return BacktestResult{}, fmt.Errorf("funnel: backtest needs a funnel, cutoffs, horizon >= 0 and buckets >= 0: %w", ErrInvalidParam)
	}
	cutoffs := slices.Clone(opts.Cutoffs)
	slices.SortFunc(cutoffs, time.Time.Compare)
	if opts.Horizon > 0 && (opts.End.IsZero() || cutoffs[len(cutoffs)-1].Add(opts.Horizon).After(opts.End)) {
		return BacktestResult{}, fmt.Errorf("funnel: backtest horizon %v reaches past the end %v: %w", opts.Horizon, opts.End, ErrInvalidParam)
	}
	conf, err := confidenceOr(opts.Confidence)
	if err != nil {
		return BacktestResult{}, err
	}
	nb := cmp.Or(opts.Buckets, 10)
	type bucket struct {
		sumP float64
		obs  Ratio
	}
	buckets := make([]bucket, nb)
	var res BacktestResult
	var sumSq float64
	var scored int64
	var p parsedDeal
	for _, c := range cutoffs {
		m, err := ForecastLearn(f, deals, ForecastLearnOptions{AsOf: c, Segment: opts.Segment, Confidence: conf, Mode: opts.Mode})
		if err != nil {
			return BacktestResult{}, err
		}
		bc := BacktestCutoff{At: c, Rates: m.Stages, Realized: make([]Ratio, len(f.stages))}
		var cutSq float64
		horizon := instantOf(c.Add(opts.Horizon))
		for d := range deals {
			s, ok := PipelineSnapshot(d, c)
			if !ok || s.Outcome != Open {
				continue
			}
			if err := s.parse(f, &p, true); err != nil {
				continue // ForecastLearn has reported or skipped it
			}
			k := p.entries[len(p.entries)-1].k
			seg := ""
			if opts.Segment != nil {
				seg = opts.Segment(s)
			}
			r, ok := m.rate(k, seg, opts.MinSegment)
			if !ok {
				bc.Unweighted++
				continue
			}
			var won bool
			switch {
			case opts.Horizon > 0:
				won = d.Outcome == Won && !horizon.before(instantOf(d.Closed))
			case d.Outcome == Open:
				bc.Unresolved++
				continue
			default:
				won = d.Outcome == Won
			}
			prob := float64(r.Won.Num) / float64(r.Won.Den)
			y := 0.0
			if won {
				y = 1
				bc.Actual = bc.Actual.Add(d.Amount)
				bc.Realized[k].Num++
			}
			bc.Realized[k].Den++
			bc.Predicted = bc.Predicted.Add(d.Amount.Mul(decimal.NewFromInt(r.Won.Num)).DivRound(decimal.NewFromInt(r.Won.Den), divScale))
			bc.Scored++
			cutSq += (prob - y) * (prob - y)
			b := &buckets[min(int(prob*float64(nb)), nb-1)]
			b.sumP += prob
			b.obs.Den++
			b.obs.Num += int64(y)
		}
		bc.Error = bc.Actual.Sub(bc.Predicted)
		if bc.Scored > 0 {
			bc.Brier, bc.BrierOK = cutSq/float64(bc.Scored), true
		}
		sumSq += cutSq
		scored += bc.Scored
		res.Cutoffs = append(res.Cutoffs, bc)
	}
	if scored > 0 {
		res.Brier, res.BrierOK = sumSq/float64(scored), true
	}
	for i, b := range buckets {
		row := BacktestBucket{Lo: float64(i) / float64(nb), Hi: float64(i+1) / float64(nb), Observed: b.obs}
		if b.obs.Den > 0 {
			row.MeanPredicted = b.sumP / float64(b.obs.Den)
			row.ObservedLo, row.ObservedHi, _ = b.obs.Wilson(conf)
		}
		res.Calibration = append(res.Calibration, row)
	}
	return res, nil
}
