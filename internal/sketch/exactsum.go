package sketch

import (
	"math"
	"math/big"
	"math/bits"
)

// accWords is the number of 64-bit words that can hold any sum of at most
// 2^64-1 finite float64 magnitudes as an integer multiple of 2^-1074: such a
// sum is below 2^64 * 2^1024 = 2^1088, so it needs at most 1088+1074 = 2162
// bits.
const accWords = 34

// accum is an exact fixed-point accumulator of non-negative float64 values
// (a Kulisch accumulator): it holds the integer sum of w[j] * 2^(64*(lo+j)),
// in units of 2^-1074, the spacing of the smallest subnormal. Every float64
// is an integer multiple of that unit, so additions are exact and their
// order does not matter. Only the words a sum has touched are allocated.
type accum struct {
	lo int
	w  []uint64
}

// decompose returns the integer significand and bit position of a finite
// magnitude x: x = mant * 2^(pos-1074), mant < 2^53.
func decompose(x float64) (mant uint64, pos int) {
	b := math.Float64bits(x)
	e := int(b>>52) & 0x7ff
	mant = b & (1<<52 - 1)
	if e == 0 {
		return mant, 0
	}
	return mant | 1<<52, e - 1
}

// cover grows the word range to include words [a, b).
func (s *accum) cover(a, b int) {
	if len(s.w) == 0 {
		s.lo = a
		s.w = append(s.w[:0], make([]uint64, b-a)...)
		return
	}
	if a < s.lo {
		w := make([]uint64, s.lo+len(s.w)-a, s.lo+len(s.w)-a+1)
		copy(w[s.lo-a:], s.w)
		s.w, s.lo = w, a
	}
	if hi := s.lo + len(s.w); b > hi {
		s.w = append(s.w, make([]uint64, b-hi)...)
	}
}

// addWord adds v at word q with carry propagation.
func (s *accum) addWord(q int, v uint64) {
	for v != 0 {
		s.cover(q, q+1)
		var c uint64
		s.w[q-s.lo], c = bits.Add64(s.w[q-s.lo], v, 0)
		v = c
		q++
	}
}

// add adds n copies of the finite magnitude x.
func (s *accum) add(x float64, n uint64) {
	mant, pos := decompose(x)
	if mant == 0 || n == 0 {
		return
	}
	hi, lo := bits.Mul64(mant, n)
	q, r := pos/64, uint(pos%64)
	w0, w1, w2 := lo, hi, uint64(0)
	if r != 0 {
		w0 = lo << r
		w1 = hi<<r | lo>>(64-r)
		w2 = hi >> (64 - r)
	}
	s.addWord(q, w0)
	s.addWord(q+1, w1)
	s.addWord(q+2, w2)
}

// merge adds o to s.
func (s *accum) merge(o *accum) {
	for j, v := range o.w {
		s.addWord(o.lo+j, v)
	}
}

// trimmed returns the word range without zero words at either end.
func (s *accum) trimmed() (lo int, w []uint64) {
	w = s.w
	lo = s.lo
	for len(w) > 0 && w[0] == 0 {
		w = w[1:]
		lo++
	}
	for len(w) > 0 && w[len(w)-1] == 0 {
		w = w[:len(w)-1]
	}
	return lo, w
}

func (s *accum) isZero() bool {
	_, w := s.trimmed()
	return len(w) == 0
}

// bigInt returns the accumulated integer (in units of 2^-1074).
func (s *accum) bigInt() *big.Int {
	lo, w := s.trimmed()
	z := new(big.Int)
	buf := make([]byte, 8*len(w))
	for j, v := range w {
		for k := 0; k < 8; k++ {
			buf[len(buf)-1-8*j-k] = byte(v >> (8 * k))
		}
	}
	z.SetBytes(buf)
	return z.Lsh(z, uint(64*lo))
}

// bitLen returns the bit length of the accumulated integer.
func (s *accum) bitLen() int {
	lo, w := s.trimmed()
	if len(w) == 0 {
		return 0
	}
	return 64*(lo+len(w)-1) + bits.Len64(w[len(w)-1])
}

func (s *accum) clone() accum {
	return accum{lo: s.lo, w: append([]uint64(nil), s.w...)}
}

// exactDiff returns pos - neg rounded once to the nearest float64 (ties to
// even); its magnitude is +Inf only when the exact result is beyond the
// float64 range.
func exactDiff(pos, neg *accum) float64 {
	d := pos.bigInt()
	d.Sub(d, neg.bigInt())
	if d.Sign() == 0 {
		return 0
	}
	f := new(big.Float).SetInt(d) // exact: precision is d's bit length
	f.SetMantExp(f, -1074)
	v, _ := f.Float64()
	return v
}
