package item

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"rectify/workflows/actopts"
)

// Bulletin activities.
const (
	ActivityListIssuers     = "ListIssuers"
	ActivityPublishBulletin = "PublishBulletin"
	ActivitySendBulletin    = "SendBulletin"
)

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

// BulletinWorkflow computes, keeps and sends bulletins (通报). Schedules start it weekly and
// monthly; staff start it on demand. The period ends when the workflow runs.
func BulletinWorkflow(ctx workflow.Context, in BulletinInput) ([]int64, error) {
	end := workflow.Now(ctx)
	start := end.AddDate(0, 0, -7)
	if in.Kind == "monthly" {
		start = end.AddDate(0, -1, 0)
	}
	actx := actopts.Compute(ctx)
	issuers := []int64{in.IssuerUnitID}
	if in.IssuerUnitID == 0 {
		if err := workflow.ExecuteActivity(actx, ActivityListIssuers).Get(ctx, &issuers); err != nil {
			return nil, err
		}
	}
	var ids []int64
	for _, u := range issuers {
		var id int64
		if err := workflow.ExecuteActivity(actx, ActivityPublishBulletin, PublishInput{Deployment: in.Deployment,
			IssuerUnitID: u, Kind: in.Kind, Start: start, End: end}).Get(ctx, &id); err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	// Kept first, sent second: a mail server that is down delays the messages, not the bulletins.
	sctx := actopts.SendMail(ctx)
	for _, id := range ids {
		if err := workflow.ExecuteActivity(sctx, ActivitySendBulletin, in.Deployment, id).Get(ctx, nil); err != nil {
			return ids, err
		}
	}
	return ids, nil
}
