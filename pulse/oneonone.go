package pulse

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
)

// A Meeting is one one-on-one meeting with a person.
type Meeting struct {
	Person string    `json:"person"`
	At     time.Time `json:"at"`
}

// A Member is one person of a one-on-one roster and their manager ("" for
// none). A manager who is also a member has a manager of their own, which
// is how coverage rolls up.
type Member struct {
	Person  string `json:"person"`
	Manager string `json:"manager"`
}

// An Overdue is a person without a one-on-one within the interval: their
// last meeting at or before the as-of time (Met false if none) and how
// long ago it was.
type Overdue struct {
	Person  string
	Manager string
	Met     bool
	Last    time.Time     // zero when never met (JSON null)
	Since   time.Duration // AsOf − Last; zero when never met (JSON since_seconds, null)
}

// A ManagerCoverage is one manager's one-on-one coverage: of their direct
// reports, and of everyone under them (reports of reports included). With
// ReportsTo and Level the rows of a [Coverage] form the tree of managers.
type ManagerCoverage struct {
	Manager string `json:"manager"`
	// ReportsTo is the manager's own manager: "" for a manager at the top
	// or not on the roster.
	ReportsTo string `json:"reports_to"`
	// Level is the number of managers above this one (0 at the top).
	Level int `json:"level"`
	// Direct is the direct reports met within the interval over the
	// direct reports, and All the same over everyone under the manager,
	// each with its Wilson interval.
	Direct funnel.Rate `json:"direct"`
	All    funnel.Rate `json:"all"`
}

// A Coverage is the one-on-one cadence of a roster as of a time: the share
// of people met within the interval, the same share per manager, and who
// is overdue.
type Coverage struct {
	AsOf     time.Time
	Interval time.Duration // JSON interval_seconds
	// Met is the people met within (AsOf − Interval, AsOf] over the
	// people of the roster, with its Wilson interval.
	Met funnel.Rate
	// Managers has a row per manager named in the roster, ascending by
	// name: the roll-up table ([Coverage.WriteText] prints it as a tree).
	Managers []ManagerCoverage
	// Overdue lists the people not met within the interval, most overdue
	// first: never met first (by name), then by oldest last meeting (ties
	// by name).
	Overdue []Overdue
}

// OneOnOnes reports which people of the roster had a one-on-one in
// (asOf − interval, asOf], overall and rolled up per manager: for each
// manager, the share of direct reports met and the share of everyone
// under them met (a person counts once, under each manager above them),
// each as met / people with its Wilson interval at level c (zero means
// 0.95; Wilson 1927, "Probable inference, the law of succession, and
// statistical inference", Journal of the American Statistical Association
// 22(158)). Regular one-on-ones of a manager with each report are the
// practice of Grove 1983, "High Output Management". Meetings after asOf (scheduled ones) and
// with people not on the roster are ignored. One-on-one coverage says who
// met whom, not what anyone answered: no confidentiality minimum applies.
// It returns an error wrapping [funnel.ErrInvalidParam] for an interval <=
// 0, a zero asOf, an invalid level, a nil sequence, or a roster with an
// empty or repeated person or a cycle of managers.
func OneOnOnes(roster []Member, meetings iter.Seq[Meeting], asOf time.Time, interval time.Duration, c funnel.Confidence) (Coverage, error) {
	level, err := c.Level()
	if err != nil {
		return Coverage{}, err
	}
	if interval <= 0 || asOf.IsZero() || meetings == nil {
		return Coverage{}, fmt.Errorf("pulse: one-on-ones as of %v over %v: %w", asOf, interval, funnel.ErrInvalidParam)
	}
	manager := make(map[string]string, len(roster))
	for i, m := range roster {
		if m.Person == "" {
			return Coverage{}, fmt.Errorf("pulse: one-on-one roster entry %d has no person: %w", i, funnel.ErrInvalidParam)
		}
		if _, dup := manager[m.Person]; dup {
			return Coverage{}, fmt.Errorf("pulse: one-on-one roster lists %q twice: %w", m.Person, funnel.ErrInvalidParam)
		}
		manager[m.Person] = m.Manager
	}
	// The chain of managers above each member must end.
	for _, m := range roster {
		seen := map[string]bool{m.Person: true}
		for up := m.Manager; up != ""; up = manager[up] {
			if seen[up] {
				return Coverage{}, fmt.Errorf("pulse: one-on-one roster: %q is their own manager through %q: %w", m.Person, up, funnel.ErrInvalidParam)
			}
			seen[up] = true
		}
	}
	last := make(map[string]time.Time, len(roster))
	for mt := range meetings {
		if _, on := manager[mt.Person]; !on || mt.At.After(asOf) || mt.At.IsZero() {
			continue
		}
		if prev, ok := last[mt.Person]; !ok || mt.At.After(prev) {
			last[mt.Person] = mt.At
		}
	}
	from := asOf.Add(-interval)
	rate := func(r funnel.Ratio) funnel.Rate {
		iv, _ := r.Wilson(funnel.Confidence(level))
		return funnel.Rate{Ratio: r, Interval: iv}
	}
	cov := Coverage{AsOf: asOf, Interval: interval, Managers: []ManagerCoverage{}, Overdue: []Overdue{}}
	var met funnel.Ratio
	direct := map[string]funnel.Ratio{}
	all := map[string]funnel.Ratio{}
	for _, m := range roster {
		at, ok := last[m.Person]
		in := ok && at.After(from)
		one := funnel.Ratio{Den: 1}
		if in {
			one.Num = 1
		} else {
			o := Overdue{Person: m.Person, Manager: m.Manager, Met: ok}
			if ok {
				o.Last, o.Since = at, asOf.Sub(at)
			}
			cov.Overdue = append(cov.Overdue, o)
		}
		met = met.Add(one)
		if m.Manager != "" {
			direct[m.Manager] = direct[m.Manager].Add(one)
		}
		for up := m.Manager; up != ""; up = manager[up] {
			all[up] = all[up].Add(one)
		}
	}
	cov.Met = rate(met)
	for _, name := range slices.Sorted(maps.Keys(all)) {
		level := 0
		for up := manager[name]; up != ""; up = manager[up] {
			level++
		}
		cov.Managers = append(cov.Managers, ManagerCoverage{Manager: name, ReportsTo: manager[name], Level: level,
			Direct: rate(direct[name]), All: rate(all[name])})
	}
	slices.SortFunc(cov.Overdue, func(a, b Overdue) int {
		switch {
		case a.Met != b.Met:
			if !a.Met {
				return -1
			}
			return 1
		case !a.Last.Equal(b.Last):
			return a.Last.Compare(b.Last)
		}
		return cmp.Compare(a.Person, b.Person)
	})
	return cov, nil
}
