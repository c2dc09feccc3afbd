// Package textout holds what the WriteText methods of the sub-packages
// share: a writer that keeps the first write error, the two table layouts
// (right-aligned cells, two spaces apart, with or without the padding an
// empty last cell leaves at the end of a line), and the lines about the
// deals left out of an analysis. The figures in the text come from
// internal/format.
package textout

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/funnelmetrics/funnel"
)

// Keep writes p to w unless *err already holds an error, and keeps in
// *err the error of the write: after the first failed write, nothing more
// is written and that error is returned again.
func Keep(err *error, w io.Writer, p []byte) (n int, _ error) {
	if *err == nil {
		n, *err = w.Write(p)
	}
	return n, *err
}

// A Writer writes to an io.Writer until a write fails (see [Keep]), so
// that a WriteText method can print line after line and report the first
// error at the end.
type Writer struct {
	w   io.Writer
	err error
}

// New returns a Writer to w.
func New(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes p unless an earlier write failed.
func (w *Writer) Write(p []byte) (int, error) { return Keep(&w.err, w.w, p) }

// Printf writes the formatted text unless an earlier write failed.
func (w *Writer) Printf(format string, args ...any) { fmt.Fprintf(w, format, args...) }

// Err returns the first write error, or nil.
func (w *Writer) Err() error { return w.err }

// NewTable returns a table writer to w that lays out tab-terminated cells
// right-aligned, two spaces apart, as it flushes.
func NewTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

// A Table lays out tab-terminated cells as [NewTable] does, and writes
// them at FlushTo without the spaces at the end of a line that an empty
// last cell leaves.
type Table struct {
	buf bytes.Buffer
	*tabwriter.Writer
}

// NewTrimmed returns an empty Table.
func NewTrimmed() *Table {
	t := new(Table)
	t.Writer = NewTable(&t.buf)
	return t
}

// FlushTo lays out the cells written so far and writes the lines to w,
// each without its trailing spaces.
func (t *Table) FlushTo(w *Writer) {
	_ = t.Writer.Flush()
	for line := range strings.Lines(t.buf.String()) {
		w.Printf("%s\n", strings.TrimRight(line, " \n"))
	}
	t.buf.Reset()
}

// Input writes, each on its line, how many deals created after the as-of
// time were left out and how many invalid deals were skipped with the
// count of each reason, or nothing when there are none.
func Input(w *Writer, in funnel.Input) {
	if in.Future > 0 {
		w.Printf("%d deals created after the as-of time are left out.\n", in.Future)
	}
	if in.Skipped.Count > 0 {
		w.Printf("%d invalid deals skipped:", in.Skipped.Count)
		for _, r := range in.Skipped.Reasons {
			w.Printf(" %s (%d);", r.Reason, r.Count)
		}
		w.Printf("\n")
	}
}

// String returns what v's WriteText writes, for the String methods of the
// results.
func String(v interface{ WriteText(io.Writer) error }) string {
	var b strings.Builder
	_ = v.WriteText(&b)
	return b.String()
}
