// Package htmlreport writes the command-line tool's report as one HTML file
// that needs no network to be read: its charts are inline SVG, its style an
// inline style sheet, and it loads no script, font or image. Every chart is
// followed by the tables of the figures behind it; wide tables scroll
// inside their own box, so the page fits a phone's width as well as a
// laptop's.
//
// Every table is marked up for machines too: the table's id is "t-" and its
// name, each header cell names its column (data-col) and each data cell
// carries its exact value (data-value), so that the figures can be checked
// against the JSON of the same run.
package htmlreport

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"regexp"

	"github.com/funnelmetrics/funnel/internal/tables"
)

// A Page is the whole report.
type Page struct {
	Title    string
	Subtitle string
	// Meta are facts about the run shown under the title: the input
	// files, the as-of time, the options.
	Meta     []KV
	Sections []Section
}

// A KV is a labelled fact.
type KV struct{ Key, Value string }

// A Section is one analysis: its charts and the tables behind them.
type Section struct {
	ID, Title string
	Intro     string
	Figures   []Figure
	Tables    []tables.Table
	Notes     []string
}

// A Figure is one chart as SVG, its caption (the SVG's accessible name)
// and a note shown under it.
type Figure struct {
	Name    string
	SVG     []byte
	Caption string
	Note    string
}

var prolog = regexp.MustCompile(`(?s)^.*?<svg `)

// inline returns an SVG document as an element to put in HTML: without its
// XML declaration and comment, scalable to the page, named for screen
// readers.
func inline(svg []byte, label string) (template.HTML, error) {
	loc := prolog.FindIndex(svg)
	if loc == nil {
		return "", fmt.Errorf("htmlreport: %s: not an SVG document", label)
	}
	var b bytes.Buffer
	b.WriteString(`<svg role="img" aria-label="`)
	template.HTMLEscape(&b, []byte(label))
	b.WriteString(`" preserveAspectRatio="xMidYMid meet" `)
	b.Write(svg[loc[1]:])
	return template.HTML(b.String()), nil // #nosec: gonum's SVG escapes its texts
}

type figureView struct {
	Figure
	Inline template.HTML
}

type sectionView struct {
	Section
	Figs []figureView
}

// Write writes the page as one HTML document.
func Write(w io.Writer, p Page) error {
	v := struct {
		Page
		Secs []sectionView
		CSS  template.CSS
	}{Page: p, CSS: template.CSS(css)}
	for _, s := range p.Sections {
		sv := sectionView{Section: s}
		for _, f := range s.Figures {
			h, err := inline(f.SVG, f.Caption)
			if err != nil {
				return err
			}
			sv.Figs = append(sv.Figs, figureView{f, h})
		}
		v.Secs = append(v.Secs, sv)
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return fmt.Errorf("htmlreport: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"num": func(c tables.Col) string {
		if c.Num {
			return "num"
		}
		return ""
	},
	"cls": func(t tables.Table, i int) string {
		if i < len(t.Cols) && t.Cols[i].Num {
			return "num"
		}
		return ""
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
{{if .Subtitle}}<p class="sub">{{.Subtitle}}</p>{{end}}
{{if .Meta}}<dl class="meta">{{range .Meta}}<div><dt>{{.Key}}</dt><dd>{{.Value}}</dd></div>{{end}}</dl>{{end}}
{{if gt (len .Secs) 1}}<nav><ul>{{range .Secs}}<li><a href="#{{.ID}}">{{.Title}}</a></li>{{end}}</ul></nav>{{end}}
</header>
<main>
{{range .Secs}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{if .Intro}}<p>{{.Intro}}</p>{{end}}
{{range .Figs}}<figure class="chart" data-chart="{{.Name}}">
{{.Inline}}
{{if .Note}}<figcaption>{{.Note}}</figcaption>{{end}}
</figure>
{{end}}{{range $t := .Tables}}<div class="table">
<h3>{{$t.Title}}</h3>
<div class="scroll"><table id="t-{{$t.Name}}" data-table="{{$t.Name}}">
<thead><tr>{{range $t.Cols}}<th scope="col" data-col="{{.Name}}" class="{{num .}}">{{.Title}}</th>{{end}}</tr></thead>
<tbody>{{range $t.Rows}}<tr>{{range $i, $c := .}}<td class="{{cls $t $i}}" data-value="{{$c.Value}}">{{$c.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
{{if $t.Note}}<p class="note">{{$t.Note}}</p>{{end}}
</div>
{{end}}{{range .Notes}}<p class="note">{{.}}</p>
{{end}}</section>
{{end}}</main>
<footer><p>Made with the funnel command of github.com/funnelmetrics/funnel. Figures are exact where the library's are; rates carry their intervals.</p></footer>
</body>
</html>
`))

const css = `
:root { color-scheme: light; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --band: #f6f8fa; --accent: #0072b2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial, sans-serif; color: var(--fg); background: #fff; }
header, main, footer { max-width: 1040px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; line-height: 1.25; }
h2 { font-size: 1.3rem; margin: 32px 0 8px; padding-top: 8px; border-top: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 16px 0 6px; }
p { margin: 6px 0; overflow-wrap: anywhere; }
.sub, .note, figcaption { color: var(--muted); }
.note, figcaption { font-size: 0.875rem; }
dl.meta { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 12px 0; font-size: 0.875rem; }
dl.meta div { min-width: 0; max-width: 100%; }
dl.meta dt { display: inline; color: var(--muted); }
dl.meta dt::after { content: ": "; }
dl.meta dd { display: inline; margin: 0; overflow-wrap: anywhere; }
nav ul { list-style: none; padding: 0; margin: 8px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
nav a { color: var(--accent); }
figure.chart { margin: 12px 0; max-width: 720px; }
figure.chart svg { display: block; width: 100%; height: auto; }
.scroll { overflow-x: auto; max-width: 100%; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; font-size: 0.875rem; font-variant-numeric: tabular-nums; min-width: 100%; }
th, td { padding: 4px 10px; text-align: left; white-space: nowrap; border-bottom: 1px solid var(--line); }
th { background: var(--band); font-weight: 600; position: sticky; top: 0; }
td.num, th.num { text-align: right; }
tbody tr:last-child td { border-bottom: 0; }
footer { margin: 40px auto 24px; font-size: 0.8rem; color: var(--muted); }
@media (max-width: 600px) {
  body { font-size: 15px; }
  h1 { font-size: 1.3rem; }
  h2 { font-size: 1.15rem; }
  th, td { padding: 4px 6px; }
}
`
