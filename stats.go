package funnel

import (
	"fmt"
	"math"
)

// zScore returns the two-sided standard normal quantile for a confidence
// level in (0, 1): 1.959964 for 0.95. It returns an error wrapping
// [ErrInvalidParam] for a level outside (0, 1).
func zScore(confidence float64) (float64, error) {
	if !(confidence > 0 && confidence < 1) {
		return 0, fmt.Errorf("funnel: confidence %v outside (0, 1): %w", confidence, ErrInvalidParam)
	}
	return math.Sqrt2 * math.Erfinv(confidence), nil
}
