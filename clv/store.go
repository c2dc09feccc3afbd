package clv

import "github.com/funnelmetrics/funnel/internal/packed"

// txnBlockLen is the number of transactions of a full block of a
// txnStore.
const txnBlockLen = 4096

// A txnStore holds a log's transactions in blocks of txnBlockLen, so that
// growing it never copies what it holds and it allocates about what it
// stores. A full block keeps each field in a packed column (each value as
// its difference from the block's first, in 0 to 8 bytes): a transaction
// of a log of dates, of amounts at one exponent, takes about 12 bytes (4
// for its time, up to 4 for its customer, 4 for its amount's coefficient
// up to 21 million at two decimals), its nanoseconds and exponent none.
// The transactions after the last full block are kept as they are, in
// tail, and packed when they fill a block, each field whole: in two
// passes over its values, with no test of its width per value.
type txnStore struct {
	blocks  []txnBlock
	tail    []txn               // the transactions after the blocks: fewer than txnBlockLen
	scratch *[txnBlockLen]int64 // a field of the tail, while it is packed
	n       int
}

// A txnBlock holds txnBlockLen transactions, field by field.
type txnBlock struct {
	sec, nsec, cust, amt, exp packed.Ints
}

// A txnCols holds the fields of a block of transactions read whole,
// field by field, for a pass over every transaction: a column read whole
// costs less than a transaction read by at.
type txnCols struct {
	sec, nsec, cust, amt, exp []int64
}

// len returns the number of transactions.
func (s *txnStore) len() int { return s.n }

// at returns transaction i.
func (s *txnStore) at(i int) txn {
	k, j := i/txnBlockLen, i%txnBlockLen
	if k == len(s.blocks) {
		return s.tail[j]
	}
	b := &s.blocks[k]
	return txn{sec: b.sec.At(j), nsec: int32(b.nsec.At(j)), cust: int32(b.cust.At(j)), amt: b.amt.At(j), exp: int32(b.exp.At(j))}
}

// cust returns the customer of transaction i.
func (s *txnStore) cust(i int) int32 {
	k, j := i/txnBlockLen, i%txnBlockLen
	if k == len(s.blocks) {
		return s.tail[j].cust
	}
	return int32(s.blocks[k].cust.At(j))
}

// add appends t.
func (s *txnStore) add(t txn) {
	if s.tail == nil {
		s.tail = make([]txn, 0, 8) // grows to a block's: small logs stay small
	}
	s.tail = append(s.tail, t)
	s.n++
	if len(s.tail) == txnBlockLen {
		s.pack()
	}
}

// pack packs the tail, a full block, into a block.
func (s *txnStore) pack() {
	if s.scratch == nil {
		s.scratch = new([txnBlockLen]int64)
	}
	vs, ts := s.scratch, (*[txnBlockLen]txn)(s.tail)
	var b txnBlock
	for i := range ts {
		vs[i] = ts[i].sec
	}
	b.sec = packed.Pack(vs[:], 0)
	for i := range ts {
		vs[i] = int64(ts[i].nsec)
	}
	b.nsec = packed.Pack(vs[:], 0)
	for i := range ts {
		vs[i] = int64(ts[i].cust)
	}
	b.cust = packed.Pack(vs[:], 0)
	for i := range ts {
		vs[i] = ts[i].amt
	}
	b.amt = packed.Pack(vs[:], 0)
	for i := range ts {
		vs[i] = int64(ts[i].exp)
	}
	b.exp = packed.Pack(vs[:], 0)
	s.blocks = append(s.blocks, b)
	s.tail = s.tail[:0]
}

// read reads block k (the tail for k == len(s.blocks)) into c, reusing
// its storage.
func (s *txnStore) read(k int, c *txnCols) {
	if k == len(s.blocks) {
		c.sec, c.nsec, c.cust, c.amt, c.exp = c.sec[:0], c.nsec[:0], c.cust[:0], c.amt[:0], c.exp[:0]
		for i := range s.tail {
			t := &s.tail[i]
			c.sec, c.nsec, c.cust = append(c.sec, t.sec), append(c.nsec, int64(t.nsec)), append(c.cust, int64(t.cust))
			c.amt, c.exp = append(c.amt, t.amt), append(c.exp, int64(t.exp))
		}
		return
	}
	b := &s.blocks[k]
	c.sec, c.nsec, c.cust = b.sec.AppendTo(c.sec[:0]), b.nsec.AppendTo(c.nsec[:0]), b.cust.AppendTo(c.cust[:0])
	c.amt, c.exp = b.amt.AppendTo(c.amt[:0]), b.exp.AppendTo(c.exp[:0])
}
