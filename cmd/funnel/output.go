package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel/chart"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/internal/htmlreport"
	"github.com/funnelmetrics/funnel/internal/tables"
)

// maxSurvivalRows is the most steps of a curve an HTML or text table lists.
const maxSurvivalRows = 40

// write writes the results in the format asked, the report's HTML file
// and the chart files.
func write(o *options, e env, format string, st *settings, res *results) error {
	secs, err := sections(res)
	if err != nil {
		return err
	}
	out := e.stdout
	var file *os.File
	if o.out != "" && format != "csv" {
		if file, err = os.Create(o.out); err != nil {
			return err
		}
		defer file.Close()
		out = file
	}
	bw := bufio.NewWriterSize(out, 1<<16)
	switch format {
	case "text":
		err = writeText(bw, secs)
	case "json":
		err = writeJSON(bw, res)
	case "csv":
		err = writeCSV(o.out, secs, e.stderr)
	case "html":
		err = htmlreport.Write(bw, page(o, st, secs))
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && file != nil {
		err = file.Close()
	}
	if err != nil {
		return err
	}
	if o.cmd == "report" && o.html != "" && format != "html" {
		var b bytes.Buffer
		if err := htmlreport.Write(&b, page(o, st, secs)); err != nil {
			return err
		}
		if err := os.WriteFile(o.html, b.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "funnel: wrote %s\n", o.html)
	}
	if o.charts != "" {
		if err := writeCharts(o.charts, secs, e.stderr); err != nil {
			return err
		}
	}
	return nil
}

// section is one analysis with its charts and tables, as the HTML report,
// the CSV files and the text output show it.
type section struct {
	htmlreport.Section
	charts []*chart.Chart
	csv    func() []tables.Table // tables only the CSV output has (every step, every account, long cohorts)
	text   func(io.Writer) error
}

func sections(r *results) ([]section, error) {
	var ss []section
	add := func(s section, cs ...func() (*chart.Chart, error)) error {
		for _, mk := range cs {
			c, err := mk()
			if err != nil {
				return err
			}
			svg, err := c.SVG()
			if err != nil {
				return err
			}
			s.charts = append(s.charts, c)
			s.Figures = append(s.Figures, htmlreport.Figure{Name: chartName(c), SVG: svg, Caption: c.Title(), Note: c.Note()})
		}
		ss = append(ss, s)
		return nil
	}
	if r.Read != nil {
		ss = append(ss, section{Section: htmlreport.Section{ID: "input", Title: "Input", Tables: []tables.Table{readTable(r.Read)},
			Notes: readNotes(r)}})
	}
	if r.Report != nil {
		rep := *r.Report
		if err := add(section{Section: htmlreport.Section{ID: "funnel", Title: "Funnel",
			Intro:  fmt.Sprintf("%s deals (%s open, %s won, %s lost), stage reach by the %s policy.", format.Count(rep.Deals), format.Count(rep.Open), format.Count(rep.Won), format.Count(rep.Lost), rep.Policy),
			Tables: []tables.Table{tables.Funnel(rep), tables.Summary(rep)}}, text: rep.WriteText},
			func() (*chart.Chart, error) { return chart.Funnel(rep) }); err != nil {
			return nil, err
		}
	}
	if r.Segments != nil {
		sr := *r.Segments
		ss = append(ss, section{Section: htmlreport.Section{ID: "segments", Title: "Segments", Tables: []tables.Table{tables.Segments(sr)}}, text: sr.WriteText})
	}
	if r.Metric != nil {
		v, rep := *r.Metric, *r.Trend
		if err := add(section{Section: htmlreport.Section{ID: "trend", Title: "Trend", Tables: []tables.Table{tables.Trend(rep, v)}},
			text: func(w io.Writer) error { return v.WriteText(w) }},
			func() (*chart.Chart, error) { return chart.Trend(v) }); err != nil {
			return nil, err
		}
	}
	if r.Cohorts != nil {
		t := *r.Cohorts
		wide := tables.Cohorts("cohorts", "Share won by age (periods since creation)", t.Cohorts, t.Calendar, t.Period, t.Location)
		if err := add(section{Section: htmlreport.Section{ID: "cohorts", Title: "Cohorts", Tables: []tables.Table{wide},
			Notes: []string{fmt.Sprintf("%d deals without a creation time are in no cohort.", t.Undated)}},
			csv: func() []tables.Table {
				return []tables.Table{tables.CohortCells("cohort_cells", "Cohort cells", t.Cohorts, t.Calendar, t.Period, t.Location)}
			},
			text: t.WriteText},
			func() (*chart.Chart, error) { return chart.Cohorts(t) }); err != nil {
			return nil, err
		}
	}
	if len(r.Survival) > 0 {
		cs := r.Survival
		names := make([]string, len(cs))
		s := section{Section: htmlreport.Section{ID: "survival", Title: "Survival"}}
		tableName := func(i int) string {
			return "survival_" + strings.ReplaceAll(strings.ReplaceAll(names[i], " ", "_"), "/", "_")
		}
		for i, c := range cs {
			names[i] = chart.CurveName(c)
			t := tables.Survival(tableName(i), c, maxSurvivalRows)
			t.Title = "Kaplan-Meier steps: " + names[i]
			s.Tables = append(s.Tables, t)
		}
		s.csv = func() []tables.Table {
			var ts []tables.Table
			for i, c := range cs {
				ts = append(ts, tables.Survival(tableName(i)+"_all", c, 0))
			}
			return ts
		}
		s.Tables = append([]tables.Table{tables.SurvivalSummary(cs, names)}, s.Tables...)
		sum := s.Tables[0]
		s.text = sum.WriteText
		if err := add(s, func() (*chart.Chart, error) { return chart.Survival(cs...) }); err != nil {
			return nil, err
		}
	}
	if r.Forecast != nil {
		pr := *r.Forecast
		s := section{Section: htmlreport.Section{ID: "forecast", Title: "Forecast", Tables: []tables.Table{tables.Forecast(pr)}}}
		var texts []func(io.Writer) error
		if r.Pipeline != nil {
			pl := *r.Pipeline
			s.Tables = append(s.Tables, tables.Pipeline(pl))
			texts = append(texts, pl.WriteText)
		}
		texts = append(texts, pr.WriteText)
		s.text = func(w io.Writer) error {
			for _, t := range texts {
				if err := t(w); err != nil {
					return err
				}
				fmt.Fprintln(w)
			}
			return nil
		}
		if err := add(s, func() (*chart.Chart, error) { return chart.ExpectedRevenue(pr) }); err != nil {
			return nil, err
		}
	}
	if r.CLV != nil {
		h, c := *r.CLV, *r.CLVCohorts
		acc := tables.Accounts(h, 15)
		wide := tables.Cohorts("clv_cohorts", "Share of each acquisition cohort buying, by age", c.Cohorts, c.Calendar, c.Period, c.Location)
		if err := add(section{Section: htmlreport.Section{ID: "clv", Title: "Customer lifetime value",
			Intro:  fmt.Sprintf("Historical value of %s accounts from their won deals: revenue %s.", format.Count(int64(len(h.Customers))), format.Money(h.Revenue)),
			Tables: []tables.Table{acc, wide}},
			csv: func() []tables.Table {
				all := tables.Accounts(h, 0)
				all.Name = "clv_accounts_all"
				return []tables.Table{all, tables.CohortCells("clv_cohort_cells", "Customer cohort cells", c.Cohorts, c.Calendar, c.Period, c.Location)}
			},
			text: func(w io.Writer) error {
				if err := acc.WriteText(w); err != nil {
					return err
				}
				return c.WriteText(w)
			}},
			func() (*chart.Chart, error) { return chart.CustomerCohorts(c) }); err != nil {
			return nil, err
		}
	}
	if r.attribution != nil {
		a := r.attribution
		t := tables.Attribution(a)
		if err := add(section{Section: htmlreport.Section{ID: "attribution", Title: "Attribution", Tables: []tables.Table{t}}, text: t.WriteText},
			func() (*chart.Chart, error) { return chart.Attribution(a, chart.Revenue) }); err != nil {
			return nil, err
		}
	}
	if r.ENPS != nil {
		b := *r.ENPS
		t := tables.ENPS(b)
		if err := add(section{Section: htmlreport.Section{ID: "enps", Title: "eNPS", Tables: []tables.Table{t},
			Notes: []string{"Groups with fewer answers than the minimum are hidden, and so is another group when the hidden ones could be worked out from the total."}},
			text: t.WriteText},
			func() (*chart.Chart, error) { return chart.ENPS(b) }); err != nil {
			return nil, err
		}
	}
	return ss, nil
}

func readTable(r *readReport) tables.Table {
	t := tables.Table{Name: "input", Title: "Files read"}
	t.Cols = []tables.Col{{Name: "file", Title: "file"}, {Name: "rows", Title: "rows", Num: true},
		{Name: "kept", Title: "kept", Num: true}, {Name: "skipped", Title: "skipped", Num: true}, {Name: "notes", Title: "notes"}}
	for _, f := range r.Files {
		var notes []string
		for _, n := range f.Notes {
			notes = append(notes, fmt.Sprintf("%s: %d", n.Reason, n.Count))
		}
		for _, n := range f.Reasons {
			notes = append(notes, fmt.Sprintf("skipped, %s: %d", n.Reason, n.Count))
		}
		for _, n := range f.Ignored {
			notes = append(notes, fmt.Sprintf("pipeline %s, not read: %d", n.Reason, n.Count))
		}
		if f.History != nil {
			c := f.History
			notes = append(notes, fmt.Sprintf("%d stage entries, %d closes, %d saves of other fields only", c.Entries, c.Closes, c.Unchanged))
		}
		t.Rows = append(t.Rows, []tables.Cell{tables.Str(f.File), tables.Int(int64(f.Rows)), tables.Int(int64(f.Kept)),
			tables.Int(int64(f.Skipped)), tables.Str(strings.Join(notes, "; "))})
	}
	return t
}

func readNotes(r *results) []string {
	var ns []string
	for _, j := range r.Read.Joins {
		ns = append(ns, "Join "+j.String()+".")
	}
	if h := r.Read.History; h != nil {
		ns = append(ns, "Stage changes: "+h.Matched.String()+"; "+h.Orphans.String()+".")
	}
	if r.Read.Valued > 0 {
		ns = append(ns, fmt.Sprintf("%s open deals without an amount valued by a join (such as a list price).", format.Count(r.Read.Valued)))
	}
	for _, ex := range r.Read.Examples {
		ns = append(ns, "Skipped: "+ex)
	}
	return ns
}

func page(o *options, st *settings, secs []section) htmlreport.Page {
	p := htmlreport.Page{Title: "Sales funnel report"}
	if len(o.files) > 0 {
		p.Meta = append(p.Meta, htmlreport.KV{Key: "files", Value: strings.Join(baseNames(o.files), ", ")})
	} else if o.cmd != "enps" {
		dir := o.dir
		if filepath.IsAbs(dir) {
			dir = filepath.Base(dir)
		}
		p.Meta = append(p.Meta, htmlreport.KV{Key: "data", Value: "Maven CRM export (" + dir + ")"})
	}
	if st.f != nil {
		fo := st.fopts
		p.Meta = append(p.Meta, htmlreport.KV{Key: "as of", Value: fo.AsOf.Format(time.RFC3339)},
			htmlreport.KV{Key: "period", Value: fo.Period.String() + " in " + fo.Location.String()},
			htmlreport.KV{Key: "policy", Value: fo.Policy.String()},
			htmlreport.KV{Key: "confidence", Value: format.Percent(o.confidence)})
		if fo.Currency != "" {
			p.Meta = append(p.Meta, htmlreport.KV{Key: "currency", Value: fo.Currency})
		}
	}
	for _, s := range secs {
		p.Sections = append(p.Sections, s.Section)
	}
	return p
}

func baseNames(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = filepath.Base(p)
	}
	return out
}

// writeText writes each section's text: the library's WriteText where the
// result has one, the tables otherwise.
func writeText(w io.Writer, secs []section) error {
	for _, s := range secs {
		fmt.Fprintf(w, "== %s\n\n", s.Title)
		if s.ID == "input" {
			for _, t := range s.Tables {
				if err := t.WriteText(w); err != nil {
					return err
				}
			}
			for _, n := range s.Notes {
				fmt.Fprintln(w, n)
			}
			fmt.Fprintln(w)
			continue
		}
		if s.text != nil {
			if err := s.text(w); err != nil {
				return err
			}
		} else {
			for _, t := range s.Tables {
				if err := t.WriteText(w); err != nil {
					return err
				}
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

// writeCSV writes every table as DIR/<name>.csv: machine values under the
// columns' machine names.
func writeCSV(dir string, secs []section, stderr io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range secs {
		ts := append([]tables.Table{}, s.Tables...)
		if s.csv != nil {
			ts = append(ts, s.csv()...)
		}
		for _, t := range ts {
			if strings.HasPrefix(t.Name, "survival_") && !strings.HasSuffix(t.Name, "_all") {
				continue // the CSV has every step (the _all table)
			}
			if t.Name == "clv_accounts" {
				continue // clv_accounts_all has every account
			}
			name := strings.TrimSuffix(t.Name, "_all")
			var b bytes.Buffer
			cw := csv.NewWriter(&b)
			if err := cw.Write(t.Header()); err != nil {
				return err
			}
			for i := range t.Rows {
				if err := cw.Write(t.Values(i)); err != nil {
					return err
				}
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			path := filepath.Join(dir, name+".csv")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "funnel: wrote %s\n", path)
		}
	}
	return nil
}

// writeCharts writes each chart as SVG and PNG into dir.
func writeCharts(dir string, secs []section, stderr io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range secs {
		for _, c := range s.charts {
			name := chartName(c)
			svg, err := c.SVG()
			if err != nil {
				return err
			}
			png, err := c.PNG()
			if err != nil {
				return err
			}
			for ext, b := range map[string][]byte{".svg": svg, ".png": png} {
				if err := os.WriteFile(filepath.Join(dir, name+ext), b, 0o644); err != nil {
					return err
				}
			}
			fmt.Fprintf(stderr, "funnel: wrote %s.svg and .png\n", filepath.Join(dir, name))
		}
	}
	return nil
}

// chartName is a chart's file name: its title in lower case with hyphens.
func chartName(c *chart.Chart) string {
	return strings.ToLower(strings.ReplaceAll(c.Title(), " ", "-"))
}

// writeJSON writes the results as one JSON object, value by value, so that
// no more than one value's encoding is held at a time (a survival curve of
// a million deals has as many steps). The keys are the fields' JSON names,
// in field order; a field left empty is left out, as omitempty does.
func writeJSON(w io.Writer, r *results) error {
	enc := json.NewEncoder(w)
	v := reflect.ValueOf(r).Elem()
	ty := v.Type()
	if _, err := io.WriteString(w, "{"); err != nil {
		return err
	}
	n := 0
	for i := range ty.NumField() {
		f := ty.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		fv := v.Field(i)
		if !f.IsExported() || name == "" || name == "-" || fv.IsZero() {
			continue
		}
		if n > 0 {
			io.WriteString(w, ",")
		}
		n++
		key, _ := json.Marshal(name)
		w.Write(key)
		io.WriteString(w, ":")
		if fv.Kind() != reflect.Slice {
			if err := enc.Encode(fv.Interface()); err != nil {
				return err
			}
			continue
		}
		io.WriteString(w, "[")
		for j := range fv.Len() {
			if j > 0 {
				io.WriteString(w, ",")
			}
			if err := enc.Encode(fv.Index(j).Interface()); err != nil {
				return err
			}
		}
		io.WriteString(w, "]")
	}
	_, err := io.WriteString(w, "}\n")
	return err
}
