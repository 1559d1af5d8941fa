package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"rectify/internal/soak"
)

// runSoak is `make soak`: SIGKILLs of the worker, the API and the dev server during
// issuance, a stream of actions and a reminder storm, then the checks (see docs/hardening.md).
// It exits non-zero when an invariant fails.
func runSoak(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	o := soak.Options{Out: os.Stdout}
	fs.StringVar(&o.TemporalCLI, "temporal", "bin/temporal", "path of the Temporal CLI")
	fs.StringVar(&o.Rectify, "rectify", "bin/rectify", "the rectify binary run as worker and API")
	fs.StringVar(&o.BaseDBURL, "db", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL URL; the soak database is created beside it")
	pragmas := fs.String("sqlite-pragmas", devSQLitePragmas, "comma-separated PRAGMA=VALUE for the dev server's SQLite file")
	fs.IntVar(&o.Orders, "orders", 8, "orders, each to its own villages, issued one after another through the kills")
	fs.IntVar(&o.Units, "units", 120, "villages per order")
	fs.IntVar(&o.Measures, "measures", 10, "measures per order")
	fs.IntVar(&o.People, "people", 5, "people a village; measure m is handled by post m mod people")
	fs.IntVar(&o.AckPercent, "ack", 40, "percent of items signed for over HTTP")
	fs.IntVar(&o.ProgressPercent, "progress", 30, "percent of those that then report progress")
	fs.IntVar(&o.Clients, "clients", 8, "HTTP clients acting at once")
	fs.IntVar(&o.Kills, "kills", 24, "SIGKILLs at least, spread evenly over worker, API and dev server")
	fs.IntVar(&o.MaxKills, "max-kills", 36, "more kills while issuance or the actions are unfinished, up to this many")
	fs.DurationVar(&o.UpMin, "up-min", 3*time.Second, "shortest time a process runs before the next kill")
	fs.DurationVar(&o.UpMax, "up-max", 10*time.Second, "longest time a process runs before the next kill")
	fs.DurationVar(&o.DownMin, "down-min", 200*time.Millisecond, "shortest pause before a killed process is started again")
	fs.DurationVar(&o.DownMax, "down-max", 3*time.Second, "longest pause before a killed process is started again")
	fs.Uint64Var(&o.Seed, "seed", 0, "random seed (0: from the clock; printed)")
	fs.DurationVar(&o.Drain, "drain", 5*time.Minute, "how long the system may take to settle after the last kill")
	fs.DurationVar(&o.DupWindow, "dup-window", 5*time.Second, "a duplicate message counts as explained when a worker was killed this soon after its first copy")
	fs.BoolVar(&o.Keep, "keep", false, "keep the database, logs and dev server file even when every check passes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.DevServerArgs = pragmaArgs(*pragmas)
	switch {
	case o.Orders < 1 || o.Units < 1 || o.Measures < 1 || o.People < 1:
		return errors.New("soak: -orders, -units, -measures and -people must be at least 1")
	case o.Kills < 3:
		return errors.New("soak: -kills must be at least 3 (one for each process)")
	case o.Clients < 1:
		return errors.New("soak: -clients must be at least 1")
	}
	o.MaxKills = max(o.MaxKills, o.Kills)
	res, err := soak.Run(ctx, o)
	if err != nil {
		return err
	}
	if len(res.Failures) > 0 {
		return fmt.Errorf("soak: %d invariants failed (seed %d)", len(res.Failures), res.Seed)
	}
	return nil
}
