package funnel

import (
	"encoding/json"
	"fmt"
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
	n    int64
	exp  int32 // common exponent of sum and ints
	sum  int64
	ints sampleSet

	big *moneyBig // non-nil once amounts no longer fit the int64 representation
}

// moneyBig holds the amounts of a MoneyStats as decimals.
type moneyBig struct {
	sum  decimal.Decimal
	vals []decimal.Decimal
}

// Add adds one amount.
func (m *MoneyStats) Add(d decimal.Decimal) {
	if m.big == nil {
		if c, ok := m.scaled(d); ok {
			if s, ok := add64(m.sum, c); ok {
				m.sum = s
				m.ints.add(c)
				m.n++
				return
			}
		}
		m.toBig()
	}
	m.big.sum = m.big.sum.Add(d)
	m.big.vals = append(m.big.vals, d)
	m.n++
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
	if !ok || !m.ints.scale(f) {
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
	m.big = &moneyBig{sum: decimal.New(m.sum, m.exp), vals: make([]decimal.Decimal, 0, m.ints.n+1)}
	for v := range m.ints.values() {
		m.big.vals = append(m.big.vals, decimal.New(v, m.exp))
	}
	m.ints = sampleSet{}
	m.sum, m.exp = 0, 0
}

// Merge adds every amount of o to m. o is not modified.
func (m *MoneyStats) Merge(o *MoneyStats) {
	if o.n == 0 {
		return
	}
	if o == m {
		c := m.clone()
		o = &c
	}
	if m.big == nil && o.big == nil && m.mergeInts(o) {
		return
	}
	m.toBig()
	m.big.sum = m.big.sum.Add(o.Sum())
	m.big.vals = o.appendDecimals(m.big.vals)
	m.n += o.n
}

// mergeInts merges o into m in the int64 representation and reports
// whether everything fitted; when it did not, m is unchanged but for a
// possibly lower common exponent.
func (m *MoneyStats) mergeInts(o *MoneyStats) bool {
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
	if f == 1 {
		m.ints.addAll(&o.ints)
	} else {
		for v := range o.ints.values() {
			if _, ok := mul64(v, f); !ok {
				return false
			}
		}
		for v := range o.ints.values() {
			m.ints.add(v * f)
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
	for v := range m.ints.values() {
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
	if m.big == nil {
		for j, p := range m.ints.percentiles(ks, new(selectScratch)) {
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
}

// Summary returns the count, total, mean, minimum, quartiles, 90th
// percentile and maximum (see [MoneyStats.Percentiles]).
func (m *MoneyStats) Summary() MoneySummary {
	s := MoneySummary{Count: m.n, Total: m.Sum()}
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
	o := moneySummaryJSON{Count: s.Count, Total: s.Total}
	if s.Count > 0 {
		o.Mean, o.Min, o.P25, o.Median, o.P75, o.P90, o.Max = &s.Mean, &s.Min, &s.P25, &s.Median, &s.P75, &s.P90, &s.Max
	}
	return json.Marshal(o)
}

// clone returns a deep copy of m.
func (m *MoneyStats) clone() MoneyStats {
	c := *m
	c.ints = m.ints.clone()
	if m.big != nil {
		c.big = &moneyBig{sum: m.big.sum, vals: slices.Clone(m.big.vals)}
	}
	return c
}

type moneySummaryJSON struct {
	Count  int64            `json:"count"`
	Total  decimal.Decimal  `json:"total"`
	Mean   *decimal.Decimal `json:"mean"`
	Min    *decimal.Decimal `json:"min"`
	P25    *decimal.Decimal `json:"p25"`
	Median *decimal.Decimal `json:"median"`
	P75    *decimal.Decimal `json:"p75"`
	P90    *decimal.Decimal `json:"p90"`
	Max    *decimal.Decimal `json:"max"`
}

// UnmarshalJSON decodes a summary written by [MoneySummary.MarshalJSON].
func (s *MoneySummary) UnmarshalJSON(b []byte) error {
	var o moneySummaryJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := MoneySummary{Count: o.Count, Total: o.Total}
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
