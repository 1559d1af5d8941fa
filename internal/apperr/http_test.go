package apperr

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Report gives the status and a whole-second Retry-After, rounded up, whatever the body.
func TestReportSetsRetryAfter(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		retry  string
	}{
		{New(Unavailable, "", MsgUnavailable), http.StatusServiceUnavailable, "5"},
		{&Error{Kind: TooManyRequests, Message: "稍后再试", RetryAfter: 1200 * time.Millisecond}, http.StatusTooManyRequests, "2"},
		{New(Conflict, "action", "整改事项已签收"), http.StatusConflict, ""},
	} {
		rec := httptest.NewRecorder()
		if got := Report(rec, httptest.NewRequest("POST", "/items/1/close", nil), c.err); got != c.status {
			t.Errorf("%v: status %d, want %d", c.err, got, c.status)
		}
		if got := rec.Header().Get("Retry-After"); got != c.retry {
			t.Errorf("%v: Retry-After %q, want %q", c.err, got, c.retry)
		}
	}
}
