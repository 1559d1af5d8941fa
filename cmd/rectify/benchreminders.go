package main

import (
	"context"
	"flag"
	"os"

	"rectify/internal/bench"
)

// runReminderBench is the second half of `make bench`: 10,000 reminders due at one instant.
func runReminderBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench-reminders", flag.ContinueOnError)
	o := bench.Options{Out: os.Stdout}
	fs.StringVar(&o.TemporalCLI, "temporal", "bin/temporal", "path of the Temporal CLI")
	fs.StringVar(&o.BaseDBURL, "db", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL; the bench database is created beside it")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "workflow starts in flight")
	people := fs.Int("reminders", 10000, "reminders due at once (one per person)")
	pragmas := fs.String("sqlite-pragmas", devSQLitePragmas, "comma-separated PRAGMA=VALUE for the dev server's SQLite file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.DevServerArgs = pragmaArgs(*pragmas)
	_, err := bench.RunReminders(ctx, o, *people)
	return err
}
