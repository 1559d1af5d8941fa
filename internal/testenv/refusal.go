package testenv

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apperr"
)

// RequireNamedRefusal requires err to be an Invalid apperr.Error whose every problem names
// a field: what the fuzz tests ask of any input a reader or decoder refuses.
func RequireNamedRefusal(t testing.TB, err error) {
	t.Helper()
	e, ok := apperr.As(err)
	require.True(t, ok, "not an apperr.Error: %v", err)
	require.Equal(t, apperr.Invalid, e.Kind, "%v", err)
	require.NotEmpty(t, e.Field, "%v", err)
	for _, f := range e.Fields {
		require.NotEmpty(t, f.Field, "%+v", f)
	}
}
