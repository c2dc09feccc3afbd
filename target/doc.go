// Package target compares funnel metrics with targets and benchmarks, and
// ranks the steps of a funnel by how much they hold deals back.
//
// # Targets and benchmarks
//
// A [Target] is a minimum or a maximum ([Bound]) of one [Metric] of a
// funnel.Report: a win rate, a step or cumulative conversion into a
// stage, the average deal size, the mean sales cycle, the median time in
// a stage, the number of deals created; optionally for one segment and
// one period. A [Set] is a named list of them: the team's own targets, or
// benchmark figures with their source (the library ships none). [Parse]
// reads a set from JSON, bounded in size and validated, with an [*Error]
// that names the target and the field at fault.
//
// [Observe] reads a metric from a report, a rate with its Wilson score
// interval; [Compare] judges it against a target: [Met], [Watch] (missed,
// but not significantly, or on too small a sample) or [Missed] (a rate's
// interval wholly on the wrong side of the target: the score test of
// Wilson 1927), or [NoData]. [Set.Evaluate] does both for every target of
// a set that applies to a report's segment and period. Every verdict
// follows the library's one rule of a funnel.Test: the confidence level
// (zero is 0.95, outside (0, 1) an error) and the minimum sample (zero is
// 30) a verdict needs.
//
// # Bottlenecks
//
// A [Bottleneck] is a funnel.Accumulator of one funnel.Scan: a funnel.Tally
// of the deals, as they stood at the scan's as-of time, with the open
// deals stalled in each stage (in it for longer than Options.StallAfter).
// It runs in the same pass as the report and the other analyses
// (funnel.Scan.Run), on all cores, merges with the analyses of other
// parts of the deals (the merge of any split is the analysis of the
// whole), and travels as bytes (MarshalBinary, UnmarshalBinary). Its
// [Ranking] puts first the steps that significantly miss a minimum
// conversion target, then those with the most deals short of their target
// plus stalled, then those with the most decided drop-offs, each with its
// reasons in words. [Rank] runs it over a stream of deals in one call.
//
// # Results
//
// Results ([Evaluation], [Ranking]) share no memory with the accumulator,
// the report or the set they come from, marshal to JSON in the library's
// one style (snake_case, enums by name, [] for empty lists, durations in
// seconds, money and target values as decimal strings, rates with their
// counts and intervals, times as RFC 3339 or null) and decode back to
// equal values, and print as text (WriteText).
package target
