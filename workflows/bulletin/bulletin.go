// Package bulletin holds the workflow that computes, keeps and emails bulletins (通报) of
// the issuing departments, weekly, monthly and on demand, through the activities in
// activities/bulletinacts. Its messages are in bulletinmsg. Workflow code does no I/O.
package bulletin

import (
	"go.temporal.io/sdk/workflow"

	"rectify/activities/bulletinacts"
	"rectify/workflows/actopts"
	"rectify/workflows/bulletin/bulletinmsg"
)

// BulletinWorkflow computes, keeps and sends bulletins (通报). Schedules start it weekly and
// monthly; staff start it on demand. The period ends when the workflow runs.
func BulletinWorkflow(ctx workflow.Context, in bulletinmsg.BulletinInput) ([]int64, error) {
	end := workflow.Now(ctx)
	start := end.AddDate(0, 0, -7)
	if in.Kind == "monthly" {
		start = end.AddDate(0, -1, 0)
	}
	var a *bulletinacts.Activities
	actx := actopts.Compute(ctx)
	issuers := []int64{in.IssuerUnitID}
	if in.IssuerUnitID == 0 {
		if err := workflow.ExecuteActivity(actx, a.ListIssuers).Get(ctx, &issuers); err != nil {
			return nil, err
		}
	}
	var ids []int64
	for _, u := range issuers {
		var id int64
		if err := workflow.ExecuteActivity(actx, a.PublishBulletin, bulletinmsg.PublishInput{Deployment: in.Deployment,
			IssuerUnitID: u, Kind: in.Kind, Start: start, End: end}).Get(ctx, &id); err != nil {
			return ids, err
		}
		ids = append(ids, id)
	}
	// Kept first, sent second: a mail server that is down delays the messages, not the bulletins.
	sctx := actopts.SendMail(ctx)
	for _, id := range ids {
		if err := workflow.ExecuteActivity(sctx, a.SendBulletin, in.Deployment, id).Get(ctx, nil); err != nil {
			return ids, err
		}
	}
	return ids, nil
}
