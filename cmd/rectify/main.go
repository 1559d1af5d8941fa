// Command rectify runs Rectify (整改督办): `worker` and `serve` for production, `dev` for a
// whole local system with the Temporal dev server and a demo county, plus admin commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/app"
	"rectify/internal/bench"
	"rectify/internal/calendar"
	"rectify/internal/db"
	"rectify/internal/holidays"
	"rectify/internal/org"
	"rectify/internal/telemetry"
)

const usage = `rectify — 整改督办 supervision engine

Usage:
  rectify dev                 Temporal dev server, database, demo county, worker and API together
  rectify worker              run the Temporal worker
  rectify serve               run the HTTP API
  rectify bootstrap           as the PostgreSQL superuser (ADMIN_DATABASE_URL): create the owner
                              role and the database it owns (rectify dev does this itself)
  rectify migrate             as the owner (MIGRATE_DATABASE_URL): create the database if needed,
                              migrate it and grant the app role (DATABASE_URL) what it needs
  rectify org load FILE       load units and people from a .json or .csv file
  rectify demo                load the demo county and issue its orders (once; needs a worker running)
  rectify import -issuer LOGIN [-title T] FILE
                              import a problem list (.xlsx/.csv) as a draft order
  rectify workdays add DATE N | is DATE | between A B
                              working-day arithmetic with China's holidays (调休 included)
  rectify mailsink [DIR]      a local SMTP server on SMTP_HOST:SMTP_PORT that keeps messages
                              under DIR (default var/mail)
  rectify bench               issuance benchmark (see README)
  rectify bench-reminders     reminder delivery benchmark (see README)
  rectify bench-quiet         what one open unit workflow costs over a week without events (before/after quiet days)
  rectify bench-ledger export|import
                              ledger export of 100,000 rows, problem list import of 10,000
  rectify bench-read          read benchmark: a province of 1,000,000 items loaded with COPY,
                              dashboards, lists and ledger over HTTP (docs/benchmarks-read.md)
  rectify soak                kill soak: SIGKILLs of worker, API and dev server under load (see docs/hardening.md)

Configuration is read from the environment; see README.md.
`

func main() {
	// Records logged with a request's context carry its request id, person and workflow id.
	slog.SetDefault(slog.New(telemetry.LogHandler{Handler: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "rectify:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Print(usage)
		return errors.New("no command given")
	}
	cfg, err := app.ConfigFromEnv()
	if err != nil {
		return err
	}
	// Before any worker of this process starts (worker, dev and the benchmarks start theirs
	// later); the SDK reads it once.
	cfg.SetStickyCache()
	switch args[0] {
	case "dev":
		return runDev(ctx, cfg)
	case "worker":
		return withSystem(ctx, cfg, func(s *app.System) error {
			if err := s.EnsureSchedules(ctx); err != nil {
				return err
			}
			w := s.Worker()
			go s.Reconcile(ctx, cfg.ReconcileEvery)
			if cfg.OpsListen != "" {
				go func() {
					if err := s.ServeOps(ctx, cfg.OpsListen); err != nil {
						slog.Error("worker: metrics and readiness", "addr", cfg.OpsListen, "error", err)
					}
				}()
			}
			slog.Info("worker started", "temporal", cfg.TemporalAddress, "task_queue", cfg.TaskQueue, "ops", cfg.OpsListen)
			return w.Run(stopOn(ctx))
		})
	case "serve":
		return withSystem(ctx, cfg, func(s *app.System) error {
			slog.Info("API listening", "addr", "http://"+cfg.Listen)
			return s.Serve(ctx)
		})
	case "bootstrap":
		owner, err := cfg.MigrateURL()
		if err != nil {
			return err
		}
		return db.Bootstrap(ctx, cfg.AdminDatabaseURL, owner)
	case "migrate":
		owner, err := cfg.MigrateURL()
		if err != nil {
			return err
		}
		if err := db.EnsureDatabase(ctx, owner); err != nil {
			return err
		}
		return db.Migrate(ctx, owner, cfg.DatabaseURL)
	case "org":
		if len(args) != 3 || args[1] != "load" {
			return errors.New("usage: rectify org load FILE")
		}
		pool, err := app.OpenDatabase(ctx, cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		return org.RunLoad(ctx, org.NewStore(pool), args[2], os.Stdout)
	case "demo":
		return withSystem(ctx, cfg, func(s *app.System) error { return loadDemo(ctx, s) })
	case "bench":
		return runBench(ctx, args[1:])
	case "bench-ledger":
		return runLedgerBench(ctx, args[1:])
	case "bench-reminders":
		return runReminderBench(ctx, args[1:])
	case "bench-quiet":
		return bench.PrintQuietWeek(os.Stdout)
	case "bench-read":
		return runReadBench(ctx, args[1:])
	case "soak":
		return runSoak(ctx, args[1:])
	case "import":
		return runImport(ctx, cfg, args[1:])
	case "workdays":
		return workdays(ctx, cfg, args[1:])
	case "mailsink":
		// make prod runs its own beside make run's: another port and directory.
		dir := "var/mail"
		if len(args) > 1 {
			dir = args[1]
		}
		return runMailSink(ctx, fmt.Sprintf("%s:%d", cfg.Notify.SMTP.Host, cfg.Notify.SMTP.Port), dir)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Print(usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func withSystem(ctx context.Context, cfg app.Config, f func(*app.System) error) error {
	s, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return f(s)
}

// workdays answers from the embedded table, the configured year files and, when the
// database is reachable, the years uploaded by staff.
func workdays(ctx context.Context, cfg app.Config, args []string) error {
	var pool *pgxpool.Pool
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if p, err := db.Open(dctx, cfg.DatabaseURL); err == nil {
		pool = p
		defer p.Close()
	}
	hs, err := holidays.NewStore(pool, cfg.HolidayFiles)
	if err != nil {
		return err
	}
	cal, err := hs.Current(ctx)
	if err != nil && pool != nil {
		hs, _ = holidays.NewStore(nil, cfg.HolidayFiles) // an old schema: fall back to the files
		cal, err = hs.Current(ctx)
	}
	if err != nil {
		return err
	}
	return calendar.Command(cal, args, os.Stdout)
}

// stopOn adapts a context to the channel worker.Run waits on.
func stopOn(ctx context.Context) <-chan any {
	ch := make(chan any)
	go func() { <-ctx.Done(); close(ch) }()
	return ch
}
