// Package itemmsg holds the messages of the item workflows (workflows/item): the item and
// its states and actions, the supervision policy and rungs, the inputs and results of the
// workflows, their Update and their activities, and the ids of their workflows (lights and
// roles are internal/light and internal/role, shared with the case workflow). The
// activities (activities/itemacts), the stores and the API read and write these types; the
// workflow package imports the activities, so the types live here to keep imports acyclic.
// Nothing here does I/O.
package itemmsg

import (
	"strconv"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/light"
	"rectify/internal/role"
)

// Names registered with Temporal.
const (
	// UnitOrderWorkflowType is the unit workflow's type, by which issuance starts it.
	UnitOrderWorkflowType = "UnitOrderWorkflow"

	// UpdateAction is the single Update through which people act on an item.
	UpdateAction = "item-action"
	// QueryItems returns the workflow's view of its items (for operators; pages read PostgreSQL).
	QueryItems = "items"

	// SignalCalendar tells a unit workflow that the holiday table changed.
	SignalCalendar = "calendar-changed"
	// SignalChildProgress tells the workflow of a split item how one of its sub-items stands.
	SignalChildProgress = "child-progress"
)

// State is where an item is in its life.
type State string

// Item states.
const (
	Issued         State = "issued"          // 已交办
	Acknowledged   State = "acknowledged"    // 已签收
	InProgress     State = "in_progress"     // 整改中
	CloseRequested State = "close_requested" // 申请销号
	Closed         State = "closed"          // 已销号
	Cancelled      State = "cancelled"       // 已撤销
)

// stateLabels are the states as users read them.
var stateLabels = map[State]string{
	Issued:         "已交办",
	Acknowledged:   "已签收",
	InProgress:     "整改中",
	CloseRequested: "申请销号",
	Closed:         "已销号",
	Cancelled:      "已撤销",
}

// Label is the state as users read it.
func (s State) Label() string { return label(stateLabels, s) }

// Terminal states end supervision of an item.
func (s State) Terminal() bool { return s == Closed || s == Cancelled }

// Action is something a person does to an item.
type Action string

// Actions on an item.
const (
	Issue        Action = "issue"         // 交办 (by the system at issuance)
	Acknowledge  Action = "acknowledge"   // 签收
	Progress     Action = "progress"      // 进展反馈
	RequestClose Action = "request_close" // 申请销号
	Close        Action = "close"         // 销号 (close-out approved)
	Return       Action = "return"        // 退回
	Cancel       Action = "cancel"        // 撤销

	RequestExtension Action = "request_extension" // 延期申请
	ApproveExtension Action = "approve_extension" // 同意延期
	RefuseExtension  Action = "refuse_extension"  // 不同意延期

	// Passing work down and checking it afterwards; each has its own command in the service
	// (they carry more than a note), so they are not in Actions.
	Assign          Action = "assign"            // 分办: the unit names who handles the item
	Split           Action = "split"             // 转办/细化分解 to the units below
	LookBackHolds   Action = "look_back_holds"   // 回头看：巩固
	LookBackRelapse Action = "look_back_relapse" // 回头看：反弹 (reopens)
	ReinspectPass   Action = "reinspect_pass"    // 抽查合格
	ReinspectFail   Action = "reinspect_fail"    // 抽查不合格 (reopens)
)

// Reopens reports whether an action on a closed item reopens it (整改中 with a new deadline).
func (a Action) Reopens() bool { return a == LookBackRelapse || a == ReinspectFail }

// Rechecks reports whether an action re-checks a closed item (回头看 or 抽查).
func (a Action) Rechecks() bool {
	return a == LookBackHolds || a == LookBackRelapse || a == ReinspectPass || a == ReinspectFail
}

// actionLabels are the actions as users read them.
var actionLabels = map[Action]string{
	Issue:            "交办",
	Acknowledge:      "签收",
	Progress:         "进展反馈",
	RequestClose:     "申请销号",
	Close:            "销号",
	Return:           "退回",
	Cancel:           "撤销",
	RequestExtension: "申请延期",
	ApproveExtension: "同意延期",
	RefuseExtension:  "不同意延期",
	Assign:           "分办",
	Split:            "转办",
	LookBackHolds:    "回头看：巩固",
	LookBackRelapse:  "回头看：反弹",
	ReinspectPass:    "抽查合格",
	ReinspectFail:    "抽查不合格",
}

// Label is the action as users read it.
func (a Action) Label() string { return label(actionLabels, a) }

// label is k as users read it, from labels, or k itself when it has none.
func label[K ~string](labels map[K]string, k K) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return string(k)
}

// Actions lists every action a person may request, in lifecycle order.
var Actions = []Action{Acknowledge, Progress, RequestClose, Close, Return, Cancel, RequestExtension, ApproveExtension, RefuseExtension}

// Holder says who must act next on an item.
type Holder string

// Holders.
const (
	HolderUnit   Holder = "unit"   // the responsible unit (签收, 整改)
	HolderIssuer Holder = "issuer" // the issuing department (审核销号)
	HolderNone   Holder = "none"   // nobody: closed or cancelled
)

// Actor is the person acting, as resolved and scoped by the API.
type Actor struct {
	PersonID int64       `json:"person_id"`
	Name     string      `json:"name"`
	UnitID   int64       `json:"unit_id"`
	Roles    []role.Role `json:"roles"`
}

// Spec is an item as issued: the fixed part of its four lists.
type Spec struct {
	ID              string   `json:"id"`
	MeasureID       int64    `json:"measure_id"`
	DeadlineKind    string   `json:"deadline_kind"`
	DueDate         string   `json:"due_date,omitempty"` // YYYY-MM-DD, Asia/Shanghai
	PrimaryPerson   int64    `json:"primary_person,omitempty"`
	DirectPerson    int64    `json:"direct_person,omitempty"`
	HandlerPerson   int64    `json:"handler_person,omitempty"`
	WorkingDays     int      `json:"working_days,omitempty"`
	WorkingDaysFrom string   `json:"working_days_from,omitempty"` // issue | acknowledge
	Checkpoints     []string `json:"checkpoints,omitempty"`       // YYYY-MM-DD, for 长期坚持
	ParentItemID    string   `json:"parent_item_id,omitempty"`
	ChildrenPending int      `json:"children_pending,omitempty"`
}

// Item is an item's whole state inside its workflow.
type Item struct {
	Spec
	State          State     `json:"state"`
	Revision       int64     `json:"revision"`
	ProgressCount  int       `json:"progress_count"`
	LastProgress   string    `json:"last_progress,omitempty"`
	ReturnCount    int       `json:"return_count"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
	LastProgressAt time.Time `json:"last_progress_at,omitzero"`
	// ExtendedTo is the approved extension (延期), YYYY-MM-DD; it overrides the deadline.
	ExtendedTo string `json:"extended_to,omitempty"`
	// ExtensionRequestedTo and ExtensionReason describe a pending request.
	ExtensionRequestedTo string `json:"extension_requested_to,omitempty"`
	ExtensionReason      string `json:"extension_reason,omitempty"`
	// Supervision: the light, whether under 挂牌督办, the rungs already fired, and the
	// sequence number of the supervision fields in the read model.
	Light          light.Light `json:"light,omitempty"`
	LightReason    string      `json:"light_reason,omitempty"`
	Listed         bool        `json:"listed,omitempty"`
	Fired          []string    `json:"fired,omitempty"`
	DueWritten     string      `json:"due_written,omitempty"`
	SupervisionSeq int64       `json:"supervision_seq,omitempty"`

	// AckLate: signed for (签收) after the acknowledgement deadline.
	AckLate bool `json:"ack_late,omitempty"`
	// ReopenCount counts reopenings by a relapse (反弹) or a failed re-inspection.
	ReopenCount int `json:"reopen_count,omitempty"`
	// Children are the sub-items this item was split into (转办), as their workflows last told.
	Children []Child `json:"children,omitempty"`
	// ChildrenWritten is the children's count last written to the read model ("closed/total").
	ChildrenWritten string `json:"children_written,omitempty"`
	// Told is the state and light last told to the parent item's workflow ("state/light").
	Told string `json:"told,omitempty"`
}

// Child is a sub-item of a split item as its workflow last reported it.
type Child struct {
	ItemID         string      `json:"item_id"`
	State          State       `json:"state"`
	Light          light.Light `json:"light,omitempty"`
	Revision       int64       `json:"revision"`
	SupervisionSeq int64       `json:"supervision_seq"`
}

// ChildProgress is the payload of SignalChildProgress.
type ChildProgress struct {
	ParentItemID string `json:"parent_item_id"`
	Child
}

// SplitRequest registers the sub-items of a split: the child order issued for them and
// their item ids.
type SplitRequest struct {
	ChildOrderID int64    `json:"child_order_id"`
	Children     []string `json:"children"`
}

// Holder is who must act next.
func (it *Item) Holder() Holder {
	switch it.State {
	case CloseRequested:
		return HolderIssuer
	case Closed, Cancelled:
		return HolderNone
	}
	return HolderUnit
}

// UnitOrderInput starts the workflow that supervises one order's items at one unit.
type UnitOrderInput struct {
	Deployment   string    `json:"deployment,omitempty"`
	Policy       *Policy   `json:"policy,omitempty"`
	OrderID      int64     `json:"order_id"`
	UnitID       int64     `json:"unit_id"`
	IssuerUnitID int64     `json:"issuer_unit_id"`
	IssuedBy     int64     `json:"issued_by"`
	IssuedAt     time.Time `json:"issued_at"`
	Items        []Spec    `json:"items,omitempty"`
	// Carried is set when the workflow continues as new.
	Carried *Carried `json:"carried,omitempty"`
	// ActionsPerRun bounds the actions handled before continuing as new (0: default).
	ActionsPerRun int `json:"actions_per_run,omitempty"`
	// ParentWorkflowID is, for a child order (转办), the workflow of the item it was split
	// from: told of every change of these items.
	ParentWorkflowID string `json:"parent_workflow_id,omitempty"`
}

// Carried is the state handed from one run to the next.
type Carried struct {
	Items []Item `json:"items"`
	// Handled maps recent idempotency keys to their results so a retry after
	// continue-as-new is still answered without acting twice.
	Handled map[string]ActionResult `json:"handled"`
	// HandledOrder is Handled's keys oldest first, for pruning.
	HandledOrder []string `json:"handled_order"`
	// Calendar is the holiday table in force, so a continued run needs no reload.
	Calendar []calendar.Year `json:"calendar,omitempty"`
}

// ActionRequest is the input of UpdateAction.
type ActionRequest struct {
	ItemID      string  `json:"item_id"`
	Action      Action  `json:"action"`
	Actor       Actor   `json:"actor"`
	Note        string  `json:"note,omitempty"`
	EvidenceIDs []int64 `json:"evidence_ids,omitempty"`
	// ExtendTo is the new deadline asked for by request_extension (YYYY-MM-DD).
	ExtendTo string `json:"extend_to,omitempty"`
	// Key is the caller's idempotency key; the same key is answered once.
	Key string `json:"key,omitempty"`
	// HandlerPerson is who handles the item from now on (assign).
	HandlerPerson int64 `json:"handler_person,omitempty"`
	// Split registers sub-items (split).
	Split *SplitRequest `json:"split,omitempty"`
}

// ActionResult is the output of UpdateAction.
type ActionResult struct {
	ItemID    string `json:"item_id"`
	State     State  `json:"state"`
	Revision  int64  `json:"revision"`
	Duplicate bool   `json:"duplicate,omitempty"`
	// Pending is set when the action took effect but its read-model and audit write did not
	// answer within the action's budget: it is recorded by the workflow shortly (已受理，正在记录).
	Pending bool `json:"pending,omitempty"`
	// Fingerprint identifies the request a remembered key answered; it never leaves the
	// workflow (the API clears it) and is compared when the same key comes again.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// ItemRow is what the read model stores for an item.
type ItemRow struct {
	Item
	DueAt      *time.Time `json:"due_at,omitempty"`
	OrderID    int64      `json:"order_id"`
	UnitID     int64      `json:"unit_id"`
	WorkflowID string     `json:"workflow_id"`
	Holder     Holder     `json:"holder"`
	IssuedAt   time.Time  `json:"issued_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// AuditEntry is one row of the audit trail (留痕).
type AuditEntry struct {
	ItemID      string    `json:"item_id"`
	Revision    int64     `json:"revision"`
	At          time.Time `json:"at"`
	ActorID     int64     `json:"actor_id,omitempty"`
	ActorUnitID int64     `json:"actor_unit_id,omitempty"`
	Action      Action    `json:"action"`
	From        State     `json:"from"`
	To          State     `json:"to"`
	Note        string    `json:"note,omitempty"`
	EvidenceIDs []int64   `json:"evidence_ids,omitempty"`
}

// RecordIssuedInput writes freshly issued items and their 交办 audit rows.
type RecordIssuedInput struct {
	Rows  []ItemRow    `json:"rows"`
	Audit []AuditEntry `json:"audit"`
}

// ChangeRecord writes one item's new state with its audit row.
type ChangeRecord struct {
	Row   ItemRow    `json:"row"`
	Audit AuditEntry `json:"audit"`
	// LookBacks are the re-check rounds (回头看) a close-out schedules.
	LookBacks []LookBack `json:"look_backs,omitempty"`
}

// LookBack is one re-check round after a close-out: Days after 销号, due on DueOn.
type LookBack struct {
	Days  int    `json:"days"`
	DueOn string `json:"due_on"` // YYYY-MM-DD
}

// SupervisionWrite carries an item's supervision fields to the read model; Seq only grows.
type SupervisionWrite struct {
	ItemID string      `json:"item_id"`
	Seq    int64       `json:"seq"`
	At     time.Time   `json:"at"`
	Light  light.Light `json:"light"`
	Reason string      `json:"reason"`
	Listed bool        `json:"listed"`
	DueAt  *time.Time  `json:"due_at,omitempty"`
	// Children counts a split item's sub-items (0, 0 for an item not split).
	ChildrenTotal  int `json:"children_total,omitempty"`
	ChildrenClosed int `json:"children_closed,omitempty"`
}

// Notice is a reminder or escalation for one person about one item, to be sent at SendAt.
type Notice struct {
	Key          string    `json:"key"` // workflow/item/step/person: the same rung never fires twice
	ItemID       string    `json:"item_id"`
	PersonID     int64     `json:"person_id"`
	Rung         Rung      `json:"rung"`
	Consolidated bool      `json:"consolidated"`
	FireAt       time.Time `json:"fire_at"`
	SendAt       time.Time `json:"send_at"`
	Due          string    `json:"due,omitempty"`
	DaysLeft     int       `json:"days_left"`
	DaysOverdue  int       `json:"days_overdue"`
}

// RecordSupervisionInput writes lights and fired rungs, then wakes the dispatcher.
type RecordSupervisionInput struct {
	Deployment string             `json:"deployment"`
	Writes     []SupervisionWrite `json:"writes,omitempty"`
	Notices    []Notice           `json:"notices,omitempty"`
}

// IssueOrderInput starts issuance (交办) of an order to its target units.
type IssueOrderInput struct {
	Deployment string    `json:"deployment"`
	OrderID    int64     `json:"order_id"`
	IssuedBy   int64     `json:"issued_by"`
	IssuedAt   time.Time `json:"issued_at"`
}

// IssueOrderResult reports what issuance did.
type IssueOrderResult struct {
	Units int `json:"units"`
	Items int `json:"items"`
}

// UnitWorkflowID names the workflow of one order at one unit; issuing twice finds it. The
// deployment (the database's own id) keeps databases sharing a namespace apart.
func UnitWorkflowID(deployment string, orderID, unitID int64) string {
	return deployment + "-order-" + itoa(orderID) + "-unit-" + itoa(unitID)
}

// IssueWorkflowID names the issuance workflow of an order.
func IssueWorkflowID(deployment string, orderID int64) string {
	return deployment + "-order-" + itoa(orderID) + "-issue"
}

// ItemID names the item of a measure at a unit.
func ItemID(measureID, unitID int64) string { return "m" + itoa(measureID) + "-u" + itoa(unitID) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
