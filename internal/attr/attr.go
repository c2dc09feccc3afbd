// Package attr reads a deal's attribute values at its creation or close,
// from its field history, by the rule of the funnel package's
// segmentations ([funnel.ByAttrAt]), for the analyses of the sub-packages
// that segment deals by an attribute.
package attr

import (
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
)

var builtin = []string{funnel.AttrCampaign, funnel.AttrIndustry, funnel.AttrOwner, funnel.AttrProduct, funnel.AttrRegion, funnel.AttrSource}

// Builtin reports whether key names a field of funnel.Attributes.
func Builtin(key string) bool { return slices.Contains(builtin, key) }

// Value returns the value of attribute key of d as at says (see
// [funnel.ValueAt]): the value d holds for AtCurrent; for AtCreation the
// value at its creation time, or, when that is unknown, the earliest value
// recorded (the key's first change, else the value d holds); for AtClose
// the value at its close time, or the value d holds when it is open or
// closed at an unknown time. The value at a time is read from the field
// history by the rule of [funnel.FieldChange]: the first change recorded
// after the time cuts the history; with no cut the value is d's, else
// that of the key's last change before the cut, or else of its first
// change after it, or else d's.
func Value(d *funnel.Deal, key string, at funnel.ValueAt) string {
	current := d.Attrs.Get(key)
	if len(d.Changes) == 0 {
		return current
	}
	var t time.Time
	switch at {
	case funnel.AtCreation:
		if d.Created.IsZero() {
			for i := range d.Changes {
				if c := &d.Changes[i]; c.Field == funnel.FieldAttr && c.Key == key {
					return c.Text
				}
			}
			return current
		}
		t = d.Created
	case funnel.AtClose:
		if d.Outcome == funnel.Open || d.Closed.IsZero() {
			return current
		}
		t = d.Closed
	default:
		return current
	}
	cut := -1
	for i := range d.Changes {
		if c := d.Changes[i].At; !c.IsZero() && t.Before(c) {
			cut = i
			break
		}
	}
	if cut < 0 {
		return current
	}
	for i := cut - 1; i >= 0; i-- {
		if c := &d.Changes[i]; c.Field == funnel.FieldAttr && c.Key == key {
			return c.Text
		}
	}
	for i := cut; i < len(d.Changes); i++ {
		if c := &d.Changes[i]; c.Field == funnel.FieldAttr && c.Key == key {
			return c.Text
		}
	}
	return current
}

// CustomKeys appends to dst the custom attribute keys of d that at may
// give a value: the keys of d's Custom map and, unless at is AtCurrent,
// those of its field history, other than the built-in names, sorted and
// without repeats.
func CustomKeys(dst []string, d *funnel.Deal, at funnel.ValueAt) []string {
	start := len(dst)
	for k := range d.Attrs.Custom {
		if !Builtin(k) {
			dst = append(dst, k)
		}
	}
	if at != funnel.AtCurrent {
		for i := range d.Changes {
			if c := &d.Changes[i]; c.Field == funnel.FieldAttr && !Builtin(c.Key) {
				dst = append(dst, c.Key)
			}
		}
	}
	slices.Sort(dst[start:])
	return append(dst[:start], slices.Compact(dst[start:])...)
}

// Valid reports whether at is one of the funnel package's ValueAt
// choices.
func Valid(at funnel.ValueAt) bool { return at >= funnel.AtCurrent && at <= funnel.AtClose }
