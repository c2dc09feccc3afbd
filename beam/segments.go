package funnelbeam

import (
	"fmt"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

// SegmentOptions are the options of the "segments" kind: those of
// funnel.NewSegments in a form that travels to the workers as JSON
// (a funnel.Dim does not, and a dimension made by funnel.ByFunc is a
// function, which cannot travel at all).
type SegmentOptions struct {
	// Dims are the dimensions, 1 to 8 (funnel.SegmentOptions.Dims).
	Dims []SegmentDim `json:"dims"`
	// TopK, ByKey, MaxSegments and TestRest are those of
	// funnel.SegmentOptions.
	TopK        int  `json:"top_k,omitempty"`
	ByKey       bool `json:"by_key,omitempty"`
	MaxSegments int  `json:"max_segments,omitempty"`
	TestRest    bool `json:"test_rest,omitempty"`
}

// A SegmentDim is one dimension of a segmentation; exactly one of Attr,
// Amount and Created is set.
type SegmentDim struct {
	// Attr is an attribute key (one of the funnel.Attr constants or a
	// custom attribute's key) and At the value it takes:
	// funnel.ByAttrAt(Attr, At).
	Attr string         `json:"attr,omitempty"`
	At   funnel.ValueAt `json:"at,omitempty"`
	// Amount holds the edges of amount bands: funnel.ByAmount(Amount...).
	Amount []decimal.Decimal `json:"amount,omitempty"`
	// Created is a period of creation: funnel.ByCreated(*Created).
	Created *funnel.Period `json:"created,omitempty"`
}

// SegmentsBy returns the options of a segmentation by the attributes
// keys, their values as of the scan's as-of time, with rows in key order.
func SegmentsBy(keys ...string) SegmentOptions {
	o := SegmentOptions{ByKey: true}
	for _, k := range keys {
		o.Dims = append(o.Dims, SegmentDim{Attr: k})
	}
	return o
}

// Segment returns the funnel.SegmentOptions of o. It returns an error
// wrapping funnel.ErrInvalidParam for a dimension with none or more than
// one of Attr, Amount and Created set, or an invalid one (see
// funnel.ByAttrAt, funnel.ByAmount and funnel.ByCreated).
func (o SegmentOptions) Segment() (funnel.SegmentOptions, error) {
	out := funnel.SegmentOptions{TopK: o.TopK, ByKey: o.ByKey, MaxSegments: o.MaxSegments, TestRest: o.TestRest}
	for i, d := range o.Dims {
		set := 0
		for _, b := range []bool{d.Attr != "", len(d.Amount) > 0, d.Created != nil} {
			if b {
				set++
			}
		}
		if set != 1 || (d.At != funnel.AtCurrent && d.Attr == "") {
			return out, fmt.Errorf("funnelbeam: segment dimension %d: want one of attr, amount and created: %w", i, funnel.ErrInvalidParam)
		}
		var dim funnel.Dim
		var err error
		switch {
		case d.Attr != "":
			dim, err = funnel.ByAttrAt(d.Attr, d.At)
		case len(d.Amount) > 0:
			dim, err = funnel.ByAmount(d.Amount...)
		default:
			dim, err = funnel.ByCreated(*d.Created)
		}
		if err != nil {
			return out, fmt.Errorf("funnelbeam: segment dimension %d: %w", i, err)
		}
		out.Dims = append(out.Dims, dim)
	}
	return out, nil
}

// newSegments builds the segmentation of the "segments" kind.
func newSegments(s *funnel.Scan, o SegmentOptions) (*funnel.Segments, error) {
	opts, err := o.Segment()
	if err != nil {
		return nil, err
	}
	return funnel.NewSegments(s, opts)
}
