package clv

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/radix"
	"github.com/shopspring/decimal"
)

// A Transaction is one purchase by one customer (or one account, for B2B):
// who bought, when, and for how much. The amounts of one log share one
// currency.
type Transaction struct {
	Customer string          `json:"customer"`
	Time     time.Time       `json:"time"`
	Amount   decimal.Decimal `json:"amount"`
}

// MaxAmountExponent bounds the decimal exponent of an amount: a
// transaction whose amount has an exponent outside [-MaxAmountExponent,
// MaxAmountExponent] (such as 1e-1000000, whose sums would take unbounded
// time and memory) is refused.
const MaxAmountExponent = 64

// A TransactionError reports a transaction that a [Log] refused. Err is
// [funnel.ErrInvalidParam] (empty customer, zero time, an amount's exponent
// out of range) or [funnel.ErrNegativeAmount].
type TransactionError struct {
	// Index is the record's 0-based position in the sequence given to
	// [LogOf]; for [Log.Add] it is the number of transactions the log held
	// before the call.
	Index    int
	Customer string // the record's customer, possibly empty
	Field    string // "Customer", "Time" or "Amount"
	Err      error
}

// Error implements the error interface.
func (e *TransactionError) Error() string {
	return fmt.Sprintf("clv: transaction %d (customer %q): field %s: %v", e.Index, e.Customer, e.Field, e.Err)
}

// Unwrap returns the kind of error, for [errors.Is].
func (e *TransactionError) Unwrap() error { return e.Err }

// LogOptions configure a [Log] of transactions. The zero LogOptions give
// calendar days and periods in UTC and 95% intervals.
type LogOptions struct {
	// Location is the time zone of calendar days (RFM summaries) and
	// periods (cohorts), and of the times in results. Nil means UTC.
	Location *time.Location
	// Calendar counts the months, quarters and years of cohorts,
	// retention and tracking: calendar years (the zero Calendar), a fiscal
	// year starting in any month, or 4-4-5 weeks (see [funnel.Calendar]).
	Calendar funnel.Calendar
	// Confidence is the level of the intervals of cohort rates; zero
	// means 0.95, a value outside (0, 1) is an error.
	Confidence funnel.Confidence
}

// A Log accumulates transactions per customer: the input of historical
// CLV ([Log.Historical]), cohort curves and retention ([Log.Cohorts]) and
// the RFM summary the models are fitted to ([Log.RFM]). Merging logs built
// from any split of the records gives the same results, and the same
// binary encoding, as one log built from all of them.
//
// The zero Log is empty and ready to use, with the zero [LogOptions]. A
// Log keeps every transaction (about 12 bytes each for a log of dates and
// amounts at one exponent, at most 32, plus the customer names and their
// index: a map entry a name, or, for names that are small decimal
// numbers such as 1 to 200000, a slot of 4 bytes for each number up to
// the largest, at most twice over); it is not safe for concurrent
// mutation: give each goroutine its own and
// combine them with [Log.Merge]. A log built from won deals is a
// [DealLog].
type Log struct {
	loc   *time.Location // nil: UTC
	cal   funnel.Calendar
	level float64 // 0: 0.95

	index  map[string]int32 // the customers' indexes, but those in dense
	dense  []int32          // 1 + the index of the customer named by each small number, or 0
	sparse int              // the customers named by numbers in index
	names  []string
	txns   txnStore
	bigs   []decimal.Decimal // amounts that do not fit a txn's int64
	last   int32             // the customer of the last transaction added, if any
}

// txn is one transaction as a log holds it (in a txnStore): its instant
// and its amount, as an int64 coefficient and exponent, or (exp == bigExp)
// an index into Log.bigs.
type txn struct {
	sec  int64
	amt  int64
	nsec int32
	cust int32
	exp  int32
}

const bigExp = math.MinInt32

// NewLog returns an empty log with the options. It returns an error
// wrapping [funnel.ErrInvalidParam] for a confidence outside (0, 1) or an
// invalid calendar.
func NewLog(o LogOptions) (*Log, error) {
	if err := o.Calendar.Validate(); err != nil {
		return nil, err
	}
	l := &Log{loc: o.Location, cal: o.Calendar}
	if o.Confidence != 0 {
		level, err := o.Confidence.Level()
		if err != nil {
			return nil, err
		}
		l.level = level
	}
	return l, nil
}

// LogOf collects a sequence of transactions into a new log with the zero
// [LogOptions]. It stops at the first bad record and returns a
// [*TransactionError] naming its position in the sequence; a nil sequence
// is an error wrapping [funnel.ErrInvalidParam].
func LogOf(txs iter.Seq[Transaction]) (*Log, error) {
	if txs == nil {
		return nil, fmt.Errorf("clv: nil transaction sequence: %w", funnel.ErrInvalidParam)
	}
	l := &Log{}
	i := 0
	for t := range txs {
		if err := l.check(t, i); err != nil {
			return nil, err
		}
		l.add(t.Customer, t.Time, t.Amount)
		i++
	}
	return l, nil
}

func (l *Log) location() *time.Location { return cmp.Or(l.loc, time.UTC) }

// confidence returns the log's level by the library's one rule
// ([funnel.Confidence]: zero is the default level); a level NewLog or the
// decoder would refuse counts as the default too.
func (l *Log) confidence() float64 {
	level, err := funnel.Confidence(l.level).Level()
	if err != nil {
		level, _ = funnel.Confidence(0).Level()
	}
	return level
}

// check validates one transaction.
func (l *Log) check(t Transaction, idx int) error {
	return checkTxn(idx, t.Customer, t.Time, t.Amount.IsNegative(), amountInRange(t.Amount))
}

// checkTxn validates the transaction at index idx of the customer at
// time at, of an amount below zero (negative) or not, with an exponent
// in [MaxAmountExponent]'s range (inRange) or not.
func checkTxn(idx int, customer string, at time.Time, negative, inRange bool) error {
	switch {
	case customer == "":
		return &TransactionError{Index: idx, Customer: customer, Field: "Customer", Err: funnel.ErrInvalidParam}
	case at.IsZero():
		return &TransactionError{Index: idx, Customer: customer, Field: "Time", Err: funnel.ErrInvalidParam}
	case negative:
		return &TransactionError{Index: idx, Customer: customer, Field: "Amount", Err: funnel.ErrNegativeAmount}
	case !inRange:
		return &TransactionError{Index: idx, Customer: customer, Field: "Amount", Err: funnel.ErrInvalidParam}
	}
	return nil
}

// Add adds one transaction. It returns a [*TransactionError] wrapping
// [funnel.ErrInvalidParam] for an empty customer, a zero time or an
// amount's exponent beyond [MaxAmountExponent], or
// wrapping [funnel.ErrNegativeAmount] for an amount below zero; the log is
// then unchanged.
func (l *Log) Add(t Transaction) error {
	if err := l.check(t, l.txns.len()); err != nil {
		return err
	}
	l.add(t.Customer, t.Time, t.Amount)
	return nil
}

// AddScaled adds one transaction of amount coef x 10^exp, the amount
// [Log.Add] would add for decimal.New(coef, exp), without making that
// decimal: for amounts held as integers of minor units (cents: exp -2) or
// parsed as such. It returns the errors Add returns: a [*TransactionError]
// wrapping [funnel.ErrInvalidParam] for an empty customer, a zero time or
// an exp beyond [MaxAmountExponent], or wrapping [funnel.ErrNegativeAmount]
// for coef below zero; the log is then unchanged.
func (l *Log) AddScaled(customer string, at time.Time, coef int64, exp int32) error {
	if err := checkTxn(l.txns.len(), customer, at, coef < 0, expInRange(exp)); err != nil {
		return err
	}
	if coef >= maxCoef {
		// more than 18 digits: kept as a decimal, as Add keeps it
		l.add(customer, at, decimal.New(coef, exp))
		return nil
	}
	t := txn{sec: at.Unix(), nsec: int32(at.Nanosecond()), cust: l.customer(customer), amt: coef, exp: exp}
	l.txns.add(t)
	return nil
}

// maxCoef is the least coefficient of 19 digits: a log keeps the amounts
// of smaller ones as int64s.
const maxCoef = 1_000_000_000_000_000_000

// add appends a validated transaction.
func (l *Log) add(customer string, at time.Time, amt decimal.Decimal) {
	t := txn{sec: at.Unix(), nsec: int32(at.Nanosecond()), cust: l.customer(customer)}
	t.amt, t.exp = l.amount(amt)
	l.txns.add(t)
}

// customer returns the index of a customer, adding it if it is new.
func (l *Log) customer(customer string) int32 {
	// logs list a customer's transactions together more often than not:
	// the last customer is found without a look-up
	if len(l.names) > 0 && l.names[l.last] == customer {
		return l.last
	}
	c, ok := l.find(customer)
	if !ok {
		c = l.insert(customer)
	}
	l.last = c
	return c
}

// find returns the index of a customer, or false if the log has none of
// that name. A customer named by a small decimal integer (IDs numbered
// from 1, the commonest kind) is found in l.dense, by its number, without
// hashing the name; the others in l.index.
func (l *Log) find(customer string) (int32, bool) {
	if v, ok := denseNumber(customer); ok {
		if v < len(l.dense) && l.dense[v] != 0 {
			return l.dense[v] - 1, true
		}
		if l.sparse == 0 {
			return 0, false // no number is in l.index
		}
	}
	c, ok := l.index[customer]
	return c, ok
}

// insert adds a customer the log does not have and returns its index.
// A number joins l.dense when it is below its length, or below
// denseRoom(the customers held), a bound that keeps l.dense within a few
// int32s a customer; other numbers, counted in l.sparse, and other names
// join l.index.
func (l *Log) insert(customer string) int32 {
	c := int32(len(l.names))
	l.names = append(l.names, customer)
	if v, ok := denseNumber(customer); ok && (v < len(l.dense) || v < denseRoom(len(l.names))) {
		if v >= len(l.dense) {
			l.dense = slices.Grow(l.dense, max(v+1, 2*len(l.dense))-len(l.dense))
			l.dense = l.dense[:cap(l.dense)]
		}
		l.dense[v] = c + 1
		return c
	} else if ok {
		l.sparse++
	}
	if l.index == nil {
		l.index = make(map[string]int32)
	}
	l.index[customer] = c
	return c
}

// denseRoom is the length l.dense may grow to for a log of n customers.
func denseRoom(n int) int { return 8*n + 1<<16 }

// denseNumber returns the number a customer's name writes in decimal, if
// it is one written as strconv.Itoa writes it (no sign, no leading zero)
// of at most 9 digits: a name that another name of the same number cannot
// be.
func denseNumber(name string) (int, bool) {
	if len(name) == 0 || len(name) > 9 || (name[0] == '0' && len(name) > 1) {
		return 0, false
	}
	v := 0
	for i := range len(name) {
		d := name[i] - '0'
		if d > 9 {
			return 0, false
		}
		v = v*10 + int(d)
	}
	return v, true
}

func amountInRange(d decimal.Decimal) bool { return expInRange(d.Exponent()) }

// expInRange reports whether an amount's exponent e is within
// ±[MaxAmountExponent].
func expInRange(e int32) bool { return e >= -MaxAmountExponent && e <= MaxAmountExponent }

// amount stores a decimal as an int64 coefficient and exponent, or in
// l.bigs when it has more than 18 digits.
func (l *Log) amount(d decimal.Decimal) (int64, int32) {
	if d.NumDigits() <= 18 && d.Exponent() != bigExp {
		return d.CoefficientInt64(), d.Exponent()
	}
	l.bigs = append(l.bigs, d)
	return int64(len(l.bigs) - 1), bigExp
}

// decimalOf returns a stored amount as a decimal.
func (l *Log) decimalOf(t *txn) decimal.Decimal {
	if t.exp == bigExp {
		return l.bigs[t.amt]
	}
	return decimal.New(t.amt, t.exp)
}

// Merge adds every transaction of o to l. o is not modified. It returns an
// error wrapping [funnel.ErrInvalidParam] when o is nil or l itself, and
// one wrapping [funnel.ErrIncompatible] when the logs' options differ
// (zone, calendar or confidence).
func (l *Log) Merge(o *Log) error {
	if o == nil || l == nil || o == l {
		return fmt.Errorf("clv: merging a nil log or a log into itself: %w", funnel.ErrInvalidParam)
	}
	if !sameLocation(l.location(), o.location()) || !l.cal.Equal(o.cal) || l.confidence() != o.confidence() {
		return fmt.Errorf("clv: merging logs with other options: %w", funnel.ErrIncompatible)
	}
	l.merge(o)
	return nil
}

// merge appends o's transactions, mapping its customers to l's.
func (l *Log) merge(o *Log) {
	if o.txns.len() == 0 {
		return
	}
	remap := make([]int32, len(o.names))
	for i, name := range o.names {
		c, ok := l.find(name)
		if !ok {
			c = l.insert(name)
		}
		remap[i] = c
	}
	for i := range o.txns.len() {
		t := o.txns.at(i)
		t.cust = remap[t.cust]
		if t.exp == bigExp {
			l.bigs = append(l.bigs, o.bigs[t.amt])
			t.amt = int64(len(l.bigs) - 1)
		}
		l.txns.add(t)
	}
}

// Len returns the number of distinct customers.
func (l *Log) Len() int { return len(l.names) }

// Count returns the number of transactions.
func (l *Log) Count() int { return l.txns.len() }

// byCustomer returns the log's transactions grouped by customer: the
// transactions of customer index c are order[start[c]:start[c+1]], in the
// order they were added. It is a counting sort, in linear time; the
// analyses do not depend on the order within a customer.
func (l *Log) byCustomer() (order []int32, start []int32) {
	n := len(l.names)
	start = make([]int32, n+1)
	for i := range l.txns.len() {
		start[l.txns.cust(i)+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	order = make([]int32, l.txns.len())
	next := slices.Clone(start[:n])
	for i := range l.txns.len() {
		c := l.txns.cust(i)
		order[next[c]] = int32(i)
		next[c]++
	}
	return order, start
}

// sortedNames returns the customer indices in ascending order of name.
//
// The names are sorted by their first 8 bytes read as a big-endian number
// (shorter names padded with zero bytes), which orders them as their
// bytes do, and by the whole names only where those prefixes tie: most
// comparisons are then of two integers held side by side, not of two
// strings held elsewhere. Many names are sorted by those prefixes with a
// radix sort ([radix.SortKeyed]), then the runs of a tied prefix by
// comparison.
func (l *Log) sortedNames() []int32 {
	keys := make([]radix.Keyed, len(l.names))
	for i, name := range l.names {
		var p uint64
		for j := range 8 {
			p <<= 8
			if j < len(name) {
				p |= uint64(name[j])
			}
		}
		keys[i] = radix.Keyed{Key: p, I: int32(i)}
	}
	byName := func(a, b radix.Keyed) int {
		if a.Key != b.Key {
			return cmp.Compare(a.Key, b.Key)
		}
		return strings.Compare(l.names[a.I], l.names[b.I])
	}
	if len(keys) < radixNames {
		slices.SortFunc(keys, byName)
	} else {
		keys = radix.SortKeyed(keys)
		for i := 0; i < len(keys); {
			j := i + 1
			for j < len(keys) && keys[j].Key == keys[i].Key {
				j++
			}
			if j-i > 1 {
				slices.SortFunc(keys[i:j], byName)
			}
			i = j
		}
	}
	sorted := make([]int32, len(keys))
	for i, k := range keys {
		sorted[i] = k.I
	}
	return sorted
}

// radixNames is the fewest names sortedNames sorts by radix: below it
// the counters cost more than the comparisons.
const radixNames = 512

// before reports whether instant a is before instant b.
func before(asec int64, ansec int32, bsec int64, bnsec int32) bool {
	return asec < bsec || (asec == bsec && ansec < bnsec)
}

// exactSum is an exact running sum of amounts: an int64 at a common
// exponent while it fits, a decimal after.
type exactSum struct {
	v     int64
	e     int32
	isBig bool
	d     decimal.Decimal
}

func (s *exactSum) add(l *Log, t *txn) {
	if t.exp == bigExp {
		s.addDecimal(l.bigs[t.amt])
		return
	}
	if !s.isBig {
		c, e := t.amt, t.exp
		v := s.v
		ok := true
		if e < s.e {
			if d := s.e - e; d > 18 {
				ok = false
			} else {
				v, ok = mul64(v, pow10[d])
			}
			if ok {
				s.v, s.e = v, e
			}
		} else if e > s.e {
			if d := e - s.e; d > 18 {
				ok = false
			} else {
				c, ok = mul64(c, pow10[d])
			}
		}
		if ok {
			if sum, fits := add64(s.v, c); fits {
				s.v = sum
				return
			}
		}
	}
	s.addDecimal(decimal.New(t.amt, t.exp))
}

func (s *exactSum) addDecimal(d decimal.Decimal) {
	if !s.isBig {
		s.d, s.isBig = decimal.New(s.v, s.e), true
	}
	s.d = s.d.Add(d)
}

func (s *exactSum) value() decimal.Decimal {
	if s.isBig {
		return s.d
	}
	return decimal.New(s.v, s.e)
}

func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return p, true
}

func add64(a, b int64) (int64, bool) {
	s := a + b
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
		return 0, false
	}
	return s, true
}

var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()
