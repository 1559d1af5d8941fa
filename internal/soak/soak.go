// Package soak is the kill soak of `make soak`: a whole Rectify — the Temporal dev server on
// an SQLite file, the worker and the API as processes of the rectify binary, a fresh
// database, a local SMTP server — issuing large orders, taking a stream of actions with
// idempotency keys and sending a storm of reminders, while the worker, the API and the dev
// server are killed with SIGKILL at random moments and started again. Afterwards it checks
// that every item exists once, every accepted action is in the audit trail once, and every
// due reminder reached the SMTP server once (by Message-ID).
package soak

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"rectify/internal/auth"
	"rectify/internal/db"
	"rectify/internal/mailsink"
)

// Options size a soak.
type Options struct {
	TemporalCLI   string   // the pinned Temporal CLI (dev server)
	Rectify       string   // the rectify binary, run as `worker` and `serve`
	BaseDBURL     string   // the soak's database is created beside this one
	DevServerArgs []string // extra `temporal server start-dev` arguments (SQLite pragmas)

	Orders   int // orders, each to its own villages, issued one after another through the chaos
	Units    int // villages per order
	Measures int // measures per order
	People   int // people per village; measure m is handled by post 岗位(m mod People)

	AckPercent      int // share of items signed for (签收) over HTTP
	ProgressPercent int // share of those that then report progress (进展反馈)
	Clients         int // HTTP clients acting at once

	Kills            int // SIGKILLs at least, spread evenly over worker, API and dev server
	MaxKills         int // more while issuance or the action stream is unfinished, up to this
	UpMin, UpMax     time.Duration
	DownMin, DownMax time.Duration

	Seed      uint64        // 0: from the clock; printed either way
	Drain     time.Duration // how long the system may take to settle after the last kill
	DupWindow time.Duration // a duplicate is explained by a worker kill this soon after the first copy
	Keep      bool          // keep the database, logs and dev server file even when all is well
	Out       io.Writer
}

// Result holds the soak's figures.
type Result struct {
	Seed      uint64
	Wall      time.Duration
	Chaos     time.Duration
	Kills     map[string]int
	SelfExits map[string]int
	// During counts kills by what was under way: "issuance", "actions", "sending", and "all"
	// for a kill that landed during all three.
	During map[string]int
	Load   [2]string // load average at the start and at the end

	ItemsExpected, Items, IssueRows int
	UnitWorkflows, UnitsRunning     int

	ActionsPlanned, Acks, Progresses int
	Requests, Retries                int64
	NetErrors, ServerErrors          int64
	Throttled                        int64
	DuplicateAnswers, PendingAnswers int64
	Refusals                         int
	AuditMismatches                  int

	Notices, NoticesSent                   int
	Messages, Distinct, Duplicates         int
	DuplicatesExplained, MissingMessages   int
	UnexpectedMessages, PeopleWithTwoLists int

	Failures []string
}

func (r *Result) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// Run performs the soak and prints its figures; Result.Failures lists broken invariants.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	t0 := time.Now()
	res = &Result{Seed: o.Seed, Kills: map[string]int{}, SelfExits: map[string]int{}, During: map[string]int{}, Load: [2]string{loadAverage(), ""}}
	if res.Seed == 0 {
		res.Seed = uint64(time.Now().UnixNano())
	}
	rng := mrand.New(mrand.NewPCG(res.Seed, 0x50a4))
	out := o.Out

	dir, err := os.MkdirTemp("", "rectify-soak-")
	if err != nil {
		return res, err
	}
	keep := func() bool { return o.Keep || err != nil || len(res.Failures) > 0 }
	defer func() {
		if keep() {
			fmt.Fprintf(out, "logs and the dev server's SQLite file kept in %s\n", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()
	logs := map[string]*os.File{}
	for _, name := range []string{"temporal", "worker", "api"} {
		f, err := os.Create(filepath.Join(dir, name+".log"))
		if err != nil {
			return res, err
		}
		defer f.Close()
		logs[name] = f
	}

	sink, err := mailsink.Start("127.0.0.1:0", "")
	if err != nil {
		return res, err
	}
	defer sink.Close()

	var ports [4]string
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return res, err
		}
	}
	taddr := "127.0.0.1:" + ports[0]
	devArgs := append([]string{"server", "start-dev", "--ip", "127.0.0.1", "--port", ports[0], "--http-port", ports[1],
		"--metrics-port", ports[2], "--headless", "--db-filename", filepath.Join(dir, "temporal.db"), "--log-level", "error",
		"--dynamic-config-value", "frontend.enableServerVersionCheck=false"}, o.DevServerArgs...)
	dev := &proc{name: "dev server", log: logs["temporal"], ready: temporalReady(taddr),
		build: func() *exec.Cmd { return exec.Command(o.TemporalCLI, devArgs...) }}
	if err := dev.start(); err != nil {
		return res, err
	}
	defer dev.close()
	if err := dev.waitReady(ctx, 90*time.Second); err != nil {
		return res, err
	}

	var b [4]byte
	_, _ = rand.Read(b[:])
	dbURL, err := siblingDB(o.BaseDBURL, "rectify_soak_"+hex.EncodeToString(b[:]))
	if err != nil {
		return res, err
	}
	ownerURL, appURL, err := db.Provision(ctx, o.BaseDBURL, "rectify_soak_"+hex.EncodeToString(b[:]))
	if err != nil {
		return res, err
	}
	defer func() {
		if keep() {
			fmt.Fprintf(out, "database kept: %s\n", dbURL)
			return
		}
		_ = db.DropDatabase(context.WithoutCancel(ctx), dbURL)
	}()
	// The soak's own checks read and load fixtures as the superuser; the system under test
	// runs as the app's role, as in production.
	pool, err := db.Open(ctx, dbURL)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	tc, err := client.DialContext(ctx, client.Options{HostPort: taddr, Logger: quietLogger{}})
	if err != nil {
		return res, fmt.Errorf("soak: temporal: %w", err)
	}
	defer tc.Close()
	var deployment string
	if err := pool.QueryRow(ctx, `SELECT id FROM deployment`).Scan(&deployment); err != nil {
		return res, err
	}
	authSvc := auth.NewService(pool, auth.Options{})
	defer authSvc.Close()

	fmt.Fprintf(out, "kill soak, seed %d: %d orders × %d measures × %d villages = %d items; %d people a village; %d kills\n",
		res.Seed, o.Orders, o.Measures, o.Units, o.Orders*o.Units*o.Measures, o.People, o.Kills)
	fmt.Fprintf(out, "loading the county, the all-working-days calendar, tokens and draft orders ...\n")
	w, err := load(ctx, pool, authSvc, o)
	if err != nil {
		return res, err
	}

	const taskQueue = "soak"
	base := "http://127.0.0.1:" + ports[3]
	env := append(os.Environ(), "DATABASE_URL="+appURL, "MIGRATE_DATABASE_URL="+ownerURL, "TEMPORAL_ADDRESS="+taddr, "TEMPORAL_NAMESPACE=default",
		"RECTIFY_TASK_QUEUE="+taskQueue, "RECTIFY_EVIDENCE_DIR="+filepath.Join(dir, "evidence"),
		"SMTP_HOST="+hostOf(sink.Addr), "SMTP_PORT="+portOf(sink.Addr), "RECTIFY_DISPATCH_SETTLE=0s",
		"RECTIFY_LISTEN=127.0.0.1:"+ports[3], "RECTIFY_PUBLIC_URL="+base)
	rectify := func(command string) func() *exec.Cmd {
		return func() *exec.Cmd {
			c := exec.Command(o.Rectify, command)
			c.Env = env
			return c
		}
	}
	worker := &proc{name: "worker", log: logs["worker"], build: rectify("worker")}
	api := &proc{name: "API", log: logs["api"], build: rectify("serve"), ready: httpReady(base + "/api/openapi.json")}
	for _, p := range []*proc{worker, api} {
		if err := p.start(); err != nil {
			return res, err
		}
		defer p.close()
	}
	if err := api.waitReady(ctx, 90*time.Second); err != nil {
		return res, err
	}

	// The workload: the orders are issued one after another, the next as soon as the unit
	// workflows of the previous one have all started, so that issuance runs through the
	// chaos; each brings its storm of due reminders; the action stream follows the items as
	// they appear.
	res.ItemsExpected = o.Orders * o.Units * o.Measures
	st := newStream(base, w.tokens, res.Seed, o)
	sctx, stopStream := context.WithCancel(ctx)
	streamDone := make(chan struct{})
	go func() { defer close(streamDone); st.run(sctx, pool, w.orders, res.ItemsExpected) }()
	defer func() { stopStream(); <-streamDone }()
	issueErrs := make([]error, len(w.orders))
	var begun atomic.Int64 // orders whose issuance has begun
	issuedAll := make(chan struct{})
	chaos0 := time.Now()
	fmt.Fprintf(out, "chaos (logs in %s):\n", dir)
	go func() {
		defer close(issuedAll)
		for k, id := range w.orders {
			begun.Store(int64(k + 1))
			fmt.Fprintf(out, "  %6.1fs  order %d of %d issued (backdated two days)\n", time.Since(chaos0).Seconds(), k+1, o.Orders)
			if issueErrs[k] = w.issue(sctx, tc, taskQueue, deployment, id); issueErrs[k] != nil {
				return
			}
			for {
				var status string
				_ = pool.QueryRow(sctx, `SELECT status FROM orders WHERE id = $1`, id).Scan(&status)
				if status == "issued" {
					break
				}
				if sleep(sctx, 500*time.Millisecond) != nil {
					issueErrs[k] = fmt.Errorf("order %d still %s when the soak ended", id, status)
					return
				}
			}
		}
	}()

	// The kills: o.Kills spread evenly over the three in a shuffled order; then, while
	// issuance or the action stream is unfinished, more in shuffled rounds of three, up to
	// o.MaxKills, so that the stream is under fire too.
	procs := []*proc{worker, api, dev}
	deck := make([]*proc, o.Kills)
	for i := range deck {
		deck[i] = procs[i%len(procs)]
	}
	rng.Shuffle(len(deck), func(i, j int) { deck[i], deck[j] = deck[j], deck[i] })
	var workerKills []time.Time
	for i := 0; ; i++ {
		if i >= o.Kills {
			var items int
			_ = pool.QueryRow(ctx, `SELECT count(*) FROM items WHERE order_id = ANY($1)`, w.orders).Scan(&items)
			if i >= o.MaxKills || (items == res.ItemsExpected && closed(streamDone)) {
				break
			}
			if i%len(procs) == 0 {
				round := slices.Clone(procs)
				rng.Shuffle(len(round), func(i, j int) { round[i], round[j] = round[j], round[i] })
				deck = append(deck, round...)
			}
		}
		p := deck[i]
		if err := sleep(ctx, between(rng, o.UpMin, o.UpMax)); err != nil {
			return res, err
		}
		during := busy(ctx, pool, w.orders[:begun.Load()], o.Units*o.Measures, st)
		for _, what := range strings.Fields(during) {
			res.During[what]++
		}
		if len(strings.Fields(during)) == 3 {
			res.During["all"]++
		}
		at, err := p.kill(ctx)
		if err != nil {
			return res, err
		}
		if p == worker {
			workerKills = append(workerKills, at)
		}
		down := between(rng, o.DownMin, o.DownMax)
		if err := sleep(ctx, down); err != nil {
			return res, err
		}
		if err := p.start(); err != nil {
			return res, err
		}
		if err := p.waitReady(ctx, 2*time.Minute); err != nil {
			return res, err
		}
		items, _, sent := progress(ctx, pool, w.orders)
		accepted, _ := sink.Count()
		fmt.Fprintf(out, "  %6.1fs  kill %2d/%d  %-10s  during [%-24s]  down %5v, answering after %6v   items %5d  actions %5d  notices sent %5d  mails %5d\n",
			at.Sub(chaos0).Seconds(), i+1, max(o.Kills, len(deck)), p.name, during, down.Round(time.Millisecond), time.Since(at).Round(time.Millisecond),
			items, st.acks.Load()+st.progresses.Load(), sent, accepted)
	}
	res.Chaos = time.Since(chaos0)
	for _, p := range procs {
		if err := p.waitReady(ctx, 2*time.Minute); err != nil {
			return res, err
		}
	}

	fmt.Fprintf(out, "chaos over after %v; all three up; waiting for the system to settle (at most %v) ...\n", res.Chaos.Round(time.Second), o.Drain)
	dctx, cancel := context.WithTimeout(ctx, o.Drain)
	defer cancel()
	if err := settle(dctx, pool, sink, w.orders, res.ItemsExpected, streamDone, issuedAll, st); err != nil {
		res.fail("the system did not settle within %v: %v", o.Drain, err)
	}
	stopStream()
	<-streamDone
	for k, err := range issueErrs {
		if err != nil {
			res.fail("order %d was never issued: %v", k+1, err)
		}
	}
	for _, p := range procs {
		res.Kills[p.name], res.SelfExits[p.name], _ = p.counts()
	}

	if err := check(ctx, res, pool, tc, sink, st, w.orders, deployment, workerKills, o.DupWindow); err != nil {
		return res, err
	}
	res.Wall = time.Since(t0)
	res.Load[1] = loadAverage()
	res.print(out, procs, st)
	return res, nil
}

// settle waits until every order is issued, every item exists, the stream has its answers,
// every audit row of an accepted action is written, every item not signed for has its
// 未签收提醒 recorded, no reminder that is due waits, and no mail arrived for three seconds.
func settle(ctx context.Context, pool *pgxpool.Pool, sink *mailsink.Sink, orders []int64, expected int,
	streamDone, issuedAll <-chan struct{}, st *stream) error {
	quiet, lastMail := 0, -1
	var why string
	for {
		why = ""
		var issuedOrders, items, auditRows, duePending, unreminded int
		err := pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM orders WHERE id = ANY($1) AND status = 'issued'),
			(SELECT count(*) FROM items WHERE order_id = ANY($1)),
			(SELECT count(*) FROM item_audit a JOIN items i ON i.id = a.item_id WHERE i.order_id = ANY($1)),
			(SELECT count(*) FROM notices n JOIN items i ON i.id = n.item_id WHERE i.order_id = ANY($1) AND n.status = 'pending' AND n.send_at <= now()),
			(SELECT count(*) FROM items i WHERE i.order_id = ANY($1)
				AND NOT EXISTS (SELECT 1 FROM item_audit a WHERE a.item_id = i.id AND a.action = 'acknowledge')
				AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.item_id = i.id AND n.rung = 'not_acknowledged'))`,
			orders).Scan(&issuedOrders, &items, &auditRows, &duePending, &unreminded)
		mails, _ := sink.Count()
		switch {
		case err != nil:
			why = err.Error()
		case !closed(issuedAll):
			why = "an order is not issued yet"
		case issuedOrders < len(orders):
			why = fmt.Sprintf("%d of %d orders issued", issuedOrders, len(orders))
		case items < expected:
			why = fmt.Sprintf("%d of %d items", items, expected)
		case !closed(streamDone):
			why = "actions still waiting for a definitive answer"
		case auditRows != items+int(st.acks.Load()+st.progresses.Load()):
			why = fmt.Sprintf("%d audit rows, want %d (one 交办 per item and one per accepted action)",
				auditRows, items+int(st.acks.Load()+st.progresses.Load()))
		case unreminded > 0:
			why = fmt.Sprintf("%d items not signed for have no 未签收提醒", unreminded)
		case duePending > 0:
			why = fmt.Sprintf("%d due reminders not sent yet", duePending)
		}
		if why == "" && mails == lastMail {
			quiet++
		} else {
			quiet = 0
		}
		lastMail = mails
		if quiet >= 3 {
			return nil
		}
		if sleep(ctx, time.Second) != nil {
			if why == "" {
				why = "mail still arriving"
			}
			return fmt.Errorf("%s", why)
		}
	}
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// busy names what is under way at the moment of a kill: issuance (an issued order's items
// are not all written), actions (requests in flight) and sending (reminders due, not sent).
func busy(ctx context.Context, pool *pgxpool.Pool, issued []int64, perOrder int, st *stream) string {
	var items, due int
	_ = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM items WHERE order_id = ANY($1)),
		(SELECT count(*) FROM notices WHERE status = 'pending' AND send_at <= now())`, issued).Scan(&items, &due)
	var what []string
	if items < len(issued)*perOrder {
		what = append(what, "issuance")
	}
	if st.inFlight.Load() > 0 {
		what = append(what, "actions")
	}
	if due > 0 {
		what = append(what, "sending")
	}
	return strings.Join(what, " ")
}

// progress is a glance at the work done so far, for the chaos log.
func progress(ctx context.Context, pool *pgxpool.Pool, orders []int64) (items, notices, sent int) {
	_ = pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM items WHERE order_id = ANY($1)),
		(SELECT count(*) FROM notices n JOIN items i ON i.id = n.item_id WHERE i.order_id = ANY($1)),
		(SELECT count(*) FROM notices n JOIN items i ON i.id = n.item_id WHERE i.order_id = ANY($1) AND n.status = 'sent')`,
		orders).Scan(&items, &notices, &sent)
	return
}

func between(rng *mrand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// siblingDB is base with its database name replaced by name.
func siblingDB(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Path == "" || u.Path == "/" {
		return "", fmt.Errorf("soak: database URL %q has no database name", base)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func hostOf(addr string) string { h, _, _ := net.SplitHostPort(addr); return h }
func portOf(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// loadAverage is the machine's 1-, 5- and 15-minute load average, where Linux tells it: the
// soak's figures mean little without the load other work put on the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// indent prefixes every line of s.
func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }
