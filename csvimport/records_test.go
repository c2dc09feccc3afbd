package csvimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// FuzzScanner compares the scanner with encoding/csv on the inputs that
// both must read alike: no CR (encoding/csv reads a lone CR as data), no
// leading byte-order mark and nothing that looks like UTF-16 or UTF-32
// (the reader decodes those first). Records, fields, the line of each
// field and the line of each malformed record must agree; reading stops
// at an unclosed quote, which the scanner reports at the quote's line.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		"a,b,c\n1,2,3\n", "a,\"b,c\"\n\"x\ny\",z\n", "a,b\n\n\n1,2", "\"a\"\"b\",c\n", "a\"b,c\nd,e\n",
		"\"ab\"c,d\ne,f\n", "\"open\nnever closed", "a,b,\n,,\n", "x;y;z\n\"1;2\";3;4\n", "é,\"é\"\n",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, in string, which uint8) {
		comma := []rune{',', ';', '\t', 'é'}[which%4]
		if strings.ContainsRune(in, '\r') || strings.HasPrefix(in, "\ufeff") {
			return
		}
		if enc, _ := sniff([]byte(in[:min(len(in), sniffBytes)])); enc != nil {
			return
		}
		sc := newScanner(strings.NewReader(in), []byte(string(comma)), defaultMaxRecord)
		sc.decode(nil)
		cr := csv.NewReader(strings.NewReader(in))
		cr.Comma = comma
		cr.FieldsPerRecord = -1
		for rec := 1; ; rec++ {
			want, werr := cr.Read()
			err := sc.next()
			if werr == io.EOF || err == io.EOF {
				if werr != err {
					t.Fatalf("record %d: encoding/csv %v, scanner %v", rec, werr, err)
				}
				return
			}
			var cpe *csv.ParseError
			var se *scanError
			if werr != nil || err != nil {
				if !errors.As(werr, &cpe) || !errors.As(err, &se) {
					t.Fatalf("record %d: encoding/csv %v, scanner %v", rec, werr, err)
				}
				if se.fatal {
					if !errors.Is(se.err, ErrUnclosedQuote) && !errors.Is(se.err, ErrRow) || cpe.Err != csv.ErrQuote {
						t.Fatalf("record %d: fatal %v where encoding/csv has %v", rec, se, cpe)
					}
					return
				}
				if cpe.Line != se.line {
					t.Fatalf("record %d: encoding/csv error at line %d (%v), scanner at %d (%v)", rec, cpe.Line, cpe, se.line, se)
				}
				continue
			}
			got := make([]string, sc.fields())
			for i := range got {
				got[i] = string(sc.field(i))
				if line, _ := cr.FieldPos(i); line != sc.fieldLine(i) {
					t.Fatalf("record %d field %d: line %d, encoding/csv %d", rec, i, sc.fieldLine(i), line)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("record %d (-encoding/csv +scanner):\n%s", rec, diff)
			}
		}
	})
}

// A generated file, with what reading it must give, worked out while
// writing it: the records, the IDs of the deals read, the line of each bad
// record's error, and the line of an unclosed quote at the end.
type generated struct {
	b        strings.Builder
	line     int
	lastCR   bool // the last line break written was a lone CR
	records  int
	kept     []string
	keptSet  map[string]bool
	bad      []int
	unclosed int
	next     int
}

// eol writes the line break that kind picks: LF, CRLF or CR. A lone CR
// followed by LF would read as one CRLF, so LF never follows CR.
func (g *generated) eol(kind byte) {
	switch kind % 3 {
	case 0:
		if g.lastCR {
			g.b.WriteString("\r\n")
		} else {
			g.b.WriteString("\n")
		}
		g.lastCR = false
	case 1:
		g.b.WriteString("\r\n")
		g.lastCR = false
	default:
		g.b.WriteString("\r")
		g.lastCR = true
	}
	g.line++
}

func (g *generated) id() string {
	g.next++
	return fmt.Sprintf("D%d", g.next)
}

func (g *generated) write(s string) {
	g.b.WriteString(s)
	if s != "" {
		g.lastCR = false
	}
}

// good writes a valid row with id.
func (g *generated) good(id, notes string) {
	g.records++
	g.write(id + ",Lead,5," + fmt.Sprintf("2024-01-%02d", 1+g.next%28) + "," + notes)
	g.kept = append(g.kept, strings.TrimSpace(id))
	g.keptSet[strings.TrimSpace(id)] = true
}

// badRow writes a row that must be skipped with an error on its first
// line.
func (g *generated) badRow(s string) {
	g.records++
	g.bad = append(g.bad, g.line)
	g.write(s)
}

// generate writes a deals file from prog: one row per byte, of the kind
// the byte picks, and the line break its high bits pick; the last row has
// none when end is odd, and an unclosed quote follows when end%4 == 3.
func generate(prog []byte, end uint8) *generated {
	g := &generated{line: 1, keptSet: map[string]bool{}}
	g.write("id,stage,amount,created,notes")
	g.eol(0)
	for i, op := range prog {
		kind, brk := op%16, op/16
		switch kind {
		case 0, 1:
			g.good(g.id(), "plain")
		case 2:
			g.good(g.id(), `"a, ""quoted"" note"`)
		case 3:
			g.good(g.id(), `"two`)
			g.eol(brk / 3)
			g.write(`lines"`)
		case 4:
			g.good(" "+g.id()+" ", "padded")
		case 5:
			g.badRow(g.id() + ",Lead,1e5,2024-01-02,bad amount")
		case 6:
			g.badRow(g.id() + ",Lead,1,000,2024-01-02,unquoted comma")
		case 7:
			g.badRow(g.id() + ",Lead,5")
		case 8:
			g.badRow(g.id() + ",Limbo,5,2024-01-02,unknown stage")
		case 9:
			if len(g.kept) == 0 {
				g.good(g.id(), "first")
				break
			}
			g.badRow(g.kept[int(op)%len(g.kept)] + ",Lead,5,2024-01-02,duplicate")
		case 10:
			g.badRow(g.id() + `,Lead,5,2024-01-02,a "bare" quote`)
		case 11:
			// a quote opened in one row and closed two rows later: one
			// record, rejected for its ID
			g.badRow(`"` + g.id() + ",Lead,5,2024-01-02,x")
			g.eol(brk)
			g.write(g.id() + ",Lead,5,2024-01-02,y")
			g.eol(brk / 3)
			g.write(g.id() + `",Lead,5,2024-01-02,z`)
		case 12:
			// a blank line: no record
		case 13:
			g.badRow(",Lead,5,2024-01-02,empty id")
		case 14:
			g.badRow(g.id() + ",Lead,5,0001-01-01,zero time")
		case 15:
			g.badRow(g.id() + `,Lead,5,2024-01-02,"closed"early`)
		}
		if i < len(prog)-1 || end%2 == 0 || kind == 12 {
			g.eol(brk)
		}
	}
	if end%4 == 3 {
		if g.b.Len() > 0 && !strings.HasSuffix(g.b.String(), "\n") && !strings.HasSuffix(g.b.String(), "\r") {
			g.eol(0)
		}
		g.unclosed = g.line
		g.write(g.id() + `,Lead,5,2024-01-02,"never closed`)
		g.eol(0)
		g.write(g.id() + ",Lead,5,2024-01-02,swallowed")
		g.eol(0)
	}
	return g
}

// FuzzRecordCount generates deals files with hostile quoting, mixed line
// breaks and bad rows of every kind, and checks that lenient reading
// accounts for every record the generator wrote (rows read = kept +
// skipped = records), keeps exactly the rows it should, reports each bad
// row at its line, and stops at an unclosed quote at the line where it
// opened without counting the rows after it; strict reading stops at the
// first bad row.
func FuzzRecordCount(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4}, uint8(0))
	f.Add([]byte{0, 0x15, 0x26, 0x27, 0x18, 0x29, 0x1a, 0x2b, 0x0c, 0x1d, 0x2e, 0x0f}, uint8(0))
	f.Add([]byte{0x23, 0x2b, 0x2c, 0x13, 0x1b, 0x20}, uint8(1))
	f.Add([]byte{0, 1, 0x2c, 0x2c, 2}, uint8(3))
	f.Add([]byte{0x2b, 0x2b, 0x09, 0x09, 0x23}, uint8(2))
	fn := testFunnel(f)
	m := DealMapping{ID: "id", Stage: "stage", Amount: "amount", Created: "created"}
	f.Fuzz(func(t *testing.T, prog []byte, end uint8) {
		if len(prog) > 300 {
			return
		}
		g := generate(prog, end)
		in := g.b.String()
		x, err := NewDealReader(strings.NewReader(in), "g.csv", fn, m, Options{Mode: funnel.Lenient})
		if err != nil {
			t.Fatalf("header: %v\n%q", err, in)
		}
		var got []string
		for d := range x.All() {
			got = append(got, d.ID)
		}
		rep := x.Report()
		if g.unclosed > 0 {
			var pe *ParseError
			if !errors.As(x.Err(), &pe) || !errors.Is(x.Err(), ErrUnclosedQuote) || pe.Line != g.unclosed {
				t.Fatalf("error %v, want an unclosed quote at line %d\n%q", x.Err(), g.unclosed, in)
			}
		} else if x.Err() != nil {
			t.Fatalf("error %v\n%q", x.Err(), in)
		}
		if !slices.Equal(g.kept, got) {
			t.Fatalf("deals %q, want %q\n%q", got, g.kept, in)
		}
		if rep.Rows != g.records || rep.Kept+rep.Skipped != rep.Rows || rep.Skipped != len(g.bad) {
			t.Fatalf("report rows %d kept %d skipped %d; wrote %d records, %d bad\n%q", rep.Rows, rep.Kept, rep.Skipped, g.records, len(g.bad), in)
		}
		for i, e := range rep.Examples {
			if e.Line != g.bad[i] || e.File != "g.csv" {
				t.Fatalf("error %d at %s:%d, want line %d: %v\n%q", i, e.File, e.Line, g.bad[i], e, in)
			}
		}
		_, _, err = ReadDeals(strings.NewReader(in), "g.csv", fn, m, Options{})
		first := g.unclosed
		if len(g.bad) > 0 {
			first = g.bad[0]
		}
		var pe *ParseError
		if first == 0 && err != nil || first > 0 && (!errors.As(err, &pe) || pe.Line != first) {
			t.Fatalf("strict error %v, want one at line %d\n%q", err, first, in)
		}
	})
}

// TestSplitByte checks the word-at-a-time field split against
// bytes.Split on lines of every length up to 40 over an alphabet that
// holds the separator, the bytes a borrow of the subtraction trick would
// mark (sep^1, the byte after a match) and bytes with the top bit set
// (sep|0x80): every line is cut out of a larger buffer whose next bytes
// are separators, which the split must not read as the line's.
func TestSplitByte(t *testing.T) {
	for _, sep := range []byte{',', ';', '\t', '|'} {
		alphabet := []byte{sep, sep ^ 1, sep | 0x80, 'a', '0', 0}
		r := rand.New(rand.NewPCG(uint64(sep), 9))
		for n := 0; n <= 40; n++ {
			for range 200 {
				buf := bytes.Repeat([]byte{sep}, n+16)
				for i := range n {
					buf[i] = alphabet[r.IntN(len(alphabet))]
				}
				for _, line := range [][]byte{buf[:n], buf[:n:n]} { // capacity past the line, and none
					var want []string
					for _, f := range bytes.Split(line, []byte{sep}) {
						want = append(want, string(f))
					}
					bounds := splitByte(nil, line, sep)
					var got []string
					for i := 0; i+1 < len(bounds); i += 2 {
						got = append(got, string(line[bounds[i]:bounds[i+1]]))
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Fatalf("splitByte(%q, %q) (-bytes.Split +splitByte):\n%s", line, sep, diff)
					}
				}
			}
		}
	}
}

// choppy reads its data in pieces of random lengths, 1 to 300 bytes.
type choppy struct {
	data []byte
	r    *rand.Rand
}

func (c *choppy) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(c.data), 1+c.r.IntN(300))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// TestScannerPlainLines reads generated files of lines without quotes or
// CR (the lines that plainLine reads in one pass, empty fields, fields
// of 0 to 20 bytes, lines shorter than a word among them, a final line
// with or without its line feed, blank lines) through the scanner, the
// input arriving in pieces of random lengths so that lines cross the
// buffer's refills (or whole), and compares records, fields and lines
// with encoding/csv.
func TestScannerPlainLines(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		var b strings.Builder
		lines := 1 + r.IntN(3000)
		cols := 1 + r.IntN(12)
		for i := range lines {
			if r.IntN(50) == 0 {
				b.WriteString("\n") // a blank line
			}
			for c := range cols {
				if c > 0 {
					b.WriteByte(',')
				}
				for range r.IntN(21) {
					b.WriteByte("abcxyz019 -:."[r.IntN(13)])
				}
			}
			if i < lines-1 || round%2 == 0 {
				b.WriteByte('\n')
			}
		}
		in := b.String()
		var src io.Reader = strings.NewReader(in)
		if round%4 < 2 {
			src = &choppy{[]byte(in), r}
		}
		sc := newScanner(src, []byte{','}, defaultMaxRecord)
		cr := csv.NewReader(strings.NewReader(in))
		cr.FieldsPerRecord = -1
		for rec := 1; ; rec++ {
			want, werr := cr.Read()
			err := sc.next()
			if werr == io.EOF || err == io.EOF || werr != nil || err != nil {
				if werr != io.EOF || err != io.EOF {
					t.Fatalf("round %d record %d: encoding/csv %v, scanner %v", round, rec, werr, err)
				}
				break
			}
			got := make([]string, sc.fields())
			for i := range got {
				got[i] = string(sc.field(i))
				if line, _ := cr.FieldPos(i); line != sc.fieldLine(i) {
					t.Fatalf("round %d record %d field %d: line %d, encoding/csv %d", round, rec, i, sc.fieldLine(i), line)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("round %d record %d (-encoding/csv +scanner):\n%s", round, rec, diff)
			}
		}
	}
}
