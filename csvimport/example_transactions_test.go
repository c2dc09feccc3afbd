package csvimport_test

import (
	"fmt"
	"strings"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/shopspring/decimal"
)

// A billing export read into a transaction log, and each account's
// historical value: the row with a negative amount (a refund) is skipped
// and reported in lenient mode, with its file, line and column.
func ExampleReadTransactions() {
	const export = `account,paid_on,total
a1,2024-01-05,100.50
a2,2024-01-06,-20.00
a1,2024-02-01,20
a2,2024-03-10,"1,250.00"
`
	m := csvimport.TransactionMapping{Customer: "account", Time: "paid_on", Amount: "total",
		AmountFormat: csvimport.AmountFormat{Grouping: true}}
	log, rep, err := csvimport.ReadTransactions(strings.NewReader(export), "payments.csv", m, csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := log.Historical(decimal.NewFromInt(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range h.Customers {
		fmt.Println(c.ID, c.Purchases, c.Revenue, c.First.Format("2006-01-02"), c.Last.Format("2006-01-02"))
	}
	fmt.Println("rows", rep.Rows, "kept", rep.Kept, "skipped", rep.Skipped)
	fmt.Println(rep.Examples[0].File, rep.Examples[0].Line, rep.Examples[0].Column)
	// Output:
	// a1 2 120.5 2024-01-05 2024-02-01
	// a2 1 1250 2024-03-10 2024-03-10
	// rows 4 kept 3 skipped 1
	// payments.csv 3 total
}
