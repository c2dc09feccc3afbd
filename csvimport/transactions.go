package csvimport

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/clv"
	"github.com/shopspring/decimal"
)

// A TransactionMapping names the columns of a transactions export (a
// billing system's invoices or payments, an order table): one row per
// purchase, for [ReadTransactions].
type TransactionMapping struct {
	// Customer, Time and Amount name the columns of the customer (or
	// account), the time of the purchase (read with Options.Layouts in
	// Options.Location) and its amount; all three are required.
	Customer, Time, Amount string
	// AmountFormat says how the amounts are written; the zero value is
	// plain decimals ("1234.50"). MinorUnits is not accepted: a
	// transactions file names no currency.
	AmountFormat AmountFormat
	// Log holds the options of the log read.
	Log clv.LogOptions
}

// ReadTransactions reads a transactions export into a [clv.Log], the
// input of historical CLV, cohorts, retention and the RFM summaries:
// each row is one transaction, added as [clv.Log.Add] adds it, in file
// order. An empty customer, time or amount is an error wrapping
// [ErrEmpty], a time in none of the layouts one wrapping [ErrTime], a
// malformed amount one wrapping [ErrAmount] (as is one whose exponent is
// beyond [clv.MaxAmountExponent]), an amount below zero one wrapping
// [funnel.ErrNegativeAmount]; each names the file, the line and the
// column. In strict mode the first bad row ends the read with its error;
// in lenient mode it is skipped and counted in the report (Rows = Kept +
// Skipped). Malformed rows, field counts, footers and encodings are read
// as by every reader of the package.
//
// Plain amounts of at most 18 digits, the common case, go into the log
// without a decimal.Decimal; larger ones are kept exactly. With
// Options.Workers above 1, a large input (more than 128 KiB, or of
// unknown size) is parsed by that many goroutines, each a chunk of whole
// records at a time, and the calling goroutine adds their rows to the log
// in file order: the log, the report and the errors do not depend on the
// number of workers. Zero means one here, not GOMAXPROCS as for a deals
// file: adding the rows (looking up each customer, packing each
// transaction) is about a third of the work and stays on one goroutine,
// and on two cores the split read measured no faster than the serial one,
// for more CPU time.
func ReadTransactions(r io.Reader, file string, m TransactionMapping, opts Options) (*clv.Log, *Report, error) {
	if m.Customer == "" || m.Time == "" || m.Amount == "" {
		return nil, nil, fmt.Errorf("%w: TransactionMapping needs the Customer, Time and Amount columns", ErrMapping)
	}
	if err := m.AmountFormat.validate(); err != nil {
		return nil, nil, err
	}
	if m.AmountFormat.MinorUnits {
		return nil, nil, fmt.Errorf("%w: AmountFormat.MinorUnits needs a currency, which a transactions file does not name", ErrMapping)
	}
	l, err := clv.NewLog(m.Log)
	if err != nil {
		return nil, nil, err
	}
	size := sizeOf(r) // the header's too: the split need not be exact
	rd, err := newReader(r, file, opts)
	if err != nil {
		return nil, nil, err
	}
	x := &txnReader{rd: rd, m: &m, plain: m.AmountFormat.plain(), maxDigits: digitBound(opts.MaxDigits)}
	for _, c := range []struct {
		dst  *int
		name string
	}{{&x.cust, m.Customer}, {&x.time, m.Time}, {&x.amount, m.Amount}} {
		if *c.dst, err = rd.column(c.name); err != nil {
			return nil, nil, err
		}
	}
	x.times = newTimeParser(opts)
	w := opts.Workers
	if w > 1 && (size < 0 || size >= 2*int64(parallelChunk)) {
		err = x.readParallel(l, w)
	} else {
		err = x.read(l, nil)
	}
	if err != nil {
		return nil, nil, err
	}
	return l, rd.report(), nil
}

// A txnReader reads the rows of a transactions file.
type txnReader struct {
	rd                 *reader
	m                  *TransactionMapping
	cust, time, amount int
	times              *timeParser
	plain              bool // whether amounts are plain decimals
	maxDigits          int
	last               string // the last customer added
	buf                []byte // scratch of formatted amounts
}

// A txnRow is a row read, as a worker of a parallel read hands it to the
// calling goroutine: the amount is coef x 10^exp, or (big >= 0) the
// chunk's bigs[big].
type txnRow struct {
	cust string
	at   time.Time
	coef int64
	exp  int32
	big  int32
}

// read reads the rows into l, or with c into c's rows (a worker of a
// parallel read), failing the bad ones; it returns the error that ends
// the read.
func (x *txnReader) read(l *clv.Log, c *chunk) error {
	rd := x.rd
	for {
		ok, err := rd.next()
		if err != nil || !ok {
			return err
		}
		var t txnRow
		var big decimal.Decimal
		perr := x.row(&t, &big)
		if perr == nil && c == nil {
			var err error
			if t.big < 0 {
				err = l.AddScaled(t.cust, t.at, t.coef, t.exp)
			} else {
				err = l.Add(clv.Transaction{Customer: t.cust, Time: t.at, Amount: big})
			}
			if err != nil {
				perr = x.refused(err)
			}
		}
		if perr != nil {
			if err := rd.fail(perr); err != nil {
				return err
			}
			continue
		}
		if c != nil {
			if t.big >= 0 {
				t.big = int32(len(c.txnBigs))
				c.txnBigs = append(c.txnBigs, big)
			}
			c.txns = append(c.txns, t)
		}
		rd.rep.Kept++
	}
}

// refused returns the error of the current row, which a log refused
// with err.
func (x *txnReader) refused(err error) *ParseError {
	av := x.rd.get(x.amount)
	if errors.Is(err, funnel.ErrNegativeAmount) {
		return x.rd.at(x.amount, negativeAmount(av))
	}
	return x.rd.at(x.amount, amountOutOfRange(av))
}

// row reads the current row into t (and big, for an amount that is not
// an int64 coefficient), or returns why it cannot. The amount is checked
// as a log checks it.
func (x *txnReader) row(t *txnRow, big *decimal.Decimal) *ParseError {
	rd := x.rd
	cust := rd.get(x.cust)
	if len(cust) == 0 {
		return rd.at(x.cust, ErrEmpty)
	}
	tv := rd.get(x.time)
	if len(tv) == 0 {
		return rd.at(x.time, ErrEmpty)
	}
	at, err := x.times.parse(tv)
	if err != nil {
		return rd.at(x.time, err)
	}
	av := rd.get(x.amount)
	if len(av) == 0 {
		return rd.at(x.amount, ErrEmpty)
	}
	if x.last != string(cust) {
		x.last = string(cust) // files sorted by customer repeat it row after row
	}
	*t = txnRow{cust: x.last, at: at, big: -1}
	if x.plain {
		if v, exp, ok := scaledAmount(av, x.maxDigits); ok {
			if v < 0 {
				return rd.at(x.amount, negativeAmount(av))
			}
			t.coef, t.exp = v, exp
			return nil
		}
	}
	var a decimal.Decimal
	if x.plain {
		a, err = parseAmount(av, x.maxDigits)
	} else {
		a, _, err = parseFormatted(av, x.m.AmountFormat, x.maxDigits, &x.buf)
	}
	switch {
	case err != nil:
		return rd.at(x.amount, err)
	case a.IsNegative():
		return rd.at(x.amount, negativeAmount(av))
	case a.Exponent() < -clv.MaxAmountExponent || a.Exponent() > clv.MaxAmountExponent:
		return rd.at(x.amount, amountOutOfRange(av))
	}
	t.big, *big = 0, a
	return nil
}

// negativeAmount is the error of a transaction's amount v below zero.
func negativeAmount(v []byte) error {
	return fmt.Errorf("%w %s: a transaction's amount is zero or more (a refund? net it against its purchase)", funnel.ErrNegativeAmount, clip(v))
}

// amountOutOfRange is the error of an amount whose exponent a log refuses.
func amountOutOfRange(v []byte) error {
	return fmt.Errorf("%w %q: its exponent is beyond ±%d (clv.MaxAmountExponent)", ErrAmount, clip(v), clv.MaxAmountExponent)
}

// worker returns a reader for a worker of a parallel read: x's, with its
// own reader, scanner, time parser and scratch.
func (x *txnReader) worker() *txnReader {
	rd := *x.rd
	rd.sc = newScanner(nil, x.rd.sc.sep, x.rd.sc.maxRecord)
	rd.rep = &Report{File: rd.file}
	rd.reasons, rd.notes = tally{}, tally{}
	w := *x
	w.rd = &rd
	w.times = newTimeParser(rd.opts)
	w.last, w.buf = "", nil
	return &w
}

// parse reads the rows of c into c.txns and its row failures into
// c.events, as the workers of a deals file do (see dealReader.parse).
func (x *txnReader) parse(c *chunk) {
	rd := x.rd
	rd.sc.reset(c.data, c.line)
	rd.rep.Kept, rd.footerAt = 0, false
	rd.events = &c.events
	defer func() { rd.events = nil }()
	err := x.read(nil, c)
	switch pe, _ := err.(*ParseError); {
	case err == nil && rd.footerAt:
		c.end, c.stopOff, c.stopLine = endResync, int(rd.sc.recOff), rd.sc.recLine
	case err == nil:
		c.end = endClean
	case pe != nil && len(c.events) > 0 && c.events[len(c.events)-1].kind == evFail && c.events[len(c.events)-1].perr == pe:
		c.end = endStop
	case rd.sc.openAtEnd && !c.last:
		c.end, c.stopOff, c.stopLine = endResync, int(rd.sc.recOff), rd.sc.recLine
	default:
		c.end, c.err = endFatal, err
	}
}

// readParallel is read with workers workers: the producer of a parallel
// deals read splits the input into chunks, the workers parse each into
// rows, and the calling goroutine counts them and adds them to l in file
// order.
func (x *txnReader) readParallel(l *clv.Log, workers int) error {
	rd := x.rd
	p := newProducer(rd.sc, workers, txnChunkRows)
	ws := make([]*txnReader, workers)
	for i := range ws {
		ws[i] = x.worker()
	}
	defer p.start(workers, func(i int, c *chunk) { ws[i].parse(c) })()
	for c := range p.order {
		<-c.done
		if c.serial {
			return x.serialFrom(l, c.off, c.line, p, bytes.NewReader(c.data))
		}
		for i := range c.events {
			if err := rd.counted(&c.events[i]); err != nil {
				return err
			}
		}
		for i := range c.txns {
			t := &c.txns[i]
			var err error
			if t.big < 0 {
				err = l.AddScaled(t.cust, t.at, t.coef, t.exp)
			} else {
				err = l.Add(clv.Transaction{Customer: t.cust, Time: t.at, Amount: c.txnBigs[t.big]})
			}
			if err != nil {
				return err // not reached: the worker checked the row as a log does
			}
		}
		rd.rep.Rows += len(c.txns)
		rd.rep.Kept += len(c.txns)
		switch c.end {
		case endFatal:
			return c.err
		case endResync:
			return x.serialFrom(l, c.off+int64(c.stopOff), c.stopLine, p, bytes.NewReader(c.data[c.stopOff:]))
		}
		clear(c.txns)
		clear(c.txnBigs)
		clear(c.events)
		p.reuse(c)
	}
	return nil
}

// txnChunkRows is the most lines a chunk of a transactions file holds: a
// transaction takes a few bytes in a log, so chunks are bounded by their
// length rather than their rows.
const txnChunkRows = 1 << 20

// serialFrom stops the producer and the workers and reads the rest of the
// input into l serially, from input offset off on line line: head, the
// chunks not read yet, the producer's rest and the input it has not read.
func (x *txnReader) serialFrom(l *clv.Log, off int64, line int, p *producer, head io.Reader) error {
	rd := x.rd
	sc := newScanner(p.restFrom(head), rd.sc.sep, rd.sc.maxRecord)
	sc.line, sc.base = line, off
	rd.sc = sc
	return x.read(l, nil)
}
