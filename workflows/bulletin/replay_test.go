package bulletin

import (
	"testing"

	"rectify/internal/replaytest"
)

// The recorded bulletin history replays against the current code.
func TestRecordedHistoriesReplay(t *testing.T) {
	replaytest.All(t, map[string]any{"BulletinWorkflow": BulletinWorkflow})
}
