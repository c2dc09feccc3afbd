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
// (label -1). Labels past the number of attributes are 0.
type pool struct {
	labels [MaxAttributes]int
	n      int64
	hist   [11]int64
	// first is, by attribute, the group of the first joint cell with
	// answers, and multi whether another group has answers too.
	first [MaxAttributes]int
	multi [MaxAttributes]bool
	// into is the pool this one merged into, or itself while alive.
	into int
}

// A poolSet is the pools of the joint cells with answers under a
// suppression, kept up to date as groups are hidden.
type poolSet struct {
	na      int
	ps      []pool
	byKey   map[[MaxAttributes]int]int // the alive pool of each labels
	byGroup [][][]int                  // by attribute and group, the pools that had its label
	cell    []int                      // the first pool of each joint cell, -1 without answers
}

func (jt *jointTable) poolSet(out [][]Suppression) *poolSet {
	s := &poolSet{na: len(jt.of), byKey: map[[MaxAttributes]int]int{}, byGroup: make([][][]int, len(jt.of)), cell: make([]int, len(jt.n))}
	for a := range jt.of {
		s.byGroup[a] = make([][]int, len(jt.answered[a]))
	}
	for c, n := range jt.n {
		s.cell[c] = -1
		if n == 0 {
			continue
		}
		var labels [MaxAttributes]int
		for a, of := range jt.of {
			labels[a] = of[c]
			if out[a][of[c]] != Shown {
				labels[a] = -1
			}
		}
		i, ok := s.byKey[labels]
		if !ok {
			i = len(s.ps)
			s.byKey[labels] = i
			p := pool{labels: labels, into: i}
			for a, of := range jt.of {
				p.first[a] = of[c]
				if labels[a] >= 0 {
					s.byGroup[a][labels[a]] = append(s.byGroup[a][labels[a]], i)
				}
			}
			s.ps = append(s.ps, p)
		}
		s.cell[c] = i
		p := &s.ps[i]
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
	return s
}

// alive reports whether pool i has not merged into another.
func (s *poolSet) alive(i int) bool { return s.ps[i].into == i }

// find returns the alive pool that pool i merged into.
func (s *poolSet) find(i int) int {
	for s.ps[i].into != i {
		if up := s.ps[s.ps[i].into].into; up != s.ps[i].into {
			s.ps[i].into = up
		}
		i = s.ps[i].into
	}
	return i
}

// hide relabels the pools of group g of attribute a as hidden there,
// merging those that then have the labels of another.
func (s *poolSet) hide(a, g int) {
	for _, i := range s.byGroup[a][g] {
		if !s.alive(i) || s.ps[i].labels[a] != g {
			continue
		}
		p := &s.ps[i]
		delete(s.byKey, p.labels)
		p.labels[a] = -1
		j, ok := s.byKey[p.labels]
		if !ok {
			s.byKey[p.labels] = i
			continue
		}
		q := &s.ps[j]
		q.n += p.n
		for v, x := range p.hist {
			q.hist[v] += x
		}
		for b := range s.na {
			if p.multi[b] || p.first[b] != q.first[b] {
				q.multi[b] = true
			}
		}
		p.into = j
	}
	s.byGroup[a][g] = nil
}

// hidden reports whether the pool's people are in a hidden group of some
// attribute.
func (s *poolSet) hidden(i int) bool { return slices.Contains(s.ps[i].labels[:s.na], -1) }

// short reports whether pool i must grow: it holds answers of a hidden
// group (or, strict, any answers) and fewer than min of them, or answers
// of a single group of an attribute where its groups are hidden.
func (s *poolSet) short(i int, min int64, strict bool) bool {
	p := &s.ps[i]
	if !s.hidden(i) && !strict {
		return false
	}
	if p.n < min {
		return true
	}
	for a, l := range p.labels[:s.na] {
		if l < 0 && !p.multi[a] {
			return true
		}
	}
	return false
}

// before orders pools by their labels.
func (s *poolSet) before(i, j int) bool {
	return slices.Compare(s.ps[i].labels[:s.na], s.ps[j].labels[:s.na]) < 0
}

// suppress applies the rules of Table.Heatmap to one question: it returns
// the suppression of the company cell and, by attribute and group, of
// every group's cell. twoSided reports whether added-up answers are on
// both sides.
func (jt *jointTable) suppress(twoSided func([11]int64) bool) (Suppression, [][]Suppression) {
	out := make([][]Suppression, len(jt.of))
	withhold := func(why Suppression) (Suppression, [][]Suppression) {
		for a := range out {
			out[a] = make([]Suppression, len(jt.answered[a]))
			for g := range out[a] {
				out[a][g] = why
			}
		}
		return why, out
	}
	var total int64
	for _, n := range jt.n {
		total += n
	}
	// Rule 1.
	if total < jt.min {
		return withhold(TooFew)
	}
	// Rule 2: each attribute on its own, as one report would.
	for a := range out {
		_, out[a] = suppress(total, jt.answered[a], jt.min, func([]bool) bool { return true })
	}
	// Rule 3: grow the short pools, the first in order of labels first,
	// by the cheapest merge.
	s := jt.poolSet(out)
	for {
		first := -1
		for i := range s.ps {
			if s.alive(i) && s.short(i, jt.min, jt.strict) && (first < 0 || s.before(i, first)) {
				first = i
			}
		}
		if first < 0 {
			break
		}
		if !jt.merge(s, first, out) {
			// Unreachable (see merge); hiding everything is safe.
			return withhold(Withheld)
		}
	}
	// Rule 4: every hidden cell with answers needs a pool on both sides.
	ok := make([][]bool, len(out))
	for a := range ok {
		ok[a] = make([]bool, len(out[a]))
	}
	sides := map[int]bool{}
	for c, i := range s.cell {
		if i < 0 {
			continue
		}
		i = s.find(i)
		two, seen := sides[i]
		if !seen {
			two = twoSided(s.ps[i].hist)
			sides[i] = two
		}
		if !two {
			continue
		}
		for a, of := range jt.of {
			if s.ps[i].labels[a] < 0 {
				ok[a][of[c]] = true
			}
		}
	}
	for a := range out {
		for g, why := range out[a] {
			if why != Shown && jt.answered[a][g] > 0 && !ok[a][g] {
				return withhold(Withheld)
			}
		}
	}
	return Shown, out
}

// merge hides the published groups that merge pool i with another pool at
// the least cost: the fewest answers hidden, then the fewest groups, then
// the first pool in order of labels. Another pool always exists: a short
// pool cannot hold every answer (all the answers are at least min, and an
// attribute's groups are hidden only when at least two of them have
// answers). It reports false if there is none.
func (jt *jointTable) merge(s *poolSet, i int, out [][]Suppression) bool {
	p := &s.ps[i]
	best, bestCost, bestCount := -1, int64(0), 0
	for j := range s.ps {
		if j == i || !s.alive(j) {
			continue
		}
		q := &s.ps[j]
		var cost int64
		count := 0
		for a := range s.na {
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
		if best < 0 || cost < bestCost || (cost == bestCost && (count < bestCount || count == bestCount && s.before(j, best))) {
			best, bestCost, bestCount = j, cost, count
		}
	}
	if best < 0 {
		return false
	}
	pl, ql := p.labels, s.ps[best].labels
	for a := range s.na {
		if pl[a] == ql[a] {
			continue
		}
		for _, l := range [2]int{pl[a], ql[a]} {
			if l >= 0 && out[a][l] == Shown {
				out[a][l] = Complement
				s.hide(a, l)
			}
		}
	}
	return true
}
