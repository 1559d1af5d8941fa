package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sync/errgroup"

	"rectify/internal/app"
	"rectify/internal/db"
	"rectify/internal/demo"
	"rectify/internal/devserver"
	"rectify/internal/mailsink"
)

// runDev is what `make run` starts: the Temporal dev server on an SQLite file under ./var,
// the database, the demo county, and worker and API in this process. Ctrl-C stops it all.
func runDev(ctx context.Context, cfg app.Config) error {
	cli := os.Getenv("RECTIFY_TEMPORAL_CLI")
	if cli == "" {
		cli = "bin/temporal"
	}
	if err := os.MkdirAll("var", 0o750); err != nil {
		return err
	}
	uiPort := os.Getenv("RECTIFY_TEMPORAL_UI_PORT")
	if uiPort == "" {
		uiPort = "8233"
	}
	logf, err := os.OpenFile(filepath.Join("var", "temporal.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	defer logf.Close()
	slog.Info("starting Temporal dev server", "cli", cli, "db", "var/temporal.db", "log", "var/temporal.log")
	// The dev server is supervised: when it dies it is started again on the same SQLite
	// file (the API answers 503 meanwhile); when it keeps dying, `rectify dev` stops with
	// the reason.
	dev := devserver.New(devserver.Options{
		CLI:       cli,
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		DBFile:    filepath.Join("var", "temporal.db"),
		UIPort:    uiPort,
		LogLevel:  "error",
		Output:    logf,
		ExtraArgs: pragmaArgs(devSQLitePragmas),
	})
	// The system runs on sysCtx, which also ends when the supervisor gives up; the dev
	// server outlives the system so that the worker stops cleanly.
	sysCtx, stopSys := context.WithCancelCause(ctx)
	defer stopSys(nil)
	devCtx, stopDev := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan struct{})
	devDone := make(chan error, 1)
	go func() {
		err := dev.Run(devCtx, func() { close(ready) })
		if err != nil {
			err = fmt.Errorf("%w (see var/temporal.log)", err)
			stopSys(err)
		}
		devDone <- err
	}()
	defer func() { stopDev(); <-devDone }()
	select {
	case <-ready:
		if err := runDevSystem(sysCtx, cfg, uiPort); err != nil && context.Cause(sysCtx) == nil {
			return err
		}
	case <-sysCtx.Done():
	}
	if cause := context.Cause(sysCtx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// runDevSystem is the database, the mail sink, the demo, the worker and the API of
// `rectify dev`, once the dev server answers.
func runDevSystem(ctx context.Context, cfg app.Config, uiPort string) error {
	// The owner role and its database, as the local superuser; the app role is made by the
	// migration that app.Open runs.
	owner, err := cfg.MigrateURL()
	if err != nil {
		return err
	}
	if err := db.Bootstrap(ctx, cfg.AdminDatabaseURL, owner); err != nil {
		return fmt.Errorf("%w (rectify dev needs a PostgreSQL superuser at ADMIN_DATABASE_URL to create the roles)", err)
	}
	// Reminders go to a local SMTP server whose messages land in var/mail, unless SMTP is
	// pointed elsewhere.
	mailAddr := fmt.Sprintf("%s:%d", cfg.Notify.SMTP.Host, cfg.Notify.SMTP.Port)
	if os.Getenv("SMTP_HOST") == "" && os.Getenv("SMTP_PORT") == "" {
		sink, err := mailsink.Start(mailAddr, filepath.Join("var", "mail"))
		if err != nil {
			return err
		}
		defer sink.Close()
	}
	return withSystem(ctx, cfg, func(s *app.System) error {
		if err := s.EnsureSchedules(ctx); err != nil {
			return err
		}
		w := s.Worker()
		if err := w.Start(); err != nil {
			return err
		}
		defer w.Stop()
		go s.Reconcile(ctx, cfg.ReconcileEvery)
		if err := loadDemo(ctx, s); err != nil {
			return err
		}
		fmt.Printf(`
Rectify 整改督办 is running.
  API           http://%s   (OpenAPI: http://%[1]s/api/openapi.json)
  Temporal UI   http://127.0.0.1:%s
  Temporal      %s (namespace %s)
  PostgreSQL    %s
  Mail (SMTP)   %s   reminders land in var/mail (tail -f var/mail/index.log)
Demo sign-ins (password %q):
`, cfg.Listen, uiPort, cfg.TemporalAddress, cfg.TemporalNamespace, cfg.DatabaseURL, mailAddr, demo.Password)
		for _, si := range demo.SignIns {
			fmt.Printf("  %-10s %s\n", si.Login, si.Who)
		}
		fmt.Println("Press Ctrl-C to stop.")
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return s.Serve(gctx) })
		return g.Wait()
	})
}

// devSQLitePragmas put the dev server's SQLite file in WAL mode with normal syncing: safe
// against a crash of the process, and about three times the start rate of the default
// rollback journal on this machine (see README, benchmark).
const devSQLitePragmas = "journal_mode=wal,synchronous=normal"

func pragmaArgs(list string) []string {
	var args []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			args = append(args, "--sqlite-pragma", p)
		}
	}
	return args
}

func loadDemo(ctx context.Context, s *app.System) error {
	loaded, err := demo.Load(ctx, s.Pool, s.Temporal, s.Config.TaskQueue, s.Deployment)
	if err != nil {
		return err
	}
	if loaded {
		slog.Info("demo county 清河县 loaded and its order issued")
	} else {
		slog.Info("demo county already loaded; reusing the data")
	}
	if ok, err := demo.LoadCampaign(ctx, s.Pool, s.Temporal, s.Config.TaskQueue, s.Deployment); err != nil {
		return err
	} else if ok {
		slog.Info("demo weak-branch campaign 2026 loaded: one case rectifying, one accepted, one proposal declined")
	}
	// The pass-down story acts through the workflows: it needs a worker (rectify dev runs one).
	if ok, err := demo.LoadPassDown(ctx, s.Rectification(), s.Auth); err != nil {
		return err
	} else if ok {
		slog.Info("demo pass-down loaded: 城关镇 split its item for three branches (one closed); 河西乡's item reopened by a look-back")
	}
	return nil
}
