package clv

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// MaxCohortCells bounds the size of a cohort table, the sum over its
// cohorts of their ages: daily cohorts over three years are about 600,000
// cells. A larger table is an error wrapping [funnel.ErrInvalidParam]:
// choose a longer period or an as-of time closer to the data.
const MaxCohortCells = 1 << 20

// CohortOptions configure [Log.Cohorts]. Periods are those of the log's
// calendar (LogOptions.Calendar: fiscal years and 4-4-5 weeks too) in its
// zone.
type CohortOptions struct {
	// Period is the length of acquisition cohorts and of the ages since
	// acquisition. The zero Period is [funnel.Month].
	Period funnel.Period
	// AsOf is the end of the data (inclusive): later transactions are
	// ignored, and the last age of every cohort is the period holding
	// AsOf, possibly incomplete. Zero means through the last transaction.
	AsOf time.Time
}

// Cohorts is a customer cohort table: acquisition cohorts (the customers
// whose first purchase falls in one period) and, by age in whole periods
// since that period, their retention and their cumulative revenue.
type Cohorts struct {
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
	// any customer), which no cohort counts.
	Later             int64 `json:"later"`
	LaterTransactions int64 `json:"later_transactions"`
	// Cohorts has one row per acquisition period with customers, in time
	// order. In each [funnel.Cohort], Size is the number of customers
	// acquired; at age k, Count is the number of those customers who
	// bought in period k (active: the customer retention of Fader & Hardie
	// 2007 "How to Project Customer Retention", share active in period k
	// after the first purchase), Rate = Count / Size with its Wilson
	// interval (age 0 is 1: every customer bought), Amount is the
	// cohort's revenue through period k (cumulative), and PerUnit =
	// Amount / Size is the cumulative revenue per acquired customer, the
	// cohort's historical CLV curve, rounded half away from zero to 10
	// places.
	Cohorts []funnel.Cohort `json:"cohorts"`
}

// Cohorts returns the customer cohort table of the log (see [Cohorts]).
// It returns an error wrapping [funnel.ErrInvalidParam] for an invalid
// Period or a table of more than [MaxCohortCells] cells. An empty log
// gives no cohorts.
func (l *Log) Cohorts(o CohortOptions) (Cohorts, error) {
	return l.cohorts(o, funnel.Input{}, LogSummary{})
}

func (l *Log) cohorts(o CohortOptions, in funnel.Input, sum LogSummary) (Cohorts, error) {
	if _, err := o.Period.MarshalText(); err != nil {
		return Cohorts{}, fmt.Errorf("clv: cohorts: %w", err)
	}
	loc := l.location()
	out := Cohorts{Input: in, Log: l.summary(sum), Period: o.Period, Calendar: l.cal, AsOf: o.AsOf, Location: loc.String(), Cohorts: []funnel.Cohort{}}
	if l.txns.len() == 0 {
		return out, nil
	}
	cal := newCalendar(l.cal, o.Period, loc)
	end := instant{o.AsOf.Unix(), int32(o.AsOf.Nanosecond())}
	var last int64
	if o.AsOf.IsZero() {
		var latest instant
		for i := range l.txns.len() {
			if t := l.txns.at(i); i == 0 || latest.before(instant{t.sec, t.nsec}) {
				latest = instant{t.sec, t.nsec}
			}
		}
		end = latest
	}
	last = cal.index(end.sec, end.nsec)

	type acc struct {
		size   int64
		active []int64
		seen   []int32 // the last customer counted active at each age, plus one
		amount []exactSum
	}
	cohorts := map[int64]*acc{}
	cells := 0
	order, start := l.byCustomer()
	var ks []int64
	for c := range l.names {
		ks = ks[:0]
		// the first purchase's period is the smallest period of a
		// purchase through AsOf (periods grow with time)
		c0, have := int64(0), false
		for _, i := range order[start[c]:start[c+1]] {
			t := l.txns.at(int(i))
			if end.before(instant{t.sec, t.nsec}) {
				out.LaterTransactions++
				ks = append(ks, 0)
				continue
			}
			k := cal.index(t.sec, t.nsec)
			if !have || k < c0 {
				c0, have = k, true
			}
			ks = append(ks, k)
		}
		if !have {
			out.Later++
			continue
		}
		a := cohorts[c0]
		if a == nil {
			n := last - c0 + 1
			if n > MaxCohortCells || cells+int(n) > MaxCohortCells {
				return Cohorts{}, fmt.Errorf("clv: cohorts: more than %d cells (%d periods from the first cohort to the end): %w", MaxCohortCells, n, funnel.ErrInvalidParam)
			}
			cells += int(n)
			a = &acc{active: make([]int64, n), seen: make([]int32, n), amount: make([]exactSum, n)}
			cohorts[c0] = a
		}
		a.size++
		for j, i := range order[start[c]:start[c+1]] {
			t := l.txns.at(int(i))
			if end.before(instant{t.sec, t.nsec}) {
				continue
			}
			age := ks[j] - c0
			if a.seen[age] != int32(c)+1 {
				a.seen[age] = int32(c) + 1
				a.active[age]++
			}
			a.amount[age].add(l, &t)
		}
	}
	level := funnel.Confidence(l.confidence())
	for _, c0 := range slices.Sorted(maps.Keys(cohorts)) {
		a := cohorts[c0]
		row := funnel.Cohort{Start: cal.startTime(c0), Size: a.size, Ages: make([]funnel.CohortValue, len(a.active))}
		size := decimal.NewFromInt(a.size)
		var cum exactSum
		for k := range a.active {
			cum.addDecimalFast(a.amount[k].value())
			r := funnel.Ratio{Num: a.active[k], Den: a.size}
			iv, _ := r.Wilson(level)
			v := cum.value()
			row.Ages[k] = funnel.CohortValue{Count: a.active[k], Rate: funnel.Rate{Ratio: r, Interval: iv}, Amount: v, PerUnit: v.DivRound(size, moneyScale)}
		}
		out.Cohorts = append(out.Cohorts, row)
	}
	return out, nil
}
