package forecast

import (
	"fmt"
	"io"
	"iter"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/chunk"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/par"
	"github.com/funnelmetrics/funnel/internal/radix"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// counts are the closed deals that entered a stage and the won ones among
// them.
type counts struct{ won, closed int64 }

func (c counts) ratio() funnel.Ratio { return funnel.Ratio{Num: c.won, Den: c.closed} }

// LearnOptions configure a [Learner]. The zero LearnOptions learn one rate
// per stage, without segments.
type LearnOptions struct {
	// Segment, when not "", names an attribute (funnel.Attributes.Get:
	// "owner", "region", a custom key) whose values the rates are also
	// learned per: each closed deal counts in its segment's rates and in
	// the overall ones. At most [MaxSegments] values.
	Segment string
	// MinSegment is the fewest closed deals of a segment that entered a
	// stage for the segment's own rate of that stage to weigh its open
	// deals; under it the overall rate is used. Zero means the scan's
	// minimum sample (funnel.Options.Test.MinSample, 30 by default); it
	// must not be negative.
	MinSegment int64
}

// A Learner learns the probability of winning from each stage, and the
// time from entering each stage to winning, from the deals closed as of
// the scan's as-of time (the scan hands every deal as it stood then):
//
//	P(win | entered stage k) = won / closed
//
// over the closed deals that entered stage k at any point, whatever the
// scan's stage-reach policy and conversion window, with its Wilson score
// interval (Wilson 1927; see funnel.Ratio.Wilson) at the scan's confidence
// level: the historical stage
// probability behind Salesforce's opportunity probability and Pipedrive's
// deal probability (its weighted value). Open deals teach it nothing, so
// when winning takes longer than losing the rates learned from recent
// history are biased low; a [Backtest] measures how well they did. A
// stage no closed deal entered has no rate (0/0).
//
// The time-to-win samples of stage k are, for every won deal whose close
// time is known and whose last entry into k has a recorded time, the whole
// seconds from that entry to the close; [ByPeriod] spreads open deals over
// future periods with them.
//
// A Learner is the one learner of the package: [Pipeline], [ByPeriod] and
// [Backtest] use it, so the same deals give the same rates everywhere. Its
// result is a read-only [Model]. Memory: two counters per stage (and per
// stage and segment) and one 8-byte sample per won deal and stage.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but
// as the receiver of UnmarshalBinary; build one with [NewLearner].
type Learner struct {
	s        *funnel.Scan
	opts     LearnOptions // MinSegment resolved
	in       funnel.Intake
	stages   []counts
	segs     map[string][]counts
	overflow bool                 // more than MaxSegments segments: segs cleared
	toWin    []chunk.Store[int64] // per stage: seconds from its entry to the win
}

// NewLearner returns an empty learner of the scan's deals. It returns an
// error wrapping funnel.ErrInvalidParam for a nil scan or a negative
// MinSegment.
func NewLearner(s *funnel.Scan, opts LearnOptions) (*Learner, error) {
	if s == nil {
		return nil, invalid("nil scan")
	}
	if opts.MinSegment < 0 {
		return nil, invalid("negative minimum segment %d", opts.MinSegment)
	}
	if opts.MinSegment == 0 {
		opts.MinSegment = s.MinSample()
	}
	return newLearner(s, opts), nil
}

func newLearner(s *funnel.Scan, opts LearnOptions) *Learner {
	n := s.Funnel().Len()
	l := &Learner{s: s, opts: opts, stages: make([]counts, n), toWin: make([]chunk.Store[int64], n)}
	if opts.Segment != "" {
		l.segs = make(map[string][]counts)
	}
	return l
}

// Learn learns a model from the deals in one pass: [NewLearner],
// [funnel.Scan.Run] and [Learner.Model].
func Learn(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts LearnOptions) (*Model, error) {
	return onepass.Run(s, deals, opts, NewLearner, (*Learner).Model)
}

// Scan returns the scan the learner was built for.
func (l *Learner) Scan() *funnel.Scan { return l.s }

// Fresh returns an empty learner of the same scan and options.
func (l *Learner) Fresh() funnel.Accumulator { return newLearner(l.s, l.opts) }

// Add validates d and adds it (see [funnel.Scan.Add]).
func (l *Learner) Add(d funnel.Deal) error { return l.s.Add(d, l) }

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (l *Learner) Observe(v *funnel.View) {
	if !l.in.Note(v) {
		return
	}
	l.add(v)
}

func (l *Learner) add(v *funnel.View) {
	d := v.Deal
	if d.Outcome == funnel.Open {
		return
	}
	var entered uint64
	for i := range v.Len() {
		k, _ := v.Entry(i)
		entered |= 1 << k
	}
	var won int64
	if d.Outcome == funnel.Won {
		won = 1
	}
	var seg []counts
	if l.segs != nil && !l.overflow {
		seg = l.segment(d.Attrs.Get(l.opts.Segment))
	}
	for e := entered; e != 0; e &= e - 1 {
		k := bits.TrailingZeros64(e)
		l.stages[k].closed++
		l.stages[k].won += won
		if seg != nil {
			seg[k].closed++
			seg[k].won += won
		}
	}
	if won == 0 || d.Closed.IsZero() {
		return
	}
	var seen uint64
	for i := v.Len() - 1; i >= 0; i-- {
		k, at := v.Entry(i)
		if seen&(1<<k) != 0 {
			continue
		}
		seen |= 1 << k
		if !at.IsZero() {
			l.toWin[k].Add(secondsBetween(at, d.Closed))
		}
	}
}

// segment returns the counts of a segment, adding it when new, or nil
// once there are more than MaxSegments.
func (l *Learner) segment(key string) []counts {
	if c, ok := l.segs[key]; ok {
		return c
	}
	if len(l.segs) == MaxSegments {
		l.overflow = true
		l.segs = map[string][]counts{}
		return nil
	}
	c := make([]counts, len(l.stages))
	l.segs[key] = c
	return c
}

// Merge adds everything o, a *Learner of an equal scan and options, holds
// (see [funnel.Accumulator]). o is not modified.
func (l *Learner) Merge(o funnel.Accumulator) error {
	ol, err := mergeable[*Learner](l, o)
	if err != nil {
		return err
	}
	if ol.opts != l.opts {
		return incompatible("merging learners of other options")
	}
	l.merge(ol)
	return nil
}

func (l *Learner) merge(o *Learner) {
	l.in.Merge(&o.in)
	for k := range l.stages {
		l.stages[k].won += o.stages[k].won
		l.stages[k].closed += o.stages[k].closed
		l.toWin[k].Merge(&o.toWin[k])
	}
	if l.segs == nil {
		return
	}
	if o.overflow {
		l.overflow = true
	}
	for key, oc := range o.segs {
		if l.overflow {
			break
		}
		c := l.segment(key)
		if c == nil {
			break
		}
		for k := range c {
			c[k].won += oc[k].won
			c[k].closed += oc[k].closed
		}
	}
	if l.overflow {
		clear(l.segs)
	}
}

// Model returns the model learned so far; the learner can go on. It
// returns an error wrapping funnel.ErrInvalidParam when the segment
// attribute took more than MaxSegments values.
func (l *Learner) Model() (*Model, error) {
	if l.overflow {
		return nil, invalid("more than %d values of the segment attribute %q", MaxSegments, l.opts.Segment)
	}
	f := l.s.Funnel()
	m := &Model{
		level: l.s.Level(), asOf: l.s.Options().AsOf, segment: l.opts.Segment, minSegment: l.opts.MinSegment,
		input: l.in.Input(), rates: slices.Clone(l.stages), toWin: make([][]int64, len(l.stages)),
	}
	for st := range f.Stages() {
		m.stages = append(m.stages, st)
	}
	par.For(par.Workers(l.s.Options().Workers), len(l.toWin), func(k int) { m.toWin[k] = radix.Sorted(l.toWin[k].Chunks()...) })
	if l.segs != nil {
		m.segKeys = sortedKeys(l.segs, strings.Compare)
		for _, key := range m.segKeys {
			m.segs = append(m.segs, slices.Clone(l.segs[key]))
		}
	}
	m.setDigest()
	return m, nil
}

const learnerVersion = 1

// MarshalBinary encodes the learner (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (l *Learner) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.learner", learnerVersion, l.s)
	l.encode(&w)
	return w.Bytes(), nil
}

func (l *Learner) encode(w *wire.Writer) {
	w.String(l.opts.Segment)
	w.Varint(l.opts.MinSegment)
	blob(w, &l.in)
	for k := range l.stages {
		w.Varint(l.stages[k].won)
		w.Varint(l.stages[k].closed)
		w.SortedInts(radix.Sorted(l.toWin[k].Chunks()...))
	}
	w.Bool(l.overflow)
	keys := sortedKeys(l.segs, strings.Compare)
	w.Int(len(keys))
	for _, key := range keys {
		w.String(key)
		for _, c := range l.segs[key] {
			w.Varint(c.won)
			w.Varint(c.closed)
		}
	}
}

// UnmarshalBinary decodes a learner written by [Learner.MarshalBinary],
// replacing l's contents. A learner built by [NewLearner] accepts only an
// encoding of an equal scan and options (funnel.ErrIncompatible
// otherwise); a zero Learner takes the encoded ones. Invalid input is an
// error wrapping funnel.ErrInvalidParam.
func (l *Learner) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readHeader(r, "forecast.learner", learnerVersion, l.s)
	if err != nil {
		return err
	}
	out, err := decodeLearner(r, s)
	if err != nil {
		return err
	}
	if err := finish(r); err != nil {
		return err
	}
	if l.s != nil && out.opts != l.opts {
		return incompatible("decoding a learner of other options")
	}
	if err := canonical(data, out); err != nil {
		return err
	}
	*l = *out
	return nil
}

func decodeLearner(r *wire.Reader, s *funnel.Scan) (*Learner, error) {
	opts := LearnOptions{Segment: r.String(), MinSegment: r.Varint()}
	if r.Err() == nil && opts.MinSegment <= 0 {
		r.Fail("minimum segment %d", opts.MinSegment)
	}
	if err := r.Err(); err != nil {
		return nil, decodeErr(err)
	}
	l := newLearner(s, opts)
	unblob(r, &l.in)
	counted := l.in.Counted()
	for k := range l.stages {
		c := counts{r.NonNeg(), r.NonNeg()}
		if r.Err() == nil && (c.won > c.closed || c.closed > counted) {
			r.Fail("stage counts out of range")
		}
		l.stages[k] = c
		toWin := r.SortedInts()
		l.toWin[k] = chunk.Of(toWin)
		if r.Err() == nil && (int64(len(toWin)) > c.won || (len(toWin) > 0 && toWin[0] < 0)) {
			r.Fail("time-to-win samples out of range")
		}
	}
	l.overflow = r.Bool()
	n := r.Count(1 + 2*len(l.stages))
	if r.Err() == nil && (n > MaxSegments || (n > 0 && (l.segs == nil || l.overflow))) {
		r.Fail("%d segments", n)
	}
	prev := ""
	for i := range n {
		key := r.String()
		if r.Err() == nil && i > 0 && key <= prev {
			r.Fail("segments out of order")
		}
		prev = key
		c := make([]counts, len(l.stages))
		for k := range c {
			c[k] = counts{r.NonNeg(), r.NonNeg()}
			if r.Err() == nil && (c[k].won > c[k].closed || c[k].closed > l.stages[k].closed) {
				r.Fail("segment counts out of range")
			}
		}
		if r.Err() != nil {
			break
		}
		l.segs[key] = c
	}
	if err := r.Err(); err != nil {
		return nil, decodeErr(err)
	}
	return l, nil
}

// A Model holds the stage win probabilities and time-to-win samples a
// [Learner] learned. It is read-only and safe for concurrent use; its
// accessors return copies.
type Model struct {
	stages     []funnel.Stage
	level      float64
	asOf       time.Time
	segment    string
	minSegment int64
	input      funnel.Input
	rates      []counts
	segKeys    []string // sorted
	segs       [][]counts
	toWin      [][]int64 // sorted
	digest     string    // the canonical encoding, for comparisons
}

// A StageRate is the learned probability of winning from one stage: of the
// closed deals that entered the stage, those won, with the Wilson interval
// at the learner's confidence level. It is undefined (0/0) for a stage no
// closed deal entered.
type StageRate struct {
	Stage funnel.Stage `json:"stage"`
	Won   funnel.Rate  `json:"won"`
}

// SegmentRates are the rates learned from the closed deals of one
// segment, one per stage in funnel order.
type SegmentRates struct {
	Segment string      `json:"segment"`
	Stages  []StageRate `json:"stages"`
}

func (m *Model) stageRates(c []counts, level float64) []StageRate {
	out := make([]StageRate, len(c))
	for k := range c {
		out[k] = StageRate{Stage: m.stages[k], Won: rate(c[k].ratio(), level)}
	}
	return out
}

// Stages returns the overall rate of each stage, in funnel order.
func (m *Model) Stages() []StageRate { return m.stageRates(m.rates, m.level) }

// Segment returns the attribute the rates were learned per, or "".
func (m *Model) Segment() string { return m.segment }

// MinSegment returns the fewest closed deals a segment needs at a stage
// for its own rate to be used (see [LearnOptions]).
func (m *Model) MinSegment() int64 { return m.minSegment }

// Segments returns the rates of each segment, by segment value.
func (m *Model) Segments() []SegmentRates {
	out := make([]SegmentRates, len(m.segKeys))
	for i, key := range m.segKeys {
		out[i] = SegmentRates{Segment: key, Stages: m.stageRates(m.segs[i], m.level)}
	}
	return out
}

// AsOf returns the as-of time of the scan the model was learned from.
func (m *Model) AsOf() time.Time { return m.asOf }

// Level returns the confidence level of the model's intervals.
func (m *Model) Level() float64 { return m.level }

// Input returns what the learner was given.
func (m *Model) Input() funnel.Input { return cloneInput(m.input) }

// Rate returns the rate that weighs an open deal of the segment (the
// value of the model's segment attribute) in the stage: the segment's own
// when at least MinSegment of its closed deals entered the stage, the
// overall rate otherwise. It returns false for a stage the funnel does not
// declare or a rate that is undefined.
func (m *Model) Rate(stage funnel.Stage, segment string) (StageRate, bool) {
	k := slices.Index(m.stages, stage)
	if k < 0 {
		return StageRate{}, false
	}
	c, ok := m.rate(k, segment)
	return StageRate{Stage: stage, Won: rate(c.ratio(), m.level)}, ok
}

// rate returns the counts that weigh a deal of the segment in stage k.
func (m *Model) rate(k int, segment string) (counts, bool) {
	if i, ok := slices.BinarySearch(m.segKeys, segment); ok && m.segs[i][k].closed >= max(m.minSegment, 1) {
		return m.segs[i][k], true
	}
	return m.rates[k], m.rates[k].closed > 0
}

// TimeToWin returns the summary of the stage's time-to-win samples (see
// [Learner]); zero for an unknown stage.
func (m *Model) TimeToWin(stage funnel.Stage) funnel.DurationSummary {
	k := slices.Index(m.stages, stage)
	if k < 0 {
		return funnel.DurationSummary{}
	}
	var d funnel.DurationStats
	for _, s := range m.toWin[k] {
		d.AddSeconds(s)
	}
	return d.Summary()
}

// sameStages reports whether the model was learned for the funnel's
// stages.
func (m *Model) sameStages(f *funnel.Funnel) bool {
	if f.Len() != len(m.stages) {
		return false
	}
	for i, st := range m.stages {
		if f.Stage(i) != st {
			return false
		}
	}
	return true
}

const modelVersion = 1

func (m *Model) setDigest() {
	var w wire.Writer
	m.encode(&w)
	m.digest = string(w.Bytes())
}

// MarshalBinary encodes the model: its stages, confidence level, as-of
// time, segment settings, input counts, rates and samples.
func (m *Model) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("forecast.model", modelVersion)
	w.String(m.digest)
	return w.Bytes(), nil
}

func (m *Model) encode(w *wire.Writer) {
	w.Int(len(m.stages))
	for _, st := range m.stages {
		w.String(string(st))
	}
	w.Float(m.level)
	w.Time(m.asOf)
	w.String(m.segment)
	w.Varint(m.minSegment)
	in, _ := jsonString(m.input)
	w.String(in)
	for k := range m.stages {
		w.Varint(m.rates[k].won)
		w.Varint(m.rates[k].closed)
		w.SortedInts(m.toWin[k])
	}
	w.Int(len(m.segKeys))
	for i, key := range m.segKeys {
		w.String(key)
		for _, c := range m.segs[i] {
			w.Varint(c.won)
			w.Varint(c.closed)
		}
	}
}

// UnmarshalBinary decodes a model written by [Model.MarshalBinary],
// replacing m's contents. Invalid input is an error wrapping
// funnel.ErrInvalidParam.
func (m *Model) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("forecast.model"); r.Err() == nil && v != modelVersion {
		r.Fail("model version %d", v)
	}
	body := r.String()
	if err := finish(r); err != nil {
		return err
	}
	out, err := decodeModel(wire.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	if err := canonical(data, out); err != nil {
		return err
	}
	*m = *out
	return nil
}

func decodeModel(r *wire.Reader) (*Model, error) {
	m := new(Model)
	n := r.Count(1)
	if r.Err() == nil && (n == 0 || n > funnel.MaxStages) {
		r.Fail("%d stages", n)
	}
	for range n {
		m.stages = append(m.stages, funnel.Stage(r.String()))
	}
	m.level = r.Float()
	m.asOf = r.Time()
	m.segment = r.String()
	m.minSegment = r.Varint()
	in := r.String()
	if err := r.Err(); err != nil {
		return nil, decodeErr(err)
	}
	if _, err := funnel.New(m.stages...); err != nil {
		return nil, decodeErr(err)
	}
	if !(m.level > 0 && m.level < 1) || m.minSegment <= 0 {
		return nil, invalid("model level %v, minimum segment %d", m.level, m.minSegment)
	}
	if err := jsonParse(in, &m.input); err != nil {
		return nil, decodeErr(err)
	}
	if err := checkInput(&m.input); err != nil {
		return nil, err
	}
	m.rates = make([]counts, n)
	m.toWin = make([][]int64, n)
	for k := range n {
		m.rates[k] = counts{r.NonNeg(), r.NonNeg()}
		m.toWin[k] = r.SortedInts()
		if r.Err() == nil && (m.rates[k].won > m.rates[k].closed || m.rates[k].closed > m.input.Counted ||
			int64(len(m.toWin[k])) > m.rates[k].won || (len(m.toWin[k]) > 0 && m.toWin[k][0] < 0)) {
			r.Fail("stage counts out of range")
		}
	}
	ns := r.Count(1 + 2*n)
	if r.Err() == nil && (ns > MaxSegments || (ns > 0 && m.segment == "")) {
		r.Fail("%d segments", ns)
	}
	for i := range ns {
		key := r.String()
		if r.Err() == nil && i > 0 && key <= m.segKeys[i-1] {
			r.Fail("segments out of order")
		}
		c := make([]counts, n)
		for k := range c {
			c[k] = counts{r.NonNeg(), r.NonNeg()}
			if r.Err() == nil && (c[k].won > c[k].closed || c[k].closed > m.rates[k].closed) {
				r.Fail("segment counts out of range")
			}
		}
		if r.Err() != nil {
			break
		}
		m.segKeys = append(m.segKeys, key)
		m.segs = append(m.segs, c)
	}
	if err := finish(r); err != nil {
		return nil, err
	}
	m.setDigest()
	return m, nil
}

// modelJSON is the JSON form of a Model.
type modelJSON struct {
	AsOf       *time.Time      `json:"as_of"`
	Confidence float64         `json:"confidence"`
	Segment    string          `json:"segment"`
	MinSegment int64           `json:"min_segment"`
	Stages     []StageRate     `json:"stages"`
	Segments   []SegmentRates  `json:"segments"`
	TimeToWin  []timeToWinJSON `json:"time_to_win"`
	Input      funnel.Input    `json:"input"`
}

type timeToWinJSON struct {
	Stage   funnel.Stage `json:"stage"`
	Seconds []int64      `json:"samples_seconds"`
}

// MarshalJSON encodes the model in the package's JSON style: the rates
// with their counts and intervals, and the time-to-win samples of each
// stage in seconds, sorted.
func (m Model) MarshalJSON() ([]byte, error) {
	o := modelJSON{AsOf: timePtr(m.asOf), Confidence: m.level, Segment: m.segment, MinSegment: m.minSegment,
		Stages: m.Stages(), Segments: m.Segments(), TimeToWin: make([]timeToWinJSON, len(m.stages)), Input: m.input}
	for k, st := range m.stages {
		o.TimeToWin[k] = timeToWinJSON{Stage: st, Seconds: append([]int64{}, m.toWin[k]...)}
	}
	return jsonMarshal(o)
}

// UnmarshalJSON decodes a model written by [Model.MarshalJSON]; the
// intervals are recomputed from the counts. Inconsistent input is an
// error wrapping funnel.ErrInvalidParam.
func (m *Model) UnmarshalJSON(b []byte) error {
	var o modelJSON
	if err := jsonParse(string(b), &o); err != nil {
		return err
	}
	n := len(o.Stages)
	if len(o.TimeToWin) != n {
		return invalid("model of %d stages with %d time-to-win lists", n, len(o.TimeToWin))
	}
	// rebuild through the binary form, which validates everything
	var w wire.Writer
	w.Int(n)
	for _, r := range o.Stages {
		w.String(string(r.Stage))
	}
	w.Float(o.Confidence)
	w.Time(timeOf(o.AsOf))
	w.String(o.Segment)
	w.Varint(o.MinSegment)
	in, _ := jsonString(o.Input)
	w.String(in)
	for k, r := range o.Stages {
		if o.TimeToWin[k].Stage != r.Stage || !slices.IsSorted(o.TimeToWin[k].Seconds) {
			return invalid("time-to-win samples of stage %q", r.Stage)
		}
		w.Varint(r.Won.Num)
		w.Varint(r.Won.Den)
		w.SortedInts(o.TimeToWin[k].Seconds)
	}
	w.Int(len(o.Segments))
	for _, sg := range o.Segments {
		if len(sg.Stages) != n {
			return invalid("segment %q of %d stages", sg.Segment, len(sg.Stages))
		}
		w.String(sg.Segment)
		for k, r := range sg.Stages {
			if r.Stage != o.Stages[k].Stage {
				return invalid("segment %q stage %q", sg.Segment, r.Stage)
			}
			w.Varint(r.Won.Num)
			w.Varint(r.Won.Den)
		}
	}
	out, err := decodeModel(wire.NewReader(w.Bytes()))
	if err != nil {
		return err
	}
	*m = *out
	return nil
}

// WriteText writes the model as a table: each stage's rate with its
// interval and its median time to win, then the segments' rates.
func (m *Model) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Stage win rates learned from %d closed-deal stage entries", m.closedEntries())
	if !m.asOf.IsZero() {
		ew.printf(" as of %s", m.asOf.Format(time.RFC3339))
	}
	ew.printf("\n")
	tw := newTable(ew)
	fmt.Fprintln(tw, "stage\twon/closed\trate\tinterval\twins timed\tmedian days to win\t")
	for _, r := range m.Stages() {
		t := m.TimeToWin(r.Stage)
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%d\t%s\t\n", r.Stage, r.Won.Num, r.Won.Den, pct(r.Won.Ratio), ci(r.Won.Interval), t.Count, days(t.Count, t.Median))
	}
	_ = tw.Flush()
	if m.segment != "" {
		ew.printf("\nBy %s (own rate used from %d closed deals):\n", m.segment, m.minSegment)
		tw = newTable(ew)
		fmt.Fprint(tw, "segment\t")
		for _, st := range m.stages {
			fmt.Fprintf(tw, "%s\t", st)
		}
		fmt.Fprintln(tw)
		for _, sg := range m.Segments() {
			fmt.Fprintf(tw, "%s\t", orUnknown(sg.Segment))
			for _, r := range sg.Stages {
				fmt.Fprintf(tw, "%d/%d\t", r.Won.Num, r.Won.Den)
			}
			fmt.Fprintln(tw)
		}
		_ = tw.Flush()
	}
	writeInput(ew, m.input)
	return ew.err
}

func (m *Model) closedEntries() int64 {
	var n int64
	for _, c := range m.rates {
		n += c.closed
	}
	return n
}
