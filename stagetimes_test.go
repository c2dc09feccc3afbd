package funnel

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/google/go-cmp/cmp"
)

// sortedSummary works out a duration summary from the durations in
// seconds by sorting them: the mean Σ/n rounded half away from zero to
// the nanosecond, and each percentile x[i] + (x[i+1] - x[i]) f / 100 with
// i, f the quotient and remainder of (n-1) k by 100, in nanoseconds.
func sortedSummary(secs []int64) DurationSummary {
	n := len(secs)
	if n == 0 {
		return DurationSummary{}
	}
	x := slices.Sorted(slices.Values(secs))
	sum := new(big.Int)
	for _, v := range x {
		sum.Add(sum, big.NewInt(v))
	}
	num := new(big.Int).Mul(sum, big.NewInt(2e9))
	neg := num.Sign() < 0
	num.Abs(num).Add(num, big.NewInt(int64(n))).Quo(num, big.NewInt(2*int64(n)))
	if neg {
		num.Neg(num)
	}
	pct := func(k int) time.Duration {
		i, f := (n-1)*k/100, (n-1)*k%100
		ns := new(big.Int).Mul(big.NewInt(x[i]), big.NewInt(1e9))
		if f > 0 {
			d := new(big.Int).Sub(big.NewInt(x[i+1]), big.NewInt(x[i]))
			ns.Add(ns, d.Mul(d, big.NewInt(int64(f)*1e7)))
		}
		return time.Duration(ns.Int64())
	}
	return DurationSummary{Count: int64(n), Mean: time.Duration(num.Int64()), Min: pct(0), P25: pct(25), Median: pct(50),
		P75: pct(75), P90: pct(90), Max: pct(100)}
}

// TestStageTimes checks that a stage's latest and total times, of which
// the equal pairs are kept once, summarise as the sorted lists of each do;
// that they encode and decode to the same figures and bytes; and that a
// merge, copying or taking, gives what one pass gives.
func TestStageTimes(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	for _, tc := range []struct {
		name  string
		n     int
		same  float64 // share of deals with one visit
		wideA bool    // a time beyond int32 seconds in the first part
		wideB bool    // in the second part
	}{
		{"one visit each", 3000, 1, false, false},
		{"mixed", 5000, 0.7, false, false},
		{"revisits only", 400, 0, false, false},
		{"wide first part", 2000, 0.6, true, false},
		{"wide second part", 2000, 0.6, false, true},
		{"wide both parts", 2000, 0.6, true, true},
		{"few", 3, 0.5, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var latest, total []int64
			var whole, a, b, a2, b2 stageTimes
			for i := range tc.n {
				l := rng.Int64N(90 * 86400)
				tot := l
				if rng.Float64() >= tc.same {
					tot += 1 + rng.Int64N(30*86400)
				}
				first := i < tc.n/2
				if (tc.wideA && first && i == 1) || (tc.wideB && !first && i == tc.n-1) {
					l, tot = 3e9, 4e9
				}
				latest, total = append(latest, l), append(total, tot)
				whole.add(l, tot)
				if first {
					a.add(l, tot)
					a2.add(l, tot)
				} else {
					b.add(l, tot)
					b2.add(l, tot)
				}
			}
			want := [2]DurationSummary{sortedSummary(latest), sortedSummary(total)}
			summaries := func(st *stageTimes) [2]DurationSummary {
				l, t := st.latestTimes(), st.totalTimes()
				return [2]DurationSummary{l.Summary(), t.Summary()}
			}
			if diff := cmp.Diff(want, summaries(&whole)); diff != "" {
				t.Fatalf("latest and total times differ from the sorted lists (-want +got):\n%s", diff)
			}
			equal := int64(0)
			for i := range latest {
				if latest[i] == total[i] {
					equal++
				}
			}
			if whole.same.Count() != equal || whole.readApart().latest.Count() != int64(tc.n)-equal {
				t.Errorf("%d and %d times kept once and apart, want %d and %d", whole.same.Count(), whole.readApart().latest.Count(), equal, int64(tc.n)-equal)
			}

			var w wire.Writer
			whole.encode(&w)
			var dec stageTimes
			r := wire.NewReader(w.Bytes())
			dec.decode(r)
			if err := r.End(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, summaries(&dec)); diff != "" {
				t.Errorf("decoded times differ (-want +got):\n%s", diff)
			}
			var again wire.Writer
			dec.encode(&again)
			if !slices.Equal(again.Bytes(), w.Bytes()) {
				t.Error("decoded times encode differently")
			}

			a.merge(&b, false)
			a2.merge(&b2, true)
			for name, st := range map[string]*stageTimes{"copied": &a, "taken": &a2} {
				if diff := cmp.Diff(want, summaries(st)); diff != "" {
					t.Errorf("%s merge differs from one pass (-want +got):\n%s", name, diff)
				}
				var m wire.Writer
				st.encode(&m)
				if !slices.Equal(m.Bytes(), w.Bytes()) {
					t.Errorf("%s merge encodes differently from one pass", name)
				}
			}
			if b.readApart().latest.Count()+b.same.Count() == 0 && tc.n > 1 {
				t.Error("a copying merge emptied its argument")
			}
			if n := b2.same.samples.n + b2.readApart().latest.samples.n + b2.readApart().total.samples.n; n != 0 {
				t.Errorf("a taking merge left %d samples in its argument", n)
			}
		})
	}
}

// TestStageTimesDecodeCounts checks that the decoder refuses latest and
// total times of different counts, which no tally writes.
func TestStageTimesDecodeCounts(t *testing.T) {
	var l, tot DurationStats
	l.AddSeconds(5)
	tot.AddSeconds(5)
	tot.AddSeconds(7)
	var w wire.Writer
	l.encode(&w)
	tot.encode(&w)
	var st stageTimes
	r := wire.NewReader(w.Bytes())
	st.decode(r)
	if r.Err() == nil {
		t.Fatal("decoded 1 latest and 2 total times")
	}
}

// TestStageTimesApart checks when a stage makes its statistics of times
// kept apart: not for deals whose two times are equal, on the first deal
// whose two differ, and for every deal when sketched, kept sketched too.
func TestStageTimesApart(t *testing.T) {
	var st stageTimes
	st.add(5, 5)
	st.add(7, 7)
	if st.apart != nil || st.same.Count() != 2 {
		t.Fatalf("equal times: apart %v, %d kept once; want none, 2", st.apart != nil, st.same.Count())
	}
	st.add(3, 9)
	if st.apart == nil || st.apart.latest.Count() != 1 || st.apart.total.Count() != 1 || st.apart.latest.skErr != 0 {
		t.Fatalf("times that differ: apart %v; want one latest and one total time, exact", st.apart)
	}
	sk := stageTimes{same: DurationStats{skErr: 0.01}}
	sk.add(5, 5)
	if sk.apart == nil || sk.same.Count() != 0 || sk.apart.latest.Count() != 1 || sk.apart.latest.skErr != 0.01 || sk.apart.total.skErr != 0.01 {
		t.Fatalf("sketched: apart %v, %d kept once; want one latest and total time, sketched at 0.01", sk.apart, sk.same.Count())
	}
	var n int
	sk.each(func(*DurationStats) { n++ })
	if n != 3 {
		t.Errorf("each visits %d statistics of a sketched stage, want 3", n)
	}
}
