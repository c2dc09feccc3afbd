// Package enum is the one rule by which the small enums of the library
// (funnel.Policy, forecast.Category, trend.Basis ...) print and read their
// names: a table of names indexed by value, where an empty name is no
// value.
package enum

import (
	"fmt"
	"strconv"
)

// An Int is the underlying type of an enum.
type Int interface{ ~int8 | ~int }

// Valid reports whether v has a name in names.
func Valid[T Int](v T, names []string) bool {
	return v >= 0 && int(v) < len(names) && names[v] != ""
}

// Name returns the name of v, or "Type(N)" (typ(N)) for a value without
// one: the String method of an enum.
func Name[T Int](v T, names []string, typ string) string {
	if Valid(v, names) {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}

// Text returns the name of v: the MarshalText method of an enum. For a
// value without a name it returns the error "pkg: what N" wrapping
// invalid.
func Text[T Int](v T, names []string, pkg, what string, invalid error) ([]byte, error) {
	if Valid(v, names) {
		return []byte(names[v]), nil
	}
	return nil, fmt.Errorf("%s: %s %d: %w", pkg, what, int(v), invalid)
}

// Parse sets *v to the value named b, exactly: the UnmarshalText method of
// an enum. For another text it returns the error "pkg: what "b"" wrapping
// invalid (b cut at 64 bytes), and leaves *v as it was.
func Parse[T Int](v *T, b []byte, names []string, pkg, what string, invalid error) error {
	for i, n := range names {
		if n != "" && string(b) == n {
			*v = T(i)
			return nil
		}
	}
	s := string(b)
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return fmt.Errorf("%s: %s %q: %w", pkg, what, s, invalid)
}
