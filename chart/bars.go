package chart

import (
	"fmt"
	"image/color"
	"time"

	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/format"
	"github.com/funnelmetrics/funnel/pulse"
	"github.com/shopspring/decimal"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ExpectedRevenue draws the expected revenue of the open deals by future
// period (forecast.PeriodReport): a bar per period of its expected amount,
// then, in grey, a bar for the revenue expected after the last period
// (Later) and one for the deals that no date places (UntimedExpected) when
// they are not zero. Each bar is labelled with its amount.
func ExpectedRevenue(r forecast.PeriodReport) (*Chart, error) {
	n := len(r.Rows)
	if n > MaxCategories {
		return nil, fmt.Errorf("%w: forecast of %d periods", ErrChart, n)
	}
	loc, err := time.LoadLocation(r.Location)
	if err != nil {
		loc = nil
	}
	p := newPlot("Expected revenue of open deals by "+r.Period.String(), "", "expected revenue")
	c := single("Expected revenue", p)
	var names []string
	var vals, extra plotter.Values
	for _, row := range r.Rows {
		names = append(names, r.Calendar.Label(r.Period, row.Start, loc))
		vals = append(vals, money(row.Expected))
	}
	for _, e := range []struct {
		name string
		v    decimal.Decimal
	}{{"later", r.Later}, {"untimed", r.UntimedExpected}} {
		if !e.v.IsZero() {
			names = append(names, e.name)
			extra = append(extra, money(e.v))
		}
	}
	if len(names) == 0 {
		return c, empty(p, "no periods")
	}
	all := append(append(plotter.Values{}, vals...), extra...)
	if maxOf(all) == 0 {
		if err := addLabels(p, []plotter.XY{{X: float64(len(all)-1) / 2, Y: 0.5}}, []string{"no expected revenue: every amount is 0"}, 11, colorMuted, 0); err != nil {
			return nil, err
		}
	}
	w := barWidth(len(all))
	if err := addBars(p, vals, 0, w, colorBar); err != nil {
		return nil, err
	}
	if err := addBars(p, extra, len(vals), w, colorMuted); err != nil {
		return nil, err
	}
	at := make([]plotter.XY, len(all))
	texts := make([]string, len(all))
	for i, v := range all {
		at[i] = plotter.XY{X: float64(i), Y: v}
		texts[i] = format.Short(v)
	}
	if len(all) <= 24 {
		if err := addLabels(p, at, texts, 9, colorText, 2); err != nil {
			return nil, err
		}
	}
	p.X.Tick.Marker = nominal{names: names, max: 8}
	p.X.Min, p.X.Max = -0.5, float64(len(all))-0.5
	p.Y.Tick.Marker = shortTicks{}
	p.Y.Min, p.Y.Max = 0, headroom(maxOf(all))
	return c, nil
}

// addBars adds one bar chart of vs starting at category x0; nothing for no
// values.
func addBars(p *plot.Plot, vs plotter.Values, x0 int, w vg.Length, c color.Color) error {
	if len(vs) == 0 {
		return nil
	}
	b, err := plotter.NewBarChart(vs, w)
	if err != nil {
		return fmt.Errorf("%w: bars: %w", ErrChart, err)
	}
	b.XMin = float64(x0)
	b.Color = c
	b.LineStyle.Width = 0
	p.Add(b)
	return nil
}

func money(d decimal.Decimal) float64 {
	f := d.InexactFloat64()
	if !finite(f) {
		return 0
	}
	return f
}

// AttributionMetric selects the credit an attribution chart draws.
type AttributionMetric int

// The credits of attribution.Credit.
const (
	Revenue AttributionMetric = iota
	Conversions
	Opportunities
	Leads
	Pipeline
)

func (m AttributionMetric) of(c attribution.Credit) decimal.Decimal {
	switch m {
	case Conversions:
		return c.Conversions
	case Opportunities:
		return c.Opportunities
	case Leads:
		return c.Leads
	case Pipeline:
		return c.Pipeline
	}
	return c.Revenue
}

// String returns "revenue", "conversions", "opportunities", "leads" or
// "pipeline".
func (m AttributionMetric) String() string {
	switch m {
	case Conversions:
		return "conversions"
	case Opportunities:
		return "opportunities"
	case Leads:
		return "leads"
	case Pipeline:
		return "pipeline"
	}
	return "revenue"
}

// Attribution draws the credit of an attribution (attribution.Result) by
// key, channel or campaign: a horizontal bar per key, in the result's key
// order from the top, labelled with its credit, then, in grey, the credit
// of the journeys without touches (Result.Unattributed) when it is not zero.
func Attribution(r *attribution.Result, m AttributionMetric) (*Chart, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: no attribution", ErrChart)
	}
	n := len(r.Keys)
	if n > MaxCategories {
		return nil, fmt.Errorf("%w: attribution of %d keys", ErrChart, n)
	}
	p := newPlot(fmt.Sprintf("%s credited by %s (%s model)", capital(m.String()), r.By, r.Model), m.String(), "")
	c := single("Attribution", p)
	var names []string
	var vals plotter.Values
	for _, k := range r.Keys {
		names = append(names, k.Key)
		vals = append(vals, money(m.of(k.Credit)))
	}
	var extra plotter.Values
	if u := m.of(r.Unattributed); !u.IsZero() {
		names = append(names, "(no touch)")
		extra = append(extra, money(u))
	}
	if len(names) == 0 {
		return c, empty(p, "no journeys")
	}
	// the first key at the top: categories count down
	total := len(names)
	rev := func(vs plotter.Values) plotter.Values {
		out := make(plotter.Values, len(vs))
		for i, v := range vs {
			out[len(vs)-1-i] = v
		}
		return out
	}
	w := barWidth(total)
	for _, b := range []struct {
		vs plotter.Values
		x0 int
		c  color.Color
	}{{rev(extra), 0, colorMuted}, {rev(vals), len(extra), colorBar}} {
		if len(b.vs) == 0 {
			continue
		}
		bc, err := plotter.NewBarChart(b.vs, w)
		if err != nil {
			return nil, fmt.Errorf("%w: bars: %w", ErrChart, err)
		}
		bc.Horizontal = true
		bc.XMin = float64(b.x0)
		bc.Color = b.c
		bc.LineStyle.Width = 0
		p.Add(bc)
	}
	labels := make([]string, total)
	at := make([]plotter.XY, total)
	texts := make([]string, total)
	all := append(append(plotter.Values{}, vals...), extra...)
	for i, name := range names {
		y := float64(total - 1 - i)
		labels[total-1-i] = name
		at[i] = plotter.XY{X: all[i], Y: y}
		texts[i] = " " + format.Short(all[i])
	}
	if err := addLabelsAligned(p, at, texts, 9, colorText, -4, 0); err != nil {
		return nil, err
	}
	p.Y.Tick.Marker = nominal{names: labels, max: 30}
	p.Y.Min, p.Y.Max = -0.5, float64(total)-0.5
	p.X.Tick.Marker = shortTicks{}
	p.X.Min, p.X.Max = 0, headroom(maxOf(all))*1.1
	return c, nil
}

// ENPS draws an eNPS breakdown (pulse.Breakdown): a bar per published
// group score on the -100..100 scale, green above zero and vermillion
// below, with its interval as an error bar, the overall score first; a
// group hidden for confidentiality (pulse.Suppression) has no bar and reads
// "hidden" with the reason (too few answers, complement, withheld), so that
// a reader sees the group exists and why it shows nothing.
func ENPS(b pulse.Breakdown) (*Chart, error) {
	if len(b.Groups) > MaxCategories {
		return nil, fmt.Errorf("%w: breakdown of %d groups", ErrChart, len(b.Groups))
	}
	p := newPlot(fmt.Sprintf("eNPS by group (groups under %d answers hidden)", b.MinGroup), "", "eNPS")
	c := single("eNPS", p)
	type row struct {
		name string
		s    pulse.Score
	}
	rows := []row{{"overall", b.Overall}}
	for _, g := range b.Groups {
		name := g.Group
		if name == "" {
			name = "(none)"
		}
		rows = append(rows, row{name, g.Score})
	}
	names := make([]string, len(rows))
	var pts errPoints
	var at, hiddenAt []plotter.XY
	var texts, hiddenT []string
	w := barWidth(len(rows))
	for i, r := range rows {
		names[i] = r.name
		v, ok := r.s.Float64()
		if r.s.Suppressed != pulse.Shown || !ok || !finite(v) {
			why := "no answers"
			if r.s.Suppressed != pulse.Shown {
				why = r.s.Suppressed.String()
			}
			hiddenAt = append(hiddenAt, plotter.XY{X: float64(i), Y: 0})
			hiddenT = append(hiddenT, "hidden: "+why)
			continue
		}
		col := colorGood
		if v < 0 {
			col = colorBad
		}
		if err := addBars(p, plotter.Values{v}, i, w, col); err != nil {
			return nil, err
		}
		lo, hi := v, v
		if iv := r.s.Interval; iv.Defined && finite(iv.Lo, iv.Hi) {
			lo, hi = iv.Lo, iv.Hi
		}
		pts.XYs = append(pts.XYs, plotter.XY{X: float64(i), Y: v})
		pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{v - lo, hi - v})
		y := hi
		if v < 0 {
			y = lo
		}
		at = append(at, plotter.XY{X: float64(i), Y: y})
		d, _ := r.s.Round(0)
		texts = append(texts, d.String())
	}
	if len(pts.XYs) > 0 {
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, fmt.Errorf("%w: error bars: %w", ErrChart, err)
		}
		eb.LineStyle.Color = colorText
		eb.LineStyle.Width = vg.Points(1)
		eb.CapWidth = vg.Points(6)
		p.Add(eb)
	}
	if err := addLabels(p, at, texts, 9, colorText, 3); err != nil {
		return nil, err
	}
	if err := addLabels(p, hiddenAt, hiddenT, 8, colorMuted, 2); err != nil {
		return nil, err
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 0}, {X: float64(len(rows)) - 0.5, Y: 0}})
	if err != nil {
		return nil, fmt.Errorf("%w: axis line: %w", ErrChart, err)
	}
	zero.Color = colorMuted
	zero.Width = vg.Points(0.5)
	p.Add(zero)
	p.X.Tick.Marker = nominal{names: names, max: 12}
	p.X.Min, p.X.Max = -0.5, float64(len(rows))-0.5
	p.Y.Min, p.Y.Max = -100, 110
	return c, nil
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
