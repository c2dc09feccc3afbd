package clv

import (
	"encoding/json"
	"time"

	"github.com/funnelmetrics/funnel"
	"github.com/funnelmetrics/funnel/internal/jsonstyle"
)

// The results marshal to JSON in the library's one style: snake_case
// names, enums by name, [] for empty lists, durations in seconds, money as
// decimal strings, times in RFC 3339 (null when zero), rates with their
// counts, value and interval; each decodes back to an equal value.

type customerAlias Customer

type customerJSON struct {
	customerAlias
	First *time.Time `json:"first"`
}

// MarshalJSON encodes the summary, its first day as RFC 3339 (null when
// zero).
func (c Customer) MarshalJSON() ([]byte, error) {
	return json.Marshal(customerJSON{customerAlias(c), jsonstyle.Time(c.First)})
}

// UnmarshalJSON decodes a summary written by [Customer.MarshalJSON].
func (c *Customer) UnmarshalJSON(b []byte) error {
	var o customerJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = Customer(o.customerAlias)
	c.First = jsonstyle.TimeOf(o.First)
	return nil
}

type rfmAlias RFM

type rfmJSON struct {
	rfmAlias
	CalibrationEnd *time.Time  `json:"calibration_end"`
	HoldoutEnd     *time.Time  `json:"holdout_end"`
	Unit           json.Number `json:"unit_seconds"`
}

// MarshalJSON encodes the summary (see [RFM]).
func (r RFM) MarshalJSON() ([]byte, error) {
	if r.Customers == nil {
		r.Customers = []Customer{}
	}
	r.Input = inputJSON(r.Input)
	return json.Marshal(rfmJSON{rfmAlias(r), jsonstyle.Time(r.CalibrationEnd), jsonstyle.Time(r.HoldoutEnd), jsonstyle.Seconds(r.Unit)})
}

// UnmarshalJSON decodes a summary written by [RFM.MarshalJSON].
func (r *RFM) UnmarshalJSON(b []byte) error {
	var o rfmJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	u, err := jsonstyle.ParseSeconds(o.Unit, "clv", funnel.ErrInvalidParam)
	if err != nil {
		return err
	}
	*r = RFM(o.rfmAlias)
	r.CalibrationEnd, r.HoldoutEnd, r.Unit = jsonstyle.TimeOf(o.CalibrationEnd), jsonstyle.TimeOf(o.HoldoutEnd), u
	return nil
}

type cohortsAlias Cohorts

type cohortsJSON struct {
	cohortsAlias
	AsOf *time.Time `json:"as_of"`
}

// MarshalJSON encodes the table (see [Cohorts]).
func (c Cohorts) MarshalJSON() ([]byte, error) {
	if c.Cohorts == nil {
		c.Cohorts = []funnel.Cohort{}
	}
	c.Input = inputJSON(c.Input)
	return json.Marshal(cohortsJSON{cohortsAlias(c), jsonstyle.Time(c.AsOf)})
}

// UnmarshalJSON decodes a table written by [Cohorts.MarshalJSON].
func (c *Cohorts) UnmarshalJSON(b []byte) error {
	var o cohortsJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*c = Cohorts(o.cohortsAlias)
	c.AsOf = jsonstyle.TimeOf(o.AsOf)
	return nil
}

type historicalAlias Historical

// MarshalJSON encodes the values (see [Historical]).
func (h Historical) MarshalJSON() ([]byte, error) {
	if h.Customers == nil {
		h.Customers = []CustomerValue{}
	}
	h.Input = inputJSON(h.Input)
	return json.Marshal(historicalAlias(h))
}

// inputJSON gives an input's lists as [] rather than null.
func inputJSON(in funnel.Input) funnel.Input {
	if in.Skipped.Reasons == nil {
		in.Skipped.Reasons = []funnel.ReasonCount{}
	}
	if in.Skipped.Examples == nil {
		in.Skipped.Examples = []funnel.DealError{}
	}
	return in
}

type holdoutAlias HoldoutCheck

// MarshalJSON encodes the comparison, Rows as [] when empty.
func (h HoldoutCheck) MarshalJSON() ([]byte, error) {
	if h.Rows == nil {
		h.Rows = []HoldoutRow{}
	}
	return json.Marshal(holdoutAlias(h))
}

type retentionAlias Retention

type retentionJSON struct {
	retentionAlias
	AsOf *time.Time `json:"as_of"`
}

// MarshalJSON encodes the table (see [Retention]).
func (r Retention) MarshalJSON() ([]byte, error) {
	if r.Periods == nil {
		r.Periods = []RetentionPeriod{}
	}
	r.Input = inputJSON(r.Input)
	return json.Marshal(retentionJSON{retentionAlias(r), jsonstyle.Time(r.AsOf)})
}

// UnmarshalJSON decodes a table written by [Retention.MarshalJSON].
func (r *Retention) UnmarshalJSON(b []byte) error {
	var o retentionJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	*r = Retention(o.retentionAlias)
	r.AsOf = jsonstyle.TimeOf(o.AsOf)
	return nil
}

type trackingAlias Tracking

type trackingJSON struct {
	trackingAlias
	CalibrationEnd *time.Time  `json:"calibration_end"`
	End            *time.Time  `json:"end"`
	Unit           json.Number `json:"unit_seconds"`
}

// MarshalJSON encodes the tracking data (see [Tracking]).
func (t Tracking) MarshalJSON() ([]byte, error) {
	if t.Rows == nil {
		t.Rows = []TrackingRow{}
	}
	t.Input = inputJSON(t.Input)
	return json.Marshal(trackingJSON{trackingAlias(t), jsonstyle.Time(t.CalibrationEnd), jsonstyle.Time(t.End), jsonstyle.Seconds(t.Unit)})
}

// UnmarshalJSON decodes tracking data written by [Tracking.MarshalJSON].
func (t *Tracking) UnmarshalJSON(b []byte) error {
	var o trackingJSON
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	u, err := jsonstyle.ParseSeconds(o.Unit, "clv", funnel.ErrInvalidParam)
	if err != nil {
		return err
	}
	*t = Tracking(o.trackingAlias)
	t.CalibrationEnd, t.End, t.Unit = jsonstyle.TimeOf(o.CalibrationEnd), jsonstyle.TimeOf(o.End), u
	return nil
}

type predictionsAlias Predictions

// MarshalJSON encodes the predictions (see [Predictions]), Customers as
// [] when empty.
func (p Predictions) MarshalJSON() ([]byte, error) {
	if p.Customers == nil {
		p.Customers = []Prediction{}
	}
	return json.Marshal(predictionsAlias(p))
}
