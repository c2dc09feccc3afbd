package jsonstyle

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var errInvalid = errors.New("invalid")

func TestTime(t *testing.T) {
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	if Time(time.Time{}) != nil {
		t.Error("Time(zero) is not nil")
	}
	if p := Time(at); p == nil || !p.Equal(at) {
		t.Errorf("Time(%v) = %v", at, p)
	}
	if got := TimeOf(nil); !got.IsZero() {
		t.Errorf("TimeOf(nil) = %v", got)
	}
	if got := TimeOf(&at); !got.Equal(at) {
		t.Errorf("TimeOf(&at) = %v", got)
	}
}

// TestSeconds checks durations written by hand as seconds with nine
// decimals, and against math/big's exact decimal form of d / 1e9 for
// random durations.
func TestSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want json.Number
	}{
		{0, "0.000000000"},
		{1, "0.000000001"},
		{-1, "-0.000000001"},
		{1500 * time.Millisecond, "1.500000000"},
		{-90 * time.Minute, "-5400.000000000"},
		{36 * time.Hour, "129600.000000000"},
		{math.MaxInt64, "9223372036.854775807"},
		{math.MinInt64, "-9223372036.854775808"},
	}
	for _, tt := range tests {
		if got := Seconds(tt.d); got != tt.want {
			t.Errorf("Seconds(%d) = %q, want %q", int64(tt.d), got, tt.want)
		}
		if got := *SecondsPtr(tt.d); got != tt.want {
			t.Errorf("SecondsPtr(%d) = %q, want %q", int64(tt.d), got, tt.want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		d := time.Duration(r.Int64() >> r.IntN(63))
		if r.IntN(2) == 0 {
			d = -d
		}
		want := big.NewRat(int64(d), int64(time.Second)).FloatString(9)
		if got := Seconds(d); string(got) != want {
			t.Fatalf("Seconds(%d) = %q, want %q", int64(d), got, want)
		}
	}
}

// TestParseSeconds checks the reading of seconds by hand: the whole range
// of a Duration (its largest and smallest values included, which the
// saturated durations of the library take), other decimal forms, and the
// errors.
func TestParseSeconds(t *testing.T) {
	tests := []struct {
		n       json.Number
		want    time.Duration
		wantErr string
	}{
		{"", 0, ""},
		{"0", 0, ""},
		{"1.5", 1500 * time.Millisecond, ""},
		{"15e-1", 1500 * time.Millisecond, ""},
		{"-0.000000001", -1, ""},
		{"129600.000000000", 36 * time.Hour, ""},
		{"1.0000000000000000000000000000000000000", time.Second, ""},
		{"9223372036.854775807", math.MaxInt64, ""},
		{"-9223372036.854775808", math.MinInt64, ""},
		{"4611686018.427387905", 1<<62 + 1, ""},
		{"9223372036.854775808", 0, `x: seconds "9223372036.854775808" out of range: invalid`},
		{"-9223372036.854775809", 0, `x: seconds "-9223372036.854775809" out of range: invalid`},
		{"0.0000000005", 0, `x: seconds "0.0000000005" out of range: invalid`},
		{"1e40", 0, `x: seconds "1e40" out of range: invalid`},
		{"abc", 0, `x: seconds "abc": invalid`},
		{json.Number(strings.Repeat("9", 70)), 0, `x: seconds "` + strings.Repeat("9", 64) + `..." out of range: invalid`},
	}
	for _, tt := range tests {
		got, err := ParseSeconds(tt.n, "x", errInvalid)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
			if !errors.Is(err, errInvalid) {
				t.Errorf("ParseSeconds(%q): error %v does not wrap the invalid error", tt.n, err)
			}
		}
		if diff := cmp.Diff([]any{tt.want, tt.wantErr}, []any{got, gotErr}); diff != "" {
			t.Errorf("ParseSeconds(%q) (-want +got):\n%s", tt.n, diff)
		}
	}
	if d, err := ParseSecondsPtr(nil, "x", errInvalid); d != 0 || err != nil {
		t.Errorf("ParseSecondsPtr(nil) = %v, %v", d, err)
	}
	n := json.Number("2.5")
	if d, err := ParseSecondsPtr(&n, "x", errInvalid); d != 2500*time.Millisecond || err != nil {
		t.Errorf("ParseSecondsPtr(2.5) = %v, %v", d, err)
	}
}

// TestSecondsRoundTrip checks that every duration reads back from what
// Seconds writes, at the ends of the range and at random.
func TestSecondsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ds := []time.Duration{0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1}
	for range 1000 {
		ds = append(ds, time.Duration(r.Uint64()))
	}
	for _, d := range ds {
		got, err := ParseSeconds(Seconds(d), "x", errInvalid)
		if err != nil || got != d {
			t.Fatalf("ParseSeconds(Seconds(%d)) = %d, %v", int64(d), int64(got), err)
		}
	}
}
