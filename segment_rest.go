package funnel

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/funnelmetrics/funnel/internal/stat"
	"github.com/shopspring/decimal"
)

// SegmentTests compare one segment (A) with the rest of the deals (B:
// every other segment of the segmentation, folded ones included) on what
// is not a rate, by the library's tests of amounts and durations, the
// ones package trend compares periods with, under the report's Test
// (confidence and minimum sample):
//
//   - DealSize compares the won amounts: Welch's t-test of the natural
//     logarithms of the positive amounts, read as the ratio of the
//     geometric means with its interval, beside the seeded permutation
//     test of the arithmetic means ([AmountComparison]);
//   - CycleWon compares the time from creation to a win with the
//     log-rank test of the Kaplan-Meier curves ([DurationComparison]; a
//     higher verdict means the segment's deals take longer to win). Every
//     deal whose creation time is known counts: a won deal is an event at
//     its sales cycle (Report.CycleWon), a lost deal is censored at its
//     cycle (Report.CycleLost) and an open deal at its age at AsOf
//     (Report.OpenAge; without AsOf open deals are left out); a closed
//     deal of unknown creation or close time is left out (CycleUndated).
//     Censoring the lost deals makes it the test of the cause-specific
//     hazard of winning, the pace at which deals still in play are won,
//     as trend compares periods (its RowTests) and trend.Survival with
//     Measure trend.TimeToWin draws the curves and quantiles. Comparing
//     the completed cycles of Report.CycleWon alone would ignore the
//     deals still open, and favour a segment that wins its quick deals
//     and keeps its slow ones open.
//
// The rows are tested at once, so each test's p-values are adjusted over
// the rows where it is Defined (Benjamini-Hochberg, as [SegmentReport.Rank]
// adjusts its comparisons): PAdjusted beside PValue, and the Verdict on
// PAdjusted. A verdict is withheld under the minimum sample: positive won
// amounts for DealSize, timed deals for CycleWon, on either side.
//
// The tests need every amount and duration: a scan that keeps quantile
// sketches (Options.QuantileError) gives the zero SegmentTests (nothing
// counted, not Defined, withheld).
type SegmentTests struct {
	DealSize AmountComparison   `json:"deal_size"`
	CycleWon DurationComparison `json:"cycle_won"`
}

// testRest sets every row's tests against the rest of the deals
// ([SegmentRow].Rest), from the rows' tallies, and adjusts
// each test's p-values over the rows (see [SegmentTests]). The rest's
// figures come from the total's less the row's (stat's pools and
// Moments.Without), so that a row costs about its own deals, not the
// total's. It reports whether the rows were tested: false when the scan
// sketches amounts or durations.
func (s *Segments) testRest(r *SegmentReport, rows []*Tally) bool {
	wons, wins := make([][]float64, len(rows)), make([][]stat.Tie, len(rows))
	for i, t := range rows {
		var ok bool
		if wons[i], wins[i], ok = t.winSamples(); !ok {
			return false
		}
	}
	// the rows hold every deal once: the total's samples are theirs merged
	allWon, allWin := mergeAll(wons, mergeSorted[float64]), mergeAll(wins, mergeTies)
	level, minSample := s.s.level, s.s.minSample
	allLogs, allZeros := logs(nil, allWon)
	allMoments := stat.MomentsOf(allLogs)
	amounts := stat.NewPermutationPool(allWon)
	durations := stat.NewLogRankPool(allWin)
	units := tieCount(allWin)
	var rowLogs, restLogs, scratch []float64
	var sizes, cycles stat.Family
	for i := range rows {
		won, win := wons[i], wins[i]
		c := &r.Rows[i].Rest
		var zeros int64
		rowLogs, zeros = logs(rowLogs, won)
		ma := stat.MomentsOf(rowLogs)
		mb, ok := allMoments.Without(ma)
		if !ok {
			restLogs = without(restLogs, allLogs, rowLogs)
			mb = stat.MomentsOf(restLogs)
		}
		p := amounts.Rest(won, PermutationResamples, PermutationSeed, PermutationMaxWork, &scratch)
		nA := int64(len(won))
		c.DealSize = amountComparison(nA, int64(len(allWon))-nA, zeros, allZeros-zeros, p, ma, mb, level, minSample)
		timed := tieCount(win)
		c.CycleWon = durationComparison(durations.Rest(win), timed, units-timed, level, minSample)
		if c.DealSize.Defined {
			sizes.Add(c.DealSize.PValue, func(q float64) { c.DealSize.adjust(q, level) })
		}
		if c.CycleWon.Defined {
			cycles.Add(c.CycleWon.PValue, func(q float64) { c.CycleWon.adjust(q, level) })
		}
	}
	sizes.Adjust()
	cycles.Adjust()
	return true
}

// writeRest writes the rows' tests against the rest (SegmentRow.Rest).
func (r *SegmentReport) writeRest(w io.Writer, level string) {
	if len(r.Rows) == 0 || !r.RestTested {
		return
	}
	fmt.Fprintf(w, "\nAgainst the rest (deal size: geometric mean of won amounts, Welch's test of the logs; time to win: log-rank,\n"+
		"lost and open deals censored; p-values adjusted over the rows by Benjamini-Hochberg):\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\twon\tsize ratio\t%s%% CI\tp adj\tverdict\ttimed\twins\texpected\tp adj\tverdict\t\n", strings.Join(r.Dims, " x "), level)
	for i := range r.Rows {
		label := r.Rows[i].Label()
		if r.Rows[i].Other {
			label = fmt.Sprintf("(other: %d)", r.Rows[i].Folded)
		}
		a, d := &r.Rows[i].Rest.DealSize, &r.Rows[i].Rest.CycleWon
		ratio, iv, pa := "n/a", "n/a", "n/a"
		if a.Defined {
			ratio = fmt.Sprintf("%.2fx", a.Ratio)
			iv = fmt.Sprintf("%.2f..%.2f", a.Interval.Lo, a.Interval.Hi)
			pa = fmt.Sprintf("%.4f", a.PAdjusted)
		}
		exp, pd := "n/a", "n/a"
		if d.Defined {
			exp = fmt.Sprintf("%.2f", d.ExpectedA)
			pd = fmt.Sprintf("%.4f", d.PAdjusted)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t\n", label, a.A, ratio, iv, pa, a.Verdict, d.A, d.EventsA, exp, pd, d.Verdict)
	}
	_ = tw.Flush()
}

// floats appends the kept amounts to dst as float64s, each the nearest
// to the amount (as decimal.Decimal.InexactFloat64 gives it).
func (m *MoneyStats) floats(dst []float64) []float64 {
	if m.big != nil {
		for _, v := range m.big.vals {
			dst = append(dst, v.InexactFloat64())
		}
		return dst
	}
	for v := range m.ints().values() {
		dst = append(dst, scaledFloat(v, m.exp))
	}
	return dst
}

// float64Pow10 holds the powers of ten a float64 holds exactly.
var float64Pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// scaledFloat returns the float64 nearest to c 10^exp: with c and the
// power of ten exact in a float64, one division or multiplication rounds
// once (Clinger 1990, "How to read floating point numbers accurately");
// other values go through the decimal.
func scaledFloat(c int64, exp int32) float64 {
	if c >= -1<<53 && c <= 1<<53 && exp >= -22 && exp <= 22 {
		if exp < 0 {
			return float64(c) / float64Pow10[-exp]
		}
		return float64(c) * float64Pow10[exp]
	}
	return decimal.New(c, exp).InexactFloat64()
}

// tiesOf returns the ties of durations whose events and censored units
// are given apart, events sorted and the censored in sorted lists.
func tiesOf(events []int64, censored ...[]int64) []stat.Tie {
	cens := mergeAll(censored, mergeSorted[int64])
	out := make([]stat.Tie, 0, len(events)+len(cens))
	i, j := 0, 0
	for i < len(events) || j < len(cens) {
		var at int64
		switch {
		case i == len(events):
			at = cens[j]
		case j == len(cens):
			at = events[i]
		default:
			at = min(events[i], cens[j])
		}
		x := stat.Tie{At: at}
		for ; i < len(events) && events[i] == at; i++ {
			x.Events++
		}
		for ; j < len(cens) && cens[j] == at; j++ {
			x.Censored++
		}
		out = append(out, x)
	}
	return out
}

// winSamples returns what the tests of a segment against the rest read of
// the tally's deals: the won amounts, sorted, and the ties of the time to
// win (a won deal's cycle an event, a lost deal's cycle and an open deal's
// age at AsOf censored); false when the scan sketches them.
func (t *Tally) winSamples() ([]float64, []stat.Tie, bool) {
	if t.wonAmount.skErr > 0 || t.cycleWon.skErr > 0 {
		return nil, nil, false
	}
	won := t.wonAmount.floats(make([]float64, 0, t.wonAmount.n))
	slices.Sort(won)
	return won, tiesOf(t.cycleWon.samples.sorted(), t.cycleLost.samples.sorted(), t.openAge.samples.sorted()), true
}

// without appends to dst[:0] the sorted values of all without those of
// part, a sub-multiset of all, both sorted, and returns it.
func without(dst, all, part []float64) []float64 {
	out := dst[:0]
	j := 0
	for _, v := range all {
		if j < len(part) && part[j] == v {
			j++
			continue
		}
		out = append(out, v)
	}
	return out
}

// mergeAll merges sorted lists with merge2 (which appends the merge of
// two lists to dst), pairwise in rounds between two buffers: time in the
// total length times the logarithm of the number of lists, memory twice
// the total length.
func mergeAll[T any](lists [][]T, merge2 func(dst, a, b []T) []T) []T {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	cur, next := make([]T, 0, n), make([]T, 0, n)
	ends := make([]int, 0, len(lists)) // the end of each run in cur
	for _, l := range lists {
		cur = append(cur, l...)
		ends = append(ends, len(cur))
	}
	for len(ends) > 1 {
		next = next[:0]
		merged := ends[:0:0]
		start := 0
		for k := 0; k < len(ends); k += 2 {
			if k+1 < len(ends) {
				next = merge2(next, cur[start:ends[k]], cur[ends[k]:ends[k+1]])
				start = ends[k+1]
			} else {
				next = append(next, cur[start:ends[k]]...)
			}
			merged = append(merged, len(next))
		}
		cur, next, ends = next, cur, merged
	}
	return cur
}

// mergeSorted appends the merge of two sorted lists to dst.
func mergeSorted[T cmp.Ordered](dst, a, b []T) []T {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			dst = append(dst, a[i])
			i++
		} else {
			dst = append(dst, b[j])
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}

// mergeTies appends to dst the merge of two samples given by their ties,
// one tie per duration.
func mergeTies(dst, a, b []stat.Tie) []stat.Tie {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch x, y := a[i], b[j]; {
		case x.At < y.At:
			dst = append(dst, x)
			i++
		case y.At < x.At:
			dst = append(dst, y)
			j++
		default:
			dst = append(dst, stat.Tie{At: x.At, Events: x.Events + y.Events, Censored: x.Censored + y.Censored})
			i++
			j++
		}
	}
	dst = append(dst, a[i:]...)
	return append(dst, b[j:]...)
}
