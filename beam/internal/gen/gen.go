// Package gen generates deal exports deterministically from a seed: deals
// of several tenants and pipelines with dated stage histories, written as
// CSV files that csvimport reads back to the same deals. Some fields hold
// commas, quotes and line breaks, so that a record spans lines.
package gen

import (
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/shopspring/decimal"
)

// Stages are the stages of the generated funnel, in order.
var stages = []funnel.Stage{"Lead", "Qualified", "Demo", "Proposal", "Negotiation"}

// Stages returns the stages of the generated funnel, in order.
func Stages() []funnel.Stage { return append([]funnel.Stage(nil), stages...) }

// Funnel returns the funnel of Stages.
func Funnel() *funnel.Funnel {
	f, err := funnel.New(stages...)
	if err != nil {
		panic(err) // the stages are valid
	}
	return f
}

// A Dist is a distribution of amounts and of the time between stage
// changes.
type Dist int

// The distributions.
const (
	// Uniform amounts between 500.00 and 200,000.00, steps up to 20 days.
	Uniform Dist = iota
	// LogNormal amounts (median about 8,100) and steps (median 5 days).
	LogNormal
	// Pareto amounts and steps: heavy tails (shape 1.1), amounts up to
	// about 10^12, steps up to about 5 years.
	Pareto
	// Ties: amounts and steps from a handful of values.
	Ties
)

// Options shape the generated deals.
type Options struct {
	Deals   int
	Seed    uint64
	Tenants int  // at least 1
	Files   int  // files per tenant, at least 1
	Dist    Dist // of amounts and stage times
	// TenantPrefix starts every tenant's name; "" means "tenant".
	TenantPrefix string
	// Start is the first creation time; creation times spread over two
	// years from it. Zero means 2023-01-01 UTC.
	Start time.Time
}

// A Deal is a generated deal and the tenant and file it is written to.
type Deal struct {
	Tenant string
	File   string // relative to the folder the files are written to
	Deal   funnel.Deal
}

var (
	pipelines = []string{"new", "renewal", "expansion", ""}
	owners    = []string{"ana", "ben", "chen", "dara", "eli", "fay"}
	regions   = []string{"EMEA", "NA", "APAC", "LATAM"}
	sources   = []string{"web", "referral", "event", "outbound", ""}
	lostWhy   = []string{"price", "competitor", "no decision", "price, terms", "timing \"Q3\"", "budget\ncut"}
	accountNS = []string{"Acme", "Globex, Inc.", "Initech", "Umbrella \"Corp\"", "Hooli\nEurope"}
	tiesAmt   = []int64{0, 100000, 500000, 500000, 2500000, 10000000}
	tiesStep  = []int64{3600, 86400, 86400, 7 * 86400, 30 * 86400}
)

// Generate returns the deals of the options, in file order.
func Generate(o Options) []Deal {
	o.Tenants, o.Files = max(o.Tenants, 1), max(o.Files, 1)
	if o.TenantPrefix == "" {
		o.TenantPrefix = "tenant"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2023, time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x5851f42d4c957f2d))
	span := int64(2 * 365 * 24 * 3600)
	out := make([]Deal, o.Deals)
	for i := range out {
		t := r.IntN(o.Tenants)
		g := &out[i]
		g.Tenant = fmt.Sprintf("%s-%02d", o.TenantPrefix, t)
		g.File = filepath.Join(g.Tenant, fmt.Sprintf("deals-%03d.csv", r.IntN(o.Files)))
		d := &g.Deal
		d.ID = fmt.Sprintf("%s-%07d", g.Tenant, i)
		d.Account = accountNS[r.IntN(len(accountNS))] + " " + strconv.Itoa(r.IntN(1000))
		d.Pipeline = pipelines[r.IntN(len(pipelines))]
		d.Created = o.Start.Add(time.Duration(r.Int64N(span)) * time.Second)
		d.Amount = amount(r, o.Dist)
		d.Currency = "USD"
		d.Attrs = funnel.Attributes{Owner: owners[r.IntN(len(owners))], Region: regions[r.IntN(len(regions))],
			Source: sources[r.IntN(len(sources))]}
		at := d.Created
		k := 0
		d.History = []funnel.StageChange{{Stage: stages[0], At: at}}
		for {
			at = at.Add(step(r, o.Dist))
			u := r.Float64()
			if u < 0.55 && k < len(stages)-1 { // advance, sometimes skipping a stage
				k++
				if k < len(stages)-1 && r.IntN(10) == 0 {
					k++
				}
				d.History = append(d.History, funnel.StageChange{Stage: stages[k], At: at})
				continue
			}
			switch {
			case u < 0.75:
				d.Outcome, d.Closed = funnel.Won, at
			case u < 0.92:
				d.Outcome, d.Closed = funnel.Lost, at
				d.LostReason = lostWhy[r.IntN(len(lostWhy))]
			}
			break
		}
		d.Stage = d.History[len(d.History)-1].Stage
	}
	return out
}

// amount draws an amount in whole cents.
func amount(r *rand.Rand, d Dist) decimal.Decimal {
	var cents int64
	switch d {
	case LogNormal:
		cents = int64(math.Exp(r.NormFloat64()*1.2+9) * 100)
	case Pareto:
		cents = int64(min(100000/math.Pow(1-r.Float64(), 1/1.1), 1e14))
	case Ties:
		cents = tiesAmt[r.IntN(len(tiesAmt))]
	default:
		cents = 50000 + r.Int64N(20000000)
	}
	return decimal.New(cents, -2)
}

// step draws the time to the next stage change, in whole seconds (at
// least one, so that entries are strictly ordered).
func step(r *rand.Rand, d Dist) time.Duration {
	var s int64
	switch d {
	case LogNormal:
		s = int64(math.Exp(r.NormFloat64() + 13))
	case Pareto:
		s = int64(min(3600/math.Pow(1-r.Float64(), 1/1.1), 5*365*86400))
	case Ties:
		s = tiesStep[r.IntN(len(tiesStep))]
	default:
		s = 1 + r.Int64N(20*86400)
	}
	return time.Duration(max(s, 1)) * time.Second
}

// Header is the header row of the files.
var header = []string{"id", "tenant", "pipeline", "account", "created", "closed", "amount", "currency",
	"stage", "lost_reason", "owner", "region", "source"}

// Mapping returns the mapping of the files' columns (the tenant and the
// pipeline are the columns "tenant" and "pipeline").
func Mapping() csvimport.DealMapping {
	m := csvimport.DealMapping{ID: "id", Account: "account", Created: "created", Closed: "closed", Amount: "amount",
		Currency: "currency", Stage: "stage", Won: []string{"Closed Won"}, Lost: []string{"Closed Lost"},
		LostReason: "lost_reason", Owner: "owner", Region: "region", Source: "source",
		StageDates: map[funnel.Stage]string{}}
	for _, s := range stages {
		m.StageDates[s] = dateColumn(s)
	}
	return m
}

func dateColumn(s funnel.Stage) string { return "entered_" + strings.ToLower(string(s)) }

// Write writes the deals to their files under dir (dir/tenant-NN/deals-NNN.csv),
// every file with a header row, and returns the paths written, sorted.
func Write(dir string, deals []Deal) ([]string, error) {
	type file struct {
		f *os.File
		w *csv.Writer
	}
	files := map[string]*file{}
	var paths []string
	cols := append([]string(nil), header...)
	for _, s := range stages {
		cols = append(cols, dateColumn(s))
	}
	rec := make([]string, len(cols))
	for _, g := range deals {
		fl := files[g.File]
		if fl == nil {
			p := filepath.Join(dir, g.File)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			f, err := os.Create(p)
			if err != nil {
				return nil, err
			}
			fl = &file{f, csv.NewWriter(f)}
			files[g.File] = fl
			paths = append(paths, p)
			if err := fl.w.Write(cols); err != nil {
				return nil, err
			}
		}
		d := &g.Deal
		stage := string(d.Stage)
		switch d.Outcome {
		case funnel.Won:
			stage = "Closed Won"
		case funnel.Lost:
			stage = "Closed Lost"
		}
		copy(rec, []string{d.ID, g.Tenant, d.Pipeline, d.Account, stamp(d.Created), stamp(d.Closed),
			d.Amount.StringFixed(2), d.Currency, stage, d.LostReason, d.Attrs.Owner, d.Attrs.Region, d.Attrs.Source})
		for i := range stages {
			rec[len(header)+i] = ""
		}
		for _, h := range d.History {
			for i, s := range stages {
				if s == h.Stage {
					rec[len(header)+i] = stamp(h.At)
				}
			}
		}
		if err := fl.w.Write(rec); err != nil {
			return nil, err
		}
	}
	for _, fl := range files {
		fl.w.Flush()
		if err := fl.w.Error(); err != nil {
			return nil, err
		}
		if err := fl.f.Close(); err != nil {
			return nil, err
		}
	}
	slices.Sort(paths)
	return paths, nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
