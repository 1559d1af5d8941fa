// Package reachable wraps the Temporal client that requests use, so that a call with the
// frontend gone fails fast with apperr Unavailable (503) instead of waiting out the request,
// and reads what a workflow's answer to an Update means to the person who sent it.
package reachable

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"rectify/internal/apperr"
	"rectify/internal/telemetry"
)

const (
	// temporalCheck bounds the health check that opens every Temporal call of a request:
	// with the frontend gone, the SDK would otherwise retry the connection for the whole
	// request budget before the person learns anything.
	temporalCheck = 3 * time.Second
	// temporalShortCall bounds calls that never wait for a worker (starting a workflow,
	// a signal, a cancel, a describe).
	temporalShortCall = 10 * time.Second
)

// temporalClient is the requests' Temporal client. Every call first makes sure the
// frontend answers within temporalCheck, and fails fast with Unavailable (503) when it
// does not. Calls that do not wait for a worker are bounded by temporalShortCall; an
// Update or a query, once the frontend has it, runs on the request's own context and may
// take its normal time.
type temporalClient struct {
	client.Client
}

func (c temporalClient) reach(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, temporalCheck)
	defer cancel()
	_, err := c.Client.CheckHealth(cctx, &client.CheckHealthRequest{})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("temporal health check: %w", ctx.Err())
	}
	return &apperr.Error{Kind: apperr.Unavailable, Message: apperr.MsgUnavailable,
		Err: fmt.Errorf("temporal frontend did not answer within %s: %w", temporalCheck, err)}
}

// short runs a call that never waits for a worker under temporalShortCall.
func (c temporalClient) short(ctx context.Context, name string, call func(context.Context) error) error {
	if err := c.reach(ctx); err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, temporalShortCall)
	defer cancel()
	err := call(cctx)
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		return &apperr.Error{Kind: apperr.Unavailable, Message: apperr.MsgUnavailable,
			Err: fmt.Errorf("temporal %s took over %s: %w", name, temporalShortCall, err)}
	}
	return err
}

func (c temporalClient) ExecuteWorkflow(ctx context.Context, o client.StartWorkflowOptions, wf any, args ...any) (run client.WorkflowRun, err error) {
	telemetry.AddLogAttrs(ctx, slog.String("workflow_id", o.ID))
	err = c.short(ctx, "start", func(ctx context.Context) error {
		run, err = c.Client.ExecuteWorkflow(ctx, o, wf, args...)
		return err
	})
	return run, err
}

func (c temporalClient) SignalWorkflow(ctx context.Context, id, runID, name string, arg any) error {
	return c.short(ctx, "signal", func(ctx context.Context) error {
		return c.Client.SignalWorkflow(ctx, id, runID, name, arg)
	})
}

func (c temporalClient) SignalWithStartWorkflow(ctx context.Context, id, name string, arg any, o client.StartWorkflowOptions, wf any, args ...any) (run client.WorkflowRun, err error) {
	telemetry.AddLogAttrs(ctx, slog.String("workflow_id", id))
	err = c.short(ctx, "signal-with-start", func(ctx context.Context) error {
		run, err = c.Client.SignalWithStartWorkflow(ctx, id, name, arg, o, wf, args...)
		return err
	})
	return run, err
}

func (c temporalClient) CancelWorkflow(ctx context.Context, id, runID string) error {
	return c.short(ctx, "cancel", func(ctx context.Context) error { return c.Client.CancelWorkflow(ctx, id, runID) })
}

func (c temporalClient) DescribeWorkflow(ctx context.Context, id, runID string) (d *client.WorkflowExecutionDescription, err error) {
	err = c.short(ctx, "describe", func(ctx context.Context) error {
		d, err = c.Client.DescribeWorkflow(ctx, id, runID)
		return err
	})
	return d, err
}

func (c temporalClient) UpdateWorkflow(ctx context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	telemetry.AddLogAttrs(ctx, slog.String("workflow_id", o.WorkflowID))
	if err := c.reach(ctx); err != nil {
		return nil, err
	}
	return c.Client.UpdateWorkflow(ctx, o)
}

func (c temporalClient) UpdateWithStartWorkflow(ctx context.Context, o client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	if err := c.reach(ctx); err != nil {
		return nil, err
	}
	return c.Client.UpdateWithStartWorkflow(ctx, o)
}

func (c temporalClient) QueryWorkflow(ctx context.Context, id, runID, query string, args ...any) (converter.EncodedValue, error) {
	if err := c.reach(ctx); err != nil {
		return nil, err
	}
	return c.Client.QueryWorkflow(ctx, id, runID, query, args...)
}

// Temporal wraps c; a client already wrapped is returned as it is.
func Temporal(c client.Client) client.Client {
	if c == nil {
		return nil
	}
	if _, ok := c.(temporalClient); ok {
		return c
	}
	return temporalClient{c}
}
