// Package replaytest replays the recorded histories in a workflow package's testdata
// against its current code. The histories are written by internal/app's integration tests
// (RECORD_HISTORIES=1); a change to running workflow code that is not behind
// workflow.GetVersion fails the replay.
package replaytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Replayer registers each workflow under its type name, as the worker does.
func Replayer(workflows map[string]any) worker.WorkflowReplayer {
	r := worker.NewWorkflowReplayer()
	for name, wf := range workflows {
		r.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: name})
	}
	return r
}

// Histories loads every testdata/*.json of the calling package.
func Histories(t *testing.T) map[string]*historypb.History {
	t.Helper()
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	out := map[string]*historypb.History{}
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(t, err)
		h, err := client.HistoryFromJSON(fh, client.HistoryJSONOptions{})
		fh.Close()
		require.NoError(t, err, f)
		out[f] = h
	}
	return out
}

// All replays every history in testdata against workflows (type name → function) and
// requires every one of those types to have at least one history.
func All(t *testing.T, workflows map[string]any) {
	t.Helper()
	r := Replayer(workflows)
	seen := map[string]bool{}
	for f, h := range Histories(t) {
		seen[h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()] = true
		require.NoError(t, r.ReplayWorkflowHistory(nil, h), f)
	}
	for name := range workflows {
		require.True(t, seen[name], "no recorded history of %s in testdata", name)
	}
	for name := range seen {
		_, ok := workflows[name]
		require.True(t, ok, "testdata holds a history of %s, which this package does not define", name)
	}
}
