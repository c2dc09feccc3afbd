package chart

import (
	"fmt"
	"image/color"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/format"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Funnel draws the funnel of a report in two aligned panels: above, a bar
// per row (each stage, then won) of the deals that reached it, N_k, with
// its count; below, the step conversion N_k / N_(k-1) of every row after
// the first, a point at its value with its Wilson interval as an error bar
// and the percentage as a label (funnel.StageReport.Step). A step that is
// undefined (no deal at the row before) has no point and reads "n/a".
func Funnel(r funnel.Report) (*Chart, error) {
	n := len(r.Funnel)
	if n > MaxCategories {
		return nil, fmt.Errorf("%w: funnel of %d rows", ErrChart, n)
	}
	names := make([]string, n)
	reach := make(plotter.Values, n)
	for i, row := range r.Funnel {
		names[i] = string(row.Stage)
		reach[i] = float64(row.Reached)
	}
	top := newPlot("Deals reaching each stage", "", "deals")
	bottom := newPlot("Step conversion, with "+level(r.Funnel)+" interval", "", "from the row before")
	c := &Chart{title: "Funnel", panels: []panel{{top, 1}, {bottom, 1}}}
	if n == 0 {
		if err := empty(top, "no stages"); err != nil {
			return nil, err
		}
		return c, empty(bottom, "no stages")
	}
	bars, err := plotter.NewBarChart(reach, barWidth(n))
	if err != nil {
		return nil, fmt.Errorf("%w: funnel: %w", ErrChart, err)
	}
	bars.Color = colorBar
	bars.LineStyle.Width = 0
	top.Add(bars)
	at := make([]plotter.XY, n)
	texts := make([]string, n)
	for i, row := range r.Funnel {
		at[i] = plotter.XY{X: float64(i), Y: reach[i]}
		texts[i] = format.Count(row.Reached)
	}
	if err := addLabels(top, at, texts, 10, colorText, 2); err != nil {
		return nil, err
	}
	top.X.Tick.Marker = nominal{names: names, max: 12}
	top.Y.Tick.Marker = shortTicks{}
	top.Y.Min = 0
	top.Y.Max = headroom(maxOf(reach))
	top.X.Min, top.X.Max = -0.5, float64(n)-0.5

	var pts errPoints
	at, texts = at[:0], texts[:0]
	for i, row := range r.Funnel {
		if i == 0 {
			continue
		}
		v, ok := row.Step.Float64()
		if !ok || !finite(v) {
			at = append(at, plotter.XY{X: float64(i), Y: 0})
			texts = append(texts, format.NA)
			continue
		}
		lo, hi := v, v
		if iv := row.Step.Interval; iv.Defined && finite(iv.Lo, iv.Hi) {
			lo, hi = iv.Lo, iv.Hi
		}
		pts.XYs = append(pts.XYs, plotter.XY{X: float64(i), Y: v})
		pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{v - lo, hi - v})
		at = append(at, plotter.XY{X: float64(i) + 0.08, Y: v})
		texts = append(texts, format.Ratio(row.Step.Ratio))
	}
	if len(pts.XYs) > 0 {
		if err := addPointsWithErrors(bottom, pts, colorAccent); err != nil {
			return nil, err
		}
	}
	if err := addLabelsAligned(bottom, at, texts, 10, colorText, 4, 0); err != nil {
		return nil, err
	}
	bottom.X.Tick.Marker = nominal{names: names, max: 12}
	bottom.Y.Tick.Marker = percentTicks{}
	bottom.Y.Min, bottom.Y.Max = 0, 1.08
	bottom.X.Min, bottom.X.Max = -0.5, float64(n)-0.5
	c.align = true
	return c, nil
}

// level returns the confidence level of the first defined interval of the
// rows, as "95%".
func level(rows []funnel.StageReport) string {
	for _, r := range rows {
		if r.Step.Interval.Defined {
			return trimFloat(100*r.Step.Interval.Confidence) + "%"
		}
	}
	return "its"
}

// errPoints are points with asymmetric vertical errors.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// addPointsWithErrors adds a point and an error bar for each of pts.
func addPointsWithErrors(p *plot.Plot, pts errPoints, c color.Color) error {
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return fmt.Errorf("%w: error bars: %w", ErrChart, err)
	}
	eb.LineStyle.Color = c
	eb.LineStyle.Width = vg.Points(1.5)
	eb.CapWidth = vg.Points(8)
	sc, err := plotter.NewScatter(pts.XYs)
	if err != nil {
		return fmt.Errorf("%w: points: %w", ErrChart, err)
	}
	sc.GlyphStyle.Color = c
	sc.GlyphStyle.Radius = vg.Points(3.5)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(eb, sc)
	return nil
}

// barWidth returns the width of a bar among n categories.
func barWidth(n int) vg.Length {
	w := (Width - vg.Points(80)) / vg.Length(max(n, 1)) * 0.6
	return min(max(w, vg.Points(1)), vg.Points(60))
}

func maxOf(vs []float64) float64 {
	m := 0.0
	for _, v := range vs {
		if finite(v) && v > m {
			m = v
		}
	}
	return m
}

// headroom returns an axis maximum a little above m, leaving room for the
// labels above the bars.
func headroom(m float64) float64 {
	if m <= 0 {
		return 1
	}
	return m * 1.15
}
