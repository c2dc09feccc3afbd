package main

import (
	"bytes"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// A peakWatcher keeps the heap profile of the garbage collection that
// found the largest live heap: what was in use at the peak (the peak of
// the process's memory is about twice that, with the default GOGC: the
// garbage allowed to build up before the next collection). A heap
// profile shows the heap as of the collection before the last one, so
// the watcher takes it once the collection after the peak's has run (or
// when it stops, if none has).
type peakWatcher struct {
	done    chan struct{}
	stopped chan struct{}
	live    uint64 // the largest live heap seen, bytes
	profile []byte // the heap profile that shows it
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
	pending := false // a peak whose profile is not taken yet
	take := func() {
		var b bytes.Buffer
		if err := pprof.Lookup("heap").WriteTo(&b, 0); err == nil {
			w.profile = b.Bytes()
		}
		pending = false
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-w.done:
			if pending {
				take()
			}
			return
		case <-tick.C:
		}
		metrics.Read(s)
		c, live := s[0].Value.Uint64(), s[1].Value.Uint64()
		if c == cycles {
			continue
		}
		if pending && c > cycles {
			take() // the profile now shows the heap of the peak's collection
		}
		cycles = c
		if live > w.live {
			w.live, pending = live, true
		}
	}
}

// stop ends the watch and returns the largest live heap seen.
func (w *peakWatcher) stop() uint64 {
	close(w.done)
	<-w.stopped
	return w.live
}
