package clv

import "testing"

// BenchmarkFitBGNBD100k fits the BG/NBD model to 100,000 customers
// simulated from the CDNOW estimates (weeks, a 12-week acquisition window
// and a 39-week calibration period).
func BenchmarkFitBGNBD100k(b *testing.B) {
	cs := simulateBGNBD(BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}, 100_000, 39, 12, 1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitBGNBD(cs); err != nil {
			b.Fatal(err)
		}
	}
}
