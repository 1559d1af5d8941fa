package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/app"
	"rectify/internal/apptest"
)

// The pool is sized for the senders, not pgx's default of one connection a CPU (4 here),
// and RECTIFY_DB_MAX_CONNS sizes it otherwise.
func TestThePoolIsSizedForTheSenders(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true})
	require.EqualValues(t, app.Defaults().DBMaxConns, e.Sys.Pool.Config().MaxConns)
	require.EqualValues(t, 12, app.Defaults().DBMaxConns)
	sized := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: func(c *app.Config) {
		c.DBMaxConns = 7
	}})
	require.EqualValues(t, 7, sized.Sys.Pool.Config().MaxConns)
}
