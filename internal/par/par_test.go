package par

import (
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestFor checks that every index is handed out exactly once, for no
// parts, one, fewer parts than goroutines and many more, and that one
// goroutine calls them in index order on the calling goroutine.
func TestFor(t *testing.T) {
	for _, workers := range []int{-1, 0, 1, 2, 3, 8} {
		for _, n := range []int{0, 1, 2, 5, 1000} {
			var mu sync.Mutex
			var got []int
			For(workers, n, func(i int) {
				mu.Lock()
				got = append(got, i)
				mu.Unlock()
			})
			want := make([]int, n)
			for i := range want {
				want[i] = i
			}
			if workers <= 1 {
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("workers %d, n %d: calls out of order (-want +got):\n%s", workers, n, diff)
				}
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("workers %d, n %d: indexes (-want +got):\n%s", workers, n, diff)
			}
		}
	}
}

// TestForWorker checks that each call's goroutine index is below the
// number of goroutines and that no two calls with the same index overlap
// (each index counts the calls in flight under it).
func TestForWorker(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 8} {
		var mu sync.Mutex
		inFlight := make([]int, workers)
		seen := 0
		ForWorker(workers, 500, func(w, i int) {
			mu.Lock()
			if w < 0 || w >= workers {
				t.Errorf("workers %d: call %d on goroutine %d", workers, i, w)
				mu.Unlock()
				return
			}
			inFlight[w]++
			if inFlight[w] > 1 {
				t.Errorf("workers %d: two calls at once on goroutine %d", workers, w)
			}
			seen++
			mu.Unlock()
			runtime.Gosched()
			mu.Lock()
			inFlight[w]--
			mu.Unlock()
		})
		if seen != 500 {
			t.Errorf("workers %d: %d calls, want 500", workers, seen)
		}
	}
}

// TestForParallel checks that the parts run at the same time: with two
// goroutines, part 0 waits for part 1 to start, which one goroutine alone
// could never do.
func TestForParallel(t *testing.T) {
	started := make(chan struct{})
	For(2, 2, func(i int) {
		if i == 1 {
			close(started)
			return
		}
		<-started
	})
}

func TestWorkers(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for n, want := range map[int]int{-3: procs, 0: procs, 1: 1, 2: 2, 64: 64} {
		if got := Workers(n); got != want {
			t.Errorf("Workers(%d) = %d, want %d", n, got, want)
		}
	}
}
