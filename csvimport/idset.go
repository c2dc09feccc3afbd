package csvimport

import (
	"encoding/binary"
	"hash/maphash"
	"strings"
)

// An idSet holds the deal IDs a reader has seen, for its duplicate check.
// It is exact: two IDs are the same only if their bytes are. Each ID is
// copied into chunks of memory shared by many IDs, after the line where it
// was seen, and indexed by a 64-bit hash, so that an ID costs its length
// and about 25 bytes, holds on to no record, and gives the garbage
// collector no pointer to follow. IDs whose hashes collide are told apart
// by their bytes, the later ones kept in a map of their own.
type idSet struct {
	seed   maphash.Seed
	index  map[uint64]uint64 // hash -> position of the first ID with that hash
	more   map[string]int    // IDs whose hash is an earlier ID's -> line
	chunks [][]byte
}

// idChunk is the size of the chunks that IDs are copied into.
const idChunk = 64 << 10

func newIDSet(size int) *idSet {
	return &idSet{seed: maphash.MakeSeed(), index: make(map[uint64]uint64, size)}
}

// grow makes room for n more IDs.
func (s *idSet) grow(n int) {
	index := make(map[uint64]uint64, len(s.index)+n)
	for h, p := range s.index {
		index[h] = p
	}
	s.index = index
}

// add adds id, seen on line, and returns 0; or, if id is in the set,
// returns the line where it was first seen.
func (s *idSet) add(id string, line int) int {
	h := maphash.String(s.seed, id)
	pos, ok := s.index[h]
	if !ok {
		s.index[h] = s.store(id, line)
		return 0
	}
	if first, stored := s.load(pos); string(stored) == id {
		return first
	}
	if first, ok := s.more[id]; ok {
		return first
	}
	if s.more == nil {
		s.more = make(map[string]int)
	}
	s.more[strings.Clone(id)] = line
	return 0
}

// store copies line and id into the last chunk, or a new one, and returns
// its position: the chunk's index in the high 32 bits, the offset in it in
// the low ones.
func (s *idSet) store(id string, line int) uint64 {
	need := 2*binary.MaxVarintLen64 + len(id)
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1])+need > cap(s.chunks[n-1]) {
		s.chunks = append(s.chunks, make([]byte, 0, max(idChunk, need)))
		n++
	}
	c := s.chunks[n-1]
	pos := uint64(n-1)<<32 | uint64(len(c))
	c = binary.AppendUvarint(c, uint64(line))
	c = binary.AppendUvarint(c, uint64(len(id)))
	s.chunks[n-1] = append(c, id...)
	return pos
}

// load returns the line and the bytes of the ID stored at pos.
func (s *idSet) load(pos uint64) (int, []byte) {
	c := s.chunks[pos>>32][uint32(pos):]
	line, k := binary.Uvarint(c)
	c = c[k:]
	n, k := binary.Uvarint(c)
	return int(line), c[k : k+int(n)]
}
