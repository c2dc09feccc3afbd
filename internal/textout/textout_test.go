package textout

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// failAfter accepts n writes, then fails every one.
type failAfter struct {
	n      int
	writes []string
}

var errWrite = errors.New("write failed")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(f.writes) == f.n {
		return 0, errWrite
	}
	f.writes = append(f.writes, string(p))
	return len(p), nil
}

// TestWriterKeepsFirstError checks that after the first failed write
// nothing more reaches the writer and the error stays.
func TestWriterKeepsFirstError(t *testing.T) {
	f := &failAfter{n: 2}
	w := New(f)
	w.Printf("a%d", 1)
	if n, err := w.Write([]byte("bc")); n != 2 || err != nil {
		t.Errorf("second write: %d, %v", n, err)
	}
	if n, err := w.Write([]byte("d")); n != 0 || err != errWrite {
		t.Errorf("third write: %d, %v", n, err)
	}
	f.n = 10 // the writer would accept more now
	w.Printf("e")
	if diff := cmp.Diff([]string{"a1", "bc"}, f.writes); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	if w.Err() != errWrite {
		t.Errorf("Err() = %v", w.Err())
	}
	var err error
	if n, e := Keep(&err, io.Discard, []byte("xy")); n != 2 || e != nil || err != nil {
		t.Errorf("Keep: %d, %v, %v", n, e, err)
	}
}

// TestTables checks both layouts on cells laid out by hand: columns as
// wide as their widest cell plus two, right-aligned; the trimmed one
// without the spaces an empty last cell leaves.
func TestTables(t *testing.T) {
	cells := "a\tbb\t\nccc\t\t\n"
	var b strings.Builder
	tw := NewTable(&b)
	fmt.Fprint(tw, cells)
	_ = tw.Flush()
	if diff := cmp.Diff("    a  bb\n  ccc    \n", b.String()); diff != "" {
		t.Errorf("NewTable (-want +got):\n%s", diff)
	}
	b.Reset()
	w := New(&b)
	tt := NewTrimmed()
	fmt.Fprint(tt, cells)
	tt.FlushTo(w)
	w.Printf("end\n")
	if diff := cmp.Diff("    a  bb\n  ccc\nend\n", b.String()); diff != "" {
		t.Errorf("NewTrimmed (-want +got):\n%s", diff)
	}
}

type texter string

func (s texter) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, string(s))
	return err
}

func TestInputAndString(t *testing.T) {
	in := funnel.Input{Read: 10, Counted: 6, Future: 1, Skipped: funnel.Skipped{Count: 3,
		Reasons: []funnel.ReasonCount{{Reason: "no id", Count: 2}, {Reason: "bad amount", Count: 1}}}}
	var b strings.Builder
	w := New(&b)
	Input(w, in)
	Input(w, funnel.Input{Read: 2, Counted: 2})
	want := "1 deals created after the as-of time are left out.\n3 invalid deals skipped: no id (2); bad amount (1);\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("Input (-want +got):\n%s", diff)
	}
	if got := String(texter("hello\n")); got != "hello\n" {
		t.Errorf("String = %q", got)
	}
}
