package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/db"
	"rectify/internal/devserver"
	"rectify/internal/items"
	"rectify/internal/order"
	"rectify/internal/testenv"
	"rectify/workflows/item/itemmsg"
)

// The restore drill of the embedded topology (docs/production.md, "Backup and restore"):
// with the worker and the dev server stopped, the rectify database is dumped with pg_dump
// and Temporal's SQLite file copied; both are then destroyed and restored. After the
// restore every item is there in its state, an item's workflow answers an action, and a
// reminder timer that was still pending at the backup fires and is sent.
func TestABackupOfBothDatabasesRestoresItemsWorkflowsAndTimers(t *testing.T) {
	ctx := context.Background()
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		_, err := exec.LookPath(tool)
		require.NoError(t, err, "the drill needs %s", tool)
	}
	cli, err := testenv.TemporalCLI()
	require.NoError(t, err)
	addr, err := devserver.FreeHostPort()
	require.NoError(t, err)
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "temporal.db")
	// startTemporal runs the dev server on dbFile; the returned stop shuts it down as
	// Ctrl-C would and waits for it.
	startTemporal := func() (stop func()) {
		// In WAL mode, as `rectify dev` runs it: the copy must hold what the log holds.
		dev := devserver.New(devserver.Options{CLI: cli, HostPort: addr, DBFile: dbFile,
			ExtraArgs: []string{"--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"}})
		rctx, cancel := context.WithCancel(ctx)
		ready, done := make(chan struct{}), make(chan error, 1)
		go func() { done <- dev.Run(rctx, func() { close(ready) }) }()
		testenv.AwaitReady(t, ready, done, 60*time.Second)
		stopped := false
		stop = func() {
			if !stopped {
				stopped = true
				cancel()
				require.NoError(t, <-done)
			}
		}
		t.Cleanup(stop)
		return stop
	}
	stopTemporal := startTemporal()

	sink, cfg := withSink(t)
	e := apptest.New(t, addr, apptest.Options{NoWorker: true, Configure: cfg})
	e.AlwaysWorking()
	w := e.Sys.Worker()
	require.NoError(t, w.Start())

	// The 未签收提醒 is due one working day after issue, at the minute of issue. The order
	// is entered as issued a day before the next whole minute at least 12 s away (the backup
	// takes a few): that reminder is still pending when the backup is taken, and fires after
	// the restore.
	fire := time.Now().Add(12 * time.Second).Truncate(time.Minute)
	if fire.Before(time.Now().Add(12 * time.Second)) {
		fire = fire.Add(time.Minute)
	}
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "组织委员"}}
	d := order.Draft{Title: "恢复演练整改", Source: "督查", Targets: []string{"T1"}, Policy: roundTheClock(),
		Problems: []order.Problem{{Description: "台账不全", Measures: []order.Measure{
			{Content: "补齐台账", Criterion: "台账齐全", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: dueIn(10)}},
			{Content: "建立制度", Criterion: "制度上墙", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: dueIn(10)}},
		}}}}
	o := issuedOrder{e: e, ID: issueBackdated(t, e, time.Since(fire.Add(-24*time.Hour+30*time.Second)), "cs", d)}
	cs, t1o := e.Login("cs"), e.Login("t1o")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var got order.Order
		cs.JSON("GET", fmt.Sprintf("/api/orders/%d", o.ID), nil, 200, &got)
		assert.Equal(c, "issued", got.Status)
		o.Order = got
	}, 30*time.Second, 100*time.Millisecond)
	ids := o.items(t, "T1")
	require.Len(t, ids, 2)
	acked, waiting := ids[0], ids[1]
	var res itemmsg.ActionResult
	t1o.JSON("POST", "/api/items/"+acked+"/acknowledge", nil, 200, &res)
	require.Equal(t, itemmsg.Acknowledged, res.State)
	listing := func() map[string]string {
		t.Helper()
		var list struct{ Items []items.Row }
		cs.JSON("GET", fmt.Sprintf("/api/items?order=%d", o.ID), nil, 200, &list)
		states := map[string]string{}
		for _, r := range list.Items {
			states[r.ID] = r.State
		}
		return states
	}
	before := listing()
	require.Equal(t, map[string]string{acked: string(itemmsg.Acknowledged), waiting: string(itemmsg.Issued)}, before)

	// Backup, in a quiet moment: the worker and Temporal stopped, then both stores copied.
	w.Stop()
	stopTemporal()
	var notices int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM notices`).Scan(&notices))
	require.Zero(t, notices, "no reminder has fired before the backup")
	dump := filepath.Join(dir, "rectify.dump")
	pgTool(t, "pg_dump", "-Fc", "-f", dump, e.DB.AdminURL)
	saved := copyTemporalFiles(t, dir, filepath.Join(dir, "saved"))
	t.Logf("backup taken %s before the reminder was due", time.Until(fire).Round(time.Second))
	require.True(t, time.Now().Before(fire), "the backup was taken after the reminder was due; the drill proves nothing")

	// The disaster: both databases gone.
	require.NoError(t, db.DropDatabase(ctx, e.DB.AdminURL))
	removeTemporalFiles(t, dir)

	// Restore: rectify first (its database made again by pg_restore --create, owner and
	// grants with it), then Temporal on the copied file, then the worker.
	maintenance, err := db.WithDatabase(e.DB.AdminURL, "postgres")
	require.NoError(t, err)
	pgTool(t, "pg_restore", "--create", "--exit-on-error", "-d", maintenance, dump)
	copyTemporalFiles(t, saved, dir)
	startTemporal()
	// The API kept running through the outage: its pool's connections died with the
	// database, so it is given fresh ones, as a restarted process would have.
	e.Sys.Pool.Reset()
	w2 := e.Sys.Worker()
	require.NoError(t, w2.Start())
	t.Cleanup(w2.Stop)
	t.Logf("restored %s before the reminder was due", time.Until(fire).Round(time.Second))

	require.Equal(t, before, listing(), "every item is back in its state")

	// The reminder pending at the backup fires on time after the restore and is sent.
	var detail struct{ Notices []items.NoticeRow }
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		cs.JSON("GET", "/api/items/"+waiting, nil, 200, &detail)
		if assert.Len(c, detail.Notices, 1) {
			assert.Equal(c, "sent", detail.Notices[0].Status)
		}
	}, time.Until(fire)+30*time.Second, 200*time.Millisecond)
	require.Equal(t, string(itemmsg.RungNotAcknowledged), detail.Notices[0].Rung)
	require.True(t, detail.Notices[0].FireAt.Equal(fire), "fired for %s, want %s", detail.Notices[0].FireAt, fire)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		found := false
		for _, m := range sink.Messages() {
			found = found || m.To[0] == "t1o@example.cn"
		}
		assert.True(c, found, "the reminder reached the handler")
	}, 30*time.Second, 200*time.Millisecond)
	cs.JSON("GET", "/api/items/"+acked, nil, 200, &detail)
	require.Empty(t, detail.Notices, "the item signed for before the backup is not reminded")

	// The restored workflow answers an action.
	t1o.JSON("POST", "/api/items/"+waiting+"/acknowledge", nil, 200, &res)
	require.Equal(t, itemmsg.Acknowledged, res.State)
	require.Equal(t, map[string]string{acked: string(itemmsg.Acknowledged), waiting: string(itemmsg.Acknowledged)}, listing())
}

// pgTool runs a PostgreSQL client tool and fails the test with its output if it fails.
func pgTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s: %s", name, out)
}

// copyTemporalFiles copies the dev server's SQLite file, with its write-ahead log and index
// if any were left, from one directory to another, and returns the destination.
func copyTemporalFiles(t *testing.T, from, to string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(to, 0o755))
	matches, err := filepath.Glob(filepath.Join(from, "temporal.db*"))
	require.NoError(t, err)
	require.NotEmpty(t, matches, "no SQLite file in %s", from)
	for _, m := range matches {
		b, err := os.ReadFile(m)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(to, filepath.Base(m)), b, 0o644))
	}
	return to
}

func removeTemporalFiles(t *testing.T, dir string) {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "temporal.db*"))
	require.NoError(t, err)
	for _, m := range matches {
		require.NoError(t, os.Remove(m))
	}
}
