package attribution

import (
	"errors"
	"fmt"
	"math/big"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// MaxMarkovOrder is the largest accepted [Options.MarkovOrder].
const MaxMarkovOrder = 4

// MaxMarkovKeys is the largest number of keys a [Markov] chain accepts.
const MaxMarkovKeys = 65535

// MaxMarkovStates is the largest number of transient states (the start
// state and every observed tuple of keys) a [Markov] chain accepts. The
// chain is solved by inverting one dense states x states matrix, O(states^3)
// time and 8 x states^2 bytes.
const MaxMarkovStates = 1000

// A Markov state is a tuple of at most MaxMarkovOrder key IDs, packed 16
// bits per key (ID+1, so that 0 is the empty tuple, the start state),
// oldest key in the highest bits.

func pushState(s uint64, id int32, order int) uint64 {
	mask := uint64(1)<<(16*uint(order)) - 1
	if order == 4 {
		mask = ^uint64(0)
	}
	return (s<<16 | uint64(id+1)) & mask
}

// unpackState returns the key IDs of s, oldest first.
func unpackState(s uint64, buf []int32) []int32 {
	buf = buf[:0]
	for sh := 48; sh >= 0; sh -= 16 {
		if v := (s >> uint(sh)) & 0xffff; v != 0 {
			buf = append(buf, int32(v-1))
		}
	}
	return buf
}

func packState(ids []int32) uint64 {
	var s uint64
	for _, id := range ids {
		s = s<<16 | uint64(id+1)
	}
	return s
}

// markovEnd holds the journeys whose path ends in one state: how many,
// and their metric totals (the success "rewards" of the chains).
type markovEnd struct {
	n int64
	u units
}

// addPath records the path of one journey: start -> s1 -> ... -> sn ->
// exit, with the journey's metrics u.
func (a *Accumulator) addPath(ids []int32, u *units) {
	if a.overflow {
		return
	}
	if len(a.keys) > MaxMarkovKeys {
		a.overflow = true
		a.trans, a.ends = nil, nil
		return
	}
	if a.trans == nil {
		a.trans = make(map[[2]uint64]int64)
		a.ends = make(map[uint64]*markovEnd)
	}
	var s uint64
	for _, id := range ids {
		t := pushState(s, id, a.opts.MarkovOrder)
		a.trans[[2]uint64{s, t}]++
		s = t
	}
	e := a.ends[s]
	if e == nil {
		e = new(markovEnd)
		a.ends[s] = e
	}
	e.n++
	e.u.add(u)
}

func (a *Accumulator) mergeMarkov(o *Accumulator, remap []int32) {
	if a.overflow || len(a.keys) > MaxMarkovKeys {
		a.overflow = true
		a.trans, a.ends = nil, nil
		return
	}
	if len(o.trans) > 0 && a.trans == nil {
		a.trans = make(map[[2]uint64]int64)
		a.ends = make(map[uint64]*markovEnd)
	}
	var buf []int32
	re := func(s uint64) uint64 {
		buf = unpackState(s, buf)
		for i, id := range buf {
			buf[i] = remap[id]
		}
		return packState(buf)
	}
	for k, n := range o.trans {
		a.trans[[2]uint64{re(k[0]), re(k[1])}] += n
	}
	for s, e := range o.ends {
		t := re(s)
		f := a.ends[t]
		if f == nil {
			f = new(markovEnd)
			a.ends[t] = f
		}
		f.n += e.n
		f.u.add(&e.u)
	}
}

// markovWeights returns, per metric, the removal effect of each key (by
// rank). The chain is the same for every metric; what differs is the
// reward of leaving a state: for leads every journey ending there counts,
// for opportunities and conversions those that created one or converted,
// for pipeline and revenue their amounts. The expected reward from the
// start state, x = (I - Q)^-1 r, is then P(success) for the counts and
// the expected amount per journey for money.
func (a *Accumulator) markovWeights(rank []int32) ([numMetrics][]float64, error) {
	var w [numMetrics][]float64
	if a.overflow {
		return w, fmt.Errorf("attribution: markov chain over more than %d keys: %w", MaxMarkovKeys, ErrTooManyKeys)
	}
	// Canonical states: key IDs replaced by ranks, so the system (and its
	// floating-point solution) does not depend on the order journeys were
	// added or merged in.
	canon := map[uint64]uint64{0: 0}
	var buf []int32
	add := func(s uint64) {
		if _, ok := canon[s]; ok {
			return
		}
		buf = unpackState(s, buf)
		for i, id := range buf {
			buf[i] = rank[id]
		}
		canon[s] = packState(buf)
	}
	for k := range a.trans {
		add(k[0])
		add(k[1])
	}
	for s := range a.ends {
		add(s)
	}
	if len(canon) > MaxMarkovStates {
		return w, fmt.Errorf("attribution: markov chain of %d states, at most %d: %w", len(canon), MaxMarkovStates, ErrTooManyStates)
	}
	states := make([]uint64, 0, len(canon))
	for _, c := range canon {
		states = append(states, c)
	}
	slices.Sort(states) // start (0) first
	index := make(map[uint64]int, len(states))
	for i, c := range states {
		index[c] = i
	}
	n := len(states)
	out := make([]int64, n)
	ends := make([]*markovEnd, n)
	type edge struct {
		from, to int
		n        int64
	}
	edges := make([]edge, 0, len(a.trans))
	for k, c := range a.trans {
		i, j := index[canon[k[0]]], index[canon[k[1]]]
		edges = append(edges, edge{i, j, c})
		out[i] += c
	}
	for s, e := range a.ends {
		i := index[canon[s]]
		ends[i] = e
		out[i] += e.n
	}
	// members[i] lists the key ranks in state i.
	members := make([][]int32, n)
	for i, c := range states {
		members[i] = slices.Clone(unpackState(c, buf))
	}
	var f big.Float
	A := mat.NewDense(n, n, nil) // I - Q
	B := mat.NewDense(n, numMetrics, nil)
	for i := range n {
		A.Set(i, i, 1)
	}
	for _, e := range edges {
		A.Set(e.from, e.to, A.At(e.from, e.to)-float64(e.n)/float64(out[e.from]))
	}
	for i, e := range ends {
		if e == nil {
			continue
		}
		for m := range numMetrics {
			v, _ := f.SetInt(&e.u[m]).Float64()
			B.Set(i, m, v/float64(out[i]))
		}
	}
	// N = (I - Q)^-1 is the fundamental matrix and X = N B the expected
	// reward from every state. Removing key c turns the set R of states
	// that contain c into exits without reward; by the inverse of a
	// principal submatrix (Schur complement), the expected reward from
	// the start state s becomes
	//   X'[s] = X[s] - N[s,R] N[R,R]^-1 X[R],
	// so one inversion serves every removal.
	var N, X mat.Dense
	if err := N.Inverse(A); err != nil && !isCondition(err) {
		return w, fmt.Errorf("attribution: markov chain: %v: %w", err, ErrInvalidParam)
	}
	X.Mul(&N, B)
	holds := make([][]int, len(rank)) // key rank -> states that contain it
	for i, ms := range members {
		for j, r := range ms {
			if !slices.Contains(ms[:j], r) {
				holds[r] = append(holds[r], i)
			}
		}
	}
	for m := range w {
		w[m] = make([]float64, len(rank))
	}
	for c, R := range holds {
		k := len(R)
		NRR := mat.NewDense(k, k, nil)
		XR := mat.NewDense(k, numMetrics, nil)
		for a, i := range R {
			for b, j := range R {
				NRR.Set(a, b, N.At(i, j))
			}
			for m := range numMetrics {
				XR.Set(a, m, X.At(i, m))
			}
		}
		var Z mat.Dense
		if err := Z.Solve(NRR, XR); err != nil && !isCondition(err) {
			return w, fmt.Errorf("attribution: markov chain: %v: %w", err, ErrInvalidParam)
		}
		for m := range numMetrics {
			full := X.At(0, m)
			if full <= 0 {
				continue
			}
			p := full
			for a, i := range R {
				p -= N.At(0, i) * Z.At(a, m)
			}
			w[m][c] = max(0, (full-p)/full)
		}
	}
	return w, nil
}

// isCondition reports whether err only warns of a large condition number.
func isCondition(err error) bool {
	var cond mat.Condition
	return errors.As(err, &cond)
}
