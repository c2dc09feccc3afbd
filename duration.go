package funnel

import (
	"encoding/json"
	"fmt"
	"github.com/funnelmetrics/funnel/internal/sketch"
	"math"
	"math/big"
	"time"
)

// DurationStats accumulates durations in whole seconds: count, total, mean,
// median and percentiles, exactly. The total is kept in seconds, never as a
// [time.Duration] (a sum of 90-day cycles overflows a Duration after about
// 1,190 deals); durations are returned as time.Duration values, saturated at
// the Duration range (about 292 years). Every duration is kept (4 bytes
// each up to 68 years, 8 beyond), so percentiles and merging are exact.
//
// The zero DurationStats is empty and ready to use. A DurationStats is not
// safe for concurrent mutation: give each goroutine its own and Merge them.
type DurationStats struct {
	// what every duration added reads comes first, together: the
	// checks of the short path, the count and sum, then the samples'
	// count, bounds and last chunk
	n      int64    // durations added (equal to samples.n unless sketched)
	sum    int64    // seconds, while it fits
	bigSum *big.Int // seconds, once sum overflowed
	// skErr, when positive, keeps a quantile sketch of that relative
	// error instead of the durations (sk, made on the first one)
	skErr   float64
	samples sampleSet
	sk      *sketch.Sketch
}

// Add adds one duration, truncated to whole seconds.
func (s *DurationStats) Add(d time.Duration) { s.AddSeconds(int64(d / time.Second)) }

// AddSeconds adds one duration given in seconds.
func (s *DurationStats) AddSeconds(sec int64) {
	if s.skErr == 0 && s.bigSum == nil {
		if t, ok := add64(s.sum, sec); ok {
			s.sum = t
			s.n++
			s.samples.add(sec)
			return
		}
	}
	s.n++
	s.addSum(sec)
	if s.skErr > 0 {
		s.sketch().Add(float64(sec))
		return
	}
	s.samples.add(sec)
}

// sketch returns s's sketch, making it on first use.
func (s *DurationStats) sketch() *sketch.Sketch {
	if s.sk == nil {
		s.sk, _ = sketch.New(s.skErr, sketch.DefaultMaxBuckets) // skErr was checked by NewScan
	}
	return s.sk
}

func (s *DurationStats) addSum(sec int64) {
	if s.bigSum == nil {
		if t, ok := add64(s.sum, sec); ok {
			s.sum = t
			return
		}
		s.bigSum = big.NewInt(s.sum)
	}
	s.bigSum.Add(s.bigSum, big.NewInt(sec))
}

// Merge adds every duration of o to s. o is not modified. A nil o adds
// nothing, and merging into a nil s does nothing.
func (s *DurationStats) Merge(o *DurationStats) { s.merge(o, false) }

// merge is Merge; with take, o's samples are moved into s rather than
// copied, and o is left holding none (for a statistic about to be
// dropped).
func (s *DurationStats) merge(o *DurationStats, take bool) {
	if s == nil || o == nil {
		return
	}
	if o == s {
		c := s.clone()
		o = &c
	}
	if s.skErr > 0 || o.skErr > 0 {
		if s.skErr == 0 { // s turns into a sketch of o's accuracy
			s.skErr = o.skErr
			for v := range s.samples.values() {
				s.sketch().Add(float64(v))
			}
			s.samples = sampleSet{}
		}
		if o.skErr == 0 {
			for v := range o.samples.values() {
				s.sketch().Add(float64(v))
			}
		} else if o.sk != nil {
			_ = s.sketch().Merge(o.sk) // one accuracy per scan
		}
	} else if take {
		s.samples.take(&o.samples)
	} else {
		s.samples.addAll(&o.samples)
	}
	s.n += o.n
	if o.bigSum == nil {
		s.addSum(o.sum)
		return
	}
	if s.bigSum == nil {
		s.bigSum = big.NewInt(s.sum)
	}
	s.bigSum.Add(s.bigSum, o.bigSum)
}

// Count returns the number of durations added.
func (s *DurationStats) Count() int64 { return s.n }

// TotalSeconds returns the exact total in seconds.
func (s *DurationStats) TotalSeconds() *big.Int {
	if s.bigSum != nil {
		return new(big.Int).Set(s.bigSum)
	}
	return big.NewInt(s.sum)
}

// Mean returns the total divided by the count, rounded half away from zero
// to the nanosecond, and false when there are no durations.
func (s *DurationStats) Mean() (time.Duration, bool) {
	n := s.Count()
	if n == 0 {
		return 0, false
	}
	num := s.TotalSeconds()
	num.Mul(num, big.NewInt(int64(time.Second)))
	num.Mul(num, big.NewInt(2))
	den := big.NewInt(2 * n)
	neg := num.Sign() < 0
	num.Abs(num)
	num.Add(num, big.NewInt(n)) // (2x + n) / 2n rounds half up
	num.Quo(num, den)
	if neg {
		num.Neg(num)
	}
	return saturate(num), true
}

func saturate(ns *big.Int) time.Duration {
	switch {
	case ns.IsInt64():
		return time.Duration(ns.Int64())
	case ns.Sign() > 0:
		return math.MaxInt64
	default:
		return math.MinInt64
	}
}

// Percentiles returns the k-th percentiles (k in 0..100) of the durations,
// in the order asked, by linear interpolation between closest ranks (as
// [MoneyStats.Percentiles]: PERCENTILE.INC, numpy's default), exact to
// the nanosecond. It returns false when there are no durations, and panics
// if a k is outside 0..100.
func (s *DurationStats) Percentiles(ks ...int) ([]time.Duration, bool) {
	checkPercentiles(ks)
	if s.n == 0 {
		return nil, false
	}
	return s.percentiles(ks, new(selectScratch)), true
}

func (s *DurationStats) percentiles(ks []int, sc *selectScratch) []time.Duration {
	out := make([]time.Duration, len(ks))
	if s.sk != nil {
		for j, k := range ks {
			q, _ := s.sk.Quantile(float64(k) / 100)
			out[j] = time.Duration(math.Round(min(q*1e9, math.MaxInt64/2)))
		}
		return out
	}
	for j, p := range s.samples.percentiles(ks, sc) {
		// nanoseconds: lo*1e9 + (hi-lo)*frac*1e7, in big integers so that
		// no intermediate overflows
		v := new(big.Int).Mul(big.NewInt(p.lo), big.NewInt(int64(time.Second)))
		if p.frac > 0 {
			d := new(big.Int).Sub(big.NewInt(p.hi), big.NewInt(p.lo))
			d.Mul(d, big.NewInt(p.frac*int64(10*time.Millisecond)))
			v.Add(v, d)
		}
		out[j] = saturate(v)
	}
	return out
}

// DurationSummary is a snapshot of a [DurationStats]. When Count is 0 the
// statistics are undefined: they hold zero and marshal to JSON as null.
// Durations marshal to JSON as seconds.
type DurationSummary struct {
	Count  int64
	Mean   time.Duration
	Min    time.Duration
	P25    time.Duration
	Median time.Duration
	P75    time.Duration
	P90    time.Duration
	Max    time.Duration
	// RelativeError is zero when the percentiles are exact; otherwise they
	// come from a quantile sketch (Options.QuantileError) and each is
	// within this relative error of the exact value.
	RelativeError float64
}

// Summary returns the count, mean, minimum, quartiles, 90th percentile and
// maximum.
func (s *DurationStats) Summary() DurationSummary {
	return s.summary(new(selectScratch))
}

// summary computes the summary using sc as scratch memory.
func (s *DurationStats) summary(sc *selectScratch) DurationSummary {
	n := s.Count()
	if n == 0 {
		return DurationSummary{RelativeError: s.skErr}
	}
	p := s.percentiles([]int{0, 25, 50, 75, 90, 100}, sc)
	mean, _ := s.Mean()
	return DurationSummary{Count: n, Mean: mean, Min: p[0], P25: p[1], Median: p[2], P75: p[3], P90: p[4], Max: p[5], RelativeError: s.skErr}
}

// MarshalJSON encodes the summary with lower-case keys, durations in
// seconds (a number with up to 9 decimals), and null statistics when Count
// is 0.
func (s DurationSummary) MarshalJSON() ([]byte, error) {
	o := durationSummaryJSON{Count: s.Count, Method: quantileMethod(s.RelativeError), RelativeError: s.RelativeError}
	if s.Count > 0 {
		o.Mean, o.Min, o.P25, o.Median, o.P75, o.P90, o.Max = secs(s.Mean), secs(s.Min), secs(s.P25), secs(s.Median), secs(s.P75), secs(s.P90), secs(s.Max)
	}
	return json.Marshal(o)
}

// clone returns a deep copy of s.
func (s *DurationStats) clone() DurationStats {
	c := DurationStats{sum: s.sum, samples: s.samples.clone(), n: s.n, skErr: s.skErr}
	if s.sk != nil {
		c.sk = s.sk.Clone()
	}
	if s.bigSum != nil {
		c.bigSum = new(big.Int).Set(s.bigSum)
	}
	return c
}

type durationSummaryJSON struct {
	Count         int64        `json:"count"`
	Method        string       `json:"quantiles"`
	RelativeError float64      `json:"relative_error"`
	Mean          *json.Number `json:"mean_seconds"`
	Min           *json.Number `json:"min_seconds"`
	P25           *json.Number `json:"p25_seconds"`
	Median        *json.Number `json:"median_seconds"`
	P75           *json.Number `json:"p75_seconds"`
	P90           *json.Number `json:"p90_seconds"`
	Max           *json.Number `json:"max_seconds"`
}

// UnmarshalJSON decodes a summary written by [DurationSummary.MarshalJSON].
func (s *DurationSummary) UnmarshalJSON(b []byte) error {
	var o durationSummaryJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	out := DurationSummary{Count: o.Count, RelativeError: o.RelativeError}
	if o.Count > 0 {
		for _, f := range []struct {
			dst *time.Duration
			src *json.Number
		}{{&out.Mean, o.Mean}, {&out.Min, o.Min}, {&out.P25, o.P25}, {&out.Median, o.Median}, {&out.P75, o.P75}, {&out.P90, o.P90}, {&out.Max, o.Max}} {
			if f.src == nil {
				return fmt.Errorf("funnel: duration summary of %d values without a figure: %w", o.Count, ErrInvalidParam)
			}
			d, err := parseSecs(*f.src)
			if err != nil {
				return err
			}
			*f.dst = d
		}
	}
	*s = out
	return nil
}
