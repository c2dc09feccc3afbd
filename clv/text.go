package clv

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText prints the values as a table: one line per customer, then the
// totals and what the log was built from.
func (h Historical) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
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
	var b strings.Builder
	_ = h.WriteText(&b)
	return b.String()
}

// WriteText prints the cohort table: per cohort its size, then per age the
// share of customers active and the cumulative revenue per customer.
func (c Cohorts) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "cohort\tcustomers\tage\tactive\tshare\trevenue per customer\t\n")
	for _, co := range c.Cohorts {
		label := c.Period.Label(co.Start, co.Start.Location())
		for k, a := range co.Ages {
			share := "-"
			if p, ok := a.Rate.Percent(1); ok {
				share = p.StringFixed(1) + "%"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t\n", label, co.Size, k, a.Count, share, a.PerUnit.StringFixed(2))
			label = ""
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if c.Later > 0 || c.LaterTransactions > 0 {
		fmt.Fprintf(w, "after the end: %d customers, %d transactions\n", c.Later, c.LaterTransactions)
	}
	return writeSource(w, c.Log, c.Input.Read)
}

// String returns the text of [Cohorts.WriteText].
func (c Cohorts) String() string {
	var b strings.Builder
	_ = c.WriteText(&b)
	return b.String()
}

func writeSource(w io.Writer, s LogSummary, read int64) error {
	if read == 0 && s.WonNoAccount == 0 && s.WonUndated == 0 && s.WonOutOfRange == 0 {
		return nil
	}
	_, err := fmt.Fprintf(w, "from %d deals read; won deals left out: %d without account, %d without close time, %d out of range\n",
		read, s.WonNoAccount, s.WonUndated, s.WonOutOfRange)
	return err
}
