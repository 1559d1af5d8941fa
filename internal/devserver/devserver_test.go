package devserver

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"rectify/internal/testenv"
)

// syncBuffer is a log sink the supervisor and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func healthy(t *testing.T, c client.Client) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err == nil
}

// A dev server killed under `rectify dev` comes back by itself, with a log line that
// says so; stopping the supervisor stops the server.
func TestADevServerThatDiesIsStartedAgain(t *testing.T) {
	cli, err := testenv.TemporalCLI()
	if err != nil {
		t.Fatal(err)
	}
	addr, err := FreeHostPort()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	s := New(Options{CLI: cli, HostPort: addr, DBFile: filepath.Join(t.TempDir(), "temporal.db"),
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, func() { close(ready) }) }()
	testenv.AwaitReady(t, ready, done, 90*time.Second)
	c, err := client.NewLazyClient(client.Options{HostPort: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !healthy(t, c) {
		t.Fatal("ready but not healthy")
	}

	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(logs.String(), "Temporal dev server stopped; starting it again") {
		if time.Now().After(deadline) {
			t.Fatalf("no restart line; log: %s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	for !healthy(t, c) {
		if time.Now().After(deadline) {
			t.Fatal("dev server not back within 90 s of the kill")
		}
		time.Sleep(200 * time.Millisecond)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if healthy(t, c) {
		t.Fatal("dev server still answers after the supervisor stopped")
	}
}

// A dev server that dies at once every time is not restarted for ever: Run gives up with
// the reason.
func TestADevServerThatKeepsDyingIsGivenUp(t *testing.T) {
	cli := filepath.Join(t.TempDir(), "temporal")
	script := "#!/bin/sh\necho 'listen tcp 127.0.0.1:7233: bind: address already in use' >&2\nexit 3\n"
	if err := os.WriteFile(cli, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	addr, err := FreeHostPort()
	if err != nil {
		t.Fatal(err)
	}
	var logs, out syncBuffer
	s := New(Options{CLI: cli, HostPort: addr, Output: &out, RestartDelay: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	readyCalled := false
	start := time.Now()
	err = s.Run(context.Background(), func() { readyCalled = true })
	if err == nil || !strings.Contains(err.Error(), "failed 3 times within 1m0s, giving up") || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Run: %v", err)
	}
	if readyCalled || time.Since(start) > 10*time.Second {
		t.Fatalf("ready %v after %s", readyCalled, time.Since(start))
	}
	if n := strings.Count(logs.String(), "starting it again"); n != 2 {
		t.Fatalf("%d restart lines, want 2: %s", n, logs.String())
	}
	if !strings.Contains(out.String(), "address already in use") {
		t.Fatalf("server output not kept: %q", out.String())
	}
}
