package chart

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/attribution"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/pulse"
	"github.com/funnelmetrics/funnel/trend"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// The golden tests below read the SVG a chart renders as XML and check its
// structure against inputs whose figures are worked out by hand: the bars
// (filled paths of the bar colour), the lines and bands, and the texts.

type element struct {
	name  string
	style string
	text  string
}

// parse returns every element of an SVG document in order.
func parse(t *testing.T, svg []byte) []element {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	var out []element
	var open []int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := element{name: tk.Name.Local}
			for _, a := range tk.Attr {
				if a.Name.Local == "style" {
					e.style = a.Value
				}
			}
			out = append(out, e)
			open = append(open, len(out)-1)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				out[open[len(open)-1]].text += string(tk)
			}
		}
	}
	return out
}

func render(t *testing.T) func(c *Chart, err error) []element {
	return func(c *Chart, err error) []element { t.Helper(); return renderChart(t, c, err) }
}

func renderChart(t *testing.T, c *Chart, err error) []element {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(svg, []byte(`viewBox="0 0 480 300"`)) {
		t.Errorf("SVG has no viewBox of the chart's size: %.200s", svg)
	}
	return parse(t, svg)
}

func TestPNG(t *testing.T) {
	c, err := Funnel(funnelReport(t))
	if err != nil {
		t.Fatal(err)
	}
	img, err := c.PNG()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != 960 || cfg.Height != 600 {
		t.Errorf("PNG is %dx%d, want 960x600 (480x300 pt at 144 dpi)", cfg.Width, cfg.Height)
	}
}

// fills counts the filled paths of a colour (bars, cells, points).
func fills(es []element, color string) int {
	n := 0
	for _, e := range es {
		if e.name == "path" && (strings.HasPrefix(e.style, "fill:"+color+";") || e.style == "fill:"+color) {
			n++
		}
	}
	return n
}

// strokes counts the stroked paths of a colour and width (lines).
func strokes(es []element, color, width string) int {
	n := 0
	for _, e := range es {
		if e.name == "path" && strings.Contains(e.style, "stroke:"+color+";stroke-width:"+width) {
			n++
		}
	}
	return n
}

func texts(es []element) []string {
	var out []string
	for _, e := range es {
		if e.name == "text" {
			out = append(out, e.text)
		}
	}
	return out
}

func hasTexts(t *testing.T, es []element, want ...string) {
	t.Helper()
	got := texts(es)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("no text %q among %q", w, got)
		}
	}
}

var day0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d int) time.Time { return day0.AddDate(0, 0, d) }

// funnelReport: 10 deals enter Lead; 6 go on to Demo; 3 of those are won,
// 2 lost, 1 open; the 4 others are lost at Lead. So reach is 10, 6, 3 and
// the steps are 6/10 = 60.0% and 3/6 = 50.0%.
func funnelReport(t *testing.T) funnel.Report {
	t.Helper()
	f, err := funnel.New("Lead", "Demo")
	if err != nil {
		t.Fatal(err)
	}
	var deals []funnel.Deal
	for i := range 10 {
		d := funnel.Deal{ID: string(rune('a' + i)), Created: at(i), Amount: decimal.NewFromInt(100),
			History: []funnel.StageChange{{Stage: "Lead", At: at(i)}}}
		switch {
		case i < 3:
			d.History = append(d.History, funnel.StageChange{Stage: "Demo", At: at(i + 1)})
			d.Outcome, d.Closed = funnel.Won, at(i+5)
		case i < 5:
			d.History = append(d.History, funnel.StageChange{Stage: "Demo", At: at(i + 1)})
			d.Outcome, d.Closed = funnel.Lost, at(i+5)
		case i < 6:
			d.History = append(d.History, funnel.StageChange{Stage: "Demo", At: at(i + 1)})
		default:
			d.Outcome, d.Closed = funnel.Lost, at(i+2)
		}
		d.Stage = d.History[len(d.History)-1].Stage
		deals = append(deals, d)
	}
	r, err := funnel.Compute(f, slices.Values(deals), funnel.Options{AsOf: at(30)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFunnel(t *testing.T) {
	es := render(t)(Funnel(funnelReport(t)))
	if n := fills(es, "#0072B2"); n != 3 {
		t.Errorf("%d bars, want 3 (Lead, Demo, won)", n)
	}
	if n := fills(es, "#E69F00"); n != 2 {
		t.Errorf("%d step points, want 2", n)
	}
	// each error bar is a vertical line and two caps
	if n := strokes(es, "#E69F00", "1.5"); n != 6 {
		t.Errorf("%d error-bar strokes, want 6", n)
	}
	hasTexts(t, es, "Deals reaching each stage", "Step conversion, with 95% interval",
		"10", "6", "3", "60.0%", "50.0%", "Lead", "Demo", "won")
}

func TestFunnelUndefinedStep(t *testing.T) {
	r := funnel.Report{Funnel: []funnel.StageReport{{Stage: "A"}, {Stage: "B"}, {Stage: "won", Terminal: true}}}
	es := render(t)(Funnel(r))
	if n := fills(es, "#E69F00"); n != 0 {
		t.Errorf("%d step points for no deal, want 0", n)
	}
	got := 0
	for _, s := range texts(es) {
		if s == "n/a" {
			got++
		}
	}
	if got != 2 {
		t.Errorf("%d n/a labels, want 2 (steps into B and won)", got)
	}
}

func TestFunnelEmpty(t *testing.T) {
	es := render(t)(Funnel(funnel.Report{}))
	hasTexts(t, es, "no stages")
}

func rate(num, den int64) funnel.Rate {
	r := funnel.Ratio{Num: num, Den: den}
	iv, _ := r.Wilson(0.95)
	return funnel.Rate{Ratio: r, Interval: iv}
}

func TestTrend(t *testing.T) {
	// four months; the third has no closed deal: the line breaks there
	v := trend.Values{Metric: trend.WinRate, Period: funnel.Month, Points: []trend.Point{
		{Label: "2024-01", Value: trend.Value{Defined: true, Rate: rate(3, 10)}},
		{Label: "2024-02", Value: trend.Value{Defined: true, Rate: rate(5, 10)}},
		{Label: "2024-03"},
		{Label: "2024-04", Value: trend.Value{Defined: true, Rate: rate(1, 4)}},
		{Label: "2024-05", Value: trend.Value{Defined: true, Rate: rate(2, 4)}},
	}}
	es := render(t)(Trend(v))
	if n := strokes(es, "#0072B2", "2"); n != 2 {
		t.Errorf("%d line segments, want 2 (broken at the undefined month)", n)
	}
	bands := 0
	for _, e := range es {
		if e.name == "path" && strings.Contains(e.style, "fill-opacity:0.25") {
			bands++
		}
	}
	if bands != 3 { // two bands and the legend's swatch
		t.Errorf("%d band polygons, want 3 (two runs and the legend)", bands)
	}
	if n := fills(es, "#0072B2"); n != 4 {
		t.Errorf("%d points, want 4", n)
	}
	hasTexts(t, es, "Win rate (won / closed) by created month", "95% interval", "2024-01", "2024-03", "2024-05", "100%", "0%")
}

func TestTrendCounts(t *testing.T) {
	v := trend.Values{Metric: trend.Deals, Period: funnel.Quarter, Points: []trend.Point{
		{Label: "2024-Q1", Value: trend.Value{Defined: true, Number: decimal.NewFromInt(40)}},
		{Label: "2024-Q2", Value: trend.Value{Defined: true, Number: decimal.NewFromInt(25000)}},
	}}
	es := render(t)(Trend(v))
	if n := strokes(es, "#0072B2", "2"); n != 1 {
		t.Errorf("%d lines, want 1", n)
	}
	hasTexts(t, es, "Deals by created quarter", "deals", "2024-Q1", "2024-Q2")
}

func TestTrendNothingDefined(t *testing.T) {
	v := trend.Values{Metric: trend.WinRate, Points: []trend.Point{{Label: "2024-01"}}}
	es := render(t)(Trend(v))
	hasTexts(t, es, "no defined value")
	es = render(t)(Trend(trend.Values{Metric: trend.WinRate}))
	hasTexts(t, es, "no periods")
}

func cohort(start time.Time, size int64, won ...int64) funnel.Cohort {
	c := funnel.Cohort{Start: start, Size: size}
	for _, w := range won {
		c.Ages = append(c.Ages, funnel.CohortValue{Count: w, Rate: rate(w, size)})
	}
	return c
}

func TestCohorts(t *testing.T) {
	// January: 4 deals, 1 won by age 0, 3 by age 1, 4 by age 2; February:
	// 2 deals, none won at age 0, 1 by age 1; March: 5 deals, 5 won at 0.
	tab := trend.Table{Period: funnel.Month, Location: "UTC", Cohorts: []funnel.Cohort{
		cohort(at(0), 4, 1, 3, 4), cohort(at(31), 2, 0, 1), cohort(at(60), 5, 5),
	}}
	es := render(t)(Cohorts(tab))
	for _, e := range es {
		if e.name == "image" {
			t.Error("the heatmap embeds an image: its cells and scale must be vector shapes")
		}
	}
	// 3 x 3 grid: 6 cells with values, 3 blank (ages not reached)
	if n := fills(es, "#F2F2F2"); n != 3 {
		t.Errorf("%d blank cells, want 3", n)
	}
	hasTexts(t, es, "2024-01", "2024-02", "2024-03", "0", "1", "2",
		"25%", "75%", "100%", "0%", "50%", "share won")
	var pct int
	for _, s := range texts(es) {
		if strings.HasSuffix(s, "%") {
			pct++
		}
	}
	// six cell labels, and 0%, 50%, 100% on the colour scale
	if pct != 6+3 {
		t.Errorf("%d percentage texts, want 9: %q", pct, texts(es))
	}
}

func TestCohortsEmpty(t *testing.T) {
	es := render(t)(Cohorts(trend.Table{}))
	hasTexts(t, es, "no cohorts")
}

func TestSurvival(t *testing.T) {
	// a curve of 4 units: events at 1 and 2 days, one censored at 3, one
	// event at 4: S = 3/4, 2/4, 2/4, 0
	c := trend.Curve{Measure: trend.Cycle, N: 4, Events: 3, Censored: 1, Steps: []trend.Step{
		{At: 24 * time.Hour, AtRisk: 4, Events: 1, Survival: 0.75, Interval: funnel.Interval{Lo: 0.13, Hi: 0.96, Confidence: 0.95, Defined: true}},
		{At: 48 * time.Hour, AtRisk: 3, Events: 1, Survival: 0.5, Interval: funnel.Interval{Lo: 0.06, Hi: 0.84, Confidence: 0.95, Defined: true}},
		{At: 72 * time.Hour, AtRisk: 2, Censored: 1, Survival: 0.5, Interval: funnel.Interval{Lo: 0.06, Hi: 0.84, Confidence: 0.95, Defined: true}},
		{At: 96 * time.Hour, AtRisk: 1, Events: 1, Survival: 0},
	}, Median: trend.Quantile{P: 0.5, At: 60 * time.Hour, Defined: true}}
	w := c
	w.Measure = trend.TimeInStage
	w.Stage = "Demo"
	es := render(t)(Survival(c, w))
	if n := strokes(es, "#0072B2", "2"); n != 2 { // the curve and its legend line
		t.Errorf("%d strokes of the first curve, want 2", n)
	}
	if n := strokes(es, "#E69F00", "2"); n != 2 {
		t.Errorf("%d strokes of the second curve, want 2", n)
	}
	bands := 0
	for _, e := range es {
		if e.name == "path" && strings.Contains(e.style, "fill-opacity:0.25") {
			bands++
		}
	}
	if bands != 2 { // one run of defined intervals per curve
		t.Errorf("%d bands, want 2", bands)
	}
	hasTexts(t, es, "sales cycle, median 2.5 d", "time in Demo, median 2.5 d", "days")
}

func TestSurvivalThinned(t *testing.T) {
	c := trend.Curve{Measure: trend.TimeToWin}
	n := 5000
	for i := range n {
		c.Steps = append(c.Steps, trend.Step{At: time.Duration(i+1) * time.Hour, Events: 1, Survival: 1 - float64(i+1)/float64(n+1)})
	}
	ch, err := Survival(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ch.Note(), "of its 5000 steps") {
		t.Errorf("note %q", ch.Note())
	}
	idx := thin(c.Steps, MaxSteps)
	if len(idx) > MaxSteps+1 || idx[len(idx)-1] != n-1 || !slices.IsSorted(idx) {
		t.Errorf("thin: %d indices, last %d", len(idx), idx[len(idx)-1])
	}
	renderChart(t, ch, nil)
}

func TestSurvivalEmpty(t *testing.T) {
	es := render(t)(Survival(trend.Curve{}))
	hasTexts(t, es, "no durations")
}

func TestExpectedRevenue(t *testing.T) {
	r := forecast.PeriodReport{Period: funnel.Month, Location: "UTC", Rows: []forecast.PeriodRow{
		{Start: at(0), Expected: decimal.NewFromInt(12000)},
		{Start: at(31), Expected: decimal.NewFromInt(5500)},
		{Start: at(60), Expected: decimal.Zero},
	}, Later: decimal.NewFromInt(800), UntimedExpected: decimal.Zero}
	es := render(t)(ExpectedRevenue(r))
	if n := fills(es, "#0072B2"); n != 3 {
		t.Errorf("%d period bars, want 3", n)
	}
	if n := fills(es, "#888888"); n != 1 {
		t.Errorf("%d grey bars, want 1 (later; untimed is 0)", n)
	}
	hasTexts(t, es, "2024-01", "2024-02", "2024-03", "later", "12k", "5,500", "0", "800")
	if slices.Contains(texts(es), "untimed") {
		t.Error("an untimed bar for 0")
	}
	es = render(t)(ExpectedRevenue(forecast.PeriodReport{Rows: []forecast.PeriodRow{{Start: at(0)}}}))
	hasTexts(t, es, "no expected revenue: every amount is 0")
}

func TestAttribution(t *testing.T) {
	r := &attribution.Result{Model: attribution.Linear, By: attribution.ByChannel, Keys: []attribution.KeyCredit{
		{Key: "email", Credit: attribution.Credit{Revenue: decimal.NewFromInt(1500)}},
		{Key: "search", Credit: attribution.Credit{Revenue: decimal.NewFromInt(3000)}},
	}, Unattributed: attribution.Credit{Revenue: decimal.NewFromInt(500)}}
	es := render(t)(Attribution(r, Revenue))
	if n := fills(es, "#0072B2"); n != 2 {
		t.Errorf("%d channel bars, want 2", n)
	}
	if n := fills(es, "#888888"); n != 1 {
		t.Errorf("%d grey bars, want 1 (no touch)", n)
	}
	hasTexts(t, es, "Revenue credited by channel (linear model)", "email", "search", "(no touch)", " 1,500", " 3,000", " 500")
	if _, err := Attribution(nil, Revenue); !errors.Is(err, ErrChart) {
		t.Errorf("nil result: %v", err)
	}
}

func score(p, pa, d int64) pulse.Score {
	s := pulse.Score{ENPSScore: funnel.ENPSScore{Promoters: p, Passives: pa, Detractors: d, Answered: p + pa + d, Total: p + pa + d}}
	s.Interval, _ = s.ENPSScore.Interval(funnel.ENPSAdjustedWald, 0.95)
	return s
}

func TestENPS(t *testing.T) {
	// overall 10 promoters, 6 passives, 4 detractors: +30; sales 2/2/6:
	// -40; support 8/4/0 (+67); legal hidden, too few answers
	b := pulse.Breakdown{MinGroup: 5, Overall: score(10, 6, 4), Groups: []pulse.GroupScore{
		{Group: "legal", Score: pulse.Score{Suppressed: pulse.TooFew}},
		{Group: "sales", Score: score(2, 2, 6)},
		{Group: "support", Score: score(8, 4, 0)},
	}}
	es := render(t)(ENPS(b))
	if n := fills(es, "#009E73"); n != 2 {
		t.Errorf("%d positive bars, want 2 (overall, support)", n)
	}
	if n := fills(es, "#D55E00"); n != 1 {
		t.Errorf("%d negative bars, want 1 (sales)", n)
	}
	hasTexts(t, es, "overall", "legal", "sales", "support", "hidden: too few", "30", "-40", "67")
	withheld := pulse.Breakdown{MinGroup: 5, Overall: pulse.Score{Suppressed: pulse.Withheld},
		Groups: []pulse.GroupScore{{Group: "a", Score: pulse.Score{Suppressed: pulse.Withheld}}}}
	es = render(t)(ENPS(withheld))
	if n := fills(es, "#009E73") + fills(es, "#D55E00"); n != 0 {
		t.Errorf("%d bars of a withheld breakdown", n)
	}
	hasTexts(t, es, "hidden: withheld")
}

func TestHugeValues(t *testing.T) {
	r := funnelReport(t)
	r.Funnel[0].Reached = 1 << 62
	es := render(t)(Funnel(r))
	hasTexts(t, es, "4,611,686,018,427,387,904")
	big := decimal.New(1, 60)
	p := forecast.PeriodReport{Rows: []forecast.PeriodRow{{Start: at(0), Expected: big}}}
	render(t)(ExpectedRevenue(p))
}

func TestTooMany(t *testing.T) {
	r := funnel.Report{Funnel: make([]funnel.StageReport, MaxCategories+1)}
	if _, err := Funnel(r); !errors.Is(err, ErrChart) {
		t.Errorf("funnel of %d rows: %v", MaxCategories+1, err)
	}
}

func TestNominalTicks(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e", "f", "g"}
	var got []string
	for _, tk := range (nominal{names: names, max: 3}).Ticks(0, 6) {
		got = append(got, tk.Label)
	}
	if diff := cmp.Diff([]string{"a", "", "", "d", "", "", "g"}, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

func TestHostileNames(t *testing.T) {
	name := `<script>alert("x")</script> & "q"`
	r := funnel.Report{Funnel: []funnel.StageReport{{Stage: funnel.Stage(name), Reached: 1}, {Stage: "won", Terminal: true}}}
	c, err := Funnel(r)
	if err != nil {
		t.Fatal(err)
	}
	svg, err := c.SVG()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(svg, []byte("<script")) {
		t.Error("a stage name is written unescaped")
	}
	hasTexts(t, parse(t, svg), name)
}
