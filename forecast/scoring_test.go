package forecast_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// truthDeals generates n deals whose win probability is known: each deal
// reaches its stage, has its expected close date pushed and takes its
// source and industry within its first two days, then waits (an
// exponential time of mean 40 days, whatever its outcome) and is won with
// probability
//
//	p = σ(-0.4 + s_stage + s_source + s_industry - 0.5 pushes - 0.4 (ln amount - 9))
//
// with s_stage = -1.2, -0.3, 0.4, 1.1 for stages 0..3, s_source = 0.8,
// 1.0, 0, -1.0 for web, referral, event, outbound, s_industry = 0.5,
// -0.5, 0, 0.3, -0.3. Past its second day nothing but time changes a
// deal, so p is its true win probability at every later date. Deals
// created over 2023 and 2024; those not closed by the as-of time are
// open.
func truthDeals(n int, seed uint64, asOf time.Time) ([]funnel.Deal, map[string]float64) {
	r := rand.New(rand.NewPCG(seed, seed^0x243f6a8885a308d3))
	sources := []string{"web", "referral", "event", "outbound"}
	industries := []string{"software", "retail", "finance", "health", "energy"}
	sStage := []float64{-1.2, -0.3, 0.4, 1.1}
	sSource := []float64{0.8, 1.0, 0, -1.0}
	sIndustry := []float64{0.5, -0.5, 0, 0.3, -0.3}
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	truth := map[string]float64{}
	deals := make([]funnel.Deal, 0, n)
	for i := range n {
		created := start.Add(time.Duration(r.Int64N(int64(asOf.Sub(start)/time.Second))) * time.Second)
		if !created.Before(asOf) {
			created = asOf.Add(-time.Hour)
		}
		k := []int{0, 0, 1, 1, 1, 2, 2, 3}[r.IntN(8)]
		src, ind := r.IntN(4), r.IntN(5)
		pushes := 0
		for r.Float64() < 0.45 && pushes < 5 {
			pushes++
		}
		amount := math.Exp(9 + 0.8*r.NormFloat64())
		d := funnel.Deal{ID: "t" + strconv.Itoa(i), Created: created, Amount: decimal.NewFromFloat(amount).Round(2),
			Attrs: funnel.Attributes{Source: sources[src], Industry: industries[ind], Owner: genOwners[r.IntN(4)]}}
		for j := 0; j <= k; j++ {
			d.History = append(d.History, funnel.StageChange{Stage: genStages[j], At: created.Add(time.Duration(j) * 6 * time.Hour)})
		}
		ec := created.Add(30 * 24 * time.Hour)
		d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: created, Time: ec})
		for j := range pushes {
			ec = ec.Add(20 * 24 * time.Hour)
			d.Changes = append(d.Changes, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: created.Add(time.Duration(24+j) * time.Hour), Time: ec})
		}
		d.ExpectedClose = ec
		d.Stage = d.History[len(d.History)-1].Stage
		z := -0.4 + sStage[k] + sSource[src] + sIndustry[ind] - 0.5*float64(pushes) - 0.4*(math.Log(amount)-9)
		p := 1 / (1 + math.Exp(-z))
		truth[d.ID] = p
		closeAt := created.Add(48*time.Hour + time.Duration(r.ExpFloat64()*40*86400)*time.Second)
		won := r.Float64() < p
		if closeAt.Before(asOf) {
			d.Closed = closeAt
			d.Outcome = funnel.Lost
			if won {
				d.Outcome = funnel.Won
			}
		}
		deals = append(deals, d)
	}
	return deals, truth
}

// TestScoringBeatsStageRates fits the model on generated deals with a
// known win probability and scores the deals open at the holdout (two
// months before the as-of time) and closed since: its Brier score must be
// below the stage rates', and near that of the true probabilities.
func TestScoringBeatsStageRates(t *testing.T) {
	n := 6000
	if *long {
		n = 30000
	}
	asOf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	holdout := asOf.AddDate(0, -2, 0)
	deals, truth := truthDeals(n, 1, asOf)
	s := scanOf(t, mustFunnel(t, genStages...), funnel.Options{AsOf: asOf})
	r, err := forecast.Score(s, values(deals), forecast.ScoringOptions{Attrs: []string{funnel.AttrSource, funnel.AttrIndustry}, Holdout: holdout})
	if err != nil {
		t.Fatal(err)
	}
	e := r.Evaluation
	// the true probabilities' Brier score on the same held-out deals:
	// open at the holdout, closed by the as-of time
	var sum float64
	var scored int64
	for _, d := range deals {
		if d.Outcome == funnel.Open || !d.Created.Before(holdout) || d.Closed.Before(holdout) {
			continue
		}
		y := 0.0
		if d.Outcome == funnel.Won {
			y = 1
		}
		p := truth[d.ID]
		sum += (p - y) * (p - y)
		scored++
	}
	oracle := sum / float64(scored)
	t.Logf("%d deals, holdout %s: %d held-out deals scored (%d by the truth), model trained on %d rows of %d deals (converged %t, %d iterations)",
		n, holdout.Format(time.DateOnly), e.Scored, scored, e.Fit.Rows, e.Fit.Deals, e.Fit.Converged, e.Fit.Iterations)
	t.Logf("Brier: logistic model %.4f, stage rates %.4f, true probabilities %.4f", e.Model.Brier, e.StageRates.Brier, oracle)
	for i, b := range e.Model.Calibration {
		sr := e.StageRates.Calibration[i]
		if b.Observed.Den+sr.Observed.Den > 0 {
			t.Logf("  [%.1f, %.1f): model %d deals predicted %.3f observed %s; stage rates %d deals predicted %.3f observed %s",
				b.Lo, b.Hi, b.Observed.Den, b.MeanPredicted, b.Observed.Ratio, sr.Observed.Den, sr.MeanPredicted, sr.Observed.Ratio)
		}
	}
	if e.Scored != scored || !e.Fit.Converged || !r.Fit.Converged {
		t.Errorf("scored %d, want %d; converged %t %t", e.Scored, scored, e.Fit.Converged, r.Fit.Converged)
	}
	if !(e.Model.Brier < e.StageRates.Brier) || e.Model.Brier > oracle+0.01 {
		t.Errorf("Brier: model %.4f, stage rates %.4f, truth %.4f", e.Model.Brier, e.StageRates.Brier, oracle)
	}
	// the model recovers the signs of the true effects
	w := map[string]float64{}
	for _, c := range r.Fit.Coefficients {
		w[c.Feature+"="+c.Level] = c.Weight
	}
	if !(w["pushes="] < 0 && w["amount="] < 0 && w["source=web"] > w["source=outbound"] && w["stage=Negotiation"] > w["stage=Lead"]) {
		t.Errorf("coefficients %v", w)
	}
}

// scoringTiny are deals whose features differ only by stage: every
// training row is alike but for its stage, so that the fit gives each
// stage its share of won rows. A: 1 of 4 won, B: 2 of 3.
func scoringTiny() []funnel.Deal {
	var deals []funnel.Deal
	mk := func(id string, stage string, o funnel.Outcome, closed time.Time) funnel.Deal {
		h := hist("A", d24(1, 1))
		if stage == "B" {
			h = hist("B", d24(1, 1))
		}
		return funnel.Deal{ID: id, Created: d24(1, 1), Amount: dec("100"), Outcome: o, Closed: closed, History: h}
	}
	for i, o := range []funnel.Outcome{funnel.Won, funnel.Lost, funnel.Lost, funnel.Lost} {
		deals = append(deals, mk("a"+strconv.Itoa(i), "A", o, d24(3, 1)))
	}
	for i, o := range []funnel.Outcome{funnel.Won, funnel.Won, funnel.Lost} {
		deals = append(deals, mk("b"+strconv.Itoa(i), "B", o, d24(3, 1)))
	}
	return append(deals, mk("open-a", "A", funnel.Open, time.Time{}), mk("open-b", "B", funnel.Open, time.Time{}))
}

func TestScoringHandWorked(t *testing.T) {
	s := scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(4, 1)})
	r, err := forecast.Score(s, values(scoringTiny()), forecast.ScoringOptions{Snapshots: []time.Time{d24(2, 1)}, L2: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if r.Fit.Rows != 7 || r.Fit.Deals != 7 || r.Fit.Won != 3 || !r.Fit.Converged || len(r.Deals) != 2 {
		t.Fatalf("fit %+v, %d deals", r.Fit, len(r.Deals))
	}
	for i, want := range []float64{0.25, 2.0 / 3} {
		d := r.Deals[i]
		if math.Abs(d.Probability-want) > 1e-4 || !d.Scored {
			t.Errorf("%s: P(win) %.6f, want %.6f", d.ID, d.Probability, want)
		}
	}
	// the stage rates (the B deals entered B only): A 1/4, B 2/3
	if !r.Deals[0].StageRate.Decimal.Equal(dec("0.25")) || !r.Deals[1].StageRate.Decimal.Equal(dec("0.6666666667")) {
		t.Errorf("stage rates %v %v", r.Deals[0].StageRate, r.Deals[1].StageRate)
	}
	// factors: B's stage pushes up, A's down; the other features are the
	// same in every row and push neither way
	if f := r.Deals[1].For; len(f) != 1 || f[0].Feature != "stage" || f[0].Value != "B" || f[0].Effect <= 0 || len(r.Deals[1].Against) != 0 {
		t.Errorf("factors of open-b: %+v %+v", r.Deals[1].For, r.Deals[1].Against)
	}
	if a := r.Deals[0].Against; len(a) != 1 || a[0].Value != "A" {
		t.Errorf("factors of open-a: %+v", a)
	}
	roundTripJSON(t, r)
	checkSchema(t, "scoring_report", r)
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"7 training rows (3 of them won) from 7 closed deals", "open-b  B      100.00  0.667   0.667       stage B (+1.02)"} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("text lacks %q:\n%s", w, b.String())
		}
	}
}

// TestScoringNoLeakage checks that nothing after the as-of time, and for
// the held-out model nothing after the holdout, reaches the training.
func TestScoringNoLeakage(t *testing.T) {
	asOf := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	holdout := asOf.AddDate(0, -3, 0)
	deals, _ := truthDeals(1500, 2, asOf)
	s := scanOf(t, mustFunnel(t, genStages...), funnel.Options{AsOf: asOf})
	opts := forecast.ScoringOptions{Attrs: []string{funnel.AttrSource}, Holdout: holdout}
	want, err := forecast.Score(s, values(deals), opts)
	if err != nil {
		t.Fatal(err)
	}
	// the future: open deals closed after the as-of time, pushed again,
	// and new deals; nothing of it changes the report
	future := append([]funnel.Deal{}, deals...)
	for i := range future {
		d := &future[i]
		if d.Outcome == funnel.Open {
			d.Outcome, d.Closed = funnel.Won, asOf.AddDate(0, 1, 0)
			changeLater(d, funnel.FieldChange{Field: funnel.FieldExpectedClose, At: asOf.AddDate(0, 0, 5), Time: asOf.AddDate(0, 3, 0)})
		}
	}
	future = append(future, funnel.Deal{ID: "late", Created: asOf.AddDate(0, 0, 1), Amount: dec("5"), Stage: "Lead"})
	got, err := forecast.Score(s, values(future), opts)
	if err != nil {
		t.Fatal(err)
	}
	want.Input.Read, want.Input.Future = got.Input.Read, 1
	if diff := cmp.Diff(want, got, cmpOpts...); diff != "" {
		t.Errorf("the future changed the report (-before +after):\n%s", diff)
	}
	// outcomes after the holdout: the held-out model does not change
	flipped := append([]funnel.Deal{}, deals...)
	changed := 0
	for i := range flipped {
		d := &flipped[i]
		if d.Outcome != funnel.Open && !d.Closed.Before(holdout) {
			d.Outcome = map[funnel.Outcome]funnel.Outcome{funnel.Won: funnel.Lost, funnel.Lost: funnel.Won}[d.Outcome]
			changed++
		}
	}
	got, err = forecast.Score(s, values(flipped), opts)
	if err != nil {
		t.Fatal(err)
	}
	if changed == 0 || got.Evaluation.Fit.Rows == 0 {
		t.Fatalf("%d outcomes flipped, %d rows: the test checks nothing", changed, got.Evaluation.Fit.Rows)
	}
	if diff := cmp.Diff(want.Evaluation.Fit, got.Evaluation.Fit); diff != "" {
		t.Errorf("outcomes after the holdout changed the held-out model (-before +after):\n%s", diff)
	}
	if cmp.Equal(want.Fit, got.Fit) || cmp.Equal(want.Evaluation.Model, got.Evaluation.Model) {
		t.Error("flipping outcomes changed neither the model nor the scores: the test checks nothing")
	}
}

func TestScoringEdges(t *testing.T) {
	s := scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(4, 1)})
	for name, o := range map[string]forecast.ScoringOptions{
		"attrs":     {Attrs: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}},
		"repeated":  {Attrs: []string{"a", "a"}},
		"snapshots": {Snapshots: []time.Time{d24(5, 1)}},
		"holdout":   {Holdout: d24(4, 1)},
		"l2":        {L2: -1},
		"nan":       {L2: math.NaN()},
		"levels":    {Levels: forecast.MaxLevels + 1},
		"buckets":   {Buckets: -1},
		"without":   {Without: []string{"colour"}},
		"twice":     {Without: []string{"age", "age"}},
	} {
		if _, err := forecast.NewScoring(s, o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := forecast.NewScoring(scanOf(t, mustFunnel(t, "A"), funnel.Options{}), forecast.ScoringOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("no as-of time: %v", err)
	}
	// nothing to train on: open deals are listed, unscored
	open := []funnel.Deal{{ID: "o", Created: d24(3, 1), Amount: dec("1"), Stage: "A"}}
	r, err := forecast.Score(s, values(open), forecast.ScoringOptions{Holdout: d24(3, 15)})
	if err != nil || len(r.Deals) != 1 || r.Deals[0].Scored || r.Fit.Rows != 0 || r.Evaluation == nil || r.Evaluation.Model.BrierDefined {
		t.Errorf("untrained: %+v %v", r, err)
	}
	roundTripJSON(t, r)
	checkSchema(t, "scoring_report", r)
	// one class only: a finite fit, probabilities near 1
	won := scoringTiny()
	for i := range won {
		if won[i].Outcome == funnel.Lost {
			won[i].Outcome = funnel.Won
		}
	}
	r, err = forecast.Score(s, values(won), forecast.ScoringOptions{Snapshots: []time.Time{d24(2, 1)}})
	if err != nil || !(r.Deals[0].Probability > 0.9) || math.IsNaN(r.Deals[0].Probability) {
		t.Errorf("one class: %+v %v", r.Deals, err)
	}
	// default snapshots: the starts of the 12 months before 1 April
	r, err = forecast.Score(s, values(nil), forecast.ScoringOptions{})
	if err != nil || len(r.Snapshots) != 12 || !r.Snapshots[0].Equal(time.Date(2023, 4, 1, 0, 0, 0, 0, time.UTC)) || !r.Snapshots[11].Equal(d24(3, 1)) {
		t.Errorf("snapshots %v %v", r.Snapshots, err)
	}
}
