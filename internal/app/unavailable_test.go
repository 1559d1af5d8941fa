package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/app"
	"rectify/internal/apptest"
	"rectify/internal/devserver"
	"rectify/internal/testenv"
	"rectify/workflows/item"
)

// With the Temporal dev server killed under a running API, an action answers 503 服务暂时
// 不可用 within a few seconds (not 500 after the whole request budget) while reading still
// works; once the supervisor has started the server again, the same action goes through.
func TestWithTemporalKilledAnActionAnswers503AtOnceAndThenRecovers(t *testing.T) {
	cli, err := testenv.TemporalCLI()
	require.NoError(t, err)
	addr, err := devserver.FreeHostPort()
	require.NoError(t, err)
	// A long restart delay keeps the server down long enough to look at the API.
	dev := devserver.New(devserver.Options{CLI: cli, HostPort: addr, DBFile: filepath.Join(t.TempDir(), "temporal.db"),
		RestartDelay: 12 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- dev.Run(ctx, func() { close(ready) }) }()
	t.Cleanup(func() { cancel(); <-done })
	testenv.AwaitReady(t, ready, done, 90*time.Second)

	e := apptest.New(t, addr, apptest.Options{})
	id := issueThree(t, e).items(t, "T1")[0]
	t1o := e.Login("t1o")

	require.NoError(t, dev.Kill())
	ack := http.Header{"Idempotency-Key": {"ack-after-outage"}}
	start := time.Now()
	st, hdr, body := t1o.DoWithHeader("POST", "/api/items/"+id+"/acknowledge", nil, ack)
	took := time.Since(start)
	require.Equal(t, http.StatusServiceUnavailable, st, string(body))
	require.Less(t, took, 6*time.Second, "a dead dependency must be reported at once")
	require.Contains(t, string(body), `"code":"unavailable"`)
	require.Contains(t, string(body), "服务暂时不可用，请稍后再试")
	require.Equal(t, "5", hdr.Get("Retry-After"))

	// Reading needs only PostgreSQL.
	st, body = t1o.Do("GET", "/api/items/"+id, nil, nil)
	require.Equal(t, http.StatusOK, st, string(body))

	// The supervisor starts the server again on the same file; the action goes through.
	var res item.ActionResult
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, _, body := t1o.DoWithHeader("POST", "/api/items/"+id+"/acknowledge", nil, ack)
		if !assert.Equal(c, http.StatusOK, st, string(body)) {
			return
		}
		assert.NoError(c, jsonUnmarshal(body, &res))
	}, 120*time.Second, time.Second)
	require.Equal(t, item.Acknowledged, res.State)
}

// tcpProxy stands between the API and PostgreSQL so that a test can take the database
// away (refuse new connections, cut the open ones) and bring it back, without touching the
// PostgreSQL server other tests share.
type tcpProxy struct {
	addr, target string
	mu           sync.Mutex
	l            net.Listener
	conns        map[net.Conn]bool
}

func (p *tcpProxy) up(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", p.addr)
	require.NoError(t, err)
	p.mu.Lock()
	p.l, p.addr, p.conns = l, l.Addr().String(), map[net.Conn]bool{}
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[d] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(d, c); d.Close() }()
			go func() { _, _ = io.Copy(c, d); c.Close() }()
		}
	}()
}

func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.l.Close()
	for c := range p.conns {
		c.Close()
	}
}

// With PostgreSQL gone, requests answer 503 服务暂时不可用 at once — sign-in included, which
// must not say the password is wrong — the process keeps running, and it answers again as
// soon as the database is back.
func TestWithPostgreSQLGoneRequestsAnswer503AndThenRecover(t *testing.T) {
	proxy := &tcpProxy{addr: "127.0.0.1:0"}
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: func(c *app.Config) {
		u, err := url.Parse(c.DatabaseURL)
		require.NoError(t, err)
		proxy.target = u.Host
		proxy.up(t)
		u.Host = proxy.addr
		c.DatabaseURL = u.String()
	}})
	t.Cleanup(proxy.down)
	t1o := e.Login("t1o")
	st, body := t1o.Do("GET", "/api/me/items", nil, nil)
	require.Equal(t, http.StatusOK, st, string(body))

	proxy.down()
	for _, path := range []string{"/api/me", "/api/me/items"} {
		start := time.Now()
		st, hdr, body := t1o.DoWithHeader("GET", path, nil, nil)
		require.Equal(t, http.StatusServiceUnavailable, st, "%s: %s", path, body)
		require.Less(t, time.Since(start), 6*time.Second)
		require.Contains(t, string(body), "服务暂时不可用，请稍后再试")
		require.Equal(t, "5", hdr.Get("Retry-After"))
	}
	st, _, b := e.Anonymous().Send("POST", "/api/session",
		strings.NewReader(`{"login":"t2o","password":"`+apptest.Password+`"}`), http.Header{"Content-Type": {"application/json"}})
	require.Equal(t, http.StatusServiceUnavailable, st, string(b))

	proxy.up(t)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, body := t1o.Do("GET", "/api/me/items", nil, nil)
		assert.Equal(c, http.StatusOK, st, string(body))
	}, 30*time.Second, 200*time.Millisecond)
	e.Login("t2o")
}
