package csvimport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
	"golang.org/x/text/cases"
)

// A parallel read of a deals file (Options.Workers) splits the input after
// its header into chunks of whole records, parses each chunk on a worker
// into deals and events (row failures, notes, rows of other pipelines),
// and has the reading goroutine apply them in file order: it counts the
// rows, checks IDs for duplicates, fails rows as the serial read does and
// yields the deals. What it yields and reports is what the serial read
// yields and reports, row for row. With a history file, the workers
// attach each deal's history from the history read before, which they
// only read, and record each row's look-up of it, which the reading
// goroutine counts for the join report (HistoryJoin) in file order.
//
// Chunks end after a line feed at which the quotes counted from the
// chunk's start are even: for a file of well-formed quotes that is a line
// feed outside quotes. Malformed quotes can put such a line feed inside a
// quoted field; a worker then finds the field still open at its chunk's
// end, and the reading goroutine reads on serially from the record where
// that field begins, to the end of the input. So it does from a footer's
// first row (Options.Footer), from a read error, and when no chunk
// boundary turns up within 4 chunk lengths (a file of lone CRs). A chunk
// begins at a record start and on a line that the one before it knows, so
// that errors name the lines the serial read names.
//
// At most about 3 x workers + 4 chunks are held at a time (those in
// flight and those kept for reuse), each with its deals and at most
// parallelRows lines; stopping the iteration early stops the producer and the workers,
// and All returns once they have ended.

// parallelChunk is the length of the chunks of a parallel read; tests
// lower it.
var parallelChunk = 64 << 10

// parallelRows is the most lines a chunk holds, so that a chunk of short
// rows does not hold many more deals than one of long rows: a deal takes
// a few hundred bytes however short its row.
const parallelRows = 1024

// An evKind is the kind of an event.
type evKind uint8

const (
	evFail    evKind = iota // a row that failed, perr
	evNote                  // n rows with the note name
	evIgnored               // a row of pipeline name, not read
)

// An event is what a worker found in a row besides a deal: it comes after
// the chunk's first at deals.
type event struct {
	at   int
	kind evKind
	perr *ParseError
	name string
	n    int
	look int32 // evFail and evIgnored: the row's history look-up (dealReader.look)
}

// counted counts a failed row's or a note's event of a chunk, in file
// order, as the serial read counts them when it meets them. It returns the
// error that stops a strict read; other kinds are left to the caller.
func (rd *reader) counted(e *event) error {
	switch e.kind {
	case evFail:
		rd.rep.Rows++
		return rd.fail(e.perr)
	case evNote:
		rd.notes[e.name] += e.n
	}
	return nil
}

// flushNotes moves the notes counted since the last call into the events.
func (rd *reader) flushNotes(at int) {
	if rd.noteN > 0 {
		*rd.events = append(*rd.events, event{at: at, kind: evNote, name: rd.note, n: rd.noteN})
		rd.noteN = 0
	}
	if len(rd.notes) == 0 {
		return
	}
	for k, n := range rd.notes {
		*rd.events = append(*rd.events, event{at: at, kind: evNote, name: k, n: n})
	}
	clear(rd.notes)
}

// A chunkEnd says how a worker's parse of a chunk ended.
type chunkEnd uint8

const (
	endClean  chunkEnd = iota // at the end of the chunk
	endStop                   // at a failed row, in strict mode: the last event
	endFatal                  // at an error that ends the read, err
	endResync                 // at stopOff: read on serially from there
)

// A chunk is a part of the input of whole records, and what a worker made
// of it.
type chunk struct {
	data   []byte
	line   int   // the line of data[0]
	off    int64 // the input offset of data[0]
	last   bool  // the input ends after data
	serial bool  // the rest of the input, from data on, is read serially
	done   chan struct{}

	deals    []funnel.Deal
	idLines  []int    // the line of each deal's ID
	hashes   []uint64 // each deal's ID hash, for the duplicate check
	looks    []int32  // with a history file: each deal's look-up (dealReader.look)
	missIDs  [][]byte // the first IDs without history, in row order
	misses   int      // the look-ups without history counted so far
	events   []event
	end      chunkEnd
	err      error
	stopOff  int // endResync: the offset in data, and the line, to read on from
	stopLine int

	// A chunk of a transactions file (ReadTransactions): its rows, and
	// the amounts of those that are not int64 coefficients.
	txns    []txnRow
	txnBigs []decimal.Decimal
	hist    *histChunk // a history file's rows (see histparallel.go), kept for reuse
}

// A producer splits the input into chunks.
type producer struct {
	src  io.Reader // what is not read yet; nil once the input has ended
	buf  []byte    // read and not yet in a chunk
	line int       // the line of buf[0]
	off  int64     // the input offset of buf[0]
	size int
	rows int // the most lines a chunk holds

	order  chan *chunk // every chunk, in order, to the reading goroutine
	work   chan *chunk // the chunks to parse, to the workers
	stop   chan struct{}
	halted sync.Once
	free   chan *chunk // chunks to reuse
	ended  chan struct{}

	// When the producer has ended: the input it read and did not send,
	// and the error that ended its reading (nil if it stopped first).
	rest []byte
	err  error
}

// halt stops the producer and the workers.
func (p *producer) halt() { p.halted.Do(func() { close(p.stop) }) }

// tail returns what follows the producer's rest: the unread input, or the
// error that ended it.
func (p *producer) tail() io.Reader {
	switch {
	case p.err == nil:
		return p.src
	case p.err == io.EOF:
		return bytes.NewReader(nil)
	}
	return errReader{p.err}
}

func (p *producer) run() {
	defer close(p.ended)
	defer close(p.order)
	defer close(p.work)
	want := p.size
	for {
		zero := 0
		for p.err == nil && len(p.buf) < want {
			if len(p.buf) == cap(p.buf) {
				p.buf = append(p.buf, make([]byte, max(want-len(p.buf), 4096))...)[:len(p.buf)]
			}
			n, err := p.src.Read(p.buf[len(p.buf):cap(p.buf)])
			if n < 0 || n > cap(p.buf)-len(p.buf) {
				p.err = errors.New("csvimport: reader returned an invalid count")
				break
			}
			p.buf = p.buf[:len(p.buf)+n]
			if err != nil {
				p.err = err
			} else if n == 0 {
				if zero++; zero == 100 {
					p.err = io.ErrNoProgress
				}
			}
		}
		switch {
		case p.err == io.EOF:
			if len(p.buf) > 0 {
				c := p.chunk(len(p.buf))
				c.last = true
				p.send(c, true)
			}
			return
		case p.err != nil:
			// the serial read reports a read error after the rows before it
			c := p.chunk(len(p.buf))
			c.serial = true
			p.send(c, false)
			return
		}
		split := -1
		if n := nthLine(p.buf, p.rows); n > 0 {
			split = boundary(p.buf[:n])
		}
		if split < 0 {
			split = boundary(p.buf)
		}
		if split < 0 {
			if len(p.buf) >= 4*p.size {
				c := p.chunk(len(p.buf))
				c.serial = true
				p.send(c, false)
				return
			}
			want = len(p.buf) + p.size
			continue
		}
		want = p.size
		if !p.send(p.chunk(split), true) {
			return
		}
	}
}

// chunk takes the first n bytes of buf into a chunk.
func (p *producer) chunk(n int) *chunk {
	var c *chunk
	select {
	case c = <-p.free:
	default:
		c = new(chunk)
	}
	data, rest := p.buf[:n], p.buf[n:]
	next := c.data[:0]
	if cap(next) < len(rest)+p.size {
		next = make([]byte, 0, len(rest)+p.size+p.size/4)
	}
	*c = chunk{data: data, line: p.line, off: p.off, done: make(chan struct{}),
		deals: c.deals[:0], idLines: c.idLines[:0], hashes: c.hashes[:0], looks: c.looks[:0],
		missIDs: c.missIDs[:0], events: c.events[:0], txns: c.txns[:0], txnBigs: c.txnBigs[:0], hist: c.hist}
	p.buf = append(next, rest...)
	p.line += lineCount(data)
	p.off += int64(n)
	return c
}

// send hands c to the reading goroutine and, with parse, to the workers.
// It returns false if the read was stopped.
func (p *producer) send(c *chunk, parse bool) bool {
	select {
	case p.order <- c:
	case <-p.stop:
		p.rest = append(c.data, p.buf...)
		return false
	}
	if !parse {
		close(c.done)
		return true
	}
	select {
	case p.work <- c:
		return true
	case <-p.stop:
		p.rest = p.buf
		return false
	}
}

// nthLine returns the length of the prefix of b that ends with its n-th
// line feed, or 0 if b has fewer.
func nthLine(b []byte, n int) int {
	end := 0
	for range n {
		i := bytes.IndexByte(b[end:], '\n')
		if i < 0 {
			return 0
		}
		end += i + 1
	}
	return end
}

// boundary returns the length of the longest prefix of b that ends with a
// line feed after an even number of quotes, or -1.
func boundary(b []byte) int {
	q := bytes.Count(b, []byte{'"'})
	end := len(b)
	for {
		nl := bytes.LastIndexByte(b[:end], '\n')
		if nl < 0 {
			return -1
		}
		q -= bytes.Count(b[nl+1:end], []byte{'"'})
		if q%2 == 0 {
			return nl + 1
		}
		end = nl
	}
}

// lineCount returns the lines that b ends, as the scanner counts them: LF,
// CRLF and a lone CR are one each.
func lineCount(b []byte) int {
	n := bytes.Count(b, []byte{'\n'})
	for i := bytes.IndexByte(b, '\r'); i >= 0; {
		if i+1 == len(b) || b[i+1] != '\n' {
			n++
		}
		j := bytes.IndexByte(b[i+1:], '\r')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return n
}

// workers returns the number of workers that read x's rows: 1 for a serial
// read.
func (x *DealReader) workers() int {
	if x.dr.conv != nil {
		return 1
	}
	return parallelWorkers(x.dr.rd, x.size)
}

// parallelWorkers returns the number of workers that read the rows of rd,
// whose input held size bytes when known (else -1): Options.Workers,
// GOMAXPROCS for 0, and 1 for an input too small to split.
func parallelWorkers(rd *reader, size int64) int {
	w := rd.opts.Workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	left := size // the input not read yet, and what the scanner holds
	if sc := rd.sc; left >= 0 {
		left += int64(sc.end - sc.pos)
	}
	if left >= 0 && left < 2*int64(parallelChunk) {
		return 1
	}
	return w
}

// forWorker returns a copy of rd for a worker: its own scanner, report and
// tallies, sharing the read-only parts.
func (rd *reader) forWorker() *reader {
	w := *rd
	w.sc = newScanner(nil, rd.sc.sep, rd.sc.maxRecord)
	w.rep = &Report{File: rd.file}
	w.reasons, w.notes, w.note, w.noteN = tally{}, tally{}, "", 0
	return &w
}

// worker returns a deal reader for a worker: x's, with its own reader,
// scanner, caches and scratch, sharing the read-only parts.
func (x *DealReader) worker() *dealReader {
	src := x.dr
	dr := *src
	dr.rd = src.rd.forWorker()
	dr.times = make([]*timeParser, len(src.times))
	if src.rules != nil {
		dr.rules = make([]*valueRule, len(src.rules))
		for i, r := range src.rules {
			if r != nil {
				c := *r
				if c.fold {
					c.folder = cases.Fold() // a Caser is not safe for concurrent use
				}
				dr.rules[i] = &c
			}
		}
	}
	dr.ignored = tally{}
	dr.seen = nil
	dr.slab, dr.dated, dr.parts, dr.amountBuf, dr.minor, dr.periods = nil, nil, nil, nil, nil, nil
	dr.arena = stringArena{}
	dr.cur, dr.histDeal, dr.refs, dr.tables, dr.lastTable = nil, 0, histRefs{}, nil, nil
	return &dr
}

// parse reads the rows of c into its deals and events; ids, when not nil,
// hashes the IDs for the duplicate check.
func (dr *dealReader) parse(c *chunk, ids *idSet) {
	rd := dr.rd
	rd.sc.reset(c.data, c.line)
	rd.rep.Kept, rd.footerAt = 0, false
	rd.events = &c.events
	dr.chunk = c
	defer func() { rd.events, dr.chunk = nil, nil }()
	// room for the deals of the chunk, from the row length seen so far,
	// and some more, so that chunks of a few more rows than the last one
	// do not each allocate again
	if want := len(c.data)/max(dr.rowBytes, 48) + 16; cap(c.deals) < want {
		want += want / 8
		c.deals = make([]funnel.Deal, 0, want)
		c.idLines = make([]int, 0, want)
		if dr.hist != nil {
			c.looks = make([]int32, 0, want)
		}
		if ids != nil {
			c.hashes = make([]uint64, 0, want)
		}
	}
	defer func() {
		n := len(c.deals) // the rows: deals and events but notes
		for i := range c.events {
			if c.events[i].kind != evNote {
				n++
			}
		}
		if n > 0 {
			dr.rowBytes = len(c.data) / n
		}
	}()
	var d funnel.Deal
	for {
		ok, err := rd.next()
		if !ok || err != nil {
			rd.endChunk(c, err)
			return
		}
		perr := dr.deal(&d)
		if perr == ignoredRow {
			rd.flushNotes(rd.rep.Kept)
			for k, n := range dr.ignored {
				c.events = append(c.events, event{at: rd.rep.Kept, kind: evIgnored, name: k, n: n, look: dr.look})
			}
			clear(dr.ignored)
			continue
		}
		if perr != nil {
			err := rd.fail(perr)
			c.events[len(c.events)-1].look = dr.look
			if err != nil {
				c.end = endStop
				return
			}
			continue
		}
		rd.flushNotes(rd.rep.Kept)
		c.deals = append(c.deals, d)
		if dr.hist != nil {
			c.looks = append(c.looks, dr.look)
		}
		c.idLines = append(c.idLines, rd.fieldLine(dr.c.id))
		if ids != nil {
			c.hashes = append(c.hashes, ids.hashString(d.ID))
		}
		rd.rep.Kept++
	}
}

// endChunk records in c how a worker's read of it ended, once rd.next
// returned false or err: at the end of the chunk, at a footer or a quote
// still open there (read on serially from that record), at a row that
// failed in strict mode, or at an error that ends the read.
func (rd *reader) endChunk(c *chunk, err error) {
	if err != nil {
		pe, _ := err.(*ParseError)
		n := len(c.events)
		switch {
		case pe != nil && n > 0 && c.events[n-1].kind == evFail && c.events[n-1].perr == pe:
			c.end = endStop
		case rd.sc.openAtEnd && !c.last:
			c.end, c.stopOff, c.stopLine = endResync, int(rd.sc.recOff), rd.sc.recLine
		default:
			c.end, c.err = endFatal, err
		}
		return
	}
	c.end = endClean
	if rd.footerAt {
		c.end, c.stopOff, c.stopLine = endResync, int(rd.sc.recOff), rd.sc.recLine
	}
}

// newProducer returns a producer of the input that sc has not scanned,
// for workers workers, in chunks of at most rows lines.
func newProducer(sc *scanner, workers, rows int) *producer {
	p := &producer{
		buf:  append(make([]byte, 0, parallelChunk+parallelChunk/4), sc.buf[sc.pos:sc.end]...),
		line: sc.line, off: sc.offset(), size: parallelChunk, rows: rows, src: sc.r,
		order: make(chan *chunk, 2*workers), work: make(chan *chunk, workers),
		stop: make(chan struct{}), free: make(chan *chunk, workers+2), ended: make(chan struct{}),
	}
	switch {
	case sc.rerr == io.EOF:
		p.err = io.EOF
	case sc.rerr != nil:
		p.src = errReader{sc.rerr}
	}
	return p
}

// start starts the producer and workers workers, worker i calling parse(i,
// c) for each chunk it takes (none once the read is stopped). The
// returned function stops them and returns once they have ended.
func (p *producer) start(workers int, parse func(i int, c *chunk)) (stop func()) {
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range p.work {
				select {
				case <-p.stop:
				default:
					parse(i, c)
				}
				close(c.done)
			}
		}()
	}
	go p.run()
	return func() {
		p.halt()
		for range p.order {
		}
		wg.Wait()
		<-p.ended
	}
}

// reuse offers c, applied, for another chunk.
func (p *producer) reuse(c *chunk) {
	select {
	case p.free <- c:
	default:
	}
}

// restFrom stops the producer and the workers and returns the rest of the
// input, to read serially: head, the chunks not read yet, the producer's
// rest and the input it has not read.
func (p *producer) restFrom(head io.Reader) io.Reader {
	p.halt()
	parts := []io.Reader{head}
	for c := range p.order {
		parts = append(parts, bytes.NewReader(c.data))
	}
	<-p.ended
	parts = append(parts, bytes.NewReader(p.rest), p.tail())
	return io.MultiReader(parts...)
}

// readParallel is All with workers workers.
func (x *DealReader) readParallel(yield func(funnel.Deal) bool, workers int) {
	dr, rd := x.dr, x.dr.rd
	p := newProducer(rd.sc, workers, parallelRows)
	ws := make([]*dealReader, workers)
	for i := range ws {
		ws[i] = x.worker()
	}
	stop := p.start(workers, func(i int, c *chunk) { ws[i].parse(c, dr.seen) })
	x.chunked = true
	defer stop()
	for c := range p.order {
		<-c.done
		x.chunks++
		if c.serial {
			x.serialFrom(c.off, c.line, p, bytes.NewReader(c.data), yield)
			return
		}
		x.poff, x.prows = c.off+int64(len(c.data)), rd.rep.Rows+len(c.deals)
		for i := range c.events {
			if c.events[i].kind != evNote {
				x.prows++
			}
		}
		if !x.apply(c, yield) {
			return
		}
		switch c.end {
		case endStop:
			return // apply has set x.err
		case endFatal:
			x.err = c.err
			return
		case endResync:
			x.serialFrom(c.off+int64(c.stopOff), c.stopLine, p, bytes.NewReader(c.data[c.stopOff:]), yield)
			return
		}
		if rd.rep.Rows >= 64 && !x.grown && x.size > 0 && dr.seen != nil {
			x.grown = true
			dr.seen.grow(min(x.remaining(), maxReserve))
		}
		clear(c.deals)
		clear(c.events)
		p.reuse(c)
	}
}

// serialFrom stops the producer and the workers and reads the rest of the
// input serially: head, the chunks not read yet, the producer's rest and
// the input it has not read, from input offset off on line line.
func (x *DealReader) serialFrom(off int64, line int, p *producer, head io.Reader, yield func(funnel.Deal) bool) {
	rd := x.dr.rd
	sc := newScanner(p.restFrom(head), rd.sc.sep, rd.sc.maxRecord)
	sc.line, sc.base = line, off
	rd.sc = sc
	x.chunked = false
	x.resyncs++
	x.readSerial(yield)
}

// apply counts and yields what a worker made of c, in file order. It
// returns false when reading stops: the iteration was stopped, or a row
// failed in strict mode (x.err is then set).
func (x *DealReader) apply(c *chunk, yield func(funnel.Deal) bool) bool {
	dr, rd := x.dr, x.dr.rd
	j := 0
	emit := func(upto int) bool {
		for ; j < upto; j++ {
			rd.rep.Rows++
			d := &c.deals[j]
			if dr.hist != nil {
				c.count(dr.hist, c.looks[j])
			}
			if dr.seen != nil {
				if first := dr.seen.add(d.ID, c.hashes[j], c.idLines[j]); first > 0 {
					perr := &ParseError{File: rd.file, Line: c.idLines[j], Column: rd.name(dr.c.id),
						Err: fmt.Errorf("%w %q (first on line %d)", ErrDuplicateID, d.ID, first)}
					if err := rd.fail(perr); err != nil {
						x.err = err
						return false
					}
					continue
				}
			}
			rd.rep.Kept++
			dr.pipeNamed(d.Pipeline).kept++
			x.idLine = c.idLines[j]
			if !yield(*d) {
				return false
			}
		}
		return true
	}
	for i := range c.events {
		e := &c.events[i]
		if !emit(e.at) {
			return false
		}
		switch e.kind {
		case evFail, evNote:
			if e.kind == evFail {
				c.count(dr.hist, e.look)
			}
			if err := rd.counted(e); err != nil {
				x.err = err
				return false
			}
		case evIgnored:
			rd.rep.Rows++
			c.count(dr.hist, e.look)
			dr.ignored[e.name] += e.n
		}
	}
	return emit(len(c.deals))
}

// count counts a worker's history look-up (see dealReader.lookup) for the
// join report, as the serial read counts it: in file order, so that the
// deals without history given as examples are the first ones.
func (c *chunk) count(h *history, look int32) {
	switch {
	case look > 0:
		h.count(look-1, nil)
	case look < 0:
		var id []byte
		if c.misses < len(c.missIDs) {
			id = c.missIDs[c.misses]
		}
		c.misses++
		h.count(-1, id)
	}
}
