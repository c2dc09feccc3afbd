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

// MaxCalls is the largest number of forecast calls an [Accuracy] scores.
const MaxCalls = 10_000

// A Call is a forecast call: the amount a rep or manager submitted, at a
// time, as what a period will bring (Salesforce's forecast submission,
// Clari's call, HubSpot's forecast submission).
type Call struct {
	// Key is the value of the accuracy's attribute (AccuracyOptions.Key:
	// the owner, the team) the call is for; "" for every deal.
	Key string `json:"key"`
	// Period is any instant of the period called (the scan's
	// funnel.Options.Period, in its Calendar and Location).
	Period time.Time `json:"period"`
	// At is when the call was submitted, not after the scan's as-of time.
	At time.Time `json:"at"`
	// Amount is the call, not negative.
	Amount decimal.Decimal `json:"amount"`
}

// AccuracyOptions configure an [Accuracy].
type AccuracyOptions struct {
	// Key names the attribute (funnel.Attributes.Get) whose value says
	// whose call a deal counts toward; "" counts every deal toward the
	// calls of key "".
	Key string
	// Calls are the submitted calls, at most MaxCalls, submitted at most
	// at MaxCutoffs distinct times.
	Calls []Call
	// Learn configures the learner of the model's forecast at each
	// submission time.
	Learn LearnOptions
}

// sumCount is a count of deals and their total amount.
type sumCount struct {
	n   int64
	sum decimal.Decimal
}

func (s *sumCount) add(d decimal.Decimal) {
	s.n++
	s.sum = s.sum.Add(d)
}

func (s *sumCount) merge(o sumCount) {
	s.n += o.n
	s.sum = s.sum.Add(o.sum)
}

// callKey is a key and a period start, in Unix seconds.
type callKey struct {
	key   string
	start int64
}

func compareCallKeys(a, b callKey) int {
	return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.start, b.start))
}

// callOpen groups the open deals of a call by the rate that weighs them.
type callOpen struct {
	callKey
	k   int
	seg string
}

func compareCallOpen(a, b callOpen) int {
	return cmp.Or(compareCallKeys(a.callKey, b.callKey), cmp.Compare(a.k, b.k), strings.Compare(a.seg, b.seg))
}

// snap is the state of one submission time: the deals as they stood
// then, for the calls made then.
type snap struct {
	at     time.Time
	scan   *funnel.Scan
	l      *Learner
	called map[callKey]bool
	won    map[callKey]*sumCount
	open   map[callOpen]*sumCount
}

// An Accuracy scores forecast calls against what happened: each call's
// amount against the amount won in its period (as of the scan's as-of
// time), beside the model's forecast at the same moment, as a [Backtest]
// of the stage rates would make it: the amount already won in the period
// by the call's time plus the weighted pipeline then of the open deals
// expected in the period (their expected close date as it stood then; an
// overdue one in the period holding the call's time), each at the rate
// the one [Learner] learned from the deals closed by then.
//
// Per key and over all calls of complete periods (ended by the as-of
// time), it gives the weighted absolute percentage error
//
//	WAPE = Σ |forecast - actual| / Σ actual
//
// (Kolassa and Schütz 2007, "Advantages of the MAD/MEAN ratio over the
// MAPE", Foresight 6; forecast accuracy = 1 - WAPE, as revenue tools
// report it) and the bias Σ (forecast - actual) / Σ actual, of the calls
// and of the model. Memory: a learner and a few sums per submission time,
// key, period and stage.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but as
// the receiver of UnmarshalBinary; build one with [NewAccuracy].
type Accuracy struct {
	s        *funnel.Scan
	opts     AccuracyOptions // periods at their starts, MinSegment resolved
	in       funnel.Intake
	snaps    []*snap // by time
	actual   map[callKey]*sumCount
	periods  map[callKey]bool // the calls' keys and periods
	segs     map[string]struct{}
	overflow bool
	settings string
}

// NewAccuracy returns an empty accuracy accumulator of the scan's deals.
// It returns an error wrapping funnel.ErrInvalidParam for a nil scan, no
// as-of time, more than MaxCalls calls or MaxCutoffs submission times, a
// call with a zero period or time, a time after the as-of time or a
// negative amount, or a negative MinSegment.
func NewAccuracy(s *funnel.Scan, opts AccuracyOptions) (*Accuracy, error) {
	if s == nil || s.Options().AsOf.IsZero() {
		return nil, invalid("forecast accuracy needs a scan with an as-of time")
	}
	o := s.Options()
	if len(opts.Calls) > MaxCalls {
		return nil, invalid("%d calls: at most %d", len(opts.Calls), MaxCalls)
	}
	if opts.Learn.MinSegment < 0 {
		return nil, invalid("negative minimum segment %d", opts.Learn.MinSegment)
	}
	if opts.Learn.MinSegment == 0 {
		opts.Learn.MinSegment = s.MinSample()
	}
	calls := make([]Call, len(opts.Calls))
	var times []time.Time
	for i, c := range opts.Calls {
		if c.Period.IsZero() || c.At.IsZero() || c.At.After(o.AsOf) || c.Amount.Sign() < 0 {
			return nil, invalid("call %d of %q: period %v, at %v, amount %v", i, c.Key, c.Period, c.At, c.Amount)
		}
		c.Period = o.Calendar.Start(o.Period, c.Period, o.Location)
		calls[i] = c
		times = append(times, c.At)
	}
	opts.Calls = calls
	slices.SortFunc(times, time.Time.Compare)
	times = slices.CompactFunc(times, time.Time.Equal)
	if len(times) > MaxCutoffs {
		return nil, invalid("calls at %d times: at most %d", len(times), MaxCutoffs)
	}
	a := &Accuracy{s: s, opts: opts}
	var w wire.Writer
	a.encodeSettings(&w)
	a.settings = string(w.Bytes())
	a.reset(times)
	return a, nil
}

func (a *Accuracy) reset(times []time.Time) {
	o := a.s.Options()
	a.actual, a.periods, a.segs = map[callKey]*sumCount{}, map[callKey]bool{}, map[string]struct{}{}
	a.snaps = nil
	for _, t := range times {
		so := o
		so.AsOf = t
		cs, _ := funnel.NewScan(a.s.Funnel(), so) // the options were valid with another as-of time
		a.snaps = append(a.snaps, &snap{at: t, scan: cs, l: newLearner(cs, a.opts.Learn), called: map[callKey]bool{},
			won: map[callKey]*sumCount{}, open: map[callOpen]*sumCount{}})
	}
	for _, c := range a.opts.Calls {
		k := callKey{c.Key, c.Period.Unix()}
		a.periods[k] = true
		i, _ := slices.BinarySearchFunc(a.snaps, c.At, func(s *snap, t time.Time) int { return s.at.Compare(t) })
		a.snaps[i].called[k] = true
	}
}

func (a *Accuracy) encodeSettings(w *wire.Writer) {
	w.String(a.opts.Key)
	w.String(a.opts.Learn.Segment)
	w.Varint(a.opts.Learn.MinSegment)
	w.Int(len(a.opts.Calls))
	for _, c := range a.opts.Calls {
		w.String(c.Key)
		w.Time(c.Period)
		w.Time(c.At)
		w.Decimal(c.Amount)
	}
}

// ForecastAccuracy scores the calls against the deals in one pass:
// [NewAccuracy], [funnel.Scan.Run] and [Accuracy.Report].
func ForecastAccuracy(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts AccuracyOptions) (AccuracyReport, error) {
	return onepass.Run(s, deals, opts, NewAccuracy, (*Accuracy).Report)
}

// Scan returns the scan the accumulator was built for.
func (a *Accuracy) Scan() *funnel.Scan { return a.s }

// Fresh returns an empty accumulator of the same scan and options.
func (a *Accuracy) Fresh() funnel.Accumulator {
	c := &Accuracy{s: a.s, opts: a.opts, settings: a.settings}
	times := make([]time.Time, len(a.snaps))
	for i, s := range a.snaps {
		times[i] = s.at
	}
	c.reset(times)
	return c
}

// Add validates d and adds it (see [funnel.Scan.Add]).
func (a *Accuracy) Add(d funnel.Deal) error { return a.s.Add(d, a) }

// keyOf returns the call key of a deal's attribute.
func (a *Accuracy) keyOf(d *funnel.Deal) string {
	if a.opts.Key == "" {
		return ""
	}
	return d.Attrs.Get(a.opts.Key)
}

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (a *Accuracy) Observe(v *funnel.View) {
	if !a.in.Note(v) {
		return
	}
	d := v.Deal
	o := a.s.Options()
	start := func(t time.Time) int64 { return o.Calendar.Start(o.Period, t, o.Location).Unix() }
	if d.Outcome == funnel.Won && !d.Closed.IsZero() {
		k := callKey{a.keyOf(d), start(d.Closed)}
		if a.periods[k] {
			g := a.actual[k]
			if g == nil {
				g = new(sumCount)
				a.actual[k] = g
			}
			g.add(d.Amount)
		}
	}
	f := a.s.Funnel()
	for _, sn := range a.snaps {
		dt, ok := d.At(sn.at)
		if !ok {
			continue
		}
		if dt.Outcome != funnel.Open {
			// the learner of the time sees the deal as it stood then; a
			// deal open then would teach it nothing
			_ = sn.scan.Add(*d, sn.l)
		}
		key := a.keyOf(&dt)
		switch dt.Outcome {
		case funnel.Won:
			if dt.Closed.IsZero() {
				continue
			}
			if k := (callKey{key, start(dt.Closed)}); sn.called[k] {
				g := sn.won[k]
				if g == nil {
					g = new(sumCount)
					sn.won[k] = g
				}
				g.add(dt.Amount)
			}
		case funnel.Open:
			at := dt.ExpectedClose
			if at.IsZero() {
				continue
			}
			if at.Before(sn.at) {
				at = sn.at
			}
			k := callKey{key, start(at)}
			if !sn.called[k] || a.overflow {
				continue
			}
			g := callOpen{callKey: k, k: currentStage(f, &dt)}
			if a.opts.Learn.Segment != "" {
				g.seg = dt.Attrs.Get(a.opts.Learn.Segment)
				if !a.segment(g.seg) {
					continue
				}
			}
			sc := sn.open[g]
			if sc == nil {
				sc = new(sumCount)
				sn.open[g] = sc
			}
			sc.add(dt.Amount)
		}
	}
}

// segment notes a segment value, and reports false once there are more
// than MaxSegments.
func (a *Accuracy) segment(v string) bool {
	if _, ok := a.segs[v]; ok {
		return true
	}
	if len(a.segs) == MaxSegments {
		a.overflow = true
		for _, sn := range a.snaps {
			clear(sn.open)
		}
		return false
	}
	a.segs[v] = struct{}{}
	return true
}

// Merge adds everything o, an *Accuracy of an equal scan and options,
// holds (see [funnel.Accumulator]). o is not modified.
func (a *Accuracy) Merge(o funnel.Accumulator) error {
	oa, err := mergeable[*Accuracy](a, o)
	if err != nil {
		return err
	}
	if oa.settings != a.settings {
		return incompatible("merging accuracies of other calls")
	}
	a.in.Merge(&oa.in)
	for k, g := range oa.actual {
		if a.actual[k] == nil {
			a.actual[k] = new(sumCount)
		}
		a.actual[k].merge(*g)
	}
	if oa.overflow && !a.overflow {
		a.overflow = true
		for _, sn := range a.snaps {
			clear(sn.open)
		}
	}
	for i, sn := range a.snaps {
		on := oa.snaps[i]
		sn.l.merge(on.l)
		for k, g := range on.won {
			if sn.won[k] == nil {
				sn.won[k] = new(sumCount)
			}
			sn.won[k].merge(*g)
		}
		for _, k := range sortedKeys(on.open, compareCallOpen) {
			if a.overflow || (a.opts.Learn.Segment != "" && !a.segment(k.seg)) {
				break
			}
			if sn.open[k] == nil {
				sn.open[k] = new(sumCount)
			}
			sn.open[k].merge(*on.open[k])
		}
	}
	return nil
}

// A CallRow is one call scored.
type CallRow struct {
	Key    string          `json:"key"`
	Period time.Time       `json:"-"` // the period's start (JSON period)
	At     time.Time       `json:"-"` // JSON at
	Call   decimal.Decimal `json:"call"`
	// Model is the model's forecast at the call's time: WonSoFar plus
	// the weighted pipeline then of the open deals expected in the
	// period (Pipeline its open amount; Unweighted counts the deals
	// whose stage had no rate yet, left out).
	Model      decimal.Decimal `json:"model"`
	WonSoFar   decimal.Decimal `json:"won_so_far"`
	Pipeline   decimal.Decimal `json:"pipeline"`
	Unweighted int64           `json:"unweighted"`
	// Actual is the amount won in the period as of the as-of time, over
	// ActualDeals deals; Complete is false while the period has not
	// ended by the as-of time (Actual is then what is won so far).
	Actual      decimal.Decimal `json:"actual"`
	ActualDeals int64           `json:"actual_deals"`
	Complete    bool            `json:"complete"`
	// CallError = Call - Actual, ModelError = Model - Actual.
	CallError  decimal.Decimal `json:"call_error"`
	ModelError decimal.Decimal `json:"model_error"`
}

// An AccuracySummary sums the scored calls of complete periods of one
// key (or of every key): WAPE and bias of the calls and of the model.
type AccuracySummary struct {
	Key    string          `json:"key"`
	Calls  int64           `json:"calls"`
	Actual decimal.Decimal `json:"actual"`
	// CallWAPE = Σ |call - actual| / Σ actual, CallBias = Σ (call -
	// actual) / Σ actual; the same for the model.
	CallWAPE  funnel.MoneyRatio `json:"call_wape"`
	CallBias  funnel.MoneyRatio `json:"call_bias"`
	ModelWAPE funnel.MoneyRatio `json:"model_wape"`
	ModelBias funnel.MoneyRatio `json:"model_bias"`
}

func (s *AccuracySummary) add(r *CallRow) {
	s.Calls++
	s.Actual = s.Actual.Add(r.Actual)
	s.CallWAPE.Num = s.CallWAPE.Num.Add(r.CallError.Abs())
	s.CallBias.Num = s.CallBias.Num.Add(r.CallError)
	s.ModelWAPE.Num = s.ModelWAPE.Num.Add(r.ModelError.Abs())
	s.ModelBias.Num = s.ModelBias.Num.Add(r.ModelError)
	s.CallWAPE.Den, s.CallBias.Den, s.ModelWAPE.Den, s.ModelBias.Den = s.Actual, s.Actual, s.Actual, s.Actual
}

// An AccuracyReport scores every call, in the order given, and sums them
// per key and overall.
type AccuracyReport struct {
	AsOf   time.Time     `json:"-"` // JSON as_of
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the periods' names.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	Key      string          `json:"key"`
	Rows     []CallRow       `json:"rows"`
	// Keys sums the complete calls per key, by key; Overall all of them.
	Keys    []AccuracySummary `json:"keys"`
	Overall AccuracySummary   `json:"overall"`
	Input   funnel.Input      `json:"input"`
}

// Report scores the calls against the deals added so far. It returns an
// error wrapping funnel.ErrInvalidParam when the segment attribute took
// more than MaxSegments values.
func (a *Accuracy) Report() (AccuracyReport, error) {
	if a.overflow {
		return AccuracyReport{}, invalid("more than %d values of the segment attribute %q", MaxSegments, a.opts.Learn.Segment)
	}
	o := a.s.Options()
	r := AccuracyReport{AsOf: o.AsOf, Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(), Key: a.opts.Key, Rows: make([]CallRow, 0, len(a.opts.Calls)),
		Keys: []AccuracySummary{}, Input: a.in.Input()}
	models := make([]*Model, len(a.snaps))
	for i, sn := range a.snaps {
		m, err := sn.l.Model()
		if err != nil {
			return AccuracyReport{}, err
		}
		models[i] = m
	}
	byKey := map[string]*AccuracySummary{}
	for _, c := range a.opts.Calls {
		k := callKey{c.Key, c.Period.Unix()}
		i, _ := slices.BinarySearchFunc(a.snaps, c.At, func(s *snap, t time.Time) int { return s.at.Compare(t) })
		sn, m := a.snaps[i], models[i]
		row := CallRow{Key: c.Key, Period: c.Period, At: c.At, Call: c.Amount,
			Complete: !o.Calendar.Next(o.Period, c.Period, o.Location).After(o.AsOf)}
		if g := sn.won[k]; g != nil {
			row.WonSoFar = g.sum
		}
		row.Model = row.WonSoFar
		for _, gk := range sortedKeys(sn.open, compareCallOpen) {
			if gk.callKey != k {
				continue
			}
			g := sn.open[gk]
			row.Pipeline = row.Pipeline.Add(g.sum)
			cnt, ok := m.rate(gk.k, gk.seg)
			if !ok {
				row.Unweighted += g.n
				continue
			}
			row.Model = row.Model.Add(g.sum.Mul(probOf(cnt)))
		}
		if g := a.actual[k]; g != nil {
			row.Actual, row.ActualDeals = g.sum, g.n
		}
		row.CallError, row.ModelError = row.Call.Sub(row.Actual), row.Model.Sub(row.Actual)
		r.Rows = append(r.Rows, row)
		if !row.Complete {
			continue
		}
		s := byKey[c.Key]
		if s == nil {
			s = &AccuracySummary{Key: c.Key}
			byKey[c.Key] = s
		}
		s.add(&row)
		r.Overall.add(&row)
	}
	for _, key := range sortedKeys(byKey, strings.Compare) {
		r.Keys = append(r.Keys, *byKey[key])
	}
	return r, nil
}

const accuracyVersion = 1

// MarshalBinary encodes the accumulator (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (a *Accuracy) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.accuracy", accuracyVersion, a.s)
	a.encodeSettings(&w)
	blob(&w, &a.in)
	w.Bool(a.overflow)
	encodeSums(&w, a.actual)
	for _, sn := range a.snaps {
		sn.l.encode(&w)
		encodeSums(&w, sn.won)
		keys := sortedKeys(sn.open, compareCallOpen)
		w.Int(len(keys))
		for _, k := range keys {
			w.String(k.key)
			w.Varint(k.start)
			w.Int(k.k)
			w.String(k.seg)
			w.Varint(sn.open[k].n)
			w.Decimal(sn.open[k].sum)
		}
	}
	return w.Bytes(), nil
}

func encodeSums(w *wire.Writer, m map[callKey]*sumCount) {
	keys := sortedKeys(m, compareCallKeys)
	w.Int(len(keys))
	for _, k := range keys {
		w.String(k.key)
		w.Varint(k.start)
		w.Varint(m[k].n)
		w.Decimal(m[k].sum)
	}
}

// decodeSums reads what encodeSums wrote, for keys in allowed.
func decodeSums(r *wire.Reader, allowed map[callKey]bool, counted int64) map[callKey]*sumCount {
	n := r.Count(4)
	out := map[callKey]*sumCount{}
	var prev callKey
	for i := range n {
		k := callKey{r.String(), r.Varint()}
		g := &sumCount{n: r.NonNeg(), sum: r.Decimal()}
		if r.Err() != nil {
			return nil
		}
		if !allowed[k] || (i > 0 && compareCallKeys(prev, k) >= 0) || g.n == 0 || g.n > counted || g.sum.Sign() < 0 {
			r.Fail("bad sum")
			return nil
		}
		prev = k
		out[k] = g
	}
	return out
}

// UnmarshalBinary decodes an accumulator written by
// [Accuracy.MarshalBinary], replacing a's contents, as
// [Pipeline.UnmarshalBinary] does.
func (a *Accuracy) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readHeader(r, "forecast.accuracy", accuracyVersion, a.s)
	if err != nil {
		return err
	}
	opts := AccuracyOptions{Key: r.String(), Learn: LearnOptions{Segment: r.String(), MinSegment: r.Varint()}}
	n := r.Count(6)
	if r.Err() == nil && n > MaxCalls {
		r.Fail("%d calls", n)
	}
	for range n {
		opts.Calls = append(opts.Calls, Call{Key: r.String(), Period: r.Time(), At: r.Time(), Amount: r.Decimal()})
	}
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	if opts.Learn.MinSegment <= 0 {
		return decodeErr(wire.ErrFormat)
	}
	out, err := NewAccuracy(s, opts)
	if err != nil {
		return decodeErr(err)
	}
	if a.s != nil && out.settings != a.settings {
		return incompatible("decoding an accuracy of other calls")
	}
	unblob(r, &out.in)
	counted := out.in.Counted()
	out.overflow = r.Bool()
	if g := decodeSums(r, out.periods, counted); g != nil {
		out.actual = g
	}
	for _, sn := range out.snaps {
		if r.Err() != nil {
			break
		}
		if err := readLearner(r, sn.scan, &sn.l); err != nil {
			return err
		}
		if g := decodeSums(r, sn.called, counted); g != nil {
			sn.won = g
		}
		m := r.Count(5)
		if r.Err() == nil && out.overflow && m > 0 {
			r.Fail("groups after an overflow")
		}
		var prev callOpen
		for i := range m {
			k := callOpen{callKey: callKey{r.String(), r.Varint()}, k: r.Int(), seg: r.String()}
			g := &sumCount{n: r.NonNeg(), sum: r.Decimal()}
			if r.Err() != nil {
				break
			}
			if !sn.called[k.callKey] || k.k >= s.Funnel().Len() || (k.seg != "" && opts.Learn.Segment == "") || (i > 0 && compareCallOpen(prev, k) >= 0) ||
				g.n == 0 || g.n > counted || g.sum.Sign() < 0 {
				r.Fail("bad open group")
				break
			}
			if opts.Learn.Segment != "" && !out.segment(k.seg) {
				r.Fail("too many segments")
				break
			}
			prev = k
			sn.open[k] = g
		}
	}
	if err := decoded(r, data, out); err != nil {
		return err
	}
	*a = *out
	return nil
}

type callRowJSON struct {
	callRowAlias
	Period *time.Time `json:"period"`
	At     *time.Time `json:"at"`
}

type callRowAlias CallRow

// MarshalJSON encodes the row with its times as RFC 3339.
func (r CallRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(callRowJSON{callRowAlias(r), timePtr(r.Period), timePtr(r.At)})
}

// UnmarshalJSON decodes a row written by [CallRow.MarshalJSON].
func (r *CallRow) UnmarshalJSON(b []byte) error {
	var o callRowJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = CallRow(o.callRowAlias)
	r.Period, r.At = timeOf(o.Period), timeOf(o.At)
	return nil
}

type accuracyReportJSON struct {
	accuracyReportAlias
	AsOf *time.Time `json:"as_of"`
}

type accuracyReportAlias AccuracyReport

// MarshalJSON encodes the report in the package's JSON style.
func (r AccuracyReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(accuracyReportJSON{accuracyReportAlias(r), timePtr(r.AsOf)})
}

// UnmarshalJSON decodes a report written by [AccuracyReport.MarshalJSON].
func (r *AccuracyReport) UnmarshalJSON(b []byte) error {
	var o accuracyReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = AccuracyReport(o.accuracyReportAlias)
	r.AsOf = timeOf(o.AsOf)
	return nil
}

// WriteText writes each call beside the model and the actual, then the
// accuracy per key and overall.
func (r AccuracyReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Forecast accuracy by %s", r.Period)
	if r.Key != "" {
		ew.printf(" and %s", r.Key)
	}
	ew.printf(" as of %s\n\n", r.AsOf.Format(time.RFC3339))
	loc := locationOf(r.Location)
	tw := newTable(ew)
	fmt.Fprintln(tw, "key\tperiod\tcalled at\tcall\tmodel\tactual\tcall error\tmodel error\t")
	for _, row := range r.Rows {
		actual := money(row.Actual)
		if !row.Complete {
			actual += " (so far)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", orUnknown(row.Key), r.Calendar.Label(r.Period, row.Period, loc), row.At.Format(time.DateOnly),
			money(row.Call), money(row.Model), actual, signed(row.CallError), signed(row.ModelError))
	}
	_ = tw.Flush()
	ew.printf("\nComplete periods (accuracy = 1 - WAPE):\n")
	tw = newTable(ew)
	fmt.Fprintln(tw, "key\tcalls\tactual\tcall WAPE\tcall bias\tmodel WAPE\tmodel bias\t")
	line := func(key string, s AccuracySummary) {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", key, s.Calls, money(s.Actual), moneyPct(s.CallWAPE), moneyPct(s.CallBias),
			moneyPct(s.ModelWAPE), moneyPct(s.ModelBias))
	}
	for _, s := range r.Keys {
		line(orUnknown(s.Key), s)
	}
	line("all", r.Overall)
	_ = tw.Flush()
	writeInput(ew, r.Input)
	return ew.err
}
