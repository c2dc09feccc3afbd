package enum

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type color int8

// names has a gap at 1: no value, neither printed nor read.
var names = []string{0: "red", 2: "blue"}

var errInvalid = errors.New("invalid")

// TestEnum checks names, texts and parses written by hand, gaps and values
// out of the table included.
func TestEnum(t *testing.T) {
	var got []string
	for _, v := range []color{0, 1, 2, 3, -1} {
		got = append(got, Name(v, names, "color"))
		b, err := Text(v, names, "pkg", "color", errInvalid)
		if err != nil {
			if !errors.Is(err, errInvalid) {
				t.Errorf("Text(%d): %v does not wrap the invalid error", v, err)
			}
			got = append(got, err.Error())
		} else {
			got = append(got, string(b))
		}
	}
	want := []string{"red", "red", "color(1)", "pkg: color 1: invalid", "blue", "blue", "color(3)", "pkg: color 3: invalid",
		"color(-1)", "pkg: color -1: invalid"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names and texts (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		text string
		want color
		err  string
	}{
		{"red", 0, ""}, {"blue", 2, ""},
		{"", 7, `pkg: color "": invalid`}, {"Red", 7, `pkg: color "Red": invalid`},
		{strings.Repeat("x", 70), 7, `pkg: color "` + strings.Repeat("x", 64) + `...": invalid`},
	} {
		v := color(7)
		err := Parse(&v, []byte(tt.text), names, "pkg", "color", errInvalid)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
			if !errors.Is(err, errInvalid) {
				t.Errorf("Parse(%q): %v does not wrap the invalid error", tt.text, err)
			}
		}
		if v != tt.want || gotErr != tt.err {
			t.Errorf("Parse(%q) = %d, %q; want %d, %q", tt.text, v, gotErr, tt.want, tt.err)
		}
	}
}
