package clv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTxnStore adds transactions over several blocks, some of them with
// nanoseconds, other exponents, amounts kept as decimals (bigExp), far
// times and large coefficients, and reads each back.
func TestTxnStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	var s txnStore
	var want []txn
	for i := range 3*txnBlockLen + 17 {
		tx := txn{sec: 1_700_000_000 + rng.Int64N(1e8), amt: rng.Int64N(1e6), cust: rng.Int32N(200_000), exp: -2}
		switch {
		case i%1000 == 7:
			tx.nsec = rng.Int32N(1e9)
		case i%1500 == 3:
			tx.exp = int32(rng.IntN(2*MaxAmountExponent+1) - MaxAmountExponent)
		case i%2000 == 5:
			tx.amt, tx.exp = int64(rng.IntN(10)), bigExp
		case i%2500 == 9:
			tx.sec = []int64{math.MinInt64, math.MaxInt64}[rng.IntN(2)]
		case i%3000 == 11:
			tx.amt = math.MaxInt64 - rng.Int64N(10)
		}
		s.add(tx)
		want = append(want, tx)
	}
	if s.len() != len(want) {
		t.Fatalf("%d transactions, want %d", s.len(), len(want))
	}
	for i, w := range want {
		if got := s.at(i); got != w {
			t.Fatalf("transaction %d is %+v, want %+v", i, got, w)
		}
		if c := s.cust(i); c != w.cust {
			t.Fatalf("customer of transaction %d is %d, want %d", i, c, w.cust)
		}
	}
	// read gives every block, the tail last, field by field
	var c txnCols
	i := 0
	for k := range len(s.blocks) + 1 {
		s.read(k, &c)
		if n := min(txnBlockLen, len(want)-i); len(c.sec) != n || len(c.nsec) != n || len(c.cust) != n || len(c.amt) != n || len(c.exp) != n {
			t.Fatalf("block %d read as %d, %d, %d, %d and %d values, want %d", k, len(c.sec), len(c.nsec), len(c.cust), len(c.amt), len(c.exp), n)
		}
		for j := range c.sec {
			got := txn{sec: c.sec[j], nsec: int32(c.nsec[j]), cust: int32(c.cust[j]), amt: c.amt[j], exp: int32(c.exp[j])}
			if got != want[i] {
				t.Fatalf("block %d, transaction %d reads %+v, want %+v", k, j, got, want[i])
			}
			i++
		}
	}
	if i != len(want) {
		t.Fatalf("the blocks read hold %d transactions, want %d", i, len(want))
	}
}
