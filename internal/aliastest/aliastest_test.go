package aliastest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

type inner struct {
	N    int
	Tags map[string]string
}

type outer struct {
	Name   string
	Items  []inner
	ByKey  map[string]*inner
	Arr    [2]float64
	Ok     bool
	hidden int
}

// TestScribble checks that every exported value reachable from a result,
// through slices, maps, pointers and arrays, is overwritten, and that a
// value shared with the original shows the change.
func TestScribble(t *testing.T) {
	shared := &inner{N: 1, Tags: map[string]string{"a": "b"}}
	items := []inner{{N: 2}}
	o := outer{Name: "x", Items: items, ByKey: map[string]*inner{"k": shared}, Arr: [2]float64{1, 2}, hidden: 5}
	Scribble(&o)
	want := outer{Name: "scribbled", Items: []inner{{N: -7}}, ByKey: map[string]*inner{"k": {N: -7, Tags: map[string]string{"a": "scribbled"}}},
		Arr: [2]float64{-7, -7}, Ok: true, hidden: 5}
	if diff := cmp.Diff(want, o, cmp.AllowUnexported(outer{})); diff != "" {
		t.Errorf("Scribble (-want +got):\n%s", diff)
	}
	if shared.N != -7 || shared.Tags["a"] != "scribbled" || items[0].N != -7 {
		t.Errorf("shared values not reached: %+v, %+v", shared, items)
	}
	// a struct held in an interface is scribbled too
	var r any = inner{N: 3}
	Scribble(&r)
	if r.(inner).N != -7 {
		t.Errorf("value in an interface: %+v", r)
	}
}
