package csvimport

import "strconv"

// Most exports number their deals: IDs such as "1" .. "1000000". Such an
// ID is its own index into a slice, which a lookup reads without hashing
// and which holds 4 bytes per number below the largest (against a map's
// copy of the ID, its hash and its slot). The readers keep IDs in a dense
// slice while they are numbers in canonical form (no sign, no leading
// zero) below a bound that grows with the IDs held, so that a few large
// numbers cannot make the slice large; every other ID goes to the general
// structure beside it.

// maxDenseID bounds the numbers kept densely.
const maxDenseID = 1<<31 - 2

// denseID returns the number a canonical decimal ID spells, and false for
// any other ID (empty, a sign, a leading zero, a non-digit, too large).
func denseID[T string | []byte](id T) (uint32, bool) {
	n := len(id)
	if n == 0 || n > 10 || (id[0] == '0' && n > 1) {
		return 0, false
	}
	v := uint64(0)
	for i := range n {
		c := id[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + uint64(c)
	}
	if v > maxDenseID {
		return 0, false
	}
	return uint32(v), true
}

// denseRoom reports whether a dense slice of length have, whose
// structures hold held IDs, may grow to index number v: up to four
// slots per ID held, and 65,536 slots whatever the count.
func denseRoom(v uint32, have, held int) bool {
	return int(v) < have || int(v) < max(4*(held+1), 1<<16)
}

// growDense returns s grown to index v, doubling its length.
func growDense(s []int32, v uint32) []int32 {
	if int(v) < len(s) {
		return s
	}
	n := max(2*len(s), int(v)+1, 1024)
	t := make([]int32, n)
	copy(t, s)
	return t
}

// An idIndex maps deal IDs to small integers (an index into a slice of
// the caller's): numbers densely (see above), other IDs in a map.
type idIndex struct {
	dense   []int32 // by number: 1 + index, 0 for none
	m       map[string]int32
	n       int // IDs held
	numeric int // numbers held in m (added when the dense slice could not hold them)
}

// get returns the index of id and whether it is held.
func (x *idIndex) get(id []byte) (int32, bool) {
	if v, ok := denseID(id); ok {
		if int(v) < len(x.dense) {
			if i := x.dense[v]; i > 0 {
				return i - 1, true
			}
		}
		if x.numeric == 0 {
			return 0, false
		}
	}
	i, ok := x.m[string(id)]
	return i, ok
}

// put adds id, not held, with index i. It reports whether the ID was
// kept densely: a caller that keeps the ID's text need not, then, since
// denseName spells it.
func (x *idIndex) put(id []byte, i int32) bool {
	x.n++
	if v, ok := denseID(id); ok {
		if denseRoom(v, len(x.dense), x.n) {
			x.dense = growDense(x.dense, v)
			x.dense[v] = i + 1
			return true
		}
		x.numeric++
	}
	if x.m == nil {
		x.m = make(map[string]int32)
	}
	x.m[string(id)] = i
	return false
}

// each calls f with every ID held and its index, numbers first, in
// ascending order, then the others in no particular order.
func (x *idIndex) each(f func(id string, i int32)) {
	for v, i := range x.dense {
		if i > 0 {
			f(denseName(uint32(v)), i-1)
		}
	}
	for id, i := range x.m {
		f(id, i)
	}
}

// name spells the ID of number v.
func denseName(v uint32) string { return strconv.FormatUint(uint64(v), 10) }
