// Package chart draws the library's results as charts, in SVG and PNG, with
// gonum/plot (gonum.org/v1/plot): the funnel with its step conversions and
// their intervals (Funnel), a metric across periods with its interval band
// (Trend), the cohort table as a heatmap of creation period by age (Cohorts,
// CustomerCohorts), Kaplan-Meier curves with their pointwise bounds
// (Survival), expected revenue by period (ExpectedRevenue), attribution
// credit by channel or campaign (Attribution) and eNPS by group, with the
// groups hidden for confidentiality shown as hidden (ENPS).
//
// The charts plot the figures as the library computed them and add none of
// their own: a rate is drawn at Num/Den, its interval at the bounds the
// library gave. Where a result has more points than a chart can show (a
// survival curve has one step per distinct duration), the chart draws a
// subset of the result's own points and says so in its note; the tables of
// the command-line tool's report list the figures behind every chart.
//
// Every constructor returns an error, never a panic, for a result it cannot
// draw, and a chart of an empty result says that it is empty (an empty chart
// has a title, axes and a "no data" label). This package keeps the plotting
// dependencies out of the root package, which imports only the standard
// library and decimal.
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"github.com/funnelmetrics/funnel/internal/format"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Width and Height are the size of a chart, in points (1/72 inch). HTML
// pages scale the SVG to their width; PNG files are rendered at DPI dots
// per inch.
const (
	Width  = 480 * vg.Inch / 72
	Height = 300 * vg.Inch / 72
	DPI    = 144
)

// ErrChart reports a result that a chart cannot draw, such as a result with
// more rows than a chart can hold.
var ErrChart = errors.New("chart: cannot draw")

// The colours: the Okabe-Ito palette, which stays distinct under the common
// colour-vision deficiencies (Okabe and Ito 2008, "Color Universal Design").
var (
	colorBar    = color.NRGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xFF} // blue
	colorAccent = color.NRGBA{R: 0xE6, G: 0x9F, B: 0x00, A: 0xFF} // orange
	colorGood   = color.NRGBA{R: 0x00, G: 0x9E, B: 0x73, A: 0xFF} // bluish green
	colorBad    = color.NRGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xFF} // vermillion
	colorMuted  = color.NRGBA{R: 0x88, G: 0x88, B: 0x88, A: 0xFF} // grey
	colorText   = color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xFF}
	series      = []color.NRGBA{
		colorBar, colorAccent, colorGood, colorBad,
		{R: 0xCC, G: 0x79, B: 0xA7, A: 0xFF}, // reddish purple
		{R: 0x56, G: 0xB4, B: 0xE9, A: 0xFF}, // sky blue
	}
)

// band returns c at a quarter opacity, for interval bands.
func band(c color.NRGBA) color.NRGBA { c.A = 0x40; return c }

// seriesColor returns the i-th series colour.
func seriesColor(i int) color.NRGBA { return series[i%len(series)] }

// A Chart is a drawing of one result, ready to be rendered as SVG or PNG.
// It holds one or more panels stacked from top to bottom.
type Chart struct {
	title  string
	note   string
	panels []panel
	align  bool // panels of equal height with aligned data areas
}

type panel struct {
	p      *plot.Plot
	weight float64 // share of the height
}

// Title returns the chart's title.
func (c *Chart) Title() string { return c.title }

// Note returns what the chart leaves out or how it reduced the result
// (points drawn of the result's, cells left without a label), or "".
func (c *Chart) Note() string { return c.note }

// SVG renders the chart as an SVG document of Width x Height points, its
// texts as <text> elements (fonts are not embedded).
func (c *Chart) SVG() ([]byte, error) {
	cv := vgsvg.New(Width, Height)
	if err := c.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart: %s: %w", c.title, err)
	}
	return b.Bytes(), nil
}

// PNG renders the chart as a PNG image of Width x Height points at DPI.
func (c *Chart) PNG() ([]byte, error) {
	cv := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))
	if err := c.draw(draw.New(cv)); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: cv}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("chart: %s: %w", c.title, err)
	}
	return b.Bytes(), nil
}

// draw draws the panels on dc, each in its share of the height. gonum/plot
// panics on a few inputs it cannot lay out (an axis too small for its
// labels, say); the constructors avoid those, and a panic left is returned
// as an error wrapping ErrChart rather than taking the caller down.
func (c *Chart) draw(dc draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrChart, c.title, r)
		}
	}()
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	if c.align && len(c.panels) > 1 {
		rows := make([][]*plot.Plot, len(c.panels))
		for i, p := range c.panels {
			rows[i] = []*plot.Plot{p.p}
		}
		tiles := plot.Align(rows, draw.Tiles{Rows: len(rows), Cols: 1, PadY: vg.Points(6)}, dc)
		for i, p := range c.panels {
			p.p.Draw(tiles[i][0])
		}
		return nil
	}
	total := 0.0
	for _, p := range c.panels {
		total += p.weight
	}
	h := dc.Max.Y - dc.Min.Y
	top := vg.Length(0)
	for _, p := range c.panels {
		ph := h * vg.Length(p.weight/total)
		sub := draw.Crop(dc, 0, 0, h-top-ph, -top)
		p.p.Draw(sub)
		top += ph
	}
	return nil
}

// newPlot returns a plot with the package's styles.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.Title.TextStyle.Color = colorText
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans
		a.Label.TextStyle.Font.Size = vg.Points(11)
		a.Tick.Label.Font = sans
		a.Label.TextStyle.Color = colorText
		a.Tick.Label.Font.Size = vg.Points(10)
		a.Tick.Label.Color = colorText
		a.Color = colorMuted
		a.Tick.Color = colorMuted
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = sans
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	p.Legend.Top = true
	return p
}

// single returns a chart of one panel.
func single(title string, p *plot.Plot) *Chart {
	return &Chart{title: title, panels: []panel{{p, 1}}}
}

// empty marks p as a plot of no data: a centred "no data" label.
func empty(p *plot.Plot, text string) error {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.HideAxes()
	return addLabels(p, []plotter.XY{{X: 0.5, Y: 0.5}}, []string{text}, 12, colorMuted, 0)
}

// addLabels adds texts at data points, centred horizontally and raised by
// dy points.
func addLabels(p *plot.Plot, at []plotter.XY, texts []string, size float64, c color.Color, dy float64) error {
	return addLabelsAligned(p, at, texts, size, c, dy, -0.5)
}

// addLabelsAligned adds texts at data points, aligned horizontally by
// xAlign (-0.5 centred, 0 starting at the point, -1 ending there) and raised
// by dy points.
func addLabelsAligned(p *plot.Plot, at []plotter.XY, texts []string, size float64, c color.Color, dy, xAlign float64) error {
	if len(at) == 0 {
		return nil
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: at, Labels: texts})
	if err != nil {
		return fmt.Errorf("%w: labels: %w", ErrChart, err)
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font = sans
		l.TextStyle[i].Font.Size = vg.Points(size)
		l.TextStyle[i].Color = c
		l.TextStyle[i].XAlign = draw.XAlignment(xAlign)
		l.TextStyle[i].YAlign = 0
	}
	l.Offset = vg.Point{Y: vg.Points(dy)}
	p.Add(l)
	return nil
}

// nominal is a ticker that labels categories 0..n-1 with names, at most
// max of them (every k-th, from the first), so that long series keep
// readable axes.
type nominal struct {
	names []string
	max   int
}

// Ticks implements plot.Ticker.
func (t nominal) Ticks(lo, hi float64) []plot.Tick {
	n := len(t.names)
	step := 1
	if t.max > 0 && n > t.max {
		step = (n + t.max - 1) / t.max
	}
	var ts []plot.Tick
	for i, name := range t.names {
		if float64(i) < lo-0.5 || float64(i) > hi+0.5 {
			continue
		}
		label := ""
		if i%step == 0 {
			label = name
		}
		ts = append(ts, plot.Tick{Value: float64(i), Label: label})
	}
	return ts
}

// percentTicks labels a proportion axis in percent.
type percentTicks struct{}

// Ticks implements plot.Ticker.
func (percentTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = trimFloat(100*ts[i].Value) + "%"
		}
	}
	return ts
}

// shortTicks labels an amount or count axis in short form (1.2M).
type shortTicks struct{}

// Ticks implements plot.Ticker.
func (shortTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = shortLabel(ts[i].Value)
		}
	}
	return ts
}

// finite reports whether every value is a finite number.
func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// MaxCategories is the most bars, periods or groups a chart draws; a result
// with more is an error wrapping ErrChart (the tables list them all).
const MaxCategories = 2000

// sans is the typeface of every text of the charts: Liberation Sans, which
// gonum/plot ships (its metrics place the texts); a browser without it
// draws the SVG's texts in its own sans-serif face.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func shortLabel(f float64) string { return format.Short(f) }
