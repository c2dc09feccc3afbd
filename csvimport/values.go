package csvimport

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/cases"
)

// A ValueRule cleans the values of one column before they are kept: it
// treats some values as missing, merges spellings, and can fold case.
// DealMapping.Values holds one per column name; it applies to whatever
// field the column feeds (an attribute, the account, the lost reason, the
// currency or the pipeline).
//
// A value is looked up, after trimming, first among Missing (it is then
// read as empty, which means unknown), then among the keys of Aliases (it
// is then read as the alias's value); with Fold both look-ups ignore case
// (Unicode case folding, golang.org/x/text/cases), and a value found in
// neither is kept in its folded form, so that "Web", "WEB" and "web" are
// one value, "web". Without Fold a value found in neither is kept as it
// is.
type ValueRule struct {
	// Missing lists the values that mean "no value", such as "N/A", "-"
	// or Zoho's "-None-".
	Missing []string
	// Aliases maps values to the value they stand for:
	// {"Website": "Web", "web site": "Web"}.
	Aliases map[string]string
	// Fold compares values without regard to case and keeps them folded.
	Fold bool
}

// Apply returns the value v is read as.
func (r ValueRule) Apply(v string) string {
	c := compileRule(r)
	return string(c.apply([]byte(strings.TrimSpace(v))))
}

// A valueRule is a ValueRule ready for use.
type valueRule struct {
	fold    bool
	missing map[string]bool
	aliases map[string][]byte
	folder  cases.Caser
}

func compileRule(r ValueRule) *valueRule {
	c := &valueRule{fold: r.Fold, missing: map[string]bool{}, aliases: map[string][]byte{}}
	if r.Fold {
		c.folder = cases.Fold()
	}
	key := func(s string) string {
		s = strings.TrimSpace(s)
		if r.Fold {
			return c.folder.String(s)
		}
		return s
	}
	for _, m := range r.Missing {
		c.missing[key(m)] = true
	}
	for _, k := range sortedKeys(r.Aliases) {
		c.aliases[key(k)] = []byte(strings.TrimSpace(r.Aliases[k]))
	}
	return c
}

// apply returns the value b is read as, valid until the next call.
func (c *valueRule) apply(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	k := b
	if c.fold {
		k = c.folder.Bytes(b)
	}
	if c.missing[string(k)] {
		return nil
	}
	if a, ok := c.aliases[string(k)]; ok {
		return a
	}
	return k
}

// Flags are yes-or-no columns such as Salesforce's Won and Closed or
// HubSpot's "Is Closed Won". These values are read, without regard to
// case: true: 1, true, t, yes, y, x; false: 0, false, f, no, n. An empty
// value is false (and counted in [Report.Notes]); anything else is an
// error ([ErrFlag]).
var (
	flagTrue  = []string{"1", "true", "t", "yes", "y", "x"}
	flagFalse = []string{"0", "false", "f", "no", "n"}
)

// ParseFlag reads a yes-or-no value: 1, true, t, yes, y or x is true; 0,
// false, f, no or n is false (case does not matter, white space around
// is ignored); empty is false, with empty true. Any other value is an
// error wrapping [ErrFlag].
func ParseFlag(s string) (value, empty bool, err error) {
	return parseFlag([]byte(strings.TrimSpace(s)))
}

func parseFlag(b []byte) (value, empty bool, err error) {
	if len(b) == 0 {
		return false, true, nil
	}
	for _, t := range flagTrue {
		if equalFold(t, b) {
			return true, false, nil
		}
	}
	for _, f := range flagFalse {
		if equalFold(f, b) {
			return false, false, nil
		}
	}
	v := clip(b)
	return false, false, fmt.Errorf("%w %q: not one of %s (true) or %s (false)", ErrFlag, v, strings.Join(flagTrue, ", "), strings.Join(flagFalse, ", "))
}

// A matcher finds values in a list without regard to case.
type matcher []matchEntry

type matchEntry struct {
	s     string
	ascii bool
}

func newMatcher(list []string) matcher {
	m := make(matcher, len(list))
	for i, s := range list {
		m[i] = matchEntry{s, true}
		for j := 0; j < len(s); j++ {
			if s[j] >= utf8.RuneSelf {
				m[i].ascii = false
			}
		}
	}
	return m
}

// has reports whether b is one of the values. An ASCII value matches only
// values of its length: the Unicode letters that fold to ASCII ones (the
// Kelvin sign) are not looked for.
func (m matcher) has(b []byte) bool {
	for _, e := range m {
		if len(e.s) == len(b) {
			if e.s == string(b) || equalFold(e.s, b) {
				return true
			}
		} else if !e.ascii && strings.EqualFold(e.s, string(b)) {
			return true
		}
	}
	return false
}

// matchValue reports whether b is one of list, without regard to case.
func matchValue(list []string, b []byte) bool {
	for _, s := range list {
		if equalFold(s, b) {
			return true
		}
	}
	return false
}

// equalFold reports whether s and b are equal under Unicode case folding,
// as strings.EqualFold does, without converting b when both are ASCII.
func equalFold(s string, b []byte) bool {
	ascii := true
	if len(s) == len(b) {
		for i := 0; i < len(s); i++ {
			x, y := s[i], b[i]
			if x|y >= utf8.RuneSelf {
				ascii = false
				break
			}
			if x == y {
				continue
			}
			if 'A' <= x && x <= 'Z' {
				x += 'a' - 'A'
			}
			if 'A' <= y && y <= 'Z' {
				y += 'a' - 'A'
			}
			if x != y {
				return false
			}
		}
		if ascii {
			return true
		}
	} else {
		for i := 0; i < len(s) && ascii; i++ {
			ascii = s[i] < utf8.RuneSelf
		}
		for i := 0; i < len(b) && ascii; i++ {
			ascii = b[i] < utf8.RuneSelf
		}
		if ascii {
			return false
		}
	}
	return strings.EqualFold(s, string(b))
}

// quoteList quotes the values of list for an error, at most ten.
func quoteList(list []string) string {
	q := make([]string, 0, min(len(list), 10))
	for i, s := range list {
		if i == 10 {
			q = append(q, fmt.Sprintf("... (%d more)", len(list)-10))
			break
		}
		q = append(q, fmt.Sprintf("%q", s))
	}
	if len(q) == 0 {
		return "none"
	}
	return strings.Join(q, ", ")
}

// sortedUnique returns the distinct values of list, sorted.
func sortedUnique(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}
