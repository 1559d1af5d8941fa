package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
)

// proc is one child process the soak kills and starts again: the dev server, the worker or
// the API. A process that exits on its own (say the worker, started while the dev server was
// down, giving up on its first connection) is started again after a second, as a process
// manager would, and counted.
type proc struct {
	name  string
	build func() *exec.Cmd
	// ready returns once the process answers; nil for a process nobody calls (the worker).
	ready func(ctx context.Context) error
	log   io.Writer

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	killing bool // killed by the soak: not an exit of its own
	closed  bool

	kills        int
	selfExits    int
	lastSelfExit string
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startLocked()
}

func (p *proc) startLocked() error {
	cmd := p.build()
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	fmt.Fprintf(p.log, "--- soak: %s started, pid %d, %s\n", p.name, cmd.Process.Pid, time.Now().Format(time.RFC3339Nano))
	exited := make(chan struct{})
	p.cmd, p.exited, p.killing = cmd, exited, false
	go p.watch(cmd, exited)
	return nil
}

func (p *proc) watch(cmd *exec.Cmd, exited chan struct{}) {
	err := cmd.Wait()
	close(exited)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.killing || p.closed || p.cmd != cmd {
		return
	}
	p.selfExits++
	p.lastSelfExit = fmt.Sprint(err)
	fmt.Fprintf(p.log, "--- soak: %s exited on its own (%v); starting it again in 1s\n", p.name, err)
	time.AfterFunc(time.Second, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closed || p.cmd != cmd {
			return
		}
		if err := p.startLocked(); err != nil {
			fmt.Fprintf(p.log, "--- soak: %v\n", err)
		}
	})
}

// kill sends SIGKILL and waits for the process to be gone. A process between an exit of its
// own and its restart is waited for first, so that every kill hits a running process.
func (p *proc) kill(ctx context.Context) (time.Time, error) {
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return time.Time{}, errors.New("kill " + p.name + ": closed")
		}
		select {
		case <-p.exited:
			p.mu.Unlock()
			if err := sleep(ctx, 100*time.Millisecond); err != nil {
				return time.Time{}, err
			}
			continue
		default:
		}
		p.killing = true
		cmd, exited := p.cmd, p.exited
		err := cmd.Process.Kill() // SIGKILL on Unix
		at := time.Now()
		if err == nil {
			p.kills++
			fmt.Fprintf(p.log, "--- soak: %s killed with SIGKILL, %s\n", p.name, at.Format(time.RFC3339Nano))
		}
		p.mu.Unlock()
		<-exited
		if errors.Is(err, os.ErrProcessDone) {
			continue // it died on its own a moment before; the restart path runs below
		}
		return at, err
	}
}

// running reports whether the process is up.
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// waitReady waits for the process to be running and, if it has a readiness check, to answer.
func (p *proc) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for !p.running() {
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return fmt.Errorf("%s not running after %v", p.name, limit)
		}
	}
	if p.ready == nil {
		return nil
	}
	if err := p.ready(ctx); err != nil {
		return fmt.Errorf("%s not ready after %v: %w", p.name, limit, err)
	}
	return nil
}

// close kills the process for good.
func (p *proc) close() {
	p.mu.Lock()
	p.closed = true
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-exited
}

func (p *proc) counts() (kills, selfExits int, last string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kills, p.selfExits, p.lastSelfExit
}

// temporalReady waits until the dev server at addr answers a client's health check.
func temporalReady(addr string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var last error
		for {
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			c, err := client.DialContext(dctx, client.Options{HostPort: addr, Logger: quietLogger{}})
			cancel()
			if err == nil {
				c.Close()
				return nil
			}
			last = err
			if err := sleep(ctx, 200*time.Millisecond); err != nil {
				return last
			}
		}
	}
}

// httpReady waits until the API answers its OpenAPI document.
func httpReady(url string) func(ctx context.Context) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context) error {
		var last error
		for {
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			resp, err := hc.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return nil
				}
				err = fmt.Errorf("GET %s: %d", url, resp.StatusCode)
			}
			last = err
			if err := sleep(ctx, 100*time.Millisecond); err != nil {
				return last
			}
		}
	}
}

// freePort asks the kernel for a free TCP port on 127.0.0.1.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// quietLogger drops the Temporal SDK's logs: the soak's own client retries through every
// dev server restart on purpose.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
