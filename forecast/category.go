package forecast

import (
	"errors"
	"strconv"
	"strings"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/enum"
)

// A Category is a forecast category of the forecast roll-up of Salesforce
// (ForecastCategoryName), HubSpot and Clari: how sure the owner is that an
// open deal closes in the period. The zero Category is [CategoryPipeline].
type Category int8

// The forecast categories, from the least to the most certain, then
// Omitted.
const (
	// CategoryPipeline is an open deal early or uncertain; an open deal
	// without a category is in the pipeline.
	CategoryPipeline Category = iota
	// CategoryBestCase is an open deal that could close in the period.
	CategoryBestCase
	// CategoryCommit is an open deal expected to close in the period.
	CategoryCommit
	// CategoryClosed is a won deal.
	CategoryClosed
	// CategoryOmitted is an open deal left out of the forecast.
	CategoryOmitted
)

var categoryNames = [...]string{CategoryPipeline: "pipeline", CategoryBestCase: "best case",
	CategoryCommit: "commit", CategoryClosed: "closed", CategoryOmitted: "omitted"}

func (c Category) valid() bool { return c >= CategoryPipeline && c <= CategoryOmitted }

// String returns "pipeline", "best case", "commit", "closed" or "omitted",
// or "Category(N)" for an invalid value.
func (c Category) String() string { return enum.Name(c, categoryNames[:], "Category") }

// MarshalText encodes the category by name (see [Category.String]). It
// returns an error wrapping funnel.ErrInvalidParam for an invalid value.
func (c Category) MarshalText() ([]byte, error) {
	return enum.Text(c, categoryNames[:], "forecast", "category", funnel.ErrInvalidParam)
}

// UnmarshalText decodes a name written by [Category.MarshalText], exactly.
// Use [ParseCategory] for the names CRMs write.
func (c *Category) UnmarshalText(b []byte) error {
	return enum.Parse(c, b, categoryNames[:], "forecast", "category", funnel.ErrInvalidParam)
}

// ErrUnknownCategory reports a deal whose forecast category
// (funnel.Deal.Category) is not a name [ParseCategory] knows, or an open
// deal in the Closed category.
var ErrUnknownCategory = errors.New("forecast: unknown forecast category")

// maxCategoryName bounds the length of a name ParseCategory reads.
const maxCategoryName = 64

// ParseCategory returns the category a CRM names: case is ignored, and
// so are spaces, underscores and hyphens, so that "Best Case",
// "best_case", "BEST_CASE" and "BestCase" are all [CategoryBestCase]. It
// knows Pipeline, Best Case (or Best), Commit (or Committed, or Forecast,
// Salesforce's API value for Commit), Closed (or Closed Won, or Won) and
// Omitted (or Omit, or Not forecasted), the spellings of Salesforce's
// ForecastCategoryName, HubSpot's and Clari's categories. Any other name
// (Salesforce's optional Most Likely included, which has no place in this
// roll-up), the empty one too, is an error wrapping [ErrUnknownCategory].
func ParseCategory(name string) (Category, error) {
	if len(name) <= maxCategoryName {
		var b strings.Builder
		for _, r := range strings.ToLower(name) {
			if r != ' ' && r != '_' && r != '-' && r != '\t' {
				b.WriteRune(r)
			}
		}
		switch b.String() {
		case "pipeline":
			return CategoryPipeline, nil
		case "bestcase", "best":
			return CategoryBestCase, nil
		case "commit", "forecast", "committed":
			return CategoryCommit, nil
		case "closed", "closedwon", "won":
			return CategoryClosed, nil
		case "omitted", "omit", "notforecasted":
			return CategoryOmitted, nil
		}
	}
	if len(name) > maxCategoryName {
		name = name[:maxCategoryName] + "..."
	}
	return 0, &categoryError{name}
}

type categoryError struct{ name string }

func (e *categoryError) Error() string {
	return "forecast: unknown forecast category " + strconv.Quote(e.name)
}

func (e *categoryError) Unwrap() error { return ErrUnknownCategory }

// categoryOf returns the category of an open deal: its Category parsed,
// CategoryPipeline when empty. Closed is an error for an open deal.
func categoryOf(name string) (Category, error) {
	if name == "" {
		return CategoryPipeline, nil
	}
	c, err := ParseCategory(name)
	if err != nil {
		return 0, err
	}
	if c == CategoryClosed {
		return 0, ErrUnknownCategory
	}
	return c, nil
}
