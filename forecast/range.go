package forecast

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/enum"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/stat/distuv"
)

// Bounds of a [Range]'s settings.
const (
	// DefaultCells is the number of lattice points of a forecast range's
	// distribution when RangeOptions.Cells is zero, and MaxCells the
	// largest number allowed.
	DefaultCells = 1 << 18
	MaxCells     = 1 << 22
	// DefaultSamples is the number of simulated outcomes of a range's
	// rate uncertainty when RangeOptions.Samples is zero, and MaxSamples
	// the largest number allowed.
	DefaultSamples = 10_000
	MaxSamples     = 1_000_000
	// MaxQuotas is the largest number of quotas a range tells the
	// probability of reaching.
	MaxQuotas = 100
	// maxDraws bounds the number of deal outcomes a range's simulation
	// draws (samples × deals); past it, fewer samples are drawn.
	maxDraws = 1 << 28
)

// rangePercentiles are the percentiles a RangeReport gives.
var rangePercentiles = []int{5, 10, 25, 50, 75, 90, 95}

// RangeOptions configure a [Range]: where the win probabilities come
// from (as for a [Pipeline]), the period, the quotas and the precision.
type RangeOptions struct {
	Options
	// Close, when not zero, is any instant of the period (the scan's
	// funnel.Options.Period, in its Calendar and Location) whose revenue is
	// forecast: the open deals expected to close in it (their expected close
	// date, as of the as-of time, in the period; an overdue one in the
	// period holding the as-of time), on top of the amount already won in
	// it. Zero forecasts every open deal, with nothing won yet.
	Close time.Time
	// Quotas are the amounts whose probability of being reached the
	// range gives, at most MaxQuotas.
	Quotas []decimal.Decimal
	// Cells is the largest number of points of the distribution; zero
	// means DefaultCells, at most MaxCells.
	Cells int
	// Uncertainty mixes the uncertainty of learned rates into a second
	// distribution, by a seeded simulation (see [Range]); given and own
	// probabilities are held fixed.
	Uncertainty bool
	// Samples is the number of simulated outcomes; zero means
	// DefaultSamples, at most MaxSamples. Seed seeds the simulation.
	Samples int
	Seed    uint64
}

// A RangeMethod says how a forecast range's distribution was computed.
type RangeMethod int8

// The methods of a forecast range.
const (
	// RangeExact: on the lattice of the amounts' greatest common divisor
	// (a cent, or a coarser common step): exact up to float64 rounding.
	RangeExact RangeMethod = iota
	// RangeGrid: on a coarser grid, the amounts rounded to the nearest
	// multiple of the grid's unit, with the bound of the rounding.
	RangeGrid
)

var rangeMethodNames = [...]string{RangeExact: "exact", RangeGrid: "grid"}

// String returns "exact" or "grid", or "RangeMethod(N)".
func (m RangeMethod) String() string { return enum.Name(m, rangeMethodNames[:], "RangeMethod") }

// MarshalText encodes the method by name. It returns an error wrapping
// funnel.ErrInvalidParam for an invalid value.
func (m RangeMethod) MarshalText() ([]byte, error) {
	return enum.Text(m, rangeMethodNames[:], "forecast", "range method", funnel.ErrInvalidParam)
}

// UnmarshalText decodes a name written by [RangeMethod.MarshalText].
func (m *RangeMethod) UnmarshalText(b []byte) error {
	return enum.Parse(m, b, rangeMethodNames[:], "forecast", "range method", funnel.ErrInvalidParam)
}

// rangeDeal is an open deal kept until the probabilities are known.
type rangeDeal struct {
	k      int32
	seg    string
	own    bool
	p      decimal.Decimal // the deal's own probability
	amount decimal.Decimal
}

func compareRangeDeals(a, b rangeDeal) int {
	return cmp.Or(cmp.Compare(a.k, b.k), strings.Compare(a.seg, b.seg), cmpBool(a.own, b.own), a.p.Cmp(b.p),
		cmp.Compare(a.p.Exponent(), b.p.Exponent()), a.amount.Cmp(b.amount), cmp.Compare(a.amount.Exponent(), b.amount.Exponent()))
}

// A Range accumulates the probabilistic forecast of the revenue of a
// period: the distribution of the amount won of the open deals as of the
// scan's as-of time, each won independently with its win probability (as
// a [Pipeline] of the same options weighs it: its own probability, else
// its stage's given, modelled or learned rate), on top of what is already
// won in the period. The sum of independent Bernoulli variables of
// unequal amounts follows a Poisson-binomial law over amounts (Wang 1993,
// "On the number of successes in independent trials", Statistica Sinica
// 3; Hong 2013, "On computing the distribution function for the
// Poisson binomial distribution", Computational Statistics & Data Analysis
// 59, for the transform), computed by convolution:
//
//   - exactly (up to float64 rounding), on the lattice of the amounts'
//     greatest common divisor, when their sum spans at most Cells points
//     (amounts in whole hundreds on a cent lattice, a few hundred deals);
//   - otherwise on a grid of unit u, the smallest multiple of that
//     divisor whose lattice fits in Cells points: each amount is rounded
//     to the nearest multiple of u, so every outcome's sum is within
//     E = Σ |amount - rounded amount| (at most n u / 2) of the exact one,
//     every percentile of the report within E of the exact percentile,
//     and the exact probability of reaching a quota q between those of
//     reaching q + E and q - E (Lo and Hi).
//
// Parts are built by direct convolution and merged, shortest first, by
// the fast Fourier transform (gonum's dsp/fourier), so the cost is about
// Cells log² Cells whatever the number of deals. The mean of the
// distribution is the weighted pipeline (on the lattice exactly, on a
// grid within E), which RangeReport.Mean gives exactly.
//
// Learned rates are uncertain. With RangeOptions.Uncertainty the report
// also gives a second distribution in which the deals of one stage (and
// segment) share an unknown rate, drawn from the posterior Beta(won,
// lost) of its counts (the posterior under Haldane's prior, whose mean
// is the learned rate won / closed, so that the mixture's mean stays the
// weighted pipeline; a rate of 0 or 1 is held fixed), and each deal is
// then won with that rate: a seeded simulation of Samples outcomes
// (fewer when Samples × deals exceeds 2^28), whose empirical distribution
// is within ε = sqrt(ln(2/α) / 2N) of the mixture's, everywhere, with
// probability 1 - α at the scan's confidence level (the
// Dvoretzky-Kiefer-Wolfowitz inequality with Massart's constant, Massart
// 1990, Annals of Probability 18(3)): each percentile is that of a level
// within ε of the one asked, each probability of reaching a quota within
// ε.
//
// One pass: the open deals are kept (about 64 bytes each) until the
// probabilities are known. It is not safe for concurrent use: give each
// goroutine its own and merge them ([funnel.Scan.Run] does). The zero
// value is not usable but as the receiver of UnmarshalBinary; build one
// with [NewRange].
type Range struct {
	w          *weigher
	l          *Learner
	opts       RangeOptions // defaults resolved, Close the period start
	start, end time.Time
	in         funnel.Intake
	deals      []rangeDeal
	won        funnel.MoneyStats
	undated    funnel.MoneyStats
	outside    int64
	first      firstError
	last       error
	settings   string
}

// NewRange returns an empty forecast range of the scan's deals. It
// returns an error wrapping funnel.ErrInvalidParam for a nil scan, a scan
// without an as-of time, more than MaxQuotas quotas or a negative one,
// Cells or Samples out of range, or invalid probability options (see
// [NewPipeline]).
func NewRange(s *funnel.Scan, opts RangeOptions) (*Range, error) {
	switch {
	case s == nil || s.Options().AsOf.IsZero():
		return nil, invalid("a forecast range needs a scan with an as-of time")
	case len(opts.Quotas) > MaxQuotas:
		return nil, invalid("%d quotas: at most %d", len(opts.Quotas), MaxQuotas)
	case opts.Cells < 0 || opts.Cells > MaxCells || (opts.Cells > 0 && opts.Cells < 2):
		return nil, invalid("%d cells: 2 to %d", opts.Cells, MaxCells)
	case opts.Samples < 0 || opts.Samples > MaxSamples:
		return nil, invalid("%d samples: at most %d", opts.Samples, MaxSamples)
	}
	for _, q := range opts.Quotas {
		if q.Sign() < 0 {
			return nil, invalid("negative quota %v", q)
		}
	}
	w, err := newWeigher(s, opts.Options, false)
	if err != nil {
		return nil, err
	}
	opts.Options = w.opts
	opts.Quotas = slices.Clone(opts.Quotas)
	opts.Cells = cmp.Or(opts.Cells, DefaultCells)
	opts.Samples = cmp.Or(opts.Samples, DefaultSamples)
	if !opts.Uncertainty {
		opts.Samples, opts.Seed = 0, 0
	}
	r := &Range{w: w, l: w.learner(), opts: opts}
	if !opts.Close.IsZero() {
		o := s.Options()
		r.opts.Close = o.Calendar.Start(o.Period, opts.Close, o.Location)
		r.start, r.end = r.opts.Close, o.Calendar.Next(o.Period, r.opts.Close, o.Location)
	}
	var e wire.Writer
	r.encodeSettings(&e)
	r.settings = string(e.Bytes())
	return r, nil
}

func (r *Range) encodeSettings(e *wire.Writer) {
	r.w.encode(e)
	e.Time(r.opts.Close)
	e.Int(len(r.opts.Quotas))
	for _, q := range r.opts.Quotas {
		e.Decimal(q)
	}
	e.Int(r.opts.Cells)
	e.Bool(r.opts.Uncertainty)
	e.Int(r.opts.Samples)
	e.Uvarint(r.opts.Seed)
}

// Outlook computes the forecast range of the deals in one pass:
// [NewRange], [funnel.Scan.Run] and [Range.Report].
func Outlook(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts RangeOptions) (RangeReport, error) {
	return onepass.Run(s, deals, opts, NewRange, (*Range).Report)
}

// Scan returns the scan the range was built for.
func (r *Range) Scan() *funnel.Scan { return r.w.scan() }

// Fresh returns an empty range of the same scan and options.
func (r *Range) Fresh() funnel.Accumulator {
	return &Range{w: r.w, l: r.w.learner(), opts: r.opts, start: r.start, end: r.end, settings: r.settings}
}

// Add validates d and adds it (see [Pipeline.Add]).
func (r *Range) Add(d funnel.Deal) error {
	r.last = nil
	if err := r.w.s.Add(d, r); err != nil {
		return err
	}
	return r.last
}

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (r *Range) Observe(v *funnel.View) {
	if r.l != nil {
		r.l.Observe(v)
	}
	_, ok, err := classify(&r.in, v, &r.first)
	r.last = err
	if !ok {
		return
	}
	d := v.Deal
	dated := !r.opts.Close.IsZero()
	switch d.Outcome {
	case funnel.Won:
		if dated && !d.Closed.IsZero() && !d.Closed.Before(r.start) && d.Closed.Before(r.end) {
			r.won.Add(d.Amount)
		}
		return
	case funnel.Lost:
		return
	}
	if dated {
		asOf := r.w.s.Options().AsOf
		at := d.ExpectedClose
		switch {
		case at.IsZero():
			r.undated.Add(d.Amount)
			return
		case at.Before(asOf):
			at = asOf // overdue: expected now
		}
		if at.Before(r.start) || !at.Before(r.end) {
			r.outside++
			return
		}
	}
	rd := rangeDeal{k: int32(v.Current()), amount: d.Amount, own: d.Probability.Valid}
	if rd.own {
		rd.p = d.Probability.Decimal
	} else if r.w.segment != "" {
		rd.seg = d.Attrs.Get(r.w.segment)
	}
	r.deals = append(r.deals, rd)
}

// Merge adds everything o, a *Range of an equal scan and options, holds
// (see [funnel.Accumulator]). o is not modified.
func (r *Range) Merge(o funnel.Accumulator) error {
	or, err := mergeable[*Range](r, o)
	if err != nil {
		return err
	}
	if or.settings != r.settings {
		return incompatible("merging forecast ranges of other options")
	}
	if r.l != nil {
		r.l.merge(or.l)
	}
	r.in.Merge(&or.in)
	r.first.merge(&or.first)
	r.deals = append(r.deals, or.deals...)
	r.won.Merge(&or.won)
	r.undated.Merge(&or.undated)
	r.outside += or.outside
	return nil
}

// A RangePercentile is one percentile of a forecast range: the smallest
// amount v with P(revenue <= v) >= Percent / 100. P10 is the low case,
// P50 the median, P90 the high case.
type RangePercentile struct {
	Percent int             `json:"percent"`
	Value   decimal.Decimal `json:"value"`
}

// A QuotaChance is the probability of reaching a quota: P(revenue >=
// Quota), between Lo and Hi (equal to it when the distribution is exact;
// see [Range] for a grid's and a simulation's bounds).
type QuotaChance struct {
	Quota       decimal.Decimal `json:"quota"`
	Probability float64         `json:"probability"`
	Lo          float64         `json:"lo"`
	Hi          float64         `json:"hi"`
}

// A RangeMixture is the forecast range with the learned rates'
// uncertainty mixed in, by a seeded simulation.
type RangeMixture struct {
	// Samples is the number of simulated outcomes, Seed their seed.
	Samples int    `json:"samples"`
	Seed    uint64 `json:"seed"`
	// CDFError is ε: with probability Confidence the simulated
	// distribution function is within ε of the mixture's everywhere.
	CDFError   float64 `json:"cdf_error"`
	Confidence float64 `json:"confidence"`
	// Mean is the simulated mean, rounded to the decimal places of the
	// lattice's unit; Rates counts the uncertain learned rates mixed in
	// (those with 0 < won < closed).
	Mean        decimal.Decimal   `json:"mean"`
	Rates       int               `json:"rates"`
	Percentiles []RangePercentile `json:"percentiles"`
	Quotas      []QuotaChance     `json:"quotas"`
}

// A RangeReport is the distribution of a period's revenue: what is won
// plus what the open deals expected in the period may bring.
type RangeReport struct {
	AsOf time.Time `json:"-"` // JSON as_of
	// Start and End bound the period [Start, End), zero (JSON null) when
	// every open deal is forecast.
	Start  time.Time     `json:"-"`
	End    time.Time     `json:"-"`
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the periods' names.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	Source   Source          `json:"source"`
	Segment  string          `json:"segment"`
	// Won and WonAmount are the deals won in the period by the as-of
	// time.
	Won       int64           `json:"won"`
	WonAmount decimal.Decimal `json:"won_amount"`
	// Deals and Amount are the open deals forecast (with a probability),
	// Sure those of them with probability 1.
	Deals      int64           `json:"deals"`
	Amount     decimal.Decimal `json:"amount"`
	Sure       int64           `json:"sure"`
	SureAmount decimal.Decimal `json:"sure_amount"`
	// Unweighted counts the open deals with no probability, left out;
	// Undated those without an expected close date and Outside those
	// expected in another period (when a period is set).
	Unweighted       int64           `json:"unweighted"`
	UnweightedAmount decimal.Decimal `json:"unweighted_amount"`
	Undated          int64           `json:"undated"`
	UndatedAmount    decimal.Decimal `json:"undated_amount"`
	Outside          int64           `json:"outside"`
	// Mean is the expected revenue, WonAmount + Σ amount × P(win):
	// exact, the weighted pipeline of the deals plus what is won. StdDev
	// is sqrt(Σ amount² p (1 - p)). Min and Max are the least and most
	// the period can bring.
	Mean   decimal.Decimal `json:"mean"`
	StdDev float64         `json:"std_dev"`
	Min    decimal.Decimal `json:"min"`
	Max    decimal.Decimal `json:"max"`
	// Method says how the distribution was computed, Unit is its
	// lattice's step, ErrorBound the bound E of a grid's rounding (0 when
	// exact), Points the number of its points.
	Method     RangeMethod     `json:"method"`
	Unit       decimal.Decimal `json:"unit"`
	ErrorBound decimal.Decimal `json:"error_bound"`
	Points     int             `json:"points"`
	// Percentiles are the 5th, 10th, 25th, 50th, 75th, 90th and 95th.
	Percentiles []RangePercentile `json:"percentiles"`
	// Quotas has the probability of reaching each quota, in the order
	// given.
	Quotas []QuotaChance `json:"quotas"`
	// Uncertain is the range with the learned rates' uncertainty, nil
	// (JSON null) unless asked for.
	Uncertain *RangeMixture `json:"uncertain"`
	Input     funnel.Input  `json:"input"`
}

// bets returns the open deals as bets, with the report's counts filled.
func (r *Range) bets(rep *RangeReport) ([]bet, []counts, error) {
	m, err := r.w.model(r.l)
	if err != nil {
		return nil, nil, err
	}
	deals := slices.Clone(r.deals)
	slices.SortFunc(deals, compareRangeDeals)
	var bets []bet
	var groups []counts
	index := map[rateKey]int{}
	for _, d := range deals {
		var pr prob
		group := -1
		if d.own {
			pr = prob{ok: true, p: d.p}
		} else {
			pr = r.w.prob(m, int(d.k), d.seg)
			if pr.ok && r.w.source != SourceGiven {
				c, key := m.rateOf(int(d.k), d.seg)
				i, seen := index[key]
				if !seen {
					i = len(groups)
					groups = append(groups, c)
					index[key] = i
				}
				group = i
			}
		}
		if !pr.ok {
			rep.Unweighted++
			rep.UnweightedAmount = rep.UnweightedAmount.Add(d.amount)
			continue
		}
		rep.Deals++
		rep.Amount = rep.Amount.Add(d.amount)
		rep.Mean = rep.Mean.Add(d.amount.Mul(pr.p))
		if pr.p.Equal(one) {
			rep.Sure++
			rep.SureAmount = rep.SureAmount.Add(d.amount)
		}
		if d.amount.IsZero() {
			continue
		}
		p, _ := pr.p.Float64()
		bets = append(bets, bet{amount: d.amount, p: p, group: group})
	}
	return bets, groups, nil
}

// A rateKey names the counts a learned rate comes from: a stage's overall
// counts, or its counts in one segment.
type rateKey struct {
	k     int
	seg   string
	isSeg bool
}

// rateOf is [Model.rate] with the key of the counts it returns, so that
// the deals weighed at one rate share it.
func (m *Model) rateOf(k int, segment string) (counts, rateKey) {
	if i, ok := slices.BinarySearch(m.segKeys, segment); ok && m.segs[i][k].closed >= max(m.minSegment, 1) {
		return m.segs[i][k], rateKey{k, segment, true}
	}
	return m.rates[k], rateKey{k: k}
}

// Report returns the forecast range of the deals added so far; the range
// can go on. Its errors are those of [Pipeline.Report].
func (r *Range) Report() (RangeReport, error) {
	rep, _, err := r.report(false)
	return rep, err
}

// A Mass is one point of a forecast range's distribution.
type Mass struct {
	Value       decimal.Decimal
	Probability float64
}

// Distribution returns the points of the forecast range's distribution
// with a probability above zero, in increasing value (without the rates'
// uncertainty); their probabilities add up to 1.
func (r *Range) Distribution() ([]Mass, error) {
	_, l, err := r.report(true)
	if err != nil {
		return nil, err
	}
	var out []Mass
	for s, p := range l.probs {
		if p > 0 {
			out = append(out, Mass{Value: l.offset.Add(l.unit.Mul(decimal.NewFromInt(int64(s)))), Probability: p})
		}
	}
	return out, nil
}

func (r *Range) report(keep bool) (RangeReport, *lattice, error) {
	if err := strictErr(r.w.s, &r.first); err != nil {
		return RangeReport{}, nil, err
	}
	o := r.w.s.Options()
	rep := RangeReport{AsOf: o.AsOf, Start: r.start, End: r.end, Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(), Source: r.w.source,
		Segment: r.w.segment, Won: r.won.Count(), WonAmount: r.won.Sum(), Undated: r.undated.Count(), UndatedAmount: r.undated.Sum(),
		Outside: r.outside, Quotas: make([]QuotaChance, len(r.opts.Quotas)), Input: r.in.Input()}
	bets, groups, err := r.bets(&rep)
	if err != nil {
		return RangeReport{}, nil, err
	}
	rep.Mean = rep.Mean.Add(rep.WonAmount)
	// the fixed distribution: certain bets in the offset, impossible ones
	// left out
	var fixed []bet
	var variance float64
	for _, b := range bets {
		if b.p > 0 && b.p < 1 {
			fixed = append(fixed, b)
			a := b.amount.InexactFloat64()
			variance += a * a * b.p * (1 - b.p)
		}
	}
	rep.StdDev = math.Sqrt(variance)
	if math.IsInf(rep.StdDev, 0) || math.IsNaN(rep.StdDev) {
		rep.StdDev = math.MaxFloat64
	}
	offset := rep.WonAmount.Add(rep.SureAmount)
	l := newLattice(fixed, r.opts.Cells)
	l.offset = offset
	l.convolve(fixed)
	rep.Min = offset
	rep.Max = offset
	for _, b := range fixed {
		rep.Max = rep.Max.Add(b.amount)
	}
	rep.Unit, rep.ErrorBound, rep.Points = l.unit, l.bound, len(l.probs)
	if !l.exact {
		rep.Method = RangeGrid
	}
	value := func(s int) decimal.Decimal { return offset.Add(l.unit.Mul(decimal.NewFromInt(int64(s)))) }
	for _, k := range rangePercentiles {
		rep.Percentiles = append(rep.Percentiles, RangePercentile{Percent: k, Value: value(quantile(l.probs, float64(k)/100))})
	}
	for i, q := range r.opts.Quotas {
		c := QuotaChance{Quota: q, Probability: atLeast(l.probs, unitsAtLeast(q, offset, l.unit))}
		c.Lo = atLeast(l.probs, unitsAtLeast(q.Add(l.bound), offset, l.unit))
		c.Hi = atLeast(l.probs, unitsAtLeast(q.Sub(l.bound), offset, l.unit))
		rep.Quotas[i] = c
	}
	if r.opts.Uncertainty && r.w.source != SourceGiven {
		rep.Uncertain = r.simulate(bets, groups, rep.WonAmount)
	}
	if !keep {
		l = nil
	}
	return rep, l, nil
}

// simulate draws the mixture of the bets over their rates' posteriors:
// each sample draws every uncertain learned rate (0 < won < closed) from
// Beta(won, lost) and every bet from its rate; bets of a fixed
// probability keep it.
func (r *Range) simulate(bets []bet, groups []counts, won decimal.Decimal) *RangeMixture {
	level := r.w.s.Level()
	mix := &RangeMixture{Seed: r.opts.Seed, Confidence: level, Percentiles: []RangePercentile{}, Quotas: make([]QuotaChance, len(r.opts.Quotas))}
	uncertain := func(g int) bool { return g >= 0 && groups[g].won > 0 && groups[g].won < groups[g].closed }
	for g := range groups {
		if uncertain(g) {
			mix.Rates++
		}
	}
	offset := won
	var varying []bet
	for _, b := range bets {
		switch {
		case uncertain(b.group) || (b.p > 0 && b.p < 1):
			varying = append(varying, b)
		case b.p >= 1:
			offset = offset.Add(b.amount)
		}
	}
	l := newLattice(varying, r.opts.Cells)
	n := r.opts.Samples
	if len(varying) > 0 && n*len(varying) > maxDraws {
		n = max(1000, maxDraws/len(varying))
	}
	mix.Samples = n
	mix.CDFError = math.Sqrt(math.Log(2/(1-level)) / (2 * float64(n)))
	rng := rand.New(rand.NewPCG(r.opts.Seed, r.opts.Seed^0x6a09e667f3bcc909))
	betas := make([]distuv.Beta, len(groups))
	for i, c := range groups {
		betas[i] = distuv.Beta{Alpha: float64(c.won), Beta: float64(c.closed - c.won), Src: rng}
	}
	rates := make([]float64, len(groups))
	sums := make([]int64, n)
	var total float64
	for j := range sums {
		for i := range groups {
			if uncertain(i) {
				rates[i] = betas[i].Rand()
			}
		}
		var s int64
		for i, b := range varying {
			p := b.p
			if uncertain(b.group) {
				p = rates[b.group]
			}
			if rng.Float64() < p {
				s += l.units[i]
			}
		}
		sums[j] = s
		total += float64(s)
	}
	slices.Sort(sums)
	value := func(s int64) decimal.Decimal { return offset.Add(l.unit.Mul(decimal.NewFromInt(s))) }
	mix.Mean = offset.Add(l.unit.Mul(decimal.NewFromFloat(total / float64(n))).Round(max(0, -l.unit.Exponent())))
	for _, k := range rangePercentiles {
		i := int(math.Ceil(float64(k)*float64(n)/100)) - 1
		mix.Percentiles = append(mix.Percentiles, RangePercentile{Percent: k, Value: value(sums[min(max(i, 0), n-1)])})
	}
	for i, q := range r.opts.Quotas {
		s := unitsAtLeast(q, offset, l.unit)
		j, _ := slices.BinarySearch(sums, s)
		p := float64(n-j) / float64(n)
		mix.Quotas[i] = QuotaChance{Quota: q, Probability: p, Lo: max(0, p-mix.CDFError), Hi: min(1, p+mix.CDFError)}
	}
	return mix
}

const rangeVersion = 1

// MarshalBinary encodes the range (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (r *Range) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.range", rangeVersion, r.w.s)
	r.encodeSettings(&w)
	blob(&w, &r.in)
	if r.l != nil {
		r.l.encode(&w)
	}
	deals := slices.Clone(r.deals)
	slices.SortFunc(deals, compareRangeDeals)
	w.Int(len(deals))
	for _, d := range deals {
		w.Int(int(d.k))
		w.String(d.seg)
		w.Bool(d.own)
		w.Decimal(d.p)
		w.Decimal(d.amount)
	}
	writeMoney(&w, &r.won)
	writeMoney(&w, &r.undated)
	w.Varint(r.outside)
	r.first.encode(&w)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a range written by [Range.MarshalBinary],
// replacing r's contents, as [Pipeline.UnmarshalBinary] does.
func (r *Range) UnmarshalBinary(data []byte) error {
	rd := wire.NewReader(data)
	s, w, err := readTimedHeader(rd, "forecast.range", rangeVersion, r.w)
	if err != nil {
		return err
	}
	opts := RangeOptions{Options: w.opts, Close: rd.Time()}
	nq := rd.Count(3)
	if rd.Err() == nil && nq > MaxQuotas {
		rd.Fail("%d quotas", nq)
	}
	for range nq {
		opts.Quotas = append(opts.Quotas, rd.Decimal())
	}
	opts.Cells, opts.Uncertainty, opts.Samples, opts.Seed = rd.Int(), rd.Bool(), rd.Int(), rd.Uvarint()
	if err := rd.Err(); err != nil {
		return decodeErr(err)
	}
	if opts.Cells == 0 || (opts.Uncertainty && opts.Samples == 0) || w.timing {
		return decodeErr(wire.ErrFormat)
	}
	out, err := NewRange(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if r.w != nil && out.settings != r.settings {
		return incompatible("decoding a forecast range of other options")
	}
	unblob(rd, &out.in)
	if err := readLearner(rd, s, &out.l); err != nil {
		return err
	}
	n := rd.Count(6)
	if rd.Err() == nil && int64(n) > out.in.Counted() {
		rd.Fail("%d open deals of %d", n, out.in.Counted())
	}
	for range n {
		d := rangeDeal{k: int32(rd.Int()), seg: rd.String(), own: rd.Bool(), p: rd.Decimal(), amount: rd.Decimal()}
		if rd.Err() != nil {
			break
		}
		if int(d.k) >= s.Funnel().Len() || d.amount.Sign() < 0 || d.p.Sign() < 0 || d.p.GreaterThan(one) || (!d.own && !d.p.IsZero()) ||
			(d.seg != "" && (d.own || out.w.segment == "")) || (len(out.deals) > 0 && compareRangeDeals(out.deals[len(out.deals)-1], d) > 0) {
			rd.Fail("bad open deal")
			break
		}
		out.deals = append(out.deals, d)
	}
	out.won = readMoney(rd)
	out.undated = readMoney(rd)
	out.outside = rd.NonNeg()
	if rd.Err() == nil && (opts.Close.IsZero() && (out.won.Count() > 0 || out.undated.Count() > 0 || out.outside > 0) ||
		int64(n)+out.won.Count()+out.undated.Count()+out.outside > out.in.Counted()) {
		rd.Fail("range counts do not add up")
	}
	out.first.decode(rd)
	if err := decoded(rd, data, out); err != nil {
		return err
	}
	*r = *out
	return nil
}

type rangeReportJSON struct {
	rangeReportAlias
	AsOf  *time.Time `json:"as_of"`
	Start *time.Time `json:"start"`
	End   *time.Time `json:"end"`
}

type rangeReportAlias RangeReport

// MarshalJSON encodes the report in the package's JSON style.
func (r RangeReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(rangeReportJSON{rangeReportAlias(r), timePtr(r.AsOf), timePtr(r.Start), timePtr(r.End)})
}

// UnmarshalJSON decodes a report written by [RangeReport.MarshalJSON].
func (r *RangeReport) UnmarshalJSON(b []byte) error {
	var o rangeReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = RangeReport(o.rangeReportAlias)
	r.AsOf, r.Start, r.End = timeOf(o.AsOf), timeOf(o.Start), timeOf(o.End)
	return nil
}

// WriteText writes the expected revenue, its percentiles and the
// probability of reaching each quota, with the rates' uncertainty when
// asked, then what was left out and skipped.
func (r RangeReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Forecast range")
	if !r.Start.IsZero() {
		ew.printf(" of %s", r.Calendar.Label(r.Period, r.Start, locationOf(r.Location)))
	}
	ew.printf(" as of %s (%s probabilities", r.AsOf.Format(time.RFC3339), r.Source)
	if r.Segment != "" {
		ew.printf(" per %s", r.Segment)
	}
	ew.printf(")\n")
	ew.printf("Won %s (%d deals); %d open deals %s, %d of them sure; expected %s (sd %.2f), between %s and %s\n",
		money(r.WonAmount), r.Won, r.Deals, money(r.Amount), r.Sure, money(r.Mean), r.StdDev, money(r.Min), money(r.Max))
	ew.printf("Distribution: %s, %d points of %s", r.Method, r.Points, r.Unit.String())
	if r.Method == RangeGrid {
		ew.printf(", every value within %s", money(r.ErrorBound))
	}
	ew.printf("\n")
	tw := newTable(ew)
	fmt.Fprint(tw, "\t")
	for _, p := range r.Percentiles {
		fmt.Fprintf(tw, "P%d\t", p.Percent)
	}
	fmt.Fprintln(tw)
	fmt.Fprint(tw, "fixed rates\t")
	for _, p := range r.Percentiles {
		fmt.Fprintf(tw, "%s\t", money(p.Value))
	}
	fmt.Fprintln(tw)
	if r.Uncertain != nil {
		fmt.Fprint(tw, "uncertain rates\t")
		for _, p := range r.Uncertain.Percentiles {
			fmt.Fprintf(tw, "%s\t", money(p.Value))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	for i, q := range r.Quotas {
		ew.printf("P(reaching %s) = %.4f", money(q.Quota), q.Probability)
		if q.Lo != q.Hi {
			ew.printf(" [%.4f, %.4f]", q.Lo, q.Hi)
		}
		if r.Uncertain != nil && i < len(r.Uncertain.Quotas) {
			u := r.Uncertain.Quotas[i]
			ew.printf("; with the rates' uncertainty %.4f [%.4f, %.4f]", u.Probability, u.Lo, u.Hi)
		}
		ew.printf("\n")
	}
	if r.Uncertain != nil {
		ew.printf("Uncertainty: %d learned rates, %d samples (seed %d), distribution within %.4f at %s%%\n", r.Uncertain.Rates,
			r.Uncertain.Samples, r.Uncertain.Seed, r.Uncertain.CDFError, decimal.NewFromFloat(100*r.Uncertain.Confidence).Round(1))
	}
	if r.Unweighted+r.Undated+r.Outside > 0 {
		ew.printf("Left out: %d deals without a probability (%s), %d without an expected close date (%s), %d expected in another period\n",
			r.Unweighted, money(r.UnweightedAmount), r.Undated, money(r.UndatedAmount), r.Outside)
	}
	writeInput(ew, r.Input)
	return ew.err
}
