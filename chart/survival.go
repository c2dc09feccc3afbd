package chart

import (
	"fmt"
	"sort"
	"time"

	"github.com/funnelmetrics/funnel/trend"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// MaxSteps is the most steps of one survival curve a chart draws: a curve
// with more (one step per distinct duration, a million deals can have as
// many) is drawn through the last step at or before each of MaxSteps
// evenly spaced times, which at the chart's width is the same picture.
const MaxSteps = 400

// Survival draws Kaplan-Meier curves (trend.Curve) on one time axis in
// days: each curve as a step function S(t) starting at 1, with the band of
// its pointwise interval (trend.Step.Interval, Greenwood on the log(-log)
// scale), where it is defined, and a legend naming what the curve times
// (the sales cycle, the time to a win, the time in a stage) with its median.
func Survival(curves ...trend.Curve) (*Chart, error) {
	p := newPlot("Kaplan-Meier curves, with pointwise intervals", "days", "share without the event")
	c := single("Survival", p)
	drawn := 0
	var notes []string
	tmax := 0.0
	for k, cv := range curves {
		steps := cv.Steps
		if len(steps) == 0 {
			continue
		}
		idx := thin(steps, MaxSteps)
		if len(idx) < len(steps) {
			notes = append(notes, fmt.Sprintf("%s drawn through %d of its %d steps", CurveName(cv), len(idx), len(steps)))
		}
		col := seriesColor(k)
		line := plotter.XYs{{X: 0, Y: 1}}
		var runs []plotter.XYs
		var lo, hi plotter.XYs
		flush := func() {
			if len(lo) > 0 {
				ring := append(plotter.XYs{}, lo...)
				for i := len(hi) - 1; i >= 0; i-- {
					ring = append(ring, hi[i])
				}
				runs = append(runs, ring)
			}
			lo, hi = nil, nil
		}
		for j, i := range idx {
			s := steps[i]
			x := days(s.At)
			if !finite(x, s.Survival) {
				continue
			}
			line = append(line, plotter.XY{X: x, Y: s.Survival})
			tmax = max(tmax, x)
			end := x
			if j+1 < len(idx) {
				end = days(steps[idx[j+1]].At)
			}
			if iv := s.Interval; iv.Defined && finite(iv.Lo, iv.Hi) && end > x {
				lo = append(lo, plotter.XY{X: x, Y: iv.Lo}, plotter.XY{X: end, Y: iv.Lo})
				hi = append(hi, plotter.XY{X: x, Y: iv.Hi}, plotter.XY{X: end, Y: iv.Hi})
			} else {
				flush()
			}
		}
		flush()
		for _, ring := range runs {
			poly, err := plotter.NewPolygon(ring)
			if err != nil {
				return nil, fmt.Errorf("%w: survival band: %w", ErrChart, err)
			}
			poly.Color = band(col)
			poly.LineStyle.Width = 0
			p.Add(poly)
		}
		l, err := plotter.NewLine(line)
		if err != nil {
			return nil, fmt.Errorf("%w: survival curve: %w", ErrChart, err)
		}
		l.StepStyle = plotter.PostStep
		l.Color = col
		l.Width = vg.Points(2)
		p.Add(l)
		name := CurveName(cv)
		if cv.Median.Defined {
			name += ", median " + trimFloat(float64(int64(days(cv.Median.At)*10+0.5))/10) + " d"
		}
		p.Legend.Add(name, l)
		drawn++
	}
	if drawn == 0 {
		return c, empty(p, "no durations")
	}
	if len(notes) > 0 {
		c.note = joinNotes(notes)
	}
	p.Legend.Top = true
	p.Legend.Left = false
	p.Y.Min, p.Y.Max = 0, 1.0
	p.Y.Tick.Marker = percentTicks{}
	p.X.Min = 0
	p.X.Max = max(tmax, 1)
	return c, nil
}

// CurveName names what a curve times: "sales cycle", "time to win" or
// "time in <stage>".
func CurveName(c trend.Curve) string {
	switch c.Measure {
	case trend.Cycle:
		return "sales cycle"
	case trend.TimeToWin:
		return "time to win"
	case trend.TimeInStage:
		return "time in " + string(c.Stage)
	}
	return c.Measure.String()
}

// thin returns the indices of the steps a chart draws: all of them when
// there are at most max, otherwise the last step at or before each of max
// evenly spaced times up to the last step, which is always kept.
func thin(steps []trend.Step, max int) []int {
	n := len(steps)
	if n <= max {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	last := steps[n-1].At
	var idx []int
	for k := 1; k <= max; k++ {
		g := time.Duration(float64(last) * float64(k) / float64(max))
		i := sort.Search(n, func(i int) bool { return steps[i].At > g }) - 1
		if i >= 0 && (len(idx) == 0 || idx[len(idx)-1] != i) {
			idx = append(idx, i)
		}
	}
	if idx[len(idx)-1] != n-1 {
		idx = append(idx, n-1)
	}
	return idx
}

func days(d time.Duration) float64 { return d.Hours() / 24 }

func joinNotes(ns []string) string {
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += "; "
		}
		s += n
	}
	return s
}
