package pulse

import (
	"encoding/json"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
)

// The result types marshal to JSON in the library's one style: snake_case
// names, enums by name, [] for empty lists, durations in seconds, times in
// RFC 3339 (null when zero), rates with their counts, value and interval;
// and each decodes back to an equal value.

type scoreJSON struct {
	Suppressed Suppression      `json:"suppressed"`
	Score      funnel.ENPSScore `json:"score"`
	Interval   funnel.Interval  `json:"interval"`
}

// MarshalJSON encodes the score as {"suppressed":"shown","score":{...},
// "interval":{...}}, the score in the form of [funnel.ENPSScore.MarshalJSON].
func (s Score) MarshalJSON() ([]byte, error) {
	return json.Marshal(scoreJSON{s.Suppressed, s.ENPSScore, s.Interval})
}

// UnmarshalJSON decodes a score written by [Score.MarshalJSON].
func (s *Score) UnmarshalJSON(b []byte) error {
	var o scoreJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*s = Score{ENPSScore: o.Score, Interval: o.Interval, Suppressed: o.Suppressed}
	return nil
}

// parseSecs reads seconds written by [jsonstyle.Seconds].
func parseSecs(n json.Number) (time.Duration, error) {
	return jsonstyle.ParseSeconds(n, "pulse", funnel.ErrInvalidParam)
}

type pointJSON struct {
	Wave          int         `json:"wave"`
	At            time.Time   `json:"at"`
	WindowSeconds json.Number `json:"window_seconds"`
	Respondents   int64       `json:"respondents"`
	Cells         []Cell      `json:"cells"`
}

// MarshalJSON encodes the point with its window in seconds.
func (p Point) MarshalJSON() ([]byte, error) {
	return json.Marshal(pointJSON{p.Wave, p.At, jsonstyle.Seconds(p.Window), p.Respondents, nonNil(p.Cells)})
}

// UnmarshalJSON decodes a point written by [Point.MarshalJSON].
func (p *Point) UnmarshalJSON(b []byte) error {
	var o pointJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	w, err := parseSecs(o.WindowSeconds)
	if err != nil {
		return err
	}
	*p = Point{Wave: o.Wave, At: o.At, Window: w, Respondents: o.Respondents, Cells: nonNil(o.Cells)}
	return nil
}

type overdueJSON struct {
	Person       string       `json:"person"`
	Manager      string       `json:"manager"`
	Met          bool         `json:"met"`
	Last         *time.Time   `json:"last"`
	SinceSeconds *json.Number `json:"since_seconds"`
}

// MarshalJSON encodes the entry with "last" and "since_seconds" null when
// the person was never met.
func (o Overdue) MarshalJSON() ([]byte, error) {
	j := overdueJSON{Person: o.Person, Manager: o.Manager, Met: o.Met, Last: jsonstyle.Time(o.Last)}
	if o.Met {
		s := jsonstyle.Seconds(o.Since)
		j.SinceSeconds = &s
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes an entry written by [Overdue.MarshalJSON].
func (o *Overdue) UnmarshalJSON(b []byte) error {
	var j overdueJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	var since time.Duration
	if j.SinceSeconds != nil {
		var err error
		if since, err = parseSecs(*j.SinceSeconds); err != nil {
			return err
		}
	}
	*o = Overdue{Person: j.Person, Manager: j.Manager, Met: j.Met, Last: jsonstyle.TimeOf(j.Last), Since: since}
	return nil
}

type coverageJSON struct {
	AsOf            *time.Time        `json:"as_of"`
	IntervalSeconds json.Number       `json:"interval_seconds"`
	Met             funnel.Rate       `json:"met"`
	Managers        []ManagerCoverage `json:"managers"`
	Overdue         []Overdue         `json:"overdue"`
}

// MarshalJSON encodes the coverage with its interval in seconds.
func (c Coverage) MarshalJSON() ([]byte, error) {
	return json.Marshal(coverageJSON{jsonstyle.Time(c.AsOf), jsonstyle.Seconds(c.Interval), c.Met, nonNil(c.Managers), nonNil(c.Overdue)})
}

// UnmarshalJSON decodes a coverage written by [Coverage.MarshalJSON].
func (c *Coverage) UnmarshalJSON(b []byte) error {
	var j coverageJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	iv, err := parseSecs(j.IntervalSeconds)
	if err != nil {
		return err
	}
	*c = Coverage{AsOf: jsonstyle.TimeOf(j.AsOf), Interval: iv, Met: j.Met, Managers: nonNil(j.Managers), Overdue: nonNil(j.Overdue)}
	return nil
}

// nonNil returns s, or an empty slice for nil, so that lists encode as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
