package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"rectify/internal/apptest"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/internal/testenv"
	"rectify/workflows/item/itemmsg"
)

// buildRectify builds the real binary so that the worker can be killed as a process.
func buildRectify(t *testing.T) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "rectify")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/rectify")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return bin
}

func startWorker(t *testing.T, bin string, e *apptest.Env, concurrency int) *exec.Cmd {
	t.Helper()
	return startWorkerEnv(t, bin, e, []string{fmt.Sprintf("RECTIFY_ISSUE_CONCURRENCY=%d", concurrency)})
}

// startWorkerEnv runs `rectify worker` as a process against the scenario's database and
// task queue, with extra environment.
func startWorkerEnv(t *testing.T, bin string, e *apptest.Env, extra []string) *exec.Cmd {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(t.TempDir(), "worker.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	cmd := exec.Command(bin, "worker")
	cmd.Env = append(append(os.Environ(),
		"DATABASE_URL="+e.DBURL,
		"MIGRATE_DATABASE_URL="+e.DB.OwnerURL,
		"TEMPORAL_ADDRESS="+temporalAddr,
		"RECTIFY_TASK_QUEUE="+e.Sys.Config.TaskQueue,
		"RECTIFY_EVIDENCE_DIR="+t.TempDir()), extra...)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); f.Close() })
	return cmd
}

// Killing the worker process in the middle of issuing 500 items (2 measures to 250 units)
// loses nothing and doubles nothing: after a restart every item exists exactly once, with
// one 交办 audit row and one running workflow per unit.
func TestKillingTheWorkerMidIssuanceLeavesEveryItemExactlyOnce(t *testing.T) {
	bin := buildRectify(t)
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true})
	ctx := context.Background()

	const units = 250
	tree := org.Tree{}
	targets := make([]string, units)
	for i := range units {
		code := fmt.Sprintf("X%03d", i)
		targets[i] = code
		tree.Units = append(tree.Units, org.UnitRecord{Code: code, Name: fmt.Sprintf("第%d村", i), Kind: "village", Parent: "T1"})
		tree.People = append(tree.People, org.PersonRecord{Login: "sj" + code, Name: "书记" + code, Unit: code, Roles: []role.Role{role.BranchSecretary}, Position: "书记"})
	}
	_, err := e.Org.Load(ctx, tree)
	require.NoError(t, err)
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "书记"}}
	draft := order.Draft{Title: "村级组织活动场所整治", Source: "督查", Targets: targets, Problems: []order.Problem{{
		Description: "活动场所挪作他用", Measures: []order.Measure{
			{Content: "清退占用", Criterion: "场所恢复党群服务功能", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: dueIn(30)}},
			{Content: "建立管理制度", Criterion: "制度上墙", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: dueIn(30)}},
		}}}}
	t1o := e.Login("t1o")
	var created struct{ ID int64 }
	t1o.JSON("POST", "/api/orders", draft, 201, &created)
	t1o.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, nil)

	count := func() int {
		var n int
		require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE order_id = $1`, created.ID).Scan(&n))
		return n
	}
	w := startWorker(t, bin, e, 1)
	deadline := time.Now().Add(60 * time.Second)
	for count() < 20 {
		require.True(t, time.Now().Before(deadline), "issuance never began")
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_ = w.Wait()
	time.Sleep(500 * time.Millisecond)
	atKill := count()
	require.Less(t, atKill, 2*units, "the kill must land mid-issuance")
	t.Logf("killed the worker with %d of %d items written", atKill, 2*units)

	startWorker(t, bin, e, 8)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Equal(c, 2*units, count())
		var status string
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT status FROM orders WHERE id = $1`, created.ID).Scan(&status))
		assert.Equal(c, "issued", status)
	}, 90*time.Second, 100*time.Millisecond)

	var pairs, issueRows, auditItems int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(DISTINCT (measure_id, unit_id)) FROM items WHERE order_id = $1`, created.ID).Scan(&pairs))
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT a.item_id) FROM item_audit a JOIN items i ON i.id = a.item_id
		WHERE i.order_id = $1 AND a.action = 'issue'`, created.ID).Scan(&issueRows, &auditItems))
	require.Equal(t, 2*units, pairs)
	require.Equal(t, 2*units, issueRows, "one 交办 audit row per item")
	require.Equal(t, 2*units, auditItems)

	var unitIDs []int64
	rows, err := e.Sys.Pool.Query(ctx, `SELECT DISTINCT unit_id FROM items WHERE order_id = $1`, created.ID)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		unitIDs = append(unitIDs, id)
	}
	require.Len(t, unitIDs, units)
	for _, u := range unitIDs {
		d, err := e.Sys.Temporal.DescribeWorkflowExecution(ctx, itemmsg.UnitWorkflowID(e.Sys.Deployment, created.ID, u), "")
		require.NoError(t, err)
		require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.WorkflowExecutionInfo.Status)
	}
}
