package clv

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// TestDiscountedCLVLinear is the regression test of the long horizon:
// DiscountedCLV over MaxCLVPeriods periods must do work linear in the
// periods (the hypergeometric series alone needs a number of terms that
// grows like 1/(1-z), so summing it at every period's horizon is
// quadratic: 10,000 periods took 0.7 s), give the value of an independent
// route, and refuse a longer horizon with a clear error.
func TestDiscountedCLVLinear(t *testing.T) {
	c := Customer{Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.RequireFromString("22.35")}
	g := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	o := CLVOptions{Periods: MaxCLVPeriods, PeriodLength: 4, DiscountRate: 0.001, MarginRate: decimal.NewFromInt(1)}
	_, work, err := discountedCLV(paper, g, c, o)
	if err != nil {
		t.Fatal(err)
	}
	// The series-only route, summed term by term at the same horizons.
	series := 0
	x := float64(c.Frequency)
	for i := 1; i <= o.Periods; i++ {
		tt := float64(i) * o.PeriodLength
		_, n, ok := hyp2f1Terms(paper.A+paper.B-1-paper.R, paper.A-1, paper.A+paper.B+x-1, tt/(paper.Alpha+c.T+tt), maxSeriesTerms)
		if !ok {
			t.Fatalf("series at t = %v did not converge", tt)
		}
		series += n
	}
	if perPeriod := float64(work) / float64(o.Periods); perPeriod > 300 {
		t.Errorf("%d periods: %.0f units of work per period, want a bounded number (the series alone takes %.0f)", o.Periods, perPeriod, float64(series)/float64(o.Periods))
	}
	t.Logf("work per period: %.1f (series route %.1f)", float64(work)/float64(o.Periods), float64(series)/float64(o.Periods))
	if series < 20*work {
		t.Errorf("series route %d terms, new route %d: the test no longer tells them apart", series, work)
	}

	// Values: mpmath at 30 digits (testdata/dclv_long.py).
	for _, tc := range []struct {
		h    float64
		want float64
	}{{4000, 17.928906805007570526}, {40000, 37.675405359716291271}} {
		e, err := paper.ExpectedPurchases(c, tc.h)
		if err != nil || math.Abs(e-tc.want) > 1e-9*tc.want {
			t.Errorf("ExpectedPurchases(t = %v) = %.15g, %v; mpmath %.15g", tc.h, e, err, tc.want)
		}
	}
	spend, _ := g.expectedSpend(c)
	got, err := DiscountedCLV(paper, g, c, CLVOptions{Periods: 2000, PeriodLength: 4, DiscountRate: 0.001, MarginRate: decimal.NewFromInt(1)})
	if f, _ := got.Float64(); err != nil || math.Abs(f-spend*15.057471255661971751) > 1e-5 {
		t.Errorf("DiscountedCLV over 2000 periods = %s, %v; mpmath %.6f", got, err, spend*15.057471255661971751)
	}

	o.Periods = MaxCLVPeriods + 1
	if _, err := DiscountedCLV(paper, g, c, o); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("%d periods: %v, want ErrInvalidParam", o.Periods, err)
	}
	o.Periods, o.PeriodLength = 10, math.MaxFloat64
	if _, err := DiscountedCLV(paper, g, c, o); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("horizon beyond float range: %v, want ErrInvalidParam", err)
	}
}

// BenchmarkDiscountedCLVPeriods shows the cost per period flat from 100
// to 10,000 periods.
func BenchmarkDiscountedCLVPeriods(b *testing.B) {
	c := Customer{Frequency: 2, Recency: 30.43, T: 38.86, Monetary: decimal.RequireFromString("22.35")}
	g := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	for _, n := range []int{100, 1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			o := CLVOptions{Periods: n, PeriodLength: 4, DiscountRate: 0.01, MarginRate: decimal.NewFromInt(1)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DiscountedCLV(paper, g, c, o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
