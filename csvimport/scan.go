package csvimport

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
)

// A scanner splits CSV input into records, as RFC 4180 describes them:
// fields separated by a separator, a field in double quotes may hold
// separators, line breaks and doubled quotes. It differs from encoding/csv
// where CRM exports need it to:
//
//   - LF, CRLF and a lone CR (the line end of classic Mac OS exports) each
//     end a record outside quotes, wherever they appear, and each counts
//     as one line; inside quotes each is read as "\n";
//   - every field knows the line where it begins, so that an unclosed
//     quote is reported at the line where it opened;
//   - a record's fields are handed out as bytes of a buffer that the next
//     record reuses, not as substrings of one string per record: a caller
//     keeps what it copies and nothing else (with encoding/csv, keeping
//     one field of a record keeps the whole record);
//   - a record holds at most maxRecord bytes, so that an unclosed quote
//     cannot make it buffer the rest of a large file.
//
// Blank lines are skipped, as encoding/csv does. A quote inside an
// unquoted field, or after the closing quote of a quoted field, is an
// error of that record; reading goes on at the next line.
type scanner struct {
	r    io.Reader
	buf  []byte // buf[pos:end] is buffered and unread
	pos  int
	end  int
	rerr error // the error that ended reading, io.EOF at the end
	base int64 // input offset of buf[0]
	line int   // the line of buf[pos]

	sep       []byte
	maxRecord int
	unquoted  [256]bool // bytes that end a run of an unquoted field
	quoted    [256]bool // bytes that end a run of a quoted field

	// where the next LF, CR and quote at or after pos are in buf
	lf, cr, quote mark

	// the current record: field i is data[bounds[2i]:bounds[2i+1]]
	data    []byte
	own     []byte // data, when the record was copied
	bounds  []int
	lines   []int // the line where each field begins, when the record spans lines
	recLine int   // the line where the record begins
	endLine int   // the line where it ends
	recOff  int64 // the input offset where the record begins

	openAtEnd bool // whether a quoted field was open at the end of the input
}

// A mark caches a search of buf for one byte: at is its index, or -1 when
// buf[pos:upto] has none. Moving the unread bytes invalidates it (at -2).
type mark struct{ at, upto int }

const (
	scanBuffer       = 64 << 10
	defaultMaxRecord = 16 << 20
)

// A scanError is a malformed record. Fatal ones end the input: what
// follows them cannot be told apart into records.
type scanError struct {
	line  int // where the problem begins
	field int // the field, or -1
	err   error
	fatal bool
}

func (e *scanError) Error() string { return "line " + strconv.Itoa(e.line) + ": " + e.err.Error() }

func newScanner(r io.Reader, sep []byte, maxRecord int) *scanner {
	s := &scanner{r: r, buf: make([]byte, scanBuffer), line: 1, sep: sep, maxRecord: maxRecord}
	for _, c := range []byte{'"', '\r', '\n'} {
		s.unquoted[c] = true
		s.quoted[c] = true
	}
	s.unquoted[sep[0]] = true
	s.resetMarks()
	return s
}

func (s *scanner) resetMarks() { s.lf, s.cr, s.quote = mark{-2, -1}, mark{-2, -1}, mark{-2, -1} }

// find returns the index in buf of the next c at or after pos, or -1 if
// the buffered input has none.
func (s *scanner) find(c byte, m *mark) int {
	switch {
	case m.at >= s.pos:
		return m.at
	case m.at == -1 && m.upto == s.end:
		return -1 // buf[pos:end] has none: the common case of a byte absent from the input
	}
	return s.search(c, m)
}

// search is find past its cached answers.
func (s *scanner) search(c byte, m *mark) int {
	from := s.pos
	if m.at == -1 && m.upto > from {
		from = m.upto // buf[pos:upto] has none
	}
	i := bytes.IndexByte(s.buf[from:s.end], c)
	if i < 0 {
		*m = mark{-1, s.end}
		return -1
	}
	m.at = from + i
	return m.at
}

// reset sets the scanner to read data, the whole input, whose first byte
// is on line line: it scans data in place, without copying it.
func (s *scanner) reset(data []byte, line int) {
	s.r, s.buf, s.pos, s.end, s.rerr, s.base, s.line = nil, data, 0, len(data), io.EOF, 0, line
	s.openAtEnd = false
	s.resetMarks()
}

// fill reads more input into buf, moving the unread bytes to its start.
// It returns false when no more input will come.
func (s *scanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.base += int64(s.pos)
		s.pos, s.end = 0, n
		s.resetMarks()
	}
	if s.end == len(s.buf) {
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		if n < 0 || n > len(s.buf)-s.end {
			s.rerr = errors.New("csvimport: reader returned an invalid count")
			return false
		}
		s.end += n
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// offset returns the number of input bytes consumed.
func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

// fields returns the number of fields of the current record.
func (s *scanner) fields() int { return len(s.bounds) / 2 }

// field returns field i of the current record, valid until the next call
// of next.
func (s *scanner) field(i int) []byte { return s.data[s.bounds[2*i]:s.bounds[2*i+1]] }

// fieldLine returns the line where field i begins.
func (s *scanner) fieldLine(i int) int {
	if s.lines == nil || i < 0 || i >= len(s.lines) {
		return s.recLine
	}
	return s.lines[i]
}

// next reads the next record. It returns io.EOF at the end of the input, a
// *scanError for a malformed record (after which the next call reads on,
// unless it is fatal), or the reader's error.
func (s *scanner) next() error {
	for {
		if s.pos == s.end && !s.fill() {
			if s.rerr == io.EOF {
				return io.EOF
			}
			return s.rerr
		}
		switch s.buf[s.pos] {
		case '\n':
			s.pos++
			s.line++
			continue
		case '\r':
			if s.pos+1 == s.end && s.fill() {
				continue // to see whether LF follows
			}
			s.pos++
			if s.pos < s.end && s.buf[s.pos] == '\n' {
				s.pos++
			}
			s.line++
			continue
		}
		break
	}
	s.recOff, s.recLine = s.offset(), s.line
	for {
		ok, more := s.fastRecord()
		if ok {
			return nil
		}
		if !more || !s.fill() {
			break
		}
	}
	return s.slowRecord()
}

// fastRecord reads a record that is one line and lies whole in the
// buffer, the common case, without copying it: the line may have quoted
// fields, each closed on the line and without doubled quotes. It returns
// whether it did, and if not whether more input could make it.
func (s *scanner) fastRecord() (ok, more bool) {
	if s.cr.at == -1 && s.cr.upto == s.end && s.quote.at == -1 && s.quote.upto == s.end && s.plainLine() {
		return true, false
	}
	e := s.find('\n', &s.lf)
	if cr := s.find('\r', &s.cr); cr >= 0 && (e < 0 || cr < e) {
		e = cr
		if cr+1 == s.end && s.rerr == nil {
			return false, s.end-s.pos < len(s.buf) // is it CRLF?
		}
	}
	if e < 0 {
		if s.rerr == nil {
			return false, s.end-s.pos < len(s.buf)
		}
		e = s.end
	}
	line := s.buf[s.pos:e]
	s.bounds = s.bounds[:0]
	if q := s.find('"', &s.quote); q >= 0 && q < e {
		if !s.splitQuoted(line, q-s.pos) {
			return false, false
		}
	} else {
		s.split(line)
	}
	s.data = line
	s.lines = nil
	s.recLine, s.endLine = s.line, s.line
	s.pos = e
	if e < s.end {
		s.pos++
		if s.buf[e] == '\r' && s.pos < s.end && s.buf[s.pos] == '\n' {
			s.pos++
		}
		s.line++
	}
	return true, false
}

// plainLine reads the record at pos when the buffered input past it holds
// no CR and no quote (as the marks know), the separator is one byte and
// the line feed that ends the record lies in the words of 8 bytes that
// the buffer holds: it finds the line feed and the separators in one pass,
// a word at a time (see splitByte). It returns false, the record unread,
// otherwise.
func (s *scanner) plainLine() bool {
	if len(s.sep) != 1 {
		return false
	}
	const lo7, nl = 0x7f7f7f7f7f7f7f7f, 0x0a0a0a0a0a0a0a0a
	pat := uint64(s.sep[0]) * 0x0101010101010101
	buf := s.buf[s.pos:s.end]
	bounds := s.bounds[:0]
	start := 0
	for i := 0; i+8 <= len(buf); i += 8 {
		w := binary.LittleEndian.Uint64(buf[i : i+8])
		x, y := w^pat, w^nl
		seps := ^((x&lo7 + lo7) | x | lo7) // the top bit of each separator
		lfs := ^((y&lo7 + lo7) | y | lo7)  // and of each line feed
		if lfs != 0 {
			seps &= lfs&-lfs - 1 // those before the first line feed
		}
		for ; seps != 0; seps &= seps - 1 {
			j := i + bits.TrailingZeros64(seps)>>3
			bounds = append(bounds, start, j)
			start = j + 1
		}
		if lfs != 0 {
			e := i + bits.TrailingZeros64(lfs)>>3
			s.bounds = append(bounds, start, e)
			s.data = buf[:e]
			s.lines = nil
			s.recLine, s.endLine = s.line, s.line
			s.pos += e + 1
			s.line++
			return true
		}
	}
	s.bounds = bounds[:0]
	return false
}

// index returns the index of the next separator in b, or len(b).
func (s *scanner) index(b []byte) int {
	var i int
	if len(s.sep) == 1 {
		i = bytes.IndexByte(b, s.sep[0])
	} else {
		i = bytes.Index(b, s.sep)
	}
	if i < 0 {
		return len(b)
	}
	return i
}

// split splits a line without quotes into fields.
func (s *scanner) split(line []byte) {
	if len(s.sep) == 1 {
		s.bounds = splitByte(s.bounds, line, s.sep[0])
		return
	}
	start := 0
	for {
		end := start + s.index(line[start:])
		s.bounds = append(s.bounds, start, end)
		if end == len(line) {
			return
		}
		start = end + len(s.sep)
	}
}

// splitByte appends the bounds of the fields of line, separated by sep,
// to bounds. It reads the line 8 bytes at a time: the bytes of a word
// that equal sep are the zero bytes of the word XOR sep in every byte,
// found exactly (without the borrows of the subtraction trick, which
// would mark the byte after one) from the sum of each byte's low 7 bits
// with 0x7f, whose top bit is set unless those bits are all zero. The
// last word of a line is read whole when the line's capacity allows (a
// line is a part of a larger buffer), its bytes past the line masked off.
func splitByte(bounds []int, line []byte, sep byte) []int {
	const lo7 = 0x7f7f7f7f7f7f7f7f
	pat := uint64(sep) * 0x0101010101010101
	n := len(line)
	start, i := 0, 0
	fields := func(m uint64) {
		for ; m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)>>3
			bounds = append(bounds, start, j)
			start = j + 1
		}
	}
	for rest := line; len(rest) >= 8; rest = rest[8:] {
		w := binary.LittleEndian.Uint64(rest) ^ pat
		if m := ^((w&lo7 + lo7) | w | lo7); m != 0 { // the top bit of each zero byte
			fields(m)
		}
		i += 8
	}
	if left := n - i; left > 0 {
		var w uint64
		if i+8 <= cap(line) {
			w = binary.LittleEndian.Uint64(line[i : i+8])
		} else {
			for k, c := range line[i:n] {
				w |= uint64(c) << (8 * k)
			}
		}
		w ^= pat
		fields(^((w&lo7 + lo7) | w | lo7) & (1<<(8*left) - 1))
	}
	return append(bounds, start, n)
}

// splitQuoted splits a line whose first quote is at q into fields, if its
// quoted fields close on the line and hold no doubled quote; otherwise,
// or if a quote is out of place, it returns false and the record is read
// by slowRecord.
func (s *scanner) splitQuoted(line []byte, q int) bool {
	start := 0
	for {
		if start < len(line) && line[start] == '"' {
			j := bytes.IndexByte(line[start+1:], '"')
			if j < 0 {
				return false // closed on a later line, or never
			}
			end := start + 1 + j
			after := end + 1
			if after < len(line) && line[after] == '"' {
				return false // a doubled quote: the field needs a copy
			}
			s.bounds = append(s.bounds, start+1, end)
			if after == len(line) {
				return true
			}
			if !bytes.HasPrefix(line[after:], s.sep) {
				return false // slowRecord reports it
			}
			start = after + len(s.sep)
			if q = bytes.IndexByte(line[start:], '"'); q < 0 {
				q = len(line)
			} else {
				q += start
			}
			continue
		}
		end := start + s.index(line[start:])
		if q < end {
			return false // a bare quote: slowRecord reports it
		}
		s.bounds = append(s.bounds, start, end)
		if end == len(line) {
			return true
		}
		start = end + len(s.sep)
	}
}

// peek returns the next byte, reading more input if need be.
func (s *scanner) peek() (byte, bool) {
	if s.pos == s.end && !s.fill() {
		return 0, false
	}
	return s.buf[s.pos], true
}

// lineEnd consumes the line break at pos, if any, counting it.
func (s *scanner) lineEnd() {
	c, ok := s.peek()
	if !ok || (c != '\n' && c != '\r') {
		return
	}
	s.pos++
	if c == '\r' {
		if c, ok := s.peek(); ok && c == '\n' {
			s.pos++
		}
	}
	s.line++
}

// skipLine consumes the rest of the line, after a malformed record.
func (s *scanner) skipLine() {
	for {
		if s.pos == s.end && !s.fill() {
			return
		}
		b := s.buf[s.pos:s.end]
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			s.pos = s.end
			continue
		}
		s.pos += i
		s.lineEnd()
		return
	}
}

// atSep reports whether the separator starts at pos, reading more input
// if need be.
func (s *scanner) atSep() bool {
	if len(s.sep) == 1 {
		return s.buf[s.pos] == s.sep[0]
	}
	for s.end-s.pos < len(s.sep) && s.fill() {
	}
	return bytes.HasPrefix(s.buf[s.pos:s.end], s.sep)
}

// slowRecord reads a record of any shape, copying its fields.
func (s *scanner) slowRecord() error {
	s.own, s.bounds, s.lines = s.own[:0], s.bounds[:0], s.lines[:0]
	s.recLine = s.line
	for field := 0; ; field++ {
		s.lines = append(s.lines, s.line)
		start := len(s.own)
		if c, ok := s.peek(); ok && c == '"' {
			if err := s.quotedField(field); err != nil {
				return err
			}
		} else if err := s.unquotedField(field, start); err != nil {
			return err
		}
		s.bounds = append(s.bounds, start, len(s.own))
		if len(s.own) > s.maxRecord {
			return &scanError{line: s.recLine, field: -1, fatal: true,
				err: fmt.Errorf("%w: record longer than %d bytes", ErrRow, s.maxRecord)}
		}
		c, ok := s.peek()
		if !ok {
			break // the end of the input ends the record
		}
		if c == '\n' || c == '\r' {
			s.endLine = s.line
			s.lineEnd()
			s.data = s.own
			return nil
		}
		// at a separator: unquotedField stops only there, quotedField
		// checks it
		s.pos += len(s.sep)
	}
	s.endLine = s.line
	s.data = s.own
	return nil
}

// unquotedField reads an unquoted field up to a separator, a line break or
// the end of the input.
func (s *scanner) unquotedField(field, start int) error {
	for {
		if s.pos == s.end && !s.fill() {
			return nil
		}
		b := s.buf[s.pos:s.end]
		i := 0
		for i < len(b) && !s.unquoted[b[i]] {
			i++
		}
		s.own = append(s.own, b[:i]...)
		s.pos += i
		if len(s.own) > s.maxRecord {
			return nil // slowRecord reports it
		}
		if i == len(b) {
			continue
		}
		switch b[i] {
		case '\r', '\n':
			return nil
		case '"':
			line := s.line
			why := `bare " in an unquoted field`
			if bytes.Equal(s.own[start:], []byte("\ufeff")) {
				why = `a byte-order mark (U+FEFF) before a quoted field: files joined together, or a mark written twice?`
			}
			s.skipLine()
			return &scanError{line: line, field: field, err: fmt.Errorf("%w: %s", ErrRow, why)}
		}
		if s.atSep() {
			return nil
		}
		s.own = append(s.own, b[i]) // the first byte of a longer separator
		s.pos++
	}
}

// quotedField reads a quoted field, from its opening quote to the byte
// after its closing quote, which must be a separator, a line break or the
// end of the input.
func (s *scanner) quotedField(field int) error {
	open := s.line
	s.pos++
	for {
		if s.pos == s.end && !s.fill() {
			last := s.line
			if bytes.HasSuffix(s.own, []byte{'\n'}) {
				last-- // the input ends with a line break
			}
			s.openAtEnd = true
			return &scanError{line: open, field: field, fatal: true,
				err: fmt.Errorf("%w: the quote opened on line %d is not closed by the end of the input (line %d): the rest of the file is one field", ErrUnclosedQuote, open, last)}
		}
		b := s.buf[s.pos:s.end]
		i := 0
		for i < len(b) && !s.quoted[b[i]] {
			i++
		}
		s.own = append(s.own, b[:i]...)
		s.pos += i
		if len(s.own) > s.maxRecord {
			return &scanError{line: open, field: field, fatal: true,
				err: fmt.Errorf("%w: the quote opened on line %d is not closed within %d bytes (line %d)", ErrUnclosedQuote, open, s.maxRecord, s.line)}
		}
		if i == len(b) {
			continue
		}
		switch b[i] {
		case '\n', '\r':
			s.lineEnd()
			s.own = append(s.own, '\n')
			continue
		}
		s.pos++ // a quote: doubled, or the closing one
		c, ok := s.peek()
		if ok && c == '"' {
			s.own = append(s.own, '"')
			s.pos++
			continue
		}
		if !ok || c == '\n' || c == '\r' || s.atSep() {
			return nil
		}
		line := s.line
		s.skipLine()
		return &scanError{line: line, field: field,
			err: fmt.Errorf("%w: %q after the closing quote of a field opened on line %d (a quote in a quoted field is written twice)", ErrRow, c, open)}
	}
}
