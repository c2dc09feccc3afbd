package funnel_test

import (
	"errors"
	"fmt"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func ExampleCLVSimple() {
	clv, err := funnel.CLVSimple(funnel.CLVSimpleParams{
		AverageOrderValue: decimal.RequireFromString("45.50"),
		PurchaseFrequency: decimal.NewFromInt(4), // per year
		Lifespan:          decimal.NewFromInt(3), // years
	})
	fmt.Println(clv, err)
	// Output: 546 <nil>
}

func ExampleCLVSimpleParams() {
	// Lifespan is often 1 / churn: 25% yearly churn gives 4 years.
	p := funnel.CLVSimpleParams{AverageOrderValue: decimal.NewFromInt(80), PurchaseFrequency: decimal.NewFromInt(2), Lifespan: decimal.NewFromInt(4)}
	clv, _ := funnel.CLVSimple(p)
	fmt.Println(clv)
	// Output: 640
}

func ExampleCLVMarginMultiple() {
	p := funnel.CLVMarginParams{Margin: decimal.NewFromInt(100), Retention: decimal.RequireFromString("0.8"), Discount: decimal.RequireFromString("0.1")}
	after, _ := funnel.CLVMarginMultiple(p) // m r / (1 + i - r)
	p.MarginAtStart = true
	start, _ := funnel.CLVMarginMultiple(p) // m (1 + i) / (1 + i - r)
	fmt.Println(after.StringFixed(2), start.StringFixed(2))
	// Output: 266.67 366.67
}

func ExampleCLVMarginParams() {
	// Full retention without discounting has no finite value.
	_, err := funnel.CLVMarginMultiple(funnel.CLVMarginParams{Margin: decimal.NewFromInt(100), Retention: decimal.NewFromInt(1)})
	fmt.Println(err)
	// Output: funnel: clv parameter 1 + Discount - Retention = 0: must be positive
}

func ExampleCLVContractual() {
	clv, err := funnel.CLVContractual(funnel.CLVContractualParams{
		ARPA:        decimal.NewFromInt(50), // per month
		GrossMargin: decimal.RequireFromString("0.8"),
		Churn:       decimal.RequireFromString("0.05"), // per month
	})
	fmt.Println(clv, err)
	// Output: 800 <nil>
}

func ExampleCLVContractualParams() {
	p := funnel.CLVContractualParams{ARPA: decimal.NewFromInt(50), GrossMargin: decimal.RequireFromString("0.8"),
		Churn: decimal.RequireFromString("0.05"), Discount: decimal.RequireFromString("0.01")}
	clv, _ := funnel.CLVContractual(p)
	fmt.Println(clv.StringFixed(2))
	// Output: 673.33
}

func ExampleCLVParamError() {
	_, err := funnel.CLVContractual(funnel.CLVContractualParams{ARPA: decimal.NewFromInt(50), GrossMargin: decimal.NewFromInt(80), Churn: decimal.RequireFromString("0.05")})
	var pe *funnel.CLVParamError
	if errors.As(err, &pe) {
		fmt.Println(pe.Param, pe.Value, pe.Rule)
	}
	// Output: GrossMargin 80 must be in [0, 1]
}

func ExampleCLVParamError_Error() {
	_, err := funnel.CLVSimple(funnel.CLVSimpleParams{Lifespan: decimal.NewFromInt(-2)})
	fmt.Println(err.Error())
	// Output: funnel: clv parameter Lifespan = -2: must not be negative
}

func ExampleCLVParamError_Unwrap() {
	err := &funnel.CLVParamError{Param: "Retention", Value: decimal.NewFromInt(2), Rule: "must be in [0, 1]"}
	fmt.Println(err.Unwrap() == funnel.ErrInvalidParam, errors.Is(err, funnel.ErrInvalidParam))
	// Output: true true
}
