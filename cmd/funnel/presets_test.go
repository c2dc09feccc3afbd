package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The CRM presets are run on the synthetic exports of testdata/crm, rows
// as they are, and their figures compared per pipeline with truth.json:
// the generator's model of each deal (testdata/crm/PROVENANCE.md), never
// the tool's output.

const crmIn = "../../testdata/crm"

// crmTruth is the part of truth.json the tool's report holds.
type crmTruth struct {
	ExportTime string `json:"export_time_utc"`
	Deals      int64  `json:"deals"`
	Pipelines  []struct {
		Pipeline string `json:"pipeline"`
		Deals    int64  `json:"deals"`
		Won      int64  `json:"won"`
		Lost     int64  `json:"lost"`
		Open     int64  `json:"open"`
		Stages   []struct {
			Stage   string `json:"stage"`
			Entered int64  `json:"entered"`
		} `json:"stages"`
	} `json:"pipelines"`
}

// crmFigures are the figures compared, from the truth or from the tool.
type crmFigures struct {
	Deals, Won, Lost, Open int64
	WinRate                [2]int64 // won / (won + lost)
	Entered                map[string]int64
	Read, Kept, Ignored    int64 // the deals file's rows
}

// The samples: files, the sales team's zone for the exports that write
// local times without one (PROVENANCE.md), and the reporting currency of
// the exports in several currencies (converted with the illustrative
// rates of testdata/rates.csv).
var crmSamples = []struct {
	crm, deals, history, tz, currency string
}{
	{"hubspot", "deals.csv", "", "America/New_York", ""},
	{"salesforce", "opportunities.csv", "opportunity_history.csv", "America/Los_Angeles", ""},
	{"pipedrive", "deals.csv", "deal_flow.csv", "", "EUR"},
	{"close", "opportunities.csv", "opportunity_status_changes.csv", "", "USD"},
	{"zoho", "deals.csv", "stage_history.csv", "Europe/Berlin", "EUR"},
}

// TestCRMPresets runs "funnel report -preset CRM" on each sample, once per
// pipeline, and compares the deals, outcomes, win rate and stage entries
// (entered at all: the any-stage count the report keeps beside the
// in-order one) with truth.json, and the rows read with the pipeline's
// deals and the others' counted apart.
func TestCRMPresets(t *testing.T) {
	for _, s := range crmSamples {
		t.Run(s.crm, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(crmIn, s.crm, "truth.json"))
			if err != nil {
				t.Fatal(err)
			}
			var tr crmTruth
			if err := json.Unmarshal(b, &tr); err != nil {
				t.Fatal(err)
			}
			for _, pl := range tr.Pipelines {
				var stages []string
				want := crmFigures{Deals: pl.Deals, Won: pl.Won, Lost: pl.Lost, Open: pl.Open,
					WinRate: [2]int64{pl.Won, pl.Won + pl.Lost}, Entered: map[string]int64{},
					Read: tr.Deals, Kept: pl.Deals, Ignored: tr.Deals - pl.Deals}
				for _, st := range pl.Stages {
					stages = append(stages, st.Stage)
					want.Entered[st.Stage] = st.Entered
				}
				args := []string{"report", "-preset", s.crm, "-deals", filepath.Join(crmIn, s.crm, s.deals),
					"-pipeline", pl.Pipeline, "-stages", strings.Join(stages, ","),
					"-as-of", tr.ExportTime, "-format", "json", "-html", ""}
				if s.history != "" {
					args = append(args, "-history", filepath.Join(crmIn, s.crm, s.history))
				}
				if s.tz != "" {
					args = append(args, "-tz", s.tz)
				}
				if s.currency != "" {
					args = append(args, "-currency", s.currency, "-rates", "testdata/rates.csv")
				}
				r := mustRun(t, args...)
				v := decode(t, r.stdout)
				got := crmFigures{
					Deals: int64(num(t, v, "report", "deals")), Won: int64(num(t, v, "report", "won")),
					Lost: int64(num(t, v, "report", "lost")), Open: int64(num(t, v, "report", "open")),
					WinRate: [2]int64{int64(num(t, v, "report", "win_rate", "num")), int64(num(t, v, "report", "win_rate", "den"))},
					Entered: map[string]int64{},
					Read:    int64(num(t, v, "read", "files", 0, "rows")), Kept: int64(num(t, v, "read", "files", 0, "kept")),
				}
				for i := range stages {
					row := get(t, v, "report", "funnel", i)
					got.Entered[get(t, row, "stage").(string)] = int64(num(t, row, "entered"))
				}
				if ig, ok := get(t, v, "read", "files", 0, "ignored").([]any); ok {
					for _, x := range ig {
						got.Ignored += int64(num(t, x, "count"))
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("pipeline %q (-truth.json +tool):\n%s", pl.Pipeline, diff)
				}
			}
		})
	}
}

// TestPresetErrors checks the command lines a preset refuses, each with
// the message that says what to give.
func TestPresetErrors(t *testing.T) {
	hubspot := filepath.Join(crmIn, "hubspot", "deals.csv")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "-preset", "hubspt"}, `unknown preset "hubspt": the presets are close, hubspot, maven, pipedrive, salesforce, zoho`},
		{[]string{"report", "-preset", "hubspot", "-tz", "UTC", "-pipeline", "Renewals", "-stages", "Renewal Upcoming"}, "reads one deals file: give it with -deals FILE"},
		{[]string{"report", "-preset", "hubspot", "-tz", "UTC", "-pipeline", "Renewals", "-deals", hubspot}, "needs the funnel: -stages"},
		{[]string{"report", "-preset", "hubspot", "-tz", "UTC", "-stages", "Renewal Upcoming", "-deals", hubspot}, `needs -pipeline NAME: the export's deals each belong to a pipeline (its "Pipeline" column)`},
		{[]string{"report", "-preset", "hubspot", "-pipeline", "Renewals", "-stages", "Renewal Upcoming", "-deals", hubspot}, "without naming it: give the zone with -tz"},
		{[]string{"report", "-preset", "zoho", "-tz", "UTC", "-pipeline", "Standard", "-stages", "Qualification", "-deals", hubspot}, "needs -history FILE"},
		{[]string{"report", "-preset", "hubspot", "-tz", "UTC", "-pipeline", "Renewals", "-stages", "Renewal Upcoming", "-deals", hubspot, "-history", hubspot}, "reads no history file"},
		{[]string{"report", "-preset", "hubspot", "-tz", "UTC", "-pipeline", "Renewals", "-stages", "Renewal Upcoming", "-deals", hubspot, "-rates", "testdata/rates.csv"}, "-rates converts to the reporting currency: give it with -currency"},
	} {
		r := tool(t, "", false, c.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("funnel %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c.args, " "), r.code, r.stderr, exitUsage, c.want)
		}
	}
	// -preset's help lists every preset
	r := tool(t, "", false, "report", "-h")
	for name := range presets {
		if !strings.Contains(r.stderr, " "+name+" (") {
			t.Errorf("-preset help lacks %s:\n%s", name, r.stderr)
		}
	}
}
