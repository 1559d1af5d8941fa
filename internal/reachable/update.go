package reachable

import (
	"context"
	"errors"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/apperr"
)

// What the answer of a workflow Update means to the person who sent it. The item and the
// weak-branch case workflows refuse the same way (an ApplicationError whose type is an apperr
// code and whose detail is the field), so every service reads their answers alike.

// Refusal is an Update refused by a workflow's validator or handler, as a person reads it;
// false when err is no such refusal.
func Refusal(err error) (error, bool) {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if kind := apperr.KindFromCode(appErr.Type()); kind != apperr.Internal {
			var field string
			if appErr.HasDetails() {
				_ = appErr.Details(&field)
			}
			return &apperr.Error{Kind: kind, Field: field, Message: appErr.Message(), Err: err}, true
		}
	}
	return nil, false
}

// WorkflowGone is true when the workflow an Update was sent to has ended.
func WorkflowGone(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf) || strings.Contains(err.Error(), "workflow execution already completed")
}

// Unconfirmed is the answer when an action was handed to its workflow but no result came
// back within the request's budget: it may still take effect, so the person is told to look
// before acting again, and that a retry with the same Idempotency-Key is safe.
func Unconfirmed(err error) error {
	return &apperr.Error{Kind: apperr.Unavailable, Field: "Idempotency-Key",
		Message: "操作已提交，但暂未确认结果：请稍后刷新查看；如需重试，请使用同一幂等键（Idempotency-Key），不会重复办理", Err: err}
}

// Unanswered reports whether an Update was handed over but its answer did not come back:
// the request's budget ran out, or the frontend gave up waiting a moment before it did (the
// SDK says so with its timeout-or-cancelled error, which can arrive while ctx is still live).
func Unanswered(ctx context.Context, err error) bool {
	var gaveUp *client.WorkflowUpdateServiceTimeoutOrCanceledError
	return err != nil && (ctx.Err() != nil || errors.As(err, &gaveUp))
}
