package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apptest"
	"rectify/internal/notify"
)

// scrape GETs /metrics (Prometheus's text format, outside the API's document) and reads its
// samples: name{labels} value.
func scrape(t *testing.T, e *apptest.Env) []sample {
	t.Helper()
	resp, err := http.Get(e.Server.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out []sample
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		require.NotNil(t, m, "a sample line: %q", line)
		v, err := strconv.ParseFloat(m[3], 64)
		require.NoError(t, err, line)
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, l := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[l[1]] = l[2]
		}
		out = append(out, s)
	}
	return out
}

type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// find returns the samples named name whose labels include want.
func find(samples []sample, name string, want map[string]string) []sample {
	var out []sample
	for _, s := range samples {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			match = match && s.labels[k] == v
		}
		if match {
			out = append(out, s)
		}
	}
	return out
}

// One scrape shows an operator the requests by route (the pattern, never an item's id), the
// items by state and light as the database holds them, the deliveries, the reminders held
// for the send window and the Temporal SDK's own metrics; the next scrape shows the request
// made in between. /readyz answers 200 while PostgreSQL and Temporal answer.
func TestMetricsShowRequestsItemsAndTemporal(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	o := issueThree(t, e)
	cs := e.Login("cs")
	ids := o.items(t, "T1")
	cs.JSON("GET", "/api/items/"+ids[0], nil, 200, nil)

	byItem := map[string]string{"route": "/api/items/{id}", "method": "GET", "status": "200"}
	first := scrape(t, e)
	got := find(first, "rectify_http_request_duration_seconds_count", byItem)
	require.Len(t, got, 1, "one series for every item's GET, by route pattern")
	before := got[0].value
	require.GreaterOrEqual(t, before, 1.0)
	require.Empty(t, find(first, "rectify_http_request_duration_seconds_count", map[string]string{"route": "/api/items/" + ids[0]}),
		"never by raw path")
	require.NotEmpty(t, find(first, "rectify_http_request_duration_seconds_bucket", map[string]string{"route": "/api/items/{id}", "le": "0.1"}))
	require.NotEmpty(t, find(first, "rectify_http_request_duration_seconds_count", map[string]string{"route": "/api/orders/{id}/issue", "method": "POST", "status": "202"}))

	// One reminder delivered through a DingTalk robot that accepts it.
	robotSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"errcode": 0, "errmsg": "ok"}`)
	}))
	defer robotSrv.Close()
	robot, err := notify.NewDingTalkSender(notify.DingTalkConfig{Webhook: robotSrv.URL + "/robot/send?access_token=t"})
	require.NoError(t, err)
	var personID int64
	require.NoError(t, e.Sys.Pool.QueryRow(context.Background(), `SELECT id FROM people WHERE login = 't1o'`).Scan(&personID))
	n := &notify.Notifier{Store: notify.NewStore(e.Sys.Pool), Senders: []notify.Sender{robot}}
	_, err = n.Deliver(context.Background(), "metrics-test", notify.Recipient{PersonID: personID, Name: "城关镇组织委员"},
		notify.RungOverdueUrge, []string{ids[0]}, notify.Message{Subject: "催办", Body: "请尽快整改"})
	require.NoError(t, err)

	cs.JSON("GET", "/api/items/"+ids[1], nil, 200, nil)
	second := scrape(t, e)
	require.Equal(t, before+1, find(second, "rectify_http_request_duration_seconds_count", byItem)[0].value, "the count moved by the one request")
	require.NotEmpty(t, find(second, "rectify_http_request_duration_seconds_count", map[string]string{"route": "/metrics", "status": "200"}),
		"the outer routes are measured too")

	// Items by state and light: what the items table holds, from the dashboard counts.
	ctx := context.Background()
	rows, err := e.Sys.Pool.Query(ctx, `SELECT state, light, count(*) FROM items GROUP BY 1, 2`)
	require.NoError(t, err)
	want := map[[2]string]float64{}
	for rows.Next() {
		var state, light string
		var n float64
		require.NoError(t, rows.Scan(&state, &light, &n))
		want[[2]string{state, light}] = n
	}
	require.NoError(t, rows.Err())
	require.Len(t, want, 1, "six new items share one state and light")
	gotItems := map[[2]string]float64{}
	for _, s := range find(second, "rectify_items", nil) {
		gotItems[[2]string{s.labels["state"], s.labels["light"]}] = s.value
	}
	require.Equal(t, want, gotItems)
	var total float64
	for _, n := range gotItems {
		total += n
	}
	require.Equal(t, 6.0, total)

	// Deliveries by channel and status, and the notices waiting, as the tables hold them.
	var waiting float64
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE status = 'pending' AND send_at > now()`).Scan(&waiting))
	w := find(second, "rectify_notices_waiting", nil)
	require.Len(t, w, 1)
	require.Equal(t, waiting, w[0].value)
	var deliveries float64
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM deliveries`).Scan(&deliveries))
	var gotDeliveries float64
	for _, s := range find(second, "rectify_deliveries", nil) {
		require.NotEmpty(t, s.labels["channel"])
		require.NotEmpty(t, s.labels["status"])
		gotDeliveries += s.value
	}
	require.Equal(t, deliveries, gotDeliveries)
	sent := find(second, "rectify_deliveries", map[string]string{"channel": "dingtalk", "status": "sent"})
	require.Len(t, sent, 1)
	require.Equal(t, 1.0, sent[0].value, "the robot's one delivery")

	// The Temporal SDK's metrics, through OpenTelemetry, on the same registry: the client's
	// requests (issuing started workflows) and the worker's polls.
	starts := find(second, "temporal_request", map[string]string{"operation": "StartWorkflowExecution", "workflow_type": "IssueOrderWorkflow"})
	require.Len(t, starts, 1, "the client's workflow starts, by type")
	require.Equal(t, 1.0, starts[0].value, "the one order issued")
	require.NotEmpty(t, find(second, "temporal_worker_task_slots_available", map[string]string{"task_queue": e.Sys.Config.TaskQueue}),
		"the worker's slots, by its task queue")

	resp, err := http.Get(e.Server.URL + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var ready struct {
		Ready  bool     `json:"ready"`
		Failed []string `json:"failed"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ready))
	require.True(t, ready.Ready)
	require.Empty(t, ready.Failed)
	require.NotEmpty(t, resp.Header.Get("X-Request-Id"), "every answer names its request")
}

// A worker process serves no API; with RECTIFY_WORKER_OPS_LISTEN it shows its metrics (its
// Temporal worker's among them) and readiness on that address, and stops when told to.
func TestWorkerServesItsMetrics(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Sys.ServeOps(ctx, addr) }()
	var body []byte
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK
	}, 5*time.Second, 20*time.Millisecond)
	require.Contains(t, string(body), `temporal_worker_task_slots_available{`)
	require.Contains(t, string(body), `task_queue="`+e.Sys.Config.TaskQueue+`"`)
	resp, err := http.Get("http://" + addr + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	stop()
	select {
	case err := <-done:
		require.NoError(t, err, "a clean shutdown")
	case <-time.After(15 * time.Second):
		t.Fatal("ServeOps did not stop")
	}
}

// With PostgreSQL gone (the pool closed), /readyz answers 503 and names postgres, and only
// postgres: Temporal still answers. /healthz, which asks nothing, still answers 204.
func TestReadyzNamesPostgresWhenItIsGone(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, NoImportRunner: true})
	e.Sys.Pool.Close()
	resp, err := http.Get(e.Server.URL + "/readyz")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var ready struct {
		Ready  bool              `json:"ready"`
		Failed []string          `json:"failed"`
		Errors map[string]string `json:"errors"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&ready))
	require.False(t, ready.Ready)
	require.Equal(t, []string{"postgres"}, ready.Failed)
	require.NotEmpty(t, ready.Errors["postgres"])

	h, err := http.Get(e.Server.URL + "/healthz")
	require.NoError(t, err)
	h.Body.Close()
	require.Equal(t, http.StatusNoContent, h.StatusCode)
}
