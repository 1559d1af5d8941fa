package weakcase

import (
	"testing"

	"rectify/internal/replaytest"
)

// The recorded case history replays against the current code.
func TestRecordedHistoriesReplay(t *testing.T) {
	replaytest.All(t, map[string]any{"CaseWorkflow": CaseWorkflow})
}
