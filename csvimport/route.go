package csvimport

import (
	"errors"
	"fmt"
	"iter"

	"github.com/funnelmetrics/funnel"
)

// ByPipeline is the group key of [RunBy] for one scan per pipeline: the
// deal's Pipeline.
func ByPipeline(d *funnel.Deal) string { return d.Pipeline }

// ByCurrency is the group key of [RunBy] for one scan per currency: the
// deal's Currency. Each group's scan then sets funnel.Options.Currency to
// its key, which gives per-currency figures without conversion.
func ByCurrency(d *funnel.Deal) string { return d.Currency }

// routeBatch is the number of deals handed to a group at a time.
const routeBatch = 256

// RunBy reads the stream of deals once and feeds each deal to the
// accumulators of its group, key(deal): each group's accumulators get
// their deals in stream order through one [funnel.Scan.Run] of their own
// scan (the scan of the first accumulator; they must share it), running
// beside the other groups' runs. newGroup is called once per group, the
// first time its key is seen, and returns the group's accumulators; an
// error from it stops the read. RunBy returns the groups' accumulators by
// key, and the errors of their runs (each naming its group), joined.
//
// With key ByPipeline and one scan per pipeline's funnel, one read of a
// multi-pipeline export gives every pipeline its own figures; with
// ByCurrency, every currency. A nil stream, key or newGroup is an error
// wrapping funnel.ErrInvalidParam.
func RunBy(deals iter.Seq[funnel.Deal], key func(*funnel.Deal) string, newGroup func(key string) ([]funnel.Accumulator, error)) (map[string][]funnel.Accumulator, error) {
	if deals == nil || key == nil || newGroup == nil {
		return nil, fmt.Errorf("csvimport: RunBy of a nil stream, key or group maker: %w", funnel.ErrInvalidParam)
	}
	type group struct {
		accs  []funnel.Accumulator
		ch    chan []funnel.Deal
		batch []funnel.Deal
		err   error
		done  chan struct{}
	}
	groups := map[string]*group{}
	var order []string
	var stop error
	for d := range deals {
		k := key(&d)
		g, ok := groups[k]
		if !ok {
			accs, err := newGroup(k)
			if err == nil && len(accs) == 0 {
				err = fmt.Errorf("csvimport: group %q has no accumulators: %w", k, funnel.ErrInvalidParam)
			}
			if err == nil {
				for i, a := range accs {
					if a == nil || a.Scan() == nil {
						err = fmt.Errorf("csvimport: group %q: accumulator %d is nil: %w", k, i, funnel.ErrInvalidParam)
						break
					}
				}
			}
			if err != nil {
				stop = fmt.Errorf("group %q: %w", k, err)
				break
			}
			g = &group{accs: accs, ch: make(chan []funnel.Deal, 4), done: make(chan struct{})}
			groups[k] = g
			order = append(order, k)
			go func() {
				defer close(g.done)
				g.err = g.accs[0].Scan().Run(func(yield func(funnel.Deal) bool) {
					for b := range g.ch {
						for _, d := range b {
							if !yield(d) {
								return
							}
						}
					}
				}, g.accs...)
				for range g.ch { // what a stopped run did not take
				}
			}()
		}
		if g.batch == nil {
			g.batch = make([]funnel.Deal, 0, routeBatch)
		}
		g.batch = append(g.batch, d)
		if len(g.batch) == routeBatch {
			g.ch <- g.batch
			g.batch = nil
		}
	}
	for _, k := range order {
		g := groups[k]
		if len(g.batch) > 0 {
			g.ch <- g.batch
		}
		close(g.ch)
	}
	out := make(map[string][]funnel.Accumulator, len(groups))
	errs := []error{stop}
	for _, k := range sortedKeys(groups) {
		g := groups[k]
		<-g.done
		out[k] = g.accs
		if g.err != nil {
			errs = append(errs, fmt.Errorf("group %q: %w", k, g.err))
		}
	}
	return out, errors.Join(errs...)
}

// ReportsBy reads deals once and returns one funnel report per group,
// key(deal), each from a [funnel.Tally] of the scan newScan returns for
// the group the first time its key is seen (see [RunBy]).
func ReportsBy(deals iter.Seq[funnel.Deal], key func(*funnel.Deal) string, newScan func(key string) (*funnel.Scan, error)) (map[string]funnel.Report, error) {
	if newScan == nil {
		return nil, fmt.Errorf("csvimport: ReportsBy without a scan maker: %w", funnel.ErrInvalidParam)
	}
	groups, err := RunBy(deals, key, func(k string) ([]funnel.Accumulator, error) {
		s, err := newScan(k)
		if err != nil {
			return nil, err
		}
		return []funnel.Accumulator{funnel.NewTally(s)}, nil
	})
	out := make(map[string]funnel.Report, len(groups))
	for k, accs := range groups {
		out[k] = accs[0].(*funnel.Tally).Report()
	}
	return out, err
}
