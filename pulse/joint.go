package pulse

import (
	"slices"
)

// A jointTable is one question of a wave as the joint rules of
// Table.Heatmap see it: for each combination of groups (a joint cell) its
// answers, and for each attribute the group of each joint cell and each
// group's answered count.
type jointTable struct {
	min    int64
	strict bool        // protect pools without a hidden group too
	n      []int64     // answered, by joint cell
	hist   [][11]int64 // answers, by joint cell
	of     [][]int     // by attribute, the group of each joint cell
	// answered is, by attribute and group, the people who answered.
	answered [][]int64
}

// A pool is a set of joint cells whose people answered alike: in every
// attribute, the same published group (label >= 0) or hidden groups
// (label -1).
type pool struct {
	id     int // the order in which pools found it
	labels []int
	n      int64
	hist   [11]int64
	// first is, by attribute, the group of the first joint cell with
	// answers, and multi whether another group has answers too.
	first []int
	multi []bool
}

// hidden reports whether the pool's people are in a hidden group of some
// attribute.
func (p *pool) hidden() bool { return slices.Contains(p.labels, -1) }

// short reports whether the pool must grow: it holds answers of a hidden
// group (or, strict, any answers) and fewer than min of them, or answers
// of a single group of an attribute where its groups are hidden.
func (p *pool) short(min int64, strict bool) bool {
	if !p.hidden() && !strict {
		return false
	}
	if p.n < min {
		return true
	}
	for a, l := range p.labels {
		if l < 0 && !p.multi[a] {
			return true
		}
	}
	return false
}

// suppress applies the rules of Table.Heatmap to one question: it returns
// the suppression of the company cell and, by attribute and group, of
// every group's cell. twoSided reports whether added-up answers are on
// both sides.
func (jt *jointTable) suppress(twoSided func([11]int64) bool) (Suppression, [][]Suppression) {
	out := make([][]Suppression, len(jt.of))
	var total int64
	for _, n := range jt.n {
		total += n
	}
	// Rule 1.
	if total < jt.min {
		for a := range out {
			out[a] = make([]Suppression, len(jt.answered[a]))
			for g := range out[a] {
				out[a][g] = TooFew
			}
		}
		return TooFew, out
	}
	// Rule 2: each attribute on its own, as one report would.
	for a := range out {
		_, out[a] = suppress(total, jt.answered[a], jt.min, func([]bool) bool { return true })
	}
	// Rule 3: grow the short pools, cheapest merge first.
	var pools []*pool
	var cellPool []int
	for {
		pools, cellPool = jt.pools(out)
		i := slices.IndexFunc(pools, func(p *pool) bool { return p.short(jt.min, jt.strict) })
		if i < 0 {
			break
		}
		if !jt.merge(pools, i, out) {
			// Unreachable (see merge); hiding everything is safe.
			for a := range out {
				for g := range out[a] {
					out[a][g] = Withheld
				}
			}
			return Withheld, out
		}
	}
	// Rule 4: every hidden cell with answers needs a pool on both sides.
	sides := make([]bool, len(pools))
	for i, p := range pools {
		sides[i] = twoSided(p.hist)
	}
	ok := make([][]bool, len(out))
	for a := range ok {
		ok[a] = make([]bool, len(out[a]))
	}
	for c, i := range cellPool {
		if i < 0 || !sides[i] {
			continue
		}
		for a, of := range jt.of {
			if pools[i].labels[a] < 0 {
				ok[a][of[c]] = true
			}
		}
	}
	for a := range out {
		for g, why := range out[a] {
			if why != Shown && jt.answered[a][g] > 0 && !ok[a][g] {
				for a := range out {
					for g := range out[a] {
						out[a][g] = Withheld
					}
				}
				return Withheld, out
			}
		}
	}
	return Shown, out
}

// pools returns the pools of the joint cells with answers under the
// suppression out, ordered by labels, and the pool of each joint cell (-1
// for a cell without answers).
func (jt *jointTable) pools(out [][]Suppression) ([]*pool, []int) {
	na := len(jt.of)
	byKey := map[[MaxAttributes]int]int{}
	var list []pool
	var labels [MaxAttributes]int
	cellPool := make([]int, len(jt.n))
	for c, n := range jt.n {
		cellPool[c] = -1
		if n == 0 {
			continue
		}
		for a, of := range jt.of {
			labels[a] = of[c]
			if out[a][of[c]] != Shown {
				labels[a] = -1
			}
		}
		i, ok := byKey[labels]
		if !ok {
			i = len(list)
			byKey[labels] = i
			list = append(list, pool{id: i, labels: slices.Clone(labels[:na]), first: make([]int, na), multi: make([]bool, na)})
			for a, of := range jt.of {
				list[i].first[a] = of[c]
			}
		}
		cellPool[c] = i
		p := &list[i]
		p.n += n
		for v, x := range jt.hist[c] {
			p.hist[v] += x
		}
		for a, of := range jt.of {
			if of[c] != p.first[a] {
				p.multi[a] = true
			}
		}
	}
	ps := make([]*pool, len(list))
	for i := range list {
		ps[i] = &list[i]
	}
	slices.SortFunc(ps, func(x, y *pool) int { return slices.Compare(x.labels, y.labels) })
	rank := make([]int, len(ps))
	for i, p := range ps {
		rank[p.id] = i
	}
	for c, i := range cellPool {
		if i >= 0 {
			cellPool[c] = rank[i]
		}
	}
	return ps, cellPool
}

// merge hides the published groups that merge pool i with another pool at
// the least cost: the fewest answers hidden, then the fewest groups, then
// the first pool in order. Another pool always exists: a short pool
// cannot hold every answer (all the answers are at least min, and an
// attribute's groups are hidden only when at least two of them have
// answers). It reports false if there is none.
func (jt *jointTable) merge(pools []*pool, i int, out [][]Suppression) bool {
	p := pools[i]
	best, bestCost, bestCount := -1, int64(0), 0
	for j, q := range pools {
		if j == i {
			continue
		}
		var cost int64
		count := 0
		for a := range p.labels {
			if p.labels[a] == q.labels[a] {
				continue
			}
			for _, l := range [2]int{p.labels[a], q.labels[a]} {
				if l >= 0 {
					cost += jt.answered[a][l]
					count++
				}
			}
		}
		if best < 0 || cost < bestCost || (cost == bestCost && count < bestCount) {
			best, bestCost, bestCount = j, cost, count
		}
	}
	if best < 0 {
		return false
	}
	q := pools[best]
	for a := range p.labels {
		if p.labels[a] == q.labels[a] {
			continue
		}
		for _, l := range [2]int{p.labels[a], q.labels[a]} {
			if l >= 0 {
				out[a][l] = Complement
			}
		}
	}
	return true
}
