package clv

import (
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// A LogSummary says what a log held when a result was computed: its
// customers and transactions and, for a [DealLog], the currency of its
// amounts and the won deals it could not use.
type LogSummary struct {
	Customers    int64 `json:"customers"`
	Transactions int64 `json:"transactions"`
	// Currency is the scan's currency code for a log of deals ("" for a
	// log of transactions, or deals without a code).
	Currency string `json:"currency"`
	// WonNoAccount counts won deals left out of the log because they have
	// no Account, and WonUndated those left out because they have no close
	// time (accepted by the scan under Options.UndatedClose), and
	// WonOutOfRange those whose amount's exponent is beyond
	// [MaxAmountExponent]. For a log of deals, Transactions + WonNoAccount
	// + WonUndated + WonOutOfRange is the number of won deals counted.
	WonNoAccount  int64 `json:"won_no_account"`
	WonUndated    int64 `json:"won_undated"`
	WonOutOfRange int64 `json:"won_out_of_range"`
}

// A Historical is the historical customer lifetime value of every
// customer of a log: what each has paid so far and the margin on it
// (historical CLV is the sum of past revenue, or of past gross margin:
// Gupta & Lehmann 2003, "Customers as Assets", J. Interactive Marketing
// 17(1), contrast it with the predictive CLV of the models in this
// package).
type Historical struct {
	// Input says what deals the log was built from (zero for a log of
	// transactions).
	Input funnel.Input `json:"input"`
	Log   LogSummary   `json:"log"`
	// MarginRate is the margin rate applied, in [0, 1].
	MarginRate decimal.Decimal `json:"margin_rate"`
	// Revenue and Margin are the totals over all customers.
	Revenue decimal.Decimal `json:"revenue"`
	Margin  decimal.Decimal `json:"margin"`
	// Customers has one row per customer, in ascending order of ID.
	Customers []CustomerValue `json:"customers"`
}

// A CustomerValue is the historical CLV of one customer: Revenue = the sum
// of the customer's amounts, Margin = Revenue x margin rate, both exact.
// Purchases counts transactions, not days. First and Last are the times of
// the first and the last transaction, in the log's zone.
type CustomerValue struct {
	ID        string          `json:"id"`
	Purchases int64           `json:"purchases"`
	Revenue   decimal.Decimal `json:"revenue"`
	Margin    decimal.Decimal `json:"margin"`
	First     time.Time       `json:"first"`
	Last      time.Time       `json:"last"`
}

// Historical returns the historical CLV of every customer: Revenue = sum
// of amounts, Margin = Revenue x marginRate; pass a margin rate of 1 for
// revenue. It reads each transaction once and sorts only the customers,
// never their transactions. It returns an error wrapping
// [funnel.ErrInvalidParam] if marginRate is outside [0, 1].
func (l *Log) Historical(marginRate decimal.Decimal) (Historical, error) {
	return l.historical(marginRate, funnel.Input{}, LogSummary{})
}

func (l *Log) historical(marginRate decimal.Decimal, in funnel.Input, sum LogSummary) (Historical, error) {
	if marginRate.IsNegative() || marginRate.GreaterThan(decimal.NewFromInt(1)) {
		return Historical{}, fmt.Errorf("clv: margin rate %s must be in [0, 1]: %w", marginRate, funnel.ErrInvalidParam)
	}
	type acc struct {
		n           int64
		first, last instant
		sum         exactSum
	}
	accs := make([]acc, len(l.names))
	var cols txnCols
	for k := range len(l.txns.blocks) + 1 {
		l.txns.read(k, &cols)
		custs := cols.cust
		secs, nsecs, amts, exps := cols.sec[:len(custs)], cols.nsec[:len(custs)], cols.amt[:len(custs)], cols.exp[:len(custs)]
		for j, cust := range custs {
			t := txn{sec: secs[j], nsec: int32(nsecs[j]), amt: amts[j], exp: int32(exps[j])}
			a := &accs[cust]
			at := instant{t.sec, t.nsec}
			if a.n == 0 || at.before(a.first) {
				a.first = at
			}
			if a.n == 0 || a.last.before(at) {
				a.last = at
			}
			a.n++
			if s := &a.sum; !s.isBig && t.exp == s.e {
				// the commonest case, the amount at the sum's exponent,
				// without a call
				if sum, ok := add64(s.v, t.amt); ok {
					s.v = sum
					continue
				}
			}
			a.sum.add(l, &t)
		}
	}
	whole := marginRate.Exponent() == 0 && marginRate.Equal(decimal.NewFromInt(1)) // 1 exactly: x 1 keeps the exponent
	margin := func(rev decimal.Decimal) decimal.Decimal {
		if whole {
			return rev // revenue itself: no product to compute
		}
		return rev.Mul(marginRate)
	}
	loc := l.location()
	h := Historical{Input: in, Log: l.summary(sum), MarginRate: marginRate, Customers: make([]CustomerValue, 0, len(l.names))}
	var total exactSum
	for _, c := range l.sortedNames() {
		a := &accs[c]
		rev := a.sum.value()
		total.addDecimalFast(rev)
		h.Customers = append(h.Customers, CustomerValue{
			ID: l.names[c], Purchases: a.n, Revenue: rev, Margin: margin(rev),
			First: a.first.time(loc), Last: a.last.time(loc),
		})
	}
	h.Revenue = total.value()
	h.Margin = margin(h.Revenue)
	return h, nil
}

// summary fills the counts of what l holds into s.
func (l *Log) summary(s LogSummary) LogSummary {
	s.Customers, s.Transactions = int64(len(l.names)), int64(l.txns.len())
	return s
}

func (a instant) time(loc *time.Location) time.Time {
	return time.Unix(a.sec, int64(a.nsec)).In(loc)
}

// addDecimalFast adds a decimal, on the int64 path when it fits.
func (s *exactSum) addDecimalFast(d decimal.Decimal) {
	if d.NumDigits() <= 18 && d.Exponent() != bigExp {
		t := txn{amt: d.CoefficientInt64(), exp: d.Exponent()}
		s.add(nil, &t)
		return
	}
	s.addDecimal(d)
}

// Summary returns the distribution of the customers' historical values
// (their Revenue) as a [funnel.MoneySummary]: Count customers, Total the
// revenue of all, Mean = Total / Count (rounded half away from zero to 10
// places), minimum, quartiles, 90th percentile and maximum, exact, by
// linear interpolation between closest ranks (PERCENTILE.INC, numpy's
// default; the median of an even count is the mean of the two middle
// values). With no customers the statistics are undefined (see
// MoneySummary).
func (h *Historical) Summary() funnel.MoneySummary {
	var m funnel.MoneyStats
	for i := range h.Customers {
		m.Add(h.Customers[i].Revenue)
	}
	return m.Summary()
}

// Top returns the n customers of the highest Revenue, highest first, ties
// by ascending ID (all customers when there are fewer than n). It reads
// the customers once and sorts only the n kept.
func (h *Historical) Top(n int) []CustomerValue {
	if n <= 0 {
		return []CustomerValue{}
	}
	before := func(a, b *CustomerValue) bool { // a ranks above b
		if c := a.Revenue.Cmp(b.Revenue); c != 0 {
			return c > 0
		}
		return a.ID < b.ID
	}
	top := make([]CustomerValue, 0, min(n, len(h.Customers))+1)
	for i := range h.Customers {
		c := &h.Customers[i]
		if len(top) == n && !before(c, &top[n-1]) {
			continue
		}
		j, _ := slices.BinarySearchFunc(top, c, func(t CustomerValue, c *CustomerValue) int {
			if before(&t, c) {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, j, *c)
		if len(top) > n {
			top = top[:n]
		}
	}
	return top
}
