package csvimport

import (
	"bytes"
	"fmt"
	"io"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/transform"
)

// sniffBytes is how much of the input the encoding is told from.
const sniffBytes = 256

var utf8BOM = []byte("\ufeff")

// decode sets the scanner up to read its input as text in enc or, for a
// nil enc, in the encoding that the input's first bytes show (see
// [Options.Encoding]), and skips a leading byte-order mark. It returns the
// name of the encoding decoded from, "" for UTF-8.
func (s *scanner) decode(enc encoding.Encoding) string {
	name := ""
	if enc != nil {
		s.r = transform.NewReader(s.r, unicode.BOMOverride(enc.NewDecoder()))
		name = fmt.Sprint(enc)
	} else {
		for s.end < sniffBytes && s.fill() {
		}
		enc, name = sniff(s.buf[:s.end])
		if enc != nil {
			head := io.Reader(bytes.NewReader(bytes.Clone(s.buf[:s.end])))
			rest := s.r
			if s.rerr != nil {
				rest = errReader{s.rerr}
			}
			s.r = transform.NewReader(io.MultiReader(head, rest), enc.NewDecoder())
			s.pos, s.end, s.rerr = 0, 0, nil
			s.resetMarks()
		}
	}
	for s.end-s.pos < len(utf8BOM) && s.fill() {
	}
	if bytes.HasPrefix(s.buf[s.pos:s.end], utf8BOM) {
		s.pos += len(utf8BOM)
	}
	return name
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// sniff tells UTF-16 and UTF-32 input from its byte-order mark or, without
// one, from the NUL bytes that interleave ASCII text in those encodings
// (the header of a CSV file is mostly ASCII). It returns nil for UTF-8.
func sniff(b []byte) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xfe, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.UseBOM), "UTF-32LE"
	case bytes.HasPrefix(b, []byte{0, 0, 0xfe, 0xff}):
		return utf32.UTF32(utf32.BigEndian, utf32.UseBOM), "UTF-32BE"
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), "UTF-16LE"
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "UTF-16BE"
	case bytes.HasPrefix(b, utf8BOM):
		return nil, ""
	}
	// zeros[k] counts the NUL bytes at offsets k mod 4; n the offsets of
	// each residue.
	var zeros [4]int
	n := len(b) / 4
	for i, c := range b[:4*n] {
		if c == 0 {
			zeros[i%4]++
		}
	}
	most := func(z int) bool { return 4*z >= 3*n }
	few := func(z int) bool { return 4*z <= n }
	switch {
	case n == 0:
	case most(zeros[1]) && most(zeros[2]) && most(zeros[3]) && few(zeros[0]):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), "UTF-32LE"
	case most(zeros[0]) && most(zeros[1]) && most(zeros[2]) && few(zeros[3]):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), "UTF-32BE"
	case most(zeros[1]) && most(zeros[3]) && few(zeros[0]) && few(zeros[2]):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "UTF-16LE"
	case most(zeros[0]) && most(zeros[2]) && few(zeros[1]) && few(zeros[3]):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "UTF-16BE"
	}
	return nil, ""
}
