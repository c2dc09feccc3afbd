package forecast

import (
	"fmt"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/enum"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// Options say where the win probabilities of a [Pipeline] or [ByPeriod]
// come from. The zero Options learn one rate per stage from the same
// deals, in the same pass, with the one [Learner].
//
// Whatever the source, an open deal whose own probability is set
// (funnel.Deal.Probability, on the deal or from its field history as of
// the scan's as-of time) is weighed at it instead of its stage's.
type Options struct {
	// Probabilities, when not nil, gives the win probability (in [0, 1])
	// of the stages it lists; an open deal in a stage it does not list has
	// no probability and is left unweighted.
	Probabilities map[funnel.Stage]decimal.Decimal
	// Model, when not nil, is a model learned before ([Learn]): its rates
	// weigh the deals (unless Probabilities is set) and its time-to-win
	// samples spread them over periods. It must have been learned for the
	// scan's funnel.
	Model *Model
	// Learn configures the learner when the rates are learned in the same
	// pass (Model nil): per segment or not.
	Learn LearnOptions
	// Since, when not zero, limits the Closed category of the roll-up to
	// deals won at or after Since (the start of the forecast period); zero
	// counts every deal won by the as-of time. A won deal without a close
	// time (funnel.Options.UndatedClose) counts only when Since is zero.
	Since time.Time
}

// A Source says where the probabilities of a weighing come from.
type Source int8

// The sources of probabilities.
const (
	// SourceLearned: learned from the same deals, in the same pass.
	SourceLearned Source = iota
	// SourceModel: the rates of a given [Model].
	SourceModel
	// SourceGiven: Options.Probabilities.
	SourceGiven
)

var sourceNames = [...]string{SourceLearned: "learned", SourceModel: "model", SourceGiven: "given"}

func (s Source) valid() bool { return s >= SourceLearned && s <= SourceGiven }

// String returns "learned", "model" or "given", or "Source(N)".
func (s Source) String() string { return enum.Name(s, sourceNames[:], "Source") }

// MarshalText encodes the source by name. It returns an error wrapping
// funnel.ErrInvalidParam for an invalid value.
func (s Source) MarshalText() ([]byte, error) {
	return enum.Text(s, sourceNames[:], "forecast", "source", funnel.ErrInvalidParam)
}

// UnmarshalText decodes a name written by [Source.MarshalText].
func (s *Source) UnmarshalText(b []byte) error {
	return enum.Parse(s, b, sourceNames[:], "forecast", "source", funnel.ErrInvalidParam)
}

// A weigher holds the resolved probability settings of an accumulator.
type weigher struct {
	s        *funnel.Scan
	opts     Options
	source   Source
	given    []decimal.NullDecimal // per stage, for SourceGiven
	segment  string                // the attribute open deals are grouped by
	timing   bool                  // the time-to-win samples are needed
	settings string                // canonical encoding, for merges
}

// newWeigher validates the options for the scan.
func newWeigher(s *funnel.Scan, opts Options, timing bool) (*weigher, error) {
	if s == nil {
		return nil, invalid("nil scan")
	}
	w := &weigher{s: s, opts: opts, timing: timing}
	f := s.Funnel()
	switch {
	case opts.Probabilities != nil:
		w.source = SourceGiven
		w.given = make([]decimal.NullDecimal, f.Len())
		for st, p := range opts.Probabilities {
			k, ok := f.Index(st)
			if !ok {
				return nil, invalid("probability of stage %q, which the funnel does not declare", st)
			}
			if p.Sign() < 0 || p.GreaterThan(one) {
				return nil, invalid("probability %v of stage %q outside [0, 1]", p, st)
			}
			w.given[k] = decimal.NewNullDecimal(p)
		}
	case opts.Model != nil:
		w.source = SourceModel
		w.segment = opts.Model.segment
	default:
		w.segment = opts.Learn.Segment
	}
	if opts.Model != nil && !opts.Model.sameStages(f) {
		return nil, incompatible("model learned for other stages")
	}
	if opts.Learn.MinSegment < 0 {
		return nil, invalid("negative minimum segment %d", opts.Learn.MinSegment)
	}
	if opts.Learn.MinSegment == 0 {
		w.opts.Learn.MinSegment = s.MinSample()
	}
	switch {
	case opts.Model != nil || (w.source == SourceGiven && !timing):
		w.opts.Learn = LearnOptions{} // nothing is learned
	case w.source == SourceGiven:
		// learned for the time-to-win samples only, which have no
		// segments
		w.opts.Learn = LearnOptions{MinSegment: w.opts.Learn.MinSegment}
	}
	var e wire.Writer
	w.encode(&e)
	w.settings = string(e.Bytes())
	return w, nil
}

// learner returns a new learner when the weigher learns in the same pass.
func (w *weigher) learner() *Learner {
	if w.opts.Model != nil || (w.source == SourceGiven && !w.timing) {
		return nil
	}
	return newLearner(w.s, w.opts.Learn)
}

func (w *weigher) encode(e *wire.Writer) {
	e.Int(int(w.source))
	e.Bool(w.timing)
	e.Int(len(w.given))
	for _, p := range w.given {
		e.Bool(p.Valid)
		if p.Valid {
			e.Decimal(p.Decimal)
		}
	}
	e.Bool(w.opts.Model != nil)
	if w.opts.Model != nil {
		blob(e, w.opts.Model)
	}
	e.String(w.opts.Learn.Segment)
	e.Varint(w.opts.Learn.MinSegment)
	e.Time(w.opts.Since)
}

// scan returns the weigher's scan, or nil for a nil weigher (that of a
// zero accumulator).
func (w *weigher) scan() *funnel.Scan {
	if w == nil {
		return nil
	}
	return w.s
}

// readTimedHeader reads the header and the weigher of an accumulator that
// needs the scan's as-of time (a [ByPeriod], a [Range]); own is the
// receiver's weigher, nil for a zero receiver (see readHeader).
func readTimedHeader(r *wire.Reader, kind string, version uint64, own *weigher) (*funnel.Scan, *weigher, error) {
	s, err := readHeader(r, kind, version, own.scan())
	if err != nil {
		return nil, nil, err
	}
	if s.Options().AsOf.IsZero() {
		return nil, nil, decodeErr(fmt.Errorf("%w: no as-of time", wire.ErrFormat))
	}
	w, err := decodeWeigher(r, s)
	if err != nil {
		return nil, nil, err
	}
	return s, w, nil
}

// decodeWeigher reads what encode wrote and rebuilds the weigher.
func decodeWeigher(r *wire.Reader, s *funnel.Scan) (*weigher, error) {
	src := Source(r.Int())
	timing := r.Bool()
	n := r.Count(1)
	var opts Options
	if r.Err() == nil && (!src.valid() || (src == SourceGiven) != (n > 0) || (n > 0 && n != s.Funnel().Len())) {
		r.Fail("bad probability source")
	}
	if src == SourceGiven {
		opts.Probabilities = map[funnel.Stage]decimal.Decimal{}
	}
	for k := range n {
		if r.Bool() {
			opts.Probabilities[s.Funnel().Stage(k)] = r.Decimal()
		}
	}
	if r.Bool() {
		opts.Model = new(Model)
		unblob(r, opts.Model)
	}
	opts.Learn = LearnOptions{Segment: r.String(), MinSegment: r.Varint()}
	opts.Since = r.Time()
	if err := r.Err(); err != nil {
		return nil, decodeErr(err)
	}
	if (src == SourceModel) != (opts.Model != nil && opts.Probabilities == nil) {
		return nil, decodeErr(wire.ErrFormat)
	}
	w, err := newWeigher(s, opts, timing)
	if err != nil {
		return nil, err
	}
	if w.source != src {
		return nil, decodeErr(wire.ErrFormat)
	}
	return w, nil
}

// model returns the model that weighs or times the deals: the given one,
// or the learner's.
func (w *weigher) model(l *Learner) (*Model, error) {
	if w.opts.Model != nil {
		return w.opts.Model, nil
	}
	if l == nil {
		return nil, nil
	}
	return l.Model()
}

// A prob is the probability that weighs a group of open deals.
type prob struct {
	ok     bool
	p      decimal.Decimal // the probability (ProbabilityPlaces for learned rates)
	lo, hi decimal.Decimal // the ends of the learned rate's interval; p for given ones
}

// prob returns the probability of an open deal of the segment in stage k.
func (w *weigher) prob(m *Model, k int, segment string) prob {
	if w.source == SourceGiven {
		g := w.given[k]
		return prob{ok: g.Valid, p: g.Decimal, lo: g.Decimal, hi: g.Decimal}
	}
	c, ok := m.rate(k, segment)
	if !ok {
		return prob{}
	}
	iv := rate(c.ratio(), w.s.Level()).Interval
	return prob{ok: true, p: probOf(c), lo: boundDecimal(iv.Lo), hi: boundDecimal(iv.Hi)}
}

// classify counts v in the intake and reports whether it is a counted
// deal, with the forecast category of an open one. An open deal whose
// category does not parse is counted as skipped, its error kept in first
// (the error of the strict mode) and returned.
func classify(in *funnel.Intake, v *funnel.View, first *firstError) (Category, bool, error) {
	if v.Counted() && v.Deal.Outcome == funnel.Open {
		c, err := categoryOf(v.Deal.Category)
		if err != nil {
			e := &funnel.DealError{ID: v.Deal.ID, Field: "Category " + strconv.Quote(truncate(v.Deal.Category)), Err: ErrUnknownCategory}
			first.note(seqOf(v, in), e)
			skip(in, v, e)
			return 0, false, e
		}
		if !in.Note(v) {
			return 0, false, nil
		}
		return c, true, nil
	}
	if !in.Note(v) {
		return 0, false, nil
	}
	return CategoryClosed, true, nil
}

func truncate(s string) string {
	if len(s) > maxCategoryName {
		return s[:maxCategoryName] + "..."
	}
	return s
}

// strictErr returns the first rejected deal's error in strict mode.
func strictErr(s *funnel.Scan, first *firstError) error {
	if s.Options().Mode == funnel.Strict {
		return first.error()
	}
	return nil
}
