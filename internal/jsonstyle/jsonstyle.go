// Package jsonstyle holds what the MarshalJSON and UnmarshalJSON methods of
// every package share in the library's one JSON style: times as RFC 3339,
// null when zero, and durations as seconds with nine decimals, read back
// over the whole range of a time.Duration.
package jsonstyle

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/shopspring/decimal"
)

// Time returns a pointer to t, or nil (null in JSON) for the zero time.
func Time(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// TimeOf returns the time t points to, or the zero time for nil.
func TimeOf(t *time.Time) (v time.Time) {
	if t != nil {
		v = *t
	}
	return v
}

// Seconds returns d in seconds with nine decimals, exactly: 1.5 s is
// "1.500000000", -1 ns is "-0.000000001".
func Seconds(d time.Duration) json.Number {
	return json.Number(decimal.New(int64(d), -9).StringFixed(9))
}

// SecondsPtr returns a pointer to Seconds(d).
func SecondsPtr(d time.Duration) *json.Number {
	n := Seconds(d)
	return &n
}

// ParseSeconds reads a decimal number of seconds with at most nine
// decimals (as Seconds writes it, or in any other decimal form such as
// "1.5" or "15e-1") back into a Duration, over the whole range of a
// Duration; "" is zero. Other input is an error naming the package pkg
// ("pkg: seconds "x": ...", or "pkg: seconds "x" out of range: ...", with
// input past 64 bytes cut short) that wraps invalid.
func ParseSeconds(n json.Number, pkg string, invalid error) (time.Duration, error) {
	if n == "" {
		return 0, nil
	}
	d, err := decimal.NewFromString(string(n))
	if err != nil {
		return 0, fmt.Errorf("%s: seconds %q: %w", pkg, short(string(n)), invalid)
	}
	ns := d.Shift(9)
	if !ns.IsInteger() || ns.GreaterThan(decimal.NewFromInt(math.MaxInt64)) || ns.LessThan(decimal.NewFromInt(math.MinInt64)) {
		return 0, fmt.Errorf("%s: seconds %q out of range: %w", pkg, short(string(n)), invalid)
	}
	return time.Duration(ns.IntPart()), nil
}

// ParseSecondsPtr is ParseSeconds of *n, with nil zero.
func ParseSecondsPtr(n *json.Number, pkg string, invalid error) (time.Duration, error) {
	if n == nil {
		return 0, nil
	}
	return ParseSeconds(*n, pkg, invalid)
}

// short cuts s to its first 64 bytes, marked with "...", so that an error
// does not repeat a long input.
func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
