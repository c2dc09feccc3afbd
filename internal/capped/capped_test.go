package capped

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type count struct{ n int }

func add(dst, src *count) { dst.n += src.n }

func snapshot(c *Map[count]) (map[string]int, int) {
	out := map[string]int{}
	for _, k := range c.Keys() {
		v, _ := c.Get(k)
		out[k] = v.n
	}
	return out, c.Other().n
}

// TestKeepsSmallest feeds keys in every order of a small set: the kept
// keys are the smallest, the others folded, whatever the order.
func TestKeepsSmallest(t *testing.T) {
	keys := []string{"d", "a", "c", "b", "e", "a", "d"}
	c := New(3, add)
	for _, k := range keys {
		c.At(k).n++
	}
	got, other := snapshot(c)
	if diff := cmp.Diff(map[string]int{"a": 2, "b": 1, "c": 1}, got); diff != "" || other != 3 {
		t.Errorf("kept (-want +got):\n%s other %d", diff, other)
	}
	if c.Len() != 3 || c.Max() != 3 {
		t.Errorf("len %d max %d", c.Len(), c.Max())
	}
	if _, ok := c.Get("d"); ok {
		t.Error("d kept")
	}
	if New(0, add).Max() != 1 {
		t.Error("a bound below 1 is 1")
	}
}

// TestMergeOfAnySplit splits a stream of keys into parts at random: the
// merge of the parts holds what one pass holds.
func TestMergeOfAnySplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		limit := 1 + rng.IntN(6)
		var keys []string
		for range rng.IntN(40) {
			keys = append(keys, fmt.Sprint(rng.IntN(15)))
		}
		whole := New(limit, add)
		for _, k := range keys {
			whole.At(k).n++
		}
		parts := make([]*Map[count], 1+rng.IntN(4))
		for i := range parts {
			parts[i] = New(limit, add)
		}
		for _, k := range keys {
			parts[rng.IntN(len(parts))].At(k).n++
		}
		merged := New(limit, add)
		for _, p := range parts {
			before, bo := snapshot(p)
			merged.Merge(p)
			after, ao := snapshot(p)
			if !cmp.Equal(before, after) || bo != ao {
				t.Fatal("merge modified its source")
			}
		}
		w, wo := snapshot(whole)
		m, mo := snapshot(merged)
		if diff := cmp.Diff(w, m); diff != "" || wo != mo {
			t.Fatalf("trial %d: merged parts differ from one pass (-one +merged):\n%s other %d vs %d", trial, diff, wo, mo)
		}
		total := mo
		for _, v := range m {
			total += v
		}
		if total != len(keys) {
			t.Fatalf("trial %d: %d of %d counted", trial, total, len(keys))
		}
		if !slices.IsSorted(merged.Keys()) {
			t.Fatal("keys out of order")
		}
	}
}
