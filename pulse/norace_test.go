//go:build !race

package pulse

// raceEnabled shortens the exhaustive searches under the race detector.
const raceEnabled = false
