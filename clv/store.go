package clv

import "github.com/funnelmetrics/funnel/internal/packed"

// txnBlockLen is the number of transactions of a full block of a
// txnStore.
const txnBlockLen = 4096

// A txnStore holds a log's transactions in blocks of txnBlockLen, so that
// growing it never copies what it holds and it allocates about what it
// stores. A block keeps each field in a packed column (each value as its
// difference from the block's first, in 0 to 8 bytes): a transaction of
// a log of dates, of amounts at one exponent, takes about 12 bytes (4 for
// its time, up to 4 for its customer, 4 for its amount's coefficient up
// to 21 million at two decimals), its nanoseconds and exponent none.
type txnStore struct {
	blocks []txnBlock
	n      int
}

// A txnBlock holds up to txnBlockLen transactions, field by field.
type txnBlock struct {
	sec, nsec, cust, amt, exp packed.Ints
}

// len returns the number of transactions.
func (s *txnStore) len() int { return s.n }

// at returns transaction i.
func (s *txnStore) at(i int) txn {
	b, j := &s.blocks[i/txnBlockLen], i%txnBlockLen
	return txn{sec: b.sec.At(j), nsec: int32(b.nsec.At(j)), cust: int32(b.cust.At(j)), amt: b.amt.At(j), exp: int32(b.exp.At(j))}
}

// cust returns the customer of transaction i.
func (s *txnStore) cust(i int) int32 { return int32(s.blocks[i/txnBlockLen].cust.At(i % txnBlockLen)) }

// add appends t.
func (s *txnStore) add(t txn) {
	if s.n%txnBlockLen == 0 {
		size := txnBlockLen
		if len(s.blocks) == 0 {
			size = 64 // a first block grows, so that small logs stay small
		}
		s.blocks = append(s.blocks, txnBlock{})
		b := &s.blocks[len(s.blocks)-1]
		for _, c := range []*packed.Ints{&b.sec, &b.nsec, &b.cust, &b.amt, &b.exp} {
			*c = packed.NewInts(size)
		}
	}
	b := &s.blocks[len(s.blocks)-1]
	b.sec.Append(t.sec)
	b.nsec.Append(int64(t.nsec))
	b.cust.Append(int64(t.cust))
	b.amt.Append(t.amt)
	b.exp.Append(int64(t.exp))
	s.n++
}
