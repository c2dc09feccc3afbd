package tables

import (
	"fmt"
	"sort"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/pulse"
	"github.com/funnelmetrics/funnel/trend"
)

func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

func rateCols(name, title string) []Col {
	return []Col{{name, title, true}, {name + "_lo", "low", true}, {name + "_hi", "high", true}}
}

func rateCells(r funnel.Rate) []Cell {
	return []Cell{Pct(r.Ratio), Bound(r.Interval, false), Bound(r.Interval, true)}
}

// Funnel is the funnel of a report: per row the deals that reached it, the
// step conversion with its interval, the cumulative conversion, drop-off,
// leakage, open deals and the median time in stage.
func Funnel(r funnel.Report) Table {
	t := Table{Name: "funnel", Title: "Funnel"}
	t.Cols = append([]Col{{"stage", "stage", false}, {"reached", "reached", true}}, rateCols("step", "step")...)
	t.Cols = append(t.Cols, Col{"cumulative", "cumulative", true}, Col{"drop_off", "drop-off", true},
		Col{"pending", "pending", true}, Col{"lost", "lost", true}, Col{"open", "open", true},
		Col{"median_days_total", "median days in stage", true})
	for _, s := range r.Funnel {
		row := []Cell{Str(string(s.Stage)), Int(s.Reached)}
		row = append(row, rateCells(s.Step)...)
		med := NA()
		if s.TimeTotal.Count > 0 {
			med = Days(s.TimeTotal.Median, true)
		}
		lost, open := Int(s.Lost), Int(s.Open)
		if s.Terminal {
			lost, open = NA(), NA()
		}
		row = append(row, Pct(s.Cumulative.Ratio), Int(s.DropOff), Int(s.Pending), lost, open, med)
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Summary is a report's win rates, deal size, pipeline and cycle figures.
func Summary(r funnel.Report) Table {
	t := Table{Name: "summary", Title: "Win rates, deal size and sales cycle"}
	t.Cols = []Col{{"figure", "figure", false}, {"n", "n", true}, {"value", "value", true},
		{"low", "low", true}, {"high", "high", true}, {"median", "median", true}, {"p90", "p90", true}}
	rate := func(name string, x funnel.Rate) {
		t.Rows = append(t.Rows, []Cell{Str(name), Int(x.Den), Pct(x.Ratio), Bound(x.Interval, false), Bound(x.Interval, true), NA(), NA()})
	}
	rate("win rate (won / closed)", r.WinRate)
	rate("won / created", r.WinRateCreated)
	ds := r.DealSize
	mean, median, p90 := NA(), NA(), NA()
	if ds.Count > 0 {
		mean, median, p90 = Money(ds.Mean), Money(ds.Median), Money(ds.P90)
	}
	t.Rows = append(t.Rows, []Cell{Str("won deal size"), Int(ds.Count), mean, NA(), NA(), median, p90})
	t.Rows = append(t.Rows, []Cell{Str("open pipeline"), Int(r.Open), Money(r.Pipeline), NA(), NA(), NA(), NA()})
	dur := func(name string, s funnel.DurationSummary) {
		ok := s.Count > 0
		t.Rows = append(t.Rows, []Cell{Str(name), Int(s.Count), Days(s.Mean, ok), NA(), NA(), Days(s.Median, ok), Days(s.P90, ok)})
	}
	dur("sales cycle, won (days)", r.CycleWon)
	dur("sales cycle, lost (days)", r.CycleLost)
	dur("open deal age (days)", r.OpenAge)
	return t
}

// Trend is a metric across the periods of a series, with each period's
// deals, won and lost counts from the series and the change against the
// period before.
func Trend(rep trend.Report, v trend.Values) Table {
	t := Table{Name: "trend", Title: fmt.Sprintf("%s by %s %s", v.Metric, v.Basis, v.Period)}
	t.Cols = []Col{{"period", "period", false}, {"deals", "deals", true}, {"won", "won", true}, {"lost", "lost", true},
		{"value", string(v.Metric), true}, {"low", "low", true}, {"high", "high", true},
		{"change", "change vs before", true}, {"p_value", "p-value", true}, {"verdict", "verdict", false}}
	for i, p := range v.Points {
		row := []Cell{Str(p.Label)}
		if i < len(rep.Periods) {
			pr := rep.Periods[i].Report
			row = append(row, Int(pr.Deals), Int(pr.Won), Int(pr.Lost))
		} else {
			row = append(row, NA(), NA(), NA())
		}
		switch {
		case !p.Value.Defined:
			row = append(row, NA(), NA(), NA())
		case p.Value.Rate.Den > 0:
			row = append(row, rateCells(p.Value.Rate)...)
		default:
			row = append(row, Cell{Text: p.Value.Number.String(), Value: p.Value.Number.String()}, NA(), NA())
		}
		c := p.Previous
		switch {
		case c.Defined && p.Value.Rate.Den > 0:
			row = append(row, Cell{Text: c.Delta.Shift(2).StringFixed(1) + " pts", Value: c.Delta.String()})
		case c.Defined:
			row = append(row, Cell{Text: c.Delta.String(), Value: c.Delta.String()})
		default:
			row = append(row, NA())
		}
		switch {
		case c.Rates.Defined:
			row = append(row, Float(c.Rates.PValue, 3), Str(c.Rates.Verdict.String()))
		case c.Counts.Defined:
			row = append(row, Float(c.Counts.PValue, 3), Str(c.Counts.Verdict.String()))
		default:
			row = append(row, NA(), NA())
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Cohorts is a cohort table laid out wide, as the heatmap draws it: a row
// per cohort with its size, then the share of the cohort at each age
// (won by then, for deal cohorts; buying then, for customer cohorts).
func Cohorts(name, title string, rows []funnel.Cohort, cal funnel.Calendar, period funnel.Period, loc string) Table {
	t := Table{Name: name, Title: title}
	ages := 0
	for _, r := range rows {
		ages = max(ages, len(r.Ages))
	}
	t.Cols = []Col{{"cohort", "cohort", false}, {"size", "size", true}}
	for a := range ages {
		t.Cols = append(t.Cols, Col{fmt.Sprintf("age_%d", a), fmt.Sprint(a), true})
	}
	z := zone(loc)
	for _, r := range rows {
		row := []Cell{Str(cal.Label(period, r.Start, z)), Int(r.Size)}
		for a := range ages {
			if a < len(r.Ages) {
				row = append(row, Pct(r.Ages[a].Rate.Ratio))
			} else {
				row = append(row, Cell{})
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// CohortCells is a cohort table laid out long, one row per cohort and age
// with the count, the share and its interval, and the amount: the CSV form.
func CohortCells(name, title string, rows []funnel.Cohort, cal funnel.Calendar, period funnel.Period, loc string) Table {
	t := Table{Name: name, Title: title}
	t.Cols = append([]Col{{"cohort", "cohort", false}, {"start", "start", false}, {"size", "size", true},
		{"age", "age", true}, {"count", "count", true}}, rateCols("rate", "share")...)
	t.Cols = append(t.Cols, Col{"amount", "amount", true}, Col{"per_unit", "per unit", true})
	z := zone(loc)
	for _, r := range rows {
		for a, v := range r.Ages {
			row := []Cell{Str(cal.Label(period, r.Start, z)), Str(r.Start.Format(time.RFC3339)), Int(r.Size), Int(int64(a)), Int(v.Count)}
			row = append(row, rateCells(v.Rate)...)
			row = append(row, Money(v.Amount), Money(v.PerUnit))
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// Survival is a Kaplan-Meier curve's steps: the time in days, the units at
// risk, events and censored, S and its interval. With maxRows > 0 and more
// steps, it lists maxRows of them spread evenly over the curve (the first
// and the last included) and says so in its note.
func Survival(name string, c trend.Curve, maxRows int) Table {
	t := Table{Name: name, Title: "Kaplan-Meier steps"}
	t.Cols = []Col{{"days", "days", true}, {"at_seconds", "seconds", true}, {"at_risk", "at risk", true},
		{"events", "events", true}, {"censored", "censored", true}, {"survival", "S", true},
		{"low", "low", true}, {"high", "high", true}}
	idx := make([]int, 0, len(c.Steps))
	if maxRows > 0 && len(c.Steps) > maxRows {
		seen := -1
		for k := range maxRows {
			i := k * (len(c.Steps) - 1) / (maxRows - 1)
			if i != seen {
				idx = append(idx, i)
				seen = i
			}
		}
		t.Note = fmt.Sprintf("%d of %d steps; the CSV and JSON outputs have every step", len(idx), len(c.Steps))
	} else {
		for i := range c.Steps {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		s := c.Steps[i]
		t.Rows = append(t.Rows, []Cell{
			{Text: format.Days(s.At), Value: format.Float(s.At.Hours() / 24)},
			{Text: format.Seconds(s.At), Value: format.Seconds(s.At)},
			Int(s.AtRisk), Int(s.Events), Int(s.Censored),
			Float(s.Survival, 4), fraction(s.Interval, false), fraction(s.Interval, true),
		})
	}
	return t
}

// SurvivalSummary has one row per curve: its counts, median and quartiles
// with the median's interval.
func SurvivalSummary(cs []trend.Curve, names []string) Table {
	t := Table{Name: "survival", Title: "Kaplan-Meier curves"}
	t.Cols = []Col{{"curve", "curve", false}, {"n", "n", true}, {"events", "events", true}, {"censored", "censored", true},
		{"untimed", "untimed", true}, {"median_days", "median days", true}, {"median_lo", "low", true}, {"median_hi", "high", true},
		{"p25_days", "25%", true}, {"p75_days", "75%", true}}
	for i, c := range cs {
		q := func(p float64) Cell {
			x, err := c.Quantile(p)
			if err != nil || !x.Defined {
				return NA()
			}
			return Days(x.At, true)
		}
		m := c.Median
		lo, hi := NA(), NA()
		if m.LoDefined {
			lo = Days(m.Lo, true)
		}
		if m.HiDefined {
			hi = Days(m.Hi, true)
		}
		med := NA()
		if m.Defined {
			med = Days(m.At, true)
		}
		t.Rows = append(t.Rows, []Cell{Str(names[i]), Int(c.N), Int(c.Events), Int(c.Censored), Int(c.Untimed), med, lo, hi, q(0.25), q(0.75)})
	}
	return t
}

func fraction(iv funnel.Interval, hi bool) Cell {
	if !iv.Defined {
		return NA()
	}
	v := iv.Lo
	if hi {
		v = iv.Hi
	}
	return Float(v, 4)
}

// Forecast is the expected revenue by period, then what comes later or is
// untimed.
func Forecast(r forecast.PeriodReport) Table {
	t := Table{Name: "forecast", Title: "Expected revenue by " + r.Period.String()}
	t.Cols = []Col{{"period", "period", false}, {"dated", "deals dated", true}, {"expected", "expected", true}}
	z := zone(r.Location)
	for _, row := range r.Rows {
		t.Rows = append(t.Rows, []Cell{Str(r.Calendar.Label(r.Period, row.Start, z)), Int(row.Dated), Money(row.Expected)})
	}
	t.Rows = append(t.Rows, []Cell{Str("later"), Int(r.LaterDated), Money(r.Later)})
	t.Rows = append(t.Rows, []Cell{Str("untimed"), Int(r.Untimed), Money(r.UntimedExpected)})
	t.Rows = append(t.Rows, []Cell{Str("total"), NA(), Money(r.Expected)})
	t.Note = fmt.Sprintf("%d deals overdue (in the first period), %d spread by time to win, %d unweighted (amount %s)",
		r.Overdue, r.Spread, r.Unweighted, format.Money(r.UnweightedAmount))
	return t
}

// Pipeline is the weighted pipeline per stage.
func Pipeline(r forecast.PipelineReport) Table {
	t := Table{Name: "pipeline", Title: "Weighted pipeline"}
	t.Cols = append([]Col{{"stage", "stage", false}, {"deals", "open deals", true}, {"amount", "amount", true}},
		rateCols("rate", "P(win)")...)
	t.Cols = append(t.Cols, Col{"weighted", "weighted", true}, Col{"weighted_lo", "low", true}, Col{"weighted_hi", "high", true})
	for _, s := range r.Stages {
		row := []Cell{Str(string(s.Stage)), Int(s.Deals), Money(s.Amount)}
		row = append(row, rateCells(s.Rate)...)
		row = append(row, Money(s.Weighted), Money(s.WeightedLo), Money(s.WeightedHi))
		t.Rows = append(t.Rows, row)
	}
	row := []Cell{Str("total"), Int(r.Open), Money(r.OpenAmount), NA(), NA(), NA(), Money(r.Weighted), Money(r.WeightedLo), Money(r.WeightedHi)}
	t.Rows = append(t.Rows, row)
	return t
}

// Segments is a segmentation: per segment its counts, win rate with its
// interval, mean won deal size and median won cycle.
func Segments(r funnel.SegmentReport) Table {
	t := Table{Name: "segments", Title: "Segments by " + joinDims(r.Dims)}
	t.Cols = append([]Col{{"segment", "segment", false}, {"deals", "deals", true}, {"open", "open", true},
		{"won", "won", true}, {"lost", "lost", true}}, rateCols("win_rate", "win rate")...)
	t.Cols = append(t.Cols, Col{"deal_size", "mean won", true}, Col{"cycle_days", "median cycle days", true})
	add := func(label string, rep funnel.Report) {
		row := []Cell{Str(label), Int(rep.Deals), Int(rep.Open), Int(rep.Won), Int(rep.Lost)}
		row = append(row, rateCells(rep.WinRate)...)
		size := NA()
		if rep.DealSize.Count > 0 {
			size = Money(rep.DealSize.Mean)
		}
		row = append(row, size, Days(rep.CycleWon.Median, rep.CycleWon.Count > 0))
		t.Rows = append(t.Rows, row)
	}
	for _, row := range r.Rows {
		add(row.Label(), row.Report)
	}
	add("total", r.Total)
	return t
}

func joinDims(ds []string) string {
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += " x "
		}
		s += d
	}
	return s
}

// Attribution is the credit of every key, the journeys without touches and
// the total.
func Attribution(r *attribution.Result) Table {
	t := Table{Name: "attribution", Title: fmt.Sprintf("Credit by %s, %s model", r.By, r.Model)}
	t.Cols = []Col{{"key", r.By.String(), false}, {"leads", "leads", true}, {"opportunities", "opportunities", true},
		{"conversions", "won", true}, {"pipeline", "pipeline", true}, {"revenue", "revenue", true}}
	add := func(k string, c attribution.Credit) {
		t.Rows = append(t.Rows, []Cell{Str(k), dec(c.Leads), dec(c.Opportunities), dec(c.Conversions), Money(c.Pipeline), Money(c.Revenue)})
	}
	for _, k := range r.Keys {
		add(k.Key, k.Credit)
	}
	add("(no touch)", r.Unattributed)
	add("total", r.Total)
	return t
}

func dec(d interface{ StringFixed(int32) string }) Cell {
	return Cell{Text: d.StringFixed(2), Value: fmt.Sprint(d)}
}

// ENPS is an eNPS breakdown: the overall score and each group's, hidden
// groups with their reason.
func ENPS(b pulse.Breakdown) Table {
	t := Table{Name: "enps", Title: fmt.Sprintf("eNPS by group (minimum %d answers)", b.MinGroup)}
	t.Cols = []Col{{"group", "group", false}, {"published", "published", false}, {"answered", "answered", true},
		{"promoters", "promoters", true}, {"passives", "passives", true}, {"detractors", "detractors", true},
		{"score", "eNPS", true}, {"low", "low", true}, {"high", "high", true}}
	add := func(name string, s pulse.Score) {
		if s.Suppressed != pulse.Shown {
			t.Rows = append(t.Rows, []Cell{Str(name), Str("hidden: " + s.Suppressed.String()), NA(), NA(), NA(), NA(), NA(), NA(), NA()})
			return
		}
		score := NA()
		if d, ok := s.Round(1); ok {
			f, _ := s.Float64()
			score = Cell{Text: d.StringFixed(1), Value: format.Float(f)}
		}
		lo, hi := NA(), NA()
		if s.Interval.Defined {
			lo, hi = Float(s.Interval.Lo, 1), Float(s.Interval.Hi, 1)
		}
		t.Rows = append(t.Rows, []Cell{Str(name), Str("shown"), Int(s.Answered), Int(s.Promoters), Int(s.Passives), Int(s.Detractors), score, lo, hi})
	}
	add("overall", b.Overall)
	for _, g := range b.Groups {
		add(g.Group, g.Score)
	}
	return t
}

// Accounts is historical CLV, the top accounts by revenue (at most max,
// all when max <= 0).
func Accounts(h clv.Historical, max int) Table {
	t := Table{Name: "clv_accounts", Title: "Historical value by account"}
	t.Cols = []Col{{"account", "account", false}, {"purchases", "won deals", true}, {"revenue", "revenue", true},
		{"margin", "margin", true}, {"first", "first", false}, {"last", "last", false}}
	cs := append([]clv.CustomerValue(nil), h.Customers...)
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Revenue.GreaterThan(cs[j].Revenue) })
	if max > 0 && len(cs) > max {
		t.Note = fmt.Sprintf("top %d of %d accounts by revenue", max, len(cs))
		cs = cs[:max]
	}
	for _, c := range cs {
		t.Rows = append(t.Rows, []Cell{Str(c.ID), Int(c.Purchases), Money(c.Revenue), Money(c.Margin),
			Str(c.First.Format(time.DateOnly)), Str(c.Last.Format(time.DateOnly))})
	}
	t.Rows = append(t.Rows, []Cell{Str("total"), NA(), Money(h.Revenue), Money(h.Margin), NA(), NA()})
	return t
}
