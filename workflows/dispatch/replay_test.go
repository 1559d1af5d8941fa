package dispatch

import (
	"testing"

	"rectify/internal/replaytest"
)

// The recorded dispatcher history replays against the current code.
func TestRecordedHistoriesReplay(t *testing.T) {
	replaytest.All(t, map[string]any{"DispatchWorkflow": DispatchWorkflow})
}
