package item

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"rectify/workflows/item/itemmsg"
)

// An Update delivered with the start (Update-with-Start, or a person acting the moment an
// order is issued) reaches the workflow before its first local activity has answered; it
// must wait for the run to be initialised and then be handled, not be refused as unknown.
func TestAnActionSentWithTheStartIsHandled(t *testing.T) {
	rec := &recorder{rows: map[string]itemmsg.ItemRow{}}
	env := newTestEnv(rec)
	got, failed := actOnce(env, 0, itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Acknowledge, Actor: township, Key: "ack-1"}, nil)
	env.ExecuteWorkflow(UnitOrderWorkflow, input())
	require.NoError(t, *failed)
	require.Equal(t, itemmsg.Acknowledged, got.State)
	require.Equal(t, itemmsg.Acknowledged, rec.rows["m1-u20"].State, "the read model has the action")
	var trail []itemmsg.Action
	for _, e := range rec.audit {
		if e.ItemID == "m1-u20" {
			trail = append(trail, e.Action)
		}
	}
	require.Equal(t, []itemmsg.Action{itemmsg.Issue, itemmsg.Acknowledge}, trail, "issued first, then acknowledged")
}

// flakyRecorder refuses item writes until told to recover, like a database that is down.
type flakyRecorder struct {
	*recorder
	down    bool
	refused int
}

func (f *flakyRecorder) RecordChange(ctx context.Context, in itemmsg.ChangeRecord) error {
	f.mu.Lock()
	down := f.down
	if down {
		f.refused++
	}
	f.mu.Unlock()
	if down {
		return errors.New("database unavailable")
	}
	return f.recorder.RecordChange(ctx, in)
}

// An action whose write does not answer within its budget has still taken effect: the
// person is told so (accepted, pending) with the revision, and the write lands later.
func TestAnActionWhoseWriteIsSlowIsAnsweredAcceptedAndRecordedLater(t *testing.T) {
	rec := &flakyRecorder{recorder: &recorder{rows: map[string]itemmsg.ItemRow{}}, down: true}
	env := newTestEnv(rec)
	got, failed := actOnce(env, time.Minute, itemmsg.ActionRequest{ItemID: "m1-u20", Action: itemmsg.Acknowledge, Actor: township}, func() {
		rec.mu.Lock()
		rec.down = false // the database comes back after the answer
		rec.mu.Unlock()
	})
	env.ExecuteWorkflow(UnitOrderWorkflow, input())
	require.NoError(t, *failed)
	require.Equal(t, itemmsg.Acknowledged, got.State)
	require.True(t, got.Pending, "the answer says the action is accepted and being recorded")
	require.EqualValues(t, 2, got.Revision)
	require.Positive(t, rec.refused)
	require.Equal(t, itemmsg.Acknowledged, rec.rows["m1-u20"].State, "the write landed once the database answered")
	n := 0
	for _, e := range rec.audit {
		if e.ItemID == "m1-u20" && e.Action == itemmsg.Acknowledge {
			n++
		}
	}
	require.Equal(t, 1, n, "one audit row for the action")
}

// actOnce delivers req after delay and records its answer; answered runs once it arrives.
func actOnce(env *testsuite.TestWorkflowEnvironment, delay time.Duration, req itemmsg.ActionRequest, answered func()) (*itemmsg.ActionResult, *error) {
	got, failed := new(itemmsg.ActionResult), new(error)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(itemmsg.UpdateAction, "once", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { *failed = err },
			OnComplete: func(v any, err error) {
				if err != nil {
					*failed = err
					return
				}
				*got = v.(itemmsg.ActionResult)
				if answered != nil {
					answered()
				}
			},
		}, req)
	}, delay)
	return got, failed
}
