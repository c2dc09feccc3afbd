package trend

import (
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/chunk"
	"github.com/funnelmetrics/funnel/internal/radix"
	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// RowTests are the tests of a period's deal size and won sales cycle
// against a base period, each made alone (PAdjusted = PValue):
// [Report.Metric] adjusts them over the metric's changes. They are
// undefined for a scan that keeps quantile sketches (the samples are not
// kept) and where a period has too few deals.
type RowTests struct {
	// Previous compares the period (A) with the one before (B), YearAgo
	// with the same period a year before (see [Point]).
	Previous BaseTests `json:"previous"`
	YearAgo  BaseTests `json:"year_ago"`
}

// BaseTests compare a period with one base period.
type BaseTests struct {
	// DealSize compares the won amounts ([AmountComparison]).
	DealSize AmountComparison `json:"deal_size"`
	// CycleWon compares the time from creation to a win, lost deals
	// censored at their close and open ones at the as-of time, as
	// [TimeToWin] measures it: the log-rank test ([DurationComparison];
	// higher means A's deals take longer to win).
	CycleWon DurationComparison `json:"cycle_won"`
}

// periodSamples are what a series keeps of a period's deals for the tests
// of deal size and won cycle.
type periodSamples struct {
	won   chunk.Store[float64] // won amounts
	toWin chunk.Store[int64]   // time to win: seconds << 1 | 1 when censored
}

func (p *periodSamples) observe(d *funnel.Deal, asOf time.Time) {
	if d.Outcome == funnel.Won {
		p.won.Add(d.Amount.InexactFloat64())
	}
	var v int64
	switch {
	case d.Created.IsZero(), d.Outcome == funnel.Open && asOf.IsZero(), d.Outcome != funnel.Open && d.Closed.IsZero():
		return
	case d.Outcome == funnel.Open:
		v = secondsBetween(d.Created, asOf)<<1 | 1
	case d.Outcome == funnel.Won:
		v = secondsBetween(d.Created, d.Closed) << 1
	default:
		v = secondsBetween(d.Created, d.Closed)<<1 | 1
	}
	p.toWin.Add(v)
}

func (p *periodSamples) merge(o *periodSamples) {
	p.won.Merge(&o.won)
	p.toWin.Merge(&o.toWin)
}

// sorted returns the won amounts and the ties of the time to win, sorted.
func (p *periodSamples) sorted() ([]float64, []stat.Tie) {
	if p == nil {
		return nil, nil
	}
	won := radix.SortedFloats(p.won.Chunks()...)
	obs := radix.Sorted(p.toWin.Chunks()...)
	return won, tiesOf(obs, 1)
}

func (p *periodSamples) encode(w *wire.Writer) {
	won := radix.SortedFloats(p.won.Chunks()...)
	w.Int(len(won))
	for _, v := range won {
		w.Float(v)
	}
	w.SortedInts(radix.Sorted(p.toWin.Chunks()...))
}

// decode reads samples written by encode and checks them against the
// period's report.
func (p *periodSamples) decode(r *wire.Reader, rep *funnel.Report) {
	n := r.Count(8)
	if r.Err() == nil && int64(n) != rep.Won {
		r.Fail("%d won amounts of %d won deals", n, rep.Won)
		return
	}
	won := make([]float64, 0, n)
	for range n {
		v := r.Float()
		if r.Err() == nil && (!(v >= 0) || (len(won) > 0 && v < won[len(won)-1])) {
			r.Fail("bad won amount")
			return
		}
		won = append(won, v)
	}
	toWin := r.SortedInts()
	if r.Err() != nil {
		return
	}
	p.won, p.toWin = chunk.Of(won), chunk.Of(toWin)
	var events int64
	for _, o := range toWin {
		if o < 0 {
			r.Fail("negative duration")
			return
		}
		if o&1 == 0 {
			events++
		}
	}
	if int64(len(toWin)) > rep.Deals || events > rep.Won {
		r.Fail("times to win do not add up")
	}
}

// rowTests compares the samples of a period (A) with those of a base (B).
func rowTests(aWon []float64, aWin []stat.Tie, bWon []float64, bWin []stat.Tie, level float64, minSample int64) BaseTests {
	return BaseTests{DealSize: compareAmounts(aWon, bWon, level, minSample), CycleWon: compareTies(aWin, bWin, level, minSample)}
}
