// Package tables lays the library's results out as tables of cells: the
// figures behind every chart of the command-line tool, written as CSV files,
// HTML tables and text. Each cell has the text a reader sees and the
// machine value it stands for (a count, a fraction, an amount as a decimal
// string, a duration in seconds), so that a CSV file reads back exactly
// and an HTML table can be checked against the JSON of the same run.
package tables

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/shopspring/decimal"
)

// A Table is a titled grid of cells.
type Table struct {
	// Name identifies the table: a CSV file's name, an HTML table's id.
	Name  string
	Title string
	Cols  []Col
	Rows  [][]Cell
	// Note says what the table leaves out, or "".
	Note string
}

// A Col is a column: its machine name (a CSV header) and its title.
type Col struct {
	Name, Title string
	// Num marks a numeric column, aligned right.
	Num bool
}

// A Cell is a figure as shown (Text) and as a machine value (Value): what
// the CSV file holds and what an HTML cell carries as its data-value.
// Value is "" for an undefined figure.
type Cell struct {
	Text, Value string
}

// Str returns a cell of text.
func Str(s string) Cell { return Cell{Text: s, Value: s} }

// Int returns a cell of a count.
func Int(n int64) Cell { return Cell{Text: format.Count(n), Value: fmt.Sprint(n)} }

// Pct returns a cell of a rate's value.
func Pct(r funnel.Ratio) Cell { return Cell{Text: format.Ratio(r), Value: format.RatioValue(r)} }

// Bound returns a cell of an interval bound of a proportion.
func Bound(iv funnel.Interval, hi bool) Cell {
	if !iv.Defined {
		return Cell{Text: format.NA}
	}
	v := iv.Lo
	if hi {
		v = iv.Hi
	}
	return Cell{Text: format.Percent(v), Value: format.Float(v)}
}

// Money returns a cell of an amount.
func Money(d decimal.Decimal) Cell { return Cell{Text: format.Money(d), Value: d.String()} }

// Days returns a cell of a duration, shown in days, valued in seconds;
// undefined when ok is false.
func Days(d time.Duration, ok bool) Cell {
	if !ok {
		return Cell{Text: format.NA}
	}
	return Cell{Text: format.Days(d), Value: format.Seconds(d)}
}

// Float returns a cell of a number shown with the given decimals.
func Float(f float64, decimals int) Cell {
	return Cell{Text: fmt.Sprintf("%.*f", decimals, f), Value: format.Float(f)}
}

// NA returns the cell of an undefined figure.
func NA() Cell { return Cell{Text: format.NA} }

// Header returns the machine names of the columns.
func (t Table) Header() []string {
	h := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		h[i] = c.Name
	}
	return h
}

// Values returns row i's machine values.
func (t Table) Values(i int) []string {
	v := make([]string, len(t.Rows[i]))
	for j, c := range t.Rows[i] {
		v[j] = c.Value
	}
	return v
}

// WriteText writes the table as aligned text under its title.
func (t Table) WriteText(w io.Writer) error {
	var b strings.Builder
	b.WriteString(t.Title + "\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	for i, c := range t.Cols {
		if i > 0 {
			tw.Write([]byte("\t"))
		}
		tw.Write([]byte(c.Title))
	}
	tw.Write([]byte("\t\n"))
	for _, r := range t.Rows {
		for i, c := range r {
			if i > 0 {
				tw.Write([]byte("\t"))
			}
			tw.Write([]byte(strings.ReplaceAll(c.Text, "\t", " ")))
		}
		tw.Write([]byte("\t\n"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if t.Note != "" {
		b.WriteString("(" + t.Note + ")\n")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
