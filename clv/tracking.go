package clv

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
)

// MaxTrackingCells bounds the work of a tracking table: its rows times the
// distinct first-purchase days of its customers (daily rows over three
// years of customers acquired on any of a thousand days are about a million
// cells). More is an error wrapping [funnel.ErrInvalidParam]: choose a
// longer period.
const MaxTrackingCells = 1 << 26

// TrackingOptions configure [Log.Tracking]. Calendar days and periods are
// those of the log's calendar (LogOptions.Calendar) in its zone.
type TrackingOptions struct {
	// CalibrationEnd and Unit are those of the summary the model was
	// fitted to ([RFMOptions]): the customers tracked are those whose
	// first purchase day is on or before CalibrationEnd, and the model's
	// times are in Unit. Both required.
	CalibrationEnd time.Time
	Unit           time.Duration
	// End is the last day tracked (inclusive, as a calendar day), on or
	// after CalibrationEnd, typically the end of the holdout period. Zero
	// means CalibrationEnd.
	End time.Time
	// Period is the length of the rows. The zero Period is [funnel.Month].
	Period funnel.Period
}

// A Tracking is the data of the calendar-time tracking plot of a BG/NBD
// fit (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
// Figure 1: predicted versus actual cumulative repeat transactions, week
// by week, across the calibration and holdout periods): per period of
// calendar time, the repeat purchases the tracked customers made and those
// the model expects of them. A customer whose first purchase day is d_0 is
// expected to have made, by the end of day D,
//
//	E[X(t)] = (a+b-1)/(a-1) · [1 - (α/(α+t))^r 2F1(r, b; a+b-1; t/(α+t))]
//
// repeat purchases (Fader, Hardie & Lee 2005, eq. 7;
// [BGNBD.ExpectedPurchasesNew]) with t = D - d_0 in the model's unit (ages
// between calendar days, as [Log.RFM] measures T, so that at the
// calibration end the expectation is that of the summary the model was
// fitted to). The cumulative expectation at the end of a period is the sum
// of E[X(t)] over the customers acquired by then, and a period's expected
// purchases are the increase of it. Actual repeat purchases are counted as
// the summary counts them: purchase days after the first (purchases on one
// day are one), each in the period holding the start of its day. The
// curves should stay together through the calibration period, where the
// model was fitted, and on through the holdout, where it predicts; a gap
// that opens in the holdout is a failed prediction.
type Tracking struct {
	// Input says what deals the log was built from (zero for a log of
	// transactions).
	Input funnel.Input `json:"input"`
	Log   LogSummary   `json:"log"`
	// Model is the BG/NBD the expectations are computed with.
	Model BGNBD `json:"model"`
	// CalibrationEnd, End, Unit and Period are the options used, End set
	// to CalibrationEnd when it was zero.
	CalibrationEnd time.Time     `json:"-"` // JSON calibration_end
	End            time.Time     `json:"-"` // JSON end
	Unit           time.Duration `json:"-"` // JSON unit_seconds
	Period         funnel.Period `json:"period"`
	// Calendar is the log's: how its months, quarters and years are
	// counted.
	Calendar funnel.Calendar `json:"calendar"`
	Location string          `json:"location"`
	// Customers counts the customers tracked, and Later those left out
	// because their first purchase is after CalibrationEnd.
	Customers int64 `json:"customers"`
	Later     int64 `json:"later"`
	// Rows has one row per period, from the one holding the first
	// purchase of a tracked customer to the one holding End, in time
	// order.
	Rows []TrackingRow `json:"rows"`
}

// A TrackingRow is one period of a [Tracking]: the repeat purchases made
// in it and expected in it, and both cumulated from the first row.
type TrackingRow struct {
	// Start is the first instant of the period, and LastDay the start of
	// its last day counted (the end's day in the last row).
	Start   time.Time `json:"start"`
	LastDay time.Time `json:"last_day"`
	// Holdout reports a period with days after the calibration end.
	Holdout bool `json:"holdout"`
	// Actual is the number of repeat purchase days in the period, and
	// Expected the number the model expects.
	Actual   int64   `json:"actual"`
	Expected float64 `json:"expected"`
	// CumActual and CumExpected are the totals through the period.
	CumActual   int64   `json:"cum_actual"`
	CumExpected float64 `json:"cum_expected"`
}

// Tracking returns the calendar-time tracking of the model m on the log's
// customers (see [Tracking]). It returns an error wrapping
// [funnel.ErrInvalidParam] for invalid parameters or options (a zero
// CalibrationEnd, a Unit that is not positive, an End before
// CalibrationEnd, an invalid Period) or a table of more than
// [MaxTrackingCells] cells, and the errors of
// [BGNBD.ExpectedPurchasesNew] (a = 1 among them).
func (l *Log) Tracking(m BGNBD, o TrackingOptions) (Tracking, error) {
	return l.tracking(m, o, funnel.Input{}, LogSummary{})
}

func (l *Log) tracking(m BGNBD, o TrackingOptions, in funnel.Input, sum LogSummary) (Tracking, error) {
	if err := m.check(); err != nil {
		return Tracking{}, err
	}
	switch {
	case o.CalibrationEnd.IsZero():
		return Tracking{}, fmt.Errorf("clv: tracking: zero CalibrationEnd: %w", funnel.ErrInvalidParam)
	case o.Unit <= 0:
		return Tracking{}, fmt.Errorf("clv: tracking: unit %v is not positive: %w", o.Unit, funnel.ErrInvalidParam)
	}
	if _, err := o.Period.MarshalText(); err != nil {
		return Tracking{}, fmt.Errorf("clv: tracking: %w", err)
	}
	if o.End.IsZero() {
		o.End = o.CalibrationEnd
	}
	loc := l.location()
	days := newCalendar(l.cal, funnel.Day, loc)
	calEnd := days.index(o.CalibrationEnd.Unix(), int32(o.CalibrationEnd.Nanosecond()))
	endDay := days.index(o.End.Unix(), int32(o.End.Nanosecond()))
	if endDay < calEnd {
		return Tracking{}, fmt.Errorf("clv: tracking: End before CalibrationEnd: %w", funnel.ErrInvalidParam)
	}
	out := Tracking{Input: in, Log: l.summary(sum), Model: m, CalibrationEnd: o.CalibrationEnd, End: o.End, Unit: o.Unit,
		Period: o.Period, Calendar: l.cal, Location: loc.String(), Rows: []TrackingRow{}}

	// Each tracked customer's first day, and the days of repeat
	// purchases through the end.
	order, start := l.byCustomer()
	firsts := map[int64]int64{} // first day -> customers
	var repeats []int64
	var ds []int64
	for c := range l.names {
		ds = ds[:0]
		for _, i := range order[start[c]:start[c+1]] {
			t := l.txns.at(int(i))
			ds = append(ds, days.index(t.sec, t.nsec))
		}
		slices.Sort(ds)
		d0 := ds[0]
		if d0 > calEnd {
			out.Later++
			continue
		}
		out.Customers++
		firsts[d0]++
		prev := d0
		for _, d := range ds[1:] {
			if d > endDay {
				break
			}
			if d != prev {
				repeats = append(repeats, d)
				prev = d
			}
		}
	}
	if out.Customers == 0 {
		return out, nil
	}
	firstDays := slices.Sorted(maps.Keys(firsts))
	cal := newCalendar(l.cal, o.Period, loc)
	periodOf := map[int64]int64{} // day -> period, each computed once
	dayPeriod := func(d int64) int64 {
		if k, ok := periodOf[d]; ok {
			return k
		}
		s := days.start(d)
		k := cal.index(s.sec, s.nsec)
		periodOf[d] = k
		return k
	}
	k0, kn := dayPeriod(firstDays[0]), dayPeriod(endDay)
	n := kn - k0 + 1
	if n > MaxCohortCells || n*int64(len(firstDays)) > MaxTrackingCells {
		return Tracking{}, fmt.Errorf("clv: tracking: %d periods of %d first days is more than %d cells: %w", n, len(firstDays), MaxTrackingCells, funnel.ErrInvalidParam)
	}
	actual := make([]int64, n)
	for _, d := range repeats {
		actual[dayPeriod(d)-k0]++
	}
	// E[X(t)] by age in days, each computed once.
	perDay := float64(24*time.Hour) / float64(o.Unit)
	memo := map[int64]float64{}
	expected := func(age int64) (float64, error) {
		if v, ok := memo[age]; ok {
			return v, nil
		}
		v, err := m.ExpectedPurchasesNew(float64(age) * perDay)
		if err != nil {
			return 0, err
		}
		memo[age] = v
		return v, nil
	}
	var cumA int64
	var cumE float64
	for k := k0; k <= kn; k++ {
		next := cal.start(k + 1)
		last := min(days.index(next.sec, next.nsec)-1, endDay)
		var e float64
		for _, d0 := range firstDays {
			if d0 > last {
				break
			}
			v, err := expected(last - d0)
			if err != nil {
				return Tracking{}, err
			}
			e += float64(firsts[d0]) * v
		}
		cumA += actual[k-k0]
		row := TrackingRow{Start: cal.startTime(k), LastDay: days.startTime(last), Holdout: last > calEnd,
			Actual: actual[k-k0], Expected: e - cumE, CumActual: cumA, CumExpected: e}
		cumE = e
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}
