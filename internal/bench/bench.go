// Package bench measures issuance (交办) at county scale against the embedded Temporal dev
// server: an order of 20 measures to 3,000 units (60,000 items), compared with the dev
// server's own start rate for bare one-timer workflows measured in the same run.
package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"golang.org/x/sync/errgroup"

	"rectify/internal/app"
	"rectify/internal/db"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
)

// Options size the run.
type Options struct {
	TemporalCLI string
	BaseDBURL   string // a database URL on the server to create the bench database beside
	Units       int
	Measures    int
	BareStarts  int
	Concurrency int
	Out         io.Writer
	// DevServerArgs are passed to `temporal server start-dev`.
	DevServerArgs []string
	// KeepDatabase leaves the bench database behind (its name is printed), to EXPLAIN by hand.
	KeepDatabase bool
}

// Result holds the figures printed.
type Result struct {
	AnswerTime      time.Duration
	DurableTime     time.Duration
	ItemsPerSecond  float64
	BarePerSecond   float64
	Ratio           float64
	Items           int
	CreateOrderTime time.Duration
}

// Run performs the benchmark and prints its figures.
// system is a whole Rectify on its own dev server and database, for one benchmark run.
type system struct {
	*app.System
	base  string // API base URL
	close func()
}

// start brings up a dev server on an SQLite file, a fresh database, the worker and the API.
// configure may adjust the configuration before the system opens.
func start(ctx context.Context, o Options, configure func(*app.Config)) (_ *system, err error) {
	var cleanups []func()
	closeAll := func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	dir, err := os.MkdirTemp("", "rectify-bench-")
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
	fmt.Fprintf(o.Out, "machine: %d CPUs, %s/%s, %s; dev server on SQLite file\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	srv, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: o.TemporalCLI, DBFilename: filepath.Join(dir, "temporal.db"), LogLevel: "error",
		Stdout: io.Discard, Stderr: io.Discard, ExtraArgs: o.DevServerArgs,
	})
	if err != nil {
		return nil, fmt.Errorf("dev server: %w", err)
	}
	cleanups = append(cleanups, func() { _ = srv.Stop() })
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "rectify_bench_" + hex.EncodeToString(b[:])
	adminURL, err := db.WithDatabase(o.BaseDBURL, name)
	if err != nil {
		return nil, err
	}
	if o.KeepDatabase {
		fmt.Fprintf(o.Out, "bench database %s is kept\n", name)
	} else {
		cleanups = append(cleanups, func() { _ = db.DropDatabase(context.Background(), adminURL) })
	}
	ownerURL, dbURL, err := db.Provision(ctx, o.BaseDBURL, name)
	if err != nil {
		return nil, err
	}
	cfg := app.Defaults()
	cfg.MigrateDatabaseURL = ownerURL
	cfg.DatabaseURL, cfg.TemporalAddress, cfg.EvidenceDir = dbURL, srv.FrontendHostPort(), filepath.Join(dir, "evidence")
	cfg.IssueConcurrency = o.Concurrency
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	cfg.Listen = ln.Addr().String()
	ln.Close()
	if configure != nil {
		configure(&cfg)
	}
	sys, err := app.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	cleanups = append(cleanups, sys.Close)
	w := sys.Worker()
	if err := w.Start(); err != nil {
		return nil, err
	}
	cleanups = append(cleanups, w.Stop)
	sctx, stop := context.WithCancel(ctx)
	cleanups = append(cleanups, stop)
	go func() { _ = sys.Serve(sctx) }()
	return &system{System: sys, base: "http://" + cfg.Listen, close: closeAll}, nil
}

// Run performs the issuance benchmark and prints its figures.
func Run(ctx context.Context, o Options) (Result, error) {
	var res Result
	sys, err := start(ctx, o, nil)
	if err != nil {
		return res, err
	}
	defer sys.close()
	base := sys.base
	fmt.Fprintf(o.Out, "loading a county with %d townships ...\n", o.Units)
	if err := loadCounty(ctx, sys.System, o.Units); err != nil {
		return res, err
	}
	hc, err := login(base)
	if err != nil {
		return res, err
	}
	draft := bigOrder(o.Units, o.Measures)
	t0 := time.Now()
	var created struct{ ID int64 }
	if err := call(hc, "POST", base+"/api/orders", draft, 201, &created); err != nil {
		return res, err
	}
	res.CreateOrderTime = time.Since(t0)

	t0 = time.Now()
	if err := call(hc, "POST", fmt.Sprintf("%s/api/orders/%d/issue", base, created.ID), nil, 202, nil); err != nil {
		return res, err
	}
	res.AnswerTime = time.Since(t0)
	res.Items = o.Units * o.Measures
	for {
		n, err := sys.Items.CountOfOrder(ctx, created.ID, false)
		if err != nil {
			return res, err
		}
		if n == res.Items {
			break
		}
		if time.Since(t0) > 10*time.Minute {
			return res, fmt.Errorf("only %d of %d items durable after 10 minutes", n, res.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.DurableTime = time.Since(t0)
	res.ItemsPerSecond = float64(res.Items) / res.DurableTime.Seconds()

	fmt.Fprintf(o.Out, "starting %d bare one-timer workflows for comparison ...\n", o.BareStarts)
	if res.BarePerSecond, err = bareStartRate(ctx, sys.Temporal, o.BareStarts, o.Concurrency); err != nil {
		return res, err
	}
	res.Ratio = res.ItemsPerSecond / res.BarePerSecond

	fmt.Fprintf(o.Out, "\nissuance of %d measures to %d units (%d items)\n", o.Measures, o.Units, res.Items)
	fmt.Fprintf(o.Out, "  create order (validate + store four lists): %v\n", res.CreateOrderTime.Round(time.Millisecond))
	fmt.Fprintf(o.Out, "  API answer to issue:                        %v   (target <= 2s)\n", res.AnswerTime.Round(time.Millisecond))
	fmt.Fprintf(o.Out, "  every item durable and readable in PG:      %v   (target <= 60s)\n", res.DurableTime.Round(time.Millisecond))
	fmt.Fprintf(o.Out, "  items per second:                           %.0f\n", res.ItemsPerSecond)
	fmt.Fprintf(o.Out, "  dev server bare one-timer workflow starts:  %.0f /s\n", res.BarePerSecond)
	fmt.Fprintf(o.Out, "  ratio items/s : bare starts/s:              %.1f   (target >= 10)\n", res.Ratio)
	return res, nil
}

const benchPassword = "bench-password"

func loadCounty(ctx context.Context, sys *app.System, units int) error {
	tree := org.Tree{
		Units:  []org.UnitRecord{{Code: "BC", Name: "基准县", Kind: "county"}},
		People: []org.PersonRecord{{Login: "bench", Name: "基准组织部干部", Unit: "BC", Roles: []role.Role{role.OrgStaff}, Password: benchPassword}},
	}
	for i := range units {
		code := fmt.Sprintf("BT%04d", i)
		tree.Units = append(tree.Units, org.UnitRecord{Code: code, Name: fmt.Sprintf("第%d乡镇", i), Kind: "township", Parent: "BC"})
		tree.People = append(tree.People,
			org.PersonRecord{Login: "s" + code, Name: "书记" + code, Unit: code, Roles: []role.Role{role.TownshipOfficial}, Position: "书记"},
			org.PersonRecord{Login: "o" + code, Name: "组织委员" + code, Unit: code, Roles: []role.Role{role.TownshipOfficial}, Position: "组织委员"})
	}
	_, err := org.NewStore(sys.Pool).Load(ctx, tree)
	return err
}

func bigOrder(units, measures int) order.Draft {
	d := order.Draft{Title: "基准测试整改通知", Source: "督查"}
	for i := range units {
		d.Targets = append(d.Targets, fmt.Sprintf("BT%04d", i))
	}
	due := time.Now().In(order.Shanghai).AddDate(0, 1, 0).Format("2006-01-02")
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Direct: order.PersonRef{Position: "组织委员"}, Handler: order.PersonRef{Position: "组织委员"}}
	for p := range measures / 4 {
		pr := order.Problem{Description: fmt.Sprintf("问题%d", p+1)}
		for m := range 4 {
			pr.Measures = append(pr.Measures, order.Measure{Content: fmt.Sprintf("措施%d-%d", p+1, m+1), Criterion: "可检验的验收标准",
				Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: due}})
		}
		d.Problems = append(d.Problems, pr)
	}
	return d
}

func login(base string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Jar: jar, Timeout: 5 * time.Minute}
	return hc, call(hc, "POST", base+"/api/session", map[string]string{"login": "bench", "password": benchPassword}, 200, nil)
}

func call(hc *http.Client, method, url string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d: %s", method, url, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// bareTimer is the comparison workflow: it reports its first workflow task through a
// local activity (no extra round trip) and then waits on one timer.
func bareTimer(ctx workflow.Context) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	if err := workflow.ExecuteLocalActivity(lctx, "BareStarted").Get(ctx, nil); err != nil {
		return err
	}
	return workflow.Sleep(ctx, time.Hour)
}

// bareStartRate starts n bare one-timer workflows with the given concurrency and returns
// how many per second had run their first task.
func bareStartRate(ctx context.Context, c client.Client, n, conc int) (float64, error) {
	var started atomic.Int64
	done := make(chan struct{})
	w := worker.New(c, "bench-bare", worker.Options{})
	w.RegisterWorkflowWithOptions(bareTimer, workflow.RegisterOptions{Name: "BareTimer"})
	w.RegisterActivityWithOptions(func(context.Context) error {
		if started.Add(1) == int64(n) {
			close(done)
		}
		return nil
	}, activity.RegisterOptions{Name: "BareStarted"})
	if err := w.Start(); err != nil {
		return 0, err
	}
	defer w.Stop()
	t0 := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i := range n {
		g.Go(func() error {
			_, err := c.ExecuteWorkflow(gctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bare-%d", i), TaskQueue: "bench-bare"}, "BareTimer")
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("only %d of %d bare workflows ran", started.Load(), n)
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}
