package funnel_test

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/shopspring/decimal"
)

func clvDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

// clvPurchases are five purchases by two customers.
func clvPurchases() []funnel.Transaction {
	return []funnel.Transaction{
		{Customer: "acme", Time: clvDay(2024, 1, 10), Amount: decimal.RequireFromString("100.00")},
		{Customer: "acme", Time: clvDay(2024, 2, 5), Amount: decimal.RequireFromString("60.00")},
		{Customer: "acme", Time: clvDay(2024, 2, 5), Amount: decimal.RequireFromString("20.00")},
		{Customer: "acme", Time: clvDay(2024, 3, 20), Amount: decimal.RequireFromString("40.00")},
		{Customer: "beta", Time: clvDay(2024, 2, 14), Amount: decimal.RequireFromString("75.00")},
	}
}

func clvExampleLog() *funnel.TransactionLog {
	l, err := funnel.TransactionLogFrom(slices.Values(clvPurchases()))
	if err != nil {
		panic(err)
	}
	return l
}

func ExampleTransaction() {
	tx := funnel.Transaction{Customer: "acme", Time: clvDay(2024, 1, 10), Amount: decimal.RequireFromString("100.00")}
	fmt.Println(tx.Customer, tx.Time.Format(time.DateOnly), tx.Amount)
	// Output: acme 2024-01-10 100
}

func ExampleTransactionLogFrom() {
	l, err := funnel.TransactionLogFrom(slices.Values(clvPurchases()))
	fmt.Println(l.Len(), l.Count(), err)
	// Output: 2 5 <nil>
}

func ExampleTransactionLog() {
	// The zero TransactionLog is ready to use.
	var l funnel.TransactionLog
	for _, tx := range clvPurchases() {
		if err := l.Add(tx); err != nil {
			fmt.Println(err)
		}
	}
	h, _ := l.Historical(decimal.NewFromInt(1))
	for _, c := range h {
		fmt.Println(c.Customer, c.Revenue.StringFixed(2))
	}
	// Output:
	// acme 220.00
	// beta 75.00
}

func ExampleTransactionLog_Add() {
	var l funnel.TransactionLog
	err := l.Add(funnel.Transaction{Customer: "acme", Time: clvDay(2024, 1, 10), Amount: decimal.RequireFromString("-5")})
	fmt.Println(errors.Is(err, funnel.ErrNegativeAmount), l.Count())
	// Output: true 0
}

func ExampleTransactionLog_Merge() {
	txs := clvPurchases()
	a, _ := funnel.TransactionLogFrom(slices.Values(txs[:2]))
	b, _ := funnel.TransactionLogFrom(slices.Values(txs[2:]))
	a.Merge(b)
	h, _ := a.Historical(decimal.NewFromInt(1))
	fmt.Println(a.Count(), h[0].Customer, h[0].Revenue.StringFixed(2))
	// Output: 5 acme 220.00
}

func ExampleTransactionLog_Len() {
	fmt.Println(clvExampleLog().Len())
	// Output: 2
}

func ExampleTransactionLog_Count() {
	fmt.Println(clvExampleLog().Count())
	// Output: 5
}

func ExampleTransactionLog_Historical() {
	h, err := clvExampleLog().Historical(decimal.RequireFromString("0.4"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range h {
		fmt.Printf("%s: %d purchases, revenue %s, margin %s\n", c.Customer, c.Purchases, c.Revenue.StringFixed(2), c.Margin.StringFixed(2))
	}
	// Output:
	// acme: 4 purchases, revenue 220.00, margin 88.00
	// beta: 1 purchases, revenue 75.00, margin 30.00
}

func ExampleCLVHistorical() {
	h, _ := clvExampleLog().Historical(decimal.NewFromInt(1))
	c := h[0]
	fmt.Println(c.Customer, c.First.Format(time.DateOnly), c.Last.Format(time.DateOnly), c.Revenue.StringFixed(2))
	// Output: acme 2024-01-10 2024-03-20 220.00
}

func ExampleTransactionLog_Cohorts() {
	curves, err := clvExampleLog().Cohorts(funnel.CohortOptions{AsOf: clvDay(2024, 3, 31)})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range curves {
		fmt.Print(c.Start.Format("2006-01"), " n=", c.Customers, ":")
		for _, v := range c.Cumulative {
			fmt.Print(" ", v.StringFixed(2))
		}
		fmt.Println()
	}
	// Output:
	// 2024-01 n=1: 100.00 180.00 220.00
	// 2024-02 n=1: 75.00 75.00
}

func ExampleCohortOptions() {
	opts := funnel.CohortOptions{Period: funnel.CohortQuarter, AsOf: clvDay(2024, 6, 30), Location: time.UTC}
	curves, _ := clvExampleLog().Cohorts(opts)
	fmt.Println(len(curves), curves[0].Start.Format(time.DateOnly), curves[0].Revenue)
	// Output: 1 2024-01-01 [295 0]
}

func ExampleCohortCurve() {
	curves, _ := clvExampleLog().Cohorts(funnel.CohortOptions{Period: funnel.CohortWeek, AsOf: clvDay(2024, 1, 24)})
	c := curves[0]
	fmt.Println(c.Start.Weekday(), c.Start.Format(time.DateOnly), c.Customers, c.Revenue, c.Cumulative)
	// Output: Monday 2024-01-08 1 [100 0 0] [100 100 100]
}

func ExampleCohortPeriod() {
	for _, p := range []funnel.CohortPeriod{funnel.CohortMonth, funnel.CohortWeek, funnel.CohortQuarter, 7} {
		fmt.Println(p)
	}
	// Output:
	// month
	// week
	// quarter
	// CohortPeriod(7)
}

func ExampleCohortPeriod_String() {
	var p funnel.CohortPeriod // the zero value is CohortMonth
	fmt.Println(p.String())
	// Output: month
}

func ExampleTransactionLog_RFM() {
	recs, err := clvExampleLog().RFM(funnel.RFMOptions{
		CalibrationEnd: clvDay(2024, 2, 29),
		HoldoutEnd:     clvDay(2024, 3, 31),
		Unit:           7 * 24 * time.Hour,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		fmt.Printf("%s x=%d t_x=%.2f T=%.2f holdout=%d\n", r.Customer, r.Frequency, r.Recency, r.T, r.HoldoutFrequency)
	}
	// Output:
	// acme x=1 t_x=3.71 T=7.14 holdout=1
	// beta x=0 t_x=0.00 T=2.14 holdout=0
}

func ExampleRFMOptions() {
	// Days as the unit, calendar days in New York.
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := funnel.RFMOptions{CalibrationEnd: clvDay(2024, 2, 29), Unit: 24 * time.Hour, Location: ny}
	recs, _ := clvExampleLog().RFM(opts)
	fmt.Println(recs[0].Customer, recs[0].Recency, recs[0].T)
	// Output: acme 26 50
}

func ExampleRFMRecord() {
	recs, _ := clvExampleLog().RFM(funnel.RFMOptions{CalibrationEnd: clvDay(2024, 3, 31), Unit: 24 * time.Hour})
	r := recs[0]
	// The two purchases of 5 February are merged into one of 80.00.
	fmt.Println(r.Customer, r.Frequency, r.FirstValue, r.RepeatValue)
	// Output: acme 2 100 120
}

func ExampleRFMRecord_MeanRepeatValue() {
	recs, _ := clvExampleLog().RFM(funnel.RFMOptions{CalibrationEnd: clvDay(2024, 3, 31), Unit: 24 * time.Hour})
	for _, r := range recs {
		m, ok := r.MeanRepeatValue()
		fmt.Println(r.Customer, m.StringFixed(2), ok)
	}
	// Output:
	// acme 60.00 true
	// beta 0.00 false
}

func ExampleTransactionError() {
	_, err := funnel.TransactionLogFrom(slices.Values([]funnel.Transaction{
		{Customer: "acme", Time: clvDay(2024, 1, 10), Amount: decimal.NewFromInt(1)},
		{Customer: "beta", Amount: decimal.NewFromInt(2)},
	}))
	var te *funnel.TransactionError
	if errors.As(err, &te) {
		fmt.Println(te.Index, te.Customer, te.Field, errors.Is(err, funnel.ErrInvalidParam))
	}
	// Output: 1 beta Time true
}

func ExampleTransactionError_Error() {
	var l funnel.TransactionLog
	fmt.Println(l.Add(funnel.Transaction{Time: clvDay(2024, 1, 10)}))
	// Output: funnel: transaction 0 (customer ""): field Customer: funnel: invalid parameter
}

func ExampleTransactionError_Unwrap() {
	var l funnel.TransactionLog
	err := l.Add(funnel.Transaction{Customer: "a", Time: clvDay(2024, 1, 10), Amount: decimal.NewFromInt(-1)})
	var te *funnel.TransactionError
	errors.As(err, &te)
	fmt.Println(te.Unwrap() == funnel.ErrNegativeAmount)
	// Output: true
}

func ExampleTransactionsFromDeals() {
	deals := []funnel.Deal{
		{ID: "D-1", Account: "acme", Amount: decimal.RequireFromString("12000"), Currency: "USD", Outcome: funnel.Won,
			Created: clvDay(2024, 1, 2), Closed: clvDay(2024, 2, 15)},
		{ID: "D-2", Account: "acme", Amount: decimal.RequireFromString("8000"), Currency: "USD", Outcome: funnel.Lost,
			Created: clvDay(2024, 3, 1), Closed: clvDay(2024, 4, 1)},
		{ID: "D-3", Account: "acme", Amount: decimal.RequireFromString("3000"), Currency: "USD", Outcome: funnel.Won,
			Created: clvDay(2024, 5, 1), Closed: clvDay(2024, 6, 10)},
	}
	l, currency, err := funnel.TransactionsFromDeals(slices.Values(deals))
	if err != nil {
		fmt.Println(err)
		return
	}
	h, _ := l.Historical(decimal.RequireFromString("0.7"))
	fmt.Println(h[0].Customer, h[0].Purchases, h[0].Revenue, currency, "margin", h[0].Margin)

	deals[2].Currency = "EUR"
	_, _, err = funnel.TransactionsFromDeals(slices.Values(deals))
	fmt.Println(errors.Is(err, funnel.ErrCurrencyMismatch), err)
	// Output:
	// acme 2 15000 USD margin 10500
	// true funnel: deal "D-3": Currency: funnel: currency mismatch
}

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
