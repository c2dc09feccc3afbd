// Command funnel computes sales-funnel metrics from CRM exports (CSV files)
// and writes them as text tables, JSON, CSV files or a self-contained HTML
// report with charts.
//
// Usage:
//
//	funnel <command> [flags] [deals.csv ...]
//
// The commands are report (every analysis, and the HTML report), segments,
// forecast, trend, cohorts, survival, attribution, clv and enps; "funnel
// help" lists them and "funnel <command> -h" their flags. The deals files
// are read with a mapping file (-mapping, JSON: the funnel's stages and the
// columns of csvimport.DealMapping) or a preset (-preset): maven, or one of
// csvimport's CRM presets (hubspot, salesforce, pipedrive, close, zoho),
// which read an export as it comes with csvimport.Open: the -deals file and
// its -history file, the deals of one -pipeline against its -stages, local
// times in -tz, amounts converted to -currency with -rates. With no file and
// no mapping, the tool reads the Maven CRM export bundled with the
// repository (testdata/maven-crm), so from a clone
//
//	go run ./cmd/funnel report
//
// writes funnel-report.html and prints the report.
//
// Each deals file is read once for everything a command computes: every
// analysis is an accumulator of one scan (funnel.Scan.Run). While a large
// file is read, stderr shows the rows, the rate and the rows skipped, when
// it is a terminal.
//
// Exit status: 0 on success, 1 when the input could not be read or a
// strict read met a bad row (its file:line:column is printed), 2 for a bad
// command line.
package main

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

func main() {
	e := env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		outTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		errTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		now:         time.Now,
	}
	os.Exit(run(os.Args[1:], e))
}

// env is what the tool reads from its process, so that tests can run it
// as a function.
type env struct {
	stdin                    io.Reader
	stdout, stderr           io.Writer
	outTerminal, errTerminal bool
	now                      func() time.Time
}
