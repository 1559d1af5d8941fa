package main

import (
	"context"
	"flag"
	"os"

	"rectify/internal/bench"
)

// runBench is `make bench`: issuance of 20 measures to 3,000 units on the embedded dev
// server, with the dev server's bare start rate for comparison.
func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := bench.Options{Out: os.Stdout}
	fs.StringVar(&o.TemporalCLI, "temporal", "bin/temporal", "path of the Temporal CLI")
	fs.StringVar(&o.BaseDBURL, "db", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL; the bench database is created beside it")
	fs.IntVar(&o.Units, "units", 3000, "target units")
	fs.IntVar(&o.Measures, "measures", 20, "measures in the order (a multiple of 4)")
	fs.IntVar(&o.BareStarts, "bare", 2000, "bare one-timer workflows started for comparison")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "workflow starts in flight")
	pragmas := fs.String("sqlite-pragmas", devSQLitePragmas, "comma-separated PRAGMA=VALUE for the dev server's SQLite file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.DevServerArgs = pragmaArgs(*pragmas)
	_, err := bench.Run(ctx, o)
	return err
}
