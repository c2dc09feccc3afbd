package forecast

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/optimize"
)

// Bounds of a [Scoring]'s settings.
const (
	// MaxScoringAttrs is the largest number of attributes a scoring model
	// uses, MaxSnapshots the largest number of its training snapshots and
	// MaxLevels the largest number of values it keeps per attribute.
	MaxScoringAttrs = 8
	MaxSnapshots    = 100
	MaxLevels       = 100
)

// ScoringOptions configure a [Scoring].
type ScoringOptions struct {
	// Attrs names the attributes (funnel.Attributes.Get: "source",
	// "industry", "owner", a custom key) the model uses, at most
	// MaxScoringAttrs; each value is a feature of its own.
	Attrs []string
	// Snapshots are the dates the closed deals are seen at for training,
	// none after the scan's as-of time, at most MaxSnapshots; zero means
	// the starts of the 12 periods (the scan's funnel.Options.Period, in
	// its Location) before the as-of time.
	Snapshots []time.Time
	// Holdout, when not zero, is the cutoff of the evaluation: a second
	// model is fitted on the snapshots before Holdout of the deals closed
	// by then, and it and the stage rates learned by then score the
	// deals open at Holdout and closed by the as-of time. It must be
	// before the as-of time.
	Holdout time.Time
	// L2 is the ridge penalty λ; zero means 1. It must not be negative.
	L2 float64
	// Without names features left out of the model: "days in stage",
	// "age", "pushes", "amount", "overdue" or "cut" (a field an export
	// fills only at the close, such as an amount zeroed on lost deals,
	// gives the outcome away).
	Without []string
	// Levels is the number of most frequent values kept per attribute
	// (the others share the reference level); zero means 20, at most
	// MaxLevels.
	Levels int
	// Factors is the number of factors for and against listed per deal;
	// zero means 3.
	Factors int
	// Buckets is the number of calibration buckets of the evaluation;
	// zero means 10, at most MaxBuckets.
	Buckets int
}

// sfeat are the features of a deal at a date.
type sfeat struct {
	k       int32
	inStage int64 // seconds since the last stage entry; -1 when unknown
	age     int64 // seconds since creation; -1 when unknown
	pushes  int64
	amount  float64 // the amount, finite
	overdue bool    // expected close date before the date
	cut     bool    // amount below its largest earlier amount
	levels  []string
}

func compareFeats(a, b sfeat) int {
	return cmp.Or(cmp.Compare(a.k, b.k), cmp.Compare(a.inStage, b.inStage), cmp.Compare(a.age, b.age), cmp.Compare(a.pushes, b.pushes),
		cmp.Compare(a.amount, b.amount), cmpBool(a.overdue, b.overdue), cmpBool(a.cut, b.cut), slices.Compare(a.levels, b.levels))
}

// srow is a training or test row: features and outcome.
type srow struct {
	sfeat
	won bool
}

func compareSrows(a, b srow) int {
	return cmp.Or(compareFeats(a.sfeat, b.sfeat), cmpBool(a.won, b.won))
}

// sopen is an open deal to score.
type sopen struct {
	id     string
	amount decimal.Decimal
	sfeat
}

func compareOpen(a, b sopen) int {
	return cmp.Or(strings.Compare(a.id, b.id), a.amount.Cmp(b.amount), cmp.Compare(a.amount.Exponent(), b.amount.Exponent()), compareFeats(a.sfeat, b.sfeat))
}

// featuresAt returns the features of d, a deal as it stood at t.
func featuresAt(f *funnel.Funnel, d *funnel.Deal, t time.Time, attrs []string) sfeat {
	x := sfeat{k: int32(currentStage(f, d)), inStage: -1, age: -1, amount: min(d.Amount.InexactFloat64(), 1e300)}
	if n := len(d.History); n > 0 && !d.History[n-1].At.IsZero() && !d.History[n-1].At.After(t) {
		x.inStage = secondsBetween(d.History[n-1].At, t)
	}
	if !d.Created.IsZero() && !d.Created.After(t) {
		x.age = secondsBetween(d.Created, t)
	}
	x.overdue = !d.ExpectedClose.IsZero() && d.ExpectedClose.Before(t)
	var prev time.Time
	seen := false
	peak := d.Amount
	for _, c := range d.Changes {
		switch c.Field {
		case funnel.FieldAmount:
			if c.Amount.GreaterThan(peak) {
				peak = c.Amount
			}
		case funnel.FieldExpectedClose:
			if seen && !prev.IsZero() && c.Time.After(prev) {
				x.pushes++
			}
			prev, seen = c.Time, true
		}
	}
	x.cut = d.Amount.LessThan(peak)
	if len(attrs) > 0 {
		x.levels = make([]string, len(attrs))
		for i, a := range attrs {
			x.levels[i] = d.Attrs.Get(a)
		}
	}
	return x
}

// A Scoring accumulates a win-probability model and scores the open
// deals with it: a logistic regression (Cox 1958, "The regression
// analysis of binary sequences", JRSS B 20; Hosmer and Lemeshow, "Applied
// Logistic Regression") of the outcome on a deal's features,
//
//	P(win | x) = 1 / (1 + exp(-(β₀ + Σ β_j x_j)))
//
// with x: the current stage (one indicator per stage), log(1 + days in
// the stage), log(1 + days since creation), the number of pushes of the
// expected close date, log(1 + amount), whether the expected close date
// is past, whether the amount was cut, and one indicator per value of
// each attribute asked for (the most frequent values; the others share
// the reference level), but for the features left out
// (ScoringOptions.Without). Numeric features are standardized by their mean
// and standard deviation over the training rows. β maximizes the
// ridge-penalized log-likelihood, Σ [y z - log(1 + e^z)] - λ/2 Σ_{j≥1}
// β_j² (the intercept penalized only by 10⁻⁴ λ, so that one class alone
// still gives a finite fit), by L-BFGS (gonum's optimize; Nocedal 1980).
//
// Logistic regression rather than naive Bayes (Odoo's lead scoring):
// the features are far from independent given the outcome (a deal
// pushed often is also old and slow), which naive Bayes double counts,
// pushing its probabilities towards 0 and 1; the logistic fit maximizes
// the likelihood, a proper scoring rule, so its probabilities are
// calibrated on the training data, which the Brier score and the
// calibration table then check on held-out deals.
//
// Training sees no future: a deal closed by the as-of time gives one row
// per snapshot date at which it was open (its features as it stood then,
// funnel.Deal.At, with its outcome as the label); open deals teach
// nothing. With ScoringOptions.Holdout, a second model fitted only on the
// snapshots before the holdout of the deals closed by then scores the
// deals open at the holdout and closed since, beside the stage rates the
// one [Learner] learned by the holdout (as a [Backtest] would), with the
// Brier score and calibration of both.
//
// Each scored deal lists its top factors for and against: the features
// whose contribution to the log-odds, β_j (x_j - x̄_j) over the feature's
// columns (x̄ the training mean), is the largest either way.
//
// One pass: the training rows (about 80 bytes each) and the open deals
// are kept until Report fits the models. It needs the scan's as-of time.
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but as
// the receiver of UnmarshalBinary; build one with [NewScoring].
type Scoring struct {
	s         *funnel.Scan
	opts      ScoringOptions // defaults resolved, snapshots sorted
	in        funnel.Intake
	l         *Learner // the stage rates as of the as-of time
	rows      []srow
	deals     int64 // closed deals that gave rows
	open      []sopen
	hscan     *funnel.Scan // the scan as of the holdout
	hl        *Learner
	hrows     []srow // training rows of the holdout model
	hdeals    int64
	test      []srow // deals open at the holdout, closed by the as-of time
	pending   int64  // deals open at the holdout and still open
	settings  string
	snapshots []time.Time
}

// NewScoring returns an empty scoring model of the scan's deals. It
// returns an error wrapping funnel.ErrInvalidParam for a nil scan, a scan
// without an as-of time, or options out of range.
func NewScoring(s *funnel.Scan, opts ScoringOptions) (*Scoring, error) {
	if s == nil || s.Options().AsOf.IsZero() {
		return nil, invalid("scoring needs a scan with an as-of time")
	}
	o := s.Options()
	switch {
	case len(opts.Attrs) > MaxScoringAttrs:
		return nil, invalid("%d attributes: at most %d", len(opts.Attrs), MaxScoringAttrs)
	case len(opts.Snapshots) > MaxSnapshots:
		return nil, invalid("%d snapshots: at most %d", len(opts.Snapshots), MaxSnapshots)
	case !opts.Holdout.IsZero() && !opts.Holdout.Before(o.AsOf):
		return nil, invalid("holdout %v not before the as-of time %v", opts.Holdout, o.AsOf)
	case !(opts.L2 >= 0) || math.IsInf(opts.L2, 0):
		return nil, invalid("ridge penalty %v", opts.L2)
	case opts.Levels < 0 || opts.Levels > MaxLevels || opts.Factors < 0 || opts.Factors > 100 || opts.Buckets < 0 || opts.Buckets > MaxBuckets:
		return nil, invalid("%d levels, %d factors, %d buckets", opts.Levels, opts.Factors, opts.Buckets)
	}
	for i, a := range opts.Attrs {
		if a == "" || slices.Contains(opts.Attrs[:i], a) {
			return nil, invalid("attribute %q: empty or repeated", a)
		}
	}
	var without []string
	for _, n := range numericNames {
		if slices.Contains(opts.Without, n) {
			without = append(without, n)
		}
	}
	if len(without) != len(opts.Without) {
		return nil, invalid("features %q to leave out: unknown or repeated", opts.Without)
	}
	opts.Attrs, opts.Without = slices.Clone(opts.Attrs), without
	snaps := slices.Clone(opts.Snapshots)
	if len(snaps) == 0 {
		t := o.Calendar.Start(o.Period, o.AsOf, o.Location)
		if !t.Before(o.AsOf) {
			t = o.Calendar.Start(o.Period, t.Add(-time.Nanosecond), o.Location)
		}
		for range 12 {
			snaps = append(snaps, t)
			t = o.Calendar.Start(o.Period, t.Add(-time.Nanosecond), o.Location)
		}
	}
	slices.SortFunc(snaps, time.Time.Compare)
	snaps = slices.CompactFunc(snaps, time.Time.Equal)
	if snaps[0].IsZero() || snaps[len(snaps)-1].After(o.AsOf) {
		return nil, invalid("snapshots from %v to %v: zero or after the as-of time", snaps[0], snaps[len(snaps)-1])
	}
	opts.Snapshots = snaps
	if opts.L2 == 0 {
		opts.L2 = 1
	}
	opts.Levels = cmp.Or(opts.Levels, 20)
	opts.Factors = cmp.Or(opts.Factors, 3)
	opts.Buckets = cmp.Or(opts.Buckets, 10)
	sc := &Scoring{s: s, opts: opts, snapshots: snaps, l: newLearner(s, LearnOptions{MinSegment: s.MinSample()})}
	if !opts.Holdout.IsZero() {
		ho := o
		ho.AsOf = opts.Holdout
		hs, err := funnel.NewScan(s.Funnel(), ho)
		if err != nil {
			return nil, err
		}
		sc.hscan, sc.hl = hs, newLearner(hs, LearnOptions{MinSegment: s.MinSample()})
	}
	var w wire.Writer
	sc.encodeSettings(&w)
	sc.settings = string(w.Bytes())
	return sc, nil
}

func (sc *Scoring) encodeSettings(w *wire.Writer) {
	w.Int(len(sc.opts.Attrs))
	for _, a := range sc.opts.Attrs {
		w.String(a)
	}
	w.Int(len(sc.opts.Snapshots))
	for _, t := range sc.opts.Snapshots {
		w.Time(t)
	}
	w.Int(len(sc.opts.Without))
	for _, n := range sc.opts.Without {
		w.String(n)
	}
	w.Time(sc.opts.Holdout)
	w.Float(sc.opts.L2)
	w.Int(sc.opts.Levels)
	w.Int(sc.opts.Factors)
	w.Int(sc.opts.Buckets)
}

// Score fits the win-probability model of the deals in one pass and
// scores the open ones: [NewScoring], [funnel.Scan.Run] and
// [Scoring.Report].
func Score(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts ScoringOptions) (ScoringReport, error) {
	return onepass.Run(s, deals, opts, NewScoring, (*Scoring).Report)
}

// Scan returns the scan the model was built for.
func (sc *Scoring) Scan() *funnel.Scan { return sc.s }

// Fresh returns an empty model of the same scan and options.
func (sc *Scoring) Fresh() funnel.Accumulator {
	c := &Scoring{s: sc.s, opts: sc.opts, snapshots: sc.snapshots, settings: sc.settings, hscan: sc.hscan, l: newLearner(sc.s, sc.l.opts)}
	if sc.hl != nil {
		c.hl = newLearner(sc.hscan, sc.hl.opts)
	}
	return c
}

// Add validates d and adds it (see [funnel.Scan.Add]).
func (sc *Scoring) Add(d funnel.Deal) error { return sc.s.Add(d, sc) }

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (sc *Scoring) Observe(v *funnel.View) {
	sc.l.Observe(v)
	if !sc.in.Note(v) {
		return
	}
	d := v.Deal
	f := sc.s.Funnel()
	attrs := sc.opts.Attrs
	h := sc.opts.Holdout
	if sc.hl != nil && d.Outcome != funnel.Open {
		// a deal open at the as-of time was open at the holdout too,
		// and teaches the holdout's learner nothing
		_ = sc.hscan.Add(*d, sc.hl)
	}
	if d.Outcome == funnel.Open {
		sc.open = append(sc.open, sopen{id: d.ID, amount: d.Amount, sfeat: featuresAt(f, d, sc.s.Options().AsOf, attrs)})
		if sc.hl != nil {
			if dh, ok := d.At(h); ok && dh.Outcome == funnel.Open {
				sc.pending++
			}
		}
		return
	}
	won := d.Outcome == funnel.Won
	trained := false
	for _, t := range sc.snapshots {
		if dt, ok := d.At(t); ok && dt.Outcome == funnel.Open {
			sc.rows = append(sc.rows, srow{featuresAt(f, &dt, t, attrs), won})
			trained = true
		}
	}
	if trained {
		sc.deals++
	}
	if sc.hl == nil {
		return
	}
	dh, ok := d.At(h)
	switch {
	case !ok:
	case dh.Outcome == funnel.Open:
		sc.test = append(sc.test, srow{featuresAt(f, &dh, h, attrs), won})
	default: // closed by the holdout: training of the holdout model
		trained = false
		for _, t := range sc.snapshots {
			if !t.Before(h) {
				break
			}
			if dt, ok := d.At(t); ok && dt.Outcome == funnel.Open {
				sc.hrows = append(sc.hrows, srow{featuresAt(f, &dt, t, attrs), dh.Outcome == funnel.Won})
				trained = true
			}
		}
		if trained {
			sc.hdeals++
		}
	}
}

// Merge adds everything o, a *Scoring of an equal scan and options, holds
// (see [funnel.Accumulator]). o is not modified.
func (sc *Scoring) Merge(o funnel.Accumulator) error {
	os, err := mergeable[*Scoring](sc, o)
	if err != nil {
		return err
	}
	if os.settings != sc.settings {
		return incompatible("merging scoring models of other options")
	}
	sc.in.Merge(&os.in)
	sc.l.merge(os.l)
	sc.rows = append(sc.rows, os.rows...)
	sc.deals += os.deals
	sc.open = append(sc.open, os.open...)
	if sc.hl != nil {
		sc.hl.merge(os.hl)
		sc.hrows = append(sc.hrows, os.hrows...)
		sc.hdeals += os.hdeals
		sc.test = append(sc.test, os.test...)
		sc.pending += os.pending
	}
	return nil
}

// numeric feature columns, in order
var numericNames = [...]string{"days in stage", "age", "pushes", "amount", "overdue", "cut"}

const numNumeric = len(numericNames)

func (x *sfeat) numeric() [numNumeric]float64 {
	var v [numNumeric]float64
	if x.inStage > 0 {
		v[0] = math.Log1p(float64(x.inStage) / 86400)
	}
	if x.age > 0 {
		v[1] = math.Log1p(float64(x.age) / 86400)
	}
	v[2] = float64(min(x.pushes, 1000))
	v[3] = math.Log1p(max(x.amount, 0))
	if x.overdue {
		v[4] = 1
	}
	if x.cut {
		v[5] = 1
	}
	return v
}

// A design maps features to the model's columns: the intercept (0), the
// stages (1 .. n), the numeric features, then each attribute's levels.
type design struct {
	stages      int
	mean, sd    [numNumeric]float64
	off         [numNumeric]bool // features left out
	levels      [][]string       // per attribute, the values kept
	index       []map[string]int
	dim         int
	stageFreq   []float64 // training share of each stage
	levelFreq   [][]float64
	numericBase int
}

func newDesign(stages int, rows []srow, attrs int, maxLevels int, without []string) *design {
	d := &design{stages: stages, numericBase: 1 + stages, stageFreq: make([]float64, stages)}
	for j, n := range numericNames {
		d.off[j] = slices.Contains(without, n)
	}
	n := float64(len(rows))
	var sum, sq [numNumeric]float64
	counts := make([]map[string]int, attrs)
	for i := range counts {
		counts[i] = map[string]int{}
	}
	for i := range rows {
		r := &rows[i]
		v := r.numeric()
		for j := range v {
			sum[j] += v[j]
		}
		d.stageFreq[r.k]++
		for a, l := range r.levels {
			counts[a][l]++
		}
	}
	for j := range sum {
		if n > 0 {
			d.mean[j] = sum[j] / n
		}
	}
	for i := range rows {
		v := rows[i].numeric()
		for j := range v {
			sq[j] += (v[j] - d.mean[j]) * (v[j] - d.mean[j])
		}
	}
	for j := range sq {
		// a feature alike in every row (up to rounding) has no
		// standard deviation: it is left out
		if sd := math.Sqrt(sq[j] / max(n-1, 1)); n > 1 && sd > 1e-9*max(1, math.Abs(d.mean[j])) && !d.off[j] {
			d.sd[j] = sd
		}
	}
	dim := d.numericBase + numNumeric
	for a := range attrs {
		keys := sortedKeys(counts[a], func(x, y string) int { return cmp.Or(cmp.Compare(counts[a][y], counts[a][x]), strings.Compare(x, y)) })
		if len(keys) > maxLevels {
			keys = keys[:maxLevels]
		}
		idx := map[string]int{}
		freq := make([]float64, len(keys))
		for i, k := range keys {
			idx[k] = dim + i
			if n > 0 {
				freq[i] = float64(counts[a][k]) / n
			}
		}
		dim += len(keys)
		d.levels = append(d.levels, keys)
		d.index = append(d.index, idx)
		d.levelFreq = append(d.levelFreq, freq)
	}
	for k := range d.stageFreq {
		if n > 0 {
			d.stageFreq[k] /= n
		}
	}
	d.dim = dim
	return d
}

// encoded is a row in the design's columns: its stage column, its
// standardized numeric values and its level columns (-1 for a value not
// kept).
type encoded struct {
	stage  int
	num    [numNumeric]float64
	levels []int
	y      float64
}

func (d *design) encode(x *sfeat) encoded {
	e := encoded{stage: 1 + int(x.k), levels: make([]int, len(d.index))}
	v := x.numeric()
	for j := range v {
		if d.sd[j] > 0 {
			e.num[j] = (v[j] - d.mean[j]) / d.sd[j]
		}
	}
	for a, l := range x.levels {
		e.levels[a] = -1
		if i, ok := d.index[a][l]; ok {
			e.levels[a] = i
		}
	}
	return e
}

// A ScoringFit describes a fitted model.
type ScoringFit struct {
	// Rows are the training rows (snapshots of closed deals), from Deals
	// deals, Won of them labelled won.
	Rows  int64 `json:"rows"`
	Deals int64 `json:"deals"`
	Won   int64 `json:"won"`
	// Iterations and Converged describe the optimizer's run; LogLoss is
	// the mean negative log-likelihood of the training rows.
	Iterations int     `json:"iterations"`
	Converged  bool    `json:"converged"`
	LogLoss    float64 `json:"log_loss"`
	// Coefficients are the intercept and one weight per column: per
	// standard deviation for a numeric feature, for the value for a
	// stage or attribute level.
	Coefficients []Coefficient `json:"coefficients"`
}

// A Coefficient is one weight of a scoring model, on the log-odds scale.
type Coefficient struct {
	Feature string  `json:"feature"`
	Level   string  `json:"level"`
	Weight  float64 `json:"weight"`
}

// A Factor is one feature's push on a deal's win probability: its
// contribution to the log-odds against the average training row.
type Factor struct {
	Feature string  `json:"feature"`
	Value   string  `json:"value"`
	Effect  float64 `json:"effect"`
}

// A DealScore is an open deal's win probability.
type DealScore struct {
	ID     string          `json:"id"`
	Stage  funnel.Stage    `json:"stage"`
	Amount decimal.Decimal `json:"amount"`
	// Probability is the model's win probability; Scored is false (JSON
	// null) when there was nothing to train on.
	Probability float64 `json:"-"`
	Scored      bool    `json:"-"`
	// StageRate is the stage's learned rate (see [Learner]) rounded to
	// ProbabilityPlaces, null when the stage has none.
	StageRate decimal.NullDecimal `json:"stage_rate"`
	// For and Against are the top factors raising and lowering the
	// probability, strongest first.
	For     []Factor `json:"for"`
	Against []Factor `json:"against"`
}

// A Scored is the score of one model on held-out deals.
type Scored struct {
	// Brier is the Brier score (see [CutoffReport]); BrierDefined false
	// (JSON null) when no deal was scored.
	Brier        float64  `json:"-"`
	BrierDefined bool     `json:"-"`
	Calibration  []Bucket `json:"calibration"`
}

// A ScoringEvaluation scores the model fitted by the holdout and the
// stage rates learned by then on the deals open at the holdout and
// closed by the as-of time.
type ScoringEvaluation struct {
	Holdout time.Time  `json:"-"` // JSON holdout
	Fit     ScoringFit `json:"fit"`
	// Scored counts the held-out deals scored by both; Unresolved those
	// still open at the as-of time; Unweighted those whose stage had no
	// rate by the holdout, left out of both scores.
	Scored     int64  `json:"scored"`
	Unresolved int64  `json:"unresolved"`
	Unweighted int64  `json:"unweighted"`
	Model      Scored `json:"model"`
	StageRates Scored `json:"stage_rates"`
}

// A ScoringReport is the win-probability model and the scores of the
// open deals as of the as-of time.
type ScoringReport struct {
	AsOf      time.Time   `json:"-"` // JSON as_of
	Attrs     []string    `json:"attrs"`
	Snapshots []time.Time `json:"snapshots"`
	L2        float64     `json:"l2"`
	Fit       ScoringFit  `json:"fit"`
	// Deals are the open deals, by ID.
	Deals []DealScore `json:"deals"`
	// Evaluation is nil (JSON null) without a holdout.
	Evaluation *ScoringEvaluation `json:"evaluation"`
	Input      funnel.Input       `json:"input"`
}

// model is a fitted logistic regression.
type model struct {
	d    *design
	beta []float64
	fit  ScoringFit
}

func (m *model) z(e *encoded) float64 {
	z := m.beta[0] + m.beta[e.stage]
	for j, v := range e.num {
		z += m.beta[m.d.numericBase+j] * v
	}
	for _, i := range e.levels {
		if i >= 0 {
			z += m.beta[i]
		}
	}
	return z
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// softplus returns log(1 + e^z) without overflow.
func softplus(z float64) float64 { return max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) }

// convergedGradient is the largest gradient, per training row, of a fit
// that converged.
const convergedGradient = 1e-6

// fitModel fits the logistic regression to the rows (sorted, so that the
// fit does not depend on the order they were added in).
func (sc *Scoring) fitModel(rows []srow, deals int64) *model {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, compareSrows)
	f := sc.s.Funnel()
	d := newDesign(f.Len(), rows, len(sc.opts.Attrs), sc.opts.Levels, sc.opts.Without)
	m := &model{d: d, beta: make([]float64, d.dim)}
	m.fit = ScoringFit{Rows: int64(len(rows)), Deals: deals, Coefficients: []Coefficient{}}
	enc := make([]encoded, len(rows))
	for i := range rows {
		enc[i] = d.encode(&rows[i].sfeat)
		if rows[i].won {
			enc[i].y = 1
			m.fit.Won++
		}
	}
	if len(rows) > 0 {
		lambda := sc.opts.L2
		n := float64(len(enc))
		penalty := func(j int) float64 {
			if j == 0 {
				return 1e-4 * lambda
			}
			return lambda
		}
		obj := func(beta, grad []float64) float64 {
			mm := model{d: d, beta: beta}
			var f float64
			if grad != nil {
				clear(grad)
			}
			for i := range enc {
				e := &enc[i]
				z := mm.z(e)
				f += softplus(z) - e.y*z
				if grad == nil {
					continue
				}
				r := sigmoid(z) - e.y
				grad[0] += r
				grad[e.stage] += r
				for j, v := range e.num {
					grad[d.numericBase+j] += r * v
				}
				for _, l := range e.levels {
					if l >= 0 {
						grad[l] += r
					}
				}
			}
			for j, b := range beta {
				f += penalty(j) / 2 * b * b
				if grad != nil {
					grad[j] += penalty(j) * b
				}
			}
			// per row, so that the tolerances do not depend on the size
			for j := range grad {
				grad[j] /= n
			}
			return f / n
		}
		p := optimize.Problem{Func: func(x []float64) float64 { return obj(x, nil) }, Grad: func(g, x []float64) { obj(x, g) }}
		settings := &optimize.Settings{GradientThreshold: 1e-8, MajorIterations: 500,
			Converger: &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-12, Iterations: 20}}
		res, _ := optimize.Minimize(p, make([]float64, d.dim), settings, &optimize.LBFGS{})
		if res != nil && allFinite(res.X) {
			copy(m.beta, res.X)
			m.fit.Iterations = res.Stats.MajorIterations
			// the line search may stall within rounding of the optimum:
			// the gradient decides
			g := make([]float64, d.dim)
			obj(m.beta, g)
			m.fit.Converged = true
			for _, v := range g {
				m.fit.Converged = m.fit.Converged && math.Abs(v) <= convergedGradient
			}
		}
		var ll float64
		for i := range enc {
			z := m.z(&enc[i])
			ll += softplus(z) - enc[i].y*z
		}
		m.fit.LogLoss = ll / float64(len(enc))
	}
	m.fit.Coefficients = append(m.fit.Coefficients, Coefficient{Feature: "intercept", Weight: m.beta[0]})
	for k := range d.stages {
		m.fit.Coefficients = append(m.fit.Coefficients, Coefficient{Feature: "stage", Level: string(f.Stage(k)), Weight: m.beta[1+k]})
	}
	for j, n := range numericNames {
		if !d.off[j] {
			m.fit.Coefficients = append(m.fit.Coefficients, Coefficient{Feature: n, Weight: m.beta[d.numericBase+j]})
		}
	}
	for a, levels := range d.levels {
		for _, l := range levels {
			m.fit.Coefficients = append(m.fit.Coefficients, Coefficient{Feature: sc.opts.Attrs[a], Level: l, Weight: m.beta[d.index[a][l]]})
		}
	}
	return m
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// predict returns the win probability of x.
func (m *model) predict(x *sfeat) float64 {
	e := m.d.encode(x)
	return sigmoid(m.z(&e))
}

// factors returns the features' contributions to x's log-odds against
// the average training row, with the values shown.
func (m *model) factors(x *sfeat, f *funnel.Funnel, attrs []string, amount decimal.Decimal) []Factor {
	e := m.d.encode(x)
	d := m.d
	var avg float64
	for k, w := range d.stageFreq {
		avg += w * m.beta[1+k]
	}
	out := []Factor{{Feature: "stage", Value: string(f.Stage(int(x.k))), Effect: m.beta[e.stage] - avg}}
	values := [numNumeric]string{daysValue(x.inStage), daysValue(x.age), strconv.FormatInt(x.pushes, 10), amount.String(), yesNo(x.overdue), yesNo(x.cut)}
	for j := range e.num {
		if !d.off[j] {
			out = append(out, Factor{Feature: numericNames[j], Value: values[j], Effect: m.beta[d.numericBase+j] * e.num[j]})
		}
	}
	for a, l := range e.levels {
		avg = 0
		for i, w := range d.levelFreq[a] {
			avg += w * m.beta[d.index[a][d.levels[a][i]]]
		}
		effect := -avg
		if l >= 0 {
			effect += m.beta[l]
		}
		out = append(out, Factor{Feature: attrs[a], Value: x.levels[a], Effect: effect})
	}
	return out
}

func daysValue(sec int64) string {
	if sec < 0 {
		return "unknown"
	}
	return strconv.FormatFloat(float64(sec)/86400, 'f', 1, 64) + " days"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// topFactors splits the factors into those for (positive, strongest
// first) and against (negative, strongest first), n of each at most.
func topFactors(fs []Factor, n int) (forF, against []Factor) {
	forF, against = []Factor{}, []Factor{}
	for _, f := range fs {
		switch {
		case f.Effect > 0:
			forF = append(forF, f)
		case f.Effect < 0:
			against = append(against, f)
		}
	}
	slices.SortStableFunc(forF, func(a, b Factor) int { return cmp.Compare(b.Effect, a.Effect) })
	slices.SortStableFunc(against, func(a, b Factor) int { return cmp.Compare(a.Effect, b.Effect) })
	return forF[:min(n, len(forF))], against[:min(n, len(against))]
}

// Report fits the models and scores the open deals and, with a holdout,
// the held-out ones. It returns an error wrapping funnel.ErrInvalidParam
// when the learned stage rates cannot be given (see [Learner.Model]).
func (sc *Scoring) Report() (ScoringReport, error) {
	f := sc.s.Funnel()
	m := sc.fitModel(sc.rows, sc.deals)
	rates, err := sc.l.Model()
	if err != nil {
		return ScoringReport{}, err
	}
	r := ScoringReport{AsOf: sc.s.Options().AsOf, Attrs: slices.Clone(sc.opts.Attrs), Snapshots: slices.Clone(sc.snapshots), L2: sc.opts.L2,
		Fit: m.fit, Deals: make([]DealScore, 0, len(sc.open)), Input: sc.in.Input()}
	if r.Attrs == nil {
		r.Attrs = []string{}
	}
	open := slices.Clone(sc.open)
	slices.SortFunc(open, compareOpen)
	for _, o := range open {
		ds := DealScore{ID: o.id, Stage: f.Stage(int(o.k)), Amount: o.amount, For: []Factor{}, Against: []Factor{}}
		if c := rates.rates[o.k]; c.closed > 0 {
			ds.StageRate = decimal.NewNullDecimal(probOf(c))
		}
		if m.fit.Rows > 0 {
			ds.Probability, ds.Scored = m.predict(&o.sfeat), true
			ds.For, ds.Against = topFactors(m.factors(&o.sfeat, f, sc.opts.Attrs, o.amount), sc.opts.Factors)
		}
		r.Deals = append(r.Deals, ds)
	}
	if sc.hl != nil {
		ev, err := sc.evaluate()
		if err != nil {
			return ScoringReport{}, err
		}
		r.Evaluation = ev
	}
	return r, nil
}

func (sc *Scoring) evaluate() (*ScoringEvaluation, error) {
	m := sc.fitModel(sc.hrows, sc.hdeals)
	rates, err := sc.hl.Model()
	if err != nil {
		return nil, err
	}
	ev := &ScoringEvaluation{Holdout: sc.opts.Holdout, Fit: m.fit, Unresolved: sc.pending}
	cm, cs := newCalibration(sc.opts.Buckets), newCalibration(sc.opts.Buckets)
	test := slices.Clone(sc.test)
	slices.SortFunc(test, compareSrows)
	for i := range test {
		t := &test[i]
		c := rates.rates[t.k]
		if c.closed == 0 || m.fit.Rows == 0 {
			ev.Unweighted++
			continue
		}
		var won int64
		if t.won {
			won = 1
		}
		ev.Scored++
		cm.add(boundDecimal(m.predict(&t.sfeat)), 1, won)
		cs.add(probOf(c), 1, won)
	}
	level := sc.s.Level()
	ev.Model.Brier, ev.Model.BrierDefined = cm.all.score()
	ev.Model.Calibration = cm.rows(level)
	ev.StageRates.Brier, ev.StageRates.BrierDefined = cs.all.score()
	ev.StageRates.Calibration = cs.rows(level)
	return ev, nil
}

const scoringVersion = 1

// MarshalBinary encodes the model's state (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (sc *Scoring) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.scoring", scoringVersion, sc.s)
	sc.encodeSettings(&w)
	blob(&w, &sc.in)
	sc.l.encode(&w)
	encodeRows(&w, sc.rows)
	w.Varint(sc.deals)
	open := slices.Clone(sc.open)
	slices.SortFunc(open, compareOpen)
	w.Int(len(open))
	for _, o := range open {
		w.String(o.id)
		w.Decimal(o.amount)
		encodeFeat(&w, &o.sfeat)
	}
	if sc.hl != nil {
		sc.hl.encode(&w)
		encodeRows(&w, sc.hrows)
		w.Varint(sc.hdeals)
		encodeRows(&w, sc.test)
		w.Varint(sc.pending)
	}
	return w.Bytes(), nil
}

func encodeFeat(w *wire.Writer, x *sfeat) {
	w.Int(int(x.k))
	w.Varint(x.inStage)
	w.Varint(x.age)
	w.Varint(x.pushes)
	w.Float(x.amount)
	w.Bool(x.overdue)
	w.Bool(x.cut)
	for _, l := range x.levels {
		w.String(l)
	}
}

func encodeRows(w *wire.Writer, rows []srow) {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, compareSrows)
	w.Int(len(rows))
	for i := range rows {
		encodeFeat(w, &rows[i].sfeat)
		w.Bool(rows[i].won)
	}
}

func (sc *Scoring) decodeFeat(r *wire.Reader) sfeat {
	x := sfeat{k: int32(r.Int()), inStage: r.Varint(), age: r.Varint(), pushes: r.NonNeg(), amount: r.Float(), overdue: r.Bool(), cut: r.Bool()}
	if n := len(sc.opts.Attrs); n > 0 {
		x.levels = make([]string, n)
		for i := range x.levels {
			x.levels[i] = r.String()
		}
	}
	if r.Err() == nil && (int(x.k) >= sc.s.Funnel().Len() || x.inStage < -1 || x.age < -1 || !(x.amount >= 0) || x.amount > 1e300) {
		r.Fail("bad features")
	}
	return x
}

func (sc *Scoring) decodeRows(r *wire.Reader, limit int64) []srow {
	n := r.Count(13 + len(sc.opts.Attrs))
	if r.Err() == nil && int64(n) > limit {
		r.Fail("%d rows", n)
	}
	var rows []srow
	for range n {
		row := srow{sfeat: sc.decodeFeat(r), won: r.Bool()}
		if r.Err() != nil {
			return nil
		}
		if len(rows) > 0 && compareSrows(rows[len(rows)-1], row) > 0 {
			r.Fail("rows out of order")
			return nil
		}
		rows = append(rows, row)
	}
	return rows
}

// UnmarshalBinary decodes a model's state written by
// [Scoring.MarshalBinary], replacing sc's contents, as
// [Pipeline.UnmarshalBinary] does.
func (sc *Scoring) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readHeader(r, "forecast.scoring", scoringVersion, sc.s)
	if err != nil {
		return err
	}
	var opts ScoringOptions
	na := r.Count(1)
	if r.Err() == nil && na > MaxScoringAttrs {
		r.Fail("%d attributes", na)
	}
	for range na {
		opts.Attrs = append(opts.Attrs, r.String())
	}
	ns := r.Count(2)
	if r.Err() == nil && (ns == 0 || ns > MaxSnapshots) {
		r.Fail("%d snapshots", ns)
	}
	for range ns {
		opts.Snapshots = append(opts.Snapshots, r.Time())
	}
	nw := r.Count(1)
	if r.Err() == nil && nw > numNumeric {
		r.Fail("%d features left out", nw)
	}
	for range nw {
		opts.Without = append(opts.Without, r.String())
	}
	opts.Holdout, opts.L2, opts.Levels, opts.Factors, opts.Buckets = r.Time(), r.Float(), r.Int(), r.Int(), r.Int()
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	if opts.L2 == 0 || opts.Levels == 0 || opts.Factors == 0 || opts.Buckets == 0 {
		return decodeErr(wire.ErrFormat)
	}
	out, err := NewScoring(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if len(out.snapshots) != ns {
		return decodeErr(fmt.Errorf("%w: snapshots not in order", wire.ErrFormat))
	}
	if sc.s != nil && out.settings != sc.settings {
		return incompatible("decoding a scoring model of other options")
	}
	unblob(r, &out.in)
	counted := out.in.Counted()
	if err := readLearner(r, s, &out.l); err != nil {
		return err
	}
	rowLimit := counted * int64(ns)
	out.rows = out.decodeRows(r, rowLimit)
	out.deals = r.NonNeg()
	no := r.Count(14)
	if r.Err() == nil && (int64(no) > counted || out.deals > counted || out.deals > int64(len(out.rows))) {
		r.Fail("%d open deals, %d trained, of %d", no, out.deals, counted)
	}
	for range no {
		o := sopen{id: r.String(), amount: r.Decimal(), sfeat: out.decodeFeat(r)}
		if r.Err() != nil {
			break
		}
		if o.amount.Sign() < 0 || (len(out.open) > 0 && compareOpen(out.open[len(out.open)-1], o) > 0) {
			r.Fail("bad open deal")
			break
		}
		out.open = append(out.open, o)
	}
	if out.hl != nil && r.Err() == nil {
		if err := readLearner(r, out.hscan, &out.hl); err != nil {
			return err
		}
		out.hrows = out.decodeRows(r, rowLimit)
		out.hdeals = r.NonNeg()
		out.test = out.decodeRows(r, counted)
		out.pending = r.NonNeg()
		if r.Err() == nil && (out.hdeals > int64(len(out.hrows)) || out.hdeals+int64(len(out.test))+out.pending > counted) {
			r.Fail("holdout counts above the deals")
		}
	}
	if err := decoded(r, data, out); err != nil {
		return err
	}
	*sc = *out
	return nil
}

type dealScoreJSON struct {
	dealScoreAlias
	Probability *float64 `json:"probability"`
}

type dealScoreAlias DealScore

// MarshalJSON encodes the score, its probability null when not scored.
func (d DealScore) MarshalJSON() ([]byte, error) {
	o := dealScoreJSON{dealScoreAlias: dealScoreAlias(d)}
	if d.Scored {
		o.Probability = &d.Probability
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a score written by [DealScore.MarshalJSON].
func (d *DealScore) UnmarshalJSON(b []byte) error {
	var o dealScoreJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*d = DealScore(o.dealScoreAlias)
	d.Probability, d.Scored = 0, o.Probability != nil
	if o.Probability != nil {
		d.Probability = *o.Probability
	}
	return nil
}

type scoredJSON struct {
	scoredAlias
	Brier *float64 `json:"brier"`
}

type scoredAlias Scored

// MarshalJSON encodes the score with its Brier score as a number or null.
func (s Scored) MarshalJSON() ([]byte, error) {
	o := scoredJSON{scoredAlias: scoredAlias(s)}
	if s.BrierDefined {
		o.Brier = &s.Brier
	}
	return json.Marshal(o)
}

// UnmarshalJSON decodes a score written by [Scored.MarshalJSON].
func (s *Scored) UnmarshalJSON(b []byte) error {
	var o scoredJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*s = Scored(o.scoredAlias)
	s.Brier, s.BrierDefined = 0, o.Brier != nil
	if o.Brier != nil {
		s.Brier = *o.Brier
	}
	return nil
}

type scoringEvaluationJSON struct {
	scoringEvaluationAlias
	Holdout *time.Time `json:"holdout"`
}

type scoringEvaluationAlias ScoringEvaluation

// MarshalJSON encodes the evaluation with its holdout as RFC 3339.
func (e ScoringEvaluation) MarshalJSON() ([]byte, error) {
	return json.Marshal(scoringEvaluationJSON{scoringEvaluationAlias(e), timePtr(e.Holdout)})
}

// UnmarshalJSON decodes an evaluation written by
// [ScoringEvaluation.MarshalJSON].
func (e *ScoringEvaluation) UnmarshalJSON(b []byte) error {
	var o scoringEvaluationJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*e = ScoringEvaluation(o.scoringEvaluationAlias)
	e.Holdout = timeOf(o.Holdout)
	return nil
}

type scoringReportJSON struct {
	scoringReportAlias
	AsOf *time.Time `json:"as_of"`
}

type scoringReportAlias ScoringReport

// MarshalJSON encodes the report in the package's JSON style.
func (r ScoringReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(scoringReportJSON{scoringReportAlias(r), timePtr(r.AsOf)})
}

// UnmarshalJSON decodes a report written by [ScoringReport.MarshalJSON].
func (r *ScoringReport) UnmarshalJSON(b []byte) error {
	var o scoringReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = ScoringReport(o.scoringReportAlias)
	r.AsOf = timeOf(o.AsOf)
	return nil
}

// WriteText writes the fit, the coefficients, the open deals by win
// probability with their factors, and the evaluation.
func (r ScoringReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Win probability (logistic regression) as of %s: %d training rows (%d of them won) from %d closed deals, %d snapshots, λ %g\n",
		r.AsOf.Format(time.RFC3339), r.Fit.Rows, r.Fit.Won, r.Fit.Deals, len(r.Snapshots), r.L2)
	ew.printf("Fit: %d iterations, converged %t, log loss %.4f\n", r.Fit.Iterations, r.Fit.Converged, r.Fit.LogLoss)
	tw := newTable(ew)
	fmt.Fprintln(tw, "feature\tlevel\tweight\t")
	for _, c := range r.Fit.Coefficients {
		fmt.Fprintf(tw, "%s\t%s\t%+.4f\t\n", c.Feature, c.Level, c.Weight)
	}
	_ = tw.Flush()
	deals := slices.Clone(r.Deals)
	slices.SortStableFunc(deals, func(a, b DealScore) int { return cmp.Compare(b.Probability, a.Probability) })
	ew.printf("\n")
	tw = leftTable(ew)
	fmt.Fprintln(tw, "deal\tstage\tamount\tP(win)\tstage rate\tfor\tagainst")
	for _, d := range deals {
		p, sr := "n/a", "n/a"
		if d.Scored {
			p = strconv.FormatFloat(d.Probability, 'f', 3, 64)
		}
		if d.StageRate.Valid {
			sr = d.StageRate.Decimal.StringFixed(3)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Stage, money(d.Amount), p, sr, factorsText(d.For), factorsText(d.Against))
	}
	_ = tw.Flush()
	if e := r.Evaluation; e != nil {
		ew.printf("\nHeld out: deals open at %s, closed by %s: %d scored, %d unresolved, %d without a stage rate\n",
			e.Holdout.Format(time.RFC3339), r.AsOf.Format(time.RFC3339), e.Scored, e.Unresolved, e.Unweighted)
		ew.printf("Brier score: model %s, stage rates %s (model trained on %d rows)\n", brierText(e.Model.Brier, e.Model.BrierDefined),
			brierText(e.StageRates.Brier, e.StageRates.BrierDefined), e.Fit.Rows)
		tw = newTable(ew)
		fmt.Fprintln(tw, "predicted\tmodel deals\tmean predicted\tobserved\tstage-rate deals\tmean predicted\tobserved\t")
		for i, b := range e.Model.Calibration {
			s := e.StageRates.Calibration[i]
			fmt.Fprintf(tw, "[%.2f, %.2f)\t%d\t%.3f\t%s\t%d\t%.3f\t%s\t\n", b.Lo, b.Hi, b.Observed.Den, b.MeanPredicted, pct(b.Observed.Ratio),
				s.Observed.Den, s.MeanPredicted, pct(s.Observed.Ratio))
		}
		_ = tw.Flush()
	}
	writeInput(ew, r.Input)
	return ew.err
}

func factorsText(fs []Factor) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s %s (%+.2f)", f.Feature, f.Value, f.Effect))
	}
	return strings.Join(parts, ", ")
}
