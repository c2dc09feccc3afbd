package funnel

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"
)

// answersOf builds answers: p promoters (10), q passives (7), d detractors (3).
func answersOf(p, q, d int) []ENPSAnswer {
	var as []ENPSAnswer
	for range p {
		as = append(as, 10)
	}
	for range q {
		as = append(as, 7)
	}
	for range d {
		as = append(as, 3)
	}
	return as
}

// sc is the score of p promoters, q passives and d detractors, no skips.
func sc(p, q, d int64) ENPSScore {
	return ENPSScore{Promoters: p, Passives: q, Detractors: d, Answered: p + q + d, Total: p + q + d}
}

func TestParseENPSAnswer(t *testing.T) {
	// Expectations follow the documented grammar of ParseENPSAnswer.
	ok := []struct {
		in   string
		want ENPSAnswer
	}{
		{"0", 0}, {"7", 7}, {"10", 10}, {"07", 7}, {" 9 ", 9}, {"\t1\n", 1}, {"00", 0},
		{"", ENPSSkipped}, {"  ", ENPSSkipped}, {"-", ENPSSkipped}, {"skip", ENPSSkipped},
		{"Skipped", ENPSSkipped}, {"N/A", ENPSSkipped}, {"na", ENPSSkipped},
	}
	for _, tt := range ok {
		got, err := ParseENPSAnswer(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseENPSAnswer(%q) = %v, %v; want %v, nil", tt.in, got, err, tt.want)
		}
	}
	bad := []string{"11", "-1", "7.5", "+7", "100", "010", "abc", "1 0", "½", "0x7", "9a", "--"}
	for _, in := range bad {
		got, err := ParseENPSAnswer(in)
		if !errors.Is(err, ErrENPSAnswer) {
			t.Errorf("ParseENPSAnswer(%q) = %v, %v; want error wrapping ErrENPSAnswer", in, got, err)
			continue
		}
		if q, _ := json.Marshal(in); !strings.Contains(err.Error(), strings.Trim(string(q), `"`)) || !strings.HasPrefix(err.Error(), "funnel: ") {
			t.Errorf("ParseENPSAnswer(%q) error %q does not quote the input", in, err)
		}
	}
}

func FuzzParseENPSAnswer(f *testing.F) {
	for _, s := range []string{"0", "7", "10", "07", " 9 ", "", "-", "skip", "N/A", "11", "-1", "7.5", "+7", "abc", "½"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseENPSAnswer(s)
		if err != nil {
			if !errors.Is(err, ErrENPSAnswer) {
				t.Fatalf("ParseENPSAnswer(%q) error %v does not wrap ErrENPSAnswer", s, err)
			}
			return
		}
		if !a.Valid() {
			t.Fatalf("ParseENPSAnswer(%q) = %d, not a valid answer", s, a)
		}
		// Round trip: the printed answer parses back to the same answer.
		b, err := ParseENPSAnswer(a.String())
		if err != nil || b != a {
			t.Fatalf("ParseENPSAnswer(%q) = %v; reparse of %q = %v, %v", s, a, a.String(), b, err)
		}
		var tl ENPSTally
		if err := tl.Add(a); err != nil {
			t.Fatalf("Add(%v) = %v", a, err)
		}
	})
}

func TestENPSBands(t *testing.T) {
	// Class of each answer 0..10, written out by hand from the band limits.
	const D, P, R = ENPSDetractor, ENPSPassive, ENPSPromoter
	tests := []struct {
		name  string
		bands ENPSBands
		want  [11]ENPSClass
	}{
		{"default 0-6/7-8/9-10", ENPSBands{}, [11]ENPSClass{D, D, D, D, D, D, D, P, P, R, R}},
		{"explicit default", ENPSBands{PassiveMin: 7, PromoterMin: 9}, [11]ENPSClass{D, D, D, D, D, D, D, P, P, R, R}},
		{"CultureIQ 0-5/6-8/9-10", ENPSBands{PassiveMin: 6, PromoterMin: 9}, [11]ENPSClass{D, D, D, D, D, D, P, P, P, R, R}},
		{"widest passive", ENPSBands{PassiveMin: 1, PromoterMin: 10}, [11]ENPSClass{D, P, P, P, P, P, P, P, P, P, R}},
		{"no passive band", ENPSBands{PassiveMin: 10, PromoterMin: 10}, [11]ENPSClass{D, D, D, D, D, D, D, D, D, D, R}},
	}
	for _, tt := range tests {
		var got [11]ENPSClass
		for a := range 11 {
			c, err := tt.bands.Classify(ENPSAnswer(a))
			if err != nil {
				t.Fatalf("%s: Classify(%d) error %v", tt.name, a, err)
			}
			got[a] = c
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: classes mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	for _, b := range []ENPSBands{{0, 9}, {7, 0}, {8, 7}, {1, 11}, {-1, 5}, {11, 11}, {0, 10}} {
		if err := b.Validate(); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("%+v.Validate() = %v, want ErrInvalidParam", b, err)
		}
		if _, err := (&ENPSTally{}).Score(ENPSOptions{Bands: b}); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("Score with bands %+v = %v, want ErrInvalidParam", b, err)
		}
		if _, err := ENPSOf(slices.Values([]ENPSAnswer{1}), ENPSOptions{Bands: b}); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("ENPSOf with bands %+v = %v, want ErrInvalidParam", b, err)
		}
	}
	for _, a := range []ENPSAnswer{ENPSSkipped, 11, -2} {
		if _, err := (ENPSBands{}).Classify(a); !errors.Is(err, ErrENPSAnswer) {
			t.Errorf("Classify(%d) = %v, want ErrENPSAnswer", a, err)
		}
	}
}

func TestENPSScore(t *testing.T) {
	// Counts and scores worked out by hand: score = 100 (P - D) / (P + Pa + D).
	sap := ENPSOptions{SkippedAsPassive: true}
	tests := []struct {
		name    string
		answers []ENPSAnswer
		opts    ENPSOptions
		want    ENPSScore
		value   *big.Rat // nil: no score
		round1  string
	}{
		{"empty", nil, ENPSOptions{}, ENPSScore{}, nil, ""},
		{"only skipped: no counted answer", []ENPSAnswer{ENPSSkipped, ENPSSkipped}, ENPSOptions{}, ENPSScore{Skipped: 2}, nil, ""},
		{"only skipped as passive: still no score", []ENPSAnswer{ENPSSkipped, ENPSSkipped}, sap,
			ENPSScore{Passives: 2, Skipped: 2, Total: 2}, nil, ""},
		{"one promoter", []ENPSAnswer{10}, ENPSOptions{}, sc(1, 0, 0), big.NewRat(100, 1), "100"},
		{"one detractor 0", []ENPSAnswer{0}, ENPSOptions{}, sc(0, 0, 1), big.NewRat(-100, 1), "-100"},
		{"boundaries 6,7,8,9", []ENPSAnswer{6, 7, 8, 9}, ENPSOptions{}, sc(1, 2, 1), big.NewRat(0, 1), "0"},
		{"tie promoters=detractors", answersOf(3, 0, 3), ENPSOptions{}, sc(3, 0, 3), big.NewRat(0, 1), "0"},
		{"thirds", []ENPSAnswer{9, 10, 1}, ENPSOptions{}, sc(2, 0, 1), big.NewRat(100, 3), "33.3"},
		{"negative thirds round away from zero", []ENPSAnswer{9, 0, 5}, ENPSOptions{}, sc(1, 0, 2), big.NewRat(-100, 3), "-33.3"},
		{"minus 66.67", []ENPSAnswer{8, 0, 5}, ENPSOptions{}, sc(0, 1, 2), big.NewRat(-200, 3), "-66.7"},
		{"8/7/5 is 15", answersOf(8, 7, 5), ENPSOptions{}, sc(8, 7, 5), big.NewRat(15, 1), "15"},
		{"skipped left out", []ENPSAnswer{10, 10, 0, ENPSSkipped, ENPSSkipped}, ENPSOptions{},
			ENPSScore{Promoters: 2, Detractors: 1, Skipped: 2, Answered: 3, Total: 3}, big.NewRat(100, 3), "33.3"},
		{"skipped as passive", []ENPSAnswer{10, 10, 0, ENPSSkipped, ENPSSkipped}, sap,
			ENPSScore{Promoters: 2, Passives: 2, Detractors: 1, Skipped: 2, Answered: 3, Total: 5}, big.NewRat(20, 1), "20"},
		{"CultureIQ bands: 6 is passive", []ENPSAnswer{6, 6, 9, 5, 10}, ENPSOptions{Bands: ENPSBands{6, 9}},
			sc(2, 2, 1), big.NewRat(20, 1), "20"},
		{"1-10 survey is a subset", []ENPSAnswer{1, 10, 10, 9, 4}, ENPSOptions{}, sc(3, 0, 2), big.NewRat(20, 1), "20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ENPSOf(slices.Values(tt.answers), tt.opts)
			if err != nil {
				t.Fatalf("ENPSOf(%v) error %v", tt.answers, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ENPSOf(%v) mismatch (-want +got):\n%s", tt.answers, diff)
			}
			v, ok := got.Value()
			if ok != (tt.value != nil) || (ok && v.Cmp(tt.value) != 0) {
				t.Errorf("Value() = %v, %v; want %v", v, ok, tt.value)
			}
			r, ok := got.Round(1)
			if ok != (tt.round1 != "") || (ok && !r.Equal(decimal.RequireFromString(tt.round1))) {
				t.Errorf("Round(1) = %v, %v; want %q", r, ok, tt.round1)
			}
			f, ok := got.Float64()
			if tt.value != nil {
				wf, _ := tt.value.Float64()
				if !ok || f != wf {
					t.Errorf("Float64() = %v, %v; want %v", f, ok, wf)
				}
			} else if ok || f != 0 {
				t.Errorf("Float64() = %v, %v; want 0, false", f, ok)
			}
			if !got.valid() {
				t.Errorf("score %+v not valid", got)
			}
		})
	}
}

func TestENPSBadInput(t *testing.T) {
	var tl ENPSTally
	for _, a := range []ENPSAnswer{11, -2, 100, math.MinInt32} {
		if err := tl.Add(a); !errors.Is(err, ErrENPSAnswer) {
			t.Errorf("Add(%d) = %v, want ErrENPSAnswer", a, err)
		}
	}
	if tl.Len() != 0 {
		t.Errorf("Len() after rejected answers = %d, want 0", tl.Len())
	}
	if err := tl.AddN(5, -1); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("AddN(5, -1) = %v, want ErrInvalidParam", err)
	}
	_, err := ENPSOf(slices.Values([]ENPSAnswer{10, 9, 12}), ENPSOptions{})
	if !errors.Is(err, ErrENPSAnswer) || !strings.Contains(err.Error(), "answer 2") || !strings.Contains(err.Error(), `"12"`) {
		t.Errorf("ENPSOf with a bad third answer = %v, want the position and the answer named", err)
	}
	if _, err := ENPSOf(nil, ENPSOptions{}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("ENPSOf(nil) = %v, want ErrInvalidParam", err)
	}
	if err := tl.Merge(nil); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Merge(nil) = %v, want ErrInvalidParam", err)
	}
	_ = tl.Add(9)
	if err := tl.Merge(&tl); !errors.Is(err, ErrInvalidParam) || tl.Len() != 1 {
		t.Errorf("Merge(self) = %v, Len %d; want ErrInvalidParam, 1", err, tl.Len())
	}
}

func TestENPSHuge(t *testing.T) {
	var tl ENPSTally
	if err := tl.AddN(10, math.MaxInt64-1); err != nil {
		t.Fatal(err)
	}
	if err := tl.Add(0); err != nil {
		t.Fatal(err)
	}
	if err := tl.Add(5); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Add past MaxInt64 = %v, want ErrInvalidParam", err)
	}
	var one ENPSTally
	_ = one.Add(9)
	before := tl
	if err := tl.Merge(&one); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Merge past MaxInt64 = %v, want ErrInvalidParam", err)
	}
	if diff := cmp.Diff(before, tl, cmp.AllowUnexported(ENPSTally{})); diff != "" {
		t.Errorf("failed Merge changed the tally:\n%s", diff)
	}
	s, err := tl.Score(ENPSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Exact: 100 (MaxInt64-1 - 1) / MaxInt64, worked with big.Int by hand.
	m := new(big.Int).SetInt64(math.MaxInt64)
	num := new(big.Int).Sub(m, big.NewInt(2))
	want := new(big.Rat).SetFrac(num.Mul(num, big.NewInt(100)), m)
	if v, ok := s.Value(); !ok || v.Cmp(want) != 0 {
		t.Errorf("Value() = %v, %v; want %v", v, ok, want)
	}
	if r, ok := s.Round(2); !ok || !r.Equal(decimal.RequireFromString("100")) {
		t.Errorf("Round(2) = %v, %v; want 100", r, ok)
	}
	se, ok := s.SE()
	if !ok || se < 0 || se > 1e-6 || math.IsNaN(se) {
		t.Errorf("SE() = %v, %v; want a tiny non-negative number", se, ok)
	}
	b, _ := tl.MarshalBinary()
	var back ENPSTally
	if err := back.UnmarshalBinary(b); err != nil || back != tl {
		t.Errorf("huge tally round trip: %v", err)
	}
	// Two counts that each fit but overflow together.
	var w ENPSTally
	w.counts[0], w.counts[1] = math.MaxInt64, 1
	b, _ = w.MarshalBinary()
	if err := back.UnmarshalBinary(b); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("decode of overflowing counts = %v, want ErrInvalidParam", err)
	}
}

func TestENPSInterval(t *testing.T) {
	// Expectations computed independently with python3 (statistics.NormalDist
	// for z) from Rocks' formulas: testdata/enps/intervals.py. The 8/7/5
	// Wald row was also checked by hand: v = 0.65 - 0.15^2 = 0.6275,
	// SE = sqrt(0.6275/20) = 0.17713, 15 -+ 1.96 x 17.713 = [-19.72, 49.72].
	tests := []struct {
		p, q, d int
		conf    Confidence
		method  ENPSIntervalMethod
		se      float64 // Wald rows: SE()
		lo, hi  float64
	}{
		{8, 7, 5, 0.95, ENPSWald, 17.7129895839, -19.716821643, 49.716821643},
		{8, 7, 5, 0, ENPSAdjustedWald, 0, -18.9649012426, 45.0518577644}, // zero level: 0.95
		{1, 0, 0, 0.95, ENPSWald, 0, 100, 100},
		{1, 0, 0, 0.95, ENPSAdjustedWald, 0, -48.4986494203, 98.4986494203},
		{10, 0, 0, 0.90, ENPSAdjustedWald, 0, 52.2334329279, 100},
		{0, 0, 3, 0.95, ENPSWald, 0, -100, -100},
		{0, 0, 3, 0.95, ENPSAdjustedWald, 0, -100, 6.57928670381},
		{2, 1, 1, 0.80, ENPSWald, 41.4578098794, -28.130321155, 78.130321155},
		{2, 1, 1, 0.80, ENPSAdjustedWald, 0, -23.9297328307, 52.5011614022},
		{45, 30, 25, 0.99, ENPSWald, 8.12403840464, -0.926136185818, 40.9261361858},
		{45, 30, 25, 0.99, ENPSAdjustedWald, 0, -1.14645886631, 39.9814103226},
	}
	approx := cmpopts.EquateApprox(0, 1e-8)
	for _, tt := range tests {
		s, err := ENPSOf(slices.Values(answersOf(tt.p, tt.q, tt.d)), ENPSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Interval(tt.method, tt.conf)
		if err != nil {
			t.Fatalf("Interval(%v, %v) of %d/%d/%d: %v", tt.method, tt.conf, tt.p, tt.q, tt.d, err)
		}
		level, _ := tt.conf.Level()
		want := Interval{Lo: tt.lo, Hi: tt.hi, Confidence: level, Defined: true}
		if diff := cmp.Diff(want, got, approx); diff != "" {
			t.Errorf("Interval(%v, %v) of %d/%d/%d mismatch (-want +got):\n%s", tt.method, tt.conf, tt.p, tt.q, tt.d, diff)
		}
		if tt.method == ENPSWald {
			se, _ := s.SE()
			if math.Abs(se-tt.se) > 1e-8 {
				t.Errorf("SE() of %d/%d/%d = %v, want %v", tt.p, tt.q, tt.d, se, tt.se)
			}
		}
	}
	var empty ENPSScore
	if iv, err := empty.Interval(ENPSWald, 0.95); iv.Defined || err != nil {
		t.Errorf("Interval of empty = %+v, %v; want undefined, nil", iv, err)
	}
	if _, ok := empty.SE(); ok {
		t.Errorf("SE of empty: ok = true")
	}
	for _, c := range []Confidence{1, -0.5, 1.5, Confidence(math.NaN())} {
		if _, err := sc(1, 0, 0).Interval(ENPSWald, c); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("Interval(confidence %v) = %v, want ErrInvalidParam", c, err)
		}
	}
	if _, err := sc(1, 0, 0).Interval(7, 0.95); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Interval(method 7) = %v, want ErrInvalidParam", err)
	}
}

func TestCompareENPS(t *testing.T) {
	// Diff, SE, interval, Z and p from python3, testdata/enps/intervals.py
	// (compare rows: a is the later wave). Verdicts by the rules of Test:
	// minimum sample 30 unless stated.
	tests := []struct {
		name string
		a, b [3]int64
		test Test
		want ENPSComparison
	}{
		{"15 to 45, 20 answers each: withheld", [3]int64{12, 5, 3}, [3]int64{8, 7, 5}, Test{}, ENPSComparison{
			Defined: true, Diff: 30, SE: 24.2383992871, Interval: Interval{-17.5063896456, 77.5063896456, 0.95, true},
			Tested: true, Z: 1.23770549551, PValue: 0.215825280716, Verdict: Withheld}},
		{"15 to 45, minimum 20: no difference", [3]int64{12, 5, 3}, [3]int64{8, 7, 5}, Test{MinSample: 20}, ENPSComparison{
			Defined: true, Diff: 30, SE: 24.2383992871, Interval: Interval{-17.5063896456, 77.5063896456, 0.95, true},
			Tested: true, Z: 1.23770549551, PValue: 0.215825280716, Verdict: NoDifference}},
		{"significant drop", [3]int64{30, 30, 40}, [3]int64{45, 30, 25}, Test{}, ENPSComparison{
			Defined: true, Diff: -30, SE: 11.6189500386, Interval: Interval{-52.7727236139, -7.22727638613, 0.95, true},
			Tested: true, Z: -2.58198889747, PValue: 0.00982327450752, Verdict: Lower}},
		{"significant rise", [3]int64{45, 30, 25}, [3]int64{30, 30, 40}, Test{}, ENPSComparison{
			Defined: true, Diff: 30, SE: 11.6189500386, Interval: Interval{7.22727638613, 52.7727236139, 0.95, true},
			Tested: true, Z: 2.58198889747, PValue: 0.00982327450752, Verdict: Higher}},
		{"no change", [3]int64{3, 3, 3}, [3]int64{3, 3, 3}, Test{Confidence: 0.9, MinSample: 1}, ENPSComparison{
			Defined: true, Diff: 0, SE: 38.490017946, Interval: Interval{-63.3104456199, 63.3104456199, 0.9, true},
			Tested: true, Z: 0, PValue: 1, Verdict: NoDifference}},
		{"unanimous both: no test", [3]int64{0, 0, 5}, [3]int64{5, 0, 0}, Test{MinSample: 1}, ENPSComparison{
			Defined: true, Diff: -200, SE: 0, Interval: Interval{-200, -200, 0.95, true}}},
	}
	approx := cmpopts.EquateApprox(0, 1e-8)
	for _, tt := range tests {
		a, b := sc(tt.a[0], tt.a[1], tt.a[2]), sc(tt.b[0], tt.b[1], tt.b[2])
		tt.want.A, tt.want.B = a, b
		tt.want.PAdjusted = tt.want.PValue // made alone: nothing to adjust for
		got, err := CompareENPS(a, b, tt.test)
		if err != nil {
			t.Fatalf("%s: CompareENPS: %v", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got, approx); diff != "" {
			t.Errorf("%s: CompareENPS mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	one := sc(1, 0, 0)
	if c, err := CompareENPS(ENPSScore{}, one, Test{}); c.Defined || c.Verdict != Withheld || err != nil {
		t.Errorf("CompareENPS(empty, one) = %+v, %v; want undefined", c, err)
	}
	for _, bad := range []Test{{Confidence: 1}, {Confidence: -0.1}, {MinSample: -1}, {Method: 9}} {
		if _, err := CompareENPS(one, one, bad); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("CompareENPS(%+v) = %v, want ErrInvalidParam", bad, err)
		}
	}
	if _, err := CompareENPS(ENPSScore{Promoters: 2, Total: 1, Answered: 1}, one, Test{}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("CompareENPS of inconsistent counts = %v, want ErrInvalidParam", err)
	}
}

func TestENPSTallyMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	answers := make([]ENPSAnswer, 200)
	for i := range answers {
		answers[i] = ENPSAnswer(r.IntN(12) - 1)
	}
	var whole ENPSTally
	for _, a := range answers {
		_ = whole.Add(a)
	}
	// Independent route: counts by a plain loop over the slice.
	var want [11]int64
	var skipped int64
	for _, a := range answers {
		if a == ENPSSkipped {
			skipped++
		} else {
			want[a]++
		}
	}
	for a := range 11 {
		if whole.Count(ENPSAnswer(a)) != want[a] {
			t.Errorf("Count(%d) = %d, want %d", a, whole.Count(ENPSAnswer(a)), want[a])
		}
	}
	if whole.Count(ENPSSkipped) != skipped || whole.Count(42) != 0 || whole.Len() != 200 {
		t.Errorf("Count(skipped)=%d Count(42)=%d Len=%d", whole.Count(ENPSSkipped), whole.Count(42), whole.Len())
	}
	wholeBytes, _ := whole.MarshalBinary()
	allow := cmp.AllowUnexported(ENPSTally{})
	for cut := 0; cut <= len(answers); cut++ {
		var a, b ENPSTally
		for _, x := range answers[:cut] {
			_ = a.Add(x)
		}
		for _, x := range answers[cut:] {
			_ = b.Add(x)
		}
		// Through the wire: each part is encoded and decoded before the merge.
		var da, db ENPSTally
		ba, _ := a.MarshalBinary()
		bb, _ := b.MarshalBinary()
		if err := da.UnmarshalBinary(ba); err != nil {
			t.Fatal(err)
		}
		if err := db.UnmarshalBinary(bb); err != nil {
			t.Fatal(err)
		}
		bCopy := db
		if err := da.Merge(&db); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, da, allow); diff != "" {
			t.Fatalf("cut %d: merge differs from one pass:\n%s", cut, diff)
		}
		if diff := cmp.Diff(bCopy, db, allow); diff != "" {
			t.Fatalf("cut %d: Merge modified its argument:\n%s", cut, diff)
		}
		if got, _ := da.MarshalBinary(); string(got) != string(wholeBytes) {
			t.Fatalf("cut %d: encoding of the merge differs from one pass", cut)
		}
	}
}

func TestENPSTallyDecodeErrors(t *testing.T) {
	var tl ENPSTally
	_ = tl.AddN(9, 3)
	good, _ := tl.MarshalBinary()
	for i := range len(good) {
		var d ENPSTally
		if err := d.UnmarshalBinary(good[:i]); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("truncated to %d bytes: %v, want ErrInvalidParam", i, err)
		}
	}
	other := append([]byte(nil), good...)
	other[len(other)-1] = 0x01 // skipped = -1 in zig-zag
	var d ENPSTally
	_ = d.Add(3)
	if err := d.UnmarshalBinary(other); !errors.Is(err, ErrInvalidParam) || d.Count(3) != 1 {
		t.Errorf("negative count: %v; receiver changed: %v", err, d.Count(3) != 1)
	}
	if err := d.UnmarshalBinary(append(good, 0)); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("trailing byte: %v", err)
	}
}

func FuzzENPSTallyDecode(f *testing.F) {
	var tl ENPSTally
	for i, a := range []ENPSAnswer{10, 9, 0, 7, ENPSSkipped, 3} {
		_ = tl.AddN(a, int64(i*i+1))
	}
	good, _ := tl.MarshalBinary()
	f.Add(good)
	f.Add(good[:len(good)/2])
	empty, _ := (&ENPSTally{}).MarshalBinary()
	f.Add(empty)
	f.Add([]byte("FNL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d ENPSTally
		if err := d.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrInvalidParam) {
				t.Fatalf("error %v does not wrap ErrInvalidParam", err)
			}
			return
		}
		again, _ := d.MarshalBinary()
		var e ENPSTally
		if err := e.UnmarshalBinary(again); err != nil || e != d {
			t.Fatalf("re-decode: %v", err)
		}
		if again2, _ := e.MarshalBinary(); string(again2) != string(again) {
			t.Fatalf("re-encoding differs")
		}
		if s, err := d.Score(ENPSOptions{SkippedAsPassive: true}); err != nil || !s.valid() {
			t.Fatalf("score of decoded tally: %+v, %v", s, err)
		}
	})
}

func TestENPSJSON(t *testing.T) {
	s := ENPSScore{Promoters: 2, Passives: 3, Detractors: 1, Skipped: 1, Answered: 5, Total: 6}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	// 100 (2 - 1) / 6 = 16.666...
	want := `{"promoters":2,"passives":3,"detractors":1,"skipped":1,"answered":5,"total":6,"score":16.666666666666668}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	for _, v := range []ENPSScore{s, {}, {Skipped: 4}, sc(0, 0, 7)} {
		b, _ := json.Marshal(v)
		var back ENPSScore
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if diff := cmp.Diff(v, back); diff != "" {
			t.Errorf("round trip of %s (-want +got):\n%s", b, diff)
		}
	}
	if b, _ := json.Marshal(ENPSScore{}); !strings.Contains(string(b), `"score":null`) {
		t.Errorf("empty score JSON %s, want score null", b)
	}
	var bad ENPSScore
	if err := json.Unmarshal([]byte(`{"promoters":2,"total":1,"answered":1}`), &bad); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("inconsistent counts decoded: %v", err)
	}
	c, _ := CompareENPS(sc(30, 30, 40), sc(45, 30, 25), Test{})
	b, _ = json.Marshal(c)
	var back ENPSComparison
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("comparison round trip (-want +got):\n%s", diff)
	}
	for _, key := range []string{`"p_value":`, `"verdict":"lower"`, `"interval":{"lo":`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("comparison JSON %s lacks %s", b, key)
		}
	}
	undefined, _ := CompareENPS(ENPSScore{}, ENPSScore{}, Test{})
	b, _ = json.Marshal(undefined)
	back = ENPSComparison{}
	if err := json.Unmarshal(b, &back); err != nil || !cmp.Equal(undefined, back) {
		t.Errorf("undefined comparison round trip: %s, %v", b, err)
	}
}

func TestENPSEnums(t *testing.T) {
	got := []string{
		ENPSAnswer(7).String(), ENPSSkipped.String(), ENPSAnswer(12).String(),
		ENPSPromoter.String(), ENPSPassive.String(), ENPSDetractor.String(), ENPSClass(9).String(),
		ENPSWald.String(), ENPSAdjustedWald.String(), ENPSIntervalMethod(5).String(),
	}
	want := []string{"7", "skipped", "ENPSAnswer(12)", "promoter", "passive", "detractor", "ENPSClass(9)",
		"wald", "adjusted wald", "ENPSIntervalMethod(5)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String mismatch (-want +got):\n%s", diff)
	}
	for _, c := range []ENPSClass{ENPSDetractor, ENPSPassive, ENPSPromoter} {
		b, err := c.MarshalText()
		var back ENPSClass
		if err != nil || back.UnmarshalText(b) != nil || back != c {
			t.Errorf("class %v text round trip: %s, %v", c, b, err)
		}
	}
	for _, m := range []ENPSIntervalMethod{ENPSAdjustedWald, ENPSWald} {
		b, err := m.MarshalText()
		var back ENPSIntervalMethod
		if err != nil || back.UnmarshalText(b) != nil || back != m {
			t.Errorf("method %v text round trip: %s, %v", m, b, err)
		}
	}
	if _, err := ENPSClass(3).MarshalText(); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("MarshalText of class 3 = %v", err)
	}
	var c ENPSClass
	if err := c.UnmarshalText([]byte("fan")); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("UnmarshalText(fan) = %v", err)
	}
	var m ENPSIntervalMethod
	if err := m.UnmarshalText([]byte("Wald")); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("UnmarshalText(Wald) = %v (names are lower case)", err)
	}
}

func BenchmarkENPSTallyAdd(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var tl ENPSTally
		for i := range 1000 {
			_ = tl.Add(ENPSAnswer(i % 11))
		}
	}
}

func TestENPSInvariants(t *testing.T) {
	// Property: for random counts, small and huge, the score and every
	// interval stay in range, are never NaN, and Lo <= Hi.
	r := rand.New(rand.NewPCG(11, 13))
	for i := range 2000 {
		var c [3]int64
		for j := range c {
			switch i % 3 {
			case 0:
				c[j] = r.Int64N(4)
			case 1:
				c[j] = r.Int64N(1000)
			default:
				c[j] = r.Int64N(math.MaxInt64 / 4)
			}
		}
		s := sc(c[0], c[1], c[2])
		f, ok := s.Float64()
		if ok != (s.Total > 0) || f < -100 || f > 100 || math.IsNaN(f) {
			t.Fatalf("%v: Float64() = %v, %v", c, f, ok)
		}
		for _, m := range []ENPSIntervalMethod{ENPSWald, ENPSAdjustedWald} {
			iv, err := s.Interval(m, Confidence(0.5+0.49*r.Float64()))
			if err != nil || iv.Defined != (s.Total > 0) {
				t.Fatalf("%v: Interval = %+v, %v", c, iv, err)
			}
			if iv.Defined && (iv.Lo < -100 || iv.Hi > 100 || iv.Lo > iv.Hi || math.IsNaN(iv.Lo+iv.Hi)) {
				t.Fatalf("%v %v: interval %+v", c, m, iv)
			}
		}
		d, err := CompareENPS(s, sc(c[2], c[1], c[0]), Test{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Defined && (d.Interval.Lo < -200 || d.Interval.Hi > 200 || d.Interval.Lo > d.Interval.Hi ||
			d.PValue < 0 || d.PValue > 1 || math.IsNaN(d.SE+d.Z+d.PValue)) {
			t.Fatalf("%v: comparison %+v", c, d)
		}
	}
}
