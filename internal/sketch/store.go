package sketch

import "sort"

// store holds the bucket counts of one sign: bucket index -> count. It is the
// collapsing-lowest store of DDSketch (Masson, Rim and Lee, 2019, section
// 2.2) with a canonical window: with rawMax the highest index ever added and
// m the bucket limit, only indexes in [rawMax-m+1, rawMax] are kept, and a
// count for a lower index is added to bucket rawMax-m+1. Because rawMax is a
// maximum and clamping to a lower bound composes with itself, the contents
// depend only on the multiset of indexes added, never on their order or on
// how the adds were split between merged stores.
//
// The counts are kept in one of two layouts, chosen by how densely the
// occupied indexes fill their span, so that memory follows the number of
// occupied buckets:
//   - dense: counts[j] is the count of index off+j; counts[0] and
//     counts[len-1] are non-zero; nz counts the non-zero entries.
//   - sparse: keys is strictly increasing and counts[j] (non-zero) is the
//     count of index keys[j].
//
// A sparse store turns dense when its span is at most 2*nz; a dense store
// turns sparse when a new index or a collapse would make its span exceed
// 4*nz. With growth slack, dense thus costs at most 48 bytes an occupied
// bucket and sparse 24; either layout holds at most 12*m+32 bytes, because
// the span is at most m and a sparse store has fewer than m/2 buckets.
type store struct {
	dense  bool
	off    int
	nz     int
	counts []uint64
	keys   []int32

	total          uint64 // sum of counts
	rawMin, rawMax int    // lowest and highest index ever added (total > 0)
}

const (
	toDenseFactor  = 2
	toSparseFactor = 4
)

// floor returns the lowest index kept for bucket limit m.
func (s *store) floor(m int) int { return s.rawMax - m + 1 }

// collapsed reports whether counts of indexes below the window were folded
// into its lowest bucket.
func (s *store) collapsed(m int) bool { return s.total > 0 && s.rawMin < s.floor(m) }

// occupied returns the number of non-empty buckets.
func (s *store) occupied() int {
	if s.dense {
		return s.nz
	}
	return len(s.keys)
}

// add adds n (> 0) to index i with bucket limit m. The caller guarantees that
// total+n does not overflow.
func (s *store) add(i int, n uint64, m int) {
	if s.total == 0 {
		s.rawMin, s.rawMax = i, i
	} else {
		if i > s.rawMax {
			s.rawMax = i
			s.collapseBelow(s.floor(m))
		}
		if i < s.rawMin {
			s.rawMin = i
		}
	}
	if f := s.floor(m); i < f {
		i = f
	}
	s.incr(i, n)
	s.total += n
}

// lowHigh returns the lowest and highest occupied index (the store must hold
// at least one bucket).
func (s *store) lowHigh() (int, int) {
	if s.dense {
		return s.off, s.off + len(s.counts) - 1
	}
	return int(s.keys[0]), int(s.keys[len(s.keys)-1])
}

// incr adds n to bucket i without touching total or the raw range.
func (s *store) incr(i int, n uint64) {
	if s.occupied() == 0 {
		s.dense = true
		s.off = i
		s.nz = 1
		s.keys = nil
		s.counts = append(s.counts[:0], n)
		return
	}
	if s.dense {
		lo, hi := s.lowHigh()
		if i >= lo && i <= hi {
			c := &s.counts[i-s.off]
			if *c == 0 {
				s.nz++
			}
			*c += n
			return
		}
		span := hi - i + 1
		if i > hi {
			span = i - lo + 1
		}
		if span > toSparseFactor*(s.nz+1) {
			s.toSparse()
			s.incrSparse(i, n)
			return
		}
		if i > hi {
			need := i - s.off + 1
			if need > cap(s.counts) {
				grown := make([]uint64, need, need+need/2+4)
				copy(grown, s.counts)
				s.counts = grown
			} else {
				old := len(s.counts)
				s.counts = s.counts[:need]
				clear(s.counts[old:])
			}
		} else {
			grown := make([]uint64, span, span+span/2+4)
			copy(grown[s.off-i:], s.counts)
			s.counts = grown
			s.off = i
		}
		s.counts[i-s.off] = n
		s.nz++
		return
	}
	s.incrSparse(i, n)
}

func (s *store) incrSparse(i int, n uint64) {
	j := sort.Search(len(s.keys), func(k int) bool { return int(s.keys[k]) >= i })
	if j < len(s.keys) && int(s.keys[j]) == i {
		s.counts[j] += n
		return
	}
	s.keys = append(s.keys, 0)
	copy(s.keys[j+1:], s.keys[j:])
	s.keys[j] = int32(i)
	s.counts = append(s.counts, 0)
	copy(s.counts[j+1:], s.counts[j:])
	s.counts[j] = n
	s.maybeDense()
}

// maybeDense switches a sparse store to the dense layout when the occupied
// indexes fill enough of their span.
func (s *store) maybeDense() {
	if s.dense || len(s.keys) == 0 {
		return
	}
	lo, hi := s.lowHigh()
	span := hi - lo + 1
	if span > toDenseFactor*len(s.keys) {
		return
	}
	counts := make([]uint64, span)
	for j, k := range s.keys {
		counts[int(k)-lo] = s.counts[j]
	}
	s.dense, s.off, s.nz = true, lo, len(s.keys)
	s.counts, s.keys = counts, nil
}

func (s *store) toSparse() {
	keys := make([]int32, 0, s.nz+1)
	counts := make([]uint64, 0, s.nz+1)
	for j, c := range s.counts {
		if c != 0 {
			keys = append(keys, int32(s.off+j))
			counts = append(counts, c)
		}
	}
	s.dense, s.nz, s.off = false, 0, 0
	s.keys, s.counts = keys, counts
}

// collapseBelow folds the counts of every index below f into bucket f.
func (s *store) collapseBelow(f int) {
	if s.occupied() == 0 {
		return
	}
	lo, hi := s.lowHigh()
	if lo >= f {
		return
	}
	if s.dense {
		if f > hi {
			// Every bucket folds into f, which lies past the current top;
			// the caller adds the new top bucket right after.
			var sum uint64
			for _, c := range s.counts {
				sum += c
			}
			s.counts = append(s.counts[:0], sum)
			s.off, s.nz = f, 1
			return
		}
		j := f - s.off
		var sum uint64
		for _, c := range s.counts[:j] {
			if c != 0 {
				sum += c
				s.nz--
			}
		}
		// Shift down rather than reslice, so the array's freed front is
		// reused by later growth at the top.
		s.counts = s.counts[:copy(s.counts, s.counts[j:])]
		s.off = f
		if s.counts[0] == 0 {
			s.nz++
		}
		s.counts[0] += sum
		if len(s.counts) > toSparseFactor*s.nz {
			s.toSparse()
		}
		return
	}
	j := sort.Search(len(s.keys), func(k int) bool { return int(s.keys[k]) >= f })
	var sum uint64
	for _, c := range s.counts[:j] {
		sum += c
	}
	if j < len(s.keys) && int(s.keys[j]) == f {
		s.counts[j] += sum
		s.keys = append(s.keys[:0], s.keys[j:]...)
		s.counts = append(s.counts[:0], s.counts[j:]...)
	} else {
		// Replace the folded buckets by one bucket at f.
		s.keys = append(s.keys[:0], s.keys[j-1:]...)
		s.counts = append(s.counts[:0], s.counts[j-1:]...)
		s.keys[0] = int32(f)
		s.counts[0] = sum
	}
	s.maybeDense()
}

// each calls fn for every non-empty bucket in increasing index order.
func (s *store) each(fn func(i int, c uint64)) {
	if s.dense {
		for j, c := range s.counts {
			if c != 0 {
				fn(s.off+j, c)
			}
		}
		return
	}
	for j, k := range s.keys {
		fn(int(k), s.counts[j])
	}
}

// merge adds the contents of o (same bucket limit m) to s.
func (s *store) merge(o *store, m int) {
	if o.total == 0 {
		return
	}
	if s.total == 0 {
		*s = o.clone()
		return
	}
	if o.rawMax > s.rawMax {
		s.rawMax = o.rawMax
		s.collapseBelow(s.floor(m))
	}
	if o.rawMin < s.rawMin {
		s.rawMin = o.rawMin
	}
	f := s.floor(m)
	if s.dense {
		o.each(func(i int, c uint64) { s.incr(max(i, f), c) })
	} else {
		s.mergeSparse(o, f)
	}
	s.total += o.total
}

// mergeSparse merges o's buckets, clamped to f, into the sparse store s.
func (s *store) mergeSparse(o *store, f int) {
	keys := make([]int32, 0, len(s.keys)+o.occupied())
	counts := make([]uint64, 0, len(s.keys)+o.occupied())
	j := 0
	o.each(func(i int, c uint64) {
		i = max(i, f)
		for j < len(s.keys) && int(s.keys[j]) < i {
			keys = append(keys, s.keys[j])
			counts = append(counts, s.counts[j])
			j++
		}
		if j < len(s.keys) && int(s.keys[j]) == i {
			c += s.counts[j]
			j++
		}
		if n := len(keys); n > 0 && int(keys[n-1]) == i {
			counts[n-1] += c
			return
		}
		keys = append(keys, int32(i))
		counts = append(counts, c)
	})
	keys = append(keys, s.keys[j:]...)
	counts = append(counts, s.counts[j:]...)
	if cap(keys) > 2*len(keys)+8 {
		keys = append([]int32(nil), keys...)
		counts = append([]uint64(nil), counts...)
	}
	s.keys, s.counts = keys, counts
	s.maybeDense()
}

// atRank returns the index of the bucket holding the value of rank r (0 for
// the lowest index) counting up from the lowest index, or from the highest
// index when down is set. r must be below total.
func (s *store) atRank(r uint64, down bool) int {
	var cum uint64
	if s.dense {
		for j := range s.counts {
			if down {
				j = len(s.counts) - 1 - j
			}
			cum += s.counts[j]
			if cum > r {
				return s.off + j
			}
		}
	} else {
		for j := range s.keys {
			if down {
				j = len(s.keys) - 1 - j
			}
			cum += s.counts[j]
			if cum > r {
				return int(s.keys[j])
			}
		}
	}
	_, hi := s.lowHigh()
	return hi
}

func (s *store) clone() store {
	c := *s
	c.counts = append([]uint64(nil), s.counts...)
	if s.keys != nil {
		c.keys = append([]int32(nil), s.keys...)
	}
	return c
}

// sizeBytes returns the bytes held by the store's slices.
func (s *store) sizeBytes() int {
	return 8*cap(s.counts) + 4*cap(s.keys)
}
