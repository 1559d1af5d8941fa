package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"os"

	"rectify/internal/bench"
)

// benchFlags are the flags the benchmarks share; parse reads args into them, and into the
// flags the caller added meanwhile.
func benchFlags(name string) (fs *flag.FlagSet, o *bench.Options, parse func(args []string) error) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	o = &bench.Options{Out: os.Stdout}
	fs.StringVar(&o.TemporalCLI, "temporal", "bin/temporal", "path of the Temporal CLI")
	fs.StringVar(&o.BaseDBURL, "db", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL; the bench database is created beside it")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "workflow starts in flight")
	pragmas := fs.String("sqlite-pragmas", devSQLitePragmas, "comma-separated PRAGMA=VALUE for the dev server's SQLite file")
	return fs, o, func(args []string) error {
		if err := fs.Parse(args); err != nil {
			return err
		}
		o.DevServerArgs = pragmaArgs(*pragmas)
		return nil
	}
}

// runBench is `make bench`: issuance of 20 measures to 3,000 units on the embedded dev
// server, with the dev server's bare start rate for comparison.
func runBench(ctx context.Context, args []string) error {
	fs, o, parse := benchFlags("bench")
	fs.IntVar(&o.Units, "units", 3000, "target units")
	fs.IntVar(&o.Measures, "measures", 20, "measures in the order (a multiple of 4)")
	fs.IntVar(&o.BareStarts, "bare", 2000, "bare one-timer workflows started for comparison")
	if err := parse(args); err != nil {
		return err
	}
	_, err := bench.Run(ctx, *o)
	return err
}

// runLedgerBench is `rectify bench-ledger export|import`: each in its own process, so the
// export's peak RSS is its own.
func runLedgerBench(ctx context.Context, args []string) error {
	fs, o, parse := benchFlags("bench-ledger")
	rows := fs.Int("rows", 0, "rows (default 100,000 for export, 10,000 for import)")
	if err := parse(args); err != nil {
		return err
	}
	switch fs.Arg(0) {
	case "export":
		return bench.RunLedgerExport(o.Out, cmp.Or(*rows, 100000))
	case "import":
		return bench.RunLedgerImport(ctx, o.Out, o.BaseDBURL, cmp.Or(*rows, 10000))
	}
	return errors.New("usage: rectify bench-ledger export|import [-rows N]")
}

// runReminderBench is the second half of `make bench`: 10,000 reminders due at one instant.
func runReminderBench(ctx context.Context, args []string) error {
	fs, o, parse := benchFlags("bench-reminders")
	people := fs.Int("reminders", 10000, "reminders due at once (one per person)")
	if err := parse(args); err != nil {
		return err
	}
	_, err := bench.RunReminders(ctx, *o, *people)
	return err
}

// runReadBench is `make bench-read`: a province loaded straight into PostgreSQL, then the
// read side over HTTP against its latency targets.
func runReadBench(ctx context.Context, args []string) error {
	fs, o, parse := benchFlags("bench-read")
	ro := bench.ReadOptions{Shape: bench.ProvinceShape}
	fs.IntVar(&ro.Shape.Cities, "cities", ro.Shape.Cities, "cities below the province")
	fs.IntVar(&ro.Shape.CountiesPerCity, "counties", ro.Shape.CountiesPerCity, "counties per city")
	fs.IntVar(&ro.Shape.TownshipsPerCounty, "townships", ro.Shape.TownshipsPerCounty, "townships per county")
	fs.IntVar(&ro.Shape.VillagesPerTownship, "villages", ro.Shape.VillagesPerTownship, "villages per township")
	fs.IntVar(&ro.Shape.Items, "items", ro.Shape.Items, "items, spread over townships and villages")
	fs.IntVar(&ro.Requests, "requests", 1000, "requests per case")
	fs.IntVar(&ro.LedgerRequests, "ledger-requests", 20, "requests of the ledger export")
	fs.IntVar(&ro.Clients, "clients", 1, "clients sending at once (1: one request after another)")
	fs.BoolVar(&o.KeepDatabase, "keep", false, "keep the bench database afterwards, to EXPLAIN its queries by hand")
	if err := parse(args); err != nil {
		return err
	}
	return bench.RunRead(ctx, *o, ro)
}
