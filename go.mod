module github.com/funnelmetrics/funnel

go 1.24.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.3
	github.com/shopspring/decimal v1.6.0
	golang.org/x/text v0.30.0
	gonum.org/v1/gonum v0.17.0
)

require golang.org/x/tools v0.37.0 // indirect
