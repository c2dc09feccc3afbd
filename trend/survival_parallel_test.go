package trend

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// storedKnots is the quantile rule of [Curve.Quantile] read literally:
// every knot (x_j, y_j) of 1 - S kept, (0, 0) first, then each new
// value; the quantile is found by scanning them. The streaming knots must
// give what it gives.
type storedKnots struct {
	xs []time.Duration
	ys []float64
}

// storedBranches counts the ways storedKnots.quantile ended, so that the
// comparison can check it met each.
var storedBranches [6]int

func (k *storedKnots) add(at time.Duration, s float64) {
	if len(k.ys) == 0 {
		k.xs, k.ys = append(k.xs, 0), append(k.ys, 0)
	}
	if y := 1 - s; y != k.ys[len(k.ys)-1] {
		k.xs = append(k.xs, at)
		k.ys = append(k.ys, y)
	}
}

func (k *storedKnots) quantile(p float64, xmax time.Duration) (time.Duration, bool) {
	if p == 0 {
		storedBranches[0]++
		return 0, true
	}
	xs, ys := k.xs, k.ys
	if len(ys) == 0 {
		xs, ys = []time.Duration{0}, []float64{0}
	}
	if slices.Max(ys) < p {
		storedBranches[1]++
		return 0, false
	}
	first := func(level float64) int {
		for j, y := range ys {
			if y >= level {
				return j
			}
		}
		return -1
	}
	i1, i2 := first(p-quantileTolerance), first(p+quantileTolerance)
	switch {
	case i1 < 0:
		storedBranches[2]++
		return 0, false
	case i2 >= 0:
		storedBranches[3]++
		return xs[i1] + (xs[i2]-xs[i1])/2, true
	case math.Abs(p-ys[len(ys)-1]) < quantileTolerance:
		storedBranches[4]++
		return xs[i1] + (xmax-xs[i1])/2, true
	}
	storedBranches[5]++
	return 0, false
}

// TestKnotsStreaming compares the streaming knots, of all the steps and
// of the steps cut into parts at random and merged, with the stored ones
// on random curves: survivals that plateau exactly on a quantile's level,
// a hair inside and outside its tolerance, rise again (as an interval's
// bounds may), hold NaN, or are empty; quantiles 0, 1 and between; parts
// that are empty, that start on the value the one before ends with, or
// that hold one step.
func TestKnotsStreaming(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ps := []float64{0, 0.25, 0.5, 0.75, 0.9, 1}
	for trial := range 3000 {
		n := r.IntN(12)
		stored := make([]storedKnots, len(ps))
		streamed := newKnots(ps, true)
		parts := []*knots{newKnots(ps, true)}
		at := time.Duration(0)
		for range n {
			for r.IntN(3) == 0 {
				parts = append(parts, newKnots(ps, false))
			}
			at += time.Duration(r.IntN(3)) * time.Hour
			p := ps[r.IntN(len(ps))]
			var s float64
			switch r.IntN(6) {
			case 0:
				s = 1 - p // on the level
			case 1:
				s = 1 - p + quantileTolerance/2
			case 2:
				s = 1 - p - quantileTolerance*2
			case 3:
				s = math.NaN()
			default:
				s = float64(r.IntN(5)) / 4
			}
			for i := range stored {
				stored[i].add(at, s)
			}
			streamed.add(at, s)
			parts[len(parts)-1].add(at, s)
		}
		merged := parts[0]
		for _, k := range parts[1:] {
			merged.merge(k)
		}
		xmax := at + time.Duration(r.IntN(2))*time.Hour
		for i, p := range ps {
			wantAt, wantOK := stored[i].quantile(p, xmax)
			gotAt, gotOK := streamed.quantile(i, xmax)
			if wantAt != gotAt || wantOK != gotOK {
				t.Fatalf("trial %d, p %v: streamed %v %v, stored %v %v (knots %v %v)", trial, p, gotAt, gotOK, wantAt, wantOK, stored[i].xs, stored[i].ys)
			}
			if mAt, mOK := merged.quantile(i, xmax); mAt != wantAt || mOK != wantOK {
				t.Fatalf("trial %d, p %v: %d parts merged %v %v, stored %v %v (knots %v %v)", trial, p, len(parts), mAt, mOK, wantAt, wantOK, stored[i].xs, stored[i].ys)
			}
		}
	}
	for i, n := range storedBranches {
		if n == 0 {
			t.Errorf("no trial ended in branch %d of the rule", i)
		}
	}
}

// randomTies returns n ties at increasing times with events and
// censorings, some with no events and some with only events.
func randomTies(r *rand.Rand, n int) []stat.Tie {
	ties := make([]stat.Tie, n)
	at := int64(0)
	for i := range ties {
		at += 1 + r.Int64N(3600)
		ties[i] = stat.Tie{At: at, Events: r.Int64N(3), Censored: r.Int64N(2)}
		if ties[i].Events+ties[i].Censored == 0 {
			ties[i].Events = 1
		}
	}
	return ties
}

// TestKMStepsOnWorkers checks that the steps written on several
// goroutines, in parts of kmPart steps, are the steps of the serial walk,
// bit for bit, and that their quantiles, from the parts' knots merged, are
// those Curve.Quantile reads off the walked steps: no steps, one, a part
// and one more, several parts, the last one short.
func TestKMStepsOnWorkers(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	ps := []float64{0, 0.1, 0.5, 0.9, 1}
	for _, n := range []int{0, 1, 2, kmPart - 1, kmPart, kmPart + 1, 3*kmPart + 17} {
		ties := randomTies(r, n)
		var walked []Step
		kmWalk(ties, 0.95, func(st Step) { walked = append(walked, st) })
		var want []Quantile
		for _, p := range ps {
			q, err := Curve{Steps: walked, Confidence: 0.95}.Quantile(p)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, q)
		}
		for _, workers := range []int{1, 2, 4} {
			got, qs := kmSteps(ties, 0.95, workers, ps)
			if !slices.Equal(walked, got) {
				t.Fatalf("%d steps on %d workers (-walk +steps):\n%s", n, workers, cmp.Diff(walked, got, cmpopts.EquateEmpty()))
			}
			if diff := cmp.Diff(want, qs); diff != "" {
				t.Fatalf("%d steps on %d workers: quantiles (-Curve.Quantile +parts):\n%s", n, workers, diff)
			}
		}
	}
}

// TestCurveOnWorkers checks that a curve of more distinct durations than
// one part holds is the same on 1, 2 and 3 workers.
func TestCurveOnWorkers(t *testing.T) {
	var want Curve
	for _, workers := range []int{1, 2, 3} {
		s := mustScan(t, mustFunnel(t, "A"), funnel.Options{Workers: workers})
		a, err := NewSurvival(s, SurvivalOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(11, 12))
		for range 3 * kmPart {
			a.add(r.Int64N(400*86400), r.IntN(3) > 0)
		}
		c := a.Curve()
		if len(c.Steps) <= 2*kmPart {
			t.Fatalf("only %d steps", len(c.Steps))
		}
		if workers == 1 {
			want = c
			continue
		}
		if !slices.Equal(want.Steps, c.Steps) {
			t.Errorf("%d workers: the steps differ from serial", workers)
		}
		// the rest, without the steps (whose diff would be slow to make)
		w, g := want, c
		w.Steps, g.Steps = nil, nil
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%d workers (-serial +parallel):\n%s", workers, diff)
		}
	}
}
