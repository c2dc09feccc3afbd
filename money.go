package funnel

import (
	"encoding/json"
	"fmt"
	"github.com/funnelmetrics/funnel/internal/sketch"
	"math"
	"math/big"
	"math/bits"
	"slices"

	"github.com/shopspring/decimal"
)

// MoneyStats accumulates amounts of money exactly: count, total, mean,
// median and percentiles. It keeps every amount (4 or 8 bytes each while
// amounts fit in 18 significant digits at a common scale, a decimal each
// otherwise), so its percentiles are exact and its merge is exact.
//
// The zero MoneyStats is empty and ready to use. A MoneyStats is not safe
// for concurrent mutation: give each goroutine its own and Merge them.
type MoneyStats struct {
	// what every amount added reads comes first, together
	n   int64
	sum int64
	exp int32 // common exponent of sum and ints
	// sumOnly keeps the count and sum only, for totals that need no
	// percentiles
	sumOnly bool

	big *moneyBig // non-nil once amounts no longer fit the int64 representation

	// skErr, when positive, keeps a quantile sketch of that relative
	// error instead of the amounts (sk, made on the first amount)
	skErr float64
	sk    *sketch.Sketch
	// kept holds the amounts, as coefficients at exp, once one is kept
	// (never for sumOnly): apart, so that a statistic of sums only is small
	// and the sums of a stage lie close together
	kept *sampleSet
}

// noSamples is the empty set that reads of a MoneyStats without kept
// amounts see; nothing writes it.
var noSamples sampleSet

// ints returns the kept amounts, for reading.
func (m *MoneyStats) ints() *sampleSet {
	if m.kept == nil {
		return &noSamples
	}
	return m.kept
}

// keep returns the kept amounts, for adding to, made when there are none.
func (m *MoneyStats) keep() *sampleSet {
	if m.kept == nil {
		m.kept = new(sampleSet)
	}
	return m.kept
}

// moneyBig holds the amounts of a MoneyStats as decimals.
type moneyBig struct {
	sum  decimal.Decimal
	vals []decimal.Decimal
}

// Add adds one amount.
func (m *MoneyStats) Add(d decimal.Decimal) {
	if m.skErr > 0 {
		m.sketch().Add(d.InexactFloat64()) // finite: decimals are
	}
	keep := m.skErr == 0 && !m.sumOnly
	if m.big == nil {
		if c, ok := m.scaled(d); ok {
			if s, ok := add64(m.sum, c); ok {
				m.sum = s
				if keep {
					m.keep().add(c)
				}
				m.n++
				return
			}
		}
		m.toBig()
	}
	m.big.sum = m.big.sum.Add(d)
	if keep {
		m.big.vals = append(m.big.vals, d)
	}
	m.n++
}

// addAmount adds d, whose coefficient and exponent a holds: Add, without
// reading them again in the common case of an amount at m's exponent.
func (m *MoneyStats) addAmount(a *scaledAmount, d *decimal.Decimal) {
	if a.ok && m.skErr == 0 && m.big == nil && (m.exp == a.e || m.n == 0) {
		// addScaled, in place
		if s, ok := add64(m.sum, a.c); ok {
			m.exp, m.sum = a.e, s
			if !m.sumOnly {
				m.keep().add(a.c)
			}
			m.n++
			return
		}
	}
	m.Add(*d)
}

// sketch returns m's sketch, making it on first use.
func (m *MoneyStats) sketch() *sketch.Sketch {
	if m.sk == nil {
		m.sk, _ = sketch.New(m.skErr, sketch.DefaultMaxBuckets) // skErr was checked by NewScan
	}
	return m.sk
}

// scaled returns d's coefficient at m's common exponent, lowering the
// exponent (and rescaling what m holds) when d has more decimal places. It
// reports false when the value does not fit.
func (m *MoneyStats) scaled(d decimal.Decimal) (int64, bool) {
	if d.NumDigits() > 18 {
		return 0, false
	}
	c, e := d.CoefficientInt64(), d.Exponent()
	if m.n == 0 {
		m.exp = e
		return c, true
	}
	if e < m.exp {
		if !m.rescale(e) {
			return 0, false
		}
	}
	if e > m.exp {
		diff := e - m.exp
		if diff > 18 {
			return 0, false
		}
		return mul64(c, pow10[diff])
	}
	return c, true
}

// rescale lowers the common exponent to e.
func (m *MoneyStats) rescale(e int32) bool {
	diff := m.exp - e
	if diff > 18 {
		return false
	}
	f := pow10[diff]
	s, ok := mul64(m.sum, f)
	if !ok || (m.kept != nil && !m.kept.scale(f)) {
		return false
	}
	m.sum, m.exp = s, e
	return true
}

// toBig switches m to the decimal representation.
func (m *MoneyStats) toBig() {
	if m.big != nil {
		return
	}
	m.big = &moneyBig{sum: decimal.New(m.sum, m.exp), vals: make([]decimal.Decimal, 0, m.ints().n+1)}
	for v := range m.ints().values() {
		m.big.vals = append(m.big.vals, decimal.New(v, m.exp))
	}
	m.kept = nil
	m.sum, m.exp = 0, 0
}

// Merge adds every amount of o to m. o is not modified. A nil o adds
// nothing, and merging into a nil m does nothing.
func (m *MoneyStats) Merge(o *MoneyStats) { m.merge(o, false) }

// merge is Merge; with take, o's integer amounts may be moved into m
// rather than copied, leaving o holding none of them (for a statistic
// about to be dropped).
func (m *MoneyStats) merge(o *MoneyStats, take bool) {
	if m == nil || o == nil || o.n == 0 {
		return
	}
	if o == m {
		c := m.clone()
		o = &c
	}
	if m.skErr > 0 || o.skErr > 0 {
		m.mergeSketch(o)
		return
	}
	if m.big == nil && o.big == nil && m.mergeInts(o, take) {
		return
	}
	m.toBig()
	m.big.sum = m.big.sum.Add(o.Sum())
	m.big.vals = o.appendDecimals(m.big.vals)
	m.n += o.n
}

// mergeSketch merges o into m when either keeps a sketch: m keeps (or
// turns into) a sketch, with o's amounts added to it when o kept them.
func (m *MoneyStats) mergeSketch(o *MoneyStats) {
	if m.skErr == 0 {
		// m turns into a sketch of o's accuracy
		vals := m.appendDecimals(nil)
		*m = MoneyStats{skErr: o.skErr}
		for _, v := range vals {
			m.Add(v)
		}
	}
	if o.skErr == 0 {
		for _, v := range o.appendDecimals(nil) {
			m.Add(v)
		}
		return
	}
	if o.sk != nil {
		// one accuracy per scan: the sketches of a tally's statistics are
		// always compatible
		_ = m.sketch().Merge(o.sk)
	}
	sum := m.Sum().Add(o.Sum())
	n := m.n + o.n
	m.setSum(sum)
	m.n = n
}

// setSum sets the exact sum of a sketched statistic.
func (m *MoneyStats) setSum(d decimal.Decimal) {
	m.big = nil
	m.sum, m.exp = 0, 0
	if d.NumDigits() <= 18 {
		m.sum, m.exp = d.CoefficientInt64(), d.Exponent()
		return
	}
	m.big = &moneyBig{sum: d}
}

// mergeInts merges o into m in the int64 representation and reports
// whether everything fitted; when it did not, m is unchanged but for a
// possibly lower common exponent.
func (m *MoneyStats) mergeInts(o *MoneyStats, take bool) bool {
	if m.n == 0 {
		m.exp = o.exp
	}
	if o.exp < m.exp && !m.rescale(o.exp) {
		return false
	}
	diff := o.exp - m.exp
	if diff > 18 {
		return false
	}
	f := pow10[diff]
	s, ok := mul64(o.sum, f)
	if !ok {
		return false
	}
	t, ok := add64(m.sum, s)
	if !ok {
		return false
	}
	switch {
	case o.kept == nil || o.kept.n == 0:
	case f == 1 && take && m.kept == nil:
		m.kept, o.kept = o.kept, nil
	case f == 1 && take:
		m.kept.take(o.kept)
	case f == 1:
		m.keep().addAll(o.kept)
	default:
		for v := range o.kept.values() {
			if _, ok := mul64(v, f); !ok {
				return false
			}
		}
		for v := range o.kept.values() {
			m.keep().add(v * f)
		}
	}
	m.sum = t
	m.n += o.n
	return true
}

func (m *MoneyStats) appendDecimals(dst []decimal.Decimal) []decimal.Decimal {
	if m.big != nil {
		return append(dst, m.big.vals...)
	}
	for v := range m.ints().values() {
		dst = append(dst, decimal.New(v, m.exp))
	}
	return dst
}

// Count returns the number of amounts added.
func (m *MoneyStats) Count() int64 { return m.n }

// Sum returns the exact total of the amounts; 0 when empty.
func (m *MoneyStats) Sum() decimal.Decimal {
	if m.big != nil {
		return m.big.sum
	}
	return decimal.New(m.sum, m.exp)
}

// Mean returns Sum / Count rounded half away from zero to 10 decimal
// places, and false when there are no amounts.
func (m *MoneyStats) Mean() (decimal.Decimal, bool) {
	if m.n == 0 {
		return decimal.Decimal{}, false
	}
	return m.Sum().DivRound(decimal.NewFromInt(m.n), divScale), true
}

// Percentiles returns the k-th percentiles (k in 0..100) of the amounts, in
// the order asked, exactly, by linear interpolation between closest ranks:
// with the n amounts sorted as x[0..n-1] and h = (n-1)k/100, the value is
// x[floor h] + (h - floor h)(x[floor h+1] - x[floor h]). This is
// PERCENTILE.INC in spreadsheets and numpy's default method; the 50th
// percentile is the median (the mean of the two middle values for even n).
// It returns false when there are no amounts, and panics if a k is outside
// 0..100. Percentiles reorders m's stored amounts (not their values).
func (m *MoneyStats) Percentiles(ks ...int) ([]decimal.Decimal, bool) {
	checkPercentiles(ks)
	if m.n == 0 {
		return nil, false
	}
	out := make([]decimal.Decimal, len(ks))
	if m.sk != nil {
		for j, k := range ks {
			q, _ := m.sk.Quantile(float64(k) / 100)
			out[j] = decimal.NewFromFloat(q)
		}
		return out, true
	}
	if m.big == nil {
		for j, p := range m.ints().percentiles(ks, new(selectScratch)) {
			lo := decimal.New(p.lo, m.exp)
			if p.frac > 0 {
				lo = lo.Add(decimal.New(p.hi, m.exp).Sub(lo).Mul(decimal.New(p.frac, -2)))
			}
			out[j] = lo
		}
		return out, true
	}
	d := m.appendDecimals(nil)
	slices.SortFunc(d, decimal.Decimal.Cmp)
	for j, k := range ks {
		i, frac := percentileRanks(len(d), k)
		v := d[i]
		if frac > 0 {
			v = v.Add(d[i+1].Sub(v).Mul(decimal.New(int64(frac), -2)))
		}
		out[j] = v
	}
	return out, true
}

func checkPercentiles(ks []int) {
	for _, k := range ks {
		if k < 0 || k > 100 {
			panic("funnel: percentile outside 0..100")
		}
	}
}

// MoneySummary is a snapshot of a [MoneyStats]: count, total and the usual
// statistics. When Count is 0 the statistics are undefined: they hold zero
// and marshal to JSON as null.
type MoneySummary struct {
	Count  int64
	Total  decimal.Decimal
	Mean   decimal.Decimal // Total / Count, rounded half away from zero to 10 places
	Min    decimal.Decimal
	P25    decimal.Decimal
	Median decimal.Decimal
	P75    decimal.Decimal
	P90    decimal.Decimal
	Max    decimal.Decimal
	// RelativeError is zero when the percentiles are exact; otherwise they
	// come from a quantile sketch (Options.QuantileError) and each is
	// within this relative error of the exact value (see Options).
	RelativeError float64
}

// Summary returns the count, total, mean, minimum, quartiles, 90th
// percentile and maximum (see [MoneyStats.Percentiles]).
func (m *MoneyStats) Summary() MoneySummary {
	s := MoneySummary{Count: m.n, Total: m.Sum(), RelativeError: m.skErr}
	if m.n == 0 {
		return s
	}
	s.Mean, _ = m.Mean()
	p, _ := m.Percentiles(0, 25, 50, 75, 90, 100)
	s.Min, s.P25, s.Median, s.P75, s.P90, s.Max = p[0], p[1], p[2], p[3], p[4], p[5]
	return s
}

// MarshalJSON encodes the summary with lower-case keys and decimal strings;
// the statistics are null when Count is 0.
func (s MoneySummary) MarshalJSON() ([]byte, error) {
	o := moneySummaryJSON{Count: s.Count, Total: s.Total, Method: quantileMethod(s.RelativeError), RelativeError: s.RelativeError}
	if s.Count > 0 {
		o.Mean, o.Min, o.P25, o.Median, o.P75, o.P90, o.Max = &s.Mean, &s.Min, &s.P25, &s.Median, &s.P75, &s.P90, &s.Max
	}
	return json.Marshal(o)
}

// clone returns a deep copy of m.
func (m *MoneyStats) clone() MoneyStats {
	c := *m
	if m.kept != nil {
		k := m.kept.clone()
		c.kept = &k
	}
	if m.sk != nil {
		c.sk = m.sk.Clone()
	}
	if m.big != nil {
		c.big = &moneyBig{sum: m.big.sum, vals: slices.Clone(m.big.vals)}
	}
	return c
}

type moneySummaryJSON struct {
	Count         int64            `json:"count"`
	Method        string           `json:"quantiles"`
	RelativeError float64          `json:"relative_error"`
	Total         decimal.Decimal  `json:"total"`
	Mean          *decimal.Decimal `json:"mean"`
	Min           *decimal.Decimal `json:"min"`
	P25           *decimal.Decimal `json:"p25"`
	Median        *decimal.Decimal `json:"median"`
	P75           *decimal.Decimal `json:"p75"`
	P90           *decimal.Decimal `json:"p90"`
	Max           *decimal.Decimal `json:"max"`
}

// UnmarshalJSON decodes a summary written by [MoneySummary.MarshalJSON].
func (s *MoneySummary) UnmarshalJSON(b []byte) error {
	var o moneySummaryJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := MoneySummary{Count: o.Count, Total: o.Total, RelativeError: o.RelativeError}
	if o.Count > 0 {
		for _, f := range []struct {
			dst *decimal.Decimal
			src *decimal.Decimal
		}{{&out.Mean, o.Mean}, {&out.Min, o.Min}, {&out.P25, o.P25}, {&out.Median, o.Median}, {&out.P75, o.P75}, {&out.P90, o.P90}, {&out.Max, o.Max}} {
			if f.src == nil {
				return fmt.Errorf("funnel: money summary of %d values without a figure: %w", o.Count, ErrInvalidParam)
			}
			*f.dst = *f.src
		}
	}
	*s = out
	return nil
}

// quantileMethod names how percentiles were computed.
func quantileMethod(relErr float64) string {
	if relErr > 0 {
		return "sketch"
	}
	return "exact"
}

// sumSquares returns the sum of the squares of the kept amounts, as a
// float64 (for variances), or 0 when the amounts are not kept. The sum is
// exact before the one rounding to float64, so that it does not depend on
// the order the amounts were added in.
func (m *MoneyStats) sumSquares() float64 {
	if m.big != nil {
		sum := new(big.Int)
		exp := int32(math.MaxInt32)
		for _, v := range m.big.vals {
			exp = min(exp, v.Exponent())
		}
		var c big.Int
		for _, v := range m.big.vals {
			c.Set(v.Shift(-exp).BigInt())
			sum.Add(sum, c.Mul(&c, &c))
		}
		f, _ := new(big.Float).SetInt(sum).Float64()
		return f * math.Pow(10, 2*float64(exp))
	}
	var hi, lo uint64
	var over *big.Int // the part above 128 bits, once it is needed
	for v := range m.ints().values() {
		a := uint64(v)
		if v < 0 {
			a = uint64(-v)
		}
		h, l := bits.Mul64(a, a)
		var carry uint64
		lo, carry = bits.Add64(lo, l, 0)
		hi, carry = bits.Add64(hi, h, carry)
		if carry != 0 {
			if over == nil {
				over = new(big.Int)
			}
			over.Add(over, big.NewInt(1))
		}
	}
	sum := new(big.Int).SetUint64(hi)
	sum.Lsh(sum, 64).Or(sum, new(big.Int).SetUint64(lo))
	if over != nil {
		sum.Add(sum, over.Lsh(over, 128))
	}
	f, _ := new(big.Float).SetInt(sum).Float64()
	return f * math.Pow(10, 2*float64(m.exp))
}
