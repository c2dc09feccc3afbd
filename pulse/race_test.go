//go:build race

package pulse

// raceEnabled shortens the exhaustive searches under the race detector,
// which slows them tenfold; without it they run in full.
const raceEnabled = true
