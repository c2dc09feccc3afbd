package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// csvStyle is how one export writes its delimited text.
type csvStyle struct {
	sep      byte
	crlf     bool
	quoteAll bool // quote every field, empty ones too (Salesforce reports)
}

// writeTable renders rows as delimited text: fields are quoted when the
// style says so or when they hold the separator, a quote, CR or LF
// (RFC 4180); quotes inside a quoted field are doubled.
func writeTable(st csvStyle, rows [][]string) string {
	var b strings.Builder
	eol := "\n"
	if st.crlf {
		eol = "\r\n"
	}
	for _, row := range rows {
		for i, f := range row {
			if i > 0 {
				b.WriteByte(st.sep)
			}
			if st.quoteAll || strings.ContainsAny(f, string(st.sep)+"\"\r\n") {
				b.WriteByte('"')
				b.WriteString(strings.ReplaceAll(f, `"`, `""`))
				b.WriteByte('"')
			} else {
				b.WriteString(f)
			}
		}
		b.WriteString(eol)
	}
	return b.String()
}

// encoding turns UTF-8 text into the bytes of a file.
type encoding int

const (
	utf8Plain encoding = iota
	utf8BOM
	windows1252
	utf16LEBOM
)

func (e encoding) String() string {
	return [...]string{"UTF-8", "UTF-8 with BOM", "Windows-1252", "UTF-16LE with BOM"}[e]
}

func encode(e encoding, s string) []byte {
	switch e {
	case utf8BOM:
		return append([]byte{0xEF, 0xBB, 0xBF}, s...)
	case windows1252:
		return toWindows1252(s)
	case utf16LEBOM:
		u := utf16.Encode([]rune(s))
		out := make([]byte, 0, 2+2*len(u))
		out = append(out, 0xFF, 0xFE)
		for _, x := range u {
			out = append(out, byte(x), byte(x>>8))
		}
		return out
	}
	return []byte(s)
}

// cp1252High maps the characters Windows-1252 puts in 0x80-0x9F (where
// ISO-8859-1 has control codes) to their bytes, as in the WHATWG Encoding
// Standard's index-windows-1252. Only the ones the samples can emit are
// listed.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92,
	'“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '™': 0x99,
	'Š': 0x8A, 'š': 0x9A, 'Ž': 0x8E, 'ž': 0x9E, 'Œ': 0x8C, 'œ': 0x9C,
}

// toWindows1252 encodes s; ASCII and U+00A0-U+00FF map to the byte of the
// same value. A character the code page lacks is a bug in the generator's
// word lists, so it panics rather than writing a replacement.
func toWindows1252(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80 || (r >= 0xA0 && r <= 0xFF):
			out = append(out, byte(r))
		default:
			b, ok := cp1252High[r]
			if !ok {
				panic(fmt.Sprintf("crmgen: %q has no Windows-1252 byte", r))
			}
			out = append(out, b)
		}
	}
	return out
}

// decimal formats minor units with exp fraction digits, '.' as the
// decimal point and no grouping: 1234550 with exp 2 is "12345.50". With
// trim, a zero fraction is left off ("12345").
func decimal(minor int64, exp int, trim bool) string {
	if exp == 0 {
		return strconv.FormatInt(minor, 10)
	}
	unit := int64(1)
	for range exp {
		unit *= 10
	}
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor/unit, 10)
	if frac := minor % unit; frac != 0 || !trim {
		s += "." + fmt.Sprintf("%0*d", exp, frac)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// grouped formats minor units with thousands grouped by group and the
// fraction after point, always with exp digits: grouped(123456789, 2, ',',
// '.') is "1,234,567.89".
func grouped(minor int64, exp int, group, point byte) string {
	s := decimal(minor, exp, false)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(group)
		}
		b.WriteRune(c)
	}
	if exp > 0 {
		b.WriteByte(point)
		b.WriteString(frac)
	}
	return b.String()
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // the zone database is embedded (time/tzdata)
	}
	return loc
}

// fileOut is one generated file.
type fileOut struct {
	name string // path under the output directory
	data []byte
}
