package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/app"
	"rectify/internal/testenv"
)

var configVars = []string{"DATABASE_URL", "MIGRATE_DATABASE_URL", "ADMIN_DATABASE_URL", "TEMPORAL_ADDRESS",
	"TEMPORAL_NAMESPACE", "RECTIFY_TASK_QUEUE", "RECTIFY_LISTEN", "RECTIFY_EVIDENCE_DIR", "RECTIFY_ISSUE_CONCURRENCY",
	"RECTIFY_SECURE_COOKIE", "RECTIFY_CLIENT_IP_HEADER", "RECTIFY_REQUEST_TIMEOUT", "RECTIFY_HOLIDAY_FILES",
	"RECTIFY_PUBLIC_URL", "RECTIFY_SEND_CONCURRENCY", "RECTIFY_DISPATCH_SETTLE", "RECTIFY_RECONCILE_EVERY",
	"RECTIFY_DB_MAX_CONNS", "RECTIFY_IMPORT_LEASE", "RECTIFY_WORKER_STICKY_CACHE_SIZE", "RECTIFY_WORKER_MAX_WORKFLOW_TASKS",
	"RECTIFY_WORKER_MAX_ACTIVITIES", "RECTIFY_WORKER_WORKFLOW_POLLERS", "RECTIFY_WORKER_ACTIVITY_POLLERS", "RECTIFY_WORKER_OPS_LISTEN", "NOTIFY_CHANNELS", "SMTP_PORT", "SMS_PROVIDER"}

func TestConfigDefaultsAndOverrides(t *testing.T) {
	testenv.ClearEnv(t, configVars...)
	c, err := app.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, app.Defaults(), c, "empty variables leave the defaults")

	testenv.Setenv(t, map[string]string{"DATABASE_URL": "postgres://a@db/x", "RECTIFY_LISTEN": ":9090",
		"RECTIFY_SEND_CONCURRENCY": "4", "RECTIFY_DISPATCH_SETTLE": "0s", "RECTIFY_IMPORT_LEASE": "1m",
		"RECTIFY_SECURE_COOKIE": "true", "RECTIFY_CLIENT_IP_HEADER": "X-Real-IP"})
	c, err = app.ConfigFromEnv()
	require.NoError(t, err)
	want := app.Defaults()
	want.DatabaseURL, want.Listen, want.SendConcurrency = "postgres://a@db/x", ":9090", 4
	want.DispatchSettle, want.ImportLease, want.ClientIPHeader = 0, time.Minute, "X-Real-IP"
	want.SecureCookie = true // on request, over http too
	require.Equal(t, want, c, "the variables set change their fields and no other")
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"RECTIFY_SEND_CONCURRENCY", "many", `RECTIFY_SEND_CONCURRENCY="many": want an integer from 1 to 256`},
		{"RECTIFY_SEND_CONCURRENCY", "0", `RECTIFY_SEND_CONCURRENCY="0": want an integer from 1 to 256`},
		{"RECTIFY_DISPATCH_SETTLE", "-1s", `RECTIFY_DISPATCH_SETTLE="-1s": want a duration such as 5s`},
		{"RECTIFY_DISPATCH_SETTLE", "5", `RECTIFY_DISPATCH_SETTLE="5": want a duration such as 5s`},
		{"RECTIFY_DB_MAX_CONNS", "1", `RECTIFY_DB_MAX_CONNS="1": want an integer from 2 to 500`},
		{"RECTIFY_IMPORT_LEASE", "2h", `RECTIFY_IMPORT_LEASE="2h": want a duration from 1s to 1h such as 30s`},
		{"RECTIFY_RECONCILE_EVERY", "10ms", `RECTIFY_RECONCILE_EVERY="10ms": want a duration of at least 1s such as 5m`},
		{"RECTIFY_ISSUE_CONCURRENCY", "1001", `RECTIFY_ISSUE_CONCURRENCY="1001": want an integer from 1 to 1000`},
		{"RECTIFY_SECURE_COOKIE", "maybe", `RECTIFY_SECURE_COOKIE="maybe": want true or false`},
		{"RECTIFY_REQUEST_TIMEOUT", "0s", `RECTIFY_REQUEST_TIMEOUT="0s": want a duration such as 30s`},
		{"RECTIFY_PUBLIC_URL", "ftp://x", `RECTIFY_PUBLIC_URL="ftp://x": want an http:// or https:// address`},
		{"SMTP_PORT", "smtp", `SMTP_PORT="smtp": want a port number from 1 to 65535`},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			testenv.ClearEnv(t, configVars...)
			t.Setenv(tc.name, tc.value)
			_, err := app.ConfigFromEnv()
			require.EqualError(t, err, tc.want)
		})
	}
}

// The worker's sizes come from RECTIFY_WORKER_*, default to the SDK's own, reach the
// worker's options, and are refused out of bounds with the variable named.
func TestWorkerSettingsFromConfig(t *testing.T) {
	testenv.ClearEnv(t, configVars...)
	c, err := app.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, app.WorkerConfig{StickyCacheSize: 10000, MaxWorkflowTasks: 1000, MaxActivities: 1000,
		WorkflowPollers: 2, ActivityPollers: 2}, c.WorkerConfig, "the SDK's defaults")

	testenv.Setenv(t, map[string]string{"RECTIFY_WORKER_STICKY_CACHE_SIZE": "50000", "RECTIFY_WORKER_MAX_WORKFLOW_TASKS": "200",
		"RECTIFY_WORKER_MAX_ACTIVITIES": "300", "RECTIFY_WORKER_WORKFLOW_POLLERS": "4", "RECTIFY_WORKER_ACTIVITY_POLLERS": "8",
		"RECTIFY_WORKER_OPS_LISTEN": "127.0.0.1:9091"})
	c, err = app.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, 50000, c.StickyCacheSize)
	require.Equal(t, "127.0.0.1:9091", c.OpsListen)
	o := c.WorkerOptions()
	require.Equal(t, 200, o.MaxConcurrentWorkflowTaskExecutionSize)
	require.Equal(t, 300, o.MaxConcurrentActivityExecutionSize)
	require.Equal(t, 4, o.MaxConcurrentWorkflowTaskPollers)
	require.Equal(t, 8, o.MaxConcurrentActivityTaskPollers)

	for _, tc := range []struct{ name, value, want string }{
		{"RECTIFY_WORKER_STICKY_CACHE_SIZE", "-1", `RECTIFY_WORKER_STICKY_CACHE_SIZE="-1": want an integer from 0 to 1000000`},
		{"RECTIFY_WORKER_STICKY_CACHE_SIZE", "lots", `RECTIFY_WORKER_STICKY_CACHE_SIZE="lots": want an integer from 0 to 1000000`},
		{"RECTIFY_WORKER_MAX_WORKFLOW_TASKS", "0", `RECTIFY_WORKER_MAX_WORKFLOW_TASKS="0": want an integer from 1 to 10000`},
		{"RECTIFY_WORKER_MAX_ACTIVITIES", "10001", `RECTIFY_WORKER_MAX_ACTIVITIES="10001": want an integer from 1 to 10000`},
		{"RECTIFY_WORKER_WORKFLOW_POLLERS", "1", `RECTIFY_WORKER_WORKFLOW_POLLERS="1": want an integer from 2 to 100`},
		{"RECTIFY_WORKER_ACTIVITY_POLLERS", "0", `RECTIFY_WORKER_ACTIVITY_POLLERS="0": want an integer from 1 to 100`},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			testenv.ClearEnv(t, configVars...)
			t.Setenv(tc.name, tc.value)
			_, err := app.ConfigFromEnv()
			require.EqualError(t, err, tc.want)
		})
	}
}
