package testenv

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// RequireParses requires parse to read each key of want as its value and to refuse each
// of bad: the check of the readers that take a value or one of its Chinese names.
func RequireParses[T any](t testing.TB, parse func(string) (T, bool), want map[string]T, bad ...string) {
	t.Helper()
	for in, w := range want {
		got, ok := parse(in)
		require.True(t, ok, in)
		require.Equal(t, w, got, in)
	}
	for _, in := range bad {
		_, ok := parse(in)
		require.False(t, ok, in)
	}
}
