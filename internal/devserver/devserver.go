// Package devserver runs the Temporal CLI's dev server as a child process and keeps it
// running: `rectify dev` uses it so that a dev server that dies is started again (with a
// log line) instead of leaving the worker and the API talking to nothing, and gives up
// with the reason when it keeps dying at once.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// Options describe the dev server to run and how to look after it.
type Options struct {
	// CLI is the path of the temporal CLI.
	CLI string
	// HostPort is the frontend address, e.g. 127.0.0.1:7233.
	HostPort string
	// Namespace is created at start; "default" when empty.
	Namespace string
	// DBFile keeps the server's state in an SQLite file across restarts; empty keeps it in
	// memory (a restart then forgets every workflow).
	DBFile string
	// UIPort serves the Web UI there; empty runs headless.
	UIPort string
	// LogLevel of the server; "error" when empty.
	LogLevel string
	// ExtraArgs are appended to `temporal server start-dev`.
	ExtraArgs []string
	// Output receives the server's stdout and stderr; discarded when nil.
	Output io.Writer
	// Logger gets the restart and give-up lines; slog.Default() when nil.
	Logger *slog.Logger

	// MaxQuickExits exits within QuickWindow make Run give up (defaults 3 and 1 minute).
	MaxQuickExits int
	QuickWindow   time.Duration
	// RestartDelay is the pause before a restart (default 1 s).
	RestartDelay time.Duration
	// ReadyTimeout is how long a start may take before it counts as a failed start
	// (default 60 s).
	ReadyTimeout time.Duration
}

func (o *Options) defaults() {
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.LogLevel == "" {
		o.LogLevel = "error"
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxQuickExits <= 0 {
		o.MaxQuickExits = 3
	}
	if o.QuickWindow <= 0 {
		o.QuickWindow = time.Minute
	}
	if o.RestartDelay <= 0 {
		o.RestartDelay = time.Second
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = time.Minute
	}
}

// Server is a supervised dev server; Run drives it.
type Server struct {
	opts Options

	mu      sync.Mutex
	current *exec.Cmd
}

// New prepares a server; nothing starts before Run.
func New(opts Options) *Server {
	opts.defaults()
	return &Server{opts: opts}
}

// args are those testsuite.StartDevServer passes, so both start the same server.
func (s *Server) args() ([]string, error) {
	host, port, err := splitHostPort(s.opts.HostPort)
	if err != nil {
		return nil, err
	}
	args := []string{"server", "start-dev", "--ip", host, "--port", port, "--namespace", s.opts.Namespace,
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false", "--log-level", s.opts.LogLevel}
	if s.opts.UIPort == "" {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", s.opts.UIPort)
	}
	if s.opts.DBFile != "" {
		args = append(args, "--db-filename", s.opts.DBFile)
	}
	return append(args, s.opts.ExtraArgs...), nil
}

// proc is one run of the dev server process.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited; err says how
	err  error
}

// exitError says how the process ended.
func (p *proc) exitError() error {
	if p.err == nil {
		return errors.New("exit status 0")
	}
	return p.err
}

// Run starts the dev server, calls ready once it first answers, and keeps it running
// until ctx ends, when it stops it and returns nil. A server that exits is started again
// after RestartDelay; one that exits (or fails to start) MaxQuickExits times within
// QuickWindow makes Run stop and return why.
func (s *Server) Run(ctx context.Context, ready func()) error {
	args, err := s.args()
	if err != nil {
		return fmt.Errorf("devserver.Run: %w", err)
	}
	tc, err := client.NewLazyClient(client.Options{HostPort: s.opts.HostPort, Namespace: s.opts.Namespace,
		Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		return fmt.Errorf("devserver.Run: %w", err)
	}
	defer tc.Close()
	var failures []time.Time
	first := true
	for {
		p := &proc{cmd: exec.Command(s.opts.CLI, args...), done: make(chan struct{})}
		p.cmd.Stdout, p.cmd.Stderr = s.opts.Output, s.opts.Output
		err := p.cmd.Start()
		if err == nil {
			s.mu.Lock()
			s.current = p.cmd
			s.mu.Unlock()
			go func() { p.err = p.cmd.Wait(); close(p.done) }()
			err = s.waitReady(ctx, tc, p)
			if err == nil {
				if first && ready != nil {
					ready()
				}
				first = false
				select {
				case <-ctx.Done():
				case <-p.done:
					err = fmt.Errorf("exited: %w", p.exitError())
				}
			}
			if ctx.Err() != nil {
				s.stop(p)
				return nil
			}
			// Whatever went wrong, the old process must be gone before the port is reused.
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if ctx.Err() != nil {
			return nil
		}
		now := time.Now()
		failures = append(failures, now)
		for len(failures) > 0 && now.Sub(failures[0]) > s.opts.QuickWindow {
			failures = failures[1:]
		}
		if len(failures) >= s.opts.MaxQuickExits {
			return fmt.Errorf("devserver.Run: Temporal dev server failed %d times within %s, giving up; last: %w",
				len(failures), s.opts.QuickWindow, err)
		}
		s.opts.Logger.Warn("Temporal dev server stopped; starting it again",
			"err", err, "in", s.opts.RestartDelay, "failures_in_window", len(failures))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(s.opts.RestartDelay):
		}
	}
}

// waitReady polls the frontend's health until it serves, the process exits, ctx ends or
// ReadyTimeout passes.
func (s *Server) waitReady(ctx context.Context, tc client.Client, p *proc) error {
	deadline := time.Now().Add(s.opts.ReadyTimeout)
	for {
		hctx, cancel := context.WithTimeout(ctx, time.Second)
		_, err := tc.CheckHealth(hctx, &client.CheckHealthRequest{})
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited while starting: %w", p.exitError())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("did not answer within %s: %w", s.opts.ReadyTimeout, err)
		}
	}
}

// stop asks the process to shut down (SIGINT, as Ctrl-C would) and kills it if it has not
// within 10 s.
func (s *Server) stop(p *proc) {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill ends the running dev server at once (SIGKILL), as a crash would; Run restarts it.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == nil || s.current.Process == nil {
		return errors.New("devserver.Kill: not running")
	}
	return s.current.Process.Kill()
}
