// Package apptest runs the whole system for tests: a real Temporal dev server from the
// pinned CLI, a fresh PostgreSQL database with a small organization tree, the worker and the
// HTTP API on httptest, and a signed-in HTTP client per person. Every exchange a client
// makes is checked against the served OpenAPI document (contract.go), so that the
// hand-written document cannot drift from what the handlers answer.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"

	"rectify/internal/app"
	"rectify/internal/calendar"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/internal/testenv"
)

// StartTemporal starts a dev server on a free port with an in-memory store.
func StartTemporal(ctx context.Context) (*testsuite.DevServer, error) {
	cli, err := testenv.TemporalCLI()
	if err != nil {
		return nil, err
	}
	return testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: cli,
		LogLevel:     "error",
		Stdout:       io.Discard,
		Stderr:       io.Discard,
	})
}

// Main runs a package's tests against one dev server they share, whose address it stores
// in *addr first, and exits with their outcome.
func Main(m *testing.M, addr *string) {
	srv, err := StartTemporal(context.Background())
	if err != nil {
		log.Fatalf("dev server: %v", err)
	}
	*addr = srv.FrontendHostPort()
	code := m.Run()
	_ = srv.Stop()
	os.Exit(code)
}

// Password is every fixture person's password.
const Password = "pw-测试"

// Fixture is the organization tree every scenario starts from:
//
//	C 示范县 (county)            cs org_staff, cl leader
//	├── T1 城关镇 (township)     t1s 书记 township_official, t1o 组织委员 township_official, t1l leader
//	│   └── V11 东关村 (village) v11 书记 branch_secretary
//	└── T2 河西乡 (township)     t2s 书记, t2o 组织委员
//	    └── V21 柳树村 (village) v21 书记 branch_secretary
func Fixture() org.Tree {
	u := func(code, name, kind, parent string) org.UnitRecord {
		return org.UnitRecord{Code: code, Name: name, Kind: kind, Parent: parent}
	}
	p := func(login, name, unit, position string, roles ...role.Role) org.PersonRecord {
		return org.PersonRecord{Login: login, Name: name, Unit: unit, Roles: roles, Position: position, Password: Password,
			Email: login + "@example.cn"}
	}
	return org.Tree{
		Units: []org.UnitRecord{
			u("C", "示范县", "county", ""), u("T1", "城关镇", "township", "C"), u("T2", "河西乡", "township", "C"),
			u("V11", "东关村", "village", "T1"), u("V21", "柳树村", "village", "T2"),
		},
		People: []org.PersonRecord{
			p("cs", "县组织部干部", "C", "组织科长", "org_staff"), p("cl", "县领导", "C", "部长", "leader"),
			p("t1s", "城关镇书记", "T1", "书记", "township_official"), p("t1o", "城关镇组织委员", "T1", "组织委员", "township_official"),
			p("t1l", "城关镇领导", "T1", "镇长", "leader"),
			p("t2s", "河西乡书记", "T2", "书记", "township_official"), p("t2o", "河西乡组织委员", "T2", "组织委员", "township_official"),
			p("v11", "东关村书记", "V11", "书记", "branch_secretary"), p("v21", "柳树村书记", "V21", "书记", "branch_secretary"),
		},
	}
}

// Env is one scenario's running system.
type Env struct {
	t      testing.TB
	Sys    *app.System
	Server *httptest.Server
	// DBURL is the app role's URL, as the system connects; DB has the owner's and the
	// superuser's too.
	DBURL string
	DB    testenv.Database
	Org   *org.Store
	// contract is the served OpenAPI document every client checks its exchanges against.
	contract *Contract
}

// Options tune an Env.
type Options struct {
	// NoWorker leaves the worker out, for tests that run it in another process.
	NoWorker bool
	// NoImportRunner leaves background imports queued, for tests that run them elsewhere.
	NoImportRunner bool
	// TaskQueue defaults to a fresh random name so scenarios never share work.
	TaskQueue string
	// Configure adjusts the configuration before the system opens.
	Configure func(*app.Config)
}

// New starts a scenario on the dev server at temporalAddr.
func New(t testing.TB, temporalAddr string, o Options) *Env {
	t.Helper()
	ctx := context.Background()
	d := testenv.Open(t)
	dbURL := d.AppURL
	cfg := app.Defaults()
	cfg.DatabaseURL, cfg.MigrateDatabaseURL = d.AppURL, d.OwnerURL
	cfg.TemporalAddress = temporalAddr
	cfg.EvidenceDir = t.TempDir()
	cfg.TaskQueue = o.TaskQueue
	if cfg.TaskQueue == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		cfg.TaskQueue = "test-" + hex.EncodeToString(b[:])
	}
	cfg.DispatchSettle = 0
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	sys, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("apptest.New: %v", err)
	}
	t.Cleanup(sys.Close)
	st := org.NewStore(sys.Pool)
	if _, err := st.Load(ctx, Fixture()); err != nil {
		t.Fatalf("apptest.New: fixture: %v", err)
	}
	if !o.NoWorker {
		w := sys.Worker()
		if err := w.Start(); err != nil {
			t.Fatalf("apptest.New: worker: %v", err)
		}
		t.Cleanup(w.Stop)
	}
	if !o.NoImportRunner {
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); sys.Imports.Run(rctx) }()
		t.Cleanup(func() { stop(); <-done })
	}
	srv := httptest.NewServer(sys.Handler())
	t.Cleanup(srv.Close)
	contract, err := servedContractOf(srv.Config.Handler)
	if err != nil {
		t.Fatalf("apptest.New: %v", err)
	}
	return &Env{t: t, Sys: sys, Server: srv, DBURL: dbURL, DB: d, Org: st, contract: contract}
}

// Client is a person's HTTP client. Every exchange is checked against the OpenAPI document:
// an answer the document does not describe fails the test.
type Client struct {
	t        testing.TB
	base     string
	hc       *http.Client
	contract *Contract
}

// Anonymous is a client that has not signed in; it keeps cookies like a browser.
func (e *Env) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: e.t, base: e.Server.URL, hc: &http.Client{Jar: jar, Timeout: 60 * time.Second}, contract: e.contract}
}

// Login signs a fixture person in with a session cookie.
func (e *Env) Login(login string) *Client {
	e.t.Helper()
	c := e.Anonymous()
	if st, body := c.Do("POST", "/api/session", map[string]string{"login": login, "password": Password}, nil); st != 200 {
		e.t.Fatalf("login %s: %d %s", login, st, body)
	}
	return c
}

// Do sends a JSON request and returns the status and body.
func (c *Client) Do(method, path string, body any, header http.Header) (int, []byte) {
	c.t.Helper()
	st, _, b := c.DoWithHeader(method, path, body, header)
	return st, b
}

// DoWithHeader is Do that also returns the answer's headers.
func (c *Client) DoWithHeader(method, path string, body any, header http.Header) (int, http.Header, []byte) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatalf("request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return c.sendFull(req)
}

func (c *Client) send(req *http.Request) (int, []byte) {
	c.t.Helper()
	st, _, b := c.sendFull(req)
	return st, b
}

// Send sends a request with any body and headers, and returns the status, the answer's
// headers and its body.
func (c *Client) Send(method, path string, body io.Reader, header http.Header) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatalf("request: %v", err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	return c.sendFull(req)
}

func (c *Client) sendFull(req *http.Request) (int, http.Header, []byte) {
	c.t.Helper()
	// The body is kept to check the request against the document afterwards.
	// The length stays as the request had it: known for in-memory bodies, unknown (chunked)
	// for streams.
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			c.t.Fatalf("%s %s: read request body: %v", req.Method, req.URL.Path, err)
		}
		_ = req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if c.contract != nil {
		if err := c.contract.Check(req, reqBody, resp.StatusCode, resp.Header, b); err != nil {
			c.t.Errorf("OpenAPI: %s %s: status %d: %v", req.Method, req.URL.RequestURI(), resp.StatusCode, err)
		}
	}
	return resp.StatusCode, resp.Header, b
}

// JSON sends a request, requires the status and decodes the answer into out (if not nil).
func (c *Client) JSON(method, path string, body any, want int, out any) []byte {
	c.t.Helper()
	st, b := c.Do(method, path, body, nil)
	if st != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode: %v: %s", method, path, err, b)
		}
	}
	return b
}

// Raw sends a request with a body of the given content type.
func (c *Client) Raw(method, path, contentType string, body io.Reader) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatalf("request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	return c.send(req)
}

// Upload posts a file as multipart field "file".
func (c *Client) Upload(path, filename string, content []byte) (int, []byte) {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

// WriteHistory saves a workflow's history as JSON for replay tests.
func WriteHistory(ctx context.Context, c client.Client, workflowID, path string) error {
	it := c.GetWorkflowHistory(ctx, workflowID, "", false, 0)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return err
		}
		h.Events = append(h.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(h)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// AlwaysWorking uploads EveryDayWorking for this year and the next.
func (e *Env) AlwaysWorking() {
	e.t.Helper()
	y := time.Now().In(calendar.Shanghai).Year()
	for _, year := range []int{y - 1, y, y + 1} {
		b, err := json.Marshal(calendar.EveryDayWorking(year))
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.Sys.Holidays.UploadSystem(context.Background(), b); err != nil {
			e.t.Fatalf("AlwaysWorking: %v", err)
		}
	}
}
