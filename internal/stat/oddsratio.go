package stat

import "math"

// An OddsRatio is the odds ratio of a 2x2 table [[a, b], [c, d]]: the
// odds a/b of the first row against the odds c/d of the second.
type OddsRatio struct {
	// Defined reports whether both rows have observations.
	Defined bool
	// Corrected reports that a cell was zero and 0.5 was added to every
	// cell (the Haldane-Anscombe correction: Haldane 1956, "The
	// estimation and significance of the logarithm of a ratio of
	// frequencies", Annals of Human Genetics 20), so that the ratio and
	// its interval are finite.
	Corrected bool
	// Value is (a d) / (b c), after the correction if any.
	Value float64
	// Lo and Hi bound it by Woolf's logit method (Woolf 1955, "On
	// estimating the relation between blood group and disease", Annals of
	// Human Genetics 19): exp(ln OR ± z sqrt(1/a + 1/b + 1/c + 1/d)).
	Lo, Hi float64
}

// OddsRatioWoolf returns the odds ratio of the table [[a, b], [c, d]]
// (counts, not negative) with Woolf's interval at the normal quantile z.
// It is not Defined when a row is empty (a + b = 0 or c + d = 0).
func OddsRatioWoolf(a, b, c, d int64, z float64) OddsRatio {
	var r OddsRatio
	if a < 0 || b < 0 || c < 0 || d < 0 || a+b == 0 || c+d == 0 {
		return r
	}
	r.Defined = true
	fa, fb, fc, fd := float64(a), float64(b), float64(c), float64(d)
	if a == 0 || b == 0 || c == 0 || d == 0 {
		r.Corrected = true
		fa, fb, fc, fd = fa+0.5, fb+0.5, fc+0.5, fd+0.5
	}
	l := math.Log(fa) + math.Log(fd) - math.Log(fb) - math.Log(fc)
	se := math.Sqrt(1/fa + 1/fb + 1/fc + 1/fd)
	r.Value = math.Exp(l)
	r.Lo, r.Hi = math.Exp(l-z*se), math.Exp(l+z*se)
	return r
}
