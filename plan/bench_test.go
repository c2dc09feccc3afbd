package plan_test

import (
	"slices"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/funnelmetrics/funnel/plan"
)

// BenchmarkReverse measures the planner over 100,000 generated deals, its
// report included.
func BenchmarkReverse(b *testing.B) {
	deals := dealgen.Generate(100_000, 1, dealgen.Options{})
	s, err := funnel.NewScan(dealgen.Funnel(), funnel.Options{AsOf: time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC), Currency: "USD", Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cputime.Report(b, func() {
		if _, err := plan.Reverse(s, slices.Values(deals), planOptionsFor()); err != nil {
			b.Fatal(err)
		}
	})
}
