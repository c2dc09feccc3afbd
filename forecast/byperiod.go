package forecast

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/onepass"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

// MaxPeriods is the largest number of periods a [ByPeriod] forecasts.
const MaxPeriods = 1000

// defaultPeriods is the number of periods of a zero PeriodOptions.Periods.
const defaultPeriods = 12

// PeriodOptions configure a [ByPeriod]: where the probabilities come from
// (as for a [Pipeline]) and how many periods to forecast. The periods are
// the scan's (funnel.Options.Period, in its Calendar and Location), from the
// one that holds the as-of time.
type PeriodOptions struct {
	Options
	// Periods is the number of periods forecast; zero means 12. It must
	// be at most MaxPeriods.
	Periods int
}

// How an open deal is placed in time.
const (
	placeDated   uint8 = iota // by its expected close date, in period at (periods: later)
	placeOverdue              // expected close date before the as-of time
	placeTimed                // by the time-to-win samples, from its stage entry at Unix second at
	placeUntimed              // neither
)

// pending is an open deal kept until the probabilities are known.
type pending struct {
	seg    string
	amount decimal.Decimal // the amount, or the weighted amount for an own probability
	at     int64
	k      int32
	place  uint8
	own    bool
}

func comparePending(a, b pending) int {
	return cmp.Or(cmp.Compare(a.k, b.k), strings.Compare(a.seg, b.seg), cmpBool(a.own, b.own), cmp.Compare(a.place, b.place),
		cmp.Compare(a.at, b.at), a.amount.Cmp(b.amount), cmp.Compare(a.amount.Exponent(), b.amount.Exponent()))
}

// A ByPeriod accumulates the expected revenue of the open deals as of the
// scan's as-of time, spread over future periods: each deal's weighted
// amount, amount × P(win) exactly as a [Pipeline] of the same options
// weighs it, is expected
//
//   - in the period of its expected close date (funnel.Deal.ExpectedClose
//     as of the as-of time, from its field history); a date before the
//     as-of time is overdue and expected in the first period, a date at or
//     after the end of the last period later;
//   - otherwise by its stage's time-to-win samples (see [Learner]): with e
//     the deal's last stage entry and s_1..s_m the samples of its stage
//     greater than the time already spent, as-of - e, the share expected
//     by the end b of a period is #{i: e + s_i < b} / m. The shares are
//     rounded to 10 decimal places cumulatively (each period holds the
//     rounded amount expected by its end less the rounded amount expected
//     by the end of the one before), so a deal's parts add up to its
//     weighted amount exactly. A deal beyond every sample is overdue and
//     expected in the first period; one whose stage has no sample or
//     whose entry time is unrecorded is untimed.
//
// So the periods, Later and UntimedExpected add up to the Pipeline's
// Weighted exactly, on the same deals and options. The forecast needs the
// scan's as-of time. One pass: the deals are kept (about 56 bytes per
// open deal) until the probabilities are known.
//
// It is not safe for concurrent use: give each goroutine its own and
// merge them ([funnel.Scan.Run] does). The zero value is not usable but
// as the receiver of UnmarshalBinary; build one with [NewByPeriod].
type ByPeriod struct {
	w       *weigher
	l       *Learner
	in      funnel.Intake
	periods int
	starts  []time.Time // periods+1 period starts
	bounds  []int64     // their Unix seconds
	deals   []pending
	first   firstError
	last    error
}

// NewByPeriod returns an empty forecast by period of the scan's deals. It
// returns an error wrapping funnel.ErrInvalidParam for a nil scan, a scan
// without an as-of time, a number of periods outside 0..MaxPeriods, or
// invalid options (see [NewPipeline]).
func NewByPeriod(s *funnel.Scan, opts PeriodOptions) (*ByPeriod, error) {
	if s == nil || s.Options().AsOf.IsZero() {
		return nil, invalid("a forecast by period needs a scan with an as-of time")
	}
	if opts.Periods < 0 || opts.Periods > MaxPeriods {
		return nil, invalid("%d periods: at most %d", opts.Periods, MaxPeriods)
	}
	w, err := newWeigher(s, opts.Options, true)
	if err != nil {
		return nil, err
	}
	return newByPeriod(w, cmp.Or(opts.Periods, defaultPeriods)), nil
}

func newByPeriod(w *weigher, periods int) *ByPeriod {
	o := w.s.Options()
	b := &ByPeriod{w: w, l: w.learner(), periods: periods, starts: make([]time.Time, periods+1), bounds: make([]int64, periods+1)}
	b.starts[0] = o.Calendar.Start(o.Period, o.AsOf, o.Location)
	for j := 1; j <= periods; j++ {
		b.starts[j] = o.Calendar.Next(o.Period, b.starts[j-1], o.Location)
	}
	for j, t := range b.starts {
		b.bounds[j] = t.Unix()
	}
	return b
}

// Expected computes the expected revenue by period of the deals in one
// pass: [NewByPeriod], [funnel.Scan.Run] and [ByPeriod.Report].
func Expected(s *funnel.Scan, deals iter.Seq[funnel.Deal], opts PeriodOptions) (PeriodReport, error) {
	return onepass.Run(s, deals, opts, NewByPeriod, (*ByPeriod).Report)
}

// Scan returns the scan the forecast was built for.
func (b *ByPeriod) Scan() *funnel.Scan { return b.w.scan() }

// Fresh returns an empty forecast of the same scan and options.
func (b *ByPeriod) Fresh() funnel.Accumulator { return newByPeriod(b.w, b.periods) }

// Add validates d and adds it (see [Pipeline.Add]).
func (b *ByPeriod) Add(d funnel.Deal) error {
	b.last = nil
	if err := b.w.s.Add(d, b); err != nil {
		return err
	}
	return b.last
}

// Observe adds one deal handed over by the scan (see [funnel.Accumulator]).
func (b *ByPeriod) Observe(v *funnel.View) {
	if b.l != nil {
		b.l.Observe(v)
	}
	_, ok, err := classify(&b.in, v, &b.first)
	b.last = err
	if !ok || v.Deal.Outcome != funnel.Open {
		return
	}
	d := v.Deal
	p := pending{k: int32(v.Current()), amount: d.Amount, own: d.Probability.Valid}
	if p.own {
		p.amount = d.Amount.Mul(d.Probability.Decimal)
	} else if b.w.segment != "" {
		p.seg = d.Attrs.Get(b.w.segment)
	}
	switch _, at := v.Entry(v.Len() - 1); {
	case !d.ExpectedClose.IsZero():
		if d.ExpectedClose.Before(b.w.s.Options().AsOf) {
			p.place = placeOverdue
			break
		}
		p.place = placeDated
		j, found := slices.BinarySearch(b.bounds, d.ExpectedClose.Unix())
		if !found {
			j--
		}
		p.at = int64(min(max(j, 0), b.periods))
	case !at.IsZero():
		p.place, p.at = placeTimed, at.Unix()
	default:
		p.place = placeUntimed
	}
	b.deals = append(b.deals, p)
}

// Merge adds everything o, a *ByPeriod of an equal scan and options,
// holds (see [funnel.Accumulator]). o is not modified.
func (b *ByPeriod) Merge(o funnel.Accumulator) error {
	ob, err := mergeable[*ByPeriod](b, o)
	if err != nil {
		return err
	}
	if ob.w.settings != b.w.settings || ob.periods != b.periods {
		return incompatible("merging forecasts by period of other options")
	}
	if b.l != nil {
		b.l.merge(ob.l)
	}
	b.in.Merge(&ob.in)
	b.first.merge(&ob.first)
	b.deals = append(b.deals, ob.deals...)
	return nil
}

// Model returns the model whose rates or time-to-win samples the
// forecast uses: the given one or the one learned so far.
func (b *ByPeriod) Model() (*Model, error) { return b.w.model(b.l) }

// A PeriodRow is the expected revenue of one future period.
type PeriodRow struct {
	Start time.Time `json:"-"` // the first instant of the period (JSON start)
	// Dated counts the deals placed in the period by their expected
	// close date (overdue ones in the first period).
	Dated int64 `json:"dated"`
	// Expected is the revenue expected in the period.
	Expected decimal.Decimal `json:"expected"`
}

// A PeriodReport is the expected revenue of the open deals by future
// period. Rows + Later + UntimedExpected = Expected, which equals the
// Weighted of a [PipelineReport] of the same deals and options.
type PeriodReport struct {
	AsOf   time.Time     `json:"-"` // JSON as_of
	Period funnel.Period `json:"period"`
	// Calendar is the scan's: how its months, quarters and years are
	// counted, and so the periods' names.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	Source   Source          `json:"source"`
	Segment  string          `json:"segment"`
	// Rows has one row per period, from the one holding AsOf.
	Rows []PeriodRow `json:"rows"`
	// Later is the revenue expected after the last period, LaterDated the
	// deals placed there by their expected close date.
	Later      decimal.Decimal `json:"later"`
	LaterDated int64           `json:"later_dated"`
	// Overdue counts deals expected in the first period because their
	// expected close date, or every time to win of their stage, is past
	// at AsOf; Spread counts the deals spread by the time-to-win samples.
	Overdue int64 `json:"overdue"`
	Spread  int64 `json:"spread"`
	// Untimed counts the deals with a probability but neither an expected
	// close date nor a time-to-win sample and stage entry time to place
	// them; UntimedExpected is their expected revenue, in no period.
	Untimed         int64           `json:"untimed"`
	UntimedExpected decimal.Decimal `json:"untimed_expected"`
	// Unweighted counts the open deals with no probability, left out, and
	// UnweightedAmount is their amount.
	Unweighted       int64           `json:"unweighted"`
	UnweightedAmount decimal.Decimal `json:"unweighted_amount"`
	// Expected is the whole expected revenue, the weighted pipeline.
	Expected decimal.Decimal `json:"expected"`
	Input    funnel.Input    `json:"input"`
}

// Report returns the expected revenue by period of the deals added so
// far; the forecast can go on. Its errors are those of [Pipeline.Report].
func (b *ByPeriod) Report() (PeriodReport, error) {
	if err := strictErr(b.w.s, &b.first); err != nil {
		return PeriodReport{}, err
	}
	m, err := b.w.model(b.l)
	if err != nil {
		return PeriodReport{}, err
	}
	o := b.w.s.Options()
	r := PeriodReport{AsOf: o.AsOf, Period: o.Period, Calendar: o.Calendar, Location: o.Location.String(), Source: b.w.source, Segment: b.w.segment,
		Rows: make([]PeriodRow, b.periods), Input: b.in.Input()}
	rows := make([]xsum, b.periods)
	var later, untimed xsum
	asOf := o.AsOf.Unix()
	type keyProb struct {
		ok bool
		p  num
	}
	probs := map[okey]keyProb{} // the probability of each stage and segment, computed once
	for _, p := range b.deals {
		w := numOf(p.amount)
		if !p.own {
			key := okey{int(p.k), p.seg}
			pr, ok := probs[key]
			if !ok {
				q := b.w.prob(m, key.k, key.seg)
				pr = keyProb{q.ok, numOf(q.p)}
				probs[key] = pr
			}
			if !pr.ok {
				r.Unweighted++
				r.UnweightedAmount = r.UnweightedAmount.Add(p.amount)
				continue
			}
			w = w.mul(pr.p)
		}
		switch p.place {
		case placeOverdue:
			r.Overdue++
			r.Rows[0].Dated++
			rows[0].add(w)
		case placeDated:
			if int(p.at) == b.periods {
				r.LaterDated++
				later.add(w)
				break
			}
			r.Rows[p.at].Dated++
			rows[p.at].add(w)
		case placeTimed:
			if !b.spread(&r, rows, &later, w, m.toWin[p.k], p.at, asOf) {
				r.Untimed++
				untimed.add(w)
			}
		default:
			r.Untimed++
			untimed.add(w)
		}
	}
	r.Later, r.UntimedExpected = later.value(), untimed.value()
	r.Expected = r.Later.Add(r.UntimedExpected)
	for j := range r.Rows {
		r.Rows[j].Start = b.starts[j]
		r.Rows[j].Expected = rows[j].value()
		r.Expected = r.Expected.Add(r.Rows[j].Expected)
	}
	return r, nil
}

// spread spreads w over the periods by the time-to-win samples s (sorted)
// of a deal that entered its stage at Unix second entry, and reports
// false when there is no sample.
func (b *ByPeriod) spread(r *PeriodReport, rows []xsum, later *xsum, w num, s []int64, entry, asOf int64) bool {
	if len(s) == 0 || entry > asOf {
		return false
	}
	i0 := upperBound(s, asOf-entry)
	rem := int64(len(s) - i0)
	if rem == 0 {
		r.Overdue++
		rows[0].add(w)
		return true
	}
	r.Spread++
	var prevC int64
	var prev num // the rounded amount expected so far
	for j := range b.periods {
		c := int64(upperBound(s, b.bounds[j+1]-1-entry) - i0)
		if c == prevC {
			continue
		}
		cum := w
		if c < rem {
			cum = shareOf(w, c, rem)
		}
		rows[j].add(cum)
		rows[j].add(prev.neg())
		prev, prevC = cum, c
		if c == rem {
			break
		}
	}
	later.add(w)
	later.add(prev.neg())
	return true
}

// A num is an exact decimal: an int64 coefficient and an exponent, or a
// decimal when it does not fit.
type num struct {
	k   int64
	e   int32
	big bool
	d   decimal.Decimal
}

func numOf(d decimal.Decimal) num {
	if d.NumDigits() <= 18 {
		return num{k: d.CoefficientInt64(), e: d.Exponent()}
	}
	return num{big: true, d: d}
}

func (n num) decimal() decimal.Decimal {
	if n.big {
		return n.d
	}
	return decimal.New(n.k, n.e)
}

func (n num) neg() num {
	if n.big {
		return num{big: true, d: n.d.Neg()}
	}
	return num{k: -n.k, e: n.e}
}

// mul returns n × p exactly, for non-negative n and p.
func (n num) mul(p num) num {
	if !n.big && !p.big && n.k >= 0 && p.k >= 0 {
		hi, lo := bits.Mul64(uint64(n.k), uint64(p.k))
		if e := int64(n.e) + int64(p.e); hi == 0 && lo <= math.MaxInt64 && e == int64(int32(e)) {
			return num{k: int64(lo), e: int32(e)}
		}
	}
	return num{big: true, d: n.decimal().Mul(p.decimal())}
}

// An xsum is an exact sum of decimals: an int64 coefficient at a common
// exponent while the values fit, and a decimal for the rest.
type xsum struct {
	c   int64
	e   int32
	set bool
	d   decimal.Decimal
}

func (s *xsum) add(n num) {
	if n.big {
		s.d = s.d.Add(n.d)
		return
	}
	if !s.set {
		s.c, s.e, s.set = n.k, n.e, true
		return
	}
	k := n.k
	if n.e < s.e {
		c, ok := scale(s.c, int64(s.e)-int64(n.e))
		if !ok {
			s.d = s.d.Add(n.decimal())
			return
		}
		s.c, s.e = c, n.e
	}
	if n.e > s.e {
		var ok bool
		if k, ok = scale(k, int64(n.e)-int64(s.e)); !ok {
			s.d = s.d.Add(n.decimal())
			return
		}
	}
	if c := s.c + k; (k >= 0) == (c >= s.c) {
		s.c = c
		return
	}
	s.d = s.d.Add(n.decimal())
}

func (s *xsum) value() decimal.Decimal {
	if !s.set {
		return s.d
	}
	return decimal.New(s.c, s.e).Add(s.d)
}

// scale returns v × 10^d, and false when it does not fit.
func scale(v, d int64) (int64, bool) {
	if d < 0 || d > 18 {
		return 0, false
	}
	if v == 0 {
		return 0, true
	}
	f := pow10[d]
	p := v * f
	if p/f != v {
		return 0, false
	}
	return p, true
}

// shareOf returns w × c / rem rounded half away from zero to 10 decimal
// places, in 64- and 128-bit integers when w's coefficient fits.
func shareOf(w num, c, rem int64) num {
	e := int(w.e) + 10 // the result's coefficient is w.k × c × 10^e / rem
	if !w.big && w.k >= 0 && e > -19 && e < 19 && c > 0 {
		hi, lo := bits.Mul64(uint64(w.k), uint64(c))
		d := uint64(rem)
		ok := true
		if e > 0 {
			var carry uint64
			hi1, lo1 := bits.Mul64(lo, uint64(pow10[e]))
			hi2, lo2 := bits.Mul64(hi, uint64(pow10[e]))
			hi, lo, carry = hi1+lo2, lo1, hi2
			ok = carry == 0 && hi >= hi1
		} else if e < 0 {
			var ovf uint64
			ovf, d = bits.Mul64(uint64(rem), uint64(pow10[-e]))
			ok = ovf == 0
		}
		if ok && hi < d {
			q, r := bits.Div64(hi, lo, d)
			if r >= d-r { // 2r >= d, without overflow
				q++
			}
			if q <= math.MaxInt64 {
				return num{k: int64(q), e: -10}
			}
		}
	}
	return num{big: true, d: w.decimal().Mul(decimal.NewFromInt(c)).DivRound(decimal.NewFromInt(rem), 10)}
}

var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// upperBound returns the number of values in the sorted s that are <= v.
func upperBound(s []int64, v int64) int {
	i, j := 0, len(s)
	for i < j {
		h := int(uint(i+j) >> 1)
		if s[h] <= v {
			i = h + 1
		} else {
			j = h
		}
	}
	return i
}

const byPeriodVersion = 1

// MarshalBinary encodes the forecast (see [funnel.Accumulator]):
// deterministic, the same for one pass and for any merge of parts.
func (b *ByPeriod) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	writeHeader(&w, "forecast.byperiod", byPeriodVersion, b.w.s)
	b.w.encode(&w)
	w.Int(b.periods)
	blob(&w, &b.in)
	if b.l != nil {
		b.l.encode(&w)
	}
	deals := slices.Clone(b.deals)
	slices.SortFunc(deals, comparePending)
	w.Int(len(deals))
	for _, p := range deals {
		w.Int(int(p.k))
		w.String(p.seg)
		w.Bool(p.own)
		w.Int(int(p.place))
		w.Varint(p.at)
		w.Decimal(p.amount)
	}
	b.first.encode(&w)
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a forecast written by [ByPeriod.MarshalBinary],
// replacing b's contents, as [Pipeline.UnmarshalBinary] does.
func (b *ByPeriod) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, w, err := readTimedHeader(r, "forecast.byperiod", byPeriodVersion, b.w)
	if err != nil {
		return err
	}
	periods := r.Int()
	if r.Err() == nil && (periods < 1 || periods > MaxPeriods || !w.timing) {
		r.Fail("%d periods", periods)
	}
	if err := r.Err(); err != nil {
		return decodeErr(err)
	}
	if b.w != nil && (w.settings != b.w.settings || periods != b.periods) {
		return incompatible("decoding a forecast by period of other options")
	}
	out := newByPeriod(w, periods)
	unblob(r, &out.in)
	if err := readLearner(r, s, &out.l); err != nil {
		return err
	}
	n := r.Count(7)
	if r.Err() == nil && int64(n) > out.in.Counted() {
		r.Fail("%d open deals of %d", n, out.in.Counted())
	}
	out.deals = make([]pending, 0, n)
	for range n {
		p := pending{k: int32(r.Int()), seg: r.String(), own: r.Bool(), place: uint8(r.Int()), at: r.Varint(), amount: r.Decimal()}
		if r.Err() != nil {
			break
		}
		if int(p.k) >= s.Funnel().Len() || p.place > placeUntimed || p.amount.Sign() < 0 || (p.seg != "" && (p.own || w.segment == "")) ||
			(p.place == placeDated && (p.at < 0 || p.at > int64(periods))) || (p.place != placeDated && p.place != placeTimed && p.at != 0) ||
			(len(out.deals) > 0 && comparePending(out.deals[len(out.deals)-1], p) > 0) {
			r.Fail("bad open deal")
			break
		}
		out.deals = append(out.deals, p)
	}
	out.first.decode(r)
	if err := decoded(r, data, out); err != nil {
		return err
	}
	*b = *out
	return nil
}

type periodReportJSON struct {
	periodReportAlias
	AsOf *time.Time `json:"as_of"`
}

type periodReportAlias PeriodReport

// MarshalJSON encodes the report in the package's JSON style.
func (r PeriodReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(periodReportJSON{periodReportAlias(r), timePtr(r.AsOf)})
}

// UnmarshalJSON decodes a report written by [PeriodReport.MarshalJSON].
func (r *PeriodReport) UnmarshalJSON(b []byte) error {
	var o periodReportJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = PeriodReport(o.periodReportAlias)
	r.AsOf = timeOf(o.AsOf)
	return nil
}

type periodRowJSON struct {
	periodRowAlias
	Start *time.Time `json:"start"`
}

type periodRowAlias PeriodRow

// MarshalJSON encodes the row with its start as RFC 3339.
func (p PeriodRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(periodRowJSON{periodRowAlias(p), timePtr(p.Start)})
}

// UnmarshalJSON decodes a row written by [PeriodRow.MarshalJSON].
func (p *PeriodRow) UnmarshalJSON(b []byte) error {
	var o periodRowJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*p = PeriodRow(o.periodRowAlias)
	p.Start = timeOf(o.Start)
	return nil
}

// WriteText writes the expected revenue per period, then what is later,
// untimed or unweighted, and what was skipped.
func (r PeriodReport) WriteText(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("Expected revenue by %s (%s, %s probabilities)", r.Period, r.Location, r.Source)
	if !r.AsOf.IsZero() {
		ew.printf(" as of %s", r.AsOf.Format(time.RFC3339))
	}
	ew.printf("\n\n")
	tw := newTable(ew)
	fmt.Fprintln(tw, "period\tdated deals\texpected\t")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", r.Calendar.Label(r.Period, row.Start, row.Start.Location()), row.Dated, money(row.Expected))
	}
	fmt.Fprintf(tw, "later\t%d\t%s\t\n", r.LaterDated, money(r.Later))
	fmt.Fprintf(tw, "untimed\t%d\t%s\t\n", r.Untimed, money(r.UntimedExpected))
	fmt.Fprintf(tw, "total\t\t%s\t\n", money(r.Expected))
	_ = tw.Flush()
	ew.printf("%d deals spread by time to win, %d overdue (in the first period)", r.Spread, r.Overdue)
	if r.Unweighted > 0 {
		ew.printf(", %d without a probability (%s) left out", r.Unweighted, money(r.UnweightedAmount))
	}
	ew.printf("\n")
	writeInput(ew, r.Input)
	return ew.err
}
