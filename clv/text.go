package clv

import (
	"fmt"
	"io"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/textout"
)

// WriteText prints the values as a table: one line per customer, then the
// totals and what the log was built from.
func (h Historical) WriteText(w io.Writer) error {
	tw := textout.NewTable(w)
	fmt.Fprintf(tw, "customer\tpurchases\trevenue\tmargin\tfirst\tlast\t\n")
	for _, c := range h.Customers {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", c.ID, c.Purchases, c.Revenue.String(), c.Margin.String(),
			c.First.Format("2006-01-02"), c.Last.Format("2006-01-02"))
	}
	fmt.Fprintf(tw, "total\t%d\t%s\t%s\t\t\t\n", h.Log.Transactions, h.Revenue.String(), h.Margin.String())
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeSource(w, h.Log, h.Input.Read)
}

// String returns the text of [Historical.WriteText].
func (h Historical) String() string {
	return textout.String(h)
}

// WriteText prints the cohort table: per cohort its size, then per age the
// share of customers active with its interval, and the cumulative revenue
// per customer.
func (c Cohorts) WriteText(w io.Writer) error {
	tw := textout.NewTable(w)
	fmt.Fprintf(tw, "cohort\tcustomers\tage\tactive\tshare\tinterval\trevenue per customer\t\n")
	for _, co := range c.Cohorts {
		label := c.Calendar.Label(c.Period, co.Start, co.Start.Location())
		for k, a := range co.Ages {
			share, iv := ratePct(a.Rate)
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t\n", label, co.Size, k, a.Count, share, iv, a.PerUnit.StringFixed(2))
			label = ""
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	writeLater(w, c.Later, c.LaterTransactions)
	return writeSource(w, c.Log, c.Input.Read)
}

// String returns the text of [Cohorts.WriteText].
func (c Cohorts) String() string {
	return textout.String(c)
}

// writeLater writes how many customers and transactions came after the
// end of the table, when any did.
func writeLater(w io.Writer, customers, transactions int64) {
	if customers > 0 || transactions > 0 {
		fmt.Fprintf(w, "after the end: %d customers, %d transactions\n", customers, transactions)
	}
}

func writeSource(w io.Writer, s LogSummary, read int64) error {
	if read == 0 && s.WonNoAccount == 0 && s.WonUndated == 0 && s.WonOutOfRange == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "from %d deals read; won deals left out: %d without account, %d without close time, %d out of range\n",
		read, s.WonNoAccount, s.WonUndated, s.WonOutOfRange)
	return err
}

// ratePct formats a rate as a percentage and its interval, "-" when
// undefined.
func ratePct(r funnel.Rate) (string, string) {
	p, ok := r.Percent(1)
	if !ok {
		return "-", "-"
	}
	return p.StringFixed(1) + "%", intervalPct(r.Interval)
}

// moneyRatePct formats a money rate as a percentage and its interval.
func moneyRatePct(r funnel.MoneyRate) (string, string) {
	v, ok := r.Value()
	if !ok {
		return "-", "-"
	}
	return v.Shift(2).StringFixed(1) + "%", intervalPct(r.Interval)
}

func intervalPct(iv funnel.Interval) string {
	if !iv.Defined {
		return "-"
	}
	return fmt.Sprintf("[%.1f%%, %.1f%%]", 100*iv.Lo, 100*iv.Hi)
}

// WriteText prints the retention table: per period the revenue movements
// with the gross and net revenue retention, then the customer movements
// with the customer retention, each rate with its interval; a partial last
// period is marked with an asterisk.
func (r Retention) WriteText(w io.Writer) error {
	label := func(p RetentionPeriod) string {
		l := r.Calendar.Label(r.Period, p.Start, p.Start.Location())
		if p.Partial {
			l += "*"
		}
		return l
	}
	tw := textout.NewTable(w)
	fmt.Fprintf(tw, "period\topening\tnew\treactivated\texpansion\tcontraction\tchurn\tclosing\tGRR\tinterval\tNRR\tinterval\t\n")
	for _, p := range r.Periods {
		g, gi := moneyRatePct(p.GRR)
		n, ni := moneyRatePct(p.NRR)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", label(p), p.Opening.Revenue, p.New.Revenue, p.Reactivated.Revenue,
			p.Expansion.Revenue, p.Contraction.Revenue, p.Churn.Revenue, p.Closing.Revenue, g, gi, n, ni)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = textout.NewTable(w)
	fmt.Fprintf(tw, "period\tcustomers\tnew\treactivated\texpanded\tcontracted\tchurned\tclosing\tretained\tinterval\t\n")
	for _, p := range r.Periods {
		c, ci := ratePct(p.CustomerRetention)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t\n", label(p), p.Opening.Customers, p.New.Customers, p.Reactivated.Customers,
			p.Expansion.Customers, p.Contraction.Customers, p.Churn.Customers, p.Closing.Customers, c, ci)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if n := len(r.Periods); n > 0 && r.Periods[n-1].Partial {
		fmt.Fprintln(w, "* partial period: the data end before it does")
	}
	writeLater(w, r.Later, r.LaterTransactions)
	return writeSource(w, r.Log, r.Input.Read)
}

// String returns the text of [Retention.WriteText].
func (r Retention) String() string {
	return textout.String(r)
}

// WriteText prints the tracking data: per period the actual and expected
// repeat purchases and their running totals, holdout periods marked "h".
func (t Tracking) WriteText(w io.Writer) error {
	tw := textout.NewTable(w)
	fmt.Fprintf(tw, "period\t\tactual\texpected\tcumulative actual\tcumulative expected\t\n")
	for _, r := range t.Rows {
		h := ""
		if r.Holdout {
			h = "h"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%d\t%.1f\t\n", t.Calendar.Label(t.Period, r.Start, r.Start.Location()), h, r.Actual, r.Expected, r.CumActual, r.CumExpected)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d customers tracked, %d acquired after the calibration end left out\n", t.Customers, t.Later)
	return writeSource(w, t.Log, t.Input.Read)
}

// String returns the text of [Tracking.WriteText].
func (t Tracking) String() string {
	return textout.String(t)
}

// WriteText prints the predictions: per customer P(alive), the expected
// purchases and the discounted CLV, each with its interval, then the
// totals.
func (p Predictions) WriteText(w io.Writer) error {
	tw := textout.NewTable(w)
	fmt.Fprintf(tw, "customer\tP(alive)\tinterval\tpurchases\tinterval\tCLV\tinterval\t\n")
	est := func(e Estimate) (string, string) {
		return fmt.Sprintf("%.3f", e.Value), fmt.Sprintf("[%.3f, %.3f]", e.Interval.Lo, e.Interval.Hi)
	}
	money := func(e MoneyEstimate) (string, string) {
		return e.Value.StringFixed(2), "[" + e.Lo.StringFixed(2) + ", " + e.Hi.StringFixed(2) + "]"
	}
	for _, c := range p.Customers {
		a, ai := est(c.PAlive)
		e, ei := est(c.Purchases)
		v, vi := money(c.CLV)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", c.ID, a, ai, e, ei, v, vi)
	}
	e, ei := est(p.Purchases)
	v, vi := money(p.CLV)
	fmt.Fprintf(tw, "total\t\t\t%s\t%s\t%s\t%s\t\n", e, ei, v, vi)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "purchases over %g time units; CLV over %d periods of %g at %g discount per period, margin %s; %g%% intervals (delta method)\n",
		p.Horizon, p.Periods, p.PeriodLength, p.DiscountRate, p.MarginRate, 100*p.Confidence)
	return err
}

// String returns the text of [Predictions.WriteText].
func (p Predictions) String() string {
	return textout.String(p)
}
