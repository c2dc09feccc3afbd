// Package cputime reads the CPU time the process has used, so that
// benchmarks on a busy machine can report CPU time per operation beside
// the wall-clock time, which other processes inflate.
package cputime

import "testing"

// Report runs the benchmark loop body fn with b.Loop and reports the
// process CPU time per operation as the "cpu-ns/op" metric (user plus
// system time of all threads, garbage collection included), where the
// platform can tell.
func Report(b *testing.B, fn func()) {
	b.Helper()
	start, ok := now()
	for b.Loop() {
		fn()
	}
	if end, ok2 := now(); ok && ok2 && b.N > 0 {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
	}
}
