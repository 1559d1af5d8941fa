// Package bulletinmsg holds the messages of the bulletin workflow (workflows/bulletin): what
// it is asked for and what it asks its activities (activities/bulletinacts) to publish. The
// workflow package imports those activities, so the messages live here to keep imports acyclic.
package bulletinmsg

import "time"

// BulletinInput asks for bulletins of one kind, for one issuing department or (0) for all.
type BulletinInput struct {
	Deployment   string `json:"deployment"`
	Kind         string `json:"kind"` // weekly | monthly | on_demand
	IssuerUnitID int64  `json:"issuer_unit_id,omitempty"`
}

// PublishInput is one department's bulletin for one period.
type PublishInput struct {
	Deployment   string    `json:"deployment"`
	IssuerUnitID int64     `json:"issuer_unit_id"`
	Kind         string    `json:"kind"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
}
