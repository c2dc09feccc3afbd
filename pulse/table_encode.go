package pulse

import (
	"fmt"
	"maps"
	"slices"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/wire"
)

const tableVersion = 1

// sortedJoints returns the tallies of one wave ordered by their groups.
func sortedJoints(wave map[string]*joint) []*joint {
	js := slices.Collect(maps.Values(wave))
	slices.SortFunc(js, func(a, b *joint) int { return slices.Compare(a.groups, b.groups) })
	return js
}

// MarshalBinary encodes the accumulator: the survey, the attributes and,
// wave by wave, every combination of groups (in order) with its tally.
func (t *Table) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("pulse.table", tableVersion)
	encodeSurvey(&w, &t.survey)
	w.Int(len(t.by))
	for _, a := range t.by {
		w.String(a)
	}
	ks := t.Waves()
	w.Int(len(ks))
	for _, k := range ks {
		w.Varint(int64(k))
		js := sortedJoints(t.waves[k])
		w.Int(len(js))
		for _, j := range js {
			for _, g := range j.groups {
				w.String(g)
			}
			j.encode(&w)
		}
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes an accumulator written by [Table.MarshalBinary],
// replacing t's contents. An accumulator built by [NewTable] accepts only
// an encoding of an equal survey and attributes (an error wrapping
// [funnel.ErrIncompatible] otherwise); the zero Table takes the encoded
// ones. It returns an error wrapping [funnel.ErrInvalidParam] for an
// invalid encoding (truncated, unsorted or repeated combinations, one
// without respondents, no or
// too many or repeated attributes, counts off a question's scale or above
// the respondents, a total past math.MaxInt64); t is then unchanged.
func (t *Table) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readSurvey(r, "pulse.table", tableVersion, "table")
	if err != nil {
		return err
	}
	na := r.Count(1)
	if r.Err() == nil && (na == 0 || na > MaxAttributes) {
		r.Fail("%d attributes", na)
	}
	var by []string
	for range na {
		if r.Err() != nil {
			break
		}
		a := r.String()
		if slices.Contains(by, a) {
			r.Fail("attribute %q twice", a)
		}
		by = append(by, a)
	}
	if r.Err() != nil {
		return decodeErr("table", r.Err())
	}
	if t.survey.Questions != nil && (!t.survey.equal(&s) || !slices.Equal(t.by, by)) {
		return fmt.Errorf("pulse: decoding a table of another survey or other attributes: %w", funnel.ErrIncompatible)
	}
	out := Table{survey: s, by: by, waves: map[int]map[string]*joint{}}
	nq := len(s.Questions)
	nw := r.Count(2)
	prevK := int64(-1)
	for range nw {
		k := r.Varint()
		if k <= prevK || k >= maxWave {
			r.Fail("wave %d after %d", k, prevK)
		}
		prevK = k
		nj := r.Count(na + 1 + 11*nq)
		wave := make(map[string]*joint, nj)
		var prev []string
		var respondents int64
		for i := range nj {
			groups := make([]string, na)
			for a := range groups {
				groups[a] = r.String()
			}
			if i > 0 && slices.Compare(groups, prev) <= 0 {
				r.Fail("groups %q after %q", groups, prev)
			}
			prev = groups
			j := &joint{groups: groups, cell: *newCell(nq)}
			if j.respondents = r.NonNeg(); j.respondents == 0 {
				r.Fail("groups %q without respondents", groups)
			}
			if respondents += j.respondents; respondents < 0 {
				r.Fail("respondents overflow")
			}
			j.decodeCounts(r, s.Questions)
			if r.Err() != nil {
				break
			}
			wave[jointKey(groups)] = j
		}
		if r.Err() != nil {
			break
		}
		out.waves[int(k)] = wave
	}
	if err := r.End(); err != nil {
		return decodeErr("table", err)
	}
	*t = out
	return nil
}
