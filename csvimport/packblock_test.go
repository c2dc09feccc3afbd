package csvimport

import (
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
)

// TestRowStoreOneBelowFirst fills a block whose first row has one field
// change and whose others have none, and whose first row's deal, line,
// time and kind are one above the others': each column differs from its
// first value by 0 or -1 only, and every row must read back as added.
func TestRowStoreOneBelowFirst(t *testing.T) {
	var rows rowStore
	var want []histRow
	for i := range histBlock + 3 {
		r := histRow{sec: 100, deal: 4, line: 9, kind: 2, ch: 1, n: 0}
		if i == 0 {
			r = histRow{sec: 101, deal: 5, line: 10, kind: 3, ch: 0, n: 1}
		}
		rows.add(&r)
		want = append(want, r)
	}
	var got []histRow
	for b := range len(rows.blocks) + 1 {
		got = rows.block(b, got)
	}
	if diff := gocmp.Diff(want, got, gocmp.AllowUnexported(histRow{})); diff != "" {
		t.Fatalf("rows read by block (-want +got):\n%s", diff)
	}
	for i := range want {
		if r := rows.at(i); r != want[i] {
			t.Fatalf("row %d is %+v, want %+v", i, r, want[i])
		}
	}
}
