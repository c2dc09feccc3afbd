package funnelbeam

// Counts returns what the combines of this process did so far: the
// accumulators created, the ones decoded from bytes and rebuilt, the
// merges, and the deals decoded.
func Counts() (created, opened, merged, dealsDecoded int64) {
	return counts.created.Load(), counts.opened.Load(), counts.merged.Load(), counts.dealsDecoded.Load()
}

// ExtraAnalyses returns one analysis of every built-in kind beyond the
// defaults.
func ExtraAnalyses() []Analysis { return extraAnalyses() }
