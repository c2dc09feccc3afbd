package forecast

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// MaxCutoffs is the largest number of cutoffs of a [Backtest], and
// MaxBuckets the largest number of its calibration buckets.
const (
	MaxCutoffs = 1000
	MaxBuckets = 1000
)

// BacktestOptions configure a [Backtest].
type BacktestOptions struct {
	// Cutoffs are the past dates to replay, in any order, at most
	// MaxCutoffs, none after the scan's as-of time.
	Cutoffs []time.Time
	// Horizon, when positive, is the forecast horizon: a deal open at a
	// cutoff c counts as won only if it was won by c + Horizon, and as not
	// won otherwise; the scan must have an as-of time, and no cutoff may
	// be later than as-of - Horizon. Zero means the deal's outcome as of
	// the as-of time, with deals still open then left out as unresolved.
	Horizon time.Duration
	// Learn configures the learner of each cutoff.
	Learn LearnOptions
	// Buckets is the number of equal-width calibration buckets over
	// [0, 1]; zero means 10, at most MaxBuckets.
	Buckets int
}

// cutoff is the state of one replayed date.
type cutoff struct {
	at       time.Time
	scan     *funnel.Scan // the scan with the cutoff as its as-of time
	l        *Learner
	open     map[okey]*openAgg
	segs     map[string]struct{}
	overflow bool
}

// okey groups the deals open at a cutoff: stage and segment at the cutoff.
type okey struct {
	k   int
	seg string
}

func compareOkeys(a, b okey) int { return cmp.Or(cmp.Compare(a.k, b.k), strings.Compare(a.seg, b.seg)) }

// openAgg holds the outcomes of the deals open at a cutoff in one group:
// resolved ones (n, of which won, with their amounts) and unresolved ones.
type openAgg struct {
	n, won, unresolved int64
	amount, wonAmount  funnel.MoneyStats
}

// A Backtest replays history in one pass: at each cutoff it sees every
// deal as it stood then (funnel.Deal.At), learns the stage rates from the
// deals closed by then with the one [Learner], and keeps, for the deals
// open then, per stage and segment, how many were won later and their
// amounts; its report then scores the rates against what happened: the
// weighted pipeline against the amount won, the Brier score of the
// probabilities and their calibration. Memory: a learner per cutoff and
// a few counters per cutoff, stage and segment.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but
// as the receiver of UnmarshalBinary; build one with [NewBacktest].
type Backtest struct {
	s        *funnel.Scan
	opts     BacktestOptions // cutoffs sorted and unique, Buckets and MinSegment resolved
	in       funnel.Intake
	cuts     []*cutoff
	settings string
}

// NewBacktest returns an empty backtest of the scan's deals. It returns an
// error wrapping funnel.ErrInvalidParam for a nil scan, no cutoffs or more
// than MaxCutoffs, a cutoff after the as-of time, a negative horizon, a
// horizon without an as-of time or reaching past it, or a bucket count
// outside 0..MaxBuckets.
func NewBacktest(s *funnel.Scan, opts BacktestOptions) (*Backtest, error) {
	if s == nil {
		return nil, invalid("nil scan")
	}
	cuts := slices.Clone(opts.Cutoffs)
	slices.SortFunc(cuts, time.Time.Compare)
	cuts = slices.CompactFunc(cuts, time.Time.Equal)
	asOf := s.Options().AsOf
	switch {
	case len(cuts) == 0 || len(cuts) > MaxCutoffs:
		return nil, invalid("%d cutoffs: 1 to %d", len(cuts), MaxCutoffs)
	case cuts[0].IsZero():
		return nil, invalid("a zero cutoff")
	case !asOf.IsZero() && cuts[len(cuts)-1].After(asOf):
		return nil, invalid("cutoff %v after the as-of time %v", cuts[len(cuts)-1], asOf)
	case opts.Horizon < 0:
		return nil, invalid("negative horizon %v", opts.Horizon)
	case opts.Horizon > 0 && (asOf.IsZero() || cuts[len(cuts)-1].Add(opts.Horizon).After(asOf)):
		return nil, invalid("horizon %v reaches past the as-of time %v", opts.Horizon, asOf)
	case opts.Buckets < 0 || opts.Buckets > MaxBuckets:
		return nil, invalid("%d buckets: at most %d", opts.Buckets, MaxBuckets)
	case opts.Learn.MinSegment < 0:
		return nil, invalid("negative minimum segment %d", opts.Learn.MinSegment)
	}
	opts.Cutoffs = cuts
	opts.Buckets = cmp.Or(opts.Buckets, 10)
	if opts.Learn.MinSegment == 0 {
		opts.Learn.MinSegment = s.MinSample()
	}
	b := &Backtest{s: s, opts: opts}
	for _, c := range cuts {
		o := s.Options()
		o.AsOf = c
		cs, err := funnel.NewScan(s.Funnel(), o)
		if err != nil {
			return nil, err
		}
		b.cuts = append(b.cuts, &cutoff{at: c, scan: cs, l: newLearner(cs, opts.Learn), open: map[okey]*openAgg{}, segs: map[string]struct{}{}})
	}
	var w wire.Writer
	b.encodeSettings(&w)
	b.settings = string(w.Bytes())
	return b, nil
}

func (b *Backtest) encodeSettings(w *wire.Writer) {
	w.Int(len(b.opts.Cutoffs))
	for _, c := range b.opts.Cutoffs {
		w.Time(c)
	}
	w.Varint(int64(b.opts.Horizon))
	w.String(b.opts.Learn.Segment)
	w.Varint(b.opts.Learn.MinSegment)
	w.Int(b.opts.Buckets)
}

// Replay backtests the deals in one pass: [NewBacktest],
// [funnel.Scan.Run] and [Backtest.Report].
func Replay(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts BacktestOptions) (BacktestReport, error) {
	return onepass.Run(s, deals, opts, NewBacktest, (*Backtest).Report)
}

// Scan returns the scan the backtest was built for.
func (b *Backtest) Scan() *funnel.Scan { return b.s }

// Fresh returns an empty backtest of the same scan and options.
func (b *Backtest) Fresh() funnel.Accumulator {
	c, _ := NewBacktest(b.s, b.opts)
	return c
}

// Add validates d and adds it (see [funnel.Scan.Add]).
func (b *Backtest) Add(d funnel.Deal) error { return b.s.Add(d, b) }

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (b *Backtest) Observe(v *funnel.View) {
	if !b.in.Note(v) {
		return
	}
	d := v.Deal
	f := b.s.Funnel()
	for _, c := range b.cuts {
		// the learner of the cutoff sees the deal as it stood then
		_ = c.scan.Add(*d, c.l)
		dc, ok := d.At(c.at)
		if !ok || dc.Outcome != funnel.Open || c.overflow {
			continue
		}
		key := okey{k: currentStage(f, &dc)}
		if b.opts.Learn.Segment != "" {
			key.seg = dc.Attrs.Get(b.opts.Learn.Segment)
		}
		g := c.group(key)
		if g == nil {
			continue
		}
		var won bool
		switch {
		case b.opts.Horizon > 0:
			if d.Outcome == funnel.Won && d.Closed.IsZero() {
				g.unresolved++
				continue
			}
			won = d.Outcome == funnel.Won && !d.Closed.After(c.at.Add(b.opts.Horizon))
		case d.Outcome == funnel.Open:
			g.unresolved++
			continue
		default:
			won = d.Outcome == funnel.Won
		}
		g.n++
		g.amount.Add(dc.Amount)
		if won {
			g.won++
			g.wonAmount.Add(d.Amount)
		}
	}
}

// group returns the group of key, adding it when new, or nil once the
// cutoff has more than MaxSegments segments.
func (c *cutoff) group(key okey) *openAgg {
	if g := c.open[key]; g != nil {
		return g
	}
	if _, ok := c.segs[key.seg]; !ok {
		if len(c.segs) == MaxSegments {
			c.setOverflow()
			return nil
		}
		c.segs[key.seg] = struct{}{}
	}
	g := new(openAgg)
	c.open[key] = g
	return g
}

func (c *cutoff) setOverflow() {
	c.overflow = true
	clear(c.open)
	clear(c.segs)
}

// Merge adds everything o, a *Backtest of an equal scan and options,
// holds (see [funnel.Accumulator]). o is not modified.
func (b *Backtest) Merge(o funnel.Accumulator) error {
	ob, err := mergeable[*Backtest](b, o)
	if err != nil {
		return err
	}
	if ob.settings != b.settings {
		return incompatible("merging backtests of other options")
	}
	b.in.Merge(&ob.in)
	for i, c := range b.cuts {
		oc := ob.cuts[i]
		c.l.merge(oc.l)
		if oc.overflow {
			c.setOverflow()
		}
		for key, og := range oc.open {
			if c.overflow {
				break
			}
			g := c.group(key)
			if g == nil {
				break
			}
			g.n += og.n
			g.won += og.won
			g.unresolved += og.unresolved
			g.amount.Merge(&og.amount)
			g.wonAmount.Merge(&og.wonAmount)
		}
	}
	return nil
}

// A CutoffReport is the replay of one past date.
type CutoffReport struct {
	At time.Time `json:"-"` // JSON at
	// Rates are the stage rates learned from the deals closed by At.
	Rates []StageRate `json:"rates"`
	// Realized is, per stage, the scored deals open at At in the stage
	// and how many of them were won.
	Realized []funnel.Rate `json:"realized"`
	// Scored counts the open deals scored (resolved, with a rate);
	// Unresolved and Unweighted count those left out.
	Scored     int64 `json:"scored"`
	Unresolved int64 `json:"unresolved"`
	Unweighted int64 `json:"unweighted"`
	// Predicted is the weighted pipeline of the scored deals (their
	// amounts at At times their rates, each rounded to
	// ProbabilityPlaces), Actual the amount they won, Error = Actual -
	// Predicted.
	Predicted decimal.Decimal `json:"predicted"`
	Actual    decimal.Decimal `json:"actual"`
	Error     decimal.Decimal `json:"error"`
	// Brier is the Brier score of the scored deals, mean (p - y)² with y
	// 1 for a win and 0 otherwise (Brier 1950, "Verification of forecasts
	// expressed in terms of probability", Monthly Weather Review 78): 0 is
	// perfect, 0.25 is what p = 0.5 scores. It is computed exactly from
	// the counts and rounded to a float64; BrierDefined is false (JSON
	// null) when no deal was scored.
	Brier        float64 `json:"-"`
	BrierDefined bool    `json:"-"`
}

// A Bucket is one calibration bucket: the scored deals whose predicted
// probability p is in [Lo, Hi) (the last bucket includes 1).
type Bucket struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// MeanPredicted is the mean predicted probability of the bucket's
	// deals (0 when it has none), and Observed the share of them won, with
	// its Wilson interval: a well calibrated model has MeanPredicted
	// inside that interval.
	MeanPredicted float64     `json:"-"` // JSON mean_predicted, null when empty
	Observed      funnel.Rate `json:"observed"`
}

// A BacktestReport is the replay of past dates.
type BacktestReport struct {
	Horizon time.Duration  `json:"-"`       // JSON horizon_seconds
	Cutoffs []CutoffReport `json:"cutoffs"` // in time order
	// Brier is the Brier score over every scored deal of every cutoff.
	Brier        float64 `json:"-"`
	BrierDefined bool    `json:"-"`
	// Calibration has one row per bucket, over every cutoff.
	Calibration []Bucket     `json:"calibration"`
	Input       funnel.Input `json:"input"`
}

// Report scores the replayed dates. It returns an error wrapping
// funnel.ErrInvalidParam when the segment attribute took more than
// MaxSegments values at a cutoff.
func (b *Backtest) Report() (BacktestReport, error) {
	cal := newCalibration(b.opts.Buckets)
	level := b.s.Level()
	f := b.s.Funnel()
	r := BacktestReport{Horizon: b.opts.Horizon, Input: b.in.Input()}
	for _, c := range b.cuts {
		if c.overflow {
			return BacktestReport{}, invalid("more than %d values of the segment attribute %q", MaxSegments, b.opts.Learn.Segment)
		}
		m, err := c.l.Model()
		if err != nil {
			return BacktestReport{}, err
		}
		cr := CutoffReport{At: c.at, Rates: m.stageRates(m.rates, level), Realized: make([]funnel.Rate, f.Len())}
		realized := make([]funnel.Ratio, f.Len())
		var bs brierSum
		for _, key := range sortedKeys(c.open, compareOkeys) {
			g := c.open[key]
			cnt, ok := m.rate(key.k, key.seg)
			if !ok {
				cr.Unweighted += g.n + g.unresolved
				continue
			}
			cr.Unresolved += g.unresolved
			if g.n == 0 {
				continue
			}
			p := probOf(cnt)
			cr.Scored += g.n
			cr.Predicted = cr.Predicted.Add(g.amount.Sum().Mul(p))
			cr.Actual = cr.Actual.Add(g.wonAmount.Sum())
			realized[key.k].Num += g.won
			realized[key.k].Den += g.n
			bs.add(p, g.n, g.won)
			cal.add(p, g.n, g.won)
		}
		for k := range realized {
			cr.Realized[k] = rate(realized[k], level)
		}
		cr.Error = cr.Actual.Sub(cr.Predicted)
		cr.Brier, cr.BrierDefined = bs.score()
		r.Cutoffs = append(r.Cutoffs, cr)
	}
	r.Brier, r.BrierDefined = cal.all.score()
	r.Calibration = cal.rows(level)
	return r, nil
}

const backtestVersion = 1

// MarshalBinary encodes the backtest (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (b *Backtest) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.backtest", backtestVersion, b.s)
	b.encodeSettings(&w)
	blob(&w, &b.in)
	for _, c := range b.cuts {
		blob(&w, c.l)
		w.Bool(c.overflow)
		keys := sortedKeys(c.open, compareOkeys)
		w.Int(len(keys))
		for _, key := range keys {
			g := c.open[key]
			w.Int(key.k)
			w.String(key.seg)
			w.Varint(g.n)
			w.Varint(g.won)
			w.Varint(g.unresolved)
			writeMoney(&w, &g.amount)
			writeMoney(&w, &g.wonAmount)
		}
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a backtest written by [Backtest.MarshalBinary],
// replacing b's contents, as [Pipeline.UnmarshalBinary] does.
func (b *Backtest) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readHeader(r, "forecast.backtest", backtestVersion, b.s)
	if err != nil {
		return err
	}
	n := r.Count(2)
	if r.Err() == nil && n > MaxCutoffs {
		r.Fail("%d cutoffs", n)
	}
	var opts BacktestOptions
	for range n {
		opts.Cutoffs = append(opts.Cutoffs, r.Time())
	}
	opts.Horizon = time.Duration(r.Varint())
	opts.Learn = LearnOptions{Segment: r.String(), MinSegment: r.Varint()}
	opts.Buckets = r.Int()
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	if opts.Buckets == 0 || opts.Learn.MinSegment == 0 {
		return decodeErr(wire.ErrFormat)
	}
	out, err := NewBacktest(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if len(out.cuts) != n {
		return decodeErr(fmt.Errorf("%w: cutoffs not in order", wire.ErrFormat))
	}
	if b.s != nil && out.settings != b.settings {
		return incompatible("decoding a backtest of other options")
	}
	unblob(r, &out.in)
	for _, c := range out.cuts {
		unblob(r, c.l)
		c.overflow = r.Bool()
		m := r.Count(5)
		if r.Err() == nil && c.overflow && m > 0 {
			r.Fail("groups after an overflow")
		}
		var prev okey
		for i := range m {
			key := okey{k: r.Int(), seg: r.String()}
			g := &openAgg{n: r.NonNeg(), won: r.NonNeg(), unresolved: r.NonNeg()}
			g.amount = readMoney(r)
			g.wonAmount = readMoney(r)
			if r.Err() != nil {
				break
			}
			if key.k >= s.Funnel().Len() || (i > 0 && compareOkeys(prev, key) >= 0) || (key.seg != "" && opts.Learn.Segment == "") ||
				g.won > g.n || g.amount.Count() != g.n || g.wonAmount.Count() != g.won || g.n+g.unresolved == 0 || g.n+g.unresolved > out.in.Counted() {
				r.Fail("bad cutoff group")
				break
			}
			prev = key
			c.open[key] = g
			c.segs[key.seg] = struct{}{}
		}
		if r.Err() == nil && len(c.segs) > MaxSegments {
			r.Fail("too many segments")
		}
	}
	if err := decoded(r, data, out); err != nil {
		return err
	}
	*b = *out
	return nil
}

type bucketJSON struct {
	bucketAlias
	MeanPredicted *float64 `json:"mean_predicted"`
}

type bucketAlias Bucket

// MarshalJSON encodes the bucket, its mean prediction null when it holds
// no deal.
func (b Bucket) MarshalJSON() ([]byte, error) {
	o := bucketJSON{bucketAlias: bucketAlias(b)}
	if b.Observed.Den > 0 {
		o.MeanPredicted = &b.MeanPredicted
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a bucket written by [Bucket.MarshalJSON].
func (b *Bucket) UnmarshalJSON(data []byte) error {
	var o bucketJSON
	if err := json.Unmarshal(data, &o); err != nil {
		return err
	}
	*b = Bucket(o.bucketAlias)
	b.MeanPredicted = 0
	if o.MeanPredicted != nil {
		b.MeanPredicted = *o.MeanPredicted
	}
	return nil
}

type cutoffJSON struct {
	cutoffAlias
	At    *time.Time `json:"at"`
	Brier *float64   `json:"brier"`
}

type cutoffAlias CutoffReport

// MarshalJSON encodes the cutoff with its date as RFC 3339 and its Brier
// score as a number or null.
func (c CutoffReport) MarshalJSON() ([]byte, error) {
	o := cutoffJSON{cutoffAlias: cutoffAlias(c), At: timePtr(c.At)}
	if c.BrierDefined {
		o.Brier = &c.Brier
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a cutoff written by [CutoffReport.MarshalJSON].
func (c *CutoffReport) UnmarshalJSON(b []byte) error {
	var o cutoffJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = CutoffReport(o.cutoffAlias)
	c.At = timeOf(o.At)
	c.Brier, c.BrierDefined = 0, o.Brier != nil
	if o.Brier != nil {
		c.Brier = *o.Brier
	}
	return nil
}

type backtestJSON struct {
	backtestAlias
	Horizon json.Number `json:"horizon_seconds"`
	Brier   *float64    `json:"brier"`
}

type backtestAlias BacktestReport

// MarshalJSON encodes the report in the package's JSON style, the horizon
// in seconds and the Brier score as a number or null.
func (r BacktestReport) MarshalJSON() ([]byte, error) {
	o := backtestJSON{backtestAlias: backtestAlias(r), Horizon: secs(r.Horizon)}
	if r.BrierDefined {
		o.Brier = &r.Brier
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a report written by [BacktestReport.MarshalJSON].
func (r *BacktestReport) UnmarshalJSON(b []byte) error {
	var o backtestJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	h, err := parseSecs(o.Horizon)
	if err != nil {
		return err
	}
	*r = BacktestReport(o.backtestAlias)
	r.Horizon = h
	r.Brier, r.BrierDefined = 0, o.Brier != nil
	if o.Brier != nil {
		r.Brier = *o.Brier
	}
	return nil
}

// WriteText writes one line per cutoff (scored deals, predicted against
// actual, Brier score), the calibration table and what was skipped.
func (r BacktestReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Backtest of %d cutoffs", len(r.Cutoffs))
	if r.Horizon > 0 {
		ew.printf(", horizon %s days", days(1, r.Horizon))
	}
	ew.printf(": Brier score %s\n\n", brierText(r.Brier, r.BrierDefined))
	tw := newTable(ew)
	fmt.Fprintln(tw, "cutoff\tscored\tunresolved\tunweighted\tpredicted\tactual\terror\tBrier\t")
	for _, c := range r.Cutoffs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", c.At.Format(time.RFC3339), c.Scored, c.Unresolved, c.Unweighted,
			money(c.Predicted), money(c.Actual), money(c.Error), brierText(c.Brier, c.BrierDefined))
	}
	_ = tw.Flush()
	ew.printf("\nCalibration:\n")
	tw = newTable(ew)
	fmt.Fprintln(tw, "predicted\tdeals\tmean predicted\tobserved\tinterval\t")
	for _, bk := range r.Calibration {
		fmt.Fprintf(tw, "[%.2f, %.2f)\t%d\t%.3f\t%s\t%s\t\n", bk.Lo, bk.Hi, bk.Observed.Den, bk.MeanPredicted, pct(bk.Observed.Ratio), ci(bk.Observed.Interval))
	}
	_ = tw.Flush()
	writeInput(ew, r.Input)
	return ew.err
}

func brierText(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.4f", v)
}
