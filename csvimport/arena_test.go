package csvimport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The strings of a stringArena are copies: what their bytes held when
// made, whatever is written to those bytes after, across blocks and for
// values too long to share one.
func TestStringArena(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var a stringArena
	var got, want []string
	buf := make([]byte, 0, 3*arenaBlock)
	for range 2000 {
		n := r.IntN(40)
		if r.IntN(50) == 0 {
			n = arenaBlock/4 + r.IntN(arenaBlock)
		}
		buf = buf[:n]
		for i := range buf {
			buf[i] = byte('a' + r.IntN(26))
		}
		want = append(want, string(buf))
		got = append(got, a.string(buf))
		for i := range buf {
			buf[i] = '#' // the caller's scratch, reused
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("strings (-want +got):\n%s", diff)
	}
}

// The string fields of the deals are the values encoding/csv reads from
// the same file, for values of any length, on one worker and on several.
func TestDealStringsAsEncodingCSV(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	word := func() string {
		n := r.IntN(12)
		if r.IntN(40) == 0 {
			n = 900 + r.IntN(3000) // longer than an arena block's quarter, or than a block
		}
		var b strings.Builder
		for range n {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
		return b.String()
	}
	var in bytes.Buffer
	in.WriteString("id,account,stage,source,rep,notes\n")
	for i := range 3000 {
		fmt.Fprintf(&in, "D%d%s,%s,Lead,%s,%s,%s\n", i, word(), word(), word(), word(), word())
	}
	recs, err := csv.NewReader(bytes.NewReader(in.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type fields struct{ ID, Account, Source, Owner string }
	var want []fields
	for _, rec := range recs[1:] {
		want = append(want, fields{rec[0], rec[1], rec[3], rec[4]})
	}
	m := DealMapping{ID: "id", Account: "account", Stage: "stage", Source: "source", Owner: "rep"}
	withChunk(t, 8192)
	for _, w := range []int{1, 2} {
		deals, _, err := ReadDeals(bytes.NewReader(in.Bytes()), "d.csv", testFunnel(t), m, Options{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		var got []fields
		for _, d := range deals {
			got = append(got, fields{d.ID, d.Account, d.Attrs.Source, d.Attrs.Owner})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d workers: fields (-encoding/csv +ReadDeals):\n%s", w, diff)
		}
	}
}
