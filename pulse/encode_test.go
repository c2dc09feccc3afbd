package pulse

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/google/go-cmp/cmp"
)

// randomResponses returns n responses to testSurvey() over its first
// three waves, in three teams, with skips.
func randomResponses(seed uint64, n int) []Response {
	r := rand.New(rand.NewPCG(seed, seed))
	out := make([]Response, n)
	for i := range out {
		at := jan5.AddDate(0, r.IntN(3), r.IntN(25)).Add(time.Duration(r.IntN(86400)) * time.Second)
		enps, agree, yn := r.IntN(12)-1, r.IntN(6), r.IntN(3)-1
		if agree == 0 {
			agree = -1
		}
		out[i] = resp(fmt.Sprint("p", r.IntN(15)), at, enps, agree, yn)
		out[i].Attrs = map[string]string{"team": []string{"eng", "ops", "hr"}[r.IntN(3)]}
	}
	return out
}

func encoded(t testing.TB, m interface{ MarshalBinary() ([]byte, error) }) string {
	t.Helper()
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMergeEqualsOnePass: for every split of the responses into two parts
// (each part encoded and decoded before the merge), the merge of the parts
// equals one pass, in its encoding and in what it publishes; merging does
// not change its argument; self-merge is an error.
func TestMergeEqualsOnePass(t *testing.T) {
	rs := randomResponses(1, 60)
	s := testSurvey()
	wholeW, _ := NewWaves(s, "team")
	wholeR, _ := NewRolling(s)
	var wholeG Groups
	addG := func(g *Groups, r Response) {
		a := funnel.ENPSSkipped
		if v, ok := r.Answers["enps"]; ok {
			a = funnel.ENPSAnswer(v)
		}
		if err := g.Add(r.Attrs["team"], a); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rs {
		if err := wholeW.Add(r); err != nil {
			t.Fatal(err)
		}
		if err := wholeR.Add(r); err != nil {
			t.Fatal(err)
		}
		addG(&wholeG, r)
	}
	opts := Options{MinGroup: 3}
	wantReport, _ := wholeW.Report(1, 0, opts)
	wantSeries, _ := wholeR.Series(60*24*time.Hour, 0, 3, opts)
	wantBreakdown, _ := wholeG.Breakdown(opts)
	for cut := 0; cut <= len(rs); cut += 3 {
		pw, qw := wholeW.Fresh(), wholeW.Fresh()
		pr, qr := wholeR.Fresh(), wholeR.Fresh()
		var pg, qg Groups
		// The second part gets the responses in reverse order.
		for i, r := range rs {
			w, ro, g := pw, pr, &pg
			if i >= cut {
				w, ro, g = qw, qr, &qg
				r = rs[len(rs)-1-(i-cut)]
			}
			_ = w.Add(r)
			_ = ro.Add(r)
			addG(g, r)
		}
		var dw Waves
		var dr Rolling
		var dg Groups
		if err := dw.UnmarshalBinary([]byte(encoded(t, qw))); err != nil {
			t.Fatal(err)
		}
		if err := dr.UnmarshalBinary([]byte(encoded(t, qr))); err != nil {
			t.Fatal(err)
		}
		if err := dg.UnmarshalBinary([]byte(encoded(t, &qg))); err != nil {
			t.Fatal(err)
		}
		before := encoded(t, &dw) + encoded(t, &dr) + encoded(t, &dg)
		if err := pw.Merge(&dw); err != nil {
			t.Fatal(err)
		}
		if err := pr.Merge(&dr); err != nil {
			t.Fatal(err)
		}
		if err := pg.Merge(&dg); err != nil {
			t.Fatal(err)
		}
		if before != encoded(t, &dw)+encoded(t, &dr)+encoded(t, &dg) {
			t.Fatalf("cut %d: Merge changed its argument", cut)
		}
		if encoded(t, pw) != encoded(t, wholeW) || encoded(t, pr) != encoded(t, wholeR) || encoded(t, &pg) != encoded(t, &wholeG) {
			t.Fatalf("cut %d: encoding of the merge differs from one pass", cut)
		}
		rep, _ := pw.Report(1, 0, opts)
		ser, _ := pr.Series(60*24*time.Hour, 0, 3, opts)
		bd, _ := pg.Breakdown(opts)
		if diff := cmp.Diff(wantReport, rep); diff != "" {
			t.Fatalf("cut %d: report differs:\n%s", cut, diff)
		}
		if diff := cmp.Diff(wantSeries, ser); diff != "" {
			t.Fatalf("cut %d: series differs:\n%s", cut, diff)
		}
		if diff := cmp.Diff(wantBreakdown, bd); diff != "" {
			t.Fatalf("cut %d: breakdown differs:\n%s", cut, diff)
		}
	}
	for _, err := range []error{wholeW.Merge(wholeW), wholeR.Merge(wholeR), wholeG.Merge(&wholeG), wholeW.Merge(nil), wholeR.Merge(nil), wholeG.Merge(nil)} {
		if !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("self or nil merge = %v, want ErrInvalidParam", err)
		}
	}
	other := testSurvey()
	other.Name = "other"
	ow, _ := NewWaves(other, "team")
	or, _ := NewRolling(other)
	byLoc, _ := NewWaves(s, "location")
	for _, err := range []error{wholeW.Merge(ow), wholeW.Merge(byLoc), wholeR.Merge(or),
		ow.UnmarshalBinary([]byte(encoded(t, wholeW))), or.UnmarshalBinary([]byte(encoded(t, wholeR)))} {
		if !errors.Is(err, funnel.ErrIncompatible) {
			t.Errorf("merge or decode of another survey = %v, want ErrIncompatible", err)
		}
	}
}

// TestResultsDoNotAlias: editing every slice of a result does not change
// the next result.
func TestResultsDoNotAlias(t *testing.T) {
	w := wavesOf(t, "team", randomResponses(2, 40))
	r, _ := NewRolling(testSurvey())
	for _, x := range randomResponses(2, 40) {
		_ = r.Add(x)
	}
	opts := Options{MinGroup: 2}
	rep1, _ := w.Report(0, 0, opts)
	ser1, _ := r.Series(30*24*time.Hour, 0, 2, opts)
	wantRep, _ := w.Report(0, 0, opts)
	wantSer, _ := r.Series(30*24*time.Hour, 0, 2, opts)
	for _, row := range append(rep1.Groups, rep1.Company) {
		for i := range row.Cells {
			for j := range row.Cells[i].Counts {
				row.Cells[i].Counts[j] = -7
			}
			row.Cells[i].Question = "x"
			if e := row.Cells[i].ENPS; e != nil {
				e.Promoters = -1
			}
		}
	}
	for _, p := range ser1 {
		for i := range p.Cells {
			for j := range p.Cells[i].Counts {
				p.Cells[i].Counts[j] = -7
			}
		}
	}
	sv := w.Survey()
	sv.Questions[0].ID = "x"
	rep2, _ := w.Report(0, 0, opts)
	ser2, _ := r.Series(30*24*time.Hour, 0, 2, opts)
	if diff := cmp.Diff(wantRep, rep2); diff != "" {
		t.Errorf("edits to a report reached the accumulator:\n%s", diff)
	}
	if diff := cmp.Diff(wantSer, ser2); diff != "" {
		t.Errorf("edits to a series reached the accumulator:\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	w := wavesOf(t, "team", randomResponses(3, 20))
	r, _ := NewRolling(testSurvey())
	for _, x := range randomResponses(3, 20) {
		_ = r.Add(x)
	}
	var g Groups
	_ = g.Add("a", 9)
	_ = g.Add("b", funnel.ENPSSkipped)
	for name, c := range map[string]struct {
		good   string
		decode func([]byte) error
	}{
		"waves":   {encoded(t, w), func(b []byte) error { var x Waves; return x.UnmarshalBinary(b) }},
		"rolling": {encoded(t, r), func(b []byte) error { var x Rolling; return x.UnmarshalBinary(b) }},
		"groups":  {encoded(t, &g), func(b []byte) error { var x Groups; return x.UnmarshalBinary(b) }},
	} {
		if err := c.decode([]byte(c.good)); err != nil {
			t.Errorf("%s: decode of a good encoding: %v", name, err)
		}
		for i := 0; i < len(c.good); i += 1 + len(c.good)/300 {
			if err := c.decode([]byte(c.good[:i])); !errors.Is(err, funnel.ErrInvalidParam) {
				t.Fatalf("%s truncated to %d bytes: %v", name, i, err)
			}
		}
		if err := c.decode(append([]byte(c.good), 0)); !errors.Is(err, funnel.ErrInvalidParam) {
			t.Errorf("%s with a trailing byte: %v", name, err)
		}
	}
	// A receiver is unchanged by a failed decode.
	before := encoded(t, &g)
	if err := g.UnmarshalBinary([]byte("FNL")); err == nil || encoded(t, &g) != before {
		t.Errorf("failed decode changed the groups")
	}
}

func fuzzDecode(f *testing.F, seeds []string, decode func([]byte) (interface{ MarshalBinary() ([]byte, error) }, error)) {
	for _, s := range seeds {
		f.Add([]byte(s))
		f.Add([]byte(s[:len(s)/2]))
	}
	f.Add([]byte("FNL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := decode(data)
		if err != nil {
			if !errors.Is(err, funnel.ErrInvalidParam) && !errors.Is(err, funnel.ErrIncompatible) {
				t.Fatalf("error %v wraps neither ErrInvalidParam nor ErrIncompatible", err)
			}
			return
		}
		again, _ := x.MarshalBinary()
		y, err := decode(again)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if b, _ := y.MarshalBinary(); string(b) != string(again) {
			t.Fatalf("re-encoding differs")
		}
	})
}

func FuzzWavesDecode(f *testing.F) {
	w := wavesOf(f, "team", randomResponses(4, 12))
	empty, _ := NewWaves(testSurvey(), "")
	fuzzDecode(f, []string{encoded(f, w), encoded(f, empty)}, func(b []byte) (interface{ MarshalBinary() ([]byte, error) }, error) {
		var x Waves
		if err := x.UnmarshalBinary(b); err != nil {
			return nil, err
		}
		for _, k := range x.Waves() {
			if _, err := x.Report(k, 0, Options{}); err != nil {
				return nil, fmt.Errorf("report of a decoded wave: %w", err)
			}
		}
		return &x, nil
	})
}

func FuzzRollingDecode(f *testing.F) {
	r, _ := NewRolling(testSurvey())
	for _, x := range randomResponses(5, 12) {
		_ = r.Add(x)
	}
	fuzzDecode(f, []string{encoded(f, r)}, func(b []byte) (interface{ MarshalBinary() ([]byte, error) }, error) {
		var x Rolling
		if err := x.UnmarshalBinary(b); err != nil {
			return nil, err
		}
		if _, err := x.Series(30*24*time.Hour, 0, 3, Options{}); err != nil {
			return nil, fmt.Errorf("series of decoded responses: %w", err)
		}
		return &x, nil
	})
}

func FuzzGroupsDecode(f *testing.F) {
	g := groupsOf(f, map[string][4]int{"a": {1, 2, 3, 0}, "": {0, 0, 1, 4}, "z": {9, 0, 0, 1}})
	fuzzDecode(f, []string{encoded(f, g), encoded(f, &Groups{})}, func(b []byte) (interface{ MarshalBinary() ([]byte, error) }, error) {
		var x Groups
		if err := x.UnmarshalBinary(b); err != nil {
			return nil, err
		}
		if _, err := x.Breakdown(Options{}); err != nil {
			return nil, fmt.Errorf("breakdown of decoded groups: %w", err)
		}
		return &x, nil
	})
}

// TestJSONRoundTrip: every result type decodes back to an equal value,
// with [] for empty lists.
func TestJSONRoundTrip(t *testing.T) {
	w := wavesOf(t, "team", randomResponses(6, 80))
	opts := Options{MinGroup: 3}
	r1, _ := w.Report(0, 100, opts)
	r2, _ := w.Report(1, 100, opts)
	empty, _ := w.Report(9, 0, opts)
	ch, _ := Compare(r1, r2, funnel.Test{})
	ro, _ := NewRolling(testSurvey())
	for _, x := range randomResponses(6, 80) {
		_ = ro.Add(x)
	}
	ser, _ := ro.Series(45*24*time.Hour, 0, 3, opts)
	g := groupsOf(t, map[string][4]int{"a": {1, 2, 3, 0}, "b": {5, 0, 1, 4}, "c": {9, 0, 0, 1}})
	bd, _ := g.Breakdown(Options{})
	trend, _ := Trend([]string{"w1", "w2"}, []*Groups{g, g}, Options{})
	asOf := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	cov, _ := OneOnOnes([]Member{{"a", "m"}, {"b", "m"}, {"m", ""}}, func(yield func(Meeting) bool) {
		yield(Meeting{"a", asOf.AddDate(0, 0, -3)})
	}, asOf, 14*24*time.Hour+time.Second/3, 0)
	check := func(name string, v any, back any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(b, back); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		if diff := cmp.Diff(v, deref(back)); diff != "" {
			t.Errorf("%s round trip (-want +got):\n%s", name, diff)
		}
		if string(b) != "null" && containsNullList(b) {
			t.Errorf("%s: a list encodes as null: %s", name, b)
		}
	}
	check("report", r1, new(Report))
	check("empty report", empty, new(Report))
	check("change", ch, new(Change))
	check("series", ser, new([]Point))
	check("breakdown", bd, new(Breakdown))
	check("trend", trend, new([]TrendPoint))
	check("coverage", cov, new(Coverage))
	b, _ := json.Marshal(cov)
	for _, key := range []string{`"interval_seconds":1209600.333333333`, `"last":null`, `"since_seconds":null`} {
		if !containsStr(b, key) {
			t.Errorf("coverage JSON lacks %s: %s", key, b)
		}
	}
	b, _ = json.Marshal(bd.Groups[0].Score)
	if !containsStr(b, `"suppressed":"shown","score":{"promoters":1`) {
		t.Errorf("score JSON %s", b)
	}
}

func deref(p any) any {
	switch v := p.(type) {
	case *Report:
		return *v
	case *Change:
		return *v
	case *[]Point:
		return *v
	case *Breakdown:
		return *v
	case *[]TrendPoint:
		return *v
	case *Coverage:
		return *v
	}
	return p
}

func containsStr(b []byte, s string) bool {
	return len(s) > 0 && string(b) != "" && indexOf(string(b), s) >= 0
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// containsNullList reports a list field encoded as null: the names of the
// list fields of the result types followed by null.
func containsNullList(b []byte) bool {
	for _, k := range []string{`"groups":null`, `"cells":null`, `"counts":null`, `"questions":null`, `"managers":null`, `"overdue":null`} {
		if indexOf(string(b), k) >= 0 {
			return true
		}
	}
	return false
}

func BenchmarkWavesAdd(b *testing.B) {
	rs := randomResponses(7, 1000)
	b.ReportAllocs()
	for b.Loop() {
		w, _ := NewWaves(testSurvey(), "team")
		for _, r := range rs {
			_ = w.Add(r)
		}
	}
}

func BenchmarkReport(b *testing.B) {
	w := wavesOf(b, "team", randomResponses(8, 3000))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := w.Report(1, 0, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBreakdown(b *testing.B) {
	var g Groups
	for i := range 10000 {
		_ = g.Add(string(rune('a'+i%40)), funnel.ENPSAnswer(i%11))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Breakdown(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeries(b *testing.B) {
	r, _ := NewRolling(testSurvey())
	for _, x := range randomResponses(9, 3000) {
		_ = r.Add(x)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Series(60*24*time.Hour, 0, 3, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJSONLongestDuration checks that the largest Duration (what
// time.Time.Sub saturates at, for a person last met in year 2),
// 9223372036.854775807 seconds, reads back from the JSON of a coverage as
// its interval and as the time since a person was met.
func TestJSONLongestDuration(t *testing.T) {
	const longest = time.Duration(1<<63 - 1)
	asOf := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	last := time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)
	if asOf.Sub(last) != longest {
		t.Fatalf("since %v, want the longest Duration", asOf.Sub(last))
	}
	cov := Coverage{AsOf: asOf, Interval: longest, Managers: []ManagerCoverage{},
		Overdue: []Overdue{{Person: "p", Manager: "m", Met: true, Last: last, Since: asOf.Sub(last)}}}
	b, err := json.Marshal(cov)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"interval_seconds":9223372036.854775807`, `"since_seconds":9223372036.854775807`} {
		if !containsStr(b, key) {
			t.Errorf("coverage JSON lacks %s: %s", key, b)
		}
	}
	var got Coverage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	if diff := cmp.Diff(cov, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}
