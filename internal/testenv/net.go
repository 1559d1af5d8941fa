package testenv

import (
	"net"
	"testing"
	"time"
)

// ClosedPort is a local address nothing listens on, for tests of a dependency that is down.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// AwaitReady waits for ready to be closed by a server started in the background: a result
// on done first means the server stopped before it was ready, and within bounds the wait.
func AwaitReady(t testing.TB, ready <-chan struct{}, done <-chan error, within time.Duration) {
	t.Helper()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("stopped before it was ready: %v", err)
	case <-time.After(within):
		t.Fatalf("not ready within %s", within)
	}
}
