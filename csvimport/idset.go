package csvimport

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"strings"
)

// An idSet holds the deal IDs a reader has seen, for its duplicate check.
// It is exact: two IDs are the same only if their bytes are.
//
// Each ID is copied, after the line where it was seen, into chunks of
// memory shared by many IDs, and found through an open-addressing table
// of 8-byte slots (linear probing, at most 70% full), each holding the
// ID's position in the chunks and 24 more bits of its hash, so that most
// slots that do not hold the ID are passed over without reading it. An ID
// thus costs its length and 15 to 30 bytes (26 bytes in all for each of
// 10,000,000 IDs of 8 bytes), keeps no record alive, and gives the
// garbage collector no pointer to follow; a lookup reads one slot's cache
// line, and the ID's bytes when the hash bits match.
type idSet struct {
	// lines holds, by number, 1 + the line of each ID that is a number
	// kept densely (see denseID): no hashing, 4 bytes per number
	lines   []int32
	held    int // IDs in lines
	numeric int // numbers held in the slots (the dense slice could not hold them)

	seed   maphash.Seed
	slots  []uint64 // 0: empty; else tag<<posBits | position+1
	n      int      // IDs held
	chunks [][]byte
	// more holds IDs once the chunks are as many as a slot can index
	// (2^24, a terabyte of IDs): no machine gets there, but no input
	// makes the set fail.
	more      map[string]int
	maxChunks int    // 1<<24; less in tests
	touched   uint64 // what reading slots ahead of add read, kept so that the reads are done
}

const (
	idChunk   = 64 << 10 // the size of the chunks IDs are copied into
	posBits   = 40       // bits of a slot for the position: 24 of chunk index, 16 of offset
	chunkBits = 16
)

func newIDSet(size int) *idSet {
	s := &idSet{seed: maphash.MakeSeed(), maxChunks: 1 << (posBits - chunkBits)}
	s.grow(size)
	return s
}

// grow makes room for n more IDs without a rehash.
func (s *idSet) grow(n int) {
	want := max((s.n+n)*10/7, 8)
	if want <= len(s.slots) {
		return
	}
	s.resize(1 << bits.Len(uint(want-1)))
}

// resize moves the IDs into a table of size slots, a power of two.
func (s *idSet) resize(size int) {
	old := s.slots
	s.slots = make([]uint64, size)
	for _, v := range old {
		if v != 0 {
			_, id := s.load(v&(1<<posBits-1) - 1)
			s.place(maphash.Bytes(s.seed, id), v)
		}
	}
}

// place puts slot value v in the first free slot from h's.
func (s *idSet) place(h, v uint64) {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if s.slots[i] == 0 {
			s.slots[i] = v
			return
		}
	}
}

// hash returns the hash of id for add; 0, not computed, for a number
// (add hashes it if it needs to).
func (s *idSet) hash(id []byte) uint64 {
	if _, ok := denseID(id); ok {
		return 0
	}
	return maphash.Bytes(s.seed, id)
}

// hashString is hash for a string.
func (s *idSet) hashString(id string) uint64 {
	if _, ok := denseID(id); ok {
		return 0
	}
	return maphash.String(s.seed, id)
}

// add adds id, of hash h, seen on line, and returns 0; or, if id is in
// the set, returns the line where it was first seen.
func (s *idSet) add(id string, h uint64, line int) int {
	if v, ok := denseID(id); ok {
		if int(v) < len(s.lines) && s.lines[v] > 0 {
			return int(s.lines[v] - 1)
		}
		h = maphash.String(s.seed, id) // hash told add a number
		if s.numeric > 0 {
			if first, ok := s.find(id, h); ok {
				return first
			}
		}
		if line < maxDenseID && denseRoom(v, len(s.lines), s.n+s.held) {
			s.lines = growDense(s.lines, v)
			s.lines[v] = int32(line + 1)
			s.held++
			return 0
		}
		s.numeric++
	} else if first, ok := s.find(id, h); ok {
		return first
	}
	s.insert(id, h, line)
	return 0
}

// find returns the line of id, of hash h, if it is in the slots (or the
// overflow map).
func (s *idSet) find(id string, h uint64) (int, bool) {
	if s.more != nil {
		if first, ok := s.more[id]; ok {
			return first, true
		}
	}
	tag := h >> posBits
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; s.slots[i] != 0; i = (i + 1) & mask {
		if v := s.slots[i]; v>>posBits == tag {
			if first, stored := s.load(v&(1<<posBits-1) - 1); string(stored) == id {
				return first, true
			}
		}
	}
	return 0, false
}

// insert adds id, of hash h, not in the set, to the slots.
func (s *idSet) insert(id string, h uint64, line int) {
	pos, ok := s.store(id, line)
	if !ok {
		if s.more == nil {
			s.more = make(map[string]int)
		}
		s.more[strings.Clone(id)] = line
		return
	}
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != 0 {
		i = (i + 1) & mask
	}
	s.slots[i] = h>>posBits<<posBits | (pos + 1)
	s.n++
	if s.n*10 > len(s.slots)*7 {
		s.resize(2 * len(s.slots))
	}
}

// store copies line and id into the last chunk, or a new one, and returns
// its position: the chunk's index, then the offset in it. It returns false
// when a slot could not index a new chunk.
func (s *idSet) store(id string, line int) (uint64, bool) {
	need := 2*binary.MaxVarintLen64 + len(id)
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1])+need > cap(s.chunks[n-1]) || cap(s.chunks[n-1]) > idChunk {
		if n == s.maxChunks {
			return 0, false
		}
		// An ID longer than a chunk gets one of its own, at offset 0.
		s.chunks = append(s.chunks, make([]byte, 0, max(idChunk, need)))
		n++
	}
	c := s.chunks[n-1]
	pos := uint64(n-1)<<chunkBits | uint64(len(c))
	c = binary.AppendUvarint(c, uint64(line))
	c = binary.AppendUvarint(c, uint64(len(id)))
	s.chunks[n-1] = append(c, id...)
	return pos, true
}

// load returns the line and the bytes of the ID stored at pos.
func (s *idSet) load(pos uint64) (int, []byte) {
	c := s.chunks[pos>>chunkBits][pos&(1<<chunkBits-1):]
	line, k := binary.Uvarint(c)
	c = c[k:]
	n, k := binary.Uvarint(c)
	return int(line), c[k : k+int(n)]
}
