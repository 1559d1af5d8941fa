package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"

	"rectify/workflows/weakcase/weakcasemsg"
)

// StartMissingCases starts the workflow of every weak case that Determine committed but
// whose workflow never started (the start failed after the commit and nobody retried), and
// returns how many it started. A case whose workflow exists, running or not, is left alone:
// starting is idempotent for a running one, and a closed one is not brought back from its
// input.
func (s *System) StartMissingCases(ctx context.Context) (started int, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("app.StartMissingCases: %w", err)
		}
	}()
	ids, err := s.Weak.UnstartedCases(ctx)
	if err != nil {
		return 0, err
	}
	cases := s.weakBranch(s.Temporal, nil)
	var errs []error
	for _, id := range ids {
		_, err := s.Temporal.DescribeWorkflowExecution(ctx, weakcasemsg.WorkflowID(s.Deployment, id), "")
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			continue
		case !errors.As(err, &nf):
			errs = append(errs, fmt.Errorf("case %d: describe: %w", id, err))
			continue
		}
		if err := cases.StartCase(ctx, id); err != nil {
			errs = append(errs, err)
			continue
		}
		slog.Warn("started the workflow of a weak case left without one", "case_id", id)
		started++
	}
	return started, errors.Join(errs...)
}

// Reconcile runs StartMissingCases now and then every interval until ctx ends; the worker
// runs it. A Temporal Schedule would need a workflow of its own; a ticker in every worker is
// enough because starting is idempotent, so two workers sweeping at once start a case once.
func (s *System) Reconcile(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := s.StartMissingCases(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			slog.Error("reconciling weak cases", "err", err)
		case n > 0:
			slog.Info("reconciled weak cases", "started", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
