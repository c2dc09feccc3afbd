package csvimport

import (
	"slices"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/packed"
)

// The rows of a history file and the entries derived from them are kept
// in blocks of histBlock records, field by field, each field a packed
// column (the difference of each value from the block's first, in 0 to 8
// bytes), so that a file of millions of rows is held without copies as it
// grows and in few bytes: in a stage log, whose rows of a block are of a
// few thousand deals over a few thousand lines, a row takes about 10
// bytes and an entry about 8 (against 40 and 24 as structs), the fields
// that do not vary (zones, nanoseconds, FromStage, field changes) none. A
// record's stage, zone and kind (or close) share one column, its tag:
// zone<<40 | stage<<3 | kind, whose differences are those of the stages
// while the zone and kind stay put.

// histBlock is the number of records of a full block.
const histBlock = 4096

// blockCap returns the room of the columns of block b: the first block
// starts small and grows, so that small files stay small.
func blockCap(b int) int {
	if b == 0 {
		return 64
	}
	return histBlock
}

// tag packs a record's stage (an index of the texts), zone and kind or
// close (0 to 7) into one value, and untag unpacks it.
func tag(stage uint32, zone uint16, kind int8) int64 {
	return int64(zone)<<40 | int64(stage)<<3 | int64(kind)
}

func untag(v int64) (stage uint32, zone uint16, kind int8) {
	return uint32(v >> 3), uint16(v >> 40), int8(v & 7)
}

// A rowStore holds the rows of a history file while it is read. The rows
// after the last full block are kept as they are, in tail, and packed
// when they fill a block, each field whole (packed.Pack: two passes over
// its values, with no test of the width per value).
type rowStore struct {
	blocks   []rowBlock
	tail     []histRow // the rows after the blocks: fewer than histBlock
	scratch  *[histBlock]int64
	n        int
	released int // the blocks released, from the first
}

// A rowBlock holds histBlock rows. It keeps its rows' FromStage, and
// their field changes, when one of them has some (the others then have
// zeros): stage logs have neither.
type rowBlock struct {
	sec, deal, line, tag, nsec, from, ch, n packed.Ints
	hasFrom, hasChanges                     bool
}

// add appends r.
func (s *rowStore) add(r *histRow) {
	if s.tail == nil {
		s.tail = make([]histRow, 0, blockCap(0)) // grows to a block's: small files stay small
	}
	s.tail = append(s.tail, *r)
	s.n++
	if len(s.tail) == histBlock {
		s.pack()
	}
}

// pack packs the tail, a full block, into a block.
func (s *rowStore) pack() {
	if s.scratch == nil {
		s.scratch = new([histBlock]int64)
	}
	vs, rs := s.scratch, (*[histBlock]histRow)(s.tail)
	var b rowBlock
	for i := range rs {
		vs[i] = rs[i].sec
	}
	b.sec = packed.Pack(vs[:], 0)
	for i := range rs {
		vs[i] = int64(rs[i].deal)
	}
	b.deal = packed.Pack(vs[:], 0)
	for i := range rs {
		vs[i] = int64(rs[i].line)
	}
	b.line = packed.Pack(vs[:], 0)
	for i := range rs {
		vs[i] = tag(rs[i].stage, rs[i].zone, rs[i].kind)
	}
	b.tag = packed.Pack(vs[:], 0)
	for i := range rs {
		vs[i] = int64(rs[i].nsec)
	}
	b.nsec = packed.Pack(vs[:], 0)
	var from, n uint32
	for i := range rs {
		from |= rs[i].from
		n |= uint32(rs[i].n)
	}
	if b.hasFrom = from != 0; b.hasFrom {
		for i := range rs {
			vs[i] = int64(rs[i].from)
		}
		b.from = packed.Pack(vs[:], 0)
	}
	if b.hasChanges = n != 0; b.hasChanges {
		for i := range rs {
			vs[i] = int64(rs[i].ch)
		}
		b.ch = packed.Pack(vs[:], 0)
		for i := range rs {
			vs[i] = int64(rs[i].n)
		}
		b.n = packed.Pack(vs[:], 0)
	}
	s.blocks = append(s.blocks, b)
	s.tail = s.tail[:0]
}

// at returns row i; its block must not have been released.
func (s *rowStore) at(i int) histRow {
	k, j := i/histBlock, i%histBlock
	if k == len(s.blocks) {
		return s.tail[j]
	}
	b := &s.blocks[k]
	r := histRow{sec: b.sec.At(j), line: int32(b.line.At(j)), deal: int32(b.deal.At(j)), nsec: int32(b.nsec.At(j))}
	r.stage, r.zone, r.kind = untag(b.tag.At(j))
	if b.hasFrom {
		r.from = uint32(b.from.At(j))
	}
	if b.hasChanges {
		r.ch, r.n = int32(b.ch.At(j)), int32(b.n.At(j))
	}
	return r
}

// dealsOf appends the deals of the rows of block k (the tail for k ==
// len(s.blocks)) to dst, read whole.
func (s *rowStore) dealsOf(k int, dst []int64) []int64 {
	if k == len(s.blocks) {
		for i := range s.tail {
			dst = append(dst, int64(s.tail[i].deal))
		}
		return dst
	}
	return s.blocks[k].deal.AppendTo(dst)
}

// block appends the rows of block k (the tail for k == len(s.blocks)),
// which must not have been released, to dst, read whole: a column at a
// time, without a test of its width per value.
func (s *rowStore) block(k int, dst []histRow) []histRow {
	if k == len(s.blocks) {
		return append(dst, s.tail...)
	}
	if s.scratch == nil {
		s.scratch = new([histBlock]int64)
	}
	b := &s.blocks[k]
	n := b.sec.Len()
	dst = slices.Grow(dst, n)[:len(dst)+n]
	out := dst[len(dst)-n:]
	clear(out)
	vs := s.scratch[:0]
	for i, v := range b.sec.AppendTo(vs) {
		out[i].sec = v
	}
	for i, v := range b.deal.AppendTo(vs) {
		out[i].deal = int32(v)
	}
	for i, v := range b.line.AppendTo(vs) {
		out[i].line = int32(v)
	}
	for i, v := range b.nsec.AppendTo(vs) {
		out[i].nsec = int32(v)
	}
	for i, v := range b.tag.AppendTo(vs) {
		out[i].stage, out[i].zone, out[i].kind = untag(v)
	}
	if b.hasFrom {
		for i, v := range b.from.AppendTo(vs) {
			out[i].from = uint32(v)
		}
	}
	if b.hasChanges {
		for i, v := range b.ch.AppendTo(vs) {
			out[i].ch = int32(v)
		}
		for i, v := range b.n.AppendTo(vs) {
			out[i].n = int32(v)
		}
	}
	return dst
}

// release drops the blocks that hold only rows before row i.
func (s *rowStore) release(i int) {
	for ; s.released < min(i/histBlock, len(s.blocks)); s.released++ {
		s.blocks[s.released] = rowBlock{}
	}
}

// An entryStore holds the stage entries and close events of every deal of
// a history file, deal after deal: the entries after the last full block
// as they are, in tail, packed as a rowStore's when they fill a block.
type entryStore struct {
	blocks  []entryBlock
	tail    []histEntry // the entries after the blocks: fewer than histBlock
	scratch *[histBlock]int64
	n       int
}

type entryBlock struct {
	sec, nsec, line, tag packed.Ints
}

// len returns the number of entries.
func (s *entryStore) len() int { return s.n }

// add appends e.
func (s *entryStore) add(e histEntry) {
	if s.tail == nil {
		s.tail = make([]histEntry, 0, blockCap(0))
	}
	s.tail = append(s.tail, e)
	s.n++
	if len(s.tail) == histBlock {
		s.pack()
	}
}

// pack packs the tail, a full block, into a block.
func (s *entryStore) pack() {
	if s.scratch == nil {
		s.scratch = new([histBlock]int64)
	}
	vs, es := s.scratch, (*[histBlock]histEntry)(s.tail)
	var b entryBlock
	for i := range es {
		vs[i] = es[i].sec
	}
	b.sec = packed.Pack(vs[:], 0)
	for i := range es {
		vs[i] = int64(es[i].nsec)
	}
	b.nsec = packed.Pack(vs[:], 0)
	for i := range es {
		vs[i] = int64(es[i].line)
	}
	b.line = packed.Pack(vs[:], 0)
	for i := range es {
		vs[i] = tag(es[i].stage, es[i].zone, int8(es[i].close))
	}
	b.tag = packed.Pack(vs[:], 0)
	s.blocks = append(s.blocks, b)
	s.tail = s.tail[:0]
}

// at returns entry i.
func (s *entryStore) at(i int) histEntry {
	k, j := i/histBlock, i%histBlock
	if k == len(s.blocks) {
		return s.tail[j]
	}
	b := &s.blocks[k]
	e := histEntry{sec: b.sec.At(j), nsec: int32(b.nsec.At(j)), line: int32(b.line.At(j))}
	var close int8
	e.stage, e.zone, close = untag(b.tag.At(j))
	e.close = funnel.Outcome(close)
	return e
}

// histDeals holds what a history file says of each of its deals, field by
// field, the deals indexed as the history's idIndex indexes their IDs:
// where its entries end (a deal's entries and field changes follow the
// previous deal's: 2 bytes a deal, packed), where its field changes end
// when some row has changes, and 8 bytes for each of the FromStage and
// Pipeline columns when the mapping has them.
type histDeals struct {
	n        int
	end      offsets  // where deal k's entries end
	cend     offsets  // where its field changes end, when some row has changes
	changes  bool     // whether some row has field changes
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
		return 0, d.end.at(0)
	}
	return d.end.at(int(k - 1)), d.end.at(int(k))
}

// changeRange returns where deal k's field changes are.
func (d *histDeals) changeRange(k int32) (int, int) {
	switch {
	case !d.changes:
		return 0, 0
	case k == 0:
		return 0, d.cend.at(0)
	}
	return d.cend.at(int(k - 1)), d.cend.at(int(k))
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

// offsets holds a nondecreasing offset for each deal, in index order, in
// packed blocks of histBlock deals.
type offsets struct {
	blocks []packed.Ints
	n      int
}

// add appends the offset of the next deal.
func (o *offsets) add(v int) {
	if o.n%histBlock == 0 {
		o.blocks = append(o.blocks, packed.NewInts(blockCap(len(o.blocks))))
	}
	o.blocks[len(o.blocks)-1].Append(int64(v))
	o.n++
}

// at returns the offset of deal k.
func (o *offsets) at(k int) int { return int(o.blocks[k/histBlock].At(k % histBlock)) }
