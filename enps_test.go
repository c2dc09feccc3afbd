package funnel

import (
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

var showAll = &ENPSOptions{MinGroupSize: 1}

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
		if !errors.Is(err, ErrENPSScore) {
			t.Errorf("ParseENPSAnswer(%q) = %v, %v; want error wrapping ErrENPSScore", in, got, err)
			continue
		}
		var ae *ENPSAnswerError
		if !errors.As(err, &ae) || ae.Input != in {
			t.Errorf("ParseENPSAnswer(%q) error %v does not name the input", in, err)
		}
		if !strings.Contains(err.Error(), "funnel: ") {
			t.Errorf("ParseENPSAnswer(%q) error %q lacks the package prefix", in, err)
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
			if !errors.Is(err, ErrENPSScore) {
				t.Fatalf("ParseENPSAnswer(%q) error %v does not wrap ErrENPSScore", s, err)
			}
			return
		}
		if !a.Valid() {
			t.Fatalf("ParseENPSAnswer(%q) = %d, not a valid answer", s, a)
		}
		// Round trip: the canonical text parses back to the same answer.
		if a != ENPSSkipped {
			b, err := ParseENPSAnswer(a.String())
			if err != nil || b != a {
				t.Fatalf("ParseENPSAnswer(%q) = %v; reparse of %q = %v, %v", s, a, a.String(), b, err)
			}
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
		if err := b.Validate(); !errors.Is(err, ErrENPSBands) {
			t.Errorf("%+v.Validate() = %v, want ErrENPSBands", b, err)
		}
		if _, err := (&ENPSTally{}).Score(&ENPSOptions{Bands: b}); !errors.Is(err, ErrENPSBands) {
			t.Errorf("Score with bands %+v = %v, want ErrENPSBands", b, err)
		}
	}
	for _, a := range []ENPSAnswer{ENPSSkipped, 11, -2} {
		if _, err := (ENPSBands{}).Classify(a); !errors.Is(err, ErrENPSScore) {
			t.Errorf("Classify(%d) = %v, want ErrENPSScore", a, err)
		}
	}
}

func TestENPSScore(t *testing.T) {
	// Counts and scores worked out by hand: score = 100 (P - D) / (P + Pa + D).
	tests := []struct {
		name    string
		answers []ENPSAnswer
		opts    *ENPSOptions
		want    ENPSScore
		value   *big.Rat // nil: no score
		round1  string
	}{
		{"empty: fewer than the minimum 1", nil, showAll, ENPSScore{Suppressed: ENPSTooFew}, nil, ""},
		{"only skipped: no counted answer", []ENPSAnswer{ENPSSkipped, ENPSSkipped}, showAll, ENPSScore{Suppressed: ENPSTooFew}, nil, ""},
		{"one promoter", []ENPSAnswer{10}, showAll, ENPSScore{Promoters: 1, Total: 1}, big.NewRat(100, 1), "100"},
		{"one detractor 0", []ENPSAnswer{0}, showAll, ENPSScore{Detractors: 1, Total: 1}, big.NewRat(-100, 1), "-100"},
		{"boundaries 6,7,8,9", []ENPSAnswer{6, 7, 8, 9}, showAll,
			ENPSScore{Promoters: 1, Passives: 2, Detractors: 1, Total: 4}, big.NewRat(0, 1), "0"},
		{"tie promoters=detractors", answersOf(3, 0, 3), showAll,
			ENPSScore{Promoters: 3, Detractors: 3, Total: 6}, big.NewRat(0, 1), "0"},
		{"thirds", []ENPSAnswer{9, 10, 1}, showAll,
			ENPSScore{Promoters: 2, Detractors: 1, Total: 3}, big.NewRat(100, 3), "33.3"},
		{"negative two thirds rounds away from zero", []ENPSAnswer{9, 0, 5}, showAll,
			ENPSScore{Promoters: 1, Detractors: 2, Total: 3}, big.NewRat(-100, 3), "-33.3"},
		{"minus 66.67", []ENPSAnswer{8, 0, 5}, showAll,
			ENPSScore{Passives: 1, Detractors: 2, Total: 3}, big.NewRat(-200, 3), "-66.7"},
		{"8/7/5 is 15", answersOf(8, 7, 5), nil,
			ENPSScore{Promoters: 8, Passives: 7, Detractors: 5, Total: 20}, big.NewRat(15, 1), "15"},
		{"skipped left out: 3 counted, under the default minimum 5",
			[]ENPSAnswer{10, 10, 0, ENPSSkipped, ENPSSkipped}, nil, ENPSScore{Suppressed: ENPSTooFew}, nil, ""},
		{"skipped as passive: 5 counted", []ENPSAnswer{10, 10, 0, ENPSSkipped, ENPSSkipped},
			&ENPSOptions{SkippedAsPassive: true},
			ENPSScore{Promoters: 2, Passives: 2, Detractors: 1, Skipped: 2, Total: 5}, big.NewRat(20, 1), "20"},
		{"skipped reported, not counted", []ENPSAnswer{10, 10, 0, ENPSSkipped}, showAll,
			ENPSScore{Promoters: 2, Detractors: 1, Skipped: 1, Total: 3}, big.NewRat(100, 3), "33.3"},
		{"CultureIQ bands: 6 is passive", []ENPSAnswer{6, 6, 9, 5, 10}, &ENPSOptions{Bands: ENPSBands{6, 9}},
			ENPSScore{Promoters: 2, Passives: 2, Detractors: 1, Total: 5}, big.NewRat(20, 1), "20"},
		{"1-10 survey is a subset", []ENPSAnswer{1, 10, 10, 9, 4}, nil,
			ENPSScore{Promoters: 3, Detractors: 2, Total: 5}, big.NewRat(20, 1), "20"},
		{"exactly the minimum is shown", answersOf(0, 5, 0), nil, ENPSScore{Passives: 5, Total: 5}, big.NewRat(0, 1), "0"},
		{"one under the minimum is hidden", answersOf(2, 2, 0), nil, ENPSScore{Suppressed: ENPSTooFew}, nil, ""},
		{"custom minimum 3", answersOf(2, 1, 0), &ENPSOptions{MinGroupSize: 3},
			ENPSScore{Promoters: 2, Passives: 1, Total: 3}, big.NewRat(200, 3), "66.7"},
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
		})
	}
}

func TestENPSBadInput(t *testing.T) {
	var tl ENPSTally
	for _, a := range []ENPSAnswer{11, -2, 100, math.MinInt32} {
		err := tl.Add(a)
		var ae *ENPSAnswerError
		if !errors.Is(err, ErrENPSScore) || !errors.As(err, &ae) {
			t.Errorf("Add(%d) = %v, want *ENPSAnswerError wrapping ErrENPSScore", a, err)
		}
	}
	if tl.Len() != 0 {
		t.Errorf("Len() after rejected answers = %d, want 0", tl.Len())
	}
	if err := tl.AddN(5, -1); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("AddN(5, -1) = %v, want ErrInvalidParam", err)
	}
	_, err := ENPSOf(slices.Values([]ENPSAnswer{10, 9, 12}), nil)
	if !errors.Is(err, ErrENPSScore) || !strings.Contains(err.Error(), "answer 2") || !strings.Contains(err.Error(), `"12"`) {
		t.Errorf("ENPSOf with a bad third answer = %v, want the position and the answer named", err)
	}
	if _, err := tl.Score(&ENPSOptions{MinGroupSize: -1}); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Score(MinGroupSize -1) = %v, want ErrInvalidParam", err)
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
	if err := tl.Add(5); !errors.Is(err, ErrENPSOverflow) {
		t.Errorf("Add past MaxInt64 = %v, want ErrENPSOverflow", err)
	}
	var one ENPSTally
	_ = one.Add(9)
	before := tl
	if err := tl.Merge(&one); !errors.Is(err, ErrENPSOverflow) {
		t.Errorf("Merge past MaxInt64 = %v, want ErrENPSOverflow", err)
	}
	if diff := cmp.Diff(before, tl, cmp.AllowUnexported(ENPSTally{})); diff != "" {
		t.Errorf("failed Merge changed the tally:\n%s", diff)
	}
	s, err := tl.Score(nil)
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
}

func TestENPSInterval(t *testing.T) {
	// Expectations computed independently with python3 (statistics.NormalDist
	// for z) from Rocks' formulas: testdata/enps/intervals.py. The 8/7/5
	// Wald row was also checked by hand: v = 0.65 - 0.15^2 = 0.6275,
	// SE = sqrt(0.6275/20) = 0.17713, 15 -+ 1.96 x 17.713 = [-19.72, 49.72].
	tests := []struct {
		p, q, d int
		conf    float64
		method  ENPSIntervalMethod
		want    ENPSInterval
	}{
		{8, 7, 5, 0.95, ENPSWald, ENPSInterval{ENPSWald, 0.95, 15, 17.7129895839, -19.716821643, 49.716821643}},
		{8, 7, 5, 0.95, ENPSAdjustedWald, ENPSInterval{ENPSAdjustedWald, 0.95, 13.0434782609, 16.331105957, -18.9649012426, 45.0518577644}},
		{1, 0, 0, 0.95, ENPSWald, ENPSInterval{ENPSWald, 0.95, 100, 0, 100, 100}},
		{1, 0, 0, 0.95, ENPSAdjustedWald, ENPSInterval{ENPSAdjustedWald, 0.95, 25, 37.5, -48.4986494203, 98.4986494203}},
		{10, 0, 0, 0.90, ENPSAdjustedWald, ENPSInterval{ENPSAdjustedWald, 0.90, 76.9230769231, 15.0102377443, 52.2334329279, 100}},
		{0, 0, 3, 0.95, ENPSWald, ENPSInterval{ENPSWald, 0.95, -100, 0, -100, -100}},
		{0, 0, 3, 0.95, ENPSAdjustedWald, ENPSInterval{ENPSAdjustedWald, 0.95, -50, 28.8675134595, -100, 6.57928670381}},
		{2, 1, 1, 0.80, ENPSWald, ENPSInterval{ENPSWald, 0.80, 25, 41.4578098794, -28.130321155, 78.130321155}},
		{2, 1, 1, 0.80, ENPSAdjustedWald, ENPSInterval{ENPSAdjustedWald, 0.80, 14.2857142857, 29.819671829, -23.9297328307, 52.5011614022}},
		{45, 30, 25, 0.99, ENPSWald, ENPSInterval{ENPSWald, 0.99, 20, 8.12403840464, -0.926136185818, 40.9261361858}},
		{45, 30, 25, 0.99, ENPSAdjustedWald, ENPSInterval{ENPSAdjustedWald, 0.99, 19.4174757282, 7.98342287904, -1.14645886631, 39.9814103226}},
	}
	approx := cmpopts.EquateApprox(0, 1e-8)
	for _, tt := range tests {
		s, err := ENPSOf(slices.Values(answersOf(tt.p, tt.q, tt.d)), showAll)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := s.Interval(tt.method, tt.conf)
		if err != nil || !ok {
			t.Fatalf("Interval(%v, %v) of %d/%d/%d = %v, %v", tt.method, tt.conf, tt.p, tt.q, tt.d, ok, err)
		}
		if diff := cmp.Diff(tt.want, got, approx); diff != "" {
			t.Errorf("Interval(%v, %v) of %d/%d/%d mismatch (-want +got):\n%s", tt.method, tt.conf, tt.p, tt.q, tt.d, diff)
		}
		if tt.method == ENPSWald {
			se, _ := s.SE()
			if math.Abs(se-tt.want.SE) > 1e-8 {
				t.Errorf("SE() of %d/%d/%d = %v, want %v", tt.p, tt.q, tt.d, se, tt.want.SE)
			}
		}
	}
	var empty ENPSScore
	if _, ok, err := empty.Interval(ENPSWald, 0.95); ok || err != nil {
		t.Errorf("Interval of empty = %v, %v; want false, nil", ok, err)
	}
	if _, ok := empty.SE(); ok {
		t.Errorf("SE of empty: ok = true")
	}
	for _, c := range []float64{0, 1, -0.5, 1.5, math.NaN()} {
		if _, _, err := (ENPSScore{Promoters: 1, Total: 1}).Interval(ENPSWald, c); !errors.Is(err, ErrInvalidParam) {
			t.Errorf("Interval(confidence %v) = %v, want ErrInvalidParam", c, err)
		}
	}
	if _, _, err := (ENPSScore{Promoters: 1, Total: 1}).Interval(7, 0.95); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("Interval(method 7) = %v, want ErrInvalidParam", err)
	}
}

func TestENPSCompare(t *testing.T) {
	// Expectations from python3, testdata/enps/intervals.py (compare rows).
	tests := []struct {
		name          string
		before, after [3]int
		conf          float64
		want          ENPSDifference
	}{
		{"15 to 45", [3]int{8, 7, 5}, [3]int{12, 5, 3}, 0.95, ENPSDifference{
			Confidence: 0.95, Change: 30, SE: 24.2383992871, Low: -17.5063896456, High: 77.5063896456,
			Z: 1.23770549551, PValue: 0.215825280716, Tested: true}},
		{"significant drop", [3]int{45, 30, 25}, [3]int{30, 30, 40}, 0.95, ENPSDifference{
			Confidence: 0.95, Change: -30, SE: 11.6189500386, Low: -52.7727236139, High: -7.22727638613,
			Z: -2.58198889747, PValue: 0.00982327450752, Tested: true, Significant: true}},
		{"no change", [3]int{3, 3, 3}, [3]int{3, 3, 3}, 0.9, ENPSDifference{
			Confidence: 0.9, Change: 0, SE: 38.490017946, Low: -63.3104456199, High: 63.3104456199,
			Z: 0, PValue: 1, Tested: true}},
		{"unanimous both: no test", [3]int{5, 0, 0}, [3]int{0, 0, 5}, 0.95, ENPSDifference{
			Confidence: 0.95, Change: -200, SE: 0, Low: -200, High: -200}},
	}
	approx := cmpopts.EquateApprox(0, 1e-8)
	for _, tt := range tests {
		b, _ := ENPSOf(slices.Values(answersOf(tt.before[0], tt.before[1], tt.before[2])), showAll)
		a, _ := ENPSOf(slices.Values(answersOf(tt.after[0], tt.after[1], tt.after[2])), showAll)
		got, ok, err := ENPSCompare(b, a, tt.conf)
		if err != nil || !ok {
			t.Fatalf("%s: ENPSCompare = %v, %v", tt.name, ok, err)
		}
		if diff := cmp.Diff(tt.want, got, approx); diff != "" {
			t.Errorf("%s: ENPSCompare mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
	one := ENPSScore{Promoters: 1, Total: 1}
	if _, ok, err := ENPSCompare(ENPSScore{}, one, 0.95); ok || err != nil {
		t.Errorf("ENPSCompare(empty, one) = %v, %v; want false, nil", ok, err)
	}
	if _, ok, _ := ENPSCompare(one, ENPSScore{Suppressed: ENPSTooFew}, 0.95); ok {
		t.Errorf("ENPSCompare(one, suppressed): ok = true")
	}
	if _, _, err := ENPSCompare(one, one, 1); !errors.Is(err, ErrInvalidParam) {
		t.Errorf("ENPSCompare(confidence 1) = %v, want ErrInvalidParam", err)
	}
}

func sc(p, q, d int64) ENPSScore {
	return ENPSScore{Promoters: p, Passives: q, Detractors: d, Total: p + q + d}
}

func hid(r ENPSSuppression) ENPSScore { return ENPSScore{Suppressed: r} }

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
	allow := cmp.AllowUnexported(ENPSTally{})
	for cut := 0; cut <= len(answers); cut++ {
		var a, b ENPSTally
		for _, x := range answers[:cut] {
			_ = a.Add(x)
		}
		for _, x := range answers[cut:] {
			_ = b.Add(x)
		}
		bCopy := b
		if err := a.Merge(&b); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, a, allow); diff != "" {
			t.Fatalf("cut %d: merge differs from one pass:\n%s", cut, diff)
		}
		if diff := cmp.Diff(bCopy, b, allow); diff != "" {
			t.Fatalf("cut %d: Merge modified its argument:\n%s", cut, diff)
		}
	}
	// Associativity on three parts.
	var p1, p2, p3 ENPSTally
	for i, x := range answers {
		_ = [...]*ENPSTally{&p1, &p2, &p3}[i%3].Add(x)
	}
	left, right := p1, p2
	_ = left.Merge(&p2)
	_ = left.Merge(&p3)
	_ = right.Merge(&p3)
	_ = p1.Merge(&right)
	if diff := cmp.Diff(left, p1, allow); diff != "" {
		t.Errorf("(a+b)+c != a+(b+c):\n%s", diff)
	}
	if err := whole.Merge(nil); err != nil {
		t.Errorf("Merge(nil) = %v", err)
	}
}

func TestENPSStrings(t *testing.T) {
	got := []string{
		ENPSAnswer(7).String(), ENPSSkipped.String(), ENPSAnswer(12).String(),
		ENPSPromoter.String(), ENPSPassive.String(), ENPSDetractor.String(), ENPSClass(9).String(),
		ENPSShown.String(), ENPSTooFew.String(), ENPSComplement.String(), ENPSWithheld.String(), ENPSSuppression(8).String(),
		ENPSWald.String(), ENPSAdjustedWald.String(), ENPSIntervalMethod(5).String(),
	}
	want := []string{"7", "skipped", "ENPSAnswer(12)", "promoter", "passive", "detractor", "ENPSClass(9)",
		"shown", "too few answers", "complementary", "withheld", "ENPSSuppression(8)",
		"Wald", "adjusted Wald", "ENPSIntervalMethod(5)"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("String mismatch (-want +got):\n%s", diff)
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
	// interval stay in range, are never NaN, and Low <= High.
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
			iv, ok, err := s.Interval(m, 0.5+0.49*r.Float64())
			if err != nil || ok != (s.Total > 0) {
				t.Fatalf("%v: Interval = %v, %v", c, ok, err)
			}
			if ok && (iv.Low < -100 || iv.High > 100 || iv.Low > iv.High || math.IsNaN(iv.Low+iv.High+iv.SE+iv.Center)) {
				t.Fatalf("%v %v: interval %+v", c, m, iv)
			}
		}
		d, ok, _ := ENPSCompare(s, sc(c[2], c[1], c[0]), 0.95)
		if ok && (d.Low < -200 || d.High > 200 || d.Low > d.High || d.PValue < 0 || d.PValue > 1 || math.IsNaN(d.SE+d.Z+d.PValue)) {
			t.Fatalf("%v: difference %+v", c, d)
		}
	}
}
