// Command peerreport is the library's entry in the side-by-side comparison
// with DuckDB and pandas (../shared/peers in the project's workspace): it
// reads the generated CRM data set (deals.csv, stage_events.csv,
// transactions.csv) with csvimport, computes the same funnel report as the
// peers' report.sql with the library's own analyses, and prints it as JSON
// with sorted keys. Its last stderr line is "funnel ... load_s=X
// compute_s=Y", as the other peers'.
//
//	peerreport -data DIR [-v] [-cpuprofile FILE] [-memprofile FILE] [-peakprofile FILE]
//
// -memprofile writes the allocation profile at the end (alloc_space: what
// was allocated; inuse_space: what the last collection found live, after
// the report, not at the peak); -peakprofile writes the heap profile of
// the collection that found the most live heap, the in-use view of the
// peak (go tool pprof -sample_index=inuse_space), and prints that live
// heap to stderr. Both sample one allocation in 64 KiB.
//
// How the figures map to the library:
//
//   - overall, by_source, by_rep, by_industry: one [funnel.Segments] per
//     attribute (source, owner, industry), all fed by one [funnel.Scan.Run]
//     over the deals; overall is the source segmentation's Total. Counts,
//     Report.WinRate (won / (won + lost)), Report.DealSize (won amounts:
//     mean, median, total) and Report.CycleWon (Closed - Created of won
//     deals: mean, median, p90). The library's percentiles are type 7
//     (linear between closest ranks, PERCENTILE.INC), the definition of
//     DuckDB's median and quantile_cont, and exact: money is decimal, a
//     duration percentile exact to the nanosecond. The mean cycle is
//     rounded to the nanosecond, the mean deal size to 10 decimals.
//   - stage_reached: StageReport.Entered of each funnel row (deals that
//     entered the stage at all); "closed" is the won row (the data set's
//     closed stage means won: it is the Won value of the history mapping,
//     a close event, not a stage).
//   - stage_conversion: reached(next) / reached(stage) from those counts.
//     (The library's own step conversion, StageReport.Step, is the same
//     figure under its in-order policy here, since every deal enters the
//     stages in order.)
//   - stage_days_median: the median of StageReport.TimeLatest: a visit
//     ends at the next stage entered or at the close time; with no as-of
//     time, the stage an open deal sits in has no end and is left out
//     (counted in Untimed), as in report.sql. Each deal visits a stage
//     once here, so latest and total time in stage are the same.
//   - leads_per_month: Report.Periods (monthly, UTC), deals created.
//   - weighted_pipeline: forecast.Pipeline with the fixed stage
//     probabilities of report.sql; open deals at their current stage.
//   - clv: clv.Log of the transactions (csvimport.ReadTransactions),
//     Log.Historical (revenue = the sum of an account's amounts, exact),
//     Historical.Summary (accounts, total, mean, type-7 median and p90
//     over accounts, exact) and Historical.Top (by value; ties, which
//     Top ranks by ID as text, ranked here by account ID as a number, as
//     report.sql does).
//
// Money is printed exactly (decimal); DuckDB's doubles may differ in the
// last bits. Load and compute: the deals stream from the CSV reader into
// the scan, so reading the deals file and accumulating happen together
// and are both counted in load_s; compute_s is what follows the last row
// (the segment and pipeline reports with their percentiles). The CLV
// values are computed as soon as the transactions are read, on the
// goroutine that reads them, beside the stage history's read: that time
// is counted in load_s too, and printed apart as clv_s. With -collect the
// deals are read into a slice first, and the scan over it is counted in
// compute_s.
package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/shopspring/decimal"
)

var stages = []funnel.Stage{"lead", "qualified", "demo", "proposal", "negotiation"}

// probability is the win probability of an open deal by its current
// stage (report.sql's pipeline table).
var probability = map[funnel.Stage]decimal.Decimal{
	"lead": decimal.RequireFromString("0.05"), "qualified": decimal.RequireFromString("0.10"),
	"demo": decimal.RequireFromString("0.25"), "proposal": decimal.RequireFromString("0.45"),
	"negotiation": decimal.RequireFromString("0.70"),
}

const layout = "2006-01-02 15:04:05"

func main() {
	data := flag.String("data", "data", "directory holding deals.csv, stage_events.csv, transactions.csv")
	verbose := flag.Bool("v", false, "print the time of each part to stderr")
	collect := flag.Bool("collect", false, "read the deals into a slice before the scan (compute_s then includes the scan)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	memProfile := flag.String("memprofile", "", "write a heap profile (allocations) to this file at the end")
	peakProfile := flag.String("peakprofile", "", "write a heap profile of the garbage collection that found the most live heap (what is in use at the peak) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" || *peakProfile != "" {
		runtime.MemProfileRate = 64 << 10
	}
	var peak *peakWatcher
	if *peakProfile != "" {
		peak = watchPeak()
	}
	laps := &lapper{on: *verbose, last: time.Now()}

	f, err := funnel.New(stages...)
	check(err)
	scan, err := funnel.NewScan(f, funnel.Options{Period: funnel.Month})
	check(err)
	segs := make([]*funnel.Segments, 3)
	for i, key := range []string{funnel.AttrSource, funnel.AttrOwner, funnel.AttrIndustry} {
		segs[i], err = funnel.NewSegments(scan, funnel.SegmentOptions{Dims: []funnel.Dim{funnel.ByAttr(key)}, ByKey: true})
		check(err)
	}
	pipe, err := forecast.NewPipeline(scan, forecast.Options{Probabilities: probability})
	check(err)

	t0 := time.Now()
	// The transaction log is read while Open reads the stage history:
	// each read is one goroutine's, and the machine has two cores.
	// Its historical values are computed there too, once it is read, and
	// the log dropped. The deals are read as soon as the stage history is,
	// whether or not the transactions are done, so that neither core
	// waits for the other. That time (clv_s on stderr) is counted in
	// load_s.
	logDone := make(chan clvResult)
	go func() {
		log := readTransactions(filepath.Join(*data, "transactions.csv"))
		t := time.Now()
		h, err := log.Historical(decimal.NewFromInt(1))
		check(err)
		logDone <- clvResult{clvReport(&h), time.Since(t)}
	}()
	deals, err := openDeals(*data, f)
	check(err)
	laps.lap("open (stage_events.csv read)")
	accs := []funnel.Accumulator{segs[0], segs[1], segs[2], pipe}
	var loadTime time.Duration
	var t1 time.Time
	var clvDone clvResult
	if *collect {
		all := slices.Collect(deals.All())
		check(deals.Err())
		laps.lap("deals.csv read")
		clvDone = <-logDone
		laps.lap("transactions.csv read (wait)")
		loadTime = time.Since(t0)
		t1 = time.Now()
		check(scan.Run(slices.Values(all), accs...))
		laps.lap("scan")
	} else {
		check(scan.Run(deals.All(), accs...))
		check(deals.Err())
		laps.lap("deals.csv read and scanned")
		// what the transactions' goroutine still has to do, if anything,
		// is waited for here, and counted in load_s
		clvDone = <-logDone
		laps.lap("transactions.csv read (wait)")
		loadTime = time.Since(t0)
		t1 = time.Now()
	}
	result := report(segs, pipe, laps)
	result["clv"] = clvDone.report
	computeTime := time.Since(t1)

	out, err := json.MarshalIndent(result, "", " ")
	check(err)
	os.Stdout.Write(append(out, '\n'))
	if *memProfile != "" {
		mf, err := os.Create(*memProfile)
		check(err)
		check(pprof.Lookup("allocs").WriteTo(mf, 0))
		check(mf.Close())
	}
	if peak != nil {
		live := peak.stop()
		check(os.WriteFile(*peakProfile, peak.profile, 0o644))
		fmt.Fprintf(os.Stderr, "peak live heap %.1f MB (heap profile in %s)\n", float64(live)/(1<<20), *peakProfile)
	}
	fmt.Fprintf(os.Stderr, "funnel %s GOMAXPROCS=%d clv_s=%.3f load_s=%.3f compute_s=%.3f\n",
		runtime.Version(), runtime.GOMAXPROCS(0), clvDone.took.Seconds(), loadTime.Seconds(), computeTime.Seconds())
}

// openDeals opens deals.csv with stage_events.csv as its stage history.
func openDeals(dir string, f *funnel.Funnel) (*csvimport.DealReader, error) {
	m := csvimport.Mapping{
		Name: "generated CRM data set",
		Deals: csvimport.DealMapping{
			ID: "deal_id", Account: "account_id", Created: "created_at", Closed: "closed_at", Amount: "amount",
			Source: "source", Industry: "industry", Owner: "rep", Region: "region", Product: "product",
			Outcome: "outcome", Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
			// the deals file has no stage column: the stage is the last
			// one of the deal's history
			Stage: "stage", Defaults: map[string]string{"stage": ""},
		},
		History: csvimport.HistoryMapping{DealID: "deal_id", At: "entered_at", Stage: "stage", Won: []string{"closed"}},
		Options: csvimport.Options{Layouts: []string{layout}, Location: time.UTC},
	}
	dealsFile, err := os.Open(filepath.Join(dir, "deals.csv"))
	if err != nil {
		return nil, err
	}
	events, err := os.Open(filepath.Join(dir, "stage_events.csv"))
	if err != nil {
		return nil, err
	}
	defer events.Close()
	return csvimport.Open(m, csvimport.Pipelines{"sales": f},
		csvimport.File{Name: "deals.csv", R: dealsFile}, csvimport.File{Name: "stage_events.csv", R: events})
}

// readTransactions reads transactions.csv into a log.
func readTransactions(path string) *clv.Log {
	file, err := os.Open(path)
	check(err)
	defer file.Close()
	log, _, err := csvimport.ReadTransactions(file, "transactions.csv",
		csvimport.TransactionMapping{Customer: "account_id", Time: "date", Amount: "amount"},
		csvimport.Options{Location: time.UTC}) // on this goroutine: the stage history's read has the other core
	check(err)
	return log
}

// report builds the JSON report from the accumulators.
func report(segs []*funnel.Segments, pipe *forecast.Pipeline, laps *lapper) map[string]any {
	out := map[string]any{}
	// the CLV figures are computed on another core meanwhile
	// the segment reports one after the other, with the CLV figures
	// beside them: side by side, each merging its segments into its
	// total, they would hold three totals at once
	var total funnel.Report
	for i, name := range []string{"by_source", "by_rep", "by_industry"} {
		sr, err := segs[i].Report()
		check(err)
		rows := map[string]any{}
		for _, r := range sr.Rows {
			rows[r.Key[0]] = outcomes(&r.Report)
		}
		out[name] = rows
		if i == 0 {
			total = sr.Total
		}
		laps.lap(name)
	}
	out["overall"] = outcomes(&total)

	reached := map[string]any{}
	conversion := map[string]any{}
	days := map[string]any{}
	for k, row := range total.Funnel {
		name := string(row.Stage)
		if row.Terminal {
			name = "closed"
		}
		reached[name] = row.Entered
		if k > 0 {
			prev := total.Funnel[k-1]
			prevName := string(prev.Stage)
			conversion[prevName+"->"+name] = float64(row.Entered) / float64(prev.Entered)
		}
		if !row.Terminal && row.TimeLatest.Count > 0 {
			days[name] = row.TimeLatest.Median.Seconds() / 86400
		}
	}
	out["stage_reached"], out["stage_conversion"], out["stage_days_median"] = reached, conversion, days
	months := map[string]any{}
	for _, p := range total.Periods {
		months[p.Label] = p.Created
	}
	out["leads_per_month"] = months
	laps.lap("overall, stages, months")

	pr, err := pipe.Report()
	check(err)
	byStage := map[string]any{}
	var deals int64
	var amount decimal.Decimal
	for _, s := range pr.Stages {
		if s.Deals == 0 || !s.Probability.Valid {
			continue
		}
		deals += s.Deals
		amount = amount.Add(s.Amount)
		byStage[string(s.Stage)] = map[string]any{"deals": s.Deals, "amount": money(s.Amount),
			"probability": money(s.Probability.Decimal), "weighted": money(s.Weighted)}
	}
	out["weighted_pipeline"] = map[string]any{"deals": deals, "amount": money(amount), "weighted": money(pr.Weighted), "by_stage": byStage}
	laps.lap("weighted_pipeline")

	return out
}

// outcomes returns the outcome figures of one report.
func outcomes(r *funnel.Report) map[string]any {
	m := map[string]any{"deals": r.Deals, "won": r.Won, "lost": r.Lost, "open": r.Open,
		"win_rate": nil, "won_amount_mean": nil, "won_amount_median": nil, "won_revenue": money(r.DealSize.Total),
		"cycle_days_mean": nil, "cycle_days_median": nil, "cycle_days_p90": nil}
	if v, ok := r.WinRate.Float64(); ok {
		m["win_rate"] = v
	}
	if r.DealSize.Count > 0 {
		m["won_amount_mean"], m["won_amount_median"] = money(r.DealSize.Mean), money(r.DealSize.Median)
	}
	if c := r.CycleWon; c.Count > 0 {
		m["cycle_days_mean"], m["cycle_days_median"], m["cycle_days_p90"] = days(c.Mean), days(c.Median), days(c.P90)
	}
	return m
}

// clvReport summarises the historical CLV of the accounts.
func clvReport(h *clv.Historical) map[string]any {
	sum := h.Summary()
	m := map[string]any{"accounts": sum.Count, "total": money(sum.Total), "mean": nil, "median": nil, "p90": nil}
	if sum.Count > 0 {
		m["mean"], m["median"], m["p90"] = money(sum.Mean), money(sum.Median), money(sum.P90)
	}
	// Top ranks ties by ID as text, report.sql by account_id as a number:
	// the top 20 are ranked again here that way, which gives report.sql's
	// top 10 unless more than 10 accounts tie with the 10th.
	type top struct {
		id  int64
		clv decimal.Decimal
	}
	var tops []top
	for _, c := range h.Top(20) {
		id, err := strconv.ParseInt(c.ID, 10, 64)
		check(err)
		tops = append(tops, top{id, c.Revenue})
	}
	slices.SortFunc(tops, func(a, b top) int { return cmp.Or(b.clv.Cmp(a.clv), cmp.Compare(a.id, b.id)) })
	list := []any{}
	for _, t := range tops[:min(len(tops), 10)] {
		list = append(list, map[string]any{"account_id": t.id, "clv": money(t.clv)})
	}
	m["top10"] = list
	return m
}

// A clvResult is the CLV part of the report and the time its computation
// took.
type clvResult struct {
	report map[string]any
	took   time.Duration
}

// money prints an amount exactly, as a JSON number.
func money(d decimal.Decimal) json.Number { return json.Number(d.String()) }

// days converts a duration to days (seconds / 86400, as report.sql).
func days(d time.Duration) float64 { return d.Seconds() / 86400 }

type lapper struct {
	on   bool
	last time.Time
}

func (l *lapper) lap(name string) {
	if l.on {
		now := time.Now()
		fmt.Fprintf(os.Stderr, "  %-32s %.3fs\n", name, now.Sub(l.last).Seconds())
		l.last = now
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "peerreport:", err)
		os.Exit(1)
	}
}
