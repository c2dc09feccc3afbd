package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The tests run the tool as a function, with its arguments, stdin, stdout
// and stderr, and check what a shell user sees: the output, the messages and
// the exit status. Expected figures of the small test files are worked out
// by hand in the comments.

type result struct {
	code           int
	stdout, stderr string
}

func tool(t *testing.T, stdin string, terminal bool, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, outTerminal: terminal, errTerminal: terminal,
		now: func() time.Time { return time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC) }}
	code := run(args, e)
	return result{code, out.String(), errb.String()}
}

func mustRun(t *testing.T, args ...string) result {
	t.Helper()
	r := tool(t, "", false, args...)
	if r.code != exitOK {
		t.Fatalf("funnel %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

const (
	mapping = "testdata/mapping.json"
	deals   = "testdata/deals.csv"
	mavenIn = "../../testdata/maven-crm"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%.500s", err, s)
	}
	return v
}

// get walks a decoded JSON value by keys and indices.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object at %q", path, k)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("%v: no element %d", path, k)
			}
			v = a[k]
		}
	}
	return v
}

func num(t *testing.T, v any, path ...any) float64 {
	t.Helper()
	f, ok := get(t, v, path...).(float64)
	if !ok {
		t.Fatalf("%v: %v is not a number", path, get(t, v, path...))
	}
	return f
}

// TestNoArguments runs "funnel report" from a directory laid out as the
// repository is, as "go run ./cmd/funnel report" does from its root: it
// reads the bundled Maven export, prints the report on the terminal and
// writes funnel-report.html.
func TestNoArguments(t *testing.T) {
	abs, err := filepath.Abs(mavenIn)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(dir, "testdata", "maven-crm")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	r := tool(t, "", true, "report")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// the figures of testdata/maven-crm/crosscheck.sql
	for _, want := range []string{"Deals: 8800 (open 2089, won 4238, lost 2473)", "4238/6711 (63.2%)",
		"products.csv: 7320 matched, 1480 unmatched (GTXPro 1480)", "== Trend", "== Cohorts", "== Survival", "== Forecast"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	if !strings.Contains(r.stderr, "wrote funnel-report.html") {
		t.Errorf("stderr: %s", r.stderr)
	}
	html, err := os.ReadFile(filepath.Join(dir, "funnel-report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-chart="funnel"`, `data-chart="trend"`, `data-chart="cohorts"`, `data-chart="survival"`, `data-chart="expected-revenue"`, `<svg role="img"`} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("HTML lacks %s", want)
		}
	}
	// self-contained: nothing loaded from elsewhere
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).Find(html); m != nil {
		t.Errorf("HTML loads %s", m)
	}
}

// TestSubcommands runs each command on the small export and checks figures
// worked out by hand from testdata/deals.csv (10 deals, as of 2024-04-01).
func TestSubcommands(t *testing.T) {
	// owners: ana has D1 won, D2 and D9 lost, D5 open: win rate 1/3;
	// ben D3 and D8 won, D4 lost: 2/3; cy three open deals: 0/0.
	r := mustRun(t, "segments", "-mapping", mapping, "-format", "json", "-by", "owner", deals)
	v := decode(t, r.stdout)
	rows := get(t, v, "segments", "rows").([]any)
	got := map[string][2]float64{}
	for i := range rows {
		key := get(t, rows[i], "key", 0).(string)
		got[key] = [2]float64{num(t, rows[i], "report", "win_rate", "num"), num(t, rows[i], "report", "win_rate", "den")}
	}
	if diff := cmp.Diff(map[string][2]float64{"ana": {1, 3}, "ben": {2, 3}, "cy": {0, 0}}, got); diff != "" {
		t.Errorf("win rates by owner (-want +got):\n%s", diff)
	}

	// cohorts: January D1, D2, D3 (D1 and D3 won in February: 0 then 2/3);
	// February D4-D7, none won; March D8 (won in March), D9, D10: 1/3.
	r = mustRun(t, "cohorts", "-mapping", mapping, "-format", "json", deals)
	v = decode(t, r.stdout)
	var shares [][]float64
	for _, c := range get(t, v, "cohorts", "cohorts").([]any) {
		var s []float64
		for _, a := range c.(map[string]any)["ages"].([]any) {
			s = append(s, num(t, a, "count"))
		}
		shares = append(shares, s)
	}
	if diff := cmp.Diff([][]float64{{0, 2, 2, 2}, {0, 0, 0}, {1, 1}}, shares); diff != "" {
		t.Errorf("won by age (-want +got):\n%s", diff)
	}

	// attribution, linear: D1 (1000) by search and email, D3 (2500) by
	// event and email, D8 (4000) by event and search: email 500 + 1250,
	// event 1250 + 2000, search 500 + 2000. D4, D6, D7 have no touch.
	r = mustRun(t, "attribution", "-mapping", mapping, "-touches", "testdata/touches.csv", "-format", "json", deals)
	v = decode(t, r.stdout)
	rev := map[string]string{}
	for _, k := range get(t, v, "attribution", "keys").([]any) {
		rev[get(t, k, "key").(string)] = get(t, k, "revenue").(string)
	}
	if diff := cmp.Diff(map[string]string{"email": "1750", "event": "3250", "search": "2500"}, rev); diff != "" {
		t.Errorf("revenue by channel (-want +got):\n%s", diff)
	}
	if l := get(t, v, "attribution", "unattributed", "leads"); l != "3" {
		t.Errorf("unattributed leads %v, want 3", l)
	}

	// eNPS: sales answers 10 9 9 8 7 6 5 3 9 10 2 8: 5 promoters, 3
	// passives, 4 detractors, 100 (5 - 4) / 12 = 8.33; legal (3 answers) is
	// hidden, and support as its complement.
	r = mustRun(t, "enps", "-mapping", mapping, "-answers", "testdata/answers.csv", "-format", "json")
	v = decode(t, r.stdout)
	groups := map[string]string{}
	for _, g := range get(t, v, "enps", "groups").([]any) {
		groups[get(t, g, "group").(string)] = get(t, g, "score", "suppressed").(string)
	}
	if diff := cmp.Diff(map[string]string{"legal": "too few", "sales": "shown", "support": "complement"}, groups); diff != "" {
		t.Errorf("published groups (-want +got):\n%s", diff)
	}
	for _, g := range get(t, v, "enps", "groups").([]any) {
		if get(t, g, "group") == "sales" {
			if s := num(t, g, "score", "score", "score"); s < 8.333 || s > 8.334 {
				t.Errorf("sales eNPS %v, want 8.33", s)
			}
		}
	}

	// the forecast weighs the four open deals; the CLV has three accounts
	// with won deals: Acme 1000, Bolt 2500, Dyna 4000
	r = mustRun(t, "clv", "-mapping", mapping, "-format", "json", deals)
	v = decode(t, r.stdout)
	if rv := get(t, v, "clv", "revenue"); rv != "7500" {
		t.Errorf("CLV revenue %v, want 7500", rv)
	}
	r = mustRun(t, "forecast", "-mapping", mapping, "-format", "json", deals)
	v = decode(t, r.stdout)
	if n := num(t, v, "pipeline", "open"); n != 4 {
		t.Errorf("open deals %v, want 4", n)
	}
	if e, w := get(t, v, "forecast", "expected"), get(t, v, "pipeline", "weighted"); e != w {
		t.Errorf("expected revenue %v, weighted pipeline %v: the periods must add up to it", e, w)
	}
	for _, c := range []string{"trend", "survival"} {
		r = mustRun(t, c, "-mapping", mapping, "-format", "text", deals)
		if !strings.Contains(r.stdout, "== ") {
			t.Errorf("%s: text output %q", c, r.stdout)
		}
	}
	// the side table joins: Elan is not in accounts.csv
	if !strings.Contains(r.stdout, "accounts.csv: 9 matched, 1 unmatched (Elan 1)") {
		t.Errorf("join report missing: %s", r.stdout)
	}
}

func TestFormats(t *testing.T) {
	dir := t.TempDir()
	r := mustRun(t, "report", "-mapping", mapping, "-touches", "testdata/touches.csv", "-answers", "testdata/answers.csv",
		"-format", "csv", "-o", dir, "-html", filepath.Join(dir, "r.html"), "-charts", filepath.Join(dir, "charts"), deals)
	for _, f := range []string{"funnel.csv", "summary.csv", "trend.csv", "cohorts.csv", "cohort_cells.csv", "survival.csv",
		"survival_sales_cycle.csv", "forecast.csv", "pipeline.csv", "attribution.csv", "enps.csv", "clv_accounts.csv", "r.html",
		"charts/funnel.svg", "charts/funnel.png", "charts/enps.svg", "charts/attribution.png", "charts/customer-cohorts.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("no %s: %v\n%s", f, err, r.stderr)
		}
	}
	// the funnel CSV: reach 10, 8 (D4 and D7 never got a demo), 5 with a
	// proposal, 3 won
	b, err := os.ReadFile(filepath.Join(dir, "funnel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var reach []string
	for _, r := range rows[1:] {
		reach = append(reach, r[0]+"="+r[1])
	}
	if diff := cmp.Diff([]string{"Lead=10", "Demo=8", "Proposal=5", "won=3"}, reach); diff != "" {
		t.Errorf("reach (-want +got):\n%s", diff)
	}
	if rows[0][2] != "step" || rows[2][2] != "0.8" {
		t.Errorf("step column: %q / %q, want step / 0.8", rows[0][2], rows[2][2])
	}
	// text is the default on a terminal, JSON otherwise
	if r := tool(t, "", true, "trend", "-mapping", mapping, deals); !strings.HasPrefix(r.stdout, "== Input") {
		t.Errorf("terminal default: %.80q", r.stdout)
	}
	if r := tool(t, "", false, "trend", "-mapping", mapping, deals); !strings.HasPrefix(r.stdout, "{") {
		t.Errorf("pipe default: %.80q", r.stdout)
	}
	r = mustRun(t, "cohorts", "-mapping", mapping, "-format", "html", deals)
	if !strings.HasPrefix(r.stdout, "<!DOCTYPE html>") || !strings.Contains(r.stdout, `data-chart="cohorts"`) {
		t.Errorf("html: %.200q", r.stdout)
	}
}

// TestStdin reads the deals from standard input, which can be read only
// once: every analysis of the report comes from that one pass.
func TestStdin(t *testing.T) {
	b, err := os.ReadFile(deals)
	if err != nil {
		t.Fatal(err)
	}
	r := tool(t, string(b), false, "report", "-mapping", mapping, "-html", "", "-format", "json", "-")
	if r.code != exitOK {
		t.Fatal(r.stderr)
	}
	v := decode(t, r.stdout)
	if n := num(t, v, "report", "deals"); n != 10 {
		t.Errorf("report: %v deals", n)
	}
	if n := num(t, v, "trend", "input", "counted"); n != 10 {
		t.Errorf("trend: %v deals", n)
	}
	if n := num(t, v, "cohorts", "input", "counted"); n != 10 {
		t.Errorf("cohorts: %v deals", n)
	}
	if n := num(t, v, "survival", 0, "input", "counted"); n != 10 {
		t.Errorf("survival: %v deals", n)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"no command", nil, exitUsage, []string{"Usage:", "Commands:"}},
		{"unknown command", []string{"frobnicate"}, exitUsage, []string{`unknown command "frobnicate"`}},
		{"bad flag", []string{"trend", "-nope"}, exitUsage, []string{"flag provided but not defined: -nope", "Usage: funnel trend"}},
		{"bad period", []string{"trend", "-mapping", mapping, "-period", "fortnight", deals}, exitUsage, []string{`-period "fortnight"`}},
		{"files without a mapping", []string{"report", deals}, exitUsage, []string{"need -mapping"}},
		{"mapping without files", []string{"report", "-mapping", mapping}, exitUsage, []string{"no deals file"}},
		{"missing file", []string{"trend", "-mapping", mapping, "testdata/none.csv"}, exitError, []string{"none.csv"}},
		{"csv needs a directory", []string{"trend", "-mapping", mapping, "-format", "csv", deals}, exitUsage, []string{"-o DIR"}},
		// the amount of D2 on line 3, column 10
		{"strict bad row", []string{"trend", "-mapping", mapping, "testdata/bad.csv"}, exitError,
			[]string{"bad.csv:3:10: amount: csvimport: invalid amount"}},
		{"bad mapping", []string{"trend", "-mapping", "testdata/bad-mapping.json", deals}, exitError,
			[]string{"bad-mapping.json:3:3:", `unknown field "stagez"`}},
		{"enps without answers", []string{"enps"}, exitUsage, []string{"-answers"}},
		{"answers without the columns", []string{"enps", "-answers", "testdata/answers.csv"}, exitError,
			[]string{`answers.csv:1:0: csvimport: missing column "group"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tool(t, "", false, c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, c.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
		})
	}
}

// TestLenient skips the two bad rows, says so on stderr with their
// file:line:column, and reports the two good deals.
func TestLenient(t *testing.T) {
	r := tool(t, "", false, "trend", "-lenient", "-mapping", mapping, "-format", "json", "testdata/bad.csv")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, w := range []string{"bad.csv: skipped 2 of 4 rows", "bad.csv:3:10: amount:", "bad.csv:4:6: created:"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	v := decode(t, r.stdout)
	if n := num(t, v, "trend", "input", "counted"); n != 2 {
		t.Errorf("%v deals counted, want 2", n)
	}
	if n := num(t, v, "read", "files", 0, "skipped"); n != 2 {
		t.Errorf("%v rows skipped, want 2", n)
	}
}

func TestProgress(t *testing.T) {
	// on a terminal, a file under the size threshold shows nothing
	r := tool(t, "", true, "trend", "-mapping", mapping, "-format", "json", deals)
	if strings.Contains(r.stderr, "MB/s") {
		t.Errorf("progress for a small file: %q", r.stderr)
	}
	r = tool(t, "", false, "trend", "-mapping", mapping, "-format", "json", "-progress", "always", deals)
	if !regexp.MustCompile(`deals.csv: 10 rows, 0 skipped, 0.0 MB in \d+\.\ds \(\d+ MB/s\)`).MatchString(r.stderr) {
		t.Errorf("no summary line: %q", r.stderr)
	}
	r = tool(t, "", false, "trend", "-mapping", mapping, "-progress", "sometimes", deals)
	if r.code != exitUsage {
		t.Errorf("-progress sometimes: exit %d", r.code)
	}
}
