// Package format turns the library's figures into the short texts that the
// charts, the tables and the command-line tool show: counts with thousands
// separators, percentages with one decimal, amounts of money and durations in
// days. Undefined figures print as "n/a". The machine-readable value of a
// figure (for CSV cells and HTML data attributes) is given by the Value
// functions, exact where the library's figure is exact.
package format

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// NA is the text of an undefined figure.
const NA = "n/a"

// Count returns n with a comma every three digits: 8800 is "8,800".
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Percent returns the fraction f as a percentage with one decimal
// ("94.3%"), or NA for NaN or an infinity.
func Percent(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return NA
	}
	return strconv.FormatFloat(100*f, 'f', 1, 64) + "%"
}

// Ratio returns the value of r as Percent does, or NA when r is undefined.
func Ratio(r funnel.Ratio) string {
	p, ok := r.Percent(1)
	if !ok {
		return NA
	}
	return p.StringFixed(1) + "%"
}

// Interval returns iv as "93.8-94.8%" for a proportion, or NA when it is
// not defined.
func Interval(iv funnel.Interval) string {
	if !iv.Defined {
		return NA
	}
	return strconv.FormatFloat(100*iv.Lo, 'f', 1, 64) + "-" + strconv.FormatFloat(100*iv.Hi, 'f', 1, 64) + "%"
}

// Rate returns r as "94.3% (93.8-94.8%)", or NA when it is undefined.
func Rate(r funnel.Rate) string {
	if !r.Defined() {
		return NA
	}
	s := Ratio(r.Ratio)
	if r.Interval.Defined {
		s += " (" + Interval(r.Interval) + ")"
	}
	return s
}

// Money returns d rounded to whole units with thousands separators
// ("10,005,534"); amounts below 100 keep two decimals ("38.50").
func Money(d decimal.Decimal) string {
	if d.Abs().LessThan(decimal.NewFromInt(100)) && !d.Equal(d.Truncate(0)) {
		return d.StringFixed(2)
	}
	r := d.Round(0)
	if r.Abs().LessThan(decimal.New(1, 18)) {
		return Count(r.IntPart())
	}
	return r.String()
}

// Short returns an amount or count in at most four significant figures
// with a k, M or B suffix ("1.23M", "456k", "980"), for chart labels.
func Short(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return NA
	}
	a := math.Abs(f)
	switch {
	case a >= 1e9:
		return trim(f/1e9) + "B"
	case a >= 1e6:
		return trim(f/1e6) + "M"
	case a >= 1e4:
		return trim(f/1e3) + "k"
	case a >= 100 || a == math.Trunc(a):
		return Count(int64(math.Round(f)))
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func trim(f float64) string {
	prec := 2
	if math.Abs(f) >= 100 {
		prec = 0
	} else if math.Abs(f) >= 10 {
		prec = 1
	}
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// Days returns d in days with one decimal ("57.0"), rounded half away
// from zero from the exact number of days: 72 minutes is "0.1".
func Days(d time.Duration) string {
	return decimal.NewFromInt(int64(d)).DivRound(decimal.NewFromInt(int64(24*time.Hour)), 1).StringFixed(1)
}

// Level returns a confidence level given as a fraction as a percentage
// with at most one decimal and no trailing zero: 0.95 is "95%", 0.995 is
// "99.5%".
func Level(c float64) string { return decimal.NewFromFloat(100*c).Round(1).String() + "%" }

// Float returns f in the shortest form that reads back to the same float64,
// or "" for NaN or an infinity: the machine value of a float figure.
func Float(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// RatioValue returns Num/Den as the library's JSON gives a ratio's value
// (the nearest float64, shortest form), or "" when r is undefined.
func RatioValue(r funnel.Ratio) string {
	v, ok := r.Float64()
	if !ok {
		return ""
	}
	return Float(v)
}

// Seconds returns d in whole and fractional seconds, as the library's JSON
// gives durations.
func Seconds(d time.Duration) string {
	return decimal.New(int64(d), -9).String()
}
