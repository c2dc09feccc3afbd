package csvimport

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/currency"
)

// An AmountFormat says how an export writes amounts, beyond the plain
// decimal numbers ("1234.50") that [ParseAmount] reads. The zero
// AmountFormat is plain notation.
//
// Salesforce report exports write "$12,500.00" (symbol and grouping, as
// readers of real report exports strip them: FORMATS.md [S11]); Zoho CRM
// follows the user's locale, "74.750,00" in much of Europe (FORMATS.md
// [Z9]); Close stores values in cents (FORMATS.md [C6]).
type AmountFormat struct {
	// Decimal is the decimal separator, '.' or ','; zero means '.'.
	Decimal byte
	// Grouping accepts thousands separators between groups of three
	// digits: the other one of '.' and ',', a space, a no-break space
	// (U+00A0), a narrow no-break space (U+202F) or an apostrophe, one
	// kind in one amount. A group of another length is an error, so that
	// a decimal comma read as a separator ("1,5") does not pass.
	Grouping bool
	// Symbols accepts a currency symbol ($ € £ ¥ ₹ ...) or an ISO 4217
	// code ("USD", "EUR") before or after the number, with or without a
	// space: "$12,500.00", "12.500,00 €", "EUR 1,000". A code gives the
	// deal's currency when its Currency column is empty (or not mapped),
	// and must agree with that column otherwise ([ErrCurrency]); a symbol
	// says nothing of the currency ("$" is the dollar of many countries).
	Symbols bool
	// MinorUnits reads the amount as a whole number of the currency's
	// minor units: 1250 USD is 12.50, 1250 JPY is 1250, 1250 BHD is 1.250
	// (ISO 4217 minor units, from golang.org/x/text/currency). The deal's
	// currency must then be known.
	MinorUnits bool
}

func (f AmountFormat) plain() bool {
	return (f.Decimal == 0 || f.Decimal == '.') && !f.Grouping && !f.Symbols && !f.MinorUnits
}

// Validate reports an AmountFormat that cannot be read: a decimal
// separator other than '.' and ','.
func (f AmountFormat) validate() error {
	if f.Decimal != 0 && f.Decimal != '.' && f.Decimal != ',' {
		return fmt.Errorf("%w: AmountFormat.Decimal %q is neither '.' nor ','", ErrMapping, f.Decimal)
	}
	return nil
}

// currencySymbols are the symbols AmountFormat.Symbols strips, longest
// first where one begins another.
var currencySymbols = []string{"US$", "CA$", "A$", "NZ$", "HK$", "R$", "CHF", "kr.", "kr", "zł", "Kč", "Ft", "lei",
	"$", "€", "£", "¥", "₹", "₩", "₽", "₺", "₪", "₱", "฿", "₫", "₦", "₴", "¢"}

// ParseAmountFormat parses an amount written as f says: an optional sign,
// digits with separators, an optional decimal part, and (with f.Symbols) a
// currency symbol or code. It returns the amount and the ISO 4217 code the
// text names ("" when none), with an error wrapping [ErrAmount] for
// anything else. The digits are bounded by maxDigits as in [ParseAmount];
// f.MinorUnits is not applied (see [AmountFormat.MinorUnits]).
func ParseAmountFormat(s string, f AmountFormat, maxDigits int) (decimal.Decimal, string, error) {
	var buf []byte
	return parseFormatted([]byte(s), f, maxDigits, &buf)
}

// parseFormatted is ParseAmountFormat for the bytes of a field, with a
// scratch buffer for the plain number it builds.
func parseFormatted(s []byte, f AmountFormat, maxDigits int, scratch *[]byte) (decimal.Decimal, string, error) {
	if f.plain() {
		d, err := parseAmount(s, maxDigits)
		return d, "", err
	}
	bad := func(why string) (decimal.Decimal, string, error) {
		v := clip(s)
		return decimal.Decimal{}, "", fmt.Errorf("%w %q: %s", ErrAmount, v, why)
	}
	body := s
	code := ""
	neg := false
	sign := func() {
		if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
			neg = body[0] == '-'
			body = trim(body[1:])
		}
	}
	sign()
	if f.Symbols {
		var c string
		var ok bool
		if body, c, ok = stripSymbol(body); !ok {
			return bad("two currency symbols or codes")
		}
		code = c
		if !neg {
			sign()
		}
	}
	dec := byte('.')
	if f.Decimal == ',' {
		dec = ','
	}
	out := (*scratch)[:0]
	if neg {
		out = append(out, '-')
	}
	// group is the separator seen (0 before the first), run the digits
	// since the last separator, first whether no separator came yet.
	var group rune
	run, first, seenDot, digits := 0, true, false, 0
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			out = append(out, c)
			run++
			digits++
			i++
			continue
		case c == dec && !seenDot:
			if group != 0 && run != 3 {
				return bad(fmt.Sprintf("a group of %d digits before the decimal separator", run))
			}
			seenDot = true
			out = append(out, '.')
			run = 0
			i++
			continue
		}
		r, n := utf8.DecodeRune(body[i:])
		if !f.Grouping || seenDot || !isGroupSeparator(r, dec) {
			switch {
			case (c == '.' || c == ',') && !f.Grouping:
				return bad(fmt.Sprintf("unexpected %q (thousands separators or a decimal comma? set AmountFormat.Decimal and Grouping)", r))
			case c == '.' || c == ',':
				return bad(fmt.Sprintf("unexpected %q (a decimal separator other than %q? set AmountFormat.Decimal)", r, dec))
			case f.Symbols:
				return bad("not an amount")
			}
			return bad("not a plain decimal number (a currency symbol? set AmountFormat.Symbols)")
		}
		switch {
		case group != 0 && r != group:
			return bad("two kinds of thousands separator")
		case first && (run == 0 || run > 3):
			return bad(fmt.Sprintf("a group of %d digits before the first thousands separator", run))
		case !first && run != 3:
			return bad(fmt.Sprintf("a group of %d digits between thousands separators", run))
		}
		group, first, run = r, false, 0
		i += n
	}
	if group != 0 && !seenDot && run != 3 {
		return bad(fmt.Sprintf("a last group of %d digits (a decimal separator other than %q?)", run, dec))
	}
	if digits == 0 {
		return bad("no digits")
	}
	*scratch = out
	d, err := parseAmount(out, maxDigits)
	if err != nil {
		return bad(err.Error())
	}
	return d, code, nil
}

// isGroupSeparator reports whether r separates groups of thousands when
// dec is the decimal separator.
func isGroupSeparator(r rune, dec byte) bool {
	switch r {
	case ' ', '\u00a0', '\u202f', '\'', '\u2019':
		return true
	case '.':
		return dec == ','
	case ',':
		return dec == '.'
	}
	return false
}

// stripSymbol removes one currency symbol or ISO 4217 code from the start
// or the end of b, and the spaces next to it. It returns the rest and the
// code, if it was one; ok is false when both ends hold one.
func stripSymbol(b []byte) (rest []byte, code string, ok bool) {
	rest = b
	front, fcode := symbolPrefix(rest)
	if front > 0 {
		rest = trimSpaces(rest[front:])
	}
	back, bcode := symbolSuffix(rest)
	if back > 0 {
		if front > 0 {
			return b, "", false
		}
		rest = trimSpaces(rest[:len(rest)-back])
	}
	return rest, fcode + bcode, true
}

func trimSpaces(b []byte) []byte {
	return bytes.TrimFunc(b, func(r rune) bool { return r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\t' })
}

// symbolPrefix returns the length of the symbol or code b begins with
// (0 if none), and the code.
func symbolPrefix(b []byte) (int, string) {
	if len(b) >= 3 && isUpper(b[0]) && isUpper(b[1]) && isUpper(b[2]) && (len(b) == 3 || !isLetter(b[3])) {
		if c, ok := isoCode(b[:3]); ok {
			return 3, c
		}
	}
	for _, s := range currencySymbols {
		if bytes.HasPrefix(b, []byte(s)) {
			return len(s), ""
		}
	}
	return 0, ""
}

// symbolSuffix returns the length of the symbol or code b ends with (0 if
// none), and the code.
func symbolSuffix(b []byte) (int, string) {
	n := len(b)
	if n >= 3 && isUpper(b[n-1]) && isUpper(b[n-2]) && isUpper(b[n-3]) && (n == 3 || !isLetter(b[n-4])) {
		if c, ok := isoCode(b[n-3:]); ok {
			return 3, c
		}
	}
	for _, s := range currencySymbols {
		if bytes.HasSuffix(b, []byte(s)) {
			return len(s), ""
		}
	}
	return 0, ""
}

func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool { return isUpper(c) || (c >= 'a' && c <= 'z') }

// isoCode returns the ISO 4217 code b spells, if it is one.
func isoCode(b []byte) (string, bool) {
	u, err := currency.ParseISO(string(b))
	if err != nil {
		return "", false
	}
	return u.String(), true
}

// minorUnits returns the number of minor-unit digits of an ISO 4217
// currency (2 for USD, 0 for JPY, 3 for BHD).
func minorUnits(code string) (int, error) {
	u, err := currency.ParseISO(code)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is not an ISO 4217 currency code, so its minor units are unknown (AmountFormat.MinorUnits)", ErrCurrency, code)
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, nil
}
