package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/app"
)

var configVars = []string{"DATABASE_URL", "MIGRATE_DATABASE_URL", "ADMIN_DATABASE_URL", "TEMPORAL_ADDRESS",
	"TEMPORAL_NAMESPACE", "RECTIFY_TASK_QUEUE", "RECTIFY_LISTEN", "RECTIFY_EVIDENCE_DIR", "RECTIFY_ISSUE_CONCURRENCY",
	"RECTIFY_SECURE_COOKIE", "RECTIFY_CLIENT_IP_HEADER", "RECTIFY_REQUEST_TIMEOUT", "RECTIFY_HOLIDAY_FILES",
	"RECTIFY_PUBLIC_URL", "RECTIFY_SEND_CONCURRENCY", "RECTIFY_DISPATCH_SETTLE", "RECTIFY_RECONCILE_EVERY",
	"RECTIFY_DB_MAX_CONNS", "RECTIFY_IMPORT_LEASE", "NOTIFY_CHANNELS", "SMTP_PORT", "SMS_PROVIDER"}

func clearConfigEnv(t *testing.T) {
	for _, k := range configVars {
		t.Setenv(k, "")
	}
}

func TestConfigDefaultsAndOverrides(t *testing.T) {
	clearConfigEnv(t)
	c, err := app.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, app.Defaults(), c, "empty variables leave the defaults")

	t.Setenv("DATABASE_URL", "postgres://a@db/x")
	t.Setenv("RECTIFY_LISTEN", ":9090")
	t.Setenv("RECTIFY_SEND_CONCURRENCY", "4")
	t.Setenv("RECTIFY_DISPATCH_SETTLE", "0s")
	t.Setenv("RECTIFY_IMPORT_LEASE", "1m")
	t.Setenv("RECTIFY_SECURE_COOKIE", "true")
	t.Setenv("RECTIFY_CLIENT_IP_HEADER", "X-Real-IP")
	c, err = app.ConfigFromEnv()
	require.NoError(t, err)
	require.Equal(t, "postgres://a@db/x", c.DatabaseURL)
	require.Equal(t, ":9090", c.Listen)
	require.Equal(t, 4, c.SendConcurrency)
	require.Equal(t, time.Duration(0), c.DispatchSettle)
	require.Equal(t, time.Minute, c.ImportLease)
	require.True(t, c.SecureCookie, "Secure on request over http")
	require.Equal(t, "X-Real-IP", c.ClientIPHeader)
	require.Equal(t, "rectify", c.TaskQueue)
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
			clearConfigEnv(t)
			t.Setenv(tc.name, tc.value)
			_, err := app.ConfigFromEnv()
			require.EqualError(t, err, tc.want)
		})
	}
}
