// Package chunk keeps samples in chunks, the module's one growable store
// of the values an accumulator keeps (durations, amounts): growing it
// never copies what it holds and allocates about what it stores, where a
// slice grown by append allocates about five times its final size and
// copies each value about four times. Chunks grow from 16 values to
// [Size], so that small sets stay small.
//
// A store is a [][]T and the number of values it holds, which the caller
// keeps. No value of a chunk is written once appended: appends go past a
// chunk's length, so that a merge can share the other store's long
// chunks instead of copying them (see [Merge]). A caller that changes
// values must write them to new chunks.
package chunk

// Size is the largest number of values in one chunk.
const Size = 4096

// Share is the length from which [Merge] shares a chunk instead of copying
// it.
const Share = 1024

// Append appends v to the last chunk of chunks, which hold n values,
// starting a new chunk when it is full.
func Append[T any](chunks [][]T, v T, n int) [][]T {
	if len(chunks) == 0 || len(chunks[len(chunks)-1]) == cap(chunks[len(chunks)-1]) {
		chunks = append(chunks, make([]T, 0, min(Size, max(16, n))))
	}
	c := &chunks[len(chunks)-1]
	*c = append(*c, v)
	return chunks
}

// appendAll appends vals to chunks, which hold n values, as Append does
// one value at a time.
func appendAll[T any](chunks [][]T, vals []T, n int) [][]T {
	for len(vals) > 0 {
		if len(chunks) == 0 || len(chunks[len(chunks)-1]) == cap(chunks[len(chunks)-1]) {
			chunks = append(chunks, make([]T, 0, min(Size, max(16, n))))
		}
		c := &chunks[len(chunks)-1]
		k := min(len(vals), cap(*c)-len(*c))
		*c = append(*c, vals[:k]...)
		vals, n = vals[k:], n+k
	}
	return chunks
}

// Merge appends the values of the chunks from to chunks, which hold n
// values. A chunk of Share values or more is shared as it is, cut to its
// length (c[:len(c):len(c)]) so that appends to chunks never write into
// it, and appends to from's own store go where chunks does not look; the
// shorter chunks are copied as Append adds them, so that a merge of many
// small stores still packs them.
func Merge[T any](chunks, from [][]T, n int) [][]T {
	for _, c := range from {
		if len(c) >= Share {
			chunks = append(chunks, c[:len(c):len(c)])
		} else {
			chunks = appendAll(chunks, c, n)
		}
		n += len(c)
	}
	return chunks
}

// A Store is a chunked store and the number of values it holds. The zero
// Store is empty and ready to use.
type Store[T any] struct {
	chunks [][]T
	n      int
}

// Of returns the store of vals, which it keeps as its one chunk: the
// caller gives vals up.
func Of[T any](vals []T) Store[T] {
	if len(vals) == 0 {
		return Store[T]{}
	}
	return Store[T]{chunks: [][]T{vals}, n: len(vals)}
}

// Add appends v.
func (s *Store[T]) Add(v T) {
	s.chunks = Append(s.chunks, v, s.n)
	s.n++
}

// Merge appends o's values, sharing its long chunks (see [Merge]). o
// must not be s.
func (s *Store[T]) Merge(o *Store[T]) {
	s.chunks = Merge(s.chunks, o.chunks, s.n)
	s.n += o.n
}

// Len returns the number of values held.
func (s *Store[T]) Len() int { return s.n }

// Chunks returns the chunks, in the order their values were added. The
// caller must not change them.
func (s *Store[T]) Chunks() [][]T { return s.chunks }
