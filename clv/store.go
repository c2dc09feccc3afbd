package clv

import "math"

// txnBlockLen is the number of transactions of a full block of a
// txnStore.
const txnBlockLen = 4096

// A txnStore holds a log's transactions in blocks of txnBlockLen, so that
// growing it never copies what it holds and it allocates about what it
// stores: a block keeps each field in a column, and the columns that most
// logs do not need only when its transactions need them. A transaction
// takes 16 bytes (its time in seconds, its customer and its amount's
// coefficient in 4 bytes while that fits an int32: up to 21 million at two
// decimals), 20 when the coefficient does not fit, plus 4 for
// nanoseconds once a transaction of the block has some, and 1 for the
// amount's exponent once one differs from the block's first.
type txnStore struct {
	blocks []txnBlock
	n      int
}

// A txnBlock holds up to txnBlockLen transactions, field by field.
type txnBlock struct {
	sec   []int64
	cust  []int32
	amt32 []int32 // the coefficients, while they all fit an int32 (amt nil)
	amt   []int64 // the coefficients, once one does not
	nsec  []int32 // nil while every transaction's nanoseconds are 0
	exp   []int8  // nil while every exponent is exp0; expBig for bigExp
	exp0  int32   // the exponent of the block's first transaction
}

// expBig stands for bigExp in txnBlock.exp (exponents are within
// ±MaxAmountExponent).
const expBig = math.MinInt8

// len returns the number of transactions.
func (s *txnStore) len() int { return s.n }

// at returns transaction i.
func (s *txnStore) at(i int) txn {
	b := &s.blocks[i/txnBlockLen]
	j := i % txnBlockLen
	t := txn{sec: b.sec[j], cust: b.cust[j], exp: b.exp0}
	if b.amt != nil {
		t.amt = b.amt[j]
	} else {
		t.amt = int64(b.amt32[j])
	}
	if b.nsec != nil {
		t.nsec = b.nsec[j]
	}
	if b.exp != nil {
		t.exp = int32(b.exp[j])
		if t.exp == expBig {
			t.exp = bigExp
		}
	}
	return t
}

// cust returns the customer of transaction i.
func (s *txnStore) cust(i int) int32 { return s.blocks[i/txnBlockLen].cust[i%txnBlockLen] }

// add appends t.
func (s *txnStore) add(t txn) {
	if s.n%txnBlockLen == 0 {
		s.blocks = append(s.blocks, txnBlock{exp0: t.exp})
	}
	b := &s.blocks[len(s.blocks)-1]
	j := len(b.sec)
	if j == 0 {
		size := txnBlockLen
		if len(s.blocks) == 1 {
			size = 64 // a first block grows, so that small logs stay small
		}
		b.sec, b.cust, b.amt32 = make([]int64, 0, size), make([]int32, 0, size), make([]int32, 0, size)
	}
	b.sec = append(b.sec, t.sec)
	b.cust = append(b.cust, t.cust)
	switch {
	case b.amt != nil:
		b.amt = append(b.amt, t.amt)
	case t.amt == int64(int32(t.amt)):
		b.amt32 = append(b.amt32, int32(t.amt))
	default:
		b.amt = make([]int64, j, cap(b.sec))
		for k, v := range b.amt32 {
			b.amt[k] = int64(v)
		}
		b.amt, b.amt32 = append(b.amt, t.amt), nil
	}
	if t.nsec != 0 && b.nsec == nil {
		b.nsec = make([]int32, j, cap(b.sec))
	}
	if b.nsec != nil {
		b.nsec = append(b.nsec, t.nsec)
	}
	if t.exp != b.exp0 && b.exp == nil {
		b.exp = make([]int8, j, cap(b.sec))
		for k := range b.exp {
			b.exp[k] = packExp(b.exp0)
		}
	}
	if b.exp != nil {
		b.exp = append(b.exp, packExp(t.exp))
	}
	s.n++
}

// packExp returns an exponent as stored in txnBlock.exp.
func packExp(e int32) int8 {
	if e == bigExp {
		return expBig
	}
	return int8(e)
}
