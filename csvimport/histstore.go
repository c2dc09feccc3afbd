package csvimport

import "github.com/funnelmetrics/funnel"

// The rows of a history file and the entries derived from them are kept
// in blocks of histBlock records, field by field, so that a file of
// millions of rows is held without copies as it grows and about as large
// as what it stores: a column that most files do not need (nanoseconds,
// other zones than the block's first, FromStage, field changes) is
// allocated only for a block that has a value for it. A row then takes 21
// bytes, an entry 17 (against 40 and 24 as structs).

// histBlock is the number of records of a full block.
const histBlock = 4096

// blockCap returns the capacity of the columns of block b: the first block
// starts small and grows, so that small files stay small.
func blockCap(b int) int {
	if b == 0 {
		return 64
	}
	return histBlock
}

// lazyAppend appends v to col, the column of a block that holds j records:
// col stays nil while every value is def, and is filled with def for the
// records before the first other value.
func lazyAppend[T comparable](col []T, v, def T, j, size int) []T {
	if col == nil {
		if v == def {
			return nil
		}
		col = make([]T, j, max(size, j+1))
		for i := range col {
			col[i] = def
		}
	}
	return append(col, v)
}

// lazyAt returns record j of a lazily allocated column.
func lazyAt[T any](col []T, j int, def T) T {
	if col == nil {
		return def
	}
	return col[j]
}

// A rowStore holds the rows of a history file while it is read.
type rowStore struct {
	blocks []rowBlock
	n      int
}

type rowBlock struct {
	sec   []int64
	deal  []int32
	line  []int32
	stage []uint32
	kind  []int8
	zone  []uint16 // nil while every row's is zone0
	zone0 uint16
	nsec  []int32  // nil while every row's is 0
	from  []uint32 // nil while every row's is 0
	ch, n []int32  // nil while every row's n is 0
}

// add appends r.
func (s *rowStore) add(r *histRow) {
	if s.n%histBlock == 0 {
		size := blockCap(len(s.blocks))
		s.blocks = append(s.blocks, rowBlock{sec: make([]int64, 0, size), deal: make([]int32, 0, size),
			line: make([]int32, 0, size), stage: make([]uint32, 0, size), kind: make([]int8, 0, size), zone0: r.zone})
	}
	b := &s.blocks[len(s.blocks)-1]
	j, size := len(b.sec), cap(b.sec)
	b.sec = append(b.sec, r.sec)
	b.deal = append(b.deal, r.deal)
	b.line = append(b.line, r.line)
	b.stage = append(b.stage, r.stage)
	b.kind = append(b.kind, r.kind)
	b.zone = lazyAppend(b.zone, r.zone, b.zone0, j, size)
	b.nsec = lazyAppend(b.nsec, r.nsec, 0, j, size)
	b.from = lazyAppend(b.from, r.from, 0, j, size)
	if r.n != 0 && b.n == nil {
		b.ch, b.n = make([]int32, j, size), make([]int32, j, size)
	}
	if b.n != nil {
		b.ch, b.n = append(b.ch, r.ch), append(b.n, r.n)
	}
	s.n++
}

// at returns row i; its block must not have been released.
func (s *rowStore) at(i int) histRow {
	b, j := &s.blocks[i/histBlock], i%histBlock
	return histRow{sec: b.sec[j], line: b.line[j], deal: b.deal[j], ch: lazyAt(b.ch, j, 0), n: lazyAt(b.n, j, 0),
		nsec: lazyAt(b.nsec, j, 0), stage: b.stage[j], from: lazyAt(b.from, j, 0), zone: lazyAt(b.zone, j, b.zone0), kind: b.kind[j]}
}

// deal returns the deal of row i.
func (s *rowStore) deal(i int) int32 { return s.blocks[i/histBlock].deal[i%histBlock] }

// release drops the blocks that hold only rows before row i.
func (s *rowStore) release(i int) {
	for b := range min(i/histBlock, len(s.blocks)) {
		s.blocks[b] = rowBlock{}
	}
}

// An entryStore holds the stage entries and close events of every deal of
// a history file, deal after deal.
type entryStore struct {
	blocks []entryBlock
	n      int
}

type entryBlock struct {
	sec   []int64
	line  []int32
	stage []uint32
	close []funnel.Outcome
	zone  []uint16 // nil while every entry's is zone0
	zone0 uint16
	nsec  []int32 // nil while every entry's is 0
}

// len returns the number of entries.
func (s *entryStore) len() int { return s.n }

// add appends e.
func (s *entryStore) add(e histEntry) {
	if s.n%histBlock == 0 {
		size := blockCap(len(s.blocks))
		s.blocks = append(s.blocks, entryBlock{sec: make([]int64, 0, size), line: make([]int32, 0, size),
			stage: make([]uint32, 0, size), close: make([]funnel.Outcome, 0, size), zone0: e.zone})
	}
	b := &s.blocks[len(s.blocks)-1]
	j, size := len(b.sec), cap(b.sec)
	b.sec = append(b.sec, e.sec)
	b.line = append(b.line, e.line)
	b.stage = append(b.stage, e.stage)
	b.close = append(b.close, e.close)
	b.zone = lazyAppend(b.zone, e.zone, b.zone0, j, size)
	b.nsec = lazyAppend(b.nsec, e.nsec, 0, j, size)
	s.n++
}

// at returns entry i.
func (s *entryStore) at(i int) histEntry {
	b, j := &s.blocks[i/histBlock], i%histBlock
	return histEntry{sec: b.sec[j], nsec: lazyAt(b.nsec, j, 0), line: b.line[j], stage: b.stage[j],
		zone: lazyAt(b.zone, j, b.zone0), close: b.close[j]}
}

// histDeals holds what a history file says of each of its deals, field by
// field, the deals indexed as the history's idIndex indexes their IDs:
// 8 bytes a deal, and 8 more for each of the FromStage and Pipeline
// columns when the mapping has them. A deal's entries and field changes
// follow the previous deal's: it keeps where they end.
type histDeals struct {
	n        int
	end      []int32  // deal k's entries end at end[k]
	cend     []int32  // its field changes end at cend[k]; nil when no deal has any
	from     []uint32 // the stage it was created in, or 0 (index of history.texts); nil without FromStage
	fromLine []int32
	pipeline []uint32 // its pipeline, or 0; nil without a Pipeline column
	pipeLine []int32
	used     []uint64 // bit k: a row of the deals file found deal k
}

// add adds a deal, with no first stage or pipeline yet.
func (d *histDeals) add() {
	if d.n%64 == 0 {
		d.used = append(d.used, 0)
	}
	if d.from != nil {
		d.from, d.fromLine = append(d.from, 0), append(d.fromLine, 0)
	}
	if d.pipeline != nil {
		d.pipeline, d.pipeLine = append(d.pipeline, 0), append(d.pipeLine, 0)
	}
	d.n++
}

// entryRange returns where deal k's entries are in the history's entries.
func (d *histDeals) entryRange(k int32) (int, int) {
	if k == 0 {
		return 0, int(d.end[0])
	}
	return int(d.end[k-1]), int(d.end[k])
}

// changeRange returns where deal k's field changes are.
func (d *histDeals) changeRange(k int32) (int, int) {
	switch {
	case d.cend == nil:
		return 0, 0
	case k == 0:
		return 0, int(d.cend[0])
	}
	return int(d.cend[k-1]), int(d.cend[k])
}

// fromOf returns the stage deal k was created in and the line that says
// so, or 0.
func (d *histDeals) fromOf(k int32) (uint32, int32) {
	if d.from == nil {
		return 0, 0
	}
	return d.from[k], d.fromLine[k]
}

// pipelineOf returns deal k's pipeline and the line that first names it,
// or 0.
func (d *histDeals) pipelineOf(k int32) (uint32, int32) {
	if d.pipeline == nil {
		return 0, 0
	}
	return d.pipeline[k], d.pipeLine[k]
}

func (d *histDeals) markUsed(k int32)    { d.used[k/64] |= 1 << (k % 64) }
func (d *histDeals) isUsed(k int32) bool { return d.used[k/64]&(1<<(k%64)) != 0 }
