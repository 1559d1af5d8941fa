// Package testenv gives tests real parts: a fresh PostgreSQL database per test package and a
// Temporal dev server built from the pinned CLI in ./bin; and the few checks tests of several
// packages share (a refusal that names its field, calls run at once, a closed port, a
// workbook to read back).
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

// Database is a throwaway database and the URLs of the three roles that use it.
type Database struct {
	// AdminURL is the superuser's: fixtures that no role of the app could write.
	AdminURL string
	// OwnerURL is db.OwnerRole's, which migrates.
	OwnerURL string
	// AppURL is db.AppRole's, as serve, worker and dev connect.
	AppURL string
}

// NewDatabase creates a database with a random name, owned by db.OwnerRole and migrated,
// with db.AppRole's grants, and returns it and a function that drops it.
func NewDatabase(ctx context.Context) (Database, func(), error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "rectify_test_" + hex.EncodeToString(b[:])
	admin, err := db.WithDatabase(BaseURL(), name)
	if err != nil {
		return Database{}, nil, err
	}
	drop := func() { _ = db.DropDatabase(context.Background(), admin) }
	owner, app, err := db.Provision(ctx, BaseURL(), name)
	if err != nil {
		drop()
		return Database{}, nil, err
	}
	return Database{AdminURL: admin, OwnerURL: owner, AppURL: app}, drop, nil
}

// Open gives a test its own migrated database, dropped when the test ends.
func Open(t testing.TB) Database {
	t.Helper()
	d, drop, err := NewDatabase(context.Background())
	if err != nil {
		t.Fatalf("testenv.Open: %v", err)
	}
	t.Cleanup(drop)
	return d
}

// Pool gives a test its own migrated database and a pool connected as the app's role, so
// that a test needing more than the app may do fails as the app would; it returns the app's
// URL too. Both are closed or dropped when the test ends.
func Pool(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	d := Open(t)
	return connect(t, d.AppURL), d.AppURL
}

// AdminPool is a pool on the database as the superuser, for fixtures the app may not write.
func AdminPool(t testing.TB, d Database) *pgxpool.Pool { return connect(t, d.AdminURL) }

func connect(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := db.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}
