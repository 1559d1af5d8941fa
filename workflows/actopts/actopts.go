// Package actopts is the one place that says how long the workflows' activities may run and
// how they are retried. Each function names what an activity does and returns ctx with the
// options for it, so that two workflows doing the same kind of work cannot drift apart.
//
// Options are not part of a workflow's recorded history in a way replay compares, but they
// decide what happens when PostgreSQL, Temporal or a mail server is slow or down: change
// them here on purpose, not at a call site.
package actopts

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// backoff doubles the wait between attempts from initial up to max, without a limit on
// attempts: the activity's own timeouts bound it.
func backoff(initial, max time.Duration) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: initial, BackoffCoefficient: 2, MaximumInterval: max}
}

// local is ctx for local activities that may take total in all (0: no bound but the
// workflow task's) and attempt for one attempt; a nil retry is the SDK's default.
func local(ctx workflow.Context, total, attempt time.Duration, retry *temporal.RetryPolicy) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: total, StartToCloseTimeout: attempt, RetryPolicy: retry,
	})
}

// remote is ctx for activities run by a worker: attempt bounds one attempt, which must
// heartbeat at least every heartbeat (0: no heartbeat); a nil retry is the server's default.
func remote(ctx workflow.Context, attempt, heartbeat time.Duration, retry *temporal.RetryPolicy) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: attempt, HeartbeatTimeout: heartbeat, RetryPolicy: retry,
	})
}

// LocalWrite is a read-model write run as a local activity inside the workflow task, so a
// step costs no extra server round trip. It retries for up to an hour until the database
// answers.
func LocalWrite(ctx workflow.Context) workflow.Context {
	return local(ctx, time.Hour, 10*time.Second, backoff(200*time.Millisecond, 10*time.Second))
}

// ActionWrite bounds the read-model write a person's action waits for: well inside the
// API's request budget, so a person is never told "failed" about an action that took
// effect. A write that does not answer in time is left to the workflow's main loop, which
// retries it with LocalWrite.
func ActionWrite(ctx workflow.Context) workflow.Context {
	return local(ctx, 5*time.Second, 4*time.Second, backoff(100*time.Millisecond, time.Second))
}

// CalendarRead is the unit workflows' read of the holiday table: ten seconds in all, with
// the SDK's default retries inside them. (The case workflow reads it with LocalWrite.)
func CalendarRead(ctx workflow.Context) workflow.Context {
	return local(ctx, 0, 10*time.Second, nil)
}

// StartWorkflows is a long fan-out that starts workflows and heartbeats its progress, so a
// crashed attempt resumes where it was.
func StartWorkflows(ctx workflow.Context) workflow.Context {
	return remote(ctx, 2*time.Hour, 10*time.Second,
		&temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second})
}

// SignalWorkflows is a fan-out that signals running workflows, heartbeating as it goes.
// Retries are the server's defaults.
func SignalWorkflows(ctx workflow.Context) workflow.Context {
	return remote(ctx, time.Hour, 30*time.Second, nil)
}

// SendNotices delivers one send slot's reminders to many people, heartbeating per person;
// people not reached are retried with a growing wait of up to ten minutes.
func SendNotices(ctx workflow.Context) workflow.Context {
	return remote(ctx, time.Hour, 20*time.Second, backoff(5*time.Second, 10*time.Minute))
}

// Compute reads the database and keeps a result (a bulletin and its spreadsheet).
func Compute(ctx workflow.Context) workflow.Context {
	return remote(ctx, 10*time.Minute, 0, backoff(10*time.Second, 10*time.Minute))
}

// SendMail emails something already kept; a mail server that is down is retried without
// end, waiting up to an hour between tries: it delays the messages and nothing else.
func SendMail(ctx workflow.Context) workflow.Context {
	return remote(ctx, 5*time.Minute, 0, backoff(30*time.Second, time.Hour))
}

// Notify tells a few people something, once each.
func Notify(ctx workflow.Context) workflow.Context {
	return remote(ctx, time.Minute, 0, backoff(10*time.Second, 10*time.Minute))
}
