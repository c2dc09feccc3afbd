package csvimport

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestIDSet checks the ID set against a map: IDs of every length (longer
// than a chunk too), repeats, and the overflow map that takes over when
// the chunks run out.
func TestIDSet(t *testing.T) {
	for _, maxChunks := range []int{1 << 24, 3} {
		s := newIDSet(0)
		s.maxChunks = maxChunks
		want := map[string]int{}
		rng := rand.New(rand.NewPCG(1, 2))
		for line := 1; line <= 50_000; line++ {
			var id string
			switch r := rng.IntN(100); {
			case r < 20 && line > 1:
				id = strconv.Itoa(rng.IntN(line)) // likely seen
			case r == 20:
				id = strings.Repeat("x", idChunk+rng.IntN(100)) + strconv.Itoa(line%7)
			default:
				id = strconv.Itoa(line) + strings.Repeat("y", rng.IntN(40))
			}
			first, seen := want[id]
			if !seen {
				want[id] = line
			}
			if got := s.add(id, s.hash([]byte(id)), line); got != first {
				t.Fatalf("maxChunks %d: add(%.20q, %d) = %d, want %d", maxChunks, id, line, got, first)
			}
		}
		if maxChunks == 3 && len(s.more) == 0 {
			t.Errorf("the overflow map was not used")
		}
	}
}
