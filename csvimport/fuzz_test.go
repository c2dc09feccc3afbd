package csvimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/cputime"
	"github.com/funnelmetrics/funnel/internal/dealgen"
	"github.com/shopspring/decimal"
)

// FuzzReadDeals feeds arbitrary files to ReadDeals in both modes: it must
// never panic, every deal it returns must validate, every skipped row must
// carry a ParseError with a line, and rows = kept + skipped.
func FuzzReadDeals(f *testing.F) {
	f.Add("id,account,created,closed,amount,stage,source,rep,tier,demo_at\n1,A,2024-01-02,2024-02-01,1200.50,Closed Won,web,ana,gold,2024-01-10\n")
	f.Add("id,stage,amount\n1,Lead,1e999999999\n2,Lead,99999999999999999999999999999999\n")
	f.Add("id,stage,created,closed\n1,Closed Lost,2024-01-02,2023-01-01\n1,Lead,,\n")
	f.Add("id,stage\n\"1\n2\",Lead\n3,\"Le\"\"ad\"\n")
	f.Add("\ufeffid;stage\n1;Lead\n")
	f.Add("id,stage\r1,Lead\r2,Demo\r\n3,Lead\n")
	f.Add("\ufeff\"id\",\"stage\"\n1,\"Le\nad\"\n\"2,Lead\n3\",Lead\n4,\"Lead")
	f.Add("id,stage,amount\n1,Lead,1,000\n2,Lead\n3,Lead,5,\n")
	f.Add("i\x00d\x00,\x00s\x00t\x00a\x00g\x00e\x00\n\x001\x00,\x00L\x00e\x00a\x00d\x00")
	f.Add("")
	f.Add(generatedCSV(5))
	fn := testFunnel(f)
	f.Fuzz(func(t *testing.T, in string) {
		for _, mode := range []funnel.Mode{funnel.Strict, funnel.Lenient} {
			m := testMapping
			m.EmptyAmountIsZero = len(in)%2 == 0
			deals, rep, err := ReadDeals(strings.NewReader(in), "f.csv", fn, m, Options{Mode: mode})
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) && !errors.Is(err, ErrMapping) {
					t.Fatalf("error %v is not a ParseError", err)
				}
				continue
			}
			for _, d := range deals {
				if err := d.Validate(fn); err != nil {
					t.Fatalf("returned deal does not validate: %v", err)
				}
			}
			if rep.Rows != rep.Kept+rep.Skipped || rep.Kept != len(deals) {
				t.Fatalf("report %+v for %d deals", rep, len(deals))
			}
			for _, e := range rep.Examples {
				if e.Line < 2 || e.File != "f.csv" {
					t.Fatalf("row error without a position: %v", e)
				}
			}
		}
	})
}

// FuzzParseAmount checks that accepted amounts respect the digit bound and
// print back to a value that parses to the same amount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1200.50", "-0.5", ".25", "1e5", "1e999999999", "99999999999999999999", strings.Repeat("9", 30) + ".5", "+", "0x10",
		"." + strings.Repeat("0", 29) + "1", "-." + strings.Repeat("0", 17) + "1", "000" + strings.Repeat("9", 30)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAmount(s, 0)
		if err != nil {
			if !errors.Is(err, ErrAmount) {
				t.Fatalf("error %v does not wrap ErrAmount", err)
			}
			return
		}
		if d.NumDigits() > 30 {
			t.Fatalf("ParseAmount(%q) = %v has %d digits", s, d, d.NumDigits())
		}
		back, err := ParseAmount(d.String(), 0)
		if err != nil || !back.Equal(d) {
			t.Fatalf("ParseAmount(%q) = %v; reparsed %v, %v", s, d, back, err)
		}
	})
}

// FuzzAmountRoundTrip builds plain decimal numbers from their parts (sign,
// leading zeros, integer and fraction digits) and a digit bound, so that
// values at and past the bound are common: every amount ParseAmount accepts
// must print to a string it accepts under the same bound, with an equal
// value, and a value of more counted digits than the bound is rejected.
func FuzzAmountRoundTrip(f *testing.F) {
	f.Add(false, uint8(0), "", strings.Repeat("0", 29)+"1", uint8(30), true)
	f.Add(true, uint8(3), "12", "50", uint8(4), true)
	f.Add(false, uint8(1), strings.Repeat("9", 20), "", uint8(20), false)
	f.Add(false, uint8(0), "1", strings.Repeat("0", 30), uint8(0), true)
	f.Fuzz(func(t *testing.T, neg bool, lead uint8, intDigits, fracDigits string, maxDigits uint8, dot bool) {
		digitsOnly := func(s string) string {
			b := []byte(s)
			for i, c := range b {
				if c < '0' || c > '9' {
					b[i] = '0' + c%10
				}
			}
			return string(b)
		}
		intDigits, fracDigits = digitsOnly(intDigits), digitsOnly(fracDigits)
		s := strings.Repeat("0", int(lead)) + intDigits
		if dot || fracDigits != "" {
			s += "." + fracDigits
		}
		if neg {
			s = "-" + s
		}
		limit := int(maxDigits)
		if limit == 0 {
			limit = 30
		}
		counted := len(strings.TrimLeft(intDigits, "0")) + len(fracDigits)
		if lead == 0 && intDigits == "" && fracDigits == "" {
			counted = -1 // no digit at all
		}
		d, err := ParseAmount(s, int(maxDigits))
		if accepted := counted >= 0 && counted <= limit; accepted != (err == nil) {
			t.Fatalf("ParseAmount(%q, %d) error = %v; %d counted digits", s, maxDigits, err, counted)
		}
		if err != nil {
			if !errors.Is(err, ErrAmount) {
				t.Fatalf("error %v does not wrap ErrAmount", err)
			}
			return
		}
		want, werr := decimal.NewFromString(strings.Replace(s, "-.", "-0.", 1))
		if strings.HasPrefix(s, ".") || s == "-." {
			want, werr = decimal.NewFromString("0" + s)
		}
		if werr == nil && !want.Equal(d) {
			t.Fatalf("ParseAmount(%q) = %s, want %s", s, d, want)
		}
		printed := d.String()
		back, err := ParseAmount(printed, int(maxDigits))
		if err != nil || !back.Equal(d) {
			t.Fatalf("ParseAmount(%q, %d) = %s; reparsed %v, %v", s, maxDigits, printed, back, err)
		}
	})
}

// BenchmarkReadDeals measures parsing throughput on a generated deals file
// of about 100,000 rows.
func BenchmarkReadDeals(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("id,account,created,closed,amount,stage,source,rep,tier,demo_at\n")
	stages := []string{"Lead", "Demo", "Proposal", "Closed Won", "Closed Lost"}
	for i := range 100_000 {
		s := stages[i%len(stages)]
		closed := ""
		if strings.HasPrefix(s, "Closed") {
			closed = "2024-03-" + two(1+i%28)
		}
		buf.WriteString("D" + itoa(i) + ",Account " + itoa(i%5000) + ",2024-01-" + two(1+i%28) + "," + closed + "," +
			itoa(1000+i%90000) + "." + two(i%100) + "," + s + ",web,rep" + itoa(i%40) + ",gold,2024-02-" + two(1+i%28) + "\n")
	}
	data := buf.Bytes()
	fn := testFunnel(b)
	noCustom := testMapping
	noCustom.Custom = nil
	b.Run("stream", func(b *testing.B) { benchStream(b, data, fn, noCustom, 100_000) })
	for name, m := range map[string]DealMapping{"custom": testMapping, "plain": noCustom} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cputime.Report(b, func() {
				deals, _, err := ReadDeals(bytes.NewReader(data), "bench.csv", fn, m, Options{})
				if err != nil || len(deals) != 100_000 {
					b.Fatal(err, len(deals))
				}
			})
		})
	}
}

func two(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}

// BenchmarkCSVBaseline reads the same file with encoding/csv alone, the
// floor for BenchmarkReadDeals.
func BenchmarkCSVBaseline(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("id,account,created,closed,amount,stage,source,rep,tier,demo_at\n")
	for i := range 100_000 {
		buf.WriteString("D" + itoa(i) + ",Account " + itoa(i%5000) + ",2024-01-" + two(1+i%28) + ",," +
			itoa(1000+i%90000) + "." + two(i%100) + ",Lead,web,rep" + itoa(i%40) + ",gold,2024-02-" + two(1+i%28) + "\n")
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cputime.Report(b, func() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		for {
			if _, err := r.Read(); err != nil {
				break
			}
		}
	})
}

// BenchmarkReadDealsWide reads an export shaped like a CRM's opportunity
// report: 30 columns, 12 of them mapped, about 350 bytes a row.
func BenchmarkReadDealsWide(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("id,account,created,closed,amount,stage,source,rep,tier,demo_at")
	for c := range 20 {
		buf.WriteString(",extra" + itoa(c))
	}
	buf.WriteString("\n")
	stages := []string{"Lead", "Demo", "Proposal", "Closed Won", "Closed Lost"}
	for i := range 50_000 {
		s := stages[i%len(stages)]
		closed := ""
		if strings.HasPrefix(s, "Closed") {
			closed = "2024-03-" + two(1+i%28)
		}
		buf.WriteString("OPP-" + itoa(1000000+i) + ",\"Account " + itoa(i%5000) + ", Inc.\",2024-01-" + two(1+i%28) + "," + closed + "," +
			itoa(1000+i%90000) + "." + two(i%100) + "," + s + ",Web Referral,Representative " + itoa(i%40) + ",gold,2024-02-" + two(1+i%28))
		for c := range 20 {
			buf.WriteString(",value " + itoa(c*7+i%13))
		}
		buf.WriteString("\n")
	}
	benchStream(b, buf.Bytes(), testFunnel(b), testMapping, 50_000)
}

// benchStream measures streaming the deals of data through a DealReader.
func benchStream(b *testing.B, data []byte, fn *funnel.Funnel, m DealMapping, rows int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cputime.Report(b, func() {
		x, err := NewDealReader(bytes.NewReader(data), "bench.csv", fn, m, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for range x.All() {
			n++
		}
		if x.Err() != nil || n != rows {
			b.Fatal(x.Err(), n)
		}
	})
}

// generatedCSV renders n deals of the project's generator in the columns of
// testMapping, as a fuzz seed with realistic values.
func generatedCSV(n int) string {
	var b strings.Builder
	b.WriteString("id,account,created,closed,amount,stage,source,rep,tier,demo_at\n")
	for _, d := range dealgen.Generate(n, 42, dealgen.Options{}) {
		stage := map[funnel.Outcome]string{funnel.Won: "Closed Won", funnel.Lost: "Closed Lost"}[d.Outcome]
		if stage == "" {
			stage = "Lead"
		}
		closed := ""
		if !d.Closed.IsZero() {
			closed = d.Closed.Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s,%s,,%s\n", d.ID, d.Account, d.Created.Format(time.RFC3339), closed,
			d.Amount.StringFixed(2), stage, d.Attrs.Source, d.Attrs.Owner, d.Created.Add(time.Hour).Format(time.DateOnly))
	}
	return b.String()
}

// TestParseAmountExact checks ParseAmount's values, exponents included,
// against decimal.NewFromString on random plain decimals (signs, leading
// zeros, a point anywhere or none, 1 to 40 digits) under several digit
// bounds: a value is accepted exactly when its counted digits (all but
// the integer part's leading zeros) are within the bound, and then it is
// the decimal NewFromString reads, at the same exponent ("1.50" keeps its
// two places).
func TestParseAmountExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 12))
	for range 200_000 {
		var b strings.Builder
		switch r.IntN(4) {
		case 0:
			b.WriteByte('-')
		case 1:
			b.WriteByte('+')
		}
		n := 1 + r.IntN(40)
		point := -1
		if r.IntN(3) > 0 {
			point = r.IntN(n + 1)
		}
		zeros := r.IntN(4) // leading zeros
		for i := range n {
			if i == point {
				b.WriteByte('.')
			}
			if i < zeros {
				b.WriteByte('0')
			} else {
				b.WriteByte(byte('0' + r.IntN(10)))
			}
		}
		if point == n {
			b.WriteByte('.')
		}
		s := b.String()
		body := strings.TrimLeft(s, "+-")
		intPart, fracPart, _ := strings.Cut(body, ".")
		counted := len(strings.TrimLeft(intPart, "0")) + len(fracPart)
		maxDigits := []int{0, 5, 18, 19, 30}[r.IntN(5)]
		bound := maxDigits
		if bound <= 0 {
			bound = 30
		}
		got, err := ParseAmount(s, maxDigits)
		if (err == nil) != (counted <= bound) {
			t.Fatalf("ParseAmount(%q, %d) = %v, %v; %d counted digits", s, maxDigits, got, err, counted)
		}
		if err != nil {
			continue
		}
		want, werr := decimal.NewFromString(s)
		if werr != nil {
			t.Fatalf("NewFromString(%q): %v", s, werr)
		}
		if !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Fatalf("ParseAmount(%q, %d) = %s (exponent %d); NewFromString gives %s (exponent %d)", s, maxDigits, got, got.Exponent(), want, want.Exponent())
		}
	}
}
