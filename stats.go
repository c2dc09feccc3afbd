package funnel

import (
	"iter"
	"math"
	"math/bits"
	"slices"

	"github.com/funnelmetrics/funnel/internal/chunk"
)

// divScale is the number of decimal places kept by divisions of money, such
// as a mean deal size. [decimal.Decimal.DivRound] rounds half away from zero.
const divScale = 10

// A sampleSet keeps int64 samples in chunks ([chunk]), so that growing it
// never copies what it holds and allocates about what it stores. Samples are
// stored in 4 bytes while they all fit in an int32 (durations up to 68
// years in seconds, amounts up to 21 million in cents), in 8 once one does
// not.
type sampleSet struct {
	// what every sample added reads comes first, together
	n      int
	mn, mx int64 // smallest and largest sample, while n > 0
	// cur is the last narrow chunk as it grows: narrow's last element
	// shares its array but may lag behind it in length (see sync,
	// narrowChunks). cur is nil while the set is empty or wide.
	cur    []int32
	isWide bool
	narrow [][]int32
	wide   [][]int64
}

// sync brings narrow's last chunk up to cur's length.
func (s *sampleSet) sync() {
	if k := len(s.narrow) - 1; k >= 0 {
		s.narrow[k] = s.cur
	}
}

// setCur makes cur narrow's last chunk again, after narrow changed.
func (s *sampleSet) setCur() {
	s.cur = nil
	if k := len(s.narrow) - 1; k >= 0 {
		s.cur = s.narrow[k]
	}
}

// narrowChunks returns the narrow chunks, the last one at its length,
// without changing s: narrow itself, or a copy of it when its last chunk
// lags behind cur.
func (s *sampleSet) narrowChunks() [][]int32 {
	k := len(s.narrow) - 1
	if k < 0 || len(s.narrow[k]) == len(s.cur) {
		return s.narrow
	}
	c := slices.Clone(s.narrow)
	c[k] = s.cur
	return c
}

// bound widens the known range of the samples to include v.
func (s *sampleSet) bound(v int64) {
	if s.n == 0 {
		s.mn, s.mx = v, v
		return
	}
	s.mn, s.mx = min(s.mn, v), max(s.mx, v)
}

func (s *sampleSet) add(v int64) {
	if v == int64(int32(v)) && len(s.cur) < cap(s.cur) {
		// the common case: a narrow sample into the last chunk's room
		// (cur has room only in a narrow set of n > 0)
		s.cur = append(s.cur, int32(v))
		s.mn, s.mx = min(s.mn, v), max(s.mx, v)
		s.n++
		return
	}
	s.addSlow(v)
}

// addSlow is add: the first sample, a wide one, or one that starts a
// chunk.
func (s *sampleSet) addSlow(v int64) {
	s.bound(v)
	if !s.isWide {
		if v == int64(int32(v)) {
			s.sync()
			s.narrow = chunk.Append(s.narrow, int32(v), s.n)
			s.setCur()
			s.n++
			return
		}
		s.widen()
	}
	s.wide = chunk.Append(s.wide, v, s.n)
	s.n++
}

// widen moves the samples to the 8-byte representation.
func (s *sampleSet) widen() {
	if s.isWide {
		return
	}
	s.isWide = true
	s.sync()
	for _, c := range s.narrow {
		w := make([]int64, len(c), cap(c))
		for i, v := range c {
			w[i] = int64(v)
		}
		s.wide = append(s.wide, w)
	}
	s.narrow, s.cur = nil, nil
}

// values returns an iterator over the samples.
func (s *sampleSet) values() iter.Seq[int64] {
	return func(yield func(int64) bool) {
		for i, c := range s.narrow {
			if i == len(s.narrow)-1 {
				c = s.cur
			}
			for _, v := range c {
				if !yield(int64(v)) {
					return
				}
			}
		}
		for _, c := range s.wide {
			for _, v := range c {
				if !yield(v) {
					return
				}
			}
		}
	}
}

// addAll adds o's samples to s, a chunk at a time, sharing o's long
// chunks ([chunk.Merge]). o must not be s.
func (s *sampleSet) addAll(o *sampleSet) {
	if o.n == 0 {
		return
	}
	if o.isWide {
		s.widen()
	}
	if s.n == 0 {
		s.mn, s.mx = o.mn, o.mx
	} else {
		s.bound(o.mn)
		s.bound(o.mx)
	}
	on := o.narrowChunks()
	if !s.isWide {
		s.sync()
		s.narrow = chunk.Merge(s.narrow, on, s.n)
		s.setCur()
		s.n += o.n
		return
	}
	for _, c := range on {
		for _, v := range c {
			s.wide = chunk.Append(s.wide, int64(v), s.n)
			s.n++
		}
	}
	for _, c := range o.wide {
		s.wide = chunk.Merge(s.wide, [][]int64{c}, s.n)
		s.n += len(c)
	}
}

// take moves o's samples into s, chunks and all, and leaves o empty: a
// merge of a set about to be dropped, without copying. o must not be s.
func (s *sampleSet) take(o *sampleSet) {
	switch {
	case o.n == 0:
		return
	case s.n == 0:
		*s, *o = *o, sampleSet{}
		return
	case s.isWide != o.isWide:
		s.addAll(o)
		*o = sampleSet{}
		return
	}
	s.bound(o.mn)
	s.bound(o.mx)
	s.sync()
	o.sync()
	s.narrow = append(s.narrow, o.narrow...)
	s.setCur()
	s.wide = append(s.wide, o.wide...)
	s.n += o.n
	*o = sampleSet{}
}

// scale multiplies every sample by m and reports whether none overflowed;
// on overflow the values are left unchanged.
func (s *sampleSet) scale(m int64) bool {
	for v := range s.values() {
		if _, ok := mul64(v, m); !ok {
			return false
		}
	}
	s.widen()
	for j, c := range s.wide {
		// a new chunk: no value of a chunk is written once appended
		scaled := make([]int64, len(c), cap(c))
		for i, v := range c {
			scaled[i] = v * m
		}
		s.wide[j] = scaled
	}
	s.mn, s.mx = s.mn*m, s.mx*m // m > 0
	return true
}

func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return 0, false
	}
	return p, true
}

func add64(a, b int64) (int64, bool) {
	s := a + b
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
		return 0, false
	}
	return s, true
}

var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// percentileRanks returns the positions needed for the k-th percentile
// (0..100) of n sorted samples with linear interpolation between closest
// ranks: h = (n-1)k/100, value = x[floor h] + (h - floor h)(x[floor h + 1] -
// x[floor h]). This is PERCENTILE.INC in spreadsheets and numpy's default;
// the fraction is exact, in hundredths.
func percentileRanks(n, k int) (i, frac int) {
	h := (n - 1) * k
	return h / 100, h % 100
}

// A pctValue is a percentile as the two closest ranks' values and the
// interpolation fraction between them, in hundredths:
// lo + (hi - lo) frac / 100.
type pctValue struct {
	lo, hi int64
	frac   int64
}

// percentiles returns the k-th percentiles of the n > 0 samples.
func (s *sampleSet) percentiles(ks []int, sc *selectScratch) []pctValue {
	ranks := make([]int, 0, 2*len(ks))
	for _, k := range ks {
		i, frac := percentileRanks(s.n, k)
		ranks = append(ranks, i)
		if frac > 0 {
			ranks = append(ranks, i+1)
		}
	}
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	var vals []int64
	if s.isWide {
		vals = orderStats(s.wide, s.n, s.mn, s.mx, ranks, sc)
	} else {
		vals = orderStats(s.narrowChunks(), s.n, s.mn, s.mx, ranks, sc)
	}
	at := func(i int) int64 { j, _ := slices.BinarySearch(ranks, i); return vals[j] }
	out := make([]pctValue, len(ks))
	for j, k := range ks {
		i, frac := percentileRanks(s.n, k)
		out[j] = pctValue{lo: at(i), hi: at(i), frac: int64(frac)}
		if frac > 0 {
			out[j].hi = at(i + 1)
		}
	}
	return out
}

// maxBuckets is the largest histogram orderStats uses.
const maxBuckets = 1 << 16

// selectScratch is working memory that orderStats reuses between calls.
type selectScratch struct {
	counts []uint32
	mark   []uint8
}

// orderStats returns the values at the given positions (ascending, each in
// 0..n-1) of the sorted values held in chunks, whose minimum and maximum
// are mn and mx, without reordering them. It makes a histogram of the
// values, finds the bucket that holds each position, and sorts only those
// buckets' values (recursing on a bucket too large to sort): two linear
// passes instead of a sort.
func orderStats[T int32 | int64](chunks [][]T, n int, mn, mx int64, ranks []int, sc *selectScratch) []int64 {
	out := make([]int64, len(ranks))
	if len(ranks) == 0 || n == 0 {
		return out
	}
	if mn == mx {
		for i := range out {
			out[i] = mn
		}
		return out
	}
	if n <= 256 {
		all := make([]T, 0, n)
		for _, c := range chunks {
			all = append(all, c...)
		}
		slices.Sort(all)
		for i, r := range ranks {
			out[i] = int64(all[r])
		}
		return out
	}
	// about one value per bucket, so that the buckets to sort are small
	nb := maxBuckets
	for nb > 64 && nb > n {
		nb >>= 1
	}
	lo := uint64(mn)
	span := uint64(mx) - lo // the unsigned difference is exact
	shift := uint(0)
	for span>>shift >= uint64(nb) {
		shift++
	}
	if cap(sc.counts) < nb {
		sc.counts = make([]uint32, nb)
	}
	cnt := sc.counts[:nb]
	clear(cnt)
	for _, c := range chunks {
		for _, v := range c {
			cnt[(uint64(int64(v))-lo)>>shift]++
		}
	}
	// find the bucket of each rank and the rank's position inside it
	bucket := make([]int, len(ranks))
	within := make([]int, len(ranks))
	b, below := 0, 0
	for i, r := range ranks {
		for below+int(cnt[b]) <= r {
			below += int(cnt[b])
			b++
		}
		bucket[i], within[i] = b, r-below
	}
	// collect the values of the needed buckets in one pass
	slot := make(map[int]int, len(ranks))
	for _, b := range bucket {
		if _, ok := slot[b]; !ok {
			slot[b] = len(slot)
		}
	}
	vals := make([][]T, len(slot))
	for b, i := range slot {
		vals[i] = make([]T, 0, cnt[b])
	}
	if len(slot) == 1 {
		b0 := uint64(bucket[0])
		for _, c := range chunks {
			for _, v := range c {
				if (uint64(int64(v))-lo)>>shift == b0 {
					vals[0] = append(vals[0], v)
				}
			}
		}
	} else {
		// mark holds 1 + the slot of each needed bucket, 0 for the others
		if cap(sc.mark) < nb {
			sc.mark = make([]uint8, nb)
		}
		mark := sc.mark[:nb]
		clear(mark)
		for b, i := range slot {
			mark[b] = uint8(i + 1)
		}
		for _, c := range chunks {
			for _, v := range c {
				if m := mark[(uint64(int64(v))-lo)>>shift]; m != 0 {
					vals[m-1] = append(vals[m-1], v)
				}
			}
		}
	}
	for i := 0; i < len(ranks); {
		j := i
		for j < len(ranks) && bucket[j] == bucket[i] {
			j++
		}
		v := vals[slot[bucket[i]]]
		if len(v) > 4096 {
			vmn, vmx := slices.Min(v), slices.Max(v)
			copy(out[i:j], orderStats([][]T{v}, len(v), int64(vmn), int64(vmx), within[i:j], sc))
		} else {
			slices.Sort(v)
			for k := i; k < j; k++ {
				out[k] = int64(v[within[k]])
			}
		}
		i = j
	}
	return out
}

func trailingZeros(v uint64) int { return bits.TrailingZeros64(v) }

// clone returns a deep copy of s.
func (s *sampleSet) clone() sampleSet {
	c := sampleSet{isWide: s.isWide, n: s.n, mn: s.mn, mx: s.mx}
	for _, ch := range s.narrowChunks() {
		c.narrow = append(c.narrow, slices.Clone(ch))
	}
	c.setCur()
	for _, ch := range s.wide {
		c.wide = append(c.wide, slices.Clone(ch))
	}
	return c
}

// sorted returns the samples in ascending order.
func (s *sampleSet) sorted() []int64 {
	out := make([]int64, 0, s.n)
	for v := range s.values() {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}
