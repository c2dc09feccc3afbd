package format

import (
	"math"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func TestFormat(t *testing.T) {
	cases := []struct{ got, want string }{
		{Count(0), "0"}, {Count(999), "999"}, {Count(1000), "1,000"}, {Count(-1234567), "-1,234,567"},
		{Count(math.MaxInt64), "9,223,372,036,854,775,807"}, {Count(math.MinInt64), "-9,223,372,036,854,775,808"},
		{Percent(0.9431818), "94.3%"}, {Percent(math.NaN()), NA}, {Percent(math.Inf(1)), NA},
		{Ratio(funnel.Ratio{Num: 8300, Den: 8800}), "94.3%"}, {Ratio(funnel.Ratio{}), NA},
		{Interval(funnel.Interval{Lo: 0.938, Hi: 0.948, Defined: true}), "93.8-94.8%"}, {Interval(funnel.Interval{}), NA},
		{Money(decimal.RequireFromString("10005534")), "10,005,534"}, {Money(decimal.RequireFromString("38.5")), "38.50"},
		{Money(decimal.RequireFromString("1234.5")), "1,235"}, {Money(decimal.New(1, 40)), "10000000000000000000000000000000000000000"},
		{Short(12000), "12k"}, {Short(1234567), "1.23M"}, {Short(980), "980"}, {Short(5500), "5,500"}, {Short(2.5e9), "2.5B"},
		{Short(0.25), "0.25"}, {Short(2444.58), "2,445"}, {Short(64.23), "64.23"}, {Short(math.NaN()), NA},
		{Days(36 * time.Hour), "1.5"}, {Days(72 * time.Minute), "0.1"}, {Days(-72 * time.Minute), "-0.1"}, {Days(216 * time.Minute), "0.2"},
		{Days(-1), "0.0"}, {Days(math.MaxInt64), "106752.0"}, {Level(0.95), "95%"}, {Level(0.995), "99.5%"}, {Level(0.9), "90%"},
		{Float(0.1), "0.1"}, {Float(math.NaN()), ""},
		{RatioValue(funnel.Ratio{Num: 1, Den: 3}), "0.3333333333333333"}, {RatioValue(funnel.Ratio{}), ""},
		{Seconds(1500 * time.Millisecond), "1.5"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("case %d: %q, want %q", i, c.got, c.want)
		}
	}
}
