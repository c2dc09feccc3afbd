// Package capped holds maps with a bound on their keys whose contents do
// not depend on the order keys arrive in: a Map keeps the entries of the
// Max smallest keys (in byte order) it has seen, and folds the data of
// every other key into one Other entry. Two maps fed the parts of a split
// of a stream and merged hold exactly what one map fed the whole stream
// holds, so accumulators that bound their memory with a Map still merge
// exactly.
package capped

import (
	"container/heap"
	"maps"
	"slices"
)

// A Map maps string keys to values of type V, keeping at most Max of
// them: the smallest keys seen. The data of a larger key goes to Other,
// through the merge function given to New. The zero Map is not usable:
// build one with New.
type Map[V any] struct {
	max   int
	make  func(key string) *V
	merge func(dst, src *V)
	m     map[string]*V
	h     maxHeap // the kept keys
	other V
}

// New returns an empty map of at most limit keys (at least 1) whose folded
// entries merge into Other with merge. New entries are zero values.
func New[V any](limit int, merge func(dst, src *V)) *Map[V] {
	return NewFunc(limit, func(string) *V { return new(V) }, merge)
}

// NewFunc is New with new entries made by make; Other starts as the zero
// V.
func NewFunc[V any](limit int, make func(key string) *V, merge func(dst, src *V)) *Map[V] {
	return &Map[V]{max: max(limit, 1), make: make, merge: merge, m: map[string]*V{}}
}

// Max returns the bound on the keys.
func (c *Map[V]) Max() int { return c.max }

// At returns the entry that the data of key goes to: key's own, made
// when key is new and among the Max smallest keys seen, or Other.
// Making an entry may fold the largest kept key into Other.
func (c *Map[V]) At(key string) *V {
	if v, ok := c.m[key]; ok {
		return v
	}
	if len(c.m) >= c.max {
		if key > c.h[0] {
			return &c.other
		}
		c.evict()
	}
	v := c.make(key)
	c.m[key] = v
	heap.Push(&c.h, key)
	return v
}

// evict folds the largest kept key into Other.
func (c *Map[V]) evict() {
	k := heap.Pop(&c.h).(string)
	c.merge(&c.other, c.m[k])
	delete(c.m, k)
}

// Get returns key's own entry, and false when key is not kept.
func (c *Map[V]) Get(key string) (*V, bool) {
	v, ok := c.m[key]
	return v, ok
}

// Other returns the entry of the folded keys.
func (c *Map[V]) Other() *V { return &c.other }

// Len returns the number of keys kept.
func (c *Map[V]) Len() int { return len(c.m) }

// Keys returns the kept keys in increasing order.
func (c *Map[V]) Keys() []string { return slices.Sorted(maps.Keys(c.m)) }

// Merge adds every entry of o to c, o's Other into c's Other; o is not
// modified (merge must not modify its source).
func (c *Map[V]) Merge(o *Map[V]) {
	if o == c {
		return
	}
	for _, k := range o.Keys() {
		c.merge(c.At(k), o.m[k])
	}
	c.merge(&c.other, &o.other)
}

// maxHeap is a max-heap of strings.
type maxHeap []string

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return h[i] > h[j] }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
