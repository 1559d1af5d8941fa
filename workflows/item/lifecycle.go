package item

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"rectify/internal/apperr"
	"rectify/internal/calendar"
	"rectify/internal/role"
	"rectify/workflows/item/itemmsg"
)

// rejection is how a refused action leaves the workflow: an application error whose type is
// the apperr code and whose details carry the field, so the API can answer 400/403/409.
func rejection(kind apperr.Kind, field, message string) error {
	return temporal.NewApplicationErrorWithOptions(message, kind.Code(), temporal.ApplicationErrorOptions{
		NonRetryable: true,
		Details:      []any{field},
	})
}

// lifecycle is the state of one (order, unit) workflow and its rules; it does no I/O so
// that it can run inside workflow code and in plain unit tests alike.
type lifecycle struct {
	// Supervision context: nil cal means the run predates supervision (no deadlines).
	cal      *calendar.Calendar
	policy   itemmsg.Policy
	issuedAt time.Time

	orderID      int64
	unitID       int64
	issuerUnitID int64
	items        []itemmsg.Item
	index        map[string]int
	handled      map[string]itemmsg.ActionResult
	handledOrder []string
	// scopedKeys: idempotency keys are remembered per (item, person) with the request's
	// fingerprint (runs started before the hardening version keyed them per workflow).
	scopedKeys bool
	// passDown: the run started at or after the pass-down version: it knows 分办, 转办 (its
	// children), late acknowledgement, 回头看 and re-inspection. Older runs replay as before.
	passDown bool
	// quiet: the run started at or after the quiet-days version: it wakes only when a light
	// may change colour or a rung is due, and does not rewrite a reason for a count of days
	// (readers compute those, Freshen). spread is this workflow's offset into the first hour
	// of a day for the wakes that would otherwise all come at midnight.
	quiet  bool
	spread time.Duration
	// ready is set once the run is initialised (issued rows written, calendar loaded);
	// Update handlers are registered before that and wait for it.
	ready bool
}

const maxRememberedKeys = 1000

func newLifecycle(in itemmsg.UnitOrderInput) *lifecycle {
	l := &lifecycle{issuedAt: in.IssuedAt, policy: itemmsg.DefaultPolicy(), orderID: in.OrderID, unitID: in.UnitID, issuerUnitID: in.IssuerUnitID,
		index: map[string]int{}, handled: map[string]itemmsg.ActionResult{}}
	if in.Carried != nil {
		l.items = append(l.items, in.Carried.Items...)
		for k, v := range in.Carried.Handled {
			l.handled[k] = v
		}
		l.handledOrder = append(l.handledOrder, in.Carried.HandledOrder...)
	} else {
		for _, s := range in.Items {
			l.items = append(l.items, itemmsg.Item{Spec: s, State: itemmsg.Issued, Revision: 1})
		}
	}
	if in.Policy != nil {
		l.policy = *in.Policy
	}
	for i, it := range l.items {
		l.index[it.ID] = i
	}
	return l
}

func (l *lifecycle) carried() *itemmsg.Carried {
	c := &itemmsg.Carried{Items: slices.Clone(l.items), Handled: l.handled, HandledOrder: slices.Clone(l.handledOrder)}
	if l.cal != nil {
		c.Calendar = l.cal.Years()
	}
	return c
}

func (l *lifecycle) allTerminal() bool {
	for _, it := range l.items {
		if !it.State.Terminal() {
			return false
		}
	}
	return true
}

// handledKey is where a request's idempotency key is remembered. Scoped runs remember it
// per (item, person): two items of one workflow, or two people, never share an answer.
func (l *lifecycle) handledKey(req itemmsg.ActionRequest) string {
	if !l.scopedKeys {
		return req.Key
	}
	return req.ItemID + "|" + strconv.FormatInt(req.Actor.PersonID, 10) + "|" + req.Key
}

// duplicate answers a request whose idempotency key was already handled. The same key with
// another action or body is refused (as payment APIs do), and a remembered answer goes only
// to someone who may still act on the item.
func (l *lifecycle) duplicate(req itemmsg.ActionRequest) (itemmsg.ActionResult, bool, error) {
	if req.Key == "" {
		return itemmsg.ActionResult{}, false, nil
	}
	r, ok := l.handled[l.handledKey(req)]
	if !ok && l.scopedKeys {
		// A key carried from a run that predates scoping: it counts only for its own item.
		if old, found := l.handled[req.Key]; found && old.ItemID == req.ItemID {
			r, ok = old, true
		}
	}
	if !ok {
		return itemmsg.ActionResult{}, false, nil
	}
	if l.scopedKeys {
		if err := MayAct(req.Actor, req.Action, l.unitID, l.issuerUnitID); err != nil {
			return itemmsg.ActionResult{}, false, err
		}
		if r.Fingerprint != "" && r.Fingerprint != Fingerprint(req) {
			return itemmsg.ActionResult{}, false, rejection(apperr.Conflict, "Idempotency-Key", "幂等键“"+req.Key+"”已用于该事项的另一操作或不同内容，请使用新的幂等键")
		}
	}
	r.Duplicate, r.Fingerprint = true, ""
	return r, true, nil
}

// check decides whether req may act now; it changes nothing.
func (l *lifecycle) check(req itemmsg.ActionRequest, now time.Time) error {
	if _, ok, err := l.duplicate(req); ok || err != nil {
		return err
	}
	if l.scopedKeys {
		if err := boundsRejection(req, now); err != nil {
			return err
		}
	}
	i, ok := l.index[req.ItemID]
	if !ok {
		return rejection(apperr.NotFound, "item_id", "整改事项不存在")
	}
	it := &l.items[i]
	if err := MayAct(req.Actor, req.Action, l.unitID, l.issuerUnitID); err != nil {
		return err
	}
	if it.State == itemmsg.Cancelled {
		return rejection(apperr.Conflict, "state", "整改事项已撤销，不能"+req.Action.Label())
	}
	note := strings.TrimSpace(req.Note)
	if req.Action.Rechecks() || req.Action == itemmsg.Assign || req.Action == itemmsg.Split {
		if !l.passDown {
			return rejection(apperr.Invalid, "action", "不支持的操作“"+string(req.Action)+"”")
		}
		return l.checkPassDown(it, req, note, now)
	}
	if it.State == itemmsg.Closed {
		return rejection(apperr.Conflict, "state", "整改事项已销号，不能"+req.Action.Label())
	}
	switch req.Action {
	case itemmsg.Acknowledge:
		if it.State != itemmsg.Issued {
			return rejection(apperr.Conflict, "state", "整改事项已签收")
		}
	case itemmsg.Progress:
		if err := underway(it.State, "请先签收再反馈进展", "已申请销号，等待审核，不能反馈进展"); err != nil {
			return err
		}
		if note == "" {
			return rejection(apperr.Invalid, "note", "进展情况不能为空")
		}
	case itemmsg.RequestClose:
		if err := underway(it.State, "请先签收再申请销号", "已申请销号，等待审核"); err != nil {
			return err
		}
		if len(req.EvidenceIDs) == 0 {
			return rejection(apperr.Invalid, "evidence_ids", "申请销号须附佐证材料")
		}
		if note == "" {
			return rejection(apperr.Invalid, "note", "申请销号须说明整改完成情况")
		}
		if it.ChildrenPending > 0 {
			return rejection(apperr.Conflict, "state", fmt.Sprintf("下级%d个分解事项中还有%d个未销号或撤销，暂不能申请销号", max(len(it.Children), it.ChildrenPending), it.ChildrenPending))
		}
	case itemmsg.Cancel:
		if l.passDown && it.ParentItemID != "" && note == "" {
			return rejection(apperr.Invalid, "note", "撤销下级分解事项须说明理由")
		}
	case itemmsg.RequestExtension:
		if l.cal == nil && !l.ready {
			break // the calendar is still loading: the handler judges it once the run is ready
		}
		if l.cal == nil {
			return rejection(apperr.Conflict, "action", "该事项不支持延期申请")
		}
		if it.ExtensionRequestedTo != "" {
			return rejection(apperr.Conflict, "state", "已有待审批的延期申请")
		}
		due, ok := Due(it, l.issuedAt, l.cal, l.policy)
		if !ok {
			return rejection(apperr.Conflict, "state", "该事项尚无完成时限，无需延期")
		}
		if !now.Before(due) {
			return rejection(apperr.Conflict, "state", "已超过完成时限，延期须在到期前申请")
		}
		to, err := calendar.ParseDate(req.ExtendTo)
		if err != nil {
			return rejection(apperr.Invalid, "extend_to", "延期后的完成时限“"+req.ExtendTo+"”不是日期，应写作2006-01-02")
		}
		if !at(to, l.policy.DueTime).After(due) {
			return rejection(apperr.Invalid, "extend_to", "延期后的完成时限须晚于现在的完成时限"+dateOf(due).Format("2006-01-02"))
		}
		if note == "" {
			return rejection(apperr.Invalid, "note", "申请延期须说明理由")
		}
	case itemmsg.ApproveExtension, itemmsg.RefuseExtension:
		if it.ExtensionRequestedTo == "" {
			return rejection(apperr.Conflict, "state", "没有待审批的延期申请")
		}
		if req.Action == itemmsg.RefuseExtension && note == "" {
			return rejection(apperr.Invalid, "note", "不同意延期须说明理由")
		}
	case itemmsg.Close, itemmsg.Return:
		if it.State != itemmsg.CloseRequested {
			return rejection(apperr.Conflict, "state", "该事项未申请销号，不能"+req.Action.Label())
		}
		if req.Action == itemmsg.Return && note == "" {
			return rejection(apperr.Invalid, "note", "退回须说明理由")
		}
	}
	return nil
}

// underway rejects reporting on an item that is not signed for yet (unsigned) or already
// waits for close-out review (awaiting).
func underway(s itemmsg.State, unsigned, awaiting string) error {
	switch s {
	case itemmsg.Issued:
		return rejection(apperr.Conflict, "state", unsigned)
	case itemmsg.CloseRequested:
		return rejection(apperr.Conflict, "state", awaiting)
	}
	return nil
}

// MayAct decides whether an actor's unit and roles allow an action on an item of unitID
// issued by issuerUnitID, whatever the item's state: the responsible unit's people (not
// leaders, who read only) sign for, report on and request close-out; an issuing role at
// the issuing unit closes out, returns and cancels.
func MayAct(a itemmsg.Actor, action itemmsg.Action, unitID, issuerUnitID int64) error {
	if a.PersonID == 0 {
		return rejection(apperr.Unauthenticated, "actor", "未识别操作人")
	}
	switch action {
	case itemmsg.Acknowledge, itemmsg.Progress, itemmsg.RequestClose, itemmsg.RequestExtension:
		if a.UnitID != unitID || role.ReadsOnly(a.Roles) {
			return rejection(apperr.Forbidden, "actor", "只有责任单位人员可以"+action.Label())
		}
	case itemmsg.Assign, itemmsg.Split:
		if a.UnitID != unitID || role.ReadsOnly(a.Roles) || (action == itemmsg.Split && !role.MayIssue(a.Roles)) {
			return rejection(apperr.Forbidden, "actor", "只有责任单位的乡镇干部或组织部门可以"+action.Label())
		}
	case itemmsg.Close, itemmsg.Return, itemmsg.Cancel, itemmsg.ApproveExtension, itemmsg.RefuseExtension,
		itemmsg.LookBackHolds, itemmsg.LookBackRelapse, itemmsg.ReinspectPass, itemmsg.ReinspectFail:
		if a.UnitID != issuerUnitID || !role.MayIssue(a.Roles) {
			return rejection(apperr.Forbidden, "actor", "只有交办单位的组织部门或乡镇干部可以"+action.Label())
		}
	default:
		return rejection(apperr.Invalid, "action", "不支持的操作“"+string(action)+"”")
	}
	return nil
}

// nextState is where an action takes an item; the extension actions leave its state alone.
var nextState = map[itemmsg.Action]itemmsg.State{
	itemmsg.Acknowledge:  itemmsg.Acknowledged,
	itemmsg.Progress:     itemmsg.InProgress,
	itemmsg.RequestClose: itemmsg.CloseRequested,
	itemmsg.Close:        itemmsg.Closed,
	itemmsg.Return:       itemmsg.InProgress,
	itemmsg.Cancel:       itemmsg.Cancelled,
}

// apply checks req again (state may have moved since validation) and performs it.
func (l *lifecycle) apply(req itemmsg.ActionRequest, now time.Time) (itemmsg.ActionResult, itemmsg.AuditEntry, bool, error) {
	if r, ok, err := l.duplicate(req); ok || err != nil {
		return r, itemmsg.AuditEntry{}, false, err
	}
	if err := l.check(req, now); err != nil {
		return itemmsg.ActionResult{}, itemmsg.AuditEntry{}, false, err
	}
	it := &l.items[l.index[req.ItemID]]
	from := it.State
	if to, ok := nextState[req.Action]; ok {
		it.State = to
	}
	switch req.Action {
	case itemmsg.Acknowledge:
		it.AcknowledgedAt = now
		if l.passDown && l.cal != nil && now.After(ackDeadline(l.issuedAt, l.cal, l.policy)) {
			it.AckLate = true
		}
	case itemmsg.Assign:
		it.HandlerPerson = req.HandlerPerson
	case itemmsg.Split:
		if it.State == itemmsg.Acknowledged {
			it.State = itemmsg.InProgress
		}
		for _, id := range req.Split.Children {
			if !slices.ContainsFunc(it.Children, func(c itemmsg.Child) bool { return c.ItemID == id }) {
				it.Children = append(it.Children, itemmsg.Child{ItemID: id, State: itemmsg.Issued})
			}
		}
		it.ChildrenPending = pendingChildren(it.Children)
	case itemmsg.LookBackRelapse, itemmsg.ReinspectFail:
		// Reopened: back to 整改中 with the new deadline, which overrides the old one.
		it.State = itemmsg.InProgress
		it.ClosedAt = time.Time{}
		it.ExtendedTo = strings.TrimSpace(req.ExtendTo)
		it.ExtensionRequestedTo, it.ExtensionReason = "", ""
		it.ReopenCount++
	case itemmsg.Progress:
		it.ProgressCount++
		it.LastProgress = strings.TrimSpace(req.Note)
		it.LastProgressAt = now
	case itemmsg.Close:
		it.ClosedAt = now
	case itemmsg.Return:
		it.ReturnCount++
	case itemmsg.RequestExtension:
		it.ExtensionRequestedTo = strings.TrimSpace(req.ExtendTo)
		it.ExtensionReason = strings.TrimSpace(req.Note)
	case itemmsg.ApproveExtension:
		it.ExtendedTo = it.ExtensionRequestedTo
		it.ExtensionRequestedTo, it.ExtensionReason = "", ""
	case itemmsg.RefuseExtension:
		it.ExtensionRequestedTo, it.ExtensionReason = "", ""
	}
	it.Revision++
	res := itemmsg.ActionResult{ItemID: it.ID, State: it.State, Revision: it.Revision}
	if req.Key != "" {
		remembered := res
		if l.scopedKeys {
			remembered.Fingerprint = Fingerprint(req)
		}
		k := l.handledKey(req)
		l.handled[k] = remembered
		l.handledOrder = append(l.handledOrder, k)
		if len(l.handledOrder) > maxRememberedKeys {
			delete(l.handled, l.handledOrder[0])
			l.handledOrder = l.handledOrder[1:]
		}
	}
	audit := itemmsg.AuditEntry{ItemID: it.ID, Revision: it.Revision, At: now, ActorID: req.Actor.PersonID,
		ActorUnitID: req.Actor.UnitID, Action: req.Action, From: from, To: it.State,
		Note: strings.TrimSpace(req.Note), EvidenceIDs: req.EvidenceIDs}
	return res, audit, true, nil
}

// checkPassDown judges 分办, 转办 and the re-checks of a closed item.
func (l *lifecycle) checkPassDown(it *itemmsg.Item, req itemmsg.ActionRequest, note string, now time.Time) error {
	if req.Action.Rechecks() {
		if it.State != itemmsg.Closed {
			return rejection(apperr.Conflict, "state", "只有已销号的事项才能"+req.Action.Label())
		}
		if note == "" {
			return rejection(apperr.Invalid, "note", req.Action.Label()+"须说明核查情况")
		}
		if !req.Action.Reopens() {
			return nil
		}
		to, err := calendar.ParseDate(req.ExtendTo)
		if err != nil {
			return rejection(apperr.Invalid, "due", "重新整改的完成时限“"+req.ExtendTo+"”不是日期，应写作2006-01-02")
		}
		if !at(to, l.policy.DueTime).After(now) {
			return rejection(apperr.Invalid, "due", "重新整改的完成时限须晚于现在")
		}
		return nil
	}
	if it.State == itemmsg.Closed {
		return rejection(apperr.Conflict, "state", "整改事项已销号，不能"+req.Action.Label())
	}
	if it.State == itemmsg.CloseRequested {
		return rejection(apperr.Conflict, "state", "已申请销号，等待审核，不能"+req.Action.Label())
	}
	switch req.Action {
	case itemmsg.Assign:
		if req.HandlerPerson == 0 {
			return rejection(apperr.Invalid, "handler", "请指定具体责任人")
		}
		if req.HandlerPerson == it.HandlerPerson {
			return rejection(apperr.Conflict, "handler", "该事项已由此人具体负责")
		}
	case itemmsg.Split:
		if it.State == itemmsg.Issued {
			return rejection(apperr.Conflict, "state", "请先签收再转办")
		}
		if req.Split == nil || len(req.Split.Children) == 0 || req.Split.ChildOrderID == 0 {
			return rejection(apperr.Invalid, "sub_items", "转办至少要有一个下级事项")
		}
	}
	return nil
}

// pendingChildren counts the sub-items neither closed nor cancelled.
func pendingChildren(cs []itemmsg.Child) int {
	n := 0
	for _, c := range cs {
		if !c.State.Terminal() {
			n++
		}
	}
	return n
}

// childProgress records what a sub-item's workflow told; an older report is ignored.
func (l *lifecycle) childProgress(p itemmsg.ChildProgress) bool {
	i, ok := l.index[p.ParentItemID]
	if !ok {
		return false
	}
	it := &l.items[i]
	for j := range it.Children {
		c := &it.Children[j]
		if c.ItemID != p.ItemID {
			continue
		}
		if p.Revision < c.Revision || (p.Revision == c.Revision && p.SupervisionSeq <= c.SupervisionSeq) {
			return false
		}
		*c = p.Child
		it.ChildrenPending = pendingChildren(it.Children)
		return true
	}
	// A child the split has not registered yet (its report overtook the split's answer).
	it.Children = append(it.Children, p.Child)
	it.ChildrenPending = pendingChildren(it.Children)
	return true
}

// lookBacks are the re-check rounds a close-out at now schedules.
func (l *lifecycle) lookBacks(now time.Time) []itemmsg.LookBack {
	var out []itemmsg.LookBack
	day := dateOf(now)
	for _, d := range l.policy.LookBacks() {
		out = append(out, itemmsg.LookBack{Days: d, DueOn: day.AddDate(0, 0, d).Format("2006-01-02")})
	}
	return out
}

func (l *lifecycle) row(it itemmsg.Item, workflowID string, issuedAt, now time.Time) itemmsg.ItemRow {
	r := itemmsg.ItemRow{Item: it, OrderID: l.orderID, UnitID: l.unitID, WorkflowID: workflowID,
		Holder: it.Holder(), IssuedAt: issuedAt, UpdatedAt: now}
	if l.cal != nil {
		if due, ok := Due(&it, issuedAt, l.cal, l.policy); ok {
			r.DueAt = &due
		}
	}
	return r
}
