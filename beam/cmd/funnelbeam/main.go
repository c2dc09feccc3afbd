// Command funnelbeam runs the funnel analyses over CSV deal exports on any
// Apache Beam runner, globally, per tenant and per pipeline, written as
// JSON files (see package funnelbeam). By default it computes the report,
// the weighted pipeline and its spread over periods, a report per period
// and the Kaplan-Meier curve of the sales cycle; --segment_by adds the
// report by segments of the attributes it names, and --analyses replaces
// the list with any registered kinds and their options (a JSON file of
// funnelbeam.Analysis values).
//
// Locally, on the prism runner:
//
//	go run ./cmd/funnelbeam --input='exports/*/*.csv' --output=out \
//	    --mapping=mapping.json --stages=Lead,Qualified,Proposal \
//	    --currency=USD --as_of=2025-01-01 --tenant_pattern='/([^/]+)/[^/]*$' \
//	    --segment_by=owner,region
//
// An analyses file lists each result's name, kind and options:
//
//	[{"name": "report", "kind": "report", "options": {}},
//	 {"name": "by_owner", "kind": "segments", "options": {"dims": [{"attr": "owner"}], "by_key": true}},
//	 {"name": "cohorts", "kind": "trend.cohorts", "options": {"MaxAge": 12}}]
//
// The runner and its settings are Beam's own flags (--runner=dataflow
// --project --region --staging_location, or --runner=flink --endpoint);
// the README of the module lists them.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // workers may have no zone database

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"github.com/funnelmetrics/funnel"
	funnelbeam "github.com/funnelmetrics/funnel/beam"
	"github.com/funnelmetrics/funnel/csvimport"
)

var (
	input          = flag.String("input", "", "file pattern of the deal exports (required), such as gs://bucket/exports/*/*.csv")
	output         = flag.String("output", "", "folder of the results (required)")
	mappingFile    = flag.String("mapping", "", "JSON file of the column mapping, a csvimport.DealMapping (required); read where the pipeline is launched")
	stages         = flag.String("stages", "", "the funnel's stages, in order, comma-separated (required)")
	currency       = flag.String("currency", "", "the currency code every deal must carry")
	asOf           = flag.String("as_of", "", "the as-of time, RFC 3339 or a date (the forecasts need it)")
	period         = flag.String("period", "month", "period of trends and lead generation: day, week, month, quarter or year")
	location       = flag.String("location", "UTC", "time zone of periods, from the zone database")
	readLocation   = flag.String("read_location", "UTC", "time zone of times written without one")
	mode           = flag.String("mode", "strict", "strict (a bad row or deal fails the run) or lenient (skipped, counted and listed)")
	quantileError  = flag.Float64("quantile_error", 0, "relative error of quantile sketches of amounts and durations; 0 keeps exact percentiles")
	confidence     = flag.Float64("confidence", 0, "confidence level of intervals and tests; 0 means 0.95")
	tenantColumn   = flag.String("tenant_column", "", "column holding each deal's tenant")
	tenantPattern  = flag.String("tenant_pattern", "", "regular expression over each file's path whose first group is the tenant")
	pipelineColumn = flag.String("pipeline_column", "", "column holding each deal's pipeline")
	groups         = flag.String("groups", "", "levels of keys, comma-separated: global, tenant, pipeline (default: all that apply)")
	segmentBy      = flag.String("segment_by", "", "attribute keys, comma-separated (owner,region): adds the report by segments of their values, as segments.json")
	analysesFile   = flag.String("analyses", "", "JSON file of the analyses, [{\"name\": ..., \"kind\": ..., \"options\": {...}}], instead of the default ones; kinds: "+strings.Join(funnelbeam.Kinds(), ", "))
)

func main() {
	flag.Parse()
	beam.Init()
	p, s := beam.NewPipelineWithRoot()
	if err := build(s); err != nil {
		log.Fatal(err)
	}
	if err := beamx.Run(context.Background(), p); err != nil {
		log.Fatalf("funnelbeam: %v", err)
	}
}

// build adds the pipeline the flags describe to the scope.
func build(s beam.Scope) error {
	c, err := config()
	if err != nil {
		return err
	}
	return funnelbeam.Build(s, c)
}

// config returns the pipeline's configuration from the flags.
func config() (funnelbeam.Config, error) {
	var c funnelbeam.Config
	if *stages == "" || *mappingFile == "" {
		return c, fmt.Errorf("funnelbeam: --stages and --mapping are required")
	}
	var names []funnel.Stage
	for n := range strings.SplitSeq(*stages, ",") {
		names = append(names, funnel.Stage(strings.TrimSpace(n)))
	}
	f, err := funnel.New(names...)
	if err != nil {
		return c, err
	}
	var opts funnel.Options
	if *asOf != "" {
		if opts.AsOf, err = parseTime(*asOf); err != nil {
			return c, err
		}
	}
	if err := opts.Period.UnmarshalText([]byte(*period)); err != nil {
		return c, err
	}
	if opts.Location, err = time.LoadLocation(*location); err != nil {
		return c, err
	}
	if err := opts.Mode.UnmarshalText([]byte(*mode)); err != nil {
		return c, err
	}
	opts.Currency, opts.QuantileError, opts.Test.Confidence = *currency, *quantileError, funnel.Confidence(*confidence)
	if c.Scan, err = funnel.NewScan(f, opts); err != nil {
		return c, err
	}
	b, err := os.ReadFile(*mappingFile)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c.Mapping); err != nil {
		return c, fmt.Errorf("funnelbeam: mapping %s: %w", *mappingFile, err)
	}
	loc, err := time.LoadLocation(*readLocation)
	if err != nil {
		return c, err
	}
	c.Read = csvimport.Options{Location: loc}
	c.Input, c.Output = *input, *output
	c.TenantColumn, c.TenantPattern, c.PipelineColumn = *tenantColumn, *tenantPattern, *pipelineColumn
	if *analysesFile != "" {
		b, err := os.ReadFile(*analysesFile)
		if err != nil {
			return c, err
		}
		if err := json.Unmarshal(b, &c.Analyses); err != nil {
			return c, fmt.Errorf("funnelbeam: analyses %s: %w", *analysesFile, err)
		}
	}
	if *segmentBy != "" {
		var keys []string
		for k := range strings.SplitSeq(*segmentBy, ",") {
			keys = append(keys, strings.TrimSpace(k))
		}
		a, err := funnelbeam.NewAnalysis("segments", funnelbeam.KindSegments, funnelbeam.SegmentsBy(keys...))
		if err != nil {
			return c, err
		}
		if c.Analyses == nil {
			c.Analyses = funnelbeam.DefaultAnalyses()
		}
		c.Analyses = append(c.Analyses, a)
	}
	if *groups != "" {
		for g := range strings.SplitSeq(*groups, ",") {
			var x funnelbeam.Group
			if err := x.UnmarshalText([]byte(strings.TrimSpace(g))); err != nil {
				return c, err
			}
			c.Groups = append(c.Groups, x)
		}
	}
	return c, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
