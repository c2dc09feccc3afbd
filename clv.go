package funnel

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// clvDivScale is the number of decimal places kept by every division in the
// customer-lifetime-value functions. Divisions round half away from zero
// ([decimal.Decimal.DivRound]).
const clvDivScale = 10

// A Transaction is one purchase by one customer (or one account, for B2B):
// who bought, when, and for how much. Amounts of one log share one currency.
type Transaction struct {
	Customer string
	Time     time.Time
	Amount   decimal.Decimal
}

// A TransactionError reports a transaction that a [TransactionLog] refused.
// Err is [ErrInvalidParam] (empty customer, zero time) or [ErrNegativeAmount].
type TransactionError struct {
	Index    int    // 0-based position among the records offered to the log
	Customer string // the record's customer, possibly empty
	Field    string // "Customer", "Time" or "Amount"
	Err      error
}

// Error implements the error interface.
func (e *TransactionError) Error() string {
	return fmt.Sprintf("funnel: transaction %d (customer %q): field %s: %v", e.Index, e.Customer, e.Field, e.Err)
}

// Unwrap returns the kind of error, for [errors.Is].
func (e *TransactionError) Unwrap() error { return e.Err }

// A CLVParamError reports an invalid parameter of a CLV formula: its name,
// its value and the rule it breaks. It unwraps to [ErrInvalidParam].
type CLVParamError struct {
	Param string
	Value decimal.Decimal
	Rule  string
}

// Error implements the error interface.
func (e *CLVParamError) Error() string {
	return fmt.Sprintf("funnel: clv parameter %s = %s: %s", e.Param, e.Value, e.Rule)
}

// Unwrap returns [ErrInvalidParam].
func (e *CLVParamError) Unwrap() error { return ErrInvalidParam }

type txn struct {
	t   time.Time
	amt decimal.Decimal
}

// A TransactionLog accumulates transactions per customer. The zero
// TransactionLog is empty and ready to use. Merging logs built from any split
// of the records gives the same results as one log built from all of them.
//
// A TransactionLog is not safe for concurrent mutation: give each goroutine
// its own and combine them with [TransactionLog.Merge]. Its memory grows with
// the number of transactions.
type TransactionLog struct {
	cust    map[string][]txn
	offered int // records passed to Add, for error positions
	n       int // records accepted
}

// TransactionLogFrom collects a sequence of transactions into a new log. It
// stops at the first bad record and returns a [*TransactionError] naming it.
func TransactionLogFrom(txs iter.Seq[Transaction]) (*TransactionLog, error) {
	l := &TransactionLog{}
	for t := range txs {
		if err := l.Add(t); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Add adds one transaction. It returns a [*TransactionError] wrapping
// [ErrInvalidParam] for an empty customer or a zero time, or wrapping
// [ErrNegativeAmount] for an amount below zero; the log is then unchanged.
func (l *TransactionLog) Add(t Transaction) error {
	idx := l.offered
	l.offered++
	switch {
	case t.Customer == "":
		return &TransactionError{Index: idx, Customer: t.Customer, Field: "Customer", Err: ErrInvalidParam}
	case t.Time.IsZero():
		return &TransactionError{Index: idx, Customer: t.Customer, Field: "Time", Err: ErrInvalidParam}
	case t.Amount.IsNegative():
		return &TransactionError{Index: idx, Customer: t.Customer, Field: "Amount", Err: ErrNegativeAmount}
	}
	l.add(t)
	return nil
}

// add appends a validated transaction.
func (l *TransactionLog) add(t Transaction) {
	if l.cust == nil {
		l.cust = make(map[string][]txn)
	}
	l.cust[t.Customer] = append(l.cust[t.Customer], txn{t: t.Time, amt: t.Amount})
	l.n++
}

// Merge adds every transaction of o to l. o is not modified; merging an
// empty or nil log is a no-op.
func (l *TransactionLog) Merge(o *TransactionLog) {
	if o == nil || len(o.cust) == 0 {
		return
	}
	if l.cust == nil {
		l.cust = make(map[string][]txn, len(o.cust))
	}
	for c, ts := range o.cust {
		l.cust[c] = append(l.cust[c], ts...)
	}
	l.n += o.n
	l.offered += o.offered
}

// Len returns the number of distinct customers.
func (l *TransactionLog) Len() int { return len(l.cust) }

// Count returns the number of transactions accepted.
func (l *TransactionLog) Count() int { return l.n }

// sortedCustomers returns the customers in ascending order, each with its
// transactions sorted by time then amount, so that results do not depend on
// the order of Add and Merge calls.
func (l *TransactionLog) sortedCustomers() iter.Seq2[string, []txn] {
	return func(yield func(string, []txn) bool) {
		keys := make([]string, 0, len(l.cust))
		for c := range l.cust {
			keys = append(keys, c)
		}
		slices.Sort(keys)
		for _, c := range keys {
			ts := slices.Clone(l.cust[c])
			slices.SortFunc(ts, func(a, b txn) int {
				if c := a.t.Compare(b.t); c != 0 {
					return c
				}
				return a.amt.Cmp(b.amt)
			})
			if !yield(c, ts) {
				return
			}
		}
	}
}

// TransactionsFromDeals derives a transaction log from won deals, so that
// B2B users get CLV per account from their CRM data: every deal with
// Outcome [Won] becomes one transaction of its Account, at its Closed time,
// for its Amount. Open and lost deals are skipped. It also returns the
// currency shared by the won deals ("" if they give none, or if there are
// none).
//
// It stops at the first won deal it cannot use and returns a [*DealError]
// naming it, wrapping [ErrCurrencyMismatch] if its Currency differs from
// that of the first won deal, [ErrMissingCloseTime] if Closed is zero,
// [ErrNegativeAmount] for a negative Amount, or [ErrInvalidParam] for an
// empty Account.
func TransactionsFromDeals(deals iter.Seq[Deal]) (log *TransactionLog, currency string, err error) {
	log = &TransactionLog{}
	first := true
	for d := range deals {
		if d.Outcome != Won {
			continue
		}
		switch {
		case first:
			currency, first = d.Currency, false
		case d.Currency != currency:
			return nil, "", &DealError{ID: d.ID, Field: "Currency", Err: ErrCurrencyMismatch}
		}
		switch {
		case d.Account == "":
			return nil, "", &DealError{ID: d.ID, Field: "Account", Err: ErrInvalidParam}
		case d.Closed.IsZero():
			return nil, "", &DealError{ID: d.ID, Field: "Closed", Err: ErrMissingCloseTime}
		case d.Amount.IsNegative():
			return nil, "", &DealError{ID: d.ID, Field: "Amount", Err: ErrNegativeAmount}
		}
		log.offered++
		log.add(Transaction{Customer: d.Account, Time: d.Closed, Amount: d.Amount})
	}
	return log, currency, nil
}

// CLVHistorical is the historical customer lifetime value of one customer:
// the sum of what the customer has paid so far (Revenue), and that sum
// times a margin rate (Margin). Purchases counts transactions, not days.
type CLVHistorical struct {
	Customer  string
	Purchases int
	Revenue   decimal.Decimal
	Margin    decimal.Decimal
	First     time.Time
	Last      time.Time
}

// Historical returns the historical CLV of every customer, sorted by
// customer: Revenue = sum of amounts, Margin = Revenue x marginRate
// (historical CLV: the sum of past revenue or gross margin). Pass a margin rate of 1 for revenue. It
// returns a [*CLVParamError] if marginRate is outside [0, 1].
func (l *TransactionLog) Historical(marginRate decimal.Decimal) ([]CLVHistorical, error) {
	if err := checkUnit("marginRate", marginRate); err != nil {
		return nil, err
	}
	var out []CLVHistorical
	for c, ts := range l.sortedCustomers() {
		h := CLVHistorical{Customer: c, Purchases: len(ts), First: ts[0].t, Last: ts[len(ts)-1].t}
		for _, t := range ts {
			h.Revenue = h.Revenue.Add(t.amt)
		}
		h.Margin = h.Revenue.Mul(marginRate)
		out = append(out, h)
	}
	return out, nil
}

// CohortPeriod is the length of the periods of a cohort analysis. The zero
// value is CohortMonth.
type CohortPeriod int

// Cohort period lengths. Weeks start on Monday.
const (
	CohortMonth CohortPeriod = iota
	CohortWeek
	CohortQuarter
)

// String returns "month", "week" or "quarter", or "CohortPeriod(n)" for an
// unknown value.
func (p CohortPeriod) String() string {
	switch p {
	case CohortMonth:
		return "month"
	case CohortWeek:
		return "week"
	case CohortQuarter:
		return "quarter"
	}
	return fmt.Sprintf("CohortPeriod(%d)", int(p))
}

// CohortOptions configures [TransactionLog.Cohorts].
type CohortOptions struct {
	// Period is the length of acquisition cohorts and of the periods since
	// acquisition. The default (zero) is CohortMonth.
	Period CohortPeriod
	// AsOf is the end of the data (inclusive). Transactions after AsOf are
	// ignored, and the last period of every curve is the one holding AsOf,
	// possibly incomplete. Required.
	AsOf time.Time
	// Location is the time zone of period boundaries. Nil means UTC.
	Location *time.Location
}

// A CohortCurve is the revenue of one acquisition cohort: the customers
// whose first purchase falls in the period starting at Start. Revenue[k] is
// the cohort's revenue in its k-th period since acquisition (k = 0 is the
// acquisition period); Cumulative[k] is the cumulative revenue per customer
// through period k: sum(Revenue[0..k]) / Customers, rounded half away from
// zero to 10 places.
type CohortCurve struct {
	Start      time.Time
	Customers  int
	Revenue    []decimal.Decimal
	Cumulative []decimal.Decimal
}

// periodIndex numbers the period holding t: consecutive periods have
// consecutive numbers.
func periodIndex(t time.Time, p CohortPeriod, loc *time.Location) int {
	t = t.In(loc)
	switch p {
	case CohortWeek:
		d := dayNumber(t, loc) + 3 // day 0 (1970-01-01) is a Thursday
		return floorDiv(d, 7)
	case CohortQuarter:
		return t.Year()*4 + (int(t.Month())-1)/3
	default:
		return t.Year()*12 + int(t.Month()) - 1
	}
}

// periodStart is the first instant of period number i.
func periodStart(i int, p CohortPeriod, loc *time.Location) time.Time {
	switch p {
	case CohortWeek:
		y, m, d := time.Unix(int64(i*7-3)*86400, 0).UTC().Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	case CohortQuarter:
		return time.Date(floorDiv(i, 4), time.Month(i-floorDiv(i, 4)*4)*3+1, 1, 0, 0, 0, 0, loc)
	default:
		return time.Date(floorDiv(i, 12), time.Month(i-floorDiv(i, 12)*12)+1, 1, 0, 0, 0, 0, loc)
	}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// dayNumber is the number of calendar days from 1970-01-01 to the date of t
// in loc, ignoring the clock time (and so daylight-saving shifts).
func dayNumber(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Cohorts returns the cohort revenue curves, one per acquisition period in
// time order (cohort analysis of cumulative revenue per customer, the
// historical side of customer lifetime value). Customers who
// first bought after AsOf are left out. It returns an error wrapping
// [ErrInvalidParam] if AsOf is zero or Period is unknown. An empty log gives
// no curves.
func (l *TransactionLog) Cohorts(opts CohortOptions) ([]CohortCurve, error) {
	if opts.AsOf.IsZero() {
		return nil, fmt.Errorf("funnel: cohorts: zero AsOf: %w", ErrInvalidParam)
	}
	if opts.Period < CohortMonth || opts.Period > CohortQuarter {
		return nil, fmt.Errorf("funnel: cohorts: period %v: %w", opts.Period, ErrInvalidParam)
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	last := periodIndex(opts.AsOf, opts.Period, loc)
	type acc struct {
		customers int
		revenue   []decimal.Decimal
	}
	cohorts := map[int]*acc{}
	for _, ts := range l.sortedCustomers() {
		if ts[0].t.After(opts.AsOf) {
			continue
		}
		c0 := periodIndex(ts[0].t, opts.Period, loc)
		a := cohorts[c0]
		if a == nil {
			a = &acc{revenue: make([]decimal.Decimal, last-c0+1)}
			cohorts[c0] = a
		}
		a.customers++
		for _, t := range ts {
			if t.t.After(opts.AsOf) {
				break
			}
			k := periodIndex(t.t, opts.Period, loc) - c0
			a.revenue[k] = a.revenue[k].Add(t.amt)
		}
	}
	starts := make([]int, 0, len(cohorts))
	for c := range cohorts {
		starts = append(starts, c)
	}
	slices.Sort(starts)
	out := make([]CohortCurve, 0, len(starts))
	for _, c := range starts {
		a := cohorts[c]
		n := decimal.NewFromInt(int64(a.customers))
		cum := make([]decimal.Decimal, len(a.revenue))
		var sum decimal.Decimal
		for k, r := range a.revenue {
			sum = sum.Add(r)
			cum[k] = sum.DivRound(n, clvDivScale)
		}
		out = append(out, CohortCurve{
			Start:      periodStart(c, opts.Period, loc),
			Customers:  a.customers,
			Revenue:    a.revenue,
			Cumulative: cum,
		})
	}
	return out, nil
}

// RFMOptions configures [TransactionLog.RFM].
type RFMOptions struct {
	// CalibrationEnd is the last day of the calibration period (inclusive,
	// as a calendar day in Location). Required.
	CalibrationEnd time.Time
	// HoldoutEnd is the last day of the holdout period (inclusive). Zero
	// means no holdout: purchases after CalibrationEnd are ignored.
	HoldoutEnd time.Time
	// Unit is the time unit of Recency and T, such as 7*24*time.Hour for
	// weeks. A day counts as 24 hours. Required.
	Unit time.Duration
	// Location is the time zone that defines calendar days. Nil means UTC.
	Location *time.Location
}

// An RFMRecord summarises one customer's purchases for buy-till-you-die
// models (Fader, Hardie & Lee 2005, "RFM and CLV"). Purchases
// on the same calendar day are merged into one purchase whose value is their
// sum. Times are in the unit of [RFMOptions.Unit], measured between calendar
// days.
type RFMRecord struct {
	Customer string
	// First is the start of the day of the first purchase, in Location.
	First time.Time
	// Frequency (x) is the number of repeat purchase days in the
	// calibration period: purchase days minus one.
	Frequency int
	// Recency (t_x) is the time from the first to the last purchase day of
	// the calibration period.
	Recency float64
	// T is the time from the first purchase day to CalibrationEnd.
	T float64
	// FirstValue is the value of the first purchase day.
	FirstValue decimal.Decimal
	// RepeatValue is the total value of the repeat purchase days.
	RepeatValue decimal.Decimal
	// HoldoutFrequency is the number of purchase days in the holdout
	// period, and HoldoutValue their total value.
	HoldoutFrequency int
	HoldoutValue     decimal.Decimal
}

// MeanRepeatValue returns zbar, the mean value of the repeat purchase days:
// RepeatValue / Frequency, rounded half away from zero to 10 places. ok is
// false when the customer made no repeat purchase.
func (r RFMRecord) MeanRepeatValue() (mean decimal.Decimal, ok bool) {
	if r.Frequency == 0 {
		return decimal.Decimal{}, false
	}
	return r.RepeatValue.DivRound(decimal.NewFromInt(int64(r.Frequency)), clvDivScale), true
}

// RFM returns the recency-frequency-monetary summary of every customer
// whose first purchase is on or before CalibrationEnd, sorted by customer.
// Customers who first bought later belong to no calibration cohort and are
// left out. It returns an error wrapping [ErrInvalidParam] if CalibrationEnd
// is zero, Unit is not positive, or HoldoutEnd is before CalibrationEnd.
func (l *TransactionLog) RFM(opts RFMOptions) ([]RFMRecord, error) {
	if opts.CalibrationEnd.IsZero() {
		return nil, fmt.Errorf("funnel: rfm: zero CalibrationEnd: %w", ErrInvalidParam)
	}
	if opts.Unit <= 0 {
		return nil, fmt.Errorf("funnel: rfm: unit %v is not positive: %w", opts.Unit, ErrInvalidParam)
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	calEnd := dayNumber(opts.CalibrationEnd, loc)
	holdEnd := calEnd
	if !opts.HoldoutEnd.IsZero() {
		holdEnd = dayNumber(opts.HoldoutEnd, loc)
		if holdEnd < calEnd {
			return nil, fmt.Errorf("funnel: rfm: HoldoutEnd before CalibrationEnd: %w", ErrInvalidParam)
		}
	}
	// Days to units with a single rounding: days x 24h is exact in a
	// float64 for any realistic span.
	units := func(days int) float64 { return float64(days) * float64(24*time.Hour) / float64(opts.Unit) }
	var out []RFMRecord
	for c, ts := range l.sortedCustomers() {
		first := dayNumber(ts[0].t, loc)
		if first > calEnd {
			continue
		}
		y, m, d := ts[0].t.In(loc).Date()
		r := RFMRecord{Customer: c, First: time.Date(y, m, d, 0, 0, 0, 0, loc), T: units(calEnd - first)}
		day := first
		for i, t := range ts {
			dn := dayNumber(t.t, loc)
			if dn > holdEnd {
				break
			}
			newDay := i > 0 && dn != day
			day = dn
			switch {
			case dn == first:
				r.FirstValue = r.FirstValue.Add(t.amt)
			case dn <= calEnd:
				if newDay {
					r.Frequency++
					r.Recency = units(dn - first)
				}
				r.RepeatValue = r.RepeatValue.Add(t.amt)
			default:
				if newDay {
					r.HoldoutFrequency++
				}
				r.HoldoutValue = r.HoldoutValue.Add(t.amt)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// checkUnit validates a rate in [0, 1].
func checkUnit(name string, v decimal.Decimal) error {
	if v.IsNegative() || v.GreaterThan(decimal.NewFromInt(1)) {
		return &CLVParamError{Param: name, Value: v, Rule: "must be in [0, 1]"}
	}
	return nil
}

// checkNonNeg validates a value >= 0.
func checkNonNeg(name string, v decimal.Decimal) error {
	if v.IsNegative() {
		return &CLVParamError{Param: name, Value: v, Rule: "must not be negative"}
	}
	return nil
}

// CLVSimpleParams are the inputs of [CLVSimple]. All must be >= 0.
type CLVSimpleParams struct {
	// AverageOrderValue is the mean value of one purchase (money).
	AverageOrderValue decimal.Decimal
	// PurchaseFrequency is the mean number of purchases per period.
	PurchaseFrequency decimal.Decimal
	// Lifespan is the expected customer lifespan in the same periods, often
	// 1 / churn rate.
	Lifespan decimal.Decimal
}

// CLVSimple returns the simple formula CLV: average order value x purchase
// frequency x lifespan, the lifespan often 1 / churn. The product is
// exact. It returns a [*CLVParamError] for a negative input.
func CLVSimple(p CLVSimpleParams) (decimal.Decimal, error) {
	for _, f := range []struct {
		name string
		v    decimal.Decimal
	}{{"AverageOrderValue", p.AverageOrderValue}, {"PurchaseFrequency", p.PurchaseFrequency}, {"Lifespan", p.Lifespan}} {
		if err := checkNonNeg(f.name, f.v); err != nil {
			return decimal.Decimal{}, err
		}
	}
	return p.AverageOrderValue.Mul(p.PurchaseFrequency).Mul(p.Lifespan), nil
}

// CLVMarginParams are the inputs of [CLVMarginMultiple].
type CLVMarginParams struct {
	// Margin is the margin m a customer brings per period (money).
	Margin decimal.Decimal
	// Retention is the per-period retention rate r, in [0, 1].
	Retention decimal.Decimal
	// Discount is the per-period discount rate i, >= 0.
	Discount decimal.Decimal
	// MarginAtStart selects the variant in which a margin is also earned at
	// t = 0, when the customer is acquired. The default (false) is the
	// Gupta-Lehmann form whose first margin comes after one period.
	MarginAtStart bool
}

// CLVMarginMultiple returns the margin-multiple CLV of Gupta & Lehmann
// (2003), "Customers as Assets", J. Interactive Marketing 17(1): with
// constant margin m, retention r and discount rate i over an infinite
// horizon,
//
//	CLV = m r / (1 + i - r)            first margin after one period (default)
//	CLV = m (1 + i) / (1 + i - r)      MarginAtStart: margin also at t = 0
//
// The second equals the first plus m. The division rounds half away from
// zero to 10 places. It returns a [*CLVParamError] if r is outside [0, 1],
// i is negative, or 1 + i - r <= 0 (r = 1 and i = 0: the sum diverges).
func CLVMarginMultiple(p CLVMarginParams) (decimal.Decimal, error) {
	if err := checkUnit("Retention", p.Retention); err != nil {
		return decimal.Decimal{}, err
	}
	if err := checkNonNeg("Discount", p.Discount); err != nil {
		return decimal.Decimal{}, err
	}
	one := decimal.NewFromInt(1)
	den := one.Add(p.Discount).Sub(p.Retention)
	if !den.IsPositive() {
		return decimal.Decimal{}, &CLVParamError{Param: "1 + Discount - Retention", Value: den, Rule: "must be positive"}
	}
	num := p.Margin.Mul(p.Retention)
	if p.MarginAtStart {
		num = p.Margin.Mul(one.Add(p.Discount))
	}
	return num.DivRound(den, clvDivScale), nil
}

// CLVContractualParams are the inputs of [CLVContractual].
type CLVContractualParams struct {
	// ARPA is the average revenue per account per period (money).
	ARPA decimal.Decimal
	// GrossMargin is the gross margin rate, in [0, 1].
	GrossMargin decimal.Decimal
	// Churn is the per-period churn rate c, in [0, 1]: retention is 1 - c.
	Churn decimal.Decimal
	// Discount is the per-period discount rate d, >= 0. Zero means no
	// discounting.
	Discount decimal.Decimal
}

// CLVContractual returns the contractual (subscription) CLV: an account pays
// ARPA at the start of every period it is subscribed, from acquisition on,
// and churns at the end of a period with probability c:
//
//	CLV = ARPA x margin x (1 + d) / (d + c)
//
// which is ARPA x margin / c without discounting (the usual SaaS formula).
// It is the MarginAtStart form of [CLVMarginMultiple] with m = ARPA x margin
// and r = 1 - c (Gupta & Lehmann 2003). The division rounds half away from
// zero to 10 places. It returns a [*CLVParamError] if GrossMargin or Churn
// is outside [0, 1], Discount is negative, or d + c = 0.
func CLVContractual(p CLVContractualParams) (decimal.Decimal, error) {
	if err := checkUnit("GrossMargin", p.GrossMargin); err != nil {
		return decimal.Decimal{}, err
	}
	if err := checkUnit("Churn", p.Churn); err != nil {
		return decimal.Decimal{}, err
	}
	return CLVMarginMultiple(CLVMarginParams{
		Margin:        p.ARPA.Mul(p.GrossMargin),
		Retention:     decimal.NewFromInt(1).Sub(p.Churn),
		Discount:      p.Discount,
		MarginAtStart: true,
	})
}
