package csvimport

import (
	"bytes"
	"io"
	"time"

	"github.com/funnelmetrics/funnel"
)

// A parallel read of a history file (Options.Workers, as for the deals
// file) splits the input after its header into chunks of whole records
// with the deals reader's producer (see parallel.go), parses each chunk
// on a worker into rows and events (row failures, notes), and has the
// reading goroutine keep the rows in file order: it finds each row's deal
// (numbering the deals in the order the serial read numbers them),
// checks its pipeline, stores its time and keeps it, and fails rows, as
// the serial read does. The deals' entries and changes are then derived
// from the rows kept, as after a serial read, so that what the read gives
// (the history, its counts and report, the errors) is the serial read's.
//
// A worker indexes the texts of its rows (stages) in a table of its own:
// each chunk gives the table as it was when the chunk was parsed, and the
// reading goroutine maps the worker's indexes to its own, once per text.

// histChunkRows is the most lines a chunk of a history file holds: a row
// held costs a worker about 100 bytes (against a deal's few hundred), and
// fewer, longer chunks cost the producer and the reading goroutine less.
const histChunkRows = 8192

// A histChunk is what a worker made of a chunk of a history file: its
// rows, with what the reading goroutine needs to keep them.
type histChunk struct {
	worker    int
	rows      []histRow // stage and from index texts; ch indexes changes
	times     []time.Time
	ids       []byte  // the rows' deal IDs, one after the other
	idEnd     []int32 // where each row's ID ends in ids
	pipes     []byte  // with a Pipeline column: the rows' pipelines, one after the other
	pipeEnd   []int32
	pipeLines []int32 // the line of each row's pipeline field
	changes   []funnel.FieldChange
	texts     []string // the worker's texts, as the chunk was parsed
	other     tally    // rows of other fields
}

// reset empties hc for a chunk parsed by worker w.
func (hc *histChunk) reset(w int) {
	clear(hc.changes)
	clear(hc.other)
	*hc = histChunk{worker: w, rows: hc.rows[:0], times: hc.times[:0], ids: hc.ids[:0], idEnd: hc.idEnd[:0],
		pipes: hc.pipes[:0], pipeEnd: hc.pipeEnd[:0], pipeLines: hc.pipeLines[:0], changes: hc.changes[:0], other: hc.other}
	if hc.other == nil {
		hc.other = tally{}
	}
}

// add adds a row that a worker read (see historyReader.row): r, of the
// deal id, at time at, in pipeline.
func (hc *histChunk) add(hr *historyReader, r *histRow, id []byte, at time.Time, pipeline []byte) {
	hc.rows = append(hc.rows, *r)
	hc.times = append(hc.times, at)
	hc.ids = append(hc.ids, id...)
	hc.idEnd = append(hc.idEnd, int32(len(hc.ids)))
	if hr.c.pipeline >= 0 {
		hc.pipes = append(hc.pipes, pipeline...)
		hc.pipeEnd = append(hc.pipeEnd, int32(len(hc.pipes)))
		hc.pipeLines = append(hc.pipeLines, int32(hr.rd.fieldLine(hr.c.pipeline)))
	}
}

// worker returns a history reader for a worker: hr's mapping and columns,
// with its own reader, scanner, parsers and texts.
func (hr *historyReader) worker() *historyReader {
	rd := hr.rd.forWorker()
	return &historyReader{rd: rd, m: hr.m, c: hr.c, times: newTimeParser(rd.opts), intern: map[string]string{},
		texts: []string{""}, textIDs: map[string]uint32{}}
}

// parse reads the rows of c, on worker w, into c.hist and c.events.
func (hr *historyReader) parse(c *chunk, w int) {
	if c.hist == nil {
		c.hist = &histChunk{}
	}
	hc := c.hist
	hc.reset(w)
	rd := hr.rd
	rd.sc.reset(c.data, c.line)
	rd.rep.Kept, rd.footerAt = 0, false
	rd.events = &c.events
	hr.chunk, hr.changes, hr.other = hc, hc.changes, hc.other
	defer func() {
		hc.changes, hc.texts = hr.changes, hr.texts
		rd.events, hr.chunk, hr.changes, hr.other = nil, nil, nil, nil
	}()
	for {
		ok, err := rd.next()
		if !ok || err != nil {
			rd.endChunk(c, err)
			return
		}
		if perr := hr.row(); perr != nil {
			if rd.fail(perr) != nil {
				c.end = endStop
				return
			}
			continue
		}
		rd.rep.Kept++
	}
}

// readParallel reads the rows with workers workers.
func (hr *historyReader) readParallel(workers int) error {
	p := newProducer(hr.rd.sc, workers, histChunkRows)
	ws := make([]*historyReader, workers)
	for i := range ws {
		ws[i] = hr.worker()
	}
	ids := make([][]uint32, workers) // by worker: its text indexes' in hr.texts, 0 for not yet known
	stop := p.start(workers, func(i int, c *chunk) { ws[i].parse(c, i) })
	defer stop()
	for c := range p.order {
		<-c.done
		if c.serial {
			return hr.serialFrom(c.off, c.line, p, bytes.NewReader(c.data))
		}
		if err := hr.apply(c, &ids[c.hist.worker]); err != nil {
			return err // a row that failed in strict mode (endStop)
		}
		switch c.end {
		case endFatal:
			return c.err
		case endResync:
			return hr.serialFrom(c.off+int64(c.stopOff), c.stopLine, p, bytes.NewReader(c.data[c.stopOff:]))
		}
		p.reuse(c)
	}
	return nil
}

// serialFrom stops the producer and the workers and reads the rest of the
// input serially, from head on, at input offset off on line line.
func (hr *historyReader) serialFrom(off int64, line int, p *producer, head io.Reader) error {
	rd := hr.rd
	sc := newScanner(p.restFrom(head), rd.sc.sep, rd.sc.maxRecord)
	sc.line, sc.base = line, off
	rd.sc = sc
	return hr.readSerial()
}

// apply keeps the rows of c and counts its events, in file order, with
// ids mapping the texts of the worker that parsed it. It returns the
// error of a row that failed in strict mode.
func (hr *historyReader) apply(c *chunk, ids *[]uint32) error {
	rd, hc := hr.rd, c.hist
	j, id0, pipe0 := 0, int32(0), int32(0)
	keep := func(upto int) error {
		for ; j < upto; j++ {
			rd.rep.Rows++
			r := hc.rows[j]
			r.stage, r.from = hr.global(ids, hc.texts, r.stage), hr.global(ids, hc.texts, r.from)
			changes := hc.changes[r.ch : r.ch+r.n]
			r.ch = int32(len(hr.changes))
			id := hc.ids[id0:hc.idEnd[j]]
			id0 = hc.idEnd[j]
			var pipeline []byte
			pipeLine := 0
			if hr.c.pipeline >= 0 {
				pipeline, pipeLine = hc.pipes[pipe0:hc.pipeEnd[j]], int(hc.pipeLines[j])
				pipe0 = hc.pipeEnd[j]
			}
			if perr := hr.keep(&r, id, hc.times[j], pipeline, pipeLine); perr != nil {
				if err := rd.fail(perr); err != nil {
					return err
				}
				continue
			}
			for _, ch := range changes {
				hr.changes = grow(hr.changes, ch)
			}
			rd.rep.Kept++
		}
		return nil
	}
	for i := range c.events {
		e := &c.events[i]
		if err := keep(e.at); err != nil {
			return err
		}
		if err := rd.counted(e); err != nil {
			return err
		}
	}
	if err := keep(len(hc.rows)); err != nil {
		return err
	}
	for k, n := range hc.other {
		hr.other[k] += n
	}
	return nil
}

// global returns the index in hr.texts of the text of index i in a
// worker's texts, ids mapping the worker's indexes known so far.
func (hr *historyReader) global(ids *[]uint32, texts []string, i uint32) uint32 {
	if i == 0 {
		return 0
	}
	m := *ids
	if int(i) < len(m) && m[i] != 0 {
		return m[i]
	}
	if int(i) >= len(m) {
		m = append(m, make([]uint32, len(texts)-len(m))...)
		*ids = m
	}
	m[i] = hr.textID([]byte(texts[i]))
	return m[i]
}
