package forecast_test

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/funnelmetrics/funnel/internal/cputime"
)

// BenchmarkRange measures the report of a forecast range of n open deals
// with amounts in cents, on the default grid and on a finer one.
func BenchmarkRange(b *testing.B) {
	for _, n := range []int{100, 2000, 100_000} {
		for _, cells := range []int{1 << 16, forecast.DefaultCells, 1 << 20} {
			b.Run(strconv.Itoa(n)+"/cells="+strconv.Itoa(cells), func(b *testing.B) {
				rng := rand.New(rand.NewPCG(1, 2))
				deals, _, _ := randomOpenDeals(rng, n, 2_000_000)
				s := rangeScan(b)
				r, err := forecast.NewRange(s, forecast.RangeOptions{Cells: cells})
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Run(values(deals), r); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				cputime.Report(b, func() {
					if _, err := r.Report(); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
	_ = funnel.Open
}
