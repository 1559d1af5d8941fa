// Package weakcase keeps the case of one weak and lax Party branch (软弱涣散基层党组织) as
// one durable process for the whole campaign and the consolidation year after it: monthly
// reports with reminders when late, township pre-check (初验), county acceptance (验收) with a
// score sheet, removal from the list (销号), look-backs (回头看), sampling checks (抽查), and a
// relapse reopening the case. It continues as new at every month boundary.
//
// Its messages are in weakcasemsg; its activities in activities/weakacts. The workflow code
// does no I/O.
package weakcase

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"rectify/activities/weakacts"
	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/internal/light"
	"rectify/internal/limits"
	"rectify/internal/role"
	"rectify/workflows/actopts"
	"rectify/workflows/recalendar"
	"rectify/workflows/weakcase/weakcasemsg"
)

// caseRun is one run of a case's workflow: its input, state and the calendar in force.
type caseRun struct {
	in  weakcasemsg.Input
	st  *weakcasemsg.State
	cal *calendar.Calendar
	p   weakcasemsg.Policy
	// events are written with the next record.
	events []weakcasemsg.Event
	// written is the revision last written to the read model in this run.
	written int64
	// waiting is set when a reminder is due outside working hours.
	waiting bool
	// scopedKeys: idempotency keys are remembered per person with a fingerprint.
	scopedKeys bool
	// ready is set once the run is initialised; Update handlers wait for it.
	ready bool
}

func reject(kind apperr.Kind, field, msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, kind.Code(), temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{field}})
}

func monthOf(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01") }

func firstOfMonth(t time.Time) time.Time {
	d := t.In(calendar.Shanghai)
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, calendar.Shanghai)
}

func at(day time.Time, hhmm string) time.Time {
	h, m, err := calendar.ParseClock(hhmm)
	if err != nil {
		h, m = 17, 30
	}
	d := day.In(calendar.Shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, calendar.Shanghai)
}

// reportDue is when the report for month m ("2026-03") is due: the ReportWorkday-th working
// day of the next month, at the due time.
func (c *caseRun) reportDue(m string) time.Time {
	t, _ := time.ParseInLocation("2006-01", m, calendar.Shanghai)
	next := t.AddDate(0, 1, 0)
	return at(c.cal.AddWorkdays(next.AddDate(0, 0, -1), c.p.ReportWorkday), c.p.DueTime)
}

// owedMonths are the months, from the determination to the one before now, whose reports
// are due while the case is under rectification.
func (c *caseRun) owedMonths(now time.Time) []string {
	var out []string
	for m := firstOfMonth(c.in.DeterminedAt); m.Before(firstOfMonth(now)); m = m.AddDate(0, 1, 0) {
		out = append(out, monthOf(m))
	}
	return out
}

func (c *caseRun) underRectification() bool {
	return c.st.Stage == weakcasemsg.Rectifying || c.st.Stage == weakcasemsg.Prechecked
}

// bounds refuses an action whose texts or lists exceed internal/limits, whichever way it
// arrives, so that nothing outgrows a payload or the case's carried state.
func bounds(a weakcasemsg.Action) error {
	var c limits.Check
	c.Text("note", "说明", a.Note, limits.MaxNote)
	c.Text("month", "月份", a.Month, limits.MaxName)
	c.Text("role", "角色", a.Role, limits.MaxName)
	if len(a.Key) > limits.MaxName*2 {
		c.Add("Idempotency-Key", "幂等键不能超过%d个字符", limits.MaxName*2)
	}
	c.List("scores", "评分项", len(a.Scores), limits.MaxListItems)
	for i, s := range a.Scores {
		c.Text(fmt.Sprintf("scores[%d].item", i), "评分项名称", s.Item, limits.MaxName)
	}
	if a.Polled > limits.MaxPolled {
		c.Add("polled", "测评人数不能超过%d人", limits.MaxPolled)
	}
	if len(c.Errs) == 0 {
		return nil
	}
	return reject(apperr.Invalid, c.Errs[0].Field, c.Errs[0].Message)
}

// mayAct decides whether who may take an action of this kind on this case at all, whatever
// its stage.
func (c *caseRun) mayAct(a weakcasemsg.Action) error {
	who := a.Actor
	if who.PersonID == 0 {
		return reject(apperr.Unauthenticated, "actor", "未识别操作人")
	}
	county := who.UnitID == c.in.CountyUnitID && role.Has(who.Roles, role.OrgStaff)
	switch a.Kind {
	case weakcasemsg.Report:
		if who.UnitID != c.in.BranchUnitID && who.UnitID != c.in.TownshipUnitID && who.PersonID != c.st.Ones.FirstSecretary {
			return reject(apperr.Forbidden, "actor", "只有本村党组织、所在乡镇或第一书记可以报送月度报告")
		}
	case weakcasemsg.Precheck:
		if who.UnitID != c.in.TownshipUnitID || !role.Has(who.Roles, role.TownshipOfficial) {
			return reject(apperr.Forbidden, "actor", "只有所在乡镇干部可以初验")
		}
	case weakcasemsg.Accept:
		if !county {
			return reject(apperr.Forbidden, "actor", "只有县级组织部门可以验收")
		}
	case weakcasemsg.Lookback:
		if !county && !(who.PersonID == c.st.Ones.CountyLeader) {
			return reject(apperr.Forbidden, "actor", "只有县级组织部门或联系领导可以开展回头看")
		}
	case weakcasemsg.SampleCheck:
		if !county {
			return reject(apperr.Forbidden, "actor", "只有县级组织部门可以抽查")
		}
	case weakcasemsg.Assign:
		if !county {
			return reject(apperr.Forbidden, "actor", "只有县级组织部门可以调整四个一")
		}
	default:
		return reject(apperr.Invalid, "kind", "不支持的操作“"+string(a.Kind)+"”")
	}
	return nil
}

// handledKey is where an action's idempotency key is remembered: per person in runs from
// the hardening version on, so one person's key never answers another.
func (c *caseRun) handledKey(a weakcasemsg.Action) string {
	if !c.scopedKeys {
		return a.Key
	}
	return strconv.FormatInt(a.Actor.PersonID, 10) + "|" + a.Key
}

// duplicate answers an action whose key was already handled; the same key with another
// action or body is refused, and a remembered answer goes only to someone who may act.
func (c *caseRun) duplicate(a weakcasemsg.Action) (weakcasemsg.Result, bool, error) {
	if a.Key == "" {
		return weakcasemsg.Result{}, false, nil
	}
	r, ok := c.st.Handled[c.handledKey(a)]
	if !ok && c.scopedKeys {
		// A key carried from a run that predates scoping (no fingerprint to compare).
		if old, found := c.st.Handled[a.Key]; found {
			old.Fingerprint = Fingerprint(a)
			r, ok = old, true
		}
	}
	if !ok {
		return weakcasemsg.Result{}, false, nil
	}
	if c.scopedKeys {
		if err := c.mayAct(a); err != nil {
			return weakcasemsg.Result{}, false, err
		}
		if r.Fingerprint != Fingerprint(a) {
			return weakcasemsg.Result{}, false, reject(apperr.Conflict, "Idempotency-Key", "幂等键“"+a.Key+"”已用于另一操作或不同内容，请使用新的幂等键")
		}
	}
	r.Fingerprint = ""
	return r, true, nil
}

// check decides whether an action may happen now; it changes nothing.
func (c *caseRun) check(a weakcasemsg.Action, now time.Time) error {
	if _, ok, err := c.duplicate(a); ok || err != nil {
		return err
	}
	if err := c.mayAct(a); err != nil {
		return err
	}
	if c.scopedKeys {
		if err := bounds(a); err != nil {
			return err
		}
	}
	note := strings.TrimSpace(a.Note)
	switch a.Kind {
	case weakcasemsg.Report:
		if !c.underRectification() {
			return reject(apperr.Conflict, "stage", "整顿期已结束，无需报送月度报告")
		}
		m, err := time.ParseInLocation("2006-01", a.Month, calendar.Shanghai)
		if err != nil {
			return reject(apperr.Invalid, "month", "月份“"+a.Month+"”应写作2006-01")
		}
		if m.Before(firstOfMonth(c.in.DeterminedAt)) || m.After(firstOfMonth(now)) {
			return reject(apperr.Invalid, "month", "月份应在认定之后、不晚于本月")
		}
		if slices.Contains(c.st.Reports, a.Month) {
			return reject(apperr.Conflict, "month", a.Month+"的月度报告已报送")
		}
		if note == "" {
			return reject(apperr.Invalid, "note", "月度报告内容不能为空")
		}
	case weakcasemsg.Precheck:
		if c.st.Stage != weakcasemsg.Rectifying {
			return reject(apperr.Conflict, "stage", "当前阶段为"+c.st.Stage.Label()+"，不能初验")
		}
		if a.Pass && a.PlanOpen > 0 {
			return reject(apperr.Conflict, "plan", fmt.Sprintf("整顿方案还有%d项未销号，不能通过初验", a.PlanOpen))
		}
		if !a.Pass && note == "" {
			return reject(apperr.Invalid, "note", "初验未通过须说明原因")
		}
	case weakcasemsg.Accept:
		if c.st.Stage != weakcasemsg.Prechecked {
			return reject(apperr.Conflict, "stage", "须先经乡镇初验才能验收")
		}
		if len(a.Scores) == 0 {
			return reject(apperr.Invalid, "scores", "验收须填写评分表")
		}
		total := 0.0
		for i, s := range a.Scores {
			if strings.TrimSpace(s.Item) == "" || s.Score < 0 {
				return reject(apperr.Invalid, fmt.Sprintf("scores[%d]", i), "评分项须有名称，分数不能为负")
			}
			total += s.Score
		}
		if total > 100 {
			return reject(apperr.Invalid, "scores", "评分合计不能超过100分")
		}
		if a.Polled < 1 || a.Dissatisfied < 0 || a.Dissatisfied > a.Polled {
			return reject(apperr.Invalid, "polled", "群众满意度测评人数须至少1人，不满意人数不能超过测评人数")
		}
	case weakcasemsg.Lookback:
		if c.st.Stage != weakcasemsg.Consolidating {
			return reject(apperr.Conflict, "stage", "只有巩固期的党组织才开展回头看")
		}
		if !a.Pass && note == "" {
			return reject(apperr.Invalid, "note", "发现反弹须说明情况")
		}
	case weakcasemsg.SampleCheck:
		if c.st.Stage != weakcasemsg.Consolidating && c.st.Stage != weakcasemsg.Closed {
			return reject(apperr.Conflict, "stage", "只能抽查已验收销号的党组织")
		}
		if !a.Pass && note == "" {
			return reject(apperr.Invalid, "note", "抽查未通过须说明问题")
		}
	case weakcasemsg.Assign:
		if !slices.Contains([]string{"county_leader", "township_leader", "first_secretary", "paired_unit"}, a.Role) {
			return reject(apperr.Invalid, "role", "角色应为county_leader、township_leader、first_secretary或paired_unit")
		}
		if a.Assignee <= 0 {
			return reject(apperr.Invalid, "assignee", "请指定调整后的人员或单位")
		}
	}
	return nil
}

// recheckFindings are the outcomes of a look-back (回头看) and of a sampling check (抽查) of
// an accepted case, passed or failed; failing either reopens the case.
var recheckFindings = map[weakcasemsg.Kind]struct{ pass, fail string }{
	weakcasemsg.Lookback:    {"回头看未发现反弹", "回头看发现反弹，重新整顿"},
	weakcasemsg.SampleCheck: {"抽查通过", "抽查未通过，重新整顿"},
}

// apply performs a checked action and records its event.
func (c *caseRun) apply(a weakcasemsg.Action, now time.Time) (weakcasemsg.Result, error) {
	if r, ok, err := c.duplicate(a); ok || err != nil {
		return r, err
	}
	if err := c.check(a, now); err != nil {
		return weakcasemsg.Result{}, err
	}
	from := c.st.Stage
	detail := map[string]any{}
	if n := strings.TrimSpace(a.Note); n != "" {
		detail["note"] = n
	}
	var outcome string
	switch a.Kind {
	case weakcasemsg.Report:
		c.st.Reports = append(c.st.Reports, a.Month)
		slices.Sort(c.st.Reports)
		detail["month"] = a.Month
		outcome = a.Month + "月度报告已报送"
	case weakcasemsg.Precheck:
		detail["pass"] = a.Pass
		if a.Pass {
			c.st.Stage, outcome = weakcasemsg.Prechecked, "初验通过，报县级验收"
		} else {
			outcome = "初验未通过，继续整顿"
		}
	case weakcasemsg.Accept:
		total := 0.0
		for _, s := range a.Scores {
			total += s.Score
		}
		detail["scores"], detail["total"], detail["polled"], detail["dissatisfied"] = a.Scores, total, a.Polled, a.Dissatisfied
		var reasons []string
		if total < c.p.PassScore {
			reasons = append(reasons, fmt.Sprintf("得分%.1f分，低于%.0f分的通过线", total, c.p.PassScore))
		}
		if a.Dissatisfied*2 > a.Polled {
			reasons = append(reasons, fmt.Sprintf("群众不满意%d人，超过测评人数%d人的一半", a.Dissatisfied, a.Polled))
		}
		c.st.Score = &total
		if len(reasons) == 0 {
			c.st.Stage, c.st.AcceptedAt = weakcasemsg.Consolidating, now
			outcome = fmt.Sprintf("验收通过（%.1f分），销号并转入巩固期", total)
		} else {
			c.st.Stage = weakcasemsg.Rectifying
			detail["reasons"] = reasons
			outcome = "验收未通过：" + strings.Join(reasons, "；") + "，退回继续整顿"
		}
	case weakcasemsg.Lookback, weakcasemsg.SampleCheck:
		detail["pass"] = a.Pass
		found := recheckFindings[a.Kind]
		outcome = found.pass
		if !a.Pass {
			c.reopen()
			outcome = found.fail
		}
	case weakcasemsg.Assign:
		detail["role"], detail["assignee"] = a.Role, a.Assignee
		switch a.Role {
		case "county_leader":
			detail["previous"], c.st.Ones.CountyLeader = c.st.Ones.CountyLeader, a.Assignee
		case "township_leader":
			detail["previous"], c.st.Ones.TownshipLeader = c.st.Ones.TownshipLeader, a.Assignee
		case "first_secretary":
			detail["previous"], c.st.Ones.FirstSecretary = c.st.Ones.FirstSecretary, a.Assignee
		case "paired_unit":
			detail["previous"], c.st.Ones.PairedUnit = c.st.Ones.PairedUnit, a.Assignee
		}
		outcome = "四个一调整已记录"
	}
	detail["outcome"] = outcome
	c.event(now, a.Actor.PersonID, string(a.Kind), from, detail)
	r := weakcasemsg.Result{Stage: c.st.Stage, Revision: c.st.Revision, Outcome: outcome}
	if a.Key != "" {
		remembered := r
		if c.scopedKeys {
			remembered.Fingerprint = Fingerprint(a)
		}
		c.st.Handled[c.handledKey(a)] = remembered
	}
	return r, nil
}

// reopen puts a case back into rectification after a relapse (反弹) or a failed sample.
func (c *caseRun) reopen() {
	c.st.Stage = weakcasemsg.Rectifying
	c.st.Relapses++
	c.st.AcceptedAt, c.st.ClosedAt = time.Time{}, time.Time{}
	// The reports of the new rectification start from the month it reopens.
}

func (c *caseRun) event(now time.Time, actor int64, kind string, from weakcasemsg.Stage, detail map[string]any) {
	c.st.Revision++
	c.events = append(c.events, weakcasemsg.Event{Revision: c.st.Revision, At: now, ActorID: actor, Kind: kind, From: from, To: c.st.Stage, Detail: detail})
}

// step brings the case up to now: the light, reminders due, the end of consolidation. It
// returns the notices to send.
func (c *caseRun) step(now time.Time) []weakcasemsg.Notice {
	var out []weakcasemsg.Notice
	// Reminders go out only in working hours on working days; outside them they wait.
	inWindow := c.cal.NextSendTime(now, c.p.SendStart, c.p.SendEnd).Equal(now)
	c.waiting = false
	fire := func(key string, people []int64, subject, body string) {
		if slices.Contains(c.st.Fired, key) {
			return
		}
		if !inWindow {
			c.waiting = true
			return
		}
		c.st.Fired = append(c.st.Fired, key)
		var to []int64
		for _, p := range people {
			if p != 0 && !slices.Contains(to, p) {
				to = append(to, p)
			}
		}
		out = append(out, weakcasemsg.Notice{Key: weakcasemsg.WorkflowID(c.in.Deployment, c.in.CaseID) + "/" + key, At: now, CaseID: c.in.CaseID, People: to, Subject: subject, Body: body})
	}
	l, reason := light.Green, "整顿按计划推进"
	if c.underRectification() {
		for _, m := range c.owedMonths(now) {
			if slices.Contains(c.st.Reports, m) || c.reopenedAfter(m) {
				continue
			}
			due := c.reportDue(m)
			if now.Before(due) {
				continue
			}
			late := c.cal.WorkdaysBetween(calendar.Date(due.In(calendar.Shanghai).Date()), calendar.Date(now.In(calendar.Shanghai).Date()))
			fire("report-"+m, []int64{c.st.Ones.FirstSecretary, c.st.Ones.TownshipLeader},
				"【整顿提醒】"+m+"月度整顿报告未按时报送", m+"的整顿进展月度报告已过报送时限，请第一书记和包村领导尽快报送。")
			if late >= c.p.ReportEscalateAfter {
				fire("report-escalate-"+m, []int64{c.st.Ones.CountyLeader},
					"【督办】"+m+"月度整顿报告逾期未报", fmt.Sprintf("%s的整顿月度报告已逾期%d个工作日，请联系领导督促。", m, late))
				l, reason = light.Red, fmt.Sprintf("%s月度报告已逾期%d个工作日", m, late)
			} else if l != light.Red {
				l, reason = light.Yellow, m+"月度报告逾期未报"
			}
		}
	}
	if c.st.Stage == weakcasemsg.Consolidating {
		l, reason = light.Green, "巩固期"
		for _, k := range c.p.LookbackMonths {
			when := c.st.AcceptedAt.AddDate(0, k, 0)
			if !now.Before(when) {
				fire(fmt.Sprintf("lookback-%d-%s", k, monthOf(c.st.AcceptedAt)), []int64{c.st.Ones.CountyLeader, c.st.Ones.TownshipLeader},
					fmt.Sprintf("【回头看】请开展销号%d个月回头看", k), "该党组织销号已满期，请开展回头看，防止反弹。")
			}
		}
		// The case closes once consolidation has run its time and the last look-back reminder
		// has gone out (it may wait for working hours).
		if end := c.st.AcceptedAt.AddDate(0, c.p.ConsolidationMonths, 0); !now.Before(end) && !c.waiting {
			from := c.st.Stage
			c.st.Stage, c.st.ClosedAt = weakcasemsg.Closed, end
			c.event(now, 0, "consolidated", from, map[string]any{"outcome": "巩固期满，结案"})
			l, reason = light.Green, "已结案"
		}
	}
	if c.st.Stage == weakcasemsg.Closed {
		l, reason = light.Green, "已结案"
	}
	if l != c.st.Light || reason != c.st.LightReason {
		c.st.Light, c.st.LightReason = l, reason
		c.st.Revision++
	}
	return out
}

// reopenedAfter is true for months before the case was last reopened: a relapse starts a new
// rectification whose reports begin then. (Reports owed before 销号 were settled by it.)
func (c *caseRun) reopenedAfter(m string) bool {
	for i := len(c.st.Fired) - 1; i >= 0; i-- {
		if strings.HasPrefix(c.st.Fired[i], "reopened-") {
			return m < strings.TrimPrefix(c.st.Fired[i], "reopened-")
		}
	}
	return false
}

// nextWake is the next moment step could change anything.
func (c *caseRun) nextWake(now time.Time) time.Time {
	next := firstOfMonth(now).AddDate(0, 1, 0) // a month boundary: continue as new
	consider := func(t time.Time) {
		if t.After(now) && t.Before(next) {
			next = t
		}
	}
	if c.waiting {
		consider(c.cal.NextSendTime(now, c.p.SendStart, c.p.SendEnd))
	}
	if c.underRectification() {
		for _, m := range c.owedMonths(now.AddDate(0, 1, 0)) {
			due := c.reportDue(m)
			consider(due)
			consider(at(c.cal.AddWorkdays(due, c.p.ReportEscalateAfter), c.p.DueTime))
		}
		consider(calendar.Date(now.In(calendar.Shanghai).Date()).AddDate(0, 0, 1)) // lateness counts in days
	}
	if c.st.Stage == weakcasemsg.Consolidating {
		for _, k := range c.p.LookbackMonths {
			consider(c.st.AcceptedAt.AddDate(0, k, 0))
		}
		consider(c.st.AcceptedAt.AddDate(0, c.p.ConsolidationMonths, 0))
	}
	return next
}

// CaseWorkflow is one weak branch's case. See the package doc.
func CaseWorkflow(ctx workflow.Context, in weakcasemsg.Input) error {
	c := &caseRun{in: in, p: weakcasemsg.DefaultPolicy()}
	if in.Policy != nil {
		c.p = *in.Policy
	}
	if in.Carried != nil {
		st := *in.Carried
		c.st = &st
	} else {
		c.st = &weakcasemsg.State{Stage: weakcasemsg.Rectifying, Ones: in.Ones, Light: "", Handled: map[string]weakcasemsg.Result{}}
	}
	if c.st.Handled == nil {
		c.st.Handled = map[string]weakcasemsg.Result{}
	}
	c.st.Runs++
	// Runs from the hardening version on remember keys per person with a fingerprint and
	// answer an action whose write is slow as accepted and pending; older runs replay as before.
	hardened := workflow.GetVersion(ctx, "hardening", workflow.DefaultVersion, 1) >= 1
	c.scopedKeys = hardened

	// Handlers first: an action that arrives with the start waits for the calendar to load
	// instead of being refused as unknown. Registering adds no commands, so older histories
	// replay unchanged.
	dirty := true
	if err := workflow.SetUpdateHandlerWithOptions(ctx, weakcasemsg.UpdateCaseAction,
		func(ctx workflow.Context, a weakcasemsg.Action) (weakcasemsg.Result, error) {
			if err := workflow.Await(ctx, func() bool { return c.ready }); err != nil {
				return weakcasemsg.Result{}, err
			}
			now := workflow.Now(ctx)
			from := c.st.Stage
			r, err := c.apply(a, now)
			if err != nil {
				return r, err
			}
			if from != weakcasemsg.Rectifying && c.st.Stage == weakcasemsg.Rectifying && a.Kind != weakcasemsg.Accept {
				c.st.Fired = append(c.st.Fired, "reopened-"+monthOf(now))
			}
			dirty = true
			if !hardened {
				if err := c.flush(ctx, actopts.LocalWrite(ctx), now); err != nil {
					return r, err
				}
				return r, nil
			}
			if err := c.flush(ctx, actopts.ActionWrite(ctx), now); err != nil {
				// The action stands in the workflow's history; the main loop writes the
				// events still held (flush keeps them until they are written).
				workflow.GetLogger(ctx).Warn("case write slow; left to the main loop", "case", c.in.CaseID, "error", err)
				r.Pending = true
			}
			return r, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, a weakcasemsg.Action) error { return c.check(a, workflow.Now(ctx)) }},
	); err != nil {
		return err
	}
	if err := workflow.SetQueryHandler(ctx, "state", func() (weakcasemsg.State, error) { return *c.st, nil }); err != nil {
		return err
	}

	if len(c.st.Calendar) > 0 {
		cal, err := calendar.New(c.st.Calendar...)
		if err != nil {
			return err
		}
		c.cal = cal
	} else {
		cal, years, err := recalendar.Load(actopts.LocalWrite(ctx))
		if err != nil {
			return err
		}
		c.cal, c.st.Calendar = cal, years
	}
	if in.Carried == nil {
		c.event(in.DeterminedAt, 0, "determined", "", map[string]any{"outcome": "认定为软弱涣散党组织，开始整顿"})
	}
	c.ready = true

	for {
		now := workflow.Now(ctx)
		dirty = false
		notices := c.step(now)
		if err := c.flush(ctx, actopts.LocalWrite(ctx), now); err != nil {
			return err
		}
		var a *weakacts.Activities
		actx := actopts.Notify(ctx)
		for _, n := range notices {
			if err := workflow.ExecuteActivity(actx, a.NotifyCase, n).Get(ctx, nil); err != nil {
				return err
			}
		}
		if c.st.Stage == weakcasemsg.Closed && !workflow.Now(ctx).Before(c.st.ClosedAt.AddDate(0, c.p.SampleWindowMonths, 0)) {
			break
		}
		wake := c.nextWake(workflow.Now(ctx))
		monthEnd := !wake.Before(firstOfMonth(workflow.Now(ctx)).AddDate(0, 1, 0))
		fired, err := workflow.AwaitWithTimeout(ctx, wake.Sub(workflow.Now(ctx)), func() bool { return dirty })
		if err != nil {
			return err
		}
		if !fired && monthEnd {
			// A month boundary: continue as new so the history stays small.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			if h := workflow.GetInfo(ctx).GetCurrentHistoryLength(); h > c.st.MaxHistory {
				c.st.MaxHistory = h
			}
			next := in
			st := *c.st
			next.Carried = &st
			return workflow.NewContinueAsNewError(ctx, CaseWorkflow, next)
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return nil
}

// flush writes the case and its new events to the read model; events stay held until written.
func (c *caseRun) flush(ctx, lctx workflow.Context, now time.Time) error {
	if len(c.events) == 0 && c.st.Revision == c.written {
		return nil
	}
	rec := weakcasemsg.Record{CaseID: c.in.CaseID, At: now, State: *c.st, Events: c.events}
	rec.State.Calendar, rec.State.Handled = nil, nil
	var a *weakacts.Activities
	if err := workflow.ExecuteLocalActivity(lctx, a.RecordCase, rec).Get(ctx, nil); err != nil {
		return err
	}
	c.events, c.written = nil, c.st.Revision
	return nil
}
