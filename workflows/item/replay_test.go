package item

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/replaytest"
	"rectify/workflows/item/itemmsg"
)

// The recorded histories (testdata/*.json; the v0_ files were recorded before supervision
// existed and keep the pre-supervision branch of UnitOrderWorkflow replayable) replay
// against the current code.
func TestRecordedHistoriesReplay(t *testing.T) {
	replaytest.All(t, map[string]any{"UnitOrderWorkflow": UnitOrderWorkflow, "IssueOrderWorkflow": IssueOrderWorkflow})
}

// unversionedChange is UnitOrderWorkflow as someone might carelessly edit it: it no longer
// records the issued items first. Replaying real histories with it must fail.
func unversionedChange(ctx workflow.Context, in itemmsg.UnitOrderInput) error {
	return workflow.Await(ctx, func() bool { return false })
}

func TestReplayCatchesAnUnversionedChange(t *testing.T) {
	h := replaytest.Histories(t)["testdata/v0_unit_order_closed_after_return.json"]
	require.NotNil(t, h)
	err := replaytest.Replayer(map[string]any{"UnitOrderWorkflow": unversionedChange}).ReplayWorkflowHistory(nil, h)
	require.Error(t, err)
	require.Contains(t, err.Error(), "nondeterministic")
}
