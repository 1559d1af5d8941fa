package soak

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"rectify/internal/mailsink"
	"rectify/internal/notify"
	"rectify/workflows/item/itemmsg"
)

// check compares what the system holds with what the clients were told, and the mail that
// arrived with the reminders recorded as sent. Broken invariants go to res.Failures.
func check(ctx context.Context, res *Result, pool *pgxpool.Pool, tc client.Client, sink *mailsink.Sink, st *stream,
	orders []int64, deployment string, workerKills []time.Time, window time.Duration) error {
	if err := checkItems(ctx, res, pool, orders); err != nil {
		return err
	}
	if err := checkActions(ctx, res, pool, st, orders); err != nil {
		return err
	}
	if err := checkReminders(ctx, res, pool, sink, orders, workerKills, window); err != nil {
		return err
	}
	return checkWorkflows(ctx, res, pool, tc, orders, deployment)
}

// checkItems: every (measure, target unit) of every order is one item with one 交办 row.
func checkItems(ctx context.Context, res *Result, pool *pgxpool.Pool, orders []int64) error {
	var pairs, missing, issueItems int
	err := pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM items WHERE order_id = ANY($1)),
		(SELECT count(DISTINCT (measure_id, unit_id)) FROM items WHERE order_id = ANY($1)),
		(SELECT count(*) FROM measures m JOIN order_targets t ON t.order_id = m.order_id WHERE m.order_id = ANY($1)
			AND NOT EXISTS (SELECT 1 FROM items i WHERE i.measure_id = m.id AND i.unit_id = t.unit_id)),
		(SELECT count(*) FROM item_audit a JOIN items i ON i.id = a.item_id WHERE i.order_id = ANY($1) AND a.action = 'issue'),
		(SELECT count(DISTINCT a.item_id) FROM item_audit a JOIN items i ON i.id = a.item_id WHERE i.order_id = ANY($1) AND a.action = 'issue')`,
		orders).Scan(&res.Items, &pairs, &missing, &res.IssueRows, &issueItems)
	if err != nil {
		return fmt.Errorf("soak: check items: %w", err)
	}
	if res.Items != res.ItemsExpected || pairs != res.ItemsExpected || missing > 0 {
		res.fail("items: %d rows, %d distinct (measure, unit), %d (measure, unit) without an item; want %d each and none missing",
			res.Items, pairs, missing, res.ItemsExpected)
	}
	if res.IssueRows != res.ItemsExpected || issueItems != res.ItemsExpected {
		res.fail("交办 audit rows: %d for %d items; want exactly one for each of %d", res.IssueRows, issueItems, res.ItemsExpected)
	}
	return nil
}

// checkActions: each action the client saw accepted is in the audit trail exactly once, a
// refused or never-tried one not at all; revisions run 1..n without a gap; the read model's
// state is the one the accepted actions lead to.
func checkActions(ctx context.Context, res *Result, pool *pgxpool.Pool, st *stream, orders []int64) error {
	outcomes, refusals := st.snapshot()
	res.Requests, res.Retries = st.requests.Load(), st.retries.Load()
	res.NetErrors, res.ServerErrors, res.Throttled = st.netErrors.Load(), st.serverErrors.Load(), st.throttled.Load()
	res.DuplicateAnswers, res.PendingAnswers = st.duplicates.Load(), st.pendings.Load()
	res.Refusals = len(refusals)
	for i, r := range refusals {
		if i == 5 {
			res.fail("… and %d more refusals", len(refusals)-5)
			break
		}
		res.fail("refused: %s %s: %d %s", r.action, r.item, r.status, r.body)
	}

	rows, err := pool.Query(ctx, `SELECT a.item_id, a.action, count(*) FROM item_audit a JOIN items i ON i.id = a.item_id
		WHERE i.order_id = ANY($1) AND a.action <> 'issue' GROUP BY 1, 2`, orders)
	if err != nil {
		return fmt.Errorf("soak: check audit: %w", err)
	}
	got := map[string]map[string]int{}
	var id, action string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&id, &action, &n}, func() error {
		if got[id] == nil {
			got[id] = map[string]int{}
		}
		got[id][action] = n
		return nil
	}); err != nil {
		return fmt.Errorf("soak: check audit: %w", err)
	}

	var examples []string
	noAnswer := 0
	mismatch := func(format string, args ...any) {
		res.AuditMismatches++
		if len(examples) < 5 {
			examples = append(examples, fmt.Sprintf(format, args...))
		}
	}
	wantState := map[string]string{}
	for id, oc := range outcomes {
		if oc.planAck {
			res.ActionsPlanned++
		}
		if oc.planProgress {
			res.ActionsPlanned++
		}
		if oc.ack == unanswered || oc.progress == unanswered {
			noAnswer++
		}
		want := map[string]int{}
		wantState[id] = string(itemmsg.Issued)
		if oc.ack == accepted {
			want[string(itemmsg.Acknowledge)] = 1
			res.Acks++
			wantState[id] = string(itemmsg.Acknowledged)
		}
		if oc.progress == accepted {
			want[string(itemmsg.Progress)] = 1
			res.Progresses++
			wantState[id] = string(itemmsg.InProgress)
		}
		for action, n := range got[id] {
			if want[action] != n {
				mismatch("%s: %d %s rows in the audit trail, the client saw %d accepted", id, n, action, want[action])
			}
		}
		for action, n := range want {
			if got[id][action] == 0 {
				mismatch("%s: %s accepted (%d) but not in the audit trail", id, action, n)
			}
		}
	}
	for id, byAction := range got {
		if _, ok := outcomes[id]; !ok {
			mismatch("%s: audit rows %v for an item the client never acted on", id, byAction)
		}
	}
	if noAnswer > 0 {
		res.fail("actions: %d items still without a definitive answer when the soak ended", noAnswer)
	}
	if res.AuditMismatches > 0 {
		res.fail("audit trail: %d mismatches with what the clients were told, e.g.\n%s", res.AuditMismatches, indent(strings.Join(examples, "\n")))
	}

	var gaps int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM items i WHERE i.order_id = ANY($1) AND (
		i.revision <> (SELECT count(*) FROM item_audit a WHERE a.item_id = i.id) OR
		i.revision <> (SELECT max(revision) FROM item_audit a WHERE a.item_id = i.id))`, orders).Scan(&gaps); err != nil {
		return fmt.Errorf("soak: check revisions: %w", err)
	}
	if gaps > 0 {
		res.fail("revisions: %d items whose read-model revision is not the count and the last of their audit rows (a lost or extra change)", gaps)
	}

	srows, err := pool.Query(ctx, `SELECT id, state FROM items WHERE order_id = ANY($1)`, orders)
	if err != nil {
		return fmt.Errorf("soak: check states: %w", err)
	}
	wrong, example := 0, ""
	var sid, state string
	if _, err := pgx.ForEachRow(srows, []any{&sid, &state}, func() error {
		if want, ok := wantState[sid]; ok && want != state {
			wrong++
			example = fmt.Sprintf("%s is %s, want %s", sid, state, want)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("soak: check states: %w", err)
	}
	if wrong > 0 {
		res.fail("read model: %d items in another state than the accepted actions lead to, e.g. %s", wrong, example)
	}
	return nil
}

// checkReminders: every notice is sent; every sent one reached the SMTP server under its
// delivery's Message-ID; nothing else arrived; each person got one list; a Message-ID that
// arrived twice is explained only by a worker killed between the SMTP server's accept and
// the delivery record (the at-least-once window notify.Deliver documents).
func checkReminders(ctx context.Context, res *Result, pool *pgxpool.Pool, sink *mailsink.Sink, orders []int64,
	workerKills []time.Time, window time.Duration) error {
	rows, err := pool.Query(ctx, `SELECT n.status, coalesce(n.delivery_key, ''), n.send_at <= now() FROM notices n
		JOIN items i ON i.id = n.item_id WHERE i.order_id = ANY($1)`, orders)
	if err != nil {
		return fmt.Errorf("soak: check notices: %w", err)
	}
	want := map[string]string{} // Message-ID -> delivery key
	var failed, duePending, later int
	var status, key string
	var due bool
	if _, err := pgx.ForEachRow(rows, []any{&status, &key, &due}, func() error {
		res.Notices++
		switch {
		case status == "sent":
			res.NoticesSent++
			want[notify.MessageID(key)] = key
		case status == "failed":
			failed++
		case due:
			duePending++
		default:
			later++
		}
		return nil
	}); err != nil {
		return fmt.Errorf("soak: check notices: %w", err)
	}
	if failed+duePending+later > 0 {
		res.fail("notices: %d failed, %d due and not sent, %d put off to a later day (a second list for a person the same day)", failed, duePending, later)
	}
	keys := make([]string, 0, len(want))
	for _, k := range want {
		keys = append(keys, k+":"+string(notify.Email))
	}
	var recorded int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE key = ANY($1) AND status = 'sent'`, keys).Scan(&recorded); err != nil {
		return fmt.Errorf("soak: check deliveries: %w", err)
	}
	if recorded != len(want) {
		res.fail("deliveries: %d email deliveries recorded as sent for %d sent lists", recorded, len(want))
	}

	type arrivals struct {
		times []time.Time
		to    string
	}
	got := map[string]*arrivals{}
	msgs := sink.Messages()
	for _, m := range msgs {
		a := got[m.MessageID]
		if a == nil {
			a = &arrivals{to: strings.Join(m.To, ",")}
			got[m.MessageID] = a
		}
		a.times = append(a.times, m.At)
	}
	res.Messages, res.Distinct = len(msgs), len(got)
	res.Duplicates = res.Messages - res.Distinct
	lists := map[string]int{}
	var unexplained []string
	for id, a := range got {
		lists[a.to]++
		if _, ok := want[id]; !ok {
			res.UnexpectedMessages++
		}
		if len(a.times) > 1 {
			if explained(a.times, workerKills, window) {
				res.DuplicatesExplained += len(a.times) - 1
			} else {
				unexplained = append(unexplained, fmt.Sprintf("%s to %s at %s", id, a.to, stamps(a.times)))
			}
		}
	}
	for id := range want {
		if _, ok := got[id]; !ok {
			res.MissingMessages++
		}
	}
	for _, n := range lists {
		if n > 1 {
			res.PeopleWithTwoLists++
		}
	}
	if res.MissingMessages > 0 {
		res.fail("mail: %d lists recorded as sent never reached the SMTP server", res.MissingMessages)
	}
	if res.UnexpectedMessages > 0 {
		res.fail("mail: %d Message-IDs arrived that no sent notice accounts for", res.UnexpectedMessages)
	}
	if res.PeopleWithTwoLists > 0 {
		res.fail("mail: %d people got more than one list (one a person a day is the rule)", res.PeopleWithTwoLists)
	}
	if len(unexplained) > 0 {
		sort.Strings(unexplained)
		res.fail("mail: %d Message-IDs arrived more than once with no worker kill within %v after the first copy:\n%s",
			len(unexplained), window, indent(strings.Join(unexplained[:min(5, len(unexplained))], "\n")))
	}
	return nil
}

// acceptSkew is how much earlier than the sink's stamp of a message a worker kill may land
// and still fall in the window: the sink stamps a message once it has stored it, so a
// client killed just after sending its last byte dies a moment before the stamp (seen in a
// run: kills 0.5 ms and 0.1 ms before the stamp, the second copy 30 s later, after the
// delivery claim's lease).
const acceptSkew = 250 * time.Millisecond

// explained: a worker was killed as the first copy was accepted or within window after it,
// i.e. between the SMTP server's accept and the delivery record.
func explained(times, kills []time.Time, window time.Duration) bool {
	first, last := times[0], times[len(times)-1]
	for _, k := range kills {
		if !k.Before(first.Add(-acceptSkew)) && k.Sub(first) <= window && k.Before(last) {
			return true
		}
	}
	return false
}

func stamps(ts []time.Time) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Format("15:04:05.000"))
	}
	return strings.Join(s, ", ")
}

// checkWorkflows: every (order, unit) workflow is running (no item is closed in the soak).
func checkWorkflows(ctx context.Context, res *Result, pool *pgxpool.Pool, tc client.Client, orders []int64, deployment string) error {
	rows, err := pool.Query(ctx, `SELECT order_id, unit_id FROM order_targets WHERE order_id = ANY($1)`, orders)
	if err != nil {
		return fmt.Errorf("soak: check workflows: %w", err)
	}
	var ids []string
	var o, u int64
	if _, err := pgx.ForEachRow(rows, []any{&o, &u}, func() error {
		ids = append(ids, itemmsg.UnitWorkflowID(deployment, o, u))
		return nil
	}); err != nil {
		return fmt.Errorf("soak: check workflows: %w", err)
	}
	res.UnitWorkflows = len(ids)
	var running atomic.Int64
	var wg sync.WaitGroup
	work := make(chan string)
	var mu sync.Mutex
	var example string
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				d, err := tc.DescribeWorkflowExecution(ctx, id, "")
				if err == nil && d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					running.Add(1)
					continue
				}
				mu.Lock()
				if err != nil {
					example = id + ": " + err.Error()
				} else {
					example = id + ": " + d.WorkflowExecutionInfo.Status.String()
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	res.UnitsRunning = int(running.Load())
	if res.UnitsRunning != res.UnitWorkflows {
		res.fail("workflows: %d of %d unit workflows running, e.g. %s", res.UnitsRunning, res.UnitWorkflows, example)
	}
	return nil
}

func (r *Result) print(out io.Writer, procs []*proc, st *stream) {
	var kills, exits []string
	total := 0
	for _, p := range procs {
		kills = append(kills, fmt.Sprintf("%s %d", p.name, r.Kills[p.name]))
		exits = append(exits, fmt.Sprintf("%s %d", p.name, r.SelfExits[p.name]))
		total += r.Kills[p.name]
	}
	fmt.Fprintf(out, "\nkill soak, seed %d\n", r.Seed)
	fmt.Fprintf(out, "  machine            %d CPUs, %s/%s, %s; %s on SQLite (WAL)\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), devServerVersion(procs))
	fmt.Fprintf(out, "  load average       %s at the start, %s at the end\n", r.Load[0], r.Load[1])
	fmt.Fprintf(out, "  wall time          %v (chaos %v)\n", r.Wall.Round(time.Second), r.Chaos.Round(time.Second))
	fmt.Fprintf(out, "  SIGKILLs           %d: %s\n", total, strings.Join(kills, ", "))
	fmt.Fprintf(out, "  kills landed in    issuance %d, actions in flight %d, due reminders %d; all three at once %d\n",
		r.During["issuance"], r.During["actions"], r.During["sending"], r.During["all"])
	fmt.Fprintf(out, "  exits of their own %s (started again after 1 s)\n", strings.Join(exits, ", "))
	fmt.Fprintf(out, "  items              %d of %d, each (measure, unit) once; 交办 audit rows %d\n", r.Items, r.ItemsExpected, r.IssueRows)
	fmt.Fprintf(out, "  unit workflows     %d of %d running\n", r.UnitsRunning, r.UnitWorkflows)
	fmt.Fprintf(out, "  actions            %d planned, %d accepted (签收 %d, 进展反馈 %d), %d refused\n",
		r.ActionsPlanned, r.Acks+r.Progresses, r.Acks, r.Progresses, r.Refusals)
	fmt.Fprintf(out, "  requests           %d, of which %d retries with the same key (network errors %d, 5xx %d, 429/408 %d)\n",
		r.Requests, r.Retries, r.NetErrors, r.ServerErrors, r.Throttled)
	fmt.Fprintf(out, "  answers            %d from memory (duplicate), %d accepted and still being recorded (pending)\n", r.DuplicateAnswers, r.PendingAnswers)
	p50, p95, longest := st.waitQuantiles()
	fmt.Fprintf(out, "  wait for an answer median %v, 95th percentile %v, longest %v (retries included)\n",
		p50.Round(time.Millisecond), p95.Round(time.Millisecond), longest.Round(time.Millisecond))
	st.mu.Lock()
	kinds := make([]string, 0, len(st.answers))
	for k := range st.answers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Fprintf(out, "  answer %-11s %d× e.g. %s\n", k, st.answers[k], st.sample[k])
	}
	st.mu.Unlock()
	fmt.Fprintf(out, "  audit trail        %d mismatches with what the clients were told\n", r.AuditMismatches)
	fmt.Fprintf(out, "  reminders          %d notices, %d sent; SMTP messages %d, distinct Message-IDs %d, duplicates %d (%d explained by a worker kill between SMTP accept and record)\n",
		r.Notices, r.NoticesSent, r.Messages, r.Distinct, r.Duplicates, r.DuplicatesExplained)
	fmt.Fprintf(out, "  mail               %d lists missing, %d unexpected, %d people with two lists\n", r.MissingMessages, r.UnexpectedMessages, r.PeopleWithTwoLists)
	if len(r.Failures) == 0 {
		fmt.Fprintf(out, "  result             PASS\n")
		return
	}
	fmt.Fprintf(out, "  result             FAIL\n")
	for _, f := range r.Failures {
		fmt.Fprintf(out, "  - %s\n", f)
	}
}

// devServerVersion asks the dev server's CLI for its version.
func devServerVersion(procs []*proc) string {
	for _, p := range procs {
		if p.name != "dev server" {
			continue
		}
		cmd := p.build()
		b, err := exec.Command(cmd.Path, "--version").Output()
		if err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return "dev server"
}
