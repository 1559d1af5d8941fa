package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"rectify/activities/bulletinacts"
	"rectify/activities/calendaracts"
	"rectify/activities/dispatchacts"
	"rectify/activities/itemacts"
	"rectify/activities/weakacts"
	"rectify/api"
	"rectify/internal/auth"
	"rectify/internal/bulletin"
	"rectify/internal/db"
	"rectify/internal/evidence"
	"rectify/internal/holidays"
	"rectify/internal/imports"
	"rectify/internal/items"
	"rectify/internal/notify"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/pages"
	"rectify/internal/progress"
	"rectify/internal/reachable"
	"rectify/internal/rectification"
	"rectify/internal/telemetry"
	"rectify/internal/weak"
	"rectify/internal/weakbranch"
	bulletinwf "rectify/workflows/bulletin"
	"rectify/workflows/bulletin/bulletinmsg"
	"rectify/workflows/dispatch"
	"rectify/workflows/item"
	"rectify/workflows/recalendar"
	"rectify/workflows/weakcase"
)

// System is the running parts of Rectify.
type System struct {
	Config    Config
	Pool      *pgxpool.Pool
	Temporal  client.Client
	Auth      *auth.Service
	Orders    *order.Store
	Items     *items.Store
	Evidence  *evidence.Store
	Holidays  *holidays.Store
	Notifier  *notify.Notifier
	Bulletins *bulletin.Store
	Weak      *weak.Store
	Org       *org.Store
	Progress  *progress.Store
	// Imports runs background problem-list imports; Serve runs its jobs.
	Imports *imports.Service
	// Deployment is this database's id; workflow ids start with it.
	Deployment string
	// metrics is what /metrics serves; httpMetrics measures the requests of Handler.
	metrics     *metrics
	httpMetrics *telemetry.HTTPMetrics
}

// Open migrates the database and connects to PostgreSQL and Temporal.
func Open(ctx context.Context, cfg Config) (_ *System, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("app.Open: %w", err)
		}
	}()
	m, err := newMetrics()
	if err != nil {
		return nil, err
	}
	httpMetrics, err := telemetry.NewHTTPMetrics(m.registry)
	if err != nil {
		return nil, err
	}
	pool, err := OpenDatabase(ctx, cfg)
	if err != nil {
		return nil, err
	}
	tc, err := client.DialContext(ctx, client.Options{
		HostPort:       cfg.TemporalAddress,
		Namespace:      cfg.TemporalNamespace,
		Logger:         tlog.NewStructuredLogger(slog.Default()),
		MetricsHandler: m.temporal,
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("temporal %s: %w", cfg.TemporalAddress, err)
	}
	deployment, err := db.DeploymentID(ctx, pool)
	if err != nil {
		tc.Close()
		pool.Close()
		return nil, err
	}
	ev, err := evidence.NewStore(pool, cfg.EvidenceDir)
	if err != nil {
		tc.Close()
		pool.Close()
		return nil, err
	}
	hs, err := holidays.NewStore(pool, cfg.HolidayFiles)
	if err != nil {
		tc.Close()
		pool.Close()
		return nil, err
	}
	senders, err := notify.NewSenders(cfg.Notify)
	if err != nil {
		tc.Close()
		pool.Close()
		return nil, err
	}
	orders := order.NewStore(pool, nil)
	itemStore, notifyStore := items.NewStore(pool), notify.NewStore(pool)
	if err := m.registry.Register(newDomainCollector(itemStore, notifyStore)); err != nil {
		tc.Close()
		pool.Close()
		return nil, err
	}
	return &System{
		Config:      cfg,
		Pool:        pool,
		Temporal:    tc,
		Auth:        auth.NewService(pool, auth.Options{SecureCookie: cfg.SecureCookie, ClientIPHeader: cfg.ClientIPHeader}),
		Orders:      orders,
		Imports:     imports.NewService(pool, orders, imports.Options{Lease: cfg.ImportLease}),
		Items:       itemStore,
		Evidence:    ev,
		Holidays:    hs,
		Bulletins:   bulletin.NewStore(pool),
		Weak:        weak.NewStore(pool),
		Org:         org.NewStore(pool),
		Progress:    progress.NewStore(pool),
		Notifier:    &notify.Notifier{Store: notifyStore, Senders: senders},
		Deployment:  deployment,
		metrics:     m,
		httpMetrics: httpMetrics,
	}, nil
}

// withPoolSize sets the pool's size in the DATABASE_URL the pool is opened with (only the
// pool understands it). pgx's default is the number of CPUs, at least 4. Senders hold a
// connection only for a statement, never across a provider call, so a dozen serves the 16
// senders, issuance and the API together.
func withPoolSize(databaseURL string, n int) string {
	if n <= 0 {
		return databaseURL
	}
	u, err := url.Parse(databaseURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return databaseURL + " pool_max_conns=" + strconv.Itoa(n) // a keyword/value string
	}
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(n))
	u.RawQuery = q.Encode()
	return u.String()
}

// Close releases connections.
func (s *System) Close() {
	s.Auth.Close()
	s.Temporal.Close()
	s.Pool.Close()
	s.metrics.close()
}

// Worker returns a worker with every workflow and activity registered.
func (s *System) Worker() worker.Worker {
	w := worker.New(s.Temporal, s.Config.TaskQueue, s.Config.WorkerOptions())
	RegisterWorkflows(w)
	dispatchers := &dispatchacts.Dispatchers{Client: s.Temporal, TaskQueue: s.Config.TaskQueue, Settle: s.Config.DispatchSettle}
	w.RegisterActivity(&itemacts.Activities{Items: s.Items, Orders: s.Orders, Client: s.Temporal, TaskQueue: s.Config.TaskQueue,
		Concurrency: s.Config.IssueConcurrency, Dispatchers: dispatchers})
	w.RegisterActivity(&weakacts.Activities{Weak: s.Weak, Org: s.Org, Notifier: s.Notifier})
	w.RegisterActivity(&calendaracts.Activities{Holidays: s.Holidays, Items: s.Items, Client: s.Temporal, Concurrency: s.Config.IssueConcurrency})
	w.RegisterActivity(&bulletinacts.Activities{Holidays: s.Holidays, Bulletins: s.Bulletins, Weak: s.Weak, Org: s.Org, Notifier: s.Notifier})
	w.RegisterActivity(&dispatchacts.Activities{Items: s.Items, Holidays: s.Holidays, Notifier: s.Notifier, Dispatchers: dispatchers,
		SendConcurrency: s.Config.SendConcurrency, Link: func(id string) string {
			return strings.TrimSuffix(s.Config.PublicURL, "/") + "/items/" + url.PathEscape(id)
		}})
	return w
}

// RegisterWorkflows puts every workflow type on a registry: a worker or a replayer.
func RegisterWorkflows(r interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
}) {
	r.RegisterWorkflowWithOptions(item.UnitOrderWorkflow, workflow.RegisterOptions{Name: "UnitOrderWorkflow"})
	r.RegisterWorkflowWithOptions(item.IssueOrderWorkflow, workflow.RegisterOptions{Name: "IssueOrderWorkflow"})
	r.RegisterWorkflowWithOptions(dispatch.DispatchWorkflow, workflow.RegisterOptions{Name: "DispatchWorkflow"})
	r.RegisterWorkflowWithOptions(recalendar.RecalendarWorkflow, workflow.RegisterOptions{Name: "RecalendarWorkflow"})
	r.RegisterWorkflowWithOptions(bulletinwf.BulletinWorkflow, workflow.RegisterOptions{Name: "BulletinWorkflow"})
	r.RegisterWorkflowWithOptions(weakcase.CaseWorkflow, workflow.RegisterOptions{Name: "CaseWorkflow"})
}

// EnsureSchedules creates the bulletin schedules (weekly on Monday and monthly on the 1st,
// at 08:30 Asia/Shanghai) unless they exist.
func (s *System) EnsureSchedules(ctx context.Context) error {
	for kind, cron := range map[string]string{bulletin.Weekly: "30 8 * * 1", bulletin.Monthly: "30 8 1 * *"} {
		id := s.Deployment + "-bulletin-" + kind
		_, err := s.Temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID:   id,
			Spec: client.ScheduleSpec{CronExpressions: []string{cron}, TimeZoneName: "Asia/Shanghai"},
			Action: &client.ScheduleWorkflowAction{ID: id, Workflow: bulletinwf.BulletinWorkflow, TaskQueue: s.Config.TaskQueue,
				Args: []any{bulletinmsg.BulletinInput{Deployment: s.Deployment, Kind: kind}}},
		})
		if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return fmt.Errorf("schedule %s: %w", id, err)
		}
	}
	return nil
}

// Rectification is the rectification service on the system's stores, calling Temporal
// through the fail-fast client as requests do.
func (s *System) Rectification() *rectification.Service {
	return &rectification.Service{Orders: s.Orders, Items: s.Items, Evidence: s.Evidence, Notifier: s.Notifier, Holidays: s.Holidays,
		Bulletins: s.Bulletins, Org: s.Org, Progress: s.Progress, Imports: s.Imports, Workflows: s.workflows(reachable.Temporal(s.Temporal))}
}

// workflows is how a service on this system reaches its workflows through tc.
func (s *System) workflows(tc client.Client) reachable.Workflows {
	return reachable.Workflows{Temporal: tc, TaskQueue: s.Config.TaskQueue, Deployment: s.Deployment}
}

// Handler is the HTTP API (/api/ and /healthz), readiness (/readyz), the metrics (/metrics)
// and the staff pages (everything else), each request measured and given its request id.
// /readyz and /metrics need no sign-in: a load balancer and Prometheus ask them.
func (s *System) Handler() http.Handler {
	rect := s.Rectification()
	weak := s.weakBranch(rect.Temporal, rect)
	apiHandler := api.New(api.Deps{Rectification: rect, Auth: s.Auth, Weak: weak, Timeout: s.Config.RequestTimeout,
		PublicURL: s.Config.PublicURL})
	pageHandler, err := pages.New(pages.Deps{Auth: s.Auth, Rectification: rect, Weak: weak, Timeout: s.Config.RequestTimeout,
		PublicURL: s.Config.PublicURL})
	if err != nil {
		panic(err) // the embedded templates, catalogues and files are checked by the pages' tests
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", apiHandler)
	mux.Handle("/healthz", apiHandler)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.Handle("/", pageHandler)
	return s.httpMetrics.Middleware(mux)
}

// weakBranch is the weak-branch service calling Temporal through tc; rect issues its cases'
// plans (nil where no plan is made, as when reconciling).
func (s *System) weakBranch(tc client.Client, rect *rectification.Service) *weakbranch.Service {
	return &weakbranch.Service{Weak: s.Weak, Items: s.Items, Rectification: rect, Workflows: s.workflows(tc)}
}

// Limits of the HTTP server on one connection; see NewHTTPServer.
const (
	// ReadHeaderTimeout: a client has this long to send its request line and headers.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout covers the whole request, body included: a 20 MB problem list or piece
	// of evidence over a 1 Mbit/s township line takes about 170 s.
	ReadTimeout = 5 * time.Minute
	// WriteTimeout runs from the end of the request headers to the end of the answer, so it
	// covers an upload's ReadTimeout plus its handling, and a ledger export (100,000 rows,
	// 6 MiB: under a minute at 1 Mbit/s).
	WriteTimeout = 10 * time.Minute
	// IdleTimeout closes a kept-alive connection nobody uses.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes is room for a session cookie, a token and ordinary headers.
	MaxHeaderBytes = 64 << 10
)

// NewHTTPServer is the HTTP server for handler on addr, with every timeout set so that
// slow or idle clients cannot hold connections and goroutines for ever.
func NewHTTPServer(addr string, handler http.Handler) *http.Server {
	return &http.Server{Addr: addr, Handler: handler,
		ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout, WriteTimeout: WriteTimeout,
		IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes}
}

// ServeOps serves /metrics, /readyz and /healthz alone on addr until ctx ends: a `rectify
// worker` serves no API, but its Temporal worker's metrics (slots, sticky cache, polls) exist
// only in its process.
func (s *System) ServeOps(ctx context.Context, addr string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	return serveUntil(ctx, NewHTTPServer(addr, s.httpMetrics.Middleware(mux)))
}

// serveUntil runs srv until ctx ends, then stops taking connections and lets the requests in
// flight finish, for up to 10 seconds.
func serveUntil(ctx context.Context, srv *http.Server) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", srv.Addr, err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// Serve runs the HTTP API, and the background imports it takes in, until ctx ends.
func (s *System) Serve(ctx context.Context) error {
	go s.Imports.Run(ctx)
	go s.Items.RunCompactor(ctx, s.Config.CompactCountsEvery, func(err error) { slog.Error("compacting the dashboard counts", "error", err) })
	return serveUntil(ctx, NewHTTPServer(s.Config.Listen, s.Handler()))
}

// OpenDatabase migrates the database as its owner and connects as the app's role.
func OpenDatabase(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	ownerURL, err := cfg.MigrateURL()
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, ownerURL, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	pool, err := db.Open(ctx, withPoolSize(cfg.DatabaseURL, cfg.DBMaxConns))
	if err != nil {
		return nil, err
	}
	if err := warnIfPrivileged(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// warnIfPrivileged says so when the app's connection could rewrite the audit trail: it
// connects as a superuser or as the tables' owner (DATABASE_URL names the wrong role).
func warnIfPrivileged(ctx context.Context, pool *pgxpool.Pool) error {
	user, privileged, err := db.Privileged(ctx, pool)
	if err != nil {
		return err
	}
	if privileged {
		slog.Warn("the app connects to PostgreSQL as a role that can rewrite the audit trail; set DATABASE_URL to the app role",
			"user", user, "app_role", db.AppRole)
	}
	return nil
}
