package csvimport

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// The notes of rows that add different notes in turn, and of a row that
// fails between them, are counted row by row, serially and on workers in
// chunks of any length.
func TestNotesCountedPerRow(t *testing.T) {
	f := testFunnel(t)
	var b bytes.Buffer
	b.WriteString("id,stage,amount,won,closed\n")
	// row k (1 to 12): the amount is empty on rows 1, 2, 3, 7 and 11, the
	// won flag on rows 2, 5, 6, 7, 8 and 11; row 11's closed time is not a
	// time, so that it fails (and is skipped) after its flag's note (the
	// flag is read before the times, the amount after them)
	emptyAmount := map[int]bool{1: true, 2: true, 3: true, 7: true, 11: true}
	emptyFlag := map[int]bool{2: true, 5: true, 6: true, 7: true, 8: true, 11: true}
	for k := 1; k <= 12; k++ {
		amount, flag, closed := "10", "yes", "2024-02-01"
		if emptyAmount[k] {
			amount = ""
		}
		if emptyFlag[k] {
			flag = ""
		}
		if k == 11 {
			closed = "soon"
		}
		fmt.Fprintf(&b, "D%d,Lead,%s,%s,%s\n", k, amount, flag, closed)
	}
	m := DealMapping{ID: "id", Stage: "stage", Amount: "amount", WonFlag: "won", Closed: "closed",
		EmptyAmountIsZero: true, DefaultCurrency: "USD"}
	want := []Reason{{NoteEmptyFlag, 6}, {NoteEmptyAmount, 4}}
	for _, chunk := range []int{1 << 20, 1, 13, 40} {
		withChunk(t, chunk)
		for _, w := range []int{1, 2} {
			deals, rep, err := ReadDeals(bytes.NewReader(b.Bytes()), "d.csv", f, m, Options{Mode: funnel.Lenient, Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			if len(deals) != 11 || rep.Skipped != 1 {
				t.Errorf("chunks of %d, %d workers: %d deals, %d skipped, want 11 and 1", chunk, w, len(deals), rep.Skipped)
			}
			if diff := cmp.Diff(want, rep.Notes); diff != "" {
				t.Errorf("chunks of %d, %d workers: notes (-want +got):\n%s", chunk, w, diff)
			}
		}
	}
}
