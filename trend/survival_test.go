package trend

import (
	"bufio"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// survivalOf returns a Survival of a scan at the given level holding the
// durations (days) with their event flags.
func survivalOf(t testing.TB, level float64, obs ...struct {
	days  float64
	event bool
}) *Survival {
	t.Helper()
	s := mustScan(t, mustFunnel(t, "A"), funnel.Options{Test: funnel.Test{Confidence: funnel.Confidence(level)}})
	a, err := NewSurvival(s, SurvivalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range obs {
		a.add(int64(o.days*86400), o.event)
	}
	return a
}

type obs = struct {
	days  float64
	event bool
}

// rSet is one data set of testdata/km.txt, as R's survival package gave
// it.
type rSet struct {
	name      string
	obs       []obs
	steps     []Step
	quantiles []Quantile
}

func rFloat(t *testing.T, s string) (float64, bool) {
	if s == "NA" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

func rDays(v float64) time.Duration { return time.Duration(math.Round(v * float64(24*time.Hour))) }

func readR(t *testing.T) []rSet {
	f, err := os.Open("testdata/km.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sets []rSet
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		switch w[0] {
		case "set":
			s := rSet{name: w[1]}
			for _, p := range w[2:] {
				ts, st, _ := strings.Cut(p, ":")
				d, _ := rFloat(t, ts)
				s.obs = append(s.obs, obs{d, st == "1"})
			}
			sets = append(sets, s)
		case "step":
			at, _ := rFloat(t, w[1])
			n, _ := strconv.ParseInt(w[2], 10, 64)
			d, _ := strconv.ParseInt(w[3], 10, 64)
			c, _ := strconv.ParseInt(w[4], 10, 64)
			surv, _ := rFloat(t, w[5])
			lo, ok := rFloat(t, w[6])
			hi, _ := rFloat(t, w[7])
			st := Step{At: rDays(at), AtRisk: n, Events: d, Censored: c, Survival: surv}
			if ok {
				st.Interval = funnel.Interval{Lo: lo, Hi: hi, Confidence: 0.95, Defined: true}
			}
			s := &sets[len(sets)-1]
			s.steps = append(s.steps, st)
		case "quantile":
			p, _ := rFloat(t, w[1])
			q := Quantile{P: p, Confidence: 0.95}
			var v float64
			v, q.Defined = rFloat(t, w[2])
			q.At = rDays(v)
			v, q.LoDefined = rFloat(t, w[3])
			q.Lo = rDays(v)
			v, q.HiDefined = rFloat(t, w[4])
			q.Hi = rDays(v)
			if !q.Defined {
				q.At = 0
			}
			if !q.LoDefined {
				q.Lo = 0
			}
			if !q.HiDefined {
				q.Hi = 0
			}
			s := &sets[len(sets)-1]
			s.quantiles = append(s.quantiles, q)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sets
}

// TestKaplanMeierAgainstR compares every step, interval and quartile with
// R's survival package (testdata/km.R, whose output is testdata/km.txt).
func TestKaplanMeierAgainstR(t *testing.T) {
	sets := readR(t)
	if len(sets) != 7 {
		t.Fatalf("%d sets in km.txt", len(sets))
	}
	for _, s := range sets {
		t.Run(s.name, func(t *testing.T) {
			c := survivalOf(t, 0.95, s.obs...).Curve()
			if diff := cmp.Diff(s.steps, c.Steps, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
				t.Errorf("steps differ from R (-R +trend):\n%s", diff)
			}
			var got []Quantile
			for _, p := range []float64{0.25, 0.5, 0.75} {
				q, err := c.Quantile(p)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, q)
			}
			if diff := cmp.Diff(s.quantiles, got); diff != "" {
				t.Errorf("quantiles differ from R (-R +trend):\n%s", diff)
			}
			if diff := cmp.Diff(s.quantiles[1], c.Median); diff != "" {
				t.Errorf("median differs from R (-R +trend):\n%s", diff)
			}
		})
	}
}

// TestKaplanMeierByHand checks the legacy hand-worked curve: S(1) = 7/8,
// S(3) = 7/8 x 4/6 = 7/12, S(5) = 7/12 x 1/2 = 7/24.
func TestKaplanMeierByHand(t *testing.T) {
	c := survivalOf(t, 0.95, obs{3, true}, obs{1, true}, obs{2, false}, obs{3, true}, obs{3, false}, obs{4, false}, obs{5, true}, obs{6, false}).Curve()
	want := []float64{7.0 / 8, 7.0 / 8, 7.0 / 12, 7.0 / 12, 7.0 / 24, 7.0 / 24}
	var got []float64
	for _, s := range c.Steps {
		got = append(got, s.Survival)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-15)); diff != "" {
		t.Errorf("survival mismatch (-want +got):\n%s", diff)
	}
	if c.N != 8 || c.Events != 4 || c.Censored != 4 {
		t.Errorf("N, events, censored = %d, %d, %d", c.N, c.Events, c.Censored)
	}
	for _, tt := range []struct {
		at   time.Duration
		want float64
	}{{0, 1}, {days(1) - 1, 1}, {days(1), 0.875}, {days(4), 7.0 / 12}, {days(100), 7.0 / 24}} {
		if v := c.At(tt.at); math.Abs(v-tt.want) > 1e-15 {
			t.Errorf("At(%v) = %v, want %v", tt.at, v, tt.want)
		}
	}
	// 1 - S = 0.125 exactly from day 1 to day 3: the midpoint, 2 days
	if q, _ := c.Quantile(0.125); !q.Defined || q.At != days(2) {
		t.Errorf("Quantile(0.125) = %+v, want 2 days", q)
	}
	if q, _ := c.Quantile(0.9); q.Defined {
		t.Errorf("Quantile(0.9) = %+v, but S never falls to 0.1", q)
	}
	if q, _ := c.Quantile(0); !q.Defined || q.At != 0 {
		t.Errorf("Quantile(0) = %+v", q)
	}
	for _, p := range []float64{-0.1, 1.1, math.NaN()} {
		if _, err := c.Quantile(p); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("Quantile(%v) error = %v", p, err)
		}
	}
}

// TestMedianOfUncensored checks that the Kaplan-Meier median of durations
// with no censoring is their usual median, ties and odd and even counts
// included.
func TestMedianOfUncensored(t *testing.T) {
	for _, vals := range [][]int64{{7}, {1, 2}, {5, 1, 3}, {4, 1, 3, 2}, {2, 2, 2, 9}, {1, 1, 2, 2}, {3, 1, 4, 1, 5, 9, 2, 6}, {10, 20, 20, 20, 30, 40}} {
		var o []obs
		for _, v := range vals {
			o = append(o, obs{float64(v), true})
		}
		c := survivalOf(t, 0.95, o...).Curve()
		s := slices.Sorted(slices.Values(vals))
		n := len(s)
		want := days(s[n/2]) // odd
		if n%2 == 0 {
			want = (days(s[n/2-1]) + days(s[n/2])) / 2
		}
		if !c.Median.Defined || c.Median.At != want {
			t.Errorf("median of %v = %+v, want %v", vals, c.Median, want)
		}
	}
}

func TestKaplanMeierEdges(t *testing.T) {
	// no durations
	c := survivalOf(t, 0.95).Curve()
	if c.N != 0 || len(c.Steps) != 0 || c.At(days(1)) != 1 || c.Median.Defined || c.Steps == nil {
		t.Errorf("empty curve = %+v", c)
	}
	// one duration, censored: S stays 1, no interval, no median
	c = survivalOf(t, 0.95, obs{3, false}).Curve()
	if diff := cmp.Diff([]Step{{At: days(3), AtRisk: 1, Censored: 1, Survival: 1}}, c.Steps); diff != "" || c.Median.Defined {
		t.Errorf("one censored mismatch:\n%s median %+v", diff, c.Median)
	}
	// all events at once: S drops to 0, no interval; the median is that time
	c = survivalOf(t, 0.9, obs{2, true}, obs{2, true}).Curve()
	if diff := cmp.Diff([]Step{{At: days(2), AtRisk: 2, Events: 2}}, c.Steps); diff != "" {
		t.Errorf("all events mismatch:\n%s", diff)
	}
	if q := c.Median; !q.Defined || q.At != days(2) || q.LoDefined || q.HiDefined || q.Confidence != 0.9 {
		t.Errorf("median = %+v", q)
	}
	// huge durations saturate at the Duration range
	s := survivalOf(t, 0.95)
	s.add(maxSeconds, true)
	s.add(maxSeconds, false)
	if c := s.Curve(); len(c.Steps) != 1 || c.Steps[0].At != math.MaxInt64 || c.Steps[0].Survival != 0.5 {
		t.Errorf("huge durations = %+v", c.Steps)
	}
}

// TestSurvivalFromDeals checks the durations taken from deals, as of the
// as-of time, against values worked out by hand on handDeals.
func TestSurvivalFromDeals(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	type o struct {
		At    time.Duration
		Event bool
	}
	collect := func(s *Survival) []o {
		var out []o
		for _, c := range s.obs.Chunks() {
			for _, v := range c {
				out = append(out, o{time.Duration(v>>1) * time.Second, v&1 == 0})
			}
		}
		slices.SortFunc(out, func(a, b o) int {
			if a.At != b.At {
				return int(a.At - b.At)
			}
			if a.Event == b.Event {
				return 0
			}
			if a.Event {
				return -1
			}
			return 1
		})
		return out
	}
	// handDeals as of day 20: won w1 10 d, w2 3 d; lost l1 7 d, r1 8 d;
	// open o1 17 d, o2 20 d (censored).
	tests := []struct {
		name                string
		asOf                time.Time
		opts                SurvivalOptions
		want                []o
		untimed, notEntered int64
	}{
		{"cycle to close", day(20), SurvivalOptions{}, []o{{days(3), true}, {days(7), true}, {days(8), true}, {days(10), true}, {days(17), false}, {days(20), false}}, 0, 0},
		{"time to win", day(20), SurvivalOptions{Measure: TimeToWin}, []o{{days(3), true}, {days(7), false}, {days(8), false}, {days(10), true}, {days(17), false}, {days(20), false}}, 0, 0},
		// As of day 8: w2 won after 3 days and r1 lost after 8 (closed on
		// day 8); l1 (age 6), w1 (8), o1 (5) and o2 (8) are open then.
		{"cycle as of day 8", day(8), SurvivalOptions{}, []o{{days(3), true}, {days(5), false}, {days(6), false}, {days(8), true}, {days(8), false}, {days(8), false}}, 0, 0},
		// Latest visit to B: w1 3 d, l1 5 d (to its close), r1 2 d (B on
		// day 4 to C on day 6), o1 14 d censored (B on day 6, as of 20);
		// w2 and o2 never entered B.
		{"time in B", day(20), SurvivalOptions{Measure: TimeInStage, Stage: "B"}, []o{{days(2), true}, {days(3), true}, {days(5), true}, {days(14), false}}, 0, 2},
		// As of day 5: w1 in C since day 5 (B 2..5: 3 d), l1 in B since 4
		// (1 d censored), r1 B 4..5 (1 d censored), o1 created on day 3
		// has not entered B.
		{"time in B as of day 5", day(5), SurvivalOptions{Measure: TimeInStage, Stage: "B"}, []o{{days(1), false}, {days(1), false}, {days(3), true}}, 0, 3},
		// Without an as-of time the open deals have no censoring time.
		{"cycle without as-of", time.Time{}, SurvivalOptions{}, []o{{days(3), true}, {days(7), true}, {days(8), true}, {days(10), true}}, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSurvival(mustScan(t, f, funnel.Options{AsOf: tt.asOf}), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range handDeals() {
				if err := s.Add(d); err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(tt.want, collect(s)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			c := s.Curve()
			if c.Untimed != tt.untimed || c.NotEntered != tt.notEntered || c.Input.Counted != 6 || c.N+c.Untimed+c.NotEntered != 6 {
				t.Errorf("untimed %d, not entered %d, input %+v; want %d, %d", c.Untimed, c.NotEntered, c.Input, tt.untimed, tt.notEntered)
			}
		})
	}
}

func TestSurvivalUndated(t *testing.T) {
	f := mustFunnel(t, "A")
	s, err := NewSurvival(mustScan(t, f, funnel.Options{AsOf: day(30), UndatedClose: true, Mode: funnel.Lenient}), SurvivalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deals := []funnel.Deal{
		simple("u1", time.Time{}, funnel.Open, time.Time{}, "1"), // no creation time
		simple("u2", day(1), funnel.Won, time.Time{}, "1"),       // won at an unknown time
		simple("x", day(1), funnel.Won, day(0), "1"),             // invalid: closed before created
		simple("ok", day(1), funnel.Won, day(3), "1"),
		simple("late", day(40), funnel.Open, time.Time{}, "1"), // created after the as-of time
	}
	for _, d := range deals {
		_ = s.Add(d)
	}
	c := s.Curve()
	want := funnel.Input{Read: 5, Counted: 3, Future: 1}
	if c.Input.Read != want.Read || c.Input.Counted != want.Counted || c.Input.Future != want.Future || c.Input.Skipped.Count != 1 ||
		c.Untimed != 2 || c.N != 1 || c.Steps[0].At != days(2) {
		t.Errorf("curve = %+v", c)
	}
}

func TestNewSurvivalErrors(t *testing.T) {
	s := mustScan(t, mustFunnel(t, "A", "B"), funnel.Options{})
	for _, tt := range []struct {
		opts SurvivalOptions
		want error
	}{
		{SurvivalOptions{Measure: 7}, funnel.ErrInvalidParam},
		{SurvivalOptions{Measure: -1}, funnel.ErrInvalidParam},
		{SurvivalOptions{Stage: "A"}, funnel.ErrInvalidParam},
		{SurvivalOptions{Measure: TimeInStage}, funnel.ErrUnknownStage},
		{SurvivalOptions{Measure: TimeInStage, Stage: "Z"}, funnel.ErrUnknownStage},
	} {
		if _, err := NewSurvival(s, tt.opts); !errors.Is(err, tt.want) {
			t.Errorf("NewSurvival(%+v) error = %v, want %v", tt.opts, err, tt.want)
		}
	}
	if _, err := NewSurvival(nil, SurvivalOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("NewSurvival(nil) error = %v", err)
	}
	if _, err := ComputeSurvival(s, nil, SurvivalOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("ComputeSurvival(nil stream) error = %v", err)
	}
	bad := []funnel.Deal{{ID: "x", Stage: "Z"}}
	if _, err := ComputeSurvival(s, slices.Values(bad), SurvivalOptions{}); !errors.Is(err, funnel.ErrUnknownStage) {
		t.Errorf("ComputeSurvival(bad deal) error = %v", err)
	}
}
