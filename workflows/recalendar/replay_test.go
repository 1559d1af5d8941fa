package recalendar

import (
	"testing"

	"rectify/internal/replaytest"
)

// The recorded fan-out history replays against the current code.
func TestRecordedHistoriesReplay(t *testing.T) {
	replaytest.All(t, map[string]any{"RecalendarWorkflow": RecalendarWorkflow})
}
