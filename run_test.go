package funnel_test

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// A gate is an accumulator that records the stream positions it is
// handed and steers a run on two workers: Run's copy of it (Fresh), at
// its first deal, says so and waits until the gate given to Run has seen
// `release` deals, or an invalid one in strict mode (where the run stops
// there). With a stream that waits for the
// copy to start before yielding its second batch, the other worker then
// takes the first batch, the calling goroutine's queue fills while that
// worker waits, and the calling goroutine feeds every later batch
// itself, those it finds queued at the end included: each path of the
// run, whatever the timing.
type gate struct {
	s      *funnel.Scan
	shared *gateState
	given  bool
	seqs   []int64
}

type gateState struct {
	release       int
	started, open chan struct{}
	once          sync.Once
	mu            sync.Mutex
	copies        []*gate
}

func newGate(s *funnel.Scan, release int) *gate {
	return &gate{s: s, given: true, shared: &gateState{release: release, started: make(chan struct{}), open: make(chan struct{})}}
}

func (g *gate) Scan() *funnel.Scan { return g.s }

func (g *gate) Observe(v *funnel.View) {
	if !g.given && len(g.seqs) == 0 {
		close(g.shared.started)
		<-g.shared.open
	}
	g.seqs = append(g.seqs, v.Seq)
	if g.given && (len(g.seqs) == g.shared.release || (v.Err != nil && g.s.Options().Mode == funnel.Strict)) {
		g.shared.once.Do(func() { close(g.shared.open) })
	}
}

func (g *gate) Merge(funnel.Accumulator) error { return nil }

func (g *gate) Fresh() funnel.Accumulator {
	c := &gate{s: g.s, shared: g.shared}
	g.shared.mu.Lock()
	g.shared.copies = append(g.shared.copies, c)
	g.shared.mu.Unlock()
	return c
}

func (g *gate) MarshalBinary() ([]byte, error) { return nil, errors.ErrUnsupported }

func (g *gate) UnmarshalBinary([]byte) error { return errors.ErrUnsupported }

// gatedStream yields the deals, waiting before the second batch (512
// deals) until the gate's copy has started on the first.
func gatedStream(deals []funnel.Deal, g *gate) func(func(funnel.Deal) bool) {
	return func(yield func(funnel.Deal) bool) {
		for i, d := range deals {
			if i == 600 {
				<-g.shared.started
			}
			if !yield(d) {
				return
			}
		}
	}
}

// TestRunPaths runs on two workers with a gate, so that the other worker
// feeds the first batch and the calling goroutine every other one, some
// as it reads them and some it finds queued at the end: the lenient
// results equal a serial run's, and a strict run stops with the first
// invalid deal in stream order whichever path met it and in whatever
// order they met them.
func TestRunPaths(t *testing.T) {
	f := dealgen.Funnel()
	const n = 8000
	base := dealgen.Generate(n, 6, dealgen.Options{})
	invalid := func(at ...int) []funnel.Deal {
		deals := slices.Clone(base)
		for _, i := range at {
			deals[i].Stage = "Nowhere"
		}
		return deals
	}
	// lenient: the split of the stream, and the results
	deals := invalid(3, 700, 1500, 4000, 7999)
	s1 := scanOf(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", Workers: 1})
	want := funnel.NewTally(s1)
	if err := s1.Run(slices.Values(deals), want); err != nil {
		t.Fatal(err)
	}
	s := scanOf(t, f, funnel.Options{Mode: funnel.Lenient, Currency: "USD", Workers: 2})
	g, tl := newGate(s, n-512), funnel.NewTally(s)
	if err := s.Run(gatedStream(deals, g), g, tl); err != nil {
		t.Fatal(err)
	}
	var first, rest []int64
	for i := range int64(n) {
		if i < 512 {
			first = append(first, i)
		} else {
			rest = append(rest, i)
		}
	}
	// the copies Run makes (a worker's may be a copy of a copy): one was
	// fed
	var fed []*gate
	for _, c := range g.shared.copies {
		if len(c.seqs) > 0 {
			fed = append(fed, c)
		}
	}
	if len(fed) != 1 {
		t.Fatalf("%d copies of the gate were fed, want 1", len(fed))
	}
	if diff := cmp.Diff(first, fed[0].seqs); diff != "" {
		t.Errorf("the other worker's deals (-want +got):\n%s", diff)
	}
	slices.Sort(g.seqs)
	if diff := cmp.Diff(rest, g.seqs); diff != "" {
		t.Errorf("the calling goroutine's deals (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.Report(), tl.Report(), cmpopts.EquateErrors()); diff != "" {
		t.Errorf("report (-serial +parallel):\n%s", diff)
	}
	// strict: the first invalid deal in stream order
	for _, c := range []struct {
		name    string
		invalid []int
		first   int
	}{
		{"read by the calling goroutine", []int{5000, 6000}, 5000},
		{"on the other worker, after one the calling goroutine read", []int{100, 5000}, 100},
		{"queued, after one the calling goroutine read", []int{1000, 5000}, 1000},
	} {
		deals := invalid(c.invalid...)
		s := scanOf(t, f, funnel.Options{Currency: "USD", Workers: 2})
		g := newGate(s, n-512)
		err := s.Run(gatedStream(deals, g), g, funnel.NewTally(s))
		var de *funnel.DealError
		if !errors.As(err, &de) || de.ID != deals[c.first].ID {
			t.Errorf("%s: error %v, want the unknown stage of %s", c.name, err, deals[c.first].ID)
		}
	}
}
