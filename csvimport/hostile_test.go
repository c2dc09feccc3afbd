package csvimport

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// ids returns the IDs of deals.
func ids(deals []funnel.Deal) []string {
	out := make([]string, len(deals))
	for i, d := range deals {
		out[i] = d.ID
	}
	return out
}

// readBoth reads in in strict and lenient mode with mapping m.
func readBoth(t *testing.T, in string, m DealMapping, opts Options) (strictErr error, deals []funnel.Deal, rep *Report, lenientErr error) {
	t.Helper()
	opts.Mode = funnel.Strict
	_, _, strictErr = ReadDeals(strings.NewReader(in), "f.csv", testFunnel(t), m, opts)
	opts.Mode = funnel.Lenient
	deals, rep, lenientErr = ReadDeals(strings.NewReader(in), "f.csv", testFunnel(t), m, opts)
	return
}

// wantParseError fails unless err is a *ParseError wrapping target at line
// and column.
func wantParseError(t *testing.T, err, target error, line int, column string) *ParseError {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, target) {
		t.Fatalf("error = %v, want a ParseError wrapping %v", err, target)
	}
	if pe.File != "f.csv" || pe.Line != line || pe.Column != column {
		t.Errorf("error at %s:%d column %q, want f.csv:%d column %q (%v)", pe.File, pe.Line, pe.Column, line, column, err)
	}
	return pe
}

var amountMapping = DealMapping{ID: "id", Stage: "stage", Amount: "amount", Owner: "owner"}

// TestFieldCount checks that a row with more or fewer fields than the
// header is an error naming its line: an unquoted thousands separator in
// the last column, a name with an unquoted comma, a short row.
func TestFieldCount(t *testing.T) {
	head := "id,stage,owner,amount\n1,Lead,ana,5\n"
	for _, tt := range []struct {
		name, row string
	}{
		{"thousands separator", "2,Lead,ana,1,000\n"},
		{"comma in a name", "2,Lead,Smith, John,5\n"},
		{"short row", "2,Lead,ana\n"},
		{"trailing separator", "2,Lead,ana,5,\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := head + tt.row + "3,Demo,ben,7\n"
			serr, deals, rep, err := readBoth(t, in, amountMapping, Options{})
			wantParseError(t, serr, ErrFieldCount, 3, "")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"1", "3"}, ids(deals)); diff != "" || rep.Rows != 3 || rep.Skipped != 1 {
				t.Errorf("lenient: report %+v, ids (-want +got):\n%s", rep, diff)
			}
		})
	}
	// AllowTrailingEmpty accepts extra fields that are empty, and only those.
	in := head + "2,Lead,ana,5,,\n3,Demo,ben,7, \n"
	deals, _, err := ReadDeals(strings.NewReader(in), "f.csv", testFunnel(t), amountMapping, Options{AllowTrailingEmpty: true})
	if err != nil || len(deals) != 3 {
		t.Errorf("AllowTrailingEmpty: %d deals, %v", len(deals), err)
	}
	_, _, err = ReadDeals(strings.NewReader(head+"2,Lead,ana,1,000\n"), "f.csv", testFunnel(t), amountMapping, Options{AllowTrailingEmpty: true})
	wantParseError(t, err, ErrFieldCount, 3, "")
}

// TestLineEndings checks that LF, CRLF and lone CR each end a row, in one
// file or mixed, and that line numbers count each.
func TestLineEndings(t *testing.T) {
	rows := []string{"id,stage,owner,amount", "1,Lead,ana,5", "2,Demo,ben,6", "3,Lead,cy,7", "4,Lead,di,x"}
	for name, sep := range map[string][]string{
		"LF": {"\n"}, "CRLF": {"\r\n"}, "CR": {"\r"}, "mixed": {"\n", "\r", "\r\n", "\r", "\n"},
	} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			for i, r := range rows {
				b.WriteString(r + sep[i%len(sep)])
			}
			serr, deals, rep, err := readBoth(t, b.String(), amountMapping, Options{})
			wantParseError(t, serr, ErrAmount, 5, "amount")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"1", "2", "3"}, ids(deals)); diff != "" || rep.Rows != 4 || rep.Skipped != 1 {
				t.Errorf("report %+v, ids (-want +got):\n%s", rep, diff)
			}
		})
	}
}

// TestSuspiciousValues checks that an ID or a stage that holds a line
// break or a whole row's separators is rejected, naming the line where the
// field begins: the sign of a quote opened in one row and closed rows
// later.
func TestSuspiciousValues(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,stage,owner\n1,Lead,ana\n2,Lead,ben\n")
	b.WriteString("\"3,Lead,cy\n4,Lead,di\n5,Lead,ed\n6,Lead,fay\n7,Lead,gus\n8,Lead,hal\n9\",Lead,ivy\n") // lines 4-10
	b.WriteString("10,\"Lead,x,y\",jo\n")                                                                  // line 11
	b.WriteString("11,Lead,kim\n")                                                                         // line 12
	in := b.String()
	m := DealMapping{ID: "id", Stage: "stage", Owner: "owner"}
	serr, deals, rep, err := readBoth(t, in, m, Options{})
	pe := wantParseError(t, serr, ErrSuspicious, 4, "id")
	if !strings.Contains(pe.Error(), "10") {
		t.Errorf("error %q does not say where the value ends", pe)
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"1", "2", "11"}, ids(deals)); diff != "" || rep.Rows != 5 || rep.Skipped != 2 {
		t.Errorf("report %+v, ids (-want +got):\n%s", rep, diff)
	}
	if len(rep.Examples) != 2 || rep.Examples[1].Line != 11 || rep.Examples[1].Column != "stage" || !errors.Is(rep.Examples[1], ErrSuspicious) {
		t.Errorf("second example = %v, want line 11 column stage", rep.Examples[1])
	}
	// a multi-line value in another column is ordinary CSV
	deals, _, err = ReadDeals(strings.NewReader("id,stage,owner\n1,Lead,\"ana\nand ben\"\n"), "f.csv", testFunnel(t), m, Options{})
	if err != nil || len(deals) != 1 || deals[0].Attrs.Owner != "ana\nand ben" {
		t.Errorf("multi-line owner: %v, %v", deals, err)
	}
}

// TestUnclosedQuote checks that a quote that the file never closes stops
// the read in either mode, naming the line where it opened, and that the
// rows it swallowed are not counted as read.
func TestUnclosedQuote(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,stage\n1,Lead\n2,\"Lead\n")
	for i := 3; i <= 1000; i++ {
		fmt.Fprintf(&b, "%d,Lead\n", i)
	}
	for _, mode := range []funnel.Mode{funnel.Strict, funnel.Lenient} {
		x, err := NewDealReader(strings.NewReader(b.String()), "f.csv", testFunnel(t), DealMapping{ID: "id", Stage: "stage"}, Options{Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for range x.All() {
			n++
		}
		pe := wantParseError(t, x.Err(), ErrUnclosedQuote, 3, "stage")
		if !strings.Contains(pe.Error(), "1001") {
			t.Errorf("error %q does not say how far the quote runs", pe)
		}
		if rep := x.Report(); n != 1 || rep.Rows != 1 || rep.Kept != 1 || rep.Skipped != 0 {
			t.Errorf("mode %v: %d deals, report %+v", mode, n, rep)
		}
	}
}

// TestDuplicateColumns checks that a header naming a mapped column twice is
// an error naming both positions, and that a repeated unmapped name is not.
func TestDuplicateColumns(t *testing.T) {
	_, _, err := ReadDeals(strings.NewReader("id,amount,stage,amount\n1,5,Lead,6\n"), "f.csv", testFunnel(t),
		DealMapping{ID: "id", Stage: "stage", Amount: "amount"}, Options{})
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrDuplicateColumn) || pe.Column != "amount" || pe.Line != 1 ||
		!strings.Contains(err.Error(), "2") || !strings.Contains(err.Error(), "4") {
		t.Errorf("duplicate mapped column: %v", err)
	}
	deals, _, err := ReadDeals(strings.NewReader("id,notes,stage,notes\n1,a,Lead,b\n"), "f.csv", testFunnel(t),
		DealMapping{ID: "id", Stage: "stage"}, Options{})
	if err != nil || len(deals) != 1 {
		t.Errorf("duplicate unmapped column: %d deals, %v", len(deals), err)
	}
	_, _, err = ReadChanges(strings.NewReader("deal,stage,at,at\n"), "f.csv", testFunnel(t), ChangeMapping{DealID: "deal", Stage: "stage", At: "at"}, Options{})
	if !errors.Is(err, ErrDuplicateColumn) {
		t.Errorf("ReadChanges duplicate column: %v", err)
	}
	_, _, err = ReadTable(strings.NewReader("k,v,v\n1,a,b\n"), "f.csv", "k", Options{})
	if !errors.Is(err, ErrDuplicateColumn) {
		t.Errorf("ReadTable duplicate column: %v", err)
	}
}

// TestStageDateColumn checks that a validation error about a dated stage
// names the column of that stage's date, not the first stage-date column.
func TestStageDateColumn(t *testing.T) {
	in := "id,stage,created,closed,demo_at,prop_at\n" +
		"1,Closed Won,2024-01-01,2024-02-01,2024-01-05,2024-03-01\n" + // proposal after the close
		"2,Proposal,2024-01-10,,2024-01-05,2024-01-20\n" // demo before the creation
	m := DealMapping{ID: "id", Stage: "stage", Created: "created", Closed: "closed", Won: []string{"Closed Won"},
		StageDates: map[funnel.Stage]string{"Demo": "demo_at", "Proposal": "prop_at"}}
	_, _, rep, err := readBoth(t, in, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]any
	for _, e := range rep.Examples {
		got = append(got, [2]any{e.Line, e.Column})
	}
	if diff := cmp.Diff([][2]any{{2, "prop_at"}, {3, "demo_at"}}, got); diff != "" {
		t.Errorf("errors at (-want +got):\n%s", diff)
	}
}

// TestZeroTime checks that 0001-01-01, the zero time that a deal reads as
// "not recorded", is rejected with an error that says so.
func TestZeroTime(t *testing.T) {
	for _, v := range []string{"0001-01-01", "0001-01-01T00:00:00Z"} {
		_, _, err := ReadDeals(strings.NewReader("id,stage,created\n1,Lead,"+v+"\n"), "f.csv", testFunnel(t),
			DealMapping{ID: "id", Stage: "stage", Created: "created"}, Options{})
		pe := wantParseError(t, err, ErrTime, 2, "created")
		if !strings.Contains(pe.Error(), "zero time") {
			t.Errorf("error %q does not say it is the zero time", pe)
		}
	}
}
