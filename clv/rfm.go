package clv

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// RFMOptions configure [Log.RFM]. Calendar days are those of the log's
// zone.
type RFMOptions struct {
	// CalibrationEnd is the last day of the calibration period (inclusive,
	// as a calendar day). Required.
	CalibrationEnd time.Time
	// HoldoutEnd is the last day of the holdout period (inclusive). Zero
	// means no holdout: purchases after CalibrationEnd are ignored.
	HoldoutEnd time.Time
	// Unit is the time unit of Recency and T, such as 7*24*time.Hour for
	// weeks. A day counts as 24 hours. Required.
	Unit time.Duration
}

// An RFM is the recency-frequency-monetary summary of the customers of a
// log, the input of [FitBGNBD] and [FitGammaGamma] (Fader, Hardie & Lee
// 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
// J. Marketing Research 42(4)).
type RFM struct {
	// Input says what deals the log was built from (zero for a log of
	// transactions).
	Input funnel.Input `json:"input"`
	Log   LogSummary   `json:"log"`
	// CalibrationEnd, HoldoutEnd and Unit are the options used.
	CalibrationEnd time.Time     `json:"-"` // JSON calibration_end
	HoldoutEnd     time.Time     `json:"-"` // JSON holdout_end, null when zero
	Unit           time.Duration `json:"-"` // JSON unit_seconds
	// Later counts the customers left out because their first purchase is
	// after CalibrationEnd: they belong to no calibration cohort.
	Later int64 `json:"later"`
	// Customers has one summary per customer whose first purchase is on
	// or before CalibrationEnd, in ascending order of ID.
	Customers []Customer `json:"customers"`
}

// A Customer is the summary of one customer's purchases for the
// buy-till-you-die models (Fader, Hardie & Lee 2005): purchases on the same
// calendar day count as one purchase whose value is their sum, and times
// are in one unit, measured between calendar days. [Log.RFM] computes it
// from a transaction log; the models read Frequency, Recency, T, Monetary
// and Holdout, which a caller may also set directly.
type Customer struct {
	// ID is the customer's identifier ("" when the summary was not built
	// from a log).
	ID string `json:"id"`
	// First is the start of the day of the first purchase.
	First time.Time `json:"-"` // JSON first, null when zero
	// Frequency (x) is the number of repeat purchase days in the
	// calibration period: purchase days minus one.
	Frequency int `json:"frequency"`
	// Recency (t_x) is the time from the first to the last purchase day of
	// the calibration period; zero when Frequency is zero.
	Recency float64 `json:"recency"`
	// T is the time from the first purchase day to the end of
	// calibration.
	T float64 `json:"t"`
	// Monetary (zbar) is the mean value of the repeat purchase days,
	// RepeatValue / Frequency rounded half away from zero to 10 places;
	// zero when Frequency is zero. The Gamma-Gamma model reads it for
	// customers with Frequency > 0.
	Monetary decimal.Decimal `json:"monetary"`
	// FirstValue is the value of the first purchase day, and RepeatValue
	// the total value of the repeat purchase days of the calibration
	// period.
	FirstValue  decimal.Decimal `json:"first_value"`
	RepeatValue decimal.Decimal `json:"repeat_value"`
	// Holdout is the number of purchase days in the holdout period that
	// follows calibration, and HoldoutValue their total value;
	// [BGNBD.CheckHoldout] reads Holdout.
	Holdout      int             `json:"holdout"`
	HoldoutValue decimal.Decimal `json:"holdout_value"`
}

// moneyScale is the number of decimal places kept by the divisions of
// exact amounts (the mean repeat value, cohort values per customer).
// Divisions round half away from zero ([decimal.Decimal.DivRound]).
const moneyScale = 10

// RFM returns the recency-frequency-monetary summary of every customer
// whose first purchase day is on or before the calibration end, in
// ascending order of ID. For a customer with purchase days d_0 < d_1 <
// ... (calendar days in the log's zone, same-day purchases merged):
//
//	x   = number of days d_i, i > 0, with d_i <= CalibrationEnd
//	t_x = (last such day - d_0) in Unit, 0 when x = 0
//	T   = (CalibrationEnd - d_0) in Unit
//
// as Fader, Hardie & Lee (2005) define them (the published CDNOW summary
// follows from the raw log this way). It returns an error wrapping
// [funnel.ErrInvalidParam] if CalibrationEnd is zero, Unit is not
// positive, or HoldoutEnd is before CalibrationEnd.
func (l *Log) RFM(o RFMOptions) (RFM, error) {
	return l.rfm(o, funnel.Input{}, LogSummary{})
}

func (l *Log) rfm(o RFMOptions, in funnel.Input, sum LogSummary) (RFM, error) {
	if o.CalibrationEnd.IsZero() {
		return RFM{}, fmt.Errorf("clv: rfm: zero CalibrationEnd: %w", funnel.ErrInvalidParam)
	}
	if o.Unit <= 0 {
		return RFM{}, fmt.Errorf("clv: rfm: unit %v is not positive: %w", o.Unit, funnel.ErrInvalidParam)
	}
	loc := l.location()
	days := newCalendar(l.cal, funnel.Day, loc)
	calEnd := days.index(o.CalibrationEnd.Unix(), int32(o.CalibrationEnd.Nanosecond()))
	holdEnd := calEnd
	if !o.HoldoutEnd.IsZero() {
		holdEnd = days.index(o.HoldoutEnd.Unix(), int32(o.HoldoutEnd.Nanosecond()))
		if holdEnd < calEnd {
			return RFM{}, fmt.Errorf("clv: rfm: HoldoutEnd before CalibrationEnd: %w", funnel.ErrInvalidParam)
		}
	}
	// Days to units with a single rounding: days x 24h is exact in a
	// float64 for any realistic span.
	units := func(d int64) float64 { return float64(d) * float64(24*time.Hour) / float64(o.Unit) }
	out := RFM{Input: in, Log: l.summary(sum), CalibrationEnd: o.CalibrationEnd, HoldoutEnd: o.HoldoutEnd, Unit: o.Unit,
		Customers: make([]Customer, 0, len(l.names))}
	order, start := l.byCustomer()
	sorted := l.sortedNames()
	type dayTxn struct {
		day int64
		t   txn
	}
	var scratch []dayTxn
	for _, c := range sorted {
		scratch = scratch[:0]
		for _, i := range order[start[c]:start[c+1]] {
			t := l.txns.at(int(i))
			scratch = append(scratch, dayTxn{days.index(t.sec, t.nsec), t})
		}
		slices.SortFunc(scratch, func(a, b dayTxn) int { return cmp.Compare(a.day, b.day) })
		first := scratch[0].day
		if first > calEnd {
			out.Later++
			continue
		}
		r := Customer{ID: l.names[c], First: days.startTime(first), T: units(calEnd - first)}
		var firstV, repeatV, holdV exactSum
		prev := first
		for k := range scratch {
			e := &scratch[k]
			if e.day > holdEnd {
				break
			}
			newDay := e.day != prev
			prev = e.day
			switch {
			case e.day == first:
				firstV.add(l, &e.t)
			case e.day <= calEnd:
				if newDay {
					r.Frequency++
					r.Recency = units(e.day - first)
				}
				repeatV.add(l, &e.t)
			default:
				if newDay {
					r.Holdout++
				}
				holdV.add(l, &e.t)
			}
		}
		r.FirstValue, r.RepeatValue, r.HoldoutValue = firstV.value(), repeatV.value(), holdV.value()
		if r.Frequency > 0 {
			r.Monetary = r.RepeatValue.DivRound(decimal.NewFromInt(int64(r.Frequency)), moneyScale)
		}
		out.Customers = append(out.Customers, r)
	}
	return out, nil
}
