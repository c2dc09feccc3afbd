package sketch_test

import (
	"fmt"

	"github.com/funnelmetrics/funnel/internal/sketch"
)

func Example() {
	s, err := sketch.New(sketch.DefaultRelativeAccuracy, sketch.DefaultMaxBuckets)
	if err != nil {
		panic(err)
	}
	for i := 1; i <= 1000; i++ {
		if err := s.Add(float64(i)); err != nil {
			panic(err)
		}
	}
	// Exact: (1000-1)*0.5 = 499.5, x[499] + 0.5(x[500]-x[499]) = 500.5.
	q, _ := s.Quantile(0.5)
	fmt.Printf("count %d, sum %.0f\n", s.Count(), s.Sum())
	fmt.Printf("median within 1%% of 500.5: %v\n", q >= 500.5*0.99 && q <= 500.5*1.01)
	lo, _ := s.Quantile(0)
	hi, _ := s.Quantile(1)
	fmt.Println("min", lo, "max", hi)
	// Output:
	// count 1000, sum 500500
	// median within 1% of 500.5: true
	// min 1 max 1000
}

func ExampleSketch_Merge() {
	a, _ := sketch.New(0.01, sketch.DefaultMaxBuckets)
	b, _ := sketch.New(0.01, sketch.DefaultMaxBuckets)
	whole, _ := sketch.New(0.01, sketch.DefaultMaxBuckets)
	for i, v := range []float64{12.5, 99.99, 0, 1500, 7.25, 310} {
		part := a
		if i%2 == 1 {
			part = b
		}
		_ = part.Add(v)
		_ = whole.Add(v)
	}
	if err := a.Merge(b); err != nil {
		panic(err)
	}
	ea, _ := a.MarshalBinary()
	ew, _ := whole.MarshalBinary()
	fmt.Println("merged equals one pass:", string(ea) == string(ew))
	// Output:
	// merged equals one pass: true
}

func ExampleSketch_MarshalBinary() {
	s, _ := sketch.New(0.01, sketch.DefaultMaxBuckets)
	_ = s.Add(1)
	_ = s.Add(2)
	b, _ := s.MarshalBinary()
	var d sketch.Sketch
	if err := d.UnmarshalBinary(b); err != nil {
		panic(err)
	}
	fmt.Println(len(b), "bytes, version", b[3], "count", d.Count())
	// Output:
	// 52 bytes, version 1 count 2
}

func ExampleSketch_Collapsed() {
	// Three buckets cannot hold 1 and 100 at 1% accuracy: 1 is folded into
	// the lowest bucket kept, and estimates at or below the limit lose
	// their guarantee.
	s, _ := sketch.New(0.01, 3)
	for _, v := range []float64{1, 1, 1, 100} {
		_ = s.Add(v)
	}
	fmt.Println(s.Collapsed(), s.CollapseLimit() > 90)
	// Output:
	// true true
}
