package apperr_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"rectify/internal/apperr"
	"rectify/internal/testenv"
)

// What a dependency that is down really returns, wrapped the way our code wraps it, is
// Unavailable (503, Retry-After); refusals and faults of our own are not.
func TestDependencyDownIsUnavailable(t *testing.T) {
	addr := testenv.ClosedPort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, pgErr := pgx.Connect(ctx, "postgres://postgres@"+addr+"/x?sslmode=disable&connect_timeout=2")
	if pgErr == nil {
		t.Fatal("connected to a closed port")
	}
	tc, err := client.NewLazyClient(client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	hctx, hcancel := context.WithTimeout(ctx, time.Second)
	_, temporalErr := tc.CheckHealth(hctx, &client.CheckHealthRequest{})
	hcancel()
	if temporalErr == nil {
		t.Fatal("health check of a closed port succeeded")
	}

	down := map[string]error{
		"postgres connect":      fmt.Errorf("items.Get: %w", pgErr),
		"temporal health":       fmt.Errorf("api: %w", temporalErr),
		"temporal unavailable":  fmt.Errorf("update: %w", serviceerror.NewUnavailable("connection refused")),
		"temporal deadline":     serviceerror.NewDeadlineExceeded("context deadline exceeded"),
		"workflow task failing": fmt.Errorf("update: %w", serviceerror.NewWorkflowNotReady("Unable to perform workflow execution update due to Workflow Task in failed state.")),
		"grpc status":           status.Error(codes.Unavailable, "transport is closing"),
		"postgres shutdown":     fmt.Errorf("q: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}),
		"postgres conn closed":  fmt.Errorf("q: %w", pgconn.ErrConnClosed),
		"internal wrapping":     &apperr.Error{Kind: apperr.Internal, Err: pgErr},
	}
	for name, err := range down {
		if apperr.KindOf(err) != apperr.Unavailable {
			t.Errorf("%s: kind %v, want Unavailable: %v", name, apperr.KindOf(err), err)
		}
		st, body := apperr.ToBody(err)
		if st != http.StatusServiceUnavailable || body.Error.Code != "unavailable" || body.Error.Message != "服务暂时不可用，请稍后再试" {
			t.Errorf("%s: %d %+v", name, st, body)
		}
	}

	up := map[string]error{
		"plain":           errors.New("boom"),
		"unique":          &pgconn.PgError{Code: "23505"},
		"grpc not found":  status.Error(codes.NotFound, "no such workflow"),
		"refusal wrapped": &apperr.Error{Kind: apperr.Conflict, Message: "不能销号", Err: pgErr},
	}
	for name, err := range up {
		if apperr.KindOf(err) == apperr.Unavailable {
			t.Errorf("%s: classified Unavailable: %v", name, err)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	cases := []struct {
		err    error
		status int
		header string
	}{
		{fmt.Errorf("x: %w", serviceerror.NewUnavailable("down")), 503, "5"},
		{&apperr.Error{Kind: apperr.TooManyRequests, Message: "登录失败次数过多", RetryAfter: 90500 * time.Millisecond}, 429, "91"},
		{&apperr.Error{Kind: apperr.Unavailable, Message: "登录请求过多，请稍后再试", RetryAfter: 2 * time.Second}, 503, "2"},
		{apperr.New(apperr.Invalid, "x", "错"), 400, ""},
	}
	for _, tc := range cases {
		rec := httptest.NewRecorder()
		apperr.WriteJSON(rec, httptest.NewRequest("GET", "/", nil), tc.err)
		if rec.Code != tc.status || rec.Header().Get("Retry-After") != tc.header {
			t.Errorf("%v: %d Retry-After %q, want %d %q", tc.err, rec.Code, rec.Header().Get("Retry-After"), tc.status, tc.header)
		}
	}
}
