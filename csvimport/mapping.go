package csvimport

import (
	"fmt"
	"io"
	"iter"
	"slices"

	"github.com/funnelmetrics/funnel"
	"golang.org/x/text/encoding"
)

// A Mapping describes a CRM's export as data: the columns of its deals
// file, the columns of its stage-history file, and how it writes values.
// The presets ([HubSpot], [Salesforce], [Pipedrive], [Close], [Zoho]) are
// Mapping values; print one to read it, copy and adjust it for an account
// whose export differs (other column labels, a custom loss-reason field,
// another locale). [Open] reads an export with a Mapping; nothing in the
// package treats one CRM apart from another.
type Mapping struct {
	// Name names the export, as in "HubSpot deals export".
	Name string
	// Deals maps the deals file (one row per deal, its current state).
	Deals DealMapping
	// History maps the stage-history file; the zero HistoryMapping means
	// the export has none (HubSpot keeps stage history in the deals file's
	// columns).
	History HistoryMapping
	// Options say how the export writes its files (time layouts,
	// encoding, separator, footer) and how to read them (strict or
	// lenient, time zone); both files are read with them.
	Options Options
	// LocalTimes says that the export writes times in a time zone that
	// it does not name (the account's or the exporting user's): reading
	// then needs Options.Location, and without it Open fails instead of
	// reading the times as UTC.
	LocalTimes bool
}

// Pipelines maps the names of an export's pipelines, as its pipeline
// column writes them, to their funnels. A deal is read against its own
// pipeline's funnel, so stage names may repeat across pipelines, and a
// deal of a pipeline not listed is an error ([ErrPipeline]) or, with
// Options.IgnoreOtherPipelines, counted apart: it never lands in another
// pipeline's funnel. For a mapping without a Pipeline column, Pipelines
// holds one funnel, and its name is every deal's Deal.Pipeline.
type Pipelines map[string]*funnel.Funnel

// A File is an input with the name its errors give. Comma and Encoding,
// when set, override the mapping's Options for this file alone, as for a
// deals file that was saved again from a spreadsheet (Excel's "Unicode
// Text": UTF-16, tab-separated) beside a history file as exported.
type File struct {
	Name     string
	R        io.Reader
	Comma    rune
	Encoding encoding.Encoding
}

// options returns the options of the file.
func (f File) options(o Options) Options {
	if f.Comma != 0 {
		o.Comma = f.Comma
	}
	if f.Encoding != nil {
		o.Encoding = f.Encoding
	}
	return o
}

// Open reads an export with the mapping m: the history file (if m has a
// HistoryMapping; history.R must then be set, and nil otherwise) in full,
// then the header of the deals file. The returned reader streams the
// deals with Deal.Pipeline set, each read against its pipeline's funnel,
// with its history attached. [Pipelines.Reports] and [RunBy] feed each
// pipeline's deals to its own scan, in the one read.
//
// Strict and lenient modes are m.Options.Mode: in strict mode a bad
// history row stops Open, in lenient mode it is skipped and counted in
// [DealReader.HistoryReport].
func Open(m Mapping, p Pipelines, deals, history File) (*DealReader, error) {
	return open(m, p, deals, history)
}

func open(m Mapping, p Pipelines, deals, historyFile File) (*DealReader, error) {
	if len(p) == 0 {
		return nil, fmt.Errorf("%w: Open needs the funnel of at least one pipeline", ErrMapping)
	}
	for name, f := range p {
		if f == nil || f.Len() == 0 {
			return nil, fmt.Errorf("%w: pipeline %q has no funnel", ErrMapping, name)
		}
	}
	if m.Deals.Pipeline == "" && len(p) > 1 {
		return nil, fmt.Errorf("%w: %d pipelines and no DealMapping.Pipeline column to tell their deals apart", ErrMapping, len(p))
	}
	if m.LocalTimes && m.Options.Location == nil {
		return nil, fmt.Errorf("%w: the %s writes times in the account's or user's time zone without naming it: set Options.Location to that zone", ErrMapping, nameOr(m.Name, "export"))
	}
	hasHistory := m.History.DealID != ""
	switch {
	case deals.R == nil:
		return nil, fmt.Errorf("%w: no deals file", ErrMapping)
	case hasHistory && historyFile.R == nil:
		return nil, fmt.Errorf("%w: the mapping reads a history file (Mapping.History): give it, or clear Mapping.History to read the deals alone", ErrMapping)
	case !hasHistory && historyFile.R != nil:
		return nil, fmt.Errorf("%w: a history file but no Mapping.History to read it with", ErrMapping)
	}
	var pipes []*pipe
	for _, name := range sortedKeys(p) {
		pipes = append(pipes, newPipe(name, p[name]))
	}
	var hist *history
	if hasHistory {
		hm := m.History
		if hm.Won == nil {
			hm.Won = m.Deals.Won
		}
		if hm.Lost == nil {
			hm.Lost = m.Deals.Lost
		}
		if hm.Open == nil {
			hm.Open = m.Deals.Open
		}
		var err error
		if hist, err = readHistory(historyFile.R, historyFile.Name, &hm, historyFile.options(m.Options)); err != nil {
			return nil, err
		}
	}
	dm := m.Deals
	return newDealReader(deals.R, deals.Name, &dm, pipes, hist, deals.options(m.Options))
}

func nameOr(s, or string) string {
	if s == "" {
		return or
	}
	return s
}

// HistoryReport returns what reading the history file did: rows read,
// kept and skipped, and what they gave ([HistoryCounts]); nil when the
// reader reads no history file.
func (x *DealReader) HistoryReport() *Report {
	if x.dr.hist == nil {
		return nil
	}
	return x.dr.hist.rep
}

// HistoryJoin reports how the deals matched the history file's rows, once
// the deals are read: deals that found history rows and those that did not
// (they entered their current stage when created), and the history's
// deals that found a deal in the deals file and those that did not, with
// their row counts. Both are zero when the reader reads no history file.
func (x *DealReader) HistoryJoin() (deals, history JoinReport) {
	if x.dr.hist == nil {
		return JoinReport{}, JoinReport{}
	}
	return x.dr.hist.join(x.dr.rd.file)
}

// Reports reads deals once and returns one funnel report per pipeline,
// each from its own scan of its pipeline's funnel with opts: the one-pass
// way to report on every pipeline of an export. A deal of a pipeline not
// in p is an error wrapping [ErrPipeline] (a reader from [Open] yields
// none). See [RunBy] for other accumulators.
func (p Pipelines) Reports(deals iter.Seq[funnel.Deal], opts funnel.Options) (map[string]funnel.Report, error) {
	return ReportsBy(deals, ByPipeline, func(name string) (*funnel.Scan, error) {
		f, ok := p[name]
		if !ok {
			return nil, fmt.Errorf("%w %q: the pipelines are %s", ErrPipeline, name, quoteList(slices.Sorted(keys(p))))
		}
		return funnel.NewScan(f, opts)
	})
}

func keys[V any](m map[string]V) iter.Seq[string] {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
