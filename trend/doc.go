// Package trend follows sales-funnel metrics through time: series of
// funnel reports per period, creation cohorts, Kaplan-Meier curves of the
// sales cycle and of time in stage, and the time deals take to convert,
// with tests of changes in durations and amounts as well as in counts and
// rates.
//
// Every analysis here is a [funnel.Accumulator] over the deals of one
// [funnel.Scan]: it sees each deal once, validated once and as it stood at
// the scan's as-of time, so it runs in the same pass as the report, the
// segmentations and the other analyses ([funnel.Scan.Run]), on all cores,
// and travels as bytes (MarshalBinary, UnmarshalBinary) to be merged
// elsewhere. The scan gives the period (day, ISO week, month, quarter,
// year), the time zone, the as-of time and the test rule (confidence level
// and minimum sample); the options structs here hold only what is the
// analysis' own. Each accumulator has a one-call form over a stream of
// deals: [Compute], [ComputeCohorts], [ComputeSurvival] and
// [ComputeConversion].
//
// # Series
//
// A [Series] holds one [funnel.Tally] per period of the deals' creation or
// close time ([Basis]); its [Report] has a [funnel.Report] per period, the
// empty periods in between included, at most [MaxPeriods] of them.
// Periods are the scan's: its Period counted in its Calendar
// (funnel.Options.Calendar: calendar years, a fiscal year starting in any
// month, or 4-4-5 weeks), in its zone, and labelled as
// [funnel.Calendar.Label] names them (FY2025-Q1). They are stepped with
// [funnel.Calendar.Next], which always moves on (a day a zone skips, such as 30 December 2011 in Pacific/Apia, has no
// row; a day whose midnight a zone skips, as in America/Havana, starts
// when its clock does). [Report.Metric] follows one [Metric] across the
// periods, with its change against the period before and the same period
// a year before: rates tested with [funnel.CompareRates], counts with the
// conditional test of two Poisson counts ([CountComparison]), deal sizes
// and won cycles with the tests of each [Row] ([RowTests]), all under the
// scan's confidence level and minimum sample.
//
// # Cohorts
//
// [Cohorts] builds a table of creation cohorts ([Table] of
// [funnel.Cohort] rows): for each creation period, the deals created and,
// at each age (whole periods since creation), the deals won by then, their
// share of the cohort with its Wilson interval, and their amount.
//
// # Survival
//
// [Survival] collects durations to an event, with deals still open at the
// as-of time censored, and gives the Kaplan-Meier [Curve] with Greenwood
// intervals on the log(-log) scale: the sales cycle to a close or to a win
// ([Measure]), or the time of the latest visit to a stage. [Curve.Quantile]
// reads medians and other quantiles by the midpoint rule of R's survival
// package, so that the median of uncensored durations is their usual
// median.
//
// # Time to convert
//
// [Conversion] times deals from one [Milestone] to another: from creation
// or a stage entry to another stage, a win, a loss, a close, or leaving
// the stage (the time in stage). Its [ConversionReport] gives, for all
// deals, per segment (the values of an attribute at creation or as of
// the scan, at most MaxSegments of them, the rest folded into one
// "(other)" row) and per period of the start, the completed-only figures
// (mean, any percentiles, a [Histogram] by the Freedman-Diaconis rule or
// given edges) and the Kaplan-Meier quantiles with the deals not converted
// censored.
//
// # Changes that are not rates
//
// Durations are compared with the log-rank test ([DurationComparison]):
// each segment of a [Conversion] with the rest, each period with the one
// before, and the won cycle of a [Series]' periods. Deal sizes are
// compared with Welch's test on the log amounts and a seeded permutation
// test of the mean amounts ([AmountComparison]), so that [Report.Metric]
// gives a verdict for the deal size and the won cycle as for counts and
// rates. Every verdict follows the scan's confidence level and minimum
// sample.
//
// # Many tests at once
//
// Where many periods or segments are tested at once (the changes of a
// metric, the segments and periods of a conversion report), the p-values
// are adjusted together by Benjamini-Hochberg ([Adjust]), given beside the
// raw ones, and the verdicts are on the adjusted ones.
//
// # Results
//
// Results ([Report], [Values], [Table], [Curve], [ConversionReport]) share
// no memory with the accumulators, marshal to JSON in the library's one
// style (snake_case, enums by name, [] for empty lists, durations in
// seconds, money as decimal strings, rates with their counts and
// intervals, times as RFC 3339 or null) and decode back to equal values,
// and print as text tables (WriteText).
package trend
