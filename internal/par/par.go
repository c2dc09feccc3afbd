// Package par runs the independent parts of a computation on several
// goroutines: the module's one rule for how many (Options.Workers: zero
// means GOMAXPROCS) and its one parallel loop. Results never depend on
// the number of goroutines: each part writes only what is its own.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers returns the number of goroutines a setting of Options.Workers
// asks for: n when positive, GOMAXPROCS when zero or negative.
func Workers(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// For calls fn(i) once for every i in 0..n-1, on up to workers
// goroutines, the calling one among them, and returns when every call
// has returned. With workers <= 1 or n <= 1 it calls fn in index order on
// the calling goroutine. Otherwise calls run in no set order: the parts
// are handed out one at a time, so that long and short parts share the
// goroutines evenly. fn must be safe to call concurrently for distinct i.
func For(workers, n int, fn func(i int)) {
	ForWorker(workers, n, func(_, i int) { fn(i) })
}

// ForWorker is [For] with the goroutine that makes each call, w in
// 0..workers-1 (0 is the calling goroutine): calls with the same w never
// run at the same time, so that each goroutine can reuse its own scratch
// memory.
func ForWorker(workers, n int, fn func(w, i int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	loop := func(w int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(w, i)
		}
	}
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func() {
			defer wg.Done()
			loop(w)
		}()
	}
	loop(0)
	wg.Wait()
}
