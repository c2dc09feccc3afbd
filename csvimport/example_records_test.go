package csvimport_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/csvimport"
	"github.com/shopspring/decimal"
)

// A transaction log read row by row: revenue per account, the row with a
// malformed amount skipped and reported in lenient mode.
func ExampleRecordReader() {
	const log = `account,date,amount
a1,2024-01-05,100.50
a2,2024-01-06,oops
a1,2024-02-01,20
`
	x, err := csvimport.NewRecordReader(strings.NewReader(log), "transactions.csv", csvimport.Options{Mode: funnel.Lenient})
	if err != nil {
		fmt.Println(err)
		return
	}
	account, _ := x.Column("account")
	date, _ := x.Column("date")
	amount, _ := x.Column("amount")
	revenue := map[string]decimal.Decimal{}
	for r := range x.All() {
		if _, err := r.Time(date); err != nil {
			_ = r.Fail(err)
			continue
		}
		a, _, err := r.Amount(amount, csvimport.AmountFormat{})
		if err != nil {
			fmt.Println("line", r.Line(), "skipped, bad amount:", errors.Is(err, csvimport.ErrAmount))
			_ = r.Fail(err)
			continue
		}
		revenue[r.Text(account)] = revenue[r.Text(account)].Add(a)
	}
	if x.Err() != nil {
		fmt.Println(x.Err())
		return
	}
	rep := x.Report()
	fmt.Println("a1 revenue", revenue["a1"], "accounts", len(revenue))
	fmt.Println("rows", rep.Rows, "kept", rep.Kept, "skipped", rep.Skipped)
	// Output:
	// line 3 skipped, bad amount: true
	// a1 revenue 120.5 accounts 1
	// rows 3 kept 2 skipped 1
}
