package funnel_test

import (
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

func Example_eNPS() {
	// Thirteen answers on the 0-10 scale as exported by a survey tool, one
	// of them skipped.
	var t funnel.ENPSTally
	for _, text := range []string{"10", "9", "9", "8", "7", "10", "3", "6", "9", "", "10", "5", "8"} {
		a, err := funnel.ParseENPSAnswer(text)
		if err != nil {
			fmt.Println(err)
			return
		}
		_ = t.Add(a)
	}
	s, _ := t.Score(funnel.ENPSOptions{})
	v, _ := s.Round(1)
	iv, _ := s.Interval(funnel.ENPSAdjustedWald, 0.95)
	fmt.Printf("eNPS %v from %d answers (%d skipped): %d promoters, %d passives, %d detractors\n",
		v, s.Total, s.Skipped, s.Promoters, s.Passives, s.Detractors)
	fmt.Printf("95%% adjusted Wald interval: %.1f to %.1f\n", iv.Lo, iv.Hi)
	// Output:
	// eNPS 25 from 12 answers (1 skipped): 6 promoters, 3 passives, 3 detractors
	// 95% adjusted Wald interval: -21.1 to 61.1
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

func ExampleENPSOf() {
	as := []funnel.ENPSAnswer{10, 10, 0, funnel.ENPSSkipped, funnel.ENPSSkipped}
	def, _ := funnel.ENPSOf(slices.Values(as), funnel.ENPSOptions{})
	// Officevibe counts a skipped answer as a passive.
	officevibe, _ := funnel.ENPSOf(slices.Values(as), funnel.ENPSOptions{SkippedAsPassive: true})
	// CultureIQ's bands: detractors 0-5, passives 6-8, promoters 9-10.
	cultureIQ, _ := funnel.ENPSOf(slices.Values([]funnel.ENPSAnswer{6, 6, 9, 10, 5}),
		funnel.ENPSOptions{Bands: funnel.ENPSBands{PassiveMin: 6, PromoterMin: 9}})
	for _, s := range []funnel.ENPSScore{def, officevibe, cultureIQ} {
		v, _ := s.Round(1)
		fmt.Printf("%v (P %d / Pa %d / D %d of %d)\n", v, s.Promoters, s.Passives, s.Detractors, s.Total)
	}
	// Output:
	// 33.3 (P 2 / Pa 0 / D 1 of 3)
	// 20 (P 2 / Pa 2 / D 1 of 5)
	// 20 (P 2 / Pa 2 / D 1 of 5)
}

func ExampleENPSScore_Interval() {
	s := funnel.ENPSScore{Promoters: 8, Passives: 7, Detractors: 5, Answered: 20, Total: 20}
	se, _ := s.SE()
	fmt.Printf("eNPS 15, SE %.3f\n", se)
	for _, m := range []funnel.ENPSIntervalMethod{funnel.ENPSWald, funnel.ENPSAdjustedWald} {
		iv, _ := s.Interval(m, 0.95)
		fmt.Printf("%-13v %.2f to %.2f\n", m, iv.Lo, iv.Hi)
	}
	// Output:
	// eNPS 15, SE 17.713
	// wald          -19.72 to 49.72
	// adjusted wald -18.96 to 45.05
}

func ExampleCompareENPS() {
	var q1, q2 funnel.ENPSTally
	for _, a := range answers(45, 30, 25) {
		_ = q1.Add(a)
	}
	for _, a := range answers(30, 30, 40) {
		_ = q2.Add(a)
	}
	before, _ := q1.Score(funnel.ENPSOptions{})
	after, _ := q2.Score(funnel.ENPSOptions{})
	c, err := funnel.CompareENPS(after, before, funnel.Test{}) // 95%, minimum sample 30
	fmt.Printf("change %+.0f [%.1f, %.1f], p = %.4f: %v %v\n", c.Diff, c.Interval.Lo, c.Interval.Hi, c.PValue, c.Verdict, err)
	// Output: change -30 [-52.8, -7.2], p = 0.0098: lower <nil>
}
