package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/imports"
	"rectify/internal/testenv"
)

// bigProblemList is a CSV problem list of n measures for 城关镇.
func bigProblemList(n int) []byte { return problemListFor(n, "城关镇", "组织委员") }

// problemListFor is a CSV problem list of n measures for unit, handled by its handler post.
func problemListFor(n int, unit, handler string) []byte {
	var b strings.Builder
	b.WriteString("序号,问题,整改措施,验收标准,牵头单位,第一责任人,具体责任人,完成时限\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,问题%d,措施%d,标准%d,%s,书记,%s,2027-01-31\n", i, i, i, i, unit, handler)
	}
	return []byte(b.String())
}

// startServe runs `rectify serve` as a process over the scenario's database.
func startServe(t *testing.T, bin string, e *apptest.Env, extra ...string) *exec.Cmd {
	t.Helper()
	return startRectify(t, bin, e, "serve", append([]string{"RECTIFY_LISTEN=" + testenv.ClosedPort(t)}, extra...)...)
}

// Background imports are kept in PostgreSQL: a person may have two queued or running; the
// API process running one is killed mid-import, and the next process resumes it and makes
// its draft once; a job whose processes kept dying is failed with a reason, not left
// running.
func TestABackgroundImportSurvivesTheAPIProcess(t *testing.T) {
	bin := buildRectify(t)
	e := apptest.New(t, temporalAddr, apptest.Options{NoImportRunner: true})
	ctx := context.Background()
	cs, t1o := e.Login("cs"), e.Login("t1o")
	enqueue := func(c *apptest.Client, name string, data []byte, title string) (int, imports.Job, []byte) {
		t.Helper()
		st, b := postForm(t, c, "/api/imports", name, data, map[string]string{"title": title, "source": "督查"})
		var j imports.Job
		if st == 202 {
			require.NoError(t, json.Unmarshal(b, &j))
		}
		return st, j, b
	}
	job := func(c *apptest.Client, id string) imports.Job {
		t.Helper()
		var j imports.Job
		c.JSON("GET", "/api/imports/"+id, nil, 200, &j)
		return j
	}

	// Two jobs queued for cs; a third is refused, while t1o may still import.
	const rows = 5000
	st, big, b := enqueue(cs, "big.csv", bigProblemList(rows), "大清单")
	require.Equal(t, 202, st, string(b))
	require.Equal(t, imports.Queued, big.Status)
	st, small, b := enqueue(cs, "small.csv", bigProblemList(3), "小清单")
	require.Equal(t, 202, st, string(b))
	st, _, b = enqueue(cs, "third.csv", bigProblemList(3), "第三份")
	require.Equal(t, 409, st, string(b))
	require.Contains(t, string(b), "2个导入任务在排队或进行中")
	st, other, b := enqueue(t1o, "t1o.csv", problemListFor(3, "东关村", "书记"), "镇清单")
	require.Equal(t, 202, st, string(b))
	st, _ = t1o.Do("GET", "/api/imports/"+big.ID, nil, nil)
	require.Equal(t, 404, st, "a job is its owner's")

	// An API process takes the jobs; it is killed while it reads the big sheet.
	serve := startServe(t, bin, e, "RECTIFY_IMPORT_LEASE=2s")
	var last imports.Job
	require.Eventually(t, func() bool {
		last = job(cs, big.ID)
		return last.Status == imports.Running && last.RowsRead > 0
	}, 60*time.Second, 10*time.Millisecond, "the big job never seen running: %+v", &last)
	require.NoError(t, serve.Process.Signal(syscall.SIGKILL))
	_ = serve.Wait()
	atKill := job(cs, big.ID)
	require.Equal(t, imports.Running, atKill.Status, "the kill must land mid-import")
	require.Equal(t, 1, atKill.Attempts)
	t.Logf("killed the API process at %d of %d rows", atKill.RowsRead, rows)

	// A new process over the same database resumes it.
	runner := func() {
		rctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); e.Sys.Imports.Run(rctx) }()
		t.Cleanup(func() { stop(); <-done })
	}
	runner()
	var got imports.Job
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got = job(cs, big.ID)
		assert.Equal(c, imports.Done, got.Status, "%+v", got.Error)
	}, 120*time.Second, 100*time.Millisecond)
	require.Equal(t, 2, got.Attempts, "resumed once")
	require.Equal(t, rows, got.Measures)
	require.EqualValues(t, rows+1, got.RowsRead, "header and every measure row")
	var orders int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE title = '大清单'`).Scan(&orders))
	require.Equal(t, 1, orders, "one draft, however often the job ran")
	for _, id := range []string{small.ID} {
		require.EventuallyWithT(t, func(c *assert.CollectT) { j := job(cs, id); assert.Equal(c, imports.Done, j.Status, "%+v", j.Error) }, 30*time.Second, 50*time.Millisecond)
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		j := job(t1o, other.ID)
		assert.Equal(c, imports.Done, j.Status, "%+v", j.Error)
	}, 30*time.Second, 50*time.Millisecond)
	var kept int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM import_jobs WHERE file IS NOT NULL`).Scan(&kept))
	require.Zero(t, kept, "a finished job's file is dropped")

	// cs may import again. A job that three processes claimed and died on (as the database
	// shows it: claimed three times, lease lapsed) is failed with a reason.
	e2 := apptest.New(t, temporalAddr, apptest.Options{NoImportRunner: true})
	cs2 := e2.Login("cs")
	st, b = postForm(t, cs2, "/api/imports", "doomed.csv", bigProblemList(3), map[string]string{"source": "督查"})
	require.Equal(t, 202, st, string(b))
	var doomed imports.Job
	require.NoError(t, json.Unmarshal(b, &doomed))
	_, err := e2.Sys.Pool.Exec(ctx, `UPDATE import_jobs SET status = 'running', attempts = 3, lease_until = now() - interval '1 second',
		started_at = now() WHERE id = $1`, doomed.ID)
	require.NoError(t, err)
	rctx, stop := context.WithCancel(ctx)
	finished := make(chan struct{})
	go func() { defer close(finished); e2.Sys.Imports.Run(rctx) }()
	t.Cleanup(func() { stop(); <-finished })
	job = func(c *apptest.Client, id string) imports.Job {
		t.Helper()
		var j imports.Job
		c.JSON("GET", "/api/imports/"+id, nil, 200, &j)
		return j
	}
	var failed imports.Job
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		failed = job(cs2, doomed.ID)
		assert.Equal(c, imports.Failed, failed.Status)
	}, 30*time.Second, 50*time.Millisecond)
	require.NotNil(t, failed.Error)
	require.Contains(t, failed.Error.Message, "多次中断")
	require.NotNil(t, failed.Finished)
	var orders2 int
	require.NoError(t, e2.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&orders2))
	require.Zero(t, orders2)
	st, _, b = enqueue(cs, "again.csv", bigProblemList(3), "再导入")
	require.Equal(t, 202, st, "finished jobs free the bound: %s", b)
}
