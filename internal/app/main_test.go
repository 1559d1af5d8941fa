package app_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"rectify/internal/apptest"
)

// temporalAddr is the dev server every test in this package shares.
var temporalAddr string

func TestMain(m *testing.M) {
	srv, err := apptest.StartTemporal(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "dev server:", err)
		os.Exit(1)
	}
	temporalAddr = srv.FrontendHostPort()
	code := m.Run()
	_ = srv.Stop()
	os.Exit(code)
}
