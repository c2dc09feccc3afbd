package main

// Every CSV file the tool reads is read here: the mapping file that says
// how, the deals (csvimport.NewDealReader), the stage-change log
// (csvimport.ReadChanges, attached with csvimport.AttachHistory), the side
// tables (csvimport.ReadTable, joined with csvimport.Join), the touches of
// an attribution and the answers of an eNPS survey. The CRM presets are
// csvimport's (csvimport.HubSpot ...): their exports are read with
// csvimport.Open, the history file beside the deals file, each deal
// against the chosen pipeline's funnel (see presets).

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/internal/maven"
)

// Mapping is the mapping file: the funnel's stages and how the columns of
// the CSV files map to deals, stage changes, side tables, touches and
// answers. Its "deals" object mirrors csvimport.DealMapping field by field.
type Mapping struct {
	// Stages are the funnel's stages in order; Exclude its exclusion
	// stages (funnel.Funnel.Exclude).
	Stages  []string `json:"stages"`
	Exclude []string `json:"exclude,omitempty"`
	Deals   Deals    `json:"deals"`
	// Changes maps a stage-change log given with -changes.
	Changes *Changes `json:"changes,omitempty"`
	// Joins bring attributes in from side tables, in order.
	Joins []Join `json:"joins,omitempty"`
	CSV   CSV    `json:"csv"`
	// Touches maps the touch file of an attribution (-touches), Answers
	// the answer file of an eNPS survey (-answers).
	Touches Touches `json:"touches"`
	Answers Answers `json:"answers"`
	// AsOf is the default as-of date of the data (-as-of overrides it).
	AsOf string `json:"as_of,omitempty"`

	dir string // the mapping file's directory: join files are relative to it

	// export is a CRM preset's mapping (csvimport.HubSpot ...), nil for a
	// mapping file or the maven preset: the deals file is then read with
	// csvimport.Open, against pipeline's funnel, with the history file.
	export   *csvimport.Mapping
	pipeline string
	history  string
}

// Deals mirrors csvimport.DealMapping.
type Deals struct {
	ID                 string            `json:"id"`
	Account            string            `json:"account,omitempty"`
	Created            string            `json:"created,omitempty"`
	Closed             string            `json:"closed,omitempty"`
	Amount             string            `json:"amount,omitempty"`
	Currency           string            `json:"currency,omitempty"`
	LostReason         string            `json:"lost_reason,omitempty"`
	Stage              string            `json:"stage"`
	Won                []string          `json:"won,omitempty"`
	Lost               []string          `json:"lost,omitempty"`
	StageDates         map[string]string `json:"stage_dates,omitempty"`
	ClosedStage        string            `json:"closed_stage,omitempty"`
	ImplyEarlierStages bool              `json:"imply_earlier_stages,omitempty"`
	Source             string            `json:"source,omitempty"`
	Industry           string            `json:"industry,omitempty"`
	Owner              string            `json:"owner,omitempty"`
	Region             string            `json:"region,omitempty"`
	Product            string            `json:"product,omitempty"`
	Campaign           string            `json:"campaign,omitempty"`
	Custom             map[string]string `json:"custom,omitempty"`
	DefaultCurrency    string            `json:"default_currency,omitempty"`
	EmptyAmountIsZero  bool              `json:"empty_amount_is_zero,omitempty"`
}

// dealMapping returns the csvimport mapping.
func (d Deals) dealMapping() csvimport.DealMapping {
	m := csvimport.DealMapping{
		ID: d.ID, Account: d.Account, Created: d.Created, Closed: d.Closed, Amount: d.Amount,
		Currency: d.Currency, LostReason: d.LostReason, Stage: d.Stage, Won: d.Won, Lost: d.Lost,
		ClosedStage: funnel.Stage(d.ClosedStage), ImplyEarlierStages: d.ImplyEarlierStages,
		Source: d.Source, Industry: d.Industry, Owner: d.Owner, Region: d.Region, Product: d.Product,
		Campaign: d.Campaign, Custom: d.Custom, DefaultCurrency: d.DefaultCurrency, EmptyAmountIsZero: d.EmptyAmountIsZero,
	}
	if d.StageDates != nil {
		m.StageDates = make(map[funnel.Stage]string, len(d.StageDates))
		for s, c := range d.StageDates {
			m.StageDates[funnel.Stage(s)] = c
		}
	}
	return m
}

// Changes mirrors csvimport.ChangeMapping.
type Changes struct {
	DealID string `json:"deal_id"`
	Stage  string `json:"stage"`
	At     string `json:"at"`
}

// A Join brings columns of a side table into the deals: the row whose Key
// column equals the deal's On field ("id", "account", or an attribute:
// "owner", "product", a custom key) sets each attribute of Set (attribute
// name to column); OpenAmount, when set, names a column whose amount an
// open deal without an amount (0) takes, such as a product's list price.
type Join struct {
	Table      string            `json:"table"`
	Key        string            `json:"key"`
	On         string            `json:"on"`
	Set        map[string]string `json:"set,omitempty"`
	OpenAmount string            `json:"open_amount,omitempty"`
}

// CSV mirrors csvimport.Options, less the mode (-lenient).
type CSV struct {
	Comma     string   `json:"comma,omitempty"`
	Layouts   []string `json:"layouts,omitempty"`
	Location  string   `json:"location,omitempty"`
	MaxDigits int      `json:"max_digits,omitempty"`
}

// Touches maps the columns of a touch file: one row per marketing touch.
type Touches struct {
	DealID   string `json:"deal_id,omitempty"`
	Channel  string `json:"channel,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	At       string `json:"at,omitempty"`
}

// Answers maps the columns of an eNPS answer file: one row per person.
type Answers struct {
	Group  string `json:"group,omitempty"`
	Answer string `json:"answer,omitempty"`
}

// presets are the mappings built in: the CRM exports the tool reads with
// no mapping file. The Maven export is the repository's bundled data; the
// others are csvimport's presets, read by exportPreset.
var presets = map[string]struct {
	about string
	make  func(o *options) (*Mapping, []string, error)
}{
	"maven":      {"the bundled Maven CRM export", func(o *options) (*Mapping, []string, error) { return mavenPreset(o.dir) }},
	"hubspot":    {"HubSpot deals export", exportPreset(csvimport.HubSpot)},
	"salesforce": {"Salesforce opportunity report, -history its Opportunity History report", exportPreset(csvimport.Salesforce)},
	"pipedrive":  {"Pipedrive deals export, -history the deals' flow", exportPreset(csvimport.Pipedrive)},
	"close":      {"Close opportunity export, -history its status changes", exportPreset(csvimport.Close)},
	"zoho":       {"Zoho CRM deals export, -history its Stage History", exportPreset(csvimport.Zoho)},
}

// presetNames returns the presets' names, sorted.
func presetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// presetHelp describes the presets for -preset's help.
func presetHelp() string {
	var b strings.Builder
	b.WriteString("built-in mapping `name`:")
	for i, n := range presetNames() {
		if i > 0 {
			b.WriteString(";")
		}
		fmt.Fprintf(&b, " %s (%s)", n, presets[n].about)
	}
	b.WriteString(". A CRM preset reads one -deals file (and -history) against the -stages of one -pipeline")
	return b.String()
}

// exportPreset returns the maker of a CRM preset's mapping: csvimport's
// mapping of the export (mk), the funnel of -stages, the deals of
// -pipeline (the other pipelines' rows are counted apart, never read into
// this funnel), times written without a zone read in -tz.
func exportPreset(mk func() csvimport.Mapping) func(o *options) (*Mapping, []string, error) {
	return func(o *options) (*Mapping, []string, error) {
		em := mk()
		name := o.preset
		files := o.files
		if o.dealsFile != "" {
			files = append([]string{o.dealsFile}, files...)
		}
		switch {
		case len(files) != 1:
			return nil, nil, usagef("-preset %s reads one deals file: give it with -deals FILE", name)
		case o.stages == "":
			return nil, nil, usagef("-preset %s needs the funnel: -stages with the pipeline's open stages in order, comma-separated (the won and lost stages are outcomes)", name)
		case o.pipeline == "" && em.Deals.Pipeline != "":
			return nil, nil, usagef("-preset %s needs -pipeline NAME: the export's deals each belong to a pipeline (its %q column), and -stages are that pipeline's", name, em.Deals.Pipeline)
		case em.History.DealID != "" && o.history == "":
			return nil, nil, usagef("-preset %s needs -history FILE: it reads the %s", name, em.Name)
		case em.History.DealID == "" && o.history != "":
			return nil, nil, usagef("-preset %s reads no history file: the %s keeps stage history in the deals file", name, em.Name)
		case em.LocalTimes && !o.tzSet:
			return nil, nil, usagef("-preset %s: the %s writes times in the account's or user's time zone without naming it: give the zone with -tz", name, em.Name)
		}
		if em.LocalTimes {
			loc, err := time.LoadLocation(o.tz)
			if err != nil {
				return nil, nil, usagef("-tz %q: %v", o.tz, err)
			}
			em.Options.Location = loc
		}
		em.Options.IgnoreOtherPipelines = true
		m := &Mapping{export: &em, pipeline: o.pipeline, history: o.history}
		for _, s := range strings.Split(o.stages, ",") {
			m.Stages = append(m.Stages, strings.TrimSpace(s))
		}
		// what the analyses ask of the deals columns
		m.Deals = Deals{ID: em.Deals.ID, Stage: em.Deals.Stage, Account: em.Deals.Account}
		return m, files, nil
	}
}

// mavenPreset maps the Maven CRM export bundled in testdata/maven-crm
// (internal/maven.Mapping), joins its side tables as internal/maven.Load
// does, and values open deals, which the export leaves without a value, at
// their product's list price.
func mavenPreset(dir string) (*Mapping, []string, error) {
	m := maven.Mapping
	d := Deals{
		ID: m.ID, Account: m.Account, Created: m.Created, Closed: m.Closed, Amount: m.Amount, Currency: m.Currency,
		LostReason: m.LostReason, Stage: m.Stage, Won: m.Won, Lost: m.Lost, ClosedStage: string(m.ClosedStage),
		ImplyEarlierStages: m.ImplyEarlierStages, Source: m.Source, Industry: m.Industry, Owner: m.Owner,
		Region: m.Region, Product: m.Product, Campaign: m.Campaign, Custom: m.Custom,
		DefaultCurrency: m.DefaultCurrency, EmptyAmountIsZero: m.EmptyAmountIsZero,
		StageDates: map[string]string{},
	}
	for s, c := range m.StageDates {
		d.StageDates[string(s)] = c
	}
	mp := &Mapping{Deals: d, dir: dir, AsOf: "2018-01-01", Joins: []Join{
		{Table: "accounts.csv", Key: "account", On: "account", Set: map[string]string{funnel.AttrIndustry: "sector"}},
		{Table: "sales_teams.csv", Key: "sales_agent", On: funnel.AttrOwner, Set: map[string]string{funnel.AttrRegion: "regional_office", "manager": "manager"}},
		{Table: "products.csv", Key: "product", On: funnel.AttrProduct, Set: map[string]string{"series": "series"}, OpenAmount: "sales_price"},
	}}
	for _, s := range maven.Stages {
		mp.Stages = append(mp.Stages, string(s))
	}
	path := filepath.Join(dir, "sales_pipeline.csv")
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("the maven preset reads %s: %w (run from a clone of the repository, or give -preset-dir)", path, err)
	}
	return mp, []string{path}, nil
}

// readRates reads the exchange-rate file of -rates: columns date, from,
// to and rate, dates as YYYY-MM-DD (csvimport.ReadRates).
func readRates(path string, mode funnel.Mode) (*csvimport.Rates, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	r, _, err := csvimport.ReadRates(bufio.NewReader(fh), filepath.Base(path),
		csvimport.RatesMapping{Date: "date", From: "from", To: "to", Rate: "rate"}, csvimport.Options{Mode: mode})
	if err != nil {
		return nil, describe(err)
	}
	return r, nil
}

// readMapping reads a mapping file. Unknown fields are errors, and so is
// JSON that does not parse, with the file, line and column.
func readMapping(path string) (*Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseMapping(b, path)
}

// parseMapping parses the bytes of the mapping file at path.
func parseMapping(b []byte, path string) (*Mapping, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		default:
			// an unknown field: the decoder tells its name, not where
			if _, name, ok := strings.Cut(err.Error(), "unknown field "); ok {
				if i := bytes.Index(b, []byte(name)); i >= 0 {
					off = int64(i)
				}
			}
		}
		line, col := lineCol(b, off)
		return nil, fmt.Errorf("%s:%d:%d: %v", path, line, col, err)
	}
	if len(m.Stages) == 0 {
		return nil, fmt.Errorf("%s: no stages: the mapping needs \"stages\", the funnel's stages in order", path)
	}
	if m.Deals.ID == "" || m.Deals.Stage == "" {
		return nil, fmt.Errorf("%s: \"deals\" needs \"id\" and \"stage\", the columns of the deal id and its stage", path)
	}
	m.dir = filepath.Dir(path)
	return &m, nil
}

// lineCol returns the 1-based line and column of byte offset off in b.
func lineCol(b []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}

// csvOptions returns the reading options of the mapping: a CRM preset's
// own, or those of the mapping file.
func (m *Mapping) csvOptions(mode funnel.Mode) (csvimport.Options, error) {
	if m.export != nil {
		o := m.export.Options
		o.Mode = mode
		return o, nil
	}
	o := csvimport.Options{Mode: mode, Layouts: m.CSV.Layouts, MaxDigits: m.CSV.MaxDigits}
	if m.CSV.Comma != "" {
		r := []rune(m.CSV.Comma)
		if len(r) != 1 {
			return o, fmt.Errorf("mapping: csv.comma must be one character, not %q", m.CSV.Comma)
		}
		o.Comma = r[0]
	}
	if m.CSV.Location != "" {
		loc, err := time.LoadLocation(m.CSV.Location)
		if err != nil {
			return o, fmt.Errorf("mapping: csv.location: %w", err)
		}
		o.Location = loc
	}
	return o, nil
}

// funnelOf returns the mapping's funnel.
func (m *Mapping) funnelOf() (*funnel.Funnel, error) {
	st := make([]funnel.Stage, len(m.Stages))
	for i, s := range m.Stages {
		st[i] = funnel.Stage(s)
	}
	f, err := funnel.New(st...)
	if err != nil {
		return nil, fmt.Errorf("mapping: stages: %w", err)
	}
	if len(m.Exclude) > 0 {
		ex := make([]funnel.Stage, len(m.Exclude))
		for i, s := range m.Exclude {
			ex[i] = funnel.Stage(s)
		}
		if f, err = f.Exclude(ex...); err != nil {
			return nil, fmt.Errorf("mapping: exclude: %w", err)
		}
	}
	return f, nil
}

// A readReport is what the reading did, file by file, for the summary on
// stderr and the report's input section.
type readReport struct {
	Files   []*csvimport.Report    `json:"files"`
	Joins   []csvimport.JoinReport `json:"joins"`
	History *historyReport         `json:"history,omitempty"`
	Valued  int64                  `json:"open_deals_valued"` // open deals given an amount by a join
	// Examples are the first skipped rows, as file:line:column: reason.
	Examples []string `json:"skipped_examples"`
}

type historyReport struct {
	File    string               `json:"file"`
	Read    *csvimport.Report    `json:"read"`
	Matched csvimport.JoinReport `json:"matched"`
	Orphans csvimport.JoinReport `json:"orphans"`
	ids     map[string]struct{}  // deals seen, for the orphans
	missing map[string]int       // deals without changes
	changes csvimport.Changes    // the log, by deal
}

type table struct {
	keys []string // of spec.Set, sorted
	spec Join
	t    *csvimport.Table
	on   func(*funnel.Deal) string
	rep  csvimport.JoinReport
	miss map[string]int
}

// dealSource streams the deals of the input files, one pass over each,
// with the stage-change log attached and the side tables joined.
type dealSource struct {
	f       *funnel.Funnel
	m       *Mapping
	files   []string
	opts    csvimport.Options
	stdin   io.Reader
	mapping csvimport.DealMapping
	tables  []*table
	hist    *historyReport
	meter   *meter
	rep     readReport
	err     error
}

// newDealSource reads the side tables and the stage-change log (each once),
// ready to stream the deals.
func newDealSource(m *Mapping, f *funnel.Funnel, files []string, changes string, opts csvimport.Options, stdin io.Reader, mt *meter) (*dealSource, error) {
	src := &dealSource{f: f, m: m, files: files, opts: opts, stdin: stdin, mapping: m.Deals.dealMapping(), meter: mt}
	for _, j := range m.Joins {
		path := j.Table
		if !filepath.IsAbs(path) {
			path = filepath.Join(m.dir, path)
		}
		fh, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		t, rep, err := csvimport.ReadTable(bufio.NewReaderSize(fh, 1<<16), filepath.Base(path), j.Key, opts)
		fh.Close()
		if err != nil {
			return nil, describe(err)
		}
		if rep.Skipped > 0 {
			src.rep.Files = append(src.rep.Files, rep)
		}
		on, err := dealKey(j.On)
		if err != nil {
			return nil, err
		}
		src.tables = append(src.tables, &table{spec: j, keys: sortedKeys(j.Set), t: t, on: on, miss: map[string]int{}})
	}
	if changes != "" {
		if m.Changes == nil {
			return nil, fmt.Errorf("-changes %s: the mapping has no \"changes\" (deal_id, stage, at)", changes)
		}
		fh, err := os.Open(changes)
		if err != nil {
			return nil, err
		}
		ch, rep, err := csvimport.ReadChanges(bufio.NewReaderSize(fh, 1<<16), filepath.Base(changes), f,
			csvimport.ChangeMapping{DealID: m.Changes.DealID, Stage: m.Changes.Stage, At: m.Changes.At}, opts)
		fh.Close()
		if err != nil {
			return nil, describe(err)
		}
		src.hist = &historyReport{File: filepath.Base(changes), Read: rep, changes: ch, ids: map[string]struct{}{}, missing: map[string]int{}}
	}
	return src, nil
}

// dealKey returns the function that reads a deal's join key.
func dealKey(on string) (func(*funnel.Deal) string, error) {
	switch on {
	case "id":
		return func(d *funnel.Deal) string { return d.ID }, nil
	case "account":
		return func(d *funnel.Deal) string { return d.Account }, nil
	case "":
		return nil, errors.New("mapping: a join needs \"on\": id, account or an attribute")
	}
	return func(d *funnel.Deal) string { return d.Attrs.Get(on) }, nil
}

// setAttr sets attribute key of d.
func setAttr(d *funnel.Deal, key, v string) {
	switch key {
	case funnel.AttrSource:
		d.Attrs.Source = v
	case funnel.AttrIndustry:
		d.Attrs.Industry = v
	case funnel.AttrOwner:
		d.Attrs.Owner = v
	case funnel.AttrRegion:
		d.Attrs.Region = v
	case funnel.AttrProduct:
		d.Attrs.Product = v
	case funnel.AttrCampaign:
		d.Attrs.Campaign = v
	case "account":
		d.Account = v
	default:
		if v == "" {
			return
		}
		if d.Attrs.Custom == nil {
			d.Attrs.Custom = make(map[string]string, 2)
		}
		d.Attrs.Custom[key] = v
	}
}

// All returns the stream of deals: every file once, in order. It stops at
// the first problem in strict mode; Err tells it.
func (src *dealSource) All() iter.Seq[funnel.Deal] {
	return func(yield func(funnel.Deal) bool) {
		one := make([]funnel.Deal, 1)
		for _, path := range src.files {
			ok, err := src.file(path, one, yield)
			if err != nil {
				src.err = err
				return
			}
			if !ok {
				return
			}
		}
	}
}

func (src *dealSource) file(path string, one []funnel.Deal, yield func(funnel.Deal) bool) (bool, error) {
	var r io.Reader
	name := filepath.Base(path)
	var size int64 = -1
	if path == "-" {
		r, name = src.stdin, "stdin"
	} else {
		fh, err := os.Open(path)
		if err != nil {
			return false, err
		}
		defer fh.Close()
		if fi, err := fh.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		r = fh
	}
	cr := src.meter.start(name, r, size)
	dr, err := src.open(name, cr)
	if err != nil {
		src.meter.stop(nil)
		return false, describeWith(err, cr.head)
	}
	n := 0
	cont := true
	for d := range dr.All() {
		one[0] = d
		if src.hist != nil {
			src.attach(one)
		}
		for _, t := range src.tables {
			src.join(t, one)
		}
		if n++; n&0xFFF == 0 {
			rep := dr.Report()
			src.meter.rows(rep.Rows, rep.Skipped)
		}
		if !yield(one[0]) {
			cont = false
			break
		}
	}
	rep := dr.Report()
	src.meter.stop(rep)
	src.rep.Files = append(src.rep.Files, rep)
	if h := dr.HistoryReport(); h != nil {
		src.rep.Files = append(src.rep.Files, h)
		matched, orphans := dr.HistoryJoin()
		src.rep.History = &historyReport{File: h.File, Read: h, Matched: matched, Orphans: orphans}
		for _, e := range h.Examples {
			if len(src.rep.Examples) < 20 {
				src.rep.Examples = append(src.rep.Examples, parseErrorText(e, nil))
			}
		}
	}
	for _, e := range rep.Examples {
		if len(src.rep.Examples) < 20 {
			src.rep.Examples = append(src.rep.Examples, parseErrorText(e, cr.head))
		}
	}
	if err := dr.Err(); err != nil {
		return false, describeWith(err, cr.head)
	}
	return cont, nil
}

// open returns the reader of a deals file: a CRM preset's export with
// csvimport.Open (its history file read first, in full), else the mapping
// file's columns with csvimport.NewDealReader.
func (src *dealSource) open(name string, r io.Reader) (*csvimport.DealReader, error) {
	m := src.m
	if m.export == nil {
		return csvimport.NewDealReader(r, name, src.f, src.mapping, src.opts)
	}
	em := *m.export
	em.Options = src.opts
	var hist csvimport.File
	if m.history != "" {
		fh, err := os.Open(m.history)
		if err != nil {
			return nil, err
		}
		defer fh.Close()
		hist = csvimport.File{Name: filepath.Base(m.history), R: bufio.NewReaderSize(fh, 1<<16)}
	}
	return csvimport.Open(em, csvimport.Pipelines{m.pipeline: src.f}, csvimport.File{Name: name, R: r}, hist)
}

// attach gives the deal its stage changes, as csvimport.AttachHistory does.
func (src *dealSource) attach(one []funnel.Deal) {
	h := src.hist
	id := one[0].ID
	h.ids[id] = struct{}{}
	ch, ok := h.changes[id]
	if !ok {
		h.Matched.Unmatched++
		if len(h.missing) < maxKeys {
			h.missing[id]++
		}
		return
	}
	// the deal's own changes only: the orphans are counted at the end
	m, _ := csvimport.AttachHistory(one, csvimport.Changes{id: ch})
	h.Matched.Matched += m.Matched
}

// maxKeys bounds the distinct unmatched keys a join remembers, so that a
// hostile input cannot grow memory without bound; counts stay exact.
const maxKeys = 10_000

// join looks the deal up in a side table with csvimport.Join.
func (src *dealSource) join(t *table, one []funnel.Deal) {
	d := &one[0]
	wasOpen := d.Outcome == funnel.Open && d.Amount.IsZero()
	r := csvimport.Join(one, t.t, t.on, func(d *funnel.Deal, col func(string) string) {
		for _, key := range t.keys {
			setAttr(d, key, col(t.spec.Set[key]))
		}
		if t.spec.OpenAmount != "" && wasOpen {
			if a, err := csvimport.ParseAmount(col(t.spec.OpenAmount), src.opts.MaxDigits); err == nil && a.Sign() > 0 {
				d.Amount = a
				src.rep.Valued++
			}
		}
	})
	t.rep.Name = r.Name
	t.rep.Matched += r.Matched
	t.rep.Unmatched += r.Unmatched
	t.rep.EmptyKey += r.EmptyKey
	for _, k := range r.Missing {
		if _, ok := t.miss[k.Reason]; ok || len(t.miss) < maxKeys {
			t.miss[k.Reason] += k.Count
		}
	}
}

// finish completes the read report: the join reports with their most
// frequent missing keys, and the history's orphans.
func (src *dealSource) finish() *readReport {
	for _, t := range src.tables {
		rep := t.rep
		rep.Missing = topReasons(t.miss, 20)
		src.rep.Joins = append(src.rep.Joins, rep)
	}
	if h := src.hist; h != nil {
		h.Matched.Name = "deals with stage changes"
		h.Matched.Missing = topReasons(h.missing, 20)
		h.Orphans.Name = "stage changes with a deal"
		orph := map[string]int{}
		for id, c := range h.changes {
			if _, ok := h.ids[id]; ok {
				h.Orphans.Matched++
				continue
			}
			h.Orphans.Unmatched++
			orph[id] = len(c)
		}
		h.Orphans.Missing = topReasons(orph, 20)
		src.rep.History = h
	}
	if src.rep.Joins == nil {
		src.rep.Joins = []csvimport.JoinReport{}
	}
	if src.rep.Examples == nil {
		src.rep.Examples = []string{}
	}
	return &src.rep
}

func topReasons(m map[string]int, n int) []csvimport.Reason {
	rs := make([]csvimport.Reason, 0, len(m))
	for k, c := range m {
		rs = append(rs, csvimport.Reason{Reason: k, Count: c})
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Count != rs[j].Count {
			return rs[i].Count > rs[j].Count
		}
		return rs[i].Reason < rs[j].Reason
	})
	if len(rs) > n {
		rs = rs[:n]
	}
	return rs
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// counting is the reader under a deals file: it counts the bytes read for
// the progress line and keeps the first bytes, the header, so that an error
// can name the column by its number.
type counting struct {
	r    io.Reader
	m    *meter
	head []byte
	n    int64
}

const headBytes = 1 << 16

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if len(c.head) < headBytes {
		c.head = append(c.head, p[:min(n, headBytes-len(c.head))]...)
	}
	c.n += int64(n)
	c.m.bytes(c.n)
	return n, err
}

// Stat lets csvimport size its tables from the file's size.
func (c *counting) Stat() (fs.FileInfo, error) {
	if f, ok := c.r.(interface{ Stat() (fs.FileInfo, error) }); ok {
		return f.Stat()
	}
	return nil, errors.New("not a file")
}

// describe turns a reading error into the message a shell user expects:
// file:line:column: column name: reason for a bad row.
func describe(err error) error { return describeWith(err, nil) }

func describeWith(err error, head []byte) error {
	var pe *csvimport.ParseError
	if errors.As(err, &pe) {
		return errors.New(parseErrorText(pe, head))
	}
	return err
}

// parseErrorText formats a bad row as file:line:column: name: reason, the
// column counted from 1 in the header (0 when the problem is the row).
func parseErrorText(pe *csvimport.ParseError, head []byte) string {
	col := columnNumber(head, pe.Column)
	reason := pe.Err.Error()
	if pe.Column != "" {
		reason = pe.Column + ": " + reason
	}
	return fmt.Sprintf("%s:%d:%d: %s", pe.File, pe.Line, col, reason)
}

// columnNumber returns the 1-based position of name in the header row at
// the start of head, or 0 when it is not there.
func columnNumber(head []byte, name string) int {
	if name == "" || len(head) == 0 {
		return 0
	}
	r := csv.NewReader(bytes.NewReader(head))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	h, err := r.Read()
	if err != nil && len(h) == 0 {
		return 0
	}
	for i, c := range h {
		if strings.TrimSpace(strings.TrimPrefix(c, "\ufeff")) == name {
			return i + 1
		}
	}
	return 0
}

// readTouches reads a touch file into journeys' touches by deal, each in
// time order; touches after asOf (when set) are left out and counted.
func readTouches(path string, m Touches, opts csvimport.Options) (map[string][]attribution.Touch, touchReport, error) {
	cols := []string{orDefault(m.DealID, "deal_id"), orDefault(m.Channel, "channel"), orDefault(m.Campaign, "campaign"), orDefault(m.At, "at")}
	out := map[string][]attribution.Touch{}
	rep := touchReport{File: filepath.Base(path)}
	err := readRows(path, opts, cols, []bool{true, true, false, false}, []bool{true, true, false, false}, func(line int, v []string) error {
		var at time.Time
		if v[3] != "" {
			t, err := parseTime(v[3], opts)
			if err != nil {
				return &csvimport.ParseError{File: rep.File, Line: line, Column: cols[3], Err: err}
			}
			at = t
		}
		out[v[0]] = append(out[v[0]], attribution.Touch{Channel: v[1], Campaign: v[2], At: at})
		rep.Rows++
		return nil
	}, &rep.Skipped, &rep.Examples)
	for _, ts := range out {
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].At.Before(ts[j].At) })
	}
	rep.Deals = len(out)
	return out, rep, err
}

type touchReport struct {
	File     string   `json:"file"`
	Rows     int      `json:"rows"`
	Deals    int      `json:"deals"`
	Skipped  int      `json:"skipped"`
	Examples []string `json:"skipped_examples"`
}

// readAnswers reads an eNPS answer file: each row's group and answer.
func readAnswers(path string, m Answers, opts csvimport.Options, add func(group string, a funnel.ENPSAnswer) error) (touchReport, error) {
	cols := []string{orDefault(m.Group, "group"), orDefault(m.Answer, "answer")}
	rep := touchReport{File: filepath.Base(path)}
	// both columns must be there; an empty answer is a skip
	err := readRows(path, opts, cols, []bool{true, true}, []bool{false, false}, func(line int, v []string) error {
		a, err := funnel.ParseENPSAnswer(v[1])
		if err == nil {
			err = add(v[0], a)
		}
		if err != nil {
			return &csvimport.ParseError{File: rep.File, Line: line, Column: cols[1], Err: err}
		}
		rep.Rows++
		return nil
	}, &rep.Skipped, &rep.Examples)
	return rep, err
}

// readRows reads a CSV file with a header row, handing each row's values of
// the named columns to fn; the present columns must be in the header, and
// the required ones non-empty in every row. In lenient mode a bad row is
// skipped and counted; in strict mode it stops the read.
func readRows(path string, opts csvimport.Options, cols []string, present, required []bool, fn func(line int, v []string) error, skipped *int, examples *[]string) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	name := filepath.Base(path)
	r := csv.NewReader(bufio.NewReaderSize(fh, 1<<16))
	if opts.Comma != 0 {
		r.Comma = opts.Comma
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	h, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", name, err)
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, hc := range h {
			if strings.TrimSpace(strings.TrimPrefix(hc, "\ufeff")) == c {
				idx[i] = j
				break
			}
		}
		if idx[i] < 0 && present[i] {
			return fmt.Errorf("%s:1:0: %w %q", name, csvimport.ErrMissingColumn, c)
		}
	}
	v := make([]string, len(cols))
	fail := func(e *csvimport.ParseError) error {
		text := fmt.Sprintf("%s:%d:%d: %s: %v", e.File, e.Line, colOf(idx, cols, e.Column), e.Column, e.Err)
		if opts.Mode == funnel.Strict {
			return errors.New(text)
		}
		*skipped++
		if len(*examples) < 20 {
			*examples = append(*examples, text)
		}
		return nil
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if e := fail(&csvimport.ParseError{File: name, Line: pe.Line, Err: fmt.Errorf("%w: %w", csvimport.ErrRow, pe.Err)}); e != nil {
					return e
				}
				continue
			}
			return err
		}
		bad := false
		for i, j := range idx {
			v[i] = ""
			if j >= 0 && j < len(rec) {
				v[i] = strings.TrimSpace(rec[j])
			}
			if required[i] && v[i] == "" {
				if e := fail(&csvimport.ParseError{File: name, Line: line, Column: cols[i], Err: csvimport.ErrEmpty}); e != nil {
					return e
				}
				bad = true
				break
			}
		}
		if bad {
			continue
		}
		if err := fn(line, v); err != nil {
			var pe *csvimport.ParseError
			if errors.As(err, &pe) {
				if e := fail(pe); e != nil {
					return e
				}
				continue
			}
			return err
		}
	}
}

func colOf(idx []int, cols []string, name string) int {
	for i, c := range cols {
		if c == name && idx[i] >= 0 {
			return idx[i] + 1
		}
	}
	return 0
}

// parseTime parses a time as csvimport does by default: the mapping's
// layouts, else a date or an RFC 3339 time, in the mapping's zone.
func parseTime(s string, opts csvimport.Options) (time.Time, error) {
	layouts := opts.Layouts
	if len(layouts) == 0 {
		layouts = []string{time.DateOnly, time.RFC3339Nano}
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%w %q", csvimport.ErrTime, s)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
