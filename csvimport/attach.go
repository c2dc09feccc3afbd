package csvimport

import "github.com/funnelmetrics/funnel"

// A stageTable resolves the stage texts of a history file, by their index
// in history.texts, to the stages of one pipeline's funnel: each distinct
// text is looked up once per pipeline, not once per entry. It belongs to
// one dealReader (each worker of a parallel read has its own).
type stageTable struct {
	p     *pipe
	stage []funnel.Stage // by text index
	state []uint8        // by text index: stageUnseen, stageFound or stageMissing
}

const (
	stageUnseen = iota
	stageFound
	stageMissing
)

// maxStageTable is the most texts a stageTable holds: the texts of a
// larger index (a history of many distinct stage values, most of them
// errors) are looked up each time.
const maxStageTable = 1 << 12

// stageTable returns the reader's table of pipeline p, made on first use.
func (dr *dealReader) stageTable(p *pipe) *stageTable {
	if t := dr.lastTable; t != nil && t.p == p {
		return t
	}
	for _, t := range dr.tables {
		if t.p == p {
			dr.lastTable = t
			return t
		}
	}
	n := min(len(dr.hist.texts), maxStageTable)
	t := &stageTable{p: p, stage: make([]funnel.Stage, n), state: make([]uint8, n)}
	dr.tables = append(dr.tables, t)
	dr.lastTable = t
	return t
}

// resolve returns the stage of the funnel (or exclusion stage) that text i
// of texts names, as pipe.resolve does.
func (t *stageTable) resolve(texts []string, i uint32) (funnel.Stage, bool) {
	if int(i) >= len(t.state) {
		return t.p.resolve(texts[i])
	}
	switch t.state[i] {
	case stageFound:
		return t.stage[i], true
	case stageMissing:
		return "", false
	}
	s, ok := t.p.resolve(texts[i])
	if ok {
		t.stage[i], t.state[i] = s, stageFound
	} else {
		t.state[i] = stageMissing
	}
	return s, ok
}

// unknownEntry returns the error of a history row (line, column col)
// whose stage, text i, p's funnel does not have.
func (dr *dealReader) unknownEntry(p *pipe, line int32, col int, i uint32) *ParseError {
	h := dr.hist
	err := p.unknownStage([]byte(h.texts[i]), "HistoryMapping", h.won, h.lost)
	return &ParseError{File: h.file, Line: int(line), Column: h.name(col), Err: err}
}

// histRefs says where the entries of the history that attach gave the
// current row come from, so that an error of its validation names the
// line of the history file, or the column of the deals file, of the entry
// it is about. They are worked out only then (entrySource).
type histRefs struct {
	n      int  // the entries of the history
	from   bool // whether the first is the deal's first stage, at creation
	e0, e1 int  // the history's entries read: the stage entries among them follow
	tail   int  // the column of an entry added after those, if any
}

// entrySource returns where entry k (below dr.refs.n) of the current
// row's history was read: a line of the history file and its column, or
// line 0 and a column of the deals file.
func (dr *dealReader) entrySource(k int) (line, col int) {
	r, h := &dr.refs, dr.hist
	if r.from {
		if k == 0 {
			return 0, dr.c.created
		}
		k--
	}
	for i := r.e0; i < r.e1; i++ {
		e := h.entries.at(i)
		if e.close != funnel.Open {
			continue
		}
		if k == 0 {
			return int(e.line), h.at
		}
		k--
	}
	return 0, r.tail
}
