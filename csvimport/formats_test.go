package csvimport

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// Values below are worked by hand from the formats' rules.

func TestParseAmountFormat(t *testing.T) {
	us := AmountFormat{Grouping: true, Symbols: true}
	eu := AmountFormat{Decimal: ',', Grouping: true, Symbols: true}
	tests := []struct {
		in   string
		f    AmountFormat
		want string // "" for an error
		code string
		why  string // part of the error
	}{
		{"1234.50", AmountFormat{}, "1234.5", "", ""},
		{"$12,500.00", us, "12500", "", ""},
		{"$12,500.00", AmountFormat{Grouping: true}, "", "", "set AmountFormat.Symbols"},
		{"12,500.00", AmountFormat{}, "", "", "set AmountFormat.Decimal and Grouping"},
		{"USD 1,000", us, "1000", "USD", ""},
		{"1,000 USD", us, "1000", "USD", ""},
		{"EUR1.234,56", eu, "1234.56", "EUR", ""},
		{"12.500,00 €", eu, "12500", "", ""},
		{"74.750,00", AmountFormat{Decimal: ',', Grouping: true}, "74750", "", ""},
		{"1 234,5", eu, "1234.5", "", ""},
		{"1\u00a0234\u00a0567,89", eu, "1234567.89", "", ""},
		{"1\u202f234,89", eu, "1234.89", "", ""},
		{"1'234.50", us, "1234.5", "", ""},
		{"-$5.00", us, "-5", "", ""},
		{"$-5", us, "-5", "", ""},
		{"US$ 7", us, "7", "", ""},
		{"0,5", AmountFormat{Decimal: ','}, "0.5", "", ""},
		{",5", AmountFormat{Decimal: ','}, "0.5", "", ""},
		{"999", us, "999", "", ""},
		{"1,5", us, "", "", "a last group of 1 digits"},
		{"1,2345", us, "", "", "a last group of 4 digits"},
		{"12,34,567", us, "", "", "between thousands separators"},
		{"1234,567", us, "", "", "before the first thousands separator"},
		{",567", us, "", "", "before the first thousands separator"},
		{"1,234.5,6", us, "", "", "unexpected"},
		{"1,234 567", us, "", "", "two kinds of thousands separator"},
		{"1,23.5", us, "", "", "a group of 2 digits before the decimal separator"},
		{"1.000,5", AmountFormat{}, "", "", "thousands separators or a decimal comma"},
		{"1.000,5", AmountFormat{Grouping: true}, "", "", "a decimal separator other than"},
		{"USD 5 EUR", us, "", "", "two currency symbols"},
		{"$$5", us, "", "", "not an amount"},
		{"$", us, "", "", "no digits"},
		{"", us, "", "", "no digits"},
		{"1e5", us, "", "", "not an amount"},
		{"NaN", us, "", "", "not an amount"},
		{"12.5.0", AmountFormat{Decimal: '.'}, "", "", ""},
		{strings.Repeat("9", 31), us, "", "", "more than 30 digits"},
	}
	for _, tt := range tests {
		got, code, err := ParseAmountFormat(tt.in, tt.f, 0)
		if tt.want == "" {
			if err == nil || !errors.Is(err, ErrAmount) || !strings.Contains(err.Error(), tt.why) {
				t.Errorf("ParseAmountFormat(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.why)
			}
			continue
		}
		if err != nil || !got.Equal(decimal.RequireFromString(tt.want)) || code != tt.code {
			t.Errorf("ParseAmountFormat(%q) = %v %q %v; want %s %q", tt.in, got, code, err, tt.want, tt.code)
		}
	}
}

func TestParseFlag(t *testing.T) {
	for _, s := range []string{"1", "true", "TRUE", "True", "t", "yes", "Y", " x "} {
		if v, e, err := ParseFlag(s); !v || e || err != nil {
			t.Errorf("ParseFlag(%q) = %v %v %v", s, v, e, err)
		}
	}
	for _, s := range []string{"0", "false", "F", "no", "N"} {
		if v, e, err := ParseFlag(s); v || e || err != nil {
			t.Errorf("ParseFlag(%q) = %v %v %v", s, v, e, err)
		}
	}
	if v, e, err := ParseFlag("  "); v || !e || err != nil {
		t.Errorf("empty: %v %v %v", v, e, err)
	}
	for _, s := range []string{"2", "yess", "-1", "oui", "1.0"} {
		if _, _, err := ParseFlag(s); !errors.Is(err, ErrFlag) {
			t.Errorf("ParseFlag(%q): %v", s, err)
		}
	}
}

func TestValueRule(t *testing.T) {
	r := ValueRule{Missing: []string{"-None-", "n/a"}, Aliases: map[string]string{"Website": "web", "web site": "web"}}
	f := r
	f.Fold = true
	tests := []struct {
		in, exact, folded string
	}{
		{"-None-", "", ""},
		{"N/A", "N/A", ""},
		{"n/a", "", ""},
		{"Website", "web", "web"},
		{"WEBSITE", "WEBSITE", "web"},
		{" web site ", "web", "web"},
		{"Straße", "Straße", "strasse"},
		{"Partner", "Partner", "partner"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := r.Apply(tt.in); got != tt.exact {
			t.Errorf("exact Apply(%q) = %q, want %q", tt.in, got, tt.exact)
		}
		if got := f.Apply(tt.in); got != tt.folded {
			t.Errorf("folded Apply(%q) = %q, want %q", tt.in, got, tt.folded)
		}
	}
}

func TestMatcher(t *testing.T) {
	m := newMatcher([]string{"Won", "Gewonnen", "Ganó"})
	for _, s := range []string{"Won", "won", "WON", "gewonnen", "GANÓ", "ganó"} {
		if !m.has([]byte(s)) {
			t.Errorf("%q not found", s)
		}
	}
	for _, s := range []string{"Wo", "Wonn", "", "Lost", "gano"} {
		if m.has([]byte(s)) {
			t.Errorf("%q found", s)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	for code, want := range map[string]int{"USD": 2, "EUR": 2, "JPY": 0, "BHD": 3, "GBP": 2, "SEK": 2} {
		if got, err := minorUnits(code); err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", code, got, err, want)
		}
	}
	if _, err := minorUnits("XYZ1"); !errors.Is(err, ErrCurrency) {
		t.Errorf("bad code: %v", err)
	}
}

func TestTimeErrorNamesLayouts(t *testing.T) {
	p := newTimeParser(Options{Layouts: []string{"1/2/2006 3:04 PM", "1/2/2006"}})
	_, err := p.parse([]byte("2024-03-05 14:02"))
	if !errors.Is(err, ErrTime) || !strings.Contains(err.Error(), `"1/2/2006 3:04 PM", "1/2/2006"`) || !strings.Contains(err.Error(), "Options.Layouts") {
		t.Errorf("error %v", err)
	}
	// a date cached under its digits is not returned for other separators
	d := newTimeParser(Options{})
	if _, err := d.parse([]byte("2024-01-05")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.parse([]byte("2024/01/05")); err == nil {
		t.Error("2024/01/05 read as a date")
	}
}

func TestRatesTable(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, time.UTC) }
	dec := decimal.RequireFromString
	rates, err := NewRates([]Rate{
		{From: "EUR", To: "USD", Date: day(3, 1), Rate: dec("1.10")},
		{From: "EUR", To: "USD", Date: day(1, 1), Rate: dec("1.08")},
		{From: "GBP", To: "USD", Date: day(1, 1), Rate: dec("1.27")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from string
		at   time.Time
		want string // the rate, "" for none
	}{
		{"EUR", day(1, 1), "1.08"},
		{"EUR", day(2, 29), "1.08"},
		{"EUR", day(3, 1), "1.10"},
		{"EUR", day(12, 31), "1.10"},
		{"EUR", time.Date(2023, 12, 31, 23, 59, 0, 0, time.UTC), ""},
		{"GBP", day(6, 1), "1.27"},
		{"SEK", day(6, 1), ""},
	}
	for _, tt := range tests {
		r, ok := rates.Rate(tt.from, "USD", tt.at)
		if ok != (tt.want != "") || (ok && !r.Rate.Equal(dec(tt.want))) {
			t.Errorf("Rate(%s, %v) = %v %v, want %q", tt.from, tt.at, r, ok, tt.want)
		}
	}
	a, r, err := rates.Convert(dec("1000.50"), "EUR", "USD", day(3, 5))
	if err != nil || !a.Equal(dec("1100.55")) || !r.Date.Equal(day(3, 1)) {
		t.Errorf("Convert = %v %v %v", a, r, err)
	}
	if _, _, err := rates.Convert(dec("1"), "SEK", "USD", day(3, 5)); !errors.Is(err, ErrCurrency) || !strings.Contains(err.Error(), "SEK to USD") {
		t.Errorf("missing rate: %v", err)
	}
	for _, bad := range [][]Rate{
		{{From: "EUR", To: "EUR", Date: day(1, 1), Rate: dec("1")}},
		{{From: "eur", To: "USD", Date: day(1, 1), Rate: dec("1")}},
		{{From: "EUR", To: "USD", Rate: dec("1")}},
		{{From: "EUR", To: "USD", Date: day(1, 1), Rate: dec("0")}},
		{{From: "EUR", To: "USD", Date: day(1, 1), Rate: dec("-1")}},
		{{From: "EUR", To: "USD", Date: day(1, 1), Rate: dec("1")}, {From: "EUR", To: "USD", Date: day(1, 1), Rate: dec("2")}},
	} {
		if _, err := NewRates(bad); !errors.Is(err, ErrRate) {
			t.Errorf("NewRates(%v) = %v", bad, err)
		}
	}
}

func TestReadRates(t *testing.T) {
	in := "date,from,to,rate\n2024-01-01,EUR,USD,1.08\n2024-03-01,eur,usd,1.10\n2024-03-01,EUR,USD,1.2\n" +
		"2024-02-01,EUR,EUR,1\nx,GBP,USD,1.2\n2024-02-01,GBP,USD,-1\n2024-02-01,GBPX,USD,1\n"
	m := RatesMapping{Date: "date", From: "from", To: "to", Rate: "rate"}
	if _, _, err := ReadRates(strings.NewReader(in), "rates.csv", m, Options{}); !errors.Is(err, ErrRate) {
		t.Fatalf("strict: %v", err)
	}
	rates, rep, err := ReadRates(strings.NewReader(in), "rates.csv", m, Options{Mode: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows != 7 || rep.Kept != 2 || rep.Skipped != 5 {
		t.Errorf("report %+v", rep)
	}
	lines := []int{}
	for _, e := range rep.Examples {
		lines = append(lines, e.Line)
	}
	if diff := cmp.Diff([]int{4, 5, 6, 7, 8}, lines); diff != "" {
		t.Errorf("error lines (-want +got):\n%s", diff)
	}
	if r, ok := rates.Rate("EUR", "USD", time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)); !ok || !r.Rate.Equal(decimal.RequireFromString("1.10")) {
		t.Errorf("rate %v %v", r, ok)
	}
}
