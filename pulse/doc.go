// Package pulse publishes employee sentiment: eNPS by group, pulse surveys
// (short questionnaires repeated in waves on a fixed cadence) by team,
// rolling figures, and one-on-one coverage, under confidentiality rules
// that keep small groups' answers from being read off what is published.
//
// # Overview
//
// The score of one set of eNPS answers is the root package's
// ([funnel.ENPSTally], [funnel.ENPSScore], [funnel.CompareENPS]). This
// package groups answers and publishes them:
//
//   - [Groups] accumulates eNPS answers by group; [Groups.Breakdown] (or
//     [BreakdownBy] over responses) publishes the overall score and each
//     group's, and [Trend] a breakdown per wave with the changes between
//     waves.
//   - A [Survey] defines up to [MaxQuestions] questions on a 0-10, 1-5 or
//     yes/no [Scale], one of which may be the eNPS question, and a
//     [Cadence]. [Waves] accumulates [Response] values wave by wave and
//     group by group (one attribute: team, location, tenure);
//     [Waves.Report] publishes a wave as a table of groups by questions
//     (favourable share with its Wilson interval, mean with its t
//     interval, answer counts, eNPS), and [Compare] and [Changes] test
//     the changes between waves.
//   - A [Table] accumulates responses by several attributes at once (the
//     joint table of team, location, tenure); [Table.Heatmap] publishes a
//     wave broken down by each of them together, as heatmap-ready tables
//     with each group's participation, the confidentiality rules audited
//     on the joint table.
//   - [Rolling] keeps every person's responses; [Rolling.Series]
//     publishes each person's latest answers over a rolling window, on the
//     survey's cadence.
//   - [OneOnOnes] reports one-on-one coverage, overall and rolled up per
//     manager.
//
// Every rate is a [funnel.Rate] (counts, value and interval), every
// comparison follows one [funnel.Test] (zero means 95% confidence and a
// minimum sample of 30 per side for a verdict; a bad confidence is an
// error wrapping [funnel.ErrInvalidParam], never silently 0.95), and
// [Options] gather the eNPS bands, the interval method and the
// confidentiality minimum. The accumulators ([Groups], [Waves], [Table], [Rolling])
// merge (the merge of the parts of any split equals one pass; merging an
// accumulator into itself is an error) and travel as bytes; they do not
// read deals, so they are not [funnel.Accumulator] values. Results share
// no memory with the accumulators, marshal to JSON in the library's one
// style (schema/funnel.schema.json defines each, "pulse_report",
// "pulse_heatmap" ...) and the wave report, the heatmap and the
// one-on-one coverage write themselves as text.
//
// # Confidentiality
//
// The minimum group ([Options.MinGroup], default [DefaultMinGroup] = 5, as
// Culture Amp and Qualtrics; Officevibe uses 3) counts the people who
// answered: skips never count toward it, even when they are passives of
// the eNPS ([funnel.ENPSOptions.SkippedAsPassive]). Within one breakdown
// or one wave report, question by question:
//
//   - a figure of fewer than MinGroup answers is hidden ([TooFew]);
//   - if only one hidden figure has answers, or the hidden ones have fewer
//     than MinGroup answers together, the smallest published figure is
//     hidden too ([Complement]), so that the total minus the published
//     figures is neither one group nor fewer than MinGroup answers;
//   - if the hidden answers, added up, are all favourable, all
//     unfavourable or (eNPS) all of one class, the question is hidden
//     everywhere, the total included ([Withheld]).
//
// Guaranteed, for the figures of one breakdown or one report taken
// together (its total included): every published figure, and the sum that
// the total minus the published figures gives, aggregates at least
// MinGroup answers; and for every hidden figure with answers and each of its
// eNPS, favourable count and sum, another assignment of answers to the
// same people (same groups, same skips) publishes exactly the same
// figures and gives the hidden figure a different value. The tests check this on every
// small population they can enumerate.
//
// Several breakdowns of one wave published together ([Table.Heatmap]) are
// audited on the joint table: call a pool the people who, in every
// breakdown, are in the same published group or in hidden ones. Every
// published figure is a sum over whole pools and every decision depends
// on the counts and the pools' added-up answers only, so whatever the
// breakdowns reveal together is a function of those sums. Every pool with
// answers in a hidden figure must hold at least MinGroup answers, of two
// hidden groups in each breakdown where it is hidden (further figures are
// hidden, [Complement], until it does), and every hidden figure needs its
// answers in at least one pool on both sides (or the question is
// withheld). So one breakdown's figures cannot be subtracted from
// another's to recover a hidden group. With
// [HeatmapOptions.Intersections], every pool, the intersections of
// published groups too, holds 0 or at least MinGroup answers.
//
// Rolling figures overlap, so their differences are the answers that came
// and went. [Rolling.Series] publishes only on the survey's cadence and
// holds a question's figure ([Held]) unless every "class" of answers (the
// answers that entered the published figures at one point and left them
// at another) keeps 0 or at least MinGroup answers: whatever the figures
// of one series reveal together is a function of sums over at least
// MinGroup answers.
//
// Not covered (each publishing function says how it leaks): figures of
// separate publications of the same answers (two [Waves.Report] calls by
// team and by location instead of one heatmap; a report with groups and
// one without; a rolling series next to the wave reports of the same
// responses; breakdowns of overlapping sets of answers); without
// Intersections, the people at the intersection of published groups; and,
// across waves, a reader who assumes that people answer as they did
// before: each wave holds fresh answers, so its guarantee holds whatever
// other waves publish, but if everyone else answered as before, the
// difference of two waves of a fixed population that one person joined or
// left is that person's answer, and the library cannot tell a changed
// answer from a newcomer's. Like any published group, a published figure
// whose answers are all alike tells each of them. Respondent, skip and
// participation counts are published and not protected: the rules decide
// from counts a reader is assumed to know, and the guarantees hold for
// such a reader.
//
// # Sources
//
// eNPS: Reichheld 2003, "The One Number You Need to Grow", Harvard
// Business Review 81(12); intervals and differences: Rocks 2016, "Interval
// Estimation for the Net Promoter Score", The American Statistician 70(4).
// Favourable share ("percent favourable", top two boxes of a 5-point
// agreement scale) and the minimum group of 5: Culture Amp and Qualtrics
// documentation. Rolling 90-day latest answers: Officevibe. Complementary
// suppression and the audit of tables with suppressed cells: the
// cell-suppression practice of statistical agencies (Cox 1980,
// "Suppression methodology and statistical disclosure control", Journal
// of the American Statistical Association 75(370); Hundepool et al. 2012,
// "Statistical Disclosure Control", Wiley, ch. 4). Pools: the equivalence
// classes of k-anonymity (Sweeney 2002, International Journal of
// Uncertainty, Fuzziness and Knowledge-Based Systems 10(5)), answers on
// both sides their 2-diversity (Machanavajjhala et al. 2007, ACM
// Transactions on Knowledge Discovery from Data 1(1)). One-on-one
// coverage: Grove 1983, "High Output Management".
package pulse
