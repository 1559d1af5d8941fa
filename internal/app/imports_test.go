package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/imports"
	"rectify/internal/order"
	"rectify/internal/testenv"
)

// corpus reads a fuzz corpus directory of single-[]byte entries ("go test fuzz v1" files).
func corpus(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, e := range entries {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(nil, 1<<24)
		require.True(t, sc.Scan())
		require.Equal(t, "go test fuzz v1", sc.Text())
		require.True(t, sc.Scan())
		lit, ok := strings.CutPrefix(sc.Text(), "[]byte(")
		require.True(t, ok, "%s: %s", e.Name(), sc.Text())
		data, err := strconv.Unquote(strings.TrimSuffix(lit, ")"))
		require.NoError(t, err, e.Name())
		out[e.Name()] = []byte(data)
	}
	return out
}

// The sample sheet that ships in deploy/demo becomes a draft order: two problems spread
// over merged cells, five measures, the four kinds of deadline; a large file can be imported
// in the background with rows read reported; a bad sheet stores nothing and names the place.
func TestImportingTheSampleProblemList(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	cs := e.Login("cs")
	root, err := testenv.RepoRoot()
	require.NoError(t, err)
	sample, err := os.ReadFile(filepath.Join(root, "deploy", "demo", "sample-problem-list.xlsx"))
	require.NoError(t, err)

	st, b := postForm(t, cs, "/api/orders/import", "sample-problem-list.xlsx", sample, map[string]string{"title": "督查问题整改", "doc_number": "示组通〔2026〕8号"})
	require.Equal(t, 201, st, string(b))
	var created struct {
		ID       int64
		Measures int
	}
	require.NoError(t, json.Unmarshal(b, &created))
	require.Equal(t, 5, created.Measures)
	var o order.Order
	cs.JSON("GET", "/api/orders/"+itoa(created.ID), nil, 200, &o)
	require.Equal(t, "督查", o.Source)
	require.Len(t, o.Targets, 2)
	require.Len(t, o.Problems, 2)
	require.Len(t, o.Problems[0].Measures, 2)
	require.Len(t, o.Problems[1].Measures, 3)
	m := o.Problems[1].Measures
	require.Equal(t, 10, m[0].WorkingDays)
	require.Equal(t, "acknowledge", m[0].WorkingDaysFrom)
	require.Equal(t, "ongoing", m[1].DeadlineKind)
	require.Equal(t, []string{"2027-03-31", "2027-06-30"}, m[1].Checkpoints)
	require.Equal(t, "immediate", m[2].DeadlineKind)
	require.Equal(t, order.PersonRef{Position: "书记"}, o.Problems[0].Measures[0].Responsibility.Primary)

	// In the background, with rows read.
	st, b = postForm(t, cs, "/api/imports", "sample.xlsx", sample, nil)
	require.Equal(t, http.StatusAccepted, st, string(b))
	var job struct {
		ID       string
		Status   string
		RowsRead int64 `json:"rows_read"`
		OrderID  int64 `json:"order_id"`
	}
	require.NoError(t, json.Unmarshal(b, &job))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		cs.JSON("GET", "/api/imports/"+job.ID, nil, 200, &job)
		assert.Equal(c, "done", job.Status)
	}, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, int64(7), job.RowsRead, "title, header and five measure rows")
	require.NotZero(t, job.OrderID)

	// A CSV with a date nobody can read, and an unknown unit: both named, nothing stored.
	var before int
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&before))
	csv := "序号,问题,整改措施,验收标准,牵头单位,第一责任人,具体责任人,完成时限\n" +
		"1,问题一,措施一,标准一,城关镇,书记,组织委员,年底前\n" +
		"2,问题二,措施二,标准二,城关镇,书记,组织委员,2027-01-31\n" +
		"3,问题三,措施三,标准三,不存在镇,书记,组织委员,2027-01-31\n"
	st, b = postForm(t, cs, "/api/orders/import", "list.csv", []byte(csv), map[string]string{"source": "自查"})
	require.Equal(t, 400, st, string(b))
	require.Contains(t, string(b), "第2行 完成时限")
	require.Contains(t, string(b), "年底前")
	require.Contains(t, string(b), "不存在镇")
	// An old .xls renamed .xlsx.
	st, b = postForm(t, cs, "/api/orders/import", "old.xlsx", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0}, nil)
	require.Equal(t, 400, st, string(b))
	var after int
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders`).Scan(&after))
	require.Equal(t, before, after, "nothing stored")
	// A branch secretary cannot import.
	st, _ = postForm(t, e.Login("v11"), "/api/orders/import", "sample.xlsx", sample, nil)
	require.Equal(t, 403, st)
}

// Every problem list of the fuzz corpora, valid or broken, is imported over HTTP: a refused
// file leaves no order, problem or measure behind, and an accepted one adds exactly one draft.
func TestRefusedProblemListsStoreNothing(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	cs := e.Login("cs")
	root, err := testenv.RepoRoot()
	require.NoError(t, err)
	rows := func() [3]int {
		var n [3]int
		for i, table := range []string{"orders", "problems", "measures"} {
			require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n[i]))
		}
		return n
	}
	refused := 0
	for _, format := range []string{"XLSX", "CSV"} {
		for name, data := range corpus(t, filepath.Join(root, "internal", "problemlist", "testdata", "fuzz", "FuzzRead"+format)) {
			before := rows()
			st, body := postForm(t, cs, "/api/orders/import", name+"."+strings.ToLower(format), data, map[string]string{"source": "督查"})
			after := rows()
			switch st {
			case 201:
				require.Equal(t, before[0]+1, after[0], "%s: one draft", name)
			case 400:
				refused++
				require.Contains(t, string(body), `"field"`, "%s: the refusal names a field", name)
				require.Equal(t, before, after, "%s was refused but stored rows: %s", name, body)
			default:
				t.Fatalf("%s: status %d: %s", name, st, body)
			}
		}
	}
	require.GreaterOrEqual(t, refused, 5, "the corpora hold broken files")
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

	// An API process takes the jobs; it is killed mid-import. The whole import takes tens
	// of milliseconds, less than one look at the job over HTTP on a busy machine, so the
	// process is frozen (SIGSTOP) while each look is taken and killed frozen once the job is
	// seen running with rows read: the kill cannot miss the window (full runs saw it finish
	// between two looks).
	serve := startServe(t, bin, e, "RECTIFY_IMPORT_LEASE=2s")
	var last imports.Job
	for deadline := time.Now().Add(60 * time.Second); ; {
		require.NoError(t, serve.Process.Signal(syscall.SIGSTOP))
		last = job(cs, big.ID)
		if last.Status == imports.Running && last.RowsRead > 0 {
			break
		}
		require.NotEqual(t, imports.Done, last.Status, "the big job finished between two looks")
		require.True(t, time.Now().Before(deadline), "the big job never seen running: %+v", last)
		require.NoError(t, serve.Process.Signal(syscall.SIGCONT))
		time.Sleep(2 * time.Millisecond)
	}
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
