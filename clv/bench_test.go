package clv

import (
	"testing"

	"github.com/shopspring/decimal"
)

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

func BenchmarkFitBGNBDCDNOW(b *testing.B) {
	cs := cdnowCustomers(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitBGNBD(cs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFitGammaGammaCDNOW(b *testing.B) {
	cs := cdnowCustomers(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FitGammaGamma(cs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpectedPurchases(b *testing.B) {
	c := Customer{Frequency: 2, Recency: 30.43, T: 38.86}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := paper.ExpectedPurchases(c, 39); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProbPurchases(b *testing.B) {
	c := Customer{Frequency: 2, Recency: 30.43, T: 38.86}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := paper.ProbPurchases(c, 3, 39); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiscountedCLV(b *testing.B) {
	c := Customer{Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.RequireFromString("22.35")}
	g := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	o := CLVOptions{Periods: 13, PeriodLength: 4, DiscountRate: 0.01, MarginRate: decimal.RequireFromString("0.3")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DiscountedCLV(paper, g, c, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPredictCDNOW predicts every CDNOW customer's purchases,
// P(alive) and 12-period discounted CLV with delta-method intervals.
func BenchmarkPredictCDNOW(b *testing.B) {
	cs := cdnowCustomers(b)
	bg, err := FitBGNBD(cs)
	if err != nil {
		b.Fatal(err)
	}
	gg, err := FitGammaGamma(cs)
	if err != nil {
		b.Fatal(err)
	}
	o := PredictOptions{Horizon: 39, CLV: cdnowCLVOptions}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Predict(bg, gg, cs, o); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(cs)), "ns/customer")
}
