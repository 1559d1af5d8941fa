package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"

	"rectify/internal/app"
	"rectify/internal/apptest"
	"rectify/internal/bulletin"
	"rectify/internal/mailsink"
	"rectify/internal/order"
	"rectify/internal/testenv"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// Shared by the scenarios of this package: the dev server they all use, the orders they
// issue, the mail sink, the processes they start and kill, and the replay of histories.

// temporalAddr is the dev server every test in this package shares.
var temporalAddr string

func TestMain(m *testing.M) { apptest.Main(m, &temporalAddr) }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// threeMeasures is an order of 2 problems / 3 measures to townships T1 and T2.
func threeMeasures(due string) order.Draft {
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Direct: order.PersonRef{Position: "组织委员"},
		Handler: order.PersonRef{Position: "组织委员"}}
	return order.Draft{Title: "关于巡察反馈问题整改的通知", Source: "巡察", DocNumber: "示组通〔2026〕3号", Targets: []string{"T1", "T2"},
		Problems: []order.Problem{
			{Description: "三会一课记录不全", Measures: []order.Measure{
				{Content: "补齐会议记录", Criterion: "记录完整率100%", Responsibility: resp, Deadline: order.Deadline{Kind: "限期整改", Due: due}},
				{Content: "建立月度台账", Criterion: "每月一张台账", Responsibility: resp, Deadline: order.Deadline{Kind: "immediate", Due: due}},
			}},
			{Description: "党员发展程序不规范", Measures: []order.Measure{
				{Content: "逐一倒查", Criterion: "倒查清单覆盖全部新党员", Responsibility: resp, Deadline: order.Deadline{Kind: "ongoing", Checkpoints: []string{due}}},
			}},
		}}
}

// villageDraft is an order of 1 problem / 1 measure whose responsibilities go by position
// 书记, which every township and village of the fixture has (the county has none).
func villageDraft(targets ...string) order.Draft {
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "书记"}}
	return order.Draft{Title: "关于软弱涣散村党组织整顿的通知", Source: "督查", Targets: targets,
		Problems: []order.Problem{{Description: "组织生活不经常", Measures: []order.Measure{{
			Content: "每月召开支部委员会", Criterion: "每月一份会议记录", Responsibility: resp,
			Deadline: order.Deadline{Kind: "限期整改", Due: dueIn(30)},
		}}}}}
}

func dueIn(days int) string {
	return time.Now().In(order.Shanghai).AddDate(0, 0, days).Format("2006-01-02")
}

func day(t time.Time, n int) string {
	return t.In(order.Shanghai).AddDate(0, 0, n).Format("2006-01-02")
}

// issue creates and issues an order as cs and waits until all its items are readable.
func issue(t *testing.T, e *apptest.Env, d order.Draft, wantItems int) int64 {
	t.Helper()
	cs := e.Login("cs")
	var created struct{ ID int64 }
	cs.JSON("POST", "/api/orders", d, 201, &created)
	var issued struct {
		Status string `json:"status"`
	}
	start := time.Now()
	cs.JSON("POST", fmt.Sprintf("/api/orders/%d/issue", created.ID), nil, 202, &issued)
	require.Equal(t, "issuing", issued.Status)
	require.Less(t, time.Since(start), 2*time.Second, "issuing answers at once")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var n int
		require.NoError(c, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM items WHERE order_id = $1`, created.ID).Scan(&n))
		assert.Equal(c, wantItems, n)
		var status string
		require.NoError(c, e.Sys.Pool.QueryRow(context.Background(), `SELECT status FROM orders WHERE id = $1`, created.ID).Scan(&status))
		assert.Equal(c, "issued", status)
	}, 30*time.Second, 50*time.Millisecond)
	return created.ID
}

// issuedOrder is an order issued in a scenario, as its issuer read it once all its items
// existed.
type issuedOrder struct {
	e     *apptest.Env
	ID    int64
	Order order.Order
}

// issueThree issues threeMeasures, due in 20 days, as cs: six items, three at T1 and three at T2.
func issueThree(t *testing.T, e *apptest.Env) issuedOrder {
	t.Helper()
	o := issuedOrder{e: e, ID: issue(t, e, threeMeasures(dueIn(20)), 6)}
	e.Login("cs").JSON("GET", fmt.Sprintf("/api/orders/%d", o.ID), nil, 200, &o.Order)
	return o
}

// unitID is the id of the unit with this code.
func (o issuedOrder) unitID(t *testing.T, code string) int64 {
	t.Helper()
	u, err := o.e.Org.UnitByCode(context.Background(), code)
	require.NoError(t, err)
	return u.ID
}

// items are the order's items at the unit with this code, in the order of the measures.
func (o issuedOrder) items(t *testing.T, code string) []string {
	t.Helper()
	unit := o.unitID(t, code)
	var ids []string
	for _, p := range o.Order.Problems {
		for _, m := range p.Measures {
			ids = append(ids, itemmsg.ItemID(m.ID, unit))
		}
	}
	return ids
}

// issueBackdated creates and issues an order as if it had been issued `ago` before now,
// the way staff enter an order after the fact, so that its rungs are already due.
func issueBackdated(t *testing.T, e *apptest.Env, ago time.Duration, issuer string, d order.Draft) int64 {
	t.Helper()
	ctx := context.Background()
	past := time.Now().Add(-ago)
	st := order.NewStore(e.Sys.Pool, func() time.Time { return past })
	p, err := e.Org.PersonByLogin(ctx, issuer)
	require.NoError(t, err)
	id, err := st.Create(ctx, p.UnitID, p.ID, d)
	require.NoError(t, err)
	at, err := st.BeginIssue(ctx, id, p.UnitID, p.ID)
	require.NoError(t, err)
	_, err = item.StartIssue(ctx, e.Sys.Temporal, e.Sys.Config.TaskQueue, itemmsg.IssueOrderInput{Deployment: e.Sys.Deployment, OrderID: id, IssuedBy: p.ID, IssuedAt: at})
	require.NoError(t, err)
	return id
}

func roundTheClock() *itemmsg.Policy {
	p := itemmsg.DefaultPolicy()
	p.SendStart, p.SendEnd = "00:00", "23:59"
	return &p
}

// withSink starts a real SMTP server and points the system's email at it.
func withSink(t *testing.T) (*mailsink.Sink, func(*app.Config)) {
	t.Helper()
	sink, err := mailsink.Start("127.0.0.1:0", "")
	require.NoError(t, err)
	t.Cleanup(func() { _ = sink.Close() })
	host, port, _ := net.SplitHostPort(sink.Addr)
	p, _ := strconv.Atoi(port)
	return sink, func(c *app.Config) { c.Notify.SMTP.Host, c.Notify.SMTP.Port = host, p }
}

// publishNow asks for a bulletin of the caller's department and waits until it is kept.
func publishNow(t *testing.T, c *apptest.Client) bulletin.Bulletin {
	t.Helper()
	var before struct{ Bulletins []bulletin.Summary }
	c.JSON("GET", "/api/bulletins", nil, 200, &before)
	c.JSON("POST", "/api/bulletins", nil, 202, nil)
	var b bulletin.Bulletin
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		var list struct{ Bulletins []bulletin.Summary }
		c.JSON("GET", "/api/bulletins", nil, 200, &list)
		require.Greater(ct, len(list.Bulletins), len(before.Bulletins))
		c.JSON("GET", "/api/bulletins/"+itoa(list.Bulletins[0].ID), nil, 200, &b)
	}, 20*time.Second, 100*time.Millisecond)
	return b
}

func postForm(t *testing.T, c *apptest.Client, path, filename string, data []byte, fields map[string]string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	require.NoError(t, mw.Close())
	return c.Raw("POST", path, mw.FormDataContentType(), &buf)
}

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
	return startRectify(t, bin, e, "worker", append([]string{"MIGRATE_DATABASE_URL=" + e.DB.OwnerURL}, extra...)...)
}

// startServe runs `rectify serve` as a process over the scenario's database.
func startServe(t *testing.T, bin string, e *apptest.Env, extra ...string) *exec.Cmd {
	t.Helper()
	return startRectify(t, bin, e, "serve", append([]string{"RECTIFY_LISTEN=" + testenv.ClosedPort(t)}, extra...)...)
}

// startRectify runs `rectify <command>` as a process over the scenario's database, Temporal
// and task queue, with extra environment; its log is shown when the test fails.
func startRectify(t *testing.T, bin string, e *apptest.Env, command string, extra ...string) *exec.Cmd {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(t.TempDir(), command+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	cmd := exec.Command(bin, command)
	cmd.Env = append(append(os.Environ(),
		"DATABASE_URL="+e.DBURL,
		"TEMPORAL_ADDRESS="+temporalAddr,
		"RECTIFY_TASK_QUEUE="+e.Sys.Config.TaskQueue,
		"RECTIFY_EVIDENCE_DIR="+t.TempDir()), extra...)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		f.Close()
		if t.Failed() {
			if b, err := os.ReadFile(f.Name()); err == nil {
				t.Logf("rectify %s's log:\n%s", command, b)
			}
		}
	})
	return cmd
}

// recordHistories replays this run's histories with the current code and, with
// RECORD_HISTORIES=1, saves them as the replay fixtures in workflows/item/testdata.
func recordHistories(t *testing.T, e *apptest.Env, files map[string]string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if os.Getenv("RECORD_HISTORIES") == "1" {
		root, err := testenv.RepoRoot()
		require.NoError(t, err)
		dir = filepath.Join(root, "workflows")
	}
	r := worker.NewWorkflowReplayer()
	app.RegisterWorkflows(r)
	for wfID, name := range files {
		pkg, file := filepath.Split(name)
		p := filepath.Join(dir, pkg, "testdata", file)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, apptest.WriteHistory(ctx, e.Sys.Temporal, wfID, p))
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, p), "replay %s", wfID)
	}
}
