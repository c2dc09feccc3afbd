package funnel_test

import (
	"errors"
	"fmt"
	"slices"

	"github.com/funnelmetrics/funnel"
)

// answers returns p promoters (10), q passives (8) and d detractors (4).
func answers(p, q, d int) []funnel.ENPSAnswer {
	var as []funnel.ENPSAnswer
	for range p {
		as = append(as, 10)
	}
	for range q {
		as = append(as, 8)
	}
	for range d {
		as = append(as, 4)
	}
	return as
}

func show(s funnel.ENPSScore) string {
	if v, ok := s.Round(1); ok {
		return fmt.Sprintf("%v (P %d / Pa %d / D %d)", v, s.Promoters, s.Passives, s.Detractors)
	}
	return "hidden: " + s.Suppressed.String()
}

func Example_eNPS() {
	// Twelve answers on the 0-10 scale, one skipped.
	var t funnel.ENPSTally
	for _, text := range []string{"10", "9", "9", "8", "7", "10", "3", "6", "9", "", "10", "5", "8"} {
		a, err := funnel.ParseENPSAnswer(text)
		if err != nil {
			fmt.Println(err)
			return
		}
		_ = t.Add(a)
	}
	s, _ := t.Score(nil)
	v, _ := s.Round(1)
	iv, _, _ := s.Interval(funnel.ENPSAdjustedWald, 0.95)
	fmt.Printf("eNPS %v from %d answers (%d skipped)\n", v, s.Total, s.Skipped)
	fmt.Printf("95%% adjusted Wald: %.1f to %.1f\n", iv.Low, iv.High)
	// Output:
	// eNPS 25 from 12 answers (1 skipped)
	// 95% adjusted Wald: -21.1 to 61.1
}

func ExampleENPSAnswer() {
	for _, a := range []funnel.ENPSAnswer{0, 10, funnel.ENPSSkipped} {
		fmt.Println(a)
	}
	// Output:
	// 0
	// 10
	// skipped
}

func ExampleENPSAnswer_Valid() {
	fmt.Println(funnel.ENPSAnswer(10).Valid(), funnel.ENPSSkipped.Valid(), funnel.ENPSAnswer(11).Valid())
	// Output: true true false
}

func ExampleENPSAnswer_String() {
	fmt.Println(funnel.ENPSAnswer(7).String(), funnel.ENPSSkipped.String(), funnel.ENPSAnswer(12).String())
	// Output: 7 skipped ENPSAnswer(12)
}

func ExampleParseENPSAnswer() {
	for _, s := range []string{"9", " 07 ", "N/A", "11", "7.5"} {
		a, err := funnel.ParseENPSAnswer(s)
		fmt.Printf("%q: %v %v\n", s, a, err)
	}
	// Output:
	// "9": 9 <nil>
	// " 07 ": 7 <nil>
	// "N/A": skipped <nil>
	// "11": 0 funnel: enps answer "11": funnel: enps answer not on the 0-10 scale
	// "7.5": 0 funnel: enps answer "7.5": funnel: enps answer not on the 0-10 scale
}

func ExampleENPSAnswerError() {
	_, err := funnel.ParseENPSAnswer("eleven")
	var ae *funnel.ENPSAnswerError
	if errors.As(err, &ae) {
		fmt.Printf("bad answer %q, kind %v\n", ae.Input, errors.Is(err, funnel.ErrENPSScore))
	}
	// Output: bad answer "eleven", kind true
}

func ExampleENPSAnswerError_Error() {
	var t funnel.ENPSTally
	fmt.Println(t.Add(12).Error())
	// Output: funnel: enps answer "12": funnel: enps answer not on the 0-10 scale
}

func ExampleENPSAnswerError_Unwrap() {
	e := &funnel.ENPSAnswerError{Input: "x", Err: funnel.ErrENPSScore}
	fmt.Println(e.Unwrap() == funnel.ErrENPSScore)
	// Output: true
}

func ExampleENPSClass() {
	for _, a := range []funnel.ENPSAnswer{6, 7, 9} {
		c, _ := funnel.ENPSBands{}.Classify(a)
		fmt.Println(a, c)
	}
	// Output:
	// 6 detractor
	// 7 passive
	// 9 promoter
}

func ExampleENPSClass_String() {
	fmt.Println(funnel.ENPSPromoter.String())
	// Output: promoter
}

func ExampleENPSBands() {
	// CultureIQ's bands: detractors 0-5, passives 6-8, promoters 9-10.
	opts := &funnel.ENPSOptions{Bands: funnel.ENPSBands{PassiveMin: 6, PromoterMin: 9}}
	s, _ := funnel.ENPSOf(slices.Values([]funnel.ENPSAnswer{6, 6, 9, 10, 5}), opts)
	fmt.Println(show(s))
	// Output: 20 (P 2 / Pa 2 / D 1)
}

func ExampleENPSBands_Validate() {
	fmt.Println(funnel.ENPSBands{}.Validate())
	fmt.Println(funnel.ENPSBands{PassiveMin: 9, PromoterMin: 7}.Validate())
	// Output:
	// <nil>
	// funnel: enps bands passive from 9, promoter from 7: want 1 <= passive <= promoter <= 10: funnel: invalid enps bands
}

func ExampleENPSBands_Classify() {
	b := funnel.ENPSBands{PassiveMin: 6, PromoterMin: 9}
	c, err := b.Classify(6)
	fmt.Println(c, err)
	// Output: passive <nil>
}

func ExampleENPSOptions() {
	as := []funnel.ENPSAnswer{10, 10, 0, funnel.ENPSSkipped, funnel.ENPSSkipped}
	def, _ := funnel.ENPSOf(slices.Values(as), nil)
	officevibe, _ := funnel.ENPSOf(slices.Values(as), &funnel.ENPSOptions{SkippedAsPassive: true})
	fmt.Println("default:", show(def))
	fmt.Println("skipped as passive:", show(officevibe))
	// Output:
	// default: hidden: too few answers
	// skipped as passive: 20 (P 2 / Pa 2 / D 1)
}

func ExampleENPSTally() {
	var t funnel.ENPSTally // ready to use
	for _, a := range answers(5, 3, 2) {
		_ = t.Add(a)
	}
	s, _ := t.Score(nil)
	fmt.Println(show(s))
	// Output: 30 (P 5 / Pa 3 / D 2)
}

func ExampleENPSTally_Add() {
	var t funnel.ENPSTally
	fmt.Println(t.Add(9), t.Add(funnel.ENPSSkipped))
	fmt.Println(errors.Is(t.Add(-3), funnel.ErrENPSScore), t.Len())
	// Output:
	// <nil> <nil>
	// true 2
}

func ExampleENPSTally_AddN() {
	// A count table exported by a survey tool.
	var t funnel.ENPSTally
	_ = t.AddN(10, 40)
	_ = t.AddN(7, 35)
	_ = t.AddN(2, 25)
	s, _ := t.Score(nil)
	fmt.Println(show(s))
	// Output: 15 (P 40 / Pa 35 / D 25)
}

func ExampleENPSTally_Merge() {
	var london, paris funnel.ENPSTally
	for _, a := range answers(3, 1, 1) {
		_ = london.Add(a)
	}
	for _, a := range answers(1, 2, 2) {
		_ = paris.Add(a)
	}
	_ = london.Merge(&paris)
	s, _ := london.Score(nil)
	fmt.Println(show(s))
	// Output: 10 (P 4 / Pa 3 / D 3)
}

func ExampleENPSTally_Count() {
	var t funnel.ENPSTally
	for _, a := range []funnel.ENPSAnswer{9, 9, 3, funnel.ENPSSkipped} {
		_ = t.Add(a)
	}
	fmt.Println(t.Count(9), t.Count(3), t.Count(funnel.ENPSSkipped), t.Count(10))
	// Output: 2 1 1 0
}

func ExampleENPSTally_Len() {
	var t funnel.ENPSTally
	_ = t.Add(9)
	_ = t.Add(funnel.ENPSSkipped)
	fmt.Println(t.Len())
	// Output: 2
}

func ExampleENPSTally_Score() {
	var t funnel.ENPSTally
	for _, a := range answers(2, 1, 1) {
		_ = t.Add(a)
	}
	hidden, _ := t.Score(nil) // 4 answers, under the default minimum of 5
	shown, _ := t.Score(&funnel.ENPSOptions{MinGroupSize: 3})
	fmt.Println(show(hidden))
	fmt.Println(show(shown))
	// Output:
	// hidden: too few answers
	// 25 (P 2 / Pa 1 / D 1)
}

func ExampleENPSOf() {
	s, err := funnel.ENPSOf(slices.Values([]funnel.ENPSAnswer{9, 10, 8, 2, 10, 6}), nil)
	fmt.Println(show(s), err)
	_, err = funnel.ENPSOf(slices.Values([]funnel.ENPSAnswer{9, 10, 42}), nil)
	fmt.Println(err)
	// Output:
	// 16.7 (P 3 / Pa 1 / D 2) <nil>
	// funnel: enps answer 2: funnel: enps answer "42": funnel: enps answer not on the 0-10 scale
}

func ExampleENPSSuppression_String() {
	fmt.Println(funnel.ENPSWithheld.String())
	// Output: withheld
}

func ExampleENPSScore() {
	s := funnel.ENPSScore{Promoters: 45, Passives: 30, Detractors: 25, Total: 100}
	v, _ := s.Float64()
	se, _ := s.SE()
	fmt.Printf("eNPS %.0f ± %.2f (SE)\n", v, se)
	// Output: eNPS 20 ± 8.12 (SE)
}

func ExampleENPSScore_Value() {
	s, _ := funnel.ENPSOf(slices.Values([]funnel.ENPSAnswer{9, 10, 1}), &funnel.ENPSOptions{MinGroupSize: 1})
	v, ok := s.Value()
	fmt.Println(v, ok)
	_, ok = funnel.ENPSScore{}.Value()
	fmt.Println(ok)
	// Output:
	// 100/3 true
	// false
}

func ExampleENPSScore_Float64() {
	f, ok := funnel.ENPSScore{Promoters: 1, Detractors: 2, Total: 3}.Float64()
	fmt.Printf("%.4f %v\n", f, ok)
	// Output: -33.3333 true
}

func ExampleENPSScore_Round() {
	d, ok := funnel.ENPSScore{Passives: 1, Detractors: 2, Total: 3}.Round(2)
	fmt.Println(d, ok)
	// Output: -66.67 true
}

func ExampleENPSScore_SE() {
	// p = 0.4, d = 0.25, n = 20: 100 × sqrt((0.65 − 0.0225) / 20).
	se, _ := funnel.ENPSScore{Promoters: 8, Passives: 7, Detractors: 5, Total: 20}.SE()
	fmt.Printf("%.3f\n", se)
	// Output: 17.713
}

func ExampleENPSScore_Interval() {
	s := funnel.ENPSScore{Promoters: 8, Passives: 7, Detractors: 5, Total: 20}
	for _, m := range []funnel.ENPSIntervalMethod{funnel.ENPSWald, funnel.ENPSAdjustedWald} {
		iv, _, _ := s.Interval(m, 0.95)
		fmt.Printf("%-13v center %.2f, %.2f to %.2f\n", iv.Method, iv.Center, iv.Low, iv.High)
	}
	// Output:
	// Wald          center 15.00, -19.72 to 49.72
	// adjusted Wald center 13.04, -18.96 to 45.05
}

func ExampleENPSIntervalMethod() {
	// Ten promoters: the Wald interval collapses to a point; the adjusted
	// Wald interval does not.
	s := funnel.ENPSScore{Promoters: 10, Total: 10}
	for _, m := range []funnel.ENPSIntervalMethod{funnel.ENPSWald, funnel.ENPSAdjustedWald} {
		iv, _, _ := s.Interval(m, 0.90)
		fmt.Printf("%v: %.1f to %.1f\n", m, iv.Low, iv.High)
	}
	// Output:
	// Wald: 100.0 to 100.0
	// adjusted Wald: 52.2 to 100.0
}

func ExampleENPSIntervalMethod_String() {
	fmt.Println(funnel.ENPSAdjustedWald.String())
	// Output: adjusted Wald
}

func ExampleENPSInterval() {
	iv, ok, err := funnel.ENPSScore{Detractors: 3, Total: 3}.Interval(funnel.ENPSAdjustedWald, 0.95)
	fmt.Printf("%.2f [%.2f, %.2f] %v %v\n", iv.Center, iv.Low, iv.High, ok, err)
	// Output: -50.00 [-100.00, 6.58] true <nil>
}

func ExampleENPSDifference() {
	before := funnel.ENPSScore{Promoters: 45, Passives: 30, Detractors: 25, Total: 100}
	after := funnel.ENPSScore{Promoters: 30, Passives: 30, Detractors: 40, Total: 100}
	d, _, _ := funnel.ENPSCompare(before, after, 0.95)
	fmt.Printf("change %.0f, SE %.2f, p = %.4f, significant %v\n", d.Change, d.SE, d.PValue, d.Significant)
	// Output: change -30, SE 11.62, p = 0.0098, significant true
}

func ExampleENPSCompare() {
	q1 := funnel.ENPSScore{Promoters: 8, Passives: 7, Detractors: 5, Total: 20}
	q2 := funnel.ENPSScore{Promoters: 12, Passives: 5, Detractors: 3, Total: 20}
	d, ok, err := funnel.ENPSCompare(q1, q2, 0.95)
	fmt.Printf("%+.0f [%.1f, %.1f] p=%.3f %v %v\n", d.Change, d.Low, d.High, d.PValue, ok, err)
	// Output: +30 [-17.5, 77.5] p=0.216 true <nil>
}
