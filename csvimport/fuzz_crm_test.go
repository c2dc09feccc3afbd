package csvimport

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// formatAmount writes d as f says, with grouping separator sep (0 for
// none) and a symbol prefix: the inverse of ParseAmountFormat, for its
// round trip.
func formatAmount(d decimal.Decimal, f AmountFormat, sep rune, symbol string) string {
	s := d.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if sep != 0 {
		var b strings.Builder
		for i, c := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteRune(sep)
			}
			b.WriteRune(c)
		}
		whole = b.String()
	}
	dec := "."
	if f.Decimal == ',' {
		dec = ","
	}
	out := whole
	if frac != "" {
		out += dec + frac
	}
	if neg {
		out = "-" + symbol + out
	} else {
		out = symbol + out
	}
	return out
}

// FuzzParseAmountFormat: no input panics or is accepted beyond the digit
// bound; the plain format is ParseAmount; and every amount, written with
// separators and a symbol as a format says, reads back to itself.
func FuzzParseAmountFormat(f *testing.F) {
	for _, s := range []string{"$12,500.00", "74.750,00", "EUR 1.234,56", "1 234,5", "1\u00a0234,5", "1'234.50", "-$5", "$-5",
		"12.500,00 €", "USD", "1,5", "12,34,567", "$$5", "1e5", "", "--1", "US$ 7", "¥1000", "1,000,000,000,000,000,000,000,000,000,000"} {
		for _, dec := range []byte{'.', ','} {
			f.Add(s, dec, true, true, int64(12345), int32(2))
		}
	}
	f.Add("1250", byte(0), false, false, int64(-987654321), int32(5))
	f.Fuzz(func(t *testing.T, s string, dec byte, grouping, symbols bool, unscaled int64, scale int32) {
		af := AmountFormat{Decimal: dec, Grouping: grouping, Symbols: symbols}
		if af.validate() != nil {
			return
		}
		d, code, err := ParseAmountFormat(s, af, 30)
		if err == nil {
			if d.NumDigits() > 31 {
				t.Fatalf("%q: %s has more digits than the bound", s, d)
			}
			if code != "" && (len(code) != 3 || !symbols) {
				t.Fatalf("%q: code %q", s, code)
			}
		} else if !errors.Is(err, ErrAmount) {
			t.Fatalf("%q: error %v", s, err)
		}
		if af.plain() {
			p, perr := ParseAmount(s, 30)
			if (perr == nil) != (err == nil) || (err == nil && !p.Equal(d)) {
				t.Fatalf("%q: plain format %v %v, ParseAmount %v %v", s, d, err, p, perr)
			}
		}
		// round trip of a value written in the format
		v := decimal.New(unscaled, -(scale % 8))
		seps := []rune{0}
		if grouping {
			seps = append(seps, ' ', '\u00a0', '\'')
			if af.Decimal == ',' {
				seps = append(seps, '.')
			} else {
				seps = append(seps, ',')
			}
		}
		symbol := ""
		if symbols {
			symbol = "$"
		}
		for _, sep := range seps {
			w := formatAmount(v, af, sep, symbol)
			back, _, err := ParseAmountFormat(w, af, 30)
			if err != nil || !back.Equal(v) {
				t.Fatalf("%s written %q reads %v, %v", v, w, back, err)
			}
		}
	})
}

// FuzzParseFlag: no panic; a value reads as its upper- and lower-case
// forms do.
func FuzzParseFlag(f *testing.F) {
	for _, s := range append(append([]string{"", " ", "2", "oui", "yess", "ja", "\x00"}, flagTrue...), flagFalse...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, empty, err := ParseFlag(s)
		if err != nil && !errors.Is(err, ErrFlag) {
			t.Fatalf("%q: %v", s, err)
		}
		if empty && (v || err != nil || strings.TrimSpace(s) != "") {
			t.Fatalf("%q: empty but %v %v", s, v, err)
		}
		if !utf8.ValidString(s) {
			return
		}
		for _, c := range []string{strings.ToUpper(s), strings.ToLower(s)} {
			cv, ce, cerr := ParseFlag(c)
			if isASCII(s) && (cv != v || ce != empty || (cerr == nil) != (err == nil)) {
				t.Fatalf("%q reads %v %v %v, %q reads %v %v %v", s, v, empty, err, c, cv, ce, cerr)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// FuzzValueRule: no panic; a missing-value token reads as empty; with
// Fold, the case of an ASCII value does not change what it reads as.
func FuzzValueRule(f *testing.F) {
	f.Add("-None-", "Website", "web", "WEBSITE")
	f.Add("n/a", "Straße", "street", "STRASSE")
	f.Add("", "", "", "")
	f.Add("x", "X", "y", "x")
	f.Fuzz(func(t *testing.T, missing, alias, to, v string) {
		for _, fold := range []bool{false, true} {
			r := ValueRule{Missing: []string{missing}, Aliases: map[string]string{alias: to}, Fold: fold}
			got := r.Apply(v)
			if strings.TrimSpace(v) == strings.TrimSpace(missing) && got != "" {
				t.Fatalf("missing %q read as %q", v, got)
			}
			if fold && isASCII(v) && isASCII(missing) && isASCII(alias) {
				if up, low := r.Apply(strings.ToUpper(v)), r.Apply(strings.ToLower(v)); up != got || low != got {
					t.Fatalf("fold: %q %q %q read as %q %q %q", v, strings.ToUpper(v), strings.ToLower(v), got, up, low)
				}
			}
		}
	})
}

// FuzzReadRates: no input panics; a table read finds, for each rate it
// holds, that rate on its date.
func FuzzReadRates(f *testing.F) {
	f.Add("date,from,to,rate\n2024-01-01,EUR,USD,1.08\n2024-03-01,EUR,USD,1.10\n")
	f.Add("date,from,to,rate\n2024-01-01,EUR,USD,1.08\n2024-01-01,EUR,USD,1.09\n")
	f.Add("date,from,to,rate\n2024-01-01,EUR,EUR,1\nx,GBP,USD,-1\n,,,\n")
	f.Add("date,from,to,rate\n2024-01-01,eur,usd,1e9\n2024-01-01,EUR,USD,0.0000000000000000000000000001\n")
	f.Add("")
	m := RatesMapping{Date: "date", From: "from", To: "to", Rate: "rate"}
	f.Fuzz(func(t *testing.T, in string) {
		for _, mode := range []funnel.Mode{funnel.Strict, funnel.Lenient} {
			rates, rep, err := ReadRates(strings.NewReader(in), "r.csv", m, Options{Mode: mode})
			if err != nil {
				continue
			}
			if rep.Rows != rep.Kept+rep.Skipped {
				t.Fatalf("report %+v", rep)
			}
			for k, list := range rates.pairs {
				for _, r := range list {
					got, ok := rates.Rate(k[0], k[1], r.Date)
					if !ok || !got.Rate.Equal(r.Rate) || r.Rate.Sign() <= 0 {
						t.Fatalf("rate %v: lookup %v %v", r, got, ok)
					}
				}
			}
		}
	})
}

// FuzzOpen reads arbitrary deals and history files with a mapping of every
// kind of column: no panic; errors are ParseErrors (or mapping errors);
// rows = kept + skipped + ignored, per pipeline too; every deal validates
// against its own pipeline's funnel.
func FuzzOpen(f *testing.F) {
	f.Add("id,pipe,stage,status,created,won_at,amount,cur,flag\n1,A,Demo,won,2024-01-01,2024-02-01,\"$1,200.50\",USD,1\n2,B,Lead,open,2024-01-02,,5,EUR,0\n3,C,Lead,open,,,,,\n",
		"id,at,field,value,stage,from\n1,2024-01-05,stage,,Demo,Lead\n1,2024-01-06,amount,\"1,300\",,\n2,2024-01-03,status,lost,,\n9,2024-01-01,stage,,Lead,\n")
	f.Add("id,pipe,stage,status,created,won_at,amount,cur,flag\n1,A,Pricing,maybe,2024-13-01,x,1e9,XX,2\n", "id,at,field,value,stage,from\n1,,,,,\n")
	f.Add("id,pipe,stage\n", "id\n")
	fn := testFunnel(f)
	p := Pipelines{"A": fn, "B": fn}
	f.Fuzz(func(t *testing.T, deals, hist string) {
		for _, ignore := range []bool{false, true} {
			m := Mapping{
				Deals: DealMapping{ID: "id", Pipeline: "pipe", Stage: "stage", Outcome: "status", Won: []string{"won"}, Lost: []string{"lost"}, Open: []string{"open"},
					Created: "created", WonAt: "won_at", CloseDate: "won_at", Amount: "amount", Currency: "cur", WonFlag: "flag", ClosedStage: "Proposal",
					AmountFormat: AmountFormat{Grouping: true, Symbols: true}, EmptyAmountIsZero: true, Defaults: map[string]string{"cur": "USD"}},
				History: HistoryMapping{DealID: "id", At: "at", Field: "field", Value: "value", Stage: "stage", FromStage: "from",
					Fields: map[string]HistoryField{"stage": HistoryStage, "status": HistoryStatus, "amount": HistoryAmount}, AmountFormat: AmountFormat{Grouping: true}},
				Options: Options{Mode: funnel.Lenient, IgnoreOtherPipelines: ignore, UndatedClose: ignore},
			}
			x, err := Open(m, p, File{Name: "d.csv", R: strings.NewReader(deals)}, File{Name: "h.csv", R: strings.NewReader(hist)})
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) && !errors.Is(err, ErrMapping) && !errors.Is(err, ErrMissingColumn) {
					t.Fatalf("Open: %v", err)
				}
				continue
			}
			n := 0
			for d := range x.All() {
				n++
				s, err := funnel.NewScan(p[d.Pipeline], funnel.Options{Currency: d.Currency, UndatedClose: ignore})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Add(d); err != nil {
					t.Fatalf("deal %+v does not validate: %v", d, err)
				}
			}
			if x.Err() != nil {
				var pe *ParseError
				if !errors.As(x.Err(), &pe) {
					t.Fatalf("All: %v", x.Err())
				}
				continue
			}
			rep := x.Report()
			ignored, per := 0, 0
			for _, c := range rep.Ignored {
				ignored += c.Count
			}
			for _, c := range rep.Pipelines {
				per += c.Count
			}
			if rep.Rows != rep.Kept+rep.Skipped+ignored || rep.Kept != n || per != n {
				t.Fatalf("report %+v for %d deals", rep, n)
			}
		}
	})
}
