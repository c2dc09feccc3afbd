package target

import (
	"fmt"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/wire"
	"github.com/shopspring/decimal"
)

const bottleneckVersion = 1

// MarshalBinary encodes the bottleneck analysis (see
// [funnel.Accumulator]): its scan, options, tally and stalls.
// Deterministic: one pass and any merge of parts give the same bytes.
func (b *Bottleneck) MarshalBinary() ([]byte, error) {
	if b.s == nil {
		return nil, errZero
	}
	tb, err := b.t.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return b.encode(tb)
}

// encode writes the analysis around the encoding of its tally.
func (b *Bottleneck) encode(tally []byte) ([]byte, error) {
	var w wire.Writer
	w.Header("target.bottleneck", bottleneckVersion)
	sb, err := b.s.AppendBinary(nil)
	if err != nil {
		return nil, err
	}
	w.String(string(sb))
	w.Varint(int64(b.opts.StallAfter))
	w.Int(len(b.opts.Targets))
	for _, set := range b.opts.Targets {
		w.String(set.Name)
		w.String(set.Source)
		w.Bool(set.Benchmark)
		w.Int(len(set.Targets))
		for _, t := range set.Targets {
			w.String(string(t.Metric))
			w.String(string(t.Stage))
			w.String(t.Segment)
			w.Time(t.Period)
			w.Int(int(t.Bound))
			w.Decimal(t.Value)
		}
	}
	w.String(string(tally))
	for k := range b.stalled {
		w.Varint(b.stalled[k])
		w.Varint(b.stallUntimed[k])
		w.Decimal(b.stalledValue[k].value())
	}
	return w.Bytes(), nil
}

// UnmarshalBinary decodes a bottleneck analysis written by
// [Bottleneck.MarshalBinary], replacing b's contents. One built by
// [NewBottleneck] accepts only an encoding of an equal scan and options
// (an error wrapping [funnel.ErrIncompatible] otherwise); the zero
// Bottleneck takes the encoded ones. It returns an error wrapping
// [funnel.ErrInvalidParam] for an invalid encoding: truncated,
// inconsistent (more deals stalled in a stage than open there, a stalled
// value above the stage's open value) or not canonical.
func (b *Bottleneck) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Header("target.bottleneck"); r.Err() == nil && v != bottleneckVersion {
		r.Fail("target.bottleneck version %d", v)
	}
	sb := r.String()
	if r.Err() != nil {
		return decodeErr(r)
	}
	s, rest, err := funnel.DecodeScan([]byte(sb))
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("target: %w: %w: bytes after the scan", funnel.ErrInvalidParam, wire.ErrFormat)
	}
	if b.s != nil {
		if !b.s.Equal(s) {
			return fmt.Errorf("target: decoding an accumulator of another scan: %w", funnel.ErrIncompatible)
		}
		s = b.s
	}
	var opts Options
	opts.StallAfter = time.Duration(r.Varint())
	nsets := r.Count(4)
	for range nsets {
		set := Set{Name: r.String(), Source: r.String(), Benchmark: r.Bool(), Targets: []Target{}}
		n := r.Count(7)
		for range n {
			t := Target{Metric: Metric(r.String()), Stage: funnel.Stage(r.String()), Segment: r.String(), Period: r.Time()}
			bound := r.Int()
			t.Value = r.Decimal()
			if r.Err() != nil {
				return decodeErr(r)
			}
			if bound > int(AtMost) {
				r.Fail("bound %d", bound)
				return decodeErr(r)
			}
			t.Bound = Bound(bound)
			set.Targets = append(set.Targets, t)
		}
		if r.Err() != nil {
			return decodeErr(r)
		}
		opts.Targets = append(opts.Targets, set)
	}
	if r.Err() != nil {
		return decodeErr(r)
	}
	out, err := NewBottleneck(s, opts)
	if err != nil {
		return fmt.Errorf("target: %w: %w", funnel.ErrInvalidParam, err)
	}
	tally := []byte(r.String())
	if r.Err() != nil {
		return decodeErr(r)
	}
	if err := out.t.UnmarshalBinary(tally); err != nil {
		return err
	}
	values := make([]decimal.Decimal, len(out.stalled))
	stalls := false
	for k := range out.stalled {
		out.stalled[k], out.stallUntimed[k] = r.NonNeg(), r.NonNeg()
		v := r.Decimal()
		if r.Err() != nil {
			return decodeErr(r)
		}
		switch {
		case out.opts.StallAfter == 0 && (out.stalled[k] > 0 || out.stallUntimed[k] > 0):
			r.Fail("stalls without a stall threshold")
		case v.Sign() < 0 || v.Exponent() > 0:
			r.Fail("stalled value %s", v)
		case out.stalled[k] == 0 && (!v.IsZero() || v.Exponent() != 0):
			r.Fail("stalled value without stalled deals")
		}
		values[k] = v
		out.stalledValue[k].add(v)
		stalls = stalls || out.stalled[k] > 0 || out.stallUntimed[k] > 0
	}
	if err := decodeErr(r); err != nil {
		return err
	}
	if stalls { // the stalls must fit in the stages' open deals
		rows := out.t.Report().Funnel
		for k := range out.stalled {
			if out.stalled[k]+out.stallUntimed[k] > rows[k].Open || values[k].GreaterThan(rows[k].OpenValue) {
				return fmt.Errorf("target: %w: %w: more stalled in stage %d than open", funnel.ErrInvalidParam, wire.ErrFormat, k)
			}
		}
	}
	// canonical: the one encoding of its contents (the tally's checked by
	// its own decoder)
	if enc, err := out.encode(tally); err != nil || string(enc) != string(data) {
		return fmt.Errorf("target: %w: %w: non-canonical encoding", funnel.ErrInvalidParam, wire.ErrFormat)
	}
	if b.s != nil {
		if !b.sameOptions(out.opts) {
			return fmt.Errorf("target: decoding a bottleneck analysis of other options: %w", funnel.ErrIncompatible)
		}
		out.opts = b.opts // keep the receiver's own, periods with their zones
	}
	*b = *out
	return nil
}

func decodeErr(r *wire.Reader) error {
	if err := r.End(); err != nil {
		return fmt.Errorf("target: %w: %w", funnel.ErrInvalidParam, err)
	}
	return nil
}
