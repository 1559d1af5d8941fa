package reachable

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/client"
)

func TestUnansweredWhenTheFrontendGaveUpBeforeTheRequest(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(live)
	cancel()
	gaveUp := fmt.Errorf("item action: %w", client.NewWorkflowUpdateServiceTimeoutOrCanceledError(errors.New("stream reset")))
	for _, c := range []struct {
		name string
		ctx  context.Context
		err  error
		want bool
	}{
		{"frontend gave up, request still live", live, gaveUp, true},
		{"request budget spent", done, errors.New("any"), true},
		{"refused outright", live, errors.New("refused"), false},
		{"no error", done, nil, false},
	} {
		if got := Unanswered(c.ctx, c.err); got != c.want {
			t.Errorf("%s: Unanswered = %v, want %v", c.name, got, c.want)
		}
	}
}
