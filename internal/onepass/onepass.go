// Package onepass is the one-call form of the analyses that are
// accumulators of a scan (forecast.Flows, trend.ComputeCohorts,
// plan.Reverse and the others): build the accumulator, run the deals
// through it with funnel.Scan.Run, and report.
package onepass

import (
	"iter"

	"github.com/funnelmetrics/funnel"
)

// Run builds an accumulator of s with build(s, opts), runs the deals
// through it ([funnel.Scan.Run]) and returns what report gives of it. It
// returns the first error of the three, with the zero report.
func Run[A funnel.Accumulator, O, R any](s *funnel.Scan, deals iter.Seq[funnel.Deal], opts O,
	build func(*funnel.Scan, O) (A, error), report func(A) (R, error)) (R, error) {
	a, err := build(s, opts)
	if err == nil {
		err = s.Run(deals, a)
	}
	if err != nil {
		var zero R
		return zero, err
	}
	return report(a)
}

// Always turns a report method that cannot fail into one for [Run].
func Always[A, R any](report func(A) R) func(A) (R, error) {
	return func(a A) (R, error) { return report(a), nil }
}
