// Package app wires the system together: configuration, database, Temporal client,
// worker and HTTP server. cmd/rectify and the integration tests both build on it.
package app

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"rectify/internal/db"
	"rectify/internal/notify"
)

// Config is read from the environment; every field has a documented default (README).
type Config struct {
	DatabaseURL string // DATABASE_URL: as the app's role (db.AppRole), which owns nothing
	// MigrateDatabaseURL is the owner's (MIGRATE_DATABASE_URL); empty means DATABASE_URL with
	// the user db.OwnerRole and no password.
	MigrateDatabaseURL string
	// AdminDatabaseURL is a superuser's (ADMIN_DATABASE_URL), used only by `rectify dev` and
	// `rectify bootstrap` to create the owner role and the database.
	AdminDatabaseURL  string
	TemporalAddress   string        // TEMPORAL_ADDRESS
	TemporalNamespace string        // TEMPORAL_NAMESPACE
	TaskQueue         string        // RECTIFY_TASK_QUEUE
	Listen            string        // RECTIFY_LISTEN
	EvidenceDir       string        // RECTIFY_EVIDENCE_DIR
	IssueConcurrency  int           // RECTIFY_ISSUE_CONCURRENCY: unit workflows started at once
	SecureCookie      bool          // RECTIFY_SECURE_COOKIE: on by itself when RECTIFY_PUBLIC_URL is https
	ClientIPHeader    string        // RECTIFY_CLIENT_IP_HEADER: header a trusted reverse proxy puts the client's address in
	RequestTimeout    time.Duration // RECTIFY_REQUEST_TIMEOUT
	HolidayFiles      string        // RECTIFY_HOLIDAY_FILES: extra holiday-cn year files, comma-separated
	PublicURL         string        // RECTIFY_PUBLIC_URL: base of links in messages
	SendConcurrency   int           // RECTIFY_SEND_CONCURRENCY: people sent to at once
	DispatchSettle    time.Duration // RECTIFY_DISPATCH_SETTLE: wait after a send slot for stragglers
	ReconcileEvery    time.Duration // RECTIFY_RECONCILE_EVERY: how often the worker starts weak cases left without a workflow
	DBMaxConns        int           // RECTIFY_DB_MAX_CONNS: PostgreSQL connections per process
	ImportLease       time.Duration // RECTIFY_IMPORT_LEASE: a background import whose process died is resumed after this
	Notify            notify.Config // SMTP_*, SMS_*, DINGTALK_*, WECOM_*, NOTIFY_CHANNELS
}

// Defaults is the configuration of a local development machine.
func Defaults() Config {
	return Config{
		DatabaseURL:       "postgres://rectify_app@127.0.0.1:5432/rectify?sslmode=disable",
		AdminDatabaseURL:  "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		TemporalAddress:   "127.0.0.1:7233",
		TemporalNamespace: "default",
		TaskQueue:         "rectify",
		Listen:            "127.0.0.1:8080",
		EvidenceDir:       "var/evidence",
		IssueConcurrency:  32,
		RequestTimeout:    30 * time.Second,
		PublicURL:         "http://127.0.0.1:8080",
		SendConcurrency:   16,
		DispatchSettle:    5 * time.Second,
		ReconcileEvery:    5 * time.Minute,
		DBMaxConns:        12,
		ImportLease:       30 * time.Second,
		Notify:            notify.DefaultConfig(),
	}
}

// ConfigFromEnv reads the environment over the defaults.
func ConfigFromEnv() (Config, error) {
	c := Defaults()
	str := func(name string, dst *string) {
		if v := os.Getenv(name); v != "" {
			*dst = v
		}
	}
	str("DATABASE_URL", &c.DatabaseURL)
	str("MIGRATE_DATABASE_URL", &c.MigrateDatabaseURL)
	str("ADMIN_DATABASE_URL", &c.AdminDatabaseURL)
	str("TEMPORAL_ADDRESS", &c.TemporalAddress)
	str("TEMPORAL_NAMESPACE", &c.TemporalNamespace)
	str("RECTIFY_TASK_QUEUE", &c.TaskQueue)
	str("RECTIFY_LISTEN", &c.Listen)
	str("RECTIFY_EVIDENCE_DIR", &c.EvidenceDir)
	str("RECTIFY_HOLIDAY_FILES", &c.HolidayFiles)
	str("RECTIFY_PUBLIC_URL", &c.PublicURL)
	if v := os.Getenv("RECTIFY_SEND_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return c, fmt.Errorf("RECTIFY_SEND_CONCURRENCY=%q: want an integer from 1 to 256", v)
		}
		c.SendConcurrency = n
	}
	if v := os.Getenv("RECTIFY_DISPATCH_SETTLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("RECTIFY_DISPATCH_SETTLE=%q: want a duration such as 5s", v)
		}
		c.DispatchSettle = d
	}
	if v := os.Getenv("RECTIFY_DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 500 {
			return c, fmt.Errorf("RECTIFY_DB_MAX_CONNS=%q: want an integer from 2 to 500", v)
		}
		c.DBMaxConns = n
	}
	if v := os.Getenv("RECTIFY_IMPORT_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d > time.Hour {
			return c, fmt.Errorf("RECTIFY_IMPORT_LEASE=%q: want a duration from 1s to 1h such as 30s", v)
		}
		c.ImportLease = d
	}
	if v := os.Getenv("RECTIFY_RECONCILE_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return c, fmt.Errorf("RECTIFY_RECONCILE_EVERY=%q: want a duration of at least 1s such as 5m", v)
		}
		c.ReconcileEvery = d
	}
	nc, err := notify.ConfigFromEnv()
	if err != nil {
		return c, err
	}
	c.Notify = nc
	if v := os.Getenv("RECTIFY_ISSUE_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return c, fmt.Errorf("RECTIFY_ISSUE_CONCURRENCY=%q: want an integer from 1 to 1000", v)
		}
		c.IssueConcurrency = n
	}
	str("RECTIFY_CLIENT_IP_HEADER", &c.ClientIPHeader)
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("RECTIFY_PUBLIC_URL=%q: want an http:// or https:// address", c.PublicURL)
	}
	// People reach an https public URL over TLS, so the session cookie must never travel
	// without it.
	c.SecureCookie = u.Scheme == "https"
	if v := os.Getenv("RECTIFY_SECURE_COOKIE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("RECTIFY_SECURE_COOKIE=%q: want true or false", v)
		}
		if !b && c.SecureCookie {
			return c, fmt.Errorf("RECTIFY_SECURE_COOKIE=false with RECTIFY_PUBLIC_URL=%q: an https site needs Secure cookies", c.PublicURL)
		}
		c.SecureCookie = b
	}
	if v := os.Getenv("RECTIFY_REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("RECTIFY_REQUEST_TIMEOUT=%q: want a duration such as 30s", v)
		}
		c.RequestTimeout = d
	}
	return c, nil
}

// MigrateURL is the owner's URL: MigrateDatabaseURL, or DatabaseURL as db.OwnerRole.
func (c Config) MigrateURL() (string, error) {
	if c.MigrateDatabaseURL != "" {
		return c.MigrateDatabaseURL, nil
	}
	return db.WithUser(c.DatabaseURL, db.OwnerRole)
}
