package funnel

import (
	"math/big"

	"github.com/funnelmetrics/funnel/internal/wire"
)

// stageTimes holds the times in one stage of the deals that visited it:
// each deal's latest visit and the sum of all its visits. The two are
// equal for a deal that visited the stage once, as most deals do, so such
// a deal's time is kept once, in same, and only a deal whose two times
// differ has one kept in latest and one in total (apart, made with the
// first such deal, so that a stage's hot accumulator stays small): the
// latest times are same and latest together, the total times same and
// total together. Sketched times (Options.QuantileError) are all kept in
// latest and total.
type stageTimes struct {
	same  DurationStats
	apart *timesApart
}

// timesApart holds the latest and the total times of the deals whose two
// times in a stage differ.
type timesApart struct {
	latest, total DurationStats
}

// noTimesApart is the empty timesApart that a stage without one reads.
// It is never written.
var noTimesApart timesApart

// add adds one deal's latest and total time in the stage, in seconds.
func (st *stageTimes) add(latest, total int64) {
	if latest == total && st.same.skErr == 0 {
		st.same.AddSeconds(latest)
		return
	}
	a := st.keepApart()
	a.latest.AddSeconds(latest)
	a.total.AddSeconds(total)
}

// keepApart returns st.apart, making it on first use, its statistics kept
// as same's are (sketched or not).
func (st *stageTimes) keepApart() *timesApart {
	if st.apart == nil {
		st.apart = new(timesApart)
		st.apart.latest.skErr, st.apart.total.skErr = st.same.skErr, st.same.skErr
	}
	return st.apart
}

// readApart returns st.apart, or an empty one when it has none: for
// reading only.
func (st *stageTimes) readApart() *timesApart {
	if st.apart == nil {
		return &noTimesApart
	}
	return st.apart
}

// latestTimes and totalTimes return read-only views of the latest and the
// total times (see [DurationStats.with]).
func (st *stageTimes) latestTimes() DurationStats { return st.same.with(&st.readApart().latest) }
func (st *stageTimes) totalTimes() DurationStats  { return st.same.with(&st.readApart().total) }

// merge adds o's times to st; with take, o's samples are moved rather
// than copied, and o is left empty.
func (st *stageTimes) merge(o *stageTimes, take bool) {
	st.same.merge(&o.same, take)
	if o.apart == nil {
		return
	}
	a := st.keepApart()
	a.latest.merge(&o.apart.latest, take)
	a.total.merge(&o.apart.total, take)
}

// each calls f for each of st's statistics: same, and latest and total
// once made (they are made kept as same is).
func (st *stageTimes) each(f func(*DurationStats)) {
	f(&st.same)
	if st.apart != nil {
		f(&st.apart.latest)
		f(&st.apart.total)
	}
}

// encode writes the latest times, then the total times, each as a
// [DurationStats] encodes itself: the encoding does not show which
// deals' two times were equal.
func (st *stageTimes) encode(w *wire.Writer) {
	l, t := st.latestTimes(), st.totalTimes()
	l.encode(w)
	t.encode(w)
}

// decode reads what encode writes. Two times found in both the latest and
// the total times are kept once, in same: which deals they came from does
// not matter to any figure, and the times encode back to the same bytes.
func (st *stageTimes) decode(r *wire.Reader) {
	*st = stageTimes{}
	// each as DurationStats.decode reads it, the exact times kept sorted
	read := func(s *DurationStats) (sorted []int64, n int64, exact bool) {
		if !r.Bool() {
			sorted = r.SortedInts()
			return sorted, int64(len(sorted)), true
		}
		s.decodeSketch(r)
		return nil, s.n, false
	}
	var l, t DurationStats
	ls, ln, lExact := read(&l)
	ts, tn, tExact := read(&t)
	switch {
	case r.Err() != nil:
		return
	case ln != tn:
		r.Fail("%d latest and %d total times in stage", ln, tn)
		return
	case !lExact || !tExact:
		// sketched (an exact part too fails the tally's check of the
		// scan's accuracy)
		for _, v := range ls {
			l.AddSeconds(v)
		}
		for _, v := range ts {
			t.AddSeconds(v)
		}
		st.same.skErr, st.apart = l.skErr, &timesApart{latest: l, total: t}
		return
	}
	i, j := 0, 0
	for i < len(ls) && j < len(ts) {
		switch {
		case ls[i] == ts[j]:
			st.same.AddSeconds(ls[i])
			i++
			j++
		case ls[i] < ts[j]:
			st.keepApart().latest.AddSeconds(ls[i])
			i++
		default:
			st.keepApart().total.AddSeconds(ts[j])
			j++
		}
	}
	for _, v := range ls[i:] {
		st.keepApart().latest.AddSeconds(v)
	}
	for _, v := range ts[j:] {
		st.keepApart().total.AddSeconds(v)
	}
}

// with returns a read-only view of the durations of s and o together:
// their count and sum, and their samples side by side (the chunks shared,
// not copied, unless one set is narrow and the other wide). Neither s nor
// o changes; nothing may be added to the view. A sketch in either is
// merged into a copy.
func (s *DurationStats) with(o *DurationStats) DurationStats {
	switch {
	case o.n == 0:
		return *s
	case s.n == 0:
		return *o
	case s.sk != nil || o.sk != nil || s.skErr != o.skErr:
		c := s.clone()
		c.Merge(o)
		return c
	}
	v := DurationStats{sum: s.sum, n: s.n + o.n, samples: s.samples.with(&o.samples)}
	if s.bigSum != nil {
		v.bigSum = new(big.Int).Set(s.bigSum)
	}
	if o.bigSum == nil {
		v.addSum(o.sum)
	} else {
		if v.bigSum == nil {
			v.bigSum = big.NewInt(v.sum)
		}
		v.bigSum.Add(v.bigSum, o.bigSum)
	}
	return v
}

// with returns a read-only view of the samples of s and o together (see
// [DurationStats.with]).
func (s *sampleSet) with(o *sampleSet) sampleSet {
	switch {
	case o.n == 0:
		return *s
	case s.n == 0:
		return *o
	}
	v := sampleSet{n: s.n + o.n, mn: min(s.mn, o.mn), mx: max(s.mx, o.mx), isWide: s.isWide || o.isWide}
	if !v.isWide {
		v.narrow = append(append(make([][]int32, 0, len(s.narrow)+len(o.narrow)), s.narrowChunks()...), o.narrowChunks()...)
		v.setCur()
		return v
	}
	for _, set := range []*sampleSet{s, o} {
		if set.isWide {
			v.wide = append(v.wide, set.wide...)
			continue
		}
		for _, c := range set.narrowChunks() {
			w := make([]int64, len(c))
			for i, x := range c {
				w[i] = int64(x)
			}
			v.wide = append(v.wide, w)
		}
	}
	return v
}
