package pulse

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// The binary encodings of the accumulators (encoding.BinaryMarshaler and
// BinaryUnmarshaler) use the library's one format: the magic "FNL", the
// kind and a version, then the survey (for Waves and Rolling) and the
// state in a canonical order (groups, waves and people sorted), so that
// one pass and any merge of parts give the same bytes. Decoding checks
// every count against the input's length before allocating and rejects
// truncated, oversized or inconsistent input with an error wrapping
// [funnel.ErrInvalidParam].

const (
	groupsVersion  = 1
	wavesVersion   = 1
	rollingVersion = 1
)

func decodeErr(what string, err error) error {
	return fmt.Errorf("pulse: decoding %s: %w: %w", what, funnel.ErrInvalidParam, err)
}

// MarshalBinary encodes the groups.
func (g *Groups) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("pulse.groups", groupsVersion)
	names := g.Names()
	w.Int(len(names))
	for _, n := range names {
		w.String(n)
		t := g.groups[n]
		for a := funnel.ENPSAnswer(0); a <= 10; a++ {
			w.Varint(t.Count(a))
		}
		w.Varint(t.Count(funnel.ENPSSkipped))
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes groups written by [Groups.MarshalBinary],
// replacing g's contents. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid encoding (truncated, of another
// kind or version, unsorted or repeated names, negative counts, or more
// answers than an int64 holds); g is then unchanged.
func (g *Groups) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("pulse.groups"); r.Err() == nil && v != groupsVersion {
		r.Fail("groups version %d", v)
	}
	n := r.Count(13)
	out := Groups{groups: make(map[string]*funnel.ENPSTally, n)}
	prev := ""
	for i := range n {
		name := r.String()
		if i > 0 && name <= prev {
			r.Fail("group %q after %q", name, prev)
		}
		prev = name
		t := new(funnel.ENPSTally)
		for a := funnel.ENPSAnswer(0); a <= 10; a++ {
			if err := t.AddN(a, r.NonNeg()); err != nil {
				r.Fail("%v", err)
			}
		}
		if err := t.AddN(funnel.ENPSSkipped, r.NonNeg()); err != nil {
			r.Fail("%v", err)
		}
		if err := out.total.Merge(t); err != nil {
			r.Fail("%v", err)
		}
		if r.Err() != nil {
			break
		}
		out.groups[name] = t
	}
	if err := r.End(); err != nil {
		return decodeErr("groups", err)
	}
	if len(out.groups) == 0 {
		out.groups = nil
	}
	*g = out
	return nil
}

func encodeSurvey(w *wire.Writer, s *Survey) {
	w.String(s.Name)
	w.Int(len(s.Questions))
	for _, q := range s.Questions {
		w.String(q.ID)
		w.String(q.Text)
		w.Int(int(q.Scale))
		w.Bool(q.ENPS)
		w.Varint(int64(q.FavourableMin))
	}
	w.Int(int(s.Cadence))
	w.Varint(s.Start.Unix())
	w.Uvarint(uint64(s.Start.Nanosecond()))
	w.String(s.Start.Location().String())
	_, off := s.Start.Zone()
	w.Varint(int64(off))
}

func decodeSurvey(r *wire.Reader) (Survey, error) {
	var s Survey
	s.Name = r.String()
	n := r.Count(5)
	if n > MaxQuestions {
		r.Fail("%d questions", n)
	}
	for range n {
		if r.Err() != nil {
			break
		}
		q := Question{ID: r.String(), Text: r.String()}
		sc := r.Int()
		q.ENPS = r.Bool()
		fav := r.Varint()
		if sc > 127 || fav < -1<<20 || fav > 1<<20 {
			r.Fail("bad question")
		}
		q.Scale, q.FavourableMin = Scale(sc), int(fav)
		s.Questions = append(s.Questions, q)
	}
	cad := r.Int()
	sec, ns := r.Varint(), r.Uvarint()
	name, off := r.String(), r.Varint()
	if err := r.Err(); err != nil {
		return Survey{}, err
	}
	if cad > 127 || ns >= 1e9 || off < -18*3600 || off > 18*3600 || len(name) > 128 {
		return Survey{}, fmt.Errorf("%w: bad survey", wire.ErrFormat)
	}
	s.Cadence = Cadence(cad)
	var loc *time.Location
	switch name {
	case "UTC":
		loc = time.UTC
	case "Local":
		loc = time.Local
	default:
		if l, err := time.LoadLocation(name); err == nil {
			loc = l
		} else {
			loc = time.FixedZone(name, int(off))
		}
	}
	s.Start = time.Unix(sec, int64(ns)).In(loc)
	if _, o := s.Start.Zone(); int64(o) != off {
		return Survey{}, fmt.Errorf("pulse: survey zone %q has other rules here than where it was encoded: %w", name, funnel.ErrIncompatible)
	}
	if err := s.Validate(); err != nil {
		return Survey{}, fmt.Errorf("%w: %w", wire.ErrFormat, err)
	}
	return s, nil
}

// readSurvey reads the header of an accumulator's encoding, of the kind
// ("pulse.waves") and version, and the survey it starts with; what names
// the accumulator in the errors, which wrap funnel.ErrInvalidParam but for
// a survey whose zone has other rules here (funnel.ErrIncompatible).
func readSurvey(r *wire.Reader, kind string, version uint64, what string) (Survey, error) {
	if v := r.Header(kind); r.Err() == nil && v != version {
		r.Fail("%s version %d", strings.TrimPrefix(kind, "pulse."), v)
	}
	if r.Err() != nil {
		return Survey{}, decodeErr(what, r.Err())
	}
	s, err := decodeSurvey(r)
	switch {
	case err == nil:
		return s, nil
	case r.Err() != nil:
		return Survey{}, decodeErr(what, r.Err())
	case errors.Is(err, funnel.ErrIncompatible):
		return Survey{}, err
	}
	return Survey{}, decodeErr(what, err)
}

// encode writes the cell: its respondents, then each question's count of
// each answer.
func (c *cell) encode(w *wire.Writer) {
	w.Varint(c.respondents)
	for _, counts := range c.counts {
		for _, x := range counts {
			w.Varint(x)
		}
	}
}

// decodeCounts reads the counts of each answer to each of the questions
// into c, whose respondents are read: answers off a question's scale, or
// more answers to a question than respondents, fail the reader.
func (c *cell) decodeCounts(r *wire.Reader, questions []Question) {
	for q, question := range questions {
		lo, hi, _ := question.Scale.Bounds()
		var answered int64
		for a := range 11 {
			x := r.NonNeg()
			if x > 0 && (a < lo || a > hi) {
				r.Fail("answer %d off the scale of %q", a, question.ID)
			}
			answered += x
			if answered < 0 || answered > c.respondents {
				r.Fail("more answers than respondents")
			}
			c.counts[q][a] = x
		}
	}
}

// MarshalBinary encodes the accumulator: the survey, the grouping and each
// wave's groups.
func (w *Waves) MarshalBinary() ([]byte, error) {
	var wr wire.Writer
	wr.Header("pulse.waves", wavesVersion)
	encodeSurvey(&wr, &w.survey)
	wr.String(w.by)
	ks := w.Waves()
	wr.Int(len(ks))
	for _, k := range ks {
		wr.Varint(int64(k))
		groups := w.waves[k]
		names := slices.Sorted(maps.Keys(groups))
		wr.Int(len(names))
		for _, n := range names {
			wr.String(n)
			groups[n].encode(&wr)
		}
	}
	return wr.Bytes(), nil
}

// UnmarshalBinary decodes an accumulator written by [Waves.MarshalBinary],
// replacing w's contents. An accumulator built by [NewWaves] accepts only
// an encoding of an equal survey and grouping (an error wrapping
// [funnel.ErrIncompatible] otherwise); the zero Waves takes the encoded
// ones. It returns an error wrapping [funnel.ErrInvalidParam] for an
// invalid encoding (truncated, unsorted, counts off a question's scale or
// above the respondents); w is then unchanged.
func (w *Waves) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	s, err := readSurvey(r, "pulse.waves", wavesVersion, "waves")
	if err != nil {
		return err
	}
	out := Waves{survey: s, by: r.String(), waves: map[int]map[string]*cell{}}
	if w.survey.Questions != nil && (!w.survey.equal(&s) || w.by != out.by) {
		return fmt.Errorf("pulse: decoding waves of another survey or grouping: %w", funnel.ErrIncompatible)
	}
	nq := len(s.Questions)
	nw := r.Count(2)
	prevK := int64(-1)
	for range nw {
		k := r.Varint()
		if k <= prevK || k >= maxWave {
			r.Fail("wave %d after %d", k, prevK)
		}
		prevK = k
		ng := r.Count(2 + 11*nq)
		groups := make(map[string]*cell, ng)
		prev := ""
		for i := range ng {
			name := r.String()
			if i > 0 && name <= prev {
				r.Fail("group %q after %q", name, prev)
			}
			prev = name
			c := newCell(nq)
			c.respondents = r.NonNeg()
			c.decodeCounts(r, s.Questions)
			if r.Err() != nil {
				break
			}
			groups[name] = c
		}
		if r.Err() != nil {
			break
		}
		out.waves[int(k)] = groups
	}
	if err := r.End(); err != nil {
		return decodeErr("waves", err)
	}
	*w = out
	return nil
}

// MarshalBinary encodes the accumulator: the survey and every person's
// responses in order.
func (r *Rolling) MarshalBinary() ([]byte, error) {
	var w wire.Writer
	w.Header("pulse.rolling", rollingVersion)
	encodeSurvey(&w, &r.survey)
	people := slices.Sorted(maps.Keys(r.people))
	w.Int(len(people))
	for _, p := range people {
		w.String(p)
		rs := r.people[p]
		w.Int(len(rs))
		for _, x := range rs {
			w.Time(x.at)
			for _, a := range x.answers {
				w.Varint(int64(a))
			}
		}
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes an accumulator written by
// [Rolling.MarshalBinary], replacing r's contents. An accumulator built by
// [NewRolling] accepts only an encoding of an equal survey (an error
// wrapping [funnel.ErrIncompatible] otherwise); the zero Rolling takes the
// encoded one. It returns an error wrapping [funnel.ErrInvalidParam] for
// an invalid encoding (truncated, unsorted, answers off their scale); r is
// then unchanged.
func (r *Rolling) UnmarshalBinary(data []byte) error {
	rd := wire.NewReader(data)
	s, err := readSurvey(rd, "pulse.rolling", rollingVersion, "rolling responses")
	if err != nil {
		return err
	}
	if r.survey.Questions != nil && !r.survey.equal(&s) {
		return fmt.Errorf("pulse: decoding rolling responses of another survey: %w", funnel.ErrIncompatible)
	}
	nq := len(s.Questions)
	out := Rolling{survey: s, people: map[string][]response{}}
	np := rd.Count(3)
	prev := ""
	for i := range np {
		p := rd.String()
		if p == "" || (i > 0 && p <= prev) {
			rd.Fail("respondent %q after %q", p, prev)
		}
		prev = p
		n := rd.Count(1 + nq)
		if n == 0 {
			rd.Fail("respondent %q without responses", p)
		}
		rs := make([]response, 0, n)
		for j := range n {
			x := response{at: rd.Time(), answers: make([]int8, nq)}
			if x.at.IsZero() {
				rd.Fail("response without a time")
			}
			for q, question := range s.Questions {
				a := rd.Varint()
				lo, hi, _ := question.Scale.Bounds()
				if a != -1 && (a < int64(lo) || a > int64(hi)) {
					rd.Fail("answer %d off the scale of %q", a, question.ID)
				}
				x.answers[q] = int8(a)
			}
			if rd.Err() != nil {
				break
			}
			if j > 0 && compareResponses(rs[j-1], x) > 0 {
				rd.Fail("responses of %q out of order", p)
				break
			}
			rs = append(rs, x)
		}
		if rd.Err() != nil {
			break
		}
		out.people[p] = rs
	}
	if err := rd.End(); err != nil {
		return decodeErr("rolling responses", err)
	}
	*r = out
	return nil
}
