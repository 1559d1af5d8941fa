package item

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"rectify/workflows/item/itemmsg"
	"rectify/workflows/weakcase"
)

func replayer(unit any) worker.WorkflowReplayer {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(unit, workflow.RegisterOptions{Name: "UnitOrderWorkflow"})
	r.RegisterWorkflowWithOptions(IssueOrderWorkflow, workflow.RegisterOptions{Name: "IssueOrderWorkflow"})
	r.RegisterWorkflowWithOptions(weakcase.CaseWorkflow, workflow.RegisterOptions{Name: "CaseWorkflow"})
	return r
}

// Every recorded history (testdata/*.json, written by internal/app's integration tests with
// RECORD_HISTORIES=1; the v0_ files were recorded before supervision existed and are kept so
// that the pre-supervision branch of UnitOrderWorkflow stays replayable) must replay against the current workflow code, and every workflow
// type must have one: a change to running code that is not behind workflow.GetVersion
// fails here.
func TestRecordedHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	types := map[string]bool{}
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(t, err)
		h, err := client.HistoryFromJSON(fh, client.HistoryJSONOptions{})
		fh.Close()
		require.NoError(t, err, f)
		types[h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()] = true
		require.NoError(t, replayer(UnitOrderWorkflow).ReplayWorkflowHistory(nil, h), f)
	}
	require.Equal(t, map[string]bool{"UnitOrderWorkflow": true, "IssueOrderWorkflow": true,
		"CaseWorkflow": true}, types)
}

// unversionedChange is UnitOrderWorkflow as someone might carelessly edit it: it no longer
// records the issued items first. Replaying real histories with it must fail.
func unversionedChange(ctx workflow.Context, in itemmsg.UnitOrderInput) error {
	return workflow.Await(ctx, func() bool { return false })
}

func TestReplayCatchesAnUnversionedChange(t *testing.T) {
	fh, err := os.Open("testdata/v0_unit_order_closed_after_return.json")
	require.NoError(t, err)
	defer fh.Close()
	h, err := client.HistoryFromJSON(fh, client.HistoryJSONOptions{})
	require.NoError(t, err)
	err = replayer(unversionedChange).ReplayWorkflowHistory(nil, h)
	require.Error(t, err)
	require.Contains(t, err.Error(), "nondeterministic")
}
