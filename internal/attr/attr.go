// Package attr reads a deal's attributes as they were at its creation,
// from its field history, for the analyses that segment deals by the
// value an attribute had when the deal was created rather than its
// current one.
package attr

import "github.com/funnelmetrics/funnel"

// changed reports whether d's field history has a change of the
// attribute key ("" for any attribute).
func changed(d *funnel.Deal, key string) bool {
	for i := range d.Changes {
		if c := &d.Changes[i]; c.Field == funnel.FieldAttr && (key == "" || c.Key == key) {
			return true
		}
	}
	return false
}

// Value returns the value of the attribute key of d: at its creation when
// atCreation is true (by [funnel.Deal.At], from its field history; the
// current value when the creation time is unknown), else its current
// value.
func Value(d *funnel.Deal, key string, atCreation bool) string {
	if atCreation && !d.Created.IsZero() && changed(d, key) {
		at, _ := d.At(d.Created)
		return at.Attrs.Get(key)
	}
	return d.Attrs.Get(key)
}

// Of returns the attributes of d: at its creation when atCreation is true
// (as Value), else its current ones. The result may share its Custom map
// with d.
func Of(d *funnel.Deal, atCreation bool) funnel.Attributes {
	if atCreation && !d.Created.IsZero() && changed(d, "") {
		at, _ := d.At(d.Created)
		return at.Attrs
	}
	return d.Attrs
}
