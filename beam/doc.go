// Package funnelbeam runs the funnel library's analyses on Apache Beam, so
// that deal exports too large for one process, or of many tenants, are
// analysed on a cluster (Dataflow, Flink, Spark) or locally (prism, the
// direct runner) with the same results as one in-process pass.
//
// # Pipeline
//
// [Build] adds the pipeline of a [Config] to a Beam scope:
//
//  1. match the input pattern (fileio.MatchFiles) and spread the files over
//     the workers (Reshuffle);
//  2. read each file whole with csvimport.NewDealReader, since a CSV
//     record may span lines (a line-based reader would split it), and emit
//     each deal once per [Group]: the global key, its tenant (a column or
//     the file's path) and its tenant and pipeline;
//  3. combine the deals of each key (CombinePerKey) with one CombineFn over
//     the configuration's analyses: CreateAccumulator builds an empty
//     funnel.Accumulator per analysis from its registered kind (the
//     funnel.Scan and the options travel to the workers as bytes,
//     funnel.Scan.AppendBinary and funnel.DecodeScan); AddInput is
//     funnel.Scan.Add, which validates the deal once and hands it, as it
//     stood at the scan's as-of time, to every accumulator;
//     MergeAccumulators is each accumulator's Merge; the accumulator coder is
//     their MarshalBinary and UnmarshalBinary; ExtractOutput gives each
//     analysis' result as JSON;
//  4. write Output/KEY/NAME.json for every key and [Analysis], and
//     Output/import.json, what reading each file did ([FileReport]).
//
// Runners lift the combine: each worker adds its deals to accumulators of
// its own, and only the accumulators' bytes cross the network to be
// merged. The accumulators' merges are exact (the merge of the parts of
// any split is the accumulator of the whole), so every result equals, byte
// for byte, that of one funnel.Scan.Run over the same deals, whatever the
// runner, the number of workers and the order of the files.
//
// # Memory
//
// The final merge of a key holds that key's accumulators in one worker.
// Measured live heap per deal of a key (BenchmarkHeap, 200,000 generated
// deals, 26 monthly periods): exact mode about 24 bytes for the report, 47
// for the trend series, 17 for the forecast by period, 10 for the weighted
// pipeline and 9 for the survival curve, 107 in all. With
// funnel.Options.QuantileError the report and the series keep quantile
// sketches instead of every amount and duration: the report's memory is
// then constant in the deals (under 1 byte a deal at 200,000 deals, about
// 180 KB in all), the series' grows with its periods only (about 13 bytes
// a deal here); the survival curve and the forecasts keep their per-deal
// values in both modes. The other kinds' memory is not measured here.
//
// The quantile sketches are the library's own DDSketch (package
// internal/sketch of the root module), not a dependency: the root package
// imports only the standard library and shopspring/decimal, and the
// sketch keeps its sum exactly (a fixed-point accumulator) and writes a
// canonical encoding, so that the merge of the sketches of any split of
// the deals is the same bytes as one pass (its TestMergeSplitsEqualOnePass),
// which is what lets a Beam result in sketch mode equal the in-process one
// byte for byte.
//
// # Analyses
//
// An [Analysis] is a registered kind with its options. The built-in kinds
// are the report (funnel.Tally), the weighted pipeline (forecast.Pipeline),
// the forecast by period (forecast.ByPeriod), the trend series
// (trend.Series) and the survival curve (trend.Survival), which
// [DefaultAnalyses] computes; and the report by segments (funnel.Segments,
// with [SegmentOptions]: attributes, amount bands, creation periods), the
// creation cohorts (trend.Cohorts), a conversion between milestones
// (trend.Conversion), the pipeline's changes between two dates
// (forecast.Changes), the open deals at risk (forecast.Risk), quota
// attainment (forecast.Quota), the bottleneck ranking of the funnel's steps
// (target.Bottleneck), the drivers of conversion from a stage
// (drivers.Drivers) and the accounts' acquisition cohorts and revenue
// retention (clv.DealLog), which an [Analysis] of their kind adds. Every
// kind's result on a pipeline equals, byte for byte, its one-pass result
// in process (TestEqualsInProcess computes one of each). [Register] adds
// any other accumulator: its constructor over a scan and options that
// travel as JSON, and the method that gives its result.
//
// # Limits
//
// Deal IDs are checked for duplicates within each file (csvimport), not
// across files. In lenient mode the counts and reasons of skipped deals
// are exact, but a deal's position in the stream is not known across
// workers, so the examples of skipped deals that a result lists are the
// first ones each worker met, not the first of the whole stream; every
// skipped row of a file is listed in its [FileReport].
package funnelbeam
