package forecast_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// rangeDeals are, for the second quarter of 2024 as of 15 May: three open
// deals of 100, 200 and 300 at 0.5 each (stage B), one sure (own
// probability 1, 50), one hopeless (own probability 0), one without an
// expected close date, one expected in July, one won in April (1000), one
// won in March and one lost.
//
// The sums of the three coin flips are 0, 100, 200, 300 (twice), 400,
// 500, 600, each outcome 1/8, on top of 1000 + 50.
func rangeDeals() []funnel.Deal {
	mk := func(id, amount string, ec time.Time) funnel.Deal {
		return funnel.Deal{ID: id, Created: d24(4, 1), Amount: dec(amount), ExpectedClose: ec, History: hist("A", d24(4, 1), "B", d24(4, 2))}
	}
	sure, none := mk("sure", "50", d24(6, 1)), mk("none", "70", d24(6, 1))
	sure.Probability, none.Probability = prob("1"), prob("0")
	won, old, lost := mk("won", "1000", time.Time{}), mk("old", "5", time.Time{}), mk("lost", "9", time.Time{})
	won.Outcome, won.Closed = funnel.Won, d24(4, 20)
	old.Created, old.History, old.Outcome, old.Closed = d24(3, 1), hist("A", d24(3, 1)), funnel.Won, d24(3, 2)
	lost.Outcome, lost.Closed = funnel.Lost, d24(4, 30)
	return []funnel.Deal{mk("a", "100", d24(5, 1)), mk("b", "200", d24(6, 30)), mk("c", "300", d24(4, 10)), sure, none,
		mk("undated", "40", time.Time{}), mk("july", "30", d24(7, 1)), won, old, lost}
}

func rangeScan(t testing.TB) *funnel.Scan {
	return scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(5, 15), Period: funnel.Quarter})
}

var halfB = map[funnel.Stage]decimal.Decimal{"B": dec("0.5")}

func pcts(values ...string) []forecast.RangePercentile {
	out := []forecast.RangePercentile{}
	for i, k := range []int{5, 10, 25, 50, 75, 90, 95} {
		out = append(out, forecast.RangePercentile{Percent: k, Value: dec(values[i])})
	}
	return out
}

func TestRangeHandWorked(t *testing.T) {
	opts := forecast.RangeOptions{Options: forecast.Options{Probabilities: halfB}, Close: d24(5, 1), Quotas: []decimal.Decimal{dec("1450"), dec("1050"), dec("1651")}}
	r, err := forecast.Outlook(rangeScan(t), values(rangeDeals()), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := forecast.RangeReport{
		AsOf: d24(5, 15), Start: d24(4, 1), End: d24(7, 1), Period: funnel.Quarter, Location: "UTC", Source: forecast.SourceGiven,
		Won: 1, WonAmount: dec("1000"), Deals: 5, Amount: dec("720"), Sure: 1, SureAmount: dec("50"),
		Undated: 1, UndatedAmount: dec("40"), Outside: 1,
		Mean: dec("1350"), StdDev: math.Sqrt(35000), Min: dec("1050"), Max: dec("1650"),
		Method: forecast.RangeExact, Unit: dec("100"), Points: 7,
		// cdf 1/8 at 0, 2/8 at 100, 3/8 at 200, 5/8 at 300, 6/8 at 400,
		// 7/8 at 500, 1 at 600
		Percentiles: pcts("1050", "1050", "1150", "1350", "1450", "1650", "1650"),
		Quotas: []forecast.QuotaChance{{Quota: dec("1450"), Probability: 0.375, Lo: 0.375, Hi: 0.375}, {Quota: dec("1050"), Probability: 1, Lo: 1, Hi: 1},
			{Quota: dec("1651"), Probability: 0, Lo: 0, Hi: 0}},
		Input: funnel.Input{Read: 10, Counted: 10, Skipped: funnel.Skipped{Reasons: []funnel.ReasonCount{}, Examples: []funnel.DealError{}}},
	}
	if diff := cmp.Diff(want, r, append(cmpOpts, cmpopts.EquateApprox(0, 1e-12))...); diff != "" {
		t.Errorf("range (-want +got):\n%s", diff)
	}
	roundTripJSON(t, r)
	checkSchema(t, "range_report", r)
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Forecast range of 2024-Q2", "expected 1350.00", "exact, 7 points of 100", "P(reaching 1450.00) = 0.3750", "1 expected in another period"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, b.String())
		}
	}

	// a grid of 4 points: units of 200, amounts 100, 200 and 300
	// rounded (halves up) to 200, 200, 400: E = 100 + 0 + 100 = 200
	opts.Cells = 4
	g, err := forecast.Outlook(rangeScan(t), values(rangeDeals()), opts)
	if err != nil {
		t.Fatal(err)
	}
	if g.Method != forecast.RangeGrid || !g.Unit.Equal(dec("200")) || !g.ErrorBound.Equal(dec("200")) || !g.Mean.Equal(dec("1350")) {
		t.Errorf("grid: %v unit %s bound %s mean %s", g.Method, g.Unit, g.ErrorBound, g.Mean)
	}
	// the grid's sums: 0, 200 (1/4), 400 (1/4: {b}... ) -- any way, the
	// exact P(S >= 400) = 3/8 lies in [Lo, Hi]
	if q := g.Quotas[0]; !(q.Lo <= 0.375 && 0.375 <= q.Hi) {
		t.Errorf("grid quota %+v does not bracket 0.375", q)
	}
	checkSchema(t, "range_report", g)
}

// brute is the exact distribution of Σ X_i a_i over every outcome.
func brute(amounts []decimal.Decimal, ps []*big.Rat) map[string]*big.Rat {
	out := map[string]*big.Rat{}
	for mask := 0; mask < 1<<len(amounts); mask++ {
		sum := decimal.Zero
		p := big.NewRat(1, 1)
		for i := range amounts {
			if mask&(1<<i) != 0 {
				sum = sum.Add(amounts[i])
				p.Mul(p, ps[i])
			} else {
				p.Mul(p, new(big.Rat).Sub(big.NewRat(1, 1), ps[i]))
			}
		}
		k := sum.String()
		if out[k] == nil {
			out[k] = new(big.Rat)
		}
		out[k].Add(out[k], p)
	}
	return out
}

// bruteQuantile returns the smallest sum v with P(S <= v) >= q, exactly.
func bruteQuantile(dist map[string]*big.Rat, q *big.Rat) decimal.Decimal {
	keys := make([]decimal.Decimal, 0, len(dist))
	for k := range dist {
		keys = append(keys, dec(k))
	}
	slices.SortFunc(keys, decimal.Decimal.Cmp)
	c := new(big.Rat)
	for _, k := range keys {
		c.Add(c, dist[k.String()])
		if c.Cmp(q) >= 0 {
			return k
		}
	}
	return keys[len(keys)-1]
}

// randomOpenDeals returns n open deals in stages A..D with random amounts
// in cents and own probabilities in hundredths.
func randomOpenDeals(rng *rand.Rand, n int, cents int64) ([]funnel.Deal, []decimal.Decimal, []*big.Rat) {
	var deals []funnel.Deal
	var amounts []decimal.Decimal
	var ps []*big.Rat
	for i := range n {
		a := decimal.New(1+rng.Int64N(cents), -2)
		pc := 1 + rng.Int64N(99)
		deals = append(deals, funnel.Deal{ID: "r" + strconv.Itoa(i), Created: d24(4, 1), Amount: a, Stage: "A", Probability: prob(decimal.New(pc, -2).String())})
		amounts = append(amounts, a)
		ps = append(ps, big.NewRat(pc, 100))
	}
	return deals, amounts, ps
}

// TestRangeBruteForce compares the distribution with the enumeration of
// every outcome of small random pipelines: point by point, percentiles
// and quota probabilities; and a forced grid with its bound.
func TestRangeBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := rangeScan(t)
	for trial := range 60 {
		n := 1 + rng.IntN(11)
		deals, amounts, ps := randomOpenDeals(rng, n, []int64{500, 20_000, 150_000}[trial%3])
		dist := brute(amounts, ps)
		q := decimal.New(rng.Int64N(5_000_000), -2)
		r, err := forecast.NewRange(s, forecast.RangeOptions{Quotas: []decimal.Decimal{q}, Cells: forecast.MaxCells})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Run(values(deals), r); err != nil {
			t.Fatal(err)
		}
		rep, err := r.Report()
		if err != nil {
			t.Fatal(err)
		}
		masses, err := r.Distribution()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Method != forecast.RangeExact {
			t.Fatalf("trial %d: %v of %d points", trial, rep.Method, rep.Points)
		}
		var total float64
		for _, m := range masses {
			total += m.Probability
			want, _ := dist[m.Value.String()].Float64()
			if dist[m.Value.String()] == nil || math.Abs(m.Probability-want) > 1e-12 {
				t.Fatalf("trial %d: P(%s) = %v, enumeration %v", trial, m.Value, m.Probability, want)
			}
		}
		if math.Abs(total-1) > 1e-12 {
			t.Errorf("trial %d: total %v", trial, total)
		}
		for _, p := range rep.Percentiles {
			if want := bruteQuantile(dist, big.NewRat(int64(p.Percent), 100)); !want.Equal(p.Value) {
				t.Errorf("trial %d: P%d = %s, enumeration %s", trial, p.Percent, p.Value, want)
			}
		}
		hit := new(big.Rat)
		for k, v := range dist {
			if !dec(k).LessThan(q) {
				hit.Add(hit, v)
			}
		}
		if h, _ := hit.Float64(); math.Abs(h-rep.Quotas[0].Probability) > 1e-12 {
			t.Errorf("trial %d: P(>= %s) = %v, enumeration %v", trial, q, rep.Quotas[0].Probability, h)
		}

		// a grid of at most 40 points: every percentile within E
		g, err := forecast.Outlook(s, values(deals), forecast.RangeOptions{Quotas: []decimal.Decimal{q}, Cells: 40})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range g.Percentiles {
			exact := rep.Percentiles[i].Value
			if p.Value.Sub(exact).Abs().GreaterThan(g.ErrorBound) {
				t.Errorf("trial %d grid: P%d = %s, exact %s, bound %s", trial, p.Percent, p.Value, exact, g.ErrorBound)
			}
		}
		if c := g.Quotas[0]; c.Lo > rep.Quotas[0].Probability+1e-12 || c.Hi < rep.Quotas[0].Probability-1e-12 {
			t.Errorf("trial %d grid: P(hit) in [%v, %v], exact %v", trial, c.Lo, c.Hi, rep.Quotas[0].Probability)
		}
		if g.Points > 41+n {
			t.Errorf("trial %d grid: %d points", trial, g.Points)
		}
	}
}

// TestRangeSimulated compares a large range (2,000 deals, a grid) with a
// seeded simulation of its deals: each percentile and the probability of
// reaching the mean lie within the simulation's DKW band (ε at 99.9%,
// plus the grid's bound).
func TestRangeSimulated(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	deals, amounts, ps := randomOpenDeals(rng, 2000, 2_000_000)
	pf := make([]float64, len(ps))
	for i, p := range ps {
		pf[i], _ = p.Float64()
	}
	s := rangeScan(t)
	var mean decimal.Decimal
	for i, a := range amounts {
		mean = mean.Add(a.Mul(decimal.NewFromFloat(pf[i])))
	}
	r, err := forecast.Outlook(s, values(deals), forecast.RangeOptions{Quotas: []decimal.Decimal{mean.Round(2)}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Method != forecast.RangeGrid || !r.Mean.Equal(mean) {
		t.Fatalf("%v, mean %s, want %s", r.Method, r.Mean, mean)
	}
	const n = 20_000
	af := make([]float64, len(amounts))
	for i, a := range amounts {
		af[i] = a.InexactFloat64()
	}
	sums := make([]float64, n)
	for j := range sums {
		var s float64
		for i, a := range af {
			if rng.Float64() < pf[i] {
				s += a
			}
		}
		sums[j] = s
	}
	slices.Sort(sums)
	eps := math.Sqrt(math.Log(2/0.001) / (2 * n))
	bound := r.ErrorBound.InexactFloat64()
	cdf := func(x float64) float64 {
		i, _ := slices.BinarySearch(sums, x+1e-6)
		return float64(i) / n
	}
	for _, p := range r.Percentiles {
		v := p.Value.InexactFloat64()
		lo, hi := cdf(v-bound-1e-6), cdf(v+bound)
		if !(lo <= float64(p.Percent)/100+eps && hi >= float64(p.Percent)/100-eps) {
			t.Errorf("P%d = %.2f: simulated cdf %.4f..%.4f around it (ε %.4f)", p.Percent, v, lo, hi, eps)
		}
	}
	hit := 1 - cdf(mean.InexactFloat64()-1e-6)
	if q := r.Quotas[0]; q.Lo > hit+eps || q.Hi < hit-eps {
		t.Errorf("P(reaching the mean) in [%.4f, %.4f], simulated %.4f (ε %.4f)", q.Lo, q.Hi, hit, eps)
	}
	t.Logf("2000 deals: %d points of %s, bound %s (%.4f%% of the mean), P(>= mean) %.4f [%.4f, %.4f], simulated %.4f",
		r.Points, r.Unit, r.ErrorBound, 100*bound/mean.InexactFloat64(), r.Quotas[0].Probability, r.Quotas[0].Lo, r.Quotas[0].Hi, hit)
}

// TestRangeMeanIsWeighted checks on generated deals, for learned,
// per-segment, modelled and given probabilities, that the range's mean
// is the weighted pipeline exactly, and that its distribution sums to 1
// with a mean within its error bound of it.
func TestRangeMeanIsWeighted(t *testing.T) {
	f := mustFunnel(t, genStages...)
	for seed := range uint64(6) {
		deals := genDeals(300, seed)
		for i := range deals {
			if i%3 == 0 {
				deals[i].Amount = deals[i].Amount.Round(-2) // some on a coarse lattice
			}
		}
		asOf := genStart.AddDate(0, 0, 150+int(seed)*20)
		s := scanOf(t, f, funnel.Options{AsOf: asOf})
		model, err := forecast.Learn(s, values(deals), forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []forecast.Options{{}, {Learn: forecast.LearnOptions{Segment: funnel.AttrOwner, MinSegment: 10}}, {Model: model},
			{Probabilities: map[funnel.Stage]decimal.Decimal{"Lead": dec("0.1"), "Qualified": dec("0.3"), "Proposal": dec("0.55")}}} {
			p, err := forecast.Weighted(s, values(deals), o)
			if err != nil {
				t.Fatal(err)
			}
			r, err := forecast.NewRange(s, forecast.RangeOptions{Options: o, Cells: 1 << (10 + seed)})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Run(values(deals), r); err != nil {
				t.Fatal(err)
			}
			rep, err := r.Report()
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Mean.Equal(p.Weighted) || rep.Deals != p.Open-p.Unweighted || rep.Unweighted != p.Unweighted {
				t.Fatalf("seed %d: mean %s, weighted %s; %d deals, %d unweighted; pipeline %d open, %d unweighted", seed, rep.Mean, p.Weighted, rep.Deals, rep.Unweighted, p.Open, p.Unweighted)
			}
			masses, err := r.Distribution()
			if err != nil {
				t.Fatal(err)
			}
			var total, m float64
			for _, x := range masses {
				total += x.Probability
				m += x.Probability * x.Value.InexactFloat64()
			}
			want, bound := rep.Mean.InexactFloat64(), rep.ErrorBound.InexactFloat64()
			if math.Abs(total-1) > 1e-9 || math.Abs(m-want) > bound+1e-9*want {
				t.Errorf("seed %d %v: total %v, mean %v, want %v within %v", seed, rep.Method, total, m, want, bound)
			}
		}
	}
}

func TestRangeEdges(t *testing.T) {
	s := rangeScan(t)
	for name, o := range map[string]forecast.RangeOptions{
		"quotas":        {Quotas: make([]decimal.Decimal, forecast.MaxQuotas+1)},
		"negative":      {Quotas: []decimal.Decimal{dec("-1")}},
		"cells":         {Cells: forecast.MaxCells + 1},
		"one cell":      {Cells: 1},
		"samples":       {Samples: -1},
		"probabilities": {Options: forecast.Options{Probabilities: map[funnel.Stage]decimal.Decimal{"A": dec("2")}}},
	} {
		if _, err := forecast.NewRange(s, o); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := forecast.NewRange(scanOf(t, mustFunnel(t, "A"), funnel.Options{}), forecast.RangeOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("no as-of time: %v", err)
	}
	// empty: a point at zero
	r, err := forecast.Outlook(s, values(nil), forecast.RangeOptions{Quotas: []decimal.Decimal{dec("0"), dec("1")}, Uncertainty: true})
	if err != nil || r.Points != 1 || !r.Mean.IsZero() || r.Quotas[0].Probability != 1 || r.Quotas[1].Probability != 0 || r.Uncertain == nil {
		t.Errorf("empty: %+v %v", r, err)
	}
	roundTripJSON(t, r)
	checkSchema(t, "range_report", r)
	// huge amounts, and amounts far apart: a grid, the bound counts the
	// cents of the small ones
	deals := []funnel.Deal{
		{ID: "h", Created: d24(4, 1), Amount: dec("1e30"), Stage: "A", Probability: prob("0.5")},
		{ID: "s", Created: d24(4, 1), Amount: dec("0.01"), Stage: "A", Probability: prob("0.5")},
	}
	r, err = forecast.Outlook(s, values(deals), forecast.RangeOptions{Quotas: []decimal.Decimal{dec("1e30")}})
	if err != nil || r.Method != forecast.RangeGrid || r.Quotas[0].Probability != 0.5 || !r.Mean.Equal(dec("500000000000000000000000000000.005")) {
		t.Errorf("huge: %+v %v", r, err)
	}
	if r.ErrorBound.GreaterThan(dec("1e30").Div(decimal.NewFromInt(forecast.DefaultCells))) {
		t.Errorf("huge: bound %s", r.ErrorBound)
	}
	// strict mode: an unknown category is the report's error, as for the
	// weighted pipeline
	bad := []funnel.Deal{{ID: "x", Created: d24(4, 1), Amount: dec("1"), Stage: "A", Category: "Maybe"}}
	if _, err := forecast.Outlook(s, values(bad), forecast.RangeOptions{}); !errors.Is(err, forecast.ErrUnknownCategory) {
		t.Errorf("unknown category: %v", err)
	}
	for _, m := range []forecast.RangeMethod{forecast.RangeExact, forecast.RangeGrid} {
		roundTripJSON(t, m)
	}
	if _, err := forecast.RangeMethod(5).MarshalText(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("invalid method: %v", err)
	}
}

// rateDeals returns closed deals that teach the rate won/closed of each
// stage (one entry each), and open deals in the stages with the amounts
// given, as of 1 June 2024.
func rateDeals(won, closed []int, open [][]int64) []funnel.Deal {
	var deals []funnel.Deal
	for k := range won {
		st := funnel.Stage(string(rune('A' + k)))
		for i := range closed[k] {
			o := funnel.Lost
			if i < won[k] {
				o = funnel.Won
			}
			deals = append(deals, funnel.Deal{ID: "c" + strconv.Itoa(len(deals)), Created: d24(1, 1), Amount: dec("1"), Outcome: o, Closed: d24(2, 1), Stage: st})
		}
		for _, a := range open[k] {
			deals = append(deals, funnel.Deal{ID: "o" + strconv.Itoa(len(deals)), Created: d24(3, 1), Amount: decimal.NewFromInt(a), Stage: st})
		}
	}
	return deals
}

// TestRangeMixtureEnumerated checks the simulated mixture against its
// exact value on a small case, by enumeration: stage A's rate learned
// from 3 won of 5 (Beta(3, 2)) shared by open deals of 100, 250 and 400;
// stage B's from 1 of 4 (Beta(1, 3)) by deals of 60 and 90; a deal of 70
// at its own probability 0.3. P(outcome) = Π_stage B(α + w, β + l) /
// B(α, β) × Π own p^x (1-p)^(1-x).
func TestRangeMixtureEnumerated(t *testing.T) {
	deals := rateDeals([]int{3, 1}, []int{5, 4}, [][]int64{{100, 250, 400}, {60, 90}})
	deals = append(deals, funnel.Deal{ID: "own", Created: d24(3, 1), Amount: dec("70"), Stage: "A", Probability: prob("0.3")})
	s := scanOf(t, mustFunnel(t, "A", "B"), funnel.Options{AsOf: d24(6, 1), Test: funnel.Test{Confidence: 0.999}})
	quotas := []decimal.Decimal{dec("100"), dec("300"), dec("500"), dec("700"), dec("900")}
	r, err := forecast.Outlook(s, values(deals), forecast.RangeOptions{Quotas: quotas, Uncertainty: true, Samples: 200_000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	lbeta := func(a, b float64) float64 {
		x, _ := math.Lgamma(a)
		y, _ := math.Lgamma(b)
		z, _ := math.Lgamma(a + b)
		return x + y - z
	}
	amounts := []float64{100, 250, 400, 60, 90, 70}
	group := []int{0, 0, 0, 1, 1, -1}
	alpha, beta := []float64{3, 1}, []float64{2, 3}
	hit := make([]float64, len(quotas))
	var mean float64
	for mask := 0; mask < 1<<len(amounts); mask++ {
		var w, l [2]float64
		p, sum := 1.0, 0.0
		for i, a := range amounts {
			in := mask&(1<<i) != 0
			if in {
				sum += a
			}
			switch g := group[i]; {
			case g < 0 && in:
				p *= 0.3
			case g < 0:
				p *= 0.7
			case in:
				w[g]++
			default:
				l[g]++
			}
		}
		for g := range 2 {
			p *= math.Exp(lbeta(alpha[g]+w[g], beta[g]+l[g]) - lbeta(alpha[g], beta[g]))
		}
		mean += p * sum
		for j, q := range quotas {
			if sum >= q.InexactFloat64() {
				hit[j] += p
			}
		}
	}
	u := r.Uncertain
	if u == nil || u.Rates != 2 || u.Samples != 200_000 {
		t.Fatalf("mixture: %+v", u)
	}
	for j, q := range u.Quotas {
		if math.Abs(q.Probability-hit[j]) > u.CDFError {
			t.Errorf("P(>= %s): simulated %.4f, exact %.4f, ε %.4f", q.Quota, q.Probability, hit[j], u.CDFError)
		}
	}
	// the mean 0.6 × 750 + 0.25 × 150 + 0.3 × 70 = 508.5 is the
	// weighted pipeline, exactly for the fixed rates
	if !r.Mean.Equal(dec("508.5")) || math.Abs(mean-508.5) > 1e-9 || math.Abs(u.Mean.InexactFloat64()-508.5) > 2 {
		t.Errorf("mean %s, enumerated %v, simulated %s", r.Mean, mean, u.Mean)
	}
	// the shared rates widen the range
	if !(u.Percentiles[1].Value.LessThanOrEqual(r.Percentiles[1].Value) && u.Percentiles[5].Value.GreaterThanOrEqual(r.Percentiles[5].Value)) {
		t.Errorf("fixed P10-P90 %s-%s, with uncertainty %s-%s", r.Percentiles[1].Value, r.Percentiles[5].Value, u.Percentiles[1].Value, u.Percentiles[5].Value)
	}
	roundTripJSON(t, r)
	checkSchema(t, "range_report", r)
	// the same seed gives the same draws, merged or not
	a, _ := forecast.NewRange(s, forecast.RangeOptions{Quotas: quotas, Uncertainty: true, Samples: 200_000, Seed: 7})
	b := a.Fresh().(*forecast.Range)
	_ = s.Run(values(deals[:5]), a)
	_ = s.Run(values(deals[5:]), b)
	if err := a.Merge(b); err != nil {
		t.Fatal(err)
	}
	if m, _ := a.Report(); !cmp.Equal(m, r, cmpOpts...) {
		t.Error("merged parts give another mixture")
	}
}

// TestRangeCalibratedQuarters replays simulated quarters: in each, every
// stage's true win rate is drawn uniformly from [0.05, 0.95], its rate is
// learned from 12 closed deals, and 40 open deals of random stages and
// amounts are won at the true rates; the quota is the learned weighted
// pipeline times a factor drawn from [0.7, 1.3]. Over the quarters, the
// forecast P(reaching the quota) should match how often it was reached:
// the table below compares the fixed learned rates, the learned rates
// with their uncertainty and the true rates. 300 quarters by default,
// 3,000 with -long.
func TestRangeCalibratedQuarters(t *testing.T) {
	quarters := 300
	if *long {
		quarters = 3000
	}
	rng := rand.New(rand.NewPCG(11, 12))
	f := mustFunnel(t, "A", "B", "C", "D")
	s := scanOf(t, f, funnel.Options{AsOf: d24(6, 1)})
	type score struct {
		name       string
		pred, hits []float64
	}
	scores := []*score{{name: "learned rates, fixed"}, {name: "learned rates, uncertain"}, {name: "true rates"}}
	for range quarters {
		theta := make([]float64, 4)
		won, closed := make([]int, 4), make([]int, 4)
		open := make([][]int64, 4)
		for k := range theta {
			theta[k] = 0.05 + 0.9*rng.Float64()
			closed[k] = 12
			for range closed[k] {
				if rng.Float64() < theta[k] {
					won[k]++
				}
			}
		}
		var amounts []int64
		var stages []int
		for range 40 {
			k := rng.IntN(4)
			a := 100 * (1 + rng.Int64N(100))
			open[k] = append(open[k], a)
			amounts, stages = append(amounts, a), append(stages, k)
		}
		deals := rateDeals(won, closed, open)
		var weighted float64
		for i, a := range amounts {
			weighted += float64(a) * float64(won[stages[i]]) / float64(closed[stages[i]])
		}
		quota := decimal.NewFromFloat(weighted * (0.7 + 0.6*rng.Float64())).Round(0)
		// the outcome, at the true rates
		var got int64
		for i, a := range amounts {
			if rng.Float64() < theta[stages[i]] {
				got += a
			}
		}
		hit := 0.0
		if decimal.NewFromInt(got).GreaterThanOrEqual(quota) {
			hit = 1
		}
		r, err := forecast.Outlook(s, values(deals), forecast.RangeOptions{Quotas: []decimal.Decimal{quota}, Uncertainty: true, Samples: 4000, Seed: rng.Uint64()})
		if err != nil {
			t.Fatal(err)
		}
		truth := map[funnel.Stage]decimal.Decimal{}
		for k, th := range theta {
			truth[f.Stage(k)] = decimal.NewFromFloat(th).Round(10)
		}
		tr, err := forecast.Outlook(s, values(deals), forecast.RangeOptions{Options: forecast.Options{Probabilities: truth}, Quotas: []decimal.Decimal{quota}})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range []float64{r.Quotas[0].Probability, r.Uncertain.Quotas[0].Probability, tr.Quotas[0].Probability} {
			scores[i].pred = append(scores[i].pred, p)
			scores[i].hits = append(scores[i].hits, hit)
		}
	}
	var lines []string
	ece := make([]float64, len(scores))
	for i, sc := range scores {
		var brier, meanP, meanH float64
		bins := make([][2]float64, 5) // predicted, observed sums
		counts := make([]int, 5)
		for j, p := range sc.pred {
			brier += (p - sc.hits[j]) * (p - sc.hits[j])
			meanP += p
			meanH += sc.hits[j]
			b := min(int(p*5), 4)
			bins[b][0] += p
			bins[b][1] += sc.hits[j]
			counts[b]++
		}
		n := float64(len(sc.pred))
		line := strconv.Itoa(quarters) + " quarters, " + sc.name + ": Brier " + strconv.FormatFloat(brier/n, 'f', 4, 64) +
			", mean predicted " + strconv.FormatFloat(meanP/n, 'f', 3, 64) + ", reached " + strconv.FormatFloat(meanH/n, 'f', 3, 64) + "; by bin predicted/observed (n):"
		for b := range bins {
			if counts[b] == 0 {
				continue
			}
			c := float64(counts[b])
			ece[i] += math.Abs(bins[b][0]-bins[b][1]) / n
			line += " " + strconv.FormatFloat(bins[b][0]/c, 'f', 2, 64) + "/" + strconv.FormatFloat(bins[b][1]/c, 'f', 2, 64) + " (" + strconv.Itoa(counts[b]) + ")"
		}
		line += "; calibration error " + strconv.FormatFloat(ece[i], 'f', 3, 64)
		lines = append(lines, line)
	}
	for _, l := range lines {
		t.Log(l)
	}
	// the true rates and the uncertain ones are calibrated; the fixed
	// learned rates are overconfident
	if ece[2] > 0.08 || ece[1] > 0.08 || ece[1] > ece[0] {
		t.Errorf("calibration errors %v", ece)
	}
}
