// Package testenv gives tests real parts: a fresh PostgreSQL database per test package and a
// Temporal dev server built from the pinned CLI in ./bin.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/db"
)

// BaseURL is where tests find PostgreSQL; TEST_DATABASE_URL overrides it. The database
// named in it is only used to create throwaway databases beside it.
func BaseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// RepoRoot finds the module root by asking the go tool.
func RepoRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("testenv.RepoRoot: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// TemporalCLI is the path of the pinned Temporal CLI that `make bin/temporal` builds.
func TemporalCLI() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, "bin", "temporal")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("testenv: %s missing, run `make bin/temporal`: %w", p, err)
	}
	return p, nil
}

// NewDatabase creates and migrates a database with a random name and returns its URL and a
// function that drops it.
func NewDatabase(ctx context.Context) (string, func(), error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rectify_test_" + hex.EncodeToString(b[:])
	base := BaseURL()
	i := strings.LastIndex(base, "/")
	q := ""
	if j := strings.Index(base[i:], "?"); j >= 0 {
		q = base[i+j:]
	}
	url := base[:i] + "/" + name + q
	if err := db.EnsureDatabase(ctx, url); err != nil {
		return "", nil, err
	}
	drop := func() { _ = db.DropDatabase(context.Background(), url) }
	if err := db.Migrate(ctx, url); err != nil {
		drop()
		return "", nil, err
	}
	return url, drop, nil
}

// Pool gives a test its own migrated database, dropped when the test ends.
func Pool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx := context.Background()
	url, drop, err := NewDatabase(ctx)
	if err != nil {
		t.Fatalf("testenv.Pool: %v", err)
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		drop()
		t.Fatalf("testenv.Pool: %v", err)
	}
	t.Cleanup(func() { pool.Close(); drop() })
	return pool, url
}
