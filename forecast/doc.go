// Package forecast forecasts revenue from a funnel's deals and inspects
// the pipeline: stage win rates learned from history, the weighted
// pipeline, expected revenue by period, quota attainment and coverage,
// what changed in the pipeline between two dates and its waterfall, the
// deals at risk, the probabilistic range of a period's revenue, win
// probabilities per deal, the accuracy of forecast calls, backtests of
// the learned rates, and the inputs and decomposition of pipeline
// velocity.
//
// Every analysis that reads deals is an accumulator ([funnel.Accumulator])
// of one [funnel.Scan]: it sees each deal once, as it stood at the scan's
// as-of time, so that one [funnel.Scan.Run] over a stream feeds all of
// them (and the root's report) in one pass, on every core. Each merges
// with another of the same settings (the merge of the parts of any split
// of the deals is the accumulator of the whole), travels as bytes
// (MarshalBinary, UnmarshalBinary) and gives a result that prints as text
// (WriteText) and as JSON in the library's one style. Each has a plain
// function that runs it over an [iter.Seq] of deals:
//
//   - [Learner] ([Learn]): P(win | entered stage k) = won / closed over
//     the deals closed as of the as-of time, per segment if asked, with
//     Wilson intervals at the scan's level, and time-to-win samples per
//     stage; its result is a read-only [Model]. It is the one learner
//     every other analysis uses.
//   - [Pipeline] ([Weighted]): the weighted pipeline, Σ amount × P(win)
//     over open deals (Salesforce's expected revenue, Pipedrive's
//     weighted value), per stage and rolled up by forecast [Category],
//     with each deal's own probability (funnel.Deal.Probability) taking
//     precedence over its stage's.
//   - [ByPeriod] ([Expected]): the same weighted amounts spread over
//     future periods by expected close date (funnel.Deal.ExpectedClose)
//     or by the stage's time to win; its periods add up exactly to the
//     Pipeline's total on the same deals and options.
//   - [Quota] ([Attainment]): quota attainment and pipeline coverage per
//     rep (or any attribute) and period.
//   - [Changes] ([ChangesBetween]): each deal at two dates, with new,
//     won, lost, advanced, moved-back, pushed, pulled-in and resized deals
//     listed and counted.
//   - [Backtest] ([Replay]): for past cutoffs, the rates learned from the
//     deals closed by each cutoff scored against what the deals open then
//     did: predicted against actual, the Brier score (Brier 1950) and
//     calibration, in one pass.
//   - [Waterfall] ([Flows]): the pipeline of a close-date period between
//     two dates: its end is its start plus the inflows (created, pulled
//     in, moved forward, dated) and the amount changes, less the outflows
//     (won, lost, pushed out, moved back, undated), exactly in deals and
//     money, per segment (with reassigned deals), listing the deals that
//     move the most money in each bucket.
//   - [Risk] ([Risks]): each open deal's warning signs (stalled past a
//     time or its stage's 75th percentile, overdue, pushed, cut, older
//     than won deals' 90th percentile of cycle) with their evidence,
//     ranked by value at risk.
//   - [Range] ([Outlook]): the distribution of a period's revenue, the
//     Poisson-binomial law of the open deals' wins over their amounts,
//     computed exactly on the amounts' lattice or on a grid with its
//     bound; percentiles, the probability of reaching quotas, and the
//     learned rates' uncertainty mixed in by a seeded simulation.
//   - [Scoring] ([Score]): a win probability per open deal from a
//     logistic regression (gonum's L-BFGS) on snapshots of closed deals,
//     with its factors for and against, evaluated on held-out deals
//     beside the stage rates.
//   - [Accuracy] ([ForecastAccuracy]): submitted forecast calls per key
//     and period against what was won, beside the model's forecast at the
//     time of each call (WAPE and bias).
//
// The reverse funnel and capacity planning (what a revenue target takes)
// are in the sub-package plan, built on this package's [Learner].
//
// Pipeline velocity is computed from a funnel.Report: [VelocityOf] gives
// its inputs, [VelocityInputs.Velocity] the velocity N × W × S / L, and
// [Decompose] splits a change of velocity between its inputs with the
// logarithmic mean Divisia index (Ang 2005).
//
// Probabilities learned as a ratio are rounded to [ProbabilityPlaces]
// decimal places before they weigh any amount: every weighted figure is
// then an exact decimal, and the figures of an analysis add up exactly.
// No function reads the clock; money is exact ([decimal.Decimal]).
package forecast
