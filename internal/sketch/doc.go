// Package sketch is a mergeable quantile sketch with a relative-error
// guarantee: DDSketch, after C. Masson, J. E. Rim and H. K. Lee, "DDSketch:
// A Fast and Fully-Mergeable Quantile Sketch with Relative-Error
// Guarantees", PVLDB 12(12):2195-2205, 2019 (arXiv:1908.10693).
//
// # Design
//
// For a relative accuracy a, values are counted in logarithmic buckets of
// ratio gamma = (1+a)/(1-a): a magnitude x goes to bucket
// i = ceil(log_gamma(x)), which covers (gamma^(i-1), gamma^i], and is
// estimated by the representative 2*gamma^i/(gamma+1), within relative error
// a of every magnitude of the bucket. Positive and negative values have
// separate bucket stores (by magnitude), and zero has its own count, as do
// magnitudes below 2^-1022 (the subnormal numbers), which are estimated as
// zero. The count, the minimum and the maximum are kept exactly; the sum is
// kept exactly too, in a fixed-point accumulator with a unit of 2^-1074, and
// rounded once when read. Merging adds counts bucket by bucket, so a merge of
// the sketches of any split of the input is the same sketch (the same
// MarshalBinary bytes) as one built in a single pass.
//
// # Guarantee
//
// Quantiles follow PERCENTILE.INC (numpy's default "linear" method): for n
// values sorted as x[0..n-1] and p in [0, 1], h = (n-1)p, k = floor(h),
// f = h-k, and q = x[k] + f(x[k+1]-x[k]). Quantile estimates x[k] and
// x[k+1] from their buckets (x[0] and x[n-1] are the exact min and max) and
// interpolates them by the same formula, so its error is at most
// a((1-f)|x[k]| + f|x[k+1]|). When x[k] and x[k+1] have the same sign, or
// one of them is 0, that is a relative error of at most a: |result-q| <= a|q|.
// It does not hold:
//   - when x[k] and x[k+1] have opposite signs: only the absolute bound
//     above holds, and q may be 0 while the estimate is not;
//   - for an order statistic that lies in a collapsed bucket (magnitude at
//     most CollapseLimit, see below);
//   - for an order statistic of magnitude below 2^-1022, estimated as 0.
//
// # Memory
//
// Each store keeps at most maxBuckets consecutive bucket indexes (the
// collapsing-lowest store of the paper, section 2.2): when a value's bucket
// lies more than maxBuckets-1 below the highest bucket of its sign, it is
// counted in the lowest bucket kept, and Collapsed reports it. The lowest
// magnitudes lose accuracy first, which suits amounts and durations, whose
// large values matter most. DefaultMaxBuckets (2048) covers about 17.8
// decades at a = 0.01 (115.1 buckets a decade). A store's memory follows its
// occupied buckets, in a sparse layout (sorted index and count) when they
// are scattered and a dense one (counts by offset) when they fill their
// span: at most 48 bytes an occupied bucket and 12*maxBuckets+32 bytes in
// all. A sketch therefore holds at most 24*maxBuckets + 2,000 bytes
// (about 50 KB at the default), independent of the number of values.
//
// # Encoding
//
// MarshalBinary writes encoding version 1 (EncodingVersion), described on
// MarshalBinary; it is canonical, and UnmarshalBinary accepts only
// canonical, consistent version-1 encodings.
package sketch
