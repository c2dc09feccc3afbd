package main

import (
	"bytes"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// A peakWatcher keeps the heap profile of the garbage collection that
// found the largest live heap so far. A heap profile's in-use figures are
// those of the last completed collection, so the profile taken right after
// the collection that found the most live bytes says what was in use at
// the peak (the peak of the process's memory is about twice that, with
// the default GOGC: the garbage allowed to build up before the next
// collection).
type peakWatcher struct {
	done    chan struct{}
	stopped chan struct{}
	live    uint64 // the largest live heap seen, bytes
	profile []byte // the heap profile taken then
}

// watchPeak starts a watcher, which polls the runtime's metrics every
// millisecond until stop.
func watchPeak() *peakWatcher {
	w := &peakWatcher{done: make(chan struct{}), stopped: make(chan struct{})}
	go w.run()
	return w
}

func (w *peakWatcher) run() {
	defer close(w.stopped)
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
	var cycles uint64
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.done:
			return
		case <-tick.C:
		}
		metrics.Read(s)
		c, live := s[0].Value.Uint64(), s[1].Value.Uint64()
		if c == cycles {
			continue
		}
		cycles = c
		if live > w.live {
			var b bytes.Buffer
			if err := pprof.Lookup("heap").WriteTo(&b, 0); err == nil {
				w.live, w.profile = live, b.Bytes()
			}
		}
	}
}

// stop ends the watch and returns the largest live heap seen.
func (w *peakWatcher) stop() uint64 {
	close(w.done)
	<-w.stopped
	return w.live
}
