package clv

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/shopspring/decimal"
)

// A Movement is one kind of revenue movement in a period: the customers
// it concerns and the revenue it moves, exact.
type Movement struct {
	Customers int64           `json:"customers"`
	Revenue   decimal.Decimal `json:"revenue"`
}

// A Retention is the revenue retention of a log period by period: how the
// revenue of one period becomes that of the next, customer by customer,
// in the movements of subscription analytics (ChartMogul, "MRR movement
// definitions": new business, expansion, contraction, churn and
// reactivation), and the gross and net revenue retention and the customer
// retention they give.
//
// A customer's revenue in a period is the sum of their transactions in
// it; a customer is active in a period with at least one transaction in it
// (whatever its amount). Between the previous period and a period, with x
// a customer's revenue in the previous period and y in this one:
//
//   - Opening: the customers active in the previous period and their
//     revenue in it, sum x;
//   - Retained: the opening customers also active in this period, and
//     their revenue in it, sum y;
//   - Expansion: the retained customers with y > x, and sum (y - x);
//   - Contraction: the retained customers with y < x, and sum (x - y);
//   - Churn: the opening customers not active in this period, and sum x;
//   - New: the customers whose first purchase falls in this period, and
//     sum y;
//   - Reactivated: the customers active in this period but not in the
//     previous one, who bought before, and sum y;
//   - Closing: the customers active in this period and sum y;
//
// so that, exactly, in revenue
//
//	Closing = Opening + New + Reactivated + Expansion - Contraction - Churn
//
// and in customers Closing = Opening - Churn + New + Reactivated,
// Retained = Opening - Churn. From these:
//
//	GRR = (Opening - Contraction - Churn) / Opening = sum min(x, y) / sum x
//	NRR = (Opening + Expansion - Contraction - Churn) / Opening = sum y / sum x
//
// (sums over the opening customers, y = 0 for a churned one), the gross
// and net revenue retention of the opening customers (Chargebee,
// "Retention" metrics: gross revenue retention takes, per subscription,
// the smaller of the previous and the current recurring revenue, net
// revenue retention the current; the same formulas with starting MRR as
// ChartMogul and KeyBanc's SaaS survey give them), and the customer
// retention Retained / Opening customers.
//
// A log of purchases is not a subscription: a customer who skips a period
// churns in it and is reactivated when they buy again. Choose a period at
// least as long as the customers' usual purchase cycle (Year for annual
// contracts) for the movements to mean what they mean for subscriptions.
type Retention struct {
	// Input says what deals the log was built from (zero for a log of
	// transactions).
	Input  funnel.Input  `json:"input"`
	Log    LogSummary    `json:"log"`
	Period funnel.Period `json:"period"`
	// Calendar is the log's: how its months, quarters and years are
	// counted.
	Calendar funnel.Calendar `json:"calendar"`
	AsOf     time.Time       `json:"-"` // JSON as_of, null when zero
	Location string          `json:"location"`
	// Later counts customers left out because their first purchase is
	// after AsOf, and LaterTransactions the transactions after AsOf (of
	// any customer), which no period counts.
	Later             int64 `json:"later"`
	LaterTransactions int64 `json:"later_transactions"`
	// Periods has one row per period from the one holding the log's first
	// transaction to the one holding AsOf (or the last transaction), in
	// time order; the first row's opening is empty (every customer in it
	// is new).
	Periods []RetentionPeriod `json:"periods"`
}

// A RetentionPeriod is one period of a [Retention]: its movements from the
// previous period and the retention rates they give.
type RetentionPeriod struct {
	// Start is the period's first instant.
	Start time.Time `json:"start"`
	// Partial reports the last period when the data end before its last
	// instant (at AsOf, or at the last transaction), so that its movements
	// are of part of it.
	Partial     bool     `json:"partial"`
	Opening     Movement `json:"opening"`
	New         Movement `json:"new"`
	Reactivated Movement `json:"reactivated"`
	Expansion   Movement `json:"expansion"`
	Contraction Movement `json:"contraction"`
	Churn       Movement `json:"churn"`
	Retained    Movement `json:"retained"`
	Closing     Movement `json:"closing"`
	// CustomerRetention is Retained / Opening customers, with its Wilson
	// interval; undefined without opening customers.
	CustomerRetention funnel.Rate `json:"customer_retention"`
	// GRR and NRR are the gross and net revenue retention, sums over the
	// opening customers (see [Retention]), each with the interval of a
	// ratio estimator over those customers: for R = sum y_i / sum x_i over
	// n customers, by the delta method, Var(R) = s_d² / (n xbar²) with
	// d_i = y_i - R x_i, s_d² = sum d_i² / (n-1) and xbar the mean of x
	// (Cochran 1977, "Sampling Techniques", 3rd ed., section 6.3; the
	// interval of [funnel.MoneyRate]); y_i is min(x_i, y_i) for GRR. The
	// interval is R ± z sqrt(Var(R)), clamped to [0, 1] for GRR and at 0
	// for NRR, which may exceed 1. It reads the customers as a sample of
	// the customers the business could have had, and is not defined for
	// fewer than two opening customers or no opening revenue.
	GRR funnel.MoneyRate `json:"grr"`
	NRR funnel.MoneyRate `json:"nrr"`
}

// retCell is one customer's revenue in one period.
type retCell struct {
	k   int64
	rev decimal.Decimal
	f   float64
}

// Retention returns the revenue retention of the log period by period
// (see [Retention]), with the cohort table's options: periods of
// o.Period in the log's calendar and zone, through o.AsOf (inclusive; zero means
// through the last transaction), with intervals at the log's confidence
// level. It returns an error wrapping [funnel.ErrInvalidParam] for an
// invalid Period or more than [MaxCohortCells] periods. An empty log gives
// no periods.
func (l *Log) Retention(o CohortOptions) (Retention, error) {
	return l.retention(o, funnel.Input{}, LogSummary{})
}

func (l *Log) retention(o CohortOptions, in funnel.Input, sum LogSummary) (Retention, error) {
	if _, err := o.Period.MarshalText(); err != nil {
		return Retention{}, fmt.Errorf("clv: retention: %w", err)
	}
	loc := l.location()
	out := Retention{Input: in, Log: l.summary(sum), Period: o.Period, Calendar: l.cal, AsOf: o.AsOf, Location: loc.String(), Periods: []RetentionPeriod{}}
	if l.txns.len() == 0 {
		return out, nil
	}
	cal := newCalendar(l.cal, o.Period, loc)
	end := instant{o.AsOf.Unix(), int32(o.AsOf.Nanosecond())}
	if o.AsOf.IsZero() {
		for i := range l.txns.len() {
			if t := l.txns.at(i); i == 0 || end.before(instant{t.sec, t.nsec}) {
				end = instant{t.sec, t.nsec}
			}
		}
	}
	last := cal.index(end.sec, end.nsec)

	// Every customer's revenue per active period, in period order.
	order, start := l.byCustomer()
	var cells []retCell
	custStart := make([]int, 0, len(l.names)+1)
	type kt struct {
		k int64
		t txn
	}
	var scratch []kt
	first := int64(math.MaxInt64)
	// customers in order of name, so that the floating-point sums of the
	// intervals do not depend on the order the log was built in
	for _, c := range l.sortedNames() {
		scratch = scratch[:0]
		for _, i := range order[start[c]:start[c+1]] {
			t := l.txns.at(int(i))
			if end.before(instant{t.sec, t.nsec}) {
				out.LaterTransactions++
				continue
			}
			scratch = append(scratch, kt{cal.index(t.sec, t.nsec), t})
		}
		if len(scratch) == 0 {
			out.Later++
			continue
		}
		slices.SortFunc(scratch, func(a, b kt) int { return cmp.Compare(a.k, b.k) })
		custStart = append(custStart, len(cells))
		for j := 0; j < len(scratch); {
			k := scratch[j].k
			var s exactSum
			for ; j < len(scratch) && scratch[j].k == k; j++ {
				s.add(l, &scratch[j].t)
			}
			v := s.value()
			cells = append(cells, retCell{k: k, rev: v, f: v.InexactFloat64()})
		}
		first = min(first, scratch[0].k)
	}
	custStart = append(custStart, len(cells))
	if len(cells) == 0 {
		return out, nil
	}
	n := last - first + 1
	if n > MaxCohortCells {
		return Retention{}, fmt.Errorf("clv: retention: more than %d periods (%d): %w", MaxCohortCells, n, funnel.ErrInvalidParam)
	}

	type acc struct {
		newM, react, exp, contr, churn, retained, closing movementSum
		grrNum                                            exactSum
	}
	accs := make([]acc, n)
	for c := 0; c+1 < len(custStart); c++ {
		cs := cells[custStart[c]:custStart[c+1]]
		for j, e := range cs {
			a := &accs[e.k-first]
			a.closing.add(e.rev)
			switch {
			case j == 0:
				a.newM.add(e.rev)
			case cs[j-1].k == e.k-1:
				prev := cs[j-1].rev
				a.retained.add(e.rev)
				a.grrNum.addDecimalFast(decimal.Min(prev, e.rev))
				switch e.rev.Cmp(prev) {
				case 1:
					a.exp.add(e.rev.Sub(prev))
				case -1:
					a.contr.add(prev.Sub(e.rev))
				}
			default:
				accs[cs[j-1].k+1-first].churn.add(cs[j-1].rev)
				a.react.add(e.rev)
			}
		}
		if lk := cs[len(cs)-1]; lk.k < last {
			accs[lk.k+1-first].churn.add(lk.rev)
		}
	}

	lv := l.confidence()
	out.Periods = make([]RetentionPeriod, n)
	for i := range accs {
		a := &accs[i]
		p := RetentionPeriod{Start: cal.startTime(first + int64(i)), New: a.newM.movement(), Reactivated: a.react.movement(),
			Expansion: a.exp.movement(), Contraction: a.contr.movement(), Churn: a.churn.movement(),
			Retained: a.retained.movement(), Closing: a.closing.movement()}
		if i > 0 {
			p.Opening = out.Periods[i-1].Closing
		}
		r := funnel.Ratio{Num: p.Retained.Customers, Den: p.Opening.Customers}
		iv, _ := r.Wilson(funnel.Confidence(lv))
		p.CustomerRetention = funnel.Rate{Ratio: r, Interval: iv}
		p.GRR = funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: a.grrNum.value(), Den: p.Opening.Revenue}}
		p.NRR = funnel.MoneyRate{MoneyRatio: funnel.MoneyRatio{Num: p.Retained.Revenue, Den: p.Opening.Revenue}}
		out.Periods[i] = p
	}
	next := cal.start(last + 1)
	after := time.Unix(end.sec, int64(end.nsec)+1) // the first instant without data
	out.Periods[n-1].Partial = instant{after.Unix(), int32(after.Nanosecond())}.before(next)

	// The intervals: a second pass over the opening customers of each
	// period, for the squared deviations from the ratio.
	type dev struct {
		n            int64
		sx, sdg, sdn float64
		rg, rn       float64
	}
	devs := make([]dev, n)
	for i := 1; i < int(n); i++ {
		p := &out.Periods[i]
		if p.Opening.Revenue.Sign() > 0 {
			devs[i].rg = p.GRR.Num.InexactFloat64() / p.GRR.Den.InexactFloat64()
			devs[i].rn = p.NRR.Num.InexactFloat64() / p.NRR.Den.InexactFloat64()
		}
	}
	for c := 0; c+1 < len(custStart); c++ {
		cs := cells[custStart[c]:custStart[c+1]]
		for j, e := range cs {
			if e.k >= last {
				break
			}
			i := e.k + 1 - first
			d := &devs[i]
			y := 0.0
			if j+1 < len(cs) && cs[j+1].k == e.k+1 {
				y = cs[j+1].f
			}
			x := e.f
			d.n++
			d.sx += x
			dg, dn := math.Min(x, y)-d.rg*x, y-d.rn*x
			d.sdg += dg * dg
			d.sdn += dn * dn
		}
	}
	z := stat.Z(lv)
	for i := 1; i < int(n); i++ {
		d, p := &devs[i], &out.Periods[i]
		if d.n < 2 || p.Opening.Revenue.Sign() <= 0 || !(d.sx > 0) {
			continue
		}
		xbar := d.sx / float64(d.n)
		seG := math.Sqrt(d.sdg/float64(d.n-1)/float64(d.n)) / xbar
		seN := math.Sqrt(d.sdn/float64(d.n-1)/float64(d.n)) / xbar
		if finite(seG) && finite(d.rg) {
			p.GRR.Interval = funnel.Interval{Lo: max(0, d.rg-z*seG), Hi: min(1, d.rg+z*seG), Confidence: lv, Defined: true}
		}
		if finite(seN) && finite(d.rn) {
			p.NRR.Interval = funnel.Interval{Lo: max(0, d.rn-z*seN), Hi: d.rn + z*seN, Confidence: lv, Defined: true}
		}
	}
	return out, nil
}

// movementSum accumulates a movement exactly.
type movementSum struct {
	n   int64
	sum exactSum
}

func (m *movementSum) add(d decimal.Decimal) {
	m.n++
	m.sum.addDecimalFast(d)
}

func (m *movementSum) movement() Movement { return Movement{Customers: m.n, Revenue: m.sum.value()} }
