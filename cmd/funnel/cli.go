package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/pulse"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/shopspring/decimal"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

type command struct {
	name, summary string
}

var commands = []command{
	{"report", "every analysis of the deals, as text and as an HTML report with charts"},
	{"segments", "the funnel broken down by attributes (-by owner,region), with win rates and intervals"},
	{"forecast", "weighted pipeline and expected revenue by period of the open deals"},
	{"trend", "a metric per period (-metric win_rate) with its changes and their tests"},
	{"cohorts", "creation cohorts: the share of each period's deals won by age"},
	{"survival", "Kaplan-Meier curves of the sales cycle, the time to win or the time in a stage"},
	{"attribution", "credit of the deals' outcomes by channel or campaign (-touches FILE)"},
	{"clv", "historical customer lifetime value per account and acquisition cohorts"},
	{"enps", "eNPS by group from survey answers (-answers FILE), small groups hidden"},
}

func usage(w io.Writer) {
	fmt.Fprint(w, `funnel computes sales-funnel metrics from CRM exports.

Usage:
  funnel <command> [flags] [deals.csv ...]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
The deals files are read with -mapping FILE (JSON: "stages" and the "deals"
columns, as csvimport.DealMapping names them) or -preset NAME. With neither,
the bundled Maven CRM export (testdata/maven-crm) is read.

The CRM presets (csvimport's) read an export as it comes: one -deals FILE,
its -history FILE (salesforce, pipedrive, close, zoho), one -pipeline and
its open -stages in order, -tz for exports that write local times:
  funnel report -preset hubspot -tz America/New_York -pipeline "Sales Pipeline" \
    -stages "Appointment Scheduled,Qualified To Buy,Contract Sent" -deals deals.csv
Deals in several currencies need -currency CODE and -rates FILE (CSV: date,
from, to, rate).

Output: -format text (the default on a terminal), json (the default
otherwise), csv (one file per table, in -o DIR) or html. The report command
also writes the HTML report to -html FILE (funnel-report.html).

Run "funnel <command> -h" for the flags of a command.
`)
}

// options are the parsed command line.
type options struct {
	cmd                      string
	mapping, preset, dir     string
	dealsFile, history       string
	pipeline, stages, rates  string
	tzSet                    bool
	changes, touches, answer string
	lenient                  bool
	asOf, period, tz         string
	currency, policy         string
	confidence               float64
	workers                  int
	format, out, html        string
	charts, progress         string
	by                       string
	top                      int
	metric, basis            string
	maxAge                   int
	measures, stage          string
	periods                  int
	model, credit            string
	oppStage                 string
	margin                   string
	minGroup                 int
	groupCol, answerCol      string
	files                    []string
}

func (o *options) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.mapping, "mapping", "", "mapping `file` (JSON) of the deals files' columns")
	fs.StringVar(&o.preset, "preset", "", presetHelp())
	fs.StringVar(&o.dir, "preset-dir", filepath.Join("testdata", "maven-crm"), "`directory` of the maven preset's files")
	fs.StringVar(&o.dealsFile, "deals", "", "deals `file` (CSV) of a CRM preset's export; also given after the flags")
	fs.StringVar(&o.history, "history", "", "stage-history `file` of a CRM preset's export (Salesforce, Pipedrive, Close, Zoho)")
	fs.StringVar(&o.pipeline, "pipeline", "", "the `pipeline` of a CRM preset's export to report on; its other pipelines are counted apart")
	fs.StringVar(&o.stages, "stages", "", "the pipeline's open `stages` in order, comma-separated, for a CRM preset")
	fs.StringVar(&o.rates, "rates", "", "exchange-rate `file` (CSV: date, from, to, rate) to convert deals to -currency")
	fs.BoolVar(&o.lenient, "lenient", false, "skip, count and list bad rows instead of stopping at the first")
	fs.StringVar(&o.asOf, "as-of", "", "the `date` the data describes (YYYY-MM-DD or RFC 3339); default the mapping's, else now")
	fs.StringVar(&o.period, "period", "month", "period of trends and cohorts: day, week, month, quarter or year")
	fs.StringVar(&o.tz, "tz", "UTC", "time `zone` of periods, such as Europe/Berlin, and of a CRM preset's times written without a zone")
	fs.StringVar(&o.currency, "currency", "", "currency `code` every deal must have; default the mapping's default_currency")
	fs.StringVar(&o.policy, "policy", "in-order", "stage-reach policy: in-order, any-stage or direct-next")
	fs.Float64Var(&o.confidence, "confidence", 0.95, "confidence `level` of intervals and tests")
	fs.IntVar(&o.workers, "workers", 0, "goroutines of the pass over the deals (0: all cores)")
	fs.StringVar(&o.format, "format", "auto", "output: auto, text, json, csv or html")
	fs.StringVar(&o.out, "o", "", "output `path` (a directory for csv); default stdout")
	fs.StringVar(&o.charts, "charts", "", "also write every chart as SVG and PNG into `dir`")
	fs.StringVar(&o.progress, "progress", "auto", "progress on stderr: auto (large files, on a terminal), always or never")
	switch o.cmd {
	case "report":
		fs.StringVar(&o.html, "html", "funnel-report.html", "HTML report `file` (\"\" for none)")
		fs.StringVar(&o.by, "by", "", "also break down by these `attributes` (comma-separated)")
		o.deals(fs)
		o.trendFlags(fs)
		o.attributionFlags(fs)
		o.enpsFlags(fs)
	case "segments":
		fs.StringVar(&o.by, "by", "owner", "`attributes` to break down by, comma-separated (owner, region, source, product, industry, campaign or custom keys)")
		fs.IntVar(&o.top, "top", 0, "keep the `K` largest segments, fold the others")
		o.deals(fs)
	case "forecast":
		fs.IntVar(&o.periods, "periods", 12, "number of periods forecast")
		o.deals(fs)
	case "trend":
		o.trendFlags(fs)
		o.deals(fs)
	case "cohorts":
		fs.IntVar(&o.maxAge, "max-age", 0, "last age of the cohorts (0: up to the as-of period)")
		o.deals(fs)
	case "survival":
		fs.StringVar(&o.measures, "measure", "cycle,time_to_win", "curves, comma-separated: cycle, time_to_win, time_in_stage")
		fs.StringVar(&o.stage, "stage", "", "stage of time_in_stage (default every stage)")
		o.deals(fs)
	case "attribution":
		o.attributionFlags(fs)
		o.deals(fs)
	case "clv":
		fs.StringVar(&o.margin, "margin", "1", "gross margin `rate` of revenue, in [0, 1]")
		o.deals(fs)
	case "enps":
		o.enpsFlags(fs)
	}
}

func (o *options) enpsFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.answer, "answers", "", "eNPS answers `file` (CSV: a group column and an answer column)")
	fs.StringVar(&o.groupCol, "group", "", "`column` of the answers' group (default the mapping's answers.group, else \"group\")")
	fs.StringVar(&o.answerCol, "answer", "", "`column` of the eNPS answer (default the mapping's answers.answer, else \"answer\")")
	fs.IntVar(&o.minGroup, "min-group", 0, "confidentiality minimum: groups of fewer answers are hidden (0: 5)")
}

func (o *options) deals(fs *flag.FlagSet) {
	fs.StringVar(&o.changes, "changes", "", "stage-change log `file` (CSV), mapped by the mapping's \"changes\"")
}

func (o *options) trendFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.metric, "metric", "win_rate", "trend metric: deals, won, lost, win_rate, win_rate_created, won_amount, deal_size, pipeline, cycle_won or step:STAGE")
	fs.StringVar(&o.basis, "basis", "created", "period of a deal in the trend: created or closed")
}

func (o *options) attributionFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.touches, "touches", "", "touches `file` (CSV: deal_id, channel, campaign, at)")
	fs.StringVar(&o.model, "model", "linear", "attribution model: "+modelNames())
	fs.StringVar(&o.credit, "credit", "channel", "credit channels or campaigns")
	fs.StringVar(&o.oppStage, "opportunity-stage", "", "stage from which a deal counts as an opportunity (default the second)")
}

func modelNames() string {
	var ns []string
	for _, m := range attribution.Models() {
		ns = append(ns, m.String())
	}
	return strings.Join(ns, ", ")
}

// usageError is a bad command line: exit status 2 with the usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run runs the tool with the arguments after the program name and returns
// its exit status.
func run(args []string, e env) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(e.stdout)
		return exitOK
	}
	o := &options{cmd: args[0]}
	known := false
	for _, c := range commands {
		known = known || c.name == o.cmd
	}
	if !known {
		fmt.Fprintf(e.stderr, "funnel: unknown command %q\n\n", o.cmd)
		usage(e.stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("funnel "+o.cmd, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	o.flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: funnel %s [flags] [deals.csv ...]\n\n", o.cmd)
		for _, c := range commands {
			if c.name == o.cmd {
				fmt.Fprintf(e.stderr, "%s.\n\nFlags:\n", capitalize(c.summary))
			}
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage // the flag package printed the error and the usage
	}
	o.files = fs.Args()
	fs.Visit(func(f *flag.Flag) { o.tzSet = o.tzSet || f.Name == "tz" })
	err := execute(o, e)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "funnel %s: %s\n", o.cmd, ue.msg)
		fs.Usage()
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "funnel %s: %v\n", o.cmd, err)
		return exitError
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// settings are the options resolved against the mapping.
type settings struct {
	m      *Mapping
	f      *funnel.Funnel
	fopts  funnel.Options
	format string
}

// execute runs a parsed command.
func execute(o *options, e env) error {
	format := o.format
	switch format {
	case "auto":
		format = "json"
		if e.outTerminal {
			format = "text"
		}
	case "text", "json", "csv", "html":
	default:
		return usagef("-format %q: want auto, text, json, csv or html", o.format)
	}
	if format == "csv" && o.out == "" {
		return usagef("-format csv writes one file per table: give the directory with -o DIR")
	}
	mt := &meter{w: e.stderr, now: e.now}
	switch o.progress {
	case "auto":
		mt.on = e.errTerminal
	case "always":
		mt.on, mt.always = true, true
	case "never":
	default:
		return usagef("-progress %q: want auto, always or never", o.progress)
	}
	mode := funnel.Strict
	if o.lenient {
		mode = funnel.Lenient
	}
	res := &results{Command: o.cmd}
	if o.cmd == "enps" {
		if o.answer == "" {
			return usagef("enps needs -answers FILE")
		}
		m := &Mapping{}
		if o.mapping != "" {
			var err error
			if m, err = readMapping(o.mapping); err != nil {
				return err
			}
		}
		if err := enpsOf(o, m, mode, res); err != nil {
			return err
		}
		return write(o, e, format, &settings{m: m}, res)
	}

	m, files, err := resolveInput(o)
	if err != nil {
		return err
	}
	st, err := resolve(o, m, mode, e)
	if err != nil {
		return err
	}
	st.format = format
	s, err := funnel.NewScan(st.f, st.fopts)
	if err != nil {
		return usagef("%v", err)
	}
	p, err := planOf(o, s, st, res, mode)
	if err != nil {
		return err
	}
	copts, err := m.csvOptions(mode)
	if err != nil {
		return err
	}
	if o.rates != "" {
		if st.fopts.Currency == "" {
			return usagef("-rates converts to the reporting currency: give it with -currency")
		}
		if copts.Rates, err = readRates(o.rates, mode); err != nil {
			return err
		}
		copts.Currency = st.fopts.Currency
	}
	src, err := newDealSource(m, st.f, files, o.changes, copts, e.stdin, mt)
	if err != nil {
		return err
	}
	runErr := s.Run(src.All(), p.accs()...)
	res.Read = src.finish()
	if src.err != nil {
		return src.err
	}
	if runErr != nil {
		return describeDealError(runErr, files)
	}
	if err := p.collect(res); err != nil {
		return err
	}
	if o.cmd == "report" && o.answer != "" {
		if err := enpsOf(o, m, mode, res); err != nil {
			return err
		}
	}
	summarize(e.stderr, res)
	return write(o, e, format, st, res)
}

// describeDealError words a deal the scan refused in strict mode (the
// reader has checked each row; the scan checks the currency too).
func describeDealError(err error, files []string) error {
	var de *funnel.DealError
	if errors.As(err, &de) {
		return fmt.Errorf("%s: deal %q: %s: %v (use -lenient to skip such deals, -currency to set the currency, -rates to convert)",
			strings.Join(files, ", "), de.ID, de.Field, de.Err)
	}
	return err
}

// resolveInput returns the mapping and the deals files.
func resolveInput(o *options) (*Mapping, []string, error) {
	switch {
	case o.mapping != "" && o.preset != "":
		return nil, nil, usagef("give -mapping or -preset, not both")
	case o.mapping != "":
		if len(o.files) == 0 {
			return nil, nil, usagef("no deals file: give one or more CSV files (or - for stdin) after the flags")
		}
		m, err := readMapping(o.mapping)
		return m, o.files, err
	}
	name := o.preset
	if name == "" {
		if len(o.files) > 0 || o.dealsFile != "" {
			return nil, nil, usagef("deals files need -mapping FILE (or -preset NAME)")
		}
		name = "maven"
	}
	p, ok := presets[name]
	if !ok {
		return nil, nil, usagef("unknown preset %q: the presets are %s", name, strings.Join(presetNames(), ", "))
	}
	m, files, err := p.make(o)
	if err != nil {
		return nil, nil, err
	}
	if m.export == nil {
		if o.dealsFile != "" {
			files = []string{o.dealsFile}
		}
		if len(o.files) > 0 {
			files = append(files[:0:0], o.files...)
		}
	}
	return m, files, nil
}

// resolve turns the flags into the scan's options.
func resolve(o *options, m *Mapping, mode funnel.Mode, e env) (*settings, error) {
	f, err := m.funnelOf()
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(o.tz)
	if err != nil {
		return nil, usagef("-tz %q: %v", o.tz, err)
	}
	var period funnel.Period
	if err := period.UnmarshalText([]byte(o.period)); err != nil {
		return nil, usagef("-period %q: want day, week, month, quarter or year", o.period)
	}
	var policy funnel.Policy
	if err := policy.UnmarshalText([]byte(o.policy)); err != nil {
		return nil, usagef("-policy %q: want in-order, any-stage or direct-next", o.policy)
	}
	asOf := e.now().Truncate(time.Second)
	text := o.asOf
	if text == "" {
		text = m.AsOf
	}
	if text != "" {
		if asOf, err = parseDate(text, loc); err != nil {
			return nil, usagef("-as-of %q: want YYYY-MM-DD or an RFC 3339 time", text)
		}
	}
	currency := o.currency
	if currency == "" {
		currency = m.Deals.DefaultCurrency
	}
	c := funnel.Confidence(o.confidence)
	if _, err := c.Level(); err != nil {
		return nil, usagef("-confidence %v: want a level in (0, 1)", o.confidence)
	}
	if o.workers < 0 {
		return nil, usagef("-workers %d: want 0 or more", o.workers)
	}
	return &settings{m: m, f: f, fopts: funnel.Options{
		Mode: mode, Policy: policy, AsOf: asOf, Location: loc, Period: period, Currency: currency,
		Test: funnel.Test{Confidence: c}, Workers: o.workers,
	}}, nil
}

func parseDate(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}

// planOf builds the accumulators of the command.
func planOf(o *options, s *funnel.Scan, st *settings, res *results, mode funnel.Mode) (*plan, error) {
	p := &plan{s: s}
	var err error
	all := o.cmd == "report"
	if all || o.cmd == "segments" {
		p.tally = funnel.NewTally(s)
		if o.by != "" {
			var dims []funnel.Dim
			for _, a := range strings.Split(o.by, ",") {
				if a = strings.TrimSpace(a); a != "" {
					dims = append(dims, funnel.ByAttr(a))
				}
			}
			if p.segs, err = funnel.NewSegments(s, funnel.SegmentOptions{Dims: dims, TopK: o.top, ByKey: o.top == 0, TestRest: o.cmd == "segments"}); err != nil {
				return nil, usagef("-by %q: %v", o.by, err)
			}
		}
		if o.cmd == "segments" {
			p.tally = nil
			if p.segs == nil {
				return nil, usagef("segments needs -by ATTRIBUTES")
			}
		}
	}
	if all || o.cmd == "trend" {
		if err := p.metric.UnmarshalText([]byte(o.metric)); err != nil {
			return nil, usagef("-metric %q: unknown metric", o.metric)
		}
		var basis trend.Basis
		if err := basis.UnmarshalText([]byte(o.basis)); err != nil {
			return nil, usagef("-basis %q: want created or closed", o.basis)
		}
		if p.series, err = trend.NewSeries(s, trend.Options{Basis: basis}); err != nil {
			return nil, err
		}
	}
	if all || o.cmd == "cohorts" {
		if p.cohorts, err = trend.NewCohorts(s, trend.CohortOptions{MaxAge: o.maxAge}); err != nil {
			return nil, usagef("%v", err)
		}
	}
	if all || o.cmd == "survival" {
		measures := o.measures
		if all {
			measures = "cycle,time_to_win"
		}
		for _, name := range strings.Split(measures, ",") {
			var m trend.Measure
			if err := m.UnmarshalText([]byte(strings.TrimSpace(name))); err != nil {
				return nil, usagef("-measure %q: want cycle, time_to_win or time_in_stage", name)
			}
			var stages []funnel.Stage
			if m == trend.TimeInStage {
				if o.stage != "" {
					stages = []funnel.Stage{funnel.Stage(o.stage)}
				} else {
					stages = stagesOf(st.f)
				}
			} else {
				stages = []funnel.Stage{""}
			}
			for _, stg := range stages {
				a, err := trend.NewSurvival(s, trend.SurvivalOptions{Measure: m, Stage: stg})
				if err != nil {
					return nil, usagef("-stage %q: %v", stg, err)
				}
				p.curves = append(p.curves, a)
			}
		}
	}
	if all || o.cmd == "forecast" {
		if p.pipeline, err = forecast.NewPipeline(s, forecast.Options{}); err != nil {
			return nil, err
		}
		if p.byPeriod, err = forecast.NewByPeriod(s, forecast.PeriodOptions{Periods: o.periods}); err != nil {
			return nil, usagef("%v", err)
		}
	}
	if o.cmd == "clv" || all && st.m.Deals.Account != "" {
		margin := o.margin
		if margin == "" {
			margin = "1"
		}
		if p.margin, err = decimal.NewFromString(margin); err != nil || p.margin.IsNegative() || p.margin.GreaterThan(decimal.NewFromInt(1)) {
			return nil, usagef("-margin %q: want a rate in [0, 1]", margin)
		}
		if st.m.Deals.Account == "" {
			return nil, usagef("clv needs the deals' account column (\"account\" in the mapping)")
		}
		if p.dealLog, err = clv.NewDealLog(s); err != nil {
			return nil, err
		}
	}
	if o.cmd == "attribution" || all && o.touches != "" {
		if o.touches == "" {
			return nil, usagef("attribution needs -touches FILE")
		}
		model, err := attribution.ParseModel(o.model)
		if err != nil {
			return nil, usagef("-model %q: want one of %s", o.model, modelNames())
		}
		var ao attribution.Options
		switch o.credit {
		case "channel":
		case "campaign":
			ao.By = attribution.ByCampaign
		default:
			return nil, usagef("-credit %q: want channel or campaign", o.credit)
		}
		opp := min(1, st.f.Len()-1)
		if o.oppStage != "" {
			k, ok := st.f.Index(funnel.Stage(o.oppStage))
			if !ok {
				return nil, usagef("-opportunity-stage %q: not a stage of the funnel", o.oppStage)
			}
			opp = k
		}
		copts, err := st.m.csvOptions(mode)
		if err != nil {
			return nil, err
		}
		touches, rep, err := readTouches(o.touches, st.m.Touches, copts)
		if err != nil {
			return nil, err
		}
		res.Touches = &rep
		if p.attr, err = newAttrAcc(s, touches, model, ao, opp); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func stagesOf(f *funnel.Funnel) []funnel.Stage {
	var ss []funnel.Stage
	for s := range f.Stages() {
		ss = append(ss, s)
	}
	return ss
}

// enpsOf reads the answers and breaks the eNPS down by group.
func enpsOf(o *options, m *Mapping, mode funnel.Mode, res *results) error {
	copts, err := m.csvOptions(mode)
	if err != nil {
		return err
	}
	cols := m.Answers
	if o.groupCol != "" {
		cols.Group = o.groupCol
	}
	if o.answerCol != "" {
		cols.Answer = o.answerCol
	}
	var g pulse.Groups
	rep, err := readAnswers(o.answer, cols, copts, g.Add)
	if err != nil {
		return err
	}
	b, err := g.Breakdown(pulse.Options{MinGroup: o.minGroup, Test: funnel.Test{Confidence: funnel.Confidence(o.confidence)}})
	if err != nil {
		return usagef("%v", err)
	}
	res.ENPS, res.Answers = &b, &rep
	return nil
}

// summarize tells on stderr what the reading skipped, when it skipped
// anything: the counts per reason and the first rows, by file:line:column.
func summarize(w io.Writer, r *results) {
	if r.Read == nil {
		return
	}
	skipped := 0
	for _, f := range r.Read.Files {
		skipped += f.Skipped
	}
	if r.Report != nil {
		skipped += int(r.Report.Input.Skipped.Count)
	}
	if skipped == 0 {
		return
	}
	for _, f := range r.Read.Files {
		if f.Skipped == 0 {
			continue
		}
		fmt.Fprintf(w, "funnel: %s: skipped %d of %d rows:", f.File, f.Skipped, f.Rows)
		for i, rs := range f.Reasons {
			if i > 0 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprintf(w, " %d %s", rs.Count, strings.TrimPrefix(rs.Reason, "csvimport: "))
		}
		fmt.Fprintln(w)
	}
	for i, ex := range r.Read.Examples {
		if i == 5 {
			fmt.Fprintf(w, "  ... %d more in the JSON output (read.skipped_examples)\n", len(r.Read.Examples)-5)
			break
		}
		fmt.Fprintf(w, "  %s\n", ex)
	}
	if r.Report != nil && r.Report.Input.Skipped.Count > 0 {
		fmt.Fprintf(w, "funnel: %d deals skipped by the analyses:", r.Report.Input.Skipped.Count)
		for _, rs := range r.Report.Input.Skipped.Reasons {
			fmt.Fprintf(w, " %d %s;", rs.Count, rs.Reason)
		}
		fmt.Fprintln(w)
	}
}
