package chart

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/funnelmetrics/funnel/trend"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// MaxLabelledCells is the most cells a heatmap labels with their value;
// a larger table is drawn without labels (its figures are in the tables).
const MaxLabelledCells = 160

// Cohorts draws a table of creation cohorts (trend.Table) as a heatmap:
// a row per creation period, the oldest at the top, a column per age (whole
// periods since creation), each cell coloured by the share of the cohort
// won by that age (funnel.CohortValue.Rate, Count / Size) on a scale from 0
// to 100%, and labelled with it when the table is small enough. Ages a
// cohort has not reached yet are left blank.
func Cohorts(t trend.Table) (*Chart, error) {
	return heatmap("Cohorts", "Share of each creation cohort won, by age", "age ("+t.Period.String()+"s since creation)", "share won",
		t.Cohorts, t.Calendar, t.Period, t.Location)
}

// CustomerCohorts draws a customer cohort table (clv.Cohorts) as Cohorts
// does: each cell is the share of the customers acquired in the period who
// bought at that age (the cohort's retention curve).
func CustomerCohorts(c clv.Cohorts) (*Chart, error) {
	return heatmap("Customer cohorts", "Share of each acquisition cohort buying, by age", "age ("+c.Period.String()+"s since first purchase)", "share buying",
		c.Cohorts, c.Calendar, c.Period, c.Location)
}

func heatmap(chartTitle, title, xLabel, legendLabel string, rows []funnel.Cohort, cal funnel.Calendar, period funnel.Period, zone string) (*Chart, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = nil // the starts carry their zone; labels fall back to UTC
	}
	n := len(rows)
	ages := 0
	for _, r := range rows {
		ages = max(ages, len(r.Ages))
	}
	if n > MaxCategories || ages > MaxCategories {
		return nil, fmt.Errorf("%w: cohort table of %d x %d", ErrChart, n, ages)
	}
	p := newPlot(title, xLabel, "")
	legend := newPlot("", legendLabel, "")
	c := &Chart{title: chartTitle, panels: []panel{{p, 5}, {legend, 1}}}
	if n == 0 || ages == 0 {
		legend.HideAxes()
		return c, empty(p, "no cohorts")
	}
	g := grid{rows: rows, ages: ages}
	cm, err := shareMap()
	if err != nil {
		return nil, err
	}
	hm := plotter.NewHeatMap(g, cm.Palette(64))
	hm.Min, hm.Max = 0, 1
	hm.NaN = color.NRGBA{R: 0xF2, G: 0xF2, B: 0xF2, A: 0xFF}
	p.Add(hm)
	names := make([]string, n)
	for i, r := range rows {
		names[n-1-i] = cal.Label(period, r.Start, loc)
	}
	ageNames := make([]string, ages)
	for a := range ageNames {
		ageNames[a] = fmt.Sprint(a)
	}
	p.Y.Tick.Marker = nominal{names: names, max: 16}
	p.X.Tick.Marker = nominal{names: ageNames, max: 16}
	p.X.Min, p.X.Max = -0.5, float64(ages)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	if n*ages <= MaxLabelledCells {
		var dark, light []plotter.XY
		var darkT, lightT []string
		for i := range ages {
			for j := range n {
				v := g.Z(i, j)
				if math.IsNaN(v) {
					continue
				}
				at := plotter.XY{X: float64(i), Y: float64(j)}
				text := trimFloat(math.Round(100*v)) + "%"
				if v > 0.55 {
					light, lightT = append(light, at), append(lightT, text)
				} else {
					dark, darkT = append(dark, at), append(darkT, text)
				}
			}
		}
		size := 8.0
		if n*ages <= 60 {
			size = 9
		}
		if err := addLabels(p, dark, darkT, size, colorText, -size/2); err != nil {
			return nil, err
		}
		if err := addLabels(p, light, lightT, size, color.White, -size/2); err != nil {
			return nil, err
		}
	} else {
		c.note = fmt.Sprintf("%d cells, not labelled: the table lists each", n*ages)
	}
	// the colour scale: a one-row heatmap of shares 0 to 100%, vector
	// cells rather than an embedded image
	key := plotter.NewHeatMap(scale(legendCells), cm.Palette(64))
	key.Min, key.Max = 0, 1
	legend.Add(key)
	legend.HideY()
	legend.X.Tick.Marker = percentTicks{}
	legend.X.Min, legend.X.Max = -0.04, 1.04 // room for the end labels
	legend.X.Label.TextStyle.Font.Size = vg.Points(10)
	return c, nil
}

// shareMap is the colour scale of shares: light for 0, dark blue for 100%,
// with luminance linear in the value (Moreland 2016, "Why we use bad color
// maps and what you can do about it").
func shareMap() (palette.ColorMap, error) {
	cm, err := moreland.NewLuminance([]color.Color{
		color.NRGBA{R: 0x08, G: 0x30, B: 0x6B, A: 0xFF},
		color.NRGBA{R: 0x42, G: 0x92, B: 0xC6, A: 0xFF},
		color.NRGBA{R: 0xF7, G: 0xFB, B: 0xFF, A: 0xFF},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: colour map: %w", ErrChart, err)
	}
	cm = palette.Reverse(cm)
	cm.SetMin(0)
	cm.SetMax(1)
	return cm, nil
}

// legendCells is the number of cells of a heatmap's colour scale.
const legendCells = 20

// scale is the grid of a colour scale: one row of n cells whose centres
// run from 0 to 1.
type scale int

// Dims implements plotter.GridXYZ.
func (s scale) Dims() (c, r int) { return int(s), 1 }

// X implements plotter.GridXYZ.
func (s scale) X(c int) float64 { return (float64(c) + 0.5) / float64(s) }

// Y implements plotter.GridXYZ.
func (s scale) Y(int) float64 { return 0 }

// Z implements plotter.GridXYZ.
func (s scale) Z(c, _ int) float64 { return s.X(c) }

// grid is a cohort table as a heatmap grid: column = age, row = cohort
// (the first cohort in the top row).
type grid struct {
	rows []funnel.Cohort
	ages int
}

// Dims implements plotter.GridXYZ.
func (g grid) Dims() (c, r int) { return g.ages, len(g.rows) }

// X implements plotter.GridXYZ.
func (g grid) X(c int) float64 { return float64(c) }

// Y implements plotter.GridXYZ.
func (g grid) Y(r int) float64 { return float64(r) }

// Z implements plotter.GridXYZ: the share at the age, NaN where the cohort
// has no such age or no unit.
func (g grid) Z(c, r int) float64 {
	row := g.rows[len(g.rows)-1-r]
	if c >= len(row.Ages) {
		return math.NaN()
	}
	v, ok := row.Ages[c].Rate.Float64()
	if !ok || !finite(v) {
		return math.NaN()
	}
	return v
}
