package packed

import (
	"encoding/binary"
	"testing"
)

// FuzzPack packs the values the fuzzer's bytes give (8 bytes each, or
// one signed byte each when the first byte is odd, so that small
// differences of every sign are common) and checks that the column reads
// them back, by At and by AppendTo, at the width Append would take.
func FuzzPack(f *testing.F) {
	f.Add([]byte{1, 1, 0, 1, 0})          // 1, 0, 1, 0: differences 0 and -1
	f.Add([]byte{1, 0x80, 0x7f, 0xff, 0}) // byte extremes
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var vs []int64
		if len(data) > 0 && data[0]&1 == 1 {
			for _, b := range data[1:] {
				vs = append(vs, int64(int8(b)))
			}
		} else if len(data) > 0 {
			for b := data[1:]; len(b) >= 8; b = b[8:] {
				vs = append(vs, int64(binary.LittleEndian.Uint64(b)))
			}
		}
		var want Ints
		for _, v := range vs {
			want.Append(v)
		}
		c := Pack(vs, 0)
		if c.Len() != len(vs) || c.Width() != want.Width() {
			t.Fatalf("Pack of %v: %d values of width %d, Append: %d of width %d", vs, c.Len(), c.Width(), want.Len(), want.Width())
		}
		got := c.AppendTo(nil)
		for i, v := range vs {
			if c.At(i) != v || got[i] != v {
				t.Fatalf("Pack of %v: value %d reads %d (AppendTo %d)", vs, i, c.At(i), got[i])
			}
		}
	})
}
