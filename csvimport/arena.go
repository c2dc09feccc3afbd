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
