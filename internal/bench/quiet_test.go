package bench

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A week in which nothing happens costs an open unit workflow nothing from the quiet-days
// version on; before it, the workflow woke and wrote every midnight.
func TestAQuietWeekCostsNothing(t *testing.T) {
	before, err := RunQuietWeek(true)
	require.NoError(t, err)
	// The old code wakes at each midnight, and on Tuesday also for the three not-signed-for
	// reminders whose timers outlived the acknowledgements; it rewrites the working days left
	// on working days.
	require.Equal(t, [7]int{4, 1, 1, 1, 1, 1, 1}, before.Wakes)
	require.Equal(t, [7]int{1, 1, 1, 1, 0, 0, 1}, before.Writes)
	after, err := RunQuietWeek(false)
	require.NoError(t, err)
	require.Equal(t, [7]int{}, after.Wakes)
	require.Equal(t, [7]int{}, after.Writes)
}
