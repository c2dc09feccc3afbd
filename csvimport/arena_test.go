package csvimport

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"

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

// A valueCache finds only a string equal to the bytes looked up, and finds
// the values of a column with few of them once each is kept; a column of
// distinct values turns it off after a window.
func TestValueCache(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	few := []string{"web_inbound", "partner", "outbound", "event", "referral", "paid_search", "x"}
	var vc valueCache
	found := 0
	for i := range 5000 {
		want := few[r.IntN(len(few))]
		b := []byte(want)
		s, slot, ok := vc.find(b)
		if ok {
			found++
			if s != want {
				t.Fatalf("row %d: found %q for %q", i, s, want)
			}
			continue
		}
		vc.keep(slot, strings.Clone(want))
	}
	if vc.off || found < 4900 {
		t.Errorf("few values: found %d of 5000, off %v", found, vc.off)
	}
	var ids valueCache
	for i := range 3 * valueWindow {
		b := fmt.Appendf(nil, "D%07d", i)
		s, slot, ok := ids.find(b)
		if ok {
			t.Fatalf("ID %s: found %q", b, s)
		}
		ids.keep(slot, string(b))
	}
	if !ids.off || ids.slots != [valueSlots]string{} {
		t.Errorf("distinct values: off %v, slots kept %v", ids.off, ids.slots != [valueSlots]string{})
	}
	long := bytes.Repeat([]byte("a"), valueMaxLen+1)
	var lc valueCache
	if _, slot, ok := lc.find(long); ok || slot < valueSlots {
		t.Errorf("a long value: found %v, slot %d", ok, slot)
	}
}

// The string fields of deals whose columns repeat a few values (some
// quoted, some trimmed, some aliased by a rule, custom ones), beside columns of distinct
// values and one whose values turn distinct midway, are the values
// encoding/csv reads, on one worker and on several; on one, the deals of
// one value of a column of few share its string.
func TestDealStringsSharedAsEncodingCSV(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	sources := []string{"web_inbound", "partner", `"out,bound"`, `"say ""hi"""`, "event", "referral"}
	var reps []string
	for i := range 60 {
		reps = append(reps, fmt.Sprintf("rep_%d", i))
	}
	var in bytes.Buffer
	in.WriteString("id,account,stage,source,rep,region,tier\n")
	for i := range 6000 {
		region := []string{"EMEA", "NA", "APAC", "LATAM", ""}[r.IntN(5)]
		if i > 3000 {
			region = fmt.Sprintf("R%d", i) // distinct from here on
		}
		fmt.Fprintf(&in, "D%d,%d,Lead,%s,%s,%s,%s\n", i, r.IntN(100000), sources[r.IntN(len(sources))],
			reps[r.IntN(len(reps))], region, []string{"gold", "silver", "", " bronze "}[r.IntN(4)])
	}
	recs, err := csv.NewReader(bytes.NewReader(in.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	type fields struct{ ID, Account, Source, Owner, Region, Tier string }
	wantOf := func(alias bool) []fields {
		var want []fields
		for _, rec := range recs[1:] {
			src := rec[3]
			if alias && src == "partner" {
				src = "Partner"
			}
			want = append(want, fields{rec[0], rec[1], src, rec[4], rec[5], strings.TrimSpace(rec[6])})
		}
		return want
	}
	m := DealMapping{ID: "id", Account: "account", Stage: "stage", Source: "source", Owner: "rep", Region: "region", Custom: map[string]string{"tier": "tier"}}
	withChunk(t, 8192)
	for _, w := range []int{1, 2} {
		for _, alias := range []bool{false, true} {
			mm := m
			if alias {
				mm.Values = map[string]ValueRule{"source": {Aliases: map[string]string{"partner": "Partner"}}}
			}
			want := wantOf(alias)
			deals, _, err := ReadDeals(bytes.NewReader(in.Bytes()), "d.csv", testFunnel(t), mm, Options{Workers: w})
			if err != nil {
				t.Fatal(err)
			}
			var got []fields
			sourceData := map[*byte]bool{}
			for _, d := range deals {
				got = append(got, fields{d.ID, d.Account, d.Attrs.Source, d.Attrs.Owner, d.Attrs.Region, d.Attrs.Custom["tier"]})
				sourceData[unsafe.StringData(d.Attrs.Source)] = true
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%d workers, rules %v: fields (-encoding/csv +ReadDeals):\n%s", w, alias, diff)
			}
			if w == 1 && len(sourceData) != len(sources) {
				t.Errorf("rules %v: the sources of the deals have %d strings, want %d", alias, len(sourceData), len(sources))
			}
		}
	}
}
