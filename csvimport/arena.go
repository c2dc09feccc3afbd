package csvimport

import "unsafe"

// A stringArena makes strings from bytes without an allocation each: it
// copies them into a block of arenaBlock bytes and returns the string of
// their copy there, as the slab of dealReader.alloc does for histories.
// A block's bytes are never written again once a string holds them, so
// that the strings are as immutable as any; a string keeps its block
// alive, and with it the strings made before and after it in the block.
type stringArena struct {
	buf []byte // the current block: its length is the part in use
}

// arenaBlock is the size of a block of a stringArena: the fields of some
// 50 deals of a typical export.
const arenaBlock = 4096

// string returns a string of the bytes of b.
func (a *stringArena) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		if len(b) > arenaBlock/4 {
			return string(b) // a long value: a string of its own
		}
		a.buf = make([]byte, 0, arenaBlock)
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}

// A valueCache remembers the recent distinct values of one string column,
// so that the rows repeating a value (a source, a region, a rep) share one
// string of it: no copy of their own, and a string that compares equal to
// the others of its value at their first byte's address. It is a table of
// valueSlots strings indexed by a hash of the bytes, in pairs: a value is
// looked for in its slot and the other of the pair, and kept in the first
// of them that is empty, or else in its own slot. A column whose values seldom repeat,
// such as an ID, turns its cache off after a window of lookups with less
// than half of them found, and then costs one test per row.
type valueCache struct {
	slots       [valueSlots]string
	tries, hits uint32
	off         bool
}

const (
	valueSlots  = 128 // a power of 2
	valueWindow = 1024
	valueMaxLen = 64 // longer values are not looked up
)

// valueSlot returns the index in a valueCache's table of the value b, not
// empty: a hash of its length and its first and last two bytes, which
// tell apart the values of a column of names and numbered codes
// ("rep_7", "rep_47") at the cost of a few instructions.
func valueSlot(b []byte) uint32 {
	n := len(b)
	h := uint64(n) | uint64(b[0])<<8 | uint64(b[max(n-2, 0)])<<16 | uint64(b[n-1])<<24
	return uint32((h * 0x9E3779B97F4A7C15) >> (64 - 7)) // log2(valueSlots)
}

// find returns the string of the table equal to b and true, or the slot
// for b's string and false (a slot past the table: do not keep it).
func (vc *valueCache) find(b []byte) (string, uint32, bool) {
	if vc.off || len(b) == 0 || len(b) > valueMaxLen {
		return "", valueSlots, false
	}
	if vc.tries++; vc.tries > valueWindow {
		if vc.hits < valueWindow/2 {
			vc.off = true
			vc.slots = [valueSlots]string{} // keep no strings alive
			return "", valueSlots, false
		}
		vc.tries, vc.hits = 1, 0
	}
	i := valueSlot(b)
	if s := vc.slots[i]; s == string(b) {
		vc.hits++
		return s, i, true
	}
	if s := vc.slots[i^1]; s == string(b) {
		vc.hits++
		return s, i ^ 1, true
	}
	return "", i, false
}

// keep puts s in slot i, as found by find, or in its pair (i^1) when that
// one is empty and i is not.
func (vc *valueCache) keep(i uint32, s string) {
	if i < valueSlots {
		if vc.slots[i] != "" && vc.slots[i^1] == "" {
			i ^= 1
		}
		vc.slots[i] = s
	}
}
