// Package app wires the system together: configuration, database, Temporal client,
// worker and HTTP server. cmd/rectify and the integration tests both build on it.
package app

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"time"

	"github.com/caarlos0/env/v11"
	"go.temporal.io/sdk/worker"

	"rectify/internal/db"
	"rectify/internal/notify"
)

// Config is read from the environment (the env tags); every field has a documented
// default in README's table, whose order the groups and their fields follow. An empty
// variable counts as unset. The groups are embedded, so cfg.DatabaseURL and the like
// read as before.
type Config struct {
	DatabaseConfig
	TemporalConfig
	HTTPConfig
	FilesConfig
	JobsConfig
	WorkerConfig
	SendingConfig
	// Notify is read by notify.ConfigFromEnv: SMTP_*, SMS_*, DINGTALK_*, WECOM_*, NOTIFY_CHANNELS.
	Notify notify.Config `env:"-"`
}

// DatabaseConfig is where PostgreSQL is and as whom to connect.
type DatabaseConfig struct {
	// DatabaseURL is the app's role (db.AppRole), which owns nothing.
	DatabaseURL string `env:"DATABASE_URL"`
	// MigrateDatabaseURL is the owner's; empty means DatabaseURL with the user
	// db.OwnerRole and no password.
	MigrateDatabaseURL string `env:"MIGRATE_DATABASE_URL"`
	// AdminDatabaseURL is a superuser's, used only by `rectify dev` and
	// `rectify bootstrap` to create the owner role and the database.
	AdminDatabaseURL string `env:"ADMIN_DATABASE_URL"`
	// DBMaxConns is the PostgreSQL connections per process.
	DBMaxConns int `env:"RECTIFY_DB_MAX_CONNS"`
}

// TemporalConfig is the Temporal frontend and the queue the worker and the API share.
type TemporalConfig struct {
	TemporalAddress   string `env:"TEMPORAL_ADDRESS"`
	TemporalNamespace string `env:"TEMPORAL_NAMESPACE"`
	TaskQueue         string `env:"RECTIFY_TASK_QUEUE"`
}

// HTTPConfig is the API server and how it is reached.
type HTTPConfig struct {
	Listen string `env:"RECTIFY_LISTEN"`
	// PublicURL is the base of links in messages.
	PublicURL string `env:"RECTIFY_PUBLIC_URL"`
	// SecureCookie is on by itself when PublicURL is https.
	SecureCookie bool `env:"RECTIFY_SECURE_COOKIE"`
	// ClientIPHeader is the header a trusted reverse proxy puts the client's address in.
	ClientIPHeader string        `env:"RECTIFY_CLIENT_IP_HEADER"`
	RequestTimeout time.Duration `env:"RECTIFY_REQUEST_TIMEOUT"`
}

// FilesConfig is what lives on disk beside the database.
type FilesConfig struct {
	EvidenceDir string `env:"RECTIFY_EVIDENCE_DIR"`
	// HolidayFiles are extra holiday-cn year files, comma-separated.
	HolidayFiles string `env:"RECTIFY_HOLIDAY_FILES"`
}

// JobsConfig bounds the work done in the background or in batches.
type JobsConfig struct {
	// IssueConcurrency is how many unit workflows are started at once.
	IssueConcurrency int `env:"RECTIFY_ISSUE_CONCURRENCY"`
	// ImportLease: a background import whose process died is resumed after this.
	ImportLease time.Duration `env:"RECTIFY_IMPORT_LEASE"`
	// ReconcileEvery is how often the worker starts weak cases left without a workflow.
	ReconcileEvery time.Duration `env:"RECTIFY_RECONCILE_EVERY"`
	// CompactCountsEvery is how often the dashboard counts' deltas are folded (they are exact
	// either way; folding keeps reads short).
	CompactCountsEvery time.Duration `env:"RECTIFY_COMPACT_COUNTS_EVERY"`
}

// WorkerConfig sizes the Temporal worker (rectify worker and rectify dev); the defaults are
// the SDK's own.
type WorkerConfig struct {
	// StickyCacheSize is how many workflows a worker process keeps in memory between their
	// tasks (process-wide: set once, before any worker starts, by SetStickyCache); 0 keeps
	// none, and every task replays its workflow's history.
	StickyCacheSize int `env:"RECTIFY_WORKER_STICKY_CACHE_SIZE"`
	// MaxWorkflowTasks and MaxActivities are how many workflow tasks and activities run at
	// once in one worker.
	MaxWorkflowTasks int `env:"RECTIFY_WORKER_MAX_WORKFLOW_TASKS"`
	MaxActivities    int `env:"RECTIFY_WORKER_MAX_ACTIVITIES"`
	// WorkflowPollers and ActivityPollers are the long polls a worker keeps open for each
	// kind of task.
	WorkflowPollers int `env:"RECTIFY_WORKER_WORKFLOW_POLLERS"`
	ActivityPollers int `env:"RECTIFY_WORKER_ACTIVITY_POLLERS"`
	// OpsListen is where `rectify worker` serves /metrics, /readyz and /healthz; empty
	// serves nothing (serve and dev show them on the API's address).
	OpsListen string `env:"RECTIFY_WORKER_OPS_LISTEN"`
}

// WorkerOptions are the worker's options from the configuration.
func (c WorkerConfig) WorkerOptions() worker.Options {
	return worker.Options{
		MaxConcurrentWorkflowTaskExecutionSize: c.MaxWorkflowTasks,
		MaxConcurrentActivityExecutionSize:     c.MaxActivities,
		MaxConcurrentWorkflowTaskPollers:       c.WorkflowPollers,
		MaxConcurrentActivityTaskPollers:       c.ActivityPollers,
	}
}

// SetStickyCache sets the process's sticky workflow cache: the SDK keeps one for every
// worker of the process, and reads its size when the first worker starts.
func (c WorkerConfig) SetStickyCache() {
	worker.SetStickyWorkflowCacheSize(c.StickyCacheSize)
}

// SendingConfig paces the reminders.
type SendingConfig struct {
	// SendConcurrency is how many people are sent to at once.
	SendConcurrency int `env:"RECTIFY_SEND_CONCURRENCY"`
	// DispatchSettle is the wait after a send slot for stragglers.
	DispatchSettle time.Duration `env:"RECTIFY_DISPATCH_SETTLE"`
}

// Defaults is the configuration of a local development machine.
func Defaults() Config {
	return Config{
		DatabaseConfig: DatabaseConfig{
			DatabaseURL:      "postgres://rectify_app@127.0.0.1:5432/rectify?sslmode=disable",
			AdminDatabaseURL: "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
			DBMaxConns:       12,
		},
		TemporalConfig: TemporalConfig{TemporalAddress: "127.0.0.1:7233", TemporalNamespace: "default", TaskQueue: "rectify"},
		HTTPConfig:     HTTPConfig{Listen: "127.0.0.1:8080", PublicURL: "http://127.0.0.1:8080", RequestTimeout: 30 * time.Second},
		FilesConfig:    FilesConfig{EvidenceDir: "var/evidence"},
		JobsConfig: JobsConfig{IssueConcurrency: 32, ImportLease: 30 * time.Second, ReconcileEvery: 5 * time.Minute,
			CompactCountsEvery: 2 * time.Second},
		// The SDK's defaults (go.temporal.io/sdk v1.50.0, internal/internal_worker.go and
		// internal_task_handlers.go), written out so that README's table can say them.
		WorkerConfig: WorkerConfig{StickyCacheSize: 10000, MaxWorkflowTasks: 1000, MaxActivities: 1000,
			WorkflowPollers: 2, ActivityPollers: 2},
		SendingConfig: SendingConfig{SendConcurrency: 16, DispatchSettle: 5 * time.Second},
		Notify:        notify.DefaultConfig(),
	}
}

// limits say what each variable that is not plain text wants, for a value that does
// not parse as well as for one out of bounds; ok is nil where parsing is all.
var limits = []struct {
	name, want string
	ok         func(Config) bool
}{
	{"RECTIFY_SEND_CONCURRENCY", "an integer from 1 to 256", func(c Config) bool { return c.SendConcurrency >= 1 && c.SendConcurrency <= 256 }},
	{"RECTIFY_DISPATCH_SETTLE", "a duration such as 5s", func(c Config) bool { return c.DispatchSettle >= 0 }},
	{"RECTIFY_DB_MAX_CONNS", "an integer from 2 to 500", func(c Config) bool { return c.DBMaxConns >= 2 && c.DBMaxConns <= 500 }},
	{"RECTIFY_IMPORT_LEASE", "a duration from 1s to 1h such as 30s", func(c Config) bool { return c.ImportLease >= time.Second && c.ImportLease <= time.Hour }},
	{"RECTIFY_RECONCILE_EVERY", "a duration of at least 1s such as 5m", func(c Config) bool { return c.ReconcileEvery >= time.Second }},
	{"RECTIFY_COMPACT_COUNTS_EVERY", "a duration from 100ms to 1h such as 2s", func(c Config) bool {
		return c.CompactCountsEvery >= 100*time.Millisecond && c.CompactCountsEvery <= time.Hour
	}},
	{"RECTIFY_ISSUE_CONCURRENCY", "an integer from 1 to 1000", func(c Config) bool { return c.IssueConcurrency >= 1 && c.IssueConcurrency <= 1000 }},
	{"RECTIFY_WORKER_STICKY_CACHE_SIZE", "an integer from 0 to 1000000", func(c Config) bool {
		return c.StickyCacheSize >= 0 && c.StickyCacheSize <= 1_000_000
	}},
	{"RECTIFY_WORKER_MAX_WORKFLOW_TASKS", "an integer from 1 to 10000", func(c Config) bool {
		return c.MaxWorkflowTasks >= 1 && c.MaxWorkflowTasks <= 10000
	}},
	{"RECTIFY_WORKER_MAX_ACTIVITIES", "an integer from 1 to 10000", func(c Config) bool { return c.MaxActivities >= 1 && c.MaxActivities <= 10000 }},
	// The SDK needs two workflow pollers (one for the sticky queue, one for the shared one).
	{"RECTIFY_WORKER_WORKFLOW_POLLERS", "an integer from 2 to 100", func(c Config) bool { return c.WorkflowPollers >= 2 && c.WorkflowPollers <= 100 }},
	{"RECTIFY_WORKER_ACTIVITY_POLLERS", "an integer from 1 to 100", func(c Config) bool { return c.ActivityPollers >= 1 && c.ActivityPollers <= 100 }},
	{"RECTIFY_SECURE_COOKIE", "true or false", nil},
	{"RECTIFY_REQUEST_TIMEOUT", "a duration such as 30s", func(c Config) bool { return c.RequestTimeout > 0 }},
}

// ConfigFromEnv reads the environment over the defaults. Errors name the variable.
func ConfigFromEnv() (Config, error) {
	c := Defaults()
	raw := map[string]string{}
	err := env.ParseWithOptions(&c, env.Options{OnSet: func(name string, v any, _ bool) { raw[name], _ = v.(string) }})
	if err != nil {
		return c, envError(err, raw)
	}
	for _, l := range limits {
		if l.ok != nil && !l.ok(c) {
			return c, fmt.Errorf("%s=%q: want %s", l.name, raw[l.name], l.want)
		}
	}
	nc, err := notify.ConfigFromEnv()
	if err != nil {
		return c, err
	}
	c.Notify = nc
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("RECTIFY_PUBLIC_URL=%q: want an http:// or https:// address", c.PublicURL)
	}
	// People reach an https public URL over TLS, so the session cookie must never travel
	// without it.
	switch https := u.Scheme == "https"; {
	case raw["RECTIFY_SECURE_COOKIE"] == "":
		c.SecureCookie = https
	case !c.SecureCookie && https:
		return c, fmt.Errorf("RECTIFY_SECURE_COOKIE=false with RECTIFY_PUBLIC_URL=%q: an https site needs Secure cookies", c.PublicURL)
	}
	return c, nil
}

// envError names the variable of the first value env could not parse, and what it wants.
func envError(err error, raw map[string]string) error {
	var agg env.AggregateError
	if errors.As(err, &agg) && len(agg.Errors) > 0 {
		err = agg.Errors[0]
	}
	var pe env.ParseError
	if errors.As(err, &pe) {
		if f, ok := reflect.TypeFor[Config]().FieldByName(pe.Name); ok {
			name := f.Tag.Get("env")
			for _, l := range limits {
				if l.name == name {
					return fmt.Errorf("%s=%q: want %s", name, raw[name], l.want)
				}
			}
		}
	}
	return fmt.Errorf("app.ConfigFromEnv: %w", err)
}

// MigrateURL is the owner's URL: MigrateDatabaseURL, or DatabaseURL as db.OwnerRole.
func (c DatabaseConfig) MigrateURL() (string, error) {
	if c.MigrateDatabaseURL != "" {
		return c.MigrateDatabaseURL, nil
	}
	return db.WithUser(c.DatabaseURL, db.OwnerRole)
}
