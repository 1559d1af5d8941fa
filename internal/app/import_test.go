package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/order"
	"rectify/internal/testenv"
)

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
