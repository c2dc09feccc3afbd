package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"
)

const committedDir = "../../testdata/crm"

// TestCommittedFilesMatch regenerates the samples with the default seed and
// compares them byte for byte with the committed ones. After a deliberate
// change to the generator, rerun `go run ./internal/crmgen -out
// testdata/crm` and commit the result.
func TestCommittedFilesMatch(t *testing.T) {
	dir := t.TempDir()
	files := generate(DefaultSeed)
	if err := writeAll(dir, files); err != nil {
		t.Fatal(err)
	}
	// besides the generated files: their provenance and the independent
	// check written from it (check.py and its output)
	want := map[string]bool{"PROVENANCE.md": true, "check.py": true, "check.json": true}
	for _, f := range files {
		want[f.name] = true
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.name)))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join(committedDir, filepath.FromSlash(f.name)))
		if err != nil {
			t.Errorf("%s: %v (regenerate the samples)", f.name, err)
			continue
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("%s differs from the committed file (regenerate the samples)", f.name)
		}
	}
	err := filepath.WalkDir(committedDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(committedDir, path)
		if !want[filepath.ToSlash(rel)] {
			t.Errorf("%s is committed but not generated", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSeedChangesOutput(t *testing.T) {
	a, b := generate(1), generate(2)
	if bytes.Equal(a[0].data, b[0].data) {
		t.Error("seeds 1 and 2 gave the same HubSpot export")
	}
	if !slices.EqualFunc(a, generate(1), func(x, y fileOut) bool { return x.name == y.name && bytes.Equal(x.data, y.data) }) {
		t.Error("seed 1 gave different files on a second run")
	}
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestTruthByHand checks the truth definitions on deals worked out by hand.
func TestTruthByHand(t *testing.T) {
	p := &population{pipes: []pipeline{{name: "P", stages: []stage{{name: "A"}, {name: "B"}, {name: "C"}}}}}
	st := func(s string, k int) event { return event{at: at(s), kind: evStage, stage: k} }
	ed := func(s string, k int) event { return event{at: at(s), kind: evAmount, stage: k} }
	deals := []deal{
		// A 1h, B 2h (an amount edit inside does not split it), C 1h, won: in order
		{outcome: won, events: []event{
			st("2024-01-01 10:00", 0), st("2024-01-01 11:00", 1), ed("2024-01-01 12:00", 1),
			st("2024-01-01 13:00", 2), {at: at("2024-01-01 14:00"), kind: evWon, stage: 2},
		}},
		// A 3h, C 1h (B skipped), B 2h (back), lost: entered all three, out of order
		{outcome: lost, events: []event{
			st("2024-01-02 10:00", 0), st("2024-01-02 13:00", 2), st("2024-01-02 14:00", 1),
			{at: at("2024-01-02 16:00"), kind: evLost, stage: 1},
		}},
		// created in B (A skipped), B 30m, C still open: only B is timed
		{outcome: open, events: []event{st("2024-01-03 10:00", 1), st("2024-01-03 10:30", 2)}},
		// A 1h, B 1h, A again 4h (re-entry), B again open: A has two timed visits
		{outcome: open, events: []event{
			st("2024-01-04 10:00", 0), st("2024-01-04 11:00", 1), st("2024-01-04 12:00", 0),
			st("2024-01-04 16:00", 1),
		}},
	}
	const h = 3600
	want := truth{CRM: "x", Seed: 7, ExportTime: "2025-03-01T12:00:00Z", Deals: 4, Pipelines: []pipelineTruth{{
		Pipeline: "P", Deals: 4, Won: 1, Lost: 1, Open: 2, WonInOrder: 1,
		Stages: []stageTruth{
			// A: entered by deals 1, 2, 4; visits 1h, 3h, 1h, 4h
			{Stage: "A", Entered: 3, EnteredInOrder: 3, TimedVisits: 4, SecondsSum: 9 * h, SecondsMedian: 2 * h},
			// B: entered by all four; in order for 1, 2 and 4 (A before B; deal 3 never entered A);
			// timed: 2h, 2h, 30m, 1h (deal 4's second stay is open)
			{Stage: "B", Entered: 4, EnteredInOrder: 3, TimedVisits: 4, SecondsSum: 5*h + h/2, SecondsMedian: 1.5 * h},
			// C: deals 1, 2, 3; in order only deal 1 (deal 2: first C before first B)
			{Stage: "C", Entered: 3, EnteredInOrder: 1, TimedVisits: 2, SecondsSum: 2 * h, SecondsMedian: 1 * h},
		},
	}}}
	got := computeTruth("x", 7, p, deals)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("truth (-want +got):\n%s", diff)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []int64
		want float64
	}{{nil, 0}, {[]int64{5}, 5}, {[]int64{9, 1}, 5}, {[]int64{3, 1, 2}, 2}, {[]int64{1, 2, 3, 10}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{decimal(1234550, 2, false), "12345.50"},
		{decimal(1234500, 2, true), "12345"},
		{decimal(1234507, 2, true), "12345.07"},
		{decimal(1500000, 0, true), "1500000"},
		{decimal(-5, 2, false), "-0.05"},
		{grouped(123456789, 2, ',', '.'), "1,234,567.89"},
		{grouped(100, 2, ',', '.'), "1.00"},
		{grouped(7475000, 2, '.', ','), "74.750,00"},
		{grouped(100000000, 2, '.', ','), "1.000.000,00"},
		{sfDate(date{2024, time.March, 5}), "3/5/2024"},
		{sfDateTime(time.Date(2024, 3, 5, 22, 2, 0, 0, time.UTC)), "3/5/2024 2:02 PM"},   // PST, UTC-8
		{sfDateTime(time.Date(2024, 7, 5, 16, 30, 0, 0, time.UTC)), "7/5/2024 9:30 AM"},  // PDT, UTC-7
		{hubspotTime(time.Date(2024, 11, 4, 15, 0, 0, 0, time.UTC)), "2024-11-04 10:00"}, // EST
		{zohoTime(time.Date(2024, 3, 31, 8, 15, 0, 0, time.UTC)), "31/03/2024 10:15"},    // CEST
		{closeExportTime(time.Date(2024, 1, 2, 22, 36, 0, 0, time.UTC)), "2024-01-02 22:36:00.000000+00:00"},
		{closeAPITime(time.Date(2024, 1, 2, 22, 36, 0, 0, time.UTC)), "2024-01-02T22:36:00.000000+00:00"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// fiscal years start on 1 February and take the name of the year they start in
	for _, c := range []struct {
		d            date
		period, year string
	}{
		{date{2024, time.January, 31}, "Q4-2023", "2023"},
		{date{2024, time.February, 1}, "Q1-2024", "2024"},
		{date{2024, time.April, 30}, "Q1-2024", "2024"},
		{date{2024, time.May, 1}, "Q2-2024", "2024"},
		{date{2024, time.October, 31}, "Q3-2024", "2024"},
		{date{2024, time.December, 31}, "Q4-2024", "2024"},
		{date{2025, time.January, 15}, "Q4-2024", "2024"},
	} {
		if p, y := sfFiscal(c.d); p != c.period || y != c.year {
			t.Errorf("sfFiscal(%v) = %s %s, want %s %s", c.d, p, y, c.period, c.year)
		}
	}
}

func TestEncodings(t *testing.T) {
	// bytes from the Windows-1252 code page chart: é E9, – 96, € 80, ß DF, Ž 8E
	if got, want := encode(windows1252, "é–€ßŽa"), []byte{0xE9, 0x96, 0x80, 0xDF, 0x8E, 'a'}; !bytes.Equal(got, want) {
		t.Errorf("windows1252 = % X, want % X", got, want)
	}
	if got, want := encode(utf16LEBOM, "aé€"), []byte{0xFF, 0xFE, 'a', 0, 0xE9, 0, 0xAC, 0x20}; !bytes.Equal(got, want) {
		t.Errorf("utf16 = % X, want % X", got, want)
	}
	if got, want := encode(utf8BOM, "a"), []byte{0xEF, 0xBB, 0xBF, 'a'}; !bytes.Equal(got, want) {
		t.Errorf("utf8 BOM = % X, want % X", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("a character outside Windows-1252 did not panic")
		}
	}()
	encode(windows1252, "Ł")
}

func TestWriteTable(t *testing.T) {
	rows := [][]string{{"a", `b "c"`, "d,e", ""}, {}, {"x\ny"}}
	if got, want := writeTable(csvStyle{sep: ','}, rows), "a,\"b \"\"c\"\"\",\"d,e\",\n\n\"x\ny\"\n"; got != want {
		t.Errorf("minimal quoting: %q, want %q", got, want)
	}
	if got, want := writeTable(csvStyle{sep: '\t', crlf: true, quoteAll: true}, rows[:1]), "\"a\"\t\"b \"\"c\"\"\"\t\"d,e\"\t\"\"\r\n"; got != want {
		t.Errorf("quote all: %q, want %q", got, want)
	}
}

// TestNoReentryInHubSpot: the wide HubSpot form keeps one entry per stage,
// so the sample never enters a stage twice.
func TestNoReentryInHubSpot(t *testing.T) {
	p := hubspotPopulation()
	for _, d := range simulate(p, newRNG(99)) {
		seen := map[int]bool{}
		for _, v := range d.visits() {
			if seen[v.stage] {
				t.Fatalf("deal %d enters stage %d twice", d.seq, v.stage)
			}
			seen[v.stage] = true
		}
	}
}

// TestTruthFromFiles rebuilds every CRM's truth from its exported files
// alone (decoding each file's encoding, parsing its dates in its zone,
// skipping report footers and field-only history rows) and compares it
// with the truth.json written from the model.
func TestTruthFromFiles(t *testing.T) {
	files := map[string][]byte{}
	for _, f := range generate(DefaultSeed) {
		files[f.name] = f.data
	}
	for i, c := range crms {
		t.Run(c.name, func(t *testing.T) {
			p := c.pop()
			var want truth
			if err := json.Unmarshal(files[c.name+"/truth.json"], &want); err != nil {
				t.Fatal(err)
			}
			var deals []deal
			switch c.name {
			case "hubspot":
				deals = hubspotFromFiles(t, p, files)
			case "salesforce":
				deals = salesforceFromFiles(t, p, files)
			case "pipedrive":
				deals = pipedriveFromFiles(t, p, files)
			case "close":
				deals = closeFromFiles(t, p, files)
			case "zoho":
				deals = zohoFromFiles(t, p, files)
			}
			got := computeTruth(c.name, DefaultSeed, p, deals)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("crm %d: truth from files (-model +files):\n%s", i, diff)
			}
			if want.Deals < 200 || want.Deals > 600 {
				t.Errorf("%d deals, want 200-600", want.Deals)
			}
		})
	}
}

func decodeFile(t *testing.T, b []byte) string {
	t.Helper()
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
		}
		return string(utf16.Decode(u))
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return string(b[3:])
	}
	return string(b)
}

func decode1252(b []byte) string {
	back := map[byte]rune{}
	for r, x := range cp1252High {
		back[x] = r
	}
	var sb strings.Builder
	for _, x := range b {
		if r, ok := back[x]; ok {
			sb.WriteRune(r)
		} else {
			sb.WriteRune(rune(x))
		}
	}
	return sb.String()
}

func readRows(t *testing.T, text string, sep rune) [][]string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = sep
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// records returns the data rows as maps by header, up to the report footer:
// a "Grand Totals (N records)" row or a row not as wide as the header.
// (encoding/csv skips the footer's blank lines.)
func records(rows [][]string) []map[string]string {
	var out []map[string]string
	for _, row := range rows[1:] {
		if len(row) != len(rows[0]) || strings.HasPrefix(row[0], "Grand Totals (") {
			break
		}
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func parseIn(t *testing.T, layout, s string, loc *time.Location) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// builder assembles model deals from what a file says.
type builder struct {
	p     *population
	pipes map[string]int
}

func newBuilder(p *population) *builder {
	b := &builder{p: p, pipes: map[string]int{}}
	for i, pl := range p.pipes {
		b.pipes[pl.name] = i
	}
	return b
}

func (b *builder) pipe(t *testing.T, name string) pipeline {
	t.Helper()
	i, ok := b.pipes[name]
	if !ok {
		t.Fatalf("unknown pipeline %q", name)
	}
	return b.p.pipes[i]
}

func (b *builder) stageIndex(t *testing.T, pipe int, name string) int {
	t.Helper()
	for k, s := range b.p.pipes[pipe].stages {
		if s.name == name {
			return k
		}
	}
	t.Fatalf("no stage %q in %s", name, b.p.pipes[pipe].name)
	return 0
}

type entry struct {
	at    time.Time
	stage string
}

// deal turns ordered stage entries and an outcome into a model deal.
func (b *builder) deal(t *testing.T, pipeName string, entries []entry, out outcome, closed time.Time) deal {
	t.Helper()
	pi, ok := b.pipes[pipeName]
	if !ok {
		t.Fatalf("unknown pipeline %q", pipeName)
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].at.Before(entries[j].at) })
	d := deal{pipe: pi, outcome: out}
	for _, e := range entries {
		d.events = append(d.events, event{at: e.at, kind: evStage, stage: b.stageIndex(t, pi, e.stage)})
	}
	switch out {
	case won:
		d.events = append(d.events, event{at: closed, kind: evWon})
	case lost:
		d.events = append(d.events, event{at: closed, kind: evLost})
	}
	return d
}

func hubspotFromFiles(t *testing.T, p *population, files map[string][]byte) []deal {
	b := newBuilder(p)
	var deals []deal
	for _, r := range records(readRows(t, decodeFile(t, files["hubspot/deals.csv"]), ',')) {
		pl := b.pipe(t, r["Pipeline"])
		col := func(kind, stage string) string { return r[kind+` "`+stage+" ("+pl.name+`)"`] }
		var es []entry
		for _, s := range pl.stages {
			if v := col("Date entered", s.name); v != "" {
				es = append(es, entry{parseIn(t, "2006-01-02 15:04", v, hubspotZone), s.name})
			}
		}
		out, closed := open, time.Time{}
		switch r["Deal Stage"] {
		case pl.won:
			out, closed = won, parseIn(t, "2006-01-02 15:04", col("Date entered", pl.won), hubspotZone)
		case pl.lost[0]:
			out, closed = lost, parseIn(t, "2006-01-02 15:04", col("Date entered", pl.lost[0]), hubspotZone)
		}
		if (r["Is Closed Won"] == "true") != (out == won) {
			t.Errorf("%s: Is Closed Won %s with stage %s", r["Record ID"], r["Is Closed Won"], r["Deal Stage"])
		}
		deals = append(deals, b.deal(t, pl.name, es, out, closed))
	}
	return deals
}

func salesforceFromFiles(t *testing.T, p *population, files map[string][]byte) []deal {
	b := newBuilder(p)
	opps := records(readRows(t, decode1252(files["salesforce/opportunities.csv"]), ','))
	hist := records(readRows(t, decode1252(files["salesforce/opportunity_history.csv"]), ','))
	byID := map[string][]map[string]string{}
	for _, r := range hist {
		byID[r["Opportunity ID"]] = append(byID[r["Opportunity ID"]], r)
	}
	var deals []deal
	for _, o := range opps {
		pl := b.pipe(t, o["Opportunity Record Type"])
		var es []entry
		out, closed, prev := open, time.Time{}, ""
		for _, h := range byID[o["Opportunity ID"]] {
			if h["Stage"] == prev {
				continue // a save that changed amount, probability or close date only
			}
			prev = h["Stage"]
			at := parseIn(t, "1/2/2006 3:04 PM", h["Last Modified"], salesforceZone)
			switch h["Stage"] {
			case pl.won:
				out, closed = won, at
			case pl.lost[0]:
				out, closed = lost, at
			default:
				es = append(es, entry{at, h["Stage"]})
			}
		}
		if (o["Won"] == "1") != (out == won) || (o["Closed"] == "1") != (out != open) {
			t.Errorf("%s: flags Won=%s Closed=%s disagree with the history", o["Opportunity ID"], o["Won"], o["Closed"])
		}
		deals = append(deals, b.deal(t, pl.name, es, out, closed))
	}
	return deals
}

func pipedriveFromFiles(t *testing.T, p *population, files map[string][]byte) []deal {
	b := newBuilder(p)
	type change struct {
		at       time.Time
		old, new string
	}
	flow := map[string][]change{}
	for _, r := range records(readRows(t, decodeFile(t, files["pipedrive/deal_flow.csv"]), ',')) {
		if r["field_key"] != "stage_id" {
			continue
		}
		flow[r["item_id"]] = append(flow[r["item_id"]], change{
			parseIn(t, "2006-01-02 15:04:05", r["log_time"], time.UTC), r["old_value_formatted"], r["new_value_formatted"]})
	}
	var deals []deal
	for _, r := range records(readRows(t, decodeFile(t, files["pipedrive/deals.csv"]), ',')) {
		cs := flow[r["Deal - ID"]]
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].at.Before(cs[j].at) })
		first := r["Deal - Stage"]
		if len(cs) > 0 {
			first = cs[0].old
		}
		es := []entry{{parseIn(t, "2006-01-02 15:04:05", r["Deal - Deal created"], time.UTC), first}}
		for _, c := range cs {
			es = append(es, entry{c.at, c.new})
		}
		out, closed := open, time.Time{}
		switch r["Deal - Status"] {
		case "Won":
			out, closed = won, parseIn(t, "2006-01-02 15:04:05", r["Deal - Won time"], time.UTC)
		case "Lost":
			out, closed = lost, parseIn(t, "2006-01-02 15:04:05", r["Deal - Lost time"], time.UTC)
		}
		deals = append(deals, b.deal(t, r["Deal - Pipeline"], es, out, closed))
	}
	return deals
}

func closeFromFiles(t *testing.T, p *population, files map[string][]byte) []deal {
	b := newBuilder(p)
	type change struct {
		at                      time.Time
		oldLabel, label, status string
	}
	byOpp := map[string][]change{}
	for _, r := range records(readRows(t, decodeFile(t, files["close/opportunity_status_changes.csv"]), ',')) {
		at, err := time.Parse(time.RFC3339Nano, r["date_created"])
		if err != nil {
			t.Fatal(err)
		}
		byOpp[r["opportunity_id"]] = append(byOpp[r["opportunity_id"]], change{at.UTC(), r["old_status_label"], r["new_status_label"], r["new_status_type"]})
	}
	var deals []deal
	for _, r := range records(readRows(t, decodeFile(t, files["close/opportunities.csv"]), ',')) {
		cs := byOpp[r["id"]]
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].at.Before(cs[j].at) })
		first := r["status_label"]
		if len(cs) > 0 {
			first = cs[0].oldLabel
		}
		es := []entry{{parseIn(t, "2006-01-02 15:04:05.000000-07:00", r["date_created"], time.UTC), first}}
		out, closed := open, time.Time{}
		for _, c := range cs {
			switch c.status {
			case "won":
				out, closed = won, c.at
			case "lost":
				out, closed = lost, c.at
			default:
				es = append(es, entry{c.at, c.label})
			}
		}
		if want := map[outcome]string{open: "active", won: "won", lost: "lost"}[out]; r["status_type"] != want {
			t.Errorf("%s: status_type %s, history says %s", r["id"], r["status_type"], want)
		}
		deals = append(deals, b.deal(t, r["pipeline_name"], es, out, closed))
	}
	return deals
}

func zohoFromFiles(t *testing.T, p *population, files map[string][]byte) []deal {
	b := newBuilder(p)
	csvDeals := records(readRows(t, decodeFile(t, files["zoho/deals.csv"]), ','))
	// the Excel re-save holds the same table
	if unicode := records(readRows(t, decodeFile(t, files["zoho/deals_unicode.txt"]), '\t')); !cmp.Equal(unicode, csvDeals) {
		t.Error("deals_unicode.txt does not hold the rows of deals.csv")
	}
	hist := map[string][]map[string]string{}
	for _, r := range records(readRows(t, decodeFile(t, files["zoho/stage_history.csv"]), ',')) {
		hist[r["Record Id"]] = append(hist[r["Record Id"]], r)
	}
	var deals []deal
	for _, r := range csvDeals {
		pl := b.pipe(t, r["Pipeline"])
		var es []entry
		out, closed := open, time.Time{}
		for _, h := range hist[r["Record Id"]] {
			at := parseIn(t, "02/01/2006 15:04", h["Modified Time"], zohoZone)
			switch {
			case h["Stage"] == pl.won:
				out, closed = won, at
			case slices.Contains(pl.lost, h["Stage"]):
				out, closed = lost, at
			default:
				es = append(es, entry{at, h["Stage"]})
			}
		}
		deals = append(deals, b.deal(t, pl.name, es, out, closed))
	}
	return deals
}
