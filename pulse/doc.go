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
// confidentiality minimum. The accumulators ([Groups], [Waves], [Rolling])
// merge (the merge of the parts of any split equals one pass; merging an
// accumulator into itself is an error) and travel as bytes; they do not
// read deals, so they are not [funnel.Accumulator] values. Results share
// no memory with the accumulators and marshal to JSON in the library's
// one style.
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
// Rolling figures overlap, so their differences are the answers that came
// and went. [Rolling.Series] publishes only on the survey's cadence and
// holds a question's figure ([Held]) unless every "class" of answers (the
// answers that entered the published figures at one point and left them
// at another) keeps 0 or at least MinGroup answers: whatever the figures
// of one series reveal together is a function of sums over at least
// MinGroup answers.
//
// Not covered (each publishing function says how it leaks): figures of
// different breakdowns or reports of the same answers published together
// (by team and by location; a report with groups and one without), a
// rolling series next to the wave reports of the same responses, and
// breakdowns of overlapping sets of answers. Like any published group, a
// published figure whose answers are all alike tells each of them.
// Respondent and skip counts are published and not protected.
//
// # Sources
//
// eNPS: Reichheld 2003, "The One Number You Need to Grow", Harvard
// Business Review 81(12); intervals and differences: Rocks 2016, "Interval
// Estimation for the Net Promoter Score", The American Statistician 70(4).
// Favourable share ("percent favourable", top two boxes of a 5-point
// agreement scale) and the minimum group of 5: Culture Amp and Qualtrics
// documentation. Rolling 90-day latest answers: Officevibe. Complementary
// suppression: the cell-suppression practice of statistical agencies
// (Hundepool et al. 2012, "Statistical Disclosure Control", Wiley, ch. 4).
package pulse
