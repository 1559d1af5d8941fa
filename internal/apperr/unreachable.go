package apperr

import (
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// unreachable reports whether err says that Temporal or PostgreSQL could not be reached,
// as opposed to having answered with a refusal: the one place where such errors are told
// apart, so that every path through the API answers them alike (503, Retry-After).
func unreachable(err error) bool {
	// Temporal: the SDK turns gRPC statuses into serviceerror types; a raw status may still
	// arrive from calls that bypass its interceptors (the health check).
	var tu *serviceerror.Unavailable
	var td *serviceerror.DeadlineExceeded
	// A workflow whose task is failing for a moment (its worker or the server restarted
	// under it) refuses Updates as not ready: a retry succeeds once the task runs again.
	var tn *serviceerror.WorkflowNotReady
	if errors.As(err, &tu) || errors.As(err, &td) || errors.As(err, &tn) {
		return true
	}
	if st, ok := status.FromError(err); ok && st != nil {
		switch st.Code() {
		case codes.Unavailable, codes.DeadlineExceeded:
			return true
		}
	}
	// PostgreSQL: no connection could be made, or the one in use broke.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08 is connection exceptions; 57P01–57P03 a server shutting down, crashed
		// or still starting; 53300 too many connections.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" ||
			pe.Code == "57P03" || pe.Code == "53300"
	}
	if errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	// A connection that broke mid-use: pgconn returns the reader's unexpected EOF as it
	// is. (A client that hangs up mid-upload gives the same error, but nobody is left to
	// read that answer.)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	// Dial, read and write failures of either.
	var oe *net.OpError
	return errors.As(err, &oe)
}
