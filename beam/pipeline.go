package funnelbeam

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
)

// A Group is a level of keys the analyses are computed for.
type Group int8

// The groups.
const (
	// Global computes every analysis over all deals, in the folder "all".
	Global Group = iota
	// ByTenant computes them per tenant, in "tenant=T" folders.
	ByTenant
	// ByPipeline computes them per pipeline (funnel.Deal.Pipeline) of each
	// tenant, in "tenant=T/pipeline=P" folders, or "pipeline=P" when the
	// configuration gives no tenant.
	ByPipeline
)

var groupNames = [...]string{Global: "global", ByTenant: "tenant", ByPipeline: "pipeline"}

// String returns "global", "tenant" or "pipeline", or "Group(N)".
func (g Group) String() string {
	if g >= 0 && int(g) < len(groupNames) {
		return groupNames[g]
	}
	return fmt.Sprintf("Group(%d)", int(g))
}

// MarshalText encodes the group by name. It returns an error wrapping
// funnel.ErrInvalidParam for an invalid value.
func (g Group) MarshalText() ([]byte, error) {
	if g < 0 || int(g) >= len(groupNames) {
		return nil, fmt.Errorf("funnelbeam: group %d: %w", int(g), funnel.ErrInvalidParam)
	}
	return []byte(groupNames[g]), nil
}

// UnmarshalText decodes a group name written by MarshalText.
func (g *Group) UnmarshalText(b []byte) error {
	if i := slices.Index(groupNames[:], string(b)); i >= 0 {
		*g = Group(i)
		return nil
	}
	return fmt.Errorf("funnelbeam: group %q: %w", b, funnel.ErrInvalidParam)
}

// Config says what a pipeline reads, how it keys the deals, what it
// computes and where it writes.
type Config struct {
	// Input is a file pattern of the deal exports, for the Beam filesystem
	// of its scheme ("/data/exports/*/*.csv", "gs://bucket/exports/*.csv").
	Input string
	// Output is the folder the results are written to, in that filesystem:
	// Output/KEY/NAME.json for every key and analysis, and
	// Output/import.json, what reading each file did.
	Output string
	// Scan is the funnel and the options every analysis reads deals with
	// (funnel.NewScan). Its mode (strict or lenient) also applies to
	// reading the files: in strict mode a bad row or an invalid deal fails
	// the pipeline, in lenient mode it is skipped, counted and listed.
	Scan *funnel.Scan
	// Mapping names the columns of the files (csvimport.DealMapping).
	Mapping csvimport.DealMapping
	// Read configures reading (separator, time layouts, zone, amount
	// digits); its Mode is replaced by the scan's. Its Location travels to
	// the workers by name: nil (UTC) or a zone of the zone database, not
	// time.Local.
	Read csvimport.Options
	// TenantColumn names a column that holds each deal's tenant;
	// TenantPattern is a regular expression over each file's path whose
	// first group is the tenant of every deal of the file (such as
	// `/([^/]+)/[^/]*$` for the folder holding the file). At most one of
	// them may be set; with neither there is no tenant (every deal's is
	// "").
	TenantColumn, TenantPattern string
	// PipelineColumn, when set, names the column that holds each deal's
	// pipeline (funnel.Deal.Pipeline); otherwise the pipeline is what the
	// reader gives.
	PipelineColumn string
	// Groups are the levels of keys computed; nil means Global, ByTenant
	// and ByPipeline (ByTenant only when there is a tenant).
	Groups []Group
	// Analyses are the results computed for every key; nil means
	// DefaultAnalyses.
	Analyses []Analysis
}

// Custom attribute keys under which the reader carries the tenant and the
// pipeline columns; a mapping must not use them.
const (
	tenantKey   = "funnelbeam:tenant"
	pipelineKey = "funnelbeam:pipeline"
)

// spec is the configuration as it travels to the workers: only values
// that survive JSON.
type spec struct {
	Scan           []byte
	Mapping        csvimport.DealMapping
	Comma          rune
	Layouts        []string
	Zone           string
	MaxDigits      int
	TenantColumn   string
	TenantPattern  string
	PipelineColumn string
	Groups         []Group
	Analyses       []Analysis
	Output         string
}

// newSpec checks a configuration and returns its portable form.
func newSpec(c Config) (*spec, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("funnelbeam: "+format+": %w", append(args, funnel.ErrInvalidParam)...)
	}
	switch {
	case c.Scan == nil:
		return nil, bad("no scan")
	case c.Input == "":
		return nil, bad("no input pattern")
	case c.Output == "":
		return nil, bad("no output folder")
	case c.TenantColumn != "" && c.TenantPattern != "":
		return nil, bad("both a tenant column and a tenant pattern")
	case c.Read.Location == time.Local:
		return nil, bad("the reading zone is time.Local, which is another zone on every worker; name a zone")
	}
	if c.TenantPattern != "" {
		re, err := regexp.Compile(c.TenantPattern)
		if err != nil || re.NumSubexp() < 1 {
			return nil, bad("tenant pattern %q: not a regular expression with a group", c.TenantPattern)
		}
	}
	for _, k := range []string{tenantKey, pipelineKey} {
		if _, ok := c.Mapping.Custom[k]; ok {
			return nil, bad("the mapping uses the reserved custom key %q", k)
		}
	}
	sp := &spec{
		Mapping: c.Mapping, Comma: c.Read.Comma, Layouts: c.Read.Layouts, MaxDigits: c.Read.MaxDigits,
		TenantColumn: c.TenantColumn, TenantPattern: c.TenantPattern, PipelineColumn: c.PipelineColumn,
		Groups: c.Groups, Analyses: c.Analyses, Output: strings.TrimSuffix(c.Output, "/"),
	}
	if c.Read.Location != nil {
		sp.Zone = c.Read.Location.String()
		if loc, err := time.LoadLocation(sp.Zone); err != nil || !sameZone(loc, c.Read.Location) {
			return nil, bad("reading zone %q cannot be loaded by name", sp.Zone)
		}
	}
	tenant := c.TenantColumn != "" || c.TenantPattern != ""
	if sp.Groups == nil {
		sp.Groups = []Group{Global, ByPipeline}
		if tenant {
			sp.Groups = []Group{Global, ByTenant, ByPipeline}
		}
	}
	for i, g := range sp.Groups {
		switch {
		case g < Global || g > ByPipeline:
			return nil, bad("group %d", int(g))
		case slices.Contains(sp.Groups[:i], g):
			return nil, bad("group %v given twice", g)
		case g == ByTenant && !tenant:
			return nil, bad("tenant group without a tenant column or pattern")
		}
	}
	if sp.Analyses == nil {
		sp.Analyses = DefaultAnalyses()
	}
	if len(sp.Analyses) == 0 {
		return nil, bad("no analyses")
	}
	for i, a := range sp.Analyses {
		if !validName(a.Name) || a.Name == "import" {
			return nil, bad("analysis name %q", a.Name)
		}
		if slices.ContainsFunc(sp.Analyses[:i], func(b Analysis) bool { return b.Name == a.Name }) {
			return nil, bad("analysis name %q given twice", a.Name)
		}
	}
	var err error
	if sp.Scan, err = c.Scan.AppendBinary(nil); err != nil {
		return nil, err
	}
	// build everything once here, so that a bad configuration fails now
	// and not on the workers
	if _, err := sp.scan(); err != nil {
		return nil, err
	}
	if _, err := sp.fresh(); err != nil {
		return nil, err
	}
	if _, err := sp.mapping(); err != nil {
		return nil, err
	}
	return sp, nil
}

// sameZone reports whether two zones give the same offsets over a range
// of instants.
func sameZone(a, b *time.Location) bool {
	for y := 1970; y <= 2100; y++ {
		for _, m := range []time.Month{time.January, time.July} {
			t := time.Date(y, m, 1, 12, 0, 0, 0, time.UTC)
			_, oa := t.In(a).Zone()
			_, ob := t.In(b).Zone()
			if oa != ob {
				return false
			}
		}
	}
	return true
}

// scan decodes the spec's scan.
func (sp *spec) scan() (*funnel.Scan, error) {
	s, rest, err := funnel.DecodeScan(sp.Scan)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("funnelbeam: %d bytes after the scan: %w", len(rest), funnel.ErrInvalidParam)
	}
	return s, nil
}

// fresh returns the empty accumulators of the analyses, in order.
func (sp *spec) fresh() ([]funnel.Accumulator, error) {
	s, err := sp.scan()
	if err != nil {
		return nil, err
	}
	return sp.build(s)
}

func (sp *spec) build(s *funnel.Scan) ([]funnel.Accumulator, error) {
	accs := make([]funnel.Accumulator, len(sp.Analyses))
	for i, a := range sp.Analyses {
		k, err := lookup(a.Kind)
		if err != nil {
			return nil, err
		}
		if accs[i], err = k.build(s, a.Options); err != nil {
			return nil, fmt.Errorf("funnelbeam: analysis %q: %w", a.Name, err)
		}
	}
	return accs, nil
}

// mapping returns the reader's mapping, with the tenant and pipeline
// columns as reserved custom attributes, and its options.
func (sp *spec) mapping() (csvimport.DealMapping, error) {
	m := sp.Mapping
	if sp.TenantColumn != "" || sp.PipelineColumn != "" {
		custom := make(map[string]string, len(m.Custom)+2)
		for k, v := range m.Custom {
			custom[k] = v
		}
		if sp.TenantColumn != "" {
			custom[tenantKey] = sp.TenantColumn
		}
		if sp.PipelineColumn != "" {
			custom[pipelineKey] = sp.PipelineColumn
		}
		m.Custom = custom
	}
	return m, nil
}

// readOptions returns the reader's options, in the scan's mode.
func (sp *spec) readOptions(mode funnel.Mode) (csvimport.Options, error) {
	o := csvimport.Options{Mode: mode, Comma: sp.Comma, Layouts: sp.Layouts, MaxDigits: sp.MaxDigits}
	if sp.Zone != "" {
		loc, err := time.LoadLocation(sp.Zone)
		if err != nil {
			return o, fmt.Errorf("funnelbeam: reading zone %q: %w: %w", sp.Zone, funnel.ErrInvalidParam, err)
		}
		o.Location = loc
	}
	return o, nil
}

// Build adds to the scope the pipeline of the configuration: match the
// input files, read each whole with csvimport (a CSV record may span
// lines), key every deal by the groups (the global key, its tenant, its
// tenant and pipeline), combine the deals of each key with the analyses'
// accumulators (CombineFn: AddInput is funnel.Scan.Add, merges are the
// accumulators' Merge, the accumulator coder their MarshalBinary) and
// write each key's results as JSON files. The global results are written
// even when no file or no deal is read.
//
// It returns an error wrapping funnel.ErrInvalidParam for an invalid
// configuration, checked here, before anything runs.
func Build(s beam.Scope, c Config) error {
	sp, err := newSpec(c)
	if err != nil {
		return err
	}
	s = s.Scope("funnel")
	files := fileio.ReadMatches(s, fileio.MatchFiles(s, c.Input, fileio.MatchEmptyAllowIfWildcard()))
	files = beam.Reshuffle(s, files) // spread the files over the workers
	deals, reports := beam.ParDo2(s.Scope("ReadDeals"), &readFn{Spec: sp}, files)
	results := beam.CombinePerKey(s.Scope("Analyze"), &combineFn{Spec: sp}, deals)
	// one marker, so that the global results and the import report are
	// written even when nothing is read
	marker := beam.ParDo(s, markKeys, beam.Impulse(s))
	beam.ParDo0(s.Scope("WriteResults"), &writeFn{Spec: sp}, beam.CoGroupByKey(s, results, marker))
	beam.ParDo0(s.Scope("WriteImport"), &writeImportFn{Output: sp.Output},
		beam.CoGroupByKey(s, beam.ParDo(s, importKey, reports), marker))
	return nil
}

// globalDir is the folder of the global key; importName the key of the
// file reports.
const (
	globalDir  = "all"
	importName = "import"
)

// markKeys emits the keys whose output is written even when no file or
// no deal is read.
func markKeys(_ []byte, emit func(string, bool)) {
	emit(globalDir, true)
	emit(importName, true)
}

// importKey keys a file report.
func importKey(r string) (string, string) { return importName, r }

// escape returns s as one folder name: letters, digits, '-' and '_' as
// they are, every other byte as %XX, so that no name is empty of meaning,
// "." or "..", or holds a separator.
func escape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// KeyDir returns the folder, relative to the output, of the results of a
// group's key: "all" for Global, "tenant=T" for ByTenant,
// "tenant=T/pipeline=P" for ByPipeline (or "pipeline=P" when hasTenant is
// false), with T and P escaped (letters, digits, '-' and '_' kept, every
// other byte written %XX).
func KeyDir(g Group, hasTenant bool, tenant, pipeline string) string {
	switch g {
	case ByTenant:
		return "tenant=" + escape(tenant)
	case ByPipeline:
		if !hasTenant {
			return "pipeline=" + escape(pipeline)
		}
		return "tenant=" + escape(tenant) + "/pipeline=" + escape(pipeline)
	default:
		return globalDir
	}
}

// readFn reads one deal file and emits each deal once per group, keyed by
// its folder, and what reading the file did.
type readFn struct {
	Spec *spec

	s         *funnel.Scan
	f         *funnel.Funnel
	m         csvimport.DealMapping
	opts      csvimport.Options
	re        *regexp.Regexp
	hasTenant bool
}

func (fn *readFn) Setup() error {
	var err error
	if fn.s, err = fn.Spec.scan(); err != nil {
		return err
	}
	fn.f = fn.s.Funnel()
	if fn.m, err = fn.Spec.mapping(); err != nil {
		return err
	}
	if fn.opts, err = fn.Spec.readOptions(fn.s.Options().Mode); err != nil {
		return err
	}
	if fn.Spec.TenantPattern != "" {
		if fn.re, err = regexp.Compile(fn.Spec.TenantPattern); err != nil {
			return err
		}
	}
	fn.hasTenant = fn.Spec.TenantColumn != "" || fn.Spec.TenantPattern != ""
	return nil
}

func (fn *readFn) ProcessElement(ctx context.Context, file fileio.ReadableFile, emit func(string, funnel.Deal), report func(string)) error {
	path := file.Metadata.Path
	tenant := ""
	if fn.re != nil {
		m := fn.re.FindStringSubmatch(path)
		if m == nil {
			return fmt.Errorf("funnelbeam: file %s does not match the tenant pattern %q: %w", path, fn.Spec.TenantPattern, funnel.ErrInvalidParam)
		}
		tenant = m[1]
	}
	rc, err := file.Open(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	rd, err := csvimport.NewDealReader(rc, path, fn.f, fn.m, fn.opts)
	if err != nil {
		return err
	}
	for d := range rd.All() {
		t, p := tenant, d.Pipeline
		if c := d.Attrs.Custom; c != nil {
			if fn.Spec.TenantColumn != "" {
				t = c[tenantKey]
				delete(c, tenantKey)
			}
			if fn.Spec.PipelineColumn != "" {
				p = c[pipelineKey]
				delete(c, pipelineKey)
			}
			if len(c) == 0 {
				d.Attrs.Custom = nil
			}
		}
		d.Pipeline = p
		for _, g := range fn.Spec.Groups {
			emit(KeyDir(g, fn.hasTenant, t, p), d)
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(newFileReport(rd.Report(), tenant))
	if err != nil {
		return err
	}
	report(string(b))
	return nil
}

// A FileReport is what reading one file did: the rows read, kept and
// skipped (lenient mode) with their reasons and first examples, and the
// defaults filled in. The pipeline writes them, sorted by file, to
// Output/import.json.
type FileReport struct {
	File     string             `json:"file"`
	Tenant   string             `json:"tenant"` // from the tenant pattern; "" otherwise
	Rows     int                `json:"rows"`
	Kept     int                `json:"kept"`
	Skipped  int                `json:"skipped"`
	Reasons  []csvimport.Reason `json:"reasons"`
	Examples []RowError         `json:"examples"`
	Notes    []csvimport.Reason `json:"notes"`
}

// A RowError is a skipped row: its line, its column ("" for the row as a
// whole) and the reason.
type RowError struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Error  string `json:"error"`
}

func newFileReport(r *csvimport.Report, tenant string) FileReport {
	out := FileReport{File: r.File, Tenant: tenant, Rows: r.Rows, Kept: r.Kept, Skipped: r.Skipped,
		Reasons: slices.Clone(r.Reasons), Notes: slices.Clone(r.Notes), Examples: []RowError{}}
	if out.Reasons == nil {
		out.Reasons = []csvimport.Reason{}
	}
	if out.Notes == nil {
		out.Notes = []csvimport.Reason{}
	}
	for _, e := range r.Examples {
		msg := "invalid"
		if e.Err != nil {
			msg = e.Err.Error()
		}
		out.Examples = append(out.Examples, RowError{Line: e.Line, Column: e.Column, Error: msg})
	}
	return out
}

// combineFn is the CombineFn of every key: one accumulator per analysis,
// each deal validated once and handed to all of them (funnel.Scan.Add).
type combineFn struct {
	Spec *spec

	s      *funnel.Scan
	protos []funnel.Accumulator
}

func (fn *combineFn) Setup() error {
	var err error
	if fn.s, err = fn.Spec.scan(); err != nil {
		return err
	}
	fn.protos, err = fn.Spec.build(fn.s)
	return err
}

func (fn *combineFn) CreateAccumulator() *accumulator {
	counts.created.Add(1)
	accs := make([]funnel.Accumulator, len(fn.protos))
	for i, p := range fn.protos {
		accs[i] = p.Fresh()
	}
	return &accumulator{accs: accs}
}

// open rebuilds the accumulators of a decoded accumulator: each decoded
// into an accumulator of the configuration, which checks the scan and the
// settings.
func (fn *combineFn) open(a *accumulator) error {
	if a.accs != nil {
		return nil
	}
	if len(a.raw) != len(fn.protos) {
		return fmt.Errorf("funnelbeam: %d analyses in an accumulator of %d: %w", len(a.raw), len(fn.protos), funnel.ErrIncompatible)
	}
	accs := make([]funnel.Accumulator, len(fn.protos))
	for i, p := range fn.protos {
		accs[i] = p.Fresh()
		if err := accs[i].UnmarshalBinary(a.raw[i]); err != nil {
			return fmt.Errorf("funnelbeam: analysis %q: %w", fn.Spec.Analyses[i].Name, err)
		}
	}
	a.accs, a.raw = accs, nil
	counts.opened.Add(1)
	return nil
}

func (fn *combineFn) AddInput(a *accumulator, d funnel.Deal) (*accumulator, error) {
	if err := fn.open(a); err != nil {
		return nil, err
	}
	err := fn.s.Add(d, a.accs...)
	var de *funnel.DealError
	if err != nil && (!errors.As(err, &de) || fn.s.Options().Mode == funnel.Strict) {
		return nil, err
	}
	return a, nil
}

func (fn *combineFn) MergeAccumulators(a, b *accumulator) (*accumulator, error) {
	if err := fn.open(a); err != nil {
		return nil, err
	}
	if err := fn.open(b); err != nil {
		return nil, err
	}
	counts.merged.Add(1)
	for i := range a.accs {
		if err := a.accs[i].Merge(b.accs[i]); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// ExtractOutput returns the analyses' results as JSON, in the order of
// the analyses, each prefixed with its length (see splitResults).
func (fn *combineFn) ExtractOutput(a *accumulator) ([]byte, error) {
	if err := fn.open(a); err != nil {
		return nil, err
	}
	return results(fn.Spec, a.accs)
}

// results returns the JSON results of the accumulators, each prefixed with
// its length as a uvarint.
func results(sp *spec, accs []funnel.Accumulator) ([]byte, error) {
	var out []byte
	for i, x := range accs {
		k, err := lookup(sp.Analyses[i].Kind)
		if err != nil {
			return nil, err
		}
		b, err := k.result(x)
		if err != nil {
			return nil, fmt.Errorf("funnelbeam: analysis %q: %w", sp.Analyses[i].Name, err)
		}
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
	}
	return out, nil
}

// splitResults splits what results wrote into n results.
func splitResults(b []byte, n int) ([][]byte, error) {
	parts := make([][]byte, 0, n)
	for len(b) > 0 {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k) {
			return nil, fmt.Errorf("funnelbeam: %w: truncated results", funnel.ErrInvalidParam)
		}
		parts = append(parts, b[k:k+int(l)])
		b = b[k+int(l):]
	}
	if len(parts) != n {
		return nil, fmt.Errorf("funnelbeam: %w: %d results for %d analyses", funnel.ErrInvalidParam, len(parts), n)
	}
	return parts, nil
}

// counts counts what the combines of this process did, for tests that
// check that a run split its keys over several accumulators and moved
// them as bytes.
var counts struct {
	created, opened, merged, dealsDecoded atomic.Int64
}

// writeFn writes the results of one key, one file per analysis; the
// global key without results (no deal read) gets those of no deals.
type writeFn struct {
	Spec *spec
}

func (fn *writeFn) ProcessElement(ctx context.Context, key string, found func(*[]byte) bool, marker func(*bool) bool) error {
	var res, r []byte
	n := 0
	for ; found(&r); n++ {
		res = r
	}
	if n > 1 {
		return fmt.Errorf("funnelbeam: %d results for key %q", n, key)
	}
	if n == 0 {
		var m bool
		if key != globalDir || !marker(&m) || !slices.Contains(fn.Spec.Groups, Global) {
			return nil
		}
		accs, err := fn.Spec.fresh()
		if err != nil {
			return err
		}
		if res, err = results(fn.Spec, accs); err != nil {
			return err
		}
	}
	parts, err := splitResults(res, len(fn.Spec.Analyses))
	if err != nil {
		return err
	}
	for i, a := range fn.Spec.Analyses {
		if err := writeFile(ctx, fn.Spec.Output+"/"+key+"/"+a.Name+".json", parts[i]); err != nil {
			return err
		}
	}
	return nil
}

// writeImportFn writes every file's report, sorted by file, to
// Output/import.json.
type writeImportFn struct {
	Output string
}

func (fn *writeImportFn) ProcessElement(ctx context.Context, key string, reports func(*string) bool, _ func(*bool) bool) error {
	if key != importName {
		return nil
	}
	all := []FileReport{}
	for s := ""; reports(&s); {
		var r FileReport
		if err := json.Unmarshal([]byte(s), &r); err != nil {
			return err
		}
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b FileReport) int { return strings.Compare(a.File, b.File) })
	b, err := json.Marshal(all)
	if err != nil {
		return err
	}
	return writeFile(ctx, strings.TrimSuffix(fn.Output, "/")+"/import.json", b)
}

// writeFile writes data to the file of the Beam filesystem at path,
// replacing it (so that a retried bundle writes the same bytes again).
func writeFile(ctx context.Context, path string, data []byte) (err error) {
	fs, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fs.Close()
	w, err := fs.OpenWrite(ctx, path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}()
	_, err = w.Write(data)
	return err
}
