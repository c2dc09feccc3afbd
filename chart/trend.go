package chart

import (
	"fmt"
	"strings"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/trend"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Trend draws one metric across the periods of a series (trend.Values):
// a line through the periods where the metric is defined, a point at each,
// and for a rate metric (win rates, step conversions) the band of its
// Wilson interval (trend.Value.Rate). The line and the band break where a
// period has no value (a rate over no deal). Durations are drawn in days.
func Trend(v trend.Values) (*Chart, error) {
	n := len(v.Points)
	if n > MaxCategories {
		return nil, fmt.Errorf("%w: trend of %d periods", ErrChart, n)
	}
	kind := metricKind(v.Metric)
	unit := map[int]string{kindRate: "", kindDuration: "days", kindAmount: "amount", kindCount: "deals"}[kind]
	title := metricTitle(v.Metric) + " by " + v.Basis.String() + " " + v.Period.String()
	p := newPlot(title, "", unit)
	c := single("Trend", p)
	if n == 0 {
		return c, empty(p, "no periods")
	}
	names := make([]string, n)
	var segs []plotter.XYs // runs of defined values
	var bandSegs [][2]plotter.XYs
	var cur plotter.XYs
	var lo, hi plotter.XYs
	flush := func() {
		if len(cur) > 0 {
			segs = append(segs, cur)
			if len(lo) > 0 {
				bandSegs = append(bandSegs, [2]plotter.XYs{lo, hi})
			}
		}
		cur, lo, hi = nil, nil, nil
	}
	var all plotter.XYs
	for i, pt := range v.Points {
		names[i] = pt.Label
		y, ok := value(kind, pt.Value)
		if !ok {
			flush()
			continue
		}
		xy := plotter.XY{X: float64(i), Y: y}
		cur = append(cur, xy)
		all = append(all, xy)
		if kind == kindRate {
			iv := pt.Value.Rate.Interval
			if iv.Defined && finite(iv.Lo, iv.Hi) {
				lo = append(lo, plotter.XY{X: float64(i), Y: iv.Lo})
				hi = append(hi, plotter.XY{X: float64(i), Y: iv.Hi})
			} else {
				lo = append(lo, xy)
				hi = append(hi, xy)
			}
		}
	}
	flush()
	for k, b := range bandSegs {
		ring := append(plotter.XYs{}, b[0]...)
		for i := len(b[1]) - 1; i >= 0; i-- {
			ring = append(ring, b[1][i])
		}
		if len(b[0]) == 1 { // one period alone: a thin band around it
			ring = plotter.XYs{{X: b[0][0].X - 0.15, Y: b[0][0].Y}, {X: b[0][0].X + 0.15, Y: b[0][0].Y},
				{X: b[1][0].X + 0.15, Y: b[1][0].Y}, {X: b[1][0].X - 0.15, Y: b[1][0].Y}}
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, fmt.Errorf("%w: trend band: %w", ErrChart, err)
		}
		poly.Color = band(colorBar)
		poly.LineStyle.Width = 0
		p.Add(poly)
		if k == 0 {
			p.Legend.Add(trimFloat(100*levelOf(v))+"% interval", poly)
		}
	}
	for _, s := range segs {
		l, err := plotter.NewLine(s)
		if err != nil {
			return nil, fmt.Errorf("%w: trend line: %w", ErrChart, err)
		}
		l.Color = colorBar
		l.Width = vg.Points(2)
		p.Add(l)
	}
	if len(all) > 0 {
		sc, err := plotter.NewScatter(all)
		if err != nil {
			return nil, fmt.Errorf("%w: trend points: %w", ErrChart, err)
		}
		sc.GlyphStyle.Color = colorBar
		sc.GlyphStyle.Radius = vg.Points(2.5)
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
	} else {
		if err := addLabels(p, []plotter.XY{{X: float64(n-1) / 2, Y: 0.5}}, []string{"no defined value"}, 12, colorMuted, 0); err != nil {
			return nil, err
		}
	}
	p.X.Tick.Marker = nominal{names: names, max: 8}
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	switch kind {
	case kindRate:
		p.Y.Tick.Marker = percentTicks{}
		p.Y.Min, p.Y.Max = 0, 1
	default:
		p.Y.Tick.Marker = shortTicks{}
		p.Y.Min = 0
		p.Y.Max = headroom(maxY(all))
	}
	return c, nil
}

const (
	kindCount = iota + 1
	kindRate
	kindAmount
	kindDuration
)

// metricKind mirrors the kinds of trend's metrics.
func metricKind(m trend.Metric) int {
	switch m {
	case trend.WinRate, trend.WinRateCreated:
		return kindRate
	case trend.WonAmount, trend.DealSize, trend.Pipeline:
		return kindAmount
	case trend.CycleWon:
		return kindDuration
	case trend.Deals, trend.Won, trend.Lost:
		return kindCount
	}
	if strings.HasPrefix(string(m), "step:") {
		return kindRate
	}
	return kindCount
}

func metricTitle(m trend.Metric) string {
	switch m {
	case trend.Deals:
		return "Deals"
	case trend.Won:
		return "Won deals"
	case trend.Lost:
		return "Lost deals"
	case trend.WinRate:
		return "Win rate (won / closed)"
	case trend.WinRateCreated:
		return "Won / created"
	case trend.WonAmount:
		return "Amount won"
	case trend.DealSize:
		return "Mean won deal size"
	case trend.Pipeline:
		return "Open pipeline"
	case trend.CycleWon:
		return "Mean sales cycle of won deals"
	}
	if s, ok := strings.CutPrefix(string(m), "step:"); ok {
		return "Step conversion into " + s
	}
	return string(m)
}

// value returns the number to plot for a trend value.
func value(kind int, v trend.Value) (float64, bool) {
	if !v.Defined {
		return 0, false
	}
	if kind == kindRate {
		f, ok := v.Rate.Float64()
		return f, ok && finite(f)
	}
	f := v.Number.InexactFloat64()
	if kind == kindDuration {
		f /= 86400
	}
	return f, finite(f)
}

// levelOf returns the level of the series' intervals, or the library's
// default level (funnel.Confidence's zero) when none is defined.
func levelOf(v trend.Values) float64 {
	for _, p := range v.Points {
		if p.Value.Rate.Interval.Defined {
			return p.Value.Rate.Interval.Confidence
		}
	}
	level, _ := funnel.Confidence(0).Level() // the zero level is valid
	return level
}

func maxY(xys plotter.XYs) float64 {
	m := 0.0
	for _, p := range xys {
		if p.Y > m {
			m = p.Y
		}
	}
	return m
}

var _ plot.Ticker = nominal{}
