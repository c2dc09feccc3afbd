package funnelbeam

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/wire"
)

// The Beam coders of the pipeline's elements. A deal crosses a worker
// boundary only when the runner does not lift the combine into the stage
// that reads it; an accumulator crosses one between the partial combines
// of the workers and the final merge of its key.

// dealVersion is the version of the deal encoding.
const dealVersion = 1

// encodeDeal encodes every field of a deal: strings as they are, amounts
// and probabilities exactly (coefficient and exponent), times as their
// instant, their offset from UTC and their zone's abbreviation, the
// custom attributes by sorted key.
func encodeDeal(d funnel.Deal) []byte {
	var w wire.Writer
	appendDeal(&w, &d)
	return w.Bytes()
}

func appendDeal(w *wire.Writer, d *funnel.Deal) {
	w.Int(dealVersion)
	w.String(d.ID)
	w.String(d.Account)
	w.String(d.Pipeline)
	writeTime(w, d.Created)
	w.Decimal(d.Amount)
	w.String(d.Currency)
	w.Varint(int64(d.Outcome))
	writeTime(w, d.Closed)
	writeTime(w, d.ExpectedClose)
	w.Bool(d.Probability.Valid)
	if d.Probability.Valid {
		w.Decimal(d.Probability.Decimal)
	}
	w.String(d.Category)
	w.String(d.LostReason)
	w.String(string(d.Stage))
	w.Int(len(d.History))
	for _, h := range d.History {
		w.String(string(h.Stage))
		writeTime(w, h.At)
	}
	w.Int(len(d.Changes))
	for _, c := range d.Changes {
		w.Varint(int64(c.Field))
		w.String(c.Key)
		writeTime(w, c.At)
		w.Decimal(c.Amount)
		writeTime(w, c.Time)
		w.String(c.Text)
	}
	a := &d.Attrs
	for _, s := range []string{a.Source, a.Industry, a.Owner, a.Region, a.Product, a.Campaign} {
		w.String(s)
	}
	// 0 is a nil map, n+1 a map of n entries
	if a.Custom == nil {
		w.Int(0)
	} else {
		w.Int(len(a.Custom) + 1)
		for _, k := range slices.Sorted(maps.Keys(a.Custom)) {
			w.String(k)
			w.String(a.Custom[k])
		}
	}
}

// decodeDeal decodes a deal written by encodeDeal. It returns an error
// wrapping funnel.ErrInvalidParam for an invalid encoding: truncated, of
// another version, with bytes left over, with custom keys out of order or
// a decimal exponent beyond the library's bound.
func decodeDeal(data []byte) (funnel.Deal, error) {
	r := wire.NewReader(data)
	var d funnel.Deal
	if v := r.Int(); r.Err() == nil && v != dealVersion {
		r.Fail("deal version %d", v)
	}
	d.ID = r.String()
	d.Account = r.String()
	d.Pipeline = r.String()
	d.Created = readTime(r)
	d.Amount = r.Decimal()
	d.Currency = r.String()
	o := r.Varint()
	if o < -128 || o > 127 {
		r.Fail("outcome %d", o)
	}
	d.Outcome = funnel.Outcome(o)
	d.Closed = readTime(r)
	d.ExpectedClose = readTime(r)
	if d.Probability.Valid = r.Bool(); d.Probability.Valid {
		d.Probability.Decimal = r.Decimal()
	}
	d.Category = r.String()
	d.LostReason = r.String()
	d.Stage = funnel.Stage(r.String())
	if n := r.Count(2); n > 0 {
		d.History = make([]funnel.StageChange, n)
		for i := range d.History {
			d.History[i] = funnel.StageChange{Stage: funnel.Stage(r.String()), At: readTime(r)}
		}
	}
	if n := r.Count(8); n > 0 {
		d.Changes = make([]funnel.FieldChange, n)
		for i := range d.Changes {
			c := &d.Changes[i]
			f := r.Varint()
			if f < -128 || f > 127 {
				r.Fail("field %d", f)
			}
			c.Field = funnel.Field(f)
			c.Key = r.String()
			c.At = readTime(r)
			c.Amount = r.Decimal()
			c.Time = readTime(r)
			c.Text = r.String()
		}
	}
	a := &d.Attrs
	for _, s := range []*string{&a.Source, &a.Industry, &a.Owner, &a.Region, &a.Product, &a.Campaign} {
		*s = r.String()
	}
	if n := r.Uvarint(); r.Err() == nil && n > 0 {
		if n-1 > uint64(r.Remaining()/2) {
			r.Fail("%d custom attributes", n-1)
		} else {
			a.Custom = make(map[string]string, n-1)
			prev := ""
			for i := range n - 1 {
				k, v := r.String(), r.String()
				if r.Err() == nil && i > 0 && k <= prev {
					r.Fail("custom attributes out of order")
				}
				a.Custom[k], prev = v, k
			}
		}
	}
	if err := r.End(); err != nil {
		return funnel.Deal{}, fmt.Errorf("funnelbeam: deal: %w: %w", funnel.ErrInvalidParam, err)
	}
	counts.dealsDecoded.Add(1)
	return d, nil
}

// maxOffset bounds a decoded zone offset (no zone is more than 14 hours
// from UTC).
const maxOffset = 24 * 3600

// writeTime writes an instant and, for a recorded time, its zone offset
// and abbreviation.
func writeTime(w *wire.Writer, t time.Time) {
	w.Time(t)
	if t.IsZero() {
		return
	}
	name, off := t.Zone()
	w.Varint(int64(off))
	w.String(name)
}

// readTime reads a time written by writeTime: in UTC when it was, else in
// a fixed zone of its offset and abbreviation.
func readTime(r *wire.Reader) time.Time {
	t := r.Time()
	if t.IsZero() {
		return t
	}
	off, name := r.Varint(), r.String()
	if off < -maxOffset || off > maxOffset {
		r.Fail("zone offset %d", off)
	}
	if r.Err() != nil || (off == 0 && name == "UTC") {
		return t
	}
	return t.In(time.FixedZone(name, int(off)))
}

// accVersion is the version of the accumulator encoding.
const accVersion = 1

// An accumulator is the combine's state for one key: one
// funnel.Accumulator per analysis, in the order of the configuration's
// analyses. A decoded accumulator holds their encodings (raw) until the
// combine, which knows the scan and the settings, rebuilds them.
type accumulator struct {
	accs []funnel.Accumulator
	raw  [][]byte
}

// encodeAccumulator encodes an accumulator as the count of its analyses
// and, for each, the bytes of its MarshalBinary.
func encodeAccumulator(a *accumulator) ([]byte, error) {
	var w wire.Writer
	w.Int(accVersion)
	if a.accs == nil {
		w.Int(len(a.raw))
		for _, b := range a.raw {
			w.String(string(b))
		}
		return w.Bytes(), nil
	}
	w.Int(len(a.accs))
	for i, x := range a.accs {
		b, err := x.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("funnelbeam: encoding analysis %d: %w", i, err)
		}
		w.String(string(b))
	}
	return w.Bytes(), nil
}

// decodeAccumulator decodes an accumulator written by encodeAccumulator,
// keeping the analyses' encodings for the combine to rebuild.
func decodeAccumulator(data []byte) (*accumulator, error) {
	r := wire.NewReader(data)
	if v := r.Int(); r.Err() == nil && v != accVersion {
		r.Fail("accumulator version %d", v)
	}
	n := r.Count(1)
	raw := make([][]byte, n)
	for i := range raw {
		raw[i] = []byte(r.String())
	}
	if err := r.End(); err != nil {
		return nil, fmt.Errorf("funnelbeam: accumulator: %w: %w", funnel.ErrInvalidParam, err)
	}
	return &accumulator{raw: raw}, nil
}
