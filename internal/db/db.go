// Package db opens the PostgreSQL pool and applies the embedded schema migrations. List
// collects the rows of the stores' list queries.
package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// ConnectTimeout bounds one connection attempt when DATABASE_URL sets no connect_timeout.
const ConnectTimeout = 5 * time.Second

// Open connects a pool and checks the connection.
func Open(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("db.Open: parse DATABASE_URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "Asia/Shanghai"
	// A database host that drops packets must not hold a request for its whole budget:
	// a connection attempt fails after a few seconds and the API answers 503.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = ConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db.Open: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db.Open: ping: %w", err)
	}
	return pool, nil
}

// OwnerRole and AppRole are the database roles of a local installation. The owner runs
// migrations and owns every table; the app (serve, worker, dev) connects as a role that owns
// nothing, may read and write the working tables, and may only read and insert into the
// append-only ones (audit trails, sampling draws, holiday versions): it cannot update,
// delete or truncate them, nor drop or disable their triggers, which needs ownership.
const (
	OwnerRole = "rectify_owner"
	AppRole   = "rectify_app"
)

// Migrate brings the schema to the newest version as the owner at ownerURL, then makes sure
// the role that appURL names exists (LOGIN, with appURL's password if it has one) and holds
// exactly the app's grants in this database. tern's advisory lock makes concurrent callers
// (worker and API starting together) safe; the grants take their own lock.
func Migrate(ctx context.Context, ownerURL, appURL string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("db.Migrate: connect: %w", err)
	}
	defer conn.Close(ctx)
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		return fmt.Errorf("db.Migrate: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("db.Migrate: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("db.Migrate: load: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("db.Migrate: %w", err)
	}
	if err := grantApp(ctx, conn, appURL); err != nil {
		return fmt.Errorf("db.Migrate: %w", err)
	}
	return nil
}

// appendOnlyTablesSQL finds the tables guarded by the append_only trigger: the app may only
// read and insert into them.
const appendOnlyTablesSQL = `SELECT DISTINCT c.relname FROM pg_trigger t
	JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_proc p ON p.oid = t.tgfoid
	WHERE n.nspname = 'public' AND p.proname = 'append_only' AND NOT t.tgisinternal ORDER BY 1`

// grantApp creates the app role if needed and sets its grants, in one transaction so that
// the app never sees a moment without them.
func grantApp(ctx context.Context, conn *pgx.Conn, appURL string) error {
	cfg, err := pgx.ParseConfig(appURL)
	if err != nil {
		return fmt.Errorf("app database URL: %w", err)
	}
	var owner string
	var super bool
	if err := conn.QueryRow(ctx, `SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = $1) IS TRUE`, cfg.User).Scan(&owner, &super); err != nil {
		return err
	}
	if cfg.User == "" || cfg.User == owner || super {
		// Nothing to grant to the owner or a superuser; app.Open warns about running so.
		return nil
	}
	app := pgx.Identifier{cfg.User}.Sanitize()
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Concurrent GRANTs on one object fail with "tuple concurrently updated".
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('rectify.grants'))`); err != nil {
			return err
		}
		if err := createRole(ctx, tx, app, "LOGIN"); err != nil {
			return err
		}
		if cfg.Password != "" {
			if _, err := tx.Exec(ctx, "ALTER ROLE "+app+" PASSWORD "+quoteLiteral(cfg.Password)); err != nil {
				return fmt.Errorf("set the app role's password: %w", err)
			}
		}
		// PostgreSQL 15 no longer lets everyone create in public; make sure of it where we may.
		if err := pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			_, err := sp.Exec(ctx, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
			return err
		}); err != nil && pgCode(err) != "42501" {
			return fmt.Errorf("revoke create on schema public: %w", err)
		}
		rows, err := tx.Query(ctx, appendOnlyTablesSQL)
		if err != nil {
			return err
		}
		appendOnly, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(appendOnly) == 0 {
			return fmt.Errorf("no append-only tables found: the audit trail would be unprotected")
		}
		stmts := []string{
			"GRANT USAGE ON SCHEMA public TO " + app,
			"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM " + app,
			"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + app,
			"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + app,
			"REVOKE INSERT, UPDATE, DELETE ON schema_version FROM " + app,
		}
		for _, t := range appendOnly {
			stmts = append(stmts, "REVOKE UPDATE, DELETE ON "+pgx.Identifier{t}.Sanitize()+" FROM "+app)
		}
		for _, st := range stmts {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
		}
		return nil
	})
}

// createRole creates a role unless it exists. Roles belong to the whole cluster while many
// databases (tests) are set up at once, so a concurrent creation is not an error.
func createRole(ctx context.Context, conn interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, role, options string) error {
	_, err := conn.Exec(ctx, `DO $$ BEGIN CREATE ROLE `+role+` `+options+`;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`)
	if err != nil {
		return fmt.Errorf("create role %s: %w", role, err)
	}
	return nil
}

// quoteLiteral quotes s as an SQL string literal (standard_conforming_strings is on).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Bootstrap prepares a local server as its superuser at adminURL: the owner role that
// ownerURL names (LOGIN CREATEROLE CREATEDB, with ownerURL's password if any) and the
// database ownerURL names, owned by it. A database made before roles existed is handed over
// with everything in it. Safe to run again and concurrently.
func Bootstrap(ctx context.Context, adminURL, ownerURL string) error {
	ocfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return fmt.Errorf("db.Bootstrap: owner database URL: %w", err)
	}
	if ocfg.User == "" || ocfg.Database == "" {
		return fmt.Errorf("db.Bootstrap: the owner database URL must name a user and a database")
	}
	owner := pgx.Identifier{ocfg.User}.Sanitize()
	name := pgx.Identifier{ocfg.Database}.Sanitize()
	admin, err := WithDatabase(adminURL, "postgres")
	if err != nil {
		return fmt.Errorf("db.Bootstrap: %w", err)
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("db.Bootstrap: connect as the administrator: %w", err)
	}
	defer conn.Close(ctx)
	if err := createRole(ctx, conn, owner, "LOGIN CREATEROLE CREATEDB"); err != nil {
		return fmt.Errorf("db.Bootstrap: %w", err)
	}
	if ocfg.Password != "" {
		if _, err := conn.Exec(ctx, "ALTER ROLE "+owner+" PASSWORD "+quoteLiteral(ocfg.Password)); err != nil {
			return fmt.Errorf("db.Bootstrap: owner password: %w", err)
		}
	}
	var dbOwner string
	err = conn.QueryRow(ctx, `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1`, ocfg.Database).Scan(&dbOwner)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" OWNER "+owner)
		if pgCode(err) == "42P04" { // created meanwhile
			err = nil
		}
		if err != nil {
			return fmt.Errorf("db.Bootstrap: create %s: %w", name, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("db.Bootstrap: %w", err)
	case dbOwner == ocfg.User:
		return nil
	}
	// An older database: hand it and its objects to the owner.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" OWNER TO "+owner); err != nil {
		return fmt.Errorf("db.Bootstrap: %w", err)
	}
	inDB, err := WithDatabase(adminURL, ocfg.Database)
	if err != nil {
		return fmt.Errorf("db.Bootstrap: %w", err)
	}
	dconn, err := pgx.Connect(ctx, inDB)
	if err != nil {
		return fmt.Errorf("db.Bootstrap: connect to %s: %w", name, err)
	}
	defer dconn.Close(ctx)
	if _, err := dconn.Exec(ctx, strings.ReplaceAll(adoptSQL, "OWNER_ROLE", owner)); err != nil {
		return fmt.Errorf("db.Bootstrap: hand %s over: %w", name, err)
	}
	return nil
}

// adoptSQL gives the owner every table, view, free-standing sequence and function of the
// public schema (indexes and identity sequences follow their tables).
const adoptSQL = `DO $$ DECLARE r record; BEGIN
	FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
	LOOP
		EXECUTE format('ALTER %s public.%I OWNER TO OWNER_ROLE',
			CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.relname);
	END LOOP;
	FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
			AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
	LOOP
		EXECUTE format('ALTER FUNCTION %s OWNER TO OWNER_ROLE', r.sig);
	END LOOP;
END $$`

// WithUser is databaseURL with its user replaced and its password dropped.
func WithUser(databaseURL, user string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.User = url.User(user)
	return u.String(), nil
}

// WithDatabase is databaseURL naming another database on the same server.
func WithDatabase(databaseURL, name string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Provision makes a fresh database called name beside adminURL (a superuser's), owned by
// OwnerRole and migrated, with AppRole's grants; it returns the owner's and the app's URLs.
// Tests and benchmarks use it.
func Provision(ctx context.Context, adminURL, name string) (ownerURL, appURL string, err error) {
	inDB, err := WithDatabase(adminURL, name)
	if err != nil {
		return "", "", err
	}
	if ownerURL, err = WithUser(inDB, OwnerRole); err != nil {
		return "", "", err
	}
	if appURL, err = WithUser(inDB, AppRole); err != nil {
		return "", "", err
	}
	if err := Bootstrap(ctx, adminURL, ownerURL); err != nil {
		return "", "", err
	}
	if err := Migrate(ctx, ownerURL, appURL); err != nil {
		return "", "", err
	}
	return ownerURL, appURL, nil
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// EnsureDatabase creates the database named in databaseURL when it does not exist,
// connecting to the server's postgres database to do so.
func EnsureDatabase(ctx context.Context, databaseURL string) error {
	conn, name, err := maintenance(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("db.EnsureDatabase: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("db.EnsureDatabase: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("db.EnsureDatabase: create %s: %w", name, err)
	}
	return nil
}

// maintenance connects to the server's postgres database, from where the database that
// databaseURL names, returned too, can be created or dropped.
func maintenance(ctx context.Context, databaseURL string) (*pgx.Conn, string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, "", fmt.Errorf("parse: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return nil, "", errors.New("DATABASE_URL names no database")
	}
	admin := *u
	admin.Path = "/postgres"
	conn, err := pgx.Connect(ctx, admin.String())
	if err != nil {
		return nil, "", fmt.Errorf("connect: %w", err)
	}
	return conn, name, nil
}

// DropDatabase removes a database; tests use it to clean up after themselves.
func DropDatabase(ctx context.Context, databaseURL string) error {
	conn, name, err := maintenance(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("db.DropDatabase: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("db.DropDatabase: %w", err)
	}
	return nil
}

// DeploymentID is this database's id, which every workflow id starts with.
func DeploymentID(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	var id string
	if err := pool.QueryRow(ctx, `SELECT id FROM deployment`).Scan(&id); err != nil {
		return "", fmt.Errorf("deployment id: %w", err)
	}
	return id, nil
}

// Privileged reports whether pool's role could rewrite the audit trail: a superuser, or a
// role that may update audit_log or act as its owner; user is the role's name.
func Privileged(ctx context.Context, pool *pgxpool.Pool) (user string, privileged bool, err error) {
	err = pool.QueryRow(ctx, `SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
		OR has_table_privilege('audit_log', 'UPDATE') OR pg_has_role((SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'), 'USAGE')`).
		Scan(&user, &privileged)
	if err != nil {
		return "", false, fmt.Errorf("check the database role: %w", err)
	}
	return user, privileged, nil
}
