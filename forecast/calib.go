package forecast

import (
	"math/big"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// brierSum accumulates Σ (p - y)² = Σ n p² - 2 p W + W exactly.
type brierSum struct {
	sum decimal.Decimal
	n   int64
}

func (s *brierSum) add(p decimal.Decimal, n, won int64) {
	N, W := decimal.NewFromInt(n), decimal.NewFromInt(won)
	s.sum = s.sum.Add(N.Mul(p).Mul(p)).Sub(decimal.NewFromInt(2).Mul(p).Mul(W)).Add(W)
	s.n += n
}

func (s *brierSum) score() (float64, bool) {
	if s.n == 0 {
		return 0, false
	}
	v, _ := new(big.Rat).Quo(s.sum.Rat(), big.NewRat(s.n, 1)).Float64()
	return v, true
}

// A calibration scores predicted probabilities against outcomes: the
// Brier score over everything added, exactly, and the counts of nb
// equal-width buckets over [0, 1]. The Backtest and the Scoring
// evaluation score with it, so that both report alike.
type calibration struct {
	all     brierSum
	buckets []calBucket
}

type calBucket struct {
	sumP   decimal.Decimal
	n, won int64
}

func newCalibration(nb int) *calibration { return &calibration{buckets: make([]calBucket, nb)} }

// add scores n deals predicted at p, won of which were won.
func (c *calibration) add(p decimal.Decimal, n, won int64) {
	c.all.add(p, n, won)
	nb := len(c.buckets)
	i := min(int(p.Mul(decimal.NewFromInt(int64(nb))).IntPart()), nb-1)
	bk := &c.buckets[i]
	bk.sumP = bk.sumP.Add(p.Mul(decimal.NewFromInt(n)))
	bk.n += n
	bk.won += won
}

// rows returns the calibration buckets with their Wilson intervals at the
// level.
func (c *calibration) rows(level float64) []Bucket {
	nb := len(c.buckets)
	out := make([]Bucket, 0, nb)
	for i, bk := range c.buckets {
		row := Bucket{Lo: float64(i) / float64(nb), Hi: float64(i+1) / float64(nb), Observed: rate(funnel.Ratio{Num: bk.won, Den: bk.n}, level)}
		if bk.n > 0 {
			row.MeanPredicted, _ = bk.sumP.DivRound(decimal.NewFromInt(bk.n), 16).Float64()
		}
		out = append(out, row)
	}
	return out
}
