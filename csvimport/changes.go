package csvimport

import (
	"fmt"
	"io"
	"slices"

	"github.com/funnelmetrics/funnel"
)

// A ChangeMapping names the columns of a stage-change log: one row per
// stage a deal entered, as CRMs export opportunity (field) history.
type ChangeMapping struct {
	DealID string // required
	Stage  string // required; the stage entered
	At     string // required; when
}

// Changes holds stage changes per deal ID, each in time order.
type Changes map[string][]funnel.StageChange

// ReadChanges reads a stage-change log with a header row. A row whose stage
// the funnel does not declare wraps [funnel.ErrUnknownStage]; an empty deal
// ID, stage or time is [ErrEmpty]; a deal ID or a stage that holds a line
// break or a whole row's separators is [ErrSuspicious]. Strict and lenient
// modes, field counts and quotes are as for [ReadDeals]. Each deal's changes are sorted by time (stably: rows with the
// same time keep file order).
func ReadChanges(r io.Reader, file string, f *funnel.Funnel, m ChangeMapping, opts Options) (Changes, *Report, error) {
	if f == nil || m.DealID == "" || m.Stage == "" || m.At == "" {
		return nil, nil, fmt.Errorf("%w: a funnel and the DealID, Stage and At columns are required", ErrMapping)
	}
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, nil, err
	}
	var idc, stc, atc int
	for _, c := range []struct {
		dst  *int
		name string
	}{{&idc, m.DealID}, {&stc, m.Stage}, {&atc, m.At}} {
		if *c.dst, err = rd.column(c.name); err != nil {
			return nil, nil, err
		}
	}
	times := newTimeParser(opts)
	// The changes of each deal are gathered by the deal's index, so that a
	// deal's ID is copied once, when first seen.
	index := make(map[string]int)
	var keys []string
	var lists [][]funnel.StageChange
	stages := make(map[string]funnel.Stage, f.Len())
	for s := range f.Stages() {
		stages[string(s)] = s
	}
	for {
		ok, err := rd.next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		id, st, at := rd.get(idc), rd.get(stc), rd.get(atc)
		var perr *ParseError
		switch t, terr := times.parse(at); {
		case len(id) == 0:
			perr = rd.at(idc, ErrEmpty)
		case len(st) == 0:
			perr = rd.at(stc, ErrEmpty)
		case len(at) == 0:
			perr = rd.at(atc, ErrEmpty)
		default:
			if perr = rd.suspicious(idc, id); perr != nil {
				break
			}
			if perr = rd.suspicious(stc, st); perr != nil {
				break
			}
			if terr != nil {
				perr = rd.at(atc, terr)
				break
			}
			stage, ok := stages[string(st)]
			if !ok {
				perr = rd.at(stc, fmt.Errorf("%w %q", funnel.ErrUnknownStage, st))
				break
			}
			k, seen := index[string(id)]
			if !seen {
				k = len(keys)
				key := string(id)
				index[key] = k
				keys = append(keys, key)
				lists = append(lists, nil)
			}
			lists[k] = append(lists[k], funnel.StageChange{Stage: stage, At: t})
			rd.rep.Kept++
			continue
		}
		if err := rd.fail(perr); err != nil {
			return nil, nil, err
		}
	}
	out := make(Changes, len(keys))
	for k, h := range lists {
		slices.SortStableFunc(h, func(a, b funnel.StageChange) int { return a.At.Compare(b.At) })
		out[keys[k]] = h
	}
	return out, rd.report(), nil
}

// A JoinReport tells how records of two sources matched: records that
// found their partner, records that did not (with the keys, most frequent
// first, at most 20), and records with an empty key.
type JoinReport struct {
	Name      string   `json:"name"`
	Matched   int      `json:"matched"`
	Unmatched int      `json:"unmatched"`
	EmptyKey  int      `json:"empty_key"`
	Missing   []Reason `json:"missing"` // unmatched keys and their counts
}

func (j *JoinReport) finish(missing tally) {
	j.Missing = missing.sorted()
	if len(j.Missing) > maxExamples {
		j.Missing = j.Missing[:maxExamples]
	}
}

// AttachHistory sets the History of each deal that has changes (replacing
// what it had) and, where the deal has no Stage, sets it to the last
// change's stage. It reports, as Matched and Unmatched, the deals that
// found changes and those that did not, and, in orphans, the changes'
// deal IDs that are not among the deals (Unmatched counts the IDs, not
// their rows).
func AttachHistory(deals []funnel.Deal, changes Changes) (matched, orphans JoinReport) {
	matched.Name, orphans.Name = "deals with stage changes", "stage changes with a deal"
	ids := make(map[string]struct{}, len(deals))
	missing := tally{}
	for i := range deals {
		d := &deals[i]
		ids[d.ID] = struct{}{}
		h, ok := changes[d.ID]
		if !ok {
			matched.Unmatched++
			missing[d.ID]++
			continue
		}
		matched.Matched++
		d.History = slices.Clone(h)
		if d.Stage == "" && len(h) > 0 {
			d.Stage = h[len(h)-1].Stage
		}
	}
	orph := tally{}
	for id, h := range changes {
		if _, ok := ids[id]; ok {
			orphans.Matched++
			continue
		}
		orphans.Unmatched++
		orph[id] = len(h)
	}
	matched.finish(missing)
	orphans.finish(orph)
	return matched, orphans
}
