package forecast_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/forecast"
	"github.com/google/go-cmp/cmp"
)

func TestLearnByHand(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	deals := []funnel.Deal{
		// re-enters A: the time to win from A is from its last entry (day
		// 6), 4 days; from B 8 days
		{ID: "w1", Created: day(0), Amount: dec("1"), Outcome: funnel.Won, Closed: day(10), History: hist("A", day(0), "B", day(2), "A", day(6))},
		// its last entry into B has no recorded time: no B sample
		{ID: "w2", Created: day(0), Amount: dec("1"), Outcome: funnel.Won, Closed: day(20),
			History: []funnel.StageChange{{Stage: "A", At: day(1)}, {Stage: "B", At: day(3)}, {Stage: "B"}}},
		{ID: "l1", Created: day(0), Amount: dec("1"), Outcome: funnel.Lost, Closed: day(5), History: hist("A", day(0), "C", day(2))},
		// won after the as-of time: open then, teaches nothing
		{ID: "late", Created: day(0), Amount: dec("1"), Outcome: funnel.Won, Closed: day(40), History: hist("A", day(0))},
		{ID: "open", Created: day(0), Amount: dec("1"), History: hist("A", day(0))},
	}
	s := scanOf(t, f, funnel.Options{AsOf: day(30)})
	m, err := forecast.Learn(s, values(deals), forecast.LearnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := []funnel.Ratio{}
	for _, r := range m.Stages() {
		got = append(got, r.Won.Ratio)
	}
	// A: w1, w2 won, l1 lost: 2/3. B: w1, w2: 2/2. C: l1: 0/1.
	if diff := cmp.Diff([]funnel.Ratio{{Num: 2, Den: 3}, {Num: 2, Den: 2}, {Num: 0, Den: 1}}, got); diff != "" {
		t.Errorf("rates mismatch (-want +got):\n%s", diff)
	}
	type ttw struct {
		Count          int64
		Min, Max       time.Duration
		MedianA, MeanB time.Duration
	}
	a, b := m.TimeToWin("A"), m.TimeToWin("B")
	// A: w1 4 days, w2 19 days; B: w1 8 days only.
	want := ttw{Count: 2, Min: 4 * 24 * time.Hour, Max: 19 * 24 * time.Hour, MedianA: 11*24*time.Hour + 12*time.Hour, MeanB: 8 * 24 * time.Hour}
	if diff := cmp.Diff(want, ttw{a.Count, a.Min, a.Max, a.Median, b.Mean}); diff != "" || b.Count != 1 || m.TimeToWin("C").Count != 0 || m.TimeToWin("Z").Count != 0 {
		t.Errorf("time to win mismatch (-want +got):\n%s", diff)
	}
	if in := m.Input(); in.Read != 5 || in.Counted != 5 {
		t.Errorf("input %+v", in)
	}
	if m.Level() != 0.95 || !m.AsOf().Equal(day(30)) || m.Segment() != "" || m.MinSegment() != 30 {
		t.Errorf("model settings: %v %v %q %d", m.Level(), m.AsOf(), m.Segment(), m.MinSegment())
	}
	var buf strings.Builder
	if err := m.WriteText(&buf); err != nil || !strings.Contains(buf.String(), "2/3") {
		t.Errorf("WriteText = %q, %v", buf.String(), err)
	}
}

func TestModelEncodings(t *testing.T) {
	f := mustFunnel(t, "A", "B", "C")
	s := scanOf(t, f, funnel.Options{AsOf: day(40), Mode: funnel.Lenient})
	deals := append(fcDeals(), funnel.Deal{ID: "bad", Stage: "Z"})
	for _, opts := range []forecast.LearnOptions{{}, {Segment: funnel.AttrOwner, MinSegment: 1}} {
		m, err := forecast.Learn(s, values(deals), opts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back forecast.Model
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		js, err := m.MarshalJSON()
		if b1, _ := back.MarshalBinary(); !bytes.Equal(b, b1) {
			t.Errorf("binary round trip encodes differently")
		}
		if js1, _ := back.MarshalJSON(); !bytes.Equal(js, js1) {
			t.Errorf("binary round trip differs in JSON:\n%s\n%s", js, js1)
		}
		if err != nil {
			t.Fatal(err)
		}
		var fromJSON forecast.Model
		if err := fromJSON.UnmarshalJSON(js); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		b2, _ := fromJSON.MarshalBinary()
		if !bytes.Equal(b, b2) {
			t.Errorf("JSON round trip encodes differently:\n%s", js)
		}
		if _, err := forecast.NewPipeline(s, forecast.Options{Model: &fromJSON}); err != nil {
			t.Errorf("decoded model: %v", err)
		}
	}
	var m forecast.Model
	for _, bad := range []string{`{}`, `{"stages":[{"stage":"A","won":{"num":3,"den":2}}],"time_to_win":[{"stage":"A","samples_seconds":[]}],"confidence":0.95,"min_segment":1}`} {
		if err := m.UnmarshalJSON([]byte(bad)); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("UnmarshalJSON(%s) = %v", bad, err)
		}
	}
}

func TestLearnerSegmentCap(t *testing.T) {
	f := mustFunnel(t, "A")
	s := scanOf(t, f, funnel.Options{})
	l, err := forecast.NewLearner(s, forecast.LearnOptions{Segment: funnel.AttrOwner})
	if err != nil {
		t.Fatal(err)
	}
	for i := range forecast.MaxSegments {
		if err := l.Add(funnel.Deal{ID: "d", Stage: "A", Outcome: funnel.Lost, Closed: day(1), Attrs: funnel.Attributes{Owner: strconv.Itoa(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Model(); err != nil {
		t.Fatalf("at the cap: %v", err)
	}
	_ = l.Add(funnel.Deal{ID: "d", Stage: "A", Outcome: funnel.Lost, Closed: day(1), Attrs: funnel.Attributes{Owner: "one more"}})
	if _, err := l.Model(); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("past the cap: %v, want ErrInvalidParam", err)
	}
	if _, err := forecast.NewLearner(s, forecast.LearnOptions{MinSegment: -1}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("negative MinSegment: %v", err)
	}
	if _, err := forecast.NewLearner(nil, forecast.LearnOptions{}); !errors.Is(err, funnel.ErrInvalidParam) {
		t.Errorf("nil scan: %v", err)
	}
}
