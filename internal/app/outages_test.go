package app_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"rectify/internal/app"
	"rectify/internal/apptest"
	"rectify/internal/calendar"
	"rectify/internal/devserver"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/role"
	"rectify/internal/testenv"
	"rectify/internal/weak"
	"rectify/workflows/dispatch"
	"rectify/workflows/dispatch/dispatchmsg"
	"rectify/workflows/item/itemmsg"
	"rectify/workflows/weakcase"
	"rectify/workflows/weakcase/weakcasemsg"
)

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

// Killing the worker process in the middle of a burst of 1,000 due reminders (one each
// for 1,000 handlers) loses none and repeats none: after a restart every handler has
// received exactly one message, counted by Message-ID at a real SMTP server.
func TestKillingTheWorkerDuringAReminderBurstSendsEachOnce(t *testing.T) {
	bin := buildRectify(t)
	sink, cfg := withSink(t)
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: cfg})
	e.AlwaysWorking()
	ctx := context.Background()

	const units, perUnit = 50, 20
	tree := org.Tree{}
	var targets []string
	for u := range units {
		code := fmt.Sprintf("B%02d", u)
		targets = append(targets, code)
		tree.Units = append(tree.Units, org.UnitRecord{Code: code, Name: code + "村", Kind: "village", Parent: "T1"})
		for k := range perUnit {
			login := fmt.Sprintf("h%s%02d", code, k)
			tree.People = append(tree.People, org.PersonRecord{Login: login, Name: login, Unit: code, Roles: []role.Role{role.BranchSecretary},
				Position: fmt.Sprintf("岗位%02d", k), Email: login + "@example.cn"})
		}
	}
	_, err := e.Org.Load(ctx, tree)
	require.NoError(t, err)
	now := time.Now()
	d := order.Draft{Title: "提醒爆发", Source: "督查", Targets: targets, Policy: roundTheClock()}
	pr := order.Problem{Description: "问题"}
	for k := range perUnit {
		ref := order.PersonRef{Position: fmt.Sprintf("岗位%02d", k)}
		pr.Measures = append(pr.Measures, order.Measure{Content: fmt.Sprintf("措施%02d", k), Criterion: "可检验",
			Responsibility: order.Responsibility{Primary: ref, Handler: ref}, Deadline: order.Deadline{Kind: "by_date", Due: day(now, 6)}})
	}
	d.Problems = []order.Problem{pr}
	// Issued two days ago and never signed for: each handler's 未签收提醒 is due now.
	issueBackdated(t, e, 48*time.Hour, "t1o", d)

	host, port, _ := net.SplitHostPort(sink.Addr)
	env := []string{"SMTP_HOST=" + host, "SMTP_PORT=" + port, "RECTIFY_DISPATCH_SETTLE=0s"}
	w := startWorkerEnv(t, bin, e, append(env, "RECTIFY_SEND_CONCURRENCY=2"))
	deadline := time.Now().Add(90 * time.Second)
	for {
		n, _ := sink.Count()
		if n >= 100 {
			break
		}
		require.True(t, time.Now().Before(deadline), "the burst never began")
		time.Sleep(2 * time.Millisecond)
	}
	require.NoError(t, w.Process.Signal(syscall.SIGKILL))
	_ = w.Wait()
	atKill, _ := sink.Count()
	require.Less(t, atKill, units*perUnit, "the kill must land mid-burst")
	t.Logf("killed the worker after %d of %d messages", atKill, units*perUnit)

	startWorkerEnv(t, bin, e, append(env, "RECTIFY_SEND_CONCURRENCY=16"))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var pending int
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM notices WHERE status <> 'sent'`).Scan(&pending))
		assert.Zero(c, pending)
		_, distinct := sink.Count()
		assert.Equal(c, units*perUnit, distinct)
	}, 120*time.Second, 100*time.Millisecond)
	time.Sleep(time.Second)

	accepted, distinct := sink.Count()
	t.Logf("SMTP transactions %d, distinct messages %d", accepted, distinct)
	require.Equal(t, units*perUnit, distinct, "every handler reached")
	perRecipient := map[string]map[string]bool{}
	for _, m := range sink.Messages() {
		if perRecipient[m.To[0]] == nil {
			perRecipient[m.To[0]] = map[string]bool{}
		}
		perRecipient[m.To[0]][m.MessageID] = true
	}
	require.Len(t, perRecipient, units*perUnit)
	for to, ids := range perRecipient {
		require.Len(t, ids, 1, "%s got more than one message", to)
	}
	// A send the SMTP server accepted just before the kill, not yet recorded, is sent again
	// under the same Message-ID; at most the sends then in flight.
	require.LessOrEqual(t, accepted-distinct, 2)
	var sent int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE status = 'sent'`).Scan(&sent))
	require.Equal(t, units*perUnit, sent)
}

// Found by the kill soak: a dispatcher that claimed a person's reminder message of the day,
// sent it and died before marking it left the next slot's dispatcher to put the reminders off
// to the next working morning, where they went out a second time under a new key. The day's
// message has one key whichever slot claims it: the next dispatcher is answered with the
// recorded send and marks the reminders, sending nothing again and putting nothing off.
func TestADigestSentByADispatcherThatDiedIsMarkedNotSentAgain(t *testing.T) {
	sink, cfg := withSink(t)
	e := apptest.New(t, temporalAddr, apptest.Options{Configure: cfg})
	e.AlwaysWorking()
	ctx := context.Background()
	now := time.Now()
	resp := order.Responsibility{Primary: order.PersonRef{Position: "书记"}, Handler: order.PersonRef{Position: "组织委员"}}
	d := order.Draft{Title: "专项督查整改", Source: "督查", Targets: []string{"T1"}, Policy: roundTheClock(),
		Problems: []order.Problem{{Description: "台账不全", Measures: []order.Measure{
			{Content: "建立制度", Criterion: "制度上墙", Responsibility: resp, Deadline: order.Deadline{Kind: "by_date", Due: day(now, 1)}},
		}}}}
	issueBackdated(t, e, 48*time.Hour, "cs", d)
	t1o, err := e.Org.PersonByLogin(ctx, "t1o")
	require.NoError(t, err)
	digestSent := func(c *assert.CollectT) {
		var pending, sent int
		require.NoError(c, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'sent')
			FROM notices WHERE person_id = $1`, t1o.ID).Scan(&pending, &sent))
		assert.Zero(c, pending)
		assert.Positive(c, sent)
	}
	require.EventuallyWithT(t, digestSent, 60*time.Second, 200*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	before, _ := sink.Count()
	var key string
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT delivery_key FROM digests WHERE person_id = $1`, t1o.ID).Scan(&key))

	// The crash window: the message went out and was recorded, the notices and the digest
	// were not marked, and the slot that claimed it is gone.
	_, err = e.Sys.Pool.Exec(ctx, `UPDATE notices SET status = 'pending', delivery_key = NULL, sent_at = NULL
		WHERE person_id = $1 AND delivery_key = $2`, t1o.ID, key)
	require.NoError(t, err)
	_, err = e.Sys.Pool.Exec(ctx, `UPDATE digests SET sent = false, slot = slot - interval '1 minute' WHERE person_id = $1`, t1o.ID)
	require.NoError(t, err)
	var dueBefore time.Time
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT max(send_at) FROM notices WHERE person_id = $1`, t1o.ID).Scan(&dueBefore))

	slot := time.Now().Truncate(time.Minute)
	_, err = e.Sys.Temporal.SignalWithStartWorkflow(ctx, dispatchmsg.DispatchWorkflowID(e.Sys.Deployment, slot)+"-after-crash", dispatchmsg.SignalNotices, nil,
		client.StartWorkflowOptions{TaskQueue: e.Sys.Config.TaskQueue}, dispatch.DispatchWorkflow,
		dispatchmsg.DispatchInput{Deployment: e.Sys.Deployment, Slot: slot})
	require.NoError(t, err)
	require.EventuallyWithT(t, digestSent, 60*time.Second, 200*time.Millisecond)

	var dueAfter time.Time
	var keys []string
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT max(send_at), array_agg(DISTINCT delivery_key) FROM notices WHERE person_id = $1`, t1o.ID).Scan(&dueAfter, &keys))
	require.Equal(t, dueBefore, dueAfter, "nothing was put off to the next working morning")
	require.Equal(t, []string{key}, keys, fmt.Sprintf("marked under the day's message %s", key))
	time.Sleep(500 * time.Millisecond)
	after, distinct := sink.Count()
	require.Equal(t, before, after, "nothing was sent again")
	require.Equal(t, after, distinct)
}

// With no worker polling, an action cannot be answered within the request's budget. The
// person is told it was handed over but is unconfirmed, with the key to retry under; when the
// worker is back, the retry with that key is answered and the action is on record once.
func TestAnUnansweredActionIsReportedUnconfirmedAndARetryActsOnce(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: func(c *app.Config) {
		c.RequestTimeout = 4 * time.Second
	}})
	ctx := context.Background()
	w := e.Sys.Worker()
	require.NoError(t, w.Start())
	id := issueThree(t, e).items(t, "T1")[0]
	w.Stop()
	t1o := e.Login("t1o")
	key := http.Header{"Idempotency-Key": []string{"ack-outage"}}

	st, raw := t1o.Do("POST", "/api/items/"+id+"/acknowledge", nil, key)
	require.Equal(t, 503, st, string(raw))
	require.Contains(t, string(raw), "暂未确认")
	require.Contains(t, string(raw), "Idempotency-Key")

	w2 := e.Sys.Worker()
	require.NoError(t, w2.Start())
	t.Cleanup(w2.Stop)
	var res itemmsg.ActionResult
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, raw := t1o.Do("POST", "/api/items/"+id+"/acknowledge", nil, key)
		if assert.Equal(c, 200, st, string(raw)) {
			assert.NoError(c, jsonUnmarshal(raw, &res))
		}
	}, 60*time.Second, time.Second)
	require.Equal(t, itemmsg.Acknowledged, res.State)
	var n int
	require.NoError(t, e.Sys.Pool.QueryRow(ctx, `SELECT count(*) FROM item_audit WHERE item_id = $1 AND action = 'acknowledge'`, id).Scan(&n))
	require.Equal(t, 1, n, "acknowledged once, however many times it was asked")
}

// With the Temporal dev server killed under a running API, an action answers 503 服务暂时
// 不可用 within a few seconds (not 500 after the whole request budget) while reading still
// works; once the supervisor has started the server again, the same action goes through.
func TestWithTemporalKilledAnActionAnswers503AtOnceAndThenRecovers(t *testing.T) {
	cli, err := testenv.TemporalCLI()
	require.NoError(t, err)
	addr, err := devserver.FreeHostPort()
	require.NoError(t, err)
	// A long restart delay keeps the server down long enough to look at the API.
	dev := devserver.New(devserver.Options{CLI: cli, HostPort: addr, DBFile: filepath.Join(t.TempDir(), "temporal.db"),
		RestartDelay: 12 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- dev.Run(ctx, func() { close(ready) }) }()
	t.Cleanup(func() { cancel(); <-done })
	testenv.AwaitReady(t, ready, done, 90*time.Second)

	e := apptest.New(t, addr, apptest.Options{})
	id := issueThree(t, e).items(t, "T1")[0]
	t1o := e.Login("t1o")

	require.NoError(t, dev.Kill())
	ack := http.Header{"Idempotency-Key": {"ack-after-outage"}}
	start := time.Now()
	st, hdr, body := t1o.DoWithHeader("POST", "/api/items/"+id+"/acknowledge", nil, ack)
	took := time.Since(start)
	require.Equal(t, http.StatusServiceUnavailable, st, string(body))
	require.Less(t, took, 6*time.Second, "a dead dependency must be reported at once")
	require.Contains(t, string(body), `"code":"unavailable"`)
	require.Contains(t, string(body), "服务暂时不可用，请稍后再试")
	require.Equal(t, "5", hdr.Get("Retry-After"))

	// Reading needs only PostgreSQL.
	st, body = t1o.Do("GET", "/api/items/"+id, nil, nil)
	require.Equal(t, http.StatusOK, st, string(body))

	// The supervisor starts the server again on the same file; the action goes through.
	var res itemmsg.ActionResult
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, _, body := t1o.DoWithHeader("POST", "/api/items/"+id+"/acknowledge", nil, ack)
		if !assert.Equal(c, http.StatusOK, st, string(body)) {
			return
		}
		assert.NoError(c, jsonUnmarshal(body, &res))
	}, 120*time.Second, time.Second)
	require.Equal(t, itemmsg.Acknowledged, res.State)
}

// tcpProxy stands between the API and PostgreSQL so that a test can take the database
// away (refuse new connections, cut the open ones) and bring it back, without touching the
// PostgreSQL server other tests share.
type tcpProxy struct {
	addr, target string
	mu           sync.Mutex
	l            net.Listener
	conns        map[net.Conn]bool
}

func (p *tcpProxy) up(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", p.addr)
	require.NoError(t, err)
	p.mu.Lock()
	p.l, p.addr, p.conns = l, l.Addr().String(), map[net.Conn]bool{}
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[d] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(d, c); d.Close() }()
			go func() { _, _ = io.Copy(c, d); c.Close() }()
		}
	}()
}

func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.l.Close()
	for c := range p.conns {
		c.Close()
	}
}

// With PostgreSQL gone, requests answer 503 服务暂时不可用 at once — sign-in included, which
// must not say the password is wrong — the process keeps running, and it answers again as
// soon as the database is back.
func TestWithPostgreSQLGoneRequestsAnswer503AndThenRecover(t *testing.T) {
	proxy := &tcpProxy{addr: "127.0.0.1:0"}
	e := apptest.New(t, temporalAddr, apptest.Options{NoWorker: true, Configure: func(c *app.Config) {
		u, err := url.Parse(c.DatabaseURL)
		require.NoError(t, err)
		proxy.target = u.Host
		proxy.up(t)
		u.Host = proxy.addr
		c.DatabaseURL = u.String()
	}})
	t.Cleanup(proxy.down)
	t1o := e.Login("t1o")
	st, body := t1o.Do("GET", "/api/me/items", nil, nil)
	require.Equal(t, http.StatusOK, st, string(body))

	proxy.down()
	for _, path := range []string{"/api/me", "/api/me/items"} {
		start := time.Now()
		st, hdr, body := t1o.DoWithHeader("GET", path, nil, nil)
		require.Equal(t, http.StatusServiceUnavailable, st, "%s: %s", path, body)
		require.Less(t, time.Since(start), 6*time.Second)
		require.Contains(t, string(body), "服务暂时不可用，请稍后再试")
		require.Equal(t, "5", hdr.Get("Retry-After"))
	}
	st, _, b := e.Anonymous().Send("POST", "/api/session",
		strings.NewReader(`{"login":"t2o","password":"`+apptest.Password+`"}`), http.Header{"Content-Type": {"application/json"}})
	require.Equal(t, http.StatusServiceUnavailable, st, string(b))

	proxy.up(t)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, body := t1o.Do("GET", "/api/me/items", nil, nil)
		assert.Equal(c, http.StatusOK, st, string(body))
	}, 30*time.Second, 200*time.Millisecond)
	e.Login("t2o")
}

// A county determines two branches while Temporal cannot be reached: both cases commit and
// neither workflow starts. Determining the first again with the same four ones answers the
// committed case and starts its workflow; the second, which nobody retries, is started by
// the worker's sweep. Both cases then answer actions.
func TestAWeakCaseWhoseWorkflowFailedToStartIsStartedLater(t *testing.T) {
	e := apptest.New(t, temporalAddr, apptest.Options{})
	ctx := context.Background()
	cs, t1o, t2o := e.Login("cs"), e.Login("t1o"), e.Login("t2o")
	var c weak.Campaign
	cs.JSON("POST", "/api/weak/campaigns", map[string]any{"year": 2026}, 201, &c)
	var reasons struct{ Reasons []weak.Reason }
	t1o.JSON("GET", "/api/weak/reasons", nil, 200, &reasons)
	r0 := reasons.Reasons[0].ID
	base := "/api/weak/campaigns/" + itoa(c.ID)
	var p1, p2 weak.Proposal
	t1o.JSON("POST", base+"/proposals", map[string]any{"branch": "V11", "reasons": []map[string]any{{"reason_id": r0}}}, 201, &p1)
	t2o.JSON("POST", base+"/proposals", map[string]any{"branch": "V21", "reasons": []map[string]any{{"reason_id": r0}}}, 201, &p2)

	county, err := e.Org.PersonByLogin(ctx, "cs")
	require.NoError(t, err)
	by := weak.Actor{PersonID: county.ID, UnitID: county.UnitID}
	down, err := client.NewLazyClient(client.Options{HostPort: testenv.ClosedPort(t)})
	require.NoError(t, err)
	t.Cleanup(down.Close)
	ones1 := weak.FourOnes{CountyLeader: "cl", TownshipLeader: "t1s", FirstSecretary: "t1l", PairedUnit: "C"}
	ones2 := weak.FourOnes{CountyLeader: "cl", TownshipLeader: "t2s", FirstSecretary: "t1l", PairedUnit: "C"}
	workflowID := func(id int64) string { return weakcasemsg.WorkflowID(e.Sys.Deployment, id) }
	var cases []weak.Case
	for _, d := range []struct {
		proposal int64
		ones     weak.FourOnes
	}{{p1.ID, ones1}, {p2.ID, ones2}} {
		k, err := e.Sys.Weak.Determine(ctx, d.proposal, by, d.ones, "", workflowID)
		require.NoError(t, err)
		in, err := e.Sys.Weak.StartInput(ctx, k.ID, e.Sys.Deployment)
		require.NoError(t, err)
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		require.Error(t, weakcase.Start(sctx, down, e.Sys.Config.TaskQueue, in), "Temporal is down")
		cancel()
		_, err = e.Sys.Temporal.DescribeWorkflowExecution(ctx, k.WorkflowID, "")
		var nf *serviceerror.NotFound
		require.ErrorAs(t, err, &nf, "no workflow")
		cases = append(cases, k)
	}

	// The county retries the first: the same case, now with its workflow.
	var again weak.Case
	cs.JSON("POST", "/api/weak/proposals/"+itoa(p1.ID)+"/determine", ones1, 201, &again)
	require.Equal(t, cases[0].ID, again.ID)
	other := ones1
	other.FirstSecretary = "t2o"
	st, b := cs.Do("POST", "/api/weak/proposals/"+itoa(p1.ID)+"/determine", other, nil)
	require.Equal(t, 409, st, "other four ones are not a retry: %s", b)

	// The sweep starts the second, and only it; a second sweep finds nothing to do.
	n, err := e.Sys.StartMissingCases(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	for _, k := range cases {
		_, err := e.Sys.Temporal.DescribeWorkflowExecution(ctx, k.WorkflowID, "")
		require.NoError(t, err, "case %d has its workflow", k.ID)
	}

	month := time.Now().In(calendar.Shanghai).Format("2006-01")
	for i, reporter := range []*apptest.Client{e.Login("v11"), e.Login("v21")} {
		url := "/api/weak/cases/" + itoa(cases[i].ID)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			var detail struct{ Events []weak.Event }
			cs.JSON("GET", url, nil, 200, &detail)
			assert.NotEmpty(c, detail.Events, "the workflow wrote the determination")
		}, 20*time.Second, 100*time.Millisecond)
		var r weakcasemsg.Result
		reporter.JSON("POST", url+"/actions/report", map[string]any{"month": month, "note": "本月召开支委会"}, 200, &r)
		require.Equal(t, weakcasemsg.Rectifying, r.Stage)
	}
	n, err = e.Sys.StartMissingCases(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}
