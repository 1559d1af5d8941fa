package rectification

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/evidence"
	"rectify/internal/items"
	"rectify/internal/notify"
	"rectify/internal/order"
	"rectify/internal/reachable"
	"rectify/workflows/item"
	"rectify/workflows/item/itemmsg"
)

// ItemList is a list of items.
type ItemList struct {
	Items []items.Row `json:"items"`
	// Next is the cursor of the next page (?after=), present when this page is full.
	Next string `json:"next,omitempty"`
}

// page is a list answered with the cursor of its next page when it is full.
func page(list []items.Row, f items.Filter) ItemList {
	out := ItemList{Items: list}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200 // as items.List reads it
	}
	if len(list) > 0 && len(list) == limit {
		out.Next = list[len(list)-1].Cursor()
	}
	return out
}

// checkFilter refuses a light or a state nobody could mean.
func checkFilter(f items.Filter) error {
	if f.Light != "" && !f.Light.Lit() {
		return apperr.New(apperr.Invalid, "light", "light应为green、yellow或red")
	}
	// Label answers an unknown state with the state itself.
	if f.State != "" && itemmsg.State(f.State).Label() == f.State {
		return apperr.New(apperr.Invalid, "state", "未知的事项状态“"+f.State+"”")
	}
	return nil
}

// ListItems lists the items the actor sees that match f.
func (s *Service) ListItems(ctx context.Context, a auth.Actor, f items.Filter) (ItemList, error) {
	if err := checkFilter(f); err != nil {
		return ItemList{}, err
	}
	list, err := s.Items.List(ctx, order.ScopeOf(a), f, s.Now())
	if err == nil {
		err = s.freshList(ctx, list)
	}
	return page(list, f), err
}

// MyItemsInput is a list of what waits for the actor: View is todo (the default: what their
// unit must act on next), overdue (the open overdue ones among those) or responsible (the
// open items they are named responsible for), narrowed further by Filter.
type MyItemsInput struct {
	View   string
	Filter items.Filter
}

// MyItems lists what waits for the actor.
func (s *Service) MyItems(ctx context.Context, a auth.Actor, in MyItemsInput) (ItemList, error) {
	f := in.Filter
	if err := checkFilter(f); err != nil {
		return ItemList{}, err
	}
	switch in.View {
	case "", "todo":
		f.ToDo = true
	case "overdue":
		f.Overdue = true
		f.ToDo = true
	case "responsible":
		f.PersonID = a.PersonID
		f.Open = true
	default:
		return ItemList{}, apperr.New(apperr.Invalid, "view", "view应为todo、overdue或responsible")
	}
	list, err := s.Items.List(ctx, order.ScopeOf(a), f, s.Now())
	if err == nil {
		err = s.freshList(ctx, list)
	}
	return page(list, f), err
}

// ItemDetail is one item with everything that happened to it.
type ItemDetail struct {
	Item     items.Row       `json:"item"`
	Timeline []items.Event   `json:"timeline"`
	Evidence []evidence.File `json:"evidence"`
	// EvidenceReuse is each of the item's files also used for another item (佐证重复).
	EvidenceReuse []evidence.Reuse        `json:"evidence_reuse"`
	Lights        []items.LightChange     `json:"lights"`
	Notices       []items.NoticeRow       `json:"notices"`
	Deliveries    []notify.DeliveryStatus `json:"deliveries"`
	// Children are the sub-items it was split into (转办) that the actor sees; LookBacks its
	// re-check rounds after 销号 (回头看).
	Children  []items.Row           `json:"children"`
	LookBacks []items.LookBackRound `json:"look_backs"`
}

// GetItem is one item the actor sees, with its timeline (the audit trail), evidence, light
// changes, notices and their deliveries.
func (s *Service) GetItem(ctx context.Context, a auth.Actor, id string) (ItemDetail, error) {
	var d ItemDetail
	var err error
	if d.Item, err = s.Items.Get(ctx, order.ScopeOf(a), id, s.Now()); err != nil {
		return ItemDetail{}, err
	}
	if d.Timeline, err = s.Items.Timeline(ctx, id); err != nil {
		return ItemDetail{}, err
	}
	if d.Evidence, err = s.Evidence.ForItem(ctx, id); err != nil {
		return ItemDetail{}, err
	}
	if d.EvidenceReuse, err = s.Evidence.Reuses(ctx, order.ScopeOf(a), nil, []string{id}); err != nil {
		return ItemDetail{}, err
	}
	if d.Lights, err = s.Items.Lights(ctx, id); err != nil {
		return ItemDetail{}, err
	}
	if d.Deliveries, err = s.Notifier.Deliveries(ctx, id); err != nil {
		return ItemDetail{}, err
	}
	if d.Notices, err = s.Items.Notices(ctx, id); err != nil {
		return ItemDetail{}, err
	}
	if d.Children, err = s.Items.Children(ctx, order.ScopeOf(a), id, s.Now()); err != nil {
		return ItemDetail{}, err
	}
	if err := s.freshen(ctx, &d.Item); err != nil {
		return ItemDetail{}, err
	}
	if err := s.freshList(ctx, d.Children); err != nil {
		return ItemDetail{}, err
	}
	if d.LookBacks, err = s.Items.LookBacks(ctx, id); err != nil {
		return ItemDetail{}, err
	}
	return d, nil
}

// ActionBody is what a person sends with an action on an item.
type ActionBody struct {
	Note        string  `json:"note"`
	EvidenceIDs []int64 `json:"evidence_ids"`
	ExtendTo    string  `json:"extend_to"`
}

// ActInput is an action on an item. Key is the person's idempotency key: the same key is
// never acted on twice.
type ActInput struct {
	ItemID string
	Action itemmsg.Action
	ActionBody
	Key string
}

// Act is every action on an item, whichever way it arrives (API call, page or spreadsheet):
// bounded, scoped, its evidence checked, and sent as the item workflow's Update, whose
// validator answers at once whether it is accepted.
func (s *Service) Act(ctx context.Context, a auth.Actor, in ActInput) (itemmsg.ActionResult, error) {
	var res itemmsg.ActionResult
	req := itemmsg.ActionRequest{ItemID: in.ItemID, Action: in.Action, Note: in.Note, EvidenceIDs: in.EvidenceIDs, ExtendTo: in.ExtendTo, Key: in.Key,
		Actor: itemmsg.Actor{PersonID: a.PersonID, Name: a.Name, UnitID: a.UnitID, Roles: a.Roles}}
	if err := item.Bounds(req, s.Now()); err != nil {
		return res, err
	}
	row, err := s.Items.Get(ctx, order.ScopeOf(a), in.ItemID, s.Now())
	if err != nil {
		return res, err
	}
	if err := s.checkEvidence(ctx, in.ItemID, in.EvidenceIDs); err != nil {
		return res, err
	}
	return s.send(ctx, row, req, nil)
}

// checkEvidence refuses evidence ids that are not the item's own.
func (s *Service) checkEvidence(ctx context.Context, itemID string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	// One read of the item's evidence; an outage is an outage, not "not this item's".
	files, err := s.Evidence.ForItem(ctx, itemID)
	if err != nil {
		return err
	}
	for i, eid := range ids {
		if !slices.ContainsFunc(files, func(f evidence.File) bool { return f.ID == eid }) {
			return apperr.Newf(apperr.Invalid, fmt.Sprintf("evidence_ids[%d]", i), "佐证材料%d不属于该事项", eid)
		}
	}
	return nil
}

// send delivers req to the item's workflow as its Update and reads the answer. With start
// set, a workflow that has ended (every item closed or cancelled) is started again from
// start in the same call (Update-with-Start on the same id); a running one just takes the
// Update.
func (s *Service) send(ctx context.Context, row items.Row, req itemmsg.ActionRequest, start *itemmsg.UnitOrderInput) (itemmsg.ActionResult, error) {
	var res itemmsg.ActionResult
	// Every request is a new Update: the workflow remembers keys per (item, person) with
	// what they asked and judges a retry itself; Temporal's deduplication by update id would
	// answer a retry without saying it was one, or another person with someone else's result.
	upd := client.UpdateWorkflowOptions{
		WorkflowID:   row.WorkflowID,
		UpdateID:     uuid.NewString(),
		UpdateName:   itemmsg.UpdateAction,
		Args:         []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	var h client.WorkflowUpdateHandle
	var err error
	if start == nil {
		h, err = s.Temporal.UpdateWorkflow(ctx, upd)
	} else {
		op := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
			ID:                       row.WorkflowID,
			TaskQueue:                s.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		}, itemmsg.UnitOrderWorkflowType, *start)
		upd.WorkflowID = ""
		h, err = s.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op, UpdateOptions: upd})
	}
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err == nil {
		return res, nil
	}
	// A refusal is a definitive answer even when it arrives as the budget runs out.
	if _, refused := reachable.Refusal(err); !refused && reachable.Unanswered(ctx, err) {
		return res, reachable.Unconfirmed(err)
	}
	return res, actionError(err, req, row)
}

// actionError turns a refused or failed Update into the error a person reads.
func actionError(err error, req itemmsg.ActionRequest, row items.Row) error {
	if e, ok := reachable.Refusal(err); ok {
		return e
	}
	if reachable.WorkflowGone(err) {
		// The unit's workflow ended with all its items closed or cancelled: the answer must not
		// depend on that, so refuse who may not act first, as the validator would have.
		if perr := item.MayAct(req.Actor, req.Action, row.UnitID, row.IssuerUnitID); perr != nil {
			return actionError(perr, req, row)
		}
		return &apperr.Error{Kind: apperr.Conflict, Field: "state",
			Message: "整改事项" + itemmsg.State(row.State).Label() + "，不能再操作", Err: err}
	}
	return fmt.Errorf("item action on %s: %w", row.ID, err)
}
